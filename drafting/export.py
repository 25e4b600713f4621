"""A draft -> Markdown, plain text or JSON (the print page, PDF and the other documents a
secretariat issues are `drafting.publish`'s).

Markdown and text are laid out as a UN document reads: the title block (organ, symbol, place
and date, submission line), title, headings, preambular paragraphs, then numbered operative
paragraphs with indented (a) and (i) sub-clauses, and list items with the dash or bullet they
were written with. The Markdown is also the format delegates edit offline and import again, so
it is lossless: importing it gives back the same clauses and details; the text gives back the
same details too. Pure: takes the dict `drafting show --json` prints, returns a string.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .domain import DEFAULT_ITEM_MARKER, DRAFT_DETAILS, UNTITLED, letters, roman
from .errors import Invalid, TooLarge
from .importing import ESCAPABLE_BULLETS, KINDS, parse_markdown, parse_text, starts_clause

FORMATS = ("md", "txt", "json")
_CONTENT_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "json": "application/json; charset=utf-8",
}
INDENT = "    "


@dataclass(frozen=True)
class _Entry:
    kind: str
    level: int
    number: str  # as the domain gave it ("1", "(a)", "(i)", ""), or counted here if missing
    label: str  # the number this clause has by position, which the importer reads back
    text: str
    status: str
    marker: str = ""  # a list item's dash or bullet


def export(draft: Mapping[str, Any], fmt: str) -> str:
    """The draft in one of FORMATS."""
    _check_format(fmt)
    if not isinstance(draft, Mapping) or not isinstance(draft.get("clauses", []), list):
        raise Invalid("Cannot export: expected a draft with a list of clauses.")
    if fmt == "json":
        return json.dumps(draft, ensure_ascii=False, indent=2) + "\n"
    title = _one_line(str(draft.get("title") or "")) or UNTITLED
    entries = _entries(draft.get("clauses") or [])
    if fmt == "md":
        return _markdown(title, _details(draft), entries)
    return _text(title, _details(draft), entries)


def content_type(fmt: str) -> str:
    """The Content-Type to serve FORMATS with; always UTF-8."""
    _check_format(fmt)
    return _CONTENT_TYPES[fmt]


def file_name(draft: Mapping[str, Any], fmt: str) -> str:
    """A download name that is safe in any file system and Content-Disposition header."""
    _check_format(fmt)
    ascii_title = (
        unicodedata.normalize("NFKD", str(draft.get("title") or ""))
        .encode("ascii", "ignore")
        .decode()
    )
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60].rstrip("-")
    if not slug:
        slug = f"draft-{draft['id']}" if isinstance(draft.get("id"), int) else "draft"
    return f"{slug}.{fmt}"


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise Invalid(f"Unknown export format {fmt!r}; choose one of: {', '.join(FORMATS)}.")


def _one_line(text: str) -> str:
    return re.sub(r"[ \t]*[\r\n]+[ \t]*", " ", text).strip()


def _details(draft: Mapping[str, Any]) -> dict[str, str]:
    """The title block's fields that are set (domain.DRAFT_DETAILS), each on one line."""
    given = draft.get("details")
    if not isinstance(given, Mapping):
        return {}
    out = {k: " ".join(str(given.get(k) or "").split()) for k in DRAFT_DETAILS}
    return {k: v for k, v in out.items() if v}


def _entries(clauses: Sequence[Any]) -> list[_Entry]:
    """The clause tree in document order, each with its depth and positional number."""
    out: list[_Entry] = []
    operative = 0

    def walk(items: Sequence[Any], level: int) -> None:
        nonlocal operative
        for index, c in enumerate(items, start=1):
            if not isinstance(c, Mapping):
                raise Invalid("Cannot export: a clause is not an object.")
            kind = c.get("kind") if c.get("kind") in KINDS else "text"
            if level == 0:
                operative += kind == "operative"
                label = str(operative) if kind == "operative" else ""
            else:
                label = f"({letters(index)})" if level == 1 else f"({roman(index)})"
            number = str(c.get("number") or "") or label
            text = str(c.get("text") or "").strip()
            marker = str(c.get("marker") or DEFAULT_ITEM_MARKER) if kind == "item" else ""
            status = str(c.get("status") or "")
            out.append(_Entry(str(kind), level, number, label, text, status, marker))
            walk(c.get("children") or [], level + 1)

    walk(clauses, 0)
    return out


# --- Markdown -----------------------------------------------------------------------------

# Square brackets stay bare: negotiation texts are full of "[Decides][Encourages]" options.
# Only a "](" that would make a link or image is escaped; a leading "[" too (see below), so no
# line defines a link reference and "[a][b]" can never resolve to one.
_INLINE = re.compile(r"([\\`*_<~]|\](?=\()|&(?=#?[0-9A-Za-z]+;))")
_LIST_START = re.compile(r"[0-9]{1,9}[.)](?:\s|$)")


def md_inline(text: str) -> str:
    """Backslash-escape what Markdown would read as emphasis, code, links or HTML."""
    return _INLINE.sub(r"\\\1", text)


_md_inline = md_inline


def _md_heading(text: str) -> str:
    return _md_inline(text).replace("#", "\\#")


def _md_paragraph(text: str) -> str:
    """Escape a paragraph that would otherwise start a list, a heading or a sub-clause."""
    s = _md_inline(text)
    if not s:
        return s
    if s[0] in "#=>+-|[":
        return "\\" + s
    if not (starts_clause(s) or _LIST_START.match(s)):
        return s
    if s[0] == "(" or s[0] in ESCAPABLE_BULLETS:
        return "\\" + s
    if s[0].isdigit():
        return re.sub(r"^([0-9]+\s*)([.)-])", r"\1\\\2", s, count=1)
    return re.sub(r"^([^\s)]+)\)", r"\1\\)", s, count=1)  # "a) ..." -> "a\) ..."


def _markdown(title: str, details: dict[str, str], entries: list[_Entry]) -> str:
    """Render, read back, and mark the clauses whose kind the importer would guess wrong.

    Most clauses read back right from layout alone ("1." operative, "## " heading, "– " list
    item, a comma-ended paragraph before the operative part preambular). The others get an
    `<!-- kind -->` line, invisible when the Markdown is rendered. Reading back with the
    importer keeps one definition of the rules.
    """
    head = _head(title, details, markdown=True)
    marked: set[int] = set()
    kept = [i for i, e in enumerate(entries) if _one_line(e.text)]  # empty clauses read as none
    while True:
        out = _render_markdown(title, head, entries, marked)
        try:
            back = parse_markdown(out).clauses
        except (Invalid, TooLarge):
            return out  # a draft the importer refuses anyway (say, over 10 MB)
        if len(back) != len(kept):
            return out
        # a list item is told by its marker, which no <!-- kind --> line could give
        wrong = {
            i
            for i, c in zip(kept, back, strict=True)
            if entries[i].kind != c.kind and entries[i].kind != "item"
        }
        if not wrong - marked:
            return out
        marked |= wrong


def _render_markdown(title: str, head: list[str], entries: list[_Entry], marked: set[int]) -> str:
    lines = [line for h in head for line in (_md_paragraph(h), "")]
    lines += [f"# {_md_heading(title)}", ""]
    for i, e in enumerate(entries):
        pad = INDENT * e.level
        # one line per clause: the importer joins the lines of a paragraph anyway
        text = _one_line(e.text)
        if e.kind == "item":
            if text:  # a dash alone would read back as a paragraph of its own
                lines += [f"{pad}{e.marker} {_md_paragraph(text)}", ""]
            continue
        if i in marked:
            lines.append(f"{pad}<!-- {e.kind} -->")
        if e.level > 0:
            body = f"{e.label} {_md_paragraph(text)}"
        elif e.kind == "heading":
            body = f"## {_md_heading(text)}"
        elif e.kind == "operative":
            body = f"{e.label}. {_md_paragraph(text)}"
        else:
            body = _md_paragraph(text)
        lines += [pad + body.rstrip(), ""]
    return "\n".join(lines)


# --- the title block ----------------------------------------------------------------------


def _head(title: str, details: dict[str, str], *, markdown: bool) -> list[str]:
    """The title block's lines above the title, each read back by the importer: a field that
    would not read back as itself ("Rome" alone, a symbol of the chair's own making) is written
    with its label ("Place: Rome"), so the export imports back to the same details."""
    labelled: set[str] = set()
    while True:
        lines = _head_lines(details, labelled)
        if not lines:
            return []
        try:
            probe = _render_head(lines, title, markdown, "submission" in details)
            back = parse_text(probe, markdown=markdown)
            wrong = {k for k in details if back.details.get(k) != details[k]}
            if back.details.keys() - details.keys() or back.title != title:
                wrong = wrong or set(details)
        except (Invalid, TooLarge):
            wrong = set(details)
        if wrong & {"place", "date"}:
            wrong |= {"place", "date"} & details.keys()  # they share a line
        if not wrong - labelled:
            return lines
        labelled |= wrong


def _head_lines(details: dict[str, str], labelled: set[str]) -> list[str]:
    """As a UN document sets them: the organ, the symbol, place and date, the submission line."""

    def line(key: str, bare: str) -> str:
        return f"{key.capitalize()}: {details[key]}" if key in labelled else bare

    out = [line(k, details[k]) for k in ("body", "symbol") if k in details]
    place, date = details.get("place"), details.get("date")
    if place and date and "place" not in labelled:
        out.append(f"{place}, {date}")
    else:
        if place:
            out.append(line("place", f"Place: {place}"))  # a place alone is just a word
        if date:
            out.append(line("date", date))
    if "submission" in details:
        out.append(line("submission", details["submission"]))
    return out


def _render_head(lines: list[str], title: str, markdown: bool, submission: bool) -> str:
    if markdown:
        return "".join(f"{_md_paragraph(h)}\n\n" for h in lines) + f"# {_md_heading(title)}\n"
    return "\n".join(_text_head(lines, title, submission))


def _text_head(lines: list[str], title: str, submission: bool) -> list[str]:
    """The title block as text: organ, symbol, place and date together, the submission line
    (the last of `lines`, when there is one) a paragraph apart, then the title."""
    if submission:
        lines = [*lines[:-1], "", lines[-1]] if len(lines) > 1 else lines
    return [*lines, "", title, ""] if lines else [title, ""]


# --- plain text ---------------------------------------------------------------------------


def _text(title: str, details: dict[str, str], entries: list[_Entry]) -> str:
    lines = _text_head(_head(title, details, markdown=False), title, "submission" in details)
    for e in entries:
        pad, text = INDENT * e.level, _one_line(e.text)
        if e.kind == "item":
            if text:
                lines += [f"{pad}{e.marker} {text}", ""]
            continue
        if e.level == 0 and e.kind == "operative":
            lines.append(f"{pad}{e.number.rstrip('.')}. {text}")
        elif e.level > 0:
            lines.append(f"{pad}{e.number} {text}")
        else:
            lines.append(text)
        lines.append("")
    return "\n".join(lines)
