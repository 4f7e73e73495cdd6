"""The neutral grid every layout reader produces and every template plugin reads.

A grid is the document's table area as ordered rows of cells.  Readers only say where
cells begin and end; they do not know the template.  A cell that is a span copy (HTML
colspan/rowspan) is kept for geometry but marked so values are never counted twice.
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


@dataclass
class Grid:
    layout: str  # "html-table", "tab-text", "pipe-text", "cell-per-line", "squashed-text", "pdf", ...
    rows: list[list[GridCell]] = field(default_factory=list)
    # True where labels may be printed away from their figures (PDF text layers): a label
    # with no figures after it is then "not read", never "printed blank".
    detached_labels: bool = False
    notes: list[str] = field(default_factory=list)

    def add_row(self, texts, **kw) -> list[GridCell]:
        r = len(self.rows)
        row = [GridCell(t, r, c, **kw) for c, t in enumerate(texts)]
        self.rows.append(row)
        return row

    def text_rows(self) -> list[list[str]]:
        return [[c.text for c in row if not c.copy] for row in self.rows]
