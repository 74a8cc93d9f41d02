"""How ``init`` serves a Node app: packages and workspaces, the package manager, the real server, bundles.

:func:`node_packages` lists the root package.json, its npm/yarn/pnpm
workspaces, conventional sub-folders (client/, server/...) and folders the
root's scripts reach (``"build": "cd react-ui && npm install && npm run
build"``); :func:`server_script` finds what starts the real server
(``start``, then ``serve``/``preview`` when they run node, then any script
that runs node/tsx/ts-node on a file creating a server, then such a file
under server/, api/, backend/; a static preview or ``dev`` only when there is
no server at all); :func:`bundle_globs` follows the client's build tool to
its output folder and leaves server bundles out; :func:`node_port` reads how
the server picks its port.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from collections.abc import Callable
from typing import Any

from . import commands
from .calltext import blank_comments, call_text
from .envdefaults import destructured_env
from .files import (
    JS_SUFFIXES,
    join,
    named_dirs,
    read_json_dict,
    read_text,
    rel,
    resolve_import,
    tsconfig_options,
    resolve_js,
    source_files,
)
from .adonis import build_folder, is_adonis, rc_file
from .prodbranch import production_spans
from .runtimes import installed
from .workspaces import (
    PNPM_READERS,
    ignored_lockfiles,
    js_lockfile,
    js_workspace,
    js_workspace_globs,
    matches,
    missing_tool_note,
    other_lockfiles,
    pnpm_major,
)

SERVER_DEPS = (
    "express",
    "fastify",
    "koa",
    "@hapi/hapi",
    "hapi",
    "@nestjs/core",
    "hono",
    "@hono/node-server",
    "restify",
    "polka",
    "json-server",
    "socket.io",
    "@adonisjs/core",
    "sails",
    "loopback",
)
CLIENT_TOOLS = (
    "vite",
    "react-scripts",
    "webpack",
    "@angular/cli",
    "@angular-devkit/build-angular",
    "parcel",
    "@vue/cli-service",
    "next",
    "nuxt",
    "@sveltejs/kit",
    "astro",
    "@remix-run/dev",
    "esbuild",
)
_SUBFOLDERS = ("server", "backend", "api", "client", "frontend", "web", "app", "ui")
# static servers of a build's files; `astro preview` serves a static Astro site's dist/ (an adapter's
# server is started by framework_server before it)
_STATIC_SERVERS = re.compile(r"^(?:npx\s+)?(?:(?:vite|astro) preview|serve\b|http-server\b|live-server\b)")
_LOCAL_BINS = (
    "next",
    "nuxt",
    "nuxi",
    "vite",
    "astro",
    "serve",
    "tsx",
    "ts-node",
    "nodemon",
    "remix-serve",
    "http-server",
    "pm2-runtime",
)


@dataclass
class Package:
    """One package.json: its folder relative to the root ("." for the root), scripts and dependencies.

    ``reached`` names the root script that enters its folder (``scripts.build``) when that is how it
    was found, ``installed_by`` the root script that also installs its dependencies.
    """

    dir: str
    path: Path
    data: dict[str, Any]
    workspace: bool = False
    reached: str = ""
    installed_by: str = ""

    @property
    def root(self) -> Path:
        """The project's root folder, which ``dir`` is relative to."""
        return self.path if self.dir == "." else self.path.parents[len(Path(self.dir).parts) - 1]

    @property
    def scripts(self) -> dict[str, str]:
        """name -> command of the package's scripts."""
        scripts = self.data.get("scripts")
        return {str(k): str(v) for k, v in scripts.items()} if isinstance(scripts, dict) else {}

    @property
    def deps(self) -> dict[str, str]:
        """dependencies and devDependencies together."""
        out: dict[str, str] = {}
        for key in ("devDependencies", "dependencies"):
            if isinstance(self.data.get(key), dict):
                out.update({str(k): str(v) for k, v in self.data[key].items()})
        return out

    @property
    def name(self) -> str:
        """The package's name (its folder when it has none)."""
        return str(self.data.get("name") or self.dir)

    def has(self, *names: str) -> bool:
        """Whether any of *names* is a dependency."""
        deps = self.deps
        return any(n in deps for n in names)

    @property
    def server(self) -> bool:
        """Whether the package runs an HTTP server framework."""
        return self.has(*SERVER_DEPS)

    @property
    def client(self) -> bool:
        """Whether the package builds a front end."""
        return self.has(*CLIENT_TOOLS) or self.vite

    @property
    def vite(self) -> bool:
        """Whether the package builds with vite: a dependency, or run by its build script while installed
        as a dependency of another (``@vitejs/plugin-vue``, ``vitest``) and not listed itself."""
        return self.has("vite") or _script_runs(self.scripts.get("build", ""), "vite")


@dataclass
class Tools:
    """The package manager the lockfile asks for: install command, lockfile, how to run scripts."""

    manager: str
    install: str
    lockfile: str
    checks: list[str] = field(default_factory=list)
    # The workspace root holding the lockfile when it is not the package's own folder (absolute), and
    # the file that names the package a member there.
    root: Path | None = None
    source: str = ""

    def run(self, script: str, package: Package | None = None) -> str:
        """The command that runs *script* of *package* (the root when None or ".")."""
        base = {
            "npm": "npm start" if script == "start" else f"npm run {script}",
            "yarn": f"yarn {script}",
            "pnpm": f"pnpm {script}",
            "bun": f"bun run {script}",
        }[self.manager]
        if package is None or package.dir == ".":
            return base
        if package.workspace:
            return {
                "npm": f"{base} --workspace={package.dir}",
                "yarn": f"yarn workspace {package.name} {script}",
                "pnpm": f"pnpm --filter {package.name} {script}",
                "bun": f"bun run --filter {package.name} {script}",
            }[self.manager]
        return {
            "npm": f"{base} --prefix {package.dir}",
            "yarn": f"yarn --cwd {package.dir} {script}",
            "pnpm": f"pnpm --dir {package.dir} {script}",
            "bun": f"bun --cwd={package.dir} run {script}",
        }[self.manager]

    def install_at(self, folder: str) -> str:
        """The install command run from elsewhere, for the package in *folder* (relative to there)."""
        if folder in ("", "."):
            return self.install
        rest = self.install.split(" ", 2)[2] if self.install.count(" ") >= 2 else ""
        return {
            "npm": f"{self.install} --prefix {folder}",
            "yarn": f"yarn --cwd {folder} install {rest}".rstrip(),
            "pnpm": f"pnpm --dir {folder} install {rest}".rstrip(),
            # bun's own --cwd, not `cd X &&`: the steps joined after this one keep their folder
            "bun": f"bun --cwd={folder} {self.install.removeprefix('bun ')}",
        }.get(self.manager, f"cd {folder} && {self.install}")

    def run_at(self, script: str, folder: str) -> str:
        """The command that runs *script* of the (non-workspace) package in *folder*, from elsewhere."""
        return self.run(script, Package(folder, Path(folder), {}))


def tools(folder: Path, data: dict[str, Any]) -> Tools:
    """The package manager of the package in *folder*: its own lockfile, else the lockfile of the
    workspace root above that names it a member (:func:`~.workspaces.js_workspace`; then ``root`` is that
    folder and installs run there), else ``packageManager``. A manager missing on this machine gets a
    ``# check:`` note with how to install it."""
    lockfile, manager = js_lockfile(folder, data)
    root: Path | None = None
    source = ""
    if not lockfile:
        space = js_workspace(folder)
        if space is not None:
            root, lockfile, manager, source = space.root, space.lockfile, space.manager, space.source
    found = _tools(manager, lockfile, data if root is None else read_json_dict(root / "package.json"),
                   (root or folder))
    found.root, found.source = root, source
    hidden = ignored_lockfiles(root or folder) if not lockfile else []
    if hidden:
        found.checks = [f"no lockfile: {hidden[0]} is ignored by git, so a fresh checkout (as CI makes) has "
                        f"none and `{found.install}` resolves versions anew on every setup; commit it to "
                        "install what it locks" if c.startswith("no lockfile:") else c for c in found.checks]
    found.checks += _manager_notes(root or folder, lockfile, manager, data)
    return found


def _manager_notes(folder: Path, lockfile: str, manager: str, data: dict[str, Any]) -> list[str]:
    """``# check:`` notes on the package manager setup uses: other lockfiles beside its own, a manager
    missing here, a pnpm lockfile that only an older pnpm reads."""
    notes = []
    declared = str(data.get("packageManager", "")).split("@", 1)[0] == manager
    others = other_lockfiles(folder, lockfile) if lockfile else []
    if others:
        named = ", which package.json packageManager names" if declared else ""
        notes.append(f"{', '.join(others)} beside {lockfile}: setup installs from {lockfile} "
                     f"({manager}{named}); delete the stale one, or set [serve] setup to the other manager's "
                     "install")
    if manager == "npm":
        return notes
    missing = missing_tool_note(manager, lockfile or "package.json packageManager")
    release = _yarn_path(folder) if manager == "yarn" and missing else ""
    if release:
        # sveltekit-auth-example: corepack fetches the packageManager version from repo.yarnpkg.com, which
        # a runner that reaches only the npm registry cannot; any yarn 1.22+ hands over to the release
        missing = (f"{missing.rsplit(' (', 1)[0]}: the repository carries its own yarn ({release}, "
                   ".yarnrc.yml yarnPath), which any yarn 1.22 or later runs (`npm install -g yarn`); "
                   "corepack downloads the packageManager version from repo.yarnpkg.com instead")
    major = pnpm_major(folder) if lockfile == "pnpm-lock.yaml" else ""
    refusing, reading = PNPM_READERS.get(major, ("", ()))
    readers, last = f"pnpm {' or '.join(reading)}", reading[-1] if reading else ""
    here = installed("pnpm") if refusing and declared and not missing else ""
    if missing and refusing:
        missing = f"{missing.rsplit(' (', 1)[0]} ({readers} reads this lockfile: " \
                  f"`npm install -g pnpm@{last}`)"
    elif refusing and not declared:
        missing = (f"pnpm-lock.yaml is a pnpm {major} lockfile, which pnpm {refusing} and later refuse "
                   f"(ERR_PNPM_LOCKFILE_BREAKING_CHANGE): setup needs {readers} (`npm install -g "
                   f'pnpm@{last}`, or "packageManager": "pnpm@{last}.x.y" in package.json with corepack)')
    elif here and int(here.split(".")[0]) >= int(refusing) and not _corepack("pnpm"):
        # marsidev/vite-express-starter: "packageManager": "pnpm@7.0.0" beside a 5.4 lockfile; the pnpm
        # here was a global pnpm 9, which does not switch to the version asked, and setup stopped
        missing = (f"package.json packageManager asks for {data.get('packageManager')} and the pnpm here is "
                   f"{here}, not corepack's (which would run the version asked): it refuses this pnpm "
                   f"{major} lockfile (ERR_PNPM_LOCKFILE_BREAKING_CHANGE); setup needs {readers} here "
                   f"(`npm install -g pnpm@{last}`); in CI, pnpm/action-setup installs the version "
                   "packageManager names")
    return [*notes, missing] if missing else notes


def _corepack(program: str) -> bool:
    """Whether *program* on this machine's PATH is corepack's shim, which runs the version package.json
    ``packageManager`` names (a global install of the package manager runs its own)."""
    path = shutil.which(program)
    return path is not None and "corepack" in Path(os.path.realpath(path)).parts


def _yarn_path(folder: Path) -> str:
    """The yarn release the project commits (.yarnrc.yml's ``yarnPath``, relative to *folder*), "" when
    none or when that file is missing."""
    m = re.search(r"""^yarnPath:\s*['"]?([^'"\s#]+)""", read_text(folder / ".yarnrc.yml"), re.M)
    return m.group(1) if m and (folder / m.group(1)).is_file() else ""


def yarn_berry(folder: Path, data: dict[str, Any] | None = None) -> bool:
    """Whether the yarn of the package in *folder* (its package.json *data*, read when None) is Yarn 2 or
    later ("Berry"): a .yarnrc.yml, Berry's settings file, or ``packageManager`` naming yarn 2 to 4."""
    manifest = read_json_dict(folder / "package.json") if data is None else data
    return (folder / ".yarnrc.yml").is_file() or str(manifest.get("packageManager", "")).startswith(
        ("yarn@2", "yarn@3", "yarn@4"))


def _tools(manager: str, lockfile: str, data: dict[str, Any], folder: Path) -> Tools:
    if lockfile == "pnpm-lock.yaml":
        return Tools("pnpm", "pnpm install --frozen-lockfile", lockfile)
    if lockfile == "yarn.lock":
        return Tools("yarn", "yarn install --immutable" if yarn_berry(folder, data)
                     else "yarn install --frozen-lockfile", "yarn.lock")
    if lockfile in ("package-lock.json", "npm-shrinkwrap.json"):
        return Tools("npm", "npm ci", lockfile)
    if lockfile in ("bun.lock", "bun.lockb"):
        return Tools("bun", "bun install --frozen-lockfile", lockfile)
    return Tools(
        manager,
        f"{manager} install",
        "",
        [f"no lockfile: `{manager} install` resolves versions anew on every setup and the JavaScript "
         "audit has no locked versions to check; commit one"],
    )


def checks_in(tool: Tools, folder: str) -> list[str]:
    """*tool*'s checks for the package in *folder* (relative to the project): one about its missing
    lockfile names the folder when it is not the top one, since the others may have theirs (a root and a
    client with their package-lock.json, an api/ without)."""
    if folder in ("", "."):
        return list(tool.checks)
    return [f"no lockfile in {folder}/:{m.removeprefix('no lockfile:')}" if m.startswith("no lockfile:")
            else m for m in tool.checks]


def install_dir(tool: Tools, pkg: Package) -> str:
    """Where *pkg*'s install runs, relative to the folder its ``dir`` is relative to: its own folder, or
    the workspace root whose lockfile covers it (``frontend`` -> ``.`` for a root ``bun.lock``)."""
    if tool.root is None:
        return pkg.dir
    return join(pkg.dir, Path(os.path.relpath(tool.root, pkg.path.resolve())).as_posix())


def install_source(tool: Tools, where: str, member: str) -> str:
    """Why an install is what it is: the lockfile (at the workspace root naming *member*, when so)."""
    if not tool.lockfile:
        return join(where, "package.json (no lockfile)")
    if tool.root is None:
        return join(where, tool.lockfile)
    named = "this folder" if member in ("", ".") else f"{member}/"
    return f"{join(where, tool.lockfile)} (the workspace root: {join(where, tool.source)} names {named})"


def node_packages(root: Path) -> list[Package]:
    """The root package (when there is one), its workspaces, then conventional sub-folders with a
    package.json of their own."""
    data = read_json_dict(root / "package.json", strict=True)
    out: list[Package] = [Package(".", root, data)] if (root / "package.json").is_file() else []
    seen = {root.resolve()}
    for folder in _workspace_folders(root):
        if folder.resolve() not in seen and (folder / "package.json").is_file():
            seen.add(folder.resolve())
            out.append(
                Package(
                    folder.relative_to(root).as_posix(),
                    folder,
                    read_json_dict(folder / "package.json"),
                    workspace=True,
                )
            )
    for name in named_dirs(root, _SUBFOLDERS):
        folder = root / name
        if folder.resolve() not in seen and (folder / "package.json").is_file():
            seen.add(folder.resolve())
            out.append(Package(name, folder, read_json_dict(folder / "package.json")))
    if not out:
        out += _nested_clients(root)
    for name, (script, installs) in _script_folders(out[0] if out and out[0].dir == "." else None).items():
        folder = root / name
        if ".." in Path(name).parts or not (folder / "package.json").is_file():
            continue
        if folder.resolve() in seen:
            pkg = next((p for p in out if p.path.resolve() == folder.resolve()), None)
            if pkg is not None and installs and not pkg.workspace:
                pkg.installed_by = pkg.installed_by or script
            continue
        seen.add(folder.resolve())
        out.append(
            Package(name, folder, read_json_dict(folder / "package.json"), reached=script,
                    installed_by=script if installs else "")
        )
    return out


# Folders whose package.json files are no part of the app that runs: examples, docs, tests, vendored code
_NOT_THE_APP = {"node_modules", "examples", "example", "docs", "doc", "test", "tests", "fixtures", "vendor",
                "dist", "build", "e2e", "scripts", "tools", "deploy"}


def _nested_clients(root: Path) -> list[Package]:
    """The front ends built in a folder two or three deep (litestar-fullstack's src/js/web, a Vite client
    whose build lands in the Python package), for a *root* with no package.json at the top nor in a
    conventional folder: a package with a build script that builds a front end."""
    found: list[Package] = []
    for path in sorted(root.glob("*/*/package.json")) + sorted(root.glob("*/*/*/package.json")):
        parts = path.relative_to(root).parts[:-1]
        if any(part.startswith(".") or part.lower() in _NOT_THE_APP for part in parts):
            continue
        pkg = Package("/".join(parts), path.parent, read_json_dict(path))
        if "build" in pkg.scripts and pkg.client:
            found.append(pkg)
    return found


# Scripts init runs as build steps, and the ones npm runs itself while installing.
BUILD_SCRIPTS = ("build", "heroku-postbuild", "vercel-build")
INSTALL_HOOKS = ("preinstall", "install", "postinstall", "prepare")
_FOLDER_FLAG = re.compile(r"(?:--prefix|--cwd|--dir|-C)[ =](\S+)")


def _script_folders(top: Package | None) -> dict[str, tuple[str, bool]]:
    """Folders the root package's build scripts and install hooks work in (``cd X && npm run build``,
    ``npm run build --prefix X``): folder -> (the script, whether it installs there)."""
    out: dict[str, tuple[str, bool]] = {}
    if top is None:
        return out
    for name, line in top.scripts.items():
        if name not in (*BUILD_SCRIPTS, *INSTALL_HOOKS) and not name.startswith("build:"):
            continue
        for part in commands.with_cd(commands.segments(line)):
            folder, rest = commands.strip_cd(part)
            flag = _FOLDER_FLAG.search(rest)
            folder = (flag.group(1) if flag else folder).strip("'\"").rstrip("/").removeprefix("./")
            if not folder or folder == ".":
                continue
            installs = commands.kind(rest) == "install"
            before = out.get(folder, (f"scripts.{name}", False))
            out[folder] = (before[0], before[1] or installs)
    return out


def _workspace_folders(root: Path) -> list[Path]:
    globs = js_workspace_globs(root)[0]
    out: list[Path] = []
    for pattern in globs:
        if pattern.startswith(("!", "/")) or ".." in pattern or not pattern.strip("/"):
            continue
        out += sorted(
            p for p in root.glob(pattern.strip().removeprefix("./").rstrip("/"))
            if p.is_dir() and "node_modules" not in p.parts
            # a "!apps/legacy" glob leaves a folder out, as npm, pnpm and bun do
            and matches(p.relative_to(root).as_posix(), globs)
        )
    return out


# ---------------------------------------------------------------------------- the server


@dataclass
class Start:
    """The script (or file) that starts the server, in which package, and what it means."""

    package: Package
    script: str
    line: str
    source: str
    warning: str = ""
    fallback: str = ""
    entry: str = ""
    # Set for a server a framework's build writes (framework_server): the variables it reads, fixed
    # ones ({"HOST": "127.0.0.1"}) and the one that takes the port, with why
    env: dict[str, str] = field(default_factory=dict)
    port_var: str = ""


# A start script that restarts its server when files change: nodemon, ts-node-dev, node --watch, tsx watch
_WATCHES = re.compile(r"\b(?:nodemon|ts-node-dev)\b|\bnode\s+(?:\S+\s+)*--watch\b|\btsx\s+watch\b")


# Scripts that start a development server, never what production serves.
_DEV_SERVERS = re.compile(
    r"^(?:npx\s+)?(?:react-scripts start|vite(?:\s+dev)?(?:\s|$)|next dev|nuxt dev|nuxi dev|webpack serve|"
    r"webpack-dev-server|ng serve|vue-cli-service serve|parcel(?:\s+serve)?\s|astro dev)"
)


def server_script(packages: list[Package]) -> Start | None:
    """The real server's start: a server package's ``start``, then ``serve``/``preview`` that run a
    server, then a framework's own start (Next, Nuxt), then any script running node on a file that
    creates a server (``"dev:server": "node server/index.js"``), then such a file under server/, api/,
    backend/ or src/; a static preview of a single-page app only when no server exists, and ``dev``
    only as a last resort (both marked in ``fallback``). A start script that runs a file the package lacks
    and no build makes (:func:`missing_entry`) is passed over, and ``warning`` says so; it is kept, said
    to be broken, only when nothing else starts the server."""
    broken: list[Start] = []
    start = _server_script(packages, broken)
    top = packages[0] if packages else None
    if start is not None and top is not None and start.package is not top and top.dir == ".":
        # a member's start found first (mern-monorepo's api): the top's `npm start` that a developer runs,
        # two dev servers through concurrently, was passed over without a word
        _parallel(top, "start", top.scripts.get("start", ""), broken, packages)
    parallel = [b for b in broken if b.fallback == "parallel"]
    broken = [b for b in broken if b not in parallel]
    if parallel:
        own = _own_server_script(parallel[0], packages)
        if own is not None and (start is None or not start.script):
            start = own
        start = _instead_of_parallel(start, parallel[0])
    if not broken:
        return start
    said = "; ".join(b.warning for b in broken)
    if start is None:
        # nothing else starts it: the script stays, and the note says what to fix
        first = broken[0]
        return Start(first.package, first.script, first.line, first.source,
                     f"{said}: the app cannot start this way; fix the script or set [serve] command")
    start.source += f"; not scripts.{broken[0].script}, whose file does not exist"
    start.warning = "; ".join(w for w in (f"{said}: not used (fix the script, which deployments run)",
                                          start.warning) if w)
    return start


# concurrently's options that take a value as the next word (9.2.5's --help: those not [boolean]; --cwd
# is 8's). -P/--passthrough-arguments and --pad-prefix are flags: taken as valued, `concurrently -P "node
# server.js" "vite"` lost the server's command and was no parallel start. --teardown's command runs once
# the others have ended, never beside them.
_VALUED = ("-n", "--names", "-c", "--prefix-colors", "-p", "--prefix", "-l", "--prefix-length", "-t",
           "--timestamp-format", "-s", "--success", "-m", "--max-processes", "--restart-tries",
           "--restart-after", "--name-separator", "--default-input-target", "--cwd", "--hide", "--teardown",
           "--kill-signal", "--ks", "--kill-timeout")


def at_once(line: str, scripts: dict[str, str] | None = None) -> list[str]:
    """The commands a script *line* starts at the same time: concurrently's quoted commands (its
    ``npm:name`` shortcuts as ``npm run name``), npm-run-all's with ``--parallel``/``-p`` and run-p's script
    names, or the commands around a shell's ``&``; [] for a line that runs one thing at a time. Given the
    package's *scripts*, a name with a wildcard is the scripts it matches (:func:`_script_glob`)."""
    for part in commands.segments(line):
        words = commands.unwrap(commands.split_env(commands.tokens(part))[1])
        runner = words[0] if words else ""
        if runner == "concurrently":
            names, after = [], words[1:]
            while after:
                word, after = after[0], after[1:]
                if word in _VALUED and after:
                    after = after[1:]  # `-n server,client`: the option's value, no command
                elif not word.startswith("-"):
                    names.append(word)
            return [expanded for n in names for expanded in _script_glob(
                re.sub(r"^(npm|pnpm|yarn|bun):(.+)$", r"\1 run \2", n), scripts, runner)]
        if runner in ("run-p", "npm-run-all", "npm-run-all2"):
            names = _run_all_parallel(runner, words[1:])
            return [expanded for n in names for expanded in _script_glob(f"npm run {n}", scripts, runner)]
        if len(spans := commands.background(part)) > 1:
            return spans
    return []


def _run_all_parallel(runner: str, words: list[str]) -> list[str]:
    """The script names npm-run-all (or run-p, parallel from the start) runs at once given *words*, its
    arguments: the first group after ``-p``/``--parallel`` up to ``-s``/``--sequential``/``--serial``
    (its README: ``npm-run-all clean lint --parallel watch:html watch:js`` runs clean, then lint, then
    both watches; a wildcard name is expanded after), [] under ``--max-parallel 1``. npm-run-all 4.1.5: ``-s a
    -p b c`` ran a, then b and c together; ``run-p --max-parallel 1 a b`` ran a, then b."""
    groups: list[list[str]] = [[]]
    parallel = [runner == "run-p"]
    i = 0
    while i < len(words):
        word = words[i]
        if word in ("-p", "--parallel", "-s", "--sequential", "--serial"):
            groups.append([])
            parallel.append(word in ("-p", "--parallel"))
        elif word in ("--max-parallel", "--npm-path") and i + 1 < len(words):
            i += 1
            if word == "--max-parallel" and words[i] == "1":
                return []
        elif not word.startswith("-"):
            groups[-1].append(word)
        i += 1
    return next((g for g, at_once in zip(groups, parallel, strict=True) if at_once and g), [])


def _script_glob(command: str, scripts: dict[str, str] | None, runner: str) -> list[str]:
    """*command* (``npm run name ...``) as the commands *runner* starts for it: one per script of
    *scripts* whose name matches a wildcard *name*, in the scripts' order; *command* alone when it has no
    wildcard or no scripts are given. ``concurrently "npm:start:*"`` starts every ``start:`` script (its
    ExpandWildcard: the text around the first ``*`` fixed, ``(!regex)`` leaves out the names it finds);
    npm-run-all and run-p match names as paths whose separator is ``:`` (its README: ``watch:*`` is not
    ``watch:js:index``, ``watch:**`` is)."""
    match = re.match(r"^(npm|pnpm|yarn|bun) run (\S*\*\S*)(.*)$", command)
    if not match or scripts is None:
        return [command]
    pm, name, rest = match.groups()
    if runner == "concurrently":
        omission = re.search(r"\(!([^)]+)\)", name)
        bare = name.replace(omission.group(0), "") if omission else name
        pattern = re.escape(bare[:bare.index("*")]) + ".*?" + re.escape(bare[bare.index("*") + 1:])
        picked = [s for s in scripts if re.fullmatch(pattern, s)
                  and not (omission and re.search(omission.group(1), s))]
    else:
        pattern = ":".join(".*" if part == "**" else re.escape(part).replace(r"\*", "[^:]*")
                           for part in name.split(":"))
        picked = [s for s in scripts if re.fullmatch(pattern, s)]
    return [f"{pm} run {s}{rest}" for s in picked]


def _parallel(pkg: Package, script: str, line: str, broken: list[Start], packages: list[Package]) -> bool:
    """Whether *pkg*'s *script* (its *line*) starts several commands at once (:func:`at_once`), one of them
    a client's server (:func:`_serves_client`); such a script is added to *broken*, its commands in
    ``warning``, and the server's own start is looked for instead (:func:`_instead_of_parallel`). A
    server started beside a worker of its own (``concurrently "node server.js" "node worker.js"``) stays:
    the app needs both."""
    together = at_once(line, pkg.scripts)
    client = len(together) > 1 and any(_serves_client(c, pkg, packages) for c in together)
    if client:
        broken.append(Start(pkg, script, line, f"{join(pkg.dir, 'package.json')} (scripts.{script})",
                            "; ".join(together), fallback="parallel"))
    return client


def _serves_client(command: str, pkg: Package, packages: list[Package]) -> bool:
    """Whether *command*, run in *pkg*, starts a client's dev server or static preview (``vite``, ``vite
    preview``, ``react-scripts start`` ...), itself or through the package scripts it runs (``npm run
    client:dev`` -> ``npm run dev --workspace=client`` -> ``vite``; a member chosen by ``-w``/
    ``--workspace``/``--prefix``/``cd``, by folder or name)."""
    return _reaches(command, pkg, packages, lambda line: bool(_DEV_SERVERS.match(line)
                                                              or _STATIC_SERVERS.match(line)))


def _reaches(command: str, pkg: Package, packages: list[Package], matches: Callable[[str], bool],
             depth: int = 4) -> bool:
    """Whether *command*, run in *pkg*, or a package script it runs (through ``npm run``, ``yarn x``,
    ``-w``/``--workspace``/``--prefix``/``--filter``/``yarn workspace``, ``cd folder &&``, to *depth*
    levels), is a command line that *matches*."""
    folder, rest = commands.strip_cd(command)
    if folder:
        # concurrently "cd client && npm start": the rest runs in that folder, its package's scripts
        where = os.path.normpath(os.path.join(pkg.dir, folder))
        target = next((p for p in packages if p.dir == where), pkg)
        return any(_reaches(part, target, packages, matches, depth)
                   for part in commands.with_cd(commands.segments(rest)))
    words = commands.unwrap(commands.split_env(commands.tokens(command))[1])
    line = " ".join(words)
    if matches(line):
        return True
    if depth <= 0 or not words or words[0] not in ("npm", "pnpm", "yarn", "bun"):
        return False
    target, plain, i = pkg, [], 1
    while i < len(words):
        option, _, value = words[i].partition("=")
        if option in ("-w", "--workspace", "--prefix", "--filter", "-F", "--cwd", "-C", "--dir"):
            value = value or (words[i + 1] if i + 1 < len(words) else "")
            i += 0 if "=" in words[i] else 1
            folder = value.removeprefix("./").rstrip("/")
            target = next((p for p in packages if p.dir == folder or p.data.get("name") == value), target)
        elif not words[i].startswith("-"):
            plain.append(words[i])
        i += 1
    if words[0] == "yarn" and plain[:1] == ["workspace"] and len(plain) > 1:
        target = next((p for p in packages if p.data.get("name") == plain[1]), target)
        plain = plain[2:]
    name = plain[1] if plain[:1] == ["run"] and len(plain) > 1 else plain[0] if plain else ""
    body = target.scripts.get(name, "")
    # a `cd` step stays with the steps after it ("client": "cd client && npm start")
    return bool(body) and any(_reaches(part, target, packages, matches, depth - 1)
                              for part in commands.with_cd(commands.segments(body)))


def _own_server_script(parallel: Start, packages: list[Package]) -> Start | None:
    """The one script of *parallel*'s package that its commands run beside the client's server
    (``concurrently yarn:start:react yarn:start:api``: ``start:api``), when it starts no client and no
    watcher itself; None otherwise. cypress-realworld-app's ``start:api`` runs ts-node with its own
    tsconfig (``-P tsconfig.tsnode.json``, CommonJS), where the file init found, run as ``npx ts-node
    backend/app.ts``, compiles as the top tsconfig's ES modules."""
    pkg = parallel.package
    servers = [c for c in at_once(parallel.line, pkg.scripts) if not _serves_client(c, pkg, packages)]
    if len(servers) != 1:
        return None
    words = commands.unwrap(commands.split_env(commands.tokens(servers[0]))[1])
    if len(words) == 3 and words[0] in _PMS and words[1] == "run":
        name = words[2]
    elif len(words) == 2 and words[0] in ("pnpm", "yarn", "bun") and words[1] not in _PM_COMMANDS:
        name = words[1]  # `yarn start:api`: Yarn, pnpm and Bun run a script by its name alone
    else:
        return None
    line = pkg.scripts.get(name, "")
    # Scripts all the way down to a command (mern-monorepo's `server:dev` runs the api's `dev`, which may
    # not exist), and no watcher among them (that `dev` is nodemon: the file it watches is started without)
    if not line or not _reaches(servers[0], pkg, packages, lambda part: part.split(" ", 1)[0] not in _PMS) \
            or _reaches(servers[0], pkg, packages, lambda part: bool(_WATCHES.search(part))):
        return None
    return Start(pkg, name, line, f"{join(pkg.dir, 'package.json')} (scripts.{name})")


_PMS = ("npm", "pnpm", "yarn", "bun")
# Package managers' own commands, never a script's name after them
_PM_COMMANDS = frozenset({"install", "add", "remove", "run", "exec", "dlx", "test", "build", "start",
                          "workspace", "workspaces", "why", "link", "pack", "publish", "create", "x"})


def _instead_of_parallel(start: Start | None, parallel: Start) -> Start:
    """*start* (the server's own start, found beside a script that starts several commands at once), said
    to be taken instead of *parallel*; *parallel* itself, with what to do, when nothing else starts it.

    concurrently's ``npm start`` of a server and a client (the API and ``vite preview``, or two dev
    servers) starts both in one process group: the run waits for the ready URL on {port}, which one of
    them may not listen on, and measures the dev server's pages where production serves a build."""
    where = parallel.source.split(" (", 1)[0]
    together = parallel.warning.split("; ")
    said = (f"{where} scripts.{parallel.script} starts {len(together)} commands at once "
            f"({', '.join(f'`{c}`' for c in together)}), and `run` starts one server")
    if start is None:
        return Start(parallel.package, parallel.script, parallel.line, parallel.source,
                     f"{said}, which must answer the ready URL on {{port}}: set [serve] command to the "
                     "server's own start; a client it does not serve is measured by its build (bundle), or "
                     "with a config of its own (`echotune-ci init --dir <client folder>`)")
    start.source += f"; not scripts.{parallel.script}, which starts {len(together)} commands at once"
    start.warning = "; ".join(w for w in (f"{said}: [serve] command starts the server alone", start.warning)
                              if w)
    return start


def _server_script(packages: list[Package], broken: list[Start]) -> Start | None:
    """:func:`server_script`'s search; a start script whose file does not exist is left out and added to
    *broken*, with what is wrong in its ``warning``."""
    servers = [p for p in packages if p.server] or [
        p for p in packages if p.has("next", "nuxt", "@remix-run/serve")
    ]
    for pkg in servers + [p for p in packages if p not in servers]:
        own = framework_server(pkg)
        if own is not None and own.package is pkg and own.line.startswith("cd "):
            # AdonisJS's "start": "node bin/server.js" runs in the build folder, where the build copies
            # package.json; in the checkout it stops on "Cannot find module .../bin/server.js"
            return own
        for script in ("start", "start:prod", "serve", "preview", "prod"):
            line = pkg.scripts.get(script, "")
            static = bool(_STATIC_SERVERS.match(line))
            # a framework's own server beats a preview (`vite preview`, `nuxt preview`: not for production)
            preview = script in ("serve", "preview")
            if (not line or _DEV_SERVERS.match(line) or static and preview or own and (preview or static)
                    or _parallel(pkg, script, line, broken, packages)):
                continue
            missing = missing_entry(pkg, line)
            if missing:
                # SQLite-Template's backend: "start": "node server.js" with no server.js (its server is
                # src/index.ts, run by `dev` through tsx); `npm start` could only stop on "Cannot find module"
                where = join(pkg.dir, "package.json")
                broken.append(Start(pkg, script, line, f"{where} (scripts.{script})",
                                    f"{where} scripts.{script} runs {join(pkg.dir, missing)}, which does not "
                                    "exist and no build makes"))
                continue
            pm2 = _pm2_entry(pkg, line) if _PM2.search(line) else None
            if pm2 is not None:
                # pm2 restarts a server that exits, forever: an app that cannot start (no database) left
                # `run` waiting its whole timeout with nothing said (node-express-boilerplate, 120 s)
                file, line = pm2
                return Start(pkg, "", line, f"{join(pkg.dir, 'package.json')} (scripts.{script} runs "
                             f"{join(pkg.dir, file)} under pm2, which restarts it when it exits: started "
                             "without it)", entry=file)
            entry = _entry(pkg, line) if _WATCHES.search(line) else None
            if entry is not None:
                # "start": "npx nodemon index.js": a watcher restarts the app when a file changes (the
                # run's results, the app's own SQLite file) in the middle of a measurement
                runner, file, kept = entry
                return Start(pkg, "", _entry_command(pkg, runner, file, kept),
                             f"{join(pkg.dir, 'package.json')} (scripts.{script} runs {join(pkg.dir, file)} "
                             f"under {runner}, which restarts it when files change: started without it)",
                             entry=file)
            # the file it runs, read first for the port: express-generator's bin/www has no suffix, so no
            # search of the package's .js files finds its `process.env.PORT || '3000'`
            served = _entry(pkg, line)
            return Start(pkg, script, line, f"{join(pkg.dir, 'package.json')} (scripts.{script})",
                         fallback="static" if static else "", entry=served[1] if served else "")
        if own is not None:
            # a SvelteKit app with adapter-node and no start script: its `preview` (vite preview) is a
            # development preview, while `node build` is what production runs
            return own
        if pkg in servers:
            found = _main_start(pkg)
            if found is not None:
                return found
    for pkg in packages:
        found = _server_from_scripts(pkg) if pkg.server else None
        if found is not None:
            return found
    for pkg in packages:
        found = _server_file(pkg) if pkg.server else None
        if found is not None:
            return found
    return _fallback(packages, servers)


# import adapter from '@sveltejs/adapter-node' (svelte.config.js); the adapter's call and its options
_ADAPTER_NODE = re.compile(r"""(?:from\s+|require\(\s*)['"]@sveltejs/adapter-node['"]""")
_ADAPTER_CALL = re.compile(r"\badapter\s*:\s*\w+\(\s*(\{[^{}]*\})?")
# nitro: { preset: 'vercel' } in nuxt.config: the build writes that host's handler, not a Node server
_NITRO_PRESET = re.compile(r"""\bpreset\s*:\s*['"]([\w-]+)['"]""")
# node({ mode: 'standalone' }) in astro.config: the build writes a server that listens by itself
_ASTRO_STANDALONE = re.compile(r"""\bmode\s*:\s*['"]standalone['"]""")


def framework_server(pkg: Package) -> Start | None:
    """The Node server a framework's own build writes for *pkg*, None when it writes none: SvelteKit with
    ``@sveltejs/adapter-node`` in svelte.config (``node build``, or the folder its ``out`` option names),
    Nuxt 3 and later (``node .output/server/index.mjs``, unless nuxt.config picks another Nitro preset)
    and Astro with ``@astrojs/node`` in standalone mode (``node dist/server/entry.mjs``). Each listens on
    PORT and on the interface HOST names (all of them when unset): ``env`` sets HOST to 127.0.0.1.
    An AdonisJS app (:func:`.adonis.is_adonis`) is started in its build folder, ``cd build && node
    bin/server.js`` (its start script runs there), with NODE_ENV=production; the build folder finds
    its packages in the app's node_modules, one folder up, which setup installed."""
    found: tuple[str, str, str] | None = None  # (file to run, config that says so, framework)
    if is_adonis(pkg.path, pkg.deps):
        out = build_folder(pkg.path)
        return Start(pkg, "", f"cd {out} && node bin/server.js",
                     f"{join(pkg.dir, rc_file(pkg.path))} (AdonisJS: `node ace build` writes the server to "
                     f"{join(pkg.dir, out)}/, where production starts it)",
                     entry=f"{out}/bin/server.js", env={"HOST": "127.0.0.1", "NODE_ENV": "production"},
                     port_var="PORT")
    if "@sveltejs/kit" in pkg.deps:
        config = _config(pkg, "svelte.config")
        text = read_text(config) if config else ""
        if config and _ADAPTER_NODE.search(text):
            call = _ADAPTER_CALL.search(text)
            out = _path_value(call.group(1), "out")[0] if call and call.group(1) else ""
            found = (f"{out or 'build'}/index.js", config.name, "@sveltejs/adapter-node")
    elif "nuxt" in pkg.deps and range_major(pkg.deps["nuxt"]) != 2:
        config = _config(pkg, "nuxt.config")
        preset = _NITRO_PRESET.search(read_text(config)) if config else None
        if preset is None or preset.group(1) in ("node", "node-server"):
            found = (".output/server/index.mjs", config.name if config else "package.json", "nuxt")
    elif "@astrojs/node" in pkg.deps:
        config = _config(pkg, "astro.config")
        if config and _ASTRO_STANDALONE.search(read_text(config)):
            out = _path_value(read_text(config), "outDir")[0]
            found = (f"{out or 'dist'}/server/entry.mjs", config.name, "@astrojs/node (standalone)")
    if found is None:
        return None
    file, config_name, framework = found
    folder = file.removesuffix("/index.js")  # `node build`, as adapter-node's documentation starts it
    where = join(pkg.dir, config_name)
    return Start(pkg, "", f"node {folder}",
                 f"{where} ({framework}: the build writes a Node server, {join(pkg.dir, file)})",
                 entry=file, env={"HOST": "127.0.0.1"}, port_var="PORT")


def range_major(spec: str) -> int | None:
    """The major version a dependency's range starts with (``^3.8.0`` -> 3), None when it names none."""
    m = re.search(r"\d+", spec)
    return int(m.group()) if m else None


def _fallback(packages: list[Package], servers: list[Package]) -> Start | None:
    """No server: a static preview of the build, else a dev script (both said to be a fallback)."""
    for pkg in packages:
        for script in ("preview", "serve"):
            if pkg.scripts.get(script):
                return Start(
                    pkg,
                    script,
                    pkg.scripts[script],
                    f"{join(pkg.dir, 'package.json')} (scripts.{script})",
                    "no server in the project: the built files are served by "
                    f"`{pkg.scripts[script]}`, so load and header checks measure that static server",
                    fallback="static",
                )
    if any(p.has("vite", "react-scripts") and "build" in p.scripts for p in packages):
        return (
            None  # a single-page app: its build is previewed (see app._static_fallback), not its dev server
        )
    for pkg in servers or packages:
        if pkg.scripts.get("dev"):
            return Start(
                pkg,
                "dev",
                pkg.scripts["dev"],
                f"{join(pkg.dir, 'package.json')} (scripts.dev)",
                "only a dev script starts the app: measured the development server, "
                "not what production serves",
                fallback="dev",
            )
    return None


# A file that creates an HTTP server and listens.
_CREATES_SERVER = re.compile(
    r"\bexpress\(\s*\)|\bfastify\(|\bFastify\(|new\s+Koa\(|\bcreateServer\(|new\s+Hono\(|\bHapi\.server\(|"
    r"\bpolka\(\s*\)|\brestify\.createServer\(|NestFactory\.create\(|\bserve\(\s*\{"
)
_LISTENS = re.compile(r"\.listen\(|\bserve\(\s*\{|NestFactory\.create\(")
_RUNNERS = ("node", "nodemon", "tsx", "ts-node", "ts-node-dev", "bun")
# Options of node (and its wrappers) that take a value and are kept: they change how the file loads.
_KEPT_OPTIONS = ("-r", "--require", "--import", "--loader", "--experimental-loader", "--env-file")
_WATCH_OPTIONS = ("--watch", "-w", "--respawn", "--inspect", "--transpile-only", "--clear", "--exitcrash")


def creates_server(path: Path) -> bool:
    """Whether the JS/TS file at *path* creates an HTTP server and listens."""
    text = read_text(path)
    return bool(_CREATES_SERVER.search(text) and _LISTENS.search(text))


def _runs(line: str) -> list[tuple[str, str, list[str]]]:
    """(runner, file as written relative to the package, kept options) of each segment of a script *line*
    that runs node/tsx/ts-node/nodemon/bun on a file (``cd api && node server`` -> ``api/server``)."""
    out: list[tuple[str, str, list[str]]] = []
    for part in commands.with_cd(commands.segments(line)):
        folder, rest = commands.strip_cd(part)
        words = commands.unwrap(commands.split_env(commands.tokens(rest))[1])
        if not words or words[0] not in _RUNNERS:
            continue
        runner, args, kept = words[0], words[1:], []
        if runner in ("tsx", "bun") and args[:1] in (["watch"], ["run"]):
            args = args[1:]
        i = 0
        while i < len(args) and args[i].startswith("-"):
            option = args[i].split("=", 1)[0]
            takes_value = option in _KEPT_OPTIONS and "=" not in args[i]
            if option in _KEPT_OPTIONS or option.startswith("--experimental"):
                kept += args[i : i + 1 + takes_value]
            i += 1 + takes_value
        if i < len(args):
            out.append((runner, join(folder, args[i]), kept))
    return out


def _entry(pkg: Package, line: str) -> tuple[str, str, list[str]] | None:
    """(runner, file, kept options) of a script segment that runs node/tsx/ts-node/nodemon on a file
    of *pkg* that creates a server (``node server`` is ``server/index.js``), else None."""
    for runner, name, kept in _runs(line):
        file = _resolve(pkg.path, name)
        if file and creates_server(pkg.path / file):
            return runner, file, kept
    return None


# Folders a build writes that a checkout lacks until then (tsc's, esbuild's, bundlers' usual outDir).
_BUILT_FOLDERS = ("dist", "build", "out", "lib", ".output", ".next", "server-dist", "bin")


def missing_entry(pkg: Package, line: str) -> str:
    """The JavaScript file a script *line* of *pkg* runs (``node server.js``) that is not in the package
    and that no build makes (relative to the package), else "". A file under a folder builds write
    (dist/, build/, a build script's tsc outDir or esbuild outdir), a TypeScript source beside it, a
    ``prestart`` script or a build step in the line itself count as made by a build."""
    if "prestart" in pkg.scripts or any(commands.kind(p) == "build" for p in commands.segments(line)):
        return ""
    built = set(_BUILT_FOLDERS)
    for name, script in pkg.scripts.items():
        if name.startswith(("build", "compile")) or name in ("heroku-postbuild", "vercel-build"):
            for part in commands.segments(script):
                built |= _server_out(part, pkg)
    for _, name, _ in _runs(line):
        if not name.endswith(JS_SUFFIXES) or name.startswith(("/", "$", "~")) or "$" in name:
            continue  # a folder (`node server`), a script name (`bun run dev`) or a path from a variable
        if _resolve(pkg.path, name) or "/" in name and name.split("/", 1)[0] in built:
            continue
        return name
    return ""


def unbuilt_entry(pkg: Package, line: str) -> str:
    """The JavaScript file a script *line* of *pkg* runs (``node ./dist/src/index.js``) that a build makes:
    one the checkout lacks, or one under a folder builds write (dist/, build/...: a previous build's file
    there is stale), relative to the package; else ""."""
    for _, name, _ in _runs(line):
        if not name.endswith(JS_SUFFIXES) or "$" in name or name.startswith(("/", "~")):
            continue
        if not _resolve(pkg.path, name) or Path(name).parts[0] in _BUILT_FOLDERS:
            return name
    return ""


def _resolve(folder: Path, name: str) -> str:
    """*name* as node resolves it in *folder*: the file, with an extension, or a folder's index ("" for
    none; see :func:`~echotune_ci.project.files.resolve_js`)."""
    found = resolve_js(folder, name)
    return Path(os.path.relpath(found, folder)).as_posix() if found else ""


def _entry_command(pkg: Package, runner: str, file: str, kept: list[str]) -> str:
    """How to start *file* as production would: node (tsx / ts-node for TypeScript), no watcher."""
    typescript = file.endswith((".ts", ".mts", ".cts", ".tsx"))
    if runner in ("nodemon", "node") and typescript:
        runner = "tsx" if pkg.has("tsx") or not pkg.has("ts-node") else "ts-node"
    elif runner == "nodemon":
        runner = "node"
    elif runner == "ts-node-dev":
        runner = "ts-node"
    words = [runner, *[w for w in kept if w not in _WATCH_OPTIONS], file]
    if runner in _LOCAL_BINS:
        words = ["npx", *words]
    return commands.join(words)


_PM2 = re.compile(r"\bpm2(?:-runtime)?\b")
# The first app's script and env of a pm2 ecosystem file written in JavaScript
_PM2_SCRIPT = re.compile(r"""\bscript\s*:\s*['"`]([^'"`\n]+)['"`]""")
_PM2_NODE_ENV = re.compile(r"""\bNODE_ENV\s*['"]?\s*:\s*['"`](\w+)['"`]""")


def _pm2_entry(pkg: Package, line: str) -> tuple[str, str] | None:
    """(file, command) that start what ``pm2 start ecosystem.config.json --no-daemon`` / ``pm2-runtime
    app.js`` runs, with node and the ecosystem's NODE_ENV (``NODE_ENV=production node src/index.js``);
    None when the file cannot be read."""
    for part in commands.segments(line):
        words = commands.tokens(part)
        at = next((i for i, w in enumerate(words) if _PM2.fullmatch(w)), -1)
        if at < 0:
            continue
        args = [w for w in words[at + 1:] if w != "start" and not w.startswith("-")]
        if not args:
            return None
        target, node_env = args[0], ""
        if re.search(r"(?:ecosystem|\.config)[\w.-]*\.(?:json|c?js)$|\.json$", target):
            target, node_env = _ecosystem(pkg.path / target)
        file = _resolve(pkg.path, target) if target else ""
        if not file:
            return None
        words = ["node", file]
        if re.fullmatch(r"\w+", node_env):
            words.insert(0, f"NODE_ENV={node_env}")
        return file, commands.join(words)
    return None


def _ecosystem(path: Path) -> tuple[str, str]:
    """(script, NODE_ENV) of the first app of a pm2 ecosystem file (JSON, or JavaScript read as text);
    "" for what it does not say."""
    text = read_text(path)
    if path.suffix != ".json":
        named, node_env = _PM2_SCRIPT.search(text), _PM2_NODE_ENV.search(text)
        return (named.group(1) if named else ""), (node_env.group(1) if node_env else "")
    try:
        data = json.loads(text)
    except ValueError:
        return "", ""
    apps = data.get("apps") if isinstance(data, dict) else None
    first: dict[str, Any] = apps[0] if isinstance(apps, list) and apps and isinstance(apps[0], dict) else {}
    given = first.get("env")
    env: dict[str, Any] = given if isinstance(given, dict) else {}
    script = first.get("script")
    return (script if isinstance(script, str) else ""), str(env.get("NODE_ENV", ""))


def _server_from_scripts(pkg: Package) -> Start | None:
    """A script of *pkg* (any name; production-looking names first) that runs a file creating a server."""
    ordered = sorted(pkg.scripts.items(), key=lambda kv: ("dev" in kv[0] or "watch" in kv[0], kv[0]))
    for name, line in ordered:
        found = _entry(pkg, line)
        if found is not None:
            runner, file, kept = found
            where = join(pkg.dir, "package.json")
            return Start(pkg, "", _entry_command(pkg, runner, file, kept),
                         f"{where} (scripts.{name} runs {join(pkg.dir, file)}, which creates the server)",
                         entry=file)
    return None


_SERVER_DIRS = ("server", "api", "backend", "src", ".")
_SERVER_NAMES = ("index", "server", "app", "main")


def _server_file(pkg: Package) -> Start | None:
    """A file under server/, api/, backend/ or src/ of *pkg* (or its top) that creates a server."""
    for sub in named_dirs(pkg.path, _SERVER_DIRS):
        for name in _SERVER_NAMES:
            for suffix in JS_SUFFIXES:
                file = join(sub, name + suffix)
                if (pkg.path / file).is_file() and creates_server(pkg.path / file):
                    command = _entry_command(pkg, "node", file, [])
                    return Start(pkg, "", command,
                                 f"{join(pkg.dir, file)} creates the server and listens (no script "
                                 "starts it)",
                                 entry=file)
    return None


def _main_start(pkg: Package) -> Start | None:
    """How *pkg*'s main file (or its server.js, index.js ...) starts: a script that runs it with variables
    it reads set (:func:`_main_with_env`), else ``node <main>``; None without such a file."""
    main = _main_file(pkg)
    if not pkg.server or not main:
        return None
    scripted = _main_with_env(pkg, main)
    if scripted is not None:
        return scripted
    # "main" names it only when it is that file: Nodejs-Passport-Login's main is index.js,
    # which does not exist, and server.js was said to be its main
    why = (f"{join(pkg.dir, 'package.json')} (main: {main})" if pkg.data.get("main") == main
           else f"{join(pkg.dir, main)} (a server file; no start script or main)")
    return Start(pkg, "", f"node {main}", why)


def _main_with_env(pkg: Package, main: str) -> Start | None:
    """A script of *pkg* that runs its *main* file with variables the file reads set (``"start:serverful":
    "cross-env SERVERFUL=true node api/index.js"``), production-looking names first; None without one.

    Such a file is a serverless handler that listens only when told to (``if (process.env.SERVERFUL)
    app.listen(...)``, dominggo1999/mern-monorepo): ``node api/index.js`` alone exported the app and exited
    0 at once, printing nothing, and `run` had no app to measure. A watcher script's variables are kept
    and its watcher dropped, as for any script (:func:`_entry_command`)."""
    text = read_text(pkg.path / main)
    ordered = sorted(pkg.scripts.items(), key=lambda kv: ("dev" in kv[0] or "watch" in kv[0], kv[0]))
    for name, line in ordered:
        for part in commands.with_cd(commands.segments(line)):
            env = commands.split_env(commands.tokens(commands.strip_cd(part)[1]))[0]
            read = [n for n in env
                    if re.search(rf"\bprocess\.env(?:\.{re.escape(n)}\b|\[['\"]{re.escape(n)}['\"]\])", text)]
            runs = [(runner, kept) for runner, file, kept in _runs(part) if _resolve(pkg.path, file) == main]
            if not read or not runs:
                continue
            where = (f"{join(pkg.dir, 'package.json')} (scripts.{name} runs {join(pkg.dir, main)}, main, "
                     f"with {', '.join(read)} set, which it reads)")
            if not _WATCHES.search(part) and len(commands.segments(line)) == 1:
                return Start(pkg, name, line, where, entry=main)
            runner, kept = runs[0]
            assigned = commands.join([f"{n}={v}" for n, v in env.items()])
            watched = ", started without its watcher" if _WATCHES.search(part) else ""
            return Start(pkg, "", f"{assigned} {_entry_command(pkg, runner, main, kept)}", where + watched,
                         entry=main)
    return None


def _main_file(pkg: Package) -> str:
    main = str(pkg.data.get("main") or "")
    for name in (main, "server.js", "index.js", "app.js", "server.mjs", "index.mjs"):
        if name and (pkg.path / name).is_file() and "express" in read_text(pkg.path / name) + str(pkg.server):
            return name
    return ""


def start_command(start: Start, tools_: Tools) -> tuple[str, list[str], dict[str, str]]:
    """(command that only starts the server, build steps taken out of the script, fixed env).

    A script that only starts the server runs through the package manager;
    one that also installs or builds (``npm run build && node server.js``)
    is split, and one whose port is fixed by a flag is rewritten to {port}.
    """
    parts = commands.with_cd(commands.segments(start.line))
    server = next((i for i in range(len(parts) - 1, -1, -1) if commands.is_server(parts[i])), len(parts) - 1)
    pre = [p for p in parts[:server] if commands.kind(p) != "install"]
    folder, rest = commands.strip_cd(parts[server]) if parts else ("", "")
    bound = commands.bind(rest) if parts else commands.Bound("")
    plain = len(parts) == 1 and bound.command == commands.join(commands.split_env(commands.tokens(rest))[1])
    if start.script and plain and not _STATIC_SERVERS.match(rest):
        return tools_.run(start.script, start.package), [], {}
    words = commands.tokens(bound.command)
    if words and words[0] in _LOCAL_BINS:
        words = ["npx", *words]
    command = commands.join(words)
    if folder:
        command = f"cd {commands.join([folder])} && {command}"
    if start.package.dir != ".":
        command = f"cd {start.package.dir} && {command}"
        pre = [f"cd {start.package.dir} && {p}" for p in pre]
    return command, pre, bound.env


# `node dist/index.js`: Node itself runs the file (not tsx, ts-node, bun)
_NODE_RUNS = re.compile(r"(?:^|&&|;)\s*(?:\w+=\S*\s+)*node\s+(?:--?[\w-]+(?:=\S+)?\s+)*[\w./@-]+\.[cm]?js\b")
# a script that runs a TypeScript file with tsx (`tsx watch --clear-screen=false src/index.ts | pino-pretty`)
_TSX_RUNS = re.compile(r"\btsx\s+(?:watch\s+)?(?:--?[\w-]+(?:=\S+)?\s+)*"
                       r"((?:[\w.@-]+/)*[\w.@-]+\.[cm]?tsx?)\b")
_TS_FILE = re.compile(r"\.(?:[cm]?ts|tsx)$")


def _entry_files(data: dict[str, Any]) -> list[str]:
    """The files a package.json's ``exports`` (its "." entry, plain or by condition) and ``main`` give."""
    exports = data.get("exports")
    dot = exports.get(".", exports) if isinstance(exports, dict) else exports
    found = [dot] if isinstance(dot, str) else [v for v in dot.values() if isinstance(v, str)] \
        if isinstance(dot, dict) else []
    return [*found, *([data["main"]] if isinstance(data.get("main"), str) else [])]


def typescript_members(start: Start, packages: list[Package]) -> tuple[list[str], str]:
    """(the workspace members of *start*'s package that export TypeScript source to Node, the file a script
    of the package runs with tsx) when its start runs a built file with plain ``node``: Turborepo's
    "just-in-time" internal packages (``"exports": {".": "./src/index.ts"}``, no build of their own) are
    compiled by their consumer's bundler, and a server build by tsc or tsup leaves them external, so
    ``node dist/index.js`` stops at their first type annotation ("SyntaxError: Missing initializer in const
    declaration"). ([], "") otherwise."""
    pkg = start.package
    if not _NODE_RUNS.search(start.line) or not pkg.workspace:
        return [], ""
    members = {p.name: p for p in packages if p.workspace and p is not pkg}
    # dependencies only: tsup leaves those external and bundles the devDependencies
    runtime = pkg.data.get("dependencies")
    runtime = runtime if isinstance(runtime, dict) else {}
    raw = [name for name, spec in runtime.items()
           if name in members and str(spec).startswith(("workspace:", "*"))]
    typescript = [name for name in raw if not members[name].scripts.get("build")
                  and any(_TS_FILE.search(f) for f in _entry_files(members[name].data))]
    # tsup's noExternal (or a bundler told to bundle them) compiles them into the server's build
    bundler = " ".join(read_text(pkg.path / f)
                       for f in ("tsup.config.ts", "tsup.config.js", "tsup.config.mjs"))
    if not typescript or "noExternal" in bundler or "noExternal" in json.dumps(pkg.data.get("tsup", {})):
        return [], ""
    return typescript, _tsx_served_file(pkg, start.entry)


# Scripts that run a TypeScript file with tsx for a task, not to serve: johchai/react-fastify-starter's
# `"build": "tsx build.ts"` (an esbuild script) and `"seed": "tsx prisma/seed.ts"` beside `"dev": "tsx watch
# ./src/index.ts"`; init took build.ts, the first, as the server, and `run` built instead of serving
_TSX_TASKS = re.compile(r"^(?:pre|post)?(?:build|compile|bundle|seed|migrate|generate|codegen|gen|test|lint|"
                        r"format|typecheck|check|clean|db|prisma|release|deploy|script)s?\b")


def _tsx_served_file(pkg: Package, entry: str) -> str:
    """The TypeScript file a script of *pkg* serves with tsx: the one whose name is the built *entry*'s
    (src/index.ts for dist/index.js), else the first a script that is no build, seed or other task runs;
    "" when none does."""
    files = [m.group(1) for name, script in pkg.scripts.items()
             if not _TSX_TASKS.match(name) and (m := _TSX_RUNS.search(script))]
    stem = PurePosixPath(entry).stem
    return next((f for f in files if PurePosixPath(f).stem == stem), files[0] if files else "")


# ---------------------------------------------------------------------------- the port


# server.listen(PORT), listen(+PORT), listen(Number(port)), listen({ port: config.port }); vite-express's
# ViteExpress.listen(app, 3000, ...), whose port comes second (tmastrom/vite-express-js: "could not tell how
# the server picks its port" of a server that always listens on 3000); and the shorthand `{ port, host }`
# (group 1 None), as Fastify 4+ takes its options (j10ra/fastify-drizzle-postgres's `const port =
# parseInt(process.env.API_PORT, 10) || 8000` then `server.listen({ port, host: '0.0.0.0' })`: no port found)
_LISTEN = re.compile(r"(?:\bViteExpress\.listen\(\s*\w+\s*,|\.listen\()"
                     r"\s*(?:(?:\{[^}]*?\bport\s*:\s*)?(?:\+\s*|Number\(\s*|parseInt\(\s*)?([\w.]+)"
                     r"|\{[^}]*?(?<![.\w$])port\b(?!\s*:))")
# @hono/node-server's serve({ fetch: app.fetch, port: Number(process.env.PORT) }), or its shorthand `port`
# (undefined: its default 3000)
_NODE_SERVE = re.compile(r"\bserve\(\s*\{[^}]*?\bport\b"
                         r"(?:\s*:\s*(?:\+\s*|Number\(\s*|parseInt\(\s*)?([\w.]+))?")
_BUN_SERVE = re.compile(r"\bBun\.serve\(\s*\{")
# process.env.PORT, process.env["PORT"], and NestJS's ConfigService, which reads the environment (and .env):
# config.get<number>('PORT'), configService.getOrThrow('APP_PORT'), app.get(ConfigService).get('PORT')
# ... in lower case too: facutk/cra-express-sqlite-fly's `const port = process.env.port || 8080` (fly.toml's
# internal_port is 8080; `run`'s PORT went unread): the variable is named as the code spells it
_ENV_PORT = re.compile(r"""(?:process\.env\.|process\.env\[\s*['"]|"""
                       r"""\b\w*[cC]onfig\w*\)?\s*\.\s*get(?:OrThrow)?\s*(?:<[^>()]*>)?\(\s*['"])"""
                       r"""(\w*PORT\w*|[pP]ort\b)""")


# An environment validated by a schema whose keys are the variables: envalid's cleanEnv(process.env, {PORT:
# port()}), zod's schema.parse(process.env), Joi's schema.validate(process.env), t3-env's createEnv({...,
# runtimeEnv: process.env}); the object it gives has the variables as keys (env.PORT is process.env.PORT)
_ENV_SCHEMA = re.compile(r"""\bcleanEnv\(\s*process\.env\b|"""
                         r"""\.(?:safeParse|parse|validate)\(\s*process\.env\b|"""
                         r"""\bruntimeEnv\s*:\s*process\.env\b""")
# what a module imports: `from '@api/common/lib/env'`, require('./config')
_IMPORTED = re.compile(r"""(?:require\(\s*|\bfrom\s+)['"]([^'"\n]+)['"]""")


def _imported_modules(file: Path, text: str, top: Path) -> list[Path]:
    """The files of the modules *file* imports by a relative path or a tsconfig path alias
    (``@api/common/lib/env`` with ``"@api/*": ["./src/*"]``)."""
    return [found for spec in _IMPORTED.findall(text) if (found := resolve_import(file, spec, top))]


def _imported_env_port(file: Path, text: str, root: Path, name: str) -> tuple[str, str] | None:
    """(variable, why) when a module *file* imports by a relative path or a path alias reads the port from
    the environment (basic-redis-chat-app: index.js listens on PORT from ./config, whose ``PORT =
    process.env.PORT || DEFAULT_PORT``); one import deep. The module's own *name* for the port (``port`` of
    ``config.port``) is looked for first: ``port: PORT || 3000`` with PORT destructured from process.env,
    or a key of the schema it validates process.env with (``env.PORT`` of envalid's ``cleanEnv(process.env,
    { PORT: port() })``)."""
    modules = _imported_modules(file, text, root)
    for module in modules:
        source = read_text(module)
        var = _env_named(source, name)
        if var:
            return var, f"{rel(module, root)} reads {var}"
        if re.fullmatch(r"[A-Z0-9_]*PORT[A-Z0-9_]*", name) and _ENV_SCHEMA.search(source) \
                and re.search(rf"(?<![\w$.]){name}\s*:", source):
            return name, f"{rel(module, root)} reads {name} (a schema it validates process.env with)"
    for module in modules:
        env = _ENV_PORT.search(read_text(module))
        if env:
            var = env.group(1)
            return var, f"{rel(module, root)} reads {var}"
    return None


# NestJS's ConfigService asked for a key of a namespace: configService.getOrThrow('app.port', { infer: true })
_NAMESPACED_KEY = re.compile(r"""\b\w*[cC]onfig\w*\)?\s*\.\s*get(?:OrThrow)?\s*(?:<[^>()]*>)?\(\s*"""
                             r"""['"]([A-Za-z_$][\w$]*)\.([A-Za-z_$][\w$]*)['"]""")


def _config_namespace_port(code: str, files: list[Path], root: Path) -> tuple[str, str] | None:
    """(variable, why) when *code* (a listen call, and the definition of the name it listens on) asks
    Nest's ConfigService for a namespaced key (``'app.port'``) and the ``registerAs('app', ...)`` factory
    of a file of *files* gives that key from the environment (brocoders/nestjs-boilerplate's ``port:
    process.env.APP_PORT ? parseInt(process.env.APP_PORT, 10) : process.env.PORT ? ... : 3000``: the first
    variable it reads is the one that wins)."""
    key = _NAMESPACED_KEY.search(code)
    if key is None:
        return None
    namespace = re.compile(rf"""\bregisterAs\s*(?:<[^>()]*>)?\(\s*['"]{re.escape(key.group(1))}['"]""")
    for file in files:
        text = read_text(file)
        found = namespace.search(text) if "registerAs" in text else None
        if found is None:
            continue
        var = _env_named(call_text(text, text.index("(", found.start())), key.group(2))
        if var:
            return var, f"{rel(file, root)} gives {key.group(1)}.{key.group(2)} from {var}"
    return None


# @fastify/env registered on the app (or env-schema): it validates process.env (and .env) against a JSON
# schema and decorates the instance with the result under its confKey ("config" unless the options say)
_FASTIFY_ENV = re.compile(r"""['"](?:@fastify/env|fastify-env|env-schema)['"]""")
_CONF_KEY = re.compile(r"""\bconfKey\s*:\s*['"]([A-Za-z_$][\w$]*)['"]""")


def _fastify_env_port(arg: str, files: list[Path], root: Path) -> tuple[str, str] | None:
    """(variable, why) when *arg*, what the server listens on, is a key of the object @fastify/env
    decorates the app with (johchai/react-fastify-starter's ``app.listen({ port:
    Number(app.config.SERVER_PORT) })``, SERVER_PORT from the environment or .env: init could not tell how
    the server picked its port, and the app listened on 4000 from its .env)."""
    parts = arg.split(".")
    if len(parts) < 3 or not re.fullmatch(r"[A-Z][A-Z0-9_]*", parts[-1]):
        return None
    for file in files:
        text = read_text(file)
        if _FASTIFY_ENV.search(text):
            key = _CONF_KEY.search(text)
            if parts[-2] == (key.group(1) if key else "config"):
                var = parts[-1]
                why = f"{rel(file, root)} registers @fastify/env, whose {parts[-2]}.{var} is that variable"
                return var, why
    return None


_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")


def _env_named(text: str, name: str) -> str:
    """The environment variable the JavaScript *text* gives its *name* from, "" when none: *name* itself
    destructured from process.env, or the outermost definition of *name* (``port: PORT || 3000`` of
    ``module.exports``, not ``port: REDIS_PORT`` of its nested ``redis``) reading process.env directly or
    through a name destructured from it."""
    locals_ = {d.local: d.name for d in destructured_env(text)}
    if name in locals_:
        return locals_[name]
    definitions = re.finditer(rf"(?<![\w$.]){re.escape(name)}\s*(?::|=(?![=>]))\s*([^;\n]+)", text)
    for m in sorted(definitions, key=lambda d: _depth(text, d.start())):
        env = _ENV_PORT.search(m.group(1))
        if env:
            return env.group(1)
        named = next((locals_[i] for i in _IDENTIFIER.findall(m.group(1)) if i in locals_), "")
        if named:
            return named
    return ""


def _depth(text: str, at: int) -> int:
    """How many braces are open at offset *at* of *text* (strings and comments not told apart)."""
    return text.count("{", 0, at) - text.count("}", 0, at)


# Apollo Server's standalone server without a port: apollo-server 2/3's listen() (`opts.length ? opts : [{
# port: 4000 }]`) and @apollo/server 4's startStandaloneServer (`listen ?? { port: 4000 }`)
APOLLO_PORT = 4000
_APOLLO_LISTEN = re.compile(r"\.listen\(\s*\)")
_STANDALONE = re.compile(r"\bstartStandaloneServer\(")
# startStandaloneServer(server, { listen: { port: 4000 } }), or the shorthand `{ port }`
_LISTEN_OPTION = re.compile(r"\blisten\s*:\s*\{[^}]*?\bport\b"
                            r"(?:\s*:\s*(?:\+\s*|Number\(\s*|parseInt\(\s*)?([\w.]+))?")


def _apollo_port(text: str) -> tuple[int, re.Match[str] | None, str] | None:
    """Where Apollo Server's standalone server in *text* picks its port: (offset of the call, the match of
    its ``port`` option whose group 1 is read as a ``listen(...)`` argument is, why) when it names one
    (``startStandaloneServer(server, { listen: { port: PORT } })``); (offset, None, why) when it listens
    on Apollo's default 4000 (``server.listen()`` of the ``apollo-server`` package, a
    ``startStandaloneServer`` without ``listen``); None for other code."""
    standalone = _STANDALONE.search(text)
    if standalone is not None:
        call = call_text(text, standalone.end() - 1)
        option = _LISTEN_OPTION.search(call)
        if option is not None:
            return standalone.start(), option, ""
        return standalone.start(), None, f"startStandaloneServer without listen.port listens on {APOLLO_PORT}"
    bare = _APOLLO_LISTEN.search(text)
    if bare is not None and re.search(r"""(?:from\s*|require\(\s*)['"]apollo-server['"]""", text) \
            and re.search(r"\bnew\s+ApolloServer\s*\(", text):
        return bare.start(), None, f"apollo-server's listen() without a port listens on {APOLLO_PORT}"
    return None


def node_port(
    folder: Path, skip: frozenset[str] = frozenset(), root: Path | None = None, entry: str = ""
) -> tuple[int | None, str, str]:
    """(fixed port, variable the server reads instead, why) from the server's ``listen(...)`` call,
    in the *entry* file first when known; the file is named relative to *root* (default *folder*)."""
    files = list(source_files(folder, JS_SUFFIXES, limit=400, skip=skip))
    if entry and (folder / entry).is_file():
        files = [folder / entry, *(f for f in files if f.resolve() != (folder / entry).resolve())]
    for file in files:
        text = read_text(file)
        path = Path(rel(file, root or folder))
        listen = _LISTEN.search(text) or (_NODE_SERVE.search(text) if "@hono/node-server" in text else None)
        bun = None if listen else _BUN_SERVE.search(text)
        if bun:
            # Bun.serve({ fetch }) listens on $BUN_PORT, $PORT, $NODE_PORT, else 3000 (Bun 1.4.5: PORT=4567
            # bun a.ts said 4567), and { port: 3999 } on 3999 whatever PORT says; both were "could not tell"
            if not re.search(r"\bport\b", call_text(text, text.index("(", bun.start()))):
                return None, "PORT", f"{path}: Bun.serve() without a port listens on PORT (Bun's default)"
            listen = _NODE_SERVE.search(text, bun.start())
        apollo = _apollo_port(text)
        if apollo is not None and (not listen or apollo[0] < listen.start()):
            listen = apollo[1]
            if listen is None:
                return APOLLO_PORT, "", f"{path}: {apollo[2]}"
        if not listen:
            continue
        arg = listen.group(1) or "port"  # serve({ fetch: app.fetch, port }): the shorthand's name
        if arg.isdigit() and int(arg) == 0:
            # listen(0) takes any free port the system gives: a helper server the app starts for itself
            # (imputnet/cobalt's internal tunnel, api/src/core/itunnel.js), never the one it is served on;
            # init said "port: 0" of an API that listens on API_PORT
            continue
        if arg.isdigit():
            return int(arg), "", f"{path}: listen({arg})"
        defined = (
            re.search(rf"\b{re.escape(arg.split('.')[-1])}\b\s*[:=]\s*([^;\n]+)", text)
            if arg != "port" or "port:" not in listen.group(0)
            else re.search(r"\bport\b\s*[:=]\s*([^;\n]+)", text)
        )
        value = defined.group(1) if defined else ""
        # listen(PORT) with `const { PORT = 3000 } = process.env`, or `const port = PORT || 3000` with PORT
        # destructured; before any other read of a *PORT* variable in the file (REDIS_PORT's)
        env = _ENV_PORT.search(value)
        var = (env.group(1)) if env else "" if "." in arg else _env_named(text, arg)
        env = None if var else _ENV_PORT.search(text)
        var = var or (env.group(1) if env else "")
        if var:
            return None, var, f"{path} reads {var}"
        imported = _imported_env_port(file, text, root or folder, arg.split(".")[-1])
        if imported:
            return None, imported[0], imported[1]
        namespaced = _config_namespace_port(call_text(text, text.index("(", listen.start())) + value, files,
                                            root or folder) or _fastify_env_port(arg, files, root or folder)
        if namespaced:
            return None, namespaced[0], namespaced[1]
        digits = re.fullmatch(r"\s*(?:parseInt\(|Number\()?\s*['\"]?(\d{2,5})['\"]?\)?\s*,?\s*", value)
        if digits:
            return int(digits.group(1)), "", f"{path}: {arg} = {digits.group(1)}"
    return None, "", ""


_EXPORTS_APP = re.compile(r"^\s*(?:export\s+default\s+[A-Za-z_$][\w$]*\s*;?\s*$|module\.exports\s*=\s*"
                          r"[A-Za-z_$][\w$]*\s*;?\s*$)", re.M)


def exports_without_listen(pkg: Package, entry: str = "", skip: frozenset[str] = frozenset(),
                           root: Path | None = None) -> tuple[str, str]:
    """(the server's entry file relative to *root*, default the package's folder; as its start script
    names it) when that file exports the app (``export default app``, ``module.exports = app``: a handler
    for a serverless host such as Vercel) and no file of its folder starts listening; ("", "")
    otherwise. *entry*: the file, relative to the package, when known, else the one ``scripts.start``
    runs. The app's start exits at once."""
    named = entry or next((name for _, name, _ in _runs(pkg.scripts.get("start", ""))), "")
    found = _resolve(pkg.path, named) if named else None
    file = pkg.path / found if found else None
    if file is None or not file.is_file() or not _EXPORTS_APP.search(read_text(file)):
        return "", ""
    folder = file.parent
    inner = skip if folder == pkg.path else frozenset()
    if any(_LISTENS.search(read_text(f)) for f in source_files(folder, JS_SUFFIXES, limit=400, skip=inner)):
        return "", ""
    return rel(file, root or pkg.path), Path(found or "").as_posix()


# ---------------------------------------------------------------------------- bundles


@dataclass
class Bundle:
    """Client build output: globs (relative to the root) and the file that told."""

    globs: list[str]
    source: str


def bundle_globs(pkg: Package, server_out: set[str]) -> Bundle | None:
    """The client build output of *pkg* as globs relative to the root, or None when it builds none.

    *server_out* holds output folders of server builds (relative to the
    root); a client folder that also receives them is narrowed to its assets.
    """
    deps = pkg.deps
    build = " && ".join(v for k, v in pkg.scripts.items() if k.startswith("build"))
    found: tuple[str, str, str] | None = None  # (folder, sub-folder with the assets, source)
    if is_adonis(pkg.path, deps):
        # Vite's public/assets, copied over by the build (Inertia's SSR build writes it there directly)
        assets = f"{build_folder(pkg.path)}/public/assets"
        found = (assets, "", f"AdonisJS: `node ace build` puts Vite's client bundle in {assets}")
    elif "next" in deps:
        found = (".next/static", "", "next in dependencies (.next/static)")
    elif "nuxt" in deps:
        found = (".output/public", "", "nuxt in dependencies (.output/public)")
    elif "@sveltejs/kit" in deps:
        found = (".svelte-kit/output/client", "", "@sveltejs/kit in dependencies")
    elif "react-scripts" in deps:
        found = ("build/static", "", "react-scripts in dependencies (build/static)")
    elif "@react-router/dev" in deps or "@remix-run/dev" in deps:
        # before vite: React Router's and Remix's Vite plugins set the output themselves (build/client),
        # and Remix's own compiler writes public/build; a vite.config.ts of theirs says no outDir, and
        # "dist" matched nothing (react-router-templates' node-postgres; remix-run/indie-stack)
        found = _remix_out(pkg)
    elif "astro" in deps:
        # before vite: Astro runs Vite itself, and with an adapter its server is built beside the client
        found = _astro_out(pkg)
    elif pkg.vite:
        found = _vite_out(pkg, build)
    elif "@vue/cli-service" in deps or _script_runs(build, "vue-cli-service"):
        found = _vue_cli_out(pkg, build)
    elif "webpack" in deps or "webpack-cli" in deps:
        found = _webpack_out(pkg, build)
    elif "@angular/cli" in deps or "@angular-devkit/build-angular" in deps or "@angular/build" in deps:
        found = _angular_out(pkg)
    elif "parcel" in deps:
        found = ("dist", "", "parcel default output (dist)")
    if found is None:
        return None
    folder, assets, source = found
    out = join(pkg.dir, folder)
    if assets and any(s == out or s.startswith(out + "/") for s in server_out):
        out = join(out, assets)
        source += f"; server code is built into it too, so only {assets}/"
    return Bundle([f"{out}/**/*.js", f"{out}/**/*.css"], source)


# adapter: node({ mode: 'standalone' }) in astro.config, also after another key on its line
# (defineConfig({ output: 'server', adapter: node() })), read with the comments blanked
_ASTRO_ADAPTER = re.compile(r"(?<![\w$.])adapter\s*:")


def _astro_out(pkg: Package) -> tuple[str, str, str]:
    """(folder, "", source) of Astro's client files: its ``outDir`` (``dist``) for a static site, and its
    ``client/`` folder with an adapter, whose build puts the server in ``server/`` beside it (the
    browser never loads those files; ``dist/**`` measured them)."""
    config = _config(pkg, "astro.config")
    text = read_text(config) if config else ""
    out = _path_value(text, "outDir")[0] or "dist"
    if config is not None and _ASTRO_ADAPTER.search(blank_comments(text)):
        return (f"{out}/client", "", f"{config.name}: with an adapter Astro builds the browser's files into "
                                     f"{out}/client/ and the server into {out}/server/")
    return (out, "", f"astro in dependencies, no adapter: a static site built into {out}/")


def _script_runs(build: str, tool: str) -> bool:
    """Whether the build script *build* runs *tool* itself (``vite build``, ``npx vite build``): a tool
    installed as another package's dependency (vite through ``@vitejs/plugin-vue`` or ``vitest``) is
    not among the package's own, yet it is what builds."""
    return any(re.match(rf"(?:npx\s+(?:--yes\s+)?)?{re.escape(tool)}(?:\s|$)", part)
               for part in commands.segments(build))


def _config(pkg: Package, stem: str) -> Path | None:
    for suffix in (".ts", ".js", ".mjs", ".mts", ".cjs", ".cts"):
        if (pkg.path / f"{stem}{suffix}").is_file():
            return pkg.path / f"{stem}{suffix}"
    return None


# path.resolve(HERE, "a", "b") / path.join(__dirname, "dist"): the quoted parts after a folder variable.
# path.resolve(__dirname, 'dist'), or join/resolve destructured from path (Nx's generated webpack.config.js:
# `const { join } = require('path')`, `join(__dirname, '../../dist/apps/api')`)
_JOINED = re.compile(r"""(?:\bpath\.|(?<![\w.$]))(?:resolve|join)\(\s*[\w.]+(?:\(\))?\s*,\s*"""
                     r"""((?:['"][^'"]*['"]\s*,?\s*)+)\)""")


def _path_value(text: str, key: str) -> tuple[str, bool]:
    """(folder, anchored) a config key names: ``key: "x"`` (relative to the tool's root) or
    ``key: path.resolve(__dirname, "a", "b")`` (any folder variable, also inside ``env || path.join(...)``:
    anchored, i.e. relative to the config file's folder)."""
    m = re.search(rf"\b{key}\s*:\s*([^\n]+)", text)
    if not m:
        return "", False
    expression = _expression(text, m.start(1))
    literal = re.match(r"""['"`]([^'"`]+)['"`]""", expression)
    if literal:
        return literal.group(1).strip("/").removeprefix("./") or ".", False
    joined = re.search(_JOINED, expression)
    if not joined:
        return "", False
    parts = re.findall(r"""['"]([^'"]*)['"]""", joined.group(1))
    return "/".join(p.strip("/").removeprefix("./") for p in parts if p.strip("./")) or ".", True


def _expression(text: str, start: int) -> str:
    """The value that starts at *start*: the rest of its line, or up to the parenthesis that closes a
    call spread over several lines (cookiecutter-django's ``path: path.resolve(`` with ``__dirname,`` and
    ``'../x/',`` on lines of their own)."""
    line = text[start:].split("\n", 1)[0]
    if line.count("(") <= line.count(")"):
        return line
    depth = 0
    for i in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0 and text[i] == ")":
            return text[start:i + 1]
    return line


def _vite_out(pkg: Package, build: str) -> tuple[str, str, str]:
    config = _config(pkg, "vite.config")
    text = read_text(config) if config else ""
    name = join(pkg.dir, config.name) if config else join(pkg.dir, "package.json")
    flag = re.search(r"vite build[^&;]*?--outDir[ =](\S+)", build)
    if flag and "--ssr" not in flag.group(0):
        return (
            flag.group(1).strip("/").removeprefix("./"),
            "assets",
            f"{join(pkg.dir, 'package.json')} (vite build --outDir)",
        )
    at = text.find("build:")
    block = text[at:] if at >= 0 else ""
    out, anchored = _path_value(block, "outDir") if block else ("", False)
    assets = _path_value(block, "assetsDir")[0] if block else ""
    root, _ = _path_value(text[:at] if at >= 0 else text, "root")
    base = root if root not in ("", ".") and not anchored else ""
    folder = join(base or ".", out or "dist")
    where = "build.outDir" if out else "default dist"
    return folder, assets or "assets", f"{name} ({where}" + (f" under root {root})" if base else ")")


def _remix_out(pkg: Package) -> tuple[str, str, str]:
    """The client build of React Router's framework mode or Remix: ``<buildDirectory>/client`` (default
    ``build``) with their Vite plugins, read from react-router.config.* (React Router 7) or the plugin's
    options in vite.config.* (Remix 2, ``remix({buildDirectory})``); with Remix's own compiler (no Vite
    plugin) ``assetsBuildDirectory`` of remix.config.* (default ``public/build``)."""
    if "@react-router/dev" in pkg.deps:
        config = _config(pkg, "react-router.config")
        folder = _path_value(read_text(config), "buildDirectory")[0] if config else ""
        name = join(pkg.dir, config.name) if config else "@react-router/dev"
        return (f"{folder or 'build'}/client", "",
                f"{name} ({'buildDirectory' if folder else 'default build'}/client)")
    vite = _config(pkg, "vite.config")
    text = read_text(vite) if vite else ""
    if vite and re.search(r"\bvitePlugin\b|@remix-run/dev", text):
        folder = _path_value(text, "buildDirectory")[0]
        return (f"{folder or 'build'}/client", "",
                f"{join(pkg.dir, vite.name)} (Remix's Vite plugin, "
                f"{'buildDirectory' if folder else 'default build'}/client)")
    config = _config(pkg, "remix.config")
    folder = _path_value(read_text(config), "assetsBuildDirectory")[0] if config else ""
    name = join(pkg.dir, config.name) if config else "@remix-run/dev"
    return (folder or "public/build", "",
            f"{name} (Remix's compiler, {'assetsBuildDirectory' if folder else 'default public/build'})")


def _vue_cli_out(pkg: Package, build: str) -> tuple[str, str, str]:
    """Vue CLI's output: ``vue-cli-service build --dest X``, else ``outputDir`` of vue.config.js (relative
    to the project's root, which is the config's folder), else dist (cli.vuejs.org/config, outputDir)."""
    flag = re.search(r"vue-cli-service build[^&;]*?--dest[ =](\S+)", build)
    if flag:
        return (flag.group(1).strip("/").removeprefix("./"), "",
                f"{join(pkg.dir, 'package.json')} (vue-cli-service build --dest)")
    config = _config(pkg, "vue.config")
    folder = _path_value(read_text(config), "outputDir")[0] if config else ""
    name = join(pkg.dir, config.name) if config else "@vue/cli-service"
    return folder or "dist", "", f"{name} ({'outputDir' if folder else 'default dist'})"


# webpack --config webpack/prod.config.js (also -c, --config=)
_WEBPACK_CONFIG = re.compile(r"\bwebpack(?:-cli)?\b[^&;|]*?\s(?:--config|-c)[ =](\S+)")
# a config module the config takes its settings from: require('./common.config'), import x from "./base.js"
_LOCAL_MODULE = re.compile(r"""(?:require\(\s*|\bfrom\s+)['"](\.{1,2}/[^'"]+)['"]""")


def _webpack_config(pkg: Package, build: str) -> Path | None:
    """The config file the build script names (``webpack --config webpack/prod.config.js``), else
    webpack.config.* of *pkg*, else None."""
    flag = _WEBPACK_CONFIG.search(build)
    named = pkg.path / flag.group(1) if flag else None
    return named if named is not None and named.is_file() else _config(pkg, "webpack.config")


# A build script that gives NODE_ENV itself: NODE_ENV=production webpack, cross-env NODE_ENV=production,
# webpack-cli's --node-env production (4.7+)
_SETS_NODE_ENV = re.compile(r"\bNODE_ENV=|--node-env\b")


def webpack_production_test(pkg: Package) -> str:
    """Where (``file:line``) the webpack config *pkg*'s build script runs builds for production only when
    ``process.env.NODE_ENV`` is "production" while that script, which runs webpack, does not set it; ""
    otherwise. ``webpack --mode production`` sets ``process.env.NODE_ENV`` for the bundled code, not for
    the config file: react-webpack-full-stack's ``isProd = process.env.NODE_ENV === "production"`` chose
    ``[name].bundle.js``, inline source maps and no brotli plugin under ``npm run build`` (vendors 1.2 MiB
    instead of its 223 KiB with content hashes), what its README calls the production build."""
    build = " && ".join(v for k, v in pkg.scripts.items() if k.startswith("build"))
    if not _script_runs(build, "webpack") or _SETS_NODE_ENV.search(build):
        return ""
    config = _webpack_config(pkg, build)
    text = read_text(config) if config else ""
    if config is None or "NODE_ENV" not in text:
        return ""
    for at, _start, _end in production_spans(text):
        return f"{join(pkg.dir, rel(config, pkg.path))}:{text.count(chr(10), 0, at) + 1}"
    return ""


def _webpack_out(pkg: Package, build: str = "") -> tuple[str, str, str]:
    """webpack's output folder (relative to *pkg*'s folder): ``output.path`` of the config the build
    script names (``webpack --config webpack/prod.config.js``), else of webpack.config.*, or of a config
    module it merges (webpack-merge's ``merge(require('./common.config'), {...})``: at most 5 files);
    a ``path.resolve(__dirname, ...)`` is taken from the config's own folder. Else webpack's dist."""
    config = _webpack_config(pkg, build)
    if config is None:
        return "dist", "", "webpack (default dist)"
    todo: list[Path] = [config]
    seen: list[Path] = []
    while todo and len(seen) < 5:
        current = todo.pop(0)
        seen.append(current)
        text = read_text(current)
        at = re.search(r"\boutput\s*:\s*\{", text)
        folder, anchored = _path_value(text[at.end():], "path") if at else ("", False)
        if folder:
            base = os.path.relpath(current.parent, pkg.path) if anchored else "."
            folder = os.path.normpath(os.path.join(base, folder)).replace(os.sep, "/")
            shown = os.path.relpath(current, pkg.path).replace(os.sep, "/")
            return folder, "", f"{join(pkg.dir, shown)} (output.path)"
        for m in _LOCAL_MODULE.finditer(text):
            module = current.parent / m.group(1)
            found = next((c for c in (module, *(module.with_name(module.name + s) for s in (".js", ".cjs",
                          ".mjs", ".ts"))) if c.is_file()), None)
            if found is not None and found not in seen and found not in todo:
                todo.append(found)
    shown = os.path.relpath(config, pkg.path).replace(os.sep, "/")
    return "dist", "", f"{join(pkg.dir, shown)} (default dist)"


@dataclass(frozen=True)
class AngularBuild:
    """The build target of an Angular workspace's application (angular.json): its project's name, its
    builder (``@angular/build:application``) and its options and configurations as written."""

    project: str
    builder: str
    options: dict[str, Any]
    configurations: dict[str, Any]
    default: str

    @property
    def application(self) -> bool:
        """Whether the builder is Angular 17+'s application builder (``@angular/build:application``,
        ``@angular-devkit/build-angular:application``), which writes the browser's files into a folder of
        their own under the output path."""
        return self.builder.endswith(":application")

    def default_configuration(self) -> dict[str, Any]:
        """The options of the configuration ``ng build`` uses without ``--configuration`` (the
        target's ``defaultConfiguration``; the CLI's new projects say ``production``)."""
        chosen = self.configurations.get(self.default)
        return chosen if isinstance(chosen, dict) else {}


def angular_build(pkg: Package) -> AngularBuild | None:
    """The build target of the application angular.json in *pkg* names first (its ``defaultProject``
    when it has one), or None when there is no angular.json, it is not JSON (the CLI writes plain JSON) or
    no project has a build target."""
    try:
        data = json.loads(read_text(pkg.path / "angular.json"))
    except ValueError:
        return None
    projects = data.get("projects") if isinstance(data, dict) else None
    if not isinstance(projects, dict):
        return None
    named = [(k, v) for k, v in projects.items() if isinstance(v, dict)]
    # a library (projectType "library") builds with ng-packagr: no page to serve or bundle to measure
    ordered = sorted(named, key=lambda kv: (kv[0] != data.get("defaultProject"),
                                            kv[1].get("projectType", "application") != "application"))
    for name, project in ordered:
        targets = project.get("architect") or project.get("targets") or {}
        build = targets.get("build") if isinstance(targets, dict) else None
        if isinstance(build, dict):
            options = build.get("options")
            options = options if isinstance(options, dict) else {}
            configurations = build.get("configurations")
            return AngularBuild(name, str(build.get("builder", "")), options,
                                configurations if isinstance(configurations, dict) else {},
                                str(build.get("defaultConfiguration", "")))
    return None


def _angular_out(pkg: Package) -> tuple[str, str, str]:
    # outputPath is relative to the workspace (angular.json's folder) and defaults to dist/<project>; the
    # application builder (Angular 17+) writes the browser's files into its "browser" folder (outputPath's
    # "browser" key, "" for none) and a server build beside it in "server" (angular.dev, the application
    # builder's outputPath option)
    source = f"{join(pkg.dir, 'angular.json')} (outputPath)"
    build = angular_build(pkg)
    if build is None:
        m = re.search(r'"outputPath"\s*:\s*"([^"]+)"', read_text(pkg.path / "angular.json"))
        return (m.group(1) if m else "dist", "", source)
    out = build.options.get("outputPath")
    browser = "browser" if build.application else ""
    if isinstance(out, dict):
        base = str(out.get("base") or f"dist/{build.project}")
        browser = str(out.get("browser", browser)) if build.application else ""
    else:
        base = str(out) if isinstance(out, str) and out else f"dist/{build.project}"
    folder = os.path.normpath(os.path.join(base, browser)).replace(os.sep, "/")
    if browser:
        source += f"; {build.builder} writes the browser's files into {browser}/"
    return (folder, "", source)


def server_outputs(packages: list[Package]) -> set[str]:
    """Folders (relative to the root) that server builds write: esbuild/tsc/vite --ssr in build scripts."""
    out: set[str] = set()
    for pkg in packages:
        for line in (v for k, v in pkg.scripts.items() if k.startswith("build")):
            for part in commands.segments(line):
                out |= {join(pkg.dir, f) for f in _server_out(part, pkg)}
    return out


def _out_folder(raw: str) -> str:
    """An output folder as a build option names it, relative to the package: ``./dist/`` -> ``dist``, and
    ``.build`` kept (strip("./") took the dot of a dot-folder too: ``node .build/server.js`` read as a file
    no build makes)."""
    return posixpath.normpath(raw.rstrip("/") or ".")


def _server_out(part: str, pkg: Package) -> set[str]:
    out: set[str] = set()
    if part.startswith(("esbuild", "npx esbuild")) and "--platform=node" in part:
        m = re.search(r"--outdir[= ](\S+)", part) or re.search(r"--outfile[= ](\S+)/[^/\s]+", part)
        out.add(_out_folder(m.group(1)) if m else "dist")
    elif "vite build" in part and "--ssr" in part:
        m = re.search(r"--outDir[ =](\S+)", part)
        out.add(_out_folder(m.group(1)) if m else "dist")
    elif re.match(r"(?:npx )?tsc\b", part) and pkg.server:
        m = re.search(r"(?:-p|--project)\s+(\S+)", part)
        config = pkg.path / (m.group(1) if m else "tsconfig.json")  # -p names a file or its folder
        config = config / "tsconfig.json" if config.is_dir() else config
        found = tsconfig_options(config, pkg.root).get("outDir")
        # relative to the package, "../" where a shared config's outDir leaves it (join normalises it)
        out.add(Path(os.path.relpath(found, pkg.path.resolve())).as_posix()
                if isinstance(found, Path) else ".")
    return out
