"""Item pipelines: each document to the crawl's processor (parsed and stored off the reactor), then
its outcome into the run ledger. Both find the crawl through crawler.context."""
from __future__ import annotations

from typing import Any

from .context import run_of, standalone_context
from .multisite import stats_for


class ReportPipeline:
    """Hands every document to the crawl's Processor and awaits it, without blocking the reactor."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.context = standalone_context(crawler)
        self.processor = self.context.processor

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self) -> None:
        if self.context.standalone:
            self.processor.start()

    def close_spider(self) -> None:
        if self.context.standalone:  # a plain `scrapy crawl`: nobody else shuts its workers down
            self.processor.shutdown()

    async def process_item(self, item) -> Any:
        res = await self.processor.process(dict(item))
        stats = stats_for(self.crawler, res.get("site"))
        stats.inc_value(f"govreports/{res['outcome']}")
        if res.get("flagged") and res["outcome"] == "stored":
            stats.inc_value("govreports/flagged")
        return {k: v for k, v in res.items() if k not in ("figures", "cells")}


class LedgerPipeline:
    """After the report pipeline: count the outcome, write the ledger (a recorded run only)."""

    def __init__(self, run) -> None:
        self.run = run

    @classmethod
    def from_crawler(cls, crawler):
        return cls(run_of(crawler))

    def process_item(self, item):
        if isinstance(item, dict) and "outcome" in item:
            self.run.document_result(item)
        return item
