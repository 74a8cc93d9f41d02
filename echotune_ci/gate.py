"""The gate: do the results hold every budget and regression rule?

Absolute rules come with the results (each metric carries its budget, each
finding its severity). Relative rules need a baseline (the base branch's
results): a metric named in ``[gate] regression`` fails when it got worse by
more than its threshold (by a significance test when both sides have
samples), and findings already present in the baseline do not fail the gate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .compare import Comparison, compare_results
from .config import Config
from .errors import EXIT_COULD_NOT_RUN, EXIT_GATE_FAILED, EXIT_OK
from .results import Metric, PhaseResult, severity_at_least, worst_status


@dataclass
class Check:
    phase: str
    rule: str
    status: str  # pass | warn | fail | error
    detail: str
    metric: Metric | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"phase": self.phase, "rule": self.rule, "status": self.status, "detail": self.detail}


@dataclass
class GateOutcome:
    checks: list[Check] = field(default_factory=list)
    comparisons: list[Comparison] = field(default_factory=list)
    known_findings: int = 0

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.status == "fail"]

    @property
    def errors(self) -> list[Check]:
        return [c for c in self.checks if c.status == "error"]

    @property
    def status(self) -> str:
        if self.failed:
            return "fail"
        if self.errors:
            return "error"
        if any(c.status == "warn" for c in self.checks):
            return "warn"
        return "pass"

    def exit_code(self, fail_on_warn: bool = False) -> int:
        status = self.status
        if status == "fail" or (status == "warn" and fail_on_warn):
            return EXIT_GATE_FAILED
        if status == "error":
            return EXIT_COULD_NOT_RUN
        return EXIT_OK

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "checks": [c.to_dict() for c in self.checks],
            "comparisons": [c.to_dict() for c in self.comparisons],
            "known_findings": self.known_findings,
        }


def _describe_budget(m: Metric) -> str:
    from .report.render import fmt_budget, fmt_metric

    scope = f" [{m.scope}]" if m.labels else ""
    return f"{m.name}{scope} = {fmt_metric(m)} (budget {fmt_budget(m)})"


def evaluate(
    results: list[PhaseResult],
    cfg: Config,
    baseline: list[PhaseResult] | None = None,
) -> GateOutcome:
    """Apply the policy. Fills ``Metric.baseline`` when a baseline is given."""
    gate_cfg = cfg.section("gate")
    fail_on = cfg.budgets["security_fail_on"]
    outcome = GateOutcome()
    known: set[str] = set()
    if baseline is not None:
        known = {f.fingerprint for r in baseline for f in r.findings}
        base_metrics = {(r.phase, m.key): m for r in baseline for m in r.metrics}
        for r in results:
            for m in r.metrics:
                b = base_metrics.get((r.phase, m.key))
                if b is not None and m.baseline is None:
                    m.baseline = b.value

    for r in results:
        if r.status == "error" or r.errors:
            why = "; ".join(r.errors) or "the phase reported an error"
            outcome.checks.append(Check(r.phase, "phase ran", "error", why))
        for m in r.metrics:
            if m.budget is not None and m.value is not None:
                m.evaluate()
                outcome.checks.append(Check(r.phase, m.key, m.status, _describe_budget(m), m))
            elif m.status in ("warn", "fail", "error"):
                outcome.checks.append(Check(r.phase, m.key, m.status, f"{m.name} reported {m.status}", m))
        new = [f for f in r.findings if f.fingerprint not in known]
        outcome.known_findings += len(r.findings) - len(new)
        threshold = r.fail_on or fail_on
        blocking = [f for f in new if threshold != "none" and severity_at_least(f.severity, threshold)]
        if r.findings:
            status = "fail" if blocking else ("warn" if new else "pass")
            if blocking:
                detail = f"{len(blocking)} new finding(s) at or above '{threshold}'"
            elif threshold == "none":
                detail = f"{len(new)} new finding(s), which inform and do not fail this phase"
            else:
                detail = f"{len(new)} new finding(s) below '{threshold}'"
            if len(new) < len(r.findings):
                detail += f", {len(r.findings) - len(new)} known from the baseline"
            outcome.checks.append(Check(r.phase, "findings", status, detail))

    if baseline is not None:
        thresholds = gate_cfg["regression"]
        outcome.comparisons = compare_results(
            baseline, results, thresholds=thresholds, alpha=gate_cfg["alpha"], min_effect_pct=gate_cfg["min_effect_pct"]
        )
        by_key = {(r.phase, m.key): m for r in results for m in r.metrics}
        for c in outcome.comparisons:
            if c.name not in thresholds or c.verdict != "regressed":
                continue
            regressed = by_key.get((c.phase, c.key))
            if regressed is not None:
                regressed.status = "fail"
            how = f"p = {c.p_value:.3g}" if c.p_value is not None else "no samples: relative change"
            worse = f"got worse by {abs(c.effect_pct or 0):.1f} %"
            if not c.base:  # a percentage of zero means nothing: say what it became
                from .report.render import fmt_number

                worse = f"got worse from 0 to {fmt_number(c.head, c.unit)}"
            outcome.checks.append(
                Check(
                    c.phase,
                    f"regression of {c.key}",
                    "fail",
                    f"{c.key} {worse} against the base "
                    f"(limit {thresholds[c.name]:g} %, {how})",
                    regressed,
                )
            )
    # The report shows each phase as the gate sees it (baseline applied).
    for r in results:
        r.status = worst_status(c.status for c in outcome.checks if c.phase == r.phase)  # type: ignore[assignment]
    return outcome
