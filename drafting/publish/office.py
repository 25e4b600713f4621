"""A draft as a word processor holds it: DOCX (python-docx) and ODT (odfpy).

A secretariat edits the text it issues: it adds a paragraph, corrects a sub-paragraph, sends
it on. So the files carry the document's form the way Word and Writer keep it, not as a
picture of it:

- every block is set in a named paragraph style ("Preambular Paragraph", "Operative
  Paragraph", "Sub-paragraph", "List Dash"...), the lead words in the character style "Lead
  Words" (italic); no direct formatting, so changing a style changes every paragraph of its
  kind;
- numbers are the word processor's own numbering, never typed text: operative paragraphs 1.,
  2. with sub-paragraphs (a), (b) and (i), (ii) are levels of one list (Word: a numbering
  definition in numbering.xml linked to the styles; Writer: a list style and nested
  `text:list`s), so inserting a paragraph renumbers the rest; dashes and bullets are lists
  with their own character;
- the title block (body, symbol, date, place, sponsors, the submission line, the title, how
  the text was adopted) in styles of its own, and on every page a header and footer saying
  what the text is ("Draft — not adopted", "Adopted") and its symbol.

The same style names are what `drafting.importing_office` reads back, so a file exported
here imports into the clauses it was made from.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor, Twips
from docx.styles.style import ParagraphStyle
from docx.text.paragraph import Paragraph
from odf import dc, style, text
from odf.opendocument import OpenDocumentText
from odf.teletype import addTextToElement

from ..document import Block, Document
from ..domain import DEFAULT_ITEM_MARKER

# --- the styles: shared by both formats and by the importer ------------------------------

ISSUING_BODY = "Issuing Body"
DOCUMENT_SYMBOL = "Document Symbol"
DOCUMENT_DATE = "Document Date"
MEETING_PLACE = "Meeting Place"
SPONSORS = "Sponsors"
SUBMISSION = "Submission"
DOC_TITLE = "Doc Title"
STATUS_LINE = "Status Line"
OPENING = "Opening"
PREAMBULAR = "Preambular Paragraph"
OPERATIVE = "Operative Paragraph"
SUB_PARAGRAPH = "Sub-paragraph"
SUB_SUB_PARAGRAPH = "Sub-sub-paragraph"
PLAIN = "Plain Paragraph"
HEADING = "Heading 2"
SUB_HEADING = "Heading 3"
LEAD_WORDS = "Lead Words"
TITLE_BLOCK = "Title Block"  # what the title block's styles are based on

# the title block's lines: the draft's detail each one gives (domain.DRAFT_DETAILS)
DETAIL_STYLES = {
    ISSUING_BODY: "body",
    DOCUMENT_SYMBOL: "symbol",
    DOCUMENT_DATE: "date",
    MEETING_PLACE: "place",
    SUBMISSION: "submission",
}
# lines of the title block that are not a clause and not a detail: read back as nothing
DERIVED_STYLES = (SPONSORS, STATUS_LINE)
# paragraphs whose style says the clause's kind where the text alone could mislead
KIND_STYLES = {OPENING: "text", PREAMBULAR: "preambular", PLAIN: "text"}
# a list item's style by its marker; the list's own character is the marker
ITEM_STYLES = {
    "–": "List Dash",
    "—": "List Em Dash",
    "-": "List Hyphen",
    "•": "List Bullet",
    "*": "List Asterisk",
    "·": "List Middle Dot",
}
SUB_STYLES = (SUB_PARAGRAPH, SUB_SUB_PARAGRAPH)


def stage_mark(doc: Document) -> str:
    """What the header of every page says the text is: "Draft — not adopted", "Adopted"."""
    if doc.stage in ("Draft", "Withdrawn"):
        return f"{doc.stage} — not adopted"
    return doc.stage


def title_block(doc: Document) -> list[tuple[str, str]]:
    """(style, text) of the lines above the text, in the order a UN document has them."""
    lines = [
        (ISSUING_BODY, doc.body),
        (DOCUMENT_SYMBOL, doc.symbol),
        (DOCUMENT_DATE, doc.date),
        (MEETING_PLACE, doc.place),
        (SPONSORS, "Sponsors: " + ", ".join(doc.sponsors) if doc.sponsors else ""),
        (SUBMISSION, doc.submission),
        (DOC_TITLE, doc.title),
        (STATUS_LINE, doc.status_line),
        (STATUS_LINE, doc.vote.quorum_line if doc.vote and doc.adopted else ""),
    ]
    return [(name, line) for name, line in lines if line]


def style_of(block: Block) -> str:
    """The paragraph style a block is set in."""
    if block.kind == "heading":
        return HEADING if block.level == 0 else SUB_HEADING
    if block.kind == "item":
        return ITEM_STYLES.get(block.marker, ITEM_STYLES[DEFAULT_ITEM_MARKER])
    if block.kind == "opening":
        return OPENING
    if block.level > 0:
        return SUB_STYLES[min(block.level, 2) - 1]
    return {"preambular": PREAMBULAR, "operative": OPERATIVE}.get(block.kind, PLAIN)


def right_to_left(line: str) -> bool:
    """Does the paragraph read from the right (its first strong character is Arabic,
    Hebrew...)? Then it is set right to left, as its writer would."""
    for ch in line:
        direction = unicodedata.bidirectional(ch)
        if direction in ("R", "AL"):
            return True
        if direction == "L":
            return False
    return False


@dataclass(frozen=True)
class _Placed:
    """A block and the list it is numbered or bulleted in (None: a plain paragraph)."""

    block: Block
    list_key: tuple[str, int] | None  # ("operative", 0), ("sub", owner), ("item", marker n)
    depth: int  # level within that list, 0 the outermost


def _placed(blocks: Sequence[Block]) -> Iterator[_Placed]:
    """Which list each block belongs to. Operative paragraphs and everything numbered under
    them are one list (1., (a), (i)), numbered across the whole text; the sub-paragraphs of
    any other paragraph a list of their own, starting at (a); items a list per marker."""
    owner = -1  # index of the current top-level block
    owner_kind = ""
    markers = list(ITEM_STYLES)
    for i, b in enumerate(blocks):
        if b.level == 0:
            owner, owner_kind = i, b.kind
        if b.kind == "item":
            key = ("item", markers.index(b.marker) if b.marker in markers else 0)
            yield _Placed(b, key, min(b.level, 2))
        elif b.kind == "operative" and b.level == 0:
            yield _Placed(b, ("operative", 0), 0)
        elif b.level > 0 and b.kind != "heading":
            if owner_kind == "operative":
                yield _Placed(b, ("operative", 0), min(b.level, 2))
            else:
                yield _Placed(b, ("sub", owner), min(b.level, 2) - 1)
        else:
            yield _Placed(b, None, 0)


def _places(numbered: bool, level: int) -> tuple[float, float, float]:
    """Where a list paragraph stands, in cm: (left margin of its lines, where its number or
    marker stands relative to that margin, where its text begins). Numbered: the number on
    a first-line indent of 1 cm, the text 1 cm further; bullets hang half a centimetre."""
    if numbered:
        return float(level), 1.0, level + 2.0
    return level + 2.0, -0.5, level + 2.0


# --- DOCX ----------------------------------------------------------------------------------

FONT = "Times New Roman"
_W = nsdecls("w")
_TWIPS_PER_CM = 567
# what may follow w:bidi in a paragraph's properties (CT_PPr in the schema's order)
_AFTER_BIDI = tuple(
    "w:adjustRightInd w:snapToGrid w:spacing w:ind w:contextualSpacing w:mirrorIndents "
    "w:suppressOverlap w:jc w:textDirection w:textAlignment w:textboxTightWrap w:outlineLvl "
    "w:divId w:cnfStyle w:rPr w:sectPr w:pPrChange".split()
)
_NUMBERED_LEVELS = (("decimal", "%1."), ("lowerLetter", "(%2)"), ("lowerRoman", "(%3)"))


def render_docx(doc: Document) -> bytes:
    """The document as a Word file (Office Open XML)."""
    word = docx.Document()
    _page(word, doc)
    _docx_styles(word)
    lists = _WordLists(word)
    style_ids = {st.name or "": st.style_id for st in word.styles}
    for name, line in title_block(doc):
        _docx_paragraph(word, style_ids, name, "", line)
    sub_nums: dict[int, int] = {}
    for placed in _placed(doc.blocks):
        b = placed.block
        p = _docx_paragraph(word, style_ids, style_of(b), b.lead, b.rest)
        if placed.list_key is None:
            continue
        kind, n = placed.list_key
        if kind == "operative":
            num_id = lists.operative
        elif kind == "sub":
            if n not in sub_nums:
                sub_nums[n] = lists.restarted()
            num_id = sub_nums[n]
        else:
            num_id = lists.items[list(ITEM_STYLES)[n]]
        # the style links the list too; on the paragraph it is what every reader sees
        ilvl = placed.depth + (1 if kind == "sub" else 0)
        _num_pr(p._p.get_or_add_pPr(), num_id, ilvl)
    props = word.core_properties
    props.title = doc.title
    props.subject = doc.submission
    props.identifier = doc.symbol
    props.content_status = doc.stage
    props.author = doc.body or doc.conference
    props.last_modified_by = doc.body or doc.conference
    props.comments = doc.status_line
    props.revision = 1
    props.created = props.modified = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def _page(word: docx.document.Document, doc: Document) -> None:
    """A4, and on every page the symbol and what the text is (header), the same and the page
    number (footer)."""
    section = word.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(25)
    section.top_margin = section.bottom_margin = Mm(20)
    width = Mm(160)
    for name in ("Header", "Footer"):
        fmt = word.styles[name].paragraph_format
        fmt.tab_stops.clear_all()
        fmt.tab_stops.add_tab_stop(Mm(80), WD_TAB_ALIGNMENT.CENTER)
        fmt.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
        word.styles[name].font.name = FONT
        word.styles[name].font.size = Pt(9)
    mark = stage_mark(doc)
    header = section.header.paragraphs[0]
    header.style = word.styles["Header"]
    header.add_run(f"{doc.symbol}\t\t{mark}")
    footer = section.footer.paragraphs[0]
    footer.style = word.styles["Footer"]
    footer.add_run(f"{mark}\t\t")
    footer._p.append(
        parse_xml(f'<w:fldSimple {_W} w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple>')
    )


def _docx_styles(word: docx.document.Document) -> None:
    styles = word.styles
    normal = styles["Normal"]
    _fonts(normal.element)
    normal.font.size = Pt(12)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.0

    def paragraph(
        name: str,
        base: str = "Normal",
        *,
        bold: bool | None = None,
        italic: bool | None = None,
        size: int | None = None,
        align: WD_ALIGN_PARAGRAPH | None = None,
        first_line: int | None = None,
        before: int | None = None,
        after: int | None = None,
        keep_next: bool = False,
    ) -> None:
        """A paragraph style, made or (Word's own: headings, "List Bullet") redefined."""
        st = styles[name] if name in styles else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        assert isinstance(st, ParagraphStyle)
        st.base_style = styles[base]
        st.quick_style = True
        st.font.bold, st.font.italic = bold, italic
        pf = st.paragraph_format
        if size is not None:
            st.font.size = Pt(size)
        if align is not None:
            pf.alignment = align
        if first_line is not None:
            pf.first_line_indent = Twips(first_line)
        if before is not None:
            pf.space_before = Pt(before)
        if after is not None:
            pf.space_after = Pt(after)
        if keep_next:
            pf.keep_with_next = True

    right = WD_ALIGN_PARAGRAPH.RIGHT
    paragraph(TITLE_BLOCK, size=10, after=0)
    paragraph(ISSUING_BODY, TITLE_BLOCK, bold=True, size=14, after=6)
    paragraph(DOCUMENT_SYMBOL, TITLE_BLOCK, bold=True, align=right)
    paragraph(DOCUMENT_DATE, TITLE_BLOCK, align=right)
    paragraph(MEETING_PLACE, TITLE_BLOCK, align=right)
    paragraph(SPONSORS, TITLE_BLOCK, before=12, after=6)
    paragraph(SUBMISSION, "Normal", bold=True, before=12, after=6, keep_next=True)
    paragraph(DOC_TITLE, "Normal", bold=True, size=14, after=12, keep_next=True)
    paragraph(STATUS_LINE, "Normal", italic=True, after=12)
    indent = _TWIPS_PER_CM
    paragraph(OPENING, "Normal", first_line=indent, before=6, keep_next=True)
    paragraph(PREAMBULAR, "Normal", first_line=indent)
    paragraph(PLAIN, "Normal")
    paragraph(OPERATIVE, "Normal")
    paragraph(SUB_PARAGRAPH, OPERATIVE)
    paragraph(SUB_SUB_PARAGRAPH, OPERATIVE)
    for name in ITEM_STYLES.values():
        paragraph(name, "Normal")
    for name in (HEADING, SUB_HEADING):
        paragraph(name, "Normal", bold=True, before=12, after=6, keep_next=True)
        styles[name].font.color.rgb = RGBColor(0, 0, 0)
        _fonts(styles[name].element)
    lead = styles.add_style(LEAD_WORDS, WD_STYLE_TYPE.CHARACTER)
    lead.base_style = styles["Default Paragraph Font"]
    lead.quick_style = True
    lead.font.italic = True
    lead.element.get_or_add_rPr().get_or_add_iCs()  # italic in Arabic, Hebrew too


def _fonts(style_element: object) -> None:
    """Times New Roman for Latin, Greek, Cyrillic and for complex scripts (Arabic)."""
    rpr = style_element.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), FONT)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)


def _docx_paragraph(
    word: docx.document.Document, style_ids: dict[str, str], name: str, lead: str, rest: str
) -> Paragraph:
    """A paragraph in a named style, its lead words in theirs. The styles are set by their
    ids: python-docx looks a style up by name in a scan of every style, each time."""
    p = word.add_paragraph()
    p._p.style = style_ids[name]
    if lead:
        p.add_run(lead)._r.style = style_ids[LEAD_WORDS]
    if rest:
        p.add_run(rest)
    if right_to_left(lead + rest):
        ppr = p._p.get_or_add_pPr()
        ppr.insert_element_before(OxmlElement("w:bidi"), *_AFTER_BIDI)
    return p


def _num_pr(ppr: object, num_id: int, ilvl: int) -> None:
    num_pr = ppr.get_or_add_numPr()  # type: ignore[attr-defined]
    num_pr.get_or_add_ilvl().val = ilvl
    num_pr.get_or_add_numId().val = num_id


class _WordLists:
    """The numbering definitions (numbering.xml) the document's lists use: one multilevel
    list for the operative paragraphs (1. / (a) / (i)), linked to their styles so Word's
    "increase indent" moves a paragraph to the next level and style; one bullet list per
    marker."""

    def __init__(self, word: docx.document.Document) -> None:
        self.numbering: Any = word.part.numbering_part.element
        styles = word.styles
        abstract_ids = [int(a.get(qn("w:abstractNumId"))) for a in self._all("w:abstractNum")]
        self.next_abstract = max(abstract_ids, default=-1) + 1
        self.next_num = max((int(n.get(qn("w:numId"))) for n in self._all("w:num")), default=0) + 1
        levels = [
            (fmt, text, style)
            for (fmt, text), style in zip(
                _NUMBERED_LEVELS, (OPERATIVE, SUB_PARAGRAPH, SUB_SUB_PARAGRAPH), strict=True
            )
        ]
        self.paragraphs = self._abstract(
            "Operative paragraphs",
            [
                _lvl(i, fmt, text, styles[name].style_id, numbered=True)
                for i, (fmt, text, name) in enumerate(levels)
            ],
        )
        self.operative = self._num(self.paragraphs)
        for i, name in enumerate((OPERATIVE, SUB_PARAGRAPH, SUB_SUB_PARAGRAPH)):
            _num_pr(styles[name].element.get_or_add_pPr(), self.operative, i)
        self.items: dict[str, int] = {}
        for marker, name in ITEM_STYLES.items():
            abstract = self._abstract(
                f"{name} list",
                [
                    _lvl(i, "bullet", marker, styles[name].style_id if i == 0 else "")
                    for i in range(3)
                ],
            )
            self.items[marker] = self._num(abstract)
            _num_pr(styles[name].element.get_or_add_pPr(), self.items[marker], 0)

    def restarted(self) -> int:
        """A new instance of the paragraphs' list whose sub-paragraphs start again at (a):
        the sub-paragraphs of a preambular or plain paragraph."""
        overrides = "".join(
            f'<w:lvlOverride w:ilvl="{i}"><w:startOverride w:val="1"/></w:lvlOverride>'
            for i in (1, 2)
        )
        return self._num(self.paragraphs, overrides)

    def _all(self, tag: str) -> list[Any]:
        return list(self.numbering.findall(qn(tag)))

    def _abstract(self, name: str, levels: list[str]) -> int:
        aid = self.next_abstract
        self.next_abstract += 1
        element = parse_xml(
            f'<w:abstractNum {_W} w:abstractNumId="{aid}">'
            f'<w:multiLevelType w:val="multilevel"/><w:name w:val="{name}"/>'
            + "".join(levels)
            + "</w:abstractNum>"
        )
        nums = self.numbering.findall(qn("w:num"))
        if nums:
            nums[0].addprevious(element)  # the schema wants every abstractNum first
        else:
            self.numbering.append(element)
        return aid

    def _num(self, abstract_id: int, overrides: str = "") -> int:
        num_id = self.next_num
        self.next_num += 1
        self.numbering.append(
            parse_xml(
                f'<w:num {_W} w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/>'
                f"{overrides}</w:num>"
            )
        )
        return num_id


def _lvl(ilvl: int, fmt: str, text: str, style_id: str, *, numbered: bool = False) -> str:
    """One level of a list. Numbered paragraphs are set as UN documents set them: the
    number on a first-line indent, the text after a tab, the lines back at the margin of
    the level. Bullets hang: the marker in the margin, the lines aligned with the text."""
    margin, first_line, text_at = _places(numbered, ilvl)
    cm = _TWIPS_PER_CM
    if first_line >= 0:
        ind = f'<w:ind w:left="{margin * cm:.0f}" w:firstLine="{first_line * cm:.0f}"/>'
    else:
        ind = f'<w:ind w:left="{margin * cm:.0f}" w:hanging="{-first_line * cm:.0f}"/>'
    tab = round(text_at * cm)
    pstyle = f'<w:pStyle w:val="{style_id}"/>' if style_id else ""
    return (
        f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>{pstyle}'
        f'<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/>'
        f'<w:pPr><w:tabs><w:tab w:val="num" w:pos="{tab}"/></w:tabs>{ind}</w:pPr></w:lvl>'
    )


# --- ODT -----------------------------------------------------------------------------------

_ODT_NUMBERS = (("1", "", "."), ("a", "(", ")"), ("i", "(", ")"))
_LIST_STYLES = {"operative": "Operative Numbering", "sub": "Sub-paragraph Numbering"}


def _odf_name(name: str) -> str:
    """A style's name as ODF stores it (an XML name: a space is written _20_, as Writer
    does); its display name is the name itself."""
    return name.replace(" ", "_20_")


def render_odt(doc: Document) -> bytes:
    """The document as an OpenDocument text (Writer, and Word too)."""
    odt = OpenDocumentText()
    styles = _OdtStyles(odt, doc)
    body = odt.text
    for name, line in title_block(doc):
        body.addElement(styles.paragraph(name, "", line))
    placed = list(_placed(doc.blocks))
    lists: dict[tuple[str, int], text.List] = {}  # the last list of each key
    i = 0
    while i < len(placed):
        key = placed[i].list_key
        if key is None:
            b = placed[i].block
            body.addElement(styles.paragraph(style_of(b), b.lead, b.rest, heading=b.kind))
            i += 1
            continue
        run = [placed[i]]
        while i + len(run) < len(placed) and placed[i + len(run)].list_key == key:
            run.append(placed[i + len(run)])
        i += len(run)
        current = _odt_list(styles, key, run, lists.get(key))
        lists[key] = current
        body.addElement(current)
    odt.meta.addElement(dc.Title(text=doc.title))
    if doc.submission:
        odt.meta.addElement(dc.Subject(text=doc.submission))
    odt.meta.addElement(dc.Description(text=doc.status_line))
    out = io.BytesIO()
    odt.write(out)
    return out.getvalue()


def _odt_list(
    styles: _OdtStyles, key: tuple[str, int], run: list[_Placed], previous: text.List | None
) -> text.List:
    """One `text:list` for consecutive blocks of a list, nested as deep as their levels: a
    level with no paragraph of its own opens with a list header (unnumbered). A list that
    goes on after other paragraphs continues the numbering of the one before it."""
    kind, n = key
    attrs: dict[str, str] = {"stylename": styles.list_style(kind, n)}
    if previous is not None and kind != "item":
        attrs["continuelist"] = previous.getAttribute("id")
    styles.list_count += 1
    root = text.List(id=f"list{styles.list_count}", **attrs)
    lists: list[text.List] = [root]
    last: list[text.ListItem | text.ListHeader] = []
    for placed in run:
        depth = placed.depth
        del lists[depth + 1 :]
        del last[depth + 1 :]
        while len(lists) <= depth:
            d = len(lists) - 1
            if len(last) <= d:
                header = text.ListHeader()
                lists[d].addElement(header)
                last.append(header)
            nested = text.List()
            last[d].addElement(nested)
            lists.append(nested)
        b = placed.block
        item = text.ListItem()
        item.addElement(styles.paragraph(style_of(b), b.lead, b.rest))
        lists[depth].addElement(item)
        if len(last) > depth:
            last[depth] = item
        else:
            last.append(item)
    return root


class _OdtStyles:
    """The named styles of the ODT, its list styles and its pages."""

    def __init__(self, odt: OpenDocumentText, doc: Document) -> None:
        self.odt = odt
        self.named: dict[str, style.Style] = {}
        self.rtl: dict[str, style.Style] = {}
        self.lists: dict[tuple[str, int], str] = {}
        self.list_count = 0  # lists written so far: each has an id (xml:id) to continue it
        odt.fontfacedecls.addElement(
            style.FontFace(
                name=FONT, fontfamily=f"'{FONT}'", fontfamilygeneric="roman", fontpitch="variable"
            )
        )
        font = {"fontname": FONT, "fontnamecomplex": FONT, "fontsize": "12pt"}
        self._paragraph("Standard", None, {"marginbottom": "0.21cm"}, font)
        cm = {"textindent": "1cm"}
        bold, italic = {"fontweight": "bold"}, {"fontstyle": "italic"}
        self._paragraph(TITLE_BLOCK, "Standard", {"marginbottom": "0cm"}, {"fontsize": "10pt"})
        self._paragraph(
            ISSUING_BODY, TITLE_BLOCK, {"marginbottom": "0.21cm"}, {**bold, "fontsize": "14pt"}
        )
        for name in (DOCUMENT_SYMBOL, DOCUMENT_DATE, MEETING_PLACE):
            self._paragraph(
                name, TITLE_BLOCK, {"textalign": "end"}, bold if name == DOCUMENT_SYMBOL else {}
            )
        self._paragraph(
            SPONSORS, TITLE_BLOCK, {"margintop": "0.42cm", "marginbottom": "0.21cm"}, {}
        )
        keep = {"keepwithnext": "always"}
        self._paragraph(SUBMISSION, "Standard", {"margintop": "0.42cm", **keep}, bold)
        self._paragraph(
            DOC_TITLE, "Standard", {"marginbottom": "0.42cm", **keep}, {**bold, "fontsize": "14pt"}
        )
        self._paragraph(STATUS_LINE, "Standard", {"marginbottom": "0.42cm"}, italic)
        self._paragraph(OPENING, "Standard", {**cm, "margintop": "0.21cm", **keep}, {})
        self._paragraph(PREAMBULAR, "Standard", cm, {})
        self._paragraph(PLAIN, "Standard", {}, {})
        self._paragraph(OPERATIVE, "Standard", {}, {})
        self._paragraph(SUB_PARAGRAPH, OPERATIVE, {}, {})
        self._paragraph(SUB_SUB_PARAGRAPH, OPERATIVE, {}, {})
        for name in ITEM_STYLES.values():
            self._paragraph(name, "Standard", {}, {})
        for name, level in ((HEADING, 2), (SUB_HEADING, 3)):
            self._paragraph(name, "Standard", {"margintop": "0.42cm", **keep}, bold, level)
        for name in ("Header", "Footer"):
            p = self._paragraph(name, "Standard", {}, {"fontsize": "9pt"})
            stops = style.TabStops()
            stops.addElement(style.TabStop(position="8cm", type="center"))
            stops.addElement(style.TabStop(position="16cm", type="right"))
            p.getElementsByType(style.ParagraphProperties)[0].addElement(stops)
        lead = style.Style(name=_odf_name(LEAD_WORDS), displayname=LEAD_WORDS, family="text")
        lead.addElement(
            style.TextProperties(
                fontstyle="italic", fontstyleasian="italic", fontstylecomplex="italic"
            )
        )
        odt.styles.addElement(lead)
        self.lead = lead
        self._page(doc)

    def _paragraph(
        self,
        name: str,
        parent: str | None,
        para: dict[str, str],
        txt: dict[str, str],
        outline: int = 0,
    ) -> style.Style:
        attrs: dict[str, object] = {"name": _odf_name(name), "family": "paragraph"}
        if _odf_name(name) != name:
            attrs["displayname"] = name
        if parent is not None:
            attrs["parentstylename"] = self.named[parent]
        if outline:
            attrs["defaultoutlinelevel"] = str(outline)
        st = style.Style(**attrs)
        st.addElement(style.ParagraphProperties(**para))
        if txt:
            st.addElement(style.TextProperties(**txt))
        self.odt.styles.addElement(st)
        self.named[name] = st
        return st

    def list_style(self, kind: str, n: int) -> str:
        """The list style of a list: numbered (1. / (a) / (i), or (a) / (i) for the
        sub-paragraphs of a paragraph that is not numbered) or bulleted with a marker."""
        key = (kind, n if kind == "item" else 0)
        if key in self.lists:
            return self.lists[key]
        if kind == "item":
            marker = list(ITEM_STYLES)[n]
            name = ITEM_STYLES[marker].removeprefix("List ") + " List"  # "Dash List"
            levels = [text.ListLevelStyleBullet(level=i + 1, bulletchar=marker) for i in range(3)]
            places = [_places(False, i) for i in range(3)]
        else:
            name = _LIST_STYLES[kind]
            formats = _ODT_NUMBERS if kind == "operative" else _ODT_NUMBERS[1:]
            levels = [
                text.ListLevelStyleNumber(
                    level=i + 1, numformat=fmt, numprefix=prefix, numsuffix=suffix
                )
                for i, (fmt, prefix, suffix) in enumerate(formats)
            ]
            first = 0 if kind == "operative" else 1
            places = [_places(True, i + first) for i in range(len(levels))]
        ls = text.ListStyle(name=_odf_name(name), displayname=name)
        for level, (margin, first_line, text_at) in zip(levels, places, strict=True):
            props = style.ListLevelProperties(listlevelpositionandspacemode="label-alignment")
            props.addElement(
                style.ListLevelLabelAlignment(
                    labelfollowedby="listtab",
                    listtabstopposition=f"{text_at}cm",
                    textindent=f"{first_line}cm",
                    marginleft=f"{margin}cm",
                )
            )
            level.addElement(props)
            ls.addElement(level)
        self.odt.styles.addElement(ls)
        self.lists[key] = _odf_name(name)
        return self.lists[key]

    def paragraph(self, name: str, lead: str, rest: str, heading: str = "") -> text.Element:
        """A paragraph in a named style; the lead words in their character style; right to
        left (an automatic style on the named one, as Writer does) when it reads so."""
        st = self.named[name]
        if right_to_left(lead + rest):
            if name not in self.rtl:
                auto = style.Style(
                    name=f"RTL{len(self.rtl) + 1}", family="paragraph", parentstylename=st
                )
                auto.addElement(style.ParagraphProperties(writingmode="rl-tb", textalign="start"))
                self.odt.automaticstyles.addElement(auto)
                self.rtl[name] = auto
            st = self.rtl[name]
        if heading == "heading":
            level = 2 if name == HEADING else 3
            p: text.Element = text.H(stylename=st, outlinelevel=level)
        else:
            p = text.P(stylename=st)
        if lead:
            span = text.Span(stylename=self.lead)
            addTextToElement(span, lead)
            p.addElement(span)
        if rest:
            addTextToElement(p, rest)
        return p

    def _page(self, doc: Document) -> None:
        """A4; on every page the symbol and what the text is (header), the same and the
        page number (footer)."""
        layout = style.PageLayout(name="A4")
        layout.addElement(
            style.PageLayoutProperties(
                pagewidth="21cm",
                pageheight="29.7cm",
                printorientation="portrait",
                margintop="1.5cm",
                marginbottom="1.5cm",
                marginleft="2.5cm",
                marginright="2.5cm",
            )
        )
        header_style, footer_style = style.HeaderStyle(), style.FooterStyle()
        header_style.addElement(
            style.HeaderFooterProperties(minheight="0.6cm", marginbottom="0.4cm")
        )
        footer_style.addElement(style.HeaderFooterProperties(minheight="0.6cm", margintop="0.4cm"))
        layout.addElement(header_style)
        layout.addElement(footer_style)
        self.odt.automaticstyles.addElement(layout)
        page = style.MasterPage(name="Standard", pagelayoutname=layout)
        mark = stage_mark(doc)
        header = style.Header()
        hp = text.P(stylename=self.named["Header"])
        addTextToElement(hp, doc.symbol)
        hp.addElement(text.Tab())
        hp.addElement(text.Tab())
        addTextToElement(hp, mark)
        header.addElement(hp)
        footer = style.Footer()
        fp = text.P(stylename=self.named["Footer"])
        addTextToElement(fp, mark)
        fp.addElement(text.Tab())
        fp.addElement(text.Tab())
        fp.addElement(text.PageNumber(selectpage="current", text="1"))
        footer.addElement(fp)
        page.addElement(header)
        page.addElement(footer)
        self.odt.masterstyles.addElement(page)
