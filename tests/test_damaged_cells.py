"""Damaged cells are never ok (issue 13): a cell that is not a clean figure is kept as printed with
its kind and flagged, never blanked; huge numbers stay printed text; a rule left unchecked by a
blank cell makes the report need review.  Real seeds, damaged the way real documents are."""
from __future__ import annotations

import json
import math
import re

import pytest

from parsers import parse_document
from storage import migrate
from storage.db import make_engine
from storage.store import RawDocument, store

NBSP = "\u00a0"


def seed(samples_dir, prefix: str) -> str:
    return next(samples_dir.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def cell(report, table, row, col):
    return report.tables[table][row][col]


def replace_first_figure(text: str, label: str, new: str) -> str:
    """Replace the first figure printed on the tab line of `label`."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if label in line and "\t" in line:
            cells = line.split("\t")
            k = next(j for j, c in enumerate(cells) if re.fullmatch(r"\d+", c.strip()))
            cells[k] = new
            lines[i] = "\t".join(cells)
            return "\n".join(lines)
    raise AssertionError(label)


@pytest.mark.parametrize("mark", ["?", "2*", "约2", "N/A", "ï¼\x9f"])
def test_a_stray_mark_keeps_its_row_and_flags_it(samples_dir, mark):
    text = replace_first_figure(seed(samples_dir, "001"), "本年新收", mark)
    r = parse_document(text.encode(), "text/plain")
    assert r.status == "needs_review"
    row = r.tables["table3"]["new_received"]
    assert len(row) == 7, [c.text for c in row]  # the row is kept, never blanked
    assert (row[0].kind, row[0].number, row[0].text) == ("unreadable", None, mark.strip())
    assert all(c.kind in ("number", "zero") for c in row[1:])
    rules = {f.rule for f in r.findings if f.severity == "error"}
    assert "read.unreadable_cell" in rules and "check.unverifiable" in rules


def test_no_break_spaces_turned_into_question_marks_are_flagged_not_blank(samples_dir):
    """A re-encode that turned every no-break space (the blank cells of seed 000) into '?'."""
    r = parse_document(seed(samples_dir, "000").replace(NBSP, "?").encode(), "text/plain")
    assert r.status == "needs_review"
    t3 = r.tables["table3"]
    assert all(len(cells) == 7 for cells in t3.values())
    damaged = [c for cells in t3.values() for c in cells if c.text == "?"]
    assert damaged and all(c.kind == "unreadable" and c.number is None for c in damaged)
    assert not [c for cells in t3.values() for c in cells if c.kind == "blank"]


def test_a_changed_figure_in_a_report_with_blank_cells_is_flagged(samples_dir):
    """Seed 000 prints its zeros blank: a total changed by hand cannot pass as ok."""
    text = seed(samples_dir, "000")
    clean = parse_document(text.encode(), "text/plain")
    assert clean.status == "needs_review"  # its blanks leave the arithmetic unchecked
    lines = text.split("\n")
    at = next(i for i, line in enumerate(lines) if "本年新收" in line)
    k = next(i for i in range(at + 1, len(lines)) if lines[i].strip() == "0")
    lines[k] = "7"
    r = parse_document("\n".join(lines).encode(), "text/plain")
    assert r.status == "needs_review"
    assert cell(r, "table3", "new_received", 6).number == 7  # kept as printed
    msgs = [f.message for f in r.findings if f.rule == "check.unverifiable" and f.row == "new_received"]
    assert msgs and "would not hold" in msgs[0], msgs


@pytest.mark.parametrize("digits", [20, 400, 4301, 100_000])
def test_huge_numbers_stay_printed_text_and_flagged(samples_dir, digits, tmp_path):
    huge = "9" * digits
    for new in (huge, huge[:-2] + "." + huge[-2:]):
        text = replace_first_figure(seed(samples_dir, "001"), "本年新收", new)
        r = parse_document(text.encode(), "text/plain")
        c = cell(r, "table3", "new_received", 0)
        assert (c.kind, c.number, c.text) == ("unreadable", None, new)
        assert r.status == "needs_review"
        dumped = json.dumps(r.to_dict(), ensure_ascii=False, allow_nan=False)  # valid JSON: no Infinity
        assert not any(isinstance(x.number, float) and not math.isfinite(x.number) for x in r.cells())
        assert new in dumped
    url = f"sqlite:///{tmp_path / 'huge.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        store(engine, RawDocument(text.encode(), url="https://example.org/huge.txt", content_type="text/plain"), r)
    finally:
        engine.dispose()


def test_annotated_figure_keeps_its_number_and_its_column(samples_dir):
    text = replace_first_figure(seed(samples_dir, "001"), "行政许可", "2（其中网上办理1件）")
    r = parse_document(text.encode(), "text/plain")
    c = cell(r, "table2", "licensing", 0)
    assert (c.kind, c.number, c.text) == ("annotated", 2, "2(其中网上办理1件)")
    assert [x.text for x in r.tables["table2"]["licensing"][1:]] == ["0", "0"]
    assert any(f.rule == "read.annotated_cell" for f in r.findings)
    assert r.status == "ok", r.reasons  # the leading figure is printed and the arithmetic holds


@pytest.mark.parametrize("printed, kind, number", [("1,2293", "unreadable", None), ("12,29,3", "unreadable", None),
                                                   ("2,293", "number", 2293)])
def test_commas_in_a_squashed_run_are_read_as_printed(corpus_dir, printed, kind, number):
    """A squashed dump cuts its figure runs without their thousands commas; the cell keeps what was
    printed, so a comma out of place is no clean figure (flagged), and a right one still is."""
    path = corpus_dir / "pingtan-2021-textdump.txt"
    text = path.read_text(encoding="utf-8")
    assert text.count("行政许可2293") == 1
    report = parse_document(text.replace("行政许可2293", "行政许可" + printed).encode("utf-8"), "text/plain")
    assert report.layout == "squashed-text"
    cell = report.tables["table2"]["licensing"][0]
    assert (cell.text, cell.kind, cell.number) == (printed, kind, number)
    if kind == "unreadable":
        assert report.status != "ok"


def test_an_annotation_after_a_separator_is_a_cell_of_its_own(corpus_dir):
    """Cells one per line with '|' lines between them: a '(含2件)' standing after a separator is
    the next cell as printed (damaged), never the annotation of the figure before it — joined, the
    row's later cells would move one column left."""
    text = (corpus_dir / "township-2023-partial.txt").read_text(encoding="utf-8")
    head = "二、上年结转政府信息公开申请数量\n|\n0\n|\n0\n|\n0\n|\n"
    assert head in text
    clean = parse_document(text.encode("utf-8"), "text/plain").tables["table3"]["carried_over"]
    damaged = parse_document(text.replace(head, head.replace("0\n|\n0\n|\n0", "0\n|\n0\n|\n(含2件)"), 1)
                             .encode("utf-8"), "text/plain")
    cells = damaged.tables["table3"]["carried_over"]
    assert [c.text for c in cells] == ["0", "0", "(含2件)"] + [c.text for c in clean[3:]]
    assert cells[2].number is None and damaged.status != "ok"
