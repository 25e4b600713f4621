"""A clause's history as a person reads it: sessions, diffs, and restoring an earlier version
as a new change, through every door."""

from __future__ import annotations

import pytest

from drafting.errors import Forbidden, Invalid, NotFound

from .test_edits import edit, text_of

TEXT = "Decides to establish a working group;"


def type_into(room, who, cid, *texts):
    """`who` types `texts` one after another, each edit on the version the last one made."""
    for new in texts:
        current = room.app.extensions["drafting"]["actions"].store.clause(cid)
        out = room.act(who, "edit", edit(cid, current.version, current.text, new))
        assert out.ok, out.ack


def reasons(room, who, cid):
    return [
        (v["version"], v["reason"])
        for v in room.act(who, "history", {"clause_id": cid}).ack["versions"]
    ]


def test_history_groups_typing_into_sessions_of_one_author(room, ids):
    cid = ids[1]
    type_into(room, room.amina, cid, "Decides to establish a small working group;")
    type_into(room, room.amina, cid, "Decides to establish a small working group at once;")
    type_into(room, room.jonas, cid, "Decides to establish a small expert group at once;")
    type_into(room, room.amina, cid, "Decides to establish a small expert group now;")
    # Jonas proposes, the sponsor (Amina) accepts: adopted as friendly, between her edits
    proposed = room.act(
        room.jonas,
        "amendment:propose",
        {"clause_id": cid, "kind": "replace", "new_text": "Decides to establish a group now;"},
    )
    am = proposed.ack["amendment"]
    room.act(room.amina, "amendment:accept", {"amendment_id": am["id"]})
    type_into(room, room.amina, cid, "Decides to establish a group now, in Geneva;")
    out = room.act(room.press, "history", {"clause_id": cid})
    assert len(out.ack["versions"]) == 7
    assert [
        (s["first"], s["last"], s["versions"], s["actor"], s["delegation"], s["reason"])
        for s in out.ack["sessions"]
    ] == [
        (1, 1, 1, "secretariat", "", "created"),
        (2, 3, 2, "Amina", "Morocco", "edit"),
        (4, 4, 1, "Jonas", "Germany", "edit"),
        (5, 5, 1, "Amina", "Morocco", "edit"),
        (6, 6, 1, "Amina", "Morocco", f"friendly amendment #{am['number']}"),
        (7, 7, 1, "Amina", "Morocco", "edit"),
    ]
    amina_session = out.ack["sessions"][1]
    assert amina_session["actor_id"] == room.amina.participant_id
    versions = {v["version"]: v for v in out.ack["versions"]}
    assert (amina_session["start"], amina_session["end"]) == (versions[2]["at"], versions[3]["at"])
    # the HTTP door answers the same
    assert room.get(room.press, f"/api/clauses/{cid}/history") == {
        "versions": out.ack["versions"],
        "sessions": out.ack["sessions"],
    }


def test_a_pause_of_more_than_a_minute_ends_a_session(room, ids, actions):
    cid = ids[1]
    type_into(room, room.amina, cid, "Decides to establish a small working group;")
    type_into(room, room.amina, cid, "Decides to establish a small working group soon;")
    # she stopped for two minutes before her second edit
    actions.store.db.execute(
        "update clause_versions set at = strftime('%Y-%m-%dT%H:%M:%fZ', at, '-120 seconds')"
        " where clause_id = ? and version <= 2",
        [cid],
    )
    type_into(room, room.amina, cid, "Decides to establish a small working group very soon;")
    sessions = actions.history(None, cid)["sessions"]
    assert [(s["first"], s["last"], s["actor"]) for s in sessions] == [
        (1, 1, "secretariat"),
        (2, 2, "Amina"),
        (3, 4, "Amina"),
    ]


def test_restoring_a_version_is_a_new_change_the_room_hears(room, ids):
    cid = ids[1]
    type_into(room, room.amina, cid, "Decides to establish a small working group;")
    type_into(room, room.jonas, cid, "Decides to establish no working group;")
    out = room.act(room.amina, "clause:restore", {"clause_id": cid, "version": 2})
    assert out.ack == {
        "ok": True,
        "clause": {"id": cid, "version": 4, "text": "Decides to establish a small working group;"},
    }
    # everyone in the room is told, the restorer's own connection too (it has no delta)
    for who in ("amina", "jonas", "chair", "press"):
        [told] = room.people[who].received("clause:edited")
        assert (told["version"], told["reason"]) == (4, "restored version 2")
        assert told["author_id"] == room.amina.participant_id
    assert text_of(room, cid) == "Decides to establish a small working group;"
    assert reasons(room, room.press, cid)[-1] == (4, "restored version 2")
    # undone by restoring the version before it
    out = room.act(room.jonas, "clause:restore", {"clause_id": cid, "version": 3})
    assert out.ack["clause"]["version"] == 5
    assert text_of(room, cid) == "Decides to establish no working group;"
    # journaled: the record lists restores, which are not keystrokes
    events = room.app.extensions["drafting"]["actions"].record(None, room.draft_id)["events"]
    restores = [e["data"] for e in events if e["type"] == "clause.edited"]
    assert [(e["reason"], e["restores"]) for e in restores] == [
        ("restored version 2", 2),
        ("restored version 3", 3),
    ]


def test_restore_over_http(room, ids):
    cid = ids[4]
    room.act(room.jonas, "edit", edit(cid, 1, "to consult the regions;", "to consult all regions;"))
    out = room.http(room.jonas, "POST", f"/api/clauses/{cid}/restore", {"version": 1})
    assert out.status == 200
    assert (out.ack["id"], out.ack["version"], out.ack["text"], out.ack["ref"]) == (
        cid,
        3,
        "to consult the regions;",
        "2(b)",
    )
    for who in ("amina", "jonas", "chair", "press"):
        [told] = room.people[who].received("clause:edited")
        assert told["reason"] == "restored version 1"


def test_restoring_the_text_the_clause_has_changes_nothing(room, ids):
    cid = ids[1]
    type_into(room, room.amina, cid, "Decides to establish a small working group;", TEXT)
    out = room.act(room.amina, "clause:restore", {"clause_id": cid, "version": 1})
    assert out.ack["clause"] == {"id": cid, "version": 3, "text": TEXT}
    assert not any(out.seen.values())
    assert reasons(room, room.amina, cid)[-1] == (3, "edit")


def test_a_restore_is_refused_when_it_cannot_be_made(room, ids, actions, conference, draft):
    cid = ids[1]
    type_into(room, room.amina, cid, "Decides to establish a small working group;")

    def refused(who, payload, code, match):
        out = room.act(who, "clause:restore", payload)
        assert out.ack["error"]["code"] == code, out.ack
        assert match in out.ack["error"]["message"]
        assert not any(out.seen.values())

    refused(room.amina, {"clause_id": cid, "version": 3}, "not_found", "no version 3")
    refused(room.amina, {"clause_id": cid, "version": 0}, "not_found", "versions are 1 to 2")
    refused(room.amina, {"clause_id": cid, "version": "one"}, "invalid", "whole number")
    refused(room.amina, {"clause_id": cid}, "invalid", "whole number")
    refused(room.amina, {"clause_id": 99999, "version": 1}, "not_found", "no clause")
    refused(room.press, {"clause_id": cid, "version": 1}, "forbidden", "Observers")
    out = room.http(room.press, "POST", f"/api/clauses/{cid}/restore", {"version": 1})
    assert out.status == 403
    # another clause's versions are not this one's: clause 3 has only version 1
    with pytest.raises(NotFound, match="no version 2"):
        actions.restore(conference["delegates"][0], ids[2], 2)
    with pytest.raises(Forbidden):
        actions.restore(conference["observer"], cid, 1)
    # in formal mode the text changes only through amendments
    room.act(room.chair, "mode:set", {"draft_id": draft.id, "mode": "formal"})
    refused(room.amina, {"clause_id": cid, "version": 1}, "conflict", "formal mode")
    assert text_of(room, cid) == "Decides to establish a small working group;"
    assert reasons(room, room.press, cid) == [(1, "created"), (2, "edit")]


def test_a_restore_carries_open_amendments_onto_the_text(room, ids):
    cid = ids[1]
    type_into(room, room.amina, cid, "Decides to establish a small working group;")
    new_text = "Decides to establish a small working group today;"
    proposed = room.act(
        room.jonas, "amendment:propose", {"clause_id": cid, "kind": "replace", "new_text": new_text}
    )
    am = proposed.ack["amendment"]
    out = room.act(room.amina, "clause:restore", {"clause_id": cid, "version": 1})
    assert out.ack["clause"]["text"] == TEXT
    [changed] = room.chair.received("amendment:changed")
    assert changed["amendment"]["id"] == am["id"]
    assert changed["amendment"]["new_text"] == "Decides to establish a working group today;"


def test_an_edit_marked_restores_is_journaled_as_a_restore(room, ids):
    cid = ids[1]
    small = "Decides to establish a small working group;"
    type_into(room, room.amina, cid, small)
    # the browser restores version 1 as a local change: an ordinary edit, marked
    payload = {**edit(cid, 2, small, TEXT, "amina-restore-1"), "restores": 1}
    out = room.act(room.amina, "edit", payload)
    assert (out.ack["version"], out.ack["delta"]) == (3, f"={len(TEXT)}")
    assert room.amina.received("clause:edited") == []  # it has its acknowledgement
    for who in ("jonas", "chair", "press"):
        [told] = room.people[who].received("clause:edited")
        assert (told["version"], told["reason"]) == (3, "restored version 1")
    assert reasons(room, room.press, cid)[-1] == (3, "restored version 1")


def test_an_edit_marked_restores_is_rebased_like_any_edit(room, ids):
    cid = ids[1]
    small = "Decides to establish a small working group;"
    type_into(room, room.amina, cid, small)
    # Jonas adds words at the end while Amina restores version 1 from version 2
    later = "Decides to establish a small working group, at once;"
    room.act(room.jonas, "edit", edit(cid, 2, small, later))
    out = room.act(room.amina, "edit", {**edit(cid, 2, small, TEXT), "restores": 1})
    assert out.ack["version"] == 4
    assert text_of(room, cid) == "Decides to establish a working group, at once;"
    assert reasons(room, room.press, cid)[-2:] == [(3, "edit"), (4, "restored version 1")]


@pytest.mark.parametrize(
    ("restores", "match"),
    [
        (3, "restores version 3"),
        (0, "restores version 0"),
        ("one", "whole number"),
        (True, "whole number"),
    ],
)
def test_an_edit_restoring_no_version_of_the_clause_is_refused(room, ids, restores, match):
    cid = ids[1]
    small = "Decides to establish a small working group;"
    type_into(room, room.amina, cid, small)
    out = room.act(room.amina, "edit", {**edit(cid, 2, small, TEXT), "restores": restores})
    assert out.ack["error"]["code"] == "invalid"
    assert match in out.ack["error"]["message"]
    assert not any(out.seen.values())
    assert text_of(room, cid) == small


def test_the_difference_between_two_versions(room, ids, actions):
    cid = ids[1]
    type_into(room, room.amina, cid, "Decides to establish a small working group;")
    type_into(room, room.amina, cid, "Decides to establish a small expert group;")
    got = room.get(room.press, f"/api/clauses/{cid}/diff?from=1&to=2")
    assert got == {
        "from": 1,
        "to": 2,
        "changes": [
            ["equal", "Decides to establish a "],
            ["insert", "small "],
            ["equal", "working group;"],
        ],
    }
    now = room.get(room.press, f"/api/clauses/{cid}/diff?from=1")  # to the current version
    assert (now["from"], now["to"]) == (1, 3)
    assert "".join(t for op, t in now["changes"] if op != "delete") == (
        "Decides to establish a small expert group;"
    )
    assert "".join(t for op, t in now["changes"] if op != "insert") == TEXT
    with pytest.raises(NotFound, match="no version 9"):
        actions.diff(None, cid, 1, 9)
    with pytest.raises(Invalid, match="whole number"):
        actions.diff(None, cid, None)
    r = room.http_client.get(
        f"/api/clauses/{cid}/diff?from=7", headers={"Authorization": f"Bearer {room.press.token}"}
    )
    assert r.status_code == 404 and "no version 7" in r.get_json()["error"]["message"]
