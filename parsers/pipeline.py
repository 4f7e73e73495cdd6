"""The whole parse of one document: sniff, decode, normalise, read the layout, map, check.

Which reader reads a document is the layout registry's choice (parsers/layouts LAYOUTS); which
template its tables follow, the templates' (parsers/templates TEMPLATES).  Nothing here knows either.
"""
from __future__ import annotations

import re

from . import annual, checks, era, metadata, narrative, prose, templates
from .cleaning import strip_text_chrome
from .decoding import decode, looks_binary
from .errors import ParserError, ReaderUnavailable
from .grid import Grid
from .layouts import BYTES, TEXT, Probe, read_as_text
from .layouts import sniff as sniff_layout
from .limits import DEFAULT as DEFAULT_LIMITS
from .limits import Limits, OutOfTime, OverLimit, bounded, check_document, check_time
from .mapping import all_labels, map_grid, tokens_of
from .normalize import normalise
from .record import (EMPTY, FIRST_TEMPLATE_YEAR, NEEDS_REVIEW, NOT_A_REPORT, OK, OVER_LIMIT, PRE_TEMPLATE, TABLES,
                     UNKNOWN_TEMPLATE, UNREADABLE, Finding, Report)

_SOFT_BLOCK = re.compile(r"访问异常|请开启JavaScript|Please enable JavaScript|访问过于频繁|安全验证|验证码|访问被拒绝")


def parse(data: bytes, content_type: str | None = None, url: str | None = None,
          limits: Limits | None = None, keep_text: bool = False, pdf_engine: str | None = None) -> Report:
    limits = limits or DEFAULT_LIMITS
    with bounded(limits):
        try:
            report = _parse(data, content_type, url, limits, pdf_engine)
        except (OverLimit, OutOfTime) as exc:  # recorded with its reason, never dropped
            return Report(OVER_LIMIT, [str(exc)], url=url, content_type=content_type)
    if not keep_text:
        report.source_text = None
    return report


def _parse(data: bytes, content_type: str | None, url: str | None, limits: Limits,
           pdf_engine: str | None = None) -> Report:
    base = dict(url=url, content_type=content_type)
    if data is None or not data.strip():
        return Report(EMPTY, ["the document is empty"], **base)
    probe = Probe(data, (content_type or "").lower(), templates.TEMPLATES, pdf_engine=pdf_engine)
    layout = sniff_layout(probe, BYTES)
    check_document(layout.kind if layout else None, data, limits)
    if layout is None:
        if looks_binary(data):
            return Report(UNREADABLE, ["binary bytes, not a text or HTML document"], **base)
        try:
            text, encoding = decode(data, content_type)
        except ParserError as exc:
            return Report(UNREADABLE, [str(exc)], **base)
        base["encoding"] = encoding
        probe.text = normalise(text)
        if not probe.text.strip():
            return Report(EMPTY, ["the document holds only white space"], **base)
        probe.plain = strip_text_chrome(probe.text)
        layout = sniff_layout(probe, TEXT)
    if layout.read is None:
        return Report(UNREADABLE, ["an image: no text layer to read figures from (never read as zeros)"], **base)
    check_time("sniffing")
    try:
        reading = layout.read(probe)
    except OverLimit:
        raise
    except (ReaderUnavailable, ParserError) as exc:
        return Report(UNREADABLE, [str(exc)], **base)
    except Exception as exc:  # a broken file must give a status, never a crash
        return Report(UNREADABLE, [f"{layout.kind} could not be read: {exc.__class__.__name__}: {exc}"], **base)
    if layout.reads == BYTES and not reading.text.strip() and not reading.grid.rows:
        return Report(UNREADABLE, [f"{layout.kind} has no text layer (scanned images?): figures cannot be read"],
                      **base)
    check_time(f"reading the {layout.kind}")
    tokens = tokens_of(reading.grid)
    grid = reading.grid
    if reading.retry_as_text is not None and templates.detect(all_labels(tokens)) is None:
        # Tables printed as paragraphs, or a text dump wrapped in HTML.
        again = read_as_text(reading.retry_as_text, templates.TEMPLATES)
        again_tokens = tokens_of(again.grid)
        if templates.detect(all_labels(again_tokens)) is not None:
            grid, tokens = again.grid, again_tokens
            grid.shift(reading.retry_at)  # its offsets index the document's text, as every cell's do
    check_time("reading tables as text")
    return _finish(grid, reading.text, base, reading.meta_tags, tokens)


def _finish(grid: Grid, text: str, base: dict, meta_tags: dict, tokens=None) -> Report:
    meta = metadata.read_meta(text, meta_tags)
    report = Report(NEEDS_REVIEW, layout=grid.layout, title=meta.title, agency=meta.agency,
                    agency_source=meta.agency_source, year=meta.year,
                    publication_date=meta.publication_date, site_id_code=meta.site_id_code,
                    region_code=meta.region_code, body_names=meta.body_names, narrative=narrative.sections(text),
                    source_text=text, **base)
    _read_report(report, grid, text, tokens)
    report.findings += meta.findings  # what the page says of the body (info: the figures are not concerned)
    return report


def _read_report(report: Report, grid: Grid, text: str, tokens=None) -> None:
    """The report's tables, by the template they follow, their checks and its status."""
    tokens = tokens_of(grid) if tokens is None else tokens
    labels = all_labels(tokens)
    template = templates.detect(labels)
    if template is not None and not template.national and _of_later_era(report, text):
        # The older form's item names are those of a later report's sentences too (主动公开政府信息
        # …条, 政务微信公开…): a report of 2019 on printing no national table has its tables missing.
        template = None
    if template is not None:
        mapped = map_grid(grid, template, tokens)
        if template.prose and not any(mapped.tables.values()):
            # Its item names are those of sentences too: no table read, the report writes them out.
            _settle_without_template(report, grid, text)
            return
        report.template = template.name
        _read_tables(report, template, mapped)
        return
    candidates = templates.undecided(labels)
    if candidates and (report.year is None or report.year >= FIRST_TEMPLATE_YEAR):
        # The tables print no row of their own template (an excerpt of the rows all templates
        # share, table 4 alone): the rows every candidate prints alike are read, nothing else.
        shared = templates.common(candidates)
        mapped = map_grid(grid, shared, tokens)
        if any(mapped.tables.values()):
            _read_tables(report, shared, mapped)
            report.template = None
            report.status = NEEDS_REVIEW
            report.reasons.insert(0, "the tables do not show which template they follow ("
                                  + " or ".join(t.name for t in candidates) + "): only the rows the templates "
                                  "print alike are read")
            return
    _settle_without_template(report, grid, text)


def _of_later_era(report: Report, text: str) -> bool:
    """A report for 2019 or later: by its year, or, where no year was read, by its words."""
    return report.year >= FIRST_TEMPLATE_YEAR if report.year is not None else bool(era.later_signs(text))


def _read_tables(report: Report, template, mapped) -> None:
    if template.national:  # the older forms' reports keep their statistics sections too
        report.narrative = {k: v for k, v in report.narrative.items() if k in narrative.TEMPLATE_SECTIONS}
    report.tables = mapped.tables
    report.findings = mapped.findings + checks.run_checks(mapped.tables, template)
    missing = [t for t in template.table_names if not report.tables.get(t)]
    for t in missing:
        report.tables[t] = None
        report.reasons.append(f"{t} missing")
    errors = [f for f in report.findings if f.severity == "error"]
    if errors:
        rules = sorted({f.rule for f in errors})
        report.reasons.append(f"{len(errors)} finding(s): " + ", ".join(rules))
    partial = _partial_rows(report, template)
    if partial:
        report.reasons.append("rows not printed: " + ", ".join(partial[:6]) + (" …" if len(partial) > 6 else ""))
        report.findings.append(Finding("read.rows_missing", f"{len(partial)} template rows not found", severity="error"))
    if not template.national:  # the older forms state little arithmetic: their figures are read, not checked
        report.reasons.append(f"figures of the {template.name} statistics: read as printed, few of them checkable")
    report.status = OK if not report.reasons else NEEDS_REVIEW


def _settle_without_template(report: Report, grid: Grid, text: str) -> None:
    """The status of a document whose tables follow no template: a report or not, and which kind."""
    if len(text.strip()) < 400 and _SOFT_BLOCK.search(text):
        report.status = NOT_A_REPORT
        report.reasons.append("an anti-bot or soft-block page, not a report")
        return
    if not annual.is_annual_report(report.title, text):
        report.status = NOT_A_REPORT
        report.reasons.append("neither titled nor written as an annual report")
        return
    tables = _has_figure_table(grid)
    # A report of no readable year (its title lost) that shows the 2019 regulation in its words is
    # a report whose national tables are missing: never one to read on the older form's sentences.
    later = era.later_signs(text) if report.year is None else []
    if (report.year is None or report.year < FIRST_TEMPLATE_YEAR) and not later and not tables \
            and _read_prose(report, text):
        return
    if report.year is not None and report.year < FIRST_TEMPLATE_YEAR:
        report.status = PRE_TEMPLATE
        report.reasons.append(f"a report for {report.year}, before the national tables of {FIRST_TEMPLATE_YEAR}"
                              + (": its statistics table is not read" if tables else ""))
    elif tables:
        report.status = UNKNOWN_TEMPLATE
        report.reasons.append("tables do not follow the 2019 or 2021 national template")
    elif report.year is None and not later:
        report.status = PRE_TEMPLATE
        report.reasons.append("a report of no readable year without tables of any template")
    else:  # a report of 2019 or later whose national tables are not there
        report.reasons.append("an annual report without tables 2-4: missing " + ", ".join(TABLES)
                              + (" (of the 2019 regulation or later, no year read: " + "; ".join(later) + ")"
                                 if later else ""))


# Fewer statistics in a report's sentences are narrative, not its statistics; and one at least must
# be a printed figure (zeros stated in words alone are no statistics read).
MIN_PROSE_ITEMS = 3


def _read_prose(report: Report, text: str) -> bool:
    """A report from before the national tables that writes its statistics out in sentences:
    read them into its template's table.  Figures read from sentences are never ok: the
    report says needs review, and which sentence each figure came from."""
    for template in templates.TEMPLATES:
        if not template.prose:
            continue
        spec = template.tables[0]
        rows, findings = prose.read_prose(text, spec.name, spec.rows, template.stated_none, template.prose_anywhere)
        if len(rows) < MIN_PROSE_ITEMS or all(cells[0].source.get("stated_in_words") for cells in rows.values()):
            continue
        report.template = template.name
        report.tables = {t: None for t in template.table_names} | {spec.name: rows}
        report.findings = findings + checks.run_checks(report.tables, template)
        report.status = NEEDS_REVIEW
        report.reasons.append(f"{len(rows)} statistics of the {template.name} form read from the report's sentences: "
                              "check them against the text")
        errors = sorted({f.rule for f in report.findings if f.severity == "error"})
        if errors:
            report.reasons.append(f"{len(errors)} finding(s): " + ", ".join(errors))
        return True
    return False


def _partial_rows(report: Report, template) -> list[str]:
    out = []
    for spec in template.tables:
        rows = report.tables.get(spec.name)
        if rows is None:
            continue
        if spec.block:
            if sum(len(v) for v in rows.values()) < spec.cell_count:
                out.append(f"{spec.name} cells")
            continue
        for key in template.expected_rows(spec.name, rows):
            if key not in rows:
                out.append(f"{spec.name}.{key}")
    return out


def _has_figure_table(grid: Grid) -> bool:
    """At least three grid rows of several cells holding figures: a statistics table of some kind."""
    rows = 0
    for row in grid.rows:
        cells = [c for c in row if not c.copy]
        if len(cells) >= 3 and any(re.fullmatch(r"\s*-?[\d.,]+\s*", c.text) for c in cells):
            rows += 1
    return rows >= 3
