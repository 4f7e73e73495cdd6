"""`govreports query`: one statement that can only read, bounded in time and rows, streamed out.

Read-only by construction, not by inspecting the text:
- PostgreSQL: the session logs in as a role that can read and nothing else (storage.reader: not a
  superuser, no server-file, program or signal roles, no write or CREATE privilege), starts with
  `default_transaction_read_only`, opens a READ ONLY transaction that has already taken its
  snapshot (so it cannot be switched to read-write), and sends the statement alone through the
  extended protocol, where a second statement cannot exist. statement_timeout on the server and a
  cancel from here bound its time; rows are streamed one by one and the query cancelled at the
  row limit.
- SQLite: a `mode=ro` connection, an authorizer that allows only reading, the sqlite3 module's one
  statement per call, a progress handler that stops the statement at its time limit, caps on the
  length of a value and on attached databases, and rows streamed out.
"""
from __future__ import annotations

import csv
import json
import math
import sqlite3
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Iterator
from urllib.parse import quote

from sqlalchemy.engine import make_url

from .db import normalise_url, pg_connect_args, unreachable
from .errors import QueryError, QueryRefused, QueryTimeout
from .reader import DEFAULT_ROLE, privileges

__all__ = ["Limits", "QueryError", "QueryRefused", "QueryTimeout", "Result", "open_query", "plain",
           "run", "write"]

CANCEL_GRACE = 2.0  # seconds past the server's statement_timeout before this side cancels


@dataclass(frozen=True)
class Limits:
    timeout: float = 30.0  # seconds for the whole statement, rows included
    max_rows: int = 10_000  # rows printed; the statement is stopped past them
    max_value_bytes: int = 16 * 2**20  # SQLite: the longest string or blob a statement may make


class Result:
    """Columns, then rows as the database hands them over; `truncated` once the limit was hit."""

    def __init__(self, columns: list[str], rows: Iterator[tuple], max_rows: int):
        self.columns = columns
        self._rows = rows
        self._max = max_rows
        self.truncated = False
        self.count = 0

    def __iter__(self) -> Iterator[tuple]:
        for row in self._rows:
            if self.count >= self._max:
                self.truncated = True
                return
            self.count += 1
            yield row


@contextmanager
def open_query(url: str, sql: str, limits: Limits = Limits(), *, role: str | None = None,
               role_password: str | None = None) -> Iterator[Result]:
    """Run one read-only statement; iterate the Result inside the `with` block."""
    u = make_url(normalise_url(url))
    if u.get_backend_name() == "sqlite":
        cm = _sqlite(u, sql, limits)
    elif u.get_backend_name() == "postgresql":
        cm = _postgresql(u, sql, limits, role or DEFAULT_ROLE, role_password)
    else:
        raise QueryError(f"query runs on SQLite and PostgreSQL, not {u.get_backend_name()}")
    with cm as result:
        yield result


def run(url: str, sql: str, limits: Limits = Limits(), **kw) -> tuple[list[str], list[tuple], bool]:
    """Columns, rows (at most limits.max_rows) and whether more rows were cut off."""
    with open_query(url, sql, limits, **kw) as result:
        rows = list(result)
        return result.columns, rows, result.truncated


# ------------------------------------------------------------------ SQLite

_SQLITE_READ = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_RECURSIVE}
_SQLITE_DENIED_FUNCTIONS = {"load_extension", "fts3_tokenizer", "readfile", "writefile", "edit"}
# Pragmas that only report, whatever their argument (a table's name) — as statements or as
# table-valued functions — and pragmas that report when given no value (a value would set them).
_SQLITE_REPORTING_PRAGMAS = {"table_info", "table_xinfo", "table_list", "index_list", "index_info",
                             "index_xinfo", "foreign_key_list", "function_list", "pragma_list",
                             "collation_list", "database_list", "compile_options"}
_SQLITE_VALUE_PRAGMAS = {"user_version", "schema_version", "page_count", "page_size", "encoding"}


def _sqlite_authorizer(action, arg1, arg2, _db, _trigger):
    if action in _SQLITE_READ:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_FUNCTION:
        return sqlite3.SQLITE_DENY if (arg2 or "").lower() in _SQLITE_DENIED_FUNCTIONS else sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_PRAGMA:
        name = (arg1 or "").lower()
        if name in _SQLITE_REPORTING_PRAGMAS or (name in _SQLITE_VALUE_PRAGMAS and arg2 is None):
            return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


@contextmanager
def _sqlite(u, sql: str, limits: Limits):
    if not u.database or u.database == ":memory:":
        raise QueryError("query needs a database file (--db sqlite:///PATH)")
    path = Path(u.database).resolve()
    if not path.exists():
        raise QueryError(f"no database at {path}: run `govreports ingest PATH` first (or give --db)")
    try:
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, isolation_level=None,
                               check_same_thread=False)
    except sqlite3.Error as exc:
        raise unreachable(exc, u) from None
    try:
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, limits.max_value_bytes)
        conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
        conn.set_authorizer(_sqlite_authorizer)
        deadline = time.monotonic() + limits.timeout
        conn.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 10_000)
        try:
            cur = conn.execute(sql)
        except (sqlite3.Error, sqlite3.Warning) as exc:
            raise _sqlite_error(exc, limits) from None
        if cur.description is None:  # a statement that returns nothing reads nothing either
            raise QueryRefused("query refused: the statement returns no rows (give a SELECT)")
        columns = [d[0] for d in cur.description]

        def rows():
            try:
                while batch := cur.fetchmany(500):
                    yield from batch
            except (sqlite3.Error, sqlite3.Warning) as exc:
                raise _sqlite_error(exc, limits) from None

        yield Result(columns, rows(), limits.max_rows)
    finally:
        conn.close()


def _sqlite_error(exc: Exception, limits: Limits) -> QueryError:
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    low = msg.lower()
    if "interrupted" in low:
        return QueryTimeout(f"query stopped: it ran longer than its time limit ({limits.timeout:g} s, "
                            "--timeout)")
    if "one statement at a time" in low:
        return QueryRefused("query refused: give one SQL statement at a time")
    if "not authorized" in low or "readonly" in low or "read-only" in low:
        return QueryRefused("query refused: `govreports query` only reads (the database is opened "
                            f"read-only: {msg}); use `govreports ingest` / `reparse` to change data")
    if "too big" in low:
        return QueryError(f"query stopped: a value longer than {limits.max_value_bytes} bytes ({msg})")
    return QueryError(f"SQL error: {msg}")


# ------------------------------------------------------------------ PostgreSQL

@contextmanager
def _postgresql(u, sql: str, limits: Limits, role: str, role_password: str | None):
    import psycopg

    ms = max(1, int(limits.timeout * 1000))
    options = (f"-c default_transaction_read_only=on -c statement_timeout={ms} "
               f"-c idle_in_transaction_session_timeout={ms + 5000} -c lock_timeout={ms}")
    conn = _pg_connect(u, options=options)
    try:
        found = privileges(conn)
        if found:  # the URL's role could write: run as the read-only role instead
            given = conn.info.user
            conn.close()
            conn = None
            try:
                conn = _pg_connect(u, options=options, user=role, password=role_password)
            except QueryError as exc:
                raise QueryRefused(
                    f"query refused: role {given} can do more than read ({', '.join(found[:3])}), and "
                    f"the read-only role {role} cannot log in ({exc}); create it once with "
                    f"`govreports db reader` (see docs/reliability.md) or give a reader's URL with "
                    "--db") from None
            found = privileges(conn)
            if found:
                raise QueryRefused(f"query refused: the read-only role {role} can do more than read "
                                   f"({', '.join(found[:3])}); run `govreports db reader --role {role}` "
                                   "to take those rights away")
        try:
            conn.execute("BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            conn.execute("SELECT 1")  # the snapshot is taken: the transaction stays read-only
        except psycopg.Error as exc:
            raise _pg_error(exc, limits) from None
        watchdog = threading.Timer(limits.timeout + CANCEL_GRACE, _cancel, (conn,))
        watchdog.daemon = True
        watchdog.start()
        try:
            cur = conn.cursor()
            stream = cur.stream(sql)  # extended protocol: exactly one statement
            try:
                first = next(stream, None)
            except psycopg.Error as exc:
                raise _pg_error(exc, limits) from None
            if cur.description is not None:
                columns = [d.name for d in cur.description]
            else:
                # A stream that ended cleanly before any row was a query with no rows (a statement
                # that returns none raised above); psycopg keeps no description then: ask the
                # server for the statement's columns without running it again.
                columns = _pg_columns(conn, sql)

            def rows():
                try:
                    if first is not None:
                        yield first
                        yield from stream
                except psycopg.Error as exc:
                    raise _pg_error(exc, limits) from None
                finally:
                    stream.close()

            yield Result(columns, rows(), limits.max_rows)
        finally:
            watchdog.cancel()
    finally:
        if conn is not None:
            conn.close()  # never committed: whatever the statement did is rolled back


def _pg_connect(u, *, options: str, user: str | None = None, password: str | None = None):
    import psycopg

    try:
        return psycopg.connect(autocommit=True, **pg_connect_args(u, user=user, password=password,
                                                                   options=options))
    except psycopg.OperationalError as exc:
        shown = u.set(username=user, password=None) if user else u
        raise QueryError(str(unreachable(exc, shown))) from None


def _pg_columns(conn, sql: str) -> list[str]:
    import psycopg

    pgconn = conn.pgconn
    res = pgconn.prepare(b"", sql.encode(conn.info.encoding))
    if res.status != psycopg.pq.ExecStatus.COMMAND_OK:
        raise QueryError(f"SQL error: {res.error_message.decode(errors='replace').strip()}")
    desc = pgconn.describe_prepared(b"")
    if desc.status != psycopg.pq.ExecStatus.COMMAND_OK or desc.nfields == 0:
        raise QueryRefused("query refused: the statement returns no rows (give a SELECT)")
    return [desc.fname(i).decode() for i in range(desc.nfields)]


def _cancel(conn) -> None:
    try:
        conn.cancel_safe(timeout=5)
    except Exception:  # the connection is gone already: nothing runs
        pass


def _pg_error(exc: Exception, limits: Limits) -> QueryError:
    from psycopg import errors

    msg = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if isinstance(exc, (errors.QueryCanceled, errors.IdleInTransactionSessionTimeout)):
        return QueryTimeout(f"query stopped: it ran longer than its time limit ({limits.timeout:g} s, "
                            "--timeout)")
    if isinstance(exc, errors.ReadOnlySqlTransaction):
        return QueryRefused(f"query refused: `govreports query` only reads ({msg}); use "
                            "`govreports ingest` / `reparse` to change data")
    if isinstance(exc, errors.InsufficientPrivilege):
        return QueryRefused(f"query refused: the read-only role may not do this ({msg})")
    if "COPY cannot be used with this method" in msg:
        return QueryRefused("query refused: COPY is not a query (`govreports export` writes tables to "
                            "files)")
    if "didn't produce a result" in msg:  # COMMIT, SET…: nothing to read
        return QueryRefused("query refused: the statement returns no rows (give a SELECT)")
    if "cannot insert multiple commands" in msg:
        return QueryRefused("query refused: give one SQL statement at a time")
    if isinstance(exc, errors.ConfigurationLimitExceeded):  # temp_file_limit
        return QueryError(f"query stopped: {msg}")
    return QueryError(f"SQL error: {msg}")


# ------------------------------------------------------------------ output

def plain(value):
    """A value as it should print: whole floats without '.0', dates in ISO form, numbers too large
    for a float as their digits (never Infinity)."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return int(value) if value.is_integer() else value
    if isinstance(value, Decimal):
        if not value.is_finite():
            return str(value)
        if value == value.to_integral_value():
            return int(value)
        f = float(value)
        return f if math.isfinite(f) and Decimal(repr(f)) == value else str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    return value


def write(result: Result, fmt: str, out: IO[str] = sys.stdout) -> int:
    """Print the rows as they arrive (a table is laid out once the last row is in); returns the
    number printed."""
    if fmt == "csv":
        w = csv.writer(out, lineterminator="\n")
        w.writerow(result.columns)
        for r in result:
            w.writerow(["" if v is None else plain(v) for v in r])
    elif fmt == "json":
        out.write("[")
        for i, r in enumerate(result):
            out.write(",\n" if i else "\n")
            out.write(json.dumps(dict(zip(result.columns, map(plain, r))), ensure_ascii=False,
                                 allow_nan=False, default=str))
        out.write("\n]\n" if result.count else "]\n")
    else:
        from rich.console import Console
        from rich.table import Table

        rows = [["" if v is None else str(plain(v)) for v in r] for r in result]
        n = len(rows)
        caption = f"{n} row{'s' if n != 1 else ''}" + (" (more cut off: --max-rows)" if result.truncated else "")
        table = Table(show_lines=False, caption=caption)
        for c in result.columns:
            table.add_column(c, overflow="fold")
        for r in rows:
            table.add_row(*r)
        Console(file=out, width=200 if not out.isatty() else None).print(table)
    return result.count
