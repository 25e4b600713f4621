"""Exporting a draft: UN layout in Markdown and text, a printable HTML page, JSON; and the
Markdown reads back into the same clauses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drafting.domain import DRAFT_DETAILS, ITEM_MARKERS
from drafting.errors import Invalid
from drafting.export import FORMATS, content_type, export, file_name
from drafting.importing import KINDS, ParsedClause, ParsedDocument, parse_text

ROME = Path(__file__).parents[2] / "shared/samples/rome-declaration.txt"
needs_rome = pytest.mark.skipif(
    not ROME.exists(), reason="the shared sample is not beside this checkout (../shared)"
)

XSS = "To consult <img src=x onerror=alert(1)> States & “others”;"
ARABIC = "إذ تشير إلى قرارها 64/292 المؤرخ 28 تموز/يوليه 2010،"


def clause(
    cid: int,
    kind: str,
    number: str,
    text: str,
    level: int = 0,
    children: Any = (),
    marker: str = "",
) -> dict[str, Any]:
    return {
        "id": cid,
        "kind": kind,
        "marker": marker,
        "number": number,
        "ref": number,
        "level": level,
        "parent_id": None,
        "text": text,
        "version": 1,
        "status": "live",
        "children": list(children),
    }


def sample() -> dict[str, Any]:
    return {
        "id": 7,
        "conference_id": 1,
        "title": "Draft resolution on water & peace",
        "status": "draft",
        "sponsors": [2, 3],
        "clauses": [
            clause(1, "heading", "", "Preamble"),
            clause(2, "text", "", "The General Assembly,"),
            clause(3, "preambular", "", "Recalling its resolution 64/292 on «water»,"),
            clause(4, "preambular", "", ARABIC),
            clause(5, "heading", "", "Operative part"),
            clause(6, "operative", "1", "Decides to convene a meeting in [2026][2027];"),
            clause(
                7,
                "operative",
                "2",
                "Requests the Secretary-General:",
                children=[
                    clause(
                        8,
                        "operative",
                        "(a)",
                        "To prepare a report, covering:",
                        1,
                        [
                            clause(9, "operative", "(i)", "Access to water;", 2),
                            clause(10, "operative", "(ii)", "Sanitation — 💧 and 衛生;", 2),
                        ],
                    ),
                    clause(11, "operative", "(b)", XSS, 1),
                ],
            ),
            clause(12, "operative", "3", "Decides to remain seized of the matter."),
        ],
    }


def flat(clauses: list[dict[str, Any]], level: int = 0) -> list[ParsedClause]:
    out = []
    for c in clauses:
        out.append(ParsedClause(c["kind"], level, c["text"], c.get("marker") or ""))
        out.extend(flat(c["children"], level + 1))
    return out


# --- each format --------------------------------------------------------------------------


def test_markdown_is_laid_out_like_a_un_resolution() -> None:
    assert export(sample(), "md").split("\n") == [
        "# Draft resolution on water & peace",
        "",
        "## Preamble",
        "",
        "The General Assembly,",
        "",
        "Recalling its resolution 64/292 on «water»,",
        "",
        ARABIC,
        "",
        "## Operative part",
        "",
        "1. Decides to convene a meeting in [2026][2027];",
        "",
        "2. Requests the Secretary-General:",
        "",
        "    (a) To prepare a report, covering:",
        "",
        "        (i) Access to water;",
        "",
        "        (ii) Sanitation — 💧 and 衛生;",
        "",
        "    (b) To consult \\<img src=x onerror=alert(1)> States & “others”;",
        "",
        "3. Decides to remain seized of the matter.",
        "",
    ]


def test_text_is_laid_out_like_a_un_resolution() -> None:
    assert export(sample(), "txt").split("\n") == [
        "Draft resolution on water & peace",
        "",
        "Preamble",
        "",
        "The General Assembly,",
        "",
        "Recalling its resolution 64/292 on «water»,",
        "",
        ARABIC,
        "",
        "Operative part",
        "",
        "1. Decides to convene a meeting in [2026][2027];",
        "",
        "2. Requests the Secretary-General:",
        "",
        "    (a) To prepare a report, covering:",
        "",
        "        (i) Access to water;",
        "",
        "        (ii) Sanitation — 💧 and 衛生;",
        "",
        f"    (b) {XSS}",
        "",
        "3. Decides to remain seized of the matter.",
        "",
    ]


def test_json_is_the_whole_structure() -> None:
    out = export(sample(), "json")
    assert json.loads(out) == sample()
    assert ARABIC in out  # not \u-escaped
    assert out.startswith('{\n  "id": 7,')


def test_unknown_format() -> None:
    with pytest.raises(Invalid, match="md, txt, json"):
        export(sample(), "rtf")
    with pytest.raises(Invalid, match="choose one of"):
        content_type("docx")


def test_content_types_and_file_names() -> None:
    assert FORMATS == ("md", "txt", "json")
    assert content_type("md") == "text/markdown; charset=utf-8"
    assert content_type("json").startswith("application/json")
    assert file_name(sample(), "md") == "draft-resolution-on-water-peace.md"
    assert file_name({"id": 9, "title": "Déclaration de Genève / 2024"}, "txt") == (
        "declaration-de-geneve-2024.txt"
    )
    assert file_name({"id": 9, "title": "مشروع قرار"}, "md") == "draft-9.md"
    assert file_name({"title": '../../etc/"passwd"'}, "json") == "etc-passwd.json"


# --- the title block and list items -------------------------------------------------------

UN_TITLE = "Promotion and protection of human rights in the context of peaceful protests"


def un_draft() -> dict[str, Any]:
    return {
        "id": 8,
        "conference_id": 1,
        "title": UN_TITLE,
        "status": "draft",
        "details": {
            "symbol": "A/C.3/79/L.12",
            "submission": "Draft resolution submitted by the Chair",
            "body": "General Assembly",
            "place": "New York",
            "date": "1 November 2024",
        },
        "clauses": [
            clause(1, "text", "", "The General Assembly,"),
            clause(2, "preambular", "", "Recalling its resolution 78/1,"),
            clause(
                3,
                "operative",
                "1",
                "Calls upon States:",
                children=[
                    clause(4, "item", "(a)", "to respect peaceful protests;", 1, marker="–"),
                    clause(5, "item", "(b)", "to protect those who take part;", 1, marker="–"),
                ],
            ),
            clause(6, "heading", "", "Invited to the meeting:"),
            clause(7, "item", "", "- the Human Rights Council;", marker="•"),
            clause(8, "item", "", "* civil society", marker="*"),
            clause(9, "operative", "2", "Decides to remain seized of the matter."),
        ],
    }


def test_markdown_writes_the_title_block_and_the_lists_with_their_markers() -> None:
    assert export(un_draft(), "md").split("\n") == [
        "General Assembly",
        "",
        "A/C.3/79/L.12",
        "",
        "New York, 1 November 2024",
        "",
        "Draft resolution submitted by the Chair",
        "",
        f"# {UN_TITLE}",
        "",
        "The General Assembly,",
        "",
        "Recalling its resolution 78/1,",
        "",
        "1. Calls upon States:",
        "",
        "    – to respect peaceful protests;",
        "",
        "    – to protect those who take part;",
        "",
        "## Invited to the meeting:",
        "",
        "• \\- the Human Rights Council;",  # escaped: not a list inside the list
        "",
        "* \\* civil society",
        "",
        "2. Decides to remain seized of the matter.",
        "",
    ]


def test_text_writes_the_title_block_and_the_lists_with_their_markers() -> None:
    assert export(un_draft(), "txt").split("\n") == [
        "General Assembly",
        "A/C.3/79/L.12",
        "New York, 1 November 2024",
        "",
        "Draft resolution submitted by the Chair",
        "",
        UN_TITLE,
        "",
        "The General Assembly,",
        "",
        "Recalling its resolution 78/1,",
        "",
        "1. Calls upon States:",
        "",
        "    – to respect peaceful protests;",
        "",
        "    – to protect those who take part;",
        "",
        "Invited to the meeting:",
        "",
        "• - the Human Rights Council;",
        "",
        "* * civil society",
        "",
        "2. Decides to remain seized of the matter.",
        "",
    ]


@pytest.mark.parametrize("fmt", ["md", "txt"])
def test_un_draft_imports_back_from_markdown_and_text(fmt: str) -> None:
    draft = un_draft()
    back = parse_text(export(draft, fmt))
    assert back == ParsedDocument(draft["title"], flat(draft["clauses"]), draft["details"])


@pytest.mark.parametrize(
    ("details", "md_lines", "txt_lines"),
    [
        # a place alone, or a symbol of the chair's own making, would read as text
        ({"place": "Rome"}, ["Place: Rome"], ["Place: Rome"]),
        (
            {"symbol": "Draft 3", "date": "1 May 2025"},
            ["Symbol: Draft 3", "Date: 1 May 2025"],
            ["Symbol: Draft 3", "Date: 1 May 2025"],
        ),
        # an organ alone opens no title block in text; above a `# title` it does
        ({"body": "Youth Forum"}, ["Youth Forum"], ["Body: Youth Forum"]),
        ({"body": "Youth Forum", "symbol": "YF/2025/1"}, ["Youth Forum", "YF/2025/1"], None),
        ({"submission": "Our proposal"}, ["Submission: Our proposal"], None),
    ],
)
def test_a_detail_that_would_not_read_back_carries_its_label(
    details: dict[str, str], md_lines: list[str], txt_lines: list[str] | None
) -> None:
    draft = {**un_draft(), "details": details}
    md, txt = export(draft, "md"), export(draft, "txt")
    assert [line for line in md.split(f"# {UN_TITLE}")[0].split("\n") if line] == md_lines
    assert [line for line in txt.split(UN_TITLE)[0].split("\n") if line] == (txt_lines or md_lines)
    for out in (md, txt):
        assert parse_text(out).details == details
        assert parse_text(out).title == UN_TITLE


def test_an_empty_list_item_leaves_no_stray_dash() -> None:
    draft = {
        "id": 1,
        "title": "T",
        "clauses": [clause(1, "item", "", "", marker="—"), clause(2, "item", "", "x", marker="—")],
    }
    assert export(draft, "md") == "# T\n\n— x\n"
    assert export(draft, "txt") == "T\n\n— x\n"


@needs_rome
@pytest.mark.parametrize("fmt", ["txt", "md"])
def test_the_sample_declaration_round_trips(tmp_path: Path, fmt: str) -> None:
    """Import -> export -> import gives the same title, clauses, kinds and dashes."""
    from drafting.actions import Actions
    from drafting.store import Store

    actions = Actions(Store(tmp_path / "d.db"))
    conf, chair, _ = actions.create_conference("Rome forum", "Chair")
    first = actions.import_document(chair, conf.id, ROME.read_bytes(), ROME.name)
    out = export(actions.draft_view(chair, first.id), fmt)
    again = actions.import_document(chair, conf.id, out.encode(), f"again.{fmt}")

    def shape(view: dict[str, Any]) -> list[Any]:
        return [(c["kind"], c["marker"], c["text"]) for c in view["clauses"]]

    before, after = actions.draft_view(chair, first.id), actions.draft_view(chair, again.id)
    assert (after["title"], after["details"]) == (before["title"], before["details"])
    assert shape(after) == shape(before)
    dashes = [c for c in before["clauses"] if c["kind"] == "item"]
    assert [c["marker"] for c in dashes] == ["–"] * 3
    assert all(f"\n– {c['text']}\n" in out for c in dashes)


CONGRESS = Path(__file__).parent / "data" / "congress-declaration.txt"


@pytest.mark.parametrize("fmt", ["txt", "md", "docx", "odt"])
def test_a_declaration_with_dashes_round_trips_in_every_editable_format(
    tmp_path: Path, fmt: str
) -> None:
    """The same on a declaration of the sample's form kept in the repository (the sample
    itself lives outside it): narrative paragraphs, "The congress participants declared:",
    items set off by en dashes, an em dash and a bullet, headings, a decision."""
    from drafting import publish
    from drafting.actions import Actions
    from drafting.store import Store

    actions = Actions(Store(tmp_path / "d.db"))
    conf, chair, _ = actions.create_conference("Water congress", "Chair")
    first = actions.import_document(chair, conf.id, CONGRESS.read_bytes(), CONGRESS.name)
    if fmt in ("txt", "md"):
        data = export(actions.draft_view(chair, first.id), fmt).encode()
    else:
        data = publish.render(actions.published_document(chair, first.id), fmt)
    again = actions.import_document(chair, conf.id, data, f"again.{fmt}")

    def shape(view: dict[str, Any]) -> list[Any]:
        return [(c["kind"], c["marker"], c["text"]) for c in view["clauses"]]

    before, after = actions.draft_view(chair, first.id), actions.draft_view(chair, again.id)
    assert before["title"] == after["title"] == "Declaration of the Lisbon Water Congress"
    assert shape(after) == shape(before)
    items = [(c["marker"], c["text"][:12]) for c in before["clauses"] if c["kind"] == "item"]
    assert items == [
        ("–", "Water is a c"),
        ("–", "Public utili"),
        ("—", "Workers of t"),
        ("•", "Rivers, lake"),
    ]
    kinds = {c["kind"] for c in before["clauses"]}
    assert {"heading", "item", "text"} <= kinds


# --- reading the Markdown back ------------------------------------------------------------


def test_sample_round_trips_through_markdown() -> None:
    back = parse_text(export(sample(), "md"))
    assert back == ParsedDocument(sample()["title"], flat(sample()["clauses"]))


def test_ambiguous_clauses_are_marked_and_escaped() -> None:
    draft: dict[str, Any] = {
        "id": 1,
        "title": "# Title #",
        "status": "draft",
        "clauses": [
            clause(1, "text", "", "Decision taken"),  # would read as a heading
            clause(2, "preambular", "", "Noting the report"),  # no comma
            clause(3, "text", "", "We met in Rome,"),  # comma before the operative part
            clause(4, "text", "", "1. Not a number"),
            clause(5, "text", "", "– not a list. *Not emphasis*."),
            clause(6, "operative", "1", "(a) is not a sub-clause;"),
            clause(7, "heading", "", "Closing words:"),
        ],
    }
    md = export(draft, "md")
    assert md.split("\n") == [
        "# \\# Title \\#",
        "",
        "<!-- text -->",
        "Decision taken",
        "",
        "<!-- preambular -->",
        "Noting the report",
        "",
        "<!-- text -->",
        "We met in Rome,",
        "",
        "<!-- text -->",
        "1\\. Not a number",
        "",
        "\\– not a list. \\*Not emphasis\\*.",
        "",
        "1. \\(a) is not a sub-clause;",
        "",
        "## Closing words:",
        "",
    ]
    assert parse_text(md) == ParsedDocument("# Title #", flat(draft["clauses"]))


def test_letters_past_h_and_romans_past_iv_read_back_at_their_level() -> None:
    subs = [
        clause(
            10 + n,
            "operative",
            "",
            f"Item {n};",
            1,
            [clause(100 + n * 10 + m, "operative", "", f"Sub {m};", 2) for m in range(n % 7)],
        )
        for n in range(12)
    ]
    draft: dict[str, Any] = {
        "id": 1,
        "title": "T",
        "clauses": [clause(1, "operative", "1", "Decides:", 0, subs)],
    }
    back = parse_text(export(draft, "md"))
    assert back.clauses == flat(draft["clauses"])


# --- the property -------------------------------------------------------------------------

ALPHABET = (
    "abcivxyzABCXYZéßñ"  # Latin, including letters that are also roman numerals
    "абвгдАБВЖЯ"  # Cyrillic
    "العربيةسلام،؛"  # Arabic
    "中文大会和平。，"  # CJK
    "🙂🕊✊🏽\u200d"  # emoji
    "\"'“”‘’„«»‹›"  # quotes and guillemets
    "-–—"  # dashes
    "0123456789"
    ":,;.!?()[]*_#<>&\\`~+=|/%"
    "    \u00a0"  # spaces
)
# Beginnings and endings the importer reads structure from, so collisions are common
PREFIXES = [
    "1. ", "12) ", "3 - ", "- ", "– ", "— ", "• ", "· ", "◦ ", "* ", "+ ", "# ", "## ", "> ",
    "(a) ", "a) ", "(i) ", "(ب) ", "---", "===", "<!-- text -->", "\\", "&amp; ",
    "The General Assembly", "[a]: ", "[link](x) ", "`code` ",
    # and the title block's lines
    "A/C.3/79/L.", "Draft resolution submitted by ", "Date: ", "Distr.: ", "United Nations",
    "Rome, 1 May 2024",
]  # fmt: skip
SUFFIXES = ["", "", ",", ":", ";", ".", " #", "\\", "،"]

free_text = st.text(ALPHABET, min_size=1, max_size=30)
texts = (
    st.tuples(st.sampled_from(["", "", *PREFIXES]), free_text, st.sampled_from(SUFFIXES))
    .map(lambda t: "".join(t).strip())
    .filter(bool)
)


def nodes(kinds: st.SearchStrategy[str], sub_kinds: st.SearchStrategy[str], level: int) -> Any:
    children = (
        st.lists(nodes(sub_kinds, sub_kinds, level + 1), max_size=10 if level == 0 else 4)
        if level < 2
        else st.just([])
    )
    return st.builds(
        lambda kind, text, kids, marker: {
            "kind": kind,
            "text": text,
            "children": kids,
            "marker": marker if kind == "item" else "",
        },
        kinds,
        texts,
        children,
        st.sampled_from(ITEM_MARKERS),
    )


# the title block's fields: as secretariats write them, and anything at all
detail_values = st.one_of(
    st.sampled_from(
        [
            "A/C.3/79/L.12",
            "E/CN.6/2025/L.3",
            "General Assembly",
            "Youth Forum",
            "Draft resolution submitted by the Chair",
            "Revised draft resolution",
            "Rome",
            "1 November 2024",
            "27–28 October 2023",
        ]
    ),
    texts.map(lambda t: " ".join(t.split())).filter(bool),
)
details = st.dictionaries(st.sampled_from(DRAFT_DETAILS), detail_values)


@st.composite
def drafts(draw: Any, any_nesting: bool = False) -> dict[str, Any]:
    """Drafts as the domain numbers them, with a title block; sub-clauses (and lists) under
    operative clauses unless `any_nesting`, where any kind nests under any kind (the domain
    allows that too)."""
    top = draw(st.lists(st.sampled_from(KINDS), max_size=12))
    sub_kinds = st.sampled_from(KINDS if any_nesting else ("operative", "item"))
    operative = 0
    clauses = []
    for kind in top:
        node = draw(nodes(st.just(kind), sub_kinds, 0))
        if kind != "operative" and not any_nesting:
            node["children"] = []
        if kind == "operative":
            operative += 1
        clauses.append(number(node, str(operative) if kind == "operative" else "", 0))
    return {
        "id": 1,
        "title": draw(texts),
        "status": "draft",
        "details": {k: "" for k in DRAFT_DETAILS} | draw(details),
        "clauses": clauses,
    }


def number(node: dict[str, Any], num: str, level: int) -> dict[str, Any]:
    labels = "abcdefghijkl" if level == 0 else ["i", "ii", "iii", "iv", "v"]
    return {
        "id": 0,
        "kind": node["kind"],
        "marker": node["marker"],
        "number": num,
        "level": level,
        "text": node["text"],
        "version": 1,
        "status": "live",
        "children": [
            number(child, f"({labels[i]})", level + 1) for i, child in enumerate(node["children"])
        ],
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drafts())
def test_markdown_round_trip(draft: dict[str, Any]) -> None:
    back = parse_text(export(draft, "md"))
    assert back == ParsedDocument(draft["title"], flat(draft["clauses"]), set_details(draft))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drafts(any_nesting=True))
def test_markdown_round_trip_any_nesting(draft: dict[str, Any]) -> None:
    back = parse_text(export(draft, "md"))
    assert back == ParsedDocument(draft["title"], flat(draft["clauses"]), set_details(draft))


def set_details(draft: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in draft["details"].items() if v}


def test_an_empty_clause_does_not_stop_the_marking() -> None:
    draft = {
        "id": 1,
        "title": "T",
        "clauses": [
            clause(1, "operative", "1", ""),  # just added, not written yet
            clause(2, "text", "", "Decision taken"),
        ],
    }
    assert parse_text(export(draft, "md")).clauses == [ParsedClause("text", 0, "Decision taken")]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(details, st.sampled_from(["md", "txt"]))
def test_the_title_block_reads_back_from_text_too(fields: dict[str, str], fmt: str) -> None:
    """The text export is not lossless for clause text, but its title block is."""
    back = parse_text(export({**un_draft(), "details": fields}, fmt))
    assert (back.title, back.details) == (UN_TITLE, fields)
    assert back.clauses == flat(un_draft()["clauses"])
