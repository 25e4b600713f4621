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
def people(browser, live, request):
    """people(token, phone=False) opens a signed-in browser context; all closed after."""
    opened: list[Person] = []
    request.node.people_opened = opened  # for the failure report below

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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """When a browser test fails, keep what each participant saw: a screenshot per page under
    tests/artifacts/failed-*.png and the page's console in the report."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for i, person in enumerate(getattr(item, "people_opened", [])):
        try:
            person.page.screenshot(path=str(ARTIFACTS / f"failed-{item.name}-{i}.png"))
        except Exception as e:  # a page that is gone says so in the report
            person.console.append(f"(no screenshot: {e})")
        lines = person.console[-40:] + [f"pageerror: {e}" for e in person.errors]
        try:
            toast = person.page.evaluate("document.getElementById('toast')?.textContent")
            lines.append(f"last toast: {toast!r}")
        except Exception:
            pass
        report.sections.append((f"browser {i} console", "\n".join(lines)))
