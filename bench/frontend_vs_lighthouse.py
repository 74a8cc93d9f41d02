"""Our frontend phase next to a real Lighthouse run on the example app's home page.

Installs the Lighthouse release the data file names (13.5.0) with npm into a
cache folder outside the repository when it is not there yet (it declares
Node >= 22.19 but runs on Node 20 here), starts the example app on a free
loopback port (normal build; with --regress also the regress build), and for
each preset runs

* ``echotune-ci frontend URL --runs 3 --preset P`` (3 loads + axe-core, no
  interactions: Lighthouse does none either), timed as a user would see it;
* the Lighthouse CLI (performance and accessibility only) with its default
  *simulated* throttling and, unless --no-devtools, with
  ``--throttling-method=devtools``, the throttling we apply, N times each;

then prints wall times and every metric side by side. Needs Node and npm
(npm only for the first install; the npm registry is the only host
contacted). Lighthouse and Chromium talk to 127.0.0.1 only.

    .venv/bin/python bench/frontend_vs_lighthouse.py [--lighthouse-runs 1] [--regress] [--preset desktop]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from echotune_ci.config import load_config
from echotune_ci.data.lighthouse import lighthouse as lighthouse_data
from echotune_ci.config.sections import ServeSettings
from echotune_ci.serve import App

ROOT = Path(__file__).resolve().parents[1]
MUSICAPP = ROOT / "examples" / "musicapp"
COMMAND = ("python build.py && gunicorn --worker-class gevent --workers 2 --bind 127.0.0.1:{port} "
           "--log-level warning app:app")
ECHOTUNE_CI = Path(sys.executable).parent / "echotune-ci"

LIGHTHOUSE_SPEC = f"lighthouse@{lighthouse_data().version}"
MIN_NODE = (20, 0)
DEFAULT_CACHE = (Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
                 / "echotune-bench" / f"lighthouse-{lighthouse_data().version}")
CHROME = "/usr/bin/chromium"
# Our phase's launch flags (phases/frontend/browser.py LAUNCH_ARGS) plus the new headless mode
# Lighthouse needs.
CHROME_FLAGS = ("--headless=new --no-sandbox --disable-gpu --disable-background-networking "
                "--disable-component-update --disable-sync")
LIGHTHOUSE_TIMEOUT = 180

# (our metric, Lighthouse audit id, unit, observed-value key in the "metrics" audit)
ROWS = (
    ("fcp_ms", "first-contentful-paint", "ms", "observedFirstContentfulPaint"),
    ("lcp_ms", "largest-contentful-paint", "ms", "observedLargestContentfulPaint"),
    ("cls", "cumulative-layout-shift", "", "observedCumulativeLayoutShift"),
    ("tbt_ms", "total-blocking-time", "ms", None),
    ("speed_index_ms", "speed-index", "ms", "observedSpeedIndex"),
    ("tti_ms", "interactive", "ms", None),
)


class CannotRun(Exception):
    """Lighthouse cannot be installed or run here; the message says why."""


def node_version() -> tuple[int, ...]:
    node = shutil.which("node")
    if node is None:
        raise CannotRun("node is not on PATH (Lighthouse is a Node program; install Node >= 18.16)")
    out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    try:
        return tuple(int(p) for p in out.lstrip("v").split("."))
    except ValueError:
        raise CannotRun(f"node --version printed {out!r}, not a version") from None


def ensure_lighthouse(cache: Path) -> tuple[Path, str]:
    """The Lighthouse CLI script in *cache*, installed with npm first if missing."""
    if cache.resolve().is_relative_to(ROOT):
        raise CannotRun(f"{cache}: inside the repository; node_modules must stay out of it")
    node = node_version()
    if node[:2] < MIN_NODE:
        raise CannotRun(f"Node {'.'.join(map(str, node))} is too old for {LIGHTHOUSE_SPEC} (needs >= 20)")
    cli = cache / "node_modules" / "lighthouse" / "cli" / "index.js"
    package = cache / "node_modules" / "lighthouse" / "package.json"
    if cli.is_file() and package.is_file():
        version = json.loads(package.read_text())["version"]
        print(f"Lighthouse {version}: already installed in {cache}")
        return cli, version
    npm = shutil.which("npm")
    if npm is None:
        raise CannotRun(f"Lighthouse is not in {cache} and npm is not on PATH to install it")
    cache.mkdir(parents=True, exist_ok=True)
    print(f"Lighthouse not found in {cache}: npm install --prefix {cache} {LIGHTHOUSE_SPEC} ...", flush=True)
    t0 = time.perf_counter()
    # --ignore-scripts: no install script may fetch a browser; we use the system's Chromium.
    argv = [npm, "install", "--prefix", str(cache), "--no-audit", "--no-fund", "--ignore-scripts",
            "--loglevel=error", LIGHTHOUSE_SPEC]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0 or not cli.is_file():
        tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-3:]) or f"exit {proc.returncode}"
        raise CannotRun(f"npm install {LIGHTHOUSE_SPEC} into {cache} failed: {tail}")
    version = json.loads(package.read_text())["version"]
    print(f"installed Lighthouse {version} into {cache} in {time.perf_counter() - t0:.1f} s "
          f"(outside the repository; delete the folder to reinstall)")
    return cli, version


def run_checked(argv: list[str], env: dict[str, str], cwd: Path,
                timeout: float) -> subprocess.CompletedProcess[str]:
    """Run in its own process group so a timeout also ends the browser it started."""
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        what = Path(argv[1]).name if len(argv) > 1 else argv[0]
        raise CannotRun(f"{what} took more than {timeout:.0f} s") from None
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def lighthouse(cli: Path, url: str, preset: str, method: str, out: Path) -> dict[str, Any]:
    """One Lighthouse run; a failed run is repeated once (it now and then loses its trace: NO_NAVSTART)."""
    try:
        return _lighthouse_once(cli, url, preset, method, out)
    except CannotRun as exc:
        print(f"  {exc}; running it once more", flush=True)
        return _lighthouse_once(cli, url, preset, method, out)


def _lighthouse_once(cli: Path, url: str, preset: str, method: str, out: Path) -> dict[str, Any]:
    argv = ["node", str(cli), url, "--output=json", f"--output-path={out}", "--quiet",
            "--only-categories=performance,accessibility", f"--chrome-flags={CHROME_FLAGS}",
            "--no-enable-error-reporting", f"--throttling-method={method}"]
    if preset == "desktop":
        argv.append("--preset=desktop")
    env = dict(os.environ, CHROME_PATH=CHROME)
    t0 = time.perf_counter()
    proc = run_checked(argv, env, out.parent, LIGHTHOUSE_TIMEOUT)
    wall = time.perf_counter() - t0
    if proc.returncode != 0 or not out.is_file():
        tail = " | ".join(proc.stderr.strip().splitlines()[-3:]) or f"exit {proc.returncode}"
        raise CannotRun(f"Lighthouse failed on {url} ({preset}, {method}): {tail}")
    lhr = json.loads(out.read_text())
    if lhr.get("runtimeError"):
        raise CannotRun(f"Lighthouse failed on {url}: {lhr['runtimeError'].get('message')}")
    audits = lhr["audits"]
    observed = (audits.get("metrics", {}).get("details") or {}).get("items", [{}])[0]
    values = {name: audits[audit].get("numericValue") for name, audit, _u, _o in ROWS}
    values["performance_score"] = _score(lhr["categories"]["performance"])
    values["accessibility_score"] = _score(lhr["categories"]["accessibility"])
    failed = sorted(ref["id"] for ref in lhr["categories"]["accessibility"]["auditRefs"]
                    if ref.get("weight") and audits[ref["id"]].get("score") == 0)
    # Lighthouse sets a not-applicable audit's weight to 0 in the report: these are the rules it scored.
    weights = {ref["id"]: ref["weight"] for ref in lhr["categories"]["accessibility"]["auditRefs"]
               if ref.get("weight")}
    return {"wall": wall, "values": values, "observed": {n: observed.get(k) for n, _a, _u, k in ROWS if k},
            "failed": failed, "a11y_weights": weights, "warnings": lhr.get("runWarnings", []),
            "chrome": lhr["environment"]["hostUserAgent"],
            "benchmark_index": lhr["environment"].get("benchmarkIndex")}


def _score(category: dict[str, Any]) -> float | None:
    return None if category.get("score") is None else round(category["score"] * 100)


def ours(url: str, preset: str, runs: int, work: Path) -> dict[str, Any]:
    out = work / f"ours-{preset}.json"
    argv = [str(ECHOTUNE_CI), "frontend", url, "--runs", str(runs), "--preset", preset, "-o", str(out),
            "--artifacts-dir", str(work / f"artifacts-{preset}")]
    # Run from the temp folder: no echotune.toml is discovered, so no interactions (Lighthouse does none).
    t0 = time.perf_counter()
    proc = run_checked(argv, dict(os.environ), work, 300)
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 1) or not out.is_file():
        raise SystemExit(f"echotune-ci frontend failed (exit {proc.returncode}): "
                         f"{proc.stderr.strip()[-400:]}")
    result = json.loads(out.read_text())
    values = {m["name"]: m["value"] for m in result["metrics"] if "interaction" not in m.get("labels", {})}
    failed = sorted({f["rule_id"] for f in result["findings"]})
    return {"wall": wall, "values": values, "failed": failed, "duration": result.get("duration_s"),
            "notes": result.get("notes", []), "errors": result.get("errors", [])}


def median_of(runs: list[dict[str, Any]], key: str, name: str) -> float | None:
    values = [r[key].get(name) for r in runs if r[key].get(name) is not None]
    return statistics.median(values) if values else None


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "ms":
        return f"{value:.0f} ms"
    if unit == "s":
        return f"{value:.1f} s"
    return f"{value:.3f}" if unit == "" else f"{value:.0f}"


def report(mode: str, preset: str, mine: dict[str, Any], lh: dict[str, list[dict[str, Any]]],
           our_runs: int) -> None:
    from echotune_ci.phases.frontend.accessibility import WEIGHTS as ours_w

    methods = list(lh)
    n = len(next(iter(lh.values())))
    heads = [f"ours ({our_runs} loads, median)"]
    heads += [f"LH {m}" + (f" (median of {n})" if n > 1 else "") for m in methods]
    if "simulate" in lh:
        heads.append("LH observed (unthrottled)")
    width = max(len(h) for h in heads) + 2
    print(f"\n== {mode} app, preset {preset} ==")
    print(f"{'':24}" + "".join(h.rjust(width) for h in heads))

    def row(label: str, cells: list[str]) -> None:
        print(f"{label:24}" + "".join(c.rjust(width) for c in cells))

    walls = [fmt(mine["wall"], "s")]
    walls += [fmt(statistics.median(r["wall"] for r in lh[m]), "s") for m in methods]
    row("wall time", walls + ([""] if "simulate" in lh else []))
    for name, _audit, unit, obs in ROWS:
        cells = [fmt(mine["values"].get(name), unit)]
        cells += [fmt(median_of(lh[m], "values", name), unit) for m in methods]
        if "simulate" in lh:
            cells.append(fmt(median_of(lh["simulate"], "observed", name), unit) if obs else "")
        row(name, cells)
    for name in ("performance_score", "accessibility_score"):
        cells = [fmt(mine["values"].get(name), "score")]
        cells += [fmt(median_of(lh[m], "values", name), "score") for m in methods]
        row(name, cells + ([""] if "simulate" in lh else []))
    print(f"  accessibility rules failed: ours {', '.join(mine['failed']) or 'none'}; "
          f"Lighthouse {', '.join(lh[methods[0]][-1]['failed']) or 'none'}")
    weights = lh[methods[0]][-1]["a11y_weights"]
    differ = [f"{rule} {ours_w.get(rule, 'absent')}/{w}"
              for rule, w in sorted(weights.items()) if ours_w.get(rule) != w]
    if differ:
        print(f"  accessibility weights of the rules Lighthouse scored, ours/Lighthouse's: "
              f"{', '.join(differ)}")
    for m in methods:
        for warning in lh[m][-1]["warnings"]:
            print(f"  Lighthouse {m} warning: {warning}")
    for note in mine["notes"] + mine["errors"]:
        print(f"  ours: {note}")


def compare_page(cli: Path, url: str, mode: str, presets: list[str], methods: list[str], lh_runs: int,
                 our_runs: int, work: Path) -> None:
    for preset in presets:
        print(f"[{mode}/{preset}] echotune-ci frontend --runs {our_runs} ...", flush=True)
        mine = ours(url, preset, our_runs, work)
        lh: dict[str, list[dict[str, Any]]] = {}
        for method in methods:
            lh[method] = []
            for i in range(lh_runs):
                print(f"[{mode}/{preset}] lighthouse --throttling-method={method} run {i + 1}/{lh_runs} ...",
                      flush=True)
                out = work / f"lh-{preset}-{method}-{i}.json"
                lh[method].append(lighthouse(cli, url, preset, method, out))
        report(mode, preset, mine, lh, our_runs)
    first = lh[methods[0]][-1]
    print(f"  (Lighthouse's Chromium: {first['chrome']}; its benchmarkIndex: {first['benchmark_index']})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lighthouse-runs", type=int, default=1,
                        help="Lighthouse runs per preset and method")
    parser.add_argument("--runs", type=int, default=3, help="our loads per page (one echotune-ci call)")
    parser.add_argument("--preset", choices=("desktop", "mobile"), action="append",
                        help="repeatable; default both")
    parser.add_argument("--regress", action="store_true", help="also audit the app in regress mode")
    parser.add_argument("--no-devtools", action="store_true",
                        help="only Lighthouse's default simulated throttling, "
                             "not also --throttling-method=devtools")
    parser.add_argument("--lighthouse-dir", type=Path, default=DEFAULT_CACHE,
                        help=f"npm prefix holding Lighthouse (default {DEFAULT_CACHE})")
    args = parser.parse_args()
    presets = args.preset or ["desktop", "mobile"]
    methods = ["simulate"] if args.no_devtools else ["simulate", "devtools"]

    try:
        cli, version = ensure_lighthouse(args.lighthouse_dir.expanduser())
    except CannotRun as exc:
        print(f"cannot compare with Lighthouse: {exc}")
        return 3
    print(f"comparing with Lighthouse {version} ({', '.join(methods)} throttling), Chromium {CHROME}")
    modes = ["normal", "regress"] if args.regress else ["normal"]
    with tempfile.TemporaryDirectory(prefix="echotune-vs-lh-") as tmp:
        for mode in modes:
            work = Path(tmp) / mode
            work.mkdir()
            serve = ServeSettings(command=COMMAND, ready_url="http://127.0.0.1:{port}/health", timeout=30,
                                  env={"MUSICAPP_DIST": str(work / "dist"),
                                       "ECHOTUNE_REGRESS": "1" if mode == "regress" else "0"})
            # The example runs in its own environment: its [serve] setup makes it (once).
            App(load_config(MUSICAPP / "echotune.toml").serve, MUSICAPP).prepare()
            app = App(serve, MUSICAPP)
            app.start()
            try:
                compare_page(cli, f"{app.base_url}/", mode, presets, methods, args.lighthouse_runs, args.runs,
                             work)
            except CannotRun as exc:
                print(f"cannot compare with Lighthouse: {exc}")
                return 3
            finally:
                app.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
