"""gunicorn's own configuration file, which the measured server loads too.

gunicorn reads ``./gunicorn.conf.py`` (the folder it starts in) unless ``-c``/``--config`` names
another; the command line wins over it (``--bind``), everything else it sets (workers, threads,
reload, daemon, log files) applies to the measured server. hackersandslackers/flask-blueprint-tutorial's
raises "Unknown environment provided: None" unless ``ENVIRONMENT`` is ``development`` or
``production``: init wrote a command that stopped on it, and said nothing of the file.
"""

from __future__ import annotations

import ast
from pathlib import Path

from . import commands
from .files import python_module, read_text

CONFIG = "gunicorn.conf.py"
# Settings of the file that change what is measured or whether the run can watch the server
_NOTABLE = ("daemon", "reload", "workers", "threads", "worker_class", "preload_app", "accesslog", "errorlog")


def _env_name(node: ast.AST) -> str:
    """X when *node* reads environment variable X (``os.getenv("X")``, ``getenv("X")``,
    ``environ.get("X")``, ``os.environ["X"]``), else ""."""
    if isinstance(node, ast.Call) and node.args:
        func = node.func
        reads = (isinstance(func, ast.Name) and func.id == "getenv") or isinstance(func, ast.Attribute) and (
            (func.attr == "getenv" and isinstance(func.value, ast.Name) and func.value.id == "os")
            or (func.attr == "get" and _last_name(func.value).endswith("environ")))
        first = node.args[0]
        if reads and isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
        return ""
    if isinstance(node, ast.Subscript) and _last_name(node.value).endswith("environ"):
        key = node.slice
        return key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else ""
    return ""


def _last_name(node: ast.AST) -> str:
    """The last name of *node* (``environ`` of ``os.environ``, ``environ`` of ``environ``), else "". Not
    ast.unparse, which recurses into the whole expression: a valid ``a.a.a...environ`` some 600 deep
    raised RecursionError out of init."""
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""


def _assigned(node: ast.AST) -> list[str]:
    """The names a module-level statement *node* sets: ``workers = 4``, ``workers = threads = 4``,
    ``workers, threads = 4, 2``, ``workers: int = 4``, ``workers += 1`` (gunicorn reads the module's
    globals after running it, whatever statement set them)."""
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and node.value is not None:
        targets = [node.target]  # "workers: int" alone (an annotation without a value) sets nothing
    names: list[str] = []
    stack = list(targets)
    while stack:
        target = stack.pop(0)
        if isinstance(target, ast.Name):
            names.append(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            stack[:0] = target.elts
        elif isinstance(target, ast.Starred):
            stack.insert(0, target.value)
    return names


def _module_level(tree: ast.Module) -> list[ast.AST]:
    """The nodes that run when gunicorn loads the file: outside functions, classes' methods and lambdas."""
    out: list[ast.AST] = []
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        out.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return sorted(out, key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))


def named_config(words: list[str]) -> str | None:
    """The file gunicorn's *words* name with ``-c``/``--config`` (``-c X``, ``-cX``, ``--config X``,
    ``--config=X``), "" when they name none, None for a module (``python:pkg.conf``)."""
    for i, word in enumerate(words):
        if word in ("-c", "--config"):
            value = words[i + 1] if i + 1 < len(words) else ""
        elif word.startswith("--config="):
            value = word.partition("=")[2]
        elif word.startswith("-c") and not word.startswith("--"):
            value = word[2:]
        else:
            continue
        return None if value.startswith("python:") else value
    return ""


def config_note(folder: Path, command: str) -> str:
    """The ``# check:`` for the configuration file that *command* (the serve command, run in *folder*)
    has gunicorn load: the one its ``-c``/``--config`` names, else gunicorn.conf.py in the folder it starts
    in (after a ``cd X &&``); "" when the command is no gunicorn, names a ``python:`` module, or there is
    no such file. A Procfile's ``gunicorn -c gunicorn.conf.py wsgi:app`` loads the same file as the bare
    command, and was said nothing of."""
    if commands.program(command) != "gunicorn":
        return ""
    cd, rest = commands.strip_cd(command)
    named = named_config(commands.tokens(rest))
    # init reads the project's own files: not a module, nor a path out of the project (/etc/..., ../)
    if named is None or Path(named).is_absolute() or ".." in Path(named).parts:
        return ""
    shown = named or CONFIG
    text = read_text(folder / cd / shown)
    if not text:
        return ""
    tree = python_module(text)
    if tree is None:
        return ""
    nodes = _module_level(tree)
    reads = list(dict.fromkeys(f"{name} ({shown}:{n.lineno})" for n in nodes
                               if (name := _env_name(n)) and hasattr(n, "lineno")))
    raises = [n.lineno for n in nodes if isinstance(n, ast.Raise)]
    sets = [name for n in nodes for name in _assigned(n) if name in _NOTABLE]
    where = f"{shown}, which its -c names" if named else f"{CONFIG} from the folder it starts in"
    parts = [f"gunicorn loads {where} (the command line wins over it: --bind)"]
    if sets:
        parts.append(f"its {', '.join(dict.fromkeys(sets))} apply to the measured server"
                     + (" (daemon = True detaches gunicorn, and the run sees it exit)" if "daemon" in sets
                        else ""))
    if reads:
        parts.append(f"it reads {', '.join(reads[:3])}"
                     + (f" and raises at line {raises[0]} when it is not what it expects" if raises else "")
                     + ": give it in [serve] env")
    return "; ".join(parts) if len(parts) > 1 else ""


# What makes gunicorn serve more than one request at a time: more workers, threads (the gthread worker),
# or an asynchronous worker class; on the command line ...
_CONCURRENT_FLAGS = ("-w", "--workers", "--threads", "-k", "--worker-class")
# ... in its configuration file, or in the environment it reads (WEB_CONCURRENCY is the default of
# workers, GUNICORN_CMD_ARGS is read as command-line arguments)
_CONCURRENT_SETTINGS = ("workers", "threads", "worker_class")
_CONCURRENT_ENV = ("WEB_CONCURRENCY", "GUNICORN_CMD_ARGS")


def one_worker_note(folder: Path, command: str, env: dict[str, str]) -> str:
    """The ``# check:`` for a gunicorn *command* (run in *folder* with *env*) that serves one request at a
    time: gunicorn's defaults (``workers`` from WEB_CONCURRENCY, else 1; ``threads`` 1; the ``sync``
    worker) where neither its flags, its configuration file nor the environment change them. A
    Procfile's bare ``gunicorn indymeet.wsgi`` runs with the WEB_CONCURRENCY that Heroku and Dokku set;
    here one worker queued the load's 20 users (p95 2.3 s at 8 requests/s), and a 200-ms sleep planted
    in the home page made every endpoint regress (+211 % on /events/, which it never ran). "" otherwise."""
    if commands.program(command) != "gunicorn" or any(env.get(name) for name in _CONCURRENT_ENV):
        return ""
    cd, rest = commands.strip_cd(command)
    words = commands.tokens(rest)
    if any(w in _CONCURRENT_FLAGS or w.startswith(tuple(f"{f}=" for f in _CONCURRENT_FLAGS if f[1] == "-"))
           or (w[:2] in ("-w", "-k") and len(w) > 2) for w in words):
        return ""
    named = named_config(words)
    if named is None or named and (Path(named).is_absolute() or ".." in Path(named).parts):
        return ""  # a module or a file outside the project: what it sets is unknown
    tree = python_module(read_text(folder / cd / (named or CONFIG)))
    if tree is not None and any(name in _CONCURRENT_SETTINGS for n in _module_level(tree)
                                for name in _assigned(n)):
        return ""
    return ("gunicorn serves one request at a time here (no --workers, --threads or --worker-class, and no "
            "WEB_CONCURRENCY, whose default is 1 sync worker): under the load's users every request waits "
            "for those before it, so each endpoint's time includes the others' (a slowdown of one shows in "
            "all) and p95 measures the queue; give it the workers it runs with in production ([serve] env "
            "WEB_CONCURRENCY, which Heroku and Dokku set for a Procfile's gunicorn, or --workers)")
