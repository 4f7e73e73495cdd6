"""A fetched document (a DocumentItem, as a dict) as storage's ingest path takes it: the raw
document with its fetch metadata, and the hints its page and the registry give (storage.ingest)."""
from __future__ import annotations

from . import judge


def raw_document(item: dict):
    from storage.store import RawDocument

    return RawDocument(data=item["body"], url=item["url"], content_type=item.get("content_type"),
                       encoding=item.get("encoding"), fetched_at=item.get("fetched_at"),
                       http_status=item.get("http_status"), etag=item.get("etag"),
                       last_modified=item.get("last_modified"))


def hints_of(item: dict):
    from storage.hints import Hints

    return Hints(site_id_code=item.get("site_id_code"),
                 region_code=judge.region_of_site_id(item.get("site_id_code")),
                 registry_region_code=item.get("region_code"), year=item.get("year_hint"),
                 list_title=item.get("title") or None)
