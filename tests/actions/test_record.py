"""The record of proceedings and each clause's history: who, when and why."""

from __future__ import annotations

import re

import pytest

from drafting import textsync
from drafting.errors import NotFound

TEXT = "Decides to establish a working group;"
NEW = "Decides to establish an expert group;"


@pytest.fixture
def sitting(actions, conference, draft, ids):
    """A morning's work on the draft: an edit, a friendly amendment, amendments voted on."""
    chair, (amina, jonas) = conference["chair"], conference["delegates"]
    a = actions
    a.apply_edit(
        amina,
        ids[5],
        1,
        textsync.make_delta(
            "Decides to remain seized of the matter.",
            "Decides to remain actively seized of the matter.",
        ),
    )
    friendly = a.propose(jonas, ids[3], "replace", "to report within six months;", "sooner")
    a.accept(amina, friendly.id)
    adopted = a.propose(jonas, ids[1], "replace", NEW, "expertise")
    rejected = a.propose(amina, ids[4], "delete", reason="redundant")
    a.set_mode(chair, draft.id, "formal")
    for who in (amina, jonas):  # both delegations in the room: the quorum
        a.set_present(who, True)
    for am, choices in ((adopted, ("yes", "yes")), (rejected, ("no", "yes"))):
        poll = a.open_poll(chair, draft.id, "amendment", am.id, "simple", "recorded")
        for who, choice in zip((amina, jonas), choices, strict=True):
            a.vote(who, poll.id, choice)
        a.close_poll(chair, poll.id)
    return {"adopted": adopted, "rejected": rejected, "friendly": friendly}


def test_history_says_who_changed_a_clause_when_and_why(actions, conference, ids, sitting):
    versions = actions.history(conference["delegates"][1], ids[1])["versions"]
    assert [(v["version"], v["text"], v["reason"]) for v in versions] == [
        (1, TEXT, "created"),
        (2, NEW, "amendment #2"),
    ]
    assert [(v["actor"], v["delegation"]) for v in versions] == [
        ("secretariat", ""),
        ("Chair", "UN"),
    ]
    assert versions[0]["at"] <= versions[1]["at"]
    edited = actions.history(None, ids[5])["versions"]
    assert (edited[1]["actor"], edited[1]["delegation"], edited[1]["reason"]) == (
        "Amina",
        "Morocco",
        "edit",
    )
    friendly = actions.history(None, ids[3])["versions"]
    assert friendly[-1]["reason"] == "friendly amendment #1"
    assert friendly[-1]["text"] == "to report within six months;"


def test_history_of_a_deleted_clause_is_kept(actions, conference, ids):
    amina = conference["delegates"][0]
    actions.replace_text(amina, ids[4], "to consult all regions;")
    actions.delete_clause(amina, ids[4])
    assert [v["text"] for v in actions.history(amina, ids[4])["versions"]] == [
        "to consult the regions;",
        "to consult all regions;",
    ]


def test_history_is_for_members_of_the_conference(actions, ids):
    other, outsider, _ = actions.create_conference("Elsewhere", "Eve")
    with pytest.raises(NotFound):
        actions.history(outsider, ids[1])


def test_the_record_says_what_became_of_each_amendment(actions, draft, ids, sitting):
    r = actions.record(None, draft.id)
    assert r["draft"] == {"id": draft.id, "title": "Water for all", "status": "formal"}
    by_id = {c["id"]: c for c in r["clauses"]}
    first = by_id[ids[1]]
    assert (first["ref"], first["text"], first["versions"]) == ("operative clause 1", NEW, 2)
    [am] = first["amendments"]
    assert (am["number"], am["proposer"], am["reason"], am["status"]) == (
        2,
        "Jonas (Germany)",
        "expertise",
        "adopted",
    )
    [vote] = am["votes"]
    assert (vote["outcome"], vote["yes"], vote["no"], vote["kind"]) == ("adopted", 2, 0, "recorded")
    assert {v["delegation"]: v["choice"] for v in vote["votes"]} == {
        "Morocco": "yes",
        "Germany": "yes",
    }
    [kept] = by_id[ids[4]]["amendments"]
    assert (kept["kind"], kept["status"]) == ("delete", "rejected")
    assert by_id[ids[4]]["status"] == "active"  # still in the text
    assert [a["status"] for a in by_id[ids[3]]["amendments"]] == ["friendly"]


def test_the_record_lists_what_happened_but_not_each_keystroke_or_ballot(actions, draft, sitting):
    types = [e["type"] for e in actions.record(None, draft.id)["events"]]
    assert "poll.ballot" not in types
    assert types.count("poll.closed") == 2 and "draft.mode" in types
    edits = [e for e in actions.record(None, draft.id)["events"] if e["type"] == "clause.edited"]
    assert [e["data"]["reason"] for e in edits] == ["friendly amendment #1", "amendment #2"]
    assert all("delta" not in e["data"] for e in edits)


def test_the_record_in_words(actions, draft, sitting):
    md = actions.record_markdown(None, draft.id)
    assert md.startswith(
        "# Record of proceedings: Water for all\n\n"
        "Test Assembly. Rules of procedure: UN General Assembly committee.\n\n"
        "Status of the draft: **formal**."
    )
    # the proceedings in order, with their times
    assert "## Proceedings" in md and "## Clause by clause" in md
    assert "The draft went from drafting to formal, by Chair (UN)." in md
    assert "Amendment #1 was accepted as friendly by every sponsor" in md
    assert "Roll call from " in md  # the member drawn by lot, for each recorded vote
    assert (
        "- Amendment #2 by Jonas (Germany), to read: “Decides to establish an expert group;”. "
        "Reason: expertise **Adopted**." in md
    )
    assert "In favour: Germany, Morocco." in md
    assert (
        "- Amendment #3 by Amina (Morocco), to delete the clause. Reason: redundant **Rejected**."
        in md
    )
    assert "Against: Morocco." in md


def test_history_and_record_through_the_doors(room, ids):
    """The acknowledgements are as docs/protocol.md says (verify checks their keys)."""
    new = "Decides to establish a small working group;"
    delta = textsync.make_delta(TEXT, new)
    room.act(room.amina, "edit", {"clause_id": ids[1], "base_version": 1, "delta": delta})
    out = room.act(room.press, "history", {"clause_id": ids[1]})
    assert [(v["version"], v["actor"], v["reason"]) for v in out.ack["versions"]] == [
        (1, "secretariat", "created"),
        (2, "Amina", "edit"),
    ]
    out = room.act(room.press, "record:get", {"draft_id": room.draft_id})
    assert out.ack["record"].startswith("# Record of proceedings: Water for all")
    out = room.act(room.press, "record:get", {"draft_id": room.draft_id, "format": "json"})
    assert out.ack["record"]["clauses"][1]["versions"] == 2
    assert not any(out.seen.values())


def test_the_record_in_markdown_carries_no_raw_html_or_markup_from_what_delegates_wrote(
    actions, conference, draft
):
    """Issue 12 (9): the record's Markdown carried raw HTML from clause text: safe in our page,
    not in whatever renders it next (a wiki, a mail client)."""
    chair = conference["chair"]
    amina = conference["delegates"][0]
    c = actions.draft_view(None, draft.id)["clauses"][1]
    actions.set_mode(chair, draft.id, "formal")
    actions.propose(
        amina,
        c["id"],
        "replace",
        "Decides <img src=x onerror=alert(1)> to *act* [now](http://evil.example);",
        "see <script>alert(2)</script>",
    )
    md = actions.record_markdown(None, draft.id)
    assert not re.search(r"(?<!\\)<(img|script)", md)  # every "<" of theirs is escaped
    assert "\\<img src=x onerror=alert(1)>" in md  # shown as written, not rendered
    assert "\\*act\\*" in md and "[now\\](http" in md
