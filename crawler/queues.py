"""The scheduler's priority queue for a crawl of many hosts: the hosts with the most work first.

A crawl is done when its busiest host is done, and a host is fetched at most at its polite rate
(DOWNLOAD_DELAY), so the busiest host must be fetched at that rate from the start. Scrapy's
DownloaderAwarePriorityQueue takes requests from the hosts with the fewest under way, and then
round the hosts in turn: where one crawl process cannot serve every host at its rate at once (250
hosts at 1 request/s, benchmarks/bench_scale.py), every host gets the same share of what it can
serve, the busiest host included, and the busiest host's backlog decides the end.

BacklogPriorityQueue keeps the first rule and replaces the second: among the hosts with the fewest
requests under way, the one whose next request has the highest priority (list pages: what a host
holds is known once its list pages are read), then the one with the most requests waiting. With
CONCURRENT_REQUESTS below the hosts (crawler.run.crawl_settings), the hosts with the most work
are the ones kept at their rate, and the small ones fill the time the big ones leave.
"""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

from scrapy.core.scheduler import Scheduler
from scrapy.pqueues import DownloaderAwarePriorityQueue

from storage.processes import process_alive

logger = logging.getLogger(__name__)


class BacklogPriorityQueue(DownloaderAwarePriorityQueue):
    """DownloaderAwarePriorityQueue whose next host is, among those with the fewest requests under
    way, the one with the highest-priority request waiting, then the most requests waiting."""

    def _next_slot(self, stats: list[tuple[int, str]], *, update_state: bool) -> str:
        # (the hook of Scrapy's pop and peek; tests/test_crawler_units.py checks that it is used)
        def rank(entry: tuple[int, str]) -> tuple:
            active, slot = entry
            queue = self.pqueues[slot]
            # ScrapyPriorityQueue's key is -priority: curprio, its lowest key, is the highest
            # priority waiting
            top = queue.curprio if queue.curprio is not None else 0
            return active, top, -len(queue), slot

        return min(stats, key=rank)[1]


class SpoolingScheduler(Scheduler):
    """Scrapy's scheduler with its disk queues on for every crawl: the requests waiting are kept in
    a directory of the crawl's own, made when the crawl opens and removed when it closes.

    List pages go first (above), so once a portal's lists are read every detail link of every site
    waits at once — at 500 sites, 20,000 requests of 2–3 KB each in memory (the request, its
    headers, and the caches Scrapy keys by it), a crawl process growing with the sites it crawls.
    On disk (SCHEDULER_DISK_QUEUE, one file for each host and priority with requests waiting) it
    does not. A request that cannot be serialised waits in memory, counted in
    scheduler/unserializable.

    Nothing of it is kept: resuming an interrupted crawl is the run ledger's (crawler.ledger). A
    JOBDIR set for a plain `scrapy crawl` keeps Scrapy's own behaviour (its queues persist there).
    A directory left by a crawl that was killed is removed by the next crawl that opens."""

    def _dqdir(self, jobdir: str | None) -> str | None:
        if jobdir:
            self._spool = None
            return super()._dqdir(jobdir)
        _remove_orphans()
        self._spool = tempfile.mkdtemp(prefix=f"{SPOOL_PREFIX}{os.getpid()}-")
        return self._spool

    def open(self, spider):
        _raise_open_files_limit()
        return super().open(spider)

    def close(self, reason: str):
        try:
            return super().close(reason)
        finally:
            if self._spool:
                shutil.rmtree(self._spool, ignore_errors=True)


SPOOL_PREFIX = "govreports-queue-"


def _remove_orphans() -> None:
    """Spool directories of crawl processes that no longer run (killed: no close)."""
    for path in Path(tempfile.gettempdir()).glob(f"{SPOOL_PREFIX}*"):
        pid = path.name[len(SPOOL_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _raise_open_files_limit() -> None:
    """The soft limit of open files up to the hard one: a disk queue is an open file for each host
    and priority with requests waiting, and a default soft limit of 1,024 is a few hundred hosts."""
    try:
        import resource
    except ImportError:  # not on this OS
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = max(soft, 65536)
    if soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError) as exc:
            logger.warning("could not raise the open-files limit from %d (%s): a crawl of many hosts may "
                           "run out of file handles; raise it with ulimit -n", soft, exc)
