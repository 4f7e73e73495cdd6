"""What a crawl does with each fetched document: parse and store it in the parse workers
(crawler.worker, through storage's ingest path), off the reactor thread.

Parsing costs 70-165 ms a page (more for PDFs) while a download from a near server costs a few, so
the reactor thread never parses: the Scrapy pipeline (crawler.pipelines) only awaits the result.
One Processor serves every crawler of a `govreports crawl`.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import threading
import time
from pathlib import Path
from typing import Callable

from storage.processes import DOC_TIME_LIMIT

from . import judge, worker
from .pool import WorkerPool, default_workers

logger = logging.getLogger(__name__)

# What an outcome record keeps of the item it came from.
ITEM_FIELDS = ("site", "family", "url", "detail_url", "list_url", "title", "via_browser", "region_code",
               "site_id_code", "http_status", "content_type")


class Outcomes:
    """What a crawl keeps of its documents' outcome records: counts, not the records (memory flat
    however many documents a crawl meets; a --results file gets each record as it comes)."""

    def __init__(self) -> None:
        self.documents = 0
        self.by_outcome: dict[str, int] = {}  # stored, skipped, failed, downloaded
        self.flagged = 0  # stored, and not ok
        self.browser_documents = 0
        self.parse_cpu_s = 0.0
        self.worker_cpu_s: dict[int, float] = {}  # worker pid -> its CPU since it started

    def add(self, res: dict) -> None:
        self.documents += 1
        outcome = res.get("outcome")
        self.by_outcome[outcome] = self.by_outcome.get(outcome, 0) + 1
        self.flagged += outcome == "stored" and bool(res.get("flagged"))
        self.browser_documents += bool(res.get("via_browser"))
        self.parse_cpu_s += res.get("parse_cpu_s") or 0.0
        if res.get("worker") and res.get("worker_cpu_s") is not None:
            pid = res["worker"]
            self.worker_cpu_s[pid] = max(self.worker_cpu_s.get(pid, 0.0), res["worker_cpu_s"])

    def count(self, *outcomes: str) -> int:
        return sum(self.by_outcome.get(o, 0) for o in outcomes)


class Processor:
    """Parse and store documents in a pool of worker processes; shared by every crawler of a run.

    mode "full": parse and store (into `db_url`, or nowhere if None); "record": the crawl stage
    alone, documents archived and recorded for the parse stage (their ids onto `queue`, a Redis
    URL and list key, if given); "download": fetch only (written to `dump_dir` if given).
    `year` / `region`: only reports of that year / region prefix are stored. `with_cells`: outcome
    records carry the report's figures and cells."""

    def __init__(self, db_url: str | None, mode: str = "full", workers: int = 0, year: int | None = None,
                 region: str | None = None, dump_dir: str | None = None,
                 on_result: Callable[[dict], None] | None = None, with_cells: bool = True,
                 nice: int = 10, start_method: str | None = None, in_thread: bool = False,
                 time_limit: float | None = DOC_TIME_LIMIT, queue: tuple[str, str] | None = None,
                 archive: str | None = None, parse_options: dict | None = None) -> None:
        self.db_url, self.mode, self.year, self.region = db_url, mode, year, region
        self.with_cells = with_cells
        self.workers = workers or default_workers()
        # Workers parse at low priority: where they share a core with the crawl (few cores, the
        # browser's processes, --workers above cores - 1), parsing never stalls the downloader.
        self.nice = nice
        self.start_method, self.in_thread = start_method, in_thread
        self.time_limit = time_limit
        self.queue = queue
        self.archive, self.parse_options = archive, parse_options  # the workers' (crawler.worker.init)
        self.dump_dir = Path(dump_dir) if dump_dir else None
        self.on_result = on_result
        self.outcomes = Outcomes()
        self._results_file = None  # a --results file: one JSON line per outcome record, as it comes
        self.pool: WorkerPool | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------ start-up
    def start(self) -> None:
        """Make the pool of parse workers; its processes start as documents arrive (the first one
        with the first document), each loading storage and the parser then."""
        with self._lock:
            if self.pool is not None or self.mode not in ("full", "record"):
                return
            self.pool = WorkerPool(self.db_url, self.workers, self.nice, self.start_method, self.in_thread,
                                   self.time_limit, self.archive, self.parse_options)

    def shutdown(self) -> None:
        with self._lock:
            pool, self.pool = self.pool, None
        if pool is not None:
            pool.shutdown()

    def write_results(self, path: str | None) -> None:
        """Write each outcome record from now on to `path` (JSON lines; the file is emptied first),
        or, with None, stop and close the file."""
        with self._lock:
            if self._results_file is not None:
                self._results_file.close()
            self._results_file = open(path, "w", encoding="utf-8") if path else None

    # ------------------------------------------------------------ documents
    def _record(self, res: dict) -> dict:
        res["done_at"] = time.time()
        with self._lock:
            self.outcomes.add(res)
            if self._results_file is not None:
                self._results_file.write(json.dumps(res, ensure_ascii=False, default=str) + "\n")
        if self.on_result:
            try:
                self.on_result(res)
            except Exception:  # pragma: no cover - a display error must not stop the crawl
                logger.exception("progress callback failed")
        return res

    async def process(self, item: dict) -> dict:
        """The outcome record of one fetched document (outcome: stored, skipped, failed, downloaded)."""
        res = {k: item.get(k) for k in ITEM_FIELDS} | {"size": len(item.get("body") or b""),
                                                        "queued_at": time.time()}
        body = item.get("body") or b""
        if judge.is_soft_block(item.get("http_status") or 200, body):
            return self._record(res | {"outcome": "skipped", "status": "soft_block"})
        if self.mode == "download":
            if self.dump_dir:
                await asyncio.get_running_loop().run_in_executor(None, self._dump, item)
            return self._record(res | {"outcome": "downloaded"})
        self.start()
        try:
            if self.mode == "record":
                out = await self.pool.run(worker.record, item, self.db_url, self.queue)
            else:
                out = await self.pool.run(worker.process, item, self.db_url, self.year, self.region, self.with_cells)
        except Exception as exc:
            logger.error("parse/store failed for %s: %s: %s", item.get("url"), type(exc).__name__, exc)
            return self._record(res | {"outcome": "failed", "status": "error", "error": repr(exc)})
        return self._record(res | out)

    def _dump(self, item: dict) -> None:
        self.dump_dir.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha256(item["url"].encode()).hexdigest()[:16]
        (self.dump_dir / name).write_bytes(item["body"])
        meta = {"url": item["url"], "content_type": item.get("content_type"), "file": name, "site": item.get("site")}
        with open(self.dump_dir / "index.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps(meta, ensure_ascii=False) + "\n")


def make_processor(*, db: str | None, mode: str = "full", workers: int = 0, year: int | None = None,
                   region: str | None = None, dump_dir: str | None = None, with_cells: bool = True,
                   **options) -> Processor:
    """The processor of one crawl, its pool made. `options`: Processor's nice, start_method,
    in_thread, time_limit, queue, archive, parse_options."""
    processor = Processor(db if mode in ("full", "record") else None, mode=mode, workers=workers, year=year, region=region,
                          dump_dir=dump_dir, with_cells=with_cells, **options)
    processor.start()
    return processor
