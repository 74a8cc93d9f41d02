"""The pages of an Angular app's router, for ``init``'s ``[[frontend.pages]]``.

The router's configuration is an array of route objects (``Routes``) handed to
``provideRouter(routes)`` (standalone apps) or ``RouterModule.forRoot(routes)``
(NgModule apps). A route with a ``component`` or ``loadComponent`` is a page at
its ``path``; ``children`` and ``loadChildren: () => import('./x.routes')`` put
the routes of their array under it. A path with a parameter (``article/:slug``)
or the wildcard (``**``) needs a value nobody knows here, and a ``redirectTo``
is no page: both are left out. A route behind a guard (``canActivate``,
``canMatch``, its own or a parent's) that lets only a logged-in user in
(``inject(UserService).isAuthenticated``, ``AuthGuard``) is *guarded*: a
visitor never sees it. A guard that lets only visitors in (``map(isAuth =>
!isAuth)``, ``NoAuthGuard``, ``guestGuard``) is not: the login page is one.
"""

from __future__ import annotations

import re
from pathlib import Path

from .files import NOT_SOURCE, read_text, rel
from .jsbrackets import VISITORS_ONLY, bracketed, objects, top_level
from .pages import Page

MAX_FILES = 400
MAX_DEPTH = 6
# The routes an app hands its router: provideRouter(routes, ...), RouterModule.forRoot(routes) or an array
# written in place
_ROOT = re.compile(r"\b(?:provideRouter|RouterModule\.forRoot)\(\s*(\w+|\[)")
# where a module declares an array of routes: `export const routes: Routes = [`, `const appRoutes = [`,
# `export default [` (a lazy routes file)
_ARRAY = r"(?:\b(?:const|let|var)\s+{name}\b[^=\n]*=\s*|\bexport\s+default\s+)\["
_IMPORT_FROM = r"""\bimport\s*\{{[^}}]*\b{name}\b[^}}]*\}}\s*from\s*['"]([^'"]+)['"]"""
_LAZY = re.compile(r"""\bloadChildren\s*:\s*\(\s*\)\s*=>\s*import\(\s*['"]([^'"]+)['"]\s*\)""")
_STRING_KEY = r"""\b{key}\s*:\s*(['"`])([^'"`]*)\1"""


def angular_pages(folder: Path, root: Path) -> list[Page]:
    """The pages of the Angular app in *folder* (its ``src/``) that need no parameter, the root page
    ("") left out, by path; files are named relative to *root*. [] when no router configuration is
    found."""
    sources = [p for p in sorted((folder / "src").rglob("*.ts"))[:MAX_FILES]
               if not any(part in NOT_SOURCE or part.startswith(".") for part in p.relative_to(folder).parts)
               and not p.name.endswith(".spec.ts")]
    for path in sources:
        text = read_text(path)
        m = _ROOT.search(text)
        if not m:
            continue
        found = _routes_of(path, text, m.group(1), m.end() - 1)
        if found is None:
            continue
        where, body = found
        pages: dict[str, Page] = {}
        _walk(body, where, "", False, pages, root, 0)
        return sorted((p for p in pages.values() if p.path != "/"), key=lambda p: p.path)
    return []


def _routes_of(path: Path, text: str, name: str, at: int) -> tuple[Path, str] | None:
    """The file and the text of the array the router is given: written in place at *at* ("["), a
    constant of this file, or one imported from another."""
    if name == "[":
        return path, bracketed(text, at)
    own = re.search(_ARRAY.format(name=re.escape(name)), text)
    if own:
        return path, bracketed(text, own.end() - 1)
    imported = re.search(_IMPORT_FROM.format(name=re.escape(name)), text)
    module = _module(path, imported.group(1)) if imported else None
    if module is None:
        return None
    other = read_text(module)
    declared = re.search(_ARRAY.format(name=re.escape(name)), other)
    return (module, bracketed(other, declared.end() - 1)) if declared else None


def _module(path: Path, spec: str) -> Path | None:
    if not spec.startswith("."):
        return None
    base = (path.parent / spec)
    for candidate in (base.with_name(base.name + ".ts"), base / "index.ts", base):
        if candidate.is_file():
            return candidate
    return None


def _walk(body: str, where: Path, prefix: str, guarded: bool, pages: dict[str, Page], root: Path,
          depth: int) -> None:
    """The route objects of the array *body* (its text between the brackets) declared in *where*, under
    the path *prefix*, into *pages*."""
    if depth > MAX_DEPTH:
        return
    for route in objects(body):
        top = top_level(route)
        m = re.search(_STRING_KEY.format(key="path"), top)
        path = m.group(2) if m else ""
        if "redirectTo" in top or ":" in path or "*" in path:
            continue
        full = "/".join(p for p in (prefix.strip("/"), path.strip("/")) if p)
        guards = [g.start() for g in re.finditer(r"\bcan(?:Activate|Match|ActivateChild)\s*:", top)]
        inner = guarded or any(not VISITORS_ONLY.search(_value_at(route, g)) for g in guards)
        if re.search(r"\b(?:component|loadComponent)\s*:", top):
            page = "/" + full
            pages.setdefault(page, Page(page, rel(where, root), inner))
        # the offsets of the route's own text are those of the route (the blanking keeps lengths)
        children = re.search(r"\bchildren\s*:\s*\[", top)
        if children:
            _walk(bracketed(route, children.end() - 1), where, full, inner, pages, root, depth + 1)
        lazy = _LAZY.search(top_level(route, keep_calls=True))
        if lazy:
            module = _module(where, lazy.group(1))
            if module is not None:
                text = read_text(module)
                declared = re.search(r"(?:\bexport\s+default\s+|\bRoutes\s*=\s*|:\s*Routes\s*=\s*)\[", text)
                if declared:
                    _walk(bracketed(text, declared.end() - 1), module, full, inner, pages, root, depth + 1)


def _value_at(route: str, at: int) -> str:
    """The text of the value of the key at offset *at* of *route*: up to the next top-level comma."""
    colon = route.index(":", at)
    rest = route[colon + 1:].lstrip()
    start = len(route) - len(rest)
    if rest[:1] in "[{(":
        return bracketed(route, start)
    end = re.search(r",|$", rest)
    return rest[:end.start()] if end else rest
