"""Auth probes against a running app: is the protected endpoint really protected?

With a real login (credentials from environment variables) the probes send,
to the configured base URL only: the protected endpoint without a token; a
copy of the real JWT with ``alg: none``; the real JWT without its signature;
an expired token (validly signed when the HS* key is given, else unsigned);
and up to ``rate_limit_attempts`` failed logins, expecting a 429. The
rate-limit probe goes last because a working limit locks the prober's
address out for the app's window.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...errors import ConfigError, RunError
from ...masking import register
from ...results import Finding

if TYPE_CHECKING:  # pragma: no cover
    from .settings import AuthSettings

HELP = "https://cheatsheetseries.owasp.org/cheatsheets/JSON_Web_Token_for_Java_Cheat_Sheet.html"
HELP_RATE = "https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html#login-throttling"
_REFUSED = (401, 403)
# Answers that say the login did not understand the request (a JSON body where it reads a form, RFC 9110
# 415; a body it cannot validate, 422): the password was never checked.
_NOT_UNDERSTOOD = (415, 422)
_HMAC = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
WRONG_PASSWORD = "echotune-probe-wrong-password"  # pragma: allowlist secret


@dataclass
class Probe:
    """One probe: its name, whether the app refused as it should, and what it answered."""

    name: str
    passed: bool
    detail: str


@dataclass
class AuthReport:
    """What the probes found: each probe, the findings, notes and the number of requests sent."""

    probes: list[Probe] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    requests: int = 0


def b64url(data: bytes) -> str:
    """Base64url without padding (RFC 7515 section 2), as JWTs use it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding; ValueError (binascii.Error) for bad input."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def forge(header: dict[str, Any], claims: dict[str, Any], key: bytes | None = None) -> str:
    """A JWT with *header* and *claims*, signed with *key* (header ``alg`` HS256/384/512) or unsigned."""
    signing_input = f"{b64url(json.dumps(header, separators=(',', ':')).encode())}." \
                    f"{b64url(json.dumps(claims, separators=(',', ':')).encode())}"
    if key is None:
        return signing_input + "."
    digest = hmac.new(key, signing_input.encode("ascii"), _HMAC[header["alg"]]).digest()
    return f"{signing_input}.{b64url(digest)}"


def run_probes(client: Any, cfg: AuthSettings) -> AuthReport:
    """Run the probes through *client* (an httpx.Client whose base_url is the app).

    *cfg* is [security.http.auth].

    Raises ConfigError when login_path is set without protected_path, and
    RunError when the app does not answer, the real login fails or the app
    refuses its own token.
    """
    if not cfg.protected_path:
        raise ConfigError("[security.http.auth] login_path is set but protected_path is not")
    prober = _Prober(client, cfg)
    prober.expect_refused("no-token", "auth.protected-without-token", "critical", "no token", None)
    user, password = os.environ.get(cfg.username_env), os.environ.get(cfg.password_env)
    register(password)
    if user and password:
        prober.probe_tokens(prober.login(user, password))
    else:
        prober.report.findings.append(Finding(
            rule_id="auth.credentials-missing", severity="info",
            message=f"token probes (alg none, stripped signature, expiry) not run: set {cfg.username_env} "
                    f"and {cfg.password_env} to a test account's login",
            source_tool="auth-probe", help_url=HELP, context=f"{cfg.login_path} auth.credentials-missing",
            properties={"endpoint": f"POST {cfg.login_path}"}))
    prober.probe_rate_limit(user or "echotune-probe")
    return prober.report


class _Prober:
    def __init__(self, client: Any, cfg: AuthSettings):
        self.client = client
        self.cfg = cfg
        self.report = AuthReport()
        self.login_path = cfg.login_path
        self.protected = cfg.protected_path

    def send(self, method: str, path: str, client: Any = None, **kwargs: Any) -> Any:
        import httpx

        client = client or self.client
        try:
            response = client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise RunError(f"{client.base_url}{path}: no answer to the auth probe "
                           f"({type(exc).__name__}: {exc})") from None
        self.report.requests += 1
        return response

    def expect_refused(self, name: str, rule: str, severity: str, what: str, token: str | None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        answer = self.send("GET", self.protected, headers=headers)
        passed = answer.status_code in _REFUSED
        self.report.probes.append(Probe(name, passed, f"HTTP {answer.status_code}"))
        if not passed:
            self.report.findings.append(Finding(
                rule_id=rule, severity=severity,
                message=f"GET {self.protected} with {what} answered HTTP {answer.status_code}, "
                        "expected 401 or 403",
                source_tool="auth-probe", help_url=HELP, context=f"{self.protected} {rule}",
                properties={"endpoint": f"GET {self.protected}", "status": answer.status_code}))

    def credentials(self, user: str, password: str) -> dict[str, Any]:
        """The login request's body as httpx's keyword: ``json`` or, with ``body = "form"``, ``data``
        (sent urlencoded)."""
        fields = {self.cfg.username_field: user, self.cfg.password_field: password}
        return {"data": fields} if self.cfg.body == "form" else {"json": fields}

    def not_understood(self, status: int) -> str:
        """Why an answer *status* of 415/422 to the login is no verdict on the credentials, with what to
        set: the other body, or the field names."""
        sent, other, reads = (("a form", "json", "JSON") if self.cfg.body == "form"
                              else ("JSON", "form", "a form, as OAuth2 password logins do,"))
        return (f"POST {self.login_path} answered HTTP {status} to the credentials sent as {sent}: it did "
                f'not read them (a login that reads {reads} wants [security.http.auth] body = "{other}"; '
                f"else check username_field and password_field)")

    def login(self, user: str, password: str) -> str:
        cfg = self.cfg
        response = self.send("POST", self.login_path, **self.credentials(user, password))
        token = _token(response, cfg.token_field)
        register(token)  # the JWT and the copies forged from it are credentials too
        if token is None and response.status_code in _NOT_UNDERSTOOD:
            raise RunError(f"login failed: {self.not_understood(response.status_code)}")
        if token is None:
            raise RunError(f"login at {self.login_path} failed (HTTP {response.status_code}); check "
                           f"{cfg.username_env}/{cfg.password_env} and login_path")
        accepted = self.send("GET", self.protected, headers={"Authorization": f"Bearer {token}"})
        if not accepted.is_success:
            raise RunError(f"{self.protected} refused the token its own login issued "
                           f"(HTTP {accepted.status_code})")
        return token

    def probe_tokens(self, token: str) -> None:
        parts = token.split(".")
        try:
            if len(parts) != 3:
                raise ValueError("not three parts")
            header, claims = (json.loads(b64url_decode(p)) for p in parts[:2])
            if not isinstance(header, dict) or not isinstance(claims, dict):
                raise ValueError("not JSON objects")
        except ValueError:
            self.report.notes.append("auth: the login token is not a JWT; the alg-none, signature and expiry "
                                     "probes were not run")
            return
        unsigned = forge({**header, "alg": "none"}, claims)
        self.expect_refused("alg-none", "auth.jwt-alg-none-accepted", "critical",
                            "an unsigned alg=none copy of the token", unsigned)
        self.expect_refused("stripped-signature", "auth.jwt-signature-not-verified", "critical",
                            "the token without its signature", f"{parts[0]}.{parts[1]}.")
        now = int(time.time())
        expired = {**claims, "iat": now - 7200, "exp": now - 3600}
        key_env = self.cfg.jwt_secret_env
        key = os.environ.get(key_env) if key_env else None
        if key and header.get("alg") in _HMAC:
            forged = forge(header, expired, key.encode())
            what = "a validly signed token that expired an hour ago"
        else:
            forged, what = forge({**header, "alg": "none"}, expired), "an expired token"
            self.report.notes.append(f"auth: expiry probe sent an unsigned expired token (no HS* key in "
                                     f"{key_env or 'jwt_secret_env'}), so it cannot tell expiry checks from "
                                     "signature checks")
        self.expect_refused("expired", "auth.jwt-expired-accepted", "high", what, forged)

    def probe_rate_limit(self, user: str) -> None:
        import httpx

        from ...net import loopback

        attempts = self.cfg.rate_limit_attempts
        if attempts == 0:
            self.report.notes.append("auth: login rate-limit probe disabled (rate_limit_attempts = 0)")
            return
        body = self.credentials(user, WRONG_PASSWORD)
        with contextlib.ExitStack() as stack:
            client = self.client
            if self.cfg.probe_source_address:
                # A working limit locks out the address that tripped it; probing
                # from another loopback address keeps other phases' logins working.
                # Its own transport: no proxy from the environment (see echotune_ci.net.loopback).
                client = stack.enter_context(loopback.client(
                    str(self.client.base_url), timeout=self.client.timeout,
                    transport=httpx.HTTPTransport(local_address=self.cfg.probe_source_address)))
            for n in range(1, attempts + 1):
                answer = self.send("POST", self.login_path, client, **body)
                if answer.status_code in _NOT_UNDERSTOOD:
                    # Every "failed login" would be this answer, never a refused password: no verdict.
                    self.report.notes.append(f"auth: login rate-limit probe not judged: "
                                             f"{self.not_understood(answer.status_code)}")
                    return
                if answer.status_code == 429:
                    self.report.probes.append(Probe("login-rate-limit", True,
                                                    f"HTTP 429 after {n} failed logins"))
                    return
                if answer.is_success:
                    raise RunError(f"POST {self.login_path} accepted the wrong password of the "
                                   "rate-limit probe")
        self.report.probes.append(Probe("login-rate-limit", False, f"no 429 in {attempts} failed logins"))
        self.report.findings.append(Finding(
            rule_id="auth.no-login-rate-limit", severity="medium",
            message=f"POST {self.login_path} answered {attempts} failed logins in a row without a 429: "
                    "password guessing is not throttled",
            source_tool="auth-probe", help_url=HELP_RATE,
            context=f"{self.login_path} auth.no-login-rate-limit",
            properties={"endpoint": f"POST {self.login_path}", "attempts": attempts}))


def _token(response: Any, field_name: str) -> str | None:
    if not response.is_success:
        return None
    try:
        value = response.json().get(field_name)
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) and value else None
