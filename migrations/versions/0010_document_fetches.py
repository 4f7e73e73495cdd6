"""document fetches: every URL that delivered a document's bytes, with that fetch's own metadata

The same bytes under several URLs were one `documents` row keeping the first fetch's URL and
metadata, while the report could come from another fetch's parse. Now each URL is a row of its own
(site, fetched at, HTTP status / type / ETag / Last-Modified, hints), and `documents` carries the
primary fetch's (storage.fetches.primary), the one the report is parsed from. Existing documents
get one fetch each: the metadata they kept.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 03:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

BACKFILL = ("INSERT INTO document_fetches (document_id, url, site_id, fetched_at, last_fetched_at, http_status, "
            "content_type, encoding, etag, last_modified, hints, recorded_at) "
            "SELECT id, COALESCE(url, ''), site_id, fetched_at, fetched_at, http_status, content_type, encoding, "
            "etag, last_modified, hints, stored_at FROM documents")


def upgrade() -> None:
    op.create_table('document_fetches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_fetched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('http_status', sa.Integer(), nullable=True),
    sa.Column('content_type', sa.String(length=255), nullable=True),
    sa.Column('encoding', sa.String(length=64), nullable=True),
    sa.Column('etag', sa.String(length=255), nullable=True),
    sa.Column('last_modified', sa.String(length=64), nullable=True),
    sa.Column('hints', sa.JSON(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_document_fetches_document_id_documents'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_document_fetches_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_fetches')),
    sa.UniqueConstraint('document_id', 'url', name='uq_document_fetches_document_url')
    )
    op.create_index(op.f('ix_document_fetches_site_id'), 'document_fetches', ['site_id'], unique=False)
    op.execute(BACKFILL)


def downgrade() -> None:
    op.drop_index(op.f('ix_document_fetches_site_id'), table_name='document_fetches')
    op.drop_table('document_fetches')
