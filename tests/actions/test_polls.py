"""Polls: opened on an amendment, a clause or the whole draft; ballots; the decision."""

from __future__ import annotations

import pytest

from .verify import flatten

TEXT = "Decides to establish a working group;"
NEW = "Decides to establish an expert group;"


def numbered(room):
    return [(c["number"], c["text"], c["status"]) for c in flatten(room.fresh()["clauses"])]


def formal(room):
    out = room.act(room.chair, "mode:set", {"draft_id": room.draft_id, "mode": "formal"})
    assert out.ok, out.ack


def open_poll(room, subject_type, subject_id, **more):
    payload = {"draft_id": room.draft_id, "subject_type": subject_type, "subject_id": subject_id}
    out = room.act(room.chair, "poll:open", {**payload, **more})
    assert out.ok, out.ack
    return out.ack["poll"]


def vote(room, who, poll, choice, **more):
    out = room.act(
        who, "poll:vote", {"poll_id": poll["id"], "choice": choice, **more}, also=("poll:tally",)
    )
    assert out.ok, out.ack
    return out


def close(room, poll):
    out = room.act(room.chair, "poll:close", {"poll_id": poll["id"]})
    assert out.ok, out.ack
    return out


def amendment_poll(room, ids):
    a = room.act(
        room.jonas, "amendment:propose", {"clause_id": ids[1], "kind": "replace", "new_text": NEW}
    ).ack["amendment"]
    formal(room)
    return a, open_poll(room, "amendment", a["id"], rule="simple")


def test_a_vote_on_an_amendment_is_announced_and_the_amendment_is_being_voted_on(room, ids):
    a, poll = amendment_poll(room, ids)
    for who in ("amina", "jonas", "chair", "press"):
        [opened] = room.people[who].received("poll:opened")
        assert opened["poll"]["subject"]["amendment"]["id"] == a["id"]
    assert room.press.mirror.amendments[a["id"]]["status"] == "voting"
    # which is why its proposer's screen no longer offers to withdraw it
    out = room.act(room.jonas, "amendment:withdraw", {"amendment_id": a["id"]})
    assert "too late to withdraw" in out.ack["error"]["message"]


def test_an_amendment_adopted_by_vote_changes_the_text(room, ids):
    a, poll = amendment_poll(room, ids)
    vote(room, room.amina, poll, "yes")
    vote(room, room.jonas, poll, "yes")
    out = close(room, poll)
    result = out.ack["poll"]["result"]
    assert (result["outcome"], result["yes"], result["no"]) == ("adopted", 2, 0)
    [closed] = room.press.received("poll:closed")
    assert closed["poll"]["result"]["outcome"] == "adopted"
    [edited] = room.press.received("clause:edited")
    assert edited["reason"] == "amendment #1"
    assert room.press.mirror.amendments[a["id"]]["status"] == "adopted"
    assert numbered(room)[1] == ("1", NEW, "active")


def test_an_amendment_rejected_by_vote_leaves_the_text(room, ids):
    a, poll = amendment_poll(room, ids)
    vote(room, room.amina, poll, "no")
    vote(room, room.jonas, poll, "abstain")
    out = close(room, poll)
    assert out.ack["poll"]["result"]["outcome"] == "rejected"
    assert room.press.received("clause:edited") == []
    assert room.press.mirror.amendments[a["id"]]["status"] == "rejected"
    assert numbered(room)[1] == ("1", TEXT, "active")


def test_ballots_are_counted_live_and_named_in_a_recorded_poll(room, ids):
    formal(room)
    poll = open_poll(room, "clause", ids[1], kind="recorded")
    out = vote(room, room.amina, poll, "no")
    assert out.ack == {"ok": True, "poll_id": poll["id"], "choice": "no", "cast": 1}
    vote(room, room.jonas, poll, "yes")
    vote(room, room.amina, poll, "yes")  # a second ballot replaces the first
    kept = room.press.mirror.poll
    assert kept["cast"] == 2
    assert (kept["tally"]["yes"], kept["tally"]["no"]) == (2, 0)
    assert {v["delegation"]: v["choice"] for v in kept["tally"]["votes"]} == {
        "Morocco": "yes",
        "Germany": "yes",
    }


def test_who_may_not_vote_is_told_and_nothing_changes(room, ids):
    formal(room)
    poll = open_poll(room, "clause", ids[1])
    for who, code in ((room.chair, "forbidden"), (room.press, "forbidden")):
        out = room.act(who, "poll:vote", {"poll_id": poll["id"], "choice": "yes"})
        assert out.ack["error"]["code"] == code
        assert not any(out.seen.values())
    out = room.act(room.amina, "poll:close", {"poll_id": poll["id"]})
    assert out.ack["error"]["code"] == "forbidden"
    assert room.fresh()["poll"]["cast"] == 0


def test_a_clause_adopted_by_vote(room, ids):
    formal(room)
    poll = open_poll(room, "clause", ids[5])
    vote(room, room.amina, poll, "yes")
    out = close(room, poll)
    assert out.ack["poll"]["result"]["outcome"] == "adopted"
    assert room.press.received("draft:outline")
    assert numbered(room)[-1] == ("3", "Decides to remain seized of the matter.", "adopted")


def test_a_clause_rejected_by_vote_leaves_the_text(room, ids):
    formal(room)
    poll = open_poll(room, "clause", ids[1])
    vote(room, room.amina, poll, "no")
    vote(room, room.jonas, poll, "no")
    close(room, poll)
    assert [(n, t) for n, t, _ in numbered(room)] == [
        ("", "Recalling its earlier resolutions,"),
        ("1", "Requests the working group:"),
        ("(a)", "to report within one year;"),
        ("(b)", "to consult the regions;"),
        ("2", "Decides to remain seized of the matter."),
    ]


def test_the_draft_adopted_as_a_whole(room, ids):
    formal(room)
    poll = open_poll(room, "draft", room.draft_id, rule="two_thirds")
    vote(room, room.amina, poll, "yes")
    vote(room, room.jonas, poll, "yes")
    close(room, poll)
    for who in ("press", "lobby"):
        [mode] = room.people[who].received("draft:mode")
        assert (mode["before"], mode["after"]) == ("formal", "adopted")
    # an adopted draft is final
    out = room.act(room.chair, "mode:set", {"draft_id": room.draft_id, "mode": "drafting"})
    assert out.ack["error"]["code"] == "conflict"


def test_the_draft_rejected_as_a_whole(room, ids):
    formal(room)
    poll = open_poll(room, "draft", room.draft_id, rule="two_thirds")
    vote(room, room.amina, poll, "yes")
    vote(room, room.jonas, poll, "no")
    out = close(room, poll)
    assert out.ack["poll"]["result"]["outcome"] == "rejected"
    assert room.lobby.lobby.drafts[room.draft_id]["status"] == "rejected"


def test_a_secret_ballot_shows_only_the_count(room, ids):
    formal(room)
    poll = open_poll(room, "clause", ids[1], kind="secret")
    first = vote(room, room.amina, poll, "no").ack
    assert first["receipt"]
    [tally] = room.press.received("poll:tally")
    assert tally == {
        "draft_id": room.draft_id,
        "poll_id": poll["id"],
        "cast": 1,
        "present": 2,  # Morocco and Germany are in the room; the chair and press are no members
        "quorum": 2,
        "quorate": True,
    }
    # changing a secret ballot needs its receipt
    out = room.act(room.amina, "poll:vote", {"poll_id": poll["id"], "choice": "yes"})
    assert out.ack["error"]["code"] == "conflict" and "receipt" in out.ack["error"]["message"]
    # a changed secret ballot tells no one: the count of who voted stays as it was
    changed = room.act(
        room.amina,
        "poll:vote",
        {"poll_id": poll["id"], "choice": "yes", "receipt": first["receipt"]},
    )
    assert changed.ok and changed.ack["cast"] == 1
    assert not any(changed.seen.values())
    vote(room, room.jonas, poll, "yes")
    result = close(room, poll).ack["poll"]["result"]
    assert (result["yes"], result["no"], result["cast"]) == (2, 0, 2)
    assert "votes" not in result


def test_a_deletion_adopted_by_vote_lapses_the_amendments_to_what_went(room, ids):
    propose = "amendment:propose"
    sub = room.act(
        room.amina,
        propose,
        {"clause_id": ids[3], "kind": "replace", "new_text": "to report within six months;"},
    ).ack["amendment"]
    deletion = room.act(room.jonas, propose, {"clause_id": ids[2], "kind": "delete"})
    formal(room)
    poll = open_poll(room, "amendment", deletion.ack["amendment"]["id"])
    vote(room, room.amina, poll, "yes")
    vote(room, room.jonas, poll, "yes")
    close(room, poll)
    assert room.press.mirror.amendments[sub["id"]]["status"] == "lapsed"
    assert [n for n, _, _ in numbered(room)] == ["", "1", "2"]


def test_an_insertion_adopted_by_vote(room, ids):
    payload = {"clause_id": ids[5], "kind": "insert_after", "new_text": "Decides to meet again;"}
    a = room.act(room.jonas, "amendment:propose", payload).ack["amendment"]
    formal(room)
    poll = open_poll(room, "amendment", a["id"])
    vote(room, room.amina, poll, "yes")
    close(room, poll)
    assert numbered(room)[-2:] == [
        ("3", "Decides to remain seized of the matter.", "active"),
        ("4", "Decides to meet again;", "active"),
    ]


def test_a_server_restart_during_a_secret_ballot_loses_its_ballots_and_says_so(
    actions, conference, draft, ids
):
    """Secret ballots live in the server's memory until the vote closes (so that no file can
    link them to a voter): a restart in between loses them. Closing then is refused with what
    to do, nothing is counted, and the question can be put again."""
    from drafting.actions import Actions
    from drafting.errors import Conflict

    chair = conference["chair"]
    amina, jonas = conference["delegates"][:2]
    for who in (amina, jonas):
        actions.set_present(who, True)
    actions.set_mode(chair, draft.id, "formal")
    poll = actions.open_poll(chair, draft.id, "clause", ids[1], "simple", "secret")
    actions.vote(amina, poll.id, "yes")
    restarted = Actions(actions.store)
    with pytest.raises(Conflict, match="restarted since. Suspend this vote"):
        restarted.close_poll(chair, poll.id)
    with pytest.raises(Conflict, match="lost"):
        restarted.vote(jonas, poll.id, "no")
    assert restarted.store.poll(poll.id).state == "open"  # nothing was decided
    restarted.suspend_poll(chair, poll.id)
    again = restarted.open_poll(chair, draft.id, "clause", ids[1], "simple", "secret")
    restarted.vote(amina, again.id, "no")
    restarted.vote(jonas, again.id, "no")
    result = restarted.close_poll(chair, again.id).result
    assert result is not None and (result["yes"], result["no"]) == (0, 2)


def test_a_secret_ballot_whose_write_fails_is_not_in_the_box(
    actions, conference, draft, ids, monkeypatch
):
    """The disk fills while a delegate votes: the vote is refused and nothing of it stays,
    not even in the ballot box in memory. Voting again then counts once, not twice."""
    import sqlite3

    from drafting.errors import StoreUnavailable

    chair = conference["chair"]
    amina, jonas = conference["delegates"][:2]
    for who in (amina, jonas):
        actions.set_present(who, True)
    actions.set_mode(chair, draft.id, "formal")
    poll = actions.open_poll(chair, draft.id, "clause", ids[1], "simple", "secret")
    append = actions.store.append

    def full_disk(event):
        if event.type == "poll.ballot":
            raise sqlite3.OperationalError("database or disk is full")
        return append(event)

    monkeypatch.setattr(actions.store, "append", full_disk)
    with pytest.raises(StoreUnavailable, match="free some space"):
        actions.vote(amina, poll.id, "yes")
    monkeypatch.setattr(actions.store, "append", append)
    assert actions.store.cast_count(actions.store.poll(poll.id)) == 0
    actions.vote(amina, poll.id, "yes")
    actions.vote(jonas, poll.id, "no")
    result = actions.close_poll(chair, poll.id).result
    assert result is not None and (result["yes"], result["no"]) == (1, 1)


def test_a_changed_secret_ballot_whose_write_fails_keeps_the_first_choice(
    actions, conference, draft, ids, monkeypatch
):
    import sqlite3

    from drafting.errors import StoreUnavailable

    chair = conference["chair"]
    amina, jonas = conference["delegates"][:2]
    for who in (amina, jonas):
        actions.set_present(who, True)
    actions.set_mode(chair, draft.id, "formal")
    poll = actions.open_poll(chair, draft.id, "clause", ids[1], "simple", "secret")
    receipt = actions.vote(amina, poll.id, "yes")["receipt"]

    def fail(*_a, **_k):
        raise sqlite3.OperationalError("database or disk is full")

    # a change writes nothing of its own: make the transaction's commit fail
    write = actions.store.write

    from contextlib import contextmanager

    @contextmanager
    def failing_write():
        with write() as db:
            yield db
            fail()

    monkeypatch.setattr(actions.store, "write", failing_write)
    with pytest.raises((StoreUnavailable, sqlite3.OperationalError)):
        actions.vote(amina, poll.id, "no", receipt)
    monkeypatch.setattr(actions.store, "write", write)
    result = actions.close_poll(chair, poll.id).result
    assert result is not None and (result["yes"], result["no"]) == (1, 0)


def test_a_ballot_box_that_does_not_match_who_voted_is_not_counted(actions, conference, draft, ids):
    """One ballot per member marked as having voted, or no count: the chair is told to put
    the question again rather than given a result that might be wrong."""
    from drafting.errors import Conflict

    chair = conference["chair"]
    amina, jonas = conference["delegates"][:2]
    for who in (amina, jonas):
        actions.set_present(who, True)
    actions.set_mode(chair, draft.id, "formal")
    poll = actions.open_poll(chair, draft.id, "clause", ids[1], "simple", "secret")
    actions.vote(amina, poll.id, "yes")
    actions.ballot_boxes.put(poll.id, "stray", ("yes", 1))
    with pytest.raises(Conflict, match="holds 2 ballots but 1 members voted"):
        actions.close_poll(chair, poll.id)
    assert actions.store.poll(poll.id).state == "open"
