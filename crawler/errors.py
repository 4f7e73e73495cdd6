"""The crawler's errors, under one root; each message says what to do. Importable without Scrapy."""
from __future__ import annotations


class CrawlerError(RuntimeError):
    """Root of the crawler's errors."""


class RegistryError(CrawlerError, ValueError):
    """A site registry that cannot be used (missing, not JSON, an entry without what every site
    needs, an unknown site name): the message names the file or entry and what to fix."""


class SpiderArguments(CrawlerError, ValueError):
    """A spider started by `scrapy crawl` without what it needs (-a site=NAME): the message says
    which arguments to give."""


class BadSetting(CrawlerError, ValueError):
    """A Scrapy setting of the crawler's own with a value it cannot work with (the message names
    the setting, what it got and what it takes)."""


class NoSiteSelected(CrawlerError, ValueError):
    """A selection (--site, --region) that names no site of the registry: nothing would be crawled."""


class NotInFrontier(CrawlerError, LookupError):
    """A request of a shared frontier whose site the frontier's site table does not hold."""


class WorkerDied(CrawlerError):
    """A document whose parse killed its worker process, again when it was parsed alone."""


class DocumentTooSlow(CrawlerError):
    """A document still being read after the time bound per document (its worker was ended)."""
