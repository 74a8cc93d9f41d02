"""How ``init`` serves a Python web app: the module that creates the app, the server, build steps, env.

:func:`find_target` reads FLASK_APP (.flaskenv, .env, the deployment files),
then wsgi.py / asgi.py, then the modules that create an app (``app =
Flask(...)``, ``FastAPI()``, ``create_app()`` factories). :func:`server_command`
picks the production server the dependencies provide (gunicorn, uvicorn,
hypercorn, waitress), else the framework's own (``flask run``, ``manage.py
runserver``). :func:`required_env` finds the variables a module reads when it
is imported, with no default (``os.environ['SERVER_NAME']`` in a config
class): without them the app cannot even start.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .dotenv import dotenv_file
from .envdefaults import env_default
from .files import python_module, read_text, source_files
from .pydeps import PythonDeps
from .pyroots import import_roots, module_name

_ASGI = ("FastAPI", "Starlette", "Quart", "Litestar", "Sanic")
_CREATE = re.compile(
    r"^(\w+)\s*(?::\s*[\w.\[\]]+\s*)?=\s*(?:[\w.]+\.)?(Flask|FastAPI|Starlette|Quart|Litestar|"
    r"Sanic|Bottle|Falcon|App|API|get_wsgi_application|get_asgi_application|create_app|"
    r"make_app|get_app|build_app|init_app)\(",
    re.M,
)
_FACTORY = re.compile(r"^def (create_app|make_app)\(\s*(?:\w+\s*(?::[^=,)]+)?=[^,)]+\s*,?\s*)*\)", re.M)
# `app = create_application()` at module level, and the function of that file it calls, which builds the
# app (fastapi-vue3-events-system: `application = FastAPI(...)` in create_application()): any name
_MADE_BY = re.compile(r"^(\w+)\s*(?::\s*[\w.\[\]]+\s*)?=\s*(\w+)\(\s*\)\s*$", re.M)
# ... or a function that calls the project's app factory (`app = deploy_app()`, whose body picks a config
# and returns `create_app(config)`)
_BUILDS_APP = re.compile(
    r"\b(?:[\w.]+\.)?(Flask|FastAPI|Starlette|Quart|Litestar|Sanic|create_app|make_app)\(")
_PREFERRED = (
    "wsgi.py",
    "asgi.py",
    "app.py",
    "main.py",
    "server.py",
    "application.py",
    "run.py",
    "api.py",
    "__init__.py",
)
# Packages that install granian as their own dependency (Litestar's granian plugin), so the project serves
# with it though granian is not named
_BRINGS_GRANIAN = ("litestar-granian",)
_FRAMEWORK_OF = {
    "Flask": "flask",
    "FastAPI": "fastapi",
    "Starlette": "starlette",
    "Quart": "quart",
    "Litestar": "litestar",
    "Sanic": "sanic",
    "Bottle": "bottle",
    "Falcon": "falcon",
    "get_wsgi_application": "django",
    "get_asgi_application": "django",
}


@dataclass
class Target:
    """The app object a server loads: ``module:attr`` (attr ``create_app()`` for a factory)."""

    module: str
    attr: str
    framework: str
    source: str
    flask_app: str = ""
    # Apps as likely in other top-level folders (tutorial1/ ... tutorial5/ of a repository of several):
    # their sources, for a note that init measured the first
    siblings: tuple[str, ...] = ()
    # an ASGI app of a framework that makes WSGI apps too (Falcon's falcon.asgi.App beside falcon.App)
    asgi_app: bool = False

    @property
    def spec(self) -> str:
        """``module:attr``."""
        return f"{self.module}:{self.attr}"

    @property
    def asgi(self) -> bool:
        """Whether the app is an ASGI app (needs uvicorn or another ASGI server)."""
        return (
            self.asgi_app
            or self.framework in ("fastapi", "starlette", "quart", "litestar", "sanic")
            or self.attr.startswith("application")
            and self.module.endswith(".asgi")
        )


def dotenv(folder: Path, name: str) -> tuple[str, str]:
    """(value, file) of *name* in .flaskenv or .env, else ("", "")."""
    for file in (".flaskenv", ".env", ".env.example"):
        value = dotenv_file(folder / file).get(name, "").strip()
        if value:
            return value, file
    return "", ""


def app_package(folder: Path, env: dict[str, str], web: str = "") -> str:
    """The package folder of *folder* that holds the app a server run from *folder* loads: the first part
    of the module FLASK_APP names (*env*, else .flaskenv or .env) or of the ``module:attr`` a server
    command (*web*: ``gunicorn backend.app:app``) names, when that part is a folder (``backend``); "" when
    the app's module is at the top or not named."""
    value = env.get("FLASK_APP") or dotenv(folder, "FLASK_APP")[0]
    if not value:
        value = next((w for w in web.split() if re.fullmatch(r"[A-Za-z_][\w.]*:[A-Za-z_][\w()]*", w)), "")
    if not value:
        return _self_importing_package(folder)
    module = value.partition(":")[0]
    module = module[:-3].replace("/", ".") if module.endswith(".py") else module
    package = module.split(".")[0] if "." in module else ""
    return package if package and (folder / package).is_dir() else ""


def _self_importing_package(folder: Path) -> str:
    """The package folder of *folder* (``backend/`` with ``__init__.py`` and a requirements file) whose
    module creates the app and whose code imports itself by its name (``from backend.views import bp``):
    it can only run from *folder*, where ``backend`` is importable; "" when there is none."""
    packages = [d for d in sorted(folder.iterdir()) if d.is_dir() and (d / "__init__.py").is_file()
                and any(d.glob("requirements*.txt"))] if folder.is_dir() else []
    if not packages:
        return ""
    target = find_target(folder, PythonDeps(), {})
    package = target.module.split(".")[0] if target is not None and "." in target.module else ""
    if not package or folder / package not in packages:
        return ""
    itself = re.compile(rf"^[ \t]*(?:from|import)[ \t]+{re.escape(package)}(?:\.|[ \t]+import\b)", re.M)
    found = any(itself.search(read_text(p)) for p in source_files(folder / package, (".py",), limit=200))
    return package if found else ""


def _from_flask_app(folder: Path, value: str, source: str, framework: str) -> Target:
    """A Target from a FLASK_APP value: ``microblog.py``, ``app:create_app()``, ``myapp``."""
    module, _, attr = value.partition(":")
    module = module[:-3].replace("/", ".") if module.endswith(".py") else module
    if not attr:
        text = read_text(folder / (module.replace(".", "/") + ".py")) or read_text(
            folder / module.replace(".", "/") / "__init__.py"
        )
        m = _CREATE.search(text)
        f = _FACTORY.search(text)
        attr = m.group(1) if m else (f"{f.group(1)}()" if f else "app")
    return Target(module, attr, framework or "flask", source, flask_app=value)


def find_target(folder: Path, deps: PythonDeps, env: dict[str, tuple[str, str]]) -> Target | None:
    """The app to serve, most explicit first (FLASK_APP, wsgi/asgi modules, app-creating modules)."""
    value, source = env.get("FLASK_APP", ("", ""))
    if not value:
        value, source = dotenv(folder, "FLASK_APP")
    if value:
        return _from_flask_app(folder, value, source, "flask")
    found: list[tuple[int, Target]] = []
    roots = [PurePosixPath(r) for r in import_roots(folder)]
    for path in source_files(folder, (".py",), limit=400):
        # three folders deep at most, counted from the folder the package is imported from (src/py/app/
        # server/asgi.py is app/server/asgi.py where pyproject.toml builds from src/py)
        parts = PurePosixPath(path.relative_to(folder).as_posix())
        below = next((len(parts.parts) - len(r.parts) for r in roots if parts.is_relative_to(r)),
                     len(parts.parts))
        if below > 3:
            continue
        target = _target_in(path, folder, deps)
        if target is not None:
            rank = _PREFERRED.index(path.name) if path.name in _PREFERRED else len(_PREFERRED)
            found.append((len(path.relative_to(folder).parts) * 20 + rank, target))
    if not found:
        return None
    best_rank, best = min(found, key=lambda t: t[0])
    if len(PurePosixPath(best.source).parts) == 1:
        return best
    top = PurePosixPath(best.source).parts[0]
    # the best of each other top-level folder, as deep and as named as the one chosen
    firsts: dict[str, str] = {}
    for rank, target in sorted(found, key=lambda t: t[0]):
        first = PurePosixPath(target.source).parts[0]
        if rank == best_rank and first != top:
            firsts.setdefault(first, target.source)
    best.siblings = tuple(firsts.values())
    return best


def _target_in(path: Path, folder: Path, deps: PythonDeps) -> Target | None:
    text = read_text(path)
    source = path.relative_to(folder).as_posix()
    module = module_name(path, folder)
    for m in _CREATE.finditer(text):
        maker = m.group(2)
        framework = _FRAMEWORK_OF.get(maker) or _framework_from_deps(deps, text)
        if maker in ("App", "API") and framework not in ("falcon", "sanic"):
            continue
        return Target(module, m.group(1), framework, source,
                      asgi_app=framework == "falcon" and _falcon_asgi(m.group(0), maker, text))
    f = _FACTORY.search(text)
    if f and "Flask(" in text:
        return Target(module, f"{f.group(1)}()", "flask", source)
    body = _function_body(text, f.group(1)) if f else ""
    built = next((m.group(1) for m in _BUILDS_APP.finditer(body) if m.group(1) in _ASGI), "")
    if f and built:
        # an ASGI app's factory (litestar-fullstack's `def create_app() -> Litestar:` returning
        # `Litestar(plugins=[...])`): the server calls it (uvicorn's and granian's --factory)
        return Target(module, f"{f.group(1)}()", _FRAMEWORK_OF[built], source)
    return _made_by_function(text, module, source, deps)


def _falcon_asgi(call: str, maker: str, text: str) -> bool:
    """Whether the Falcon app that *call* (``app = falcon.asgi.App(``) makes is its ASGI one: made through
    the ``asgi`` module, or by a name imported from it (``from falcon.asgi import App``)."""
    if re.search(r"\basgi\.\w+\($", call):
        return True
    return bool(re.search(rf"^\s*from\s+falcon\.asgi\s+import\s+[^\n]*\b{maker}\b", text, re.M))


def _made_by_function(text: str, module: str, source: str, deps: PythonDeps) -> Target | None:
    """The module-level app a function of the same file builds (``app = create_application()`` where
    ``def create_application():`` makes ``FastAPI(...)`` and returns it), None when there is none."""
    for m in _MADE_BY.finditer(text):
        body = _function_body(text, m.group(2))
        built = _BUILDS_APP.search(body) if body else None
        if built:
            framework = _FRAMEWORK_OF.get(built.group(1)) or _framework_from_deps(deps, text)
            return Target(module, m.group(1), framework, source)
    return None


def _function_body(text: str, name: str) -> str:
    """The text of the top-level ``def name(...)`` of *text* up to the next top-level line ("" when the
    file defines no such function)."""
    start = re.search(rf"^(?:async\s+)?def {re.escape(name)}\(", text, re.M)
    if not start:
        return ""
    end = re.compile(r"^\S", re.M).search(text, text.find("\n", start.start()) + 1)
    return text[start.start(): end.start() if end else len(text)]


def _framework_from_deps(deps: PythonDeps, text: str) -> str:
    for name in ("fastapi", "starlette", "quart", "flask", "django", "falcon", "bottle"):
        if re.search(rf"^\s*(?:from|import)\s+{name}\b", text, re.M) or deps.has(name):
            return name
    return "python"


def framework_of(deps: PythonDeps) -> str:
    """The web framework the dependencies name ("" when none)."""
    for name in ("django", "fastapi", "starlette", "quart", "litestar", "flask", "falcon", "bottle", "sanic"):
        if deps.has(name):
            return name
    return ""


_ASYNC_MODES = ("eventlet", "gevent", "gevent_uwsgi", "threading")


def _async_mode(folder: Path) -> str:
    """The ``async_mode`` the app's code gives its Socket.IO server (``SocketIO(app, async_mode="eventlet")``,
    ``socketio.Server(async_mode=...)``, ``init_app(app, async_mode=...)``), "" when none. A call whose
    app is ``None`` is not the server's: flack's Celery side emits through the message queue with
    ``init_app(None, ..., async_mode='threading')`` while its server runs on eventlet."""
    for path in source_files(folder, (".py",)):
        text = read_text(path, 200_000)
        tree = python_module(text) if "async_mode" in text else None
        for node in ast.walk(tree) if tree is not None else ():
            if not isinstance(node, ast.Call) or (node.args and isinstance(node.args[0], ast.Constant)
                                                  and node.args[0].value is None):
                continue
            mode = next((k.value.value for k in node.keywords if k.arg == "async_mode"
                         and isinstance(k.value, ast.Constant)), None)
            if mode in _ASYNC_MODES:
                return str(mode)
    return ""


def socketio_worker(deps: PythonDeps, folder: Path) -> tuple[str, str]:
    """(gunicorn options, why) that serve a Flask-SocketIO / python-socketio WSGI app's WebSockets, as
    Flask-SocketIO's deployment docs give them, for the async mode the app runs in (an ``async_mode`` its
    code names, else the first of eventlet, gevent, threading its dependencies allow, as Flask-SocketIO
    picks it): ``-k eventlet -w 1``, ``-k gevent -w 1`` (gevent-websocket's own worker where that is
    installed), ``-w 1 --threads 100``; ("", "") for an app without Socket.IO. gunicorn's default sync
    worker serves one request at a time to its end: each WebSocket held it, and Flask-SocketIO-Chat under
    ``gunicorn chat:app`` answered 30 requests in 20 s (p95 10 s, half failed) and 12 of 17 connects
    failed, where Flask's own server answered 908 and all connects. One worker: Socket.IO keeps each
    client's session in the process that opened it."""
    if not deps.has("flask-socketio", "python-socketio"):
        return "", ""
    named = _async_mode(folder)
    mode = named or next((m for m in ("eventlet", "gevent") if deps.has(m)), "threading")
    said = (f"async_mode {mode!r} in the code" if named
            else f"{mode} in the dependencies" if mode != "threading" else "no eventlet or gevent")
    if mode == "eventlet":
        return "-k eventlet -w 1 ", f"; Socket.IO's WebSockets need an eventlet worker ({said})"
    if mode.startswith("gevent"):
        worker = ("geventwebsocket.gunicorn.workers.GeventWebSocketWorker" if deps.has("gevent-websocket")
                  else "gevent")
        return f"-k {worker} -w 1 ", f"; Socket.IO's WebSockets need a gevent worker ({said})"
    return "-w 1 --threads 100 ", f"; Socket.IO's WebSockets each hold a thread ({said})"


def server_command(target: Target, deps: PythonDeps, folder: Path) -> tuple[str, str, list[str]]:
    """(command, why, packages setup must add) to serve *target*."""
    if target.asgi:
        # uvicorn and granian call a factory given --factory and its name; `module:create_app()` is an
        # attribute they cannot find (gunicorn and hypercorn evaluate the call themselves)
        factory = target.attr.endswith("()")
        called = f"--factory {target.module}:{target.attr[:-2]}" if factory else target.spec
        quoted = f"'{target.spec}'" if factory else target.spec
        if target.framework == "sanic":
            # Sanic's own server, as its docs run it: under an ASGI server Sanic skips its main-process
            # listeners (main_process_start/stop) and its worker manager
            factory_flag = " --factory" if factory else ""
            return (f"sanic {target.module}:{target.attr.removesuffix('()')}{factory_flag} "
                    "--host 127.0.0.1 --port {port}", "Sanic's own server (the sanic command)", [])
        if deps.has("uvicorn"):
            return f"uvicorn {called} --host 127.0.0.1 --port {{port}}", "uvicorn in the dependencies", []
        if deps.has("granian", *_BRINGS_GRANIAN):
            why = next(n for n in ("granian", *_BRINGS_GRANIAN) if deps.has(n))
            return (f"granian --interface asgi --host 127.0.0.1 --port {{port}} {called}",
                    f"{why} in the dependencies", [])
        if deps.has("hypercorn"):
            return f"hypercorn --bind 127.0.0.1:{{port}} {quoted}", "hypercorn in the dependencies", []
        if target.framework == "quart":
            # Quart requires hypercorn itself (its own `quart run` serves with it): it is installed with
            # the app, where uvicorn, named nowhere, would not be
            return (f"hypercorn --bind 127.0.0.1:{{port}} {quoted}",
                    "hypercorn, which Quart installs as its own dependency", [])
        if deps.has("gunicorn") and deps.has("uvicorn-worker"):
            return (
                f"gunicorn --bind 127.0.0.1:{{port}} -k uvicorn_worker.UvicornWorker {quoted}",
                "gunicorn and uvicorn-worker in the dependencies",
                [],
            )
        return (
            f"uvicorn {called} --host 127.0.0.1 --port {{port}}",
            "an ASGI app and no ASGI server in the dependencies",
            ["uvicorn"],
        )
    if deps.has("gunicorn"):
        spec = f"'{target.spec}'" if "(" in target.spec else target.spec
        worker, why = socketio_worker(deps, folder)
        return f"gunicorn --bind 127.0.0.1:{{port}} {worker}{spec}", f"gunicorn in the dependencies{why}", []
    if deps.has("waitress") and not deps.has("flask-socketio", "python-socketio"):
        call = "--call " if target.attr.endswith("()") else ""
        return (
            f"waitress-serve --listen=127.0.0.1:{{port}} {call}{target.module}:{target.attr.rstrip('()')}",
            "waitress in the dependencies",
            [],
        )
    if target.framework == "flask":
        # The app goes in FLASK_APP ([serve] env, written beside it), not `--app`: Flask added that
        # option in 2.2, and a project pinned to an older Flask stopped on "No such option: --app".
        return (
            "flask run --host 127.0.0.1 --port {port}",
            "Flask's own server (no gunicorn or waitress in the dependencies)",
            [],
        )
    return (
        f"gunicorn --bind 127.0.0.1:{{port}} {target.spec}",
        "a WSGI app and no server in the dependencies",
        ["gunicorn"],
    )


def python_port(script: Path, shown: str = "") -> tuple[int | None, str]:
    """(fixed port, why) of ``python script.py``: None when it reads PORT or takes --port. *shown*: the
    script's name in *why* (its path from the app's folder), else its file name."""
    text = read_text(script)
    name = shown or script.name
    if re.search(r"""(?:environ(?:\.get)?|getenv)\s*[\(\[]\s*["']PORT["']""", text) or "--port" in text:
        return None, f"{name} reads PORT"
    m = re.search(r"\.run\([^)]*\bport\s*=\s*(\d{2,5})", text, re.S)
    if m:
        return int(m.group(1)), f"{name}: port={m.group(1)}"
    if re.search(r"\bapp\.run\(", text) and "Flask(" in text + read_text(script.parent / "__init__.py"):
        return 5000, f"{name}: app.run() without a port (Flask's 5000)"
    if "uvicorn.run(" in text:
        return 8000, f"{name}: uvicorn.run() without a port (8000)"
    # aiohttp's web.run_app(app, port=N): without a port (and no path= or sock= to listen on instead) it
    # listens on 8080
    m = re.search(r"\brun_app\(", text)
    if m:
        given = _arguments(text, m.end())
        port = re.search(r"\bport\s*=\s*(\d{2,5})\b", given)
        if port:
            return int(port.group(1)), f"{name}: run_app(..., port={port.group(1)})"
        if not re.search(r"\b(?:port|path|sock)\s*=", given):
            return 8080, f"{name}: run_app() without a port (aiohttp's 8080)"
    # Tornado's app.listen(8888) / HTTPServer(app).listen(8888)
    m = re.search(r"\.listen\(\s*(\d{2,5})\b", text)
    if m and re.search(r"^\s*(?:from|import)\s+tornado\b", text, re.M):
        return int(m.group(1)), f"{name}: listen({m.group(1)})"
    return None, ""


def _arguments(text: str, start: int) -> str:
    """The text of a call's arguments, from *start* (just after its opening parenthesis) to the one that
    closes it, however deep the calls inside (``run_app(init_app(load(f)))``); to the end when unclosed."""
    depth = 1
    for i in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return text[start:i]
    return text[start:]


@dataclass(frozen=True)
class Required:
    """An environment variable read with no default when a module is imported, where, and how the read is
    written (``env('DBNAME')``; "" for ``os.environ['X']``)."""

    name: str
    where: str
    how: str = ""


# django-environ's readers of an Env instance (``env.str("X")``), and those whose second argument is a cast,
# so that the default is the third (``env("X", str, "d")``, ``env.list("X", str, [])``)
_ENVIRON_METHODS = frozenset({"str", "bool", "int", "float", "json", "list", "tuple", "dict", "url", "db",
                              "db_url", "cache", "cache_url", "email", "email_url", "search_url", "path",
                              "get_value", "bytes", "channels", "channels_url"})
_ENVIRON_CASTS = frozenset({"__call__", "get_value", "list", "tuple", "dict"})
_ENVIRON_INSTANCE = re.compile(r"^[ \t]*(\w+)\s*=\s*(?:environ\.)?Env\(", re.M)
_DOTENV_NAME = re.compile(r"^\s*(?:export\s+)?([A-Za-z_]\w*)\s*=", re.M)


def required_env(folder: Path, sources: list[Path]) -> list[Required]:
    """Variables the app's modules read at import time without a default: ``os.environ["X"]`` and
    ``environ["X"]`` at module or class level (not inside functions, which run later or never), and
    django-environ's ``env("X")`` / ``env.str("X")`` on an ``environ.Env(...)`` instance, which raise
    ImproperlyConfigured when X is unset: unless the read gives a default (``default=``, or the cast's
    place taken, the next argument), the Env schema does (``environ.Env(X=(str, "d"))``), or a .env file
    that ``read_env`` loads (beside a module that calls it or in a folder above, up to *folder*'s parent)
    sets it. Nor is a variable the code gives a value of its own with ``os.environ.setdefault("X", "dev")``
    (in any module: a wsgi.py or config package sets it before the settings read it). python-decouple's
    ``config("X")`` is left out (it also reads settings.ini)."""
    found: dict[str, Required] = {}
    given: set[str] = set()
    texts = [(path, read_text(path)) for path in sources]
    readers = frozenset(m.group(1) for _, text in texts if "Env(" in text
                        for m in _ENVIRON_INSTANCE.finditer(text))
    if readers:
        given |= _environ_defaults(folder, texts)
    for path, text in texts:
        if "environ[" not in text and "setdefault" not in text and not (
                readers and any(f"{r}(" in text or f"{r}." in text for r in readers)) and not (
                "raise" in text and ("getenv" in text or "environ.get" in text)):
            continue
        tree = python_module(text)
        if tree is None:
            continue
        where = path.relative_to(folder).as_posix()
        nodes = _import_time_nodes(tree, readers)
        for name, node, how in _raised_unless_set(nodes):
            if name not in found and name != "PORT":
                found[name] = Required(name, f"{where}:{getattr(node, 'lineno', 0)}", how)
        for node in nodes:
            name, how = _required_name(node), ""
            if not name:
                name, how = _environ_required(node, readers)
            if name and name not in found and name != "PORT":
                found[name] = Required(name, f"{where}:{getattr(node, 'lineno', 0)}", how)
            read = env_default(node)
            if read is not None and read[1] and isinstance(node, ast.Call) \
                    and isinstance(node.func, ast.Attribute) and node.func.attr == "setdefault":
                given.add(read[0])
    return [r for r in found.values() if r.name not in given]


def _raised_unless_set(nodes: list[ast.AST]) -> list[tuple[str, ast.AST, str]]:
    """(X, the ``if``, how it is written) for each ``if`` of *nodes* (those run at import, in order) that
    raises when X is unset or empty: ``if not os.getenv("X"): raise ...``, or ``if not V: raise`` / ``if V
    is None: raise`` after ``V = os.environ.get("X")`` with no default (a production config class that
    refuses to load without DATABASE_URL stops every config's import, the development one's too)."""
    read: dict[str, str] = {}
    out: list[tuple[str, ast.AST, str]] = []
    for node in nodes:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            got = env_default(node.value)
            if got is not None and not got[1]:
                read[node.targets[0].id] = got[0]
            else:
                read.pop(node.targets[0].id, None)
        raises = isinstance(node, ast.If) and any(isinstance(b, ast.Raise) for b in node.body)
        if not isinstance(node, ast.If) or node.orelse or not raises:
            continue
        test = node.test
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            subject: ast.AST = test.operand
        elif (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Is)
              and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value is None):
            subject = test.left
        else:
            continue
        got = env_default(subject)
        if isinstance(subject, ast.Name):
            name = read.get(subject.id, "")
        else:
            name = got[0] if got and not got[1] else ""
        if name:
            out.append((name, node, f"if {ast.unparse(test)}: raise"))
    return out


def _environ_defaults(folder: Path, texts: list[tuple[Path, str]]) -> set[str]:
    """The variables an ``environ.Env(X=(cast, default))`` schema gives a default, and those a .env file
    that ``read_env`` loads sets (the folders of the modules that call it and the ones above, up to
    *folder*'s parent: a settings module in src/ that reads the repository's .env)."""
    given: set[str] = set()
    folders: set[Path] = set()
    top = folder.resolve().parent
    for path, text in texts:
        if "read_env" in text:
            here = path.resolve().parent
            while here != top and top in here.parents:
                folders.add(here)
                here = here.parent
            folders.add(top)
        if "Env(" not in text:
            continue
        tree = python_module(text)
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _text_name(node.func) == "Env":
                given |= {k.arg for k in node.keywords
                          if k.arg and isinstance(k.value, ast.Tuple) and len(k.value.elts) > 1}
    for here in folders:
        given |= set(_DOTENV_NAME.findall(read_text(here / ".env")))
    return given


def _text_name(node: ast.AST) -> str:
    return node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""


def _environ_required(node: ast.AST, readers: frozenset[str]) -> tuple[str, str]:
    """(X, the read as written: ``env('X')``) when *node* reads X through a django-environ instance named
    in *readers* with no default, else ("", "")."""
    if not isinstance(node, ast.Call) or not readers:
        return "", ""
    func = node.func
    if isinstance(func, ast.Name) and func.id in readers:
        method = "__call__"
    elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in readers \
            and func.attr in _ENVIRON_METHODS:
        method = func.attr
    else:
        return "", ""
    var = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "var"), None)
    if not (isinstance(var, ast.Constant) and isinstance(var.value, str)
            and re.fullmatch(r"[A-Z]\w*", var.value)):
        return "", ""
    positional = 2 if method in _ENVIRON_CASTS else 1
    if any(k.arg == "default" for k in node.keywords) or len(node.args) > positional:
        return "", ""
    return var.value, ast.unparse(node)


_ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]{2,}")
_ANY = "*"  # in a set of guarded names: every read is guarded


def _import_time_nodes(tree: ast.AST, readers: frozenset[str] = frozenset()) -> list[ast.AST]:
    """Every node that runs when the module is imported: not inside a function or lambda body, not
    inside ``try`` blocks that catch KeyError (or django-environ's ImproperlyConfigured), nor a read
    (``os.environ['X']``, ``env('X')`` of an instance in *readers*) under an ``if`` that tests the
    variable, nor any read in the body of an ``if`` whose test names an environment variable (its
    ``else`` runs where that variable is unset: what it reads stays required)."""
    out: list[ast.AST] = []
    stack: list[tuple[ast.AST, frozenset[str]]] = [(tree, frozenset())]
    while stack:
        node, guarded = stack.pop()
        if isinstance(node, ast.Try) and any(_catches_key_error(h) for h in node.handlers):
            continue
        body: set[int] = set()
        if isinstance(node, (ast.If, ast.IfExp)):
            tested = {c.value for c in ast.walk(node.test) if isinstance(c, ast.Constant)
                      and isinstance(c.value, str)}
            guarded = guarded | tested
            if any(_ENV_NAME.fullmatch(v) for v in tested):
                # `if env.get_value("CODESPACE_NAME", default=None):` runs its body only where that variable
                # is set: what the body reads is needed there, not required (django-quiz-app)
                branch = node.body if isinstance(node.body, list) else [node.body]
                body = {id(b) for b in branch}
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                stack.extend((d, guarded) for d in child.decorator_list)
                continue
            if isinstance(child, ast.Lambda):
                continue
            inside = guarded | {_ANY} if id(child) in body else guarded
            read = _required_name(child) or _environ_required(child, readers)[0]
            if _ANY not in inside and read not in inside:
                out.append(child)
            stack.append((child, inside))
    return sorted(out, key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))


def _catches_key_error(handler: ast.ExceptHandler) -> bool:
    names = {n.id for n in ast.walk(handler.type) if isinstance(n, ast.Name)} if handler.type else {"*"}
    return bool(names & {"*", "KeyError", "LookupError", "Exception", "BaseException",
                         "ImproperlyConfigured"})


def _required_name(node: ast.AST) -> str:
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
        target = node.value
        is_environ = (isinstance(target, ast.Attribute) and target.attr == "environ") or (
            isinstance(target, ast.Name) and target.id == "environ"
        )
        key = node.slice
        if is_environ and isinstance(key, ast.Constant) and isinstance(key.value, str):
            return key.value
    return ""
