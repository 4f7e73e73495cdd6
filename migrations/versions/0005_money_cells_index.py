"""money cells index: table 2's amount cells with the columns a listing shows

PostgreSQL misjudges how many figures are money cells (their keys are correlated) and read them
all from the table before filtering; a small partial index lets it read them from the index alone.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 07:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

MONEY_CELLS = "table_name = 'table2' AND col_key = 'amount'"


def upgrade() -> None:
    with op.batch_alter_table('figures', schema=None) as batch_op:
        batch_op.create_index('ix_figures_money',
                              ['row_key', 'report_id', 'text', 'number', 'unit', 'amount_wan'],
                              unique=False, postgresql_where=sa.text(MONEY_CELLS),
                              sqlite_where=sa.text(MONEY_CELLS))


def downgrade() -> None:
    with op.batch_alter_table('figures', schema=None) as batch_op:
        batch_op.drop_index('ix_figures_money')
