"""Security headers of a page, scored the way Mozilla's HTTP Observatory does.

Every page starts at 100; each test adds its modifier (negative for a
problem); bonuses count only when the score before them is at least 90; the
grade follows Observatory's scale. Tests: CSP, cookies, CORS, Referrer-Policy,
HSTS (on https only: a plain-http URL cannot carry it, so loopback apps are
not charged for it), subresource integrity, X-Content-Type-Options and
X-Frame-Options (or CSP frame-ancestors).

CSP comes from the headers and from ``<meta http-equiv="Content-Security-Policy">``
tags, merged as the Observatory merges them (a source counts only when every
policy allows it); ``frame-ancestors``, ``report-uri`` and ``sandbox`` count
only from headers, as browsers ignore them in meta tags. Modifiers follow the
Observatory's score table of algorithm version 6 (mdn/mdn-http-observatory,
``src/grader/charts.js``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urljoin, urlsplit

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


_CSP = "content-security-policy"
# What a CSP test result is worth and says (the Observatory's score table, algorithm version 6).
_CSP_RESULTS = {
    "csp-implemented-with-no-unsafe-default-src-none": (
        10, "CSP with default-src 'none' and no unsafe sources"),
    "csp-implemented-with-no-unsafe": (5, "CSP implemented without 'unsafe-inline' or 'unsafe-eval'"),
    "csp-implemented-with-unsafe-inline-in-style-src-only": (
        0, "CSP allows 'unsafe-inline', data: or broad sources in style-src only"),
    "csp-implemented-with-insecure-scheme-in-passive-content-only": (
        -10, "CSP lets a secure page load images or media over http"),
    "csp-implemented-with-unsafe-eval": (-10, "CSP allows 'unsafe-eval'"),
    "csp-implemented-with-unsafe-inline": (
        -20, "CSP allows 'unsafe-inline' or data: in script-src, broad sources (*, https:) in object-src or "
             "script-src, or sets neither object-src/script-src nor default-src"),
    "csp-implemented-with-insecure-scheme": (-20, "CSP lets a secure page load resources over http"),
    "csp-implemented-but-duplicate-directives": (
        0, "CSP implemented, but it repeats report-uri or report-to"),
    "csp-header-invalid": (-25, "CSP cannot be parsed (a repeated directive, a policy too short to hold one, "
                                "or 'strict-dynamic' without a nonce or hash)"),
    "csp-not-implemented": (-25, "Content Security Policy (CSP) not implemented (no header, no meta tag)"),
    "csp-not-implemented-but-reporting-enabled": (
        -25, "Only Content-Security-Policy-Report-Only is set: no policy is enforced"),
}
_CSP_PASSING = {"csp-implemented-with-no-unsafe", "csp-implemented-with-no-unsafe-default-src-none",
                "csp-implemented-with-unsafe-inline-in-style-src-only",
                "csp-implemented-with-insecure-scheme-in-passive-content-only"}
_BROAD = frozenset({"ftp:", "http:", "https:", "*", "http://*", "http://*.*", "https://*", "https://*.*"})
_BROAD_OR_INLINE = _BROAD | {"'unsafe-inline'", "data:"}
_PASSIVE = ("img-src", "media-src")
_NONCE_OR_HASH = ("'sha256-", "'sha384-", "'sha512-", "'nonce-")
# A browser ignores these in a <meta http-equiv> policy (HTML standard, "Content security policy state").
HEADER_ONLY_DIRECTIVES = frozenset({"frame-ancestors", "report-uri", "sandbox"})
_MAY_REPEAT = frozenset({"report-uri", "report-to"})
_SHORTEST_POLICY = len("img-src") - 1


class CspError(ValueError):
    """A policy list the Observatory calls invalid (too short, or a directive repeated in one policy)."""


@dataclass
class _Source:
    value: str
    policy: int
    keep: bool


@dataclass
class Csp:
    """Policies merged into one: {directive: set of lower-cased sources}, and the directives that were
    repeated where repeating is allowed (report-uri, report-to)."""

    directives: dict[str, set[str]] = field(default_factory=dict)
    repeated: set[str] = field(default_factory=set)


def _path_covers(outer: str, inner: str) -> bool:
    """Whether source *inner* of a later policy is allowed by source *outer* of an earlier one, path part by
    path part: ``https://a.org/x/`` covers ``https://a.org/x/y.js``; without the trailing slash only the
    same path matches."""
    if outer == "" or (outer == "/" and inner == ""):
        return True
    outer_parts, inner_parts = outer.split("/"), inner.split("/")
    prefix = outer.endswith("/")
    if len(outer_parts) > len(inner_parts) or (not prefix and len(outer_parts) != len(inner_parts)):
        return False
    if prefix:
        outer_parts.pop()
    return all(unquote(a) == unquote(b) for a, b in zip(outer_parts, inner_parts, strict=False))


def merge_policies(policies: Sequence[str], meta_from: int | None = None) -> Csp:
    """Several policies (header values split at commas, then meta tags) as the one policy the Observatory
    scores: a source counts when every policy naming that directive allows it.

    The first policy's sources are kept (minus longer duplicates of a shorter one, such as ``https:``
    beside ``https://cdn.example``); a later policy keeps only the sources that an earlier kept source
    covers path by path (:func:`_path_covers`); a directive whose sources all went becomes ``'none'``, as
    does a ``*-src`` directive without sources. Policies from index *meta_from* on came from meta tags:
    their ``frame-ancestors``, ``report-uri`` and ``sandbox`` are dropped, as browsers drop them. Sources
    are compared in code-point order (the Observatory sorts with an English collator; both put a source
    next to its copies and its extensions). A repeated report-uri/report-to is noted in ``repeated`` and
    its last occurrence counts. Raises CspError for a policy shorter than 6 characters or another
    directive repeated within one policy.
    """
    cleaned = [p.replace("\r", "").replace("\n", "").strip() for p in policies]
    for policy in cleaned:
        if len(policy) < _SHORTEST_POLICY:
            raise CspError(f"policy {policy!r} is too short to hold a directive")
    kept: dict[str, list[_Source]] = {}
    csp = Csp()
    for index, policy in enumerate(cleaned):
        seen: set[str] = set()
        for part in policy.split(";"):
            tokens = part.split()
            if not tokens:
                continue
            directive = tokens[0].lower()
            if directive in seen:
                if directive not in _MAY_REPEAT:
                    raise CspError(f"directive {directive} is repeated in policy {index + 1}")
                csp.repeated.add(directive)  # and, as in the Observatory, its last occurrence counts
            seen.add(directive)
            if meta_from is not None and index >= meta_from and directive in HEADER_ONLY_DIRECTIVES:
                continue
            values = [t.lower() for t in tokens[1:]] or (["'none'"] if directive.endswith("-src") else [])
            fresh = [_Source(v, index, index == 0) for v in values]
            combined = sorted([*(kept.get(directive, []) if index else []), *fresh], key=lambda s: s.value)
            for prev, cur in itertools.pairwise(combined):
                if cur.policy == prev.policy and cur.value.startswith(prev.value):
                    cur.keep = False
                elif cur.policy != prev.policy and _path_covers(prev.value, cur.value):
                    cur.keep = True
            kept[directive] = [s for s in combined if s.keep]
            if index == 0 and len(cleaned) > 1:
                # a later policy must name a source again for it to survive
                for s in kept[directive]:
                    s.keep = False
    csp.directives = {d: ({s.value for s in sources} or {"'none'"}) for d, sources in kept.items()}
    return csp


def _header_values(headers: Any, name: str) -> list[str]:
    values = headers.get_list(name) if hasattr(headers, "get_list") else (
        [headers[name]] if headers.get(name) is not None else [])
    # several headers may arrive joined by commas (RFC 9110 5.3); a comma separates policies (CSP3 2.2)
    return [p.strip() for v in values for p in v.split(",")]


def _csp_outcome(result: str) -> TestResult:
    modifier, description = _CSP_RESULTS[result]
    return TestResult(_CSP, result, modifier, description)


def analyse_csp(headers: Any, meta: Sequence[str] = (), https: bool = True) -> tuple[TestResult, Csp | None]:
    """Observatory's content-security-policy test of the response *headers* (a case-insensitive mapping)
    and the contents of the page's ``<meta http-equiv="Content-Security-Policy">`` tags (*meta*).

    Returns the test and the merged policy (None when nothing was implemented or it cannot be parsed).
    Header and meta policies are merged (:func:`merge_policies`); a policy without ``script-src`` or
    ``object-src`` falls back to ``default-src``, and without that too to ``*`` (unsafe). Plain-http
    sources are held against the policy only on an https page (*https*).
    """
    from_headers = _header_values(headers, _CSP)
    from_meta = [p.strip() for v in meta for p in v.split(",")]
    try:
        csp = merge_policies([*from_headers, *from_meta], meta_from=len(from_headers))
    except CspError:
        return _csp_outcome("csp-header-invalid"), None
    try:
        header_only = merge_policies(from_headers).directives
    except CspError:
        header_only = {}
    try:
        meta_only = merge_policies(from_meta, meta_from=0).directives
    except CspError:
        meta_only = {}
    if not header_only and not meta_only:
        reporting = headers.get("content-security-policy-report-only")
        return _csp_outcome("csp-not-implemented-but-reporting-enabled" if reporting
                            else "csp-not-implemented"), None
    return _csp_outcome(_csp_result(csp, https)), csp


def _fallback(directives: dict[str, set[str]], name: str) -> set[str]:
    """The directive's own set (the same object, so that pruning it prunes the policy), else
    default-src's, else ``*``."""
    if name in directives:
        return directives[name]
    return directives.get("default-src", {"*"})


def _csp_result(csp: Csp, https: bool) -> str:
    """The Observatory's result id for a merged, implemented policy; the first problem found decides."""
    d = csp.directives
    script, style, objects = _fallback(d, "script-src"), _fallback(d, "style-src"), _fallback(d, "object-src")
    for sources in (script, style):
        if _nonce_or_hash(sources):
            sources.discard("'unsafe-inline'")  # browsers ignore it next to a nonce or hash
    invalid = False
    if "'strict-dynamic'" in script:
        if _nonce_or_hash(script):
            # with 'strict-dynamic' browsers ignore host and scheme sources, 'self' and 'unsafe-inline'
            for s in [s for s in script if s.startswith(tuple(_BROAD)) or s in ("'self'", "'unsafe-inline'")]:
                script.discard(s)
        else:
            invalid = True
    active = [s for name, sources in d.items() if name not in _PASSIVE and name != "script-src"
              for s in sources] + list(script)
    passive = [s for name in _PASSIVE for s in (d.get(name) or d.get("default-src") or ())]
    insecure = ("http:", "ftp:")
    checks = (
        ("csp-header-invalid", invalid),
        ("csp-implemented-with-unsafe-inline", bool(script & _BROAD_OR_INLINE or objects & _BROAD)),
        ("csp-implemented-with-insecure-scheme", https and any(s.startswith(insecure) for s in active)),
        ("csp-implemented-with-unsafe-eval", "'unsafe-eval'" in script | style),
        ("csp-implemented-with-insecure-scheme-in-passive-content-only",
         https and any(s.startswith(insecure) for s in passive)),
        ("csp-implemented-with-unsafe-inline-in-style-src-only", bool(style & _BROAD_OR_INLINE)),
        ("csp-implemented-with-no-unsafe-default-src-none", d.get("default-src") == {"'none'"}),
    )
    result = next((r for r, found in checks if found), "csp-implemented-with-no-unsafe")
    if result in _CSP_PASSING and csp.repeated:
        return "csp-implemented-but-duplicate-directives"
    return result


def _nonce_or_hash(sources: set[str]) -> bool:
    return any(s.startswith(_NONCE_OR_HASH) for s in sources)


def test_csp(headers: Any, meta: Sequence[str] = (), https: bool = True) -> TestResult:
    """Observatory's content-security-policy test; see :func:`analyse_csp`."""
    return analyse_csp(headers, meta, https)[0]


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
    """Observatory's CORS test of the answer to a request from :data:`PROBE_ORIGIN`: ``*`` is public access
    (0) whatever Access-Control-Allow-Credentials says, since browsers never send credentials to a
    wildcard; only our own Origin sent back with ``Access-Control-Allow-Credentials: true`` is universal
    access (-50): the app would let any site read what a signed-in user sees."""
    test = "cross-origin-resource-sharing"
    origin = headers.get("access-control-allow-origin")
    if not origin:
        return TestResult(test, f"{test}-not-implemented", 0,
                          "Content is not visible via cross-origin resource sharing (CORS)")
    credentials = (headers.get("access-control-allow-credentials") or "").strip().lower() == "true"
    if origin.strip() == "*":
        allowed = " (Access-Control-Allow-Credentials: true has no effect with it)" if credentials else ""
        return TestResult(test, f"{test}-implemented-with-public-access", 0,
                          f"Public content is visible via CORS (Access-Control-Allow-Origin: *){allowed}")
    # The Observatory compares the two headers as they are (no case folding, no trimming).
    if origin == PROBE_ORIGIN and credentials:
        return TestResult(test, f"{test}-implemented-with-universal-access", -50,
                          f"CORS reflects the request's Origin ({PROBE_ORIGIN}) and allows credentials: any "
                          f"site can read responses with the user's cookies")
    return TestResult(test, f"{test}-implemented-with-restricted-access", 0,
                      "Content is visible via CORS to restricted origins")


def test_referrer(headers: Any, meta: str | None = None) -> TestResult:
    """Observatory's referrer-policy test: the header's values, then the page's
    ``<meta name="referrer">`` (*meta*); the last valid token counts."""
    value = ", ".join(v for v in (headers.get("referrer-policy"), meta) if v is not None) or None
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
    """The external scripts of a page and its header-like meta tags, anywhere in the document as the
    Observatory reads them: each ``<meta http-equiv="Content-Security-Policy">`` content, and the last
    ``<meta name="referrer">`` content."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.csp: list[str] = []
        self.referrer: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script" and found.get("src"):
            self.scripts.append(found)
        elif tag == "meta" and found.get("http-equiv") is not None and found.get("content") is not None:
            if str(found["http-equiv"]).strip().lower() == _CSP and found["content"]:
                self.csp.append(str(found["content"]))
        elif tag == "meta" and (found.get("name") or "").strip().lower() == "referrer":
            self.referrer = found.get("content") or self.referrer


def _html_media_type(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() in ("text/html", "application/xhtml+xml")


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


def test_xfo(headers: Any, csp: Csp | None = None) -> TestResult:
    """Observatory's x-frame-options test; a parsed, implemented CSP (*csp*, see :func:`analyse_csp`)
    with ``frame-ancestors`` (from a header: meta tags cannot set it) replaces the header."""
    if csp is not None and "frame-ancestors" in csp.directives:
        return TestResult("x-frame-options", "x-frame-options-implemented-via-csp", 5,
                          "Framing is restricted with CSP frame-ancestors")
    value = (headers.get("x-frame-options") or "").strip().lower()
    if not value:
        return TestResult("x-frame-options", "x-frame-options-not-implemented", -20,
                          "X-Frame-Options (or CSP frame-ancestors) not implemented: "
                          "clickjacking is possible")
    if value in ("deny", "sameorigin"):
        return TestResult("x-frame-options", "x-frame-options-sameorigin-or-deny", 5,
                          "X-Frame-Options restricts framing")
    if value.startswith("allow-from"):
        return TestResult("x-frame-options", "x-frame-options-allow-from-origin", 0,
                          "X-Frame-Options ALLOW-FROM (browsers ignore it; use CSP frame-ancestors)")
    return TestResult("x-frame-options", "x-frame-options-header-invalid", -20,
                      "X-Frame-Options header is invalid")


def score_response(url: str, response: Any) -> PageScore:
    """Score one httpx response of *url* (fetched with an Origin header for the CORS test).

    CSP and Referrer-Policy come from the headers and, on an HTML page, from its meta tags as well.
    """
    headers = response.headers
    https = urlsplit(url).scheme == "https"
    hsts = https and bool(headers.get("strict-transport-security"))
    content_type = headers.get("content-type", "")
    html = _Scripts()
    if _html_media_type(content_type):
        html.feed(response.text)
    csp_test, csp = analyse_csp(headers, html.csp, https)
    page = PageScore(url=url, status=response.status_code)
    page.tests = [
        csp_test,
        test_cookies(headers.get_list("set-cookie"), https, hsts),
        test_cors(headers),
        test_referrer(headers, html.referrer),
        test_hsts(headers, https),
        test_sri(url, content_type, response.text if "html" in content_type else ""),
        test_xcto(headers),
        test_xfo(headers, csp),
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
