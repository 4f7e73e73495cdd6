"""Who a report belongs to: the body (agency) and the year; versions of one body-year share a key.

A body prints its name with or without its places (平顶山市新华区教育局, 新华区教育局, 市林业局), in
full or short (上海市科学技术委员会, 上海市科委), a government by its place alone (洪泽区人民政府,
平潭综合实验区), and the same report is published on several sites.  Where the body's region is
known, the key is that region and the name without the region's own place names, in one spelling
(parsers.metadata.name_key), so all these printings are one body; the stored agency keeps the name
as printed.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from parsers.metadata import is_abbreviated, is_place_only, name_key

from .regions import chain, is_region_code

GOVERNMENT = "人民政府"  # a region's own government in a key, however printed (洪泽区, 平潭综合实验区管委会)


def body_of(agency: str | None, site_id_code: str | None, url: str | None, sha256: str) -> str:
    """The publishing body: its printed name, else the site's code, else the page URL.
    Only white space is normalised; the printed agency itself is stored unchanged."""
    if agency and agency.strip():
        return "".join(agency.split())
    if site_id_code:
        return f"site:{site_id_code}"
    if url:
        parts = urlsplit(url)
        return f"url:{parts.netloc}{parts.path}" if parts.netloc else f"url:{url}"
    return f"doc:{sha256}"


def bare_name(body: str, region_code: str, year: int | None = None, *, whole: bool = False) -> str:
    """The body's name without the leading place names of its own region and the regions
    around it: 平顶山市新华区教育局 in 410402 -> 教育局. A name that is places alone keeps its last
    one, unless `whole` (then it is empty)."""
    names = sorted({n for d in chain(region_code, year) for n in (d.name, d.short) if len(n) >= 2},
                   key=len, reverse=True)
    rest, changed = body, True
    while changed:
        changed = False
        for n in names:
            if rest.startswith(n) and (whole or len(rest) > len(n)):
                rest, changed = rest[len(n):], True
                break
    return rest


def key_name(body: str, region_code: str, year: int | None = None) -> str:
    """The body's name in a report key: one spelling of it (name_key), without the place names of
    its region and the regions around it and without the lone division word an abbreviated name
    begins with (市林业局 and 吉林市林业局 in 220200 -> 林业局); a name that is its place alone is
    the region's government."""
    rest = bare_name(name_key(body), region_code, year, whole=True)
    if is_abbreviated(rest) and len(rest) > 2:
        rest = rest[1:]
    # A place's name alone is its government (平潭综合实验区: a zone the division list does not hold).
    return GOVERNMENT if rest in ("", "人民政府", "政府", "管理委员会") or is_place_only(rest) else rest


def report_key_of(body: str, year: int | None, sha256: str, region_code: str | None = None) -> str:
    # Without a year there is nothing to version against: the document is its own report.
    if year is None:
        return f"{body}|doc:{sha256[:16]}"
    if is_region_code(region_code) and not body.startswith(("site:", "url:", "doc:")):
        return f"{region_code}|{key_name(body, region_code, year)}|{year}"
    return f"{body if body.startswith(('site:', 'url:', 'doc:')) else name_key(body)}|{year}"


def host_of(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname
    return host.lower() if host else None
