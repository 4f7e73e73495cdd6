"""Fault mode of the sample portal (`govreports serve-samples --faults`): the same sites and reports,
served by a portal that misbehaves the way hostile or broken government servers do.

- Every report page and document answers its first GET with 503 and `Retry-After: 1`, then
  normally: a crawler that honours Retry-After and retries ends with every report.
- One site's first list page (FAULT_SITE) also links to one fault page per kind of FAULTS, each
  titled like an annual report, each failing for good in its own way. A crawler must leave each in
  the run's failures with its reason (the kind is what the crawl summary counts it as).
- Two columns of that site, not linked from it (CAP_COLUMNS), reach the crawl's caps: a list page of
  100,000 lines and a pager of 100,000 pages. A crawl of them must record a `cap` fault for each
  and end incomplete.

Standard library only, like the portal.
"""
from __future__ import annotations

import socket
import struct
import threading
import time
import zlib
from urllib.parse import urlsplit

from .server import PortalServer, Resp, _encode, make_handler

FAULT_SITE = "pingtan"
PREFIX = f"/{FAULT_SITE}/zwgk/faults/"
TIMEOUT_HOLD = 30.0  # seconds a time-out fault keeps the connection silent (the crawl's timeout is less)

# name: (what it does, the fault kind the crawler records)
FAULTS = {
    "http-500": ("500 on every try", "http_status"),
    "retry-after-3600": ("503 asking to retry after an hour", "retry_after"),
    "http-412": ("412, an anti-bot challenge status", "http_status"),
    "http-521": ("521, an anti-bot challenge status", "http_status"),
    "timeout": ("headers never sent", "timeout"),
    "reset": ("connection reset before an answer", "connection_lost"),
    "truncated": ("Content-Length larger than the body sent", "truncated"),
    "endless": ("a body that never ends", "oversize"),
    "oversize": ("a declared body of 10 GB", "oversize"),
    "gif-as-html": ("a GIF image served as text/html", "not_a_document"),
    "binary-as-html": ("binary bytes served as text/html", "not_a_document"),
    "redirect-loop": ("redirects that come back to themselves", "redirect_loop"),
    "redirect-ftp": ("a redirect to an ftp:// URL", "scheme"),
    "gzip-bomb": ("a gzip body inflating to 128 MB", "decompression_bomb"),
    "deflate-bomb": ("a deflate body inflating to 128 MB", "decompression_bomb"),
    "soft-block": ("a 200 page saying 访问过于频繁, every time", "soft_block"),
}
# Columns that reach the crawl's caps (crawler.caps), not linked from the site's list: a registry
# entry naming them as start URLs (`cap_registry`) must end incomplete with a `cap` fault for each.
CAPS_PREFIX = f"/{FAULT_SITE}/zwgk/caps/"
MANY_LINKS = 100_000  # lines of one list page (the cap on links read per list page is 5,000)
MANY_PAGES = 100_000  # pages a column's pager declares (the cap on list pages per column is 200)
CAP_COLUMNS = {
    "many-links": (f"one list page of {MANY_LINKS:,} lines", "links per list page"),
    "many-pages": (f"a pager declaring {MANY_PAGES:,} list pages", "list pages per column"),
}
_GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
        b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;") * 200


def fault_url(name: str) -> str:
    return PREFIX + name + ".html"


def cap_column_url(name: str) -> str:
    return CAPS_PREFIX + name + "/index.html"


def cap_registry(base_url: str | None = None) -> dict:
    """A registry of one site whose columns are the cap columns (relative URLs: give --base-url)."""
    return {"sites": [{"name": f"{FAULT_SITE}-caps", "title": "平潭综合实验区（上限测试栏目）", "region_code": "359000",
                       "start_urls": [(base_url or "") + cap_column_url(n) for n in CAP_COLUMNS]}]}


def cap_page(path: str) -> bytes | None:
    """The page of a cap column at `path` (list pages of news and budget lines, never reports)."""
    rest = path[len(CAPS_PREFIX):]
    name, _, page = rest.partition("/")
    if name == "many-links" and page in ("", "index.html"):
        lines = "".join(f'<li><a href="t20240105_{100000 + i}.html">平潭综合实验区2024年部门预算公开（{i + 1}）</a>'
                        f'<span>2024-01-05</span></li>\n' for i in range(MANY_LINKS))
        pager = ""
    elif name == "many-pages" and (page in ("", "index.html") or
                                   (page.startswith("index_") and page[6:-5].isdigit() and page.endswith(".html"))):
        n = 0 if page in ("", "index.html") else int(page[6:-5])
        if n >= MANY_PAGES:
            return None
        lines = f'<li><a href="t20240105_{200000 + n}.html">平潭综合实验区2024年部门决算公开（第{n + 1}页）</a><span>2024-01-05</span></li>'
        pager = f'<script>createPageHTML({MANY_PAGES}, {n}, "index", "html");</script>'
    else:
        return None
    return (f"<html><head><meta charset='utf-8'><title>上限测试</title></head><body><ul class='list'>{lines}</ul>"
            f"{pager}</body></html>").encode()


def _bomb(kind: str, inflated: int = 128 * 2**20) -> bytes:
    block = b"\0" * 2**20
    if kind == "gzip":
        z = zlib.compressobj(6, zlib.DEFLATED, 31)
    else:
        z = zlib.compressobj(6)
    return b"".join(z.compress(block) for _ in range(inflated // len(block))) + z.flush()


class FaultPortalServer(PortalServer):
    """The portal in fault mode; `faults_served` counts each fault page's requests."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, delay: float = 0.0) -> None:
        super().__init__(host, port, delay, handler=self._handler)
        self.first_seen: set[str] = set()
        self.faults_served: dict[str, int] = {}
        self.lock = threading.Lock()
        self._bombs = {kind: _bomb(kind) for kind in ("gzip", "deflate")}  # made before a request waits on them
        self.report_paths = {urlsplit(r["url"]).path for r in self.portal.reports} | \
            {urlsplit(r["detail"]).path for r in self.portal.reports}
        site = next(s for s in self.portal.sites if s.name == FAULT_SITE)
        self.list_path = f"/{FAULT_SITE}/zwgk/zfxxgknb/index.html"
        page = self.portal.pages[self.list_path]
        items = "".join(f'<li><a href="{fault_url(n)}" title="{t}">{t}</a><span>2024-01-{10 + i:02d}</span></li>\n'
                        for i, (n, t) in enumerate(self.titles().items()))
        text = page.body.decode(site.charset if site.charset == "utf-8" else "gb18030")
        text = text.replace("</ul>", items + "</ul>", 1)
        self.portal.pages[self.list_path] = Resp(page.status, page.ctype, _encode(site, text), dict(page.headers))

    @staticmethod
    def titles() -> dict[str, str]:
        return {n: f"平潭综合实验区{2015 + i % 9}年政府信息公开工作年度报告（附件{i + 1}）" for i, n in enumerate(FAULTS)}

    def bomb(self, kind: str) -> bytes:
        return self._bombs[kind]

    def _handler(self, portal):
        server = self
        base = make_handler(portal)

        class FaultHandler(base):
            def _serve(self, method: str) -> None:
                path = urlsplit(self.path).path
                if path.startswith(PREFIX):
                    name = path[len(PREFIX):].rsplit(".", 1)[0]
                    with server.lock:
                        server.faults_served[name] = server.faults_served.get(name, 0) + 1
                    return self._fault(name)
                if path.startswith(CAPS_PREFIX) and path not in portal.pages:
                    body = cap_page(path)
                    if body is not None:  # made on first request, then served (and logged) as any page
                        portal.pages[path] = Resp(200, "text/html; charset=utf-8", body)
                if method == "GET" and path in server.report_paths:
                    with server.lock:
                        first = path not in server.first_seen
                        server.first_seen.add(path)
                    if first:
                        with portal.log_lock:
                            portal.log.append({"method": method, "path": self.path, "status": 503, "t": time.time(),
                                               "ua": self.headers.get("User-Agent", ""), "browser": False})
                        return self._send(503, b"busy", {"Retry-After": "1"})
                return super()._serve(method)

            def _send(self, status: int, body: bytes, headers: dict | None = None,
                      ctype: str = "text/html; charset=utf-8") -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                if "Content-Length" not in (headers or {}):
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _fault(self, name: str) -> None:
                page = "<html><body><p>政府信息公开工作年度报告</p></body></html>".encode()
                if name == "http-500":
                    return self._send(500, b"internal error")
                if name == "retry-after-3600":
                    return self._send(503, b"busy", {"Retry-After": "3600"})
                if name in ("http-412", "http-521"):
                    return self._send(int(name[-3:]), b"<html><body>challenge</body></html>")
                if name == "timeout":
                    time.sleep(TIMEOUT_HOLD)
                    self.close_connection = True
                    return None
                if name == "reset":
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.close_connection = True
                    self.connection.close()
                    return None
                if name == "truncated":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", "100000")
                    self.end_headers()
                    self.wfile.write(page)
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_WR)
                    return None
                if name == "endless":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.close_connection = True
                    chunk = b"<p>" + "政府信息公开".encode() * 5000 + b"</p>\n"
                    try:
                        while True:
                            self.wfile.write(chunk)
                    except OSError:  # the crawler hung up: the fault did its work
                        return None
                if name == "oversize":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(10 * 2**30))
                    self.end_headers()
                    self.close_connection = True
                    try:
                        self.wfile.write(page)
                    except OSError:
                        pass
                    return None
                if name == "gif-as-html":
                    return self._send(200, _GIF)
                if name == "binary-as-html":
                    return self._send(200, bytes(range(256)) * 64)
                if name == "redirect-loop":
                    return self._send(302, b"", {"Location": fault_url("redirect-loop-b")})
                if name == "redirect-loop-b":
                    return self._send(302, b"", {"Location": fault_url("redirect-loop")})
                if name == "redirect-ftp":
                    host = self.headers.get("Host", "127.0.0.1").split(":")[0]
                    return self._send(302, b"", {"Location": f"ftp://{host}/{FAULT_SITE}/report.pdf"})
                if name in ("gzip-bomb", "deflate-bomb"):
                    kind = name.split("-")[0]
                    return self._send(200, server.bomb(kind), {"Content-Encoding": kind})
                if name == "soft-block":
                    return self._send(200, "<html><body>访问过于频繁，请稍后再试</body></html>".encode())
                return self._send(404, b"no such fault")

        return FaultHandler


def serve(host: str = "127.0.0.1", port: int = 8800) -> None:
    srv = FaultPortalServer(host, port)
    print(f"sample portal in fault mode at {srv.url}/  ({len(srv.portal.reports)} reports; every report answers "
          f"its first request with 503 + Retry-After: 1; {len(FAULTS)} fault pages listed on {srv.list_path})")
    for name, (what, kind) in FAULTS.items():
        print(f"  {fault_url(name):<48} {what}  -> {kind}")
    print("columns that reach the crawl's caps (register them: samples.portal.faults.cap_registry):")
    for name, (what, cap) in CAP_COLUMNS.items():
        print(f"  {cap_column_url(name):<48} {what}  -> cap on {cap}")
    try:
        srv.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        srv.httpd.server_close()
