"""The crawl's caps: links read from one list page, list pages read per column.

Both are Scrapy settings, read once per crawler (`Caps.from_settings`, called from the spiders'
``from_crawler``), with defaults far above what real report columns have (tens of lines a page, a
few pages a column): a cap exists so that a hostile or broken list (100,000 links, a pager that
never ends) cannot run the crawl without bound. Reaching one is never silent: it is a fault in the
run's failures with its reason (kind ``cap``) and it makes the site's verdict ``incomplete``
(crawler.completeness).
"""
from __future__ import annotations

from dataclasses import dataclass

from .errors import BadSetting

LINKS_SETTING = "GOVREPORTS_MAX_LINKS_PER_PAGE"
PAGES_SETTING = "GOVREPORTS_MAX_LIST_PAGES"
DEFAULT_LINKS = 5000  # anchors read from one list page (real list pages: 50-300, menus included)
DEFAULT_PAGES = 200  # list pages per column, API pages and sub-columns included (real: 1-20)


@dataclass(frozen=True)
class Caps:
    links_per_page: int = DEFAULT_LINKS
    list_pages: int = DEFAULT_PAGES

    @classmethod
    def from_settings(cls, settings) -> "Caps":
        links = settings.getint(LINKS_SETTING, DEFAULT_LINKS)
        pages = settings.getint(PAGES_SETTING, DEFAULT_PAGES)
        if links < 1 or pages < 1:
            raise BadSetting(f"{LINKS_SETTING} and {PAGES_SETTING} must be at least 1 (got {links}, {pages})")
        return cls(links, pages)

    def for_site(self, max_pages: int | None) -> "Caps":
        """The caps of one site: the registry's ``max_pages`` replaces the list-page cap."""
        return Caps(self.links_per_page, max_pages) if max_pages else self
