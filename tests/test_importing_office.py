"""Importing Word and OpenDocument files made elsewhere: their numbering and styles decide
the structure (issue 11). Our own exports coming back are in test_publish_office.py."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from drafting import importing_office
from drafting.document import lead_length
from drafting.errors import Invalid, TooLarge
from drafting.importing import ParsedClause, ParsedDocument, read_document
from drafting.importing_office import office_text

W = nsdecls("w")


def shape(doc: ParsedDocument) -> list[tuple[str, int, str]]:
    return [(c.kind, c.level, c.text) for c in doc.clauses]


def docx_bytes(build: Callable[[Any], object]) -> bytes:
    document = docx.Document()
    build(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- Word: its numbering decides ------------------------------------------------------------


def test_docx_styles_and_word_numbering() -> None:
    def build(d: Any) -> None:
        d.add_paragraph("Declaration of the Youth Forum", style="Title")
        d.add_paragraph("The Youth Forum,")
        d.add_paragraph("Recalling the Charter of the United Nations,")
        d.add_heading("Commitments", level=1)
        d.add_paragraph("Decides to act;", style="List Number")
        d.add_paragraph("Calls for:", style="List Number")
        d.add_paragraph("peace;", style="List Number 2")
        d.add_paragraph("bread, «and roses»;", style="List Number 2")
        d.add_paragraph("everywhere;", style="List Number 3")
        d.add_paragraph("Typed by hand, not by Word;", style="List Bullet")
        d.add_paragraph("3. Requests a report.")
        d.add_paragraph("يدعو إلى السلام.")
        d.add_table(rows=1, cols=1).cell(0, 0).text = "Inside a table."

    doc = read_document(docx_bytes(build), "youth.docx")
    assert doc.title == "Declaration of the Youth Forum"
    # the bulleted line's kind is the text parser's to give (a list item: see below)
    assert [(c.level, c.text) for c in doc.clauses] == [
        (0, "The Youth Forum,"),
        (0, "Recalling the Charter of the United Nations,"),
        (0, "Commitments"),
        (0, "Decides to act;"),
        (0, "Calls for:"),
        (1, "peace;"),
        (1, "bread, «and roses»;"),
        (2, "everywhere;"),
        (0, "Typed by hand, not by Word;"),
        (0, "Requests a report."),
        (0, "يدعو إلى السلام."),
        (0, "Inside a table."),
    ]
    assert [c.kind for c in doc.clauses[:8] + doc.clauses[9:]] == [
        "text",
        "preambular",
        "heading",
        "operative",
        "operative",
        "operative",
        "operative",
        "operative",
        "operative",
        "text",
        "text",
    ]


def test_docx_bullets_are_list_items_with_their_character() -> None:
    """Word's "List Bullet" draws its bullet in the Symbol font (U+F0B7): it comes in as •.
    The clause is a list item once the text parser reads "• " lines as items (pub-text)."""

    def build(d: Any) -> None:
        d.add_paragraph("T", style="Title")
        d.add_paragraph("We demand:")
        d.add_paragraph("peace;", style="List Bullet")
        d.add_paragraph("bread.", style="List Bullet")

    data = docx_bytes(build)
    assert office_text(data).split("\n\n") == ["# T", "We demand:", "• peace;", "• bread."]
    assert [(c.kind, c.text, c.marker) for c in read_document(data, "x.docx").clauses[1:]] == [
        ("item", "peace;", "•"),
        ("item", "bread.", "•"),
    ]


def test_docx_is_recognised_by_content_whatever_its_name() -> None:
    data = docx_bytes(lambda d: (d.add_paragraph("T"), d.add_paragraph("Body.")))
    assert read_document(data, "upload").clauses == [ParsedClause("text", 0, "Body.")]


# Word's numbering button: a "hybridMultilevel" list of nine levels, 1. / a. / i. ...,
# exactly as Word 2016-365 writes it in numbering.xml: (numFmt, lvlText, lvlJc, tplc)
WORD_LEVELS = [
    ("decimal", "%{}.", "left", "0409000F"),
    ("lowerLetter", "%{}.", "left", "04090019"),
    ("lowerRoman", "%{}.", "right", "0409001B"),
] * 3


TENTATIVE = ' w:tentative="1"'  # Word marks the levels not used yet


def word_list(d: Any, levels: list[tuple[str, str, str, str]] = WORD_LEVELS) -> str:
    """Add a list to the document's numbering as Word's numbering button does; its numId."""
    numbering = d.part.numbering_part.element
    aid = 1 + max(int(a.get(qn("w:abstractNumId"))) for a in numbering.findall(qn("w:abstractNum")))
    nid = 1 + max(int(n.get(qn("w:numId"))) for n in numbering.findall(qn("w:num")))
    lvls = "".join(
        f'<w:lvl w:ilvl="{i}" w:tplc="{tplc}"{TENTATIVE if i else ""}>'
        f'<w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text.format(i + 1)}"/>'
        f'<w:lvlJc w:val="{jc}"/><w:pPr><w:ind w:left="{720 * (i + 1)}" '
        f'w:hanging="{180 if jc == "right" else 360}"/></w:pPr></w:lvl>'
        for i, (fmt, text, jc, tplc) in enumerate(levels)
    )
    numbering.find(qn("w:num")).addprevious(
        parse_xml(
            f'<w:abstractNum {W} w:abstractNumId="{aid}"><w:nsid w:val="3B5A2C8E"/>'
            f'<w:multiLevelType w:val="hybridMultilevel"/><w:tmpl w:val="0409000F"/>'
            f"{lvls}</w:abstractNum>"
        )
    )
    numbering.append(
        parse_xml(f'<w:num {W} w:numId="{nid}"><w:abstractNumId w:val="{aid}"/></w:num>')
    )
    return str(nid)


def numbered(d: Any, text: str, num_id: str, ilvl: int, style: str = "List Paragraph") -> Any:
    """A paragraph numbered on the paragraph itself (`w:numPr` in its `w:pPr`), as Word
    sets it when one clicks the numbering button and presses Tab for a sub-paragraph."""
    p = d.add_paragraph(text, style=style)
    p._p.get_or_add_pPr().append(
        parse_xml(f'<w:numPr {W}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>')
    )
    return p


def test_word_numbering_button_keeps_sub_paragraphs() -> None:
    """The issue's case: numbering set on the paragraphs, "level 2" (ilvl 1) for the
    sub-paragraphs, style List Paragraph, no list style: (a) and (b) are level-1 children
    of their operative paragraph, (i) a level-2 child of (b)."""

    def build(d: Any) -> None:
        num = word_list(d)
        d.add_paragraph("Draft resolution on water", style="Title")
        d.add_paragraph("The General Assembly,")
        d.add_paragraph("Recalling its resolution 64/292,")
        numbered(d, "Decides to convene a meeting;", num, 0)
        numbered(d, "Requests the Secretary-General:", num, 0)
        numbered(d, "To prepare a report;", num, 1)
        numbered(d, "To consult the regions, in particular:", num, 1)
        numbered(d, "the regional commissions;", num, 2)
        numbered(d, "Decides to remain seized of the matter.", num, 0)

    doc = read_document(docx_bytes(build), "water.docx")
    assert doc.title == "Draft resolution on water"
    assert shape(doc) == [
        ("text", 0, "The General Assembly,"),
        ("preambular", 0, "Recalling its resolution 64/292,"),
        ("operative", 0, "Decides to convene a meeting;"),
        ("operative", 0, "Requests the Secretary-General:"),
        ("operative", 1, "To prepare a report;"),
        ("operative", 1, "To consult the regions, in particular:"),
        ("operative", 2, "the regional commissions;"),
        ("operative", 0, "Decides to remain seized of the matter."),
    ]


def test_word_letter_list_of_its_own_nests_under_the_operative_paragraph() -> None:
    """Sub-paragraphs numbered in a list of their own that counts a), b) from its first
    level (ilvl 0) are still sub-paragraphs; numId 0 takes a style's numbering away."""

    def build(d: Any) -> None:
        ops = word_list(d)
        subs = word_list(d, [("lowerLetter", "%{})", "left", "04090017")] * 9)
        d.add_paragraph("T", style="Title")
        numbered(d, "Calls for:", ops, 0)
        numbered(d, "peace;", subs, 0)
        numbered(d, "bread;", subs, 0)
        numbered(d, "roses everywhere.", ops, 0)
        numbered(d, "Signed in Rome.", "0", 0, style="List Number")

    doc = read_document(docx_bytes(build), "x.docx")
    assert shape(doc) == [
        ("operative", 0, "Calls for:"),
        ("operative", 1, "peace;"),
        ("operative", 1, "bread;"),
        ("operative", 0, "roses everywhere."),
        ("text", 0, "Signed in Rome."),
    ]


def test_word_numbering_from_paragraph_styles_and_a_list_style() -> None:
    """Numbering in the paragraph styles (a secretariat template: "UN Operative" linked to
    level 0 by the level's pStyle, "UN Sub" with its ilvl, a style based on it inheriting
    both), through a list style (`numStyleLink` -> numbering style -> the list that holds
    the levels), with a `lvlOverride` that makes level 2 a dash."""

    def build(d: Any) -> None:
        numbering = d.part.numbering_part.element
        levels = "".join(
            f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>{ps}'
            f'<w:lvlText w:val="{text}"/></w:lvl>'
            for i, (fmt, text, ps) in enumerate(
                [
                    ("decimal", "%1.", '<w:pStyle w:val="UNOperative"/>'),
                    ("lowerLetter", "(%2)", ""),
                    ("lowerRoman", "(%3)", ""),
                ]
            )
        )
        first = numbering.find(qn("w:num"))
        first.addprevious(
            parse_xml(
                f'<w:abstractNum {W} w:abstractNumId="90"><w:multiLevelType w:val="multilevel"/>'
                f'<w:styleLink w:val="UNParagraphs"/>{levels}</w:abstractNum>'
            )
        )
        first.addprevious(
            parse_xml(
                f'<w:abstractNum {W} w:abstractNumId="91"><w:multiLevelType w:val="multilevel"/>'
                f'<w:numStyleLink w:val="UNParagraphs"/></w:abstractNum>'
            )
        )
        numbering.append(
            parse_xml(f'<w:num {W} w:numId="90"><w:abstractNumId w:val="90"/></w:num>')
        )
        numbering.append(
            parse_xml(
                f'<w:num {W} w:numId="91"><w:abstractNumId w:val="91"/>'
                f'<w:lvlOverride w:ilvl="2"><w:lvl w:ilvl="2"><w:numFmt w:val="bullet"/>'
                f'<w:lvlText w:val="–"/></w:lvl></w:lvlOverride></w:num>'
            )
        )
        d.styles.element.append(
            parse_xml(
                f'<w:style {W} w:type="numbering" w:styleId="UNParagraphs">'
                f'<w:name w:val="UN Paragraphs"/><w:pPr><w:numPr><w:numId w:val="90"/>'
                f"</w:numPr></w:pPr></w:style>"
            )
        )
        for sid, name, num_pr, based in (
            ("UNOperative", "UN Operative", '<w:numId w:val="91"/>', "Normal"),
            ("UNSub", "UN Sub", '<w:ilvl w:val="1"/><w:numId w:val="91"/>', "Normal"),
            ("UNSubNarrow", "UN Sub Narrow", "", "UNSub"),
        ):
            d.styles.element.append(
                parse_xml(
                    f'<w:style {W} w:type="paragraph" w:customStyle="1" w:styleId="{sid}">'
                    f'<w:name w:val="{name}"/><w:basedOn w:val="{based}"/>'
                    f"<w:pPr><w:numPr>{num_pr}</w:numPr></w:pPr></w:style>"
                    if num_pr
                    else f'<w:style {W} w:type="paragraph" w:customStyle="1" w:styleId="{sid}">'
                    f'<w:name w:val="{name}"/><w:basedOn w:val="{based}"/></w:style>'
                )
            )
        d.add_paragraph("T", style="Title")
        d.add_paragraph("Requests:", style="UN Operative")
        d.add_paragraph("a report;", style="UN Sub")
        d.add_paragraph("a plan;", style="UN Sub Narrow")
        numbered(d, "with dates.", "91", 2, style="UN Sub")
        d.add_paragraph("Decides to meet again.", style="UN Operative")

    data = docx_bytes(build)
    assert office_text(data).split("\n\n") == [
        "# T",
        "1. Requests:",
        "    (a) a report;",
        "    (b) a plan;",
        "        – with dates.",
        "2. Decides to meet again.",
    ]
    clauses = read_document(data, "x.docx").clauses
    # the dashed line is the text parser's to nest (a list item under (b), with pub-text)
    assert [(c.kind, c.level, c.text) for c in clauses if c.text != "with dates."] == [
        ("operative", 0, "Requests:"),
        ("operative", 1, "a report;"),
        ("operative", 1, "a plan;"),
        ("operative", 0, "Decides to meet again."),
    ]


def test_italic_lead_words_do_not_split_the_paragraph() -> None:
    """Lead words set in italics by hand (runs split mid-word, as Word's spell checker and
    revisions leave them) come in whole; our lead-word rule then sets the same words in
    italics again on export."""
    paragraphs = [
        ([("Re", True), ("calling", True), (" its resolution 64/292,", False)], ""),
        ([("Taking note with appreciation", True), (" of the report,", False)], ""),
        ([("Strongly ", True), ("condemns", True), (" the attacks;", False)], "num"),
        ([("Decides", True), (" to remain seized of the matter.", False)], "num"),
    ]

    def build(d: Any) -> None:
        num = word_list(d)
        d.add_paragraph("T", style="Title")
        d.add_paragraph("The General Assembly,")
        for runs, numbering in paragraphs:
            p = d.add_paragraph(style="List Paragraph" if numbering else None)
            for text, italic in runs:
                p.add_run(text).italic = italic
            if numbering:
                p._p.get_or_add_pPr().append(
                    parse_xml(f'<w:numPr {W}><w:ilvl w:val="0"/><w:numId w:val="{num}"/></w:numPr>')
                )

    doc = read_document(docx_bytes(build), "x.docx")
    assert shape(doc)[1:] == [
        ("preambular", 0, "Recalling its resolution 64/292,"),
        ("preambular", 0, "Taking note with appreciation of the report,"),
        ("operative", 0, "Strongly condemns the attacks;"),
        ("operative", 0, "Decides to remain seized of the matter."),
    ]
    for clause, (runs, _) in zip(doc.clauses[1:], paragraphs, strict=True):
        italic = "".join(text for text, it in runs if it).rstrip()
        assert clause.text[: lead_length(clause.kind, clause.text)] == italic


def test_un_title_block_in_word_is_read_by_the_text_rules() -> None:
    """A UN draft typed in Word: the symbol and submission line in plain paragraphs, the
    title in Word's Title style. Holds once the text parser reads the UN title block
    (pub-text)."""

    def build(d: Any) -> None:
        d.add_paragraph("General Assembly")
        d.add_paragraph("A/C.3/79/L.12")
        d.add_paragraph("Draft resolution submitted by the Chair")
        d.add_paragraph("Water for all", style="Title")
        d.add_paragraph("The General Assembly,")
        d.add_paragraph("Recalling its resolution 64/292,")
        d.add_paragraph("1. Decides to act.")

    doc = read_document(docx_bytes(build), "x.docx")
    assert doc.title == "Water for all"
    assert doc.details["submission"] == "Draft resolution submitted by the Chair"
    assert doc.details["symbol"] == "A/C.3/79/L.12"
    assert shape(doc)[0] == ("text", 0, "The General Assembly,")


# --- OpenDocument from Writer -----------------------------------------------------------------

ODF_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"'
)


def odt_bytes(body: str, automatic: str = "", styles: str = "", mimetype: str = "") -> bytes:
    """An .odt as LibreOffice Writer writes one: mimetype first and stored, content.xml
    with automatic styles (P1, L1) over the named styles of styles.xml."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", mimetype or "application/vnd.oasis.opendocument.text")
        z.writestr(
            "content.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODF_NS} '
            f'office:version="1.3"><office:automatic-styles>{automatic}'
            f"</office:automatic-styles><office:body><office:text>{body}</office:text>"
            "</office:body></office:document-content>",
            zipfile.ZIP_DEFLATED,
        )
        z.writestr(
            "styles.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><office:document-styles {ODF_NS} '
            f'office:version="1.3"><office:styles>{styles}</office:styles>'
            "</office:document-styles>",
            zipfile.ZIP_DEFLATED,
        )
    return out.getvalue()


WRITER_STYLES = (
    '<style:style style:name="Standard" style:family="paragraph"/>'
    '<style:style style:name="Text_20_body" style:display-name="Text body" '
    'style:family="paragraph" style:parent-style-name="Standard"/>'
    '<style:style style:name="Title" style:family="paragraph"/>'
    '<style:style style:name="Heading_20_1" style:display-name="Heading 1" '
    'style:family="paragraph"/>'
)
WRITER_AUTOMATIC = (
    '<style:style style:name="P1" style:family="paragraph" '
    'style:parent-style-name="Text_20_body"><style:paragraph-properties fo:margin-left="0cm"/>'
    "</style:style>"
    '<style:style style:name="T1" style:family="text"><style:text-properties '
    'fo:font-style="italic"/></style:style>'
    '<text:list-style style:name="L1">'
    '<text:list-level-style-number text:level="1" style:num-suffix="." style:num-format="1"/>'
    '<text:list-level-style-number text:level="2" style:num-prefix="(" style:num-suffix=")" '
    'style:num-format="a"/>'
    '<text:list-level-style-number text:level="3" style:num-prefix="(" style:num-suffix=")" '
    'style:num-format="i"/></text:list-style>'
    '<text:list-style style:name="L2">'
    '<text:list-level-style-bullet text:level="1" text:bullet-char="•"/></text:list-style>'
)


def item(text: str, nested: str = "") -> str:
    return f'<text:list-item><text:p text:style-name="P1">{text}</text:p>{nested}</text:list-item>'


def test_writer_lists_nest_into_sub_paragraphs() -> None:
    body = (
        '<text:p text:style-name="Title">Declaration on water</text:p>'
        '<text:p text:style-name="P1">The General  Assembly,</text:p>'
        '<text:p text:style-name="P1"><text:span text:style-name="T1">Recalling</text:span>'
        '<text:s/>its resolution<text:s text:c="2"/>64/292,<text:note><text:note-body>'
        '<text:p text:style-name="P1">A footnote, not the text.</text:p></text:note-body>'
        "</text:note></text:p>"
        '<text:h text:style-name="Heading_20_1" text:outline-level="1">Decisions</text:h>'
        '<text:list xml:id="list1" text:style-name="L1">'
        + item("Decides to act;")
        + item(
            "Requests:",
            "<text:list>"
            + item("a report;", "<text:list>" + item("on water;") + "</text:list>")
            + item("a plan;")
            + "</text:list>",
        )
        + "</text:list>"
        '<text:p text:style-name="P1">Whereas we meet again,</text:p>'
        '<text:list xml:id="list2" text:continue-list="list1" text:style-name="L1">'
        + item("Decides to remain seized.")
        + "</text:list>"
        '<text:list text:style-name="L2">' + item("peace;") + item("bread.") + "</text:list>"
        '<table:table><table:table-row><table:table-cell><text:p text:style-name="P1">'
        "In a table.</text:p></table:table-cell></table:table-row></table:table>"
    )
    data = odt_bytes(body, WRITER_AUTOMATIC, WRITER_STYLES)
    doc = read_document(data, "declaration.odt")
    assert doc.title == "Declaration on water"
    assert [(c.level, c.text) for c in doc.clauses] == [
        (0, "The General Assembly,"),
        (0, "Recalling its resolution  64/292,"),  # <text:s c=2/> is two spaces
        (0, "Decisions"),
        (0, "Decides to act;"),
        (0, "Requests:"),
        (1, "a report;"),
        (2, "on water;"),
        (1, "a plan;"),
        (0, "Whereas we meet again,"),
        (0, "Decides to remain seized."),
        (0, "peace;"),
        (0, "bread."),
        (0, "In a table."),
    ]
    kinds = [c.kind for c in doc.clauses]
    assert kinds[:10] == ["text", "preambular", "heading"] + ["operative"] * 5 + [
        "text",
        "operative",
    ]
    assert office_text(data).split("\n\n")[-3:] == ["• peace;", "• bread.", "In a table."]


def test_odt_is_recognised_by_content_whatever_its_name() -> None:
    data = odt_bytes('<text:p text:style-name="Standard">T</text:p><text:p>Body.</text:p>')
    assert read_document(data, "upload").clauses == [ParsedClause("text", 0, "Body.")]


# --- what is not a Word or OpenDocument text ---------------------------------------------------


def zipped(files: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, content in files.items():
            z.writestr(name, content)
    return out.getvalue()


SPREADSHEET = "application/vnd.oasis.opendocument.spreadsheet"


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"Title\n\nText", "x.odt", r"x\.odt is not a valid \.odt file"),
        (b"PK\x03\x04 broken zip", "x.odt", r"not a valid \.odt"),
        (zipped({"hello.txt": "hi"}), "x.odt", r"not a valid \.odt"),
        (zipped({"mimetype": SPREADSHEET, "content.xml": "<a/>"}), "x.odt", r"not a valid \.odt"),
        (zipped({"content.xml": "<not xml"}), "x.odt", "cannot be read"),
        (zipped({"word/document.xml": "<not xml"}), "x.docx", "cannot be read"),
        (odt_bytes(""), "x.odt", "empty"),
        (docx_bytes(lambda d: d.add_paragraph("  ")), "x.docx", "empty"),
    ],
)
def test_bad_packages_are_refused_clearly(data: bytes, filename: str, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        read_document(data, filename)


def test_a_package_that_unpacks_too_far_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing_office, "MAX_DOCX_UNPACKED", 10_000)
    body = '<text:p text:style-name="Standard">x</text:p>' * 400
    with pytest.raises(TooLarge, match="unpacks to"):
        read_document(odt_bytes(body), "x.odt")
    with pytest.raises(TooLarge, match="unpacks to"):
        read_document(docx_bytes(lambda d: d.add_paragraph("x")), "x.docx")
