"""Real builds of the example app's bundle, in a project folder with its config."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import MUSICAPP


def build_musicapp(dist: Path, *, regress: bool) -> None:
    env = dict(os.environ, MUSICAPP_DIST=str(dist), ECHOTUNE_REGRESS="1" if regress else "0")
    subprocess.run([sys.executable, str(MUSICAPP / "build.py")], env=env, check=True, capture_output=True)


def project_with_build(root: Path, *, regress: bool) -> Path:
    """A copy of the example config next to a real build, as in a checkout."""
    root.mkdir(parents=True)
    shutil.copy(MUSICAPP / "echotune.toml", root / "echotune.toml")
    build_musicapp(root / "static" / "dist", regress=regress)
    return root
