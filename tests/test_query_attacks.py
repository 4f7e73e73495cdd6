"""Attacks on `govreports query`, on real SQLite and real PostgreSQL: stacked statements hidden in
comments and dollar quotes, transaction control, COPY, server file and program functions, session
control, sleeps, endless and enormous results. Each must change nothing, run nothing outside the
database, and stop within its limits."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from storage import migrate
from storage.archive import Archive
from storage.db import make_engine
from storage.ingest import ingest_paths
from storage.query import Limits, QueryError, QueryRefused, QueryTimeout, open_query, run

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "samples" / "reports"
PG_URL = os.environ.get("GOVREPORTS_TEST_PG", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
TIMEOUT = 2.0
LIMITS = Limits(timeout=TIMEOUT, max_rows=50)


@pytest.fixture(scope="module")
def pg_base():
    try:
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {exc}")
    name = f"govreports_attack_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def target(request, tmp_path_factory, query_role):
    """A database holding the five seed reports; the owner's URL (query must not use its rights)."""
    tmp = tmp_path_factory.mktemp(f"attack-{request.param}")
    url = (f"sqlite:///{tmp / 'govreports.db'}" if request.param == "sqlite"
           else request.getfixturevalue("pg_base"))
    migrate.upgrade(url)
    engine = make_engine(url)
    ingest_paths(engine, Archive(tmp / "archive"), [SEEDS], progress=False)
    engine.dispose()
    if request.param == "postgresql":
        query_role.grant(url)
    return url


def fingerprint(url: str) -> dict:
    """Every table's row count and a digest of the figures and statuses: any change shows."""
    engine = make_engine(url)
    with engine.connect() as conn:
        names = ("documents", "report_versions", "figures", "findings", "report_sections", "sites",
                 "runs" if engine.dialect.has_table(conn, "runs") else "documents")
        out = {n: conn.execute(text(f"SELECT COUNT(*) FROM {n}")).scalar() for n in names}
        out["figures_sum"] = conn.execute(text("SELECT SUM(COALESCE(number, 0)) FROM figures")).scalar()
        out["statuses"] = sorted(tuple(r) for r in conn.execute(
            text("SELECT status, year, agency FROM report_versions")))
        if engine.dialect.name == "postgresql":
            out["large_objects"] = conn.execute(text("SELECT COUNT(*) FROM pg_largeobject_metadata")).scalar()
            out["roles"] = conn.execute(text("SELECT COUNT(*), COUNT(*) FILTER (WHERE rolsuper) "
                                             "FROM pg_roles")).fetchone()[:]
    engine.dispose()
    return out


def attempt(url, sql, limits=LIMITS):
    """('ok', rows, truncated) or (error class name, message, None), and the seconds it took."""
    t0 = time.monotonic()
    try:
        columns, rows, truncated = run(url, sql, limits, role=os.environ["GOVREPORTS_QUERY_ROLE"])
        outcome = ("ok", rows, truncated)
    except QueryError as exc:
        outcome = (type(exc).__name__, str(exc), None)
    return outcome, time.monotonic() - t0


def _probe(tmp: Path) -> Path:
    """A path the database server's OS user may write (a file appearing there means a breach)."""
    tmp.mkdir(parents=True, exist_ok=True)
    os.chmod(tmp, 0o777)
    return tmp / f"breach-{uuid.uuid4().hex[:8]}"


# Statements that must be refused on both backends.
WRITES = [
    "DELETE FROM figures",
    "UPDATE report_versions SET status = 'ok'",
    "INSERT INTO sites (name) VALUES ('x')",
    "DROP VIEW reports",
    "CREATE TABLE evil (a int)",
    "SELECT 1; DELETE FROM figures",
    "SELECT 1 /* ' */; DELETE FROM figures",
    "/* ; ' */ SELECT '--'; DELETE FROM figures; -- '",
    "SELECT 1 -- '\n; UPDATE report_versions SET status = 'ok'",
    "COMMIT; BEGIN; DELETE FROM figures; COMMIT",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
]

PG_ONLY = [
    "SELECT $$;'$$; DELETE FROM figures",
    "SELECT $a$ $$ ; $a$; DELETE FROM figures; SELECT $a$",
    "COMMIT; BEGIN READ WRITE; DELETE FROM figures; COMMIT",
    "SET TRANSACTION READ WRITE",
    "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
    "SELECT set_config('transaction_read_only', 'off', false), (SELECT COUNT(*) FROM figures)",
    "SELECT set_config('default_transaction_read_only', 'off', false)",
    "WITH gone AS (DELETE FROM figures RETURNING 1) SELECT COUNT(*) FROM gone",
    "WITH up AS (UPDATE report_versions SET status = 'ok' RETURNING 1) SELECT COUNT(*) FROM up",
    "DO $$BEGIN DELETE FROM figures; END$$",
    "CREATE FUNCTION evil() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "ALTER ROLE CURRENT_USER SUPERUSER",
    "GRANT pg_write_server_files TO CURRENT_USER",
    "SET ROLE postgres",
    "SET SESSION AUTHORIZATION postgres",
    "LOCK TABLE figures IN ACCESS EXCLUSIVE MODE",
    "TRUNCATE figures",
    "VACUUM FULL figures",
    "COPY figures FROM '/etc/hostname'",
    "COPY figures TO STDOUT",
    "SELECT pg_read_file('/etc/hostname')",
    "SELECT pg_read_binary_file('/etc/hostname')",
    "SELECT pg_ls_dir('.')",
    "SELECT pg_stat_file('postgresql.conf')",
    "SELECT lo_import('/etc/hostname')",
    "SELECT pg_reload_conf()",
    "SELECT pg_rotate_logfile()",
    "SELECT pg_switch_wal()",
    "SELECT pg_create_restore_point('x')",
    "CHECKPOINT",
    "ALTER SYSTEM SET work_mem = '1TB'",
    "CREATE EXTENSION dblink",
]

SQLITE_ONLY = [
    "ATTACH DATABASE '{probe}' AS evil",
    "VACUUM INTO '{probe}'",
    "VACUUM",
    "REINDEX",
    "ANALYZE",
    "PRAGMA journal_mode = DELETE",
    "PRAGMA writable_schema = 1",
    "PRAGMA user_version = 7",
    "SELECT load_extension('/tmp/evil')",
    "SAVEPOINT s",
    "CREATE TEMP TABLE evil (a)",
    "INSERT INTO sqlite_master VALUES ('table', 'x', 'x', 0, 'CREATE TABLE x(a)')",
]


def _cases(backend):
    return WRITES + (PG_ONLY if backend == "postgresql" else SQLITE_ONLY)


def _backend(url):
    return make_url(url).get_backend_name()


def test_every_write_and_escape_is_refused_and_changes_nothing(target, tmp_path):
    before = fingerprint(target)
    probe = _probe(tmp_path / "probe")
    outcomes = {}
    for sql in _cases(_backend(target)):
        sql = sql.replace("{probe}", str(probe))
        (kind, detail, _), secs = attempt(target, sql)
        outcomes[sql] = (kind, detail)
        assert "cannot log in" not in str(detail) and "can do more than read" not in str(detail)
        assert kind != "ok" or not detail or sql.startswith("SELECT set_config"), (sql, detail)
        assert secs < TIMEOUT + 5, (sql, secs)
    assert fingerprint(target) == before
    assert not probe.exists()
    refused = {s: o for s, o in outcomes.items() if o[0] == "QueryRefused"}
    # The stacked statements are refused by the protocol, not as an SQL error of the second one.
    for sql in outcomes:
        if ";" in sql.split("--")[0] and not sql.startswith(("SELECT $a$", "DO ")):
            assert "one SQL statement" in outcomes[sql][1] or outcomes[sql][0] == "QueryRefused", sql
    assert len(refused) >= len(WRITES) - 3, outcomes


def test_server_files_and_programs_are_out_of_reach(target, tmp_path):
    if _backend(target) != "postgresql":
        pytest.skip("SQLite has no server: ATTACH / VACUUM INTO are in the refusal test")
    probe = _probe(tmp_path / "probe")
    before = fingerprint(target)
    for sql in (f"COPY (SELECT 1) TO '{probe}'",
                f"COPY (SELECT agency FROM reports) TO PROGRAM 'touch {probe}'",
                f"COPY figures FROM PROGRAM 'touch {probe}'",
                f"SELECT lo_export(lo_from_bytea(0, 'x'), '{probe}')"):
        (kind, detail, _), _secs = attempt(target, sql)
        assert kind == "QueryRefused", (sql, kind, detail)
    (kind, _, _), _ = attempt(target, "SELECT lo_from_bytea(0, 'x')")  # inside the transaction only
    assert not probe.exists()
    assert fingerprint(target) == before  # the large object went with the rolled-back transaction


def test_other_sessions_cannot_be_terminated(target):
    if _backend(target) != "postgresql":
        pytest.skip("SQLite has no sessions")
    owner = create_engine(target)
    with owner.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        for fn in ("pg_terminate_backend", "pg_cancel_backend"):
            (kind, detail, _), _ = attempt(target, f"SELECT {fn}({pid})")
            assert kind == "QueryRefused", (fn, kind, detail)
            (kind, detail, _), _ = attempt(
                target, f"SELECT {fn}(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid()")
            assert kind == "QueryRefused" or all(r == (False,) for r in detail), (fn, kind, detail)
        assert conn.execute(text("SELECT 1")).scalar() == 1  # still alive
    owner.dispose()


SLOW = {
    "sleep": "SELECT pg_sleep(100)",
    "sleep after lifting the timeout": "SELECT set_config('statement_timeout', '0', false), pg_sleep(100)",
    "endless recursion, counted": "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "
                                  "SELECT COUNT(*) FROM r",
    "huge series, counted": "SELECT COUNT(*) FROM generate_series(1, 1000000000000)",
    "huge sort": "SELECT a.row_key FROM figures a, figures b, figures c ORDER BY a.text || b.text || c.text",
}
SQLITE_SLOW = {
    "endless recursion, counted": SLOW["endless recursion, counted"],
    "huge sort": SLOW["huge sort"],
    "endless recursion, sorted": "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "
                                 "SELECT n FROM r ORDER BY n DESC",
}


def test_slow_statements_stop_at_the_time_limit(target):
    cases = SLOW if _backend(target) == "postgresql" else SQLITE_SLOW
    for name, sql in cases.items():
        (kind, detail, _), secs = attempt(target, sql)
        assert kind in ("QueryTimeout", "QueryError"), (name, kind, detail)
        if kind == "QueryError":  # the server's temp-file cap may stop a sort first
            assert "temp_file_limit" in detail, (name, detail)
        assert secs < TIMEOUT + 4, (name, secs)


ENDLESS = {
    "endless recursion": "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "
                         "SELECT n, 'padding padding padding' FROM r",
    "cross join": "SELECT a.*, b.*, c.* FROM figures a, figures b, figures c",
}


def test_endless_results_stop_at_the_row_limit(target):
    for name, sql in ENDLESS.items():
        (kind, rows, truncated), secs = attempt(target, sql, Limits(timeout=30, max_rows=1000))
        assert kind == "ok" and truncated and len(rows) == 1000, (name, kind)
        assert secs < 30, (name, secs)


def test_huge_values_are_refused_on_sqlite(target):
    if _backend(target) != "sqlite":
        pytest.skip("PostgreSQL caps a value at 1 GB itself; its time limit bounds building one")
    for sql in ("SELECT zeroblob(1000000000)", "SELECT randomblob(1000000000)",
                "SELECT length(replace(hex(zeroblob(10000000)), '0', 'xx'))"):
        (kind, detail, _), _ = attempt(target, sql)
        assert kind == "QueryError" and "longer than" in detail, (sql, kind, detail)


def test_reading_still_works(target):
    (kind, rows, truncated), _ = attempt(target, "SELECT agency, year FROM reports ORDER BY year, agency")
    assert kind == "ok" and not truncated and len(rows) == 5
    if _backend(target) == "sqlite":
        (kind, rows, _), _ = attempt(target, "PRAGMA table_info(figures)")
        assert kind == "ok" and any(r[1] == "number" for r in rows)


def test_command_streams_an_enormous_result_within_its_limits(target):
    """30 million rows asked for: the command prints its limit, says so, exits 3, in bounded memory."""
    sql = ("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 30000000) "
           "SELECT n, 'a fairly long text value to make each row weigh something' AS t FROM r")
    code, out, err, peak = _measured(target, sql, "--format", "json", "--max-rows", "200000",
                                     "--timeout", "300")  # the machine is shared: time is not the point
    assert code == 3 and "stopped at 200000 rows" in err, err
    rows = json.loads(out)
    assert len(rows) == 200000 and rows[-1]["n"] == 200000
    assert peak < 250, f"peak memory {peak:.0f} MB: the rows were not streamed"


# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forked test process across exec.
_MEASURED = ("import sys, govreports_cli as g\n"
             "code = g.main(sys.argv[1:])\n"
             "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
             "sys.stderr.write('peak_rss_kb=%s\\n' % hwm)\n"
             "sys.exit(code)")


def _measured(url, sql, *args):
    """The command in a child process: exit status, stdout, stderr, its own peak memory in MB."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", _MEASURED, "--db", url, "query", sql, *args],
                          capture_output=True, env=env, cwd=ROOT, timeout=400)
    err = proc.stderr.decode()
    lines = err.splitlines()
    peak = int(lines[-1].split("=")[1]) / 1024 if lines and lines[-1].startswith("peak_rss_kb=") else None
    return proc.returncode, proc.stdout.decode(), "\n".join(lines[:-1]) + "\n", peak


def test_command_messages(target):
    code, out, err, _ = _measured(target, "SELECT 1; DELETE FROM figures")
    assert code == 1 and err.startswith("govreports: query refused") and err.count("\n") == 1
    code, out, err, _ = _measured(target, "SELECT pg_sleep(10)" if _backend(target) == "postgresql" else
                               SQLITE_SLOW["endless recursion, counted"], "--timeout", "1")
    assert code == 1 and "ran longer than its time limit (1 s, --timeout)" in err, err
    assert "Traceback" not in err


def test_db_reader_makes_the_role_and_takes_extra_rights_away(target):
    if _backend(target) != "postgresql":
        code, _, err, _ = _measured_cli(target, "db", "reader")
        assert code == 1 and "only PostgreSQL has roles" in err
        return
    import psycopg

    from storage.db import pg_connect_args
    from storage.reader import drop_reader

    role = f"gr_test_{uuid.uuid4().hex[:8]}"
    try:
        code, out, err, _ = _measured_cli(target, "db", "reader", "--role", role)
        assert code == 0 and f"role {role} created" in out and "default_transaction_read_only = on" in out, err
        (kind, rows, _), _ = attempt_as(target, "SELECT COUNT(*) FROM reports", role)
        assert kind == "ok" and rows == [(5,)]
        with psycopg.connect(autocommit=True, **pg_connect_args(target)) as conn:
            conn.execute(f"GRANT pg_read_server_files TO {role}")
            conn.execute(f"GRANT DELETE ON figures TO {role}")
        (kind, detail, _), _ = attempt_as(target, "SELECT COUNT(*) FROM reports", role)
        assert kind == "QueryRefused" and "member of pg_read_server_files" in detail, detail
        code, out, err, _ = _measured_cli(target, "db", "reader", "--role", role)
        assert code == 0 and "membership of pg_read_server_files revoked" in out, out + err
        (kind, rows, _), _ = attempt_as(target, "SELECT COUNT(*) FROM reports", role)
        assert kind == "ok" and rows == [(5,)]
    finally:
        with psycopg.connect(autocommit=True, **pg_connect_args(target)) as conn:
            drop_reader(conn, role)


def attempt_as(url, sql, role):
    try:
        _, rows, truncated = run(url, sql, LIMITS, role=role)
        return ("ok", rows, truncated), 0
    except QueryError as exc:
        return (type(exc).__name__, str(exc), None), 0


def _measured_cli(url, *args):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, str(ROOT / "govreports_cli.py"), "--db", url, *args],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr, None
