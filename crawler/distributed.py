"""Several crawl workers sharing one frontier on Redis, through scrapy-redis's scheduler and
duplicate filter.

What scrapy-redis gives: the scheduler (requests in a Redis sorted set by priority) and the
duplicate filter (request fingerprints in a Redis set), shared by every worker. What this module
adds, as thin adapters:

- JSON serialisation of requests (:mod:`crawler.requestjson`), never pickle.
- :class:`LeasedQueue`: scrapy-redis pops a request destructively, so a worker killed mid-request
  loses it. Here a pop moves the request into the worker's *lease* hash in the same Redis step (a
  Lua script), and the lease is released only once the request's work is durable: its response's
  callback output scheduled and its items processed (:class:`LeaseMiddleware`), or it failed for
  good, or a redirect/retry replaced it in the frontier. A worker that stops sending its heartbeat
  has its leases put back into the frontier by whichever worker notices.
- :class:`FrontierSpider`: the registry spider (crawler.multisite) as a worker of a shared
  frontier: no start requests of its own (`govreports seed` put them there — scrapy-redis's spiders
  know only the synchronous ``start_requests()``, its issue #305), sites read from the frontier's
  site table, and it closes once the whole frontier is done (queue empty, no live worker holding a
  lease) rather than after an idle timer.
"""
from __future__ import annotations

import json
import logging
import os
import socket
import time
import uuid
from typing import Any

from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import load_object
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from .errors import BadSetting, NotInFrontier
from .multisite import RegistrySpider
from .registry import site_from_dict

logger = logging.getLogger(__name__)

LEASE = "gr_lease"  # request meta: the lease a popped request is held under
HEARTBEAT_SECONDS = 5.0
DEAD_AFTER = 20  # seconds without a heartbeat after which a worker's leases go back to the frontier


def keys(prefix: str) -> dict[str, str]:
    """The Redis keys of the frontier named `prefix`."""
    return {"requests": f"{prefix}:requests", "dupefilter": f"{prefix}:dupefilter", "sites": f"{prefix}:sites",
            "leases": f"{prefix}:lease:", "alive": f"{prefix}:alive:", "documents": f"{prefix}:documents",
            "hostseq": f"{prefix}:hostseq"}


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# Queue a request: its score orders by priority first, then by how many requests its host had queued
# before it, so that requests of one priority come out one host after another (a frontier of many
# hosts never hands a worker a run of one host's requests that it can only fetch at that host's pace).
_PUSH = """
local n = redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) * 1e9 + n, ARGV[3])
"""
# Take the best request and lease it in one step: ZPOPMIN, then HSET lease token -> "score data".
_POP = """
local v = redis.call('ZPOPMIN', KEYS[1])
if #v == 0 then return false end
redis.call('HSET', KEYS[2], ARGV[1], v[2] .. ' ' .. v[1])
return v[1]
"""
# A dead worker's leases back into the frontier, and the lease hash gone.
_REQUEUE = """
local n = 0
local all = redis.call('HGETALL', KEYS[2])
for i = 2, #all, 2 do
  local sep = string.find(all[i], ' ', 1, true)
  redis.call('ZADD', KEYS[1], tonumber(string.sub(all[i], 1, sep - 1)), string.sub(all[i], sep + 1))
  n = n + 1
end
redis.call('DEL', KEYS[2])
return n
"""


class LeasedQueue(PriorityQueue):
    """scrapy-redis's priority queue, with each popped request leased until its work is durable."""

    def __init__(self, server, spider, key, serializer=None) -> None:
        super().__init__(server, spider, key, serializer)
        prefix = spider.settings.get("GOVREPORTS_FRONTIER")
        self.keys = keys(prefix)
        self.worker = worker_name()
        self.lease_key = self.keys["leases"] + self.worker
        self.alive_key = self.keys["alive"] + self.worker
        self.dead_after = spider.settings.getint("GOVREPORTS_FRONTIER_DEAD_AFTER", DEAD_AFTER)
        self._pop = server.register_script(_POP)
        self._push = server.register_script(_PUSH)
        self.hostseq_key = self.keys["hostseq"]
        self._requeue = server.register_script(_REQUEUE)
        self.heartbeat()
        spider.frontier = self

    # ------------------------------------------------------------ scrapy-redis's queue interface
    def _encode_request(self, request: Request) -> bytes:
        lease = request.meta.pop(LEASE, None)  # a request is stored without the lease of its pop
        try:
            return super()._encode_request(request)
        finally:
            if lease is not None:
                request.meta[LEASE] = lease

    def push(self, request: Request) -> None:
        host = urlparse_cached(request).hostname or ""
        self._push(keys=[self.key, self.hostseq_key], args=[-request.priority, host, self._encode_request(request)])
        lease = request.meta.get(LEASE)
        if lease:  # a redirect or a retry of a leased request: the replacement is in the frontier now
            self.release(lease)

    def pop(self, timeout: int = 0) -> Request | None:
        token = uuid.uuid4().hex
        data = self._pop(keys=[self.key, self.lease_key], args=[token])
        if not data:
            return None
        request = self._decode_request(data)
        request.meta[LEASE] = token
        return request

    # ------------------------------------------------------------ leases
    def release(self, token: str | None) -> None:
        if token:
            self.server.hdel(self.lease_key, token)

    def heartbeat(self) -> None:
        self.server.set(self.alive_key, str(time.time()), ex=self.dead_after)

    def requeue_dead(self) -> int:
        """Put the leases of workers whose heartbeat stopped back into the frontier."""
        n = 0
        for key in self.server.scan_iter(match=self.keys["leases"] + "*"):
            key = key.decode() if isinstance(key, bytes) else key
            worker = key[len(self.keys["leases"]):]
            if worker != self.worker and not self.server.exists(self.keys["alive"] + worker):
                moved = self._requeue(keys=[self.key, key])
                if moved:
                    logger.warning("crawl worker %s stopped: %d of its requests are back in the frontier",
                                   worker, moved)
                n += int(moved or 0)
        return n

    def leases_held(self) -> int:
        """Leases held by live workers (this one included)."""
        held = 0
        for key in self.server.scan_iter(match=self.keys["leases"] + "*"):
            key = key.decode() if isinstance(key, bytes) else key
            if self.server.exists(self.keys["alive"] + key[len(self.keys["leases"]):]):
                held += self.server.hlen(key)
        return held

    def stop(self) -> None:
        """This worker's end: its heartbeat gone (a lease left over goes back at once)."""
        self.server.delete(self.alive_key)
        self._requeue(keys=[self.key, self.lease_key])


class FrontierScheduler(Scheduler):
    """scrapy-redis's scheduler as current Scrapy wants it: stats counted without the spider
    argument and the resumed queue logged through the spider's logger (scrapy-redis 0.9.1 does
    both the deprecated way)."""

    def open(self, spider):
        self.spider = spider
        try:
            self.queue = load_object(self.queue_cls)(server=self.server, spider=spider,
                                                     key=self.queue_key % {"spider": spider.name},
                                                     serializer=self.serializer)
        except TypeError as exc:
            raise BadSetting(f"SCHEDULER_QUEUE_CLASS {self.queue_cls!r} cannot be made for the frontier ({exc}): "
                             "name a scrapy_redis queue class") from exc
        if not self.df:
            self.df = load_object(self.dupefilter_cls).from_spider(spider)
        if self.flush_on_start:
            self.flush()
        if len(self.queue):
            spider.logger.info("frontier: %d requests queued", len(self.queue))

    def enqueue_request(self, request):
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        return True

    def next_request(self):
        request = self.queue.pop(self.idle_before_close)
        if request and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request


class LeaseMiddleware:
    """Releases a popped request's lease once its work is durable (spider middleware, outermost,
    and downloader middleware, nearest the engine): the callback's output has been handed to the
    engine (requests are in the frontier as they are handed) and every item of it processed, or
    the request failed for good. Requests a callback yields never carry their parent's lease."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.open: dict[int, list] = {}  # id(response) -> [lease, items pending, output done]
        crawler.signals.connect(self._item_done, signal=signals.item_scraped)
        crawler.signals.connect(self._item_done, signal=signals.item_dropped)
        crawler.signals.connect(self._item_done, signal=signals.item_error)
        crawler.signals.connect(self._dropped, signal=signals.request_dropped)

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.get("GOVREPORTS_FRONTIER"):
            raise NotConfigured
        return cls(crawler)

    def _frontier(self) -> LeasedQueue | None:
        return getattr(self.crawler.spider, "frontier", None)

    def _release(self, lease: str | None) -> None:
        frontier = self._frontier()
        if frontier is not None:
            frontier.release(lease)

    # spider middleware
    async def process_spider_output_async(self, response, result, spider=None):
        state = self.open.setdefault(id(response), [response.meta.get(LEASE), 0, False])
        try:
            async for o in result:
                yield self._track(o, state)
        finally:
            self._output_done(response, state)

    def process_spider_output(self, response, result, spider=None):
        state = self.open.setdefault(id(response), [response.meta.get(LEASE), 0, False])
        try:
            for o in result:
                yield self._track(o, state)
        finally:
            self._output_done(response, state)

    def _track(self, o: Any, state: list) -> Any:
        if isinstance(o, Request):
            o.meta.pop(LEASE, None)
        elif o is not None:
            state[1] += 1
        return o

    def _output_done(self, response, state: list) -> None:
        state[2] = True
        if state[1] <= 0:
            self.open.pop(id(response), None)
            self._release(state[0])

    def _item_done(self, item=None, response=None, spider=None, **kw) -> None:
        state = self.open.get(id(response)) if response is not None else None
        if state is None:
            return
        state[1] -= 1
        if state[1] <= 0 and state[2]:
            self.open.pop(id(response), None)
            self._release(state[0])

    def _dropped(self, request, spider=None) -> None:
        """A redirect the duplicate filter refused (its target was seen): the original is done."""
        self._release(request.meta.get(LEASE))

    def process_spider_exception(self, response, exception, spider=None):
        if id(response) not in self.open:  # the callback never ran (e.g. an HTTP error without errback)
            self._release(response.meta.get(LEASE))
        return None

    # downloader middleware
    def process_exception(self, request, exception, spider=None):
        # reached only when nothing nearer the downloader (retries) made a new request of it
        self._release(request.meta.get(LEASE))
        return None


class FrontierSpider(RegistrySpider):
    """A crawl worker of a shared frontier: sites from the frontier's site table, requests from
    the frontier, closes when the frontier is done."""

    name = "frontier"

    def __init__(self, *a, **kw) -> None:
        super().__init__(*a, **kw)
        self.frontier: LeasedQueue | None = None
        self._idle_since: float | None = None
        self._last_beat = 0.0

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        import redis

        spider._server = redis.Redis.from_url(crawler.settings.get("REDIS_URL"))
        spider._load_sites()  # every site's domains allowed from the start (Scrapy's offsite filter)
        crawler.signals.connect(spider._idle, signal=signals.spider_idle)
        crawler.signals.connect(spider._beat, signal=signals.response_received)
        crawler.signals.connect(spider._closed, signal=signals.spider_closed)
        return spider

    def _load_sites(self) -> None:
        """The frontier's site table (govreports seed writes it; a later seed adds to it)."""
        table = keys(self.crawler.settings.get("GOVREPORTS_FRONTIER"))["sites"]
        for name, raw in self._server.hgetall(table).items():
            name = name.decode() if isinstance(name, bytes) else name
            if name not in self.sites:
                entry = json.loads(raw)
                self.add_site(site_from_dict(entry["site"]))
                self.year = self.year or entry.get("year")

    async def start(self):
        return
        yield  # an async generator: the start requests are in the frontier (govreports seed)

    def handler(self, name: str):
        if name not in self.sites:
            self._load_sites()
            if name not in self.sites:
                raise NotInFrontier(f"site {name} is not in the frontier's site table (seed it with govreports seed)")
        return super().handler(name)

    def _beat(self, *a, **kw) -> None:
        now = time.monotonic()
        if self.frontier is not None and now - self._last_beat >= HEARTBEAT_SECONDS:
            self._last_beat = now
            self.frontier.heartbeat()

    def _idle(self, spider=None) -> None:
        """Stay while any work is left anywhere in the frontier; close after `GOVREPORTS_IDLE_CLOSE`
        seconds of none."""
        f = self.frontier
        if f is None:
            return
        f.heartbeat()
        f.requeue_dead()
        if len(f) or f.leases_held():
            self._idle_since = None
            raise DontCloseSpider
        self._idle_since = self._idle_since or time.monotonic()
        if time.monotonic() - self._idle_since < self.crawler.settings.getfloat("GOVREPORTS_IDLE_CLOSE", 2.0):
            raise DontCloseSpider

    def _closed(self, spider=None, reason=None) -> None:
        if self.frontier is not None:
            self.frontier.stop()


def frontier_settings(settings, redis_url: str, prefix: str) -> None:
    """Settings of a crawl worker on the frontier `prefix` of the Redis at `redis_url`."""
    k = keys(prefix)
    for name, value in {
        "SCHEDULER": "crawler.distributed.FrontierScheduler",
        "SCHEDULER_QUEUE_CLASS": "crawler.distributed.LeasedQueue",
        "SCHEDULER_QUEUE_KEY": k["requests"],
        "SCHEDULER_DUPEFILTER_KEY": k["dupefilter"],
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_SERIALIZER": "crawler.requestjson",
        "SCHEDULER_PERSIST": True,  # the frontier outlives each worker
        "REDIS_URL": redis_url,
        "GOVREPORTS_FRONTIER": prefix,
        "GOVREPORTS_VERDICT": False,  # a worker sees part of each site: completeness is judged on the whole
    }.items():
        settings.set(name, value, priority="cmdline")
    spider_mw = dict(settings.getdict("SPIDER_MIDDLEWARES"), **{"crawler.distributed.LeaseMiddleware": 1})
    downloader_mw = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"), **{"crawler.distributed.LeaseMiddleware": 1})
    settings.set("SPIDER_MIDDLEWARES", spider_mw, priority="cmdline")
    settings.set("DOWNLOADER_MIDDLEWARES", downloader_mw, priority="cmdline")


def seed(redis_url: str, prefix: str, sites, year: int | None = None) -> int:
    """Put the start requests of `sites` (SiteConfig) into the frontier `prefix`, and the sites
    into its site table; returns how many requests went in (a start URL seeded before is not
    seeded again: the duplicate filter knows it)."""
    import asyncio

    import redis
    from scrapy_redis.dupefilter import RFPDupeFilter

    from . import requestjson

    server = redis.Redis.from_url(redis_url)
    k = keys(prefix)
    spider = RegistrySpider(sites=sites, year=year)
    push = server.register_script(_PUSH)
    seen = RFPDupeFilter(server, k["dupefilter"])
    for s in sites:
        server.hset(k["sites"], s.name, json.dumps({"site": s.to_dict(), "year": year}, ensure_ascii=False))
    n = 0

    async def start_requests():
        return [o async for o in spider.start()]

    for request in asyncio.run(start_requests()):
        if isinstance(request, Request) and not seen.request_seen(request):
            data = requestjson.dumps(request.to_dict(spider=spider))
            push(keys=[k["requests"], k["hostseq"]], args=[-request.priority, urlparse_cached(request).hostname or "", data])
            n += 1
    return n


def frontier_hosts(redis_url: str, prefix: str) -> int:
    """How many hosts the frontier's sites are on (a worker's concurrency follows from it)."""
    import redis

    server = redis.Redis.from_url(redis_url)
    hosts = set()
    for raw in server.hvals(keys(prefix)["sites"]):
        hosts.update(json.loads(raw)["site"].get("allowed_domains") or [])
    return len(hosts)


def frontier_state(redis_url: str, prefix: str) -> dict:
    """What the frontier holds: requests queued, leased by live workers, fingerprints seen, sites."""
    import redis

    server = redis.Redis.from_url(redis_url)
    k = keys(prefix)
    leases = {key.decode()[len(k["leases"]):]: server.hlen(key) for key in server.scan_iter(match=k["leases"] + "*")}
    alive = {key.decode()[len(k["alive"]):] for key in server.scan_iter(match=k["alive"] + "*")}
    return {"queued": server.zcard(k["requests"]), "seen": server.scard(k["dupefilter"]),
            "sites": server.hlen(k["sites"]), "leases": leases, "workers": sorted(alive),
            "documents_queued": server.llen(k["documents"])}
