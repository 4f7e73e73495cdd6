"""Pipelines: archive the raw document, parse it (parsers) and store it (storage) — off the reactor.

Parsing costs 70-165 ms a page (more for PDFs) while a download from a near server costs a few,
so the reactor thread never parses: documents go to a process pool for parsing and to a single
writer thread for the archive and the database. The Scrapy pipeline only awaits the result.

The storage boundary is one function, :func:`store_document` (archive the bytes, then
``storage.store.store`` the parsed report with its fetch metadata).
"""
from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import json
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Callable

from parsers import STORED_STATUSES

from . import judge

logger = logging.getLogger(__name__)

# Statuses of documents kept as reports: "not_a_report" / "empty" (notices, list pages,
# soft blocks that slipped through) are never stored as reports.
REPORT_STATUSES = frozenset(STORED_STATUSES)


# ------------------------------------------------------------------ work done in pool workers

# The parser and the libraries of its layout readers (imported on a reader's first document).
_PARSER_MODULES = ("parsers.pipeline", "trafilatura", "parsers.layouts.pdf", "pdfplumber.table", "pypdfium2", "docx")
_STORAGE_MODULES = ("storage.store", "storage.migrate")


def _load(modules: tuple[str, ...]) -> None:
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # pragma: no cover - a broken parser shows up on the first document
            pass
    # What the modules built lives as long as the worker: out of the cyclic collector's sight, it is
    # not walked again by every collection a parse triggers (~4 % of parsing CPU, measured).
    gc.freeze()


def load_parser() -> None:
    """Load the parser before the first document arrives (a job of its own, see Processor)."""
    _load(_PARSER_MODULES)


def parse_job(data: bytes, content_type: str | None, url: str | None):
    """Parse one document (runs in a worker process)."""
    import parsers

    return parsers.parse_document(data, content_type, url)


_WORKER_STORE: dict[str, "Store"] = {}
_WORKER_LOCK = None  # shared by a pool's workers: one of them creates a new database's schema
_PARSE_NICE = 0  # how much lower this worker's priority goes once it parses (see _parse_priority)


def _worker_init(db_url: str | None, lock=None, nice: int = 0) -> None:
    """A worker loads storage first when there is a database: its first job creates the schema,
    which a recorded run waits for. The parser is loaded by the next job, before documents come."""
    global _WORKER_LOCK, _PARSE_NICE
    _WORKER_LOCK = lock
    try:
        _PARSE_NICE = int(os.environ.get("GOVREPORTS_PARSE_NICE", nice))
    except ValueError:
        _PARSE_NICE = nice
    _load(_STORAGE_MODULES if db_url else _PARSER_MODULES)


def _parse_priority() -> None:
    """Lower this worker's priority once, at its first document. The start-up before (schema, run
    record, parser) is what the first request waits for, so it keeps full priority; parsing then
    yields the CPU to the downloader, the browser and the reactor, and catches up when they wait."""
    global _PARSE_NICE
    if _PARSE_NICE > 0:
        try:
            os.nice(_PARSE_NICE)
        except (OSError, AttributeError):  # pragma: no cover - not on every platform
            pass
    _PARSE_NICE = 0


def _worker_store(db_url: str) -> "Store":
    store = _WORKER_STORE.get(db_url)
    if store is None:
        with _WORKER_LOCK or contextlib.nullcontext():
            store = _WORKER_STORE.get(db_url) or Store(db_url)
        _WORKER_STORE[db_url] = store
    return store


def prepare_database(db_url: str) -> None:
    """Create (or check) the database schema in a worker, while the crawler process loads Scrapy."""
    _worker_store(db_url)


def start_run_job(db_url: str, mode: str, arguments: dict, resume: bool, pid: int):
    """Record the run of crawler process `pid` and read the ledger (storage.runs), in a worker."""
    from storage.runs import load_ledger, start_run

    engine = _worker_store(db_url).engine
    run_id, chain = start_run(engine, mode, arguments, resume=resume, pid=pid)
    return run_id, chain, load_ledger(engine)


def write_ledger_job(db_url: str, rows: list[dict], run_id: int, counts: dict, errors: list[str],
                     final: dict) -> None:
    """Ledger rows, then the run's counts (storage.runs), in a worker."""
    from storage.runs import record_urls, update_run

    engine = _worker_store(db_url).engine
    if rows:
        record_urls(engine, rows)
    update_run(engine, run_id, counts, errors, **final)


def process_job(item: dict, db_url: str | None, year: int | None, region: str | None = None,
                with_cells: bool = True) -> dict:
    """Parse, settle region and year, archive and store one document (runs in a worker process,
    so the crawl's reactor thread only ever waits on a future). Returns the outcome record, with
    the report's figures and cells if `with_cells` (for a --results file)."""
    _parse_priority()
    res = _process(item, db_url, year, region, with_cells)
    res["worker_cpu_s"] = round(time.process_time(), 4)  # this worker's CPU since it started
    return res


def _process(item: dict, db_url: str | None, year: int | None, region: str | None, with_cells: bool) -> dict:
    t0, c0 = time.perf_counter(), time.process_time()
    report = parse_job(item["body"], item.get("content_type"), item.get("url"))
    res: dict[str, Any] = {"parse_s": round(time.perf_counter() - t0, 4),
                           "parse_cpu_s": round(time.process_time() - c0, 4), "worker": os.getpid()}
    settle_region_and_year(item, report)
    res |= {"status": report.status, "year": report.year, "region_code": report.region_code,
            "agency": report.agency, "flagged": report.status != "ok"}
    if report.status not in REPORT_STATUSES:
        return res | {"outcome": "skipped"}
    if year and report.year != year:
        return res | {"outcome": "skipped", "why": "other year"}
    if region and not (report.region_code or "").startswith(region):
        return res | {"outcome": "skipped", "why": "other region"}
    if with_cells:
        res["figures"] = report.figures()
        res["cells"] = [[c.table, c.row, c.col, c.text, c.number, c.kind] for c in report.cells()]
    if not db_url:
        return res | {"outcome": "stored", "storage": "not stored (no database)"}
    return res | {"outcome": "stored", "storage": store_document(_worker_store(db_url), item, report)}


# ------------------------------------------------------------------ the storage boundary

class Store:
    """Database engine + archive, opened once per crawl (schema created on a new database)."""

    def __init__(self, db_url: str, archive_root: str | None = None) -> None:
        from storage import migrate
        from storage.archive import Archive, default_archive_root
        from storage.db import check_schema, current_revision, is_empty, make_engine

        self.engine = make_engine(db_url)
        if current_revision(self.engine) is None and is_empty(self.engine):
            migrate.upgrade(db_url)
        check_schema(self.engine)
        self.archive = Archive(archive_root or default_archive_root(db_url))


def store_document(store: Store, item: dict, report) -> str:
    """Archive the raw bytes and store the parsed report with the fetch metadata.
    Returns storage's outcome ("inserted" / "updated" / "unchanged")."""
    from storage.store import RawDocument
    from storage.store import store as storage_store

    sha = store.archive.put(item["body"])
    doc = RawDocument(data=item["body"], url=item["url"], content_type=item.get("content_type"),
                      encoding=item.get("encoding"), fetched_at=item.get("fetched_at"),
                      http_status=item.get("http_status"), etag=item.get("etag"),
                      last_modified=item.get("last_modified"))
    return storage_store(store.engine, doc, report, sha=sha)


def settle_region_and_year(item: dict, report) -> None:
    """Every report gets its body's 6-digit code: the page's SiteIDCode, else the parser's
    reading of it, else the registry's code for the site. A report without a readable year
    takes the year of its list title."""
    region = (judge.region_of_site_id(item.get("site_id_code"))
              or judge.region_of_site_id(getattr(report, "site_id_code", None))
              or item.get("region_code"))
    report.region_code = region
    if not report.site_id_code and item.get("site_id_code"):
        report.site_id_code = item["site_id_code"]
    if report.year is None and item.get("year_hint"):
        report.year = item["year_hint"]
        report.reasons.append("year taken from the list title")


# ------------------------------------------------------------------ the processor

class WorkerDied(RuntimeError):
    """A document whose parse killed its worker process, again when it was parsed alone."""


def _submit_into(pool: Executor, outer: Future, fn: Callable, *args) -> None:
    """pool.submit(fn, *args), its outcome copied into `outer`."""
    def copy(inner: Future) -> None:
        if inner.cancelled():
            outer.cancel()
        elif inner.exception() is not None:
            outer.set_exception(inner.exception())
        else:
            outer.set_result(inner.result())

    try:
        pool.submit(fn, *args).add_done_callback(copy)
    except BaseException as exc:  # noqa: BLE001 - a pool that cannot start: start_run raises it
        outer.set_exception(exc)


class Processor:
    """Parse and store in a process pool (which also keeps a recorded run's record and ledger);
    shared by every crawler of a run."""

    def __init__(self, db_url: str | None, mode: str = "full", workers: int = 0, year: int | None = None,
                 region: str | None = None, dump_dir: str | None = None, on_result: Callable[[dict], None] | None = None,
                 with_cells: bool = True) -> None:
        self.db_url, self.mode, self.year, self.region = db_url, mode, year, region
        self.with_cells = with_cells  # figures and cells come back from the workers (a --results file)
        # One core stays with the reactor and the browser; parsing gets the others. Workers parse at
        # low priority (nice 10, GOVREPORTS_PARSE_NICE): where they share a core with the crawl
        # (few cores, the browser's processes, --workers above cores - 1), parsing never stalls the
        # downloader (benchmarks/README.md: 19 of 20 runs within target against 16 of 20 at nice 0).
        cores = os.cpu_count() or 1
        self.workers = workers or max(1, cores - 1)
        self.nice = 10
        self.dump_dir = Path(dump_dir) if dump_dir else None
        self.on_result = on_result
        self.results: list[dict] = []
        self._lock = threading.Lock()
        self._pool: Executor | None = None
        self._opened = 0
        self._database: Future | None = None
        self._run: tuple[Any, Future] | None = None  # the run the pool records as it starts (start_pool)
        # A worker that dies (a reader's C code crashing on a malformed file, the OOM killer) breaks
        # its whole pool: the pool is replaced, and the documents it held are parsed again one at a
        # time in a pool of their own, so that only a document that kills a worker fails.
        self._alone: Executor | None = None
        self._alone_lock = asyncio.Lock()
        self.kept_open = False  # the caller shuts the pool down (it still writes the run record after the crawl)

    def start_pool(self, run=None) -> None:
        """Start the parse workers. The first one creates or checks the schema, records `run` (a
        crawler.runspec.RunSpec) if one is given, then loads the parser: all while this process
        loads Scrapy. `govreports crawl` calls this before it imports Scrapy; `scrapy crawl` on
        spider open."""
        with self._lock:
            if self._pool is not None or self.mode != "full":
                return
            self._pool = self._new_pool()
            # One worker starts now; the pool adds the others only when documents queue up:
            # workers loading the parser all at once would hold up the crawler's own start and the
            # browser. Each job is submitted when the one before has finished, so the same worker
            # takes it (a job submitted while every worker is busy starts another worker).
            if self.db_url:
                self._database = Future()
                self._run = (run, Future()) if run is not None else None
                # The first submission starts the forkserver and the worker and waits for both
                # (some 30 ms): a helper thread waits, this one goes on loading the crawler.
                threading.Thread(target=self._open_database, name="pool-start", daemon=True).start()

    def _open_database(self) -> None:
        """Schema, then the run record, then the parser, one after another in the first worker."""
        pool = self._pool  # shutdown() lets go of it: a late submission then fails, and is dropped
        _submit_into(pool, self._database, prepare_database, self.db_url)
        if self._database.exception() is not None:
            if self._run is not None:
                self._run[1].set_exception(self._database.exception())
            return
        if self._run is not None:
            spec, done = self._run
            _submit_into(pool, done, start_run_job, self.db_url, spec.mode, spec.arguments, spec.resume, os.getpid())
            with contextlib.suppress(Exception):  # the run's error is the caller's, from start_run
                done.result()
        with contextlib.suppress(RuntimeError):  # the pool was shut down meanwhile
            pool.submit(load_parser)

    def browser_cpus(self) -> set[int] | None:
        """The one CPU a parsing crawl keeps its browser on (crawler.browser.keep_browser_on) where
        GOVREPORTS_PIN_BROWSER=1: the core that stays with the reactor, the workers' cores stay
        theirs. It paid off while parsing a PDF cost a quarter second; with PDFium it costs the
        browser more than it saves the workers (benchmarks/README.md). None: anywhere."""
        if self.mode != "full" or not hasattr(os, "sched_getaffinity") or \
                os.environ.get("GOVREPORTS_PIN_BROWSER", "0") in ("", "0"):
            return None
        allowed = sorted(os.sched_getaffinity(0))
        return {allowed[0]} if len(allowed) > 1 else None

    def _new_pool(self, workers: int = 0) -> Executor:
        if os.environ.get("GOVREPORTS_PARSE_IN_THREAD"):
            return ThreadPoolExecutor(1, thread_name_prefix="parse")
        # Workers start from a small clean process (forkserver), not by forking the crawler:
        # forked from the crawler's large heap, parsing costs ~3x the CPU (copy-on-write faults).
        methods = multiprocessing.get_all_start_methods()
        method = os.environ.get("GOVREPORTS_START_METHOD") or (
            "forkserver" if "forkserver" in methods else "spawn")
        ctx = multiprocessing.get_context(method)
        if method == "forkserver":
            # never re-run the caller's main script in the server (scripts without a __main__ guard)
            ctx.set_forkserver_preload([])
        return ProcessPoolExecutor(workers or self.workers, mp_context=ctx, initializer=_worker_init,
                                   initargs=(self.db_url, ctx.Lock(), self.nice))

    # The run record and the ledger are written by the workers too: the crawler process never
    # loads SQLAlchemy's ORM, and database work never holds the reactor thread's GIL.
    def start_run(self, mode: str, arguments: dict, resume: bool) -> tuple[int, list[int], dict]:
        """(run id, the interrupted runs it continues, the ledger); storage.db.SchemaError if the
        database cannot be used. The run the pool was started with is recorded already (or being
        recorded): this waits for it."""
        self.start_pool()
        if self._database is None:
            raise RuntimeError("a recorded run needs a database and parse workers (mode 'full')")
        self._database.result()  # the worker's SchemaError, or the database's error, is raised here
        if self._run is not None and tuple(self._run[0]) == (mode, arguments, resume):
            return self._run[1].result()
        return self._pool.submit(start_run_job, self.db_url, mode, arguments, resume, os.getpid()).result()

    def write_ledger(self, rows: list[dict], run_id: int, counts: dict, errors: list[str], final: dict) -> None:
        """Write, and wait until written (callers keep their writes in order)."""
        pool = self._pool
        try:
            pool.submit(write_ledger_job, self.db_url, rows, run_id, counts, errors, final).result()
        except BrokenProcessPool:  # a worker died meanwhile (a document's parse): a new pool writes it
            if not self._replace_pool(pool):
                raise
            self._pool.submit(write_ledger_job, self.db_url, rows, run_id, counts, errors, final).result()

    def _replace_pool(self, broken: Executor) -> bool:
        """Put a new pool in place of `broken` (once, whoever notices first). False when the
        processor is shutting down."""
        with self._lock:
            if self._pool is None:
                return False
            if self._pool is broken:
                logger.warning("a parse worker died; starting new ones")
                self._pool = self._new_pool()
            # a broken pool's shutdown does not wait for anything
            broken.shutdown(wait=False, cancel_futures=True)
            return True

    def open(self) -> None:
        self.start_pool()
        with self._lock:
            self._opened += 1

    def close(self) -> None:
        with self._lock:
            self._opened -= 1
            if self._opened > 0 or self.kept_open:
                return
        self.shutdown()

    def shutdown(self) -> None:
        with self._lock:
            for pool in (self._pool, self._alone):
                if pool is not None:
                    pool.shutdown(wait=True)
            self._pool = self._alone = None

    def _record(self, res: dict) -> dict:
        res["done_at"] = time.time()
        with self._lock:
            self.results.append(res)
        if self.on_result:
            try:
                self.on_result(res)
            except Exception:  # pragma: no cover - a display error must not stop the crawl
                logger.exception("progress callback failed")
        return res

    def _base(self, item: dict) -> dict:
        return {k: item.get(k) for k in ("site", "family", "url", "detail_url", "list_url", "title", "via_browser",
                                         "region_code", "site_id_code", "http_status", "content_type")} | {
            "size": len(item.get("body") or b"")}

    async def process(self, item: dict) -> dict:
        res = self._base(item) | {"queued_at": time.time()}
        body = item.get("body") or b""
        if judge.is_soft_block(item.get("http_status") or 200, body):
            return self._record(res | {"outcome": "skipped", "status": "soft_block"})
        if self.mode == "download":
            if self.dump_dir:
                await asyncio.get_running_loop().run_in_executor(None, self._dump, item)
            return self._record(res | {"outcome": "downloaded"})
        try:
            out = await self._parse_and_store(item)
        except Exception as exc:
            logger.error("parse/store failed for %s: %s: %s", item.get("url"), type(exc).__name__, exc)
            return self._record(res | {"outcome": "failed", "status": "error", "error": repr(exc)})
        return self._record(res | out)

    async def _parse_and_store(self, item: dict) -> dict:
        loop = asyncio.get_running_loop()
        job = (process_job, item, self.db_url, self.year, self.region, self.with_cells)
        pool = self._pool
        try:
            return await loop.run_in_executor(pool, *job)
        except BrokenProcessPool:
            if not self._replace_pool(pool):
                raise
        # The worker died under this document or beside it: parse it again, alone.
        async with self._alone_lock:
            if self._alone is None:
                self._alone = self._new_pool(1)
            alone = self._alone
            try:
                return await loop.run_in_executor(alone, *job)
            except BrokenProcessPool:
                self._alone = None
                alone.shutdown(wait=False)
                raise WorkerDied("the parse worker died on this document twice (a reader crashed, or the "
                                 "system killed it for memory); it is not stored, and a later crawl tries it again") from None

    def _dump(self, item: dict) -> None:
        import hashlib

        self.dump_dir.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha256(item["url"].encode()).hexdigest()[:16]
        (self.dump_dir / name).write_bytes(item["body"])
        meta = {"url": item["url"], "content_type": item.get("content_type"), "file": name, "site": item.get("site")}
        with open(self.dump_dir / "index.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps(meta, ensure_ascii=False) + "\n")


def make_processor(*, db: str | None, mode: str = "full", workers: int = 0, year: int | None = None,
                   region: str | None = None, dump_dir: str | None = None, with_cells: bool = True,
                   run=None) -> Processor:
    """The processor of one `govreports crawl`, its parse workers already starting: they create the
    schema, record `run` (a crawler.runspec.RunSpec, or None) and load the parser while the
    crawler process loads Scrapy."""
    processor = Processor(db if mode == "full" else None, mode=mode, workers=workers, year=year, region=region,
                          dump_dir=dump_dir, with_cells=with_cells)
    processor.kept_open = True
    processor.start_pool(run)
    return processor


_PROCESSORS: dict[str, Processor] = {}


def register_processor(key: str, processor: Processor) -> None:
    _PROCESSORS[key] = processor


class ReportPipeline:
    """Hands every document to the shared Processor and awaits it, without blocking the reactor."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        s = crawler.settings
        key = s.get("GOVREPORTS_PROCESSOR_KEY")
        if key and key in _PROCESSORS:
            self.processor = _PROCESSORS[key]
        else:  # `scrapy crawl` on its own
            spider_year = None
            results = s.get("GOVREPORTS_RESULTS")
            self.processor = Processor(s.get("GOVREPORTS_DB"), s.get("GOVREPORTS_MODE", "full"),
                                       s.getint("GOVREPORTS_PARSE_WORKERS", 0), spider_year,
                                       with_cells=bool(results))
            if results:
                self.processor.on_result = lambda r: _append_jsonl(results, r)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self) -> None:
        self.processor.open()

    def close_spider(self) -> None:
        self.processor.close()

    async def process_item(self, item) -> Any:
        res = await self.processor.process(dict(item))
        stats = self.crawler.stats
        stats.inc_value(f"govreports/{res['outcome']}")
        if res.get("flagged") and res["outcome"] == "stored":
            stats.inc_value("govreports/flagged")
        return {k: v for k, v in res.items() if k not in ("figures", "cells")}


def _append_jsonl(path: str, res: dict) -> None:
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(res, ensure_ascii=False, default=str) + "\n")
