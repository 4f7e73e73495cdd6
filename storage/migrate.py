"""Alembic, configured in code so it works from any working directory and when installed.

Schema changes run under a lock: on PostgreSQL an advisory lock held by the migrating transaction,
on SQLite the write lock its transaction takes first (BEGIN IMMEDIATE, storage.db). Several first
runs at once on an empty database (parse workers, ingests started together) therefore create the
schema once: the others wait, and then find it made."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

import migrations

from .db import check_schema, current_revision, is_empty, make_engine, normalise_url

MIGRATIONS_DIR = Path(migrations.__file__).resolve().parent


def alembic_config(url: str | None = None) -> Config:
    cfg = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    return _script().get_current_head()


def known_revisions() -> set[str]:
    return {s.revision for s in _script().walk_revisions()}


SCHEMA_LOCK = 0x676F7672  # the advisory lock key of schema changes on PostgreSQL ("govr")


def _run(url: str, fn, *args) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # released when this transaction ends
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({SCHEMA_LOCK})")
            cfg = alembic_config(url)
            cfg.attributes["connection"] = conn
            fn(cfg, *args)
    finally:
        engine.dispose()


def upgrade(url: str, revision: str = "head") -> None:
    _run(url, command.upgrade, revision)


def downgrade(url: str, revision: str = "-1") -> None:
    _run(url, command.downgrade, revision)


def create_if_empty(engine, url: str) -> None:
    """Create the schema in an empty database (nothing to lose there), then refuse any database
    not at the code's schema (storage.db.SchemaError, with the fix named). Safe to call from
    several processes at once: the first creates it, the others wait for it under the lock."""
    if current_revision(engine) is None and is_empty(engine):
        upgrade(url)
    check_schema(engine)
