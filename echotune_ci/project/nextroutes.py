"""The pages and API routes of a Next.js app, read from its files.

A Next.js app declares no ``app.get("/x")``: its folders are its URLs. In the
App Router (``app/``, or ``src/app/``) a folder with a ``page.tsx`` is a page
and one with a ``route.ts`` a route handler, whose exported ``GET``/``POST``
functions (``export async function GET``, ``export const GET =``, ``export {
handler as GET }``, ``export const { GET, POST } = handlers``) are the methods it
answers. A folder in parentheses
(``(dashboard)``) groups without adding to the path; ``_private`` folders,
parallel slots (``@modal``) and intercepting routes (``(.)photo``) make no URL
of their own. In the Pages Router (``pages/``, or ``src/pages/``) each module is
a page (``index`` is its folder's) and those under ``pages/api/`` are API
routes; ``_app``, ``_document``, ``_error``, ``404`` and ``500`` are none. A
segment in brackets (``[id]``, ``[...slug]``, ``[[...slug]]``) is a parameter.

A page is *guarded* when a visitor without a login is sent to one: the app's
``middleware.ts`` (Next 16's ``proxy.ts``) redirects to a login page and names
the page's path, or a prefix of it (``const protectedRoutes = '/dashboard'``,
``pathname.startsWith('/admin')``, a ``matcher`` entry ``'/settings/:path*'``);
or the page, or a ``layout`` above it, calls ``redirect('/login')`` (App Router)
or returns ``{ redirect: { destination: '/login' } }`` from
``getServerSideProps`` (Pages Router). A path the middleware names on a line that
calls it public (``publicRoutes = [...]``) does not guard it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from .files import read_text, rel

MAX_FILES = 400
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_PAGE_SUFFIXES = (".tsx", ".ts", ".jsx", ".js", ".mdx", ".md")
_ROUTE_SUFFIXES = (".ts", ".js", ".tsx", ".jsx", ".mts", ".mjs")
_PAGES_SPECIAL = frozenset({"_app", "_document", "_error", "404", "500", "_middleware"})
_METHOD_NAMES = "|".join(METHODS)
# export async function GET(, export function POST(, export const GET = , export let PUT =
_EXPORTED = re.compile(
    rf"^\s*export\s+(?:async\s+)?(?:function\s*\*?\s*|(?:const|let|var)\s+)({_METHOD_NAMES})\b", re.M)
# export { handler as GET, handler as POST } (NextAuth 4's route handler), export { GET, POST } from "...",
# export const { GET, POST } = handlers (NextAuth 5's)
_EXPORT_LIST = re.compile(r"^\s*export\s*(?:(?:const|let|var)\s*)?\{([^}]*)\}", re.M)
# req.method === 'POST', req.method !== "GET", case 'DELETE': (a Pages Router API route's own dispatch)
_REQ_METHOD = re.compile(rf"""\bmethod\s*[!=]==?\s*['"]({_METHOD_NAMES})['"]|"""
                         rf"""['"]({_METHOD_NAMES})['"]\s*[!=]==?\s*\w*\.?method\b|"""
                         rf"""\bcase\s+['"]({_METHOD_NAMES})['"]\s*:""")
# The page of a login: /login, /sign-in, /signin, /auth/login, /api/auth/signin
_LOGIN_WORD = r"(?:log-?in|sign-?in|auth)"
# redirect('/login'), redirect(`/sign-in?next=${x}`), NextResponse.redirect(new URL('/sign-in', req.url)),
# { destination: '/login' }
_TO_LOGIN = re.compile(
    rf"""\b(?:redirect|permanentRedirect)\(\s*(?:new\s+URL\(\s*)?[`'"][^`'"]*{_LOGIN_WORD}\b|"""
    rf"""\bdestination\s*:\s*[`'"][^`'"]*{_LOGIN_WORD}\b""", re.I)
# The libraries' own guards in a middleware: Clerk's auth.protect(), NextAuth's withAuth / its default export
_LIBRARY_GUARD = re.compile(r"""\bauth\(\)\.protect\(|\bauth\.protect\(|\bwithAuth\b|"""
                            r"""export\s*\{\s*default\s*\}\s*from\s*['"]next-auth/middleware['"]""")
_PATH_LITERAL = re.compile(r"""[`'"](/[\w\-./]*)(?:/:path\*|\(\.\*\)|/\*)?[`'"]""")
_PUBLIC_LINE = re.compile(r"public|unprotected|ignored|anonymous|guest|open", re.I)


@dataclass(frozen=True)
class NextRoute:
    """One route of a Next.js app: its URL ``path`` ("/dashboard/general", "/api/user"; a parameter left
    in as ``[id]``), its ``file`` relative to the project root, whether it is an ``api`` route (a route
    handler or a module under pages/api/) or a page, the ``methods`` an API route answers ("GET", ...),
    whether a visitor without a login is sent to one (``guarded``) and whether it has ``params``."""

    path: str
    file: str
    api: bool
    methods: tuple[str, ...]
    guarded: bool
    params: bool


def next_routes(folder: Path, deps: dict[str, str], root: Path) -> list[NextRoute]:
    """The pages and API routes of the Next.js app in *folder* (dependencies *deps*), files named relative
    to *root*, "/" first then by path; [] when ``next`` is not a dependency. Never raises for a file's
    content."""
    if "next" not in deps:
        return []
    guard = _middleware_guard(folder)
    found: dict[tuple[str, bool], NextRoute] = {}
    app = next((d for d in (folder / "app", folder / "src" / "app") if d.is_dir()), None)
    pages = next((d for d in (folder / "pages", folder / "src" / "pages") if d.is_dir()), None)
    for route in [*(_app_router(app, root, guard) if app else []), *(_pages_router(pages, root, guard)
                                                                     if pages else [])]:
        found.setdefault((route.path, route.api), route)  # the App Router's wins, as Next's own does
    routes = sorted(found.values(), key=lambda r: (r.path != "/", r.path))
    # Pages and API routes alike answer under basePath; middleware's paths are read without it, as
    # request.nextUrl.pathname gives them
    base = next_base_path(folder)[0]
    return [replace(r, path=base + r.path if r.path != "/" else base) for r in routes] if base else routes


def _files(base: Path, names: tuple[str, ...] | None, suffixes: tuple[str, ...]) -> list[Path]:
    """The files under *base* whose stem is one of *names* (any stem when None) and suffix one of
    *suffixes*, not in node_modules, a dot-folder or a test, at most MAX_FILES, sorted."""
    out = []
    for file in sorted(base.rglob("*")):
        parts = file.relative_to(base).parts
        if any(p == "node_modules" or p.startswith(".") or p == "__tests__" for p in parts):
            continue
        if file.suffix not in suffixes or ".test." in file.name or ".spec." in file.name:
            continue
        if (names is None or file.stem in names) and file.is_file():
            out.append(file)
            if len(out) >= MAX_FILES:
                break
    return out


def _app_router(app: Path, root: Path, guard: list[str] | None) -> list[NextRoute]:
    out = []
    for file in _files(app, ("page", "route"), (*_PAGE_SUFFIXES, *_ROUTE_SUFFIXES)):
        folders = file.relative_to(app).parts[:-1]
        # _private folders, @slots and (.)intercepting routes make no URL of their own
        if any(f.startswith(("_", "@")) or re.match(r"\((?:\.{1,3}|\.\.\)\(\.\.)\)", f) for f in folders):
            continue
        path = "/" + "/".join(f for f in folders if not (f.startswith("(") and f.endswith(")")))
        api = file.stem == "route"
        if api and file.suffix not in _ROUTE_SUFFIXES or not api and file.suffix not in _PAGE_SUFFIXES:
            continue
        text = read_text(file)
        layouts = [app.joinpath(*folders[:depth]) / f"layout{s}" for depth in range(len(folders) + 1)
                   for s in _PAGE_SUFFIXES]
        guarded = bool(_TO_LOGIN.search(text)) or any(_TO_LOGIN.search(read_text(f)) for f in layouts
                                                      if f.is_file())
        out.append(NextRoute(path, rel(file, root), api, _handler_methods(text) if api else (),
                             guarded or _guarded_by(path, guard), "[" in path))
    return out


def _pages_router(pages: Path, root: Path, guard: list[str] | None) -> list[NextRoute]:
    out = []
    for file in _files(pages, None, _PAGE_SUFFIXES):
        parts = file.relative_to(pages).with_suffix("").parts
        if parts[-1] in _PAGES_SPECIAL and len(parts) == 1 or file.name.endswith(".d.ts"):
            continue
        kept = list(parts[:-1]) if parts[-1] == "index" else list(parts)
        path = "/" + "/".join(kept)
        api = parts[0] == "api"
        text = read_text(file)
        if not api and not re.search(r"^\s*export\s+default\b", text, re.M):
            continue  # a component beside the pages, not a page (Next fails the build on it anyway)
        methods = tuple(dict.fromkeys(m for g in _REQ_METHOD.findall(text) for m in g if m)) if api else ()
        # a handler that names no method answers every one of them
        out.append(NextRoute(path, rel(file, root), api, methods or (("GET",) if api else ()),
                             bool(_TO_LOGIN.search(text)) or _guarded_by(path, guard), "[" in path))
    return out


def _handler_methods(text: str) -> tuple[str, ...]:
    """The HTTP methods a route handler module exports, in METHODS order."""
    named = set(_EXPORTED.findall(text))
    for listed in _EXPORT_LIST.findall(text):
        for item in listed.split(","):
            name = item.split(" as ")[-1].strip()
            if name in METHODS:
                named.add(name)
    return tuple(m for m in METHODS if m in named)


def _middleware_guard(folder: Path) -> list[str] | None:
    """The path prefixes the app's middleware sends a visitor without a login away from: the path literals
    it names besides the login page's own and public ones ([] when it names none: it guards nothing this
    reading can place); None when there is no middleware or it does not send anyone to a login."""
    files = [folder / d / f"{name}{s}" for d in (".", "src") for name in ("middleware", "proxy")
             for s in (".ts", ".js", ".mjs", ".mts")]
    text = next((read_text(f) for f in files if f.is_file()), "")
    if not text or not (_TO_LOGIN.search(text) or _LIBRARY_GUARD.search(text)):
        return None
    text = re.sub(r"/\*.*?\*/|(?<![:'\"`])//[^\n]*", "", text, flags=re.S)
    prefixes: list[str] = []
    for line in text.splitlines():
        if _PUBLIC_LINE.search(line) or "redirect" in line.lower():
            continue  # publicRoutes = [...]; the redirect's own target is the login page
        for m in _PATH_LITERAL.finditer(line):
            path = m.group(1).rstrip("/") or "/"
            if path != "/" and not re.search(rf"/{_LOGIN_WORD}\b|/_next\b|/api\b|\.\w+$", path, re.I):
                prefixes.append(path)
    return list(dict.fromkeys(prefixes))


def _guarded_by(path: str, guard: list[str] | None) -> bool:
    return bool(guard) and any(path == p or path.startswith(p + "/") for p in guard or [])


def pages(routes: list[NextRoute]) -> list[tuple[str, str, bool]]:
    """(path, file, guarded) of the pages without a parameter, "/" first."""
    return [(r.path, r.file, r.guarded) for r in routes if not r.api and not r.params]


def get_routes(routes: list[NextRoute]) -> list[NextRoute]:
    """The API routes that answer GET without a parameter or a login, those under /api first."""
    found = [r for r in routes if r.api and "GET" in r.methods and not r.params and not r.guarded]
    return sorted(found, key=lambda r: ("api" not in r.path.split("/"), r.path))


# output: 'standalone' / "export" in next.config.{js,mjs,ts,cjs}
_OUTPUT = re.compile(r"""\boutput\s*:\s*['"`](standalone|export)['"`]""")
CONFIG_FILES = ("next.config.js", "next.config.mjs", "next.config.ts", "next.config.cjs", "next.config.mts")


# basePath: '/docs' (a literal: one read from the environment is not known here)
_BASE_PATH = re.compile(r"""\bbasePath\s*:\s*['"`](/[^'"`\s]*)['"`]""")


def _config_texts(folder: Path) -> list[tuple[str, str]]:
    """(name, text less comments) of each Next.js config file in *folder*."""
    return [(name, re.sub(r"/\*.*?\*/|(?<![:'\"`])//[^\n]*", "", read_text(folder / name), flags=re.S))
            for name in CONFIG_FILES if (folder / name).is_file()]


def next_base_path(folder: Path) -> tuple[str, str]:
    """(the ``basePath`` the Next.js config in *folder* mounts the app under, without a trailing slash,
    the config file's name): ``("/docs", "next.config.js")``; ("", "") when it sets none or not as a
    literal. Next.js then answers every page and API route under it, and "/" with 404
    (nextjs.org/docs/app/api-reference/config/next-config-js/basePath)."""
    for name, text in _config_texts(folder):
        m = _BASE_PATH.search(text)
        if m and m.group(1).rstrip("/"):
            return m.group(1).rstrip("/"), name
    return "", ""


def next_output(folder: Path) -> tuple[str, str]:
    """(``"standalone"`` or ``"export"``, the config file's name) when the Next.js config in *folder* sets
    that ``output``; ("", "") otherwise (``next build`` writes a server for ``next start``)."""
    for name, text in _config_texts(folder):
        m = _OUTPUT.search(text)
        if m:
            return m.group(1), name
    return "", ""
