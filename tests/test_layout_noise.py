"""Layouts read through their noise: generated reports (tests/test_parser_properties.py's generator)
printed with the noise real dumps carry, parsed back to their figures — or flagged.

Noise: one cell per line with separator debris (a trailing '|', bare '|' lines opening rows or
standing for empty cells, '||' ending rows), mixed tabs and pipes, labels wrapped over lines or
printed one character per line, page furniture (page numbers, the title repeated as a running
header) between rows and inside rows broken over pages, annotations after a figure, excerpts that
start or stop inside a table, misprinted or missing headings and row labels.
"""
from __future__ import annotations

import os
import random

import pytest
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st

from parsers import parse_document
from test_parser_properties import (NARRATIVE, NBSP, T3_ORGS, Gen, V, _printed_rows, describe, fixed_example,
                                    grids, reports)

NOISE = settings(max_examples=int(os.environ.get("GOVREPORTS_NOISE_EXAMPLES", "25")), deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None,
                 phases=[Phase.explicit, Phase.generate])


def unchecked(g: Gen) -> bool:
    """A blank or '/' in tables 3-4: the arithmetic cannot be checked, the report needs review."""
    return any(v.text in ("", "/") for vs in g.t3.values() for v in vs) or any(v.text in ("", "/") for v in g.t4)


def assert_round_trip(g: Gen, report, allowed=frozenset()):
    """Every figure as generated, the template and year right, and the status what the printed
    cells allow: ok, or needs review for a blank in the arithmetic or an allowed finding only."""
    assert report.template == g.template, describe(report)
    assert report.year == g.year, describe(report)
    assert report.figures() == g.figures(), describe(report)
    errors = {f.rule for f in report.findings if f.severity == "error"}
    ok_errors = set(allowed) | ({"check.unverifiable"} if unchecked(g) else set())
    assert errors <= ok_errors, describe(report)
    assert report.status == ("ok" if not errors else "needs_review"), describe(report)


# ----------------------------------------------------------------------------- renderers

def _lines_of_sections(g: Gen, table_lines) -> list[str]:
    """The report as lines: title, headings, narrative, and each table through table_lines(grid)."""
    out = [g.title]
    for sec in "一二三四五六":
        head, text = NARRATIVE[sec]
        out.append(head)
        if text:
            out.append(text)
        if sec in ("二", "三", "四"):
            out += table_lines(grids(g)[sec])
    return out


def piped_cells(g: Gen, rng: random.Random, style: str) -> bytes:
    """One cell per line ending with ' |' (spans add pipes), '|' for an empty cell; rows opened by a
    bare '|' line (style 'open') or closed by a run of pipes (style 'close')."""
    def table(grid):
        width = len(grid[0])
        out = []
        for row in grid:
            if style == "open":
                out.append("|")
            printed = 0
            for c in row:
                if c is None:
                    continue
                text, cs, _rs = c
                printed += cs
                out.append("|" if text == "" else f"{text} |" + (" " + "|" * (cs - 1) if cs > 1 else ""))
            if style == "close" and width > printed:
                out.append("|" * (width - printed))
        return out

    return ("\n".join(_lines_of_sections(g, table)) + "\n").encode()


def mixed_delimiters(g: Gen, rng: random.Random) -> bytes:
    """Delimited rows where each separator is a tab or ' | ' at random; a row holding a pipe ends
    with one, as pipe dumps do (else a last empty cell could not be told from the closing pipe)."""
    def table(grid):
        out = []
        for row in _printed_rows(grid):
            cells = [t for t, copy in row]
            while len(cells) > 1 and row[len(cells) - 1][1]:
                cells.pop()
            line = cells[0]
            for c in cells[1:]:
                line += rng.choice(["\t", " | "]) + c
            out.append(line + (" |" if "|" in line else ""))
        return out

    return ("\n".join(_lines_of_sections(g, table)) + "\n").encode()


def wrapped_labels(g: Gen, rng: random.Random, vertical: bool) -> bytes:
    """Cell per line (blank-line separated) with long labels wrapped over two lines and, when
    `vertical`, short labels (up to six characters) printed one character per line."""
    def cell_lines(text):
        if vertical and 2 <= len(text) <= 6 and not any(ch.isdigit() for ch in text):
            return list(text)
        if len(text) >= 10 and sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff") >= 6:  # a label, not a figure
            cut = rng.randint(4, len(text) - 4)
            return [text[:cut], text[cut:]]
        return [text if text != "" else NBSP]

    def table(grid):
        out = []
        for row in grid:
            for c in row:
                if c is not None:
                    out += cell_lines(c[0])
        return out

    return ("\n\n".join(_lines_of_sections(g, table)) + "\n").encode()


def empty_line_cells(g: Gen, rng: random.Random) -> bytes:
    """A page's paragraphs dumped as text, one cell each: every printed cell followed by an empty
    line, an empty cell printed as nothing (one more empty line), and page furniture between
    cells now and then (dropped with its own separating line)."""
    page = [1]

    def table(grid):
        out = []
        for row in grid:
            for c in row:
                if c is None:
                    continue
                if rng.random() < 0.05:
                    page[0] += 1
                    out += [rng.choice(FURNITURE).format(n=page[0]), ""]
                out += [c[0], ""] if c[0] != "" else [""]
        return out

    lines = [g.title, ""]
    for sec in "一二三四五六":
        head, text = NARRATIVE[sec]
        lines += [head, ""]
        if text:
            lines += [text, ""]
        if sec in ("二", "三", "四"):
            lines += table(grids(g)[sec])
    return ("\n".join(lines) + "\n").encode()


FURNITURE = ["— {n} —", "- {n} -", "第 {n} 页 共 9 页", "第{n}页"]


def page_furniture(g: Gen, rng: random.Random, layout: str) -> bytes:
    """Page breaks anywhere in the tables — between rows, and inside a row broken over pages: a
    page number and the title as a running header."""
    page = [1]

    def brk():
        page[0] += 1
        return [rng.choice(FURNITURE).format(n=page[0]), g.title]

    def table(grid):
        out = []
        for row in grid:
            if layout == "cell-per-line":
                for c in row:
                    if c is None:
                        continue
                    if rng.random() < 0.08:
                        out += brk()
                    out.append(c[0] if c[0] != "" else NBSP)
            else:
                if rng.random() < 0.25:
                    out += brk()
                cells = [t for t, copy in _printed_rows([row])[0]]
                out.append("\t".join(cells))
        return out

    sep = "\n\n" if layout == "cell-per-line" else "\n"
    return (sep.join(_lines_of_sections(g, table)) + "\n").encode()


# ----------------------------------------------------------------------------- round trips

@pytest.mark.parametrize("style", ["open", "close"])
@NOISE
@given(g=reports(), seed=st.integers(0, 10**6))
def test_cells_with_separator_debris_read_back(style, g, seed):
    report = parse_document(piped_cells(g, random.Random(seed), style), "text/plain")
    note(describe(report))
    # Blank cells at both ends of a row can be placed two ways once separators also print as
    # '|': then the row must be flagged, never guessed silently.
    if {f.rule for f in report.findings} & {"read.ambiguous_alignment"}:
        assert report.status == "needs_review"
        return
    assert_round_trip(g, report)


@NOISE
@given(g=reports(), seed=st.integers(0, 10**6))
def test_mixed_tabs_and_pipes_read_back(g, seed):
    report = parse_document(mixed_delimiters(g, random.Random(seed)), "text/plain")
    note(describe(report))
    if {f.rule for f in report.findings} & {"read.ambiguous_alignment"}:
        assert report.status == "needs_review"
        return
    assert_round_trip(g, report)


@pytest.mark.parametrize("vertical", [False, True], ids=["wrapped", "vertical"])
@NOISE
@given(g=reports(), seed=st.integers(0, 10**6))
def test_wrapped_and_vertical_labels_read_back(vertical, g, seed):
    report = parse_document(wrapped_labels(g, random.Random(seed), vertical), "text/plain")
    note(describe(report))
    assert_round_trip(g, report)


@pytest.mark.parametrize("layout", ["cell-per-line", "tab"])
@NOISE
@given(g=reports(), seed=st.integers(0, 10**6))
def test_page_furniture_and_rows_broken_over_pages_read_back(layout, g, seed):
    report = parse_document(page_furniture(g, random.Random(seed), layout), "text/plain")
    note(describe(report))
    if {f.rule for f in report.findings} & {"read.ambiguous_alignment"}:
        assert report.status == "needs_review"  # a tab row after a spanned label: flagged, as without noise
        return
    assert_round_trip(g, report)


@NOISE
@given(g=reports(), seed=st.integers(0, 10**6))
def test_empty_cells_printed_as_empty_lines_read_back(g, seed):
    report = parse_document(empty_line_cells(g, random.Random(seed)), "text/plain")
    note(describe(report))
    if {f.rule for f in report.findings} & {"read.ambiguous_alignment"}:
        assert report.status == "needs_review"  # blanks at both ends of a row: flagged, never guessed
        return
    assert_round_trip(g, report)


ANNOTATIONS = ["（其中网上申请{k}件）", "(含转办{k}件)", " 含线上{k}件", "（其中{k}件已办结）"]


@pytest.mark.parametrize("layout", ["html", "cell-per-line", "tab", "pipe", "cell-per-line-wrapped"])
@NOISE
@given(g=reports(blanks=False), data=st.data())
def test_a_figure_with_an_annotation_keeps_its_number_and_column(layout, g, data):
    """The annotation on the figure's line, or (cell-per-line-wrapped: a narrow column) on a line
    of its own after the figure."""
    from test_parser_properties import parse_as

    rows = [(k, i) for k, vs in g.t3.items() for i, v in enumerate(vs) if v.text.isdigit()]
    key, i = data.draw(st.sampled_from(rows))
    n = g.t3[key][i].num
    wrapped = layout == "cell-per-line-wrapped"
    annotations = [a for a in ANNOTATIONS if a.startswith(("（", "("))] if wrapped else ANNOTATIONS
    text = (g.t3[key][i].text + ("\n" if wrapped else "")
            + data.draw(st.sampled_from(annotations)).format(k=data.draw(st.integers(0, 9))))
    g.t3[key][i] = V(text, None, n)
    report = parse_as(g, "cell-per-line" if wrapped else layout)
    note(describe(report))
    c = report.tables["table3"][key][i]
    assert (c.kind, c.number) == ("annotated", n), (c.kind, c.text)
    want, got = g.figures(), report.figures()
    got["table3"][key][i] = want["table3"][key][i] = None  # compared above, by number and kind
    assert got == want, describe(report)
    assert report.status == "ok", describe(report)  # the leading figure adds up: nothing to review


# ----------------------------------------------------------------------------- anchors

def _tab_lines(g: Gen) -> list[str]:
    def table(grid):
        return ["\t".join(t for t, _ in row) for row in _printed_rows(grid)]
    return _lines_of_sections(g, table)


def _row_labels(g: Gen) -> dict[tuple[str, str], str]:
    from test_parser_properties import t2_groups, t3_rows

    out = {("table2", key): label for _g, _h, rows in t2_groups(g) for key, label, _k in rows}
    out.update({("table3", key): label for key, _grp, label in t3_rows(g.template)})
    return out


@NOISE
@given(g=reports(blanks=False), data=st.data())
def test_an_excerpt_starting_inside_a_table_reads_the_rows_it_shows(g, data):
    lines = _tab_lines(g)
    labels = _row_labels(g)
    row_lines = [i for i, line in enumerate(lines) if any(lab in line.split("\t") for lab in labels.values())]
    cut = data.draw(st.sampled_from(row_lines[1:]))
    excerpt = lines[cut:]
    report = parse_document(("\n".join(excerpt) + "\n").encode(), "text/plain")
    note(f"cut at {lines[cut][:30]!r}: {describe(report)}")
    assert report.status == "needs_review"  # rows are missing: never ok
    want, got = g.figures(), report.figures()
    shown = {where for where, lab in labels.items() if any(lab in line.split("\t") for line in excerpt)}
    for table in ("table2", "table3"):
        for key, vals in (got.get(table) or {}).items():
            assert (table, key) in shown, f"{table}.{key} reported but not in the excerpt"
            assert vals == want[table][key], (key, vals, want[table][key])
    for table, key in shown:
        assert key in (got.get(table) or {}), f"{table}.{key} is in the excerpt but was not read"
    assert got["table4"] == want["table4"]


def test_misprinted_and_missing_headings_still_find_the_tables():
    g = fixed_example()
    lines = [line for line in _tab_lines(g) if not line.startswith("第二十条")]  # group headings gone
    lines = [line.replace("主动公开政府信息情况", "主动公开政府信息请况").replace("收到和处理政府信息公开申请情况",
                                                                          "收到和处里政府信息申请情况")
             for line in lines]
    report = parse_document(("\n".join(lines) + "\n").encode(), "text/plain")
    assert report.figures() == g.figures(), describe(report)
    assert report.status == "ok", describe(report)


def test_a_misprinted_row_label_is_read_in_template_order_and_flagged():
    g = fixed_example()
    lines = [line.replace("5.属于三类内部事务信息", "5.属于三类内容事务信息") for line in _tab_lines(g)]
    report = parse_document(("\n".join(lines) + "\n").encode(), "text/plain")
    assert report.figures() == g.figures(), describe(report)
    assert report.status == "needs_review"
    assert [f.row for f in report.findings if f.rule == "read.label_misprinted"] == ["denied_internal_affairs"]


def test_a_label_misprinted_beyond_recognition_is_not_guessed():
    g = fixed_example()
    lines = [line.replace("5.属于三类内部事务信息", "5.另类情形") for line in _tab_lines(g)]
    report = parse_document(("\n".join(lines) + "\n").encode(), "text/plain")
    assert report.status == "needs_review"
    assert "denied_internal_affairs" not in report.tables["table3"]
    assert all(f.rule != "read.label_misprinted" for f in report.findings)


def _markdown_lines(g: Gen) -> list[str]:
    """The report as a PDF converter's markdown: each table row a pipe row (no empty span cells),
    a rule under the first row of every table."""
    def table(grid):
        out = []
        for row in _printed_rows(grid):
            cells = [t for t, copy in row if not copy]
            out.append("| " + " | ".join(cells) + " |")
            if len(out) == 1:
                out.append("|" + "---|" * len(cells))
        return out
    return _lines_of_sections(g, table)


@pytest.mark.parametrize("piece", [slice(16, None), slice(16, 30)], ids=["tail", "middle"])
def test_pdf_text_labels_printed_apart_from_their_figures_fill_their_rows_in_order_flagged(piece):
    """A PDF text layer prints a wrapped label's first lines away from the table row, which keeps
    only the label's last piece ("行政机关不再处理其政府信息公 | 40 | …"), or no label at all. Two
    such rows in a row are read in template order — each piece must belong to its row's label —
    and flagged, never trusted."""
    g = fixed_example()
    confirm, correction = "5.要求行政机关确认或重新出具已获取信息", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"
    lines = _markdown_lines(g)
    out = []
    for line in lines:
        cells = [c.strip() for c in line.strip("|").split("|")]
        if confirm in cells:
            # Both labels' lines stacked before the rows: one label whole, in two lines, and the
            # first piece of the next.
            out += [confirm[:9], confirm[9:], correction[:16]]
            out.append("| " + " | ".join(cells[cells.index(confirm) + 1:]) + " |")
        elif correction in cells:
            # The piece left with the figures is words both rows of 其他处理 share.
            out.append("| " + " | ".join([correction[piece]] + cells[cells.index(correction) + 1:]) + " |")
        else:
            out.append(line)
    report = parse_document(("\n".join(out) + "\n").encode(), "text/plain")
    assert report.layout == "pdf-text-markdown"
    assert report.figures() == g.figures(), describe(report)
    assert report.status == "needs_review"
    by_position = {f.row for f in report.findings if f.rule == "read.row_by_position"}
    assert {"not_processed_confirm", "other_overdue_correction"} <= by_position
    assert all(c.inferred for key in by_position for c in report.tables["table3"][key])


def test_a_label_piece_that_belongs_to_no_row_of_the_gap_is_not_placed():
    """The piece printed with the figures names another row's words: the rows stay unread."""
    g = fixed_example()
    confirm, correction = "5.要求行政机关确认或重新出具已获取信息", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"
    out = []
    for line in _markdown_lines(g):
        cells = [c.strip() for c in line.strip("|").split("|")]
        if confirm in cells:
            out += [confirm, "| " + " | ".join(cells[cells.index(confirm) + 1:]) + " |"]
        elif correction in cells:
            out += [correction[:10], "| " + " | ".join(["收费通知要求缴纳"] + cells[cells.index(correction) + 1:]) + " |"]
        else:
            out.append(line)
    report = parse_document(("\n".join(out) + "\n").encode(), "text/plain")
    assert report.status == "needs_review"
    got = report.tables["table3"]
    assert "other_overdue_correction" not in got and "not_processed_confirm" not in got, describe(report)


SPLIT_ROWS = ["7.属于行政执法案卷", "5.要求行政机关确认或重新出具已获取信息", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
              "2.没有现成信息需要另行制作", "一、本年新收政府信息公开申请数量", "行政规范性文件"]


@pytest.mark.parametrize("label", SPLIT_ROWS)
@pytest.mark.parametrize("at", [0.3, 0.6])
def test_a_row_broken_over_a_page_reads_as_one_row(label, at):
    """A row broken by a page break: the label's first lines and the figures at the foot of one
    page, a page number and the running title, then the label's last lines over empty cells."""
    g = fixed_example()
    cut = max(2, int(len(label) * at))
    out = []
    for line in _tab_lines(g):
        cells = line.split("\t")
        if label in cells:
            k = cells.index(label)
            first = cells[:k] + [label[:cut]] + cells[k + 1:]
            second = [""] * k + [label[cut:]] + [""] * (len(cells) - k - 1)
            out += ["\t".join(first), "— 3 —", g.title, "\t".join(second)]
        else:
            out.append(line)
    report = parse_document(("\n".join(out) + "\n").encode(), "text/plain")
    assert report.figures() == g.figures(), describe(report)
    assert report.status == "ok", describe(report)


def test_a_blank_row_atop_a_page_is_a_row_of_its_own():
    """A row printed blank at the top of a page after a full row is not the end of that row."""
    g = fixed_example()
    g.t3["not_processed_confirm"] = [V("", None, 0)] * 7
    out = []
    for line in _tab_lines(g):
        if line.split("\t")[-8:-7] == ["5.要求行政机关确认或重新出具已获取信息"] or "5.要求行政机关确认" in line:
            out += ["— 3 —", g.title]
        out.append(line)
    report = parse_document(("\n".join(out) + "\n").encode(), "text/plain")
    assert report.figures() == g.figures(), describe(report)


def squashed_dump(g: Gen, rng: random.Random) -> bytes:
    """A page's text with the tables' cells run together ("规章 000行政规范性文件693665…"): no
    separator between cells, now and then a space, as text dumps of real portal pages print."""
    def table(grid):
        out = ""
        for row in grid:
            for c in row:
                if c is None or c[0] == "":
                    continue
                out += c[0] + (" " if rng.random() < 0.15 else "")
        return [out]

    return ("\n".join(_lines_of_sections(g, table)) + "\n").encode()


@NOISE
@given(g=reports(blanks=False), seed=st.integers(0, 10**6))
def test_a_squashed_dump_reads_back_or_flags_each_cell_it_cannot_tell(g, seed):
    """Run-together figures split by the template's arithmetic: a cell read for sure is the
    printed figure; one the arithmetic cannot decide is flagged, the printed reading among its
    candidates; the report is ok only when no cell is in doubt."""
    from parsers.record import BLANK  # noqa: F401  (kinds as the parser names them)

    report = parse_document(squashed_dump(g, random.Random(seed)), "text/plain")
    note(describe(report))
    assert report.layout == "squashed-text"
    assert (report.template, report.year) == (g.template, g.year), describe(report)
    want = g.figures()
    doubtful = False
    for table in ("table2", "table3"):
        for key, vals in want[table].items():
            cells = (report.tables.get(table) or {}).get(key) or []
            assert cells, f"{table}.{key} not read"
            for i, expect in enumerate(vals):
                c = cells[i] if i < len(cells) else None
                if c is not None and not c.ambiguous and c.kind != "unreadable":
                    got = c.number if c.number is not None else c.text
                    assert got == expect or (isinstance(expect, float) and abs(got - expect) < 1e-9), \
                        (table, key, i, c.text, expect)
                else:
                    doubtful = True
    flat = [c for cells in (report.tables.get("table4") or {}).values() for c in cells]
    for c, expect in zip(flat, want["table4"]):
        if c.ambiguous:
            doubtful = True
        else:
            assert c.number == expect, ("table4", c.text, expect)
    if doubtful or len(flat) != len(want["table4"]):
        assert report.status == "needs_review", describe(report)


def test_a_row_of_other_words_before_a_blank_row_is_not_taken_for_its_first_piece():
    """A row of words no template row has, with figures, at the foot of a page, over a row printed
    blank atop the next that names itself ('要求行政机关确认或重新出具已获取信息 | | …', no
    ordinal): two rows, never one whose figures are the other words' figures."""
    g = fixed_example()
    g.t3["not_processed_confirm"] = [V("", None, 0)] * 7
    label = "5.要求行政机关确认或重新出具已获取信息"
    out = []
    for line in _tab_lines(g):
        cells = line.split("\t")
        if label in cells:
            k = cells.index(label)
            out += ["\t".join(cells[:k] + ["其他情形"] + ["1", "0", "0", "0", "0", "0", "1"]), "— 2 —", g.title]
            cells[k] = label[2:]
            line = "\t".join(cells)
        out.append(line)
    report = parse_document(("\n".join(out) + "\n").encode(), "text/plain")
    assert report.figures()["table3"]["not_processed_confirm"] == [None] * 7, describe(report)
