"""Resource bounds of one parse: document size, decompressed size, pages, HTML nesting, time.

A document over a bound is not read; its report gets status `over_limit` with a reason that names
the bound and the figure (it is still stored, so nothing is lost). The bounds are checked before a
reader touches the document (sizes, pages, decompressed bytes, counted without holding them) and,
for time, cooperatively between stages and between pages. The parse pool's hard kill (crawler)
bounds what a reader stuck inside a C library could still spend.

Defaults suit annual reports (a few MB, tens of pages) with a wide margin. The parser reads no
environment: callers pass the bounds in (parse_document(limits=...)); the command line builds them
from GOVREPORTS_LIMIT_DOCUMENT_MB, _TEXT_MB, _DECOMPRESSED_MB, _PAGES, _HTML_DEPTH, _SECONDS
(govreports_config.Config.limits).
"""
from __future__ import annotations

import contextvars
import io
import re
import time
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass

from .errors import ParserError

MB = 2**20


class OverLimit(ParserError):
    """The document exceeds a resource bound; the message names it."""


class OutOfTime(BaseException):
    """The parse ran past its time bound. A BaseException so that a reader's `except Exception`
    fallback (try another engine) does not swallow it; the pipeline turns it into `over_limit`."""


@dataclass(frozen=True)
class Limits:
    document_bytes: int = 128 * MB  # any document
    text_bytes: int = 16 * MB  # HTML and plain text: trafilatura takes ~1 s a MB, more on larger pages
    decompressed_bytes: int = 256 * MB  # DOCX members, PDF Flate streams (images excluded), together
    pages: int = 400
    html_depth: int = 200  # deeper pages are read with their wrapper elements dropped
    seconds: float = 60.0


DEFAULT = Limits()

_deadline: contextvars.ContextVar[tuple[float, float] | None] = contextvars.ContextVar("deadline", default=None)


@contextmanager
def bounded(limits: Limits):
    """The time bound of one parse, for check_time() anywhere below."""
    token = _deadline.set((time.monotonic() + limits.seconds, limits.seconds))
    try:
        yield
    finally:
        _deadline.reset(token)


def check_time(stage: str = "") -> None:
    d = _deadline.get()
    if d is not None and time.monotonic() > d[0]:
        raise OutOfTime(f"parsing took longer than {d[1]:g} s (GOVREPORTS_LIMIT_SECONDS)"
                        + (f", stopped while {stage}" if stage else ""))


def _mb(n: int) -> str:
    return f"{n / MB:.1f} MB"


def check_document(kind: str | None, data: bytes, limits: Limits) -> None:
    """Raise OverLimit where the raw document is over a bound (kind: the layout read, or None
    for a document read as text)."""
    if len(data) > limits.document_bytes:
        raise OverLimit(f"document of {_mb(len(data))}, over the limit of {_mb(limits.document_bytes)} "
                        "(GOVREPORTS_LIMIT_DOCUMENT_MB)")
    if kind in (None, "html", "text", "squashed-text") and len(data) > limits.text_bytes:
        raise OverLimit(f"text or HTML page of {_mb(len(data))}, over the limit of {_mb(limits.text_bytes)} "
                        "(GOVREPORTS_LIMIT_TEXT_MB)")
    if kind == "docx":
        _check_zip(data, limits)
    elif kind == "pdf":
        _check_pdf(data, limits)


def _too_much(total: int, limits: Limits, what: str) -> OverLimit:
    return OverLimit(f"{what} decompresses to more than {_mb(limits.decompressed_bytes)} "
                     f"(at least {_mb(total)}; GOVREPORTS_LIMIT_DECOMPRESSED_MB): a compression bomb?")


def _check_zip(data: bytes, limits: Limits) -> None:
    # python-docx reads every part whole; zipfile never inflates a member past its declared size.
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError):  # a damaged header can
        return  # claim a zip version or method zipfile lacks: not a readable archive, the reader says so
    total = sum(m.file_size for m in members)
    if total > limits.decompressed_bytes:
        raise _too_much(total, limits, f"DOCX of {_mb(len(data))}")


_STREAM = re.compile(rb"stream\r?\n")
_OBJ = re.compile(rb"\d+\s+\d+\s+obj\b")


def _check_pdf(data: bytes, limits: Limits) -> None:
    total = 0
    for m in _STREAM.finditer(data):
        start = m.start()
        if start >= 3 and data[start - 3:start] == b"end":
            continue
        head = data[max(0, start - 4096):start]
        objs = list(_OBJ.finditer(head))
        dictionary = head[objs[-1].end():] if objs else head[-512:]
        if b"/Fl" not in dictionary or b"/Image" in dictionary:
            continue  # images are not decoded to read text
        total += _inflated_size(data, m.end(), limits.decompressed_bytes - total)
        if total > limits.decompressed_bytes:
            raise _too_much(total, limits, f"PDF of {_mb(len(data))}")
    if limits.pages:
        pages = _pdf_pages(data)
        if pages is not None and pages > limits.pages:
            raise OverLimit(f"PDF of {pages} pages, over the limit of {limits.pages} (GOVREPORTS_LIMIT_PAGES)")


def _inflated_size(data: bytes, start: int, budget: int) -> int:
    """How many bytes the zlib stream at `start` inflates to, counted up to just past `budget`
    without holding them."""
    d = zlib.decompressobj()
    total, pos = 0, start
    buf = data[pos:pos + 65536]
    pos += 65536
    while buf:
        try:
            out = d.decompress(buf, MB)
        except zlib.error:
            break
        total += len(out)
        if total > budget or d.eof:
            break
        if d.unconsumed_tail:
            buf = d.unconsumed_tail
            continue
        buf = data[pos:pos + 65536]
        pos += 65536
    return total


def _pdf_pages(data: bytes) -> int | None:
    try:
        import pypdfium2 as pdfium

        doc = pdfium.PdfDocument(data)
        try:
            return len(doc)
        finally:
            doc.close()
    except Exception:  # noqa: BLE001 - PDFium cannot open it: the reader decides what it is
        return None


# ------------------------------------------------------------------ HTML nesting

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*?(/?)>")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
         "wbr", "param", "keygen"}
# Elements that only wrap: dropping them leaves every table, row, cell and paragraph as it was.
_WRAPPERS = r"div|span|font|section|article|center|main|aside|header|footer|nav|b|i|u|em|strong|small|big"
_WRAPPER_TAG = re.compile(rf"<\s*/?\s*(?:{_WRAPPERS})\b[^>]*>", re.I)


def html_depth(text: str) -> int:
    """An upper estimate of the element nesting (auto-closed elements count as still open)."""
    depth = deepest = 0
    for m in _TAG.finditer(text):
        if m.group(2).lower() in _VOID or m.group(3):
            continue
        if m.group(1):
            depth = max(0, depth - 1)
        else:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def shallow_html(text: str, limits: Limits | None = None) -> str:
    """The page as lxml can read it whole: libxml2 stops at 256 levels and silently drops the rest,
    so a page nested deeper is read with its wrapper elements dropped. Raises OverLimit where even
    that leaves it too deep (tables nested in tables hundreds deep)."""
    limit = (limits or DEFAULT).html_depth
    if html_depth(text) <= limit:
        return text
    flat = _WRAPPER_TAG.sub(" ", text)
    depth = html_depth(flat)
    if depth > limit:
        raise OverLimit(f"HTML nested {depth} elements deep (tables within tables), over the limit of "
                        f"{limit} (GOVREPORTS_LIMIT_HTML_DEPTH)")
    return flat
