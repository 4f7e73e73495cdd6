"""Template plugins: the one place templates are registered.

To add a template: write one module with a ``TEMPLATE = Template(...)`` (see base.py for what it
provides) and list it in TEMPLATES below.  Nothing else in the project names a template.
"""
from . import t2019, t2021
from .base import (TABLE3_COLUMNS, TABLE4_BLOCKS, TABLE4_COLUMNS, TOTALS_FIELDS, ColumnBalance,  # noqa: F401
                   ColumnTotal, RowSpec, RowTotal, TableSpec, Template, TotalsSpec)

TEMPLATES: tuple[Template, ...] = (t2019.TEMPLATE, t2021.TEMPLATE)


def by_name(name: str | None) -> Template | None:
    return next((t for t in TEMPLATES if t.name == name), None)


def detect(labels: list[str]) -> Template | None:
    """Pick the template whose own header words and row labels the tables print; None if none
    does, or if two print as many."""
    scored = sorted(((t.score(labels), t) for t in TEMPLATES), key=lambda x: -x[0])
    best_score, best = scored[0]
    if best_score == 0 or (len(scored) > 1 and scored[1][0] == best_score):
        return None
    return best


def application_totals(template: str | None, cells) -> dict | None:
    """Storage's totals row (TOTALS_FIELDS) for a report on `template`, from its
    (table, row key, column key, number) cells; None where the template has none."""
    t = by_name(template)
    return t.application_totals(cells) if t is not None else None


def totals_sources() -> dict[str, tuple[str, str, dict[str, tuple[str, ...]]]]:
    """{template name: (table, column key, {field: row keys})} for every template with totals,
    for recomputing the totals rows in SQL."""
    return {t.name: (t.totals.table, t.totals.col_key, dict(t.totals.fields)) for t in TEMPLATES if t.totals}
