"""The neutral grid every layout reader produces and every template plugin reads.

A grid is the document's table area as ordered rows of cells.  Readers only say where
cells begin and end; they do not know the template.  A cell that is a span copy (HTML
colspan/rowspan) is kept for geometry but marked so values are never counted twice.

Every cell also says where it was printed, as far as its layout can tell (the mapper copies this
into each Cell's source): text readers give the offsets [start, end) of the cell's text in the
text they read (the Reading's text: decoded, normalised, page chrome removed); HTML and DOCX
readers the row and cell of the source table; the PDF reader the page and the box.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class GridCell:
    text: str
    row: int  # grid row index
    col: int  # grid column index (after span expansion for HTML)
    copy: bool = False  # a colspan/rowspan copy of the cell to its left/above
    squashed: bool = False  # several printed cells may be run together in this text
    table: int | None = None  # index of the source <table>, where the layout has one
    start: int | None = None  # text layouts: offsets [start, end) of the printed text in the read text
    end: int | None = None
    table_row: int | None = None  # HTML, DOCX: row of the source table (<tr> index, 0-based)
    table_cell: int | None = None  # HTML: <td>/<th> index within its <tr>; DOCX: layout column
    page: int | None = None  # PDF: page number, 1-based
    box: tuple[float, float, float, float] | None = None  # PDF: (x0, top, x1, bottom) in points


@dataclass
class Grid:
    layout: str  # "html-table", "tab-text", "pipe-text", "cell-per-line", "squashed-text", "pdf", ...
    rows: list[list[GridCell]] = field(default_factory=list)
    # True where labels may be printed away from their figures (PDF text layers): a label
    # with no figures after it is then "not read", never "printed blank".
    detached_labels: bool = False
    notes: list[str] = field(default_factory=list)

    def add_row(self, texts, spans=None, **kw) -> list[GridCell]:
        """A row of cells; `spans`: each cell's (start, end) in the read text, where known."""
        r = len(self.rows)
        if spans is None:
            row = [GridCell(t, r, c, **kw) for c, t in enumerate(texts)]
        else:
            row = [GridCell(t, r, c, start=a, end=b, **kw) for c, (t, (a, b)) in enumerate(zip(texts, spans))]
        self.rows.append(row)
        return row

    def shift(self, by: int) -> None:
        """Text offsets moved by `by`: the read text sits that far into the report's text."""
        if by:
            for row in self.rows:
                for c in row:
                    if c.start is not None:
                        c.start += by
                        c.end += by

    def text_rows(self) -> list[list[str]]:
        return [[c.text for c in row if not c.copy] for row in self.rows]


def locate(line: str, at: int, texts) -> list[tuple[int, int]]:
    """(start, end) of each cell text in `line` (which starts at offset `at` of the read text), in
    order: each is searched after the one before.  An empty cell gets an empty span where the
    search stands; one not printed verbatim gets (None, None): no offsets rather than wrong ones."""
    out: list[tuple[int | None, int | None]] = []
    pos = 0
    for t in texts:
        if not t:
            out.append((at + pos, at + pos))
            continue
        i = line.find(t, pos)
        if i < 0:
            out.append((None, None))
            continue
        pos = i + len(t)
        out.append((at + i, at + pos))
    return out
