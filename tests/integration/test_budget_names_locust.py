"""A locustfile's threshold that matched no measured endpoint fails its check (issue 14, kind 7).

A real locust run of a user's locustfile against a small server on 127.0.0.1: the request is named
"GET /catalog", the threshold "GET /catalogue" (a typo). Before, the threshold was dropped and the
run passed; now its budget's check fails (exit 1) with a message naming the closest measured endpoint.
"""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler

import pytest
from support.load_support import endpoint, load, write_config
from support.local_server import start, stop, url


class Catalog(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the http.server hook
        body = b'{"items": []}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture()
def catalog():
    server = start(Catalog)
    yield url(server)
    stop(server)


def test_a_threshold_naming_no_measured_endpoint_fails(catalog, tmp_path, load_env):
    (tmp_path / "locustfile.py").write_text('''
from locust import FastHttpUser, constant, task


class Shopper(FastHttpUser):
    wait_time = constant(0.05)

    @task
    def catalog(self):
        self.client.get("/catalog")
''')
    write_config(tmp_path, '''
[load]
locustfile = "locustfile.py"

[load.thresholds."GET /catalogue"]
p95_ms = 150
''')
    proc, result = load(load_env, tmp_path, "--host", catalog, "--users", "2", "--duration", "1s")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert endpoint(result, "p95_ms", "GET /catalog").status == "pass"
    unmatched = endpoint(result, "p95_ms", "GET /catalogue")
    assert (unmatched.value, unmatched.budget, unmatched.status) == (None, 150, "fail")
    message = ('[load.thresholds] "GET /catalogue" matched no endpoint the locustfile requested, so its '
               "budgets were not checked (did you mean 'GET /catalog'?)")
    assert unmatched.description == message and message in result.notes
    assert message in proc.stdout + proc.stderr
