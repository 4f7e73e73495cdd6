"""Who a report belongs to: the body (agency) and the year; versions of one body-year share a key."""
from __future__ import annotations

from urllib.parse import urlsplit


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


def report_key_of(body: str, year: int | None, sha256: str) -> str:
    # Without a year there is nothing to version against: the document is its own report.
    return f"{body}|{year}" if year is not None else f"{body}|doc:{sha256[:16]}"


def host_of(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname
    return host.lower() if host else None
