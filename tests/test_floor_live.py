"""The agenda and the lists of speakers over real sockets: a `drafting serve` process, the
chair and delegations as `ConferenceClient`s following the conference, as their pages do.

Rule numbers are the UN General Assembly's (A/520/Rev.19), plenary / committees."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from drafting.client import ConferenceClient, Refused
from drafting.floor import moment


@pytest.fixture
def session(live, live_conf):
    """The chair, three delegations and the observer following the conference; the draft and
    a free item on the agenda."""
    cid = live_conf["conference"].id
    chair = ConferenceClient(live.url, live_conf["chair_token"])
    dels = [ConferenceClient(live.url, t) for t in live_conf["tokens"][:3]]
    obs = ConferenceClient(live.url, live_conf["observer_token"])
    everyone = [chair, *dels, obs]
    for c in everyone:
        c.follow(cid)
    yield {"chair": chair, "dels": dels, "obs": obs, "everyone": everyone, **live_conf}
    for c in everyone:
        c.close()


def same_floor(clients):
    """Every client's kept agenda and lists are the chair's (the messages arrived)."""
    first = clients[0]
    return lambda _c: all(c.agenda == first.agenda and c.lists == first.lists for c in clients[1:])


def wait_all_agree(s):
    s["chair"].wait_for(same_floor(s["everyone"]))


def names(client, list_id):
    return [(r["delegation"], r["kind"]) for r in client.queue(list_id)]


def test_a_session_on_the_floor(session):
    chair, (d0, d1, d2), obs = session["chair"], session["dels"], session["obs"]
    chair.agenda_add(title="Opening of the session")
    item = chair.agenda_add(draft_id=session["draft_id"])
    chair.agenda_next()
    # delegates see where the session is
    d2.wait_for(lambda c: c.agenda and c.agenda["current_id"] is not None)
    assert [i["status"] for i in d2.agenda["items"]] == ["current", "pending"]
    assert d2.agenda["next_id"] == item
    chair.agenda_next()
    d2.wait_for(lambda c: c.agenda["current_id"] == item)
    lst = chair.current_list()["id"]
    chair.set_list(lst, speaking_seconds=180, reply_seconds=60)

    # ask for the floor, in the order asked (rule 68/109); once per delegation
    d0.ask(lst)
    d1.ask(lst)
    with pytest.raises(Refused, match="on this list of speakers already"):
        d0.ask(lst)
    with pytest.raises(Refused, match="Observers"):
        obs.ask(lst)
    d2.ask(lst, "reply")
    wait_all_agree(session)
    assert names(obs, lst) == [
        ("Country 0", "speech"),
        ("Country 1", "speech"),
        ("Country 2", "reply"),
    ]

    # give the floor: the delegation is told, every screen has the deadline
    chair.give(lst)
    d0.wait_for(lambda c: c.has_floor())
    wait_all_agree(session)
    assert not d1.has_floor()
    speech = obs.speaker(lst)
    assert moment(speech["deadline"]) - moment(speech["started_at"]) == timedelta(seconds=180)
    assert moment(speech["deadline"]) - moment(speech["warning_at"]) == timedelta(seconds=30)

    # a point of order jumps the queue and interrupts (rule 71/113)
    d2.ask(lst, "point_of_order")
    wait_all_agree(session)
    assert names(d1, lst)[0] == ("Country 2", "point_of_order")
    chair.give(lst)
    d2.wait_for(lambda c: c.has_floor())
    d0.wait_for(lambda c: not c.has_floor())
    wait_all_agree(session)
    assert obs.lists[lst]["interrupted"] == speech["id"]
    chair.end(lst, ruling="The speaker will keep to the item.")
    d0.wait_for(lambda c: c.has_floor())  # back, with the time it had left

    # the chair puts a delegation on the list (its placard raised) and moves it first
    c3 = session["actions"].authenticate(session["tokens"][3]).member_id
    placard = chair.ask(lst, "speech", member_id=c3)
    with pytest.raises(Refused, match="Only the chair"):
        d1.move_request(placard, None)
    chair.move_request(placard, None)
    wait_all_agree(session)
    assert names(d2, lst) == [
        ("Country 3", "speech"),
        ("Country 1", "speech"),
        ("Country 2", "reply"),
    ]

    # a closed list takes no new speeches, but points of order still (rule 73/115)
    chair.close_list(lst)
    with pytest.raises(Refused, match="closed"):
        d0.ask(lst)
    d1.ask(lst, "point_of_order")
    chair.give(lst)  # Country 1's point of order interrupts Country 0 again
    chair.end(lst)  # Country 0 has the floor back
    chair.give(lst)  # Country 0's speech ends; Country 3 speaks
    chair.give(lst)  # Country 1
    chair.give(lst)  # the reply, with its 60 s
    reply = chair.speaker(lst)
    assert reply["kind"] == "reply" and reply["limit_seconds"] == 60
    chair.end(lst)
    wait_all_agree(session)

    made = chair.speeches()
    assert [(s["delegation"], s["kind"]) for s in made] == [
        ("Country 0", "speech"),
        ("Country 2", "point_of_order"),
        ("Country 1", "point_of_order"),
        ("Country 3", "speech"),
        ("Country 1", "speech"),
        ("Country 2", "reply"),
    ]
    assert made[1]["ruling"] == "The speaker will keep to the item."
    assert made[3]["name"] is None  # put on the list by the chair
    record = chair.record(session["draft_id"])
    assert "Delegate 0 (Country 0) spoke: " in record
    assert "The chair ruled: The speaker will keep to the item." in record
    assert "spoke in exercise of the right of reply" in record
    assert "The list of speakers was declared closed" in record


def test_for_and_against_in_turn_and_the_agenda_moves_on(session):
    chair, (d0, d1, d2), obs = session["chair"], session["dels"], session["obs"]
    chair.agenda_add(draft_id=session["draft_id"])
    closing = chair.agenda_add(title="Closing")
    chair.agenda_next()
    lst = chair.current_list()["id"]
    chair.set_list(lst, for_against=True)
    d0.ask(lst, "for")
    d1.ask(lst, "for")
    d2.ask(lst, "against")
    wait_all_agree(session)
    assert names(obs, lst) == [
        ("Country 0", "for"),
        ("Country 2", "against"),
        ("Country 1", "for"),
    ]
    chair.give(lst)
    chair.give(lst)
    with pytest.raises(Refused, match="has the floor"):
        chair.agenda_next()
    chair.end(lst)
    chair.agenda_next()
    d0.wait_for(lambda c: c.agenda["current_id"] == closing)
    assert [lst["agenda_item_id"] for lst in d0.lists.values()] == [closing]


def test_the_timer_sends_nothing_and_cuts_no_one(session):
    """The deadline travels once; screens count; at the deadline the server says nothing and
    the speaker keeps the floor until the chair ends the speech."""
    chair, (d0, _d1, _d2), obs = session["chair"], session["dels"], session["obs"]
    chair.agenda_add(title="General debate")
    chair.agenda_next()
    lst = chair.current_list()["id"]
    chair.set_list(lst, speaking_seconds=5)
    d0.ask(lst)
    chair.give(lst)
    obs.wait_for(lambda c: c.speaker(lst) is not None)
    deadline = moment(obs.speaker(lst)["deadline"]).timestamp()
    heard = len(obs.received)
    # the observer's screen counts on its own clock, set by the server's
    obs.wait_for(lambda c: time.time() + c.clock_offset > deadline + 1, timeout=15)
    later = [name for name, _ in obs.received[heard:] if name.startswith(("floor", "agenda"))]
    assert later == []  # no tick, no "time is up"
    assert obs.speaker(lst)["member_id"] == d0.me["member_id"]
    ended = chair.end(lst)
    [made] = chair.speeches()
    assert made["seconds"] > 5 and made["over_seconds"] >= 1
    assert ended["speaker"] is None


def test_a_client_that_was_away_catches_up(session):
    chair, (d0, d1, _d2) = session["chair"], session["dels"]
    chair.agenda_add(title="General debate")
    chair.agenda_next()
    lst = chair.current_list()["id"]
    d1.wait_for(lambda c: lst in c.lists)
    d1.go_offline()
    d0.ask(lst)
    chair.give(lst)
    chair.set_list(lst, speaking_seconds=120)
    d1.go_online()
    d1.wait_for(lambda c: c.lists.get(lst, {}).get("version") == chair.lists[lst]["version"])
    assert d1.lists == chair.lists and d1.speaker(lst)["delegation"] == "Country 0"
    assert d1.reloads >= 1  # it loaded the floor again on its return
