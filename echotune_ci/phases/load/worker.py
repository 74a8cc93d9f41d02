"""The locust side of the load phase, run as a child process.

    python -m echotune_ci.phases.load.worker JOB.json

``import locust`` monkey-patches the whole interpreter with gevent, so it
happens only here, never in the CLI process. The job file (written by
:mod:`echotune_ci.phases.load.runner`) says the role (local, master or worker), the scenario and
where to write the statistics; the result is a JSON file that the CLI turns
into a PhaseResult. Exit codes: 0 done, 2 the scenario or locustfile is
unusable (the message is in the output file), 3 the test could not run.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import random
import re
import sys
import time
import traceback
from array import array
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from echotune_ci.masking import answer_excerpt, register, register_login
from echotune_ci.net.loopback import loopback_secure_cookies, sendable_over_http
from echotune_ci.phases.load.metrics import AFTER_LOGIN, percentile
from echotune_ci.phases.load.plan import DRAIN_PATH, DRAIN_WAIT_S, host_allowed
from echotune_ci.phases.load.settings import (SAFE_METHODS, basic_credentials, cookie_value, form_token,
                                              login_pages, refused_to, renew_after, token_at, token_life,
                                              with_field)

if TYPE_CHECKING:  # pragma: no cover
    from echotune_ci.phases.load.guard import RequestGuard

_INT_SLOT = re.compile(r"\{int:(-?\d+)-(-?\d+)\}")


class JobError(Exception):
    """The job cannot run; ``exit_code`` 2 for the user's scenario, 3 otherwise."""

    def __init__(self, message: str, exit_code: int = 3):
        """*message* goes to the output file; *exit_code* is the process's."""
        super().__init__(message)
        self.exit_code = exit_code


@functools.lru_cache(maxsize=8)  # asked for on every unsafe request, of one or two hosts
def same_origin(host: str) -> str:
    """The Origin header of a page served by *host* (``http://127.0.0.1:8000/app`` ->
    ``http://127.0.0.1:8000``): scheme, host and port, the port left out when it is the scheme's own."""
    parts = urlsplit(host)
    scheme, netloc = parts.scheme.lower(), parts.netloc.rsplit("@", 1)[-1].lower()
    default = {"http": ":80", "https": ":443"}.get(scheme, "")
    return f"{scheme}://{netloc.removesuffix(default) if default else netloc}"


def fill_path(template: str) -> str:
    """Replace each ``{int:LOW-HIGH}`` slot by a random integer."""
    return _INT_SLOT.sub(lambda m: str(random.randint(int(m.group(1)), int(m.group(2)))), template)


# --------------------------------------------------------------------------- users


class _Requests:
    """The requests of one scenario: sending them, judging answers, logging in.

    The allow-list and the request cap are not checked here but on every
    request the process sends (:mod:`.guard`), redirects included.
    """

    def __init__(self, plan: dict[str, Any], http_user: bool):
        self.login: dict[str, Any] | None = plan.get("login")
        if self.login:
            register_login(self.login)  # its answers are quoted in failures (keep_answer)
        self.timeout: float = plan["request_timeout"]
        self.http_user = http_user

    def send(self, user: Any, spec: dict[str, Any], path: str, name: str) -> Any:
        """Start one request of *user* (a context manager of its response); StopUser past the cap."""
        headers = {**spec.get("headers", {}), **getattr(user, "auth_headers", {})}
        login = self.login
        if login and (login.get("csrf_cookie") or login.get("csrf_field")) \
                and spec["method"] not in SAFE_METHODS:
            # read at every request: Django rotates the token at the login; a form's token is the session's
            cookie = login.get("csrf_cookie")
            token = cookie_value(_jar(user.client), cookie) if cookie else None
            token = token or getattr(user, "csrf_token", None)
            if token and not any(k.lower() == login["csrf_header"].lower() for k in headers):
                headers[login["csrf_header"]] = token
        if spec["method"] not in SAFE_METHODS and not any(k.lower() == "origin" for k in headers):
            # What a browser sends with every form it posts: SvelteKit (and Astro, Next's server actions)
            # refuse a form POST whose Origin is not the app's own with 403 "Cross-site POST form
            # submissions are forbidden", so a login by form failed every time
            headers["Origin"] = same_origin(str(user.host or ""))
        kwargs: dict[str, Any] = {"name": name, "headers": headers, "catch_response": True}
        if spec.get("data") is not None:  # a login's form, urlencoded (its Content-Type is in its headers)
            kwargs["data"] = spec["data"]
        elif spec.get("json") is not None:
            kwargs["json"] = spec["json"]
        if self.http_user:
            kwargs["timeout"] = self.timeout
        if login and login.get("session") and (spec["method"], path) == (login["method"], login["path"]):
            # a form login answers 302 with the cookie: the page it redirects to is not the login's answer
            kwargs["allow_redirects"] = False
        return user.client.request(spec["method"], url_path(path), **kwargs)

    def task(self, spec: dict[str, Any]) -> Callable[[Any], None]:
        """The locust task of endpoint *spec*, named after its method and name."""
        expected = spec["status"]

        # A protected page redirects a user without a login to the login page (Django's login_required,
        # Flask-Login's login_view, connect-ensure-login's /login beside Passport's POST /login/password),
        # whose 200 would pass for the page's own answer
        pages = _login_pages(self.login)
        watch = bool(pages) and _path_of(spec["path"]) not in pages


        kind = (spec["method"], spec["name"])
        # A GraphQL request: its server answers 200 with the failure in "errors"
        graphql = is_graphql(spec.get("json"))

        def request(user: Any) -> None:
            if getattr(user, "renew_at", None) is not None and time.monotonic() >= user.renew_at:
                self.log_in(user)  # its token is about to run out
            with self.send(user, spec, fill_path(spec["path"]), spec["name"]) as resp:
                landed = str(getattr(resp, "url", "") or "")
                if watch and _path_of(landed) in pages:
                    page = urlsplit(landed).path or "/"
                    resp.failure(f"redirected to the login page {page}: sent without a login (did "
                                 "[load.login] fail?)")
                    return
                said = graphql_errors(resp) if graphql and resp.status_code in expected else ""
                if said:
                    keep_answer(resp, kind, said)
                    resp.failure(said)
                    return
                _judge(resp, expected, kind)

        slug = re.sub(r"[^a-z0-9]+", "_", spec["name"].lower()).strip("_")
        request.__name__ = f"{spec['method'].lower()}_{slug}"
        return request

    def log_in(self, user: Any) -> None:
        """Log *user* in once, keeping the token in ``user.auth_headers`` for its requests; with
        ``session`` the answer's cookie, in the user's cookie jar. With ``csrf_cookie`` a user without that
        cookie fetches ``csrf_path`` (or the login's path) for it first."""
        user.auth_headers = {}
        user.renew_at = None
        login = self.login
        if not login:
            return
        if login.get("basic"):  # HTTP Basic: the credentials go with every request, nothing to log in to
            user.auth_headers = {login["header"]: f"Basic {basic_credentials(login['basic'])}"}
            return
        # a session cookie marked Secure (Remix's and express-session's under NODE_ENV=production) is
        # sent to the app on 127.0.0.1 as a browser sends it, not dropped after the login succeeded
        _send_secure_cookies_to_loopback(user.client)
        page = login.get("csrf_path") or login["path"]
        if login.get("csrf_cookie") and cookie_value(_jar(user.client), login["csrf_cookie"]) is None:
            with self.send(user, {"method": "GET"}, page, page) as resp:
                resp.success()  # only its cookie matters: a JSON-only login answers a GET with 405
        request = login
        if login.get("csrf_field"):
            user.csrf_token = self.form_token(user, page, login["csrf_field"])
            if user.csrf_token is None:
                return
            request = with_field(login, login["csrf_field"], user.csrf_token)
        with self.send(user, request, login["path"], login["path"]) as resp:
            if not _judge(resp, login["status"], (login["method"], login["path"])):
                return
            sent_to = f"{user.host or ''}{login['path']}"
            back = refused_to(_login_pages(login), sent_to, resp.headers.get("location")) \
                if login.get("session") else ""
            if back:
                # Passport's failureRedirect, a hand-written res.redirect('/login'): a refused login answers
                # 302 like an accepted one, and sets the session's cookie too (its flash message)
                message = (f"login refused: redirected back to the login page {back} (a wrong account or "
                           "password in [load.login]?)")
                keep_answer(resp, (login["method"], login["path"]), message)
                resp.failure(message)
                return
            if login.get("session"):
                # the session's cookie is in the user's jar, which sends it from now on
                if not resp.headers.get("set-cookie") and not (login.get("csrf_field") and any(
                        c.value for c in _jar(user.client) or ())):
                    # With csrf_field the form page's cookie is the session its token lives in, which the
                    # login fills in place: express-session sends its cookie for a new session id only, and
                    # Passport before 0.6 (csurf's todos-express-password at f147a65) keeps the id
                    resp.failure("login answer set no cookie: no session to keep ([load.login] session)")
                    return
                # the session's id is the login's credential: an answer that echoes it is quoted masked
                register(*(cookie.value for cookie in _jar(user.client) or ()))
                if login.get("csrf_field") and resp.headers.get("location"):
                    # against the URL the login was sent to: an app under a path ("--host .../app")
                    # redirects to /app/dashboard, which joined to the host again was /app/app/dashboard
                    sent_to = f"{user.host or ''}{login['path']}"
                    self.token_after_login(user, urljoin(sent_to, resp.headers["location"]),
                                           login["csrf_field"])
                return
            try:
                token = token_at(resp.json(), login["token_field"])
            except Exception:  # noqa: BLE001 - any unusable answer is one failure kind
                token = None
            if token is None:
                resp.failure(f"login answer has no JSON field {login['token_field']!r}")
                return
            value = f"{login['scheme']} {token}".strip()
            user.auth_headers = {login["header"]: value}
            # a JSON Web Token that runs out before the test ends is renewed (request below): with one
            # login a 5-s token (fast-jwt's expiresIn '5000') had every request after it refused
            life = token_life(user.auth_headers)
            user.renew_at = time.monotonic() + renew_after(life) if life is not None and life > 0 else None
            if isinstance(token, str):
                register(token)  # an answer that echoes it is quoted masked (keep_answer)

    def token_after_login(self, user: Any, location: str, field: str) -> None:
        """Read *user*'s CSRF token again from the page its login redirected to (*location*, a URL), as a
        browser lands there: an app that starts a new session at the login (Passport 0.6's session
        regenerate, Rails' Devise) has a new token, and refused every later POST that sent the form's (403,
        422). The page's token, when it has one, replaces the form's; this GET is no measured failure
        either way. Only a page of the app's origin is fetched."""
        target = urlsplit(location)
        if same_origin(location) != same_origin(str(user.host or "")):
            return  # another site's page (a single sign-on) holds no token of this app's
        url = urlunsplit((target.scheme, target.netloc, target.path or "/", target.query, ""))
        # Named without its query (a flash message, a user's id: one entry per user, or a token in the
        # report) and apart from the endpoints: nobody listed it, so no budget judges its time
        with self.send(user, {"method": "GET"}, url, f"{target.path or '/'}{AFTER_LOGIN}") as resp:
            resp.success()
            if 200 <= (resp.status_code or 0) < 300:
                try:
                    token = form_token(resp.text or "", field)
                except Exception:  # noqa: BLE001 - a body that cannot be decoded holds no field
                    token = None
                if token:
                    register(token)
                    user.csrf_token = token

    def form_token(self, user: Any, page: str, field: str) -> str | None:
        """The CSRF token of *user*'s session from the form field *field* of *page* (GET, redirects
        followed); None, and the GET a failure naming the field, when the page has none."""
        with self.send(user, {"method": "GET"}, page, page) as resp:
            if not _judge(resp, list(range(200, 300)), ("GET", page)):
                return None
            try:
                token = form_token(resp.text or "", field)
            except Exception:  # noqa: BLE001 - a body that cannot be decoded holds no field
                token = None
            if not token:
                resp.failure(f"no field {field} in the page ([load.login] csrf_field)")
                return None
            register(token)
            return token


def _send_secure_cookies_to_loopback(client: Any) -> None:
    """Make locust *client* send its ``Secure`` cookies to a loopback host over plain http, as a browser
    does. FastHttpSession reads its own jar, which gets the policy
    :class:`~echotune_ci.net.loopback.LoopbackSecureCookies`; an HttpSession (requests) copies its
    cookies into a new jar of the default policy for each request (``Session.prepare_request``), so it
    gets a jar that keeps them as cookies for http (:func:`~echotune_ci.net.loopback.sendable_over_http`)."""
    jar = getattr(client, "cookiejar", None)
    if jar is not None:
        loopback_secure_cookies(jar)
        return
    if getattr(client, "cookies", None) is None:
        return
    from requests.cookies import RequestsCookieJar

    class _Jar(RequestsCookieJar):
        def set_cookie(self, cookie: Any, *args: Any, **kwargs: Any) -> Any:
            return super().set_cookie(sendable_over_http(cookie), *args, **kwargs)

    kept = _Jar()
    kept.update(client.cookies)
    client.cookies = kept


def _login_pages(login: dict[str, Any] | None) -> set[str]:
    """:func:`~echotune_ci.phases.load.settings.login_pages` of the job's *login*; empty without one (or
    with HTTP Basic, which has no page)."""
    if not login or login.get("basic"):
        return set()
    return login_pages(login.get("path") or "", login.get("csrf_path") or "")


def _path_of(url: str) -> str:
    """The path of *url* (absolute or a path with a query), without a trailing slash."""
    return urlsplit(url).path.rstrip("/")


def url_path(path: str) -> str:
    """*path* as a request line carries it: a space, a non-ASCII letter (UTF-8) or another character a
    URL may not hold raw is percent-encoded, as a browser does; what is encoded already and the URL's
    delimiters are left. ``/api/we ird/hé`` -> ``/api/we%20ird/h%C3%A9``: FastHttpUser's client refused
    the raw form ("invalid request URI") and every request of a route folder with a space failed."""
    return quote(path, safe="!#$%&'()*+,/:;=?@[]~")


def _jar(client: Any) -> Any:
    """The cookie jar of a locust client: FastHttpSession's ``cookiejar``, HttpSession's (requests')
    ``cookies``."""
    jar = getattr(client, "cookiejar", None)
    return jar if jar is not None else getattr(client, "cookies", None)


# The largest GraphQL answer whose errors are looked for (parsing takes about 10 ms a MB)
GRAPHQL_READ = 10 * 1024 * 1024


def is_graphql(body: Any) -> bool:
    """Whether a request's JSON *body* is a GraphQL request: an object with a ``query`` string, or a
    batch (a list of them, as Apollo Server and graphene-django's batch mode take)."""
    items = body if isinstance(body, list) else [body]
    return bool(items) and all(isinstance(b, dict) and isinstance(b.get("query"), str) for b in items)


def graphql_errors(resp: Any) -> str:
    """The failure a GraphQL answer carries in its body, "" without one: ``HTTP 200 with GraphQL errors:
    <the first error's message, 100 characters>`` when its JSON (an object, or a batch's list of them)
    has a non-empty ``errors`` list (a resolver that raised, a refusal, a query the schema rejects). An
    answer that is no JSON is left to the status check. The whole body is read: a server that writes
    ``data`` before ``errors`` (graphql-core's order, Strawberry's) puts them last, past any prefix."""
    content = resp.content or b""
    if b'"errors"' not in content:  # the common case, a clean answer, without parsing it
        return ""
    try:
        answer = json.loads(content)
    except ValueError:
        return ""
    for item in answer if isinstance(answer, list) else [answer]:
        errors = item.get("errors") if isinstance(item, dict) else None
        if isinstance(errors, list) and errors:
            first = errors[0].get("message", "") if isinstance(errors[0], dict) else errors[0]
            text = " ".join(str(first).split())
            return f"HTTP {resp.status_code} with GraphQL errors: {text[:100]}"
    return ""


def _judge(resp: Any, expected: list[int], kind: tuple[str, str] | None = None) -> bool:
    """Mark *resp* a success when its status is *expected*, else a failure (the first answer of that
    failure of request *kind*, method and name, is kept: :func:`keep_answer`); whether it passed."""
    if not resp.status_code:
        resp.failure(resp.error or "no response")
        return False
    if resp.status_code not in expected:
        wanted = " or ".join(str(c) for c in expected)
        message = f"HTTP {resp.status_code} (expected {wanted})"
        if kind is not None:
            keep_answer(resp, kind, message)
        resp.failure(message)
        return False
    resp.success()
    return True


# The first answer of each kind of failure in this process, by (method, name, message): what the app said
# tells why (a health check's 503 {"checks": {"cache": false}}, Django's "CSRF verification failed"),
# where locust keeps the message only. Kept apart from the message, which groups the failures: bodies
# carry request ids and times. At most ANSWER_KINDS kinds; a distributed run's workers keep theirs.
ANSWERS: dict[tuple[str, str, str], str] = {}
ANSWER_KINDS = 100
# Characters of a body read for its excerpt: as many as a page's words are read from
# (echotune_ci.serve.output.PAGE_CHARS, not imported: it brings httpx into every worker; a page's head of
# inline CSS longer than 4,000 characters was quoted as that CSS)
ANSWER_READ = 20000


def keep_answer(resp: Any, kind: tuple[str, str], message: str) -> None:
    """Keep the start of *resp*'s body (whitespace runs made one space, secrets hidden: see
    :func:`echotune_ci.masking.answer_excerpt`) as the answer of failure *message* of request *kind*,
    unless one is kept already or the body is empty."""
    key = (*kind, message)
    if key in ANSWERS or len(ANSWERS) >= ANSWER_KINDS:
        return
    try:
        text = resp.text or ""
    except Exception:  # noqa: BLE001 - a body that cannot be decoded has nothing to quote
        return
    text = " ".join(str(text)[:ANSWER_READ].split())
    if text:
        ANSWERS[key] = answer_excerpt(text)


def scenario_user_class(plan: dict[str, Any]) -> type:
    """A FastHttpUser (or HttpUser) class built from the job's plan (its endpoints, login and wait)."""
    from locust import FastHttpUser, HttpUser, between, constant

    base = FastHttpUser if plan["user_class"] == "fast" else HttpUser
    requests = _Requests(plan, http_user=base is HttpUser)

    def on_start(user: Any) -> None:
        requests.log_in(user)

    wait_min, wait_max = plan["wait"]
    attrs: dict[str, Any] = {
        "host": plan.get("host") or None,
        "tasks": {requests.task(ep): ep["weight"] for ep in plan["endpoints"]},
        "wait_time": constant(wait_min) if wait_max <= wait_min else between(wait_min, wait_max),
        "on_start": on_start,
        "__module__": __name__,
    }
    if base is FastHttpUser:
        attrs.update(network_timeout=requests.timeout, connection_timeout=requests.timeout, insecure=False)
    return type("ScenarioUser", (base,), attrs)


def locustfile_user_classes(path: str) -> list[type[Any]]:
    """The concrete User classes of the user's locustfile at *path*.

    Raises JobError (exit 2) when the file is missing, cannot be imported
    (naming the line of the user's file) or defines no User class.
    """
    from locust.util.load_locustfile import load_locustfile

    if not os.path.isfile(path):
        raise JobError(f"{path}: locustfile not found", 2)
    try:
        classes, _shapes = load_locustfile(path)
    except SystemExit as exc:
        raise JobError(f"{path}: the locustfile exited while importing (code {exc.code})", 2) from None
    except BaseException as exc:  # noqa: BLE001 - the user's file may raise anything
        where = _user_frame(exc, path)
        reason = f"{type(exc).__name__}: {exc}"
        raise JobError(f"{path}{where}: cannot import the locustfile: {reason}", 2) from None
    users = [cls for cls in classes.values() if not getattr(cls, "abstract", False)]
    if not users:
        raise JobError(f"{path}: the locustfile defines no User class", 2)
    return users


def _user_frame(exc: BaseException, path: str) -> str:
    if isinstance(exc, SyntaxError) and exc.lineno:
        return f":{exc.lineno}"
    own = os.path.abspath(path)
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if os.path.abspath(f.filename) == own]
    return f":{frames[-1].lineno}" if frames else ""


# --------------------------------------------------------------------------- statistics

# Response times a local round keeps for exact percentiles. Each one is stored twice (its endpoint's
# array and the total's, 8 bytes each), so a round holds at most about 16 MB; past the cap it drops
# them and reports locust's histogram figures, with a note.
EXACT_CAP = 1_000_000
_QUANTILES = {"p50": 0.5, "p95": 0.95, "p99": 0.99}


def sent_once(key: str, own_only: Collection[str]) -> bool:
    """Whether the requests of *key* ("METHOD name") are what each user sends once around its login, which
    the total leaves out: the endpoints *own_only* names ([load.login] and its CSRF page, see
    ``LoadPlan.per_user``) and the page a login redirects to (named with :data:`AFTER_LOGIN`, one GET per
    user, as ``_Requests.token_after_login`` sends it)."""
    return key in own_only or key.endswith(AFTER_LOGIN)


class ExactTimes:
    """Every HTTP response time (float ms) of one local round, per endpoint and in total.

    Locust's statistics keep response times rounded into histogram buckets; these arrays keep them
    as its ``events.request`` hook gives them, successes and failures alike (as locust counts them),
    except requests without a time. The logins each user sends once are kept under their own entry but
    left out of the total (the logistics portal's 7.6-s PBKDF2 logins made its total p95 6,162 ms while
    every endpoint it loaded stayed under 161 ms). Requests of *skip_type* (the real-time clients'
    ``WS``) are kept under their own entry but left out of the total, which is the HTTP requests', and
    only when they succeeded: a message that got no reply has no round trip (its time is the
    [load.realtime] timeout's, counted in the error rate).
    """

    def __init__(self, cap: int = EXACT_CAP, skip_type: str = "", own_only: Collection[str] = ()) -> None:
        """Keep at most *cap* times in all (then :attr:`overflowed`); keep *skip_type* and the endpoints
        *own_only* names ("METHOD name": the [load.login] each user sends once) out of the total."""
        self.cap = cap
        self.skip_type = skip_type
        self.own_only = frozenset(own_only)
        self.total: array[float] = array("d")
        self.entries: dict[tuple[str, str], array[float]] = {}
        self.kept = 0
        self.overflowed = False

    def record(self, request_type: str, name: str, response_time: float | None, **_kw: Any) -> None:
        """Locust's ``events.request`` hook: keep one response time (ms) under (request_type, name)."""
        if response_time is None or self.overflowed:
            return
        if self.kept >= self.cap:
            # Free the memory at once: the round falls back to locust's histogram.
            self.overflowed = True
            self.total, self.entries, self.kept = array("d"), {}, 0
            return
        self.kept += 1
        if request_type != self.skip_type:
            if not sent_once(f"{request_type} {name}", self.own_only):
                self.total.append(response_time)
        elif _kw.get("exception") is not None:
            # movez-chat's unanswered first messages made realtime_rtt_p95_ms 5,001 ms, the 5-s timeout
            return
        key = (request_type or "", name)
        values = self.entries.get(key)
        if values is None:
            values = self.entries[key] = array("d")
        values.append(response_time)

    def reset(self) -> None:
        """Forget every time kept so far (and a past overflow), as locust's reset_all does its statistics."""
        self.total, self.entries, self.kept, self.overflowed = array("d"), {}, 0, False

    def follow_resets(self, stats: Any) -> None:
        """Reset with locust's *stats* (a RequestStats): its ``reset_all`` and ``clear_all`` reset these
        times too, so the warm-up (and anything else locust forgets) is left out of both alike."""
        for method in ("reset_all", "clear_all"):
            own = getattr(stats, method)

            def both(*args: Any, _own: Callable[..., Any] = own, **kwargs: Any) -> Any:
                self.reset()
                return _own(*args, **kwargs)

            setattr(stats, method, both)

    def percentiles(self, key: tuple[str, str] | None) -> dict[str, float] | None:
        """p50/p95/p99 (ms, 3 decimals) of endpoint *key* (method, name) or, for None, of all HTTP
        requests; None when past the cap or no time was kept (the caller uses locust's figures)."""
        values = self.total if key is None else self.entries.get(key)
        if self.overflowed or not values:
            return None
        ordered = sorted(values)
        return {name: round(percentile(ordered, q), 3) for name, q in _QUANTILES.items()}

    def maximum(self, key: tuple[str, str]) -> float | None:
        """The slowest time kept of endpoint *key*; None when past the cap or none was kept."""
        values = self.entries.get(key)
        return None if self.overflowed or not values else max(values)

    def note(self, label: str) -> str:
        """The round's note when past the cap, else ""."""
        if not self.overflowed:
            return ""
        return (f"the {label} round sent more than {self.cap:,} requests: its p50/p95/p99 are locust's "
                f"histogram figures (rounded), not exact")


def _entry(e: Any, exact: dict[str, float] | None = None) -> dict[str, Any]:
    n = e.num_requests

    def histogram(q: float) -> float | None:
        # Locust keeps response times rounded into buckets (21.8 ms counts as
        # 22 ms); no percentile can exceed the exact maximum.
        return min(e.get_response_time_percentile(q), e.max_response_time) if n else None

    return {
        "method": e.method or "",
        "name": e.name,
        "requests": n,
        "failures": e.num_failures,
        **{name: exact[name] if exact and n else histogram(q) for name, q in _QUANTILES.items()},
        "max": e.max_response_time if n else None,
        "avg": e.avg_response_time if n else None,
        "rps": e.total_rps,
    }


def collect(env: Any, label: str, host: str, started: float, stopped_by: str, workers: int,
            peak_users: int, times: ExactTimes | None = None,
            own_only: Collection[str] = ()) -> dict[str, Any]:
    """One round's output: label, host, wall_s, stopped_by, workers, peak users, per-endpoint
    ``entries`` and the ``total`` (requests, failures, p50/p95/p99/max/avg in ms, rps) of the HTTP
    requests but those of the endpoints *own_only* names (the logins each user sends once), the
    ``realtime`` entries (request type WS), ``errors``, user-code ``exceptions`` and whether locust warned
    of its own CPU.

    ``percentiles`` says where the HTTP p50/p95/p99 come from: "exact" (every response time kept in
    *times*, a local round within its cap) or "histogram" (locust's rounded figures: distributed rounds,
    or past the cap, when ``percentiles_note`` says so), and so do the real-time entries'. Max and avg
    are locust's, exact either way.
    """
    from locust.stats import sort_stats

    from echotune_ci.phases.load.realtime import REQUEST_TYPE

    stats = env.runner.stats
    entries = sort_stats(stats.entries)
    http = [e for e in entries if e.method != REQUEST_TYPE]
    # the total: the HTTP requests but the logins each user sends once (*own_only*, see ExactTimes)
    counted = [e for e in http if not sent_once(f"{e.method or ''} {e.name}", own_only)]
    exact = times is not None and not times.overflowed

    def own(key: tuple[str, str] | None) -> dict[str, float] | None:
        return times.percentiles(key) if times is not None else None

    return {
        "label": label,
        "host": host,
        "wall_s": round(time.monotonic() - started, 3),
        "stopped_by": stopped_by,
        "workers": workers,
        "users": peak_users,
        "percentiles": "exact" if exact else "histogram",
        "percentiles_note": times.note(label) if times is not None else "",
        "entries": [_entry(e, own((e.method or "", e.name))) for e in http],
        # Real-time connects and round trips have budgets of their own: the HTTP total leaves them out.
        "total": _entry(stats.total if len(counted) == len(entries) else _aggregate(stats, counted),
                        own(None)),
        "realtime": [_realtime_entry(e, times if exact else None)
                     for e in entries if e.method == REQUEST_TYPE],
        "errors": [
            {"method": err.method or "", "name": err.name, "error": err.parse_error(err.error),
             "occurrences": err.occurrences,
             "answer": ANSWERS.get((err.method or "", err.name, str(err.error)), "")}
            for err in sort_stats(stats.errors)
        ],
        "exceptions": [{"count": x["count"], "msg": x["msg"], "traceback": x["traceback"]}
                       for x in env.runner.exceptions.values()],
        "cpu_warning": bool(env.runner.cpu_warning_emitted
                            or getattr(env.runner, "worker_cpu_warning_emitted", False)),
    }


def _realtime_entry(e: Any, times: ExactTimes | None) -> dict[str, Any]:
    """A real-time entry of a round (:func:`_entry`) whose percentiles and max are of the exchanges that
    succeeded, where every time was kept (*times*): None when none did, never locust's figures, which count
    a failed one at the time it took to fail. Without *times* (distributed rounds, past the cap) they are
    locust's, failures included."""
    if times is None:
        return _entry(e)
    key = (e.method, e.name)
    exact = times.percentiles(key)
    return {**_entry(e, exact), **{name: exact[name] if exact else None for name in _QUANTILES},
            "max": times.maximum(key)}


def _aggregate(stats: Any, entries: list[Any]) -> Any:
    """One locust StatsEntry holding *entries* together, as locust's own total does."""
    from locust.stats import StatsEntry

    total = StatsEntry(stats, "Aggregated", "")
    for e in entries:
        total.extend(e)
    return total


def write_reports(env: Any, prefix: str, html: bool) -> list[str]:
    """Locust's own CSV files and HTML report, as locust --csv/--html write them."""
    import csv

    from locust.html import get_html_report
    from locust.stats import PERCENTILES_TO_REPORT, StatsCSV

    writer = StatsCSV(env, PERCENTILES_TO_REPORT)
    written: list[str] = []
    for suffix, method in (("stats", writer.requests_csv), ("failures", writer.failures_csv),
                           ("exceptions", writer.exceptions_csv)):
        path = f"{prefix}_{suffix}.csv"
        with open(path, "w", newline="", encoding="utf-8") as fh:
            method(csv.writer(fh))
        written.append(path)
    if html:
        path = f"{prefix}_report.html"
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(get_html_report(env, show_download_link=False))
        written.append(path)
    return written


# --------------------------------------------------------------------------- one run


# Stop reasons that end a measured round normally: its real-time clients wait for their pending replies.
DRAINED = frozenset({"duration", "max-requests"})


def drain_app(host: str, timeout: float = DRAIN_WAIT_S) -> None:
    """Wait until the app at *host* has answered one more request (a GET of :data:`DRAIN_PATH`, any
    status), after
    the requests the stopped round's killed users left queued there: a server takes its backlog in order.

    Those requests still run after the round stops, and ran into the other build's next round:
    nickjj/docker-django-example's head, one sync gunicorn worker, answered 20 users' queued page loads
    (two Redis lookups each) after its round, so the base, whose app never looks a key up, was given a
    100 % Redis hit ratio from "1 round (40 hits)" of the head's, and shared its first moments' CPU with
    the head's queue. Never raises: an app that does not answer within *timeout* is left to the round."""
    import urllib.error
    import urllib.request

    class _Answered(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None  # a redirect is an answer: following it (to a login form) is a page load

    # straight to the app: a job's HTTP_PROXY would send the request elsewhere
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _Answered())
    try:
        with opener.open(host.rstrip("/") + DRAIN_PATH, timeout=timeout) as answer:
            answer.read(1)
    except urllib.error.HTTPError:
        return  # answered: any status says the requests before it are done
    except (OSError, ValueError):
        return


def redis_lookups(url: str, prefix: str) -> dict[str, float]:
    """Redis' keyspace hits and misses now and its run id's hash (a restart resets the counters), as
    ``{prefix}hits``, ``{prefix}misses`` and ``{prefix}run``; {} when Redis cannot be read (the parent's
    own reading after the test says why)."""
    import zlib

    from echotune_ci.errors import EchoTuneError
    from echotune_ci.phases.load.redis_info import read_info

    try:
        info = read_info(url)
    except EchoTuneError:
        return {}
    return {f"{prefix}hits": float(info.get("keyspace_hits", 0)),
            f"{prefix}misses": float(info.get("keyspace_misses", 0)),
            f"{prefix}run": float(zlib.crc32(str(info.get("run_id", "")).encode()))}


# Stop reasons after which nobody waits for the figures (runner.py sends SIGKILL GRACE_S after SIGTERM).
ABANDONED = frozenset({"signal", "parent-gone"})


class Stopper:
    """Ends a run for the first reason that comes: time, request count, SIGTERM, parent gone."""

    def __init__(self, runner: Any, max_requests: int | None, drain: bool = False, parent: int | None = None):
        """Watch *runner* (a locust runner); *max_requests* None or 0 for no cap. *drain*: a measured
        round, whose real-time clients, when it ends for a reason in :data:`DRAINED`, wait for the
        exchange they have in flight (:func:`.realtime.wait_for_pending`). *parent*: the process that
        started this one, as it was when the job began (default: the parent now)."""
        import gevent
        import gevent.event

        self.runner = runner
        self.drain = drain
        self.stopped_at = 0.0  # epoch seconds when stop() was first called
        self.reason = ""
        self.done = gevent.event.Event()
        self.max_requests = max_requests
        self.peak_users = 0
        self.seen = 0
        self._parent = os.getppid() if parent is None else parent
        self._watch = gevent.spawn(self._watch_loop)

    def stop(self, reason: str) -> None:
        """End the run for *reason* (the first reason wins), e.g. "duration", "max-requests".

        A round that ends for a reason in :data:`DRAINED` lets its real-time clients finish the exchange in
        flight (a connect and a reply, each within the [load.realtime] timeout, by which the round's wall
        time may grow): a message sent and not answered when the round ends counts, as answered or as
        failed, instead of vanishing with the killed user. SIGTERM or a vanished parent
        (:data:`ABANDONED`) ends such a wait at once.
        """
        from echotune_ci.phases.load.realtime import wait_for_pending

        if self.reason:
            if reason in ABANDONED:
                wait_for_pending(False)
            return
        self.reason = reason
        self.stopped_at = time.time()
        wait_for_pending(self.drain and reason in DRAINED)
        self.runner.quit()
        self.done.set()

    def count(self, **_kw: Any) -> None:
        """Request hook of a local runner: stops right at the cap, not at the next poll."""
        import gevent

        self.seen += 1
        if self.max_requests and self.seen == self.max_requests:
            gevent.spawn(self.stop, "max-requests")

    def _watch_loop(self) -> None:
        import gevent

        while not self.done.is_set():
            if os.getppid() != self._parent:
                self.stop("parent-gone")
                return
            self.peak_users = max(self.peak_users, self.runner.user_count)
            if self.max_requests and self.runner.stats.total.num_requests >= self.max_requests:
                self.stop("max-requests")
                return
            gevent.sleep(0.2)

    def close(self) -> None:
        """Stop watching."""
        self._watch.kill(block=False)


class RoundListeners:
    """The listeners one round adds to the process's event hooks, removed again when it ends.

    Every round's Environment shares locust's global ``locust.events`` (where a locustfile's
    module-level listeners are), as ``locust -f`` does, so what a round adds there (locust's runner
    adds its statistics hooks, this module its Stopper, ExactTimes and clock) would otherwise stay
    and fire in every later round of the process. Listeners the locustfile adds itself (at import, in
    ``init``, in ``on_start``) are not the round's: they stay, as in locust.
    """

    def __init__(self, events: Any) -> None:
        """Track additions to *events* (a ``locust.event.Events``)."""
        self.events = events
        self.added: list[tuple[Any, Any]] = []

    def _hooks(self) -> list[Any]:
        from locust.event import EventHook

        return [hook for hook in vars(self.events).values() if isinstance(hook, EventHook)]

    @contextmanager
    def adopting(self) -> Iterator[None]:
        """Every listener added inside the block belongs to the round (the block must not yield to
        other greenlets, which could add the locustfile's own)."""
        # EventHook has no public list of its listeners; _handlers is the one it fires.
        before = {id(hook): {id(h) for h in hook._handlers} for hook in self._hooks()}
        try:
            yield
        finally:
            for hook in self._hooks():
                old = before.get(id(hook), set())
                self.added.extend((hook, h) for h in hook._handlers if id(h) not in old)

    def remove(self) -> None:
        """Take the round's listeners off their hooks (one removal per addition)."""
        for hook, handler in reversed(self.added):
            with contextlib.suppress(ValueError):
                hook.remove_listener(handler)
        self.added.clear()


def fire_init(env: Any, runner: Any, state: dict[str, Any], locustfile: str | None) -> None:
    """Fire locust's ``init`` event once per process, as ``locust`` does after creating its runner.

    The first round's (or the worker's) *env* and *runner* are the ones its listeners get. Raises
    JobError (exit 2) when a listener fails, which locust also treats as fatal.
    """
    if state.get("init_fired"):
        return
    from locust import log

    state["init_fired"] = True
    failed_before = log.unhandled_greenlet_exception
    log.unhandled_greenlet_exception = False
    env.events.init.fire(environment=env, runner=runner, web_ui=None)
    failed = log.unhandled_greenlet_exception
    log.unhandled_greenlet_exception = failed_before or failed
    if failed:
        where = f"{locustfile}: " if locustfile else ""
        raise JobError(f"{where}a listener of locust's init event raised an exception (see locust.log)", 2)


def run_round(user_classes: list[type[Any]], job: dict[str, Any], rnd: dict[str, Any],
              state: dict[str, Any]) -> dict[str, Any]:
    """Run one round *rnd* (label, host, duration in s, warmup, prefix) as a local runner or master.

    Returns :func:`collect`'s output plus the ``artifacts`` written; keeps
    the round's Stopper in ``state["stopper"]`` for the SIGTERM handler and
    its Environment in ``state["environment"]``. As with ``locust -f``, the
    Environment fires locust's global ``locust.events``, so the locustfile's
    module-level listeners hear it: ``init`` once per process (first round),
    ``test_start``/``test_stop`` and ``request`` in every round. The listeners
    the round adds itself are removed when it ends (:class:`RoundListeners`).
    """
    import locust
    from locust.env import Environment

    for cls in user_classes:
        cls.host = rnd["host"]
    env = Environment(user_classes=user_classes, host=rnd["host"], catch_exceptions=True,
                      events=locust.events)
    state["environment"] = env
    listeners = RoundListeners(env.events)
    try:
        return _measure_round(env, listeners, job, rnd, state)
    finally:
        listeners.remove()


def _measure_round(env: Any, listeners: RoundListeners, job: dict[str, Any], rnd: dict[str, Any],
                   state: dict[str, Any]) -> dict[str, Any]:
    import gevent
    from locust.stats import stats_history

    plan = job["plan"]
    master = job["role"] == "master"
    started = time.monotonic()
    workers = 0
    times: ExactTimes | None = None
    runner: Any
    with listeners.adopting():
        if master:
            runner = env.create_master_runner(master_bind_host=job["bind_host"], master_bind_port=job["port"])
        else:
            runner = env.create_local_runner()
    # A warm-up round's figures are thrown away: its clients need not wait for their replies.
    state["stopper"] = stopper = Stopper(runner, plan["max_requests"], drain=rnd.get("label") != "warm-up",
                                         parent=state.get("parent"))
    fire_init(env, runner, state, plan.get("locustfile"))
    if master:
        with listeners.adopting():
            share_budget(env, runner, plan["max_requests"], stopper)
        workers = _wait_for_workers(runner, job, stopper)
    else:
        # Only a local runner sees every request; a master gets its workers' histograms.
        from echotune_ci.phases.load.realtime import REQUEST_TYPE

        times = ExactTimes(skip_type=REQUEST_TYPE, own_only=plan.get("login_only") or ())
        times.follow_resets(runner.stats)
        with listeners.adopting():
            env.events.request.add_listener(stopper.count)
            env.events.request.add_listener(times.record)
        guard = state.get("guard")
        if guard is not None and guard.capped and guard.left == 0:
            stopper.stop("max-requests")  # an earlier round spent the whole cap
    history = gevent.spawn(stats_history, runner)
    clock: dict[str, float] = {}  # when the round's measured part began (epoch seconds), once it has
    if not stopper.reason:
        with listeners.adopting():
            past_start: StartedUsers | None = state.get("started_users")
            if past_start is not None:
                past_start.reset()
            _start_clock(env, runner, stopper, job, rnd, past_start, clock)
        # The master's start() blocks while it dispatches users, so it runs beside the clock.
        gevent.spawn(runner.start, plan["users"], plan["spawn_rate"])
        stopper.done.wait()
        # Only side by side: a lone test's queue reaches no other build's round
        paired = any(r.get("label") == "base" for r in job.get("rounds", ()))
        if paired and rnd["label"] in ("head", "base") and stopper.reason in DRAINED:
            drain_app(rnd["host"])
            if plan.get("redis_url"):
                clock.update(redis_lookups(plan["redis_url"], "stop_"))
        _tell(job, {"event": "stopped", "label": rnd["label"]})
    history.kill(block=False)
    stopper.close()
    out = collect(env, rnd["label"], rnd["host"], started, stopper.reason, workers, stopper.peak_users, times,
                  plan.get("login_only") or ())
    # The parent's samplers of the apps' CPU and memory tell each build's rounds apart by these.
    # The measured part ends when the round was stopped: the real-time clients' wait for their pending
    # replies after it (up to their timeout) is near-idle time that would dilute the round's CPU mean.
    out["measured_from"] = clock.get("from", time.time())
    out["measured_to"] = stopper.stopped_at or time.time()
    if "start_hits" in clock and "stop_hits" in clock and clock["start_run"] == clock["stop_run"]:
        # this build's key lookups from its measured start to when its app had answered the round
        out["redis_lookups"] = [int(clock["stop_hits"] - clock["start_hits"]),
                                int(clock["stop_misses"] - clock["start_misses"])]
    prefix = os.path.join(job["artifacts_dir"], rnd["prefix"])
    keep = rnd.get("artifacts", True)
    out["artifacts"] = write_reports(env, prefix, rnd.get("html", False)) if keep else []
    return out


# The longest a comparison round waits for its users to be past their on_start while they keep starting
START_WAIT_MAX_S = 60.0
# The shortest time without a user starting that ends that wait (a round's duration when longer). A gap
# of the round's length alone was a gap the machine's load decides: serial logins of 0.6 s, 0.9 s apart
# from the 1.5-s round's gap, were measured once when a fresh clone's whole suite ran beside them.
START_GAP_MIN_S = 5.0


class StartedUsers:
    """Counts the users whose ``on_start`` (a scenario's login, a locustfile's own set-up) has returned
    or raised, so that a comparison round can start measuring once every user is past it: locust's
    ``spawning_complete`` fires when the users are created, before their ``on_start`` has run.

    A user class whose tasks are all ``TaskSet`` classes (the classic ``tasks = [Behaviour]``) starts
    in its first TaskSet's ``on_start`` too (where such files log in): its users count once the first
    top-level TaskSet's ``on_start`` has ended. A class that mixes task functions and TaskSets counts at
    its own ``on_start``, since its first task may be a function."""

    def __init__(self) -> None:
        """No user started yet."""
        import gevent.event

        self.count = 0
        self.changed = gevent.event.Event()
        self._deferred: set[type[Any]] = set()
        self._wrapped: set[type[Any]] = set()

    def wrap(self, user_classes: list[type[Any]]) -> None:
        """Count each of *user_classes*' users once its set-up ends (once per process)."""
        for cls in user_classes:
            entries = _taskset_entries(cls)
            if entries:
                self._deferred.add(cls)
            # A user whose own on_start raised (StopUser from an empty credentials pool) runs no TaskSet.
            self._wrap(cls, lambda user, raised: user if raised or type(user) not in self._deferred else None)
            for taskset in entries:
                # Only a top-level TaskSet (its parent is the user) ends a set-up; nested ones run later.
                self._wrap(taskset, lambda ts, _raised: ts.user if ts.parent is ts.user else None)

    def _wrap(self, cls: type[Any], started: Callable[[Any, bool], Any]) -> None:
        """Wrap *cls*'s ``on_start`` to count the user ``started(instance, raised)`` names (None: not this
        one; *raised*: whether the ``on_start`` raised)."""
        if cls in self._wrapped:
            return
        self._wrapped.add(cls)

        def on_start(obj: Any, _own: Callable[[Any], None] = cls.on_start) -> None:
            # A class that inherits a wrapped on_start (class B(A), or super().on_start()) nests the
            # wrappers: only the outermost counts the user, once its whole on_start has ended.
            depth = obj.__dict__.get("_echotune_on_start_depth", 0)
            obj._echotune_on_start_depth = depth + 1
            raised = True
            try:
                _own(obj)
                raised = False
            finally:
                obj._echotune_on_start_depth = depth
                user = None if depth else started(obj, raised)
                if user is not None and not user.__dict__.get("_echotune_started"):
                    user._echotune_started = True
                    self.count += 1
                    self.changed.set()

        cls.on_start = on_start

    def wait_for(self, users: int, timeout: float, most: float = START_WAIT_MAX_S) -> None:
        """Block (this greenlet) until *users* more users than at the last :meth:`reset` have started, or
        no user has started for *timeout* seconds, or *most* seconds (at least *timeout*) have passed.
        A wait that ends while users still come in would measure their logins: 20 users whose logins
        hash a password (0.3 s of CPU each on 2 cores) took 6 s to start, twice a 3-s round, and their
        multi-second logins became the round's p95, which hid a planted regression."""
        import gevent

        now = time.monotonic()
        cap, deadline, seen = now + max(most, timeout), now + timeout, self.count
        while self.count < users and time.monotonic() < min(deadline, cap):
            self.changed.clear()
            with gevent.Timeout(max(0.0, min(deadline, cap) - time.monotonic()), False):
                self.changed.wait()
            if self.count > seen:  # progress: the users still starting get another *timeout*
                seen, deadline = self.count, time.monotonic() + timeout

    def reset(self) -> None:
        """Count from 0 again (a new round's users)."""
        self.count = 0


def _taskset_entries(user_class: type[Any]) -> list[type[Any]]:
    """The TaskSet classes a user class runs at its top level when all its tasks are TaskSets, else []."""
    from locust import TaskSet

    tasks = list(getattr(user_class, "tasks", None) or [])
    sets = [t for t in tasks if isinstance(t, type) and issubclass(t, TaskSet)]
    return list(dict.fromkeys(sets)) if sets and len(sets) == len(tasks) else []


def _start_clock(env: Any, runner: Any, stopper: Stopper, job: dict[str, Any], rnd: dict[str, Any],
                 started: StartedUsers | None = None, clock: dict[str, float] | None = None) -> None:
    """Stop the round *rnd*'s duration after its start, or, when it has a warm-up, after all its users run
    and are past their ``on_start`` (*started*; the wait ends once no user has started for the round's
    duration or START_GAP_MIN_S, whichever is longer). *clock*
    gets ``"from"``: when the measured part began (epoch seconds)."""
    import gevent

    env.events.spawning_complete.add_listener(lambda **_kw: _tell(job, {"event": "spawned",
                                                                        "label": rnd["label"]}))

    def start_clock(**kw: Any) -> None:
        if rnd.get("warmup"):
            if started is not None:
                started.wait_for(int(kw.get("user_count") or 0), max(rnd["duration"], START_GAP_MIN_S))
                if stopper.reason:
                    return  # stopped while users started (cap, signal): keep what the round measured
            runner.stats.reset_all()
        if clock is not None:
            clock["from"] = time.time()
            # Side by side, Redis' counters at the measured start, read here: the parent read them when it
            # saw the event, up to a tenth of a second late, when the other build's next round could
            # already be looking keys up
            if job["plan"].get("redis_url"):
                clock.update(redis_lookups(job["plan"]["redis_url"], "start_"))
        _tell(job, {"event": "measuring", "label": rnd["label"]})
        # The loop's clock is stale after blocking set-up; timers would fire early.
        gevent.get_hub().loop.update_now()
        gevent.spawn_later(rnd["duration"], stopper.stop, "duration")

    if rnd.get("warmup"):
        # Comparison rounds measure all users running, not the ramp-up: neither the burst of logins every
        # user starts with (the example's 20 were 5 % of a 5-s round's requests, and its slowest: the
        # round's p95 was theirs) nor cold connections.
        env.events.spawning_complete.add_listener(lambda **kw: gevent.spawn(start_clock, **kw))
    else:
        start_clock()


def _tell(job: dict[str, Any], event: dict[str, Any]) -> None:
    """Append *event* as one JSON line to the job's events file (the parent reads it while the test runs)."""
    if job.get("events"):
        with open(job["events"], "a", encoding="utf-8") as fh:
            fh.write(json.dumps(event) + "\n")


BUDGET_MESSAGE = "echotune_budget"
SPENT_MESSAGE = "echotune_budget_spent"


def shares(total: int, workers: int) -> list[int]:
    """*total* requests split over *workers*: equal shares, the first ``total % workers`` one more."""
    base, extra = divmod(total, workers)
    return [base + (1 if i < extra else 0) for i in range(workers)]


def share_budget(env: Any, runner: Any, cap: int | None, stopper: Stopper) -> None:
    """The master's side of a global cap: when the test starts, each worker gets its share of *cap*
    (in the order of their ids, so the split is deterministic); when every worker has spent its share,
    the test stops once their last statistics had time to arrive."""
    if not cap:
        return
    import gevent
    from locust.runners import WORKER_REPORT_INTERVAL

    given: set[str] = set()
    spent: set[str] = set()

    def send_shares(**_kw: Any) -> None:
        ids = sorted(w.id for w in (*runner.clients.ready, *runner.clients.running, *runner.clients.spawning))
        for worker_id, share in zip(ids, shares(cap, len(ids)) if ids else [], strict=True):
            # Sent before the spawn messages, on the same connection: a worker knows its share first.
            runner.send_message(BUDGET_MESSAGE, {"requests": share}, client_id=worker_id)
            given.add(worker_id)

    def on_spent(msg: Any, **_kw: Any) -> None:
        spent.add(msg.node_id)
        if given and given <= spent:
            gevent.spawn_later(WORKER_REPORT_INTERVAL + 1.0, stopper.stop, "max-requests")

    env.events.test_start.add_listener(send_shares)
    runner.register_message(SPENT_MESSAGE, on_spent)


def _wait_for_workers(runner: Any, job: dict[str, Any], stopper: Stopper) -> int:
    import gevent

    deadline = time.monotonic() + job["expect_timeout"]
    while len(runner.clients.ready) < job["expect_workers"]:
        if stopper.reason:
            return int(len(runner.clients.ready))
        if time.monotonic() > deadline:
            got = len(runner.clients.ready)
            stopper.stop("no-workers")
            raise JobError(
                f"only {got} of {job['expect_workers']} locust workers connected to the master on port "
                f"{job['port']} within {job['expect_timeout']:g}s"
            )
        gevent.sleep(0.2)
    return int(len(runner.clients.ready))


def run_worker(user_classes: list[type[Any]], job: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    """A worker obeys the master; it checks the host it is sent against allow_hosts.

    Like ``locust -f F --worker``, its one Environment fires locust's global ``locust.events``:
    ``init`` after its runner exists, ``test_start``/``test_stop`` when the master starts and stops
    the test, ``request`` for each request it sends.
    """
    import gevent
    import locust
    from locust.env import Environment

    plan = job["plan"]
    guard_hosts(user_classes, plan["allow_hosts"])
    env = Environment(user_classes=user_classes, catch_exceptions=True, events=locust.events)
    state["environment"] = env
    runner = env.create_worker_runner(job["master_host"], job["port"])
    state["stopper"] = stopper = Stopper(runner, None, parent=state.get("parent"))
    # The master ends the test (its quit message stops these users) and reads this worker's last figures
    # 0.5 s later: a real-time client that waited for its pending reply would report it too late, and it
    # would count nowhere. Unanswered when the master ends the test, the message counts as failed.
    from echotune_ci.phases.load.realtime import wait_for_pending

    wait_for_pending(False)
    fire_init(env, runner, state, plan.get("locustfile"))
    refused: list[str] = []
    guard = state["guard"]
    # This worker's own config caps it too; the master's share only lowers that.
    guard.on_spent = lambda: runner.send_message(SPENT_MESSAGE, {"sent": guard.sent})
    runner.register_message(BUDGET_MESSAGE, lambda msg, **_kw: guard.limit(int(msg.data["requests"])))

    @env.events.test_start.add_listener
    def _check_host(environment: Any, **_kw: Any) -> None:
        if not host_allowed(environment.host, plan["allow_hosts"]):
            refused.append(str(environment.host))
            gevent.spawn(stopper.stop, "host-refused")

    # A worker never outlives the longest test its config allows.
    gevent.spawn_later(plan["max_duration"] + job["expect_timeout"] + 60, stopper.stop, "max-duration")
    runner_done = gevent.spawn(runner.greenlet.join)
    gevent.joinall([runner_done, gevent.spawn(stopper.done.wait)], count=1)
    stopper.close()
    if refused:
        raise JobError(f"the master asked for {refused[0]}, which is not in this worker's allow_hosts", 2)
    return {"role": "worker", "stopped_by": stopper.reason or "master-quit"}


def guard_hosts(user_classes: list[type[Any]], allow: list[str]) -> None:
    """The host comes from the master: a user whose host this worker does not allow stops before its
    first request."""
    from locust.exception import StopUser

    for cls in user_classes:
        def on_start(user: Any, _own: Callable[[Any], None] = cls.on_start) -> None:
            if not host_allowed(user.host, allow):
                raise StopUser()
            _own(user)

        cls.on_start = on_start


def run_job(job: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    """Run the job (a parsed job file): every round, or a worker's share; the output file's data.

    Raises JobError for a scenario or locustfile that cannot run.
    """
    import gevent
    import locust
    from locust.log import setup_logging

    setup_logging("INFO")  # locust's own log lines go to locust.log, an artifact
    # The run that started this worker, once: a round's own look at its parent, taken when the round
    # began, took the init process that adopted the worker of a SIGKILLed run for its parent, and the
    # worker went on loading both apps through every round left (a minute, into the next run's timings).
    state.setdefault("parent", os.getppid())
    plan = job["plan"]
    if plan.get("locustfile"):
        user_classes = locustfile_user_classes(plan["locustfile"])
    else:
        user_classes = [scenario_user_class(plan)]
    from echotune_ci.phases.load.realtime import realtime_user_class

    # A logged-in app's channels need the login too: its clients log in as the HTTP users do
    log_in = _Requests(plan, http_user=True).log_in if plan.get("login") else None
    realtime = realtime_user_class(plan, log_in)
    if realtime is not None:
        user_classes.append(realtime)
    if plan.get("local_ips"):
        from echotune_ci.phases.load.localips import Addresses, spread

        # A master runs no users; its workers (1..n) interleave the addresses
        workers = job.get("expect_workers") or 1
        offset = max(0, job.get("index", 0) - 1) if job["role"] == "worker" else 0
        spread(user_classes, Addresses(plan["local_ips"], offset, workers if job["role"] == "worker" else 1))

    def on_term() -> None:
        stopper = state.get("stopper")
        state["interrupted"] = True
        if stopper is not None:
            # Signal handlers run in the hub, which must not block: stop from a greenlet.
            gevent.spawn(stopper.stop, "signal")

    import signal

    gevent.signal_handler(signal.SIGTERM, on_term)
    if job["role"] != "master":
        state["guard"] = _guard(plan, state)
    out: dict[str, Any] = {"locust_version": locust.__version__}
    if job["role"] == "worker":
        out.update(run_worker(user_classes, job, state))
        fire_quitting(state)
        return out
    if job["role"] == "local":
        state["started_users"] = started = StartedUsers()
        started.wrap(user_classes)
    rounds = []
    for rnd in job["rounds"]:
        rounds.append(run_round(user_classes, job, rnd, state))
        if state.get("interrupted") or state["stopper"].reason == "parent-gone":
            break
    fire_quitting(state)
    out["rounds"] = rounds
    out["interrupted"] = bool(state.get("interrupted"))
    return out


def fire_quitting(state: dict[str, Any]) -> None:
    """Fire locust's ``quitting`` event (listeners in reverse order, as locust does) with the last
    Environment of the process, once its rounds or its worker's share are done."""
    env = state.get("environment")
    if env is not None:
        env.events.quitting.fire(environment=env, reverse=True)


def _guard(plan: dict[str, Any], state: dict[str, Any]) -> RequestGuard:
    """The allow-list and this process's request budget, on every request it sends from now on."""
    import gevent

    from echotune_ci.phases.load.guard import RequestGuard, install

    def spent() -> None:
        stopper = state.get("stopper")
        if stopper is not None:
            # Requests already sent may still be answered; they count, so wait for them briefly.
            gevent.spawn_later(min(plan["request_timeout"], 2.0), stopper.stop, "max-requests")

    guard = RequestGuard(plan["allow_hosts"], plan.get("max_requests"), on_spent=spent)
    install(guard)
    return guard


def main(argv: list[str]) -> int:
    """``python -m echotune_ci.phases.load.worker JOB.json``: run the job, write its output; the exit code."""
    import locust  # noqa: F401 - gevent's monkey-patching first, before any socket is opened
    job_path = Path(argv[0])
    job = json.loads(job_path.read_text(encoding="utf-8"))
    out_path = Path(job["out"])
    state: dict[str, Any] = {}
    try:
        result = run_job(job, state)
        code = 0
    except JobError as exc:
        result, code = {"error": str(exc)}, exc.exit_code
    except Exception as exc:  # noqa: BLE001 - reported to the parent, with the traceback in the log
        traceback.print_exc()
        result, code = {"error": f"locust failed: {type(exc).__name__}: {exc}"}, 3
    tmp = out_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(result), encoding="utf-8")
    os.replace(tmp, out_path)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
