"""Reports without the national tables are reports: titled and written as annual reports, they come
back with their year, body and narrative, and a status that says which kind they are.  Look-alikes
published in the same columns (指南, 解读, 网站工作年度报表, 预算/决算, notices, list pages) do not.
"""
from __future__ import annotations

import pytest

from parsers import STORED_STATUSES, parse_document
from parsers.annual import is_annual_report, title_verdict
from parsers.record import NOT_A_REPORT, PRE_TEMPLATE, STATUSES


def _parse_file(path):
    return parse_document(path.read_bytes(), "text/html", path.as_uri())


@pytest.fixture(scope="module")
def real(shared_dir):
    return shared_dir / "portals" / "real"


def test_county_court_2017_prose_report(real):
    report = _parse_file(real / "zhecheng" / "pages" / "bmnb_7479.html")
    # its statistics, written out in sentences, are read on the 2016 template (tests/test_old_statistics.py)
    assert (report.status, report.template) == ("needs_review", "2016"), (report.status, report.reasons)
    assert report.year == 2017
    assert report.agency == "柘城县人民法院"
    assert report.narrative["proactive"].startswith("2017年度,县法院始终坚持")
    assert "主动公开政府信息共191条" in report.narrative["proactive"]
    assert report.narrative["problems"].endswith("多层次的公共服务。")  # the signature is not narrative
    assert {"preamble", "responses", "requests", "reviews", "fees", "staffing", "meetings"} <= set(report.narrative)
    assert report.figures()["stats"]["proactive_total"] == [191] and report.figures().get("table3") is None


def test_forestry_bureau_2018_report_worded_as_政务公开年度报告(real):
    # too few statistics in its sentences (one total, categories of its own) to read it on the 2016 form
    report = _parse_file(real / "jlslyj" / "pages" / "ndbg_201812_t20181224_633607.html")
    assert report.status == PRE_TEMPLATE, (report.status, report.reasons)
    assert report.year == 2018
    assert report.title == "市林业局2018年政务公开年度报告"
    assert report.agency  # the page's 来源 names the (re-hosted) body
    assert report.narrative["overview"].startswith("1、建立健全三级组织领导体系")
    assert report.narrative["preamble"].startswith("根据《中华人民共和国政府信息公开条例》")
    assert "130条" in report.narrative["proactive"]


def test_list_pages_of_the_real_columns_are_not_reports(real):
    pages = sorted(real.glob("*/pages/*index*.html"))
    assert len(pages) >= 9
    for page in pages:
        report = _parse_file(page)
        assert report.status == NOT_A_REPORT, (page.name, report.status, report.title)


def test_stored_statuses():
    assert PRE_TEMPLATE in STORED_STATUSES and NOT_A_REPORT not in STORED_STATUSES
    assert set(STORED_STATUSES) <= set(STATUSES)
    assert "empty" not in STORED_STATUSES


@pytest.mark.parametrize("title", [
    "柘城县人民法院 2017年政府信息公开工作年度报告",
    "某某市2016年政府信息公开年度报告",
    "柘城县皇集乡2017年政务公开工作年度报告",
    "柘城县民政局2017年度政府信息公开工作报告",
    "xxx2018年政务公开报告",
    "柘城县国税局2017年度信息与政务公开工作报告",
    "某某区2015年信息公开年报",
    "某某县人民政府2017年政府信息公开年度报告（图片版）",
    "关于印发某某市2018年政府信息公开工作年度报告的通知",
    "关于公布2014年度政府信息公开工作年度报告的通知",
    "某某县二〇一七年政府信息公开工作年度报告",
    "柘城县人医院2017年政务信息公开报告",
    "柘城县人社局2017年度政府信息与政务公开工作总结",
    "柘城县文化局2017 年政府信息工作年度报告",
    "柘城县经作中心2017政府信息年度报告",
])
def test_report_titles(title):
    assert title_verdict(title) is True


@pytest.mark.parametrize("title", [
    "吉林省安图县林业局-安图县林业局政府信息公开指南",
    "某某市政府信息公开目录",
    "《某某市2018年政府信息公开工作年度报告》解读",
    "图解：某某区2017年政府信息公开工作年度报告",
    "2019年度某某局政府网站工作年度报表",
    "某某局2017年度政府网站年度工作报表",
    "某某局2021年预算公开",
    "某某局2018年度决算公开",
    "2018年政务公开工作要点",
    "关于做好2018年度政府信息公开工作年度报告编制发布工作的通知",
    "关于报送2017年政府信息公开工作年度报告的通知",
    "关于2017年度政府信息公开工作年度报告的通报",
    "恩格贝生态示范区召开2018年度工作会议暨党风廉政建设会议",
])
def test_look_alike_titles(title):
    assert title_verdict(title) is False


@pytest.mark.parametrize("title", [None, "", "信息公开年报", "政府信息公开年度报告", "提案议案办理结果公开"])
def test_titles_that_do_not_decide(title):
    assert title_verdict(title) is None


PROSE_2016 = """某某县民政局2016年政府信息公开工作年度报告
根据《中华人民共和国政府信息公开条例》要求，现将本局2016年度政府信息公开工作情况报告如下。
本报告中所列数据的统计期限自2016年1月1日起至2016年12月31日止。
一、概述
2016年，我局认真贯彻落实《条例》，扎实推进政府信息公开工作。
二、主动公开政府信息情况
2016年，我局主动公开政府信息共86条，其中政府网站公开政府信息数70条。
三、依申请公开政府信息情况
2016年，我局共收到政府信息公开申请3件，均已按时答复。
四、政府信息公开的收费及减免情况
2016年，我局未收取任何费用。
五、因政府信息公开申请行政复议、提起行政诉讼的情况
2016年，未发生针对本局政府信息公开的行政复议和行政诉讼。
六、存在的主要问题和改进措施
公开内容还不够全面。下一步，我局将进一步完善工作机制。
某某县民政局
2017年3月20日
"""


def test_prose_report_as_text_and_as_a_page_without_title_tags():
    for data, ctype in ((PROSE_2016, "text/plain"),
                        ("<html><body><div>" + PROSE_2016.replace("\n", "</div><div>") + "</div></body></html>",
                         "text/html")):
        report = parse_document(data.encode("utf-8"), ctype)
        assert (report.status, report.template) == ("needs_review", "2016"), (ctype, report.status, report.reasons)
        assert report.figures()["stats"]["proactive_total"] == [86]
        assert report.year == 2016 and report.agency == "某某县民政局"
        assert report.narrative["overview"].startswith("2016年,我局认真贯彻落实")  # punctuation normalised
        assert report.narrative["problems"] == "公开内容还不够全面。下一步,我局将进一步完善工作机制。"


def test_untitled_text_decided_by_content():
    body = PROSE_2016.split("\n", 1)[1]
    assert is_annual_report(None, body)
    guide = ("为了更好地提供政府信息公开服务，根据《中华人民共和国政府信息公开条例》，编制本指南。\n"
             "一、主动公开\n（一）公开范围。\n二、依申请公开\n（一）受理机构。\n三、收费标准\n不收取费用。\n"
             "四、监督和救济\n公民认为侵犯其合法权益的，可以依法申请行政复议或者提起行政诉讼。")
    assert not is_annual_report(None, guide)  # a 指南 covers the same ground but reports nothing


def test_report_of_2020_without_its_tables_is_not_pre_template():
    text = PROSE_2016.replace("2016", "2020").replace("2017年3月", "2021年1月")
    report = parse_document(text.encode("utf-8"), "text/plain")
    assert report.year == 2020
    assert report.status == "needs_review", (report.status, report.reasons)
    assert any("without tables 2-4" in r for r in report.reasons)
