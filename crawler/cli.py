"""`govreports crawl`, `seed`, `parse-worker`, `frontier`, `discover`, `runs`. (The sample portal's
commands, `serve-samples`, `demo` and `crawl --sample-portal`, are registered by samples.cli.)"""
from __future__ import annotations

import json
import sys

from govreports_config import DEFAULT_REDIS
from storage.processes import DOC_TIME_LIMIT


def register(subparsers) -> None:
    p = subparsers.add_parser("crawl", help="crawl the report columns of the registry's sites into the database")
    p.add_argument("--site", action="append", metavar="NAME", help="only this site (repeatable)")
    p.add_argument("--region", metavar="CODE_PREFIX", help="only sites, and reports, whose region code starts with this")
    p.add_argument("--year", type=int, metavar="YEAR", help="only reports of this year")
    p.add_argument("--registry", metavar="PATH", help="site registry (default crawler/sites.json)")
    p.add_argument("--base-url", metavar="URL", help="base URL for relative start URLs (the sample portal)")
    p.add_argument("--impolite", action="store_true",
                   help="switch politeness off (no AutoThrottle/delay; for local benchmarks only)")
    p.add_argument("--download-only", action="store_true", help="fetch documents but neither parse nor store")
    p.add_argument("--dump", metavar="DIR", help="with --download-only: write the fetched documents here")
    p.add_argument("--results", metavar="FILE", help="write one JSON line per fetched document")
    p.add_argument("--links", metavar="FILE",
                   help="write one JSON line per list link met (title, date, list page, what it was taken for, "
                        "followed or why not): what each column showed")
    p.add_argument("--workers", type=int, default=0, help="parser processes (default: one per core)")
    p.add_argument("--doc-time-limit", type=float, default=DOC_TIME_LIMIT, metavar="SECONDS",
                   help=f"a parse worker still reading one document after this long is ended and the document "
                        f"failed (default {DOC_TIME_LIMIT:g}; 0: no bound)")
    p.add_argument("--no-progress", action="store_true", help="no live progress display")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--chromium", metavar="PATH",
                   help="Chromium for pages that need a browser (default $GOVREPORTS_CHROMIUM, else "
                        "/usr/bin/chromium-headless-shell, else /usr/bin/chromium)")
    p.add_argument("--log-level", default="WARNING")
    p.add_argument("--nightly", action="store_true",
                   help="the scheduled job: skip list entries already settled, stop a column's pagination at a "
                        "page holding only known entries (docs/operations.md)")
    p.add_argument("--no-parse", action="store_true",
                   help="the crawl stage alone: archive and record documents, parse them later (govreports parse-worker)")
    p.add_argument("--distributed", action="store_true",
                   help="be one crawl worker of a shared frontier on Redis (seed it with govreports seed; "
                        "docs/operations.md): records documents for the parse workers (govreports parse-worker --redis)")
    _redis_options(p)
    p.add_argument("--fleet", type=int, default=1, metavar="N",
                   help="with --distributed: how many crawl workers share the frontier (each waits N times the "
                        "delay per host, so that a host sees the polite rate from all of them)")
    p.add_argument("--no-resume", action="store_true",
                   help="start afresh even if the last run with these arguments was interrupted")
    p.set_defaults(func=crawl_command)

    sd = subparsers.add_parser("seed", help="put the start requests of registry sites into a shared frontier "
                               "(distributed crawl, docs/operations.md)")
    sd.add_argument("--site", action="append", metavar="NAME", help="only this site (repeatable)")
    sd.add_argument("--region", metavar="CODE_PREFIX", help="only sites whose region code starts with this")
    sd.add_argument("--year", type=int, metavar="YEAR", help="only reports of this year")
    sd.add_argument("--registry", metavar="PATH", help="site registry (default crawler/sites.json)")
    sd.add_argument("--base-url", metavar="URL", help="base URL for relative start URLs")
    _redis_options(sd)
    sd.set_defaults(func=_seed)

    ps = subparsers.add_parser("parse-worker", help="the parse stage: parse and store the documents recorded and "
                               "not yet parsed by this parser version (after crawl --no-parse; with --redis, also "
                               "those the crawl workers of a shared frontier record meanwhile)")
    ps.add_argument("--workers", type=int, default=0, help="parser processes (default: one per core but one)")
    ps.add_argument("--doc-time-limit", type=float, default=DOC_TIME_LIMIT, metavar="SECONDS",
                    help=f"a worker still reading one document after this long is ended and the document failed "
                         f"(default {DOC_TIME_LIMIT:g}; 0: no bound)")
    ps.add_argument("--until-idle", type=float, default=10.0, metavar="SECONDS",
                    help="with --redis: stop once nothing was queued or left unparsed and no crawl worker was "
                         "alive for this long (default 10)")
    ps.add_argument("--limit", type=int, help="parse at most this many documents")
    _redis_options(ps, required=False)
    ps.set_defaults(func=_parse)

    fr = subparsers.add_parser("frontier", help="what a shared frontier holds: requests queued and leased, "
                               "workers alive, documents queued for parsing")
    _redis_options(fr)
    fr.add_argument("--clear", action="store_true", help="delete the frontier (its queue, leases, seen requests)")
    fr.set_defaults(func=_frontier)

    f = subparsers.add_parser("discover", help="find portals' report columns from their home pages and print "
                                               "ready registry entries (docs/crawling.md)")
    f.add_argument("urls", nargs="+", metavar="URL", help="a portal's home page or its 政府信息公开 page")
    f.add_argument("--depth", type=int, default=3, help="links followed from each start page (default 3)")
    f.add_argument("--max-pages", type=int, default=80, help="pages fetched per start page (default 80)")
    f.add_argument("--impolite", action="store_true", help="switch politeness off (local copies only)")
    f.add_argument("--log-level", default="WARNING")
    f.set_defaults(func=_discover)

    r = subparsers.add_parser("runs", help="list the crawl runs with their counts (newest first)")
    r.add_argument("--limit", type=int, default=20)
    r.add_argument("--json", action="store_true")
    r.add_argument("--errors", type=int, metavar="RUN_ID", help="print the errors of one run")
    r.add_argument("--sites", type=int, metavar="RUN_ID",
                   help="print each site's verdict in one run (complete, or incomplete and why)")
    r.set_defaults(func=_runs)


def print_summary(summary: dict, as_json: bool = False) -> None:
    if as_json:
        print(json.dumps(summary, ensure_ascii=False, indent=1))
    else:
        print(f"sites {summary['sites']} · reports {summary['reports']} · flagged {summary['flagged']} · "
              f"non-reports skipped {summary['non_reports_skipped'] + summary['skipped']} · failed {summary['failed']} · "
              f"browser documents {summary['browser_documents']} · {summary['wall_s']:.1f}s")
        if summary.get("run_line"):
            print(summary["run_line"])
    # what needs the operator, on stderr (also beside --json)
    troubled = _troubled_sites(summary)
    if troubled:
        silent = [k for k, v in troubled.items() if not v.get("responses")]
        print(f"failed requests on {len(troubled)} site(s): "
              + ", ".join(f"{k} {v['failed_requests']}" for k, v in troubled.items())
              + (f"; no answer at all from {', '.join(silent)}" if silent else "")
              + " (after retries; the log says why, and `govreports runs --errors RUN_ID` keeps it)", file=sys.stderr)
    incomplete = summary.get("incomplete") or []
    if incomplete:
        per_site = summary.get("per_site") or {}
        print(f"incomplete: {len(incomplete)} site(s) yielded no report or less than their columns show "
              f"(`govreports crawl --links FILE` lists what each column showed):", file=sys.stderr)
        for name in incomplete:
            print(f"  {name}: " + "; ".join(per_site.get(name, {}).get("reasons") or ["no verdict"]), file=sys.stderr)
    challenged = _challenged_sites(summary)
    if challenged:
        print(f"script challenges (HTTP 412/521, 瑞数/加速乐) on {len(challenged)} site(s): "
              + ", ".join(f"{k} {n}" for k, n in challenged.items())
              + ': only a browser passes them; set "browser_details": true for these sites in the registry',
              file=sys.stderr)


def _troubled_sites(summary: dict) -> dict:
    return {k: v for k, v in (summary.get("per_site") or {}).items() if v.get("failed_requests")}


def _challenged_sites(summary: dict) -> dict:
    """Sites whose pages answered with a script challenge that only a browser passes."""
    return {k: v["challenges"] for k, v in (summary.get("per_site") or {}).items() if v.get("challenges")}


def exit_code(summary: dict) -> int:
    """1 when a document failed, a request failed for good, a site hid its pages behind a script
    challenge or a site's crawl was incomplete (a scheduled job must notice)."""
    return 1 if (summary["failed"] or _troubled_sites(summary) or _challenged_sites(summary)
                 or summary.get("incomplete")) else 0


def crawl_command(args) -> int:
    mode = "download" if args.download_only else "record" if (args.no_parse or args.distributed) else "full"
    extra = {"frontier": (_redis_url(args), args.frontier), "fleet": args.fleet} if args.distributed else {}
    summary = recorded_crawl(args, registry=args.registry, base_url=args.base_url, sites=args.site,
                              region=args.region, year=args.year, progress=not (args.no_progress or args.json),
                              polite=not args.impolite, mode=mode,
                              results=args.results, links=args.links, dump_dir=args.dump, workers=args.workers,
                              log_level=args.log_level, chromium=args.chromium, **extra)
    if summary is None:
        return 2
    print_summary(summary, args.json)
    return exit_code(summary)


def recorded_crawl(args, **kw) -> dict | None:
    """A crawl into args.db, recorded as a run (crawler.ledger) where it stores; None after printing
    why it cannot run."""
    from storage.errors import StorageError

    from .errors import CrawlerError
    from .processor import make_processor
    from .runspec import run_spec

    nightly, resume = getattr(args, "nightly", False), not getattr(args, "no_resume", False)
    try:
        if kw.get("frontier"):  # every worker of a frontier is a run of its own; the frontier resumes
            from .runspec import RunSpec

            spec = RunSpec("distributed", {"mode": "distributed", "frontier": kw["frontier"][1]}, False)
        else:
            spec = run_spec(nightly=nightly, resume=resume, db=args.db, **kw)
    except CrawlerError as exc:
        print(f"govreports {args.command}: {exc}", file=sys.stderr)
        return None
    processor = make_processor(db=args.db, mode=kw.get("mode", "full"), workers=kw.get("workers", 0),
                               year=kw.get("year"), region=kw.get("region"), dump_dir=kw.get("dump_dir"),
                               with_cells=bool(kw.get("results")),
                               time_limit=getattr(args, "doc_time_limit", DOC_TIME_LIMIT) or None,
                               queue=_document_queue(kw.get("frontier")), **args.config.processor_options())

    from .ledger import run_line
    from .run import run_crawl

    try:
        summary = run_crawl(spec=spec, db=args.db, processor=processor, config=args.config, **kw)
    except (CrawlerError, StorageError) as exc:
        print(f"govreports {args.command}: {exc}", file=sys.stderr)
        return None
    finally:
        processor.shutdown()
    if summary.get("run") and not getattr(args, "json", False):
        summary["run_line"] = run_line(summary["run"])
    return summary


def _redis_options(p, required: bool = True) -> None:
    if required:
        p.add_argument("--redis", metavar="URL",
                       help=f"the Redis of the shared frontier (default $GOVREPORTS_REDIS, else {DEFAULT_REDIS})")
    else:
        p.add_argument("--redis", metavar="URL",
                       help="also take the documents crawl workers of this Redis's frontier record, until none is "
                            "left (default $GOVREPORTS_REDIS; without it only what the database holds unparsed)")
    p.add_argument("--frontier", metavar="NAME", default="govreports",
                   help="the frontier's name: the prefix of its Redis keys (default govreports)")


def _redis_url(args, required: bool = True) -> str | None:
    """--redis, else $GOVREPORTS_REDIS (args.config), else the local Redis where the command needs one."""
    return args.redis or args.config.redis or (DEFAULT_REDIS if required else None)


def _document_queue(frontier) -> tuple[str, str] | None:
    if not frontier:
        return None
    from .distributed import keys

    return frontier[0], keys(frontier[1])["documents"]


def _seed(args) -> int:
    from .distributed import seed
    from .errors import CrawlerError
    from .registry import DEFAULT_REGISTRY, load_registry, select_sites

    try:
        sites = select_sites(load_registry(args.registry or DEFAULT_REGISTRY, args.base_url), args.site, args.region)
    except (CrawlerError, ValueError) as exc:
        print(f"govreports seed: {exc}", file=sys.stderr)
        return 2
    if not sites:
        print("govreports seed: no site matches the selection", file=sys.stderr)
        return 2
    n = seed(_redis_url(args), args.frontier, sites, args.year)
    print(f"frontier {args.frontier}: {len(sites)} sites, {n} start requests queued")
    return 0


def _parse(args) -> int:
    from storage.errors import StorageError

    from .parsestage import ParseStage
    from .pool import default_workers

    redis = _redis_url(args, required=False)
    queue = (redis, args.frontier) if redis else None

    stage = ParseStage(args.db, workers=args.workers or default_workers(), queue=queue,
                       until_idle=args.until_idle, time_limit=args.doc_time_limit or None, limit=args.limit,
                       archive=args.config.archive, parse_options=args.config.parse_options())
    try:
        counts = stage.run()
    except StorageError as exc:
        print(f"govreports parse-worker: {exc}", file=sys.stderr)
        return 1
    for err in counts.errors:
        print(f"failed: {err}", file=sys.stderr)
    print(counts.line())
    return 1 if counts.failed else 0


def _frontier(args) -> int:
    from .distributed import frontier_state, keys

    if args.clear:
        import redis

        server = redis.Redis.from_url(_redis_url(args))
        k = keys(args.frontier)
        doomed = [k["requests"], k["dupefilter"], k["sites"], k["documents"], k["hostseq"]]
        doomed += list(server.scan_iter(match=k["leases"] + "*")) + list(server.scan_iter(match=k["alive"] + "*"))
        server.delete(*doomed)
        print(f"frontier {args.frontier}: cleared")
        return 0
    print(json.dumps(frontier_state(_redis_url(args), args.frontier), indent=1))
    return 0


def _discover(args) -> int:
    """Print {"sites": [...]} (registry entries) on stdout, what was found on stderr; 1 if a start
    page led to no report column."""
    from .discover import discover

    portals = discover(args.urls, polite=not args.impolite, log_level=args.log_level, max_depth=args.depth,
                       max_pages=args.max_pages, config=args.config)
    found = [p for p in portals if p.columns]
    print(json.dumps({"sites": [p.entry() for p in found]}, ensure_ascii=False, indent=1))
    for p in portals:
        if p.columns:
            print(f"{p.start}: {len(p.columns)} report column(s)" + ("" if p.region_code else
                  "; no region code on its pages: fill in region_code"), file=sys.stderr)
        else:
            print(f"{p.start}: no report column found ({p.pages} pages looked at; try its 政府信息公开 page, "
                  f"or --depth)", file=sys.stderr)
    return 0 if len(found) == len(portals) else 1


def _runs(args) -> int:
    from storage.db import SchemaError, check_schema, make_engine
    from storage.runs import list_runs

    try:
        engine = make_engine(args.db, read_only=True)
        check_schema(engine)
    except SchemaError as exc:
        print(f"govreports runs: {exc}", file=sys.stderr)
        return 1
    if args.sites:
        from storage.runs import site_results

        rows = site_results(engine, args.sites)
        if args.json:
            print(json.dumps(rows, ensure_ascii=False, default=str, indent=1))
        for r in [] if args.json else rows:
            print(f"{r['site']}  {r['verdict']}  reports {r['reports']} · lines {r['lines']} · list pages "
                  f"{r['list_pages']}" + ("".join(f"\n    {why}" for why in r["reasons"] or [])))
        if not rows:
            print(f"govreports runs: no site results for run {args.sites}", file=sys.stderr)
            return 1
        return 0
    runs = list_runs(engine, limit=10**9 if args.errors else args.limit)
    if args.errors:
        run = next((r for r in runs if r["id"] == args.errors), None)
        if run is None:
            print(f"govreports runs: no run {args.errors}", file=sys.stderr)
            return 1
        for e in run["errors"] or []:
            print(e)
        return 0
    if args.json:
        print(json.dumps(runs, ensure_ascii=False, default=str, indent=1))
        return 0
    cols = ("id", "mode", "status", "started", "seconds", "requests", "new", "changed", "unchanged",
            "failed", "flagged", "skipped", "errors", "arguments")
    rows = []
    for r in runs:
        secs = ((r["ended_at"] - r["started_at"]).total_seconds() if r["ended_at"] and r["started_at"] else None)
        a = r["arguments"] or {}
        args_s = " ".join(f"--{k} {v}" for k, v in a.items() if k in ("region", "year") and v)
        args_s += " " + ",".join(a.get("sites") or []) if a.get("sites") else ""
        if r["resumed_from"]:
            args_s += f" (continues {r['resumed_from']})"
        rows.append([str(r["id"]), r["mode"], r["status"], r["started_at"].strftime("%Y-%m-%d %H:%M:%S"),
                     "" if secs is None else f"{secs:.1f}"] + [str(r[c]) for c in cols[5:12]]
                    + [str(len(r["errors"] or [])), args_s.strip()])
    widths = [max(len(c), *(len(row[i]) for row in rows)) if rows else len(c) for i, c in enumerate(cols)]
    print("  ".join(c.ljust(w) for c, w in zip(cols, widths)).rstrip())
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip())
    if not rows:
        print("(no runs)")
    return 0
