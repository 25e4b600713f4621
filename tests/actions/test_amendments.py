"""Amendments: proposed, accepted as friendly (and so adopted), refused, withdrawn."""

from __future__ import annotations

from .verify import flatten

TEXT = "Decides to establish a working group;"


def propose(room, who, clause_id, kind="replace", new_text="", **more):
    payload = {"clause_id": clause_id, "kind": kind, "new_text": new_text, **more}
    return room.act(who, "amendment:propose", payload)


def numbered(room):
    return [(c["number"], c["text"]) for c in flatten(room.fresh()["clauses"])]


def test_a_proposal_is_announced_with_its_track_changes(room, ids):
    out = propose(
        room,
        room.jonas,
        ids[1],
        new_text="Decides to establish an expert group;",
        reason="expertise",
    )
    a = out.ack["amendment"]
    assert (a["number"], a["status"], a["proposer"], a["delegation"]) == (
        1,
        "pending",
        "Jonas",
        "Germany",
    )
    # track changes: the old text with the deletions, the new one with the insertions
    assert "".join(t for op, t in a["changes"] if op != "insert") == TEXT
    assert "".join(t for op, t in a["changes"] if op != "delete") == a["new_text"]
    assert {op for op, _ in a["changes"]} == {"equal", "insert", "delete"}
    for who in ("amina", "jonas", "chair", "press"):
        [told] = room.people[who].received("amendment:changed")
        assert (told["event"], told["amendment"]) == ("proposed", a)
    assert numbered(room)[1] == ("1", TEXT)  # the text is unchanged until adopted


def test_an_observer_cannot_propose(room, ids):
    out = propose(room, room.press, ids[1], new_text="Leaks;")
    assert out.ack["error"]["code"] == "forbidden"
    assert not any(out.seen.values()) and room.fresh()["amendments"] == []


def test_the_only_sponsor_accepting_adopts_it_as_friendly(room, ids):
    a = propose(room, room.jonas, ids[1], new_text="Decides to establish an expert group;")
    out = room.act(room.amina, "amendment:accept", {"amendment_id": a.ack["amendment"]["id"]})
    assert out.ack["amendment"]["status"] == "friendly"
    assert out.ack["amendment"]["accepted_by"] == [room.amina.participant_id]
    # the text changed for everyone, the sponsor too, and says why
    for who in ("amina", "jonas", "press"):
        [told] = room.people[who].received("clause:edited")
        assert told["reason"] == "friendly amendment #1"
    assert numbered(room)[1] == ("1", "Decides to establish an expert group;")


def test_with_two_sponsors_one_acceptance_is_not_enough(room, ids, conference):
    amina, jonas = conference["delegates"]
    path = f"/api/drafts/{room.draft_id}/sponsors"
    room.http(room.chair, "PUT", path, {"sponsors": [amina.id, jonas.id]})
    a = propose(
        room, room.jonas, ids[5], new_text="Decides to remain actively seized of the matter."
    )
    aid = a.ack["amendment"]["id"]
    out = room.act(room.amina, "amendment:accept", {"amendment_id": aid})
    assert (out.ack["amendment"]["status"], out.ack["amendment"]["accepted_by"]) == (
        "pending",
        [amina.id],
    )
    assert room.press.names() == ["amendment:changed"]
    out = room.act(room.jonas, "amendment:accept", {"amendment_id": aid})
    assert out.ack["amendment"]["status"] == "friendly"
    assert numbered(room)[-1] == ("3", "Decides to remain actively seized of the matter.")


def test_a_friendly_insertion_adds_a_numbered_clause(room, ids):
    a = propose(room, room.jonas, ids[1], "insert_after", "Welcomes the offer of the host;")
    room.act(room.amina, "amendment:accept", {"amendment_id": a.ack["amendment"]["id"]})
    assert room.press.names().count("draft:outline") == 1
    assert numbered(room)[1:4] == [
        ("1", TEXT),
        ("2", "Welcomes the offer of the host;"),
        ("3", "Requests the working group:"),
    ]


def test_a_friendly_deletion_removes_the_clause_and_its_sub_clauses(room, ids):
    a = propose(room, room.jonas, ids[2], "delete", reason="covered elsewhere")
    room.act(room.amina, "amendment:accept", {"amendment_id": a.ack["amendment"]["id"]})
    assert [n for n, _ in numbered(room)] == ["", "1", "2"]


def test_a_deletion_with_a_malformed_new_text_is_refused_and_proposes_nothing(room, ids):
    out = propose(room, room.jonas, ids[2], "delete", new_text=12, reason="covered elsewhere")
    assert out.ack["error"]["code"] == "invalid"
    assert "new text must be a text" in out.ack["error"]["message"]
    assert room.fresh()["amendments"] == []
    # a text typed before choosing "delete" is let go: the deletion proposes none
    out = propose(room, room.jonas, ids[2], "delete", new_text="typed first", reason="r")
    assert out.ack["ok"] and out.ack["amendment"]["new_text"] == ""


def test_a_sponsor_refuses_and_it_must_go_to_the_vote(room, ids):
    a = propose(room, room.jonas, ids[1], new_text="Decides to establish an expert group;")
    aid = a.ack["amendment"]["id"]
    out = room.act(room.jonas, "amendment:refuse", {"amendment_id": aid})
    assert out.ack["error"]["code"] == "forbidden"  # not a sponsor
    out = room.act(room.amina, "amendment:refuse", {"amendment_id": aid})
    assert out.ack["amendment"]["refused_by"] == [room.amina.participant_id]
    assert out.ack["amendment"]["status"] == "pending"
    [told] = room.press.received("amendment:changed")
    assert told["event"] == "refused"
    out = room.act(room.amina, "amendment:accept", {"amendment_id": aid})
    assert out.ack["error"]["code"] == "conflict" and not any(out.seen.values())


def test_the_proposer_withdraws_and_amendments_to_it_lapse(room, ids):
    a = propose(room, room.jonas, ids[1], new_text="Decides to establish an expert group;")
    aid = a.ack["amendment"]["id"]
    sub = propose(
        room,
        room.amina,
        ids[1],
        "amend_amendment",
        "Decides to establish a large expert group;",
        target_amendment_id=aid,
    ).ack["amendment"]
    out = room.act(room.amina, "amendment:withdraw", {"amendment_id": aid})
    assert out.ack["error"]["code"] == "forbidden"  # not the proposer
    out = room.act(room.jonas, "amendment:withdraw", {"amendment_id": aid})
    assert out.ack["amendment"]["status"] == "withdrawn"
    told = {m["amendment"]["id"]: m for m in room.press.received("amendment:changed")}
    assert (told[aid]["event"], told[sub["id"]]["amendment"]["status"]) == ("withdrawn", "lapsed")
    assert numbered(room)[1] == ("1", TEXT)


def test_an_amendment_to_an_amendment_accepted_rewrites_it(room, ids):
    a = propose(room, room.jonas, ids[1], new_text="Decides to establish an expert group;")
    aid = a.ack["amendment"]["id"]
    sub = propose(
        room,
        room.chair,
        ids[1],
        "amend_amendment",
        "Decides to establish a large expert group;",
        target_amendment_id=aid,
    ).ack["amendment"]
    room.act(room.amina, "amendment:accept", {"amendment_id": sub["id"]})
    kept = room.press.mirror.amendments
    assert kept[sub["id"]]["status"] == "friendly"
    assert kept[aid]["new_text"] == "Decides to establish a large expert group;"
    assert kept[aid]["status"] == "pending"
    assert numbered(room)[1] == ("1", TEXT)
