"""The result model every phase shares.

A phase returns one :class:`PhaseResult`; everything downstream (report, gate,
compare, comment, history) reads only the JSON written from it, so phases can
run in different jobs and be merged later. The JSON shape is published as a
versioned JSON Schema (``echotune_ci/schema/result-<version>.json``).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Literal

from .errors import InputError

SCHEMA_VERSION = "1.0"
SCHEMA_ID = f"https://echotune.dev/schema/result-{SCHEMA_VERSION}.json"

Status = Literal["pass", "warn", "fail", "error"]
STATUSES: tuple[str, ...] = ("pass", "warn", "fail", "error")
# Order used to combine statuses: the worst one wins.
_STATUS_RANK = {"pass": 0, "warn": 1, "fail": 2, "error": 3}

SEVERITIES: tuple[str, ...] = ("info", "low", "medium", "high", "critical")
_SEVERITY_RANK = {name: i for i, name in enumerate(SEVERITIES)}


def worst_status(statuses: Iterable[str]) -> str:
    worst = "pass"
    for status in statuses:
        if _STATUS_RANK[status] > _STATUS_RANK[worst]:
            worst = status
    return worst


def severity_at_least(severity: str, threshold: str) -> bool:
    return _SEVERITY_RANK[severity] >= _SEVERITY_RANK[threshold]


def severity_rank(severity: str) -> int:
    return _SEVERITY_RANK[severity]


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def within_budget(value: float, budget: float, better: str) -> bool:
    """Budgets are inclusive limits: ``lower`` passes at value <= budget."""
    if better == "lower":
        return value <= budget
    return value >= budget


@dataclass
class Location:
    path: str
    line: int | None = None
    column: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path}
        if self.line is not None:
            out["line"] = self.line
        if self.column is not None:
            out["column"] = self.column
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Location":
        return cls(path=data["path"], line=data.get("line"), column=data.get("column"))


@dataclass
class Metric:
    """One measured number.

    ``labels`` scope the metric (``{"url": ...}``, ``{"endpoint": ...}``) so that
    the same name can appear per page or per endpoint; ``key`` combines both.
    ``samples`` keeps every run or round so that ``compare`` can test them.
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

    @property
    def key(self) -> str:
        if not self.labels:
            return self.name
        scope = ",".join(f"{k}={v}" for k, v in sorted(self.labels.items()))
        return f"{self.name}[{scope}]"

    @property
    def scope(self) -> str:
        return ", ".join(str(v) for _, v in sorted(self.labels.items()))

    def evaluate(self) -> "Metric":
        """Set ``status`` from ``value`` and ``budget``; returns self."""
        if self.value is None:
            self.status = "error"
        elif self.budget is not None:
            self.status = "pass" if within_budget(self.value, self.budget, self.better) else "fail"
        return self

    def to_dict(self) -> dict[str, Any]:
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
        if self.samples:
            out["samples"] = [_clean_number(s) for s in self.samples]
        if self.labels:
            out["labels"] = dict(self.labels)
        if self.description:
            out["description"] = self.description
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Metric":
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
    def from_dict(cls, data: dict[str, Any]) -> "Finding":
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


_WS = re.compile(r"\s+")


def _fingerprint_base(f: Finding) -> str:
    path = f.location.path if f.location else ""
    context = _WS.sub(" ", f.context or f.message).strip()
    raw = "\x1f".join((f.source_tool, f.rule_id, path, context))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:20]


def assign_fingerprints(findings: list[Finding]) -> list[Finding]:
    """Give each finding ``<hash>:<n>``: the hash ignores line numbers, ``n``
    counts identical findings in file order, so a second copy of a known
    finding gets a new fingerprint instead of hiding behind the first."""
    ordered = sorted(
        range(len(findings)),
        key=lambda i: (
            findings[i].location.path if findings[i].location else "",
            (findings[i].location.line or 0) if findings[i].location else 0,
            i,
        ),
    )
    seen: dict[str, int] = {}
    for i in ordered:
        base = _fingerprint_base(findings[i])
        seen[base] = seen.get(base, 0) + 1
        findings[i].fingerprint = f"{base}:{seen[base]}"
    return findings


@dataclass
class PhaseResult:
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
    target: str = ""
    # The lowest finding severity that fails this phase, "none" when findings
    # only inform (accessibility violations gate through the score instead);
    # None lets the gate use budgets.security_fail_on.
    fail_on: str | None = None

    def metric(self, name: str, **labels: str) -> Metric | None:
        for m in self.metrics:
            if m.name == name and all(m.labels.get(k) == v for k, v in labels.items()):
                return m
        return None

    def finalize(self, *, fail_on: str | None = None) -> "PhaseResult":
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
        self.status = worst_status(statuses)  # type: ignore[assignment]
        return self

    def to_dict(self) -> dict[str, Any]:
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
            **({"fail_on": self.fail_on} if self.fail_on is not None else {}),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "PhaseResult":
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
            fail_on=data.get("fail_on"),
        )

    def write(self, path: str | Path) -> Path:
        from .fsutil import write_text_atomic

        return write_text_atomic(path, self.to_json())


def _clean_number(value: float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, float):
        return round(value, 6)
    return value


# --------------------------------------------------------------------------- schema


def schema() -> dict[str, Any]:
    text = resources.files("echotune_ci").joinpath(f"schema/result-{SCHEMA_VERSION}.json").read_text("utf-8")
    return json.loads(text)


_validator = None


def _get_validator():
    global _validator
    if _validator is None:
        import jsonschema

        _validator = jsonschema.Draft202012Validator(schema())
    return _validator


def validate(data: Any, where: str) -> None:
    """Raise InputError naming the file and the first schema violation."""
    errors = sorted(_get_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        at = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        raise InputError(f"{where}: not an EchoTune result file (at {at}: {err.message})")


def load_result(path: str | Path) -> PhaseResult:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{p}: result file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{p}: cannot read result file: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{p}:{exc.lineno}: not JSON ({exc.msg})") from None
    if isinstance(data, dict) and "schema_version" in data:
        major = str(data["schema_version"]).split(".")[0]
        if major != SCHEMA_VERSION.split(".")[0]:
            raise InputError(
                f"{p}: result schema version {data['schema_version']} is not supported "
                f"(this echotune-ci reads {SCHEMA_VERSION})"
            )
    validate(data, str(p))
    return PhaseResult.from_dict(data)


def result_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand directories into the ``*.json`` result files they hold."""
    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(q for q in p.glob("*.json") if not q.name.startswith("."))
            files.extend(found)
        elif p.exists():
            files.append(p)
        else:
            raise InputError(f"{p}: no such file or folder")
    return files


def load_results(paths: Iterable[str | Path]) -> list[PhaseResult]:
    """Load result files and folders; results of the same phase are merged."""
    paths = list(paths)
    files = result_files(paths)
    if not files:
        where = ", ".join(str(p) for p in paths) or "(nothing given)"
        raise InputError(f"{where}: no result files (*.json) found")
    return merge_results([load_result(f) for f in files])


def merge_results(results: Iterable[PhaseResult]) -> list[PhaseResult]:
    """Merge results of the same phase (shards, several jobs).

    Metrics with the same key pool their samples; the merged value is the
    median of the pooled samples when there are samples, else the worst value.
    Findings are kept once per fingerprint. Order of first appearance is kept.
    """
    by_phase: dict[str, list[PhaseResult]] = {}
    for r in results:
        by_phase.setdefault(r.phase, []).append(r)
    merged: list[PhaseResult] = []
    for phase, group in by_phase.items():
        if len(group) == 1:
            merged.append(group[0])
            continue
        merged.append(_merge_group(phase, group))
    return merged


def _merge_group(phase: str, group: list[PhaseResult]) -> PhaseResult:
    out = PhaseResult(
        phase=phase,
        started_at=min((r.started_at for r in group if r.started_at), default=now_iso()),
        duration_s=max(r.duration_s for r in group),
        target=", ".join(dict.fromkeys(r.target for r in group if r.target)),
    )
    metrics: dict[str, Metric] = {}
    for r in group:
        out.tool_versions.update(r.tool_versions)
        out.artifacts.extend(a for a in r.artifacts if a not in out.artifacts)
        out.errors.extend(r.errors)
        out.notes.extend(n for n in r.notes if n not in out.notes)
        for m in r.metrics:
            have = metrics.get(m.key)
            if have is None:
                metrics[m.key] = Metric.from_dict(m.to_dict())
                continue
            have.samples.extend(m.samples)
            if have.value is None or m.value is None:
                have.value = None
            elif have.samples:
                have.value = _median(have.samples)
            else:
                worse = max if m.better == "lower" else min
                have.value = worse(have.value, m.value)
            have.evaluate()
    out.metrics = list(metrics.values())
    seen: set[str] = set()
    for r in group:
        for f in r.findings:
            if f.fingerprint and f.fingerprint in seen:
                continue
            seen.add(f.fingerprint)
            out.findings.append(f)
    out.status = worst_status(r.status for r in group)  # type: ignore[assignment]
    return out


def _median(values: list[float]) -> float:
    s = sorted(values)
    n = len(s)
    mid = n // 2
    return float(s[mid]) if n % 2 else (s[mid - 1] + s[mid]) / 2.0


median = _median
