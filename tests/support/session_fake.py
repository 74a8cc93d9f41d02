"""A server-rendered app with a session cookie and a tally of what it accepted and refused, for the tests
of session logins behind a CSRF token (subclasses decide what each request gets)."""

from __future__ import annotations

import secrets
import threading
from urllib.parse import parse_qs
from http.cookies import SimpleCookie
from typing import ClassVar

from support.api_fake import JsonApi


class SessionApp(JsonApi):
    """Sessions in a dict keyed by the id in the cookie COOKIE, each with its CSRF token (``csrf``) and
    its user (``user``, None before the login); ``tally`` counts what the app did."""

    COOKIE: ClassVar[str] = "session"
    lock = threading.Lock()
    sessions: ClassVar[dict[str, dict[str, object]]] = {}
    tally: ClassVar[dict[str, int]] = {}

    @classmethod
    def reset(cls) -> None:
        """Forget every session and count (call before each test)."""
        cls.sessions, cls.tally = {}, {}

    def _count(self, what: str) -> None:
        with self.lock:
            self.tally[what] = self.tally.get(what, 0) + 1

    def _new_session(self, user: str | None = None) -> str:
        sid = secrets.token_hex(12)
        with self.lock:
            self.sessions[sid] = {"csrf": secrets.token_urlsafe(24), "user": user}
        return sid

    def _session(self) -> tuple[str, dict[str, object], bool]:
        """(id, session, whether it is new) of the request's session cookie; a new one without it."""
        sid = SimpleCookie(self.headers.get("Cookie", "")).get(self.COOKIE)
        if sid is not None and sid.value in self.sessions:
            return sid.value, self.sessions[sid.value], False
        new = self._new_session()
        return new, self.sessions[new], True

    def _answer(self, status: int, body: str, sid: str = "", location: str = "") -> None:
        data = body.encode()
        self.send_response(status)
        if sid:
            self.send_header("Set-Cookie", f"{self.COOKIE}={sid}; HttpOnly; Path=/; SameSite=Lax")
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _form(self) -> dict[str, str]:
        """The request's urlencoded body, the first value of each field."""
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        return {k: v[0] for k, v in parse_qs(body).items()}

    def _behind_login(self, what: str, body: str, sid: str, new: bool, login_page: str) -> None:
        """Answer a page behind the login: *body* to a session with a user (counted as *what*), else 302 to
        *login_page* (counted as "*what* refused"), as login_required and ensureLoggedIn do."""
        if self.sessions[sid]["user"]:
            self._count(what)
            return self._answer(200, body)
        self._count(f"{what} refused")
        return self._answer(302, "", sid if new else "", login_page)
