"""Which environment variables the app's own code reads with a default: :func:`defaulted_env`.

A deployment file may list a variable to set (app.json's ``"generator":
"secret"``, render.yaml's ``generateValue``) that the code reads with a
fallback: ``os.environ.get('SECRET_KEY') or 'dev-key'``,
``os.getenv("SECRET_KEY", "x")``, ``env("X", default=...)``, a pydantic
settings field with a value (of a class that inherits BaseSettings directly
or through the project's own classes: :mod:`.pysettings`),
``process.env.JWT_SECRET || 'dev'``. The app starts without it then, and
``init`` need not ask for it.

A variable counts as defaulted only when some read gives it a default and no
read takes its value without one: ``os.environ['X']`` (outside a ``try``
that catches KeyError), ``X = os.environ.get('X')``, a settings field with no
value, ``jwt.sign(payload, process.env.X)``. A read that only tests the
variable (``if os.environ.get('X'):``, ``process.env.X === 'on'``) says
neither. A default of None or "" is none: an empty SECRET_KEY fails like a
missing one. In JavaScript an explicit ``|| null`` or ``?? undefined`` is one:
the code says it does without the variable (``process.env.REDIS_PASSWORD ||
null``, then no AUTH when it is null). A name destructured from
``process.env`` without a default of its own is read where the code uses it:
``const { REDIS_PASSWORD } = process.env`` and then ``REDIS_PASSWORD ||
undefined`` is a read with a default.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .calltext import split_top_level
from .files import JS_SUFFIXES, python_module, read_text, rel, source_files
from .pysettings import settings_reads

MAX_FILES = 300
# env("X"), config("X"): django-environ and python-decouple, whose second argument is a cast, not a default
_SCHEMA_READERS = ("env", "config")
# The names a project gives its own function that reads one environment variable, with a default
_ENV_HELPER = re.compile(r"(?:get|read)_?env(?:_?var)?", re.I)
_ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
_DEFAULT_KEYWORDS = ("default", "default_factory")
_STOPS = ("exit", "abort")


def defaulted_env(folder: Path, names: Iterable[str]) -> dict[str, str]:
    """{name: ``file:line`` of a read with a default} for each of *names* that the Python and JavaScript
    sources under *folder* (tests, dependencies and build output left out) read with a default and
    never without one. Never raises for a file's content: a file that does not parse says nothing."""
    defaulted: dict[str, str] = {}
    bare: set[str] = set()
    for name, has_default, where in _reads(folder, set(names)):
        if has_default:
            defaulted.setdefault(name, where)
        elif has_default is not None:
            bare.add(name)
    return {name: where for name, where in defaulted.items() if name not in bare}


def read_env(folder: Path, names: Iterable[str]) -> dict[str, str]:
    """{name: ``file:line`` of its first read} for each of *names* that the Python and JavaScript sources
    under *folder* (tests, dependencies and build output left out) read at all: with a default, without
    one, only tested, or as a settings field. Never raises for a file's content."""
    found: dict[str, str] = {}
    for name, _, where in _reads(folder, set(names)):
        found.setdefault(name, where)
    return found


def _reads(folder: Path, wanted: set[str]) -> Iterator[tuple[str, bool | None, str]]:
    """(name, with a default: True / False / None for a read that only tests it, ``file:line``) for each
    read of a name in *wanted* in the Python and JavaScript sources under *folder*, settings fields last."""
    if not wanted:
        return
    paths = list(source_files(folder, (".py", *JS_SUFFIXES), limit=MAX_FILES))
    for path in paths:
        text = read_text(path)
        if not any(name in text for name in wanted):
            continue
        reads = _python_reads(text) if path.suffix == ".py" else _js_reads(text, wanted)
        for name, has_default, line in reads:
            if name in wanted:
                yield name, has_default, f"{rel(path, folder)}:{line}"
    for name, has_value, where in settings_reads(paths, folder):
        if name in wanted:
            yield name, has_value, where


def taken_without_default(
    sources: Iterable[Path], root: Path, names: re.Pattern[str]
) -> list[tuple[str, str]]:
    """[(variable, ``file:line`` of its first read)] for each variable whose name *names* matches that the
    Python and JavaScript *sources* take as a value with no default (``secret: process.env.SESSION_SECRET``
    handed to express-session, ``app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY")``), and never
    read with a default nor only test: ``if (process.env.STRIPE_KEY)`` is an optional feature the code
    turns on when the variable is set. Never raises for a file's content."""
    first: dict[str, str] = {}
    spared: set[str] = set()
    sources = list(sources)
    for path in sources:
        text = read_text(path)
        if not any(w in text for w in ("environ", "getenv", "process.env", "$env/", "import.meta.env.")):
            continue
        reads = _python_reads(text) if path.suffix == ".py" else _js_reads(text, None)
        for name, has_default, line in reads:
            if not names.search(name):
                continue
            if has_default is False:
                first.setdefault(name, f"{rel(path, root)}:{line}")
            else:
                spared.add(name)
    for name, has_value, where in settings_reads(sources, root):
        if names.search(name):
            if has_value:
                spared.add(name)
            else:
                first.setdefault(name, where)
    return [(name, where) for name, where in first.items() if name not in spared]


def read_without_default(statement: str) -> bool:
    """Whether Python *statement* (``SECRET_KEY = os.environ.get("X")``) takes an environment variable's
    value without a default: Django then stops ("The SECRET_KEY setting must not be empty"), where
    ``os.environ.get("X") or "dev"`` or ``env("X", default="dev")`` starts. False for a statement that
    does not parse."""
    return any(has_default is False for _, has_default, _ in _python_reads(statement))


def env_default(node: ast.AST) -> tuple[str, bool] | None:
    """(variable, whether the read itself gives a default) when *node* reads an environment variable:
    ``os.environ['X']`` and ``os.environ.get('X')`` / ``os.getenv('X')`` / ``env('X')`` without one,
    ``os.environ.get('X', 'd')``, ``os.environ.setdefault('X', 'd')``, ``env('X', default='d')`` with one.
    None for any other node. An ``or`` after the read is the caller's to see."""
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and _is_environ(node.value):
        name = _string(node.slice)
        return (name, False) if name else None
    if not isinstance(node, ast.Call) or not node.args:
        return None
    name = _string(node.args[0])
    func = node.func
    if not name:
        return None
    defaults = [*node.args[1:2], *(k.value for k in node.keywords if k.arg in _DEFAULT_KEYWORDS)]
    given = any(_gives_value(d) for d in defaults)
    if isinstance(func, ast.Attribute) and func.attr in ("get", "setdefault") and _is_environ(func.value):
        return name, given
    if (isinstance(func, ast.Attribute) and func.attr == "getenv" or isinstance(func, ast.Name)
            and func.id == "getenv"):
        return name, given
    # a project's own helper, named for what it does: get_env("X", "d") (litestar-fullstack's, which
    # returns a default factory), read_env("X"), get_env_var("X", default="d"); its second argument is
    # the default, as os.getenv's is
    if _text_name(func) and _ENV_HELPER.fullmatch(_text_name(func)) and _ENV_NAME.fullmatch(name):
        return name, given
    # env("X"), env.str("X") (django-environ), config("X") (python-decouple)
    schema = isinstance(func, ast.Name) and func.id in _SCHEMA_READERS or isinstance(func, ast.Attribute) \
        and isinstance(func.value, ast.Name) and func.value.id == "env"
    if schema and _ENV_NAME.fullmatch(name):
        keyword = [k.value for k in node.keywords if k.arg in _DEFAULT_KEYWORDS]
        return name, any(_gives_value(d) for d in keyword)
    return None


def _text_name(node: ast.AST) -> str:
    """The last name of ``Name`` / ``a.b.Name``, else ""."""
    return node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""


def _is_environ(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ")


def _string(node: ast.AST) -> str:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""


def _gives_value(node: ast.AST) -> bool:
    """Whether a default is a value: anything but None and ""."""
    return not (isinstance(node, ast.Constant) and node.value in (None, ""))


def _falls_back(node: ast.AST) -> bool:
    """Whether *node*, after an ``or``, gives a value: not None or "", nor another variable read
    without a default (``os.environ.get('A') or os.environ.get('B')``)."""
    read = env_default(node)
    return _gives_value(node) and (read is None or read[1])


def _python_reads(text: str) -> Iterator[tuple[str, bool | None, int]]:
    """(variable, True with a default / False taken as a value without one / None only tested, line) of
    each read of one Python module."""
    tree = python_module(text)
    if tree is None:
        return
    # caught: under a try whose KeyError handler gives a value (True) or stops the app (False)
    stack: list[tuple[ast.AST, ast.AST | None, bool | None]] = [(tree, None, None)]
    while stack:
        node, parent, caught = stack.pop()
        read = env_default(node)
        if read is not None:
            name, given = read
            yield name, _how(node, parent, given, caught), getattr(node, "lineno", 0)
        handlers = [h for h in node.handlers if _catches_key_error(h)] if isinstance(node, ast.Try) else []
        body = node.body if isinstance(node, ast.Try) and handlers else []
        for child in ast.iter_child_nodes(node):
            stack.append((child, node, _handled(handlers) if child in body else caught))


def _handled(handlers: list[ast.ExceptHandler]) -> bool:
    """Whether KeyError handlers give a value (``except KeyError: SECRET_KEY = "dev"``) rather than
    stop the app (``raise``, ``sys.exit(...)``)."""
    return not any(isinstance(n, ast.Raise) or isinstance(n, ast.Call) and _text_name(n.func) in _STOPS
                   for h in handlers for n in ast.walk(h))


def _how(node: ast.AST, parent: ast.AST | None, given: bool, caught: bool | None) -> bool | None:
    """True when the read has a default, False when its value is taken without one, None when it is
    only tested."""
    if given:
        return True
    if isinstance(node, ast.Subscript) and caught is not None:
        return caught  # try: os.environ['X'] except KeyError: ...
    if isinstance(parent, ast.BoolOp) and isinstance(parent.op, ast.Or):
        at = next(i for i, value in enumerate(parent.values) if value is node)
        if any(_falls_back(v) for v in parent.values[at + 1:]):
            return True  # os.environ.get('SECRET_KEY') or 'dev-key'
    tested = isinstance(parent, ast.If | ast.While | ast.IfExp | ast.Assert) and parent.test is node
    if tested or isinstance(parent, ast.Compare | ast.BoolOp) or (
            isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.Not)):
        return None
    return False


def _catches_key_error(handler: ast.ExceptHandler) -> bool:
    names = {n.id for n in ast.walk(handler.type) if isinstance(n, ast.Name)} if handler.type else {"*"}
    return bool(names & {"*", "KeyError", "LookupError", "Exception", "BaseException"})


# SvelteKit's environment modules: import { env } from '$env/dynamic/private' (env.X, read at run time) and
# import { X, Y as y } from '$env/static/public' (inlined by the build, which stops without them)
_KIT_IMPORT = re.compile(
    r"""import\s*\{([^{}]*)\}\s*from\s*(['"])\$env/(dynamic|static)/(private|public)\2""")
_KIT_DYNAMIC_ITEM = re.compile(r"\s*env\s*(?:\bas\s+([A-Za-z_$][\w$]*)\s*)?")
_KIT_STATIC_ITEM = re.compile(r"\s*([A-Za-z_$][\w$]*)\s*(?:\bas\s+([A-Za-z_$][\w$]*)\s*)?")


# import.meta.env.ENCRYPTION_KEY: Astro's server code reads the private variables so (Vite gives the client
# only VITE_/PUBLIC_ ones); not Vite's and Astro's own keys (MODE, PROD, BASE_URL, SITE ...) nor public ones
_META_ENV = re.compile(r"\bimport\.meta\.env\.(?!(?:MODE|BASE_URL|PROD|DEV|SSR|SITE|ASSETS_PREFIX)\b)"
                       r"(?!(?:VITE|PUBLIC)_)(?=[A-Za-z_])")


def as_process_env(text: str) -> str:
    """JavaScript *text* with SvelteKit's environment modules and Astro's private ``import.meta.env``
    variables read as ``process.env`` is, so every reader of the environment here sees them: ``env.X`` of
    ``import { env } from '$env/dynamic/private'`` becomes ``process.env.X``, ``import { X, Y as y } from
    '$env/static/private'`` becomes ``const { X, Y: y } = process.env`` and ``import.meta.env.X`` becomes
    ``process.env.X`` (Astro inlines it at build time, from the build's environment: :data:`_META_ENV`).
    Line numbers stay those of *text*; text without either is returned as it is."""
    if "import.meta.env." in text:
        text = _META_ENV.sub("process.env.", text)
    if "$env/" not in text:
        return text
    aliases: list[str] = []

    def rewrite(m: re.Match[str]) -> str:
        items = [i for i in m.group(1).split(",") if i.strip()]
        if m.group(3) == "dynamic":
            aliases.extend(p.group(1) or "env" for i in items if (p := _KIT_DYNAMIC_ITEM.fullmatch(i)))
            return m.group(0)
        names = [f"{p.group(1)}: {p.group(2)}" if p.group(2) else p.group(1)
                 for i in items if (p := _KIT_STATIC_ITEM.fullmatch(i))]
        return "const { " + ", ".join(names) + " } = process.env" + "\n" * m.group(0).count("\n")

    text = _KIT_IMPORT.sub(rewrite, text)
    for alias in dict.fromkeys(aliases):
        text = re.sub(rf"(?<![\w$.]){re.escape(alias)}(?=\s*(?:\.\s*[A-Za-z_$]|\[))", "process.env", text)
    return text


def kit_static_env(text: str) -> list[tuple[str, str, int]]:
    """[(variable, module, line)] that JavaScript *text* imports from SvelteKit's ``$env/static/private``
    or ``$env/static/public``: the build inlines them and stops where one is unset."""
    out = []
    for m in _KIT_IMPORT.finditer(text):
        if m.group(3) == "static":
            line = text.count("\n", 0, m.start()) + 1
            out += [(p.group(1), f"$env/static/{m.group(4)}", line)
                    for i in m.group(1).split(",") if i.strip() and (p := _KIT_STATIC_ITEM.fullmatch(i))]
    return out


# process.env.X, process.env['X']
_JS_READ = re.compile(r"""\bprocess\.env(?:\.(\w+)|\[\s*['"`](\w+)['"`]\s*\])""")
# process.env.X || 'dev', process.env.X ?? 'dev', and || null / ?? undefined: the code says it does
# without one (redis-developer's chat demo: `process.env.REDIS_PASSWORD || null`, then no AUTH when null);
# not || '', an empty value where one is expected (an empty secret fails like a missing one)
_JS_FALLBACK = re.compile(r"""\s*(?:\|\||\?\?)(?!\s*(['"`])\1)""")
# process.env.A || process.env.B: another variable, no value; as os.environ.get('A') or os.environ.get('B')
_JS_OR_ANOTHER = re.compile(r"\s*(?:\|\||\?\?)\s*process\.env\b")
# Where the value is only tested: if (process.env.X), process.env.X === 'on', !process.env.X, x && ...
_JS_TESTED_AFTER = re.compile(r"\s*(?:[!=]==?|&&|\?(?!\?)|\)\s*\{|\)\s*(?:&&|\|\|)|\)\s*return\b)")
_JS_TESTED_BEFORE = re.compile(r"(?:!|&&|\|\||[!=]==?|\b(?:if|while)\s*\(|typeof\s)\s*$")


def _js_reads(text: str, wanted: set[str] | None) -> Iterator[tuple[str, bool | None, int]]:
    """(variable, True with a default / False taken as a value without one / None only tested, line) of
    each ``process.env`` read of *wanted* variables (None: all) in one JavaScript or TypeScript file
    (SvelteKit's ``$env`` modules read as it is: :func:`as_process_env`)."""
    text = as_process_env(text)
    for m in _JS_READ.finditer(text):
        name = m.group(1) or m.group(2)
        if wanted is not None and name not in wanted:
            continue
        yield name, _js_use(text, m.start(), m.end()), text.count("\n", 0, m.start()) + 1
    for item in destructured_env(text):
        if wanted is not None and item.name not in wanted:
            continue
        line = text.count("\n", 0, item.at) + 1
        if item.default is not None:
            yield item.name, item.default.strip() not in ("''", '""', "``", "undefined", "null"), line
            continue
        # const { REDIS_PASSWORD } = process.env, then `password: REDIS_PASSWORD || undefined`: what the
        # code does with its own name for the value says whether it does without (basic-analytics-dashboard)
        uses = [(_js_use(text, u.start(), u.end()), text.count("\n", 0, u.start()) + 1)
                for u in _local_uses(text, item.local, item.end)]
        yield from ((item.name, how, at) for how, at in uses) if uses else [(item.name, False, line)]


def _js_use(text: str, start: int, end: int) -> bool | None:
    """How the expression at ``text[start:end]`` (a read of the environment or a name for its value) is
    used: True with a fallback, None only tested or with another variable after it, False as a value."""
    if _JS_OR_ANOTHER.match(text, end):
        return None
    if _JS_FALLBACK.match(text, end):
        return True
    if _JS_TESTED_AFTER.match(text, end) or _JS_TESTED_BEFORE.search(text[max(0, start - 40):start]):
        return None
    return False


@dataclass(frozen=True)
class Destructured:
    """One name of ``const { X, Y: alias, Z = "d" } = process.env``: the variable, the code's own name for
    it (*local*), the default's text (None without one), where the item starts and the statement ends."""

    name: str
    local: str
    default: str | None
    at: int
    end: int


# const { JWT_SECRET = 'dev', PORT, DB_URL: url } = process.env
_JS_DESTRUCTURED = re.compile(r"\{([^{}]{1,2000})\}\s*=\s*process\.env\b")
_DESTRUCTURED_ITEM = re.compile(r"\s*([A-Za-z_$][\w$]*)\s*(?::\s*([A-Za-z_$][\w$]*)\s*)?(?:=(.*))?", re.S)


def destructured_env(text: str) -> list[Destructured]:
    """The variables JavaScript *text* takes apart from ``process.env`` (``...rest`` and quoted or computed
    keys left out), in the order they appear."""
    out: list[Destructured] = []
    for m in _JS_DESTRUCTURED.finditer(text):
        at = m.start(1)
        for item in split_top_level(m.group(1)):
            parsed = _DESTRUCTURED_ITEM.fullmatch(item)
            if parsed and _ENV_NAME.fullmatch(parsed.group(1)):
                out.append(Destructured(parsed.group(1), parsed.group(2) or parsed.group(1), parsed.group(3),
                                        at + parsed.start(1), m.end()))
            at += len(item) + 1
    return out


def _local_uses(text: str, local: str, after: int) -> Iterator[re.Match[str]]:
    """The uses of the name *local* in *text* after offset *after*: not a property (``x.local``), nor an
    object's key (``local: value``), which name something else."""
    pattern = re.compile(rf"(?<![\w$.]){re.escape(local)}(?![\w$])(?!\s*:(?!:))")
    return pattern.finditer(text, after)


def js_env_reads(text: str) -> list[tuple[str, int]]:
    """[(variable, offset)] of each read of the environment in JavaScript *text*, in order:
    ``process.env.X``, ``process.env["X"]`` and ``const { X, Y: alias, Z = "d" } = process.env`` (and
    SvelteKit's ``$env`` modules: :func:`as_process_env`)."""
    text = as_process_env(text)
    reads = [(m.group(1) or m.group(2), m.start()) for m in _JS_READ.finditer(text)]
    reads += [(d.name, d.at) for d in destructured_env(text)]
    return sorted(reads, key=lambda read: read[1])
