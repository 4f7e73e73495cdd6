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

from scrapy.pqueues import DownloaderAwarePriorityQueue


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
