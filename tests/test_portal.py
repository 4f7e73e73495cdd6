"""The sample portal behaves like the real portals (docs/crawling.md, "The sample portal", ../shared/portals/PORTALS.md)."""
from __future__ import annotations

import hashlib
import json
import re
import urllib.error
import urllib.request

import pytest

from samples.portal.server import PortalServer, truth


@pytest.fixture(scope="module")
def portal():
    with PortalServer() as srv:
        yield srv


def get(srv, path, data=None, headers=None):
    req = urllib.request.Request(srv.url + path, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


def test_sites_provinces_years(portal):
    t = portal.truth()
    sites = {r["site"] for r in t}
    assert len(sites) >= 8
    assert len({r["region_code"][:2] for r in t}) >= 3
    for s in sites:
        assert len({r["year"] for r in t if r["site"] == s}) >= 3, s
    from crawler.families import NAMES

    assert {s.family for s in portal.portal.sites} == set(NAMES) | {None}  # every family of the one list


def test_registry_names_the_columns_and_no_family(portal):
    """samples/portal/sites.json registers each site the way a user would (no family), with its
    report columns as start URLs."""
    from samples.portal.server import REGISTRY

    reg = json.loads(REGISTRY.read_text("utf-8"))
    got = {s["name"]: s["start_urls"] for s in reg["sites"]}
    assert got == portal.portal.columns()
    assert not [s for s in reg["sites"] if "family" in s]


def test_truth_matches_served_bytes(portal):
    for r in portal.truth():
        path = r["url"][len(portal.url):]
        if r["site"] == "ruishu" and path.endswith(".shtml"):
            continue  # behind the challenge; see test_challenge
        if r["site"] == "shanghai" and path.endswith(".shtml"):
            continue  # soft-blocked once
        status, _h, body = get(portal, path, headers={"Referer": portal.url + r["detail"]})
        assert status == 200, path
        assert hashlib.sha256(body).hexdigest() == r["sha256"], path
    assert truth()  # also without a server


def test_trs_classic_pagination_and_shell(portal):
    _s, _h, body = get(portal, "/pingtan/zwgk/zfxxgknb/index.html")
    html = body.decode()
    assert 'createPageHTML(4, 0, "index", "html")' in html
    assert get(portal, "/pingtan/zwgk/zfxxgknb/index_3.html")[0] == 200
    assert get(portal, "/pingtan/zwgk/zfxxgknb/index_4.html")[0] == 404
    shells = [p for p, r in portal.portal.pages.items() if len(r.body) < 300 and b"location.replace" in r.body]
    assert shells


def test_trs_newer_pagination(portal):
    html = get(portal, "/shanghai/zfxxgk/zfxxgknb/list.shtml")[2].decode()
    assert "createPageHTML('page_div', 3, 1, 'list', 'shtml', 5)" in html
    assert get(portal, "/shanghai/zfxxgk/zfxxgknb/list_3.shtml")[0] == 200
    # a year folder that differs from the report year
    assert any(r["year"] == 2024 and "/2025n79/" in r["url"] for r in portal.truth())


def test_hanweb_datastore_and_dataproxy(portal):
    html = get(portal, "/hongze/col/col1229038691/index.html")[2].decode()
    assert "<datastore>" in html and html.count("<record>") == 2
    unitid = re.search(r'unitid:"(\d+)"', html).group(1)
    form = f"col=1&appid=1&webid=3197&path=/&columnid=1229038691&sourceContentType=1&unitid={unitid}&permissiontype=0"
    xml = get(portal, "/hongze/module/web/jpage/dataproxy.jsp?startrecord=3&endrecord=60&perpage=20",
              data=form.encode())[2].decode()
    assert xml.count("<record>") == 3
    bad = get(portal, "/hongze/module/web/jpage/dataproxy.jsp?startrecord=3&endrecord=60&perpage=20",
              data=b"col=1&columnid=1229038691&unitid=1")[2].decode()
    assert "<record>" not in bad
    # attachments: downfile.jsp answers 302; the file refuses a download without Referer
    link = re.search(r"href='(/hongze/art/[^']+)'", xml).group(1)
    detail = get(portal, link)[2].decode()
    down = re.search(r'href="([^"]*downfile\.jsp[^"]*)"', detail)
    if down:
        opener = urllib.request.build_opener(NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as e:
            opener.open(portal.url + down.group(1).replace("&amp;", "&"))
        assert e.value.code == 302
        assert get(portal, e.value.headers["Location"])[0] == 403


def test_gkmlpt_api(portal):
    html = get(portal, "/longgang/gkmlpt/index")[2].decode()
    sid = re.search(r"SID:'(\d+)'", html).group(1)
    data = json.loads(get(portal, f"/longgang/gkmlpt/api/all/2155?page=1&sid={sid}")[2])
    assert data["total"] == 5 and len(data["articles"]) == 2
    assert {"id", "title", "url", "publisher", "display_publish_time", "create_time"} <= set(data["articles"][0])


def test_vsb_count_down(portal):
    html = get(portal, "/ptoffice/xxgk/xxgknb.htm")[2].decode("gb18030")
    assert 'href="xxgknb/2.htm"' in html and 'href="xxgknb/1.htm"' in html  # next page 2.htm, last 1.htm


def test_encodings(portal):
    status, headers, body = get(portal, "/ptoffice/xxgk/xxgknb.htm")
    assert "charset" not in headers["Content-Type"] and b"charset=gb2312" in body
    body.decode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    status, headers, body = get(portal, "/weishan/zwgk/zfxxgknb/index.html")
    assert "charset" not in headers["Content-Type"] and b"charset" not in body
    body.decode("gb18030")


def test_js_only_list_has_no_links_in_html(portal):
    html = get(portal, "/ptdata/gkml/nb/index.html")[2].decode()
    assert '<ul id="list" class="list-ul"></ul>' in html
    assert "content/post_" not in html and "年度报告" not in html.split("<ul id=\"list\"", 1)[1].split("</ul>")[0]


def test_challenge(portal):
    r = next(x for x in portal.truth() if x["site"] == "ruishu" and x["url"].endswith(".shtml"))
    status, headers, body = get(portal, r["url"][len(portal.url):])
    assert status == 412 and b"$_ts" in body and "__jsluid_s" in headers["Set-Cookie"]
    assert get(portal, "/ruishu/zfxxgk/zfxxgknb/list.shtml")[0] == 200  # lists are not protected


def test_soft_block_once_and_robots(portal):
    path = next(iter(portal.portal.softblock_once))
    s1, _h, b1 = get(portal, path)
    assert s1 == 200 and "访问异常" in b1.decode() and len(b1) < 1000
    s2, _h, b2 = get(portal, path)
    assert s2 == 200 and len(b2) > 1000
    robots = get(portal, "/robots.txt")[2].decode()
    assert "Disallow: /pingtan/private/" in robots


def test_detail_metadata(portal):
    r = next(x for x in portal.truth() if x["site"] == "longgang")
    html = get(portal, r["detail"][len(portal.url):])[2].decode()
    assert '<meta name="SiteIDCode" content="' in html and 'class="xxgk_table"' in html and "索引号" in html


def test_committed_truth_is_current():
    """samples/portal/truth.json (paths relative to the portal's base URL) matches the portal."""
    from pathlib import Path

    committed = json.loads((Path(__file__).resolve().parent.parent / "samples/portal/truth.json").read_text("utf-8"))
    assert committed == truth(), "regenerate: python -c 'import json; from samples.portal.server import truth; ...'"
