"""What a project is built with, read from its files: the one stack detector of ``research`` and ``init``.

:func:`detect_stack` walks the repository once (:func:`walk`, skipping
:data:`SKIP_DIRS`) and returns a :class:`Stack`:

- the languages, dependencies, frameworks and container images that
  ``research`` asks about, read from every manifest (package.json,
  pyproject.toml, requirements*.txt/.in, Dockerfile) and from Python imports;
- :attr:`Stack.app`, how the app of the repository is installed, built,
  started and polled (an :class:`~echotune_ci.project.appsetup.AppSetup`,
  from :mod:`echotune_ci.project.app`), which ``init`` writes into
  echotune.toml.

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

from packaging.utils import canonicalize_name

from ..errors import InputError
from .appsetup import AppSetup
from .files import read_text

# Folders that hold other people's code, caches or generated files; no walker of the project enters them.
# Hidden folders are skipped as well (only research looks into .github).
SKIP_DIRS = frozenset({
    ".git", "node_modules", ".venv", "venv", "env", "__pycache__", "dist", "build", ".tox", ".mypy_cache",
    ".pytest_cache", ".echotune", ".next", "site-packages", "vendor", "coverage",
})
MAX_DEPTH = 4
MAX_FILES = 5000

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
class Stack:
    """What a project is built with.

    ``languages`` (python, javascript, typescript), ``frameworks`` (the
    dependencies of :data:`FRAMEWORKS`, also listed in ``dependencies``),
    ``images`` (Dockerfile base images), ``manifests`` (paths relative to the
    root) and ``has_web_ui`` (templates, scripts or a frontend framework) are
    what research asks about. ``app`` is how ``init`` would serve the app
    (None only when it could not be read); ``app_error`` says why it could
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
    """PEP 503 form (packaging's ``canonicalize_name``), so Flask, flask and FLASK match."""
    return canonicalize_name(name)


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
    tool: dict[str, Any] = data["tool"] if isinstance(data.get("tool"), dict) else {}
    poetry_table: dict[str, Any] = tool["poetry"] if isinstance(tool.get("poetry"), dict) else {}
    poetry = poetry_table.get("dependencies", {})
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
    """At most 1 MB of a text file; "" when it cannot be read or is no regular file (:func:`.read_text`)."""
    return read_text(path, 1_000_000)


# ------------------------------------------------------------------ how the app is served (init)


def detect_app(root: Path) -> AppSetup:
    """How to serve the app of *root* (see :mod:`echotune_ci.project.app`)."""
    from .app import detect_app as detect

    return detect(root)
