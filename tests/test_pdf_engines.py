"""The two engines that read a PDF's objects (parsers/layouts/pdf_objects.py): PDFium, the fast
default, must give the reader what pdfplumber (the reference) gives it, or hand the document to
pdfplumber and say why."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from parsers.layouts import pdf_objects
from parsers.layouts.pdf import UnmappedText, read_pdf
from parsers.normalize import normalise
from parsers import parse_document

ROOT = Path(__file__).resolve().parent.parent
REAL = sorted((ROOT / "samples/office").glob("*.pdf"))
PRODUCERS = sorted((ROOT / "tests/data/pdf-producers").glob("*.pdf"))


def _grid(grid):
    return [[(c.text, c.copy, c.table) for c in row] for row in grid.rows], grid.layout, grid.detached_labels


@pytest.mark.parametrize("pdf", REAL, ids=lambda p: p.name)
def test_real_pdfs_read_alike_by_both_engines(pdf: Path):
    data = pdf.read_bytes()
    pages, engine = pdf_objects.read_pages(data)
    assert engine == "pdfium", engine
    text_a, grid_a = read_pdf(data, engine="pdfplumber")
    text_b, grid_b = read_pdf(data, engine="pdfium")
    assert text_b == text_a
    assert _grid(grid_b) == _grid(grid_a)
    assert grid_a.rows, "the real PDFs have ruled tables"


@pytest.mark.parametrize("pdf", REAL, ids=lambda p: p.name)
def test_real_pdfs_objects_agree(pdf: Path):
    """Characters in the same order with the same boxes, rules with the same geometry."""
    data = pdf.read_bytes()
    ref, fast = pdf_objects.pdfplumber_pages(data), pdf_objects.pdfium_pages(data)
    assert [p.height for p in fast] == [p.height for p in ref]
    for a, b in zip(ref, fast):
        assert [c["text"] for c in b.chars] == [c["text"] for c in a.chars]
        for ca, cb in zip(a.chars, b.chars):
            assert cb["x0"] == pytest.approx(ca["x0"], abs=0.01)
            assert cb["x1"] == pytest.approx(ca["x1"], abs=0.25)  # PDFium widens a few glyphs by a hair
            for k in ("top", "bottom", "size"):
                assert cb[k] == pytest.approx(ca[k], abs=0.01), k
        for kind in ("lines", "rects", "curves"):
            ga, gb = getattr(a, kind), getattr(b, kind)
            assert len(gb) == len(ga), kind
            for oa, ob in zip(ga, gb):
                for k in ("x0", "x1", "top", "bottom"):
                    assert ob[k] == pytest.approx(oa[k], abs=0.01)
                assert (ob["stroke"], ob["fill"]) == (oa["stroke"], oa["fill"])


def _report(data: bytes, engine: str) -> dict:
    r = parse_document(data, "application/pdf", "report.pdf", pdf_engine=engine)
    return {"status": r.status, "year": r.year, "template": r.template, "title": r.title,
            "cells": sorted((c.table, c.row, c.col, c.text, c.number, c.kind) for c in r.cells()),
            "findings": sorted(f.rule for f in r.findings)}


@pytest.mark.parametrize("pdf", PRODUCERS, ids=lambda p: p.name)
def test_other_producers_give_the_same_report(pdf: Path):
    data = pdf.read_bytes()
    ref = _report(data, "pdfplumber")
    fast = _report(data, "pdfium")
    assert fast == ref


def _grid_rows(path: Path) -> int:
    try:
        return len(read_pdf(path.read_bytes())[1].rows)
    except UnmappedText:  # a re-distil without character maps: nothing to read
        return 0


def test_the_producer_set_reads_tables():
    """The comparison above means something: most of these files give figures."""
    assert len(PRODUCERS) >= 8
    with_cells = [p.name for p in PRODUCERS if _grid_rows(p)]
    assert len(with_cells) >= 6, with_cells


def _edited(path: Path, edit) -> bytes:
    """The PDF at `path` with edit(first page) applied, saved by PDFium."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(path.read_bytes())
    page = doc[0]
    edit(page)
    page.close()
    buf = io.BytesIO()
    doc.save(buf)
    doc.close()
    return buf.getvalue()


def test_rotated_page_goes_to_pdfplumber():
    data = _edited(REAL[0], lambda page: page.set_rotation(180))
    _, engine = pdf_objects.read_pages(data)
    assert engine == "pdfplumber (a rotated page)"
    assert read_pdf(data)[0] == read_pdf(data, engine="pdfplumber")[0]


def test_a_font_not_embedded_goes_to_pdfplumber():
    """PDFium draws a font the file does not embed with one of this machine's fonts, and its text
    then depends on which fonts are installed (with Debian's fonts-droid-fallback it drops repeated
    digits of a table); pdfminer reads the file's own metrics."""
    for name in ("rl-cid-table-pingtan-2021.pdf", "special-rotated180-rl-cid-table-pingtan-2021.pdf"):
        data = (ROOT / "tests/data/pdf-producers" / name).read_bytes()
        _, engine = pdf_objects.read_pages(data)
        assert engine == "pdfplumber (a font not embedded in the file)"


def test_guessed_character_mapping_goes_to_pdfplumber():
    """Ghostscript dropped the ToUnicode maps: PDFium would guess rare CJK characters from the
    fonts' own tables; pdfplumber's (cid:N) make the document unreadable, never a report of garbage."""
    data = (ROOT / "tests/data/pdf-producers/gs-rl-cid-table-pingtan-2021.pdf").read_bytes()
    assert pdf_objects._garbled(pdf_objects._pdfium_pages(data))
    _, engine = pdf_objects.read_pages(data)
    assert engine == "pdfplumber (a guessed character mapping)"
    assert parse_document(data, "application/pdf").status == "unreadable"


def test_mediabox_off_the_origin_goes_to_pdfplumber():
    def shift(page):
        l, b, r, t = page.get_mediabox()
        page.set_mediabox(l + 10, b + 10, r + 10, t + 10)

    _, engine = pdf_objects.read_pages(_edited(REAL[0], shift))
    assert engine == "pdfplumber (a MediaBox not at the origin)"


def test_broken_pdf_raises_from_the_reference_engine():
    with pytest.raises(Exception):
        pdf_objects.read_pages(b"%PDF-1.7\n" + bytes(range(256)) * 4)


def test_radicals_are_read_as_ideographs():
    """Chromium's print maps some glyphs to Kangxi and supplement radicals."""
    assert normalise("第⼆⼗条第（⼀）项") == "第二十条第(一)项"
    assert normalise("⺠⻔⻚⼯") == "民门页工"


@pytest.mark.parametrize("name", ["gs-rl-ttf-wqy-booktabs-pingtan-2025.pdf", "gs-wk-pre-seed003.pdf",
                                  "gs-rl-cid-table-pingtan-2021.pdf"])
def test_a_text_layer_without_character_maps_is_unreadable_not_a_non_report(name):
    """Ghostscript re-distils whose fonts lost their ToUnicode maps print (cid:N), control codes or
    Latin-1 for Chinese: such a file is a report nobody can read from its text layer, so it is kept
    and flagged (unreadable, the reason says why), never skipped as a non-report or read as figures."""
    data = (ROOT / "tests/data/pdf-producers" / name).read_bytes()
    for engine in ("pdfium", "pdfplumber"):
        report = parse_document(data, "application/pdf", pdf_engine=engine)
        assert report.status == "unreadable", (engine, report.reasons)
        assert "does not map its characters to Unicode" in report.reasons[0]
        assert not list(report.cells())
