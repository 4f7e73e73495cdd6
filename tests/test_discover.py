"""`govreports discover`: a portal's report columns from its home page, as registry entries."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from scrapy.http import HtmlResponse

from crawler.discover import is_column_title, next_links, same_portal, site_name
from crawler.links import read_links
from samples.portal.server import PortalServer

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "discover"


def test_finds_every_sample_site_s_columns_from_its_home_page():
    with PortalServer() as srv:
        homes = [srv.url + s.home for s in srv.portal.sites]
        p = subprocess.run([sys.executable, "-m", "govreports_cli", "discover", "--impolite", *homes], cwd=ROOT,
                           capture_output=True, text=True, timeout=300)
        columns = srv.portal.columns()
        sites = {s.name: s for s in srv.portal.sites}
    assert p.returncode == 0, p.stderr[-2000:]
    entries = {e["name"]: e for e in json.loads(p.stdout)["sites"]}
    assert set(entries) == set(columns)
    for name, entry in entries.items():
        assert [u[len(srv.url):] for u in entry["start_urls"]] == columns[name], name
        assert entry["region_code"] == sites[name].region and entry["title"] == sites[name].site_name
    # the entries are ready for the registry: they load, with no family
    from crawler.registry import site_from_dict

    assert all(site_from_dict(e).family is None for e in entries.values())


def test_a_start_page_that_leads_nowhere_fails():
    with PortalServer() as srv:
        p = subprocess.run([sys.executable, "-m", "govreports_cli", "discover", "--impolite",
                            srv.url + "/nowhere/index.html"], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
    assert p.returncode == 1 and json.loads(p.stdout) == {"sites": []}
    assert "no report column found" in p.stderr


def test_links_towards_the_column_on_a_real_xxgk_page():
    """The real 信息公开 page of 柘城县 names its report columns in a side menu (政府年报, 乡镇年报,
    部门年报 under a 信息公开年报 heading that links nowhere) beside menus of other columns."""
    url = "http://www.zhecheng.gov.cn/xxgk/"
    r = HtmlResponse(url, body=(DATA / "zhecheng-xxgk-excerpt.html").read_bytes())
    page = read_links(r.selector.root, url, allowed=lambda u: same_portal(url, u))
    columns, towards = next_links(page, url)
    assert set(columns) == {url + "xxgknb/zfnb/index.html", url + "xxgknb/xznb/index.html",
                            url + "xxgknb/bmnb/index.html", url + "zfgznb/index.html"}
    assert "http://www.zhecheng.gov.cn/index2522.html?link=zwgk" in towards  # 信息公开
    assert url + "xxgkzn/index.html" in towards and url + "xxgkz/index.html" in towards
    assert not {u for u in towards + columns if "xxgkml" in u or "gov.cn/" in u and "zhecheng" not in u}


def test_names_and_titles():
    assert site_name("http://www.zhecheng.gov.cn/xxgk/") == "zhecheng"
    assert site_name("https://xxgk.shanghai.gov.cn/") == "xxgk-shanghai"
    assert site_name("http://127.0.0.1:8800/zcx/index.html") == "zcx"
    assert same_portal("http://www.zhecheng.gov.cn/", "http://xxgk.zhecheng.gov.cn/nb/")
    assert not same_portal("http://www.zhecheng.gov.cn/", "http://www.henan.gov.cn/")
    assert not same_portal("http://127.0.0.1:8800/zcx/index.html", "http://127.0.0.1:8800/lyj/index.html")
    for title in ("政府信息公开年报", "年度报告", "政府信息公开工作年度报告", "部门年报"):
        assert is_column_title(title), title
    for title in ("2023年政府信息公开工作年度报告", "政府信息公开工作年度报告编制指引", "政府信息公开指南",
                  "《2022年政府信息公开工作年度报告》解读"):
        assert not is_column_title(title), title
