"""What the place a document came from says about its report, beside what the parser read in it.

The crawler knows the page's SiteIDCode, the registry's region for the site and the year of the
list title; a file has none of these. Hints are kept with the document (documents.hints), so that
the report is derived from the same bytes and the same hints whichever way it arrives, and again by
`reparse`. Applying them is an explicit step on a copy of the parser's record.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

from parsers.record import Report

from .regions import settle_region


@dataclass(frozen=True)
class Hints:
    site_id_code: str | None = None  # the page's SiteIDCode
    region_code: str | None = None  # the region the page's SiteIDCode names
    registry_region_code: str | None = None  # the registry's region for the site
    year: int | None = None  # the year of the document's list title

    def to_json(self) -> dict | None:
        """The hints as stored (documents.hints): only those given, None for none."""
        given = {k: v for k, v in asdict(self).items() if v is not None}
        return given or None

    @classmethod
    def from_json(cls, data: dict | None) -> "Hints":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in names})


NO_HINTS = Hints()


def hints_applied(report: Report, hints: Hints = NO_HINTS) -> Report:
    """The record to store: a copy of the parser's `report` with the year of the list title where
    the report has none, and the code of the body that wrote it (storage.regions.settle_region:
    read from the body's printed names; the page's SiteIDCode region, else the parser's reading of
    it, and the registry's code for the site are hints, their disagreements findings). The
    parser's record is not changed."""
    changes: dict = {}
    if not report.site_id_code and hints.site_id_code:
        changes["site_id_code"] = hints.site_id_code
    if report.year is None and hints.year:
        changes.update(year=hints.year, reasons=[*report.reasons, "year taken from the list title"])
    copy = replace(report, **changes)
    settle_region(copy, site_code=hints.region_code or report.region_code, registry_code=hints.registry_region_code)
    return copy
