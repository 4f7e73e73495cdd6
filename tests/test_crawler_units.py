"""Crawler pieces without a crawl: judging titles and pages, the registry, regions, `scrapy crawl`."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawler import judge
from crawler.documents import hints_of
from crawler.registry import DEFAULT_REGISTRY, load_registry, select_sites, site_from_dict
from parsers.record import Report
from samples.portal.server import REGISTRY as SAMPLE_REGISTRY

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("title,verdict", [
    ("XX局2023年政府信息公开工作年度报告", True),
    ("XX局政府信息公开工作2025年度报告", True),
    ("XX局2022年政府信息公开工作年度报告（图片版）", True),
    ("关于印发XX区2023年政府信息公开工作年度报告的通知", True),
    ("关于做好2022年度政府信息公开工作年度报告编制发布工作的通知", False),
    ("关于报送2025年度政府信息公开工作年度报告的通知", False),
    ("XX市政府信息公开指南", False),
    ("政府信息公开目录", False),
    ("关于印发《上海市政府信息公开工作年度报告编制指引》的通知", False),
    ("XX局2023年部门预算", False),
])
def test_report_titles(title, verdict):
    assert judge.is_report_title(title) is verdict


@pytest.mark.parametrize("title,year", [
    ("XX局2023年政府信息公开工作年度报告", 2023),
    ("XX局政府信息公开工作2025年度报告", 2025),
    ("2024年上海市科学技术委员会政府信息公开工作年度报告", 2024),
    ("平潭综合实验区2019年度政府信息公开工作年度报告", 2019),
    ("政府信息公开年报", None),
])
def test_year_of_title(title, year):
    assert judge.year_of_title(title) == year


def test_soft_blocks_and_challenges():
    soft = "<html><head><title>访问异常</title></head><body>访问异常，请稍后再试</body></html>".encode()
    assert judge.is_soft_block(200, soft)
    assert judge.is_soft_block(200, b"<html><body>Please enable JavaScript to view the page.</body></html>")
    report = ("<html><body><div class='TRS_Editor'>" + "一、总体情况。" * 400 + "</div></body></html>").encode()
    assert not judge.is_soft_block(200, report)
    assert judge.is_challenge(412, b"<script>var $_ts=window['$_ts'];</script>")
    assert judge.is_challenge(521, b"<script>document.cookie='__jsl_clearance_s=1';location.href=location</script>")
    assert not judge.is_challenge(200, report)


def test_shell_pages():
    assert judge.shell_target(b'<html><head><script>location.replace("/a/b.html");</script></head></html>') == "/a/b.html"
    assert judge.shell_target(b'<meta http-equiv="refresh" content="0; url=/x/y.html">') == "/x/y.html"
    assert judge.shell_target(b"<html>" + b"x" * 5000 + b"location.replace('/z')</html>") is None


def test_site_id_code_region():
    body = b'<head><meta name="SiteIDCode" content="4403000052"></head>'
    assert judge.site_id_code(body) == "4403000052"
    assert judge.region_of_site_id("4403000052") == "440300"
    assert judge.region_of_site_id("0000000001") is None


def test_region_settles_siteidcode_then_registry_on_a_copy():
    from storage.hints import hints_applied

    parsed = Report(status="ok", year=None)
    rep = hints_applied(parsed, hints_of({"site_id_code": "3590000001", "region_code": "350000", "year_hint": 2021}))
    assert rep.region_code == "359000" and rep.year == 2021 and rep.site_id_code == "3590000001"
    assert rep.reasons == ["year taken from the list title"]
    # the parser's record is left as the parser made it
    assert (parsed.region_code, parsed.year, parsed.site_id_code, parsed.reasons) == (None, None, None, [])
    rep = hints_applied(Report(status="ok", year=2020), hints_of({"region_code": "370826", "year_hint": 2021}))
    assert rep.region_code == "370826" and rep.year == 2020 and rep.reasons == []
    # the parser's reading of the page's SiteIDCode beats the registry's code
    rep = hints_applied(Report(status="ok", region_code="440300", site_id_code="4403000052"),
                        hints_of({"region_code": "440000"}))
    assert rep.region_code == "440300"


def test_registries_load():
    real = load_registry(DEFAULT_REGISTRY)
    assert real and all(len(s.region_code) == 6 for s in real)
    sample = load_registry(SAMPLE_REGISTRY, "http://127.0.0.1:9")
    assert len(sample) >= 8
    assert all(s.start_urls[0].startswith("http://127.0.0.1:9/") for s in sample)
    assert {s.name for s in sample if s.needs_browser} == {"ptdata", "ruishu"}
    assert [s.name for s in select_sites(sample, region="3590")] == ["pingtan", "ptoffice", "ptdata"]
    assert [s.name for s in select_sites(sample, names=["hongze"])] == ["hongze"]
    with pytest.raises(ValueError):
        select_sites(sample, names=["nope"])


def test_registry_validation():
    with pytest.raises(ValueError):
        site_from_dict({"name": "x", "region_code": "12", "start_urls": ["http://a/"]})
    with pytest.raises(ValueError, match="unknown family 'nope'"):
        site_from_dict({"name": "x", "region_code": "110000", "family": "nope", "start_urls": ["http://a/"]})
    assert site_from_dict({"name": "x", "region_code": "110000", "start_urls": ["http://a/"]}).family is None
    s = site_from_dict({"name": "x", "region_code": "110000", "family": "trs",
                        "start_urls": ["https://zfxxgk.beijing.gov.cn/110016/zfxxgknb/list.shtml"],
                        "obey_robots": False, "cat_id": 7})
    assert s.allowed_domains == ["zfxxgk.beijing.gov.cn"] and not s.obey_robots and s.options == {"cat_id": 7}


def test_scrapy_crawl_command(tmp_path):
    """`scrapy crawl column` works from the project root with the registry's arguments."""
    from samples.portal.server import PortalServer

    out = tmp_path / "results.jsonl"
    with PortalServer() as srv:
        cmd = [sys.executable, "-m", "scrapy", "crawl", "column", "-a", "site=ptoffice", "-a",
               f"registry={SAMPLE_REGISTRY}", "-a", f"base_url={srv.url}", "-s", "GOVREPORTS_MODE=download",
               "-s", f"GOVREPORTS_RESULTS={out}", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0",
               "-s", "LOG_LEVEL=WARNING"]
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120, env=dict(os.environ))
        assert p.returncode == 0, p.stderr[-2000:]
        truth = {t["url"] for t in srv.truth() if t["site"] == "ptoffice"}
    got = {json.loads(line)["url"] for line in out.read_text().splitlines()}
    assert got == truth


def test_crawl_into_a_newer_schema_says_what_to_do(tmp_path):
    """A database from a newer govreports: a one-line error naming the fix, no traceback."""
    from sqlalchemy import create_engine, text

    db = tmp_path / "newer.db"
    with create_engine(f"sqlite:///{db}").begin() as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
        conn.execute(text("INSERT INTO alembic_version VALUES ('9999')"))
    cmd = [sys.executable, "-m", "govreports_cli", "--db", f"sqlite:///{db}", "crawl", "--registry",
           str(SAMPLE_REGISTRY), "--base-url", "http://127.0.0.1:9", "--site", "ptoffice", "--no-progress"]
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 2
    assert "newer than this govreports" in p.stderr and "upgrade govreports" in p.stderr
    assert "Traceback" not in p.stderr


def test_unreachable_sites_are_reported_and_fail_the_command(tmp_path):
    """A portal that never answers: no report, the sites named on stderr, exit status 1 (a
    scheduled crawl must notice), the failures kept in the run record."""
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = f"sqlite:///{tmp_path / 'dead.db'}"
    cmd = [sys.executable, "-m", "govreports_cli", "--db", db, "crawl", "--registry", str(SAMPLE_REGISTRY),
           "--base-url", f"http://127.0.0.1:{port}", "--site", "ptoffice", "--impolite", "--no-progress",
           "--log-level", "CRITICAL"]
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, GOVREPORTS_ARCHIVE=str(tmp_path / "archive")))
    assert p.returncode == 1, p.stderr[-2000:]
    assert "reports 0" in p.stdout
    assert "failed requests on 1 site(s): ptoffice" in p.stderr and "no answer at all from ptoffice" in p.stderr
    runs = subprocess.run([sys.executable, "-m", "govreports_cli", "--db", db, "runs", "--json"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    (run,) = json.loads(runs.stdout)
    assert run["failed"] >= 1 and run["errors"]


def test_run_recorded_and_a_worker_parses_at_low_priority(tmp_path):
    """The run is recorded (schema created on a new database) before the first request; a parse
    worker lowers its own priority at its first document, not before (its start-up, schema and
    parser, is what the first documents wait for)."""
    from crawler.ledger import RunLedger
    from crawler.processor import make_processor
    from crawler.runspec import run_spec
    from crawler.worker import process
    from storage.db import make_engine
    from storage.runs import list_runs

    db = f"sqlite:///{tmp_path / 'run.db'}"
    spec = run_spec(db=db, registry=SAMPLE_REGISTRY, base_url="http://127.0.0.1:9", sites=["ptoffice"])
    assert spec.mode == "full" and spec.arguments["sites"] == ["ptoffice"]
    processor = make_processor(db=db, workers=1)
    run = RunLedger(db, spec)
    try:
        run.begin()
        (recorded,) = list_runs(make_engine(db))
        assert recorded["id"] == run.run_id and recorded["status"] == "running" and run.ledger == {}
        assert run.previous_reports == {}
        pool = processor.pool
        before = pool.submit(os.getpriority, os.PRIO_PROCESS, 0).result()
        report = ROOT / "samples/reports/000_e865654a7cdf3aef.txt"  # a real report, as a portal serves it
        res = pool.submit(process, {"body": report.read_bytes(), "url": "http://127.0.0.1:9/a.txt",
                                        "content_type": "text/plain"}, db, None).result()
        after = pool.submit(os.getpriority, os.PRIO_PROCESS, 0).result()
        run.close("finished", 0)
    finally:
        processor.shutdown()
    assert res["outcome"] == "stored"
    assert after == min(19, before + processor.nice) and processor.nice > 0
    (recorded,) = list_runs(make_engine(db))
    assert recorded["status"] == "finished"


def test_a_selection_of_no_site_records_no_run(tmp_path):
    """Nothing to crawl: a one-line error, exit status 2, and no run in the database."""
    db = tmp_path / "empty.db"
    cmd = [sys.executable, "-m", "govreports_cli", "--db", f"sqlite:///{db}", "crawl", "--registry",
           str(SAMPLE_REGISTRY), "--base-url", "http://127.0.0.1:9", "--region", "99", "--no-progress"]
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "matches the selection (region 99)" in p.stderr and "Traceback" not in p.stderr
    assert not db.exists() or "crawl_runs" not in db.read_bytes().decode("latin-1")


def _report_item(name: str = "000_e865654a7cdf3aef.txt", url: str = "http://127.0.0.1:9/a.txt") -> dict:
    return {"body": (ROOT / "samples/reports" / name).read_bytes(), "url": url, "content_type": "text/plain"}


def test_a_killed_parse_worker_is_replaced_and_its_documents_parsed_again(tmp_path):
    """A parse worker killed (as the OOM killer would, SIGKILL) breaks its pool: the documents
    it held are parsed again and stored, and the crawl goes on in a new pool."""
    import asyncio
    import signal

    from crawler.processor import Processor

    db = f"sqlite:///{tmp_path / 'killed.db'}"
    processor = Processor(db, workers=1)
    processor.start()
    try:
        first = asyncio.run(processor.process(_report_item()))
        assert first["outcome"] == "stored"
        os.kill(first["worker"], signal.SIGKILL)
        names = sorted(p.name for p in (ROOT / "samples/reports").glob("*.txt"))[1:4]

        async def more():
            return await asyncio.gather(*(processor.process(_report_item(n, f"http://127.0.0.1:9/{n}"))
                                          for n in names))

        after = asyncio.run(more())
        answer = processor.pool.submit(os.getpid).result()  # the replacement pool answers
    finally:
        processor.shutdown()
    assert [r["outcome"] for r in after] == ["stored"] * 3, after
    assert first["worker"] not in {r["worker"] for r in after} and answer != first["worker"]


def test_a_document_that_kills_its_worker_twice_fails_alone(tmp_path):
    """Every worker dies while one document is in hand (killed until it gives up): that document
    fails with a message that says so, nothing is stored for it, and the next one is stored."""
    import asyncio
    import contextlib
    import signal
    import threading

    from crawler.processor import Processor

    db = f"sqlite:///{tmp_path / 'culprit.db'}"
    processor = Processor(db, workers=1)
    processor.start()
    stop = threading.Event()

    def killer():
        while not stop.is_set():
            for pid in processor.pool.processes():
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            stop.wait(0.01)

    try:
        assert asyncio.run(processor.process(_report_item()))["outcome"] == "stored"
        thread = threading.Thread(target=killer, daemon=True)
        thread.start()
        try:
            culprit = asyncio.run(processor.process(_report_item("001_4b9b066e761ef3f1.txt", "http://127.0.0.1:9/b.txt")))
        finally:
            stop.set()
            thread.join()
        after = asyncio.run(processor.process(_report_item("002_1470c6164cb70c53.txt", "http://127.0.0.1:9/c.txt")))
    finally:
        processor.shutdown()
    assert culprit["outcome"] == "failed" and "died on this document twice" in culprit["error"]
    assert after["outcome"] == "stored"
    from sqlalchemy import create_engine, text

    with create_engine(db).connect() as conn:
        urls = set(conn.execute(text("SELECT url FROM documents")).scalars())
    assert "http://127.0.0.1:9/b.txt" not in urls and "http://127.0.0.1:9/c.txt" in urls


def test_run_components_read_the_run_from_their_crawler_and_are_off_without_one():
    """No run state in module globals: each component takes the run attached to its own crawler,
    and a crawler without a recorded run (a plain `scrapy crawl`, a download-only crawl) has the
    run's components switched off, as Scrapy's own extensions are."""
    from scrapy.exceptions import NotConfigured
    from scrapy.utils.test import get_crawler

    from crawler.context import CrawlContext
    from crawler.incremental import ConditionalRequestMiddleware, IncrementalSpiderMiddleware
    from crawler.ledger import RunLedger
    from crawler.pipelines import LedgerPipeline, ReportPipeline
    from crawler.processor import Processor
    from crawler.runspec import RunSpec

    components = (IncrementalSpiderMiddleware, ConditionalRequestMiddleware, LedgerPipeline)
    plain = get_crawler(settings_dict={"GOVREPORTS_DB": None})
    for cls in components:
        with pytest.raises(NotConfigured):
            cls.from_crawler(plain)
    assert ReportPipeline.from_crawler(plain).context.standalone  # a processor of its own

    processor = Processor(None)
    runs = [RunLedger(processor, RunSpec("nightly", {"sites": [name]}, True)) for name in ("a", "b")]
    crawlers = []
    for run in runs:
        crawler = get_crawler()
        CrawlContext(processor, run).attach(crawler)
        crawlers.append(crawler)
    for crawler, run in zip(crawlers, runs):
        assert IncrementalSpiderMiddleware.from_crawler(crawler).run is run
        assert ConditionalRequestMiddleware.from_crawler(crawler).run is run
        assert LedgerPipeline.from_crawler(crawler).run is run
        pipeline = ReportPipeline.from_crawler(crawler)
        assert pipeline.processor is processor and not pipeline.context.standalone


def test_the_scheduler_serves_list_pages_then_the_hosts_with_the_most_requests_waiting():
    """crawler.queues: among hosts with nothing under way, the one whose next request is a list
    page (what a host holds is known once its list pages are read), then the one with the most
    requests waiting — not every host in turn, which under a crawl process short of CPU gives the
    busiest host the same share as the smallest and makes it the end of the crawl."""
    import asyncio

    from scrapy import Request
    from scrapy.squeues import FifoMemoryQueue
    from scrapy.utils.test import get_crawler

    from crawler.queues import BacklogPriorityQueue
    from crawler.spiders.column import LIST_PRIORITY

    async def pops() -> tuple[list[str], list[str], object]:  # (Scrapy's download handlers want a running loop)
        crawler = get_crawler(settings_dict={"CONCURRENT_REQUESTS_PER_IP": 0})
        crawler._apply_settings()
        crawler.engine = crawler._create_engine()  # the real downloader, whose slots say what is under way
        queue = BacklogPriorityQueue(crawler, FifoMemoryQueue, "")
        for host, n in {"a.gov.cn": 3, "b.gov.cn": 1, "c.gov.cn": 5}.items():
            for i in range(n):
                queue.push(Request(f"http://{host}/t{i}.html", priority=10))
        queue.push(Request("http://b.gov.cn/list_1.html", priority=LIST_PRIORITY))
        first = [queue.pop().url for _ in range(5)]
        rest = [queue.pop().url for _ in range(len(queue))]
        left = queue.pop()
        crawler.engine.downloader.close()
        return first, rest, left

    first, rest, left = asyncio.run(pops())
    assert first[0] == "http://b.gov.cn/list_1.html"  # a list page first, though b has least waiting
    # then the largest backlog (c: 5, then 4), ties by host name (a and c at 3, 2, 1; then b)
    assert [u.split("/")[2][0] for u in first + rest] == list("bccacacabc") and left is None


def test_waiting_requests_wait_on_disk_in_the_crawls_own_directory(tmp_path, monkeypatch):
    """crawler.queues.SpoolingScheduler: every request waits in a disk queue (none in memory), comes
    back whole and in the backlog queue's order, and the directory goes with the crawl; one left by
    a killed crawl is removed by the next, one of a crawl still running is not."""
    import asyncio
    import gc
    import tempfile

    import scrapy
    from scrapy.utils import trackref
    from scrapy.utils.test import get_crawler

    from crawler.queues import SPOOL_PREFIX, SpoolingScheduler
    from crawler.spiders.column import LIST_PRIORITY

    class Spider(scrapy.Spider):
        name = "t"

        def parse_detail(self, response):
            pass

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = tmp_path / f"{SPOOL_PREFIX}999999999-x"  # above any pid this kernel hands out
    alive = tmp_path / f"{SPOOL_PREFIX}{os.getpid()}-y"
    dead.mkdir(), alive.mkdir()

    async def crawl() -> tuple:
        crawler = get_crawler(Spider, settings_dict={"CONCURRENT_REQUESTS_PER_IP": 0,
                                                     "SCHEDULER_PRIORITY_QUEUE": "crawler.queues.BacklogPriorityQueue"})
        crawler._apply_settings()
        crawler.spider = spider = Spider.from_crawler(crawler)
        crawler.engine = crawler._create_engine()
        scheduler = SpoolingScheduler.from_crawler(crawler)
        scheduler.open(spider)
        spool = Path(scheduler.dqdir)
        for i in range(30):
            scheduler.enqueue_request(scrapy.Request(f"http://h{i % 3}.gov.cn/t{i}.html", callback=spider.parse_detail,
                                                     priority=10, meta={"title": f"报告{i}", "list_date": "2024-01-0"}))
        scheduler.enqueue_request(scrapy.Request("http://h2.gov.cn/list_2.html", callback=spider.parse_detail,
                                                 priority=LIST_PRIORITY))
        spooled = [p for p in spool.rglob("*") if p.is_file()]
        gc.collect()
        held = [r for r in trackref.live_refs[scrapy.Request] if ".gov.cn/" in r.url]  # held in memory
        stats = dict(crawler.stats.get_stats())
        popped = [scheduler.next_request() for _ in range(31)]
        scheduler.close("finished")
        crawler.engine.downloader.close()
        return spool, spooled, held, stats, popped

    spool, spooled, held, stats, popped = asyncio.run(crawl())
    assert spool.parent == tmp_path and spool.name.startswith(f"{SPOOL_PREFIX}{os.getpid()}-")
    assert stats.get("scheduler/enqueued/disk") == 31 and not stats.get("scheduler/enqueued/memory")
    assert len(spooled) >= 4 and held == []  # a file for each host and priority; no request in memory
    assert popped[0].url == "http://h2.gov.cn/list_2.html"  # the list page first, as in memory
    assert sorted(r.url for r in popped[1:]) == sorted(f"http://h{i % 3}.gov.cn/t{i}.html" for i in range(30))
    t7 = next(r for r in popped if r.url.endswith("/t7.html"))
    assert t7.meta["title"] == "报告7" and t7.callback.__name__ == "parse_detail" and t7.priority == 10
    assert not spool.exists() and not dead.exists() and alive.exists()


def test_a_run_reads_the_ledger_of_its_own_sites_only(tmp_path):
    """A crawl of some sites holds what the ledger knows of those sites, not of the whole database
    (a backfill of one region next to a national corpus); a selection longer than a statement's
    parameters are read in parts."""
    from storage.db import make_engine
    from storage.migrate import create_if_empty
    from storage.runs import load_ledger, record_urls

    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    engine = make_engine(db)
    create_if_empty(engine, db)
    record_urls(engine, [{"url": f"http://{site}.gov.cn/t{i}.html", "site": site, "list_title": "报告",
                          "list_date": "2024-01-02", "entry_run_id": 1} for site in ("a", "b") for i in range(3)])
    assert sorted(load_ledger(engine, ["a"])) == [f"http://a.gov.cn/t{i}.html" for i in range(3)]
    assert len(load_ledger(engine, None)) == 6
    many = [f"site{i}" for i in range(1200)] + ["b"]
    assert sorted(load_ledger(engine, many)) == [f"http://b.gov.cn/t{i}.html" for i in range(3)]
    assert load_ledger(engine, ["c"]) == {}
