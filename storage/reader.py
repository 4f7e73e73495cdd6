"""The PostgreSQL role `govreports query` runs as: one that can read the dataset and nothing else.

A read-only transaction alone does not stop a superuser: COPY … TO a server file, COPY … TO
PROGRAM, pg_read_file(), lo_export() and pg_terminate_backend() all run inside one. So `query`
logs in as a role without those rights (checked by `privileges`, made by `create_reader`), and
keeps its own read-only transaction and single-statement protocol on top (storage.query).
"""
from __future__ import annotations

import re

from .errors import BadRoleName

DEFAULT_ROLE = "govreports_reader"

# Predefined roles whose members reach the server's files, programs or other sessions, or write.
DANGEROUS_ROLES = ("pg_read_server_files", "pg_write_server_files", "pg_execute_server_program",
                   "pg_signal_backend", "pg_write_all_data", "pg_checkpoint",
                   "pg_create_subscription", "pg_use_reserved_connections")

_PRIVILEGES_SQL = """
SELECT r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolreplication, r.rolbypassrls,
       ARRAY(SELECT d.rolname FROM pg_roles d
             WHERE d.rolname = ANY(%(dangerous)s) AND pg_has_role(r.oid, d.oid, 'MEMBER')),
       has_database_privilege(current_database(), 'CREATE'),
       ARRAY(SELECT n.nspname FROM pg_namespace n
             WHERE has_schema_privilege(n.oid, 'CREATE') AND n.nspname NOT LIKE 'pg\\_%%'
               AND n.nspname <> 'information_schema'),
       ARRAY(SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname NOT LIKE 'pg\\_%%'
               AND n.nspname <> 'information_schema'
               AND (pg_has_role(c.relowner, 'USAGE')
                    OR has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE'))
             LIMIT 3)
FROM pg_roles r WHERE r.rolname = current_user
"""


def privileges(conn) -> list[str]:
    """What the connected role can do beyond reading (empty: a reader). `conn` is psycopg's."""
    row = conn.execute(_PRIVILEGES_SQL, {"dangerous": list(DANGEROUS_ROLES)}).fetchone()
    sup, createrole, createdb, replication, bypassrls, members, db_create, schemas, tables = row
    found = [label for flag, label in ((sup, "superuser"), (createrole, "CREATEROLE"),
                                       (createdb, "CREATEDB"), (replication, "REPLICATION"),
                                       (bypassrls, "BYPASSRLS")) if flag]
    found += [f"member of {m}" for m in members]
    if db_create:
        found.append("CREATE on the database")
    found += [f"CREATE on schema {s}" for s in schemas]
    found += [f"owns or may write table {t}" for t in tables]
    return found


_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def check_role_name(name: str) -> str:
    if not _IDENT.match(name):
        raise BadRoleName(f"role name {name!r}: use lower-case letters, digits and _ (at most 63)")
    return name


def create_reader(conn, role: str = DEFAULT_ROLE, *, password: str | None = None,
                  statement_timeout: str = "60s", temp_file_limit: str = "1GB") -> list[str]:
    """Create (or bring up to date) the read-only role on the schema `conn` works in, run as the
    schema's owner (a superuser for the settings only a superuser may fix). `conn` is psycopg's, in
    autocommit. Returns what was done, one line each."""
    from psycopg import errors, sql

    check_role_name(role)
    r = sql.Identifier(role)
    done = []
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
    attrs = sql.SQL("LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT "
                    "CONNECTION LIMIT 16")
    try:
        conn.execute(sql.SQL("CREATE ROLE {} {}").format(r, attrs) if not exists
                     else sql.SQL("ALTER ROLE {} {}").format(r, attrs))
        done.append(f"role {role} {'created' if not exists else 'kept'}: login, no other attribute")
    except errors.DuplicateObject:  # made meanwhile by another session
        conn.execute(sql.SQL("ALTER ROLE {} {}").format(r, attrs))
    if password is not None:
        conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(r, sql.Literal(password)))
        done.append("password set")
    for name, value in (("default_transaction_read_only", "on"),
                        ("statement_timeout", statement_timeout),
                        ("idle_in_transaction_session_timeout", "60s"),
                        ("temp_file_limit", temp_file_limit)):
        try:
            conn.execute(sql.SQL("ALTER ROLE {} SET {} = {}").format(r, sql.Identifier(name),
                                                                   sql.Literal(value)))
            done.append(f"{name} = {value}")
        except errors.InsufficientPrivilege:
            done.append(f"{name} not set (only a superuser may set it)")
    for dangerous in DANGEROUS_ROLES:  # a membership granted by hand earlier
        if conn.execute("SELECT 1 FROM pg_auth_members m JOIN pg_roles a ON a.oid = m.roleid "
                        "JOIN pg_roles b ON b.oid = m.member WHERE a.rolname = %s AND b.rolname = %s",
                        (dangerous, role)).fetchone():
            conn.execute(sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(dangerous), r))
            done.append(f"membership of {dangerous} revoked")
    schema = conn.execute("SELECT current_schema()").fetchone()[0]
    s = sql.Identifier(schema)
    db = conn.execute("SELECT current_database()").fetchone()[0]
    for stmt in ("GRANT CONNECT ON DATABASE {d} TO {r}",
                 "GRANT USAGE ON SCHEMA {s} TO {r}",
                 "REVOKE CREATE ON SCHEMA {s} FROM {r}",
                 "REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {r}",
                 "GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO {r}",
                 # tables a later migration adds are readable too
                 "ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT SELECT ON TABLES TO {r}"):
        conn.execute(sql.SQL(stmt).format(d=sql.Identifier(db), s=s, r=r))
    done.append(f"SELECT on every table and view of schema {schema} of database {db}, now and later")
    return done


def drop_reader(conn, role: str) -> None:
    """Remove the role's grants in the connected database, then the role (tests; operators)."""
    from psycopg import sql

    r = sql.Identifier(check_role_name(role))
    if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
        conn.execute(sql.SQL("DROP OWNED BY {}").format(r))
        conn.execute(sql.SQL("DROP ROLE {}").format(r))
