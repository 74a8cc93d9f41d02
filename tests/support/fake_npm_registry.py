"""A strict local npm registry: what ``npm install``, ``npm audit``, Yarn and pnpm ask of one.

Endpoints (as registry.npmjs.org answers them):

* ``GET /<name>`` and ``GET /@scope%2f<name>``: the packument (full, or the
  abbreviated "corgi" form when asked with ``application/vnd.npm.install-v1+json``);
* ``GET /<name>/-/<base>-<version>.tgz``: a deterministic tarball holding
  ``package/package.json`` (its sha512 is the packument's ``dist.integrity``);
* ``POST /-/npm/v1/security/advisories/bulk``: the bulk advisory endpoint
  of npm 7+. The body is ``{name: [versions]}``, JSON, gzip-compressed when
  sent with ``Content-Encoding: gzip`` (npm does). The answer is
  ``{name: [{id, url, title, severity, vulnerable_versions, cwe, cvss:
  {score, vectorString}}]}`` for the advisories (from an OSV folder such as
  ``../shared/advisory-db-npm``) whose ``vulnerable_versions`` match one of
  the versions sent, decided by node-semver itself.

A body that is not a JSON object of string lists, a wrong method, a
gzip header on a body that is not gzip or a tarball whose version is not
published is refused (400, 405, 404) with npm's ``{"error": ...}`` bodies.
Every request is recorded in ``calls`` (method, path, headers, body).

    with FakeNpmRegistry(PACKAGES, advisory_db=NPM_DB) as registry:
        registry.url        # http://127.0.0.1:PORT/
"""

from __future__ import annotations

import gzip
import hashlib
import base64
import io
import json
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from support import local_server
from support.node_semver import range_of_events, satisfies

CORGI = "application/vnd.npm.install-v1+json"
_TIME = "2020-01-01T00:00:00.000Z"


def tarball(name: str, version: str, manifest: dict[str, Any]) -> bytes:
    """A reproducible .tgz with package/package.json (fixed times, owner and gzip header)."""
    data = json.dumps({"name": name, "version": version, **manifest}, indent=2).encode()
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo("package/package.json")
        info.size, info.mtime, info.mode = len(data), 499162500, 0o644
        tar.addfile(info, io.BytesIO(data))
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


def _npm_severity(score: float | None) -> str:
    if score is None:
        return "moderate"
    return "critical" if score >= 9 else "high" if score >= 7 else "moderate" if score >= 4 else "low"


class RegistryError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class FakeNpmRegistry:
    """*packages*: ``{name: {version: {"dependencies": {...}, ...}}}`` (manifest fields of each version);
    *advisory_db*: an OSV folder whose npm records the bulk endpoint answers from."""

    def __init__(self, packages: dict[str, dict[str, dict[str, Any]]], advisory_db: Path | None = None):
        self.packages = packages
        self.advisory_db = Path(advisory_db) if advisory_db else None
        self.calls: list[tuple[str, str, dict[str, str], Any]] = []
        self.failure: int | None = None
        self._tarballs: dict[tuple[str, str], bytes] = {}
        self._server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()

    # -- data --------------------------------------------------------------

    def _tarball(self, name: str, version: str) -> bytes:
        with self._lock:
            key = (name, version)
            if key not in self._tarballs:
                self._tarballs[key] = tarball(name, version, self.packages[name][version])
            return self._tarballs[key]

    def packument(self, name: str, corgi: bool) -> dict[str, Any]:
        versions = self.packages.get(name)
        if not versions:
            raise RegistryError(404, "Not found")
        docs = {}
        for version, manifest in versions.items():
            data = self._tarball(name, version)
            base = name.rsplit("/", 1)[-1]
            docs[version] = {
                "name": name, "version": version, **manifest,
                "dist": {"tarball": f"{self.url}{name}/-/{base}-{version}.tgz",
                         "shasum": hashlib.sha1(data).hexdigest(),  # nosec B324 - npm's own field
                         "integrity": "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()},
            }
            if not corgi:
                docs[version]["_id"] = f"{name}@{version}"
        latest = max(versions, key=lambda v: tuple(int(p) for p in v.split("-")[0].split(".")))
        doc: dict[str, Any] = {"name": name, "dist-tags": {"latest": latest}, "versions": docs,
                               "modified": _TIME}
        if not corgi:
            doc["time"] = {"created": _TIME, "modified": _TIME, **{v: _TIME for v in versions}}
            doc["_id"] = name
        return doc

    def _records(self, name: str) -> list[dict[str, Any]]:
        if self.advisory_db is None:
            return []
        folder = self.advisory_db / "vulns" / name
        if not folder.is_dir():
            return []
        out = []
        for path in sorted(folder.glob("*.json")):
            record = json.loads(path.read_text(encoding="utf-8"))
            if any(a.get("package", {}).get("ecosystem") == "npm" and a["package"].get("name") == name
                   for a in record.get("affected", [])):
                out.append(record)
        return out

    def bulk(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or not all(
                isinstance(k, str) and isinstance(v, list) and all(isinstance(x, str) for x in v)
                for k, v in body.items()):
            raise RegistryError(400, "Invalid package tree, run  npm install  to rebuild your "
                                     "package-lock.json")
        candidates = []
        for name, versions in sorted(body.items()):
            for record in self._records(name):
                affected = next(a for a in record["affected"] if a["package"].get("name") == name)
                vulnerable = (affected.get("database_specific") or {}).get("vulnerable_versions") \
                    or range_of_events(affected)
                candidates.append((name, versions, record, vulnerable))
        pairs = [(v, rng) for name, versions, _, rng in candidates for v in versions]
        answers = iter(satisfies(pairs))
        out: dict[str, list[dict[str, Any]]] = {}
        for name, versions, record, vulnerable in candidates:
            hits = [next(answers) for _ in versions]
            if any(hits):
                out.setdefault(name, []).append(self._advisory(record, vulnerable))
        return out

    @staticmethod
    def _advisory(record: dict[str, Any], vulnerable: str) -> dict[str, Any]:
        vectors = [s["score"] for s in record.get("severity", []) if s.get("type", "").startswith("CVSS")]
        vector = vectors[0] if vectors else None
        score = (record.get("database_specific") or {}).get("cvss_score")
        number = int(record["id"].rsplit("-", 1)[-1]) if record["id"][-1:].isdigit() else 0
        return {"id": number, "url": f"https://osv.dev/vulnerability/{record['id']}",
                "title": record.get("summary", ""), "severity": _npm_severity(score),
                "vulnerable_versions": vulnerable, "cwe": [],
                "cvss": {"score": score or 0, "vectorString": vector}}

    def fail(self, status: int | None) -> None:
        """Answer every further request with *status* (None: stop failing)."""
        self.failure = status

    # -- server ------------------------------------------------------------

    def _route(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, str, bytes]:
        if self.failure is not None:
            raise RegistryError(self.failure, "Service Unavailable")
        if path == "/-/npm/v1/security/advisories/bulk":
            if method != "POST":
                raise RegistryError(405, "Method Not Allowed")
            if headers.get("content-encoding", "").lower() == "gzip":
                try:
                    raw = gzip.decompress(raw)
                except (OSError, EOFError):
                    raise RegistryError(400, "Content-Encoding gzip on a body that is not gzip") from None
            try:
                body = json.loads(raw or b"null")
            except ValueError:
                raise RegistryError(400, "Invalid JSON") from None
            self.calls.append((method, path, headers, body))
            return 200, "application/json", json.dumps(self.bulk(body)).encode()
        self.calls.append((method, path, headers, None))
        if method != "GET":
            raise RegistryError(405, "Method Not Allowed")
        if "/-/" in path:
            name, _, file = unquote(path[1:]).partition("/-/")
            base = name.rsplit("/", 1)[-1]
            version = file.removeprefix(f"{base}-").removesuffix(".tgz")
            if name not in self.packages or version not in self.packages[name] or not file.endswith(".tgz"):
                raise RegistryError(404, "Not found")
            return 200, "application/octet-stream", self._tarball(name, version)
        name = unquote(path[1:])
        corgi = CORGI in headers.get("accept", "")
        return 200, "application/json", json.dumps(self.packument(name, corgi)).encode()

    def __enter__(self) -> FakeNpmRegistry:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    status, kind, data = fake._route(method, self.path.split("?", 1)[0], headers, raw)
                except RegistryError as exc:
                    status, kind = exc.status, "application/json"
                    data = json.dumps({"error": str(exc)}).encode()
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if method != "HEAD":
                    self.wfile.write(data)

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

            def do_PUT(self) -> None:
                self._handle("PUT")

            def do_HEAD(self) -> None:
                self._handle("HEAD")

        self._server = local_server.start(Handler)
        return self

    @property
    def url(self) -> str:
        return local_server.url(self._server) + "/"

    def __exit__(self, *exc: object) -> None:
        local_server.stop(self._server)


# The packages of the lockfile fixtures (tests/fixtures/lockfiles): real names and versions with real
# advisories in ../shared/advisory-db-npm, dependencies trimmed to a small tree.
FIXTURE_PACKAGES: dict[str, dict[str, dict[str, Any]]] = {
    "body-parser": {"1.0.0": {"dependencies": {"qs": "~0.6.6", "raw-body": "1.1.2"}}},
    "qs": {"0.6.6": {}},
    "raw-body": {"1.1.2": {"dependencies": {"bytes": "0.2.1"}}},
    "bytes": {"0.2.1": {}},
    "jsonwebtoken": {"4.2.1": {"dependencies": {"jws": "^3.0.0"}}},
    "jws": {"3.0.0": {"dependencies": {"base64url": "^3.0.0"}}},
    "base64url": {"3.0.0": {}},
    "lodash": {"4.17.15": {}, "4.17.21": {}},
    "ws": {"1.1.5": {}},
    "marked": {"0.3.5": {}},
    "debug": {"2.0.0": {"dependencies": {"ms": "0.6.2"}}},
    "ms": {"0.6.2": {}, "2.0.0": {}},
}

FIXTURE_MANIFEST: dict[str, Any] = {
    "name": "fixture-app",
    "version": "1.0.0",
    "private": True,
    "dependencies": {"body-parser": "1.0.0", "jsonwebtoken": "^4.2.1", "lodash": "^4.17.21",
                     "my-lodash": "npm:lodash@4.17.15", "ws": "^1.1.1", "local-lib": "file:./local-lib"},
    "devDependencies": {"marked": "^0.3.5", "debug": "2.0.0", "ms": "^2.0.0"},
}
