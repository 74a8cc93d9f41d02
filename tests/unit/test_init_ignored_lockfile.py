"""A lockfile that git ignores is none: a fresh checkout, as CI makes, lacks it (Shopify's React Router app
template lists package-lock.json in .gitignore, and init wrote `npm ci`, which stops with npm's EUSAGE
"The `npm ci` command can only install with an existing package-lock.json")."""

from __future__ import annotations

import json
import subprocess
import tomllib
from pathlib import Path

from echotune_ci.project.init import init_project

REF = "0123456789abcdef0123456789abcdef01234567"


def repo(root: Path, files: dict[str, str]) -> Path:
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def serve(root: Path) -> tuple[dict, str]:
    init_project(root, ref=REF, force=True)
    text = (root / "echotune.toml").read_text()
    # the `# check:` lines as one text, their wrapped continuations ("#   and ...") joined
    checks = " ".join(line.lstrip("#").strip() for line in text.splitlines() if line.startswith("#"))
    return tomllib.loads(text)["serve"], checks


EXPRESS = json.dumps({"name": "app", "version": "1.0.0", "scripts": {"start": "node server.js"},
                      "dependencies": {"express": "^4.21.0"}})
SERVER = "const app = require('express')();\napp.get('/', (q, r) => r.send('hi'));\napp.listen(3000);\n"
LOCK = json.dumps({"name": "app", "lockfileVersion": 3, "packages": {"": {"name": "app"}}})


def test_an_ignored_package_lock_is_installed_without(tmp_path: Path) -> None:
    root = repo(tmp_path / "app", {"package.json": EXPRESS, "server.js": SERVER, "package-lock.json": LOCK,
                                   ".gitignore": "node_modules\npackage-lock.json\n"})
    # git itself says so (the expected value of the reader: `git check-ignore`)
    assert subprocess.run(["git", "-C", str(root), "check-ignore", "-q", "package-lock.json"]).returncode == 0
    found, text = serve(root)
    assert found["setup"] == "npm install"
    assert "package-lock.json" not in found.get("setup_inputs", [])
    assert ("check: no lockfile: package-lock.json is ignored by git, so a fresh checkout (as CI makes) has "
            "none and `npm install` resolves versions anew") in text


def test_a_committed_package_lock_still_gives_npm_ci(tmp_path: Path) -> None:
    root = repo(tmp_path / "app", {"package.json": EXPRESS, "server.js": SERVER, "package-lock.json": LOCK,
                                   ".gitignore": "node_modules\n"})
    found, text = serve(root)
    assert found["setup"] == "npm ci" and "package-lock.json" in found["setup_inputs"]
    assert "is ignored by git" not in text


def test_an_ignored_pnpm_lock_keeps_pnpm(tmp_path: Path) -> None:
    root = repo(tmp_path / "app", {"package.json": EXPRESS, "server.js": SERVER,
                                   "pnpm-lock.yaml": "lockfileVersion: '9.0'\n", ".gitignore": "*.yaml\n"})
    found, _ = serve(root)
    assert found["setup"] == "pnpm install"


def test_an_ignored_uv_lock_is_no_frozen_sync(tmp_path: Path) -> None:
    pyproject = ('[project]\nname = "svc"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
                 'dependencies = ["flask>=3"]\n')
    app = "from flask import Flask\napp = Flask(__name__)\n\n@app.get('/')\ndef home():\n    return 'hi'\n"
    root = repo(tmp_path / "svc", {"pyproject.toml": pyproject, "app.py": app, "uv.lock": "version = 1\n",
                                   ".gitignore": "uv.lock\n"})
    found, _ = serve(root)
    assert "uv sync" not in found["setup"] and "uv.lock" not in found.get("setup_inputs", [])
    (root / ".gitignore").write_text("")
    found, _ = serve(root)
    assert found["setup"].startswith("uv sync --frozen")


def test_an_ignored_python_lockfile_is_not_named_for_the_audit(tmp_path: Path) -> None:
    """init wrote `[security.audit] lockfiles = ["uv.lock"]` beside the setup that left the ignored uv.lock
    out, so every CI run's security phase stopped: "uv.lock: lockfile not found ([security.audit]
    lockfiles)", exit 2, from `echotune-ci security --only audit` in a checkout without it."""
    pyproject = ('[project]\nname = "svc"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
                 'dependencies = ["flask==3.1.3"]\n')
    app = "from flask import Flask\napp = Flask(__name__)\n\n@app.get('/')\ndef home():\n    return 'hi'\n"
    for lock in ("uv.lock", "poetry.lock", "pylock.toml"):
        root = repo(tmp_path / lock, {"pyproject.toml": pyproject, "app.py": app, lock: "version = 1\n",
                                      ".gitignore": f"{lock}\n"})
        init_project(root, ref=REF, force=True)
        config = tomllib.loads((root / "echotune.toml").read_text())
        assert lock not in config.get("security", {}).get("audit", {}).get("lockfiles", []), (lock, config)
        # the check says the lockfile is there but ignored, not "commit a lockfile" as if there were none
        lines = (root / "echotune.toml").read_text().splitlines()
        checks = " ".join(line.lstrip("#").strip() for line in lines if line.startswith("#"))
        assert f"commit {lock}, which git ignores (a fresh checkout, as CI makes, has none), for an exact " \
               "audit" in checks, checks
        # committed, it is the audit's
        (root / ".gitignore").write_text("")
        init_project(root, ref=REF, force=True)
        config = tomllib.loads((root / "echotune.toml").read_text())
        assert config["security"]["audit"]["lockfiles"] == [lock], (lock, config)
