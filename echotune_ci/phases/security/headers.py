"""Security headers of a page, scored the way Mozilla's HTTP Observatory does.

Every page starts at 100; each test adds its modifier (negative for a
problem); bonuses count only when the score before them is at least 90; the
grade follows Observatory's scale. Tests: CSP, cookies, CORS, Referrer-Policy,
HSTS (on https only: a plain-http URL cannot carry it, so loopback apps are
not charged for it), subresource integrity, X-Content-Type-Options and
X-Frame-Options (or CSP frame-ancestors).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from ...results import Finding

if TYPE_CHECKING:  # pragma: no cover
    from .settings import HeaderPage

HELP = "https://developer.mozilla.org/en-US/observatory/docs/tests_and_scoring"
PROBE_ORIGIN = "https://echotune-probe.invalid"

GRADES = ((100, "A+"), (90, "A"), (85, "A-"), (80, "B+"), (70, "B"), (65, "B-"), (60, "C+"), (50, "C"),
          (45, "C-"), (40, "D+"), (30, "D"), (25, "D-"), (0, "F"))

_PRIVATE_REFERRER = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}
_UNSAFE_REFERRER = {"origin", "origin-when-cross-origin", "unsafe-url", "no-referrer-when-downgrade"}
_REFERRER_VALUES = _PRIVATE_REFERRER | _UNSAFE_REFERRER
_SESSION_COOKIE = re.compile(r"(?i)sess|sid|auth|token|login|jwt")
_SIX_MONTHS = 15768000


@dataclass
class TestResult:
    """The outcome of one Observatory test: its name, result id, score modifier (points) and a sentence."""

    test: str
    result: str
    modifier: int
    description: str

    @property
    def severity(self) -> str:
        """Our severity of the modifier: <= -40 high, <= -20 medium, < 0 low, else info."""
        if self.modifier <= -40:
            return "high"
        if self.modifier <= -20:
            return "medium"
        return "low" if self.modifier < 0 else "info"


@dataclass
class PageScore:
    """The tests of one page (its URL and HTTP status) and the score they add up to."""

    url: str
    status: int
    tests: list[TestResult] = field(default_factory=list)

    @property
    def score(self) -> int:
        """100 plus the penalties, plus the bonuses when that is at least 90; never below 0 (points)."""
        base = 100 + sum(t.modifier for t in self.tests if t.modifier < 0)
        if base >= 90:
            base += sum(t.modifier for t in self.tests if t.modifier > 0)
        return max(base, 0)

    @property
    def grade(self) -> str:
        """Observatory's letter grade of :attr:`score` ("A+" ... "F")."""
        return next(g for floor, g in GRADES if self.score >= floor)

    def findings(self, page_path: str) -> list[Finding]:
        """One finding per test with a penalty; *page_path* names the page in messages."""
        return [
            Finding(
                rule_id=f"http.{t.result}",
                severity=t.severity,
                message=f"{t.description} ({page_path}, {t.modifier:+d} points)",
                source_tool="http-headers",
                location=None,
                help_url=HELP,
                context=f"{page_path} {t.result}",
                properties={"url": self.url, "test": t.test, "modifier": t.modifier},
            )
            for t in self.tests
            if t.modifier < 0
        ]


def parse_csp(value: str) -> dict[str, list[str]]:
    """A Content-Security-Policy value as {directive: [sources]}, lower-cased.

    The first occurrence of a directive wins, as in browsers.
    """
    policy: dict[str, list[str]] = {}
    for part in value.split(";"):
        tokens = part.strip().split()
        if tokens and tokens[0].lower() not in policy:
            policy[tokens[0].lower()] = [t.lower() for t in tokens[1:]]
    return policy


def test_csp(headers: Any) -> TestResult:
    """Observatory's content-security-policy test of *headers* (a case-insensitive mapping)."""
    value = headers.get("content-security-policy")
    if not value:
        return TestResult("content-security-policy", "csp-not-implemented", -25,
                          "Content Security Policy (CSP) header not implemented")
    policy = parse_csp(value)
    if not policy:
        return TestResult("content-security-policy", "csp-header-invalid", -25, "CSP header cannot be parsed")
    default = policy.get("default-src")
    script = policy.get("script-src", default)
    style = policy.get("style-src", default)
    broad = {"*", "http:", "https:", "data:", "'unsafe-inline'"}
    strict = any(s.startswith(("'nonce-", "'sha256-", "'sha384-", "'sha512-")) or s == "'strict-dynamic'"
                 for s in script or [])
    if script is None or (broad & set(script) and not strict):
        return TestResult("content-security-policy", "csp-implemented-with-unsafe-inline", -20,
                          "CSP allows inline or broadly sourced scripts ('unsafe-inline', data:, https:, * "
                          "or no script-src/default-src)")
    if any(s.startswith("http:") for s in script):
        return TestResult("content-security-policy", "csp-implemented-with-insecure-scheme", -20,
                          "CSP allows scripts over plain http")
    if "'unsafe-eval'" in script:
        return TestResult("content-security-policy", "csp-implemented-with-unsafe-eval", -10,
                          "CSP allows 'unsafe-eval'")
    if default == ["'none'"] and "'unsafe-inline'" not in (style or []):
        return TestResult("content-security-policy", "csp-implemented-with-no-unsafe-default-src-none", 10,
                          "CSP with default-src 'none' and no unsafe sources")
    return TestResult("content-security-policy", "csp-implemented-with-no-unsafe", 0,
                      "CSP implemented without 'unsafe-inline' or 'unsafe-eval'")


def test_cookies(set_cookies: list[str], https: bool, hsts: bool) -> TestResult:
    """Observatory's cookies test of the Set-Cookie values: the worst cookie decides."""
    if not set_cookies:
        return TestResult("cookies", "cookies-not-found", 0, "No cookies detected")
    worst = TestResult("cookies", "cookies-secure-with-httponly-sessions-and-samesite", 5,
                       "All cookies use Secure, session cookies use HttpOnly, and SameSite is set")
    for raw in set_cookies:
        for c in _cookie_results(raw, hsts):
            if c.modifier < worst.modifier:
                worst = c
    return worst


def _cookie_results(raw: str, hsts: bool) -> list[TestResult]:
    """What the cookies test holds against one Set-Cookie value (none when it is fully protected)."""
    name = raw.split("=", 1)[0].strip()
    attrs = {a.split("=", 1)[0].strip().lower(): (a.split("=", 1)[1].strip().lower() if "=" in a else "")
             for a in raw.split(";")[1:]}
    session = bool(_SESSION_COOKIE.search(name))
    candidates = []
    if "samesite" in attrs and attrs["samesite"] not in ("strict", "lax", "none"):
        candidates.append(TestResult("cookies", "cookies-samesite-flag-invalid", -20,
                                     f"Cookie {name} has an invalid SameSite value"))
    if session and "httponly" not in attrs:
        candidates.append(TestResult("cookies", "cookies-session-without-httponly-flag", -30,
                                     f"Session cookie {name} is set without HttpOnly"))
    if "secure" not in attrs:
        candidates.append(_cookie_without_secure(name, session, hsts))
    if "samesite" not in attrs and not candidates:
        candidates.append(TestResult("cookies", "cookies-secure-with-httponly-sessions", 0,
                                     "Cookies use Secure and HttpOnly but not SameSite"))
    return candidates


def _cookie_without_secure(name: str, session: bool, hsts: bool) -> TestResult:
    """The cookies test's result for cookie *name* set without Secure (HSTS softens it)."""
    if session:
        result = ("cookies-session-without-secure-flag-but-protected-by-hsts" if hsts
                  else "cookies-session-without-secure-flag")
        return TestResult("cookies", result, -10 if hsts else -40,
                          f"Session cookie {name} is set without Secure")
    result = "cookies-without-secure-flag-but-protected-by-hsts" if hsts else "cookies-without-secure-flag"
    return TestResult("cookies", result, -5 if hsts else -20, f"Cookie {name} is set without Secure")


def test_cors(headers: Any) -> TestResult:
    """Observatory's CORS test of the answer to a request from :data:`PROBE_ORIGIN`."""
    origin = headers.get("access-control-allow-origin")
    credentials = (headers.get("access-control-allow-credentials") or "").lower() == "true"
    if not origin:
        return TestResult("cross-origin-resource-sharing", "cross-origin-resource-sharing-not-implemented", 0,
                          "Content is not visible via cross-origin resource sharing (CORS)")
    test = "cross-origin-resource-sharing"
    if credentials and origin.strip() in ("*", PROBE_ORIGIN):
        return TestResult(test, f"{test}-implemented-with-universal-access", -50,
                          f"CORS lets any origin ({origin.strip()}) read responses with credentials")
    if origin.strip() == "*":
        return TestResult(test, f"{test}-implemented-with-public-access", 0,
                          "Public content is visible via CORS (Access-Control-Allow-Origin: *)")
    return TestResult(test, f"{test}-implemented-with-restricted-access", 0,
                      "Content is visible via CORS to restricted origins")


def test_referrer(headers: Any) -> TestResult:
    """Observatory's referrer-policy test (the last valid token of the header counts)."""
    value = headers.get("referrer-policy")
    if value is None:
        return TestResult("referrer-policy", "referrer-policy-not-implemented", 0,
                          "Referrer-Policy header not implemented")
    tokens = [t.strip().lower() for t in value.split(",") if t.strip()]
    valid = [t for t in tokens if t in _REFERRER_VALUES]
    if not valid:
        return TestResult("referrer-policy", "referrer-policy-header-invalid", -5,
                          "Referrer-Policy header is invalid")
    if valid[-1] in _PRIVATE_REFERRER:
        return TestResult("referrer-policy", "referrer-policy-private", 5,
                          f"Referrer-Policy {valid[-1]} keeps referrers private")
    return TestResult("referrer-policy", "referrer-policy-unsafe", -5,
                      f"Referrer-Policy {valid[-1]} leaks full URLs to other origins")


def test_hsts(headers: Any, https: bool) -> TestResult:
    """Observatory's strict-transport-security test; not applicable (0 points) on plain http."""
    if not https:
        return TestResult("strict-transport-security", "hsts-not-applicable-http", 0,
                          "HSTS only applies to https URLs")
    value = headers.get("strict-transport-security")
    if not value:
        return TestResult("strict-transport-security", "hsts-not-implemented", -20,
                          "HTTP Strict Transport Security (HSTS) header not implemented")
    m = re.search(r"(?i)max-age\s*=\s*\"?(\d+)", value)
    if not m:
        return TestResult("strict-transport-security", "hsts-header-invalid", -20,
                          "HSTS header cannot be parsed")
    if int(m.group(1)) < _SIX_MONTHS:
        return TestResult("strict-transport-security", "hsts-implemented-max-age-less-than-six-months", -10,
                          "HSTS max-age is shorter than six months")
    return TestResult("strict-transport-security", "hsts-implemented-max-age-at-least-six-months", 0,
                      "HSTS is set for at least six months")


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and dict(attrs).get("src"):
            self.scripts.append(dict(attrs))


def test_sri(url: str, content_type: str, body: str) -> TestResult:
    """Observatory's subresource-integrity test of the scripts of HTML *body* fetched from *url*."""
    if "html" not in content_type:
        return TestResult("subresource-integrity", "sri-not-implemented-response-not-html", 0,
                          "Subresource integrity does not apply: the response is not HTML")
    parser = _Scripts()
    parser.feed(body)
    here = urlsplit(url)
    external = []
    for attrs in parser.scripts:
        src = urlsplit(urljoin(url, str(attrs["src"])))
        if (src.scheme, src.netloc) != (here.scheme, here.netloc):
            external.append((src, bool(attrs.get("integrity"))))
    if not external:
        return TestResult("subresource-integrity",
                          "sri-not-implemented-but-all-scripts-loaded-from-secure-origin",
                          0, "All scripts are loaded from the same origin")
    insecure = [s for s, _ in external if s.scheme == "http"]
    if all(has for _, has in external):
        if insecure:
            return TestResult("subresource-integrity",
                              "sri-implemented-but-external-scripts-not-loaded-securely",
                              -20, "External scripts carry integrity but load over http")
        return TestResult("subresource-integrity", "sri-implemented-and-external-scripts-loaded-securely", 5,
                          "Subresource integrity is implemented for all external scripts")
    if insecure:
        return TestResult("subresource-integrity",
                          "sri-not-implemented-and-external-scripts-not-loaded-securely",
                          -50, "External scripts load over http without subresource integrity")
    return TestResult("subresource-integrity", "sri-not-implemented-but-external-scripts-loaded-securely", -5,
                      "External scripts are loaded without subresource integrity")


def test_xcto(headers: Any) -> TestResult:
    """Observatory's x-content-type-options test (must be ``nosniff``)."""
    value = headers.get("x-content-type-options")
    if value is None:
        return TestResult("x-content-type-options", "x-content-type-options-not-implemented", -5,
                          "X-Content-Type-Options header not implemented")
    if value.strip().lower() != "nosniff":
        return TestResult("x-content-type-options", "x-content-type-options-header-invalid", -5,
                          "X-Content-Type-Options header is not 'nosniff'")
    return TestResult("x-content-type-options", "x-content-type-options-nosniff", 0,
                      "X-Content-Type-Options is set to nosniff")


def test_xfo(headers: Any) -> TestResult:
    """Observatory's x-frame-options test; CSP frame-ancestors counts as well."""
    ancestors = parse_csp(headers.get("content-security-policy") or "").get("frame-ancestors")
    if ancestors and "*" not in ancestors:
        return TestResult("x-frame-options", "x-frame-options-implemented-via-csp", 5,
                          "Framing is restricted with CSP frame-ancestors")
    value = (headers.get("x-frame-options") or "").strip().lower()
    if not value:
        return TestResult("x-frame-options", "x-frame-options-not-implemented", -20,
                          "X-Frame-Options (or CSP frame-ancestors) not implemented: "
                          "clickjacking is possible")
    if value in ("deny", "sameorigin") or value.startswith("allow-from"):
        return TestResult("x-frame-options", "x-frame-options-sameorigin-or-deny", 0,
                          "X-Frame-Options restricts framing")
    return TestResult("x-frame-options", "x-frame-options-header-invalid", -20,
                      "X-Frame-Options header is invalid")


def score_response(url: str, response: Any) -> PageScore:
    """Score one httpx response of *url* (fetched with an Origin header for the CORS test)."""
    headers = response.headers
    https = urlsplit(url).scheme == "https"
    hsts = https and bool(headers.get("strict-transport-security"))
    content_type = headers.get("content-type", "")
    page = PageScore(url=url, status=response.status_code)
    page.tests = [
        test_csp(headers),
        test_cookies(headers.get_list("set-cookie"), https, hsts),
        test_cors(headers),
        test_referrer(headers),
        test_hsts(headers, https),
        test_sri(url, content_type, response.text if "html" in content_type else ""),
        test_xcto(headers),
        test_xfo(headers),
    ]
    return page


@dataclass
class HttpReport:
    """What :func:`check_pages` saw: (path, score, minimum score) per page, the findings, requests sent."""

    pages: list[tuple[str, PageScore, float]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    requests: int = 0


def check_pages(client: Any, base_url: str, pages: Sequence[HeaderPage], min_score: float) -> HttpReport:
    """Fetch each configured page once with *client* (an httpx.Client; no redirects followed) and score it.

    A page's own ``min_score`` overrides *min_score* (points). Raises
    RunError when a page cannot be fetched.
    """
    import httpx

    from ...errors import RunError

    report = HttpReport()
    for page in pages:
        url = urljoin(base_url.rstrip("/") + "/", page.path.lstrip("/"))
        try:
            response = client.get(url, headers={"Origin": PROBE_ORIGIN})
        except httpx.HTTPError as exc:
            raise RunError(f"{url}: cannot fetch the page ({type(exc).__name__}: {exc})") from None
        report.requests += 1
        score = score_response(url, response)
        report.pages.append((page.path, score, page.min_score if page.min_score is not None else min_score))
        report.findings.extend(score.findings(page.path))
    return report
