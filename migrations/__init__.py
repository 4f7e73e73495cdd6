"""Alembic migrations of the govreports schema (see storage/migrate.py for the configuration)."""
