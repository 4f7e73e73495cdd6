"""The body that wrote a report, read from the report itself (parsers.metadata.read_body): each
source of its name, where it was read (agency_source), the page's names only where the report
names none, the list entry's title as the crawl's explicit step on a copy (storage.hints), the
report key that neither splits one body nor merges two (storage.identity), and the findings
where the page or the list names another body."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from parsers import parse_document
from parsers.metadata import read_body, read_meta, same_body, title_agency
from parsers.record import Cell, Report
from storage.hints import Hints, hints_applied
from storage.identity import key_name, report_key_of
from storage.store import RawDocument, store
from test_storage import db_url, engine, pg_database  # noqa: F401  (the databases of both backends)

ROOT = Path(__file__).resolve().parent.parent
PORTAL_DOCS = ROOT / "samples" / "portal" / "docs"
BODY = "一、总体情况\n本年度政府信息公开工作有序推进。\n二、主动公开政府信息情况\n（略）\n"


def body_of(text: str, html: dict | None = None):
    meta = read_meta(text, html)
    return meta.agency, meta.agency_source


# ----------------------------------------------------------------------------- each source


def test_header_field_with_its_place_comes_first():
    text = "发布机构：柘城县教育局\n标题：2021年政府信息公开工作年度报告\n" + BODY
    assert body_of(text) == ("柘城县教育局", "header")


def test_header_without_a_place_gives_way_to_the_title():
    """发布机构 naming an office alone (党政综合办公室) is weaker than the title's full name."""
    text = "发布机构: | 党政综合办公室 | 公开日期: | 2021-01-11 |\n2018年诸暨市牌头镇人民政府信息公开年报\n" + BODY
    assert body_of(text) == ("诸暨市牌头镇人民政府", "title")
    assert body_of("发布机构：党政综合办公室\n" + BODY) == ("党政综合办公室", "header")  # nothing better: kept


def test_title():
    assert body_of("柘城县教育局2021年政府信息公开工作年度报告\n" + BODY) == ("柘城县教育局", "title")
    # the body's name on the line above a title that opens with its year
    meta = read_meta("九原区政务服务局\n2022年政府信息公开工作年度报告\n" + BODY)
    assert (meta.agency, meta.agency_source, meta.year) == ("九原区政务服务局", "title", 2022)
    assert title_agency("平潭综合实验区管委会办公室政府信息公开工作2025年度报告") == "平潭综合实验区管委会办公室"
    assert title_agency("岳阳楼区教育局二〇二三年政府信息公开年度报告") == "岳阳楼区教育局"
    assert title_agency("关于2022年度政府信息公开情况的报告") is None  # names no body


def test_signature():
    text = BODY + "六、其他需要报告的事项\n无。\n\n柘城县城关镇人民政府\n2022年1月20日\n"
    assert body_of(text) == ("柘城县城关镇人民政府", "signature")


@pytest.mark.parametrize("sentence, name", [
    ("根据《条例》规定,现公布界炮镇人民政府2023年政府信息公开工作年度报告。", "界炮镇人民政府"),
    ("本年报是根据有关要求,由武进区湖塘镇人民政府编制的2018年度政府信息公开年度报告。", "武进区湖塘镇人民政府"),
    # the office that compiled a government's report: the government is the body
    ("本报告由两城镇人民政府党政办公室编制。", "两城镇人民政府"),
    ("2022年,二道区房屋征收工作管理办公室认真贯彻落实《条例》。", "二道区房屋征收工作管理办公室"),
])
def test_opening_sentences(sentence, name):
    assert body_of(sentence + "\n" + BODY) == (name, "text")


@pytest.mark.parametrize("sentence", [
    "现结合我镇实际,汇报我镇2023年政府信息公开工作。",  # the report speaking of itself
    "现将我局2020年度政府信息公开情况报告如下。",
    "2023年,围绕区委区政府中心工作,推进政务公开。",  # an action, not a body
    "根据《关于做好2018年度政府信息公开年度报告编制发布工作的通知》要求编制本报告。",
])
def test_no_body_where_the_sentences_name_none(sentence):
    assert body_of(sentence + "\n" + BODY) == (None, None)


def test_abbreviated_name_is_completed_only_from_a_fuller_mention_in_the_same_report():
    title = "市林业局2018年政务公开年度报告\n"
    assert body_of(title + "如有疑问,请联系吉林市林业局行政办公室。\n" + BODY) == ("吉林市林业局", "title")
    assert body_of(title + BODY) == ("市林业局", "title")  # none: kept as printed, never guessed


def test_page_meta_only_where_the_report_names_no_body():
    html = {"ContentSource": "平顶山市新华区教育局", "SiteName": "平顶山市新华区人民政府"}
    meta = read_meta(BODY, html)
    assert (meta.agency, meta.agency_source) == ("平顶山市新华区教育局", "page_meta")
    assert [f.rule for f in meta.findings] == ["body.from_page"] and meta.findings[0].severity == "info"
    # the report naming its body: the page's names are only compared with it
    meta = read_meta("华龙区教育局2020年政府信息公开工作年度报告\n" + BODY, html)
    assert (meta.agency, meta.agency_source) == ("华龙区教育局", "title")
    assert [f.rule for f in meta.findings] == ["body.page_names_other"]  # its ContentSource names another
    assert "平顶山市新华区教育局" in meta.findings[0].message


def test_a_title_naming_its_place_alone_is_completed_by_a_name_beginning_with_it():
    html = {"ContentSource": "平潭综合实验区管委会办公室", "SiteName": "平潭综合实验区党工委管委会"}
    meta = read_meta("平潭综合实验区2023年度政府信息公开工作年度报告\n" + BODY, html)
    assert (meta.agency, meta.agency_source) == ("平潭综合实验区管委会办公室", "page_meta")
    assert {f.rule for f in meta.findings} == {"body.from_page"}  # the site's name is not a disagreement


def test_the_hosting_sites_name_is_not_the_reports_body():
    """An archived page whose CMS printed the hosting site's name (吉林省安图县林业局-安图县林业局)
    into its <meta>, its 来源, its opening sentence and its signature, while the report's own title
    says 市林业局 and its text 吉林市林业局: the report's body is kept, the page's name is a finding."""
    report = parse_document((PORTAL_DOCS / "jilin-forestry-2018.html").read_bytes(), "text/html")
    assert (report.agency, report.agency_source) == ("吉林市林业局", "title")
    assert not [n for n in report.body_names if "安图" in n]  # the region is read from the report's names
    found = {f.rule: f.message for f in report.findings}
    assert "吉林省安图县林业局-安图县林业局" in found["body.page_names_other"]
    assert report.status == "pre_template"  # a finding about the page, not about the figures


def test_names_spaced_by_the_page_are_joined():
    agency, _ = body_of("武汉市东湖生态旅游风景区管理委员会 卫生健康办公室2023年政府信息公开工作年度报告\n" + BODY)
    assert agency == "武汉市东湖生态旅游风景区管理委员会卫生健康办公室"


# ----------------------------------------------------------------------------- the list title, on a copy


def _listed(report: Report, title: str, **hints) -> Report:
    return hints_applied(report, Hints(list_title=title, **hints))


def test_list_title_names_the_body_where_the_report_names_none():
    data = (PORTAL_DOCS / "township-2023-partial.txt").read_bytes()  # "…汇报我镇2023年…": no name
    parsed = parse_document(data, "text/plain")
    assert parsed.agency is None
    stored = _listed(parsed, "周浦镇人民政府2023年政府信息公开工作年度报告", site_id_code="3101150001",
                     region_code="310115")
    assert (stored.agency, stored.agency_source) == ("周浦镇人民政府", "list_title")
    assert parsed.agency is None and parsed.agency_source is None  # the parser's record untouched
    assert "body.from_list_title" in {f.rule for f in stored.findings}
    assert stored.region_code == "310115"


def test_list_title_completes_an_abbreviated_name_and_never_replaces_a_printed_one():
    short = Report("pre_template", agency="市林业局", agency_source="title", year=2018)
    assert _listed(short, "吉林市林业局2018年政务公开年度报告").agency == "吉林市林业局"
    assert _listed(short, "延吉市教育局2018年政务公开年度报告").agency == "市林业局"  # not the same name
    printed = Report("ok", agency="洪泽区人民政府", agency_source="title", year=2023)
    same = _listed(printed, "淮安市洪泽区人民政府2023年政府信息公开工作年度报告")
    assert same.agency == "洪泽区人民政府" and not [f for f in same.findings if f.rule.startswith("body.")]
    other = _listed(printed, "新华区教育局2023年政府信息公开工作年度报告（转载）")
    assert other.agency == "洪泽区人民政府"
    assert [f.rule for f in other.findings] == ["body.list_title_differs"]


def test_list_title_over_the_pages_names():
    meta_only = Report("needs_review", agency="微山县人民政府", agency_source="page_meta", year=2024,
                       body_names=["微山县人民政府"])
    stored = _listed(meta_only, "新华区教育局2024年政府信息公开工作年度报告（转载）")
    assert (stored.agency, stored.agency_source) == ("新华区教育局", "list_title")
    assert {f.rule for f in stored.findings} >= {"body.from_list_title", "body.page_names_other"}


def test_a_report_hosted_on_another_bodys_site_keeps_its_own_body_and_region():
    """吉林市林业局's report on 安图县林业局's site (registry 222426, 安图县): body and region are
    the report's (吉林市, 220200), the site's name and code are findings."""
    parsed = parse_document((PORTAL_DOCS / "jilin-forestry-2018.html").read_bytes(), "text/html")
    stored = hints_applied(parsed, Hints(site_id_code="2202000006", region_code="220200",
                                         registry_region_code="222426",
                                         list_title="吉林省安图县林业局2018年政务公开年度报告"))
    assert (stored.agency, stored.region_code) == ("吉林市林业局", "220200")
    rules = {f.rule for f in stored.findings}
    assert {"body.page_names_other", "body.list_title_differs", "region.registry_differs"} <= rules
    assert "region.site_differs" not in rules  # its SiteIDCode is 吉林市's


# ----------------------------------------------------------------------------- one body, one key


@pytest.mark.parametrize("a, b, region", [
    ("洪泽区人民政府", "淮安市洪泽区人民政府", "320813"),
    ("上海市科委", "上海市科学技术委员会", "310000"),
    ("市林业局", "吉林市林业局", "220200"),
    ("平潭综合实验区", "平潭综合实验区党工委管委会", "359000"),
    ("平潭综合实验区管委会办公室", "平潭综合实验区人民政府办公室", "359000"),
    ("区政府办公室", "武汉市汉阳区人民政府办公室", "420105"),
    ("周浦镇", "周浦镇人民政府", "310115"),
    ("佳荣里街道", "佳荣里街道办事处", "120113"),
])
def test_one_body_printed_two_ways_is_one_key(a, b, region):
    assert report_key_of(a, 2023, "x", region) == report_key_of(b, 2023, "y", region)
    assert same_body(a, b)


@pytest.mark.parametrize("a, b, region", [
    ("林业局", "教育局", "220200"),
    ("洪泽区人民政府", "洪泽区人民政府办公室", "320813"),
    ("平潭综合实验区党工委管委会", "平潭综合实验区管委会办公室", "359000"),
    ("上海市科委", "上海市教委", "310000"),
    ("太平镇人民政府", "周浦镇人民政府", "310115"),
    ("上海市人民政府办公厅", "上海市人民政府", "310000"),
])
def test_two_bodies_are_two_keys(a, b, region):
    assert key_name(a, region, 2023) != key_name(b, region, 2023)
    assert not same_body(a, b)


def test_printed_forms_stored_as_printed_under_one_report(engine):
    def version(agency: str) -> Report:
        cell = Cell("table3", "new_received", 6, "total", "3", 3, "number")
        return Report("ok", agency=agency, agency_source="title", year=2024, template="2021", region_code="320813",
                      tables={"table2": None, "table3": {"new_received": [cell]}, "table4": None})

    store(engine, RawDocument(b"full", url="http://a.gov.cn/1.html"), version("淮安市洪泽区人民政府"))
    store(engine, RawDocument(b"short", url="http://b.gov.cn/2.html"), version("洪泽区人民政府"))
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT agency, agency_source, report_key FROM report_versions ORDER BY id")).all()
        assert [r.agency for r in rows] == ["淮安市洪泽区人民政府", "洪泽区人民政府"]
        assert {r.report_key for r in rows} == {"320813|人民政府|2024"} and {r.agency_source for r in rows} == {"title"}
        assert conn.execute(text("SELECT agency_source FROM reports")).scalar() == "title"


def test_read_body_names_fullest_first():
    body, names, _ = read_body("新华区教育局2024年政府信息公开工作年度报告\n平顶山市新华区教育局认真落实。\n",
                               "新华区教育局2024年政府信息公开工作年度报告")
    assert (body.name, body.source) == ("新华区教育局", "title")
    assert names[:2] == ["平顶山市新华区教育局", "新华区教育局"]
