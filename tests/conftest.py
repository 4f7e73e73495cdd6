"""Shared fixtures: where the sample reports and the shared reference material live.

CI runs in a fresh clone with the shared folder beside the repository (``<repo>/../shared``);
``GOVREPORTS_SHARED`` overrides that.  Tests that need shared material skip, with the reason
shown, when it is absent.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples" / "reports"
SHARED = Path(os.environ.get("GOVREPORTS_SHARED") or (REPO.parent / "shared")).resolve()
CORPUS = SHARED / "corpus"
FORMAT = SHARED / "format"


def _need(path: Path, what: str) -> Path:
    if not path.is_dir():
        pytest.skip(f"{what} not found at {path} (shared/ must sit beside the repository, "
                    f"or set GOVREPORTS_SHARED)")
    return path


@pytest.fixture(scope="session")
def repo_dir() -> Path:
    return REPO


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    """samples/reports: the five seed reports with their gold files (part of the repository)."""
    assert SAMPLES.is_dir(), f"{SAMPLES} is missing from the repository"
    return SAMPLES


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return _need(SHARED, "shared reference folder")


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """../shared/corpus: real report pages and text dumps with gold files."""
    return _need(CORPUS, "shared corpus")


PG_URL = os.environ.get("GOVREPORTS_TEST_PG", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")


class QueryRole:
    """A read-only role of this test session (roles are cluster-wide: a unique name), granted on
    each PostgreSQL schema a test queries; `govreports query` finds it through the environment."""

    def __init__(self):
        import uuid

        self.name = f"gr_reader_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.databases: dict[str, str] = {}

    def grant(self, url: str) -> None:
        import psycopg

        from storage.db import pg_connect_args
        from storage.reader import create_reader

        with psycopg.connect(autocommit=True, **pg_connect_args(url)) as conn:
            create_reader(conn, self.name)
            self.databases[conn.info.dbname] = url

    def drop(self) -> None:
        import psycopg

        from storage.db import pg_connect_args
        from storage.reader import drop_reader

        for url in self.databases.values():
            try:
                with psycopg.connect(autocommit=True, **pg_connect_args(url)) as conn:
                    conn.execute(f"DROP OWNED BY {self.name}")
            except psycopg.Error:  # the database is gone already, with the grants in it
                pass
        with psycopg.connect(autocommit=True, **pg_connect_args(PG_URL)) as conn:
            drop_reader(conn, self.name)


@pytest.fixture(scope="session")
def query_role():
    role = QueryRole()
    before = os.environ.get("GOVREPORTS_QUERY_ROLE")
    os.environ["GOVREPORTS_QUERY_ROLE"] = role.name
    yield role
    if before is None:
        os.environ.pop("GOVREPORTS_QUERY_ROLE", None)
    else:
        os.environ["GOVREPORTS_QUERY_ROLE"] = before
    if role.databases:
        role.drop()


@pytest.fixture(scope="module")
def pg_new_database():
    """A factory of new, empty PostgreSQL databases (their URLs), all dropped after the module;
    skips, saying why, where no server answers ($GOVREPORTS_TEST_PG, else 127.0.0.1:5432)."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = os.environ.get("GOVREPORTS_TEST_PG", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        pytest.skip(f"PostgreSQL not reachable at {url}: {exc}")
    made = []

    def new() -> str:
        name = f"govreports_t_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return make_url(url).set(database=name).render_as_string(hide_password=False)

    try:
        yield new
    finally:
        with admin.connect() as conn:
            for name in made:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_empty_database(pg_new_database):
    """The URL of a new, empty PostgreSQL database of this test."""
    return pg_new_database()
