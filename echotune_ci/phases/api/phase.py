"""Api phase: the running app against its OpenAPI contract (schemathesis) and ``[[api.flows]]``.

:data:`PHASE` is what ``echotune-ci run`` drives; :func:`run_api` is the same
for the ``api`` command, whose URL may come from the command line. Findings:
one per (operation, check) of the contract test with a reproducing ``curl``
command, and one per failing flow step; metrics: each operation's p95
response time (``p95_ms``, labelled ``operation``), gated by ``[api] p95_ms``
else ``budgets.api_p95_ms``, over the answers not refused by authentication
(401/403); an operation whose every answer was refused has no value (status
``warn``) and a warning says to configure the login. No OpenAPI document
found: the contract test is skipped with a warning naming every place looked
at (status ``warn``, never ``pass`` on its own).
"""

from __future__ import annotations

import contextlib
import json
import math
import time
from collections.abc import Callable, Iterable, Mapping
from fnmatch import fnmatch
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ...errors import ConfigError, RunError
from ...fsutil import write_text_atomic
from ...results import Finding, Location, Metric, PhaseResult
from ...results.fingerprint import assign_fingerprints
from .flows import check_flows, run_flow
from .settings import ApiSettings, naming

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

    from ..base import Phase, PhaseContext
    from ..load.settings import LoginSettings
    from .contract import ContractOutcome
    from .discover import Document

NAME = "api"
# Contract and flow findings at this severity or above fail the phase (all of them: medium and high).
FAIL_ON = "medium"


class ApiPhase:
    """The api phase as `run` drives it: needs the running app."""

    name = NAME
    settings_type = ApiSettings
    needs_app = True
    uses_app = True

    def check(self, settings: ApiSettings, ctx: PhaseContext) -> None:
        """Raise ConfigError for flows that cannot run (unknown captures, bad paths) and a URL whose host
        is not allowed."""
        check_flows(settings.flows, ctx.source)
        _check_login(settings, ctx.source)
        if settings.url:
            check_host(settings.url, allowed_hosts(settings, ctx))

    def run(self, settings: ApiSettings, ctx: PhaseContext) -> PhaseResult:
        """Test the app `run` started (or ``[api] url``); see :func:`run_api`."""
        return run_api(settings, ctx)


PHASE: Phase[ApiSettings] = ApiPhase()


def allowed_hosts(settings: ApiSettings, ctx: PhaseContext) -> tuple[str, ...]:
    """``[api] allow_hosts`` and the context's (`run` adds loopback, --allow-host adds more)."""
    return tuple(dict.fromkeys((*settings.allow_hosts, *ctx.allow_hosts)))


def host_allowed(url: str, allow: Iterable[str]) -> bool:
    """Whether *url*'s host matches one of the *allow* patterns (fnmatch, case-insensitive)."""
    name = (urlsplit(url).hostname or "").lower()
    return bool(name) and any(fnmatch(name, pattern.lower()) for pattern in allow)


def check_host(url: str, allow: tuple[str, ...]) -> None:
    """ConfigError unless *url* is an http(s) URL on an allowed host."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{url}: not an http(s) URL with a host (e.g. http://127.0.0.1:8000)")
    if not host_allowed(url, allow):
        raise ConfigError(f"{url}: host {parts.hostname} is not in api.allow_hosts ({', '.join(allow)}); "
                          f"add it there or with --allow-host if you may test it")


def p95(samples: list[float]) -> float:
    """The 95th percentile of *samples* (nearest rank, as locust reports it); ms in, ms out."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _check_login(settings: ApiSettings, source: str) -> None:
    """ConfigError for a login with both a JSON and a form body."""
    error = settings.login.body_error("[api.login]")
    if error:
        raise ConfigError(f"{source}: {error}")


def log_in(settings: ApiSettings, client: Any) -> dict[str, str]:
    """The header the login gives (``{"Authorization": "Bearer <token>"}``), {} without [api.login] /
    [load.login]. The token is registered for masking. RunError when the login fails."""
    import httpx

    from ...masking import register
    from ..load.settings import basic_credentials, login_pages, refused_to, token_at, with_field

    login = settings.login
    if login.basic:
        register(login.basic.split(":", 1)[1])  # the password, and the credentials that carry it
        register(basic_credentials(login.basic))
        return login.basic_headers()
    if not login.path:
        return {}
    where = f"login {login.method} {login.path}"
    # As a new user: the flows before it shared this client, and an app sends a user it already knows away
    # from its login page (microblog: to /index, whose answer then set no cookie of a new session)
    client.cookies.clear()
    headers, form = login.body()
    body: Any = login.json
    if login.csrf_cookie:
        headers.update(_csrf_header(login, client, fetch=True))
    field_token = _form_field(login, client, where) if login.csrf_field else ""
    if field_token:
        request = {"data": form, "json": login.json, "headers": headers}
        sent = with_field(request, login.csrf_field, field_token)
        headers, form, body = sent["headers"], sent["data"], sent["json"]

    def send() -> Any:
        try:
            if form is None:
                return client.request(login.method, login.path, json=body, headers=headers)
            # OAuth2's password form: username=...&password=..., urlencoded
            return client.request(login.method, login.path, content=form.encode("utf-8"), headers=headers)
        except httpx.HTTPError as exc:
            raise RunError(f"{where}: the request failed ({type(exc).__name__})") from None

    response = send()
    wait = _login_wait(response, login.status)
    if wait is not None:
        # The app limits logins per client (tozo: 5 a minute), and every phase logs in from 127.0.0.1:
        # the load phase's users, just before, spent the limit. Its Retry-After says when it is free again.
        time.sleep(wait)
        response = send()
    if response.status_code not in login.status:
        limited = (" Too Many Requests: the app's rate limiter refused the login; every phase logs in "
                   "from 127.0.0.1, one client to it, and the load phase's users spend its limit "
                   "([load] local_ips spreads them over loopback addresses)"
                   if response.status_code == 429 else "")
        raise RunError(f"{where} answered {response.status_code}{limited}, expected "
                       f"{' or '.join(map(str, login.status))}")
    if login.session:
        back = refused_to(login_pages(login.path, login.csrf_path), str(response.request.url),
                          response.headers.get("location"))
        if back:
            # Passport's failureRedirect answers a wrong password with 302, as it answers the right one
            raise RunError(f"{where}: login refused: redirected back to the login page {back} (a wrong "
                           "account or password in [api.login]?)")
        if field_token and response.headers.get("location"):
            field_token = _token_after_login(login, client, response) or field_token
        return _session_headers(login, client, where, response, field_token)
    try:
        token = token_at(response.json(), login.token_field)
    except ValueError:
        token = None
    if not isinstance(token, str) or not token:
        raise RunError(f"{where}: the answer has no '{login.token_field}' field (api.login.token_field)")
    register(token)
    return {login.header: f"{login.scheme} {token}".strip()}


# The longest Retry-After a refused login is waited for, once, in seconds: a per-minute login limit
_LOGIN_RETRY_AFTER_S = 65.0


def _login_wait(response: Any, accepted: Any) -> float | None:
    """Seconds to wait before sending a login again that the app's rate limiter refused (429 with a
    Retry-After of at most :data:`_LOGIN_RETRY_AFTER_S`), else None."""
    from ...net.retry import parse_retry_after

    if response.status_code != 429 or 429 in accepted:
        return None
    wait = parse_retry_after(response.headers.get("retry-after"))
    return wait if wait is not None and 0 <= wait <= _LOGIN_RETRY_AFTER_S else None


def _csrf_header(login: LoginSettings, client: Any, *, fetch: bool = False) -> dict[str, str]:
    """``{csrf_header: token}`` from the client's cookie ``csrf_cookie``, {} without one. With *fetch*, a
    client without the cookie GETs ``csrf_path`` (or the login's path) for it first; whatever that page
    answers, the login's own answer says what went wrong."""
    import httpx

    from ..load.settings import cookie_value

    if fetch and cookie_value(client.cookies.jar, login.csrf_cookie) is None:
        with contextlib.suppress(httpx.HTTPError):
            client.get(login.csrf_page(), follow_redirects=True)  # as a browser (and locust) would
    token = cookie_value(client.cookies.jar, login.csrf_cookie)
    return {login.csrf_header: token} if token else {}


def _form_field(login: LoginSettings, client: Any, where: str) -> str:
    """The CSRF token in the form field ``csrf_field`` of ``csrf_path`` (or the login's page), fetched with
    *client* (redirects followed), registered for masking. RunError naming the page and the field when it
    cannot be fetched or has no such field."""
    import httpx

    from ...masking import register
    from ..load.settings import form_token

    page = login.csrf_page()
    try:
        answer = client.get(page, follow_redirects=True)
        token = form_token(answer.text, login.csrf_field)
    except httpx.HTTPError as exc:
        raise RunError(f"{where}: GET {page} failed ({type(exc).__name__})") from None
    if not token:
        raise RunError(f"{where}: GET {page} has no field {login.csrf_field} (api.login.csrf_field; it "
                       f"answered {answer.status_code})")
    register(token)
    return token


def _token_after_login(login: LoginSettings, client: Any, response: Any) -> str | None:
    """The CSRF token in the field ``csrf_field`` of the page the login redirected to (a browser lands
    there), None when it has none or cannot be fetched: an app that starts a new session at the login
    (Passport 0.6, Rails' Devise) has a new token there, and refuses the form's. Registered for masking."""
    import httpx

    from ...masking import register
    from ..load.settings import form_token

    target = response.url.join(response.headers["location"])
    here = response.url
    if (target.scheme, target.host, target.port) != (here.scheme, here.host, here.port):
        return None  # another site's page (a single sign-on) holds no token of this app's
    try:
        answer = client.get(target, follow_redirects=True)
    except httpx.HTTPError:
        return None
    token = form_token(answer.text, login.csrf_field) if answer.is_success else None
    if token:
        register(token)
    return token or None


def _session_headers(login: LoginSettings, client: Any, where: str, response: Any,
                     field_token: str = "") -> dict[str, str]:
    """The headers that carry a session login (``session = true``) to the generated requests, which a
    client of their own sends: the client's cookies as one ``Cookie`` header, and the CSRF token
    (rotated by the login, as Django does) in ``csrf_header``. Their values are registered for masking.
    RunError when the login's own *response* set no cookie (Django's CSRF cookie, or a flow's session on
    the same client, is no login), unless the login's token came from a form field (``csrf_field``): the
    form page's cookie is then the session the token lives in, which the login fills in place
    (express-session sends its cookie for a new session id only; Passport before 0.6 keeps the id)."""
    from ...masking import register

    cookies = [c for c in client.cookies.jar if c.value]
    if not response.headers.get_list("set-cookie") and not (field_token and cookies):
        raise RunError(f"{where}: the answer set no cookie, so there is no session to use "
                       "(api.login.session; for a token login, drop session and set token_field)")
    for cookie in cookies:
        register(cookie.value)
    token = {login.csrf_header: field_token} if field_token else {}
    jar = "; ".join(f"{c.name}={c.value}" for c in cookies)
    return {"Cookie": jar, **token, **_csrf_header(login, client)}


def contract_findings(outcome: ContractOutcome) -> list[Finding]:
    """One finding per (operation, check) with its reproducing request; the context (and so the
    fingerprint) is the operation and the check, never the random example."""
    from .contract import APP_CRASH, RULES, SEVERITY

    findings = []
    for problem in outcome.problems.values():
        status = f" (answered {problem.status})" if problem.status is not None else ""
        findings.append(Finding(
            rule_id=RULES[problem.check], severity=SEVERITY[problem.check], source_tool="schemathesis",
            message=f"{problem.operation}{status}: {problem.message}. Reproduce: {problem.curl}",
            location=Location(path=problem.path), context=f"{problem.operation} {problem.check}",
            # app_crash is our own check, which schemathesis's list does not document
            help_url=None if problem.check == APP_CRASH else
            "https://schemathesis.readthedocs.io/en/stable/reference/checks/",
            properties={"operation": problem.operation, "check": problem.check, "curl": problem.curl,
                        # the app's exit is this finding's subject: `run` keeps it when the app exited
                        **({"app_exit": True} if problem.check == APP_CRASH else {})}))
    return findings


def timing_metrics(outcome: ContractOutcome, budget: float,
                   own: Mapping[str, float] | None = None) -> list[Metric]:
    """``p95_ms`` per operation (ms, budget *budget*, or the operation's in *own*: ``[api]
    operation_p95_ms``), with every timed response time as samples.

    Only answers not refused by authentication (401/403) are timed: a refusal's time is the auth
    layer's, not the endpoint's. A partly refused operation's description gives how many answers were
    timed and how many refused. An operation whose every answer was refused gets no value and status
    ``warn`` (its budget could not be checked; description "... not measured: ..."), never a pass.

    Not ``compared`` with a base: the times are one contract run's requests, taken one after another
    and apart from the base's run, not repeated measurements of the build; a test across them
    mistakes the run's moment for the build (an A/A side-by-side run once gave "+115 %, p = 0.0015").
    Latency against the base is the load phase's, measured in interleaved rounds."""
    metrics = []
    for label, samples in outcome.timings.items():
        refused = outcome.refused.get(label, 0)
        common: dict[str, Any] = {"name": "p95_ms", "unit": "ms", "better": "lower",
                                  "budget": own_budget(label, own or {}, budget),
                                  "labels": {"operation": label}, "compared": False}
        if not samples:
            # "warn" with no value: a budget that could not be checked (as the load phase's Redis metrics);
            # "error" would say the phase could not run, and it did.
            answers = "the answer was" if refused == 1 else f"all {refused} answers were"
            why = (f"{answers} refused (401/403) by authentication" if refused else
                   f"every answer said the app could not reach {', '.join(outcome.far_hosts)}")
            metrics.append(Metric(value=None, status="warn", **common,
                                  description=f"p95 response time of {label}: not measured: {why}"))
            continue
        over = (f"over {len(samples)} answers ({refused} more, refused (401/403) by authentication, not "
                f"timed)" if refused else f"over {len(samples)} generated requests")
        metrics.append(Metric(value=round(p95(samples), 3), samples=[round(s, 3) for s in samples], **common,
                              description=f"p95 response time of {label} {over}").evaluate())
    return metrics


def own_budget(label: str, own: Mapping[str, float], budget: float) -> float:
    """The p95 budget of the operation *label*: its own in *own* (``[api] operation_p95_ms``, by its name or,
    for a GraphQL one, its root's ``Mutation.*``, as ``[api] exclude`` names them), else *budget*."""
    name = naming(label, own)
    return budget if name is None else own[name]


def unknown_budgets(own: Mapping[str, float], outcome: ContractOutcome, where: str, graphql: bool) -> str:
    """The warning for the names of ``[api] operation_p95_ms`` that no timed operation of the document at
    *where* has (a GraphQL schema's are "Mutation.signUp", an OpenAPI document's "POST /api/users"; each
    kind judged by its own document): such a budget gated nothing. "" when every name was one."""
    unknown = [name for name in own if (" " not in name) == graphql
               and not any(naming(label, (name,)) for label in outcome.timings)]
    if not unknown:
        return ""
    known = ", ".join(list(outcome.timings)[:5])
    return (f"api: [api] operation_p95_ms names {', '.join(unknown)}, which {where} has no timed operation "
            f"of (its operations are named as {known or 'METHOD /path'}): its budget gated nothing")


def refused_warning(outcome: ContractOutcome, headers: dict[str, str]) -> str | None:
    """The warning for the operations whose every answer was 401/403 (so no p95 of theirs was measured),
    with what to change: configure the login, or, when its token was sent (*headers* not empty), check
    it, unless operations the document secures (``outcome.secured``) answered with it: then the account
    lacks a permission. None when every operation had an answer that got through."""
    refused = [label for label, samples in outcome.timings.items()
               if not samples and outcome.refused.get(label)]
    if not refused:
        return None
    names = (f"all {len(refused)} operations" if len(refused) == len(outcome.timings) > 1
             else ", ".join(refused))
    # Operations the document secures that answered every request with the credentials sent: the login
    # worked (one that also refused some may let some resources through to anyone)
    through = [label for label in outcome.secured
               if outcome.timings.get(label) and not outcome.refused.get(label)] if headers else []
    if through:
        # so the app refuses these to the account (full-stack-fastapi-template's 403 "Super users are not
        # allowed to delete themselves"); a login that failed would have been refused those too
        shown = ", ".join(through[:3]) + (", ..." if len(through) > 3 else "")
        fix = (f"the credentials sent in {', '.join(headers)} got answers from {len(through)} other "
               f"operation(s) that need them ({shown}), so the app refuses these to the account: a "
               "permission it lacks, not a login that failed; log in as an account allowed them, or leave "
               "them out with [api] exclude")
    elif any(value.startswith("Basic ") for value in headers.values()):
        fix = ("HTTP Basic credentials ([api.login] or [load.login] basic) were sent in "
               f"{', '.join(headers)} and refused: check the account")
    elif headers:
        fix = (f"the login's token was sent in {', '.join(headers)} and refused: check [api.login] (or "
               f"[load.login]) header, scheme and account")
    else:
        # A 401/403 for every request is missing credentials (schemathesis tells its users to pass them
        # with --auth or -H); the phase's way to send them is the login.
        fix = ("no login is configured: set [api.login] (or [load.login]) path, json and token_field, the "
               "login request whose token every generated request then sends, or basic = \"user:password\" "
               "for HTTP Basic (docs/api.md, Authentication)")
    return (f"api: {names}: every answer was refused (401/403), so their response times were not "
            f"measured (p95_ms has no value): {fix}")


def unreachable_warning(outcome: ContractOutcome) -> str:
    """The warning for the operations some of whose answers said the app could not reach a host outside
    it (``outcome.unreachable``, :func:`.contract.unreachable_host`): those answers were neither timed nor
    checked, so those operations are untested where they call it; what to do about it."""
    counts = ", ".join(
        f"{label} ({count} of {count + len(outcome.timings.get(label, [])) + outcome.refused.get(label, 0)})"
        for label, count in outcome.unreachable.items())
    hosts = ", ".join(outcome.far_hosts)
    return (f"api: not tested where the app calls {hosts}: the answers of {counts} said it could not reach "
            f"{'it' if len(outcome.far_hosts) == 1 else 'them'} (a name this runner cannot resolve, or a "
            "network it cannot reach), so they are neither findings nor timed; give the run that network, "
            "or point the app at a stand-in for that service in [serve] env (docs/api.md)")


def _contract(settings: ApiSettings, ctx: PhaseContext, base_url: str, client: Any,
              headers: dict[str, str], result: PhaseResult) -> None:
    from .discover import find_documents

    allow = allowed_hosts(settings, ctx)
    search = find_documents(settings, ctx, base_url, client, lambda url: host_allowed(url, allow), headers)
    # a login whose token runs out before the test ends is repeated (run_contract)
    login = settings.login
    renew = (lambda: log_in(settings, client)) if headers and login.path and not login.basic else None
    if not search.documents:
        result.warnings.append("api: no OpenAPI document or GraphQL schema found, the contract test was "
                               "skipped; looked at " + ", ".join(search.tried)
                               + " (set [api] openapi, or [api] graphql for a GraphQL endpoint)")
        return
    # One time cap for the whole test, split between an OpenAPI document and a GraphQL schema: the second
    # gets what the first left.
    deadline = time.monotonic() + settings.max_time
    documents = search.documents
    for number, document in enumerate(documents):
        share = (settings.max_time if len(documents) == 1
                 else max(1.0, round((deadline - time.monotonic()) / (len(documents) - number))))
        if _contract_of(document, settings, ctx, base_url, headers, result, share, renew):
            return  # the app stopped serving: nothing more can be tested


def _contract_of(document: Document, settings: ApiSettings, ctx: PhaseContext, base_url: str,
                 headers: dict[str, str], result: PhaseResult, max_time: float,
                 renew: Callable[[], Mapping[str, str]] | None = None) -> bool:
    """The contract test of one document (an OpenAPI document or a GraphQL schema) within *max_time* s;
    whether the app stopped serving during it (an error of *result* then says so, and the request it
    stopped on is an ``api/app-crash`` finding)."""
    from .contract import run_contract

    graphql = document.kind == "graphql"
    result.notes.append(f"GraphQL schema: {document.where} (introspection)" if graphql
                        else f"OpenAPI document: {document.where}")
    if not graphql:
        # kept for `run --base-ref`, which compares the base's document with the head's (.changes)
        result.artifacts.append(keep_document(document.data, ctx.artifacts_dir))
    outcome = run_contract(document.data, document.where, base_url, settings, headers, ctx.progress,
                           kind=document.kind, max_time=max_time, renew=renew)
    budget = settings.p95_ms if settings.p95_ms is not None else ctx.budgets.api_p95_ms
    result.metrics.extend(timing_metrics(outcome, budget, settings.operation_p95_ms))
    unknown = unknown_budgets(settings.operation_p95_ms, outcome, document.where, graphql)
    if unknown:
        result.warnings.append(unknown)
    result.findings.extend(contract_findings(outcome))
    refused = sum(outcome.refused.values())
    what = "GraphQL" if graphql else "contract"
    result.notes.append(f"{what}: {outcome.requests} generated requests over {len(outcome.timings)} "
                        f"operations (at most {settings.max_examples} each, {max_time:g}s in all)"
                        + (f"; {refused} refused (401/403), not timed" if refused else ""))
    if outcome.token_life is not None and outcome.logins:  # a test that ended first renewed nothing
        result.notes.append(f"{what}: the login's token lasts {outcome.token_life:g}s (its JSON Web Token's "
                            f"exp), less than the test: logged in again {outcome.logins} time(s) as it ran "
                            "out")
    if outcome.login_failed:
        result.warnings.append(f"api: the login's token ran out during the contract test and logging in "
                               f"again failed ({outcome.login_failed}): the requests after it were sent with "
                               "the expired token")
    warning = refused_warning(outcome, headers)
    if warning:
        result.warnings.append(warning)
    if outcome.unauthenticated:
        count = len(outcome.unauthenticated)
        operations = f"{count} operation{'s' if count > 1 else ''}"
        said = ("refused the request without credentials (401/403, or an error of the GraphQL answer that "
                "says so: not logged in, no permission): not reported as api/server-error findings"
                if graphql else "answered 401/403 without credentials, a status the document does not list: "
                "not reported as api/undocumented-status findings")
        result.warnings.append(
            f"api: {operations} {said}, since no login is configured; set [api.login] (or [load.login]) to "
            f"test them with credentials: " + ", ".join(outcome.unauthenticated))
    if outcome.stopped:
        result.errors.append(outcome.stopped)
    if outcome.unreachable:
        result.warnings.append(unreachable_warning(outcome))
    if outcome.not_reached:
        result.warnings.append(f"api: the time cap ({max_time:g}s) stopped the contract test before "
                               f"{', '.join(outcome.not_reached)}")
    if outcome.cut_short:
        # gate.unscanned_paths reads it back: a base that sent fewer requests to an operation than the head
        # may not have sent the one that found the head's problem
        result.notes.append(
            f"{CUT_SHORT_NOTE} ({max_time:g}s), which ended these before {settings.max_examples} generated "
            f"requests: " + ", ".join(f"{label} ({sent})" for label, sent in outcome.cut_short.items())
            + "; a larger [api] max_time tests them further")
    for problem in outcome.unusable:
        result.warnings.append(f"api: an operation of {document.where} could not be tested: {problem}")
    return bool(outcome.stopped)


DOCUMENT_FILE = "openapi.json"
CUT_SHORT_NOTE = "api: each operation had an even share of the time cap"


def keep_document(data: dict[str, Any], artifacts_dir: Path) -> str:
    """Write the OpenAPI document the contract test read to *artifacts_dir*; how the result lists it."""
    from ..frontend.phase import artifact_ref

    artifacts_dir.mkdir(parents=True, exist_ok=True)
    path = write_text_atomic(artifacts_dir / DOCUMENT_FILE, json.dumps(data, indent=1) + "\n")
    return artifact_ref(path, artifacts_dir)


def run_api(settings: ApiSettings, ctx: PhaseContext, url: str | None = None) -> PhaseResult:
    """Run the contract test and the flows against *url* (else ``[api] url``, else the app `run` started).

    Raises ConfigError without a URL or for a host not allowed, InputError for an OpenAPI document that
    does not parse (its file or URL and line), RunError when the login fails or the app stops answering.
    """
    from ...net.loopback import client as loopback_client

    started = time.monotonic()
    base_url = (url or settings.url or ctx.base_url or "").rstrip("/")
    if not base_url:
        raise ConfigError("api: no app to test: pass --url, set [api] url, or let `echotune-ci run` start it")
    check_host(base_url, allowed_hosts(settings, ctx))
    check_flows(settings.flows, ctx.source)
    _check_login(settings, ctx.source)
    result = PhaseResult(phase=NAME, target=base_url, tool_versions=_versions())
    if not settings.enabled:
        result.notes.append("[api] enabled = false: nothing tested")
        return result
    with loopback_client(base_url, timeout=settings.request_timeout, follow_redirects=False) as client:
        _reachable(client, base_url)
        # Flows first: the contract test's generated requests may trip the app's rate limits or change
        # its data, which would fail a flow for what the test did, not for what the app does. The login
        # after them: a flow that signs the test account up makes it on a fresh database.
        for flow in settings.flows:
            outcome = run_flow(flow, client, ctx.progress)
            result.findings.extend(outcome.findings)
            result.notes.append(outcome.note)
        try:
            headers = log_in(settings, client)
        except RunError as exc:
            # A flow that failed before it (the sign-up of the test account, answered 500 by a head that
            # broke it) is the likelier cause, and its finding was lost with the phase's result: the run
            # said only "login ... answered 401, expected 200"
            failed = [f for f in result.findings if "flow" in f.properties]
            if not failed:
                raise
            result.errors.append(f"{exc}, after a flow before it failed ({failed[0].message[:300]}): the "
                                 "contract test was not run")
        else:
            if settings.contract:
                _contract(settings, ctx, base_url, client, headers, result)
    assign_fingerprints(result.findings)
    result.duration_s = time.monotonic() - started
    result.finalize(fail_on=FAIL_ON)
    if result.status == "pass" and not result.metrics and not settings.flows:
        # Nothing was tested: never a pass on its own.
        result.status = "warn"
    return result


def _reachable(client: Any, base_url: str) -> None:
    """RunError when nothing answers at *base_url* (else a down app would read as "no document found")."""
    import httpx

    try:
        client.get("/")
    except httpx.HTTPError as exc:
        raise RunError(f"api: cannot reach the app at {base_url} ({type(exc).__name__})") from None


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("schemathesis", "hypothesis"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            continue
    return out

