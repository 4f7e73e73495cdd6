"""Requests that failed for good (after the retries), recorded as crawl faults: in the crawler's
stats, and in the run's failures with the reason where the crawl is recorded (crawler.context)."""
from __future__ import annotations

from scrapy.exceptions import IgnoreRequest

from .context import record_fault


class FailedRequestMiddleware:
    """An HTTP error status or a download exception that reaches it is a fault: the retry middleware
    sits nearer the downloader, so it only sees what retrying gave up on."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response, spider=None):
        if response.status >= 400 and not request.url.endswith("/robots.txt") and not (
                request.meta.get("via_browser") and response.status in (412, 521)):
            record_fault(self.crawler, "http_status", f"HTTP {response.status} {request.url}", request=request)
        return response

    def process_exception(self, request, exception, spider=None):
        if not isinstance(exception, IgnoreRequest):  # robots.txt, off-site: not a failure
            from .middlewares import classify

            kind, words = classify(exception)  # timeout, truncated, oversize, connection_lost, …
            record_fault(self.crawler, kind, f"{words}: {type(exception).__name__}: {exception} ({request.url})",
                         request=request)
        return None
