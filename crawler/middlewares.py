"""Downloader middlewares: retries with exponential back-off, and per-site path pinning."""
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

    def _delay(self, request) -> float:
        n = request.meta.get("retry_times", 0) + 1
        return min(self.backoff_max, self.backoff_base * 2 ** (n - 1))

    async def process_response(self, request, response, spider=None):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        delay = self._delay(request)
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
