"""The document model every published format is rendered from: lead words, the opening, the
title block and what it says of the decision."""

from __future__ import annotations

import pytest

from drafting.document import build, lead_length
from drafting.errors import Invalid


@pytest.mark.parametrize(
    ("kind", "text", "lead"),
    [
        ("preambular", "Recalling its resolution 64/292,", "Recalling"),
        ("preambular", "Deeply concerned by the lack of water,", "Deeply concerned"),
        ("preambular", "Bearing in mind the Charter,", "Bearing in mind"),
        (
            "preambular",
            "Taking note with appreciation of the report,",
            "Taking note with appreciation",
        ),
        ("preambular", "Noting with concern that,", "Noting with concern"),
        ("operative", "Decides to convene a meeting;", "Decides"),
        ("operative", "Strongly condemns all attacks;", "Strongly condemns"),
        ("operative", "Also requests the Secretary-General to report;", "Also requests"),
        ("operative", "Further invites Member States;", "Further invites"),
        ("operative", "Calls upon all States to act;", "Calls upon"),
        ("preambular", "Recalling also its resolution 60/1,", "Recalling also"),
        ("preambular", "Noting further the report,", "Noting further"),
        ("operative", "Requests once again the Secretary-General;", "Requests once again"),
        ("operative", "Decides further that it shall meet;", "Decides further"),
        ("operative", "Calls on all States to act;", "Calls"),
        # another language: the first word
        ("operative", "Décide de convoquer une réunion;", "Décide"),
        ("preambular", "Рассмотрев доклад,", "Рассмотрев"),
        # nothing to set apart: a one-word paragraph, a quotation, a number, other kinds
        ("operative", "Decides.", ""),
        ("operative", "“Water is life”, it says;", ""),
        ("operative", "2030 is the year;", ""),
        ("heading", "Recalling history", ""),
        ("text", "Recalling its resolution,", ""),
    ],
)
def test_lead_words(kind, text, lead):
    assert text[: lead_length(kind, text)] == lead


def clause(cid, kind, number, text, children=(), marker=""):
    return {
        "id": cid,
        "kind": kind,
        "marker": marker,
        "number": number,
        "text": text,
        "children": list(children),
    }


def publication(**more):
    draft = {
        "id": 3,
        "title": "  Water   and peace ",
        "status": "drafting",
        "details": {"symbol": "", "submission": "", "body": "", "place": "", "date": ""},
        "clauses": [
            clause(1, "heading", "", "Our commitments"),
            clause(2, "text", "", "The General Assembly,"),
            clause(3, "preambular", "", "Recalling its resolution,"),
            clause(
                4,
                "operative",
                "1",
                "Requests the working group:",
                [clause(5, "operative", "(a)", "to report;", [clause(6, "text", "(i)", "soon;")])],
            ),
            clause(7, "item", "", "clean water", marker="–"),
            clause(8, "text", "", "Done at Rome,"),
        ],
    }
    return {"draft": draft, "conference": {"name": "Water Forum"}, "sponsors": [], **more}


def test_the_opening_is_the_line_the_body_speaks_with_before_the_paragraphs():
    doc = build(publication())
    assert [(b.kind, b.level, b.number) for b in doc.blocks] == [
        ("heading", 0, ""),
        ("opening", 0, ""),
        ("preambular", 0, ""),
        ("operative", 0, "1."),
        ("operative", 1, "(a)"),
        ("operative", 2, "(i)"),  # a sub-paragraph belongs to its paragraph's part
        ("item", 0, ""),
        ("text", 0, ""),  # a line ending with a comma after the paragraphs is no opening
    ]
    assert doc.blocks[6].marker == "–"
    assert doc.blocks[4].lead == ""  # sub-paragraphs have no lead words in italics
    assert doc.title == "Water and peace"
    assert doc.body == "Water Forum"  # the conference speaks unless the chair named a body


def test_the_decision_in_words():
    decided = {
        "outcome": "adopted",
        "yes": 120,
        "no": 3,
        "abstain": 5,
        "rule": "simple",
        "kind": "counted",
        "closed_at": "2026-12-01T16:00:00.000Z",
    }
    pub = publication(decision=decided)
    pub["draft"]["status"] = "adopted"
    doc = build(pub)
    assert doc.status_line == "Adopted by a vote of 120 to 3, with 5 abstentions"
    assert doc.date == "2026-12-01"
    pub["draft"]["details"]["date"] = "1 December 2026"
    assert build(pub).date == "1 December 2026"
    rejected = {**decided, "outcome": "rejected", "yes": 3, "no": 120, "abstain": 0}
    pub = publication(decision=rejected)
    pub["draft"]["status"] = "rejected"
    assert build(pub).status_line == "Rejected by a vote of 3 to 120, with no abstentions"


def test_a_broken_publication_is_refused_clearly():
    with pytest.raises(Invalid):
        build({"draft": {"clauses": "nope"}})
    with pytest.raises(Invalid):
        build({"draft": {"clauses": ["nope"]}})


def test_no_lead_words_in_scripts_without_spaces_and_no_break_spaces_kept():
    assert lead_length("operative", "呼吁所有国家分享数据；") == 0
    assert lead_length("preambular", "国連憲章を想起し、") == 0
    pub = publication()
    pub["draft"]["clauses"][3]["text"] = "Demande\u00a0: une réunion ;"
    assert build(pub).blocks[3].text == "Demande\u00a0: une réunion ;"


def test_a_short_sentence_ending_with_a_colon_is_no_opening():
    pub = publication()
    pub["draft"]["clauses"][1]["text"] = "We must stop shipping weapons to the region:"
    assert build(pub).blocks[1].kind == "text"
    pub["draft"]["clauses"][1]["text"] = "The Forum participants declared:"
    assert build(pub).blocks[1].kind == "opening"
