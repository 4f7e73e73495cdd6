"""What a PDF's pages print: characters and drawn paths, as pdfplumber's object dicts.

Two engines read them.  pdfplumber (pdfminer's pure-Python content-stream interpreter) is the
reference; PDFium (pypdfium2, which pdfplumber itself depends on) reads the same objects five to
seven times faster.  The PDF reader (``pdf.py``) does not know which one read a page: both give
characters with pdfplumber's keys (``text``, ``x0``, ``x1``, ``top``, ``bottom``, ``size``,
``fontname``, ``upright``, ``doctop``) and paths classified as pdfminer does (``line``, ``rect``,
``curve``, with ``stroke``, ``fill`` and colours) in pdfplumber's top-down coordinates.

PDFium reads a document only where its objects mean the same as pdfminer's; anything else is
read by pdfplumber (``Unsupported`` says why): rotated pages, a MediaBox not at the origin,
characters without a Unicode mapping (pdfminer prints them as ``(cid:N)``, which the reader
recognises), rotated or skewed text, vertical writing.
"""
from __future__ import annotations

import ctypes
import threading
from dataclasses import dataclass, field

from ..errors import UnknownPdfEngine
from ..limits import check_time


@dataclass
class PageObjects:
    number: int  # 0-based
    height: float
    chars: list[dict]  # in the order the page prints them
    lines: list[dict] = field(default_factory=list)
    rects: list[dict] = field(default_factory=list)
    curves: list[dict] = field(default_factory=list)


class Unsupported(Exception):
    """A document the fast engine does not read the way pdfminer does."""


ENGINES = ("pdfium", "pdfplumber")
DEFAULT_ENGINE = "pdfium"


def read_pages(data: bytes, engine: str | None = None) -> tuple[list[PageObjects], str]:
    """The pages' objects and the engine that read them ("pdfium", or "pdfplumber" with the
    reason PDFium was not used).  `engine`: the caller's choice (parse_document(pdf_engine=...)),
    default PDFium.  Raises where the document cannot be opened at all, or on an unknown engine."""
    engine = engine or DEFAULT_ENGINE
    if engine not in ENGINES:
        raise UnknownPdfEngine(f"no PDF engine {engine!r}: one of {', '.join(ENGINES)}")
    if engine == "pdfium":
        try:
            return pdfium_pages(data), "pdfium"
        except Unsupported as why:
            return pdfplumber_pages(data), f"pdfplumber ({why})"
        except Exception as exc:  # noqa: BLE001 - PDFium refused it: the reference engine decides
            return pdfplumber_pages(data), f"pdfplumber (pdfium: {exc.__class__.__name__})"
    return pdfplumber_pages(data), "pdfplumber"


# --------------------------------------------------------------------------- pdfplumber


def pdfplumber_pages(data: bytes) -> list[PageObjects]:
    import io

    import pdfplumber  # imported here: the pipeline reports a missing reader as a status

    out = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for n, page in enumerate(pdf.pages):
            check_time(f"reading page {n + 1}")
            mb_x0, mb_top = page.mediabox[:2]
            chars = []
            for c in page.chars:
                a, b, cc, d, e, f = c["matrix"]
                # Upright horizontal text: the box starts at the pen position (vertical writing's does not).
                if c["upright"] and b == cc == 0 and abs(c["x0"] - mb_x0 - e) < 1e-3:
                    c = _em_box(dict(c), page.height - f + mb_top)
                chars.append(c)
            out.append(PageObjects(n, float(page.height), chars, list(page.lines), list(page.rects),
                                   list(page.curves)))
    return out


# Where a character's box starts below its baseline, as a share of its size.  Fonts say it in
# their descriptors, often wrongly (LibreOffice writes 0, PDFium and pdfminer read different
# sources), and one line in two fonts would then sit at two heights: every horizontal character
# gets the same box, one size high, from its baseline.
_DESCENT = 0.2


def _em_box(c: dict, baseline: float) -> dict:
    """c's box from its baseline (top-down coordinates), whichever engine read it."""
    shift = baseline + _DESCENT * c["size"] - c["bottom"]
    c["bottom"] += shift
    c["top"] = c["bottom"] - c["size"]
    c["doctop"] += shift
    c["y0"] -= shift
    c["y1"] = c["y0"] + c["size"]
    c["height"] = c["size"]
    return c


# --------------------------------------------------------------------------- PDFium

_BEZIERTO, _MOVETO = 1, 2  # FPDF_SEGMENT_* (0: a line)
_TEXT, _PATH, _FORM = 1, 2, 5  # FPDF_PAGEOBJ_*
_EPS = 1e-6


def _mul(m, n):
    """Matrix product m × n of PDF matrices (a, b, c, d, e, f): apply m, then n."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _apply(m, x, y):
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


_PDFIUM_LOCK = threading.Lock()  # PDFium is not thread-safe: one document at a time per process


def pdfium_pages(data: bytes) -> list[PageObjects]:
    with _PDFIUM_LOCK:
        pages = _pdfium_pages(data)
    if _garbled(pages):
        raise Unsupported("a guessed character mapping")
    return pages


def _pdfium_pages(data: bytes) -> list[PageObjects]:
    """PDFium's reading of every page, before the check of its character mapping."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    doc = pdfium.PdfDocument(data)
    try:
        pages = []
        doctop = 0.0
        for n in range(len(doc)):
            check_time(f"reading page {n + 1}")
            page = doc[n]
            try:
                pages.append(_read_page(raw, page, n, doctop))
            finally:
                page.close()
            doctop += pages[-1].height
    finally:
        doc.close()
    return pages


def _garbled(pages: list[PageObjects]) -> bool:
    """A font without a ToUnicode map: pdfminer prints (cid:N), PDFium guesses from the font's own
    tables, and where those were rebuilt (a Ghostscript re-distil) it reads rare CJK Extension A
    characters and private-use codes, which real reports all but never print."""
    cjk = rare = 0
    for page in pages[:3]:
        for c in page.chars:
            for ch in c["text"]:
                if "\u4e00" <= ch <= "\u9fff":
                    cjk += 1
                elif "\u3400" <= ch <= "\u4dbf" or "\ue000" <= ch <= "\uf8ff":
                    rare += 1
    return rare > 20 and rare > 0.05 * (cjk + rare)


def _read_page(raw, page, n: int, doctop: float) -> PageObjects:
    if page.get_rotation() % 360:
        raise Unsupported("a rotated page")
    box = page.get_mediabox(fallback_ok=False)
    # PDFium reads only a page's own MediaBox (crbug.com/pdfium/1786): one inherited from the page
    # tree (fpdf2 writes it there) comes back as US Letter, and every top would be off by the
    # difference.  Its page bounding box does inherit.
    x0, y0, x1, y1 = box if box is not None else page.get_bbox()
    if abs(x0) > _EPS or abs(y0) > _EPS:
        raise Unsupported("a MediaBox not at the origin")
    height = y1 - y0
    textpage = page.get_textpage()
    try:
        chars = _chars(raw, textpage.raw, height, doctop)
    finally:
        textpage.close()
    out = PageObjects(n, float(height), chars)
    _paths(raw, page.raw, (1.0, 0.0, 0.0, 1.0, 0.0, 0.0), height, doctop, out)
    return out


def _chars(raw, tp, height: float, doctop: float) -> list[dict]:
    count = raw.FPDFText_CountChars(tp)
    box = raw.FS_RECTF()
    matrix = raw.FS_MATRIX()
    name = ctypes.create_string_buffer(256)
    flags = ctypes.c_int()
    ox, oy, nx, ny = (ctypes.c_double() for _ in range(4))
    fonts: dict[int, str] = {}
    chars: list[dict] = []
    last = (0, (0.0, 0.0))  # text object and origin of the last character
    for i in range(count):
        if raw.FPDFText_IsGenerated(tp, i) == 1:
            continue  # spaces and line breaks PDFium infers: not printed
        if raw.FPDFText_HasUnicodeMapError(tp, i) == 1:
            raise Unsupported("characters without a Unicode mapping")
        code = raw.FPDFText_GetUnicode(tp, i)
        if 0xD800 <= code <= 0xDBFF and i + 1 < count:  # a surrogate pair: one character
            low = raw.FPDFText_GetUnicode(tp, i + 1)
            text = chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)) if 0xDC00 <= low <= 0xDFFF else ""
        elif 0xDC00 <= code <= 0xDFFF:
            continue  # the second half of a pair, read with the first
        else:
            text = chr(code) if code else ""
        if not raw.FPDFText_GetLooseCharBox(tp, i, box) or not raw.FPDFText_GetCharOrigin(tp, i, ox, oy):
            raise Unsupported("a character without a box")
        textobj = raw.FPDFText_GetTextObject(tp, i)
        key = _address(textobj)
        if chars and key == last[0] and (ox.value, oy.value) == last[1]:
            chars[-1]["text"] += text  # a ligature's letters share one glyph: pdfminer's one character
            continue
        last = (key, (ox.value, oy.value))
        if not raw.FPDFText_GetMatrix(tp, i, matrix):
            raise Unsupported("a character without a matrix")
        a, b, c, d = matrix.a, matrix.b, matrix.c, matrix.d
        if abs(b) > _EPS or abs(c) > _EPS or a <= 0 or d <= 0:
            raise Unsupported("rotated, mirrored or skewed text")
        fontsize = raw.FPDFText_GetFontSize(tp, i)
        if abs(box.right - box.left - fontsize) < 1e-3 and abs(box.left - ox.value) < 1e-3 and (a != 1 or d != 1):
            # Vertical writing: PDFium's loose box ignores the text matrix; its origin is the
            # bottom left of the glyph's square, which is pdfminer's box (its size is its width).
            size = fontsize * a
            x0, x1, y0 = ox.value, ox.value + size, oy.value
            vertical = True
        else:
            size = fontsize * d
            x0, x1, y0 = box.left, box.right, oy.value
            vertical = False
        font = fonts.get(key)
        if font is None:
            ln = raw.FPDFText_GetFontInfo(tp, i, name, len(name), ctypes.byref(flags))
            font = fonts[key] = name.raw[: max(ln - 1, 0)].decode("utf-8", "replace")
        if not vertical and i + 1 < count and _address(raw.FPDFText_GetTextObject(tp, i + 1)) == key:
            # PDFium's loose box takes in a glyph that overhangs its advance; the next character's
            # origin, on the same baseline, is where the advance ends (pdfminer's x1).
            if raw.FPDFText_GetCharOrigin(tp, i + 1, nx, ny) and abs(ny.value - oy.value) < 1e-3 and x0 < nx.value < x1:
                x1 = nx.value
        bottom = height - y0
        top = bottom - size
        ch = {"text": text, "fontname": font, "size": size, "upright": True, "x0": x0, "x1": x1, "top": top,
             "bottom": bottom, "y0": y0, "y1": y0 + size, "width": x1 - x0, "height": size,
             "doctop": doctop + top, "object_type": "char"}
        chars.append(ch if vertical else _em_box(ch, height - oy.value))
    return chars


def _address(pointer) -> int:
    return ctypes.cast(pointer, ctypes.c_void_p).value or 0


def _paths(raw, owner, ctm, height: float, doctop: float, out: PageObjects, form: bool = False) -> None:
    """Path objects of the page (and of its form XObjects), in content order; a text object whose
    font is not embedded sends the document to pdfplumber."""
    count = raw.FPDFFormObj_CountObjects(owner) if form else raw.FPDFPage_CountObjects(owner)
    m = raw.FS_MATRIX()
    for i in range(count):
        obj = raw.FPDFFormObj_GetObject(owner, i) if form else raw.FPDFPage_GetObject(owner, i)
        kind = raw.FPDFPageObj_GetType(obj)
        if kind == _TEXT and not raw.FPDFFont_GetIsEmbedded(raw.FPDFTextObj_GetFont(obj)):
            # PDFium draws such a font with a font of this machine, and where that one lacks a glyph
            # it takes separate cells printing the same digit for one doubled text and drops all but
            # one (seen: a table's zeros and a 3 gone once Debian's fonts-droid-fallback was
            # installed). pdfminer reads the file's own metrics, the same on every machine.
            raise Unsupported("a font not embedded in the file")
        if kind not in (_PATH, _FORM):
            continue
        if not raw.FPDFPageObj_GetMatrix(obj, m):
            continue
        matrix = _mul((m.a, m.b, m.c, m.d, m.e, m.f), ctm)
        if kind == _FORM:
            _paths(raw, obj, matrix, height, doctop, out, form=True)
        else:
            _path(raw, obj, matrix, height, doctop, out)


def _color(raw, obj, stroke: bool):
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    get = raw.FPDFPageObj_GetStrokeColor if stroke else raw.FPDFPageObj_GetFillColor
    if not get(obj, r, g, b, a):
        return None
    return (r.value / 255, g.value / 255, b.value / 255)


def _path(raw, obj, matrix, height: float, doctop: float, out: PageObjects) -> None:
    fillmode, stroke = ctypes.c_int(), ctypes.c_int()
    if not raw.FPDFPath_GetDrawMode(obj, fillmode, stroke):
        return
    fill, stroke = fillmode.value != 0, bool(stroke.value)
    if not fill and not stroke:
        return  # a clipping path: nothing is painted
    attrs = {"stroke": stroke, "fill": fill, "evenodd": fillmode.value == 1,
             "stroking_color": _color(raw, obj, True), "non_stroking_color": _color(raw, obj, False)}
    width = ctypes.c_float()
    attrs["linewidth"] = width.value if raw.FPDFPageObj_GetStrokeWidth(obj, width) else 0
    # Segments into subpaths of (operator, point): pdfminer's view of the path.
    x, y = ctypes.c_float(), ctypes.c_float()
    subpaths: list[list[tuple[str, tuple[float, float]]]] = []
    bezier = 0
    for k in range(raw.FPDFPath_CountSegments(obj)):
        seg = raw.FPDFPath_GetPathSegment(obj, k)
        if not raw.FPDFPathSegment_GetPoint(seg, x, y):
            raise Unsupported("a path segment without a point")
        pt = _apply(matrix, x.value, y.value)
        kind = raw.FPDFPathSegment_GetType(seg)
        if kind == _MOVETO or not subpaths:
            subpaths.append([("m", pt)])
            bezier = 0
        elif kind == _BEZIERTO:
            bezier += 1
            if bezier % 3 == 0:  # a curve's three points make one "c"
                subpaths[-1].append(("c", pt))
        else:
            subpaths[-1].append(("l", pt))
        if raw.FPDFPathSegment_GetClose(seg):
            subpaths[-1].append(("h", subpaths[-1][0][1]))
    for sub in subpaths:
        _classify(sub, attrs, height, doctop, out)


def _classify(path: list[tuple[str, tuple[float, float]]], attrs: dict, height: float, doctop: float,
              out: PageObjects) -> None:
    """pdfminer's paint_path: one subpath as a line, a rectangle or a curve."""
    shape = "".join(op for op, _ in path)
    if shape == "m":
        return  # pdfminer paints nothing for a lone move
    pts = [pt for _, pt in path]
    # PDFium closes a subpath with a line back to its start and the close flag: pdfminer's "h".
    if len(shape) > 2 and shape.endswith("lh") and pts[-2] == pts[0]:
        shape, pts = shape[:-2] + "h", pts[:-1]
    if shape in ("mlh", "ml"):
        kind, pts = "line", pts[:2]
    elif shape in ("mlllh", "mllll"):
        (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
        square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0)
        kind = "rect" if pts[0] == pts[4] and square else "curve"
    else:
        kind = "curve"
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    if kind == "rect":
        xs, ys = [pts[0][0], pts[2][0]], [pts[0][1], pts[2][1]]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    top = height - y1
    obj = dict(attrs, object_type=kind, x0=x0, x1=x1, y0=y0, y1=y1, top=top, bottom=height - y0,
               width=x1 - x0, height=y1 - y0, doctop=doctop + top)
    if kind == "line":
        out.lines.append(obj)
    elif kind == "rect":
        out.rects.append(obj)
    else:
        obj["pts"] = [(px, height - py) for px, py in pts]
        out.curves.append(obj)
