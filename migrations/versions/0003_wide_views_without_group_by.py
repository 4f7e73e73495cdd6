"""wide views without GROUP BY, so that joins reach into them

The 0001/0002 wide views aggregated figures with GROUP BY; PostgreSQL cannot push a join condition
(`t.report_id = r.id`) into a grouped view, so joining one report's table 3 aggregated all
17 million figures (12 s at 100,000 reports). Here each wide row is anchored on one figure (or the
report) and each column is a scalar subquery on the figures' primary key: a join touches only the
rows it needs. MAX() keeps one value per cell should a row repeat a column key.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 06:20:00
"""
from __future__ import annotations

from importlib import import_module

from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

_T3_COLS = ("natural_person", "commercial", "research", "social_org", "legal_service", "other", "total")
_T4_BLOCKS = ("review", "litigation_direct", "litigation_after_review")
_T4_COLS = ("upheld", "corrected", "other", "pending", "total")


def _cell(table: str, what: str, row: str, col_cond: str) -> str:
    return (f"(SELECT MAX(c.{what}) FROM figures c WHERE c.report_id = a.report_id "
            f"AND c.table_name = '{table}' AND c.row_key = {row} AND {col_cond})")


VIEWS = {
    "table2_wide": "SELECT a.report_id, a.row_key, a.row_pos, "
    + ", ".join(f"{_cell('table2', 'number', 'a.row_key', f'c.col = {i}')} AS value_{i + 1}" for i in range(3))
    + ", "
    + ", ".join(f"{_cell('table2', 'text', 'a.row_key', f'c.col = {i}')} AS text_{i + 1}" for i in range(3))
    + " FROM figures a WHERE a.table_name = 'table2' AND a.col = 0",
    "table3_wide": "SELECT a.report_id, a.row_key, a.row_pos, "
    + ", ".join(f"{_cell('table3', 'number', 'a.row_key', f'c.col_key = {chr(39)}{k}{chr(39)}')} AS {k}"
                for k in _T3_COLS)
    + " FROM figures a WHERE a.table_name = 'table3' AND a.col = 0",
    "table4_wide": "SELECT a.report_id, "
    + ", ".join(_cell('table4', 'number', f"'{b}'", f"c.col_key = '{k}'") + f" AS {b}_{k}"
                for b in _T4_BLOCKS for k in _T4_COLS)
    + " FROM (SELECT v.id AS report_id FROM report_versions v WHERE EXISTS "
    "(SELECT 1 FROM figures f WHERE f.report_id = v.id AND f.table_name = 'table4')) a",
}


def upgrade() -> None:
    for name, sql in VIEWS.items():
        op.execute(f"DROP VIEW {name}")
        op.execute(f"CREATE VIEW {name} AS {sql}")


def downgrade() -> None:
    before = {**import_module("migrations.versions.0001_initial_schema").VIEWS,
              **import_module("migrations.versions.0002_application_totals_table").VIEWS}
    for name in VIEWS:
        op.execute(f"DROP VIEW {name}")
        op.execute(f"CREATE VIEW {name} AS {before[name]}")
