"""A clause's kind changed from its tools, and the draft's title block: who may, what the room
hears, and what the published document then says."""

from __future__ import annotations

from .verify import flatten


def kinds(clauses):
    return [(c["kind"], c["marker"], c["number"]) for c in flatten(clauses)]


def test_the_chair_turns_a_paragraph_into_a_list_item_and_the_room_sees_it(room, ids):
    out = room.act(room.chair, "clause:kind", {"clause_id": ids[1], "kind": "item"})
    outline = out.ack["outline"]
    # an item is set off by its dash, not numbered: the operative paragraphs after it renumber
    assert kinds(outline)[:3] == [("preambular", "", ""), ("item", "–", ""), ("operative", "", "1")]
    assert flatten(outline)[5]["number"] == "2"
    for who in ("amina", "jonas", "chair", "press"):
        assert room.people[who].names() == ["draft:outline"]
    # journaled, so the record and history can say who changed it
    events = room.app.extensions["drafting"]["store"].journal(draft_id=room.draft_id)
    changed = [e for e in events if e.type == "clause.kind"]
    assert [(e.before, e.after) for e in changed] == [
        ({"kind": "operative", "marker": ""}, {"kind": "item", "marker": "–"})
    ]


def test_a_delegate_changes_a_kind_while_drafting_but_not_in_formal_mode(room, ids):
    out = room.act(room.amina, "clause:kind", {"clause_id": ids[0], "kind": "text"})
    assert kinds(out.ack["outline"])[0] == ("text", "", "")
    room.act(room.chair, "mode:set", {"draft_id": room.draft_id, "mode": "formal"})
    out = room.act(room.amina, "clause:kind", {"clause_id": ids[0], "kind": "heading"})
    assert out.ack["error"]["code"] == "conflict"
    assert not any(out.seen.values())
    # the chair still may: the form of the text is the secretariat's to fix
    out = room.act(room.chair, "clause:kind", {"clause_id": ids[0], "kind": "preambular"})
    assert kinds(out.ack["outline"])[0] == ("preambular", "", "")


def test_an_observer_cannot_change_a_kind_and_bad_kinds_are_refused(room, ids):
    before = room.fresh()["clauses"]
    out = room.act(room.press, "clause:kind", {"clause_id": ids[0], "kind": "heading"})
    assert out.ack["error"]["code"] == "forbidden"
    bad = [
        {"clause_id": ids[0], "kind": "footnote"},
        {"clause_id": ids[0], "kind": "item", "marker": "→"},
        {"clause_id": ids[0], "kind": "operative", "marker": "–"},
    ]
    for payload in bad:
        out = room.act(room.chair, "clause:kind", payload)
        assert out.ack["error"]["code"] == "invalid", payload
        assert out.ack["error"]["message"]
    assert room.fresh()["clauses"] == before


def test_a_bullet_item_by_http(room, ids):
    out = room.http(
        room.chair, "PUT", f"/api/clauses/{ids[5]}/kind", {"kind": "item", "marker": "•"}
    )
    assert out.status == 200
    assert (out.ack["kind"], out.ack["marker"]) == ("item", "•")
    assert kinds(room.fresh()["clauses"])[5] == ("item", "•", "")


def test_the_chair_sets_the_title_block_and_the_room_hears_it(room):
    details = {"symbol": "A/C.3/79/L.12", "submission": "Draft resolution submitted by the Chair"}
    out = room.act(room.chair, "draft:details", {"draft_id": room.draft_id, "details": details})
    assert out.ack["draft"]["details"] == {
        **dict.fromkeys(details, ""),
        "body": "",
        "place": "",
        "date": "",
        **details,
    }
    for who in ("amina", "jonas", "chair", "press"):
        told = room.people[who].received("draft:details")
        assert told and told[0]["after"]["symbol"] == "A/C.3/79/L.12"
    # a field left out stays; "" clears one
    out = room.http(room.chair, "PATCH", f"/api/drafts/{room.draft_id}/details", {"place": "Rome"})
    assert out.ack["details"]["symbol"] == "A/C.3/79/L.12"
    assert out.ack["details"]["place"] == "Rome"
    doc = room.app.extensions["drafting"]["actions"].published_document(None, room.draft_id)
    assert (doc.symbol, doc.place) == ("A/C.3/79/L.12", "Rome")
    assert doc.submission == "Draft resolution submitted by the Chair"


def test_only_the_chair_sets_the_title_block(room):
    out = room.act(
        room.amina, "draft:details", {"draft_id": room.draft_id, "details": {"symbol": "X"}}
    )
    assert out.ack["error"]["code"] == "forbidden"
    for bad in ({"colour": "red"}, {"symbol": 12}, {"title": "x"}):
        out = room.act(room.chair, "draft:details", {"draft_id": room.draft_id, "details": bad})
        assert out.ack["error"]["code"] == "invalid", bad
    out = room.act(
        room.chair, "draft:details", {"draft_id": room.draft_id, "details": {"place": "x" * 301}}
    )
    assert out.ack["error"]["code"] == "too_large"
    assert room.fresh()["details"]["symbol"] == ""


# --- what the published document says of the decision, through real votes -----------------


def test_a_draft_adopted_by_a_recorded_vote_says_so_with_its_counts_and_quorum(room, ids):
    from .test_polls import close, formal, open_poll, vote

    formal(room)
    poll = open_poll(room, "draft", room.draft_id, kind="recorded")
    vote(room, room.amina, poll, "yes")
    vote(room, room.jonas, poll, "abstain")
    close(room, poll)
    doc = room.app.extensions["drafting"]["actions"].published_document(None, room.draft_id)
    assert doc.stage == "Adopted"
    assert doc.status_line == "Adopted by a recorded vote of 1 to 0, with 1 abstention"
    assert doc.vote is not None
    assert (doc.vote.present, doc.vote.quorum) == (2, 2)
    assert doc.vote.quorum_line == "Quorum present: 2 members present, 2 required"
    assert doc.vote.names == {"yes": ["Morocco"], "no": [], "abstain": ["Germany"]}
    assert doc.date == doc.vote.at[:10]  # the day of the decision, unless the chair set one


def test_a_draft_adopted_by_consensus_is_adopted_without_a_vote(room, ids):
    from .test_polls import close, formal, open_poll

    formal(room)
    poll = open_poll(room, "draft", room.draft_id, rule="consensus")
    close(room, poll)
    doc = room.app.extensions["drafting"]["actions"].published_document(None, room.draft_id)
    assert doc.status_line == "Adopted without a vote"


def test_a_draft_not_yet_voted_says_it_is_not_adopted(room, ids):
    doc = room.app.extensions["drafting"]["actions"].published_document(None, room.draft_id)
    assert (doc.stage, doc.status_line, doc.vote) == ("Draft", "Draft: not adopted", None)
    blocks = [(b.kind, b.level, b.number, b.lead) for b in doc.blocks]
    assert blocks == [
        ("preambular", 0, "", "Recalling"),
        ("operative", 0, "1.", "Decides"),
        ("operative", 0, "2.", "Requests"),
        ("operative", 1, "(a)", ""),
        ("operative", 1, "(b)", ""),
        ("operative", 0, "3.", "Decides"),
    ]


def test_a_list_item_added_comes_with_its_marker(room, ids):
    payload = {"draft_id": room.draft_id, "kind": "item", "text": "clean water", "after_id": ids[0]}
    out = room.act(room.amina, "clause:add", payload)
    assert kinds(out.ack["outline"])[1] == ("item", "–", "")
    out = room.act(room.amina, "clause:add", {**payload, "marker": "•", "text": "schools"})
    assert kinds(out.ack["outline"])[1] == ("item", "•", "")
    out = room.act(room.amina, "clause:add", {**payload, "kind": "operative", "marker": "•"})
    assert out.ack["error"]["code"] == "invalid"
