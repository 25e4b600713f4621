"""Word (.docx) and OpenDocument (.odt) files -> clauses.

A word processor keeps a document's form in its styles and its lists, not in the text: the
number "1." or "(a)" of a paragraph is the list's, a heading is a heading because of its
style. We read that form and spell it out as the lines a delegate would have typed ("1. ...",
"    (a) ...", "        (i) ...", "– ...", "## Heading"), then hand them to the text
importer (`importing.parse_text`), so one set of rules covers every format.

- Numbering decides the structure. Word: the paragraph's `numPr` (set on the paragraph or
  in its style, through the styles it is based on), resolved through numbering.xml (`w:num`
  -> `w:abstractNum`, a `w:lvlOverride` first, a list style's `w:numStyleLink` followed) to
  the level's `numFmt` and `lvlText`. Writer: the depth of the nested `text:list`s and the
  list style's level (`num-format`, `bullet-char`). The level of the list is the level of
  the clause (UN texts nest 1. -> (a) -> (i); the domain renumbers anyway), except that a
  list whose first level counts a, b or i, ii is a list of sub-paragraphs, one level down.
- Bullets and dashes become list items with the list's own character.
- Named styles of our own export (`drafting.publish.office`) say the rest exactly: the
  title block's lines are the draft's details, "Doc Title" its title, "Preambular
  Paragraph" a preambular paragraph whatever its punctuation.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from lxml import etree

from .domain import ITEM_MARKERS, MAX_DOCX_UNPACKED, letters, roman
from .errors import Invalid, TooLarge
from .importing import ParsedDocument, parse_text

ODT_MIMETYPE = "application/vnd.oasis.opendocument.text"
# a list that starts at (a) or (i) is a list of sub-paragraphs
SUB_FORMATS = frozenset({"lowerLetter", "lowerRoman"})
_INDENT = "    "


def package_format(data: bytes) -> str | None:
    """ "docx" or "odt" when the bytes are a Word or an OpenDocument text package."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            if "word/document.xml" in names:
                return "docx"
            if "content.xml" in names:
                if "mimetype" not in names:
                    return "odt"
                if z.getinfo("mimetype").file_size <= 200:
                    mimetype = z.read("mimetype").decode("ascii", "replace").strip()
                    if mimetype in (ODT_MIMETYPE, ODT_MIMETYPE + "-template"):
                        return "odt"
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return None
    return None


def office_text(data: bytes) -> str:
    """A .docx or .odt as the text the importer reads: its lists spelled out as they would
    be typed, its headings marked, its title-block lines left out (they are details)."""
    package = package_format(data)
    if package is None:
        raise Invalid("Not a Word or OpenDocument text file.")
    found = _docx_lines(data) if package == "docx" else _odt_lines(data)
    return "\n\n".join(found.lines)


# --- lines ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Level:
    """One level of a list: its number format (Word's names: decimal, lowerLetter,
    lowerRoman, upperLetter, bullet, none...) and, for a bullet, its character."""

    fmt: str
    bullet: str = ""


@dataclass
class _Lines:
    """The paragraphs read so far, as lines of text, and what the styles said."""

    lines: list[str] = field(default_factory=list)
    counters: list[int] = field(default_factory=list)  # position at levels 0, 1, 2
    title: str = ""  # from the "Doc Title" style
    titled: bool = False  # a paragraph in a title style came: later ones are headings
    details: dict[str, str] = field(default_factory=dict)

    def paragraph(
        self, text: str, style: str, *, heading: bool = False, level: tuple[_Level, int, str] | None
    ) -> None:
        """One paragraph in a named style, numbered at `level` (its list level, its depth
        in the list, the format of the list's first level) or not."""
        from .publish import office as styles

        text = " ".join(text.replace("\r", "\n").split("\n")).strip()
        if not text:
            return
        if style in styles.DETAIL_STYLES:
            self.details.setdefault(styles.DETAIL_STYLES[style], text)
            return
        if style in styles.DERIVED_STYLES:
            return
        if style == styles.DOC_TITLE and not self.titled:
            self.title, self.titled = text, True
            return
        if style == "Title" and not self.titled:
            # someone else's title: the text's own rules take the first line as the title
            self.titled = True
            self.lines.append(text if self.lines else f"# {text}")
            return
        if heading or style.startswith("Heading") or style in (styles.DOC_TITLE, "Title"):
            del self.counters[1:]
            self.lines.append(f"## {text}")
            return
        if level is not None and level[0].fmt not in ("", "none"):
            self.lines.append(self._numbered(text, *level))
            return
        del self.counters[1:]
        if style in styles.KIND_STYLES:
            self.lines.append(f"<!-- {styles.KIND_STYLES[style]} -->\n{text}")
        else:
            self.lines.append(text)

    def _numbered(self, text: str, lvl: _Level, depth: int, first_fmt: str) -> str:
        """A numbered or bulleted paragraph as it would be typed: Word's level decides the
        label ("1.", "(a)", "(i)"); the lines are indented by level so that (i), the ninth
        letter, and (i), the first roman, are told apart."""
        if lvl.fmt == "bullet":
            marker = lvl.bullet.strip()
            marker = marker if marker in ITEM_MARKERS else "•"  # Symbol-font bullets and such
            return f"{_INDENT * min(depth, 2)}{marker} {text}"
        level = min(depth + (1 if first_fmt in SUB_FORMATS else 0), 2)
        del self.counters[level + 1 :]
        self.counters.extend([0] * (level + 1 - len(self.counters)))
        self.counters[level] += 1
        n = self.counters[level]
        number = (f"{n}.", f"({letters(n)})", f"({roman(n)})")[level]
        return f"{_INDENT * level}{number} {text}"

    def parse(self, title: str | None, what: str) -> ParsedDocument:
        title = title if title is not None and title.strip() else (self.title or None)
        text = "\n\n".join(self.lines)
        if not text.strip():
            if title:
                return ParsedDocument(title, [], dict(self.details))
            raise Invalid(f"{what} is empty: there is no text to import.")
        parsed = parse_text(text, title, markdown=False)
        return replace(parsed, details={**parsed.details, **self.details})


MAX_PARAGRAPHS = 20_000  # a 300-clause resolution has about 1,000; the longest UN texts a few
MAX_XML_BYTES = 20 * 1024 * 1024  # of the text's own XML part (pictures and fonts apart)
_TEXT_PART = {".docx": "word/document.xml", ".odt": "content.xml"}
_PARAGRAPH_TAGS = {".docx": (b"<w:p>", b"<w:p ", b"<w:p/"), ".odt": (b"<text:p", b"<text:h")}


def _unpacked(data: bytes, ext: str) -> None:
    """Refuse, before any parsing, a package that is not a zip, unpacks to far more than a
    declaration, or holds more paragraphs than any: a .docx of 80 kB zipped can hold 30 MB of
    empty paragraphs, which python-docx takes minutes and a gigabyte to read. The text part is
    streamed and its paragraph tags counted, a megabyte at a time."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            size = sum(info.file_size for info in z.infolist())
            if size > MAX_DOCX_UNPACKED:
                raise TooLarge(
                    f"The {ext} unpacks to {size / 1e6:.0f} MB; at most "
                    f"{MAX_DOCX_UNPACKED / 1e6:.0f} MB is accepted."
                )
            part = _TEXT_PART[ext]
            if part in z.namelist():
                _count_paragraphs(z, part, ext)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise Invalid(f"The {ext} file is damaged (its zip package cannot be read).") from None


def _count_paragraphs(z: zipfile.ZipFile, part: str, ext: str) -> None:
    if z.getinfo(part).file_size > MAX_XML_BYTES:
        raise TooLarge(
            f"The text of the {ext} is {z.getinfo(part).file_size / 1e6:.0f} MB of XML; at most "
            f"{MAX_XML_BYTES / 1e6:.0f} MB is accepted (a long resolution needs about 2)."
        )
    tags = _PARAGRAPH_TAGS[ext]
    count, carry = 0, b""
    with z.open(part) as f:
        while chunk := f.read(1 << 20):
            block = carry + chunk
            count += sum(block.count(t) for t in tags)
            # shorter than any tag: a tag cut by the chunk's end is counted whole next time,
            # and none is counted twice
            carry = block[-6:]
            if count > MAX_PARAGRAPHS:
                raise TooLarge(
                    f"The {ext} holds more than {MAX_PARAGRAPHS:,} paragraphs; no declaration "
                    "has that many. Remove the empty ones and upload it again."
                )


# --- .docx ---------------------------------------------------------------------------------


def read_docx(data: bytes, title: str | None = None) -> ParsedDocument:
    """A Word document -> clauses."""
    return _docx_lines(data).parse(title, "The .docx file")


def _docx_lines(data: bytes) -> _Lines:
    _unpacked(data, ".docx")
    import docx  # python-docx; imported here so text imports never pay for it

    found = _Lines()
    try:
        document = docx.Document(io.BytesIO(data))
        numbering = _WordNumbering(document)
        for p in _docx_paragraphs(document):
            named = p.style
            style = (named.name if named is not None else "") or ""
            found.paragraph(p.text, style, level=numbering.of(p._p, style))
    except Exception as e:  # python-docx raises many kinds on a damaged package
        raise Invalid(f"The .docx file cannot be read ({type(e).__name__}).") from None
    return found


def _docx_paragraphs(document: Any) -> Iterator[Any]:
    """The body's paragraphs in order, those in tables too."""
    from docx.table import Table

    for item in document.iter_inner_content():
        if isinstance(item, Table):
            for row in item.rows:
                for cell in row.cells:
                    yield from cell.paragraphs
        else:
            yield item


def _w(tag: str) -> str:
    return "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}" + tag


def _val(element: Any, tag: str) -> str | None:
    child = element.find(_w(tag)) if element is not None else None
    return child.get(_w("val")) if child is not None else None


@dataclass(frozen=True)
class _StyleNumbering:
    num_id: str | None
    ilvl: int | None
    based_on: str | None


class _WordNumbering:
    """numbering.xml and the numbering the styles carry, to tell each paragraph's list
    level."""

    def __init__(self, document: Any) -> None:
        self.abstracts: dict[str, dict[int, _Level]] = {}
        self.level_styles: dict[str, dict[str, int]] = {}  # abstract -> {style id: ilvl}
        self.links: dict[str, str] = {}  # abstract -> the list style it takes levels from
        self.nums: dict[str, tuple[str, dict[int, _Level]]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            root = None
        for a in root.findall(_w("abstractNum")) if root is not None else ():
            aid = a.get(_w("abstractNumId"), "")
            self.abstracts[aid] = {
                int(lvl.get(_w("ilvl"), "0")): _level(lvl) for lvl in a.findall(_w("lvl"))
            }
            self.level_styles[aid] = {
                pstyle: int(lvl.get(_w("ilvl"), "0"))
                for lvl in a.findall(_w("lvl"))
                if (pstyle := _val(lvl, "pStyle"))
            }
            if link := _val(a, "numStyleLink"):
                self.links[aid] = link
        for num in root.findall(_w("num")) if root is not None else ():
            overrides = {
                int(o.get(_w("ilvl"), "0")): _level(lvl)
                for o in num.findall(_w("lvlOverride"))
                if (lvl := o.find(_w("lvl"))) is not None
            }
            self.nums[num.get(_w("numId"), "")] = (_val(num, "abstractNumId") or "", overrides)
        self.styles: dict[str, _StyleNumbering] = {}
        self.default_style: str | None = None
        for s in document.styles.element.findall(_w("style")):
            sid = s.get(_w("styleId"), "")
            num_pr = s.find(f"{_w('pPr')}/{_w('numPr')}")
            ilvl = _val(num_pr, "ilvl")
            self.styles[sid] = _StyleNumbering(
                _val(num_pr, "numId"), int(ilvl) if ilvl else None, _val(s, "basedOn")
            )
            if s.get(_w("type")) == "paragraph" and s.get(_w("default")) in ("1", "true"):
                self.default_style = sid

    def of(self, p: Any, style_name: str) -> tuple[_Level, int, str] | None:
        """A paragraph's list level: (the level, its depth, the format of the list's first
        level); None when it is not in a list."""
        ppr = p.find(_w("pPr"))
        num_pr = ppr.find(_w("numPr")) if ppr is not None else None
        num_id, ilvl_text = _val(num_pr, "numId"), _val(num_pr, "ilvl")
        ilvl = int(ilvl_text) if ilvl_text else None
        style_id = _val(ppr, "pStyle") or self.default_style
        style_num, style_ilvl = self._style(style_id)
        if num_id is None:
            num_id, ilvl = style_num, ilvl if ilvl is not None else style_ilvl
        named = re.fullmatch(r"List (Number|Bullet)(?: ([2-9]))?", style_name)
        if num_id in (None, "0"):
            if named and num_id is None:  # Word's list styles without their numbering part
                fmt = "bullet" if named[1] == "Bullet" else "decimal"
                return _Level(fmt, "•"), int(named[2] or 1) - 1, fmt
            return None
        assert num_id is not None
        abstract = self._abstract(num_id)
        if ilvl is None:
            ilvl = self.level_styles.get(abstract, {}).get(style_id or "", 0)
        level = self._level(num_id, abstract, ilvl)
        if level is None:
            return None
        first = self._level(num_id, abstract, 0)
        depth = ilvl
        if named and named[2] and ilvl == 0:
            depth = int(named[2]) - 1  # "List Number 2" is a level of its own in Word's template
        return level, depth, first.fmt if first is not None else ""

    def _style(self, style_id: str | None) -> tuple[str | None, int | None]:
        """The numbering a style gives, its own or that of the styles it is based on."""
        num_id: str | None = None
        ilvl: int | None = None
        seen: set[str] = set()
        while style_id and style_id not in seen and style_id in self.styles:
            seen.add(style_id)
            s = self.styles[style_id]
            if num_id is None:
                num_id = s.num_id
            if ilvl is None:
                ilvl = s.ilvl
            style_id = s.based_on
        return num_id, ilvl

    def _abstract(self, num_id: str) -> str:
        """The abstract definition that holds the list's levels, following list styles."""
        abstract = self.nums.get(num_id, ("", {}))[0]
        for _ in range(4):
            if self.abstracts.get(abstract) or abstract not in self.links:
                break
            linked, _ = self._style(self.links[abstract])
            abstract = self.nums.get(linked or "", ("", {}))[0]
        return abstract

    def _level(self, num_id: str, abstract: str, ilvl: int) -> _Level | None:
        overrides = self.nums.get(num_id, ("", {}))[1]
        return overrides.get(ilvl) or self.abstracts.get(abstract, {}).get(ilvl)


def _level(lvl: Any) -> _Level:
    return _Level(_val(lvl, "numFmt") or "decimal", _val(lvl, "lvlText") or "")


# --- .odt ----------------------------------------------------------------------------------

_ODF = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
}
_ODF_FORMATS = {"1": "decimal", "a": "lowerLetter", "A": "upperLetter", "i": "lowerRoman"}
_ODF_FORMATS |= {"I": "upperRoman", "": "none"}


def _q(name: str) -> str:
    prefix, local = name.split(":")
    return f"{{{_ODF[prefix]}}}{local}"


_P, _H, _LIST = _q("text:p"), _q("text:h"), _q("text:list")
_ITEM, _HEADER = _q("text:list-item"), _q("text:list-header")
_SKIPPED = {
    _q(n)
    for n in (
        "text:note",
        "office:annotation",
        "text:tracked-changes",
        "text:sequence-decls",
        "text:variable-decls",
        "text:user-field-decls",
        "text:table-of-content",
        "text:alphabetical-index",
    )
}


def read_odt(data: bytes, title: str | None = None) -> ParsedDocument:
    """An OpenDocument text -> clauses."""
    return _odt_lines(data).parse(title, "The .odt file")


def _odt_lines(data: bytes) -> _Lines:
    _unpacked(data, ".odt")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    found = _Lines()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            content = etree.fromstring(z.read("content.xml"), parser)
            has_styles = "styles.xml" in z.namelist()
            styles = etree.fromstring(z.read("styles.xml"), parser) if has_styles else None
        odf = _OdfStyles([s for s in (styles, content) if s is not None])
        body = content.find(f"{_q('office:body')}/{_q('office:text')}")
        if body is not None:
            _odt_walk(body, odf, found)
    except (etree.XMLSyntaxError, zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
        raise Invalid(f"The .odt file cannot be read ({type(e).__name__}).") from None
    return found


class _OdfStyles:
    """Paragraph styles by name (an automatic style stands for the named style it is based
    on) and list styles with their levels."""

    def __init__(self, roots: list[Any]) -> None:
        self.parents: dict[str, str] = {}  # automatic style -> its parent
        self.names: dict[str, str] = {}  # style name -> display name
        self.lists: dict[str, dict[int, _Level]] = {}
        for root in roots:
            for container in root:
                automatic = container.tag == _q("office:automatic-styles")
                for s in container.iter(_q("style:style")):
                    name = s.get(_q("style:name"), "")
                    self.names[name] = s.get(_q("style:display-name")) or _odf_decode(name)
                    if automatic and (parent := s.get(_q("style:parent-style-name"))):
                        self.parents[name] = parent
                for ls in container.iter(_q("text:list-style")):
                    self.lists[ls.get(_q("style:name"), "")] = {
                        int(lvl.get(_q("text:level"), "1")) - 1: _odf_level(lvl) for lvl in ls
                    }

    def paragraph_style(self, name: str) -> str:
        seen: set[str] = set()
        while name in self.parents and name not in seen:
            seen.add(name)
            name = self.parents[name]
        return self.names.get(name) or _odf_decode(name)


def _odf_level(lvl: Any) -> _Level:
    if lvl.tag == _q("text:list-level-style-number"):
        return _Level(_ODF_FORMATS.get(lvl.get(_q("style:num-format"), ""), "decimal"))
    if lvl.tag == _q("text:list-level-style-bullet"):
        return _Level("bullet", lvl.get(_q("text:bullet-char"), "•"))
    return _Level("bullet", "•")  # an image as bullet


def _odf_decode(name: str) -> str:
    """ "Preambular_20_Paragraph" -> "Preambular Paragraph" (Writer's escapes)."""
    return re.sub(r"_([0-9a-fA-F]{1,6})_", lambda m: chr(int(m[1], 16)), name)


def _odt_walk(element: Any, odf: _OdfStyles, found: _Lines) -> None:
    for child in element:
        if child.tag in (_P, _H):
            _odt_paragraph(child, odf, found, None)
        elif child.tag == _LIST:
            _odt_list(child, odf, found, 0, child.get(_q("text:style-name"), ""))
        elif child.tag not in _SKIPPED:
            _odt_walk(child, odf, found)  # sections, tables, their rows and cells


def _odt_list(element: Any, odf: _OdfStyles, found: _Lines, depth: int, style: str) -> None:
    """A list and the lists nested in it: the first paragraph of an item carries its
    number; a list header and an item's further paragraphs are not numbered."""
    style = element.get(_q("text:style-name")) or style
    for item in element:
        if item.tag not in (_ITEM, _HEADER):
            continue
        item_style = item.get(_q("text:style-override")) or style
        levels = odf.lists.get(item_style, {})
        numbered = item.tag == _ITEM
        for child in item:
            if child.tag in (_P, _H) and numbered and depth in levels:
                first = levels.get(0, _Level(""))
                _odt_paragraph(child, odf, found, (levels[depth], depth, first.fmt))
            elif child.tag in (_P, _H):
                _odt_paragraph(child, odf, found, None)
            elif child.tag == _LIST:
                _odt_list(child, odf, found, depth + 1, item_style)
            numbered = False


def _odt_paragraph(
    element: Any, odf: _OdfStyles, found: _Lines, level: tuple[_Level, int, str] | None
) -> None:
    style = odf.paragraph_style(element.get(_q("text:style-name"), ""))
    found.paragraph(_odf_text(element), style, heading=element.tag == _H, level=level)


_ODF_SPACE = re.compile(r"[ \t\r\n]+")


def _odf_text(element: Any) -> str:
    """A paragraph's text as ODF has it: white space in the XML collapses to one space;
    <text:s/> is a space, <text:tab/> a tab; notes and annotations are not the text."""
    parts = [_ODF_SPACE.sub(" ", element.text or "")]
    for child in element:
        if child.tag == _q("text:s"):
            parts.append(" " * int(child.get(_q("text:c"), "1") or 1))
        elif child.tag == _q("text:tab"):
            parts.append("\t")
        elif child.tag == _q("text:line-break"):
            parts.append("\n")
        elif child.tag not in _SKIPPED and isinstance(child.tag, str):
            parts.append(_odf_text(child))
        parts.append(_ODF_SPACE.sub(" ", child.tail or ""))
    return "".join(parts)
