"""How ``init`` serves a repository's app: :func:`detect_app`, from the project's own run instructions.

Order, most specific first:

1. the deployment files (:mod:`.instructions`): Procfile ``web`` (and
   ``release``), render.yaml, app.json, then boot/entrypoint scripts,
   Dockerfile CMD/ENTRYPOINT and docker-compose ``command``;
2. Node: package.json scripts (``start``, ``serve``/``preview`` that run a
   server, a framework's start, ``dev`` only as a last resort) and
   workspaces (:mod:`.nodeapp`);
3. Python: FLASK_APP (.flaskenv), wsgi.py/asgi.py, the module that creates
   the app, Django's manage.py (:mod:`.pyapp`, :mod:`.django`);
4. a Dockerfile alone: served through docker.

A static preview or a dev server is only a stand-in: when the top folder has
no real server but a folder of its own holds one (a Python ``backend/``
beside a Vite ``frontend/``), that server is served, and the client packages
are installed, built and measured with it (:mod:`.clients`).

Installs go to ``setup``, builds and migrations to ``build``, and ``command``
only starts the app. Whatever no file confirmed gets a ``# check:`` note.
"""

from __future__ import annotations

import ast
import os
import re
import shlex
from pathlib import Path, PurePosixPath

from ..masking import is_secret_name, mask
from . import commands
from .appsetup import FRONTEND_PAGES, AppSetup, Decision
from .clients import (EXPOSED, attach_clients, client_pages, local_api_call, node_notes, output_folder,
                      serves)
from .django import (DjangoFacts, allows_loopback, asgi_early_import, is_django, loaded_settings, read_django,
                     runserver_serves_asgi, server_settings, unused_settings)
from .djangourls import UrlConf, read_urlconf
from .envdefaults import as_process_env, defaulted_env, js_env_reads, kit_static_env, taken_without_default
from .health import (Graph, Health, LoadRoute, asks_login, find_health, find_load_routes, full_route,
                     guarded_route, health_rank, loadable, page_candidates, read_graph, root_answers)
from .files import (JS_SUFFIXES, join, json_root, named_dirs, page_route, python_module, read_json_dict,
                    read_text, ready_path, real_path, rel, root_route, source_files)
from .dotenv import TEMPLATES, dotenv_file, own_dotenv
from .instructions import (ONCE, Instructions, Step, read_instructions, readme_commands,
                           readme_data_steps, readme_steps)
from .nodeapp import (
    INSTALL_HOOKS,
    Package,
    Tools,
    bundle_globs,
    checks_in,
    exports_without_listen,
    install_dir,
    install_source,
    node_packages,
    node_port,
    server_outputs,
    server_script,
    Start,
    start_command,
    tools,
    typescript_members,
    unbuilt_entry,
    webpack_production_test,
    yarn_berry,
)
from .scriptreach import reaches
from .nx import NxClient, NxServer, nx_clients, nx_projects, nx_runner, nx_server
from .nodenotes import production_only, synchronize_off_in_production
from .nodenotes import required_env as node_required_env
from .graphqllogin import graphql_login
from .graphql import graphql_endpoint, under_includes
from .openapi import Served, nitro_dev_document, served_document
from .orms import OrmDatabase, generates, in_folder, orm_databases, prisma_schema
from .pages import page_routes
from .trpcroutes import trpc_routes
from .fileroutes import FileRoutes, file_routes
from .nextroutes import get_routes, next_base_path, next_output, next_routes
from .remixroutes import health_module, route_modules
from .pyapp import (Target, app_package, dotenv, find_target, framework_of, python_port, required_env,
                    server_command)
from .pysettings import required_settings
from .pydeps import (PythonDeps, audit_files, console_scripts, pip_adds, read_python, requirements_above,
                     requirements_of_package, setup_command)
from .settingsfiles import address_settings
from .selfserve import command_line, readme_arguments, self_serving, self_serving_text
from .runtimes import python_asked, python_note, python_range
from .workspaces import INSTALL_HINTS, missing_tool_note

LOOKED_FOR = (
    "Procfile",
    "app.json",
    "render.yaml",
    "package.json scripts (start, serve, preview, dev)",
    ".flaskenv / FLASK_APP",
    "wsgi.py / asgi.py",
    "a module creating a Flask/FastAPI/Starlette app",
    "a module running its own aiohttp/Tornado server",
    "manage.py",
    "boot.sh / entrypoint.sh",
    "Dockerfile CMD/ENTRYPOINT",
    "docker-compose services",
)
_PY_PROGRAMS = (
    "gunicorn",
    "uvicorn",
    "hypercorn",
    "daphne",
    "waitress-serve",
    "granian",
    "uwsgi",
    "flask",
    "quart",
    "sanic",
    "fastapi",
    "manage.py",
    "python",
)
# How a package goes into the dependencies a lockfile's installer reads (setup_command's installers)
_LOCK_ADDS = {"uv": "`uv add`", "poetry": "`poetry add`", "pdm": "`pdm add`", "pipenv": "`pipenv install`"}
_APP_FOLDERS = ("src", "backend", "server", "api", "app", "web", "service")
PLACEHOLDER_SECRET = "echotune-ci-local-only-not-a-secret"
# Secrets the app makes up its own value of (signing keys): any value serves a measurement. Not passwords
# or tokens, which must match a database's or a service's (a placeholder would break a local Postgres
# that trusts a connection without one), nor a third party's credentials (microblog-api's
# GITHUB_CLIENT_SECRET, read into an OAuth table the app starts without, was said to be required).
_OWN_SECRET = re.compile(
    r"^(?!\w*(?:CLIENT|API|ACCESS|AWS|STRIPE|TWILIO|SENDGRID|MAILGUN|GITHUB|GOOGLE|OPENAI|FIREBASE|PAYPAL|"
    r"CLOUDINARY|SLACK|SENTRY))(?:\w*(?:SECRET|SALT)\w*|\w*(?:JWT|SIGNING|ENCRYPTION|SESSION|COOKIE|APP)_KEY)$",
    re.I)
# The distribution to install for a framework when the project names no dependencies at all.
_DISTRIBUTIONS = {"fastapi": "fastapi", "flask": "flask", "starlette": "starlette", "quart": "quart",
                  "litestar": "litestar", "sanic": "sanic", "bottle": "bottle", "falcon": "falcon",
                  "django": "django", "aiohttp": "aiohttp", "tornado": "tornado"}
# A build step that prepares the database (migrations, the project's own deploy or init-db command).
_SETS_UP_DB = re.compile(
    r"(?<![\w-])(?:deploy|init[-_]?db|create[-_]?db|setup[-_]?db|upgrade|migrate|bootstrap|seed|db[:_-]push)"
    r"(?![\w-])"
)
# Dependencies that mean the app keeps data in a database whose tables must exist.
_DATABASES = ("sqlalchemy", "flask-sqlalchemy", "sqlmodel", "peewee", "tortoise-orm", "pony", "databases",
              "ormar", "piccolo", "mongoengine")


def detect_app(root: Path) -> AppSetup:
    """How to serve the app of *root*; an AppSetup with an empty command when nothing runnable is found.

    Raises InputError for a top-level package.json or pyproject.toml that
    is not valid JSON or TOML.
    """
    inner = _served_elsewhere(root)
    if inner is not None:
        return _finish(inner, root)
    app = _detect_in(root, root)
    # A Python app found at the top with no manifest there (fastapi-crud-async: src/app/main.py, and
    # src/requirements.txt, which the top does not see) may be the app of a folder that has one.
    unlisted = app is not None and app.kind == "python" and not (app.requirements or app.pyproject
                                                                  or app.setup_inputs)
    if app is None or not app.runnable or app.fallback or app.kind == "python" and not app.setup or unlisted:
        # The app may live in a folder of its own (src/, backend/...) with its own manifest, or be a
        # Python backend beside a front end that only has a static preview at the top.
        for name in named_dirs(root, _APP_FOLDERS):
            folder = root / name
            if not folder.is_dir() or not (_has_manifest(folder) or _creates_python_app(folder)):
                continue
            inner = _detect_in(root, folder)
            if inner is None or not inner.runnable or inner.fallback:
                continue
            if unlisted and app is not None and app.runnable and app.setup and not app.fallback and not (
                    inner.requirements or inner.pyproject or inner.setup_inputs):
                # The top's app (microblog's early chapters: .flaskenv's FLASK_APP=microblog.py importing the
                # app/ package, no requirements anywhere) and a folder that lists nothing more: the package
                # imports the top's modules (`from config import Config`) and runs from there.
                continue
            if app is not None and app.fallback and inner.kind == "python":
                why = f"the top folder alone would be served by `{app.command}`"
                return _finish(_with_clients(inner, root, folder, why, app.framework), root)
            if inner.kind == "python" and (app is None or not app.runnable):
                # a client beside it that no static preview could serve (Vue CLI's build): built and
                # measured all the same
                top = node_packages(root)
                framework = _node_framework(top) if top else inner.framework
                return _finish(_with_clients(inner, root, folder, "nothing at the top runs a server",
                                             framework), root)
            if inner.setup or app is None or not app.runnable or app.fallback:
                return _finish(inner, root)
    if app is None:
        app = AppSetup(kind="none", framework="unknown", looked_for=list(LOOKED_FOR))
        app.decide("command", "", "nothing runnable found")
    elif not app.runnable:
        app.looked_for = list(LOOKED_FOR)
    return _finish(app, root)


def _finish(app: AppSetup, root: Path) -> AppSetup:
    """*app* with its install step keeping dev dependencies when needed, its lockfiles in the audit
    entries, and no bundle glob outside the repository."""
    app = _with_dev_dependencies(app, root)
    audit_entries(app)
    _outputs_inside(app, root)
    _uv_environment(app, root)
    _turbo_env_mode(app, root)
    from .gunicornconf import config_note, one_worker_note

    serving = root / app.cwd
    for note in (config_note(serving, app.command), one_worker_note(serving, app.command, app.env)):
        if note:
            app.check("command", note)
    return app


# A package manager running a script of package.json: `pnpm build`, `npm run build`, `yarn start`,
# `bun run build`, `pnpm --filter web build` (the script of another member: not the top's)
_RUNS_SCRIPT = re.compile(r"(?:^|&&|;|\(|\|\|)\s*(?:npm\s+run|npm|pnpm(?:\s+run)?|yarn(?:\s+run)?|bun\s+run)"
                          r"\s+([\w:.-]+)")
_RUNS_TURBO = re.compile(r"(?:^|&&|;|\(|\|\||\s)(?:npx\s+|pnpm\s+(?:exec\s+)?|yarn\s+|bunx\s+)?turbo\s")


def _turbo_env_mode(app: AppSetup, root: Path) -> None:
    """Turborepo 2 runs each task in its strict environment mode: only the variables turbo.json declares
    (``env``, ``globalEnv``, the pass-through lists) and a framework's own prefixes (NEXT_PUBLIC_) reach
    the task, so [serve] env never reaches a build that ``turbo build`` runs (a Next rewrite to
    ``process.env.EXTERNAL_SERVER_URL`` failed "Invalid rewrite found" with the variable set). Where
    setup, build or command runs turbo, TURBO_ENV_MODE=loose (turbo's own switch, ``--env-mode``)
    hands the tasks the whole environment."""
    if "TURBO_ENV_MODE" in app.env or not any((root / app.cwd / name).is_file()
                                              for name in ("turbo.json", "turbo.jsonc")):
        return
    scripts = read_json_dict(root / app.cwd / "package.json").get("scripts")
    scripts = scripts if isinstance(scripts, dict) else {}
    for key, step in (("build", app.build), ("command", app.command), ("setup", app.setup)):
        named = [m.group(1) for m in _RUNS_SCRIPT.finditer(step)]
        turbo = next((f"scripts.{n}" for n in named if _RUNS_TURBO.search(f" {scripts.get(n, '')} ")), "")
        if not turbo and not _RUNS_TURBO.search(f" {step} "):
            continue
        how = f"package.json ({turbo}) runs turbo" if turbo else f"[serve] {key} runs turbo"
        app.env["TURBO_ENV_MODE"] = "loose"
        app.decide("env", "TURBO_ENV_MODE=loose", f"{how}, whose strict environment mode hands its tasks "
                   "only the variables turbo.json declares: [serve] env would not reach them")
        return


def _uv_environment(app: AppSetup, root: Path) -> None:
    """A uv workspace whose root is above the project: ``uv sync`` would make the venv there, where
    ``run`` does not look (it looks from cwd up to the project); UV_PROJECT_ENVIRONMENT, which uv
    resolves from the workspace root, puts it in the app's folder instead."""
    lock = next((f for f in app.lockfiles if PurePosixPath(f).name == "uv.lock"), "")
    if "uv sync" not in app.setup or not lock.startswith("../") or "UV_PROJECT_ENVIRONMENT" in app.env:
        return
    workspace = (root / lock).parent.resolve()
    venv = Path(os.path.relpath((root / app.cwd / ".venv").resolve(), workspace)).as_posix()
    app.env["UV_PROJECT_ENVIRONMENT"] = venv
    app.decide("env", f"UV_PROJECT_ENVIRONMENT={venv}", f"{lock} is above the project: uv would make the "
               "venv at the workspace root, outside it")


def audit_entries(app: AppSetup) -> None:
    """Put the JavaScript lockfiles setup installs from into ``[security.audit] lockfiles`` when the audit
    would not find them itself (a Python lockfile is listed, which turns its search off, or the lockfile
    is above the project or deeper than its direct subfolders), and say which cannot be audited."""
    from ..phases.security.lockfiles import LOCKFILE_NAMES

    locks = list(dict.fromkeys(app.js_lockfiles))
    auditable = [lock for lock in locks if PurePosixPath(lock).name in LOCKFILE_NAMES]
    for lock in locks:
        if lock in auditable:
            continue
        app.decide("audit", f"{lock} not audited", f"the JavaScript audit reads {', '.join(LOCKFILE_NAMES)}; "
                   f"not {PurePosixPath(lock).name}")
        app.check(
            "audit",
            f"{lock} is a lockfile the JavaScript audit cannot read (it reads {', '.join(LOCKFILE_NAMES)}): "
            "the JavaScript packages it locks are not audited",
        )
    unseen = [lock for lock in auditable if lock.startswith("../") or len(PurePosixPath(lock).parts) > 2]
    if auditable and (app.lockfiles or unseen):
        why = ("listed because a Python lockfile is listed too" if app.lockfiles and not unseen else
               "listed because the audit only looks in the project folder and its direct subfolders")
        app.lockfiles += [lock for lock in auditable if lock not in app.lockfiles]
        app.decide("audit", ", ".join(auditable), f"the locked versions of the JavaScript packages ({why})")


def _outputs_inside(app: AppSetup, root: Path) -> None:
    """Drop bundle globs (and build outputs) outside the git repository holding *root*, with a note."""
    top = root.resolve()
    repo = next((f for f in (top, *top.parents) if (f / ".git").exists()), top)
    folders = {output_folder(g) for g in app.bundle_globs}
    outside = sorted(f for f in folders if not _inside(top / f, repo))
    if not outside:
        return
    app.bundle_globs = [g for g in app.bundle_globs if output_folder(g) not in outside]
    app.generated = [g for g in app.generated if g not in outside]
    if not app.bundle_globs and "bundle" in app.phases:
        app.phases.remove("bundle")
    app.check(  # above build: [bundle] is not written when no glob is left
        "build",
        f"the client build writes to {', '.join(outside)}, outside the repository ({repo}): the bundle phase "
        "does not measure files there; build into a folder of the repository to measure the bundle",
    )


def _inside(path: Path, repo: Path) -> bool:
    resolved = real_path(path)
    return resolved == repo or repo in resolved.parents


# With NODE_ENV=production in [serve] env (a deployment's setting), every install in setup and build
# would leave out the devDependencies that the build needs (vite, typescript...), also the installs a
# package.json script runs (mern-ecommerce's "build": "npm install --prefix frontend && ...": "serve.build
# needs `vite`"). Each manager's own setting, in the environment, reaches them all (npm 10, yarn 1.22 and
# pnpm 8 run here: the devDependency installed under NODE_ENV=production with it, left out without).
# YARN_PRODUCTION is Yarn 1's alone: Yarn 2+ installs the devDependencies whatever NODE_ENV says (4.3.1
# here) and refuses every command, `yarn start` too, under a YARN_ variable it does not know ("Usage Error:
# Unrecognized or legacy configuration settings found: production ... (in <environment>)"): actual-server's
# setup stopped on the setting init had written.
_KEEP_DEV = {"npm": ("npm_config_include", "dev"), "yarn": ("YARN_PRODUCTION", "false"),
             "pnpm": ("npm_config_production", "false")}


def _with_dev_dependencies(app: AppSetup, root: Path) -> AppSetup:
    """*app* (in *root*) whose Node installs (setup's, build's and those its scripts run) keep the
    devDependencies when NODE_ENV=production is set: the package manager's setting for it in [serve] env,
    none for a Yarn 2+ project (see _KEEP_DEV)."""
    if app.env.get("NODE_ENV") != "production":
        return app
    steps = f"{app.setup} && {app.build}"
    berry = yarn_berry(root / app.cwd) or yarn_berry(root)
    for manager, (name, value) in _KEEP_DEV.items():
        if manager == "yarn" and berry:
            continue
        if re.search(rf"(?<![\w-]){manager}(?![\w-])", steps) and name not in app.env:
            app.env[name] = value
            app.decide("env", f"{name}={value}", "NODE_ENV=production would leave out the devDependencies "
                       f"the build needs, also in the installs package.json's scripts run ({manager})")
    return app


def _served_elsewhere(root: Path) -> AppSetup | None:
    """The app of the folder a Python server command of the top's deployment files runs in, when that
    folder has the manifest the top lacks (a compose service built from ./backend running uvicorn), with
    that command and the top's client packages; None otherwise."""
    ins = read_instructions(root)
    where, rest = commands.strip_cd(ins.web.command) if ins.web else ("", "")
    folder = root / where
    if (not where or where.startswith("..") or commands.program(rest) not in _PY_PROGRAMS
            or read_python(root).found or not folder.is_dir() or not _has_manifest(folder)):
        return None
    inner = _detect_in(root, folder, Step(rest, ins.web.source) if ins.web else None)
    if inner is None or not inner.runnable:
        return None
    why = f"{ins.web.source if ins.web else ''} runs the server there".strip()
    inner.decisions = [Decision("cwd", d.value, f"{where}/ runs the server ({why})") if d.key == "cwd" else d
                       for d in inner.decisions]
    top = node_packages(root)
    return _with_clients(inner, root, folder, why, _node_framework(top) if top else inner.framework)


def _with_clients(server: AppSetup, root: Path, folder: Path, why: str, framework: str) -> AppSetup:
    """*server* (a Python backend in *folder*) with the client packages of the top folder installed,
    built and measured beside it; *why* says why the server is served from its folder rather than the
    top (whose framework is *framework*)."""
    inside = folder.resolve()
    clients = [p for p in node_packages(root) if p.client and not p.path.resolve().is_relative_to(inside)]
    if not clients:
        return server
    where = rel(folder, root)
    server.decisions = [
        Decision("cwd", d.value, f"{where}/ runs the server; {', '.join(p.dir + '/' for p in clients)} only "
                 f"builds a client ({why})")
        if d.key == "cwd" else d
        for d in server.decisions
    ]
    sources = list(source_files(folder, (".py",), limit=300))
    attach_clients(server, folder, root, clients, sources)
    frameworks = {server.framework, framework}
    server.framework = " + ".join(sorted(frameworks, key=lambda f: f != server.framework))
    return server


def _has_manifest(folder: Path) -> bool:
    return any(
        (folder / n).is_file()
        for n in ("requirements.txt", "pyproject.toml", "manage.py", "Dockerfile", "Procfile", "setup.py")
    )


def _creates_python_app(folder: Path) -> bool:
    """Whether a module in *folder* creates a web app (``app = FastAPI()``) or starts its own server when run
    (aiohttp's ``web.run_app``), manifest or not."""
    return find_target(folder, PythonDeps(), {}) is not None or self_serving(folder) is not None


def _detect_in(root: Path, folder: Path, given: Step | None = None) -> AppSetup | None:
    """The app of *folder*; *given*, a command a file above states for it, serves it unless the folder's
    own files name another."""
    ins = read_instructions(folder)
    if given is not None and ins.web is None:
        ins.web = given
        ins.candidates.insert(0, given)
    deps = read_python(folder)
    packages = node_packages(folder)
    if not deps.found and not packages and ((folder / "manage.py").is_file() or _creates_python_app(folder)):
        above = requirements_above(folder)
        deps = above if above.found else deps
    if not deps.found:
        # The app is a package of this folder that runs from here (FLASK_APP=backend.app:app beside a Vite
        # frontend/), its requirements in the package's folder: this folder serves it, not the package's.
        given_env = {k: v.command for k, v in ins.env.items()}
        named = app_package(folder, given_env, ins.web.command if ins.web else "")
        inner = requirements_of_package(folder, named)
        deps = inner if inner.found else deps
    web = commands.program(ins.web.command) if ins.web else ""
    python = bool(framework_of(deps) or (folder / "manage.py").is_file()) or web in _PY_PROGRAMS
    if web and web not in _PY_PROGRAMS and packages:
        python = False
    if not python and not packages and not deps.found and not web and _creates_python_app(folder):
        python = True  # an app module and no manifest at all: setup installs the framework
    cwd = rel(folder, root)
    if python or (deps.found and not packages):
        app = _python_app(folder, ins, deps)
    elif packages:
        app = _node_app(folder, ins, packages)
    elif ins.docker:
        app = _docker_app(folder, ins)
    else:
        return None
    app.cwd = cwd
    if cwd != ".":
        app.decide("cwd", cwd, f"{cwd}/ holds the app (nothing runnable at the top)")
        app.requirements = [join(cwd, r) for r in app.requirements]
        app.pyproject = join(cwd, app.pyproject) if app.pyproject else ""
        app.lockfiles = [join(cwd, r) for r in app.lockfiles]
        app.js_lockfiles = [join(cwd, r) for r in app.js_lockfiles]
        app.bundle_globs = [join(cwd, g) for g in app.bundle_globs]
        app.generated = [join(cwd, g) for g in app.generated]
    for note in ins.notes:
        app.check("command", note.command)
    _services(app, ins, folder, set(deps.names) | {n for p in packages for n in p.deps}, packages)
    _databases(app, folder, deps, packages, ins)
    _services_above(app, folder, packages)
    return app


# Database clients by what they connect to (a key of instructions.SERVICES), in package.json or the Python
# dependencies: an app that needs one exits at its first query, or at start (proshop: mongoose.connect of
# an undefined MONGO_URI, then process.exit(1)), with nothing in init's output that said so.
DATABASE_CLIENTS = {
    "mongo": ("mongoose", "mongodb", "pymongo", "motor", "mongoengine", "beanie"),
    "postgres": ("pg", "pg-promise", "postgres", "psycopg", "psycopg2", "psycopg2-binary", "asyncpg"),
    "mysql": ("mysql", "mysql2", "mysqlclient", "pymysql", "aiomysql"),
    "redis": ("redis", "ioredis", "django-redis", "aioredis"),
}
# postgis and mariadb images are the postgres and mysql the clients connect to
_CLIENT_KIND = {"postgis": "postgres", "mariadb": "mysql"}
# Where the code reads the setting that points at it. Python: os.environ["X"], os.getenv("X"),
# django-environ's env("X") / env.str("X") and python-decouple's config("X"), or a pydantic settings field
# (POSTGRES_SERVER: str); not a config class's own value (DB_NAME = 'dev.db' in
# flask-realworld-example-app's DevConfig), which no variable sets.
# A provider's prefix counts (UPSTASH_REDIS_URL: mern-ecommerce; NEON_DATABASE_URL), and so do a host, name,
# user or password split over variables with no underscore after DB (Azure's samples: DBHOST, DBNAME,
# DBUSER, DBPASS) or spelt DATABASE_HOST.
_DB_VARIABLE = r"(?:\w*MONGO\w*|\w*DATABASE_URL\w*|\w*POSTGRES_\w+|PG(?:HOST|DATABASE|USER|PASSWORD|PORT)|" \
               r"DB_\w+|\w*DB_?(?:HOST|NAME|USER|PASS(?:WORD)?|PORT|SERVER)|" \
               r"DATABASE_(?:HOST|NAME|USER|PASS(?:WORD)?|PORT|SERVER)|\w*MYSQL_\w+|\w*REDIS_\w+)"
# A field named like a variable counts unless its line reads another one (litestar-fullstack's
# `REDIS_URL: str = field(default_factory=get_env("SAQ_REDIS_URL", ...))` is set through SAQ_REDIS_URL).
_PY_READS = re.compile(rf"""(?:environ(?:\.get)?[\[(]\s*['"]|getenv\(\s*['"]|"""
                       rf"""\b(?:env(?:\.\w+)?|config|(?:get|read)_?env(?:_?var)?)\(\s*['"])({_DB_VARIABLE})\b|"""
                       rf"""^\s+({_DB_VARIABLE})\s*:(?!=)(?![^\n]*\b(?:environ|getenv|(?:get|read)_?env(?:_?var)?|"""
                       rf"""env|config)\b\s*[\[(.])""", re.M)
# JavaScript reads process.env (envdefaults.js_env_reads), or a schema of it validated at startup (Joi's
# `REDIS_URL: Joi.string()`, zod's `z.string()`, envalid's `url()`); any other object key that looks like a
# variable names nothing the environment sets (a Vuex store's SET_REDIS_LOADING mutation was "found through")
_JS_SCHEMA_KEY = re.compile(rf"^\s+({_DB_VARIABLE})\s*:\s*(?:Joi\.|z\.|(?:str|num|bool|port|url|host)\()",
                            re.M)


# The words by which variables name an environment (sequelize-cli's config/config.js keyed by development,
# test and production, reading DEV_DB_NAME, TEST_DB_NAME, PROD_DB_NAME)
_ENV_WORDS = {"development": ("DEV", "DEVELOPMENT"), "test": ("TEST",), "production": ("PROD", "PRODUCTION")}


def _of_node_env(found: list[str], node_env: str) -> list[str]:
    """The variables of *found* that *node_env* (NODE_ENV's value) uses when they name several
    environments (``DEV_DB_NAME``, ``TEST_DB_NAME``, ``PROD_DB_NAME``): those of that one and those that
    name none; else *found*. A check that named DEV_ and TEST_ variables left a server under
    NODE_ENV=production, which reads PROD_DB_*, pointed nowhere."""
    def env_of(name: str) -> str:
        words = name.upper().split("_")
        return next((env for env, tags in _ENV_WORDS.items() if any(t in words for t in tags)), "")

    named = {env_of(n) for n in found} - {""}
    if len(named) < 2 or node_env not in named:
        return found
    return [n for n in found if env_of(n) in ("", node_env)]


def _database_reads(path: Path, text: str) -> list[str]:
    """The variables that can point at a database which the Python or JavaScript *text* of *path* reads from
    the environment, in order."""
    if path.suffix == ".py":
        return [m.group(1) or m.group(2) for m in _PY_READS.finditer(text)]
    reads = js_env_reads(text)
    if "process.env" in text:
        reads = sorted([*reads, *((m.group(1), m.start()) for m in _JS_SCHEMA_KEY.finditer(text))],
                       key=lambda read: read[1])
    return [name for name, _ in reads if re.fullmatch(_DB_VARIABLE, name)]


def _server_sources(folder: Path, packages: list[Package]) -> list[Path]:
    """The Python and JavaScript files under *folder* that run on the server: not those of a package that
    only builds a front end, nor the browser code or build output :func:`classify` finds elsewhere (a
    Vue or React component or store)."""
    from ..phases.security.checks.node import classify

    clients = frozenset(p.dir.split("/")[-1] for p in packages if p.client and not p.server and p.dir != ".")
    out = []
    for path in source_files(folder, (".py", *JS_SUFFIXES), limit=300, skip=clients):
        if path.suffix == ".py" or classify(rel(path, folder), read_text(path), ()) not in ("client",
                                                                                            "generated"):
            out.append(path)
    return out


def _databases(app: AppSetup, folder: Path, deps: PythonDeps, packages: list[Package],
               ins: Instructions) -> None:
    """A ``# check:`` for each database the app's dependencies connect to that no compose file starts:
    which client says so and the variables the code reads to find it."""
    from .instructions import SERVICES

    node = {n for p in packages if isinstance(p.data.get("dependencies"), dict)
            for n in p.data["dependencies"]}
    names = set(deps.names) | node
    # An ORM names its database in its own files (SQLite-Template: @prisma/client and schema.prisma's
    # provider "postgresql", url env("DATABASE_URL"), with no pg in package.json): init said nothing of it
    orms = {o.kind: o for o in reversed(orm_databases(packages, folder)) if o.kind and o.client in node}
    started = {_CLIENT_KIND.get(s.kind, s.kind) for s in ins.services}
    above = _composed_above(folder)
    sources: list[Path] | None = None
    for kind, clients in DATABASE_CLIENTS.items():
        client = next((c for c in clients if c in names), None)
        orm = orms.get(kind)
        if client is None and orm is not None:
            client = orm.client
        if kind == "redis" and client is not None:
            app.redis = f"{client} in {_manifest_of(client, packages)}"
        if client is None or kind in started:
            continue
        if sources is None:
            sources = _server_sources(folder, packages)
        found: dict[str, None] = dict.fromkeys(orm.variables if orm is not None else ())
        for path in sources:
            for variable in _database_reads(path, read_text(path)):
                if _names_kind(variable, kind):
                    found.setdefault(variable)
        what = SERVICES[kind][0]
        node_env = (app.env.get("NODE_ENV") or "development") if packages else ""
        picked = _of_node_env(list(found), node_env) if node_env else list(found)
        listed = ", ".join(picked[:4]) + (", ..." if len(picked) > 4 else "")
        via = f", found through {listed}" if found else ""
        if len(picked) < len(found):
            via += f" (those NODE_ENV={node_env} picks)"
        if kind in above:
            # fastapi-crud-async's src/: the top's docker-compose.yml starts it, which `init --dir src` left
            # unsaid while the app stopped on DATABASE_URL
            app.check("env", f"{above[kind]} starts {what} for the app{via}: start one and point the app at "
                             "127.0.0.1 in [serve] env")
            continue
        manifest = "package.json" if client in node else "the dependencies"
        if orm is not None and client == orm.client:
            manifest += f" ({orm.where}: {orm.said})"
        settings = [] if found else address_settings(folder, kind)
        if settings:
            # aiohttp-demos' blog reads DB_HOST and REDIS_PORT from config/user_config.toml: no variable
            # reaches it, so "point the app at 127.0.0.1 in [serve] env" could not be done
            listed = "; ".join(f"{file} ({', '.join(keys[:4])})" for file, keys in settings[:3])
            gives = "its settings file gives" if len(settings) == 1 else "its settings files give"
            app.check("env", f"{client} in {manifest}: the app connects to {what}, which nothing here "
                             f"starts, at the address {gives} ({listed}), not a variable: where it "
                             "needs one to serve, start one and set that address to it there ([serve] env "
                             "does not reach it; commit the change so that the base of `run --base-ref` has "
                             "it too)")
            continue
        app.check("env", f"{client} in {manifest}: the app connects to {what}{via}, which nothing here "
                         f"starts; where it needs one to serve, start one and point the app at 127.0.0.1 in "
                         f"[serve] env")


def database_reads(folder: Path, kind: str) -> dict[str, str]:
    """{variable: the file (relative to *folder*) that reads it} of the variables the server's code under
    *folder* reads from the environment that can point at a database of *kind* (a key of
    DATABASE_CLIENTS), in the order read: what `run` names when the app exits for want of that database."""
    found: dict[str, str] = {}
    for path in _server_sources(folder, node_packages(folder)):
        for variable in _database_reads(path, read_text(path)):
            if _names_kind(variable, kind):
                found.setdefault(variable, rel(path, folder))
    return found


def _manifest_of(name: str, packages: list[Package]) -> str:
    """The package.json that lists *name* among its dependencies, else "the dependencies" (Python's)."""
    pkg = next((p for p in packages if isinstance(p.data.get("dependencies"), dict)
                and name in p.data["dependencies"]), None)
    return join(pkg.dir, "package.json") if pkg is not None else "the dependencies"


def _names_kind(variable: str, kind: str) -> bool:
    """Whether *variable* can point at a database of *kind*: REDIS_* only at Redis, and a Mongo client's
    variable names Mongo or a database (DB_HOST is Postgres' or MySQL's as much as Mongo's)."""
    if kind == "redis" or "REDIS" in variable:
        return kind == "redis" and "REDIS" in variable
    return kind != "mongo" or "MONGO" in variable or "DATABASE" in variable


def _composed_above(folder: Path) -> dict[str, str]:
    """{database kind: the compose file (relative to *folder*, ``../docker-compose.yml``) that starts it}
    of the compose files in the folders above *folder*, up to the repository's top
    (full-stack-fastapi-template: backend/ with the top's compose.yml starting postgres)."""
    from .instructions import COMPOSE_FILES, IMAGE_KINDS

    kinds: dict[str, str] = {}
    here = folder.resolve()
    for depth, above in enumerate(list(here.parents)[:3], start=1):
        for name in COMPOSE_FILES:
            if (above / name).is_file():
                for image in re.findall(r"(?m)^\s*image:\s*['\"]?([^\s'\"]+)", read_text(above / name)):
                    kind = IMAGE_KINDS.get(image.split("/")[-1].split(":")[0].split("@")[0].lower(), "")
                    kinds.setdefault(_CLIENT_KIND.get(kind, kind), "../" * depth + name)
        if (above / ".git").exists():
            break
    return kinds


def _services_above(app: AppSetup, folder: Path, packages: list[Package]) -> None:
    """A ``# check:`` for each service a compose file above *folder* starts from an image (a search engine,
    a broker: not the databases :func:`_databases` tells of) that the server's code reaches by its service
    name, as the default of a variable it reads: ``os.getenv("MEILISEARCH_HOST", "http://meilisearch:7700")``
    under the top's compose file starting ``meilisearch``. A Django app that creates its search index when
    it starts stopped its build on "Failed to resolve 'meilisearch'", with nothing in init's output about
    it."""
    from .instructions import COMPOSE_FILES, IMAGE_KINDS, SERVICES
    from .files import read_yaml

    started: dict[str, tuple[str, str]] = {}  # service name: (its image, the compose file relative)
    here = folder.resolve()
    for depth, above in enumerate(list(here.parents)[:3], start=1):
        for name in COMPOSE_FILES:
            data = read_yaml(above / name) if (above / name).is_file() else None
            services = data.get("services") if isinstance(data, dict) else None
            for service, spec in services.items() if isinstance(services, dict) else ():
                if isinstance(spec, dict) and isinstance(spec.get("image"), str) and "build" not in spec:
                    started.setdefault(str(service), (spec["image"], "../" * depth + name))
        if (above / ".git").exists():
            break
    if not started:
        return
    sources = _server_sources(folder, packages)
    for service, (image, compose) in started.items():
        base = image.split("/")[-1].split(":")[0].split("@")[0].lower()
        kind = _CLIENT_KIND.get(IMAGE_KINDS.get(base, ""), IMAGE_KINDS.get(base, ""))
        if kind in DATABASE_CLIENTS:
            continue
        found = _service_defaults(service, sources, folder)
        if not found:
            continue
        what = SERVICES[kind][0] if kind in SERVICES else base
        reads = "; ".join(f"{variable} (default {value}, {where})" for variable, value, where in found[:3])
        app.check("env", f"{compose} starts {what} ('{service}', {image}) for the app, found through "
                         f"{reads}: start one and point the app at 127.0.0.1 in [serve] env")


# Clients of the services besides databases that a compose file starts beside the app (a key of
# instructions.SERVICES), in package.json or the Python dependencies. A database is left out: an ORM brings
# its own driver (Prisma lists no pg), so a missing client says nothing of it.
_SERVICE_CLIENTS = {
    "memcached": ("memcached", "memjs", "memcache-client", "memcache-plus", "pymemcache", "python-memcached",
                  "pylibmc", "django-pylibmc", "aiomcache", "emcache"),
    "rabbitmq": ("amqplib", "amqp-connection-manager", "rascal", "rhea", "pika", "aio-pika", "aiormq",
                 "kombu", "celery", "dramatiq", "faststream"),
    "elasticsearch": ("@elastic/elasticsearch", "elasticsearch", "elasticsearch-dsl", "elasticsearch8",
                      "django-elasticsearch-dsl"),
}


def _service_defaults(service: str, sources: list[Path], folder: Path) -> list[tuple[str, str, str]]:
    """(variable, default, ``file:line``) of each variable the server's *sources* read with a default that
    reaches the compose service *service* by its name: ``os.getenv("REDIS_URL", "redis://redis:6379/0")``,
    ``env("SEARCH_HOST", default="meilisearch")``."""
    default = re.compile(rf"""(?:getenv|environ\.get|\benv(?:\.\w+)?|\bconfig)\(\s*['"](\w+)['"]\s*,\s*"""
                         rf"""(?:default\s*=\s*)?['"]((?:[a-z][\w+.-]*://)?(?:[^'"@/\s]*@)?"""
                         rf"""{re.escape(service)}(?::\d+)?(?:/[^'"]*)?)['"]""")
    return [(m.group(1), m.group(2), f"{rel(path, folder)}:{text.count(chr(10), 0, m.start()) + 1}")
            for path in sources for text in (read_text(path),) for m in default.finditer(text)]


def _at_loopback(value: str, service: str, kind: str) -> str:
    """*value*, a default that names the compose service *service*, at 127.0.0.1 instead (the server one
    starts here), and a Redis URL's database as {build_index}: under `run --base-ref` each build then has
    its own (0 for the head, as in a plain run), where one database made the shared-Redis warning."""
    from ..baseref.data import redis_own_database

    # the host after "://" or "@" (never the scheme: redis://redis:6379), else the whole value
    host = rf"(://|@){re.escape(service)}(?=[:/?]|$)" if "://" in value else rf"^{re.escape(service)}(?=:|$)"
    local = re.sub(host, lambda m: f"{m.group(1) if m.groups() else ''}127.0.0.1", value, count=1)
    return redis_own_database(local) if kind == "redis" and "://" in local else local


def _services(app: AppSetup, ins: Instructions, folder: Path, names: set[str],
              packages: list[Package] | None = None) -> None:
    """A ``# check:`` for each backing service the compose file starts for the app; one that no variable of
    the app's services points at and whose clients *names* (the dependencies) lacks is said to be left out
    (koa-vue-pet-1's compose file starts Memcached, which no code of the app reaches: a newcomer was told to
    start one)."""
    for service in ins.services:
        source = next((n for n in ins.read if "compose" in n), "docker-compose.yml")
        clients = _SERVICE_CLIENTS.get(service.kind, ())
        if clients and not service.variables and not names & set(clients):
            app.decide("service", f"{service.what} ({service.name}) not started",
                       f"{source} starts it, but no variable of the app's services points at it and no "
                       f"{service.what} client ({', '.join(clients[:3])}, ...) is among the dependencies")
            continue
        app.decide("service", f"{service.what} ({service.name})", source)
        if service.variables:
            app.check("env", service.note(source))
            continue
        # nickjj/docker-django-example reads os.getenv("REDIS_URL", "redis://redis:6379/0") and
        # os.getenv("POSTGRES_HOST", "postgres"), which the compose file's app services never set: "point
        # the app at 127.0.0.1" named no variable, and a newcomer had to find both in the settings
        found = _service_defaults(service.name, _server_sources(folder, packages or []), folder)
        for variable, value, where in found[:4]:
            if variable not in app.env:
                app.env[variable] = _at_loopback(value, service.name, service.kind)
                app.decide("env", f"{variable}={app.env[variable]}",
                           f"{where} (its default {value} reaches the compose service '{service.name}')")
        if not found:
            app.check("env", service.note(source))
            continue
        listed = ", ".join(dict.fromkeys(v for v, _, _ in found[:4]))
        app.check("env", f"{source} starts {service.what} ('{service.name}', {service.image}) for the app, "
                         f"found through {listed} in the code: set here to 127.0.0.1, where you start one "
                         "(its port as in the default)")
    # app.json's "generator": "secret" asks for a value when deployed; the app's own default serves here
    defaulted = defaulted_env(folder, [s.command for s in ins.secrets])
    for secret in ins.secrets:
        if secret.command in app.env:
            continue  # the code requires it too: a placeholder is set, and its own check says so
        if secret.command in defaulted:
            file, _, line = defaulted[secret.command].rpartition(":")
            app.decide("env", f"{secret.command} not set", f"{file} reads it with a default (line {line}); "
                       f"{secret.source} asks for one when deployed")
            continue
        app.check(
            "env",
            f"{secret.source} says {secret.command} must be set (a secret or a setting): set it in the "
            f"job's environment, which the app inherits (a workflow step's env: {secret.command}: "
            f"${{{{ secrets.{secret.command} }}}}), or a value that is no secret in [serve] env",
        )


# ---------------------------------------------------------------------------- Python


def _python_app(folder: Path, ins: Instructions, deps: PythonDeps) -> AppSetup:
    # the settings the app runs with: a DJANGO_SETTINGS_MODULE [serve] env takes over (a Dockerfile's
    # ENV ...settings.production) is read, not manage.py's default (...settings.dev)
    given = ins.env.get("DJANGO_SETTINGS_MODULE")
    django = None
    if is_django(folder, deps.has("django")):
        django = read_django(folder, given.command, given.source) if given else read_django(folder)
    app = AppSetup(kind="python", framework="django" if django else (framework_of(deps) or "python"))
    setup, inputs, why = setup_command(deps)
    env = {k: (v.command, v.source) for k, v in ins.env.items()}
    target = None if django else find_target(folder, deps, env)
    if target is not None and app.framework == "python":
        app.framework = target.framework
    adds = _python_command(app, folder, ins, deps, django, target)
    if django is not None and not given:
        django = _served_settings(app, folder, django)
    if not setup and not deps.found and app.framework in _DISTRIBUTIONS:
        # No manifest at all: install the framework (and the server) into a project venv, and say so.
        installs = list(dict.fromkeys([_DISTRIBUTIONS[app.framework], *adds]))
        setup = f"python3 -m venv .venv && .venv/bin/python -m pip install {' '.join(installs)}"
        why = "no manifest"
        app.check(
            "setup",
            f"no requirements file or pyproject.toml: setup installs {', '.join(installs)} (their latest "
            "versions) to serve the app, and the dependency audit has nothing to read; commit a pinned "
            "requirements file",
        )
        adds = []
    app.setup, app.setup_inputs = pip_adds(setup, adds), inputs
    if setup:
        app.decide("setup", app.setup, why)
        tool = commands.program(setup)
        missing = missing_tool_note(tool, why.split(" ", 1)[0]) if tool in INSTALL_HINTS else ""
        if missing:
            app.check("setup", missing)
    installer = commands.program(setup) if setup else ""
    note = python_note(python_asked(folder, installer) or python_range(folder), installer, setup)
    if note:
        app.check("setup", note)
    for package in adds:
        if package in app.setup.split():
            app.check("setup", f"{package} is not in the dependencies: setup installs it to serve the app")
        else:
            # a lockfile's installer (uv sync, poetry/pdm install, pipenv sync) installs what it locks and
            # nothing else, and its venv may have no pip: the package must go into the lock
            add = _LOCK_ADDS.get(installer, "add it to the dependencies")
            app.check("setup", f"{package} is not in the dependencies, and setup ({installer}) installs only "
                               f"what they name: the command fails until it is added ({add} {package})")
    sources = list(source_files(folder, (".py",), limit=300))
    _python_build(app, folder, ins, deps, django, target, sources)
    _python_env(app, folder, ins, deps, django, target)
    _sqlite_elsewhere(app, folder, sources)
    _unparsed(app, folder, sources)
    # the settings modules the app is not run with (production.py beside the local.py it runs) need nothing
    unused = unused_settings(folder, django) if django is not None else set()
    read = [p for p in sources if p not in unused]
    own = own_dotenv(folder, read, python=True)
    _required_env(app, [(r.name, r.where, r.how or f"os.environ['{r.name}']")
                        for r in required_env(folder, read) if r.name not in own])
    factory = target.attr[:-2] if target is not None and target.attr.endswith("()") else ""
    _required_env(app, [r for r in required_settings(folder, read, target.module if target else "", factory)
                        if r[0] not in own])
    _secrets_taken(app, folder, read, django)
    _python_audit(app, deps)
    urls = read_urlconf(folder, django)
    # the URLconf's route of a schema view carries its include() prefixes and drf-yasg's format, which a
    # reading of one file misses (drf-yasg's "^swagger\.json$": no document found, no api phase)
    served = urls.schemas[0] if urls is not None and urls.schemas else served_document(sources, folder)
    _ready(app, ins, sources, folder, urls, served)
    if django is not None and django.allauth_mandatory and app.django_login.get("user_field") == "login":
        app.check("build", f"{django.allauth_mandatory} sets ACCOUNT_EMAIL_VERIFICATION = \"mandatory\": "
                           f"allauth logs in no account whose email address is unverified (it answers "
                           f"{app.django_login['login']} with 302 to its confirm-email page, as it does a "
                           "login), so the account of [load.login] needs a verified, primary EmailAddress "
                           "(made with it in build, by manage.py shell -c, for example)")
    _openapi(app, served)
    _graphql(app, under_includes(graphql_endpoint(sources, folder), urls), sources, folder)
    attach_clients(app, folder, folder, node_packages(folder), sources)
    return app


# A template's value that is no value: `<your-key>`, `your_api_key`, `changeme`, `xxx`, `...`
_NO_VALUE = re.compile(r"^(?:<.*>|\.\.\.|x{3,}|your[_-]\w*|change[_-]?me\w*|todo|replace[_-]?\w*)$", re.I)
def _template_value(root: Path, where: str, name: str) -> tuple[str, str] | None:
    """(value, template) of *name* in the dotenv template nearest the file of *where* (``file:line``,
    relative to *root*), from its folder up to *root*: ``.env.template``, ``.env.example``, ... (the
    author's own settings for a machine like theirs, the ``.env`` the repository leaves out). None where
    no template gives it a value, or the value is a placeholder (``<your-key>``, ``changeme``)."""
    file = root / where.rsplit(":", 1)[0]
    node = file.suffix in JS_SUFFIXES  # the template is read as the reading code's loader reads it
    folder = file.parent
    while True:
        for suffix in TEMPLATES:
            template = folder / f".env{suffix}"
            value = dotenv_file(template, node=node).get(name)
            if value is not None:
                return (value, rel(template, root)) if value and not _NO_VALUE.match(value) else None
        if folder == root or root not in folder.parents:
            return None
        folder = folder.parent


def _required_env(app: AppSetup, found: list[tuple[str, str, str]], root: Path | None = None) -> None:
    """Notes (and placeholders for secrets) for variables the app cannot start without; with *root* (what
    the ``file:line`` of each is relative to), a variable that is no secret nor a database's gets the value
    of the dotenv template nearest its file (``apps/api/.env.template``)."""
    for name, where, how in found:
        app.needed_env.setdefault(name, f"{where} requires it ({how}, no default)")
        if name in app.env:
            continue
        given = None if root is None or is_secret_name(name) or re.fullmatch(_DB_VARIABLE, name) \
            else _template_value(root, where, name)
        if given is not None:
            app.env[name] = given[0]
            app.decide("env", f"{name}={given[0]}", f"{given[1]} (its template's value)")
            app.check("env", f"{where} requires {name} ({how}, no default): the value of {given[1]} is "
                             "set here; check that it fits this machine")
            continue
        # A secret (masking's one definition: the deployment files keep the same names out of the image)
        # gets a placeholder, and a note to pass a real one in CI.
        if is_secret_name(name):
            app.env[name] = PLACEHOLDER_SECRET
            app.decide("env", f"{name}=(placeholder)", f"{where.rsplit(':', 1)[0]} requires it")
            app.check(
                "env",
                f"{where} requires {name} ({how}, no default): a placeholder is set here; in CI pass a real "
                "one from a secret",
            )
        else:
            app.check(
                "env",
                f"{where} requires {name} ({how}, no default): the app stops without it; add it to "
                "[serve] env with a value for this machine",
            )


# The key a JWT is signed or verified with, jsonwebtoken's second argument: the app's own secret whatever its
# name (ACCESS_TOKEN_SECRET, which _OWN_SECRET leaves out as a provider's access key)
_JWT_KEY = re.compile(r"\bjwt\.(?:sign|verify)\(\s*(?:[\w.]+|\{[^{}]*\})\s*,\s*process\.env\.(\w+)")


def _own_secret_names(sources: list[Path]) -> re.Pattern[str]:
    """_OWN_SECRET, and the variables the JavaScript *sources* sign or verify a JWT with."""
    keys = sorted({m.group(1) for path in sources if path.suffix != ".py"
                   for m in _JWT_KEY.finditer(as_process_env(read_text(path)))})
    if not keys:
        return _OWN_SECRET
    return re.compile(f"{_OWN_SECRET.pattern}|^(?:{'|'.join(map(re.escape, keys))})$", re.I)


# A Django setting given the variable's value or None: ``BUTTONDOWN_WEBHOOK_SECRET = os.environ.get("X")``
_OPTIONAL_SETTING = re.compile(r"[A-Z][A-Z0-9_]*\s*(?::[^=]+)?=\s*(?:os\.)?(?:environ\.get|getenv)\(")


def _secrets_taken(app: AppSetup, folder: Path, sources: list[Path],
                   django: DjangoFacts | None = None) -> None:
    """A placeholder for each signing secret the code takes as a value with no default: express-session
    fails every request without its ``secret`` ("secret option required for sessions": a .env the
    repository ignores gave it one on the author's machine), Flask's session without SECRET_KEY, jsonwebtoken
    without the key it signs with (mern-ecommerce's ACCESS_TOKEN_SECRET: every login answered 500). Not a
    setting of the Django settings the app loads that ``.get()`` leaves None: Django starts without it (its
    own SECRET_KEY has its check), and the code that reads it decides (djangonaut-space's
    BUTTONDOWN_WEBHOOK_SECRET, "Set to enable; leave unset to disable", was said to be required)."""
    found = taken_without_default(sources, folder, _own_secret_names(sources))
    if django is not None:
        loaded = {rel(p, folder) for p in loaded_settings(folder, django)}

        def optional(where: str) -> bool:
            file, _, line = where.rpartition(":")
            lines = read_text(folder / file).splitlines() if file in loaded and line.isdigit() else []
            return 0 < int(line or 0) <= len(lines) and bool(_OPTIONAL_SETTING.match(lines[int(line) - 1]))

        found = [(name, where) for name, where in found if name == django.secret_var or not optional(where)]
    _required_env(app, [(name, where, "read as a value") for name, where in found])


def _python_command(
    app: AppSetup,
    folder: Path,
    ins: Instructions,
    deps: PythonDeps,
    django: DjangoFacts | None,
    target: Target | None,
) -> list[str]:
    """Set app.command (and port); returns packages setup must add to serve it."""
    if ins.web and commands.program(ins.web.command) in _PY_PROGRAMS:
        bound = commands.bind(ins.web.command)
        app.command = bound.command
        app.env.update(bound.env)
        app.decide("command", app.command, ins.web.source)
        if bound.port != "flag":
            _python_script_port(app, folder, bound.command)
        return []
    if django is not None:
        return _django_command(app, folder, deps, django)
    if target is None:
        if not _self_serving_command(app, folder):
            app.check("command", "no module creating a web app was found: say how to start the app")
        return []
    command, why, adds = server_command(target, deps, folder)
    app.command = command
    app.decide("command", command, f"{target.source} creates the app ({target.spec}); {why}")
    if command.startswith("flask ") and " run " in command:
        # Werkzeug's development server: one process, its own thread per request, no keep-alive tuning;
        # the newcomer's first run of Flask-Blog-Tutorial failed the p95 budget (210 ms) on it
        # waitress serves no WebSocket: a Socket.IO app's real-time clients could not connect under it
        servers = "gunicorn" if deps.has("flask-socketio", "python-socketio") else "gunicorn (or waitress)"
        app.check("command", "the app is served by Flask's development server, which its docs say not to use "
                             "in production and which answers slower under load than the app would deployed: "
                             f"add {servers} to the requirements and init serves it with that")
    if target.siblings:
        folders = [PurePosixPath(s).parts[0] for s in target.siblings]
        listed = ", ".join(f"{f}/" for f in folders[:6]) + (", ..." if len(folders) > 6 else "")
        first = PurePosixPath(target.source).parts[0]
        app.check("command", f"{len(folders) + 1} folders hold an app: {first}/ (measured here) and "
                             f"{listed}; to measure another, run `echotune-ci init --dir {folders[-1]}` "
                             "(--force to rewrite the workflows)")
    return adds


def _self_serving_command(app: AppSetup, folder: Path) -> bool:
    """The command of a module that starts its own aiohttp or Tornado server when run (:mod:`.selfserve`),
    with the arguments the README runs it with, and its port; False when there is none."""
    served = self_serving(folder)
    if served is None:
        return False
    arguments, readme = readme_arguments(folder, served)
    app.framework = served.framework
    app.command = command_line(served, arguments)
    server = "aiohttp's web.run_app" if served.framework == "aiohttp" else "Tornado's listen and IOLoop"
    given = f"; its arguments as {readme} runs it" if readme else ""
    app.decide("command", app.command, f"{served.source} starts its own server when run ({server}){given}")
    if served.options and not readme:
        app.check("command", f"{served.source} reads command-line options and no README runs it: add "
                             "those it needs to start (a config file) to command")
    port, why = python_port(folder / served.source, served.source)
    if port:
        app.port = port
        app.decide("port", str(port), why)  # run --base-ref moves the base's listen (serve.app.moved_listen)
    elif why:
        app.decide("port", "auto (PORT)", why)
    else:
        app.check("port", f"could not tell which port `{app.command}` listens on: `run` sets PORT; set "
                          "[serve] port if the app ignores it")
    return True


def _python_script_port(app: AppSetup, folder: Path, command: str) -> None:
    words = commands.unwrap(commands.split_env(commands.tokens(command))[1])
    script = next((w for w in words[1:] if w.endswith(".py")), "")
    port, why = python_port(folder / script) if script else (None, "")
    if port:
        app.port = port
        # Nothing to check: run --base-ref moves the base's bind of a Python server (serve.app.moved_listen),
        # uvicorn.run's on uvloop too (uvloop binds a socket.socket)
        app.decide("port", str(port), why)
    elif why:
        app.decide("port", "auto (PORT)", why)
    else:
        app.check(
            "port",
            f"could not tell which port `{command}` listens on: `run` sets PORT; "
            "set [serve] port if the app ignores it",
        )


def _django_command(app: AppSetup, folder: Path, deps: PythonDeps, django: DjangoFacts) -> list[str]:
    wsgi = django.wsgi or "config.wsgi"
    # Channels answers WebSockets in the ASGI application only: gunicorn's WSGI workers would 404 them
    websockets = deps.has("channels") and bool(django.asgi) and deps.has("uvicorn", "daphne")
    if deps.has("gunicorn") and not websockets:
        app.command = f"gunicorn --bind 127.0.0.1:{{port}} {wsgi}"
        why = "gunicorn in the dependencies"
    elif deps.has("uvicorn") and django.asgi:
        app.command = f"uvicorn {django.asgi}:application --host 127.0.0.1 --port {{port}}"
        why = "uvicorn in the dependencies"
    elif deps.has("daphne") and django.asgi:
        app.command = f"daphne -b 127.0.0.1 -p {{port}} {django.asgi}:application"
        why = "daphne in the dependencies"
    else:
        app.command = "python manage.py runserver 127.0.0.1:{port} --noreload"
        why = "no gunicorn/uvicorn in the dependencies: Django's own server"
        app.check(
            "command",
            "runserver is Django's development server; add gunicorn to the dependencies for "
            "numbers close to production",
        )
    module = django.settings_module or "settings"
    named = f"manage.py, {module} from {django.settings_source}" if django.settings_source else (
        f"manage.py ({module})")
    if "runserver" not in app.command and django.asgi and ":application" in app.command:
        why = _asgi_loads_early(app, folder, deps, django, why)
    app.decide("command", app.command, f"{named}; {why}")
    return []


def _served_settings(app: AppSetup, folder: Path, django: DjangoFacts) -> DjangoFacts:
    """The settings the app is run with where the server's module (``config.wsgi``) names other settings
    than manage.py does (cookiecutter-django: production in wsgi.py, local in manage.py). Build's manage.py
    commands and the server would load different settings (migrations against one database, the app
    served from another), and init would read the wrong ones: one is pinned in [serve] env, the server's,
    unless its static files are on another host (STATIC_URL of a bucket: the pages could not be measured
    from this checkout), then manage.py's. Returns the facts of the settings pinned."""
    loaded = next((m for m in (django.wsgi, django.asgi)
                   if m and re.search(rf"(?<![\w.]){re.escape(m)}(?![\w])", app.command)), "")
    theirs = server_settings(folder, loaded) if loaded else ""
    if not theirs or not django.settings_module or theirs == django.settings_module:
        return django
    file = loaded.replace(".", "/") + ".py"
    served = read_django(folder, theirs, file)
    if served is None or served.settings_module != theirs:
        return django  # no such settings file: nothing to read or to pin
    mine = django.settings_module
    if served.static_url_remote and not django.static_url_remote:
        app.env["DJANGO_SETTINGS_MODULE"] = mine
        app.decide("env", f"DJANGO_SETTINGS_MODULE={mine}",
                   f"manage.py names it; {file} names {theirs}, whose static files are on another host")
        app.check("env", f"{file} runs {theirs} and manage.py {mine}: both run {mine} here (build's migrate "
                         f"too), since {theirs} loads its static files from STATIC_URL = "
                         f"{served.static_url_remote} ({served.where('STATIC_URL')}), not from this "
                         f"checkout; set DJANGO_SETTINGS_MODULE = \"{theirs}\" in env, with what it needs, "
                         "to measure those settings")
        return django
    app.env["DJANGO_SETTINGS_MODULE"] = theirs
    app.decide("env", f"DJANGO_SETTINGS_MODULE={theirs}",
               f"{file} names it (manage.py names {mine}): build's manage.py commands run with the "
               "server's settings")
    return served


def _asgi_loads_early(app: AppSetup, folder: Path, deps: PythonDeps, django: DjangoFacts, why: str) -> str:
    """An ASGI module that imports the project's models before Django is set up cannot be loaded by an ASGI
    server: served by ``manage.py runserver`` where that is Daphne's (which sets Django up first), else
    said. Returns the reason for the command."""
    early = asgi_early_import(folder, django.asgi)
    if early is None:
        return why
    asgi_file = django.asgi.replace(".", "/") + ".py"
    stops = (f"{asgi_file} imports {early.module} ({early.line}), which loads models ({early.loads}), before "
             f"Django is set up ({early.setup})")
    server = app.command.split()[0]
    daphne_runserver = runserver_serves_asgi(folder, django, deps.has("daphne"))
    if not daphne_runserver:
        app.check("command", f"{stops}: {server} stops on AppRegistryNotReady when it loads that module; "
                             "move the import below that call (Channels' docs) to serve the app")
        return why
    app.command = "python manage.py runserver 127.0.0.1:{port} --noreload"
    app.check("command", f"{stops}: {server} stops on AppRegistryNotReady when it loads that module, so the "
                         "app is served by runserver, which sets Django up first (Daphne's, a development "
                         f"server); move the import below that call to serve it with {server}")
    return f"{daphne_runserver}: runserver serves the ASGI application; not {server} ({stops})"


# The URLconf's own route to django.contrib.staticfiles' view, which answers only with DEBUG on:
# staticfiles_urlpatterns(), or static() of STATIC_URL
_SERVES_STATIC = re.compile(r"\bstaticfiles_urlpatterns\s*\(|\bstatic\s*\(\s*settings\.STATIC_URL\b")


def _django_static(app: AppSetup, folder: Path, deps: PythonDeps, django: DjangoFacts) -> None:
    """gunicorn/uvicorn do not serve /static/, nor does runserver with DEBUG off (init turns it off through
    its variable; Daphne's runserver has no --insecure): whitenoise must, unless DEBUG stays on and the
    root URLconf routes /static/ to Django's own view (Wagtail's project template, djangonaut-space under
    gunicorn: its CSS answered 200, where init said pages were measured without it)."""
    if not django.static_root or deps.has("whitenoise"):
        return
    urls = folder / (django.root_urlconf.replace(".", "/") + ".py") if django.root_urlconf else None
    debug_on = not django.debug_var and django.debug_literal == "True"
    if debug_on and urls is not None and _SERVES_STATIC.search(read_text(urls)):
        return
    if "runserver" not in app.command:
        app.check(
            "command",
            "nothing serves /static/ under this server (no whitenoise in the dependencies): pages "
            "are measured without their CSS and JS",
        )
    elif django.debug_var or django.debug_literal in ("", "False"):
        # a Channels chat served by Daphne's runserver answered its own CSS with 404, unsaid
        app.check("command", "runserver serves /static/ only with DEBUG on, and DEBUG is off here (no "
                             "whitenoise in the dependencies): pages are measured without their CSS and JS")


def _add_build(app: AppSetup, steps: list[str], step: str, source: str, *, unless: str = "") -> None:
    if unless and any(unless in s for s in steps):
        return
    if step not in steps:
        steps.append(step)
        app.decide("build", step, source)


def _once_only(app: AppSetup, step: Step) -> None:
    """A ``# check:`` for a step Heroku runs once (app.json's ``postdeploy``, after a review app's first
    deploy) that is no migration: as part of build it runs on every run (microblog-api's ``flask fake posts
    100`` had put 200 posts in the head's database after two runs, against the base's fresh 100)."""
    migrates = _SETS_UP_DB.search(step.command)
    once = step.source.startswith("app.json (scripts.postdeploy)")
    # NodeGoat's db-reset.js empties the database before it fills it: safe to run again
    fresh = re.search(r"reset|fresh|drop|truncate", step.command, re.I)
    if once and not fresh and (not migrates or migrates.group(0) == "seed"):
        app.check("build", f"{step.command} comes from app.json's postdeploy, which Heroku runs once; build "
                           f"runs on every run: a step that adds rows adds them again each time (start "
                           f"from a fresh database in build, or drop the step)")


def _django_build(app: AppSetup, steps: list[str], deps: PythonDeps, django: DjangoFacts) -> None:
    """A Django project's build steps, added to *steps*: its migrations, collectstatic where STATIC_ROOT is
    set (in the checkout), and django-compressor's offline compression where pages need it."""
    _add_build(
        app,
        steps,
        "python manage.py migrate --noinput",
        "manage.py (Django migrations)",
        unless="migrate",
    )
    if django.static_root_outside:
        where = django.where("STATIC_ROOT")
        app.check("build", f"{where} sets STATIC_ROOT = {django.static_root_outside!r}, "
                           "outside the checkout (a container's path): collectstatic is left out of "
                           "build, as it would write there on this machine; put STATIC_ROOT under "
                           "BASE_DIR (or read it from the environment) to measure the app with its "
                           "collected static files")
    elif django.static_root:
        _add_build(
            app,
            steps,
            "python manage.py collectstatic --noinput",
            f"{django.where('STATIC_ROOT')} sets STATIC_ROOT",
            unless="collectstatic",
        )
    if django.static_root and not django.static_root_outside and any("collectstatic" in s for s in steps):
        app.generated.append(django.static_root_dir)
    if _compresses_offline(django) and deps.has("django-compressor"):
        # healthchecks: every page with a {% compress %} block answered 500 (OfflineGenerationError)
        # with DEBUG off until `manage.py compress` had written the compressed files, as its
        # Dockerfile does after collectstatic
        _add_build(app, steps, "python manage.py compress",
                   f"{django.where('COMPRESS_OFFLINE')} sets COMPRESS_OFFLINE = {django.compress_offline} "
                   "(django-compressor: pages need the offline bundles)", unless="compress")


def _django_tailwind(app: AppSetup, folder: Path, steps: list[str], deps: PythonDeps,
                     django: DjangoFacts) -> None:
    """django-tailwind's stylesheet, which its ``{% tailwind_css %}`` tag links on every page: its own
    commands install the theme app's ``static_src/`` (``npm install`` there, here the lockfile's install into
    setup) and build it (``manage.py tailwind build``: ``npm run build`` there, or the standalone CLI) into
    the app's static folder, before collectstatic. djangonaut-space's Dockerfile runs both; without them
    every page linked a css/dist/styles.css that answered 404 and was measured unstyled."""
    if not django.tailwind_app or not deps.has("django-tailwind"):
        return
    where = django.where("TAILWIND_APP_NAME")
    src = folder / django.tailwind_app.replace(".", "/") / "static_src"
    source = f"{where} sets TAILWIND_APP_NAME = {django.tailwind_app!r} (django-tailwind)"
    # django-tailwind's own test: its standalone CLI where the setting says so or static_src has no
    # package.json
    if (src / "package.json").is_file() and django.tailwind_standalone != "True":
        tool = tools(src, read_json_dict(src / "package.json"))
        src_dir = rel(src, folder)
        install = tool.install_at(src_dir)
        inputs = [join(src_dir, "package.json"), *([join(src_dir, tool.lockfile)] if tool.lockfile else [])]
        app.setup_inputs += [i for i in inputs if i not in app.setup_inputs]
        if tool.lockfile:
            app.js_lockfiles.append(join(src_dir, tool.lockfile))
        if install not in app.setup.split(" && "):
            app.setup = commands.chain((app.setup, install))
            app.decide("setup", install, f"{source}: {join(src_dir, 'package.json')} "
                                         f"({tool.lockfile or 'no lockfile'})")
        for message in checks_in(tool, src_dir):
            app.check("setup", message)
    step = "python manage.py tailwind build"
    if any("tailwind build" in s or "tailwind install" in s for s in steps):
        return
    # collectstatic copies what the build wrote: it comes after
    collect = next((i for i, s in enumerate(steps) if "collectstatic" in s), len(steps))
    steps.insert(collect, step)
    app.decide("build", step, f"{source}: pages link the stylesheet it builds")


def _compresses_offline(django: DjangoFacts) -> bool:
    """Whether django-compressor's pages need the bundles ``manage.py compress`` writes: offline
    compression on (COMPRESS_OFFLINE, see :class:`DjangoFacts`) and compression itself, as
    django-compressor 4.x's ``{% compress %}`` requires (``COMPRESS_ENABLED and COMPRESS_OFFLINE``).
    COMPRESS_ENABLED defaults to ``not DEBUG``; set False, the command itself fails ("Compressor is
    disabled. Set the COMPRESS_ENABLED setting or use --force"), which stopped the build of a site that
    compresses nothing, and set True, pages need the bundles with DEBUG on too."""
    enabled = django.compress_enabled or "not DEBUG"
    debug = django.debug_literal == "True"
    if not django.compress_offline or enabled == "False":
        return False
    if django.compress_offline == "not DEBUG" and debug:
        return False
    return enabled == "True" or not debug


def _python_build(
    app: AppSetup,
    folder: Path,
    ins: Instructions,
    deps: PythonDeps,
    django: DjangoFacts | None,
    target: Target | None,
    sources: list[Path],
) -> None:
    steps: list[str] = []
    for step in ins.pre:
        if commands.kind(step.command) != "install":
            _add_build(app, steps, step.command, step.source)
            _once_only(app, step)
    stated_db = any(_SETS_UP_DB.search(s) for s in steps)
    scripted = False  # a script of the project's sets the database up (its name does not say so)
    if django is not None:
        _django_build(app, steps, deps, django)
        _django_tailwind(app, folder, steps, deps, django)
        _readme_data(app, folder, steps)
    elif stated_db:
        pass  # the project's own steps prepare the database (`flask deploy`, `flask db upgrade`...)
    elif (script := _readme_setup_script(folder)) is not None:
        scripted = True
        _add_build(app, steps, script[0], script[1])
        app.check("build", f"{script[1]}: it is a build step here, so it runs before every `run`; make sure "
                           "running it again is safe (it may empty the database or add its rows again)")
    elif deps.has("flask-migrate") and (folder / "migrations").is_dir():
        _add_build(app, steps, "flask db upgrade", "Flask-Migrate in the dependencies and migrations/")
    elif deps.has("flask-migrate") and target is not None and _package_migrations(folder, target):
        where = _package_migrations(folder, target)
        _add_build(app, steps, f"flask db upgrade --directory {where}",
                   f"Flask-Migrate in the dependencies and {where}/ (the app's package {target.module})")
    elif deps.has("alembic") and (folder / "alembic.ini").is_file():
        _add_build(app, steps, "alembic upgrade head", "alembic.ini", unless="alembic")
    elif deps.has("aerich") and "[tool.aerich]" in read_text(folder / "pyproject.toml"):
        # Tortoise ORM's migrations: aerich reads where they are and the ORM's settings from pyproject.toml
        _add_build(app, steps, "aerich upgrade", "pyproject.toml ([tool.aerich])", unless="aerich")
    if not scripted and not any(_SETS_UP_DB.search(s) for s in steps):
        _readme_once(app, folder, steps, ("flask", "manage.py", "python", "alembic", "litestar",
                                          *console_scripts(deps)), deps)
    if django is None and not scripted and not any(_SETS_UP_DB.search(s) for s in steps) \
            and not _readme_table_script(app, folder, steps):
        _database_note(app, folder, deps, sources)
    app.build = commands.chain(steps)


def _readme_setup_script(folder: Path) -> tuple[str, str] | None:
    """(command, why) of the README's shell script of the project's own that sets the database up
    (full-stack-fastapi-template's ``uv run bash scripts/prestart.sh``: it waits for the database, runs
    ``alembic upgrade head`` and makes the first superuser the login needs), as a build step without its
    runner (``uv run``: build runs in the app's environment already); None when the README runs no
    script under *folder* with a line that migrates, seeds or sets a database up, or when the script
    starts a server."""
    for step in readme_commands(folder):
        words = commands.unwrap(commands.split_env(commands.tokens(commands.strip_cd(step.command)[1]))[1])
        shell = words[0] if words[:1] in (["bash"], ["sh"]) and len(words) > 1 else "bash"
        if words[:1] == [shell]:
            words = words[1:]
        script = words[0] if words and words[0].endswith(".sh") else ""
        path = real_path(folder / script) if script else folder
        if not script or real_path(folder) not in path.parents or not path.is_file():
            continue
        lines = [line.strip() for line in read_text(path).splitlines()
                 if line.strip() and not line.strip().startswith("#")]
        if any(_starts_server(folder, line) for line in lines):
            continue
        sets_up = next((line for line in lines if _SETS_UP_DB.search(line)), "")
        if sets_up:
            why = f"{step.source} runs `{step.command}`, which sets the database up ({sets_up})"
            return shlex.join([shell, *words]), why
    return None


def _starts_server(folder: Path, line: str) -> bool:
    """Whether shell *line*, run in *folder*, starts a server: a server command, but a ``python
    script.py`` only when that script of the project serves (``python app/initial_data.py`` makes rows)."""
    words = commands.unwrap(commands.split_env(commands.tokens(commands.strip_cd(line)[1]))[1])
    script = folder / words[1] if len(words) > 1 and commands.program(line) == "python" \
        and words[1].endswith(".py") else None
    if script is not None and script.is_file():
        text = read_text(script)
        return bool(self_serving_text(text) or _STARTS_SERVER.search(text))
    return commands.is_server(line)


def _package_migrations(folder: Path, target: Target) -> str:
    """``backend/migrations`` when the app's module is in a package of *folder* (``backend.app``) whose
    folder holds the migrations, which ``flask db upgrade`` run from *folder* would not find; "" else."""
    package = target.module.split(".")[0] if "." in target.module else ""
    return f"{package}/migrations" if package and (folder / package / "migrations").is_dir() else ""


def _readme_data(app: AppSetup, folder: Path, steps: list[str]) -> None:
    """A README that fills the database after migrating (wagtail/bakerydemo's ``./manage.py
    load_initial_data``): said, not made a build step, since it runs before every `run` there and loading
    twice is not always safe (that command copies its media files again each time). Without it `run`
    measured Wagtail's 5-element placeholder page and said nothing."""
    for step in readme_data_steps(folder):
        words = commands.tokens(step.command)
        at = next(i for i, w in enumerate(words) if w.endswith("manage.py"))
        if any(f"manage.py {words[at + 1]}" in s for s in steps):
            return
        app.check("build", f"{step.source} runs `{step.command}` to fill the database, which build does not: "
                           "the app is measured on an empty database (a placeholder home page, empty lists); "
                           "add it to [serve] build if running it before every run is safe")
        return


def _first_migration(app: AppSetup, steps: list[str], source: str) -> None:
    """Flask-Migrate with no migrations/ folder in the repository (flask-realworld-example-app's README:
    ``flask db init``, ``flask db migrate``, ``flask db upgrade``): upgrade alone stops on the missing
    folder, and init stops on one that exists, so the first run makes it and every run upgrades."""
    _add_build(app, steps, "(test -d migrations || (flask db init && flask db migrate)) && flask db upgrade",
               f"{source} (flask db init, migrate and upgrade; no migrations/ in the repository)")
    app.check("build", f"{source} makes the migrations with flask db init and flask db migrate, and the "
                       "repository has no migrations/ folder: build makes one on the first run (in the app's "
                       "folder, untracked) and upgrades on every run; commit the migrations to measure the "
                       "schema the project ships")


def _readme_once(app: AppSetup, folder: Path, steps: list[str], clis: tuple[str, ...],
                 deps: PythonDeps | None = None) -> None:
    """The README's "run this once" database command (``flask --app flaskr init-db``, a console script's
    ``app database upgrade``) as a build step."""
    for step in readme_steps(folder, own=clis):
        if commands.program(step.command) in clis and ONCE.search(step.command):
            upgrade = re.fullmatch(r"flask\s+db\s+upgrade", step.command.strip())
            if upgrade and not (folder / "migrations").is_dir():
                _first_migration(app, steps, step.source)
                return
            command, why = step.command, f"{step.source} (run once to set the database up)"
            if deps is not None and deps.has("advanced-alchemy") and _ASKS_FIRST.search(command) \
                    and "--no-prompt" not in command.split():
                # Advanced Alchemy's `database upgrade` asks "[y/n]" first, and a build has no one to
                # answer: it stopped on the end of its input
                command = f"{command} --no-prompt"
                why += "; --no-prompt: Advanced Alchemy asks before it migrates, and a build has no input"
            _add_build(app, steps, command, why)
            app.check(
                "build",
                f"{step.source} says to run `{step.command}` once to set the database up: it is a build "
                "step here, so it runs before every `run`; make sure running it again is safe (it may "
                "empty the database)",
            )
            return


# Advanced Alchemy's database commands that ask for a confirmation unless given --no-prompt
_ASKS_FIRST = re.compile(r"\bdatabase\s+(?:upgrade|downgrade|drop-all)\b")
# A script's text that makes tables: SQLAlchemy's create_all (called, or handed to run_sync) or SQL's own
_MAKES_TABLES = re.compile(r"\bcreate_all\b|\bCREATE\s+TABLE\b", re.I)
# ...and one that starts a server when run: Flask's, uvicorn's, waitress', Socket.IO's, the standard library's
_STARTS_SERVER = re.compile(r"\b(?:app|application|server|socketio)\.run\(|\buvicorn\.run\("
                            r"|\bwaitress\.serve\(|\.serve_forever\(|\brun_simple\(")


def _readme_table_script(app: AppSetup, folder: Path, steps: list[str]) -> bool:
    """A README command that runs a Python script of the project's own which makes the tables (aiohttp-demos'
    blog: ``python db_helpers.py -a``, "Create db with tables and sample data", whose file hands
    ``Base.metadata.create_all`` to ``run_sync``) as a build step, with :func:`_readme_once`'s warning;
    False when the README runs no such script. Not manage.py (Django's own steps), nor a script that
    starts the server."""
    for step in readme_commands(folder):
        words = commands.split_env(commands.tokens(commands.strip_cd(step.command)[1]))[1]
        if len(words) < 2 or commands.program(step.command) != "python":
            continue
        script = words[1].removeprefix("./")
        text = read_text(folder / script) if script.endswith(".py") and script != "manage.py" else ""
        # a script that serves (a Flask app.py that makes its tables, then app.run()) never ends
        serves = self_serving_text(text) or _STARTS_SERVER.search(text)
        if not text or not _MAKES_TABLES.search(text) or serves:
            continue
        _add_build(app, steps, step.command, f"{step.source} ({script} makes the tables)")
        app.check("build", f"{step.source} runs `{step.command}`, whose {script} makes the tables: it is "
                           "a build step here, so it runs before every `run`; make sure running it again is "
                           "safe (it may empty the database)")
        return True
    return False


# Functions that run when the app starts: a Flask factory, a FastAPI lifespan, startup hooks
_STARTS = frozenset({"create_app", "make_app", "lifespan"})
_STARTUP_HOOK = re.compile(r"on_event\(\s*['\"]startup|before_first_request|before_serving|on_startup")


def _creates_tables(sources: list[Path]) -> Path | None:
    """The first source file that creates the tables when the app starts (SQLAlchemy's
    ``Base.metadata.create_all(engine)``, Flask-SQLAlchemy's ``db.create_all()``, SQLModel's): at module
    level (``with app.app_context():`` too), in ``create_app`` or a lifespan, or in a startup hook, itself
    or through a function of the app's that does (``create_db_and_tables()`` in a lifespan, a Flask
    factory's ``create_database(app)``; one call deep). Not in tests, nor in a CLI command (``flask
    init-db``), which nothing runs on start."""
    return _table_makers(sources)[0]


def _table_makers(sources: list[Path]) -> tuple[Path | None, Path | None]:
    """(the file that makes the tables when the app starts, see :func:`_creates_tables`; the first script
    that makes them only when run by hand): an ``if __name__ == "__main__":`` block makes them on start
    only in a file that starts a server there too (a Flask app.py's ``db.create_all()`` before
    ``app.run()``); in another (aiohttp-demos' ``db_helpers.py``) nothing runs it."""
    texts = [(path, read_text(path)) for path in sources if not (
        path.name.startswith("test_") or path.name.endswith("_test.py") or path.name == "conftest.py")]
    trees = {path: tree for path, text in texts if "create_all" in text and (tree := python_module(text))}
    # the app's own functions that call create_all, wherever they are defined
    makers = {stmt.name for tree in trees.values() for stmt in tree.body
              if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and _calls(stmt, {"create_all"})}
    for path, text in texts:
        if path not in trees and any(f"{name}(" in text for name in makers):
            trees[path] = python_module(text) or ast.Module(body=[], type_ignores=[])
    by_hand: Path | None = None
    serving = {path: bool(self_serving_text(text) or _STARTS_SERVER.search(text)) for path, text in texts}
    for path, tree in trees.items():
        for stmt in tree.body:
            if not _runs_create_all(stmt, makers):
                continue
            if serving.get(path) or not _MAIN_GUARD.match(_text_of(stmt)):
                return path, by_hand
            by_hand = by_hand or path
    return None, by_hand


_MAIN_GUARD = re.compile(r"""if\s+__name__\s*==\s*['"]__main__['"]\s*:""")


def _text_of(stmt: ast.stmt) -> str:
    """The first line of *stmt* as ast writes it back ("" when it cannot)."""
    try:
        return ast.unparse(stmt).split("\n", 1)[0]
    except (RecursionError, ValueError):
        return ""



def _calls(node: ast.AST, names: set[str]) -> bool:
    """Whether *node* calls one of *names*, as ``name(...)`` or ``x.name(...)``, or hands ``x.name`` to a call
    that runs it: async SQLAlchemy's ``await conn.run_sync(Base.metadata.create_all)``, the documented way
    to make the tables on an AsyncEngine (aiohttp-demos' blog, FastAPI lifespans)."""
    for n in ast.walk(node):
        if not isinstance(n, ast.Call):
            continue
        if (n.func.attr if isinstance(n.func, ast.Attribute) else getattr(n.func, "id", "")) in names:
            return True
        if any(isinstance(a, ast.Attribute) and a.attr in names for a in n.args):
            return True
    return False


def _runs_create_all(stmt: ast.stmt, makers: set[str]) -> bool:
    if isinstance(stmt, ast.ClassDef):
        return False
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
        hooked = any(_STARTUP_HOOK.search(ast.unparse(d)) for d in stmt.decorator_list)
        if stmt.name not in _STARTS and not hooked:
            return False
    return _calls(stmt, {"create_all"} | (makers - {getattr(stmt, "name", "")}))


def _database_note(app: AppSetup, folder: Path, deps: PythonDeps, sources: list[Path]) -> None:
    """A note when the app keeps data in a database and nothing says how its tables are made."""
    used = next((d for d in _DATABASES if deps.has(d)), "")
    if not used:
        schema = next(folder.glob("*/schema.sql"), None) or next(folder.glob("schema.sql"), None)
        if schema is not None:
            used = rel(schema, folder)
        elif any("sqlite3.connect(" in read_text(p) for p in sources):
            used = "sqlite3"
    creates, by_hand = _table_makers(sources) if used else (None, None)
    if creates is not None:
        app.decide("build", "no step for the tables", f"{rel(creates, folder)} creates them (create_all)")
    elif by_hand is not None:
        script = rel(by_hand, folder)
        app.check("build", f"{script} makes the tables when it is run (its `if __name__ == \"__main__\":` "
                           f"block), which nothing here does: add `python {script}` (with the arguments it "
                           "needs) to build if running it before every `run` is safe")
    elif used:
        app.check(
            "build",
            f"the app keeps data in a database ({used}) and no file says how its tables are created: the "
            "database may need initialising; if pages fail with 'no such table', add the command that "
            "creates them to build",
        )


def _python_env(
    app: AppSetup,
    folder: Path,
    ins: Instructions,
    deps: PythonDeps,
    django: DjangoFacts | None,
    target: Target | None,
) -> None:
    for name, step in ins.env.items():
        if name in app.env or name == "FLASK_DEBUG":
            continue
        if mask(step.command) != step.command:
            # a URL with a user and password (a development env file's database URL): every file init
            # writes masks it, and `postgresql://***@host/db` would be a wrong login, not a missing one
            app.check("env", f"{step.source} sets {name} to a URL with a user and password, which init does "
                             f"not write (every file it writes masks them): set {name} in [serve] env to "
                             f"that URL, at this machine's server ({mask(step.command)})")
            continue
        app.env[name] = step.command
        app.decide("env", f"{name}={step.command}", step.source)
        if re.fullmatch(r"(?:\w+_)?DEBUG", name) and step.command.lower() in ("1", "true", "yes", "on"):
            # a development env file's TOZO_DEBUG=true (Flask's and Quart's config.from_prefixed_env make
            # it the app's DEBUG): kept, as the project runs with it, but not what it deploys
            app.check("env", f"{step.source} sets {name}={step.command}: the app is measured in its debug "
                             f"mode, slower than deployed; set {name} = \"false\" in [serve] env to measure "
                             "it as it runs in production")
    uses_flask_cli = "flask " in f"{app.command} {app.build}"
    if target is not None and target.framework == "flask" and uses_flask_cli and "FLASK_APP" not in app.env:
        value = target.flask_app or (
            target.module if target.attr in ("app", "application", "create_app()") else target.spec
        )
        app.env["FLASK_APP"] = value
        app.decide("env", f"FLASK_APP={value}", target.source)
    if uses_flask_cli or dotenv(folder, "FLASK_DEBUG")[0]:
        app.env["FLASK_DEBUG"] = "0"
        app.decide("env", "FLASK_DEBUG=0", "measure without the debugger")
    if django is not None:
        _django_env(app, django)
        _django_static(app, folder, deps, django)


# sqlite:////Users/anth/dev/app/database.db: an absolute path (four slashes), as a settings field's value
# (DATABASE_URI: str = "..."), a getenv/environ.get default, or a plain literal
_SQLITE_ABSOLUTE = re.compile(
    r"""(?:^[ \t]*(?P<field>[A-Za-z_]\w*)\s*:\s*[\w.\[\]| ]+=\s*|(?:getenv|environ\.get)\(\s*['"]"""
    r"""(?P<read>[A-Za-z_]\w*)['"]\s*,\s*)?['"](?P<url>sqlite(?:\+\w+)?:///(?P<path>/[^'"\s]+))['"]""", re.M)


def _unparsed(app: AppSetup, folder: Path, sources: list[Path]) -> None:
    """A ``# check:`` naming the first of the Python *sources* that the interpreter running init cannot
    parse (syntax of a newer Python: 3.14's ``except A, B:`` in full-stack-fastapi-template's deps.py,
    3.12's ``type X = ...``): init reads routes, settings and logins with :mod:`ast`, and learns nothing
    from such a file, so what it writes may miss them."""
    import sys

    bad: list[tuple[str, str]] = []
    for path in sources:
        try:
            ast.parse(read_text(path), filename=str(path))
        except SyntaxError as exc:
            bad.append((f"{rel(path, folder)}:{exc.lineno or 1}", exc.msg))
        except (ValueError, RecursionError, MemoryError):
            continue
    if not bad:
        return
    where, why = bad[0]
    more = f" (and {len(bad) - 1} more file{'s' if len(bad) > 2 else ''})" if len(bad) > 1 else ""
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    app.check("project", f"{where}{more} does not parse with Python {here}, which runs echotune-ci ({why}): "
                         "init read no route, setting or login from it, so what it wrote may miss some; run "
                         "init with the Python the project asks for to read it")


def _sqlite_elsewhere(app: AppSetup, folder: Path, sources: list[Path]) -> None:
    """A SQLite database the code points at by an absolute path whose folder this machine lacks (the
    author's: fastapi-sqlmodel's ``DATABASE_URI: str = "sqlite:////Users/anth/dev/..."``): the app stops
    at its first query with "unable to open database file". Where the path is a variable's default, the
    variable is set to the same file name in the app's folder; else a check says so."""
    for path in sources:
        text = read_text(path)
        if "sqlite" not in text:
            continue
        for m in _SQLITE_ABSOLUTE.finditer(text):
            if Path(m["path"]).parent.is_dir():
                continue
            where = f"{rel(path, folder)}:{text.count(chr(10), 0, m.start('url')) + 1}"
            name = m["field"] or m["read"]
            if name and name not in app.env:
                local = f"{m['url'].split(':///', 1)[0]}:///{PurePosixPath(m['path']).name}"
                app.env[name] = local
                app.decide("env", f"{name}={local}", f"{where}: its default {m['url']} is in a folder this "
                                                     "machine does not have")
            elif not name:
                app.check("env", f"{where} opens {m['url']}, in a folder this machine does not have: the "
                                 "app stops at its first query; make the path relative or read it from the "
                                 "environment")
            return


def _django_env(app: AppSetup, django: DjangoFacts) -> None:
    _ssl_redirect(app, django, django.where("SECURE_SSL_REDIRECT"))
    where = django.where("DEBUG")
    if django.debug_var:
        app.env[django.debug_var] = django.debug_off
        # DEBUG = os.environ.get("DJANGO_DEBUG_MODE"): "False" is a non-empty string, so DEBUG stayed on
        raw = "" if django.debug_off else " as its text, true unless empty ('False' too)"
        app.decide("env", f"{django.debug_var}={django.debug_off}",
                   f"{where} reads DEBUG from {django.debug_var}{raw}")
    elif django.debug_literal not in ("", "False") and django.conditional.get("DEBUG", ("",))[0] == "False":
        _, line, condition = django.conditional["DEBUG"]
        app.check("env", f"{where} sets DEBUG = {django.debug_literal}, and False under `{condition}` "
                         f"({line}){_set_here(app, condition)}: the app is measured with DEBUG on unless "
                         f"that holds in this run's environment")
    elif django.debug_literal not in ("", "False"):
        app.check(
            "env",
            f"{where} sets DEBUG = {django.debug_literal} and reads no environment variable for it: "
            "the app is measured with DEBUG on (slower, error pages with details)",
        )
        # a toolbar the settings add only where a variable is set (ENABLE_TOOLBAR) is not in this run's pages
        switch = django.debug_toolbar_var
        if django.debug_toolbar and not (switch and switch not in app.env):
            toolbar = django.where("INTERNAL_IPS")
            app.check("env", f"{toolbar} adds django-debug-toolbar and sets INTERNAL_IPS = "
                             f"{django.debug_toolbar}: with DEBUG on, every page the run asks for from "
                             "127.0.0.1 carries the toolbar (its panel, its scripts, SQL recorded per "
                             "request), measured as the app's own")
    if django.vite_dev_mode:
        # a real run: every <script> and stylesheet of the page asked localhost:5173 and was refused; the
        # frontend phase passed the bare page and the bundle phase weighed files no page loaded
        setting = "DEBUG, which is True" if django.vite_dev_mode == "DEBUG" else "True"
        app.check("env", f"{django.where('DJANGO_VITE')} sets django-vite's dev_mode to {setting}: every "
                         "page loads its scripts and stylesheets from Vite's dev server "
                         f"({django.vite_dev_server}), which the run does not start, so the frontend phase "
                         "measures pages without them and the bundle phase weighs files no page loads; read "
                         "dev_mode from an environment variable and leave it off here, so the pages load the "
                         "build's manifest")
    _django_hosts(app, django, django.where("ALLOWED_HOSTS"))
    where = django.where("SECRET_KEY")
    if django.secret_var and django.secret_required:
        app.env[django.secret_var] = PLACEHOLDER_SECRET
        app.needed_env.setdefault(django.secret_var, f"{where} requires it")
        app.check(
            "env",
            f"{where} requires {django.secret_var}: a placeholder is set here; in CI pass a real one "
            "from a secret",
        )


def _django_hosts(app: AppSetup, django: DjangoFacts, where: str) -> None:
    """ALLOWED_HOSTS: 127.0.0.1 through the variable the settings read it from, at module level or under a
    condition (said in a check when setting the variable does not make the condition hold), else whether
    the literal lets 127.0.0.1 in."""
    branches = "; ".join(f"{value} under `{condition}` ({line})" for value, line, condition in
                         django.hosts_branches)
    if django.hosts_var:
        app.env[django.hosts_var] = django.hosts_value
        # The run's hosts are this machine's; production answers to the site's own name.
        app.needed_env.setdefault(django.hosts_var, f"{where} reads ALLOWED_HOSTS from it: the site's host "
                                                    f"name (the run uses {django.hosts_value})")
        condition, line, holds = django.hosts_condition
        under = f" under `{condition}` ({line})" if condition else ""
        app.decide("env", f"{django.hosts_var}={django.hosts_value}",
                   f"{where} reads ALLOWED_HOSTS from {django.hosts_var}{under}")
        others = [value for value, _, _ in django.hosts_branches] or [django.hosts_literal]
        if not holds and not all(allows_loopback(value) for value in others):
            otherwise = branches or django.hosts_literal or "Django's []"
            app.check("env", f"{where} reads ALLOWED_HOSTS from {django.hosts_var} only under `{condition}` "
                             f"({line}){_set_here(app, condition)}: unless that holds in this run's "
                             f"environment, ALLOWED_HOSTS is {otherwise}, and the app answers 400 "
                             "(DisallowedHost) with DEBUG off")
    elif (
        allows_loopback(django.hosts_literal)
        or django.hosts_literal == "[]"
        and django.debug_literal == "True"
    ):
        app.decide(
            "env", "ALLOWED_HOSTS lets 127.0.0.1 in", f"{where}: ALLOWED_HOSTS = {django.hosts_literal}"
        )
    elif django.hosts_literal:
        app.check(
            "env",
            f"{where} sets ALLOWED_HOSTS = {django.hosts_literal} and reads no environment "
            "variable for it: add '127.0.0.1' and 'localhost', or the app answers 400 (DisallowedHost)",
        )
    elif branches:
        app.check("env", f"{where} sets ALLOWED_HOSTS only under conditions ({branches}) and reads no "
                         "environment variable for it: where none lets 127.0.0.1 in, add '127.0.0.1' and "
                         "'localhost', or the app answers 400 (DisallowedHost)")
    else:
        # a settings module that imports its ALLOWED_HOSTS from another (``from .base import *``) or leaves
        # Django's [] (127.0.0.1 and localhost only with DEBUG on)
        app.check("env", f"{where} sets no ALLOWED_HOSTS init could read: with DEBUG off and no '127.0.0.1' "
                         "in it, the app answers 400 (DisallowedHost)")


def _ssl_redirect(app: AppSetup, django: DjangoFacts, where: str) -> None:
    """A ``SECURE_SSL_REDIRECT = True`` sends every request to HTTPS, which `run` does not serve: said; and
    when it stands under a condition a variable [serve] env sets turns on (rest-framework-tutorial's
    ``if ENVIRONMENT == 'production':``, ENVIRONMENT=production from app.json), that variable is left
    out: `run` stopped on "/ redirects to https://" while init's own note said to keep it off. Read from a
    variable (``os.environ.get("SECURE_SSL_REDIRECT", "True").lower() == "true"``), it is turned off
    through it, as DEBUG is."""
    if django.ssl_var:
        app.env[django.ssl_var] = django.ssl_off
        app.decide("env", f"{django.ssl_var}={django.ssl_off}", f"{where} reads SECURE_SSL_REDIRECT from "
                   f"{django.ssl_var}: the run serves plain HTTP")
        return
    if django.conditional.get("SECURE_SSL_REDIRECT", ("",))[0] != "True":
        return
    _, line, condition = django.conditional["SECURE_SSL_REDIRECT"]
    named = [k for k in app.env if condition and re.search(rf"\b{re.escape(k)}\b", condition)]
    if named:
        dropped = ", ".join(f"{k}={app.env.pop(k)}" for k in named)
        app.decide("env", f"{dropped} left out", f"{where} turns SECURE_SSL_REDIRECT on under `{condition}` "
                   f"({line})")
        app.check("env", f"{where} sets SECURE_SSL_REDIRECT = True under `{condition}` ({line}): the app "
                         f"would send every request to HTTPS, which it is not served over here, so {dropped} "
                         "is left out of [serve] env; the settings outside that block are measured")
        return
    when = f" under `{condition}` ({line})" if condition else ""
    app.check("env", f"{where} sets SECURE_SSL_REDIRECT = True{when}: the app then sends every request "
                     f"to HTTPS, which it is not served over here; keep it off for the run")


def _set_here(app: AppSetup, condition: str) -> str:
    """", where [serve] env sets ENVIRONMENT=production" for the variables of *condition* init sets."""
    named = [f"{k}={v}" for k, v in app.env.items() if re.search(rf"\b{re.escape(k)}\b", condition)]
    return f", where [serve] env sets {', '.join(named)}" if named else ""


def _python_audit(app: AppSetup, deps: PythonDeps) -> None:
    """What the dependency audit reads: the lockfiles, else the install requirements file (its includes
    followed), else the pyproject.toml's exact pins."""
    if deps.locks:
        app.lockfiles = list(deps.locks)
        app.decide("audit", ", ".join(deps.locks), "the locked versions" + (
            f" (the uv workspace's lockfile: the packages of every member are audited, not only "
            f"{deps.package or 'this one'}'s)" if deps.workspace else ""))
        return
    files, unpinned = audit_files(deps)
    names = ", ".join(unpinned[:5]) + (", ..." if len(unpinned) > 5 else "")
    if files:
        app.requirements = files
        why = "unpinned lines listed" if unpinned else "every requirement pinned"
        app.decide("audit", ", ".join(files), why)
        if unpinned:
            app.check(
                "audit",
                f"{deps.install} has unpinned lines ({names}): they are listed as not auditable and the "
                "audit warns; pin them (pip-compile / uv pip compile)",
            )
        return
    if deps.project_deps or deps.poetry:
        app.pyproject = "pyproject.toml"
        app.decide("audit", "pyproject.toml", "its exact pins (no lockfile)")
        ignored = deps.ignored_locks
        commit = (f"commit {', '.join(ignored)}, which git ignores (a fresh checkout, as CI makes, has none),"
                  if ignored else "commit a lockfile (uv lock, poetry lock, pdm lock)")
        app.check(
            "audit",
            f"only exact pins of pyproject.toml are audited, ranges are listed as not auditable; {commit} "
            "for an exact audit",
        )


def _django_login(app: AppSetup, urls: UrlConf | None) -> None:
    """The login the URLconf routes (:attr:`.djangourls.UrlConf.logins`, ``token_logins``), with a route
    behind it, as ``app.django_login``."""
    if urls is not None and urls.logins:
        login, where, user_field = urls.logins[0]
        # a page of its own behind login_required; the admin's index sends users to its own login
        behind = next((r.path for r in urls.routes if r.login and r.get and not r.parameters
                       and not r.redirects and "admin" not in r.path and r.path != login), "")
        app.django_login = {"login": login, "protected": behind, "source": where.rsplit(":", 1)[0],
                            "user_field": user_field}
    if urls is not None and urls.token_logins:
        login, where, token, scheme, user_field = urls.token_logins[0]
        # an API's token login (simplejwt, DRF's authtoken) before a form login beside it: its routes
        # behind a login take the token; a flow needs one of them to show it works
        behind = next((r.path for r in urls.routes if r.login and r.get and not r.parameters
                       and not r.redirects and "admin" not in r.path), "")
        if behind or not token:  # a session's flow is written without a route behind it, a token's is not
            app.django_login = {"login": login, "protected": behind, "source": where.rsplit(":", 1)[0],
                                "user_field": user_field, "token": token, "scheme": scheme,
                                "cookie": "" if token else "yes"}


def _ready(app: AppSetup, ins: Instructions, sources: list[Path], folder: Path,
           urls: UrlConf | None = None, served: Served | None = None,
           files: FileRoutes | None = None) -> None:
    """The ready URL, and whether "/" answers (else no frontend phase); *urls*: a Django project's
    URLconf as :func:`.djangourls.read_urlconf` read it, None when there is none to read; *served*:
    where the code serves its OpenAPI document (:func:`.openapi.served_document` of *sources*); *files*:
    the routes a framework makes of route files (Nitro's ``server/api/``), which no call declares."""
    _django_login(app, urls)
    if ins.health is not None:
        app.ready_path = ins.health.command
        app.decide("ready_url", app.ready_path, ins.health.source)
        return
    graph, routed = _route_graph(sources, folder, files)  # read once: the health route and the routes to load
    if urls is not None:
        # Django's routes with the prefixes of the include()s above them: a path("") in an included
        # module answers /api/users/, not "/"
        graph.add_resolved(("django", urls.module), urls.file,
                           [(r.path, r.where, r.login) for r in urls.routes if r.get])
    health = find_health(sources, folder, graph)
    path, source = (health.path, health.source) if health.path else ("/", "")
    if not health.path and not health.unresolved and (urls is None or urls.root_unknown):
        # literal routes find_health does not read (Django's, when its URLconf could not be followed)
        path, source = ready_path(sources, folder)
    has_root, route, where = _root(sources, folder, graph, routed, urls)
    # A route that answers without a login or a query, with its router's prefix
    answering = find_load_routes(sources, folder, 1, graph)
    if route and asks_login(graph, route):
        route, where = "", ""  # it answers 401 or redirects to the login: no ready URL
    # routes were read, none at "/", and only a health route answers (orcta-stack's /api/health beside
    # routes behind a login): "/" answers 404 there, no page to audit
    guessed = not has_root and not answering and not route and not (health.path and routed is False)
    # Routes were read, none at "/" and every GET one asks for a login (CollabHub): "/" answers 404, so
    # the ready URL is a guarded route, which answers 401 or 403 once the app is up
    guarded = guarded_route(graph) if guessed and routed is False and not health.path else None
    if guarded:
        guessed = False
        app.ready_status = [401, 403]
    if guessed:
        has_root = True  # nothing reading finds answers elsewhere: "/" it is, as before
    # FastAPI(docs_url="/"), flask-smorest's OPENAPI_REDOC_PATH = "/": the API's docs page answers "/"
    docs = served if served is not None and served.docs_at_root else None
    if docs:
        # FastAPI(docs_url="/"): "/" is Swagger UI (its script from a CDN, which paints nothing offline),
        # not a page of the app's; the document itself is the ready URL
        has_root, where = False, docs.where
        if path == "/":
            path, source = docs.path, f"{docs.where} ({docs.framework}'s own document)"
    has_root, path, source = _home_page(app, (urls, sources, folder, graph), (has_root, path, source),
                                        docs is not None)
    if has_root and not guessed and urls is None:
        _not_a_page_at_root(app, (urls, sources, folder, graph), path)
    if not has_root:
        app.has_root = False
        app.phases = [p for p in app.phases if p != "frontend"]
        # The file of the route that answers instead (none when a login cleared it): "<- : no ..." read badly
        said = where or (answering[0].where.rsplit(":", 1)[0] if answering else "")
        why = (f"{docs.where}: \"/\" is {docs.framework}'s API docs page, no page of the app's" if docs else
               f'{urls.file} (ROOT_URLCONF): no view at "/" once the include() prefixes are applied (an API)'
               if urls is not None and urls.root is False else
               f'{said + ": " if said else ""}no "/" route and no pages (an API)')
        app.decide("phases", ", ".join(app.phases), f"{why}: no frontend")
        if path == "/" and guarded:
            path, source = guarded.path, guarded.where.rsplit(":", 1)[0]
        elif path == "/":  # else the first GET route the code declares, as written
            path, source = ((answering[0].path, answering[0].where.rsplit(":", 1)[0]) if answering
                            else (route, where))
    app.ready_path = path
    _load_routes(app, sources, folder, graph)
    if urls is None:
        _template_pages(app, folder, graph)
    if guarded and not app.load_routes and "load" in app.phases:
        # [load] without endpoints loads "/", which answers 404 here: every request an error
        app.phases = [p for p in app.phases if p != "load"]
        app.decide("phases", ", ".join(app.phases), "no GET route of the code answers without a login: "
                   "add [[load.endpoints]] with [load.login], then \"load\"")
    _say_ready(app, path, source, health, urls.how(path) if urls is not None else "", guarded, guessed)


# What reading the routes gave: the Django URLconf, the sources, their folder and the route graph
_Read = tuple[UrlConf | None, list[Path], Path, Graph]


def _not_a_page_at_root(app: AppSetup, read: _Read, path: str) -> None:
    """No frontend for an app whose "/" route answers no page of its own and that serves no pages
    (:func:`.files.json_root`); where it answers JSON and the app has pages elsewhere, the first of them
    that renders a template is the home page (:func:`_home_page`), else "/" stays (or, where all it
    renders are an Express view engine's views, there is no frontend, as for JSON alone)."""
    at_root, answer = json_root(read[1], read[2])
    if answer.startswith("JSON, "):
        # "/" is the API's {"status": "ok"} and the pages are elsewhere (an Express app's res.render views);
        # without one found, "/" stays, unless all there is are views (express-generator's error page)
        found, _, _ = _home_page(app, read, (False, path, ""), False, f'"/" answers JSON ({at_root})')
        if found or answer == "JSON, pages elsewhere":
            return
        answer = "JSON"
    if at_root:
        # bezkoder's Express tutorials: "/" answers {"message": "Welcome ..."}; Chromium showed it in its
        # JSON viewer and the frontend phase failed accessibility 50 on the viewer's markup. microblog-api's
        # "/" redirects to its docs page, from a CDN: "painted no content"
        app.has_root = False
        app.phases = [p for p in app.phases if p != "frontend"]
        why = "and the app serves no pages (an API)" if answer == "JSON" else "(no page of the app's)"
        app.decide("phases", ", ".join(app.phases), f'{at_root}: "/" answers {answer} {why}: no frontend')


def _home_page(app: AppSetup, read: _Read, known: tuple[bool, str, str], docs: bool,
               root: str = 'no "/" route') -> tuple[bool, str, str]:
    """(whether there is a page to audit, the ready path, its source), *known* so far, of an app whose
    routes were *read* (its URLconf, sources, folder and route graph): unchanged when "/" answers or is
    its API's docs page (*docs*); else the first route without a parameter or a login that renders a
    template (Django's, :meth:`.djangourls.UrlConf.page`; else :func:`.files.page_route`) becomes
    ``app.home_path``, and the ready path where that was "/". The Django tutorial's polls ("polls/"
    included, nothing at "/", /polls/ renders a template) and a Flask blueprint's pages under /blog were
    "an API: no frontend", or a frontend of "/", which answered 404. *root* says why "/" is no page."""
    urls, sources, folder, graph = read
    has_root, path, source = known
    if has_root or docs:
        return known
    if urls is not None:
        page, where = urls.page() if urls.root is False else ("", "")
        why = 'no view at "/" once the include() prefixes are applied'
    else:
        routes = find_load_routes(sources, folder, 20, graph)
        page, where = page_route([(r.path, r.where) for r in routes], folder)
        why = root
    if not page:
        return False, path, source
    app.home_path = page
    app.decide("frontend", page, f"{where}: {why}, and {page} renders a template: the home page")
    return True, *((page, where.rsplit(":", 1)[0]) if path == "/" else (path, source))


def _route_graph(sources: list[Path], folder: Path, files: FileRoutes | None) -> tuple[Graph, bool | None]:
    """The route graph of *sources* with the routes of route *files* (:func:`.health.read_graph`), and
    whether a route answers "/" (:func:`.health.root_answers`): a Nitro app without pages answers it
    only from a route file; Nuxt's pages answer it, and every path no route file takes, so its route
    files join the graph after that is asked."""
    graph = read_graph(sources, folder)
    procedures = trpc_routes(sources, folder)
    if procedures:
        # tRPC's queries answer GET at <mount>/<dotted path> (its Express adapter)
        graph.add_resolved(("trpc", procedures[0].path.rsplit("/", 1)[0]), procedures[0].where,
                           [(r.path, r.where, r.guarded) for r in procedures],
                           needs_input=frozenset(r.path for r in procedures if r.needs_input))
    if files is not None and not files.pages:
        files.add_to(graph)
    routed = root_answers(graph)
    if files is not None and files.pages:
        files.add_to(graph)
    return graph, routed


def _root(sources: list[Path], folder: Path, graph: Graph, routed: bool | None,
          urls: UrlConf | None) -> tuple[bool, str, str]:
    """(whether "/" answers, a GET route to poll instead with its full path, its file): Django's from its
    URLconf, else :func:`.files.root_route`'s, whose route literal gets its router's prefix from *graph*."""
    if urls is not None and urls.root is not None:
        # a Django Ninja operation at "/" (api.urls mounted at "") is the route graph's (*routed*)
        return bool(urls.root or routed), *urls.poll()
    has_root, route, where = root_route(sources, folder, routed)
    if route and urls is None:
        # "/requests/incoming" as written is /api/applications/requests/incoming (CollabHub)
        route = full_route(graph, route) or ""
    return has_root, route, where if route else ""


def _say_ready(app: AppSetup, path: str, source: str, health: Health, how: str, guarded: LoadRoute | None,
               guessed: bool) -> None:
    """Say where the ready URL *path* comes from (*how*: the Django include()s above it)."""
    if health.path:
        app.decide("ready_url", path, f"{source} defines {health.route} {health.how}" if health.how else
                   f"{source} defines it{how}")
    elif health.unresolved:
        app.decide("ready_url", path, f"{health.unresolved}: polling {path} instead")
        app.check("ready_url", f"{health.unresolved}; set ready_url to the health route's full path")
    elif guarded:
        app.decide("ready_url", path, f"{source} defines it, behind a login, as every GET route of the code "
                   f"is: ready when it answers 401 or 403 (ready_status)")
    else:
        app.decide("ready_url", path, f"{source} defines it{how}" if source else
                   "no health route found in the code (/health, /healthz, /health-check, /healthcheck, "
                   "/livez, /readyz, /ping, /status, also under router prefixes)")
        if guessed and path == "/":
            # An Express API whose only GET route asks for a login answered 404 there, and `run` stopped.
            app.check("ready_url", "no route of the code answers GET / or another GET without a login: if "
                                   "/ answers 404, set ready_url (and the pages and endpoints below) to a "
                                   "URL that answers once the app is up")


def _openapi(app: AppSetup, served: Served | None) -> None:
    """Where the code serves its OpenAPI document (*served*, :func:`.openapi.served_document`: FastAPI's
    /openapi.json, flask-smorest's prefix ...), the api phase tests the running app against it, so it
    joins ``[run] phases`` and ``[api] openapi`` names the path; not when the document is off (``None``,
    ``""``) or at a path the code computes (full-stack-fastapi-template's f"{API_V1_STR}/openapi.json"),
    which is left for the user to add."""
    if served is None:
        return
    app.openapi = served.path
    if "api" not in app.phases:
        app.phases.append("api")
    app.decide("phases", ", ".join(app.phases),
               f"{served.where}: {served.framework} serves its OpenAPI document at {served.path} "
               f"({served.how}): the api phase tests the app against it (schemathesis)")


def _dev_document(app: AppSetup, served: Served | None, sources: list[Path], folder: Path) -> None:
    """A ``# check:`` when the config turns Nitro's OpenAPI document on for `nuxt dev` alone
    (nuxt-api-demo's ``experimental: { openAPI: true }``): the built server answers 404 there, so the
    api phase has nothing to test the routes against until the config asks for it in production."""
    where = nitro_dev_document(sources, folder) if served is None else ""
    if where:
        app.check("project", f"{where} turns Nitro's OpenAPI document on for development only: the built "
                            "server does not serve /_openapi.json; add openAPI: { production: 'runtime' } to "
                            "its nitro options, then [api] openapi = \"/_openapi.json\" and \"api\" in "
                            "[run] phases test the routes against it")


# Statuses a GraphQL endpoint gives a GET without a query (Graphene-Django and Apollo Server 400, a POST-only
# route 405): the server is up. The ready check sends a GET.
GRAPHQL_READY_STATUS = [400, 405]


def _graphql(app: AppSetup, endpoint: Served | None, sources: list[Path], folder: Path) -> None:
    """Where the code mounts its GraphQL server (*endpoint*, :func:`.graphql.graphql_endpoint`): the api
    phase fuzzes its schema (introspection, schemathesis), so it joins ``[run] phases`` and ``[api]
    graphql`` names the path; the load test POSTs ``{ __typename }`` to it (a query every schema
    answers); a ready URL that is the endpoint is ready on the 400 a GET without a query gets; and the
    login mutation of the schema the code writes (*sources*, :func:`.graphqllogin.graphql_login`) is
    ``[api.login]``."""
    if endpoint is None:
        return
    app.graphql = endpoint.path
    app.graphql_login = graphql_login(sources, folder)
    if app.graphql_login is not None:
        login = app.graphql_login
        app.decide("api.login", login.operation, f"{login.where}: a login mutation whose answer carries the "
                                                 f"token ({login.token_field}); header scheme "
                                                 f"{login.scheme or 'none'}: {login.scheme_why}")
    if "api" not in app.phases:
        app.phases.append("api")
    root = ""
    if endpoint.path == "/" and app.has_root:
        # Apollo Server's standalone server answers GraphQL at "/": a GET there is a 400 (or, to a browser,
        # its Sandbox page from a CDN), no page of the app's to load or to measure in a browser
        app.has_root = False
        app.phases = [p for p in app.phases if p != "frontend"]
        root = ', so "/" is no page of the app\'s: no frontend'
    app.decide("phases", ", ".join(app.phases),
               f"{endpoint.where}: {endpoint.framework} answers GraphQL at {endpoint.path} ({endpoint.how}): "
               f"the api phase fuzzes its schema's queries and mutations (schemathesis){root}")
    if endpoint.health and health_rank(app.ready_path) is None and not app.ready_status:
        # Apollo Server 2 and 3's own health check answers 200 {"status":"pass"} once the server is up,
        # where "/" and the endpoint answer a GET without a query 400
        app.ready_path = endpoint.health
        app.redecide("ready_url", endpoint.health, f"{endpoint.where}: {endpoint.framework}'s health check")
        return
    if app.ready_path.rstrip("/") == endpoint.path.rstrip("/") and not app.ready_status:
        app.ready_status = list(GRAPHQL_READY_STATUS)
        app.decide("ready_status", ", ".join(map(str, app.ready_status)),
                   f"the ready URL is the GraphQL endpoint, which answers a GET without a query with 400 "
                   f"({endpoint.framework}) or 405 once it is up")


def _load_routes(app: AppSetup, sources: list[Path], folder: Path, graph: Graph) -> None:
    """The app's own GET routes (without parameters or a login), suggested as [[load.endpoints]] besides "/"
    and the ready path: what a load test of "/" alone leaves out is the app's API. Suggested, not written:
    a route may need a query (musicapp's /api/recommendations answers 400 without track_id), and a first
    run must not fail on errors init made."""
    # the home page is loaded already when it is no "/" ([[load.endpoints]] of app.home_path)
    written = {app.ready_path, app.home_path if app.has_root else app.ready_path}
    routes = [r for r in find_load_routes(sources, folder, graph=graph) if r.path not in written]
    app.load_routes = [(r.path, r.where) for r in routes]
    if routes:
        app.decide("load", "suggests " + ", ".join(r.path for r in routes) + " (commented out)",
                   "GET routes without parameters or a login in " + ", ".join(dict.fromkeys(
                       r.where.rsplit(":", 1)[0] for r in routes)))


# ---------------------------------------------------------------------------- Node


def _webpack_node_env(app: AppSetup, packages: list[Package]) -> None:
    """NODE_ENV=production for a build whose webpack config makes the production bundle only under it
    while the build script leaves it unset (:func:`webpack_production_test`): measured as it is, the
    bundle was the development one."""
    if "NODE_ENV" in app.env:
        return
    for pkg in packages:
        where = webpack_production_test(pkg)
        if where:
            app.env["NODE_ENV"] = "production"
            app.decide("env", "NODE_ENV=production", f"{where} builds for production only when NODE_ENV is "
                       "production, which `webpack --mode production` does not set for the config")
            return


def _schema_sync(app: AppSetup, sources: list[Path], folder: Path) -> None:
    """A ``# check:`` by env when NODE_ENV=production (from the project's files or because the client is
    served only in production) switches TypeORM's synchronize off: the tables then come from migrations
    only, and without them every route that reads one answers 500."""
    off = synchronize_off_in_production(sources, folder) if app.env.get("NODE_ENV") == "production" else ""
    if off:
        app.check("env", f"NODE_ENV=production switches TypeORM's synchronize off ({off}): the database gets "
                         "its tables only from migrations; run them in [serve] build (typeorm migration:run "
                         "-d <data source>), or every route that reads a table answers 500")


def _node_app(folder: Path, ins: Instructions, packages: list[Package]) -> AppSetup:
    top = packages[0]
    tool = tools(top.path, top.data)
    app = AppSetup(kind="node", framework=_node_framework(packages))
    _node_setup(app, packages, tool)
    for name, step in ins.env.items():
        app.env[name] = step.command
        app.decide("env", f"{name}={step.command}", step.source)
    nx = _nx_workspace(app, folder, ins, packages, tool)
    server, entry = (packages[0], nx[0].entry) if nx else _node_command(app, folder, ins, packages, tool)
    _node_build(app, folder, ins, packages, tool, server)
    if nx:
        app.build = commands.chain([*nx[1], app.build])
    if server is not None and server.has("next"):
        _next_output_mode(app, server)
    if server is not None:
        client_dirs = frozenset(p.dir.split("/")[-1] for p in packages if p is not server and p.dir != ".")
        if nx:
            # an Nx web app's sources (its tests' render(...)) are no part of the server's
            client_dirs |= {PurePosixPath(c.project.root).name for c in nx[2]}
        _node_port(app, server, client_dirs, folder, entry)
        sources = list(source_files(server.path, JS_SUFFIXES, limit=300, skip=client_dirs))
        _sqlite_folders(app, sources, folder)
        _sqlite_url(app, packages, folder)
        _sqlite_schema_note(app, server, sources, folder)
        served = served_document(sources, folder)
        _ready(app, ins, sources, folder, served=served, files=file_routes(server.path, server.deps, folder))
        _route_module_health(app, server, folder)
        _next_base_path(app, server)
        _next_api_routes(app, server, folder)
        _file_pages(app, server, folder)
        required = node_required_env(sources, folder)
        own = own_dotenv(folder, [*sources, server.path / "package.json"])
        # VITE_* read in the package's own client code (cypress-realworld-app's src/ beside backend/) is
        # inlined by the client's build, where it is missing as undefined: no server stops for it
        exposed = tuple(prefix for dep, prefix in EXPOSED if server.has(dep))
        # the variable the command gives the port ("SERVER_PORT={port} ..."), required or not, is set
        _required_env(app, [(r.name, r.where, r.how) for r in required
                            if r.name not in own and not (exposed and r.name.startswith(exposed))
                            and f"{r.name}={{port}}" not in app.command], folder)
        _secrets_taken(app, folder, sources)
        _module_secrets(app, server, folder)
        _static_env(app, server, client_dirs, folder)
        _openapi(app, served)
        _dev_document(app, served, sources, folder)
        _graphql(app, graphql_endpoint(sources, folder), sources, folder)
        production = production_only(sources, folder)
        if production and "NODE_ENV" not in app.env:
            # Without it such a server answers 404 on "/" (npm-monorepo, proshop): nothing to measure.
            app.env["NODE_ENV"] = "production"
            file, line = production.rsplit(":", 1)
            app.decide("env", "NODE_ENV=production", f"{file} serves the built client only when NODE_ENV is "
                       f"production (line {line})")
        _webpack_node_env(app, packages)
        _schema_sync(app, sources, folder)
    else:
        _ready(app, ins, [], folder)
    if nx and nx[2]:
        _nx_bundle(app, nx[0], nx[2], sources)
    else:
        _bundle(app, packages)
    if server is not None:
        for pkg in packages:
            if pkg.client and pkg is not server and (pkg.dir == "." or serves(sources, pkg.dir)):
                client_pages(app, pkg, folder)
    unserved = [p.dir for p in packages if p.client and p is not server and p.dir != "."]
    if not app.has_root and unserved:
        app.check(
            "command",
            f"{', '.join(unserved)} is built but the server does not serve it: its pages are not "
            "audited (the bundle phase measures its build); serve it too to add frontend pages, or audit "
            "them with a config of its own (" + ", ".join(f"`echotune-ci init --dir {d}`" for d in unserved)
            + ")",
        )
    node_notes(app, packages, folder)
    return app


def _nx_workspace(app: AppSetup, folder: Path, ins: Instructions, packages: list[Package],
                  tool: Tools) -> tuple[NxServer, list[str], list[NxClient]] | None:
    """Serve the Node server of an Nx workspace (:func:`.nx.nx_server`) as production runs it, ``node
    <the file its build target writes>``, built by ``nx build`` with each web app beside it
    (:func:`.nx.nx_clients`): (the server, the build steps, the web apps); None, and nothing set, when
    *folder* is no Nx workspace with such a server, or a file (Procfile ...) or a start script of the
    top package.json says how the app starts. NX_DAEMON=false: outside CI (and Docker) ``nx build``
    leaves the Nx daemon running in the background (nx's daemon client: the variable wins over
    nx.json), a process the run never started and cannot stop."""
    if ins.web is not None:
        return None
    projects = nx_projects(folder)
    if not projects:
        return None
    start = server_script(packages)
    if start is not None and not start.fallback:
        return None
    server = nx_server(folder, projects)
    if server is None:
        return None
    clients = nx_clients(folder, projects, server)
    runner = nx_runner(tool.manager)
    app.command = f"node {server.output}"
    app.decide("command", app.command, f"{server.source}: what `nx serve {server.project.name}` runs, "
                                       "without its watcher")
    app.env.setdefault("NX_DAEMON", "false")
    app.decide("env", "NX_DAEMON=false", "nx.json: outside CI `nx build` leaves the Nx daemon running in "
                                         "the background, which the run would not stop")
    steps = []
    for built, target in [(server.project, server.target), *((c.project, c.target) for c in clients)]:
        step = f"{runner} {target} {built.name}" if target in ("build", "test", "lint") else \
            f"{runner} run {built.name}:{target}"
        steps.append(step)
        app.decide("build", step, f"{built.file} (targets.{target})")
    return server, steps, clients


def _nx_bundle(app: AppSetup, server: NxServer, clients: list[NxClient], sources: list[Path]) -> None:
    """The bundle globs of an Nx workspace's web apps (their output folders), and a note for each that
    the server does not serve: its pages are not audited."""
    for client in clients:
        globs = [f"{client.output}/**/*.js", f"{client.output}/**/*.css"]
        app.bundle_globs += [g for g in globs if g not in app.bundle_globs]
        app.decide("bundle", ", ".join(globs), client.source)
        if client.output not in app.generated:
            app.generated.append(client.output)
        if not serves(sources, client.output):
            app.check("command", f"{client.project.root} (Nx project {client.project.name}) is built but "
                                 f"{server.project.name} does not serve it: its pages are not audited (the "
                                 "bundle phase measures its build); serve it too to add frontend pages, "
                                 f"or audit them with a config of its own (`echotune-ci init --dir "
                                 f"{client.project.root}`)")
    folder = str(PurePosixPath(server.output).parent)
    if folder not in app.generated:
        app.generated.append(folder)
    if app.bundle_globs and "bundle" not in app.phases:
        app.phases.append("bundle")


def _route_module_health(app: AppSetup, server: Package, folder: Path) -> None:
    """A Remix or React Router app's health route is a route module (indie-stack's
    ``app/routes/healthcheck.tsx``, whose loader answers "OK"), a Next.js app's a route handler
    (``app/api/health/route.ts`` exporting GET) or a module under ``pages/api/``; no ``app.get(...)``
    declares them: it is the ready URL when the code declares no health route of its own."""
    if health_rank(app.ready_path) is not None:
        return
    found = health_module(route_modules(server.path, server.deps, folder))
    if found is not None:
        path, why = found.path, f"{found.file} (a route module whose loader answers, no page)"
    else:
        ranked = [(rank, r) for r in get_routes(next_routes(server.path, server.deps, folder))
                  if (rank := health_rank(r.path)) is not None]
        if not ranked:
            return
        route = min(ranked, key=lambda item: item[0])[1]
        path, why = route.path, f"{route.file} (a Next.js API route answering GET)"
    app.ready_path = path
    app.redecide("ready_url", path, why)  # the "/ may answer 404" guess is moot


def _next_base_path(app: AppSetup, server: Package) -> None:
    """A Next.js app mounted under ``basePath`` (:func:`.nextroutes.next_base_path`) answers "/" with 404:
    its home page, the first page to audit and load and the headers' page, is the base path, and so is
    the ready URL where it was "/". The routes read from its files carry the prefix already."""
    if not server.has("next"):
        return
    base, config = next_base_path(server.path)
    if not base:
        return
    where = f"{join(server.dir, config)} (basePath: Next.js answers \"/\" with 404)"
    app.home_path = base
    app.decide("frontend", base, f"{where}: the home page")
    if app.ready_path == "/":
        app.ready_path = base
        app.redecide("ready_url", base, where)


def _next_output_mode(app: AppSetup, server: Package) -> None:
    """Serve a Next.js app as its ``output`` builds it. ``"export"``: ``next build`` writes static files to
    ``out/`` and ``next start`` refuses to start ("does not work with output: export"), so a static server
    serves them. ``"standalone"`` started as ``node .next/standalone/server.js``: the server listens on
    PORT and on HOSTNAME (0.0.0.0 unless set: every interface), and serves neither ``.next/static`` nor
    ``public/`` until they are copied beside it, as Next's documentation says to: without that the pages
    load with no script or style."""
    mode, config = next_output(server.path)
    script = server.scripts.get("start", "")
    prefix = f"cd {server.dir} && " if server.dir != "." else ""
    where = f"{join(server.dir, config)} (output: {mode})"
    if mode == "export" and re.search(r"\bnext\s+start\b", f"{app.command} {script}"):
        app.command = f"{prefix}npx --yes serve out -l tcp://127.0.0.1:{{port}}"
        app.decisions = [d for d in app.decisions if d.key != "command"]
        app.decide("command", app.command, f"{where}: `next build` writes static files to out/ and "
                                           "`next start` refuses to serve them")
        app.check("command", "a static export is served by a static server (serve), so load and header "
                             "checks measure that server, not your production host")
    elif mode == "standalone" and ".next/standalone/server.js" in f"{app.command} {script}":
        app.env.setdefault("HOSTNAME", "127.0.0.1")
        app.decide("env", "HOSTNAME=127.0.0.1", f"{where}: server.js listens on HOSTNAME, every interface "
                                                "when it is unset")
        app.decide("port", "auto (PORT)", f"{where}: server.js listens on PORT")
        build_script = server.scripts.get("build", "")
        if "standalone" not in build_script and ".next/standalone" not in app.build:
            step = (f"{prefix}cp -r .next/static .next/standalone/.next/ && "
                    "{ [ ! -d public ] || cp -r public .next/standalone/; }")
            app.build = commands.chain([app.build, step]) if app.build else step
            app.decide("build", step, f"{where}: server.js serves neither .next/static nor public/ until "
                                      "they are copied beside it")


def _next_api_routes(app: AppSetup, server: Package, folder: Path) -> None:
    """A Next.js app's API routes (route handlers exporting GET, modules under ``pages/api/``) without a
    parameter or a login, suggested as [[load.endpoints]] like an Express app's GET routes: no
    ``app.get(...)`` declares them, so a load test of "/" alone left the app's API out."""
    routes = [r for r in get_routes(next_routes(server.path, server.deps, folder))
              if r.path != app.ready_path and loadable(r.path) and r.path not in dict(app.load_routes)]
    routes = routes[:3]  # as many as find_load_routes suggests
    if not routes:
        return
    app.load_routes = [(r.path, r.file) for r in routes] + app.load_routes
    app.decide("load", "suggests " + ", ".join(r.path for r in routes) + " (commented out)",
               ", ".join(r.file for r in routes) + ": API routes answering GET without a parameter or a "
               "login")


def _template_pages(app: AppSetup, folder: Path, graph: Graph) -> None:
    """The pages a server renders from templates besides the home page (Express's ``res.render``, Flask's
    ``render_template``: :func:`.files.page_route`), audited by the frontend phase beside it (up to
    FRONTEND_PAGES; those behind a login written commented out). passport/todos-express-password's
    /login and /signup forms went unaudited, "/" alone listed."""
    if app.pages or not app.has_root or "frontend" not in app.phases:
        return
    pages = [(path, where, guarded) for path, where, guarded in page_candidates(graph)
             if path != app.home_path and page_route([(path, where)], folder)[0]]
    if not pages:
        return
    app.pages = pages
    listed = [p for p, _, guarded in pages if not guarded][:FRONTEND_PAGES]
    behind = [p for p, _, guarded in pages if guarded]
    files = [where.rsplit(":", 1)[0] for _, where, _ in pages]
    app.decide("frontend", ", ".join([app.home_path, *listed]),
               f"GET routes that render a template ({', '.join(dict.fromkeys(files))})"
               + (f"; behind a login (written commented out): {', '.join(behind)}" if behind else ""))


def _file_pages(app: AppSetup, server: Package, folder: Path) -> None:
    """The pages the server's framework routes by file (SvelteKit's +page.svelte, Nuxt's pages/): audited
    by the frontend phase beside "/" (up to FRONTEND_PAGES, the others and those behind a login written
    commented out) and suggested for the load test. "/" alone left the app's other pages unaudited."""
    pages = [p for p in page_routes(server.path, server.deps, folder) if p.path != app.home_path]
    if not pages or not app.has_root:
        return
    app.pages = [(p.path, p.where, p.guarded) for p in pages]
    app.visitor_pages = [p.path for p in pages if p.visitor]
    open_ = [p for p in pages if not p.guarded]
    client_routed = server.has("vue-router") and not server.has("nuxt")
    # A Vue Router page is the same index.html to the server (with hash history its path never reaches
    # it): a load test of it would measure "/" again.
    app.load_routes += [(p.path, p.where) for p in open_ if not client_routed
                        and p.path != app.ready_path and p.path not in dict(app.load_routes)]
    listed = ", ".join(p.path for p in open_[:FRONTEND_PAGES])
    guarded = [p.path for p in pages if p.guarded]
    files = ("+page.svelte files" if server.has("@sveltejs/kit") else
             "pages/*.vue files" if server.has("nuxt") else
             "Next.js pages (app/**/page.tsx, pages/)" if server.has("next") else
             "AdonisJS router's GET routes" if server.has("@adonisjs/core") else
             "src/pages/ files (.astro, .md, .mdx)" if server.has("astro") else
             f"Vue Router's routes ({pages[0].where})" if client_routed else
             "route modules with a component")
    app.decide("frontend", f"{app.home_path}, {listed}" if listed else app.home_path,
               f"the {files}: the pages without a parameter"
               + (f"; behind a login (written commented out): {', '.join(guarded)}" if guarded else ""))


# Modules that read a secret of their own from the environment, which no line of the app's code names:
# (package, variable, what it keeps with it). nuxt-auth-utils seals its session cookie with
# NUXT_SESSION_PASSWORD (32 characters or more); `nuxt dev` writes one into .env, a production server
# without it answers every login and session read 500 "Empty password" (nuxt-api-demo).
_MODULE_SECRETS = (
    ("nuxt-auth-utils", "NUXT_SESSION_PASSWORD", "seals the session cookie with it, 32 characters or more"),
)


def _module_secrets(app: AppSetup, server: Package, folder: Path) -> None:
    """A placeholder in [serve] env, and a note, for each secret a module of the server reads itself
    (:data:`_MODULE_SECRETS`) when nothing sets it: the placeholder is long enough for the module."""
    where = rel(server.path / "package.json", folder)
    for package, name, how in _MODULE_SECRETS:
        if not server.has(package):
            continue
        _placeholder(app, name, f"{package} (in {where}) {how}", f"{where}: {package} {how}",
                     f"{package} {how} ({name}, no default in production): a placeholder is set here; in CI "
                     "pass a real one from a secret")


def _placeholder(app: AppSetup, name: str, needed: str, decided: str, note: str) -> None:
    """Record why variable *name* is needed and, when nothing sets it, a placeholder in [serve] env with
    the decision's reason (*decided*) and a ``# check:`` *note*."""
    app.needed_env.setdefault(name, needed)
    if name in app.env:
        return
    app.env[name] = PLACEHOLDER_SECRET
    app.decide("env", f"{name}=(placeholder)", decided)
    app.check("env", note)


def _static_env(app: AppSetup, server: Package, skip: frozenset[str], folder: Path) -> None:
    """A placeholder in [serve] env, and a note, for each variable the code (components too) imports from
    SvelteKit's ``$env/static/*``: the build inlines them and stops on the first one unset ("X is not
    exported by virtual:env/static/public"), a public site key as much as a secret."""
    if not server.has("@sveltejs/kit"):
        return
    for path in source_files(server.path, (*JS_SUFFIXES, ".svelte"), limit=400, skip=skip):
        for name, module, line in kit_static_env(read_text(path)):
            where = f"{rel(path, folder)}:{line}"
            _placeholder(app, name, f"{where} imports it from {module} (the build inlines it)",
                         f"{rel(path, folder)} imports it from {module}",
                         f"{where} imports {name} from {module}: the build inlines it and stops without it, "
                         "so a placeholder is set here; give it this machine's value (in CI, a secret's) "
                         "where the pages need the real one")


def _node_framework(packages: list[Package]) -> str:
    for name in (
        "@adonisjs/core",
        "next",
        "nuxt",
        "@sveltejs/kit",
        "astro",
        "@react-router/dev",
        "@remix-run/dev",
        "@nestjs/core",
        "express",
        "fastify",
        "koa",
        "hono",
        "@hapi/hapi",
        "vite",
        "react-scripts",
        "webpack",
    ):
        if any(name in p.deps for p in packages):
            return {"@nestjs/core": "nestjs", "@hapi/hapi": "hapi", "react-scripts": "create-react-app",
                    "@sveltejs/kit": "sveltekit", "@react-router/dev": "react-router",
                    "@remix-run/dev": "remix", "@adonisjs/core": "adonisjs"}.get(
                name, name
            )
    return "node"


def _node_setup(app: AppSetup, packages: list[Package], tool: Tools) -> None:
    top = packages[0]
    where = install_dir(tool, top)
    install = tool.install_at(where)
    steps = [install]
    inputs = [join(where, "package.json")] + ([join(where, tool.lockfile)] if tool.lockfile else [])
    if where != top.dir:
        inputs.append(join(top.dir, "package.json"))
    app.decide("setup", install, install_source(tool, where, top.dir))
    if tool.lockfile:
        app.js_lockfiles.append(join(where, tool.lockfile))
    for message in checks_in(tool, top.dir):
        app.check("setup", message)
    hooks = " ".join(top.scripts.get(k, "") for k in INSTALL_HOOKS)
    for pkg in packages[1:]:
        if pkg.installed_by.removeprefix("scripts.") in INSTALL_HOOKS:
            # npm runs the hook, and with it this install, during setup: its manifest and lockfile are
            # inputs of setup all the same (a bump in frontend/package-lock.json, installed by the top's
            # postinstall, left setup skipped and the old packages in place), and the lockfile is audited
            sub = tools(pkg.path, pkg.data)
            inputs.append(join(pkg.dir, "package.json"))
            if sub.lockfile:
                inputs.append(join(pkg.dir, sub.lockfile))
                app.js_lockfiles.append(join(pkg.dir, sub.lockfile))
            continue
        if pkg.installed_by:
            app.check(
                "build",
                f"package.json {pkg.installed_by} installs {pkg.dir}'s dependencies itself: build runs on "
                f"every `run`, so they are installed again each time (and npm install may rewrite "
                f"{pkg.dir}'s lockfile); installing them in setup instead "
                f"(`{tools(pkg.path, pkg.data).install_at(pkg.dir)}`) would do it once",
            )
            continue
        # Beside a server package in a subfolder (no package.json at the top), only what build builds
        # needs its dependencies: `npm run build --prefix frontend` found no `tsc` (CollabHub).
        elsewhere = top.dir != "." and pkg not in _built_members(packages)
        if pkg.workspace or elsewhere or pkg.dir in hooks or not pkg.deps:
            continue
        sub = tools(pkg.path, pkg.data)
        sub_dir = install_dir(sub, pkg)
        step = sub.install_at(sub_dir)
        if step in steps:
            continue  # another member of the same workspace: one install at its root covers both
        steps.append(step)
        inputs += [join(sub_dir, "package.json")] + ([join(sub_dir, sub.lockfile)] if sub.lockfile else [])
        if sub.lockfile:
            app.js_lockfiles.append(join(sub_dir, sub.lockfile))
        app.decide("setup", step, install_source(sub, sub_dir, pkg.dir) if sub.root else
                   join(pkg.dir, "package.json"))
        for message in checks_in(sub, pkg.dir):
            app.check("setup", message)
    app.setup = commands.chain(steps)
    app.setup_inputs = list(dict.fromkeys(inputs))


def _node_command(
    app: AppSetup, folder: Path, ins: Instructions, packages: list[Package], tool: Tools
) -> tuple[Package | None, str]:
    """Set app.command; returns the package that runs the server and its entry file when known."""
    if ins.web is not None:
        bound = commands.bind(ins.web.command)
        app.command, app.env = bound.command, {**app.env, **bound.env}
        app.decide("command", app.command, ins.web.source + _without_dev_options(ins.web.command))
        return next((p for p in packages if p.server), packages[0]), ""
    start = server_script(packages)
    if start is None:
        return _static_fallback(app, packages, folder), ""
    command, pre, env = start_command(start, tool)
    source = start.source + _without_dev_options(start.line)
    members, runs = typescript_members(start, packages)
    if members:
        command, source = _typescript_members_note(app, start, members, runs) or (command, source)
    app.command = command
    app.fallback = start.fallback
    app.env.update(env)
    app.decide("command", command, source)
    for name, value in start.env.items():
        if name not in app.env:
            app.env[name] = value
            why = ("what production runs it with" if name == "NODE_ENV" else
                   f"the server listens on the interface {name} names, all of them when unset")
            app.decide("env", f"{name}={value}", f"{start.source.split(' (', 1)[0]}: {why}")
    if start.port_var:
        app.decide("port", f"auto ({start.port_var})", f"the server {start.entry} reads {start.port_var}")
    for step in pre:
        ins.pre.append(Step(step, start.source))
    if start.warning:
        app.check("command", start.warning)
    _other_page_servers(app, start.package, packages)
    return start.package, start.entry


# Frameworks whose start serves the pages they render (a server of their own, not files the API serves)
_PAGE_SERVERS = ("next", "nuxt", "@remix-run/serve", "@react-router/serve", "@sveltejs/adapter-node", "astro")


def _other_page_servers(app: AppSetup, served: Package, packages: list[Package]) -> None:
    """A note for each workspace member beside the served one that renders and serves its own pages (a
    Next.js ``apps/web`` beside an Express ``apps/api`` in a Turborepo): `run` starts one server, so the
    frontend phase audits the served member's pages, never that web app's."""
    for pkg in packages:
        framework = next((name for name in _PAGE_SERVERS if pkg.has(name)), "")
        if pkg is served or not pkg.workspace or not framework or not pkg.scripts.get("start"):
            continue
        app.check("command", f"{pkg.dir} ({framework}) is a server of its own, which `run` does not start: "
                             f"the frontend phase audits the pages of {served.dir}, not of {pkg.dir}; to "
                             f"measure it, give it a config of its own (`echotune-ci init --dir {pkg.dir}`) "
                             f"and run it with this app started beside it, at the URL its build is given")


def _typescript_members_note(app: AppSetup, start: Start, members: list[str],
                             runs: str) -> tuple[str, str] | None:
    """The start of a server whose built file Node cannot run, since workspace *members* it imports export
    TypeScript source (:func:`.nodeapp.typescript_members`): through tsx on the file a script of its
    package runs so (*runs*, its dev script's, without the watcher) when there is one, with a note either
    way; None when the start is kept."""
    pkg = start.package
    named = ", ".join(members[:3]) + (" ..." if len(members) > 3 else "")
    why = (f"{join(pkg.dir, 'package.json')} depends on {named}, whose package.json exports TypeScript "
           f"source and has no build of its own: `{start.line}` stops at its first type annotation "
           "(SyntaxError), as Node cannot load TypeScript from a package the build leaves external")
    if not runs or not pkg.has("tsx"):
        app.check("command", f"{why}; bundle them into the build (tsup's noExternal) or start the "
                             "server with tsx")
        return None
    command = f"npx tsx {runs}" if pkg.dir == "." else f"cd {pkg.dir} && npx tsx {runs}"
    app.check("command", f"{why}: served with tsx on {runs}, as its scripts do; to measure the build "
                         "instead, bundle them into it (tsup's noExternal) and start it with node")
    return command, f"{join(pkg.dir, 'package.json')} (a script runs {runs} with tsx; the start script's " \
                    f"build cannot load {named})"


def _without_dev_options(line: str) -> str:
    """What ``[serve] command`` leaves out of *line*, a server's command as the project writes it: the
    runtime's development options (:func:`commands.dev_options`), said after its source; "" when none."""
    dropped = [o for part in commands.segments(line) for o in commands.dev_options(part)]
    if not dropped:
        return ""
    return (f", without {' '.join(dropped)}: a debugger listening on a fixed port and a restart when a file "
            "changes are for development, not for a measured run")


def _static_fallback(app: AppSetup, packages: list[Package], folder: Path) -> Package | None:
    """A single-page app without any start script: serve its build output, and say so (and that its pages
    call an API on the developer's machine, :func:`.clients.local_api_call`, when they do)."""
    for pkg in packages:
        if pkg.vite:
            app.command = "npx vite preview --host 127.0.0.1 --port {port} --strictPort"
        elif pkg.has("react-scripts"):
            app.command = "npx --yes serve -s build -l tcp://127.0.0.1:{port}"
        else:
            continue
        if pkg.dir != ".":
            app.command = f"cd {pkg.dir} && {app.command}"
        app.fallback = "static"
        # create-react-app's "start": "react-scripts start" is its development server, no start script
        start = pkg.scripts.get("start", "")
        said = (f"scripts.start, {start}, is the development server: the build is served" if start
                else "no start script")
        app.decide("command", app.command, f"{join(pkg.dir, 'package.json')} ({said})")
        app.check(
            "command",
            (f"no server but the development server ({start})" if start else "no server and no start script")
            + ": the built files are served by a static server, so load and header checks measure that "
            "server, not your production host",
        )
        call = local_api_call(pkg, folder)
        if call is not None:
            app.check("command", f"{call[1]} calls {call[0]}, an API on the developer's machine that no "
                                 "server of this run starts: the pages are measured without what they fetch "
                                 "from it (and a failed request warns); serve that API beside the build, or "
                                 "audit the pages that need none")
        return None
    app.check(
        "command", "no start, serve, preview or dev script and no server file: say how to start the app"
    )
    return None


# new sqlite3.Database('db/todos.sqlite'), new Database('data/app.db') (better-sqlite3), {filename: '...'}
_NODE_SQLITE = re.compile(r"""(?:new\s+(?:sqlite3\.(?:cached\.)?)?Database\(|\bfilename\s*:)\s*['"`]"""
                          r"""((?:\./)?[\w.-]+(?:/[\w.-]+)*)/[\w.-]+['"`]""")


def _sqlite_folders(app: AppSetup, sources: list[Path], folder: Path) -> None:
    """``mkdir -p`` the folder of a SQLite file a Node server opens when the checkout lacks it (git keeps
    no empty folder): IanKulin/todo's ``new sqlite3.Database('db/todos.sqlite')`` and to_do_app's
    ``models/database.db`` stopped the first run with SQLITE_CANTOPEN. The path is the server's working
    folder's ([serve] cwd)."""
    cwd = folder / app.cwd
    for path in sources:
        text = read_text(path)
        for m in _NODE_SQLITE.finditer(text):
            needed = m.group(1).removeprefix("./")
            if needed.startswith("..") or (cwd / needed).is_dir() or f"mkdir -p {needed}" in app.build:
                continue
            step = f"mkdir -p {needed}"
            app.build = f"{step} && {app.build}" if app.build else step
            line = text.count("\n", 0, m.start()) + 1
            app.decide("build", step, f"{rel(path, folder)}:{line} opens a SQLite database in {needed}/, "
                                      f"which the checkout lacks")


# sqlite3("sqlite.db") (better-sqlite3), new Database('./data/app.sqlite'), new sqlite3.Database("todo.db")
_SQLITE_FILE = re.compile(r"""\b(?:Database|sqlite3?|SQLite|Sqlite)\(\s*['"`]((?:\./)?[\w./-]+"""
                          r"""\.(?:db|sqlite3?))['"`]""")
# the SQL files a project keeps its tables in, beside its package.json or in a folder of their own
_SCHEMA_FILES = ("schema.sql", "db/schema.sql", "sql/schema.sql", "database/schema.sql", "db/init.sql",
                 "init.sql")


def _sqlite_schema_note(app: AppSetup, server: Package, sources: list[Path], folder: Path) -> None:
    """A ``# check:`` when the Node server opens a SQLite file by name (better-sqlite3's
    ``sqlite3("sqlite.db")``, sqlite3's ``new Database(...)``) whose tables a SQL file of the project
    holds (``schema.sql``) and no build step or ORM makes them: the driver creates an empty file, and
    every query of the app answers 500 "no such table" (the lucia Astro example's README says to run
    schema.sql by hand). A note, not a step: running the file again fails on its CREATE TABLEs."""
    if not server.has("better-sqlite3", "sqlite3") or orm_databases([server], folder) or app.build and \
            re.search(r"\.sql\b|\bmigrat|\bdb:|\bseed", app.build):
        return
    schema = next((server.path / s for s in _SCHEMA_FILES if (server.path / s).is_file()), None)
    if schema is None or not _MAKES_TABLES.search(read_text(schema)):
        return
    for path in sources:
        text = read_text(path)
        m = _SQLITE_FILE.search(text)
        if m is None:
            continue
        db, sql = m.group(1).removeprefix("./"), rel(schema, server.path)
        line = text.count("\n", 0, m.start()) + 1
        app.check("build", f"{rel(path, folder)}:{line} opens the SQLite file {db}, whose tables "
                           f"{rel(schema, folder)} holds, and nothing here creates them: queries fail with "
                           f"'no such table' until it runs; add `test -s {db} || sqlite3 {db} < {sql}` to "
                           "build (-s: a file the driver made empty, 0 bytes, gets them too; running it "
                           "again would fail on its CREATE TABLEs)")
        return


def _sqlite_url(app: AppSetup, packages: list[Package], folder: Path) -> None:
    """The variable an ORM reads its SQLite file's location from (a Prisma schema's ``url =
    env("DATABASE_URL")`` with ``provider = "sqlite"``, a Drizzle config's ``dbCredentials: { url:
    process.env.DB_CONNECTION }`` with ``dialect: 'sqlite'``), set in [serve] env when nothing else does:
    a file needs no service, and without it the migrations and the app stop ("Environment variable not
    found: DATABASE_URL"; drizzle-kit's "url is required"; indie-stack and nuxt-api-demo keep it in
    .env.example only). The example's value when the package has one (a ``file:`` URL for Prisma), else
    a file of the run's own: ``file:./dev.db`` (Prisma, relative to the schema's folder; libSQL's
    client), ``./dev.db`` (a path, as better-sqlite3 opens it)."""
    for orm in orm_databases(packages, folder):
        prisma = orm.client == "@prisma/client"
        if orm.provider != "sqlite" or not orm.variables:
            continue
        name = orm.variables[0]
        pkg = folder / orm.package
        if name in app.env or re.search(rf"(?m)^\s*{re.escape(name)}\s*=", read_text(pkg / ".env")):
            continue
        value = r"file:[^\"'\s]+" if prisma else r"[^\"'\s#]+"
        example = re.search(rf"""(?m)^\s*{re.escape(name)}\s*=\s*["']?({value})""",
                            read_text(pkg / ".env.example"))
        libsql = any(p.dir == orm.package and p.has("@libsql/client") for p in packages)
        app.env[name] = example.group(1) if example else "file:./dev.db" if prisma or libsql else "./dev.db"
        source = (f"{join(orm.package, '.env.example')} (a SQLite file)" if example else
                  f"{orm.where} reads it ({orm.said}): a SQLite file of the run's own")
        app.decide("env", f"{name}={app.env[name]}", source)


def _top_build(top: Package) -> str:
    """The script of the first package that builds the app: build, else a host's build hook."""
    return next((s for s in ("build", "heroku-postbuild", "vercel-build") if s in top.scripts), "")


def _built_members(packages: list[Package]) -> list[Package]:
    """The packages besides the first whose own build script build runs: each that has one, when the
    first package has none; when the first is a server in a folder of its own (no package.json at the
    top), whose build builds only itself, each client beside it that its build does not reach."""
    top = packages[0]
    if not _top_build(top):
        return [p for p in packages[1:] if "build" in p.scripts]
    if top.dir == ".":
        return []  # the top's build is the project's
    # Backend/ built by tsc beside a Vite frontend/: the bundle phase measured frontend/dist, which
    # nothing had installed or built ("no file matches")
    reached = " ".join(top.scripts.get(s, "") for s in (_top_build(top), *INSTALL_HOOKS))
    return [p for p in packages[1:] if "build" in p.scripts and p.client
            and not re.search(rf"(?<![\w.-]){re.escape(p.dir.split('/')[-1])}(?![\w-])", reached)]


def _server_unbuilt(app: AppSetup, top: Package, server: Package | None) -> str:
    """The file the start of *server* (a workspace member with a build script of its own) runs that the
    checkout lacks, when the root's build does not run that member's build (:func:`.scriptreach.reaches`):
    orcta-stack's ``pnpm build`` builds its packages and its web app, and ``node ./dist/src/index.js`` of
    the API stopped on "Cannot find module". "" otherwise."""
    if server is None or server is top or server.dir == "." or "build" not in server.scripts \
            or reaches(top, server):
        return ""
    words = commands.tokens(app.command)
    lines = [body for name, body in server.scripts.items() if name in words] or [app.command]
    return next((file for line in lines if (file := unbuilt_entry(server, line))), "")


def _node_build(app: AppSetup, folder: Path, ins: Instructions, packages: list[Package], tool: Tools,
                server: Package | None = None) -> None:
    steps: list[str] = []
    for step in ins.pre:
        if commands.kind(step.command) != "install":
            _add_build(app, steps, step.command, step.source)
            _once_only(app, step)
    top = packages[0]
    script = next((s for s in ("build", "heroku-postbuild", "vercel-build") if s in top.scripts), "")
    if script:
        _add_build(
            app,
            steps,
            tool.run(script, top),
            f"{join(top.dir, 'package.json')} (scripts.{script})",
            unless="run build" if script == "build" else "",
        )
        for pkg in _built_members(packages):
            _add_build(app, steps, tools(pkg.path, pkg.data).run("build", pkg),
                       f"{join(pkg.dir, 'package.json')} (scripts.build; {join(top.dir, 'package.json')}'s "
                       "build builds only its own folder)")
        unbuilt = _server_unbuilt(app, top, server)
        if unbuilt and server is not None:
            _add_build(app, steps, tool.run("build", server),
                       f"{join(server.dir, 'package.json')} (scripts.build: its start runs "
                       f"{join(server.dir, unbuilt)}, which {join(top.dir, 'package.json')}'s build does not "
                       "make)")
    else:
        for pkg in packages[1:]:
            if "build" in pkg.scripts:
                _add_build(
                    app, steps, tool.run("build", pkg), f"{join(pkg.dir, 'package.json')} (scripts.build)"
                )
    _prisma_generate(app, steps, packages, folder)
    if not any(_SETS_UP_DB.search(s) for s in steps):
        _orm_migrations(app, steps, orm_databases(packages, folder), packages)
    if not any(_SETS_UP_DB.search(s) for s in steps):
        _readme_once(app, top.path, steps, ("npm", "yarn", "pnpm", "npx", "prisma", "knex", "sequelize"))
    app.build = commands.chain(steps)


def _prisma_generate(app: AppSetup, steps: list[str], packages: list[Package], folder: Path) -> None:
    """``npx prisma generate`` first in build for each package that depends on @prisma/client and has a
    schema, unless a step, an install hook npm runs during setup (``postinstall: prisma generate``) or
    the build script that build runs generates already: until then the client is a stub, and the app
    stops at its import ("SyntaxError: Named export 'PrismaClient' not found", SQLite-Template)."""
    top = packages[0]
    built = [top, *_built_members(packages)]
    at = 0
    for pkg in packages:
        schema = prisma_schema(pkg) if "@prisma/client" in pkg.deps else None
        if schema is None or any("prisma generate" in s for s in steps):
            continue
        hooks = [(p, h) for p in (pkg, top) for h in INSTALL_HOOKS if generates(p, h)]
        if pkg in built:
            hooks += [(pkg, b) for b in ("build", "heroku-postbuild", "vercel-build") if generates(pkg, b)]
        if hooks:
            continue
        step = in_folder(pkg.dir, "npx prisma generate")
        steps.insert(at, step)
        at += 1
        app.decide("build", step, f"{join(pkg.dir, 'package.json')} depends on @prisma/client, generated "
                                  f"from {rel(schema, folder)} before the app can import it (no install hook "
                                  "or build script runs prisma generate)")
        if "prisma" not in pkg.deps:
            app.check("build", f"prisma (the CLI) is not in {join(pkg.dir, 'package.json')}: `npx prisma "
                               "generate` fetches its latest version, which may not match @prisma/client "
                               f"{pkg.deps['@prisma/client']}; add prisma to devDependencies at that version")


def _orm_migrations(app: AppSetup, steps: list[str], orms: list[OrmDatabase],
                    packages: list[Package]) -> None:
    """The ORM's command that applies the migrations the repository keeps (``npx prisma migrate deploy``
    for prisma/migrations/, ``npx drizzle-kit migrate`` for drizzle/*.sql) as a build step, as Django's
    migrate and Flask-Migrate's upgrade are: the tables exist before the app is measured. A Prisma schema
    without migrations gets the package's own script that pushes it (``"db:push": "prisma db push"``)."""
    for orm in orms:
        if not orm.migrate:
            pushed = orm.client == "@prisma/client" and not orm.migrations and _schema_push(app, steps, orm,
                                                                                            packages)
            if orm.client == "@prisma/client" and not orm.migrations and not pushed:
                app.check("build", f"{orm.where} comes with no migrations folder: nothing here makes the "
                                   "tables; if pages fail on a missing table, add `npx prisma db push` (in "
                                   "the schema's package) to build")
            continue
        step = in_folder(orm.package, orm.migrate)
        _add_build(app, steps, step, f"{orm.migrations}/ ({orm.client}'s migrations)")
        via = " or ".join(orm.variables) or f"{orm.where}'s datasource"
        app.check("build", f"build applies {orm.migrations}/ with `{orm.migrate}` to the database {via} "
                           "points at, on every run: point it at a test database in [serve] env, never "
                           "one whose data matters; the build stops where none answers")


def _schema_push(app: AppSetup, steps: list[str], orm: OrmDatabase, packages: list[Package]) -> bool:
    """Add the script of *orm*'s package that runs ``prisma db push`` to build (diplom-fullstack-app's
    ``"db:push"``, which init said nothing made the tables beside); whether there was one."""
    pkg = next((p for p in packages if p.dir == (orm.package or ".")), None)
    push = next((name for name, body in pkg.scripts.items() if "prisma db push" in body), "") if pkg else ""
    if pkg is None or not push:
        return False
    step = tools(pkg.path, pkg.data).run(push, pkg)
    _add_build(app, steps, step, f"{join(pkg.dir, 'package.json')} (scripts.{push}: prisma db push, "
                                 "the schema having no migrations)")
    app.check("build", f"build runs `{step}`, which makes the tables in the database "
                       f"{' or '.join(orm.variables) or 'the schema'} points at, on every run: point it at a "
                       "test database in [serve] env, never one whose data matters")
    return True


def _unmovable_node(command: str, server: Package) -> str:
    """Why `run --base-ref` cannot move the listen of the server *command* starts, or the package script it
    names (``npm start``: ``bun server.js``), runs: it runs it with Bun or Deno rather than Node, or the
    script replaces the NODE_OPTIONS that carry the preload (``NODE_OPTIONS=--max-old-space-size=512 node
    server.js``; a [serve] env one is kept, the preload added to it); "" when it can."""
    words = commands.tokens(command)
    scripts = server.scripts
    words = [*words, *(w for name in words if name in scripts for w in commands.tokens(scripts[name]))]
    if runtime := next((w for w in words if w in ("bun", "bunx", "deno")), ""):
        return f"{runtime} does not load Node's preloads, which move a listen"
    setting = next((w for w in words if w.startswith("NODE_OPTIONS=")
                    and "$NODE_OPTIONS" not in w and "${NODE_OPTIONS}" not in w), "")
    if not setting:
        return ""
    return f"`{setting}` replaces the NODE_OPTIONS that carry the preload which moves a listen"


def _fixed_port(app: AppSetup, port: int, why: str, unmovable: str) -> None:
    """The check for a Node server that always listens on *port* and whose listen `run --base-ref` cannot
    move to a free port for the base (*unmovable* says why; serve.app.moved_listen moves Node's and Python's):
    the base cannot start beside the head on the same port, so every pull request would be measured
    without a base and pass on the head's budgets alone. Nothing to check when it can be moved
    (Nodejs-Passport-Login's ``app.listen(3000)``)."""
    if not unmovable:
        return
    app.check("port", f"the server always listens on {port} ({why}) and {unmovable}: `run --base-ref`, "
                      "which the pull request workflow runs, cannot start the base beside it and measures "
                      f"the head alone; read the port from the environment (process.env.PORT || {port}) for "
                      "base-against-head comparisons")


def _node_port(app: AppSetup, server: Package, skip: frozenset[str], folder: Path, entry: str = "") -> None:
    if "{port}" in app.command:
        app.decide("port", "auto", "the command takes the port")
        return
    if any(d.key == "port" for d in app.decisions):
        return  # said with the command: a framework's server (framework_server), built by build
    port, var, why = node_port(server.path, skip, folder, entry)
    if port is not None:
        app.port = port
        app.decide("port", str(port), why)
        _fixed_port(app, port, why, _unmovable_node(app.command, server))
    elif var and var != "PORT":
        # on the command that serves: an assignment before `cd server && npx tsx src/index.ts` sets it for the
        # `cd` alone (johchai/react-fastify-starter's SERVER_PORT never reached the app)
        before, joined, last = app.command.rpartition("&&")
        app.command = f"{before}{joined} {var}={{port}} {last.lstrip()}" if joined \
            else f"{var}={{port}} {last}"
        app.decide("port", f"auto (through {var})", why)
    elif var:
        app.decide("port", "auto (PORT)", why)
    elif serving := _serve_tool(app, server):
        app.decide("port", "auto (PORT)", serving)
    elif (exported := exports_without_listen(server, entry, skip, folder))[0]:
        where = f" in {server.dir}/" if server.dir != "." else ""
        app.check(
            "port",
            f"{exported[0]} never listens: it exports the app (for a serverless host such as Vercel) and no "
            f"file of its folder calls listen(), so `{app.command}` exits at once and `run` stops on \"serve "
            f"command exited with code 0\"; serve it with a command that listens on PORT{where}, e.g. "
            f"node -e \"import('./{exported[1]}').then((m) => m.default.listen(process.env.PORT))\"",
        )
    else:
        app.check(
            "port",
            "could not tell how the server picks its port: `run` sets PORT; set [serve] port "
            "if the app always listens on one",
        )


# Servers of a framework that listen on PORT (remix-serve, react-router-serve: "process.env.PORT || 3000")
_PORT_SERVERS = ("remix-serve", "react-router-serve")


def _serve_tool(app: AppSetup, server: Package) -> str:
    """"<script>: <tool> listens on PORT" when the command, or the script of *server* it runs, starts a
    framework's server that reads PORT (indie-stack's ``"start": "remix-serve ./build/index.js"``); ""."""
    run = re.search(r"\bnpm (?:run )?([\w:-]+)", app.command)
    line = server.scripts.get(run.group(1), "") if run else ""
    script = f"{join(server.dir, 'package.json')} (scripts.{run.group(1)})" if run else ""
    for text, where in ((app.command, "the command"), (line, script)):
        tool = next((t for t in _PORT_SERVERS if re.search(rf"(?:^|[\s/]){t}\b", text)), "")
        if tool:
            return f"{where}: {tool} listens on PORT"
    return ""


def _bundle(app: AppSetup, packages: list[Package]) -> None:
    server_out = server_outputs(packages)
    for pkg in packages:
        if not pkg.client or pkg.server and not pkg.has("vite", "webpack", "next", "nuxt", "react-scripts"):
            continue
        found = bundle_globs(pkg, server_out)
        if found is not None:
            app.bundle_globs += [g for g in found.globs if g not in app.bundle_globs]
            app.decide("bundle", ", ".join(found.globs), found.source)
            outputs = dict.fromkeys(map(output_folder, found.globs))
            app.generated += [f for f in outputs if f not in app.generated]
    if app.bundle_globs and "bundle" not in app.phases:
        app.phases.append("bundle")


# ---------------------------------------------------------------------------- Docker only


def _docker_app(folder: Path, ins: Instructions) -> AppSetup:
    app = AppSetup(kind="docker", framework="docker")
    port = ins.expose.command if ins.expose else "8080"
    app.build = "docker build -t echotune-app ."
    app.command = f"docker run --rm -p 127.0.0.1:{{port}}:{port} echotune-app"
    app.decide("build", app.build, "Dockerfile")
    app.decide("command", app.command, ins.expose.source if ins.expose else "Dockerfile (no EXPOSE)")
    app.check(
        "command",
        "served through docker (nothing else tells how to start the app): needs a docker daemon"
        + ("" if ins.expose else "; the Dockerfile has no EXPOSE, 8080 is a guess"),
    )
    sources = list(source_files(folder, (*JS_SUFFIXES, ".py", ".go", ".rb"), limit=300))
    _ready(app, ins, sources, folder, served=served_document(sources, folder))
    app.decide("setup", "", "the image build installs everything")
    return app
