"""The template interface: a template is one module registered in one place.

A toy template with tables, anchors, arithmetic and totals of its own is registered next to the
national ones; the pipeline, mapper, checks, gold shape and storage's totals must all follow it
without knowing it, and the national templates must still be read as before.
"""
from __future__ import annotations

import pytest
from sqlalchemy import text

import parsers
from parsers import parse_document, templates
from parsers.templates.base import (ColumnTotal, RowSpec, RowTotal, SquashedHints, TableSpec, Template,
                                    TotalsSpec)
from storage import migrate
from storage.db import make_engine
from storage.store import RawDocument, store
from storage.totals import fill_sql

TOY = Template(
    name="toy",
    tables=(
        TableSpec("counts", "受理情况", (
            RowSpec("received", r"^收到申请数$", ("online", "letter", "total")),
            RowSpec("answered", r"^答复数$", ("online", "letter", "total")),
            RowSpec("refused", r"^不予答复数$", ("online", "letter", "total")),
        ), starts=(r"^一、受理情况$",)),
        TableSpec("appeals", "复议情况", (
            RowSpec("review", r"(?!)", ("upheld", "total")),
            RowSpec("lawsuit", r"(?!)", ("upheld", "total")),
        ), starts=(r"复议诉讼",), block=True, after_other_tables=True, flat=True),
    ),
    markers=(r"^收到申请数$", r"^不予答复数$"),
    rules=(
        RowTotal("toy.row_total", "counts", ("online", "letter"), "total", "{row}: {left:g} but {right:g}"),
        ColumnTotal("toy.answers", "counts", ("answered", "refused"), "received", "{col}: {left:g} but {right:g}"),
        RowTotal("toy.appeals", "appeals", ("upheld",), "total", "{row}: {left:g} but {right:g}"),
    ),
    tables_end=r"^三、",
    squashed=SquashedHints(),
    totals=TotalsSpec("counts", "total", {"new_received": ("received",), "granted": ("answered",),
                                          "denied": ("refused",)}),
)


def toy_doc(received=(3, 2, 5), answered=(2, 2, 4), refused=(1, 0, 1), appeals=(1, 1, 0, 0)) -> bytes:
    def row(label, vals):
        return label + "\t" + "\t".join(str(v) for v in vals)

    lines = ["某某局2020年政府信息公开工作年度报告", "一、受理情况", "指标\t网上\t信函\t合计",
             row("收到申请数", received), row("答复数", answered), row("不予答复数", refused),
             "二、复议诉讼", "维持\t总计\t维持\t总计", "\t".join(str(v) for v in appeals),
             "三、存在的主要问题", "无。"]
    return "\n".join(lines).encode()


@pytest.fixture
def with_toy(monkeypatch):
    monkeypatch.setattr(templates, "TEMPLATES", templates.TEMPLATES + (TOY,))
    yield TOY


def test_a_registered_template_is_read_checked_and_shaped_by_its_own_definition(with_toy):
    r = parse_document(toy_doc(), "text/plain")
    assert r.template == "toy", r.reasons
    assert r.status == "ok", r.reasons
    assert set(r.tables) == {"counts", "appeals"}
    figs = r.figures()
    assert figs["counts"] == {"received": [3, 2, 5], "answered": [2, 2, 4], "refused": [1, 0, 1]}
    assert figs["appeals"] == [1, 1, 0, 0]  # a flat block table, in printed order


def test_the_templates_own_rules_flag_a_broken_figure(with_toy):
    r = parse_document(toy_doc(answered=(2, 2, 5)), "text/plain")
    assert r.status == "needs_review"
    rules = {f.rule for f in r.findings if f.severity == "error"}
    assert {"toy.row_total", "toy.answers"} <= rules
    assert r.figures()["counts"]["answered"] == [2, 2, 5]  # printed figures are never altered
    r = parse_document(toy_doc(appeals=(1, 2, 0, 0)), "text/plain")
    assert "toy.appeals" in {f.rule for f in r.findings}


def test_missing_rows_of_the_template_are_named(with_toy):
    doc = toy_doc().decode().replace("不予答复数\t1\t0\t1\n", "").encode()
    r = parse_document(doc, "text/plain")
    assert r.status == "needs_review"
    assert any("counts.refused" in reason for reason in r.reasons)


def test_national_templates_unaffected_by_another_registered(with_toy, samples_dir):
    for path in sorted(samples_dir.glob("*.txt"))[:2]:
        assert parse_document(path.read_bytes(), "text/plain").template in ("2019", "2021")


def test_totals_follow_the_template_in_python_and_in_sql(with_toy, tmp_path):
    r = parse_document(toy_doc(), "text/plain")
    cells = [(c.table, c.row, c.col_key, c.number) for c in r.cells()]
    totals = parsers.application_totals("toy", cells)
    assert totals["new_received"] == 5 and totals["granted"] == 4 and totals["denied"] == 1
    assert totals["total"] is None  # the toy template maps nothing onto it: never a made-up zero
    assert parsers.application_totals(None, cells) is None

    url = f"sqlite:///{tmp_path / 'toy.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        store(engine, RawDocument(toy_doc(), url="https://example.org/toy.txt", content_type="text/plain"), r)
        sql = "SELECT new_received, granted, denied, total FROM application_totals"
        with engine.begin() as conn:
            written = [tuple(x) for x in conn.execute(text(sql))]
            conn.execute(text("DELETE FROM application_totals"))
            conn.execute(text(fill_sql()))
            recomputed = [tuple(x) for x in conn.execute(text(sql))]
        assert written == [(5, 4, 1, None)]
        assert recomputed == written
    finally:
        engine.dispose()


def test_the_layout_registry_is_the_one_table_the_pipeline_dispatches_on(monkeypatch):
    from parsers import layouts
    from parsers.grid import Grid

    seen = []

    def read_marked(probe):
        seen.append(probe.plain[:6])
        grid = Grid(layout="marked-text")
        grid.add_row(["nothing"])
        return layouts.Reading(grid, probe.plain)

    marked = layouts.Layout("marked-text", layouts.TEXT, lambda p: p.plain.startswith("MARKED"), read_marked,
                            plain_text=True)
    monkeypatch.setattr(layouts, "LAYOUTS", (marked,) + layouts.LAYOUTS)
    r = parse_document("MARKED 某某局2020年政府信息公开工作年度报告".encode(), "text/plain")
    assert seen == ["MARKED"] and r.layout == "marked-text"
    assert parse_document(b"\x89PNG\r\n\x1a\n....", None).status == "unreadable"
    kinds = [layout.kind for layout in layouts.LAYOUTS]
    assert kinds[0] == "marked-text" and {"pdf", "docx", "image", "html", "squashed-text", "text"} <= set(kinds)
