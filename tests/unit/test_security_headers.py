"""Security headers scored the way Mozilla's HTTP Observatory does, and a URL nobody answers."""

from __future__ import annotations

import json

import httpx

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


def test_a_url_that_is_down_could_not_run(tmp_path, cli_env):
    out = tmp_path / "r.json"
    proc = run_cli("security", "--url", f"http://127.0.0.1:{free_port()}", "-o", str(out), cwd=tmp_path,
                   env=cli_env)
    assert proc.returncode == 3
    assert "cannot fetch the page (ConnectError" in proc.stderr and "Traceback" not in proc.stderr
    assert json.loads(out.read_text())["status"] == "error"
    proc = run_cli("security", "--url", "localhost:8000", cwd=tmp_path, env=cli_env)
    assert proc.returncode == 2 and "expected http://HOST:PORT" in proc.stderr
