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
        shared = browser.SharedBrowsers()
        first, second = (browser.SharedBrowserProvider(_config(), shared),
                         browser.SharedBrowserProvider(_config(), shared))
        await first.start()
        await second.start()
        a, b = await first.launch_browser(), await second.launch_browser()
        assert a._browser is b._browser  # one Chromium for both handlers
        assert shared.launches == 1
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
        assert not shared.by_options

    asyncio.run(scenario())


def test_a_closed_browser_is_launched_again():
    from crawler import browser

    async def scenario():
        provider = browser.SharedBrowserProvider(_config(), browser.SharedBrowsers())
        await provider.start()
        first = await provider.launch_browser()
        await first._browser.close()  # crashed or closed under the handler
        second = await provider.launch_browser()
        assert second._browser is not first._browser and second._browser.is_connected()
        await provider.close()
        assert not second._browser.is_connected()

    asyncio.run(scenario())
