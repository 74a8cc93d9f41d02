"""The server routes a framework makes of route files, which no ``app.get("/x")`` declares.

**Nuxt 3/4 and Nitro** make one route of each file under ``server/api/``
(served under ``/api``, or the config's ``apiBaseURL``) and ``server/routes/``
(served at the top), as Nitro 2's scanner names them: the extension is
dropped, ``(group)`` folders are left out, ``[...]`` is ``**``, ``[...slug]``
is ``**:slug``, ``[id]`` is ``:id``, a trailing ``index`` is its folder's path,
and a suffix names the method the file answers (``users.get.ts``,
``[id].delete.ts``; none: every method) and the build it is in (``.dev`` and
``.prerender`` routes are not in the production server, ``.prod`` ones are).
A standalone Nitro app keeps ``api/`` and ``routes/`` in its source folder
(``srcDir``, often ``server``).

**SvelteKit** makes an endpoint of each ``+server.js``/``+server.ts`` under
``src/routes``, at its folder's path less ``(group)`` folders, answering the
methods it exports (``export async function GET``, ``export const GET``);
**Remix and React Router** a resource route of each route module with a
``loader`` and no component (:mod:`.remixroutes`).

**Astro** makes a route of each file under ``src/pages`` (the config's
``srcDir``, then ``pages``), as its route manifest does: a page of each
``.astro``, Markdown (``.md`` and its other suffixes) and ``.mdx`` file, an
endpoint of each ``.js``/``.ts`` file answering the methods it exports
(``export async function GET``, ``export const POST``, ``ALL`` for every
method; Astro 1 and 2's ``get``, ``post``, ``del``, ``all``); only the last
suffix is dropped (``rss.xml.js`` is ``/rss.xml``), ``index`` is its folder's
path, names and folders starting with ``_`` and hidden ones (but
``.well-known``) are no routes, ``[id]`` is ``:id`` and ``[...slug]`` is
``**:slug``. An Astro middleware (``src/middleware.ts`` or
``src/middleware/index.ts``) that redirects to a login, or answers 401,
behind ``.startsWith('/admin')`` guards the routes under that path.

A route is *guarded* when its handler asks for a login before it answers
(nuxt-auth-utils' ``requireUserSession(event)``, a ``require...User``/``Auth``
/``Session`` helper, or a 401 it throws: ``createError({ statusCode: 401 })``,
SvelteKit's ``error(401, ...)`` or a redirect to a login), or when a Nitro
server middleware (``server/middleware/*``) that does so guards a path the
route is under (``if (event.path.startsWith('/api/admin'))``). A GET route
that validates its query (``getValidatedQuery``, h3-zod's
``useValidatedQuery``) *needs input*: it answers 400 to a bare request.

A Nitro app's *login* is a POST route named as one (``/api/auth/login``,
``/api/login``, ``/api/sessions``) whose handler reads a ``password`` from its
JSON body (``readBody``, ``readValidatedBody``, ``useValidatedBody``) and keeps
the account in a session (``setUserSession``, h3's ``useSession``/
``updateSession``), whose cookie the requests after it carry; or answers a
token (``{ token }``, ``access_token``), which they send in a header.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .calltext import blank_comments
from .files import read_text, rel

if TYPE_CHECKING:
    from .health import Graph

MAX_ROUTES = 300
_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".tsx", ".jsx")
# Nitro 2's suffixRegex: a method, then a build
_SUFFIX = re.compile(r"(?:\.(connect|delete|get|head|options|patch|post|put|trace))?"
                     r"(?:\.(dev|prod|prerender))?$")
_API_BASE = re.compile(r"""\bapiBaseURL\s*:\s*['"`](/[^'"`\s]*)['"`]""")
_SRC_DIR = re.compile(r"""\bsrcDir\s*:\s*['"`](?:\./)?([\w./-]+?)/?['"`]""")
# requireUserSession(event), requireAuth(event), a 401 thrown or set: createError({ statusCode: 401 }),
# createError({ status: 401 }), setResponseStatus(event, 401), sendError(event, createError(401 ...
_GUARD = re.compile(r"""\brequire\w*(?:User|Auth|Login|Session|Account)\w*\s*\(|"""
                    r"""\bstatus(?:Code)?\s*:\s*401\b|\b(?:createError|setResponseStatus)\([^)]{0,40}\b401\b|"""
                    # SvelteKit: error(401, 'Unauthorized'), redirect(303, '/login')
                    r"""\berror\(\s*401\b|\bredirect\(\s*(?:\d{3}\s*,\s*)?[`'"][^`'"]*(?:log-?in|sign-?in|auth)\b""",
                    re.I)
# export async function GET(...), export const GET = ..., export { handler as GET }
_KIT_METHODS = re.compile(r"""^[ \t]*export\s+(?:(?:async\s+)?function\s+|(?:const|let)\s+)"""
                          r"""(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|fallback)\b|\bas\s+(GET|POST|PUT|PATCH|DELETE)\b""",
                          re.M)
_NEEDS_INPUT = re.compile(r"\b(?:getValidatedQuery|useValidatedQuery)\s*\(")
# getValidatedQuery(event, jobFiltersSchema.parse): the zod schema it validates the query with, by name
_QUERY_SCHEMA = re.compile(r"\b(?:getValidatedQuery|useValidatedQuery)\s*\(\s*\w+\s*,\s*"
                           r"(\w+)\.(?:safeP|p)arse\b")
# A zod object's fields, each "name: z.<chain>" up to the next comma at the end of a line or field
_ZOD_FIELD = re.compile(r"(\w+)\s*:\s*(z\.[^\n]*?)\s*,?\s*(?:\n|$)")
_OPTIONAL = re.compile(r"\.(?:optional|nullish)\(\)|\.default\(")
# What gives an h3 handler's answer a body: a value returned (a return, or an arrow's expression body
# `=> getDevices()`), h3's senders (send, sendRedirect, sendStream ...), a proxy, a write to the response
_ANSWERS = re.compile(r"\breturn\b|=>\s*[^\s{]|\b(?:send\w*|proxyRequest)\s*\(|\.(?:end|write)\s*\(")
# a handler whose body is there to read: an arrow or a function with a block body
_BLOCK_HANDLER = re.compile(r"=>\s*\{|\bfunction\b[^{]*\{")
# event.path.startsWith('/api/admin'), getRequestURL(event).pathname.startsWith("/admin"), url.startsWith(..)
_GUARDED_PREFIX = re.compile(r"""\.startsWith\(\s*['"`](/[^'"`\s]*)['"`]""")
# h3's readers, and the Fetch API's Request that Astro's, SvelteKit's and Next.js's handlers get
_BODY = re.compile(r"\b(?:readBody|readValidatedBody|useValidatedBody|readFormData|readMultipartFormData)"
                   r"\s*[(<]|\brequest\.(?:json|formData)\s*\(")
_PASSWORD = re.compile(r"""\bpassword\b""")
# nuxt-auth-utils' and h3's sessions; a cookie set by the handler (Astro's and SvelteKit's cookies.set),
# Astro's own sessions (context.session.set)
_SESSION = re.compile(r"\b(?:setUserSession|replaceUserSession|useSession|updateSession)\s*\(|"
                      r"\b(?:cookies|session)\.set\s*\(")
_TOKEN_FIELD = re.compile(r"""\b(access_token|accessToken|token)\s*[,:}]""")
_HANDLER = re.compile(r"^[ \t]*export\s+default\b", re.M)
_LOGIN_PATH = re.compile(r"/(?:log-?in|sign-?in|sessions?|token)/?$", re.I)


@dataclass(frozen=True)
class ServerRoute:
    """One route file: its URL ``path`` ("/api/todos/:id", parameters as ``:id`` / ``**``), the ``method``
    it answers ("GET", "POST"; "" for every method), its ``file`` relative to the root, whether it is
    ``guarded`` (asks for a login), ``needs_input`` (a query it validates) and has ``params``; ``text`` is
    the handler's source."""

    path: str
    method: str
    file: str
    guarded: bool
    needs_input: bool
    params: bool
    text: str = ""
    line: int = 1  # of its handler (``export default``), where the route is said to be declared
    acts: bool = False  # its handler answers nothing (:func:`acts_only`): an action, no read to load

    @property
    def get(self) -> bool:
        """Whether the route answers GET (a ``.get`` file, or one without a method suffix)."""
        return self.method in ("", "GET")


def _uses_nitro(deps: dict[str, str]) -> bool:
    return any(name in deps for name in ("nuxt", "nitropack", "nitro", "nitro-nightly"))


def _source_dir(folder: Path, deps: dict[str, str]) -> Path | None:
    """The folder Nitro scans for ``api/``, ``routes/`` and ``middleware/``: Nuxt's ``server/`` (its
    ``src/server`` under ``srcDir: 'src'``), a Nitro app's ``srcDir`` (itself when none is set)."""
    if "nuxt" in deps:
        config = next((folder / f"nuxt.config{s}" for s in (".ts", ".js", ".mjs", ".mts")
                       if (folder / f"nuxt.config{s}").is_file()), None)
        src = _SRC_DIR.search(read_text(config)) if config else None
        # Nuxt 4 moved srcDir to app/ but keeps server/ at the root; Nuxt 3 keeps it in srcDir
        candidates = [folder / src.group(1) / "server"] if src else []
        candidates.append(folder / "server")
        return next((c for c in candidates if c.is_dir()), None)
    config = next((folder / f"nitro.config{s}" for s in (".ts", ".js", ".mjs", ".mts")
                   if (folder / f"nitro.config{s}").is_file()), None)
    src = _SRC_DIR.search(read_text(config)) if config else None
    base = folder / src.group(1) if src else folder
    return base if base.is_dir() else None


def _api_base(folder: Path) -> str:
    for stem in ("nuxt.config", "nitro.config"):
        for suffix in (".ts", ".js", ".mjs", ".mts"):
            m = _API_BASE.search(read_text(folder / f"{stem}{suffix}"))
            if m:
                return m.group(1).rstrip("/") or "/"
    return "/api"


def _files(base: Path) -> list[Path]:
    if not base.is_dir():
        return []
    return sorted((p for p in base.rglob("*") if p.suffix in _SUFFIXES and p.is_file()
                   and not any(part == "node_modules" for part in p.relative_to(base).parts)),
                  key=lambda p: p.relative_to(base).as_posix())


def route_of(relative: str, prefix: str = "/") -> tuple[str, str, str]:
    """(path, method, build) of the route file at *relative* (``todos/[id].delete.ts``) under a folder
    served at *prefix*, as Nitro 2 names it: ("/api/todos/:id", "DELETE", "") under "/api"; method ""
    for every method, build "dev", "prod", "prerender" or ""."""
    route = re.sub(r"\.[A-Za-z]+$", "", relative)
    route = re.sub(r"\(([^(/\\]+)\)[/\\]", "", route)
    route = route.replace("[...]", "**")
    route = re.sub(r"\[\.{3}(\w+)]", r"**:\1", route)
    route = re.sub(r"\[(\w+)]", r":\1", route)
    route = "/" + "/".join(p for p in (*prefix.split("/"), *route.split("/")) if p)
    m = _SUFFIX.search(route)
    method, build = (m.group(1) or "", m.group(2) or "") if m else ("", "")
    if m and m.start() > 0:
        route = route[:m.start()]
    route = re.sub(r"/index$", "", route) or "/"
    return route, method.upper(), build


def acts_only(handler: str) -> bool:
    """Whether the h3 handler exported as *handler* (the file's text from ``export default``) answers
    nothing: a block body with no return, no sender and no write (``defineEventHandler(async () => {
    emergencyStop(); })``). Nitro answers such a GET 204 with no body; the handler runs for what it does (a
    machine started, a cache cleared), which a load test repeats, not for a page or data to read.
    False where the body cannot be seen (``defineEventHandler(handler)``)."""
    return bool(_BLOCK_HANDLER.search(handler)) and not _ANSWERS.search(handler)


def optional_query(text: str, schemas: str) -> bool:
    """Whether the query the handler *text* validates (``getValidatedQuery(event, name.parse)``) is
    optional as a whole: the zod object ``name`` (``const name = z.object({...})`` in *schemas*, the
    server folder's sources) has fields, each ``.optional()``, ``.nullish()`` or with a ``.default(...)``:
    zod then parses ``{}``, so the route answers without a query. False where the schema is not found
    or not a flat ``z.object``."""
    used = _QUERY_SCHEMA.search(text)
    if used is None:
        return False
    body = re.search(r"\b(?:const|let)\s+" + re.escape(used.group(1)) + r"\s*=\s*z\.object\(\s*\{([^{}]*)\}",
                     schemas)
    fields = _ZOD_FIELD.findall(body.group(1)) if body else []
    return bool(fields) and all(_OPTIONAL.search(chain) for _, chain in fields)


def _schema_sources(source: Path) -> str:
    """The text of the server folder's own sources (at most :data:`MAX_ROUTES` files), where the route
    files' query schemas are declared (``server/utils/jobs.ts``)."""
    return "\n".join(read_text(f) for f in _files(source)[:MAX_ROUTES])


def server_routes(folder: Path, deps: dict[str, str], root: Path) -> list[ServerRoute]:
    """The routes of the Nuxt or Nitro app in *folder* (dependencies *deps*), files named relative to
    *root*, ``api/`` before ``routes/`` and each by file name, as Nitro registers them; those only in a
    development or prerender build left out. [] for another framework or an app without route files."""
    if not _uses_nitro(deps):
        return []
    source = _source_dir(folder, deps)
    if source is None:
        return []
    guards = _middleware_guards(source)
    schemas: str | None = None  # read once, when a route validates its query with a named schema
    out: list[ServerRoute] = []
    seen: set[tuple[str, str]] = set()
    for sub, prefix in (("api", _api_base(folder)), ("routes", "/")):
        base = source / sub
        for file in _files(base)[:MAX_ROUTES]:
            path, method, build = route_of(file.relative_to(base).as_posix(), prefix)
            if build in ("dev", "prerender") or (path, method) in seen:
                continue
            seen.add((path, method))
            text = read_text(file)
            guarded = bool(_GUARD.search(text)) or any(under_prefix(path, g) for g in guards)
            handler = _HANDLER.search(text)
            needs_input = bool(_NEEDS_INPUT.search(text))
            if needs_input and _QUERY_SCHEMA.search(text):
                schemas = schemas if schemas is not None else _schema_sources(source)
                needs_input = not optional_query(text, schemas)
            out.append(ServerRoute(path, method, rel(file, root), guarded, needs_input,
                                   bool(re.search(r"[:*]", path)), text,
                                   text.count("\n", 0, handler.start()) + 1 if handler else 1,
                                   acts=handler is not None and acts_only(text[handler.start():])))
    return out


def under_prefix(path: str, prefix: str) -> bool:
    """Whether route *path* is *prefix* ("/admin", "/admin/") or lies under it ("/admin/users")."""
    return path == prefix.rstrip("/") or path.startswith(prefix.rstrip("/") + "/")


def _middleware_guards(source: Path) -> list[str]:
    """The path prefixes a Nitro server middleware asks for a login under (:func:`_guarded_prefixes`)."""
    return _guarded_prefixes(_files(source / "middleware"))


def _guarded_prefixes(files: Iterable[Path]) -> list[str]:
    """The path prefixes the middleware *files* ask for a login under: one that guards (a 401, a
    ``require...Session`` helper, a redirect to a login) behind ``.startsWith('/api/admin')``."""
    out: list[str] = []
    for file in files:
        text = read_text(file)
        if _GUARD.search(text):
            out += [m.group(1) for m in _GUARDED_PREFIX.finditer(text)]
    return out


# ---------------------------------------------------------------------------- what init takes from them


@dataclass(frozen=True)
class FileRoutes:
    """The routes a framework makes of route files, for the route graph of :mod:`.health`: ``routes``
    read by :func:`server_routes`, ``where`` the folder Nitro scans (relative to the root) and whether
    the app also renders ``pages`` (Nuxt's, which answer "/" and every path no route file takes)."""

    routes: tuple[ServerRoute, ...]
    where: str
    pages: bool

    def add_to(self, graph: Graph) -> None:
        """Add the routes that answer GET to *graph* with their full paths (:meth:`.Graph.add_resolved`)."""
        gets = [r for r in self.routes if r.get]
        graph.add_resolved(("nitro", self.where), self.where,
                           [(r.path, f"{r.file}:{r.line}", r.guarded) for r in gets],
                           needs_input=frozenset(r.path for r in gets if r.needs_input),
                           acts=frozenset(r.path for r in gets if r.acts))


def file_routes(folder: Path, deps: dict[str, str], root: Path) -> FileRoutes | None:
    """The route files of the package in *folder* (dependencies *deps*), named relative to *root*: a Nuxt
    or Nitro app's (:func:`server_routes`), SvelteKit's endpoints (:func:`kit_endpoints`), Remix's and
    React Router's resource routes, an AdonisJS app's router declarations (:func:`.adonis.routes`, read
    whole: no call of theirs reads as an Express route), Astro's endpoints (:func:`astro_endpoints`); None
    when it has none."""
    from .adonis import app_sources, is_adonis
    from .adonis import routes as adonis_routes
    from .remixroutes import FRAMEWORKS, route_modules

    if is_adonis(folder, deps):
        # start/routes.ts: router.get(...), router.resource(...) under router.group(...).prefix(...)
        declared = [ServerRoute(r.path, r.method, r.where.rsplit(":", 1)[0], r.guarded, False, ":" in r.path,
                                line=int(r.where.rsplit(":", 1)[1]))
                    for r in adonis_routes(app_sources(folder), root)]
        return FileRoutes(tuple(declared), declared[0].file, False) if declared else None
    if "@sveltejs/kit" in deps:
        kit = kit_endpoints(folder / "src" / "routes", root)
        return FileRoutes(tuple(kit), rel(folder / "src" / "routes", root), True) if kit else None
    if "astro" in deps:
        endpoints = astro_endpoints(folder, root)
        return FileRoutes(tuple(endpoints), rel(astro_pages_dir(folder), root), True) if endpoints else None
    if any(name in deps for name in FRAMEWORKS):
        resources = [ServerRoute(m.path.replace("$", ":"), "GET", m.file, m.guarded, False, m.params, m.text)
                     for m in route_modules(folder, deps, root) if m.loader and not m.page]
        return FileRoutes(tuple(resources), rel(folder / "app", root), True) if resources else None
    routes = server_routes(folder, deps, root)
    source = _source_dir(folder, deps) if routes else None
    if source is None:
        return None
    return FileRoutes(tuple(routes), rel(source, root), "nuxt" in deps)


def kit_endpoints(routes: Path, root: Path) -> list[ServerRoute]:
    """SvelteKit's endpoints under *routes* (``src/routes``): one route per method each ``+server`` file
    exports, at its folder's path less ``(group)`` folders (``[id]`` as ``:id``, ``[...rest]`` as
    ``**:rest``), files named relative to *root*, by path."""
    out: list[ServerRoute] = []
    if not routes.is_dir():
        return out
    for file in sorted(routes.rglob("+server.*"))[:MAX_ROUTES]:
        folders = file.relative_to(routes).parts[:-1]
        if file.suffix not in _SUFFIXES or any(p == "node_modules" or p.startswith(".") for p in folders):
            continue
        kept = [p for p in folders if not (p.startswith("(") and p.endswith(")"))]
        path = "/" + "/".join(_KIT_PARAM.sub(_kit_param, p) for p in kept)
        text = read_text(file)
        for method, handler, line in _sections(text, _KIT_METHODS):
            out.append(ServerRoute(path, "" if method == "fallback" else method, rel(file, root),
                                   bool(_GUARD.search(handler)), False, bool(re.search(r"[:*]", path)),
                                   handler, line))
    return sorted(out, key=lambda r: r.path)


_KIT_PARAM = re.compile(r"\[\[?(\.{3})?(\w+)(?:=\w+)?]]?")


def _kit_param(m: re.Match[str]) -> str:
    """A SvelteKit parameter segment (``[id]``, ``[[lang]]``, ``[...rest]``, ``[id=integer]``) as Nitro's
    ``:id`` / ``**:rest``."""
    return ("**:" if m.group(1) else ":") + m.group(2)


# ------------------------------------------------------------------------------------------------ Astro

_ASTRO_CONFIG = ("astro.config.mjs", "astro.config.ts", "astro.config.js", "astro.config.mts",
                 "astro.config.cjs")
# the page suffixes of Astro's route manifest: .astro, the Markdown ones, .mdx (@astrojs/mdx's)
ASTRO_PAGE_SUFFIXES = frozenset({".astro", ".md", ".markdown", ".mdown", ".mkdn", ".mkd", ".mdwn", ".mdx"})
_ASTRO_ENDPOINT_SUFFIXES = frozenset({".js", ".ts"})
# export async function GET, export const POST: APIRoute = ..., export { handler as GET }; Astro 1's get
_ASTRO_METHODS = re.compile(
    r"""^[ \t]*export\s+(?:(?:async\s+)?function\s*\*?\s*|(?:const|let|var)\s+)"""
    r"""(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|ALL|get|post|put|patch|del|all)\b|"""
    r"""\bas\s+(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|ALL)\b""", re.M)
_ASTRO_METHOD_NAMES = {"del": "DELETE", "all": "", "ALL": ""}


def astro_pages_dir(folder: Path) -> Path:
    """The folder Astro routes by file for the project in *folder*: ``pages`` in the config's ``srcDir``
    (``srcDir: './app'``), ``src/pages`` by default."""
    config = next((folder / n for n in _ASTRO_CONFIG if (folder / n).is_file()), None)
    src = _SRC_DIR.search(read_text(config)) if config else None
    return folder / (src.group(1) if src else "src") / "pages"


def astro_route_files(pages: Path) -> list[tuple[str, Path]]:
    """(path, file) of each route file under *pages* (``src/pages``) as Astro's route manifest makes them,
    by path: pages (:data:`ASTRO_PAGE_SUFFIXES`) and endpoints (``.js``, ``.ts``); ``[id]`` as ``:id``,
    ``[...slug]`` as ``**:slug``. At most :data:`MAX_ROUTES`; [] without the folder."""
    out: list[tuple[str, Path]] = []
    if not pages.is_dir():
        return out
    for current, dirs, files in os.walk(pages):
        dirs[:] = sorted(d for d in dirs if d == ".well-known" or not d.startswith(("_", ".")))
        folders = Path(current).relative_to(pages).parts
        for name in sorted(files):
            stem, suffix = os.path.splitext(name)
            if stem.startswith(("_", ".")) or suffix not in ASTRO_PAGE_SUFFIXES | _ASTRO_ENDPOINT_SUFFIXES:
                continue
            parts = [*folders] + ([] if stem == "index" else [stem])
            out.append(("/" + "/".join(_KIT_PARAM.sub(_kit_param, part) for part in parts),
                        Path(current) / name))
            if len(out) >= MAX_ROUTES:
                return sorted(out)
    return sorted(out)


# export { handler as GET, other as POST }: a method exported by name is one of such a list
_EXPORT_LIST = re.compile(r"\bexport\s*\{[^{}]{0,2000}\}")


def _sections(text: str, pattern: re.Pattern[str]) -> Iterator[tuple[str, str, int]]:
    """(method, handler's text, line) of each export *pattern* finds in a module's *text*, comments left
    out, the first of each method only: the handler's text runs up to the next export, so that one
    handler's 401 does not guard the other's; it is the whole module for a handler exported by name
    (``export { handler as GET }``: its group 2), whose code is elsewhere in it. An ``as GET`` outside an
    ``export { ... }`` list (a comment's "treated as GET", a string's) is none: 14,000 such comment lines
    made as many routes, each searching the whole module (its 400 kB read: 2 min)."""
    code = blank_comments(text)
    lists = [m.span() for m in _EXPORT_LIST.finditer(code)]
    found = [m for m in pattern.finditer(code)
             if not m.group(2) or any(a <= m.start() < b for a, b in lists)]
    seen: set[str] = set()
    line, counted = 1, 0
    for i, m in enumerate(found):
        method = m.group(1) or m.group(2)
        line += code.count("\n", counted, m.start())
        counted = m.start()
        if method in seen:
            continue
        seen.add(method)
        end = found[i + 1].start() if i + 1 < len(found) else len(code)
        yield method, code if m.group(2) else code[m.start():end], line


def astro_middleware_guards(folder: Path) -> list[str]:
    """The path prefixes Astro's middleware (``src/middleware.ts``, ``src/middleware/index.ts``, in the
    config's ``srcDir``) asks for a login under: one that redirects to a login, or answers 401, behind
    ``.startsWith('/admin')``."""
    src = astro_pages_dir(folder).parent
    files = [f for s in _SUFFIXES for f in (src / f"middleware{s}", src / "middleware" / f"index{s}")]
    return _guarded_prefixes(f for f in files if f.is_file())


def astro_endpoints(folder: Path, root: Path) -> list[ServerRoute]:
    """The endpoints of the Astro project in *folder* (``.js``/``.ts`` files under its pages folder), one
    route per method each exports ("" for ``ALL``), files named relative to *root*, by path."""
    guards = astro_middleware_guards(folder)
    out: list[ServerRoute] = []
    for path, file in astro_route_files(astro_pages_dir(folder)):
        if file.suffix not in _ASTRO_ENDPOINT_SUFFIXES:
            continue
        text = read_text(file)
        under = any(under_prefix(path, g) for g in guards)
        for name, handler, line in _sections(text, _ASTRO_METHODS):
            method = _ASTRO_METHOD_NAMES.get(name, name.upper())
            out.append(ServerRoute(path, method, rel(file, root), under or bool(_GUARD.search(handler)),
                                   False, bool(re.search(r"[:*]", path)), handler, line))
    return out


def json_login(routes: list[ServerRoute]) -> dict[str, str]:
    """The app's login, as :func:`.routes.detect_login_flow` says one ({"login", "protected", "token",
    "user_field", "source"}): a POST route named as a login whose handler reads a ``password`` from its
    body; "token" is "" when it keeps the account in a session (its cookie carries it), else the JSON
    path of the token it answers ("$.token"); "protected" the first guarded GET route without a
    parameter, else the first guarded page-less GET ("" when none). {} when there is no such route."""
    login = next((r for r in routes if r.method in ("POST", "") and _LOGIN_PATH.search(r.path)
                  and not r.params and _BODY.search(r.text) and _PASSWORD.search(r.text)), None)
    if login is None:
        return {}
    # the first of the names a login reads its account by that the handler names (the session's user.name
    # is no field of the body)
    account = next((name for name in ("email", "username", "login", "name")
                    if re.search(rf"\b{name}\b\s*[,:}}]", login.text)), "email")
    token = _TOKEN_FIELD.search(login.text) if not _SESSION.search(login.text) else None
    protected = next((r for r in routes if r.get and r.guarded and not r.params and not r.needs_input), None)
    sources = [login.file] + ([protected.file] if protected else [])
    return {"login": login.path, "protected": protected.path if protected else "",
            "token": f"$.{token.group(1)}" if token else "",
            "user_field": account, "source": ", ".join(sources)}
