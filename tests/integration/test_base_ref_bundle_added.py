"""`run --base-ref`'s comment shows the bundle files one build has and the other lacks.

A Next.js pull request (ts-nextjs-tailwind-starter, a page importing 60 react-icons) added one chunk of
114.6 KiB to .next/static/chunks/; the comment's gzip total read +4.7 % and raw +13 %, and every per-file
row the two builds shared read 0 % or a few bytes, while the new chunk was in no table but "All metrics",
unmarked: the head's metrics of a file without a base counterpart got no base value, and "Against the base
branch" kept only regressed and improved. On a real git repository: the base commit's build writes
dist/app.js and dist/old.js, the working tree's writes dist/app.js and dist/icons.js.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import run_cli

CONFIG = """\
[serve]
build = "rm -rf dist && mkdir dist && cp src/*.js dist/"
command = "{python} -m http.server {{port}} --bind 127.0.0.1"
ready_url = "http://127.0.0.1:{{port}}/"
timeout = "30s"

[run]
phases = ["bundle"]

[bundle]
globs = ["dist/*.js"]
"""


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True)


def make_repo(root: Path) -> Path:
    repo = root / "repo"
    (repo / "src").mkdir(parents=True)
    (repo / ".gitignore").write_text("dist/\nout/\n")
    (repo / "echotune.toml").write_text(CONFIG.format(python=sys.executable))
    (repo / "src" / "app.js").write_text("export const app = () => 'app';\n" * 40)
    (repo / "src" / "old.js").write_text("export const old = (n) => n + 1;\n" * 30)
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "base")
    # the pull request: one module gone, one new one of its own
    (repo / "src" / "old.js").unlink()
    (repo / "src" / "icons.js").write_text("".join(f"export const icon{i} = '<svg id=\"i{i}\"/>';\n"
                                                   for i in range(400)))
    return repo


def rows(comment: str, section: str) -> list[str]:
    """The table rows of the comment's *section* (a ``###`` heading)."""
    part = comment.split(f"### {section}\n", 1)[1].split("\n###", 1)[0]
    return [line for line in part.splitlines() if line.startswith("| `")]


def test_files_only_one_build_has_are_rows_of_the_comment(tmp_path, cli_env) -> None:
    repo = make_repo(tmp_path)
    done = run_cli("run", "--base-ref", "HEAD", "--output-dir", "out", env=cli_env, cwd=repo, timeout=180)
    assert done.returncode == 1, done.stdout + done.stderr  # the gzip total grew past 5 %
    comment = (repo / "out" / "report" / "comment.md").read_text()
    old = 30 * len("export const old = (n) => n + 1;\n")
    icons = (repo / "dist" / "icons.js").stat().st_size
    kib = f"{icons / 1024:.1f} KiB"
    raw = "| `bundle_file_raw_bytes`"
    against = [r for r in rows(comment, "Against the base branch") if r.startswith(raw)]
    assert against == [
        f"{raw} `dist/icons.js` | bundle | — | {kib} | +{kib} | added since the base |",
        f"{raw} `dist/old.js` | bundle | {old} B | — | −{old} B | removed since the base |"]
    # the table of metrics: the new file against a base of 0 B, the gone one at 0 B against its base's size
    table = {line.split(" | ")[3]: line.split(" | ")[4:] for line in comment.splitlines()
             if line.startswith("| ✅ | bundle | `bundle_file_raw_bytes`")}
    assert table["`dist/icons.js`"] == [kib, "", "0 B", f"+{kib} |"]
    assert table["`dist/old.js`"] == ["0 B", "", f"{old} B", "−100 % |"]
