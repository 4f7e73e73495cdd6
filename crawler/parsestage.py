"""The parse stage on its own: documents the crawl stage recorded (archived, not parsed) are parsed
and stored by worker processes (crawler.pool, so a worker that dies or runs past the time bound
costs one document, named), through storage's ingest path (Store.parse_recorded).

Work comes from the database — every document the current parser version has not read — and, in
a distributed crawl, from the frontier's document queue on Redis, which crawl workers feed as they
record documents. The database is the truth: a parse worker killed with documents in hand loses
nothing, since whichever parse worker next finds the queue empty takes what is still unparsed
from the database (parsing a document twice stores it once).
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from .pool import WorkerPool
from . import worker

logger = logging.getLogger(__name__)


@dataclass
class ParseCounts:
    parsed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def line(self) -> str:
        parts = ", ".join(f"{n} {k}" for k, n in sorted(self.outcomes.items()))
        rate = self.parsed / self.seconds if self.seconds else 0.0
        return f"parsed {self.parsed} documents ({parts or 'none'}), {self.failed} failed, {rate:.1f}/s"


class ParseStage:
    """Parse what is left to parse in `db_url` with `workers` processes; with `queue` (Redis URL,
    frontier name) also what crawl workers record meanwhile, until none is left anywhere for
    `until_idle` seconds (no document queued or unparsed, no crawl worker alive)."""

    def __init__(self, db_url: str, workers: int = 1, queue: tuple[str, str] | None = None,
                 until_idle: float | None = 5.0, time_limit: float | None = None, limit: int | None = None,
                 archive: str | None = None, parse_options: dict | None = None) -> None:
        self.db_url, self.workers, self.queue = db_url, max(1, workers), queue
        self.archive, self.parse_options = archive, parse_options  # the workers' (crawler.worker.init)
        self.until_idle, self.time_limit, self.limit = until_idle, time_limit, limit
        self.counts = ParseCounts()

    def run(self) -> ParseCounts:
        from storage.ingest import Store

        self.store = Store.open(self.db_url, self.archive)  # schema made (under its lock) or checked, here first
        import parsers

        self.version = parsers.PARSER_VERSION
        self.pool = WorkerPool(self.db_url, self.workers, time_limit=self.time_limit, archive=self.archive,
                               parse_options=self.parse_options)
        t0 = time.perf_counter()
        try:
            asyncio.run(self._loop())
        finally:
            self.pool.shutdown()
            self.counts.seconds = time.perf_counter() - t0
            self.store.engine.dispose()
        return self.counts

    async def _parse(self, document_id: int, sem: asyncio.Semaphore) -> None:
        try:
            outcome = await self.pool.run(worker.parse_recorded, self.db_url, document_id)
            self.counts.outcomes[outcome] = self.counts.outcomes.get(outcome, 0) + 1
            self.counts.parsed += 1
        except Exception as exc:  # one document's failure, named; the stage goes on (a later run retries it)
            self.failed.add(document_id)
            self.counts.failed += 1
            if len(self.counts.errors) < 200:
                self.counts.errors.append(f"document {document_id}: {type(exc).__name__}: {exc}")
        finally:
            self.in_hand.discard(document_id)
            sem.release()

    async def _submit(self, document_id: int, sem: asyncio.Semaphore, tasks: set) -> None:
        if document_id in self.in_hand or document_id in self.failed:
            return
        await sem.acquire()
        self.in_hand.add(document_id)
        tasks.add(asyncio.ensure_future(self._parse(document_id, sem)))

    def _room(self) -> bool:
        return self.limit is None or self.counts.parsed + self.counts.failed + len(self.in_hand) < self.limit

    async def _loop(self) -> None:
        sem = asyncio.Semaphore(self.workers * 2)  # enough to keep every worker busy
        tasks: set[asyncio.Task] = set()
        self.in_hand: set[int] = set()
        self.failed: set[int] = set()
        client, keys = self._redis()
        idle_since: float | None = None
        while self._room():
            tasks = {t for t in tasks if not t.done()}
            if client is not None:
                raw = await asyncio.to_thread(client.blpop, [keys["documents"]], 1)
                if raw:
                    idle_since = None
                    await self._submit(int(raw[1]), sem, tasks)
                    continue
            # no queue, or it is empty: what the database still holds unparsed
            batch = [i for i in self.store.unparsed(self.version, limit=self.workers * 50 + len(self.failed))
                     if i not in self.in_hand and i not in self.failed]
            if batch:
                idle_since = None
                for i in batch:
                    if not self._room():
                        break
                    await self._submit(i, sem, tasks)
                continue
            if tasks:
                await asyncio.wait(tasks)
                continue
            if client is None:
                break  # one machine: nothing left to parse
            if self._crawl_alive(client, keys):
                idle_since = None  # a crawl worker may record more
                continue
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since >= (self.until_idle or 0):
                break
        tasks = {t for t in tasks if not t.done()}
        if tasks:
            await asyncio.wait(tasks)

    def _redis(self):
        if self.queue is None:
            return None, None
        import redis

        from .distributed import keys

        url, prefix = self.queue
        return redis.Redis.from_url(url), keys(prefix)

    @staticmethod
    def _crawl_alive(client, keys) -> bool:
        """Whether the frontier may still bring documents: requests queued or leased, or a crawl
        worker alive."""
        if client.zcard(keys["requests"]):
            return True
        return next(iter(client.scan_iter(match=keys["alive"] + "*", count=1000)), None) is not None
