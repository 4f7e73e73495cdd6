"""The template's own arithmetic (勾稽关系), recorded as findings. A finding never changes a figure.

The rules are the template's (Template.rules); this module only evaluates them over the cells read.
"""
from __future__ import annotations

from .record import NUMBER, ZERO, Cell, Finding
from .templates import Template
from .templates.base import Equation

_TOL = 1e-6


def number_of(cell: Cell | None):
    if cell is None or cell.kind not in (NUMBER, ZERO) or cell.number is None:
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


def check_equation(eq: Equation, tables: dict) -> Finding | None:
    table = eq.rule.table
    left, right = _cells(tables, table, eq.left), _cells(tables, table, eq.right)
    if left is None or right is None:
        return None  # a row or cell not printed: the missing rows are a finding of their own
    lv, rv = [number_of(c) for c in left], [number_of(c) for c in right]
    if None in lv or None in rv:
        return None
    if abs(sum(lv) - sum(rv)) <= _TOL:
        return None
    return Finding(eq.rule.rule, eq.message(sum(lv), sum(rv)), table, eq.row, eq.col, sum(lv), sum(rv))


def run_checks(tables: dict, template: Template) -> list[Finding]:
    findings: list[Finding] = []
    for spec in template.tables:
        rows = tables.get(spec.name)
        if not rows:
            continue
        for eq in template.equations(spec.name, {k: len(v) for k, v in rows.items()}):
            f = check_equation(eq, tables)
            if f is not None:
                findings.append(f)
    return findings
