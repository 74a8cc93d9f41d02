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

from echotune_ci.phases.load.worker import login_pages, refused_to


@pytest.mark.parametrize(("location", "back"), [
    ("/login", "/login"), ("http://127.0.0.1:5000/login/", "/login/"),
    ("/login/password?x=1", "/login/password"),
    ("/", ""), ("/active", ""), ("http://other.example/login", ""), (None, ""),
])
def test_a_redirect_back_to_the_login_page_is_a_refusal(location, back):
    login = {"path": "/login/password", "csrf_path": "/login"}
    assert refused_to(login, "http://127.0.0.1:5000", location) == back


def test_the_login_pages_are_its_path_and_its_forms_page():
    assert login_pages({"path": "/login/password", "csrf_path": "/login/"}) == {"/login/password", "/login"}
    assert login_pages({"path": "/api/login", "basic": "u:p"}) == set() and login_pages(None) == set()
    # a form on the home page: "/" is no path a refused login can be told by
    assert refused_to({"path": "/login", "csrf_path": "/"}, "http://h", "/") == ""


PASSWORD = "letmein"


class _PassportLike(SessionApp):
    """What todos-express-password answers (express-session, Passport 0.6, connect-ensure-login; csurf
    when CSRF is set). express-session sends its cookie when the request came without one and the session
    was changed (express-session 1.17's shouldSetCookie, saveUninitialized false)."""

    COOKIE = "connect.sid"
    CSRF = True

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
            # Passport 0.6 regenerates the session at the login: a new id, and csurf a new secret
            return self._answer(302, "", self._new_session("alice"), "/")
        return self._answer(404, "not found")


@pytest.fixture(params=[True, False], ids=["csurf", "no-csrf"])
def passport_like(request):
    _PassportLike.reset()
    _PassportLike.CSRF = request.param
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
