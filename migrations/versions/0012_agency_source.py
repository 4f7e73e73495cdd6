"""report_versions.agency_source: where the report's body (agency) was read

The agency was the first name found in the page's 发布机构, its <meta ContentSource> or its title, so
a report reposted on another body's site could be stored under the hosting site's name, and nobody
could tell a name the report prints for itself from one the page or the crawler supplied. Now each
version says where its agency was read: header (发布机构), title, signature (落款), text (its
opening sentences), list_title (the crawler's list entry), page_meta (the page's <meta>/<title>).
Versions stored before this revision keep NULL until they are parsed again (`govreports reparse`).
The `reports` view shows the column after `agency`; its SELECT is frozen here.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 08:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

REPORTS_BEFORE = """
        SELECT v.id, v.agency, v.region_code, v.year, v.template, v.status, v.version, v.body,
               v.report_key, v.title, v.publication_date, v.layout, v.parser_version, v.parsed_at,
               v.document_id, d.url, d.sha256, d.fetched_at
        FROM report_versions v JOIN documents d ON d.id = v.document_id
        WHERE v.is_latest"""

REPORTS_AFTER = """
        SELECT v.id, v.agency, v.agency_source, v.region_code, v.year, v.template, v.status, v.version,
               v.body, v.report_key, v.title, v.publication_date, v.layout, v.parser_version, v.parsed_at,
               v.document_id, d.url, d.sha256, d.fetched_at
        FROM report_versions v JOIN documents d ON d.id = v.document_id
        WHERE v.is_latest"""


# Plain ALTER TABLE on both backends (SQLite adds and drops a column in place; a batch rebuild of
# the table would break the views that read it), with the view that names the columns around it.
def upgrade() -> None:
    op.execute("DROP VIEW reports")
    op.add_column('report_versions', sa.Column('agency_source', sa.String(length=16), nullable=True))
    op.execute(f"CREATE VIEW reports AS {REPORTS_AFTER}")


def downgrade() -> None:
    op.execute("DROP VIEW reports")
    op.drop_column('report_versions', 'agency_source')
    op.execute(f"CREATE VIEW reports AS {REPORTS_BEFORE}")
