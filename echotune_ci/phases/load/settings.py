"""The [load] section, owned by the load phase.

Budgets default to the project-wide [budgets] (api_p95_ms, error_rate_pct,
redis_hit_ratio_pct, app_memory_mb, app_cpu_pct); an endpoint can override
its own with p95_ms / p99_ms / error_rate_pct, or through [load.thresholds]
keyed "METHOD name" (which also works for a user's own locustfile).
"""

from __future__ import annotations

import base64
import difflib
import json
import math
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ...config.schema import seconds, server_url, setting, status_codes
from ...errors import ConfigError

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


def _not_empty(value: tuple[Any, ...] | None) -> str | None:
    if value is not None and not value:
        return "names no endpoint: add at least one [[load.endpoints]] (or remove the key to load GET /)"
    return None


def _path(value: str) -> str | None:
    return None if value.startswith("/") else "must start with '/' (it is joined to the host)"


@dataclass(frozen=True)
class EndpointBudgets:
    """Per-endpoint budgets keyed "METHOD name" in [load.thresholds]."""

    p95_ms: float | None = setting(None, min=0, doc="Overrides budgets.api_p95_ms for this endpoint.")
    p99_ms: float | None = setting(None, min=0, doc="99th percentile budget for this endpoint.")
    error_rate_pct: float | None = setting(None, min=0, max=100, doc="Overrides budgets.error_rate_pct.")

    def given(self) -> dict[str, float]:
        """The budgets that are set, by metric name (``p95_ms``, ``p99_ms``: ms; ``error_rate_pct``: %)."""
        values = {"p95_ms": self.p95_ms, "p99_ms": self.p99_ms, "error_rate_pct": self.error_rate_pct}
        return {name: value for name, value in values.items() if value is not None}


@dataclass(frozen=True)
class Endpoint:
    """One request of the scenario ([[load.endpoints]])."""

    name: str = setting("", doc="Name in the statistics (default: the path).")
    method: str = setting("GET", choices=METHODS, doc="HTTP method.")
    path: str = setting("", required=True, check=_path,
                        doc="Joined to the host; {int:LOW-HIGH} is replaced by a random integer per request.")
    weight: int = setting(1, min=1, doc="Relative share of the users' requests.")
    headers: Mapping[str, str] = setting({}, doc="Request headers.")
    json: dict[str, Any] | list[Any] | None = setting(None, doc="JSON request body.")
    status: tuple[int, ...] = setting((200,), parse=status_codes,
                                      doc="Expected status code(s); others count as failures.")
    p95_ms: float | None = setting(None, min=0, doc="Overrides budgets.api_p95_ms for this endpoint.")
    p99_ms: float | None = setting(None, min=0, doc="99th percentile budget for this endpoint.")
    error_rate_pct: float | None = setting(None, min=0, max=100, doc="Overrides budgets.error_rate_pct.")

    @property
    def label(self) -> str:
        """The name in locust's statistics: ``name``, else the path."""
        return self.name or self.path

    @property
    def key(self) -> str:
        """``"METHOD name"``: how metrics label the endpoint and [load.thresholds] names it."""
        return f"{self.method} {self.label}"

    @property
    def budgets(self) -> EndpointBudgets:
        """The endpoint's own budgets (unset ones None)."""
        return EndpointBudgets(p95_ms=self.p95_ms, p99_ms=self.p99_ms, error_rate_pct=self.error_rate_pct)


def _basic(value: str) -> str | None:
    return None if not value or ":" in value else "must be user:password (HTTP Basic)"


# A header's name is a token (RFC 9110 section 5.1): an empty or spaced one made every user's first
# request raise in locust, and the load test then passed on the requests that came before
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def _header_name(value: str) -> str | None:
    return None if _TOKEN.fullmatch(value) else "must be a header name (letters, digits, -, no space)"


@dataclass(frozen=True)
class LoginSettings:
    """[load.login]: each user logs in once when it starts and reuses the token for every request; or,
    with ``basic``, sends HTTP Basic credentials with every request and no login request."""

    path: str = setting("", doc="Empty: no login step.")
    method: str = setting("POST", choices=METHODS, doc="HTTP method of the login request.")
    json: dict[str, Any] | list[Any] | None = setting(None, doc="JSON body of the login request.")
    form: Mapping[str, str] = setting({}, doc="Form body of the login request, sent as "
                                              "application/x-www-form-urlencoded: OAuth2's password form "
                                              "(FastAPI's OAuth2PasswordRequestForm reads username and "
                                              "password so). Not with json.")
    headers: Mapping[str, str] = setting({}, doc="Headers of the login request.")
    status: tuple[int, ...] = setting((200,), parse=status_codes, doc="Expected status code(s) of the login.")
    token_field: str = setting("access_token", doc="Field of the JSON answer that holds the token; a dotted "
                                                   "path reaches into objects (user.token).")
    header: str = setting("Authorization", check=_header_name,
                          doc="Request header the users send the token in.")
    scheme: str = setting("Bearer", doc="Prefix before the token ('' for none).")
    basic: str = setting("", check=_basic, doc="user:password of HTTP Basic (FastAPI's HTTPBasic, "
                                               "express-basic-auth), sent with every request in `header`; "
                                               "no login request is made, so leave path empty.")
    session: bool = setting(False, doc="The login's answer sets a cookie that carries the account (Django's "
                                       "login(request, user), Flask-Login, express-session): each user "
                                       "keeps its cookies; no token is read (token_field, header and "
                                       "scheme are not used).")
    csrf_cookie: str = setting("", doc="Cookie of the CSRF token the app checks on unsafe requests (Django: "
                                       "csrftoken). Before the login, csrf_path is fetched for it when the "
                                       "user has none; its current value goes in csrf_header with the "
                                       "login and every POST, PUT, PATCH and DELETE.")
    csrf_header: str = setting("X-CSRFToken", check=_header_name,
                               doc="Request header the CSRF token is sent in (Django's CSRF_HEADER_NAME; "
                                   "X-XSRF-TOKEN for Angular-style apps).")
    csrf_path: str = setting("", doc="The login's page, whose form posts to path (Passport's GET /login "
                                     "beside POST /login/password), when it is not path: fetched (GET) "
                                     "for the CSRF cookie or field before the login (default: path, as "
                                     "Django's LoginView, which sets it on its form; any answer will do "
                                     "for a cookie), and, like path, a page a refused login or a request "
                                     "without one is sent back to, which fails them.")
    csrf_field: str = setting("", doc="Hidden field of the login page that holds the CSRF token the app "
                                      "keeps in its session (Flask-WTF: csrf_token; Rails: "
                                      "authenticity_token; Laravel: _token), or a <meta> of that name (or "
                                      "Rails' csrf-token meta when its csrf-param names it): each user GETs "
                                      "csrf_path for it and sends it in the login's form (or JSON) field of "
                                      "that name, and in csrf_header with every unsafe request after.")

    @property
    def configured(self) -> bool:
        """Whether there is a login: a login request (path) or HTTP Basic credentials."""
        return bool(self.path or self.basic)

    def body_error(self, table: str) -> str | None:
        """Why the login is unusable (both ``json`` and ``form``; ``session`` or ``csrf_cookie`` without a
        ``path`` to log in at), naming *table* ([load.login]), or None."""
        if self.form and self.json is not None:
            return f"{table} has both json and form: keep one (form for an OAuth2 password form)"
        if (self.session or self.csrf_cookie) and not self.path:
            what = "session" if self.session else "csrf_cookie"
            return f"{table} {what} needs path: the login whose answer sets the cookie"
        if self.csrf_field and not self.path:
            return f"{table} csrf_field needs path: the login whose form carries the token"
        return None

    def body(self) -> tuple[dict[str, str], str | None]:
        """The login request's body as ``(headers, text)``: its headers with the Content-Type a ``form``
        needs (unless they name one) and the form urlencoded; for a JSON body or none, the headers alone
        and None (the JSON goes as ``json``)."""
        headers = dict(self.headers)
        if not self.form:
            return headers, None
        from urllib.parse import urlencode

        if not any(name.lower() == "content-type" for name in headers):
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        return headers, urlencode(dict(self.form))

    def csrf_page(self) -> str:
        """The page a user fetches for its CSRF cookie or field before the login: ``csrf_path``, else
        ``path``."""
        return self.csrf_path or self.path

    def basic_headers(self) -> dict[str, str]:
        """``{header: "Basic <base64 of user:password>"}`` (RFC 7617, UTF-8), {} without ``basic``."""
        return {self.header: f"Basic {basic_credentials(self.basic)}"} if self.basic else {}


def login_pages(path: str, csrf_path: str) -> set[str]:
    """The paths of a session login's pages, without a trailing slash: its own *path* and *csrf_path*, the
    page whose form posts to it (Passport's GET /login beside POST /login/password); a request that lands
    there was sent without a login."""
    from urllib.parse import urlsplit

    return {urlsplit(p).path.rstrip("/") for p in (path, csrf_path) if p}


def refused_to(pages: set[str], sent_to: str, location: str | None) -> str:
    """The path of the login page (one of *pages*, :func:`login_pages`) that a session login's answer
    redirects back to (*location*, its ``Location`` header, read against *sent_to*, the URL the login went
    to), "" when it redirects elsewhere (another origin too) or not at all: a form login that refuses an
    account sends the browser back to its form (Passport's failureRedirect, a hand-written
    ``res.redirect('/login')``), with a 302 like an accepted one's. A form on "/" cannot be told from an
    accepted login that lands there: never a refusal."""
    from urllib.parse import urljoin, urlsplit

    if not location:
        return ""
    target, sent = urlsplit(urljoin(sent_to, location)), urlsplit(sent_to)
    if (target.scheme.lower(), target.netloc.lower()) != (sent.scheme.lower(), sent.netloc.lower()):
        return ""
    landed = target.path.rstrip("/")
    return target.path if landed and landed in pages else ""


def form_token(page: str, field: str) -> str | None:
    """The value of the form field *field* of HTML *page* (``<input name=field value=...>``, attributes
    in any order and case, entities decoded; not one in a ``<textarea>`` or ``<template>``, which no form
    sends), else the content of ``<meta name=field>``, else that of ``<meta name="csrf-token">`` when
    ``<meta name="csrf-param">`` names *field* (Rails' csrf_meta_tags: the param authenticity_token, the
    token beside it); None when the page has none of them, "" for an empty one."""
    from html.parser import HTMLParser

    found: dict[str, str] = {}
    inert = [0]  # open <textarea> and <template> elements: what they hold is text, or not the page's

    class _Fields(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag in _INERT:
                inert[0] += 1
                return
            values = {k.lower(): v or "" for k, v in attrs}
            name = values.get("name")
            if inert[0] or tag not in ("input", "meta") or name is None:
                return
            if name == field:
                found.setdefault(tag, values.get("value" if tag == "input" else "content", ""))
            elif tag == "meta" and name in ("csrf-param", "csrf-token"):
                found.setdefault(name, values.get("content", ""))

        def handle_endtag(self, tag: str) -> None:
            if tag in _INERT and inert[0]:
                inert[0] -= 1

    try:
        parser = _Fields(convert_charrefs=True)
        parser.feed(page[:500_000])
        parser.close()
    except Exception:  # noqa: BLE001 - html.parser is lenient; whatever it stops on holds no token
        pass
    if "input" in found or "meta" in found:
        return found.get("input", found.get("meta"))
    return found.get("csrf-token") if found.get("csrf-param") == field else None


_INERT = ("textarea", "template")


def with_field(login: Mapping[str, Any], field: str, value: str) -> dict[str, Any]:
    """The login request (a load plan's login: ``data`` an urlencoded form, or ``json``) with *field* set
    to *value* in its form, else in its JSON object (a form is made when it has neither)."""
    from urllib.parse import urlencode

    out = dict(login)
    if out.get("data") is not None or not isinstance(out.get("json"), dict):
        form = out.get("data") or ""
        out["data"] = f"{form}&{urlencode({field: value})}" if form else urlencode({field: value})
        if out.get("json") is None and not any(k.lower() == "content-type" for k in out.get("headers", {})):
            out["headers"] = {**out.get("headers", {}), "Content-Type": "application/x-www-form-urlencoded"}
    else:
        out["json"] = {**out["json"], field: value}
    return out


def basic_credentials(user_password: str) -> str:
    """HTTP Basic's credentials for ``user:password``: its UTF-8 bytes in base64 (RFC 7617), what follows
    "Basic " in the Authorization header."""
    import base64

    return base64.b64encode(user_password.encode("utf-8")).decode("ascii")


# Methods a CSRF check leaves alone (RFC 9110 section 9.2.1's safe methods, as Django's CsrfViewMiddleware
# and the csurf middleware exempt them)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def cookie_value(jar: Any, name: str) -> str | None:
    """The value of cookie *name* in *jar* (an ``http.cookiejar.CookieJar``: locust's FastHttpSession's
    ``cookiejar``, requests' and httpx's jars), the one set last when several paths hold one; None
    without."""
    found = None
    for cookie in jar or ():
        if cookie.name == name:
            found = cookie.value
    return found


def token_at(answer: Any, field: str) -> Any:
    """The value of a login answer's JSON (*answer*, parsed) at ``token_field`` *field*: a field name, or a
    dotted path into objects (``user.token``: the RealWorld API's ``{"user": {"token": ...}}``). None where
    the answer has nothing there."""
    value = answer
    for part in field.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


# A JSON Web Token (header.payload.signature, base64url) in a header's value: after its scheme, or a
# cookie's value in a session's Cookie header (react-fastify-starter's accessToken cookie)
_JWT = re.compile(r"(?:^|[\s=])(eyJ[\w-]*\.([\w-]+)\.[\w-]*)(?:;|$)")
def renew_after(life: float) -> float:
    """Seconds after a login to log in again, for a token that lasts *life* seconds: before its last fifth,
    and at least 2 s before its end, as exp and iat are whole seconds (a 5-s token of fast-jwt, issued at
    100.99 with iat 100 and exp 105, lasts 4.01 s: after 3 s), but never before half of it."""
    return max(life - max(2.0, life / 5), life / 2)


def token_life(headers: Mapping[str, str]) -> float | None:
    """How many seconds the JSON Web Token the login's *headers* carry lasts from its issue (``exp -
    iat``; without ``iat``, from now), read from its payload without verifying it; None when no header
    holds a JWT with an ``exp``. The token is never logged or kept. The api phase's contract test and the
    load phase's users log in again before it runs out (:func:`renew_after`)."""
    for found in (m for value in headers.values() for m in _JWT.finditer(value)):
        part = found.group(2)
        try:
            claims = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        except (ValueError, TypeError):
            continue
        expires = _seconds(claims.get("exp")) if isinstance(claims, dict) else None
        if expires is None:
            continue
        issued = _seconds(claims.get("iat"))
        return expires - (issued if issued is not None else time.time())
    return None


def _seconds(claim: Any) -> float | None:
    """A JWT's time claim as a finite float; None for anything else. The token is the app's: a boolean
    (JSON's true is an int here), a 400-digit number (OverflowError in float()) or JSON's Infinity is no
    time to renew at."""
    if isinstance(claim, bool) or not isinstance(claim, int | float):
        return None
    try:
        value = float(claim)
    except OverflowError:
        return None
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class CompareSettings:
    """[load.compare]: interleaved rounds against a base build."""

    base_host: str = setting("", doc="Base build's URL: run interleaved rounds against it and the host.")
    rounds: int = setting(5, min=2, max=50, doc="Rounds per build (5 lets the exact test reach p < 0.01).")
    round_duration: float = setting(5.0, parse=seconds, min=0.5, max=600,
                                    doc="Length of each round, e.g. 5s.")
    min_effect_ms: float = setting(0.5, min=0, doc="p95 shifts smaller than this are noise (timer and "
                                                   "scheduler jitter; comparison rounds report exact "
                                                   "percentiles).")
    first_round: int = setting(1, min=1, max=10000,
                               doc="Number of the first round in artifact names (base-r1_stats.csv ...); "
                                   "run --base-ref numbers the rounds it adds after the first ones.")


def _realtime_path(value: str) -> str | None:
    return None if not value or value.startswith("/") else "must start with '/' (it is joined to the host)"


def _namespace(value: str) -> str | None:
    return None if value.startswith("/") else "must start with '/' (a Socket.IO namespace, e.g. /chat)"


@dataclass(frozen=True)
class RealtimeSettings:
    """[load.realtime]: WebSocket or Socket.IO clients among the load test's users (load/realtime.py)."""

    path: str = setting("", check=_realtime_path,
                        doc="Channel path, e.g. /ws/now-playing (Socket.IO: its path, e.g. /socket.io); "
                            "empty: no real-time clients.")
    protocol: str = setting("ws", choices=("ws", "socketio"),
                            doc="ws: a plain WebSocket; socketio: Socket.IO.")
    share: float = setting(0.25, min=0.0, max=1.0,
                           doc="Share of the users that are real-time clients (at least one client).")
    message: str = setting('{"type": "ping", "id": "{id}"}',
                           doc="Text each client sends ({id}: a token unique per message); Socket.IO: the "
                               "event's data.")
    reply: str = setting("{id}", doc="ws: the reply is the first message containing this text ({id} as in "
                                     "message); other messages (pushes) are skipped.")
    event: str = setting("ping",
                         doc="socketio: the event emitted; the server's acknowledgement is the reply.")
    namespace: str = setting("/", check=_namespace,
                             doc="socketio: the namespace the client connects to and emits `event` in, "
                                 "e.g. /chat (an event emitted in another one is never acknowledged).")
    interval: float = setting(1.0, parse=seconds, min=0.01, max=60,
                              doc="Each client's wait between messages.")
    timeout: float = setting(5.0, parse=seconds, min=0.1, max=120,
                             doc="Longest wait for a connection or a reply; longer counts as an error. The "
                                 "end of a round or test waits up to this for a reply still pending.")
    error_rate_pct: float | None = setting(None, min=0, max=100,
                                           doc="Failed connects, replies and unexpected disconnects per "
                                               "connect or message, in %; default budgets.error_rate_pct. "
                                               "Not measured (warn) without a message or failed connect.")


@dataclass(frozen=True)
class DatabaseSettings:
    """[load.database]: the database's own statistics over the load test (phases/load/database.py)."""

    url_env: str = setting("", doc="Environment variable holding the database URL (postgresql://...), e.g. "
                                   "DATABASE_URL; empty: not measured. The URL is never printed.")
    slowest: int = setting(5, min=1, max=50, doc="How many statements (slowest mean first) are listed.")
    mean_ms: float | None = setting(None, min=0, doc="Overrides budgets.db_query_mean_ms.")


# More local addresses than any load test here has users (a /16); a larger range is a typo's
MAX_LOCAL_IPS = 65_536


def parse_local_ips(value: Any, source: str, path: str) -> tuple[str, ...]:
    """Parser for ``[load] local_ips``, k6's ``--local-ips`` syntax: a string of comma-separated entries,
    each an address (``127.0.1.5``), a range (``127.0.1.1-127.0.1.254``, both ends included) or a CIDR
    block (``127.0.1.0/24``: its hosts, without the network and broadcast addresses where it has them);
    a list of such strings too. Returns the addresses in order, without repeats ("" or []: none).
    ConfigError naming the entry for one that is none of these, one with a scope (``fe80::1%eth0``, which
    k6's syntax has not either), a range whose ends differ in family or run backwards, or more than
    :data:`MAX_LOCAL_IPS` addresses in all."""
    import ipaddress

    if isinstance(value, str):
        entries = value.split(",")
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        entries = [e for v in value for e in v.split(",")]
    else:
        raise ConfigError(f"{source}: '{path}' must be a string such as \"127.0.1.1-127.0.1.254\" or a list "
                          f"of them, got {type(value).__name__}")
    found: dict[str, None] = {}
    for entry in filter(None, (e.strip() for e in entries)):
        if "%" in entry:  # ipaddress keeps a scope (fe80::1%eth0) on one address and drops it from a range
            raise ConfigError(f"{source}: '{path}': {entry!r} has a scope (%...): link-local addresses reach "
                              "only their own link, and the app is served on this machine; use loopback "
                              "addresses such as 127.0.1.1-127.0.1.254")
        try:
            if "/" in entry:
                net = ipaddress.ip_network(entry, strict=False)
                count = net.num_addresses - (2 if net.num_addresses > 2 else 0)
                _check_count(len(found) + count, source, path)
                found.update(dict.fromkeys(str(a) for a in (net.hosts() if net.num_addresses > 2 else net)))
                continue
            first, _, last = entry.partition("-")
            low = ipaddress.ip_address(first.strip())
            high = ipaddress.ip_address(last.strip()) if last else low
        except ValueError:
            raise ConfigError(f"{source}: '{path}': {entry!r} is no IP address, range (A-B) or CIDR block "
                              "(A/n)") from None
        if low.version != high.version or int(high) < int(low):
            raise ConfigError(f"{source}: '{path}': the range {entry!r} must run from a lower to a higher "
                              "address of one family")
        _check_count(len(found) + int(high) - int(low) + 1, source, path)
        found.update(dict.fromkeys(str(type(low)(n)) for n in range(int(low), int(high) + 1)))
    return tuple(found)


def _check_count(count: int, source: str, path: str) -> None:
    if count > MAX_LOCAL_IPS:
        raise ConfigError(f"{source}: '{path}' names more than {MAX_LOCAL_IPS:,} addresses; users take one "
                          "each, so a range as large as the users is enough")


@dataclass(frozen=True)
class LoadSettings:
    """[load]: the locust test."""

    enabled: bool = setting(True, doc="false: the phase reports nothing.")
    host: str = setting("", check=server_url, doc="Target URL (default: the app `run` started).")
    locustfile: str = setting("", doc="A locustfile of your own instead of the endpoints below.")
    user_class: str = setting("fast", choices=("fast", "http"), doc="FastHttpUser or HttpUser.")
    users: int = setting(20, min=1, max=20000, doc="Concurrent users.")
    spawn_rate: float = setting(20.0, min=0.1, max=10000, doc="Users started per second.")
    duration: float = setting(10.0, parse=seconds, min=0.5, doc="How long, e.g. 10s, 2m.")
    wait_min: float = setting(0.1, parse=seconds,
                              doc="Each user waits between wait_min and wait_max after a request.")
    wait_max: float = setting(0.5, parse=seconds, doc="See wait_min.")
    request_timeout: float = setting(10.0, parse=seconds, min=0.1, max=300, doc="Timeout of one request.")
    processes: int = setting(1, min=1, max=256, doc="Local worker processes (1: one locust process).")
    max_duration: float = setting(1800.0, parse=seconds, min=1, doc="Longest test this config may ask for.")
    max_requests: int = setting(5_000_000, min=1,
                                doc="The test stops once this many requests were sent, redirects included, "
                                    "by all locust processes together.")
    allow_hosts: tuple[str, ...] = setting(("127.0.0.1", "localhost", "::1"),
                                           doc="Hosts (fnmatch patterns) that may receive any request, "
                                               "redirects included; `run` always allows loopback, never "
                                               "another host just because --url or serve.ready_url names it.")
    local_ips: tuple[str, ...] = setting((), parse=parse_local_ips,
                                         doc="Local addresses the users connect from, one each in turn, as "
                                             "k6's --local-ips: \"127.0.1.1-127.0.1.254\", a CIDR block, "
                                             "or addresses separated by commas. A rate limiter (per client "
                                             "address) then sees that many clients, not one 127.0.0.1; on "
                                             "Linux all of 127.0.0.0/8 reaches an app on 127.0.0.1. "
                                             "Empty: the system's choice.")
    redis_url: str = setting("", doc="Read Redis INFO before and after the test (cache hit ratio).")
    sample_interval: float = setting(0.5, parse=seconds, min=0.05, max=10,
                                     doc="How often the app's CPU and RSS are sampled.")
    endpoints: tuple[Endpoint, ...] | None = setting(None, check=_not_empty,
                                                     doc="The scenario; without it every user loads GET /.")
    login: LoginSettings = setting(LoginSettings())
    thresholds: Mapping[str, EndpointBudgets] = setting(
        {}, doc='Per-endpoint budgets keyed "METHOD name", e.g. "GET /api/tracks".')
    compare: CompareSettings = setting(CompareSettings())
    realtime: RealtimeSettings = setting(RealtimeSettings())
    database: DatabaseSettings = setting(DatabaseSettings())

    @property
    def scenario(self) -> tuple[Endpoint, ...]:
        """The configured endpoints, or :data:`DEFAULT_ENDPOINTS` when none are."""
        return self.endpoints if self.endpoints is not None else DEFAULT_ENDPOINTS

    @property
    def wait(self) -> tuple[float, float]:
        """(shortest, longest) think time in seconds; a wait_max below wait_min means a constant wait."""
        return self.wait_min, max(self.wait_min, self.wait_max)


# Without [[load.endpoints]] every user loads GET /.
DEFAULT_ENDPOINTS: tuple[Endpoint, ...] = (Endpoint(path="/"),)


def closest_endpoint(key: str, known: Iterable[str]) -> str:
    """`` (did you mean 'GET /catalog'?)`` for the known endpoint closest to *key* (as the config engine
    suggests keys, difflib's ratio >= 0.6), else the known endpoints listed; "" when none is known."""
    names = list(dict.fromkeys(known))
    hint = difflib.get_close_matches(key, names, n=1)
    if hint:
        return f" (did you mean '{hint[0]}'?)"
    return f" (endpoints: {', '.join(names[:10])}{' ...' if len(names) > 10 else ''})" if names else ""


def check_threshold_names(settings: LoadSettings, source: str) -> None:
    """ConfigError when a [load.thresholds] key names no endpoint of the scenario the config defines (nor
    the [load.login] request, nor the page its CSRF cookie comes from).

    Only without a locustfile: then the endpoints are known before the test ([[load.endpoints]], else
    ``GET /``), and a key such as ``"GET /catalogue"`` beside an endpoint ``GET /catalog`` is a typo whose
    budget would never be applied. The message names the key and the closest endpoint. (With a
    locustfile the load phase fails the threshold's check after the test instead.)
    """
    if settings.locustfile:
        return
    known = [ep.key for ep in settings.scenario]
    login = settings.login
    if login.path:  # each user sends it once as it starts: a budget of its own is how it is gated
        known.append(f"{login.method} {login.path}")
        if login.csrf_cookie:
            known.append(f"GET {login.csrf_page()}")
    for key in settings.thresholds:
        if key not in known:
            raise ConfigError(f"{source}: 'load.thresholds.\"{key}\"' names no endpoint of the load test"
                              f"{closest_endpoint(key, known)}")
