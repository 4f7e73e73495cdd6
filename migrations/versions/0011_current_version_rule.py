"""current version of a body-year by a rule, not by arrival order

A body-year with several documents (a page and its text dump, a reprint elsewhere, a corrected
republication) showed in `reports` the version stored last, so which copy analysts saw depended on
the order of the crawl. Now the current version (`is_latest`) is the first of its body-year by this
order (storage/store.py CURRENT_ORDER, frozen here): status (ok, needs_review, unknown_template,
pre_template, over_limit, unreadable, any other), fewer flagged cells (ambiguous or unreadable),
fewer failed checks (findings of severity error), more cells, the later publication date (none
last), the smallest document sha256. No schema change: is_latest is recomputed for every row.
Downgrade restores the old rule (the highest version).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 04:00:00
"""
from __future__ import annotations

from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

CURRENT_ORDER = (
    "CASE c.status WHEN 'ok' THEN 0 WHEN 'needs_review' THEN 1 WHEN 'unknown_template' THEN 2 "
    "WHEN 'pre_template' THEN 3 WHEN 'over_limit' THEN 4 WHEN 'unreadable' THEN 5 ELSE 6 END, "
    "(SELECT COUNT(*) FROM figures f WHERE f.report_id = c.id AND (f.ambiguous OR f.kind = 'unreadable')), "
    "(SELECT COUNT(*) FROM findings x WHERE x.report_id = c.id AND x.severity = 'error'), "
    "(SELECT COUNT(*) FROM figures f WHERE f.report_id = c.id) DESC, "
    "c.publication_date IS NULL, c.publication_date DESC, "
    "d.sha256"
)

RECOMPUTE = (
    "UPDATE report_versions SET is_latest = (id = ("
    "SELECT c.id FROM report_versions c JOIN documents d ON d.id = c.document_id "
    f"WHERE c.report_key = report_versions.report_key ORDER BY {CURRENT_ORDER} LIMIT 1))"
)

HIGHEST_VERSION = (
    "UPDATE report_versions SET is_latest = (version = ("
    "SELECT MAX(v.version) FROM report_versions v WHERE v.report_key = report_versions.report_key))"
)


def upgrade() -> None:
    op.execute(RECOMPUTE)


def downgrade() -> None:
    op.execute(HIGHEST_VERSION)
