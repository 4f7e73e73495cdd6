"""One Scrapy crawler for many sites: the registry spider.

A crawler per site costs a few hundred KB each before its first request and, worse, keeps its own
downloader: sites that share a host (a county portal carrying tens of bodies' columns) would each
be polite on their own and together hit the host several times as often. Here every site's spider
(crawler.spiders.column.ColumnSpider, as crawl wrote it) is a *handler* inside one RegistrySpider:
its requests carry the site's name (request meta ``gr_site``) and a callback of the registry spider
of the same name, which hands the response to that site's handler. Scrapy's downloader slots (one
per host) then keep every host polite whatever sites it carries, and the requests can be
serialised (scrapy-redis, crawler.distributed) because every callback is a method of the spider.

Each handler keeps its own state (columns, links, counters) and sees a crawler whose stats are the
site's own (``govreports/site/NAME/...`` beside the crawl's totals).
"""
from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Iterable
from typing import Any

import scrapy
from scrapy import Request, signals

from .registry import SiteConfig

SITE = "gr_site"  # request meta: the registry name of the site a request belongs to


def site_key(site: str, key: str) -> str:
    return f"govreports/site/{site}/{key.removeprefix('govreports/')}"


def site_stats(stats: dict, site: str) -> dict:
    """One site's values out of a crawl's stats, under their usual names (govreports/KEY)."""
    prefix = f"govreports/site/{site}/"
    return {"govreports/" + k[len(prefix):]: v for k, v in stats.items() if k.startswith(prefix)}


def stats_for(crawler, site: str | None):
    """The stats a component counts a site's event in: the site's own and the crawl's total."""
    return SiteStats(crawler.stats, site) if site else crawler.stats


def site_of(request) -> str | None:
    return request.meta.get(SITE) if request is not None else None


class SiteStats:
    """A stats collector as one site's handler sees it: every value also kept under the site."""

    def __init__(self, stats, site: str) -> None:
        self._stats, self.site = stats, site

    def inc_value(self, key: str, count: int = 1, start: int = 0, spider=None) -> None:
        self._stats.inc_value(key, count, start)
        self._stats.inc_value(site_key(self.site, key), count, start)

    def set_value(self, key: str, value: Any, spider=None) -> None:
        self._stats.set_value(site_key(self.site, key), value)

    def get_value(self, key: str, default: Any = None, spider=None) -> Any:
        return self._stats.get_value(site_key(self.site, key), default)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stats, name)


class SiteCrawler:
    """The crawler as one site's handler sees it: the real one, with the site's own stats."""

    def __init__(self, crawler, site: str) -> None:
        self._crawler = crawler
        self.stats = SiteStats(crawler.stats, site)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._crawler, name)


def _callback_names(cls: type) -> tuple[str, ...]:
    """The methods of a site spider that requests name as callback or errback."""
    return tuple(name for name, _ in inspect.getmembers(cls, inspect.isfunction)
                 if name.startswith("parse") or name.endswith("_failed"))


class RegistrySpider(scrapy.Spider):
    """Crawl the report columns of many registry sites in one crawler.

    `sites`: SiteConfig objects (or give `site_names` with `registry` and `base_url`, as a crawl
    worker does); `year`: only entries of that year, as ColumnSpider."""

    name = "registry"
    handler_class: type | None = None  # ColumnSpider unless a subclass says otherwise

    def __init__(self, sites: Iterable[SiteConfig] = (), year=None, **kw) -> None:
        super().__init__(**kw)
        self.sites: dict[str, SiteConfig] = {s.name: s for s in sites}
        self.year = int(year) if year else None
        self.handlers: dict[str, scrapy.Spider] = {}
        self.allowed_domains = sorted({d for s in self.sites.values() for d in s.allowed_domains})

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        from .caps import Caps

        spider.caps = Caps.from_settings(crawler.settings)  # read once, handed to every site's handler
        crawler.signals.connect(spider._request_sent, signal=signals.request_reached_downloader)
        crawler.signals.connect(spider._response_received, signal=signals.response_received)
        return spider

    def _request_sent(self, request, spider=None) -> None:
        if site_of(request):
            self.crawler.stats.inc_value(site_key(site_of(request), "requests"))

    def _response_received(self, response, request, spider=None) -> None:
        if site_of(request):
            self.crawler.stats.inc_value(site_key(site_of(request), "responses"))

    @classmethod
    def _handler_class(cls) -> type:
        if cls.handler_class is None:
            from .spiders.column import ColumnSpider

            cls.handler_class = ColumnSpider
        return cls.handler_class

    def add_site(self, site: SiteConfig) -> None:
        """Another site to crawl (one met in the shared frontier of a distributed crawl)."""
        self.sites.setdefault(site.name, site)
        self.allowed_domains = sorted(set(self.allowed_domains) | set(site.allowed_domains))

    def handler(self, name: str):
        """The site spider of `name`, made on first use."""
        h = self.handlers.get(name)
        if h is None:
            h = self._handler_class()(site_config=self.sites[name], year=self.year)
            if getattr(self, "crawler", None) is not None:  # (govreports seed makes requests without one)
                h.crawler = SiteCrawler(self.crawler, name)
                h.settings = self.crawler.settings
                if hasattr(h, "configure"):
                    h.configure(self.caps)
            self.handlers[name] = h
        return h

    async def start(self) -> AsyncIterator[Any]:
        for name in list(self.sites):
            async for o in self.handler(name).start():
                yield self._owned(o, name)

    def _owned(self, o: Any, site: str) -> Any:
        """A handler's output made the registry spider's: requests name the site and a callback of
        this spider (so that they can be serialised); items pass."""
        if isinstance(o, Request):
            o.meta.setdefault(SITE, site)
            for attr in ("callback", "errback"):
                fn = getattr(o, attr)
                if fn is not None and getattr(fn, "__self__", self) is not self:
                    name = fn.__name__
                    if not hasattr(type(self), name):
                        raise TypeError(f"{type(fn.__self__).__name__}.{name} is a callback the registry spider "
                                        "does not know: name callbacks parse_* or *_failed (crawler.multisite)")
                    setattr(o, attr, getattr(self, name))
        return o

    def _site_of(self, response_or_failure) -> str:
        request = getattr(response_or_failure, "request", None)
        return request.meta[SITE]

    def _run(self, name: str, arg, **kw):
        site = self._site_of(arg)
        out = getattr(self.handler(site), name)(arg, **kw)
        if out is None or isinstance(out, (Request, dict)) or hasattr(out, "fields"):
            release(arg)
            return None if out is None else [self._owned(out, site)]
        if inspect.isasyncgen(out):
            return self._owned_async(out, site, arg)
        return self._owned_all(out, site, arg)

    def _owned_all(self, out, site: str, arg):
        try:
            for o in out:
                yield self._owned(o, site)
        finally:
            release(arg)

    async def _owned_async(self, out, site: str, arg):
        try:
            async for o in out:
                yield self._owned(o, site)
        finally:
            release(arg)


def release(response) -> None:
    """A response its callback is done with, freed as soon as nothing holds it. A response read
    with XPath is a reference cycle (Scrapy's Selector keeps its response, the response caches its
    selector), so it lived — with its body, its text and its lxml tree — until the next full
    garbage collection: at 250 requests a second, hundreds of MB (benchmarks/bench_scale.py). A
    later reader makes the selector again."""
    if getattr(response, "_cached_selector", None) is not None:
        response._cached_selector = None


def _delegate(name: str):
    def method(self, response, **kw):
        return self._run(name, response, **kw)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"The site spider's {name}, for the site the request belongs to."
    return method


def _install_delegates() -> None:
    from .spiders.column import ColumnSpider

    for name in _callback_names(ColumnSpider):
        if name != "parse":  # Scrapy's default callback: RegistrySpider never uses it
            setattr(RegistrySpider, name, _delegate(name))


_install_delegates()


def site_spiders(spider) -> dict[str, scrapy.Spider]:
    """The site spiders of a crawl: a registry spider's handlers, or the one site spider."""
    if isinstance(spider, RegistrySpider):
        return dict(spider.handlers)
    site = getattr(spider, "site", None)
    return {site.name: spider} if site is not None else {}
