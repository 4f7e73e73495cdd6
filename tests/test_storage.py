"""Storage layer against real SQLite and real PostgreSQL: migrations, identity and versions,
idempotent ingest, reparse, read-only queries, export, the schema guard, concurrent writers."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from parsers.record import Cell, Finding, Report
from storage import migrate
from storage.archive import Archive
from storage.db import SchemaError, check_schema, make_engine
from storage.ingest import ingest_paths, reparse_all
from storage.models import Base
from storage.store import Counts, RawDocument, store

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "samples" / "reports"
CORPUS = Path("/work/shared/corpus")
PG_URL = os.environ.get("GOVREPORTS_TEST_PG", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")

T3_COLS = ("natural_person", "commercial", "research", "social_org", "legal_service", "other", "total")
T4_KEYS = [(b, c) for b in ("review", "litigation_direct", "litigation_after_review")
           for c in ("upheld", "corrected", "other", "pending", "total")]


# ------------------------------------------------------------------ a parser stand-in

def _cell(table, row, col, col_key, value) -> Cell:
    if value is None:
        return Cell(table, row, col, col_key, "", None, "blank")
    if isinstance(value, str):
        return Cell(table, row, col, col_key, value, None, "text")
    return Cell(table, row, col, col_key, str(value), value, "zero" if value == 0 else "number")


def report_from_gold(gold: dict, parser_version: str = "gold-1") -> Report:
    """A Report as a perfect parser would give it, built from a gold file (storage tests must not
    depend on the parser's progress)."""
    truth = gold.get("truth") or {}
    tables = {"table2": None, "table3": None, "table4": None}
    for t, cols in (("table2", None), ("table3", T3_COLS)):
        if truth.get(t):
            tables[t] = {row: [_cell(t, row, i, cols[i] if cols else f"c{i}", v) for i, v in enumerate(vals)]
                         for row, vals in truth[t].items()}
    if truth.get("table4"):
        t4: dict[str, list[Cell]] = {}
        for i, v in enumerate(truth["table4"]):
            block, col = T4_KEYS[i]
            t4.setdefault(block, []).append(_cell("table4", block, i % 5, col, v))
        tables["table4"] = t4
    template = gold.get("template") if gold.get("template") in ("2019", "2021") else None
    status = "ok" if template else "unknown_template"
    return Report(status=status, agency=gold.get("agency"), year=gold.get("year"), template=template,
                  publication_date=gold.get("publication_date"), tables=tables,
                  narrative={"overview": "总体情况……"}, parser_version=parser_version)


def gold_parse(data: bytes, content_type=None, url=None) -> Report:
    path = Path(url[len("file://"):]) if url and url.startswith("file://") else None
    return report_from_gold(json.loads(path.with_suffix(".json").read_text(encoding="utf-8")))


GOLD_VERSION = "gold-1"


# ------------------------------------------------------------------ databases

def _pg_admin():
    return create_engine(PG_URL, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def pg_database():
    """A database of its own for this test session, dropped at the end."""
    try:
        admin = _pg_admin()
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # only when no server answers; .ci/run starts one
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {exc}")
    name = f"govreports_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """An empty database on each backend (PG: a fresh schema inside the session's database)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'govreports.db'}"
        return
    base = request.getfixturevalue("pg_database")
    schema = f"t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    yield make_url(base).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def engine(db_url):
    migrate.upgrade(db_url)
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def archive(tmp_path):
    return Archive(tmp_path / "archive")


def scalar(engine, sql, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def row_counts(engine) -> dict[str, int]:
    names = ("documents", "report_versions", "figures", "findings", "report_sections", "regions", "sites")
    return {n: scalar(engine, f"SELECT COUNT(*) FROM {n}") for n in names}


def cli(db_url, *args, env=None, cwd=None):
    return subprocess.run([sys.executable, str(ROOT / "govreports_cli.py"), "--db", db_url, *args],
                          capture_output=True, text=True, cwd=cwd or ROOT, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


def simple_report(agency="测试县教育局", year=2023, new_received=5, text_total="1,215",
                  published: str | None = None) -> Report:
    t3 = {
        "new_received": [_cell("table3", "new_received", i, c, new_received if c == "total" else 0)
                         for i, c in enumerate(T3_COLS)],
        "total": [Cell("table3", "total", i, c, text_total if c == "total" else "", 1215 if c == "total"
                       else None, "number" if c == "total" else "blank") for i, c in enumerate(T3_COLS)],
    }
    return Report(status="needs_review", agency=agency, year=year, template="2021", region_code="350128",
                  publication_date=published, tables={"table2": None, "table3": t3, "table4": None},
                  narrative={"overview": "概述", "problems": "问题"},
                  findings=[Finding(rule="t3.col_balance", message="does not add up", table="table3",
                                    col="total", expected=5, actual=1215)])


# ------------------------------------------------------------------ migrations

def test_migrations_agree_with_models(engine):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                Base.metadata)
    assert diff == []


def test_upgrade_downgrade_upgrade(db_url):
    migrate.upgrade(db_url)
    eng = make_engine(db_url)
    assert {"reports", "table2_wide", "table3_wide", "table4_wide"} <= set(inspect(eng).get_view_names())
    assert scalar(eng, "SELECT COUNT(*) FROM regions WHERE level = 1") == 34
    migrate.downgrade(db_url, "base")
    eng.dispose()
    insp = inspect(eng)
    assert set(insp.get_table_names()) <= {"alembic_version"} and insp.get_view_names() == []
    migrate.upgrade(db_url)
    check_schema(eng)
    assert "figures" in inspect(eng).get_table_names()
    eng.dispose()


def test_totals_survive_downgrade_and_upgrade(engine, archive, db_url):
    """0002 turned application_totals from a view into a table filled from the figures: the
    values computed at write time, by the 0001 view and by the 0002 data migration agree."""
    ingest_paths(engine, archive, _sample_files(), parse=gold_parse, parser_version=GOLD_VERSION)
    sql = "SELECT * FROM application_totals ORDER BY report_id"
    with engine.connect() as conn:
        written = [tuple(r) for r in conn.execute(text(sql))]
    assert len(written) > 10 and any(r[1] for r in written)
    migrate.downgrade(db_url, "0001")
    engine.dispose()
    with engine.connect() as conn:
        assert [tuple(r) for r in conn.execute(text(sql))] == written
    migrate.upgrade(db_url)
    engine.dispose()
    with engine.connect() as conn:
        assert [tuple(r) for r in conn.execute(text(sql))] == written
        rows = conn.execute(text(
            "SELECT row_key, row_pos FROM table3_wide t JOIN reports r ON r.id = t.report_id "
            "WHERE r.agency = '华龙区教育局' ORDER BY row_pos")).all()
    # Rows written after the upgrade keep the printed order; the data migration cannot know it.
    assert rows[0].row_key == "new_received" or rows[0].row_pos is None


def test_schema_guard_names_the_fix(db_url):
    eng = make_engine(db_url)
    with pytest.raises(SchemaError, match=r"run `govreports db upgrade`"):
        check_schema(eng)
    migrate.upgrade(db_url)
    with eng.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'zz99'"))
    with pytest.raises(SchemaError, match=r"schema zz99 is newer than this govreports \(knows up to "
                       + migrate.head_revision() + r"\): upgrade govreports"):
        check_schema(eng)
    r = cli(db_url, "query", "SELECT 1")
    assert r.returncode == 1 and "newer than this govreports" in r.stderr
    r = cli(db_url, "db", "upgrade")
    assert r.returncode == 1 and "upgrade govreports" in r.stderr
    eng.dispose()


# ------------------------------------------------------------------ identity and versions

def test_store_is_idempotent_and_keeps_printed_text(engine, archive):
    doc = RawDocument(b"report one", url="http://www.example.gov.cn/a.html", content_type="text/html",
                      http_status=200, etag='"abc"')
    archive.put(doc.data)
    counts = Counts()
    assert store(engine, doc, simple_report(), counts) == "inserted"
    before = row_counts(engine)
    assert store(engine, doc, simple_report(), counts) == "unchanged"
    assert row_counts(engine) == before
    assert (counts.inserted, counts.unchanged) == (1, 1)
    with engine.connect() as conn:
        f = conn.execute(text("SELECT text, number, kind FROM figures WHERE row_key = 'total' "
                              "AND col_key = 'total'")).one()
        assert (f.text, f.number, f.kind) == ("1,215", 1215, "number")
        blank = conn.execute(text("SELECT text, number, kind FROM figures WHERE row_key = 'total' "
                                  "AND col_key = 'commercial'")).one()
        assert (blank.text, blank.number, blank.kind) == ("", None, "blank")
        order = conn.execute(text("SELECT row_key FROM table3_wide ORDER BY row_pos")).scalars().all()
        assert order == ["new_received", "total"]  # printed order, not alphabetical
        wide = conn.execute(text("SELECT new_received, total FROM application_totals")).one()
        assert tuple(wide) == (5, 1215)
        r = conn.execute(text("SELECT agency, region_code, year, template, status, version FROM reports")).one()
        assert tuple(r) == ("测试县教育局", "350128", 2023, "2021", "needs_review", 1)
        # The region and its parents exist; the site was registered from the URL.
        assert conn.execute(text("SELECT parent_code FROM regions WHERE code = '350128'")).scalar() == "350100"
        assert conn.execute(text("SELECT host FROM sites")).scalar() == "www.example.gov.cn"
        # the parser's finding, and where the region came from (测试县 is no division: the page's code)
        assert set(conn.execute(text("SELECT rule FROM findings")).scalars()) == {"t3.col_balance", "region.from_site"}
        assert conn.execute(text("SELECT COUNT(*) FROM report_sections")).scalar() == 2
        assert conn.execute(text("SELECT etag FROM documents")).scalar() == '"abc"'


# The same bytes under several URLs: every fetch recorded with its own metadata, one report,
# derived from the primary fetch (storage.fetches: http(s) first, then with hints, then the
# smallest URL), whatever order the fetches come in.
SAME = b"one report, republished under three URLs"
FETCHES = {  # url: (ETag, fetched at, hints)
    "http://c.gov.cn/dept/t1.html": ('"c"', "2024-03-03T00:00:00+00:00", {"registry_region_code": "350100"}),
    "http://a.gov.cn/xxgk/t1.html": ('"a"', "2024-01-01T00:00:00+00:00", {"registry_region_code": "350128",
                                                                         "year": 2022}),
    "http://b.gov.cn/news/t1.html": ('"b"', "2024-02-02T00:00:00+00:00", {"registry_region_code": "350181"}),
}


def _url_parse(data, content_type, url):
    """A parser whose record shows which fetch it read: the title names the URL it was given."""
    rep = simple_report(year=None)
    rep.title = f"read from {url} as {content_type}"
    rep.parser_version = "fetch-1"
    return rep


def _fetch(url: str) -> tuple:
    from datetime import datetime

    from storage.hints import Hints

    etag, when, hints = FETCHES[url]
    return (RawDocument(SAME, url=url, content_type="text/html", http_status=200, etag=etag,
                        fetched_at=datetime.fromisoformat(when)), Hints.from_json(hints))


@pytest.mark.parametrize("order", [("http://c.gov.cn/dept/t1.html", "http://a.gov.cn/xxgk/t1.html",
                                    "http://b.gov.cn/news/t1.html"),
                                   ("http://a.gov.cn/xxgk/t1.html", "http://b.gov.cn/news/t1.html",
                                    "http://c.gov.cn/dept/t1.html")])
def test_the_same_bytes_under_several_urls_are_one_report_with_every_fetch_recorded(engine, archive, order):
    from storage.ingest import Store

    target = Store(engine, archive)
    outcomes = []
    for url in order:
        doc, hints = _fetch(url)
        outcomes.append(target.put(doc, _url_parse(doc.data, doc.content_type, doc.url), hints, parse=_url_parse))
    assert outcomes[0] == "inserted" and "inserted" not in outcomes[1:]
    primary = "http://a.gov.cn/xxgk/t1.html"  # the smallest URL of the three (all over http, all with hints)
    with engine.connect() as conn:
        fetched = conn.execute(text("SELECT f.url, f.etag, f.hints, s.host FROM document_fetches f "
                                    "JOIN sites s ON s.id = f.site_id ORDER BY f.url")).all()
        assert [(u, e, json.loads(h) if isinstance(h, str) else h, host) for u, e, h, host in fetched] == [
            (u, FETCHES[u][0], FETCHES[u][2], u.split("/")[2]) for u in sorted(FETCHES)]  # each its own metadata
        doc = conn.execute(text("SELECT d.url, d.etag, d.hints, s.host FROM documents d JOIN sites s ON s.id = d.site_id")).one()
        assert (doc.url, doc.etag, doc.host) == (primary, '"a"', "a.gov.cn")
        (report,) = conn.execute(text("SELECT title, year, region_code, version FROM report_versions")).all()
        # the parse and the hints of one fetch, the primary: its URL, its list title's year
        assert (report.title, report.year, report.version) == (f"read from {primary} as text/html", 2022, 1)
    assert row_counts(engine)["documents"] == 1


def test_a_fetch_that_becomes_the_primary_one_is_parsed_again_where_only_recorded(engine, archive):
    """The crawl stage alone (Store.record) records fetches; the parse stage parses the document
    with its primary fetch's URL. A file ingested first and the same bytes crawled later: the
    crawl's fetch (http, hints) is the primary one, the file's fetch stays recorded."""
    from storage.ingest import Store

    target = Store(engine, archive)
    file_doc = RawDocument(SAME, url="file:///data/reports/t1.html", content_type="text/html")
    assert target.put(file_doc, _url_parse(SAME, "text/html", file_doc.url), parse=_url_parse) == "inserted"
    doc, hints = _fetch("http://b.gov.cn/news/t1.html")
    document_id, created = target.record(doc, hints)
    assert not created
    seen = []

    def parse(data, content_type, url):
        seen.append(url)
        return _url_parse(data, content_type, url)

    assert target.unparsed("fetch-1") == [document_id]  # parsed from another fetch than the primary: again
    assert target.parse_recorded(document_id, parse, "fetch-1") == "updated"
    assert seen == ["http://b.gov.cn/news/t1.html"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT url FROM documents")).scalar() == "http://b.gov.cn/news/t1.html"
        assert conn.execute(text("SELECT title FROM report_versions")).scalar() == \
            "read from http://b.gov.cn/news/t1.html as text/html"
        assert sorted(conn.execute(text("SELECT url FROM document_fetches")).scalars()) == [
            "file:///data/reports/t1.html", "http://b.gov.cn/news/t1.html"]
    # a later fetch that is not the primary one changes nothing but its own row
    doc, hints = _fetch("http://c.gov.cn/dept/t1.html")
    assert target.put(doc, _url_parse(SAME, "text/html", doc.url), hints, parse=parse) == "unchanged"
    assert seen == ["http://b.gov.cn/news/t1.html"] and row_counts(engine)["documents"] == 1
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM document_fetches")).scalar() == 3


def test_documents_stored_before_0010_get_their_fetch(db_url):
    migrate.upgrade(db_url, "0008")
    eng = make_engine(db_url)
    with eng.begin() as conn:
        conn.execute(text("INSERT INTO documents (sha256, url, fetched_at, http_status, etag, size, stored_at) "
                          "VALUES ('ab', 'http://x.gov.cn/1.html', '2024-01-01', 200, '\"e\"', 3, '2024-01-02')"))
    migrate.upgrade(db_url)
    with eng.connect() as conn:
        row = conn.execute(text("SELECT url, http_status, etag FROM document_fetches")).one()
    eng.dispose()
    assert tuple(row) == ("http://x.gov.cn/1.html", 200, '"e"')


def test_unknown_region_code_gets_its_parent_chain(engine):
    rep = simple_report()
    rep.region_code = "359921"
    store(engine, RawDocument(b"x"), rep)
    with engine.connect() as conn:
        chain = conn.execute(text("SELECT code, parent_code, level FROM regions WHERE code IN "
                                  "('359921', '359900') ORDER BY code")).all()
    assert [tuple(r) for r in chain] == [("359900", "350000", 2), ("359921", "359900", 3)]


def test_changed_document_becomes_new_version_and_old_stays(engine):
    store(engine, RawDocument(b"v1"), simple_report(new_received=5, published="2024-01-20"))
    # a corrected republication: read as well as the first, published later
    assert store(engine, RawDocument(b"v2"), simple_report(new_received=7, published="2024-02-15")) == "inserted"
    store(engine, RawDocument(b"other"), simple_report(agency="另一个局"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM reports")).scalar() == 2
        latest = conn.execute(text("SELECT r.version, a.new_received FROM reports r JOIN application_totals a "
                                   "ON a.report_id = r.id WHERE r.agency = '测试县教育局'")).one()
        assert tuple(latest) == (2, 7)
        old = conn.execute(text("SELECT v.version, v.is_latest, a.new_received FROM report_versions v "
                                "JOIN application_totals a ON a.report_id = v.id "
                                "WHERE v.body = '测试县教育局' ORDER BY v.version")).all()
        assert [tuple(r) for r in old] == [(1, False, 5), (2, True, 7)]


# ------------------------------------------------------------------ which version is current

def _reading(status="ok", published="2024-01-20", flagged=0, failed=0, rows=2, agency="测试县教育局") -> Report:
    """One reading of a body-year's report: `flagged` of its cells ambiguous, `failed` checks,
    table 3 printed with `rows` rows."""
    cells = {}
    for r, row in enumerate(("new_received", "carried_over", "granted")[:rows]):
        cells[row] = [Cell("table3", row, i, c, "1", 1, "number") for i, c in enumerate(T3_COLS)]
    for cell in [c for row in cells.values() for c in row][:flagged]:
        cell.text, cell.ambiguous, cell.candidates = "12", True, ["12", "1|2"]
    findings = [Finding(rule="t3.col_balance", message="does not add up", table="table3") for _ in range(failed)]
    return Report(status=status, agency=agency, year=2023, template="2021", region_code="350128",
                  publication_date=published, tables={"table2": None, "table3": cells, "table4": None},
                  findings=findings, parser_version="test-1")


# The copies of one body-year a crawl can meet, and what each says.
COPIES = {
    b"<html>page</html>": _reading(),                                          # the page, read exactly
    b"<html>page, other bytes</html>": _reading(),                             # the same on another portal
    b"page text dump": _reading("needs_review", flagged=1, failed=1),          # its text dump, one cell run together
    b"reprint as text, later": _reading("needs_review", "2024-03-01", flagged=1, failed=1),  # a later reprint, as badly read
    b"page missing a row": _reading("needs_review", rows=1),                   # a copy with a row lost
    b"\x00\x01 binary": _reading("unreadable", None, rows=0),                   # bytes that could not be read
    b"other body, first": _reading(published="2024-01-20", agency="另一个局"),
    b"other body, corrected": _reading(published="2024-02-15", agency="另一个局"),  # its corrected republication
}


def _current(engine) -> dict:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT body, year, sha256 FROM reports")).all()
    current = {(r.body, r.year): r.sha256 for r in rows}
    assert len(current) == len(rows)  # one body-year each
    return current


def _forget_reports(engine) -> None:
    with engine.begin() as conn:
        for table in ("figures", "findings", "report_sections", "application_totals", "report_versions",
                      "document_fetches", "documents"):
            conn.execute(text(f"DELETE FROM {table}"))


def test_current_version_does_not_depend_on_the_order_documents_arrive_in(engine):
    import hashlib
    import random

    sha = {data: hashlib.sha256(data).hexdigest() for data in COPIES}
    orders = [list(COPIES), list(reversed(COPIES))] + [random.Random(seed).sample(list(COPIES), len(COPIES))
                                                       for seed in (1, 2)]
    seen = []
    for order in orders:
        _forget_reports(engine)
        for data in order:
            store(engine, RawDocument(data), COPIES[data])
        seen.append(_current(engine))
        with engine.connect() as conn:  # exactly one current version per body-year
            assert conn.execute(text("SELECT COUNT(*) FROM report_versions WHERE is_latest")).scalar() == 2
    assert all(current == seen[0] for current in seen[1:])
    # The exact readings beat the flagged dump of the same date and its later reprint; of two exact
    # readings of one date the smaller sha256; a corrected later publication supersedes.
    exact = min(sha[b"<html>page</html>"], sha[b"<html>page, other bytes</html>"])
    assert seen[0] == {("测试县教育局", 2023): exact, ("另一个局", 2023): sha[b"other body, corrected"]}


def test_a_flagged_dump_is_current_only_without_a_better_reading(engine):
    import hashlib

    page, dump, lost_row = b"<html>page</html>", b"page text dump", b"page missing a row"
    store(engine, RawDocument(dump), COPIES[dump])
    assert _current(engine) == {("测试县教育局", 2023): hashlib.sha256(dump).hexdigest()}
    store(engine, RawDocument(lost_row), COPIES[lost_row])  # no cell flagged beats one flagged
    assert _current(engine) == {("测试县教育局", 2023): hashlib.sha256(lost_row).hexdigest()}
    store(engine, RawDocument(page), COPIES[page])
    assert _current(engine) == {("测试县教育局", 2023): hashlib.sha256(page).hexdigest()}
    # A newer parser reads the page worse: the next best copy is current; read well again, the page.
    store(engine, RawDocument(page), replace(COPIES[page], status="over_limit", parser_version="test-2",
                                             tables={"table2": None, "table3": None, "table4": None}))
    assert _current(engine) == {("测试县教育局", 2023): hashlib.sha256(lost_row).hexdigest()}
    store(engine, RawDocument(page), replace(COPIES[page], parser_version="test-3"))
    assert _current(engine) == {("测试县教育局", 2023): hashlib.sha256(page).hexdigest()}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version FROM reports")).scalar() == 3  # the arrival number


def test_real_pages_and_their_text_dumps_give_the_same_reports_in_either_order(engine, archive, corpus_dir):
    """The real parser on the corpus's report pages and the text dumps of the same reports (from
    one site: the registry's region, as a crawl gives it): stored pages first or dumps first,
    `reports` is the same, and a page read ok beats a flagged dump."""
    import hashlib

    from storage.hints import Hints

    pairs = [(d.with_name(d.name.replace("-textdump.txt", ".html")), d)
             for d in sorted(corpus_dir.glob("pingtan-*-textdump.txt"))
             if d.with_name(d.name.replace("-textdump.txt", ".html")).exists()]
    assert pairs
    seen = []
    for files in ([f for pair in pairs for f in pair], [f for pair in pairs for f in reversed(pair)]):
        _forget_reports(engine)
        counts = ingest_paths(engine, archive, files, hints=Hints(registry_region_code="359000"))
        assert counts.failed == 0, counts.errors
        with engine.connect() as conn:
            seen.append(dict(conn.execute(text("SELECT v.report_key, d.sha256 FROM report_versions v "
                                               "JOIN documents d ON d.id = v.document_id WHERE v.is_latest")).all()))
    assert seen[0] == seen[1]
    with engine.connect() as conn:
        read = {r.sha256: r for r in conn.execute(text(
            "SELECT d.sha256, v.report_key, v.status, v.is_latest FROM report_versions v "
            "JOIN documents d ON d.id = v.document_id"))}
    exact_pages = 0
    for page, dump in pairs:
        p, t = (read[hashlib.sha256(f.read_bytes()).hexdigest()] for f in (page, dump))
        assert p.report_key == t.report_key  # one body-year, two versions
        if p.status == "ok" and t.status != "ok":
            exact_pages += 1
            assert p.is_latest and not t.is_latest, page.name
    assert exact_pages  # the corpus has such pairs (Pingtan's pages and their squashed dumps)


def test_migration_0011_recomputes_the_current_versions(db_url):
    import hashlib

    # Stored by today's code (at the head), then taken back to 0010: its downgrade leaves the old
    # rule's choice (the version stored last), as a database of 0010 had it.
    migrate.upgrade(db_url)
    eng = make_engine(db_url)
    for data in COPIES:
        store(eng, RawDocument(data), COPIES[data])
    migrate.downgrade(db_url, "0010")
    old = _current(eng)
    assert old[("测试县教育局", 2023)] == hashlib.sha256(b"\x00\x01 binary").hexdigest()
    migrate.upgrade(db_url)
    page = min(hashlib.sha256(d).hexdigest() for d in (b"<html>page</html>", b"<html>page, other bytes</html>"))
    assert _current(eng) == {("测试县教育局", 2023): page,
                             ("另一个局", 2023): hashlib.sha256(b"other body, corrected").hexdigest()}
    migrate.downgrade(db_url, "0010")
    assert _current(eng) == old
    eng.dispose()


def test_the_current_version_rule_is_frozen_in_its_migration():
    """Changing storage.store.CURRENT_ORDER takes a new migration that recomputes is_latest."""
    import importlib.util

    from parsers import STORED_STATUSES
    from storage import store as live

    assert set(live.CURRENT_STATUS_ORDER) == set(STORED_STATUSES)
    path = ROOT / "migrations" / "versions" / "0011_current_version_rule.py"
    spec = importlib.util.spec_from_file_location("migration_0011", path)
    frozen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(frozen)
    assert frozen.CURRENT_ORDER == live.CURRENT_ORDER


def test_reparse_updates_in_place_and_records_parser_version(engine, archive):
    docs = [RawDocument(b"doc-a", url="http://x.gov.cn/a"), RawDocument(b"doc-b", url="http://x.gov.cn/b")]
    reports = {d.url: simple_report(agency=f"局{d.url[-1]}") for d in docs}
    for d in docs:
        archive.put(d.data)
        store(engine, d, reports[d.url])
    seen = []

    def newer_parser(data, content_type, url):
        seen.append(data)
        rep = simple_report(agency=f"局{url[-1]}", new_received=9 if url.endswith("a") else 5)
        rep.parser_version = "9.9"
        return rep

    counts = reparse_all(engine, archive, parse=newer_parser)
    assert sorted(seen) == [b"doc-a", b"doc-b"]  # parsed from the archive
    assert (counts.updated, counts.unchanged, counts.inserted, counts.failed) == (1, 1, 0, 0)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM report_versions WHERE parser_version = '9.9'")).scalar() == 2
        assert conn.execute(text("SELECT COUNT(*) FROM report_versions")).scalar() == 2
        assert conn.execute(text("SELECT a.new_received FROM reports r JOIN application_totals a ON "
                                 "a.report_id = r.id WHERE r.agency = '局a'")).scalar() == 9
    again = reparse_all(engine, archive, parse=newer_parser)
    assert (again.updated, again.unchanged) == (0, 2)


# ------------------------------------------------------------------ ingest of the sample data

def _sample_files():
    return [SEEDS] + ([CORPUS] if CORPUS.exists() else [])


def test_ingest_seeds_and_corpus_twice_then_a_modified_copy(engine, archive, tmp_path):
    first = ingest_paths(engine, archive, _sample_files(), parse=gold_parse, parser_version=GOLD_VERSION)
    n_docs = len([p for d in _sample_files() for p in d.iterdir() if p.suffix in (".txt", ".html")])
    assert first.failed == 0 and first.inserted == n_docs
    before = row_counts(engine)
    second = ingest_paths(engine, archive, _sample_files(), parse=gold_parse, parser_version=GOLD_VERSION)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, n_docs)
    assert row_counts(engine) == before
    # Same body and year, changed bytes and one changed figure: one more version, nothing else.
    copy = tmp_path / "copy" / "001_modified.txt"
    copy.parent.mkdir()
    copy.write_bytes((SEEDS / "001_4b9b066e761ef3f1.txt").read_bytes() + b"\n(revised)\n")
    gold = json.loads((SEEDS / "001_4b9b066e761ef3f1.json").read_text(encoding="utf-8"))
    gold["truth"]["table3"]["new_received"][0] = 3
    gold["publication_date"] = "2021-03-01"  # a corrected republication: it supersedes the undated first
    copy.with_suffix(".json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    third = ingest_paths(engine, archive, [copy], parse=gold_parse, parser_version=GOLD_VERSION)
    assert (third.inserted, third.new_versions) == (1, 1)
    after = row_counts(engine)
    assert after["documents"] == before["documents"] + 1
    assert after["report_versions"] == before["report_versions"] + 1
    with engine.connect() as conn:
        # One row per body and year (the corpus holds two documents of some Pingtan reports).
        n_keys = conn.execute(text("SELECT COUNT(DISTINCT report_key) FROM report_versions")).scalar()
        assert conn.execute(text("SELECT COUNT(*) FROM reports")).scalar() == n_keys < after["report_versions"]
        rows = conn.execute(text(
            "SELECT v.version, v.is_latest, t.natural_person FROM report_versions v JOIN table3_wide t "
            "ON t.report_id = v.id AND t.row_key = 'new_received' WHERE v.agency = '华龙区教育局' "
            "ORDER BY v.version")).all()
        assert [tuple(r) for r in rows] == [(1, False, 0), (2, True, 3)]
        # The wide views give back the gold figures.
        gold = json.loads((SEEDS / "002_1470c6164cb70c53.json").read_text(encoding="utf-8"))["truth"]
        rid = conn.execute(text("SELECT id FROM reports WHERE agency = '昆明市西山区教育体育局'")).scalar()
        t4 = conn.execute(text("SELECT * FROM table4_wide WHERE report_id = :r"), {"r": rid}).one()
        assert list(t4[1:]) == gold["table4"]
        t3 = conn.execute(text("SELECT * FROM table3_wide WHERE report_id = :r ORDER BY row_pos"),
                          {"r": rid}).all()
        assert {r.row_key: list(r[3:]) for r in t3} == gold["table3"]
        assert [r.row_key for r in t3] == list(gold["table3"])
        t2 = conn.execute(text("SELECT row_key, value_1, value_2, value_3 FROM table2_wide "
                               "WHERE report_id = :r"), {"r": rid}).all()
        assert {r.row_key: [v for v in r[1:] if v is not None] for r in t2} == gold["table2"]
        # Every archived document can be read back by its hash.
        for (sha,) in conn.execute(text("SELECT sha256 FROM documents")):
            assert archive.has(sha)


def test_real_parser_ingest_when_available(engine, archive):
    try:
        import parsers

        parsers.parse_document(b"", "text/plain")
    except Exception as exc:
        pytest.skip(f"the parser is not usable yet: {type(exc).__name__}: {exc}")
    first = ingest_paths(engine, archive, [SEEDS])
    assert first.failed == 0, first.errors
    before = row_counts(engine)
    second = ingest_paths(engine, archive, [SEEDS])
    assert second.unchanged == 5 and row_counts(engine) == before


# ------------------------------------------------------------------ query and export

@pytest.fixture
def loaded(engine, archive, db_url, query_role):
    ingest_paths(engine, archive, [SEEDS], parse=gold_parse, parser_version=GOLD_VERSION)
    if db_url.startswith("postgresql"):
        query_role.grant(db_url)  # `query` runs as a read-only role (storage.reader)
    return db_url


def test_query_formats(loaded):
    r = cli(loaded, "query", "SELECT agency, year FROM reports ORDER BY year, agency", "--format", "csv")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[0] == "agency,year" and lines[1] == "华龙区教育局,2020" and len(lines) == 6
    r = cli(loaded, "query", "SELECT year, new_received FROM reports r JOIN application_totals a "
            "ON a.report_id = r.id WHERE agency = '华龙区教育局'", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == [{"year": 2020, "new_received": 0}]
    r = cli(loaded, "query", "SELECT COUNT(*) AS n FROM reports")
    assert r.returncode == 0 and "5" in r.stdout and "n" in r.stdout


@pytest.mark.parametrize("sql", [
    "DELETE FROM figures",
    "UPDATE report_versions SET year = 1900",
    "SELECT 1; DELETE FROM figures",
    "DROP VIEW reports",
])
def test_query_refuses_writes(loaded, sql):
    r = cli(loaded, "query", sql)
    assert r.returncode == 1 and "query refused" in r.stderr
    assert scalar(make_engine(loaded), "SELECT COUNT(*) FROM reports") == 5


def test_query_write_hidden_in_select_is_refused_by_the_database(loaded):
    sql = ("WITH gone AS (DELETE FROM figures RETURNING 1) SELECT COUNT(*) FROM gone" if
           loaded.startswith("postgresql") else
           "WITH x AS (SELECT 1) SELECT * FROM x WHERE (SELECT COUNT(*) FROM reports) > 0")
    r = cli(loaded, "query", sql)
    if loaded.startswith("postgresql"):
        assert r.returncode == 1 and "only reads" in r.stderr, r.stderr
    else:
        assert r.returncode == 0, r.stderr
    assert scalar(make_engine(loaded), "SELECT COUNT(*) FROM figures") > 0


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export(loaded, tmp_path, fmt):
    out = tmp_path / "export"
    r = cli(loaded, "export", "--format", fmt, str(out))
    assert r.returncode == 0, r.stderr
    n_figures = scalar(make_engine(loaded), "SELECT COUNT(*) FROM figures")
    if fmt == "csv":
        import csv

        with (out / "figures.csv").open(encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        assert len(rows) == n_figures and {"text", "number", "kind"} <= set(rows[0])
        assert len(list(csv.DictReader((out / "reports.csv").open(encoding="utf-8")))) == 5
    else:
        import pyarrow.parquet as pq

        assert pq.read_table(out / "figures.parquet").num_rows == n_figures
        t3 = pq.read_table(out / "table3_wide.parquet")
        assert "natural_person" in t3.column_names and t3.num_rows > 0
        assert pq.read_table(out / "reports.parquet").num_rows == 5


def test_cli_ingest_creates_a_fresh_database_and_archive(tmp_path):
    db = tmp_path / "fresh.db"
    r = cli(f"sqlite:///{db}", "ingest", "--no-progress", str(tmp_path / "missing"))
    assert r.returncode == 1 and "no such file" in r.stderr
    r = cli(f"sqlite:///{db}", "db", "current")
    assert r.returncode == 0 and migrate.head_revision() in r.stdout


# ------------------------------------------------------------------ concurrency

WORKER = """
import sys
sys.path[:0] = [{root!r}, {tests!r}]
from storage.archive import Archive
from storage.db import make_engine
from storage.ingest import ingest_paths
from test_storage import gold_parse
c = ingest_paths(make_engine({url!r}), Archive({archive!r}), {paths!r}, parse=gold_parse,
                 parser_version="gold-1")
assert c.failed == 0, c.errors
print(c.inserted, c.unchanged)
"""


def test_two_processes_ingesting_the_same_documents_leave_one_copy(engine, db_url, tmp_path):
    paths = [str(p) for p in _sample_files()]
    script = WORKER.format(root=str(ROOT), tests=str(ROOT / "tests"), url=db_url,
                           archive=str(tmp_path / "archive"), paths=paths)
    procs = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
    inserted = sum(int(out.split()[0]) for out, _ in outs)
    n = scalar(engine, "SELECT COUNT(*) FROM documents")
    assert inserted == n  # each report inserted by exactly one of the two
    assert scalar(engine, "SELECT COUNT(*) FROM report_versions") == n
    assert scalar(engine, "SELECT COUNT(*) FROM reports") == scalar(
        engine, "SELECT COUNT(DISTINCT report_key) FROM report_versions")
    assert scalar(engine, "SELECT COUNT(*) FROM report_versions WHERE version = 1") == scalar(
        engine, "SELECT COUNT(DISTINCT report_key) FROM report_versions")
    assert scalar(engine, "SELECT COUNT(DISTINCT sha256) FROM documents") == n


def test_cli_ingest_with_workers_then_again(db_url, tmp_path, query_role):
    try:
        import parsers

        parsers.parse_document(b"", "text/plain")
    except Exception as exc:
        pytest.skip(f"the parser is not usable yet: {type(exc).__name__}: {exc}")
    args = ("ingest", "--no-progress", "--workers", "2", "--archive", str(tmp_path / "arch"), str(SEEDS))
    r = cli(db_url, *args)
    assert r.returncode == 0, r.stderr
    assert "5 inserted" in r.stdout
    r = cli(db_url, *args)
    assert r.returncode == 0 and "0 inserted" in r.stdout and "5 unchanged" in r.stdout, r.stdout
    if db_url.startswith("postgresql"):
        query_role.grant(db_url)
    r = cli(db_url, "query", "SELECT COUNT(*) AS n, COUNT(encoding) AS with_encoding FROM documents",
            "--format", "json")
    assert json.loads(r.stdout) == [{"n": 5, "with_encoding": 5}]
    # Same parser, same archive: reparse re-derives every report and finds nothing to change.
    r = cli(db_url, "reparse", "--no-progress", "--archive", str(tmp_path / "arch"))
    assert r.returncode == 0 and "5 unchanged" in r.stdout, r.stdout + r.stderr


def test_ingest_with_workers_survives_a_killed_worker(engine, archive):
    """A worker killed mid-ingest (as the OOM killer would): the files it and its pool held are
    ingested again one by one, none is lost, none fails."""
    import hashlib
    import multiprocessing
    import signal
    import threading
    import time

    try:
        import parsers

        parsers.parse_document(b"", "text/plain")
    except Exception as exc:
        pytest.skip(f"the parser is not usable yet: {type(exc).__name__}: {exc}")
    from storage.ingest import iter_files

    files = list(iter_files(_sample_files()))
    killed: list[int] = []
    done = threading.Event()

    def kill_one_worker():
        seen: dict[int, float] = {}
        while not done.is_set() and not killed:
            for child in multiprocessing.active_children():  # the ingest's pool workers
                first = seen.setdefault(child.pid, time.monotonic())
                if time.monotonic() - first > 0.05:  # past its start: at work
                    os.kill(child.pid, signal.SIGKILL)
                    killed.append(child.pid)
                    break
            done.wait(0.005)

    thread = threading.Thread(target=kill_one_worker, daemon=True)
    thread.start()
    try:
        counts = ingest_paths(engine, archive, files, workers=2)
    finally:
        done.set()
        thread.join()
    assert killed, "no worker lived long enough to be killed"
    assert counts.failed == 0, counts.errors
    assert counts.inserted + counts.unchanged == len(files)
    shas = {hashlib.sha256(f.read_bytes()).hexdigest() for f in files}  # the same bytes twice: one document
    assert scalar(engine, "SELECT COUNT(*) FROM documents") == len(shas)
