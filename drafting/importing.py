"""Text the way delegates have it -> clauses.

Delegates arrive with a declaration already typed in a text editor, a Markdown file or Word.
We read the structure they already gave it (blank lines, dashes, "1.", "(a)", "The General
Assembly,", the UN title block above the title) instead of making them paste it in again clause
by clause. Pure: bytes or text in, a ParsedDocument out; the action layer turns it into a draft.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePath

from .domain import (
    CLAUSE_KINDS,
    DRAFT_DETAILS,
    MAX_DETAIL_CHARS,
    MAX_DOCUMENT_BYTES,
    MAX_LEVEL,
    MAX_TITLE_CHARS,
    UNTITLED,
)
from .errors import Invalid, TooLarge

KINDS = CLAUSE_KINDS
MAX_BYTES = MAX_DOCUMENT_BYTES
SHORT = 100  # a heading is a line at most this long

TEXT_EXTENSIONS = (".txt", ".text", ".md", ".markdown", "")
MARKDOWN_EXTENSIONS = (".md", ".markdown")


@dataclass(frozen=True)
class ParsedClause:
    kind: str  # heading | preambular | operative | item | text
    level: int  # 0 top, 1 = (a), 2 = (i)
    text: str
    marker: str = ""  # a list item's dash or bullet


@dataclass(frozen=True)
class ParsedDocument:
    title: str
    clauses: list[ParsedClause]
    # the title block read from the document (domain.DRAFT_DETAILS): "submission", "symbol"...
    details: dict[str, str] = field(default_factory=dict)


# --- public entry points ------------------------------------------------------------------


def read_document(data: bytes, filename: str, title: str | None = None) -> ParsedDocument:
    """An uploaded file -> clauses; the format is decided by extension and by content."""
    if len(data) > MAX_BYTES:
        raise TooLarge(
            f"{filename or 'The file'} is {len(data) / 1e6:.1f} MB; a draft can be imported "
            f"from at most {MAX_BYTES / 1e6:.0f} MB."
        )
    ext = PurePath(filename or "").suffix.lower()
    if data.startswith(b"PK\x03\x04"):
        from . import importing_office  # Word and OpenDocument: python-docx, lxml

        package = importing_office.package_format(data)
        if package == "docx":
            return importing_office.read_docx(data, title)
        if package == "odt":
            return importing_office.read_odt(data, title)
    if ext in (".docx", ".odt"):
        what = {".docx": "a Word document", ".odt": "an OpenDocument text"}[ext]
        raise Invalid(
            f"{filename} is not a valid {ext} file (it is not {what} package). "
            f"Open it in your word processor and save it again as {ext}."
        )
    _refuse_known_binary(data, filename)
    if ext not in TEXT_EXTENSIONS:
        raise Invalid(
            f"Cannot import {ext} files: upload a .txt, .md, .docx or .odt file "
            "(or paste the text)."
        )
    text = _decode(data)
    return parse_text(text, title, markdown=True if ext in MARKDOWN_EXTENSIONS else None)


def parse_text(
    text: str, title: str | None = None, *, markdown: bool | None = None
) -> ParsedDocument:
    """Plain text or Markdown -> clauses; `markdown=None` detects Markdown by its headings."""
    if len(text) > MAX_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise TooLarge(f"The text is over {MAX_BYTES / 1e6:.0f} MB; that is not a draft.")
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    _check_text(text)
    return _parse(text, title, markdown)


def parse_markdown(text: str, title: str | None = None) -> ParsedDocument:
    """Markdown -> clauses: as parse_text, and backslash escapes are undone."""
    return parse_text(text, title, markdown=True)


def starts_clause(line: str) -> bool:
    """Would this line open a clause of its own (dash, bullet, "1.", "(a)", heading)?

    The Markdown exporter escapes clause text for which this is true, so the two stay in step.
    """
    stripped = line.strip()
    return bool(_ATX.fullmatch(stripped)) or _marker(stripped) is not None


# --- input checks -------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    """Strict UTF-8 (BOM allowed), with errors a delegate can act on."""
    head = data[:64]
    odd, even = head[1::2].count(0), head[0::2].count(0)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (
        len(head) >= 8 and min(odd, even) == 0 and max(odd, even) >= len(head) // 4
    ):
        raise Invalid("The file is UTF-16 text. Save it as UTF-8 text and import it again.")
    if b"\x00" in data:
        raise Invalid("The file is binary (it contains NUL bytes), not text.")
    offset = 0
    if data.startswith(b"\xef\xbb\xbf"):
        data, offset = data[3:], 3
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        sample = data[:4096].decode("utf-8", "replace")
        if sample.count("\ufffd") > max(8, len(sample) // 10):
            raise Invalid("The file is binary (mostly not text); upload text or .docx.") from None
        raise Invalid(
            f"The file is not valid UTF-8: byte 0x{data[e.start]:02x} at offset "
            f"{e.start + offset} cannot be read. Save it as UTF-8 text and import it again."
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


_SIGNATURES = (
    (b"%PDF", "a PDF"),
    (b"{\\rtf", "an RTF document"),
    (b"\xd0\xcf\x11\xe0", "an old Word (.doc) document"),
    (b"PK\x03\x04", "a zip archive"),
)


def _refuse_known_binary(data: bytes, filename: str) -> None:
    for magic, what in _SIGNATURES:
        if data.startswith(magic):
            raise Invalid(
                f"{filename or 'The file'} is {what}, which cannot be imported: "
                "save it as .docx or UTF-8 text."
            )


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise Invalid("The file is binary (it contains NUL characters), not text.")
    if not text.strip():
        raise Invalid("The file is empty: there is no text to import.")
    controls = sum(1 for ch in text if ch not in "\t\n\f\v" and unicodedata.category(ch) == "Cc")
    if controls > max(8, len(text) // 100):
        raise Invalid("The file does not look like text (it is full of control characters).")


# --- lines -> blocks ----------------------------------------------------------------------

_BULLETS = "-–—•◦▪‣·*+"
# not ASCII, so Markdown has no escape for them: we accept "\–" (the exporter writes it)
ESCAPABLE_BULLETS = "–—•◦▪‣·"
# bullets the domain has no marker for become the nearest one it has (domain.ITEM_MARKERS)
_ITEM_MARKER = {"+": "-", "◦": "•", "▪": "•", "‣": "•"}
_BULLET = re.compile(rf"[{_BULLETS}]\s+(?=\S)")
_NUMBER = re.compile(r"[0-9]{1,3}(?:[.)]|\s+-)(?:\s+|$)")
_ABJAD = (
    "أ ب ج د هـ و ز ح ط ي ك ل م ن س ع ف ص ق ر ش ت ث خ ذ ض ظ غ".split()  # UN Arabic (a), (b) ...
)
_ARABIC_ALIASES = {"ه": "هـ", "ا": "أ"}
# (a) (iv) (ب), and a) iv) as French and Spanish texts number them
_SUB = re.compile(
    r"\((?P<p>[a-z]{1,4}|[\u0621-\u064a]\u0640?)\)(?:\s+|$)|(?P<b>[a-z]{1,4})\)(?:\s+|$)"
)
_ROMAN = re.compile(r"m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})")
_ATX = re.compile(r"(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*")
_SETEXT = re.compile(r"(?:={3,}|-{3,})[ \t]*")
_RULE = re.compile(r"([-*_])(?:[ \t]*\1){2,}[ \t]*")
_KIND_MARK = re.compile(r"<!--\s*(heading|preambular|operative|text)\s*-->")
_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


@dataclass
class _Block:
    marker: str  # "" plain paragraph, "bullet", "number", "sub", "atx" (heading)
    lines: list[str]  # stripped lines, list marker removed from the first
    whole: str = ""  # the first line with its marker, for (a) lines that nest under nothing
    label: str = ""  # sub-clause label: "a", "iv", "ب"; a bullet's character: "–", "*"
    indent: int = 0
    forced: str | None = None  # kind given by a <!-- kind --> line


def _marker(stripped: str) -> tuple[str, str, str] | None:
    """(marker, label, rest of line) when a line opens a clause, else None; a bullet's label is
    its character."""
    if m := _NUMBER.match(stripped):
        return "number", "", stripped[m.end() :]
    if m := _SUB.match(stripped):
        label = m["p"] or m["b"]
        label = _ARABIC_ALIASES.get(label, label)
        if _letter(label) is not None or _roman(label) is not None:
            return "sub", label, stripped[m.end() :]
    if (m := _BULLET.match(stripped)) and not _RULE.fullmatch(stripped):
        return "bullet", stripped[0], stripped[m.end() :]
    return None


def _letter(label: str) -> int | None:
    """(a)=1 ... (z)=26, (aa)=27, (ab)=28 as the domain numbers them; Arabic abjad too."""
    if label in _ABJAD:
        return _ABJAD.index(label) + 1
    if not re.fullmatch(r"[a-z]{1,2}", label):
        return None
    n = 0
    for ch in label:
        n = n * 26 + ord(ch) - ord("a") + 1
    return n


def _roman(label: str) -> int | None:
    if not label or not _ROMAN.fullmatch(label):
        return None
    values = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
    total = 0
    for ch, nxt in zip(label, label[1:] + " ", strict=True):
        v = values[ch]
        total += -v if nxt != " " and values[nxt] > v else v
    return total


def _indent(line: str) -> int:
    width = 0
    for ch in line:
        if ch == "\t":
            width += 4
        elif ch.isspace():
            width += 1
        else:
            break
    return width


def _blocks(lines: list[str]) -> list[_Block]:
    """Blank lines end a paragraph; a marker line starts a new clause; other lines join on."""
    blocks: list[_Block] = []
    cur: _Block | None = None
    pending: str | None = None
    for raw in lines:
        stripped = raw.strip()
        if not stripped:
            cur = None
            continue
        if m := _KIND_MARK.fullmatch(stripped):
            cur, pending = None, m[1]
            continue
        if (
            cur is not None
            and cur.marker == ""
            and len(cur.lines) == 1
            and len(cur.lines[0]) <= SHORT
            and _SETEXT.fullmatch(stripped)
        ):
            cur.marker, cur = "atx", None  # a setext underline makes the paragraph a heading
            continue
        if _RULE.fullmatch(stripped):
            cur = None
            continue
        if m := _ATX.fullmatch(stripped):
            blocks.append(_Block("atx", [m[2] or ""], forced=pending))
            cur = pending = None
            continue
        found = _marker(stripped)
        if found is None and cur is not None:
            cur.lines.append(stripped)
            continue
        marker, label, rest = found or ("", "", stripped)
        cur = _Block(marker, [rest], stripped, label, _indent(raw), pending)
        pending = None
        blocks.append(cur)
        if marker == "" and len(stripped) <= SHORT and stripped.endswith((":", "：")):
            cur = None  # "The Forum participants declared:" heads what follows
    return blocks


def _unescape(text: str, first: bool) -> str:
    if first and len(text) > 1 and text[0] == "\\" and text[1] in ESCAPABLE_BULLETS:
        text = text[1:]
    return _MD_ESCAPE.sub(r"\1", text)


def _text(lines: list[str], markdown: bool) -> str:
    if markdown:
        lines = [_unescape(line, i == 0) for i, line in enumerate(lines)]
    return " ".join(line.strip() for line in lines if line.strip())


# --- blocks -> clauses --------------------------------------------------------------------

_CLOSERS = "\"'”’»›)]}」』】》〉"
_CLOSING = ".!?…;:,。！？；：，、،؛؟۔‽"
_PREAMBLE_ENDS = ",;،؛，；"
_COMMAS = ",،，"
_ARTICLES = (
    "the ", "l'", "l’", "la ", "le ", "el ", "il ", "lo ", "die ", "der ", "das ", "de ",
    "het ", "a ", "o ", "إن ",
)  # fmt: skip
_ORGANS = (
    "assembl", "asamble", "council", "conseil", "consejo", "conselho", "consiglio", "conferen",
    "confér", "konferenz", "congr", "kongress", "forum", "foro", "committee", "comit",
    "commission", "comisi", "summit", "cumbre", "parliament", "parlement", "parlamento",
    "convention", "board", "meeting", "plenary", "versammlung", "ассамбле", "совет",
    "конференц", "съезд", "форум", "комитет", "комисси", "الجمعية", "مجلس", "المؤتمر",
    "اللجنة", "大会", "理事会", "会议", "委员会",
)  # fmt: skip


def _last_mark(text: str) -> str:
    trimmed = text.rstrip(_CLOSERS)
    return trimmed[-1] if trimmed else ""


def _heading_like(text: str, last: bool) -> bool:
    """A short line ending in ':' or, between paragraphs, a short line with no final stop."""
    if len(text) > SHORT:
        return False
    mark = _last_mark(text)
    return mark in (":", "：") or (not last and mark not in _CLOSING)


def _is_opener(text: str) -> bool:
    """ "The General Assembly,", "L'Assemblée générale,", "إن الجمعية العامة،" ..."""
    if not text or text[-1] not in _COMMAS:
        return False
    body = text[:-1].strip()
    words = body.split()
    low = body.casefold()
    if not words or len(words) > 8 or not any(o in low for o in _ORGANS):
        return False
    if low.startswith(_ARTICLES):
        return True
    return len(words) <= 4 and not any(w[0].islower() for w in words)


@dataclass
class _Nest:
    """Where we are among the sub-clauses of the current top-level clause."""

    kind: str = ""  # kind of the top-level clause, "" before the first
    indent: int = 0
    l1: tuple[int | None, int | None, int] | None = None  # (letter, roman, indent)
    l1_roman_style: bool = False  # the (a)-level runs (i), (ii) itself
    l2: tuple[int, int] | None = None  # (roman, indent)
    last_level: int = 0


def _sub_level(nest: _Nest, label: str, indent: int, next_label: str | None) -> int:
    """(a) is level 1 and (ii) level 2; for (i), (v), (x) ... indentation and order decide."""
    letter, num = _letter(label), _roman(label)
    if nest.l1 is None:
        return 1
    l1_letter, _, l1_indent = nest.l1
    if letter is None:  # roman only
        return 1 if nest.l1_roman_style and indent <= l1_indent else 2
    if num is None:
        return 1
    if indent != l1_indent:
        return 2 if indent > l1_indent else 1
    if nest.l2 is not None and nest.l2[1] != l1_indent:
        return 1  # sub-clauses are indented, and this one sits at the (a) level
    if nest.l1_roman_style:
        return 1
    expected_roman = (nest.l2[0] if nest.l2 else 0) + 1
    if nest.last_level == 2 and num == expected_roman:
        return 2  # (iv) then (v)
    if letter == (l1_letter or 0) + 1:
        # (h) then (i) is a letter, unless (ii) follows: then (i) opened a roman list.
        return 2 if num == 1 and next_label == "ii" else 1
    if num == expected_roman:
        return 2
    return 2 if len(label) > 1 else 1


def _parse(text: str, title: str | None, markdown: bool | None) -> ParsedDocument:
    lines = text.split("\n")
    if markdown is None:
        markdown = any(
            _ATX.fullmatch(s) or _KIND_MARK.fullmatch(s) for s in (line.strip() for line in lines)
        )
    meta_title, details, lines = _preamble(lines)
    block = _title_block(lines, markdown)
    details.update(block.details)
    if title is not None and title.strip():
        title, body = title.strip(), block.kept + block.rest
    elif meta_title:
        title, body = meta_title, block.kept + block.rest
    elif block.kept and not _title_follows(block, markdown):
        title, body = _text([block.kept[0].strip()], markdown), block.kept[1:] + block.rest
    else:
        title, body = _title(block.rest, markdown, join=block.found)
        body = block.kept + body
    if len(title) > MAX_TITLE_CHARS:
        raise Invalid(
            f"The first line, taken as the title, has {len(title):,} characters (at most "
            f"{MAX_TITLE_CHARS}). Start the document with a short title line, or give a title."
        )
    blocks = [b for b in _blocks(body) if _text(b.lines, markdown)]
    clauses = list(_classify(blocks, markdown))
    if not clauses and title == UNTITLED:
        raise Invalid("The file has no text to import, only separator lines.")
    return ParsedDocument(title, clauses, details)


def _preamble(lines: list[str]) -> tuple[str, dict[str, str], list[str]]:
    """A YAML header and separator lines before the text: (its title, its details, the rest)."""
    details: dict[str, str] = {}
    i = 0
    while i < len(lines):
        first = lines[i].strip()
        meta = _front_matter(lines[i + 1 :]) if first == "---" else None
        if meta is not None:
            found, found_details, skip = meta
            details.update(found_details)
            i += 1 + skip
            if found:
                return found, details, lines[i:]
        elif not first or _RULE.fullmatch(first):
            i += 1
        else:
            break
    return "", details, lines[i:]


def _title(lines: list[str], markdown: bool, join: bool = False) -> tuple[str, list[str]]:
    """The first line is the title: a `# title`, a line underlined with ===, or a plain line;
    after a title block (`join`), with the lines it wraps onto ("... in the context of" /
    "peaceful protests")."""
    start = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    if start == len(lines):
        return UNTITLED, []
    first = lines[start].strip()
    rest = start + 1
    if m := _ATX.fullmatch(first):
        first = m[2] or ""
    elif rest < len(lines) and _SETEXT.fullmatch(lines[rest].strip()):
        rest += 1
    elif join:
        while rest < len(lines) and _wraps_on(first, lines[rest].strip(), markdown):
            first = f"{first} {lines[rest].strip()}"
            rest += 1
    title = _text([first], markdown) or UNTITLED
    return title, lines[rest:]


def _wraps_on(line: str, nxt: str, markdown: bool) -> bool:
    """Is `nxt` the rest of a title or submission line wrapped by a narrow page?"""
    return (
        nxt[:1].islower()
        and _head_like(nxt, _text([nxt], markdown))
        and len(line) + len(nxt) < MAX_TITLE_CHARS
    )


def _front_matter(lines: list[str]) -> tuple[str, dict[str, str], int] | None:
    """A YAML header as Markdown tools write it: ("its title" or "", the title block's fields
    it gives, lines it spans)."""
    title = ""
    details: dict[str, str] = {}
    for i, line in enumerate(lines[:50]):
        if line.strip() in ("---", "..."):
            return title, details, i + 1
        if m := re.fullmatch(r"(title|[a-z]+):\s*(.*?)\s*", line):
            value = " ".join(m[2].strip("'\"").split())
            if m[1] == "title":
                title = value
            elif m[1] in DRAFT_DETAILS and value and len(value) <= MAX_DETAIL_CHARS:
                details[m[1]] = value
        elif line.strip() and not re.match(r"[\w-]+:|\s|- ", line):
            return None
    return None


# --- the title block ----------------------------------------------------------------------
# A UN document does not open with its title. Above it stand "United Nations", the organ
# ("General Assembly"), the symbol ("A/C.3/79/L.12"), "Distr.: Limited", a date, the session and
# agenda item, and the submission line ("Draft resolution submitted by the Chair"). Read as
# text, the submission line became the title and the real title a heading. These lines are
# recognised one by one; the block is taken as one only when a line that nothing but a title
# block holds (a symbol, a submission line, "United Nations", "Distr.", "Symbol: ...") anchors
# it, so a declaration that opens with its title is read as before.

MAX_HEAD_LINES = 25  # a title block is read among the first lines only
_SENTENCE_ENDS = ".!?;…。！？；"

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|"
    "novembre|décembre|decembre|enero|febrero|marzo|abril|mayo|junio|julio|agosto|"
    "septiembre|setiembre|octubre|noviembre|diciembre"
)
_DAYS = r"[0-9]{1,2}(?:er)?(?:\s*[-–]\s*[0-9]{1,2})?"
_DATE_RE = (
    rf"(?:{_DAYS}\s+(?:de\s+)?(?:{_MONTHS})(?:\s+de)?\s+[0-9]{{4}}"  # 1 November 2024
    rf"|(?:{_MONTHS})\s+{_DAYS},?\s+[0-9]{{4}}"  # November 1, 2024
    rf"|(?:{_MONTHS})\s+[0-9]{{4}}"  # November 2024
    r"|[0-9]{4}-[0-9]{2}-[0-9]{2})"
)
_DATE = re.compile(_DATE_RE, re.IGNORECASE)
_PLACE_DATE = re.compile(rf"(?P<place>[^\W\d].{{0,80}}?),\s+(?P<date>{_DATE_RE})", re.IGNORECASE)
# A/C.3/79/L.12, E/CN.6/2025/L.3, A/HRC/55/L.1/Rev.1, ICCD/COP(16)/L.1, S/RES/2720 (2023)
_SYMBOL = re.compile(r"[A-Z][A-Za-z]*(?:\([0-9]+\))?(?:/[A-Za-z0-9.()-]+)+(?: \([0-9]{4}\))?")
_NOT_BY = r"(?:\s+(?!on\b|concerning\b|regarding\b|sur\b|relatif\b|concernant\b|sobre\b)\S+)*?"
_SUBMISSION = re.compile(
    "|".join(
        (
            # Draft resolution [A/C.3/79/L.12] submitted by the Chair [on the basis of ...]
            r"(?:revised\s+)?(?:draft\s+(?:resolution|decision|declaration|conclusions?)"
            rf"|proposals?|amendments?)(?:\s+revised)?{_NOT_BY}"
            r"\s+(?:submitted|proposed|presented|introduced|sponsored|tabled)\s+by\s+\S.*",
            r"(?:revised\s+)?(?:proposals?|amendments?)\s+by\s+\S.*",  # Proposal by the Chair
            r"(?:revised\s+)?draft\s+(?:resolution|decision)(?:\s+revised)?",
            r"\S.*:\s*(?:revised\s+)?draft\s+(?:resolution|decision)(?:\s+revised)?",  # sponsors
            r"(?:projet\s+de\s+(?:résolution|décision|déclaration)|propositions?|amendements?)"
            rf"(?:\s+révisée?)?{_NOT_BY}\s+(?:présentée?|soumise?|proposée?)s?\s+par\s+\S.*",
            r"projet\s+de\s+(?:résolution|décision)(?:\s+révisé)?",
            r"\S.*:\s*projet\s+de\s+(?:résolution|décision)(?:\s+révisé)?",
            r"(?:proyecto\s+de\s+(?:resolución|decisión|declaración)|propuestas?|enmiendas?)"
            rf"(?:\s+revisad[oa])?{_NOT_BY}\s+(?:presentad|propuest)[oa]s?\s+por\s+\S.*",
            r"proyecto\s+de\s+(?:resolución|decisión)(?:\s+revisado)?",
            r"\S.*:\s*proyecto\s+de\s+(?:resolución|decisión)(?:\s+revisado)?",
        )
    ),
    re.IGNORECASE,
)
# the exporter writes a field it cannot write so that it reads back as such with its label
_LABEL = re.compile(r"(symbol|submission|body|place|date)\s*:\s*(\S.*)", re.IGNORECASE)
_UN_NAMES = ("united nations", "nations unies", "naciones unidas")
_DISTRIBUTION = re.compile(
    r"distr\.?\s*:?\s*[^\W\d_]+|original\s*:\s*[^\W\d_]+(?:\s*[/,]\s*[^\W\d_]+)*", re.IGNORECASE
)
_SESSION = re.compile(r"(?:\S+\s+){0,3}(?:session|período de sesiones|periodo de sesiones)", re.I)
_AGENDA = re.compile(r"(?:agenda\s+items?|items?|points?|temas?)\s+[0-9]+\b.{0,80}", re.I)
_CELLS = re.compile(r"\s{2,}|\t")  # columns of a title block laid out side by side


@dataclass
class _HeadLine:
    """One line of a title block and what it says."""

    index: int  # in the document's lines
    text: str
    fields: list[tuple[str, str]]  # the DRAFT_DETAILS it gives
    strength: int  # 0 not a title-block line, 1 one of them, 2 one that only a title block has
    organ: bool = False  # recognised only because it names an organ ("General Assembly")
    agenda: bool = False  # "Agenda item 71 (b)": the lines under it are the item's title
    submission: bool = False
    labelled: bool = False  # "Symbol: ...": wins over what the other lines say


@dataclass
class _TitleBlock:
    details: dict[str, str]
    kept: list[str]  # lines above the title it cannot place: they stay in the document
    rest: list[str]  # the lines after the block: the title, then the text
    submission: bool = False  # a submission line, after which the UN puts the title
    # anchored by more than "Date: ..." lines (or set above a Markdown `# title`): organ lines
    # name the organ, and the title follows the block
    un_style: bool = False
    found: bool = False


def _head_line(index: int, text: str) -> _HeadLine:
    if m := _LABEL.fullmatch(text):
        return _HeadLine(index, text, [(m[1].casefold(), m[2])], 2, labelled=True)
    flat = " ".join(text.split())
    if _SUBMISSION.fullmatch(flat):
        return _HeadLine(index, text, [("submission", flat)], 2, submission=True)
    line = _HeadLine(index, text, [], 1, organ=True)
    for cell in (c for c in _CELLS.split(text) if c):
        if _SYMBOL.fullmatch(cell) and any(ch.isdigit() for ch in cell):
            line.fields.append(("symbol", cell))
            line.strength = 2
        elif " ".join(cell.casefold().split()) in _UN_NAMES or _DISTRIBUTION.fullmatch(cell):
            line.strength = 2
        elif _AGENDA.fullmatch(cell):
            line.agenda = True
        elif _SESSION.fullmatch(cell):
            pass
        elif _DATE.fullmatch(cell):
            line.fields.append(("date", cell))
        elif m := _PLACE_DATE.fullmatch(cell):
            line.fields += [("place", m["place"]), ("date", m["date"])]
        elif _names_organ(cell):
            line.fields.append(("body", cell))
            continue  # the one kind of cell that leaves `organ` set
        else:
            return _HeadLine(index, text, [], 0)
        line.organ = False
    return line


def _names_organ(text: str) -> bool:
    """ "General Assembly", "Human Rights Council", "Conférence des Parties"..."""
    low = text.casefold()
    return (
        len(text) <= SHORT
        and len(text.split()) <= 14
        and not any(ch.isdigit() for ch in text)
        and _last_mark(text) not in _CLOSING
        and any(o in low for o in _ORGANS)
    )


def _head_like(stripped: str, text: str) -> bool:
    """Could this line stand in a title block (not a clause, a heading or the opener)?"""
    return not (
        _ATX.fullmatch(stripped)
        or _KIND_MARK.fullmatch(stripped)
        or _RULE.fullmatch(stripped)
        or _SETEXT.fullmatch(stripped)
        or _marker(stripped) is not None
        or _is_opener(text)
    )


def _title_block(lines: list[str], markdown: bool) -> _TitleBlock:
    """The title block above the title, if the document has one (see above)."""
    scanned: list[_HeadLine] = []
    stop = len(lines)
    for i, raw in enumerate(lines):
        stripped = raw.strip()
        if not stripped:
            continue
        text = _text([stripped], markdown)
        labelled = bool(_LABEL.fullmatch(text))  # "Body: The General Assembly," is no opener
        line = _head_line(i, text) if labelled or _head_like(stripped, text) else None
        if (
            line is None
            or len(scanned) == MAX_HEAD_LINES
            or (line.strength == 0 and _last_mark(text) in _SENTENCE_ENDS)
        ):
            stop = i
            break
        scanned.append(line)
    strong = [k for k, h in enumerate(scanned) if h.strength == 2]
    if strong:
        end = strong[-1] + 1
    elif (
        markdown
        and scanned
        and all(h.strength for h in scanned)
        and (m := _ATX.fullmatch(lines[stop].strip() if stop < len(lines) else ""))
        and m[1] == "#"
    ):
        end = len(scanned)  # Markdown: the lines above the `# title` are its title block
    else:
        return _TitleBlock({}, [], lines)

    def same_paragraph(k: int) -> bool:
        return 0 < k < len(scanned) and scanned[k].index == scanned[k - 1].index + 1

    under_agenda = [False] * len(scanned)  # an agenda item's title, under "Agenda item 71"
    for k in range(1, len(scanned)):
        under_agenda[k] = (
            scanned[k].strength == 0
            and same_paragraph(k)
            and (scanned[k - 1].agenda or under_agenda[k - 1])
        )
    if scanned[end - 1].submission:
        while same_paragraph(end) and _wraps_on(scanned[end - 1].text, scanned[end].text, markdown):
            end += 1  # "... on the basis of" / "informal consultations"
    else:
        while same_paragraph(end) and (scanned[end].strength or under_agenda[end]):
            end += 1  # the rest of the anchor's paragraph
        while end < len(scanned):  # then paragraphs of session, agenda item, date
            nxt = end + 1
            while same_paragraph(nxt):
                nxt += 1
            para = scanned[end:nxt]
            if not all(h.strength or under_agenda[end + j] for j, h in enumerate(para)) or all(
                h.organ or h.strength == 0 for h in para
            ):
                break
            end = nxt
    return _read_block(scanned[:end], under_agenda, lines, markdown)


def _read_block(
    head: list[_HeadLine], under_agenda: list[bool], lines: list[str], markdown: bool
) -> _TitleBlock:
    """The details the block's lines give; the lines it cannot place are kept as text."""
    # where only "Date: ..." lines anchor the block, the document is no UN text: a line naming
    # an organ ("Peace Forum", "Meeting notes") is its title, not its organ
    un_style = not all(h.labelled for h in head if h.strength == 2) or all(
        h.strength < 2 for h in head
    )
    used = [
        (h.strength > 0 and (un_style or not h.organ)) or under_agenda[k]
        for k, h in enumerate(head)
    ]
    parts: dict[int, list[int]] = {}  # a submission line -> the lines it spans

    def adjacent(k: int) -> bool:
        return 0 < k < len(head) and head[k].index == head[k - 1].index + 1

    for k, h in enumerate(head):
        if not h.submission:
            continue
        span = [k]  # sponsors' names wrapped above ": draft resolution"; the line's own wrap
        while adjacent(span[0]) and not used[span[0] - 1]:
            if not head[span[0] - 1].text.endswith((",", " and", " et", " y")):
                break
            span.insert(0, span[0] - 1)
        while adjacent(span[-1] + 1) and not used[span[-1] + 1]:
            if not _wraps_on(head[span[-1]].text, head[span[-1] + 1].text, markdown):
                break
            span.append(span[-1] + 1)
        for j in span:
            used[j] = True
        parts[k] = span
        h.fields = [("submission", " ".join(" ".join(head[j].text for j in span).split()))]
    details: dict[str, str] = {}
    labelled: dict[str, str] = {}
    keep: set[int] = set()
    for k, h in enumerate(head):
        values = [(key, " ".join(value.split())) for key, value in h.fields]
        if not used[k]:
            keep.add(k)
        elif any(len(v) > MAX_DETAIL_CHARS for _, v in values):
            keep.update(parts.get(k, [k]))  # too long for the title block: kept as text
        else:
            for key, value in values:
                (labelled if h.labelled else details).setdefault(key, value)
    kept: list[str] = []
    for k in sorted(keep):
        if kept and not (k - 1 in keep and adjacent(k)):
            kept.append("")
        kept.append(lines[head[k].index])
    return _TitleBlock(
        {**details, **labelled},
        [*kept, ""] if kept else [],
        lines[head[-1].index + 1 :],
        submission=any(h.submission for h in head),
        un_style=un_style,
        found=True,
    )


def _title_follows(block: _TitleBlock, markdown: bool) -> bool:
    """Is the title below the block, or is it the line above that the block could not place?

    Below in a UN text (the symbol or submission line comes first) or as a `# title`; above
    when only "Place: Rome" / "Date: 5 May 2024" lines make the block, or when what follows
    the block is a sentence, not a title."""
    first = next((line.strip() for line in block.rest if line.strip()), "")
    if (m := _ATX.fullmatch(first)) and m[1] == "#":
        return True
    text = _text([first], markdown)
    return (
        block.un_style
        and bool(first)
        and _head_like(first, text)
        and _last_mark(text) not in _SENTENCE_ENDS
    )


def _classify(blocks: list[_Block], markdown: bool) -> Iterator[ParsedClause]:
    texts = [_text(b.lines, markdown) for b in blocks]
    last = len(blocks) - 1

    def plain_heading(i: int) -> bool:
        b = blocks[i]
        return b.marker == "" and len(b.lines) == 1 and _heading_like(texts[i], i == last)

    opener = None
    for i, b in enumerate(blocks):
        if b.marker == "atx" or b.forced == "heading" or (b.forced is None and plain_heading(i)):
            continue
        if b.marker == "" and b.forced is None and len(b.lines) == 1 and _is_opener(texts[i]):
            opener = i
        break
    un_style = opener is not None or any(
        b.forced == "operative" or (b.marker == "number" and b.forced is None) for b in blocks
    )

    nest = _Nest()
    indents: list[int] = []  # the indentation of the last clause at each level
    operative_seen = False
    for i, b in enumerate(blocks):
        text = texts[i]
        if b.marker == "bullet" and b.forced is None:
            level = _item_level(indents, b.indent)
            if level == 0:
                nest = _Nest(kind="item", indent=b.indent)
            else:
                _count_item(nest, level, b.indent)
            _at_level(indents, level, b.indent)
            yield ParsedClause("item", level, text, _ITEM_MARKER.get(b.label, b.label))
            continue
        if b.marker == "sub" and nest.kind and (nest.kind == "operative" or b.indent > nest.indent):
            nxt = blocks[i + 1].label if i + 1 < len(blocks) else None
            level = _sub_level(nest, b.label, b.indent, nxt)
            letter, num = _letter(b.label), _roman(b.label)
            if level == 1:
                if nest.l1 is None:
                    nest.l1_roman_style = num == 1 or letter is None
                nest.l1, nest.l2 = (letter, num, b.indent), None
            else:
                nest.l2 = (num or 0, b.indent)
            nest.last_level = level
            _at_level(indents, level, b.indent)
            inherited = nest.kind if nest.kind in ("operative", "preambular") else "text"
            yield ParsedClause(b.forced or inherited, level, text)
            continue
        if b.marker in ("sub", "bullet"):  # nothing to nest under, or marked another kind
            text = _text([b.whole, *b.lines[1:]], markdown)
        if b.forced:
            kind = b.forced
        elif b.marker == "atx":
            kind = "heading"
        elif b.marker == "number":
            kind = "operative"
        elif i == opener:
            kind = "text"
        elif plain_heading(i):
            kind = "heading"
        elif un_style and not operative_seen and _last_mark(text) in _PREAMBLE_ENDS:
            kind = "preambular"
        else:
            kind = "text"
        operative_seen = operative_seen or kind == "operative"
        nest = _Nest(kind=kind, indent=b.indent)
        indents[:] = [b.indent]
        yield ParsedClause(kind, 0, text)


def _item_level(indents: list[int], indent: int) -> int:
    """A dash or bullet nests under the clause above it when indented further than that
    clause; one level per step of indentation (a sub-list under an item is its child)."""
    level = 0
    while level < min(len(indents), MAX_LEVEL) and indent > indents[level]:
        level += 1
    return level


def _at_level(indents: list[int], level: int, indent: int) -> None:
    del indents[level:]
    indents.extend([indent] * (level + 1 - len(indents)))


def _count_item(nest: _Nest, level: int, indent: int) -> None:
    """An item among sub-clauses takes the place of one, (c) after (a) and an item: the domain
    numbers the position, and the (a)/(i) reading of the next label depends on it."""
    if level == 1:
        letter = (nest.l1[0] or 0) + 1 if nest.l1 else 1
        nest.l1, nest.l2 = (letter, None, indent), None
    else:
        nest.l2 = ((nest.l2[0] if nest.l2 else 0) + 1, indent)
    nest.last_level = level
