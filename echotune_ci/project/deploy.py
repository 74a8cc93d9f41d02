"""``init --deploy``: production deployment files for the detected stack, from ``templates/deploy/``.

:func:`plan_deploy` turns what ``init`` detected (an
:class:`~echotune_ci.project.appsetup.AppSetup`, the dependencies and compose
files of :func:`~echotune_ci.project.detect.detect_stack`, the runtime
versions of :mod:`~echotune_ci.project.runtimes`) into a :class:`DeployPlan`;
:func:`render_deploy_files` renders it into the files of :data:`DEPLOY_FILES`
(plus ``.dockerignore`` when the project has none). The ``deploy`` phase
validates what is written (hadolint, the Compose Specification's schema,
shellcheck, a dry run of ``health-check.sh``).

Only files are read; nothing is installed, built or run.
"""

from __future__ import annotations

import json
import posixpath
import re
import shlex
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any

from .appsetup import AppSetup
from .app import PLACEHOLDER_SECRET
from .files import printable, read_text

DOCKERFILE = "Dockerfile.production"
COMPOSE = "compose.production.yaml"
DEPLOY_SCRIPT = "deploy-production.sh"
HEALTH_SCRIPT = "health-check.sh"
ENV_EXAMPLE = ".env.production.example"
DOCKERIGNORE = ".dockerignore"
# The files `init --deploy` writes (and the deploy phase validates), in this order.
DEPLOY_FILES = (DOCKERFILE, COMPOSE, DEPLOY_SCRIPT, HEALTH_SCRIPT, ENV_EXAMPLE)
SCRIPTS = (DEPLOY_SCRIPT, HEALTH_SCRIPT)
# Files that are executable once written.
EXECUTABLE = frozenset(SCRIPTS)

DEFAULT_PORT = 8000
DEFAULT_PYTHON = "3.12"
# Node majors with long-term support, newest first: the image takes the newest the project allows.
NODE_LTS = (24, 22, 20)

# Dependencies (normalised names) that mean the app talks to a service.
SERVICE_DEPENDENCIES: dict[str, dict[str, frozenset[str]]] = {
    "redis": {"pypi": frozenset({"redis", "django-redis", "aioredis", "hiredis", "rq"}),
              "npm": frozenset({"redis", "ioredis", "bullmq", "bull"})},
    "postgres": {"pypi": frozenset({"psycopg", "psycopg2", "psycopg2-binary", "psycopg-binary", "asyncpg",
                                    "pg8000"}),
                 "npm": frozenset({"pg", "postgres", "pg-promise"})},
    "mongodb": {"pypi": frozenset({"pymongo", "motor", "mongoengine", "beanie"}),
                "npm": frozenset({"mongodb", "mongoose"})},
}
SERVICES = tuple(SERVICE_DEPENDENCIES)
# The compose services (project/instructions.py kinds) that are the same services.
_SERVICE_KINDS = {"redis": "redis", "valkey": "redis", "postgres": "postgres", "postgis": "postgres",
                  "mongo": "mongodb"}
# The URL variables an app may read to reach a service compose.production.yaml starts, and how to write
# one (in words: a URL with a user and password in it would be masked on its way into the file).
_SERVICE_URLS = {"postgres": ("DATABASE_URL", "POSTGRES_URL", "POSTGRESQL_URL", "DB_URL"),
                 "mongodb": ("MONGODB_URL", "MONGODB_URI", "MONGO_URL", "MONGO_URI")}
_SERVICE_URL_FORM = {"postgres": "a postgresql:// URL to host postgres, port 5432, with the POSTGRES_USER, "
                                 "POSTGRES_PASSWORD and POSTGRES_DB below",
                     "mongodb": "a mongodb:// URL to host mongodb, port 27017, with the MONGO_INITDB_ROOT_ "
                                "user and password below and authSource=admin"}
# Build steps that need the database: never run while the image is built.
_RELEASE_STEP = re.compile(r"\b(migrate|db upgrade|alembic|loaddata|createsuperuser|seed"
                           r"|init-db|initdb|init_db|create_all|db create)\b")
# Build steps a Python image cannot run: Node's package managers, folders outside the build context.
_OUTSIDE_IMAGE = re.compile(r"(^|\s)(npm|npx|yarn|pnpm|node)\s|\.\./")
# Development servers: fine for `run`, not for production.
_DEV_SERVER = re.compile(r"\b(runserver|flask\b.*\brun|--reload|vite(?: dev)?$|npm run dev"
                         r"|nodemon)\b")
_LOCAL_HOST = re.compile(r"(?<![\w.])(127\.0\.0\.1|localhost)(?![\w.])")
_SHELL_SYNTAX = re.compile(r"[;&|<>$`()]")
# What may go into the generated files unquoted: a URL path, a variable name, a file name.
_SAFE_PATH = re.compile(r"/[A-Za-z0-9/._~-]*")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SAFE_FILE = re.compile(r"[A-Za-z0-9._/-]+")
# What hadolint's DL3064 ("Potentially sensitive data should not be used in the ARG or ENV commands", 2.15)
# flags in an ENV name, anywhere and in any case, besides a list of well-known names: USERNAME is no
# secret, but an ENV of it would make the deploy phase fail on the Dockerfile init wrote.
_HADOLINT_SENSITIVE = re.compile(r"api_key|client_key|password|private|secret|token|username", re.I)


@dataclass
class DeployPlan:
    """What the deployment files say, each value decided from the project.

    ``stack`` is node or python (the Dockerfile template); ``base_image`` the
    tag that the digest placeholder pins; ``port`` the port the app listens
    on inside the container; ``health_path`` its health route and
    ``health_url`` the URL the scripts ask by default (the published port on
    this host); ``command`` the exec-form start command; ``install`` the
    dependency install (after ``manifests`` are copied, or after the whole
    source when ``manifests`` is empty), ``build`` the build steps run in the
    image, ``release_steps`` the ones left to release time (they need the
    database); ``services`` (redis, postgres, mongodb) with the evidence in
    ``sources``; ``app_env`` the app's variables .env.production.example
    lists (name -> why, written as a comment above it); ``workdir`` the
    folder (below /app) the command starts in;
    ``decisions`` one line per decision for ``init`` to print. ``stack``
    "docker" means the project builds its own image: no files are written.
    """

    name: str
    stack: str
    framework: str
    base_image: str
    port: int = DEFAULT_PORT
    health_path: str = "/"
    command: list[str] = field(default_factory=list)
    command_notes: list[str] = field(default_factory=list)
    manifests: list[str] = field(default_factory=list)
    install: str = ""
    build: list[str] = field(default_factory=list)
    release_steps: list[str] = field(default_factory=list)
    prune: str = ""
    env: dict[str, str] = field(default_factory=dict)
    workdir: str = ""
    services: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    app_env: dict[str, str] = field(default_factory=dict)
    decisions: list[str] = field(default_factory=list)

    @property
    def runs(self) -> list[tuple[str, list[str]]]:
        """The RUN instructions after the source is copied: the build (and the install when it needs the
        source, and the prune of dev dependencies), grouped by folder (:func:`build_runs`)."""
        first = [] if self.manifests else [self.install]
        return build_runs([*first, *self.build, *([self.prune] if self.prune else [])])

    @property
    def health_url(self) -> str:
        """The health URL on this host's published port (what the scripts ask by default)."""
        return f"http://127.0.0.1:{self.port}{self.health_path}"

    @property
    def db_name(self) -> str:
        """A database and user name made from the project's name (letters, digits, underscores)."""
        return re.sub(r"[^a-z0-9_]", "_", self.name) or "app"

    @property
    def command_json(self) -> str:
        """The start command as a Dockerfile exec-form array."""
        return json.dumps(self.command)

    @property
    def healthcheck(self) -> list[str]:
        """The container's own health probe (no curl in slim images: the runtime's HTTP client)."""
        url = f"http://127.0.0.1:{self.port}{self.health_path}"
        if self.stack == "node":
            return ["node", "-e", f"fetch({json.dumps(url)}).then((r) => process.exit(r.ok ? 0 : 1), "
                                  "() => process.exit(1))"]
        return ["python", "-c", f"import urllib.request; urllib.request.urlopen({url!r}, timeout=4)"]

    @property
    def healthcheck_json(self) -> str:
        """:attr:`healthcheck` as a Dockerfile exec-form array."""
        return json.dumps(self.healthcheck)

    @property
    def compose_healthcheck_json(self) -> str:
        """:attr:`healthcheck` as a compose ``test`` (``CMD`` first, ``$`` escaped from interpolation)."""
        return json.dumps(["CMD", *self.healthcheck]).replace("$", "$$")


def slug(name: str) -> str:
    """A compose project / image name from *name*: lower case letters, digits, ``-`` and ``_``."""
    out = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-_")
    return out or "app"


def detect_services(root: Path, dependencies: list[Any]) -> dict[str, str]:
    """The services the app needs, each with the evidence: ``{"redis": "requirements.txt: redis"}``.

    From the dependencies (components with ``ecosystem``, ``name``, ``source``
    as :func:`~echotune_ci.project.detect.detect_stack` returns them) and the
    services of the compose file in *root* as ``init`` reads it
    (:func:`~echotune_ci.project.instructions.read_instructions`).
    """
    from .detect import normalise_name
    from .instructions import read_instructions

    found: dict[str, str] = {}
    for comp in dependencies:
        name = normalise_name(comp.name) if comp.ecosystem == "pypi" else comp.name.lower()
        for service, by_ecosystem in SERVICE_DEPENDENCIES.items():
            if service not in found and name in by_ecosystem.get(comp.ecosystem, frozenset()):
                found[service] = f"{comp.source}: {comp.name}"
    ins = read_instructions(root)
    compose = next((n for n in ins.read if "compose" in n), "")
    for svc in ins.services:
        service = _SERVICE_KINDS.get(svc.kind, "")
        if service and service not in found:
            found[service] = f"{compose}: image {svc.image}"
    return {s: found[s] for s in SERVICES if s in found}


def plan_deploy(root: Path, app: AppSetup, name: str) -> DeployPlan:
    """The deployment plan of the app in *root* (the folder ``init --dir`` names) as *app* describes it.

    Reads files only. The Python version comes from runtime.txt /
    .python-version / the Pipfile's [requires] / the Dockerfile, else this
    machine's python3, else
    :data:`DEFAULT_PYTHON`; the Node image is the newest of :data:`NODE_LTS`
    the project's engines/.nvmrc allow, else this machine's node.
    """
    from .detect import detect_stack

    folder = root / app.cwd
    if app.kind == "docker":
        # The project builds its own production image: validating that one beats a second Dockerfile.
        plan = DeployPlan(name=slug(name), stack="docker", framework=app.framework, base_image="")
        plan.decisions.append("no deployment files: the app runs from its own Dockerfile  <- [serve] command "
                              "(docker run); [deploy] dockerfile = \"Dockerfile\" validates that one")
        return plan
    stack = detect_stack(folder)
    node = app.kind == "node" or (app.kind != "python" and (folder / "package.json").is_file()
                                  and not app.requirements and not app.pyproject)
    plan = (_node_plan if node else _python_plan)(folder, app, slug(name))
    plan.health_path = app.ready_path if _SAFE_PATH.fullmatch(app.ready_path or "") else "/"
    plan.decisions.append(f"health check: {plan.health_path}  <- [serve] ready_url")
    plan.sources = detect_services(folder, stack.dependencies)
    plan.services = list(plan.sources)
    for service, source in plan.sources.items():
        plan.decisions.append(f"service: {service}  <- {source}")
    plan.app_env = _env_file_entries(folder, app, plan.services)
    names = [k for k in app.env if _ENV_NAME.fullmatch(k) and k not in ("PORT", "HOST")]
    plan.env = {k: app.env[k] for k in names if k not in plan.app_env and "\n" not in app.env[k]}
    return plan


def _env_file_entries(folder: Path, app: AppSetup, services: list[str]) -> dict[str, str]:
    """The app's variables .env.production.example lists, each with why: those init found the app needs
    (:attr:`AppSetup.needed_env`, the same ones it printed as checks or set in [serve] env), those of
    [serve] env kept out of the image (:func:`kept_out_of_image`), and a service's URL variable only when
    the code reads it (an app that reads DBHOST gets no DATABASE_URL)."""
    from .envdefaults import read_env

    def wanted(name: str) -> bool:
        return bool(_ENV_NAME.fullmatch(name)) and name not in ("PORT", "HOST")

    entries = {k: why for k, why in app.needed_env.items() if wanted(k)}
    for name in sorted(filter(wanted, app.env)):
        if name not in entries and (kept_out_of_image(name) or app.env[name] == PLACEHOLDER_SECRET):
            entries[name] = "a secret: [serve] env has a placeholder for the run" \
                if app.env[name] == PLACEHOLDER_SECRET else "kept out of the image's ENV"
    urls = {name: service for service in services for name in _SERVICE_URLS.get(service, ())}
    for name, where in read_env(folder, urls).items():
        how = _SERVICE_URL_FORM[urls[name]]
        entries[name] = f"{entries[name]}; {how}" if name in entries else f"{where} reads it: {how}"
    # Each why is one comment line: a line break from the project's code would start a variable.
    return {name: " ".join(printable(why).split()) for name, why in entries.items()}


def kept_out_of_image(name: str) -> bool:
    """Whether variable *name* goes into .env.production rather than an ``ENV`` of the image: a secret
    (:func:`~echotune_ci.masking.is_secret_name`), a database URL (it carries the password), or a name
    hadolint's DL3064 calls sensitive (the deploy phase would fail on its own file)."""
    from ..masking import is_secret_name

    return is_secret_name(name) or bool(_HADOLINT_SENSITIVE.search(name)) \
        or (name.upper().endswith(("_URL", "_DSN")) and "DATABASE" in name.upper())


def in_app_folder(app: AppSetup, path: str) -> str:
    """*path* (relative to the project, as :class:`AppSetup` keeps ``requirements`` and ``pyproject``)
    relative to the app's folder ``app.cwd``, the folder the deployment files go into and the image is
    built from; "" when *path* is outside that folder (the build cannot copy it)."""
    cwd = PurePosixPath(app.cwd)
    target = PurePosixPath(posixpath.normpath(path))
    if ".." in target.parts:
        return ""
    if app.cwd in ("", "."):
        return target.as_posix()
    return target.relative_to(cwd).as_posix() if target.is_relative_to(cwd) else ""


def _node_plan(folder: Path, app: AppSetup, name: str) -> DeployPlan:
    from .runtimes import machine, node_asked, node_satisfied

    package = _package(folder)
    asked = node_asked(folder, package)
    have = machine()["node"]
    # The newest LTS the project allows (an older major reaches its end of life first), else this machine's.
    majors = [*NODE_LTS, *([int(have)] if have else [])]
    major = next((m for m in majors if asked is None or node_satisfied(asked.version, m) is not False),
                 NODE_LTS[1])
    plan = DeployPlan(name=name, stack="node", framework=app.framework,
                      base_image=f"node:{major}-bookworm-slim", port=app.port or DEFAULT_PORT)
    why = f"{asked.source} asks for Node {asked.version}" if asked else "no Node version asked"
    plan.decisions.append(f"base image: {plan.base_image}  <- {why}: the newest LTS it allows")
    manager = "pnpm" if (folder / "pnpm-lock.yaml").is_file() else (
        "yarn" if (folder / "yarn.lock").is_file() else "npm")
    lockfile = {"pnpm": "pnpm-lock.yaml", "yarn": "yarn.lock", "npm": "package-lock.json"}[manager]
    plan.manifests = ["package.json"] + ([lockfile] if (folder / lockfile).is_file() else [])
    workspaces = any((folder / f).is_file() for f in (".yarnrc.yml", "pnpm-workspace.yaml"))
    if package.get("workspaces") or workspaces:
        # The install needs the workspaces' manifests (or Yarn's own release): it runs after the whole source.
        plan.manifests = []
    if manager == "npm":
        plan.install = "npm ci" if (folder / lockfile).is_file() else "npm install"
        plan.prune = "npm prune --omit=dev"
    else:
        plan.install = f"corepack enable && {manager} install --frozen-lockfile"
    scripts = package.get("scripts") if isinstance(package.get("scripts"), dict) else {}
    steps = _steps(app.build)
    for step in [s for s in steps if "../" in s]:
        steps.remove(step)
        plan.command_notes.append(f"`{step}` is not run in this image (a folder outside its build context): "
                                  "build it in a stage of its own, or serve it separately")
    plan.build = [s for s in steps if not _RELEASE_STEP.search(s)]
    plan.release_steps = [s for s in steps if _RELEASE_STEP.search(s)]
    command = app.command
    start = scripts.get("start") if isinstance(scripts, dict) else None
    if re.fullmatch(r"(npm|yarn|pnpm)( run)? start", command.strip()) and isinstance(start, str) \
            and start.startswith("node "):
        # node itself as PID 1: npm does not pass SIGTERM on, so `docker stop` would wait and kill.
        command = start
    _set_command(plan, command or "node server.js", app)
    return plan


def _python_plan(folder: Path, app: AppSetup, name: str) -> DeployPlan:
    from .runtimes import machine, python_asked

    asked = python_asked(folder)
    version = asked.minor if asked else (machine()["python"] or DEFAULT_PYTHON)
    plan = DeployPlan(name=name, stack="python", framework=app.framework,
                      base_image=f"python:{version}-slim-bookworm", port=app.port or DEFAULT_PORT)
    plan.decisions.append(f"base image: {plan.base_image}  <- "
                          + (asked.source if asked else "this machine's python3 (no version asked)"))
    # AppSetup keeps its manifests relative to the project; the image builds from the app's folder.
    inside = [r for r in map(partial(in_app_folder, app), app.requirements) if r]
    requirements = next((r for r in inside if (folder / r).is_file() and _SAFE_FILE.fullmatch(r)), "")
    outside = [r for r in app.requirements if not in_app_folder(app, r)]
    if requirements:
        plan.manifests = [requirements]
        plan.install = f"pip install --no-cache-dir -r {shlex.quote(requirements)}"
    elif (folder / "pyproject.toml").is_file():
        plan.install = "pip install --no-cache-dir ."
    elif outside or (app.pyproject and not in_app_folder(app, app.pyproject)):
        plan.install = "pip install --no-cache-dir -r requirements.txt"
        plan.manifests = ["requirements.txt"]
        plan.command_notes.append(f"{', '.join(outside or [app.pyproject])} is outside the image's build "
                                  f"context ({app.cwd}/): copy the requirements into it, or build from the "
                                  "repository root")
    else:
        plan.install = "pip install --no-cache-dir -r requirements.txt"
        plan.manifests = ["requirements.txt"]
        plan.command_notes.append("no requirements file or pyproject.toml found: say how to install the app")
    steps = [s for s in _steps(app.build) if not _venv_step(s)]
    for step in [s for s in steps if _OUTSIDE_IMAGE.search(s)]:
        steps.remove(step)
        plan.command_notes.append(f"`{step}` is not run in this image (no Node in a Python image, or a "
                                  "folder outside its build context): build the client in a stage of its "
                                  "own, or serve it separately")
    plan.build = [s for s in steps if not _RELEASE_STEP.search(s)]
    plan.release_steps = [s for s in steps if _RELEASE_STEP.search(s)]
    command = _production_server(folder, app.command)
    _set_command(plan, command or "gunicorn --bind 0.0.0.0:{port} app:app", app)
    manifest = " ".join(read_text(folder / m).lower() for m in [*plan.manifests, "pyproject.toml"])
    if plan.command[:1] == ["gunicorn"] and "gunicorn" not in manifest:
        why = " instead of runserver (a development server)" if "runserver" in app.command else ""
        plan.command_notes.append(f"the image starts gunicorn{why}: add gunicorn to the requirements")
    return plan


def _production_server(folder: Path, command: str) -> str:
    """*command*, with Django's runserver replaced by gunicorn on the project's wsgi module and
    uvicorn's ``--reload`` dropped: development conveniences that have no place in an image."""
    command = re.sub(r"\s--reload\b", "", command)
    if "runserver" not in command:
        return command
    wsgi = sorted(folder.glob("*/wsgi.py")) + sorted(folder.glob("*/*/wsgi.py"))
    if not wsgi:
        return command
    module = ".".join(wsgi[0].relative_to(folder).with_suffix("").parts)
    return f"gunicorn --bind 0.0.0.0:{{port}} {module}"


def _steps(build: str) -> list[str]:
    """The commands of a ``&&``-joined build line (one line each: a RUN instruction holds no newline);
    a ``cd X`` stays with the command after it, and a subshell (``(cd backend && npx prisma generate)``)
    is one step."""
    out: list[str] = []
    parts: list[str] = []
    for piece in build.split("&&"):
        if parts and parts[-1].count("(") > parts[-1].count(")"):
            parts[-1] += f"&&{piece}"  # inside a subshell: not a step of its own
        else:
            parts.append(piece)
    for part in (" ".join(s.split()) for s in parts if s.strip()):
        if out and re.fullmatch(r"cd \S+", out[-1]):
            out[-1] = f"{out[-1]} && {part}"
        else:
            out.append(part)
    return out


def build_runs(steps: list[str]) -> list[tuple[str, list[str]]]:
    """*steps* as RUN instructions: (folder below /app or "", commands joined into one RUN). A leading
    ``cd X &&`` becomes the folder (a WORKDIR, as hadolint's DL3003 asks); consecutive steps in the same
    folder share one RUN (DL3059); so does a subshell's ``(cd X && ...)``."""
    runs: list[tuple[str, list[str]]] = []
    for step in steps:
        m = re.fullmatch(r"cd ([A-Za-z0-9._/-]+) && (.+)", step) or re.fullmatch(
            r"\(cd ([A-Za-z0-9._/-]+) && ([^()]+)\)", step)
        folder, command = (m.group(1).strip("/"), m.group(2)) if m and ".." not in m.group(1) else ("", step)
        if runs and runs[-1][0] == folder:
            runs[-1][1].append(command)
        else:
            runs.append((folder, [command]))
    return runs


def _venv_step(step: str) -> bool:
    """Steps of the CI setup that the image does its own way (its virtualenv in /opt/venv)."""
    return bool(re.match(r"(python3? -m venv|\.?venv/bin/)", step))


def _set_command(plan: DeployPlan, command: str, app: AppSetup) -> None:
    """The exec-form start command: {port} filled, loopback binds opened to the container's network."""
    text = _LOCAL_HOST.sub("0.0.0.0", command.replace("{port}", str(plan.port)))  # nosec B104 - in a container
    text = re.sub(r"^\.?venv/bin/", "", text)
    cd = re.match(r"cd\s+([A-Za-z0-9._/-]+)\s*&&\s*(.+)$", text)
    if cd and ".." not in cd.group(1):
        # WORKDIR, not `cd` in a shell: the server is then PID 1 and gets docker stop's SIGTERM.
        plan.workdir, text = cd.group(1).strip("/"), cd.group(2)
    if _SHELL_SYNTAX.search(text):
        plan.command = ["sh", "-c", f"exec {text}" if "&&" not in text and ";" not in text else text]
    else:
        plan.command = shlex.split(text)
    source = "[serve] command" if app.runnable else "a guess (nothing runnable detected)"
    plan.decisions.append(f"command: {' '.join(plan.command)}  <- {source}")
    if _DEV_SERVER.search(text) or app.fallback:
        plan.command_notes.append("this is a development server: start a production server here "
                                  "(gunicorn, uvicorn, node)")
    if not app.runnable:
        plan.command_notes.append("nothing runnable was detected: this command is a guess")


def _package(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads(read_text(folder / "package.json") or "{}")
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def render_deploy_files(plan: DeployPlan, folder: Path) -> dict[str, str]:
    """File name (relative to *folder*, the app's folder) -> text of every deployment file; the
    ``.dockerignore`` only when *folder* has none (a project's own list is never replaced)."""
    from ..report.render import environment

    if plan.stack == "docker":
        return {}
    env = environment()
    ctx = {"plan": plan, "q": json.dumps, "sq": shlex.quote}
    files = {
        DOCKERFILE: env.get_template(f"deploy/Dockerfile.{plan.stack}.j2").render(**ctx),
        COMPOSE: env.get_template("deploy/compose.production.yaml.j2").render(**ctx),
        DEPLOY_SCRIPT: env.get_template("deploy/deploy-production.sh.j2").render(**ctx),
        HEALTH_SCRIPT: env.get_template("deploy/health-check.sh.j2").render(**ctx),
        ENV_EXAMPLE: env.get_template("deploy/env.production.example.j2").render(**ctx),
    }
    if not (folder / DOCKERIGNORE).exists():
        files[DOCKERIGNORE] = env.get_template("deploy/dockerignore.j2").render(**ctx)
    return files
