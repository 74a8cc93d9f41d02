"""tRPC procedures as HTTP routes, for ``init``'s route graph (:mod:`.health`).

tRPC's adapters serve a router under a path (tRPC 11's adapter docs): Express's where it is mounted,
``app.use('/api', createExpressMiddleware({ router: appRouter }))``; Fastify's plugin under its
``prefix`` (``register(fastifyTRPCPlugin, { prefix: '/trpc', trpcOptions: { router } })``); the
standalone server under its ``basePath`` (``createHTTPServer({ router })``: "/" by default); the fetch
adapter under its ``endpoint`` (``fetchRequestHandler({ endpoint: '/trpc', router, req })``), and Hono's
``trpcServer({ router })`` (``@hono/trpc-server``) under its ``endpoint``, "/trpc" by default. Each
procedure answers at ``<mount>/<its dotted path>`` (``todo.getAll`` of ``router({ todo: todoRouter })``,
and of ``router({ todo: { getAll } })``, tRPC 11's inline sub-router; ``mergeRouters(a, b)`` puts both
routers' procedures at one level); a query answers GET, with its input, when it takes one, in the
``input`` query parameter as JSON; a mutation answers POST (tRPC's HTTP RPC specification). The
routers are followed through imports (ES modules and CommonJS ``require``), tsconfig path aliases and
``export * from`` re-exports; read as text, nothing is run.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path

from .calltext import split_top_level
from .files import read_text, rel, resolve_import
from .health import arguments_text

# app.use('/api', trpcExpress.createExpressMiddleware({ router: trpcRouter, ... })), or `router,` shorthand
_MOUNT = re.compile(r"""\.use\(\s*(['"`])(/[^'"`\s]*)\1\s*,\s*(?:[\w$]+\.)?createExpressMiddleware\(\s*\{""")
# the adapters whose options object says where they serve: (call, the option naming the path, its default)
_OPTION_MOUNTS = (
    (r"\.register\(\s*[\w$.]*fastifyTRPCPlugin\s*,\s*\{", "prefix", ""),
    (r"\bcreateHTTP(?:2)?(?:Server|Handler)\(\s*\{", "basePath", ""),
    (r"\bfetchRequestHandler\(\s*\{", "endpoint", ""),
    (r"\btrpcServer\(\s*\{", "endpoint", "/trpc"),
)
_ADAPTERS = re.compile(r"createExpressMiddleware|fastifyTRPCPlugin|createHTTP2?(?:Server|Handler)|"
                       r"fetchRequestHandler|trpcServer")
_ROUTER_KEY = re.compile(r"\brouter\s*(?::\s*([\w$]+))?\s*[,}\n]")
# what makes a router: t.router({...}), router({...}), createTRPCRouter({...}) (create-t3-app)
_MAKER = r"(?:[\w$]+\.)?(?:router|createTRPCRouter|createRouter)\s*\(\s*\{"
# procedures whose base names a login: protectedProcedure, authedProcedure, adminProcedure
_GUARDED = re.compile(r"protected|authed|auth|private|admin|user", re.I)
_DEPTH = 6
# the most routers one reading expands (a few hundred procedures' worth), and the most mounts of one kind
# it reads in a file
_ROUTERS = 2_000
_MOUNTS = 20
# t.mergeRouters(a, b) / mergeRouters(a, b): both routers' procedures at one level
_MERGE = r"(?:[\w$]+\.)?mergeRouters\s*\("
# const appRouter = require('./router'), const { appRouter, other: alias } = require('...')
_REQUIRE = re.compile(r"""\b(?:const|let|var)\s+(?:([\w$]+)|\{([^{}]*)\})\s*=\s*"""
                      r"""require\(\s*['"]([^'"]+)['"]\s*\)""")
# import appRouter from '...', import { appRouter as root } from '...', import def, { a } from '...'
_IMPORT = re.compile(r"""\bimport\s+(?:type\s+)?([\w$]+)?\s*,?\s*(?:\{([^{}]*)\})?\s*"""
                     r"""from\s*['"]([^'"]+)['"]""")


@dataclass(frozen=True)
class TrpcRoute:
    """A query procedure: its full ``path`` (``/api/todo.getAll``), ``file:line`` where it is declared,
    whether its base procedure asks for a login, and whether it takes an input (then a GET needs the
    ``input`` query parameter)."""

    path: str
    where: str
    guarded: bool
    needs_input: bool


def trpc_routes(sources: list[Path], root: Path) -> list[TrpcRoute]:
    """The query procedures of the tRPC routers the Express apps of *sources* mount (names relative to
    *root*), in declaration order. Never raises for a file's content."""
    reader = _Reader(root)
    for file in sources:
        text = reader.text(file)
        if not _ADAPTERS.search(text):
            continue
        # the first few mounts of each kind: a server has one or two, and each reads up to 20,000
        # characters of its options (a file of 100,000 unclosed `createHTTPServer({` would read them all)
        mounts = [(m.group(2), _block(text, m.end() - 1))
                  for m in itertools.islice(_MOUNT.finditer(text), _MOUNTS)]
        for call, option, default in _OPTION_MOUNTS:
            for m in itertools.islice(re.finditer(call, text), _MOUNTS):
                block = _block(text, m.end() - 1)
                given = re.search(rf"""\b{option}\s*:\s*(['"`])(/[^'"`\s]*)\1""", block)
                mounts.append((given.group(2) if given else default, block))
        served: set[tuple[str, tuple[Path, int]]] = set()
        for mount, block in mounts:
            key = _ROUTER_KEY.search(block)
            found = reader.definition(file, key.group(1) or "router", 0) if key is not None else None
            if found is not None and (mount.rstrip("/"), found) not in served:  # the same router twice: once
                served.add((mount.rstrip("/"), found))
                reader.procedures(found[0], found[1], mount.rstrip("/"), "", 0, frozenset())
    return reader.out


def _block(text: str, start: int) -> str:
    """The text of the ``{...}`` opening at *start*, to the bracket that closes it (strings stepped over:
    :func:`.health.arguments_text`)."""
    inner = arguments_text(text, start + 1, whole=True, limit=20_000)
    return text[start] + inner + text[start + 1 + len(inner):start + 2 + len(inner)]


def _entries(body: str) -> list[tuple[str, str, int]]:
    """(key, value, offset of the key in *body*) of each entry of the object literal *body*
    (``{ a: x, b }``), at its own level (:func:`.calltext.split_top_level`); a shorthand entry's value is
    its key."""
    out: list[tuple[str, str, int]] = []
    offset = 1
    for part in split_top_level(body[1:-1] if body.endswith("}") else body[1:]):
        m = re.match(r"\s*(?://[^\n]*\n\s*)*['\"]?([\w$]+)['\"]?\s*(?::\s*([\s\S]*))?$", part)
        if m:
            out.append((m.group(1), (m.group(2) or m.group(1)).strip(), offset + m.start(1)))
        offset += len(part) + 1
    return out


def _imported(text: str, name: str) -> tuple[str, str] | None:
    """(the name in its module, "default" for the module's own; the module) of the import or CommonJS
    ``require`` that brings *name* into *text*; None when none does."""
    for pattern, alias in ((_IMPORT, " as "), (_REQUIRE, ":")):
        for m in pattern.finditer(text):
            whole, names, spec = m.group(1), m.group(2) or "", m.group(3)
            for part in names.split(","):
                bits = [b.strip() for b in part.split(alias)]
                if bits[-1] == name and bits[0]:
                    return bits[0], spec
            if whole == name:
                return "default", spec
    return None


class _Reader:
    """One reading of a project's tRPC routers: each file read once, each router name looked up once
    from each file (an import cycle finds nothing), and at most :data:`_ROUTERS` routers expanded, none
    inside itself (tRPC would throw there: a const used before it is made). A router naming itself eight
    times, or merging itself thirty times, was expanded 8**6 or 30**6 times."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.out: list[TrpcRoute] = []
        self._texts: dict[Path, str] = {}
        self._found: dict[tuple[Path, str], tuple[Path, int] | None] = {}
        self._left = _ROUTERS

    def text(self, file: Path) -> str:
        """The text of *file* (:func:`.files.read_text`), read once."""
        if file not in self._texts:
            self._texts[file] = read_text(file)
        return self._texts[file]

    def definition(self, file: Path, name: str, depth: int) -> tuple[Path, int] | None:
        """(file, offset of the ``{`` of its router call, or the ``(`` of ``mergeRouters``) where router
        *name*, as seen from *file*, is made: in *file* itself, else through the import that brings it
        (default or named, relative or a tsconfig alias) or an ``export * from`` of the module it comes
        from."""
        key = (file, name)
        if key not in self._found:
            self._found[key] = None  # looked for again while it is being looked for: a cycle
            self._found[key] = self._definition(file, name, depth)
        return self._found[key]

    def _definition(self, file: Path, name: str, depth: int) -> tuple[Path, int] | None:
        if depth > _DEPTH:
            return None
        root = self.root
        text = self.text(file)
        # a type between the name and "=" (`appRouter: AnyRouter =`) of a few hundred characters at most:
        # unbounded, each `router:` of a file without "=" after it read the rest of the file
        made = re.search(rf"\b{re.escape(name)}\s*(?::[^=]{{1,300}})?=\s*(?:{_MAKER}|{_MERGE})", text)
        if made is not None:
            return file, made.end() - 1
        if name == "default":
            named = re.search(r"\b(?:export\s+default|module\.exports\s*=)\s*([\w$]+)\s*;?", text)
            inline = re.search(rf"\b(?:export\s+default|module\.exports\s*=)\s*(?:{_MAKER}|{_MERGE})", text)
            if inline is not None:
                return file, inline.end() - 1
            return self.definition(file, named.group(1), depth + 1) if named else None
        imported = _imported(text, name)
        if imported is not None:
            target = resolve_import(file, imported[1], root)
            return self.definition(target, imported[0], depth + 1) if target is not None else None
        for m in re.finditer(r"""\bexport\s*(\*|\{[^{}]*\})\s*from\s*['"]([^'"]+)['"]""", text):
            listed = m.group(1)
            if listed != "*" and not re.search(rf"\b{re.escape(name)}\b", listed):
                continue
            target = resolve_import(file, m.group(2), root)
            found = self.definition(target, name, depth + 1) if target is not None else None
            if found is not None:
                return found
        return None

    def procedures(self, file: Path, start: int, prefix: str, dotted: str, depth: int,
                   within: frozenset[tuple[Path, int]]) -> None:
        """Add the query procedures of the router whose object opens at *start* in *file* to ``out``,
        under *prefix* and the dotted path *dotted* of the routers above it (*within*: where they are
        made); nested routers are followed."""
        if depth > _DEPTH or self._left <= 0 or (file, start) in within:
            return
        self._left -= 1
        within = within | {(file, start)}
        root, out = self.root, self.out
        text = self.text(file)
        if text[start:start + 1] == "(":  # mergeRouters(a, b, ...): each router's procedures, at this level
            for name in split_top_level(arguments_text(text, start + 1, whole=True, limit=20_000)):
                named = re.fullmatch(r"\s*([\w$]+)\s*", name)
                merged = self.definition(file, named.group(1), 0) if named else None
                if merged is not None:
                    self.procedures(merged[0], merged[1], prefix, dotted, depth + 1, within)
            return
        body = _block(text, start)
        for key, value, offset in _entries(body):
            path = f"{dotted}.{key}" if dotted else key
            line = text.count("\n", 0, start + offset) + 1
            if re.fullmatch(r"[\w$]+", value):
                nested = self.definition(file, value, 0)
                if nested is not None:
                    self.procedures(nested[0], nested[1], prefix, path, depth + 1, within)
                continue
            # router({...}) written in place, or tRPC 11's plain object of procedures (an inline sub-router)
            inline = re.match(_MAKER, value) or re.match(r"\{", value)
            if inline is not None:
                at = text.find(value, start + offset)
                if at >= 0:
                    self.procedures(file, at + inline.end() - 1, prefix, path, depth + 1, within)
                continue
            if not re.search(r"\.query\s*\(", value):
                continue
            base = re.match(r"[\w$]+", value)
            out.append(TrpcRoute(f"{prefix}/{path}", f"{rel(file, root)}:{line}",
                                 bool(base and _GUARDED.search(base.group())),
                                 bool(re.search(r"\.input\s*\(", value))))
