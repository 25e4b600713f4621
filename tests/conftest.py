"""Fixtures as flaskr has them (app, client, runner) plus ours."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from drafting import create_app
from drafting.actions import Actions
from drafting.store import Store

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO.parent / "shared" / "samples" / "rome-declaration.txt"
ARTIFACTS = REPO / "tests" / "artifacts"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "drafting.db"


@pytest.fixture
def store(db_path: Path) -> Store:
    return Store(db_path)


@pytest.fixture
def actions(store: Store) -> Actions:
    return Actions(store)


@pytest.fixture
def app(db_path: Path):
    app = create_app({"DATABASE": str(db_path), "TESTING": True, "BASE_URL": "http://test"})
    yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(db_path: Path, monkeypatch):
    monkeypatch.setenv("DRAFTING_DB", str(db_path))
    return CliRunner()


@pytest.fixture
def conference(actions: Actions):
    """A conference with a chair, two delegates and an observer; tokens by role."""
    conf, chair, chair_token = actions.create_conference("Test Assembly", "Chair", "UN")
    d1, t1 = actions.add_participant(None, conf.id, "Amina", "Morocco")
    d2, t2 = actions.add_participant(None, conf.id, "Jonas", "Germany")
    ob, to = actions.add_participant(None, conf.id, "Press", "", "observer")
    return {
        "conference": conf,
        "chair": chair,
        "chair_token": chair_token,
        "delegates": [d1, d2],
        "delegate_tokens": [t1, t2],
        "observer": ob,
        "observer_token": to,
    }
