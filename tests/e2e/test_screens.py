"""Screenshots of the draft screen at desktop and phone widths, with an open poll and an
amendment in track changes (saved under tests/artifacts/ to look at)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from drafting.actions import Actions
from drafting.store import Store

REPO = Path(__file__).resolve().parents[2]

TEXT = """# Declaration on Peaceful Cooperation

The General Assembly,

Recalling its earlier resolutions on international cooperation,

Noting with concern the rise in international tension,

1. Decides to establish an open-ended working group on the coordination of these tasks;

2. Requests the working group:

   (a) To compile existing agreements on arms control;

   (b) To identify obstacles to their implementation;

3. Invites Parties to report on their progress before the next session;

4. Decides to remain seized of the matter.
"""


@pytest.fixture
def session(live):
    a = Actions(Store(live.db_path))
    conf, chair, chair_token = a.create_conference("Rome Forum", "Chair", "Secretariat")
    people = a.import_participants(
        None,
        conf.id,
        [
            {"name": "Amina Benali", "delegation": "Morocco"},
            {"name": "Jonas Schmidt", "delegation": "Germany"},
            {"name": "Lucía Fernández", "delegation": "Chile"},
            {"name": "Kenji Sato", "delegation": "Japan"},
        ],
    )
    draft = a.import_document(None, conf.id, TEXT.encode(), "declaration.md")
    a.set_sponsors(None, draft.id, [people[0][0].id])
    view = a.draft_view(None, draft.id)
    flat = []
    stack = list(reversed(view["clauses"]))
    while stack:
        c = stack.pop()
        flat.append(c)
        stack.extend(reversed(c["children"]))
    requests = next(c for c in flat if c["text"].startswith("To compile"))
    a.set_mode(None, draft.id, "formal")
    amendment = a.propose(
        people[1][0],
        requests["id"],
        "replace",
        "To compile and publish existing agreements on arms control and disarmament;",
        "A clearer mandate",
    )
    a.propose(people[2][0], requests["id"], "delete", "", "Covered by operative 1")
    for p, _ in people:  # the delegations are in the room: the quorum is there
        a.set_present(p, True)
    poll = a.open_poll(None, draft.id, "amendment", amendment.id, "two_thirds", "recorded")
    a.vote(people[2][0], poll.id, "yes")
    return {
        "draft_id": draft.id,
        "clause_id": requests["id"],
        "chair_token": chair_token,
        "tokens": [t for _, t in people],
    }


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_screenshots(session, people, artifacts, phone):
    width = "phone" if phone else "desktop"
    d = people(session["tokens"][0], phone=phone)
    page = d.open_draft(session["draft_id"])
    sheet = page.locator("#vote-dialog")
    expect(sheet).to_be_visible()
    expect(sheet.locator("#vote-subject ins").first).to_have_text("and publish ")
    page.locator("#vote-dialog button[data-choice=yes]").click()
    expect(sheet.locator("#vote-mine")).to_contain_text("Your delegation voted: YES")
    if phone:
        # The buttons sit in the lower part of the screen, within thumb reach.
        box = page.locator("#vote-dialog button[data-choice=yes]").bounding_box()
        assert box["y"] > 844 * 0.35 and box["height"] >= 48
    page.screenshot(path=str(artifacts / f"draft-{width}-vote.png"), animations="disabled")

    page.locator("#vote-hide").click()
    expect(sheet).to_be_hidden()
    expect(page.locator("#poll-banner")).to_be_visible()
    page.locator(f"#clause-{session['clause_id']} .badge-amend").click()
    margin = page.locator("#margin")
    expect(margin).to_be_visible()
    expect(margin.locator(".amendment")).to_have_count(2)
    expect(margin.locator(".amendment ins").first).to_have_text("and publish ")
    page.screenshot(path=str(artifacts / f"draft-{width}-amendment.png"), animations="disabled")
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    assert not d.errors and not d.dialogs

    chair = people(session["chair_token"], phone=phone)
    cp = chair.open_draft(session["draft_id"])
    cp.locator("#vote-hide").click()
    expect(cp.locator("#chair-queue-summary")).to_contain_text("Voting on Amendment #1")
    cp.locator("#chair-toggle").click()
    expect(cp.locator("#chair-queue li")).not_to_have_count(0)
    cp.screenshot(path=str(artifacts / f"draft-{width}-chair.png"), animations="disabled")
