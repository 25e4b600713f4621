"""A draft published as a secretariat issues it: PDF, DOCX, ODT, Akoma Ntoso.

Every format is rendered from one `drafting.document.Document` (the title block, the opening,
preambular and operative paragraphs, sub-paragraphs, headings, list items, the decision), by
one module each: `pdf` (the print page, HTML and CSS, and the PDF WeasyPrint sets from it), `office`
(python-docx and odfpy, named styles and real lists), `akn` (Akoma Ntoso 3.0 with lxml).
The record of proceedings has its documents in `record`. Markdown, text and JSON stay in
`drafting.export`, which works on the draft as clients load it.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from .. import export as exporting
from ..document import Document
from ..errors import Invalid

# format -> (module, function, Content-Type)
RENDERERS: dict[str, tuple[str, str, str]] = {
    "html": ("pdf", "render_print_page", "text/html; charset=utf-8"),
    "pdf": ("pdf", "render_pdf", "application/pdf"),
    "docx": (
        "office",
        "render_docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "odt": ("office", "render_odt", "application/vnd.oasis.opendocument.text"),
    "akn": ("akn", "render_akn", "application/akn+xml"),
}
FORMATS = tuple(RENDERERS)
EXTENSIONS = {"akn": "xml"}  # the file name's extension, where it is not the format's name
# every format a draft can be exported in, text ones (drafting.export) first
ALL_FORMATS = (*exporting.FORMATS, *FORMATS)


def check_format(fmt: str) -> str:
    if fmt not in ALL_FORMATS:
        raise Invalid(f"Unknown export format {fmt!r}; choose one of: {', '.join(ALL_FORMATS)}.")
    return fmt


def file_name(draft: Mapping[str, Any], fmt: str) -> str:
    """A download name for any of ALL_FORMATS, safe in any file system and header."""
    if fmt in exporting.FORMATS:
        return exporting.file_name(draft, fmt)
    _renderer(fmt)
    stem = exporting.file_name(draft, "txt").removesuffix(".txt")
    return f"{stem}.{EXTENSIONS.get(fmt, fmt)}"


def render(doc: Document, fmt: str) -> bytes:
    """The document in one of FORMATS, as the bytes of its file."""
    module, function, _ = _renderer(fmt)
    fn: Any = getattr(importlib.import_module(f"{__name__}.{module}"), function)
    out = fn(doc)
    assert isinstance(out, bytes)
    return out


def content_type(fmt: str) -> str:
    return _renderer(fmt)[2]


def _renderer(fmt: str) -> tuple[str, str, str]:
    if fmt not in RENDERERS:
        raise Invalid(f"Unknown document format {fmt!r}; choose one of: {', '.join(FORMATS)}.")
    return RENDERERS[fmt]
