"""Run a crawl of registry sites in one process: one Scrapy crawler per site, one shared processor."""
from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path
from typing import Callable

from scrapy import signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings

from .pipelines import Processor, make_processor, register_processor
from .registry import SiteConfig, load_registry, select_sites

IMPOLITE = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "DOWNLOAD_DELAY_JITTER": 0,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "CONCURRENT_REQUESTS": 32,
    "RETRY_BACKOFF_BASE": 0.05,
}


def base_settings(polite: bool = True, log_level: str = "WARNING") -> Settings:
    s = Settings()
    s.setmodule("crawler.settings", priority="project")
    s.set("LOG_LEVEL", log_level, priority="cmdline")
    if not polite:
        for k, v in IMPOLITE.items():
            s.set(k, v, priority="cmdline")
    return s


def site_settings(base: Settings, site: SiteConfig) -> Settings:
    s = base.copy()
    if site.needs_browser:
        s.set("DOWNLOAD_HANDLERS", s.getdict("PLAYWRIGHT_BROWSER_DOWNLOAD_HANDLERS"), priority="cmdline")
    return s


class _Progress:
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

    def connect(self, crawler: Crawler, site: str) -> None:
        def _resp(response, request, spider=None):
            self.rows[site]["pages"] += 1
            self.refresh()

        def _closed(spider=None, reason=None):
            self.rows[site]["done"] = True
            self.refresh()

        crawler.signals.connect(_resp, signal=signals.response_received, weak=False)
        crawler.signals.connect(_closed, signal=signals.spider_closed, weak=False)


def _worker_cpu(results: list[dict]) -> dict[int, float]:
    cpu: dict[int, float] = {}
    for r in results:
        if r.get("worker") and r.get("worker_cpu_s") is not None:
            cpu[r["worker"]] = max(cpu.get(r["worker"], 0.0), r["worker_cpu_s"])
    return cpu


def run_crawl(*, registry: str | Path | None = None, base_url: str | None = None, db: str | None = None,
              sites: list[str] | None = None, region: str | None = None, year: int | None = None,
              progress: bool = True, polite: bool = True, mode: str = "full", results: str | None = None,
              dump_dir: str | None = None, workers: int = 0, log_level: str = "WARNING",
              chromium: str | None = None, processor: Processor | None = None,
              before_start: Callable[[], None] | None = None) -> dict:
    """Crawl the selected sites; returns a summary (and writes per-document results as JSON lines).

    `processor`: one made (and its pool started) by the caller before Scrapy was imported, so
    the parse workers load the parser while this process loads the crawler. `before_start`: called
    once the crawlers are set up, just before the first request (a recorded run starts there)."""
    chosen = select_sites(load_registry(registry, base_url), sites, region)
    if not chosen:
        raise ValueError("no site matches the selection")
    base = base_settings(polite, log_level)
    if chromium:
        launch = dict(base.getdict("PLAYWRIGHT_LAUNCH_OPTIONS"), executable_path=chromium)
        base.set("PLAYWRIGHT_LAUNCH_OPTIONS", launch, priority="cmdline")
    prog = _Progress(chosen, progress)
    owned = processor is None
    if owned:
        processor = make_processor(db=db, mode=mode, workers=workers, year=year, region=region, dump_dir=dump_dir,
                                   with_cells=bool(results))
    processor.on_result = prog.on_result
    if any(site.needs_browser for site in chosen):
        from .browser import keep_browser_on

        keep_browser_on(processor.browser_cpus())
    key = f"run-{id(processor)}"
    register_processor(key, processor)
    base.set("GOVREPORTS_PROCESSOR_KEY", key, priority="cmdline")
    from scrapy.utils.reactor import install_reactor, is_reactor_installed

    if not is_reactor_installed():
        install_reactor(base["TWISTED_REACTOR"], base.get("ASYNCIO_EVENT_LOOP"))
    base.set("LOG_INSTALL_ROOT_HANDLER", log_level != "NONE", priority="cmdline")
    process = CrawlerProcess(base)
    logging.getLogger("tldextract").setLevel(logging.CRITICAL)  # offline: it falls back to its snapshot
    if log_level == "NONE":
        logging.getLogger("scrapy").setLevel(logging.CRITICAL)
    from .spiders.column import ColumnSpider

    crawlers = []
    for site in chosen:
        crawler = Crawler(ColumnSpider, site_settings(base, site))
        prog.connect(crawler, site.name)
        crawlers.append(crawler)
        process.crawl(crawler, site_config=site, year=year)
    if before_start is not None:
        before_start()
    t0 = time.perf_counter()
    with prog:
        process.start()
    if owned:
        processor.shutdown()
    wall = time.perf_counter() - t0
    res = processor.results
    stats = {c.spider.site.name if c.spider else "?": c.stats.get_stats() for c in crawlers}
    import resource

    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    summary = {
        "cpu_crawler_s": round(me.ru_utime + me.ru_stime, 3),  # this process: reactor, spiders
        "cpu_children_s": round(kids.ru_utime + kids.ru_stime, 3),  # browser (workers belong to the forkserver)
        "cpu_parse_s": round(sum(r.get("parse_cpu_s") or 0 for r in processor.results), 3),
        # whole worker processes: loading the parser and storage, the schema, parsing, storing
        "cpu_workers_s": round(sum(_worker_cpu(processor.results).values()), 3),
        "sites": len(chosen),
        "documents": len(res),
        "reports": sum(r["outcome"] in ("stored", "downloaded") for r in res),
        "flagged": sum(bool(r.get("flagged")) for r in res if r["outcome"] == "stored"),
        "skipped": sum(r["outcome"] == "skipped" for r in res),
        "failed": sum(r["outcome"] == "failed" for r in res),
        "browser_documents": sum(bool(r.get("via_browser")) for r in res),
        "wall_s": round(wall, 3),
        "requests": sum(int(s.get("downloader/request_count", 0)) for s in stats.values()),
        # crawler.browser is loaded only by a crawl with a browser site (it imports Playwright)
        "browsers_launched": sys.modules["crawler.browser"].LAUNCHES if "crawler.browser" in sys.modules else 0,
        "browser_requests": sum(int(s.get("playwright/request_count/navigation", 0) or 0) for s in stats.values()),
        "non_reports_skipped": sum(int(s.get("govreports/skipped_by_title", 0)) + int(s.get("govreports/skipped_by_content", 0))
                                   for s in stats.values()),
        "soft_blocks": sum(int(s.get("govreports/soft_blocks", 0)) for s in stats.values()),
        "challenges": sum(int(s.get("govreports/challenge", 0)) for s in stats.values()),
    }
    if results:
        with open(results, "w", encoding="utf-8") as f:
            for r in res:
                f.write(json.dumps(r, ensure_ascii=False, default=str) + "\n")
    summary["per_site"] = {k: {"requests": int(v.get("downloader/request_count", 0)),
                               "responses": int(v.get("downloader/response_count", 0)),
                               "errors": int(v.get("log_count/ERROR", 0)),
                               "failed_requests": int(v.get("govreports/failed_requests", 0)),
                               "challenges": int(v.get("govreports/challenge", 0)),
                               "finish_reason": v.get("finish_reason")} for k, v in stats.items()}
    return summary
