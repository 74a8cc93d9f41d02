"""The Node example's installed packages (examples/musicapp-node/node_modules), shared by the measuring
files that need them (tests/conftest.py MEASURING), so one `npm ci` serves them all."""

from __future__ import annotations

import functools
import shutil
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

    In place: only files of the "measuring" group may call this (they run one after another), so no
    other test reads node_modules while npm replaces it. Fails the test when node or npm is missing.
    """
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"{' and '.join(missing)} not installed: ./scripts/bootstrap.sh installs them")
    serve = load_config(NODE_EXAMPLE / "echotune.toml").serve
    App(override(serve, build=""), NODE_EXAMPLE).prepare()
    return NODE_EXAMPLE / "node_modules"
