"""Engines for both backends, and the guard that refuses a database at the wrong schema."""
from __future__ import annotations

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url

from .errors import DatabaseUnreachable, SchemaError

__all__ = ["DatabaseUnreachable", "SchemaError", "check_schema", "current_revision", "is_empty",
           "make_engine", "masked", "normalise_url", "pg_connect_args", "unreachable"]


def masked(url) -> str:
    """The URL as it may be printed: the password as ***."""
    try:
        return make_url(str(url) if not hasattr(url, "render_as_string") else url).render_as_string(
            hide_password=True)
    except Exception:  # not a URL SQLAlchemy can read: print nothing that could hold a secret
        return "<database URL>"


def unreachable(exc: BaseException, url) -> DatabaseUnreachable:
    """One line for a connection that failed: the URL (masked), the server's reason, what to check."""
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    reason = reason[0] if reason else type(exc).__name__
    low = reason.lower()
    if "does not exist" in low and "database" in low:
        hint = "check the database name in --db / $GOVREPORTS_DB (createdb NAME makes it)"
    elif "password" in low or "authentication" in low:
        hint = "check the user and password in --db / $GOVREPORTS_DB"
    elif "role" in low and "does not exist" in low:
        hint = "check the user name in --db / $GOVREPORTS_DB"
    elif "unable to open" in low:
        hint = "check the path in --db (its folder must exist and be writable)"
    else:
        hint = "check that the server runs and the host and port in --db / $GOVREPORTS_DB"
    return DatabaseUnreachable(f"cannot connect to {masked(url)}: {reason} — {hint}")


def pg_connect_args(url, *, user: str | None = None, password: str | None = None,
                    options: str = "") -> dict:
    """psycopg (3) connection keywords for a PostgreSQL URL, extra server `options` appended."""
    u = make_url(normalise_url(str(url)) if isinstance(url, str) else url)
    given = u.query.get("options", "")
    args = {"host": u.host, "port": u.port, "dbname": u.database, "user": user or u.username,
            "password": password if user else u.password, "connect_timeout": 10,
            "application_name": "govreports query",
            "options": f"{given} {options}".strip()}
    for key in ("sslmode", "sslrootcert", "sslcert", "sslkey", "host"):  # ?host= names a socket dir
        if key in u.query and not args.get(key):
            args[key] = u.query[key]
    return {k: v for k, v in args.items() if v not in (None, "")}


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
    elif backend == "postgresql":
        connect_args = {"connect_timeout": 10}
        if read_only:  # keep any options the URL carries (e.g. a search_path)
            given = make_url(url).query.get("options", "")
            connect_args["options"] = f"{given} -c default_transaction_read_only=on".strip()
        engine = create_engine(url, connect_args=connect_args)
    else:
        engine = create_engine(url)
    _name_connection_failures(engine)
    return engine


def _name_connection_failures(engine: Engine) -> None:
    """A connection that cannot be made raises DatabaseUnreachable (one line, password masked)
    instead of the driver's traceback."""

    @event.listens_for(engine, "handle_error")
    def _on_error(context):
        if context.connection is None and context.statement is None:  # while connecting
            return unreachable(context.original_exception, engine.url)
        return None


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
