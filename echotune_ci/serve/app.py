"""Start the app under test, wait until it is ready, and stop it for sure.

The app runs in its own process group so that stopping it also stops what
its serve command started (gunicorn workers, a build step's children).
"""

from __future__ import annotations

import errno
import os
import re
import shlex
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from ..errors import ConfigError, RunError
from ..masking import is_secret_name, register
from .environment import app_environment, find_project_environment, not_installed, without_checkout
from .output import (OutputBuffer, clean_line, drain, important_lines, lacks_a_dependency, missing_module,
                     missing_tool, own_module, own_module_hint, page_text, read_into, summarise)
from .process import deferred_signals, group_members, listening_ports, stop_group
from .services import database_hint
from .steps import Prepared, changed_since, changed_tracked_files, prepare

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config
    from ..config.sections import ServeSettings


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on *host* right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


def held_on(port: int) -> str:
    """The loopback address on which another program listens on *port*: "127.0.0.1" or "::1" (a listen
    on a wildcard address, 0.0.0.0 or ::, holds one of them too), "" when neither is in use."""
    # Not 127.0.0.1 alone: a server on ::1 only (Node's listen(3000, "localhost"), an IPv6-only ::) leaves
    # it free, yet the app's own listen on :: meets the port in use and the run stopped with EADDRINUSE.
    # Only "in use" counts: a port this user may not bind (below 1024) is no other program's.
    for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        try:
            s = socket.socket(family, socket.SOCK_STREAM)
        except OSError:  # no IPv6 on this machine
            continue
        with s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((host, port))
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    return host
    return ""


def moved_listen(env: Mapping[str, str], fixed: int, port: int) -> dict[str, str]:
    """The variables that make a Node or Python server started with *env* listen on *port* where it
    would listen on *fixed*, and its connections to *fixed* of this machine reach it:
    ECHOTUNE_PORT_MAP ("fixed:port"), NODE_OPTIONS with ``--require`` of
    ``portmap/portmap.cjs`` after its own options, PYTHONPATH with ``portmap/`` (its sitecustomize.py,
    which runs the one it shadows) first. Other servers (Bun, Deno, Go) listen where they would."""
    quoted = '"' + str(PORTMAP / "portmap.cjs").replace("\\", "\\\\").replace('"', '\\"') + '"'
    return {"ECHOTUNE_PORT_MAP": f"{fixed}:{port}",
            "NODE_OPTIONS": " ".join(p for p in (env.get("NODE_OPTIONS", ""), f"--require {quoted}") if p),
            "PYTHONPATH": os.pathsep.join(p for p in (str(PORTMAP), env.get("PYTHONPATH", "")) if p)}


def serve_settings(cfg: Config) -> ServeSettings:
    """[serve] of *cfg*, checked to say how to start the app; ConfigError (exit 2) otherwise."""
    serve = cfg.serve
    if not serve.command:
        raise ConfigError(f"{cfg.source}: 'serve.command' is empty: say how to start the app")
    if not serve.ready_url:
        raise ConfigError(f"{cfg.source}: 'serve.ready_url' is empty: "
                          f"say which URL answers once the app is up")
    return serve


# A ready URL answering the same error this long is not warming up: say why, now.
CLIENT_ERROR_GRACE_S = 3.0
_REDIRECT_LOOP = 310  # not an HTTP status: stands for "more redirects than we follow" in _SteadyError
_SPEAKS_TLS = 311  # nor this: "a TLS server on the ready URL's plain-HTTP port" in _SteadyError
# An address the app printed for itself, colours (Vite's "➜  Local:   https://...") taken out first
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_HTTPS_URL = re.compile(r"https://[^\s/]*:(\d+)\S*")
SERVER_ERROR_GRACE_S = 10.0
# An app that listens on other ports and not the ready URL's this long ignores the port it was given.
ELSEWHERE_GRACE_S = 10.0

# What moves a fixed port's listen (:func:`moved_listen`): a Node preload and a Python sitecustomize
PORTMAP = Path(__file__).parent / "portmap"
# A line saying a listen found its port taken (gunicorn's "Connection in use: ('127.0.0.1', 8000)", Vite's
# "Port 4173 is already in use"), and the port such a line names: Node's "address already in use :::3001",
# "0.0.0.0:3001", Python's "('::', 3001)"
_IN_USE = re.compile(r"EADDRINUSE|address already in use|connection in use|port \d+ is already in use", re.I)
_TAKEN_PORT = re.compile(r"(?:(?:\d{1,3}\.){3}\d{1,3}|::|\]|\*|localhost):(\d{1,5})\b"
                         r"|', (\d{1,5})\)|\bport (\d{1,5})\b", re.I)


class App:
    """A running app started from [serve] settings, its command run in *cwd* with the project's
    environment (see :mod:`echotune_ci.serve.environment`; *root* bounds the search for it).

    Use as a context manager; ``stop()`` is idempotent. ``base_url`` and
    ``pid`` are set once :meth:`start` returned.
    """

    def __init__(self, settings: ServeSettings, cwd: Path, extra_env: Mapping[str, str] | None = None,
                 *, root: Path | None = None, drop: tuple[str, ...] = (), build: str = "head",
                 other: Path | None = None):
        self.settings = settings
        # The other build's checkout (the head's, for the base): the job's VIRTUAL_ENV and PATH entries in
        # it are that build's environment, never this one's (see serve.environment.without_checkout).
        self.other = Path(other) if other is not None else None
        # {build} in [serve] values: "base" for the base of `run --base-ref`, else "head". Both builds read
        # one [serve] env, so without it they shared any database server they name, and the head's
        # migrations reached the base's measurement (baseref.data.shared_databases).
        self.build = build
        self.drop = drop
        self.cwd = Path(cwd)
        self.root = Path(root) if root is not None else self.cwd
        self.extra_env = dict(extra_env or {})
        self.proc: subprocess.Popen[bytes] | None = None
        self.port: int = 0
        self.ready_url = ""
        self.base_url = ""
        self._output = OutputBuffer()
        self._reader: threading.Thread | None = None
        self._reading = threading.Lock()  # held by the reader while it takes a chunk in (see drain)
        # Serve the app where it listens when it ignores the port it was given (port = "auto") and answers
        # the ready URL there: the base of `run --base-ref`, a commit from before the app read PORT, which
        # no fix of the head's configuration reaches. *moved* then says so.
        self.follow_port = False
        self.moved = ""
        # Serve an app whose [serve] port is fixed on a free port all the same, its listen moved there
        # (:data:`PORTMAP`): the base of `run --base-ref`, whose fixed port the head already holds (an app
        # whose port another program holds is moved too). *fixed_port* is that port once the app was
        # started so, and *moved* then says so.
        self.move_port = False
        self.fixed_port: int | None = None
        self.held_on = ""  # where another program holds the fixed port (see :func:`held_on`)
        self._tracked: set[str] | None = None  # the files git tracks that differed when the app started
        # What the running app changed of the files git tracks (a SQLite database the repository holds,
        # seeded at each start), said once it stopped: "" for nothing, or outside git.
        self.changed = ""

    @property
    def pid(self) -> int | None:
        """The serve command's process id (its process group), None when not running."""
        return self.proc.pid if self.proc else None

    def output_tail(self) -> str:
        """The app's output as kept (see :class:`~echotune_ci.serve.output.OutputBuffer`): its last
        lines, at most 400 and 512 KiB, after the first lines that named an error."""
        return "\n".join(self._output.lines())

    def exit_code(self) -> int | None:
        """The app's exit code when it has exited on its own (it crashed), None while it runs or once
        :meth:`stop` stopped it (a negative code: killed by that signal)."""
        return self.proc.poll() if self.proc is not None else None

    def exit_message(self, code: int, when: str) -> str:
        """For people: "the app (pid N) exited with code 3 <when>; it printed: ..." with the lines of its
        output that say why (see :func:`~echotune_ci.serve.output.important_lines`)."""
        self._drain_output()
        how = f"was killed by {_signal_name(-code)}" if code < 0 else f"exited with code {code}"
        lines = self._output.lines()
        return f"the app (pid {self.pid}) {how} {when}" + summarise(lines) + self._database_hint(lines)

    def _database_hint(self, lines: list[str]) -> str:
        """What to do when the app's output says it could not reach its database (see
        :func:`~echotune_ci.serve.services.database_hint`)."""
        return database_hint(lines, self.environment(self.port), self.cwd)

    def filled(self, text: str, port: int | None = None) -> str:
        """*text* (a [serve] value) with ``{build}`` replaced by this app's build ("base" or "head"),
        ``{build_index}`` by its number (1 for the base, 0 for the head: a Redis database in
        ``redis://127.0.0.1:6379/{build_index}``) and ``{port}`` by *port* when it is known."""
        index = "1" if self.build == "base" else "0"
        text = text.replace("{build}", self.build).replace("{build_index}", index)
        return text.replace("{port}", str(port)) if port else text

    def environment(self, port: int | None = None) -> dict[str, str]:
        """The environment of the app's commands: the project's tools first, [serve] env (with
        {port} replaced when the app's port is known, {build} always), PORT."""
        configured = {k: self.filled(v, port) for k, v in self.settings.env.items()}
        # Masked as the app gets them: masking.register_config saw the values unfilled, and a secret with
        # {build} or {port} in it ("sig-{build}-key") reached the app, and its output, as another text.
        register(*(value for name, value in configured.items() if is_secret_name(name)))
        extra = {**({"PORT": str(port)} if port else {}), **configured, **self.extra_env}
        inherited = without_checkout(os.environ, self.other, self.root) if self.other is not None else None
        env = app_environment(find_project_environment(self.cwd, self.root, inherited), base=inherited,
                              extra=extra, drop=self.drop)
        if self.fixed_port is not None and port:
            env.update(moved_listen(env, self.fixed_port, port))
        return env

    def prepare(self, *, force: bool = False,
                said: Callable[[str], None] = lambda _note: None) -> Prepared:
        """Run [serve] setup (when its inputs changed, or *force*) and build; what happened (each note
        also given to *said* as it happens).

        Raises RunError when a step fails, ConfigError when ``cwd`` does not exist.
        """
        self._check_cwd()
        return prepare(self.filled(self.settings.setup), self.filled(self.settings.build), cwd=self.cwd,
                       environment=self.environment,
                       inputs=self.settings.setup_inputs, timeout=self.settings.setup_timeout, force=force,
                       said=said, label="base" if self.build == "base" else "",
                       missing_ok=self.build == "base")

    def start(self) -> App:
        """Start the command on its port and wait for the ready URL.

        Raises RunError (exit 3) when the port is taken, the command cannot
        start, needs a tool that is not installed, exits early, answers the
        ready URL with a steady error or not in time (with the lines of its
        output that say why); ConfigError when ``cwd`` does not exist.
        """
        spec = self.settings
        self._check_cwd()
        self.held_on = "" if spec.port == "auto" or self.move_port else held_on(int(spec.port))
        if spec.port == "auto":
            self.port = free_port()
        elif self.move_port or self.held_on:
            # The head's port (the base of `run --base-ref`), or one another program holds: the project's own
            # development server left running on it, which used to stop the run.
            self.fixed_port, self.port = int(spec.port), free_port()
        else:
            self.port = int(spec.port)
        command = self.filled(spec.command, self.port)
        self.ready_url = self.filled(spec.ready_url, self.port)
        parsed = httpx.URL(self.ready_url)
        if self.fixed_port is not None and parsed.port == self.fixed_port:
            parsed = parsed.copy_with(port=self.port)
            self.ready_url = str(parsed)
        self.base_url = (f"{parsed.scheme}://{parsed.host}:"
                         f"{parsed.port or (443 if parsed.scheme == 'https' else 80)}")
        self._tracked = changed_tracked_files(self.cwd)
        try:
            # A Ctrl-C or SIGTERM while the app is being started is raised once self.proc holds it, so
            # the stop below reaches it (raised between Popen and this try, it left the app running).
            with deferred_signals():
                self._spawn(command)
            self._wait_ready()
        except RunError as exc:
            unmoved = self._unmoved(str(exc))
            self.stop()
            if unmoved:
                exc.args = (str(exc) + unmoved, *exc.args[1:])
            raise
        except BaseException:
            self.stop()
            raise
        if self.fixed_port is not None:
            self.moved = (f"always listens on port {self.fixed_port} ([serve] port), {self._holder()}: it "
                          f"was served on port {self.port}, its listen moved there")
        return self

    def _holder(self) -> str:
        """Who holds the fixed port this app's listen was moved from."""
        return ("where the head is served" if self.move_port
                else f"which another program holds on {self.held_on}")

    def _spawn(self, command: str) -> None:
        try:
            self.proc = subprocess.Popen(
                ["/bin/sh", "-c", f"exec {command}" if _simple(command) else command],
                cwd=self.cwd,
                env=self.environment(self.port),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as exc:
            raise RunError(f"cannot start serve command {command!r}: {exc}") from None
        self._reader = threading.Thread(target=self._read_output, daemon=True)
        self._reader.start()

    def _unmoved(self, error: str) -> str:
        """Why a server whose fixed port was to be moved did not start (*error*), when a port it listens on
        was taken: its fixed port, which the head holds and the move did not reach, or another port it
        also listens on (the head's app holds that one too), which is not moved; "" otherwise."""
        if self.fixed_port is None:
            return ""
        self._drain_output()
        said = [error, *self._output.lines()]
        taken = {int(port) for line in said if _IN_USE.search(line)
                 for found in _TAKEN_PORT.finditer(line) for port in found.groups() if port}
        others = taken - {self.fixed_port, self.port}
        if others and self.fixed_port not in taken:
            return (f"; it also listens on port {min(others)}, which is in use: only its listen on port "
                    f"{self.fixed_port} ([serve] port, {self._holder()}) is moved (to port {self.port}); "
                    f"make the app take its other ports from the environment too"
                    + (" to measure both" if self.move_port else ""))
        fixed = re.compile(rf"\bport {self.fixed_port}\b")
        if not (taken or any(_IN_USE.search(line) or fixed.search(line) for line in said)
                or self._listens_fixed()):
            return ""
        todo = ('make the app take its port from PORT and set port = "auto" to measure both' if self.move_port
                else f'stop what holds port {self.fixed_port}, or make the app take its port from PORT and '
                     f'set port = "auto"')
        return (f"; its listen on port {self.fixed_port} ([serve] port, {self._holder()}) was not moved to "
                f"port {self.port}: the NODE_OPTIONS and PYTHONPATH preloads miss Bun, Deno, Go, "
                f"`python -I` or `-S` and a script that sets those itself; {todo}")

    def _listens_fixed(self) -> bool:
        ports = listening_ports(group_members(self.proc.pid)) if self.proc is not None else None
        return self.fixed_port in (ports or ())

    def _check_cwd(self) -> None:
        if not self.cwd.is_dir():
            raise ConfigError(f"serve.cwd: folder {self.cwd} does not exist")

    def _read_output(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        read_into(self.proc.stdout, self._output, self._reading)

    def _drain_output(self) -> None:
        """Take in what the app wrote before it exited (see :func:`~echotune_ci.serve.output.drain`)."""
        if self.proc is not None and self.proc.stdout is not None and self._reader is not None:
            drain(self.proc.stdout, self._output, self._reading)

    def _exited(self, code: int) -> AppExited:
        self._drain_output()
        lines = self._output.lines()
        tool = missing_tool(lines) if code == 127 else None
        if tool:
            why = not_installed(tool, self.environment(self.port).get("PATH"), lines)
            return AppExited(f"serve command needs `{tool}`{why}; install it, add it to [serve] setup, or "
                             f"fix serve.command", missing_dependency=True)
        # 127: the shell found no such program (one given by its path, ./.venv/bin/gunicorn, too). A module of
        # the project's own that Python did not find is no dependency a skipped setup left out
        own = own_module(lines, self.cwd)
        return AppExited(f"serve command exited with code {code} before {self.ready_url} answered"
                         + summarise(lines) + self._database_hint(lines)
                         + (own_module_hint(own, self.settings.command) if own else ""),
                         missing_dependency=code == 127 or lacks_a_dependency(lines) and not own,
                         module=missing_module(lines))

    def _wait_ready(self) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + self.settings.timeout
        last_error, failing = "no answer yet", _SteadyError()
        elsewhere = _Elsewhere(httpx.URL(self.ready_url).port or 80)
        to_https: list[str] = []  # where the last attempt was redirected to HTTPS, if it was

        def redirected(resp: httpx.Response) -> None:
            location = resp.headers.get("location", "") if resp.is_redirect else ""
            try:
                target = resp.url.join(location) if location else None
            except httpx.InvalidURL:  # httpx itself says so, as a protocol error of this attempt
                return
            if target is not None and resp.url.scheme == "http" and target.scheme == "https":
                to_https.append(str(target))

        # Redirects are followed, as a browser would: a login page that fails is not "ready".
        with httpx.Client(timeout=2.0, trust_env=False, follow_redirects=True, max_redirects=10,
                          event_hooks={"response": [redirected]}) as client:
            while time.monotonic() < deadline:
                code = self.proc.poll()
                if code is not None:
                    raise self._exited(code)
                to_https.clear()
                try:
                    resp = client.get(self.ready_url)
                except httpx.TooManyRedirects:
                    last_error = "a redirect loop"
                    if failing.seen(_REDIRECT_LOOP):
                        raise RunError(f"{self.ready_url} redirects in a loop (more than 10 redirects): the "
                                       f"app is up but never answers the ready URL" + self._said()) from None
                except httpx.HTTPError as exc:
                    if to_https:
                        raise self._https(to_https[-1], exc) from None
                    last_error = type(exc).__name__
                    self._unless_tls(exc, failing)
                    if isinstance(exc, httpx.ConnectError) and self._served_elsewhere(client, elsewhere):
                        return
                else:
                    if resp.status_code < 400 or resp.status_code in self.settings.ready_status:
                        return
                    last_error = f"HTTP {resp.status_code}"
                    if failing.seen(resp.status_code):
                        raise self._refused(resp)
                time.sleep(0.1)
        waited = f"{self.settings.timeout:g}s"
        raise RunError(f"{self.ready_url} did not answer within {waited} (last: {last_error})"
                       + summarise(self._output.lines()))

    def _served_elsewhere(self, client: httpx.Client, elsewhere: _Elsewhere) -> bool:
        """After a refused connection: True when the app, listening on other ports only, is now served
        on one of them (:meth:`_followed`); RunError once it has listened only elsewhere for the grace."""
        assert self.proc is not None
        settled = elsewhere.seen(self.proc.pid)
        # A base that may be served where it listens is tried there at once: the ready URL answering there
        # is proof enough; the grace only tells an app that never comes to its port.
        if elsewhere.since is not None and self._followed(client, elsewhere.ports):
            return True
        if settled:
            raise self._elsewhere(elsewhere.ports) from None
        return False

    def _followed(self, client: httpx.Client, ports: set[int]) -> bool:
        """With :attr:`follow_port` and ``port = "auto"``: whether the ready URL answers on one of the
        *ports* the app listens on instead of its own; the app is then served there (``port``,
        ``ready_url``, ``base_url`` and :attr:`moved` say where)."""
        if not self.follow_port or self.settings.port != "auto":
            return False
        given = httpx.URL(self.ready_url)
        for port in sorted(ports):
            url = given.copy_with(port=port)
            try:
                resp = client.get(url)
            except httpx.HTTPError:
                continue
            if resp.status_code < 400 or resp.status_code in self.settings.ready_status:
                self.moved = (f"listens on port {port}, not on the port it was given in PORT ({self.port}): "
                              f"it is served there")
                self.port, self.ready_url = port, str(url)
                self.base_url = f"{given.scheme}://{given.host}:{port}"
                return True
        return False

    def _elsewhere(self, ports: set[int]) -> RunError:
        """The app listens on *ports*, not on the ready URL's: why, and what to change."""
        listens = ", ".join(map(str, sorted(ports)))
        if self.settings.port == "auto":
            where = "PORT and the command" if "{port}" in self.settings.command else "PORT"
            why = (f"it was given port {self.port} in {where}; make it take its port from PORT, or set "
                   f"[serve] port = {min(ports)} if it always listens there")
        else:
            why = f"[serve] port = {self.settings.port}; set port and ready_url to the port it listens on"
        return RunError(f"{self.ready_url} did not answer: the app listens on port {listens} instead ({why})"
                        + summarise(self._output.lines()))

    def _https(self, location: str, exc: httpx.HTTPError) -> RunError:
        """The app answered by redirecting to HTTPS (*location*), where nothing answers (*exc*): it is served
        over plain HTTP here, and every phase would meet the same redirect."""
        return RunError(f"{self.ready_url} redirects to {location}, which does not answer "
                        f"({type(exc).__name__}): the app is served over plain HTTP here and sends every "
                        f"request to HTTPS; turn that redirect off for this run (Django: SECURE_SSL_REDIRECT "
                        f"= False, often set by a production setting such as ENVIRONMENT; Flask-Talisman: "
                        f"force_https=False; Express: the middleware that redirects to https)" + self._said())

    def _printed_https(self) -> str:
        """The ``https://`` address on the ready URL's port that the app printed for itself, else ""."""
        if httpx.URL(self.ready_url).scheme != "http":
            return ""
        port = httpx.URL(self.ready_url).port or 80
        for line in self._output.lines():
            for m in _HTTPS_URL.finditer(_ANSI.sub("", line)):
                if int(m.group(1)) == port:
                    return m.group(0)
        return ""

    def _unless_tls(self, exc: httpx.HTTPError, failing: _SteadyError) -> None:
        """After a request that got no HTTP answer (*exc*): start *failing* anew, unless the app printed an
        ``https://`` address on the ready URL's port and dropped the request (a reset or no answer: Node's
        TLS server, Vite's, gave RemoteProtocolError, Python's ReadError) for the grace: RunError then."""
        dropped = isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError))
        printed = self._printed_https() if dropped else ""
        if not printed:
            failing.reset()
        elif failing.seen(_SPEAKS_TLS):
            raise self._speaks_tls(printed, exc) from None

    def _speaks_tls(self, printed: str, exc: httpx.HTTPError) -> RunError:
        """The app serves HTTPS on the ready URL's port (it printed *printed*) and drops the plain-HTTP
        requests the run sends (*exc*): cobalt's web app under ``vite preview``, whose
        ``@vitejs/plugin-basic-ssl`` serves a self-signed certificate, waited out its 120 s as "did not
        answer (last: RemoteProtocolError)". The phases would meet the same, and no certificate of the
        app's own is trusted here: it has to be served over plain HTTP for the run."""
        return RunError(f"{self.ready_url} is served over HTTPS: the app printed {printed} and drops "
                        f"plain-HTTP requests ({type(exc).__name__}); serve it over HTTP for this run "
                        f"(Vite: without @vitejs/plugin-basic-ssl or server.https/preview.https; a built "
                        f"site with a static server of its output folder)" + self._said())

    def _refused(self, resp: httpx.Response) -> RunError:
        where = "" if resp.url == self.ready_url else f" (redirected to {resp.url.path})"
        return RunError(f"{self.ready_url} answers {answer_summary(resp)}{where} steadily: the app is up but "
                        f"refuses the ready URL" + _hint(resp.text, self.settings.env) + self._said())

    def _said(self) -> str:
        """"; it printed: ..." with the app's lines that name an error (a traceback), else ""."""
        lines = important_lines(self._output.lines(), errors_only=True)
        return ("; it printed: " + " | ".join(lines)) if lines else ""

    def stop(self) -> None:
        """Stop the app and everything in its process group: SIGTERM, up to stop_timeout for all of them
        to exit, then SIGKILL. A Ctrl-C or SIGTERM that arrives meanwhile kills the group at once and
        is raised again afterwards (see :func:`~echotune_ci.serve.process.stop_group`)."""
        proc, self.proc = self.proc, None
        if proc is not None:
            stop_group(proc, self.settings.stop_timeout)
            self.changed = self._changed_files()

    def _changed_files(self) -> str:
        """What to say of the files git tracks that the app changed while it ran ("" for none)."""
        before, self._tracked = self._tracked, None
        changed, shown = changed_since(self.cwd, before)
        if not changed:
            return ""
        return (f"the app changed {len(changed)} file(s) git tracks while it ran: {shown} (`git diff` shows "
                f"how): the working tree is no longer the commit, and a later run measures them as "
                f"uncommitted changes; `git checkout -- {' '.join(changed[:5])}` restores them, and the app "
                f"could write to a copy that [serve] build makes")

    def __enter__(self) -> App:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class AppExited(RunError):
    """The serve command exited before the app was ready; ``missing_dependency`` when a tool, module or
    package it needs was not found: what a setup that was skipped may have left out; *module* the Python
    module it could not import."""

    def __init__(self, message: str, *, missing_dependency: bool, module: str = "") -> None:
        super().__init__(message)
        self.missing_dependency = missing_dependency
        self.module = module


class _SteadyError:
    """Tells when the ready URL has answered the same error status for its grace period."""

    def __init__(self) -> None:
        self.status: int | None = None
        self.since = 0.0

    def reset(self) -> None:
        self.status = None

    def seen(self, status: int) -> bool:
        now = time.monotonic()
        if status != self.status:
            self.status, self.since = status, now
        grace = SERVER_ERROR_GRACE_S if status >= 500 else CLIENT_ERROR_GRACE_S
        # Too Many Requests and Too Early may pass by themselves.
        return status not in (408, 425, 429) and now - self.since >= grace


class _Elsewhere:
    """Tells when the app's processes have listened on TCP ports, none of them *port* (the ready URL's),
    for :data:`ELSEWHERE_GRACE_S`: it ignores the port it was given. Looks at most once a second."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.ports: set[int] = set()
        self.since: float | None = None
        self.looked = 0.0

    def seen(self, pgid: int) -> bool:
        now = time.monotonic()
        if now - self.looked < 1.0:
            return self.since is not None and now - self.since >= ELSEWHERE_GRACE_S
        self.looked = now
        ports = listening_ports(group_members(pgid))
        if not ports or self.port in ports:
            self.since = None
            return False
        if self.since is None or ports != self.ports:
            self.since = now
        self.ports = ports
        return now - self.since >= ELSEWHERE_GRACE_S


def answer_summary(resp: httpx.Response) -> str:
    """"HTTP 400 Bad Request: <first words of the page>" with markup and control characters removed, the
    characters its entities stand for ("&#x27;" as "'"), and from the page's body when it has one (a
    head's title repeats its heading: "Server Error (500) Server Error (500)")."""
    excerpt = clean_line(page_text(resp.text), 200)
    return f"HTTP {resp.status_code} {resp.reason_phrase}" + (f": {excerpt}" if excerpt else "")


def _hint(body: str, env: Mapping[str, str] | None = None) -> str:
    """What Django's refusal of the host in *body* asks for; *env* is [serve] env, which may name the hosts
    already, joined by a separator the settings do not split on."""
    # realworld-django-ninja splits ALLOWED_HOSTS on ";": "127.0.0.1,localhost" was one host to Django, and
    # "add 127.0.0.1 and localhost" sent the reader to a setting that already named both
    listed = next((f"{name} = {value!r}" for name, value in (env or {}).items()
                   if "127.0.0.1" in value and "localhost" in value and "://" not in value), "")
    fix = (f"[serve] env sets {listed}, yet Django refused 127.0.0.1: join the hosts with the separator the "
           "settings split that variable on (`.split(\";\")` wants 127.0.0.1;localhost), or set the variable "
           "they read ALLOWED_HOSTS from" if listed else
           "add 127.0.0.1 and localhost to ALLOWED_HOSTS (through the environment variable the settings "
           "read, in [serve] env)")
    if "DisallowedHost" in body or "Invalid HTTP_HOST header" in body:
        return f"; Django refuses the host: {fix}"
    if "<h1>Bad Request (400)</h1>" in body:  # Django's own 400 page, which says no more with DEBUG off
        return ("; that is Django's 400 page, which it answers to a host not in ALLOWED_HOSTS without saying "
                f"so when DEBUG is off: {fix}")
    return ""


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


# POSIX special builtins and the keywords a command can start with (not programs on PATH)
_SHELL_BUILTINS = frozenset({"exit", "cd", "export", "set", "unset", ".", "source", "eval", "exec", "trap",
                             "wait", "return", "shift", "if", "for", "while", "until", "case", "{", "("})


def _simple(command: str) -> bool:
    """True when the command is one program, so ``exec`` keeps the pid (not with ``VAR=value``
    in front: ``exec`` would take the assignment for the program)."""
    if any(tok in command for tok in ("&&", "||", ";", "|", "\n", "&")):
        return False
    words = shlex.split(command)
    # `exec exit 1` looks for a program named exit: a builtin of the shell is run by the shell
    return bool(words) and not _ASSIGNMENT.match(words[0]) and words[0] not in _SHELL_BUILTINS
