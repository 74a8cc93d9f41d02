"""Locust statistics (one or more rounds) to metrics and findings.

Metric names are the same per endpoint (labels {"endpoint": "GET /x"}) and
for the total (no label). With several rounds the value is the median of the
rounds and ``samples`` keeps each round, so ``compare`` can test them.
"""

from __future__ import annotations

from typing import Any

from ..report.render import render
from ..results import Finding, Metric, assign_fingerprints, median

MAX_FAILURE_FINDINGS = 20
SAMPLED = ("p95_ms", "rps")


def endpoint_key(entry: dict[str, Any]) -> str:
    return f"{entry['method']} {entry['name']}".strip()


def _combine(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """One entry from the same endpoint's entries in several rounds."""
    requests = sum(e["requests"] for e in entries)
    failures = sum(e["failures"] for e in entries)
    measured = [e for e in entries if e["requests"]]
    out: dict[str, Any] = {
        "requests": requests,
        "failures": failures,
        "error_rate": failures / requests * 100.0 if requests else None,
        "max": max((e["max"] for e in measured), default=None),
        "rounds": {k: [float(e[k]) for e in measured] for k in ("p50", "p95", "p99")},
    }
    out["rounds"]["rps"] = [float(e["rps"]) for e in entries]
    for k, values in out["rounds"].items():
        out[k] = median(values) if values else None
    return out


def _metrics_for(stats: dict[str, Any], labels: dict[str, str], budgets: dict[str, float | None],
                 sampled: bool) -> list[Metric]:
    def m(name: str, value, unit: str, better: str = "lower", budget=None, rounds_key: str | None = None) -> Metric:
        samples = stats["rounds"][rounds_key] if (sampled and rounds_key and name in SAMPLED) else []
        return Metric(name, value, unit, better, budget=budget, samples=list(samples), labels=dict(labels)).evaluate()

    return [
        m("p50_ms", stats["p50"], "ms", rounds_key="p50"),
        m("p95_ms", stats["p95"], "ms", budget=budgets.get("p95_ms"), rounds_key="p95"),
        m("p99_ms", stats["p99"], "ms", budget=budgets.get("p99_ms"), rounds_key="p99"),
        m("max_ms", stats["max"], "ms"),
        m("rps", stats["rps"], "req/s", "higher", rounds_key="rps"),
        m("error_rate_pct", stats["error_rate"], "%", budget=budgets.get("error_rate_pct")),
        m("requests", float(stats["requests"]), "", "higher"),
    ]


def rounds_metrics(rounds: list[dict[str, Any]], thresholds: dict[str, dict[str, Any]],
                   budgets: dict[str, Any], labels: dict[str, str] | None = None) -> list[Metric]:
    """Total first (so ``result.metric("p95_ms")`` finds it), then each endpoint."""
    defaults = {"p95_ms": budgets["api_p95_ms"], "error_rate_pct": budgets["error_rate_pct"]}
    sampled = len(rounds) > 1
    total = _combine([r["total"] for r in rounds])
    if not total["requests"]:
        return []
    out = _metrics_for(total, dict(labels or {}), defaults, sampled)
    by_endpoint: dict[str, list[dict[str, Any]]] = {}
    for r in rounds:
        for e in r["entries"]:
            by_endpoint.setdefault(endpoint_key(e), []).append(e)
    for key, entries in by_endpoint.items():
        own = {k: v for k, v in thresholds.get(key, {}).items() if v is not None}
        out.extend(_metrics_for(_combine(entries), {**(labels or {}), "endpoint": key}, {**defaults, **own}, sampled))
    return out


def failure_findings(rounds: list[dict[str, Any]]) -> tuple[list[Finding], int]:
    """One finding per endpoint and kind of failure, most frequent first; and how many kinds were left out."""
    kinds: dict[tuple[str, str], int] = {}
    for r in rounds:
        for err in r["errors"]:
            key = (endpoint_key(err), err["error"])
            kinds[key] = kinds.get(key, 0) + err["occurrences"]
        for exc in r["exceptions"]:
            key = ("(user code)", exc["msg"])
            kinds[key] = kinds.get(key, 0) + exc["count"]
    ordered = sorted(kinds.items(), key=lambda kv: -kv[1])
    findings = [
        Finding(
            rule_id="load.user-exception" if endpoint == "(user code)" else "load.request-failed",
            severity="medium",
            message=render("load_failure.txt.j2", endpoint=endpoint, error=error, count=count).strip(),
            source_tool="locust",
            context=f"{endpoint} {error}",
            properties={"endpoint": endpoint, "error": error, "occurrences": count},
        )
        for (endpoint, error), count in ordered[:MAX_FAILURE_FINDINGS]
    ]
    return assign_fingerprints(findings), max(0, len(ordered) - MAX_FAILURE_FINDINGS)
