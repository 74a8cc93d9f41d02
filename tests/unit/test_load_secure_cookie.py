"""A session cookie marked ``Secure`` goes back to an app on a loopback address over plain http.

The case behind it (2026-12-03, remix-run/indie-stack's shape): `init` sets ``NODE_ENV=production`` from
the Dockerfile, and the app's cookie session then marks its cookie ``Secure`` (``secure:
process.env.NODE_ENV === "production"``). Python's cookie jars (locust's FastHttpSession and HttpSession,
httpx) keep such a cookie but send it over https only, where a browser also sends it to 127.0.0.1: the
form login answered 302 with the cookie, and every protected request then went without it and was sent
to the login page. The server below answers the same way.
"""

from __future__ import annotations

import http.cookiejar
import urllib.request
from http.server import BaseHTTPRequestHandler

import pytest

from echotune_ci.net import loopback
from support import local_server
from support.load_support import endpoint, load, write_config

SESSION = "__session=u1; Path=/; HttpOnly; Secure; SameSite=Lax"


class _RemixLike(BaseHTTPRequestHandler):
    """POST /login: 302 to /notes with a Secure session cookie; GET /notes: 200 with that cookie, else a
    302 to /login?redirectTo=/notes; GET /login: the form (200)."""

    def _answer(self, status: int, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer(302, {"Location": "/notes", "Set-Cookie": SESSION})

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.path.startswith("/login") or "__session=u1" in (self.headers.get("Cookie") or ""):
            self._answer(200, {})
        else:
            self._answer(302, {"Location": "/login?redirectTo=%2Fnotes"})

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.mark.parametrize("user_class", ["fast", "http"])
def test_a_form_login_with_a_secure_session_cookie_reaches_the_protected_page(tmp_path, load_env, user_class):
    server = local_server.start(_RemixLike)
    try:
        write_config(tmp_path, f'[load]\nusers = 2\nduration = "2s"\nwait_min = "0.05s"\nwait_max = "0.1s"\n'
                               f'user_class = "{user_class}"\n'
                               '[load.login]\npath = "/login"\nstatus = [302]\nsession = true\n'
                               'form = { email = "a@b.c", password = "p4ssw0rd!" }\n'
                               '[[load.endpoints]]\npath = "/notes"\n')
        proc, result = load(load_env, tmp_path, "--host", local_server.url(server))
    finally:
        local_server.stop(server)
    assert result is not None, proc.stdout + proc.stderr
    assert endpoint(result, "error_rate_pct", "POST /login").value == 0, proc.stdout + proc.stderr
    # before: 100 % "redirected to the login page /login: sent without a login"
    assert endpoint(result, "error_rate_pct", "GET /notes").value == 0, proc.stdout + proc.stderr


def _secure_cookie(domain: str) -> http.cookiejar.Cookie:
    return http.cookiejar.Cookie(0, "__session", "u1", None, False, domain, False, False, "/", True, True,
                                 None, False, None, None, {})


@pytest.mark.parametrize(("url", "sent"), [
    ("http://127.0.0.1:3000/notes", True),
    ("http://localhost:3000/notes", True),
    ("http://[::1]:3000/notes", True),
    ("https://example.com/notes", True),
    # plain http to any other host: Python's rule (and a browser's) holds
    ("http://example.com/notes", False),
])
def test_the_policy_sends_a_secure_cookie_over_http_to_loopback_only(url, sent):
    jar = http.cookiejar.CookieJar()
    loopback.loopback_secure_cookies(jar)
    request = urllib.request.Request(url)
    # the host-only cookie the app's answer would have set (the jar's own spelling of the host)
    jar.set_cookie(_secure_cookie(http.cookiejar.eff_request_host(request)[1]))
    jar.add_cookie_header(request)
    assert (request.get_header("Cookie") == "__session=u1") is sent


def test_the_api_phase_client_sends_a_secure_session_cookie_back_to_the_app():
    server = local_server.start(_RemixLike)
    try:
        with loopback.client(local_server.url(server), follow_redirects=False) as made:
            login = made.post("/login", data={"email": "a@b.c", "password": "p4ssw0rd!"})
            # before: 302 to /login?redirectTo=%2Fnotes, the cookie held but not sent
            after = made.get("/notes")
            followed = made.post("/login", data={"email": "a@b.c"}, follow_redirects=True)
    finally:
        local_server.stop(server)
    assert (login.status_code, after.status_code) == (302, 200)
    assert (followed.status_code, followed.url.path) == (200, "/notes")  # the redirect's request too
