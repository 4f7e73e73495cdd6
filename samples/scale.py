"""A generated scale portal: hundreds of report columns on many hosts, served from loopback with a
per-host rate limit, as real government servers limit a client.

Sites share hosts as county portals do (one host carrying several bodies' columns, each under a
path prefix); every host is an address of its own in 127.77.0.0/16, so a crawler keeps one
politeness slot per host. Each column lists its reports 20 to a page (TRS's createPageHTML pager);
a report is an HTML detail page (a real report's text in page chrome of realistic size) or a cover
page with a PDF attachment (a real report's PDF). Every document is distinct bytes; the HTML ones
each of a body of its own (a PDF keeps the body and year its real report prints).

The server (Twisted, already a dependency through Scrapy) runs in a process of its own and counts
every request it answers; ``GET /_stats`` on its control address reports them.

    python -m samples.scale serve --sites 500 --documents 20000 --port 0
"""
from __future__ import annotations

import argparse
import html
import json
import random
import re
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPORTS = HERE / "reports"  # the seed reports: text with gold files (agency, year)
OFFICE = HERE / "office"  # real PDFs
PER_PAGE = 20
PLACES = "安宁永和长乐兴隆新城东阳南平西山北湖青云白石清河金川玉泉龙岗凤凰桃源"  # name pieces
BODIES = ("教育局", "财政局", "民政局", "卫生健康委员会", "自然资源局", "住房和城乡建设局", "交通运输局", "水利局",
          "农业农村局", "商务局", "文化和旅游局", "应急管理局", "审计局", "市场监督管理局", "统计局", "医疗保障局",
          "人民政府办公室", "司法局", "人力资源和社会保障局", "生态环境局")


@dataclass
class Spec:
    sites: int = 500
    documents: int = 20_000
    hosts: int = 0  # 0: one host per two sites
    pdf_share: float = 0.25
    rate: float = 1.0  # requests a second each host allows (token bucket)
    burst: int = 3
    seed: int = 1

    def host_count(self) -> int:
        return self.hosts or max(1, self.sites // 2)


@dataclass
class Doc:
    path: str  # the detail page
    title: str
    date: str
    agency: str
    year: int
    template: str  # a seed report (.txt) or a PDF of samples/office
    pdf: str | None = None  # the attachment's path, for a PDF report


@dataclass
class Site:
    name: str
    host: str
    region_code: str
    docs: list[Doc] = field(default_factory=list)

    @property
    def column(self) -> str:
        return f"/{self.name}/zfxxgknb/"


def host_address(i: int) -> str:
    return f"127.77.{i // 250}.{i % 250 + 2}"


def _agency(rng: random.Random, used: set[str]) -> str:
    while True:
        place = "".join(rng.sample(PLACES, 2)) + rng.choice("县区市")
        name = place + rng.choice(BODIES)
        if name not in used:
            used.add(name)
            return name


def plan(spec: Spec) -> list[Site]:
    """The portal's sites and documents, the same for the same spec."""
    rng = random.Random(spec.seed)
    texts = sorted(p.name for p in REPORTS.glob("*.txt"))
    pdfs = sorted(p.name for p in OFFICE.glob("*.pdf"))
    regions = ["110105", "320813", "350128", "370826", "410902", "440307", "510104", "620102"]
    hosts = spec.host_count()
    # site sizes vary (a few large columns, many small ones), summing to spec.documents
    weights = [rng.paretovariate(2.0) for _ in range(spec.sites)]
    scale = spec.documents / sum(weights)
    sizes = [max(1, int(w * scale)) for w in weights]
    for i in range(spec.documents - sum(sizes)):
        sizes[i % spec.sites] += 1
    while sum(sizes) > spec.documents:
        sizes[sizes.index(max(sizes))] -= 1
    used: set[str] = set()
    sites = []
    for i, n in enumerate(sizes):
        site = Site(f"s{i:04d}", host_address(i % hosts), regions[i % len(regions)])
        for k in range(n):
            year = 2008 + (k % 18)
            agency = _agency(rng, used)
            date = f"{year + 1}-0{1 + k % 3}-{10 + k % 18:02d}"
            path = f"{site.column}{year + 1}{k % 12 + 1:02d}/t{i:04d}_{k:05d}.html"
            title = f"{agency}{year}年政府信息公开工作年度报告"
            if pdfs and rng.random() < spec.pdf_share:
                doc = Doc(path, title, date, agency, year, rng.choice(pdfs), pdf=path[:-5] + ".pdf")
            else:
                doc = Doc(path, title, date, agency, year, rng.choice(texts))
            site.docs.append(doc)
        sites.append(site)
    return sites


def registry(sites: list[Site], port: int) -> dict:
    return {"sites": [{"name": s.name, "title": s.name, "region_code": s.region_code,
                       "start_urls": [f"http://{s.host}:{port}{s.column}"], "path_prefix": f"/{s.name}/"}
                      for s in sites]}


# ---------------------------------------------------------------- pages

_CHROME = None


def _chrome() -> str:
    """Navigation and footer of realistic weight (a real portal page carries 30-60 KB of it)."""
    global _CHROME
    if _CHROME is None:
        links = "".join(f'<li><a href="/col/col{n}/index.html">栏目{n}</a></li>' for n in range(150))
        script = "var config = {" + ",".join(f'"k{n}": "{n:08x}"' for n in range(1500)) + "};"
        _CHROME = f'<script>{script}</script><div class="nav"><ul>{links}</ul></div>'
    return _CHROME


def _page(title: str, body: str, sid: str | None = None) -> bytes:
    meta = f'<meta name="SiteIDCode" content="{sid}">' if sid else ""
    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\">" + meta
            + f"<title>{html.escape(title)}</title></head><body>" + _chrome()
            + body + '<div class="footer">主办单位：示例县人民政府办公室</div></body></html>').encode("utf-8")


def list_page(site: Site, n: int) -> bytes:
    pages = max(1, -(-len(site.docs) // PER_PAGE))
    chunk = site.docs[n * PER_PAGE:(n + 1) * PER_PAGE]
    lis = "".join(f'<li><a href="{html.escape(d.path)}" title="{html.escape(d.title)}">{html.escape(d.title)}</a>'
                  f"<span>{d.date}</span></li>" for d in chunk)
    pager = (f'<div class="page"><script>var currentPage = {n};var countPage = {pages};'
             f'createPageHTML({pages}, {n}, "index", "html");</script></div>')
    return _page("政府信息公开年报", f'<div class="list"><ul class="list-ul">{lis}</ul></div>{pager}')


_TEXTS: dict[str, tuple[str, str]] = {}


def _text(name: str) -> tuple[str, str]:
    """A seed report's text and its printed agency."""
    if name not in _TEXTS:
        gold = json.loads((REPORTS / name).with_suffix(".json").read_text(encoding="utf-8"))
        _TEXTS[name] = ((REPORTS / name).read_text(encoding="utf-8"), gold.get("agency") or "")
    return _TEXTS[name]


def detail_page(site: Site, doc: Doc) -> bytes:
    sid = site.region_code + "0001"
    if doc.pdf:
        body = (f'<div class="article"><h1>{html.escape(doc.title)}</h1><div class="TRS_Editor">'
                f'<p>{html.escape(doc.title)}全文见附件。</p>'
                f'<p>附件：<a href="{html.escape(doc.pdf)}">{html.escape(doc.title)}.pdf</a></p></div></div>')
        return _page(doc.title, body, sid)
    text, agency = _text(doc.template)
    if agency:
        text = text.replace(agency, doc.agency)
    text = re.sub(r"20\d\d年", f"{doc.year}年", text, count=1)
    paras = "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip())
    body = f'<div class="article"><h1>{html.escape(doc.title)}</h1><div class="TRS_Editor">{paras}</div></div>'
    return _page(doc.title, body, sid)


def pdf_bytes(site: Site, doc: Doc) -> bytes:
    """A real report's PDF, made distinct bytes (a comment after its end)."""
    data = (OFFICE / doc.template).read_bytes()
    return data + f"\n% govreports scale portal {site.name} {doc.path}\n".encode()


# ---------------------------------------------------------------- the server (run in its own process)

def serve(spec: Spec, port: int, control_port: int, ready_file: str | None = None) -> None:
    from twisted.internet import reactor
    from twisted.web import resource, server

    sites = plan(spec)
    by_host: dict[str, dict[str, Site]] = {}
    docs: dict[tuple[str, str], tuple[Site, Doc, str]] = {}
    for s in sites:
        by_host.setdefault(s.host, {})[s.name] = s
        for d in s.docs:
            docs[(s.host, d.path)] = (s, d, "detail")
            if d.pdf:
                docs[(s.host, d.pdf)] = (s, d, "pdf")
    counts: dict[str, int] = {}  # "host path" -> requests answered
    stats = {"requests": 0, "rate_limited": 0, "per_host": {}, "started": time.time()}
    buckets: dict[str, list[float]] = {h: [float(spec.burst), time.monotonic()] for h in by_host}

    def allowed(host: str) -> bool:
        tokens, last = buckets[host]
        now = time.monotonic()
        tokens = min(spec.burst, tokens + (now - last) * spec.rate)
        ok = tokens >= 1.0
        buckets[host] = [tokens - 1.0 if ok else tokens, now]
        return ok

    class Portal(resource.Resource):
        isLeaf = True

        def render_GET(self, request):
            host = request.getHost().host
            path = request.path.decode("latin-1")
            if host not in by_host:
                request.setResponseCode(404)
                return b""
            if not allowed(host):
                stats["rate_limited"] += 1
                request.setResponseCode(429)
                request.setHeader(b"Retry-After", b"1")
                return b"Too Many Requests"
            stats["requests"] += 1
            stats["per_host"][host] = stats["per_host"].get(host, 0) + 1
            key = f"{host} {path}"
            counts[key] = counts.get(key, 0) + 1
            if path == "/robots.txt":
                request.setHeader(b"Content-Type", b"text/plain")
                return b"User-agent: *\nAllow: /\n"
            hit = docs.get((host, path))
            if hit is not None:
                site, doc, kind = hit
                if kind == "pdf":
                    request.setHeader(b"Content-Type", b"application/pdf")
                    return pdf_bytes(site, doc)
                request.setHeader(b"Content-Type", b"text/html; charset=utf-8")
                return detail_page(site, doc)
            m = re.fullmatch(r"/(s\d{4})/zfxxgknb/(?:index(?:_(\d+))?\.html)?", path)
            site = by_host[host].get(m.group(1)) if m else None
            if site is not None:
                n = int(m.group(2) or 0)
                if n * PER_PAGE < max(1, len(site.docs)):
                    request.setHeader(b"Content-Type", b"text/html; charset=utf-8")
                    return list_page(site, n)
            request.setResponseCode(404)
            return b"not found"

    class Control(resource.Resource):
        isLeaf = True

        def render_GET(self, request):
            request.setHeader(b"Content-Type", b"application/json")
            twice = {k: v for k, v in counts.items() if v > 1}
            return json.dumps(dict(stats, paths=len(counts), fetched_twice=twice, counts=counts)).encode()

    site = server.Site(Portal())
    site.noisy = False
    first = reactor.listenTCP(port, site, interface=host_address(0))
    port = first.getHost().port
    for host in sorted(by_host):
        if host != host_address(0):
            reactor.listenTCP(port, site, interface=host)
    ctl = reactor.listenTCP(control_port, server.Site(Control()), interface="127.0.0.1")
    if ready_file:
        Path(ready_file).write_text(json.dumps({"port": port, "control": ctl.getHost().port}))
    reactor.run()


class ScalePortal:
    """The scale portal in a process of its own: `with ScalePortal(spec) as portal: portal.registry_file`."""

    def __init__(self, spec: Spec, workdir: Path) -> None:
        self.spec, self.workdir = spec, Path(workdir)
        self.sites = plan(spec)
        self.proc: subprocess.Popen | None = None
        self.port = self.control = 0

    def start(self) -> "ScalePortal":
        ready = self.workdir / "scale-portal.json"
        ready.unlink(missing_ok=True)
        cmd = [sys.executable, "-m", "samples.scale", "serve", "--port", "0", "--ready", str(ready),
               "--spec", json.dumps(asdict(self.spec))]
        self.proc = subprocess.Popen(cmd, cwd=HERE.parent)
        deadline = time.monotonic() + 60
        while not ready.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the scale portal did not start (see its stderr)")
            time.sleep(0.05)
        time.sleep(0.05)
        info = json.loads(ready.read_text())
        self.port, self.control = info["port"], info["control"]
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)

    def __enter__(self) -> "ScalePortal":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def stats(self) -> dict:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.control}/_stats", timeout=30) as r:
            return json.loads(r.read())

    def registry_file(self, sites: list[Site] | None = None) -> Path:
        path = self.workdir / "scale-sites.json"
        path.write_text(json.dumps(registry(sites or self.sites, self.port), ensure_ascii=False), encoding="utf-8")
        return path

    def documents(self) -> int:
        return sum(len(s.docs) for s in self.sites)

    def requests_needed(self) -> dict[str, int]:
        """Requests a complete crawl makes per host: list pages, detail pages, attachments, robots.txt."""
        per: dict[str, int] = {}
        for s in self.sites:
            pages = max(1, -(-len(s.docs) // PER_PAGE))
            per[s.host] = per.get(s.host, 1) + pages + len(s.docs) + sum(1 for d in s.docs if d.pdf)
        return per


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m samples.scale", description="serve the generated scale portal")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--spec", default="{}", help="the Spec as JSON (sites, documents, hosts, pdf_share, rate, burst, seed)")
    s.add_argument("--sites", type=int)
    s.add_argument("--documents", type=int)
    s.add_argument("--port", type=int, default=0)
    s.add_argument("--control-port", type=int, default=0)
    s.add_argument("--ready", help="write the ports chosen to this file once listening")
    args = p.parse_args(argv)
    spec = Spec(**json.loads(args.spec))
    if args.sites:
        spec.sites = args.sites
    if args.documents:
        spec.documents = args.documents
    serve(spec, args.port, args.control_port, args.ready)
    return 0


if __name__ == "__main__":
    sys.exit(main())
