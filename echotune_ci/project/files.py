"""Reading a project's files for ``init``: bounded text, JSON and YAML, its own source files, cheap routes.

Nothing here executes anything; unreadable files read as empty.
"""

from __future__ import annotations

import ast
import codecs
import functools
import io
import json
import os
import posixpath
import re
import stat
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError

# Folders that never hold the app's own source: dependencies, builds, caches, tests.
NOT_SOURCE = frozenset(
    {
        ".git",
        "node_modules",
        ".venv",
        "venv",
        "env",
        "__pycache__",
        "dist",
        "build",
        ".next",
        ".nuxt",
        ".output",
        ".tox",
        ".mypy_cache",
        ".pytest_cache",
        ".echotune",
        "site-packages",
        "vendor",
        "coverage",
        "tests",
        "test",
        "__tests__",
        "migrations",
        "docs",
        "static",
        "public",
        "staticfiles",
        "e2e",
        "cypress",
        "fixtures",
    }
)
JS_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx")
# Test modules beside the code they test, as NOT_SOURCE leaves out test folders: Django's app/tests.py,
# pytest's test_*.py, *_test.py and conftest.py, Jest's and Vitest's *.test.* and *.spec.*. What they
# call and name is no route or field of the app's: realworld-django-ninja's tests.py had a local
# `access_token = ...`, and init's login flow captured "$.access_token" from an answer without one.
_TEST_FILE = re.compile(r"^(?:tests?|conftest)\.py$|^test_\w*\.py$|_tests?\.py$|"
                        r"\.(?:test|spec)\.[cm]?[jt]sx?$")


def is_test_file(name: str) -> bool:
    """Whether the file *name* (no folder) is a test module by its frameworks' conventions."""
    return bool(_TEST_FILE.search(name))
# Cheap routes worth polling, best first; "/" when the code defines none of them.
READY_PATHS = (
    "/health",
    "/healthz",
    "/api/health",
    "/api/healthz",
    "/ping",
    "/api/ping",
    "/status",
    "/api/status",
    "/_health",
    "/livez",
    "/readyz",
)
_ROUTE = re.compile(r"""["'`](/(?:api/)?(?:health|healthz|ping|status|_health|livez|readyz))(/?)["'`]""")
# Django routes have no leading slash: path("health/", ...).
_DJANGO_ROUTE = re.compile(
    r"""\b(?:re_)?path\(\s*r?["']\^?((?:api/)?(?:health|healthz|ping|status))(/?)\$?["']"""
)


# UTF-32 before UTF-16: the UTF-32-LE mark starts with the UTF-16-LE one
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF32_LE, "utf-32-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"), (codecs.BOM_UTF16_LE, "utf-16-le"))


def python_module(text: str) -> ast.Module | None:
    """The syntax tree of Python source *text*; None when it does not parse. A file of a project is
    anyone's text: besides a SyntaxError, ast.parse raises ValueError (a NUL), RecursionError (an
    expression nested some thousand deep, as ``a.a.a...`` is) and MemoryError (``------...1``), and each
    site that caught fewer of them stopped ``init`` ("input nested too deeply to process") on one file it
    only read for a note."""
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def git_ignored(folder: Path, names: list[str]) -> set[str]:
    """Those of the files *names* in *folder* that exist there and git ignores without tracking them
    (``.gitignore``, ``info/exclude``): a fresh checkout, as CI makes, has none of them. Empty outside a
    git work tree or when git cannot be run. Shopify's app template ignores its package-lock.json, and
    init wrote ``npm ci``, which stops with EUSAGE on a checkout without one."""
    from ..fsutil import ignored_files

    present = [n for n in names if (folder / n).is_file()]
    if not present:
        return set()
    try:
        return set(ignored_files(folder, present)) & set(present)
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return set()


def read_text(path: Path, limit: int = 400_000) -> str:
    """At most *limit* characters of a text file, decoded as its byte order mark says (a requirements.txt
    saved as UTF-16 by Windows' editors, which pip reads), else as UTF-8; "" when it is missing,
    unreadable or no regular file (a named pipe, whose open waits for a writer forever, or a link to
    /dev/zero, which never ends)."""
    try:
        # O_NONBLOCK: opening a named pipe returns at once, and fstat then says what was opened
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            regular = stat.S_ISREG(os.fstat(fd).st_mode)
        except OSError:
            regular = False
        if not regular:
            os.close(fd)
            return ""
        with os.fdopen(fd, "rb") as fh:
            head = fh.read(4)
            found = [(enc, len(bom)) for bom, enc in _BOMS if head.startswith(bom)]
            encoding, skip = found[0] if found else ("utf-8", 0)
            fh.seek(skip)
            with io.TextIOWrapper(fh, encoding=encoding, errors="replace") as text:
                return text.read(limit)
    except OSError:
        return ""


def read_json_dict(path: Path, *, strict: bool = False) -> dict[str, Any]:
    """A JSON object file as a dict ({} when missing or not an object).

    With *strict*, a file that exists but is not valid JSON is an InputError
    (a top-level package.json that npm could not read either).
    """
    if not path.is_file():
        return {}
    try:
        data = json.loads(read_text(path, 2_000_000))
    except json.JSONDecodeError as exc:
        if strict:
            raise InputError(f"{path}: not valid JSON ({exc})") from None
        return {}
    return data if isinstance(data, dict) else {}


def read_yaml(path: Path) -> Any:
    """A YAML file's data, or None when it is missing, invalid or PyYAML is not installed."""
    text = read_text(path)
    if not text:
        return None
    try:
        import yaml
    except ImportError:  # pragma: no cover - PyYAML comes with the security extra
        return None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None


def source_files(
    folder: Path, suffixes: tuple[str, ...], *, limit: int = 300, skip: frozenset[str] = frozenset()
) -> Iterator[Path]:
    """The app's own source files under *folder* (sorted, top-down), at most *limit* of them."""
    count = 0
    for here, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in NOT_SOURCE and d not in skip and not d.startswith("."))
        for name in sorted(files):
            if name.endswith(suffixes) and not name.endswith(".d.ts") and not is_test_file(name):
                count += 1
                if count > limit:
                    return
                yield Path(here) / name


def _quoted(path: Path, text: str) -> Callable[[int], bool]:
    """Whether an offset of *text* is inside a comment or a string or template literal, for JavaScript
    (*path*'s suffix; :func:`.calltext.in_literal`); never for other code. ``const doc = "app.get('/healthz',
    h)"`` is no route: it was the app's ready URL, never served."""
    if path.suffix not in JS_SUFFIXES:
        return lambda offset: False
    from .calltext import in_literal

    return lambda offset: in_literal(text, offset)


def ready_path(sources: list[Path], root: Path) -> tuple[str, str]:
    """(path, file that defines it, relative to *root*) of the cheapest route the code defines,
    else ("/", "")."""
    found: dict[str, tuple[str, str]] = {}
    for path in sources:
        text = read_text(path)
        quoted = _quoted(path, text)
        for match in [*_ROUTE.finditer(text), *_DJANGO_ROUTE.finditer(text)]:
            if quoted(match.start()):
                continue
            base = "/" + match.group(1).lstrip("/")
            found.setdefault(base, (base + match.group(2), rel(path, root)))
    for route in READY_PATHS:
        if route in found:
            return found[route]
    return "/", ""


_GET = re.compile(r"""(?:@\w+\.(?:get|route)|\bapp\.get|\brouter\.get|\bpath)\(\s*r?["'`](/?[\w/.-]*)["'`]""")
_STATIC = re.compile(
    r"express\.static|sendFile\(|serveStatic|StaticFiles\(|render_template|TemplateResponse|"
    # NestJS: @nestjs/serve-static's ServeStaticModule, NestExpressApplication's useStaticAssets
    r"ServeStaticModule|useStaticAssets|"
    # Django's render(request, ...), not a Jinja template's .render() (an email's body)
    r"(?<![.\w])render\(|static_folder|fastify-static|@fastify/static|\.frontend\(\s*['\"]/|"
    # vite-express serves the Vite client's build (its index.html at "/") from the server it starts or binds
    r"\bViteExpress\.(?:listen|bind)\("
)
# sendFile's first argument, a bare name
_SEND_FILE_NAME = re.compile(r"sendFile\(\s*([A-Za-z_$][\w$]*)\s*[,)]")


def _route_parameter(text: str, name: str) -> bool:
    """Whether *name* is in *text* a parameter of the request's path: Nest's ``@Param('path') path``,
    Express's ``const name = req.params.name`` or ``const { name } = req.params``."""
    n = re.escape(name)
    return bool(re.search(rf"@Param\(\s*(?:['\"`][\w-]*['\"`])?\s*\)\s*{n}\b", text)
                or re.search(rf"\b{n}\s*=\s*req(?:uest)?\.params\b", text)
                or re.search(rf"\{{[^{{}}]*\b{n}\b[^{{}}]*\}}\s*=\s*req(?:uest)?\.params\b", text))


def serves_pages(text: str) -> bool:
    """Whether the server code *text* serves pages or static files (:data:`_STATIC`). A ``sendFile`` of a
    file the request names (``response.sendFile(path, { root: './files' })`` with ``@Param('path') path``:
    brocoders/nestjs-boilerplate's uploads) is a download, no page: counted, it made init audit an API's
    JSON root with the frontend phase."""
    for m in _STATIC.finditer(text):
        if not m.group().startswith("sendFile("):
            return True
        named = _SEND_FILE_NAME.match(text, m.start())
        argument = text[m.end():m.end() + 80]
        if not (named and _route_parameter(text, named.group(1))) \
                and not re.match(r"\s*req(?:uest)?\.params\b", argument):
            return True
    return False


def root_route(sources: list[Path], root: Path, routed: bool | None = None) -> tuple[bool, str, str]:
    """(whether "/" answers, a parameterless GET route to poll instead, its file).

    "/" answers when a route defines it or the code serves pages or static
    files (it may answer from them); otherwise the first GET route without
    parameters is the one to poll. *routed*: whether the routes read with
    their router prefixes (:func:`~echotune_ci.project.health.root_answers`)
    put one at "/", None when they could not tell; a router's own "/"
    (``@router.get("/")`` under ``/api/v1/items``) is then no root.
    """
    first, where = "", ""
    for path in sources:
        text = read_text(path)
        # Templates answer only the routes that render them: with routes read and none at "/" (a Flask
        # blueprint's pages under /blog), "/" answers 404; a static folder may still answer it
        if serves_pages(_TEMPLATES.sub("", text) if routed is False else text):
            return True, "", ""
        quoted = _quoted(path, text)
        for match in _GET.finditer(text):
            if quoted(match.start()):
                continue
            route = "/" + match.group(1).strip("/")
            if route == "/" and (routed is None or match.group(0).startswith("path")):
                return True, "", ""
            if route == "/":
                continue
            if not first and "{" not in route and ":" not in route and "<" not in route:
                first, where = route + ("/" if match.group(1).endswith("/") else ""), rel(path, root)
    return (not first) if routed is None else routed, first, where


# What renders a page from a template: Flask's render_template, Starlette's TemplateResponse, Django's
# render(request, ...), Express's res.render(view)
_TEMPLATES = re.compile(r"\brender_template(?:_string)?\b|\bTemplateResponse\b|(?<![.\w])render\(|"
                        r"\bres\s*\.\s*render\(")
_ROUTE_PY = re.compile(r"^[ \t]*@[\w.]+\.(?:get|route)\(", re.M)


def page_route(routes: list[tuple[str, str]], root: Path) -> tuple[str, str]:
    """The first of *routes* (full path, ``file:line`` relative to *root*) whose handler renders a
    template (:data:`_TEMPLATES`): a page of the app's to audit where "/" has none; ("", "") when no
    handler that reading finds does."""
    for full, where in routes:
        file, _, line = where.rpartition(":")
        if not (file and line.isdigit()):
            continue  # no line to read a handler from ("where" is "file:line" as find_load_routes gives it)
        text = read_text(root / file)
        start = sum(len(row) + 1 for row in text.split("\n")[:int(line) - 1])
        if file.endswith(".py"):
            m = _ROUTE_PY.match(text, start)
            body = _python_body(text, m) if m else ""
            if _answers_template(body) and not _NEEDS_QUERY_PY.search(body):
                return full, where
        else:  # the handler after the route's own call (router.get('/', ...) on that line)
            m = _NEXT_ROUTE_JS.search(text, start)
            if m and _TEMPLATES.search(_js_body(text, m.end())):
                return full, where
    return "", ""


# A query parameter the handler cannot do without: Flask's request.args["q"] (400 without it), Django's
# request.GET["q"] (500, MultiValueDictKeyError), DRF's request.query_params["q"]; a page audited without
# it is the error page
_NEEDS_QUERY_PY = re.compile(r"\brequest\.(?:args|GET|query_params)\[")
_RETURN_PY = re.compile(r"^([ \t]*)return\b(.*)$", re.M)
_BOUND_PY = re.compile(r"^[ \t]*(\w+)\s*=\s*(.+)$", re.M)


def _answers_template(body: str) -> bool:
    """Whether the Python handler *body* answers with a template it renders (:data:`_TEMPLATES`): in a
    ``return`` (its continuation lines too) or through a name it returns. A template rendered for an
    e-mail (``msg.html = render_template("email/welcome.html")``) beside ``return jsonify(...)`` is no
    page: such a JSON route was taken for the home page."""
    held = {m.group(1) for m in _BOUND_PY.finditer(body) if _TEMPLATES.search(m.group(2))}
    lines = body.split("\n")
    for m in _RETURN_PY.finditer(body):
        returned = [m.group(2)]
        for line in lines[body.count("\n", 0, m.start()) + 1:]:  # its continuation lines, deeper indented
            if line.strip() and len(line) - len(line.lstrip()) <= len(m.group(1)):
                break
            returned.append(line)
        returned_text = "\n".join(returned)
        if _TEMPLATES.search(returned_text) or any(re.search(rf"\b{name}\b", returned_text) for name in held):
            return True
    return False


# The app's own "/" route: app.get('/', ...) / router.get("/", ...), @app.get("/") / @app.route('/')
# "/", or a catch-all that answers it ("*": remult's react-vite-express-starter answers every path
# with a line of text)
_ROOT_GET_JS = re.compile(r"""\b[\w$]+\s*\.\s*get\(\s*(['"`])(/|\*)\1\s*,""")
# a catch-all's "not found" answer (res.status(404).send("Not found")) is no answer of "/"
_NOT_FOUND_JS = re.compile(r"\.\s*(?:status|sendStatus)\(\s*404\b")
_ROOT_GET_PY = re.compile(r"""^([ \t]*)@[\w.]+\.(?:get|route)\(\s*['"]/['"]\s*[,)]""", re.M)
# What such a handler answers: JSON (res.json(...), res.status(200).json(...), res.send({...}); a dict,
# jsonify(...) or JSONResponse(...) returned) or something a browser renders as a page
_JSON_JS = re.compile(r"\bres\s*\.\s*(?:status\([^)]{0,20}\)\s*\.\s*)?(?:json\(|send\(\s*\{)")
_JSON_PY = re.compile(r"^\s*return\s+(?:\{|jsonify\(|JSONResponse\(|ORJSONResponse\()", re.M)
_PAGE = re.compile(r"render|sendFile|HTMLResponse|redirect|<\w", re.I)
# ... or a string of its own: res.send("Hello"), res.send(`api Server - path: ${req.path}`), which a browser
# shows as a line of text (no markup in it: _PAGE)
_TEXT_JS = re.compile(r"""\bres\s*\.\s*(?:status\([^)]{0,20}\)\s*\.\s*)?(?:send|end)\(\s*['"`]""")
_NEXT_ROUTE_JS = re.compile(r"\.\s*(?:get|post|put|patch|delete|use|listen|route)\(")
# "/" sending the browser to the API's docs page: microblog-api's redirect(url_for('apifairy.docs')),
# res.redirect('/api-docs')
_DOCS_REDIRECT = re.compile(r"redirect\([^)\n]{0,120}?(?:docs|swagger|redoc|apispec|openapi|apifairy)", re.I)


def json_root(sources: list[Path], root: Path) -> tuple[str, str]:
    """(``file:line`` of the app's "/" route, what it answers) when it is no page of the app's and the app
    serves no pages at all (no templates, no static files): "JSON" (an API's ``app.get("/", (req, res) =>
    res.json({message: "Welcome"}))``, FastAPI's ``return {"message": ...}``, whose page in a browser is
    the browser's own JSON viewer; "JSON, pages elsewhere" when the app renders templates or serves files
    too, "JSON, views elsewhere" when it renders an Express view engine's, which may be its error page
    alone), "a line of text" (``res.send("api server")`` of "/" or of a catch-all
    ``"*"``: the frontend phase audited it, accessibility 50 for its missing title and lang) or "a redirect
    to its API docs page" (a docs page from a CDN, no page of the app's, whatever else the app serves);
    ("", "") otherwise."""
    texts = [(path, read_text(path)) for path in sources]
    # templates elsewhere (microblog-api's e-mails: render_template) leave "/" what it is
    pages = any(serves_pages(text) for _, text in texts)
    for path, text in texts:
        python = path.suffix == ".py"
        m = (_ROOT_GET_PY if python else _ROOT_GET_JS).search(text)
        if m is None:
            continue
        body = _python_body(text, m) if python else _js_body(text, m.end())
        if not python and m.group(2) != "/" and _NOT_FOUND_JS.search(body):
            continue
        where = f"{rel(path, root)}:{text.count(chr(10), 0, m.start()) + 1}"
        if _DOCS_REDIRECT.search(body):
            return where, "a redirect to its API docs page"
        if (_JSON_PY if python else _JSON_JS).search(body) and not _PAGE.search(body):
            views = any(_TEMPLATES.search(text) for _, text in texts)
            return where, "JSON, pages elsewhere" if pages else "JSON, views elsewhere" if views else "JSON"
        if not pages and not python and _TEXT_JS.search(body) and not _PAGE.search(body) and "<!" not in body:
            return where, "a line of text"
        return "", ""
    # NestJS's starter: @Controller() with @Get() getHello(): "Hello World!" as text, an object as JSON
    from .nestroutes import nest_root  # it reads files with this module's helpers

    where, page = nest_root({path: text for path, text in texts if path.suffix in JS_SUFFIXES}, root)
    if where and not page and not pages:
        return where, "a NestJS handler's return value"
    return "", ""


def _python_body(text: str, decorator: re.Match[str]) -> str:
    """The lines of the function under *decorator*: those indented deeper than its ``def``."""
    lines = text[decorator.end():].splitlines()[:80]
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith(("def ", "async def "))), -1)
    if start < 0:
        return ""
    indent = len(lines[start]) - len(lines[start].lstrip())
    body = []
    for line in lines[start + 1:]:
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        body.append(line)
    return "\n".join(body)


def _js_body(text: str, start: int) -> str:
    """The handler after a route's path, up to the next route or mount (at most 800 characters)."""
    window = text[start:start + 800]
    following = _NEXT_ROUTE_JS.search(window, 1)
    return window[:following.start()] if following else window


# TypeScript's node16/nodenext/bundler resolution: an import names the file it compiles to
# (`import auth from "./routes/auth.js"` is routes/auth.ts)
_COMPILED_FROM = {".js": (".ts", ".tsx"), ".jsx": (".tsx",), ".mjs": (".mts",), ".cjs": (".cts",)}


def resolve_js(folder: Path, spec: str) -> Path | None:
    """The file a relative import *spec* (``./routes/auth``, ``../config.js``) of a module in *folder*
    names, as Node resolves it (the file, with one of :data:`JS_SUFFIXES`, or a folder's ``index``) and
    as TypeScript does (``./auth.js`` is ``./auth.ts`` when only that exists); None when there is none."""
    base = folder / spec
    candidates = [base, *(Path(f"{base}{s}") for s in JS_SUFFIXES)]
    candidates += [base / f"index{s}" for s in JS_SUFFIXES]
    candidates += [base.with_suffix(s) for s in _COMPILED_FROM.get(base.suffix, ())]
    return next((c for c in candidates if c.is_file()), None)


# compilerOptions TypeScript resolves against the folder of the tsconfig that sets them, not the one that
# extends it (TypeScript's handbook, "tsconfig.json": "extends")
_TS_PATH_OPTIONS = ("baseUrl", "outDir", "rootDir")
# How deep a chain of `extends` is followed; TypeScript reports a cycle, we stop
_TS_EXTENDS_DEPTH = 8


def read_jsonc(path: Path) -> dict[str, Any]:
    """A JSON-with-comments object file (tsconfig.json: ``//`` and ``/* */`` comments, trailing commas), read
    by json5; {} when it is missing, unreadable, no object, not valid or nested too deep for the parser.
    The dict is shared by every read of the same text (json5 takes 50 ms for a ``tsc --init`` tsconfig,
    and one is read for each import a path alias may resolve): do not change it."""
    return _parse_jsonc(read_text(path) if path.is_file() else "")


@functools.lru_cache(maxsize=32)
def _parse_jsonc(text: str) -> dict[str, Any]:
    import json5

    try:
        data = json5.loads(text) if text.strip() else {}
    except (ValueError, RecursionError):  # json5 recurses once per nesting level
        return {}
    return data if isinstance(data, dict) else {}


def tsconfig_options(config: Path, top: Path) -> dict[str, Any]:
    """The compilerOptions of the tsconfig file *config* as TypeScript sees them: those of what it
    ``extends`` first (a path, or a package's file found in ``node_modules`` from its folder up to *top*; a
    list, TypeScript 5.0's, in its order), its own over them. ``baseUrl``, ``outDir`` and ``rootDir`` are
    absolute Paths, resolved against the folder of the file that sets them, and ``"paths"`` comes with
    ``"pathsBase"``, the folder its targets are relative to (``baseUrl``, else the folder of the file that
    sets ``paths``). A file outside *top*, a cycle or a chain deeper than 8 adds nothing; a file extended
    more than once is read once, as TypeScript caches it. The other values (``paths``...) are
    :func:`read_jsonc`'s cached objects: do not change them. Never raises."""
    options = _tsconfig(real_path(config), real_path(top), (), {})
    paths_dir = options.pop("_pathsDir", None)
    if "paths" in options:
        options["pathsBase"] = options.get("baseUrl") or paths_dir
    return options


def _tsconfig(config: Path, top: Path, chain: tuple[Path, ...],
              done: dict[Path, dict[str, Any]]) -> dict[str, Any]:
    """The options of *config* (:func:`tsconfig_options`) reached through the files of *chain*; *done*
    holds those of the files already read in this call, so a list that extends one file many times, at
    every level, reads it once and not once per path to it."""
    if top != config and top not in config.parents or config in chain or len(chain) > _TS_EXTENDS_DEPTH:
        return {}
    if config in done:
        return done[config]
    data = read_jsonc(config)
    options: dict[str, Any] = {}
    parents = data.get("extends")
    for spec in [parents] if isinstance(parents, str) else parents if isinstance(parents, list) else []:
        found = _extended(config.parent, spec, top) if isinstance(spec, str) else None
        if found is not None:
            options.update(_tsconfig(found, top, (*chain, config), done))
    own = data.get("compilerOptions")
    for key, value in own.items() if isinstance(own, dict) else ():
        is_path = key in _TS_PATH_OPTIONS and isinstance(value, str)
        options[key] = real_path(config.parent / value) if is_path else value
        if key == "paths":
            options["_pathsDir"] = config.parent
    done[config] = options
    return options


def _extended(folder: Path, spec: str, top: Path) -> Path | None:
    """The file an ``extends`` of a tsconfig in *folder* names: ``./base.json`` (``.json`` may be left out)
    relative to it, or ``@tsconfig/node20/tsconfig.json`` / a package's own ``tsconfig.json`` in the
    nearest ``node_modules``, as TypeScript's module resolution finds it."""
    if spec.startswith((".", "/")):
        bases = [folder / spec]
    else:
        bases = [f / "node_modules" / spec for f in (folder, *folder.parents) if f == top or top in f.parents]
    for base in bases:
        for candidate in (base, Path(f"{base}.json"), base / "tsconfig.json"):
            if candidate.is_file():
                return real_path(candidate)
    return None


def real_path(path: Path) -> Path:
    """*path* absolute, its symbolic links followed (``Path.resolve()``), where a loop of links does not
    raise (Python 3.11's ``resolve()`` raises RuntimeError for ``a -> b -> a``): the path is followed as
    far as it can be."""
    return Path(os.path.realpath(path))


def _nearest_paths(file: Path, top: Path) -> tuple[dict[str, Any], Path] | None:
    """(``paths``, the folder its targets are relative to) of the nearest tsconfig.json above *file* (up to
    *top*), its ``extends`` followed (:func:`tsconfig_options`); None when that config sets none."""
    top = real_path(top)
    for folder in real_path(file).parents:
        config = folder / "tsconfig.json"
        if config.is_file():
            options = tsconfig_options(config, top)
            paths, base = options.get("paths"), options.get("pathsBase")
            return (paths, base) if isinstance(paths, dict) and isinstance(base, Path) else None
        if folder == top or top not in folder.parents:
            return None
    return None


def path_aliases(file: Path, top: Path) -> list[tuple[str, Path]]:
    """The path aliases of the nearest tsconfig.json above *file* (up to *top*), its ``extends`` followed
    (:func:`tsconfig_options`): (prefix, folder) for each ``"@api/*": ["./src/*"]`` of its ``paths``, the
    first target of each."""
    found = _nearest_paths(file, top)
    return _wildcard_aliases(*found) if found is not None else []


def _wildcard_aliases(paths: dict[str, Any], base: Path) -> list[tuple[str, Path]]:
    return [(prefix[:-1], base / targets[0][:-1]) for prefix, targets in paths.items()
            if isinstance(prefix, str) and prefix.endswith("*") and "*" not in prefix[:-1]
            and isinstance(targets, list) and targets and isinstance(targets[0], str)
            and targets[0].endswith("*") and "*" not in targets[0][:-1]]


def _exact_alias(paths: dict[str, Any], base: Path, spec: str) -> Path | None:
    """The file an exact ``paths`` entry maps *spec* to (an Nx workspace's ``"@org/shared":
    ["libs/shared/src/index.ts"]``: a key without ``*`` matches only itself, TypeScript's handbook,
    "paths"), resolved as :func:`resolve_js` does; None when there is no such entry."""
    targets = paths.get(spec)
    if not isinstance(targets, list) or not targets or not isinstance(targets[0], str):
        return None
    return resolve_js(base, "./" + targets[0].removeprefix("./"))


def resolve_import(file: Path, spec: str, top: Path) -> Path | None:
    """The file an import *spec* of the module *file* names: a relative one as :func:`resolve_js`
    finds it, else one through a tsconfig path alias (``@api/common/lib/env`` with ``"@api/*":
    ["./src/*"]``, or an exact ``"@org/shared": ["libs/shared/src/index.ts"]``, the nearest tsconfig.json up
    to *top*); None for a package's (``express``) or none."""
    if spec.startswith("."):
        return resolve_js(file.parent, spec)
    found = _nearest_paths(file, top)  # once for both kinds of alias: each walks the extends chain
    if found is None:
        return None
    exact = _exact_alias(*found, spec)
    if exact is not None:
        return exact
    return next((hit for prefix, folder in _wildcard_aliases(*found) if spec.startswith(prefix)
                 and (hit := resolve_js(folder, "./" + spec[len(prefix):]))), None)


def rel(path: Path, root: Path) -> str:
    """*path* relative to *root*, with forward slashes ("." for the root itself)."""
    try:
        out = real_path(path).relative_to(real_path(root)).as_posix()
    except ValueError:
        return path.as_posix()
    return out or "."


def named_dirs(root: Path, names: tuple[str, ...]) -> list[str]:
    """The sub-folders of *root* that *names* name, in their order, as they are spelt on disk: the case
    does not matter (a ``Backend/`` made on macOS or Windows, where ``backend`` finds it too, is a
    conventional folder here as well); a folder spelt exactly as named comes before others. "." stays."""
    try:
        entries = sorted(os.listdir(root))
    except OSError:
        entries = []
    out: list[str] = []
    for name in names:
        if name == ".":
            out.append(name)
            continue
        spelt = [e for e in entries if e.lower() == name.lower() and (root / e).is_dir()]
        out += sorted((e for e in spelt if e not in out), key=lambda e: e != name)
    return out


def join(folder: str, name: str) -> str:
    """``folder/name`` normalised (``frontend/../backend/x`` -> ``backend/x``, ``./dist`` -> ``dist``), or
    *name* alone when *folder* is "."; a path that leaves *folder*'s root keeps its leading ``..``."""
    joined = name if folder in ("", ".") else f"{folder.rstrip('/')}/{name}"
    return posixpath.normpath(joined) if joined else joined


# Characters a terminal (or a reader) must not get raw from a project's files: C0/C1 controls (escape
# sequences), bidirectional overrides and isolates (U+202E reverses what follows), zero-width characters,
# line and paragraph separators.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def printable(text: str) -> str:
    """*text* safe to print or write in a comment: tabs and newlines become spaces, other control,
    bidirectional and zero-width characters become visible escapes (``\\x1b``, ``\\u202e``)."""
    text = text.replace("\t", " ").replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    return _UNPRINTABLE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
