"""Run a crawl of registry sites in one process: one Scrapy crawler for every site
(crawler.multisite), one processor (crawler.processor), and, where the crawl stores into a
database, a recorded run (crawler.ledger). The crawler carries the crawl's context
(crawler.context), read by its components."""
from __future__ import annotations

import logging
import time
from pathlib import Path

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings

from storage.runstate import FAILED, FINISHED, INCOMPLETE, INTERRUPTED

from . import environment
from .context import CrawlContext
from .errors import NoSiteSelected
from .ledger import RunLedger
from .processor import Processor, make_processor
from .progress import CrawlProgress
from .registry import SiteConfig, load_registry, select_sites

IMPOLITE = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "DOWNLOAD_DELAY_JITTER": 0,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "CONCURRENT_REQUESTS": 32,
    "RETRY_BACKOFF_BASE": 0.05,
}


def base_settings(polite: bool = True, log_level: str = "WARNING", config=None) -> Settings:
    """crawler/settings.py, with what `config` (govreports_config.Config, the command line's) gives
    over its defaults; without one, the crawler's add-on reads the environment (crawler.environment)."""
    s = Settings()
    s.setmodule("crawler.settings", priority="project")
    if config is not None:
        environment.apply(s, config, "cmdline")
    s.set("LOG_LEVEL", log_level, priority="cmdline")
    if not polite:
        for k, v in IMPOLITE.items():
            s.set(k, v, priority="cmdline")
    return s


def crawl_settings(base: Settings, sites: list[SiteConfig]) -> Settings:
    """The one crawler's settings for `sites`: the browser's download handler where a site needs
    it (it fetches the other requests as Scrapy's own handler does), and concurrency enough for
    every host to be crawled at its polite rate at once (a host's own limits stay per host)."""
    s = base.copy()
    if any(site.needs_browser for site in sites):
        s.set("DOWNLOAD_HANDLERS", s.getdict("PLAYWRIGHT_BROWSER_DOWNLOAD_HANDLERS"), priority="cmdline")
    hosts = {h for site in sites for h in site.allowed_domains} or {""}
    wanted = s.getint("CONCURRENT_REQUESTS_PER_DOMAIN") * len(hosts)
    if wanted > s.getint("CONCURRENT_REQUESTS"):
        s.set("CONCURRENT_REQUESTS", min(wanted, s.getint("GOVREPORTS_MAX_CONCURRENT_REQUESTS")), priority="cmdline")
    return s


def run_crawl(*, registry: str | Path | None = None, base_url: str | None = None, db: str | None = None,
              sites: list[str] | None = None, region: str | None = None, year: int | None = None,
              progress: bool = True, polite: bool = True, mode: str = "full", results: str | None = None,
              dump_dir: str | None = None, workers: int = 0, log_level: str = "WARNING",
              chromium: str | None = None, processor: Processor | None = None, spec=None,
              links: str | None = None, frontier: tuple[str, str] | None = None, fleet: int = 1,
              config=None) -> dict:
    """Crawl the selected sites; returns a summary (and writes per-document results as JSON lines).

    `spec`: the run to record (crawler.runspec.run_spec), None for a crawl that is not recorded; an
    interrupted run with the same arguments is continued. `processor`: one made by the caller
    (crawler.processor.make_processor), who then shuts it down; else one is made here. `links`: a file to write
    every list link of every site to (JSON lines, crawler.completeness).

    `frontier` (Redis URL, frontier name): a crawl worker of a shared frontier (crawler.distributed)
    instead: its sites and requests come from the frontier (`govreports seed`), and with `fleet`
    workers sharing it each keeps `fleet` times the delay per host, so that a host sees the
    polite rate from all of them together. `config`: the command line's configuration
    (govreports_config.Config), else crawler/settings.py's."""
    if frontier is None:
        chosen = select_sites(load_registry(registry, base_url), sites, region)
        if not chosen:
            raise NoSiteSelected("no site matches the selection")
    else:
        chosen = []
    base = base_settings(polite, log_level, config)
    if frontier is not None:
        from .distributed import frontier_settings

        frontier_settings(base, *frontier)
        base.set("DOWNLOAD_DELAY", base.getfloat("DOWNLOAD_DELAY") * max(1, fleet), priority="cmdline")
    if links:
        open(links, "w").close()
        base.set("GOVREPORTS_LINKS", links, priority="cmdline")
    if chromium:
        launch = dict(base.getdict("PLAYWRIGHT_LAUNCH_OPTIONS"), executable_path=chromium)
        base.set("PLAYWRIGHT_LAUNCH_OPTIONS", launch, priority="cmdline")
    prog = CrawlProgress(chosen, progress)
    owned = processor is None
    if owned:
        processor = make_processor(db=db, mode=mode, workers=workers, year=year, region=region, dump_dir=dump_dir,
                                   with_cells=bool(results))
    processor.on_result = prog.on_result
    run = RunLedger(db, spec, None if frontier else [s.name for s in chosen]) if spec is not None else None
    context = CrawlContext(processor, run)
    from scrapy.utils.reactor import install_reactor, is_reactor_installed

    if not is_reactor_installed():
        install_reactor(base["TWISTED_REACTOR"], base.get("ASYNCIO_EVENT_LOOP"))
    base.set("LOG_INSTALL_ROOT_HANDLER", log_level != "NONE", priority="cmdline")
    process = CrawlerProcess(base)
    logging.getLogger("tldextract").setLevel(logging.CRITICAL)  # offline: it falls back to its snapshot
    if log_level == "NONE":
        logging.getLogger("scrapy").setLevel(logging.CRITICAL)
    from .multisite import RegistrySpider

    if frontier is not None:
        from .distributed import FrontierSpider as spider_class
        from .distributed import frontier_hosts

        # as many requests under way as the frontier's hosts take at once: a worker does not hoard
        # what the other workers could fetch meanwhile
        wanted = base.getint("CONCURRENT_REQUESTS_PER_DOMAIN") * max(1, frontier_hosts(*frontier))
        base.set("CONCURRENT_REQUESTS", min(max(8, wanted), base.getint("GOVREPORTS_MAX_CONCURRENT_REQUESTS")),
                 priority="cmdline")
    else:
        spider_class = RegistrySpider
    crawler = Crawler(spider_class, crawl_settings(base, chosen))
    context.attach(crawler)
    prog.connect(crawler)
    process.crawl(crawler, sites=chosen, year=year)
    status, summary = FAILED, None
    processor.write_results(results)  # each outcome record as it comes: the crawl keeps counts
    try:
        if run is not None:
            run.begin()  # the run recorded, the ledger read
        t0 = time.perf_counter()
        with prog:
            process.start()
        wall = time.perf_counter() - t0
        if frontier is not None:  # the sites this worker met in the frontier
            chosen = list(crawler.spider.sites.values()) if crawler.spider else []
        summary = _summary(chosen, crawler, processor, context, wall)
        reasons = {v.get("finish_reason") for v in summary["per_site"].values()}
        status = FINISHED if reasons <= {"finished"} else INTERRUPTED
        if status == FINISHED and summary["incomplete"]:
            status = INCOMPLETE  # never "finished" with a site that yielded nothing or less than it lists
            if run is not None:
                for name in summary["incomplete"]:
                    run.errors.append(f"site {name} incomplete: " + "; ".join(summary["per_site"][name]["reasons"]))
    except BaseException as exc:
        if run is not None:
            run.errors.append(f"{type(exc).__name__}: {exc}")
        raise
    finally:
        if run is not None and run.run_id is not None:
            run.close(status, summary and summary["requests"])
        processor.write_results(None)
        if owned:
            processor.shutdown()
    if run is not None:
        summary["run"] = run.summary()
    return summary


def _summary(chosen: list[SiteConfig], crawler: Crawler, processor: Processor, context: CrawlContext,
             wall: float) -> dict:
    from .multisite import site_stats

    res = processor.outcomes
    total = crawler.stats.get_stats()
    get = lambda key: int(total.get(key, 0) or 0)  # noqa: E731
    import resource

    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    summary = {
        "cpu_crawler_s": round(me.ru_utime + me.ru_stime, 3),  # this process: reactor, spiders
        "cpu_children_s": round(kids.ru_utime + kids.ru_stime, 3),  # browser (workers belong to the forkserver)
        "cpu_parse_s": round(res.parse_cpu_s, 3),
        # whole worker processes: loading the parser and storage, the schema, parsing, storing
        "cpu_workers_s": round(sum(res.worker_cpu_s.values()), 3),
        "sites": len(chosen),
        "documents": res.documents,
        "reports": res.count("stored", "downloaded"),
        "flagged": res.flagged,
        "skipped": res.count("skipped"),
        "failed": res.count("failed"),
        "browser_documents": res.browser_documents,
        "wall_s": round(wall, 3),
        "requests": get("downloader/request_count"),
        # requests that could not wait on disk (crawler.queues.SpoolingScheduler): 0 in a crawl of ours
        "requests_queued_in_memory": get("scheduler/enqueued/memory"),
        "browsers_launched": context.browsers.launches if context.browsers is not None else 0,
        "browser_requests": get("playwright/request_count/navigation"),
        "non_reports_skipped": get("govreports/skipped_by_title") + get("govreports/skipped_by_content"),
        "soft_blocks": get("govreports/soft_blocks"),
        "challenges": get("govreports/challenge"),
        "faults": dict(context.faults),
    }
    per_site = {}
    for site in chosen:
        v = site_stats(total, site.name)
        per_site[site.name] = {"requests": int(v.get("govreports/requests", 0)),
                               "responses": int(v.get("govreports/responses", 0)),
                               "failed_requests": int(v.get("govreports/failed_requests", 0)),
                               "challenges": int(v.get("govreports/challenge", 0)),
                               "finish_reason": total.get("finish_reason"),
                               **_verdict(v)}
    summary["per_site"] = per_site
    # a worker of a shared frontier sees part of each site: it judges none (GOVREPORTS_VERDICT off)
    judged = crawler.settings.getbool("GOVREPORTS_VERDICT", True)
    summary["incomplete"] = sorted(k for k, v in per_site.items() if judged and v["verdict"] != "complete")
    return summary


def _verdict(stats: dict) -> dict:
    """The site's verdict (crawler.completeness) and the facts it rests on, from its crawler's stats."""
    facts = stats.get("govreports/site_facts") or {}
    return {"verdict": stats.get("govreports/verdict"), "reasons": stats.get("govreports/verdict_reasons") or [],
            **{k: facts.get(k) for k in ("family", "reports", "entries", "lines", "offsite_links", "non_http_links",
                                  "list_pages")}}
