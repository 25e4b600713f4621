"""The print page and the PDF (drafting.publish.pdf), read back as a reader reads a PDF.

Each PDF is opened with pypdf (the text, its fonts, the pictures), fontTools (the embedded
font programs) and pypdfium2 (where the text stands on the page), and page 1 of each is
rendered to tests/artifacts/publish_pdf_*.png for a reviewer.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont
from helpers import ARTIFACTS, REPO
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from drafting.actions import Actions
from drafting.document import Block, Document, Vote
from drafting.publish import render
from drafting.publish.pdf import direction, render_html, render_pdf

A4_WIDTH = 595.28  # points
MARGIN = 2.2 / 2.54 * 72  # print.css's left and right page margins, in points

DETAILS = {
    "symbol": "A/C.2/79/L.12",
    "submission": "Draft resolution submitted by the Chair",
    "body": "General Assembly",
    "place": "New York",
    "date": "2024-11-12",
}
CLAUSES: list[tuple[str, int, str] | tuple[str, int, str, str]] = [
    ("text", 0, "The General Assembly,"),
    (
        "preambular",
        0,
        "Recalling its resolution 70/1 of 25 September 2015, entitled “Transforming our "
        "world: the 2030 Agenda for Sustainable Development”,",
    ),
    ("preambular", 0, "Bearing in mind that access to safe drinking water is a human right,"),
    ("heading", 0, "I. Water for all"),
    ("operative", 0, "Decides to establish an open-ended working group on water;"),
    ("operative", 0, "Requests the working group:"),
    ("operative", 1, "to report within one year;"),
    ("operative", 1, "to consult the regions, in particular:"),
    ("operative", 2, "the small island developing States;"),
    ("operative", 2, "the least developed countries;"),
    ("operative", 0, "Strongly condemns the pollution of shared rivers, and calls for:"),
    ("item", 1, "data on water use shared;", "–"),
    ("item", 1, "wetlands protected;", "•"),
    ("item", 2, "in the Sahel;", "–"),
    ("text", 0, "A plain paragraph with <b>markup</b> & ampersands."),
    ("operative", 0, "Decides to remain seized of the matter."),
]


# --- making drafts -------------------------------------------------------------------------


@pytest.fixture
def sitting(actions: Actions, conference: dict[str, Any]) -> dict[str, Any]:
    """The test conference with a third delegation; every delegate in the room."""
    conf = conference["conference"]
    third, _ = actions.add_participant(None, conf.id, "Li", "China")
    delegates = [*conference["delegates"], third]
    for d in delegates:
        actions.set_present(d, True)
    return {"conf": conf, "chair": conference["chair"], "delegates": delegates}


def make_draft(
    actions: Actions,
    sitting: dict[str, Any],
    clauses: Sequence[tuple[str, int, str] | tuple[str, int, str, str]] = CLAUSES,
    title: str = "Water for all",
    details: dict[str, str] | None = None,
) -> int:
    d = actions.create_draft(
        None,
        sitting["conf"].id,
        title,
        list(clauses),
        details=DETAILS if details is None else details,
    )
    actions.set_sponsors(None, d.id, [p.id for p in sitting["delegates"][:2]])
    return d.id


def long_clauses(n: int) -> list[tuple[str, int, str] | tuple[str, int, str, str]]:
    words = "the Member States and the specialized agencies to report on progress made " * 4
    return [("text", 0, "The General Assembly,")] + [
        ("operative", 0, f"Requests {words.strip()} in the year {2000 + i};") for i in range(n)
    ]


def adopt(actions: Actions, sitting: dict[str, Any], draft_id: int, **how: Any) -> None:
    """Put the whole draft to the vote in formal mode, as the chair does, and close it."""
    chair = sitting["chair"]
    choices = how.pop("choices", ())
    actions.set_mode(chair, draft_id, "formal")
    poll = actions.open_poll(chair, draft_id, "draft", draft_id, **how)
    for who, choice in zip(sitting["delegates"], choices, strict=False):
        actions.vote(who, poll.id, choice)
    actions.close_poll(chair, poll.id)


def export(actions: Actions, draft_id: int, name: str) -> bytes:
    """The draft's PDF through the registry the CLI and web use; page 1 as a PNG artifact."""
    pdf = render(actions.published_document(None, draft_id), "pdf")
    save_page_one(pdf, name)
    return pdf


def save_page_one(pdf: bytes, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    doc = pdfium.PdfDocument(pdf)
    try:
        doc[0].render(scale=1.5).to_pil().save(ARTIFACTS / f"publish_pdf_{name}.png")
    finally:
        doc.close()


# --- reading PDFs --------------------------------------------------------------------------


def page_texts(pdf: bytes) -> list[str]:
    """Each page's text as pypdf extracts it, whitespace (line ends too) made single spaces."""
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]


def assert_in_order(text: str, parts: Sequence[str]) -> None:
    at = 0
    for part in parts:
        found = text.find(part, at)
        assert found >= 0, f"{part!r} not found after {text[max(at - 80, 0) : at]!r}"
        at = found + len(part)


def left_edge(pdf: bytes, page: int, text: str) -> float:
    """Where the first occurrence of `text` begins on the page, from its left edge (pdfium)."""
    doc = pdfium.PdfDocument(pdf)
    try:
        tp = doc[page].get_textpage()
        hit = tp.search(text, match_case=True).get_next()
        assert hit is not None, f"{text!r} is not on page {page + 1}"
        return float(tp.get_charbox(hit[0])[0])
    finally:
        doc.close()


def font_program(font: DictionaryObject) -> TTFont:
    """The font program a Type0 font embeds (FontFile2: TrueType; FontFile3: OpenType/CFF)."""
    assert font["/Subtype"] == "/Type0", f"{font['/BaseFont']} is a {font['/Subtype']} font"
    descendant = font["/DescendantFonts"][0].get_object()
    assert descendant.get("/CIDToGIDMap", "/Identity") == "/Identity"
    descriptor = descendant["/FontDescriptor"].get_object()
    stream = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
    assert stream is not None, f"{font['/BaseFont']} is not embedded"
    return TTFont(io.BytesIO(stream.get_object().get_data()))


def is_italic(program: TTFont) -> bool:
    """The font itself is an italic (not a name that says so): its slant or its style bits."""
    return (
        program["post"].italicAngle != 0
        or bool(program["head"].macStyle & 0b10)
        or bool(program["OS/2"].fsSelection & 0b1)
    )


_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_PAIR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>")


def to_unicode(font: DictionaryObject) -> dict[int, str]:
    """The font's ToUnicode CMap: glyph id (the 2-byte code, Identity-H) -> the text it shows."""
    cmap = font["/ToUnicode"].get_object().get_data()
    assert b"beginbfrange" not in cmap, "a bfrange this reader does not expand"
    return {
        int(code, 16): bytes.fromhex(text.decode()).decode("utf-16-be")
        for block in _BFCHAR.findall(cmap)
        for code, text in _PAIR.findall(block)
    }


def fonts_of(resources: DictionaryObject) -> Iterator[tuple[str, DictionaryObject]]:
    """The fonts of a page's resources and of the forms it draws."""
    for key, ref in (resources.get("/Font") or {}).items():
        yield key, ref.get_object()
    for ref in (resources.get("/XObject") or {}).values():
        xobject = ref.get_object()
        if xobject.get("/Subtype") == "/Form" and "/Resources" in xobject:
            yield from fonts_of(xobject["/Resources"].get_object())


def colourful(image: Any) -> bool:
    """A colour picture (an emoji), not a grey box: a tenth of its pixels clearly coloured."""
    data = image.convert("RGB").tobytes()
    pixels = [data[i : i + 3] for i in range(0, len(data), 3)]
    coloured = sum(1 for px in pixels if max(px) - min(px) > 60)
    return coloured >= len(pixels) / 10


@dataclass
class Glyphs:
    drawn: set[str] = field(default_factory=set)  # characters drawn by a real glyph
    problems: list[str] = field(default_factory=list)


def glyph_check(pdf: bytes) -> Glyphs:
    """Every glyph the PDF shows, checked in the font program it embeds.

    A glyph is the text its font's ToUnicode gives it; it is a problem when it is .notdef,
    not in the embedded font at all (WeasyPrint's stand-in for a character no font has), or
    has no outline though it shows something visible. A colour emoji is the exception: its
    font program keeps an empty glyph for the advance and the page draws the emoji's picture
    over it, an image named after the font and the glyph (WeasyPrint `i<font><glyph><0|1>`):
    that picture must be in the page, drawn (`Do`), and in colour.
    """
    out = Glyphs()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources = page["/Resources"].get_object()
        pictures = {Path(i.name).stem: i.image for i in page.images}
        content = page.get_contents()
        drawn_names = set(
            re.findall(rb"/([^\s/]+)\s+Do", content.get_data() if content is not None else b"")
        )
        for key, font in fonts_of(resources):
            name = str(font["/BaseFont"])
            program = font_program(font)
            order = program.getGlyphOrder()
            glyph_set = program.getGlyphSet()
            for gid, text in to_unicode(font).items():
                visible = [c for c in text if not _invisible(c)]
                if not visible:
                    continue
                where = f"{name} glyph {gid} for {text!r}"
                if gid == 0 or gid >= len(order) or order[gid] == ".notdef":
                    out.problems.append(f"{where}: no glyph (.notdef)")
                    continue
                pen = BoundsPen(glyph_set)
                glyph_set[order[gid]].draw(pen)
                if pen.bounds is None:
                    picture = next(
                        (
                            f"i{key[1:]}{gid}{i}"
                            for i in (0, 1)
                            if f"i{key[1:]}{gid}{i}" in pictures
                        ),
                        None,
                    )
                    if picture is None or picture.encode() not in drawn_names:
                        out.problems.append(f"{where}: an empty glyph and no picture drawn")
                        continue
                    if not colourful(pictures[picture]):
                        out.problems.append(f"{where}: its picture is not in colour")
                        continue
                out.drawn.update(visible)
    return out


def _invisible(c: str) -> bool:
    """Spaces, joiners and variation selectors: no glyph of their own to check."""
    return unicodedata.category(c) in ("Zs", "Zl", "Zp", "Cc", "Cf") or 0xFE00 <= ord(c) <= 0xFE0F


# --- the tests -----------------------------------------------------------------------------


def test_a_reader_reads_the_title_block_numbers_sub_paragraphs_headings_and_markers_in_order(
    actions: Actions, sitting: dict[str, Any]
) -> None:
    pdf = export(actions, make_draft(actions, sitting), "draft")
    [text] = page_texts(pdf)
    assert_in_order(
        text,
        [
            "General Assembly",
            "A/C.2/79/L.12",
            "New York, 12 November 2024",
            "Sponsors: Morocco, Germany",
            "Draft resolution submitted by the Chair",
            "Water for all",
            "Draft Draft: not adopted",
            "The General Assembly,",
            "Recalling its resolution 70/1 of 25 September 2015, entitled “Transforming our",
            "Bearing in mind that access",
            "I. Water for all",
            "1. Decides to establish an open-ended working group on water;",
            "2. Requests the working group:",
            "(a) to report within one year;",
            "(b) to consult the regions, in particular:",
            "(i) the small island developing States;",
            "(ii) the least developed countries;",
            "3. Strongly condemns the pollution",
            "– data on water use shared;",
            "• wetlands protected;",
            "– in the Sahel;",
            "A plain paragraph with <b>markup</b> & ampersands.",  # escaped: shown as written
            "4. Decides to remain seized of the matter.",
        ],
    )
    # sub-paragraphs stand further in than their paragraph, (i) further than (a); the
    # operative text hangs from its number, level with the sub-paragraphs' numbers
    one, a, i = (left_edge(pdf, 0, t) for t in ("1. Decides", "(a) to report", "(i) the small"))
    decides = left_edge(pdf, 0, "Decides to establish")
    assert one == pytest.approx(MARGIN, abs=1)
    assert a > one + 20 and i > a + 20
    assert decides == pytest.approx(a, abs=1)
    # the list items are a list of their own under paragraph 3, the Sahel one further in
    dash, sahel = left_edge(pdf, 0, "data on water"), left_edge(pdf, 0, "in the Sahel")
    assert dash > one + 20 and sahel > dash + 10
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata is not None and reader.metadata.title == "Water for all"
    assert reader.trailer["/Root"]["/Lang"] == "en"


def test_every_page_of_a_draft_says_it_is_a_draft_not_adopted(
    actions: Actions, sitting: dict[str, Any]
) -> None:
    pdf = export(actions, make_draft(actions, sitting, long_clauses(60)), "draft_pages")
    pages = page_texts(pdf)
    assert len(pages) >= 3
    for n, text in enumerate(pages, 1):
        assert "Draft — not adopted" in text, f"page {n}: {text[-200:]}"
        assert "A/C.2/79/L.12 · Water for all" in text
        assert f"Page {n} of {len(pages)}" in text
    assert_in_order(" ".join(pages), [f"{n}. Requests" for n in range(1, 61)])


def test_an_adopted_draft_shows_the_recorded_vote_on_every_page(
    actions: Actions, sitting: dict[str, Any]
) -> None:
    draft_id = make_draft(actions, sitting, long_clauses(40))
    adopt(actions, sitting, draft_id, rule="simple", kind="recorded", choices=("yes", "yes", "no"))
    doc = actions.published_document(None, draft_id)
    assert doc.vote is not None and doc.vote.recorded  # the decision came from the poll
    statement = "Adopted by a recorded vote of 2 to 1, with no abstentions"
    pdf = export(actions, draft_id, "adopted_recorded")
    pages = page_texts(pdf)
    assert len(pages) >= 2
    assert_in_order(pages[0], ["Water for all", f"Adopted {statement}", "The General Assembly,"])
    for n, text in enumerate(pages, 1):
        assert statement in text, f"page {n}"
        assert "not adopted" not in text and "Draft" not in text.replace("Draft resolution", "")
    # at the foot of the text: the vote, the quorum, who voted how in roll-call order
    in_favour = ", ".join(doc.vote.names["yes"])
    assert sorted(doc.vote.names["yes"]) == ["Germany", "Morocco"]
    assert_in_order(
        pages[-1],
        [
            "40. Requests",
            f"{statement}.",
            "Quorum present: 3 members present, 2 required.",
            f"In favour: {in_favour}.",
            "Against: China.",
        ],
    )


def test_a_draft_adopted_by_consensus_says_without_a_vote(
    actions: Actions, sitting: dict[str, Any]
) -> None:
    draft_id = make_draft(actions, sitting)
    adopt(actions, sitting, draft_id, rule="consensus", seconds=5)  # nobody objects
    [text] = page_texts(export(actions, draft_id, "adopted_consensus"))
    assert_in_order(
        text,
        [
            "Water for all",
            "Adopted Adopted without a vote",
            "1. Decides",
            "Adopted without a vote.",
        ],
    )
    assert text.count("without a vote") == 3  # under the title, at the foot, atop the page
    assert "not adopted" not in text and "In favour" not in text


def test_the_lead_words_are_set_in_an_italic_font(
    actions: Actions, sitting: dict[str, Any]
) -> None:
    pdf = export(actions, make_draft(actions, sitting), "italics")
    italic_by_font: dict[str, bool] = {}
    runs: list[tuple[str, bool]] = []

    def visit(text: str, cm: Any, tm: Any, font: DictionaryObject | None, size: Any) -> None:
        if font is None or not text.strip():
            return
        name = str(font["/BaseFont"])
        if name not in italic_by_font:
            italic_by_font[name] = is_italic(font_program(font))
        runs.append((text, italic_by_font[name]))

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    # consecutive runs in the same font style make one span, as a reader sees it
    spans: list[tuple[str, bool]] = []
    for text, italic in runs:
        if spans and spans[-1][1] == italic:
            spans[-1] = (spans[-1][0] + text, italic)
        else:
            spans.append((text, italic))
    italic = [" ".join(t.split()) for t, i in spans if i]
    upright = " ".join(" ".join(t.split()) for t, i in spans if not i)
    for lead in ("Recalling", "Bearing in mind", "Decides", "Requests", "Strongly condemns"):
        assert lead in italic, (lead, italic)
    assert "The General Assembly" in italic  # the opening, as UN resolutions set it
    for words in ("its resolution 70/1", "that access to safe", "the working group:", "1.", "(a)"):
        assert words in upright
    assert not any("working group" in t or "(a)" in t for t in italic)
    assert italic_by_font and not all(italic_by_font.values())  # both styles were looked at


MULTILINGUAL: list[tuple[str, int, str] | tuple[str, int, str, str]] = [
    ("text", 0, "The Forum participants declared:"),
    ("preambular", 0, "Réaffirmant la Déclaration de Genève, œuvre commune — «à Zürich», ŁÓDŹ,"),
    ("preambular", 0, "Напоминая о резолюции 70/1 Генеральной Ассамблеи, ЁЖЩЮЯ ёжщюя,"),
    ("operative", 0, "يقرر إنشاء فريق عامل؛"),
    ("operative", 0, "决定设立一个关于水的不限成员名额工作组；"),
    ("operative", 0, "Welcomes the progress 🌍 made ✅ so far, together 🤝;"),
    ("operative", 0, "Ελληνικά, שלום, 日本語のかな, 한국어;"),
]
MULTILINGUAL_TITLE = "Déclaration — 宣言 — إعلان — Декларация 🌍"


def test_every_character_of_a_multilingual_draft_has_a_glyph_in_an_embedded_font(
    actions: Actions, sitting: dict[str, Any]
) -> None:
    draft_id = make_draft(actions, sitting, MULTILINGUAL, MULTILINGUAL_TITLE, details={})
    pdf = export(actions, draft_id, "multilingual")
    glyphs = glyph_check(pdf)
    assert glyphs.problems == []
    written = MULTILINGUAL_TITLE + "".join(c[2] for c in MULTILINGUAL)
    missing = sorted({c for c in written if not _invisible(c)} - glyphs.drawn)
    assert missing == [], [f"U+{ord(c):04X} {c}" for c in missing]
    assert {"🌍", "✅", "🤝", "决", "ي", "Ж", "Ź"} <= glyphs.drawn
    # the Arabic paragraph runs right to left: it ends at the right margin, short as it is
    doc = pdfium.PdfDocument(pdf)
    try:
        tp = doc[0].get_textpage()
        lines: dict[int, list[tuple[float, float, float, float]]] = {}
        for i in range(tp.count_chars()):
            if "\u0600" <= tp.get_text_range(i, 1)[:1] <= "\u06ff":
                box = tp.get_charbox(i)
                lines.setdefault(round(box[1]), []).append(box)
    finally:
        doc.close()
    paragraph = max(lines.values(), key=len)  # the title has one Arabic word, this line four
    assert max(box[2] for box in paragraph) == pytest.approx(A4_WIDTH - MARGIN - 2.5 * 11, abs=3)
    assert min(box[0] for box in paragraph) > A4_WIDTH / 2  # not set from the left


DEJAVU_ONLY = """\
import json, sys
from pathlib import Path
from drafting.document import build
from drafting.publish.pdf import render_pdf
Path(sys.argv[2]).write_bytes(render_pdf(build(json.loads(Path(sys.argv[1]).read_text()))))
"""


def test_the_glyph_check_fails_when_only_dejavu_is_installed(
    actions: Actions, sitting: dict[str, Any], tmp_path: Path
) -> None:
    """The same draft, set where fontconfig sees DejaVu and nothing else (as on a machine
    without the Noto fonts): the check above finds the Chinese and the emoji without glyphs,
    so it cannot pass by accident."""
    dejavu = subprocess.run(
        ["fc-list", "-f", "%{file}\n", "DejaVu Serif"], capture_output=True, text=True, check=False
    ).stdout.split()
    if not dejavu or shutil.which("fc-list") is None:
        pytest.skip("DejaVu is not installed")
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>'
        f"<dir>{Path(dejavu[0]).parent}</dir><cachedir>{tmp_path / 'cache'}</cachedir>"
        "</fontconfig>\n"
    )
    draft_id = make_draft(actions, sitting, MULTILINGUAL, MULTILINGUAL_TITLE, details={})
    pub = tmp_path / "publication.json"
    pub.write_text(json.dumps(actions.publication(None, draft_id)))
    out = tmp_path / "dejavu.pdf"
    subprocess.run(
        [sys.executable, "-c", DEJAVU_ONLY, str(pub), str(out)],
        cwd=REPO,
        env={**os.environ, "FONTCONFIG_FILE": str(conf)},
        check=True,
        capture_output=True,
        timeout=120,
    )
    pdf = out.read_bytes()
    save_page_one(pdf, "multilingual_dejavu_only")
    glyphs = glyph_check(pdf)
    assert not {"决", "🌍", "✅"} & glyphs.drawn
    assert any("'决'" in p and "(.notdef)" in p for p in glyphs.problems), glyphs.problems


# --- the page itself (no PDF) --------------------------------------------------------------


def test_the_print_page_is_standalone_escaped_and_runs_each_paragraph_its_way() -> None:
    doc = Document(
        draft_id=1,
        title='Water <script>alert("x")</script>',
        body="General Assembly",
        symbol="A/79/L.1",
        submission="",
        place="",
        date="",
        sponsors=("Côte d'Ivoire & Co",),
        status="adopted",
        vote=Vote(outcome="adopted", without_vote=True, recorded=False),
        blocks=(
            Block("operative", 0, "1.", "Decides", " to act & <report>;"),
            Block("operative", 0, "2.", "", "يقرر إنشاء فريق عامل"),
            Block("item", 1, "", "", "a dash", "–"),
            Block("item", 1, "", "", "a bullet", "•"),
        ),
    )
    page = render_html(doc)
    assert page.startswith("<!doctype html>") and '<html lang="en">' in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "Côte d&#x27;Ivoire &amp; Co" in page and "to act &amp; &lt;report&gt;;" in page
    assert "<i>Decides</i> to act" in page
    assert re.search(r'<p class="operative level-0 numbered" dir="rtl"><span class="num">2\.', page)
    assert re.search(r'<li class="m-en-dash" dir="ltr">a dash\s*</li>\s*<li class="m-bullet"', page)
    assert "Adopted without a vote" in page
    assert not re.search(r"(?:src|href)=|url\(|@import", page)  # nothing fetched
    assert (direction("  1. שלום"), direction("« Bonjour »"), direction("123")) == (
        "rtl",
        "ltr",
        "ltr",
    )
    assert render_pdf(doc).startswith(b"%PDF-")


def test_the_benchmark_runs_and_prints_its_figures_last(tmp_path: Path) -> None:
    out = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "publish_pdf.py"),
            *("--clauses", "40", "--runs", "1", "--out", str(tmp_path / "b.pdf")),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    assert figures["clauses"] == 40 and figures["runs"] == 1
    assert figures["pages"] == len(PdfReader(tmp_path / "b.pdf").pages) >= 2
    assert figures["pdf_bytes"] == (tmp_path / "b.pdf").stat().st_size
    assert figures["export_s_median"] > 0
