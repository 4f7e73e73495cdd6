"""Links of other schemes than http(s) — ftp:, file:, mailto:, javascript: — on a column served by a
real HTTP server: never fetched, each in the --links file as "not followed: scheme …", the ones that
could be a report's in the run's record, and none a failure: the site is complete, the crawl exits 0."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "samples/reports/001_4b9b066e761ef3f1.txt"

LIST = """<html><head><meta charset="utf-8"><title>政府信息公开年报</title></head><body>
<ul class="list">
<li><a href="t20210110_1001.html">华龙区教育局2020年政府信息公开工作年度报告</a><span>2021-01-10</span></li>
<li><a href="ftp://{host}/pub/t20200110_1002.pdf">华龙区教育局2019年政府信息公开工作年度报告</a><span>2020-01-10</span></li>
<li><a href="javascript:;">华龙区教育局2018年政府信息公开工作年度报告</a><span>2019-01-10</span></li>
<li><a href="file:///srv/reports/2017.pdf">华龙区教育局2017年政府信息公开工作年度报告</a><span>2018-01-10</span></li>
</ul>
<div class="footer"><a href="mailto:gk@example.gov.cn">联系我们</a> <a href="javascript:void(0)">返回顶部</a></div>
</body></html>"""
DETAIL = """<html><head><meta charset="utf-8"><title>华龙区教育局2020年政府信息公开工作年度报告</title></head><body>
<div id="zoom"><p>华龙区教育局2020年政府信息公开工作年度报告，见附件。</p>
<p><a href="report.txt">附件：年度报告（文本）</a></p>
<p><a href="ftp://{host}/pub/report-2020.pdf">附件：年度报告（PDF，FTP 下载）</a></p></div></body></html>"""


class _Logged(SimpleHTTPRequestHandler):
    log: list[str] = []

    def log_message(self, *a):  # quiet; every path kept instead
        _Logged.log.append(self.path)


def test_other_schemes_are_recorded_never_fetched_and_fail_nothing(tmp_path):
    site = tmp_path / "www"
    col = site / "hlq" / "xxgknb"
    col.mkdir(parents=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Logged, directory=str(site)))
    host = f"127.0.0.1:{server.server_address[1]}"
    (col / "index.html").write_text(LIST.format(host=host), encoding="utf-8")
    (col / "t20210110_1001.html").write_text(DETAIL.format(host=host), encoding="utf-8")
    (col / "report.txt").write_bytes(REPORT.read_bytes())
    registry = tmp_path / "sites.json"
    registry.write_text(json.dumps({"sites": [{"name": "hlq", "title": "华龙区教育局", "region_code": "410902",
                                               "start_urls": [f"http://{host}/hlq/xxgknb/index.html"]}]},
                                   ensure_ascii=False), encoding="utf-8")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    links, db = tmp_path / "links.jsonl", tmp_path / "schemes.db"
    try:
        cmd = [sys.executable, "-m", "govreports_cli", "--db", f"sqlite:///{db}", "crawl", "--registry", str(registry),
               "--impolite", "--no-progress", "--json", "--links", str(links)]
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=240,
                           env=dict(os.environ, GOVREPORTS_ARCHIVE=str(tmp_path / "archive")))
    finally:
        server.shutdown()
        server.server_close()
    assert p.returncode == 0, p.stderr[-3000:]
    summary = json.loads(p.stdout[p.stdout.index("{"):])
    facts = summary["per_site"]["hlq"]
    assert facts["verdict"] == "complete" and facts["reports"] == 1, facts
    assert facts["non_http_links"] == 5, facts  # ftp, javascript, file and mailto lines; the ftp attachment
    assert "scheme" not in summary["faults"] and facts["failed_requests"] == 0
    assert summary["run"]["failed"] == 0 and summary["run"]["status"] == "finished"

    met = {rec["url"]: rec for rec in map(json.loads, links.read_text(encoding="utf-8").splitlines())}
    for url, scheme in ((f"ftp://{host}/pub/t20200110_1002.pdf", "ftp"), ("javascript:;", "javascript"),
                        ("file:///srv/reports/2017.pdf", "file"), ("mailto:gk@example.gov.cn", "mailto"),
                        (f"ftp://{host}/pub/report-2020.pdf", "ftp")):
        assert met[url]["role"] == "scheme" and met[url]["followed"] == f"not followed: scheme {scheme}", met[url]
    assert met[f"ftp://{host}/pub/report-2020.pdf"]["detail_url"].endswith("/t20210110_1001.html")
    assert "javascript:void(0)" not in met  # a button of the page, not a link to record

    runs = subprocess.run([sys.executable, "-m", "govreports_cli", "--db", f"sqlite:///{db}", "runs", "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    (run,) = json.loads(runs.stdout)
    notes = " | ".join(run["errors"])
    assert run["failed"] == 0
    for what in (f"ftp: link ftp://{host}/pub/t20200110_1002.pdf", "javascript: link javascript:;",
                 "file: link file:///srv/reports/2017.pdf", f"ftp: attachment link ftp://{host}/pub/report-2020.pdf"):
        assert f"not followed: {what}" in notes, notes
    assert "mailto" not in notes  # a contact address is no report: the links file holds it
    assert all(path.startswith("/hlq/") or path == "/robots.txt" for path in _Logged.log), _Logged.log
