"""Drafts and their structure: modes, sponsors, adding, moving and deleting clauses."""

from __future__ import annotations

import pytest

from drafting.errors import Conflict, Invalid

from .verify import flatten


def numbered(clauses):
    """(number, text) in document order, as the delegates read the draft."""
    return [(c["number"], c["text"]) for c in flatten(clauses)]


ORIGINAL = [
    ("", "Recalling its earlier resolutions,"),
    ("1", "Decides to establish a working group;"),
    ("2", "Requests the working group:"),
    ("(a)", "to report within one year;"),
    ("(b)", "to consult the regions;"),
    ("3", "Decides to remain seized of the matter."),
]


def test_adding_a_clause_renumbers_the_ones_after_it(room, ids):
    payload = {"draft_id": room.draft_id, "kind": "operative", "text": "Welcomes the offer;"}
    out = room.act(room.jonas, "clause:add", {**payload, "after_id": ids[1]})
    new = out.ack["clause_id"]
    assert numbered(out.ack["outline"]) == [
        *ORIGINAL[:2],
        ("2", "Welcomes the offer;"),
        ("3", "Requests the working group:"),
        ("(a)", "to report within one year;"),
        ("(b)", "to consult the regions;"),
        ("4", "Decides to remain seized of the matter."),
    ]
    # the author can act on the acknowledgement; everyone, the author too, gets the outline
    assert out.ack["outline"] == room.fresh()["clauses"]
    for who in ("amina", "jonas", "chair", "press"):
        assert room.people[who].names() == ["draft:outline"]
    assert room.press.mirror.clause(new)["version"] == 1


def test_a_sub_clause_added_first_among_its_siblings(room, ids):
    payload = {"draft_id": room.draft_id, "kind": "operative", "text": "to meet monthly;"}
    out = room.act(room.amina, "clause:add", {**payload, "parent_id": ids[2], "after_id": None})
    assert numbered(out.ack["outline"])[2:6] == [
        ("2", "Requests the working group:"),
        ("(a)", "to meet monthly;"),
        ("(b)", "to report within one year;"),
        ("(c)", "to consult the regions;"),
    ]


def test_an_observer_cannot_add_clauses(room, ids):
    payload = {"draft_id": room.draft_id, "kind": "operative", "text": "Leaks;"}
    out = room.act(room.press, "clause:add", payload)
    assert out.ack["error"]["code"] == "forbidden"
    assert not any(out.seen.values())
    assert numbered(room.fresh()["clauses"]) == ORIGINAL


def test_moving_a_clause_up(room, ids):
    out = room.act(room.amina, "clause:move", {"clause_id": ids[5], "after_id": ids[1]})
    assert numbered(out.ack["outline"]) == [
        *ORIGINAL[:2],
        ("2", "Decides to remain seized of the matter."),
        ("3", "Requests the working group:"),
        ("(a)", "to report within one year;"),
        ("(b)", "to consult the regions;"),
    ]
    assert room.jonas.names() == ["draft:outline"]


def test_moving_a_sub_clause_out_to_the_top_level(room, ids):
    out = room.act(room.jonas, "clause:move", {"clause_id": ids[4], "after_id": ids[5]})
    assert numbered(out.ack["outline"])[-3:] == [
        ("(a)", "to report within one year;"),
        ("3", "Decides to remain seized of the matter."),
        ("4", "to consult the regions;"),
    ]


def test_a_clause_cannot_move_into_itself(room, ids):
    out = room.act(room.jonas, "clause:move", {"clause_id": ids[2], "parent_id": ids[3]})
    assert out.ack["error"]["code"] == "invalid"
    assert not any(out.seen.values())
    assert numbered(room.fresh()["clauses"]) == ORIGINAL


def test_deleting_a_clause_deletes_its_sub_clauses(room, ids):
    out = room.act(room.jonas, "clause:delete", {"clause_id": ids[2]})
    assert out.ack["deleted"] == [ids[2], ids[3], ids[4]]
    assert numbered(out.ack["outline"]) == [
        *ORIGINAL[:2],
        ("2", "Decides to remain seized of the matter."),
    ]
    assert room.press.names() == ["draft:outline"]


def test_formal_mode_is_announced_to_the_room_and_the_conference(room, ids):
    out = room.act(room.chair, "mode:set", {"draft_id": room.draft_id, "mode": "formal"})
    assert out.ack["draft"]["status"] == "formal"
    for who in ("amina", "press", "lobby"):
        [told] = room.people[who].received("draft:mode")
        assert (told["before"], told["after"]) == ("drafting", "formal")
    # and in formal mode the text is frozen: structure changes are refused, and say so
    payload = {"draft_id": room.draft_id, "kind": "operative", "text": "Late;"}
    out = room.act(room.amina, "clause:add", payload)
    assert out.ack["error"]["code"] == "conflict"
    assert not any(out.seen.values())


def test_only_the_chair_sets_the_mode(room):
    out = room.act(room.amina, "mode:set", {"draft_id": room.draft_id, "mode": "formal"})
    assert out.ack["error"]["code"] == "forbidden"
    assert not any(out.seen.values())
    assert room.fresh()["status"] == "drafting"


def test_withdrawing_the_draft(room):
    out = room.http(room.chair, "POST", f"/api/drafts/{room.draft_id}/mode", {"mode": "withdrawn"})
    assert out.ack["status"] == "withdrawn"
    assert [m["after"] for m in room.lobby.received("draft:mode")] == ["withdrawn"]


def test_sponsors_are_announced(room, conference):
    amina, jonas = conference["delegates"]
    path = f"/api/drafts/{room.draft_id}/sponsors"
    out = room.http(room.chair, "PUT", path, {"sponsors": [amina.id, jonas.id]})
    assert out.ack["sponsors"] == [amina.id, jonas.id]
    [told] = room.press.received("draft:sponsors")
    assert (told["before"], told["after"]) == ([amina.id], [amina.id, jonas.id])


def test_an_observer_cannot_sponsor(room, conference):
    path = f"/api/drafts/{room.draft_id}/sponsors"
    out = room.http(room.chair, "PUT", path, {"sponsors": [conference["observer"].id]})
    assert out.status == 400
    assert not any(out.seen.values())


def test_a_new_draft_is_announced_to_the_conference(room):
    path = f"/api/conferences/{room.conference_id}/drafts"
    out = room.http(room.chair, "POST", path, {"text": "On air\n\n1. Decides to breathe;\n"})
    assert out.status == 201
    [told] = room.lobby.received("draft:created")
    assert told == {"draft_id": out.ack["id"], "title": "On air"}
    assert not room.press.seen  # another draft's room


# --- the actions themselves, without sockets ------------------------------------------------


def test_move_clause_renumbers_and_journals_where_from(actions, draft, ids):
    changed = actions.move_clause(None, ids[1], None, ids[5])
    assert ids[1] in {c.id for c in changed}
    assert numbered(actions.draft_view(None, draft.id)["clauses"]) == [
        ORIGINAL[0],
        ("1", "Requests the working group:"),
        ("(a)", "to report within one year;"),
        ("(b)", "to consult the regions;"),
        ("2", "Decides to remain seized of the matter."),
        ("3", "Decides to establish a working group;"),
    ]
    [moved] = [e for e in actions.store.journal(draft_id=draft.id) if e.type == "clause.moved"]
    assert moved.clause_id == ids[1]
    assert moved.data["before"] == {"parent_id": None, "position": 1}
    assert moved.data["after"]["parent_id"] is None


def test_move_clause_into_a_clause_makes_it_a_sub_clause(actions, draft, ids):
    actions.move_clause(None, ids[5], ids[2], ids[4])
    view = actions.draft_view(None, draft.id)
    assert numbered(view["clauses"])[-3:] == [
        ("(a)", "to report within one year;"),
        ("(b)", "to consult the regions;"),
        ("(c)", "Decides to remain seized of the matter."),
    ]


def test_move_clause_refuses_what_cannot_be(actions, conference, draft, ids):
    with pytest.raises(Invalid):
        actions.move_clause(None, ids[2], ids[4], None)  # into its own sub-clause
    actions.set_mode(None, draft.id, "formal")
    with pytest.raises(Conflict, match="formal"):
        actions.move_clause(conference["delegates"][0], ids[5], None, None)
    assert numbered(actions.draft_view(None, draft.id)["clauses"]) == ORIGINAL
