"""Bad input: the parser never raises, and its status says what went wrong.

Empty files, binary junk, images, pages that are not reports, soft-block pages, truncated
pages, huge pages, GBK without or with a subset charset, BOMs, traditional characters with
converter pinyin.
"""
from __future__ import annotations

import codecs
import json
import random
import re
import time

import pytest

from parsers import parse_document
from parsers.evaluate import score
from parsers.record import STATUSES, TABLES


def parse(data: bytes, content_type: str | None = None, url: str | None = None):
    report = parse_document(data, content_type, url)
    assert report.status in STATUSES
    return report


def gold_of(path):
    return json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))


def assert_matches_gold(report, gold, name):
    s = score(report, gold, name)
    assert not s.wrong, f"{name}: " + "; ".join(s.wrong[:10])
    assert s.cells > 0
    assert report.year == gold["year"], (report.year, gold["year"])
    assert report.template == gold["template"]


# ----------------------------------------------------------------------------- nothing to read

@pytest.mark.parametrize("data", [b"", b"   \n\t \r\n", "\u3000\n".encode("utf-8")], ids=["empty", "spaces", "ideographic-space"])
def test_empty_file(data):
    # The ideographic space (U+3000) is white space once decoded and normalised: nothing printed.
    report = parse(data, "text/plain")
    assert report.status == "empty", (report.status, report.reasons)
    assert all(report.tables[t] is None for t in TABLES)


@pytest.mark.parametrize("seed", range(5))
def test_random_binary_bytes_are_unreadable(seed):
    data = random.Random(seed).randbytes(8192)
    for ctype in (None, "application/octet-stream", "text/html"):
        report = parse(data, ctype)
        assert report.status == "unreadable", (seed, ctype, report.status, report.reasons)
        assert all(report.tables[t] is None for t in TABLES)


def test_png_is_unreadable_never_zeros():
    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00"
           + random.Random(1).randbytes(2000))
    for ctype in (None, "image/png", "text/html"):
        report = parse(png, ctype, "https://example.gov.cn/report.png")
        assert report.status == "unreadable", (ctype, report.status)
        assert report.figures() == {"table2": None, "table3": None, "table4": None}


def test_jpeg_declared_as_html_is_unreadable():
    data = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + random.Random(2).randbytes(3000)
    assert parse(data, "text/html; charset=utf-8").status == "unreadable"


# ----------------------------------------------------------------------------- not a report

NOTICE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>关于开展2024年安全生产大检查的通知_通知公告_某某市人民政府</title></head>
<body><div class="nav">当前位置：首页 &gt; 政务公开 &gt; 通知公告</div>
<div class="article"><h1>关于开展2024年安全生产大检查的通知</h1>
<p>各县（市、区）人民政府，市直各单位：</p>
<p>为深入贯彻落实安全生产工作部署，有效防范化解重大安全风险，经市政府同意，决定在全市开展安全生产大检查。现将有关事项通知如下：</p>
<p>一、检查时间。2024年3月1日至2024年5月31日。</p><p>二、检查范围。全市各类生产经营单位。</p>
<p>三、工作要求。各单位要高度重视，认真组织，于2024年6月10日前将检查情况报市应急管理局。</p>
<p>某某市人民政府办公室</p><p>2024年2月20日</p></div>
<div class="footer">主办单位：某某市人民政府办公室</div></body></html>"""

NOTICE_ABOUT_REPORTS = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>关于做好2023年度政府信息公开工作年度报告编制发布工作的通知</title></head>
<body><div class="article"><h1>关于做好2023年度政府信息公开工作年度报告编制发布工作的通知</h1>
<p>各县（市、区）人民政府，市政府各部门：</p>
<p>根据《中华人民共和国政府信息公开条例》和国务院办公厅政府信息与政务公开办公室印发的《中华人民共和国政府信息公开工作年度报告格式》要求，现就做好2023年度政府信息公开工作年度报告编制和发布工作通知如下：</p>
<p>一、各单位应于2024年1月31日前在本单位政府网站公布本单位2023年度政府信息公开工作年度报告。</p>
<p>二、年度报告应包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项。</p>
<p>某某市人民政府办公室</p><p>2024年1月5日</p></div></body></html>"""

LIST_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>政府信息公开年报_某某区人民政府</title></head>
<body><div class="nav">当前位置：首页 &gt; 政府信息公开 &gt; 政府信息公开年报</div>
<ul class="list">""" + "\n".join(
    f'<li><a href="/zwgk/xxgknb/{y + 1}01/t{y + 1}0120_{i}.html" target="_blank">某某区{dept}{y}年政府信息公开工作年度报告</a>'
    f'<span class="date">{y + 1}-01-2{i % 9}</span></li>'
    for i, (y, dept) in enumerate((y, d) for y in (2023, 2022, 2021) for d in ("教育局", "财政局", "民政局", "卫生健康局", "人民政府")))\
    + """</ul><div class="page">共15条 1/1页 <a href="?page=1">首页</a> <a href="?page=1">尾页</a></div>
<div class="footer">主办单位：某某区人民政府办公室 网站标识码：1234000002</div></body></html>"""

SOFT_BLOCK = """<html><head><meta charset="utf-8"><title>访问异常</title></head><body>
<div style="text-align:center;margin-top:100px"><h2>访问异常</h2><p>您的访问过于频繁，请稍后再试。</p></div></body></html>"""

SOFT_BLOCK_JS = """<html><head><title></title><script>var _0x1a2b=["\\x63\\x6f\\x6f\\x6b\\x69\\x65"];document[_0x1a2b[0]]="__jsl_clearance=1";location.reload();</script></head>
<body><noscript>请开启JavaScript并刷新该页</noscript></body></html>"""


@pytest.mark.parametrize("page", [NOTICE, NOTICE_ABOUT_REPORTS, LIST_PAGE],
                         ids=["notice", "notice-about-annual-reports", "list-of-reports"])
def test_page_that_is_not_a_report(page):
    report = parse(page.encode("utf-8"), "text/html; charset=utf-8", "https://example.gov.cn/a.html")
    assert report.status == "not_a_report", (report.status, report.reasons, report.title)
    assert report.figures() == {"table2": None, "table3": None, "table4": None}


@pytest.mark.parametrize("page", [SOFT_BLOCK, SOFT_BLOCK_JS], ids=["访问异常", "js-challenge"])
def test_soft_block_page_is_not_a_report(page):
    # Served with status 200 and text/html: only the content says it is a block page.
    report = parse(page.encode("utf-8"), "text/html; charset=utf-8", "https://example.gov.cn/t.html")
    assert report.status == "not_a_report", (report.status, report.reasons)


# ----------------------------------------------------------------------------- damaged reports

@pytest.fixture(scope="module")
def pingtan_2021(corpus_dir):
    path = corpus_dir / "pingtan-2021.html"
    return path.read_text(encoding="utf-8"), gold_of(path)


def _cut_points(page: str):
    """Cut positions in the middle of table 3: before the (四) row, and inside the 不掌握 row."""
    before_row = page.index("（四）无法提供")
    inside = page.index("不掌握")
    for _ in range(3):  # past the label cell and two figure cells
        inside = page.index("</td>", inside) + len("</td>")
    return {"before-row": before_row, "mid-row": inside, "mid-tag": inside + 40}


@pytest.mark.parametrize("where", ["before-row", "mid-row", "mid-tag"])
def test_truncated_html_in_table3(pingtan_2021, where):
    page, gold = pingtan_2021
    cut = _cut_points(page)[where]
    report = parse(page[:cut].encode("utf-8"), "text/html; charset=utf-8", "https://www.pingtan.gov.cn/t.htm")
    assert report.status == "needs_review", (report.status, report.reasons)
    assert report.year == 2021 and report.template == "2021"
    t3 = report.tables["table3"]
    assert t3 and "new_received" in t3 and "denied_admin_query" in t3
    gold_rows = list(gold["truth"]["table3"])
    cut_row = gold_rows.index("unavailable_not_held")
    # Rows after the cut are not in the page: absent, never zeros or blanks.
    for key in gold_rows[cut_row + 1:]:
        assert key not in t3, f"{where}: row {key} is after the cut but reported: {[c.text for c in t3[key]]}"
    assert report.tables["table4"] is None
    # Every cell returned was printed, and is what was printed.
    for table in ("table2", "table3"):
        for key, cells in (report.tables[table] or {}).items():
            for c in cells:
                assert c.text.strip(), f"{where}: {table}.{key}[{c.col}] returned without printed text ({c.kind})"
                assert c.number == gold["truth"][table][key][c.col], (where, table, key, c.col, c.text)


def test_truncated_html_is_never_ok_or_zero(pingtan_2021):
    """Cut at many points: never a crash, never an 'ok' report, never a zero that was not printed."""
    page, gold = pingtan_2021
    start = page.index("第二十条")
    end = page.index("存在的主要问题", page.index("行政复议", start))
    rng = random.Random(7)
    for cut in sorted(rng.sample(range(start, end), 12)):
        report = parse(page[:cut].encode("utf-8"), "text/html")
        assert report.status == "needs_review", (cut, report.status)
        for c in report.cells():
            if c.kind in ("number", "zero") and c.table != "table4":
                assert c.number == gold["truth"][c.table][c.row][c.col], (cut, c.table, c.row, c.col, c.text)


def test_ten_megabyte_page(corpus_dir):
    path = corpus_dir / "pingtan-2023.html"
    page = path.read_text(encoding="utf-8")
    gold = gold_of(path)
    rng = random.Random(3)
    words = "政务公开 信息发布 便民服务 互动交流 政策解读 办事指南 新闻动态 通知公告 人事信息 财政预决算".split()
    nav = "".join(f'<li><a href="/col/{i}/index.html">{rng.choice(words)}{i}</a></li>' for i in range(20000))
    paras = "".join(f"<p>{''.join(rng.choice(words) for _ in range(40))}，第{i}段。</p>" for i in range(18000))
    body = page.index("<body")
    body = page.index(">", body) + 1
    close = page.rindex("</body>")
    big = page[:body] + f'<div class="nav"><ul>{nav}</ul></div>' + page[body:close] \
        + f'<div class="related">{paras}</div>' + page[close:]
    data = big.encode("utf-8")
    assert len(data) >= 10_000_000
    t0 = time.perf_counter()
    report = parse(data, "text/html; charset=utf-8", "https://www.pingtan.gov.cn/big.htm")
    elapsed = time.perf_counter() - t0
    assert elapsed < 30, f"{elapsed:.1f} s for a {len(data) / 1e6:.1f} MB page"
    assert report.status in ("ok", "needs_review"), (report.status, report.reasons)
    assert_matches_gold(report, gold, "pingtan-2023 + 10 MB")


# ----------------------------------------------------------------------------- encodings

@pytest.fixture(scope="module")
def shanghai(corpus_dir):
    path = corpus_dir / "shanghai-office-2019.html"
    return path.read_text(encoding="utf-8"), gold_of(path)


def _gbk(text: str) -> bytes:
    return text.encode("gbk")


def test_gbk_bytes_declaring_gb2312(shanghai):
    page, gold = shanghai
    html = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head><body>'
            + page + "</body></html>")
    data = _gbk(html)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the test is meaningful: these bytes are not UTF-8
    report = parse(data, "text/html", "https://www.shanghai.gov.cn/a.html")
    assert_matches_gold(report, gold, "shanghai gb2312-declared")


def test_gbk_bytes_with_gb2312_in_http_header_only(shanghai):
    page, gold = shanghai
    report = parse(_gbk(page), "text/html; charset=GB2312")
    assert_matches_gold(report, gold, "shanghai gb2312 header")


def test_gbk_bytes_declaring_no_charset(shanghai):
    page, gold = shanghai
    report = parse(_gbk(page), "text/html")
    assert_matches_gold(report, gold, "shanghai gbk undeclared")
    report = parse(_gbk(page), None)
    assert_matches_gold(report, gold, "shanghai gbk no content type")


def test_gbk_text_dump_declaring_nothing(samples_dir):
    path = samples_dir / "002_1470c6164cb70c53.txt"
    text = path.read_text(encoding="utf-8")
    report = parse(text.encode("gb18030"), "text/plain")
    assert_matches_gold(report, gold_of(path), "seed 002 gb18030")
    assert report.agency and "西山区" in report.agency


def test_gbk_page_wrongly_declaring_utf8(shanghai):
    page, gold = shanghai
    html = '<html><head><meta charset="utf-8"></head><body>' + page + "</body></html>"
    report = parse(_gbk(html), "text/html; charset=utf-8")
    assert_matches_gold(report, gold, "shanghai gbk declared utf-8")


@pytest.mark.parametrize("bom,codec", [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le")])
def test_bom_file(samples_dir, bom, codec):
    path = samples_dir / "004_b949586da4e36afb.txt"
    text = path.read_text(encoding="utf-8")
    report = parse(bom + text.encode(codec), "text/plain")
    assert_matches_gold(report, gold_of(path), f"seed 004 with {codec} BOM")
    assert not (report.title or "").startswith("\ufeff")


def test_utf8_bom_html_page(shanghai):
    page, gold = shanghai
    report = parse(codecs.BOM_UTF8 + page.encode("utf-8"), "text/html")
    assert_matches_gold(report, gold, "shanghai with BOM")


# ----------------------------------------------------------------------------- traditional + pinyin

def test_traditional_with_converter_pinyin_is_normalised(samples_dir):
    path = samples_dir / "000_e865654a7cdf3aef.txt"
    raw = path.read_text(encoding="utf-8")
    assert "區(qū)" in raw  # the seed really is annotated
    report = parse(raw.encode("utf-8"), "text/plain")
    gold = gold_of(path)
    assert_matches_gold(report, gold, "seed 000")
    assert report.title and "(" not in report.title and "區" not in report.title, report.title
    assert report.agency == gold["agency"], report.agency
    for text in report.narrative.values():
        assert not re.search(r"[\u4e00-\u9fff]\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,6}\)", text), text[:200]


def test_traditional_pinyin_html_page(samples_dir, shanghai):
    """The same annotation in an HTML page: a simplified page converted to traditional with pinyin."""
    import opencc

    page, gold = shanghai
    trad = opencc.OpenCC("s2t").convert(page)
    annotated = trad.replace("區", "區(qū)").replace("報", "報(bào)").replace("開", "開(kāi)").replace("訊", "訊(xùn)")
    assert annotated != trad
    report = parse(annotated.encode("utf-8"), "text/html; charset=utf-8")
    assert_matches_gold(report, gold, "shanghai traditional + pinyin")
    assert report.title and "(" not in report.title and "開" not in report.title, report.title


# ----------------------------------------------------------------------------- never raises

@pytest.mark.parametrize("data,ctype", [
    (b"<html><body><table><tr><td rowspan='999999' colspan='-3'>x</td></tr></table></body></html>", "text/html"),
    (b"<?xml version='1.0' encoding='utf-8'?><html><body><p>\xe5\xb9\xb4\xe5\xba\xa6\xe6\x8a\xa5\xe5\x91\x8a</p></body></html>", None),
    (b"%PDF-1.7\n%garbage not a pdf", "application/pdf"),
    (b"PK\x03\x04word/garbage", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (b"\xff\xfe" + "年度报告".encode("utf-16-le") + b"\x00\xd8", "text/plain"),  # broken UTF-16
    ("第二十条第（一）项\n规章\t1\t2\n".encode("utf-8") * 3, "text/plain"),
    (b"<table>" * 5000, "text/html"),
], ids=["bad-spans", "xml-decl", "fake-pdf", "fake-docx", "broken-utf16", "fragment", "nested-tables"])
def test_malformed_input_never_raises(data, ctype):
    report = parse(data, ctype)
    assert report.status != "ok"


@pytest.mark.parametrize("tail", ["| abc", "|", "| 0 |", " abc"])
def test_one_long_line_is_read_in_linear_time(samples_dir, tail):
    """A text whose one line runs for 80,000 characters before (or without) a pipe, as a page of
    markup served as text/plain or two dumps spliced together are: every line test is linear, so
    the parse ends within its own time bound (a backtracking pattern took minutes on such a
    line, and a single regular-expression match never looks at the deadline)."""
    seed = (samples_dir / "002_1470c6164cb70c53.txt").read_text(encoding="utf-8")
    text = seed + "\n" + "字" * 80_000 + tail + "\n" + seed
    report = parse(text.encode("utf-8"), "text/plain")
    assert report.status != "over_limit", report.reasons


def test_one_cell_piped_line_is_the_documented_pattern():
    """one_cell_piped says of every short line what the pattern it replaced said."""
    from parsers.layouts.text_lines import one_cell_piped

    pattern = re.compile(r"^\s*(?P<cell>[^|]*[^|\s][^|]*?)\s*\|[\s|]*$")
    rng = random.Random(7)
    for _ in range(20_000):
        line = "".join(rng.choice("| a字0\t\u3000") for _ in range(rng.randint(0, 9)))
        m = pattern.match(line)
        assert one_cell_piped(line) == (m.group("cell").strip() if m else None), repr(line)
