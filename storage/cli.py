"""`govreports db|ingest|reparse|query|export`: the storage layer's subcommands."""
from __future__ import annotations

import sys

from .errors import SchemaError


def register(subparsers) -> None:
    db = subparsers.add_parser("db", help="manage the database schema (Alembic migrations)")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    p = db_sub.add_parser("upgrade", help="migrate the database to the newest schema (or --revision)")
    p.add_argument("--revision", default="head")
    p.set_defaults(func=_db_upgrade)
    p = db_sub.add_parser("downgrade", help="migrate the database down (default: one revision)")
    p.add_argument("revision", nargs="?", default="-1", help="target revision, e.g. -1 or base")
    p.set_defaults(func=_db_downgrade)
    p = db_sub.add_parser("current", help="print the database's schema revision and the code's")
    p.set_defaults(func=_db_current)
    p = db_sub.add_parser(
        "reader", help="PostgreSQL: create or update the read-only role `govreports query` runs as",
        description="Run as the owner of the govreports schema (a superuser to also cap the role's "
        "temp files). The role may log in and read every table and view of the schema, now and "
        "after later migrations, and nothing else; see docs/reliability.md.")
    p.add_argument("--role", default=None, help="role name (default: $GOVREPORTS_QUERY_ROLE, else "
                   "govreports_reader)")
    p.add_argument("--password-env", metavar="VAR", help="set the role's password from this "
                   "environment variable (never on the command line)")
    p.set_defaults(func=_db_reader)

    p = subparsers.add_parser("ingest", help="archive, parse and store documents (files or folders)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--archive", help="raw document archive (default: $GOVREPORTS_ARCHIVE, else "
                   "archive/ beside a SQLite file, else ./archive)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--workers", type=int, default=1,
                   help="parse and store in N processes (default 1)")
    p.add_argument("--region", metavar="CODE",
                   help="6-digit region code of the body these documents belong to, used where a report does "
                        "not say (as the crawler uses the registry's code for a site)")
    p.add_argument("--year", type=int, help="report year, used where a report does not say")
    p.add_argument("--doc-time-limit", type=float, default=300.0, metavar="SECONDS",
                   help="with --workers: a worker still reading one file after this long is ended and the file "
                        "failed (default 300; 0: no bound)")
    p.set_defaults(func=_ingest)

    p = subparsers.add_parser("reparse", help="re-derive every report from the archived raw documents "
                              "with the current parser")
    p.add_argument("--archive")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=_reparse)

    p = subparsers.add_parser(
        "query", help="run one read-only SQL statement",
        description="Run one statement that can only read. PostgreSQL: it runs as the read-only role "
        "(`govreports db reader` creates it) when the --db role could write. Exit status 3 when "
        "more rows were cut off at --max-rows.")
    p.add_argument("sql", metavar="SQL")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.add_argument("--max-rows", type=int, default=10_000, metavar="N",
                   help="print at most N rows, then stop the statement (default 10000)")
    p.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS",
                   help="stop the statement after this long (default 30)")
    p.add_argument("--role", default=None, help="PostgreSQL read-only role to log in as when the "
                   "--db role could write (default: $GOVREPORTS_QUERY_ROLE, else govreports_reader; "
                   "its password, if any: $GOVREPORTS_QUERY_PASSWORD)")
    p.set_defaults(func=_query)

    p = subparsers.add_parser("export", help="write every table and view to DIR as CSV or Parquet")
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--format", choices=("csv", "parquet"), default="csv")
    p.set_defaults(func=_export)


def _fail(msg: str) -> int:
    print(f"govreports: {msg}", file=sys.stderr)
    return 1


def _engine(args, *, read_only: bool = False, create: bool = False):
    """An engine on a database at the code's schema; `create` migrates a brand-new database."""
    from . import migrate
    from .db import check_schema, make_engine, normalise_url

    from pathlib import Path

    from sqlalchemy.engine import make_url

    url = make_url(normalise_url(args.db))
    if (url.get_backend_name() == "sqlite" and not create and url.database
            and url.database != ":memory:" and not Path(url.database).exists()):
        raise SchemaError(f"no database at {url.database}: run `govreports ingest PATH` or "
                          "`govreports db upgrade` first (or give --db)")
    engine = make_engine(args.db, read_only=read_only)
    if create:
        migrate.create_if_empty(engine, args.db)
    else:
        check_schema(engine)
    return engine


def _archive(args):
    from .archive import Archive, default_archive_root

    return Archive(args.archive or args.config.archive or default_archive_root(args.db))


def _db_upgrade(args) -> int:
    from . import migrate
    from .db import current_revision, make_engine

    engine = make_engine(args.db)
    rev = current_revision(engine)
    if rev is not None and rev not in migrate.known_revisions():
        return _fail(f"database schema {rev} is newer than this govreports (knows up to "
                     f"{migrate.head_revision()}): upgrade govreports")
    migrate.upgrade(args.db, args.revision)
    print(f"database at schema {current_revision(engine)}")
    return 0


def _db_downgrade(args) -> int:
    from . import migrate
    from .db import current_revision, make_engine

    migrate.downgrade(args.db, args.revision)
    print(f"database at schema {current_revision(make_engine(args.db)) or 'base (empty)'}")
    return 0


def _db_current(args) -> int:
    from . import migrate
    from .db import current_revision, make_engine

    rev = current_revision(make_engine(args.db))
    head = migrate.head_revision()
    state = ("up to date" if rev == head else "empty: run `govreports db upgrade`" if rev is None
             else "newer than this govreports" if rev not in migrate.known_revisions()
             else "run `govreports db upgrade`")
    print(f"database: {rev or 'none'}  code: {head}  ({state})")
    return 0


def _ingest(args) -> int:
    from .hints import Hints
    from .ingest import ingest_paths
    from .regions import is_region_code

    if args.region and not is_region_code(args.region):
        return _fail(f"--region {args.region}: give a 6-digit GB/T 2260 code (e.g. 350128)")
    try:
        engine = _engine(args, create=True)
        counts = ingest_paths(engine, _archive(args), args.paths, progress=not args.no_progress,
                              workers=args.workers, hints=Hints(registry_region_code=args.region, year=args.year),
                              time_limit=args.doc_time_limit or None, parse_options=args.config.parse_options())
    except (SchemaError, FileNotFoundError) as exc:
        return _fail(str(exc))
    return _print_counts(counts)


def _reparse(args) -> int:
    from .ingest import reparse_all

    try:
        engine = _engine(args)
        counts = reparse_all(engine, _archive(args), progress=not args.no_progress,
                             parse_options=args.config.parse_options())
    except SchemaError as exc:
        return _fail(str(exc))
    return _print_counts(counts)


def _print_counts(counts) -> int:
    """Failures on stderr, inserted/updated/unchanged on stdout; exit 1 where any failed."""
    for err in counts.errors:
        print(f"failed: {err}", file=sys.stderr)
    print(f"reports: {counts.summary()}")
    return 1 if counts.failed else 0


def _reader_role(args) -> str:
    from .reader import DEFAULT_ROLE

    return args.role or args.config.query_role or DEFAULT_ROLE


def _query(args) -> int:
    from . import query

    if args.max_rows < 1 or args.timeout <= 0:
        return _fail("query: --max-rows must be at least 1 and --timeout more than 0")
    try:
        _engine(args, read_only=True).dispose()
        limits = query.Limits(timeout=args.timeout, max_rows=args.max_rows)
        with query.open_query(args.db, args.sql, limits, role=_reader_role(args),
                              role_password=args.config.query_password) as result:
            query.write(result, args.format)
    except (SchemaError, query.QueryError) as exc:
        return _fail(str(exc))
    if result.truncated:
        _fail(f"query: output stopped at {result.count} rows (--max-rows); narrow the query or "
              "raise the limit")
        return 3
    return 0


def _db_reader(args) -> int:
    import psycopg
    from sqlalchemy.engine import make_url

    from .db import masked, normalise_url, pg_connect_args, unreachable
    from .reader import create_reader

    url = make_url(normalise_url(args.db))
    if url.get_backend_name() != "postgresql":
        return _fail("db reader: only PostgreSQL has roles; on SQLite `govreports query` opens the "
                     "file read-only by itself")
    password = None
    if args.password_env:
        from govreports_config import secret_from_environment

        password = secret_from_environment(args.password_env)
        if password is None:
            return _fail(f"db reader: ${args.password_env} is not set")
    role = _reader_role(args)
    try:
        conn = psycopg.connect(autocommit=True, **pg_connect_args(url))
    except psycopg.OperationalError as exc:
        return _fail(str(unreachable(exc, url)))
    try:
        for line in create_reader(conn, role, password=password):
            print(line)
    except (ValueError, psycopg.Error) as exc:
        return _fail(f"db reader: {str(exc).strip().splitlines()[0]}")
    finally:
        conn.close()
    print(f"query as it: govreports --db {masked(url.set(username=role, password=None))} query SQL "
          f"(or keep the owner's URL: query logs in as {role} by itself)")
    return 0


def _export(args) -> int:
    from .export import export

    try:
        engine = _engine(args, read_only=True)
    except SchemaError as exc:
        return _fail(str(exc))
    written = export(engine, args.dir, args.format)
    for name, n in written.items():
        print(f"{name}: {n} rows")
    return 0
