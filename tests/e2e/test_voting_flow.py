"""The record of proceedings in a real browser: read as a document, downloaded."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from drafting.actions import Actions
from drafting.store import Store

CLAUSES = [
    ("preambular", 0, "Recalling its earlier resolutions,"),
    ("operative", 0, "Decides to raise the share of renewable energy to 15% by 2030;"),
    ("operative", 0, "Requests a report on progress at the next session;"),
]
DELEGATES = [
    ("Amina Benali", "Morocco"),
    ("Jonas Schmidt", "Germany"),
    ("Lucía Fernández", "Chile"),
    ("Kenji Sato", "Japan"),
]


@pytest.fixture
def assembly(live):
    """Four members (a quorum of three), a draft of three clauses in formal mode."""
    a = Actions(Store(live.db_path))
    conf, _, chair_token = a.create_conference("Rome Forum", "Chair")
    people = a.import_participants(
        None, conf.id, [{"name": n, "delegation": d} for n, d in DELEGATES]
    )
    draft = a.create_draft(None, conf.id, "Declaration on Energy", CLAUSES)
    a.set_mode(None, draft.id, "formal")
    ids = [c["id"] for c in a.draft_view(None, draft.id)["clauses"]]
    return {
        "actions": a,
        "conference": conf,
        "draft_id": draft.id,
        "target": ids[1],
        "report": ids[2],
        "chair_token": chair_token,
        "people": [p for p, _ in people],
        "tokens": [t for _, t in people],
    }


def test_the_record_is_read_and_downloaded(assembly, people, artifacts):
    a, draft, report = assembly["actions"], assembly["draft_id"], assembly["report"]
    members = assembly["people"]
    am = a.propose(members[1], report, "replace", "Requests an annual report on progress;")
    for p in members:
        a.set_present(p, True)
    poll = a.open_poll(None, draft, "amendment", am.id, "simple", "recorded")
    for p in members[:3]:
        a.vote(p, poll.id, "yes")
    a.close_poll(None, poll.id)
    for p in members:
        a.set_present(p, False)

    d = people(assembly["tokens"][3])  # a delegate reads it too
    page = d.open_draft(draft)
    page.locator(".export summary").click()
    page.locator("#open-record").click()
    record = page.locator("#record-text")
    expect(record.locator("h1")).to_have_text("Record of proceedings: Declaration on Energy")
    expect(record.locator("ol.proceedings li").first).to_be_visible()
    expect(record).to_contain_text("Amendment #1")
    expect(record.locator("time").first).to_have_attribute("datetime", re.compile(r"^\d{4}-"))
    assert "<h1>" not in record.inner_text() and "# Record" not in record.inner_text()
    page.screenshot(path=str(artifacts / "flow-record.png"))

    with page.expect_download() as info:
        page.locator("#record-download-md").click()
    assert info.value.suggested_filename.endswith("-record.md")
    md = Path(info.value.path()).read_text(encoding="utf-8")
    assert md.startswith("# Record of proceedings") and "Amendment #1" in md
    with page.expect_download() as info:
        page.locator("#record-download-html").click()
    html = Path(info.value.path()).read_text(encoding="utf-8")
    assert "<h1>Record of proceedings: Declaration on Energy</h1>" in html
    assert "Morocco" in html  # the recorded vote, member by member
    assert not d.errors
