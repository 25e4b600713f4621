"""The draft screen in real browsers: co-editing, offline editing, structure, roles, safety."""

from __future__ import annotations

import re

from e2e_helpers import db_text
from playwright.sync_api import expect

from drafting.client import DraftClient


def status(person):
    return person.page.locator("#sync-status")


def test_two_delegates_type_into_one_clause_at_once(live, live_conf, people, artifacts):
    draft, cid = live_conf["draft_id"], live_conf["clause_ids"][1]  # "Decides to act;"
    a = people(live_conf["tokens"][0])
    b = people(live_conf["tokens"][1])
    a.open_draft(draft)
    b.open_draft(draft)
    ta, tb = a.clause(cid), b.clause(cid)
    ta.click()
    a.page.keyboard.press("Control+End")
    tb.click()
    b.page.keyboard.press("Control+Home")
    # Interleaved keystrokes: each side's edits are in flight while the other's arrive.
    mine, theirs = " without delay", "Unanimously, "
    for i in range(max(len(mine), len(theirs))):
        if i < len(mine):
            a.page.keyboard.type(mine[i])
        if i < len(theirs):
            b.page.keyboard.type(theirs[i])
    expected = "Unanimously, Decides to act; without delay"
    expect(ta).to_have_value(expected)
    expect(tb).to_have_value(expected)
    expect(status(a)).to_have_attribute("data-state", "saved")
    expect(status(b)).to_have_attribute("data-state", "saved")
    assert db_text(live, cid) == expected
    # Each sees the other in the clause (presence), in the other's colour.
    expect(a.page.locator(f"#clause-{cid} .who .chip")).to_have_count(1)
    expect(b.page.locator(f"#clause-{cid} .who .chip")).to_have_count(1)
    a.page.screenshot(path=str(artifacts / "coedit-a.png"))
    assert not a.errors and not b.errors


def test_offline_edits_wait_and_arrive(live, live_conf, people, artifacts):
    draft = live_conf["draft_id"]
    first, second = live_conf["clause_ids"][1], live_conf["clause_ids"][2]
    a = people(live_conf["tokens"][0])
    b = people(live_conf["tokens"][1])
    a.open_draft(draft)
    b.open_draft(draft)
    expect(status(a)).to_have_text("Saved")

    a.context.set_offline(True)
    expect(status(a)).to_have_attribute("data-state", "offline")
    a.clause(first).click()
    a.page.keyboard.press("Control+End")
    a.page.keyboard.type(" at once")
    expect(status(a)).to_have_text(re.compile(r"Offline – 1 edit waiting"))
    a.clause(second).click()
    a.page.keyboard.press("Control+End")
    a.page.keyboard.type(" Annually.")
    expect(status(a)).to_have_text(re.compile(r"Offline – 2 edits waiting"))
    a.page.screenshot(path=str(artifacts / "offline.png"))

    # Meanwhile someone online edits the same clause.
    b.clause(first).click()
    b.page.keyboard.press("Control+Home")
    b.page.keyboard.type("Firmly ")
    expect(status(b)).to_have_attribute("data-state", "saved")
    assert db_text(live, first) == "Firmly Decides to act;"
    assert db_text(live, second) == "Requests a report."

    a.context.set_offline(False)
    expect(status(a)).to_have_text("Saved")
    merged = "Firmly Decides to act; at once"
    for person in (a, b):
        expect(person.clause(first)).to_have_value(merged)
        expect(person.clause(second)).to_have_value("Requests a report. Annually.")
    assert db_text(live, first) == merged
    assert db_text(live, second) == "Requests a report. Annually."
    assert not a.errors and not b.errors


def test_structure_changes_and_history(live, live_conf, people):
    draft = live_conf["draft_id"]
    pre, op1, op2 = live_conf["clause_ids"]
    a = people(live_conf["tokens"][0])
    b = people(live_conf["tokens"][1])
    pa = a.open_draft(draft)
    b.open_draft(draft)

    # Add a clause at the end: it gets focus, number 3 everywhere.
    pa.locator("#add-clause button[type=submit]").click()
    expect(pa.locator("#clauses > li.clause")).to_have_count(4)
    new = pa.locator("#clauses > li.clause").last
    new_id = int(new.get_attribute("data-id"))
    expect(a.clause(new_id)).to_be_focused()
    pa.keyboard.type("Decides to remain seized of the matter.")
    expect(b.clause(new_id)).to_have_value("Decides to remain seized of the matter.")
    expect(b.page.locator(f"#clause-{new_id} > .clause-row > .num")).to_have_text("3.")

    # Move it up: it becomes 2, the report becomes 3, on the other screen too.
    pa.locator("#margin [data-command=up]").click()
    expect(b.page.locator(f"#clause-{new_id} > .clause-row > .num")).to_have_text("2.")
    expect(b.page.locator(f"#clause-{op2} > .clause-row > .num")).to_have_text("3.")
    # Indent: a sub-clause (a) of operative 1.
    pa.locator("#margin [data-command=indent]").click()
    sub = b.page.locator(f"#clause-{op1} > ol.sub > #clause-{new_id}")
    expect(sub).to_have_count(1)
    expect(b.page.locator(f"#clause-{new_id} > .clause-row > .num")).to_have_text("(a)")
    expect(b.page.locator(f"#clause-{op2} > .clause-row > .num")).to_have_text("2.")
    # The keyboard stays on the button that was pressed, to press it again.
    expect(pa.locator("#margin [data-command=indent]")).to_be_focused()
    # Shortcuts from inside the clause: out again, then down; the caret stays in the clause.
    a.clause(new_id).focus()
    pa.keyboard.press("Alt+Shift+ArrowLeft")
    expect(b.page.locator(f"#clause-{new_id} > .clause-row > .num")).to_have_text("2.")
    # as a delegate would: see the clause land, the caret still in it, then press again
    expect(pa.locator(f"#clause-{new_id} > .clause-row > .num")).to_have_text("2.")
    expect(a.clause(new_id)).to_be_focused()
    pa.keyboard.press("Alt+ArrowDown")
    expect(b.page.locator(f"#clause-{new_id} > .clause-row > .num")).to_have_text("3.")
    expect(pa.locator(f"#clause-{op2} > .clause-row > .num")).to_have_text("2.")
    expect(a.clause(new_id)).to_be_focused()

    # History: two versions of the new clause (created, then typed), compared in track changes.
    pa.locator("#history-button").click()
    dialog = pa.locator("#history-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("tbody tr").first).to_be_visible()
    assert dialog.locator("tbody tr").count() >= 2
    expect(dialog.locator("#history-diff ins").first).to_be_visible()
    dialog.locator("button[type=submit]").click()
    expect(dialog).to_be_hidden()

    # Delete it, confirming in the page (no browser dialog).
    a.clause(new_id).focus()
    pa.locator("#margin [data-command=delete]").click()
    pa.locator("#confirm-dialog button[value=delete]").click()
    expect(b.page.locator(f"#clause-{new_id}")).to_have_count(0)
    expect(pa.locator(f"#clause-{new_id}")).to_have_count(0)
    assert not a.dialogs and not a.errors and not b.errors


def test_delegate_has_no_chair_powers(live, live_conf, people):
    draft = live_conf["draft_id"]
    d = people(live_conf["tokens"][0])
    page = d.open_draft(draft)
    expect(page.locator("#chair-console")).to_have_count(0)
    expect(page.locator("[data-mode]")).to_have_count(0)
    expect(page.locator("#chair-record")).to_have_count(0)  # the record itself is everyone's
    emit = """([event, data]) => new Promise((resolve) =>
        window.__drafting.socket.emit(event, data, resolve))"""
    reply = page.evaluate(emit, ["mode:set", {"draft_id": draft, "mode": "formal"}])
    assert reply["error"]["code"] == "forbidden"
    assert "Only the chair can" in reply["error"]["message"]
    reply = page.evaluate(
        emit,
        ["poll:open", {"draft_id": draft, "subject_type": "draft", "subject_id": draft}],
    )
    assert reply["error"]["code"] in ("forbidden", "conflict")
    # Nothing changed: still drafting, on the page and in the database.
    expect(page.locator("#mode")).to_have_text("Drafting")
    assert live_conf["actions"].draft(None, draft).status == "drafting"

    # An observer reads but cannot type or propose.
    o = people(live_conf["observer_token"])
    op = o.open_draft(draft)
    expect(o.clause(live_conf["clause_ids"][1])).to_have_attribute("readonly", "")
    o.clause(live_conf["clause_ids"][1]).click()
    expect(op.locator("#margin-title")).to_have_text("Operative clause 1")
    expect(op.locator("#propose-button")).to_have_count(0)
    expect(op.locator("#margin [data-command]")).to_have_count(0)


XSS = '<img src=x onerror="window.__xss=1;alert(1)"><script>window.__xss=2</script>'


def test_clause_text_is_never_html(live, live_conf, people):
    a_ = live_conf["actions"]
    draft = live_conf["draft_id"]
    clause = a_.add_clause(None, draft, "operative", XSS)
    evil, token = a_.add_participant(
        None, live_conf["conference"].id, '<b onmouseover="alert(1)">Eve</b>', "<i>Nowhere</i>"
    )
    a = people(live_conf["tokens"][0])
    page = a.open_draft(draft)
    e = people(token)
    e.open_draft(draft)
    e.clause(clause.id).click()  # Eve's chip shows in the clause on a's screen
    expect(page.locator(f"#clause-{clause.id} .who .chip")).to_have_count(1)
    expect(a.clause(clause.id)).to_have_value(XSS)
    # Type next to it; the page still treats it as text.
    a.clause(clause.id).click()
    page.keyboard.press("Control+End")
    page.keyboard.type(" <b>bold</b>")
    expect(e.clause(clause.id)).to_have_value(XSS + " <b>bold</b>")
    expect(status(a)).to_have_attribute("data-state", "saved")
    assert db_text(live, clause.id) == XSS + " <b>bold</b>"
    # An amendment and a reason made of markup are shown as text too (margin, track changes).
    with DraftClient(live.url, live_conf["tokens"][1]) as proposer:
        proposer.call(
            "amendment:propose",
            {
                "clause_id": clause.id,
                "kind": "replace",
                "new_text": XSS + " <b>bold</b> <i>amended</i>",
                "reason": XSS,
            },
        )
    page.locator(f"#clause-{clause.id} .badge-amend").click()
    card = page.locator("#margin .amendment").first
    expect(card.locator(".am-reason")).to_have_text(f"“{XSS}”")
    expect(card.locator("ins")).to_contain_text("<i>amended</i>")
    assert page.locator("img, b, script:not([src]), i").count() == 0
    assert page.evaluate("window.__xss") is None
    assert not a.dialogs and not e.dialogs and not a.errors
    label = page.locator("#present").get_attribute("aria-label")
    assert '<b onmouseover="alert(1)">Eve</b>' in label


def test_edits_survive_a_server_restart(live, live_conf, people):
    """The socket drops (server killed), the page keeps typing, reconnects by itself, rejoins
    and sends what waited; a second page catches up on the text it missed."""
    draft, cid = live_conf["draft_id"], live_conf["clause_ids"][2]  # "Requests a report."
    a = people(live_conf["tokens"][0])
    b = people(live_conf["tokens"][1])
    a.open_draft(draft)
    b.open_draft(draft)
    live.kill()
    expect(status(a)).to_have_attribute("data-state", "offline")
    a.clause(cid).click()
    a.page.keyboard.press("Control+End")
    a.page.keyboard.type(" By June.")
    expect(status(a)).to_have_text("Offline – 1 edit waiting")
    live.start()
    expect(status(a)).to_have_text("Saved", timeout=20_000)
    expect(status(b)).to_have_text("Saved", timeout=20_000)
    expect(b.clause(cid)).to_have_value("Requests a report. By June.")
    assert db_text(live, cid) == "Requests a report. By June."
    assert not a.errors and not b.errors


def test_conference_page_for_the_chair(live, live_conf, people, tmp_path):
    chair = people(live_conf["chair_token"])
    page = chair.page
    expect(page.locator("#drafts li[data-draft]")).to_have_count(1)
    # Upload a Markdown file: read in the browser, sent as JSON.
    md = tmp_path / "resolution.md"
    md.write_text("# Uploaded resolution\n\nThe Assembly,\n\n1. Decides to meet again.\n")
    page.locator("#import-form input[name=file]").set_input_files(str(md))
    page.locator("#import-form button[type=submit]").click()
    expect(page.locator("#drafts li[data-draft]")).to_have_count(2)
    expect(page.locator("#drafts")).to_contain_text("Uploaded resolution")
    # Presence on the roster follows who is connected (the page polls the conference).
    delegate = people(live_conf["tokens"][3])
    delegate.open_draft(live_conf["draft_id"])
    row = page.locator("#roster li", has_text="Delegate 3")
    expect(row.locator(".presence")).to_have_class("presence on")
    # A fresh invite link for someone who lost theirs.
    row.locator("button").click()
    expect(page.locator("#invite-name")).to_have_text("Delegate 3 (Country 3)")
    assert page.locator("#invite-link").input_value().startswith(live.url + "/join/")
    assert not chair.errors and not chair.dialogs
