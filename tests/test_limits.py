"""Resource bounds of a parse (parsers/limits.py): compression bombs, page counts, huge pages, deep
nesting, time, and wide text without a byte-order mark. Each bound gives status `over_limit` with a
reason that names it, in bounded memory; a document inside the bounds reads as before."""
from __future__ import annotations

import io
import re
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

from parsers import STORED_STATUSES, Limits, parse_document
from parsers.limits import html_depth, shallow_html

ROOT = Path(__file__).resolve().parents[1]


def docx_bomb(inflated_mb: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as f:  # streamed: never held whole here
            block = b" " * 2**20
            for _ in range(inflated_mb):
                f.write(block)
    return buf.getvalue()


def deflated(block: bytes, times: int) -> bytes:
    z = zlib.compressobj(9)
    return b"".join(z.compress(block) for _ in range(times)) + z.flush()


def pdf(pages: int, content: bytes = b"BT /F1 12 Tf 72 720 Td (x) Tj ET", flate: bool = False,
        stream: bytes | None = None) -> bytes:
    """A well-formed PDF of `pages` pages sharing one content stream (xref offsets right)."""
    flate = flate or stream is not None
    stream = stream if stream is not None else zlib.compress(content, 9) if flate else content
    kids = " ".join(f"{4 + i} 0 R" for i in range(pages))
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
            b"<< /Length " + str(len(stream)).encode() + (b" /Filter /FlateDecode" if flate else b"")
            + b" >>\nstream\n" + stream + b"\nendstream"]
    objs += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R >>"] * pages
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer << /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forked test process across exec.
_PEAK = ("import sys\nfrom parsers import parse_document\n"
         "data = open(sys.argv[1], 'rb').read()\n"
         "r = parse_document(data, sys.argv[2] or None)\n"
         "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
         "print(r.status, int(hwm) // 1024)\n"
         "print(r.reasons[0] if r.reasons else '')")


def parse_in_child(tmp_path, data: bytes, content_type: str = "") -> tuple[str, int, str]:
    """Status, peak memory (MB) and first reason of a parse in a process of its own."""
    path = tmp_path / "doc.bin"
    path.write_bytes(data)
    out = subprocess.run([sys.executable, "-c", _PEAK, str(path), content_type], capture_output=True,
                         text=True, cwd=ROOT, timeout=300, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr[-2000:]
    first, reason = out.stdout.splitlines()[:2]
    status, peak = first.split()
    return status, int(peak), reason


def test_over_limit_is_a_stored_status():
    assert "over_limit" in STORED_STATUSES  # recorded as a report: counted, never lost


def test_docx_zip_bomb_is_over_limit_in_bounded_memory(tmp_path):
    bomb = docx_bomb(1024)  # 1 GB of XML in about 1 MB
    assert len(bomb) < 2 * 2**20
    status, peak, reason = parse_in_child(tmp_path, bomb)
    assert status == "over_limit" and "DOCX" in reason and "GOVREPORTS_LIMIT_DECOMPRESSED_MB" in reason
    assert peak < 300, f"{peak} MB"


def test_pdf_flate_bomb_is_over_limit_in_bounded_memory(tmp_path):
    bomb = pdf(1, stream=deflated(b"0 0 m 1 1 l S\n" * 2**16, 640))  # 560 MB of drawing in ~1 MB
    assert len(bomb) < 4 * 2**20
    status, peak, reason = parse_in_child(tmp_path, bomb)
    assert status == "over_limit" and "PDF" in reason and "decompresses" in reason, reason
    assert peak < 300, f"{peak} MB"


def test_a_pdf_of_too_many_pages_is_over_limit():
    r = parse_document(pdf(3000))
    assert r.status == "over_limit" and "3000 pages" in r.reasons[0] and "GOVREPORTS_LIMIT_PAGES" in r.reasons[0]
    assert parse_document(pdf(30)).status != "over_limit"  # a PDF within the bounds is read


def test_a_huge_page_is_recorded_as_too_large_in_bounded_memory(tmp_path):
    page = b"<html><head><title>2023\xe5\xb9\xb4</title></head><body>" + b"<p>x</p>\n" * (50 * 2**20 // 9) + b"</body></html>"
    status, peak, reason = parse_in_child(tmp_path, page, "text/html")
    assert status == "over_limit" and "GOVREPORTS_LIMIT_TEXT_MB" in reason
    assert peak < 300, f"{peak} MB"


def test_time_bound_stops_the_parse_with_its_reason(corpus_dir):
    data = (corpus_dir / "pingtan-2019.html").read_bytes()
    r = parse_document(data, "text/html", limits=Limits(seconds=0.0001))
    assert r.status == "over_limit" and "longer than" in r.reasons[0] and "stopped while" in r.reasons[0]
    assert parse_document(data, "text/html").status == "ok"


def _wrapped(page: str, depth: int, open_tag="<div>", close_tag="</div>") -> str:
    i = re.search(r"<body[^>]*>", page, re.I).end()
    j = page.lower().rindex("</body>")
    return page[:i] + open_tag * depth + page[i:j] + close_tag * depth + page[j:]


@pytest.mark.parametrize("depth", [240, 300, 3000, 30000])
def test_deeply_nested_page_reads_as_the_flat_one(corpus_dir, depth):
    page = (corpus_dir / "pingtan-2019.html").read_text(encoding="utf-8")
    flat = parse_document(page.encode(), "text/html")
    deep = parse_document(_wrapped(page, depth, "<div><span>", "</span></div>").encode(), "text/html")
    assert flat.status == "ok"
    assert deep.status == flat.status and deep.year == flat.year and deep.agency == flat.agency
    assert {(c.table, c.row, c.col, c.text) for t in deep.tables.values() if t for cells in t.values() for c in cells} \
        == {(c.table, c.row, c.col, c.text) for t in flat.tables.values() if t for cells in t.values() for c in cells}


def test_tables_nested_beyond_the_bound_are_over_limit_not_a_non_report(corpus_dir):
    page = (corpus_dir / "pingtan-2019.html").read_text(encoding="utf-8")
    r = parse_document(_wrapped(page, 400, "<table><tr><td>", "</td></tr></table>").encode(), "text/html")
    assert r.status == "over_limit" and "nested" in r.reasons[0]


def test_html_depth_estimate_and_flattening():
    assert html_depth("<html><body><div><p>a<br>b</p><img src=x></div></body></html>") == 4
    deep = "<html><body>" + "<div>" * 500 + "<table><tr><td>1</td></tr></table>" + "</div>" * 500 + "</body></html>"
    assert html_depth(shallow_html(deep)) <= 10 and "<td>1</td>" in shallow_html(deep)
    assert shallow_html("<p>a</p>") == "<p>a</p>"  # a page within the bound is untouched


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("name,content_type", [("pingtan-2019.html", "text/html"), ("pingtan-2019.html", None),
                                               ("pingtan-2019-textdump.txt", None)])
def test_utf16_without_bom_reads_as_utf8(corpus_dir, encoding, name, content_type):
    text = (corpus_dir / name).read_text(encoding="utf-8")
    want = parse_document(text.encode("utf-8"), content_type)
    got = parse_document(text.encode(encoding), content_type)
    assert got.encoding == encoding and got.status == want.status and got.year == want.year
    assert [(c.row, c.text) for t in (got.tables or {}).values() if t for cs in t.values() for c in cs] == \
        [(c.row, c.text) for t in (want.tables or {}).values() if t for cs in t.values() for c in cs]


def test_limits_from_the_environment():
    """The command line's configuration gives the bounds (the parser reads no environment); a value
    that is no number stops it, naming the variable, instead of silently meaning the default."""
    from govreports_config import Config, ConfigError

    lim = Config.from_environment({"GOVREPORTS_LIMIT_PAGES": "5", "GOVREPORTS_LIMIT_TEXT_MB": "0.5",
                                   "GOVREPORTS_LIMIT_SECONDS": "2.5"}).limits()
    assert lim.pages == 5 and lim.text_bytes == 2**19 and lim.seconds == 2.5 and lim.html_depth == Limits().html_depth
    assert parse_document(pdf(30), limits=lim).status == "over_limit"
    assert Config.from_environment({}).limits() == Limits()  # the same defaults as the parser's own
    with pytest.raises(ConfigError, match="GOVREPORTS_LIMIT_HTML_DEPTH='junk' is not allowed: it must be a whole number"):
        Config.from_environment({"GOVREPORTS_LIMIT_HTML_DEPTH": "junk"})


def _squashed_dump(corpus_dir) -> str:
    return (corpus_dir / "pingtan-2021-textdump.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("where", ["本年新收政府信息公开申请数量", "行政规范性文件", "总计"])
def test_a_damaged_squashed_run_is_cheap_and_never_read_as_figures(corpus_dir, where):
    """A 5,000-digit run where a row's figures (or table 4's) are printed: no cut of it gives
    figures of a printable length, so the search ends at once (it took seconds of CPU, minutes on
    a loaded machine) and the row is flagged, its text kept."""
    import time

    text = _squashed_dump(corpus_dir)
    at = text.rindex(where) + len(where) if where == "总计" else text.index(where) + len(where)
    end = re.match(r"[\d ]*", text[at:]).end() + at
    damaged = text[:at] + "9" * 5000 + text[end:]
    t0 = time.process_time()
    r = parse_document(damaged.encode(), "text/plain", limits=Limits(seconds=60))
    assert time.process_time() - t0 < 2.0  # 0.01-0.2 s here; 2-4 s before the bound on a figure's length
    assert r.status == "needs_review"
    runs = [c for c in r.cells() if "9" * 5000 in (c.source.get("printed_run") or c.text)]
    assert runs and all(c.ambiguous or c.kind == "unreadable" for c in runs)
    assert all(c.number is None or c.number < 10 ** 18 for c in r.cells())


def test_the_arithmetic_never_settles_a_reading_list_cut_short():
    """A run with more readings than are listed: even when exactly one listed reading adds up,
    others not listed might too, so the row stays ambiguous."""
    from parsers.layouts import squashed
    from parsers.mapping import RowRead
    from parsers.templates import by_name

    t = by_name("2021")
    spec = t.spec("table3", "granted")
    # Six figures and their total run together: far more readings than are listed, one listed adds up.
    run = "12345" + "1" * 12 + "111111111126"
    cands = squashed.split_candidates(run, 7)
    assert not squashed.complete(cands)
    adds_up = [c for c in cands if sum(int(x) for x in c[:6]) == int(c[6])]
    assert len(adds_up) == 1
    for all_listed in (False, True):
        rr = RowRead(spec, cands[0], [None] * 7, ambiguous=True, candidates=list(cands), all_listed=all_listed)
        squashed.resolve({"granted": rr}, t, "table3")
        assert rr.texts == adds_up[0]  # the guess shown first is the one that adds up
        assert rr.ambiguous is not all_listed  # settled only where every reading was listed


@pytest.mark.parametrize("version", [121, 165])
def test_a_docx_claiming_a_zip_version_zipfile_lacks_is_unreadable(version):
    """A damaged central directory can claim a zip version zipfile does not implement
    (NotImplementedError, a fuzz find): the size check passes it to the reader, which says so."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    data = bytearray(buf.getvalue())
    at = data.find(b"PK\x01\x02")
    data[at + 6:at + 8] = version.to_bytes(2, "little")  # "version needed to extract"
    report = parse_document(bytes(data), None)
    assert report.status == "unreadable"
    assert "zip file version" in " ".join(report.reasons)
