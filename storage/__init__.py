"""Storage layer: the relational dataset of parsed reports (SQLAlchemy 2.x, Alembic migrations).

Data flows crawler -> raw document archive -> parsers -> storage; this package knows SQLAlchemy
and nothing of the crawler.
"""
