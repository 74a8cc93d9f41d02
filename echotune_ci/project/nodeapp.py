"""How ``init`` serves a Node app: packages and workspaces, the package manager, the real server, bundles.

:func:`node_packages` lists the root package.json, its npm/yarn/pnpm
workspaces and conventional sub-folders (client/, server/...);
:func:`server_script` finds the script that starts the real server
(``start``, then ``serve``/``preview`` when they run node, ``dev`` only as a
last resort); :func:`bundle_globs` follows the client's build tool to its
output folder and leaves server bundles out; :func:`node_port` reads how the
server picks its port.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import commands
from .files import JS_SUFFIXES, join, read_json_dict, read_text, read_yaml, rel, source_files

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
_STATIC_SERVERS = re.compile(r"^(?:npx\s+)?(?:vite preview|serve\b|http-server\b|live-server\b)")
_LOCAL_BINS = (
    "next",
    "nuxt",
    "nuxi",
    "vite",
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
    """One package.json: its folder relative to the root ("." for the root), scripts and dependencies."""

    dir: str
    path: Path
    data: dict[str, Any]
    workspace: bool = False

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
        return self.has(*CLIENT_TOOLS)


@dataclass
class Tools:
    """The package manager the lockfile asks for: install command, lockfile, how to run scripts."""

    manager: str
    install: str
    lockfile: str
    checks: list[str] = field(default_factory=list)

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
            "bun": f"cd {package.dir} && {base}",
        }[self.manager]


def tools(folder: Path, data: dict[str, Any]) -> Tools:
    """The package manager of the package in *folder* (lockfile first, then packageManager)."""
    if (folder / "pnpm-lock.yaml").is_file():
        return Tools("pnpm", "pnpm install --frozen-lockfile", "pnpm-lock.yaml")
    if (folder / "yarn.lock").is_file():
        berry = (folder / ".yarnrc.yml").is_file() or str(data.get("packageManager", "")).startswith(
            ("yarn@2", "yarn@3", "yarn@4")
        )
        return Tools(
            "yarn", "yarn install --immutable" if berry else "yarn install --frozen-lockfile", "yarn.lock"
        )
    if (folder / "package-lock.json").is_file() or (folder / "npm-shrinkwrap.json").is_file():
        return Tools("npm", "npm ci", "package-lock.json")
    for name in ("bun.lockb", "bun.lock"):
        if (folder / name).is_file():
            return Tools("bun", "bun install --frozen-lockfile", name)
    manager = str(data.get("packageManager", "npm")).split("@", 1)[0]
    manager = manager if manager in ("npm", "yarn", "pnpm") else "npm"
    return Tools(
        manager,
        f"{manager} install",
        "",
        [f"no lockfile: `{manager} install` resolves versions anew on every setup; commit one"],
    )


def node_packages(root: Path) -> list[Package]:
    """The root package (when there is one), its workspaces, then conventional sub-folders with a
    package.json of their own."""
    data = read_json_dict(root / "package.json", strict=True)
    out: list[Package] = [Package(".", root, data)] if (root / "package.json").is_file() else []
    seen = {root.resolve()}
    for folder in _workspace_folders(root, data):
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
    for name in _SUBFOLDERS:
        folder = root / name
        if folder.resolve() not in seen and (folder / "package.json").is_file():
            seen.add(folder.resolve())
            out.append(Package(name, folder, read_json_dict(folder / "package.json")))
    return out


def _workspace_folders(root: Path, data: dict[str, Any]) -> list[Path]:
    spaces = data.get("workspaces")
    if isinstance(spaces, dict):
        spaces = spaces.get("packages")
    globs = [str(g) for g in spaces] if isinstance(spaces, list) else []
    pnpm = read_yaml(root / "pnpm-workspace.yaml") if (root / "pnpm-workspace.yaml").is_file() else None
    if isinstance(pnpm, dict) and isinstance(pnpm.get("packages"), list):
        globs += [str(g) for g in pnpm["packages"]]
    out: list[Path] = []
    for pattern in globs:
        if pattern.startswith(("!", "/")) or ".." in pattern or not pattern.strip("/"):
            continue
        out += sorted(
            p for p in root.glob(pattern.rstrip("/")) if p.is_dir() and "node_modules" not in p.parts
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


def server_script(packages: list[Package]) -> Start | None:
    """The real server's start: a server package's ``start``, then ``serve``/``preview`` that run a
    server, then a framework's own start (Next, Nuxt), a static preview of a single-page app, and
    ``dev`` only as a last resort."""
    servers = [p for p in packages if p.server] or [
        p for p in packages if p.has("next", "nuxt", "@remix-run/serve")
    ]
    servers += [p for p in packages if p not in servers]
    for pkg in servers:
        for script in ("start", "start:prod", "serve", "preview", "prod"):
            line = pkg.scripts.get(script, "")
            if line and (script in ("start", "start:prod", "prod") or not _STATIC_SERVERS.match(line)):
                return Start(pkg, script, line, f"{join(pkg.dir, 'package.json')} (scripts.{script})")
    for pkg in servers:
        main = _main_file(pkg)
        if pkg.server and main:
            return Start(pkg, "", f"node {main}", f"{join(pkg.dir, 'package.json')} (main: {main})")
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
                )
    if any(p.has("vite", "react-scripts") and "build" in p.scripts for p in packages):
        return (
            None  # a single-page app: its build is previewed (see app._static_fallback), not its dev server
        )
    for pkg in servers:
        if pkg.scripts.get("dev"):
            return Start(
                pkg,
                "dev",
                pkg.scripts["dev"],
                f"{join(pkg.dir, 'package.json')} (scripts.dev)",
                "only a dev script starts the app: measured the development server, "
                "not what production serves",
            )
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
    parts = commands.segments(start.line)
    server = next((i for i in range(len(parts) - 1, -1, -1) if commands.is_server(parts[i])), len(parts) - 1)
    pre = [p for p in parts[:server] if commands.kind(p) != "install"]
    bound = commands.bind(parts[server]) if parts else commands.Bound("")
    plain = len(parts) == 1 and bound.command == commands.join(
        commands.split_env(commands.tokens(parts[0]))[1]
    )
    if start.script and plain and not _STATIC_SERVERS.match(start.line):
        return tools_.run(start.script, start.package), [], {}
    words = commands.tokens(bound.command)
    if words and words[0] in _LOCAL_BINS:
        words = ["npx", *words]
    command = commands.join(words)
    if start.package.dir != ".":
        command = f"cd {start.package.dir} && {command}"
        pre = [f"cd {start.package.dir} && {p}" for p in pre]
    return command, pre, bound.env


# ---------------------------------------------------------------------------- the port


_LISTEN = re.compile(r"\.listen\(\s*(?:\{[^}]*?\bport\s*:\s*)?([\w.]+)")
_ENV_PORT = re.compile(r"process\.env\.(\w*PORT\w*)|process\.env\[\s*['\"](\w*PORT\w*)['\"]\s*\]")


def node_port(
    folder: Path, skip: frozenset[str] = frozenset(), root: Path | None = None
) -> tuple[int | None, str, str]:
    """(fixed port, variable the server reads instead, why) from the server's ``listen(...)`` call;
    the file is named relative to *root* (default *folder*)."""
    for file in source_files(folder, JS_SUFFIXES, limit=400, skip=skip):
        text = read_text(file)
        path = Path(rel(file, root or folder))
        listen = _LISTEN.search(text)
        if not listen:
            continue
        arg = listen.group(1)
        if arg.isdigit():
            return int(arg), "", f"{path}: listen({arg})"
        defined = (
            re.search(rf"\b{re.escape(arg.split('.')[-1])}\b\s*[:=]\s*([^;\n]+)", text)
            if arg != "port" or "port:" not in listen.group(0)
            else re.search(r"\bport\b\s*[:=]\s*([^;\n]+)", text)
        )
        value = defined.group(1) if defined else ""
        env = _ENV_PORT.search(value) or _ENV_PORT.search(text)
        if env:
            var = env.group(1) or env.group(2)
            return None, var, f"{path} reads {var}"
        digits = re.fullmatch(r"\s*(?:parseInt\(|Number\()?\s*['\"]?(\d{2,5})['\"]?\)?\s*,?\s*", value)
        if digits:
            return int(digits.group(1)), "", f"{path}: {arg} = {digits.group(1)}"
    return None, "", ""


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
    if "next" in deps:
        found = (".next/static", "", "next in dependencies (.next/static)")
    elif "nuxt" in deps:
        found = (".output/public", "", "nuxt in dependencies (.output/public)")
    elif "@sveltejs/kit" in deps:
        found = (".svelte-kit/output/client", "", "@sveltejs/kit in dependencies")
    elif "react-scripts" in deps:
        found = ("build/static", "", "react-scripts in dependencies (build/static)")
    elif "vite" in deps:
        found = _vite_out(pkg, build)
    elif "webpack" in deps or "webpack-cli" in deps:
        found = _webpack_out(pkg)
    elif "@angular/cli" in deps or "@angular-devkit/build-angular" in deps:
        found = _angular_out(pkg)
    elif "parcel" in deps or "astro" in deps:
        found = ("dist", "", "parcel/astro default output (dist)")
    if found is None:
        return None
    folder, assets, source = found
    out = join(pkg.dir, folder)
    if assets and any(s == out or s.startswith(out + "/") for s in server_out):
        out = join(out, assets)
        source += f"; server code is built into it too, so only {assets}/"
    return Bundle([f"{out}/**/*.js", f"{out}/**/*.css"], source)


def _config(pkg: Package, stem: str) -> Path | None:
    for suffix in (".ts", ".js", ".mjs", ".mts", ".cjs", ".cts"):
        if (pkg.path / f"{stem}{suffix}").is_file():
            return pkg.path / f"{stem}{suffix}"
    return None


# path.resolve(HERE, "a", "b") / path.join(__dirname, "dist"): the quoted parts after a folder variable.
_JOINED = re.compile(r"""path\.(?:resolve|join)\(\s*[\w.]+(?:\(\))?\s*,\s*((?:['"][^'"]*['"]\s*,?\s*)+)\)""")


def _path_value(text: str, key: str) -> tuple[str, bool]:
    """(folder, anchored) a config key names: ``key: "x"`` (relative to the tool's root) or
    ``key: path.resolve(__dirname, "a", "b")`` (any folder variable, also inside ``env || path.join(...)``:
    anchored, i.e. relative to the config file's folder)."""
    m = re.search(rf"\b{key}\s*:\s*([^\n]+)", text)
    if not m:
        return "", False
    expression = m.group(1)
    literal = re.match(r"""['"`]([^'"`]+)['"`]""", expression)
    if literal:
        return literal.group(1).strip("/").removeprefix("./") or ".", False
    joined = re.search(_JOINED, expression)
    if not joined:
        return "", False
    parts = re.findall(r"""['"]([^'"]*)['"]""", joined.group(1))
    return "/".join(p.strip("/").removeprefix("./") for p in parts if p.strip("./")) or ".", True


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


def _webpack_out(pkg: Package) -> tuple[str, str, str]:
    config = _config(pkg, "webpack.config")
    text = read_text(config) if config else ""
    output = text[text.find("output") :] if "output" in text else ""
    folder = _path_value(output, "path")[0] if output else ""
    return (
        folder or "dist",
        "",
        f"{join(pkg.dir, config.name) if config else 'webpack'} "
        f"({'output.path' if folder else 'default dist'})",
    )


def _angular_out(pkg: Package) -> tuple[str, str, str]:
    m = re.search(r'"outputPath"\s*:\s*"([^"]+)"', read_text(pkg.path / "angular.json"))
    return (m.group(1) if m else "dist", "", f"{join(pkg.dir, 'angular.json')} (outputPath)")


def server_outputs(packages: list[Package]) -> set[str]:
    """Folders (relative to the root) that server builds write: esbuild/tsc/vite --ssr in build scripts."""
    out: set[str] = set()
    for pkg in packages:
        for line in (v for k, v in pkg.scripts.items() if k.startswith("build")):
            for part in commands.segments(line):
                out |= {join(pkg.dir, f) for f in _server_out(part, pkg)}
    return out


def _server_out(part: str, pkg: Package) -> set[str]:
    out: set[str] = set()
    if part.startswith(("esbuild", "npx esbuild")) and "--platform=node" in part:
        m = re.search(r"--outdir[= ](\S+)", part) or re.search(r"--outfile[= ](\S+)/[^/\s]+", part)
        out.add(m.group(1).strip("./") if m else "dist")
    elif "vite build" in part and "--ssr" in part:
        m = re.search(r"--outDir[ =](\S+)", part)
        out.add(m.group(1).strip("./") if m else "dist")
    elif re.match(r"(?:npx )?tsc\b", part) and pkg.server:
        m = re.search(r"(?:-p|--project)\s+(\S+)", part)
        tsconfig = read_text(pkg.path / (m.group(1) if m else "tsconfig.json"))
        found = re.search(r'"outDir"\s*:\s*"([^"]+)"', tsconfig)
        out.add(found.group(1).strip("./") if found else ".")
    return out
