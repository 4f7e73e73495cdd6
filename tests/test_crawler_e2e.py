"""End to end: crawl the whole sample portal (real HTTP server, real headless Chromium) and
compare with the portal's truth and the gold files."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from samples.portal.check import DOCS, check, gold_mismatches, load_results, report_cells
from samples.portal.server import PortalServer

from crawler.settings import CHROMIUM_PATH as CHROMIUM

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM),
                                reason=f"Chromium not installed at {CHROMIUM} (apt-get install -y chromium): "
                                       "the sample portal's JS-only list and 412 site need a browser")
from crawler.families import NAMES

FAMILIES = NAMES + (None,)  # None: no CMS recognised (a list drawn by script)


def crawl(tmp: Path, url: str, *args: str, registry: str | None = None, name: str = "crawl") -> tuple[dict, list]:
    results = tmp / f"{name}.jsonl"
    cmd = [sys.executable, "-m", "govreports_cli", "--db", f"sqlite:///{tmp / (name + '.db')}", "crawl",
           "--registry", registry or str(ROOT / "samples/portal/sites.json"), "--base-url", url,
           "--impolite", "--no-progress", "--json", "--results", str(results), *args]
    env = dict(os.environ, GOVREPORTS_ARCHIVE=str(tmp / f"{name}-archive"))
    p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert p.returncode in (0, 1), p.stderr[-3000:]
    summary = json.loads(p.stdout[p.stdout.index("{"):])
    summary["stderr"] = p.stderr  # what the command told its operator
    return summary, load_results(results)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    with PortalServer() as srv:
        summary, results = crawl(tmp, srv.url)
        yield {"srv": srv, "truth": srv.truth(), "summary": summary, "results": results, "tmp": tmp,
               "log": list(srv.portal.log)}


def test_finds_exactly_the_portals_reports(run):
    """Every site, variants included, registered with no family (recognised from the pages)."""
    from samples.portal.server import REGISTRY

    entries = json.loads(REGISTRY.read_text(encoding="utf-8"))["sites"]
    assert entries and not [e["name"] for e in entries if "family" in e]
    res = check(run["results"], run["truth"])
    assert not res.missing, res.missing
    assert not res.extra, res.extra
    assert not res.duplicates, res.duplicates
    assert not res.wrong_year, res.wrong_year
    assert not res.wrong_region, res.wrong_region
    assert res.found == len(run["truth"]) == run["summary"]["reports"]
    assert run["summary"]["failed"] == 0


def test_figures_equal_gold(run):
    """Every crawled report's figures equal the gold file wherever the parser reads the original
    document exactly; where it does not (ambiguous text dumps, flagged), the crawl loses nothing:
    the crawled report is read exactly like the original file."""
    import parsers

    by_url = {r["url"]: r for r in run["results"]}
    exact = 0
    for t in run["truth"]:
        r = by_url[t["url"]]
        gold = json.loads((DOCS / t["gold"]).read_text(encoding="utf-8"))
        crawled = gold_mismatches(r["cells"], gold)
        ext = t["file"].rsplit(".", 1)[1]
        ctype = {"txt": "text/plain; charset=utf-8", "html": "text/html; charset=utf-8", "pdf": "application/pdf"}[ext]
        original = parsers.parse_document((DOCS / t["file"]).read_bytes(), ctype, None)
        offline = gold_mismatches(report_cells(original), gold)
        assert crawled == offline, (t["site"], t["file"], crawled[:5], offline[:5])
        if offline:
            assert r["flagged"], f"{t['file']} differs from gold without being flagged"
        else:
            exact += 1
        assert r["year"] == gold["year"] == t["year"]
    assert exact >= len(run["truth"]) // 2


@pytest.mark.parametrize("family", FAMILIES)
def test_family(run, family):
    """Every family's reports are found, and each site's family is recognised from its pages
    (the registry names none)."""
    truth = [t for t in run["truth"] if t["family"] == family]
    assert truth
    res = check([r for r in run["results"] if (r.get("family") or None) == family], truth)
    assert res.found == len(truth) and not res.extra and not res.wrong_year and not res.wrong_region, res.summary()


def test_browser_only_for_js_list_and_412_site(run):
    sites = {s.name: s for s in run["srv"].portal.sites}
    browser_docs = {r["url"] for r in run["results"] if r.get("via_browser")}
    ruishu_pages = {t["url"] for t in run["truth"] if t["site"] == "ruishu" and t["url"].endswith(".shtml")}
    assert browser_docs == ruishu_pages  # the 412 site's detail pages, nothing else
    # pages the browser navigated to (it may also load the page's scripts; styles/images are blocked)
    browser_paths = {e["path"] for e in run["log"] if e["browser"] and not e["path"].endswith(".js")}
    assert browser_paths, "no request came from the browser"
    for p in browser_paths:
        assert p == "/ptdata/gkml/nb/index.html" or (p.startswith("/ruishu/") and p.endswith(".shtml")
                                                     and "list" not in p), p
    assert "/ptdata/gkml/nb/index.html" in browser_paths
    assert sites["ptdata"].family is None and sites["ptdata"].build == "jslist"
    # the challenge was passed by the browser: a 412 then a 200 for the same page (later pages
    # may pass at once: the browser keeps the clearance cookie); every 200 came from the browser
    details = [e for e in run["log"] if e["path"].startswith("/ruishu/") and e["path"].endswith(".shtml")
               and "list" not in e["path"]]
    challenged = {e["path"] for e in details if e["status"] == 412}
    passed = {e["path"] for e in details if e["status"] == 200}
    assert challenged & passed
    assert all(e["browser"] for e in details if e["status"] == 200)
    # two browser sites (four download handlers), one Chromium for the whole crawl
    assert run["summary"]["browsers_launched"] == 1


def test_without_browser_those_sites_fail(run, tmp_path):
    """The JS-only list and the 412 site really need the browser: with the flags off, the crawl
    finds none of the list's reports and stores no challenge page."""
    reg = json.loads((ROOT / "samples/portal/sites.json").read_text(encoding="utf-8"))
    for s in reg["sites"]:
        s.pop("browser_lists", None)
        s.pop("browser_details", None)
    path = tmp_path / "nobrowser.json"
    path.write_text(json.dumps(reg, ensure_ascii=False), encoding="utf-8")
    with PortalServer() as srv:
        summary, results = crawl(tmp_path, srv.url, "--site", "ptdata", "--site", "ruishu", "--download-only",
                                 registry=str(path), name="nobrowser")
        log = list(srv.portal.log)
    assert not [r for r in results if r["site"] == "ptdata"]
    got = {r["url"].split("/", 3)[3] for r in results}
    assert not any(u.endswith(".shtml") for u in got)  # no challenge page stored as a report
    assert summary["challenges"] >= 1 and summary["per_site"]["ruishu"]["challenges"] >= 1
    assert 'set "browser_details": true for these sites' in summary["stderr"]
    assert not [e for e in log if e["browser"]]


def test_politeness_defences(run):
    log = run["log"]
    assert not [e for e in log if "/private/" in e["path"]], "robots.txt Disallow not obeyed"
    assert [e for e in log if e["path"] == "/robots.txt"]
    assert all("govreports" in e["ua"] for e in log if not e["browser"])
    assert run["summary"]["soft_blocks"] >= 1  # the shanghai soft block was seen, retried, not stored
    assert not [r for r in run["results"] if r.get("status") == "soft_block" and r["outcome"] == "stored"]


def test_stored_in_database(run):
    from sqlalchemy import create_engine, text

    eng = create_engine(f"sqlite:///{run['tmp'] / 'crawl.db'}")
    with eng.connect() as c:
        n = c.execute(text("select count(distinct document_id) from report_versions")).scalar()
        regions = {r[0] for r in c.execute(text("select distinct region_code from report_versions"))}
    assert n == len(run["truth"])
    assert regions == {t["region_code"] for t in run["truth"]}


def test_every_report_is_tied_to_the_body_that_wrote_it(run):
    """Every stored report has an agency naming the body of the portal's truth (as printed: 洪泽区人民政府
    for 淮安市洪泽区人民政府 is one body), none the hosting site's name where the report says otherwise,
    and one report key per body and year — neither one body split nor two merged."""
    from collections import defaultdict
    from urllib.parse import urlsplit

    from sqlalchemy import create_engine, text

    from parsers.metadata import AGENCY_SOURCES, same_body

    truth = {urlsplit(t["url"]).path: t for t in run["truth"]}
    eng = create_engine(f"sqlite:///{run['tmp'] / 'crawl.db'}")
    with eng.connect() as c:
        rows = c.execute(text("SELECT d.url, v.id, v.agency, v.agency_source, v.report_key, v.region_code "
                              "FROM report_versions v JOIN documents d ON d.id = v.document_id")).all()
        page_findings = {r.report_id for r in c.execute(text(
            "SELECT report_id FROM findings WHERE rule = 'body.page_names_other'"))}
    assert len(rows) == len(truth)
    keys, bodies = defaultdict(set), defaultdict(set)
    for r in rows:
        t = truth[urlsplit(r.url).path]
        assert r.agency and r.agency_source in AGENCY_SOURCES, (r.url, r.agency)
        assert same_body(r.agency, t["agency"]), (t["file"], r.agency, t["agency"])
        keys[(t["agency"], t["year"])].add(r.report_key)
        bodies[r.report_key].add((t["agency"], t["year"]))
        if t["file"] == "jilin-forestry-2018.html":  # on a page naming 吉林省安图县林业局 in its meta
            assert (r.agency, r.agency_source, r.region_code) == ("吉林市林业局", "title", "220200")
            assert r.id in page_findings
    assert not {k: v for k, v in keys.items() if len(v) > 1}  # one body-year split
    assert not {k: v for k, v in bodies.items() if len(v) > 1}  # two merged


def test_selection_by_region_and_year(tmp_path):
    with PortalServer() as srv:
        summary, results = crawl(tmp_path, srv.url, "--region", "3590", "--year", "2023", name="sel")
        sites = {s.name for s in srv.portal.sites if s.region.startswith("3590")}  # the sites --region selects
        want = {t["url"] for t in srv.truth()
                if t["site"] in sites and t["region_code"].startswith("3590") and t["year"] == 2023}
    assert summary["sites"] == 3
    assert {r["url"] for r in results if r["outcome"] == "stored"} == want


def test_every_waiting_request_waited_on_disk(run):
    """The crawl's scheduler keeps waiting requests in disk queues (crawler.queues.SpoolingScheduler):
    none of the portal's requests — the browser's included — had to wait in memory, and the queues'
    directory went with the crawl."""
    assert run["summary"]["requests"] > 100 and run["summary"]["requests_queued_in_memory"] == 0
