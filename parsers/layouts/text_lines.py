"""Plain-text layouts to a grid: tab-separated, pipe-separated (also markdown), one cell per line.

Lines with a delimiter are rows. Lines without one are cells; runs of them are grouped into
rows, a new row starting at a label that follows figures. An empty line only separates; a
line of white space (often a no-break space) is a printed blank cell.

One cell per line also comes with separator debris: each cell's line ends with a pipe
("规章 |", spans add more: "第二十条第(一)项 | |||"), an empty cell is a line of one pipe, and
a row may open or end with a line of pipes.  Such lines are cells, not pipe rows: the pipes
are stripped, a lone "|" is a blank cell and longer runs of bare pipes only separate.  Blank
cells that are only separators end up at the end of a row, where the mapper drops them as
spacers (and flags the row where two placements remain possible).
"""
from __future__ import annotations

import re

from ..grid import Grid, locate
from ..record import FIGURE_KINDS
from ..values import is_value_text, read_value

_MD_RULE = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_ONLY_PIPES = re.compile(r"^[\s|]+$")
# A line of figures only, separated by white space ("0 0 0 0 0", a PDF text row): three or more.
_FIGURES_ONLY = re.compile(r"^-?[\d.,]+(?:[ \t\u00a0]+-?[\d.,]+){2,}$")
# An annotation on a line of its own ("（其中网上申请 3 件）", "(含转办 2 件)"): the clause of the
# figure printed before it, wrapped to the next line by a narrow column.
_ANNOTATION_LINE = re.compile(r"^[（(]\s*(?:其中|含)[^()（）]{0,40}[）)]$")
# "行政许可 97" or "规章 0 0 0": a short label followed by figures on one line.
_LABEL_THEN_FIGURES = re.compile(r"^(?P<label>\S.{0,40}?[^\d\s.,/-])\s+(?P<figs>-?[\d.,]+(?:\s+-?[\d.,]+)*)\s*$")


def split_pipes(line: str, markdown: bool = False) -> list[str]:
    """Cells of a pipe-separated line. A closing '|' ends the last cell; an opening '|' is a
    border only in markdown tables — in a pipe dump it follows an empty first cell."""
    s = line.strip()
    if s.startswith("|") and markdown:
        s = s[1:]
    elif s.startswith("|"):
        s = " " + s
    if s.endswith("|"):
        s = s[:-1]
    return [c.strip() for c in s.split("|")]


def one_cell_piped(line: str) -> str | None:
    """The cell of a line holding one cell followed by pipes only ("规章 |", "0 | ||",
    "第二十条第(一)项 | |||"), else None. Scanned from the end, in time linear in the line: the
    equivalent regular expression backtracked for minutes on one long line."""
    i = len(line)
    while i and (line[i - 1] == "|" or line[i - 1].isspace()):
        i -= 1
    head = line[:i]
    if "|" not in line[i:] or "|" in head or not head.strip():
        return None
    return head.strip()


def _piped_cells(lines: list[str]) -> bool:
    """Cells one per line, each followed by separator pipes (see the module docstring)."""
    one = multi = 0
    for ln in lines:
        if "|" not in ln:
            continue
        if one_cell_piped(ln) is not None:
            one += 1
        elif not _ONLY_PIPES.match(ln):
            multi += 1
    return one >= 10 and one >= 3 * multi


def classify(text: str) -> str:
    return _classify([ln for ln in text.split("\n") if ln.strip()])[0]


def _classify(lines: list[str]) -> tuple[str, bool]:
    """(layout, whether cells carry separator pipes)."""
    if not lines:
        return "empty", False
    tabs = sum(1 for ln in lines if "\t" in ln.strip("\n") and ln.strip("\t ").count("\t") >= 1)
    pipes = sum(1 for ln in lines if "|" in ln and not _ONLY_PIPES.match(ln))
    rules = sum(1 for ln in lines if _MD_RULE.match(ln.strip()) and "|" in ln)
    if rules >= 2:
        return "pdf-text-markdown", False
    if tabs >= 5 and tabs >= pipes:
        return "tab-text", False
    piped = pipes >= 5 and _piped_cells(lines)
    if pipes >= 5 and not piped:
        return "pipe-text", False
    return "cell-per-line", piped  # also cells separated by lines of '|', or carrying trailing pipes


def _empty_line_cells(lines: list[str]) -> bool:
    """Cells separated by exactly one empty line, throughout: then each further empty line in a
    run is an empty cell, printed as nothing (a page's paragraphs, one a cell, dumped as text)."""
    gaps: list[int] = []
    run, seen = 0, False
    for ln in lines:
        if ln == "":
            run += 1
            continue
        if seen:
            gaps.append(run)
        run, seen = 0, True
    ones = sum(1 for g in gaps if g == 1)
    return len(gaps) >= 20 and ones >= 0.8 * len(gaps) and not any(g == 0 for g in gaps)


def _lines_at(lines: list[str]):
    """(offset, line) of each of the text's lines."""
    at = 0
    for line in lines:
        yield at, line
        at += len(line) + 1


def read_text(text: str) -> Grid:
    lines = text.split("\n")
    layout, piped = _classify([ln for ln in lines if ln.strip()])
    empty_cells = layout == "cell-per-line" and not piped and _empty_line_cells(lines)
    grid = Grid(layout=layout, detached_labels=(layout == "pdf-text-markdown"))
    current: list[str] | None = None  # a row being grouped from one-cell lines
    spans: list[tuple[int | None, int | None]] = []  # where each of current's cells is printed
    has_values = False
    at = 0  # offset of the line being read in the text (cells record where they are printed)

    def flush():
        nonlocal current, has_values
        if current:
            grid.add_row(current, spans)
        current, has_values = None, False

    def one_cell(cell: str, line: str):
        nonlocal current, has_values, spans, separated
        i = line.find(cell) if cell else len(line) - len(line.lstrip())
        span = (at + i, at + i + len(cell)) if i >= 0 else (None, None)
        joins = not separated  # a separator between them: the annotation line is a cell of its own
        separated = False
        if joins and current and _ANNOTATION_LINE.match(cell) and read_value(current[-1]).kind in FIGURE_KINDS:
            current[-1] += cell  # the figure's annotation, wrapped: one annotated cell
            if spans[-1][0] is not None and span[0] is not None:
                spans[-1] = (spans[-1][0], span[1])  # printed over both lines
            return
        is_value = is_value_text(cell)
        if current is None:
            current, spans, has_values = [], [], False
        elif not is_value and has_values:
            flush()
            current, spans = [], []
        current.append(cell)
        spans.append(span)
        has_values = has_values or is_value

    def add_row(cells: list[str], line: str):
        grid.add_row(cells, locate(line, at, cells))

    empties = 0
    separated = False  # a separator (a pipe, an empty line) printed since the last cell
    for at, raw in _lines_at(lines):
        line = raw
        stripped = line.strip()
        if not line:
            empties += 1
            separated = True
            continue  # an empty line only separates cells
        if empty_cells and current is not None:
            for _ in range(empties - 1):
                one_cell("", "")  # one empty line separates; each further one is an empty cell
        empties = 0
        if _ONLY_PIPES.match(line) and "|" in line:
            if piped and stripped == "|":
                one_cell("", line)  # an empty cell followed by its pipe
            separated = True
            continue  # a separator line (township '|' lines, markdown borders, row ends)
        if piped:
            cell = one_cell_piped(line)
            if cell is not None:
                one_cell(cell, line)
                separated = True  # its pipes end it
                continue
        if "\t" in line and not stripped:
            continue  # a row of empty tab cells carries nothing
        if "\t" in line.strip(" \u00a0") and stripped:
            flush()
            if "|" in line:  # tabs and pipes mixed: both separate cells
                add_row(split_pipes(line.replace("\t", " | ")), line)
            else:
                add_row([c.strip() for c in line.split("\t")], line)
            continue
        if "|" in line and stripped:
            if _MD_RULE.match(stripped):
                continue
            flush()
            add_row(split_pipes(line, markdown=layout == "pdf-text-markdown"), line)
            continue
        if stripped and _FIGURES_ONLY.match(stripped):
            flush()  # a row of figures printed on one line (PDF text): one cell each
            add_row(stripped.split(), line)
            continue
        m = _LABEL_THEN_FIGURES.match(stripped) if stripped else None
        if m:
            flush()
            add_row([m.group("label").strip()] + m.group("figs").split(), line)
            continue
        one_cell(stripped, line)  # a white-space-only line is a printed blank cell
    flush()
    return grid
