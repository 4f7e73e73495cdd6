"""Text normalisation: traditional to simplified (OpenCC), converter pinyin, full-width forms."""
from __future__ import annotations

import functools
import re

import opencc

# Pinyin that some converters insert after each converted character: 區(qū), 報(bào).
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü"
_PINYIN_TONED = re.compile(rf"(?<=[\u3400-\u9fff])\((?=[a-z{_TONED}]*[{_TONED}])[a-z{_TONED}]{{1,7}}\)")
_PINYIN_ANY = re.compile(rf"(?<=[\u3400-\u9fff])\([a-z{_TONED}]{{1,7}}\)")

# Full-width ASCII (！ to ～) to half-width, ideographic space to space. The no-break space is
# kept: in cell-per-line layouts it is how a blank cell is printed.
_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_WIDTH[0x3000] = 0x20
_WIDTH[0x2002] = 0x20
_WIDTH[0x2003] = 0x20
_WIDTH[0x200B] = None  # zero-width space
_WIDTH[0xFEFF] = None

# A few characters only traditional text has; their absence lets us skip OpenCC entirely.
_TRADITIONAL_HINTS = re.compile("[們這個來說時國關發與會對從還進過開報據區務縣鄉鎮機構處為請數於種產經學習總覽統計劃辦結轉議規範]")


@functools.lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


_NEEDS_WIDTH = re.compile("[\uff01-\uff5e\u3000\u2002\u2003\u200b\ufeff]")


def _fix_widths(text: str) -> str:
    # str.translate walks every character through a dict; touching only the matches is far
    # cheaper on large pages that hold few full-width characters.
    if not _NEEDS_WIDTH.search(text):
        return text
    return _NEEDS_WIDTH.sub(lambda m: m.group().translate(_WIDTH), text)


def strip_pinyin(text: str) -> str:
    if "(" not in text or not any(c in text for c in _TONED):
        return text  # plain substring scans are much cheaper than the look-around pattern
    toned = len(_PINYIN_TONED.findall(text))
    if toned >= 3:
        # The converter annotated this document; neutral-tone syllables carry no mark.
        return _PINYIN_ANY.sub("", text)
    if toned:
        return _PINYIN_TONED.sub("", text)
    return text


def to_simplified(text: str) -> str:
    hints = _TRADITIONAL_HINTS.finditer(text)
    if sum(1 for _ in zip(range(3), hints)) < 3:
        return text
    return _t2s().convert(text)


def normalise(text: str) -> str:
    text = _fix_widths(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = strip_pinyin(text)
    return to_simplified(text)
