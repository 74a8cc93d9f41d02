"""Database query time over the load test, from the database's own statistics ([load.database]).

PostgreSQL keeps, per normalised statement (constants replaced by ``$1``...),
the number of calls and the total, mean, min, max and standard deviation of
their execution time in the ``pg_stat_statements`` view (an extension that
must be preloaded). It keeps no percentiles, so there is no p95 to gate: the
budget is on each statement's **mean** (``[budgets] db_query_mean_ms``), and
max and stddev are reported beside it. The window is the load test: the
statistics of the app's database are reset just before the test and read
right after it (without the right to reset, the two readings are
subtracted, which gives calls and means but no window maximum).

A database that cannot be measured (the variable is unset, the server cannot
be reached, the extension is not loaded) never stops the load test: its
metric is reported without a value (status error, so the gate exits 3 for
that check) and a note says why, in one line. The URL itself is never
printed; its password is registered with :mod:`echotune_ci.masking`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ... import masking
from ...net.urls import location
from ...results import Metric

if TYPE_CHECKING:  # pragma: no cover
    from ...config.sections import Budgets
    from .settings import DatabaseSettings

PRELOAD_LINE = "shared_preload_libraries = 'pg_stat_statements'"
NOT_MEASURED = "not measured"
# Statements worth timing: what an app sends for its data. Utility statements (SET, ALTER ROLE ... PASSWORD)
# are kept verbatim by pg_stat_statements and may hold secrets, so they are never listed.
_DML = re.compile(r"^\s*(?:\(\s*)*(?:select|insert|update|delete|with|merge|values|table)\b", re.I)
LABEL_CHARS = 120


@dataclass
class Statement:
    """One normalised statement's figures over the window: calls, mean and max (ms; max None when only
    differences of two readings are known), stddev (ms or None) and its text."""

    queryid: int
    query: str
    calls: int
    total_ms: float
    max_ms: float | None
    stddev_ms: float | None

    @property
    def mean_ms(self) -> float:
        """Mean execution time of one call, ms."""
        return self.total_ms / self.calls if self.calls else 0.0


@dataclass
class Window:
    """A measurement opened before the load test: where (for messages, no URL), the database's oid,
    whether the statistics were reset, the reading before the test when they could not be, and the
    reason it cannot be measured ("" when it can)."""

    where: str
    url: str = field(default="", repr=False)
    dbid: int = 0
    reset: bool = False
    before: dict[int, tuple[int, float]] = field(default_factory=dict)
    server_version: str = ""
    error: str = ""


def describe_url(url: str, env_name: str) -> str:
    """``$DATABASE_URL (127.0.0.1:5432/musicapp)``: the variable, host, port and database, never the user
    or password."""
    place = location(url)
    where = f"{place.host or 'localhost'}{place.path}" if place else "an unparsable URL"
    return f"${env_name} ({where})"


def open_window(settings: DatabaseSettings, env: Mapping[str, str] | None = None) -> Window:
    """Before the test: connect to the database named by ``settings.url_env`` in *env* (default
    os.environ), check pg_stat_statements and reset its statistics for that database.

    Never raises for the database: the returned window's ``error`` says in one line why it cannot be
    measured (variable unset, not a postgresql:// URL, psycopg missing, server unreachable, extension
    not loaded or not created).
    """
    env = os.environ if env is None else env
    name = settings.url_env
    url = env.get(name, "")
    if not url:
        return Window(where=f"${name}", error=f"${name} is not set, so there is no database to read")
    _register_secrets(url)
    window = Window(where=describe_url(url, name), url=url)
    if urlsplit(url).scheme not in ("postgres", "postgresql"):
        scheme = urlsplit(url).scheme or "(none)"
        window.error = (f"{window.where}: only PostgreSQL is measured (postgresql://...), not {scheme}:// "
                        f"(see docs/load.md for MongoDB's profiler)")
        return window
    try:
        _prepare(window)
    except _NotMeasured as exc:
        window.error = str(exc)
    return window


def close_window(window: Window, settings: DatabaseSettings,
                 budgets: Budgets) -> tuple[list[Metric], list[str], dict[str, str]]:
    """After the test: read the statistics of the window; (metrics, notes, tool versions).

    Metrics: ``db_query_mean_ms`` (the slowest statement's mean, ms, budget ``settings.mean_ms`` else
    ``budgets.db_query_mean_ms``), ``db_calls`` and ``db_statements`` (counts) without labels; per
    statement listed (``settings.slowest``, slowest mean first, labels ``statement`` and ``queryid``)
    ``db_query_mean_ms``, ``db_query_max_ms`` and ``db_query_calls``. When the database cannot be
    read, ``db_query_mean_ms`` has no value (status error) and a note says why.
    """
    budget = settings.mean_ms if settings.mean_ms is not None else budgets.db_query_mean_ms
    versions = {"postgresql": window.server_version} if window.server_version else {}
    if not window.error:
        try:
            statements = _read(window)
        except _NotMeasured as exc:
            window.error = f"{exc} after the test"
    if window.error:
        metric = Metric("db_query_mean_ms", None, "ms", budget=budget, status="error",
                        description=f"Mean time of the slowest statement: {NOT_MEASURED} ({window.error}).")
        return [metric], [f"database: db_query_mean_ms {NOT_MEASURED}: {window.error}"], versions
    return (*statement_metrics(statements, window, settings.slowest, budget), versions)


def statement_metrics(statements: list[Statement], window: Window, slowest: int,
                      budget: float) -> tuple[list[Metric], list[str]]:
    """Metrics and notes of the window's *statements* (see :func:`close_window`)."""
    calls = sum(s.calls for s in statements)
    if not calls:
        metric = Metric("db_query_mean_ms", None, "ms", budget=budget, status="warn",
                        description="No statement reached the database during the test.")
        return [metric], [f"database: no statement reached {window.where} during the test, so there is no "
                          f"query time (does the app use this database?)"]
    ranked = sorted(statements, key=lambda s: (-s.mean_ms, s.queryid))
    worst = ranked[0]
    metrics = [
        Metric("db_query_mean_ms", worst.mean_ms, "ms", budget=budget,
               description=f"Mean execution time of the slowest statement ({worst.calls} calls): "
                           f"{short(worst.query)}").evaluate(),
        Metric("db_calls", float(calls), "", "higher", description="Statements executed during the test."),
        Metric("db_statements", float(len(statements)), "", description="Distinct normalised statements."),
    ]
    notes = [f"database: {calls} calls of {len(statements)} statements on {window.where} during the test "
             f"(pg_stat_statements; no percentiles: the mean is gated, max and stddev are shown)"]
    if not window.reset:
        notes.append("database: the statistics could not be reset (no permission), so the figures are the "
                     "difference of two readings and there is no maximum for the test alone")
    for s in ranked[:slowest]:
        labels = {"statement": short(s.query, LABEL_CHARS), "queryid": str(s.queryid)}
        metrics += [
            Metric("db_query_mean_ms", s.mean_ms, "ms", labels=dict(labels)),
            Metric("db_query_max_ms", s.max_ms, "ms", labels=dict(labels),
                   status="pass" if s.max_ms is not None else "warn"),
            Metric("db_query_calls", float(s.calls), "", "higher", labels=dict(labels)),
        ]
        spread = f", stddev {s.stddev_ms:.1f} ms" if s.stddev_ms is not None else ""
        most = f"max {s.max_ms:.1f} ms" if s.max_ms is not None else "max n/a"
        notes.append(f"database: {s.mean_ms:.1f} ms mean ({most}{spread}, {s.calls} calls): {short(s.query)}")
    return metrics, notes


def short(query: str, limit: int = 300) -> str:
    """*query* on one line (whitespace collapsed), cut to *limit* characters with an ellipsis."""
    text = " ".join(query.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


# --------------------------------------------------------------------------- PostgreSQL


class _NotMeasured(Exception):
    """Why the database cannot be measured, in one line."""


def _register_secrets(url: str) -> None:
    try:
        password = urlsplit(url).password
    except ValueError:
        password = None
    masking.register(url, password)


def _connect(window: Window) -> Any:
    try:
        import psycopg
    except ImportError:
        raise _NotMeasured("psycopg is not installed: pip install 'echotune-ci[database]'") from None
    try:
        return psycopg.connect(window.url, connect_timeout=5, autocommit=True, application_name="echotune-ci")
    except psycopg.Error as exc:
        raise _NotMeasured(f"{window.where}: cannot connect to the database ({_first_line(exc)})") from None
    except Exception as exc:  # noqa: BLE001 - libpq rejects a malformed URL with ProgrammingError and others
        raise _NotMeasured(f"{window.where}: not a usable database URL ({_first_line(exc)})") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return masking.mask(text[0] if text else type(exc).__name__)


def _prepare(window: Window) -> None:
    import psycopg

    with _connect(window) as conn:
        try:
            window.server_version = str(conn.execute("SHOW server_version").fetchone()[0]).split()[0]
            window.dbid = int(conn.execute(
                "SELECT oid FROM pg_database WHERE datname = current_database()").fetchone()[0])
            _ensure_extension(conn, window)
            try:
                conn.execute("SELECT pg_stat_statements_reset(0::oid, %s::oid, 0::bigint)", (window.dbid,))
                window.reset = True
            except psycopg.errors.InsufficientPrivilege:
                window.before = {s.queryid: (s.calls, s.total_ms) for s in _statements(conn, window)}
        except psycopg.Error as exc:
            raise _NotMeasured(f"{window.where}: cannot read pg_stat_statements "
                               f"({_first_line(exc)})") from None


def _ensure_extension(conn: Any, window: Window) -> None:
    import psycopg

    try:
        conn.execute("SELECT 1 FROM pg_stat_statements LIMIT 1")
        return
    except psycopg.errors.UndefinedTable:
        pass
    except psycopg.errors.ObjectNotInPrerequisiteState:
        raise _NotMeasured(f"{window.where}: pg_stat_statements is not loaded: add the line "
                           f"{PRELOAD_LINE} to postgresql.conf and restart the server") from None
    try:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    except psycopg.Error as exc:
        raise _NotMeasured(f"{window.where}: the pg_stat_statements extension is not created in this "
                           f"database and could not be ({_first_line(exc)}): run CREATE EXTENSION "
                           f"pg_stat_statements; as a superuser") from None
    try:
        conn.execute("SELECT 1 FROM pg_stat_statements LIMIT 1")
    except psycopg.errors.ObjectNotInPrerequisiteState:
        raise _NotMeasured(f"{window.where}: pg_stat_statements is not loaded: add the line "
                           f"{PRELOAD_LINE} to postgresql.conf and restart the server") from None


def _statements(conn: Any, window: Window) -> list[Statement]:
    rows = conn.execute(
        "SELECT queryid, calls, total_exec_time, max_exec_time, stddev_exec_time, query "
        "FROM pg_stat_statements WHERE dbid = %s AND calls > 0 AND queryid IS NOT NULL "
        "AND query NOT ILIKE %s", (window.dbid, "%pg_stat_statements%")).fetchall()
    merged: dict[int, Statement] = {}
    for queryid, calls, total, most, stddev, query in rows:
        if not _DML.match(query or ""):
            continue
        seen = merged.get(int(queryid))
        if seen is None:
            merged[int(queryid)] = Statement(int(queryid), query, int(calls), float(total), float(most),
                                             float(stddev))
        else:  # the same statement run by another role
            seen.calls += int(calls)
            seen.total_ms += float(total)
            seen.max_ms = max(seen.max_ms or 0.0, float(most))
            seen.stddev_ms = None
    return list(merged.values())


def _read(window: Window) -> list[Statement]:
    import psycopg

    with _connect(window) as conn:
        try:
            statements = _statements(conn, window)
        except psycopg.errors.ObjectNotInPrerequisiteState:
            raise _NotMeasured(f"{window.where}: pg_stat_statements is not loaded: add the line "
                               f"{PRELOAD_LINE} to postgresql.conf and restart the server") from None
        except psycopg.Error as exc:
            raise _NotMeasured(f"{window.where}: cannot read pg_stat_statements "
                               f"({_first_line(exc)})") from None
    if window.reset:
        return statements
    out = []
    for s in statements:
        calls, total = window.before.get(s.queryid, (0, 0.0))
        if s.calls > calls:
            out.append(Statement(s.queryid, s.query, s.calls - calls, s.total_ms - total, None, None))
    return out
