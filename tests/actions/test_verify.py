"""The checker itself: it must fail when the room is told wrong, or not at all."""

from __future__ import annotations

from .verify import DraftMirror, message_problems


def test_a_payload_is_held_to_the_keys_the_protocol_documents():
    good = {"draft_id": 1, "before": "drafting", "after": "formal"}
    assert message_problems("draft:mode", good) == []
    assert message_problems("draft:mode", {**good, "reason": "vote on the whole"}) == []
    assert message_problems("draft:mode", {**good, "secret": 1}) == [
        "draft:mode: undocumented keys: ['secret']"
    ]
    assert message_problems("draft:mode", {"draft_id": 1, "after": "formal"}) == [
        "draft:mode: documented keys missing: ['before']"
    ]
    assert message_problems("draft:renamed", {}) == [
        "`draft:renamed` is not in the server-to-client table of docs/protocol.md"
    ]


def test_nested_shapes_are_checked_too():
    poll = {"id": 1, "state": "open"}
    [problem] = message_problems("poll:opened", {"draft_id": 1, "poll": poll})
    assert problem.startswith("poll:opened.poll: documented keys missing: ['cast', 'draft_id'")
    edits = {"draft_id": 1, "edits": [{"draft_id": 1, "clause_id": 2}]}
    [problem] = message_problems("clauses:edited", edits)
    assert problem.startswith("clauses:edited.edits[0]: documented keys missing: ['author_id'")


def test_a_gap_in_a_clause_s_versions_is_reported(room, ids):
    kept = DraftMirror(room.fresh(), [])
    edit = {"draft_id": room.draft_id, "clause_id": ids[1], "version": 3, "base_version": 2}
    kept.apply("clause:edited", {**edit, "delta": "=37"})
    assert kept.problems == [
        f"clause {ids[1]}: an edit from version 2 arrived while this client is at 1 (a gap)"
    ]


def test_a_change_the_room_was_not_told_of_is_caught(room, actions, ids):
    # the `actions` fixture has no fan-out: the change is stored, nobody is told
    actions.replace_text(None, ids[1], "Changed behind the room's back;")
    problems = room.compare()
    assert len(problems) == 4  # every delegate's, the chair's and the observer's copy
    assert all("clauses: kept" in p and "Changed behind" in p for p in problems)
