"""DOCX and ODT of a draft (issue 11): opened with python-docx and with zipfile + lxml, as a
secretariat's word processor would see them, and imported back through our own import."""

from __future__ import annotations

import copy
import io
import re
import zipfile
from dataclasses import replace
from typing import Any

import docx
import pytest
from helpers import ARTIFACTS, SAMPLE
from lxml import etree

from drafting.actions import Actions
from drafting.document import Document, Vote
from drafting.domain import letters, roman
from drafting.importing import read_document
from drafting.importing_office import office_text
from drafting.publish import content_type, render

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
ODF = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "xml": "http://www.w3.org/XML/1998/namespace",
}
FORMATS = ("docx", "odt")

ARABIC = "إن الجمعية العامة تدعو إلى السلام 🕊️ — 和平。"
CLAUSES: list[tuple[str, int, str]] = [
    ("text", 0, "The General Assembly,"),
    ("preambular", 0, "Recalling its resolution 64/292 of 28 July 2010 on the right to water,"),
    ("preambular", 0, "Bearing in mind the 2030 Agenda for Sustainable Development, notably:"),
    ("preambular", 1, "Goal 6 on water and sanitation;"),
    ("preambular", 1, "Goal 13 on climate action;"),
    ("preambular", 0, "Noting the reports of:"),
    ("preambular", 1, "the Secretary-General;"),
    ("preambular", 1, "the regional commissions,"),
    # a comma ends it, yet it is no preambular paragraph: its style says so
    ("text", 0, "Negotiated in good faith by all delegations,"),
    ("operative", 0, "Decides to convene a high-level meeting on water cooperation in 2026;"),
    ("operative", 0, "Requests the Secretary-General:"),
    ("operative", 1, "To prepare a report, covering:"),
    *[("operative", 2, t) for t in ("Access;", "Sanitation;", "Hygiene;", "Floods;", "Droughts;")],
    # (b) to (j): (i) here is the ninth letter, not a roman one
    *[("operative", 1, f"To consult group {n};") for n in range(2, 11)],
    ("heading", 0, "Follow-up"),
    ("operative", 0, "Strongly urges all States to cooperate;"),
    ("operative", 0, "Decides to remain seized of the matter."),
    ("text", 0, "Annex"),
    ("text", 0, ARABIC),
]
DETAILS = {
    "symbol": "A/C.2/80/L.5",
    "submission": "Draft resolution submitted by the Chair",
    "body": "General Assembly",
    "place": "New York",
    "date": "5 November 2025",
}
# list items with every marker, a list under an operative paragraph (level 1)
ITEMS: list[tuple[str, int, str, str]] = [
    ("text", 0, "The Forum participants declared:", ""),
    ("item", 0, "An immediate ceasefire;", "–"),
    ("item", 0, "Humanitarian access;", "–"),
    ("item", 0, "Bread and roses.", "•"),
    ("operative", 0, "Calls upon all States:", ""),
    ("item", 1, "to share data;", "—"),
    ("item", 1, "to meet again.", "-"),
    ("operative", 0, "Decides to remain seized of the matter.", ""),
    ("item", 0, "Starred.", "*"),
    ("item", 0, "Dotted.", "·"),
]
TITLE_BLOCK = [
    ("Issuing Body", "General Assembly"),
    ("Document Symbol", "A/C.2/80/L.5"),
    ("Document Date", "5 November 2025"),
    ("Meeting Place", "New York"),
    ("Sponsors", "Sponsors: Morocco"),
    ("Submission", "Draft resolution submitted by the Chair"),
    ("Doc Title", "Water for all"),
    ("Status Line", "Draft: not adopted"),
]
BODY_STYLES = (
    ["Opening", "Preambular Paragraph", "Preambular Paragraph"]
    + ["Sub-paragraph"] * 2
    + ["Preambular Paragraph"]
    + ["Sub-paragraph"] * 2
    + ["Plain Paragraph", "Operative Paragraph", "Operative Paragraph", "Sub-paragraph"]
    + ["Sub-sub-paragraph"] * 5
    + ["Sub-paragraph"] * 9
    + ["Heading 2", "Operative Paragraph", "Operative Paragraph"]
    + ["Plain Paragraph"] * 2
)
ADOPTED = Vote(
    outcome="adopted",
    without_vote=False,
    recorded=True,
    yes=120,
    no=3,
    abstain=5,
    present=128,
    quorum=97,
)


def publish(actions: Actions, conference: dict[str, Any], clauses: Any, title: str) -> Document:
    draft = actions.create_draft(None, conference["conference"].id, title, clauses, details=DETAILS)
    actions.set_sponsors(None, draft.id, [conference["delegates"][0].id])
    return actions.published_document(None, draft.id)


@pytest.fixture
def un_draft(actions: Actions, conference: dict[str, Any]) -> Document:
    return publish(actions, conference, CLAUSES, "Water for all")


def saved(doc: Document, fmt: str, name: str) -> bytes:
    """The file, kept under tests/artifacts/office/ for a reviewer to open."""
    data = render(doc, fmt)
    folder = ARTIFACTS / "office"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.{fmt}").write_bytes(data)
    return data


# --- DOCX, as python-docx sees it -----------------------------------------------------------


def word(data: bytes) -> Any:
    return docx.Document(io.BytesIO(data))


def test_docx_sets_every_block_in_a_named_style(un_draft: Document) -> None:
    w = word(saved(un_draft, "docx", "un-draft"))
    paragraphs = w.paragraphs
    assert [(p.style.name, p.text) for p in paragraphs[: len(TITLE_BLOCK)]] == TITLE_BLOCK
    body = paragraphs[len(TITLE_BLOCK) :]
    assert [p.style.name for p in body] == BODY_STYLES
    assert [p.text for p in body] == [text for _, _, text in CLAUSES]
    # named styles, not direct formatting: a paragraph says its style, its list level and
    # (for Arabic) its direction; a run says its character style, nothing else
    for p in paragraphs:
        ppr = p._p.pPr
        assert {etree.QName(e).localname for e in ppr} <= {"pStyle", "numPr", "bidi"}
        for r in p.runs:
            rpr = r._r.rPr
            assert rpr is None or [etree.QName(e).localname for e in rpr] == ["rStyle"]
    assert [p.text for p in paragraphs if p._p.pPr.find(f"{W}bidi") is not None] == [ARABIC]
    assert w.core_properties.title == "Water for all"
    assert w.core_properties.identifier == "A/C.2/80/L.5"
    assert content_type("docx").endswith("wordprocessingml.document")


def word_numbers(w: Any) -> list[str]:
    """The numbers Word shows: each list's counters by level, a level starting again after
    a higher one, lists of one definition counting on together, `startOverride` restarting
    a level where its list is first used."""
    numbering = w.part.numbering_part.element
    abstract_of = {
        n.get(f"{W}numId"): n.find(f"{W}abstractNumId").get(f"{W}val")
        for n in numbering.findall(f"{W}num")
    }
    levels = {
        a.get(f"{W}abstractNumId"): {
            int(lvl.get(f"{W}ilvl")): (
                lvl.find(f"{W}numFmt").get(f"{W}val"),
                lvl.find(f"{W}lvlText").get(f"{W}val"),
            )
            for lvl in a.findall(f"{W}lvl")
        }
        for a in numbering.findall(f"{W}abstractNum")
    }
    counters: dict[str, list[int]] = {}
    started: set[str] = set()
    out = []
    for p in w.paragraphs:
        num_pr = p._p.pPr.find(f"{W}numPr")
        if num_pr is None:
            continue
        num_id = num_pr.find(f"{W}numId").get(f"{W}val")
        ilvl = int(num_pr.find(f"{W}ilvl").get(f"{W}val"))
        aid = abstract_of[num_id]
        count = counters.setdefault(aid, [0] * 9)
        if num_id not in started:
            started.add(num_id)
            num = numbering.find(f"{W}num[@{W}numId='{num_id}']")
            for o in num.findall(f"{W}lvlOverride"):
                count[int(o.get(f"{W}ilvl"))] = 0
        count[ilvl] += 1
        count[ilvl + 1 :] = [0] * (8 - ilvl)
        out.append(_label(*levels[aid][ilvl], count))
    return out


def _label(fmt: str, text: str, count: list[int]) -> str:
    """lvlText with each %n replaced by level n's count, in the level's format."""
    if fmt == "bullet":
        return text
    shown = {"decimal": str, "lowerLetter": letters, "lowerRoman": roman}[fmt]
    return re.sub(r"%(\d)", lambda m: shown(count[int(m[1]) - 1]), text)


def test_docx_numbers_are_words_own_lists(un_draft: Document) -> None:
    w = word(render(un_draft, "docx"))
    body = w.paragraphs[len(TITLE_BLOCK) :]
    # no number is typed into the text
    assert not [p.text for p in body if re.match(r"\d+\.|\([a-z]+\)", p.text)]
    # operative paragraphs and their sub-paragraphs: one list, levels 0, 1, 2
    levels = {"Operative Paragraph": 0, "Sub-paragraph": 1, "Sub-sub-paragraph": 2}
    blocks = zip(body, un_draft.blocks, strict=True)
    operative = [p for p, b in blocks if b.kind == "operative"]
    num_ids = {p._p.pPr.numPr.numId.val for p in operative}
    assert len(num_ids) == 1
    assert [p._p.pPr.numPr.ilvl.val for p in operative] == [levels[p.style.name] for p in operative]
    [num_id] = num_ids
    numbering = w.part.numbering_part.element
    num = numbering.find(f"{W}num[@{W}numId='{num_id}']")
    aid = num.find(f"{W}abstractNumId").get(f"{W}val")
    abstract = numbering.find(f"{W}abstractNum[@{W}abstractNumId='{aid}']")
    assert [
        (lvl.find(f"{W}numFmt").get(f"{W}val"), lvl.find(f"{W}lvlText").get(f"{W}val"))
        for lvl in abstract.findall(f"{W}lvl")
    ] == [("decimal", "%1."), ("lowerLetter", "(%2)"), ("lowerRoman", "(%3)")]
    # the styles are linked to the list, so a paragraph given the style is numbered
    for name, ilvl in levels.items():
        num_pr = w.styles[name].element.pPr.numPr
        assert (num_pr.numId.val, num_pr.ilvl.val) == (num_id, ilvl)
    # what Word shows is what the draft numbers
    assert word_numbers(w) == [b.number for b in un_draft.blocks if b.number]
    # inserting a paragraph renumbers the rest: a copy of operative paragraph 1
    first = operative[0]._p
    first.addnext(copy.deepcopy(first))
    shown = word_numbers(w)
    assert shown[4:7] == ["1.", "2.", "3."]  # after the preambular (a), (b), (a), (b)
    assert shown[-2:] == ["4.", "5."]


def test_docx_lists_of_dashes_and_bullets_have_their_marker(
    actions: Actions, conference: dict[str, Any]
) -> None:
    doc = publish(actions, conference, ITEMS, "Declaration of the Forum")
    w = word(saved(doc, "docx", "items"))
    items = [p for p in w.paragraphs if p.style.name.startswith("List ")]
    assert [(p.style.name, p.text, p._p.pPr.numPr.ilvl.val) for p in items] == [
        ("List Dash", "An immediate ceasefire;", 0),
        ("List Dash", "Humanitarian access;", 0),
        ("List Bullet", "Bread and roses.", 0),
        ("List Em Dash", "to share data;", 1),
        ("List Hyphen", "to meet again.", 1),
        ("List Asterisk", "Starred.", 0),
        ("List Middle Dot", "Dotted.", 0),
    ]
    marks = [m for m in word_numbers(w) if not m[0].isdigit()]
    assert marks == ["–", "–", "•", "—", "-", "*", "·"]


def test_docx_lead_words_are_in_an_italic_character_style(un_draft: Document) -> None:
    w = word(render(un_draft, "docx"))
    lead = w.styles["Lead Words"]
    assert lead.type == docx.enum.style.WD_STYLE_TYPE.CHARACTER
    assert lead.font.italic is True
    body = w.paragraphs[len(TITLE_BLOCK) :]
    with_lead = [(p, b) for p, b in zip(body, un_draft.blocks, strict=True) if b.lead]
    assert [b.lead for _, b in with_lead] == [
        "Recalling",
        "Bearing in mind",
        "Noting",
        "Decides",
        "Requests",
        "Strongly urges",
        "Decides",
    ]
    for p, b in with_lead:
        first, rest = p.runs
        assert (first.text, first.style.name, first.font.italic) == (b.lead, "Lead Words", None)
        assert rest.style.name == "Default Paragraph Font"
        assert rest.text == b.rest
    assert all(len(p.runs) == 1 for p in body[3:5])  # sub-paragraphs have no lead words


def test_docx_every_page_says_what_the_text_is(un_draft: Document) -> None:
    section = word(render(un_draft, "docx")).sections[0]
    assert not section.different_first_page_header_footer
    assert section.header.paragraphs[0].text == "A/C.2/80/L.5\t\tDraft — not adopted"
    footer = section.footer.paragraphs[0]
    assert footer.text.startswith("Draft — not adopted\t")
    assert 'w:instr=" PAGE "' in footer._p.xml
    assert section.page_width.mm == pytest.approx(210, abs=0.1)  # A4

    adopted = replace(un_draft, status="adopted", vote=ADOPTED)
    w = word(saved(adopted, "docx", "un-adopted"))
    assert w.sections[0].header.paragraphs[0].text == "A/C.2/80/L.5\t\tAdopted"
    assert [p.text for p in w.paragraphs if p.style.name == "Status Line"] == [
        "Adopted by a recorded vote of 120 to 3, with 5 abstentions",
        "Quorum present: 128 members present, 97 required",
    ]


# --- ODT, as zipfile + lxml see it ------------------------------------------------------------


def odt_parts(data: bytes) -> tuple[Any, Any]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.read("mimetype") == b"application/vnd.oasis.opendocument.text"
        return etree.fromstring(z.read("content.xml")), etree.fromstring(z.read("styles.xml"))


def q(name: str) -> str:
    prefix, local = name.split(":")
    return f"{{{ODF[prefix]}}}{local}"


def display_names(content: Any, styles: Any) -> dict[str, str]:
    """Style name -> the named style's display name (an automatic style: its parent's)."""
    names: dict[str, str] = {}
    parents: dict[str, str] = {}
    for root in (styles, content):
        for s in root.iter(q("style:style")):
            names[s.get(q("style:name"))] = s.get(q("style:display-name")) or s.get(q("style:name"))
            if s.get(q("style:parent-style-name")) and s.getparent().tag == q(
                "office:automatic-styles"
            ):
                parents[s.get(q("style:name"))] = s.get(q("style:parent-style-name"))
    return {n: names[parents.get(n, n)] for n in names}


def body_paragraphs(content: Any) -> list[Any]:
    text = content.find(f"{q('office:body')}/{q('office:text')}")
    return [e for e in text.iter(q("text:p"), q("text:h"))]


def test_odt_sets_every_block_in_a_named_style(un_draft: Document) -> None:
    content, styles = odt_parts(saved(un_draft, "odt", "un-draft"))
    names = display_names(content, styles)
    paragraphs = [
        (names[p.get(q("text:style-name"))], "".join(p.itertext()))
        for p in body_paragraphs(content)
    ]
    assert paragraphs[: len(TITLE_BLOCK)] == TITLE_BLOCK
    assert paragraphs[len(TITLE_BLOCK) :] == [
        (name, text) for name, (_, _, text) in zip(BODY_STYLES, CLAUSES, strict=True)
    ]
    # the named styles live in styles.xml; the only automatic paragraph style sets Arabic
    # right to left on its named style
    automatic = content.find(q("office:automatic-styles"))
    [rtl] = automatic.findall(q("style:style"))
    assert rtl.find(q("style:paragraph-properties")).get(q("style:writing-mode")) == "rl-tb"
    assert names[rtl.get(q("style:name"))] == "Plain Paragraph"
    # lead words: a span in the text style "Lead Words", which is italic
    spans = [
        ("".join(s.itertext()), names[s.get(q("text:style-name"))])
        for s in content.iter(q("text:span"))
    ]
    assert spans == [(b.lead, "Lead Words") for b in un_draft.blocks if b.lead]
    [lead] = [
        s for s in styles.iter(q("style:style")) if names[s.get(q("style:name"))] == "Lead Words"
    ]
    assert lead.get(q("style:family")) == "text"
    assert lead.find(q("style:text-properties")).get(q("fo:font-style")) == "italic"


def odf_numbers(content: Any, styles: Any) -> list[str]:
    """The numbers Writer shows: a list and the lists that continue it count on together;
    an item counts at its depth and starts the deeper levels again; a header counts not."""
    formats: dict[str, dict[int, tuple[str, str, str]]] = {}
    for ls in styles.iter(q("text:list-style")):
        formats[ls.get(q("style:name"))] = {
            int(lvl.get(q("text:level"))) - 1: (
                lvl.get(q("style:num-format"))
                or "bullet:" + (lvl.get(q("text:bullet-char")) or ""),
                lvl.get(q("style:num-prefix")) or "",
                lvl.get(q("style:num-suffix")) or "",
            )
            for lvl in ls
        }
    chains: dict[str, str] = {}
    counters: dict[str, list[int]] = {}
    out: list[str] = []
    shown = {"1": str, "a": letters, "i": roman}

    def walk(lst: Any, depth: int, chain: str, style: str) -> None:
        for item in lst:
            numbered = item.tag == q("text:list-item")
            for child in item:
                if child.tag == q("text:p") and numbered:
                    count = counters.setdefault(chain, [0] * 10)
                    count[depth] += 1
                    count[depth + 1 :] = [0] * (9 - depth)
                    fmt, prefix, suffix = formats[style][depth]
                    n = count[depth]
                    out.append(
                        fmt[7:] if fmt.startswith("bullet:") else f"{prefix}{shown[fmt](n)}{suffix}"
                    )
                elif child.tag == q("text:list"):
                    walk(child, depth + 1, chain, style)
                numbered = False

    text = content.find(f"{q('office:body')}/{q('office:text')}")
    for lst in text.findall(q("text:list")):
        own = lst.get(q("xml:id"))
        chain = chains.get(lst.get(q("text:continue-list")) or "", own)
        chains[own] = chain
        walk(lst, 0, chain, lst.get(q("text:style-name")))
    return out


def test_odt_numbers_are_nested_lists_of_a_list_style(un_draft: Document) -> None:
    content, styles = odt_parts(render(un_draft, "odt"))
    names = display_names(content, styles)
    depth = {
        "".join(p.itertext()): sum(1 for a in p.iterancestors(q("text:list")))
        for p in body_paragraphs(content)
    }
    assert depth["Requests the Secretary-General:"] == 1
    assert depth["To prepare a report, covering:"] == 2
    assert depth["Access;"] == 3
    assert depth["Goal 6 on water and sanitation;"] == 1  # its own list, starting at (a)
    assert depth["Follow-up"] == depth["Annex"] == 0
    # no number is typed into the text
    assert not [t for t in depth if re.match(r"\d+\.|\([a-z]+\)", t)]
    [operative] = [
        s
        for s in styles.iter(q("text:list-style"))
        if names.get(s.get(q("style:name"))) is None
        and s.get(q("style:display-name")) == "Operative Numbering"
    ]
    assert [
        (
            lvl.get(q("style:num-prefix")),
            lvl.get(q("style:num-format")),
            lvl.get(q("style:num-suffix")),
        )
        for lvl in operative
    ] == [("", "1", "."), ("(", "a", ")"), ("(", "i", ")")]
    # the operative list after the heading continues the one before it
    lists = content.find(f"{q('office:body')}/{q('office:text')}").findall(q("text:list"))
    ops = [lst for lst in lists if lst.get(q("text:style-name")) == operative.get(q("style:name"))]
    assert len(ops) == 2
    assert ops[1].get(q("text:continue-list")) == ops[0].get(q("xml:id"))
    assert odf_numbers(content, styles) == [b.number for b in un_draft.blocks if b.number]


def test_odt_lists_of_dashes_and_bullets_have_their_marker(
    actions: Actions, conference: dict[str, Any]
) -> None:
    doc = publish(actions, conference, ITEMS, "Declaration of the Forum")
    content, styles = odt_parts(saved(doc, "odt", "items"))
    marks = [m for m in odf_numbers(content, styles) if not m[0].isdigit()]
    assert marks == ["–", "–", "•", "—", "-", "*", "·"]
    depth = {
        "".join(p.itertext()): sum(1 for a in p.iterancestors(q("text:list")))
        for p in body_paragraphs(content)
    }
    assert depth["to share data;"] == 2 and depth["Bread and roses."] == 1


def test_odt_every_page_says_what_the_text_is(un_draft: Document) -> None:
    for doc, stage in (
        (un_draft, "Draft — not adopted"),
        (replace(un_draft, status="adopted", vote=ADOPTED), "Adopted"),
    ):
        _, styles = odt_parts(render(doc, "odt"))
        [page] = styles.iter(q("style:master-page"))
        header = page.find(q("style:header"))
        footer = page.find(q("style:footer"))
        assert "".join(header.itertext()) == f"A/C.2/80/L.5{stage}"
        assert len(header.findall(f"{q('text:p')}/{q('text:tab')}")) == 2
        assert "".join(footer.itertext()).startswith(stage)
        assert footer.find(f".//{q('text:page-number')}") is not None


# --- back in through our own import ----------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_gives_the_same_draft(
    fmt: str, un_draft: Document, actions: Actions, conference: dict[str, Any]
) -> None:
    parsed = read_document(render(un_draft, fmt), f"water.{fmt}")
    assert parsed.title == "Water for all"
    assert parsed.details == DETAILS
    assert [(c.kind, c.level, c.text) for c in parsed.clauses] == CLAUSES
    # and the draft imported from it publishes the same document
    again = actions.create_draft(
        None,
        conference["conference"].id,
        parsed.title,
        [(c.kind, c.level, c.text, c.marker) for c in parsed.clauses],
        details=parsed.details,
    )
    doc = actions.published_document(None, again.id)

    def strip(d: Document) -> Any:
        return replace(d, draft_id=None, blocks=tuple(replace(b, clause_id=None) for b in d.blocks))

    assert strip(doc) == strip(replace(un_draft, sponsors=()))


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_keeps_list_items_and_their_markers(
    fmt: str, actions: Actions, conference: dict[str, Any]
) -> None:
    """Holds once the text parser reads "– " lines as list items (pub-text)."""
    doc = publish(actions, conference, ITEMS, "Declaration of the Forum")
    parsed = read_document(render(doc, fmt), f"forum.{fmt}")
    assert parsed.title == "Declaration of the Forum"
    assert [(c.kind, c.level, c.text, c.marker) for c in parsed.clauses] == ITEMS


@pytest.mark.parametrize("fmt", FORMATS)
def test_items_come_in_as_typed_lines_with_their_marker(
    fmt: str, actions: Actions, conference: dict[str, Any]
) -> None:
    """What the text parser is given: each item on a line of its own, its marker first, a
    list under a paragraph indented."""
    doc = publish(actions, conference, ITEMS, "Declaration of the Forum")
    assert office_text(render(doc, fmt)).split("\n\n") == [
        "<!-- text -->\nThe Forum participants declared:",
        "– An immediate ceasefire;",
        "– Humanitarian access;",
        "• Bread and roses.",
        "1. Calls upon all States:",
        "    — to share data;",
        "    - to meet again.",
        "2. Decides to remain seized of the matter.",
        "* Starred.",
        "· Dotted.",
    ]


@pytest.mark.skipif(not SAMPLE.exists(), reason="the shared sample is not beside this checkout")
@pytest.mark.parametrize("fmt", FORMATS)
def test_sample_declaration_round_trips(
    fmt: str, actions: Actions, conference: dict[str, Any]
) -> None:
    """The Rome declaration: imported from its text, exported, imported again: the same
    clauses, kinds and (once the text parser reads them, pub-text) dashes."""
    source = read_document(SAMPLE.read_bytes(), SAMPLE.name)
    clauses = [(c.kind, c.level, c.text, c.marker) for c in source.clauses]
    draft = actions.create_draft(None, conference["conference"].id, source.title, clauses)
    doc = actions.published_document(None, draft.id)
    again = read_document(saved(doc, fmt, "rome-declaration"), f"rome.{fmt}")
    assert again.title == source.title
    # publishing joins runs of white space, but keeps the sample's one no-break space
    assert [(c.kind, c.level, c.text, c.marker) for c in again.clauses] == [
        (kind, level, re.sub(r"[ \t\r\n]+", " ", text).strip(), marker)
        for kind, level, text, marker in clauses
    ]
    assert any("\u00a0" in c.text for c in again.clauses)
