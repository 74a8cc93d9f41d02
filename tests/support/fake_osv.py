"""A strict local stand-in for the OSV API (https://google.github.io/osv.dev/api/).

Endpoints: ``POST /v1/query``, ``POST /v1/querybatch`` and
``GET /v1/vulns/{id}``, answering from OSV records on disk: one or more
folders in the ``vulns/<package>/*.yaml|json`` layout (the PyPA advisory
database for PyPI, ``../shared/advisory-db-npm`` for npm). It rejects what
api.osv.dev rejects, with its gRPC-gateway error bodies
``{"code": N, "message": ...}``: a body that is not JSON or has unknown
fields (400, code 3), a query without a package or commit, a version
without a package, an ecosystem name OSV does not know (names are
case-sensitive: ``npm``, ``PyPI``), more than 1000 batch queries, a page
token it did not hand out for that very query, an unknown vulnerability id
(404, code 5), a wrong method (405) or path (404). Matching is independent
of the code under test: PyPI records by their enumerated ``versions``
lists, npm records with node-semver itself (``semver.satisfies(v,
vulnerable_versions, {includePrerelease: true})``, what npm audit does).

Paging: with ``page_size`` set, a batch result holds at most that many
vulns and a ``next_page_token``; the client asks the same query again with
``page_token`` for the rest (as api.osv.dev does past 1000 vulns). Faults
are injected with :meth:`FakeOsv.fail`; every call is recorded.

    with FakeOsv(ADVISORY_DB, NPM_ADVISORY_DB) as osv:
        osv.url          # http://127.0.0.1:PORT
        osv.page_size = 1
        osv.fail(503)    # every further request answers 503
        osv.calls        # [(method, path, body), ...]
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from support import local_server
from support.node_semver import range_of_events, satisfies

BATCH_LIMIT = 1000
# Ecosystem names OSV knows (a few; case matters): others are refused like api.osv.dev refuses them.
KNOWN_ECOSYSTEMS = {"PyPI", "npm", "Go", "Maven", "crates.io", "RubyGems", "NuGet", "Packagist", "Pub", "Hex"}
_QUERY_FIELDS = {"commit", "version", "package", "page_token"}
_PACKAGE_FIELDS = {"name", "ecosystem", "purl"}


class OsvError(Exception):
    def __init__(self, http_status: int, code: int, message: str):
        super().__init__(message)
        self.http_status = http_status
        self.body = {"code": code, "message": message}


def _invalid(message: str) -> OsvError:
    return OsvError(400, 3, message)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


class FakeOsv:
    def __init__(self, *advisory_dbs: Path):
        self.records: dict[str, dict[str, Any]] = {}
        self.by_package: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._dbs = [Path(db) / "vulns" for db in advisory_dbs]
        self.calls: list[tuple[str, str, Any]] = []
        self.failure: int | None = None
        self.page_size: int | None = None
        self._tokens: dict[str, tuple[str, str, str | None, int]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- records -----------------------------------------------------------

    @staticmethod
    def _key(ecosystem: str, name: str) -> str:
        return _canonical(name) if ecosystem == "PyPI" else name

    def _folders(self, ecosystem: str, name: str) -> list[Path]:
        out = []
        for db in self._dbs:
            if not db.is_dir():
                continue
            if ecosystem == "PyPI":
                out += [p for p in db.iterdir() if p.is_dir() and _canonical(p.name) == _canonical(name)]
            elif (db / name).is_dir():
                out.append(db / name)
        return out

    def _package_records(self, ecosystem: str, name: str) -> list[dict[str, Any]]:
        key = (ecosystem, self._key(ecosystem, name))
        with self._lock:
            if key not in self.by_package:
                loaded = []
                for folder in self._folders(ecosystem, name):
                    for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.json")]):
                        text = path.read_text(encoding="utf-8")
                        record = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
                        if any(self._mine(a, ecosystem, name) for a in record.get("affected", [])):
                            self.records[record["id"]] = record
                            loaded.append(record)
                self.by_package[key] = loaded
            return self.by_package[key]

    def _mine(self, affected: dict[str, Any], ecosystem: str, name: str) -> bool:
        pkg = affected.get("package", {})
        return pkg.get("ecosystem") == ecosystem and self._key(ecosystem, pkg.get("name", "")) == \
            self._key(ecosystem, name)

    def matching_many(self, queries: list[tuple[str, str, str | None]]) -> list[list[dict[str, Any]]]:
        """The records affecting each (ecosystem, name, version); npm decided by node-semver in one go."""
        plans: list[list[tuple[dict[str, Any], str | None]]] = []
        npm_pairs: list[tuple[str, str]] = []
        for ecosystem, name, version in queries:
            plan: list[tuple[dict[str, Any], str | None]] = []
            for record in self._package_records(ecosystem, name) if name else []:
                affected = next(a for a in record["affected"] if self._mine(a, ecosystem, name))
                if version is None:
                    plan.append((record, None))
                elif ecosystem == "npm":
                    rng = (affected.get("database_specific") or {}).get("vulnerable_versions") \
                        or range_of_events(affected)
                    npm_pairs.append((version, rng))
                    plan.append((record, "npm"))
                elif version in [str(v) for v in affected.get("versions", [])]:
                    plan.append((record, None))
            plans.append(plan)
        answers = iter(satisfies(npm_pairs))
        return [[record for record, how in plan if how is None or next(answers)] for plan in plans]

    def matching(self, name: str, version: str | None, ecosystem: str = "PyPI") -> list[dict[str, Any]]:
        return self.matching_many([(ecosystem, name, version)])[0]

    # -- API ---------------------------------------------------------------

    def _check_query(self, query: Any, where: str) -> tuple[str, str, str | None]:
        if not isinstance(query, dict):
            raise _invalid(f"Invalid value at '{where}' (type.googleapis.com/osv.v1.Query)")
        unknown = set(query) - _QUERY_FIELDS
        if unknown:
            raise _invalid(f'Invalid JSON payload received. Unknown name "{sorted(unknown)[0]}" '
                           f"at '{where}': Cannot find field.")
        package = query.get("package")
        if "commit" in query:
            if "version" in query:
                raise _invalid("Invalid query: cannot specify both a commit and a version.")
            return "", "", None
        if not isinstance(package, dict):
            raise _invalid("Invalid query: a package (or a commit) is required.")
        unknown = set(package) - _PACKAGE_FIELDS
        if unknown:
            raise _invalid(f'Invalid JSON payload received. Unknown name "{sorted(unknown)[0]}" at '
                           f"'{where}.package': Cannot find field.")
        name, ecosystem = package.get("name"), package.get("ecosystem")
        if not isinstance(name, str) or not name:
            raise _invalid("Invalid query: a package name is required.")
        if ecosystem not in KNOWN_ECOSYSTEMS:
            raise _invalid(f"Invalid ecosystem: {ecosystem!r}.")
        version = query.get("version")
        if version is not None and not isinstance(version, str):
            raise _invalid(f"Invalid value at '{where}.version' (TYPE_STRING)")
        token = query.get("page_token")
        if token is not None and not isinstance(token, str):
            raise _invalid(f"Invalid value at '{where}.page_token' (TYPE_STRING)")
        return ecosystem, name, version

    def query(self, body: Any) -> dict[str, Any]:
        ecosystem, name, version = self._check_query(body, "")
        vulns = self.matching(name, version, ecosystem) if name else []
        return {"vulns": vulns} if vulns else {}

    def _page(self, query: dict[str, Any], key: tuple[str, str, str | None],
              vulns: list[dict[str, Any]]) -> dict[str, Any]:
        """One batch result: the page the query's token asks for (the first without one)."""
        start = 0
        token = query.get("page_token")
        with self._lock:
            if token is not None:
                issued = self._tokens.pop(token, None)
                if issued is None or issued[:3] != key:
                    raise _invalid("Invalid page token.")
                start = issued[3]
            size = self.page_size or len(vulns) or 1
            page = vulns[start:start + size]
            out: dict[str, Any] = {"vulns": [{"id": v["id"], "modified": v.get("modified", "")}
                                             for v in page]} if page else {}
            if start + size < len(vulns):
                fresh = secrets.token_urlsafe(12)
                self._tokens[fresh] = (*key, start + size)
                out["next_page_token"] = fresh
        return out

    def querybatch(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or set(body) - {"queries"}:
            extra = sorted(set(body) - {"queries"})[0] if isinstance(body, dict) else "(root)"
            raise _invalid(f'Invalid JSON payload received. Unknown name "{extra}": Cannot find field.')
        queries = body.get("queries")
        if not isinstance(queries, list):
            raise _invalid("Invalid value at 'queries': a list of queries is required.")
        if len(queries) > BATCH_LIMIT:
            raise _invalid(f"Too many queries: at most {BATCH_LIMIT} per batch.")
        keys = [self._check_query(query, f"queries[{i}]") for i, query in enumerate(queries)]
        found = self.matching_many(keys)
        return {"results": [self._page(q, k, v) for q, k, v in zip(queries, keys, found, strict=True)]}

    def vuln(self, ident: str) -> dict[str, Any]:
        record = self.records.get(ident)
        if record is None:
            for db in self._dbs:
                hits = [*db.glob(f"*/{ident}.yaml"), *db.glob(f"*/{ident}.json")] if db.is_dir() else []
                for path in hits:
                    text = path.read_text(encoding="utf-8")
                    record = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
                    self.records[ident] = record
                    break
                if record is not None:
                    break
        if record is None:
            raise OsvError(404, 5, "Bug not found.")
        return record

    def fail(self, status: int | None) -> None:
        """Answer every further request with *status* (None: stop failing)."""
        self.failure = status

    # -- server ------------------------------------------------------------

    def __enter__(self) -> FakeOsv:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body, default=str).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _body(self) -> Any:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    return json.loads(raw or b"{}")
                except (ValueError, UnicodeDecodeError):
                    raise _invalid("Invalid JSON payload received. Unexpected token.") from None

            def _handle(self, method: str) -> None:
                path = self.path.split("?", 1)[0]
                body = None
                try:
                    if method == "POST":
                        body = self._body()
                    fake.calls.append((method, path, body))
                    if fake.failure is not None:
                        raise OsvError(fake.failure, 14 if fake.failure >= 500 else 8,
                                       "The service is currently unavailable." if fake.failure >= 500
                                       else "Quota exceeded.")
                    routes = {"/v1/query": fake.query, "/v1/querybatch": fake.querybatch}
                    if path in routes:
                        if method != "POST":
                            raise OsvError(405, 12, "Method Not Allowed")
                        self._send(200, routes[path](body))
                    elif path.startswith("/v1/vulns/") and path.count("/") == 3:
                        if method != "GET":
                            raise OsvError(405, 12, "Method Not Allowed")
                        self._send(200, fake.vuln(path.rsplit("/", 1)[1]))
                    else:
                        raise OsvError(404, 5, "Not Found")
                except OsvError as exc:
                    self._send(exc.http_status, exc.body)

            def do_POST(self) -> None:
                self._handle("POST")

            def do_GET(self) -> None:
                self._handle("GET")

        self._server = local_server.start(Handler)
        return self

    @property
    def url(self) -> str:
        return local_server.url(self._server)

    def __exit__(self, *exc: object) -> None:
        local_server.stop(self._server)
