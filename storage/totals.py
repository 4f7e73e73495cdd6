"""Storage's totals row per report (the `application_totals` table), as each template defines it.

Derived from the stored figures at write time, because answering "how many applications, how many
refused" from 26 cells x every report on each query is too slow at national scale. Which figures sum
to which field is the template's knowledge (parsers: application_totals, totals_sources); storage
only writes the rows. The printed figures stay the source: reparse and every write recompute them.
"""
from __future__ import annotations

from parsers import TOTALS_FIELDS, application_totals, totals_sources  # noqa: F401


def _in(keys) -> str:
    return "(" + ", ".join(f"'{k}'" for k in keys) + ")"


def fill_sql(where: str = "") -> str:
    """INSERT ... SELECT recomputing the rows from figures (bulk loads): one SELECT per template
    over the figures of reports on that template."""
    selects = []
    for template, (table, col_key, fields) in totals_sources().items():
        rows = sorted({k for keys in fields.values() for k in keys})
        cols = ", ".join(f"SUM(CASE WHEN f.row_key IN {_in(fields[name])} THEN f.number END)" if fields.get(name)
                         else "NULL" for name in TOTALS_FIELDS)
        selects.append(
            f"SELECT f.report_id, {cols} FROM figures f JOIN report_versions v ON v.id = f.report_id "
            f"WHERE v.template = '{template}' AND f.table_name = '{table}' AND f.col_key = '{col_key}' "
            f"AND f.row_key IN {_in(rows)}{f' AND ({where})' if where else ''} GROUP BY f.report_id")
    return f"INSERT INTO application_totals (report_id, {', '.join(TOTALS_FIELDS)}) " + " UNION ALL ".join(selects)
