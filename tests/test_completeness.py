"""Each site's verdict: a column that yields nothing, or less than it declares, is incomplete, is
named on stderr, makes the crawl exit 1 and the run end `incomplete` (never `finished`)."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from crawler.completeness import COMPLETE, INCOMPLETE, judge_site
from samples.portal.server import PortalServer

ROOT = Path(__file__).resolve().parent.parent


def facts(**kw):
    col = {"url": "http://h/c/", "requested": 3, "answered": 3, "failed": [], "declared_records": None,
           "declared_pages": None, "lines": 10, "entries": 3, "offsite": 0, "caps": [], "pager": [],
           "needs_script": False}
    col.update(kw.pop("column", {}))
    out = {"reports": 3, "unchanged": 0, "known_entries": 0, "entries": 3, "lines": 10, "offsite_links": 0,
           "list_pages": 3, "list_pages_failed": 0, "failed_requests": 0, "columns": [col], "family": None}
    out.update(kw)
    return out


def test_verdicts():
    assert judge_site(facts()).status == COMPLETE
    v = judge_site(facts(reports=0, entries=0))
    assert v.status == INCOMPLETE and v.reasons[0].startswith("no report")
    # nightly: nothing new, but known entries: the site still has its reports
    assert judge_site(facts(reports=0, known_entries=3), nightly=True).status == COMPLETE
    assert judge_site(facts(reports=0, unchanged=3)).status == COMPLETE
    v = judge_site(facts(column={"declared_records": 99, "lines": 15}))
    assert v.status == INCOMPLETE and "declares 99 records, 15 were listed" in v.reasons[0]
    assert judge_site(facts(column={"declared_records": 10, "lines": 10})).status == COMPLETE
    v = judge_site(facts(column={"declared_pages": 7, "answered": 1}))
    assert "declares 7 list pages, 1 answered" in v.reasons[0]
    # a nightly run stops pagination at known pages: declared counts are not held against it
    assert judge_site(facts(column={"declared_pages": 7, "answered": 1}), nightly=True).status == COMPLETE
    v = judge_site(facts(column={"caps": ["list pages per column (200)"]}))
    assert v.status == "incomplete" and "cap on list pages per column (200)" in v.reasons[0]
    v = judge_site(facts(reports=0, entries=0, column={"needs_script": True, "lines": 0}))
    assert any('"browser_lists": true' in r for r in v.reasons)
    assert judge_site(facts(column={"needs_script": True}), browser_lists=True).status == COMPLETE
    v = judge_site(facts(reports=2), previous=5)
    assert v.status == INCOMPLETE and "fewer reports than its previous run (2, previously 5)" in v.reasons[0]
    assert judge_site(facts(reports=5), previous=5).status == COMPLETE
    assert judge_site(facts(column={"requested": 1, "answered": 0, "failed": ["http://h/c/: HTTP 404"]}),
                      ).reasons[0] == "column http://h/c/ did not answer (http://h/c/: HTTP 404)"
    assert "2 report page(s)" in judge_site(facts(failed_requests=2)).reasons[0]


def test_a_column_yielding_nothing_or_less_than_it_declares_fails_the_crawl(tmp_path):
    reg = json.loads((ROOT / "samples/portal/sites.json").read_text(encoding="utf-8"))
    chosen = [s for s in reg["sites"] if s["name"] in ("ptdata", "pingtan", "shanghai", "hongze")]
    for s in chosen:
        s.pop("browser_lists", None)  # ptdata's list is drawn by a script: without a browser, nothing
    path = tmp_path / "sites.json"
    path.write_text(json.dumps({"sites": chosen}, ensure_ascii=False), encoding="utf-8")
    db = tmp_path / "c.db"
    with PortalServer() as srv:
        # pingtan's third list page and shanghai's second vanish: their pagers still declare them
        del srv.portal.pages["/pingtan/zwgk/zfxxgknb/index_2.html"]
        del srv.portal.pages["/shanghai/zfxxgk/zfxxgknb/list_2.shtml"]
        p = subprocess.run([sys.executable, "-m", "govreports_cli", "--db", f"sqlite:///{db}", "crawl", "--registry",
                            str(path), "--base-url", srv.url, "--impolite", "--no-progress", "--json"],
                           cwd=ROOT, capture_output=True, text=True, timeout=240,
                           env=dict(os.environ, GOVREPORTS_ARCHIVE=str(tmp_path / "archive")))
    assert p.returncode == 1, p.stderr[-2000:]
    summary = json.loads(p.stdout[p.stdout.index("{"):])
    per_site = summary["per_site"]
    assert summary["incomplete"] == ["pingtan", "ptdata", "shanghai"]
    assert per_site["hongze"]["verdict"] == "complete" and per_site["hongze"]["reports"] == 3
    assert per_site["ptdata"]["reasons"][0].startswith("no report")
    assert any('"browser_lists": true' in r for r in per_site["ptdata"]["reasons"])
    assert any("declares 4 list pages, 3 answered" in r for r in per_site["pingtan"]["reasons"])
    assert any("declares 5 records, 3 were listed" in r for r in per_site["shanghai"]["reasons"])
    for name in summary["incomplete"]:
        assert f"  {name}: " in p.stderr
    con = sqlite3.connect(db)
    try:
        status, errors = con.execute("SELECT status, errors FROM crawl_runs").fetchone()
    finally:
        con.close()
    assert status == "incomplete"
    assert any(e.startswith("site ptdata incomplete: no report") for e in json.loads(errors))


def test_fewer_reports_than_the_previous_full_run(tmp_path):
    """The previous run's per-site result comes from the database (storage.runs.crawl_sites)."""
    reg = json.loads((ROOT / "samples/portal/sites.json").read_text(encoding="utf-8"))
    reg["sites"] = [s for s in reg["sites"] if s["name"] in ("weishan", "hongze")]
    path = tmp_path / "sites.json"
    path.write_text(json.dumps(reg, ensure_ascii=False), encoding="utf-8")
    db = tmp_path / "p.db"

    def crawl(srv):
        p = subprocess.run([sys.executable, "-m", "govreports_cli", "--db", f"sqlite:///{db}", "crawl", "--registry",
                            str(path), "--base-url", srv.url, "--impolite", "--no-progress", "--json"],
                           cwd=ROOT, capture_output=True, text=True, timeout=240,
                           env=dict(os.environ, GOVREPORTS_ARCHIVE=str(tmp_path / "archive")))
        return p.returncode, json.loads(p.stdout[p.stdout.index("{"):]), p.stderr

    with PortalServer() as srv:
        rc, first, _ = crawl(srv)
        assert rc == 0 and first["incomplete"] == [] and first["per_site"]["weishan"]["reports"] == 3
        # weishan takes one report line off its first list page: its list still looks whole
        page = "/weishan/zwgk/zfxxgknb/index.html"
        body = srv.portal.pages[page].body
        start = body.index(b"<li>")
        srv.portal.pages[page].body = body[:start] + body[body.index(b"</li>", start) + 5:]
        rc, second, err = crawl(srv)
    assert rc == 1 and second["incomplete"] == ["weishan"], second["per_site"]
    assert second["per_site"]["weishan"]["reasons"] == ["fewer reports than its previous run (2, previously 3)"]
    assert "weishan: fewer reports than its previous run" in err
    con = sqlite3.connect(db)
    try:
        got = con.execute("SELECT run_id, site, mode, verdict, reports FROM crawl_sites ORDER BY run_id, site").fetchall()
    finally:
        con.close()
    run1, run2 = first["run"]["id"], second["run"]["id"]
    assert got == [(run1, "hongze", "full", "complete", 3), (run1, "weishan", "full", "complete", 3),
                   (run2, "hongze", "full", "complete", 3), (run2, "weishan", "full", "incomplete", 2)]
    listing = subprocess.run([sys.executable, "-m", "govreports_cli", "--db", f"sqlite:///{db}", "runs", "--sites",
                              str(run2)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert listing.returncode == 0
    assert "weishan  incomplete  reports 2" in listing.stdout and "fewer reports than its previous run" in listing.stdout
