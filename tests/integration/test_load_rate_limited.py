"""An app whose rate limiter refuses the load test (every user comes from 127.0.0.1, one client to it):
the figures are the limiter's quick 429s, not the app's work, and the load phase says so.

A real server with a real limiter: the first requests of each window pass, the rest get 429 at once.
"""

from __future__ import annotations

import re
import threading
import time
from http.server import ThreadingHTTPServer

import pytest
from support.load_support import load, write_config
from support.local_server import KeepAliveOk, start, stop, url

pytestmark = pytest.mark.slow


class _Limited(KeepAliveOk):
    """Answers "ok" after 30 ms of work to the first ``allowed`` requests of each second, 429 to the
    others (a limiter refuses before the handler runs)."""

    allowed = 5
    lock = threading.Lock()
    window = [0.0, 0]

    def do_GET(self) -> None:
        cls = type(self)
        with cls.lock:
            now = time.monotonic()
            if now - cls.window[0] >= 1.0:
                cls.window[:] = [now, 0]
            cls.window[1] += 1
            passed = cls.window[1] <= cls.allowed
        if passed:
            time.sleep(0.03)
            self.answer_ok()
            return
        body = b'{"message": "Rate limit exceeded"}'
        self.send_response(429)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Strict(_Limited):
    allowed = 2
    lock = threading.Lock()
    window = [0.0, 0]


class _Lenient(_Limited):
    allowed = 10_000
    lock = threading.Lock()
    window = [0.0, 0]
    count = [0]

    def do_GET(self) -> None:
        with type(self).lock:
            type(self).count[0] += 1
            refuse = type(self).count[0] % 25 == 0  # 4 %: a limiter that bites now and then
        if refuse:
            self.send_response(429)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.answer_ok()


SCENARIO = """
[budgets]
api_p95_ms = 10000
error_rate_pct = 50

[load]
users = 4
spawn_rate = 40
wait_min = "0.01s"
wait_max = "0.01s"

[[load.endpoints]]
path = "/"
"""


@pytest.fixture()
def server(request):
    srv: ThreadingHTTPServer = start(request.param)
    yield srv
    stop(srv)


@pytest.mark.parametrize("server", [_Strict], indirect=True)
def test_a_load_test_the_limiter_refuses_is_an_error_naming_it(server, tmp_path, load_env):
    write_config(tmp_path, SCENARIO)
    proc, result = load(load_env, tmp_path, "--host", url(server), "--duration", "2s")
    assert result is not None, proc.stderr
    said = [e for e in result.errors if "rate limiter refused" in e]
    assert len(said) == 1, result.errors
    assert "HTTP 429 Too Many Requests" in said[0] and "127.0.0.1" in said[0]
    assert proc.returncode == 1, proc.stderr  # error_rate_pct is over even 50 %: the failed gate wins
    assert not [w for w in result.warnings if "rate limiter" in w]


@pytest.mark.parametrize("server", [_Lenient], indirect=True)
def test_a_limiter_that_refuses_a_few_is_a_warning(server, tmp_path, load_env):
    write_config(tmp_path, SCENARIO)
    proc, result = load(load_env, tmp_path, "--host", url(server), "--duration", "1.5s")
    assert result is not None, proc.stderr
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not result.errors
    said = [w for w in result.warnings if "rate limiter refused" in w]
    assert len(said) == 1, result.warnings
    share = re.search(r"\(([\d.]+) %\)", said[0])
    assert share is not None and 3.0 <= float(share.group(1)) <= 5.0, said[0]
