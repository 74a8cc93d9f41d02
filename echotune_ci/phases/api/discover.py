"""Finding the app's OpenAPI document and GraphQL schema, and reading them.

The one place that decides what the contract test reads. The OpenAPI
document, in order: ``[api] openapi`` (a path on the app, a URL on an
allowed host, or a file relative to the config file), else the first of
``DISCOVER_PATHS`` the app answers with a document, else the first of
``REPOSITORY_FILES`` in the config file's folder. The GraphQL schema:
``[api] graphql`` (a path on the app or a URL on an allowed host), else the
first of ``GRAPHQL_PATHS``, read by introspection (a POST of the standard
introspection query). An app may have both (a FastAPI app with a
Strawberry router): both are tested. A document that does not parse is the
user's to fix: InputError (exit 2) naming the file or URL and the parser's
line; so is a configured GraphQL endpoint that does not answer the
introspection query. None found is not an error: the caller warns with the
places tried.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from ...errors import ConfigError, InputError, RunError
from ..base import PhaseContext
from .settings import DISCOVER_PATHS, GRAPHQL_PATHS, REPOSITORY_FILES, ApiSettings

# A document larger than this is not read (an endpoint streaming forever must not exhaust memory).
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
# The OpenAPI media type (YAML unless a +json suffix says otherwise).
OPENAPI_YAML = "application/vnd.oai.openapi"


@dataclass(frozen=True)
class Document:
    """What the contract test reads (``data``), where it was read (``where``: a URL or a file path) and
    what it is (``kind``): an OpenAPI document, or the introspection result of the GraphQL endpoint
    ``where`` (the ``{"__schema": ...}`` object of its answer's ``data``)."""

    data: dict[str, Any]
    where: str
    kind: str = "openapi"  # "openapi" | "graphql"


@dataclass
class Search:
    """The outcome of a search: the documents found (``documents``: at most one OpenAPI document and one
    GraphQL schema) and every place tried (``tried``)."""

    documents: list[Document] = field(default_factory=list)
    tried: list[str] = field(default_factory=list)


def parse(text: str, where: str, yaml_first: bool = False) -> dict[str, Any]:
    """The OpenAPI document in *text* (JSON, else YAML when it is not JSON-shaped or *yaml_first*).

    Raises InputError "<where>: line N: <parser's message>" when it does not parse, and
    "<where>: not an OpenAPI document ..." when it parses to something without an ``openapi`` or
    ``swagger`` version key.
    """
    stripped = text.lstrip()
    if not yaml_first and stripped.startswith(("{", "[")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: line {exc.lineno}: {exc.msg} (JSON)") from None
    else:
        data = _parse_yaml(text, where)
    if not isinstance(data, dict) or not isinstance(data.get("openapi", data.get("swagger")), str):
        raise InputError(f"{where}: not an OpenAPI document (no 'openapi' or 'swagger' version key "
                         f"at the top)")
    if not isinstance(data.get("paths", {}), dict):
        raise InputError(f"{where}: 'paths' is not an object")
    return data


def _parse_yaml(text: str, where: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"line {mark.line + 1}: " if mark is not None else ""
        raise InputError(f"{where}: {line}{exc.problem or exc} (YAML)") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{where}: {exc} (YAML)") from None


def _read_file(path: Path) -> Document:
    try:
        raw = path.read_bytes()[:MAX_DOCUMENT_BYTES + 1]
    except OSError as exc:
        raise InputError(f"{path}: cannot read the OpenAPI document ({exc.strerror or exc})") from None
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise InputError(f"{path}: larger than {MAX_DOCUMENT_BYTES // 2**20} MB, not an OpenAPI document "
                         f"to test")
    text = raw.decode("utf-8", errors="replace")
    return Document(parse(text, str(path), yaml_first=path.suffix in (".yaml", ".yml")), str(path))


def _fetch(client: Any, url: str, configured: bool) -> Document | None:
    """The document at *url*; None when the app has none there (not 200, or a page whose media type is no
    JSON or YAML (:func:`document_syntax`), as a single-page app answers every path). A configured URL
    must answer one."""
    import httpx

    try:
        response = client.get(url)
    except httpx.HTTPError as exc:
        if configured:
            raise InputError(f"{url}: cannot fetch the OpenAPI document ({type(exc).__name__})") from None
        return None
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    syntax = document_syntax(kind)
    if response.status_code != 200 or (syntax is None and not response.text.lstrip().startswith("{")):
        if configured:
            raise InputError(f"{url}: answered {response.status_code} ({kind or 'no content type'}), "
                             f"not an OpenAPI document")
        return None
    return Document(parse(response.text, url, yaml_first=syntax == "yaml"), url)


def document_syntax(media_type: str) -> str | None:
    """"json" or "yaml" for a media type (lower case, no parameters) a document may come as, else None.

    The OpenAPI media types count (drf-spectacular's defaults: ``application/vnd.oai.openapi`` is YAML,
    ``application/vnd.oai.openapi+json`` JSON), as does any ``+json`` or ``+yaml`` suffix and any type
    naming json or yaml (``application/json``, ``text/yaml``, ``application/x-yaml``)."""
    if "json" in media_type:
        return "json"
    if "yaml" in media_type or media_type == OPENAPI_YAML:
        return "yaml"
    return None


def find_documents(settings: ApiSettings, ctx: PhaseContext, base_url: str, client: Any, allowed: Any,
                   headers: dict[str, str] | None = None) -> Search:
    """Look for the OpenAPI document and the GraphQL schema as the module docstring says; *client* an
    httpx client, *allowed* a predicate on URLs (the host allow-list), *headers* sent with the
    introspection query (the login's: an app may answer it only to a user). Raises InputError for a
    document that does not parse or a configured endpoint that answers none, ConfigError for a
    configured URL on a host that is not allowed or a configured file that does not exist. With only
    one of ``openapi`` and ``graphql`` configured, the other is not looked for."""
    search = Search()
    if settings.openapi or not settings.graphql:
        openapi = _find_openapi(settings, ctx, base_url, client, allowed, search.tried)
        if openapi is not None:
            search.documents.append(openapi)
    if settings.graphql or not settings.openapi:
        schema = _find_graphql(settings, ctx, base_url, client, allowed, search.tried, headers or {})
        if schema is not None:
            search.documents.append(schema)
    return search


def _configured_url(value: str, key: str, ctx: PhaseContext, base_url: str, allowed: Any) -> str:
    """The URL of a configured path on the app (``/openapi.json``) or URL; ConfigError for one whose host
    is not allowed."""
    url = urljoin(base_url.rstrip("/") + "/", value.lstrip("/")) if value.startswith("/") else value
    if not allowed(url):
        raise ConfigError(f"{ctx.source}: 'api.{key}' {url}: host {urlsplit(url).hostname} is "
                          f"not in api.allow_hosts")
    return url


def _find_graphql(settings: ApiSettings, ctx: PhaseContext, base_url: str, client: Any, allowed: Any,
                  tried: list[str], headers: dict[str, str]) -> Document | None:
    configured = settings.graphql
    if configured:
        if not (urlsplit(configured).scheme in ("http", "https") or configured.startswith("/")):
            raise ConfigError(f"{ctx.source}: 'api.graphql' {configured}: not a path on the app (/graphql) "
                              f"or an http(s) URL")
        url = _configured_url(configured, "graphql", ctx, base_url, allowed)
        tried.append(url)
        return _introspect(client, url, headers, configured=True)
    for candidate in GRAPHQL_PATHS:
        url = base_url.rstrip("/") + candidate
        tried.append(url)
        found = _introspect(client, url, headers, configured=False)
        if found is not None:
            return found
    return None


def _introspect(client: Any, url: str, headers: dict[str, str], configured: bool) -> Document | None:
    """The GraphQL schema at *url*, from its answer to the introspection query (a POST of
    ``{"query": ...}``, as schemathesis's ``from_url`` sends it); None when *url* gives none (not 200,
    not JSON, no ``data.__schema``: no GraphQL endpoint there). A configured URL must give one:
    InputError naming it and what it answered (a server that turned introspection off says so in its
    ``errors``)."""
    import httpx

    try:
        from graphql import get_introspection_query  # graphql-core, which schemathesis requires
    except ImportError:
        raise RunError("api: schemathesis is not installed: pip install 'echotune-ci[api]'") from None
    try:
        response = client.post(url, json={"query": get_introspection_query()}, headers=headers)
    except httpx.HTTPError as exc:
        if configured:
            raise InputError(f"{url}: cannot ask the GraphQL endpoint for its schema "
                             f"({type(exc).__name__})") from None
        return None
    try:
        answer = response.json() if len(response.content) <= MAX_DOCUMENT_BYTES else None
    except ValueError:
        answer = None
    data = answer.get("data") if isinstance(answer, dict) else None
    if response.status_code == 200 and isinstance(data, dict) and isinstance(data.get("__schema"), dict):
        return Document(data, url, kind="graphql")
    if not configured:
        return None
    if len(response.content) > MAX_DOCUMENT_BYTES:
        raise InputError(f"{url}: the answer to the introspection query is larger than "
                         f"{MAX_DOCUMENT_BYTES // 2**20} MB, not a GraphQL schema to test (api.graphql)")
    errors = answer.get("errors") if isinstance(answer, dict) else None
    said = ""
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        said = f': "{str(errors[0].get("message", ""))[:160]}"'
    kind = response.headers.get("content-type", "").split(";")[0].strip() or "no content type"
    raise InputError(f"{url}: answered the introspection query with {response.status_code} ({kind}){said}, "
                     f"not a GraphQL schema (api.graphql; a server with introspection turned off, as Apollo "
                     f"Server under NODE_ENV=production, has to allow it for the test)")


def _find_openapi(settings: ApiSettings, ctx: PhaseContext, base_url: str, client: Any, allowed: Any,
                  tried: list[str]) -> Document | None:
    configured = settings.openapi
    if configured:
        if urlsplit(configured).scheme in ("http", "https") or configured.startswith("/"):
            url = _configured_url(configured, "openapi", ctx, base_url, allowed)
            tried.append(url)
            return _fetch(client, url, configured=True)
        path = ctx.resolve(configured)
        tried.append(str(path))
        if not path.is_file():
            raise ConfigError(f"{ctx.source}: 'api.openapi' {path}: no such file")
        return _read_file(path)
    for candidate in DISCOVER_PATHS:
        url = base_url.rstrip("/") + candidate
        tried.append(url)
        document = _fetch(client, url, configured=False)
        if document is not None:
            return document
    for name in REPOSITORY_FILES:
        path = ctx.base_dir / name
        tried.append(str(path))
        if path.is_file():
            return _read_file(path)
    return None
