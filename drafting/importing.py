"""Text the way delegates have it -> clauses.

Delegates arrive with a declaration already typed in a text editor, a Markdown file or Word.
We read the structure they already gave it (blank lines, dashes, "1.", "(a)", "The General
Assembly,") instead of making them paste it in again clause by clause. Pure: bytes or text in,
a ParsedDocument out; the action layer turns it into a draft.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePath

from .domain import (
    CLAUSE_KINDS,
    MAX_DOCUMENT_BYTES,
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

_BULLETS = "-–—•◦▪‣*+"
_ESCAPABLE_BULLETS = "–—•◦▪‣"  # not ASCII, so Markdown has no escape for them: we accept "\–"
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
    label: str = ""  # sub-clause label: "a", "iv", "ب"
    indent: int = 0
    forced: str | None = None  # kind given by a <!-- kind --> line


def _marker(stripped: str) -> tuple[str, str, str] | None:
    """(marker, label, rest of line) when a line opens a clause, else None."""
    if m := _NUMBER.match(stripped):
        return "number", "", stripped[m.end() :]
    if m := _SUB.match(stripped):
        label = m["p"] or m["b"]
        label = _ARABIC_ALIASES.get(label, label)
        if _letter(label) is not None or _roman(label) is not None:
            return "sub", label, stripped[m.end() :]
    if (m := _BULLET.match(stripped)) and not _RULE.fullmatch(stripped):
        return "bullet", "", stripped[m.end() :]
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
    if first and len(text) > 1 and text[0] == "\\" and text[1] in _ESCAPABLE_BULLETS:
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
    if title is not None and title.strip():
        title, body = title.strip(), lines
    else:
        title, body = _title(lines, markdown)
    if len(title) > MAX_TITLE_CHARS:
        raise Invalid(
            f"The first line, taken as the title, has {len(title):,} characters (at most "
            f"{MAX_TITLE_CHARS}). Start the document with a short title line, or give a title."
        )
    blocks = [b for b in _blocks(body) if _text(b.lines, markdown)]
    clauses = list(_classify(blocks, markdown))
    if not clauses and title == UNTITLED:
        raise Invalid("The file has no text to import, only separator lines.")
    return ParsedDocument(title, clauses)


def _title(lines: list[str], markdown: bool) -> tuple[str, list[str]]:
    """The first line is the title: a `# title`, a line underlined with ===, or the title of
    a YAML header."""
    start = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    if start == len(lines):
        return UNTITLED, []
    first = lines[start].strip()
    rest = start + 1
    if first == "---" and (meta := _front_matter(lines[rest:])) is not None:
        found, skip = meta
        rest += skip
        if not found:
            return _title(lines[rest:], markdown)
        return found, lines[rest:]
    if _RULE.fullmatch(first):
        return _title(lines[rest:], markdown)
    if m := _ATX.fullmatch(first):
        first = m[2] or ""
    elif rest < len(lines) and _SETEXT.fullmatch(lines[rest].strip()):
        rest += 1
    title = _text([first], markdown) or UNTITLED
    return title, lines[rest:]


def _front_matter(lines: list[str]) -> tuple[str, int] | None:
    """A YAML header as Markdown tools write it: ("its title" or "", lines it spans)."""
    title = ""
    for i, line in enumerate(lines[:50]):
        if line.strip() in ("---", "..."):
            return title, i + 1
        if m := re.fullmatch(r"title:\s*(.*?)\s*", line):
            title = m[1].strip("'\"")
        elif line.strip() and not re.match(r"[\w-]+:|\s|- ", line):
            return None
    return None


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
    operative_seen = False
    for i, b in enumerate(blocks):
        text = texts[i]
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
            inherited = nest.kind if nest.kind in ("operative", "preambular") else "text"
            yield ParsedClause(b.forced or inherited, level, text)
            continue
        if b.marker == "sub":  # "(a) ..." with nothing to nest under: keep it as written
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
        yield ParsedClause(kind, 0, text)
