"""crawl sites: each site's verdict in each run (complete | incomplete, the reasons, the facts)

A full run compares every site with its previous full run (crawler.completeness): a site that yields
fewer reports than last time is incomplete.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 02:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('crawl_sites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('site', sa.String(length=64), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('verdict', sa.String(length=16), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('reports', sa.Integer(), nullable=False),
    sa.Column('known_entries', sa.Integer(), nullable=False),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.Column('lines', sa.Integer(), nullable=False),
    sa.Column('declared_records', sa.Integer(), nullable=True),
    sa.Column('list_pages', sa.Integer(), nullable=False),
    sa.Column('offsite_links', sa.Integer(), nullable=False),
    sa.Column('family', sa.String(length=32), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crawl_sites'))
    )
    op.create_index(op.f('ix_crawl_sites_run_id'), 'crawl_sites', ['run_id'], unique=False)
    op.create_index(op.f('ix_crawl_sites_site'), 'crawl_sites', ['site'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_crawl_sites_site'), table_name='crawl_sites')
    op.drop_index(op.f('ix_crawl_sites_run_id'), table_name='crawl_sites')
    op.drop_table('crawl_sites')
