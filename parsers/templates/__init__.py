"""Template plugins: the one place templates are registered.

To add a template: write one module with a ``TEMPLATE = Template(...)`` (see base.py for what it
provides) and list it in TEMPLATES below.  Nothing else in the project names a template.
"""
import functools
from dataclasses import replace

from . import t2016, t2019, t2021
from .base import (TABLE3_COLUMNS, TABLE4_BLOCKS, TABLE4_COLUMNS, TOTALS_FIELDS, ColumnBalance,  # noqa: F401
                   ColumnTotal, RowSpec, RowTotal, TableSpec, Template, TotalsSpec)

TEMPLATES: tuple[Template, ...] = (t2019.TEMPLATE, t2021.TEMPLATE, t2016.TEMPLATE)


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


def undecided(labels: list[str]) -> tuple[Template, ...]:
    """The templates the tables might follow when detect() cannot tell (a tie, or no template's
    own words printed, as in an excerpt that shows only rows every template shares)."""
    scored = [(t.score(labels), t) for t in TEMPLATES]
    best = max(score for score, _ in scored)
    tied = [t for score, t in scored if score == best]
    # Only versions of one form (the same tables) can be read for what they print alike.
    forms: dict[tuple[str, ...], list[Template]] = {}
    for t in tied:
        forms.setdefault(t.table_names, []).append(t)
    return next((tuple(ts) for ts in forms.values() if len(ts) > 1), ())


@functools.lru_cache(maxsize=16)
def common(candidates: tuple[Template, ...]) -> Template:
    """A template of what every candidate prints alike: the tables they all have, the rows of the
    same key and columns in each, and the rules over those rows.  Reading with it yields only
    cells that are the same whichever candidate the document follows."""
    first, rest = candidates[0], candidates[1:]
    tables = []
    for spec in first.tables:
        others = [next((x for x in t.tables if x.name == spec.name), None) for t in rest]
        if any(o is None for o in others):
            continue
        rows = tuple(r for r in spec.rows if all(any(o.key == r.key and o.columns == r.columns for o in other.rows)
                                                 for other in others))
        if rows:
            tables.append(replace(spec, rows=rows))
    keys = {(t.name, r.key) for t in tables for r in t.rows}

    def applies(rule) -> bool:
        if isinstance(rule, RowTotal):
            return any(t.name == rule.table for t in tables)
        rows = rule.parts + (rule.total,) if isinstance(rule, ColumnTotal) else rule.left + rule.right
        return all((rule.table, k) in keys for k in rows)

    rules = tuple(r for r in first.rules if applies(r))
    return replace(first, name="/".join(t.name for t in candidates), tables=tuple(tables), markers=(), rules=rules,
                   alternatives={}, totals=None)


def application_totals(template: str | None, cells) -> dict | None:
    """Storage's totals row (TOTALS_FIELDS) for a report on `template`, from its
    (table, row key, column key, number) cells; None where the template has none."""
    t = by_name(template)
    return t.application_totals(cells) if t is not None else None


def totals_sources() -> dict[str, tuple[str, str, dict[str, tuple[str, ...]]]]:
    """{template name: (table, column key, {field: row keys})} for every template with totals,
    for recomputing the totals rows in SQL."""
    return {t.name: (t.totals.table, t.totals.col_key, dict(t.totals.fields)) for t in TEMPLATES if t.totals}
