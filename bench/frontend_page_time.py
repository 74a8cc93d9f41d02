"""How long the frontend phase takes per page: N loads plus axe-core.

Starts the example app (normal build) on a free loopback port and audits its
home page with the example config (3 interactions; --bare: none) several times, printing
the wall time of the whole phase, the share of browser start-up, and the
time per page. A single Lighthouse run on a page typically takes 10-20 s
(it waits for a 5 s quiet window and gathers a trace); compare with
``npx lighthouse <url>`` where Node and Lighthouse are available.

    .venv/bin/python bench/frontend_page_time.py [--runs 3] [--repeat 3] [--preset desktop]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from echotune_ci.config import load_config
from echotune_ci.config.schema import override
from echotune_ci.config.sections import ServeSettings
from echotune_ci.phases.base import PhaseContext
from echotune_ci.phases.frontend.options import plan, with_urls
from echotune_ci.phases.frontend.phase import audit
from echotune_ci.serve import App

ROOT = Path(__file__).resolve().parents[1]
MUSICAPP = ROOT / "examples" / "musicapp"
COMMAND = ("python build.py && gunicorn --worker-class gevent --workers 2 --bind 127.0.0.1:{port} "
           "--log-level warning app:app")


def browser_start() -> float:
    from playwright.sync_api import sync_playwright

    from echotune_ci.phases.frontend.browser import find_chromium, launch

    t0 = time.perf_counter()
    with sync_playwright() as pw:
        launch(pw, find_chromium("", pw)).close()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="loads per page")
    parser.add_argument("--repeat", type=int, default=3, help="how many times to time the phase")
    parser.add_argument("--preset", choices=("desktop", "mobile"), default="desktop")
    parser.add_argument("--pages", type=int, default=1,
                        help="audit the home page this many times in one phase")
    parser.add_argument("--bare", action="store_true", help="without the example config's interactions")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        serve = ServeSettings(command=COMMAND, ready_url="http://127.0.0.1:{port}/health", timeout=30,
                              env={"MUSICAPP_DIST": str(Path(tmp) / "dist"), "ECHOTUNE_REGRESS": "0"})
        # The example runs in its own environment: its [serve] setup makes it (once).
        App(load_config(MUSICAPP / "echotune.toml").serve, MUSICAPP).prepare()
        app = App(serve, MUSICAPP)
        app.start()
        try:
            cfg = load_config(None, discover=False) if args.bare else load_config(MUSICAPP / "echotune.toml")
            urls = tuple(f"{app.base_url}/?copy={i}" if i else f"{app.base_url}/" for i in range(args.pages))
            startup = statistics.median(browser_start() for _ in range(args.repeat))
            totals = []
            statuses = []
            for i in range(args.repeat):
                overridden = override(cfg.frontend, runs=args.runs, preset=args.preset)
                settings = with_urls(overridden, urls, cfg.source)
                ctx = PhaseContext.for_config(cfg, Path(tmp) / f"a{i}" / "artifacts" / "frontend")
                opts = plan(settings, ctx)
                t0 = time.perf_counter()
                result = audit(opts)
                totals.append(time.perf_counter() - t0)
                statuses.append(result.status)
                if result.errors:
                    raise SystemExit("; ".join(result.errors))
        finally:
            app.stop()

    total = statistics.median(totals)
    per_page = (total - startup) / args.pages
    what = "no interactions" if args.bare else "3 interactions per load"
    print(f"preset {args.preset}, {args.runs} loads ({what}) + axe-core per page, {args.pages} page(s), "
          f"median of {args.repeat} (gate: {', '.join(statuses)})")
    print(f"  phase wall time     {total:6.2f} s  (runs: {', '.join(f'{t:.2f}' for t in totals)})")
    print(f"  browser start/stop  {startup:6.2f} s")
    print(f"  per page            {per_page:6.2f} s  ({per_page / args.runs:.2f} s per load incl. axe share)")


if __name__ == "__main__":
    main()
