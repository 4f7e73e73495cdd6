"""The one ingest path (storage.ingest): a document crawled and the same document ingested from a
file give the same rows; `reparse` derives a crawled report with the hints it was fetched with;
documents that are not reports are recorded, never stored as reports, whichever way they come.

Real `govreports crawl` and `govreports ingest` processes, the sample portal (a real HTTP server),
real SQLite databases.
"""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from samples.portal.server import PortalServer

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = ROOT / "samples" / "portal" / "sites.json"
SITES = ("pingtan", "ptoffice")  # plain HTML and text reports, one region (359000), no browser
SUFFIX = {"text/html": ".html", "text/plain": ".txt", "application/pdf": ".pdf"}


def govreports(db: Path, *args: str, archive: Path) -> subprocess.CompletedProcess:
    p = subprocess.run([sys.executable, "-m", "govreports_cli", "--db", f"sqlite:///{db}", *args], cwd=ROOT,
                       env=dict(os.environ, GOVREPORTS_ARCHIVE=str(archive)), capture_output=True, text=True,
                       timeout=240)
    assert p.returncode in (0, 1), p.stderr[-3000:]
    return p


def rows(db: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return sorted(con.execute(sql).fetchall(), key=repr)
    finally:
        con.close()


def derived(db: Path) -> dict:
    """Every row derived from a document, keyed by its bytes (ids, URLs and times left out)."""
    join = "JOIN report_versions v ON v.id = x.report_id JOIN documents d ON d.id = v.document_id"
    return {
        "reports": rows(db, "SELECT d.sha256, v.report_key, v.body, v.version, v.is_latest, v.agency, v.region_code, "
                            "v.site_id_code, v.year, v.template, v.status, v.reasons, v.title, v.publication_date, "
                            "v.layout, v.parser_version, v.content_digest FROM report_versions v "
                            "JOIN documents d ON d.id = v.document_id"),
        "figures": rows(db, "SELECT d.sha256, x.table_name, x.row_key, x.col, x.row_pos, x.col_key, x.text, x.number, "
                            f"x.kind, x.unit, x.amount_wan, x.ambiguous, x.inferred, x.candidates FROM figures x {join}"),
        "findings": rows(db, f"SELECT d.sha256, x.rule, x.message, x.severity FROM findings x {join}"),
        "sections": rows(db, f"SELECT d.sha256, x.section, x.text FROM report_sections x {join}"),
        "totals": rows(db, f"SELECT d.sha256, x.new_received, x.total, x.denied FROM application_totals x {join}"),
        "parsed": rows(db, "SELECT sha256, parser_version, status FROM documents"),
    }


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ingest-path")
    data = json.loads(REGISTRY.read_text(encoding="utf-8"))
    data["sites"] = [s for s in data["sites"] if s["name"] in SITES]
    reg = tmp / "registry.json"
    reg.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    db, archive = tmp / "crawl.db", tmp / "crawl-archive"
    with PortalServer() as srv:
        p = govreports(db, "crawl", "--registry", str(reg), "--base-url", srv.url, "--impolite", "--no-progress",
                       "--json", "--workers", "1", archive=archive)
    summary = json.loads(p.stdout[p.stdout.index("{"):])
    assert summary["reports"] >= 5 and not summary["failed"], summary
    return {"tmp": tmp, "db": db, "archive": archive}


def test_a_crawled_document_and_the_same_file_ingested_give_the_same_rows(crawled):
    """Each document the crawl stored, written to a file and ingested (`govreports ingest`'s path)
    with the hints the crawl recorded for it (the page's SiteIDCode, the registry's region, the list
    title's year): every row derived from it is the same."""
    from storage.archive import Archive
    from storage.db import make_engine
    from storage.hints import Hints
    from storage.ingest import ingest_paths

    tmp, db = crawled["tmp"], crawled["db"]
    folder = tmp / "files"
    folder.mkdir()
    ingested = tmp / "ingest.db"
    govreports(ingested, "db", "upgrade", archive=tmp / "ingest-archive")
    engine, archive = make_engine(f"sqlite:///{ingested}"), Archive(tmp / "ingest-archive")
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:  # in the order the crawl stored them: versions of one body-year are numbered in that order
        documents = con.execute("SELECT sha256, content_type, hints FROM documents ORDER BY id").fetchall()
    finally:
        con.close()
    for sha, ctype, hints in documents:
        path = folder / (sha[:16] + SUFFIX[(ctype or "").split(";")[0].strip()])
        path.write_bytes(Archive(crawled["archive"]).get(sha))
        counts = ingest_paths(engine, archive, [path], hints=Hints.from_json(json.loads(hints) if hints else None))
        assert counts.failed == 0, counts.errors
    by_crawl, by_file = derived(db), derived(ingested)
    assert len(by_crawl["reports"]) >= 5 and by_crawl["figures"] and by_crawl["sections"]
    # (These sites' notices are judged by their titles and never fetched: every parsed document
    # is a report — pingtan's 2018 one, read on the 2016 template since it exists, included.)
    assert any(h and "site_id_code" in h for _, _, h in documents)  # hints that decide a row
    for name in by_crawl:
        assert by_file[name] == by_crawl[name], name


def test_ingest_region_option_is_the_registry_hint(crawled, tmp_path):
    """`govreports ingest --region` gives files the hint the registry gives a crawled site: a
    report that names no region of its own is stored under it."""
    from storage.archive import Archive

    text = next(sha for sha, ctype, status in rows(crawled["db"], "SELECT sha256, content_type, status FROM documents")
                if (ctype or "").startswith("text/plain") and status in ("ok", "needs_review"))
    path = tmp_path / "report.txt"
    path.write_bytes(Archive(crawled["archive"]).get(text))
    db = tmp_path / "r.db"
    p = govreports(db, "ingest", "--no-progress", "--region", "359000", str(path), archive=tmp_path / "a")
    assert p.returncode == 0 and "1 inserted" in p.stdout, p.stdout + p.stderr
    assert rows(db, "SELECT region_code FROM report_versions") == [("359000",)]
    bad = govreports(db, "ingest", "--no-progress", "--region", "35", str(path), archive=tmp_path / "a")
    assert bad.returncode == 1 and "6-digit" in bad.stderr


def test_reparse_derives_a_crawled_report_with_its_hints(crawled, tmp_path):
    """A text report says no SiteIDCode: its region came from the page and the registry. Reparse
    (the same parser) finds every report unchanged, so keeps those regions; a parser that now
    reads nothing of the body still stores it under the crawl's region."""
    from storage.archive import Archive
    from storage.db import make_engine
    from storage.ingest import reparse_all

    db = tmp_path / "copy.db"
    with sqlite3.connect(crawled["db"]) as src, sqlite3.connect(db) as dst:  # with what its WAL holds
        src.backup(dst)
    before = derived(db)
    assert any(code == "359000" for (_, _, _, _, _, _, code, *_rest) in before["reports"])
    counts = reparse_all(make_engine(f"sqlite:///{db}"), Archive(crawled["archive"]))
    assert counts.failed == 0 and counts.updated == counts.inserted == 0, counts.summary()
    assert derived(db) == before

    import parsers

    def forgetful(data, ctype, url):  # the same report, its region and site code unread
        from dataclasses import replace

        report = parsers.parse_document(data, ctype, url)
        return replace(report, region_code=None, site_id_code=None, parser_version="test-forgetful")

    reparse_all(make_engine(f"sqlite:///{db}"), Archive(crawled["archive"]), parse=forgetful)
    regions = {row[0]: row[6] for row in derived(db)["reports"]}
    assert regions == {row[0]: row[6] for row in before["reports"]}


def test_a_file_that_is_not_a_report_is_recorded_not_stored_as_one(tmp_path):
    notice = tmp_path / "notice.html"
    notice.write_text("<html><head><title>关于做好2022年度政府信息公开工作年度报告编制发布工作的通知</title></head>"
                      "<body><p>各单位：请于2023年1月31日前报送本单位2022年度政府信息公开工作年度报告。</p></body></html>",
                      encoding="utf-8")
    db = tmp_path / "n.db"
    p = govreports(db, "ingest", "--no-progress", str(notice), archive=tmp_path / "archive")
    assert p.returncode == 0 and "1 not reports" in p.stdout, p.stdout + p.stderr
    assert rows(db, "SELECT COUNT(*) FROM report_versions") == [(0,)]
    ((status, version),) = rows(db, "SELECT status, parser_version FROM documents")
    assert status == "not_a_report" and version
    again = govreports(db, "ingest", "--no-progress", str(notice), archive=tmp_path / "archive")
    assert "1 unchanged" in again.stdout  # parsed by this parser already: not parsed again
