"""One browser for the whole crawl (a scrapy-playwright browser provider).

Each browser site is its own Scrapy crawler, and each crawler makes a download handler per
scheme (http, https); with scrapy-playwright's default provider every handler starts its own
Playwright driver (a node process) and its own Chromium. This provider shares one driver and
one browser between all handlers of the process — each handler still opens its own browser
context, so sites never share cookies — and starts the browser as soon as the first handler
starts, while the crawl's first HTML pages download, not when the first browser page is due.
A parsing crawl can keep the browser on one core (keep_browser_on, GOVREPORTS_PIN_BROWSER=1), so
that it leaves the parse workers' cores to them.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import Any

from playwright.async_api import Browser, BrowserContext, PlaywrightContextManager

logger = logging.getLogger(__name__)


class _Shared:
    """The driver and browser of one set of launch options, and how many handlers use them."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.manager: PlaywrightContextManager | None = None
        self.playwright = None
        self.launch: asyncio.Task | None = None
        self.users = 0


_SHARED: dict[str, _Shared] = {}
LAUNCHES = 0  # browsers launched by this process (the crawl summary reports it)
_BROWSER_CPUS: set[int] | None = None  # keep_browser_on


def keep_browser_on(cpus: set[int] | None) -> None:
    """Keep the browsers this process launches (Chromium: all its processes and threads; the
    driver itself stays free) on these CPUs, or anywhere (None). A parsing crawl sets it where
    GOVREPORTS_PIN_BROWSER=1: Chromium's processes would otherwise spread over the cores the parse
    workers need."""
    global _BROWSER_CPUS
    _BROWSER_CPUS = set(cpus) if cpus else None


def _driver_pid() -> int | None:
    """The Playwright driver: the node process among this process's children."""
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
            if int(stat[stat.rindex(b")") + 2:].split()[1]) == me and \
                    os.path.basename(os.readlink(f"/proc/{entry}/exe")) == "node":
                return int(entry)
        except (OSError, ValueError):  # gone meanwhile, or not ours to read
            continue
    return None


@contextlib.contextmanager
def _launched_on(cpus: set[int] | None):
    """Chromium and all its processes inherit the CPU affinity of the driver thread that starts
    them: that thread (the driver's main thread) is kept on `cpus` while the browser launches."""
    pid = before = None
    try:
        pid = _driver_pid() if cpus and hasattr(os, "sched_setaffinity") else None
        if pid:
            before = os.sched_getaffinity(pid)
            os.sched_setaffinity(pid, cpus)  # a pid names its main thread only
    except OSError:  # no /proc, or the driver is not ours to set: the browser runs anywhere
        pid = None
    try:
        yield
    finally:
        if pid:
            with contextlib.suppress(OSError):
                os.sched_setaffinity(pid, before)


class _BrowserHandle:
    """The shared Browser as one handler sees it: closing it only lets go of it."""

    def __init__(self, browser: Browser) -> None:
        self._browser = browser

    async def close(self) -> None:  # the provider closes the real browser with its last user
        return None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


class SharedBrowserProvider:
    """PLAYWRIGHT_BROWSER_PROVIDER: one Playwright driver and one browser per process."""

    def __init__(self, config) -> None:
        self.config = config
        self.key = repr((config.browser_type_name, sorted((config.launch_options or {}).items(), key=str)))
        self.shared = _SHARED.setdefault(self.key, _Shared())
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
        global LAUNCHES
        LAUNCHES += 1
        logger.info("launching %s", self.config.browser_type_name)
        with _launched_on(_BROWSER_CPUS):
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
            _SHARED.pop(self.key, None)
        if launch is not None:
            try:
                browser = await launch
                await browser.close()
            except Exception as exc:  # a browser that never started or already died
                logger.debug("closing the shared browser: %s", exc)
        if manager is not None:
            await manager.__aexit__()
