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
