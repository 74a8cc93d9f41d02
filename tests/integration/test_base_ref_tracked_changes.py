"""`run --base-ref` says which build's setup and build rewrote files git tracks.

ts-nextjs-tailwind-starter: both builds' `next build` rewrote the committed next-env.d.ts, and the console
printed one warning twice, the same words for the head's checkout and for the base's (a folder the user
never sees, where the `git diff` it suggested cannot be run). On a real git repository whose build
rewrites a tracked file.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import run_cli

CONFIG = """\
[serve]
build = "echo '// written by the build' > types.d.ts && rm -rf dist && mkdir dist && cp src/*.js dist/"
command = "{python} -m http.server {{port}} --bind 127.0.0.1"
ready_url = "http://127.0.0.1:{{port}}/"

[run]
phases = ["bundle"]

[bundle]
globs = ["dist/*.js"]
"""


def test_each_build_says_whose_tracked_files_its_steps_rewrote(tmp_path: Path, cli_env) -> None:
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    (repo / ".gitignore").write_text("dist/\nout/\n")
    (repo / "echotune.toml").write_text(CONFIG.format(python=sys.executable))
    (repo / "src" / "app.js").write_text("export const app = 1;\n")
    (repo / "types.d.ts").write_text("// committed by hand\n")
    for args in (["init", "-q", "--initial-branch=main"], ["add", "-A"],
                 ["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "base"]):
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)
    done = run_cli("run", "--base-ref", "HEAD", "--output-dir", "out", env=cli_env, cwd=repo, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [line for line in (done.stdout + done.stderr).splitlines() if "types.d.ts" in line]
    advice = ("a step writes them; commit them as it writes them, or untrack a generated file (git rm "
              "--cached FILE, and list it in .gitignore)")
    assert sorted(lines) == sorted([
        f"warning: setup and build changed 1 file(s) git tracks: types.d.ts (`git diff` shows how): {advice}",
        f"warning: the base's setup and build changed 1 file(s) its commit tracks: types.d.ts: {advice}"])
