"""The meeting around the text in real browsers (issue 14): the agenda and the lists of speakers
on the conference page, the draft page and a phone, the notices, and the projector view at
1920×1080, which must stay right through a whole scripted session: the agenda moved on,
delegations asking for the floor, the floor given and its clock counting down to the warning
and past the time, a point of order jumping the queue and interrupting a speech, a recorded
vote opened, cast and closed. The chair's console on a phone stays on screen.

Other delegations and the chair's own procedural calls speak through `ConferenceClient` (real
sockets, the same protocol), so that only the screens under test take a browser."""

from __future__ import annotations

import re

import pytest
from e2e_helpers import PHONE, Person
from playwright.sync_api import expect

from drafting.actions import Actions
from drafting.client import ConferenceClient
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
WALL = {"width": 1920, "height": 1080}
BAD = "rgb(179, 38, 30)"  # --bad: a speech past its time


@pytest.fixture
def hall(live):
    """Four members, an observer's link for the wall, a draft in formal mode with an amendment
    to its first operative clause, and an agenda: the opening, then the draft."""
    a = Actions(Store(live.db_path))
    conf, chair, chair_token = a.create_conference("Rome Forum", "Chair")
    people = a.import_participants(
        None,
        conf.id,
        [{"name": n, "delegation": d} for n, d in DELEGATES]
        + [{"name": "Hall screen", "delegation": "", "role": "observer"}],
    )
    draft = a.create_draft(None, conf.id, "Declaration on Energy", CLAUSES * 4)
    a.set_mode(None, draft.id, "formal")
    ids = [c["id"] for c in a.draft_view(None, draft.id)["clauses"]]
    amended = "Decides to raise the share of renewable energy to 25% by 2030;"
    am = a.propose(people[1][0], ids[1], "replace", amended, "More ambition")
    opening = a.add_agenda_item(chair, conf.id, title="Opening of the session")
    item = a.add_agenda_item(chair, conf.id, draft_id=draft.id)
    clients: list[ConferenceClient] = []

    def client(token: str) -> ConferenceClient:
        c = ConferenceClient(live.url, token)
        c.follow(conf.id)
        clients.append(c)
        return c

    yield {
        "conference_id": conf.id,
        "draft_id": draft.id,
        "clause_ids": ids,
        "amendment": am,
        "amended": amended,
        "opening": opening.id,
        "item": item.id,
        "chair_token": chair_token,
        "tokens": [t for _, t in people[:4]],
        "wall_token": people[4][1],
        "client": client,
    }
    for c in clients:
        c.close()


def open_wall(people, live, hall) -> Person:
    """The projector view, at the size of a hall's projector, opened with the observer's link."""
    wall = people(hall["wall_token"])
    wall.page.set_viewport_size(WALL)
    wall.page.goto(f"{live.url}/conference/{hall['conference_id']}/projector")
    expect(wall.page.locator("body")).to_have_attribute("data-ready", "true")
    return wall


def test_a_session_on_every_screen_and_the_wall(hall, people, live, artifacts):
    draft_id = hall["draft_id"]
    chair = people(hall["chair_token"])
    cp = chair.page
    expect(cp.locator("#agenda .agenda-item")).to_have_count(2)
    amina = people(hall["tokens"][0])
    ap = amina.open_draft(draft_id)
    jonas = people(hall["tokens"][1], phone=True)
    jp = jonas.open_draft(draft_id)
    wall = open_wall(people, live, hall)
    w = wall.page
    expect(w.locator("#pj-item")).to_have_text("No item is under debate")
    chile = hall["client"](hall["tokens"][2])
    japan = hall["client"](hall["tokens"][3])
    chair_c = hall["client"](hall["chair_token"])
    chair_c.join(draft_id)

    # The chair moves through the agenda; every screen follows where the session is.
    cp.locator("#agenda .agenda-next").click()
    expect(w.locator("#pj-item")).to_have_text("Opening of the session")
    expect(ap.locator("#floor-bar")).to_contain_text("Under debate: 1. Opening of the session")
    expect(cp.locator("#agenda .agenda-next")).to_have_text(
        "Take up the next item: 2. Declaration on Energy"
    )
    cp.locator("#agenda .agenda-next").click()
    expect(w.locator("#pj-item")).to_have_text("Declaration on Energy")
    expect(w.locator("#pj-item-number")).to_have_text("Item 2 of 2")
    expect(w.locator("#pj-mode")).to_have_text("Formal")  # the wall joined the draft
    expect(ap.locator("#floor-bar")).to_contain_text("Under debate: 2. Declaration on Energy")
    expect(cp.locator(f"#agenda [data-item='{hall['opening']}']")).to_contain_text("concluded")

    # The chair sets a minute per speech; the wall says so.
    cp.locator("#floor-lists .floor-more > summary").click()
    cp.locator("#floor-lists .floor-seconds").fill("60")
    cp.locator("#floor-lists .floor-settings button[type=submit]").click()
    expect(w.locator("#pj-list-settings")).to_have_text("1 min a speech")

    # Delegations ask for the floor: from the line above the document, and on a phone from
    # the lists under "Agenda & speakers".
    ap.locator("#floor-bar .floor-ask").click()
    expect(ap.locator("#floor-bar")).to_contain_text("You are 1st")
    jp.locator("#floor-toggle").click()
    jp.locator("#floor-lists .ask-speech").click()
    expect(jp.locator("#floor-lists .floor-request.mine")).to_contain_text("Germany")
    expect(jp.locator("#floor-lists .floor-withdraw")).to_contain_text("(2nd)")
    expect(w.locator("#pj-queue .pj-delegation")).to_have_text(["Morocco", "Germany"])
    # the conference page counts everyone in the conference, whichever page they sit on: two
    # delegates in the draft, two following the conference, the wall, and the chair herself
    expect(cp.locator("#present-count")).to_have_text("6 of 6 present")
    cp.locator("#session").screenshot(path=str(artifacts / "meeting-conference-chair.png"))
    w.screenshot(path=str(artifacts / "meeting-projector-list.png"))

    # The chair gives the floor to the next: Morocco is told, and the wall counts down.
    give_next = cp.locator("#floor-lists .floor-give-next")
    expect(give_next).to_have_text("Give the floor: Morocco (Amina Benali)")
    give_next.click()
    expect(ap.locator("#notices [data-notice=floor]")).to_contain_text("You have the floor")
    expect(w.locator("#pj-speaker .pj-who")).to_have_text("Morocco")
    timer = w.locator("#pj-speaker .pj-timer")
    expect(timer).to_have_attribute("data-state", "running")
    expect(timer).to_have_text(re.compile(r"^(1:00|0:5\d)$"))
    first = timer.inner_text()
    expect(timer).not_to_have_text(first)  # the screen counts by itself
    expect(w.locator("#pj-queue .pj-delegation")).to_have_text(["Germany"])
    ap.screenshot(path=str(artifacts / "meeting-draft-delegate-speaking.png"))

    # A point of order jumps the queue, is announced, and interrupts the speech once given.
    lst = chile.current_list()["id"]
    chile.ask(lst, "point_of_order")
    expect(w.locator("#pj-queue .pj-request").first).to_contain_text("Chile")
    expect(w.locator("#pj-queue .pj-request").first).to_contain_text("Point of order")
    expect(cp.locator("#notices [data-notice^=point-]")).to_contain_text(
        "Point of order raised by Chile"
    )
    expect(ap.locator("#notices [data-notice^=point-]")).to_be_visible()
    w.screenshot(path=str(artifacts / "meeting-projector-point-raised.png"))
    expect(give_next).to_have_text("Give the floor: Chile (Lucía Fernández)")
    give_next.click()
    expect(w.locator("#pj-speaker")).to_have_attribute("data-state", "point")
    expect(w.locator("#pj-speaker .pj-who")).to_have_text("Chile")
    expect(w.locator("#pj-speaker .pj-paused")).to_contain_text("Morocco (Amina Benali) resumes")
    expect(ap.locator("#notices [data-notice=floor]")).to_have_count(0)
    w.screenshot(path=str(artifacts / "meeting-projector-point-of-order.png"))
    ruling = "The point is well taken: speakers keep to the clause."
    cp.locator("#floor-lists .floor-ruling").fill(ruling)
    cp.locator("#floor-lists .floor-rule .floor-end").click()
    expect(w.locator("#pj-speaker .pj-who")).to_have_text("Morocco")  # resumes
    expect(ap.locator("#notices [data-notice=floor]")).to_contain_text("You have the floor")
    chair_c.wait_for(lambda c: c.speaker(lst) and c.speaker(lst)["member_id"] is not None)
    rulings = [s["ruling"] for s in chair_c.speeches() if s["kind"] == "point_of_order"]
    assert rulings == [ruling]

    # A short time for the next speech: its clock warns, then shows the time over, in red.
    cp.locator("#floor-lists .floor-speaker .floor-end").click()
    expect(w.locator("#pj-speaker .pj-nobody")).to_have_text("Nobody has the floor")
    cp.locator("#floor-lists .floor-seconds").fill("8")
    cp.locator("#floor-lists .floor-settings button[type=submit]").click()
    expect(w.locator("#pj-list-settings")).to_have_text("8 s a speech")
    give_next.click()
    # the warning lasts the last two seconds: watched frame by frame from now, not by polling
    w.wait_for_function(
        "() => document.querySelector('#pj-speaker .pj-timer')?.dataset.state === 'warning'",
        polling="raf",
    )
    w.screenshot(path=str(artifacts / "meeting-projector-warning.png"))
    expect(w.locator("#pj-speaker .pj-who")).to_have_text("Germany")
    expect(jp.locator("#notices [data-notice=floor]")).to_contain_text("You have the floor")
    expect(timer).to_have_attribute("data-state", "over")
    expect(timer).to_have_text(re.compile(r"^\+0:\d\d$"))
    expect(timer).to_have_css("background-color", BAD)
    phone_timer = jp.locator("#notices [data-notice=floor] .speech-timer")
    expect(phone_timer).to_have_attribute("data-state", "over")
    jp.screenshot(path=str(artifacts / "meeting-phone-delegate-over-time.png"))
    cp.locator("#floor-lists .floor-speaker .floor-end").click()
    expect(jp.locator("#notices [data-notice=floor]")).to_have_count(0)

    # A recorded vote on the amendment: the wall shows the clause, the amendment in track
    # changes, the vote as it is cast, then the result with the names.
    poll_id = chair_c.open_poll(("amendment", hall["amendment"].id), kind="recorded")
    poll_box = w.locator("#pj-poll")
    expect(poll_box).to_have_attribute("data-state", "open")
    expect(poll_box.locator(".pj-poll-subject")).to_have_text("Amendment #1 to operative clause 1")
    expect(w.locator("#pj-clause-label")).to_have_text("Operative clause 1")
    expect(w.locator("#pj-amendments .amendment ins")).to_have_text("2")
    # a page opened while a vote is open in a draft says so
    cp.reload()
    expect(cp.locator("#notices [data-notice^=poll-]")).to_contain_text(
        "Vote open in “Declaration on Energy”"
    )
    for person, choice in ((amina, "yes"), (jonas, "no")):
        sheet = person.page.locator("#vote-dialog")
        expect(sheet).to_be_visible()
        sheet.locator(f"button[data-choice={choice}]").click()
        expect(sheet.locator(f"button[data-choice={choice}]")).to_have_attribute(
            "aria-pressed", "true"
        )
    chile.vote(poll_id, "yes")
    expect(poll_box.locator(".pj-cast")).to_have_text(
        "3 of 4 members have voted: 3 present and voting, 0 abstaining"
    )
    roll = poll_box.locator(".votes li")  # the roll call, in calling order
    expect(roll).to_have_count(4)
    expect(roll.filter(has_text="Morocco")).to_have_text("Morocco: Yes (cast by Amina Benali)")
    expect(roll.filter(has_text="Japan")).to_have_text("Japan: not yet voted")
    w.screenshot(path=str(artifacts / "meeting-projector-poll.png"))
    chair_c.close_poll(poll_id)
    expect(poll_box).to_have_attribute("data-state", "closed")
    expect(poll_box.locator(".totals")).to_have_text("Yes 2 · No 1 · Abstain 0")
    expect(poll_box.locator(".pj-outcome")).to_contain_text("Adopted")
    expect(roll.filter(has_text="Germany")).to_have_text("Germany: No (cast by Jonas Schmidt)")
    expect(roll).to_have_count(3)  # the ballots cast
    expect(w.locator("#pj-clause .pj-clause-text")).to_have_text(hall["amended"])
    w.screenshot(path=str(artifacts / "meeting-projector-result.png"))

    # The debate goes on: the result leaves the wall when the floor is given again.
    japan.ask(lst)
    expect(w.locator("#pj-queue .pj-delegation")).to_have_text(["Japan"])
    chair_c.give(lst)
    expect(w.locator("#pj-speaker .pj-who")).to_have_text("Japan")
    expect(poll_box).to_be_hidden()
    for p in (chair, amina, jonas, wall):
        assert not p.errors, p.errors


def test_the_chairs_console_stays_on_a_phone(hall, people, artifacts):
    draft_id = hall["draft_id"]
    morocco = hall["client"](hall["tokens"][0])
    chair_c = hall["client"](hall["chair_token"])
    chair_c.agenda_next(hall["item"])
    lst = chair_c.current_list()["id"]
    chair = people(hall["chair_token"], phone=True)
    cp = chair.open_draft(draft_id)
    console = cp.locator("#chair-console")
    bar = cp.locator("#chair-floor")
    expect(bar).to_contain_text("Nobody has the floor")
    morocco.ask(lst)
    expect(bar.locator(".bar-give")).to_be_enabled()

    # At the end of a long draft, the console is still on screen and hides no clause.
    cp.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    expect(console).to_be_in_viewport()
    last = cp.locator("#clauses > .clause").last
    expect(last).to_be_in_viewport()
    box, last_box = console.bounding_box(), last.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"] + 1
    assert last_box["y"] + last_box["height"] <= box["y"] + 1, (last_box, box)

    # The chair gives the floor from the bar, and ends the speech there.
    bar.locator(".bar-give").click()
    morocco.wait_for(lambda c: c.has_floor())
    expect(bar).to_contain_text("Speaking: Morocco (Amina Benali)")
    expect(bar.locator(".speech-timer")).to_be_visible()
    cp.screenshot(path=str(artifacts / "meeting-chair-phone.png"))
    bar.locator(".bar-end").click()
    morocco.wait_for(lambda c: not c.has_floor())
    expect(bar).to_contain_text("Nobody has the floor")
    assert not chair.errors, chair.errors
