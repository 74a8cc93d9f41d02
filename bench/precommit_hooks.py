"""How long the pre-commit hooks take on a 10-file change (target: under 1 s each).

Builds a throw-away git repository with 10 staged Python files of ~150 lines,
then times (median of --runs) the hook entry alone and the whole
``pre-commit run`` of each ``*-system`` hook from .pre-commit-hooks.yaml.

    .venv/bin/python bench/precommit_hooks.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
GIT_ENV = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.invalid"}
HOOKS = {"echotune-secrets-system": ["--only", "secrets"], "echotune-bandit-system": ["--only", "bandit"]}


def module(i: int) -> str:
    lines = [f'"""Module {i} of the benchmark change."""', "import json", "import os", ""]
    for j in range(30):
        lines += [f"def handler_{j}(payload, limit={j}):", "    data = json.loads(payload)",
                  f"    value = os.environ.get('SETTING_{j}', 'default')",
                  "    return [item for item in data if len(item) < limit] + [value]", ""]
    return "\n".join(lines) + "\n"


def timed(cmd: list[str], cwd: Path, env: dict[str, str], runs: int) -> tuple[float, float, int]:
    """(median, fastest, exit code): the fastest run shows the cost on an idle machine."""
    samples, code = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        code = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True).returncode
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), min(samples), code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    env = {**os.environ, **GIT_ENV, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        env["PRE_COMMIT_HOME"] = str(tmpdir / "home")
        hooks = tmpdir / "hooks"
        hooks.mkdir()
        shutil.copy(ROOT / ".pre-commit-hooks.yaml", hooks)
        for cmd in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "hooks"]):
            subprocess.run(["git", *cmd], cwd=hooks, env=env, check=True)
        rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=hooks, capture_output=True,
                             text=True).stdout.strip()
        project = tmpdir / "project"
        project.mkdir()
        subprocess.run(["git", "init", "-q"], cwd=project, check=True)
        files = []
        for i in range(10):
            (project / f"module_{i}.py").write_text(module(i))
            files.append(f"module_{i}.py")
        subprocess.run(["git", "add", *files], cwd=project, check=True)
        (project / ".pre-commit-config.yaml").write_text(
            f"repos:\n- repo: {hooks}\n  rev: {rev}\n  hooks:\n"
            + "".join(f"  - id: {h}\n" for h in HOOKS))
        size = sum((project / f).stat().st_size for f in files)
        print(f"change: {len(files)} staged Python files, {size / 1024:.1f} KiB; median of {args.runs} runs; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        slowest = 0.0
        for hook, only in HOOKS.items():
            entry = [str(BIN / "echotune-ci"), "security", *only, "--format", "lines", *files]
            entry_s, entry_min, entry_rc = timed(entry, project, env, args.runs)
            subprocess.run([str(BIN / "pre-commit"), "run", hook], cwd=project, env=env, capture_output=True)
            full_s, full_min, full_rc = timed([str(BIN / "pre-commit"), "run", hook], cwd=project, env=env,
                                              runs=args.runs)
            slowest = max(slowest, full_s)
            print(f"{hook:24s} entry {entry_s * 1000:5.0f} ms (fastest {entry_min * 1000:4.0f}, "
                  f"exit {entry_rc})  pre-commit run {full_s * 1000:5.0f} ms "
                  f"(fastest {full_min * 1000:4.0f}, exit {full_rc})")
        verdict = "met" if slowest < 1 else "MISSED"
        print(f"slowest hook: {slowest * 1000:.0f} ms — target < 1000 ms: {verdict}")
        return 0 if slowest < 1 else 1


if __name__ == "__main__":
    sys.exit(main())
