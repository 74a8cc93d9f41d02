"""A login form whose CSRF token is a hidden field of the page, not a cookie (``[load.login]`` and
``[api.login]`` ``csrf_field``).

The case behind it: Flask apps log in through a Flask-WTF form (miguelgrinberg/microblog, flasky), and
aiohttp-demos' blog through its own CSRF middleware, where the token is rendered into the login page and
kept in the server's session: no cookie carries it, so ``csrf_cookie`` could not help and every load-test
login was refused. The app below speaks Flask-WTF's documented protocol (flask-wtf.readthedocs.io, 1.2,
"CSRF Protection"):

* ``GET /login`` starts a session (the ``session`` cookie) and renders the form with
  ``<input id="csrf_token" name="csrf_token" type="hidden" value="...">``, one token per session;
* a POST without that token, in the form's ``csrf_token`` field or in an ``X-CSRFToken`` header
  (WTF_CSRF_HEADERS), is refused with 400 "The CSRF token is missing.";
* the login answers a right password with 302 (Flask-Login's ``login_user``), a wrong one with the form;
* ``GET /api/me`` wants the login (``login_required``: without, 302 to the login page);
  ``POST /api/notes`` the login and the token in the header.

The expected counts come from the app's own tally of what it accepted and refused.
"""

from __future__ import annotations

import httpx
import pytest
from support import local_server
from support.session_fake import SessionApp
from support.load_support import endpoint, load, write_config

from echotune_ci.errors import RunError
from echotune_ci.phases.api.phase import log_in
from echotune_ci.phases.api.settings import ApiSettings
from echotune_ci.phases.load.settings import LoginSettings, form_token

PASSWORD = "s3cret & more"


class _FlaskWtfLike(SessionApp):
    """Flask-WTF's CSRF protection and Flask-Login's session, as the module docstring says."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        sid, session, new = self._session()
        path = self.path.split("?")[0]
        if path == "/login" and session["user"]:  # Flask-Login apps send a known user on (microblog)
            return self._answer(302, "", location="/index")
        if path == "/login":
            self._count("form" if path == self.path else "form, redirected")
            field = f'<input id="csrf_token" name="csrf_token" type="hidden" value="{session["csrf"]}">'
            page = f'<html><head><title>Sign In</title></head><body><form method="post">{field}</form></body>'
            return self._answer(200, page, sid if new else "")
        if path == "/api/me":
            return self._behind_login("me", '{"username": "demo"}', sid, new, "/login?next=%2Fapi%2Fme")
        return self._answer(404, "not found")

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        form = self._form()
        sid, session, new = self._session()
        sent = form.pop("csrf_token", None) or self.headers.get("X-CSRFToken")
        if new or sent != session["csrf"]:
            self._count("csrf refused")
            return self._answer(400, "The CSRF token is missing.")
        if self.path == "/login" and session["user"]:
            return self._answer(302, "", location="/index")  # already logged in: no new session
        if self.path == "/login":
            if form != {"username": "demo", "password": PASSWORD}:
                self._count("wrong password")
                return self._answer(200, "<form>Invalid username or password</form>")
            session["user"] = "demo"
            self._count("login")
            return self._answer(302, "", sid, "/index")
        if self.path == "/api/notes" and session["user"]:
            self._count("note")
            return self._answer(201, '{"id": 1}')
        self._count("notes refused")
        return self._answer(401, "login required")


LOGIN = (f'path = "/login"\nform = {{ username = "demo", password = "{PASSWORD}" }}\n'
         'status = [302]\nsession = true\ncsrf_field = "csrf_token"\n')


@pytest.fixture()
def flask_wtf_like():
    _FlaskWtfLike.reset()
    server = local_server.start(_FlaskWtfLike)
    yield local_server.url(server)
    local_server.stop(server)


@pytest.mark.parametrize("user_class", ["fast", "http"])
def test_each_user_sends_the_forms_hidden_token_with_its_login_and_its_posts(tmp_path, load_env,
                                                                            flask_wtf_like, user_class):
    write_config(tmp_path, f'[load]\nusers = 3\nspawn_rate = 10\nduration = "2s"\nwait_min = "0.05s"\n'
                           f'wait_max = "0.1s"\nuser_class = "{user_class}"\n[load.login]\n{LOGIN}'
                           '[[load.endpoints]]\npath = "/api/me"\n'
                           '[[load.endpoints]]\nmethod = "POST"\npath = "/api/notes"\njson = {}\n'
                           'status = [201]\n')
    proc, result = load(load_env, tmp_path, "--host", flask_wtf_like)
    assert result is not None, proc.stdout + proc.stderr
    tally = _FlaskWtfLike.tally
    # each user fetched the form once, then logged in once with its token; nothing was refused
    assert tally.get("form") == 3 and tally.get("login") == 3, tally
    assert not {k for k in tally if "refused" in k}, tally
    assert tally.get("me", 0) > 0 and tally.get("note", 0) > 0, tally
    assert endpoint(result, "error_rate_pct", "POST /api/notes").value == 0
    assert PASSWORD not in proc.stdout + proc.stderr


def test_without_the_field_every_login_is_refused(tmp_path, load_env, flask_wtf_like):
    write_config(tmp_path, f'[load]\nusers = 2\nspawn_rate = 10\nduration = "1s"\nwait_min = "0.05s"\n'
                           f'wait_max = "0.1s"\n[load.login]\n{LOGIN.replace("csrf_field", "# csrf_field")}'
                           '[[load.endpoints]]\npath = "/api/me"\n')
    proc, result = load(load_env, tmp_path, "--host", flask_wtf_like)
    assert result is not None, proc.stdout + proc.stderr
    assert _FlaskWtfLike.tally.get("csrf refused") == 2 and "login" not in _FlaskWtfLike.tally
    assert endpoint(result, "error_rate_pct", "POST /login").value == 100
    # the login's finding quotes what the app said
    [login] = [f for f in result.findings if f.properties.get("endpoint") == "POST /login"]
    assert login.properties["answer"] == "The CSRF token is missing."


def test_a_page_without_the_field_fails_the_login_and_names_the_field(tmp_path, load_env, flask_wtf_like):
    login = LOGIN.replace('csrf_field = "csrf_token"', 'csrf_field = "csrfmiddlewaretoken"')
    write_config(tmp_path, f'[load]\nusers = 2\nspawn_rate = 10\nduration = "1s"\nwait_min = "0.05s"\n'
                           f'wait_max = "0.1s"\n[load.login]\n{login}[[load.endpoints]]\npath = "/api/me"\n')
    proc, result = load(load_env, tmp_path, "--host", flask_wtf_like)
    assert result is not None, proc.stdout + proc.stderr
    assert "login" not in _FlaskWtfLike.tally and _FlaskWtfLike.tally.get("form") == 2
    [failure] = [f for f in result.findings if f.properties.get("endpoint") == "GET /login"]
    assert "no field csrfmiddlewaretoken in the page ([load.login] csrf_field)" in failure.message


def test_the_api_phase_logs_in_with_the_field_and_sends_the_token_after(flask_wtf_like):
    settings = ApiSettings(login=LoginSettings(path="/login", form={"username": "demo", "password": PASSWORD},
                                               status=(302,), session=True, csrf_field="csrf_token"))
    with httpx.Client(base_url=flask_wtf_like, follow_redirects=False) as client:
        headers = log_in(settings, client)
    [(sid, session)] = _FlaskWtfLike.sessions.items()
    assert headers == {"Cookie": f"session={sid}", "X-CSRFToken": session["csrf"]}
    # what the generated requests send, from a client of their own
    assert httpx.get(f"{flask_wtf_like}/api/me", headers=headers).status_code == 200
    assert httpx.post(f"{flask_wtf_like}/api/notes", headers=headers).status_code == 201
    missing = ApiSettings(login=LoginSettings(path="/login", form={"username": "demo"}, status=(302,),
                                              session=True, csrf_field="authenticity_token"))
    with httpx.Client(base_url=flask_wtf_like, follow_redirects=False) as client, \
            pytest.raises(RunError, match=r"login POST /login: GET /login has no field authenticity_token "
                                          r"\(api.login.csrf_field; it answered 200\)"):
        log_in(missing, client)


@pytest.mark.parametrize(("page", "token"), [
    ('<input type="hidden" name="csrf_token" value="abc-1">', "abc-1"),
    ("<INPUT VALUE='x&amp;y' NAME=csrf_token TYPE=hidden>", "x&y"),  # any order, case and quoting
    ('<meta name="csrf_token" content="m-2"><input name="other" value="no">', "m-2"),  # Rails' and Laravel's
    ('<input name="csrf_token_2" value="no"><input name="csrf_token">', ""),  # an empty field is no token
    ("<p>csrf_token</p>", None),
])
def test_the_token_is_read_from_the_pages_field_or_meta_tag(page, token):
    assert form_token(page, "csrf_token") == token


def test_csrf_field_needs_a_login_path():
    assert LoginSettings(csrf_field="csrf_token").body_error("[load.login]") == \
        "[load.login] csrf_field needs path: the login whose form carries the token"


def test_a_flow_captures_the_forms_token_and_logs_in_with_it(flask_wtf_like):
    from echotune_ci.phases.api.flows import check_flows, run_flow
    from echotune_ci.phases.api.settings import Flow, FlowStep

    login = FlowStep(method="POST", path="/login", status=(302,),
                     headers={"Content-Type": "application/x-www-form-urlencoded"},
                     body="username=demo&password=s3cret%20%26%20more&csrf_token={csrf}")
    flow = Flow(name="form", steps=(FlowStep(path="/login", capture={"csrf": "field:csrf_token"}), login,
                                    FlowStep(path="/api/me")))
    check_flows((flow,), "echotune.toml")
    with httpx.Client(base_url=flask_wtf_like, follow_redirects=False) as client:
        outcome = run_flow(flow, client, lambda _: None)
    assert outcome.findings == [] and outcome.passed == 3, [f.message for f in outcome.findings]
    assert _FlaskWtfLike.tally.get("login") == 1 and _FlaskWtfLike.tally.get("me") == 1
    # a field the page lacks is a capture that found nothing
    wrong = Flow(name="wrong", steps=(FlowStep(path="/login", capture={"csrf": "field:_token"}),))
    with httpx.Client(base_url=flask_wtf_like, follow_redirects=False) as client:
        [finding] = run_flow(wrong, client, lambda _: None).findings
    assert finding.rule_id == "api/flow-capture"
    assert "capture csrf = 'field:_token' found nothing" in finding.message


def test_the_api_phases_login_starts_a_session_of_its_own_after_a_flow_logged_in(flask_wtf_like):
    """The api phase runs its flows, then logs in on the same client: microblog sent the flow's logged-in
    user from its login page to /index, the login answered 302 with no cookie, and the phase stopped on
    "the answer set no cookie"."""
    from echotune_ci.phases.api.flows import run_flow
    from echotune_ci.phases.api.settings import Flow, FlowStep

    flow = Flow(name="form", steps=(
        FlowStep(path="/login", capture={"csrf": "field:csrf_token"}),
        FlowStep(method="POST", path="/login", status=(302,),
                 body="username=demo&password=s3cret%20%26%20more&csrf_token={csrf}",
                 headers={"Content-Type": "application/x-www-form-urlencoded"})))
    settings = ApiSettings(login=LoginSettings(path="/login", form={"username": "demo", "password": PASSWORD},
                                               status=(302,), session=True, csrf_field="csrf_token"))
    with httpx.Client(base_url=flask_wtf_like, follow_redirects=False) as client:
        assert run_flow(flow, client, lambda _: None).findings == []
        flows_session = client.cookies["session"]
        headers = log_in(settings, client)
    assert _FlaskWtfLike.tally.get("login") == 2 and flows_session not in headers["Cookie"]
    assert httpx.get(f"{flask_wtf_like}/api/me", headers=headers).status_code == 200
