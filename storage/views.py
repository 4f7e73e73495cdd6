"""The wide views a template asks for: one row per report, a column per printed cell of a table.

A template's table that names a view (TableSpec.wide) gets one: column `<row>` for the row's first
column (its year figure) and `<row>_<column>` for the others, each the number printed there (NULL
where nothing was printed or the cell holds no number; the printed text stays in `figures`).
Each column is a scalar subquery on the figures' primary key, anchored on the report, without
GROUP BY, so that a join reaches into the view (migration 0003 explains why).

This module writes the SQL; migrations freeze it (a migration never imports live code), and a test
checks that the newest frozen SQL is what the templates ask for today.
"""
from __future__ import annotations

from parsers.templates import TEMPLATES, TableSpec


def column_name(spec_columns: tuple[str, ...], row: str, col_key: str) -> str:
    return row if col_key == spec_columns[0] else f"{row}_{col_key}"


def wide_view_sql(table: TableSpec) -> str:
    """SELECT of the table's wide view, one line per column (plain SQL for SQLite and PostgreSQL)."""
    name = table.name
    columns = []
    for spec in table.rows:
        for col_key in spec.columns:
            columns.append(
                f"  (SELECT MAX(c.number) FROM figures c WHERE c.report_id = a.report_id AND c.table_name = '{name}' "
                f"AND c.row_key = '{spec.key}' AND c.col_key = '{col_key}') AS {column_name(spec.columns, spec.key, col_key)}")
    return ("SELECT a.report_id,\n" + ",\n".join(columns) + "\n"
            "FROM (SELECT v.id AS report_id FROM report_versions v WHERE EXISTS "
            f"(SELECT 1 FROM figures f WHERE f.report_id = v.id AND f.table_name = '{name}')) a")


def template_views() -> dict[str, str]:
    """{view name: SELECT} for every template table that asks for a wide view."""
    out: dict[str, str] = {}
    for template in TEMPLATES:
        for table in template.tables:
            if table.wide and table.wide not in out:
                out[table.wide] = wide_view_sql(table)
    return out
