"""What a project is built with, read from its files: the one stack detector of ``research`` and ``init``.

:func:`detect_stack` walks the repository once (:func:`walk`, skipping
:data:`SKIP_DIRS`) and returns a :class:`Stack`:

- the languages, dependencies, frameworks and container images that
  ``research`` asks about, read from every manifest (package.json,
  pyproject.toml, requirements*.txt/.in, Dockerfile) and from Python imports;
- :attr:`Stack.app`, how the app at the top of the repository is installed,
  started and polled (an :class:`AppSetup`), which ``init`` writes into
  echotune.toml; None when no manifest at the top tells.

Only files are read; nothing found here is executed or installed. Versions
are the specifiers as written (``^18.2.0``, ``>=3``, ``==2.3.2``), because
that is what a reader of the brief can check against the repository.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..fsutil import read_json

# Folders that hold other people's code, caches or generated files; no walker of the project enters them.
# Hidden folders are skipped as well (only research looks into .github).
SKIP_DIRS = frozenset({
    ".git", "node_modules", ".venv", "venv", "env", "__pycache__", "dist", "build", ".tox", ".mypy_cache",
    ".pytest_cache", ".echotune", ".next", "site-packages", "vendor", "coverage",
})
MAX_DEPTH = 4
MAX_FILES = 5000
# Source files searched for a /health route, and how many of them at most.
_SOURCE_SUFFIXES = frozenset({".py", ".js", ".mjs", ".cjs", ".ts"})
_MAX_SOURCES = 200
_HEALTH = re.compile(r"""["'`]/health["'`]""")

# Dependencies that decide what a question should be about.
FRAMEWORKS: dict[str, dict[str, str]] = {
    "pypi": {
        "django": "backend", "flask": "backend", "fastapi": "backend", "starlette": "backend",
        "aiohttp": "backend", "tornado": "backend", "gunicorn": "backend", "uvicorn": "backend",
        "gevent": "backend", "celery": "backend", "sqlalchemy": "backend", "redis": "backend",
        "pyjwt": "security", "cryptography": "security", "authlib": "security",
    },
    "npm": {
        "react": "frontend", "react-dom": "frontend", "vue": "frontend", "svelte": "frontend",
        "@sveltejs/kit": "frontend", "next": "frontend", "nuxt": "frontend", "@angular/core": "frontend",
        "preact": "frontend", "solid-js": "frontend", "vite": "frontend", "webpack": "frontend",
        "esbuild": "frontend", "rollup": "frontend", "parcel": "frontend", "typescript": "frontend",
        "tailwindcss": "frontend", "express": "backend", "fastify": "backend", "koa": "backend",
        "@nestjs/core": "backend",
    },
}

_REQ_LINE = re.compile(
    r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*"
    r"((?:[<>=!~]=?|===)\s*[^;#\s]+(?:\s*,\s*[<>=!~]=?\s*[^;#\s,]+)*)?")
_REQUIREMENTS_FILE = re.compile(r"requirements[\w.-]*\.(txt|in)")
# Import name -> distribution, for code that ships without a manifest.
_IMPORTS = {"flask": "flask", "django": "django", "fastapi": "fastapi", "starlette": "starlette",
            "aiohttp": "aiohttp", "tornado": "tornado", "gunicorn": "gunicorn", "uvicorn": "uvicorn",
            "gevent": "gevent", "celery": "celery", "sqlalchemy": "sqlalchemy", "redis": "redis",
            "jwt": "pyjwt", "cryptography": "cryptography", "authlib": "authlib"}
_IMPORT_LINE = re.compile(r"^[ \t]*(?:from|import)\s+([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)
_MAX_IMPORT_SCANS = 200
_FROM_LINE = re.compile(r"^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?", re.IGNORECASE)
_LANGUAGES = ("python", "javascript", "typescript")
_PHASES = ("security", "frontend", "load")


@dataclass
class Component:
    """A dependency or base image: name and version as written, and the manifest it came from.

    ``ecosystem`` is pypi, npm or docker; ``source`` the manifest path
    relative to the repository; ``area`` (backend, frontend, security) is set
    for the frameworks of :data:`FRAMEWORKS`.
    """

    name: str
    version: str
    ecosystem: str
    source: str
    area: str = ""


@dataclass
class AppSetup:
    """How the app at the top of a repository is installed, started and polled: what ``init`` writes.

    ``kind`` is python, node, docker (or custom when given on the command
    line); ``serve_command`` the shell command with ``{port}``;
    ``ready_path`` the path polled until the app answers; ``phases`` the
    phases worth running; ``bundle_globs`` the build output measured by the
    bundle phase; ``requirements`` and ``pyproject`` the manifests audited;
    ``evidence`` what the guess rests on, in words.
    """

    kind: str
    framework: str
    serve_command: str
    ready_path: str = "/"
    phases: list[str] = field(default_factory=list)
    bundle_globs: list[str] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)
    pyproject: str = ""
    evidence: list[str] = field(default_factory=list)


@dataclass
class Stack:
    """What a project is built with.

    ``languages`` (python, javascript, typescript), ``frameworks`` (the
    dependencies of :data:`FRAMEWORKS`, also listed in ``dependencies``),
    ``images`` (Dockerfile base images), ``manifests`` (paths relative to the
    root) and ``has_web_ui`` (templates, scripts or a frontend framework) are
    what research asks about. ``app`` is how ``init`` would serve the app
    (None when no manifest at the top tells); ``app_error`` says why it could
    not be read (a top-level manifest that is not valid JSON or TOML).
    """

    languages: list[str] = field(default_factory=list)
    frameworks: list[Component] = field(default_factory=list)
    dependencies: list[Component] = field(default_factory=list)
    images: list[Component] = field(default_factory=list)
    manifests: list[str] = field(default_factory=list)
    has_web_ui: bool = False
    app: AppSetup | None = None
    app_error: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The facts research records in brief.json (``app`` is init's and not part of it)."""
        return {"languages": list(self.languages), "frameworks": [asdict(c) for c in self.frameworks],
                "dependencies": [asdict(c) for c in self.dependencies],
                "images": [asdict(c) for c in self.images],
                "manifests": list(self.manifests), "has_web_ui": self.has_web_ui}

    def summary(self) -> str:
        """One line: languages, frameworks with versions, images ("unknown" when nothing was found)."""
        names = [f"{c.name} {c.version}".strip() for c in self.frameworks]
        names += [c.name + (f":{c.version}" if c.version else "") for c in self.images]
        return ", ".join(self.languages + names) or "unknown"


def normalise_name(name: str) -> str:
    """PEP 503 form, so Flask, flask and FLASK match."""
    return re.sub(r"[-_.]+", "-", name).lower()


def walk(root: Path, *, max_depth: int | None = MAX_DEPTH, max_files: int | None = MAX_FILES,
         keep: frozenset[str] = frozenset({".github"})) -> Iterator[Path]:
    """The files under *root*, folder by folder in sorted order, top-down.

    Folders in :data:`SKIP_DIRS` and hidden folders (except those in *keep*)
    are not entered; nor are folders deeper than *max_depth* levels below
    *root*. Stops after *max_files* files (None: no limits).
    """
    count = 0
    root_depth = len(root.parts)
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and (not d.startswith(".") or d in keep))
        if max_depth is not None and len(here.parts) - root_depth >= max_depth:
            dirs[:] = []
        for name in sorted(files):
            count += 1
            if max_files is not None and count > max_files:
                return
            yield here / name


def parse_requirement_line(line: str) -> tuple[str, str] | None:
    """``Flask[async] >= 2.2, <3  # web`` -> ("Flask", ">=2.2,<3"); None for options, URLs and blanks."""
    stripped = line.split("#", 1)[0].strip()
    if not stripped or stripped.startswith(("-", "git+", "http:", "https:", "file:")):
        return None
    m = _REQ_LINE.match(stripped)
    if not m:
        return None
    return m.group(1), (m.group(3) or "").replace(" ", "")


def detect_stack(root: Path) -> Stack:
    """Read the manifests and sources under *root* (a folder); never raises for a file's content.

    See :class:`Stack`. Unreadable or malformed manifests contribute nothing
    to the research facts; a malformed top-level package.json or
    pyproject.toml leaves ``app`` None and says why in ``app_error``.
    """
    stack = Stack()
    counts = dict.fromkeys((*_LANGUAGES, "html"), 0)
    deps: list[Component] = []
    for path in walk(root):
        rel = path.relative_to(root).as_posix()
        found = _manifest(path, rel)
        if found is None:
            _count_source(path, rel, counts, deps)
            continue
        (stack.images if found[0] == "docker" else deps).extend(found[1])
        stack.manifests.append(rel)
    if any(c.ecosystem == "pypi" for c in deps):
        counts["python"] += 1
    if any(c.ecosystem == "npm" for c in deps):
        counts["javascript"] += 1
    stack.languages = [lang for lang in _LANGUAGES if counts[lang]]
    _add_dependencies(stack, deps)
    stack.has_web_ui = bool(counts["html"] or counts["javascript"] or counts["typescript"]
                            or any(c.area == "frontend" for c in stack.frameworks))
    try:
        stack.app = detect_app(root)
    except InputError as exc:
        stack.app_error = str(exc)
    return stack


# ------------------------------------------------------------------ manifests (research facts)


def _manifest(path: Path, rel: str) -> tuple[str, list[Component]] | None:
    """(kind, components) of a manifest, or None when *path* is no manifest."""
    name = path.name
    if name == "package.json":
        return "npm", _package_json(path, rel)
    if name == "pyproject.toml":
        return "pypi", _pyproject(path, rel)
    if _REQUIREMENTS_FILE.fullmatch(name):
        return "pypi", _requirements(path, rel)
    if name == "Dockerfile" or name.startswith("Dockerfile.") or path.suffix.lower() == ".dockerfile":
        return "docker", _dockerfile(path, rel)
    return None


def _count_source(path: Path, rel: str, counts: dict[str, int], deps: list[Component]) -> None:
    """Count a source file's language; the first Python files also name their framework imports."""
    suffix = path.suffix.lower()
    if suffix == ".py":
        counts["python"] += 1
        if counts["python"] <= _MAX_IMPORT_SCANS:
            imported = dict.fromkeys(_IMPORT_LINE.findall(_read(path)[:20000]))
            deps.extend(Component(_IMPORTS[m], "", "pypi", rel) for m in imported if m in _IMPORTS)
    elif suffix in (".js", ".mjs", ".jsx"):
        counts["javascript"] += 1
    elif suffix in (".ts", ".tsx"):
        counts["typescript"] += 1
    elif suffix in (".html", ".htm", ".vue", ".svelte") or path.name.endswith((".html.j2", ".jinja")):
        counts["html"] += 1


def _add_dependencies(stack: Stack, deps: list[Component]) -> None:
    """One entry per (ecosystem, name); a manifest's version beats a bare import seen in code."""
    seen: set[tuple[str, str]] = set()
    for comp in sorted(deps, key=lambda c: not c.version):
        key = (comp.ecosystem, normalise_name(comp.name))
        if key in seen:
            continue
        seen.add(key)
        stack.dependencies.append(comp)
        name = key[1] if comp.ecosystem == "pypi" else comp.name.lower()
        area = FRAMEWORKS.get(comp.ecosystem, {}).get(name)
        if area:
            comp.area = area
            stack.frameworks.append(comp)


def _requirements(path: Path, rel: str) -> list[Component]:
    out = []
    for line in _read(path).splitlines():
        parsed = parse_requirement_line(line)
        if parsed:
            out.append(Component(parsed[0], parsed[1], "pypi", rel))
    return out


def _pyproject(path: Path, rel: str) -> list[Component]:
    try:
        data = tomllib.loads(_read(path))
    except tomllib.TOMLDecodeError:
        return []
    project = data.get("project", {}) if isinstance(data.get("project"), dict) else {}
    lines: list[str] = [d for d in project.get("dependencies", []) if isinstance(d, str)]
    for group in (project.get("optional-dependencies") or {}).values():
        lines.extend(d for d in group if isinstance(d, str))
    out = []
    for line in lines:
        parsed = parse_requirement_line(line)
        if parsed:
            out.append(Component(parsed[0], parsed[1], "pypi", rel))
    poetry = data.get("tool", {}).get("poetry", {}).get("dependencies", {})
    if isinstance(poetry, dict):
        for name, spec in poetry.items():
            if name.lower() != "python":
                out.append(Component(name, _poetry_version(spec), "pypi", rel))
    return out


def _poetry_version(spec: Any) -> str:
    if isinstance(spec, str):
        return spec
    return str(spec.get("version", "")) if isinstance(spec, dict) else ""


def _package_json(path: Path, rel: str) -> list[Component]:
    try:
        data = json.loads(_read(path))
    except json.JSONDecodeError:
        return []
    if not isinstance(data, dict):
        return []
    out: list[Component] = []
    for key in ("dependencies", "devDependencies", "peerDependencies"):
        deps = data.get(key)
        if isinstance(deps, dict):
            out.extend(Component(str(n), str(v), "npm", rel) for n, v in deps.items())
    return out


def _dockerfile(path: Path, rel: str) -> list[Component]:
    stages: set[str] = set()
    out: list[Component] = []
    for line in _read(path).splitlines():
        m = _FROM_LINE.match(line)
        if not m:
            continue
        image = m.group(1)
        if m.group(2):
            stages.add(m.group(2).lower())
        if image.lower() in stages or image.lower() == "scratch":
            continue
        if ":" in image.split("/")[-1]:
            name, _, tag = image.partition("@")[0].rpartition(":")
        else:
            name, tag = image, ""
        out.append(Component(name or image, tag, "docker", rel))
    return out


def _read(path: Path) -> str:
    """At most 1 MB of a text file; "" when it cannot be read."""
    try:
        return path.read_text(encoding="utf-8", errors="replace")[:1_000_000]
    except OSError:
        return ""


# ------------------------------------------------------------------ how the app is served (init)


def detect_app(root: Path) -> AppSetup | None:
    """How to serve the app at the top of *root*, from its top-level manifests; None when none tells.

    Python before Node: a Python app with a JS build is served by Python,
    and its package.json only adds the bundle phase. A Dockerfile alone
    serves through docker. Raises InputError for a top-level package.json
    or pyproject.toml that is not valid JSON or TOML.
    """
    has_python = any((root / n).is_file() for n in ("pyproject.toml", "manage.py", "setup.py")) or any(
        root.glob("requirements*.txt"))
    has_node = (root / "package.json").is_file()
    if has_python:
        app = _python_app(root)
        if has_node:
            node = _node_app(root)
            if node.bundle_globs:
                app.phases.append("bundle")
                app.bundle_globs = node.bundle_globs
                app.evidence.append("package.json (bundle)")
        return app
    if has_node:
        return _node_app(root)
    if (root / "Dockerfile").is_file():
        return _docker_app(root)
    return None


def _ready_path(root: Path) -> str:
    """'/health' when the code routes it (a cheap page to poll), else '/'."""
    sources = 0
    for path in walk(root, max_depth=None, max_files=None, keep=frozenset()):
        if path.suffix not in _SOURCE_SUFFIXES:
            continue
        sources += 1
        if sources > _MAX_SOURCES:
            break
        if _HEALTH.search(_read(path)):
            return "/health"
    return "/"


def _read_json(path: Path) -> dict[str, Any]:
    data = read_json(path, "package.json")
    return data if isinstance(data, dict) else {}


def _node_tools(root: Path) -> tuple[str, str]:
    """The install command and the script runner the lock file asks for."""
    if (root / "pnpm-lock.yaml").exists():
        return "pnpm install --frozen-lockfile", "pnpm run"
    if (root / "yarn.lock").exists():
        return "yarn install --frozen-lockfile", "yarn run"
    return ("npm ci" if (root / "package-lock.json").exists() else "npm install"), "npm run"


def _node_start(root: Path, pkg: dict[str, Any], deps: dict[str, Any],
                run: str) -> tuple[str, str, list[str]]:
    """(framework, start command, bundle globs) of a package.json."""
    if "next" in deps:
        return ("next", "npx next start --hostname 127.0.0.1 --port {port}",
                [".next/static/**/*.js", ".next/static/**/*.css"])
    if "vite" in deps:
        return ("vite", "npx vite preview --host 127.0.0.1 --port {port} --strictPort",
                ["dist/**/*.js", "dist/**/*.css"])
    if "react-scripts" in deps:
        return ("create-react-app", "npx --yes serve -s build -l tcp://127.0.0.1:{port}",
                ["build/static/**/*.js", "build/static/**/*.css"])
    framework = next((name for name in ("express", "fastify", "koa", "hono") if name in deps), "node")
    scripts = pkg.get("scripts") or {}
    start = "PORT={port} HOST=127.0.0.1 " + (f"{run} start" if "start" in scripts
                                             else f"node {pkg.get('main') or 'index.js'}")
    globs = [f"{d}/**/*.js" for d in ("dist", "build", "public") if (root / d).is_dir()][:1]
    if globs:
        globs.append(globs[0].replace("*.js", "*.css"))
    return framework, start, globs


def _node_app(root: Path) -> AppSetup:
    pkg = _read_json(root / "package.json")
    deps = {**(pkg.get("devDependencies") or {}), **(pkg.get("dependencies") or {})}
    install, run = _node_tools(root)
    build = [f"{run} build"] if "build" in (pkg.get("scripts") or {}) else []
    framework, start, globs = _node_start(root, pkg, deps, run)
    phases = [*_PHASES, *(["bundle"] if build and globs else [])]
    return AppSetup(
        kind="node", framework=framework, serve_command=" && ".join([install, *build, start]),
        ready_path=_ready_path(root), phases=phases, bundle_globs=globs if build else [],
        evidence=["package.json"] + ([f"{framework} in dependencies"] if framework != "node" else []),
    )


def _python_deps(root: Path) -> tuple[str, list[str], str]:
    """All dependency text (lower case), the requirements files, and a pyproject with dependencies."""
    requirements = sorted(p.name for p in root.glob("requirements*.txt") if p.is_file())
    text = [(root / name).read_text(encoding="utf-8", errors="ignore") for name in requirements]
    pyproject = ""
    if (root / "pyproject.toml").is_file():
        try:
            data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"{root / 'pyproject.toml'}: not valid TOML ({exc})") from None
        deps = (data.get("project") or {}).get("dependencies") or []
        poetry = ((data.get("tool") or {}).get("poetry") or {}).get("dependencies") or {}
        text.extend(str(d) for d in deps)
        text.extend(str(d) for d in poetry)
        if deps:
            pyproject = "pyproject.toml"
    return "\n".join(text).lower(), requirements, pyproject


def _has(deps: str, name: str) -> bool:
    return re.search(rf"(^|[\s\"',\[]){re.escape(name)}(\s*[<>=!~;\[]|\s*$|[\"',\]])", deps, re.M) is not None


def _python_module(root: Path) -> str:
    for name in ("app.py", "main.py", "wsgi.py", "asgi.py", "server.py"):
        if (root / name).is_file():
            return name[:-3]
    return "app"


def _python_start(root: Path, deps: str) -> tuple[str, str]:
    """(framework, start command) of a Python app."""
    module = _python_module(root)
    if (root / "manage.py").is_file() or _has(deps, "django"):
        return "django", "python manage.py runserver 127.0.0.1:{port} --noreload"
    if _has(deps, "fastapi") or _has(deps, "starlette"):
        return "fastapi", f"uvicorn {module}:app --host 127.0.0.1 --port {{port}}"
    if _has(deps, "flask"):
        return "flask", (f"gunicorn --bind 127.0.0.1:{{port}} {module}:app" if _has(deps, "gunicorn")
                         else f"flask --app {module} run --host 127.0.0.1 --port {{port}}")
    return "python", f"python {module}.py --port {{port}}"


def _python_app(root: Path) -> AppSetup:
    deps, requirements, pyproject = _python_deps(root)
    install = ""
    if "requirements.txt" in requirements:
        install = "python -m pip install -r requirements.txt"
    elif pyproject:
        install = "python -m pip install ."
    framework, start = _python_start(root, deps)
    manage = "manage.py" if (root / "manage.py").is_file() else ""
    evidence = [p for p in (*requirements, pyproject, manage) if p]
    return AppSetup(
        kind="python", framework=framework, serve_command=" && ".join(p for p in (install, start) if p),
        ready_path=_ready_path(root), phases=list(_PHASES), requirements=requirements, pyproject=pyproject,
        evidence=evidence + ([f"{framework} in dependencies"] if framework != "python" else []),
    )


def _docker_app(root: Path) -> AppSetup:
    text = (root / "Dockerfile").read_text(encoding="utf-8", errors="ignore")
    match = re.search(r"^\s*EXPOSE\s+(\d+)", text, re.M | re.I)
    port = match.group(1) if match else "8080"
    return AppSetup(
        kind="docker", framework="docker",
        serve_command=("docker build -t echotune-app . && "
                       f"docker run --rm -p 127.0.0.1:{{port}}:{port} echotune-app"),
        phases=list(_PHASES), evidence=["Dockerfile" + (f" (EXPOSE {port})" if match else "")],
    )
