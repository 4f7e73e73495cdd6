"""Unit tests: reading one cell value, decoding bytes, normalising text, expanding HTML spans."""
from __future__ import annotations

import codecs

import pytest

from parsers.decoding import DecodeError, decode, declared_charset, looks_binary, normalise_charset
from parsers.grid import Grid
from parsers.layouts import html_tables
from parsers.normalize import normalise, strip_pinyin, to_simplified
from parsers.values import read_value, to_wan

# ----------------------------------------------------------------------------- read_value


@pytest.mark.parametrize("text", ["", None, " ", "\u00a0", "\u00a0 \u00a0", "\t\n"])
def test_blank_is_blank_not_zero(text):
    v = read_value(text)
    assert v.kind == "blank"
    assert v.number is None


@pytest.mark.parametrize("text", ["0", " 0 ", "0.0", "00"])
def test_zero_is_zero_not_blank(text):
    v = read_value(text)
    assert v.kind == "zero"
    assert v.number == 0


@pytest.mark.parametrize("text", ["/", "／", "—", "-", "——", "无", "—/—", "－", "不适用"])
def test_not_applicable_marks(text):
    v = read_value(text)
    assert v.kind == "not_applicable", text
    assert v.number is None
    assert v.text == text  # what was printed is kept


@pytest.mark.parametrize("text,number,unit", [
    ("7", 7, None),
    ("1,215", 1215, None),
    ("12,345,678", 12345678, None),
    ("23 0", 230, None),  # a stray space inside a number
    ("1\n215", 1215, None),  # a number split across lines by a narrow column
    ("251000元", 251000, "元"),
    ("3.1万元", 3.1, "万元"),
    ("0.0520", 0.052, None),
    ("-35", -35, None),
    ("－35", -35, None),  # full-width minus
    ("12件", 12, None),  # a count word is not a unit
])
def test_numbers(text, number, unit):
    v = read_value(text)
    assert v.kind == "number"
    assert v.number == number and type(v.number) is type(number)
    assert v.unit == unit
    assert v.text == text.strip()


def test_full_width_digits_after_normalise():
    printed = "１，２１５"
    v = read_value(normalise(printed))
    assert normalise(printed) == "1,215"
    assert (v.kind, v.number) == ("number", 1215)
    assert read_value(normalise("０")).kind == "zero"
    assert read_value(normalise("－３５")).number == -35


@pytest.mark.parametrize("text", ["规章", "本年新制作数量", "1.属于国家秘密", "（三）不予公开", "第二十条第（一）项",
                                  "本年收费金额（单位：万元，保留4位小数）", "XX县教育局"])
def test_labels_and_prose_are_text(text):
    v = read_value(text)
    assert v.kind == "text", text
    assert v.number is None


@pytest.mark.parametrize("text", ["约30件", "12-15", "3万5千", "?", "？", "2*", "N/A", "n.a", "x", "Â ", "3?",
                                  "锟斤拷", "\ufffd3", "3(2)", "1" * 16, "9" * 5000, "1" * 400 + ".5"])
def test_damaged_figures_are_unreadable_never_a_number(text):
    v = read_value(text)
    assert v.kind == "unreadable", text
    assert v.number is None and v.text == text.strip()


@pytest.mark.parametrize("text,number", [("3（其中线上申请2件）", 3), ("3(其中2件为线上)", 3), ("5 含网上申请3件", 5),
                                         ("12件（含转办）", 12), ("0（无）", 0)])
def test_annotated_figures_keep_their_leading_number_and_whole_text(text, number):
    v = read_value(text)
    assert (v.kind, v.number) == ("annotated", number), text
    assert v.text == text


def test_decimal_kinds():
    assert read_value("3.10").number == 3.1
    assert read_value("0.00").kind == "zero"
    assert isinstance(read_value("5").number, int)
    assert isinstance(read_value("5.0").number, float)


@pytest.mark.parametrize("number,unit,column_unit,wan", [
    (251000, "元", None, 25.1),
    (3.1, "万元", None, 3.1),
    (2, "亿元", None, 20000.0),
    (3.1, None, "万元", 3.1),
    (50000, "元", "万元", 5.0),  # the cell's own unit wins over the header's
    (7, None, None, None),  # no unit anywhere: no amount invented
    (None, "元", None, None),
])
def test_to_wan(number, unit, column_unit, wan):
    assert to_wan(number, unit, column_unit) == wan


# ----------------------------------------------------------------------------- decoding

SAMPLE = "平潭综合实验区2021年度政府信息公开工作年度报告：本年新收政府信息公开申请数量"


def test_charset_from_bom():
    assert declared_charset(codecs.BOM_UTF8 + b"abc", "text/html; charset=gbk") == ("utf-8", "bom")
    assert declared_charset(codecs.BOM_UTF16_LE + "a".encode("utf-16-le"), None)[0] == "utf-16-le"
    text, enc = decode(codecs.BOM_UTF8 + SAMPLE.encode("utf-8"))
    assert text == SAMPLE and not text.startswith("\ufeff")


def test_charset_from_http_header_before_meta():
    data = b'<meta charset="utf-8">' + SAMPLE.encode("gbk")
    enc, how = declared_charset(data, "text/html; charset=GB2312")
    assert how == "header" and enc == "gb18030"  # gb2312 is read as its superset
    text, used = decode(data, "text/html; charset=GB2312")
    assert SAMPLE in text


@pytest.mark.parametrize("meta", [
    b'<meta charset="gb2312">',
    b"<meta charset=gbk>",
    b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />',
    b'<META HTTP-EQUIV="content-type" CONTENT="text/html;charset=GBK">',
])
def test_charset_from_meta(meta):
    data = b"<html><head>" + meta + b"</head><body>" + SAMPLE.encode("gbk") + b"</body></html>"
    enc, how = declared_charset(data, "text/html")
    assert (enc, how) == ("gb18030", "meta")
    text, _ = decode(data, "text/html")
    assert SAMPLE in text


def test_gb18030_only_characters_decode_when_gb2312_declared():
    # 镕 and 堃 are outside GB2312, common in names; portals declare gb2312 and serve GBK.
    s = "朱镕基 王堃 " + SAMPLE
    data = b'<meta charset="gb2312">' + s.encode("gbk")
    text, enc = decode(data, None)
    assert s in text and enc == "gb18030"


def test_undeclared_gbk_is_guessed():
    text, enc = decode(SAMPLE.encode("gbk"), None)
    assert text == SAMPLE and enc == "gb18030"


def test_utf8_declared_but_gbk_served():
    text, enc = decode(SAMPLE.encode("gbk"), "text/html; charset=utf-8")
    assert text == SAMPLE


def test_unknown_charset_name_is_ignored():
    assert normalise_charset("x-no-such-charset") is None
    text, enc = decode(SAMPLE.encode("utf-8"), "text/html; charset=x-no-such-charset")
    assert text == SAMPLE and enc == "utf-8"


def test_bom_that_lies_is_an_error():
    with pytest.raises(DecodeError):
        decode(codecs.BOM_UTF8 + SAMPLE.encode("gbk"))


def test_looks_binary():
    assert looks_binary(b"\x00\x01\x02\x03" * 100)
    assert not looks_binary(SAMPLE.encode("utf-8"))
    assert not looks_binary(SAMPLE.encode("gbk"))
    assert not looks_binary("规章\t0\t0\t0\n".encode("utf-8") * 50)  # tabs are not control junk


@pytest.mark.parametrize("bom,codec", [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")])
def test_utf16_with_bom_is_not_binary(bom, codec):
    data = bom + SAMPLE.encode(codec)
    assert not looks_binary(data)
    assert decode(data)[0] == SAMPLE


# ----------------------------------------------------------------------------- normalisation

def test_converter_pinyin_is_stripped_and_traditional_simplified():
    text = "岳陽樓區(qū)教育局2023年政府信息公開(kāi)年度報(bào)告"
    assert normalise(text) == "岳阳楼区教育局2023年政府信息公开年度报告"


def test_pinyin_without_tone_marks_is_stripped_in_an_annotated_document():
    # Neutral-tone syllables carry no mark; a document annotated throughout loses them too.
    text = "區(qū)報(bào)開(kāi)的(de)工作"
    assert strip_pinyin(text) == "區報開的工作"


def test_parenthesised_latin_in_plain_text_is_kept():
    # One unmarked "(pdf)" in a simplified document is not converter pinyin.
    assert strip_pinyin("附件(pdf)下载") == "附件(pdf)下载"
    assert normalise("附件(pdf)下载") == "附件(pdf)下载"


def test_simplified_text_is_left_alone():
    s = "二、主动公开政府信息情况 第二十条第(一)项 规章 行政规范性文件"
    assert to_simplified(s) == s
    assert normalise(s) == s


def test_full_width_forms():
    assert normalise("（一）予以公开") == "(一)予以公开"
    assert normalise("第二十条第（五）项") == "第二十条第(五)项"
    assert normalise("１２３，４５６") == "123,456"
    assert normalise("本年收费金额（单位：万元）") == "本年收费金额(单位:万元)"
    assert normalise("a\u3000b") == "a b"  # ideographic space
    assert normalise("1\u200b2") == "12"  # zero-width space


def test_no_break_space_is_kept_and_line_ends_unified():
    # In cell-per-line layouts a line holding only a no-break space is a printed blank cell.
    assert normalise("\u00a0") == "\u00a0"
    assert normalise("a\r\nb\rc") == "a\nb\nc"


# ----------------------------------------------------------------------------- HTML span expansion

def _grid(html: str) -> Grid:
    root = html_tables.parse_html(html)
    return html_tables.read_tables(root)


def _shape(grid: Grid):
    return [[(c.text + ("*" if c.copy else "")) for c in row] for row in grid.rows]


def test_rowspan_and_colspan_expand_with_copies_marked():
    g = _grid("""<table>
      <tr><td rowspan="2">A</td><td colspan="2">B</td></tr>
      <tr><td>c</td><td>d</td></tr>
      <tr><td colspan="3">E</td></tr>
    </table>""")
    assert _shape(g) == [["A", "B", "B*"], ["A*", "c", "d"], ["E", "E*", "E*"]]
    assert [c.col for c in g.rows[1]] == [0, 1, 2]
    assert all(c.row == r for r, row in enumerate(g.rows) for c in row)


def test_rowspan_and_colspan_on_one_cell():
    g = _grid("""<table>
      <tr><td rowspan="2" colspan="2">X</td><td>y</td></tr>
      <tr><td>z</td></tr>
    </table>""")
    assert _shape(g) == [["X", "X*", "y"], ["X*", "X*", "z"]]


def test_table3_header_shape():
    """Table 3's header: the note spans 3 rows and 3 columns, 自然人 and 总计 span 2 rows."""
    g = _grid("""<table>
      <tr><td colspan="3" rowspan="3">（本列数据的勾稽关系为…）</td><td colspan="7">申请人情况</td></tr>
      <tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td><td rowspan="2">总计</td></tr>
      <tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>
      <tr><td rowspan="2">三、本年度办理结果</td><td colspan="2">（一）予以公开</td>
          <td>1</td><td>&nbsp;</td><td></td><td>0</td><td>0</td><td>0</td><td>1</td></tr>
      <tr><td rowspan="1">（三）不予公开</td><td>1.属于国家秘密</td>
          <td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>
    </table>""")
    rows = g.rows
    assert all(len(r) == 10 for r in rows), [len(r) for r in rows]
    assert [c.copy for c in rows[1][:3]] == [True] * 3
    assert (rows[1][3].text, rows[1][3].copy) == ("自然人", False)
    assert (rows[2][3].text, rows[2][3].copy) == ("自然人", True)
    assert (rows[2][9].text, rows[2][9].copy) == ("总计", True)
    assert [c.text for c in rows[2][4:9]] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    # Figures sit in columns 3-9 whatever spans the labels have.
    assert [c.text for c in rows[3][3:]] == ["1", "\u00a0", "", "0", "0", "0", "1"]
    assert (rows[4][0].text, rows[4][0].copy) == ("三、本年度办理结果", True)
    assert [c.text for c in rows[4][3:]] == ["0"] * 7
    # Copies are never values of their own.
    assert g.text_rows()[4] == ["（三）不予公开", "1.属于国家秘密"] + ["0"] * 7


def test_absurd_spans_are_clamped():
    g = _grid('<table><tr><td colspan="100000">a</td><td rowspan="abc">b</td></tr><tr><td>c</td></tr></table>')
    assert len(g.rows[0]) <= 101
    assert g.rows[0][-1].text == "b"
    assert _shape(g)[1] == ["c"]


def test_rowspan_past_the_last_row_adds_nothing():
    g = _grid('<table><tr><td rowspan="5">a</td><td>b</td></tr></table>')
    assert _shape(g) == [["a", "b"]]


def test_cell_text_joins_wrapped_pieces_and_keeps_nbsp():
    root = html_tables.parse_html("<table><tr><td><p>1</p><p>215</p></td><td><span>&nbsp;</span></td>"
                                  "<td>  商业\n  企业 </td></tr></table>")
    tds = list(root.iter("td"))
    assert html_tables.cell_text(tds[0]) == "1215"
    assert html_tables.cell_text(tds[1]) == "\u00a0"
    assert html_tables.cell_text(tds[2]) == "商业 企业"


def test_nested_layout_tables_are_skipped():
    g = _grid("<table><tr><td>menu<table><tr><td>规章</td><td>1</td></tr></table></td></tr></table>")
    assert _shape(g) == [["规章", "1"]]


def test_the_year_without_a_title_is_the_one_most_paragraphs_open_with():
    from parsers.metadata import year_from

    text = ("一、总体情况\n2020年，我局对形成的政府信息依法公开。\n（二）依申请公开\n2020年度我街办未接到申请。\n"
            "五、存在的主要问题及改进情况\n2021年，我局将进一步完善工作机制。\n")
    assert year_from(None, text) == 2020  # the plan for 2021 opens one paragraph, the year under report two
    assert year_from(None, "2021年1月，召开会议。\n没有别的年份。") is None  # a date, not the year under report
    assert year_from("某某局2019年政府信息公开工作年度报告", text) == 2019  # the title's year wins


@pytest.mark.parametrize("block, issuer", [
    ("发布机构：平潭县人民政府办公室\n", "平潭县人民政府办公室"),
    ("发布机构: | 党政综合办公室 | 公开日期: | 2021-01-11 |\n", "党政综合办公室"),  # the block as a pipe row
    ("发布机构：党政办  公开日期：2021-01-11\n", "党政办"),  # two fields on one line
    ("发布机构：中共某某县委 县人民政府\n", "中共某某县委 县人民政府"),
    ("发布机构： \n", None),
])
def test_the_issuer_field_is_its_value_alone(block, issuer):
    from parsers.metadata import header_issuer

    assert header_issuer("标题：某某2018年政府信息公开工作年度报告\n" + block) == issuer
