"""What an AdonisJS (6 and later) app's own files say, read for ``init``.

An AdonisJS app is one package with an ``adonisrc.ts`` (or ``.js``) beside
its package.json. ``node ace build`` compiles it into the folder tsconfig.json's
``compilerOptions.outDir`` names (``build`` when it names none: the
assembler's default), with a copy of package.json, and production starts it
there: ``cd build && node bin/server.js`` (its ``"start": "node bin/server.js"``
script runs in that folder, not in the checkout). The build's client bundle
goes to ``build/public/assets``: Vite writes ``public/assets`` (the
``buildDirectory`` of ``@adonisjs/vite``) and the build copies ``public/**``
over, and ``@adonisjs/inertia``'s server-side rendering writes it there
directly (its server bundle to ``build/ssr``).

The app's settings are validated at start by ``Env.create(...)`` in
``start/env.ts``: ``NAME: Env.schema.string()`` (``number``, ``boolean``,
``enum``, ``secret``) stops the app when the variable is unset, unless the
rule is ``.optional()`` (or ``.optionalWhen(...)``). Routes are declared in
files that import ``@adonisjs/core/services/router`` (``start/routes.ts``):
``router.get('path', handler)`` and its kin, ``router.on('path').render(...)``
(a GET), ``router.resource('posts', Controller)`` (index, create, store,
show, edit, update, destroy; ``.apiOnly()``, ``.only([...])``,
``.except([...])``; ``'posts.comments'`` nests under
``/posts/:post_id``), inside ``router.group(() => {...})`` whose
``.prefix('api')`` comes before their paths. A route asks for a login when
its own ``.use(...)``/``.middleware(...)`` or a group's around it names the
``auth`` middleware (``middleware.auth()``; not ``silentAuth`` or ``guest``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .calltext import blank_comments, blank_strings, call_arguments, url_join
from .calltext import closing as closing_of
from .files import JS_SUFFIXES, read_text, rel, source_files, tsconfig_options

ADONISRC = ("adonisrc.ts", "adonisrc.js", ".adonisrc.json")
# NAME: Env.schema.string(...), Env.schema.enum.optional([...]), Env.schema.number.optionalWhen(...)
_ENV_RULE = re.compile(r"\b([A-Z][A-Z0-9_]{0,80})\s*:\s*Env\.schema\.(\w+)((?:\.\w+)*)\s*\(")
_ROUTER_IMPORT = re.compile(r"""from\s+['"]@adonisjs/core/services/router['"]""")
_CALL = re.compile(r"\brouter\s*\.\s*(get|post|put|patch|delete|any|on|resource|shallowResource|group)\s*\(")
_VERBS = {"get": "GET", "post": "POST", "put": "PUT", "patch": "PATCH", "delete": "DELETE", "any": "ANY"}
# a resource's actions: (name, method, path under the resource, with the id)
_ACTIONS = (("index", "GET", ""), ("create", "GET", "/create"), ("store", "POST", ""),
            ("show", "GET", "/:id"), ("edit", "GET", "/:id/edit"), ("update", "PUT", "/:id"),
            ("destroy", "DELETE", "/:id"))
# .use(middleware.auth()), .middleware('auth'), .use([middleware.auth({ guards: ['web'] })])
_AUTH = re.compile(r"""(?<![\w])(?:middleware\s*\.\s*auth\s*\(|['"]auth(?::\w+)?['"])""")
_CHAINED = re.compile(r"\s*\.\s*(\w+)\s*\(")
_STRING = re.compile(r"""^\s*(['"`])([^'"`]*)\1\s*$""")
_WORDS = re.compile(r"""['"](\w+)['"]""")


def is_adonis(folder: Path, deps: dict[str, str]) -> bool:
    """Whether the package in *folder* (dependencies *deps*) is an AdonisJS app: ``@adonisjs/core`` and
    an adonisrc file."""
    return "@adonisjs/core" in deps and any((folder / name).is_file() for name in ADONISRC)


def rc_file(folder: Path) -> str:
    """The name of the adonisrc file in *folder* (``adonisrc.ts`` when there is none)."""
    return next((name for name in ADONISRC if (folder / name).is_file()), ADONISRC[0])


def build_folder(folder: Path) -> str:
    """The folder ``node ace build`` writes, relative to the app's *folder*: tsconfig.json's
    ``compilerOptions.outDir`` (``./build`` -> ``build``), else ``build``."""
    found = tsconfig_options(folder / "tsconfig.json", folder).get("outDir")
    out = rel(found, folder) if isinstance(found, Path) else ""
    return out if out and out != "." and not out.startswith("/") and ".." not in out.split("/") else "build"


def ace(command: str, folder: Path) -> str:
    """*command* (``node ace migration:run --force``) as a build step of the app in *folder*: ace boots
    the app, whose ``Env.create`` validates every variable, and `run` gives PORT only to the server, so
    where start/env.ts requires PORT the step gets ``PORT=0`` (a number, as the rule asks; ace serves
    nothing)."""
    sources = [folder / "start" / f"env{s}" for s in (".ts", ".js")]
    rules = env_rules([p for p in sources if p.is_file()], folder)
    return f"PORT=0 {command}" if any(r.name == "PORT" and r.required for r in rules) else command


@dataclass(frozen=True)
class EnvRule:
    """A variable ``start/env.ts`` validates: its ``name``, ``where`` (``file:line``), the schema's
    ``kind`` (``string``, ``number``, ``boolean``, ``enum``, ``secret``) and whether the app stops
    without it (``required``: no ``.optional``/``.optionalWhen``)."""

    name: str
    where: str
    kind: str
    required: bool


def env_rules(sources: list[Path], root: Path) -> list[EnvRule]:
    """The variables the ``Env.create(...)`` schemas of *sources* validate, in file order (``where``
    relative to *root*); a rule on a commented-out line is none."""
    found: dict[str, EnvRule] = {}
    for path in sources:
        text = read_text(path)
        if "Env.create(" not in text:
            continue
        text = blank_comments(text)
        for m in _ENV_RULE.finditer(text):
            modifiers = m.group(3).split(".")
            required = not any(w.startswith("optional") for w in modifiers)
            line = text.count("\n", 0, m.start()) + 1
            where = f"{rel(path, root)}:{line}"
            found.setdefault(m.group(1), EnvRule(m.group(1), where, m.group(2), required))
    return list(found.values())


@dataclass(frozen=True)
class Route:
    """A route an AdonisJS router declares: ``method`` (GET, POST ...; ANY for ``router.any``), the full
    ``path`` with its groups' prefixes (``/api/posts/:id``), ``where`` (``file:line``) and whether it
    asks for a login (``guarded``)."""

    method: str
    path: str
    where: str
    guarded: bool


def routes(sources: list[Path], root: Path) -> list[Route]:
    """The routes of the files of *sources* that import AdonisJS's router service, in file order
    (``where`` relative to *root*). Never raises for a file's content: what cannot be read as a literal
    (a path from a variable) is left out."""
    out: list[Route] = []
    for path in sources:
        text = read_text(path)
        if not _ROUTER_IMPORT.search(text):
            continue
        out += _file_routes(blank_comments(text), rel(path, root))
    return out


def app_sources(folder: Path) -> list[Path]:
    """The app's own JavaScript/TypeScript files under *folder*, its client (``inertia/``) and build
    output left out."""
    return list(source_files(folder, JS_SUFFIXES, limit=300, skip=frozenset({"inertia", "build"})))


def _file_routes(text: str, file: str) -> list[Route]:
    groups: list[tuple[int, int, str, bool]] = []  # (start, end, prefix, guarded) of each group's body
    calls: list[tuple[int, str, str, str]] = []  # (offset, kind, call text, chain after it)
    code = blank_strings(text)
    closing = closing_of(code)
    for m in _CALL.finditer(code):
        call = _call(text, m.end() - 1, closing)
        if call is None:
            continue
        chained = _chain(text, m.end() - 1 + len(call), closing)
        if m.group(1) == "group":
            prefix = next((_literal(a) for n, a in chained if n == "prefix"), None)
            groups.append((m.end(), m.end() + len(call), prefix or "", _guards(chained)))
        else:
            calls.append((m.start(), m.group(1), call, _chain_text(chained)))
    out: list[Route] = []
    for at, kind, call, chain in calls:
        around = [g for g in groups if g[0] <= at < g[1]]
        prefix = url_join(*(g[2] for g in around))
        guarded = any(g[3] for g in around)
        where = f"{file}:{text.count(chr(10), 0, at) + 1}"
        args = call_arguments(call)
        first = _literal(args[0]) if args else None
        if first is None:
            continue
        if kind == "resource" or kind == "shallowResource":
            out += _resource(first, prefix, chain, where, guarded)  # its .use() names the actions
        else:
            method = "GET" if kind == "on" else _VERBS[kind]
            out.append(Route(method, url_join(prefix, first), where, guarded or bool(_AUTH.search(chain))))
    return out


def _resource(name: str, prefix: str, chain: str, where: str, guarded: bool) -> list[Route]:
    """The routes ``router.resource(name, ...)`` makes, as narrowed by *chain* (``.apiOnly()``,
    ``.only(['index'])``, ``.except([...])``); ``.use(['store'], middleware.auth())`` guards those
    actions (``'*'``: all)."""
    *parents, own = [p for p in name.strip("/").split(".") if p]
    base = "/".join(f"{p}/:{p.rstrip('s')}_id" for p in parents)
    actions = list(_ACTIONS)
    if ".apiOnly(" in chain:
        actions = [a for a in actions if a[0] not in ("create", "edit")]
    only = re.search(r"\.only\(\s*\[([^\]]*)\]", chain)
    if only:
        actions = [a for a in actions if a[0] in _WORDS.findall(only.group(1))]
    excluded = re.search(r"\.except\(\s*\[([^\]]*)\]", chain)
    if excluded:
        actions = [a for a in actions if a[0] not in _WORDS.findall(excluded.group(1))]
    guarded_actions: set[str] = set()
    for use in re.finditer(r"\.(?:use|middleware)\(\s*(\[[^\]]*\]|['\"][^'\"]*['\"])\s*,([^)]*\)?)", chain):
        if _AUTH.search(use.group(2)):
            named = _WORDS.findall(use.group(1)) + (["*"] if "'*'" in use.group(1) or '"*"' in use.group(1)
                                                    else [])
            guarded_actions |= set(_ACTION_NAMES) if "*" in named else set(named)
    return [Route(method, url_join(prefix, base, own) + tail, where, guarded or action in guarded_actions)
            for action, method, tail in actions]


_ACTION_NAMES = tuple(a[0] for a in _ACTIONS)


def _chain(text: str, at: int, closing: dict[int, int]) -> list[tuple[str, str]]:
    """(method, its argument text) of each call chained at offset *at* (``.prefix('api').use(...)``)."""
    out: list[tuple[str, str]] = []
    while (m := _CHAINED.match(text, at)) is not None and (call := _call(text, m.end() - 1, closing)):
        out.append((m.group(1), call[1:-1]))
        at = m.end() - 1 + len(call)
    return out


def _chain_text(chain: list[tuple[str, str]]) -> str:
    return "".join(f".{name}({args})" for name, args in chain)


def _guards(chain: list[tuple[str, str]]) -> bool:
    """Whether a group's chained ``.use(...)``/``.middleware(...)`` names the auth middleware."""
    return any(name in ("use", "middleware") and _AUTH.search(args) for name, args in chain)


def _literal(argument: str) -> str | None:
    """The text of a string literal *argument* (``'/posts'``), None for anything else."""
    m = _STRING.match(argument)
    return m.group(2) if m and "${" not in m.group(2) else None


def _call(text: str, start: int, closing: dict[int, int]) -> str | None:
    """The call whose "(" is at offset *start* of *text*, to its matching ")" as *closing*
    (:func:`.calltext.closing`) pairs them, however long (a group's body of a hundred routes); None for one no
    ")" closes, which TypeScript would not compile either."""
    end = closing.get(start)
    return text[start:end + 1] if end is not None else None
