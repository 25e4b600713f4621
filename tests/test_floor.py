"""The speakers list's order and a speech's time (`drafting.floor`), on their own: properties
over any list hypothesis can make, then the cases a chair would check by hand.

Rule numbers are the UN General Assembly's (A/520/Rev.19), plenary / committees."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drafting import floor
from drafting.domain import AgendaItem, FloorRequest
from drafting.errors import Conflict, Invalid

T0 = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)


def req(id, kind="speech", member=None, position=None, status="waiting", started=None):
    return FloorRequest(
        id=id,
        list_id=1,
        conference_id=1,
        kind=kind,
        member_id=member if member is not None else id,
        participant_id=None,
        position=position if position is not None else id,
        status=status,
        first_started_at=started,
    )


@st.composite
def lists(draw):
    """Requests of every kind and status, positions unique within a group, as the store keeps
    them."""
    n = draw(st.integers(0, 14))
    kinds = draw(st.lists(st.sampled_from(floor.KINDS), min_size=n, max_size=n))
    statuses = draw(
        st.lists(st.sampled_from([*floor.STATUSES, "waiting", "waiting"]), min_size=n, max_size=n)
    )
    positions = draw(st.permutations(range(1, n + 1)))
    out = []
    for i in range(n):
        started = None
        if statuses[i] != "waiting" and statuses[i] != "withdrawn":
            started = floor.stamp(T0 + timedelta(seconds=draw(st.integers(0, 600))))
        out.append(req(i + 1, kinds[i], i + 1, positions[i], statuses[i], started))
    return out


def groups_of(ordered):
    return [floor.group(r.kind) for r in ordered]


@given(lists(), st.booleans(), st.sampled_from([None, "for", "against"]))
def test_the_queue_is_every_waiting_request_once(requests, for_against, last):
    ordered = floor.order(requests, for_against=for_against, last_side=last)
    waiting = [r for r in requests if r.status == "waiting"]
    assert sorted(r.id for r in ordered) == sorted(r.id for r in waiting)


@given(lists(), st.booleans(), st.sampled_from([None, "for", "against"]))
def test_points_of_order_first_replies_last(requests, for_against, last):
    """Rule 71/113: a point of order is decided at once; rule 73/115 and decision 34/401:
    replies after the list."""
    groups = groups_of(floor.order(requests, for_against=for_against, last_side=last))
    assert groups == sorted(groups, key=floor.GROUPS.index)


@given(lists(), st.booleans(), st.sampled_from([None, "for", "against"]))
def test_points_of_order_and_replies_in_the_order_raised(requests, for_against, last):
    ordered = floor.order(requests, for_against=for_against, last_side=last)
    for g in ("point_of_order", "reply"):
        positions = [r.position for r in ordered if floor.group(r.kind) == g]
        assert positions == sorted(positions)


@given(lists())
def test_an_ordinary_list_calls_speakers_in_the_order_they_asked(requests):
    """Rule 68/109: "in the order in which they signify their desire to speak"."""
    ordered = floor.order(requests, for_against=False)
    positions = [r.position for r in ordered if floor.group(r.kind) == "ordinary"]
    assert positions == sorted(positions)


@given(lists(), st.sampled_from([None, "for", "against"]))
def test_for_and_against_alternate_until_a_side_is_exhausted(requests, last):
    ordered = [
        r
        for r in floor.order(requests, for_against=True, last_side=last)
        if floor.group(r.kind) == "ordinary"
    ]
    sides = [r.kind for r in ordered if r.kind in floor.SIDES]
    # plain speeches (asked before the list was made one for and against) come after both sides
    assert all(r.kind == "speech" for r in ordered[len(sides) :])
    # the turn passes to the other side, unless it has nobody left
    for i in range(len(sides) - 1):
        if sides[i] == sides[i + 1]:
            assert floor._other(sides[i]) not in sides[i + 1 :]
    # the first is of the side other than the last one heard, if it has anyone
    if sides and last is not None and floor._other(last) in sides:
        assert sides[0] == floor._other(last)
    if sides and last is None and "for" in sides:
        assert sides[0] == "for"
    for side in floor.SIDES:  # each side in the order it asked
        positions = [r.position for r in ordered if r.kind == side]
        assert positions == sorted(positions)


@given(lists(), st.data())
def test_moving_a_request_places_it_and_keeps_the_others_order(requests, data):
    waiting = [r for r in requests if r.status == "waiting"]
    if not waiting:
        return
    moving = data.draw(st.sampled_from(waiting))
    g = floor.group(moving.kind)
    mates = sorted(
        (r for r in waiting if floor.group(r.kind) == g and r.id != moving.id),
        key=lambda r: r.position,
    )
    after = data.draw(st.sampled_from([None, *[r.id for r in mates]]))
    changes = floor.place(requests, moving.id, after)
    moved = [
        FloorRequest(**{**r.__dict__, "position": changes.get(r.id, r.position)}) for r in requests
    ]
    group = sorted(
        (r for r in moved if r.status == "waiting" and floor.group(r.kind) == g),
        key=lambda r: r.position,
    )
    ids = [r.id for r in group]
    assert len({r.position for r in group}) == len(group)
    expected = floor.moved([r.id for r in mates], moving.id, after)
    assert ids == expected
    others = [r.id for r in moved if r.status == "waiting" and floor.group(r.kind) != g]
    assert all(r.id not in changes for r in requests if r.id in others)


def test_a_request_moves_within_its_group_only():
    requests = [req(1, "point_of_order"), req(2), req(3)]
    with pytest.raises(Invalid, match="within its group"):
        floor.place(requests, 2, 1)
    assert floor.place(requests, 3, None) == {3: 1}  # 2 stays second
    with pytest.raises(Conflict, match="only a waiting one"):
        floor.place([req(1, status="spoken"), req(2)], 1, None)


def test_for_and_against_continue_from_the_last_side_heard():
    requests = [
        req(1, "for", status="spoken", started=floor.stamp(T0)),
        req(2, "for"),
        req(3, "against"),
        req(4, "against"),
        req(5, "for"),
        req(6, "speech"),
    ]
    ordered = floor.queue(requests, for_against=True)
    assert [r.id for r in ordered] == [3, 2, 4, 5, 6]


def test_one_request_per_delegation_and_group():
    requests = [req(1, "speech", member=7), req(2, "speech", member=8)]
    with pytest.raises(Conflict, match=r"Morocco is on this list of speakers already \(1st"):
        floor.check_ask(requests, "for", 7, is_open=True, for_against=False, delegation="Morocco")
    # a point of order or a reply is another matter: it is taken
    floor.check_ask(
        requests, "point_of_order", 7, is_open=True, for_against=False, delegation="Morocco"
    )
    floor.check_ask(requests, "reply", 7, is_open=True, for_against=False, delegation="Morocco")
    # having spoken, a delegation may ask again
    spoken = [req(1, "speech", member=7, status="spoken", started=floor.stamp(T0))]
    floor.check_ask(spoken, "speech", 7, is_open=True, for_against=False, delegation="Morocco")


def test_a_closed_list_takes_points_of_order_and_replies_only():
    """Rule 73/115."""
    with pytest.raises(Conflict, match="closed"):
        floor.check_ask([], "speech", 1, is_open=False, for_against=False, delegation="X")
    for kind in ("point_of_order", "reply"):
        floor.check_ask([], kind, 1, is_open=False, for_against=False, delegation="X")


def test_a_for_and_against_list_asks_for_a_side():
    with pytest.raises(Invalid, match="'for' or 'against'"):
        floor.check_ask([], "speech", 1, is_open=True, for_against=True, delegation="X")
    with pytest.raises(Invalid, match="Unknown request"):
        floor.check_kind("filibuster")


# --- time ---------------------------------------------------------------------------------------


@given(
    st.integers(floor.MIN_SECONDS, floor.MAX_SECONDS),
    st.lists(st.integers(0, 200_000), min_size=1, max_size=4),
)
def test_interruptions_keep_the_time_left(limit, stretches_ms):
    """A speech interrupted by points of order gets the time it had left, and its length is
    the sum of its stretches."""
    now = T0
    r = floor.start(req(1), now, limit)
    assert floor.moment(r.deadline) - now == timedelta(seconds=limit)
    spoken = 0
    for n, ms in enumerate(stretches_ms):
        now += timedelta(milliseconds=ms)
        spoken += ms
        if n < len(stretches_ms) - 1:
            r = floor.interrupt(r, now)
            assert r.deadline is None and r.spoken_ms == spoken
            now += timedelta(seconds=40)  # the point of order
            r = floor.resume(r, now)
            left = max(0, limit * 1000 - spoken)
            assert floor.moment(r.deadline) - now == timedelta(milliseconds=left)
    done = floor.finish(r, now)
    assert done.spoken_ms == spoken and done.status == "spoken"
    assert floor.over_seconds(done) == max(0, (spoken - limit * 1000) // 1000)
    assert done.first_started_at == floor.stamp(T0)


def test_the_deadline_and_the_warning():
    r = floor.start(req(1), T0, 180)
    assert r.deadline == "2026-03-02T10:03:00.000Z"
    assert floor.warning_at(r) == "2026-03-02T10:02:30.000Z"  # 30 s before
    short = floor.start(req(2), T0, 20)
    assert floor.warning_at(short) == "2026-03-02T10:00:15.000Z"  # a quarter of a short time
    untimed = floor.start(req(3, "point_of_order"), T0, None)
    assert untimed.deadline is None and floor.warning_at(untimed) is None


def test_which_time_a_request_gets():
    assert floor.time_limit("speech", 180, 60) == 180
    assert floor.time_limit("against", 180, 60) == 180
    assert floor.time_limit("reply", 180, 60) == 60
    assert floor.time_limit("reply", 180, None) == 180
    assert floor.time_limit("point_of_order", 180, 60) is None


def test_a_speaking_time_is_checked():
    assert floor.check_seconds(0, "speaking time") is None
    assert floor.check_seconds(90, "speaking time") == 90
    for bad in (3, 7200, -1, 2.5, True, "90"):
        with pytest.raises(Invalid):
            floor.check_seconds(bad, "speaking time")


# --- the agenda ---------------------------------------------------------------------------------


def item(id, status="pending"):
    return AgendaItem(id=id, conference_id=1, position=id, title=f"Item {id}", status=status)


def test_next_item_is_the_first_after_the_current_not_taken_up():
    assert floor.next_item([item(1), item(2)]).id == 1
    assert floor.next_item([item(1, "done"), item(2, "current"), item(3)]).id == 3
    # the chair jumped ahead: what was skipped comes after the last
    assert floor.next_item([item(1, "done"), item(2), item(3, "current")]).id == 2
    assert floor.next_item([item(1, "done"), item(2, "current")]) is None
    assert floor.next_item([]) is None
