"""The app's setup and build steps: run before its start command, in its own environment.

Setup (installing dependencies) runs again only when its inputs changed:
a stamp in the user's cache (see :func:`stamp_path`) keeps the command, a
hash of each input file (lockfiles, requirements, manifests) and which of
node_modules/.venv existed after the last setup that succeeded. Build
(compiling assets) runs on every `run`, since it turns the code under test
into what is served.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import re
import subprocess
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .. import console
from ..results.units import first_named
from ..project import commands
from ..project.workspaces import NPM_LOCKFILES, js_workspace_members
from ..errors import ConfigError, RunError
from ..fsutil import json_or_none, write_json_atomic
from .environment import not_installed
from .generated import generated_inputs, patch_inputs
from .output import (OutputBuffer, lacks_a_dependency, missing_module, missing_tool, own_module,
                     own_module_hint, read_into, silent_migration_hint, summarise,
                     unreachable_host_hint, yarn_build_hint, yarn_setting_hint)
from .process import process_group

# What decides an install, by ecosystem; the ones present in cwd are the default setup_inputs.
SETUP_INPUTS = (
    "package.json", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", ".nvmrc",
    "requirements.txt", "requirements-dev.txt", "requirements/base.txt", "requirements/production.txt",
    "constraints.txt", "pyproject.toml", "poetry.lock", "uv.lock", "Pipfile", "Pipfile.lock", "pdm.lock",
    "setup.py", "setup.cfg", ".python-version",
)
# The package managers' own settings beside a package.json: they change what an install makes (pnpm's
# node-linker=hoisted, npm's legacy-peer-deps, Yarn's nodeLinker) with no change to the lockfile, so they
# are inputs wherever a package.json is, present or not in the configured list (see setup_inputs)
JS_INSTALL_SETTINGS = (".npmrc", ".yarnrc", ".yarnrc.yml", "pnpm-workspace.yaml")
# The same beside a pyproject.toml: Poetry's local settings (what `poetry config --local` writes:
# installer.no-binary builds every package from source, virtualenvs.create = false installs into the
# interpreter itself), uv's and PDM's project settings. A pull request that added a poetry.toml left the
# head's setup skipped ("its inputs did not change since the last setup") and the base linked to it.
PYTHON_INSTALL_SETTINGS = ("poetry.toml", "uv.toml", "pdm.toml")
INSTALL_SETTINGS = {"package.json": JS_INSTALL_SETTINGS, "pyproject.toml": PYTHON_INSTALL_SETTINGS}
# What setup leaves behind, by convention: when one of these existed after the last setup and is
# gone now (someone removed node_modules), the stamp no longer holds. Yarn 2+'s Plug'n'Play install makes no
# node_modules, only its map of the packages (.pnp.cjs; Yarn 2's .pnp.js): without it in the list a setup
# that made it left nothing to check, and a checkout without it (git clean -X, a CI job's fresh clone with
# the cache restored) skipped setup and stopped on "Cannot find module 'express'".
PNP_MAPS = (".pnp.cjs", ".pnp.js")
SETUP_OUTPUTS = ("node_modules", ".venv", "venv", *PNP_MAPS)
# What the stamp also checks: Yarn 2+'s install state and the packages it unpacked to build them. A
# zero-install project commits its .pnp.cjs (and .yarn/cache) and ignores the rest of .yarn, so after git
# clean -X or in a fresh clone the map is there, setup was skipped, and a package Yarn had unplugged
# (core-js, any with a postinstall script) stopped the app: "Required unplugged package missing from disk".
# Yarn writes its install state on every install (never committed, as its documented .gitignore says).
STAMP_OUTPUTS = (*SETUP_OUTPUTS, ".yarn/install-state.gz", ".yarn/unplugged")
# package.json fields no package manager reads to install (npm, pnpm and Yarn document them as metadata
# for the registry and for people; type, main, module, exports, types and typings are read by Node and
# bundlers when the code runs or builds, browserslist, eslintConfig and prettier by those tools: a
# workspace member's "type": "module" had the base of `run --base-ref` run its own npm ci), and the
# project's own scripts an install runs: npm ci's and pnpm's
# lifecycle (preinstall, install, postinstall, prepare and its pre/post, npm 8's dependencies, pnpm's
# pnpm:devPreinstall) and Yarn 1's prepublish. Any other script runs only when something asks for it
# (one of these among them: :func:`run_by_install`).
NOT_INSTALLED = ("version", "description", "keywords", "author", "contributors", "maintainers", "license",
                 "homepage", "repository", "bugs", "funding", "type", "main", "module", "exports", "types",
                 "typings", "browserslist", "eslintConfig", "prettier")
# What of pyproject.toml `poetry install --no-root` reads: the keys of Poetry's lock content-hash
# (Locker._get_content_hash: [project] requires-python, dependencies, optional-dependencies,
# [dependency-groups], [tool.poetry] dependencies, dev-dependencies, group, source, extras), and those that
# change Poetry itself or whether it installs the project. A version bump or a [tool.black] change leaves
# the lock's content-hash as it was, and `poetry install` installs the same packages; the base of `run
# --base-ref` ran its own install for it all the same (:func:`_pyproject_digest`).
POETRY_PROJECT_KEYS = ("requires-python", "dependencies", "optional-dependencies")
POETRY_TOOL_KEYS = ("dependencies", "dev-dependencies", "group", "source", "extras", "requires-poetry",
                    "requires-plugins", "package-mode")
INSTALL_SCRIPTS = ("preinstall", "install", "postinstall", "prepublish", "preprepare", "prepare",
                   "postprepare", "dependencies", "pnpm:devPreinstall")
SKIPPED_HINT = "setup was skipped because its inputs did not change: `run --force-setup` runs it again"
# How long a step's processes may take to stop after SIGTERM (timeout, Ctrl-C) before they are killed.
STEP_STOP_S = 5.0
# After the step exited, how long its output may still flow (a child it left holding the pipe).
OUTPUT_DRAIN_S = 5.0


def stamp_path(cwd: Path) -> Path:
    """Where the stamp of *cwd*'s setup lives: the user's cache ($XDG_CACHE_HOME, else ~/.cache),
    so nothing is written into the project."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    key = hashlib.sha256(str(cwd.resolve()).encode("utf-8")).hexdigest()[:24]
    return cache / "echotune-ci" / "setup-stamps" / f"{key}.json"


def setup_inputs(cwd: Path, configured: Sequence[str], missing_ok: bool = False) -> list[Path]:
    """The files whose change re-runs setup: *configured* (relative to *cwd*), else the known
    lockfiles and manifests present in *cwd*; either way with the package managers' settings
    (:data:`INSTALL_SETTINGS`) present beside each package.json or pyproject.toml among them. A pull
    request that added an .npmrc with ``node-linker=hoisted`` left the head's setup skipped (its
    node_modules as before) and the base linked to it. So is each workspace member's package.json beside
    a package.json among them that declares workspaces (:func:`js_workspace_members`), which the install
    at that root reads. The files a generator writes code into node_modules from are inputs too
    (:func:`~echotune_ci.serve.generated.generated_inputs`: Prisma's schema), and so
    are the patches an install script applies to it (:func:`~echotune_ci.serve.generated.patch_inputs`:
    patch-package's), since no lockfile shows their change. ConfigError names a configured file that is
    missing, unless *missing_ok* (the base of ``run --base-ref``, a commit from before the file: the
    configured inputs it has)."""
    if configured:
        paths = [cwd / p for p in configured]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing and not missing_ok:
            raise ConfigError(f"serve.setup_inputs: {', '.join(missing)} not found")
        paths = [p for p in paths if p.is_file()]
    else:
        paths = [cwd / name for name in SETUP_INPUTS if (cwd / name).is_file()]
    settings = [p.parent / name for p in paths for name in INSTALL_SETTINGS.get(p.name, ())]
    # An install at a workspace root reads every member's package.json (npm ci, pnpm and Yarn stop when
    # one asks for what the lockfile lacks): dominggo1999/mern-monorepo's api/package.json gained cors,
    # setup was skipped for "inputs that did not change", and the head's app stopped on "Cannot find
    # module 'cors'" where a fresh checkout's npm ci says the lockfile is out of sync
    members = [p.parent / m / "package.json" for p in paths if p.name == "package.json"
               for m in js_workspace_members(p.parent)]
    generated = [g for p in paths if p.name == "package.json"
                 for g in [*generated_inputs(p.parent), *patch_inputs(p.parent)]]
    return list(dict.fromkeys([*paths, *(p for p in settings if p.is_file()), *members, *generated]))


def setup_fingerprint(command: str, cwd: Path, inputs: Sequence[Path]) -> dict[str, object]:
    """What the stamp records: the folder, the command and the SHA-256 of each input (by path
    relative to *cwd*, see :func:`input_digest`)."""
    hashes = {relative_input(p, cwd): digest for p, digest in input_digests(inputs, command).items()}
    return {"cwd": str(cwd.resolve()), "command": command, "inputs": hashes}


def input_digests(paths: Sequence[Path], command: str) -> dict[Path, str]:
    """:func:`input_digest` of each of *paths* (by path), a package.json whose package another of them
    depends on (a workspace member) with its version: npm 11's npm ci fetched a member from the registry
    once its version no longer met the range another member asked for. Each file is read once. Raises
    OSError as that does."""
    raws = {path: path.read_bytes() for path in paths}
    installs = installs_only(command)
    no_root = installs and poetry_without_root(command)
    wanted: set[str] = set()
    for path, raw in raws.items():
        package = _package(raw) if installs and path.name == "package.json" else None
        for section in ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies"):
            names = package.get(section) if package else None
            wanted |= {str(name) for name in names} if isinstance(names, dict) else set()
    return {path: _digest(path.name, raw, installs, wanted, no_root=no_root) for path, raw in raws.items()}


def _package(raw: bytes) -> dict[str, object] | None:
    """A package.json's object, None when it is none (invalid JSON: the install fails on it as it is)."""
    try:
        package = json.loads(raw)
    except ValueError:
        return None
    return package if isinstance(package, dict) else None


def input_digest(path: Path, command: str, depended: Collection[str] = ()) -> str:
    """The SHA-256 (hex) of setup input *path* as setup *command* reads it: its bytes, except a
    package.json that a setup of installs alone (:func:`installs_only`) reads, whose fields no install
    reads (:data:`NOT_INSTALLED`) and scripts no install runs (:func:`run_by_install`) are
    left out. A pull request that bumped the version or changed a lint script had the base of ``run
    --base-ref`` reinstall node_modules, minutes of ``npm ci`` for what the head had installed.

    The version is kept where the package's name is among *depended* (see :func:`input_digests`).

    Raises OSError when *path* cannot be read."""
    installs = installs_only(command)
    return _digest(path.name, path.read_bytes(), installs, depended,
                   no_root=installs and poetry_without_root(command))


def poetry_without_root(command: str) -> bool:
    """Whether every step of setup *command* besides ``cd X`` is ``poetry install`` or ``poetry sync`` with
    ``--no-root`` (``POETRY_VIRTUALENVS_IN_PROJECT=true poetry install --no-root``, what ``init`` writes):
    then Poetry reads of pyproject.toml only what :data:`POETRY_TOOL_KEYS` and :data:`POETRY_PROJECT_KEYS`
    name. A ``pip install -e .`` beside it reads all of it."""
    steps = [part for part in commands.segments(command) if commands.cd_folder(part) is None]
    for part in steps:
        words = commands.split_env(commands.tokens(part))[1]
        program = words[0].rsplit("/", 1)[-1] if words else ""
        if program != "poetry" or words[1:2] not in (["install"], ["sync"]) or "--no-root" not in words:
            return False
    return bool(steps)


def _digest(name: str, raw: bytes, installs: bool, depended: Collection[str], *,
            no_root: bool = False) -> str:
    """:func:`input_digest` of the file *name* whose bytes are *raw*; *installs*: its setup only installs;
    *no_root*: it is Poetry's install without the project (:func:`poetry_without_root`)."""
    if name in NPM_LOCKFILES and installs:
        return _lockfile_digest(raw)
    if name == "pyproject.toml" and no_root:
        return _pyproject_digest(raw)
    package = _package(raw) if name == "package.json" and installs else None
    if package is None:
        return hashlib.sha256(raw).hexdigest()
    member = package.get("name") in depended
    kept = {key: value for key, value in package.items()
            if key not in NOT_INSTALLED or (member and key == "version")}
    scripts = kept.get("scripts")
    if isinstance(scripts, dict):
        run = run_by_install(scripts)
        kept["scripts"] = {name: line for name, line in scripts.items() if name in run}
    canonical = json.dumps(kept, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(b"package.json\0" + canonical.encode("utf-8")).hexdigest()


def _pyproject_digest(raw: bytes) -> str:
    """The SHA-256 of pyproject.toml *raw* as ``poetry install --no-root`` reads it (see
    :data:`POETRY_TOOL_KEYS`). Not TOML: its bytes (Poetry stops on it as it is)."""
    import tomllib

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return hashlib.sha256(raw).hexdigest()

    def table(value: object) -> dict[str, object]:
        return value if isinstance(value, dict) else {}

    tool = table(table(data.get("tool")).get("poetry"))
    project = table(data.get("project"))
    kept = {"project": {k: project[k] for k in POETRY_PROJECT_KEYS if k in project},
            "dependency-groups": data.get("dependency-groups"),
            "tool.poetry": {k: tool[k] for k in POETRY_TOOL_KEYS if k in tool}}
    canonical = json.dumps(kept, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(b"pyproject.toml\0" + canonical.encode("utf-8")).hexdigest()


def _lockfile_digest(raw: bytes) -> str:
    """The SHA-256 of an npm lockfile *raw* without what it copies of the root package.json that no install
    reads (:data:`NOT_INSTALLED`: its ``version``, the root entry's ``license`` ...). ``npm version minor``
    writes the new version into package-lock.json too, so the version bump that package.json's digest
    leaves out still had the base of ``run --base-ref`` run its own ``npm ci``. A workspace member's
    entry keeps its version (see :func:`input_digests`). Not JSON: its bytes."""
    lock = _package(raw)
    if lock is None:
        return hashlib.sha256(raw).hexdigest()
    lock.pop("version", None)
    packages = lock.get("packages")
    root = packages.get("") if isinstance(packages, dict) else None
    if isinstance(packages, dict) and isinstance(root, dict):
        packages[""] = {key: value for key, value in root.items() if key not in NOT_INSTALLED}
    canonical = json.dumps(lock, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(b"package-lock.json\0" + canonical.encode("utf-8")).hexdigest()


def run_by_install(scripts: Mapping[str, object]) -> set[str]:
    """The names in *scripts* an install runs: :data:`INSTALL_SCRIPTS`, the scripts their lines call
    (``"postinstall": "npm run gen"``, ``yarn gen``, ``run-s gen:*``, concurrently's ``npm:gen``), those
    scripts' pre and post scripts, and so on. npm 11 ran a changed ``gen`` and its ``pregen`` under
    ``npm install``, where only the postinstall's own line was compared. A name is taken as called
    wherever it is a word of such a line (or an npm-run-all pattern matches it): a word that only looks
    like one costs a setup that was not needed, never a skipped one."""
    names = [name for name in scripts if isinstance(name, str)]
    run = {name for name in names if name in INSTALL_SCRIPTS}
    todo = list(run)
    while todo:
        line = scripts.get(todo.pop())
        line = line if isinstance(line, str) else ""
        words = {w.removeprefix("npm:") for w in re.split(r"[\s;&|()'\"`]+", line)}
        called = {name for name in names if name in words
                  or any("*" in w and fnmatch.fnmatchcase(name, w) for w in words)}
        called |= {f"{edge}{name}" for name in called for edge in ("pre", "post")} & set(names)
        todo += sorted(called - run)
        run |= called
    return run


def installs_only(command: str) -> bool:
    """Whether every step of setup *command* is a package install (``npm ci``, ``pnpm install
    --frozen-lockfile``, ``pip install -r ...``), ``cd X`` or ``corepack enable``/``prepare``: then no
    step runs a package.json script beyond the install's own lifecycle scripts. ``npm ci && npm run
    prisma:generate`` is not: that script's line is part of what setup does."""
    parts = commands.segments(command)
    return bool(parts) and all(
        commands.cd_folder(part) is not None or commands.kind(part) == "install"
        or commands.tokens(part)[:2] in (["corepack", "enable"], ["corepack", "prepare"])
        for part in parts)


def relative_input(path: Path, cwd: Path) -> str:
    """*path* (a setup input) by its way from *cwd*, ``..`` included: an input outside *cwd* (a
    monorepo's top-level patches) is named alike in the head's checkout and the base's, where its
    absolute path (each checkout's own) made the two never compare equal."""
    return Path(os.path.relpath(path.resolve(), cwd.resolve())).as_posix()


def setup_is_current(cwd: Path, fingerprint: Mapping[str, object]) -> bool:
    """Whether the last successful setup in *cwd* had the same command and inputs, and what it
    left behind (node_modules, the venv) is still there. Inputs as that setup left them count as the
    same: ``npm install`` that rewrites an out-of-date package-lock.json ran again on every run."""
    stamp = read_stamp(cwd)
    if stamp is None:
        return False
    outputs = stamp.pop("outputs", [])
    left = stamp.pop("left", None)
    # A stamp written before an output was known (a Plug'n'Play map, by a version without PNP_MAPS) says
    # nothing of it: setup runs once more rather than trust it
    looked = stamp.pop("looked_for", ["node_modules", ".venv", "venv"])
    same = stamp == fingerprint or (isinstance(left, dict) and {**stamp, "inputs": left} == fingerprint)
    return (same and isinstance(outputs, list) and all((cwd / str(o)).exists() for o in outputs)
            and isinstance(looked, list) and set(STAMP_OUTPUTS) <= set(looked))


def read_stamp(cwd: Path) -> dict[str, object] | None:
    """The stamp of *cwd*'s last successful setup (see :func:`record_setup`), None when there is none
    or it cannot be read."""
    stamp = json_or_none(stamp_path(cwd))
    return stamp if isinstance(stamp, dict) else None


def record_setup(cwd: Path, fingerprint: Mapping[str, object], left: Mapping[str, str] | None = None) -> None:
    """Stamp a successful setup, with the setup outputs that exist now and, when setup changed or made
    some of its inputs (a lockfile rewritten or created), the inputs' hashes as it *left* them."""
    outputs = [name for name in STAMP_OUTPUTS if (cwd / name).exists()]
    extra = {"left": dict(left)} if left is not None and left != fingerprint.get("inputs") else {}
    write_json_atomic(stamp_path(cwd), {**fingerprint, "outputs": outputs, "looked_for": list(STAMP_OUTPUTS),
                                        **extra})


def run_step(name: str, command: str, cwd: Path, env: Mapping[str, str], timeout: float) -> float:
    """Run one shell step (setup or build) in *cwd* with *env*; its duration in seconds.

    Raises RunError (exit 3) when it fails, naming a tool the shell could not
    find, or showing the lines of its output that say why. Its output is kept
    bounded (:class:`~echotune_ci.serve.output.OutputBuffer`), however much
    it prints.
    """
    started = time.monotonic()
    output = OutputBuffer()
    # A session of its own: on a timeout, Ctrl-C or SIGTERM everything the step started
    # (npm's and pip's children) is stopped with it, not left running.
    with process_group(["/bin/sh", "-c", command], what=f"serve.{name}", grace=STEP_STOP_S, cwd=cwd,
                       env=dict(env), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT) as proc:
        assert proc.stdout is not None
        reader = threading.Thread(target=read_into, args=(proc.stdout, output), daemon=True)
        reader.start()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise RunError(f"serve.{name} did not finish within {timeout:g}s ({command})") from None
    reader.join(timeout=OUTPUT_DRAIN_S)
    lines = output.lines()
    if proc.returncode != 0:
        tool = missing_tool(lines) if proc.returncode == 127 else None
        if tool:
            why = not_installed(tool, env.get("PATH"), lines)
            raise StepFailed(f"serve.{name} needs `{tool}`{why}; install it or fix the command ({command})",
                             missing_dependency=True)
        failed = f"serve.{name} failed with exit code {proc.returncode} ({command})"
        own = own_module(lines, cwd)
        raise StepFailed(failed + summarise(lines) + (own_module_hint(own, command) if own else "")
                         + unreachable_host_hint(lines) + yarn_build_hint(lines) + yarn_setting_hint(lines)
                         + silent_migration_hint(lines, command, cwd),
                         missing_dependency=lacks_a_dependency(lines) and not own,
                         module=missing_module(lines))
    return time.monotonic() - started


class StepFailed(RunError):
    """A setup or build step that exited with an error; ``missing_dependency`` when its output says a
    tool, module or package it needs was not found: what a setup that was skipped may have left out (a
    syntax error in the project's own code is not); *module* the Python module it could not import."""

    def __init__(self, message: str, *, missing_dependency: bool, module: str = "") -> None:
        super().__init__(message)
        self.missing_dependency = missing_dependency
        self.module = module


def skipped_hint(module: str, cwd: Path, inputs: Sequence[str], env: Mapping[str, str]) -> str:
    """What to say of a skipped setup when a step or the app then missed a dependency: SKIPPED_HINT (run
    it again), unless the missing thing is a Python *module* and every requirement the setup's
    requirements files name is installed in the environment (``VIRTUAL_ENV`` of *env*) already: setup
    would install nothing more, so the module's package is in none of them (microblog's chapter 21 with
    a PostgreSQL ``DATABASE_URL``: no psycopg2, and ``--force-setup`` was the advice)."""
    venv = env.get("VIRTUAL_ENV", "")
    if not module or not venv:
        return SKIPPED_HINT
    try:
        files = setup_inputs(cwd, inputs)
        names = [_required_names(f) for f in files]
    except (ConfigError, OSError, UnicodeDecodeError):
        return SKIPPED_HINT
    installed = _installed_names(Path(venv))
    if not files or any(n is None for n in names) or not installed:
        return SKIPPED_HINT
    if any(name not in installed for found in names if found is not None for name in found):
        return SKIPPED_HINT
    shown = ", ".join(relative_input(f, cwd) for f in files)
    return (f"{module} is not installed, and setup would not install it: every requirement of {shown} is "
            f"installed already; add the package that provides {module} there")


def _required_names(path: Path) -> list[str] | None:
    """The normalized names a requirements file asks for; None for any other file (a lockfile, a
    pyproject.toml) or one with a line not a plain requirement (an option, ``-r``, a URL)."""
    from ..project.detect import normalise_name, parse_requirement_line

    if path.suffix not in (".txt", ".in"):
        return None
    names = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.split("#", 1)[0].strip():
            continue
        parsed = parse_requirement_line(line)
        if parsed is None:
            return None
        names.append(normalise_name(parsed[0]))
    return names


def _installed_names(venv: Path) -> set[str]:
    """The normalized names of the distributions installed in the virtualenv *venv*."""
    from ..project.detect import normalise_name

    found = set()
    for site in venv.glob("lib/python*/site-packages"):
        for meta in site.iterdir():
            if meta.suffix in (".dist-info", ".egg-info"):
                found.add(normalise_name(meta.name.split("-", 1)[0]))
    return found


def prepare(setup: str, build: str, *, cwd: Path, environment: Callable[[], Mapping[str, str]],
            inputs: Sequence[str] = (), timeout: float = 900.0, force: bool = False,
            said: Callable[[str], None] = lambda _note: None, label: str = "",
            missing_ok: bool = False) -> Prepared:
    """Run setup (unless its stamp is current, or *force*) and build; what happened, for people (each
    note also given to *said* as it happens: a setup that ran is said before a build that fails).

    *environment* gives each step's environment when it starts: setup may
    create the project's virtualenv or node_modules that build then uses.
    A build that fails after a skipped setup says how to run setup again. *missing_ok*: the base of
    ``run --base-ref``, where a configured input its commit predates (the requirements.txt a pull request
    adds) is no error in the configuration (see :func:`setup_inputs`): its setup runs and says what it
    makes of the missing file; the base stopped on "serve.setup_inputs: ... not found" before it ran.
    Files git tracks that the steps changed are named, in a note and a
    warning, or in the RunError of a step that fails.
    """
    done = Prepared()
    before = changed_tracked_files(cwd) if setup or build else None
    try:
        _steps(setup, build, cwd, environment, inputs, timeout, force, said, done, missing_ok)
    except RunError as exc:
        changed = _changed_since(cwd, before, label)
        raise RunError(f"{exc}; {changed}" if changed else str(exc)) from None
    changed = _changed_since(cwd, before, label)
    if changed:
        done.notes.append(changed)
        console.warn(changed)
    return done


def _steps(setup: str, build: str, cwd: Path, environment: Callable[[], Mapping[str, str]],
           inputs: Sequence[str], timeout: float, force: bool, said: Callable[[str], None],
           done: Prepared, missing_ok: bool = False) -> None:
    if setup:
        fingerprint = setup_fingerprint(setup, cwd, setup_inputs(cwd, inputs, missing_ok))
        if not force and setup_is_current(cwd, fingerprint):
            done.setup_skipped = True
            done.notes.append("setup: skipped, its inputs did not change since the last setup "
                              "(`run --force-setup` runs it again)")
            said(done.notes[-1])
        else:
            with console.progress("setup") as p:
                p.update(setup)
                took = run_step("setup", setup, cwd, environment(), timeout)
            try:
                left = setup_fingerprint(setup, cwd, setup_inputs(cwd, inputs, missing_ok))["inputs"]
            except (ConfigError, OSError):  # setup removed a configured input: the next run sets up again
                left = None
            record_setup(cwd, fingerprint, left if isinstance(left, dict) else None)
            done.notes.append(f"setup: done in {took:.0f}s")
            said(done.notes[-1])
    if build:
        with console.progress("build") as p:
            p.update(build)
            try:
                took = run_step("build", build, cwd, environment(), timeout)
            except RunError as exc:
                # only a missing module or tool may be a matter of the skipped setup, as when the app starts
                if not (done.setup_skipped and isinstance(exc, StepFailed) and exc.missing_dependency):
                    raise
                raise RunError(f"{exc}; {skipped_hint(exc.module, cwd, inputs, environment())}") from None
        done.notes.append(f"build: done in {took:.1f}s")
        said(done.notes[-1])


def _changed_since(cwd: Path, before: set[str] | None, label: str = "") -> str:
    """What to say of the files git tracks that setup and build changed since *before* ("" for none, or
    outside git); *label* "base": of the base's checkout in ``run --base-ref``, which the user does not see
    (it printed the head's words, and `git diff` finds nothing in the head's checkout)."""
    changed, shown = changed_since(cwd, before)
    if not changed:
        return ""
    if label == "base":
        said = f"the base's setup and build changed {len(changed)} file(s) its commit tracks: {shown}"
    else:
        said = f"setup and build changed {len(changed)} file(s) git tracks: {shown} (`git diff` shows how)"
    if any(_dependency_file(name) for name in changed):
        # proshop-v2's build script runs `npm install` twice: both lockfiles rewritten, 2,341 lines
        return (f"{said}: the app measured is not the commit's; use installs that keep the lockfile (npm ci, "
                "--frozen-lockfile) in [serve] setup and build")
    # `next build` (Next 14.2) rewrites a next-env.d.ts that an older Next wrote and the project committed:
    # the install advice named npm ci and --frozen-lockfile to a setup that had it already
    example = " (next build rewrites next-env.d.ts)" if any(
        name.rsplit("/", 1)[-1] == "next-env.d.ts" for name in changed) else ""
    return (f"{said}: a step writes them{example}; commit them as it writes them, or untrack a generated "
            "file (git rm --cached FILE, and list it in .gitignore)")


def _dependency_file(name: str) -> bool:
    """Whether *name* (a path git gives) is a lockfile or manifest that an install rewrites."""
    base = name.rsplit("/", 1)[-1].lower()
    return ("lock" in base or base in ("package.json", "pyproject.toml", "pipfile")
            or (base.startswith("requirements") and base.endswith((".txt", ".in"))))


def changed_since(cwd: Path, before: set[str] | None) -> tuple[list[str], str]:
    """The files git tracks that changed since *before* (:func:`changed_tracked_files` then), sorted, and
    how to list them (the first five, "and N more"); ([], "") for none, or with *before* None."""
    after = changed_tracked_files(cwd) if before is not None else None
    if before is None or after is None or not after - before:
        return [], ""
    changed = sorted(after - before)
    return changed, first_named(changed, 5)


def changed_tracked_files(cwd: Path) -> set[str] | None:
    """The files git tracks in the work tree holding *cwd* that differ from the index or HEAD (paths as
    ``git status`` gives them), None outside a git work tree or when git cannot tell in 10 s."""
    try:
        # git's own needs only (HOME for safe.directory): nothing of the job's secrets
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
        proc = subprocess.run(["git", "status", "--porcelain", "-z", "--untracked-files=no"], cwd=cwd,
                              capture_output=True, timeout=10, check=False,
                              env={**env, "GIT_OPTIONAL_LOCKS": "0"})
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    found: set[str] = set()
    entries = iter(proc.stdout.decode("utf-8", "replace").split("\0"))
    for entry in entries:
        if len(entry) > 3:
            found.add(entry[3:])
            if entry[0] in "RC":  # a rename or copy: its source path follows as an entry of its own
                next(entries, None)
    return found


@dataclass
class Prepared:
    """What :func:`prepare` did: one note per step, and whether setup was skipped by its stamp."""

    notes: list[str] = field(default_factory=list)
    setup_skipped: bool = False
