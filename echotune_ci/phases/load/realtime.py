"""Real-time latency: WebSocket or Socket.IO clients among the load test's users, and their metrics.

The clients are locust users of the load test ([load.realtime]), so they run
in the same worker processes, share the user count, the duration, the
request cap and the allow-list. Each client connects once (the connect time
is measured), then sends a message every ``interval`` and waits for its reply
(the round trip is measured), reconnecting when the server dropped it. Every
connect and round trip fires locust's request event with request_type
``"WS"`` (:data:`REQUEST_TYPE`), so locust keeps their statistics, CSV rows
and failures beside the HTTP requests; the worker keeps them out of the HTTP
total (:func:`split_entries`) and this module turns them into the
``realtime_*`` metrics.

When a round or the test ends, locust kills every user's greenlet, cutting
off whatever a client was waiting for: a message sent and not yet answered
counted nowhere, so a server that never acknowledges measured 0 messages in
rounds no longer than the timeout, and a 0 % error rate. A client
therefore runs each exchange in a greenlet of its own
(:func:`exchange_until_stopped`): stopped at the end of a measured round, it
lets the exchange in flight finish within its ``timeout`` (its reply counts,
or it fails as timed out). An exchange it cannot wait for (interrupted run,
warm-up round, distributed worker: :func:`wait_for_pending`) is not counted,
as before: its outcome is unknown, and counting it failed would fail a
healthy app whenever a reply of a few milliseconds happened to be in flight
at the end (one in 50 messages is 2 %, over the 1 % budget).

Clients: the maintained ``websockets`` library (its synchronous client,
which runs on gevent's monkey-patched threads and sockets) for ``ws``, and
``python-socketio``'s client (websocket transport, the server's
acknowledgement is the reply) for ``socketio``. Both are imported only in the
locust process.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import time
import uuid
from statistics import median
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from ...results import Metric

if TYPE_CHECKING:  # pragma: no cover
    from ...config.sections import Budgets
    from .settings import RealtimeSettings

REQUEST_TYPE = "WS"
CONNECT = "connect"
ROUND_TRIP = "round trip"


class RealtimeError(Exception):
    """A real-time exchange that failed: no reply in time, or the server closed the connection."""


def entry_name(path: str, kind: str) -> str:
    """The name in locust's statistics of a channel's connects or round trips: ``/ws/x (connect)``."""
    return f"{path} ({kind})"


def client_count(users: int, share: float) -> int:
    """How many of *users* are real-time clients: ``round(users * share)``, at least 1 (share > 0), at most
    *users*; 0 for share 0."""
    if share <= 0 or users <= 0:
        return 0
    return min(users, max(1, round(users * share)))


def channel_url(host: str, path: str, protocol: str) -> str:
    """The URL a client connects to: ``ws://host/path`` (``wss`` for https) for ws; the http(s) host for
    socketio (its path is passed separately)."""
    parts = urlsplit(host)
    if protocol == "socketio":
        return urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    scheme = "wss" if parts.scheme == "https" else "ws"
    return urlunsplit((scheme, parts.netloc, path, "", ""))


def own_origin(url: str) -> str:
    """The Origin a page of the app at *url* (``ws://127.0.0.1:8000/ws/chat/``) sends: ``http://127.0.0.1:8000``
    (``https`` for ``wss``)."""
    parts = urlsplit(url)
    return urlunsplit(("https" if parts.scheme in ("wss", "https") else "http", parts.netloc, "", "", ""))


def split_entries(entries: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(HTTP entries, real-time entries) of a round's statistics entries (dicts with a ``method``)."""
    http = [e for e in entries if e.get("method") != REQUEST_TYPE]
    return http, [e for e in entries if e.get("method") == REQUEST_TYPE]


# --------------------------------------------------------------------------- the locust side


class _Channel:
    """One client's connection and its exchanges; reports each through *fire*."""

    def __init__(self, spec: dict[str, Any], url: str, fire: Any, admit: Any):
        self.spec = spec
        self.url = url
        self.fire = fire
        self.admit = admit
        self.prefix = uuid.uuid4().hex[:12]
        self.seq = 0
        self.conn: Any = None
        # What the handshake carries besides: the login's session cookie or token ([load.login])
        self.headers: dict[str, str] = {}
        # Set when the user is being stopped: the exchange in flight may finish, no new message starts.
        self.ending = False

    def next_token(self) -> str:
        self.seq += 1
        return f"{self.prefix}-{self.seq}"

    def connect(self) -> bool:
        """Open the connection, reporting the connect; False when it failed. Killed (GreenletExit) while
        opening, it reports nothing (the end of the test cut it off: no outcome)."""
        self.admit(self.url)
        started = time.perf_counter()
        try:
            self.conn = self._open()
        except Exception as exc:  # noqa: BLE001 - every way a connect fails is one failed connect
            self.conn = None
            self.fire(CONNECT, started, _error(exc, "connect"))
            return False
        self.fire(CONNECT, started, None)
        return True

    def exchange(self) -> None:
        """One message and its reply (connecting first when needed), reported as a round trip.

        No message is sent once :attr:`ending` is set (connected while the user was being stopped). Killed
        (GreenletExit) while waiting for the reply, it reports nothing: the end of the test cut it off, and
        its outcome is unknown.
        """
        if self.conn is None and not self.connect():
            return
        if self.ending:
            return
        token = self.next_token()
        self.admit(self.url)
        started = time.perf_counter()
        try:
            size = self._round_trip(token)
        except Exception as exc:  # noqa: BLE001 - a failed round trip is a statistic, not a crash
            if self._closed(exc):
                self.close()
            self.fire(ROUND_TRIP, started, _error(exc, "reply"))
            return
        self.fire(ROUND_TRIP, started, None, size)

    def _open(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def _round_trip(self, token: str) -> int:  # pragma: no cover - overridden
        raise NotImplementedError

    def _closed(self, exc: BaseException) -> bool:
        return isinstance(exc, RealtimeError) and "closed" in str(exc)

    def close(self) -> None:
        """Close the connection (quietly)."""
        conn, self.conn = self.conn, None
        if conn is not None:
            # Closing a broken connection may fail; there is nothing to report then.
            with contextlib.suppress(Exception):
                conn.close() if hasattr(conn, "close") else conn.disconnect()


class _WebSocket(_Channel):
    def _open(self) -> Any:
        from websockets.sync.client import connect
        from websockets.typing import Origin

        # proxy=None: the target is allow-listed by host, never reached through a proxy. The Origin is the
        # app's own, as a page of the app sends it: Channels' AllowedHostsOriginValidator (its tutorial's
        # asgi.py) refuses a handshake without one (403), and so does a server checking it against its host.
        return connect(self.url, origin=Origin(own_origin(self.url)), additional_headers=self.headers or None,
                       open_timeout=self.spec["timeout"], close_timeout=1, proxy=None, max_size=2**20)

    def _round_trip(self, token: str) -> int:
        from websockets.exceptions import ConnectionClosed

        text = self.spec["message"].replace("{id}", token)
        wanted = self.spec["reply"].replace("{id}", token)
        deadline = time.monotonic() + self.spec["timeout"]
        try:
            self.conn.send(text)
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RealtimeError(f"no reply within {self.spec['timeout']:g}s")
                try:
                    message = self.conn.recv(timeout=left)
                except TimeoutError:
                    raise RealtimeError(f"no reply within {self.spec['timeout']:g}s") from None
                data = message if isinstance(message, str) else message.decode("utf-8", "replace")
                if wanted in data:  # other messages are the server's pushes
                    return len(data)
        except ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd is not None else 1006
            raise RealtimeError(f"connection closed by the server (code {code})") from None


class _SocketIO(_Channel):
    def _open(self) -> Any:
        import socketio  # type: ignore[import-untyped]

        client = socketio.Client(reconnection=False, request_timeout=self.spec["timeout"])
        # The namespace the event's handler is in: an event emitted in another one is never acknowledged
        client.connect(self.url, socketio_path=self.spec["path"].strip("/") or "socket.io",
                       namespaces=[self.spec.get("namespace", "/")], transports=["websocket"],
                       wait_timeout=self.spec["timeout"], headers=self.headers)
        return client

    def _round_trip(self, token: str) -> int:
        import socketio

        if not self.conn.connected:
            raise RealtimeError("connection closed by the server")
        text = self.spec["message"].replace("{id}", token)
        try:
            data: Any = json.loads(text)
        except ValueError:
            data = text
        try:
            answer = self.conn.call(self.spec["event"], data, namespace=self.spec.get("namespace", "/"),
                                    timeout=self.spec["timeout"])
        except socketio.exceptions.TimeoutError:
            raise RealtimeError(f"no acknowledgement within {self.spec['timeout']:g}s") from None
        except socketio.exceptions.BadNamespaceError:
            raise RealtimeError("connection closed by the server") from None
        return len(json.dumps(answer, default=str))


@functools.cache
def _cut() -> Any:
    """The process's gevent Event of :func:`wait_for_pending` (set: do not wait), made on first use: gevent
    is imported only in the locust process."""
    import gevent.event

    return gevent.event.Event()


def wait_for_pending(wait: bool) -> None:
    """How clients stopped from now on end the exchange they have in flight (connect or message).

    *wait* True: each waits for it, at most its connect's and reply's
    timeouts, so its reply counts, or it fails as timed out — the worker asks
    this at the end of a measured round (duration or request cap). *wait*
    False: none waits, and those waiting stop now; the exchange is not
    counted — for a SIGTERM, a warm-up round nobody reads, a distributed
    worker (its master reads its last figures only 0.5 s after ending the
    test). Locust process only.
    """
    event = _cut()
    if wait:
        event.clear()
    else:
        event.set()


def exchange_until_stopped(channel: _Channel) -> None:
    """Run ``channel.exchange()`` in a greenlet of its own and wait for it (the real-time user's task).

    Locust stops a user by killing its greenlet (GreenletExit): the end of a
    round or of the test. Killed here, the user marks the channel ending and
    waits for the exchange in flight as :func:`wait_for_pending` says, then
    kills it if it still runs (uncounted), and lets the
    GreenletExit go on. An exception the exchange raises (StopUser past the
    request cap, a host outside the allow-list) is raised here, in the
    user's greenlet, as before.
    """
    import gevent

    work = gevent.spawn(_captured, channel.exchange)
    try:
        work.join()
    except gevent.GreenletExit:
        channel.ending = True
        try:
            # Rounds as short as the acknowledgement timeout (run --base-ref's 5 s rounds, a 5 s timeout)
            # would otherwise never count a message the server leaves unanswered: each round's only
            # message was still waiting when the round ended. The wait is bounded by the exchange's own
            # timeouts (a connect, then a reply), so a round ends at most that much later.
            gevent.wait([work, _cut()], timeout=2 * float(channel.spec["timeout"]) + 1.0, count=1)
        finally:
            work.kill(block=True)  # nothing when it finished; else the exchange is cut off, uncounted
        raise
    raised = work.value
    if raised is not None:
        raise raised


def _captured(call: Any) -> BaseException | None:
    """Run *call* (in its own greenlet); what it raised, returned instead of raised, so that gevent does
    not print it as a crashed greenlet (GreenletExit goes on)."""
    from gevent import GreenletExit

    try:
        call()
    except GreenletExit:
        raise
    except BaseException as exc:  # noqa: BLE001 - raised again in the user's greenlet, where locust handles it
        return exc
    return None


def _error(exc: BaseException, what: str) -> Exception:
    if isinstance(exc, RealtimeError):
        return exc
    reason = str(exc) or type(exc).__name__
    return RealtimeError(f"{what} failed: {type(exc).__name__}: {reason}"[:300])


def realtime_user_class(plan: dict[str, Any], log_in: Any = None) -> type | None:
    """The locust User class of the plan's ``realtime`` part (None when there is none or no client).

    ``fixed_count`` is :func:`client_count` of the plan's users, so locust
    starts exactly that many clients whatever the other classes' weights. The
    allow-list and the request cap of :mod:`.guard` are taken for every
    connect and every message (a refused host is a failed connect). With
    *log_in* (the [load.login] of the plan: a callable taking the user), each
    client is an HTTP user that logs in once when it starts, as the HTTP users
    do, and its handshakes carry the session's cookies and the login's token
    header: Channels' AuthMiddlewareStack reads the user from the session
    cookie, and a consumer that needs one closed every anonymous connection
    (code 1011).
    """
    spec = plan.get("realtime")
    if not spec:
        return None
    count = client_count(plan["users"], spec["share"])
    if not count:
        return None
    from locust import HttpUser, User, constant, task

    from .guard import HostRefusedError, admit

    channel_type = _SocketIO if spec["protocol"] == "socketio" else _WebSocket

    def on_start(user: Any) -> None:
        url = channel_url(user.host or plan.get("host") or "", spec["path"], spec["protocol"])
        names = {kind: entry_name(spec["path"], kind) for kind in (CONNECT, ROUND_TRIP)}

        def fire(kind: str, started: float, exc: Exception | None, size: int = 0) -> None:
            user.environment.events.request.fire(
                request_type=REQUEST_TYPE, name=names[kind],
                response_time=(time.perf_counter() - started) * 1000, response_length=size, exception=exc,
                context={})

        user.channel = channel_type(spec, url, fire, lambda target: admit(target, HostRefusedError))
        if log_in is not None:
            log_in(user)
            user.channel.headers = handshake_headers(user.client.cookies, getattr(user, "auth_headers", {}))

    def exchange(user: Any) -> None:
        exchange_until_stopped(user.channel)

    def on_stop(user: Any) -> None:
        channel = getattr(user, "channel", None)
        if channel is not None:
            channel.close()

    return type("RealtimeUser", (HttpUser if log_in is not None else User,), {
        "fixed_count": count,
        "host": plan.get("host") or None,
        "wait_time": constant(spec["interval"]),
        "tasks": [task(exchange)],
        "on_start": on_start,
        "on_stop": on_stop,
        "__module__": __name__,
    })


def handshake_headers(cookies: Any, auth: dict[str, str]) -> dict[str, str]:
    """The headers of a logged-in client's handshake: *auth* (the login's token header, a dict) and a
    ``Cookie`` header of every cookie in *cookies* (a cookie jar: the session's, the CSRF token's), as
    ``name=value`` pairs joined by ``"; "``."""
    headers = dict(auth)
    pairs = [f"{c.name}={c.value}" for c in cookies or () if c.value is not None]
    if pairs:
        headers["Cookie"] = "; ".join(pairs)
    return headers


# --------------------------------------------------------------------------- the CLI side


def plan_part(settings: RealtimeSettings) -> dict[str, Any] | None:
    """The ``realtime`` part of a job's plan (JSON data), or None without a channel path."""
    if not settings.path:
        return None
    return {"path": settings.path, "protocol": settings.protocol, "share": settings.share,
            "message": settings.message, "reply": settings.reply, "event": settings.event,
            "namespace": settings.namespace,
            "interval": settings.interval, "timeout": settings.timeout}


def _combine(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """One figure set from a kind's entries over rounds: counts summed, percentiles the rounds' median."""
    measured = [e for e in entries if e["requests"]]

    def mid(key: str) -> float | None:
        values = [float(e[key]) for e in measured if e.get(key) is not None]
        return median(values) if values else None

    return {"requests": sum(e["requests"] for e in entries), "failures": sum(e["failures"] for e in entries),
            "p50": mid("p50"), "p95": mid("p95"),
            # a round whose exchanges all failed has no max (worker._realtime_entry)
            "max": max((e["max"] for e in measured if e.get("max") is not None), default=None)}


def _round_samples(rounds: list[dict[str, Any]], path: str) -> dict[str, list[float]]:
    """Each round's own figure of the latencies and the error rate (metric name -> one value per round that
    had any), as the HTTP metrics keep theirs: a base-against-head job decides on them (``samples``)."""
    out: dict[str, list[float]] = {}

    def add(name: str, value: float | None) -> None:
        if value is not None:
            out.setdefault(name, []).append(float(value))

    for rnd in rounds:
        entries = {e["name"]: e for e in rnd.get("realtime", [])}
        connect = entries.get(entry_name(path, CONNECT), {"requests": 0, "failures": 0})
        trip = entries.get(entry_name(path, ROUND_TRIP), {"requests": 0, "failures": 0})
        if connect["requests"] > connect["failures"]:
            add("realtime_connect_p50_ms", connect.get("p50"))
            add("realtime_connect_p95_ms", connect.get("p95"))
        if trip["requests"] > trip["failures"]:
            add("realtime_rtt_p50_ms", trip.get("p50"))
            add("realtime_rtt_p95_ms", trip.get("p95"))
            add("realtime_rtt_max_ms", trip.get("max"))
        add("realtime_error_rate_pct", error_rate(connect["requests"], connect["failures"], trip["requests"],
                                                  trip["failures"]))
    return out


def error_rate(connects: int, connect_failures: int, messages: int, message_failures: int) -> float | None:
    """The real-time error rate in %: failed connects and messages per connect or message (counts).

    None when it would rest on no message: no message sent and no connect
    failed (no client connected, or every client connected and none sent a
    message). A rate over successful connects alone (25 connects, 0 messages:
    0 %) would pass a channel whose messages were never measured; a failed
    connect is a measured failure, with or without messages.
    """
    if messages <= 0 and connect_failures <= 0:
        return None
    return (connect_failures + message_failures) / (connects + messages) * 100.0


# count_note's text, read back to add a later pass's rounds (phase.merge_summary_notes)
COUNT_NOTE = re.compile(r"realtime: (?P<connects>\d+) connects and (?P<messages>\d+) messages on "
                        r"(?P<path>\S+) \((?P<protocol>\w+)\), (?P<failed>\d+) failed")


def count_note(connects: int, messages: int, path: str, protocol: str, failed: int) -> str:
    """The note that counts a channel's exchanges: ``realtime: 25 connects and 125 messages on /socket.io
    (socketio), 0 failed``."""
    return f"realtime: {connects} connects and {messages} messages on {path} ({protocol}), {failed} failed"


def realtime_metrics(rounds: list[dict[str, Any]], settings: RealtimeSettings,
                     budgets: Budgets, span: str = "during the test") -> tuple[list[Metric], list[str]]:
    """The ``realtime_*`` metrics of the rounds' real-time entries (``round["realtime"]``), and notes.

    Connect time p50/p95 (ms), message round trip p50/p95/max (ms; p95
    gated by ``budgets.realtime_p95_ms``), connects and messages (counts) and
    the error rate (failed connects and round trips, unexpected disconnects
    and messages unanswered at the end included, per connect or message, %;
    gated by ``settings.error_rate_pct``, else ``budgets.error_rate_pct``).
    Labelled ``{"channel": path}``. Without any completed round trip the p95
    has no value (status error). An error rate without a message to rest on
    (:func:`error_rate` None) is not measured: no value, status warn, and a
    note ``realtime: realtime_error_rate_pct not measured: <why>`` that says
    how long the test ran (*span*, e.g. "in 5 rounds of 5 s"), the interval
    and the timeout.
    """
    path = settings.path
    by_kind: dict[str, list[dict[str, Any]]] = {CONNECT: [], ROUND_TRIP: []}
    for rnd in rounds:
        for e in rnd.get("realtime", []):
            for kind in by_kind:
                if e["name"] == entry_name(path, kind):
                    by_kind[kind].append(e)
    connect, trip = _combine(by_kind[CONNECT]), _combine(by_kind[ROUND_TRIP])
    labels = {"channel": path}
    failures = connect["failures"] + trip["failures"]
    rate = error_rate(connect["requests"], connect["failures"], trip["requests"], trip["failures"])
    error_budget = settings.error_rate_pct if settings.error_rate_pct is not None else budgets.error_rate_pct
    ok_trips = trip["requests"] - trip["failures"]

    samples = _round_samples(rounds, path) if len(rounds) > 1 else {}

    def m(name: str, value: float | None, unit: str, budget: float | None = None, better: Any = "lower",
          description: str = "") -> Metric:
        return Metric(name, value, unit, better, budget=budget, labels=dict(labels),
                      samples=samples.get(name, []), description=description).evaluate()

    no_trip = "" if ok_trips else "no message round trip completed during the test"
    # as a round trip's: the time of connects that all failed (a Socket.IO 2 server refusing python-socketio
    # 5 at once) is no connect time, and against a base that connected it read "-71 %, improved"
    ok_connects = connect["requests"] - connect["failures"]
    no_connect = "" if ok_connects or not connect["requests"] else "no connect succeeded during the test"
    metrics = [
        m("realtime_connect_p50_ms", None if no_connect else connect["p50"], "ms",
          description=no_connect or "Time to open the connection."),
        m("realtime_connect_p95_ms", None if no_connect else connect["p95"], "ms",
          description=no_connect or "Time to open the connection."),
        m("realtime_rtt_p50_ms", trip["p50"] if ok_trips else None, "ms",
          description=no_trip or "Message sent to its reply received."),
        m("realtime_rtt_p95_ms", trip["p95"] if ok_trips else None, "ms", budget=budgets.realtime_p95_ms,
          description=no_trip or "Message sent to its reply received."),
        m("realtime_rtt_max_ms", trip["max"] if ok_trips else None, "ms",
          description=no_trip or "Message sent to its reply received."),
        m("realtime_connects", float(connect["requests"]), "", better="higher"),
        m("realtime_messages", float(trip["requests"]), "", better="higher"),
    ]
    notes = [count_note(connect["requests"], trip["requests"], path, settings.protocol, failures)]
    if rate is not None:
        metrics.append(m("realtime_error_rate_pct", rate, "%", budget=error_budget,
                         description="Failed connects, replies and disconnects per connect or message."))
    else:
        # As redis_info.not_measured and database.statement_metrics: a budget that could not be checked is a
        # warn without a value, and the note saying why is the report's warning line.
        why = (f"{connect['requests']} connects and 0 messages on {path} {span} (a message every "
               f"{settings.interval:g} s once connected, each answered within {settings.timeout:g} s or "
               "failed)" if connect["requests"] else f"no client connected to {path} {span}")
        metrics.append(Metric("realtime_error_rate_pct", None, "%", "lower", budget=error_budget,
                              labels=dict(labels), status="warn", description=f"not measured: {why}"))
        notes.append(f"realtime: realtime_error_rate_pct not measured: {why}")
    if not connect["requests"] and ok_trips:
        # Comparison rounds measure once every user is past its on_start; clients that connected before
        # (their first exchange) left no connect in the rounds: no figure, not a failed measurement.
        metrics = [x for x in metrics if x.name not in ("realtime_connect_p50_ms", "realtime_connect_p95_ms")]
        notes.append(f"realtime: the clients connected to {path} before the rounds began to measure, so "
                     "the connect time has no figures")
    return metrics, notes

