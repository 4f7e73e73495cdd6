"""The crawl's parse workers: a process pool that outlives the death of a worker.

A worker that dies (a reader's C code crashing on a malformed file, the OOM killer) breaks its
whole pool (concurrent.futures): the pool is replaced, and the jobs it held are run again one at a
time in a pool of their own, so that only a document that kills a worker fails.
"""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable

from . import worker
from .errors import DocumentTooSlow, WorkerDied

logger = logging.getLogger(__name__)


class WorkerPool:
    """Parse workers (processes) for one crawl. Workers start from a small clean process
    (forkserver), parse at lower priority (`nice`) once their start-up is done, end with this
    process, and a document still being read after `time_limit` seconds ends its worker."""

    def __init__(self, db_url: str | None, workers: int, nice: int = 0, start_method: str | None = None,
                 in_thread: bool = False, time_limit: float | None = None, archive: str | None = None,
                 parse_options: dict | None = None) -> None:
        self.db_url, self.workers, self.nice = db_url, workers, nice
        self.archive, self.parse_options = archive, parse_options  # the workers' (crawler.worker.init)
        self.start_method, self.in_thread = start_method, in_thread
        self.time_limit = None if in_thread else time_limit  # a bound ends its process: never this one
        self._lock = threading.Lock()
        self._pool: Executor | None = self._new()
        self._alone: Executor | None = None
        self._alone_lock = asyncio.Lock()

    @property
    def current(self) -> Executor | None:
        """The pool now in use (None once shut down)."""
        return self._pool

    def processes(self) -> set[int]:
        """Process ids of the workers alive now."""
        pids: set[int] = set()
        for pool in (self._pool, self._alone):
            pids |= set(getattr(pool, "_processes", None) or {})
        return pids

    def _new(self, workers: int = 0) -> Executor:
        if self.in_thread:
            return ThreadPoolExecutor(1, thread_name_prefix="parse", initializer=worker.init,
                                      initargs=(self.db_url, None, 0, None, self.archive, self.parse_options))
        # Not by forking the crawler: forked from the crawler's large heap, parsing costs ~3x the
        # CPU (copy-on-write faults).
        methods = multiprocessing.get_all_start_methods()
        method = self.start_method or ("forkserver" if "forkserver" in methods else "spawn")
        ctx = multiprocessing.get_context(method)
        if method == "forkserver":
            # never re-run the caller's main script in the server (scripts without a __main__ guard)
            ctx.set_forkserver_preload([])
        return ProcessPoolExecutor(workers or self.workers, mp_context=ctx, initializer=worker.init,
                                   initargs=(self.db_url, ctx.Lock(), self.nice, os.getpid(), self.archive,
                                             self.parse_options))

    def submit(self, fn: Callable, *args) -> Future:
        return self._pool.submit(fn, *args)

    def call(self, fn: Callable, *args) -> Any:
        """fn(*args) in a worker, waited for; once more in a new pool if a worker died meanwhile."""
        pool = self._pool
        try:
            return pool.submit(fn, *args).result()
        except BrokenProcessPool:
            if not self._replace(pool):
                raise
            return self._pool.submit(fn, *args).result()

    async def run(self, fn: Callable, *args) -> Any:
        """fn(*args) in a worker within the time bound, awaited. Where a worker dies under it or
        beside it, it runs again alone; WorkerDied if it kills that worker too, DocumentTooSlow if
        it ran past the bound there."""
        loop = asyncio.get_running_loop()
        pool = self._pool
        try:
            return await loop.run_in_executor(pool, worker.bounded, self.time_limit, fn, *args)
        except BrokenProcessPool:
            if not self._replace(pool):
                raise
        async with self._alone_lock:
            if self._alone is None:
                self._alone = self._new(1)
            alone = self._alone
            started = time.monotonic()
            try:
                return await loop.run_in_executor(alone, worker.bounded, self.time_limit, fn, *args)
            except BrokenProcessPool:
                self._alone = None
                alone.shutdown(wait=False)
                if self.time_limit and time.monotonic() - started >= self.time_limit:
                    raise DocumentTooSlow(
                        f"reading this document took longer than {self.time_limit:g} s (the time bound per "
                        "document, --doc-time-limit); it is not stored, and a later crawl tries it again") from None
                raise WorkerDied("the parse worker died on this document twice (a reader crashed, or the "
                                 "system killed it for memory); it is not stored, and a later crawl tries "
                                 "it again") from None

    def _replace(self, broken: Executor) -> bool:
        """Put a new pool in place of `broken` (once, whoever notices first). False when the pool
        is shutting down."""
        with self._lock:
            if self._pool is None:
                return False
            if self._pool is broken:
                logger.warning("a parse worker died; starting new ones")
                self._pool = self._new()
            broken.shutdown(wait=False, cancel_futures=True)  # a broken pool waits for nothing
            return True

    def shutdown(self) -> None:
        with self._lock:
            pools, self._pool, self._alone = (self._pool, self._alone), None, None
        for pool in pools:
            if pool is not None:
                pool.shutdown(wait=True)


def default_workers() -> int:
    """One core stays with the reactor and the browser; parsing gets the others."""
    return max(1, (os.cpu_count() or 1) - 1)
