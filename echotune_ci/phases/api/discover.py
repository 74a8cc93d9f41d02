"""Finding the app's OpenAPI document and reading it.

Where it comes from, in order: ``[api] openapi`` (a path on the app, a URL
on an allowed host, or a file relative to the config file), else the first
of ``DISCOVER_PATHS`` the app answers with a document, else the first of
``REPOSITORY_FILES`` in the config file's folder. A document that does not
parse is the user's to fix: InputError (exit 2) naming the file or URL and
the parser's line. None found is not an error: the caller warns with the
places tried.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from ...errors import ConfigError, InputError
from ..base import PhaseContext
from .settings import DISCOVER_PATHS, REPOSITORY_FILES, ApiSettings

# A document larger than this is not read (an endpoint streaming forever must not exhaust memory).
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
# The OpenAPI media type (YAML unless a +json suffix says otherwise).
OPENAPI_YAML = "application/vnd.oai.openapi"


@dataclass(frozen=True)
class Document:
    """An OpenAPI document (``data``) and where it was read (``where``: a URL or a file path)."""

    data: dict[str, Any]
    where: str


@dataclass
class Search:
    """The outcome of a search: the document, or None and every place tried (``tried``)."""

    document: Document | None = None
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


def find_document(settings: ApiSettings, ctx: PhaseContext, base_url: str, client: Any,
                  allowed: Any) -> Search:
    """Look for the document as the module docstring says; *client* an httpx client, *allowed* a
    predicate on URLs (the host allow-list). Raises InputError for a document that does not parse,
    ConfigError for a configured URL on a host that is not allowed."""
    search = Search()
    configured = settings.openapi
    if configured:
        if urlsplit(configured).scheme in ("http", "https") or configured.startswith("/"):
            url = urljoin(base_url.rstrip("/") + "/", configured.lstrip("/")) if configured.startswith("/") \
                else configured
            if not allowed(url):
                raise ConfigError(f"{ctx.source}: 'api.openapi' {url}: host {urlsplit(url).hostname} is "
                                  f"not in api.allow_hosts")
            search.tried.append(url)
            search.document = _fetch(client, url, configured=True)
            return search
        path = ctx.resolve(configured)
        search.tried.append(str(path))
        if not path.is_file():
            raise ConfigError(f"{ctx.source}: 'api.openapi' {path}: no such file")
        search.document = _read_file(path)
        return search
    for candidate in DISCOVER_PATHS:
        url = base_url.rstrip("/") + candidate
        search.tried.append(url)
        document = _fetch(client, url, configured=False)
        if document is not None:
            search.document = document
            return search
    for name in REPOSITORY_FILES:
        path = ctx.base_dir / name
        search.tried.append(str(path))
        if path.is_file():
            search.document = _read_file(path)
            return search
    return search
