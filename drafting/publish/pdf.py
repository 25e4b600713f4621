"""The print page of a published draft and its PDF.

`render_html` lays a `Document` out as an assembly's documents are, on A4: the title block
(the body and the symbol, the place and date, the sponsors, the submission line, the title,
"Draft" or "Adopted" and how), the opening, preambular paragraphs with their first line
indented and their lead words in italics, operative paragraphs hanging from their number,
sub-paragraphs (a) and (i) further in, headings, list items as real lists with their own dash
or bullet, and how the text was decided. Every page says what the text is (a running header
with the symbol or title and "Draft — not adopted" or the vote) and "Page N of M".

`render_pdf` sets that same page with WeasyPrint, so the PDF and the print view cannot
drift apart. The sheet is `print.css`, shipped with the package and written into the page,
which is standalone (no file or network fetch).

Pure but for reading the sheet once; WeasyPrint is imported on the first PDF only (it takes
a second to load and the server may never need it).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from functools import cache
from importlib import resources

from ..document import Block, Document

# The page's language: the words around the text ("Sponsors:", "Page 1 of 3") are English.
# Each paragraph still runs in its own direction (`direction`).
LANG = "en"

# A list item's marker -> the class print.css gives that marker's `list-style-type`
MARKER_CLASSES = {
    "–": "m-en-dash",
    "—": "m-em-dash",
    "-": "m-hyphen",
    "•": "m-bullet",
    "*": "m-asterisk",
    "·": "m-middle-dot",
}
DEFAULT_MARKER = "–"

_MONTHS = (
    "January February March April May June July August September October November December"
).split()
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
# what ends an opening line and stays upright after its italics ("The General Assembly,")
_OPENING_PUNCTUATION = ",:;.،，： "


@cache
def stylesheet() -> str:
    """print.css, as shipped with the package."""
    return resources.files(__package__).joinpath("print.css").read_text(encoding="utf-8")


def render_pdf(doc: Document) -> bytes:
    """The document as a PDF: the print page set by WeasyPrint, with the document's title
    and language in the PDF's metadata and its fonts embedded (subsets)."""
    from weasyprint import HTML  # heavy: loaded on the first export only

    # tagged: headings, paragraphs and lists are marked as such for screen readers (about a
    # tenth more time); WeasyPrint also takes the title and <html lang> into the metadata
    pdf = HTML(string=render_html(doc)).write_pdf(pdf_tags=True)
    assert isinstance(pdf, bytes)
    return pdf


def render_print_page(doc: Document) -> bytes:
    """The print page as the `html` download: UTF-8 bytes of `render_html`."""
    return render_html(doc).encode("utf-8")


def render_html(doc: Document) -> str:
    """The whole print page: one standalone HTML5 document with its CSS, all text escaped."""
    esc = html.escape
    head = [
        '<meta charset="utf-8">',
        f"<title>{esc(doc.title)}</title>",
        _meta("author", ", ".join(doc.sponsors) or doc.body),
        _meta("description", doc.status_line),
        _meta("keywords", doc.symbol),
        f"<style>\n{stylesheet()}</style>",
    ]
    body = [
        *_running(doc),
        *_title_block(doc),
        '<main class="text">',
        *_text(doc.blocks),
        "</main>",
        *_decision(doc),
        '<div class="end"></div>',
    ]
    return (
        "<!doctype html>\n"
        f'<html lang="{LANG}">\n<head>\n'
        + "\n".join(h for h in head if h)
        + "\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def running_status(doc: Document) -> str:
    """What the header of every page says the text is: "Draft — not adopted", or how it was
    decided ("Adopted by a recorded vote of 120 to 3, with 5 abstentions")."""
    if doc.status in ("adopted", "rejected"):
        return doc.status_line
    return f"{doc.stage} — not adopted"


def direction(text: str) -> str:
    """ "rtl" when the text's first strong character is right-to-left (Arabic, Hebrew, ...),
    else "ltr": what dir="auto" means (Unicode bidi rules P2-P3). Written out because
    WeasyPrint lays every paragraph out in its CSS direction and does not resolve "auto"."""
    for ch in text:
        bidi = unicodedata.bidirectional(ch)
        if bidi == "L":
            return "ltr"
        if bidi in ("R", "AL"):
            return "rtl"
    return "ltr"


def display_date(date: str) -> str:
    """An ISO date as UN documents print it ("12 November 2024"); any other text as given."""
    m = _ISO_DATE.fullmatch(date.strip())
    if m is None or not 1 <= int(m.group(2)) <= 12:
        return date
    year, month, day = (int(g) for g in m.groups())
    return f"{day} {_MONTHS[month - 1]} {year}"


# --- parts of the page ---------------------------------------------------------------------


def _meta(name: str, content: str) -> str:
    if not content:
        return ""
    return f'<meta name="{name}" content="{html.escape(content)}">'


def _p(cls: str, inner: str, text: str, tag: str = "p") -> str:
    """One paragraph element, in the direction of its own text."""
    return f'<{tag} class="{cls}" dir="{direction(text)}">{inner}</{tag}>'


def _running(doc: Document) -> list[str]:
    """The running header's two parts; print.css moves them into every page's top margin."""
    title = " · ".join(t for t in (doc.symbol, doc.title) if t)
    stage = running_status(doc)
    return [
        _p("running-title", html.escape(title), title, "div"),
        _p("running-stage", html.escape(stage), stage, "div"),
    ]


def _title_block(doc: Document) -> list[str]:
    esc = html.escape
    out = ['<header class="title-block">']
    if doc.body or doc.symbol:
        out += [
            '<div class="masthead">',
            _p("body", esc(doc.body), doc.body),
            '<p class="symbol" dir="ltr">' + esc(doc.symbol) + "</p>",
            "</div>",
        ]
    dateline = ", ".join(t for t in (doc.place, display_date(doc.date)) if t)
    if dateline:
        out.append(_p("dateline", esc(dateline), dateline))
    if doc.sponsors:
        names = ", ".join(doc.sponsors)
        out.append(
            f'<p class="sponsors" dir="ltr"><span class="label">Sponsors:</span> '
            f"<bdi>{esc(names)}</bdi></p>"
        )
    if doc.submission:
        out.append(_p("submission", esc(doc.submission), doc.submission))
    out.append(_p("title", esc(doc.title), doc.title, "h1"))
    out.append(
        f'<p class="stage-line" dir="ltr"><span class="stage">{esc(doc.stage)}</span> '
        f"{esc(doc.status_line)}</p>"
    )
    out.append("</header>")
    return out


def _text(blocks: Sequence[Block]) -> list[str]:
    """The text's blocks in order; each run of list items becomes one (nested) list."""
    out: list[str] = []
    i = 0
    while i < len(blocks):
        b = blocks[i]
        if b.kind == "item":
            j = i
            while j < len(blocks) and blocks[j].kind == "item":
                j += 1
            out += _list(blocks[i:j])
            i = j
            continue
        out.append(_block(b))
        i += 1
    return out


def _block(b: Block) -> str:
    esc = html.escape
    level = f"level-{min(b.level, 4)}"
    if b.kind == "heading":
        number = f"{esc(b.number)} " if b.number else ""
        tag = "h2" if b.level == 0 else "h3"
        return _p(f"heading {level}", number + esc(b.text), b.text, tag)
    if b.kind == "opening":
        words = b.text.rstrip(_OPENING_PUNCTUATION)
        inner = f"<i>{esc(words)}</i>{esc(b.text[len(words) :])}" if words else esc(b.text)
        return _p(f"opening {level}", inner, b.text)
    inner = (f"<i>{esc(b.lead)}</i>" if b.lead else "") + esc(b.rest)
    cls = f"{b.kind} {level}"
    if b.number:
        inner = f'<span class="num">{esc(b.number)}</span>{inner}'
        cls += " numbered"
    return _p(cls, inner, b.text)


def _list(items: Sequence[Block]) -> list[str]:
    """Consecutive list items as one <ul>; an item one level deeper opens a list inside the
    item before it (one level at a time). Each <li> keeps its own marker (print.css gives
    each marker's class its `list-style-type`)."""
    base = items[0].level
    out = [f'<ul class="items level-{min(base, 4)}" dir="{direction(items[0].text)}">']
    depth = 0  # lists open inside the outer one
    for n, b in enumerate(items):
        want = min(max(b.level - base, 0), depth + 1) if n else 0
        if n and want > depth:
            out.append("<ul>")
        else:
            if n:
                out.append("</li>")
            while depth > want:
                out.append("</ul>\n</li>")
                depth -= 1
        depth = want
        marker = b.marker if b.marker in MARKER_CLASSES else DEFAULT_MARKER
        out.append(
            f'<li class="{MARKER_CLASSES[marker]}" dir="{direction(b.text)}">' + html.escape(b.text)
        )
    out.append("</li>")
    out += ["</ul>\n</li>"] * depth
    out.append("</ul>")
    return out


def _decision(doc: Document) -> list[str]:
    """How the whole text was decided, at its foot: the vote, the quorum and, for a recorded
    vote, who voted how in roll-call order."""
    vote = doc.vote
    if vote is None or doc.status not in ("adopted", "rejected"):
        return []
    esc = html.escape
    out = [
        '<section class="decision" dir="ltr">',
        f'<p class="statement">{esc(vote.statement)}.</p>',
    ]
    if vote.quorum_line:
        out.append(f'<p class="quorum">{esc(vote.quorum_line)}.</p>')
    for choice, label in (("yes", "In favour"), ("no", "Against"), ("abstain", "Abstaining")):
        names = [n for n in vote.names.get(choice, ()) if n]
        if names:
            out.append(
                f'<p class="names"><span class="choice">{label}:</span> '
                f"{esc(', '.join(names))}.</p>"
            )
    out.append("</section>")
    return out
