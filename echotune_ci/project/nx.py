"""Nx workspaces for ``init``: the projects an ``nx.json`` workspace defines, and what their targets build.

An Nx "integrated" workspace has one package.json at the top and a ``project.json`` per app and library
(or an ``"nx"`` key in a member's package.json); an app is built by an executor its build target names
(``"executor": "@nx/esbuild:esbuild"``) into the folder its ``outputPath`` option gives, and started by
``nx serve``, a development watcher. What production runs is the built file:
``node dist/apps/api/main.js``. Nothing here runs Nx; options are read as written (the target's
``options`` with its ``defaultConfiguration``'s over them), without Nx's plugins' inferred targets
except a webpack or Vite config beside the project.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from .files import JS_SUFFIXES, join, read_json_dict, source_files
from .nodeapp import Package, _vite_out, _webpack_out, creates_server

# Executors that run a built Node program (``nx serve api``), naming the build target in ``buildTarget``
_NODE_RUNNERS = frozenset({"@nx/js:node", "@nrwl/js:node", "@nx/node:node", "@nrwl/node:node",
                           "@nrwl/node:execute", "@nx/node:execute"})
_ESBUILD = frozenset({"@nx/esbuild:esbuild", "@nrwl/esbuild:esbuild"})
_WEBPACK = frozenset({"@nx/webpack:webpack", "@nrwl/webpack:webpack", "@nrwl/web:webpack",
                      "@nx/node:webpack", "@nrwl/node:webpack", "@nrwl/node:build"})
_TSC = frozenset({"@nx/js:tsc", "@nrwl/js:tsc", "@nx/js:swc", "@nrwl/js:swc"})
_VITE = frozenset({"@nx/vite:build", "@nrwl/vite:build"})
# Folders no project lives in
_SKIP = frozenset({"node_modules", ".git", "dist", "tmp", ".nx", ".angular", "coverage", ".cache"})


@dataclass(frozen=True)
class NxProject:
    """One Nx project: its name, its folder relative to the workspace root, the file defining it and its
    targets as written (target name -> the target's object)."""

    name: str
    root: str
    file: str
    targets: dict[str, dict[str, Any]]

    def executor(self, target: str) -> str:
        """The executor of *target* ("" when the project has no such target or names none)."""
        return str(self.targets.get(target, {}).get("executor", ""))

    def options(self, target: str, configuration: str = "") -> dict[str, Any]:
        """*target*'s options with those of *configuration* (default: its ``defaultConfiguration``) over
        them, as Nx merges them; {} for a target the project lacks."""
        spec = self.targets.get(target, {})
        options = spec.get("options")
        merged: dict[str, Any] = dict(options) if isinstance(options, dict) else {}
        name = configuration or str(spec.get("defaultConfiguration", ""))
        configurations = spec.get("configurations")
        chosen = configurations.get(name) if isinstance(configurations, dict) and name else None
        if isinstance(chosen, dict):
            merged.update(chosen)
        return merged


@dataclass(frozen=True)
class NxServer:
    """The Node server an Nx workspace builds: its project, the build target, the source file the build
    starts from and the file it writes, both relative to the workspace root, and which file said so."""

    project: NxProject
    target: str
    entry: str
    output: str
    source: str


@dataclass(frozen=True)
class NxClient:
    """A web app an Nx workspace builds: its project, the build target and its output folder (relative to
    the workspace root), and which file said so."""

    project: NxProject
    target: str
    output: str
    source: str


def nx_projects(root: Path) -> list[NxProject]:
    """The projects of the Nx workspace at *root* (an ``nx.json`` there), by folder; [] for any other
    folder. A project is a ``project.json`` (its ``name``, else its folder's name; ``targets``, or the
    ``architect`` of Nx before 13) or a package.json with an ``"nx"`` key (its package name), at most six
    folders deep, outside node_modules and build folders."""
    if not (root / "nx.json").is_file():
        return []
    found: dict[str, NxProject] = {}
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        depth = len(here.relative_to(root).parts)
        dirs[:] = sorted(d for d in dirs if d not in _SKIP and not d.startswith(".") and depth < 6)
        where = here.relative_to(root).as_posix() if here != root else "."
        if "project.json" in files:
            data = read_json_dict(here / "project.json")
            targets = data.get("targets", data.get("architect"))
            found[where] = NxProject(str(data.get("name") or here.name), where, join(where, "project.json"),
                                     _targets(targets))
        elif "package.json" in files and where != ".":
            data = read_json_dict(here / "package.json")
            nx = data.get("nx")
            if isinstance(nx, dict):
                found[where] = NxProject(str(nx.get("name") or data.get("name") or here.name), where,
                                         join(where, "package.json"), _targets(nx.get("targets")))
    return [found[k] for k in sorted(found)]


def _targets(value: Any) -> dict[str, dict[str, Any]]:
    """The targets of a project file's ``targets`` object, each an object."""
    if not isinstance(value, dict):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, dict)}


def nx_runner(manager: str) -> str:
    """How the workspace's package manager runs its local ``nx``: ``npx nx``, ``pnpm exec nx``,
    ``yarn nx``, ``bunx nx``."""
    return {"pnpm": "pnpm exec nx", "yarn": "yarn nx", "bun": "bunx nx"}.get(manager, "npx nx")


def nx_server(root: Path, projects: list[NxProject]) -> NxServer | None:
    """The Node server of the workspace: the build a ``serve`` target's Node executor runs
    (``"executor": "@nx/js:node"``, ``"buildTarget": "api:build"``), else an application whose build
    target bundles for Node (esbuild, webpack with ``"target": "node"``, tsc) and whose folder has a file
    that creates a server and listens. None when there is none, or the output file cannot be told."""
    by_name = {p.name: p for p in projects}
    for project in projects:
        for spec in project.targets.values():
            if str(spec.get("executor", "")) not in _NODE_RUNNERS:
                continue
            options = spec.get("options")
            named = str(options.get("buildTarget") or "") if isinstance(options, dict) else ""
            parts = named.split(":")
            built = by_name.get(parts[0]) if len(parts) >= 2 else None
            if built is None:
                continue
            found = _node_output(root, built, parts[1], parts[2] if len(parts) > 2 else "")
            if found is not None:
                return found
    for project in projects:
        executor = project.executor("build")
        if executor in _VITE or executor in _WEBPACK and _web_target(project):
            continue
        if not any(creates_server(f) for f in source_files(root / project.root, JS_SUFFIXES, limit=200)):
            continue
        found = _node_output(root, project, "build", "")
        if found is not None:
            return found
    return None


def _web_target(project: NxProject) -> bool:
    """Whether *project*'s webpack build targets the browser: ``"target": "web"`` or an ``index`` page
    (the executor's default target is web; a Node app's generator writes ``"target": "node"``)."""
    options = project.options("build")
    return str(options.get("target", "web" if options.get("index") else "")) == "web"


def _node_output(root: Path, project: NxProject, target: str, configuration: str) -> NxServer | None:
    """What *project*'s *target* writes for Node to run, as its executor names the file (the executors'
    own code): esbuild, ``<outputPath>/<outputFileName or main's name>`` with ``.cjs`` for the cjs
    format unless ``esbuildOptions.outExtension`` maps ``.js`` to ``.js``, ``.js`` for esm (the default
    format); webpack, ``<outputPath>/<outputFileName>`` (default ``main.js``); tsc and swc,
    ``<outputPath>/`` and the main file's path in the project, as ``.js``. A target Nx infers from a
    ``webpack.config.*`` beside the project (no ``build`` in project.json) is read from that config's
    ``output.path``, with main.js. None for another executor or a target without the options."""
    executor = project.executor(target)
    options = project.options(target, configuration)
    out = str(options.get("outputPath") or "").strip("/").removeprefix("./")
    main = str(options.get("main") or "").removeprefix("./")
    where = f"{project.file} ({target}: {executor or 'inferred'}"
    if not executor and target == "build":
        config = _config(root, project, "webpack.config")
        if config is None:
            return None
        folder = _webpack_out(Package(project.root, root / project.root, {}))[0]
        out = os.path.normpath(os.path.join(project.root, folder)).replace(os.sep, "/")
        entry = next((join(project.root, f"src/main{s}") for s in (".ts", ".js")
                      if (root / project.root / f"src/main{s}").is_file()), "")
        if not entry or out.startswith(".."):
            return None
        return NxServer(project, target, entry, f"{out}/main.js",
                        f"{join(project.root, config.name)} (Nx's webpack plugin infers the build target: "
                        f"output.path, main.js)")
    if not out or not main:
        return None
    if executor in _ESBUILD:
        formats = options.get("format", ["esm"])
        first = str((formats or ["esm"])[0] if isinstance(formats, list) else formats)
        esbuild = options.get("esbuildOptions")
        ext_map = esbuild.get("outExtension") if isinstance(esbuild, dict) else None
        asked = str(ext_map.get(".js", "")) if isinstance(ext_map, dict) else ""
        if first == "cjs":
            ext = ".js" if asked == ".js" else ".cjs"
        else:
            ext = ".mjs" if asked == ".mjs" else ".js"
        name = PurePosixPath(str(options.get("outputFileName") or main)).stem
        file, how = f"{out}/{name}{ext}", f"outputPath, {first} format: {ext})"
    elif executor in _WEBPACK:
        file, how = f"{out}/{options.get('outputFileName') or 'main.js'}", "outputPath, outputFileName)"
    elif executor in _TSC:
        inside = os.path.relpath(main, project.root).replace(os.sep, "/")
        file, how = f"{out}/{PurePosixPath(inside).with_suffix('.js')}", "outputPath and main)"
    else:
        return None
    return NxServer(project, target, main, file, f"{where}, {how}")


def _config(root: Path, project: NxProject, stem: str) -> Path | None:
    """The project's ``<stem>.{js,cjs,mjs,ts,mts}`` file, None when it has none."""
    folder = root / project.root
    return next((folder / f"{stem}{s}" for s in (".js", ".cjs", ".mjs", ".ts", ".mts")
                 if (folder / f"{stem}{s}").is_file()), None)


def nx_clients(root: Path, projects: list[NxProject], server: NxServer | None) -> list[NxClient]:
    """The web apps of the workspace and their output folders: a Vite build (``@nx/vite:build``:
    ``outputPath``, else the config's ``build.outDir``), a webpack build for the browser
    (:func:`_web_target`: ``outputPath``), or, with no build target, a folder with an ``index.html`` and
    a ``vite.config.*`` (Nx's Vite plugin infers the build from it). Libraries (no index page) and the
    server's project are left out."""
    out: list[NxClient] = []
    for project in projects:
        if server is not None and project is server.project:
            continue
        folder = root / project.root
        executor = project.executor("build")
        options = project.options("build")
        given = str(options.get("outputPath") or "").strip("/").removeprefix("./")
        if executor in _VITE or not executor and _config(root, project, "vite.config") is not None:
            if not ((folder / "index.html").is_file() or (folder / "src/index.html").is_file()):
                continue
            if given:
                out.append(NxClient(project, "build", given, f"{project.file} (build: {executor}, "
                                                             "outputPath)"))
                continue
            found, _, said = _vite_out(Package(project.root, folder, {}), "")
            path = os.path.normpath(os.path.join(project.root, found)).replace(os.sep, "/")
            if not path.startswith(".."):
                out.append(NxClient(project, "build", path, said))
        elif executor in _WEBPACK and _web_target(project) and given:
            out.append(NxClient(project, "build", given, f"{project.file} (build: {executor}, outputPath)"))
    return out
