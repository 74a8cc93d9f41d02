"""A project's own run instructions, read for ``init``: Procfile, app.json, render.yaml, boot scripts,
Dockerfile, docker-compose services and PDM's scripts (``pdm run start``).

:func:`read_instructions` returns :class:`Instructions`: the command that
serves the app with the file that says so (``web``), what runs before it
(``pre``: release steps, migrations in a boot script), environment the files
set, a health-check path, the port a container exposes (a hint only) and the
backing services a compose file starts (Redis, Postgres...). Nothing is run.

A ``cd X &&`` in a line stays with the commands after it (``web: cd src &&
gunicorn app:app`` serves from src/), and a boot or entrypoint script's steps
(``flask deploy``) are the build steps whenever the file that names the
server states none of its own.

A Dockerfile's CMD runs in its final stage's WORKDIR, and a compose
service's command in its ``working_dir`` (else its image's WORKDIR, else
its build context): the repository folder that COPY/ADD (or a bind mount)
fills that folder from becomes a ``cd X &&`` in front of it. Where that
folder cannot be told and the command names a file that is not where it
would run, the command is passed over, with a note in ``notes``. A
compose service that runs a front end's dev server (``npm run dev``,
``vite``) comes after one that runs a server.
"""

from __future__ import annotations

import fnmatch
import itertools
import json
import os
import posixpath
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from collections.abc import Callable
from typing import Any

from . import commands
from .dotenv import TEMPLATES, dotenv_file
from .files import read_json_dict, read_text, read_yaml, resolve_js

BOOT_SCRIPTS = (
    "boot.sh",
    "entrypoint.sh",
    "docker-entrypoint.sh",
    "start.sh",
    "run.sh",
    "bin/start",
    "scripts/start.sh",
    "scripts/boot.sh",
    "scripts/entrypoint.sh",
)
COMPOSE_FILES = ("docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml")
# Environment a Dockerfile sets that also matters outside the container.
_KEPT_ENV = re.compile(r"^(?:FLASK_APP|FLASK_ENV|NODE_ENV|DJANGO_SETTINGS_MODULE|APP_MODULE|\w+_MODULE)$")
_SCRIPT_NOISE = frozenset(
    {
        "do",
        "done",
        "then",
        "fi",
        "else",
        "elif",
        "esac",
        "break",
        "continue",
        "wait",
        "}",
        "{",
        "set",
        "echo",
        "sleep",
        "printf",
        "cd",
        "mkdir",
        "chmod",
        "chown",
        "cp",
        "mv",
        "rm",
        "ln",
        "source",
        ".",
        "trap",
        "export",
        "shift",
        "return",
        "exit",
        "cat",
        "touch",
        "umask",
        "ulimit",
        "[",
        "[[",
        "test",
        "true",
        "false",
    }
)
_HEALTH_URL = re.compile(r"https?://(?:localhost|127\.0\.0\.1|0\.0\.0\.0)(?::\d+)?(/[\w./-]*)")
# Backing services by image name: (what it is, the variables that usually point at it).
SERVICES = {
    "redis": ("Redis", ("REDIS_URL", "REDIS_HOST", "CACHE_URL", "CELERY_BROKER_URL")),
    "valkey": ("Redis (Valkey)", ("REDIS_URL", "REDIS_HOST")),
    "postgres": ("PostgreSQL", ("DATABASE_URL", "POSTGRES_HOST", "DB_HOST", "PGHOST")),
    "postgis": ("PostgreSQL", ("DATABASE_URL", "POSTGRES_HOST", "DB_HOST")),
    "mysql": ("MySQL", ("DATABASE_URL", "MYSQL_HOST", "DB_HOST")),
    "mariadb": ("MariaDB", ("DATABASE_URL", "MYSQL_HOST", "DB_HOST")),
    "mongo": ("MongoDB", ("MONGO_URL", "MONGODB_URI", "MONGO_URI", "DATABASE_URL")),
    "rabbitmq": ("RabbitMQ", ("BROKER_URL", "AMQP_URL", "RABBITMQ_URL", "CELERY_BROKER_URL")),
    "elasticsearch": ("Elasticsearch", ("ELASTICSEARCH_URL",)),
    "memcached": ("Memcached", ("MEMCACHED_URL", "MEMCACHE_SERVERS")),
}
# Image names (the last path part, without tag or digest) of those services, official and common
# vendor builds; an image that only starts like one (mongo-express, redis-commander) is a tool, not it.
IMAGE_KINDS = {
    **{k: k for k in SERVICES},
    "redis-stack": "redis", "redis-stack-server": "redis", "postgresql": "postgres",
    "mongodb": "mongo", "mongodb-community-server": "mongo", "mongodb-enterprise-server": "mongo",
}


@dataclass(frozen=True)
class Step:
    """A command line and where it was read (``Procfile (web)``)."""

    command: str
    source: str


@dataclass(frozen=True)
class Service:
    """A backing service from a compose file: its name there, image, what it is and the variables the
    app reads to find it (``REDIS_URL=redis://redis:6379``), and its kind (a key of :data:`SERVICES`)."""

    name: str
    image: str
    what: str
    variables: tuple[str, ...]
    kind: str = ""

    def note(self, source: str) -> str:
        """One sentence for the output and a ``# check:`` note."""
        via = f", found through {', '.join(self.variables)}" if self.variables else ""
        return (
            f"{source} starts {self.what} ('{self.name}', {self.image}) for the app{via}: start one "
            f"and point the app at 127.0.0.1 in [serve] env"
        )


@dataclass
class Instructions:
    """What a project's deployment files say; see the module docstring."""

    web: Step | None = None
    pre: list[Step] = field(default_factory=list)
    candidates: list[Step] = field(default_factory=list)
    env: dict[str, Step] = field(default_factory=dict)
    secrets: list[Step] = field(default_factory=list)
    health: Step | None = None
    expose: Step | None = None
    services: list[Service] = field(default_factory=list)
    docker: bool = False
    read: list[str] = field(default_factory=list)
    boot_pre: list[Step] = field(default_factory=list)
    notes: list[Step] = field(default_factory=list)


def read_instructions(folder: Path) -> Instructions:
    """Read the deployment files of *folder*, most specific first (Procfile, render.yaml, app.json,
    boot scripts, Dockerfile, compose). ``web`` is the first server command found; ``candidates``
    every command that names one, in that order."""
    out = Instructions()
    _procfile(folder, out)
    _render_yaml(folder, out)
    _app_json(folder, out)
    _boot_scripts(folder, out)
    _dockerfile(folder, out)
    _compose(folder, out)
    _pdm_scripts(folder, out)
    if out.candidates:
        out.web = out.candidates[0]
    if not out.pre:
        # The server came from a file that states no steps (Procfile `web: gunicorn app:app`): the boot
        # script's own steps (`flask deploy`, migrations) are how the project prepares it.
        out.pre.extend(out.boot_pre)
    return out


def _split(line: str, source: str, out: Instructions, *, all_pre: bool = True) -> None:
    """A line's server segment becomes a candidate; the segments before it go to ``pre``. A ``cd X``
    stays with the commands after it."""
    parts = commands.with_cd(commands.segments(line))
    server = next((i for i in range(len(parts) - 1, -1, -1) if commands.is_server(parts[i])), None)
    if server is None:
        return
    fresh = not out.candidates
    out.candidates.append(Step(parts[server], source))
    if fresh:
        out.pre.extend(
            Step(p, source) for p in parts[:server] if all_pre or commands.kind(p) in ("build", "install")
        )


def _procfile(folder: Path, out: Instructions) -> None:
    text = read_text(folder / "Procfile")
    if not text:
        return
    out.read.append("Procfile")
    lines = dict(re.findall(r"^([\w-]+)\s*:\s*(.+?)\s*$", text, re.M))
    if "release" in lines:
        out.pre.extend(
            Step(p, "Procfile (release)") for p in commands.with_cd(commands.segments(lines["release"]))
        )
    web = lines.get("web", "")
    script = _script_of(web, folder)
    if script is not None:
        _script(script, f"{script.name} (from Procfile web)", out)
    elif web:
        _split(web, "Procfile (web)", out)


def _script_of(line: str, folder: Path, image: Callable[[str], str | None] | None = None) -> Path | None:
    """The script file in *folder* that *line* runs (``./boot.sh``, ``sh bin/start``), if any. *image*
    maps a folder of the image to the folder of *folder* its files came from (a Dockerfile's COPY), so
    that an absolute path the image runs is the repository's file: nickjj/docker-django-example's
    ``ENTRYPOINT ["/app/bin/docker-entrypoint-web"]`` (``COPY . .`` into /app) was read as no script, and
    its CMD, run through it, as no command at all."""
    words = commands.tokens(line)
    if words[:1] in (["sh"], ["bash"], ["exec"]):
        words = words[1:]
    if words and words[0].startswith("/") and image is not None:
        mapped = image(posixpath.dirname(words[0]))
        path = folder / mapped / posixpath.basename(words[0]) if mapped is not None else None
        if path is not None and path.is_file():
            return path
    if not words or not re.search(r"(?:\.sh|^bin/[\w-]+|^\./[\w-]+)$", words[0]):
        return None
    path = folder / (Path(words[0]).name if words[0].startswith("/") else words[0])
    return path if path.is_file() else None


def _render_yaml(folder: Path, out: Instructions) -> None:
    data = read_yaml(folder / "render.yaml")
    if not isinstance(data, dict):
        return
    out.read.append("render.yaml")
    web = next(
        (s for s in data.get("services") or [] if isinstance(s, dict) and s.get("type") == "web"), None
    )
    if web is None:
        return
    if isinstance(web.get("buildCommand"), str) and not out.candidates:
        out.pre.extend(Step(p, "render.yaml (buildCommand)") for p in commands.segments(web["buildCommand"]))
    if isinstance(web.get("startCommand"), str):
        _split(web["startCommand"], "render.yaml (startCommand)", out)
    if isinstance(web.get("healthCheckPath"), str) and out.health is None:
        out.health = Step(web["healthCheckPath"], "render.yaml (healthCheckPath)")
    for var in web.get("envVars") or []:
        if isinstance(var, dict) and isinstance(var.get("key"), str) and var["key"] != "PORT":
            if "value" in var:
                out.env.setdefault(var["key"], Step(str(var["value"]), "render.yaml (envVars)"))
            elif var.get("generateValue") or var.get("sync") is False:
                out.secrets.append(Step(var["key"], "render.yaml (envVars)"))


def _app_json(folder: Path, out: Instructions) -> None:
    data = read_json_dict(folder / "app.json")
    if not data:
        return
    out.read.append("app.json")
    scripts: dict[str, Any] = data["scripts"] if isinstance(data.get("scripts"), dict) else {}
    for name in ("postdeploy", "release"):
        if isinstance(scripts.get(name), str):
            out.pre.extend(Step(p, f"app.json (scripts.{name})") for p in commands.segments(scripts[name]))
    env: dict[str, Any] = data["env"] if isinstance(data.get("env"), dict) else {}
    for name, spec in env.items():
        if name == "PORT":
            continue
        if isinstance(spec, str):
            out.env.setdefault(name, Step(spec, "app.json (env)"))
        elif isinstance(spec, dict) and "value" in spec:
            out.env.setdefault(name, Step(str(spec["value"]), "app.json (env)"))
        elif isinstance(spec, dict) and (spec.get("generator") == "secret" or spec.get("required", True)):
            out.secrets.append(Step(name, "app.json (env)"))


def _boot_scripts(folder: Path, out: Instructions) -> None:
    for name in BOOT_SCRIPTS:
        path = folder / name
        if path.is_file() and name not in out.read:
            _script(path, name, out)


def _script(path: Path, source: str, out: Instructions) -> None:
    """A shell script's server line (``exec gunicorn ...``) and the build steps before it (kept in
    ``boot_pre`` when another file already named the server)."""
    out.read.append(path.name)
    steps: list[str] = []
    server = ""
    folder = ""
    for raw in read_text(path).splitlines():
        line = commands.uncomment(raw).strip()
        if not line or line.startswith(("if ", "while ", "until ", "for ", "case ", "elif ")):
            continue
        for part in commands.segments(line):
            target = commands.cd_folder(part)
            if target is not None:
                folder = posixpath.normpath(posixpath.join(folder or ".", target))
                folder = "" if folder == "." else folder
                continue
            words = commands.tokens(part)
            if not words or words[0] in _SCRIPT_NOISE or "=" in words[0].split("/")[0]:
                continue
            if folder:
                part = f"cd {commands.join([folder])} && {part}"
            if commands.is_server(part) and not server:
                server = part
            elif not server and _is_step(part):
                steps.append(part)
    ordered = [Step(s, source) for s in dict.fromkeys(steps)]
    if server and not out.candidates:
        out.candidates.append(Step(server, source))
        out.pre.extend(ordered)
        return
    if server:
        out.candidates.append(Step(server, source))
    if not out.boot_pre:
        out.boot_pre.extend(ordered)


def _is_step(part: str) -> bool:
    """Whether a boot script's command prepares the app: an install, a build or migration, or the app's
    own CLI (``flask deploy``, ``python manage.py ...``)."""
    return commands.kind(part) != "other" or commands.program(part) in ("flask", "manage.py", "alembic")


def dockerfile_lines(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined."""
    joined = re.sub(r"\\\s*\n", " ", text)
    out = []
    for line in joined.splitlines():
        m = re.match(r"^\s*([A-Za-z]+)\s+(.*\S)\s*$", line)
        if m and not line.lstrip().startswith("#"):
            out.append((m.group(1).upper(), m.group(2)))
    return out


def _exec_form(args: str) -> str:
    """A CMD/ENTRYPOINT argument as one shell line (JSON exec form or shell form)."""
    if args.startswith("["):
        try:
            words = json.loads(args)
        except json.JSONDecodeError:
            return args
        if isinstance(words, list):
            words = [str(w) for w in words]
            if words[:2] in (["sh", "-c"], ["/bin/sh", "-c"], ["bash", "-c"], ["/bin/bash", "-c"]):
                return " ".join(words[2:])
            return commands.join(words)
    return args


@dataclass
class Stage:
    """What one Dockerfile stage does to its filesystem, as far as the repository goes: its WORKDIR
    (absolute, "" when none was set) and the folders COPY/ADD filled, in order, as (folder in the image,
    folder of the build context, "" for its top, or None when the files came from elsewhere: another
    stage, an image, a URL, a path outside the context)."""

    workdir: str = ""
    mounts: list[tuple[str, str | None]] = field(default_factory=list)


def final_stage(text: str, context: Path) -> Stage:
    """The last stage of a Dockerfile whose build context is *context*; a stage ``FROM`` an earlier one
    starts with that one's WORKDIR and files."""
    stages: dict[str, Stage] = {}
    stage = Stage()
    for op, args in dockerfile_lines(text):
        if op == "FROM":
            words = [w for w in commands.tokens(args) if not w.startswith("--")]
            base = stages.get(words[0].lower()) if words else None
            stage = Stage(base.workdir, list(base.mounts)) if base else Stage()
            if len(words) >= 3 and words[1].lower() == "as":
                stages[words[2].lower()] = stage
        elif op == "WORKDIR":
            # A variable ($APP_HOME) is a folder this reader cannot know: the stage's folder is unknown.
            target = args.strip().strip("\"'")
            stage.workdir = "?" if "$" in target else posixpath.normpath(
                posixpath.join(stage.workdir or "/", target))
        elif op in ("COPY", "ADD"):
            stage.mounts.extend(_copied(args, stage.workdir or "/", context))
    return stage


def _copied(args: str, workdir: str, context: Path) -> list[tuple[str, str | None]]:
    """The (image folder, context folder) pairs one COPY/ADD fills (see :class:`Stage`). A source folder's
    contents land in the destination (``COPY server/ /app/server``: /app/server is server/); files land
    in it too, from their own folder (``COPY package*.json ./``: the WORKDIR is the context's top)."""
    words = _exec_words(args)
    flags = [w for w in words if w.startswith("--")]
    paths = [w for w in words if not w.startswith("--")]
    if len(paths) < 2 or "?" in workdir:
        return []
    *sources, dest = paths
    if "$" in dest:
        return []
    target = posixpath.normpath(posixpath.join(workdir, dest))
    if any(f.startswith("--from") for f in flags):
        return [(target, None)]
    out: list[tuple[str, str | None]] = []
    for source in sources:
        if source.startswith("<<"):
            continue  # a here-document: a file the Dockerfile writes, from no folder of the context
        path = posixpath.normpath(source.lstrip("/") if source.startswith("/") else source)
        if "://" in source or path.startswith("..") or "$" in path:
            out.append((target, None))
        elif path == "." or (context / path).is_dir():
            out.append((target, "" if path == "." else path))
        else:
            # A file (or a glob of files): it lands in the destination folder, or is the destination
            # itself when one file is copied to a name without a trailing slash.
            into = target if dest.endswith("/") or len(sources) > 1 or re.search(r"[*?\[]", path) else (
                posixpath.dirname(target))
            parent = posixpath.dirname(path)
            out.append((into, parent))
    return out


def _exec_words(args: str) -> list[str]:
    """The words of an instruction in JSON (``["a", "b"]``) or shell form."""
    if args.startswith("["):
        try:
            words = json.loads(args)
        except json.JSONDecodeError:
            words = None
        if isinstance(words, list):
            return [str(w) for w in words]
    return commands.tokens(args)


def context_folder(workdir: str, mounts: list[tuple[str, str | None]]) -> str | None:
    """The folder of the build context (``server``, "" for its top) that the image's *workdir* holds,
    from the folders the COPY/ADD instructions (or volumes) filled; None when they do not say: nothing
    copied there, or its files came from another stage.

    The deepest folder holding *workdir* decides (the latest of equals); with none, a folder below it
    that a context folder of the same path below fills (``COPY server/ /app/server`` under WORKDIR /app:
    /app is the context's top).
    """
    if not workdir or "?" in workdir:
        return None
    best: tuple[int, str | None] | None = None
    below: str | None = None
    for into, source in mounts:
        if workdir == into or workdir.startswith(into.rstrip("/") + "/"):
            depth = len(PurePosixPath(into).parts)
            if best is None or depth >= best[0]:
                rest = posixpath.relpath(workdir, into)
                best = (depth, None if source is None else _joined(source, rest))
        elif into.startswith(workdir.rstrip("/") + "/") and source is not None:
            rest = posixpath.relpath(into, workdir)
            if source == rest or source.endswith("/" + rest):
                below = source[: len(source) - len(rest)].rstrip("/")
    if best is not None:
        return best[1]
    return below


def _joined(folder: str, rest: str) -> str:
    out = posixpath.normpath(posixpath.join(folder or ".", rest))
    return "" if out == "." else out


def _missing_files(line: str, folder: Path) -> list[str]:
    """The files a command line runs (``./src/index.js``, ``app.py``) that are not in *folder*."""
    missing = []
    for part in commands.segments(line):
        for word in commands.tokens(commands.strip_cd(part)[1])[1:]:
            if word.startswith(("-", "/", "$", "{")) or "=" in word or ":" in word:
                continue
            named = re.search(r"\.(?:[cm]?[jt]s|py)$", word) or word.startswith("./")
            if named and resolve_js(folder, word) is None and not (folder / word).exists():
                missing.append(word)
    return missing


def _dockerfile(folder: Path, out: Instructions) -> None:
    text = read_text(folder / "Dockerfile")
    if not text:
        return
    out.read.append("Dockerfile")
    out.docker = True
    cmd = entry = ""
    # The values an ENV can name ($NAME, ${NAME}, ${NAME:-default}): the stage's ARG defaults (a global ARG
    # only where the stage declares it again, as Docker scopes them) and its earlier ENV values.
    # nickjj/docker-django-example's `ARG NODE_ENV="production"` then `ENV NODE_ENV="${NODE_ENV}"` was
    # written as NODE_ENV = "${NODE_ENV}", a literal its esbuild config read as "not production" and
    # watched for changes forever instead of building.
    declared: dict[str, str] = {}
    scope: dict[str, str] | None = None  # None before the first FROM
    for op, args in dockerfile_lines(text):
        if op == "FROM":
            scope = {}
        elif op == "ARG":
            # without a default its value is what `docker build --build-arg` gives, unknown here
            name, has_default, default = (part.strip() for part in args.strip().partition("="))
            value = default.strip("\"'") if has_default else declared.get(name)
            if value is not None:
                (declared if scope is None else scope)[name] = value
        elif op == "ENV":
            scope = {} if scope is None else scope
            _docker_env(args, out, scope)
        elif op == "CMD":
            cmd = _exec_form(args)
        elif op == "ENTRYPOINT":
            entry = _exec_form(args)
        elif op == "EXPOSE" and re.match(r"\d+", args):
            out.expose = Step(re.match(r"\d+", args).group(0), "Dockerfile (EXPOSE)")  # type: ignore[union-attr]
        elif op == "HEALTHCHECK" and out.health is None:
            m = _HEALTH_URL.search(args)
            if m:
                out.health = Step(m.group(1), "Dockerfile (HEALTHCHECK)")
    _docker_command(text, folder, entry, cmd, out)


def _docker_command(text: str, folder: Path, entry: str, cmd: str, out: Instructions) -> None:
    """What the Dockerfile *text* of *folder* runs (its ENTRYPOINT *entry* and CMD *cmd*), in the
    repository folder its final stage's WORKDIR holds: a script ENTRYPOINT is read for its own steps and
    the CMD is the command; otherwise the two are one command."""
    context = build_context(text, folder)
    stage = final_stage(text, context)

    def image(where: str) -> str | None:
        return _from_folder(context, context_folder(where, stage.mounts), folder)

    script = _script_of(entry, folder, image) if entry else None
    if script is not None and script.name not in out.read:
        _script(script, f"{script.name} (Dockerfile ENTRYPOINT)", out)
    line = f"{entry} {cmd}".strip() if entry and script is None else cmd
    if line:
        source = "Dockerfile (CMD)" if not entry or script else "Dockerfile (ENTRYPOINT)"
        mapped = image(stage.workdir)
        line = _in_workdir(line, stage.workdir, mapped, "", folder, source, out)
        if line:
            _split(line, source, out)


_CONTEXT_LEVELS = 3


def build_context(text: str, folder: Path) -> Path:
    """The build context of Dockerfile *text* found in *folder*: *folder* itself, unless what its
    COPY/ADD instructions copy from the context is missing there and all of it is in a folder above
    (``COPY ./backend/app /app/backend/app`` in backend/Dockerfile, built as ``docker build -f
    backend/Dockerfile .`` or by a compose file's ``context: .``); the nearest such folder, up to the top
    of the git repository holding *folder*."""
    sources = [src for op, args in dockerfile_lines(text) if op in ("COPY", "ADD")
               for src in _context_sources(args)]
    if not sources or _holds(folder, sources):
        return folder
    if (folder / ".git").exists():
        return folder
    # A Dockerfile is built from at most a few folders up (the repository's top): never from / (the
    # parents of /srv/app/backend reach it)
    for above in folder.resolve().parents[:_CONTEXT_LEVELS]:
        if above == above.parent:
            break
        if _holds(above, sources):
            return above
        if (above / ".git").exists():
            break
    return folder


def _context_sources(args: str) -> list[str]:
    """The context paths one COPY/ADD reads (none for ``--from``, a URL, a variable)."""
    words = _exec_words(args)
    paths = [w for w in words if not w.startswith("--")]
    if any(w.startswith("--from") for w in words) or len(paths) < 2:
        return []
    # a here-document (``COPY <<EOF /app/start.sh``) is written by the Dockerfile itself
    return [posixpath.normpath(p.lstrip("/")) for p in paths[:-1] if "://" not in p and "$" not in p
            and not p.startswith("<<") and not posixpath.normpath(p).startswith("..")]


def _holds(folder: Path, sources: list[str]) -> bool:
    """Whether every path (or glob) of *sources* is in *folder*."""
    return all(_glob_held(folder, path) if re.search(r"[*?\[]", path) else (folder / path).exists()
               for path in sources)


# The folder entries one COPY glob may look at: a few folders' worth, where `COPY */*/*/*/*/x` from / or a
# home folder read the whole disk (and /proc's links to / over again) for many seconds
_GLOB_ENTRIES = 10_000


def _glob_held(folder: Path, pattern: str) -> bool:
    """Whether glob *pattern* of a COPY source matches something in *folder*, as Docker matches it: each
    part of the path alone (Go's filepath.Match: "**" is "*" there, never a walk). Folders a part matches
    are entered only when they are no links (no cycles), and no more than :data:`_GLOB_ENTRIES` entries are
    read: a pattern that asks for more, or a folder that cannot be read, holds nothing."""
    budget = _GLOB_ENTRIES
    level = [folder]
    parts = pattern.split("/")
    for i, part in enumerate(parts):
        last, found = i == len(parts) - 1, []
        for here in level:
            if not re.search(r"[*?\[]", part):
                path = here / part
                if path.exists() if last else path.is_dir():
                    found.append(path)
                continue
            try:
                entries = list(itertools.islice(os.scandir(here), budget + 1))
            except (OSError, ValueError):
                continue
            budget -= len(entries)
            if budget < 0:
                return False
            for entry in entries:
                if fnmatch.fnmatchcase(entry.name, part.replace("**", "*")) and (
                        last or _is_folder(entry)):
                    found.append(here / entry.name)
        if last or not found:
            return bool(found)
        level = found
    return False


def _is_folder(entry: os.DirEntry[str]) -> bool:
    """Whether *entry* is a folder and no link to one."""
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _from_folder(context: Path, mapped: str | None, folder: Path) -> str | None:
    """*mapped*, a folder of the build *context*, as a folder of *folder* ("" for itself); None when it is
    unknown or outside *folder*."""
    if mapped is None or context == folder:
        return mapped
    where, inside = (context / mapped).resolve(), folder.resolve()
    if not where.is_relative_to(inside):
        return None
    rel = where.relative_to(inside).as_posix()
    return "" if rel == "." else rel


def _in_workdir(line: str, workdir: str, mapped: str | None, base: str, folder: Path, source: str,
                out: Instructions) -> str:
    """*line* as it runs from *folder*: behind ``cd X &&`` when the container runs it in a folder that
    holds the repository's X/ (*mapped*); "" (with a note) when that folder is unknown and a file the
    line runs is not in *base*, where it would run instead."""
    if not workdir or mapped is not None:
        where = mapped if workdir else base
        if where and where != ".":
            return f"cd {commands.join([where])} && {line}"
        return line
    missing = _missing_files(line, folder / base)
    if not missing:
        return f"cd {commands.join([base])} && {line}" if base else line
    where = f"{base}/" if base else "the repository's top"
    out.notes.append(Step(
        f"{source} runs `{line}` in {workdir}, and which folder of the repository that is cannot be told "
        f"(no COPY or ADD from the repository fills it); {', '.join(missing)} is not in {where}, so the app "
        "is started the way the other files say",
        source,
    ))
    return ""


# $NAME, ${NAME}, ${NAME:-default} and ${NAME-default} in a Dockerfile's ENV
_DOCKER_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_]\w*)(?::?-([^}]*))?\}|([A-Za-z_]\w*))")


def _docker_env(args: str, out: Instructions, scope: dict[str, str]) -> None:
    """The kept variables of one ENV line, with what it names of *scope* (see :func:`_dockerfile`) put in;
    one that names something else (a --build-arg, the base image's ENV) is left out: its value is
    unknown here. Every variable the line sets joins *scope*."""
    pairs = re.findall(r"([A-Za-z_]\w*)=(\"[^\"]*\"|\S+)", args)
    if not pairs:
        m = re.match(r"([A-Za-z_]\w*)\s+(.+)", args)
        pairs = [(m.group(1), m.group(2))] if m else []
    for name, value in pairs:
        unknown = False

        def put(m: re.Match[str]) -> str:
            nonlocal unknown
            named = m.group(1) or m.group(3)
            if named in scope and (scope[named] or m.group(2) is None):
                return scope[named]
            unknown = unknown or m.group(2) is None
            return m.group(2) or ""

        value = _DOCKER_VARIABLE.sub(put, value.strip('"'))
        scope[name] = value
        if _KEPT_ENV.match(name) and not unknown:
            out.env.setdefault(name, Step(value, "Dockerfile (ENV)"))


def _compose(folder: Path, out: Instructions) -> None:
    name = next((n for n in COMPOSE_FILES if (folder / n).is_file()), "")
    data = read_yaml(folder / name) if name else None
    if not isinstance(data, dict) or not isinstance(data.get("services"), dict):
        return
    out.read.append(name)
    services: dict[str, Any] = {k: v for k, v in data["services"].items() if isinstance(v, dict)}
    app_env: dict[str, str] = {}
    lines: list[tuple[str, str]] = []
    for service, spec in services.items():
        if "build" in spec:
            app_env.update(_env_files(folder, spec.get("env_file")))
            app_env.update(_compose_env(spec.get("environment")))
            if isinstance(spec.get("command"), (str, list)):
                line = spec["command"] if isinstance(spec["command"], str) else commands.join(
                    [str(w) for w in spec["command"]])
                source = f"{name} ({service}: command)"
                line = _service_line(line, spec, folder, source, out)
                if line:
                    lines.append((line, source))
    # The web backend before a front end's dev server (a compose file's `frontend` service running
    # `npm run dev -- --host` beside a `backend` running uvicorn): the dev server is only a stand-in.
    for line, source in sorted(lines, key=lambda pair: _dev_server(pair[0])):
        _split(line, source, out, all_pre=False)
    for service, spec in services.items():
        image = str(spec.get("image") or "")
        base = image.split("/")[-1].split(":")[0].split("@")[0].lower()
        kind = IMAGE_KINDS.get(base, "")
        if not kind:
            continue
        what, usual = SERVICES[kind]
        # the app reaches it by its service name or its container_name (POSTGRES_HOST=db_service)
        hosts = {service, str(spec.get("container_name") or service)}
        pointing = tuple(
            k
            for k, v in app_env.items()
            if any(re.search(rf"(?:^|[/@:]){re.escape(h)}(?:[:/]|$)", v) for h in hosts) or k == service
        )
        out.services.append(
            Service(service, image, what, pointing or tuple(v for v in usual if v in app_env), kind)
        )


def _service_line(line: str, spec: dict[str, Any], folder: Path, source: str, out: Instructions) -> str:
    """A compose service's *line* as it runs from *folder*: in the repository folder its container runs
    it in (``working_dir``, else its Dockerfile's WORKDIR, through what the Dockerfile copies and the
    volumes bind there), else in its build context; "" when it names a file not there (see
    :func:`_in_workdir`)."""
    build = spec["build"]
    context = build if isinstance(build, str) else (build.get("context") if isinstance(build, dict) else None)
    dockerfile = build.get("dockerfile") if isinstance(build, dict) else None
    context = posixpath.normpath(str(context or "."))
    if context.startswith(("..", "/")) or "://" in context or "$" in context:
        return line  # built from elsewhere: nothing here tells where it runs
    base = "" if context == "." else context
    stage = final_stage(read_text(folder / base / str(dockerfile or "Dockerfile")), folder / base)
    mounts: list[tuple[str, str | None]] = [
        (into, None if source is None else _joined(base, source)) for into, source in stage.mounts
    ]
    mounts += _bind_mounts(spec.get("volumes"))
    workdir = str(spec.get("working_dir") or stage.workdir)
    mapped = context_folder(workdir, mounts) if workdir else base
    return _in_workdir(line, workdir, mapped, base, folder, source, out)


def _bind_mounts(volumes: Any) -> list[tuple[str, str | None]]:
    """(folder in the container, repository folder) of a service's bind mounts of relative paths
    (``./backend:/app``, ``{type: bind, source: ./backend, target: /app}``)."""
    out: list[tuple[str, str | None]] = []
    for volume in volumes if isinstance(volumes, list) else []:
        if isinstance(volume, str):
            source, _, rest = volume.partition(":")
            target = rest.split(":")[0]
        elif isinstance(volume, dict) and volume.get("type") == "bind":
            source, target = str(volume.get("source") or ""), str(volume.get("target") or "")
        else:
            continue
        if source.startswith(".") and target.startswith("/"):
            path = posixpath.normpath(source)
            out.append((posixpath.normpath(target), None if path.startswith("..") else _joined(path, ".")))
    return out


def _dev_server(line: str) -> bool:
    """Whether *line* serves a front end in development (``npm run dev``, ``vite``, ``next dev``)."""
    server = commands.strip_cd(commands.segments(line)[-1] if commands.segments(line) else line)[1]
    words = commands.unwrap(commands.split_env(commands.tokens(server))[1])
    prog = commands.program(server)
    if prog in ("npm", "yarn", "pnpm", "bun"):
        return any(w == "dev" or w.startswith("dev:") for w in words[1:3])
    if prog in ("next", "nuxt", "nuxi", "astro"):
        return "dev" in words
    return prog in ("vite", "ng", "react-scripts") and not {"preview", "build"} & set(words)


def _env_files(folder: Path, env_file: Any) -> dict[str, str]:
    """The variables of a compose service's ``env_file`` (a path, or a list of paths or ``{path: ...}``),
    each read from the file, or where the repository leaves it out from its template beside it
    (``.env.sample``): what the app reads to find the services the compose file starts, where the compose
    file gives no ``environment`` (django-channels-chat's ``POSTGRES_HOST=db_service``)."""
    entries = env_file if isinstance(env_file, list) else [env_file]
    found: dict[str, str] = {}
    for entry in entries:
        name = entry.get("path") if isinstance(entry, dict) else entry
        if not isinstance(name, str) or name.startswith("/") or ".." in name.split("/"):
            continue
        path = folder / name
        candidates = [path, *(path.with_name(path.name + t) for t in TEMPLATES)]
        found.update(next((dotenv_file(c) for c in candidates if c.is_file()), {}))  # Compose's rules
    return found


# The names a project's start script goes by, first; any other script that starts a server after them
_START_SCRIPTS = ("start", "serve", "server", "web", "run", "dev")


def _pdm_scripts(folder: Path, out: Instructions) -> None:
    """PDM's ``[tool.pdm.scripts]`` in pyproject.toml: the first that starts a server (``start = {cmd =
    "quart --app src/app/run.py run --port 5050", env_file = "development.env"}``) is a candidate, and the
    variables it gives the server (``env``, its ``env_file``, or the shared ``_`` options' ones) are the
    app's, as ``pdm run start`` sets them: without them an app that reads its settings from the
    environment (Flask's and Quart's ``config.from_prefixed_env()``) stops on a missing key."""
    try:
        data = tomllib.loads(read_text(folder / "pyproject.toml"))
    except tomllib.TOMLDecodeError:
        return  # pydeps reports it
    scripts = _mapping(_mapping(_mapping(data.get("tool")).get("pdm")).get("scripts"))
    last = len(_START_SCRIPTS)
    order = sorted(scripts, key=lambda n: _START_SCRIPTS.index(n) if n in _START_SCRIPTS else last)
    for name in order:
        spec = scripts[name]
        spec = {"cmd": spec} if isinstance(spec, (str, list)) else spec
        if name == "_" or not isinstance(spec, dict):
            continue
        line = spec.get("cmd", spec.get("shell"))
        line = commands.join([str(w) for w in line]) if isinstance(line, list) else line
        if not isinstance(line, str) or not commands.is_server(line):
            continue
        if commands.program(line) == "python" and name not in _START_SCRIPTS:
            continue  # `seed = "python scripts/seed.py"`: any script runs with python, a start script serves
        source = f"pyproject.toml [tool.pdm.scripts] {name}"
        out.read.append(source)
        _split(line, source, out)
        shared = _mapping(scripts.get("_"))
        # the script's own before the shared ones, and in each its `env` before its `env_file` (PDM sets
        # `env` over what the file gives)
        for options in (spec, shared):
            for key, value in _mapping(options.get("env")).items():
                out.env.setdefault(str(key), Step(str(value), f"{source} (env)"))
            env_file = options.get("env_file")
            env_file = env_file.get("override") if isinstance(env_file, dict) else env_file
            for key, value in _env_files(folder, env_file).items():
                out.env.setdefault(key, Step(value, f"{env_file} (env_file of {source})"))
        return


def _mapping(value: Any) -> dict[str, Any]:
    """*value* when it is a TOML table, else an empty one."""
    return value if isinstance(value, dict) else {}


def _compose_env(env: Any) -> dict[str, str]:
    if isinstance(env, dict):
        return {str(k): str(v) for k, v in env.items() if v is not None}
    if isinstance(env, list):
        return dict(str(e).partition("=")[::2] for e in env if "=" in str(e))
    return {}


# ---------------------------------------------------------------------------- README


README_FILES = ("README.md", "README.rst", "README.txt", "README", "readme.md", "Readme.md")
# Commands a README asks to run once before the app serves: create the tables, apply migrations, seed.
ONCE = re.compile(
    r"(?<![\w-])(?:init[-_]?db|create[-_]?db|setup[-_]?db|(?:db|database)\s+upgrade|migrate(?::\w+)?|"
    r"seed(?:[-_:]\w+)?|"
    r"db:(?:migrate|seed|setup|push)|db\s+push|migrate\s+deploy)(?![\w-])"
)
# ...but not the ones that author migrations or reset data.
_AUTHORING = re.compile(
    r"makemigrations|db\s+migrate|migrate\s+(?:dev|reset|create|make)|migrate:make|db\s+init\b"
)
_PROMPT = re.compile(r"^\s*(?:\([\w.-]+\)\s*)?[$%>]\s+")
_APP_CLIS = (
    "flask", "manage.py", "python", "alembic", "litestar", "npm", "yarn", "pnpm", "npx", "prisma", "knex",
    "sequelize"
)


# A Django management command that fills the database with data: loaddata, bakerydemo's
# load_initial_data, seed_db, populate_..., create_demo_data
DJANGO_DATA = re.compile(r"^(?:loaddata|load_?\w*|\w*seed\w*|populate\w*|\w*fixtures?\w*|\w*demo\w*|"
                         r"create_\w*data\w*)$")


def readme_data_steps(folder: Path) -> list[Step]:
    """The Django management commands the README's code blocks run to fill the database
    (``./manage.py load_initial_data``, ``python manage.py loaddata demo.json``), see :data:`DJANGO_DATA`."""
    found = []
    for step in readme_steps(folder, everything=True):
        words = commands.unwrap(commands.split_env(commands.tokens(step.command))[1])
        at = next((i for i, w in enumerate(words) if w.endswith("manage.py")), None)
        if at is not None and at + 1 < len(words) and DJANGO_DATA.match(words[at + 1]):
            found.append(step)
    return found


def readme_commands(folder: Path) -> list[Step]:
    """Every command line of the first README of *folder* (README_FILES order): lines in a fenced or
    indented block, or after a ``$`` prompt, without the prompt; comments (whole lines, and the end of a line
    from a ``#`` that starts a word) left out, each line once."""
    for name in README_FILES:
        text = read_text(folder / name, 200_000)
        if not text:
            continue
        out: list[Step] = []
        fenced = False
        for line in text.splitlines():
            if line.strip().startswith(("```", "~~~")):
                fenced = not fenced
                continue
            if not (fenced or line.startswith(("    ", "\t")) or _PROMPT.match(line)):
                continue
            # a comment after the command is the README's word to the reader (`npm run db:migrate  #
            # optional: npm run db:seed`), not part of the command a step runs
            command = commands.uncomment(_PROMPT.sub("", line)).strip()
            if command and not command.startswith("#") and command not in {s.command for s in out}:
                out.append(Step(command, name))
        return out
    return []


def readme_steps(folder: Path, everything: bool = False, own: tuple[str, ...] = ()) -> list[Step]:
    """Commands the README's code blocks ask to run once to set the database up (``flask --app flaskr
    init-db``, ``python manage.py migrate``, ``npm run db:seed``): lines in a fenced or indented block,
    or after a ``$`` prompt, that run the app's CLI, or one of *own*, the project's console scripts
    (litestar-fullstack's ``app database upgrade``). *everything*: every such line that runs the app's
    CLI, whatever it does."""
    clis = (*_APP_CLIS, *own)
    return [step for step in readme_commands(folder) if commands.program(step.command) in clis and (
        everything or ONCE.search(step.command) and not _AUTHORING.search(step.command))]
