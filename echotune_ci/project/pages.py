"""The pages a framework routes by file, for ``init``'s ``[[frontend.pages]]`` and load suggestions.

SvelteKit makes a page of each ``+page.svelte`` under ``src/routes``: the
folders are its path, less the groups in parentheses (``(app)/admin`` is
``/admin``). Nuxt makes one of each ``.vue`` file under ``pages/`` (``app/pages/``
in Nuxt 4): ``index.vue`` is its folder's path. A page with a parameter
(``[slug]``, ``[[lang]]``, ``[...rest]``) needs a value nobody knows here and is
left out. A page is *guarded* when its own server load (or that of a layout
above it) redirects to a login (``redirect(302, '/login')``), or, in Nuxt, when
``definePageMeta`` names an auth middleware: such a page answers with the login
page to a visitor, so auditing it audits the login page again. Next.js's pages
(``app/**/page.tsx``, ``pages/``) are read by :mod:`.nextroutes`, Remix's and
React Router's by :mod:`.remixroutes`, an AdonisJS app's (Inertia or Edge pages) from its router's GET
routes by :mod:`.adonis`, a Vue app's (``createRouter``) by :mod:`.vueroutes`. Astro makes a page of
each ``.astro``, Markdown or ``.mdx`` file under ``src/pages`` (:func:`.fileroutes.astro_route_files`);
``404`` and ``500`` there are its error pages, not pages to visit, and a page whose frontmatter answers
``Astro.redirect('/login')``, or that the middleware guards (:func:`.fileroutes.astro_middleware_guards`),
is behind a login.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .adonis import app_sources, is_adonis
from .adonis import routes as adonis_routes
from .fileroutes import (ASTRO_PAGE_SUFFIXES, astro_middleware_guards, astro_pages_dir, astro_route_files,
                         under_prefix)
from .files import NOT_SOURCE, read_text, rel
from .nextroutes import next_routes
from .nextroutes import pages as next_pages
from .remixroutes import FRAMEWORKS, route_modules, visitor_forms
from .remixroutes import pages as remix_pages

# redirect(302, '/login?referrer=/admin'), throw redirect(303, "/auth/signin"), navigateTo('/login')
_TO_LOGIN = re.compile(r"""\b(?:redirect|navigateTo)\(\s*(?:\d{3}\s*,\s*)?[`'"][^`'"]*"""
                       r"""(?:log-?in|sign-?in|auth)\b""", re.I)
# definePageMeta({ middleware: 'auth' }) / middleware: ['auth', ...], auth: true (nuxt-auth)
_NUXT_GUARD = re.compile(r"""definePageMeta\(\s*\{[^}]*?(?:\bmiddleware\s*:\s*\[?\s*['"][\w-]*auth|"""
                         r"""\bauth\s*:\s*true)""", re.S)
MAX_PAGES = 200


@dataclass(frozen=True)
class Page:
    """A page of the app: its path ("/admin"), the file that makes it (relative to the project), whether
    it redirects a visitor to a login (``guarded``) and whether it is a visitor's form (``visitor``: a
    sign-up, which sends a logged-in browser away)."""

    path: str
    where: str
    guarded: bool = False
    visitor: bool = False


def page_routes(folder: Path, deps: dict[str, str], root: Path) -> list[Page]:
    """The pages the framework of the package in *folder* (dependencies *deps*) routes by file, "/"
    first then by path; files are named relative to *root*. [] for a framework that routes otherwise."""
    if "@sveltejs/kit" in deps:
        pages = _sveltekit(folder / "src" / "routes", root)
    elif "nuxt" in deps:
        base = next((p for p in (folder / "app" / "pages", folder / "pages") if p.is_dir()), None)
        pages = _nuxt(base, root) if base is not None else []
    elif "next" in deps:
        # the App Router's page.tsx files and the Pages Router's modules (nextroutes.py)
        found = next_pages(next_routes(folder, deps, root))
        pages = [Page(path, where, guarded) for path, where, guarded in found]
    elif any(name in deps for name in FRAMEWORKS):
        # Remix's and React Router's route modules (app/routes/, app/routes.ts): those with a component
        modules = route_modules(folder, deps, root)
        forms = set(visitor_forms(modules))
        pages = [Page(path, where, guarded, path in forms) for path, where, guarded in remix_pages(modules)]
    elif "astro" in deps:
        pages = _astro(folder, root)
    elif "vue-router" in deps:
        # a Vue app's client-side routes (createRouter): vueroutes imports Page from here
        from .vueroutes import vue_pages

        return vue_pages(folder, root)
    elif is_adonis(folder, deps) and ("@adonisjs/inertia" in deps or "edge.js" in deps):
        # an AdonisJS app that renders pages (Inertia or Edge): the GET routes of its router, a page each
        # (an API's under /api left out)
        pages = [Page(r.path, r.where, r.guarded) for r in adonis_routes(app_sources(folder), root)
                 if r.method == "GET" and ":" not in r.path and "*" not in r.path
                 and "api" not in r.path.lower().split("/")]
        pages = list({p.path: p for p in reversed(pages)}.values())[::-1]  # the first declaration of each
    else:
        return []
    return sorted(pages, key=lambda p: (p.path != "/", p.path))


def _skipped(parts: tuple[str, ...]) -> bool:
    return any(p in NOT_SOURCE or p.startswith(".") for p in parts)


def _sveltekit(routes: Path, root: Path) -> list[Page]:
    out: list[Page] = []
    if not routes.is_dir():
        return out
    for file in sorted(routes.rglob("+page*.svelte"))[:MAX_PAGES]:
        # +page.svelte, and +page@.svelte / +page@(app).svelte, which only reset the layout
        folders = file.relative_to(routes).parts[:-1]
        if not re.fullmatch(r"\+page(?:@[^.]*)?\.svelte", file.name) or _skipped(folders):
            continue
        if any("[" in part for part in folders):
            continue
        path = "/" + "/".join(p for p in folders if not (p.startswith("(") and p.endswith(")")))
        guards = [file.parent / f"+page{s}" for s in (".server.ts", ".server.js", ".ts", ".js")]
        for depth in range(len(folders) + 1):
            above = routes.joinpath(*folders[:depth])
            guards += [above / f"+layout{s}" for s in (".server.ts", ".server.js", ".ts", ".js")]
        guarded = any(_TO_LOGIN.search(read_text(g)) for g in guards if g.is_file())
        out.append(Page(path, rel(file, root), guarded))
    return out


def _nuxt(pages: Path, root: Path) -> list[Page]:
    out: list[Page] = []
    for file in sorted(pages.rglob("*.vue"))[:MAX_PAGES]:
        parts = file.relative_to(pages).with_suffix("").parts
        if _skipped(parts[:-1]) or any("[" in part for part in parts):
            continue
        kept = [p for p in parts if not (p.startswith("(") and p.endswith(")"))]
        if kept and kept[-1] == "index":
            kept.pop()
        text = read_text(file)
        guarded = bool(_NUXT_GUARD.search(text) or _TO_LOGIN.search(text))
        out.append(Page("/" + "/".join(kept), rel(file, root), guarded))
    return out


def _astro(folder: Path, root: Path) -> list[Page]:
    guards = astro_middleware_guards(folder)
    out: list[Page] = []
    for path, file in astro_route_files(astro_pages_dir(folder)):
        if file.suffix not in ASTRO_PAGE_SUFFIXES or path in ("/404", "/500") or re.search(r"[:*]", path):
            continue
        guarded = any(under_prefix(path, g) for g in guards)
        out.append(Page(path, rel(file, root), guarded or bool(_TO_LOGIN.search(read_text(file)))))
    return out
