"""Our accessibility score next to a live Lighthouse run on every page of tests/fixtures/a11y-pages/.

Serves the fixture folder on a free loopback port, runs

* ``echotune-ci frontend URL... --runs 1 --preset desktop`` once for all pages
  (axe-core with Lighthouse's rule selection, scored with the data file's
  weights), and
* the Lighthouse CLI on each page, accessibility only, desktop preset (the
  viewport of our desktop preset), the system's Chromium with our launch flags,

then prints, per page, both scores, the difference and the weighted rules
each side failed. Lighthouse is the one installed in --lighthouse-dir (an npm
prefix outside the repository), installed there with npm first when missing
(``lighthouse@<the data file's version>``; the npm registry is the only host
contacted; Lighthouse and Chromium talk to 127.0.0.1 only).

With ``--record FILE`` it also writes what Lighthouse reported (score, and
per weighted audit: failed, not applicable, errored) with the exact command
per page, for the tests to compare with
(tests/fixtures/a11y-pages/lighthouse-<version>.json). Exit 0 when every page
is within ±1, 1 otherwise, 3 when Lighthouse cannot run.

    .venv/bin/python bench/a11y_vs_lighthouse.py [--lighthouse-dir DIR] [--record FILE]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from echotune_ci.data.lighthouse import lighthouse as lighthouse_data  # noqa: E402

PAGES_DIR = ROOT / "tests" / "fixtures" / "a11y-pages"
ECHOTUNE_CI = Path(sys.executable).parent / "echotune-ci"
CHROME = "/usr/bin/chromium"
# Our phase's launch flags (phases/frontend/browser.py) plus the headless mode Lighthouse needs.
CHROME_FLAGS = ("--headless=new --no-sandbox --disable-gpu --disable-background-networking "
                "--disable-component-update --disable-sync")
DEFAULT_CACHE = (Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
                 / "echotune-bench" / "lighthouse-a11y")
LIGHTHOUSE_TIMEOUT = 180
TOLERANCE = 1
PER_RUN = ("lighthouse", "axe_core", "chromium")  # recorded once, not per page


class CannotRun(Exception):
    """Lighthouse cannot be installed or run here; the message says why."""


def pages() -> list[str]:
    """The fixture pages audited (frame-*.html are only loaded inside iframes)."""
    return sorted(p.name for p in PAGES_DIR.glob("*.html") if not p.name.startswith("frame-"))


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


def serve(folder: Path) -> http.server.ThreadingHTTPServer:
    """A static server for *folder* on a free 127.0.0.1 port, in a daemon thread."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def ensure_lighthouse(cache: Path, version: str) -> Path:
    """The Lighthouse CLI script in *cache*, ``npm install lighthouse@<version>`` first when missing."""
    if cache.resolve().is_relative_to(ROOT):
        raise CannotRun(f"{cache}: inside the repository; node_modules must stay out of it")
    cli = cache / "node_modules" / "lighthouse" / "cli" / "index.js"
    if cli.is_file():
        return cli
    npm = shutil.which("npm")
    if npm is None:
        raise CannotRun(f"Lighthouse is not in {cache} and npm is not on PATH to install it")
    print(f"npm install --prefix {cache} lighthouse@{version} ...", flush=True)
    # --ignore-scripts: no install script may fetch a browser; we use the system's Chromium.
    argv = [npm, "install", "--prefix", str(cache), "--no-audit", "--no-fund", "--ignore-scripts",
            "--loglevel=error", f"lighthouse@{version}"]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0 or not cli.is_file():
        tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-3:]) or f"exit {proc.returncode}"
        raise CannotRun(f"npm install lighthouse@{version} failed: {tail}")
    return cli


def lighthouse_argv(cli: Path, url: str, out: Path) -> list[str]:
    """The Lighthouse command line for one page (CHROME_PATH set in the environment)."""
    return ["node", str(cli), url, "--only-categories=accessibility", "--preset=desktop", "--output=json",
            f"--output-path={out}", "--quiet", "--no-enable-error-reporting",
            f"--chrome-flags={CHROME_FLAGS}"]


def run_lighthouse(cli: Path, url: str, out: Path) -> dict[str, Any]:
    """One Lighthouse run: its version, axe-core version, score and the outcome of each weighted audit."""
    argv = lighthouse_argv(cli, url, out)
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=LIGHTHOUSE_TIMEOUT,
                          env=dict(os.environ, CHROME_PATH=CHROME))
    if proc.returncode != 0 or not out.is_file():
        tail = " | ".join(proc.stderr.strip().splitlines()[-3:]) or f"exit {proc.returncode}"
        raise CannotRun(f"Lighthouse failed on {url}: {tail}")
    lhr = json.loads(out.read_text())
    if lhr.get("runtimeError"):
        raise CannotRun(f"Lighthouse failed on {url}: {lhr['runtimeError'].get('message')}")
    category = lhr["categories"]["accessibility"]
    audits = lhr["audits"]
    # The config's weights (the report zeroes those of not-applicable audits): what each outcome weighs.
    weights = lighthouse_data().accessibility_weights
    weighted = [ref["id"] for ref in category["auditRefs"] if ref["id"] in weights]
    modes = {rule: audits[rule]["scoreDisplayMode"] for rule in weighted}
    return {
        "lighthouse": lhr["lighthouseVersion"],
        "chromium": lhr["environment"]["hostUserAgent"],
        "axe_core": _axe_version(lhr),
        "score": None if category["score"] is None else round(category["score"] * 100),
        "failed": sorted(r for r in weighted if audits[r]["score"] == 0 and modes[r] == "binary"),
        "not_applicable": sorted(r for r in weighted if modes[r] == "notApplicable"),
        "errored": sorted(r for r in weighted if modes[r] == "error"),
        "command": "CHROME_PATH=" + CHROME + " " + shlex.join(argv),
    }


def _axe_version(lhr: dict[str, Any]) -> str | None:
    version = (lhr["environment"].get("credits") or {}).get("axe-core")
    return str(version) if version else None


def run_ours(urls: list[str], work: Path) -> tuple[dict[str, Any], float]:
    """``echotune-ci frontend`` on all *urls* at once: url -> {score, failed}, and the wall time."""
    out = work / "ours.json"
    argv = [str(ECHOTUNE_CI), "frontend", *urls, "--runs", "1", "--preset", "desktop", "-o", str(out),
            "--artifacts-dir", str(work / "artifacts")]
    t0 = time.perf_counter()
    # Run from the temp folder: no echotune.toml is discovered, so no interactions (Lighthouse does none).
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=600, cwd=work)
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 1) or not out.is_file():
        raise SystemExit(f"echotune-ci frontend failed (exit {proc.returncode}): "
                         f"{proc.stderr.strip()[-400:]}")
    result = json.loads(out.read_text())
    weights = lighthouse_data().accessibility_weights
    mine: dict[str, Any] = {u: {"score": None, "failed": []} for u in urls}
    for m in result["metrics"]:
        if m["name"] == "accessibility_score":
            mine[m["labels"]["url"]]["score"] = m["value"]
    for f in result["findings"]:
        if f.get("source_tool") == "axe-core" and f["rule_id"] in weights:
            mine[f["location"]["path"]]["failed"].append(f["rule_id"])
    return mine, wall


def main() -> int:
    """Run both sides on every page, print the table; the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lighthouse-dir", type=Path, default=DEFAULT_CACHE,
                        help=f"npm prefix holding Lighthouse (default {DEFAULT_CACHE})")
    parser.add_argument("--record", type=Path, help="write Lighthouse's outcomes to this JSON file")
    args = parser.parse_args()
    version = lighthouse_data().version
    try:
        cli = ensure_lighthouse(args.lighthouse_dir.expanduser(), version)
    except CannotRun as exc:
        print(f"cannot compare with Lighthouse: {exc}")
        return 3
    server = serve(PAGES_DIR)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    names = pages()
    try:
        with tempfile.TemporaryDirectory(prefix="echotune-a11y-") as tmp:
            work = Path(tmp)
            print(f"echotune-ci frontend on {len(names)} pages ...", flush=True)
            mine, wall = run_ours([f"{base}/{n}" for n in names], work)
            theirs = {}
            t0 = time.perf_counter()
            for n in names:
                print(f"lighthouse {n} ...", flush=True)
                theirs[n] = run_lighthouse(cli, f"{base}/{n}", work / f"lh-{n}.json")
            lh_wall = time.perf_counter() - t0
    except CannotRun as exc:
        print(f"cannot compare with Lighthouse: {exc}")
        return 3
    finally:
        server.shutdown()
    first = theirs[names[0]]
    print(f"\nLighthouse {first['lighthouse']} (axe-core {first['axe_core']}), {first['chromium']}")
    print(f"ours: {wall:.1f} s for all pages; Lighthouse: {lh_wall:.1f} s "
          f"({lh_wall / len(names):.1f} s a page)\n")
    print(f"| page | ours | Lighthouse {first['lighthouse']} | diff | failed (ours / Lighthouse) |")
    print("|---|---|---|---|---|")
    worst = 0.0
    for n in names:
        ours, lh = mine[f"{base}/{n}"], theirs[n]
        both = ours["score"] is not None and lh["score"] is not None
        diff = ours["score"] - lh["score"] if both else None
        worst = max(worst, abs(diff) if diff is not None else 100)
        same = sorted(set(ours["failed"])) == lh["failed"]
        failed = ", ".join(lh["failed"]) or "none"
        mine_failed = ", ".join(sorted(set(ours["failed"]))) or "none"
        failed = f"same: {failed}" if same else f"{mine_failed} / {failed}"
        print(f"| {n} | {_num(ours['score'])} | {_num(lh['score'])} | "
              f"{'-' if diff is None else f'{diff:+.0f}'} | {failed} |")
    if args.record:
        record = {
            "about": "Lighthouse's accessibility outcome on each page of tests/fixtures/a11y-pages/, "
                     "recorded by bench/a11y_vs_lighthouse.py --record (the page server's port differs per "
                     "run). 'failed', 'not_applicable', 'errored': the audits of the data file's weight "
                     "table with that outcome.",
            "recorded_with": shlex.join([".venv/bin/python", "bench/a11y_vs_lighthouse.py", *sys.argv[1:]])
            + f" (npm install lighthouse@{version} in the --lighthouse-dir)",
            "lighthouse": first["lighthouse"], "axe_core": first["axe_core"], "chromium": first["chromium"],
            "pages": {n: {k: v for k, v in theirs[n].items() if k not in PER_RUN}
                      | {"command": theirs[n]["command"].replace(base, "http://127.0.0.1:{port}")
                         .replace(str(work), "{tmp}")}
                      for n in names},
        }
        args.record.write_text(json.dumps(record, indent=2) + "\n")
        print(f"\nrecorded Lighthouse's outcomes in {args.record}")
    print(f"\nlargest difference: {worst:.0f} (tolerance ±{TOLERANCE})")
    return 0 if worst <= TOLERANCE else 1


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


if __name__ == "__main__":
    sys.exit(main())
