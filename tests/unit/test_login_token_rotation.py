"""A login that starts a new session, and with it a new CSRF token (``csrf_field``).

Passport 0.6 regenerates the session at ``req.login`` (its changelog: against session fixation), so a
token that csurf keeps in the session changes at the login; Rails' Devise resets the token on sign-in
(``clean_up_csrf_token_on_authentication``). The form's token, read before the login, is then refused
with every later POST. A browser lands on the page the login redirects to, and reads the new token
there (a logout form's hidden field, or Rails' ``<meta name="csrf-token">``). The app below does what
the module docstring says: csurf's documented protocol (the ``_csrf`` form field or a ``CSRF-Token``
header, "invalid csrf token" 403), with the session regenerated at the login; the expected counts are
its own tally of what it accepted and refused.
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs

import httpx
import pytest
from support import local_server
from support.api_fake import JsonApi
from support.session_fake import SessionApp
from support.load_support import endpoint, load, write_config

from echotune_ci.phases.api.phase import _token_after_login, log_in
from echotune_ci.phases.api.settings import ApiSettings
from echotune_ci.phases.load.settings import LoginSettings

PASSWORD = "pa55 word"


class _RegeneratingSession(SessionApp):
    """An Express app with express-session, csurf and Passport 0.6, as the module docstring says."""

    COOKIE = "connect.sid"
    LANDING = "/dashboard"  # where the login sends the user (a query after it is the page's own)
    SLOW = 0.0  # seconds the dashboard takes

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        sid, session, new = self._session()
        field = f'<input type="hidden" name="_csrf" value="{session["csrf"]}">'
        if self.path == "/login":
            self._count("form")
            page = f'<form method="post" action="/login">{field}</form>'
            return self._answer(200, page, sid if new else "")
        if self.path.split("?")[0] == "/dashboard" and session["user"]:
            self._count("dashboard")
            time.sleep(self.SLOW)
            return self._answer(200, f'<h1>Notes</h1><form method="post" action="/logout">{field}</form>')
        return self._answer(302, "", sid if new else "", "/login")

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        sid, session, new = self._session()
        form = {k: v[0] for k, v in parse_qs(body).items()}
        sent = form.pop("_csrf", None) or self.headers.get("CSRF-Token")
        if new or sent != session["csrf"]:
            self._count(f"{self.path} refused")
            return self._answer(403, "ForbiddenError: invalid csrf token")
        if self.path == "/login":
            if form != {"email": "demo@example.com", "password": PASSWORD}:
                return self._answer(302, "", location="/login")
            with self.lock:
                del self.sessions[sid]  # req.session.regenerate(): the old session and its token are gone
            self._count("login")
            return self._answer(302, "", self._new_session("demo"), self.LANDING)
        if self.path == "/api/notes" and session["user"]:
            self._count("note")
            return self._answer(201, '{"id": 1}')
        return self._answer(401, "login required")


LOGIN = {"path": "/login", "form": {"email": "demo@example.com", "password": PASSWORD}, "status": (302,),
         "session": True, "csrf_field": "_csrf", "csrf_header": "CSRF-Token"}


@pytest.fixture()
def express_app():
    _RegeneratingSession.reset()
    _RegeneratingSession.LANDING, _RegeneratingSession.SLOW = "/dashboard", 0.0
    server = local_server.start(_RegeneratingSession)
    yield local_server.url(server)
    local_server.stop(server)


@pytest.mark.parametrize("user_class", ["fast", "http"])
def test_each_user_reads_the_new_token_where_its_login_lands(tmp_path, load_env, express_app, user_class):
    write_config(tmp_path, f'[load]\nusers = 3\nspawn_rate = 10\nduration = "2s"\nwait_min = "0.05s"\n'
                           f'wait_max = "0.1s"\nuser_class = "{user_class}"\n[load.login]\npath = "/login"\n'
                           f'form = {{ email = "demo@example.com", password = "{PASSWORD}" }}\n'
                           'status = [302]\nsession = true\ncsrf_field = "_csrf"\n'
                           'csrf_header = "CSRF-Token"\n'
                           '[[load.endpoints]]\nmethod = "POST"\npath = "/api/notes"\njson = {}\n'
                           'status = [201]\n')
    proc, result = load(load_env, tmp_path, "--host", express_app)
    assert result is not None, proc.stdout + proc.stderr
    tally = _RegeneratingSession.tally
    # each user: the form, the login, the page it lands on; then notes with the new token, none refused
    assert (tally.get("form"), tally.get("login"), tally.get("dashboard")) == (3, 3, 3), tally
    assert not {k for k in tally if "refused" in k}, tally
    assert tally.get("note", 0) > 0
    assert endpoint(result, "error_rate_pct", "POST /api/notes").value == 0
    assert PASSWORD not in proc.stdout + proc.stderr


def test_the_api_phase_sends_the_token_of_the_page_its_login_lands_on(express_app):
    settings = ApiSettings(login=LoginSettings(**LOGIN))
    with httpx.Client(base_url=express_app, follow_redirects=False) as client:
        headers = log_in(settings, client)
    [(sid, session)] = _RegeneratingSession.sessions.items()  # the form's session is gone
    assert headers == {"Cookie": f"connect.sid={sid}", "CSRF-Token": session["csrf"]}
    assert httpx.post(f"{express_app}/api/notes", headers=headers).status_code == 201
    # the token the form had is refused now, which is what was sent before
    stale = {**headers, "CSRF-Token": "stale"}
    assert httpx.post(f"{express_app}/api/notes", headers=stale).status_code == 403


def test_a_login_that_lands_on_another_site_keeps_the_forms_token(express_app):
    """A redirect to a single sign-on's page is not followed for a token (nothing is fetched there)."""
    asked: list[str] = []

    class _Elsewhere(JsonApi):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            asked.append(self.path)
            self._send(200, {})

    other = local_server.start(_Elsewhere)
    try:
        with httpx.Client(base_url=express_app) as client:
            client.get("/login")
            sid = client.cookies["connect.sid"]
            token = str(_RegeneratingSession.sessions[sid]["csrf"])
            answer = httpx.Response(302, headers={"Location": f"{local_server.url(other)}/sso",
                                                  "Set-Cookie": "a=b"},
                                    request=httpx.Request("POST", f"{express_app}/login"))
            assert _token_after_login(LoginSettings(**LOGIN), client, answer) is None
    finally:
        local_server.stop(other)
    assert asked == [] and token


def test_the_landing_page_is_reported_by_its_path_and_no_budget_judges_it(tmp_path, load_env, express_app):
    """The page a login lands on is a request no endpoint asked for: a dashboard slower than the default
    p95 budget (200 ms) failed the load phase, and its query (one per user, "?welcome=<sid>") named an
    entry of its own in the report."""
    _RegeneratingSession.LANDING, _RegeneratingSession.SLOW = "/dashboard?welcome=u-42", 0.3
    write_config(tmp_path, f'[load]\nusers = 2\nspawn_rate = 10\nduration = "2s"\nwait_min = "0.05s"\n'
                           f'wait_max = "0.1s"\n[load.login]\npath = "/login"\n'
                           f'form = {{ email = "demo@example.com", password = "{PASSWORD}" }}\n'
                           'status = [302]\nsession = true\ncsrf_field = "_csrf"\n'
                           'csrf_header = "CSRF-Token"\n'
                           '[[load.endpoints]]\nmethod = "POST"\npath = "/api/notes"\njson = {}\n'
                           'status = [201]\n')
    proc, result = load(load_env, tmp_path, "--host", express_app)
    assert result is not None, proc.stdout + proc.stderr
    assert _RegeneratingSession.tally.get("dashboard") == 2, _RegeneratingSession.tally
    landing = endpoint(result, "p95_ms", "GET /dashboard (after login)")
    assert landing.value is not None and landing.value >= 300 and landing.budget is None
    assert landing.status != "fail"
    assert not [m.key for m in result.metrics if "welcome" in m.key]
    assert "welcome" not in proc.stdout + proc.stderr
    assert endpoint(result, "error_rate_pct", "POST /api/notes").value == 0


def test_the_api_login_fetches_no_token_from_another_scheme():
    """A Location on the same host but another scheme (https://app.test/ from http://app.test/, both
    without a port written) is another origin: port 443, not 80."""
    asked: list[str] = []

    def app(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        return httpx.Response(200, html='<input name="_csrf" value="elsewhere">')

    answer = httpx.Response(302, headers={"Location": "https://app.test/dashboard"},
                            request=httpx.Request("POST", "http://app.test/login"))
    with httpx.Client(base_url="http://app.test", transport=httpx.MockTransport(app)) as client:
        assert _token_after_login(LoginSettings(**LOGIN), client, answer) is None
        same = httpx.Response(302, headers={"Location": "http://app.test:80/dashboard"},
                              request=httpx.Request("POST", "http://app.test/login"))
        assert _token_after_login(LoginSettings(**LOGIN), client, same) == "elsewhere"
    assert asked == ["http://app.test/dashboard"]


class _Mounted(_RegeneratingSession):
    """The same app under /app (a reverse proxy's prefix): it redirects its login to /app/dashboard."""

    def _inside(self) -> bool:
        if not self.path.startswith("/app/"):
            self._count(f"{self.path} outside /app")
            self._answer(404, "not here")
            return False
        self.path = self.path.removeprefix("/app")
        return True

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self._inside():
            super().do_GET()

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        if self._inside():
            super().do_POST()


@pytest.mark.parametrize("user_class", ["fast", "http"])
def test_an_app_under_a_path_is_landed_on_at_its_own_location(tmp_path, load_env, user_class):
    """--host http://.../app: the login's Location /app/dashboard was joined to the host again
    (/app/app/dashboard, a 404), no new token was read, and every POST was refused with 403."""
    _Mounted.reset()
    _Mounted.LANDING, _Mounted.SLOW = "/app/dashboard", 0.0
    server = local_server.start(_Mounted)
    try:
        write_config(tmp_path, f'[load]\nusers = 2\nspawn_rate = 10\nduration = "2s"\nwait_min = "0.05s"\n'
                               f'wait_max = "0.1s"\nuser_class = "{user_class}"\n[load.login]\n'
                               f'path = "/login"\n'
                               f'form = {{ email = "demo@example.com", password = "{PASSWORD}" }}\n'
                               'status = [302]\nsession = true\ncsrf_field = "_csrf"\n'
                               'csrf_header = "CSRF-Token"\n'
                               '[[load.endpoints]]\nmethod = "POST"\npath = "/api/notes"\njson = {}\n'
                               'status = [201]\n')
        proc, result = load(load_env, tmp_path, "--host", f"{local_server.url(server)}/app")
    finally:
        local_server.stop(server)
    assert result is not None, proc.stdout + proc.stderr
    tally = _Mounted.tally
    assert (tally.get("form"), tally.get("login"), tally.get("dashboard")) == (2, 2, 2), tally
    assert not {k for k in tally if "refused" in k}, tally
    assert endpoint(result, "requests", "GET /app/dashboard (after login)").value == 2
    assert endpoint(result, "error_rate_pct", "POST /api/notes").value == 0
