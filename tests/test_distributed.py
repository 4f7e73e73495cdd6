"""Distributed mode on this machine's real Redis and PostgreSQL: two crawl workers on a shared
scrapy-redis frontier and two parse workers fed from its document queue end with the same database
as one `govreports crawl`, no document fetched twice (counted at the server); with one worker of
each kind killed (SIGKILL) mid-run, the others finish and a restart completes the run, nothing lost
and nothing doubled. The portal is the generated scale portal (samples/scale.py)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from samples.scale import ScalePortal, Spec

ROOT = Path(__file__).resolve().parent.parent
REDIS = os.environ.get("GOVREPORTS_TEST_REDIS", "redis://127.0.0.1:6379/0")
# few PDFs: a PDF keeps its real report's body and year, so two of one template are versions of one
# report, numbered in the order they are stored (which differs between runs by design)
SPEC = Spec(sites=8, documents=56, hosts=4, pdf_share=0.05, rate=1000, burst=1000, seed=7)


@pytest.fixture(scope="module")
def redis_url():
    import redis

    try:
        redis.Redis.from_url(REDIS).ping()
    except Exception as exc:
        pytest.skip(f"Redis not reachable at {REDIS}: {exc}")
    return REDIS


@pytest.fixture(scope="module")
def databases(pg_new_database):
    return pg_new_database


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    with ScalePortal(SPEC, tmp_path_factory.mktemp("scale")) as p:
        yield p


def govreports(db: str, archive: Path, *args: str, **kw) -> subprocess.Popen:
    env = dict(os.environ, GOVREPORTS_ARCHIVE=str(archive))
    return subprocess.Popen([sys.executable, "-m", "govreports_cli", "--db", db, *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def finish(proc: subprocess.Popen, timeout: float = 300) -> str:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err[-3000:]
    return out


def crawl_worker(db, archive, frontier, *extra):
    return govreports(db, archive, "crawl", "--distributed", "--redis", REDIS, "--frontier", frontier,
                      "--no-progress", "--json", "--workers", "1", "--log-level", "ERROR", *extra)


def parse_worker(db, archive, frontier):
    return govreports(db, archive, "parse-worker", "--redis", REDIS, "--frontier", frontier, "--workers", "1",
                      "--until-idle", "3")


def rows(db: str) -> dict:
    """What the database holds, keyed by document bytes; version numbers left out (checked apart)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(db)
    join = "JOIN report_versions v ON v.id = x.report_id JOIN documents d ON d.id = v.document_id"
    q = {
        "documents": "SELECT sha256, url, content_type, size, hints::text, parser_version, status FROM documents",
        "reports": "SELECT d.sha256, v.report_key, v.body, v.agency, v.region_code, v.site_id_code, v.year, "
                   "v.template, v.status, v.reasons::text, v.title, v.layout, v.content_digest FROM report_versions v "
                   "JOIN documents d ON d.id = v.document_id",
        "figures": f"SELECT d.sha256, x.table_name, x.row_key, x.col, x.text, x.number, x.kind FROM figures x {join}",
        "findings": f"SELECT d.sha256, x.rule, x.message FROM findings x {join}",
        "sections": f"SELECT d.sha256, x.section, x.text FROM report_sections x {join}",
        "totals": f"SELECT d.sha256, x.new_received, x.total FROM application_totals x {join}",
    }
    try:
        with engine.connect() as conn:
            out = {k: sorted(map(tuple, conn.execute(text(sql)).all()), key=repr) for k, sql in q.items()}
            versions = conn.execute(text(
                "SELECT report_key, COUNT(*), MIN(version), MAX(version), SUM(CASE WHEN is_latest THEN 1 ELSE 0 END) "
                "FROM report_versions GROUP BY report_key")).all()
            dup_docs = conn.execute(text("SELECT COUNT(*) - COUNT(DISTINCT sha256) FROM documents")).scalar()
    finally:
        engine.dispose()
    for key, n, low, high, latest in versions:  # versions 1..n of each body-year, exactly one latest
        assert (low, high, latest) == (1, n, 1), key
    assert dup_docs == 0
    return out


@pytest.fixture(scope="module")
def reference(portal, databases, tmp_path_factory):
    """One `govreports crawl` of the whole portal."""
    tmp = tmp_path_factory.mktemp("reference")
    db = databases()
    p = govreports(db, tmp / "archive", "crawl", "--registry", str(portal.registry_file()), "--impolite",
                   "--no-progress", "--json", "--workers", "1", "--log-level", "ERROR")
    summary = json.loads(finish(p))
    assert summary["documents"] == portal.documents() and not summary["failed"], summary
    return rows(db)


def _seed(portal, db, archive, frontier) -> None:
    out = finish(govreports(db, archive, "seed", "--registry", str(portal.registry_file()), "--redis", REDIS,
                            "--frontier", frontier))
    assert f"{len(portal.sites)} sites" in out


def _clear(frontier: str) -> None:
    subprocess.run([sys.executable, "-m", "govreports_cli", "frontier", "--redis", REDIS, "--frontier", frontier,
                    "--clear"], cwd=ROOT, capture_output=True, timeout=60)


def test_two_crawl_and_two_parse_workers_give_the_database_of_one_crawl(portal, databases, reference, redis_url,
                                                                        tmp_path):
    db, archive, frontier = databases(), tmp_path / "archive", f"grtest:{uuid.uuid4().hex[:10]}"
    before = portal.stats()
    try:
        _seed(portal, db, archive, frontier)
        workers = [crawl_worker(db, archive, frontier, "--fleet", "2") for _ in range(2)]  # polite, together
        parsers = [parse_worker(db, archive, frontier) for _ in range(2)]
        summaries = [json.loads(finish(w)) for w in workers]
        outs = [finish(p) for p in parsers]
    finally:
        _clear(frontier)
    after = portal.stats()
    fetched = {k: n - before["counts"].get(k, 0) for k, n in after["counts"].items()}
    fetched = {k: n for k, n in fetched.items() if n and not k.endswith("/robots.txt")}  # robots.txt: per worker
    # both crawl workers took part, and every page was fetched, once: the shared duplicate filter
    assert all(s["documents"] > 0 for s in summaries), [s["documents"] for s in summaries]
    assert sum(s["documents"] for s in summaries) == portal.documents()
    hosts = len({s.host for s in portal.sites})
    assert len(fetched) == sum(portal.requests_needed().values()) - hosts
    assert {k: n for k, n in fetched.items() if n > 1} == {}
    assert sum(int(o.split()[1]) for o in outs) >= portal.documents()  # both parse workers' documents
    assert rows(db) == reference


def test_a_killed_worker_of_each_kind_loses_nothing_and_doubles_nothing(portal, databases, reference, redis_url,
                                                                       tmp_path):
    db, archive, frontier = databases(), tmp_path / "archive", f"grtest:{uuid.uuid4().hex[:10]}"
    from sqlalchemy import create_engine, text

    engine = create_engine(db)

    def recorded() -> tuple[int, int]:
        try:
            with engine.connect() as conn:
                return tuple(conn.execute(text("SELECT COUNT(*), COUNT(parser_version) FROM documents")).one())
        except Exception:  # no schema yet
            return 0, 0

    try:
        _seed(portal, db, archive, frontier)
        # polite (each of the two waits twice the delay per host): the kill falls mid-crawl
        crawlers = [crawl_worker(db, archive, frontier, "--fleet", "2") for _ in range(2)]
        parsers = [parse_worker(db, archive, frontier) for _ in range(2)]
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            docs, parsed = recorded()
            if docs >= 10 and parsed >= 3:
                break
            time.sleep(0.2)
        docs, parsed = recorded()
        assert 0 < parsed and docs < portal.documents(), (docs, parsed)
        for victim in (crawlers[0], parsers[0]):
            os.kill(victim.pid, signal.SIGKILL)
            victim.communicate()
        json.loads(finish(crawlers[1]))  # the others finish (the dead worker's leases come back to them)
        finish(parsers[1])
        # the restart: one worker of each kind again, on what is left (if anything)
        finish(crawl_worker(db, archive, frontier, "--fleet", "2"))
        finish(parse_worker(db, archive, frontier))
    finally:
        engine.dispose()
        _clear(frontier)
    assert rows(db) == reference
