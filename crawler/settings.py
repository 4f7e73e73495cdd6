"""Scrapy settings: defaults fit for real government servers (polite, patient, identifiable).

What the environment sets (GOVREPORTS_DOWNLOAD_TIMEOUT, _LOG_LEVEL, _CHROMIUM, _DB, _ARCHIVE,
_PARSE_WORKERS, the caps, the parser's options) is read once, into one govreports_config.Config:
by `govreports` at its command line (crawler.run.base_settings applies it), or, for a plain
`scrapy crawl`, by the add-on below when the crawler is made (crawler.environment). The values here
are that object's defaults; nothing here reads the environment."""
from govreports_config import Config

_DEFAULTS = Config.from_environment({})  # the defaults alone: an empty environment
ADDONS = {"crawler.environment.EnvironmentConfig": 0}

BOT_NAME = "govreports"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = ("govreports/0.1 (+https://github.com/govreports/govreports; "
              "collects 政府信息公开工作年度报告 for research)")

# Politeness: robots.txt obeyed (a site may opt out in the registry: "obey_robots": false),
# one or two requests at a time per domain, AutoThrottle adapting to the server's latency.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
# No jitter: Scrapy draws a new random delay each time it looks at a host's slot, so a ±50 % jitter
# spaced requests 1.22 x DOWNLOAD_DELAY apart on average, not 1 x (benchmarks/bench_scale.py: a
# crawl took 1.31 x its politeness floor). The delay is the rate we promise a host; keep it exact.
DOWNLOAD_DELAY_JITTER = 0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = _DEFAULTS.download_timeout
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024  # also the bound on a decompressed body
# Only http(s) is fetched (SchemeMiddleware records other links): no ftp, local files, S3 or data: URLs.
DOWNLOAD_HANDLERS = {"ftp": None, "file": None, "s3": None, "data": None}
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024

# Retries with exponential back-off (crawler.middlewares.BackoffRetryMiddleware).
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 2.0  # seconds; doubled on each attempt
RETRY_BACKOFF_MAX = 60.0
RETRY_AFTER_MAX = 300.0  # a server's Retry-After is honoured up to this; longer: a fault, left for a later run
SOFT_BLOCK_RETRIES = 2  # "访问异常" pages with status 200 are retried this many times, then given up

DOWNLOADER_MIDDLEWARES = {
    # crawl faults recorded with their reason instead of ending in nothing (crawler.middlewares)
    "crawler.middlewares.SchemeMiddleware": 10,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.RecordedRedirectMiddleware": 600,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.middlewares.RecordedCompressionMiddleware": 590,
    "crawler.middlewares.BodyCheckMiddleware": 585,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "crawler.middlewares.SitePrefixMiddleware": 540,
    # requests that failed for good: the crawler's stats and the run's failures
    "crawler.failures.FailedRequestMiddleware": 505,
    # incremental runs (crawler/incremental.py): conditional requests, 304s, run counts
    "crawler.incremental.ConditionalRequestMiddleware": 500,
}
SPIDER_MIDDLEWARES = {
    # known list entries dropped, nightly pagination stop, unchanged documents dropped
    "crawler.incremental.IncrementalSpiderMiddleware": 60,
}
EXTENSIONS = {
    "crawler.completeness.SiteVerdict": 500,  # each site's verdict: complete, or incomplete and why
}
ITEM_PIPELINES = {
    "crawler.pipelines.ReportPipeline": 300,
    "crawler.pipelines.LedgerPipeline": 900,  # the crawl ledger and the run's counts
}
# Items are parsed off the reactor, and a response stays in Scrapy's scraper slot until its items
# are parsed and stored: past this many bytes of them the engine sends no new request, so a crawl
# faster than its parse workers waits for them instead of holding what they have not read yet (at
# 256 MB an all-stages crawl of 500 sites reached 0.75 GB, benchmarks/bench_scale.py). 32 MB is a
# few seconds of the workers' work, and room for a large scanned PDF without stalling the crawl.
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 32 * 1024 * 1024
# Per response: Scrapy starts this many tasks for the output of every callback, however little it
# yields. A detail page yields one item, a list page a few dozen requests (scheduled at once), so 8
# loses no parallelism; 64 cost ~1 ms of CPU a response (benchmarks/bench_scale.py's profile).
CONCURRENT_ITEMS = 8

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
TELNETCONSOLE_ENABLED = False
# Scrapy re-reads each spider callback's source to lint it, per spider: a start-up cost for every
# site of a run, for a check the spiders' tests already make.
WARN_ON_GENERATOR_RETURN_VALUE = False
LOG_LEVEL = _DEFAULTS.log_level
COOKIES_ENABLED = True

# Browser (scrapy-playwright + the system Chromium), used only for requests that ask for it.
# The download handlers are installed per crawler for sites flagged in the registry
# ("browser_lists" / "browser_details"); see crawler.run.
# Debian's headless build of Chromium (package chromium-headless-shell) where installed: the same
# engine without the desktop browser's machinery, at about half the CPU per page; else chromium
# (govreports_config.DEFAULT_CHROMIUMS).
CHROMIUM_PATH = _DEFAULTS.chromium_path
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "executable_path": CHROMIUM_PATH,
    "headless": True,
    "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-dev-shm-usage", "--disable-extensions", "--disable-default-apps", "--mute-audio",
             "--disable-features=Translate,MediaRouter,OptimizationHints,AutofillServerCommunication,"
             "CertificateTransparencyComponentUpdater"],
}
PLAYWRIGHT_MAX_CONTEXTS = 1
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 2
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30000
# scrapy-playwright's handler with one driver and browser per crawl (crawler.browser)
PLAYWRIGHT_BROWSER_DOWNLOAD_HANDLERS = {
    "http": "crawler.browser.BrowserDownloadHandler",
    "https": "crawler.browser.BrowserDownloadHandler",
}

# govreports settings (overridden by `govreports crawl`)
GOVREPORTS_DB = _DEFAULTS.db
GOVREPORTS_ARCHIVE = _DEFAULTS.archive  # None: archive/ beside a SQLite file, else ./archive
GOVREPORTS_MODE = "full"  # "full": archive+parse+store; "download": fetch only (benchmarks)
GOVREPORTS_PARSE_WORKERS = _DEFAULTS.parse_workers  # 0: one per core
GOVREPORTS_PARSE_OPTIONS = _DEFAULTS.parse_options()  # parsers.parse_document's limits and pdf_engine
GOVREPORTS_RESULTS = None  # path of a JSON-lines file of per-document outcomes
# One crawler crawls every site of a run: its CONCURRENT_REQUESTS grows with the hosts crawled
# (CONCURRENT_REQUESTS_PER_DOMAIN each, crawler.run.crawl_settings), up to this. A request spends
# about DOWNLOAD_DELAY in the downloader, so this is also about the requests a second one process
# sends: ~100 at the ~5 ms of CPU a request costs it is half a core. More hosts than that are
# served by backlog (crawler.queues) — the busiest hosts at their polite rate, the small ones
# between — rather than each at a share of its rate; more processes: `crawl --distributed`.
GOVREPORTS_MAX_CONCURRENT_REQUESTS = 100
# Requests are taken from the hosts with the fewest under way (a broad crawl: one host's backlog
# never fills the downloader while the other hosts wait); among those, list pages first, then the
# hosts with the most requests waiting (crawler.queues).
SCHEDULER_PRIORITY_QUEUE = "crawler.queues.BacklogPriorityQueue"
# Waiting requests on disk, in a directory of the crawl's own removed at its end (crawler.queues).
SCHEDULER = "crawler.queues.SpoolingScheduler"
GOVREPORTS_LINKS = None  # path of a JSON-lines file of every list link met (crawler.completeness)
# Caps (crawler.caps): anchors read from one list page, list pages per column (a registry entry's
# max_pages replaces the second). Reaching one is a fault in the run and makes the site incomplete.
GOVREPORTS_MAX_LINKS_PER_PAGE = _DEFAULTS.max_links_per_page
GOVREPORTS_MAX_LIST_PAGES = _DEFAULTS.max_list_pages


def _abort_request(request) -> bool:
    """The browser fetches documents and scripts only: no images, styles, fonts or media."""
    return request.resource_type in ("image", "stylesheet", "font", "media")


PLAYWRIGHT_ABORT_REQUEST = _abort_request
