"""The 2016–2018 statistics (template "2016"): real reports of those years, in sentences and in a
table, every cell right against gold files of our own; figures read from sentences are flagged.
(The four township reports of 2018, page texts of the search tool's pages corpus, were measured
before the reader was widened for them: 6 of their 21 cells were read, three of them pre_template.)"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from parsers import parse_document
from parsers.evaluate import pairs, score

DATA = Path(__file__).resolve().parent / "data" / "old-statistics"
ROOT = DATA.parents[2]


@pytest.mark.parametrize("doc, gold", pairs(DATA), ids=lambda p: p.name)
def test_every_cell_of_the_old_statistics(doc, gold):
    g = json.loads(gold.read_text(encoding="utf-8"))
    report = parse_document(doc.read_bytes(), "text/html" if doc.suffix == ".html" else "text/plain")
    s = score(report, g, doc.name)
    assert s.cells >= 4 and not s.wrong and s.exact, s.wrong
    assert report.template == "2016" and report.year == g["year"]
    assert report.status == "needs_review"  # the older form's figures are read, few of them checkable
    if g["layout"] == "prose":  # each cell says which sentence it came from
        assert all(c.source["layout"] == "prose" and c.source["clause"] for c in report.cells())


def test_eval_command_scores_the_old_statistics():
    out = subprocess.run([sys.executable, "govreports_cli.py", "eval", str(DATA)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    last = out.stdout.strip().splitlines()[-1]
    assert last.startswith("cells ") and "(100.00%)" in last and "silent errors 0" in last, out.stdout


NATIONAL_ROWS = [  # 统计指标 as the national form prints them, the court's figures beside them
    ("一、主动公开情况", None, None), ("（一）主动公开政府信息数（不同渠道和方式公开相同信息计1条）", "条", "proactive_total"),
    ("（二）通过不同渠道和方式公开政府信息的情况", None, None), ("1.政府公报公开政府信息数", "条", "via_gazette"),
    ("2.政府网站公开政府信息数", "条", "via_website"), ("3.政务微博公开政府信息数", "条", "via_weibo"),
    ("4.政务微信公开政府信息数", "条", "via_weixin"), ("5.其他方式公开政府信息数", "条", "via_other"),
    ("二、回应解读情况", None, None), ("（一）回应公众关注热点或重大舆情数（不同方式回应同一热点或舆情计1次）", "次", "responses_total"),
    ("1.参加或举办新闻发布会总次数", "次", "press_conferences"), ("其中：主要负责同志参加新闻发布会次数", "次", "press_conferences_leaders"),
    ("2.政府网站在线访谈次数", "次", "online_interviews"), ("其中：主要负责同志参加政府网站在线访谈次数", "次", "online_interviews_leaders"),
    ("5.其他方式回应事件数", "次", "other_responses"), ("三、依申请公开情况", None, None),
    ("（一）收到申请数", "件", "requests_received"), ("1.当面申请数", "件", "requests_in_person"),
    ("3.网络申请数", "件", "requests_online"), ("六、举报投诉数量", "件", "complaints"),
    ("（二）设置政府信息公开查阅点数", "个", "reading_points"), ("（三）从事政府信息公开工作人员数", "人", "staff_total"),
    ("1.专职人员数（不包括政府公报及政府网站工作人员数）", "人", "staff_fulltime"), ("2.兼职人员数", "人", "staff_parttime"),
    ("（一）召开政府信息公开工作会议或专题会议数", "次", "meetings"), ("（二）举办各类培训班数", "次", "trainings"),
    ("（三）接受培训人员数", "人次", "trainees"),
]


def test_the_national_table_form_round_trips():
    """The court's figures rendered in the national form of the table (统计指标 | 单位 | 统计数)."""
    gold = json.loads((DATA / "zhecheng-court-2017.json").read_text(encoding="utf-8"))["truth"]["stats"]
    figures = {k: v[0] for k, v in gold.items()} | {"via_gazette": 0, "requests_in_person": 0, "requests_online": 0}
    rows = "".join(
        f"<tr><td>{label}</td><td>{unit or ''}</td><td>{'' if key is None else figures[key]}</td></tr>"
        for label, unit, key in NATIONAL_ROWS)
    page = ("<html><head><meta charset='utf-8'><title>某县人民法院2017年政府信息公开工作年度报告</title></head><body>"
            "<h1>某县人民法院2017年政府信息公开工作年度报告</h1><p>根据《中华人民共和国政府信息公开条例》，现将2017年度"
            "政府信息公开工作情况报告如下。</p><p>附：政府信息公开情况统计表</p><table><tr><td>统计指标</td><td>单位</td>"
            f"<td>统计数</td></tr>{rows}</table></body></html>")
    report = parse_document(page.encode("utf-8"), "text/html")
    assert report.template == "2016", (report.status, report.reasons)
    got = {k: cells[0].number for k, cells in report.tables["stats"].items()}
    want = {key: figures[key] for _, _, key in NATIONAL_ROWS if key}
    assert got == want
    assert not [f for f in report.findings if f.severity == "error"], report.findings


def _squashed_dump(header: str, rows) -> bytes:
    """A portal page's text dump whose statistics table ran together: label, unit and figures
    with no separator, each row's ordinal after the figures of the row before."""
    head = ("标题: 某县人民法院2017年政府信息公开工作年度报告\n==================== 正文 ====================\n"
            "某县人民法院2017年政府信息公开工作年度报告 本报告由概述和政府信息公开情况统计表组成。一、概述 略。"
            "二、政府信息公开情况统计表 ")
    return (head + header + "".join(f"{label}{unit or ''}{figs}" for label, unit, figs in rows)).encode("utf-8")


def test_a_squashed_table_without_a_cumulative_column_reads_one_figure_a_row():
    """The national form (统计指标 | 单位 | 统计数) dumped with its cells run together: with no 历年累计
    header printed, "191" is one figure — never cut into 19 | 1 for a column the form lacks."""
    gold = json.loads((DATA / "zhecheng-court-2017.json").read_text(encoding="utf-8"))["truth"]["stats"]
    figures = {k: v[0] for k, v in gold.items()} | {"via_gazette": 0, "requests_in_person": 0, "requests_online": 0}
    rows = [(label, unit, "" if key is None else figures[key]) for label, unit, key in NATIONAL_ROWS]
    report = parse_document(_squashed_dump("统计指标单位统计数", rows), "text/plain")
    assert report.layout == "squashed-text" and report.template == "2016", (report.layout, report.reasons)
    got = {k: [c.number for c in cells] for k, cells in report.tables["stats"].items()}
    assert got == {key: [figures[key]] for _, _, key in NATIONAL_ROWS if key}
    assert not any(c.ambiguous for c in report.cells())


def test_a_squashed_fujian_table_cuts_year_and_cumulative_where_only_one_reading_is_valid():
    """Fujian's form (指标名称 | 计量单位 | 年度 | 历年累计) dumped run together: '00' can only be 0 | 0
    (no figure has a leading zero), the ordinal of the next row ("2、") is not a figure, and a run
    with several valid cuts stays ambiguous, its readings listed, the report flagged."""
    rows = [("主动公开文件数", "条", "212210037"), ("其中：1、政府网站公开数", "条", "212210037"),
            ("2、政府公报公开数", "条", "00"), ("受理政府信息依申请公开总数", "条", "00"),
            ("其中：1、当面申请数", "条", "00"), ("2、网上申请数", "条", "00"), ("行政复议数", "件", "00")]
    report = parse_document(_squashed_dump("指标名称计量单位2017年度历年累计", rows), "text/plain")
    stats = report.tables["stats"]
    assert {k: [c.text for c in v] for k, v in stats.items() if k != "proactive_total" and k != "via_website"} == {
        "via_gazette": ["0", "0"], "requests_received": ["0", "0"], "requests_in_person": ["0", "0"],
        "requests_online": ["0", "0"], "review_total": ["0", "0"]}
    for key in ("proactive_total", "via_website"):  # 2|12210037, 21|2210037, 212|210037, 2122|10037
        assert all(c.ambiguous for c in stats[key]) and [c.number for c in stats[key]] == [2122, 10037]
    assert report.status == "needs_review" and "read.ambiguous_cell" in " ".join(report.reasons)


def test_a_stray_bracket_does_not_swallow_a_squashed_table():
    """A bracket the header opens and never closes is no note of a label: the rows after it are read."""
    rows = [("主动公开文件数", "条", "00"), ("其中：1、政府网站公开数", "条", "00"), ("2、政府公报公开数", "条", "00"),
            ("受理政府信息依申请公开总数", "条", "00"), ("其中：1、当面申请数", "条", "00")] * 40
    report = parse_document(_squashed_dump("指标名称计量单位（单位：条2017年度历年累计", rows), "text/plain")
    assert [c.text for c in report.tables["stats"]["requests_in_person"]] == ["0", "0"]


def _sentences(*clauses: str):
    from parsers import prose
    from parsers.templates import by_name

    t = by_name("2016")
    rows, _ = prose.read_prose("\n".join(clauses), "stats", t.table("stats").rows, t.stated_none)
    return {k: (cells[0].number, cells[0].text) for k, cells in rows.items()}


def test_sentences_name_the_items_in_the_wordings_reports_use():
    got = _sentences("主动公开的政府信息3类共103条，其中通过政府网站公开政府信息78条。",
                     "指定2位工作人员为信息公开专职人员。",
                     "没有收到针对政府信息公开行政复议、行政诉讼、投诉举报等情况。")
    assert got["proactive_total"][0] == 103 and got["via_website"][0] == 78  # a count of kinds is no item
    assert got["staff_fulltime"][0] == 2  # 位 counts people
    for key in ("review_total", "litigation_total", "complaints"):  # one negation over the list
        assert got[key] == (0, "没有收到针对政府信息公开行政复议、行政诉讼、投诉举报等情况")


def test_a_money_item_takes_only_a_sum_of_money():
    got = _sentences("先后对涉及我县的13项涉企行政事业性收费及政府性基金进行取消。")
    assert "fees" not in got  # it counts fee items, not the fees collected
    assert _sentences("依申请公开收取费用0.5万元。")["fees"][0] == 0.5


def test_a_report_of_one_figure_and_zeros_in_words_is_read():
    """Zeros stated in words count as items once one figure is printed (a township's whole report:
    主动公开22条, no request, no fee, no review or suit); zeros in words alone are no statistics."""
    from parsers.pipeline import MIN_PROSE_ITEMS

    words = ["2018年度我镇没有接到群众主动要求公开政府信息的申请。", "2018年度,我镇政府信息公开没有收费。",
             "没有发生针对本单位有关政府信息公开事务的行政复议案、行政诉讼案。"]
    head = "某镇2018年政府信息公开工作年度报告\n根据《中华人民共和国政府信息公开条例》规定,特向社会公开2018年度报告。\n"
    body = "一、主动公开政府信息的情况\n2018年度我镇主动公开政府信息数22条。\n二、政府信息依申请公开办理情况\n"
    with_figure = parse_document((head + body + "\n".join(words)).encode("utf-8"), "text/plain")
    assert with_figure.template == "2016" and with_figure.figures()["stats"]["proactive_total"] == [22]
    assert len(with_figure.tables["stats"]) >= MIN_PROSE_ITEMS
    only_words = parse_document((head + "二、政府信息依申请公开办理情况\n" + "\n".join(words)).encode("utf-8"), "text/plain")
    assert only_words.template is None and only_words.status == "pre_template", only_words.reasons


def test_staff_are_read_from_the_overview_only_as_people():
    got = _sentences_in_sections("一、概述\n明确1名工作人员作为专职信息公开员,组织工作人员参加培训3次。",
                                 "二、主动公开政府信息情况\n主动公开政府信息32条。")
    assert got["staff_fulltime"][0] == 1 and "staff_total" not in got  # 3次 counts trainings, not staff
    assert got["proactive_total"][0] == 32


def _sentences_in_sections(*sections: str):
    from parsers import prose
    from parsers.templates import by_name

    t = by_name("2016")
    rows, _ = prose.read_prose("\n".join(sections), "stats", t.table("stats").rows, t.stated_none, t.prose_anywhere)
    return {k: (cells[0].number, cells[0].text) for k, cells in rows.items()}
