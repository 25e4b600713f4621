"""Conferences and their participants: the conference page hears of every change."""

from __future__ import annotations


def test_the_chair_changes_the_rules_and_the_conference_page_hears_it(room):
    cid = room.conference_id
    out = room.http(
        room.chair, "PATCH", f"/api/conferences/{cid}", {"quorum": 3, "majority": "two_thirds"}
    )
    assert out.status == 200
    assert (out.ack["quorum"], out.ack["majority"]) == (3, "two_thirds")
    [told] = room.lobby.received("conference:updated")
    assert told["before"] == {"quorum": None, "majority": "simple"}  # None: a majority
    assert told["after"] == {"quorum": 3, "majority": "two_thirds"}
    # the draft's room is not told of the conference's rules
    assert all(not room.people[p].seen for p in ("amina", "jonas", "chair", "press"))


def test_renaming_the_conference(room):
    cid = room.conference_id
    out = room.http(room.chair, "PATCH", f"/api/conferences/{cid}", {"name": "Plenary"})
    assert out.ack["name"] == "Plenary"
    [told] = room.lobby.received("conference:updated")
    assert told["after"] == {"name": "Plenary"}


def test_a_delegate_cannot_change_the_rules_and_nothing_is_said(room):
    cid = room.conference_id
    out = room.http(room.amina, "PATCH", f"/api/conferences/{cid}", {"quorum": 1})
    assert out.status == 403
    assert "Only the chair" in out.ack["error"]["message"]
    assert not any(out.seen.values())
    assert room.get(room.lobby, f"/api/conferences/{cid}")["quorum"] is None


def test_a_new_participant_appears_on_the_roster_and_can_join(room):
    cid = room.conference_id
    body = {"name": "Lucía", "delegation": "Chile", "role": "delegate"}
    out = room.http(room.chair, "POST", f"/api/conferences/{cid}/participants", body)
    assert out.status == 201
    assert out.ack["link"].endswith(out.ack["token"])
    [told] = room.lobby.received("participant:added")
    assert told == {
        "id": out.ack["id"],
        "name": "Lucía",
        "delegation": "Chile",
        "role": "delegate",
        "member_id": out.ack["member_id"],  # Chile, the member she votes for
    }
    # the link shown once works: she joins and is marked present on the conference page
    luc = room.enter("lucia", out.ack["token"])
    assert [m["present"] for m in room.lobby.received("participant:present")] == [True]
    assert luc.mirror is not None and luc.mirror.status == "drafting"
    people = {p["name"] for p in room.get(room.lobby, f"/api/conferences/{cid}")["participants"]}
    assert "Lucía" in people


def test_an_observer_is_added_as_observer(room):
    cid = room.conference_id
    body = {"name": "Radio", "role": "observer"}
    out = room.http(room.chair, "POST", f"/api/conferences/{cid}/participants", body)
    assert out.status == 201
    [told] = room.lobby.received("participant:added")
    assert (told["role"], told["delegation"]) == ("observer", "")


def test_only_the_chair_adds_participants(room):
    cid = room.conference_id
    body = {"name": "Mallory"}
    out = room.http(room.jonas, "POST", f"/api/conferences/{cid}/participants", body)
    assert out.status == 403
    assert not any(out.seen.values())
    names = {p["name"] for p in room.get(room.lobby, f"/api/conferences/{cid}")["participants"]}
    assert "Mallory" not in names
