"""The result model every phase shares: metrics, findings, and the status algebra.

A phase returns one :class:`PhaseResult`; everything downstream (report, gate,
compare, comment, history) reads only the JSON written from it (``io``), so
phases can run in different jobs and be merged later (``merge``).
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

SCHEMA_VERSION = "1.0"
SCHEMA_ID = f"https://echotune.dev/schema/result-{SCHEMA_VERSION}.json"

Status = Literal["pass", "warn", "fail", "error"]
STATUSES: tuple[str, ...] = ("pass", "warn", "fail", "error")
# Order used to combine statuses: the worst one wins.
_STATUS_ORDER: tuple[Status, ...] = ("pass", "warn", "fail", "error")
_STATUS_RANK: dict[str, int] = {name: i for i, name in enumerate(_STATUS_ORDER)}

SEVERITIES: tuple[str, ...] = ("info", "low", "medium", "high", "critical")
_SEVERITY_RANK = {name: i for i, name in enumerate(SEVERITIES)}


def as_status(value: str) -> Status:
    """*value* as a Status; ValueError when it is not one of STATUSES."""
    for status in _STATUS_ORDER:
        if value == status:
            return status
    raise ValueError(f"not a status: {value!r}")


def worst_status(statuses: Iterable[str]) -> Status:
    """The worst of *statuses* (error > fail > warn > pass); pass for none."""
    worst: Status = "pass"
    for status in statuses:
        if _STATUS_RANK[status] > _STATUS_RANK[worst]:
            worst = as_status(status)
    return worst


def severity_at_least(severity: str, threshold: str) -> bool:
    """Whether *severity* is *threshold* or worse (both from SEVERITIES)."""
    return _SEVERITY_RANK[severity] >= _SEVERITY_RANK[threshold]


def severity_rank(severity: str) -> int:
    """Position of *severity* in SEVERITIES (info 0 ... critical 4)."""
    return _SEVERITY_RANK[severity]


def now_iso() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def within_budget(value: float, budget: float, better: str) -> bool:
    """Budgets are inclusive limits: ``lower`` passes at value <= budget. A value or budget that is
    not a finite number never passes (NaN compares false both ways, so test it)."""
    if not (math.isfinite(value) and math.isfinite(budget)):
        return False
    if better == "lower":
        return value <= budget
    return value >= budget


# Largest magnitude of any number in a result: beyond it a value is a forgery or a bug, not a measurement
# (1e15 ms is 31,000 years; 1e15 bytes a petabyte).
MAX_MAGNITUDE = 1e15
# Units of quantities that cannot be negative: times, sizes, rates, counts.
NON_NEGATIVE_UNITS = frozenset({
    "ms", "s", "bytes", "MB", "req/s", "requests", "elements", "files", "findings", "packages",
    "advisories", "lines", "secrets", "probes", "matches", "points",
})
# Metrics with a known range whatever their unit: shares and scores in percent, layout shift, counts.
NAMED_RANGES: dict[str, tuple[float | None, float | None]] = {
    "error_rate_pct": (0.0, 100.0),
    "redis_hit_ratio_pct": (0.0, 100.0),
    "accessibility_score": (0.0, 100.0),
    "performance_score": (0.0, 100.0),
    "app_cpu_pct": (0.0, None),
    "cls": (0.0, None),
    "http_status": (100.0, 599.0),
    "requests": (0.0, None),
    "redis_evicted_keys": (0.0, None),
}


def value_range(name: str, unit: str) -> tuple[float | None, float | None]:
    """The (lowest, highest) value metric *name* in *unit* can take; None: unbounded on that side
    (within ±MAX_MAGNITUDE). An error rate of -50 % or a negative p95 is impossible; a bundle's
    growth in percent can be negative."""
    if name in NAMED_RANGES:
        return NAMED_RANGES[name]
    if unit in NON_NEGATIVE_UNITS or name.endswith(("_ms", "_bytes")):
        return 0.0, None
    return None, None


def number_problem(value: float, name: str, unit: str) -> str | None:
    """Why *value* cannot be a value (or budget, baseline, sample) of metric *name* in *unit*, or None:
    "is not a finite number", "is out of range (at least 0)", "is too large"."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "is not a number"
    try:
        number = float(value)
    except OverflowError:
        return "is too large"
    if not math.isfinite(number):
        return "is not a finite number"
    if abs(number) > MAX_MAGNITUDE:
        return "is too large"
    low, high = value_range(name, unit)
    if low is not None and number < low:
        return f"is out of range (at least {low:g})"
    if high is not None and number > high:
        return f"is out of range (at most {high:g})"
    return None


@dataclass
class Location:
    """Where a finding is: a repository-relative path (or a page's URL path) with an optional 1-based line and
    column."""
    path: str
    line: int | None = None
    column: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape (see the result schema)."""
        out: dict[str, Any] = {"path": self.path}
        if self.line is not None:
            out["line"] = self.line
        if self.column is not None:
            out["column"] = self.column
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Location:
        """Back from the JSON shape (validated against the schema beforehand)."""
        return cls(path=data["path"], line=data.get("line"), column=data.get("column"))


def metric_key(name: str, labels: Mapping[str, object]) -> str:
    """A metric's key: *name* alone, or with its labels sorted, e.g. ``p95_ms[endpoint=GET /api]``."""
    if not labels:
        return name
    scope = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    return f"{name}[{scope}]"


@dataclass
class Metric:
    """One measured number.

    ``labels`` scope the metric (``{"url": ...}``, ``{"endpoint": ...}``) so that
    the same name can appear per page or per endpoint; ``key`` combines both.
    ``samples`` keeps every run or round so that ``compare`` can test them; ``alpha``, when set, is the
    one-sided significance level they must be judged at because the run that took them looked at them
    more than once before it stopped (``run --base-ref`` adding rounds: docs/verdicts.md). ``compared``
    False: a figure of this run alone, never compared with a base (the api phase's response times: one
    contract run's requests, whose times are neither repeated measurements of the build nor taken beside
    the base's), so no verdict, no regression rule and no base value; its budget still applies.
    """

    name: str
    value: float | None
    unit: str = ""
    better: Literal["lower", "higher"] = "lower"
    budget: float | None = None
    baseline: float | None = None
    status: Status = "pass"
    samples: list[float] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    description: str = ""
    alpha: float | None = None
    compared: bool = True

    @property
    def key(self) -> str:
        """The name and labels, e.g. ``p95_ms[endpoint=GET /api]``: unique within a phase."""
        return metric_key(self.name, self.labels)

    @property
    def scope(self) -> str:
        """The label values, comma-separated, for people."""
        return ", ".join(str(v) for _, v in sorted(self.labels.items()))

    def evaluate(self) -> Metric:
        """Set ``status`` from ``value`` and ``budget``; returns self."""
        if self.value is None:
            self.status = "error"
        elif self.budget is not None:
            self.status = "pass" if within_budget(self.value, self.budget, self.better) else "fail"
        return self

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape (see the result schema)."""
        out: dict[str, Any] = {
            "name": self.name,
            "value": _clean_number(self.value),
            "unit": self.unit,
            "better": self.better,
            "status": self.status,
        }
        if self.budget is not None:
            out["budget"] = _clean_number(self.budget)
        if self.baseline is not None:
            out["baseline"] = _clean_number(self.baseline)
        samples = [c for c in (_clean_number(s) for s in self.samples) if c is not None]
        if samples:
            # A sample that was not a number is left out (null is not a sample; the value says error).
            out["samples"] = samples
        if self.labels:
            out["labels"] = dict(self.labels)
        if self.description:
            out["description"] = self.description
        if self.alpha is not None:
            out["alpha"] = _clean_number(self.alpha)
        if not self.compared:
            out["compared"] = False
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Metric:
        """Back from the JSON shape (validated against the schema beforehand)."""
        return cls(
            name=data["name"],
            value=data["value"],
            unit=data.get("unit", ""),
            better=data.get("better", "lower"),
            budget=data.get("budget"),
            baseline=data.get("baseline"),
            status=data.get("status", "pass"),
            samples=list(data.get("samples", [])),
            labels=dict(data.get("labels", {})),
            description=data.get("description", ""),
            alpha=data.get("alpha"),
            compared=data.get("compared", True),
        )


@dataclass
class Finding:
    """One problem found by a tool.

    ``context`` is what makes the finding recognisable without its line number
    (the offending source line, the header name, the package and advisory); the
    fingerprint is computed from it, never from ``location.line``.
    """

    rule_id: str
    severity: str
    message: str
    source_tool: str
    location: Location | None = None
    fingerprint: str = ""
    help_url: str | None = None
    context: str = ""
    properties: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape (see the result schema)."""
        out: dict[str, Any] = {
            "rule_id": self.rule_id,
            "severity": self.severity,
            "message": self.message,
            "source_tool": self.source_tool,
            "fingerprint": self.fingerprint,
        }
        if self.location is not None:
            out["location"] = self.location.to_dict()
        if self.help_url:
            out["help_url"] = self.help_url
        if self.context:
            out["context"] = self.context
        if self.properties:
            out["properties"] = self.properties
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        """Back from the JSON shape (validated against the schema beforehand)."""
        loc = data.get("location")
        return cls(
            rule_id=data["rule_id"],
            severity=data["severity"],
            message=data["message"],
            source_tool=data["source_tool"],
            location=Location.from_dict(loc) if loc else None,
            fingerprint=data.get("fingerprint", ""),
            help_url=data.get("help_url"),
            context=data.get("context", ""),
            properties=dict(data.get("properties", {})),
        )


@dataclass
class PhaseResult:
    """What one phase returns: status, tool versions, timing, metrics, findings, artifacts (paths relative to
    the results folder when inside it), errors, notes, the target measured and the lowest failing finding
    severity."""
    phase: str
    status: Status = "pass"
    tool_versions: dict[str, str] = field(default_factory=dict)
    started_at: str = field(default_factory=now_iso)
    duration_s: float = 0.0
    metrics: list[Metric] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    artifacts: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # What a reviewer must not miss although no gate failed (a check that could not run, an audit of 0
    # packages, a saturated load generator): the comment lists these above the details.
    warnings: list[str] = field(default_factory=list)
    target: str = ""
    # The lowest finding severity that fails this phase, "none" when findings
    # only inform (accessibility violations gate through the score instead);
    # None lets the gate use budgets.security_fail_on.
    fail_on: str | None = None

    def metric(self, name: str, **labels: str) -> Metric | None:
        """The first metric called *name* whose labels include *labels*, or None."""
        for m in self.metrics:
            if m.name == name and all(m.labels.get(k) == v for k, v in labels.items()):
                return m
        return None

    def finalize(self, *, fail_on: str | None = None) -> PhaseResult:
        """Derive ``status`` from metrics, findings and errors.

        ``fail_on`` is the lowest finding severity that fails the phase.
        """
        statuses = [m.status for m in self.metrics]
        self.fail_on = fail_on or "none"
        if fail_on is not None:
            for f in self.findings:
                statuses.append("fail" if severity_at_least(f.severity, fail_on) else "warn")
        if self.errors:
            statuses.append("error")
        self.status = worst_status(statuses)
        return self

    def exit_status(self) -> Status:
        """The status a phase command's exit code follows: "fail" when a metric failed or a finding
        reaches ``fail_on``, even where a check could not run (``status`` "error"), as the gate of `run`
        decides; else ``status``. A definite failure must not hide behind "could not run" (exit 3), which
        a workflow may tolerate as a flaky service."""
        fail_on = self.fail_on or "none"
        blocking = fail_on != "none" and any(severity_at_least(f.severity, fail_on) for f in self.findings)
        if blocking or any(m.status == "fail" for m in self.metrics):
            return "fail"
        return self.status

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape (see the result schema)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "phase": self.phase,
            "status": self.status,
            "target": self.target,
            "tool_versions": dict(self.tool_versions),
            "started_at": self.started_at,
            "duration_s": round(self.duration_s, 3),
            "metrics": [m.to_dict() for m in self.metrics],
            "findings": [f.to_dict() for f in self.findings],
            "artifacts": list(self.artifacts),
            "errors": list(self.errors),
            "notes": list(self.notes),
            "warnings": list(self.warnings),
            **({"fail_on": self.fail_on} if self.fail_on is not None else {}),
        }

    def to_json(self) -> str:
        """The result file's text (indented JSON)."""
        return json.dumps(self.to_dict(), indent=2) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PhaseResult:
        """Back from the JSON shape (validated against the schema beforehand)."""
        return cls(
            phase=data["phase"],
            status=data["status"],
            target=data.get("target", ""),
            tool_versions=dict(data.get("tool_versions", {})),
            started_at=data.get("started_at", ""),
            duration_s=float(data.get("duration_s", 0.0)),
            metrics=[Metric.from_dict(m) for m in data.get("metrics", [])],
            findings=[Finding.from_dict(f) for f in data.get("findings", [])],
            artifacts=list(data.get("artifacts", [])),
            errors=list(data.get("errors", [])),
            notes=list(data.get("notes", [])),
            warnings=list(data.get("warnings", [])),
            fail_on=data.get("fail_on"),
        )

    def write(self, path: str | Path) -> Path:
        """Write the result file atomically; returns its path. RunError when it cannot be written."""
        from ..fsutil import write_text_atomic

        return write_text_atomic(path, self.to_json())


def _clean_number(value: float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, float):
        return round(value, 6)
    return value


