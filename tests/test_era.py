"""A report of the 2019 regulation or later is never read on the 2016 form, however damaged: with
its title and tables destroyed (as the fuzz run found: samples/reports/003 under 30 KB of nested
markup), it shows its era in its own words and comes back as a report whose tables are missing.
The real reports of 2016-2018 damaged the same way are still read on the older form."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from parsers import era, parse_document
from parsers.evaluate import pairs

DATA = Path(__file__).resolve().parent / "data"
# Shared reports of 2019 on whose sentences name items of the 2016 form (read_prose finds some).
LATER = ["corpus/pingtan-2019.html", "corpus/pingtan-2021.html", "corpus/pingtan-2023.html",
         "corpus/pingtan-2025.html", "seeds/000_e865654a7cdf3aef.txt", "seeds/002_1470c6164cb70c53.txt",
         "seeds/003_1ccb1d8209286b28.txt", "corpus/shanghai-stc-2024-pdftext.txt",
         "corpus/weishan-liangcheng-2020-partial.txt", "corpus/longgang-dept-2024-partial.txt"]
OLD = [doc for doc, gold in pairs(DATA / "old-statistics") if gold.stem.startswith("zhecheng-")]


def _title_and_tables_destroyed(path: Path) -> bytes:
    """The report's sentences alone (no table line, no title), behind 30 KB of unclosed markup
    that hides everything after it from the title and year readers."""
    clean = parse_document(path.read_bytes(), keep_text=True)
    sentences = [ln for ln in clean.source_text.split("\n") if "。" in ln and "|" not in ln and "\t" not in ln
                 and not re.search(r"\d{4}\s*年度?.{0,12}年度报告", ln[:60])]  # the title, repeated
    return ("<span>" * 5000 + "\n" + "\n".join(sentences)).encode("utf-8")


@pytest.mark.parametrize("name", LATER)
def test_a_later_report_without_title_and_tables_is_not_read_on_the_2016_form(shared_dir, name):
    path = shared_dir / name
    assert parse_document(path.read_bytes()).year >= 2019
    data = _title_and_tables_destroyed(path)
    report = parse_document(data, "text/plain")
    assert report.year is None  # the damage hides the year: only the words can tell the era
    assert report.template is None and not report.tables.get("stats"), (report.template, report.reasons)
    assert report.status == "needs_review" and "missing table2, table3, table4" in report.reasons[0], report.reasons
    assert "of the 2019 regulation or later" in report.reasons[0]


def test_without_the_gate_the_damaged_later_reports_read_as_2016(shared_dir, monkeypatch):
    # What the era gate holds back: the same copies, their words' era ignored, read on the older form.
    monkeypatch.setattr(era, "later_signs", lambda text: [])
    templates = [parse_document(_title_and_tables_destroyed(shared_dir / name), "text/plain").template
                 for name in LATER]
    assert templates.count("2016") >= 3, templates


@pytest.mark.parametrize("path", OLD, ids=lambda p: p.name)
def test_real_older_reports_show_no_later_era(path):
    report = parse_document(path.read_bytes(), keep_text=True)
    assert report.year < 2019 and era.later_signs(report.source_text) == []


def test_damaged_older_reports_are_still_read_on_the_2016_form():
    read = []
    for path in OLD:
        data = _title_and_tables_destroyed(path)
        report = parse_document(data, "text/plain")
        assert report.template in (None, "2016") and "of the 2019 regulation" not in " ".join(report.reasons)
        read.append(report.template == "2016")
    assert sum(read) >= 2, read


def test_a_2018_report_planning_for_the_revised_regulation_is_not_of_it(shared_dir):
    # pingtan 2018 writes "贯彻落实新修订的《中华人民共和国政府信息公开条例》…尚未出台": a plan, not its era
    report = parse_document((shared_dir / "corpus" / "pingtan-2018.html").read_bytes(), keep_text=True)
    assert "新修订的《中华人民共和国政府信息公开条例》" in report.source_text
    assert era.later_signs(report.source_text) == [] and report.template == "2016"


def test_signs_of_the_era():
    assert era.later_signs("本报告中所列数据的统计期限自2021年1月1日起至2021年12月31日止。") == ["reports on 2021"]
    assert era.later_signs("数据统计期限为 2023 年 1 月 1 日—12 月 31 日。") == ["reports on 2023"]
    assert era.later_signs("本报告中所列数据的统计期限自2018年1月1日起至2018年12月31日止。2019年，我局将…") == []
    assert era.later_signs("根据新修订《中华人民共和国政府信息公开条例》要求编制。") == ["the revised regulation"]
    assert era.later_signs("三、收到和处理政府信息公开申请情况") != []
    assert era.later_signs("二、主动公开政府信息情况 第二十条第（一）项") != []
    assert era.later_signs("三、依申请公开政府信息情况。四、因政府信息公开申请行政复议、提起行政诉讼的情况。") == []

