"""The environment's configuration for a plain `scrapy crawl` (a Scrapy add-on, ADDONS in
crawler/settings.py): govreports_config.Config read once, when the crawler is made, and applied over
crawler/settings.py's defaults. `govreports crawl` has read its own already: it applies that one
(crawler.run.base_settings, `apply`) and marks the settings, and the add-on then reads nothing."""
from __future__ import annotations

import sys

from govreports_config import Config, ConfigError

APPLIED = "GOVREPORTS_CONFIG_APPLIED"  # set where a Config's settings are in already


def apply(settings, config: Config, priority: str) -> None:
    """`config`'s Scrapy settings into `settings` (Chromium's path into the browser's launch options)."""
    settings.update(config.scrapy_settings(), priority=priority)
    launch = dict(settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS"), executable_path=config.chromium_path)
    settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", launch, priority=priority)
    settings.set(APPLIED, True, priority=priority)


class EnvironmentConfig:
    """Scrapy add-on: the GOVREPORTS_* environment, where no configuration was applied before."""

    def update_settings(self, settings) -> None:
        if settings.getbool(APPLIED):
            return
        try:
            config = Config.from_environment()
        except ConfigError as exc:  # one line, not a traceback from inside Scrapy
            print(f"scrapy: {exc}", file=sys.stderr)
            raise SystemExit(2) from None
        apply(settings, config, "project")  # over the settings module's defaults, under -s
