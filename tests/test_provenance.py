"""Provenance: every cell says where it is printed, and that place holds the cell's printed text.

- Text layouts (tab, pipe, cell-per-line with and without separator debris, squashed text, PDF
  text as markdown, statistics in sentences): the report's text (parse_document(keep_text=True))
  sliced at the cell's [start, end) is the cell's text; a figure cut from a squashed run covers
  its digits in the run (thousands commas and spaces it was read without included).
- PDF: the characters pdfplumber finds in the cell's box on its page are the cell's text.
- HTML: the <td> at the cell's table, row and cell index holds its text; DOCX likewise.
- Stored: figures.source comes back from SQLite and PostgreSQL as the parser wrote it.

Documents: the seeds, the shared corpus, the held-out and older-statistics test documents, and
reports generated with the noise real dumps carry (tests/test_layout_noise.py's renderers).
"""
from __future__ import annotations

import io
import json
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CORPUS, REPO, SAMPLES, SHARED
from parsers import parse_document
from parsers.evaluate import pairs
from parsers.normalize import normalise

DATA = REPO / "tests" / "data"
SUFFIX_TYPE = {".txt": "text/plain", ".html": "text/html", ".htm": "text/html", ".pdf": "application/pdf"}
_SPACE_OR_COMMA = re.compile(r"[\s,]")


def _documents() -> list[Path]:
    docs = sorted(SAMPLES.glob("*.txt")) + sorted((DATA / "heldout").glob("*.txt"))
    docs += [doc for doc, _ in pairs(DATA / "old-statistics")]
    for folder in (SHARED / "seeds", CORPUS):
        docs += sorted(folder.glob("*.txt")) + sorted(folder.glob("*.html"))
    return list({d.resolve(): d for d in docs}.values())  # a gold of old-statistics names one of CORPUS


def _parse(path: Path):
    return parse_document(path.read_bytes(), SUFFIX_TYPE.get(path.suffix), path.name, keep_text=True)


_REPORTS: dict[Path, object] = {}


def _reports():
    if not _REPORTS:
        for p in _documents():
            _REPORTS[p] = _parse(p)
    return _REPORTS


def assert_offsets_hold(report, name: str) -> int:
    """Every cell of a text layout has offsets, and the text there is its printed text; returns
    how many cells were checked."""
    text = report.source_text
    assert text is not None, name
    checked = 0
    for c in report.cells():
        s = c.source
        if c.text == "" and (s.get("printed_run") is not None or s.get("grid_row") is None):
            continue  # a row label printed with no cells, a squashed reading short of figures: nowhere printed
        assert s.get("start") is not None and s.get("end") is not None, (name, c.table, c.row, c.col, s)
        printed = text[s["start"]:s["end"]]
        if s.get("printed_run") is not None:
            assert _SPACE_OR_COMMA.sub("", printed) == _SPACE_OR_COMMA.sub("", c.text), (name, c, printed)
            assert printed and printed[0] == c.text[0] and printed[-1] == c.text[-1], (name, c, printed)
        else:
            assert printed == c.text, (name, c.table, c.row, c.col, c.text, printed, s)
        checked += 1
    return checked


TEXT_LAYOUTS = ["tab-text", "pipe-text", "cell-per-line", "squashed-text", "pdf-text-markdown", "prose"]


@pytest.mark.parametrize("layout", TEXT_LAYOUTS)
def test_text_offsets_point_at_the_printed_text(layout):
    found = checked = 0
    for path, report in _reports().items():
        if not any(c.source.get("layout") == layout for c in report.cells()):
            continue
        found += 1
        checked += assert_offsets_hold(report, path.name)
    assert found, f"no document of layout {layout} among {len(_reports())}"
    assert checked >= 20


def test_text_offsets_are_those_of_the_text_the_parser_read():
    """The offsets index the decoded, normalised text with page chrome removed: for a GB18030 copy
    of a seed with a breadcrumb and a footer line, the text read begins with the report's title."""
    seed = SAMPLES / "002_1470c6164cb70c53.txt"
    body = normalise(seed.read_text(encoding="utf-8"))
    data = ("当前位置：首页 > 政务公开 > 年度报告\n" + body + "\n版权所有：某某市人民政府\n").encode("gb18030")
    report = parse_document(data, "text/plain", keep_text=True)
    assert report.status == "ok" and report.encoding.lower().startswith("gb")
    assert report.source_text.startswith(body.split("\n")[0]) and "版权所有" not in report.source_text
    assert assert_offsets_hold(report, "gb18030 copy of seed 002") == 200
    # The same cells as the seed's, read from the same printed text.
    plain = _parse(seed)
    for a, b in zip(plain.cells(), report.cells()):
        assert (a.table, a.row, a.col, a.text) == (b.table, b.row, b.col, b.text)
        line_of = lambda r, c: r.source_text[r.source_text.rfind("\n", 0, c.source["start"]) + 1:
                                             r.source_text.find("\n", c.source["end"])]
        assert line_of(plain, a) == line_of(report, b)


def _noisy_documents():
    from test_layout_noise import mixed_delimiters, page_furniture, piped_cells, wrapped_labels
    from test_parser_properties import fixed_example

    rng = random.Random(14)
    g = fixed_example()
    return {
        "piped-open": piped_cells(g, rng, "open"),
        "piped-close": piped_cells(g, rng, "close"),
        "mixed-delimiters": mixed_delimiters(g, rng),
        "wrapped-labels": wrapped_labels(g, rng, False),
        "vertical-labels": wrapped_labels(g, rng, True),
        "furniture-cell-per-line": page_furniture(g, rng, "cell-per-line"),
        "furniture-tab": page_furniture(g, rng, "tab"),
    }


@pytest.mark.parametrize("variant", ["piped-open", "piped-close", "mixed-delimiters", "wrapped-labels",
                                     "vertical-labels", "furniture-cell-per-line", "furniture-tab"])
def test_offsets_hold_through_layout_noise(variant):
    data = _noisy_documents()[variant]
    report = parse_document(data, "text/plain", keep_text=True)
    assert len(list(report.cells())) > 100, report.reasons
    assert assert_offsets_hold(report, variant) > 100


def test_html_page_with_tables_as_paragraphs_indexes_its_title_and_text():
    """An HTML page whose tables are printed as paragraphs is read again as text: the offsets
    index the report's text (the page's title, then its main text), as every cell's do."""
    import html

    lines = [ln for ln in (SAMPLES / "002_1470c6164cb70c53.txt").read_text(encoding="utf-8").split("\n") if ln.strip()]
    page = (f"<html><head><title>{html.escape(lines[0])}</title><meta name='ArticleTitle' "
            f"content='{html.escape(lines[0])}'></head><body><div class='article'>"
            + "".join(f"<p>{html.escape(ln)}</p>" for ln in lines) + "</div></body></html>")
    report = parse_document(page.encode(), "text/html", keep_text=True)
    assert report.layout == "pipe-text" and report.template == "2021"
    assert report.source_text.startswith(lines[0] + "\n")
    assert assert_offsets_hold(report, "html paragraphs") == 200


def test_html_cells_name_their_table_row_and_cell():
    from lxml import html as lxml_html

    pages = [p for p in sorted(CORPUS.glob("*.html"))] if CORPUS.is_dir() else []
    pages += [doc for doc, _ in pairs(DATA / "old-statistics") if doc.suffix == ".html"]
    pages = list({p.resolve(): p for p in pages}.values())
    checked = 0
    for path in pages:
        report = _parse(path)
        cells = [c for c in report.cells() if c.source.get("layout") == "html-table"]
        if not cells:
            continue
        root = lxml_html.document_fromstring(normalise(path.read_bytes().decode("utf-8")))
        leaves = [t for t in root.iter("table") if not any(True for _ in t.iterdescendants("table"))]
        for c in cells:
            s = c.source
            tr = list(leaves[s["table"]].iter("tr"))[s["table_row"]]
            td = [el for el in tr if isinstance(el.tag, str) and el.tag in ("td", "th")][s["table_cell"]]
            assert re.sub(r"\s+", " ", td.text_content()).strip() == c.text, (path.name, c, s)
            checked += 1
    assert checked >= 500


PDFS = sorted((SHARED / "corpus-office").glob("*.pdf")) + sorted((DATA / "pdf-producers").glob("*.pdf"))


@pytest.mark.parametrize("pdf", PDFS, ids=lambda p: p.name)
def test_pdf_box_holds_the_cells_characters(pdf):
    import pdfplumber

    data = pdf.read_bytes()
    report = parse_document(data, "application/pdf")
    cells = list(report.cells())
    if not cells:  # an unmapped text layer, a report without tables: nothing to place
        assert report.status != "ok"
        return
    placed = 0
    with pdfplumber.open(io.BytesIO(data)) as doc:
        for c in cells:
            s = c.source
            if s.get("grid_row") is None:
                assert c.text == "", c  # a row label printed with no cells: nowhere printed
                continue
            placed += 1
            assert s["page"] >= 1 and len(s["box"]) == 4, (c, s)
            x0, top, x1, bottom = s["box"]
            assert x0 < x1 and top < bottom
            page = doc.pages[s["page"] - 1]
            printed = page.crop(s["box"]).extract_text() or ""
            assert re.sub(r"\s", "", normalise(printed)) == re.sub(r"\s", "", c.text), (pdf.name, c, s, printed)
    assert placed >= 50


def test_docx_cells_name_their_table_row_and_cell():
    import docx
    from test_office_readers import _docx_from_gold

    gold = json.loads(sorted(SAMPLES.glob("*.json"))[-1].read_text(encoding="utf-8"))
    data = _docx_from_gold(gold)
    report = parse_document(data, "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert report.layout == "docx"
    document = docx.Document(io.BytesIO(data))
    cells = list(report.cells())
    assert len(cells) >= 190
    for c in cells:
        s = c.source
        printed = document.tables[s["table"]].rows[s["table_row"]].cells[s["table_cell"]].text
        assert re.sub(r"\s", "", normalise(printed)) == re.sub(r"\s", "", c.text), (c, s, printed)


def test_source_text_is_kept_only_when_asked_and_never_serialised():
    seed = SAMPLES / "002_1470c6164cb70c53.txt"
    assert parse_document(seed.read_bytes(), "text/plain").source_text is None
    kept = _parse(seed)
    assert kept.source_text and "source_text" not in kept.to_dict()


def test_parse_source_shows_each_cell_in_its_text():
    seed = SAMPLES / "002_1470c6164cb70c53.txt"
    p = subprocess.run([sys.executable, "-m", "govreports_cli", "parse", "--source", "--context", "6", str(seed)],
                       cwd=REPO, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    report = _parse(seed)
    cells = list(report.cells())
    assert lines[0].startswith(f"{seed}: ok · layout pipe-text")
    assert len(lines) == 1 + len(cells)
    text = report.source_text
    for line, c in zip(lines[1:], cells):
        s = c.source
        shown = (text[max(0, s["start"] - 6):s["start"]] + "⟦" + c.text + "⟧" + text[s["end"]:s["end"] + 6])
        assert line.startswith(f"  {c.table}.{c.row}[{c.col}] {c.col_key} = {c.text!r}"), line
        assert f"chars {s['start']}-{s['end']} …{shown.replace(chr(10), '⏎')}…" in line, line


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_source_round_trips_through_ingest(backend, tmp_path, request):
    from sqlalchemy import select

    from storage import models as m
    from storage.ingest import Store
    from storage.store import RawDocument

    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'provenance.db'}"
    else:
        url = request.getfixturevalue("pg_new_database")()
    store = Store.open(url, tmp_path / "archive")
    docs = [SAMPLES / "002_1470c6164cb70c53.txt"] + PDFS[:1] + sorted(CORPUS.glob("pingtan-2021*.*"))[:2]
    try:
        for path in docs:
            if path.suffix == ".json":
                continue
            data = path.read_bytes()
            report = parse_document(data, SUFFIX_TYPE.get(path.suffix), path.as_uri())
            assert store.put(RawDocument(data, path.as_uri(), SUFFIX_TYPE.get(path.suffix)), report) == "inserted"
            f, rv, d = m.Figure.__table__, m.ReportVersion.__table__, m.Document.__table__
            with store.engine.connect() as conn:
                got = {(r.table_name, r.row_key, r.col): r.source for r in conn.execute(
                    select(f.c.table_name, f.c.row_key, f.c.col, f.c.source)
                    .join(rv, rv.c.id == f.c.report_id).join(d, d.c.id == rv.c.document_id)
                    .where(d.c.url == path.as_uri()))}
            want = {(c.table, c.row, c.col): json.loads(json.dumps(c.source)) for c in report.cells()}
            assert got == want, path.name
            assert any("start" in s or "box" in s or "table_row" in s for s in got.values())
    finally:
        store.engine.dispose()


def test_squashed_cell_continued_over_punctuation_keeps_its_printed_text():
    """A figure run interrupted by a mark ("1 /2 3") is one squashed cell: its text is what is
    printed between its offsets, the space before the mark included (a space is a cell boundary)."""
    from parsers.layouts.squashed import read_squashed
    from parsers.templates import TEMPLATES

    text = "信息内容本年制发件数本年废止件数现行有效件数第二十条第(一)项规章1 /2 3规范性文件4 5 6"
    grid = read_squashed(text, TEMPLATES)
    cells = [c for row in grid.rows for c in row if c.text]
    assert [c.text.strip() for c in cells if c.squashed] == ["1 /2 3", "4 5 6"]
    for c in cells:
        assert text[c.start:c.end] == c.text.strip(), c
