"""Bytes to text: charset from BOM, HTTP header and <meta>; GB2312/GBK read as GB18030."""
from __future__ import annotations

import codecs
import re

from .errors import DecodeError

_BOMS = [
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
_XML_DECL = re.compile(rb"""^<\?xml[^>]+encoding\s*=\s*["']([\w.:-]+)""", re.I)

# Chinese portals declare a subset; GB18030 is the superset that decodes all of them.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
              "cp936": "gb18030", "ms936": "gb18030", "euc-cn": "gb18030", "big5": "big5hkscs",
              "ascii": "utf-8", "us-ascii": "utf-8", "iso-8859-1": "cp1252", "latin-1": "cp1252"}




def normalise_charset(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().lower()
    name = _SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' for wide text without a byte-order mark: the NUL high bytes of its
    ASCII characters (markup, digits, line ends) all fall on one side, and it decodes cleanly."""
    head = data[:4096]
    if len(head) < 64:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if max(even, odd) < len(head) // 40 or min(even, odd) * 4 > max(even, odd):
        return None
    enc = "utf-16-le" if odd > even else "utf-16-be"
    try:
        text = head[: len(head) // 2 * 2].decode(enc)
    except UnicodeDecodeError:
        text = head[: len(head) // 2 * 2 - 2].decode(enc, errors="replace")
        if text.count("\ufffd") > 1:
            return None
    controls = sum(1 for ch in text if ord(ch) < 9 or 13 < ord(ch) < 32)
    return enc if controls <= len(text) // 100 else None


_CONTROL_BYTES = bytes(b for b in range(32) if b < 9 or 13 < b < 32)


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control characters in the first 4 KiB: not a text document."""
    head = data[:4096]
    if not head:
        return False
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return False  # wide text: its NUL bytes are half of every character
    if utf16_without_bom(data):
        return False
    if b"\x00" in head:
        return True
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls / len(head) > 0.05


def declared_charset(data: bytes, content_type: str | None) -> tuple[str | None, str]:
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return enc, "bom"
    wide = utf16_without_bom(data)
    if wide:  # before any declaration: a <meta charset=utf-8> inside wide text is wrong about it
        return wide, "bom"
    if content_type:
        m = _HEADER_CHARSET.search(content_type)
        if m and normalise_charset(m.group(1)):
            return normalise_charset(m.group(1)), "header"
    head = data[:4096]
    m = _XML_DECL.search(head) or _META_CHARSET.search(head)
    if m:
        enc = normalise_charset(m.group(1).decode("ascii", "ignore"))
        if enc:
            return enc, "meta"
    return None, "guess"


def decode(data: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Return (text, encoding used). Raises DecodeError where no charset reads the bytes."""
    enc, how = declared_charset(data, content_type)
    if enc:
        body = data
        for bom, bom_enc in _BOMS:
            if how == "bom" and data.startswith(bom):
                body = data[len(bom):]
                break
        try:
            return body.decode(enc), enc
        except UnicodeDecodeError:
            if how == "bom":
                raise DecodeError(f"bytes do not decode as {enc} despite its byte-order mark")
            # A wrong declaration is common (a GBK page declaring utf-8): fall through and guess.
    for guess in ("utf-8", "gb18030"):
        try:
            return data.decode(guess), guess
        except UnicodeDecodeError:
            continue
    # Last resort: mostly-GB text with a few broken bytes; keep it, flag upstream.
    text = data.decode("gb18030", errors="replace")
    if text.count("\ufffd") > max(8, len(text) // 50):
        raise DecodeError("bytes decode as neither UTF-8 nor GB18030")
    return text, "gb18030"
