"""The narrative sections: 一 总体情况, 五 存在的主要问题及改进情况, 六 其他需要报告的事项."""
from __future__ import annotations

import re

_SECTIONS = {
    "overview": re.compile(r"一\s*、\s*(总体情况|工作基本情况|概述|基本情况)"),
    "problems": re.compile(r"[五四]\s*、\s*(政府信息公开工作)?存在的?主要问题(及(其)?改进(情况|措施))?"),
    "other": re.compile(r"[六五]\s*、\s*其[他它]需要报告的?事项"),
}
_NEXT_HEADING = re.compile(r"(?:^|\n|\s)([二三四五六七])\s*、")
MAX_SECTION = 20000
_CHROME = re.compile(r"^\s*(扫一扫|打印本页|关闭窗口|【?字体|分享到|附件下载|相关链接)")


def sections(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, rx in _SECTIONS.items():
        m = rx.search(text)
        if not m:
            continue
        body = text[m.end(): m.end() + MAX_SECTION]
        if name == "overview":
            nxt = re.search(r"二\s*、\s*(主动公开|政府信息主动公开)", body) or re.search(r"(?:^|\n)\s*二\s*、", body)
        elif name == "problems":
            nxt = re.search(r"[六五]\s*、\s*其[他它]需要报告", body)
        else:
            nxt = re.search(r"(?:^|\n)\s*(附件|附表|打印本页|关闭窗口)", body)
        if nxt:
            body = body[: nxt.start()]
        body = "\n".join(ln for ln in body.split("\n") if not _CHROME.match(ln)).strip(" \n\t:：")
        if body:
            out[name] = body
    return out
