"""Hypothesis over sequences of agenda and floor events, from the chair, two delegations and
an observer, on a floor that has an agenda, lists and speakers: every event is answered `ok`
or with a documented error (never a server error), and whatever the sequence, the floor stays
what a chair relies on: one speaker at a time, a speech interrupted only while a point of order
has the floor, one item under debate, one waiting request per delegation and group."""

from __future__ import annotations

from collections import Counter
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_socket_fuzz import CODES, FIELDS

from drafting import floor, socketio, sockets

EVENTS = sorted(e for e in sockets.HANDLERS if e.startswith(("floor:", "agenda:")))
# the floor's main moves come more often, so that sequences get somewhere
WEIGHTS = {"floor:ask": 6, "floor:give": 4, "floor:end": 3, "floor:withdraw": 2, "floor:move": 2}
STEPS = [e for e in EVENTS for _ in range(WEIGHTS.get(e, 1))]
VALUES: dict[str, st.SearchStrategy[Any]] = {
    "kind": st.sampled_from([*floor.KINDS, "speech", "speech", "filibuster"]),
    "speaking_seconds": st.sampled_from([0, 5, 60, 180, 3600, 4, 3601, -1, 2.5, "60"]),
    "reply_seconds": st.sampled_from([0, 30, 60, 1]),
    "for_against": st.sampled_from([True, False, None, 1]),
    "ruling": st.sampled_from([None, "", "Upheld.", "x" * 2001, 3]),
    "title": st.sampled_from(["Opening", "", None, "x" * 600]),
}


def ids(a: Any, key: str, conference_id: int) -> list[Any]:
    """The ids there are now for a key, so most payloads name something that exists."""
    store = a.store
    items = store.agenda_items(conference_id)
    lists = [lst for i in items for lst in store.speakers_lists(i.id)]
    found: list[Any] = {
        "item_id": [i.id for i in items],
        "list_id": [lst.id for lst in lists],
        "request_id": [r.id for lst in lists for r in store.floor_requests(lst.id)],
        "member_id": [m.id for m in store.members(conference_id)],
        "clause_id": [c.id for d in store.drafts(conference_id) for c in store.clauses(d.id)],
        "draft_id": [d.id for d in store.drafts(conference_id)],
    }.get(key, [])
    return found or [1]


def value(a: Any, key: str, conference_id: int) -> st.SearchStrategy[Any]:
    if key == "conference_id":
        return st.sampled_from([conference_id] * 9 + [conference_id + 1])
    if key in VALUES and key != "after_id":
        return VALUES[key]
    # an index into the ids there are when it is drawn (a strategy of one shape whatever the
    # state), and now and then something that is not there
    extra = [None, "end", 999] if key == "after_id" else [999]

    def pick(i: int) -> Any:
        if i >= 12:
            return extra[i % len(extra)]
        known = ids(a, "item_id" if key == "after_id" else key, conference_id)
        return known[i % len(known)]

    return st.integers(0, 13).map(pick)


@st.composite
def payloads(draw: st.DrawFn, a: Any, event: str, conference_id: int) -> dict[str, Any]:
    out = {}
    for name in FIELDS[event]:
        if name.endswith("?") and draw(st.booleans()):
            continue
        key = name.rstrip("?")
        if event == "floor:move" and key == "after_id":
            key = "request_id"  # a request moves after a request
            out["after_id"] = draw(st.one_of(st.none(), value(a, key, conference_id)))
            continue
        out[key] = draw(value(a, key, conference_id))
    return out


def invariants(a: Any, conference_id: int) -> None:
    store = a.store
    holders = store.floor_holders(conference_id)
    speaking = [r for r in holders if r.status == "speaking"]
    interrupted = [r for r in holders if r.status == "interrupted"]
    assert len(speaking) <= 1 and len(interrupted) <= 1, holders
    if interrupted:
        assert speaking and speaking[0].kind == "point_of_order", holders
    items = store.agenda_items(conference_id)
    current = [i for i in items if i.status == "current"]
    assert len(current) <= 1
    for r in holders:
        assert store.agenda_item(store.speakers_list(r.list_id).agenda_item_id) in current
    assert [i.position for i in items] == sorted(i.position for i in items)
    for item in items:
        for lst in store.speakers_lists(item.id):
            waiting = Counter(
                (r.member_id, floor.group(r.kind))
                for r in store.floor_requests(lst.id)
                if r.status == "waiting"
            )
            assert all(n == 1 for n in waiting.values()), waiting


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_any_sequence_keeps_the_floor_sound(app: Any, data: Any) -> None:
    a = app.extensions["drafting"]["actions"]
    # a conference of its own for each example: the chair, Morocco, Germany, the press; a
    # draft and another item on the agenda, the draft under debate, someone speaking
    conf, _chair, chair_token = a.create_conference("Fuzz", "Chair")
    tokens = [chair_token]
    for name, delegation, role in (
        ("Amina", "Morocco", "delegate"),
        ("Jonas", "Germany", "delegate"),
        ("Press", "", "observer"),
    ):
        tokens.append(a.add_participant(None, conf.id, name, delegation, role)[1])
    cid = conf.id
    d = a.create_draft(None, cid, "Fuzz", [("operative", 0, "Keep."), ("operative", 0, "Go.")])
    a.add_agenda_item(None, cid, draft_id=d.id)
    a.add_agenda_item(None, cid, title="Other business")
    a.next_agenda_item(None, cid)
    # people on the list already: a speech, a point of order, a reply; and Morocco speaking
    [lst] = a.floor_state(None, cid)["lists"]
    amina, jonas = (a.authenticate(t) for t in tokens[1:3])
    a.ask_floor(jonas, lst["id"], "point_of_order")
    a.ask_floor(jonas, lst["id"], "reply")
    a.give_floor(None, lst["id"], a.ask_floor(None, lst["id"], "speech", amina.member_id).id)
    clients = [socketio.test_client(app, auth={"token": t}) for t in tokens]
    try:
        # mostly who may: the chair, or a delegation asking and withdrawing; now and then
        # anyone (the observer included)
        for event in data.draw(st.lists(st.sampled_from(STEPS), max_size=20)):
            mine = event in ("floor:ask", "floor:withdraw")
            likely = [1, 2] if mine else [0]
            who = data.draw(st.sampled_from(likely * 6 + [0, 1, 2, 3]))
            payload = data.draw(payloads(a, event, cid))
            if who == 0 and event == "floor:ask" and data.draw(st.booleans()):
                payload["member_id"] = data.draw(value(a, "member_id", cid))
            ack = clients[who].emit(event, payload, callback=True)
            assert isinstance(ack, dict), (event, payload, ack)
            if not ack.get("ok"):
                assert ack["error"]["code"] in CODES, (event, payload, ack)
                assert ack["error"]["message"]
            invariants(a, cid)
    finally:
        for c in clients:
            c.disconnect()
