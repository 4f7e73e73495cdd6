"""The whole parse of one document: sniff, decode, normalise, read the layout, map, check."""
from __future__ import annotations

import re

from . import annual, checks, metadata, narrative
from .cleaning import main_text_of_html, strip_text_chrome
from .decoding import DecodeError, decode, looks_binary
from .grid import Grid
from .layouts import html_tables, squashed, text_lines
from .mapping import all_labels, map_grid, tokens_of
from .normalize import normalise
from .record import (EMPTY, FIRST_TEMPLATE_YEAR, NEEDS_REVIEW, NOT_A_REPORT, OK, PRE_TEMPLATE, TABLES, UNKNOWN_TEMPLATE,
                     UNREADABLE, Finding, Report)
from .templates import TEMPLATES, detect

_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"II*\x00", b"MM\x00*", b"RIFF")
_HTML_SNIFF = re.compile(rb"<\s*(html|head|body|table|div|p|meta|!doctype)\b", re.I)
_SOFT_BLOCK = re.compile(r"访问异常|请开启JavaScript|Please enable JavaScript|访问过于频繁|安全验证|验证码|访问被拒绝")


def sniff(data: bytes, content_type: str | None) -> str:
    ct = (content_type or "").lower()
    head = data[:2048].lstrip()
    if head.startswith(b"%PDF") or "pdf" in ct:
        return "pdf"
    if head.startswith(b"PK\x03\x04") and (b"word/" in data[:65536] or "officedocument" in ct):
        return "docx"
    if head.startswith(_IMAGE_MAGIC) or ct.startswith("image/"):
        return "image"
    if "html" in ct or _HTML_SNIFF.search(head[:1024]):
        return "html"
    return "text"


def parse(data: bytes, content_type: str | None = None, url: str | None = None) -> Report:
    base = dict(url=url, content_type=content_type)
    if data is None or not data.strip():
        return Report(EMPTY, ["the document is empty"], **base)
    kind = sniff(data, content_type)
    if kind == "image":
        return Report(UNREADABLE, ["an image: no text layer to read figures from (never read as zeros)"], **base)
    if kind in ("pdf", "docx"):
        return _parse_office(data, kind, base)
    if looks_binary(data):
        return Report(UNREADABLE, ["binary bytes, not a text or HTML document"], **base)
    try:
        text, encoding = decode(data, content_type)
    except DecodeError as exc:
        return Report(UNREADABLE, [str(exc)], **base)
    base["encoding"] = encoding
    text = normalise(text)
    if not text.strip():
        return Report(EMPTY, ["the document holds only white space"], **base)
    if kind == "html":
        return _parse_html(text, base)
    return _parse_text(text, base)


def _parse_html(text: str, base: dict) -> Report:
    root = html_tables.parse_html(text)
    if root is None:
        return Report(UNREADABLE, ["HTML that no parser can read"], **base)
    meta_tags = metadata.html_meta(root)
    grid = html_tables.read_tables(root)
    body = main_text_of_html(root)  # after reading tables: trafilatura may prune the tree
    tokens = tokens_of(grid)
    if detect(all_labels(tokens)) is None:
        # Tables printed as paragraphs, or a text dump wrapped in HTML.
        fallback = _text_grid(body)
        fallback_tokens = tokens_of(fallback)
        if detect(all_labels(fallback_tokens)) is not None:
            grid, tokens = fallback, fallback_tokens
    full_text = (meta_tags.get("ArticleTitle", "") + "\n" + body) if body else meta_tags.get("ArticleTitle", "")
    return _finish(grid, full_text, base, meta_tags, tokens)


def _text_grid(text: str) -> Grid:
    if squashed.looks_squashed(text):
        return squashed.read_squashed(text, TEMPLATES)
    return text_lines.read_text(text)


def _parse_text(text: str, base: dict) -> Report:
    text = strip_text_chrome(text)
    return _finish(_text_grid(text), text, base, {})


def _parse_office(data: bytes, kind: str, base: dict) -> Report:
    unmapped: tuple = ()  # the reader's word that the text layer cannot be read (a reason of its own)
    try:
        if kind == "pdf":
            from .layouts.pdf import UnmappedText
            from .layouts.pdf import read_pdf as reader

            unmapped = (UnmappedText,)
        else:
            from .layouts.docx import read_docx as reader
    except ImportError as exc:
        return Report(UNREADABLE, [f"no {kind} reader available: {exc}"], **base)
    try:
        text, grid = reader(data)
    except unmapped as exc:
        return Report(UNREADABLE, [str(exc)], **base)
    except Exception as exc:  # a broken file must give a status, never a crash
        return Report(UNREADABLE, [f"{kind} could not be read: {exc.__class__.__name__}: {exc}"], **base)
    if not text.strip() and not grid.rows:
        return Report(UNREADABLE, [f"{kind} has no text layer (scanned images?): figures cannot be read"], **base)
    return _finish(grid, normalise(text), base, {})


def _finish(grid: Grid, text: str, base: dict, meta_tags: dict, tokens=None) -> Report:
    meta = metadata.read_meta(text, meta_tags)
    report = Report(NEEDS_REVIEW, layout=grid.layout, title=meta.title, agency=meta.agency, year=meta.year,
                    publication_date=meta.publication_date, site_id_code=meta.site_id_code,
                    region_code=meta.region_code, narrative=narrative.sections(text), **base)
    tokens = tokens_of(grid) if tokens is None else tokens
    template = detect(all_labels(tokens))
    if template is None:
        _settle_without_template(report, grid, text)
        return report
    report.template = template.name
    report.narrative = {k: v for k, v in report.narrative.items() if k in narrative.TEMPLATE_SECTIONS}
    mapped = map_grid(grid, template, tokens)
    report.tables = mapped.tables
    report.findings = mapped.findings + checks.run_checks(mapped.tables, template)
    missing = [t for t in TABLES if not report.tables.get(t)]
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
    report.status = OK if not report.reasons else NEEDS_REVIEW
    return report


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
    if report.year is not None and report.year < FIRST_TEMPLATE_YEAR:
        report.status = PRE_TEMPLATE
        report.reasons.append(f"a report for {report.year}, before the national tables of {FIRST_TEMPLATE_YEAR}"
                              + (": its statistics table is not read" if tables else ""))
    elif tables:
        report.status = UNKNOWN_TEMPLATE
        report.reasons.append("tables do not follow the 2019 or 2021 national template")
    elif report.year is None:
        report.status = PRE_TEMPLATE
        report.reasons.append("a report of no readable year without tables of any template")
    else:  # a report of 2019 or later whose national tables are not there
        report.reasons.append("an annual report without tables 2-4: missing " + ", ".join(TABLES))


def _partial_rows(report: Report, template) -> list[str]:
    out = []
    for table in ("table2", "table3"):
        rows = report.tables.get(table)
        if rows is None:
            continue
        for key in template.expected_rows(table, rows):
            if key not in rows:
                out.append(f"{table}.{key}")
    t4 = report.tables.get("table4")
    if t4 is not None and sum(len(v) for v in t4.values()) < 15:
        out.append("table4 cells")
    return out


def _has_figure_table(grid: Grid) -> bool:
    """At least three grid rows of several cells holding figures: a statistics table of some kind."""
    rows = 0
    for row in grid.rows:
        cells = [c for c in row if not c.copy]
        if len(cells) >= 3 and any(re.fullmatch(r"\s*-?[\d.,]+\s*", c.text) for c in cells):
            rows += 1
    return rows >= 3
