"""DOCX documents to plain text and a grid (python-docx).

The body is walked in order, paragraphs and tables interleaved (content controls opened),
so the text reads as the document does.  Every table row becomes a grid row with one cell
per layout column: python-docx returns the same cell object for every column a merged cell
covers (gridSpan across, vMerge down); the first sighting is the cell, later sightings are
marked as copies, as the HTML reader marks colspan/rowspan.  A cell's paragraphs and line
breaks are joined without inserting spaces between CJK characters.  A table nested in a
cell is read as its own rows after the row holding it.
"""
from __future__ import annotations

import io

from ..grid import Grid, GridCell
from .pdf import join_pieces, normalise_together, squeeze_cjk_spaces

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _para_text(p) -> str:
    """A paragraph's text; a line break inside it is a wrapped line, joined like one."""
    pieces: list[str] = []
    buf: list[str] = []
    for el in p.iter():
        tag = el.tag
        if tag == _W + "t" and el.text:
            buf.append(el.text)
        elif tag == _W + "tab":
            buf.append(" ")
        elif tag in (_W + "br", _W + "cr"):
            pieces.append("".join(buf))
            buf = []
    pieces.append("".join(buf))
    return squeeze_cjk_spaces(join_pieces(pieces))


def _cell_text(tc) -> str:
    """Paragraphs directly in the cell (nested tables are read on their own)."""
    parts = []
    for child in tc.iterchildren():
        if child.tag == _W + "p":
            parts.append(_para_text(child))
        elif child.tag == _W + "sdt":
            for p in child.iter(_W + "p"):
                parts.append(_para_text(p))
    return squeeze_cjk_spaces(join_pieces(parts))


def _block_items(parent):
    """Paragraphs and tables of a body (or a content control), in document order."""
    for child in parent.iterchildren():
        if child.tag in (_W + "p", _W + "tbl"):
            yield child
        elif child.tag == _W + "sdt":
            content = child.find(_W + "sdtContent")
            if content is not None:
                yield from _block_items(content)


def _read_table(tbl, document, grid: Grid, text_lines: list[str], counter: list[int]) -> None:
    from docx.table import Table

    table = Table(tbl, document)
    index = counter[0]
    counter[0] += 1
    nested: list = []
    above: list = []  # the _tc objects of the previous row, by column
    for tr, row in enumerate(table.rows):
        try:
            cells = row.cells
        except Exception:  # noqa: BLE001 - a malformed row: read its own cells
            cells = []
        r = len(grid.rows)
        out: list[GridCell] = []
        tcs = []
        printed: list[str] = []
        for c, cell in enumerate(cells):
            tc = cell._tc
            tcs.append(tc)
            left = tcs[c - 1] if c > 0 else None
            up = above[c] if c < len(above) else None
            copy = tc is left or tc is up
            text = _cell_text(tc)
            out.append(GridCell(text, r, c, copy=copy, table=index, table_row=tr, table_cell=c))
            if not copy:
                if text:
                    printed.append(text)
                nested.extend(tc.iter(_W + "tbl"))
        above = tcs
        grid.rows.append(out)
        if printed:
            text_lines.append("\t".join(printed))
    seen = set()
    for sub in nested:
        if id(sub) in seen or sub.getparent() is None:
            continue
        seen.add(id(sub))
        # Only tables directly inside a cell of this table; deeper ones come with their parent.
        if sub.getparent().tag == _W + "tc":
            _read_table(sub, document, grid, text_lines, counter)


def read_docx(data: bytes) -> tuple[str, Grid]:
    import docx  # imported here: the pipeline reports a missing reader as a status

    document = docx.Document(io.BytesIO(data))
    grid = Grid(layout="docx")
    lines: list[str] = []
    counter = [0]
    body = document.element.body
    for el in _block_items(body):
        if el.tag == _W + "p":
            t = _para_text(el)
            if t:
                lines.append(t)
        else:
            _read_table(el, document, grid, lines, counter)
    return normalise_together("\n".join(lines), grid)
