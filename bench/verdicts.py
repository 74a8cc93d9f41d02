"""How far the gate's verdicts can be trusted on real runs: false alarms (A/A) and detection (A/B).

Copies the example app into a temporary git repository (one commit: the
base; the example's own .venv is linked, so setup only checks it is there),
then runs ``echotune-ci run --base-ref HEAD`` on it, as a pull request would:

* **A/A**: the working tree is the commit (base and head are the same code);
  a run with any "regressed" verdict is a false alarm.
* **A/B p95**: the head plants ``MUSICAPP_SLOWDOWN_MS`` = +10 % of the p95
  measured by the calibration run (through the head's [serve] env); a run
  that flags ``load:p95_ms`` detects it.
* **A/B LCP**: the same with +10 % of the measured LCP of the home page; a
  run that flags ``frontend:lcp_ms[url=/]`` detects it.

The knob adds the same milliseconds to API answers and to the page, so each
A/B kind is sized for its own metric. Prints the false-alarm rate (A/A runs
with any "regressed" verdict, and those whose gate failed), the detection
rates (+10 % p95, +10 % LCP), the wall time per run (each run: build both,
serve both, frontend loads and load rounds interleaved, compare, with
adaptive rounds up to ``--max-runs`` as a sequential test) and the machine's
load average around each run (the machine may be shared: say so with the
figures). ``--json`` is rewritten after every run, so a stopped bench keeps
what it measured.

    .venv/bin/python bench/verdicts.py [--runs 40] [--kinds aa,ab-p95,ab-lcp] [--frontend-runs 5]
        [--frontend-warmup 1]
        [--load-rounds 5] [--round-duration 2s] [--max-runs 10] [--json out.json]
    .venv/bin/python bench/verdicts.py --summary-of out.json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MUSICAPP = ROOT / "examples" / "musicapp"
SKIP = shutil.ignore_patterns(".venv", "dist", "__pycache__", "node_modules", "echotune.toml", "*.db")

CONFIG = """\
[serve]
setup = "test -x .venv/bin/python"
build = "python build.py"
command = "gunicorn --worker-class gevent --workers 2 --bind 127.0.0.1:{{port}} --log-level warning app:app"
ready_url = "http://127.0.0.1:{{port}}/health"
timeout = "30s"
{env}

[run]
phases = ["frontend", "load"]

[gate]
max_runs = {max_runs}

[frontend]
runs = {frontend_runs}
warmup = {frontend_warmup}
preset = "desktop"

[[frontend.pages]]
path = "/"
name = "home"

[load]
users = 10
spawn_rate = 10
wait_min = "0.05s"
wait_max = "0.2s"

[load.compare]
rounds = {load_rounds}
round_duration = "{round_duration}"

[[load.endpoints]]
name = "/api/tracks"
path = "/api/tracks?q=jazz&limit=20"
"""


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def make_repo(where: Path, config: str) -> Path:
    """The example app in a fresh git repository at *where*/app, committed with *config*."""
    app = where / "app"
    app.mkdir(parents=True)
    shutil.copytree(MUSICAPP, app, ignore=SKIP, dirs_exist_ok=True)
    (where / ".gitignore").write_text(".venv\n__pycache__/\nstatic/dist/\n")
    (app / "echotune.toml").write_text(config)
    (app / ".venv").symlink_to((MUSICAPP / ".venv").resolve(), target_is_directory=True)
    git(where, "init", "--quiet", "--initial-branch=main")
    git(where, "add", "-A")
    git(where, "-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "--quiet",
        "-m", "base")
    return app


def side_by_side(repo: Path, app: Path, out: Path) -> tuple[int, dict[str, dict[str, Any]], float, dict]:
    """One `run --base-ref HEAD`: exit code, comparisons by "phase:key", wall seconds, side-by-side.json."""
    exe = Path(sys.executable).parent / "echotune-ci"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    started = time.monotonic()
    done = subprocess.run([str(exe), "run", "--config", str(app / "echotune.toml"), "--base-ref", "HEAD",
                           "--output-dir", str(out)], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=900)
    took = time.monotonic() - started
    try:
        report = json.loads((out / "report" / "report.json").read_text())
        sbs = json.loads((out / "artifacts" / "side-by-side.json").read_text())
    except OSError:
        sys.stderr.write(done.stderr[-3000:])
        raise
    found = {f"{c['phase']}:{c['key']}": c for c in report["gate"]["comparisons"]}
    failed = [c["rule"] for c in report["gate"]["checks"] if c["status"] == "fail"]
    return done.returncode, found, took, {**sbs, "failed_checks": failed}


def calibrate(work: Path, args: argparse.Namespace) -> tuple[float, float]:
    """The base's p95 (ms) and home-page LCP (ms) from one A/A run."""
    app = make_repo(work / "calibrate", _config(args, ""))
    _, found, _, _ = side_by_side(work / "calibrate", app, work / "calibrate-out")
    return float(found["load:p95_ms"]["base"]), float(found["frontend:lcp_ms[url=/]"]["base"])


def _config(args: argparse.Namespace, env: str) -> str:
    return CONFIG.format(env=env, max_runs=args.max_runs, frontend_runs=args.frontend_runs,
                         frontend_warmup=args.frontend_warmup,
                         load_rounds=args.load_rounds, round_duration=args.round_duration)


def one_run(work: Path, i: int, kind: str, slowdown_ms: float, args: argparse.Namespace) -> dict[str, Any]:
    repo = work / f"{kind}-{i}"
    app = make_repo(repo, _config(args, ""))
    if slowdown_ms:
        planted = f'env = {{ MUSICAPP_SLOWDOWN_MS = "{slowdown_ms:.2f}" }}'
        (app / "echotune.toml").write_text(_config(args, planted))
    load_before = os.getloadavg()[0]
    code, found, took, sbs = side_by_side(repo, app, repo / "out")
    regressed = sorted(k for k, c in found.items() if c["verdict"] == "regressed")
    shutil.rmtree(repo, ignore_errors=True)
    levels = {phase: round(plan["alpha"], 5) for phase, plan in sbs.get("sequential", {}).items()}
    return {"kind": kind, "run": i, "exit": code, "seconds": round(took, 1), "regressed": regressed,
            "failed_checks": sbs["failed_checks"], "samples": sbs.get("samples_per_build", {}),
            "alpha": levels, "slowdown_ms": slowdown_ms, "compared": len(found),
            "load_avg": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            "others_cpu_pct": sbs.get("machine", {}).get("others_cpu_pct"),
            "p95": _brief(found.get("load:p95_ms")), "lcp": _brief(found.get("frontend:lcp_ms[url=/]"))}


def _brief(c: dict[str, Any] | None) -> dict[str, Any]:
    if c is None:
        return {}
    keys = ("base", "head", "verdict", "effect_pct", "p_value", "ci_low_pct", "ci_high_pct", "confidence",
            "n_base", "n_head", "alpha", "family_size", "family_alpha")
    return {k: c.get(k) for k in keys if k in c}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40, help="Runs of each kind.")
    parser.add_argument("--kinds", default="aa,ab-p95,ab-lcp")
    parser.add_argument("--frontend-runs", type=int, default=5)
    parser.add_argument("--frontend-warmup", type=int, default=1,
                        help="Unmeasured page loads per build first ([frontend] warmup).")
    parser.add_argument("--load-rounds", type=int, default=5)
    parser.add_argument("--round-duration", default="2s")
    parser.add_argument("--max-runs", type=int, default=10)
    parser.add_argument("--shift-pct", type=float, default=10.0,
                        help="Planted slowdown, percent of the metric.")
    parser.add_argument("--json", type=Path, default=None, help="Write every run's outcome here.")
    parser.add_argument("--summary-of", type=Path, default=None,
                        help="Only print the summary of a --json file an earlier (or stopped) bench wrote.")
    args = parser.parse_args()
    if args.summary_of:
        summarise(json.loads(args.summary_of.read_text())["runs"])
        return 0
    kinds = [k for k in args.kinds.split(",") if k]
    if not (MUSICAPP / ".venv" / "bin" / "python").exists():
        # Every run links the example's environment instead of installing one per run.
        print(f"verdicts: {MUSICAPP / '.venv'} is missing: run ./scripts/demo.sh once, it sets it up",
              file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="echotune-verdicts-"))
    rows: list[dict[str, Any]] = []
    try:
        p95, lcp = calibrate(work, args)
        print(f"calibration (base): p95 {p95:.1f} ms, LCP {lcp:.0f} ms; planted +{args.shift_pct:g} %: "
              f"p95 +{p95 * args.shift_pct / 100:.2f} ms, LCP +{lcp * args.shift_pct / 100:.1f} ms",
              flush=True)
        slowdown = {"aa": 0.0, "ab-p95": p95 * args.shift_pct / 100, "ab-lcp": lcp * args.shift_pct / 100}
        for i in range(args.runs):
            for kind in kinds:
                row = one_run(work, i, kind, slowdown[kind], args)
                rows.append(row)
                print(json.dumps(row), flush=True)
                if args.json:
                    args.json.write_text(json.dumps({"calibration": {"p95_ms": p95, "lcp_ms": lcp},
                                                     "cpus": os.cpu_count(), "runs": rows}, indent=2) + "\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    summarise(rows)
    return 0


def summarise(rows: list[dict[str, Any]]) -> None:
    """Print false alarms, detection, time per run and load average, per kind."""
    target = {"ab-p95": "load:p95_ms", "ab-lcp": "frontend:lcp_ms[url=/]"}
    for kind in dict.fromkeys(r["kind"] for r in rows):
        mine = [r for r in rows if r["kind"] == kind]
        times = [r["seconds"] for r in mine]
        loads = [v for r in mine for v in r.get("load_avg", [])]
        timing = (f"per run {statistics.median(times):.0f} s median, {min(times):.0f}–{max(times):.0f} s; "
                  f"1-min load average {min(loads, default=0):.1f}–{max(loads, default=0):.1f}")
        others = [r["others_cpu_pct"] for r in mine if r.get("others_cpu_pct") is not None]
        if others:  # what other programs took of the CPU while both apps were measured (side-by-side.json)
            timing += f"; other programs {min(others):.0f}–{max(others):.0f} % of the CPU"
        gate_failed = sum(1 for r in mine if r["exit"] == 1)
        widths = {m: [r[m]["ci_high_pct"] - r[m]["ci_low_pct"] for r in mine
                      if r.get(m, {}).get("ci_high_pct") is not None and r[m].get("ci_low_pct") is not None]
                  for m in ("p95", "lcp")}
        if any(widths.values()):
            timing += "; median interval width " + ", ".join(
                f"{m} {statistics.median(w):.0f} points" for m, w in widths.items() if w)
        if kind == "aa":
            alarms = [r for r in mine if r["regressed"]]
            which = "; ".join(", ".join(r["regressed"]) for r in alarms)
            print(f"A/A: false alarms {len(alarms)}/{len(mine)} (runs with any 'regressed' verdict"
                  f"{': ' + which if which else ''}); gate failed (exit 1) in {gate_failed}; {timing}")
        else:
            hits = sum(1 for r in mine if target[kind] in r["regressed"])
            print(f"{kind}: detected {hits}/{len(mine)} ({target[kind]} 'regressed'); gate failed (exit 1) "
                  f"in {gate_failed}; {timing}")


if __name__ == "__main__":
    raise SystemExit(main())
