"""Page chrome stripping: trafilatura for HTML pages, line rules for text dumps.

Tables are never taken from here: trafilatura's table output changes shape with whichever of
its extractors wins.  This gives the narrative and nothing else.
"""
from __future__ import annotations

import re

import trafilatura

_CHROME_LINE = re.compile(
    r"^\s*(当前位置|您现在的位置|您的位置|首页\s*[>›»]|分享到|微信\s*微博|打印本页|关闭窗口|【?字体|"
    r"主办单位|网站标识码|ICP备|公网安备|版权所有|浏览次数|访问量|附件下载|相关链接)"
)
# Page furniture of text taken from paged documents: decorated page numbers ("— 4 —", "第3页 共12页",
# "P. 8") and flipbook page headers ("Page 9 - 2020年报_审计局").  A bare number is never one here:
# in text dumps it is a cell.
_PAGE_FURNITURE = re.compile(
    r"^\s*(?:[-—–－_]+\s*\d{1,4}\s*[-—–－_]+|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|共\s*\d{1,4}\s*页\s*第\s*\d{1,4}\s*页|P\.\s*\d{1,4}|page\s*\d{1,4}(?:\s*of\s*\d{1,4})?)\s*$",
    re.I)
_PAGE_HEADER = re.compile(r"^\s*page\s*\d{1,4}\s+-\s+(?=\S)", re.I)  # "Page 9 - <title>": the title stays
_PIPE_RUN = re.compile(r"\|{3,}")
_RUNNING_HEADER = re.compile(r"年度?.{0,20}报告$|年报$")
_WS = re.compile(r"\s+")
# Share buttons and view tabs as a dump prints them: a run of two or more ("微信 微博 QQ空间 全真版
# 文字版 文件下载"); one such word alone is the report's own (政务微博公开政府信息数, 政务微信…).
_SHARE = re.compile(r"(?:(?:微信|微博|QQ空间|全真版|文字版|文件下载|相关链接[:：]?\s*-->)\s*){2,}")


def main_text_of_html(root) -> str:
    """Main content text of an HTML page (tables excluded), chrome removed by trafilatura."""
    if root is None:
        return ""
    try:
        text = trafilatura.extract(root, include_tables=False, include_comments=False,
                                   include_images=False, include_links=False, favor_recall=True,
                                   deduplicate=False)
    except Exception:  # trafilatura raises on some degenerate trees; the tables still stand
        text = None
    return text or ""


def _drop_separator(out: list[str]) -> None:
    """A dropped line takes its separating empty line with it: in text whose cells are separated
    by one empty line, extra empty lines are empty cells (parsers/layouts/text_lines.py)."""
    if out and out[-1] == "":
        out.pop()


def strip_text_chrome(text: str) -> str:
    """Breadcrumbs, share buttons, footers, page furniture (page numbers, running headers: a
    report's title printed again at the top of later pages) and runs of '|' in text dumps."""
    out = []
    seen_titles: set[str] = set()
    for line in text.split("\n"):
        key = _WS.sub("", line) if "报" in line and len(line) <= 120 else ""
        if key and len(key) <= 80 and _RUNNING_HEADER.search(key):
            if key in seen_titles:
                _drop_separator(out)
                continue  # the title again, at the head of a later page
            seen_titles.add(key)
        if _CHROME_LINE.match(line) and len(line) < 200:
            _drop_separator(out)
            continue  # a chrome line; a long one is a body that chrome leaked into: keep it
        if _PAGE_FURNITURE.match(line):
            _drop_separator(out)
            continue
        line = _PAGE_HEADER.sub("", line)
        line = _PIPE_RUN.sub(" ", line)
        if len(line) >= 200:
            line = _SHARE.sub("", line)
        out.append(line)
    return "\n".join(out)
