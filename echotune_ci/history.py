"""A bounded history of results on the default branch, with trends and alerts.

Each entry keeps only metric values (no findings, no samples), so a history
of a few hundred runs stays small enough to live in an Actions cache or a
branch. An alert is raised when the newest value is worse than the median of
the previous window by more than the [gate] regression threshold of that
metric (or ``min_effect_pct`` when it has none).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import Any

from .errors import InputError
from .fsutil import read_json, write_text_atomic
from .results import PhaseResult, now_iso
from .results.model import MAX_MAGNITUDE

HISTORY_VERSION = 1


@dataclass
class Series:
    """The values of one metric over the history: (label, value) points, oldest first."""

    phase: str
    key: str
    name: str
    unit: str
    better: str
    points: list[tuple[str, float]]  # (label, value)


@dataclass
class Alert:
    """The newest value of a series is worse than the median of the window before it by more
    than ``limit_pct`` percent (``change_pct``)."""

    series: Series
    latest: float
    reference: float
    change_pct: float
    limit_pct: float


def load_history(path: Path) -> dict[str, Any]:
    """The history document at *path* (an empty one when the file does not exist); InputError otherwise."""
    if not path.exists():
        return {"version": HISTORY_VERSION, "entries": []}
    data = read_json(path, "history file")
    if (not isinstance(data, dict) or data.get("version") != HISTORY_VERSION
            or not isinstance(data.get("entries"), list)):
        raise InputError(f"{path}: not an EchoTune history file (version {HISTORY_VERSION})")
    for i, entry in enumerate(data["entries"]):
        problem = _entry_problem(entry)
        if problem:
            raise InputError(f"{path}: not an EchoTune history file (entries[{i}]: {problem})")
    return data


_METRIC_TEXT = ("phase", "key", "name", "unit", "better")


def _entry_problem(entry: Any) -> str | None:
    """What is wrong with one history entry, or None: the shape add_entry writes, values finite."""
    if not isinstance(entry, dict) or not isinstance(entry.get("metrics"), list):
        return "expected a table with a list of metrics"
    for key in ("ref", "at"):
        if not isinstance(entry.get(key, ""), str):
            return f"'{key}' must be a string"
    for j, m in enumerate(entry["metrics"]):
        if not isinstance(m, dict) or not all(isinstance(m.get(k), str) for k in _METRIC_TEXT):
            return f"metrics[{j}] must have the strings {', '.join(_METRIC_TEXT)}"
        if not _usable(m.get("value")):
            return f"metrics[{j}].value must be a finite number, got {str(m.get('value'))[:24]}"
    return None


def _usable(value: Any) -> bool:
    """A finite number of at most MAX_MAGNITUDE (what a measurement can be)."""
    # NaN and infinity fail the comparison too (and an int never overflows it, unlike math.isfinite).
    return isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) <= MAX_MAGNITUDE


def add_entry(path: Path, results: list[PhaseResult], *, ref: str = "",
              max_entries: int = 200) -> dict[str, Any]:
    """Append the metric values of *results* as one entry labelled *ref*, keep the newest
    *max_entries*, write the file atomically; returns the history."""
    history = load_history(path)
    entry = {
        "at": now_iso(),
        "ref": ref,
        "status": {r.phase: r.status for r in results},
        "metrics": [
            {"phase": r.phase, "key": m.key, "name": m.name, "unit": m.unit, "better": m.better,
             "value": m.value}
            for r in results
            for m in r.metrics
            if m.value is not None and _usable(m.value)
        ],
    }
    history["entries"] = (history["entries"] + [entry])[-max_entries:]
    write_text_atomic(path, json.dumps(history, indent=1) + "\n")
    return history


def series(history: dict[str, Any]) -> list[Series]:
    """One series per (phase, metric key), points in entry order."""
    out: dict[tuple[str, str], Series] = {}
    for i, entry in enumerate(history["entries"]):
        label = entry.get("ref") or entry.get("at") or str(i)
        for m in entry["metrics"]:
            s = out.setdefault(
                (m["phase"], m["key"]), Series(m["phase"], m["key"], m["name"], m["unit"], m["better"], [])
            )
            s.points.append((label[:12], float(m["value"])))
    return list(out.values())


def alerts(all_series: list[Series], thresholds: Mapping[str, float], default_pct: float | None,
           window: int = 10) -> list[Alert]:
    """Alerts for metrics named in ``thresholds``; others only when ``default_pct`` is given."""
    found = []
    for s in all_series:
        if len(s.points) < 3 or (s.name not in thresholds and default_pct is None):
            continue
        previous = [v for _, v in s.points[-window - 1 : -1]]
        reference = median(previous)
        latest = s.points[-1][1]
        if reference == 0:
            continue
        change = (latest - reference) / abs(reference) * 100
        worse = change if s.better == "lower" else -change
        limit = thresholds.get(s.name, default_pct or 0.0)
        if worse > limit:
            found.append(Alert(s, latest, reference, change, limit))
    return found


def sparkline(points: list[float], width: int = 240, height: int = 40) -> str:
    """SVG polyline points for a small trend chart."""
    if not points:
        return ""
    lo, hi = min(points), max(points)
    span = (hi - lo) or 1.0
    step = width / max(len(points) - 1, 1)
    return " ".join(f"{i * step:.1f},{height - (v - lo) / span * (height - 4) - 2:.1f}"
                    for i, v in enumerate(points))
