"""Importing declarations the way delegates bring them: text, Markdown, Word."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from drafting.errors import Invalid, TooLarge
from drafting.importing import (
    MAX_BYTES,
    ParsedClause,
    ParsedDocument,
    parse_markdown,
    parse_text,
    read_document,
)

ROME = Path(__file__).parents[2] / "shared/samples/rome-declaration.txt"
needs_rome = pytest.mark.skipif(
    not ROME.exists(), reason="the shared sample is not beside this checkout (../shared)"
)
DATA = Path(__file__).parent / "data"


def shape(doc: ParsedDocument) -> list[tuple[str, int]]:
    return [(c.kind, c.level) for c in doc.clauses]


def under_headings(doc: ParsedDocument) -> dict[str, list[ParsedClause]]:
    sections: dict[str, list[ParsedClause]] = {}
    current: list[ParsedClause] | None = None
    for c in doc.clauses:
        if c.kind == "heading":
            current = sections.setdefault(c.text, [])
        elif current is not None:
            current.append(c)
    return sections


# --- the Rome declaration -----------------------------------------------------------------


@needs_rome
def test_rome_declaration_imports_into_its_sections() -> None:
    doc = read_document(ROME.read_bytes(), ROME.name)

    assert doc.title == "International anti-war conference"
    assert all(c.text != doc.title for c in doc.clauses)
    assert all(c.level == 0 for c in doc.clauses)
    sections = under_headings(doc)
    assert list(sections) == [
        "The Forum participants declared:",
        "The Forum participants required:",
        "Determined the tasks:",
        "Decision taken",
    ]
    assert {h: len(cs) for h, cs in sections.items()} == {
        "The Forum participants declared:": 3,
        "The Forum participants required:": 1,
        "Determined the tasks:": 4,
        # three decisions, the closing paragraph and the signature line
        "Decision taken": 5,
    }
    # the declaration's dashes are a list, and only they
    declared = sections.pop("The Forum participants declared:")
    assert {(c.kind, c.marker) for c in declared} == {("item", "–")}
    assert all(c.kind == "text" and not c.marker for cs in sections.values() for c in cs)

    first_heading = next(i for i, c in enumerate(doc.clauses) if c.kind == "heading")
    narrative = doc.clauses[:first_heading]
    assert len(narrative) == 11
    assert {c.kind for c in narrative} == {"text"}
    assert narrative[0].text.startswith("Delegates from 40 international leftist")
    assert narrative[4].text == "But the Palestinian issue has been added as well."


@needs_rome
def test_rome_declaration_keeps_text_exactly() -> None:
    sections = under_headings(read_document(ROME.read_bytes(), ROME.name))
    declared = sections["The Forum participants declared:"]
    # the en dash list marker is stripped, nothing else
    assert declared[0].text == (
        "The aggressive policy of the US and the collective West is the main cause of the war "
        "in Ukraine and like in Palestine, pushes humanity to the brink of the Third World War."
    )
    assert "world’s countries" in declared[1].text
    assert "mask of «democratic globalization», protection" in declared[2].text
    # the odd no-break space in the original survives
    assert sections["The Forum participants required:"][0].text.startswith(
        "An immediate stop of \u00a0arms supply to Ukraine; end sanctions"
    )
    decisions = sections["Decision taken"]
    assert decisions[0].text == (
        "To establish a permanently operated network for coordination of the above mentioned "
        "tasks under the name «Stop Third World War – International Peace Initiative»."
    )
    assert decisions[-1].text == "CPRF CC International Department"
    tasks = sections["Determined the tasks:"]
    assert tasks[2].text.endswith("to the battlefield, BUT,")  # a comma, yet not preambular


# --- UN-style resolutions -----------------------------------------------------------------


def test_un_resolution_in_english() -> None:
    doc = read_document((DATA / "un-resolution-en.txt").read_bytes(), "un-resolution-en.txt")

    assert doc.title == "Draft resolution on transboundary water cooperation"
    assert doc.clauses[0] == ParsedClause("text", 0, "The General Assembly,")
    assert shape(doc) == (
        [("text", 0)]
        + [("preambular", 0)] * 4
        + [("operative", 0), ("operative", 0), ("operative", 1)]
        + [("operative", 2)] * 5  # (i) ... (v): (v) after (iv) is roman
        + [("operative", 1)] * 8  # (b) ... (h), then (i) after (h) is a letter
        + [("operative", 0), ("operative", 1), ("operative", 1), ("operative", 0)]
    )
    texts = [c.text for c in doc.clauses]
    # lines of one paragraph join with one space
    assert texts[1] == (
        "Recalling its resolution 64/292 of 28 July 2010 on the human right to safe drinking "
        "water and sanitation,"
    )
    assert texts[4].endswith("the “Water Action Agenda”;")  # ';' ends a preambular too
    assert (
        texts[5]
        == "Decides to convene a high-level meeting on transboundary water cooperation in 2026;"
    )
    assert texts[12] == "Early-warning systems for floods and droughts;"
    assert texts[20] == "To report to the Assembly at its eighty-second session;"
    assert texts[-1] == "Decides to remain seized of the matter."


def test_un_resolution_in_french_with_indented_a_and_i() -> None:
    doc = read_document((DATA / "un-resolution-fr.txt").read_bytes(), "un-resolution-fr.txt")

    assert doc.title == "Projet de résolution sur l’éducation à la paix"
    assert shape(doc) == [
        ("text", 0),
        ("preambular", 0),
        ("preambular", 0),
        ("preambular", 0),
        ("operative", 0),
        ("operative", 0),
        ("operative", 1),
        ("operative", 1),
        ("operative", 2),
        ("operative", 2),
        ("operative", 1),
        ("operative", 0),
    ]
    assert doc.clauses[0].text == "L’Assemblée générale,"
    assert doc.clauses[1].text.endswith(
        "« Déclaration et Programme d’action sur une culture de la paix »,"
    )
    assert doc.clauses[3].text.endswith("les religions ;")
    assert doc.clauses[5].text == "Prie le Secrétaire général :"
    assert doc.clauses[6].text == "De lui présenter un rapport à sa quatre-vingt-unième session ;"
    assert doc.clauses[9].text == "Les échanges d’enseignants et d’élèves ;"


def test_un_resolution_in_arabic() -> None:
    doc = read_document((DATA / "un-resolution-ar.txt").read_bytes(), "un-resolution-ar.txt")

    assert doc.title == "مشروع قرار بشأن التعاون في مجال المياه العابرة للحدود"
    assert doc.clauses[0] == ParsedClause("text", 0, "إن الجمعية العامة،")
    assert shape(doc) == [
        ("text", 0),
        ("preambular", 0),
        ("preambular", 0),
        ("preambular", 0),
        ("operative", 0),
        ("operative", 0),
        ("operative", 1),  # (أ)
        ("operative", 2),
        ("operative", 2),
        ("operative", 1),  # (ب)
        ("operative", 0),
    ]
    assert doc.clauses[1].text == (
        "إذ تشير إلى قرارها 64/292 المؤرخ 28 تموز/يوليه 2010 بشأن حق الإنسان في المياه،"
    )
    assert (
        doc.clauses[4].text
        == "تقرر عقد اجتماع رفيع المستوى بشأن التعاون في مجال المياه في عام 2026؛"
    )
    assert doc.clauses[9].text == "أن يتشاور مع الدول الأعضاء واللجان الإقليمية «بصورة منتظمة»؛"


@pytest.mark.parametrize(
    ("lines", "levels"),
    [
        (["(a) x;", "(b) y;", "(i) z;", "(ii) w;", "(c) v."], [1, 1, 2, 2, 1]),
        # (i) right after (h) is the ninth letter
        ([f"({c}) x;" for c in "abcdefghi"], [1] * 9),
        # ... unless (ii) follows: then it opened a roman list under (h)
        ([f"({c}) x;" for c in "abcdefgh"] + ["(i) y;", "(ii) z;"], [1] * 8 + [2, 2]),
        # (v) after (iv) continues the romans; (v) after (u) would be a letter
        (["(u) x;", "(i) a;", "(ii) b;", "(iii) c;", "(iv) d;", "(v) e;"], [1, 2, 2, 2, 2, 2]),
        # indentation settles it: (v) back at the letters' indentation is a letter
        (["  (u) x;", "    (i) a;", "    (iv) d;", "  (v) e;"], [1, 2, 2, 1]),
        (["a) x;", "b) y;", "i) z;", "ii) w;"], [1, 1, 2, 2]),
    ],
)
def test_sub_clause_levels(lines: list[str], levels: list[int]) -> None:
    doc = parse_text("T\n\n1. Decides:\n" + "\n".join(lines))
    assert [c.level for c in doc.clauses] == [0, *levels]
    assert {c.kind for c in doc.clauses} == {"operative"}


def test_sub_clause_marker_with_nothing_to_nest_under_is_kept() -> None:
    doc = parse_text("T\n\nOur demands\n\n(a) stop the war;\n\n(b) peace.")
    assert [(c.kind, c.level, c.text) for c in doc.clauses] == [
        ("heading", 0, "Our demands"),
        ("text", 0, "(a) stop the war;"),
        ("text", 0, "(b) peace."),
    ]


# --- the title block ----------------------------------------------------------------------

# a UN L document as pdftotext lays it out: two columns, the agenda item's title wrapped, the
# sponsors' names wrapped above ": draft resolution", the title wrapped too
UN_L_DOCUMENT = """\
United Nations                                   A/C.3/79/L.12
General Assembly                                 Distr.: Limited
                                                 1 November 2024
                                                 Original: English

Seventy-ninth session
Third Committee
Agenda item 71 (b)
Promotion and protection of human rights: human rights questions, including
alternative approaches for improving the effective enjoyment of human rights

Albania, Andorra, Australia, Austria,
Belgium and Zimbabwe: draft resolution

Promotion and protection of human rights in the context of
peaceful protests

The General Assembly,

Recalling its resolution 78/1,

1. Calls upon States:

    – to respect peaceful protests;

    – to protect those who take part in them;

2. Decides to remain seized of the matter.
"""


def test_un_title_block_gives_the_details_and_the_real_title() -> None:
    doc = parse_text(UN_L_DOCUMENT)

    assert (
        doc.title == "Promotion and protection of human rights in the context of peaceful protests"
    )
    assert doc.details == {
        "symbol": "A/C.3/79/L.12",
        "body": "General Assembly",
        "date": "1 November 2024",
        "submission": (
            "Albania, Andorra, Australia, Austria, Belgium and Zimbabwe: draft resolution"
        ),
    }
    # the opener stays the first clause; nothing of the title block is left in the text
    assert [(c.kind, c.level, c.marker, c.text) for c in doc.clauses] == [
        ("text", 0, "", "The General Assembly,"),
        ("preambular", 0, "", "Recalling its resolution 78/1,"),
        ("operative", 0, "", "Calls upon States:"),
        ("item", 1, "–", "to respect peaceful protests;"),
        ("item", 1, "–", "to protect those who take part in them;"),
        ("operative", 0, "", "Decides to remain seized of the matter."),
    ]


@pytest.mark.parametrize(
    "submission",
    [
        "Draft resolution submitted by the Chair",
        "Draft decision submitted by the President",
        "Draft resolution proposed by the Vice-Chair on the basis of informal consultations",
        "Revised draft resolution",
        "Draft resolution A/C.2/79/L.5 submitted by the Chair",
        "Proposal by the Chair",
        "Brazil: draft resolution",
        "Projet de résolution présenté par la Présidente",
        "Projet de décision révisé soumis par le Bureau",
        "Proyecto de resolución presentado por la Presidencia",
        "Propuesta presentada por el Presidente",
    ],
)
def test_submission_line_is_a_detail_and_the_title_follows_it(submission: str) -> None:
    doc = parse_text(f"{submission}\n\nDeclaration on water\n\nThe General Assembly,\n\nNoting,")
    assert doc.title == "Declaration on water"
    assert doc.details == {"submission": submission}
    assert shape(doc) == [("text", 0), ("preambular", 0)]


def test_wrapped_submission_line_and_title() -> None:
    doc = parse_text(
        "Draft resolution submitted by the Vice-Chair of the Committee, Ms. Ana Silva (Chile),\n"
        "on the basis of informal consultations\n\n"
        "Women and girls\nin rural areas\n\n1. Decides."
    )
    assert doc.details["submission"] == (
        "Draft resolution submitted by the Vice-Chair of the Committee, Ms. Ana Silva (Chile), "
        "on the basis of informal consultations"
    )
    assert doc.title == "Women and girls in rural areas"
    assert doc.clauses == [ParsedClause("operative", 0, "Decides.")]


@pytest.mark.parametrize(
    "title",
    [
        "Draft resolution on transboundary water cooperation",
        "Draft declaration on the rights of peoples affected by climate change",
        "Draft resolution on the report presented by the Secretary-General",
        "Projet de résolution sur l’éducation à la paix",
        "Proposals for a lasting peace",
        "International anti-war conference",
    ],
)
def test_a_title_that_opens_like_a_submission_line_stays_the_title(title: str) -> None:
    doc = parse_text(f"{title}\n\nThe General Assembly,\n\nNoting,\n\n1. Decides.")
    assert (doc.title, doc.details) == (title, {})
    assert shape(doc) == [("text", 0), ("preambular", 0), ("operative", 0)]


def test_symbol_and_organ_without_a_submission_line() -> None:
    doc = parse_text("A/79/L.5\nGeneral Assembly\n\nDeclaration of the Youth Forum\n\n1. Decides.")
    assert doc.details == {"symbol": "A/79/L.5", "body": "General Assembly"}
    assert doc.title == "Declaration of the Youth Forum"  # names an organ, yet the title
    assert doc.clauses == [ParsedClause("operative", 0, "Decides.")]


def test_title_block_in_markdown_before_the_title() -> None:
    doc = parse_markdown(
        "General Assembly\n\nRome, 28 October 2023\n\n# Declaration on peace\n\nBody."
    )
    assert doc.title == "Declaration on peace"
    assert doc.details == {"body": "General Assembly", "place": "Rome", "date": "28 October 2023"}
    assert doc.clauses == [ParsedClause("text", 0, "Body.")]
    # a YAML header may give them too
    doc = parse_markdown("---\ntitle: Peace\nsymbol: A/79/L.5\n---\n\nBody.")
    assert (doc.title, doc.details) == ("Peace", {"symbol": "A/79/L.5"})


def test_a_line_above_the_block_that_it_cannot_place() -> None:
    # a document with a dated line under its title is no UN text: its first line is the title
    doc = parse_text("Meeting notes\n\nDate: 5 May 2024\n\nWe discussed peace.")
    assert (doc.title, doc.details) == ("Meeting notes", {"date": "5 May 2024"})
    assert doc.clauses == [ParsedClause("text", 0, "We discussed peace.")]
    # in a UN text the title follows the block, and a line it cannot place stays as text
    doc = parse_text("Youth club of Turin\nMUN/2025/L.1\n\nDeclaration on peace\n\n1. Decides.")
    assert (doc.title, doc.details) == ("Declaration on peace", {"symbol": "MUN/2025/L.1"})
    assert doc.clauses[0].text == "Youth club of Turin"


def test_sponsors_too_many_for_the_title_block_stay_in_the_text() -> None:
    names = ", ".join(f"Member State number {n}" for n in range(30))
    doc = parse_text(f"A/79/L.5\n\n{names}: draft resolution\n\nWater\n\n1. Decides.")
    assert doc.title == "Water"
    assert doc.details == {"symbol": "A/79/L.5"}  # each detail holds at most 300 characters
    assert doc.clauses[0] == ParsedClause("text", 0, f"{names}: draft resolution")


def test_imported_details_reach_the_draft(tmp_path: Path) -> None:
    from drafting.actions import Actions
    from drafting.store import Store

    actions = Actions(Store(tmp_path / "d.db"))
    conf, chair, _ = actions.create_conference("Third Committee", "Chair")
    draft = actions.import_document(chair, conf.id, UN_L_DOCUMENT.encode(), "l12.txt")
    assert draft.symbol == "A/C.3/79/L.12"
    assert draft.submission.endswith("Belgium and Zimbabwe: draft resolution")
    assert draft.title.startswith("Promotion and protection")


# --- list items ---------------------------------------------------------------------------


def test_a_sub_list_nests_under_its_item_when_indented() -> None:
    doc = parse_text("T\n\n- peace\n  - bread\n    • roses\n- work\n\n  * and rest")
    assert [(c.level, c.marker, c.text) for c in doc.clauses] == [
        (0, "-", "peace"),
        (1, "-", "bread"),
        (2, "•", "roses"),
        (0, "-", "work"),
        (1, "*", "and rest"),
    ]
    assert {c.kind for c in doc.clauses} == {"item"}


def test_a_list_under_an_operative_paragraph() -> None:
    doc = parse_text(
        "T\n\n1. Requests:\n    (a) a report;\n    – a debate;\n    (c) a vote;\n"
        "2. Calls for:\n– peace;\n– bread."
    )
    assert [(c.kind, c.level, c.marker) for c in doc.clauses] == [
        ("operative", 0, ""),
        ("operative", 1, ""),
        ("item", 1, "–"),  # among the sub-paragraphs it takes the place of (b)
        ("operative", 1, ""),
        ("operative", 0, ""),
        ("item", 0, "–"),  # not indented: the list follows the paragraph
        ("item", 0, "–"),
    ]


@pytest.mark.parametrize(
    "line",
    ["Peace – now, and bread — later.", "—", "-5 % of the budget.", "–", "--", "•bread"],
)
def test_what_is_not_a_list_item(line: str) -> None:
    doc = parse_text(f"T\n\nText.\n\n{line}\n\nMore text.")
    assert all(c.kind != "item" and not c.marker for c in doc.clauses)
    assert line in [c.text for c in doc.clauses] or line == "--"


# --- plain text rules ---------------------------------------------------------------------


def test_dashes_and_bullets_are_list_items_with_the_marker_typed() -> None:
    text = (
        "Title\n\n"
        "We resolve:\n"
        "- first point\n"
        "– second point, which runs\n"
        "  onto a second line\n"
        "— third\n"
        "• fourth\n"
        "* fifth\n"
        "+ sixth\n"
        "1. seventh\n"
        "2) eighth\n"
    )
    doc = parse_text(text)
    assert [(c.kind, c.marker, c.text) for c in doc.clauses] == [
        ("heading", "", "We resolve:"),
        ("item", "-", "first point"),
        ("item", "–", "second point, which runs onto a second line"),
        ("item", "—", "third"),
        ("item", "•", "fourth"),
        ("item", "*", "fifth"),
        ("item", "-", "sixth"),  # "+" is no marker of the domain's: the ASCII one
        # numbered lists stay operative paragraphs
        ("operative", "", "seventh"),
        ("operative", "", "eighth"),
    ]


def test_headings_short_lines_between_paragraphs() -> None:
    doc = parse_text(
        "Title\n\nAnnex I\n\nA paragraph.\n\nA short closing line?\n\nBy the Secretariat"
    )
    assert [(c.kind, c.text) for c in doc.clauses] == [
        ("heading", "Annex I"),
        ("text", "A paragraph."),
        ("text", "A short closing line?"),
        ("text", "By the Secretariat"),  # last line: nothing under it, a signature
    ]


def test_no_un_opener_no_preambular() -> None:
    doc = parse_text("Title\n\nWe met in Rome,\n\nand agreed on peace.")
    assert {c.kind for c in doc.clauses} == {"text"}


def test_text_of_every_script_is_kept_exactly() -> None:
    lines = [
        "Генеральная Ассамблея призывает к миру — «немедленно»!",
        "大会呼吁各方保持克制。",
        "يدعو المؤتمر إلى وقف إطلاق النار فوراً.",
        "We ✊🏽 stand for peace 🕊️ — “now”, ‘always’ & <forever>.",
        "Tab\tinside and  two spaces, \\backslash and *stars*.",
    ]
    doc = parse_text("Title\n\n" + "\n\n".join(lines))
    assert [c.text for c in doc.clauses] == lines


def test_given_title_keeps_the_first_line_as_a_clause() -> None:
    doc = parse_text("Decision taken\n\nTo meet again.", title="  Rome 2023  ")
    assert doc.title == "Rome 2023"
    assert doc.clauses == [
        ParsedClause("heading", 0, "Decision taken"),
        ParsedClause("text", 0, "To meet again."),
    ]


def test_bom_and_crlf() -> None:
    data = "\ufeffTitle\r\n\r\nThe Conference,\r\n\r\nNoting this,\r\n\r\n1. Decides.\r\n"
    doc = read_document(data.encode(), "x.txt")
    assert doc.title == "Title"
    assert shape(doc) == [("text", 0), ("preambular", 0), ("operative", 0)]
    assert doc.clauses[2].text == "Decides."


def test_title_longer_than_a_title_says_so() -> None:
    with pytest.raises(Invalid, match="first line"):
        parse_text("x" * 600 + "\n\nbody")
    assert parse_text("x" * 600 + "\n\nbody", title="Short").clauses[0].text == "x" * 600


# --- Markdown -----------------------------------------------------------------------------


def test_markdown_headings_lists_and_escapes() -> None:
    text = (
        "# Declaration of the *Youth* Forum\n\n"
        "## Part one ##\n\n"
        "* a bullet\n"
        "* another\n\n"
        "1\\. Not a number.\n\n"
        "\\- Not a dash, and 2 \\* 3.\n\n"
        "Part two\n"
        "--------\n\n"
        "***\n\n"
        "Closing.\n"
    )
    doc = parse_markdown(text)
    assert doc.title == "Declaration of the *Youth* Forum"
    assert [(c.kind, c.marker, c.text) for c in doc.clauses] == [
        ("heading", "", "Part one"),
        ("item", "*", "a bullet"),  # Markdown's list syntax keeps the marker typed
        ("item", "*", "another"),
        ("text", "", "1. Not a number."),
        ("text", "", "- Not a dash, and 2 * 3."),
        ("heading", "", "Part two"),
        ("text", "", "Closing."),
    ]


def test_markdown_is_detected_from_content_and_extension() -> None:
    assert parse_text("# T\n\nA \\* b.").clauses[0].text == "A * b."
    assert read_document(b"T\n\nA \\* b.", "x.md").clauses[0].text == "A * b."
    # plain text keeps its backslashes
    assert read_document(b"T\n\nA \\* b.", "x.txt").clauses[0].text == "A \\* b."


def test_markdown_front_matter_and_separators() -> None:
    doc = parse_text("---\ntitle: 'Final text'\nlang: fr\n---\n\n## Annex\n\nBody.\n")
    assert doc == ParsedDocument(
        "Final text", [ParsedClause("heading", 0, "Annex"), ParsedClause("text", 0, "Body.")]
    )
    assert parse_text("* * *\n\nTitle\n=====\n\nBody.").title == "Title"
    with pytest.raises(Invalid, match="no text"):
        parse_text("---\n\n***\n")


def test_kind_marker_lines() -> None:
    doc = parse_markdown("# T\n\n<!-- text -->\nDecision taken\n\n<!-- preambular -->\nNoting")
    assert [(c.kind, c.text) for c in doc.clauses] == [
        ("text", "Decision taken"),
        ("preambular", "Noting"),
    ]


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"Title\n\x00\x01\x02binary", "x.txt", "binary"),
        (b"", "x.txt", "empty"),
        (b" \n\t\r\n  \n", "x.md", "empty"),
        ("\ufeff".encode() + b"  \r\n", "x.txt", "empty"),
        (b"Title\n\nCaf\xe9 au lait", "x.txt", r"not valid UTF-8: byte 0xe9 at offset 10"),
        (b"\xef\xbb\xbfTitle\n\xff", "x.txt", r"byte 0xff at offset 9"),
        ("Title\n\nText".encode("utf-16"), "x.txt", "UTF-16"),
        (b"not a zip at all", "x.docx", "not a valid .docx"),
        (b"PK\x03\x04 broken zip", "x.docx", "not a valid .docx"),
        (b"%PDF-1.7\n...", "x.pdf", "PDF"),
        (b"{\\rtf1\\ansi hello}", "x.txt", "RTF"),
        (b"Title\n\nText", "x.rtf", r"Cannot import \.rtf"),
        (bytes(range(128, 256)) * 4, "x.txt", "binary"),
    ],
)
def test_bad_input_is_refused_clearly(data: bytes, filename: str, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        read_document(data, filename)


def test_zip_that_is_not_word() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(Invalid, match="not a valid .docx"):
        read_document(out.getvalue(), "x.docx")


def test_too_large_is_checked_before_decoding() -> None:
    data = b"\xff" * (MAX_BYTES + 1)  # not UTF-8 either: size is what we report
    with pytest.raises(TooLarge, match="at most 10 MB"):
        read_document(data, "big.txt")
    assert len(b"T\n\n" + b"x" * (MAX_BYTES - 3)) == MAX_BYTES
    assert read_document(b"T\n\n" + b"x" * (MAX_BYTES - 3), "ok.txt").clauses[0].level == 0


def test_parse_text_refuses_nul_and_empty() -> None:
    with pytest.raises(Invalid, match="binary"):
        parse_text("Title\x00")
    with pytest.raises(Invalid, match="empty"):
        parse_text("\n \n")
