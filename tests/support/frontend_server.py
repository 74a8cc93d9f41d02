"""A small real web site on 127.0.0.1 for the frontend tests.

It serves the fixture pages, plus what the example app cannot show: a page
behind a login form (cookie session), a server that answers too late, a page
whose image never finishes (so `load` never fires in time) and a 500 page.
Slow handlers are bounded, so the server always stops promptly.
"""

from __future__ import annotations

import http.server
import secrets
import threading
import time
import urllib.parse
from pathlib import Path

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
USERNAME = "demo"
PASSWORD = "s3cret-demo-pass"
SLOW_S = 4.0

LOGIN_FORM = b"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Log in</title></head>
<body><main><h1>Log in</h1><form method="post" action="/login">
<label for="u">User name</label><input id="u" name="username">
<label for="p">Password</label><input id="p" name="password" type="password">
<button type="submit">Log in</button></form></main></body></html>"""

ACCOUNT = b"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Your account</title></head>
<body><main><h1 id="welcome">Welcome back</h1><ul><li>Favourite: Blue in Green</li><li>Favourite: So What</li>
</ul></main></body></html>"""

SCRIPT_REDIRECT = b"""<!doctype html><html lang="en">\
<head><meta charset="utf-8"><title>Checking</title></head>
<body><main><p>Checking your session</p></main>
<script>addEventListener('load', () => setTimeout(() => location.replace('/pages/clean.html'), 50));</script>
</body></html>"""

NEVER_LOADS = b"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Slow</title></head>
<body><main><h1>Waiting for an image</h1><img src="/slow-image" alt="never arrives"></main></body></html>"""


class _Handler(http.server.BaseHTTPRequestHandler):
    server: FixtureSite._Server

    def log_message(self, *args: object) -> None:
        return None

    def _send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8",
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _logged_in(self) -> bool:
        cookies = self.headers.get("Cookie", "")
        return any(c.strip() == f"session={self.server.session}" for c in cookies.split(";"))

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith("/pages/"):
            file = (PAGES / path.removeprefix("/pages/")).resolve()
            if file.parent != PAGES or not file.is_file():
                return self._send(404, b"<!doctype html><title>Not found</title><h1>Not found</h1>")
            ctype = "image/svg+xml" if file.suffix == ".svg" else "text/html; charset=utf-8"
            return self._send(200, file.read_bytes(), ctype)
        if path == "/login":
            return self._send(200, LOGIN_FORM)
        if path == "/account":
            if self._logged_in():
                return self._send(200, ACCOUNT)
            return self._send(302, b"", headers={"Location": "/login"})
        if path == "/slow-response":
            time.sleep(SLOW_S)
            return self._send(200, b"<!doctype html><title>late</title><p>late</p>")
        if path == "/script-redirect":
            return self._send(200, SCRIPT_REDIRECT)
        if path == "/never-loads":
            return self._send(200, NEVER_LOADS)
        if path == "/slow-image":
            self.send_response(200)
            self.send_header("Content-Type", "image/svg+xml")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            time.sleep(SLOW_S)  # the body never comes in time
            return None
        if path.startswith("/static/"):
            # Django's answer for a static file that is not there: its HTML 404 page, with the nosniff header
            # its SecurityMiddleware adds to every answer
            return self._send(404, b"<!doctype html><title>Page not found</title><h1>Not Found</h1>",
                              headers={"X-Content-Type-Options": "nosniff"})
        if path == "/error":
            return self._send(500, b"<!doctype html><title>Error</title><h1>Internal Server Error</h1>")
        return self._send(404, b"<!doctype html><title>Not found</title><h1>Not found</h1>")

    def do_POST(self) -> None:  # noqa: N802
        if urllib.parse.urlsplit(self.path).path != "/login":
            return self._send(404, b"not found", "text/plain")
        length = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        if form.get("username") == [USERNAME] and form.get("password") == [PASSWORD]:
            return self._send(303, b"",
                              headers={"Location": "/account",
                                       "Set-Cookie": f"session={self.server.session}; Path=/; HttpOnly"})
        return self._send(401, LOGIN_FORM)


class FixtureSite:
    class _Server(http.server.ThreadingHTTPServer):
        daemon_threads = True
        session = ""

    def __init__(self) -> None:
        self.httpd = self._Server(("127.0.0.1", 0), _Handler)
        self.httpd.session = secrets.token_hex(16)
        self.port = self.httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def session(self) -> str:
        return self.httpd.session

    def url(self, path: str) -> str:
        return self.base_url + path

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
