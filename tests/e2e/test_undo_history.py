"""Undo and redo per author, and restoring a clause's earlier version, in real browsers."""

from __future__ import annotations

from e2e_helpers import db_text
from playwright.sync_api import expect


def saved(person) -> None:
    expect(person.page.locator("#sync-status")).to_have_attribute("data-state", "saved")


def caret(locator) -> int:
    return locator.evaluate("el => el.selectionStart")


def put_caret(locator, at: int) -> None:
    locator.click()
    locator.evaluate("(el, at) => el.setSelectionRange(at, at)", at)


def test_undo_takes_back_my_words_and_never_theirs(live, live_conf, people, artifacts):
    """A types a phrase; B types before it and inside it; A's Ctrl+Z takes back A's words a
    word at a time, wherever B's moved them, and leaves B's on every screen and in the
    database; Ctrl+Shift+Z puts them back where they were."""
    draft, cid = live_conf["draft_id"], live_conf["clause_ids"][1]  # "Decides to act;"
    a = people(live_conf["tokens"][0])
    b = people(live_conf["tokens"][1])
    a.open_draft(draft)
    b.open_draft(draft)
    ta, tb = a.clause(cid), b.clause(cid)
    put_caret(ta, len("Decides to act"))
    a.page.keyboard.type(" without delay")
    expect(tb).to_have_value("Decides to act without delay;")
    saved(a)

    put_caret(tb, 0)
    b.page.keyboard.type("Firmly ")
    put_caret(tb, len("Firmly Decides to act without"))
    b.page.keyboard.type(" further")
    theirs = "Firmly Decides to act without further delay;"
    expect(ta).to_have_value(theirs)
    saved(b)

    ta.focus()
    a.page.keyboard.press("Control+z")  # "delay"
    expect(ta).to_have_value("Firmly Decides to act without further ;")
    assert caret(ta) == len("Firmly Decides to act without further ")
    a.page.keyboard.press("Control+z")  # " without ", around B's " further"
    mine_gone = "Firmly Decides to act further;"
    expect(ta).to_have_value(mine_gone)
    expect(tb).to_have_value(mine_gone)
    saved(a)
    assert db_text(live, cid) == mine_gone
    a.page.screenshot(path=str(artifacts / "undo-theirs-kept.png"))

    a.page.keyboard.press("Control+z")  # nothing more of A's: nothing happens
    a.page.keyboard.press("Control+Shift+z")
    a.page.keyboard.press("Control+Shift+z")
    expect(ta).to_have_value(theirs)
    expect(tb).to_have_value(theirs)
    assert caret(ta) == len("Firmly Decides to act without further delay")
    saved(a)
    assert db_text(live, cid) == theirs
    b.page.screenshot(path=str(artifacts / "undo-redone.png"))
    assert not a.errors and not b.errors


def test_a_typing_burst_is_undone_a_word_at_a_time(live, live_conf, people, artifacts):
    draft, cid = live_conf["draft_id"], live_conf["clause_ids"][2]  # "Requests a report."
    a = people(live_conf["tokens"][0])
    a.open_draft(draft)
    ta = a.clause(cid)
    put_caret(ta, len("Requests a report"))
    a.page.keyboard.type(" on its implementation")
    expect(ta).to_have_value("Requests a report on its implementation.")
    steps = [
        "Requests a report on its .",
        "Requests a report on .",
        "Requests a report.",
    ]
    for text in steps:
        a.page.keyboard.press("Control+z")
        expect(ta).to_have_value(text)
    a.page.screenshot(path=str(artifacts / "undo-burst.png"))
    a.page.keyboard.press("Control+y")  # redo, as Ctrl+Shift+Z
    expect(ta).to_have_value("Requests a report on .")
    assert caret(ta) == len("Requests a report on ")
    # typing anew ends the redo steps
    a.page.keyboard.type("the")
    a.page.keyboard.press("Control+Shift+z")
    expect(ta).to_have_value("Requests a report on the.")
    saved(a)
    assert db_text(live, cid) == "Requests a report on the."
    assert not a.errors


def open_history(person, clause_id: int):
    person.clause(clause_id).focus()
    person.page.locator("#history-button").click()
    dialog = person.page.locator("#history-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("details.history-session").first).to_be_visible()
    return dialog


def test_restore_an_earlier_version_from_the_history(live, live_conf, people, artifacts):
    """The history lists editing sessions; "Restore this version" brings an earlier text back
    on every screen and in the database as a new version "restored version N", and Ctrl+Z in
    the clause brings back the text from before the restore. Observers cannot restore."""
    draft, cid = live_conf["draft_id"], live_conf["clause_ids"][2]  # "Requests a report."
    original = "Requests a report."
    a = people(live_conf["tokens"][0])
    b = people(live_conf["tokens"][1])
    a.open_draft(draft)
    b.open_draft(draft)
    ta, tb = a.clause(cid), b.clause(cid)
    put_caret(ta, len("Requests a report"))
    a.page.keyboard.type(" every year")
    edited = "Requests a report every year."
    expect(tb).to_have_value(edited)
    saved(a)

    dialog = open_history(a, cid)
    sessions = dialog.locator("details.history-session")
    expect(sessions).to_have_count(2)  # the clause as imported, then A's typing
    expect(sessions.first).to_have_attribute("open", "")
    expect(sessions.first.locator("summary")).to_contain_text("Delegate 0")
    first = sessions.last
    version = int(first.get_attribute("data-first"))
    first.locator("summary").click()
    a.page.screenshot(path=str(artifacts / "history-sessions.png"))
    first.get_by_role("button", name=f"Restore version {version}").click()
    expect(dialog).to_be_hidden()
    expect(ta).to_be_focused()
    for person in (a, b):
        expect(person.clause(cid)).to_have_value(original)
    saved(a)
    assert db_text(live, cid) == original

    dialog = open_history(b, cid)
    latest = dialog.locator("details.history-session").first
    expect(latest.locator("summary")).to_contain_text(f"restored version {version}")
    expect(latest.locator("summary")).to_contain_text("Delegate 0")
    expect(dialog.locator("#history-diff del")).to_have_text(" every year")
    b.page.screenshot(path=str(artifacts / "history-restored.png"))
    b.page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    a.page.keyboard.press("Control+z")  # the restore is A's change: A can take it back
    for person in (a, b):
        expect(person.clause(cid)).to_have_value(edited)
    saved(a)
    assert db_text(live, cid) == edited

    observer = people(live_conf["observer_token"])
    observer.open_draft(draft)
    dialog = open_history(observer, cid)
    expect(dialog.locator("button[aria-label^='Compare version']").first).to_be_attached()
    expect(dialog.locator("button.restore")).to_have_count(0)
    assert not a.errors and not b.errors and not observer.errors
