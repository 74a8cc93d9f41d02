"""A strict local stand-in for the OSV API (https://google.github.io/osv.dev/api/).

Endpoints: ``POST /v1/query``, ``POST /v1/querybatch`` and
``GET /v1/vulns/{id}``, answering from OSV records on disk (a PyPA
advisory-database folder). It rejects what api.osv.dev rejects, with its
gRPC-gateway error bodies ``{"code": N, "message": ...}``: a body that is not
JSON or has unknown fields (400, code 3), a query without a package or
commit, a version without a package, more than 1000 batch queries, an unknown
vulnerability id (404, code 5), a wrong method (405) or path (404). Matching
uses the records' enumerated ``versions`` lists, independent of the code
under test. Faults are injected with :meth:`FakeOsv.fail`; every call is
recorded.

    with FakeOsv(ADVISORY_DB) as osv:
        osv.url          # http://127.0.0.1:PORT
        osv.fail(503)    # every further request answers 503
        osv.calls        # [(method, path, body), ...]
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

BATCH_LIMIT = 1000
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
    def __init__(self, advisory_db: Path):
        self.records: dict[str, dict[str, Any]] = {}
        self.by_package: dict[str, list[dict[str, Any]]] = {}
        self._db = Path(advisory_db) / "vulns"
        self.calls: list[tuple[str, str, Any]] = []
        self.failure: int | None = None
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- records -----------------------------------------------------------

    def _package_records(self, name: str) -> list[dict[str, Any]]:
        name = _canonical(name)
        with self._lock:
            if name not in self.by_package:
                folder = next((p for p in self._db.iterdir() if _canonical(p.name) == name), None) \
                    if self._db.is_dir() else None
                loaded = []
                for path in sorted(folder.glob("*.yaml")) if folder else []:
                    record = yaml.safe_load(path.read_text(encoding="utf-8"))
                    self.records[record["id"]] = record
                    loaded.append(record)
                self.by_package[name] = loaded
            return self.by_package[name]

    def matching(self, name: str, version: str | None) -> list[dict[str, Any]]:
        out = []
        for record in self._package_records(name):
            for affected in record.get("affected", []):
                pkg = affected.get("package", {})
                if pkg.get("ecosystem") != "PyPI" or _canonical(pkg.get("name", "")) != _canonical(name):
                    continue
                if version is None or version in [str(v) for v in affected.get("versions", [])]:
                    out.append(record)
                    break
        return out

    # -- API ---------------------------------------------------------------

    def _check_query(self, query: Any, where: str) -> tuple[str, str | None]:
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
            return "", None
        if not isinstance(package, dict):
            raise _invalid("Invalid query: a package (or a commit) is required.")
        unknown = set(package) - _PACKAGE_FIELDS
        if unknown:
            raise _invalid(f'Invalid JSON payload received. Unknown name "{sorted(unknown)[0]}" at '
                           f"'{where}.package': Cannot find field.")
        name, ecosystem = package.get("name"), package.get("ecosystem")
        if not isinstance(name, str) or not name:
            raise _invalid("Invalid query: a package name is required.")
        if ecosystem != "PyPI":
            raise _invalid(f"Invalid ecosystem: {ecosystem!r} (this stand-in holds PyPI only).")
        version = query.get("version")
        if version is not None and not isinstance(version, str):
            raise _invalid(f"Invalid value at '{where}.version' (TYPE_STRING)")
        return name, version

    def query(self, body: Any) -> dict[str, Any]:
        name, version = self._check_query(body, "")
        vulns = self.matching(name, version) if name else []
        return {"vulns": vulns} if vulns else {}

    def querybatch(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or set(body) - {"queries"}:
            extra = sorted(set(body) - {"queries"})[0] if isinstance(body, dict) else "(root)"
            raise _invalid(f'Invalid JSON payload received. Unknown name "{extra}": Cannot find field.')
        queries = body.get("queries")
        if not isinstance(queries, list):
            raise _invalid("Invalid value at 'queries': a list of queries is required.")
        if len(queries) > BATCH_LIMIT:
            raise _invalid(f"Too many queries: at most {BATCH_LIMIT} per batch.")
        results = []
        for i, query in enumerate(queries):
            name, version = self._check_query(query, f"queries[{i}]")
            vulns = self.matching(name, version) if name else []
            results.append({"vulns": [{"id": v["id"], "modified": v.get("modified", "")} for v in vulns]}
                           if vulns else {})
        return {"results": results}

    def vuln(self, ident: str) -> dict[str, Any]:
        record = self.records.get(ident)
        if record is None:
            for folder in self._db.iterdir():
                if (folder / f"{ident}.yaml").is_file():
                    self._package_records(folder.name)
                    record = self.records.get(ident)
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

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
