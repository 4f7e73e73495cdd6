"""Regions: every GB/T 2260 division with its parent, and each report under the code of the body
that wrote it — read from the report, checked against its site, disagreements kept as findings."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from parsers import parse_document
from parsers.record import Cell, Report
from storage import regions
from storage.hints import Hints, hints_applied
from storage.identity import bare_name, report_key_of
from storage.store import RawDocument, store
from test_storage import db_url, engine, pg_database  # noqa: F401  (the databases of both backends)

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "migrations" / "versions" / "0008_gb2260_divisions.txt"


def test_migration_snapshot_is_the_package_data():
    """Migration 0008 loads a frozen snapshot; it must be what the pinned package's data gives."""
    cols = ("code", "name", "parent_code", "level", "first_year", "last_year")
    frozen = [line.split("\t") for line in SNAPSHOT.read_text(encoding="utf-8").splitlines()
              if line and not line.startswith("#")]
    live = [["" if r[c] is None else str(r[c]) for c in cols] for r in regions.division_rows()]
    assert frozen == live


def test_regions_table_holds_every_division(engine):
    with engine.connect() as conn:
        def q(sql):
            return conn.execute(text(sql)).all()

        current = dict(q("SELECT level, COUNT(*) FROM regions WHERE last_year IS NULL AND first_year IS NOT NULL "
                         "GROUP BY level"))
        assert current[1] == 34 and current[2] >= 330 and current[3] >= 2840, current
        assert q("SELECT COUNT(*) FROM regions r LEFT JOIN regions p ON p.code = r.parent_code "
                 "WHERE r.parent_code IS NOT NULL AND p.code IS NULL") == [(0,)]
        chain = q("SELECT c.name, p.name, g.name FROM regions c JOIN regions p ON p.code = c.parent_code "
                  "JOIN regions g ON g.code = p.parent_code WHERE c.code = '410402'")
        assert chain == [("新华区", "平顶山市", "河南省")]
        # Counties of a municipality and counties directly under a province hang from the province.
        assert q("SELECT code, parent_code FROM regions WHERE code IN ('110105', '469005') ORDER BY code") == [
            ("110105", "110000"), ("469005", "460000")]
        # A division that no longer exists keeps its code and the years it was used.
        assert q("SELECT name, last_year FROM regions WHERE code = '371200'") == [("莱芜市", 2017)]


@pytest.mark.parametrize("names, year, site, registry, code, basis, rules", [
    (["平顶山市新华区教育局", "新华区教育局"], 2024, "130105", "370826", "410402", "body",
     {"region.site_differs", "region.registry_differs"}),
    (["新华区教育局"], 2024, "130105", None, "130105", "body+site", set()),  # three 新华区: the site says which
    (["新华区教育局"], 2024, None, None, None, None, {"region.ambiguous"}),  # and nothing is guessed
    (["柘城县人民法院"], 2017, None, "411424", "411424", "body", set()),
    (["国网河南省电力公司柘城县供电公司"], 2017, None, None, "411424", "body", set()),
    (["莱芜市人民政府"], 2018, None, None, "371200", "body", set()),  # the year's divisions (gone in 2019)
    (["济南市莱芜区人民政府"], 2020, None, None, "370116", "body", set()),
    (["市林业局"], 2018, "220200", "220200", "220200", "site", {"region.from_site"}),
    (["平潭综合实验区管委会"], 2021, "359000", None, "359000", "site", {"region.from_site"}),
    (["柘城县城关镇人民政府"], 2017, None, "411400", "411424", "body", set()),  # inside the site's region
    (["内蒙古自治区人民政府"], 2018, None, "150600", "150000", "body", {"region.registry_differs"}),
    (["朝阳区人民政府"], 2020, None, "220100", "220104", "body+registry", set()),
    # a copy whose printed names disagree (吉林市 in its text, 安图县 in its 来源): the first is kept, and said
    (["吉林市林业局", "市林业局", "吉林省安图县林业局-安图县林业局"], 2018, "220200", "220200", "220200", "body",
     {"region.names_differ"}),
])
def test_region_of_the_body(names, year, site, registry, code, basis, rules):
    reading = regions.region_of(names, year, site_code=site, registry_code=registry)
    assert (reading.code, reading.basis) == (code, basis), reading
    assert {f.rule for f in reading.findings} == rules, reading.findings
    assert all(f.severity == "info" for f in reading.findings)


def test_report_hosted_on_another_bodys_site():
    """平顶山市新华区教育局's report reposted on 微山县's site (registry 370826) with a Hebei 新华区
    SiteIDCode: stored under the body's Henan code, both disagreements kept as findings."""
    data = (ROOT / "samples" / "reports" / "004_b949586da4e36afb.txt").read_bytes()
    report = parse_document(data, "text/plain")
    assert report.agency == "新华区教育局" and "平顶山市新华区教育局" in report.body_names
    stored = hints_applied(report, Hints(site_id_code="1301050001", region_code="130105",
                                         registry_region_code="370826"))
    assert stored.region_code == "410402" and report.region_code is None  # the parser's record untouched
    report = stored
    found = {f.rule: f.message for f in report.findings}
    assert "130105 (河北省石家庄市新华区)" in found["region.site_differs"]
    assert "370826 (山东省济宁市微山县)" in found["region.registry_differs"]
    assert report.status == "ok"  # a finding about the site, not about the figures


def test_footer_site_code_and_signature_are_read(shared_dir):
    page = shared_dir / "portals" / "real" / "zhecheng" / "pages" / "bmnb_7479.html"
    report = parse_document(page.read_bytes(), "text/html")
    assert report.site_id_code == "4114240001"  # the footer's 网站标识码 (no SiteIDCode meta)
    assert report.body_names == ["柘城县人民法院"]
    regions.settle_region(report)
    assert report.region_code == "411424" and not [f for f in report.findings if f.rule.startswith("region.")]


def test_same_body_and_year_on_two_sites_is_one_report(engine):
    assert bare_name("平顶山市新华区教育局", "410402", 2024) == bare_name("新华区教育局", "410402", 2024) == "教育局"
    assert report_key_of("新华区教育局", 2024, "x", "410402") == report_key_of("平顶山市新华区教育局", 2024, "y", "410402")
    assert report_key_of("新华区教育局", 2024, "x", "130105") != report_key_of("新华区教育局", 2024, "x", "410402")

    def copy(agency: str) -> Report:
        cell = Cell("table3", "new_received", 6, "total", "3", 3, "number")
        return Report("ok", agency=agency, year=2024, template="2021", region_code="410402",
                      tables={"table2": None, "table3": {"new_received": [cell]}, "table4": None})

    store(engine, RawDocument(b"copy on the district's site", url="http://a.gov.cn/1.html"), copy("平顶山市新华区教育局"))
    store(engine, RawDocument(b"copy reposted elsewhere", url="http://b.gov.cn/2.html"), copy("新华区教育局"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(DISTINCT report_key), COUNT(*) FROM report_versions")).one() == (1, 2)
        assert conn.execute(text("SELECT COUNT(*) FROM reports")).scalar() == 1
