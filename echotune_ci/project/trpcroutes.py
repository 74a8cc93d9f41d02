"""tRPC procedures as HTTP routes, for ``init``'s route graph (:mod:`.health`).

tRPC's Express adapter serves a router under the path it is mounted at:
``app.use('/api', createExpressMiddleware({ router: appRouter }))``. Each procedure answers at
``<mount>/<its dotted path>`` (``todo.getAll`` of ``router({ todo: todoRouter })``); a query answers GET,
with its input, when it takes one, in the ``input`` query parameter as JSON; a mutation answers POST
(tRPC's HTTP RPC specification). The routers are followed through imports, tsconfig path aliases and
``export * from`` re-exports; read as text, nothing is run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .calltext import split_top_level
from .files import read_text, rel, resolve_import
from .health import arguments_text

# app.use('/api', trpcExpress.createExpressMiddleware({ router: trpcRouter, ... })), or `router,` shorthand
_MOUNT = re.compile(r"""\.use\(\s*(['"`])(/[^'"`\s]*)\1\s*,\s*(?:[\w$]+\.)?createExpressMiddleware\(\s*\{""")
_ROUTER_KEY = re.compile(r"\brouter\s*(?::\s*([\w$]+))?\s*[,}\n]")
# what makes a router: t.router({...}), router({...}), createTRPCRouter({...}) (create-t3-app)
_MAKER = r"(?:[\w$]+\.)?(?:router|createTRPCRouter|createRouter)\s*\(\s*\{"
# procedures whose base names a login: protectedProcedure, authedProcedure, adminProcedure
_GUARDED = re.compile(r"protected|authed|auth|private|admin|user", re.I)
_DEPTH = 6
# import appRouter from '...', import { appRouter as root } from '...', import def, { a } from '...'
_IMPORT = re.compile(r"""\bimport\s+(?:type\s+)?([\w$]+)?\s*,?\s*(?:\{([^}]*)\})?\s*"""
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
    out: list[TrpcRoute] = []
    for file in sources:
        text = read_text(file)
        if "createExpressMiddleware" not in text:
            continue
        for mount in _MOUNT.finditer(text):
            key = _ROUTER_KEY.search(_block(text, mount.end() - 1))
            if key is None:
                continue
            found = _definition(file, key.group(1) or "router", root, 0)
            if found is not None:
                _procedures(found[0], found[1], mount.group(2).rstrip("/"), "", root, out, 0)
    return out


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
        m = re.match(r"\s*(?://[^\n]*\s*)*['\"]?([\w$]+)['\"]?\s*(?::\s*([\s\S]*))?$", part)
        if m:
            out.append((m.group(1), (m.group(2) or m.group(1)).strip(), offset + m.start(1)))
        offset += len(part) + 1
    return out


def _definition(file: Path, name: str, root: Path, depth: int) -> tuple[Path, int] | None:
    """(file, offset of the ``{`` of its router call) where router *name*, as seen from *file*, is made:
    in *file* itself, else through the import that brings it (default or named, relative or a tsconfig
    alias) or an ``export * from`` of the module it comes from."""
    if depth > _DEPTH:
        return None
    text = read_text(file)
    made = re.search(rf"\b{re.escape(name)}\s*(?::[^=]+)?=\s*{_MAKER}", text)
    if made is not None:
        return file, made.end() - 1
    if name == "default":
        named = re.search(r"\bexport\s+default\s+([\w$]+)\s*;?", text)
        inline = re.search(rf"\bexport\s+default\s+{_MAKER}", text)
        if inline is not None:
            return file, inline.end() - 1
        return _definition(file, named.group(1), root, depth + 1) if named else None
    for m in _IMPORT.finditer(text):
        default, names, spec = m.group(1), m.group(2) or "", m.group(3)
        wanted = "default" if default == name else ""
        for part in names.split(","):
            bits = [b.strip() for b in part.split(" as ")]
            if bits[-1] == name and bits[0]:
                wanted = bits[0]
        if wanted:
            target = resolve_import(file, spec, root)
            return _definition(target, wanted, root, depth + 1) if target is not None else None
    for m in re.finditer(r"""\bexport\s*(\*|\{[^}]*\})\s*from\s*['"]([^'"]+)['"]""", text):
        listed = m.group(1)
        if listed != "*" and not re.search(rf"\b{re.escape(name)}\b", listed):
            continue
        target = resolve_import(file, m.group(2), root)
        found = _definition(target, name, root, depth + 1) if target is not None else None
        if found is not None:
            return found
    return None


def _procedures(file: Path, start: int, prefix: str, dotted: str, root: Path, out: list[TrpcRoute],
                depth: int) -> None:
    """Add the query procedures of the router whose object opens at *start* in *file* to *out*, under
    *prefix* and the dotted path *dotted* of the routers above it; nested routers are followed."""
    if depth > _DEPTH:
        return
    text = read_text(file)
    body = _block(text, start)
    for key, value, offset in _entries(body):
        path = f"{dotted}.{key}" if dotted else key
        line = text.count("\n", 0, start + offset) + 1
        if re.fullmatch(r"[\w$]+", value):
            nested = _definition(file, value, root, 0)
            if nested is not None:
                _procedures(nested[0], nested[1], prefix, path, root, out, depth + 1)
            continue
        inline = re.match(_MAKER, value)
        if inline is not None:
            at = text.find(value, start + offset)
            if at >= 0:
                _procedures(file, at + inline.end() - 1, prefix, path, root, out, depth + 1)
            continue
        if not re.search(r"\.query\s*\(", value):
            continue
        base = re.match(r"[\w$]+", value)
        out.append(TrpcRoute(f"{prefix}/{path}", f"{rel(file, root)}:{line}",
                             bool(base and _GUARDED.search(base.group())),
                             bool(re.search(r"\.input\s*\(", value))))
