"""A project's own run instructions, read for ``init``: Procfile, app.json, render.yaml, boot scripts,
Dockerfile and docker-compose services.

:func:`read_instructions` returns :class:`Instructions`: the command that
serves the app with the file that says so (``web``), what runs before it
(``pre``: release steps, migrations in a boot script), environment the files
set, a health-check path, the port a container exposes (a hint only) and the
backing services a compose file starts (Redis, Postgres...). Nothing is run.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import commands
from .files import read_json_dict, read_text, read_yaml

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


@dataclass(frozen=True)
class Step:
    """A command line and where it was read (``Procfile (web)``)."""

    command: str
    source: str


@dataclass(frozen=True)
class Service:
    """A backing service from a compose file: its name there, image, what it is and the variables the
    app reads to find it (``REDIS_URL=redis://redis:6379``)."""

    name: str
    image: str
    what: str
    variables: tuple[str, ...]

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
    if out.candidates:
        out.web = out.candidates[0]
    return out


def _split(line: str, source: str, out: Instructions, *, all_pre: bool = True) -> None:
    """A line's server segment becomes a candidate; the segments before it go to ``pre``."""
    parts = commands.segments(line)
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
        out.pre.extend(Step(p, "Procfile (release)") for p in commands.segments(lines["release"]))
    web = lines.get("web", "")
    script = _script_of(web, folder)
    if script is not None:
        _script(script, f"{script.name} (from Procfile web)", out)
    elif web:
        _split(web, "Procfile (web)", out)


def _script_of(line: str, folder: Path) -> Path | None:
    """The script file in *folder* that *line* runs (``./boot.sh``, ``sh bin/start``), if any."""
    words = commands.tokens(line)
    if words[:1] in (["sh"], ["bash"], ["exec"]):
        words = words[1:]
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
    """A shell script's server line (``exec gunicorn ...``) and the build steps before it."""
    out.read.append(path.name)
    steps: list[str] = []
    server = ""
    for raw in read_text(path).splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "if ", "while ", "until ", "for ", "case ", "elif ")):
            continue
        for part in commands.segments(line):
            words = commands.tokens(part)
            if not words or words[0] in _SCRIPT_NOISE or "=" in words[0].split("/")[0]:
                continue
            if commands.is_server(part) and not server:
                server = part
            elif not server and (commands.kind(part) != "other" or commands.program(part) == "flask"):
                steps.append(part)
    if server:
        fresh = not out.candidates
        out.candidates.append(Step(server, source))
        if fresh:
            out.pre.extend(Step(s, source) for s in dict.fromkeys(steps))


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


def _dockerfile(folder: Path, out: Instructions) -> None:
    text = read_text(folder / "Dockerfile")
    if not text:
        return
    out.read.append("Dockerfile")
    out.docker = True
    cmd = entry = ""
    for op, args in dockerfile_lines(text):
        if op == "CMD":
            cmd = _exec_form(args)
        elif op == "ENTRYPOINT":
            entry = _exec_form(args)
        elif op == "EXPOSE" and re.match(r"\d+", args):
            out.expose = Step(re.match(r"\d+", args).group(0), "Dockerfile (EXPOSE)")  # type: ignore[union-attr]
        elif op == "ENV":
            _docker_env(args, out)
        elif op == "HEALTHCHECK" and out.health is None:
            m = _HEALTH_URL.search(args)
            if m:
                out.health = Step(m.group(1), "Dockerfile (HEALTHCHECK)")
    script = _script_of(entry, folder) if entry else None
    if script is not None and script.name not in out.read:
        _script(script, f"{script.name} (Dockerfile ENTRYPOINT)", out)
    line = f"{entry} {cmd}".strip() if entry and script is None else cmd
    if line:
        _split(line, "Dockerfile (CMD)" if not entry or script else "Dockerfile (ENTRYPOINT)", out)


def _docker_env(args: str, out: Instructions) -> None:
    pairs = re.findall(r"([A-Za-z_]\w*)=(\"[^\"]*\"|\S+)", args)
    if not pairs:
        m = re.match(r"([A-Za-z_]\w*)\s+(.+)", args)
        pairs = [(m.group(1), m.group(2))] if m else []
    for name, value in pairs:
        if _KEPT_ENV.match(name):
            out.env.setdefault(name, Step(value.strip('"'), "Dockerfile (ENV)"))


def _compose(folder: Path, out: Instructions) -> None:
    name = next((n for n in COMPOSE_FILES if (folder / n).is_file()), "")
    data = read_yaml(folder / name) if name else None
    if not isinstance(data, dict) or not isinstance(data.get("services"), dict):
        return
    out.read.append(name)
    services: dict[str, Any] = {k: v for k, v in data["services"].items() if isinstance(v, dict)}
    app_env: dict[str, str] = {}
    for spec in services.values():
        if "build" in spec:
            app_env.update(_compose_env(spec.get("environment")))
            if isinstance(spec.get("command"), (str, list)):
                line = spec["command"] if isinstance(spec["command"], str) else commands.join(
                    [str(w) for w in spec["command"]])
                _split(line, f"{name} (command)", out, all_pre=False)
    for service, spec in services.items():
        image = str(spec.get("image") or "")
        base = image.split("/")[-1].split(":")[0].split("@")[0].lower()
        kind = next((k for k in SERVICES if base.startswith(k)), "")
        if not kind:
            continue
        what, usual = SERVICES[kind]
        pointing = tuple(
            k
            for k, v in app_env.items()
            if re.search(rf"(?:^|[/@:]){re.escape(service)}(?:[:/]|$)", v) or k == service
        )
        out.services.append(
            Service(service, image, what, pointing or tuple(v for v in usual if v in app_env))
        )


def _compose_env(env: Any) -> dict[str, str]:
    if isinstance(env, dict):
        return {str(k): str(v) for k, v in env.items() if v is not None}
    if isinstance(env, list):
        return dict(str(e).partition("=")[::2] for e in env if "=" in str(e))
    return {}
