"""How long the api phase takes on an example app with its default bounds (must stay under 30 s).

Starts the Flask example (its own environment, gunicorn as `run` serves it; with --node the Node
example) on a free loopback port, in normal mode or with --regress, then times

    echotune-ci api --config <example>/echotune.toml --url http://127.0.0.1:PORT --output <tmp>/api.json

(20 generated requests per operation at most, 25 s cap, the example's flow) and prints the wall time,
the requests sent, the findings and the slowest operation's p95. Exit 0 under --limit (30 s), 1 above.

    .venv/bin/python bench/api_phase.py [--node] [--regress] [--repeat 3] [--limit 30]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from echotune_ci.config import load_config, override  # noqa: E402
from echotune_ci.config.sections import ServeSettings  # noqa: E402
from echotune_ci.serve import App  # noqa: E402

FLASK = ROOT / "examples" / "musicapp"
NODE = ROOT / "examples" / "musicapp-node"
FLASK_COMMAND = ("gunicorn --worker-class gevent --workers 2 --bind 127.0.0.1:{port} --log-level warning "
                 "app:app")


def start(node: bool, regress: bool) -> tuple[App, Path]:
    """The example app running in its own environment (set up by its [serve] setup when needed)."""
    folder = NODE if node else FLASK
    App(override(load_config(folder / "echotune.toml").serve, build=""), folder).prepare()
    spec = ServeSettings(command="node server/index.js" if node else FLASK_COMMAND,
                         ready_url="http://127.0.0.1:{port}/health", timeout=30,
                         env={"ECHOTUNE_REGRESS": "1" if regress else "0"})
    return App(spec, folder).start(), folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--node", action="store_true", help="the Node/Express example instead of Flask")
    parser.add_argument("--regress", action="store_true", help="the app with ECHOTUNE_REGRESS=1")
    parser.add_argument("--repeat", type=int, default=1, help="runs (each printed; the slowest decides)")
    parser.add_argument("--limit", type=float, default=30.0, help="seconds allowed per run")
    args = parser.parse_args()
    app, folder = start(args.node, args.regress)
    exe = Path(sys.executable).parent / "echotune-ci"
    worst = 0.0
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for i in range(args.repeat):
                out = Path(tmp) / f"api-{i}.json"
                started = time.perf_counter()
                done = subprocess.run([str(exe), "api", "--config", str(folder / "echotune.toml"), "--url",
                                       app.base_url, "--output", str(out)], capture_output=True, text=True,
                                      check=False)
                wall = time.perf_counter() - started
                worst = max(worst, wall)
                if not out.exists():
                    print(done.stdout + done.stderr, file=sys.stderr)
                    return 3
                result = json.loads(out.read_text())
                requests = sum(len(m.get("samples", [])) for m in result["metrics"])
                slowest = max(result["metrics"], key=lambda m: m["value"] or 0, default=None)
                slow = f"{slowest['labels']['operation']} p95 {slowest['value']:.1f} ms" if slowest else "-"
                print(f"api phase on {folder.name}{' (regress)' if args.regress else ''}: {wall:.2f} s wall "
                      f"(exit {done.returncode}, status {result['status']}), {requests} timed requests, "
                      f"{len(result['findings'])} findings, slowest {slow}")
    finally:
        app.stop()
    print(f"slowest run {worst:.2f} s, limit {args.limit:g} s: {'OK' if worst <= args.limit else 'TOO SLOW'}")
    return 0 if worst <= args.limit else 1


if __name__ == "__main__":
    sys.exit(main())
