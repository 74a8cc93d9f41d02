"""A reviewer's attempts at the quoted answers of load failures and at login forms' CSRF tokens.

What broke, each recreated here with values of our own:

* an answer's excerpt was cut to 200 characters before its secrets were masked: a registered token that
  started at character 190 had its first 10 characters shown;
* a JWT in an HTML page's words, and the value of a secret-named field of a JSON body that did not parse
  (cut where it was read, or inside other text), were shown;
* a failure's answer was read to 4,000 characters, so a page whose head holds more inline CSS than that
  was quoted as its CSS;
* the password of ``[load.login] basic`` was never registered, so a 401 page echoing it was quoted as is,
  and neither was the session id of a session login in the load test's workers;
* Rails' ``csrf_meta_tags`` put the token in ``<meta name="csrf-token">`` beside ``<meta
  name="csrf-param" content="authenticity_token">``, which ``csrf_field = "authenticity_token"`` did not
  read, and an ``<input>`` inside a ``<textarea>`` (text, not a field) was taken for the token;
* a flow's raw urlencoded body put a captured token in as it came: a Rails token's "+" arrived as a space.
"""

from __future__ import annotations

import json
import threading
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

import httpx
import pytest
from support import local_server
from support.api_fake import JsonApi
from support.load_support import load, write_config

from echotune_ci import masking
from echotune_ci.config import load_config
from echotune_ci.masking import answer_excerpt, mask, register, register_login
from echotune_ci.phases.api.flows import run_flow
from echotune_ci.phases.api.settings import Flow, FlowStep
from echotune_ci.phases.load import worker
from echotune_ci.phases.load.settings import form_token
from echotune_ci.serve.output import PAGE_CHARS, page_text

TOKEN = "Tk9-a1b2c3d4e5f6g7h8i9j0"  # pragma: allowlist secret - a test value


@pytest.fixture(autouse=True)
def fresh_registry():
    masking.clear()
    yield
    masking.clear()


def test_a_secret_the_cut_would_split_is_masked_whole():
    register(TOKEN)
    # 190 characters, then the token: nothing of it may remain, and the masked text is short enough
    assert answer_excerpt("x" * 190 + TOKEN) == "x" * 190 + "***"
    assert answer_excerpt("y" * 199 + TOKEN + "z") == "y" * 199 + "* ..."


def test_a_jwt_in_a_pages_words_is_masked():
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl"
    page = f"<!doctype html><html><body><p>Your token: {jwt}</p></body></html>"
    assert answer_excerpt(page) == "Your token: ***"


@pytest.mark.parametrize(("body", "shown"), [
    # cut where it was read: no JSON, the field's value still hidden
    ('{"user": {"name": "ann", "access_token": "abcdefghijklmnop',
     '{"user": {"name": "ann", "access_token": "***"'),
    ('error: {"sessionId": "qwertyuiop", "n": 1}', 'error: {"sessionId": "***", "n": 1}'),
    ('{"refresh_token": "a\\"b\\"c", "ok": true}', '{"refresh_token":"***","ok":true}'),
])
def test_secret_named_fields_are_hidden_also_where_the_json_does_not_parse(body, shown):
    assert answer_excerpt(body) == shown


def test_a_page_read_in_part_gives_its_title_not_its_css():
    css = "body{color:#123456;margin:0}" * 1000  # 28,000 characters: past the window read
    page = f"<!doctype html><html><head><title>Server Error (500)</title><style>{css}</style></head>" \
           "<body><h1>Boom</h1></body></html>"
    assert page_text(page) == "Server Error (500)"
    assert page_text('<html><body><p>Hello</p><a href="/a/very/long/pa') == "Hello"
    assert page_text("<html><body><p>Hi</p><!-- an open comment <p>no</p>") == "Hi"
    # a script that is closed does not hide what follows it, though it holds an opening comment
    assert page_text('<html><body><script>var a = "<!--";</script><p>Shown</p></body></html>') == "Shown"


class _Answer:
    def __init__(self, text: str):
        self.text = text


def test_a_failures_answer_is_read_far_enough_for_a_page_with_a_long_head(monkeypatch):
    monkeypatch.setattr(worker, "ANSWERS", {})
    css = "p{margin:0 auto;padding:1px}" * 300  # 8,400 characters of head before the body
    page = f"<html><head><title>Oops</title><style>{css}</style></head><body><h1>Database unavailable</h1>" \
           "</body></html>"
    assert len(page) < PAGE_CHARS
    worker.keep_answer(_Answer(page), ("GET", "/api/x"), "HTTP 503 (expected 200)")
    assert worker.ANSWERS == {("GET", "/api/x", "HTTP 503 (expected 200)"): "Database unavailable"}
    assert worker.ANSWER_READ == PAGE_CHARS


def test_a_basic_logins_password_is_masked_in_the_workers_and_from_the_config(tmp_path):
    register_login({"basic": "admin:Hunter2-basic", "json": None, "form": {}, "headers": {}})
    said = answer_excerpt("401: wrong password Hunter2-basic for admin")
    assert said == "401: wrong password *** for admin"
    masking.clear()
    (tmp_path / "echotune.toml").write_text('[load.login]\nbasic = "ops:S3cond-pass"\n'
                                            '[api.login]\nbasic = "api:Th1rd-pass"\n')
    masking.register_config(load_config(tmp_path / "echotune.toml"), env={})
    assert mask("echo S3cond-pass Th1rd-pass") == "echo *** ***"


@pytest.mark.parametrize(("page", "token"), [
    # Rails' csrf_meta_tags: the param's name, and the token beside it
    ('<meta name="csrf-param" content="authenticity_token"><meta name="csrf-token" content="a+b/c==">',
     "a+b/c=="),
    # a form's own field comes first
    ('<meta name="csrf-param" content="authenticity_token"><meta name="csrf-token" content="meta">'
     '<form><input type="hidden" name="authenticity_token" value="form"></form>', "form"),
    # another param's token is not this field's
    ('<meta name="csrf-param" content="_csrf"><meta name="csrf-token" content="other">', None),
    # a textarea holds text and a template's content is no field of the page
    ('<textarea><input name="authenticity_token" value="text"></textarea>'
     '<template><input name="authenticity_token" value="inert"></template>'
     '<input name="authenticity_token" value="real">', "real"),
])
def test_rails_meta_tags_and_inert_elements(page, token):
    assert form_token(page, "authenticity_token") == token


def test_a_flows_urlencoded_raw_body_gets_the_captured_token_encoded():
    token = "q+Z/9w==&x"  # pragma: allowlist secret - base64 as Rails makes it, and a separator
    received: list[tuple[str, bytes]] = []

    def app(request: httpx.Request) -> httpx.Response:
        received.append((request.url.path, request.content))
        if request.method == "GET":
            return httpx.Response(200, text=f'<form><input name="authenticity_token" value="{token}"></form>')
        return httpx.Response(302, headers={"Location": "/"})

    steps = (FlowStep(path="/login", capture={"csrf": "field:authenticity_token"}),
             FlowStep(method="POST", path="/login", status=(302,), body="user=ann&authenticity_token={csrf}",
                      headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}),
             FlowStep(method="POST", path="/raw", status=(302,), body="{csrf}",
                      headers={"Content-Type": "text/plain"}))
    with httpx.Client(base_url="http://app.test", transport=httpx.MockTransport(app)) as client:
        outcome = run_flow(Flow(name="rails", steps=steps), client, lambda _: None)
    assert outcome.findings == [] and outcome.passed == 3, [f.message for f in outcome.findings]
    form = received[1][1].decode()
    assert form == "user=ann&authenticity_token=q%2BZ%2F9w%3D%3D%26x"
    assert parse_qs(form)["authenticity_token"] == [token]
    assert received[2][1].decode() == token  # not a form: sent as it came


def test_a_flows_path_gets_its_captures_encoded_as_parameters_and_a_leading_location_as_it_is():
    """A captured name with a space, "/", "?" or "#" went into a step's path as it was: "/api/users/a b/c?x"
    asked for another path, and cut a query off. Filled as an HTTP client fills a path parameter
    (RFC 3986 percent-encoding of everything but the unreserved characters), the server reads back the
    value captured."""
    name = "Zoë a/b?c#d&e=f"
    seen: list[httpx.URL] = []

    def app(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        if request.url.path == "/api/users":
            return httpx.Response(201, json={"name": name, "href": "/api/users/7?full=1"})
        return httpx.Response(200, json={})

    steps = (FlowStep(method="POST", path="/api/users", status=(201,), json={},
                      capture={"name": "$.name", "href": "$.href"}),
             FlowStep(path="/api/users/{name}/posts?tag={name}&n=2"),
             FlowStep(path="{href}&name={name}"))
    with httpx.Client(base_url="http://app.test", transport=httpx.MockTransport(app)) as client:
        outcome = run_flow(Flow(name="paths", steps=steps), client, lambda _: None)
    assert outcome.findings == [] and outcome.passed == 3, [f.message for f in outcome.findings]
    posts, followed = seen[1], seen[2]
    assert posts.raw_path.decode() == ("/api/users/Zo%C3%AB%20a%2Fb%3Fc%23d%26e%3Df/posts"
                                      "?tag=Zo%C3%AB%20a%2Fb%3Fc%23d%26e%3Df&n=2")
    assert parse_qs(posts.query.decode()) == {"tag": [name], "n": ["2"]}
    assert followed.path == "/api/users/7" and parse_qs(followed.query.decode()) == {"full": ["1"],
                                                                                      "name": [name]}


@pytest.mark.parametrize(("href", "origin"), [
    ("http://elsewhere.test/users/7?token=abc", "http://elsewhere.test"),
    ("//elsewhere.test/users/7", "http://elsewhere.test"),  # scheme-relative: the app's scheme, another host
    ("https://app.test/users/7", "https://app.test"),       # another scheme (and so port 443)
    ("http://app.test:81/users/7", "http://app.test:81"),
])
def test_a_leading_capture_that_leads_to_another_site_is_not_followed(href, origin):
    """A captured URL that starts a step's path went in as it was, and httpx sent the step to whatever site
    it named, with the step's Authorization header. Only the app's own origin (scheme, host, port) is
    followed; the finding names the other origin, not the URL (its query may carry a token)."""
    seen: list[httpx.Request] = []

    def app(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201 if request.method == "POST" else 200, json={"href": href})

    steps = (FlowStep(method="POST", path="/api/users", status=(201,), json={}, capture={"href": "$.href"}),
             FlowStep(path="{href}", headers={"Authorization": "Bearer flow-secret"}))
    with httpx.Client(base_url="http://app.test", transport=httpx.MockTransport(app)) as client:
        outcome = run_flow(Flow(name="away", steps=steps), client, lambda _: None)
    assert len(seen) == 1 and outcome.passed == 1
    [finding] = outcome.findings
    assert finding.rule_id == "api/flow-capture"
    assert finding.message == (f"flow 'away', step 2 (GET {{href}}): the path {{href}} leads to {origin}, "
                               f"another site than the app's http://app.test: not sent, so the step's "
                               f"headers and cookies stay with the app")
    # the app's own URL, written whole with its default port, is followed
    seen.clear()
    href, origin = "http://app.test:80/users/7", ""
    with httpx.Client(base_url="http://app.test", transport=httpx.MockTransport(app)) as client:
        assert run_flow(Flow(name="home", steps=steps), client, lambda _: None).passed == 2
    assert str(seen[1].url) == "http://app.test/users/7"


def test_a_leading_capture_of_an_app_under_a_path_is_followed_where_it_points():
    """An app under /app answers "href": "/app/users/7": httpx joined it under the app's path again
    (/app/app/users/7, a 404). It is resolved as a link is (RFC 3986: an absolute path replaces the base's
    path), while a path written in the step stays joined under the app's path."""
    seen: list[str] = []

    def app(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.method == "POST":
            return httpx.Response(201, json={"href": "/app/users/7?full=1"})
        return httpx.Response(200 if request.url.raw_path.count(b"/app") == 1 else 404, json={})

    steps = (FlowStep(method="POST", path="/users", status=(201,), json={}, capture={"href": "$.href"}),
             FlowStep(path="{href}&n=2"), FlowStep(path="/users/{href}"))
    with httpx.Client(base_url="http://app.test/app", transport=httpx.MockTransport(app)) as client:
        outcome = run_flow(Flow(name="mounted", steps=steps), client, lambda _: None)
    assert outcome.findings == [] and outcome.passed == 3, [f.message for f in outcome.findings]
    assert seen == ["http://app.test/app/users", "http://app.test/app/users/7?full=1&n=2",
                    "http://app.test/app/users/%2Fapp%2Fusers%2F7%3Ffull%3D1"]


class _EchoingApp(JsonApi):
    """A session login behind a form's CSRF token (as Flask-WTF keeps it), whose notes endpoint fails with
    a 500 that echoes the request's cookie and CSRF header, as a debug page does."""

    lock = threading.Lock()
    sessions: dict[str, str] = {}  # session id -> its CSRF token
    echoed: set[tuple[str, str]] = set()  # (session id, token) of the answers that echoed them

    def _reply(self, status: int, body: str, cookie: str = "", location: str = "") -> None:
        data = body.encode()
        self.send_response(status)
        if cookie:
            self.send_header("Set-Cookie", f"session={cookie}; HttpOnly; Path=/")
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _sid(self) -> str:
        morsel = SimpleCookie(self.headers.get("Cookie", "")).get("session")
        return morsel.value if morsel is not None else ""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        import secrets

        sid = self._sid() or secrets.token_hex(16)
        with self.lock:
            token = self.sessions.setdefault(sid, "csrf+" + secrets.token_hex(10))
        field = f'<input name="csrf_token" value="{token}">'
        self._reply(200, f"<html><body><form>{field}</form></body></html>", sid)

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        sid = self._sid()
        sent = parse_qs(body).get("csrf_token", [self.headers.get("X-CSRFToken")])[0]
        if not sid or sent != self.sessions.get(sid):
            return self._reply(400, "The CSRF token is missing.")
        if self.path == "/login":
            return self._reply(302, "", sid, "/")
        with self.lock:
            self.echoed.add((sid, sent))
        echo = {"error": "boom", "got": self.headers.get("Cookie"), "csrf_was": sent}
        return self._reply(500, "debug: " + json.dumps(echo))


@pytest.mark.parametrize("user_class", ["fast", "http"])
def test_a_failures_answer_masks_the_session_and_the_form_token(tmp_path, load_env, user_class):
    _EchoingApp.sessions, _EchoingApp.echoed = {}, set()
    server = local_server.start(_EchoingApp)
    try:
        write_config(tmp_path, f'[load]\nusers = 1\nspawn_rate = 10\nduration = "1s"\nwait_min = "0.1s"\n'
                               f'wait_max = "0.2s"\nuser_class = "{user_class}"\n[load.login]\n'
                               'path = "/login"\nform = { user = "ann" }\nstatus = [302]\nsession = true\n'
                               'csrf_field = "csrf_token"\n'
                               '[[load.endpoints]]\nmethod = "POST"\npath = "/notes"\njson = {}\n')
        proc, result = load(load_env, tmp_path, "--host", local_server.url(server))
    finally:
        local_server.stop(server)
    assert result is not None, proc.stdout + proc.stderr
    [(sid, token)] = _EchoingApp.echoed  # one user, one login
    [failure] = [f for f in result.findings if f.properties.get("endpoint") == "POST /notes"]
    # "debug: {...}" is no JSON and its keys are no secrets' names: the registered values are what hide them
    assert failure.properties["answer"] == 'debug: {"error": "boom", "got": "session=***", "csrf_was": "***"}'
    everything = proc.stdout + proc.stderr + (tmp_path / "results" / "load.json").read_text()
    assert sid not in everything and token not in everything
