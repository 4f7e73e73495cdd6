"""Engines for both backends, and the guard that refuses a database at the wrong schema."""
from __future__ import annotations

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url

from .errors import SchemaError

__all__ = ["SchemaError", "check_schema", "current_revision", "is_empty", "make_engine", "normalise_url"]


def normalise_url(url: str) -> str:
    # `postgresql://` and `postgres://` mean psycopg2 here (SQLAlchemy 2.1 would pick psycopg 3,
    # which is not installed).
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix):]
    return url


def make_engine(url: str, *, read_only: bool = False) -> Engine:
    url = normalise_url(url)
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        engine = create_engine(url, connect_args={"timeout": 120})
        _configure_sqlite(engine, read_only)
        return engine
    if backend == "postgresql":
        connect_args = {}
        if read_only:  # keep any options the URL carries (e.g. a search_path)
            given = make_url(url).query.get("options", "")
            connect_args["options"] = f"{given} -c default_transaction_read_only=on".strip()
        return create_engine(url, connect_args=connect_args)
    return create_engine(url)


def _configure_sqlite(engine: Engine, read_only: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let SQLAlchemy (not the sqlite3 module) decide when transactions begin.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout = 120000")
        cur.execute("PRAGMA foreign_keys = ON")
        if read_only:
            cur.execute("PRAGMA query_only = ON")
        else:
            cur.execute("PRAGMA journal_mode = WAL")  # readers do not block the writer
            cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # IMMEDIATE takes the write lock up front, so two writers queue on busy_timeout instead of
        # one failing with "database is locked" when it upgrades a read lock.
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        has_table = engine.dialect.has_table(conn, "alembic_version")
        if not has_table:
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def check_schema(engine: Engine) -> None:
    """Raise SchemaError unless the database is exactly at the code's head revision."""
    from . import migrate

    rev = current_revision(engine)
    head = migrate.head_revision()
    if rev == head:
        return
    if rev is None:
        raise SchemaError(
            "database has no govreports schema yet: run `govreports db upgrade`"
        )
    if rev not in migrate.known_revisions():
        raise SchemaError(
            f"database schema {rev} is newer than this govreports (knows up to {head}): "
            "upgrade govreports"
        )
    raise SchemaError(f"database schema {rev} is older than {head}: run `govreports db upgrade`")


def is_empty(engine: Engine) -> bool:
    from sqlalchemy import inspect

    return not inspect(engine).get_table_names()
