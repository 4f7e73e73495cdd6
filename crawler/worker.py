"""What runs inside a parse worker process: the jobs the crawl's pool (crawler.pool) hands out.

A worker opens the database once (its first job creates a new database's schema), and parses and
stores documents (storage's ingest path). The crawler process never loads the parser: the reactor
thread only waits on futures. The state below belongs to one worker process, set by its initializer.
"""
from __future__ import annotations

import contextlib
import os
import time
from typing import Any


class _Worker:
    """This worker process's database handles, the lock its pool shares for schema creation, how
    much lower its priority goes once it parses, the archive directory (None: storage's default
    for the database) and the parser's options (parse_document's keywords: limits, pdf_engine)."""

    def __init__(self, lock=None, nice: int = 0, archive: str | None = None,
                 parse_options: dict | None = None) -> None:
        self.lock = lock
        self.nice = nice
        self.archive = archive
        self.parse_options = parse_options or {}
        self.stores: dict[str, Any] = {}
        self.queues: dict[str, Any] = {}  # Redis clients, by URL


_worker = _Worker()


def init(db_url: str | None, lock=None, nice: int = 0, parent: int | None = None, archive: str | None = None,
         parse_options: dict | None = None) -> None:
    """Pool initializer. The worker ends with the process that owns its pool (`parent`); storage
    and the parser load with its first document."""
    global _worker
    if parent:
        from storage.processes import die_with

        die_with(parent)
    _worker = _Worker(lock, nice, archive, parse_options)


def _parse():
    """parse_document with this worker's options."""
    import functools

    import parsers

    return functools.partial(parsers.parse_document, **_worker.parse_options)


def bounded(seconds: float | None, fn, *args):
    """fn(*args) within a hard time bound (storage.processes.time_bound): past it, this worker
    ends, and the pool names the document."""
    from storage.processes import time_bound

    with time_bound(seconds):
        return fn(*args)


def store_of(db_url: str):
    """This worker's storage.ingest.Store for `db_url` (opened, and the schema made, once)."""
    store = _worker.stores.get(db_url)
    if store is None:
        from storage.ingest import Store

        with _worker.lock or contextlib.nullcontext():
            store = _worker.stores.get(db_url) or Store.open(db_url, _worker.archive)
        _worker.stores[db_url] = store
    return store


def _lower_priority() -> None:
    """Lower this worker's priority once, at its first document: parsing yields the CPU to the
    downloader, the browser and the reactor, and catches up when they wait."""
    if _worker.nice > 0:
        with contextlib.suppress(OSError, AttributeError):  # not on every platform
            os.nice(_worker.nice)
    _worker.nice = 0


def process(item: dict, db_url: str | None, year: int | None, region: str | None = None,
            with_cells: bool = True) -> dict:
    """Parse, settle region and year, archive and store one document. Returns the outcome record,
    with the report's figures and cells if `with_cells` (for a --results file)."""
    _lower_priority()
    res = _process(item, db_url, year, region, with_cells)
    res["worker_cpu_s"] = round(time.process_time(), 4)  # this worker's CPU since it started
    return res


def _process(item: dict, db_url: str | None, year: int | None, region: str | None, with_cells: bool) -> dict:
    import parsers
    from storage.hints import hints_applied

    from .documents import hints_of, raw_document

    t0, c0 = time.perf_counter(), time.process_time()
    parse = _parse()
    parsed = parse(item["body"], item.get("content_type"), item.get("url"))
    res: dict[str, Any] = {"parse_s": round(time.perf_counter() - t0, 4),
                           "parse_cpu_s": round(time.process_time() - c0, 4), "worker": os.getpid()}
    hints = hints_of(item)
    report = hints_applied(parsed, hints)  # what will be stored (storage applies the same step)
    res |= {"status": report.status, "year": report.year, "region_code": report.region_code,
            "agency": report.agency, "flagged": report.status != "ok"}
    if report.status not in parsers.STORED_STATUSES:  # not a report: recorded, with what it is
        if db_url:
            store_of(db_url).put(raw_document(item), parsed, hints, parse=parse)
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
    return res | {"outcome": "stored", "storage": store_of(db_url).put(raw_document(item), parsed, hints, parse=parse)}


def record(item: dict, db_url: str, queue: tuple[str, str] | None = None) -> dict:
    """The crawl stage alone: archive and record one document, not parsed; its id goes onto the
    parse queue (`queue`: Redis URL and list key) for the parse workers (`govreports parse`)."""
    from .documents import hints_of, raw_document

    document_id, created = store_of(db_url).record(raw_document(item), hints_of(item))
    if queue is not None:
        url, key = queue
        client = _worker.queues.get(url)
        if client is None:
            import redis

            client = _worker.queues[url] = redis.Redis.from_url(url)
        client.rpush(key, document_id)
    # for the run ledger the bytes are settled: stored (new) or unchanged (known bytes)
    return {"outcome": "stored", "storage": "inserted" if created else "unchanged", "document_id": document_id,
            "flagged": False, "worker": os.getpid()}


def parse_recorded(db_url: str, document_id: int) -> str:
    """The parse stage for one recorded document (storage.ingest.Store.parse_recorded)."""
    import parsers

    _lower_priority()
    return store_of(db_url).parse_recorded(document_id, _parse(), parsers.PARSER_VERSION)
