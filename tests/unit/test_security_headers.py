"""Security headers scored the way Mozilla's HTTP Observatory does, and a URL nobody answers."""

from __future__ import annotations

import json

import httpx
from http.server import BaseHTTPRequestHandler

from conftest import run_cli
from echotune_ci.phases.security.headers import PROBE_ORIGIN, score_response
from echotune_ci.serve import free_port


def scored(url: str, headers: dict[str, str] | list[tuple[str, str]], body: str = "",
           ctype: str = "text/html"):
    headers = list(headers.items()) if isinstance(headers, dict) else headers
    response = httpx.Response(200, headers=[("content-type", ctype), *headers], text=body)
    page = score_response(url, response)
    return page, {t.test: t for t in page.tests}


GOOD = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
}


def test_scoring_follows_the_observatory_modifiers():
    page, tests = scored("https://app.example/", GOOD)
    assert tests["content-security-policy"].result == "csp-implemented-with-no-unsafe-default-src-none"
    assert tests["x-frame-options"].result == "x-frame-options-implemented-via-csp"
    assert tests["strict-transport-security"].modifier == 0
    assert (page.score, page.grade) == (120, "A+")

    page, tests = scored("https://app.example/",
                         {"Content-Security-Policy": "script-src 'self' 'unsafe-inline'",
                          "Referrer-Policy": "unsafe-url"})
    assert tests["content-security-policy"].result == "csp-implemented-with-unsafe-inline"
    assert tests["strict-transport-security"].result == "hsts-not-implemented"
    # -20 csp, -5 referrer, -20 hsts, -5 xcto, -20 xfo; bonuses do not count below 90
    assert (page.score, page.grade) == (30, "D")

    _, tests = scored("http://127.0.0.1:1/", {"Strict-Transport-Security": "max-age=10"})
    assert tests["strict-transport-security"].result == "hsts-not-applicable-http"


def test_cookies_cors_and_sri():
    _, tests = scored("https://a.example/", [("Set-Cookie", "sessionid=abc; Path=/"),
                                             ("Set-Cookie", "theme=dark; Secure; SameSite=Lax")])
    assert (tests["cookies"].result == "cookies-session-without-secure-flag"
            and tests["cookies"].severity == "high")
    _, tests = scored("https://a.example/",
                      [("Set-Cookie", "sessionid=abc; Secure; HttpOnly; SameSite=Strict")])
    assert tests["cookies"].modifier == 5
    _, tests = scored("https://a.example/", {"Access-Control-Allow-Origin": PROBE_ORIGIN,
                                             "Access-Control-Allow-Credentials": "true"})
    assert tests["cross-origin-resource-sharing"].modifier == -50
    _, tests = scored("https://a.example/", {"Access-Control-Allow-Origin": "*"})
    assert tests["cross-origin-resource-sharing"].modifier == 0
    _, tests = scored("https://a.example/", {}, '<script src="http://cdn.example/x.js"></script>')
    assert tests["subresource-integrity"].modifier == -50
    _, tests = scored("https://a.example/", {}, '<script src="https://cdn.example/x.js" integrity="sha384-x">'
                                                "</script><script src=/local.js></script>")
    assert tests["subresource-integrity"].modifier == 5


# Expected results read off the Observatory's source: mdn/mdn-http-observatory 1.6.3 (commit 94042bb),
# src/analyzer/tests/cors.js and its cases in test/cors.test.js, modifiers in src/grader/charts.js; the
# same in mozilla/http-observatory 0.9.3 (commit 8b59e6e), httpobs/scanner/analyzer/misc.py
# cross_origin_resource_sharing and httpobs/scanner/grader/grade.py. "*" (trimmed, lower-cased) is public
# access before credentials are looked at; universal access is the probe's Origin sent back exactly with
# Access-Control-Allow-Credentials "true" (trimmed, lower-cased); any other origin is restricted.
CORS = [
    ([], "not-implemented", 0),
    ([("Access-Control-Allow-Origin", "*")], "implemented-with-public-access", 0),
    ([("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Credentials", "true")],
     "implemented-with-public-access", 0),
    ([("Access-Control-Allow-Origin", "https://mozilla.org")], "implemented-with-restricted-access", 0),
    ([("Access-Control-Allow-Origin", "https://mozilla.org"), ("Access-Control-Allow-Credentials", "true")],
     "implemented-with-restricted-access", 0),
    ([("Access-Control-Allow-Origin", PROBE_ORIGIN)], "implemented-with-restricted-access", 0),
    ([("Access-Control-Allow-Origin", PROBE_ORIGIN), ("Access-Control-Allow-Credentials", "false")],
     "implemented-with-restricted-access", 0),
    ([("Access-Control-Allow-Origin", PROBE_ORIGIN), ("Access-Control-Allow-Credentials", "true")],
     "implemented-with-universal-access", -50),
    ([("Access-Control-Allow-Origin", PROBE_ORIGIN), ("Access-Control-Allow-Credentials", "TRUE")],
     "implemented-with-universal-access", -50),
    ([("Access-Control-Allow-Origin", PROBE_ORIGIN.upper()), ("Access-Control-Allow-Credentials", "true")],
     "implemented-with-restricted-access", 0),
]


def test_cors_follows_the_observatory():
    """A wildcard with credentials was reported "[high] ...-universal-access ... (-50)": browsers never
    send credentials to "*" (Fetch standard, CORS check), and the Observatory calls it public access."""
    for headers, result, modifier in CORS:
        page, tests = scored("https://a.example/", headers)
        cors = tests["cross-origin-resource-sharing"]
        assert (cors.result, cors.modifier) == (f"cross-origin-resource-sharing-{result}", modifier), headers
        findings = [f.rule_id for f in page.findings("/") if "cross-origin" in f.rule_id]
        assert findings == ([f"http.cross-origin-resource-sharing-{result}"] if modifier else []), headers


def test_a_url_that_is_down_could_not_run(tmp_path, cli_env):
    out = tmp_path / "r.json"
    proc = run_cli("security", "--url", f"http://127.0.0.1:{free_port()}", "-o", str(out), cwd=tmp_path,
                   env=cli_env)
    assert proc.returncode == 3
    assert "cannot fetch the page (ConnectError" in proc.stderr and "Traceback" not in proc.stderr
    assert json.loads(out.read_text())["status"] == "error"
    proc = run_cli("security", "--url", "localhost:8000", cwd=tmp_path, env=cli_env)
    assert proc.returncode == 2 and "expected http://HOST:PORT" in proc.stderr


class _ApiWithoutRoot(BaseHTTPRequestHandler):
    """Express's answer to a path it has no route for: 404 "Cannot GET /", none of helmet's headers."""

    def do_GET(self):  # noqa: N802
        body = b"<pre>Cannot GET /</pre>" if self.path == "/" else b'{"ok": true}'
        self.send_response(404 if self.path == "/" else 200)
        self.send_header("Content-Type", "text/html" if self.path == "/" else "application/json")
        self.send_header("Content-Length", str(len(body)))
        if self.path != "/":
            self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002
        pass


def test_an_error_page_is_scored_with_a_warning_that_says_so(tmp_path, capsys, monkeypatch):
    """CollabHub's "/" answered 404 "Cannot GET /": its headers were scored (80, B+) with nothing saying
    the page was an error page, not one of the app's."""
    from support import local_server
    from support.hostile import cli

    monkeypatch.chdir(tmp_path)
    server = local_server.start(_ApiWithoutRoot)
    try:
        (tmp_path / "echotune.toml").write_text('[security.http]\npages = [{path = "/"}, {path = "/api"}]\n')
        code, _, err = cli(capsys, "security", "--only", "http", "--url", local_server.url(server),
                           "-o", str(tmp_path / "r.json"))
    finally:
        local_server.stop(server)
    data = json.loads((tmp_path / "r.json").read_text())
    assert code == 1, err
    assert [m["labels"]["url"] for m in data["metrics"] if m["name"] == "http.headers_score"] == ["/", "/api"]
    assert data["warnings"] == ["http: / answered HTTP 404: the headers scored are an error page's; set "
                                "[security.http] pages to pages the app serves"]
