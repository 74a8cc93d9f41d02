"""Start the app under test, wait until it is ready, and stop it for sure.

The app runs in its own process group so that stopping it also stops what
its serve command started (gunicorn workers, a build step's children).
"""

from __future__ import annotations

import collections
import contextlib
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from ..errors import ConfigError, RunError

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config
    from ..config.sections import ServeSettings


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on *host* right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """Whether *port* on *host* cannot be bound."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


def serve_settings(cfg: Config) -> ServeSettings:
    """[serve] of *cfg*, checked to say how to start the app; ConfigError (exit 2) otherwise."""
    serve = cfg.serve
    if not serve.command:
        raise ConfigError(f"{cfg.source}: 'serve.command' is empty: say how to start the app")
    if not serve.ready_url:
        raise ConfigError(f"{cfg.source}: 'serve.ready_url' is empty: "
                          f"say which URL answers once the app is up")
    return serve


class App:
    """A running app started from [serve] settings, its command run in *cwd*.

    Use as a context manager; ``stop()`` is idempotent. ``base_url`` and
    ``pid`` are set once :meth:`start` returned.
    """

    def __init__(self, settings: ServeSettings, cwd: Path, extra_env: Mapping[str, str] | None = None):
        self.settings = settings
        self.cwd = Path(cwd)
        self.extra_env = dict(extra_env or {})
        self.proc: subprocess.Popen[bytes] | None = None
        self.port: int = 0
        self.ready_url = ""
        self.base_url = ""
        self._tail: collections.deque[str] = collections.deque(maxlen=40)
        self._reader: threading.Thread | None = None

    @property
    def pid(self) -> int | None:
        """The serve command's process id (its process group), None when not running."""
        return self.proc.pid if self.proc else None

    def output_tail(self) -> str:
        """The app's last 40 lines of output."""
        return "\n".join(self._tail)

    def start(self) -> App:
        """Start the command on its port and wait for the ready URL.

        Raises RunError (exit 3) when the port is taken, the command cannot
        start, exits early or the URL does not answer in time (with the app's
        last output), ConfigError when ``cwd`` does not exist.
        """
        spec = self.settings
        if spec.port == "auto":
            self.port = free_port()
        else:
            self.port = int(spec.port)
            if port_in_use(self.port):
                raise RunError(f"port {self.port} (serve.port) is already in use on 127.0.0.1: "
                               f"stop what holds it or set port = \"auto\"")
        command = spec.command.replace("{port}", str(self.port))
        self.ready_url = spec.ready_url.replace("{port}", str(self.port))
        parsed = httpx.URL(self.ready_url)
        self.base_url = (f"{parsed.scheme}://{parsed.host}:"
                         f"{parsed.port or (443 if parsed.scheme == 'https' else 80)}")
        if not self.cwd.is_dir():
            raise ConfigError(f"serve.cwd: folder {self.cwd} does not exist")
        env = dict(os.environ)
        # The toolkit's own interpreter comes first, so "python" and console
        # scripts installed beside it resolve in the serve command.
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        env["PORT"] = str(self.port)
        env.update(spec.env)
        env.update(self.extra_env)
        try:
            self.proc = subprocess.Popen(
                ["/bin/sh", "-c", f"exec {command}" if _simple(command) else command],
                cwd=self.cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as exc:
            raise RunError(f"cannot start serve command {command!r}: {exc}") from None
        self._reader = threading.Thread(target=self._read_output, daemon=True)
        self._reader.start()
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _read_output(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for raw in self.proc.stdout:
            self._tail.append(raw.decode("utf-8", "replace").rstrip())

    def _wait_ready(self) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + self.settings.timeout
        last_error = "no answer yet"
        with httpx.Client(timeout=2.0, trust_env=False) as client:
            while time.monotonic() < deadline:
                code = self.proc.poll()
                if code is not None:
                    if self._reader:
                        self._reader.join(timeout=1)
                    raise RunError(
                        f"serve command exited with code {code} before {self.ready_url} answered"
                        + self._tail_for_error()
                    )
                try:
                    resp = client.get(self.ready_url)
                    if resp.status_code < 400:
                        return
                    last_error = f"HTTP {resp.status_code}"
                except httpx.HTTPError as exc:
                    last_error = type(exc).__name__
                time.sleep(0.1)
        raise RunError(
            f"{self.ready_url} did not answer within {self.settings.timeout:g}s (last: {last_error})"
            + self._tail_for_error()
        )

    def _tail_for_error(self) -> str:
        tail = [line for line in self._tail if line.strip()][-5:]
        return ("; last output: " + " | ".join(tail)) if tail else "; it printed nothing"

    def stop(self) -> None:
        """Stop the app and everything in its process group (TERM, then KILL after stop_timeout)."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            if proc is not None:
                _kill_group(proc.pid, signal.SIGKILL)
            return
        _kill_group(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=self.settings.stop_timeout)
        # Anything left in the group (workers that ignored TERM) goes now.
        _kill_group(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)

    def __enter__(self) -> App:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _kill_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _simple(command: str) -> bool:
    """True when the command is one program (so ``exec`` keeps the pid)."""
    return not any(tok in command for tok in ("&&", "||", ";", "|", "\n", "&")) and bool(shlex.split(command))
