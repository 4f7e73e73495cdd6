"""The shared browser provider (crawler/browser.py) with the real Playwright driver and Chromium."""
from __future__ import annotations

import asyncio
import os
import shutil

import pytest

from crawler.settings import CHROMIUM_PATH

pytestmark = pytest.mark.skipif(not shutil.which(CHROMIUM_PATH) and not os.path.exists(CHROMIUM_PATH),
                                reason=f"Chromium not installed at {CHROMIUM_PATH} (bash scripts/setup installs it)")


def _config():
    from scrapy_playwright.handler import Config

    from crawler.run import base_settings

    return Config.from_settings(base_settings())


def test_handlers_share_one_browser_and_the_last_closes_it():
    from crawler import browser

    async def scenario():
        before = browser.LAUNCHES
        first, second = browser.SharedBrowserProvider(_config()), browser.SharedBrowserProvider(_config())
        await first.start()
        await second.start()
        a, b = await first.launch_browser(), await second.launch_browser()
        assert a._browser is b._browser  # one Chromium for both handlers
        assert browser.LAUNCHES == before + 1
        real = a._browser
        # each handler still gets its own context (no shared cookies between sites)
        ctx_a, ctx_b = await a.new_context(), await b.new_context()
        assert ctx_a is not ctx_b
        await a.close()  # a handler closing "its" browser only lets go of it
        await first.close()
        assert real.is_connected()
        page = await ctx_b.new_page()
        await page.set_content("<p id=x>政府信息公开</p>")
        assert await page.inner_text("#x") == "政府信息公开"
        await second.close()  # the last user: the browser goes
        assert not real.is_connected()
        assert not browser._SHARED

    asyncio.run(scenario())


def test_a_closed_browser_is_launched_again():
    from crawler import browser

    async def scenario():
        provider = browser.SharedBrowserProvider(_config())
        await provider.start()
        first = await provider.launch_browser()
        await first._browser.close()  # crashed or closed under the handler
        second = await provider.launch_browser()
        assert second._browser is not first._browser and second._browser.is_connected()
        await provider.close()
        assert not second._browser.is_connected()

    asyncio.run(scenario())


def _descendants(root: int) -> list[int]:
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat", "rb").read()
            except OSError:
                continue
            parents[int(entry)] = int(stat[stat.rindex(b")") + 2:].split()[1])
    out, todo = [], [root]
    while todo:
        parent = todo.pop()
        kids = [p for p, pp in parents.items() if pp == parent]
        out += kids
        todo += kids
    return out


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
                    reason="needs CPU affinity and at least 2 CPUs")
def test_a_parsing_crawl_keeps_chromium_on_one_core():
    """Every thread of every Chromium process runs on the CPU the crawl keeps for it; the driver
    is let go afterwards, and a crawl that does not parse leaves the browser anywhere."""
    from crawler import browser

    allowed = os.sched_getaffinity(0)
    cpu = {min(allowed)}

    async def chromium_threads(cpus):
        browser.keep_browser_on(cpus)
        provider = browser.SharedBrowserProvider(_config())
        try:
            await provider.start()
            handle = await provider.launch_browser()
            page = await (await handle.new_context()).new_page()  # a renderer, started after launch
            await page.set_content("<p>政府信息公开</p>")
            driver = browser._driver_pid()
            masks = {}
            for pid in _descendants(driver):
                for tid in os.listdir(f"/proc/{pid}/task"):
                    masks[int(tid)] = os.sched_getaffinity(int(tid))
            return os.sched_getaffinity(driver), masks
        finally:
            await provider.close()
            browser.keep_browser_on(None)

    driver_mask, masks = asyncio.run(chromium_threads(cpu))
    assert len(masks) > 10  # browser, zygote, renderer, utility processes and their threads
    assert all(m == cpu for m in masks.values()), {t: m for t, m in masks.items() if m != cpu}
    assert driver_mask == allowed
    _, masks = asyncio.run(chromium_threads(None))
    assert all(m == allowed for m in masks.values())
