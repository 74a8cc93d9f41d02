"""The load test's requests with a body carry the app's own Origin, as a browser's form does.

The case behind it (2026-12-03, a SvelteKit app): SvelteKit refuses a form POST whose Origin is not its
own with 403 "Cross-site POST form submissions are forbidden" (Astro and Next's server actions check the
same), and locust sends no Origin, so a `[load.login]` with `form` to a form action failed every time.
The server below makes that check.
"""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler

from echotune_ci.phases.load.worker import same_origin
from support import local_server
from support.load_support import endpoint, load, write_config


class _KitCsrf(BaseHTTPRequestHandler):
    """SvelteKit's check: a form POST whose Origin is not the server's own gets 403; the login action
    answers a token to one that is."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        own = f"http://{self.headers.get('Host')}"
        ok = self.headers.get("Origin") == own
        body = json.dumps({"token": "t"} if ok else {"message": "Cross-site POST form submissions are "
                                                                "forbidden"}).encode()
        self.send_response(200 if ok else 403)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(200 if self.headers.get("Authorization") == "Bearer t" else 401)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        """Quiet."""


def test_a_form_login_sends_the_origin_a_browser_would(tmp_path, load_env):
    server = local_server.start(_KitCsrf)
    try:
        write_config(tmp_path, '[load]\nusers = 2\nduration = "2s"\nwait_min = "0.05s"\nwait_max = "0.1s"\n'
                               '[load.login]\npath = "/login?/signin"\ntoken_field = "token"\n'
                               'form = { email = "a@b.c", password = "p" }\n'
                               '[[load.endpoints]]\npath = "/me"\n')
        proc, result = load(load_env, tmp_path, "--host", local_server.url(server))
    finally:
        local_server.stop(server)
    assert result is not None, proc.stdout + proc.stderr
    assert endpoint(result, "error_rate_pct", "POST /login?/signin").value == 0, proc.stdout + proc.stderr
    assert endpoint(result, "error_rate_pct", "GET /me").value == 0, proc.stdout + proc.stderr


def test_same_origin_is_scheme_host_and_a_port_of_its_own():
    assert same_origin("http://127.0.0.1:5173/app/") == "http://127.0.0.1:5173"
    assert same_origin("https://User@Example.COM:443") == "https://example.com"
    assert same_origin("http://[::1]:80") == "http://[::1]"
