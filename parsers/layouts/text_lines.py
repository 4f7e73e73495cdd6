"""Plain-text layouts to a grid: tab-separated, pipe-separated (also markdown), one cell per line.

Lines with a delimiter are rows. Lines without one are cells; runs of them are grouped into
rows, a new row starting at a label that follows figures. An empty line only separates; a
line of white space (often a no-break space) is a printed blank cell.
"""
from __future__ import annotations

import re

from ..grid import Grid
from ..values import is_value_text

_MD_RULE = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_ONLY_PIPES = re.compile(r"^[\s|]+$")
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


def classify(text: str) -> str:
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if not lines:
        return "empty"
    tabs = sum(1 for ln in lines if "\t" in ln.strip("\n") and ln.strip("\t ").count("\t") >= 1)
    pipes = sum(1 for ln in lines if "|" in ln and not _ONLY_PIPES.match(ln))
    rules = sum(1 for ln in lines if _MD_RULE.match(ln.strip()) and "|" in ln)
    sep_pipes = sum(1 for ln in lines if ln.strip() == "|")
    if rules >= 2:
        return "pdf-text-markdown"
    if tabs >= 5 and tabs >= pipes:
        return "tab-text"
    if pipes >= 5:
        return "pipe-text"
    if sep_pipes >= 5:
        return "cell-per-line"  # cells each on a line, separated by lines of '|'
    return "cell-per-line"


def read_text(text: str) -> Grid:
    layout = classify(text)
    grid = Grid(layout=layout, detached_labels=(layout == "pdf-text-markdown"))
    current: list[str] | None = None  # a row being grouped from one-cell lines
    has_values = False

    def flush():
        nonlocal current, has_values
        if current:
            grid.add_row(current)
        current, has_values = None, False

    for raw in text.split("\n"):
        line = raw.rstrip("\n")
        stripped = line.strip()
        if not line:
            continue  # an empty line only separates cells
        if _ONLY_PIPES.match(line) and "|" in line:
            continue  # a separator line (township '|' lines, markdown borders)
        if "\t" in line and not stripped:
            continue  # a row of empty tab cells carries nothing
        if "\t" in line.strip(" \u00a0") and stripped:
            flush()
            grid.add_row([c.strip() for c in line.split("\t")])
            continue
        if "|" in line and stripped:
            if _MD_RULE.match(stripped):
                continue
            flush()
            grid.add_row(split_pipes(line, markdown=layout == "pdf-text-markdown"))
            continue
        m = _LABEL_THEN_FIGURES.match(stripped) if stripped else None
        if m and layout != "cell-per-line":
            flush()
            grid.add_row([m.group("label").strip()] + m.group("figs").split())
            continue
        # One cell on this line.
        cell = stripped  # a white-space-only line is a printed blank cell
        is_value = is_value_text(cell)
        if current is None:
            current, has_values = [], False
        elif not is_value and has_values:
            flush()
            current = []
        current.append(cell)
        has_values = has_values or is_value
    flush()
    return grid

