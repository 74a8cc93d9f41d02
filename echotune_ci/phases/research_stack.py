"""What the project is built with, read from its manifests, and what its gates complain about.

Only files are read; nothing found here is executed. Versions are the
specifiers as written (``^18.2.0``, ``>=3``, ``==2.3.2``), because that is what
a reader of the brief can check against the repository.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ..results import PhaseResult, severity_at_least

# Folders that hold other people's code or generated files.
_SKIP_DIRS = {".git", "node_modules", ".venv", "venv", "env", "__pycache__", "dist", "build", ".tox",
              ".mypy_cache", ".pytest_cache", ".echotune", "site-packages", "vendor", "coverage"}
_MAX_DEPTH = 4
_MAX_FILES = 5000

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

_REQ_LINE = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*((?:[<>=!~]=?|===)\s*[^;#\s]+(?:\s*,\s*[<>=!~]=?\s*[^;#\s,]+)*)?")
# Import name -> distribution, for code that ships without a manifest.
_IMPORTS = {"flask": "flask", "django": "django", "fastapi": "fastapi", "starlette": "starlette",
            "aiohttp": "aiohttp", "tornado": "tornado", "gunicorn": "gunicorn", "uvicorn": "uvicorn",
            "gevent": "gevent", "celery": "celery", "sqlalchemy": "sqlalchemy", "redis": "redis",
            "jwt": "pyjwt", "cryptography": "cryptography", "authlib": "authlib"}
_IMPORT_LINE = re.compile(r"^[ \t]*(?:from|import)\s+([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)
_FROM_LINE = re.compile(r"^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?", re.IGNORECASE)


@dataclass
class Component:
    name: str
    version: str
    ecosystem: str  # pypi, npm, docker
    source: str  # manifest path relative to the repository
    area: str = ""  # set for frameworks: backend, frontend, security


@dataclass
class Concern:
    """A failing or regressed gate, phrased for a question."""

    area: str
    phase: str
    kind: str  # metric or finding
    subject: str
    detail: str
    status: str


@dataclass
class Stack:
    languages: list[str] = field(default_factory=list)
    frameworks: list[Component] = field(default_factory=list)
    dependencies: list[Component] = field(default_factory=list)
    images: list[Component] = field(default_factory=list)
    manifests: list[str] = field(default_factory=list)
    has_web_ui: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        names = [f"{c.name} {c.version}".strip() for c in self.frameworks]
        names += [c.name + (f":{c.version}" if c.version else "") for c in self.images]
        return ", ".join(self.languages + names) or "unknown"


def normalise_name(name: str) -> str:
    """PEP 503 form, so Flask, flask and FLASK match."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _walk(root: Path) -> Iterable[Path]:
    count = 0
    root_depth = len(root.parts)
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        depth = len(here.parts) - root_depth
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith(".") or d == ".github")
        if depth >= _MAX_DEPTH:
            dirs[:] = []
        for name in sorted(files):
            count += 1
            if count > _MAX_FILES:
                return
            yield here / name


def parse_requirement_line(line: str) -> tuple[str, str] | None:
    stripped = line.split("#", 1)[0].strip()
    if not stripped or stripped.startswith(("-", "git+", "http:", "https:", "file:")):
        return None
    m = _REQ_LINE.match(stripped)
    if not m:
        return None
    return m.group(1), (m.group(3) or "").replace(" ", "")


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
            if name.lower() == "python":
                continue
            version = spec if isinstance(spec, str) else str(spec.get("version", "")) if isinstance(spec, dict) else ""
            out.append(Component(name, version, "pypi", rel))
    return out


def _package_json(path: Path, rel: str) -> list[Component]:
    try:
        data = json.loads(_read(path))
    except json.JSONDecodeError:
        return []
    if not isinstance(data, dict):
        return []
    out = []
    for key in ("dependencies", "devDependencies", "peerDependencies"):
        deps = data.get(key)
        if isinstance(deps, dict):
            out.extend(Component(str(n), str(v), "npm", rel) for n, v in deps.items())
    return out


def _dockerfile(path: Path, rel: str) -> list[Component]:
    stages: set[str] = set()
    out = []
    for line in _read(path).splitlines():
        m = _FROM_LINE.match(line)
        if not m:
            continue
        image = m.group(1)
        if m.group(2):
            stages.add(m.group(2).lower())
        if image.lower() in stages or image.lower() == "scratch":
            continue
        name, _, tag = image.partition("@")[0].rpartition(":") if ":" in image.split("/")[-1] else (image, "", "")
        out.append(Component(name or image, tag, "docker", rel))
    return out


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[:1_000_000]
    except OSError:
        return ""


def detect_stack(root: Path) -> Stack:
    """Read manifests under *root* (package.json, pyproject, requirements, Dockerfile)."""
    stack = Stack()
    counts = {"python": 0, "javascript": 0, "typescript": 0, "html": 0}
    deps: list[Component] = []
    for path in _walk(root):
        rel = path.relative_to(root).as_posix()
        name = path.name
        suffix = path.suffix.lower()
        if name == "package.json":
            deps.extend(_package_json(path, rel))
        elif name == "pyproject.toml":
            deps.extend(_pyproject(path, rel))
        elif re.fullmatch(r"requirements[\w.-]*\.(txt|in)", name):
            deps.extend(_requirements(path, rel))
        elif name == "Dockerfile" or name.startswith("Dockerfile.") or suffix == ".dockerfile":
            stack.images.extend(_dockerfile(path, rel))
        else:
            if suffix == ".py":
                counts["python"] += 1
                if counts["python"] <= 200:
                    deps.extend(Component(_IMPORTS[m], "", "pypi", rel)
                                for m in dict.fromkeys(_IMPORT_LINE.findall(_read(path)[:20000])) if m in _IMPORTS)
            elif suffix in (".js", ".mjs", ".jsx"):
                counts["javascript"] += 1
            elif suffix in (".ts", ".tsx"):
                counts["typescript"] += 1
            elif suffix in (".html", ".htm", ".vue", ".svelte") or path.name.endswith((".html.j2", ".jinja")):
                counts["html"] += 1
            continue
        stack.manifests.append(rel)
    if any(c.ecosystem == "pypi" for c in deps):
        counts["python"] += 1
    if any(c.ecosystem == "npm" for c in deps):
        counts["javascript"] += 1
    stack.languages = [lang for lang in ("python", "javascript", "typescript") if counts[lang]]
    seen: set[tuple[str, str]] = set()
    # A manifest's version beats a bare import seen in code.
    for comp in sorted(deps, key=lambda c: not c.version):
        key = (comp.ecosystem, normalise_name(comp.name))
        if key in seen:
            continue
        seen.add(key)
        stack.dependencies.append(comp)
        area = FRAMEWORKS.get(comp.ecosystem, {}).get(key[1] if comp.ecosystem == "pypi" else comp.name.lower())
        if area:
            comp.area = area
            stack.frameworks.append(comp)
    stack.has_web_ui = bool(counts["html"] or counts["javascript"] or counts["typescript"]
                            or any(c.area == "frontend" for c in stack.frameworks))
    return stack


# ------------------------------------------------------------------ gate results


def _area_of(phase: str, name: str, tool: str = "") -> str:
    text = f"{name} {tool}".lower()
    if phase == "security":
        return "security"
    if "access" in text or "axe" in text or "a11y" in text:
        return "accessibility"
    if phase == "bundle":
        return "frontend"
    if phase in ("frontend", "load"):
        return "performance"
    return "backend"


def concerns_from_results(results: Iterable[PhaseResult], min_severity: str = "medium") -> list[Concern]:
    """Failing or warning metrics and notable findings of the given results."""
    out: list[Concern] = []
    for r in results:
        if r.phase in ("research", "propose"):
            continue
        for m in r.metrics:
            regressed = m.baseline is not None and m.value is not None and (
                m.value > m.baseline if m.better == "lower" else m.value < m.baseline)
            if m.status not in ("fail", "warn") and not (m.status == "error"):
                continue
            from ..report.render import fmt_number  # as the report shows them: 35.1 KiB, not 35977 bytes

            detail = fmt_number(m.value, m.unit)
            if m.budget is not None:
                detail += f" (budget {'<=' if m.better == 'lower' else '>='} {fmt_number(m.budget, m.unit)})"
            if regressed:
                detail += f", was {fmt_number(m.baseline, m.unit)} on the base branch"
            subject = m.name + (f" [{m.scope}]" if m.labels else "")
            out.append(Concern(_area_of(r.phase, m.name), r.phase, "metric", subject, detail, m.status))
        for f in r.findings:
            if not severity_at_least(f.severity, min_severity):
                continue
            where = f" in {f.location.path}" if f.location else ""
            out.append(Concern(_area_of(r.phase, f.rule_id, f.source_tool), r.phase, "finding",
                               f.rule_id, f"{f.severity}: {f.message}{where}"[:300], f.severity))
    return out
