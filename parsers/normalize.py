"""Text normalisation: traditional to simplified (OpenCC), converter pinyin, full-width forms."""
from __future__ import annotations

import functools
import re
import unicodedata

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
# Kangxi and supplementary CJK radicals that some PDF producers (Chromium's print, for one) map
# glyphs to: ⼯ (U+2F2F) is printed as 工 and means it.  Kangxi radicals decompose (NFKC); the
# supplement's simplified forms do not, their equivalents are Unicode's EquivalentUnifiedIdeograph.
for _cp in range(0x2F00, 0x2FD6):
    _WIDTH[_cp] = ord(unicodedata.normalize("NFKC", chr(_cp)))
_RADICALS = "⺌小⺍小⺕彐⺗心⺙攵⺟母⺠民⺤爫⺨犭⺭礻⺲罒⺳罓⻀艹⻄西⻅见⻆角⻈讠⻉贝⻋车⻏阝⻐钅⻓长⻔门⻖阝⻘青⻚页" \
            "⻛风⻜飞⻝食⻠饣⻢马⻣骨⻤鬼⻥鱼⻦鸟⻧卤⻨麦⻩黄⻪黾⻬齐⻮齿⻰龙⻳龟"
_WIDTH.update({ord(r): ord(i) for r, i in zip(_RADICALS[::2], _RADICALS[1::2])})

# A few characters only traditional text has; their absence lets us skip OpenCC entirely.
_TRADITIONAL_HINTS = re.compile("[們這個來說時國關發與會對從還進過開報據區務縣鄉鎮機構處為請數於種產經學習總覽統計劃辦結轉議規範]")


@functools.lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


_NEEDS_WIDTH = re.compile("[\uff01-\uff5e\u3000\u2002\u2003\u200b\ufeff\u2e80-\u2ef3\u2f00-\u2fd5]")


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
