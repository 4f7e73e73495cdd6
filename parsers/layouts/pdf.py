"""PDF text layers to plain text and a grid (pages read by pdf_objects: PDFium, or pdfplumber).

Ruled tables are found from the page's *visible* rules: word processors often paint each
line of body text on a white, unstroked rectangle, and those invisible boxes would otherwise
turn every paragraph into a one-column "table".  Each table is rebuilt on its own slot
lattice (the distinct x and y of its cell borders): a cell covering several slots is a
colspan/rowspan, its other slots are marked as copies, as the HTML reader does.  A cell's
text is read from the characters whose centre lies inside it, so page headers and footers
printed outside the table never reach a cell.  Wrapped lines inside a cell are joined
without a space between CJK characters.

Tables that run over a page break are simply continued in the grid; where the continuation
starts with empty cells under a vertically merged label cell, those cells are marked as
copies of the label above (the word processor redrew the merged cell on the new page).

The plain text keeps the reading order (body lines and table rows by position), drops
page numbers and running headers/footers, joins a title printed over several lines and
re-flows wrapped paragraphs.

A PDF without a text layer (scanned images) gives empty text and an empty grid: the
pipeline then reports it unreadable.  A PDF that cannot be opened (encrypted with a user
password, corrupt) raises.
"""
from __future__ import annotations

import bisect
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

from ..errors import UnmappedText
from ..grid import Grid, GridCell
from ..normalize import normalise
from .pdf_objects import PageObjects, read_pages

_SNAP = 2.0  # points: borders closer than this are the same border
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef\u2014-\u201d\u2026\u00b7]")
_PAGE_NO = re.compile(
    r"^[\s\-—–－_·•]*(第\s*)?[0-9０-９]{1,4}(\s*页)?(\s*[/／]\s*[0-9]{1,4}|\s*共\s*[0-9]{1,4}\s*页)?[\s\-—–－_·•]*$"
    r"|^[\s\-—–－]*page\s*\d{1,4}(\s*of\s*\d{1,4})?[\s\-—–－]*$",
    re.I,
)
_HEADING = re.compile(r"^\s*([一二三四五六七八九十]+\s*[、.．]|[（(][一二三四五六七八九十\d]+[）)]|第[一二三四五六七八九十]+[章节条部分]"
                      r"|\d{1,2}\s*[、．]|附件|附表)")
_BAND = 0.1  # top/bottom share of the page where running headers and footers live


# ---------------------------------------------------------------------------------------
# Joining text without inventing spaces between CJK characters


def _is_cjk(ch: str) -> bool:
    return bool(ch) and bool(_CJK.match(ch))


def join_pieces(pieces: list[str]) -> str:
    """Join pieces of one cell or paragraph (wrapped lines, words): no space where either side
    is CJK or full-width punctuation, one space between two pieces of Latin text or figures."""
    out = ""
    for p in pieces:
        p = p.strip()
        if not p:
            continue
        if out and not _is_cjk(out[-1]) and not _is_cjk(p[0]):
            out += " " + p
        else:
            out += p
    return out


def squeeze_cjk_spaces(text: str) -> str:
    """'号 ， 邮 编' -> '号，邮编': spaces the text layer puts between CJK characters."""
    return re.sub(r"(?<=[\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef“”‘’])[ \t\u3000]+"
                  r"(?=[\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef“”‘’])", "", text)


def _line_text(chars: list[dict]) -> str:
    """Characters of one printed line, left to right; a space only between Latin/figure runs."""
    chars = sorted(chars, key=lambda c: c["x0"])
    out: list[str] = []
    prev = None
    for c in chars:
        t = c["text"]
        if not t or t.isspace():
            if out and out[-1] != " ":
                out.append(" ")
            continue
        if prev is not None and out and out[-1] != " ":
            gap = c["x0"] - prev["x1"]
            if gap > 0.3 * max(c.get("size") or 0, 1.0):
                out.append(" ")
        out.append(t)
        prev = c
    s = "".join(out).strip()
    return squeeze_cjk_spaces(s)


def _lines_of(chars: list[dict]) -> list[list[dict]]:
    """Group characters into printed lines by their vertical position."""
    lines: list[list[dict]] = []
    tops: list[float] = []
    for c in sorted(chars, key=lambda c: (c["top"], c["x0"])):
        size = c.get("size") or (c["bottom"] - c["top"]) or 10
        tol = max(1.5, 0.45 * size)
        if lines and abs(c["top"] - tops[-1]) <= tol:
            lines[-1].append(c)
        else:
            lines.append([c])
            tops.append(c["top"])
    return lines


_FIGURE_PIECE = re.compile(r"^[\d.,]+$")


def cell_text(chars: list[dict], box: tuple | None = None) -> str:
    lines = _lines_of(chars)
    pieces = [_line_text(ln) for ln in lines]
    if box is not None and len(pieces) > 1 and all(_FIGURE_PIECE.match(p) for p in pieces):
        # A figure wrapped in a narrow column ("2" / "5" for 25): every line but the last runs
        # to the cell's right border (less its padding), so the lines are one figure, not two.
        width = max(c["x1"] - c["x0"] for c in chars)
        if all(max(c["x1"] for c in ln) >= box[2] - 2 * width - 6 for ln in lines[:-1]):
            return "".join(pieces)
    return join_pieces(pieces)


# ---------------------------------------------------------------------------------------
# Visible rules only


def _is_white(color) -> bool:
    if color is None:
        return False
    if isinstance(color, (int, float)):
        color = (color,)
    if not isinstance(color, (tuple, list)) or not color:
        return False
    try:
        vals = [float(v) for v in color]
    except (TypeError, ValueError):
        return False
    if len(vals) == 4:  # CMYK: white is no ink
        return all(v <= 0.05 for v in vals)
    return all(v >= 0.95 for v in vals)


def _visible_rule(obj) -> bool:
    kind = obj.get("object_type")
    if kind not in ("rect", "line", "curve"):
        return True
    if kind == "rect":
        w, h = abs(obj.get("width") or 0), abs(obj.get("height") or 0)
        if obj.get("stroke") and not _is_white(obj.get("stroking_color")):
            return True
        # A filled rectangle is a rule only when it is thin (a drawn line) and not white.
        return bool(obj.get("fill")) and min(w, h) <= 3 and not _is_white(obj.get("non_stroking_color"))
    if obj.get("stroke") is False and not obj.get("fill"):
        return False
    return not _is_white(obj.get("stroking_color"))


# ---------------------------------------------------------------------------------------
# Tables


def _open_ends(edges: list[dict]) -> list[dict]:
    """Closing rules a table split by a page break does not draw.

    Word processors end the vertical rules of a table cut by a page break at the page's last
    row without drawing its bottom rule (and may start the continuation without a top rule).
    Where several vertical rules end (or start) at the same height and no horizontal rule
    runs there, the row is closed by a rule between the outermost of them."""
    verticals = [e for e in edges if e.get("orientation") == "v"]
    horizontals = [e for e in edges if e.get("orientation") == "h"]
    out: list[dict] = []
    for key in ("top", "bottom"):
        groups: dict[float, list[dict]] = {}
        for e in sorted(verticals, key=lambda e: e[key]):
            y = e[key]
            for g in groups:
                if abs(g - y) <= _SNAP:
                    groups[g].append(e)
                    break
            else:
                groups[y] = [e]
        for y, group in groups.items():
            xs = sorted({round(e["x0"], 1) for e in group})
            if len(xs) < 2:
                continue
            x0, x1 = xs[0], xs[-1]
            closed = any(abs(h["top"] - y) <= _SNAP and h["x0"] <= x0 + _SNAP and h["x1"] >= x1 - _SNAP
                         for h in horizontals)
            if not closed:
                out.append({"x0": x0, "x1": x1, "top": y, "bottom": y, "width": x1 - x0, "height": 0,
                            "object_type": "line"})
    return out


def _cluster(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= _SNAP:
            continue
        out.append(v)
    return out


def _index(bounds: list[float], v: float) -> int:
    """Index of the boundary nearest v."""
    i = bisect.bisect_left(bounds, v)
    if i == 0:
        return 0
    if i >= len(bounds):
        return len(bounds) - 1
    return i if bounds[i] - v < v - bounds[i - 1] else i - 1


@dataclass
class _Table:
    page: int
    bbox: tuple[float, float, float, float]
    xs: list[float]
    rows: list[list[tuple[str, bool, tuple[int, int] | None]]]  # (text, copy, origin slot)
    spans_down: list[list[bool]] = field(default_factory=list)  # slot continues a vertical merge
    boxes: list[list[tuple[float, float, float, float] | None]] = field(default_factory=list)  # each slot's cell


def _read_table(page_no: int, table, chars: list[dict]) -> _Table | None:
    cells = [tuple(c) for c in table.cells if c]
    if len(cells) < 2:
        return None  # a single framed box is a text box, not a table
    xs = _cluster([c[0] for c in cells] + [c[2] for c in cells])
    ys = _cluster([c[1] for c in cells] + [c[3] for c in cells])
    ncols, nrows = len(xs) - 1, len(ys) - 1
    if ncols < 1 or nrows < 1:
        return None
    owner: dict[tuple[int, int], int] = {}
    spans: list[tuple[int, int, int, int]] = []
    for k, (x0, y0, x1, y1) in enumerate(cells):
        c0, c1 = _index(xs, x0), _index(xs, x1)
        r0, r1 = _index(ys, y0), _index(ys, y1)
        spans.append((r0, c0, r1, c1))
        for r in range(r0, max(r1, r0 + 1)):
            for c in range(c0, max(c1, c0 + 1)):
                owner.setdefault((r, c), k)
    # Characters to cells (or to slots no detected cell covers: a border the rules missed).
    by_cell: dict[int, list[dict]] = {}
    by_slot: dict[tuple[int, int], list[dict]] = {}
    x_lo, y_lo, x_hi, y_hi = xs[0], ys[0], xs[-1], ys[-1]
    for ch in chars:
        cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
        if not (x_lo <= cx <= x_hi and y_lo <= cy <= y_hi):
            continue
        c = min(max(bisect.bisect_right(xs, cx) - 1, 0), ncols - 1)
        r = min(max(bisect.bisect_right(ys, cy) - 1, 0), nrows - 1)
        k = owner.get((r, c))
        if k is None:
            by_slot.setdefault((r, c), []).append(ch)
        else:
            by_cell.setdefault(k, []).append(ch)
    texts = {k: cell_text(v, cells[k]) for k, v in by_cell.items()}
    rows: list[list[tuple[str, bool, tuple[int, int] | None]]] = []
    spans_down: list[list[bool]] = []
    boxes: list[list[tuple[float, float, float, float] | None]] = []  # where each cell is printed
    for r in range(nrows):
        row = []
        down = []
        where = []
        for c in range(ncols):
            k = owner.get((r, c))
            if k is None:
                slot_chars = by_slot.get((r, c))
                if slot_chars:
                    row.append((cell_text(slot_chars), False, (r, c)))
                    where.append((xs[c], ys[r], xs[c + 1], ys[r + 1]))
                else:
                    # No cell and nothing printed: not a cell anyone can read as "blank".
                    row.append(("", True, None))
                    where.append(None)
                down.append(False)
                continue
            r0, c0, r1, c1 = spans[k]
            origin = (r0, c0)
            row.append((texts.get(k, ""), (r, c) != origin, origin))
            where.append(tuple(float(v) for v in cells[k]))
            down.append(r1 - r0 > 1)  # part of a vertical merge
        rows.append(row)
        spans_down.append(down)
        boxes.append(where)
    # Drop rows that are entirely copies (a sliver between two nearly equal borders).
    keep = [i for i, row in enumerate(rows) if not all(cp for _, cp, _ in row)]
    rows = [rows[i] for i in keep]
    spans_down = [spans_down[i] for i in keep]
    boxes = [boxes[i] for i in keep]
    if not rows:
        return None
    return _Table(page_no, tuple(table.bbox), xs, rows, spans_down, boxes)


def _continues(prev: _Table, cur: _Table) -> bool:
    """Does cur (first table of its page) continue prev (last table of the page before)?"""
    if cur.page != prev.page + 1:
        return False
    if abs(cur.bbox[0] - prev.bbox[0]) > 6 or abs(cur.bbox[2] - prev.bbox[2]) > 6:
        return False
    return True


def _mark_continuation(prev: _Table, cur: _Table) -> None:
    """Empty cells opening a continued table, under a vertically merged cell: copies."""
    last, last_down = prev.rows[-1], prev.spans_down[-1]
    first = cur.rows[0]
    for c, (text, copy, origin) in enumerate(first):
        if copy or text.strip():
            continue
        x_mid = (cur.xs[c] + cur.xs[c + 1]) / 2
        pc = bisect.bisect_right(prev.xs, x_mid) - 1
        if not 0 <= pc < len(last):
            continue
        ptext, _, _ = last[pc]
        if not last_down[pc]:
            continue
        src = ptext  # a copy already carries its merged cell's text
        first[c] = (src, True, origin)


# ---------------------------------------------------------------------------------------
# Plain text


@dataclass
class _Line:
    top: float
    bottom: float
    x0: float
    x1: float
    size: float
    text: str
    table: bool = False
    cells: list[str] = field(default_factory=list)  # the line split at column gaps
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)  # each cell's characters


def _is_chrome(line: _Line, height: float, repeated: set[str]) -> bool:
    in_band = line.top < height * _BAND or line.bottom > height * (1 - _BAND)
    if not in_band:
        return False
    return bool(_PAGE_NO.match(line.text)) or _chrome_key(line.text) in repeated


def _chrome_key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def _reflow(lines: list[tuple[_Line, float]]) -> list[str]:
    """Join lines of a wrapped paragraph: a body line that runs to its page's right margin
    goes on in the next body line, over a page break too, unless that one opens a heading."""
    out: list[str] = []
    carry = False
    for ln, right in lines:
        if carry and out and not ln.table and not _HEADING.match(ln.text):
            out[-1] = join_pieces([out[-1], ln.text])
        else:
            out.append(ln.text)
        carry = (not ln.table) and right - ln.x1 <= 1.5 * max(ln.size, 6)
    return out


def _line_cells(group: list[dict]) -> tuple[list[str], list[tuple[float, float, float, float]]]:
    """An unruled table row: the line's characters split where the gap is wider than a
    character (columns), never inside a word or a CJK run with a stray space; each cell's text
    and the box of its characters."""
    chars = sorted((c for c in group if c.get("text") and not c["text"].isspace()), key=lambda c: c["x0"])
    cells: list[list[dict]] = []
    for c in chars:
        size = c.get("size") or 10
        gap = c["x0"] - cells[-1][-1]["x1"] if cells else 0.0
        # A label run up against a figure ("…不 9"): a column edge even where the gap is narrow.
        label_then_figure = (cells and gap > 0.25 * size and c["text"].isdigit()
                             and not cells[-1][-1]["text"].isascii())
        if cells and gap <= max(1.2 * size, 6.0) and not label_then_figure:
            cells[-1].append(c)
        else:
            cells.append([c])
    boxes = [(min(c["x0"] for c in cs), min(c["top"] for c in cs), max(c["x1"] for c in cs),
              max(c["bottom"] for c in cs)) for cs in cells]
    return [_line_text(cs) for cs in cells], boxes


class _ByIdentity(list):
    """A list whose index() finds an element by identity, in constant time."""

    def __init__(self, items: list) -> None:
        super().__init__(items)
        self._at = {id(x): i for i, x in enumerate(items)}

    def index(self, x, *args) -> int:  # type: ignore[override]
        return self._at[id(x)]


def _unique_chars(chars: list[dict]) -> list[dict]:
    """The page's characters without the copies a word processor prints to fake bold type
    (pdfplumber's dedupe_chars).  That routine puts the survivors back in page order with
    list.index, comparing dicts: quadratic, a sixth of a text PDF's reading time; given a list
    that finds its elements by identity, it keeps the same characters in the same order."""
    from pdfplumber.utils import dedupe_chars

    try:
        return dedupe_chars(_ByIdentity(chars))
    except Exception:  # noqa: BLE001 - an odd char stream is still readable as is
        return list(chars)


class _RuledPage:
    """What pdfplumber's TableFinder reads of a page with the "lines" strategy: its edges."""

    def __init__(self, edges: list[dict], height: float) -> None:
        self.edges = edges
        self.bbox = (0, 0, 0, height)


def _visible_edges(page: PageObjects) -> list[dict]:
    """Edges of the page's visible rules, in pdfplumber's order (lines, rectangles, curves)."""
    from pdfplumber.utils import curve_to_edges, line_to_edge, rect_to_edges

    edges = [line_to_edge(o) for o in page.lines if _visible_rule(o)]
    for o in page.rects:
        if _visible_rule(o):
            edges.extend(rect_to_edges(o))
    for o in page.curves:
        if _visible_rule(o):
            edges.extend(curve_to_edges(o))
    return edges




# What a character that a font does not map to Unicode comes out as: pdfminer's (cid:N), an empty
# or replacement character, C0/C1 control codes (glyph ids read as bytes), private-use codes, or
# the rare CJK Extension A characters a rebuilt font table maps to. Real reports print (almost)
# none of them; a Ghostscript re-distil that dropped the ToUnicode maps prints little else.
_UNMAPPED = re.compile(r"^\(cid:\d+\)$|^$|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u3400-\u4dbf\ue000-\uf8ff\ufffd]")


def _check_mapping(pages: list[PageObjects]) -> None:
    """Raise UnmappedText where 2 % or more of the printed characters (and over 20) are unmapped:
    its figures could be read as other digits. A few private-use bullets (Word's Symbol font) pass."""
    chars = [c.get("text") or "" for p in pages for c in p.chars if not (c.get("text") or "x").isspace()]
    bad = sum(1 for t in chars if _UNMAPPED.search(t))
    if bad > 20 and bad >= 0.02 * len(chars):
        raise UnmappedText(
            f"the PDF's text layer does not map its characters to Unicode ({bad} of {len(chars)} are font codes, "
            "control or private-use characters: a font without a ToUnicode map, as after a Ghostscript "
            "re-distil): its text and figures cannot be read")


def read_pdf(data: bytes, rules: bool = True, engine: str | None = None) -> tuple[str, Grid]:
    """The document's text and the grid of its tables.  rules=False ignores drawn rules (the
    unruled reading, also used when a PDF has no ruled table at all).  engine: which reads the
    pages' objects (pdf_objects.read_pages; default PDFium, pdfplumber where PDFium cannot)."""
    from pdfplumber.table import TableFinder  # imported here: the pipeline reports a missing reader as a status

    grid = Grid(layout="pdf")
    pages, read_by = read_pages(data, engine)
    if not any(p.chars for p in pages):
        return "", grid  # scanned images: nothing to read, never zeros
    _check_mapping(pages)
    tables: list[_Table] = []
    page_lines: list[list[_Line]] = []
    heights: list[float] = []
    for page in pages:
        n = page.number
        chars = [c for c in _unique_chars(page.chars) if c.get("text") is not None]
        found = []
        if rules:
            edges = _visible_edges(page)  # tables are found from visible rules alone: chars do not matter
            settings = {"vertical_strategy": "lines", "horizontal_strategy": "lines",
                        "explicit_horizontal_lines": _open_ends(edges)}
            found = TableFinder(_RuledPage(edges, page.height), settings).tables
        page_tables = []
        for t in found:
            rt = _read_table(n, t, chars)
            if rt is not None:
                page_tables.append(rt)
        page_tables.sort(key=lambda t: (t.bbox[1], t.bbox[0]))
        tables.extend(page_tables)
        boxes = [t.bbox for t in page_tables]

        def outside(ch, boxes=boxes):
            cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
            return not any(b[0] - 1 <= cx <= b[2] + 1 and b[1] - 1 <= cy <= b[3] + 1 for b in boxes)

        lines: list[_Line] = []
        for group in _lines_of([c for c in chars if outside(c)]):
            text = _line_text(group)
            if not text:
                continue
            size = statistics.median([c.get("size") or 0 for c in group])
            cells, cell_boxes = _line_cells(group)
            lines.append(_Line(min(c["top"] for c in group), max(c["bottom"] for c in group),
                               min(c["x0"] for c in group), max(c["x1"] for c in group), size, text,
                               cells=cells, boxes=cell_boxes))
        for t in page_tables:
            for row in t.rows:
                cells = [text for text, copy, _ in row if not copy and text]
                if cells:
                    lines.append(_Line(t.bbox[1], t.bbox[3], t.bbox[0], t.bbox[2], 0, "\t".join(cells), True))
        lines.sort(key=lambda ln: (ln.top, ln.x0) if not ln.table else (ln.top, -1))
        # Keep table rows together and in order (their sort keys tie on the table's top).
        page_lines.append(_stable_tables(lines))
        heights.append(float(page.height))

    # Running headers/footers: the same text in the top or bottom band of several pages.
    band_counts: Counter[str] = Counter()
    for lines, h in zip(page_lines, heights):
        keys = {_chrome_key(ln.text) for ln in lines
                if not ln.table and (ln.top < h * _BAND or ln.bottom > h * (1 - _BAND))}
        band_counts.update(keys)
    repeated = {k for k, n in band_counts.items() if len(page_lines) >= 2 and n >= max(2, len(page_lines) // 2 + 1)}

    flow: list[tuple[_Line, float]] = []
    for i, (lines, h) in enumerate(zip(page_lines, heights)):
        body = [ln for ln in lines if ln.table or not _is_chrome(ln, h, repeated)]
        if i == 0:
            body = _join_title(body)
        right = max((ln.x1 for ln in body if not ln.table), default=0)
        flow.extend((ln, right) for ln in body)
    text = "\n".join(_reflow(flow))

    # The grid: table rows in page order; a table continued over a page break is marked.
    for i, t in enumerate(tables):
        if i > 0 and _continues(tables[i - 1], t) and _first_on_page(tables, i) and _last_on_page(tables, i - 1):
            _mark_continuation(tables[i - 1], t)
    for ti, t in enumerate(tables):
        for row, boxes in zip(t.rows, t.boxes):
            r = len(grid.rows)
            grid.rows.append([GridCell(text, r, c, copy=copy, table=ti, page=t.page + 1, box=box)
                              for c, ((text, copy, _), box) in enumerate(zip(row, boxes))])
    if not tables:
        # No ruled table: tables printed without rules, read line by line.  A label that
        # wraps is then printed apart from its figures: the mapper must know (detached).
        grid = Grid(layout="pdf-text", detached_labels=True)
        for page, lines, h in zip(pages, page_lines, heights):
            for ln in lines:
                if ln.table or _is_chrome(ln, h, repeated) or not ln.cells:
                    continue
                for cell, box in zip(grid.add_row(ln.cells), ln.boxes):
                    cell.page, cell.box = page.number + 1, box
        grid.notes.append("no ruled table: rows read from text lines, labels may be detached from figures")
    grid.notes.append(f"objects read by {read_by}")
    return normalise_together(text, grid)


_SEP = "\x1f"


def normalise_together(text: str, grid: Grid) -> tuple[str, Grid]:
    """Cells get the normal form the pipeline gives the document's text (half-width forms,
    simplified characters, converter pinyin removed), decided for the document as a whole."""
    cells = [c for row in grid.rows for c in row]
    joined = _SEP.join([text] + [c.text.replace(_SEP, " ") for c in cells])
    parts = normalise(joined).split(_SEP)
    if len(parts) != len(cells) + 1:  # never expected; then cell by cell
        parts = [normalise(text)] + [normalise(c.text) for c in cells]
    for c, t in zip(cells, parts[1:]):
        c.text = t
    return parts[0], grid


def _stable_tables(lines: list[_Line]) -> list[_Line]:
    return lines  # sorted() is stable: rows of one table keep their printed order


def _first_on_page(tables: list[_Table], i: int) -> bool:
    return i == 0 or tables[i - 1].page != tables[i].page


def _last_on_page(tables: list[_Table], i: int) -> bool:
    return i == len(tables) - 1 or tables[i + 1].page != tables[i].page


def _join_title(lines: list[_Line]) -> list[_Line]:
    """A title printed over several lines at the top of the first page, in a larger type than
    the body, is one line of text."""
    body_sizes = [ln.size for ln in lines if not ln.table and ln.size]
    if len(body_sizes) < 3:
        return lines
    body = statistics.median(body_sizes)
    out: list[_Line] = []
    i = 0
    # Only the opening lines of the page.
    while i < len(lines) and not lines[i].table and lines[i].size > body * 1.15:
        if out and abs(out[-1].size - lines[i].size) < 0.5:
            prev = out[-1]
            out[-1] = _Line(prev.top, lines[i].bottom, min(prev.x0, lines[i].x0), max(prev.x1, lines[i].x1),
                            prev.size, join_pieces([prev.text, lines[i].text]))
        else:
            out.append(lines[i])
        i += 1
    return out + lines[i:]
