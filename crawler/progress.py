"""The live display of a crawl: per site, pages fetched, documents, reports stored, flagged."""
from __future__ import annotations

from scrapy import signals
from scrapy.crawler import Crawler

from .registry import SiteConfig


class CrawlProgress:
    """A rich live table: per site, pages fetched, documents, reports stored, flagged."""

    def __init__(self, sites: list[SiteConfig], enabled: bool) -> None:
        self.enabled = enabled
        self.rows = {s.name: {"family": s.family or "", "pages": 0, "docs": 0, "reports": 0, "flagged": 0,
                              "skipped": 0, "done": False} for s in sites}
        self.live = None

    def __enter__(self):
        if self.enabled:
            from rich.live import Live

            self.live = Live(self._table(), refresh_per_second=4, transient=False)
            self.live.__enter__()
        return self

    def __exit__(self, *exc):
        if self.live:
            self.live.update(self._table())
            self.live.__exit__(*exc)
            if not self.live.console.is_terminal:  # a log file: the summary goes on a line of its own
                self.live.console.line()

    def _table(self):
        from rich.table import Table

        t = Table(title="govreports crawl", show_lines=False)
        for col in ("site", "family", "pages", "documents", "reports", "flagged", "skipped", ""):
            t.add_column(col, justify="right" if col not in ("site", "family", "") else "left")
        for name, r in self.rows.items():
            t.add_row(name, r["family"], str(r["pages"]), str(r["docs"]), str(r["reports"]), str(r["flagged"]),
                      str(r["skipped"]), "✓" if r["done"] else "…")
        return t

    def refresh(self):
        if self.live:
            self.live.update(self._table())

    def on_result(self, res: dict) -> None:
        r = self.rows.get(res.get("site"))
        if r is None:
            return
        r["docs"] += 1
        if res["outcome"] == "stored":
            r["reports"] += 1
            r["flagged"] += bool(res.get("flagged"))
        elif res["outcome"] == "downloaded":
            r["reports"] += 1
        else:
            r["skipped"] += 1
        self.refresh()

    def connect(self, crawler: Crawler) -> None:
        """Pages counted per site (the request's site, crawler.multisite); every site done at the end."""
        from .multisite import site_of

        def _resp(response, request, spider=None):
            row = self.rows.get(site_of(request))
            if row is not None:
                row["pages"] += 1
                self.refresh()

        def _closed(spider=None, reason=None):
            for row in self.rows.values():
                row["done"] = True
            self.refresh()

        crawler.signals.connect(_resp, signal=signals.response_received, weak=False)
        crawler.signals.connect(_closed, signal=signals.spider_closed, weak=False)
