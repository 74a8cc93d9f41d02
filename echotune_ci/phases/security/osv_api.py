"""A client of the OSV API (https://google.github.io/osv.dev/api/) for lockfile audits.

``POST /v1/querybatch`` with at most 1000 queries per request answers, per
query, the ids of the advisories that affect that package version (and a
``next_page_token`` when there are more: that query is asked again with
``page_token`` until none comes back); ``GET /v1/vulns/{id}`` then gives
each full record, fetched once per run. Requests go through the project's
retry policy (:mod:`echotune_ci.net.retry`: connection errors, 429 and 5xx
are tried again, ``Retry-After`` honoured); a service that stays down, an
HTTP error or an answer that is not OSV JSON is a RunError (exit 3), never
"no vulnerabilities".
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ...errors import InputError, RunError
from ...net.retry import Retry, RetryPolicy, parse_retry_after, with_retries
from .osv import osv_urls

DEFAULT_URL = "https://api.osv.dev"
BATCH_LIMIT = 1000  # queries per /v1/querybatch request (api.osv.dev refuses more)
MAX_ROUNDS = 50  # pages followed for one query before the answer is taken for a loop
_FETCHERS = 8


@dataclass(frozen=True)
class Query:
    """One package version to ask about."""

    ecosystem: str
    name: str
    version: str


def _as_json(response: Any, where: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise RunError(f"{where}: answered something that is not OSV JSON "
                       f"({response.text[:100].strip()!r})") from None


class OsvApi:
    """The OSV API at *url* (a base URL, ``.../v1`` or ``.../v1/query``); *timeout* in seconds per
    request. Counts its requests in ``requests``; use as a context manager (closes the connections)."""

    def __init__(self, url: str, timeout: float, *, policy: RetryPolicy | None = None):
        import httpx

        if not url.startswith(("http://", "https://")):
            raise InputError(f"--osv-url {url!r}: expected an http(s) URL")
        _query, batch = osv_urls(url)
        self.base = batch[: -len("/querybatch")]
        self.label = f"OSV API {url}"
        self.policy = policy or RetryPolicy(max_attempts=3, backoff=0.5, max_backoff=4.0, max_wait=30.0)
        self.requests = 0
        self._httpx = httpx
        self._client = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),
                                    headers={"Accept": "application/json", "User-Agent": "echotune-ci"},
                                    follow_redirects=False)
        self._records: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def __enter__(self) -> OsvApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- requests ----------------------------------------------------------

    def _request(self, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
        """One request with retries; its JSON. RunError when it cannot be had."""
        httpx = self._httpx
        tries = 0

        def once() -> Any:
            nonlocal tries
            tries += 1
            with self._lock:
                self.requests += 1
            response = self._client.request(method, url, json=body)
            if response.status_code == 429 or response.status_code >= 500:
                raise _Retryable(f"HTTP {response.status_code} from {url}: {_message(response)}",
                                 parse_retry_after(response.headers.get("Retry-After")))
            if response.status_code != 200:
                raise RunError(f"{self.label}: HTTP {response.status_code} from {url}: {_message(response)}")
            return _as_json(response, self.label)

        def classify(exc: Exception) -> Retry | None:
            if isinstance(exc, _Retryable):
                return Retry(str(exc), exc.retry_after)
            if isinstance(exc, httpx.TimeoutException):
                return Retry(f"no answer from {url} within the timeout")
            if isinstance(exc, httpx.TransportError):
                return Retry(f"unreachable ({type(exc).__name__}: {exc})")
            return None

        def give_up(retry: Retry, attempts: int, wait: float | None) -> Exception:
            why = f"; Retry-After {wait:.0f}s is too long" if wait is not None else ""
            return RunError(f"{self.label}: {retry.reason} ({attempts} attempts{why})")

        return with_retries(once, self.policy, classify=classify, give_up=give_up)

    def affected(self, queries: Sequence[Query]) -> dict[Query, list[str]]:
        """The ids of the advisories affecting each of *queries* (every page), in the order answered."""
        found: dict[Query, list[str]] = {q: [] for q in queries}
        pending: list[tuple[Query, str | None]] = [(q, None) for q in found]
        rounds = 0
        while pending:
            rounds += 1
            if rounds > MAX_ROUNDS:
                raise RunError(f"{self.label}: still paging after {MAX_ROUNDS} rounds of /v1/querybatch")
            following: list[tuple[Query, str | None]] = []
            for start in range(0, len(pending), BATCH_LIMIT):
                chunk = pending[start:start + BATCH_LIMIT]
                body = {"queries": [_query(q, token) for q, token in chunk]}
                results = self._request("POST", f"{self.base}/querybatch", body)
                results = results.get("results") if isinstance(results, dict) else None
                if not isinstance(results, list) or len(results) != len(chunk):
                    raise RunError(f"{self.label}: /v1/querybatch answered "
                                   f"{len(results) if isinstance(results, list) else 'no'} results for "
                                   f"{len(chunk)} queries")
                for (query, _token), result in zip(chunk, results, strict=True):
                    ids, token = _result(result, self.label)
                    found[query].extend(i for i in ids if i not in found[query])
                    if token:
                        following.append((query, token))
            pending = following
        return found

    def record(self, ident: str) -> dict[str, Any]:
        """The full OSV record *ident* (``GET /v1/vulns/{id}``), fetched once per client."""
        with self._lock:
            cached = self._records.get(ident)
        if cached is not None:
            return cached
        record = self._request("GET", f"{self.base}/vulns/{quote(ident, safe='')}")
        if not isinstance(record, dict) or record.get("id") != ident:
            raise RunError(f"{self.label}: /v1/vulns/{ident} answered something that is not its OSV record")
        with self._lock:
            self._records[ident] = record
        return record

    def records(self, idents: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The records of *idents*, fetched a few at a time."""
        unique = list(dict.fromkeys(idents))
        if not unique:
            return {}
        with ThreadPoolExecutor(max_workers=min(_FETCHERS, len(unique))) as pool:
            return dict(zip(unique, pool.map(self.record, unique), strict=True))


class _Retryable(Exception):
    def __init__(self, message: str, retry_after: float | None):
        super().__init__(message)
        self.retry_after = retry_after


def _message(response: Any) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:200].strip() or response.reason_phrase
    if isinstance(data, dict) and data.get("message"):
        return str(data["message"])[:200]
    return response.text[:200].strip()


def _query(query: Query, token: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {"package": {"name": query.name, "ecosystem": query.ecosystem},
                           "version": query.version}
    if token:
        out["page_token"] = token
    return out


def _result(result: Any, label: str) -> tuple[list[str], str]:
    """(advisory ids, next page token) of one batch result; RunError when it is not one."""
    if not isinstance(result, dict):
        raise RunError(f"{label}: /v1/querybatch answered a result that is not an object")
    vulns = result.get("vulns") or []
    if not isinstance(vulns, list) or not all(isinstance(v, dict) and isinstance(v.get("id"), str)
                                              for v in vulns):
        raise RunError(f"{label}: /v1/querybatch answered vulns without ids")
    return [v["id"] for v in vulns], str(result.get("next_page_token") or "")
