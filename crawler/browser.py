"""One browser for the whole crawl: a scrapy-playwright download handler whose browser provider
shares one Playwright driver and one Chromium between every handler of the crawl.

Each browser site is its own Scrapy crawler, and each crawler makes a download handler per scheme
(http, https); with scrapy-playwright's default provider every handler starts its own driver (a
node process) and its own Chromium. Here the handlers of one crawl share them through the crawl's
context (crawler.context) — each handler still opens its own browser context, so sites never
share cookies — and the browser starts as soon as the first handler starts, while the crawl's
first HTML pages download, not when the first browser page is due.
"""
from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any

from playwright.async_api import Browser, BrowserContext, PlaywrightContextManager
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

logger = logging.getLogger(__name__)


class _Shared:
    """The driver and browser of one set of launch options, and how many handlers use them."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.manager: PlaywrightContextManager | None = None
        self.playwright = None
        self.launch: asyncio.Task | None = None
        self.users = 0


class SharedBrowsers:
    """The drivers and browsers of one crawl (one per set of launch options), and how many
    browsers it launched (the crawl summary reports it)."""

    def __init__(self) -> None:
        self.by_options: dict[str, _Shared] = {}
        self.launches = 0


class _BrowserHandle:
    """The shared Browser as one handler sees it: closing it only lets go of it."""

    def __init__(self, browser: Browser) -> None:
        self._browser = browser

    async def close(self) -> None:  # the provider closes the real browser with its last user
        return None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


class SharedBrowserProvider:
    """scrapy-playwright's browser provider, sharing `browsers` between the handlers given it."""

    def __init__(self, config, browsers: SharedBrowsers) -> None:
        self.config, self.browsers = config, browsers
        self.key = repr((config.browser_type_name, sorted((config.launch_options or {}).items(), key=str)))
        self.shared = browsers.by_options.setdefault(self.key, _Shared())
        self.started = False

    async def start(self) -> None:
        sh = self.shared
        async with sh.lock:
            if sh.playwright is None:
                sh.manager = PlaywrightContextManager()
                sh.playwright = await sh.manager.start()
            sh.users += 1
            self.started = True
            if sh.launch is None:  # launch now, in the background: the first browser page needs it
                sh.launch = asyncio.ensure_future(self._launch())

    def _browser_type(self):
        return getattr(self.shared.playwright, self.config.browser_type_name)

    async def _launch(self) -> Browser:
        self.browsers.launches += 1
        logger.info("launching %s", self.config.browser_type_name)
        return await self._browser_type().launch(**self.config.launch_options)

    async def launch_browser(self) -> Browser:
        sh = self.shared
        async with sh.lock:
            if sh.launch is not None and sh.launch.done():
                failed = sh.launch.exception() is not None
                if failed or not sh.launch.result().is_connected():  # crashed or closed: launch again
                    sh.launch = None
            if sh.launch is None:
                sh.launch = asyncio.ensure_future(self._launch())
            task = sh.launch
        return _BrowserHandle(await task)  # type: ignore[return-value]

    async def launch_persistent_context(self, context_kwargs: dict) -> BrowserContext:
        return await self._browser_type().launch_persistent_context(**context_kwargs)

    async def close(self) -> None:
        sh = self.shared
        async with sh.lock:
            if not self.started:
                return
            self.started = False
            sh.users -= 1
            if sh.users > 0:
                return
            launch, manager, sh.launch, sh.manager, sh.playwright = sh.launch, sh.manager, None, None, None
            self.browsers.by_options.pop(self.key, None)
        if launch is not None:
            try:
                browser = await launch
                await browser.close()
            except Exception as exc:  # a browser that never started or already died
                logger.debug("closing the shared browser: %s", exc)
        if manager is not None:
            await manager.__aexit__()


class BrowserDownloadHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's download handler, its browser the crawl's shared one."""

    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        from .context import standalone_context

        browsers = standalone_context(crawler).shared_browsers()
        self.browser_provider_cls = functools.partial(SharedBrowserProvider, browsers=browsers)
