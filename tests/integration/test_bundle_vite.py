"""Hashed file names of real builds pair across a one-line change (issue 14, kind 6).

The Node example's React client is built twice by its own Vite (Rollup 4: ``assets/index-<base64url>.js``)
and a small three-entry program twice by esbuild with code splitting (``chunk-<BASE32>.js``,
``[name]-[hash]`` entries), each time with a one-line change in between. ``bundle --baseline`` and
``compare`` must see changed files, never a file removed and another added.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from support.node_example import node_example_installed

EXAMPLE = ROOT / "examples" / "musicapp-node"


@pytest.fixture(scope="module")
def node_modules() -> Path:
    """The example's installed packages (its own `npm ci`, shared with the other measuring files)."""
    installed = node_example_installed()
    assert (installed / ".bin" / "vite").exists() and (installed / ".bin" / "esbuild").exists()
    return installed


def _bundle(cwd: Path, out: Path, env: dict[str, str], *extra: str) -> dict:
    proc = run_cli("bundle", "**/*", "-o", str(out), *extra, cwd=cwd, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(out.read_text())


def _file_metrics(result: dict) -> dict[str, dict]:
    return {m["labels"]["file"]: m for m in result["metrics"] if m["name"] == "bundle_file_gzip_bytes"}


def _check_pairs(tmp_path: Path, base: Path, head: Path, env: dict[str, str]) -> tuple[dict, dict]:
    """Bundle results of *base* and of *head* against it; every head file paired, compare agrees."""
    base_json, head_json = tmp_path / "base.json", tmp_path / "head.json"
    _bundle(base, base_json, env)
    result = _bundle(head, head_json, env, "--baseline", str(base_json))
    files = _file_metrics(result)
    assert set(files) == {p.relative_to(head).as_posix() for p in head.rglob("*") if p.is_file()}
    descriptions = [m.get("description", "") for m in files.values()]
    assert not [d for d in descriptions if "added" in d or "removed" in d], descriptions
    proc = run_cli("compare", str(base_json), str(head_json), "--format", "json", cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    verdicts = {c["key"]: c["verdict"] for c in json.loads(proc.stdout)
                if c["name"].startswith("bundle_file_")}
    assert verdicts and not [k for k, v in verdicts.items() if v in ("new", "removed")], verdicts
    return files, verdicts


def test_vite_builds_pair_their_hashed_assets(tmp_path, cli_env, node_modules):
    app = tmp_path / "app"
    app.mkdir()
    for name in ("package.json", "vite.config.js", "web"):
        (shutil.copytree if (EXAMPLE / name).is_dir() else shutil.copy)(EXAMPLE / name, app / name)
    (app / "node_modules").symlink_to(node_modules)
    vite = str(app / "node_modules" / ".bin" / "vite")
    env = dict(cli_env, ECHOTUNE_REGRESS="0")
    subprocess.run([vite, "build"], cwd=app, env=dict(env, MUSICAPP_DIST=str(tmp_path / "base")), check=True,
                   capture_output=True, timeout=300)
    page = app / "web" / "src" / "App.jsx"
    text = page.read_text()
    assert "EchoTune Music</h1>" in text
    page.write_text(text.replace("EchoTune Music</h1>", "EchoTune Music!</h1>"))
    subprocess.run([vite, "build"], cwd=app, env=dict(env, MUSICAPP_DIST=str(tmp_path / "head")), check=True,
                   capture_output=True, timeout=300)

    base_js = [p.name for p in (tmp_path / "base" / "assets").glob("index-*.js")]
    head_js = [p.name for p in (tmp_path / "head" / "assets").glob("index-*.js")]
    assert len(base_js) == len(head_js) == 1 and base_js != head_js  # the hash changed with the content
    files, _ = _check_pairs(tmp_path, tmp_path / "base", tmp_path / "head", env)
    changed = files[f"assets/{head_js[0]}"]
    assert changed["description"] == f"was assets/{base_js[0]} in the base"
    assert changed["value"] != changed["baseline"]


def test_esbuild_chunks_pair_by_name_and_size(tmp_path, cli_env, node_modules):
    src = tmp_path / "src"
    src.mkdir()
    small = ",".join(f'"s{i}"' for i in range(200))
    big = ",".join(f'"big-{i * 7919}"' for i in range(1500))
    (src / "shared1.js").write_text(f"export const small = [{small}];\nexport const tag1 = 'one';\n")
    (src / "shared2.js").write_text(f"export const big = [{big}];\nexport const tag2 = 'two';\n")
    (src / "a.js").write_text("import {small, tag1} from './shared1.js';\nconsole.log(small.length, tag1);\n")
    (src / "b.js").write_text("import {small} from './shared1.js';\nimport {big} from './shared2.js';\n"
                              "console.log(small.length + big.length);\n")
    (src / "c.js").write_text("import {big, tag2} from './shared2.js';\nconsole.log(big.length, tag2);\n")
    esbuild = str(node_modules / ".bin" / "esbuild")

    def build(out: str) -> list[str]:
        subprocess.run([esbuild, "src/a.js", "src/b.js", "src/c.js", "--bundle", "--splitting",
                        "--format=esm", f"--outdir={out}", "--entry-names=[name]-[hash]",
                        "--log-level=warning"],
                       cwd=tmp_path, check=True, capture_output=True, timeout=120, env=cli_env)
        return sorted(p.name for p in (tmp_path / out).iterdir())

    base = build("base")
    # one line changed in each shared module: both chunks and every entry get new names
    for name, old in (("shared1.js", "'one'"), ("shared2.js", "'two'")):
        (src / name).write_text((src / name).read_text().replace(old, old[:-1] + "!'"))
    head = build("head")
    chunks = [n for n in head if n.startswith("chunk-")]
    assert len(chunks) == 2 and not set(base) & set(head), (base, head)

    files, _ = _check_pairs(tmp_path, tmp_path / "base", tmp_path / "head", cli_env)
    # the two chunks share the name "chunk": each is paired with the base chunk of its size
    base_sizes = {n: (tmp_path / "base" / n).stat().st_size for n in base}
    for chunk in chunks:
        was = files[chunk]["description"].removeprefix("was ").removesuffix(" in the base")
        assert was.startswith("chunk-")
        assert abs(base_sizes[was] - (tmp_path / "head" / chunk).stat().st_size) < 8
    for entry in (n for n in head if not n.startswith("chunk-")):
        assert files[entry]["description"].startswith(f"was {entry[:2]}"), files[entry]
