"""A login whose cookie carries the account, behind a CSRF check (``[load.login] session`` and
``csrf_cookie``).

The case behind it: a Django REST + Vite starter logs in with Django's session (``login(request,
user)``), and ``[load.login]`` could only read a token from the answer's JSON, so no load-test user could
log in. The app below speaks Django's documented protocol (docs.djangoproject.com, 5.2, "How to use
Django's CSRF protection" and ``django.contrib.auth.views.LoginView``):

* ``GET /accounts/login/`` renders the form and sets the ``csrftoken`` cookie;
* a POST (any unsafe method) without an ``X-CSRFToken`` header equal to that cookie is refused with 403;
* the login answers a wrong password with the form again (200) and a right one with 302 to
  ``LOGIN_REDIRECT_URL`` (``/accounts/profile/``, which has no view: 404), setting the ``sessionid``
  cookie and a new ``csrftoken`` (``rotate_token``): the old token is refused from then on;
* ``GET /api/me`` wants the session (``login_required``: without, 302 to the login page, which answers
  200), ``POST /api/notes`` the session (403 without) and the current token.

The expected counts come from the app's own tally of what it accepted and refused.
"""

from __future__ import annotations

import secrets
import threading
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

import httpx
import pytest
from support import local_server
from support.api_fake import JsonApi
from support.load_support import endpoint, load, write_config

from echotune_ci.config import load_config
from echotune_ci.errors import ConfigError, RunError
from echotune_ci.phases.api.flows import check_flows, run_flow
from echotune_ci.phases.api.phase import log_in
from echotune_ci.phases.api.settings import ApiSettings, Flow, FlowStep
from echotune_ci.phases.load.settings import LoginSettings

PASSWORD = "pa ss&word"


class _DjangoLike(JsonApi):
    """Django's session login and CSRF check, as the module docstring says; counts on the class."""

    lock = threading.Lock()
    tokens: set[str] = set()  # CSRF tokens handed out and not rotated away
    sessions: dict[str, str] = {}  # sessionid -> the CSRF token of that session
    tally: dict[str, int] = {}

    @classmethod
    def reset(cls) -> None:
        cls.tokens, cls.sessions, cls.tally = set(), {}, {}

    def _count(self, what: str) -> None:
        with self.lock:
            self.tally[what] = self.tally.get(what, 0) + 1

    def _cookies(self) -> dict[str, str]:
        jar = SimpleCookie(self.headers.get("Cookie", ""))
        return {name: morsel.value for name, morsel in jar.items()}

    def _answer(self, status: int, body: object, cookies: dict[str, str] | None = None,
                location: str = "") -> None:
        data = repr(body).encode()
        self.send_response(status)
        for name, value in (cookies or {}).items():
            http_only = "; HttpOnly" if name == "sessionid" else ""
            self.send_header("Set-Cookie", f"{name}={value}; Path=/; SameSite=Lax{http_only}")
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _new_token(self) -> str:
        token = secrets.token_hex(16)
        with self.lock:
            self.tokens.add(token)
        return token

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        cookies = self._cookies()
        path = self.path.split("?")[0]
        if path == "/accounts/login/":
            self._count("form")
            fresh = {} if cookies.get("csrftoken") in self.tokens else {"csrftoken": self._new_token()}
            return self._answer(200, "<form method=post>", fresh)
        if path == "/csrf":  # a page that sends the browser on to the form
            return self._answer(302, "", location="/accounts/login/")
        if path == "/api/me":
            if cookies.get("sessionid") in self.sessions:
                self._count("me")
                return self._answer(200, {"username": "demo"})
            self._count("me refused")  # login_required: to the login page, which answers 200
            return self._answer(302, "", location="/accounts/login/?next=/api/me")
        return self._answer(404, "not found")

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        cookies = self._cookies()
        sent = self.headers.get("X-CSRFToken", "")
        if not sent or sent != cookies.get("csrftoken") or sent not in self.tokens:
            self._count("csrf refused")
            return self._answer(403, "CSRF verification failed. Request aborted.")
        if self.path == "/accounts/login/":
            form = {k: v[0] for k, v in parse_qs(body).items()}
            if form != {"username": "demo", "password": PASSWORD}:
                self._count("wrong password")
                return self._answer(200, "<form method=post> Please enter a correct username")
            session, token = secrets.token_hex(16), self._new_token()
            with self.lock:
                self.tokens.discard(sent)  # rotate_token: the token of the anonymous form is spent
                self.sessions[session] = token
            self._count("login")
            return self._answer(302, "", {"sessionid": session, "csrftoken": token}, "/accounts/profile/")
        if self.path == "/accounts/broken-login/":  # logs nobody in, and says so by nothing
            self._count("no session")
            return self._answer(302, "", location="/accounts/profile/")
        if self.path == "/api/notes" and self.sessions.get(cookies.get("sessionid", "")) == sent:
            self._count("note")
            return self._answer(201, {"id": 1})
        self._count("notes refused")
        return self._answer(403, {"detail": "Authentication credentials were not provided."})


LOGIN = (f'path = "/accounts/login/"\nform = {{ username = "demo", password = "{PASSWORD}" }}\n'
         'status = [302]\nsession = true\n')


@pytest.fixture()
def django_like():
    _DjangoLike.reset()
    server = local_server.start(_DjangoLike)
    yield local_server.url(server)
    local_server.stop(server)


@pytest.mark.parametrize("user_class", ["fast", "http"])
def test_each_load_test_user_logs_in_with_the_session_and_its_csrf_token(tmp_path, load_env, django_like,
                                                                       user_class):
    write_config(tmp_path, f'[load]\nusers = 3\nspawn_rate = 10\nduration = "2s"\nwait_min = "0.05s"\n'
                           f'wait_max = "0.1s"\nuser_class = "{user_class}"\n'
                           f'[load.login]\n{LOGIN}csrf_cookie = "csrftoken"\n'
                           '[[load.endpoints]]\npath = "/api/me"\n'
                           '[[load.endpoints]]\nmethod = "POST"\npath = "/api/notes"\njson = {}\n'
                           'status = [201]\n')
    proc, result = load(load_env, tmp_path, "--host", django_like)
    assert result is not None, proc.stdout + proc.stderr
    tally = _DjangoLike.tally
    # each user fetched the form once for its token, then logged in once
    assert tally.get("form") == 3 and tally.get("login") == 3, tally
    # nothing refused: the session went with every request, the rotated token with every POST
    assert not {k for k in tally if "refused" in k}, tally
    assert tally.get("me", 0) > 0 and tally.get("note", 0) > 0, tally
    for key in ("GET /api/me", "POST /api/notes", "POST /accounts/login/", "GET /accounts/login/"):
        assert endpoint(result, "error_rate_pct", key).value == 0, (key, proc.stdout + proc.stderr)
    # the 302's target (LOGIN_REDIRECT_URL, no view: 404) was not followed as the login's answer
    assert "/accounts/profile/" not in {m.labels.get("endpoint", "") for m in result.metrics}


@pytest.mark.parametrize("user_class", ["fast", "http"])
def test_without_the_csrf_cookie_the_login_is_refused_and_says_so(tmp_path, load_env, django_like,
                                                                  user_class):
    write_config(tmp_path, f'[load]\nusers = 2\nspawn_rate = 10\nduration = "1s"\nwait_min = "0.05s"\n'
                           f'wait_max = "0.1s"\nuser_class = "{user_class}"\n[load.login]\n{LOGIN}'
                           '[[load.endpoints]]\npath = "/api/me"\n')
    proc, result = load(load_env, tmp_path, "--host", django_like)
    assert result is not None, proc.stdout + proc.stderr
    assert _DjangoLike.tally.get("csrf refused") == 2 and "login" not in _DjangoLike.tally
    assert endpoint(result, "error_rate_pct", "POST /accounts/login/").value == 100
    # each /api/me was redirected to the login page, whose 200 is no answer of /api/me
    assert _DjangoLike.tally.get("me refused", 0) > 0 and "me" not in _DjangoLike.tally
    assert endpoint(result, "error_rate_pct", "GET /api/me").value == 100
    assert "redirected to the login page /accounts/login/: sent without a login" in proc.stdout


def test_the_api_phase_sends_the_session_and_the_rotated_token(django_like):
    settings = ApiSettings(login=LoginSettings(path="/accounts/login/", form={"username": "demo",
                                                                             "password": PASSWORD},
                                               status=(302,), session=True, csrf_cookie="csrftoken"))
    with httpx.Client(base_url=django_like, follow_redirects=False) as client:
        headers = log_in(settings, client)
    [(session, token)] = _DjangoLike.sessions.items()
    assert set(headers) == {"Cookie", "X-CSRFToken"} and headers["X-CSRFToken"] == token
    assert sorted(headers["Cookie"].split("; ")) == [f"csrftoken={token}", f"sessionid={session}"]
    # what the generated requests send, from a client of their own
    assert httpx.get(f"{django_like}/api/me", headers=headers).status_code == 200
    assert httpx.post(f"{django_like}/api/notes", headers=headers).status_code == 201


def test_a_session_login_that_sets_no_cookie_is_an_error_naming_it(django_like):
    # the right form to a path that answers 404 without a cookie, taken as the login's status
    settings = ApiSettings(login=LoginSettings(path="/nothing/", method="GET", status=(404,), session=True))
    with httpx.Client(base_url=django_like, follow_redirects=False) as client, \
            pytest.raises(RunError, match="login GET /nothing/: the answer set no cookie"):
        log_in(settings, client)


def test_a_session_or_csrf_cookie_without_a_login_path_is_a_config_error():
    assert LoginSettings(session=True).body_error("[load.login]") == \
        "[load.login] session needs path: the login whose answer sets the cookie"
    assert LoginSettings(csrf_cookie="csrftoken").body_error("[api.login]") == \
        "[api.login] csrf_cookie needs path: the login whose answer sets the cookie"
    assert LoginSettings(path="/login", session=True).body_error("[load.login]") is None



def _flow(csrf_header: str) -> Flow:
    """Django's login as a flow: the form (its cookie), the login with the token, a page behind it."""
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if csrf_header:
        headers["X-CSRFToken"] = csrf_header
    return Flow(name="session", steps=(
        FlowStep(path="/accounts/login/"),
        FlowStep(method="POST", path="/accounts/login/", headers=headers, status=(302,),
                 body="username=demo&password=pa%20ss%26word"),
        FlowStep(path="/api/me")))


def test_a_flow_sends_a_cookie_it_holds_as_a_header(django_like):
    flow = _flow("{cookie:csrftoken}")
    check_flows((flow,), "echotune.toml")  # a cookie is no capture an earlier step must make
    with httpx.Client(base_url=django_like, follow_redirects=False) as client:
        outcome = run_flow(flow, client, lambda _: None)
    assert outcome.findings == [] and outcome.passed == 3, [f.message for f in outcome.findings]
    assert _DjangoLike.tally.get("login") == 1 and _DjangoLike.tally.get("me") == 1


def test_without_the_token_the_flow_stops_at_the_login(django_like):
    with httpx.Client(base_url=django_like, follow_redirects=False) as client:
        outcome = run_flow(_flow(""), client, lambda _: None)
    [finding] = outcome.findings
    assert finding.rule_id == "api/flow-status" and "expected 302, got 403" in finding.message
    assert outcome.passed == 1 and _DjangoLike.tally.get("csrf refused") == 1


def test_a_cookie_placeholder_is_checked_for_its_name_only():
    bad = Flow(name="x", steps=(FlowStep(path="/a", headers={"X": "{cookie:}"}),))
    # "{cookie:}" names no cookie: it is no placeholder, and the header goes as written
    check_flows((bad,), "echotune.toml")
    uses = Flow(name="y", steps=(FlowStep(path="/a", headers={"X": "{cookie:XSRF-TOKEN} {tok}"}),))
    with pytest.raises(ConfigError, match=r"steps\[0\] uses \{tok\}, which no earlier step captures"):
        check_flows((uses,), "echotune.toml")


@pytest.mark.parametrize("user_class", ["fast", "http"])
def test_a_session_login_whose_answer_sets_no_cookie_failed(tmp_path, load_env, django_like, user_class):
    login = LOGIN.replace('path = "/accounts/login/"', 'path = "/accounts/broken-login/"')
    write_config(tmp_path, f'[load]\nusers = 2\nspawn_rate = 10\nduration = "1s"\nwait_min = "0.05s"\n'
                           f'wait_max = "0.1s"\nuser_class = "{user_class}"\n[load.login]\n{login}'
                           'csrf_cookie = "csrftoken"\ncsrf_path = "/accounts/login/"\n'
                           '[[load.endpoints]]\npath = "/api/me"\n')
    proc, result = load(load_env, tmp_path, "--host", django_like)
    assert result is not None, proc.stdout + proc.stderr
    assert _DjangoLike.tally.get("no session") == 2
    # the login itself is the failure, not only what came after it
    assert endpoint(result, "error_rate_pct", "POST /accounts/broken-login/").value == 100
    assert "login answer set no cookie" in proc.stdout


def test_the_api_session_login_needs_a_cookie_of_its_own_answer(django_like):
    # the CSRF page's cookie is in the client's jar: it is no session
    settings = ApiSettings(login=LoginSettings(path="/accounts/broken-login/", form={"username": "demo"},
                                               status=(302,), session=True, csrf_cookie="csrftoken",
                                               csrf_path="/accounts/login/"))
    with httpx.Client(base_url=django_like, follow_redirects=False) as client, \
            pytest.raises(RunError, match="the answer set no cookie"):
        log_in(settings, client)


@pytest.mark.parametrize("name", ["", "X Bad Header", "X-CSRF:Token"])
def test_a_header_name_that_is_none_is_a_config_error(tmp_path, name):
    (tmp_path / "echotune.toml").write_text(f'[load.login]\npath = "/login"\nsession = true\n'
                                            f'csrf_cookie = "csrftoken"\ncsrf_header = "{name}"\n')
    with pytest.raises(ConfigError, match="csrf_header.*must be a header name"):
        load_config(tmp_path / "echotune.toml")


def test_the_api_login_follows_the_csrf_pages_redirect(django_like):
    # locust follows it; the api phase's client follows none, so this one GET does, as a browser would
    settings = ApiSettings(login=LoginSettings(path="/accounts/login/", form={"username": "demo",
                                                                             "password": PASSWORD},
                                               status=(302,), session=True, csrf_cookie="csrftoken",
                                               csrf_path="/csrf"))
    with httpx.Client(base_url=django_like, follow_redirects=False) as client:
        headers = log_in(settings, client)
    assert _DjangoLike.tally.get("login") == 1 and "X-CSRFToken" in headers


def test_the_login_forms_password_is_masked(tmp_path):
    # an app's error lines are quoted in reports (a 500 that logs the POST body), so the password a
    # [load.login] or [api.login] form sends is masked like a JSON one
    from echotune_ci.masking import mask, register_config

    (tmp_path / "echotune.toml").write_text(
        '[load.login]\npath = "/login"\nform = { username = "demo", password = "Form-Secret-99" }\n'
        '[api.login]\npath = "/api/login"\njson = { user = { password = "Api-Secret-77" } }\n')
    register_config(load_config(tmp_path / "echotune.toml"))
    said = mask("POST /login password=Form-Secret-99 and Api-Secret-77")
    assert "Form-Secret-99" not in said and "Api-Secret-77" not in said


def test_a_misspelt_cookie_in_a_flow_is_named_with_the_cookies_held(django_like):
    with httpx.Client(base_url=django_like, follow_redirects=False) as client:
        outcome = run_flow(_flow("{cookie:csrftokn}"), client, lambda _: None)
    [finding] = outcome.findings
    assert "expected 302, got 403" in finding.message
    assert finding.message.endswith("(sent without cookie csrftokn, which no earlier answer set; "
                                    "cookies held: csrftoken)")
