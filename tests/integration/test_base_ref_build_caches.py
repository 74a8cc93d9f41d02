"""A base linked to the head's node_modules keeps its build tools' caches to itself.

Both builds' dev servers run at once under `run --base-ref`. Vite writes its optimized dependencies to
`node_modules/.vite` of the project; through a node_modules linked whole, the base's server wrote them
into the head's folder, which the head's server was serving from at the same time.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import httpx

from conftest import ROOT
from echotune_ci.baseref.environment import reuse_environment
from echotune_ci.config.sections import ServeSettings
from echotune_ci.serve import free_port
from support.base_ref_repo import overlaid
from support.node_example import node_example_installed

EXAMPLE = ROOT / "examples" / "musicapp-node"
FILES = ("package.json", "package-lock.json", "vite.config.js", "web")


def _checkout(folder: Path) -> Path:
    for name in FILES:
        source = EXAMPLE / name
        if source.is_dir():
            shutil.copytree(source, folder / name)
        else:
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, folder / name)
    return folder


def _vite_dev(cwd: Path, timeout: float = 60.0) -> Path:
    """Serve *cwd* with its Vite dev server, ask for the page's script (Vite then optimizes the
    dependencies it imports); the optimizer's _metadata.json, as found from *cwd*'s node_modules."""
    port = free_port()
    env = {"PATH": os.environ["PATH"], "HOME": str(cwd), "NODE_ENV": "development"}
    proc = subprocess.Popen([str(cwd / "node_modules" / ".bin" / "vite"), "--host", "127.0.0.1", "--port",
                             str(port), "--strictPort"], cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    metadata = cwd / "node_modules" / ".vite" / "deps" / "_metadata.json"
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.TransportError):  # not listening yet
                httpx.get(f"http://127.0.0.1:{port}/src/main.jsx", timeout=5)
            if metadata.is_file() and '"optimized"' in metadata.read_text(encoding="utf-8"):
                return metadata
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            time.sleep(0.3)
        raise AssertionError(f"no {metadata} after {timeout:.0f} s")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


def test_the_bases_vite_cache_is_its_own(tmp_path: Path) -> None:
    installed = node_example_installed()
    head, base = _checkout(tmp_path / "head"), _checkout(tmp_path / "base")
    # The head's node_modules as setup left it, with the head's dev server's cache already in it
    (head / "node_modules").mkdir()
    for entry in installed.iterdir():
        if entry.name != ".vite":
            (head / "node_modules" / entry.name).symlink_to(entry)
    cache = head / "node_modules" / ".vite" / "deps"
    cache.mkdir(parents=True)
    (cache / "_metadata.json").write_text('{"hash": "the head\'s"}')
    serve = ServeSettings(setup="npm ci", command="node server/index.js")

    note = reuse_environment(serve, head, serve, base, (head, base))

    assert note is not None and note.startswith("the base's dependencies are the head's")
    assert overlaid(base / "node_modules", head / "node_modules")
    assert not (base / "node_modules" / ".vite").exists()
    found = _vite_dev(base)
    # written in the base's own folder; the head's cache is as the head left it
    assert found.resolve().is_relative_to(base.resolve())
    assert (cache / "_metadata.json").read_text() == '{"hash": "the head\'s"}'
    assert sorted(p.name for p in cache.iterdir()) == ["_metadata.json"]
