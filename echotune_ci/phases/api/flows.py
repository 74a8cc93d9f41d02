"""Integration flows: ``[[api.flows]]`` requests checked in order, with values carried between steps.

A step sends its request (``{name}`` replaced by an earlier capture), must
get one of its ``status`` codes, and captures values from the JSON answer
with a JSONPath-lite expression (``$.a.b[0].c``). ``refuse_without`` first
sends the step without that capture (its header dropped, elsewhere an empty
string): the app must refuse it (401/403, or a GraphQL answer whose errors
refuse it, as GraphQL servers answer 200). ``json_error`` steps must get a
4xx with a JSON body. No answer may carry a stack trace. The first step that
fails ends its flow; the finding quotes the answer (masked, escaped,
shortened).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_plus

from ...errors import ConfigError
from ...masking import answer_excerpt as excerpt
from ...results import Finding, Location
from .settings import Flow, FlowStep

# {name}: an earlier step's capture; {cookie:NAME}: the value of cookie NAME (RFC 6265's token characters)
# the flow's client holds when the step is sent, e.g. Django's CSRF token for its X-CSRFToken header
PLACEHOLDER = re.compile(r"\{(cookie:[!#$%&'*+.^_`|~0-9A-Za-z-]+|[A-Za-z_][A-Za-z0-9_]*)\}")
COOKIE = "cookie:"
_JSONPATH = re.compile(r"\$((?:\.[A-Za-z_][A-Za-z0-9_-]*|\[\d+\])*)")
_TOKEN = re.compile(r"\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]")
# field:NAME captures the value of an HTML page's form field NAME (or <meta name=NAME>): the CSRF token a
# login form carries (Flask-WTF's csrf_token, Rails' authenticity_token)
_FIELD = re.compile(r"field:([^\s\"'<>=]+)")
# What a framework's stack trace looks like in a body: Python, Node/JavaScript, Java, Ruby, PHP, .NET.
STACK_TRACE = re.compile(
    r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+|\n\s+at [\w$.<>]+ \(?[^\s()]+:\d+:\d+\)?"
    r"|\n\s+at [\w$.]+\([\w$]+\.java:\d+\)|\.rb:\d+:in `|Stack trace:\s*\n#0 "
    r"|   at [\w.]+\(.*\) in .*:line \d+")
SOURCE = "echotune-api"
_MISSING = object()


def placeholders(step: FlowStep) -> set[str]:
    """The capture names *step* uses in its path, headers and body (JSON, form or raw)."""
    names = set(PLACEHOLDER.findall(step.path)) | set(PLACEHOLDER.findall(step.body))
    for value in (*step.headers.values(), *step.form.values()):
        names |= set(PLACEHOLDER.findall(value))
    names |= set(PLACEHOLDER.findall(json.dumps(step.json))) if step.json is not None else set()
    return names


def check_flows(flows: tuple[Flow, ...], source: str) -> None:
    """ConfigError for a flow without steps, a JSONPath-lite capture that is not one, a ``{name}`` no
    earlier step captures (``{cookie:NAME}`` is the client's cookie, whatever the steps capture), or a
    ``refuse_without`` naming no earlier capture."""
    for i, flow in enumerate(flows):
        where = f"{source}: 'api.flows[{i}]' ({flow.name})"
        if not flow.steps:
            raise ConfigError(f"{where} has no steps")
        captured: set[str] = set()
        for j, step in enumerate(flow.steps):
            at = f"{where}: steps[{j}]"
            missing = sorted(n for n in placeholders(step) - captured if not n.startswith(COOKIE))
            if missing:
                raise ConfigError(f"{at} uses {{{missing[0]}}}, which no earlier step captures")
            if step.refuse_without and step.refuse_without not in captured:
                raise ConfigError(f"{at}: refuse_without = '{step.refuse_without}' is no earlier capture")
            bodies = [key for key, given in (("json", step.json is not None), ("form", bool(step.form)),
                                             ("body", bool(step.body))) if given]
            if len(bodies) > 1:
                raise ConfigError(f"{at} has both {bodies[0]} and {bodies[1]}: keep one")
            for name, path in step.capture.items():
                if not (_JSONPATH.fullmatch(path) or _FIELD.fullmatch(path)):
                    raise ConfigError(f"{at}: capture {name} = '{path}' is not a path such as '$.token' "
                                      f"or '$.items[0].id', nor a page's form field such as "
                                      f"'field:csrf_token'")
            captured |= set(step.capture)


def select(data: Any, path: str) -> Any:
    """The value at JSONPath-lite *path* (``$``, ``.name``, ``[index]``) in *data*, or :data:`_MISSING`."""
    value = data
    for name, index in _TOKEN.findall(path[1:]):
        if name and isinstance(value, dict) and name in value:
            value = value[name]
        elif index and isinstance(value, list) and int(index) < len(value):
            value = value[int(index)]
        else:
            return _MISSING
    return value


def _fill(value: Any, captures: Mapping[str, str], encode: Callable[[str], str] | None = None) -> Any:
    if isinstance(value, str):
        def put(m: re.Match[str]) -> str:
            got = captures.get(m.group(1))
            return m.group(0) if got is None else encode(got) if encode else got

        return PLACEHOLDER.sub(put, value)
    if isinstance(value, list):
        return [_fill(v, captures) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, captures) for k, v in value.items()}
    return value


@dataclass
class FlowOutcome:
    """One flow's findings, how many of its steps passed, and a note for the report."""

    findings: list[Finding] = field(default_factory=list)
    passed: int = 0
    note: str = ""


@dataclass
class _Step:
    flow: Flow
    index: int
    step: FlowStep

    def finding(self, rule: str, severity: str, message: str) -> Finding:
        return Finding(rule_id=rule, severity=severity, source_tool=SOURCE,
                       message=f"flow '{self.flow.name}', step {self.index + 1} ({self.step.label}): "
                               f"{message}",
                       location=Location(path=self.step.path.split("?")[0]),
                       context=f"flow {self.flow.name} step {self.index + 1} {rule}",
                       properties={"flow": self.flow.name, "step": self.index + 1})


def _send(client: Any, step: FlowStep, captures: Mapping[str, str], drop: str = "") -> Any:
    """Send *step* with *captures* filled in; *drop*: a capture left out (headers using it dropped,
    elsewhere an empty string)."""
    headers = {}
    for name, value in step.headers.items():
        if drop and f"{{{drop}}}" in value:
            continue
        headers[name] = _fill(value, captures)
    if drop:
        captures = {**captures, drop: ""}
    kwargs: dict[str, Any] = {"headers": headers}
    if step.json is not None:
        kwargs["json"] = _fill(step.json, captures)
    elif step.form:  # httpx sends a dict as application/x-www-form-urlencoded
        kwargs["data"] = {name: _fill(value, captures) for name, value in step.form.items()}
    elif step.body:
        # A value put into an urlencoded body is encoded as a form encodes it: a Rails authenticity_token
        # (base64: "+", "/", "=") sent as it was arrived with a space for each "+", and was refused
        encode = quote_plus if _form_type(headers) else None
        kwargs["content"] = _fill(step.body, captures, encode).encode("utf-8")
    path, follow = _filled_path(step.path, captures)
    if not follow:  # joined to the app's URL, under its path ("/app" + "/api/users")
        return client.request(step.method, path, **kwargs)
    # A captured URL or path to follow is resolved as a browser resolves a link: "/app/users/7" of an app
    # under /app was joined under its path again (/app/app/users/7). It may name another site (an app's
    # "href" to its CDN or single sign-on, a hostile answer's "//attacker/x"), where httpx would have sent
    # the step's Authorization header
    base = client.base_url
    target = base.join(path)
    if (target.scheme, target.host, target.port) != (base.scheme, base.host, base.port):
        raise OffSite(f"{target.scheme}://{target.netloc.decode('ascii', 'replace')}",
                      f"{base.scheme}://{base.netloc.decode('ascii', 'replace')}")
    return client.request(step.method, target, **kwargs)


class OffSite(Exception):
    """A step's path, filled in, names another site (scheme, host or port) than the app's: *where* (the
    other origin, ``scheme://host:port``) and *app* (the app's)."""

    def __init__(self, where: str, app: str) -> None:
        super().__init__(where)
        self.where, self.app = where, app


def _filled_path(path: str, captures: Mapping[str, str]) -> tuple[str, bool]:
    """*path* with its captures filled URL-encoded, as an HTTP client fills a path or query parameter (an
    id "a b/c" is ``a%20b%2Fc``; a "?" or "#" in a name had cut the path), and whether it is a link to
    follow: a capture that starts the path is a path or URL itself (a ``Location`` captured to follow)
    and goes in as it is."""
    if path.startswith("{") and (m := PLACEHOLDER.match(path)) and m.group(1) in captures:
        return captures[m.group(1)] + _fill(path[m.end():], captures, _component), True
    return _fill(path, captures, _component), False


def _component(value: str) -> str:
    return quote(value, safe="")


def _form_type(headers: Mapping[str, str]) -> bool:
    """Whether *headers* say the body is ``application/x-www-form-urlencoded``."""
    return any(k.lower() == "content-type" and v.split(";")[0].strip().lower() == FORM_TYPE
               for k, v in headers.items())


FORM_TYPE = "application/x-www-form-urlencoded"


def _check_answer(at: _Step, response: Any) -> Finding | None:
    step = at.step
    text = response.text
    if STACK_TRACE.search(text):
        return at.finding("api/flow-stack-trace", "high",
                          f"the answer ({response.status_code}) shows a stack trace: {excerpt(text)}")
    if response.status_code not in step.status:
        return at.finding("api/flow-status", "high" if response.status_code >= 500 else "medium",
                          f"expected {' or '.join(map(str, step.status))}, got {response.status_code}: "
                          f"{excerpt(text)}")
    if step.json_error:
        if not 400 <= response.status_code < 500:
            return at.finding("api/flow-error-handling", "high",
                              f"malformed input answered {response.status_code}, not a 4xx: {excerpt(text)}")
        try:
            json.loads(text)
        except ValueError:
            return at.finding("api/flow-error-handling", "medium",
                              f"the error answer is not JSON: {excerpt(text)}")
    return None


def _capture(at: _Step, response: Any, captures: dict[str, str]) -> Finding | None:
    from ...masking import is_secret_name, register

    from ..load.settings import form_token

    if not at.step.capture:
        return None
    data: Any = _MISSING
    if any(not _FIELD.fullmatch(path) for path in at.step.capture.values()):
        try:
            data = json.loads(response.text)
        except ValueError:
            return at.finding("api/flow-capture", "medium",
                              f"the answer is not JSON, nothing to capture: {excerpt(response.text)}")
    for name, path in at.step.capture.items():
        field = _FIELD.fullmatch(path)
        value = (form_token(response.text, field.group(1)) or None) if field else select(data, path)
        if value is _MISSING or value is None:
            return at.finding("api/flow-capture", "medium",
                              f"capture {name} = '{path}' found nothing in the answer: "
                              f"{excerpt(response.text)}")
        text = value if isinstance(value, str) else json.dumps(value)
        if field or is_secret_name(name.upper()):  # a form's token is a CSRF credential
            register(text)
        captures[name] = text
    return None


def _cookies(client: Any, step: FlowStep) -> dict[str, str]:
    """``{"cookie:NAME": value}`` of the cookies *step* names that the client holds now (registered
    for masking: a CSRF token or a session is a credential). One it lacks stays as written."""
    from ...masking import register

    wanted = {n.removeprefix(COOKIE) for n in placeholders(step) if n.startswith(COOKIE)}
    found = {}
    for cookie in client.cookies.jar if wanted else ():
        if cookie.name in wanted and cookie.value:
            register(cookie.value)
            found[f"{COOKIE}{cookie.name}"] = cookie.value
    return found


def _lacking_cookies(problem: Finding, step: FlowStep, values: Mapping[str, str], client: Any) -> Finding:
    """*problem* with the ``{cookie:NAME}`` placeholders of *step* the client held no cookie for, which
    went as written, named with the cookies it did hold (a misspelt name, or a page that set none)."""
    lacking = sorted(n.removeprefix(COOKIE) for n in placeholders(step)
                     if n.startswith(COOKIE) and n not in values)
    if not lacking:
        return problem
    held = sorted({c.name for c in client.cookies.jar}) or ["none"]
    return dataclasses.replace(problem, message=f"{problem.message} (sent without cookie "
                               f"{', '.join(lacking)}, which no earlier answer set; cookies held: "
                               f"{', '.join(held)})")


def _refused(response: Any) -> bool:
    """Whether *response* refuses a request for want of credentials: a 401 or 403, or a GraphQL answer
    (which refuses with a 200) whose every error says so (:func:`.contract.graphql_refusal`)."""
    from .contract import graphql_refusal

    if response.status_code in (401, 403):
        return True
    return response.status_code < 500 and graphql_refusal(response.content) == "refused"


def run_flow(flow: Flow, client: Any, progress: Callable[[str], None]) -> FlowOutcome:
    """Check *flow* with *client* (an httpx client on the app's URL, redirects not followed). A flow is
    self-contained: it logs in with a step of its own, [api.login] is not sent. The first failing step
    ends the flow."""
    import httpx

    outcome = FlowOutcome()
    captures: dict[str, str] = {}
    for i, step in enumerate(flow.steps):
        at = _Step(flow, i, step)
        progress(f"flow {flow.name}: {step.label}")
        try:
            values = {**_cookies(client, step), **captures}
            if step.refuse_without:
                refused = _send(client, step, values, drop=step.refuse_without)
                if not _refused(refused):
                    # GraphQL refuses with a 200 and errors: said only where the step is a GraphQL query
                    graphql = isinstance(step.json, dict) and isinstance(step.json.get("query"), str)
                    expected = "401 or 403, or a GraphQL answer whose errors refuse it" if graphql else \
                        "401 or 403"
                    outcome.findings.append(at.finding(
                        "api/flow-auth", "high", f"sent without {{{step.refuse_without}}} it was not refused "
                        f"(got {refused.status_code}, expected {expected}): {excerpt(refused.text)}"))
                    break
            response = _send(client, step, values)
        except httpx.HTTPError as exc:
            outcome.findings.append(at.finding("api/flow-status", "high",
                                               f"the request failed ({type(exc).__name__})"))
            break
        except OffSite as away:  # only the origin is named: the rest of a URL may carry a token
            outcome.findings.append(at.finding(
                "api/flow-capture", "medium", f"the path {step.path} leads to {away.where}, another site "
                f"than the app's {away.app}: not sent, so the step's headers and cookies stay with the app"))
            break
        problem = _check_answer(at, response) or _capture(at, response, captures)
        if problem is not None:
            outcome.findings.append(_lacking_cookies(problem, step, values, client))
            break
        outcome.passed += 1
    total = len(flow.steps)
    outcome.note = f"flow '{flow.name}': {outcome.passed}/{total} steps passed" + (
        "" if outcome.passed == total else f", stopped at step {outcome.passed + 1}")
    return outcome
