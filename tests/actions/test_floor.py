"""The agenda and the lists of speakers through the real doors: every action a socket event
(or a JSON route), every message checked against docs/protocol.md, and the conference page's
kept agenda and lists compared with a fresh load after each (`verify.Room`).

Rule numbers are the UN General Assembly's (A/520/Rev.19), plenary / committees."""

from __future__ import annotations

from datetime import timedelta

import pytest

from drafting.actions import floor as floor_actions
from drafting.errors import NotFound
from drafting.floor import moment


@pytest.fixture
def floor(room):
    """The draft on the agenda and under debate; Amina and Jonas's connections (and the
    press's) follow the conference, as their pages do. Returns the item's list of speakers."""
    for p in (room.amina, room.jonas, room.press, room.chair):
        assert room.act(p, "conference:follow", {"conference_id": room.conference_id}).ok
    add = room.act(
        room.chair, "agenda:add", {"conference_id": room.conference_id, "draft_id": room.draft_id}
    )
    assert add.ok, add.ack
    taken = room.act(room.chair, "agenda:next", {"conference_id": room.conference_id})
    assert taken.ok, taken.ack
    [lst] = taken.ack["lists"]
    assert lst["agenda_item_id"] == add.ack["item_id"] and lst["clause_id"] is None
    return lst["id"]


def member_of(room, person):
    return room.app.extensions["drafting"]["actions"].authenticate(person.token).member_id


def ask(room, who, list_id, kind="speech", **extra):
    out = room.act(who, "floor:ask", {"list_id": list_id, "kind": kind, **extra})
    assert out.ok, out.ack
    return out.ack["request_id"]


def give(room, list_id, request_id=None):
    payload = {"list_id": list_id}
    if request_id is not None:
        payload["request_id"] = request_id
    out = room.act(room.chair, "floor:give", payload)
    assert out.ok, out.ack
    return out


def end(room, list_id, **extra):
    out = room.act(room.chair, "floor:end", {"list_id": list_id, **extra})
    assert out.ok, out.ack
    return out


def settings(room, list_id, **values):
    out = room.act(room.chair, "floor:settings", {"list_id": list_id, **values})
    assert out.ok, out.ack
    return out.ack["list"]


def kept(room, list_id):
    """The list as the conference page keeps it (checked against a fresh load)."""
    return room.lobby.lobby.floor.lists[list_id]


def queue(room, list_id):
    lst = kept(room, list_id)
    return [(lst["requests"][i]["delegation"], lst["requests"][i]["kind"]) for i in lst["order"]]


def record(room):
    return room.act(room.amina, "record:get", {"draft_id": room.draft_id}).ack["record"]


def add_delegation(room, name, delegation):
    out = room.http(
        room.chair,
        "POST",
        f"/api/conferences/{room.conference_id}/participants",
        {"name": name, "delegation": delegation},
    )
    assert out.status == 201, out.ack
    return out.ack["member_id"]


def test_ask_give_and_time_a_speech_and_the_delegation_is_told(room, floor):
    """Rule 68/109: called in the order they asked; rule 72/114: the speaking time."""
    listed = settings(room, floor, speaking_seconds=180, reply_seconds=60)
    assert (listed["speaking_seconds"], listed["reply_seconds"]) == (180, 60)
    amina = ask(room, room.amina, floor)
    ask(room, room.jonas, floor)
    assert queue(room, floor) == [("Morocco", "speech"), ("Germany", "speech")]
    out = give(room, floor)
    lst = out.ack["list"]
    assert lst["speaker"] == amina and queue(room, floor) == [("Germany", "speech")]
    speech = next(r for r in lst["requests"] if r["id"] == amina)
    started, deadline = moment(speech["started_at"]), moment(speech["deadline"])
    assert deadline - started == timedelta(seconds=180)
    assert moment(speech["warning_at"]) == deadline - timedelta(seconds=30)
    # the notice: Amina's page hears the floor given, with her delegation as the speaker
    [given] = room.amina.received("floor:changed")
    assert given["event"] == "given" and given["server_time"]
    [told] = [r for r in given["list"]["requests"] if r["id"] == given["list"]["speaker"]]
    assert told["member_id"] == member_of(room, room.amina) != member_of(room, room.jonas)
    assert told["deadline"] == speech["deadline"]
    # nobody else's request is resent: only what the change touched
    assert [r["id"] for r in given["list"]["requests"]] == [amina]
    ended = end(room, floor)
    assert ended.ack["list"]["speaker"] is None
    [speech_made] = room.get(room.press, f"/api/conferences/{room.conference_id}/speeches")[
        "speeches"
    ]
    assert (speech_made["delegation"], speech_made["name"]) == ("Morocco", "Amina")
    assert speech_made["limit_seconds"] == 180 and speech_made["seconds"] >= 0
    assert "Amina (Morocco) spoke: " in record(room)


def test_a_point_of_order_jumps_the_queue_and_interrupts_the_speaker(room, floor):
    """Rule 71/113: a point of order is decided at once; the speaker resumes afterwards with
    the time left."""
    settings(room, floor, speaking_seconds=120)
    amina = ask(room, room.amina, floor)
    ask(room, room.jonas, floor)
    give(room, floor)
    point = ask(room, room.jonas, floor, "point_of_order")
    assert queue(room, floor) == [("Germany", "point_of_order"), ("Germany", "speech")]
    out = give(room, floor)
    lst = out.ack["list"]
    assert (lst["speaker"], lst["interrupted"]) == (point, amina)
    stopped = next(r for r in lst["requests"] if r["id"] == amina)
    assert stopped["status"] == "interrupted" and stopped["deadline"] is None
    untimed = next(r for r in lst["requests"] if r["id"] == point)
    assert untimed["deadline"] is None  # a point of order is not timed
    refused = room.act(room.chair, "floor:end", {"list_id": floor, "ruling": 7})
    assert refused.ack["error"]["code"] == "invalid"
    back = end(room, floor, ruling="The point is well taken: the speaker will keep to the item.")
    lst = back.ack["list"]
    assert (lst["speaker"], lst["interrupted"]) == (amina, None)
    [resumed] = room.lobby.received("floor:changed")
    assert resumed["event"] == "resumed"
    again = next(r for r in lst["requests"] if r["id"] == amina)
    left = moment(again["deadline"]) - moment(again["started_at"])
    assert left == timedelta(seconds=120) - timedelta(seconds=again["spoken_seconds"])
    text = record(room)
    assert "Amina (Morocco) was interrupted by a point of order." in text
    assert "Jonas (Germany) rose to a point of order" in text
    assert "The chair ruled: The point is well taken" in text


def test_a_right_of_reply_comes_after_the_list_with_its_own_time(room, floor):
    """Rule 73/115 and decision 34/401: replies at the end, shorter than speeches."""
    settings(room, floor, speaking_seconds=180, reply_seconds=60)
    ask(room, room.amina, floor, "reply")
    ask(room, room.jonas, floor)
    assert queue(room, floor) == [("Germany", "speech"), ("Morocco", "reply")]
    give(room, floor)
    out = give(room, floor)  # Jonas's speech ends, journaled; the reply has the floor
    reply = next(r for r in out.ack["list"]["requests"] if r["kind"] == "reply")
    assert moment(reply["deadline"]) - moment(reply["started_at"]) == timedelta(seconds=60)
    assert "Jonas (Germany) spoke: " in record(room)
    end(room, floor)
    assert "Amina (Morocco) spoke in exercise of the right of reply: " in record(room)


def test_speakers_for_and_against_in_turn(room, floor):
    """Speakers for and against a question heard in turn (as rule 74/116 hears a motion)."""
    france = add_delegation(room, "Claire", "France")
    brazil = add_delegation(room, "Paulo", "Brazil")
    assert settings(room, floor, for_against=True)["for_against"] is True
    plain = room.act(room.amina, "floor:ask", {"list_id": floor, "kind": "speech"})
    assert "'for' or 'against'" in plain.ack["error"]["message"]
    ask(room, room.amina, floor, "for")
    ask(room, room.jonas, floor, "for")
    ask(room, room.chair, floor, "against", member_id=france)  # the placard raised
    ask(room, room.chair, floor, "for", member_id=brazil)
    assert queue(room, floor) == [
        ("Morocco", "for"),
        ("France", "against"),
        ("Germany", "for"),
        ("Brazil", "for"),
    ]
    give(room, floor)
    # after a speaker for, one against; then, that side exhausted, the others for
    assert queue(room, floor) == [("France", "against"), ("Germany", "for"), ("Brazil", "for")]
    give(room, floor)
    assert queue(room, floor) == [("Germany", "for"), ("Brazil", "for")]
    give(room, floor)
    end(room, floor)
    text = record(room)
    assert "Amina (Morocco) spoke in favour: " in text and "France spoke against: " in text


def test_a_closed_list_takes_no_new_speakers_but_points_of_order_and_replies(room, floor):
    """Rule 73/115."""
    ask(room, room.jonas, floor)
    closed = room.act(room.chair, "floor:close", {"list_id": floor})
    assert closed.ok and closed.ack["list"]["open"] is False
    refused = room.act(room.amina, "floor:ask", {"list_id": floor, "kind": "speech"})
    assert refused.ack["error"]["code"] == "conflict"
    assert "closed (rule 73/115)" in refused.ack["error"]["message"]
    ask(room, room.amina, floor, "point_of_order")
    ask(room, room.amina, floor, "reply")
    assert queue(room, floor) == [
        ("Morocco", "point_of_order"),
        ("Germany", "speech"),
        ("Morocco", "reply"),
    ]
    assert room.act(room.chair, "floor:reopen", {"list_id": floor}).ok
    ask(room, room.amina, floor)
    assert "The list of speakers was declared closed (1 still to speak)." in record(room)


def test_one_request_per_delegation_and_the_chair_moves_one(room, floor):
    ask(room, room.amina, floor)
    twice = room.act(room.amina, "floor:ask", {"list_id": floor, "kind": "speech"})
    assert twice.ack["error"]["code"] == "conflict"
    assert (
        "Morocco is on this list of speakers already (1st to speak)"
        in (twice.ack["error"]["message"])
    )
    jonas = ask(room, room.jonas, floor)
    point = ask(room, room.amina, floor, "point_of_order")
    moved = room.act(room.chair, "floor:move", {"request_id": jonas, "after_id": None})
    assert moved.ok, moved.ack
    assert queue(room, floor) == [
        ("Morocco", "point_of_order"),
        ("Germany", "speech"),
        ("Morocco", "speech"),
    ]
    [heard] = room.lobby.received("floor:changed")
    assert heard["event"] == "moved"
    across = room.act(room.chair, "floor:move", {"request_id": jonas, "after_id": point})
    assert across.ack["error"]["code"] == "invalid"
    by_delegate = room.act(room.jonas, "floor:move", {"request_id": jonas, "after_id": None})
    assert by_delegate.ack["error"]["code"] == "forbidden"
    # a delegation withdraws its own request, not another's; the chair may remove any
    other = room.act(room.jonas, "floor:withdraw", {"request_id": point})
    assert other.ack["error"]["code"] == "forbidden"
    assert room.act(room.amina, "floor:withdraw", {"request_id": point}).ok
    assert room.act(room.chair, "floor:withdraw", {"request_id": jonas}).ok
    assert queue(room, floor) == [("Morocco", "speech")]


def test_who_may_ask_for_the_floor(room, floor):
    observer = room.act(room.press, "floor:ask", {"list_id": floor, "kind": "speech"})
    assert observer.ack["error"]["code"] == "forbidden"
    assert "Observers" in observer.ack["error"]["message"]
    chair = room.act(room.chair, "floor:ask", {"list_id": floor, "kind": "speech"})
    assert chair.ack["error"]["code"] == "invalid"
    for_another = room.act(
        room.amina,
        "floor:ask",
        {"list_id": floor, "kind": "speech", "member_id": member_of(room, room.jonas)},
    )
    assert for_another.ack["error"]["code"] == "forbidden"
    ask(room, room.amina, floor)
    delegate = room.act(room.amina, "floor:give", {"list_id": floor})
    assert delegate.ack["error"]["code"] == "forbidden"


def test_the_agenda_moves_on_and_everyone_sees_where_the_session_is(room, floor):
    cid = room.conference_id
    opening = room.act(
        room.chair, "agenda:add", {"conference_id": cid, "title": "Opening", "after_id": None}
    ).ack["item_id"]
    other = room.act(room.chair, "agenda:add", {"conference_id": cid, "title": "Other business"})
    aob = other.ack["item_id"]
    agenda = other.ack["agenda"]
    assert [i["title"] for i in agenda["items"]] == ["Opening", "Water for all", "Other business"]
    assert [i["number"] for i in agenda["items"]] == [1, 2, 3]
    assert agenda["next_id"] == aob  # after the item under debate
    twice = room.act(room.chair, "agenda:add", {"conference_id": cid, "draft_id": room.draft_id})
    assert "on the agenda already (item 2)" in twice.ack["error"]["message"]
    # nobody moves on while someone has the floor
    ask(room, room.amina, floor)
    give(room, floor)
    busy = room.act(room.chair, "agenda:next", {"conference_id": cid})
    assert (
        busy.ack["error"]["code"] == "conflict"
        and "Morocco has the floor" in (busy.ack["error"]["message"])
    )
    end(room, floor)
    moved_on = room.act(room.chair, "agenda:next", {"conference_id": cid})
    assert moved_on.ok
    agenda = room.lobby.lobby.floor.agenda
    assert agenda["current_id"] == aob and agenda["next_id"] == opening  # skipped: it comes now
    assert [i["status"] for i in agenda["items"]] == ["pending", "done", "current"]
    [heard] = room.amina.received("agenda:changed")
    assert heard["event"] == "taken_up" and heard["agenda"]["current_id"] == aob
    assert heard["lists"][0]["agenda_item_id"] == aob  # the new item's list, whole
    # the chair chooses an item; past the last, none is under debate
    assert room.act(room.chair, "agenda:next", {"conference_id": cid, "item_id": opening}).ok
    last = room.act(room.chair, "agenda:next", {"conference_id": cid})
    assert last.ok and last.ack["agenda"]["current_id"] is None and last.ack["lists"] == []
    nothing = room.act(room.chair, "agenda:next", {"conference_id": cid})
    assert nothing.ack["error"]["code"] == "conflict"
    # reordering and removing
    assert room.act(room.chair, "agenda:move", {"item_id": aob, "after_id": None}).ok
    assert room.act(room.chair, "agenda:remove", {"item_id": opening}).ok
    titles = [i["title"] for i in room.lobby.lobby.floor.agenda["items"]]
    assert titles == ["Other business", "Water for all"]
    text = record(room)
    assert "The meeting took up item 1, “Water for all”." in text
    assert "The meeting concluded its consideration of item 2, “Water for all”." in text
    delegate = room.act(room.amina, "agenda:next", {"conference_id": cid})
    assert delegate.ack["error"]["code"] == "forbidden"


def test_a_list_per_clause_and_one_speaker_at_a_time(room, floor, ids):
    cid = room.conference_id
    item = room.lobby.lobby.floor.agenda["current_id"]
    opened = room.act(room.chair, "floor:open", {"item_id": item, "clause_id": ids[1]})
    assert opened.ok, opened.ack
    clause_list = opened.ack["list"]["id"]
    assert kept(room, clause_list)["clause_id"] == ids[1]  # the conference page took it
    again = room.act(room.chair, "floor:open", {"item_id": item, "clause_id": ids[1]})
    assert again.ack["list"]["id"] == clause_list  # the same list
    ask(room, room.amina, floor)
    ask(room, room.jonas, clause_list, "against")
    give(room, floor)
    out = give(room, clause_list)  # the floor moves: Amina's speech ends first
    assert out.ack["list"]["speaker"] is not None
    assert kept(room, floor)["speaker"] is None
    end(room, clause_list)
    text = record(room)
    assert "Jonas (Germany) spoke against on operative clause 1: " in text
    assert "The chair opened a list of speakers on operative clause 1." in text
    speeches = room.get(room.amina, f"/api/conferences/{cid}/speeches?item_id={item}")
    assert [s["clause_id"] for s in speeches["speeches"]] == [None, ids[1]]


def test_the_api_drives_the_same_floor(room, floor):
    cid = room.conference_id
    base = f"/api/conferences/{cid}"
    set_time = room.http(room.chair, "PATCH", f"{base}/lists/{floor}", {"speaking_seconds": 90})
    assert set_time.status == 200 and set_time.ack["list"]["speaking_seconds"] == 90
    asked = room.http(room.amina, "POST", f"{base}/lists/{floor}/requests", {"kind": "speech"})
    assert asked.status == 201, asked.ack
    rid = asked.ack["request_id"]
    given = room.http(room.chair, "POST", f"{base}/lists/{floor}/give", {"request_id": rid})
    assert given.status == 200 and given.ack["list"]["speaker"] == rid
    ended = room.http(room.chair, "POST", f"{base}/lists/{floor}/end", {})
    assert ended.status == 200 and ended.ack["list"]["speaker"] is None
    assert room.http(room.chair, "POST", f"{base}/lists/{floor}/close").status == 200
    assert room.http(room.chair, "POST", f"{base}/lists/{floor}/reopen").status == 200
    again = room.http(room.jonas, "POST", f"{base}/lists/{floor}/requests", {"kind": "speech"})
    gone = room.http(room.jonas, "DELETE", f"{base}/requests/{again.ack['request_id']}")
    assert gone.status == 200 and gone.ack["list"]["order"] == []
    item = room.http(room.chair, "POST", f"{base}/agenda", {"title": "Closing"})
    assert item.status == 201, item.ack
    assert room.http(room.chair, "POST", f"{base}/agenda/next", {}).status == 200
    state = room.get(room.press, f"{base}/floor")
    assert state["agenda"]["current_id"] == item.ack["item_id"]
    # a list named under another conference's path does not exist there
    elsewhere = room.http(room.chair, "POST", f"/api/conferences/{cid + 1}/lists/{floor}/close")
    assert elsewhere.status == 404


@pytest.mark.parametrize("doing", ["remove", "move"])
def test_an_item_removed_by_another_request_meanwhile_is_not_found(
    actions, conference, monkeypatch, doing
):
    """The chair's double click, or two server processes: a request looks the item up, then
    another request takes it off the agenda before the first one's transaction begins. The
    first is told the item was removed (it was a server error), and the agenda is intact."""
    chair, cid = conference["chair"], conference["conference"].id
    opening = actions.add_agenda_item(chair, cid, title="Opening")
    closing = actions.add_agenda_item(chair, cid, title="Closing")
    seen = actions.store.agenda_item(opening.id)  # as the look-up saw it, before the removal
    actions.remove_agenda_item(chair, opening.id)
    monkeypatch.setattr(floor_actions, "_item_for", lambda *args: seen)
    with pytest.raises(NotFound, match="was removed from the agenda"):
        if doing == "remove":
            actions.remove_agenda_item(chair, opening.id)
        else:
            actions.move_agenda_item(chair, opening.id, closing.id)
    agenda = actions.floor_state(chair, cid)["agenda"]
    assert [(i["id"], i["number"]) for i in agenda["items"]] == [(closing.id, 1)]
