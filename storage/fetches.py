"""Every fetch that delivered a document's bytes, and the one its report is derived from.

A document is its bytes (content-addressed: documents.sha256, the archive). The same bytes often
come under several URLs — a report republished by a department's column, a PDF linked from two
pages, a file ingested before the crawl found it — and each fetch says other things: its URL and
site, when, its HTTP metadata, and the hints of its page (SiteIDCode, the registry's region, the
list title's year). Each URL that delivered the bytes is one row of ``document_fetches`` with what
its first fetch said (``last_fetched_at``: the last time it delivered them).

The report derived from the bytes is one, parsed from one fetch's URL and content type with that
fetch's hints — the **primary** fetch, whose metadata the ``documents`` row carries. It is chosen
by a rule that does not depend on the order fetches arrive in (:func:`rank`): a fetch over http(s)
before any other (a local file), then one with hints before one without, then the smallest URL.
When a new fetch becomes the primary the report is derived again from it; a fetch that does not
changes nothing but its own row. So a URL's metadata is never paired with another fetch's parse.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from . import models as m
from .hints import Hints

METADATA = ("url", "site_id", "fetched_at", "http_status", "content_type", "encoding", "etag", "last_modified",
            "hints")


@dataclass(frozen=True)
class Fetch:
    """What one fetch of a document said (a row of document_fetches, url '' for none)."""

    url: str
    site_id: int | None
    fetched_at: datetime | None
    http_status: int | None
    content_type: str | None
    encoding: str | None
    etag: str | None
    last_modified: str | None
    hints: dict | None

    @property
    def document_url(self) -> str | None:
        return self.url or None

    @property
    def parse_hints(self) -> Hints:
        return Hints.from_json(self.hints)

    def parses_like(self, url: str | None, content_type: str | None) -> bool:
        """Whether a parse of the bytes given `url` and `content_type` is this fetch's parse."""
        return self.url == (url or "") and self.content_type == content_type

    def document_values(self) -> dict:
        return {k: (self.document_url if k == "url" else getattr(self, k)) for k in METADATA}


def rank(url: str, hints: dict | None) -> tuple:
    """The order of fetches for the primary: http(s) first, then with hints, then by URL."""
    web = url.split(":", 1)[0].lower() in ("http", "https")
    return (not web, not hints, url)


def fetch_of(values: dict) -> Fetch:
    return Fetch(**{k: ((values.get(k) or "") if k == "url" else values.get(k)) for k in METADATA})


def record(conn: Connection, document_id: int, values: dict) -> None:
    """This fetch of the document (`values`: documents' metadata columns): a new row for a URL not
    seen delivering these bytes; for one seen, its last fetch time (and hints where it had none)."""
    f = m.DocumentFetch.__table__
    url = values.get("url") or ""
    row = conn.execute(select(f.c.id, f.c.hints).where(f.c.document_id == document_id, f.c.url == url)).first()
    now = datetime.now(timezone.utc)
    if row is None:
        conn.execute(f.insert().values(document_id=document_id, recorded_at=now,
                                       last_fetched_at=values.get("fetched_at") or now,
                                       **{k: (url if k == "url" else values.get(k)) for k in METADATA}))
        return
    changes = {"last_fetched_at": values.get("fetched_at") or now}
    if row.hints is None and values.get("hints"):
        changes["hints"] = values["hints"]
    conn.execute(update(f).where(f.c.id == row.id).values(**changes))


def primary(conn: Connection, document_id: int) -> Fetch:
    """The fetch the document's report is derived from (see the module doc)."""
    f = m.DocumentFetch.__table__
    rows = conn.execute(select(*(f.c[k] for k in METADATA)).where(f.c.document_id == document_id)).all()
    best = min(rows, key=lambda r: rank(r.url, r.hints))
    return Fetch(**best._asdict())


def fetches(conn: Connection, document_id: int) -> list[Fetch]:
    """Every fetch of a document, the primary first."""
    f = m.DocumentFetch.__table__
    rows = conn.execute(select(*(f.c[k] for k in METADATA)).where(f.c.document_id == document_id)).all()
    return [Fetch(**r._asdict()) for r in sorted(rows, key=lambda r: rank(r.url, r.hints))]
