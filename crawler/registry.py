"""The site registry: one JSON data file listing every site to crawl.

Adding a site is a registry edit, not code: name, title, region code and the column URL are
enough. Fields (docs/crawling.md, "Registering a site"):

  name            unique short name (used by --site)
  title           the site's name
  region_code     6-digit GB/T 2260 code of the site's body (SiteIDCode on a page refines it)
  start_urls      column URLs (absolute, or relative to --base-url)
  family          optional: the CMS family (crawler.families.NAMES); recognised from the page if absent
  allowed_domains optional; default the hosts of the start URLs
  path_prefix     optional; stay under this path (sites sharing a host)
  obey_robots     optional, default true
  browser_lists   optional: list pages need a browser (JavaScript-only lists)
  browser_details optional: detail pages need a browser (412/521 script challenges)
  browser_wait    optional JS predicate the browser waits for before reading a page
  max_pages       optional cap on list pages per column (default: the GOVREPORTS_MAX_LIST_PAGES
                  setting, 200); reaching it is a fault and makes the site incomplete
  cat_id, sid     gkmlpt options; unitid, webid, columnid: Hanweb options (read from pages if absent)
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from .errors import RegistryError
from .families import family_named

# What a message about an entry points to.
_FIELDS_DOC = "docs/crawling.md, \"Registering a site\""

DEFAULT_REGISTRY = Path(__file__).with_name("sites.json")


@dataclass
class SiteConfig:
    name: str
    region_code: str
    start_urls: list[str]
    title: str = ""
    family: str | None = None
    allowed_domains: list[str] = field(default_factory=list)
    path_prefix: str | None = None
    obey_robots: bool = True
    browser_lists: bool = False
    browser_details: bool = False
    browser_wait: str | None = None
    max_pages: int | None = None  # None: the crawl's cap (crawler.caps)
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def needs_browser(self) -> bool:
        return self.browser_lists or self.browser_details

    def to_dict(self) -> dict:
        d = dict(self.options)
        d.update({k: getattr(self, k) for k in (
            "name", "region_code", "family", "start_urls", "title", "allowed_domains", "path_prefix",
            "obey_robots", "browser_lists", "browser_details", "browser_wait", "max_pages")})
        return d


KNOWN = set(SiteConfig.__dataclass_fields__) - {"options"}


def site_from_dict(d: dict, base_url: str | None = None) -> SiteConfig:
    d = dict(d)
    missing = [k for k in ("name", "region_code", "start_urls") if not d.get(k)]
    if missing:
        raise RegistryError(f"registry entry {d.get('name')!r} lacks {', '.join(missing)}: every site needs a "
                            f"name, a 6-digit region_code and start_urls ({_FIELDS_DOC})")
    if d.get("family"):
        try:
            family_named(d["family"])
        except RegistryError as exc:
            raise RegistryError(f"site {d['name']}: {exc}; or leave family out to have it recognised "
                                "from the page") from None
    else:
        d.pop("family", None)
    code = str(d["region_code"])
    if not (len(code) == 6 and code.isdigit()):
        raise RegistryError(f"site {d['name']}: region_code must be the body's 6-digit GB/T 2260 code, got {code!r}")
    d["region_code"] = code
    urls = []
    for u in d["start_urls"]:
        if not urlsplit(u).scheme:
            if not base_url:
                raise RegistryError(f"site {d['name']}: relative start URL {u!r} needs --base-url (or make it absolute)")
            u = urljoin(base_url.rstrip("/") + "/", u.lstrip("/"))
        urls.append(u)
    d["start_urls"] = urls
    if not d.get("allowed_domains"):
        d["allowed_domains"] = sorted({urlsplit(u).hostname for u in urls if urlsplit(u).hostname})
    if base_url and not d.get("path_prefix"):
        # sample-portal sites share one host: pin each to its own path prefix
        first = urlsplit(urls[0]).path.split("/")
        d["path_prefix"] = "/" + first[1] + "/" if len(first) > 2 else None
    options = {k: v for k, v in d.items() if k not in KNOWN}
    kwargs = {k: v for k, v in d.items() if k in KNOWN}
    return SiteConfig(options=options, **kwargs)


def load_registry(path: str | Path | None = None, base_url: str | None = None) -> list[SiteConfig]:
    """The sites of the registry at `path` (default crawler/sites.json). RegistryError, saying what
    to fix, where it cannot be read or an entry is incomplete."""
    path = Path(path or DEFAULT_REGISTRY)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RegistryError(f"cannot read the registry {path}: {exc.strerror}; give --registry PATH "
                            f"(default {DEFAULT_REGISTRY})") from None
    except ValueError as exc:  # JSONDecodeError, or bytes that are not UTF-8
        raise RegistryError(f"the registry {path} is not JSON in UTF-8 ({exc}): fix it") from None
    entries = data.get("sites") if isinstance(data, dict) else data
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise RegistryError(f"the registry {path} must be {{\"sites\": [entries]}} or a list of entries, each an "
                            f"object ({_FIELDS_DOC})")
    sites = [site_from_dict(e, base_url) for e in entries]
    names = [s.name for s in sites]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise RegistryError(f"duplicate site names in {path}: {', '.join(sorted(dupes))}; each name must be unique")
    return sites


def select_sites(sites: list[SiteConfig], names: list[str] | None = None,
                 region: str | None = None) -> list[SiteConfig]:
    out = sites
    if names:
        unknown = set(names) - {s.name for s in sites}
        if unknown:
            raise RegistryError(f"unknown site(s): {', '.join(sorted(unknown))}: not the name of an entry of the "
                                "registry (--registry for another)")
        out = [s for s in out if s.name in names]
    if region:
        out = [s for s in out if s.region_code.startswith(region)]
    return out
