"""How much load can `echotune-ci load` generate on this machine, and how do its
figures compare with wrk's against the same endpoint?

    .venv/bin/python bench/load_ceiling.py [--duration 10] [--host URL] [--endpoint /api/tracks/1]

Starts the example app (gunicorn, 2 gevent workers) unless --host is given,
then prints, for 1, 100 and 1000 users without think time, the requests per
second and latencies locust measured (one process, then --processes 2), the
same for wrk with as many connections, and finally the example scenario (with
think time) at 1000 concurrent users. Figures, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from echotune_ci.config import load_config  # noqa: E402
from echotune_ci.config.sections import ServeSettings  # noqa: E402
from echotune_ci.results import load_result  # noqa: E402
from echotune_ci.serve import App  # noqa: E402

EXE = str(Path(sys.executable).parent / "echotune-ci")
SERVE = ("python build.py && gunicorn --worker-class gevent --workers 2 --bind 127.0.0.1:{port} "
         "--log-level warning app:app")
ONE_ENDPOINT = """
[load]
wait_min = "0s"
wait_max = "0s"
max_duration = "10m"

[[load.endpoints]]
path = "{path}"
"""


def locust_run(workdir: Path, host: str, users: int, duration: int, *extra: str, config: Path | None = None,
               spawn_rate: float | None = None) -> dict:
    out = workdir / f"load-{users}-{len(extra)}.json"
    rate = spawn_rate or max(users / 2, 1)
    args = [EXE, "load", "--host", host, "--users", str(users), "--spawn-rate", str(rate),
            "--duration", f"{duration + int(users / rate)}s", "--output", str(out), *extra]
    if config is not None:
        args += ["--config", str(config)]
    proc = subprocess.run(args, cwd=workdir, capture_output=True, text=True, timeout=600)
    if not out.exists():
        return {"error": (proc.stderr or proc.stdout).strip().splitlines()[-1:]}
    result = load_result(out)
    total = {m.name: m.value for m in result.metrics if not m.labels}
    cpu = any("CPU went above 90" in n for n in result.notes)
    return {**total, "generator_cpu_warning": cpu}


def wrk_run(url: str, connections: int, duration: int) -> dict:
    exe = shutil.which("wrk")
    if exe is None:
        return {"error": "wrk is not installed (Debian: apt-get install wrk)"}
    threads = min(2, connections)  # wrk needs at least one connection per thread
    proc = subprocess.run([exe, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", url],
                          capture_output=True, text=True, timeout=duration + 60)
    text = proc.stdout
    if proc.returncode != 0:
        return {"error": (proc.stderr or text).strip()[:200]}
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    pct = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", text, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)", text)
    return {"rps": float(rps.group(1)) if rps else None, "p50": pct.get("50"), "p99": pct.get("99"),
            "errors": errors.group(0) if errors else "none"}


def row(label: str, data: dict) -> str:
    if "error" in data:
        return f"{label:<34} {data['error']}"
    if "p95_ms" in data:
        warn = "  (generator CPU > 90 %)" if data["generator_cpu_warning"] else ""
        return (f"{label:<34} {data['rps']:>9.0f} req/s  p50 {data['p50_ms']:>5.0f} ms  "
                f"p95 {data['p95_ms']:>6.0f} ms  "
                f"errors {data['error_rate_pct']:.2f} %  requests {data['requests']:.0f}{warn}")
    return (f"{label:<34} {data['rps'] or 0:>9.0f} req/s  p50 {data['p50']:>8}  p99 {data['p99']:>8}  "
            f"errors {data['errors']}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=int, default=8, help="Seconds per measurement.")
    ap.add_argument("--host", help="Use a running app instead of starting the example app.")
    ap.add_argument("--endpoint", default="/api/tracks/1")
    ap.add_argument("--users", default="1,100,1000")
    args = ap.parse_args()
    app = None
    if not args.host:
        dist = tempfile.mkdtemp(prefix="bench-dist-")
        serve = ServeSettings(command=SERVE, ready_url="http://127.0.0.1:{port}/health",
                              env={"MUSICAPP_DIST": dist})
        # The example runs in its own environment: its [serve] setup makes it (once).
        example = ROOT / "examples" / "musicapp"
        App(load_config(example / "echotune.toml").serve, example).prepare()
        app = App(serve, cwd=ROOT / "examples" / "musicapp").start()
    host = args.host or app.base_url
    print(f"target {host}{args.endpoint} on {os.cpu_count()} cores, {args.duration}s per measurement\n")
    try:
        with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
            work = Path(tmp)
            config = work / "echotune.toml"
            config.write_text(ONE_ENDPOINT.format(path=args.endpoint))
            for users in (int(u) for u in args.users.split(",")):
                print(row(f"locust, 1 process, {users} users", locust_run(work, host, users, args.duration)))
                print(row(f"locust, --processes 2, {users} users",
                          locust_run(work, host, users, args.duration, "--processes", "2")))
                wrk = wrk_run(host + args.endpoint, users, args.duration)
                print(row(f"wrk -t{min(2, users)} -c{users}", wrk))
            example = ROOT / "examples" / "musicapp" / "echotune.toml"
            # The same scenario with the think time of people (1-3 s) instead of the demo's 0.1-0.5 s.
            people = work / "people.toml"
            people.write_text(example.read_text().replace('wait_min = "0.1s"', 'wait_min = "1s"')
                              .replace('wait_max = "0.5s"', 'wait_max = "3s"'))
            print("\nexample scenario, 1000 concurrent users "
                  "(login, search, track, recommendations, /api/me):")
            for procs in ("1", "2"):
                data = locust_run(work, host, 1000, args.duration, "--processes", procs, config=example)
                print(row(f"think time 0.1-0.5 s, --processes {procs}", data))
            # People arrive over ten seconds and stay: measure 20 s of them at full strength.
            for procs in ("1", "2"):
                data = locust_run(work, host, 1000, 20, "--processes", procs, config=people, spawn_rate=100)
                print(row(f"think time 1-3 s, --processes {procs}", data))
    finally:
        if app is not None:
            app.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
