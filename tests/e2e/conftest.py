"""Browser fixtures: one Chromium per test module, a fresh context per participant.

Chromium comes from Debian (/usr/bin/chromium); Playwright's own download does not work here.
The `live` and `live_conf` fixtures (tests/conftest.py) give a real server process over a real
SQLite file.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api")

from e2e_helpers import Person  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

CHROMIUM = os.environ.get("DRAFTING_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (make browser installs it)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def people(browser, live):
    """people(token, phone=False) opens a signed-in browser context; all closed after."""
    opened: list[Person] = []

    def open_person(token: str, **kw) -> Person:
        p = Person(browser, live, token, **kw)
        opened.append(p)
        return p

    yield open_person
    for p in opened:
        p.close()


@pytest.fixture(scope="session", autouse=True)
def _expect_timeout():
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)
