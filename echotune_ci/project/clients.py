"""Front ends built beside a server, for ``init``: a Python backend next to a Vite/CRA ``frontend/``.

:func:`attach_clients` adds each client package (a package.json with a
``build`` script, beside the server's folder, under it or next to it) to the
server's setup: setup installs it (``npm ci --prefix ../frontend``), build
builds it, the bundle phase measures its output, and the folders the build
writes are remembered so the security checks leave them out. When the
server's code does not serve the built files (no static route names the
folder), a ``# check:`` note says so: the frontend phase then measures the
server's own pages.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from . import commands
from .angularroutes import angular_pages
from .appsetup import AppSetup
from .dotenv import dotenv_file
from .files import JS_SUFFIXES, join, read_text, rel, source_files
from .nodeapp import (Package, bundle_globs, checks_in, install_dir, install_source, range_major,
                      server_outputs, tools)
from .nodenotes import angular_font_note, build_download_notes, downloader_notes, legacy_openssl
from .runtimes import Asked, node_asked, node_note
from .vueroutes import vue_pages

# Code that serves files from a folder, in the stacks init knows.
_SERVES_FILES = re.compile(
    r"StaticFiles\(|static_folder|send_from_directory|send_file\(|FileResponse\(|STATICFILES_DIRS|"
    r"whitenoise|WHITENOISE|express\.static|sendFile\(|serveStatic|serve-static|@fastify/static|"
    r"fastify-static|koa-static|ServeStaticModule|useStaticAssets|"
    # Litestar's static files, and litestar-vite's ViteConfig serving a Vite build (its bundle_dir)
    r"create_static_files_router\(|StaticFilesConfig\(|ViteConfig\(|"
    # FastAPI's own single-page-app mount: app.frontend("/", directory=...)
    r"\.frontend\(\s*['\"]/"
)


def serves(sources: list[Path], folder: str) -> bool:
    """Whether any of *sources* serves files from a path naming *folder* (``frontend/dist``)."""
    name = re.escape(folder.rstrip("/").split("/")[-1])
    named = re.compile(rf"""["'`][^"'`\n]*(?<![\w-]){name}(?![\w-])[^"'`\n]*["'`]""")
    return any(_SERVES_FILES.search(t) and named.search(t) for t in map(read_text, sources))


# Django's BASE_DIR joined with literal parts: os.path.join(BASE_DIR, "frontend", "dist"), BASE_DIR / "dist"
_BASE_JOIN = re.compile(r"""os\.path\.join\(\s*BASE_DIR\s*,\s*((?:["'][^"'\n]*["']\s*,?\s*)+)\)|"""
                        r"""BASE_DIR((?:\s*/\s*["'][^"'\n]*["'])+)""")
_QUOTED = re.compile(r"""["']([^"'\n]*)["']""")


def served_copy(sources: list[Path], server: Path, out: Path) -> tuple[str, str] | None:
    """Where a Django project (manage.py in *server*, its BASE_DIR) serves the client build from when that
    is not *out*, the folder the build writes: (the folder relative to *server*, ``file (line N)`` of
    the setting). Django+Vite starters template ``dist/index.html`` from ``BASE_DIR / "frontend"`` and list
    ``BASE_DIR / "frontend" / "dist" / "static"`` in STATICFILES_DIRS, while ``vite build`` writes
    ``../frontend/dist``: their Dockerfile copies the build there. None when no setting names the output
    folder's name under BASE_DIR, or when it names *out* itself (``BASE_DIR / ".." / "frontend" /
    "dist"``) or a folder outside the server's."""
    if not (server / "manage.py").is_file():
        return None
    name = out.name
    for path in sources:
        text = read_text(path)
        for m in _BASE_JOIN.finditer(text):
            parts = [p.strip("/") for p in _QUOTED.findall(m.group(1) or m.group(2)) if p.strip("/")]
            segments = [seg for part in parts for seg in part.split("/") if seg and seg != "."]
            if name not in segments:
                continue
            folder = "/".join(segments[: segments.index(name) + 1])
            if (server / folder).resolve() == out.resolve() or ".." in segments:
                return None  # it serves the build where it is, or a folder outside the server's
            return folder, f"{rel(path, server)} (line {text.count(chr(10), 0, m.start()) + 1})"
    return None


def output_folder(glob: str) -> str:
    """The folder a bundle glob lives in (``frontend/dist/**/*.js`` -> ``frontend/dist``; ``.next``)."""
    parts = glob.split("/**", 1)[0].split("/*", 1)[0].split("/")
    return "/".join(parts[: parts.index(".next") + 1] if ".next" in parts else parts)


def attach_clients(
    app: AppSetup, server: Path, root: Path, packages: list[Package], sources: list[Path]
) -> None:
    """Add the client packages of *packages* (found from *root*) to *app*, which is served from the folder
    *server*: setup installs them, build builds them, bundle globs follow their output (relative to
    *root*)."""
    for pkg in packages:
        if "build" not in pkg.scripts or not (pkg.client or pkg.path.resolve() == server.resolve()):
            continue
        where = Path(os.path.relpath(pkg.path.resolve(), server.resolve())).as_posix()
        pkg_dir = rel(pkg.path, root)
        tool = tools(pkg.path, pkg.data)
        # A workspace member installs at the workspace root, whose lockfile covers it.
        install_at = install_dir(tool, Package(where, pkg.path, pkg.data))
        lock_dir = install_dir(tool, Package(pkg_dir, pkg.path, pkg.data))
        install = tool.install_at(install_at)
        inputs = [join(install_at, "package.json")]
        inputs += [join(install_at, tool.lockfile)] if tool.lockfile else []
        inputs += [join(where, "package.json")] if install_at != where else []
        app.setup_inputs += [i for i in inputs if i not in app.setup_inputs]
        if tool.lockfile:
            app.js_lockfiles.append(join(lock_dir, tool.lockfile))
        if install not in app.setup.split(" && "):
            app.setup = commands.chain((app.setup, install))
            app.decide("setup", install, install_source(tool, lock_dir, pkg_dir) if tool.root else
                       f"{join(pkg_dir, 'package.json')} ({tool.lockfile or 'no lockfile'})")
        build = tool.run_at("build", where)
        app.decide("build", build, f"{join(pkg_dir, 'package.json')} (scripts.build)")
        for message in checks_in(tool, pkg_dir):
            app.check("setup", message)
        found = bundle_globs(
            Package(pkg_dir, pkg.path, pkg.data), {join(pkg_dir, s) for s in server_outputs([pkg])}
        )
        # BASE_DIR is the folder of Django's manage.py; another framework's BASE_DIR (litestar-fullstack's,
        # its package's folder) says nothing of where a build is copied
        django = "django" in app.framework.split(" + ")
        built = root / output_folder(found.globs[0]) if found else None
        copied = served_copy(sources, server, built) if built is not None and django else None
        if found is not None and copied is not None:
            # The server serves the build from a folder of its own, as the project's Dockerfile copies it:
            # without the copy every page is a TemplateDoesNotExist or an empty STATICFILES_DIRS
            target, setting = copied
            source = Path(os.path.relpath((root / output_folder(found.globs[0])).resolve(), server.resolve()))
            parent = target.rsplit("/", 1)[0] if "/" in target else ""
            out = output_folder(found.globs[0])
            copy = commands.chain((f"rm -rf {target}", f"mkdir -p {parent}" if parent else "",
                                   f"cp -R {source.as_posix()} {target}"))
            build = commands.chain((build, copy))
            served = join(rel(server, root), target)
            app.decide("build", copy, f"{setting} serves the client build from {served}/ (BASE_DIR), "
                                      f"{pkg_dir}'s build writes {out}/: copied there")
            app.generated.append(served)
        app.build = commands.chain((build, app.build))
        if found is not None:
            app.bundle_globs += [g for g in found.globs if g not in app.bundle_globs]
            app.decide("bundle", ", ".join(found.globs), found.source)
            app.generated += [
                f for f in dict.fromkeys(map(output_folder, found.globs)) if f not in app.generated
            ]
            if "bundle" not in app.phases:
                app.phases.append("bundle")
        # the server may name the folder the build writes rather than the client's (a Vite build into the
        # Python package's server/static/web, served by litestar-vite)
        named = [pkg_dir, *(output_folder(g) for g in (found.globs[:1] if found else []))]
        if pkg_dir != rel(server, root) and not any(serves(sources, folder) for folder in named):
            server_dir = rel(server, root)
            measured = ("the frontend phase measures the server's own pages and the bundle phase the build"
                        if "frontend" in app.phases else "its pages are not audited, the bundle phase "
                        "measures the build")
            app.check(
                "command",
                f"{pkg_dir}/ is built but the server "
                f"({'the top folder' if server_dir == '.' else server_dir + '/'})"
                f" does not serve it (no static route names it): {measured}; serve the build from the "
                "server to audit its pages",
            )
        else:
            client_pages(app, pkg, root)
            _inlined_urls(app, pkg, root)
        node_notes(app, [pkg], root)


# The env files a production build reads, later ones winning: Vite's (vite.dev/guide/env-and-mode) and
# create-react-app's, in the client's folder; the variables each exposes to the pages' code
_BUILD_ENV_FILES = (".env", ".env.local", ".env.production", ".env.production.local")
EXPOSED = (("vite", "VITE_"), ("react-scripts", "REACT_APP_"))
# the developer's own machine, whose servers on ports of theirs no server of the run answers for
_LOCAL_HOST = r"(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])"
_LOCAL_URL = re.compile(rf"^https?://{_LOCAL_HOST}(?::\d+)?(?:/|$)", re.I)


def _inlined_urls(app: AppSetup, pkg: Package, root: Path) -> None:
    """The client *pkg*'s env files (:data:`_BUILD_ENV_FILES`, those git tracks in a work tree: the
    author's untracked ``.env.local`` is not in CI) that give a variable its build exposes to the pages
    (``VITE_*``, ``REACT_APP_*``) a URL of the developer's machine: the build inlines it, so the pages the
    server serves call that address (full-stack-fastapi-template's ``VITE_API_URL=http://localhost:8000``,
    where `run` serves on a port of its own), not the server that serves them. The variable is set empty
    in ``[serve] env`` (a set variable wins over the files in both tools), which makes such a base URL
    the pages' own origin, with a ``# check:``."""
    from ..fsutil import tracked_files

    prefix = next((p for dep, p in EXPOSED if dep in pkg.deps), "")
    present = [name for name in _BUILD_ENV_FILES if (pkg.path / name).is_file()]
    if not prefix or not present:
        return
    try:
        tracked = tracked_files(pkg.path, present)
    except (OSError, subprocess.TimeoutExpired):
        tracked = None
    found: dict[str, tuple[str, str]] = {}
    for name in present if tracked is None else [n for n in present if n in tracked]:
        for variable, value in dotenv_file(pkg.path / name, node=True).items():  # both load with dotenv
            if variable.startswith(prefix):
                found[variable] = (value, name)
    for variable, (value, name) in found.items():
        if not _LOCAL_URL.match(value) or variable in app.env:
            continue
        where = join(rel(pkg.path, root), name)
        app.env[variable] = ""
        app.decide("env", f"{variable}= (empty)", f"{where} sets {variable}={value}, which the build inlines")
        app.check("env", f"{where} sets {variable}={value}, which the build inlines into the pages the "
                         "server serves: they would call that address, not the app `run` serves on its own "
                         "port; it is set empty here, so the pages call the server that serves them (check "
                         f"that the code takes an empty {variable} as its own origin)")


# A URL of the developer's machine with a path, written in the client's code: the API it calls
# (fullstack-tutorial's `uri: 'http://localhost:4000/graphql'`)
_LOCAL_CALL = re.compile(rf"""['"`](https?://{_LOCAL_HOST}(?::\d+)?/[^'"`\s$]*)['"`]""", re.I)
_TEST_FILE = re.compile(r"(?:^|/)(?:__tests__|__mocks__|tests?|e2e|cypress)/|\.(?:test|spec|stories)\.")


def local_api_call(pkg: Package, root: Path) -> tuple[str, str] | None:
    """(the URL, ``file:line``) of the first address of the developer's machine the client *pkg*'s code
    calls (a string literal ``http://localhost:<port>/...`` outside tests and comments' lines), None when
    none. Served as static files, its pages call that address, where no server of the run answers."""
    for path in source_files(pkg.path, JS_SUFFIXES, limit=400):
        where = rel(path, root)
        if _TEST_FILE.search(where):
            continue
        text = read_text(path)
        for m in _LOCAL_CALL.finditer(text):
            start = text.rfind("\n", 0, m.start()) + 1
            if text[start:m.start()].lstrip().startswith(("//", "*", "/*")):
                continue
            return m.group(1), f"{where}:{text.count(chr(10), 0, m.start()) + 1}"
    return None


def client_pages(app: AppSetup, pkg: Package, root: Path) -> None:
    """The pages of the Angular or Vue client *pkg* that the server serves, from its router: audited beside
    "/" (those behind a login written commented out), when nothing else listed pages. The server answers
    each with the client's index page, which routes it; "/" alone left the login, sign-up and editor
    pages of a RealWorld client unaudited."""
    if app.pages or not app.has_root or "frontend" not in app.phases:
        return
    if pkg.has("@angular/router"):
        pages, router = angular_pages(pkg.path, root), "the Angular router"
    elif pkg.has("vue-router") and not pkg.has("nuxt"):
        pages, router = vue_pages(pkg.path, root), "Vue Router"
    else:
        return
    if not pages:
        return
    app.pages = [(p.path, p.where, p.guarded) for p in pages]
    listed = ", ".join(p.path for p in pages if not p.guarded)
    guarded = [p.path for p in pages if p.guarded]
    app.decide("frontend", f"/, {listed}" if listed else "/",
               f"{pages[0].where} ({router}): the pages without a parameter"
               + (f"; behind a login (written commented out): {', '.join(guarded)}" if guarded else ""))


# Rate limiters of Node servers: each counts requests per client address, and the load test's users share one
RATE_LIMITERS = ("@fastify/rate-limit", "fastify-rate-limit", "express-rate-limit", "rate-limiter-flexible",
                 "@nestjs/throttler", "koa-ratelimit", "hono-rate-limiter")


def node_notes(app: AppSetup, packages: list[Package], root: Path) -> None:
    """The ``# check:`` notes a Node package brings: the Node version it asks for, binaries downloaded
    while installing, network fetches during the build, a rate limiter the load test runs into, a webpack 4
    build on Node 17+."""
    for pkg in packages:
        asked = node_asked(pkg.path, pkg.data)
        where = rel(pkg.path, root)
        if asked is not None and where != ".":
            asked = Asked(asked.version, f"{where}/{asked.source}")
        note = node_note(asked)
        if note:
            app.check("setup", note)
    for note in downloader_notes(packages):
        app.check("setup", note)
    for pkg in packages:
        if pkg.has("next"):
            for note in build_download_notes(list(source_files(pkg.path, JS_SUFFIXES, limit=400)), root):
                app.check("build", note)
        fonts = angular_font_note(pkg, root) if (pkg.path / "angular.json").is_file() else ""
        if fonts:
            app.check("build", fonts)
    for pkg in packages:
        limiter = next((name for name in RATE_LIMITERS if pkg.has(name)), "")
        if limiter:
            where = rel(pkg.path / "package.json", root)
            said = (f"{where} depends on {limiter}: a rate limiter counts every user of the load test (all "
                    "from 127.0.0.1) as one client and answers the excess with 429 Too Many Requests, which "
                    "leaves the load phase nothing of the app's to measure; ")
            # express-rate-limit 8 keys a client by the IPv6 /56 around its address; to a server on `::`
            # (app.listen(port)) an IPv4 client is ::ffff:127.0.1.5, and every one of them is ::/56:
            # starter-express-prisma-jwt refused 1,200 of 1,348 requests from 20 local_ips
            if limiter == "express-rate-limit" and (range_major(pkg.deps[limiter]) or 0) >= 8:
                said += ("[load] local_ips does not spread the users over express-rate-limit 8 when the "
                         "server listens on `::` (Node's default), which counts every IPv4 client as one "
                         "(`::ffff:127.0.1.5` and the others all in the IPv6 subnet `::/56`): raise its "
                         "limit for the run in [serve] env (the app's own setting) or exempt 127.0.0.1")
            else:
                said += ("spread the users over loopback addresses ([load] local_ips = "
                         "\"127.0.1.1-127.0.1.254\", one client each), raise its limit for the run in "
                         "[serve] env (the app's own setting) or exempt 127.0.0.1")
            app.check("env", said)
    legacy = legacy_openssl(packages)
    if legacy and "NODE_OPTIONS" not in app.env:
        app.env["NODE_OPTIONS"] = "--openssl-legacy-provider"
        app.decide("env", "NODE_OPTIONS=--openssl-legacy-provider", legacy)
        app.check(
            "env",
            f"{legacy}, which fails on Node 17+ (error:0308010C digital envelope "
            "routines::unsupported); node here is newer, so NODE_OPTIONS=--openssl-legacy-provider is set "
            "(remove it where the build runs on Node 16 or older, which rejects the option)",
        )
