"""Motions from the floor, the chair's rulings on the order, and what the rules make of them.

Rule numbers are the UN General Assembly's (A/520/Rev.19), plenary / committees.
"""

from __future__ import annotations

from .test_polls import close, formal, open_poll, vote

NEW = "Decides to establish an expert group;"


def propose(room, who, clause_id, text, kind="replace"):
    payload = {"clause_id": clause_id, "kind": kind, "new_text": text}
    out = room.act(who, "amendment:propose", payload)
    assert out.ok, out.ack
    return out.ack["amendment"]


def move(room, who, kind, subject_type, subject_id):
    payload = {
        "draft_id": room.draft_id,
        "kind": kind,
        "subject_type": subject_type,
        "subject_id": subject_id,
    }
    return room.act(who, "motion:raise", payload)


def queue(room):
    return room.fresh()["queue"]


def set_rules(room, rules):
    out = room.http(room.chair, "PATCH", f"/api/conferences/{room.conference_id}", {"rules": rules})
    assert out.status == 200, out.ack


def test_a_recorded_vote_is_the_right_of_any_representative(room, ids):
    """Rule 87/127: any representative may request a recorded vote."""
    a = propose(room, room.jonas, ids[1], NEW)
    formal(room)
    out = move(room, room.amina, "recorded_vote", "amendment", a["id"])
    assert out.ack["motion"]["status"] == "granted"  # no ruling needed
    [changed, *_] = room.press.received("motion:changed")
    assert changed["motion"]["mover"] == "Amina"
    refused = room.act(
        room.chair,
        "poll:open",
        {
            "draft_id": room.draft_id,
            "subject_type": "amendment",
            "subject_id": a["id"],
            "kind": "counted",
        },
    )
    assert "asked for a recorded vote" in refused.ack["error"]["message"]
    poll = open_poll(room, "amendment", a["id"])  # no kind given: recorded, as asked
    assert poll["kind"] == "recorded"
    assert [m["name"] for m in poll["roll_call"]] in (
        ["Germany", "Morocco"],
        ["Morocco", "Germany"],
    )


def test_votes_are_normally_a_show_of_hands(room, ids):
    """Rule 87/127: the committee normally votes by show of hands."""
    formal(room)
    poll = open_poll(room, "clause", ids[1])
    assert poll["kind"] == "counted" and "roll_call" not in poll


def test_no_secret_ballot_on_a_proposal_under_un_rules(room, ids):
    """Rule 92: elections are held by secret ballot; proposals are not."""
    formal(room)
    out = move(room, room.amina, "secret_ballot", "clause", ids[1])
    assert out.ack["error"]["code"] == "conflict"
    assert "rule 92" in out.ack["error"]["message"]


def test_a_secret_ballot_granted_by_vote_in_a_simple_assembly(room, ids):
    set_rules(room, "simple_assembly")
    formal(room)
    m = move(room, room.amina, "secret_ballot", "clause", ids[1]).ack["motion"]
    assert m["status"] == "pending"
    out = room.act(room.chair, "motion:rule", {"motion_id": m["id"], "ruling": "vote"})
    assert out.ack["motion"]["status"] == "voting"
    [opened] = room.press.received("poll:opened")
    poll = opened["poll"]
    assert poll["subject_type"] == "motion" and poll["subject"]["label"].startswith("Motion 1")
    vote(room, room.amina, poll, "yes")
    vote(room, room.jonas, poll, "yes")
    close(room, poll)
    assert room.fresh()["motions"][0]["status"] == "granted"
    secret = open_poll(room, "clause", ids[1])
    assert secret["kind"] == "secret"


def test_a_division_puts_the_part_to_a_separate_vote(room, ids):
    """Rule 89/129: a part voted separately, at a member's request the chair grants."""
    formal(room)
    assert [q["type"] for q in queue(room)] == ["draft"]
    m = move(room, room.jonas, "division", "clause", ids[5]).ack["motion"]
    room.act(room.chair, "motion:rule", {"motion_id": m["id"], "ruling": "grant"})
    [entry, whole] = queue(room)
    assert (entry["type"], entry["id"]) == ("clause", ids[5])
    assert "division" in entry["reason"] and whole["type"] == "draft"


def test_model_un_puts_a_division_to_the_vote(room, ids):
    set_rules(room, "model_un")
    formal(room)
    m = move(room, room.jonas, "division", "clause", ids[5]).ack["motion"]
    out = room.act(room.chair, "motion:rule", {"motion_id": m["id"], "ruling": "grant"})
    assert "put to the vote" in out.ack["error"]["message"]


def test_all_operative_parts_rejected_rejects_the_proposal(room, ids):
    """Rule 89/129: if all operative parts have been rejected, the proposal is rejected as a
    whole; a text with only its preamble left is not put to the vote."""
    formal(room)
    for cid in (ids[1], ids[2]):
        poll = open_poll(room, "clause", cid, kind="recorded")
        vote(room, room.amina, poll, "no")
        vote(room, room.jonas, poll, "no")
        close(room, poll)
        assert room.fresh()["status"] == "formal"
    poll = open_poll(room, "clause", ids[5], kind="recorded")
    vote(room, room.amina, poll, "no")
    close(room, poll)
    assert room.fresh()["status"] == "rejected"
    [mode] = room.lobby.received("draft:mode")
    assert mode["after"] == "rejected" and "rule 89" in mode["reason"]


def test_the_chair_rules_on_the_order_and_the_record_keeps_it(room, ids):
    """Rule 90/130: furthest removed in substance first is the chair's judgement."""
    text = "Decides to establish a working group;"
    not_ = propose(room, room.jonas, ids[1], text.replace("Decides to", "Decides not to"))
    more = propose(room, room.amina, ids[1], "Decides to establish a large working group;")
    formal(room)
    suggested = [q["id"] for q in queue(room) if q["type"] == "amendment"]
    assert suggested == [not_["id"], more["id"]]
    out = room.act(
        room.chair,
        "order:rule",
        {"draft_id": room.draft_id, "clause_id": ids[1], "order": [more["id"], not_["id"]]},
    )
    assert out.ok, out.ack
    first = out.ack["queue"][0]
    assert first["id"] == more["id"] and first["reason"].startswith("the chair's ruling")
    [told] = room.amina.received("order:ruled")
    assert told["ruled"] == [more["number"], not_["number"]]
    record = room.act(room.amina, "record:get", {"draft_id": room.draft_id}).ack["record"]
    assert (
        "The chair ruled on the order of voting on the amendments to operative clause 1" in record
    )
    bad = room.act(
        room.chair,
        "order:rule",
        {"draft_id": room.draft_id, "clause_id": ids[1], "order": [more["id"]]},
    )
    assert bad.ack["error"]["code"] == "invalid"
    delegate = room.act(
        room.amina,
        "order:rule",
        {"draft_id": room.draft_id, "clause_id": ids[1], "order": [more["id"], not_["id"]]},
    )
    assert delegate.ack["error"]["code"] == "forbidden"


def test_an_amendment_made_moot_lapses_instead_of_being_voted(room, ids):
    """Rule 90/130: an amendment whose fate another's adoption decided is not voted on."""
    first = propose(room, room.jonas, ids[1], NEW)
    same = propose(room, room.amina, ids[1], NEW)
    formal(room)
    poll = open_poll(room, "amendment", first["id"])
    vote(room, room.amina, poll, "yes")
    vote(room, room.jonas, poll, "yes")
    close(room, poll)
    lapsed = room.press.mirror.amendments[same["id"]]
    assert lapsed["status"] == "lapsed"
    record = room.act(room.amina, "record:get", {"draft_id": room.draft_id}).ack["record"]
    assert "moot" in record


def test_the_clause_as_amended_stays_in_the_queue(room, ids):
    a = propose(room, room.jonas, ids[1], NEW)
    formal(room)
    poll = open_poll(room, "amendment", a["id"])
    vote(room, room.amina, poll, "yes")
    vote(room, room.jonas, poll, "yes")
    close(room, poll)
    entries = queue(room)
    assert [(q["type"], q["label"]) for q in entries] == [
        ("clause", "Operative clause 1, as amended"),
        ("draft", "The draft as a whole"),
    ]
