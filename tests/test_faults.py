"""A crawl of the fault-mode portal (samples/portal/faults.py) against a clean crawl of the same site:
the same reports end up stored, every report's first 503 + Retry-After is waited out, and every
injected fault is in the run's failures with its reason and counted under its kind."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from samples.portal.faults import FAULT_SITE, FAULTS, FaultPortalServer, fault_url
from samples.portal.server import PortalServer
from storage.db import make_engine

ROOT = Path(__file__).resolve().parents[1]


def crawl(tmp: Path, url: str, name: str) -> dict:
    db = tmp / f"{name}.db"
    cmd = [sys.executable, "-m", "govreports_cli", "--db", f"sqlite:///{db}", "crawl",
           "--registry", str(ROOT / "samples/portal/sites.json"), "--base-url", url, "--site", FAULT_SITE,
           "--impolite", "--no-progress", "--json"]
    env = dict(os.environ, GOVREPORTS_ARCHIVE=str(tmp / f"{name}-archive"), GOVREPORTS_DOWNLOAD_TIMEOUT="3")
    p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=400)
    assert p.returncode in (0, 1), p.stderr[-3000:]
    summary = json.loads(p.stdout[p.stdout.index("{"):])
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        summary["stored"] = sorted(tuple(r) for r in conn.execute(text(
            "SELECT d.sha256, v.agency, v.year, v.status FROM report_versions v JOIN documents d ON d.id = v.document_id")))
        summary["failures"] = [e for (errs,) in conn.execute(text("SELECT errors FROM crawl_runs")) for e in
                               (json.loads(errs) if isinstance(errs, str) else errs or [])]
    engine.dispose()
    return summary


@pytest.fixture(scope="module")
def crawls(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("faults")
    with PortalServer() as clean_srv:
        clean = crawl(tmp, clean_srv.url, "clean")
    with FaultPortalServer() as srv:
        faulty = crawl(tmp, srv.url, "faults")
        yield {"clean": clean, "faults": faulty, "srv": srv, "log": list(srv.portal.log)}


def test_the_same_reports_as_a_clean_crawl(crawls):
    clean, faulty = crawls["clean"], crawls["faults"]
    assert clean["stored"] and faulty["stored"] == clean["stored"]
    assert not clean["failures"]


def test_every_injected_fault_is_a_failure_with_its_reason(crawls):
    failures = crawls["faults"]["failures"]
    for name, (what, kind) in FAULTS.items():
        hits = [f for f in failures if fault_url(name) in f]
        assert hits, f"{name} ({what}) left no failure: {failures}"
    counted = crawls["faults"]["faults"]
    for kind in {k for _, k in FAULTS.values()}:
        assert counted.get(kind), (kind, counted)
    assert crawls["srv"].faults_served.keys() >= set(FAULTS)


def test_retry_after_is_waited_out(crawls):
    log = [e for e in crawls["log"] if e["path"].split("?")[0] in crawls["srv"].report_paths and e["method"] == "GET"]
    by_path: dict[str, list[float]] = {}
    for e in log:
        by_path.setdefault(e["path"], []).append(e["t"])
    assert by_path
    for path, times in by_path.items():
        assert len(times) >= 2 and times[1] - times[0] >= 0.9, (path, times)


def test_retry_after_forms():
    from scrapy.http import Response

    from crawler.middlewares import retry_after

    def r(value):
        return retry_after(Response("http://x/", headers={"Retry-After": value} if value is not None else {}))

    assert r("120") == 120 and r("0") == 0 and r(None) is None and r("soon") is None
    assert r("Wed, 21 Oct 2015 07:28:00 GMT") == 0  # a date in the past: now
    from email.utils import format_datetime
    from datetime import datetime, timedelta, timezone

    later = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=600), usegmt=True)
    assert 590 < r(later) <= 600


def test_a_cookie_check_redirect_to_itself_is_not_a_loop():
    from scrapy.http import Request, Response
    from scrapy.utils.test import get_crawler

    from crawler.middlewares import RecordedRedirectMiddleware

    crawler = get_crawler(settings_dict={"REDIRECT_MAX_TIMES": 20})
    mw = RecordedRedirectMiddleware.from_crawler(crawler)
    req = Request("http://portal.example/list.html")
    back = Response(req.url, status=302, headers={"Location": req.url, "Set-Cookie": "clearance=1"})
    again = mw.process_response(req, back)
    assert again.url == req.url  # followed once, with the cookie
    from scrapy.exceptions import IgnoreRequest

    with pytest.raises(IgnoreRequest):  # the same again: a loop
        mw.process_response(again, Response(req.url, status=302, headers={"Location": req.url,
                                                                           "Set-Cookie": "clearance=2"}))
    with pytest.raises(IgnoreRequest):  # back to itself without a cookie: a loop at once
        mw.process_response(req, Response(req.url, status=302, headers={"Location": req.url}))


def test_caps_are_faults_and_make_the_site_incomplete(tmp_path):
    """A list page of 100,000 lines and a pager of 100,000 pages: each column reaches its cap (the
    defaults, read from the settings), which is a `cap` fault in the run's failures with its figure
    and reason, and the site is incomplete (exit 1); not one of those lines is fetched, and exactly
    the capped number of list pages is requested, each once."""
    from crawler.caps import DEFAULT_LINKS, DEFAULT_PAGES
    from samples.portal.faults import CAP_COLUMNS, CAPS_PREFIX, cap_column_url, cap_registry

    registry = tmp_path / "caps.json"
    registry.write_text(json.dumps(cap_registry(), ensure_ascii=False), encoding="utf-8")
    db = tmp_path / "caps.db"
    with FaultPortalServer() as srv:
        cmd = [sys.executable, "-m", "govreports_cli", "--db", f"sqlite:///{db}", "crawl", "--registry", str(registry),
               "--base-url", srv.url, "--impolite", "--no-progress", "--json"]
        env = dict(os.environ, GOVREPORTS_ARCHIVE=str(tmp_path / "archive"))
        p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=400)
        log = [e["path"] for e in srv.portal.log]
    assert p.returncode == 1, p.stderr[-3000:]
    summary = json.loads(p.stdout[p.stdout.index("{"):])
    assert summary["faults"].get("cap") == 2, summary["faults"]
    site = summary["per_site"][f"{FAULT_SITE}-caps"]
    assert site["verdict"] == "incomplete"
    reasons = " | ".join(site["reasons"])
    assert f"cap on links per list page ({DEFAULT_LINKS})" in reasons
    assert f"cap on list pages per column ({DEFAULT_PAGES})" in reasons
    assert f"{FAULT_SITE}-caps" in p.stderr and "cap on links per list page" in p.stderr
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        failures = [e for (errs,) in conn.execute(text("SELECT errors FROM crawl_runs")) for e in
                    (json.loads(errs) if isinstance(errs, str) else errs or [])]
        status = conn.execute(text("SELECT status FROM crawl_runs")).scalar()
    engine.dispose()
    assert status == "incomplete"
    assert any(cap_column_url("many-links") in f and f"more than {DEFAULT_LINKS} links" in f for f in failures), failures
    assert any("many-pages" in f and f"more than {DEFAULT_PAGES} list pages" in f for f in failures), failures
    pages = [path for path in log if path.startswith(CAPS_PREFIX + "many-pages/")]
    assert len(pages) == len(set(pages)) == DEFAULT_PAGES
    assert not [path for path in log if path.startswith(CAPS_PREFIX) and "/t2024" in path]  # no line fetched
    assert set(CAP_COLUMNS) == {"many-links", "many-pages"}
