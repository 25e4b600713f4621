"""Fixtures as flaskr has them (app, client, runner) plus ours."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import ARTIFACTS, REPO, SAMPLE  # noqa: F401  (re-exported for fixtures)

from drafting import create_app
from drafting.actions import Actions
from drafting.store import Store


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
    config = {"DATABASE": str(db_path), "TESTING": True, "BASE_URL": "http://test"}
    # the API's tests open their conferences as an open server lets anyone
    app = create_app({**config, "OPEN_CONFERENCES": True})
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


@pytest.fixture
def live(tmp_path: Path):
    """A real `drafting serve` process over a temporary SQLite file."""
    from liveserver import LiveServer

    # open as an operator may open a server: the whole-session tests start on the welcome page
    server = LiveServer(tmp_path / "live.db", env={"DRAFTING_OPEN_CONFERENCES": "1"})
    Store(server.db_path)  # create the schema before the server and the test both open it
    server.start()
    yield server
    server.stop()


@pytest.fixture
def live_conf(live):
    """A conference on the live server's database, with a draft of three clauses."""
    a = Actions(Store(live.db_path))
    conf, chair, chair_token = a.create_conference("Live Assembly", "Chair")
    people = a.import_participants(
        None,
        conf.id,
        [
            {"name": f"Delegate {i}", "delegation": f"Country {i}", "role": "delegate"}
            for i in range(6)
        ]
        + [{"name": "Observer", "delegation": "", "role": "observer"}],
    )
    draft = a.create_draft(
        None,
        conf.id,
        "Live draft",
        [
            ("preambular", 0, "Recalling its earlier resolutions,"),
            ("operative", 0, "Decides to act;"),
            ("operative", 0, "Requests a report."),
        ],
    )
    view = a.draft_view(None, draft.id)
    return {
        "actions": a,
        "conference": conf,
        "chair_token": chair_token,
        "tokens": [t for p, t in people if p.role == "delegate"],
        "observer_token": people[-1][1],
        "draft_id": draft.id,
        "clause_ids": [c["id"] for c in view["clauses"]],
    }
