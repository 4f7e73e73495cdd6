"""The sample portal's commands: `govreports serve-samples`, `govreports demo`, and the
`--sample-portal` option of `govreports crawl`.

They live here, not in crawler/, so that production code never imports samples: the crawler
knows registries and base URLs, and these commands hand it the sample portal's.
"""
from __future__ import annotations

import json


def register(subparsers) -> None:
    crawl = subparsers.choices.get("crawl")
    if crawl is not None:  # crawler.cli registered it first
        crawl.add_argument("--sample-portal", action="store_true",
                           help="start the sample portal and crawl it (registry samples/portal/sites.json)")
        crawl.set_defaults(func=_crawl)

    s = subparsers.add_parser("serve-samples", help="serve the local sample portal (sites of every CMS family)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8800)
    s.add_argument("--truth", metavar="FILE", help="write the portal's truth (every report URL) as JSON and exit")
    s.add_argument("--faults", action="store_true",
                   help="fault mode: every report answers its first request with 503 + Retry-After, and one "
                        "site lists pages that fail in every way a server can (samples/portal/faults.py)")
    s.set_defaults(func=_serve)

    d = subparsers.add_parser("demo", help="start the sample portal, crawl it into the database, print a summary")
    d.add_argument("--no-progress", action="store_true", help="no live progress display")
    d.add_argument("--results", metavar="FILE", help="write one JSON line per fetched document")
    d.set_defaults(func=_demo)


def _crawl(args) -> int:
    """`govreports crawl`, with the sample portal started first where --sample-portal asks for it."""
    from crawler.cli import crawl_command

    if not args.sample_portal:
        return crawl_command(args)
    from .portal.server import REGISTRY, PortalServer

    with PortalServer() as srv:
        args.registry, args.base_url = args.registry or str(REGISTRY), srv.url
        return crawl_command(args)


def _serve(args) -> int:
    from .portal.server import serve, truth

    if args.truth:
        with open(args.truth, "w", encoding="utf-8") as f:
            json.dump(truth(base_url=f"http://{args.host}:{args.port}"), f, ensure_ascii=False, indent=1)
        return 0
    if args.faults:
        from .portal.faults import serve as serve_faults

        serve_faults(args.host, args.port)
        return 0
    serve(args.host, args.port)
    return 0


def _demo(args) -> int:
    from crawler.cli import exit_code, print_summary, recorded_crawl
    from storage.db import masked

    from .portal.server import REGISTRY, PortalServer

    with PortalServer() as srv:
        print(f"sample portal at {srv.url}/ — {len(srv.portal.sites)} sites, {len(srv.portal.reports)} reports; "
              f"crawling into {masked(args.db)}")
        summary = recorded_crawl(args, registry=REGISTRY, base_url=srv.url, progress=not args.no_progress,
                                 polite=False, results=args.results)
    if summary is None:
        return 2
    print_summary(summary)
    return exit_code(summary)
