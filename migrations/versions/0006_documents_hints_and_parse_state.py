"""documents keep their hints and their parse state: what the page and the registry said (SiteIDCode,
region, list-title year), and which parser last parsed the bytes with what status — so that
`reparse` derives a crawled report with the same hints, and documents that are not reports are
recorded as parsed instead of being parsed again.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 00:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# Documents stored before this revision all have a report version: its parser and status.
BACKFILL = ("UPDATE documents SET "
            "parser_version = (SELECT v.parser_version FROM report_versions v WHERE v.document_id = documents.id), "
            "status = (SELECT v.status FROM report_versions v WHERE v.document_id = documents.id)")


COLUMNS = ('hints', 'parser_version', 'status')


# Plain ALTER TABLE on both backends (SQLite adds and drops these columns in place; a batch rebuild
# of the table would break the views that read it).
def upgrade() -> None:
    op.add_column('documents', sa.Column('hints', sa.JSON(), nullable=True))
    op.add_column('documents', sa.Column('parser_version', sa.String(length=32), nullable=True))
    op.add_column('documents', sa.Column('status', sa.String(length=32), nullable=True))
    op.execute(BACKFILL)


def downgrade() -> None:
    for name in reversed(COLUMNS):
        op.drop_column('documents', name)
