"""Downloader middlewares: retries with exponential back-off (and the server's Retry-After, up to
a cap), per-site path pinning, and the crawl faults that would otherwise end in nothing: schemes
other than http(s), redirect loops, decompression bombs, bodies that are no document."""
from __future__ import annotations

import asyncio
import logging

from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.response import response_status_message

logger = logging.getLogger(__name__)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry policy, but each retry waits RETRY_BACKOFF_BASE * 2**(n-1) seconds first
    (capped at RETRY_BACKOFF_MAX) without blocking other requests."""

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)
        self.retry_after_max = settings.getfloat("RETRY_AFTER_MAX", 300.0)

    def _delay(self, request) -> float:
        n = request.meta.get("retry_times", 0) + 1
        return min(self.backoff_max, self.backoff_base * 2 ** (n - 1))

    async def process_response(self, request, response, spider=None):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        delay = self._delay(request)
        wait = retry_after(response)
        if wait is not None:
            if wait > self.retry_after_max:  # asked to come back much later: a later run will
                from .context import entry_of, record_fault

                record_fault(getattr(self, "crawler", None), "retry_after",
                             f"HTTP {response.status} asks to retry after {wait:g} s, more than RETRY_AFTER_MAX "
                             f"({self.retry_after_max:g} s): left for a later run {request.url}", entry_of(request))
                raise IgnoreRequest(f"Retry-After {wait:g} s")
            delay = max(delay, wait)
        new = get_retry_request(request, spider=self._spider(), reason=response_status_message(response.status),
                                max_retry_times=self.max_retry_times)
        if new is None:
            return response
        await asyncio.sleep(delay)
        return new

    async def process_exception(self, request, exception, spider=None):
        if isinstance(exception, self.exceptions_to_retry) and not request.meta.get("dont_retry", False):
            new = get_retry_request(request, spider=self._spider(), reason=exception,
                                    max_retry_times=self.max_retry_times)
            if new is not None:
                await asyncio.sleep(self._delay(request))
            return new
        return None

    def _spider(self):
        crawler = getattr(self, "crawler", None)
        return getattr(crawler, "spider", None)


def retry_after(response) -> float | None:
    """Seconds the server's Retry-After asks for (a number or an HTTP date), None without one."""
    raw = response.headers.get("Retry-After")
    if not raw:
        return None
    text = raw.decode("latin-1").strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime
    from datetime import datetime, timezone

    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


class SitePrefixMiddleware:
    """Keep a site's requests under its path prefix (sites sharing one host), besides
    allowed_domains which pins hosts."""

    def process_request(self, request, spider=None):
        sp = getattr(self, "_spider_ref", None) or spider
        prefix = getattr(sp, "path_prefix", None) if sp else None
        if prefix and request.url.split("://", 1)[-1].split("/", 1)[-1] and \
                not ("/" + request.url.split("://", 1)[-1].split("/", 1)[-1]).startswith(prefix) and \
                not request.url.endswith("/robots.txt"):
            logger.debug("off-site path %s (site prefix %s)", request.url, prefix)
            raise IgnoreRequest(f"outside {prefix}")
        return None

    @classmethod
    def from_crawler(cls, crawler):
        mw = cls()
        mw._crawler = crawler
        return mw

    @property
    def _spider_ref(self):
        return getattr(self._crawler, "spider", None)


# ---------------------------------------------------------------------------- crawl faults
# Every fault leaves a failure with its reason in the run (crawler.context.record_fault); the
# kinds are counted in the crawl summary's "faults".

FETCHED_SCHEMES = ("http", "https")
# Bodies no report page is: images and other binaries served under a text type.
_IMAGE_MAGIC = {b"GIF8": "a GIF image", b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image",
                b"BM": "a BMP image", b"RIFF": "a RIFF (WebP/AVI) file", b"\x00\x00\x01\x00": "an icon"}
_DOCUMENT_MAGIC = (b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"{\\rtf")


def classify(exception) -> tuple[str, str]:
    """The fault kind of a download exception and the words for it."""
    from scrapy import exceptions as e

    for cls, kind, words in ((e.DownloadTimeoutError, "timeout", "timed out"),
                             (e.DownloadConnectionRefusedError, "connection_refused", "connection refused"),
                             (e.CannotResolveHostError, "dns", "host name not resolved"),
                             (e.ResponseDataLossError, "truncated", "body cut short (connection closed early)"),
                             (e.DownloadCancelledError, "oversize", "body over DOWNLOAD_MAXSIZE"),
                             (e.UnsupportedURLSchemeError, "scheme", "scheme not fetched"),
                             (e.DownloadFailedError, "connection_lost", "connection lost or reset")):
        if isinstance(exception, cls):
            return kind, words
    name = type(exception).__name__
    if "Timeout" in name:
        return "timeout", "timed out"
    if "ConnectionLost" in name or "ConnectionDone" in name or "ResponseFailed" in name or "Reset" in name:
        return "connection_lost", "connection lost or reset"
    return "download_error", "download failed"


def _faults(crawler):
    from .context import entry_of, record_fault

    return entry_of, record_fault


class SchemeMiddleware:
    """Only http and https are fetched: an ftp://, file:// or data: link is a fault with its reason,
    never a download (Scrapy's own handlers would fetch ftp:// and read local files)."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        scheme = request.url.split(":", 1)[0].lower()
        if scheme not in FETCHED_SCHEMES:
            entry_of, record_fault = _faults(self.crawler)
            record_fault(self.crawler, "scheme", f"not fetched: {scheme}:// link (only http and https) {request.url}",
                         entry_of(request))
            raise IgnoreRequest(f"{scheme}:// is not fetched")
        return None


from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware  # noqa: E402
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware  # noqa: E402


class RecordedRedirectMiddleware(RedirectMiddleware):
    """Scrapy's redirects, with the ways they end in nothing recorded: a loop (a URL met again in
    the chain, which the duplicate filter would otherwise drop silently), too many redirects, and
    a redirect to a scheme that is not fetched."""

    def process_response(self, request, response, spider=None):
        location = response.headers.get("Location") if 300 <= response.status < 400 else None
        if location is not None:
            from urllib.parse import urljoin

            target = urljoin(request.url, location.decode("latin-1"))
            scheme = target.split(":", 1)[0].lower()
            chain = [*request.meta.get("redirect_urls", []), request.url]
            entry_of, record_fault = _faults(self.crawler)
            if scheme not in FETCHED_SCHEMES:
                record_fault(self.crawler, "scheme", f"redirect to a {scheme}:// URL not followed: "
                             f"{request.url} -> {target}", entry_of(request))
                raise IgnoreRequest(f"redirect to {scheme}://")
            # A URL met again is a loop — unless the server set a cookie on the way (a cookie
            # check that sends the client back to the page it asked for), once.
            seen = chain.count(target)
            if seen >= 2 or (seen and not response.headers.getlist("Set-Cookie")):
                record_fault(self.crawler, "redirect_loop", f"redirect loop after {len(chain)} hops: "
                             + " -> ".join(chain[-4:] + [target]), entry_of(request))
                raise IgnoreRequest("redirect loop")
        try:
            return super().process_response(request, response)  # spider: deprecated in Scrapy
        except IgnoreRequest as exc:
            entry_of, record_fault = _faults(self.crawler)
            record_fault(self.crawler, "redirect_loop", f"{exc} ({self.max_redirect_times}): {request.url}",
                         entry_of(request))
            raise


class RecordedCompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression, bounded by DOWNLOAD_MAXSIZE; a body that inflates past it (a gzip or
    deflate bomb) is a fault with its reason instead of a silent drop."""

    @classmethod
    def from_crawler(cls, crawler):
        mw = super().from_crawler(crawler)
        mw.crawler = crawler  # Scrapy's keeps only the stats
        return mw

    def process_response(self, request, response, spider=None):
        try:
            return super().process_response(request, response)
        except IgnoreRequest as exc:
            entry_of, record_fault = _faults(self.crawler)
            encoding = b",".join(response.headers.getlist("Content-Encoding")).decode("latin-1")
            record_fault(self.crawler, "decompression_bomb",
                         f"{encoding} body of {len(response.body)} B inflates past DOWNLOAD_MAXSIZE "
                         f"({self._max_size} B): {request.url}", entry_of(request))
            raise


class BodyCheckMiddleware:
    """A body that is no document although served under a text type — an image or binary bytes as
    text/html — is a fault, not a report version."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response, spider=None):
        ctype = (response.headers.get("Content-Type") or b"").decode("latin-1").lower()
        if response.status != 200 or not (ctype.startswith("text/") or "html" in ctype or "xml" in ctype):
            return response
        head = response.body[:4096]
        what = next((w for magic, w in _IMAGE_MAGIC.items() if head.startswith(magic)), None)
        if what is None and not head.startswith(_DOCUMENT_MAGIC):
            from parsers.decoding import looks_binary

            if looks_binary(head):
                what = "binary bytes"
        if what is None:
            return response
        entry_of, record_fault = _faults(self.crawler)
        record_fault(self.crawler, "not_a_document", f"{what} served as {ctype or 'no type'}: {request.url}",
                     entry_of(request))
        raise IgnoreRequest(f"{what} served as {ctype}")
