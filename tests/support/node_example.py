"""The Node example's installed packages (examples/musicapp-node/node_modules), shared by the test files
that need them, so one `npm ci` serves them all."""

from __future__ import annotations

import fcntl
import functools
import hashlib
import shutil
import tempfile
from pathlib import Path

import pytest

from conftest import ROOT
from echotune_ci.config import load_config, override
from echotune_ci.serve import App

NODE_EXAMPLE = ROOT / "examples" / "musicapp-node"


@functools.cache
def node_example_installed() -> Path:
    """examples/musicapp-node/node_modules, installed by the example's own [serve] setup (`npm ci`) in
    place, and only when its setup stamp does not hold (package-lock.json changed, node_modules gone).

    In place, under a lock every test process takes: the first installs while the others wait, and
    they find the stamp holding then, so no test reads node_modules while npm replaces it, whichever
    xdist worker its file runs in. Fails the test when node or npm is missing.
    """
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"{' and '.join(missing)} not installed: ./scripts/bootstrap.sh installs them")
    serve = load_config(NODE_EXAMPLE / "echotune.toml").serve
    # Outside the checkout (a lock file there would show in `git status`), one per checkout.
    name = hashlib.sha256(str(NODE_EXAMPLE.resolve()).encode()).hexdigest()[:16]
    with open(Path(tempfile.gettempdir()) / f"echotune-tests-npm-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        App(override(serve, build=""), NODE_EXAMPLE).prepare()
    return NODE_EXAMPLE / "node_modules"
