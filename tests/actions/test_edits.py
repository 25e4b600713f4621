"""A clause's text: live edits (exact, merged, resent) and whole-text edits."""

from __future__ import annotations

import pytest

from drafting import textsync
from drafting.actions import MAX_REBASE_VERSIONS, Behind
from drafting.errors import Conflict, Forbidden, Invalid

from .verify import flatten

TEXT = "Decides to establish a working group;"


def edit(cid, base_version, old, new, edit_id=None):
    payload = {
        "clause_id": cid,
        "base_version": base_version,
        "delta": textsync.make_delta(old, new),
    }
    if edit_id:
        payload["edit_id"] = edit_id
    return payload


def edits_seen(person):
    """The (clause, version) of every edit a connection received, in the order received."""
    out = []
    for name, m in person.seen:
        for e in m["edits"] if name == "clauses:edited" else [m] if name == "clause:edited" else []:
            out.append((e["clause_id"], e["version"]))
    return out


def text_of(room, cid):
    return next(c["text"] for c in flatten(room.fresh()["clauses"]) if c["id"] == cid)


def test_an_exact_edit_reaches_everyone_but_its_author(room, ids):
    new = "Decides to establish a small working group;"
    out = room.act(room.amina, "edit", edit(ids[1], 1, TEXT, new, "amina-0001"))
    assert out.ack == {"ok": True, "clause_id": ids[1], "version": 2, "delta": f"={len(new)}"}
    for who in ("jonas", "chair", "press"):
        [told] = room.people[who].received("clause:edited")
        assert (told["base_version"], told["version"], told["reason"]) == (1, 2, "edit")
        assert told["author_id"] == room.amina.participant_id
    assert room.amina.seen == [] and room.lobby.seen == []
    assert text_of(room, ids[1]) == new


def test_an_edit_of_an_older_version_is_merged(room, ids):
    mine = "Decides to establish a small working group;"
    room.act(room.amina, "edit", edit(ids[1], 1, TEXT, mine, "amina-0001"))
    # Jonas typed on version 1 before Amina's edit reached him
    theirs = "Decides to establish a working group at once;"
    out = room.act(room.jonas, "edit", edit(ids[1], 1, TEXT, theirs, "jonas-0001"))
    merged = "Decides to establish a small working group at once;"
    assert out.ack["version"] == 3
    assert out.ack["delta"] != f"={len(theirs)}"  # not as sent: Amina's word came in
    assert textsync.apply_delta(theirs, out.ack["delta"]) == merged
    [told] = room.amina.received("clause:edited")
    assert (told["base_version"], told["version"]) == (2, 3)
    assert text_of(room, ids[1]) == room.amina.mirror.clause(ids[1])["text"] == merged


def test_an_edit_sent_again_is_applied_once(room, ids):
    new = "Decides to establish a working group now;"
    first = edit(ids[1], 1, TEXT, new, "amina-0001")
    room.act(room.amina, "edit", first)
    out = room.act(room.amina, "edit", first)  # a reconnect resends the edit in flight
    assert (out.ack["version"], out.ack["delta"]) == (2, f"={len(new)}")
    assert not any(out.seen.values())
    assert text_of(room, ids[1]) == new
    # once more after Jonas's edit: acknowledged with the way to the text as it now stands
    now = "Jonas: " + new
    room.act(room.jonas, "edit", edit(ids[1], 2, new, now))
    out = room.act(room.amina, "edit", first)
    assert out.ack["version"] == 3
    assert textsync.apply_delta(new, out.ack["delta"]) == now
    assert not any(out.seen.values())
    assert text_of(room, ids[1]).count("now") == 1


def test_a_burst_of_edits_reaches_each_reader_once_and_in_order(room, ids):
    a1 = "Decides to establish a small working group;"
    a2 = "Decides to establish a small working group of experts;"
    last = "Decides to remain seized of the matter."
    j1 = "Decides to remain actively seized of the matter."
    out = room.acts(
        [
            (room.amina, "edit", edit(ids[1], 1, TEXT, a1)),
            (room.jonas, "edit", edit(ids[5], 1, last, j1)),
            (room.amina, "edit", edit(ids[1], 2, a1, a2)),
        ]
    )
    assert [a["version"] for a in out.ack] == [2, 2, 3]
    assert edits_seen(room.press) == [(ids[1], 2), (ids[5], 2), (ids[1], 3)]
    assert (text_of(room, ids[1]), text_of(room, ids[5])) == (a2, j1)


def test_an_edit_counts_in_utf16_like_the_browser(room, ids):
    new = "Decides 👩🏽‍⚖️ to establish a working group for مصر and 中国;"
    out = room.act(room.jonas, "edit", edit(ids[1], 1, TEXT, new))
    assert out.ack["delta"] == f"={len(new.encode('utf-16-le')) // 2}"
    assert room.press.mirror.clause(ids[1])["text"] == new


def test_a_whole_text_edit_reaches_everyone_its_author_too(room, ids):
    new = "Decides to establish an open-ended working group;"
    out = room.http(room.amina, "PATCH", f"/api/clauses/{ids[1]}", {"text": new})
    assert (out.ack["text"], out.ack["version"]) == (new, 2)
    for who in ("amina", "jonas", "chair", "press"):
        [told] = room.people[who].received("clause:edited")
        assert told["author_id"] == room.amina.participant_id
    # the same text again is no new version, and nobody is told
    out = room.http(room.amina, "PATCH", f"/api/clauses/{ids[1]}", {"text": new})
    assert out.ack["version"] == 2 and not any(out.seen.values())


def test_edits_carry_pending_amendments_along_or_mark_them_conflicted(room, ids):
    later = room.act(
        room.jonas,
        "amendment:propose",
        {"clause_id": ids[1], "kind": "replace", "new_text": TEXT[:-1] + " without delay;"},
    ).ack["amendment"]
    other = room.act(
        room.jonas,
        "amendment:propose",
        {"clause_id": ids[1], "kind": "replace", "new_text": "Decides to create a working group;"},
    ).ack["amendment"]
    new = "Firmly decides to set up a working group;"
    out = room.act(room.amina, "edit", edit(ids[1], 1, TEXT, new))
    told = {m["amendment"]["id"]: m for m in room.press.received("amendment:changed")}
    assert told[later["id"]]["event"] == "rebased"
    assert told[later["id"]]["amendment"]["new_text"] == (
        "Firmly decides to set up a working group without delay;"
    )
    assert told[other["id"]]["event"] == "status"
    assert told[other["id"]]["amendment"]["status"] == "conflicted"
    assert out.ack["version"] == 2


def test_an_observer_cannot_edit(room, ids):
    out = room.act(room.press, "edit", edit(ids[1], 1, TEXT, TEXT + "!"))
    assert out.ack["error"]["code"] == "forbidden"
    assert not any(out.seen.values())


def test_no_edits_in_formal_mode(room, ids):
    room.act(room.chair, "mode:set", {"draft_id": room.draft_id, "mode": "formal"})
    out = room.act(room.amina, "edit", edit(ids[1], 1, TEXT, TEXT + "!"))
    assert out.ack["error"]["code"] == "conflict"
    assert not any(out.seen.values())
    assert text_of(room, ids[1]) == TEXT


# --- apply_edit itself, without sockets -------------------------------------------------------


def test_apply_edit_exact_then_merged(actions, conference, ids):
    amina, jonas = conference["delegates"]
    r = actions.apply_edit(amina, ids[1], 1, textsync.make_delta(TEXT, "A " + TEXT), "a-000001")
    assert (r.clause.text, r.clause.version, r.changed, r.mine) == (
        "A " + TEXT,
        2,
        True,
        "A " + TEXT,
    )
    assert [e.type for e in r.events] == ["clause.edited"]
    mine = TEXT[:-1] + " today;"
    r = actions.apply_edit(jonas, ids[1], 1, textsync.make_delta(TEXT, mine), "j-000001")
    assert r.clause.text == "A " + TEXT[:-1] + " today;"
    # the author's text is brought up to date by the others' edit, transformed over theirs
    assert r.clause.version == 3 and textsync.apply_delta(mine, r.since_mine) == r.clause.text
    assert actions.store.clause(ids[1]).text == r.clause.text


def test_apply_edit_with_a_known_edit_id_changes_nothing(actions, conference, ids):
    amina = conference["delegates"][0]
    delta = textsync.make_delta(TEXT, TEXT + " Now.")
    actions.apply_edit(amina, ids[1], 1, delta, "a-000001")
    again = actions.apply_edit(amina, ids[1], 1, delta, "a-000001")
    assert (again.changed, again.events, again.clause.version) == (False, [], 2)
    assert actions.store.clause(ids[1]).text == TEXT + " Now."
    assert len(actions.store.clause_versions(ids[1])) == 2


def test_apply_edit_that_changes_nothing_makes_no_version(actions, conference, ids):
    r = actions.apply_edit(conference["delegates"][0], ids[1], 1, f"={len(TEXT)}")
    assert (r.changed, r.clause.version) == (False, 1)


def test_apply_edit_refuses_what_cannot_be_applied(actions, conference, draft, ids):
    amina, observer = conference["delegates"][0], conference["observer"]
    with pytest.raises(Invalid, match="does not exist"):
        actions.apply_edit(amina, ids[1], 2, f"={len(TEXT)}\t+!")
    with pytest.raises(Invalid, match="edit id"):
        actions.apply_edit(amina, ids[1], 1, f"={len(TEXT)}\t+!", "short")
    with pytest.raises(Forbidden):
        actions.apply_edit(observer, ids[1], 1, f"={len(TEXT)}\t+!")
    with pytest.raises(Invalid):
        actions.apply_edit(amina, ids[1], 1, "=999\t+!")
    actions.set_mode(None, draft.id, "formal")
    with pytest.raises(Conflict, match="formal"):
        actions.apply_edit(amina, ids[1], 1, f"={len(TEXT)}\t+!")
    assert actions.store.clause(ids[1]).text == TEXT


def test_apply_edit_too_far_behind_hands_back_the_current_text(actions, conference, ids):
    amina = conference["delegates"][0]
    for i in range(MAX_REBASE_VERSIONS + 1):
        actions.replace_text(None, ids[1], f"{TEXT} ({i})")
    with pytest.raises(Behind) as e:
        actions.apply_edit(amina, ids[1], 1, f"={len(TEXT)}\t+!")
    assert (e.value.version, e.value.text) == (
        MAX_REBASE_VERSIONS + 2,
        f"{TEXT} ({MAX_REBASE_VERSIONS})",
    )


# --- exactness: concurrent insertions land whole, where their authors put them ----------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

BOILERPLATE = "Requests the Secretary-General to report on the report to the Assembly;"
PHRASES = ["the ", "report ", "to the ", "re", "t", "Secretary-General ", "further "]


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.lists(
        st.tuples(
            st.sampled_from([0] + [i + 1 for i, ch in enumerate(BOILERPLATE) if ch == " "]),
            st.sampled_from(PHRASES),
        ),
        min_size=2,
        max_size=6,
    )
)
def test_concurrent_insertions_stay_whole_and_in_place(actions, conference, draft, ids, inserts):
    """Several delegates insert phrases into one clause against the same version (their edits
    cross in flight); each phrase ends up exactly once, whole, where its author put it
    relative to the clause's words, those at one point in the order they were committed."""
    cid = ids[5]
    actions.replace_text(None, cid, BOILERPLATE)
    base = actions.store.clause(cid)
    author = conference["delegates"][0]
    for at, phrase in inserts:
        delta = f"={at}\t+{phrase}\t={len(BOILERPLATE) - at}"
        actions.apply_edit(author, cid, base.version, delta)
    expected, last = [], 0
    for at, phrase in sorted(inserts, key=lambda x: x[0]):  # stable: commit order at one point
        expected += [BOILERPLATE[last:at], phrase]
        last = at
    expected.append(BOILERPLATE[last:])
    assert actions.store.clause(cid).text == "".join(expected)


def test_a_crowded_room_batches_its_edits_over_a_wider_window(app, room, draft, monkeypatch):
    """The batching window grows with the number of people in the room (fewer, fuller edit
    messages) between its floor and its ceiling; an empty room keeps the floor."""
    live = app.extensions["drafting"]["live"]
    here = f"draft:{draft.id}"
    assert live.edit_gap(here) == live.EDIT_GAP  # four people: far below the budget
    monkeypatch.setattr(live, "SENDS_PER_S", 100)  # as if four were a crowd
    assert live.edit_gap(here) == pytest.approx(4 / 100)
    monkeypatch.setattr(live, "SENDS_PER_S", 40)
    assert live.edit_gap(here) == live.EDIT_GAP_MAX  # 100 ms would be too late: the ceiling
    assert live.edit_gap("draft:999999") == live.EDIT_GAP


def test_an_edit_id_used_again_for_another_change_is_refused_and_nothing_is_lost(room, ids):
    """Issue 12 (6): a reused id was acknowledged `ok` but not applied, and the reply told the
    client its text was the clause's, so the client deleted its own words."""
    room.act(room.amina, "edit", edit(ids[1], 1, TEXT, TEXT + " Now.", "amina-0001"))
    last = "Decides to remain seized of the matter."
    # the same id on another clause: refused, said so, and nothing applied
    out = room.act(room.amina, "edit", edit(ids[5], 1, last, last + " Soon.", "amina-0001"))
    assert out.ack["error"]["code"] == "invalid"
    assert "already used" in out.ack["error"]["message"]
    assert not any(out.seen.values())
    assert text_of(room, ids[5]) == last
    # and by someone else on the same clause: another person's id is not theirs to resend
    out = room.act(room.jonas, "edit", edit(ids[1], 2, TEXT + " Now.", "Jonas.", "amina-0001"))
    assert out.ack["error"]["code"] == "invalid"
    assert text_of(room, ids[1]) == TEXT + " Now."
    # under a new id, the change goes through
    out = room.act(room.amina, "edit", edit(ids[5], 1, last, last + " Soon.", "amina-0002"))
    assert out.ok
    assert text_of(room, ids[5]) == last + " Soon."
