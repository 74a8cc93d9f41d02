"""A session login refused by a redirect back to its form, and the pages a refused login leaves, are
failures of the load test.

Passport's ``failureRedirect: '/login'`` answers a wrong password with 302, as it answers the right one,
and, where the login starts the session (no CSRF token fetched first: passport/todos-express-password at
c7cf698, before "Add CSRF protection"), sets its cookie, ``failureMessage`` having put the message in it;
the todo pages behind connect-ensure-login send a visitor to ``/login``, the form's page, not the login's
own path ``/login/password``, and their 200 passed for the page's answer. ``echotune-ci load`` of the
real app at c7cf698 with a wrong password said "load: pass", 0 % errors on GET /active. At 0510909
(csurf) the session exists from the form's GET, so the refusal sets no cookie and the run said "login
answer set no cookie: no session to keep", which sends the reader after the session's settings. The fake
below answers as those two real apps did (curl and the load phase in hand).
"""

from __future__ import annotations

import pytest
from support import local_server
from support.load_support import endpoint, load, write_config
from support.session_fake import SessionApp

import httpx

from echotune_ci.errors import RunError
from echotune_ci.phases.api.phase import log_in
from echotune_ci.phases.api.settings import ApiSettings
from echotune_ci.phases.load.settings import LoginSettings, login_pages, refused_to


@pytest.mark.parametrize(("location", "back"), [
    ("/login", "/login"), ("http://127.0.0.1:5000/login/", "/login/"),
    ("/login/password?x=1", "/login/password"),
    ("/", ""), ("/active", ""), ("http://other.example/login", ""), (None, ""),
])
def test_a_redirect_back_to_the_login_page_is_a_refusal(location, back):
    pages = login_pages("/login/password", "/login")
    assert refused_to(pages, "http://127.0.0.1:5000/login/password", location) == back


def test_the_login_pages_are_its_path_and_its_forms_page():
    assert login_pages("/login/password", "/login/") == {"/login/password", "/login"}
    assert login_pages("/api/login", "") == {"/api/login"}
    # a form on the home page: "/" is no path a refused login can be told by
    assert refused_to(login_pages("/login", "/"), "http://h/login", "/") == ""


PASSWORD = "letmein"


class _PassportLike(SessionApp):
    """What todos-express-password answers (express-session, Passport 0.6, connect-ensure-login; csurf
    when CSRF is set). express-session sends its cookie when the request came without one and the session
    was changed (express-session 1.17's shouldSetCookie, saveUninitialized false)."""

    COOKIE = "connect.sid"
    CSRF = True
    REGENERATE = True  # Passport 0.6 starts a new session at the login; 0.5 fills the one it has

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        sid, session, new = self._session()
        path = self.path.split("?")[0]
        if path == "/login":
            self._count("form")
            page = f'<form action="/login/password"><input name="_csrf" value="{session["csrf"]}"></form>'
            return self._answer(200, page, sid if new else "")
        if path == "/active":
            return self._behind_login("active", "<ul class=todo-list></ul>", sid, new, "/login")
        return self._answer(404, "not found")

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        form = self._form()
        sid, session, new = self._session()
        if self.CSRF and (new or form.pop("_csrf", None) != session["csrf"]):
            self._count("csrf refused")
            return self._answer(403, "ForbiddenError: invalid csrf token")
        if self.path == "/login/password":
            if form != {"username": "alice", "password": PASSWORD}:
                # failureRedirect with failureMessage: the message is kept in the session, whose cookie goes
                # out when the session is new
                self._count("wrong password")
                return self._answer(302, "", sid if new else "", "/login")
            self._count("login")
            if not self.REGENERATE:
                # the session's id stays: express-session sends no cookie for a session it already sent
                session["user"] = "alice"
                return self._answer(302, "", sid if new else "", "/")
            # Passport 0.6 regenerates the session at the login: a new id, and csurf a new secret
            return self._answer(302, "", self._new_session("alice"), "/")
        return self._answer(404, "not found")


@pytest.fixture(params=[True, False], ids=["csurf", "no-csrf"])
def passport_like(request):
    _PassportLike.reset()
    _PassportLike.CSRF, _PassportLike.REGENERATE = request.param, True
    server = local_server.start(_PassportLike)
    yield local_server.url(server)
    local_server.stop(server)


def _config(tmp_path, password: str) -> None:
    csrf = 'csrf_field = "_csrf"\ncsrf_header = "X-CSRF-Token"\n' if _PassportLike.CSRF else ""
    write_config(tmp_path, '[load]\nusers = 2\nspawn_rate = 10\nduration = "1s"\nwait_min = "0.05s"\n'
                           'wait_max = "0.1s"\n[load.login]\npath = "/login/password"\n'
                           f'form = {{ username = "alice", password = "{password}" }}\nsession = true\n'
                           f'status = [302]\n{csrf}csrf_path = "/login"\n'
                           '[[load.endpoints]]\npath = "/active"\n')


def test_a_refused_login_and_the_pages_it_leaves_are_failures(tmp_path, load_env, passport_like):
    _config(tmp_path, "wrong")
    proc, result = load(load_env, tmp_path, "--host", passport_like)
    assert result is not None, proc.stdout + proc.stderr
    assert _PassportLike.tally.get("wrong password") == 2 and "login" not in _PassportLike.tally
    assert endpoint(result, "error_rate_pct", "POST /login/password").value == 100
    [refusal] = [f for f in result.findings if f.properties.get("endpoint") == "POST /login/password"]
    assert "login refused: redirected back to the login page /login" in refusal.message
    # every GET /active ended on the login's form: none of them is the page's own answer
    assert _PassportLike.tally.get("active refused", 0) > 0 and "active" not in _PassportLike.tally
    assert endpoint(result, "error_rate_pct", "GET /active").value == 100


def test_an_accepted_login_loads_the_page_behind_it(tmp_path, load_env, passport_like):
    _config(tmp_path, PASSWORD)
    proc, result = load(load_env, tmp_path, "--host", passport_like)
    assert result is not None, proc.stdout + proc.stderr
    assert _PassportLike.tally.get("login") == 2 and "wrong password" not in _PassportLike.tally
    assert _PassportLike.tally.get("active", 0) > 0 and "active refused" not in _PassportLike.tally
    assert endpoint(result, "error_rate_pct", "GET /active").value == 0


def test_the_api_phases_login_says_it_was_refused(passport_like):
    csrf = {"csrf_field": "_csrf", "csrf_header": "X-CSRF-Token"} if _PassportLike.CSRF else {}
    settings = ApiSettings(login=LoginSettings(path="/login/password", status=(302,), session=True,
                                               form={"username": "alice", "password": "wrong"},
                                               csrf_path="/login", **csrf))
    with httpx.Client(base_url=passport_like, follow_redirects=False) as client, pytest.raises(
            RunError, match=r"^login POST /login/password: login refused: redirected back to the login page "
                            r"/login \(a wrong account or password in \[api.login\]\?\)$"):
        log_in(settings, client)
    right = ApiSettings(login=LoginSettings(path="/login/password", status=(302,), session=True,
                                            form={"username": "alice", "password": PASSWORD},
                                            csrf_path="/login", **csrf))
    with httpx.Client(base_url=passport_like, follow_redirects=False) as client:
        headers = log_in(right, client)
    # the session the login made (Passport 0.6 regenerates it) opens the page behind it
    assert httpx.get(f"{passport_like}/active", headers=headers).status_code == 200


@pytest.fixture()
def passport_05_like():
    _PassportLike.reset()
    _PassportLike.CSRF, _PassportLike.REGENERATE = True, False
    server = local_server.start(_PassportLike)
    yield local_server.url(server)
    local_server.stop(server)
    _PassportLike.REGENERATE = True


def test_a_login_that_fills_the_form_pages_session_sets_no_cookie_and_is_no_failure(tmp_path, load_env,
                                                                                    passport_05_like):
    """todos-express-password at f147a65 (Passport 0.5.3, csurf): the form's GET starts the session, the
    login fills it and keeps its id, so its 302 sets no cookie. `echotune-ci load` of the real app said
    "login answer set no cookie: no session to keep", 100 % errors on the login, while every GET /active
    answered the todo page; the api phase stopped on "the answer set no cookie"."""
    _config(tmp_path, PASSWORD)
    proc, result = load(load_env, tmp_path, "--host", passport_05_like)
    assert result is not None, proc.stdout + proc.stderr
    assert _PassportLike.tally.get("login") == 2 and "active refused" not in _PassportLike.tally
    assert endpoint(result, "error_rate_pct", "POST /login/password").value == 0
    settings = ApiSettings(login=LoginSettings(path="/login/password", status=(302,), session=True,
                                               form={"username": "alice", "password": PASSWORD},
                                               csrf_field="_csrf", csrf_path="/login",
                                               csrf_header="X-CSRF-Token"))
    with httpx.Client(base_url=passport_05_like, follow_redirects=False) as client:
        headers = log_in(settings, client)
    assert httpx.get(f"{passport_05_like}/active", headers=headers).status_code == 200
