"""``init``: detect a repository's stack and write echotune.toml and the caller workflows.

Detection reads only files (package.json, pyproject.toml, requirements*.txt,
manage.py, Dockerfile); nothing is installed or run. Existing files are never
overwritten without ``force``, and either every file is written or none.
"""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError

DEFAULT_REPOSITORY = "echotune/echotune-ci"
_SHA = re.compile(r"^[0-9a-f]{40}$")
_SOURCE_SUFFIXES = {".py", ".js", ".mjs", ".cjs", ".ts"}
_SKIP_DIRS = {".git", "node_modules", ".venv", "venv", "dist", "build", "__pycache__", ".next"}


@dataclass
class Stack:
    kind: str  # python | node | docker
    framework: str
    serve_command: str
    ready_path: str = "/"
    phases: list[str] = field(default_factory=list)
    bundle_globs: list[str] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)
    pyproject: str = ""
    evidence: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------- detection


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    return data if isinstance(data, dict) else {}


def _sources(root: Path, limit: int = 200) -> list[Path]:
    found: list[Path] = []
    stack = [root]
    while stack and len(found) < limit:
        folder = stack.pop()
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            continue
        for p in entries:
            if p.is_dir() and p.name not in _SKIP_DIRS and not p.name.startswith("."):
                stack.append(p)
            elif p.suffix in _SOURCE_SUFFIXES:
                found.append(p)
    return found


def _ready_path(root: Path) -> str:
    """'/health' when the code routes it (a cheap page to poll), else '/'."""
    for p in _sources(root):
        try:
            if re.search(r"""["'`]/health["'`]""", p.read_text(encoding="utf-8", errors="ignore")):
                return "/health"
        except OSError:
            continue
    return "/"


def _node_stack(root: Path) -> Stack:
    pkg = _read_json(root / "package.json")
    deps = {**(pkg.get("devDependencies") or {}), **(pkg.get("dependencies") or {})}
    scripts = pkg.get("scripts") or {}
    if (root / "pnpm-lock.yaml").exists():
        install, run = "pnpm install --frozen-lockfile", "pnpm run"
    elif (root / "yarn.lock").exists():
        install, run = "yarn install --frozen-lockfile", "yarn run"
    else:
        install, run = ("npm ci" if (root / "package-lock.json").exists() else "npm install"), "npm run"
    build = [f"{run} build"] if "build" in scripts else []
    if "next" in deps:
        framework, start, globs = "next", "npx next start --hostname 127.0.0.1 --port {port}", [".next/static/**/*.js", ".next/static/**/*.css"]
    elif "vite" in deps:
        framework, start = "vite", "npx vite preview --host 127.0.0.1 --port {port} --strictPort"
        globs = ["dist/**/*.js", "dist/**/*.css"]
    elif "react-scripts" in deps:
        framework, start = "create-react-app", "npx --yes serve -s build -l tcp://127.0.0.1:{port}"
        globs = ["build/static/**/*.js", "build/static/**/*.css"]
    else:
        framework = next((name for name in ("express", "fastify", "koa", "hono") if name in deps), "node")
        start = "PORT={port} HOST=127.0.0.1 " + (f"{run} start" if "start" in scripts else f"node {pkg.get('main') or 'index.js'}")
        globs = [f"{d}/**/*.js" for d in ("dist", "build", "public") if (root / d).is_dir()][:1]
        if globs:
            globs.append(globs[0].replace("*.js", "*.css"))
    phases = ["security", "frontend", "load"] + (["bundle"] if build and globs else [])
    return Stack(
        kind="node", framework=framework, serve_command=" && ".join([install, *build, start]),
        ready_path=_ready_path(root), phases=phases, bundle_globs=globs if build else [],
        evidence=["package.json"] + ([f"{framework} in dependencies"] if framework != "node" else []),
    )


def _python_deps(root: Path) -> tuple[str, list[str], str]:
    """All dependency text (lower case), pinned requirements files, and a pyproject with dependencies."""
    text: list[str] = []
    requirements = sorted(p.name for p in root.glob("requirements*.txt") if p.is_file())
    for name in requirements:
        text.append((root / name).read_text(encoding="utf-8", errors="ignore"))
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


def _python_stack(root: Path) -> Stack:
    deps, requirements, pyproject = _python_deps(root)
    install = ""
    if "requirements.txt" in requirements:
        install = "python -m pip install -r requirements.txt"
    elif pyproject:
        install = "python -m pip install ."
    module = _python_module(root)
    if (root / "manage.py").is_file() or _has(deps, "django"):
        framework = "django"
        start = "python manage.py runserver 127.0.0.1:{port} --noreload"
    elif _has(deps, "fastapi") or _has(deps, "starlette"):
        framework = "fastapi"
        start = f"uvicorn {module}:app --host 127.0.0.1 --port {{port}}"
    elif _has(deps, "flask"):
        framework = "flask"
        start = (f"gunicorn --bind 127.0.0.1:{{port}} {module}:app" if _has(deps, "gunicorn")
                 else f"flask --app {module} run --host 127.0.0.1 --port {{port}}")
    else:
        framework = "python"
        start = f"python {module}.py --port {{port}}"
    evidence = [p for p in (*requirements, pyproject, "manage.py" if (root / "manage.py").is_file() else "") if p]
    return Stack(
        kind="python", framework=framework, serve_command=" && ".join(p for p in (install, start) if p),
        ready_path=_ready_path(root), phases=["security", "frontend", "load"], requirements=requirements,
        pyproject=pyproject, evidence=evidence + ([f"{framework} in dependencies"] if framework != "python" else []),
    )


def _docker_stack(root: Path) -> Stack:
    text = (root / "Dockerfile").read_text(encoding="utf-8", errors="ignore")
    match = re.search(r"^\s*EXPOSE\s+(\d+)", text, re.M | re.I)
    port = match.group(1) if match else "8080"
    return Stack(
        kind="docker", framework="docker",
        serve_command=f"docker build -t echotune-app . && docker run --rm -p 127.0.0.1:{{port}}:{port} echotune-app",
        phases=["security", "frontend", "load"], evidence=["Dockerfile" + (f" (EXPOSE {port})" if match else "")],
    )


def detect_stack(root: Path) -> Stack | None:
    """Node before Python (a Python backend with a JS build is still served by its package.json
    scripts only when there is no Python app); a Dockerfile alone serves through docker."""
    has_python = any((root / n).is_file() for n in ("pyproject.toml", "manage.py", "setup.py")) or any(
        root.glob("requirements*.txt"))
    if (root / "package.json").is_file() and not has_python:
        return _node_stack(root)
    if has_python:
        stack = _python_stack(root)
        if (root / "package.json").is_file():
            node = _node_stack(root)
            if node.bundle_globs:
                stack.phases.append("bundle")
                stack.bundle_globs = node.bundle_globs
                stack.evidence.append("package.json (bundle)")
        return stack
    if (root / "Dockerfile").is_file():
        return _docker_stack(root)
    return None


# ---------------------------------------------------------------------------- the ref to pin


def echotune_ref() -> str | None:
    """The commit of the running echotune-ci: pip's record of a git install, or the source checkout."""
    from importlib import metadata

    try:
        direct = metadata.distribution("echotune-ci").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        direct = None
    if direct:
        try:
            commit = (json.loads(direct).get("vcs_info") or {}).get("commit_id", "")
        except json.JSONDecodeError:
            commit = ""
        if _SHA.match(commit or ""):
            return commit
    source = Path(__file__).resolve().parents[1]
    if (source / ".git").exists() and (source / "action.yml").is_file():
        try:
            proc = subprocess.run(["git", "-C", str(source), "rev-parse", "HEAD"], capture_output=True, text=True,
                                  timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return None
        sha = proc.stdout.strip()
        return sha if proc.returncode == 0 and _SHA.match(sha) else None
    return None


# ---------------------------------------------------------------------------- files


def plan_files(root: Path, stack: Stack, *, ref: str, repository: str = DEFAULT_REPOSITORY,
               research: bool = False) -> dict[str, str]:
    from .report.render import render

    ctx = dict(stack=stack, ref=ref, repository=repository, name=root.resolve().name, q=json.dumps)
    files = {
        "echotune.toml": render("init/echotune.toml.j2", **ctx),
        ".github/workflows/echotune.yml": render("init/workflow-gate.yml.j2", **ctx),
        ".github/workflows/echotune-report.yml": render("init/workflow-report.yml.j2", **ctx),
    }
    if research:
        files[".github/workflows/echotune-research.yml"] = render("init/workflow-research.yml.j2", **ctx)
    _validate_config(files["echotune.toml"], root / "echotune.toml")
    return files


def _validate_config(text: str, where: Path) -> None:
    from .config import root_spec
    from .spec import validate_table

    validate_table(root_spec(), tomllib.loads(text), "", str(where))


def write_files(root: Path, files: dict[str, str], *, force: bool = False) -> list[Path]:
    from .fsutil import write_text_atomic

    targets = {rel: root / rel for rel in files}
    existing = [rel for rel, path in targets.items() if path.exists()]
    if existing and not force:
        verb = "exists" if len(existing) == 1 else "exist"
        raise InputError(f"{root}: {', '.join(existing)} already {verb}; nothing written (use --force to overwrite)")
    return [write_text_atomic(targets[rel], text) for rel, text in files.items()]
