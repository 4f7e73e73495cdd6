"""What the place a document came from says about its report, beside what the parser read in it.

The crawler knows the page's SiteIDCode, the registry's region for the site and the title the
site lists the document under (its year, and the body it names); a file has none of these. Hints are kept with the document (documents.hints), so that
the report is derived from the same bytes and the same hints whichever way it arrives, and again by
`reparse`. Applying them is an explicit step on a copy of the parser's record.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

from parsers.metadata import LIST_TITLE, PAGE_META, is_abbreviated, is_place_only, same_body, title_agency
from parsers.record import Finding, Report

from .regions import settle_region


@dataclass(frozen=True)
class Hints:
    site_id_code: str | None = None  # the page's SiteIDCode
    region_code: str | None = None  # the region the page's SiteIDCode names
    registry_region_code: str | None = None  # the registry's region for the site
    year: int | None = None  # the year of the document's list title
    # The title the site lists the document under: its list entry's, or the ArticleTitle of the
    # detail page an attachment hangs from (crawler/items.py `title`).
    list_title: str | None = None

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
    the report has none, the body the list title names where the report names none of its own
    (listed_body), and the code of the body that wrote it (storage.regions.settle_region: read
    from the body's printed names; the page's SiteIDCode region, else the parser's reading of it,
    and the registry's code for the site are hints, their disagreements findings). The parser's
    record is not changed."""
    changes: dict = {}
    if not report.site_id_code and hints.site_id_code:
        changes["site_id_code"] = hints.site_id_code
    if report.year is None and hints.year:
        changes.update(year=hints.year, reasons=[*report.reasons, "year taken from the list title"])
    changes.update(listed_body(report, hints.list_title))
    copy = replace(report, **changes)
    settle_region(copy, site_code=hints.region_code or report.region_code, registry_code=hints.registry_region_code)
    return copy


def listed_body(report: Report, list_title: str | None) -> dict:
    """The changes the list entry's title makes to the record's body: its body where the report
    names none, names it only by the page's <meta>, only abbreviated (市林业局: 吉林市林业局 where
    the list's name ends with it) or only by its place (平潭综合实验区: a name beginning with it);
    else nothing but a finding where the list names another body. Printed names are kept as
    printed: the list's name replaces none the report prints for itself."""
    listed = title_agency(list_title)
    if not listed or listed == report.agency:
        return {}
    own = report.agency if report.agency_source != PAGE_META else None
    fills = (own is None and not (report.agency and is_place_only(listed))) \
        or (is_abbreviated(own) and listed.endswith(own) and not is_abbreviated(listed)) \
        or (is_place_only(own) and listed.startswith(own) and not is_place_only(listed))
    if not fills:
        if own and not same_body(own, listed):
            return {"findings": [*report.findings, Finding(
                "body.list_title_differs", f"the list entry's title names {listed}; the report names its body "
                f"{own} ({report.agency_source}), which is kept", severity="info")]}
        return {}
    if own is None:
        why = "the report names no body" if report.agency is None else f"the report names no body; the page's " \
            f"{report.agency} is the hosting site's name"
    else:
        why = f"the report names its body only as {own}"
    findings = [f for f in report.findings if f.rule != "body.from_page"]
    if report.agency_source == PAGE_META and not same_body(report.agency, listed):
        findings.append(Finding("body.page_names_other", f"the page names {report.agency}; the list entry's "
                                f"title names {listed}, which is kept", severity="info"))
    findings.append(Finding("body.from_list_title", f"{why}: the list entry's title gives {listed}", severity="info"))
    return {"agency": listed, "agency_source": LIST_TITLE, "findings": findings,
            "body_names": [listed, *(n for n in report.body_names if n != listed)]}
