"""Publishing in the browser (issue 11): a clause's kind changed from its tools and seen live,
the draft's title block set by the chair and seen by everyone, and an Export menu that opens
inside the window on a phone as on a desktop."""

from __future__ import annotations

import pytest
from e2e_helpers import DESKTOP, PHONE
from playwright.sync_api import expect

from drafting.client import DraftClient


def num(person, clause_id: int):
    """What the clause shows before its text: its number, or a list item's dash or bullet."""
    return person.page.locator(f"#clause-{clause_id} > .clause-row > .num")


def kind_menu(person):
    return person.page.locator("#margin #clause-kind")


def stored(live_conf, clause_id: int):
    c = live_conf["actions"].store.clause(clause_id)
    return c.kind, c.marker


def test_the_chair_makes_a_paragraph_a_list_item_and_a_delegate_sees_it(
    live_conf, people, artifacts
):
    draft = live_conf["draft_id"]
    _, op1, op2 = live_conf["clause_ids"]  # "Decides to act;", "Requests a report."
    chair = people(live_conf["chair_token"])
    delegate = people(live_conf["tokens"][0])
    page = chair.open_draft(draft)
    delegate.open_draft(draft)
    expect(num(delegate, op1)).to_have_text("1.")
    expect(num(delegate, op2)).to_have_text("2.")

    chair.clause(op1).click()
    expect(kind_menu(chair)).to_have_value("operative")
    kind_menu(chair).focus()
    kind_menu(chair).select_option("item:–")
    # The delegate's screen, live: a list item set off by its dash, not numbered; the next
    # operative paragraph is numbered 1 now.
    item = delegate.page.locator(f"#clause-{op1}")
    expect(item).to_have_class("clause kind-item level-0")
    expect(num(delegate, op1)).to_have_text("–")
    expect(num(delegate, op2)).to_have_text("1.")
    expect(delegate.clause(op1)).to_have_value("Decides to act;")
    assert stored(live_conf, op1) == ("item", "–")
    # The chair's margin names it as it now is; the menu, rebuilt, keeps the keyboard.
    expect(page.locator("#margin-title")).to_have_text("List item 1")
    expect(kind_menu(chair)).to_have_value("item:–")
    expect(kind_menu(chair)).to_be_focused()

    # Another marker: a bullet.
    kind_menu(chair).select_option("item:•")
    expect(num(delegate, op1)).to_have_text("•")
    assert stored(live_conf, op1) == ("item", "•")
    page.screenshot(path=str(artifacts / "publishing-kind-menu.png"))
    # Alt+Enter in the item adds one like it: a list item with the same bullet.
    chair.clause(op1).focus()
    page.keyboard.press("Alt+Enter")
    expect(delegate.page.locator("#clauses > li.clause")).to_have_count(4)
    added = delegate.page.locator("#clauses > li.clause").nth(2)
    expect(added).to_have_class("clause kind-item level-0")
    expect(added.locator(":scope > .clause-row > .num")).to_have_text("•")
    new_id = int(added.get_attribute("data-id"))
    expect(chair.clause(new_id)).to_be_focused()
    assert stored(live_conf, new_id) == ("item", "•")
    delegate.page.screenshot(path=str(artifacts / "publishing-list-item.png"))

    # Back to an operative paragraph: numbered again, and before the report.
    chair.clause(op1).click()
    kind_menu(chair).select_option("operative")
    expect(num(delegate, op1)).to_have_text("1.")
    expect(num(delegate, op2)).to_have_text("2.")
    # The proposal form and the add form offer a list item too.
    expect(delegate.page.locator("#propose-newkind option[value=item]")).to_have_text("List item")
    expect(delegate.page.locator("#add-kind option[value=item]")).to_have_text("List item")
    assert not chair.errors and not delegate.errors


def test_a_list_item_from_the_server_shows_its_marker_when_the_page_opens(live_conf, people):
    a, draft = live_conf["actions"], live_conf["draft_id"]
    pre = live_conf["clause_ids"][0]
    a.set_clause_kind(None, pre, "item", "-")
    delegate = people(live_conf["tokens"][0])
    page = delegate.page
    page.goto(f"{delegate.live.url}/draft/{draft}")
    expect(num(delegate, pre)).to_have_text("-")  # rendered by the server
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(num(delegate, pre)).to_have_text("-")  # and kept once the page has joined
    delegate.clause(pre).click()
    expect(kind_menu(delegate)).to_have_value("item:-")


def test_no_kind_control_for_a_delegate_in_formal_mode(live, live_conf, people):
    draft, op1 = live_conf["draft_id"], live_conf["clause_ids"][1]
    delegate = people(live_conf["tokens"][0])
    dp = delegate.open_draft(draft)
    chair = people(live_conf["chair_token"])
    chair.open_draft(draft)
    delegate.clause(op1).click()
    expect(kind_menu(delegate)).to_be_visible()  # in drafting mode, a delegate may

    with DraftClient(live.url, live_conf["chair_token"]) as c:
        c.join(draft)
        c.set_mode(draft, "formal")
    expect(dp.locator("#mode")).to_have_text("Formal")
    expect(dp.locator("#margin-title")).to_have_text("Operative clause 1")
    expect(kind_menu(delegate)).to_have_count(0)
    expect(dp.locator("#margin [data-command]")).to_have_count(0)
    # The chair still may, in formal mode.
    chair.clause(op1).click()
    expect(kind_menu(chair)).to_be_visible()
    # Asked anyway, the server refuses the delegate.
    reply = dp.evaluate(
        """(data) => new Promise((resolve) =>
            window.__drafting.socket.emit('clause:kind', data, resolve))""",
        {"clause_id": op1, "kind": "item"},
    )
    assert reply["error"]["code"] == "conflict"
    assert stored(live_conf, op1) == ("operative", "")

    observer = people(live_conf["observer_token"])
    op = observer.open_draft(draft)
    observer.clause(op1).click()
    expect(op.locator("#margin-title")).to_have_text("Operative clause 1")
    expect(kind_menu(observer)).to_have_count(0)
    assert not delegate.errors and not observer.errors


def test_the_chair_sets_the_title_block_and_a_delegate_sees_it(live_conf, people, artifacts):
    draft = live_conf["draft_id"]
    chair = people(live_conf["chair_token"])
    delegate = people(live_conf["tokens"][0])
    page = chair.open_draft(draft)
    dp = delegate.open_draft(draft)
    expect(dp.locator("#title-block")).to_be_hidden()  # nothing set yet
    expect(dp.locator("#edit-details")).to_have_count(0)  # the chair's alone

    page.locator("#edit-details").click()
    dialog = page.locator("#details-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("input[name=symbol]")).to_be_focused()
    dialog.locator("input[name=symbol]").fill("A/C.3/79/L.12")
    dialog.locator("input[name=submission]").fill("Draft resolution submitted by the Chair")
    dialog.locator("input[name=place]").fill("New York")
    dialog.locator("button[type=submit]").click()
    expect(dialog).to_be_hidden()

    block = dp.locator("#title-block")
    expect(block.locator("#tb-symbol")).to_have_text("A/C.3/79/L.12")
    expect(block.locator("#tb-submission")).to_have_text("Draft resolution submitted by the Chair")
    expect(block.locator("#tb-place-date")).to_have_text("New York")
    expect(block.locator("#tb-body")).to_be_hidden()
    # Above the title.
    title_top = dp.locator("#draft-title").bounding_box()["y"]
    for line in ("#tb-symbol", "#tb-submission"):
        assert block.locator(line).bounding_box()["y"] < title_top
    details = live_conf["actions"].draft(None, draft).details()
    assert details["symbol"] == "A/C.3/79/L.12" and details["place"] == "New York"

    # A second change reaches the open page too; a line emptied is left out.
    page.locator("#edit-details").click()
    expect(dialog.locator("input[name=symbol]")).to_have_value("A/C.3/79/L.12")
    dialog.locator("input[name=symbol]").fill("A/C.3/79/L.12/Rev.1")
    dialog.locator("input[name=place]").fill("")
    dialog.locator("input[name=date]").fill("12 March 2026")
    dialog.locator("button[type=submit]").click()
    expect(block.locator("#tb-symbol")).to_have_text("A/C.3/79/L.12/Rev.1")
    expect(block.locator("#tb-place-date")).to_have_text("12 March 2026")
    dp.screenshot(path=str(artifacts / "publishing-title-block.png"))

    # A page opened now has it from the server's first render.
    late = people(live_conf["tokens"][1])
    late.page.goto(f"{late.live.url}/draft/{draft}")
    expect(late.page.locator("#tb-symbol")).to_have_text("A/C.3/79/L.12/Rev.1")
    assert not chair.errors and not delegate.errors


def test_a_refused_title_block_says_why(live_conf, people):
    chair = people(live_conf["chair_token"])
    page = chair.open_draft(live_conf["draft_id"])
    page.locator("#edit-details").click()
    dialog = page.locator("#details-dialog")
    # Past the field's own limit, as a script or an old browser could send it.
    dialog.locator("input[name=symbol]").evaluate("(el) => el.removeAttribute('maxlength')")
    dialog.locator("input[name=symbol]").fill("A" * 301)
    dialog.locator("button[type=submit]").click()
    expect(dialog.locator("#details-error")).to_contain_text("at most 300 characters")
    expect(dialog).to_be_visible()
    assert live_conf["actions"].draft(None, live_conf["draft_id"]).symbol == ""


def inside(box, viewport) -> bool:
    return (
        box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= viewport["width"]
        and box["y"] + box["height"] <= viewport["height"]
    )


@pytest.mark.parametrize(
    ("viewport", "wrapped"),
    [(PHONE, False), (DESKTOP, False), (DESKTOP, True)],
    ids=["phone-390", "desktop-1280", "desktop-1280-wrapped"],
)
def test_the_export_menu_opens_inside_the_window(live_conf, people, artifacts, viewport, wrapped):
    """`wrapped`: the top bar wrapped with Export first on its row, at the window's left edge
    (a long title, a zoomed-in screen), where a list aligned to the button's right edge ran
    off the left of the window, as it did on a phone."""
    person = people(live_conf["tokens"][0], phone=viewport == PHONE)
    page = person.page
    page.set_viewport_size(viewport)
    person.open_draft(live_conf["draft_id"])
    summary = page.locator(".export > summary")
    if wrapped:
        page.evaluate(
            "document.querySelector('.topbar').prepend(document.querySelector('.export'))"
        )
        assert summary.bounding_box()["x"] < 50
    summary.click()
    listing = page.locator(".export > .menu-list")
    expect(listing).to_be_visible()
    expect(listing.locator("a[data-format=md]")).to_have_text("Markdown (.md)")
    box = listing.bounding_box()
    assert inside(box, viewport), f"{box} is not inside {viewport}"
    for item in listing.locator("a, button").all():  # every item whole, none cut off
        assert inside(item.bounding_box(), viewport)
    name = f"{viewport['width']}{'-wrapped' if wrapped else ''}"
    page.screenshot(path=str(artifacts / f"publishing-export-{name}.png"))

    # By keyboard: Escape closes it onto its button, ↓ opens it onto its first item, ↑ and ↓
    # walk the items round, End goes to the last, and Tab out of it closes it.
    page.keyboard.press("Escape")
    expect(listing).to_be_hidden()
    expect(summary).to_be_focused()
    page.keyboard.press("ArrowDown")
    first = listing.locator("a, button").first
    expect(first).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(listing.locator("a, button").last).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(first).to_be_focused()
    assert inside(listing.bounding_box(), viewport)
    page.keyboard.press("End")
    expect(listing.locator("a, button").last).to_be_focused()
    page.keyboard.press("Tab")
    expect(listing).to_be_hidden()
    assert not person.errors
