"""The dry run of ``health-check.sh``: the project's own script asked about the app under test.

The script runs with bash in its folder, with the child environment policy
(no toolkit secrets), no proxy for loopback, and ``HEALTH_RETRIES`` /
``HEALTH_DELAY`` / ``HEALTH_MAX_DELAY`` / ``HEALTH_TIMEOUT`` set so that it
ends within the phase's bound; its process group is killed when it does not.
Only loopback URLs are asked: the phase checks the app `run` started, never
a production host.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from ...errors import ConfigError

# Exit codes of the generated script: 1 never healthy, 2 usage error or no HTTP client.
UNHEALTHY = 1
_TAIL = 3


@dataclass(frozen=True)
class HealthRun:
    """How the script ended: its exit code (None: stopped at the time bound), seconds taken, output tail."""

    code: int | None
    seconds: float
    output: str


def check_loopback(url: str) -> None:
    """ConfigError unless *url* is an http(s) URL on this machine (the dry run never asks another host)."""
    from urllib.parse import urlsplit

    from ...net.loopback import is_loopback_host

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not is_loopback_host(parts.hostname):
        raise ConfigError(f"deploy: {url}: health-check.sh is only run against the app on this machine "
                          "(http://127.0.0.1:PORT); or leave \"health\" out of [deploy] checks")


def dry_run(script: Path, url: str, *, retries: int, timeout: float) -> HealthRun:
    """Run *script* against *url* (loopback only), bounded by *timeout* seconds in all.

    Raises ConfigError for a URL that is not loopback, RunError when bash cannot start.
    """
    from ...net.loopback import without_proxy_for_loopback
    from ...serve.environment import child_environment
    from ...serve.process import process_group, stop_group

    check_loopback(url)
    per_request = max(1, min(5, int(timeout / max(retries, 1))))
    env = without_proxy_for_loopback(child_environment())
    env.update(HEALTH_RETRIES=str(retries), HEALTH_DELAY="1", HEALTH_MAX_DELAY="4",
               HEALTH_TIMEOUT=str(per_request))
    env.pop("HEALTH_URL", None)
    started = time.monotonic()
    # A session of its own (sleep, curl): a Ctrl-C stops the script's whole group, not the script alone.
    with process_group(["bash", str(script.resolve()), url], what=f"bash ({script.name})", grace=1.0,
                       cwd=script.parent, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True) as proc:
        try:
            output, _ = proc.communicate(timeout=timeout)
            code: int | None = proc.returncode
        except subprocess.TimeoutExpired:
            stop_group(proc, 1.0)
            output, _ = proc.communicate()
            code = None
    tail = " | ".join(line.strip() for line in output.strip().splitlines()[-_TAIL:])
    return HealthRun(code, time.monotonic() - started, tail)

