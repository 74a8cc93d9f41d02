"""The note of a base that runs its own setup names what differs from the head's.

A real project's pull request changed only package.json ("remult": "^0.26.12" to "latest"), both
lockfiles installing the same version; the note said "the base's dependencies differ from the head's",
which nobody could check, and was not so. The setups here run (``touch``) in folders on disk.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from echotune_ci.baseref.sidebyside import SideBySide, _prepare_base
from echotune_ci.config import Config, load_config
from support.base_ref_repo import hardlinked

LOCK = '{"name": "demo", "lockfileVersion": 3, "packages": {"node_modules/left-pad": {"version": "1.3.0"}}}'


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # setup stamps stay in the test's folder


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def checkouts(tmp_path: Path, setup: str = "touch own-setup", base_setup: str | None = None,
              inputs: str = "") -> tuple[Path, Path, Config, Config]:
    """Head and base folders of an npm project whose setup only leaves a file, with the same
    package.json and package-lock.json: (head, base, head config, base config)."""
    def toml(command: str) -> str:
        return (f'[serve]\nsetup = "{command}"\n{inputs}build = "true"\ncommand = "node server.js"\n'
                'ready_url = "http://127.0.0.1:{port}/"\n')

    head, base = tmp_path / "head", tmp_path / "base"
    for side in (head, base):
        write(side / "package.json", '{"name": "demo", "dependencies": {"left-pad": "^1.3.0"}}\n')
        write(side / "package-lock.json", LOCK)
    write(head / "node_modules" / ".package-lock.json", LOCK)  # what the head's setup left
    return (head, base, load_config(write(head / "echotune.toml", toml(setup))),
            load_config(write(base / "echotune.toml", toml(base_setup or setup))))


def note(head: Path, head_cfg: Config, base_cfg: Config) -> list[str]:
    """The notes of the base's preparation (built, not started)."""
    report = SideBySide()
    assert _prepare_base(base_cfg, head_cfg, False, False, {}, report, temporary=False, repo=head) is None
    return report.notes


INPUTS = 'setup_inputs = ["package.json", "package-lock.json"]\n'


@pytest.mark.parametrize("inputs", ["", INPUTS])
def test_a_base_whose_manifest_alone_differs_is_said_to_differ_in_it(tmp_path: Path, inputs: str) -> None:
    head, base, head_cfg, base_cfg = checkouts(tmp_path, inputs=inputs)
    write(base / "package.json", '{"name": "demo", "dependencies": {"left-pad": "latest"}}\n')

    assert note(head, head_cfg, base_cfg) == [
        "the base's setup inputs differ from the head's (package.json): the base ran its own setup"]
    assert (base / "own-setup").exists() and not (base / "node_modules").exists()


def test_a_dependency_bump_names_both_files_and_a_lockfile_of_one_side_says_which(tmp_path: Path) -> None:
    head, base, head_cfg, base_cfg = checkouts(tmp_path)
    write(base / "package.json", '{"name": "demo", "dependencies": {"left-pad": "^1.2.0"}}\n')
    write(base / "package-lock.json", LOCK.replace("1.3.0", "1.2.0"))
    assert note(head, head_cfg, base_cfg) == [
        "the base's setup inputs differ from the head's (package.json, package-lock.json): the base ran its "
        "own setup"]
    # the pull request moves the project from Yarn to npm: the base has a yarn.lock, the head none
    (base / "own-setup").unlink()
    write(base / "package-lock.json", LOCK)
    write(base / "package.json", (head / "package.json").read_text())
    write(base / "yarn.lock", "# yarn lockfile v1\n")
    assert note(head, head_cfg, base_cfg) == [
        "the base's setup inputs differ from the head's (yarn.lock only in the base): the base ran its own "
        "setup"]


def test_a_base_with_another_setup_command_names_both(tmp_path: Path) -> None:
    head, base, head_cfg, base_cfg = checkouts(tmp_path, setup="touch own-setup",
                                               base_setup="touch own-setup base-setup")
    assert note(head, head_cfg, base_cfg) == [
        "the base's [serve] setup (`touch own-setup base-setup`) is not the head's (`touch own-setup`): the "
        "base ran its own setup"]
    assert (base / "base-setup").exists()


def test_the_same_inputs_still_link_the_heads_node_modules(tmp_path: Path) -> None:
    head, base, head_cfg, base_cfg = checkouts(tmp_path)
    assert note(head, head_cfg, base_cfg) == [
        "the base's dependencies are the head's (same setup and inputs): linked node_modules instead of "
        "installing them again"]
    assert hardlinked(base / "node_modules", head / "node_modules")
    assert not (base / "own-setup").exists()


@pytest.mark.parametrize("inputs", ["", INPUTS])
def test_a_package_managers_settings_beside_package_json_are_inputs(tmp_path: Path, inputs: str) -> None:
    """A pull request that adds an .npmrc (pnpm's node-linker=hoisted) changes what setup installs with the
    lockfile as it was: the head's setup was skipped (its node_modules left as before) and the base was
    linked to it. Configured or not, the settings present beside a package.json are inputs."""
    from echotune_ci.serve.steps import prepare

    head, base, head_cfg, base_cfg = checkouts(tmp_path, inputs=inputs)
    env = {"PATH": "/usr/bin:/bin"}

    def setup() -> bool:
        return prepare(head_cfg.serve.setup, "", cwd=head, environment=lambda: env,
                       inputs=head_cfg.serve.setup_inputs).setup_skipped

    assert setup() is False and setup() is True
    write(head / ".npmrc", "node-linker=hoisted\n")
    assert setup() is False  # the head installs again
    assert note(head, head_cfg, base_cfg) == [
        "the base's setup inputs differ from the head's (.npmrc only in the head): the base ran its own "
        "setup"]
    # the same settings on both sides: linked again
    write(base / ".npmrc", "node-linker=hoisted\n")
    (base / "own-setup").unlink()
    assert note(head, head_cfg, base_cfg)[0].startswith("the base's dependencies are the head's")


def test_a_plug_n_play_head_is_said_to_leave_a_map_and_its_stamp_needs_it(tmp_path: Path) -> None:
    # heroku-buildpack-nodejs's yarn2-pnp-nonzero-install (Yarn 3.1.1, Plug'n'Play): `yarn install
    # --immutable` leaves .pnp.cjs and no node_modules. The note said the head's setup "left no
    # node_modules, .venv, venv to link"; a stamp that recorded no output kept setup skipped once .pnp.cjs
    # was removed, and the app stopped on "Error: Cannot find module 'express'" (run here).
    from echotune_ci.serve.steps import (record_setup, setup_fingerprint, setup_inputs, setup_is_current,
                                         stamp_path)

    head, base, head_cfg, base_cfg = checkouts(tmp_path)
    for side in (head, base):
        (side / "package-lock.json").unlink()
        write(side / "yarn.lock", "__metadata:\n  version: 5\n  cacheKey: 8\n")
        write(side / ".yarnrc.yml", "yarnPath: .yarn/releases/yarn-3.1.1.cjs\n")
    (head / "node_modules" / ".package-lock.json").unlink()
    (head / "node_modules").rmdir()
    write(head / ".pnp.cjs", "#!/usr/bin/env node\n/* eslint-disable */\n")
    assert note(head, head_cfg, base_cfg) == [
        "the base's dependencies are the head's, which Yarn's Plug'n'Play installed without a node_modules "
        "(.pnp.cjs, a map of paths from the head's folder, which is not linked): the base ran its own setup"]
    assert (base / "own-setup").exists() and not (base / ".pnp.cjs").exists()

    fingerprint = setup_fingerprint("yarn install --immutable", head, setup_inputs(head, ()))
    record_setup(head, fingerprint)
    assert setup_is_current(head, fingerprint)
    (head / ".pnp.cjs").unlink()
    assert not setup_is_current(head, fingerprint)

    # a stamp written before the map was looked for (outputs [], no "looked_for") runs setup once more
    write(head / ".pnp.cjs", "#!/usr/bin/env node\n")
    record_setup(head, fingerprint)
    stamp = json.loads(stamp_path(head).read_text())
    assert stamp["outputs"] == [".pnp.cjs"]
    del stamp["looked_for"]
    stamp["outputs"] = []
    stamp_path(head).write_text(json.dumps(stamp))
    assert not setup_is_current(head, fingerprint)


def test_a_zero_install_projects_committed_map_does_not_keep_setup_skipped(tmp_path: Path) -> None:
    # A Yarn 4.5.3 zero-install project (core-js 3.39.0, Plug'n'Play, Yarn's documented .gitignore that
    # keeps .yarn/cache and ignores the rest of .yarn): `yarn install` left .pnp.cjs, .yarn/install-state.gz
    # and .yarn/unplugged/core-js-npm-3.39.0-4c420e59a7 (core-js has a postinstall script); `git clean -X`
    # left the committed .pnp.cjs and .yarn/cache, and `node -r ./.pnp.cjs` stopped on "Required unplugged
    # package missing from disk", while the stamp, whose only output was the map, kept setup skipped.
    from echotune_ci.serve.steps import record_setup, setup_fingerprint, setup_inputs, setup_is_current

    app = tmp_path / "app"
    write(app / "package.json", '{"name": "pnpapp", "dependencies": {"core-js": "3.39.0"}}')
    write(app / "yarn.lock", "__metadata:\n  version: 8\n  cacheKey: 10c0\n")
    write(app / ".pnp.cjs", "#!/usr/bin/env node\n")  # committed, as .yarn/cache/core-js-npm-...zip
    write(app / ".yarn" / "install-state.gz", "")
    write(app / ".yarn" / "unplugged" / "core-js-npm-3.39.0-4c420e59a7" / "node_modules" / "core-js" /
          "package.json", "{}")
    fingerprint = setup_fingerprint("yarn install", app, setup_inputs(app, ()))
    record_setup(app, fingerprint)
    assert setup_is_current(app, fingerprint)
    (app / ".yarn" / "install-state.gz").unlink()  # what git clean -X removes
    for path in sorted((app / ".yarn" / "unplugged").rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    (app / ".yarn" / "unplugged").rmdir()
    assert (app / ".pnp.cjs").exists() and not setup_is_current(app, fingerprint)


def test_a_base_whose_own_install_then_fails_its_build_says_it_ran_its_own_setup(tmp_path: Path) -> None:
    # ddev/test-sveltekit: 8ed4db9 imports @sveltejs/adapter-node, which 0fdc1d8 adds to package.json and the
    # lockfile; `run --base-ref 8ed4db9` from 0fdc1d8 ran the base's own npm ci, its build stopped on
    # "Cannot find package '@sveltejs/adapter-node'", and nothing said the base's node_modules were its own
    # (the head's have the package).
    from echotune_ci.config.schema import override
    from echotune_ci.errors import RunError

    head, base, head_cfg, base_cfg = checkouts(tmp_path)
    write(base / "package.json", '{"name": "demo", "dependencies": {}}\n')
    write(base / "package-lock.json", LOCK.replace('"node_modules/left-pad": {"version": "1.3.0"}', ""))
    failing = base_cfg.with_section("serve", override(base_cfg.serve,
                                                     build="echo Cannot find package left-pad >&2; exit 1"))
    with pytest.raises(RunError) as raised:
        _prepare_base(failing, head_cfg, False, False, {}, SideBySide(), temporary=False, repo=head)
    assert str(raised.value) == (
        "serve.build failed with exit code 1 (echo Cannot find package left-pad >&2; exit 1); the base's "
        "setup inputs differ from the head's (package.json, package-lock.json): the base ran its own setup; "
        "it printed: Cannot find package left-pad")


def test_a_base_from_before_a_configured_input_runs_its_own_setup_and_says_which(tmp_path: Path) -> None:
    # testdrivenio/flask-vue-crud: be91da5 adds server/requirements.txt, which init's setup_inputs name;
    # `run --base-ref e521ba8` stopped on "serve.setup_inputs: <base checkout>/server/requirements.txt not
    # found" before the base's setup ran (a fault in no configuration: the base's commit predates the file).
    # The real run now said "(requirements.txt only in the head)" and pip's "Could not open requirements
    # file" from the base's own setup.
    from echotune_ci.errors import ConfigError
    from echotune_ci.serve.steps import prepare

    inputs = 'setup_inputs = ["requirements.txt", "package.json", "package-lock.json"]\n'
    head, base, head_cfg, base_cfg = checkouts(tmp_path, inputs=inputs)
    write(head / "requirements.txt", "Flask==2.2.3\n")
    assert note(head, head_cfg, base_cfg) == [
        "the base's setup inputs differ from the head's (requirements.txt only in the head): the base ran "
        "its own setup"]
    assert (base / "own-setup").exists() and not (base / "node_modules").exists()
    # the head's own configuration still names an input it lacks (a typo in setup_inputs)
    with pytest.raises(ConfigError, match=r"serve.setup_inputs: .*base/requirements.txt not found"):
        prepare("touch again", "", cwd=base, environment=dict, inputs=base_cfg.serve.setup_inputs)
    assert not (base / "again").exists()
