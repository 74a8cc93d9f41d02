"""What re-runs setup: a package.json change that no install reads does not (the head's own stamp and
the base of `run --base-ref` decide alike, see serve.steps.input_digest)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from echotune_ci.errors import RunError
from echotune_ci.serve.steps import input_digest, input_digests, installs_only, prepare


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


def test_a_script_an_install_script_calls_is_compared(tmp_path: Path, monkeypatch) -> None:
    """npm 11's npm ci runs the postinstall's `npm run gen` and gen's own pregen: a change to either is a
    change to what setup does, where only the postinstall's line was compared and setup was skipped."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    app = tmp_path / "app"
    app.mkdir()
    write = "node -e \"require('fs').appendFileSync('ran', '{}')\""
    package = {"name": "shop", "version": "1.0.0", "private": True,
               "scripts": {"postinstall": "npm run gen", "pregen": write.format("p"),
                           "gen": write.format("g"), "lint": "eslint ."}}
    (app / "package-lock.json").write_text(json.dumps({
        "name": "shop", "version": "1.0.0", "lockfileVersion": 3, "requires": True,
        "packages": {"": {"name": "shop", "version": "1.0.0"}}}))
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME")}

    def setup(**scripts: str) -> bool:
        changed = {**package, "scripts": {**package["scripts"], **scripts}}
        (app / "package.json").write_text(json.dumps(changed))
        return prepare("npm ci --no-audit --no-fund", "", cwd=app, environment=lambda: env).setup_skipped

    assert setup() is False and (app / "ran").read_text() == "pg"
    assert setup(lint="eslint --fix .") is True
    assert setup(gen=write.format("G")) is False and (app / "ran").read_text() == "pgpG"
    assert setup(gen=write.format("G"), pregen=write.format("P")) is False
    assert (app / "ran").read_text() == "pgpGPG"


def test_scripts_reached_by_npm_run_all_patterns_and_concurrently_are_compared(tmp_path: Path) -> None:
    """npm-run-all's `run-s gen:*` runs every gen:... script, concurrently's `npm:gen` runs gen."""
    package = tmp_path / "package.json"

    def digest(**scripts: str) -> str:
        package.write_text(json.dumps({"name": "a", "scripts": scripts}))
        return input_digest(package, "npm ci")

    assert digest(postinstall="run-s gen:*", **{"gen:css": "a"}) != digest(postinstall="run-s gen:*",
                                                                         **{"gen:css": "b"})
    assert digest(prepare="concurrently npm:gen", gen="a") != digest(prepare="concurrently npm:gen", gen="b")
    assert digest(prepare="husky", gen="a") == digest(prepare="husky", gen="b")


def test_npm_install_test_runs_the_test_script_so_it_is_no_install_alone(tmp_path: Path, monkeypatch) -> None:
    """`npm install-test` (and install-ci-test, pnpm's alike) runs the package's test script after the
    install: a setup with it reads that script, which a digest without it missed."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    test = "node -e \"require('fs').writeFileSync('t', '1')\""
    (tmp_path / "package.json").write_text(json.dumps({"name": "shop", "scripts": {"test": test}}))
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME")}
    subprocess.run(["npm", "install-test", "--no-audit", "--no-fund"], cwd=tmp_path, env=env, check=True,
                   capture_output=True)
    assert (tmp_path / "t").read_text() == "1"
    assert not installs_only("npm install-test")
    assert not installs_only("npm ci && npm install-ci-test")
    assert not installs_only("pnpm install-test")
    assert installs_only("npm install --no-audit") and installs_only("pnpm i --frozen-lockfile")


def test_a_workspace_members_version_is_compared_where_another_member_depends_on_it(tmp_path: Path,
                                                                                    monkeypatch) -> None:
    """npm 11: with b depending on a "^1.0.0", a's version bumped to 2.0.0 (lockfile as it was) made npm ci
    look for a on the registry (offline here: ENOTCACHED), where the root's version is read by nobody."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = {"name": "root", "version": "1.0.0", "private": True, "workspaces": ["a", "b"]}
    members = {"a": {"name": "a", "version": "1.0.0"},
               "b": {"name": "b", "version": "1.0.0", "dependencies": {"a": "^1.0.0"}}}
    for folder, package in {".": root, **members}.items():
        (tmp_path / folder).mkdir(exist_ok=True)
        (tmp_path / folder / "package.json").write_text(json.dumps(package))
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME")}

    def npm_ci() -> int:
        return subprocess.run(["npm", "ci", "--offline", "--no-audit", "--no-fund"], cwd=tmp_path, env=env,
                              capture_output=True).returncode

    subprocess.run(["npm", "install", "--offline", "--no-audit", "--no-fund"], cwd=tmp_path, env=env,
                   check=True, capture_output=True)
    inputs = [tmp_path / name for name in ("package.json", "package-lock.json", "a/package.json",
                                           "b/package.json")]
    before = input_digests(inputs, "npm ci")
    (tmp_path / "package.json").write_text(json.dumps({**root, "version": "1.1.0"}))
    assert npm_ci() == 0 and input_digests(inputs, "npm ci") == before
    (tmp_path / "a" / "package.json").write_text(json.dumps({**members["a"], "version": "2.0.0"}))
    assert npm_ci() != 0
    after = input_digests(inputs, "npm ci")
    assert [p.relative_to(tmp_path).as_posix() for p in inputs if after[p] != before[p]] == ["a/package.json"]


def test_npm_version_bumps_the_lockfile_too_and_that_is_no_new_setup_input(tmp_path: Path) -> None:
    """`npm version minor` writes the new version into package-lock.json as well (its top and its root
    entry): the base of `run --base-ref` ran its own npm ci for a version bump, where package.json's digest
    already left the version out. A member's entry keeps its version; a dependency still counts."""
    root = {"name": "shop", "version": "1.0.0", "private": True, "license": "MIT", "workspaces": ["a"],
            "scripts": {"lint": "eslint ."}}
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "package.json").write_text(json.dumps({"name": "a", "version": "1.0.0"}))
    (tmp_path / "package.json").write_text(json.dumps(root))
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME")}

    def npm(*args: str) -> None:
        subprocess.run(["npm", *args, "--offline", "--no-audit", "--no-fund"], cwd=tmp_path, env=env,
                       check=True, capture_output=True)

    npm("install")
    inputs = [tmp_path / name for name in ("package.json", "package-lock.json", "a/package.json")]
    raw = {p: p.read_bytes() for p in inputs}
    before = input_digests(inputs, "npm ci")
    npm("version", "minor", "--no-git-tag-version")
    lock = json.loads((tmp_path / "package-lock.json").read_text())
    assert (lock["version"], lock["packages"][""]["version"]) == ("1.1.0", "1.1.0")  # npm's own rewrite
    assert (tmp_path / "package-lock.json").read_bytes() != raw[inputs[1]]
    npm("ci")
    assert input_digests(inputs, "npm ci") == before
    # a setup that does more than install reads the lockfile as it is, byte for byte
    assert input_digest(inputs[1], "npm ci && npm run build") == hashlib.sha256(
        (tmp_path / "package-lock.json").read_bytes()).hexdigest()
    lock["packages"]["a"]["version"] = "2.0.0"
    (tmp_path / "package-lock.json").write_text(json.dumps(lock, indent=2))
    assert input_digest(inputs[1], "npm ci") != before[inputs[1]]
    lock["packages"]["a"]["version"] = "1.0.0"
    lock["packages"][""]["dependencies"] = {"ms": "^2.1.3"}
    (tmp_path / "package-lock.json").write_text(json.dumps(lock, indent=2))
    assert input_digest(inputs[1], "npm ci") != before[inputs[1]]


# hackersandslackers/flask-blueprint-tutorial's pyproject.toml at 468023f (trimmed), and a release commit
# that bumps its version and [tool.black] line length: Poetry 2.5.1 gives both the lock content-hash
# 7ca0d6f5cd35... of its poetry.lock (Locker._get_content_hash), so `poetry check --lock` passes and
# `poetry install` installs the same packages.
BLUEPRINTS = '''[tool.poetry]
name = "flask_blueprint_tutorial"
version = "0.1.1"
description = "Organize your Flask applications neatly via Blueprints."
keywords = ["Flask", "Flask-Blueprints"]

[tool.poetry.dependencies]
python = "^3.12,<4"
flask = "*"
gunicorn = "*"

[tool.poetry.scripts]
run = "wsgi:app"

[build-system]
requires = ["poetry-core"]
build-backend = "poetry.core.masonry.api"

[tool.black]
line-length = 120
'''
RELEASE = BLUEPRINTS.replace('version = "0.1.1"', 'version = "0.1.2"').replace("line-length = 120",
                                                                              "line-length = 110")
INIT_SETUP = "POETRY_VIRTUALENVS_IN_PROJECT=true poetry install --no-root"


def test_a_pyproject_change_poetry_does_not_install_from_is_no_new_setup_input(tmp_path: Path) -> None:
    """The base of `run --base-ref` on that release commit ran its own `poetry install` (12 s with a warm
    cache, a whole install in CI): "the base's setup inputs differ from the head's (pyproject.toml)"."""
    def digest(text: str, setup: str = INIT_SETUP) -> str:
        (tmp_path / "pyproject.toml").write_text(text)
        return input_digest(tmp_path / "pyproject.toml", setup)

    assert installs_only(INIT_SETUP) and installs_only("poetry sync --no-root")  # Poetry 2's install --sync
    assert digest(RELEASE) == digest(BLUEPRINTS)
    assert digest(RELEASE, "cd api && poetry sync --no-root --only main") == digest(
        BLUEPRINTS, "cd api && poetry sync --no-root --only main")
    # What Poetry's content-hash covers: c43b0d7's python ^3.10 -> ^3.12, a dependency, a group, a source
    for changed in (BLUEPRINTS.replace('"^3.12,<4"', '"^3.10,<4"'),
                    BLUEPRINTS.replace('gunicorn = "*"', 'gunicorn = "*"\nfaker = "*"'),
                    BLUEPRINTS + '\n[tool.poetry.group.dev.dependencies]\npytest = "*"\n',
                    BLUEPRINTS + '\n[[tool.poetry.source]]\nname = "mirror"\nurl = "https://pypi.example"\n',
                    '[project]\nname = "x"\nrequires-python = ">=3.12"\n' + BLUEPRINTS):
        assert digest(changed) != digest(BLUEPRINTS), changed
    # The project installed too (its version in the environment's metadata), or pip reading all of it
    for setup in ("poetry install", f"{INIT_SETUP} && .venv/bin/python -m pip install -e .",
                  f"{INIT_SETUP} && python manage.py migrate"):
        assert digest(RELEASE, setup) != digest(BLUEPRINTS, setup), setup
    assert digest("[tool.poetry\n") == hashlib.sha256(b"[tool.poetry\n").hexdigest()  # Poetry stops on it


def test_the_base_of_a_poetry_release_commit_links_the_heads_environment(tmp_path: Path) -> None:
    from echotune_ci.baseref.environment import reuse_environment
    from echotune_ci.config import load_config

    toml = f'[serve]\nsetup = "{INIT_SETUP}"\ncommand = "gunicorn wsgi:app"\n'
    sides = {}
    for side, text in (("head", RELEASE), ("base", BLUEPRINTS)):
        (tmp_path / side).mkdir()
        (tmp_path / side / "echotune.toml").write_text(toml)
        (tmp_path / side / "pyproject.toml").write_text(text)
        (tmp_path / side / "poetry.lock").write_text('content-hash = "7ca0d6f5cd35"\n')
        sides[side] = load_config(tmp_path / side / "echotune.toml")
    (tmp_path / "head" / ".venv" / "bin").mkdir(parents=True)

    note = reuse_environment(sides["head"].serve, tmp_path / "head", sides["base"].serve, tmp_path / "base")

    assert note == ("the base's dependencies are the head's (same setup and inputs): linked .venv instead "
                    "of installing them again")
    assert (tmp_path / "base" / ".venv").resolve() == (tmp_path / "head" / ".venv").resolve()


def test_poetrys_local_settings_beside_a_pyproject_are_a_setup_input(tmp_path: Path) -> None:
    """`poetry config --local installer.no-binary :all:` (Poetry 2.5.1) writes poetry.toml beside
    pyproject.toml: every package then built from source, with no change to poetry.lock. A pull request
    that added one left the head's setup skipped, as an .npmrc did before it was an input; run --base-ref
    on it now says "the base's setup inputs differ from the head's (poetry.toml only in the head)"."""
    from echotune_ci.serve.steps import setup_inputs

    (tmp_path / "pyproject.toml").write_text(BLUEPRINTS)
    (tmp_path / "poetry.lock").write_text('content-hash = "7ca0d6f5cd35"\n')
    assert setup_inputs(tmp_path, []) == [tmp_path / "pyproject.toml", tmp_path / "poetry.lock"]
    (tmp_path / "poetry.toml").write_text('[installer]\nno-binary = [":all:"]\n')
    (tmp_path / "uv.toml").write_text('no-binary = true\n')
    assert setup_inputs(tmp_path, []) == [tmp_path / "pyproject.toml", tmp_path / "poetry.lock",
                                          tmp_path / "poetry.toml", tmp_path / "uv.toml"]
    # configured inputs get them too, beside the pyproject.toml they name
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "pyproject.toml").write_text(BLUEPRINTS)
    (tmp_path / "api" / "pdm.toml").write_text('[venv]\nin_project = true\n')
    assert setup_inputs(tmp_path, ["api/pyproject.toml"]) == [tmp_path / "api" / "pyproject.toml",
                                                              tmp_path / "api" / "pdm.toml"]


def test_a_workspace_members_package_json_is_an_input_of_the_roots_install(tmp_path: Path,
                                                                          monkeypatch) -> None:
    """dominggo1999/mern-monorepo (npm workspaces "/*", one package-lock.json at the root, setup_inputs as
    init writes them): a commit that adds a dependency to api/package.json alone had setup skipped ("its
    inputs did not change") and the app stopped on "Cannot find module 'cors'". npm ci reads each member's
    package.json and refuses a lockfile out of sync with it (npm's EUSAGE, as a fresh checkout meets it);
    a member's "type": "module" is read by Node, not by npm, and runs no setup."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = {"name": "mern", "private": True, "workspaces": ["/*"]}
    api = {"name": "@mern/api", "version": "1.0.0", "main": "api/index.js"}
    (tmp_path / "api").mkdir()
    (tmp_path / "package.json").write_text(json.dumps(root))
    (tmp_path / "api" / "package.json").write_text(json.dumps(api))
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME")}
    subprocess.run(["npm", "install", "--offline", "--no-audit", "--no-fund"], cwd=tmp_path, env=env,
                   check=True, capture_output=True)
    assert "api" in json.loads((tmp_path / "package-lock.json").read_text())["packages"]  # npm's "/*"

    def setup(**changed: object) -> bool:
        (tmp_path / "api" / "package.json").write_text(json.dumps({**api, **changed}, indent=2))
        return prepare("npm ci --offline --no-audit --no-fund", "", cwd=tmp_path, environment=lambda: env,
                       inputs=("package.json", "package-lock.json")).setup_skipped

    assert setup() is False
    assert setup(type="module") is True
    with pytest.raises(RunError, match="in sync"):
        setup(type="module", dependencies={"cors": "^2.8.5"})
