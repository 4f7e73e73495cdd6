"""HTML <table> elements to a grid, with colspan/rowspan expanded (copies marked)."""
from __future__ import annotations

import re

from lxml import html as lxml_html

from ..grid import Grid, GridCell

_WS = re.compile(r"[ \t\r\n\f\v]+")
_MAX_SPAN = 100  # a malformed rowspan="9999" must not blow the grid up


def _span(el, name: str) -> int:
    try:
        return max(1, min(_MAX_SPAN, int(str(el.get(name, "1")).strip() or 1)))
    except ValueError:
        return 1


def cell_text(el) -> str:
    """A cell's text; line breaks inside a narrow cell join its pieces ("1"/"215" is 1215)."""
    parts = []
    for piece in el.itertext():
        parts.append(piece)
    text = "".join(parts)
    # Keep the no-break space that marks a printed-but-blank cell; collapse other white space.
    return _WS.sub(" ", text).strip(" \t\r\n")


def leaf_tables(root) -> list:
    """Tables holding no other table: layout tables that wrap a whole page are skipped."""
    return [t for t in root.iter("table") if not any(True for _ in t.iterdescendants("table"))]


def expand(table, table_index: int, grid: Grid) -> None:
    """Append one table's rows to the grid, expanding spans into marked copies."""
    pending: dict[tuple[int, int], GridCell] = {}  # (row offset, col) -> copy from a rowspan above
    trs = [tr for tr in table.iter("tr") if tr.getparent() is not None]
    base = len(grid.rows)
    for r, tr in enumerate(trs):
        row: list[GridCell] = []
        col = 0

        def fill_pending():
            nonlocal col
            while (r, col) in pending:
                src = pending.pop((r, col))
                row.append(GridCell(src.text, base + r, col, copy=True, table=table_index))
                col += 1

        index = -1  # the cell's index among its row's <td>/<th>
        for td in tr:
            if not isinstance(td.tag, str) or td.tag not in ("td", "th"):
                continue
            index += 1
            fill_pending()
            text = cell_text(td)
            cs, rs = _span(td, "colspan"), _span(td, "rowspan")
            origin = GridCell(text, base + r, col, table=table_index, table_row=r, table_cell=index)
            row.append(origin)
            for k in range(1, cs):
                row.append(GridCell(text, base + r, col + k, copy=True, table=table_index))
            for dr in range(1, rs):
                for k in range(cs):
                    pending[(r + dr, col + k)] = origin
            col += cs
        fill_pending()
        grid.rows.append(row)
    # Rowspans that run past the last <tr> are dropped: nothing printed there.


def read_tables(root) -> Grid:
    grid = Grid(layout="html-table")
    for i, table in enumerate(leaf_tables(root)):
        expand(table, i, grid)
    return grid


def parse_html(text: str):
    # lxml refuses str input that carries an XML encoding declaration.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    try:
        return lxml_html.document_fromstring(text)
    except Exception:  # lxml raises ParserError on empty/garbage documents
        return None
