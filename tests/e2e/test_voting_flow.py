"""The voting flow of issue 9 in real browsers: the clause as amended after its amendments,
the chair's ruling on the order (keyboard and drag), the quorum lost during a vote, a vote
sheet that chooses nothing by itself, motions, a consensus, a roll call and the record."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from e2e_helpers import Person
from playwright.sync_api import expect

from drafting.actions import Actions
from drafting.client import DraftClient
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


def vote(person: Person, choice: str) -> None:
    sheet = person.page.locator("#vote-dialog")
    expect(sheet).to_be_visible()
    sheet.locator(f"button[data-choice={choice}]").click()
    expect(sheet.locator(f"button[data-choice={choice}]")).to_have_attribute("aria-pressed", "true")
    expect(sheet.locator("#vote-mine")).to_contain_text(f"Your delegation voted: {choice.upper()}")


def queue_item(page, kind: str, subject_id: int):
    return page.locator(f"#chair-queue li[data-type={kind}][data-id='{subject_id}']")


def expect_order(page, *amendments) -> None:
    """The queue lists these amendments first, in this order."""
    labels = page.locator("#chair-queue li[data-type=amendment] .q-label")
    expect(labels).to_have_text(
        [re.compile(rf"^{i + 1}\. Amendment #{a.number} ") for i, a in enumerate(amendments)]
    )


def open_console(chair: Person) -> None:
    toggle = chair.page.locator("#chair-toggle")
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    expect(chair.page.locator("#chair-body")).to_be_visible()


def test_the_clause_as_amended_is_put_after_its_amendments(assembly, people, artifacts):
    a, draft, report = assembly["actions"], assembly["draft_id"], assembly["report"]
    jonas_p = assembly["people"][1]
    amended = "Requests an annual report on progress at the next session;"
    am = a.propose(jonas_p, report, "replace", amended, "Every year")
    chair = people(assembly["chair_token"])
    cp = chair.open_draft(draft)
    delegates = [people(t) for t in assembly["tokens"][:3]]  # three of four: the quorum
    for d in delegates:
        d.open_draft(draft)
    amina, jonas, _ = delegates

    # The proposer can withdraw his amendment while it is pending...
    jonas.clause(report).click()
    card = jonas.page.locator(f"#amendment-{am.id}")
    expect(card.locator("button.withdraw")).to_be_visible()

    open_console(chair)
    expect(queue_item(cp, "amendment", am.id)).to_contain_text("Amendment #1 to operative clause 2")
    clause_item = queue_item(cp, "clause", report)
    expect(clause_item).to_contain_text("after its amendments")
    expect(clause_item.locator("button.q-open")).to_have_count(0)  # not before its amendments
    expect(queue_item(cp, "draft", draft).locator("button.q-open")).to_have_count(0)
    expect(cp.locator("#chair-whole")).to_be_hidden()
    queue_item(cp, "amendment", am.id).locator("button.q-open").click()

    # ...not once it is being voted on.
    expect(card.locator(".badge")).to_have_text("being voted on")
    expect(card.locator("button.withdraw")).to_have_count(0)
    for d in delegates:
        vote(d, "yes")
    cp.locator("#vote-close").click()
    expect(amina.page.locator("#vote-result")).to_contain_text("Adopted")
    expect(amina.page.locator("#vote-cast")).to_have_text("Present and voting: 3 · Abstaining: 0")

    # The clause as amended stays in the queue, and can now be put to the vote.
    cp.locator("#vote-hide").click()
    clause_item = queue_item(cp, "clause", report)
    expect(clause_item).to_contain_text("Operative clause 2, as amended")
    expect(cp.locator("#chair-queue-summary")).to_contain_text("Operative clause 2, as amended")
    cp.screenshot(path=str(artifacts / "flow-clause-as-amended.png"))
    clause_item.locator("button.q-open").click()
    for d in delegates:
        expect(d.page.locator("#vote-title")).to_contain_text("Operative clause 2")
        expect(d.page.locator("#vote-subject")).to_have_text(amended)
    vote(amina, "yes")
    vote(jonas, "abstain")
    vote(delegates[2], "no")
    expect(cp.locator("#vote-cast")).to_have_text("3 of 4 members have voted")  # by show of hands
    cp.locator("#vote-close").click()
    expect(amina.page.locator("#vote-result")).to_contain_text("Rejected")  # a tie fails
    expect(amina.page.locator("#vote-cast")).to_have_text("Present and voting: 2 · Abstaining: 1")
    # Then the draft as a whole.
    cp.locator("#vote-hide").click()
    expect(cp.locator("#chair-open-next")).to_have_attribute(
        "aria-label", "Open a poll on The draft as a whole"
    )
    expect(cp.locator("#chair-whole")).to_be_visible()
    for p in (*delegates, chair):
        assert not p.errors, p.errors


def test_the_chair_rules_on_the_order_by_keyboard_and_by_drag(assembly, people, artifacts):
    a, draft, target = assembly["actions"], assembly["draft_id"], assembly["target"]
    amina_p, _, lucia_p, _ = assembly["people"]
    text = CLAUSES[1][2]
    twenty = a.propose(amina_p, target, "replace", text.replace("15%", "20%"))
    ninety = a.propose(lucia_p, target, "replace", text.replace("15%", "95%"))
    chair = people(assembly["chair_token"])
    cp = chair.open_draft(draft)
    other = people(assembly["chair_token"])  # a second screen of the chair's, to see the room told
    other.open_draft(draft)
    open_console(chair)
    open_console(other)
    expect(cp.locator("#chair-queue-hint")).to_contain_text("The order is a suggestion")

    # The suggestion: the figure furthest from 15% first, each with its reason.
    expect_order(cp, ninety, twenty)
    expect(queue_item(cp, "amendment", ninety.id)).to_contain_text("suggested: changes 15% to 95%")

    # By keyboard: Alt+↑ on the second moves it up; the keyboard stays on it.
    item = queue_item(cp, "amendment", twenty.id)
    item.focus()
    cp.keyboard.press("Alt+ArrowUp")
    expect_order(cp, twenty, ninety)
    expect(queue_item(cp, "amendment", twenty.id)).to_be_focused()
    expect(queue_item(cp, "amendment", twenty.id)).to_contain_text(
        "the chair's ruling (suggested 2nd: changes 15% to 20%)"
    )
    expect(cp.locator("#announcer")).to_contain_text("now 1st of 2")
    # The room is told, and fetches the queue again.
    expect_order(other.page, twenty, ninety)
    queue = a.amendments_view(None, draft)["queue"]
    assert [q["id"] for q in queue if q["type"] == "amendment"] == [twenty.id, ninety.id]
    cp.keyboard.press("Alt+ArrowUp")  # already first: nothing to rule
    expect(cp.locator("#announcer")).to_contain_text("Already first")
    cp.screenshot(path=str(artifacts / "flow-order-ruled.png"))

    # By drag: the 95% one dropped on the first place takes it.
    queue_item(cp, "amendment", ninety.id).drag_to(queue_item(cp, "amendment", twenty.id))
    expect_order(cp, ninety, twenty)
    expect(queue_item(cp, "amendment", ninety.id)).to_contain_text(
        "the chair's ruling (suggested 1st"
    )
    queue = a.amendments_view(None, draft)["queue"]
    assert [q["id"] for q in queue if q["type"] == "amendment"] == [ninety.id, twenty.id]
    assert not chair.errors and not other.errors


def test_a_vote_that_loses_its_quorum(live, live_conf, people, artifacts):
    a, draft = live_conf["actions"], live_conf["draft_id"]
    a.set_mode(None, draft, "formal")  # six members: the quorum is four
    chair = people(live_conf["chair_token"])
    cp = chair.open_draft(draft)
    delegates = [people(t) for t in live_conf["tokens"][:4]]
    for d in delegates:
        d.open_draft(draft)
    first, leaving = delegates[0], delegates[3]
    open_console(chair)
    cp.locator("#chair-whole").click()
    for p in (first, chair):
        expect(p.page.locator("#vote-quorum")).to_have_text("4 of 6 members present · quorum 4")
    vote(first, "yes")

    # A member's browser closes: the quorum is lost; the chair cannot close, may suspend.
    leaving.close()
    lost = "Quorum lost: 3 of 6 members present, 4 needed"
    for p in (first, chair):
        expect(p.page.locator("#vote-quorum")).to_contain_text(lost)
    expect(cp.locator("#vote-close")).to_be_disabled()
    expect(cp.locator("#vote-suspend")).to_be_visible()
    expect(cp.locator("#chair-close-poll-bar")).to_be_disabled()
    expect(cp.locator("#chair-suspend-poll-bar")).to_be_visible()
    expect(first.page.locator("#poll-banner-text")).to_contain_text(lost)
    expect(first.page.locator("#vote-suspend")).to_be_hidden()
    cp.screenshot(path=str(artifacts / "flow-quorum-lost.png"))

    # The member comes back: the quorum is back, and Close with it.
    back = people(live_conf["tokens"][3])
    back.open_draft(draft)
    expect(cp.locator("#vote-quorum")).to_have_text("4 of 6 members present · quorum 4")
    expect(cp.locator("#vote-close")).to_be_enabled()
    expect(cp.locator("#vote-suspend")).to_be_hidden()

    # Lost again, and the chair suspends: the vote ends without a decision, on every screen.
    back.close()
    expect(cp.locator("#vote-close")).to_be_disabled()
    cp.locator("#vote-suspend").click()
    for p in (first, chair):
        expect(p.page.locator("#vote-title")).to_contain_text("Suspended")
        expect(p.page.locator("#vote-result")).to_contain_text("without a decision")
        expect(p.page.locator("#vote-buttons")).to_be_hidden()
        expect(p.page.locator("#vote-quorum")).to_be_hidden()
    expect(first.page.locator("#poll-banner-text")).to_contain_text("suspended without a decision")
    expect(cp.locator("#vote-close")).to_be_hidden()
    poll_state = a.store.db.execute("select state from polls order by id desc limit 1").fetchone()
    assert poll_state[0] == "suspended"
    cp.locator("#vote-hide").click()
    expect(cp.locator("#chair-whole")).to_be_visible()  # the question can be put again
    for p in (first, chair):
        assert not p.errors, p.errors


def test_the_vote_sheet_chooses_nothing_by_itself(live, live_conf, people):
    a, draft = live_conf["actions"], live_conf["draft_id"]
    a.set_mode(None, draft, "formal")
    a.update_conference(None, live_conf["conference"].id, quorum=0)  # about the keyboard only
    d = people(live_conf["tokens"][0])
    page = d.open_draft(draft)
    with DraftClient(live.url, live_conf["chair_token"]) as chair:
        chair.join(draft)
        poll_id = chair.open_poll(("clause", live_conf["clause_ids"][1]), "simple", "counted")
        sheet = page.locator("#vote-dialog")
        expect(sheet).to_be_visible()
        expect(page.locator("#vote-title")).to_be_focused()
        focused = page.evaluate("document.activeElement.dataset.choice || null")
        assert focused is None
        page.keyboard.press("Enter")  # votes nothing
        page.keyboard.press("Tab")
        expect(sheet.locator("button[data-choice=yes]")).to_be_focused()
        page.keyboard.press("Tab")
        expect(sheet.locator("button[data-choice=no]")).to_be_focused()
        page.keyboard.press("Enter")
        expect(sheet.locator("#vote-mine")).to_contain_text("Your delegation voted: NO")
        with sqlite3.connect(live.db_path) as db:
            ballots = db.execute(
                "select count(*) from journal where type = 'poll.ballot' and draft_id = ?",
                [draft],
            ).fetchone()[0]
        assert ballots == 1  # only the one chosen by Tab and Enter
        result = chair.close_poll(poll_id)
        assert result["no"] == 1 and result["yes"] == 0
    assert not d.errors


def test_motions_a_roll_call_and_a_consensus(assembly, people, artifacts):
    a, draft, report = assembly["actions"], assembly["draft_id"], assembly["report"]
    amina_p, jonas_p = assembly["people"][:2]
    (youssef, youssef_token) = a.import_participants(
        None, assembly["conference"].id, [{"name": "Youssef Alami", "delegation": "Morocco"}]
    )[0]
    am = a.propose(jonas_p, report, "replace", "Requests an annual report on progress;")
    chair = people(assembly["chair_token"])
    cp = chair.open_draft(draft)
    amina, jonas, lucia = (people(t) for t in assembly["tokens"][:3])
    second = people(youssef_token)  # Morocco's second representative
    for d in (amina, jonas, lucia, second):
        d.open_draft(draft)

    # A delegate asks from the clause's margin for a separate vote on it (division).
    lucia.clause(report).click()
    margin = lucia.page.locator("#margin")
    expect(margin.locator(".motion-ask", has_text="secret ballot")).to_have_count(0)  # rule 92
    margin.get_by_role("button", name="Ask for a separate vote on this clause (division)").click()
    expect(lucia.page.locator("#toast")).to_contain_text("before the chair")
    motion = margin.locator(".motion-list li").first
    expect(motion).to_contain_text("Motion 1: Lucía Fernández (Chile) asks for a separate vote")
    expect(motion.locator(".badge")).to_have_text("before the chair")

    # The chair rules on it from the console.
    note = cp.locator("#chair-motions-note")
    expect(note).to_have_text("1 motion before you")
    note.click()
    pending = cp.locator("#chair-motions li.motion").first
    expect(pending.get_by_role("button", name="Put to the vote")).to_be_visible()
    pending.get_by_role("button", name="Grant").click()
    expect(motion.locator(".badge")).to_have_text("granted")
    expect(note).to_be_hidden()

    # A recorded vote on the amendment is a right: granted at once.
    amina.clause(report).click()
    amina.page.locator(f"#amendment-{am.id}").get_by_role(
        "button", name="Ask for a recorded vote"
    ).click()
    expect(amina.page.locator("#toast")).to_contain_text("granted at once")
    expect(amina.page.locator(f"#amendment-{am.id} .motion-ask")).to_have_count(0)

    # The chair leaves the kind as usual: the granted motion makes it a recorded vote.
    queue_item(cp, "amendment", am.id).locator("button.q-open").click()
    expect(cp.locator("#vote-rule")).to_contain_text("Recorded vote")
    roll = cp.locator("#vote-tally .roll-call li")
    expect(roll).to_have_count(4)
    called = roll.evaluate_all("(items) => items.map((li) => li.textContent.split(':')[0])")
    members = sorted(d for _, d in DELEGATES)
    start = members.index(called[0])
    assert called == members[start:] + members[:start]  # alphabetical from one drawn by lot
    expect(cp.locator("#vote-tally .roll-call summary")).to_contain_text(
        f"from {called[0]}, drawn by lot"
    )
    vote(amina, "yes")
    # Members vote, not people: Morocco's other representative sees its vote, and who cast it.
    expect(second.page.locator("#vote-mine")).to_contain_text(
        "Your delegation voted: YES (cast by Amina Benali)"
    )
    vote(jonas, "yes")
    vote(lucia, "no")
    expect(cp.locator("#vote-tally")).to_contain_text("Chile: No (cast by Lucía Fernández)")
    cp.screenshot(path=str(artifacts / "flow-roll-call.png"))
    cp.locator("#vote-close").click()
    expect(lucia.page.locator("#vote-result")).to_contain_text("Adopted")

    # A consensus on the clause (its separate vote): Object, and Withdraw my objection.
    cp.locator("#vote-hide").click()
    cp.locator("#poll-rule").select_option("consensus")
    queue_item(cp, "clause", report).locator("button.q-open").click()
    sheet = amina.page.locator("#vote-dialog")
    expect(sheet.locator("#vote-buttons")).to_be_hidden()
    sheet.locator("#vote-object").click()
    expect(sheet.locator("#vote-withdraw-objection")).to_be_focused()
    expect(sheet.locator("#vote-mine")).to_contain_text("Your delegation objects")
    sheet.locator("#vote-withdraw-objection").click()
    expect(sheet.locator("#vote-object")).to_be_focused()
    expect(sheet.locator("#vote-mine")).to_contain_text("has not objected")
    sheet.locator("#vote-object").click()
    expect(cp.locator("#vote-cast")).to_have_text("1 objection so far")
    cp.locator("#vote-close").click()
    for p in (amina, chair):
        expect(p.page.locator("#vote-result")).to_have_text(
            "No consensus — 1 objection; the chair may put the question to the vote"
        )
    expect(cp.locator("#vote-cast")).to_have_text("")
    cp.locator("#vote-hide").click()
    # Not a rejection: the clause is still to be decided, and can be put to the vote.
    expect(queue_item(cp, "clause", report).locator("button.q-open")).to_be_visible()
    for p in (amina, jonas, lucia, second, chair):
        assert not p.errors, p.errors
    assert youssef.member_id == amina_p.member_id


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
