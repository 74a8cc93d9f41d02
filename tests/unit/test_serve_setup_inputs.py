"""What re-runs setup: a package.json change that no install reads does not (the head's own stamp and
the base of `run --base-ref` decide alike, see serve.steps.input_digest)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from echotune_ci.serve.steps import installs_only, prepare


def test_a_real_npm_ci_is_not_run_again_for_a_version_or_a_lint_script(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    app = tmp_path / "app"
    app.mkdir()
    package = {"name": "shop", "version": "1.0.0", "private": True,
               "scripts": {"lint": "eslint .",
                           "postinstall": "node -e \"require('fs').appendFileSync('ran', 'x')\""}}
    (app / "package.json").write_text(json.dumps(package))
    (app / "package-lock.json").write_text(json.dumps({
        "name": "shop", "version": "1.0.0", "lockfileVersion": 3, "requires": True,
        "packages": {"": {"name": "shop", "version": "1.0.0"}}}))
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME")}

    def setup(**changed: object) -> bool:
        (app / "package.json").write_text(json.dumps({**package, **changed}, indent=2))
        return prepare("npm ci --no-audit --no-fund", "", cwd=app, environment=lambda: env).setup_skipped

    assert setup() is False and (app / "ran").read_text() == "x"  # npm ci ran the postinstall script
    assert setup(version="1.0.1", description="a shop") is True
    assert setup(scripts={**package["scripts"], "lint": "eslint --fix ."}) is True
    assert (app / "ran").read_text() == "x"
    again = "node -e \"require('fs').appendFileSync('ran', 'y')\""
    assert setup(scripts={**package["scripts"], "postinstall": again}) is False
    assert (app / "ran").read_text() == "xy"  # the changed script is what ran


def test_only_a_setup_of_installs_leaves_package_json_scripts_out() -> None:
    assert installs_only("npm ci")
    assert installs_only("corepack enable && pnpm install --frozen-lockfile")
    assert installs_only("cd client && npm ci && cd ../server && npm ci")
    assert installs_only("CI=1 yarn --cwd client install --frozen-lockfile")
    assert installs_only("python3 -m venv .venv && .venv/bin/python -m pip install -r requirements.txt")
    assert not installs_only("npm ci && npm run db:generate")
    assert not installs_only("npm ci && npx prisma generate")  # prisma reads package.json's "prisma" field
    assert not installs_only("make setup")
    assert not installs_only("")
