"""A strict local stand-in for the GitHub REST API (https://docs.github.com/rest).

It speaks GitHub's wire format for the endpoints EchoTune uses and rejects what
GitHub rejects, with GitHub's status codes and error bodies: 401 "Bad
credentials", 404 "Not Found" for unknown repositories, pull requests and
comments, 403 "Resource not accessible by integration" for a token without the
permission, 403 "You must authenticate via a GitHub App." for check runs made
with a personal token, 422 "Validation Failed" for bodies over the limits.
Faults (secondary rate limits with Retry-After, 5xx, a 502 after the write was
done) are injected per route, and every call is recorded.

Adding an endpoint: write a method decorated with ``@route(METHOD, PATH)``
(``{name}`` segments become string arguments) that declares the permission it
needs and returns ``(status, body)``; ``self.json`` is the parsed request body.

    with FakeGitHub() as gh:
        gh.add_token("t0k", login="octo")                 # a user token
        gh.add_token("ghs_x", login="github-actions[bot]", app=True)
        repo = gh.add_repo("octo/app")
        gh.add_pull("octo/app", 7, head_sha="a" * 40)
        gh.fail("POST", r"/issues/7/comments$", 403, secondary=True, retry_after=1)
        Github(base_url=gh.url, auth=Auth.Token("t0k"), retry=None)...
        gh.calls  # [Call(method, path, query, body, status), ...]
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit
from support import local_server

DOCS = "https://docs.github.com/rest"
COMMENT_LIMIT = 65536
CHECK_TEXT_LIMIT = 65535
STATUS_DESCRIPTION_LIMIT = 140
ANNOTATIONS_PER_REQUEST = 50
CONCLUSIONS = ("action_required", "cancelled", "failure", "neutral", "success", "skipped", "stale",
               "timed_out")
CHECK_STATUSES = ("queued", "in_progress", "completed", "waiting", "requested", "pending")
ANNOTATION_LEVELS = ("notice", "warning", "failure")
STATUS_STATES = ("error", "failure", "pending", "success")
API_VERSIONS = ("2022-11-28", "2026-03-10")
SECONDARY_LIMIT_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach "
    "out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000."
)
_SHA = re.compile(r"^[0-9a-f]{40}$")


class ApiError(Exception):
    def __init__(self, status: int, message: str, errors: list[dict[str, Any]] | None = None,
                 doc: str = DOCS):
        super().__init__(message)
        body: dict[str, Any] = {"message": message}
        if errors:
            body["errors"] = errors
        body["documentation_url"] = doc
        if status in (401, 404):
            body["status"] = str(status)
        self.status = status
        self.body = body


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


def validation_failed(resource: str, field_name: str, message: str, code: str = "custom") -> ApiError:
    return ApiError(422, "Validation Failed",
                    [{"resource": resource, "code": code, "field": field_name, "message": message}])


def invalid_request(detail: str) -> ApiError:
    return ApiError(422, f"Invalid request.\n\n{detail}")


_ROUTES: list[tuple[str, re.Pattern[str], str]] = []


def route(method: str, path: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    pattern = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + "$")

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        _ROUTES.append((method, pattern, func.__name__))
        return func

    return register


@dataclass
class Token:
    value: str
    login: str
    app: bool = False  # an installation token such as the Actions GITHUB_TOKEN
    permissions: dict[str, str] = field(default_factory=dict)  # name -> read|write
    user_id: int = 0


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    status: int = 0
    login: str | None = None


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    times: int
    headers: dict[str, str]
    body: dict[str, Any]
    after_acting: bool


@dataclass
class Repo:
    full_name: str
    commits: set[str] = field(default_factory=set)
    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)  # id -> comment (with "_number")
    check_runs: dict[int, dict[str, Any]] = field(default_factory=dict)
    statuses: list[dict[str, Any]] = field(default_factory=list)


ALL_PERMISSIONS = {"contents": "write", "issues": "write", "pull_requests": "write", "checks": "write",
                   "statuses": "write", "metadata": "read"}


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeGitHub:
    def __init__(self) -> None:
        self.tokens: dict[str, Token] = {}
        self.repos: dict[str, Repo] = {}
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        self.barriers: list[tuple[str, re.Pattern[str], threading.Barrier, list[int]]] = []
        self.lock = threading.RLock()
        self._ids = 1000
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ setup

    def add_token(self, value: str, login: str, *, app: bool = False,
                  permissions: dict[str, str] | None = None) -> Token:
        token = Token(value, login, app, dict(ALL_PERMISSIONS if permissions is None else permissions),
                      user_id=self.next_id())
        self.tokens[value] = token
        return token

    def add_repo(self, full_name: str) -> Repo:
        repo = Repo(full_name)
        self.repos[full_name.lower()] = repo
        return repo

    def add_commit(self, full_name: str, sha: str) -> str:
        self.repo(full_name).commits.add(sha)
        return sha

    def add_pull(self, full_name: str, number: int, *, head_sha: str, base_sha: str = "b" * 40,
                 author: str = "contributor", state: str = "open") -> dict[str, Any]:
        repo = self.repo(full_name)
        repo.commits.update({head_sha, base_sha})
        repo.pulls[number] = {"number": number, "head_sha": head_sha, "base_sha": base_sha, "author": author,
                              "state": state}
        return repo.pulls[number]

    def fail(self, method: str, path_regex: str, status: int, *, times: int = 1,
             retry_after: int | None = None, secondary: bool = False, primary: bool = False,
             reset_in: int = 1, after_acting: bool = False, body: dict[str, Any] | None = None) -> None:
        """Answer the next *times* matching requests with *status*.

        ``secondary`` gives GitHub's secondary-rate-limit body, ``primary`` a spent
        hourly quota (X-RateLimit-Remaining: 0, reset in *reset_in* s); ``after_acting``
        performs the request first, then answers with the error (a write that
        happened although the client saw a failure).
        """
        headers = {}
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        if primary:
            # The hourly quota is spent: no Retry-After, the reset time says when to come back.
            headers.update({"X-RateLimit-Remaining": "0", "X-RateLimit-Used": "5000",
                            "X-RateLimit-Reset": str(int(dt.datetime.now().timestamp()) + reset_in)})
            body = body or {"message": "API rate limit exceeded for user ID 1.",
                            "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}
        if body is None:
            if secondary:
                body = {"message": SECONDARY_LIMIT_MESSAGE,
                        "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
                                             "#about-secondary-rate-limits"}
            elif status >= 500:
                body = {"message": "Server Error"}
            else:
                body = {"message": "Error", "documentation_url": DOCS}
        self.faults.append(Fault(method, re.compile(path_regex), status, times, headers, body, after_acting))

    def barrier(self, method: str, path_regex: str, parties: int, timeout: float = 25) -> None:
        """Hold the answers to the first *parties* matching requests until all have been answered, so each
        sees the state from before any of them returned (races made deterministic).

        Up to *timeout* seconds, which must stay below the client's timeout (30 s by default), so a held
        request is not retried as a new one. A test that stages a race between processes raises both
        timeouts. In fresh clones' CI runs the race it stages did not happen three times (one POST instead
        of two) while the barrier held the requests before answering them: once released, the first
        process's list could be answered and its POST stored before the other's list was read, on a
        runner busy enough to leave the second thread unscheduled that long."""
        self.barriers.append((method, re.compile(path_regex), threading.Barrier(parties, timeout=timeout),
                              [parties]))

    # ------------------------------------------------------------------ queries for tests

    def repo(self, full_name: str) -> Repo:
        return self.repos[full_name.lower()]

    def comments(self, full_name: str, number: int) -> list[dict[str, Any]]:
        with self.lock:
            return [self._comment_json(self.repo(full_name), c) for c in
                    sorted(self.repo(full_name).comments.values(), key=lambda c: c["id"])
                    if c["_number"] == number]

    def calls_to(self, method: str, path_regex: str) -> list[Call]:
        pattern = re.compile(path_regex)
        return [c for c in self.calls if c.method == method and pattern.search(c.path)]

    def next_id(self) -> int:
        with self.lock:
            self._ids += 1
            return self._ids

    # ------------------------------------------------------------------ server

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the server first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeGitHub:
        fake = self

        class Handler(_Handler):
            api = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), local_server.quick(Handler))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ dispatch

    def handle(self, method: str, raw_path: str, headers: Any,
               raw_body: bytes) -> tuple[int, dict[str, str], Any]:
        parts = urlsplit(raw_path)
        path, query = parts.path, parse_qs(parts.query)
        call = Call(method, path, query, None)
        with self.lock:
            self.calls.append(call)
        status, extra, body = self._dispatch(call, headers, raw_body)
        call.status = status
        # After the answer is made, not before: held before, the released requests still raced each
        # other's follow-ups (a process answered first could POST before the other's list was read).
        self._wait_at_barrier(call)
        return status, extra, body

    def _dispatch(self, call: Call, headers: Any, raw_body: bytes) -> tuple[int, dict[str, str], Any]:
        try:
            if not headers.get("User-Agent"):
                raise ApiError(403, "Request forbidden by administrative rules. Please make sure your "
                                    "request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required).")
            version = headers.get("X-GitHub-Api-Version")
            if version is not None and version not in API_VERSIONS:
                raise ApiError(400, f"The '{version}' API version is not supported.")
            token = self._authenticate(headers)
            call.login = token.login
            if raw_body:
                if not (headers.get("Content-Type") or "").startswith("application/json"):
                    raise ApiError(415, "Unsupported 'Content-Type' header")
                try:
                    call.body = json.loads(raw_body)
                except ValueError:
                    raise ApiError(400, "Problems parsing JSON") from None
            handler, params = self._find_route(call.method, call.path)
            fault = self._take_fault(call)
            if fault is not None and not fault.after_acting:
                return fault.status, dict(fault.headers), fault.body
            request = _Request(self, token, call, params)
            status, body, extra = getattr(request, handler)(**params)
            if fault is not None:
                return fault.status, dict(fault.headers), fault.body
            return status, extra, body
        except ApiError as err:
            return err.status, {}, err.body

    def _authenticate(self, headers: Any) -> Token:
        auth = headers.get("Authorization") or ""
        scheme, _, value = auth.partition(" ")
        if not auth:
            raise ApiError(401, "Requires authentication")
        if scheme.lower() not in ("token", "bearer") or value not in self.tokens:
            raise ApiError(401, "Bad credentials")
        return self.tokens[value]

    def _find_route(self, method: str, path: str) -> tuple[str, dict[str, str]]:
        for m, pattern, name in _ROUTES:
            match = pattern.match(path)
            if match and m == method:
                return name, match.groupdict()
        raise not_found()

    def _wait_at_barrier(self, call: Call) -> None:
        for method, pattern, barrier, left in self.barriers:
            if method == call.method and pattern.search(call.path):
                with self.lock:
                    if left[0] <= 0:
                        continue
                    left[0] -= 1
                barrier.wait()

    def _take_fault(self, call: Call) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and fault.method == call.method and fault.pattern.search(call.path):
                    fault.times -= 1
                    return fault
        return None

    # ------------------------------------------------------------------ JSON shapes

    def _user_json(self, login: str, user_id: int = 1) -> dict[str, Any]:
        return {"login": login, "id": user_id, "node_id": f"U_{user_id}",
                "type": "Bot" if login.endswith("[bot]") else "User", "url": f"{self.url}/users/{login}",
                "html_url": f"https://github.com/{login}", "site_admin": False}

    def _comment_json(self, repo: Repo, c: dict[str, Any]) -> dict[str, Any]:
        base = f"{self.url}/repos/{repo.full_name}"
        return {
            "id": c["id"], "node_id": f"IC_{c['id']}", "url": f"{base}/issues/comments/{c['id']}",
            "html_url": f"https://github.com/{repo.full_name}/pull/{c['_number']}#issuecomment-{c['id']}",
            "issue_url": f"{base}/issues/{c['_number']}", "body": c["body"],
            "user": self._user_json(c["login"]),
            "created_at": c["created_at"], "updated_at": c["updated_at"], "author_association": "NONE",
        }

    def _pull_json(self, repo: Repo, p: dict[str, Any]) -> dict[str, Any]:
        base = f"{self.url}/repos/{repo.full_name}"
        n = p["number"]
        return {
            "id": 500 + n, "number": n, "state": p["state"], "title": f"Pull request {n}",
            "url": f"{base}/pulls/{n}", "html_url": f"https://github.com/{repo.full_name}/pull/{n}",
            "issue_url": f"{base}/issues/{n}", "comments_url": f"{base}/issues/{n}/comments",
            "user": self._user_json(p["author"]),
            "head": {"sha": p["head_sha"], "ref": f"feature-{n}", "label": f"{p['author']}:feature-{n}"},
            "base": {"sha": p["base_sha"], "ref": "main", "label": "main"},
            "draft": False, "merged": False,
        }

    def _check_run_json(self, repo: Repo, run: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in run.items() if not k.startswith("_")}
        out["url"] = f"{self.url}/repos/{repo.full_name}/check-runs/{run['id']}"
        out["html_url"] = f"https://github.com/{repo.full_name}/runs/{run['id']}"
        output = dict(run.get("output") or {})
        output["annotations_count"] = len(run["_annotations"])
        output.pop("annotations", None)
        out["output"] = output
        return out


class _Request:
    """One request being answered: the token, the parsed body and helpers."""

    def __init__(self, api: FakeGitHub, token: Token, call: Call, params: dict[str, str]):
        self.api = api
        self.token = token
        self.call = call
        self.json = call.body if call.body is not None else {}

    # -------------------------------------------------------------- helpers

    def need(self, permission: str, level: str = "read") -> None:
        have = self.token.permissions.get(permission)
        if have == "write" or (have == "read" and level == "read"):
            return
        who = "integration" if self.token.app else "personal access token"
        raise ApiError(403, f"Resource not accessible by {who}", doc=DOCS)

    def repository(self, owner: str, name: str) -> Repo:
        repo = self.api.repos.get(f"{owner}/{name}".lower())
        if repo is None:
            raise not_found()
        return repo

    def page(self, items: list[Any]) -> tuple[list[Any], dict[str, str]]:
        query = self.call.query
        try:
            per_page = min(int(query.get("per_page", ["30"])[0]), 100)
            page = max(int(query.get("page", ["1"])[0]), 1)
        except ValueError:
            raise invalid_request("per_page and page must be integers") from None
        start = (page - 1) * per_page
        chunk = items[start:start + per_page]
        headers = {}
        if start + per_page < len(items):
            others = "&".join(f"{k}={v[0]}" for k, v in query.items() if k not in ("page", "per_page"))
            nxt = (f"{self.api.url}{self.call.path}?{others + '&' if others else ''}"
                   f"per_page={per_page}&page={page + 1}")
            headers["Link"] = f'<{nxt}>; rel="next"'
        return chunk, headers

    def string(self, name: str, *, required: bool = False, where: dict[str, Any] | None = None,
               prefix: str = "") -> str | None:
        data = self.json if where is None else where
        if not isinstance(data, dict):
            raise invalid_request(f"For 'properties/{prefix}', {json.dumps(data)} is not an object.")
        value = data.get(name)
        if value is None:
            if required:
                raise invalid_request(f"\"{prefix}{name}\" wasn't supplied.")
            return None
        if not isinstance(value, str):
            raise invalid_request(f"For 'properties/{prefix}{name}', {json.dumps(value)} is not a string.")
        return value

    def commit(self, repo: Repo, sha: str) -> str:
        if sha not in repo.commits:
            raise ApiError(422, f"No commit found for SHA: {sha}")
        return sha

    # -------------------------------------------------------------- users

    @route("GET", "/user")
    def get_user(self) -> tuple[int, Any, dict[str, str]]:
        if self.token.app:
            raise ApiError(403, "Resource not accessible by integration",
                           doc="https://docs.github.com/rest/users/users#get-the-authenticated-user")
        return 200, self.api._user_json(self.token.login, self.token.user_id), {}

    # -------------------------------------------------------------- repositories and pulls

    @route("GET", "/repos/{owner}/{name}")
    def get_repo(self, owner: str, name: str) -> tuple[int, Any, dict[str, str]]:
        repo = self.repository(owner, name)
        self.need("metadata")
        return 200, {"id": 1, "full_name": repo.full_name, "name": name, "owner": self.api._user_json(owner),
                     "url": f"{self.api.url}/repos/{repo.full_name}", "private": False}, {}

    @route("GET", "/repos/{owner}/{name}/pulls/{number}")
    def get_pull(self, owner: str, name: str, number: str) -> tuple[int, Any, dict[str, str]]:
        repo = self.repository(owner, name)
        self.need("pull_requests")
        pull = repo.pulls.get(int(number)) if number.isdigit() else None
        if pull is None:
            raise not_found()
        return 200, self.api._pull_json(repo, pull), {}

    # -------------------------------------------------------------- issue comments

    def _comment(self, repo: Repo, comment_id: str) -> dict[str, Any]:
        c = repo.comments.get(int(comment_id)) if comment_id.isdigit() else None
        if c is None:
            raise not_found()
        return c

    def _comment_body(self) -> str:
        body = self.string("body", required=True)
        assert body is not None
        if len(body) > COMMENT_LIMIT:
            raise validation_failed("IssueComment", "body",
                                    f"body is too long (maximum is {COMMENT_LIMIT} characters)")
        return body

    @route("GET", "/repos/{owner}/{name}/issues/{number}/comments")
    def list_comments(self, owner: str, name: str, number: str) -> tuple[int, Any, dict[str, str]]:
        repo = self.repository(owner, name)
        self.need("issues")
        if not number.isdigit() or int(number) not in repo.pulls:
            raise not_found()
        with self.api.lock:
            items = [self.api._comment_json(repo, c)
                     for c in sorted(repo.comments.values(), key=lambda c: c["id"])
                     if c["_number"] == int(number)]
        chunk, headers = self.page(items)
        return 200, chunk, headers

    @route("POST", "/repos/{owner}/{name}/issues/{number}/comments")
    def create_comment(self, owner: str, name: str, number: str) -> tuple[int, Any, dict[str, str]]:
        repo = self.repository(owner, name)
        self.need("issues", "write")
        if not number.isdigit() or int(number) not in repo.pulls:
            raise not_found()
        body = self._comment_body()
        now = _now()
        with self.api.lock:
            cid = self.api.next_id()
            repo.comments[cid] = {"id": cid, "_number": int(number), "body": body, "login": self.token.login,
                                  "created_at": now, "updated_at": now}
            out = self.api._comment_json(repo, repo.comments[cid])
        return 201, out, {"Location": out["url"]}

    @route("GET", "/repos/{owner}/{name}/issues/comments/{comment_id}")
    def get_comment(self, owner: str, name: str, comment_id: str) -> tuple[int, Any, dict[str, str]]:
        repo = self.repository(owner, name)
        self.need("issues")
        return 200, self.api._comment_json(repo, self._comment(repo, comment_id)), {}

    @route("PATCH", "/repos/{owner}/{name}/issues/comments/{comment_id}")
    def update_comment(self, owner: str, name: str, comment_id: str) -> tuple[int, Any, dict[str, str]]:
        repo = self.repository(owner, name)
        self.need("issues", "write")
        with self.api.lock:
            c = self._comment(repo, comment_id)
            if c["login"] != self.token.login:
                raise ApiError(403, "You cannot edit this comment", doc=DOCS)
            c["body"] = self._comment_body()
            c["updated_at"] = _now()
            return 200, self.api._comment_json(repo, c), {}

    @route("DELETE", "/repos/{owner}/{name}/issues/comments/{comment_id}")
    def delete_comment(self, owner: str, name: str, comment_id: str) -> tuple[int, Any, dict[str, str]]:
        repo = self.repository(owner, name)
        self.need("issues", "write")
        with self.api.lock:
            c = self._comment(repo, comment_id)
            if c["login"] != self.token.login:
                raise ApiError(403, "You cannot delete this comment", doc=DOCS)
            del repo.comments[c["id"]]
        return 204, None, {}

    # -------------------------------------------------------------- check runs

    def _check_output(self, run: dict[str, Any]) -> None:
        output = self.json.get("output")
        if output is None:
            return
        if not isinstance(output, dict):
            raise invalid_request(f"For 'properties/output', {json.dumps(output)} is not an object.")
        title = self.string("title", required=True, where=output, prefix="output/")
        summary = self.string("summary", required=True, where=output, prefix="output/")
        text = self.string("text", where=output, prefix="output/")
        for key, value in (("summary", summary), ("text", text)):
            if value is not None and len(value) > CHECK_TEXT_LIMIT:
                raise validation_failed("CheckRun", f"output.{key}",
                                        f"Output {key} exceeds a maximum bytesize of {CHECK_TEXT_LIMIT}")
        annotations = output.get("annotations") or []
        if not isinstance(annotations, list):
            raise invalid_request("For 'properties/output/annotations', it is not an array.")
        if len(annotations) > ANNOTATIONS_PER_REQUEST:
            raise validation_failed("CheckRun", "output.annotations",
                                    f"Only {ANNOTATIONS_PER_REQUEST} annotations can be sent per request")
        for i, a in enumerate(annotations):
            where = f"output/annotations/{i}/"
            for key in ("path", "annotation_level", "message"):
                self.string(key, required=True, where=a, prefix=where)
            for key in ("start_line", "end_line"):
                if not isinstance(a.get(key), int) or isinstance(a.get(key), bool) or a[key] < 1:
                    raise invalid_request(f"For 'properties/{where}{key}', {json.dumps(a.get(key))} is not a "
                                          "positive integer.")
            if a["annotation_level"] not in ANNOTATION_LEVELS:
                raise invalid_request(f"For 'properties/{where}annotation_level', "
                                      f"\"{a['annotation_level']}\" is not one of notice, warning, failure.")
            if a["end_line"] < a["start_line"]:
                raise validation_failed("CheckRun", "end_line", "end_line must be at or after start_line")
        run["output"] = {"title": title, "summary": summary, "text": text}
        run["_annotations"].extend(annotations)

    def _check_state(self, run: dict[str, Any]) -> None:
        status = self.string("status")
        if status is not None:
            if status not in CHECK_STATUSES:
                raise invalid_request(f"For 'properties/status', \"{status}\" is not one of "
                                      f"{', '.join(CHECK_STATUSES)}.")
            run["status"] = status
        conclusion = self.string("conclusion")
        if conclusion is not None:
            if conclusion not in CONCLUSIONS:
                raise invalid_request(f"For 'properties/conclusion', \"{conclusion}\" is not one of "
                                      f"{', '.join(CONCLUSIONS)}.")
            run["conclusion"] = conclusion
            run["status"] = "completed"
        if run["status"] == "completed" and not run.get("conclusion"):
            raise invalid_request("\"conclusion\" wasn't supplied.")
        details_url = self.string("details_url")
        if details_url is not None:
            if not re.match(r"^https?://", details_url):
                raise validation_failed("CheckRun", "details_url", "details_url must be a valid URL")
            run["details_url"] = details_url
        external_id = self.string("external_id")
        if external_id is not None:
            run["external_id"] = external_id

    @route("POST", "/repos/{owner}/{name}/check-runs")
    def create_check_run(self, owner: str, name: str) -> tuple[int, Any, dict[str, str]]:
        repo = self.repository(owner, name)
        if not self.token.app:
            raise ApiError(403, "You must authenticate via a GitHub App.",
                           doc="https://docs.github.com/rest/checks/runs#create-a-check-run")
        self.need("checks", "write")
        run_name = self.string("name", required=True)
        head_sha = self.string("head_sha", required=True)
        assert head_sha is not None
        self.commit(repo, head_sha)
        with self.api.lock:
            rid = self.api.next_id()
            run = {"id": rid, "name": run_name, "head_sha": head_sha, "status": "queued", "conclusion": None,
                   "external_id": "", "details_url": None, "started_at": _now(), "completed_at": None,
                   "output": None, "_annotations": []}
            self._check_state(run)
            self._check_output(run)
            if run["status"] == "completed":
                run["completed_at"] = _now()
            repo.check_runs[rid] = run
            return 201, self.api._check_run_json(repo, run), {}

    @route("PATCH", "/repos/{owner}/{name}/check-runs/{run_id}")
    def update_check_run(self, owner: str, name: str, run_id: str) -> tuple[int, Any, dict[str, str]]:
        repo = self.repository(owner, name)
        if not self.token.app:
            raise ApiError(403, "You must authenticate via a GitHub App.")
        self.need("checks", "write")
        with self.api.lock:
            run = repo.check_runs.get(int(run_id)) if run_id.isdigit() else None
            if run is None:
                raise not_found()
            self._check_state(run)
            self._check_output(run)
            return 200, self.api._check_run_json(repo, run), {}

    @route("GET", "/repos/{owner}/{name}/commits/{ref}/check-runs")
    def list_check_runs(self, owner: str, name: str, ref: str) -> tuple[int, Any, dict[str, str]]:
        repo = self.repository(owner, name)
        self.need("checks")
        self.commit(repo, ref)
        wanted = self.call.query.get("check_name", [None])[0]
        with self.api.lock:
            runs = [self.api._check_run_json(repo, r) for r in repo.check_runs.values()
                    if r["head_sha"] == ref and (wanted is None or r["name"] == wanted)]
        runs.reverse()  # newest first, as GitHub lists them
        chunk, headers = self.page(runs)
        return 200, {"total_count": len(runs), "check_runs": chunk}, headers

    # -------------------------------------------------------------- commit statuses

    @route("POST", "/repos/{owner}/{name}/statuses/{sha}")
    def create_status(self, owner: str, name: str, sha: str) -> tuple[int, Any, dict[str, str]]:
        repo = self.repository(owner, name)
        self.need("statuses", "write")
        if not _SHA.match(sha):
            raise ApiError(422, f"No commit found for SHA: {sha}")
        self.commit(repo, sha)
        state = self.string("state", required=True)
        if state not in STATUS_STATES:
            raise invalid_request(f"For 'properties/state', \"{state}\" is not one of "
                                  f"{', '.join(STATUS_STATES)}.")
        description = self.string("description")
        if description is not None and len(description) > STATUS_DESCRIPTION_LIMIT:
            raise validation_failed("Status", "description",
                                    f"description is too long (maximum is {STATUS_DESCRIPTION_LIMIT} "
                                    f"characters)")
        target_url = self.string("target_url")
        if target_url and not re.match(r"^https?://", target_url):
            raise validation_failed("Status", "target_url", "target_url must use http(s) scheme")
        with self.api.lock:
            sid = self.api.next_id()
            status = {"id": sid, "url": f"{self.api.url}/repos/{repo.full_name}/statuses/{sha}",
                      "state": state, "description": description, "target_url": target_url,
                      "context": self.string("context") or "default", "sha": sha, "created_at": _now(),
                      "updated_at": _now(), "creator": self.api._user_json(self.token.login)}
            repo.statuses.append(status)
        return 201, {k: v for k, v in status.items() if k != "sha"}, {}

    @route("GET", "/repos/{owner}/{name}/statuses/{ref}")  # the older spelling, still served
    @route("GET", "/repos/{owner}/{name}/commits/{ref}/statuses")
    def list_statuses(self, owner: str, name: str, ref: str) -> tuple[int, Any, dict[str, str]]:
        repo = self.repository(owner, name)
        self.need("statuses")
        with self.api.lock:
            items = [{k: v for k, v in s.items() if k != "sha"} for s in reversed(repo.statuses)
                     if s["sha"] == ref]
        chunk, headers = self.page(items)
        return 200, chunk, headers


class _Handler(BaseHTTPRequestHandler):
    api: FakeGitHub
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep test output quiet
        return

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        status, extra, body = self.api.handle(self.command, self.path, self.headers, raw)
        payload = b"" if body is None else json.dumps(body).encode("utf-8")
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-GitHub-Media-Type": "github.v3; format=json",
            "X-GitHub-Request-Id": uuid.uuid4().hex[:16].upper(),
            "X-RateLimit-Limit": "5000",
            "X-RateLimit-Remaining": "4999",
            "X-RateLimit-Reset": str(int(dt.datetime.now().timestamp()) + 3600),
            "X-RateLimit-Resource": "core",
        }
        headers.update(extra)
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload:
            self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve


# ---------------------------------------------------------------------- a ready-made world for tests

USER_TOKEN = "ghp_user_token_0123456789abcdefABCDEF01"
APP_TOKEN = "ghs_actions_token_0123456789abcdefABCDEF"
READONLY_TOKEN = "ghs_readonly_token_0123456789abcdefABCD"
REPO = "octo/musicapp"
PR = 7
HEAD_SHA = "1" * 40


def standard_world() -> FakeGitHub:
    """Tokens (a user's, the Actions app token, a read-only app token), one repo, PR #7 (not started)."""
    gh = FakeGitHub()
    gh.add_token(USER_TOKEN, login="octo-bot")
    gh.add_token(APP_TOKEN, login="github-actions[bot]", app=True)
    gh.add_token(READONLY_TOKEN, login="github-actions[bot]", app=True,
                 permissions={"contents": "read", "issues": "read", "pull_requests": "read", "checks": "read",
                              "statuses": "read", "metadata": "read"})
    gh.add_repo(REPO)
    gh.add_pull(REPO, PR, head_sha=HEAD_SHA)
    return gh


def github_cli_env(cli_env: dict[str, str], tmp_path: Any, token: str) -> dict[str, str]:
    """The CLI's environment outside Actions, with *token* and a config that retries quickly."""
    for name in list(cli_env):
        if name.startswith("GITHUB_") or name == "GH_TOKEN":
            cli_env.pop(name)
    cli_env["GITHUB_TOKEN"] = token
    config = tmp_path / "echotune.toml"
    config.write_text('[github]\nbackoff = "20ms"\nmax_attempts = 3\nmax_wait = "5s"\n')
    cli_env["ECHOTUNE_CONFIG"] = str(config)
    return cli_env
