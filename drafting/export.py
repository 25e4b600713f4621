"""A draft -> Markdown, plain text, HTML or JSON.

Markdown and text are laid out as a UN document reads: title, headings, preambular paragraphs,
then numbered operative paragraphs with indented (a) and (i) sub-clauses. The Markdown is also
the format delegates edit offline and import again, so it is lossless: importing it gives back
the same clauses. Pure: takes the dict `drafting show --json` prints, returns a string.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .domain import UNTITLED, letters, roman
from .errors import Invalid, TooLarge
from .importing import KINDS, parse_markdown, starts_clause

FORMATS = ("md", "txt", "html", "json")
_CONTENT_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "html": "text/html; charset=utf-8",
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
        return _markdown(title, entries)
    if fmt == "txt":
        return _text(title, entries)
    return _html(title, entries, draft)


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
            out.append(_Entry(str(kind), level, number, label, text, str(c.get("status") or "")))
            walk(c.get("children") or [], level + 1)

    walk(clauses, 0)
    return out


# --- Markdown -----------------------------------------------------------------------------

# Square brackets stay bare: negotiation texts are full of "[Decides][Encourages]" options.
# Only a "](" that would make a link or image is escaped; a leading "[" too (see below), so no
# line defines a link reference and "[a][b]" can never resolve to one.
_INLINE = re.compile(r"([\\`*_<~]|\](?=\()|&(?=#?[0-9A-Za-z]+;))")
_LIST_START = re.compile(r"[0-9]{1,9}[.)](?:\s|$)")


def _md_inline(text: str) -> str:
    """Backslash-escape what Markdown would read as emphasis, code, links or HTML."""
    return _INLINE.sub(r"\\\1", text)


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
    if s[0] == "(" or s[0] in "–—•◦▪‣":
        return "\\" + s
    if s[0].isdigit():
        return re.sub(r"^([0-9]+\s*)([.)-])", r"\1\\\2", s, count=1)
    return re.sub(r"^([^\s)]+)\)", r"\1\\)", s, count=1)  # "a) ..." -> "a\) ..."


def _markdown(title: str, entries: list[_Entry]) -> str:
    """Render, read back, and mark the clauses whose kind the importer would guess wrong.

    Most clauses read back right from layout alone ("1." operative, "## " heading, a
    comma-ended paragraph before the operative part preambular). The others get an
    `<!-- kind -->` line, invisible when the Markdown is rendered. Reading back with the
    importer keeps one definition of the rules.
    """
    marked: set[int] = set()
    kept = [i for i, e in enumerate(entries) if _one_line(e.text)]  # empty clauses read as none
    while True:
        out = _render_markdown(title, entries, marked)
        try:
            back = parse_markdown(out).clauses
        except (Invalid, TooLarge):
            return out  # a draft the importer refuses anyway (say, over 10 MB)
        if len(back) != len(kept):
            return out
        wrong = {i for i, c in zip(kept, back, strict=True) if entries[i].kind != c.kind}
        if not wrong - marked:
            return out
        marked |= wrong


def _render_markdown(title: str, entries: list[_Entry], marked: set[int]) -> str:
    lines = [f"# {_md_heading(title)}", ""]
    for i, e in enumerate(entries):
        pad = INDENT * e.level
        if i in marked:
            lines.append(f"{pad}<!-- {e.kind} -->")
        # one line per clause: the importer joins the lines of a paragraph anyway
        text = _one_line(e.text)
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


# --- plain text ---------------------------------------------------------------------------


def _text(title: str, entries: list[_Entry]) -> str:
    lines = [title, ""]
    for e in entries:
        pad, text = INDENT * e.level, _one_line(e.text)
        if e.level == 0 and e.kind == "operative":
            lines.append(f"{pad}{e.number.rstrip('.')}. {text}")
        elif e.level > 0:
            lines.append(f"{pad}{e.number} {text}")
        else:
            lines.append(text)
        lines.append("")
    return "\n".join(lines)


# --- HTML ---------------------------------------------------------------------------------

_STYLE = """
body { font: 12pt/1.5 Georgia, "Times New Roman", serif; color: #111; background: #fff;
       max-width: 42em; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.5em; text-align: center; margin-bottom: 0.2em; }
.status { text-align: center; color: #555; font-size: 0.9em; margin-top: 0; }
h2 { font-size: 1.1em; text-align: center; margin: 1.6em 0 0.8em; }
p { margin: 0 0 0.8em; white-space: pre-wrap; }
.preambular { text-indent: 2em; }
.num { display: inline-block; min-width: 2.2em; }
.level-1 { margin-inline-start: 2.5em; }
.level-2 { margin-inline-start: 5em; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } }
"""


def _html(title: str, entries: list[_Entry], draft: Mapping[str, Any]) -> str:
    esc = html.escape
    lang = str(draft.get("lang") or draft.get("language") or "en")
    if not re.fullmatch(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*", lang):
        lang = "en"
    status = str(draft.get("status") or "")
    body = [f'<h1 dir="auto">{esc(title)}</h1>']
    if status:
        body.append(f'<p class="status">{esc(status.capitalize())}</p>')
    for e in entries:
        classes = f"clause {e.kind} level-{e.level}"
        if e.status:
            classes += f" status-{re.sub(r'[^a-z0-9-]', '', e.status.lower())}"
        if e.level == 0 and e.kind == "heading":
            body.append(f'<h2 class="{classes}" dir="auto">{esc(e.text)}</h2>')
            continue
        number = ""
        if e.level == 0 and e.kind == "operative":
            number = e.number.rstrip(".") + "."
        elif e.level > 0:
            number = e.number
        # <bdi> keeps the number out of dir="auto"'s guess, so an Arabic clause is right-to-left
        num = f'<bdi class="num">{esc(number)}</bdi> ' if number else ""
        body.append(f'<p class="{classes}" dir="auto">{num}{esc(e.text)}</p>')
    return (
        "<!doctype html>\n"
        f'<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>\n"
    )
