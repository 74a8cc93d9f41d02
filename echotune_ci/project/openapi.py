"""Where the running app serves its OpenAPI document, read from its sources for ``init``.

The api phase tests the app against that document (schemathesis), so ``init``
adds the phase and writes ``[api] openapi`` when the code says where it is.
Each framework's default and the setting that moves it (versions current in
2026):

- FastAPI: ``/openapi.json``, ``FastAPI(openapi_url=...)``; None or "" turns it off.
- flask-smorest: served only with ``OPENAPI_URL_PREFIX``, at that prefix
  joined with ``OPENAPI_JSON_PATH`` (``openapi.json``).
- APIFlask: ``APIFlask(spec_path=...)``, ``/openapi.json``.
- APIFairy: ``/apispec.json``, the config's ``APIFAIRY_APISPEC_PATH`` (in any
  source file, as Flask configs live apart from ``APIFairy(...)``).
- Django Ninja: ``openapi.json`` under the prefix ``path("api/", api.urls)``
  mounts the ``NinjaAPI`` at.
- Litestar: ``/schema/openapi.json`` (``OpenAPIConfig(path=...)``).
- drf-spectacular: the path ``SpectacularAPIView`` is routed at (YAML); in a Django project whose
  URLconf is read, :mod:`.djangourls` finds it, drf-yasg's and DRF's own schema views, with their
  include() prefixes, first.
- NestJS: ``SwaggerModule.setup("api", ...)`` serves the JSON at ``/api-json``
  (or at its ``jsonDocumentUrl``; behind the global prefix with ``useGlobalPrefix: true``).
- Fastify: ``@fastify/swagger-ui`` serves it at ``{routePrefix}/json``
  (``/documentation/json`` by default); before version 8, ``@fastify/swagger``
  (``fastify-swagger``) did, with ``exposeRoute: true``.
- Nitro (Nuxt's server too): ``experimental: { openAPI: true }`` in
  nitro.config or nuxt.config's ``nitro``, at ``/_openapi.json`` (``openAPI.route``)
  and in a production build only with ``openAPI: { production: 'runtime' }``
  (or ``'prerender'``, which ``@scalar/nuxt`` sets): without it the
  document is `nuxt dev`'s alone (:func:`nitro_dev_document`).
- Hono with ``@hono/zod-openapi``: ``app.doc("/doc", {...})`` (``doc31`` for
  OpenAPI 3.1) serves the document its ``openapi()`` routes make at that path.
- Any framework: a route of its own whose literal path ends in
  ``openapi.json``, ``swagger.json`` (or ``.yaml``).

A document behind a value the code computes (``f"{settings.API_V1_STR}/openapi.json"``)
is resolved as the router prefixes are (:func:`.health.python_value`: constants,
f-strings, a settings class's default); where that cannot tell, it is not
guessed: :func:`served_document` says nothing then.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .calltext import call_arguments, call_text, url_join
from .files import read_text, rel
from .jsbrackets import bracketed
from .health import python_value


@dataclass(frozen=True)
class Served:
    """The document's path on the app (``/openapi.json``), the file that says so (relative), what serves
    it ("FastAPI"), how it is set (one phrase: "its default"), whether a docs page (Swagger UI, ReDoc)
    answers at "/", and the path of the server's own health check beside it ("" when none: Apollo Server
    2 and 3's ``/.well-known/apollo/server-health``)."""

    path: str
    where: str
    framework: str
    how: str
    docs_at_root: bool = False
    health: str = ""


_STRING = r"""(?:r|f)?(['"])([^'"\n]*)\1"""
_KWARG = r"\b{name}\s*=\s*([^,)\n]+)"
# OPENAPI_URL_PREFIX = "/", "OPENAPI_URL_PREFIX": "/", app.config["OPENAPI_URL_PREFIX"] = "/"
_SETTING = r"""\b{name}['"]?\s*\]?\s*[=:]\s*(?:r)?(['"])([^'"\n]*)\1"""
# APIFAIRY_APISPEC_PATH = None, "APIFAIRY_APISPEC_PATH": "/spec.json", app.config[...] = os.environ.get(...)
_ASSIGNED = r"""\b{name}['"]?\s*\]?\s*[=:]\s*([^,\n#]+)"""
_NINJA = re.compile(r"\b(\w+)\s*=\s*NinjaAPI\(")
_NINJA_MOUNT = r"""\bpath\(\s*r?(['"])([^'"\n]*)\1\s*,\s*{name}\.urls\b"""
_SPECTACULAR = re.compile(r"""\b(?:re_)?path\(\s*r?(['"])\^?([^'"\n]*?)\$?\1\s*,\s*SpectacularAPIView\b""")
# import ui from '@fastify/swagger-ui', const ui = require("@fastify/swagger-ui"), ... = await import(...)
_FASTIFY_IMPORT = (r"""(?:import\s+(?:\*\s+as\s+)?([\w$]+)\s+from\s*|(?:const|let|var)\s+([\w$]+)\s*=\s*"""
                   r"""(?:require|(?:await\s+)?import)\(\s*)['"]({names})['"]""")
_FASTIFY_UI = re.compile(_FASTIFY_IMPORT.format(names="@fastify/swagger-ui|fastify-swagger-ui"))
_FASTIFY_SWAGGER = re.compile(_FASTIFY_IMPORT.format(names="@fastify/swagger|fastify-swagger"))
_ROUTE_PREFIX = re.compile(r"""\broutePrefix\s*:\s*([^,}\n]+)""")
# app.get("/openapi.json", ...), @app.route("/swagger.json"), router.get('/api-docs/swagger.yaml', ...)
_OWN_ROUTE = re.compile(
    r"""\.(?:get|route|api_route)\(\s*(['"`])(/[\w/.-]*(?:openapi|swagger)[\w-]*\.(?:json|ya?ml))\1""")


def served_document(sources: Iterable[Path], folder: Path) -> Served | None:
    """Where the app's code serves its OpenAPI document (:class:`Served`), else None: no framework that
    publishes one, the document turned off, or a path the code computes from values static reading
    cannot resolve. Never raises for a file's content."""
    files = list(sources)
    for path in files:
        text = read_text(path)
        where = rel(path, folder)
        found = (_fastapi(text, where, files, folder) or _smorest(text, where) or _apiflask(text, where)
                 or _apifairy(text, where, files) or _ninja(text, where, files) or _litestar(text, where)
                 or _quart_schema(text, where)
                 or _spectacular(text, where) or _nest(text, where) or _fastify(text, where)
                 or _nitro(path, text, where) or _hono(text, where) or _own_route(text, where))
        if found is not None:
            return found if found.path else None
    return None


def _literal(value: str) -> str | None:
    """A Python string literal's text; None for anything else (None, a name, an f-string with a field)."""
    m = re.fullmatch(_STRING, value.strip())
    if m is None or (value.strip().startswith("f") and "{" in m.group(2)):
        return None
    return m.group(2)


def _fastapi(text: str, where: str, sources: list[Path], folder: Path) -> Served | None:
    found = re.search(r"\bFastAPI\(", text) if "FastAPI(" in text else None
    if found is None:
        return None
    call = call_text(text, found.end() - 1)
    docs = bool(re.search(r"""\b(?:docs_url|redoc_url)\s*=\s*['"]/['"]""", call))
    value = re.search(_KWARG.format(name="openapi_url"), call)
    if value is None:
        return Served("/openapi.json", where, "FastAPI", "its default", docs)
    written = value.group(1).strip()
    path = _literal(written)
    how = f"openapi_url = {path!r}"
    if path is None and written != "None":
        # computed: f"{settings.API_V1_STR}/openapi.json" (full-stack-fastapi-template), resolved as the
        # router prefixes are; what static reading cannot tell is not guessed: Served("")
        path = python_value([p for p in sources if p.suffix == ".py"], folder, where, written)
        how = f"openapi_url = {written}, {path!r} by the code's defaults"
    # None or "" turns it off
    return Served(path if path and path.startswith("/") else "", where, "FastAPI", how, docs)


def _setting(text: str, name: str) -> str | None:
    m = re.search(_SETTING.format(name=name), text)
    return m.group(2) if m else None


def _smorest(text: str, where: str) -> Served | None:
    prefix = _setting(text, "OPENAPI_URL_PREFIX") if "OPENAPI_URL_PREFIX" in text else None
    if prefix is None:
        return None
    document = _setting(text, "OPENAPI_JSON_PATH") or "openapi.json"
    pages = ("OPENAPI_REDOC_PATH", "OPENAPI_SWAGGER_UI_PATH", "OPENAPI_RAPIDOC_PATH")
    docs = any(url_join(prefix, _setting(text, page) or "-") == "/" for page in pages if page in text)
    how = f"OPENAPI_URL_PREFIX = {prefix!r}"
    return Served(url_join(prefix, document), where, "flask-smorest", how, docs)


def _apiflask(text: str, where: str) -> Served | None:
    found = re.search(r"\bAPIFlask\(", text) if "APIFlask(" in text else None
    if found is None:
        return None
    call = call_text(text, found.end() - 1)
    value = re.search(_KWARG.format(name="spec_path"), call)
    path = "/openapi.json" if value is None else _literal(value.group(1))
    docs = bool(re.search(r"""\bdocs_path\s*=\s*['"]/['"]""", call))
    return Served(path if path and path.startswith("/") else "", where, "APIFlask",
                  "its default" if value is None else "spec_path", docs)


def _apifairy(text: str, where: str, sources: list[Path]) -> Served | None:
    if re.search(r"\bAPIFairy\(", text) is None:
        return None
    texts = [read_text(path) for path in sources]
    ui = next((m.group(2) for t in texts
               if (m := re.search(_SETTING.format(name="APIFAIRY_UI_PATH"), t))), None)
    value = next((m.group(1) for t in texts
                  if (m := re.search(_ASSIGNED.format(name="APIFAIRY_APISPEC_PATH"), t))), None)
    if value is None:
        return Served("/apispec.json", where, "APIFairy", "its default", ui == "/")
    # None turns the document off; a computed path (os.environ.get(...)) is not guessed: Served("")
    path = _literal(value)
    return Served(path if path and path.startswith("/") else "", where, "APIFairy", "APIFAIRY_APISPEC_PATH",
                  ui == "/")


def _ninja(text: str, where: str, sources: list[Path]) -> Served | None:
    api = _NINJA.search(text) if "NinjaAPI(" in text else None
    if api is None:
        return None
    call = call_text(text, api.end() - 1)
    value = re.search(_KWARG.format(name="openapi_url"), call)
    document = "/openapi.json" if value is None else _literal(value.group(1))
    if not document:  # openapi_url=None turns the document off
        return Served("", where, "Django Ninja", "openapi_url")
    mount = re.compile(_NINJA_MOUNT.format(name=re.escape(api.group(1))))
    for path in sources:
        m = mount.search(read_text(path))
        if m is not None:
            return Served(url_join(m.group(2), document), where, "Django Ninja",
                          f"mounted at {m.group(2)!r}")
    return None


def _litestar(text: str, where: str) -> Served | None:
    app = re.search(r"\bLitestar\(", text)
    if app is None:
        return None
    if re.search(r"\bopenapi_config\s*=\s*None\b", call_text(text, app.end() - 1)):
        return Served("", where, "Litestar", "openapi_config=None")
    config = re.search(r"\bOpenAPIConfig\(", text)
    value = re.search(_KWARG.format(name="path"), call_text(text, config.end() - 1)) if config else None
    prefix = _literal(value.group(1)) if value else "/schema"
    return Served(url_join(prefix, "openapi.json") if prefix else "", where, "Litestar",
                  "its default" if value is None else "OpenAPIConfig(path=...)")


def _quart_schema(text: str, where: str) -> Served | None:
    """quart-schema's ``QuartSchema(app, openapi_path=...)``: ``/openapi.json`` by default, None turns it
    off (quart-schema 0.19's extension.py)."""
    found = re.search(r"\bQuartSchema\(", text)
    if found is None:
        return None
    value = re.search(_KWARG.format(name="openapi_path"), call_text(text, found.end() - 1))
    if value is None:
        return Served("/openapi.json", where, "quart-schema", "its default")
    path = _literal(value.group(1))
    return Served(path if path and path.startswith("/") else "", where, "quart-schema",
                  f"openapi_path = {path!r}")


def _spectacular(text: str, where: str) -> Served | None:
    m = _SPECTACULAR.search(text) if "SpectacularAPIView" in text else None
    if m is None:
        return None
    return Served(url_join(m.group(2)) + ("/" if m.group(2).endswith("/") else ""), where, "drf-spectacular",
                  "SpectacularAPIView's route")


def _js_value(text: str, expr: str) -> str | None:
    """The string *expr* is: a literal (a template without ``${}``), or a name that ``const NAME = '...'``
    in *text* sets; None for anything computed."""
    m = re.fullmatch(r"""\s*(['"`])([^'"`\n$]*)\1\s*""", expr)
    if m is not None:
        return m.group(2)
    name = re.fullmatch(r"\s*([A-Za-z_$][\w$]*)\s*", expr)
    if name is None:
        return None
    found = re.search(rf"""\b(?:const|let|var)\s+{re.escape(name.group(1))}\s*(?::\s*string\s*)?=\s*"""
                      r"""(['"`])([^'"`\n$]*)\1""", text)
    return found.group(2) if found else None


def _nest(text: str, where: str) -> Served | None:
    """``SwaggerModule.setup(path, app, document, options)`` serves the JSON at ``{path}-json``, or at
    ``options.jsonDocumentUrl``; with ``useGlobalPrefix: true`` both behind ``app.setGlobalPrefix``'s
    prefix (never without it); ``raw: false`` (or a list without "json") serves none. A path the code
    computes is not guessed (Served(""))."""
    m = re.search(r"\bSwaggerModule\.setup\(", text) if "SwaggerModule" in text else None
    if m is None:
        return None
    args = call_arguments(call_text(text, m.end() - 1))
    options = args[3] if len(args) > 3 else ""
    raw = re.search(r"\braw\s*:\s*(false\b|\[[^\]]*\])", options)
    if raw is not None and "json" not in raw.group(1):
        return Served("", where, "NestJS", "SwaggerModule.setup with raw: " + raw.group(1))
    prefix: str | None = ""
    how = "SwaggerModule.setup"
    if re.search(r"\buseGlobalPrefix\s*:\s*true\b", options):
        given = re.search(r"\.setGlobalPrefix\(([^,)]*)", text)
        prefix = _js_value(text, given.group(1)) if given else None
        how += " with useGlobalPrefix"
    url = re.search(r"\bjsonDocumentUrl\s*:\s*([^,}\n]+)", options)
    if url is not None:
        document, how = _js_value(text, url.group(1)), how + " and jsonDocumentUrl"
        path = url_join(prefix, document) if prefix is not None and document else ""
    else:
        base = _js_value(text, args[0])
        path = url_join(prefix, base) + "-json" if prefix is not None and base is not None else ""
    return Served(path, where, "NestJS", how.replace("setup and", "setup's", 1))


def _fastify(text: str, where: str) -> Served | None:
    """@fastify/swagger-ui's ``{routePrefix}/json``; @fastify/swagger's own before version 8 (which
    served it only with ``exposeRoute: true``). A prefix the code computes is not guessed (Served(""))."""
    if "swagger" not in text:
        return None
    for pattern, package, legacy in ((_FASTIFY_UI, "@fastify/swagger-ui|fastify-swagger-ui", False),
                                     (_FASTIFY_SWAGGER, "@fastify/swagger|fastify-swagger", True)):
        imported = pattern.search(text)
        name = rf"{re.escape(imported.group(1) or imported.group(2))}\b|" if imported else ""
        # register(ui, ...) of the module imported as ui, or register(require('@fastify/swagger-ui'), ...)
        found = re.search(rf"""\.register\(\s*(?:{name}(?:require|(?:await\s+)?import)\(\s*['"]"""
                          rf"""({package})['"]\s*\))""", text)
        if found is None:
            continue
        module = found.group(1) or (imported.group(3) if imported else "")
        options = _named_options(text, call_text(text, text.index("(", found.start())))
        if legacy and re.search(r"\bexposeRoute\s*:\s*true\b", options) is None:
            continue
        prefix = _ROUTE_PREFIX.search(options)
        how = f"{module}'s routePrefix" if prefix else f"{module}'s default"
        value = "/documentation" if prefix is None else _js_literal(prefix.group(1))
        if not value or not value.startswith("/"):
            return Served("", where, "Fastify", how)
        return Served(url_join(value, "json"), where, "Fastify", how, url_join(value) == "/")
    return None


def _named_options(text: str, call: str) -> str:
    """The options of a ``register(plugin, options)`` *call*: its text, and the object literal of a
    variable of *text* the options are given as (j10ra/fastify-drizzle-postgres's `const swaggerUiOptions =
    { routePrefix: '/docs', ... }` then `register(require('@fastify/swagger-ui'), swaggerUiOptions)`: init
    took the default /documentation/json, a 404, where the app served /docs/json)."""
    args = call_arguments(call)
    name = args[1].strip() if len(args) > 1 else ""
    if not re.fullmatch(r"[A-Za-z_$][\w$]*", name):
        return call
    declared = re.search(rf"\b(?:const|let|var)\s+{re.escape(name)}\s*(?::[^=;]+)?=\s*\{{", text)
    return call if declared is None else call + "{" + bracketed(text, declared.end() - 1) + "}"


def _js_literal(value: str) -> str | None:
    """A JavaScript string literal's text ('...', "...", `...` without ${}); None for anything else."""
    m = re.fullmatch(r"""(['"`])([^'"`\n]*)\1""", value.strip())
    return None if m is None or "${" in m.group(2) else m.group(2)


_NITRO_CONFIGS = ("nuxt.config", "nitro.config")
_NITRO_OPENAPI = re.compile(r"\bopenAPI\s*:\s*true\b")
_NITRO_PRODUCTION = re.compile(r"""\bproduction\s*:\s*['"`](runtime|prerender)['"`]""")
_NITRO_ROUTE = re.compile(r"""\bopenAPI\s*:\s*\{[^}]*?\broute\s*:\s*['"`](/[^'"`\s]*)['"`]""", re.S)


def _nitro(path: Path, text: str, where: str) -> Served | None:
    """Nitro's document, when its config turns it on: its path when a production build serves it, ""
    when only `nuxt dev` / `nitro dev` does (off for the app under test)."""
    if path.name.split(".")[0] + ".config" not in _NITRO_CONFIGS or not _NITRO_OPENAPI.search(text):
        return None
    # @scalar/nuxt sets openAPI.production to "prerender" when the config turns the document on
    scalar = '"@scalar/nuxt"' in read_text(path.parent / "package.json")
    if not _NITRO_PRODUCTION.search(text) and not scalar:
        return Served("", where, "Nitro", "experimental.openAPI, in development only")
    route = _NITRO_ROUTE.search(text)
    how = ("experimental.openAPI with openAPI.production" if _NITRO_PRODUCTION.search(text)
           else "experimental.openAPI, prerendered for production by @scalar/nuxt")
    return Served(route.group(1) if route else "/_openapi.json", where, "Nitro", how)


def nitro_dev_document(sources: Iterable[Path], folder: Path) -> str:
    """The config file (relative to *folder*) that turns Nitro's OpenAPI document on for development only
    (``experimental: { openAPI: true }`` without ``openAPI.production``), "" when none does."""
    for path in sources:
        found = _nitro(path, read_text(path), rel(path, folder))
        if found is not None and not found.path:
            return found.where
    return ""


# app.doc("/openapi.json", { openapi: "3.0.0", info: {...} }), app.doc31(...): @hono/zod-openapi's
_HONO_DOC = re.compile(r"""\.(doc(?:31)?)\(\s*(['"`])(/[^'"`\n]*)\2\s*,\s*"""
                       r"""(?:\{[^)]*?\b(?:openapi|info)\s*:|\(|[\w$]+\s*[,)])""")


def _hono(text: str, where: str) -> Served | None:
    """@hono/zod-openapi's ``app.doc(path, config)`` / ``app.doc31(path, config)``: the document at the
    literal *path*."""
    m = _HONO_DOC.search(text) if ".doc" in text else None
    if m is None or "${" in m.group(3):
        return None
    return Served(m.group(3), where, "@hono/zod-openapi", f"app.{m.group(1)}")


def _own_route(text: str, where: str) -> Served | None:
    m = _OWN_ROUTE.search(text)
    return Served(m.group(2), where, "the app", "a route of its own") if m else None
