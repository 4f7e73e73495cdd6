"""What a crawl keeps in memory of its run record and ledger (storage.runs), without SQLAlchemy:
the crawler process uses these while a worker process does the database work."""
from __future__ import annotations

from dataclasses import dataclass

RUNNING, FINISHED, INTERRUPTED, FAILED = "running", "finished", "interrupted", "failed"
# finished, but a site yielded no report or less than its columns declare (crawler.completeness)
INCOMPLETE = "incomplete"
COUNTS = ("requests", "new", "changed", "unchanged", "failed", "flagged", "skipped")
MAX_ERRORS = 200


@dataclass
class Known:
    """What the ledger holds of one URL."""

    list_title: str | None = None
    list_date: str | None = None
    entry_run_id: int | None = None
    sha256: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    outcome: str | None = None
    doc_run_id: int | None = None
