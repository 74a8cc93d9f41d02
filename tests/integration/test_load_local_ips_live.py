"""[load] local_ips against a real server with a per-address rate limiter, through real locust: each user
connects from its own loopback address (both user classes, a locustfile of the user's own, two worker
processes), so a limiter that refused the one 127.0.0.1 lets every user through.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from http.server import ThreadingHTTPServer

import pytest
from support.load_support import load, total, write_config
from support.local_server import KeepAliveOk, start, stop, url

pytestmark = pytest.mark.slow

# A user waits at least 0.05 s after each answer: at most 20 requests a second from one address
PER_ADDRESS_PER_SECOND = 25


class _PerAddress(KeepAliveOk):
    """express-rate-limit's model: each client address may send PER_ADDRESS_PER_SECOND requests per
    1-s window; the excess gets 429 before any work. Records the addresses and the refusals."""

    lock = threading.Lock()
    windows: dict[str, list[float]] = {}
    seen: Counter[str] = Counter()
    refused: Counter[str] = Counter()

    def do_GET(self) -> None:
        cls, address = type(self), self.client_address[0]
        with cls.lock:
            cls.seen[address] += 1
            now = time.monotonic()
            window = cls.windows.setdefault(address, [now, 0])
            if now - window[0] >= 1.0:
                window[:] = [now, 0]
            window[1] += 1
            passed = window[1] <= PER_ADDRESS_PER_SECOND
            if not passed:
                cls.refused[address] += 1
        if passed:
            self.answer_ok()
            return
        self.send_response(429)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture()
def server():
    _PerAddress.windows, _PerAddress.seen, _PerAddress.refused = {}, Counter(), Counter()
    srv: ThreadingHTTPServer = start(_PerAddress)
    yield srv
    stop(srv)


LOCUSTFILE = """
from locust import HttpUser, constant, task


class Listener(HttpUser):
    wait_time = constant(0.05)

    @task
    def home(self):
        self.client.get("/")
"""


def _config(extra: str) -> str:
    return f"""
[budgets]
api_p95_ms = 10000
error_rate_pct = 50

[load]
users = 4
spawn_rate = 40
wait_min = "0.05s"
wait_max = "0.05s"
{extra}
[[load.endpoints]]
path = "/"
"""


# HttpUser (requests) is the locustfile's class
@pytest.mark.parametrize("extra", [
    'user_class = "fast"',
    'locustfile = "locustfile.py"',
    "processes = 2",
], ids=["fast", "locustfile-httpuser", "two-workers"])
def test_each_user_connects_from_its_own_address(server, tmp_path, load_env, extra) -> None:
    (tmp_path / "locustfile.py").write_text(LOCUSTFILE)
    write_config(tmp_path, _config(f'local_ips = "127.0.1.1-127.0.1.4, 127.0.1.9"\n{extra}\n'))
    proc, result = load(load_env, tmp_path, "--host", url(server), "--duration", "2s")
    assert result is not None and proc.returncode == 0, proc.stdout + proc.stderr
    # 4 users take the first 4 addresses, one each; the fifth is left. The phase's own check that the
    # target answers (one GET, before any user starts) comes from the system's choice
    assert _PerAddress.seen.pop("127.0.0.1") == 1
    assert set(_PerAddress.seen) == {"127.0.1.1", "127.0.1.2", "127.0.1.3", "127.0.1.4"}, _PerAddress.seen
    assert not _PerAddress.refused and total(result, "error_rate_pct").value == 0
    assert not [n for n in result.errors + result.warnings if "rate limiter" in n]


def test_without_them_every_user_is_the_one_127_0_0_1(server, tmp_path, load_env) -> None:
    write_config(tmp_path, _config(""))
    proc, result = load(load_env, tmp_path, "--host", url(server), "--duration", "2s")
    assert result is not None, proc.stderr
    assert set(_PerAddress.seen) == {"127.0.0.1"}
    if _PerAddress.refused:  # 4 users at up to 20 a second each, one client to the limiter
        said = [n for n in result.errors + result.warnings if "rate limiter refused" in n]
        assert said and "[load] local_ips" in said[0], result.errors + result.warnings


def test_an_address_of_no_interface_here_is_exit_2_before_any_request(server, tmp_path, load_env) -> None:
    write_config(tmp_path, _config('local_ips = "192.0.2.10"\n'))  # TEST-NET-1, RFC 5737
    proc, _result = load(load_env, tmp_path, "--host", url(server), "--duration", "2s")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "'load.local_ips': cannot connect from 192.0.2.10" in proc.stderr
    assert "Traceback" not in proc.stderr and not _PerAddress.seen
