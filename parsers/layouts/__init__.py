"""Layout readers: each turns one way of printing tables into the neutral Grid.

LAYOUTS is the one table the pipeline dispatches on: (kind, what it reads, sniff, read), tried in
order, the first whose sniff holds reads the document.  Readers of bytes (PDF, DOCX, images) are
tried on the raw document; readers of text once the bytes are decoded and normalised.  A reader
knows no template: it only says where cells begin and end (the squashed reader asks the
templates where their row labels start, since its cells have no other boundary).

To add a layout reader: write a module here with a ``read_…`` function returning a Reading (or
text and a Grid), give it a sniff, and list it in LAYOUTS before the readers it must win over.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from ..errors import ReaderUnavailable, UnreadableDocument
from ..grid import Grid
from ..normalize import normalise

BYTES, TEXT = "bytes", "text"

_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"II*\x00", b"MM\x00*", b"RIFF")
_HTML_SNIFF = re.compile(rb"<\s*(html|head|body|table|div|p|meta|!doctype)\b", re.I)


@dataclass
class Probe:
    """What the sniffs look at: the raw bytes, the declared type and, for text readers, the text."""

    data: bytes
    content_type: str = ""  # lower-cased
    templates: tuple = ()
    text: str | None = None  # decoded and normalised (set by the pipeline before text readers)
    plain: str | None = None  # the text as plain-text readers read it (page chrome of text dumps removed)
    pdf_engine: str | None = None  # what reads a PDF's page objects (pdf_objects.ENGINES; None: the default)


@dataclass
class Reading:
    """A reader's result: the grid of the tables, the document's text (for metadata, narrative;
    the text cells' offsets index) and, for pages whose tables may be printed as paragraphs, the
    text to read again as text, found at offset `retry_at` of the document's text."""

    grid: Grid
    text: str
    meta_tags: dict = field(default_factory=dict)
    retry_as_text: str | None = None
    retry_at: int = 0


@dataclass(frozen=True)
class Layout:
    kind: str
    reads: str  # BYTES: sniffed and read on the raw document; TEXT: on the decoded text
    sniff: Callable[[Probe], bool]
    read: Callable[[Probe], Reading] | None  # None: nothing can be read from this kind (images)
    plain_text: bool = False  # reads plain text: also used on an HTML page's text (tables as paragraphs)


# ----------------------------------------------------------------------------- sniffs

def _head(p: Probe) -> bytes:
    return p.data[:2048].lstrip()


def _is_pdf(p: Probe) -> bool:
    return _head(p).startswith(b"%PDF") or "pdf" in p.content_type


def _is_docx(p: Probe) -> bool:
    return _head(p).startswith(b"PK\x03\x04") and (b"word/" in p.data[:65536] or "officedocument" in p.content_type)


def _is_image(p: Probe) -> bool:
    return _head(p).startswith(_IMAGE_MAGIC) or p.content_type.startswith("image/")


def _is_html(p: Probe) -> bool:
    if "html" in p.content_type or _HTML_SNIFF.search(_head(p)[:1024]):
        return True
    # wide text (UTF-16) hides its markup from the byte sniff: look at the decoded text
    return bool(p.text and b"\x00" in p.data[:1024] and _HTML_SNIFF.search(p.text[:1024].lstrip().encode()))


def _is_squashed(p: Probe) -> bool:
    from . import squashed

    return squashed.looks_squashed(p.plain, p.templates)


# ----------------------------------------------------------------------------- readers

def _office(module: str, func: str, kind: str, options: Callable[[Probe], dict] = lambda p: {}
            ) -> Callable[[Probe], Reading]:
    """A reader of bytes in a module of its own, imported when first needed; `options`: the
    reader's keyword arguments taken from the probe."""
    def read(p: Probe) -> Reading:
        import importlib

        try:
            reader = getattr(importlib.import_module(f"{__name__}.{module}"), func)
        except ImportError as exc:
            raise ReaderUnavailable(f"no {kind} reader available: {exc}") from exc
        text, grid = reader(p.data, **options(p))
        return Reading(grid, normalise(text))

    return read


def _read_html(p: Probe) -> Reading:
    from .. import metadata
    from ..cleaning import main_text_of_html
    from . import html_tables

    from ..limits import shallow_html

    root = html_tables.parse_html(shallow_html(p.text))
    if root is None:
        raise UnreadableDocument("HTML that no parser can read")
    meta_tags = metadata.html_meta(root)
    grid = html_tables.read_tables(root)
    body = main_text_of_html(root)  # after reading tables: trafilatura may prune the tree
    title = meta_tags.get("ArticleTitle", "")
    return Reading(grid, (title + "\n" + body) if body else title, meta_tags, retry_as_text=body,
                   retry_at=len(title) + 1 if body else 0)


def _read_squashed(p: Probe) -> Reading:
    from . import squashed

    return Reading(squashed.read_squashed(p.plain, p.templates), p.plain)


def _read_text(p: Probe) -> Reading:
    from . import text_lines

    return Reading(text_lines.read_text(p.plain), p.plain)


LAYOUTS: tuple[Layout, ...] = (
    Layout("pdf", BYTES, _is_pdf, _office("pdf", "read_pdf", "pdf", lambda p: {"engine": p.pdf_engine})),
    Layout("docx", BYTES, _is_docx, _office("docx", "read_docx", "docx")),
    Layout("image", BYTES, _is_image, None),
    Layout("html", TEXT, _is_html, _read_html),
    Layout("squashed-text", TEXT, _is_squashed, _read_squashed, plain_text=True),
    Layout("text", TEXT, lambda p: True, _read_text, plain_text=True),  # tab, pipe, cell-per-line, PDF text
)


def sniff(probe: Probe, reads: str, plain_only: bool = False) -> Layout | None:
    """The first layout reading `reads` whose sniff holds."""
    for layout in LAYOUTS:
        if layout.reads == reads and (layout.plain_text or not plain_only) and layout.sniff(probe):
            return layout
    return None


def read_as_text(text: str, templates) -> Reading:
    """Read text with the plain-text readers (an HTML page whose tables are paragraphs)."""
    probe = Probe(b"", "", tuple(templates), text=text, plain=text)
    layout = sniff(probe, TEXT, plain_only=True)
    return layout.read(probe)
