"""What the dependency-audit tests share: old pins with known advisories and the security command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_cli

OLD_PINS = "# old pins\njinja2==2.10\nPyYAML==3.13\nflask==3.1.3\n"


def security(cwd: Path, env, *args: str):
    return run_cli("security", *args, cwd=cwd, env=env)


def findings(path: Path) -> list[dict]:
    return json.loads(path.read_text())["findings"]


@pytest.fixture()
def old_pins(tmp_path: Path) -> Path:
    req = tmp_path / "requirements.txt"
    req.write_text(OLD_PINS)
    return req
