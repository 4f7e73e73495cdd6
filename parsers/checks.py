"""The template's own arithmetic (勾稽关系) and the cells' own soundness, recorded as findings.
A finding never changes a figure.

The rules are the template's (Template.rules); this module only evaluates them over the cells read.
A rule that cannot be checked because a cell holds no figure (blank, not applicable, damaged) makes
the report need review, unless the template lets that cell be blank: a figure changed in a report
with blank cells must not pass unseen.
"""
from __future__ import annotations

from .record import ANNOTATED, BLANK, FIGURE_KINDS, TEXT, UNREADABLE_VALUE, Cell, Finding
from .templates import Template
from .templates.base import Equation

_TOL = 1e-6


def number_of(cell: Cell | None):
    if cell is None or cell.kind not in FIGURE_KINDS or cell.number is None:
        return None
    return cell.number


def _cells(tables: dict, table: str, refs) -> list[Cell] | None:
    """The cells of an equation's side; None when one of them is not printed at all."""
    rows = tables.get(table) or {}
    out = []
    for row, col in refs:
        cells = rows.get(row)
        if not cells or col >= len(cells):
            return None
        out.append(cells[col])
    return out


def _describe(cell: Cell) -> str:
    return "blank" if cell.kind == BLANK else f"'{cell.text}'"


def check_equation(eq: Equation, tables: dict, template: Template, unchecked: dict) -> Finding | None:
    """A finding where the equation fails.  Where it cannot be told (a cell holds no figure), the
    cells at fault are noted in `unchecked` instead: {(table, row): ({col_key: cell}, rules,
    rules that would fail even with the blank cells read as zeros)}."""
    table = eq.rule.table
    left, right = _cells(tables, table, eq.left), _cells(tables, table, eq.right)
    if left is None or right is None:
        return None  # a row or cell not printed: the missing rows are a finding of their own
    lv, rv = [number_of(c) for c in left], [number_of(c) for c in right]
    if None not in lv and None not in rv:
        if abs(sum(lv) - sum(rv)) <= _TOL:
            return None
        return Finding(eq.rule.rule, eq.message(sum(lv), sum(rv)), table, eq.row, eq.col, sum(lv), sum(rv))
    empty = [c for c in left + right if number_of(c) is None
             and not (c.kind == BLANK and template.may_be_blank(table, c.row, c.col))]
    if not empty:
        return None  # only cells the template lets be blank: nothing to check
    as_zero = [0 if v is None else v for v in lv], [0 if v is None else v for v in rv]
    holds_as_zero = all(c.kind == BLANK for c in empty) and abs(sum(as_zero[0]) - sum(as_zero[1])) <= _TOL
    for c in empty:
        cells, rules, failing = unchecked.setdefault((table, c.row), ({}, set(), set()))
        cells[c.col_key] = c
        rules.add(eq.rule.rule)
        if not holds_as_zero:
            failing.add(eq.rule.rule)
    return None


def _unchecked_findings(unchecked: dict) -> list[Finding]:
    out = []
    for (table, row), (cells, rules, failing) in unchecked.items():
        printed = ", ".join(f"{k} {_describe(c)}" for k, c in cells.items())
        blanks = all(c.kind == BLANK for c in cells.values())
        if not failing:
            after = "; they hold if the blank cells are zeros"
        elif blanks:
            after = f"; even with the blank cells as zeros {', '.join(sorted(failing))} would not hold"
        else:
            after = ""
        out.append(Finding("check.unverifiable",
                           f"{table}.{row}: {printed} — no figure, so {', '.join(sorted(rules))} cannot be checked{after}",
                           table, row, next(iter(cells)) if len(cells) == 1 else None))
    return out


def check_cells(tables: dict) -> list[Finding]:
    """Cells whose printed text is not a clean figure: kept as printed, and said so."""
    out = []
    for table, rows in tables.items():
        for row, cells in (rows or {}).items():
            for c in cells:
                if c.kind in (UNREADABLE_VALUE, TEXT):
                    what = "not a clean figure" if c.kind == UNREADABLE_VALUE else "text where a figure is printed"
                    out.append(Finding("read.unreadable_cell", f"{table}.{row}[{c.col_key}] '{c.text[:40]}' is {what}",
                                       table, row, c.col_key))
                elif c.kind == ANNOTATED:
                    out.append(Finding("read.annotated_cell", f"{table}.{row}[{c.col_key}] '{c.text[:60]}': the "
                                       f"figure {c.number:g} carries a printed annotation", table, row, c.col_key,
                                       severity="info"))
    return out


def run_checks(tables: dict, template: Template) -> list[Finding]:
    findings: list[Finding] = check_cells(tables)
    unchecked: dict = {}
    for spec in template.tables:
        rows = tables.get(spec.name)
        if not rows:
            continue
        for eq in template.equations(spec.name, {k: len(v) for k, v in rows.items()}):
            f = check_equation(eq, tables, template, unchecked)
            if f is not None:
                findings.append(f)
    return findings + _unchecked_findings(unchecked)
