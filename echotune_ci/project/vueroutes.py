"""The pages of a Vue Router app, for ``init``'s ``[[frontend.pages]]``.

``createRouter({ history, routes })`` is handed an array of route records, written in place, a constant
of the same module or one imported from another. A record with a ``component`` (or ``components``) is a
page at its ``path``; ``children`` put the records of their array under it (a child's path without a
leading ``/`` is relative to its parent's). A path with a parameter (``/article/:slug``) or a catch-all
(``/:pathMatch(.*)*``) needs a value nobody knows here, and a ``redirect`` is no page: both are left out.
A record whose ``beforeEnter`` lets only a logged-in user in, or whose ``meta`` asks for a login
(``requiresAuth: true``), is *guarded*, its children too; a guard that lets only visitors in
(``() => !isAuthorized()``: the login page) is not.

With ``createWebHashHistory()`` the route is the URL's fragment: the server only ever sees "/", and the
page is ``/#/login``. The Vue RealWorld client's login, sign-up and editor pages went unaudited with "/"
alone.
"""

from __future__ import annotations

import re
from pathlib import Path

from .files import NOT_SOURCE, read_text, rel
from .jsbrackets import VISITORS_ONLY, bracketed, depths, objects, top_level
from .pages import Page

MAX_FILES = 400
MAX_DEPTH = 6
_SUFFIXES = (".ts", ".js", ".mts", ".mjs")
_CREATE = re.compile(r"\bcreateRouter\(\s*\{")
_ROUTES_KEY = re.compile(r"\broutes\b\s*(?::\s*(\w+|\[))?")
_ARRAY = r"\b(?:const|let|var)\s+{name}\b[^=\n]*=\s*\["
_IMPORT_FROM = r"""\bimport\s*\{{[^}}]*\b{name}\b[^}}]*\}}\s*from\s*['"]([^'"]+)['"]"""
_DEFAULT_IMPORT = r"""\bimport\s+{name}\s+from\s*['"]([^'"]+)['"]"""
_PATH = re.compile(r"""\bpath\s*:\s*(['"`])([^'"`]*)\1""")
# meta: { requiresAuth: true } / { auth: true } / { requiresLogin: true }
_META_AUTH = re.compile(r"\b(?:requires?_?auth\w*|auth|requires?_?log(?:ged)?_?in)\s*:\s*true\b", re.I)


def vue_pages(folder: Path, root: Path) -> list[Page]:
    """The pages of the Vue app in *folder* (its ``src/``) that need no parameter, "/" left out, by path;
    files are named relative to *root*. [] when no ``createRouter`` call is found."""
    sources = [p for p in sorted((folder / "src").rglob("*"))[:MAX_FILES * 4]
               if p.suffix in _SUFFIXES and p.is_file()
               and not any(part in NOT_SOURCE or part.startswith(".") for part in p.relative_to(folder).parts)
               and not re.search(r"\.(?:spec|test)\.", p.name)][:MAX_FILES]
    for path in sources:
        text = read_text(path)
        call = _CREATE.search(text)
        if not call:
            continue
        options = bracketed(text, call.end() - 1)
        key = _ROUTES_KEY.search(top_level(options))
        if key is None:
            continue
        found = _routes_of(path, text, options, key)
        if found is None:
            continue
        hashed = "createWebHashHistory" in options
        where, body = found
        pages: dict[str, Page] = {}
        _walk(body, where, "", False, pages, root, 0)
        out = [Page(f"/#{p.path}" if hashed else p.path, p.where, p.guarded)
               for p in pages.values() if p.path != "/"]
        return sorted(out, key=lambda p: p.path)
    return []


def _routes_of(path: Path, text: str, options: str, key: re.Match[str]) -> tuple[Path, str] | None:
    """The file and text of the array ``routes`` names: in place, a constant of this module, or one
    imported (by name or as the default export) from another module of the app."""
    name = key.group(1) or "routes"  # `routes,` is the shorthand for `routes: routes`
    if name == "[":
        return path, bracketed(options, key.end() - 1)
    own = re.search(_ARRAY.format(name=re.escape(name)), text)
    if own:
        return path, bracketed(text, own.end() - 1)
    named = re.search(_IMPORT_FROM.format(name=re.escape(name)), text)
    default = re.search(_DEFAULT_IMPORT.format(name=re.escape(name)), text)
    imported = named or default
    module = _module(path, imported.group(1)) if imported is not None else None
    if module is None:
        return None
    other = read_text(module)
    declared = (re.search(r"\bexport\s+default\s+\[", other) if default and not named else
                re.search(_ARRAY.format(name=re.escape(name)), other))
    return (module, bracketed(other, declared.end() - 1)) if declared else None


def _module(path: Path, spec: str) -> Path | None:
    """The file an import of *spec* from *path* loads, for the app's own modules (``./routes``)."""
    if not spec.startswith("."):
        return None
    base = path.parent / spec
    stem = base.with_suffix("") if base.suffix in _SUFFIXES else base
    candidates = [stem.with_name(stem.name + s) for s in _SUFFIXES] + [base / f"index{s}" for s in _SUFFIXES]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return None


def _walk(body: str, where: Path, prefix: str, guarded: bool, pages: dict[str, Page], root: Path,
          depth: int) -> None:
    """The route records of the array *body* declared in *where*, under the path *prefix*, into *pages*."""
    if depth > MAX_DEPTH:
        return
    for record in objects(body):
        top = top_level(record)
        m = _PATH.search(top)
        if m is None:
            continue
        path = m.group(2)
        if re.search(r"\bredirect\s*:", top) or ":" in path or "*" in path:
            continue
        full = path if path.startswith("/") else "/".join(p for p in (prefix.rstrip("/"), path) if p)
        full = "/" + full.strip("/")
        enter = re.search(r"\bbeforeEnter\s*:", top)
        meta = re.search(r"\bmeta\s*:", top)
        inner = (guarded or bool(enter and not VISITORS_ONLY.search(_value(record, enter.end())))
                 or bool(meta and _META_AUTH.search(_value(record, meta.end()))))
        if re.search(r"\bcomponents?\s*:", top):
            pages.setdefault(full, Page(full, rel(where, root), inner))
        children = re.search(r"\bchildren\s*:\s*\[", top)
        if children:
            _walk(bracketed(record, children.end() - 1), where, full, inner, pages, root, depth + 1)


def _value(record: str, at: int) -> str:
    """The text of the value that starts at offset *at* of *record* (after its key's colon), up to the
    next comma outside brackets: all of ``() => !isAuthorized()``, where the value is an arrow function."""
    for i, c, depth in depths(record, at):
        if c == "," and depth == 0:
            return record[at:i]
    return record[at:]
