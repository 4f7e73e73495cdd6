"""A local sample portal that behaves like the real government portals (docs/crawling.md, "The sample portal").

One loopback HTTP server hosts every sample site under its own path prefix (``/pingtan/``,
``/hongze/`` ...).  Each site reproduces one CMS family's list pages, pagination, detail pages,
attachments and defences, filled with the real reports in ``samples/portal/docs`` (copies of
samples/reports and the shared corpus, each with its gold file).

The portal knows its own truth: :func:`truth` lists every report URL it publishes with the
publishing body, its 6-digit region code, the report year and the gold file.

Standard library only (ThreadingHTTPServer).
"""
from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

HERE = Path(__file__).resolve().parent
DOCS = HERE / "docs"
REGISTRY = HERE / "sites.json"  # the crawler registry for this portal (start URLs are relative)

GB = "gb18030"  # what "GBK" servers really emit


# --------------------------------------------------------------------------------------------
# Content model
# --------------------------------------------------------------------------------------------


@dataclass
class Doc:
    """One real report document, as published by one site."""

    file: str  # file name under docs/
    year: int
    agency: str
    region: str  # 6-digit code of the publishing body
    title: str
    site_id_code: str | None = None  # put on the detail page (body's SiteIDCode)
    folder: str | None = None  # year folder of the detail URL (may differ from the year)
    copy: bool = False  # a republished copy (转载): its bytes carry the republishing site's name

    @property
    def gold(self) -> str:
        return re.sub(r"\.(txt|html|pdf)$", ".json", self.file)


@dataclass
class Entry:
    """One line of a column list: a report or a non-report."""

    title: str
    date: str
    doc: Doc | None = None  # None: a non-report (通知, 指南, 目录...)
    notice: str | None = None  # body text of a non-report page
    shell: bool = False  # the list links to a shell page that location.replace()s
    disallowed: bool = False  # lives under a robots.txt-disallowed path
    dead: bool = False  # the list links to javascript:; (no page at all)


@dataclass
class SubColumn:
    """A column below a site's column: a year (2024年度) or a kind of body (部门年报)."""

    title: str
    folder: str
    entries: list[Entry]
    markup: str | None = None  # default: the site's
    pager: str | None = None


@dataclass
class Site:
    name: str
    build: str  # how the portal builds its lists (the _build_* method)
    region: str
    site_name: str
    entries: list[Entry]
    charset: str = "utf-8"  # "utf-8" | "gb2312" (bytes GBK, declared gb2312) | "none" (GBK, no charset)
    paths: dict = field(default_factory=dict)
    # static variants (build "static"): the CMS family, list markup and pager, independently chosen
    cms: str | None = None
    markup: str = "ul"  # samples.portal.markup.MARKUPS
    pager: str = "html_trs"  # samples.portal.markup.PAGERS
    per_page: int = 2
    side_menu: bool = False  # a side menu linking the column itself under a report-like name, and its sub-columns
    subcolumns: list[SubColumn] = field(default_factory=list)
    more_columns: list[SubColumn] = field(default_factory=list)  # further columns of the site (own start URLs)
    xxgk_word: str = "政府信息公开"  # what the home page calls its 信息公开 page
    column_word: str = "政府信息公开年报"  # what the 信息公开 page calls the report column
    columns: list[str] = field(default_factory=list)  # the report columns' URL paths (the registry's start URLs)

    @property
    def family(self) -> str | None:
        """The site's CMS family (crawler.families.NAMES), as the crawler should recognise it."""
        if self.build in ("static", "jpaas", "igs"):
            return self.cms
        return {"trs_classic": "trs", "trs_newer": "trs", "jslist": None}.get(self.build, self.build)

    @property
    def home(self) -> str:
        return f"/{self.name}/index.html"

    @property
    def xxgk(self) -> str:
        return f"/{self.name}/xxgk/index.html"


@dataclass
class Resp:
    status: int
    ctype: str | None
    body: bytes
    headers: dict = field(default_factory=dict)


def _doc(file, year, agency, region, title, sid=None, folder=None):
    return Doc(file, year, agency, region, title, sid, folder)


def _copy(file, year, agency, region, sid=None):
    """Another body's report republished (转载) by a variant site."""
    return Doc(file, year, agency, region, "", sid, None, copy=True)


def _notice(title, date, text=None):
    text = text or (
        "各有关单位：根据《中华人民共和国政府信息公开条例》有关规定，现就有关事项通知如下。"
        "请各单位高度重视，认真组织，按时完成相关工作。联系人：办公室，联系电话：0000-00000000。"
    )
    return Entry(title, date, None, notice=text)


def _guide(site_name, date):
    return Entry(
        f"{site_name}政府信息公开指南",
        date,
        None,
        notice="为了更好地提供政府信息公开服务，根据《中华人民共和国政府信息公开条例》，编制本指南。"
        "一、主动公开 二、依申请公开 三、监督保障。受理机构地址、办公时间、联系电话详见本页。",
    )


PT = "平潭综合实验区管委会"
PTO = "平潭综合实验区管委会办公室"


def build_sites() -> list[Site]:
    """The sample sites.  At least 8 sites, 3 provinces, 3 report years each."""
    sites = [
        Site(
            "pingtan", "trs_classic", "359000", "平潭综合实验区党工委管委会",
            [
                Entry("平潭综合实验区2021年度政府信息公开工作年度报告", "2022-01-20",
                      _doc("pingtan-2021.html", 2021, PT, "359000", "", folder="202201")),
                _notice("关于做好2022年度政府信息公开工作年度报告编制发布工作的通知", "2022-12-01"),
                Entry("平潭综合实验区2019年度政府信息公开工作年度报告", "2020-01-20",
                      _doc("pingtan-2019.html", 2019, PT, "359000", "", folder="202001")),
                _guide("平潭综合实验区", "2019-05-10"),
                Entry("平潭综合实验区2018年政府信息公开工作年度报告", "2019-01-25",
                      _doc("pingtan-2018.html", 2018, PT, "359000", "", folder="201901"), shell=True),
                Entry("平潭综合实验区2020年政府信息公开工作年度报告（内部稿）", "2021-01-20", None,
                      notice="内部稿", disallowed=True),
                Entry("政府信息公开目录", "2018-03-01", None, notice="政府信息公开目录：机构职能、政策文件、规划计划……"),
            ],
        ),
        Site(
            "ptoffice", "vsb", "359000", "平潭综合实验区管委会办公室",
            [
                Entry("平潭综合实验区管委会办公室政府信息公开工作2025年度报告", "2026-01-15",
                      _doc("pingtan-2025.html", 2025, PTO, "359000", "")),
                _notice("关于报送2025年度政府信息公开工作年度报告的通知", "2025-12-10"),
                Entry("平潭综合实验区管委会办公室2023年政府信息公开工作年度报告", "2024-01-19",
                      _doc("pingtan-2023.html", 2023, PTO, "359000", "")),
                _guide("平潭综合实验区管委会办公室", "2023-02-01"),
                Entry("平潭综合实验区2019年度政府信息公开工作年度报告（文本版）", "2020-01-22",
                      _doc("pingtan-2019-textdump.txt", 2019, PT, "359000", "", "3590000001")),
            ],
            charset="gb2312",
        ),
        Site(
            "ptdata", "jslist", "359000", "平潭综合实验区政务公开平台",
            [
                Entry("平潭综合实验区管委会办公室政府信息公开工作2025年度报告（文本）", "2026-01-16",
                      _doc("pingtan-2025-textdump.txt", 2025, PTO, "359000", "", "3590000001")),
                Entry("平潭综合实验区管委会办公室2023年政府信息公开工作年度报告（文本）", "2024-01-20",
                      _doc("pingtan-2023-textdump.txt", 2023, PTO, "359000", "", "3590000001")),
                _guide("平潭综合实验区政务公开平台", "2022-06-01"),
                Entry("平潭综合实验区2021年度政府信息公开工作年度报告（文本）", "2022-01-21",
                      _doc("pingtan-2021-textdump.txt", 2021, PT, "359000", "", "3590000001")),
            ],
        ),
        Site(
            "shanghai", "trs_newer", "310000", "上海市人民政府",
            [
                Entry("2024年上海市科学技术委员会政府信息公开工作年度报告", "2025-01-22",
                      _doc("shanghai-stc-2024-pdftext.txt", 2024, "上海市科学技术委员会", "310000", "",
                           "3100000001", folder="2025n79")),
                _notice("关于印发《上海市政府信息公开工作年度报告编制指引》的通知", "2024-11-05"),
                Entry("周浦镇人民政府2023年政府信息公开工作年度报告", "2024-01-26",
                      _doc("township-2023-partial.txt", 2023, "周浦镇人民政府", "310115", "",
                           "3101150001", folder="2024n78")),
                _guide("上海市人民政府", "2021-03-01"),
                Entry("2019年上海市人民政府办公厅政府信息公开工作年度报告", "2020-01-31",
                      _doc("shanghai-office-2019.html", 2019, "上海市人民政府办公厅", "310000", "",
                           "3100000001", folder="2020n")),
            ],
        ),
        Site(
            "hongze", "hanweb", "320813", "淮安市洪泽区人民政府",
            [
                Entry("淮安市洪泽区人民政府2024年政府信息公开工作年度报告", "2025-01-20",
                      _doc("hongze-gov-2024.pdf", 2024, "淮安市洪泽区人民政府", "320813", "")),
                _notice("关于做好2024年度政府信息公开工作年度报告编制工作的通知", "2024-12-02"),
                Entry("淮安市洪泽区人民政府2023年政府信息公开工作年度报告", "2024-01-19",
                      _doc("hongze-gov-2023.pdf", 2023, "淮安市洪泽区人民政府", "320813", "")),
                _guide("淮安市洪泽区人民政府", "2023-03-01"),
                Entry("西咸新区太平镇人民政府2022年政府信息公开工作年度报告（对口交流转载）", "2023-01-30",
                      _doc("xixian-taiping-2022-partial.txt", 2022, "西咸新区太平镇人民政府", "610118", "",
                           "6101180001")),
            ],
        ),
        Site(
            "longgang", "gkmlpt", "440307", "深圳市龙岗区人民政府",
            [
                Entry("深圳市龙岗区某局2024年政府信息公开工作年度报告", "2025-01-15",
                      _doc("longgang-dept-2024-partial.txt", 2024, "深圳市龙岗区某局", "440307", "",
                           "4403070001")),
                _guide("深圳市龙岗区人民政府", "2024-05-01"),
                Entry("乐清市教育局2021年政府信息公开工作年度报告（转载）", "2022-01-28",
                      _doc("003_1ccb1d8209286b28.txt", 2021, "乐清市教育局", "330382", "", "3303820001")),
                _notice("关于征集政府信息公开工作意见建议的通知", "2021-09-01"),
                Entry("武汉市生态环境局2020年政府信息公开工作年度报告（转载）", "2021-01-29",
                      _doc("wuhan-eeb-2020-traditional-partial.txt", 2020, "武汉市生态环境局", "420100", "",
                           "4201000001")),
            ],
        ),
        Site(
            "weishan", "trs_classic", "370826", "微山县人民政府",
            [
                Entry("新华区教育局2024年政府信息公开工作年度报告（转载）", "2025-01-10",
                      _doc("004_b949586da4e36afb.txt", 2024, "新华区教育局", "410402", "", "1301050001",
                           folder="gknb2025")),
                Entry("昆明市西山区教育体育局2023年政府信息公开工作年度报告（转载）", "2024-01-12",
                      _doc("002_1470c6164cb70c53.txt", 2023, "昆明市西山区教育体育局", "530112", "",
                           "5301120001", folder="gknb2024")),
                _notice("关于做好2021年度政府信息公开工作年度报告编制工作的通知", "2020-12-15"),
                Entry("微山县两城镇人民政府2020年政府信息公开工作年度报告", "2021-01-22",
                      _doc("weishan-liangcheng-2020-partial.txt", 2020, "微山县两城镇人民政府", "370826", "",
                           "3708260001", folder="gknb2021")),
                _guide("微山县人民政府", "2020-06-01"),
            ],
            charset="none",
        ),
        Site(
            "ruishu", "trs_newer", "410902", "濮阳市华龙区人民政府",
            [
                Entry("华龙区教育局2020年政府信息公开工作年度报告", "2021-01-18",
                      _doc("001_4b9b066e761ef3f1.txt", 2020, "华龙区教育局", "410902", "", "4109020001")),
                _guide("濮阳市华龙区人民政府", "2020-02-01"),
                Entry("岳阳楼区教育局2023年政府信息公开年度报告（转载）", "2024-01-02",
                      _doc("000_e865654a7cdf3aef.txt", 2023, "岳阳楼区教育局", "430602", "", "4306020001")),
                _notice("关于做好政务公开工作的通知", "2023-05-01"),
                Entry("2019年上海市人民政府办公厅政府信息公开工作年度报告（转载）", "2020-02-05",
                      _doc("shanghai-office-2019.html", 2019, "上海市人民政府办公厅", "310000", "", "3100000001")),
            ],
        ),
    ] + variant_sites()
    for s in sites:
        for e in s.entries + [e for sc in s.subcolumns + s.more_columns for e in sc.entries]:
            if e.doc and not e.doc.title:
                e.doc.title = e.title
    return sites


def _news(title, date):
    return Entry(title, date, None, notice="本网讯：" + title + "。会议总结了上一年度工作，部署了本年度重点任务。")


def variant_sites() -> list[Site]:
    """Sites whose list markup, pager and title wording vary independently of their CMS family
    (samples.portal.markup), with everything the shared replays show: a pager inside the list,
    links opened twice, table rows, a document.write pager with its rendered output, sub-columns by
    year and by kind of body, side menus naming the column like a report, 更多 links, look-alikes
    (报表, 预算, 决算, 指南, 解读, news with 年度), reports from before the 2019 tables, lists behind
    jpaas and IGS APIs. Reports of other bodies are republished copies (转载)."""
    court = _doc("zhecheng-court-2017.html", 2017, "柘城县人民法院", "411424", "")
    forestry = _doc("jilin-forestry-2018.html", 2018, "吉林市林业局", "220200", "", "2202000006")
    return [
        Site("zcx", "static", "411424", "柘城县人民政府", [
            Entry("柘城县人民法院 2017年政府信息公开工作年度报告", "2018-03-27", court),
            _notice("关于做好2018年度政府信息公开工作年度报告编制工作的通知", "2018-01-05"),
            Entry("武汉市生态环境局 2020年信息与政务公开工作报告（转载）", "2021-02-01",
                  _copy("wuhan-eeb-2020-traditional-partial.txt", 2020, "武汉市生态环境局", "420100", "4201000001")),
            _guide("柘城县人民政府", "2017-06-01"),
            Entry("平潭综合实验区2019年政府信息公开工作报告（转载）", "2020-01-25",
                  _copy("pingtan-2019.html", 2019, PT, "359000")),
            Entry("2017年度柘城县政府网站工作年度报表", "2018-01-20", None, notice="网站年度报表：总访问量……"),
        ], cms="empirecms", markup="ul_pager_inside", pager="html_empire", per_page=3, side_menu=True,
            subcolumns=[SubColumn("部门年报", "bmnb", [
                Entry("柘城县人民法院 2017年政府信息公开工作年度报告", "2018-03-27", court)])],
            xxgk_word="信息公开", column_word="信息公开年报"),
        Site("lyj", "static", "220200", "吉林市林业局", [
            Entry("吉林市林业局2021年预算公开", "2021-02-26", None, notice="部门预算公开：收入预算、支出预算……"),
            Entry("2020年度吉林市林业局政府网站工作年度报表", "2021-01-08", None, notice="政府网站工作年度报表……"),
            Entry("吉林市林业局2018年度决算公开", "2019-08-01", None, dead=True),
            Entry("乐清市教育局2021年政务公开报告（转载）", "2022-01-30",
                  _copy("003_1ccb1d8209286b28.txt", 2021, "乐清市教育局", "330382", "3303820001")),
            Entry("市林业局2018年政务公开年度报告", "2018-12-24", forestry),
            Entry("提案议案办理结果公开", "2018-12-24", None, notice="建议提案办理结果……"),
            Entry("二〇二三年昆明市西山区教育体育局政府信息公开工作年度报告（转载）", "2024-01-15",
                  _copy("002_1470c6164cb70c53.txt", 2023, "昆明市西山区教育体育局", "530112", "5301120001")),
            Entry("吉林市林业局政府信息公开指南", "2017-08-16", None, notice="本指南……受理机构、办公时间……"),
        ], cms="trs", markup="double_a", pager="Pager", per_page=4, column_word="年度报告"),
        Site("egb", "static", "150600", "鄂尔多斯市恩格贝生态示范区管委会", [
            Entry("平潭综合实验区2019年度政府信息公开工作年度报告（文本版，转载）", "2020-09-03",
                  _copy("pingtan-2019-textdump.txt", 2019, PT, "359000", "3590000001")),
            _news("恩格贝生态示范区召开2020年度工作会暨党风廉政建设会议", "2020-05-06"),
            Entry("新华区教育局2024年政府信息公开工作年度报告（转载）", "2025-01-12",
                  _copy("004_b949586da4e36afb.txt", 2024, "新华区教育局", "410402", "1301050001")),
            _news("一图读懂示范区2017年重点工作", "2018-05-25"),
            Entry("平潭综合实验区2021年度政府信息公开工作年度报告", "2022-01-22",
                  _copy("pingtan-2021.html", 2021, PT, "359000")),
            _news("恩格贝生态示范区：栽下梧桐引凤来", "2018-11-02"),
        ], cms="trs", markup="table", pager="countPage_rendered", per_page=4, side_menu=True),
        Site("zichuan", "static", "370302", "淄博市淄川区人民政府", [
            Entry("岳阳楼区教育局二〇二三年政府信息公开年度报告（转载）", "2024-01-05",
                  _copy("000_e865654a7cdf3aef.txt", 2023, "岳阳楼区教育局", "430602", "4306020001")),
            _notice("关于做好2023年度政府信息公开工作年度报告编制发布工作的通知", "2023-12-01"),
            Entry("关于公布西咸新区太平镇2022年政府信息公开工作年度报告的通知", "2023-01-31",
                  _copy("xixian-taiping-2022-partial.txt", 2022, "西咸新区太平镇人民政府", "610118", "6101180001")),
            Entry("淄川区2022年政务公开工作要点", "2022-04-01", None, notice="工作要点：一、……"),
            Entry("华龙区教育局2020年政府信息公开工作年度报告（转载）", "2021-01-20",
                  _copy("001_4b9b066e761ef3f1.txt", 2020, "华龙区教育局", "410902", "4109020001")),
            Entry("《2022年政府信息公开工作年度报告》解读", "2023-02-02", None, notice="解读：……"),
        ], cms="dedecms", markup="dl", pager="html_dede", xxgk_word="政务公开"),
        Site("shihe", "static", "411502", "信阳市浉河区人民政府", [
            Entry("平潭综合实验区管委会办公室2025年政府信息公开工作年度报告（图片版，转载）", "2026-01-18",
                  _copy("pingtan-2025-textdump.txt", 2025, PTO, "359000", "3590000001")),
            Entry("浉河区2024年部门预算公开", "2024-02-01", None, notice="部门预算……"),
            Entry("深圳市龙岗区某局2024年政府信息公开工作年度报告（转载）", "2025-01-16",
                  _copy("longgang-dept-2024-partial.txt", 2024, "深圳市龙岗区某局", "440307", "4403070001")),
            Entry("浉河区政府信息公开目录", "2019-03-01", None, notice="政府信息公开目录……"),
            Entry("平潭综合实验区管委会办公室政府信息公开工作2023年度报告（转载）", "2024-01-22",
                  _copy("pingtan-2023-textdump.txt", 2023, PTO, "359000", "3590000001")),
        ], cms="jeecms", markup="div", pager="next_only", side_menu=True, column_word="政府信息公开工作年度报告"),
        Site("anhua", "static", "430923", "安化县人民政府", [
            Entry("上海市人民政府办公厅2019年度信息与政务公开工作报告（转载）", "2020-02-10",
                  _copy("shanghai-office-2019.html", 2019, "上海市人民政府办公厅", "310000", "3100000001")),
            _guide("安化县人民政府", "2020-03-01"),
            Entry("2021年度政府信息公开工作年度报告", "2022-01-26",
                  _copy("pingtan-2021-textdump.txt", 2021, PT, "359000", "3590000001")),
            _notice("关于开展2021年度政府信息公开工作考核的通知", "2021-11-02"),
            Entry("上海市科学技术委员会 2024年政府信息公开工作年度报告（转载）", "2025-01-25",
                  _copy("shanghai-stc-2024-pdftext.txt", 2024, "上海市科学技术委员会", "310000", "3100000001")),
        ], cms="aspnet", markup="br", pager="html_query"),
        Site("lishui", "static", "331102", "丽水市莲都区人民政府", [], cms="trs", markup="ul", pager="createPageHTML0",
             per_page=1, subcolumns=[
                 SubColumn("2025年度", "gknb2025", [
                     Entry("平潭综合实验区管委会办公室政府信息公开工作2025年度报告（转载）", "2026-01-15",
                           _copy("pingtan-2025.html", 2025, PTO, "359000")),
                     _notice("关于报送2025年度政府信息公开工作年度报告的通知", "2025-12-10")], pager="countPage"),
                 SubColumn("2024年度", "gknb2024", [
                     Entry("新华区教育局2024年政府信息公开工作年度报告（转载）", "2025-01-11",
                           _copy("004_b949586da4e36afb.txt", 2024, "新华区教育局", "410402", "1301050001")),
                     _notice("关于做好2024年度政府信息公开工作年度报告编制工作的通知", "2024-12-02")],
                     markup="div", pager="html_trs"),
                 SubColumn("2023年度", "gknb2023", [
                     Entry("平潭综合实验区管委会办公室2023年政府信息公开工作年度报告（转载）", "2024-01-19",
                           _copy("pingtan-2023.html", 2023, PTO, "359000")),
                     _guide("丽水市莲都区人民政府", "2023-03-01")], markup="dl", pager="createPageHTML1")],
             more_columns=[SubColumn("部门政府信息公开年报", "bmnb", markup="blocks", pager="vsb", entries=[
                 Entry("华龙区教育局2020年政府信息公开工作年度报告（转载）", "2021-01-19",
                       _copy("001_4b9b066e761ef3f1.txt", 2020, "华龙区教育局", "410902", "4109020001")),
                 _guide("丽水市莲都区教育局", "2021-03-01"),
                 Entry("乐清市教育局2021年政府信息公开工作年度报告（转载）", "2022-01-28",
                       _copy("003_1ccb1d8209286b28.txt", 2021, "乐清市教育局", "330382", "3303820001"))])],
             column_word="信息公开年报"),
        Site("lucheng", "jpaas", "330302", "温州市鹿城区人民政府", [
            Entry("岳阳楼区教育局2023年政府信息公开年度报告（转载）", "2024-01-03",
                  _copy("000_e865654a7cdf3aef.txt", 2023, "岳阳楼区教育局", "430602", "4306020001")),
            _guide("温州市鹿城区人民政府", "2023-03-01"),
            Entry("西咸新区太平镇人民政府2022年政府信息公开工作年度报告（转载）", "2023-01-29",
                  _copy("xixian-taiping-2022-partial.txt", 2022, "西咸新区太平镇人民政府", "610118", "6101180001")),
            Entry("武汉市生态环境局2020年政府信息公开工作年度报告（转载）", "2021-01-30",
                  _copy("wuhan-eeb-2020-traditional-partial.txt", 2020, "武汉市生态环境局", "420100", "4201000001")),
        ], cms="jpaas"),
        Site("hbly", "igs", "420000", "湖北省林业局", [
            Entry("华龙区教育局2020年政府信息公开工作年度报告（转载）", "2021-01-21",
                  _copy("001_4b9b066e761ef3f1.txt", 2020, "华龙区教育局", "410902", "4109020001")),
            Entry("湖北省林业局2022年度政府信息公开工作年度报告解读", "2023-01-30", None, notice="解读……"),
            Entry("昆明市西山区教育体育局2023年政府信息公开工作年度报告（转载）", "2024-01-13",
                  _copy("002_1470c6164cb70c53.txt", 2023, "昆明市西山区教育体育局", "530112", "5301120001")),
            Entry("新华区教育局2024年政府信息公开工作年度报告（转载）", "2025-01-13",
                  _copy("004_b949586da4e36afb.txt", 2024, "新华区教育局", "410402", "1301050001")),
        ], cms="igs", xxgk_word="政务公开", column_word="年度报告"),
    ]


# --------------------------------------------------------------------------------------------
# Page chrome
# --------------------------------------------------------------------------------------------


def _head(site: Site, title: str, extra_meta: str = "") -> str:
    cs = {"utf-8": '<meta charset="utf-8">',
          "gb2312": '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">',
          "none": ""}[site.charset]
    return (
        f"<!DOCTYPE html>\n<html><head>{cs}\n<title>{html.escape(title)}_{html.escape(site.site_name)}</title>\n"
        f'<meta name="SiteName" content="{html.escape(site.site_name)}">\n'
        f'<meta name="SiteDomain" content="www.{site.name}.gov.cn">\n{extra_meta}'
        '<link rel="stylesheet" href="/css/common.css">\n'
        '<script src="/js/jquery.min.js"></script>' + _CMS_HEAD.get(site.family or "", "") + '</head>\n<body>\n'
        f'<div class="header"><div class="logo">{html.escape(site.site_name)}</div>'
        f'<div class="nav"><a href="{site.home}">首页</a> <a href="{site.xxgk}">{site.xxgk_word}</a> '
        '<a href="#">政务服务</a> <a href="#">互动交流</a> <a href="#">走进本地</a></div>'
        '<div class="search"><form action="/search/" method="get"><input name="q"><button>搜索</button></form></div></div>\n'
    )


def _foot(site: Site) -> str:
    return (
        '\n<div class="footer"><p>主办单位：' + html.escape(site.site_name) + '办公室　'
        '网站标识码：' + site.region + '0001　ICP备案：闽ICP备00000000号　公网安备 00000000000000号</p>'
        '<p><a href="#">网站地图</a> | <a href="#">联系我们</a> | <a href="#">隐私声明</a></p></div>\n'
        '<script>var _hmt=_hmt||[];</script></body></html>\n'
    )


def _crumbs(site: Site, column: str = "政府信息公开年报") -> str:
    cls = ' class="CurrChnlCls"' if site.build == "static" and site.family == "trs" else ""  # TRS channel links
    return (f'<div class="crumbs">当前位置：<a href="{site.home}"{cls}>首页</a> &gt; '
            f'<a href="{site.xxgk}"{cls}>政府信息公开</a> &gt; <span>{column}</span></div>\n')


# What pages of each CMS family carry whatever their list looks like (scripts, forms), as real ones do.
_CMS_HEAD = {
    "vsb": '<script language="javascript" src="/system/resource/js/dynclicks.js"></script>',
    "empirecms": '<form name="searchform" method="post" action="/e/search/index.php"></form>',
    "dedecms": '<form action="/plus/search.php" name="formsearch"></form>',
    "jeecms": '<script src="/r/cms/www/red/js/common.js" type="text/javascript"></script>',
    "aspnet": '<form method="post" id="form1"><input type="hidden" name="__VIEWSTATE" value="/wEPDwUKMTY1NDU2MTA1MmRk"></form>',
}


def _expected(site: Site, markup: str, pager: str, names: list[str], n: int, chunk: list[Entry], entries: list[Entry],
              subs: list[tuple[str, str]], column: str, paths: list[str]) -> dict:
    """What the generic readers must find on page `n` of a static list (samples/portal/saved.py)."""
    total = len(names)
    if pager in ("createPageHTML0", "createPageHTML1", "Pager", "countPage", "countPage_rendered") or n == 0:
        further = [x for i, x in enumerate(names) if i != n]  # a script names them all; a first page's 尾页 too
    else:
        further = None  # a window of an HTML pager: not saved
    if pager == "next_only":
        further = names[n + 1:n + 2]
    records = len(entries) if pager in ("html_empire", "html_query", "createPageHTML1", "vsb") else None
    pages = total if pager in ("createPageHTML0", "createPageHTML1", "Pager", "countPage", "countPage_rendered",
                               "html_query") else None
    if not entries:  # a column that only lists its sub-columns has no pager
        further, records, pages = [], None, None
    return {"site": site.name, "n": n, "family": site.family, "markup": markup, "pager": pager, "column": column,
            "reports": [p for e, p in zip(chunk, paths) if e.doc and not e.dead],
            "others": [p for e, p in zip(chunk, paths) if not e.doc and not e.dead],
            "subcolumns": [p for _t, p in subs if p != names[n]] if not entries or site.side_menu else [],
            "pages": further,
            "declared_records": records, "declared_pages": pages}


def column_rel(here: str, there: str) -> str:
    """A relative href from page `here` to page `there` on the same site."""
    a, b = here.split("/")[:-1], there.split("/")
    i = 0
    while i < len(a) and i < len(b) - 1 and a[i] == b[i]:
        i += 1
    return "../" * (len(a) - i) + "/".join(b[i:]) or "./"


def _encode(site: Site, text: str) -> bytes:
    if site.charset == "utf-8":
        return text.encode("utf-8")
    return text.encode(GB, errors="xmlcharrefreplace")


def _html_ctype(site: Site) -> str:
    return "text/html; charset=utf-8" if site.charset == "utf-8" else "text/html"


def _meta_block(site: Site, doc: Doc | None, title: str, date: str, idx: int) -> str:
    org = doc.agency if doc else site.site_name
    return (
        '<table class="xxgk_table"><tr><td>索引号：</td><td>' f"{site.region}00-{date[:4]}-{idx:05d}"
        '</td><td>发布机构：</td><td>' + html.escape(org) + '</td></tr>'
        '<tr><td>成文日期：</td><td>' + date + '</td><td>公开方式：</td><td>主动公开</td></tr>'
        '<tr><td>文　　号：</td><td></td><td>主题分类：</td><td>政务公开</td></tr>'
        '<tr><td>名　　称：</td><td colspan="3">' + html.escape(title) + '</td></tr></table>\n'
    )


def _share() -> str:
    return ('<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a> <a href="#">QQ空间</a>　'
            '字号：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a>　'
            '<a href="javascript:window.print()">打印本页</a> <a href="javascript:window.close()">关闭窗口</a></div>\n')


def _detail_meta(site: Site, title: str, date: str, sid: str | None) -> str:
    m = (f'<meta name="ColumnName" content="政府信息公开年报">\n'
         f'<meta name="ArticleTitle" content="{html.escape(title)}">\n'
         f'<meta name="PubDate" content="{date} 10:21">\n'
         f'<meta name="ContentSource" content="{html.escape(site.site_name)}">\n')
    if sid:
        m = f'<meta name="SiteIDCode" content="{sid}">\n' + m
    return m


_CONTAINER = {
    "trs": ('<div class="TRS_Editor">', "</div>"),
    "empirecms": ('<div class="content_article" id="zoomcon">', "</div>"),
    "dedecms": ('<div class="content">', "</div>"),
    "jeecms": ('<div class="article-content">', "</div>"),
    "aspnet": ('<div id="zoom">', "</div>"),
    "jpaas": ('<div id="zoom">', "</div>"),
    "igs": ('<div class="trs_editor_view">', "</div>"),
    None: ('<div class="article-content">', "</div>"),
    "trs_classic": ('<div class="TRS_Editor">', "</div>"),
    "trs_newer": ('<div class="trs_editor_view">', "</div>"),
    "hanweb": ("<div id=\"zoom\"><!--ZJEG_RSS.content.begin-->", "<!--ZJEG_RSS.content.end--></div>"),
    "gkmlpt": ('<div class="article-content">', "</div>"),
    "vsb": ('<div id="vsb_content"><div class="v_news_content">', "</div></div>"),
    "jslist": ('<div class="article-content">', "</div>"),
}


def detail_page(site: Site, title: str, date: str, idx: int, inner: str, doc: Doc | None,
                sid: str | None) -> str:
    a, b = _CONTAINER[site.build] if site.build in _CONTAINER else _CONTAINER[site.family]
    return (
        _head(site, title, _detail_meta(site, title, date, sid))
        + _crumbs(site)
        + '<div class="article"><h1 class="title">' + html.escape(title) + "</h1>\n"
        + f'<div class="info">发布时间：{date}　来源：{html.escape(site.site_name)}　浏览次数：<span id="hits">0</span></div>\n'
        + _meta_block(site, doc, title, date, idx)
        + a + inner + b + "\n" + _share() + "</div>" + _foot(site)
    )


# --------------------------------------------------------------------------------------------
# The portal: every page rendered up front; a few endpoints are dynamic
# --------------------------------------------------------------------------------------------


def _id(*parts) -> int:
    return int(hashlib.sha1("/".join(map(str, parts)).encode()).hexdigest()[:7], 16)


class Portal:
    def __init__(self) -> None:
        self.sites = build_sites()
        self.pages: dict[str, Resp] = {}
        self.reports: list[dict] = []  # the truth
        self.jpage: dict[str, dict] = {}  # hanweb column state
        self.gkmlpt: dict[str, list] = {}
        self.jpaas: dict[str, dict] = {}
        self.igs: dict[str, dict] = {}
        self.list_info: dict[str, dict] = {}  # static list pages: what a reader must find on each (saved.py)
        self.challenge_prefixes: list[str] = []
        self.softblock_once: set[str] = set()
        self.referer_required: set[str] = set()
        self.disallowed: list[str] = []
        self.log: list[dict] = []
        self.log_lock = threading.Lock()
        # Conditional requests: every 200 GET carries an ETag (hash of the bytes) and a
        # Last-Modified (portal start, or the time a page was revised); If-None-Match /
        # If-Modified-Since that still hold get 304. `delay` slows every request (tests).
        self.started = int(time.time()) - 86400
        self.modified: dict[str, int] = {}
        self.delay = 0.0
        self.slow: dict[str, float] = {}  # path prefix -> seconds more for each request under it (tests)
        for s in self.sites:
            getattr(self, "_build_" + s.build)(s)
            self._build_home(s)
        self._robots()

    # ---- helpers ------------------------------------------------------------------------
    def _put(self, path: str, resp: Resp) -> None:
        self.pages[path] = resp

    def _report(self, site: Site, doc: Doc, url_path: str, detail_path: str) -> None:
        body = self.pages[url_path].body
        self.reports.append({
            "site": site.name, "url": url_path, "detail": detail_path, "file": doc.file,
            "gold": doc.gold, "year": doc.year, "agency": doc.agency, "region_code": doc.region,
            "sha256": hashlib.sha256(body).hexdigest(), "family": site.family,
        })

    def _publish(self, site: Site, e: Entry, detail_path: str, idx: int) -> None:
        """Detail page (and attachment) of one entry at detail_path (once: an entry listed in two
        columns has one page)."""
        title, date = e.title, e.date
        if detail_path in self.pages:
            return
        if e.doc is None:
            inner = "<p>" + html.escape(e.notice or "") + "</p>"
            self._put(detail_path, Resp(200, _html_ctype(site),
                                        _encode(site, detail_page(site, title, date, idx, inner, None, None))))
            return
        doc = e.doc
        raw = (DOCS / doc.file).read_bytes()
        base = detail_path.rsplit("/", 1)[0]
        if doc.copy and doc.file.endswith(".txt"):  # a republished copy: the same text, not the same bytes
            raw += b"\n" * (1 + _id(site.name) % 7)
        if doc.file.endswith(".html") and raw.lstrip()[:15].lower().startswith((b"<!doctype", b"<html")):
            # a full portal page: served as it is (re-encoded for GBK sites)
            text = raw.decode("utf-8")
            if doc.copy:
                text = text.replace("</body>", f"<!-- 转载：{site.site_name} -->\n</body>", 1)
            if site.charset != "utf-8":
                text = re.sub(r'<meta charset="utf-8"[^>]*>',
                              '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
                              if site.charset == "gb2312" else "", text, count=1)
            self._put(detail_path, Resp(200, _html_ctype(site), _encode(site, text)))
            self._report(site, doc, detail_path, detail_path)
        elif doc.file.endswith(".html"):
            # an article fragment: the detail page is the report
            inner = raw.decode("utf-8")
            page = detail_page(site, title, date, idx, inner, doc, doc.site_id_code)
            self._put(detail_path, Resp(200, _html_ctype(site), _encode(site, page)))
            self._report(site, doc, detail_path, detail_path)
        else:
            # the report is an attachment of a short detail page
            ext = doc.file.rsplit(".", 1)[1]
            if ext == "txt":
                if site.charset == "utf-8":
                    body, ctype = raw, "text/plain; charset=utf-8"
                else:
                    body = raw.decode("utf-8").encode(GB)
                    ctype = "text/plain; charset=GBK" if site.charset == "gb2312" else "text/plain"
            else:
                body, ctype = raw, "application/pdf"
            fname = f"P0{date.replace('-', '')}{_id(site.name, doc.file) % 10**9:09d}.{ext}"
            if site.build == "hanweb":
                hexname = hashlib.md5(doc.file.encode()).hexdigest()
                att_path = f"/{site.name}/attach/0/{hexname}.{ext}"
                link_path = f"/{site.name}/module/download/downfile.jsp?classid=0&filename={hexname}.{ext}"
                self._put(link_path, Resp(302, None, b"", {"Location": att_path}))
                self.referer_required.add(att_path)
                link = (f'<a href="{html.escape(link_path)}" target="_blank">'
                        f"{html.escape(title)}.{ext}</a>")
            elif site.family == "vsb":
                att_path = f"/{site.name}/__local/9/8A/0F/{fname}"
                link = f'<a href="{att_path}">{html.escape(title)}.{ext}</a>'
            elif site.family not in ("trs", None):
                folder = "d/file/" + date if site.family == "empirecms" else "uploads/" + date[:7]
                att_path = f"/{site.name}/{folder}/{fname}"
                link = f'<a href="{att_path}" target="_blank">{html.escape(title)}.{ext}</a>'
            else:
                att_path = f"{base}/{fname}"
                link = (f'<a appendix="true" href="./{fname}" OLDSRC="/protect/P0{date[:7].replace("-", "")}/{fname}">'
                        f"{html.escape(title)}.{ext}</a>")
            self._put(att_path, Resp(200, ctype, body))
            inner = (f"<p>现将《{html.escape(title)}》予以公布。</p>"
                     f'<p class="fj">附件：{link}</p>')
            page = detail_page(site, title, date, idx, inner, doc, doc.site_id_code)
            self._put(detail_path, Resp(200, _html_ctype(site), _encode(site, page)))
            self._report(site, doc, att_path, detail_path)

    def revise(self, url_path: str, note: str = "（本报告已更正）", list_date: str | None = None) -> dict:
        """Publish a corrected version of a report at the same URL: its bytes change (a note is
        added), so do its ETag and Last-Modified; with list_date, the list line shows the new date
        (as portals do for a re-published report). Returns the report's updated truth."""
        rep = next(r for r in self.reports if r["url"] == url_path)
        site = next(s for s in self.sites if s.name == rep["site"])
        old = self.pages[url_path]
        if (old.ctype or "").startswith("text/html"):
            body = old.body.replace(b"</body>", _encode(site, f"<p>{html.escape(note)}</p>") + b"</body>", 1)
        else:
            body = old.body + _encode(site, "\n" + note + "\n")
        self.pages[url_path] = Resp(old.status, old.ctype, body, dict(old.headers))
        now = int(time.time())
        self.modified[url_path] = max(now, self.modified.get(url_path, self.started) + 1)
        rep["sha256"] = hashlib.sha256(body).hexdigest()
        if list_date:
            entry = next(e for e in site.entries if e.doc and e.doc.file == rep["file"])
            line = _encode(site, f"{html.escape(entry.title)}</a><span>{entry.date}</span>")
            new_line = _encode(site, f"{html.escape(entry.title)}</a><span>{list_date}</span>")
            for path, r in list(self.pages.items()):
                if line in r.body:
                    self.pages[path] = Resp(r.status, r.ctype, r.body.replace(line, new_line), dict(r.headers))
                    self.modified[path] = self.modified[url_path]
            entry.date = list_date
        return rep

    def validators(self, path: str, body: bytes) -> tuple[str, str]:
        """(ETag, Last-Modified) of a page."""
        from email.utils import formatdate

        etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
        return etag, formatdate(self.modified.get(path, self.started), usegmt=True)

    def _li(self, href: str, e: Entry) -> str:
        return (f'<li><a href="{html.escape(href)}" title="{html.escape(e.title)}" target="_blank">'
                f"{html.escape(e.title)}</a><span>{e.date}</span></li>")

    def _list_page(self, site: Site, column: str, items: str, pager: str, extra_head: str = "") -> bytes:
        page = (_head(site, column, extra_head) + _crumbs(site, column)
                + f'<div class="list-title">{column}</div>\n<div class="list"><ul class="list-ul">\n'
                + items + "\n</ul></div>\n" + pager + _foot(site))
        return _encode(site, page)

    # ---- TRS classic: createPageHTML(n, cur, "index", "html"), 0-based index_N.html --------
    def _build_trs_classic(self, site: Site) -> None:
        col = f"/{site.name}/zwgk/zfxxgknb/"
        per = 2
        pages = [site.entries[i:i + per] for i in range(0, len(site.entries), per)]
        for n, chunk in enumerate(pages):
            lis = []
            for k, e in enumerate(chunk):
                idx = n * per + k
                folder = (e.doc.folder if e.doc and e.doc.folder else e.date[:7].replace("-", ""))
                art = f"t{e.date.replace('-', '')}_{_id(site.name, e.title) % 10**7}.html"
                if e.disallowed:
                    path = f"/{site.name}/private/{folder}/{art}"
                    self.disallowed.append(f"/{site.name}/private/")
                    self._publish(site, e, path, idx)
                    lis.append(self._li(path, e))
                    continue
                path = f"{col}{folder}/{art}"
                self._publish(site, e, path, idx)
                if e.shell:
                    shell = f"{col}{folder}/t{e.date.replace('-', '')}_{_id('shell', e.title) % 10**7}.html"
                    self._put(shell, Resp(200, "text/html", (
                        f'<html><head><script>location.replace("{path}");</script></head><body></body></html>'
                    ).encode()))
                    lis.append(self._li("./" + shell[len(col):], e))
                else:
                    lis.append(self._li("./" + path[len(col):], e))
            pager = ('<div class="page"><script language="JavaScript">\n'
                     f'var currentPage = {n};//所在页从0开始\nvar countPage = {len(pages)}//共多少页数\n'
                     f'createPageHTML({len(pages)}, {n}, "index", "html");\n</script></div>\n')
            name = "index.html" if n == 0 else f"index_{n}.html"
            self._put(col + name, Resp(200, _html_ctype(site), self._list_page(site, "政府信息公开年报", "\n".join(lis), pager)))
        self._put(col, self.pages[col + "index.html"])
        site.columns.append(col + "index.html")

    # ---- TRS newer: createPageHTML('page_div', n, cur, 'list', 'shtml', count), 1-based ---
    def _build_trs_newer(self, site: Site) -> None:
        col = f"/{site.name}/zfxxgk/zfxxgknb/"
        per = 2
        pages = [site.entries[i:i + per] for i in range(0, len(site.entries), per)]
        for n, chunk in enumerate(pages, start=1):
            lis = []
            for k, e in enumerate(chunk):
                folder = e.doc.folder if e.doc and e.doc.folder else f"{e.date[:4]}n"
                path = f"{col}{folder}/{e.date.replace('-', '')}/{_id(site.name, e.title):x}.shtml"
                self._publish(site, e, path, n * 10 + k)
                lis.append(self._li(path, e))
            pager = ('<div id="page_div"></div><script type="text/javascript">\n'
                     f"createPageHTML('page_div', {len(pages)}, {n}, 'list', 'shtml', {len(site.entries)});\n</script>\n")
            name = "list.shtml" if n == 1 else f"list_{n}.shtml"
            self._put(col + name, Resp(200, _html_ctype(site), self._list_page(site, "政府信息公开年报", "\n".join(lis), pager)))
        site.columns.append(col + "list.shtml")
        if site.name == "ruishu":
            self.challenge_prefixes.append(col)  # every detail page under the column
        if site.name == "shanghai":
            first = next(e for e in site.entries if e.doc)
            for r in self.reports:
                if r["site"] == site.name and r["file"] == first.doc.file:
                    self.softblock_once.add(r["detail"])

    # ---- Hanweb jpage: inline <datastore> + dataproxy.jsp POST --------------------------
    def _build_hanweb(self, site: Site) -> None:
        colid, webid, unitid = "1229038691", "3197", "7234561"
        records = []
        for k, e in enumerate(site.entries):
            d = e.date.split("-")
            path = f"/{site.name}/art/{int(d[0])}/{int(d[1])}/{int(d[2])}/art_{colid}_{_id(site.name, e.title) % 10**7}.html"
            self._publish(site, e, path, k)
            records.append(f"<li><a href='{path}' title='{e.title}' target='_blank'>{e.title}</a><span>{e.date}</span></li>")
        per_inline = 2
        self.jpage[site.name] = {"col": colid, "webid": webid, "unitid": unitid, "records": records}
        ds = self._datastore(records[:per_inline], len(records))
        col_page = (
            f'<div id="{unitid}"><script type="text/xml">{ds}</script>\n'
            '<script language="javascript" src="/module/jslib/jquery/jpage/dataproxy.js"></script>\n'
            f'<script>$(document).ready(function(){{$("#{unitid}").jpage({{dataStore:$("#{unitid} script")[0],'
            f'perPage:20,totalRecord:{len(records)},proxyUrl:"/{site.name}/module/web/jpage/dataproxy.jsp",'
            f'webid:"{webid}",path:"/",columnid:"{colid}",sourceContentType:"1",unitid:"{unitid}",'
            f'webname:"{site.site_name}",permissiontype:"0",groupSize:"3"}});}});</script></div>'
        )
        page = (_head(site, "政府信息公开年报") + _crumbs(site)
                + '<div class="list-title">政府信息公开年报</div>\n' + col_page + _foot(site))
        self._put(f"/{site.name}/col/col{colid}/index.html", Resp(200, _html_ctype(site), _encode(site, page)))
        site.columns.append(f"/{site.name}/col/col{colid}/index.html")

    @staticmethod
    def _datastore(records: list[str], total: int) -> str:
        recs = "".join(f"<record><![CDATA[\n{r}\n]]></record>" for r in records)
        return (f"<datastore><nextgroup><![CDATA[<a href=\"/module/web/jpage/dataproxy.jsp?page=1\"></a>]]></nextgroup>"
                f"<recordset>{recs}</recordset><totalrecord>{total}</totalrecord></datastore>")

    # ---- gkmlpt: window._CONFIG + JSON API ---------------------------------------------
    def _build_gkmlpt(self, site: Site) -> None:
        cat, sid = 2155, "755039"
        arts = []
        for k, e in enumerate(site.entries):
            pid = 2155000 + _id(site.name, e.title) % 100000
            path = f"/{site.name}/gkmlpt/content/2/{cat}/post_{pid}.html"
            self._publish(site, e, path, k)
            arts.append({"id": pid, "title": e.title, "url": path, "publisher": site.site_name,
                         "display_publish_time": int(time.mktime(time.strptime(e.date, "%Y-%m-%d"))),
                         "create_time": int(time.mktime(time.strptime(e.date, "%Y-%m-%d")))})
        self.gkmlpt[site.name] = [cat, sid, arts]
        page = (_head(site, "政府信息公开年报",
                      f"<script>window._CONFIG = {{SID:'{sid}', DOMAIN:'', IS_SEARCH:0}};</script>\n")
                + _crumbs(site) + '<div id="app" data-cat="' + str(cat)
                + '"><div class="loading">正在加载……</div></div>\n'
                + '<script src="/gkmlpt/static/js/app.js"></script>' + _foot(site))
        self._put(f"/{site.name}/gkmlpt/index", Resp(200, _html_ctype(site), _encode(site, page)))
        site.columns.append(f"/{site.name}/gkmlpt/index")

    # ---- VSB: count-down pagination ----------------------------------------------------
    def _build_vsb(self, site: Site) -> None:
        per = 2
        pages = [site.entries[i:i + per] for i in range(0, len(site.entries), per)]
        total = len(pages)
        base = f"/{site.name}/xxgk/xxgknb"

        def page_path(n: int) -> str:  # n: 1-based display page
            return f"{base}.htm" if n == 1 else f"{base}/{total - n + 1}.htm"

        for n, chunk in enumerate(pages, start=1):
            lis = []
            for k, e in enumerate(chunk):
                path = f"/{site.name}/info/1308/{25000 + _id(site.name, e.title) % 1000}.htm"
                self._publish(site, e, path, n * 10 + k)
                rel = ("../info/1308/" if n == 1 else "../../info/1308/") + path.rsplit("/", 1)[1]
                lis.append(self._li(rel, e))
            nav = [f"共{len(site.entries)}条&nbsp;&nbsp;{n}/{total}&nbsp;"]
            def rel_to(m):
                target = page_path(m)
                if n == 1:
                    return target.split("/xxgk/", 1)[1]
                return "../" + target.split("/xxgk/", 1)[1] if m == 1 else target.rsplit("/", 1)[1]
            if n > 1:
                nav.append(f'<a href="{rel_to(1)}" class="Next">首页</a>')
                nav.append(f'<a href="{rel_to(n - 1)}" class="Next">上页</a>')
            if n < total:
                nav.append(f'<a href="{rel_to(n + 1)}" class="Next">下页</a>')
                nav.append(f'<a href="{rel_to(total)}" class="Next">尾页</a>')
            pager = '<table><tr><td><span class="p_pages">' + " ".join(nav) + "</span></td></tr></table>\n"
            self._put(page_path(n), Resp(200, _html_ctype(site), self._list_page(site, "信息公开年报", "\n".join(lis), pager)))
        site.columns.append(page_path(1))

    # ---- JS-only list: nothing in the HTML, the list is decoded and drawn by script ----
    def _build_jslist(self, site: Site) -> None:
        col = f"/{site.name}/gkml/nb/"
        items = []
        for k, e in enumerate(site.entries):
            path = f"{col}content/post_{_id(site.name, e.title) % 10**6}.html"
            self._publish(site, e, path, k)
            items.append({"t": e.title, "u": path, "d": e.date})
        blob = base64.b64encode(json.dumps(items, ensure_ascii=False).encode()).decode()
        script = (
            "<script>(function(){var _0x=['" + blob[::-1] + "'];"
            "var s=_0x[0].split('').reverse().join('');"
            "var data=JSON.parse(decodeURIComponent(escape(atob(s))));"
            "var ul=document.getElementById('list');"
            "data.forEach(function(r){var li=document.createElement('li');var a=document.createElement('a');"
            "a.href=r.u;a.title=r.t;a.textContent=r.t;li.appendChild(a);var sp=document.createElement('span');"
            "sp.textContent=r.d;li.appendChild(sp);ul.appendChild(li);});})();</script>"
        )
        page = (_head(site, "政府信息公开年报") + _crumbs(site)
                + '<div class="list-title">政府信息公开年报</div>\n<ul id="list" class="list-ul"></ul>\n'
                + '<noscript>请开启JavaScript以浏览本栏目</noscript>\n' + script + _foot(site))
        self._put(col + "index.html", Resp(200, _html_ctype(site), _encode(site, page)))
        site.columns.append(col + "index.html")

    # ---- static variants: any list markup with any pager, whatever the family ------------
    def _detail_path(self, site: Site, col: str, e: Entry) -> str:
        """Where a family keeps a detail page (PORTALS.md, "Detail URL shapes")."""
        d, n, fam = e.date.replace("-", ""), _id(site.name, e.title), site.family
        if fam == "trs":
            return f"{col}{d[:6]}/t{d}_{n % 10**7}.html"
        if fam == "empirecms":
            return f"{col}bmnb/{e.date}/{n % 10**4}.html"
        if fam == "dedecms":
            return f"/{site.name}/a/xxgk/{d[:4]}/{d[4:]}/{n % 10**4}.html"
        if fam == "jeecms":
            return f"/{site.name}/xxgk/nb/{n % 10**8}.jhtml"
        if fam == "aspnet":
            return f"/{site.name}/Item/{n % 10**5}.aspx"
        if fam == "vsb":
            return f"/{site.name}/info/1308/{n % 10**5}.htm"
        return f"/{site.name}/content/{d[:6]}/{n % 10**6}.html"

    def _side_menu(self, site: Site, here: str, column: str, subs: list[tuple[str, str]]) -> str:
        """A side menu as portals draw it: the column itself under a report-like name, its
        sub-columns, the neighbouring columns, a 更多 link."""
        items = [(column_rel(here, column), "信息公开年报")] + [(column_rel(here, p), t) for t, p in subs]
        items += [(f"/{site.name}/xxgk/xxgkzn/", "信息公开指南"), (f"/{site.name}/xxgk/ysqgk/", "依申请公开")]
        lis = "".join(f'<li><a href="{html.escape(h)}">{html.escape(t)}</a></li>' for h, t in items)
        return (f'<div class="sideBar"><div class="side-title">政府信息公开</div><ul class="sideMenu">{lis}</ul>'
                f'<div class="box"><h3>通知公告</h3><a class="more" href="/{site.name}/tzgg/index.html">更多&gt;&gt;</a>'
                "</div></div>\n")

    def _static_column(self, site: Site, col: str, entries: list[Entry], title: str, subs: list[tuple[str, str]],
                       stem: str, details: str | None = None, markup: str | None = None, pager: str | None = None) -> str:
        """The list pages of one column (`subs`: sub-columns listed in its body when it lists
        nothing itself, else in the side menu); returns the path of its first page."""
        from .markup import Line, lines_html, page_names, pager_html

        per, markup, pager = site.per_page, markup or site.markup, pager or site.pager
        chunks = [entries[i:i + per] for i in range(0, len(entries), per)] or [[]]
        names = page_names(pager, len(chunks), col, stem)
        first = names[0]
        for n, chunk in enumerate(chunks):
            lines = []
            for e in chunk:
                if e.dead:
                    lines.append(Line("javascript:;", e.title, e.date))
                    continue
                path = self._detail_path(site, details or col, e)
                self._publish(site, e, path, _id(path) % 1000)
                href = column_rel(names[n], path) if site.family in ("trs", "empirecms") else path
                lines.append(Line(href, e.title, e.date))
            body = lines_html(markup, lines, pager_html(pager, names, n, len(entries))) if entries else (
                '<ul class="subcolumns">' + "".join(f'<li><a href="{html.escape(column_rel(names[n], p))}">'
                                                    f"{html.escape(t)}</a></li>" for t, p in subs) + "</ul>\n")
            side = self._side_menu(site, names[n], first, subs if entries else []) if site.side_menu else ""
            page = (_head(site, title) + _crumbs(site, title) + side + f'<div class="list-title">{title}</div>\n'
                    + body + _foot(site))
            self._put(names[n], Resp(200, _html_ctype(site), _encode(site, page)))
            self.list_info[names[n]] = _expected(site, markup, pager, names, n, chunk, entries, subs, first,
                                                 [self._detail_path(site, details or col, e) for e in chunk])
        if first.endswith("/index.html"):
            self._put(first[:-len("index.html")], self.pages[first])
        return first

    def _build_static(self, site: Site) -> None:
        from .markup import page_names

        col = f"/{site.name}/xxgk/xxgknb/"
        subs = [(sc.title, page_names(sc.pager or site.pager, 1, col + sc.folder + "/", "")[0]) for sc in site.subcolumns]
        site.columns.append(self._static_column(site, col, site.entries, "政府信息公开年报", subs, "12"))
        for k, sc in enumerate(site.subcolumns):
            self._static_column(site, col + sc.folder + "/", sc.entries, sc.title, subs, str(13 + k), details=col,
                                markup=sc.markup, pager=sc.pager)
        for k, mc in enumerate(site.more_columns):
            site.columns.append(self._static_column(site, f"/{site.name}/xxgk/{mc.folder}/", mc.entries, mc.title, [],
                                                    str(20 + k), markup=mc.markup, pager=mc.pager))

    # ---- Hanweb jpaas: the column page holds the unit's ids; the list comes from a JSON API --
    def _build_jpaas(self, site: Site) -> None:
        page_id = str(1229000000 + _id(site.name) % 10**6)
        ids = {"webId": str(3000 + _id(site.name, "web") % 1000), "tplSetId": f"{_id(site.name, 'tpl'):x}pqK3",
               "pageId": page_id, "tagId": "信息列表"}
        items = []
        for e in site.entries:
            y, m, d = (int(x) for x in e.date.split("-"))
            path = f"/{site.name}/art/{y}/{m}/{d}/art_{page_id}_{_id(site.name, e.title) % 10**7}.html"
            self._publish(site, e, path, _id(path) % 1000)
            items.append(f'<li><a href="{path}" title="{html.escape(e.title)}" target="_blank">{html.escape(e.title)}'
                         f'</a><span class="date">{e.date}</span></li>')
        self.jpaas[site.name] = dict(ids, items=items, per=site.per_page)
        api = f"/{site.name}/api-gateway/jpaas-publish-server/front/page/build/unit"
        script = ("<script>var queryData = {" + ",".join(f'{k}:"{v}"' for k, v in ids.items())
                  + f',pageSize:{site.per_page}}};\n$.get("{api}", {{parseType:"bulidstatic", pageType:"column", '
                  'editType:"null", paramJson:JSON.stringify({pageNo:1,pageSize:queryData.pageSize})}, '
                  'function(r){$("#xxgk_list").html(r.data.html);});</script>\n')
        col = f"/{site.name}/col/col{page_id}/index.html"
        page = (_head(site, "政府信息公开年报") + _crumbs(site) + '<div class="list-title">政府信息公开年报</div>\n'
                + '<div id="xxgk_list"><div class="loading">正在加载……</div></div>\n' + script + _foot(site))
        self._put(col, Resp(200, _html_ctype(site), _encode(site, page)))
        site.columns.append(col)

    # ---- TRS IGS: the column page's script asks the search API for its list (JSON) -------
    def _build_igs(self, site: Site) -> None:
        content = []
        for e in site.entries:
            d = e.date.replace("-", "")
            path = f"/{site.name}/zfxxgk/fdzdgknr/ndbg/{d[:6]}/t{d}_{_id(site.name, e.title) % 10**7}.shtml"
            self._publish(site, e, path, _id(path) % 1000)
            content.append({"_id": str(_id(path)), "DOCTITLE": e.title, "DOCPUBURL": path, "PUBDATE": e.date + " 09:30:00",
                            "CHNLDESC": "年度报告"})
        self.igs[site.name] = {"index": f"{site.name}-index-alias", "siteId": "39", "content": content}
        url = (f"/{site.name}/igs/front/search/list.html?index={site.name}-index-alias&type=governmentdocuments"
               f"&pageSize={site.per_page}&siteId=39&filter[CHANNELID]=7766&orderProperty=PUBDATE&orderDirection=desc")
        col = f"/{site.name}/zfxxgk/fdzdgknr/ndbg/index.shtml"
        page = (_head(site, "年度报告") + _crumbs(site, "年度报告") + '<div class="list-title">年度报告</div>\n'
                + '<ul id="list"></ul><div id="page"></div>\n'
                + f'<script>var igsUrl = "{html.escape(url)}";\n$.getJSON(igsUrl + "&pageNumber=1", function(r){{'
                  'r.page.content.forEach(function(d){$("#list").append("<li><a href=\'"+d.DOCPUBURL+"\'>"+d.DOCTITLE'
                  '+"</a></li>");});});</script>\n' + _foot(site))
        self._put(col, Resp(200, _html_ctype(site), _encode(site, page)))
        site.columns.append(col)

    # ---- every site's home page and 信息公开 page (govreports discover starts there) -------
    def _build_home(self, site: Site) -> None:
        news = "".join(f'<li><a href="/{site.name}/ywdt/{k}.html">{html.escape(t)}</a><span>2024-0{k + 1}-15</span></li>'
                       for k, t in enumerate((f"{site.site_name}召开2024年度政务公开工作推进会",
                                              "全面推进政务公开标准化规范化工作", "关于开展2023年度政府信息公开工作考核的通知")))
        home = (_head(site, "首页") + '<div class="main"><div class="box"><h3>政务要闻</h3>'
                f'<a class="more" href="/{site.name}/ywdt/">更多&gt;&gt;</a><ul>{news}</ul></div>'
                f'<div class="box"><h3>政务公开</h3><ul><li><a href="{site.xxgk}">{site.xxgk_word}</a></li>'
                f'<li><a href="/{site.name}/zcwj/">政策文件</a></li><li><a href="/{site.name}/hdjl/">互动交流</a></li>'
                "</ul></div></div>" + _foot(site))
        self._put(site.home, Resp(200, _html_ctype(site), _encode(site, home)))
        links = [(f"/{site.name}/xxgk/xxgkzn/", "政府信息公开指南"), (f"/{site.name}/xxgk/xxgkzd/", "政府信息公开制度"),
                 (f"/{site.name}/xxgk/fdzdgk/", "法定主动公开内容"), (site.columns[0], site.column_word)]
        links += [(path, mc.title) for path, mc in zip(site.columns[1:], site.more_columns)]
        links += [(f"/{site.name}/ysqgk/", "依申请公开")]
        menu = "".join(f'<li><a href="{html.escape(h)}">{html.escape(t)}</a></li>' for h, t in links)
        xxgk = (_head(site, "政府信息公开") + _crumbs(site, "政府信息公开")
                + f'<div class="xxgk-menu"><h3>政府信息公开</h3><ul>{menu}</ul></div>' + _foot(site))
        self._put(site.xxgk, Resp(200, _html_ctype(site), _encode(site, xxgk)))

    def columns(self) -> dict[str, list[str]]:
        """Each site's report columns (URL paths): what its registry entry must list and what
        `govreports discover` must find from its home page."""
        return {s.name: list(s.columns) for s in self.sites}

    def _robots(self) -> None:
        lines = ["User-agent: *"] + [f"Disallow: {p}" for p in sorted(set(self.disallowed))]
        lines += ["Disallow: /search/", "", "User-agent: BadBot", "Disallow: /", ""]
        self._put("/robots.txt", Resp(200, "text/plain", "\n".join(lines).encode()))

    # ---- request handling ----------------------------------------------------------------
    def handle(self, method: str, raw_path: str, headers, body: bytes) -> Resp:
        parts = urlsplit(raw_path)
        path, query = parts.path, parts.query
        full = path + ("?" + query if query else "")
        name = path.split("/")[1] if path.count("/") > 1 else ""
        # Hanweb dataproxy
        if path.endswith("/module/web/jpage/dataproxy.jsp") and name in self.jpage:
            if method != "POST":
                return Resp(405, "text/plain", b"method not allowed")
            st = self.jpage[name]
            q = {k: v[0] for k, v in parse_qs(query).items()}
            f = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
            if f.get("unitid") != st["unitid"] or f.get("columnid") != st["col"] or f.get("webid") != st["webid"]:
                return Resp(200, "text/xml; charset=utf-8", self._datastore([], 0).encode())
            start, end = int(q.get("startrecord", 1)), int(q.get("endrecord", 60))
            recs = st["records"][start - 1:end]
            return Resp(200, "text/xml; charset=utf-8", self._datastore(recs, len(st["records"])).encode())
        # jpaas unit API
        if path.endswith("/api-gateway/jpaas-publish-server/front/page/build/unit") and name in self.jpaas:
            st = self.jpaas[name]
            q = {k: v[0] for k, v in parse_qs(query).items()}
            if any(q.get(k) != st[k] for k in ("webId", "tplSetId", "pageId")):
                return Resp(200, "application/json", b'{"success":false,"data":null}')
            pj = json.loads(q.get("paramJson") or "{}")
            no, size = int(pj.get("pageNo", 1)), int(pj.get("pageSize", st["per"]))
            rows = st["items"][(no - 1) * size: no * size]
            frag = "<ul>" + "".join(rows) + f'</ul><div class="pagination" rows="{size}" count="{len(st["items"])}"></div>'
            return Resp(200, "application/json; charset=utf-8",
                        json.dumps({"success": True, "data": {"html": frag}}, ensure_ascii=False).encode())
        # TRS IGS search API
        if path.endswith("/igs/front/search/list.html") and name in self.igs:
            st = self.igs[name]
            q = {k: v[0] for k, v in parse_qs(query).items()}
            if q.get("index") != st["index"] or q.get("siteId") != st["siteId"]:
                return Resp(200, "application/json", b'{"page":{"content":[],"total":0,"totalPages":0}}')
            no, size = int(q.get("pageNumber", 1)), int(q.get("pageSize", 10))
            content = st["content"][(no - 1) * size: no * size]
            total = len(st["content"])
            return Resp(200, "application/json; charset=utf-8", json.dumps(
                {"page": {"content": content, "total": total, "totalPages": -(-total // size), "number": no}},
                ensure_ascii=False).encode())
        # gkmlpt JSON API
        m = re.fullmatch(r"/([^/]+)/gkmlpt/api/all/(\d+)", path)
        if m and m.group(1) in self.gkmlpt:
            cat, sid, arts = self.gkmlpt[m.group(1)]
            q = {k: v[0] for k, v in parse_qs(query).items()}
            if int(m.group(2)) != cat or q.get("sid") != sid:
                return Resp(200, "application/json", b'{"total":0,"articles":[]}')
            page = int(q.get("page", 1))
            per = 2
            chunk = arts[(page - 1) * per: page * per]
            return Resp(200, "application/json; charset=utf-8",
                        json.dumps({"total": len(arts), "page": page, "articles": chunk}, ensure_ascii=False).encode())
        # 瑞数-style challenge on detail pages
        for pre in self.challenge_prefixes:
            if path.startswith(pre) and not path.endswith(("list.shtml",)) and not re.search(r"/list_\d+\.shtml$", path) \
                    and path.endswith(".shtml"):
                cookies = _cookies(headers.get("Cookie", ""))
                seed = cookies.get("__jsluid_s")
                if not seed or cookies.get("__jsl_clearance_s") != _clearance(seed):
                    seed = seed or hashlib.md5(f"{time.time()}{path}".encode()).hexdigest()[:16]
                    page = (
                        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><script type=\"text/javascript\">"
                        "var $_ts=window['$_ts'];if(!$_ts)$_ts=window['$_ts']={};$_ts.nsd=84374;"
                        "(function(){var c=document.cookie.match(/__jsluid_s=([0-9a-f]+)/);if(!c){return;}"
                        "var s=c[1],h=0;for(var i=0;i<s.length;i++){h=(h*31+s.charCodeAt(i))%1000000007;}"
                        "document.cookie='__jsl_clearance_s='+h.toString(36)+'; path=/';"
                        "setTimeout(function(){location.reload();},50);})();"
                        "</script></head><body></body></html>"
                    )
                    return Resp(412, "text/html; charset=utf-8", page.encode(),
                                {"Set-Cookie": f"__jsluid_s={seed}; path=/"})
                break
        resp = self.pages.get(full) or self.pages.get(path)
        if resp is None:
            return Resp(404, "text/html; charset=utf-8", "<html><body><h1>404 页面不存在</h1></body></html>".encode())
        if path in self.referer_required and not headers.get("Referer"):
            return Resp(403, "text/html; charset=utf-8", "<html><body>403 禁止访问：请从网页上下载附件</body></html>".encode())
        if path in self.softblock_once:
            with self.log_lock:
                if path in self.softblock_once:
                    self.softblock_once.discard(path)
                    return Resp(200, "text/html; charset=utf-8", SOFT_BLOCK.encode())
        return resp


SOFT_BLOCK = ("<html><head><meta charset=\"utf-8\"><title>访问异常</title></head><body>"
              "<p>访问异常，请稍后再试。</p><p>您的访问过于频繁，已被系统暂时拦截。</p></body></html>")


def _cookies(header: str) -> dict:
    out = {}
    for part in header.split(";"):
        if "=" in part:
            k, v = part.strip().split("=", 1)
            out[k] = v
    return out


def _clearance(seed: str) -> str:
    h = 0
    for ch in seed:
        h = (h * 31 + ord(ch)) % 1000000007
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        h, r = divmod(h, 36)
        out = digits[r] + out
        if h == 0:
            return out


# --------------------------------------------------------------------------------------------
# Server
# --------------------------------------------------------------------------------------------


def _conditional(portal: Portal, path: str, headers, resp: Resp) -> Resp:
    """Add ETag / Last-Modified; answer 304 when the client's validators still hold
    (If-None-Match wins over If-Modified-Since, RFC 9110 13.2.2)."""
    from email.utils import parsedate_to_datetime

    etag, last_modified = portal.validators(path, resp.body)
    out = Resp(resp.status, resp.ctype, resp.body, dict(resp.headers, ETag=etag, **{"Last-Modified": last_modified}))
    inm, ims = headers.get("If-None-Match"), headers.get("If-Modified-Since")
    fresh = False
    if inm:
        fresh = etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
    elif ims:
        try:
            fresh = parsedate_to_datetime(last_modified) <= parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            fresh = False
    if fresh:
        return Resp(304, None, b"", {"ETag": etag, "Last-Modified": last_modified})
    return out


class PortalHTTPServer(ThreadingHTTPServer):
    """A thread per connection, and nginx's listen backlog (511): with the standard library's 5,
    a crawler opening many connections at once has SYNs dropped, and each waits out the
    kernel's 1 s retransmission: stalls a real server does not cause."""

    request_queue_size = 511
    daemon_threads = True


def make_handler(portal: Portal):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "nginx"
        sys_version = ""

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            wait = portal.delay + max((v for k, v in portal.slow.items() if self.path.startswith(k)), default=0.0)
            if wait:
                time.sleep(wait)
            try:
                resp = portal.handle(method, self.path, self.headers, body)
                if resp.status == 200 and method in ("GET", "HEAD"):
                    resp = _conditional(portal, urlsplit(self.path).path, self.headers, resp)
            except Exception as exc:  # pragma: no cover - a portal bug must not kill the server
                resp = Resp(500, "text/plain", f"portal error: {exc}".encode())
            with portal.log_lock:
                portal.log.append({"method": method, "path": self.path, "status": resp.status,
                                   "ua": self.headers.get("User-Agent", ""),
                                   "browser": bool(self.headers.get("Sec-Fetch-Mode") or self.headers.get("sec-ch-ua")),
                                   "t": time.time()})
            self.send_response(resp.status)
            if resp.ctype:
                self.send_header("Content-Type", resp.ctype)
            for k, v in resp.headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(resp.body)))
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(resp.body)

        def do_GET(self):
            self._serve("GET")

        def do_HEAD(self):
            self._serve("HEAD")

        def do_POST(self):
            self._serve("POST")

        def log_message(self, *a):  # quiet
            pass

    return Handler


class PortalServer:
    """Run the portal in a background thread: ``with PortalServer() as srv: srv.url``."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, delay: float = 0.0, handler=None) -> None:
        self.portal = Portal()
        self.portal.delay = delay
        # `handler`: makes the request handler from the portal (samples/portal/faults.py wraps it)
        self.httpd = PortalHTTPServer((host, port), (handler or make_handler)(self.portal))
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "PortalServer":
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="sample-portal", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def truth(self) -> list[dict]:
        return truth(self.portal, self.url)


def truth(portal: Portal | None = None, base_url: str = "") -> list[dict]:
    """Every report the portal publishes: url, site, body, region code, year, gold file."""
    portal = portal or Portal()
    return [dict(r, url=base_url + r["url"], detail=base_url + r["detail"]) for r in portal.reports]


def serve(host: str = "127.0.0.1", port: int = 8800) -> None:
    srv = PortalServer(host, port)
    print(f"sample portal at {srv.url}/  ({len(srv.portal.sites)} sites, {len(srv.portal.reports)} reports)")
    for s in srv.portal.sites:
        print(f"  {s.name:<10} {s.family or '-':<12} {s.region}")
    try:
        srv.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        srv.httpd.server_close()


if __name__ == "__main__":
    import sys

    serve(port=int(sys.argv[1]) if len(sys.argv) > 1 else 8800)
