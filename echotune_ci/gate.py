"""The gate: do the results hold every budget and regression rule?

Absolute rules come with the results (each metric carries its budget, each
finding its severity). Relative rules need a baseline (the base branch's
results): a metric named in ``[gate] regression`` fails when it got worse by
more than its threshold (by a significance test when both sides have
samples), findings already present in the baseline do not fail the gate, and
a budget the base already breaks is a known breach (the ratchet,
:func:`ratchet`): a warning that fails only when the head is significantly
worse than the base or past the metric's hard limit (``[budgets.hard]``).

The gate is a chain of pure steps: each returns new objects, none modifies
the results or the baseline it is given. :func:`evaluate` returns the checks
and the results as the gate sees them (baselines filled in, statuses set).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .compare import Comparison, _base_key, bundle_renames, compare_results, level_pct, median_interval
from .phases.bundle.baseline import ADDED, REMOVED
from .errors import EXIT_COULD_NOT_RUN, EXIT_GATE_FAILED, EXIT_OK
from .results import Finding, Metric, PhaseResult, Status, severity_at_least, within_budget, worst_status
from .results.fingerprint import assign_fingerprints
from .results.model import as_status
from .results.units import first_named, fmt_budget, fmt_metric, fmt_number

if TYPE_CHECKING:  # pragma: no cover
    from .config import Config
    from .config.sections import Budgets, GateSettings


@dataclass(frozen=True)
class Check:
    """One rule applied to one phase: its status (pass, warn, fail, error) and a one-line detail."""

    phase: str
    rule: str
    status: str
    detail: str
    metric: Metric | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of a check (report.json)."""
        return {"phase": self.phase, "rule": self.rule, "status": self.status, "detail": self.detail}


def failed_gates(checks: list[Check]) -> list[Check]:
    """The failed *checks*, one per gate: a metric that breaks its budget and also regressed against the
    base fails two checks (two rules) but is one gate that failed, which the headlines count ("1 gate(s)
    failed"). Keeps the first failed check of each (phase, metric key), and every failed check about no
    metric (findings), in order."""
    return gates([c for c in checks if c.status == "fail"])


def gates(checks: list[Check]) -> list[Check]:
    """The first of *checks* for each gate (a phase's metric, whatever rules judged it, or a rule about no
    metric), in order: what the terminal's last line counts as checked, in the unit its failures are
    counted in (:func:`failed_gates`)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for c in checks:
        key = (c.phase, c.metric.key if c.metric is not None else f"rule:{c.rule}")
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


BreachState = Literal["known", "worse", "past hard limit", "fixed"]


@dataclass(frozen=True)
class Breach:
    """A budget the base already broke, as the ratchet judged the head.

    ``state``: "known" (the head breaks it too, not significantly worse: a warning), "worse" (the head
    is significantly worse than the base: fails), "past hard limit" (the head is beyond ``hard``:
    fails) or "fixed" (the head holds the budget: an improvement). Values in the metric's ``unit``;
    ``verdict`` is compare's verdict on the metric (:meth:`~echotune_ci.compare.Comparison.verdict_text`).
    ``base_interval``: the confidence interval of the base's median (unit of the metric) when the base
    held the budget only within its noise (:func:`held_within_noise`), else None: its value broke it.
    """

    phase: str
    key: str
    name: str
    unit: str
    better: str
    budget: float
    base: float
    head: float
    state: BreachState
    detail: str
    hard: float | None = None
    verdict: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    base_interval: tuple[float, float] | None = None

    @property
    def status(self) -> str:
        """The check status of this state: warn (known), fail (worse, past hard limit), pass (fixed)."""
        return {"known": "warn", "fixed": "pass"}.get(self.state, "fail")

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of a breach (report.json ``breaches``)."""
        return {"phase": self.phase, "key": self.key, "name": self.name, "unit": self.unit,
                "better": self.better, "budget": self.budget, "base": self.base, "head": self.head,
                "hard": self.hard, "state": self.state, "status": self.status, "detail": self.detail,
                "verdict": self.verdict, "labels": dict(self.labels),
                "base_interval": list(self.base_interval) if self.base_interval else None}


@dataclass
class GateOutcome:
    """What the gate decided: its checks, the comparisons against the baseline, how many
    findings the baseline already knew, the budgets the base already broke (``breaches``) and the
    results as the gate sees them."""

    checks: list[Check] = field(default_factory=list)
    comparisons: list[Comparison] = field(default_factory=list)
    known_findings: int = 0
    results: list[PhaseResult] = field(default_factory=list)
    breaches: list[Breach] = field(default_factory=list)
    # The baseline results' targets: the reports name the base's app on this machine (`run --base-ref`'s,
    # on a port of its own each run) as they name the head's, not by its URL.
    base_targets: tuple[str, ...] = ()
    # The fingerprints of the results' findings the baseline had too, and the phases that had a base
    # result to know them from: the reports mark which findings a pull request brings, where the table
    # listed six known highs beside the new one alike.
    known: frozenset[str] = frozenset()
    compared_phases: frozenset[str] = frozenset()
    # The base's findings at or above the failing severity that the head no longer has, by rule and place
    # (``PYSEC-2024-60 at requirements.txt:136``): a dependabot bump that fixes an advisory showed only as
    # "audit.vulnerable_packages 3 -> 2, improved", while a new one is named.
    gone_findings: list[str] = field(default_factory=list)

    def is_new(self, phase: str, finding: Finding) -> bool | None:
        """Whether *finding* of *phase* is new since the baseline; None when the phase had no base result
        (nothing says whether it is)."""
        if phase not in self.compared_phases:
            return None
        return finding.fingerprint not in self.known

    @property
    def failed(self) -> list[Check]:
        """Checks that failed."""
        return [c for c in self.checks if c.status == "fail"]

    @property
    def failed_gates(self) -> list[Check]:
        """The failed checks, one per gate (:func:`failed_gates`)."""
        return failed_gates(self.checks)

    @property
    def gates(self) -> list[Check]:
        """One check per gate checked (:func:`gates`)."""
        return gates(self.checks)

    @property
    def errors(self) -> list[Check]:
        """Checks of phases that could not run."""
        return [c for c in self.checks if c.status == "error"]

    @property
    def error_gates(self) -> list[Check]:
        """The checks that could not run, one per gate (:func:`gates`)."""
        return gates(self.errors)

    @property
    def status(self) -> str:
        """fail when a check failed, else error, else warn, else pass."""
        if self.failed:
            return "fail"
        if self.errors:
            return "error"
        if any(c.status == "warn" for c in self.checks):
            return "warn"
        return "pass"

    def exit_code(self, fail_on_warn: bool = False) -> int:
        """0 pass (and warn unless *fail_on_warn*), 1 fail, 3 a phase could not run."""
        status = self.status
        if status == "fail" or (status == "warn" and fail_on_warn):
            return EXIT_GATE_FAILED
        if status == "error":
            return EXIT_COULD_NOT_RUN
        return EXIT_OK

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of the outcome (report.json)."""
        return {
            "status": self.status,
            "checks": [c.to_dict() for c in self.checks],
            "comparisons": [c.to_dict() for c in self.comparisons],
            "known_findings": self.known_findings,
            "breaches": [b.to_dict() for b in self.breaches],
        }


# --------------------------------------------------------------------------- steps


def with_baseline(results: Iterable[PhaseResult], baseline: Iterable[PhaseResult]) -> list[PhaseResult]:
    """Copies of *results* whose metrics carry the base value of the same metric (when they had none and
    both sides are ``compared``); a bundle file whose content hash changed its name is the same metric, as
    ``compare`` pairs it (:func:`~echotune_ci.compare.bundle_renames`)."""
    results, baseline = list(results), list(baseline)
    renames = bundle_renames(baseline, results)
    base_metrics = {(r.phase, _base_key(r.phase, m, renames)): m for r in baseline for m in r.metrics}
    base_files = any(_bundle_file(r.phase, m) for r in baseline for m in r.metrics)

    def filled(phase: str, m: Metric) -> Metric:
        b = base_metrics.get((phase, m.key))
        if b is None and base_files and m.baseline is None and _bundle_file(phase, m):
            return dataclasses.replace(m, baseline=0.0, description=m.description or ADDED)
        if b is None or m.baseline is not None or not (m.compared and b.compared):
            return m
        return dataclasses.replace(m, baseline=b.value)

    return [dataclasses.replace(r, metrics=[filled(r.phase, m) for m in r.metrics]
                                + _removed_files(r, base_metrics)) for r in results]


def _bundle_file(phase: str, m: Metric) -> bool:
    """Whether *m* is one bundle file's size (not a placeholder of a file its own base had)."""
    return phase == "bundle" and "file" in m.labels and m.name.startswith("bundle_file_") \
        and m.description != REMOVED


def _removed_files(result: PhaseResult, base_metrics: Mapping[tuple[str, str], Metric]) -> list[Metric]:
    """For a head bundle result, the base's files it lacks as ``bundle --baseline`` lists them: size 0,
    the base's size as baseline, described as removed. Without them (and the added files' baseline 0) the
    comment of ``run --base-ref`` showed every file the two builds share and none they do not: a 114.6 KiB
    chunk that a pull request added was in the totals' +13 % and in no row."""
    if result.phase != "bundle":
        return []
    head = {m.key for m in result.metrics}
    return [dataclasses.replace(b, value=0.0, baseline=b.value, description=REMOVED, samples=[],
                                status="pass", budget=None)
            for (phase, key), b in base_metrics.items()
            if phase == "bundle" and key not in head and _bundle_file(phase, b) and b.value is not None]


def budget_status(m: Metric) -> Status:
    """The metric's status against its own budget (error when it has no value)."""
    if m.value is None or not math.isfinite(m.value):
        return "error"  # NaN is neither within nor beyond a budget: the measurement failed
    if m.budget is None:
        return m.status
    return "pass" if within_budget(m.value, m.budget, m.better) else "fail"


def budget_checks(result: PhaseResult) -> tuple[PhaseResult, list[Check]]:
    """The phase-ran check and one check per budgeted metric; the result with metric statuses re-derived."""
    checks: list[Check] = []
    if result.status == "error" or result.errors:
        # A check that could not run says so twice: "<check>: <why>" in the errors and a metric
        # <check>.could_not_run with <why>. One failure, one check: the metric's ("2 could not run" for one
        # unreachable audit service); the phase's own check only for errors no such metric says.
        said = {f"{m.name.removesuffix('.could_not_run')}: {m.description}" for m in result.metrics
                if m.name.endswith(".could_not_run") and m.value is None and m.status == "error"}
        unsaid = [e for e in result.errors if e not in said]
        if unsaid or not result.errors:
            why = "; ".join(unsaid) or "the phase reported an error"
            checks.append(Check(result.phase, "phase ran", "error", why))
    metrics: list[Metric] = []
    for m in result.metrics:
        if m.budget is not None and m.value is None and m.status == "pass":
            # A budget nothing was measured against cannot pass: the phases give such a metric the status
            # that says why (warn: not measured; fail: a threshold that matched nothing).
            m = dataclasses.replace(m, status="error")
            why = f": {m.description}" if m.description else ""
            checks.append(Check(result.phase, m.key, "error",
                                f"{m.key} has no value to hold against its budget {fmt_budget(m)}{why}", m))
        elif m.budget is not None and m.value is not None:
            m = dataclasses.replace(m, status=budget_status(m))
            checks.append(Check(result.phase, m.key, m.status, _describe_budget(m), m))
        elif m.status in ("warn", "fail", "error"):
            why = f": {m.description}" if m.value is None and m.description else ""
            checks.append(Check(result.phase, m.key, m.status, f"{m.name} reported {m.status}{why}", m))
        metrics.append(m)
    own = own_status_check(result)
    if own is not None:
        checks.append(own)
    return dataclasses.replace(result, metrics=metrics), checks


def own_status_check(result: PhaseResult) -> Check | None:
    """A check for a "warn" or "fail" the phase gave itself beyond what its metrics, findings and errors
    say (the api phase with no document and no flow, deploy with no file: nothing was tested), else None.

    The gated status is the worst of the phase's checks: without this one such a phase read "pass"."""
    derived = [m.status for m in result.metrics]
    threshold = result.fail_on or "none"
    derived += ["fail" if threshold != "none" and severity_at_least(f.severity, threshold) else "warn"
                for f in result.findings]
    if result.errors:
        derived.append("error")
    worst = worst_status(derived)
    if result.status not in ("warn", "fail") or worst_status([result.status, worst]) == worst:
        return None
    why = f": {result.warnings[0]}" if result.warnings else ""
    return Check(result.phase, "phase status", result.status, f"the phase reported {result.status}{why}")


# A security check's note on a file its scanner could not finish (checks/base.py skipped_files)
_NOT_SCANNED = re.compile(r"^[\w.-]+: not scanned: (.+?): ")


# The api phase's warning on the operations its time cap left untested ("GET /orders/, POST /orders/")
_NOT_REACHED = re.compile(r"^api: the time cap \([^)]*\) stopped the contract test before (.+)$")


# The api phase's note on the operations their share of the time cap cut short: "... generated requests:
# POST /api/users (3), GET /api/articles (12); a larger [api] max_time tests them further"
_CUT_SHORT = re.compile(r"^api: each operation had an even share of the time cap \([^)]*\), which ended "
                        r"these before \d+ generated requests: (.+); a larger \[api\] max_time tests them "
                        r"further$")
_SENT = re.compile(r"^(.+) \((\d+)\)$")


def cut_short(results: list[PhaseResult]) -> dict[str, int]:
    """{operation label: generated requests sent} of the api *results*' operations their share of the time
    cap ended early (the note ``_CUT_SHORT`` reads)."""
    found: dict[str, int] = {}
    for note in (n for r in results if r.phase == "api" for n in r.notes):
        m = _CUT_SHORT.match(note)
        for item in m.group(1).split(", ") if m else []:
            sent = _SENT.match(item)
            if sent is not None:
                found[sent.group(1)] = int(sent.group(2))
    return found


def unscanned_paths(baseline: list[PhaseResult], phase: str, head: PhaseResult | None = None) -> set[str]:
    """The files *phase*'s base results say a check could not scan (a semgrep rule that timed out on it),
    and the paths of the operations the api phase's time cap left untested, or (given the *head*'s result)
    cut short after fewer requests than the head's: what the base has there is unknown, so a finding the
    head has there is not "new". A web-only pull request of imputnet/cobalt had
    "2 new finding(s)" (regex_dos in api/src/core/api.js, which both builds failed to scan under load) in a
    file it did not touch; the logistics portal's head, whose contract test the cap stopped earlier than the
    base's, had "22 of the base's gone" at operations it never sent a request to."""
    files = {m.group(1) for b in baseline if b.phase == phase for note in b.notes
             if (m := _NOT_SCANNED.match(note))}
    operations = {operation.split(" ", 1)[-1] for b in baseline if b.phase == phase for warning in b.warnings
                  if (m := _NOT_REACHED.match(warning)) for operation in m.group(1).split(", ")}
    if head is not None and phase == "api":
        # The base's share of the time cap ended an operation after fewer requests than the head sent it:
        # the head's problem may lie in a request the base never sent (the same requests, in the same
        # order, on both sides: hypothesis is derandomised). Fewer or as many on the head's side: the base
        # sent every one of them, so what the head found there is new.
        base, ours = cut_short([b for b in baseline if b.phase == phase]), cut_short([head])
        operations |= {label.split(" ", 1)[-1] for label, sent in base.items()
                       if label not in ours or ours[label] > sent}
    return files | operations


def in_files(finding: Finding, paths: set[str]) -> bool:
    """Whether *finding* lies in one of the files or operation paths *paths* (:func:`unscanned_paths`)."""
    return finding.location is not None and finding.location.path in paths


def finding_check(result: PhaseResult, known: set[str], fail_on: str,
                  compared: bool = True, unscanned: set[str] | None = None) -> tuple[Check | None, int]:
    """The findings check of one phase and how many of its findings *known* already holds.

    *fail_on* is the project's lowest failing severity; the phase's own
    ``fail_on`` wins ("none": findings only inform). *compared*: the phase has
    a base result that *known* comes from; without one its findings are not
    called "new" (nothing says they are: a base that did not build, a run
    without ``--baseline``). *unscanned*: the files the base could not scan
    (:func:`unscanned_paths`); a finding there that *known* lacks is neither new
    nor known, and the detail says how many and where.
    """
    if not result.findings:
        return None, 0
    unsure = [f for f in result.findings if f.fingerprint not in known and in_files(f, unscanned or set())]
    new: list[Finding] = [f for f in result.findings if f.fingerprint not in known and f not in unsure]
    known_count = len(result.findings) - len(new) - len(unsure)
    threshold = result.fail_on or fail_on
    blocking = [f for f in new if threshold != "none" and severity_at_least(f.severity, threshold)]
    status = "fail" if blocking else ("warn" if new else "pass")
    what = "new finding(s)" if compared else "finding(s)"
    if blocking:
        # Which ones, when the base had others: the findings table lists the known with the new alike, and
        # a pull request that adds one vulnerable requirement had its reviewer look for it among six highs.
        which = f" ({_named(blocking)})" if known_count else ""
        detail = f"{len(blocking)} {what} at or above '{threshold}'{which}"
    elif threshold == "none":
        detail = f"{len(new)} {what}, which inform and do not fail this phase"
    elif new:
        detail = f"{len(new)} {what}, none at or above '{threshold}'"
    else:  # "0 new finding(s) below 'medium'" read as a count of the findings below medium
        detail = "no new finding"
    if known_count:
        detail += f", {known_count} known from the base"
    if unsure:
        places = sorted({f.location.path for f in unsure if f.location is not None})
        unfinished = ("which the base's contract test did not reach, or sent fewer requests than the head's, "
                      "before its time cap (not called new)"
                      if result.phase == "api" else "which the base's scan did not finish (not called new)")
        detail += f", {len(unsure)} in {first_named(places)}, {unfinished}"
    return Check(result.phase, "findings", status, detail), known_count


def _named(findings: list[Finding], shown: int = 3) -> str:
    """*findings* by rule and place (``PYSEC-2023-242 at requirements.txt:26``), the first *shown* of
    them, then how many more."""
    return first_named([finding_name(f) for f in findings], shown)


def finding_name(f: Finding) -> str:
    """*f* by rule and place: ``PYSEC-2023-242 at requirements.txt:26``, ``api/server-error at /items``."""
    props = f.properties or {}
    where = ""
    if f.location is not None and f.location.path:
        where = f"{f.location.path}:{f.location.line}" if f.location.line else f.location.path
    where = where or str(props.get("endpoint") or props.get("url") or props.get("package") or "")
    return f"{f.rule_id} at {where}" if where else f.rule_id


def gone_findings(result: PhaseResult, baseline: list[PhaseResult], fail_on: str) -> list[str]:
    """The findings of *result*'s phase in *baseline* at or above its failing severity (the phase's own
    ``fail_on``, else *fail_on*) that *result* no longer has, each by :func:`finding_name`; not one in a file
    *result*'s own scan did not finish, and none when part of the head's phase could not run (an error): a
    pip-audit without network reports nothing, and "1 of the base's gone: PYSEC-2024-60" named an advisory
    nobody had looked for."""
    threshold = result.fail_on or fail_on
    if threshold == "none" or result.status == "error" or result.errors:
        return []
    head = {f.fingerprint for f in result.findings}
    # nor where the head's own scan did not finish: what it has there is unknown (see unscanned_paths); nor
    # where the head's contract test sent an operation fewer requests than the base's did
    unscanned = unscanned_paths([result], result.phase,
                                next((b for b in baseline if b.phase == result.phase), None))
    return [finding_name(f) for b in baseline if b.phase == result.phase for f in b.findings
            if f.fingerprint not in head and severity_at_least(f.severity, threshold)
            and not in_files(f, unscanned)]


def regression_checks(results: list[PhaseResult], baseline: list[PhaseResult],
                      gate: GateSettings) -> tuple[list[Comparison], list[Check]]:
    """Comparisons of every metric against the baseline, and a check for each metric named in
    ``[gate] regression`` that was compared: failing when it regressed beyond its limit, passing when it
    did not ("no significant change", "improved"), an error when a side is not a number."""
    thresholds: Mapping[str, float] = gate.regression
    comparisons = compare_results(baseline, results, thresholds=thresholds, alpha=gate.alpha,
                                  min_effect_pct=gate.min_effect_pct, confidence=gate.confidence,
                                  min_effect_ms=gate.min_effect_ms,
                                  min_effect_cls=gate.min_effect_cls,
                                  min_effect_bytes=gate.min_effect_bytes)
    by_key = {(r.phase, m.key): m for r in results for m in r.metrics}
    checks = []
    for c in comparisons:
        if c.name in thresholds and not_a_number(c):
            broken = by_key.get((c.phase, c.key))
            checks.append(Check(c.phase, f"regression of {c.key}", "error",
                                f"{c.key} cannot be compared with the base: a value is not a number",
                                dataclasses.replace(broken, status="error") if broken is not None else None))
            continue
        if c.name not in thresholds:
            continue
        if c.verdict in ("no significant change", "improved"):
            # A gated metric that held its limit is a gate checked: a bundle-only run whose growth stayed
            # within 5 % ended "0 checked", as if nothing had been judged.
            held = by_key.get((c.phase, c.key))
            floor = "; below the minimum effect" if c.below_floor else ""  # not "within" a limit it passed
            limit = f"limit {thresholds[c.name]:g} %{floor}"
            checks.append(Check(c.phase, f"regression of {c.key}", "pass",
                                f"{c.key}: {c.verdict_text()} against the base ({limit})", held))
            continue
        if c.verdict != "regressed":
            continue
        regressed = by_key.get((c.phase, c.key))
        how = f"p = {c.p_value:.3g}" if c.p_value is not None else "no samples: relative change"
        if c.p_value is None and c.n_base >= 2 and c.n_head >= 2:
            # compare_metric's constant pair: "no samples" beside ten page loads a build read as a broken run
            how = (f"every one of {c.n_base} and {c.n_head} samples the same in each build: the change is "
                   "exact")
        if c.sequential and c.alpha is not None:  # a look of a sequential test: its share of [gate] alpha
            how = f"{how} <= {c.alpha:.3g}, the level of the sequential look it stopped at"
        if c.family_size > 1 and c.family_alpha is not None:  # its share among the phase's sampled metrics
            how = (f"{how}; <= {c.family_alpha:.3g} as one of {c.family_size} gated metrics tested together "
                   "(Holm-Tarone)")
        if c.has_interval:
            how = f"{c.interval_text()}, {how}"
        worse = f"got worse by {abs(c.effect_pct or 0):.1f} %"
        if not c.base:  # a percentage of zero means nothing: say what it became
            worse = f"got worse from 0 to {fmt_number(c.head, c.unit)}"
        beyond = f"[gate] min_effect_pct = {gate.min_effect_pct:g} %"
        if c.name == "cls" and c.base is not None and c.head is not None:
            # A score without a unit, 0 on most pages: "+859 %" beyond "min_effect_pct = 5 %" named neither
            # the shift nor the floor that decided (0.0022 -> 0.0211 against min_effect_cls = 0.01).
            shift = c.shift if c.shift is not None else c.head - c.base
            worse = f"got worse by {shift:.3g}, from {c.base:.3g} to {c.head:.3g}"
            beyond = f"[gate] min_effect_cls = {gate.min_effect_cls:g}"
        if c.p_value is not None:
            # With samples the limit is the size the gate is built to catch, not a floor (docs/verdicts.md):
            # "by 9.9 % (limit 10 %)" read as a failure below its own threshold.
            # "(the gate watches for 10 %)" beside a 6.8 % failure named a threshold it did not apply.
            detail = (f"{c.key} {worse} against the base, a significant change beyond {beyond} (the sampling "
                      f"is built to catch {thresholds[c.name]:g} %; {how})")
        else:
            floor = f", beyond {beyond}" if c.name == "cls" else ""
            detail = f"{c.key} {worse} against the base{floor} (limit {thresholds[c.name]:g} %, {how})"
        failed = dataclasses.replace(regressed, status="fail") if regressed is not None else None
        checks.append(Check(c.phase, f"regression of {c.key}", "fail", detail, failed))
    return comparisons, checks


def not_a_number(c: Comparison) -> bool:
    """Whether a side of *c* holds a value that is not a finite number (NaN, infinity)."""
    return any(v is not None and not math.isfinite(v) for v in (c.base, c.head))


# The [budgets] names whose metric has another name; every other [budgets.hard] key is a metric name.
BUDGET_METRICS = {"api_p95_ms": "p95_ms", "app_memory_mb": "app_rss_mb"}


def hard_limit(budgets: Budgets, name: str) -> float | None:
    """The ``[budgets.hard]`` limit of metric *name* (its own key, else the [budgets] name that stands
    for it), or None."""
    if name in budgets.hard:
        return budgets.hard[name]
    for budget_name, metric_name in BUDGET_METRICS.items():
        if metric_name == name and budget_name in budgets.hard:
            return budgets.hard[budget_name]
    return None


def ratchet_applies(gate: GateSettings, name: str) -> bool:
    """Whether the ratchet covers the budgets of metric *name*: ``[gate.ratchet_metrics]``, else
    ``[gate] ratchet``."""
    return bool(gate.ratchet_metrics.get(name, gate.ratchet))


def _median_ci(metric: Metric, confidence: float) -> tuple[float, float, float] | None:
    """The confidence interval of *metric*'s median (:func:`~echotune_ci.compare.median_interval`: low,
    high, coverage); None with fewer than 2 samples."""
    return median_interval(metric.samples, confidence) if len(metric.samples) >= 2 else None


def held_within_noise(base: Metric, budget: float, confidence: float) -> tuple[float, float, float] | None:
    """The confidence interval of *base*'s median (:func:`~echotune_ci.compare.median_interval`: low,
    high, coverage) when it reaches past *budget* on the worse side although the base's value holds it:
    its samples cannot tell the base within budget, so a head just over it need not have changed
    anything. None with fewer than 2 samples or an interval within budget."""
    interval = _median_ci(base, confidence)
    if interval is None:
        return None
    worst = interval[1] if base.better == "lower" else interval[0]
    return None if within_budget(worst, budget, base.better) else interval


def straddles(metric: Metric, budget: float, confidence: float) -> bool:
    """Whether the confidence interval of *metric*'s median (:func:`_median_ci`) has one end within
    *budget* and the other past it: its samples cannot tell on which side it is. False with fewer than
    2 samples."""
    interval = _median_ci(metric, confidence)
    return interval is not None and (within_budget(interval[0], budget, metric.better)
                                     != within_budget(interval[1], budget, metric.better))


def judge_breach(head: Metric, base: Metric, phase: str, comparison: Comparison | None,
                 hard: float | None, confidence: float = 0.95) -> Breach | None:
    """The ratchet's verdict on *head*'s budget when *base* (the same metric on the base) already broke
    it, or held it only within its noise (the *confidence* interval of its samples' median reaches past
    the budget: :func:`held_within_noise`); None when the base held it (or a value is missing).

    Fixed when the head holds a budget the base broke; else past the hard limit when there is one and
    the head breaks it; else worse when *comparison* (compare's verdict: the significance test with
    samples, the relative change against the minimum effect without) says regressed; else known. A
    base that held the budget within its noise and a head that holds it too: None; so is a head within
    budget where either side's samples cannot tell which side of it they are on (:func:`straddles`),
    unless *comparison* found the head significantly better: no "fixed" from noise.

    None also for a metric not ``compared`` on either side (the api phase's response times: each side's
    own contract run, apart from the other's): its base value is no baseline, so it neither excuses the
    head's breach as known, which then could never be found worse, nor makes a head within budget "fixed".
    """
    if head.budget is None or head.value is None or base.value is None:
        return None
    if not (head.compared and base.compared):
        return None
    if not (math.isfinite(head.value) and math.isfinite(base.value)):
        return None
    budget = fmt_budget(head)
    was = f"{fmt_number(base.value, head.unit)} vs {budget}"
    edge = None
    if within_budget(base.value, head.budget, head.better):
        edge = held_within_noise(base, head.budget, confidence)
        if edge is None or within_budget(head.value, head.budget, head.better):
            return None
        low, high, coverage = edge
        was = (f"{fmt_number(base.value, head.unit)}, whose median's {level_pct(coverage)} % confidence "
               f"interval {fmt_number(low, head.unit)} … {fmt_number(high, head.unit)} reaches past {budget}")
    what = f"{head.name}{f' [{head.scope}]' if head.labels else ''} = {fmt_metric(head)}"
    verdict = comparison.verdict_text() if comparison is not None else ""
    common: dict[str, Any] = dict(phase=phase, key=head.key, name=head.name, unit=head.unit,
                                  better=head.better, budget=head.budget, base=base.value, head=head.value,
                                  hard=hard, verdict=verdict, labels=dict(head.labels),
                                  base_interval=edge[:2] if edge else None)
    over = "at the budget's edge on the base" if edge else "already over budget on the base"
    if edge is None and within_budget(head.value, head.budget, head.better):
        if (comparison is None or comparison.verdict != "improved") and (
                straddles(base, head.budget, confidence) or straddles(head, head.budget, confidence)):
            # the same commit measured twice read "tbt_ms [/log] = 260 ms: fixed, the base was over
            # budget: 391 ms" beside "no significant change (CI −102 % … +133 %)": a median at the edge
            return None
        fixed = f"{what} (budget {budget}): fixed, the base was over budget: {was}"
        return Breach(state="fixed", detail=fixed, **common)
    if hard is not None and not within_budget(head.value, hard, head.better):
        limit = f"{'≤' if head.better == 'lower' else '≥'} {fmt_number(hard, head.unit)}"
        past = f"{what} is past the hard limit {limit} ({over}: {was})"
        return Breach(state="past hard limit", detail=past, **common)
    if comparison is not None and comparison.verdict == "regressed":
        which = "at the budget's edge" if edge else "already over budget"
        worse = f"{what} is significantly worse than the base, which was {which}: {was}; {verdict}"
        return Breach(state="worse", detail=worse, **common)
    return Breach(state="known", detail=f"{what}: {over}: {was}", **common)


def ratchet(results: list[PhaseResult], baseline: list[PhaseResult], checks: list[Check],
            comparisons: list[Comparison],
            cfg: Config) -> tuple[list[PhaseResult], list[Check], list[Breach]]:
    """Budgets the base already breaks become known breaches (:func:`judge_breach`).

    Returns copies of *results* (a known breach's metric warns, and its phase lists the warning),
    the checks with each ratcheted budget check replaced by the breach's status and detail, and the
    breaches (fixed ones too). Metrics the ratchet does not cover (``[gate] ratchet``,
    ``[gate.ratchet_metrics]``) keep their failing checks; a fixed breach is reported whatever the
    setting.
    """
    base_by = {(r.phase, m.key): m for r in baseline for m in r.metrics}
    compared = {(c.phase, c.key): c for c in comparisons}
    breaches: dict[tuple[str, str], Breach] = {}
    out_checks: list[Check] = []
    for check in checks:
        m = check.metric
        base = base_by.get((check.phase, m.key)) if m is not None else None
        breach = None
        if m is not None and base is not None and check.rule == m.key and check.status in ("pass", "fail"):
            breach = judge_breach(m, base, check.phase, compared.get((check.phase, m.key)),
                                  hard_limit(cfg.budgets, m.name), cfg.gate.confidence)
        if breach is not None and (breach.state == "fixed" or ratchet_applies(cfg.gate, m.name if m else "")):
            breaches[(check.phase, breach.key)] = breach
            check = dataclasses.replace(check, status=breach.status, detail=breach.detail)
        out_checks.append(check)
    out = []
    for r in results:
        known = {k: b for (phase, k), b in breaches.items() if phase == r.phase and b.state == "known"}
        if not known:
            out.append(r)
            continue
        metrics = [dataclasses.replace(m, status="warn") if m.key in known else m for m in r.metrics]
        warnings = [*r.warnings, *(b.detail for b in known.values())]
        out.append(dataclasses.replace(r, metrics=metrics, warnings=warnings))
    return out, out_checks, list(breaches.values())


def gated(result: PhaseResult, checks: list[Check]) -> PhaseResult:
    """A copy of *result* as the gate sees it: regressed metrics failed (error where a side of the comparison
    is not a number), status from its checks, and
    the warnings of its comparison with the base (:data:`BASE_CHECK`) among its own, since the reports
    show a result's warnings: a phase marked "warn" for them said nowhere why."""
    # The status of each regression check's metric: fail when it regressed, error when a side is no number;
    # one that held keeps the status its budget gave it.
    judged = {c.metric.key: as_status(c.status) for c in checks
              if c.phase == result.phase and c.rule.startswith("regression of ") and c.metric is not None
              and c.status in ("fail", "error")}
    metrics = [dataclasses.replace(m, status=judged[m.key]) if m.key in judged else m for m in result.metrics]
    status = worst_status(c.status for c in checks if c.phase == result.phase)
    said = [c.detail for c in checks
            if c.phase == result.phase and c.rule == BASE_CHECK and c.status == "warn"
            and c.detail not in result.warnings]
    return dataclasses.replace(result, metrics=metrics, status=status, warnings=[*result.warnings, *said])


# The rule of the warnings that a phase was not compared with the base as it seems to have been.
BASE_CHECK = "compared with the base"


def based_phases(baseline: list[PhaseResult]) -> set[str]:
    """The phases *baseline* has results of: a metric or a finding (a phase that could not run has none)."""
    return {r.phase for r in baseline if r.metrics or r.findings}


def unbased_checks(results: list[PhaseResult], baseline: list[PhaseResult]) -> list[Check]:
    """A warning per phase of *results* the *baseline* has no results of: nothing of it was compared
    with the base, and without one a `gate --baseline` whose base lacked the load phase passed with no
    sign that its regressions went unchecked. Not for a phase that could not run, nor one whose result
    already says why it has no comparison (``run --base-ref``: "no comparison with the base: ...")."""
    based = based_phases(baseline)
    return [Check(r.phase, BASE_CHECK, "warn",
                  f"the base has no {r.phase} results, so nothing of this phase was compared with the base")
            for r in results
            if r.phase not in based and r.status != "error" and (r.metrics or r.findings)
            and not any(w.startswith("no comparison with the base") for w in r.warnings)]


def misnamed_rule_checks(results: list[PhaseResult], baseline: list[PhaseResult], cfg: Config) -> list[Check]:
    """A warning for each name of a table keyed by metric (``[gate] regression``, ``[budgets.hard]``) that
    no metric of *results* or *baseline* has but that is one of theirs without its unit or in other
    letters or separators ("p95" for ``p95_ms``, "FCP_ms", "p95-ms", "p95ms"): README's regression table
    copied with ``p95 = 10`` replaced the default one, so the load's p95 went ungated and the run passed
    without a word. Names of phases that did not run are no mistake and are passed over."""
    present: dict[str, str] = {}
    for r in [*results, *baseline]:
        for m in r.metrics:
            present.setdefault(m.name, r.phase)
    tables = (("[gate] regression", list(cfg.gate.regression)), ("[budgets.hard]", list(cfg.budgets.hard)))
    checks = []
    for table, keys in tables:
        for key in keys:
            if key in present or (table == "[budgets.hard]" and BUDGET_METRICS.get(key) in present):
                continue
            # in other letters, with other separators or none ("P95-ms", "p95ms", "p95_ms "), or without
            # its unit ("p95"): each gated nothing, the last three without a word
            folded = re.sub(r"[\s_-]+", "_", key.strip().lower())
            meant = sorted(n for n in present if n.lower() == folded or n.lower().startswith(f"{folded}_")
                           or n.lower().replace("_", "") == folded.replace("_", ""))
            if meant:
                names = " or ".join(f"'{n}'" for n in meant[:3]) + (" …" if len(meant) > 3 else "")
                checks.append(Check(present[meant[0]], table, "warn",
                                    f"{cfg.source}: {table} names '{key}', which no metric here is called, "
                                    f"so it applied to nothing: did you mean {names}?"))
    return checks


def same_run_checks(results: list[PhaseResult], baseline: list[PhaseResult]) -> list[Check]:
    """A warning per phase whose baseline is the head's own result (:func:`~echotune_ci.compare.same_runs`):
    its regression checks pass without anything having been compared."""
    from .compare import same_runs

    return [Check(phase, BASE_CHECK, "warn",
                  "the base's results are the head's own (the same run): nothing of this phase was compared "
                  "with a base; does --baseline name the head's folder, or a copy of it?")
            for phase in same_runs(baseline, results)]


# A path segment that roots or versions an API rather than naming a resource: what a pull request that moves
# its routes under another prefix adds, drops or reorders (/v1/api/user/create -> /api/v1/user/create)
_ROOT_SEGMENT = re.compile(r"^(?:api|rest|v\d+(?:\.\d+)*)$", re.I)


def _split_operation(operation: str) -> tuple[str, list[str]]:
    """(method, path segments) of an operation label ("POST /api/v1/user/create")."""
    method, _, path = operation.partition(" ")
    return method, [s for s in path.split("/") if s]


def _moved_to(gone: str, new: str) -> int:
    """How many trailing segments *gone*'s path shares with *new*'s when *new* is the same operation under
    another root (a prefix or version added, dropped, changed or reordered: :data:`_ROOT_SEGMENT`, or the
    same segments in another order); 0 when it is not, or when what they share names no resource (only a
    parameter, only a root)."""
    (method, old), (method_new, path) = _split_operation(gone), _split_operation(new)
    if method != method_new:
        return 0
    shared = 0
    while shared < min(len(old), len(path)) and old[-1 - shared] == path[-1 - shared]:
        shared += 1
    names = [s for s in old[len(old) - shared:] if s[:1] not in "{:" and not _ROOT_SEGMENT.match(s)]
    roots = old[:len(old) - shared] + path[:len(path) - shared]
    if not names or not (all(_ROOT_SEGMENT.match(s) for s in roots) or sorted(old) == sorted(path)):
        return 0
    return shared


def moved_operations(gone: list[str], new: list[str]) -> dict[str, str]:
    """{an operation of the base the head lacks: the head's new operation it moved to}, for the pairs that
    are each other's only best match (:func:`_moved_to`). 31cfc89 of j10ra/fastify-drizzle-postgres moved
    every route from /v1/api/... to /api/v1/...: its base's findings there, the same code's, read as "4 new"
    (the gate failed) and "4 of the base's gone"."""
    def best(op: str, others: list[str], score: Any) -> str | None:
        scores = {o: score(op, o) for o in others}
        top = max(scores.values(), default=0)
        winners = [o for o, v in scores.items() if v == top]
        return winners[0] if top > 0 and len(winners) == 1 else None

    pairs = {}
    for op in gone:
        target = best(op, new, _moved_to)
        if target is not None and best(target, gone, lambda t, g: _moved_to(g, t)) == op:
            pairs[op] = target
    return pairs


def with_moved_operations(baseline: list[PhaseResult], results: list[PhaseResult]) -> list[PhaseResult]:
    """*baseline* with the contract findings of each operation the head moved (:func:`moved_operations`)
    placed at its new path, fingerprinted as the head's are: known there, not new, and not gone."""
    out = []
    for b in baseline:
        head = next((r for r in results if r.phase == b.phase), None)
        moves = _phase_moves(head, b) if head is not None else {}
        moved = [(f, op) for f in b.findings for op in moves if f.context.startswith(f"{op} ")]
        if not moved:
            out.append(b)
            continue
        placed = {id(f): _placed(f, op, moves[op]) for f, op in moved}
        findings = assign_fingerprints([placed.get(id(f), dataclasses.replace(f)) for f in b.findings])
        out.append(dataclasses.replace(b, findings=findings))
    return out


def _placed(finding: Finding, old: str, new: str) -> Finding:
    """*finding* of operation *old* as found at *new*."""
    path = new.partition(" ")[2]
    location = finding.location
    if location is not None and location.path == old.partition(" ")[2]:
        location = dataclasses.replace(location, path=path)
    properties = {**finding.properties, "operation": new} if finding.properties.get("operation") == old \
        else finding.properties
    return dataclasses.replace(finding, location=location, context=new + finding.context[len(old):],
                               message=finding.message.replace(old, new, 1), properties=properties)


def _phase_moves(result: PhaseResult, base: PhaseResult) -> dict[str, str]:
    """The operations of *base*'s contract test that *result*'s moved to another path."""
    head_ops, base_ops = _operations(result), _operations(base)
    gone = [op for op in base_ops if op not in head_ops and not _capped(op, result)]
    return moved_operations(gone, [op for op in head_ops if op not in base_ops and not _capped(op, base)])


def removed_operation_checks(results: list[PhaseResult], baseline: list[PhaseResult]) -> list[Check]:
    """A warning per phase whose base tested operations of its OpenAPI document or GraphQL schema that the
    head's does not have (each tested operation has a ``p95_ms`` labelled ``operation``, also one whose
    answers were all refused): a pull request that drops an endpoint breaks the clients that call it, and
    the comment of a `run --base-ref` whose head no longer served ``POST /api/v1/utils/test-email/`` said
    nothing of it (its base's findings there only counted as "known"). Operations the time cap kept one
    side from reaching are no difference; the head's new operations are named after the removed ones."""
    out = []
    for r in results:
        base = next((b for b in baseline if b.phase == r.phase), None)
        head_ops, base_ops = _operations(r), _operations(base) if base is not None else []
        if base is None or not head_ops or not base_ops:  # a side that tested nothing says why itself
            continue
        gone = [op for op in base_ops if op not in head_ops and not _capped(op, r)]
        if not gone:
            continue
        new = [op for op in head_ops if op not in base_ops and not _capped(op, base)]
        moves = moved_operations(gone, new)
        gone = [op for op in gone if op not in moves]
        new = [op for op in new if op not in moves.values()]
        said = [f"lacks {len(gone)} operation(s) the base's had: {_operation_list(gone)}"] if gone else []
        if moves:
            pairs = [f"{old} → {to.partition(' ')[2]}" for old, to in moves.items()]
            said.append(f"moved {len(moves)} operation(s) to another path: {_operation_list(pairs)}")
        why = "a client that calls them " + ("at the base's paths " if moves else "") + \
            "gets an error from the head" + ("; the findings of each moved one are compared at its new path"
                                             if moves else "")
        out.append(Check(r.phase, BASE_CHECK, "warn", f"the head's API {' and '.join(said)} ({why})"
                         + (f"; new in the head: {_operation_list(new)}" if new else "")))
    return out


def _operation_list(operations: list[str]) -> str:
    """The first five *operations*, then how many more."""
    return first_named(operations, 5)


def _operations(result: PhaseResult) -> list[str]:
    """The operations *result*'s contract test timed (``p95_ms`` per ``operation`` label), in order."""
    return list(dict.fromkeys(m.labels["operation"] for m in result.metrics
                              if m.name == "p95_ms" and m.labels.get("operation")))


def _capped(operation: str, result: PhaseResult) -> bool:
    """Whether *result*'s contract test did not reach *operation* before its time cap (its warning names
    the operations left: "api: the time cap (25s) stopped the contract test before GET /x, ...")."""
    return any(w.startswith("api: the time cap") and operation in w.split(" before ", 1)[-1].split(", ")
               for w in result.warnings)


def evaluate(results: list[PhaseResult], cfg: Config,
             baseline: list[PhaseResult] | None = None) -> GateOutcome:
    """Apply the budgets and, with a *baseline*, the relative rules and the ratchet; nothing given is
    modified.

    Returns the outcome whose ``results`` are copies of *results* with base
    values filled in and statuses as the gate decided them.
    """
    # findings of the operations the head moved to another path are compared there
    baseline = with_moved_operations(baseline, results) if baseline is not None else None
    current = with_baseline(results, baseline) if baseline is not None else list(results)
    known = {f.fingerprint for r in baseline for f in r.findings} if baseline is not None else set()
    # The phases the base has results of, as unbased_checks reads them: a base whose security phase could
    # not run (no metric, no finding) made every head finding "new since the base" beside the warning that
    # the base has no security results, so nothing of it was compared
    based = based_phases(baseline or [])
    # ... and whose phase ran whole: where part of the base's could not run (its pip-audit without
    # network), what the head finds there is not known to be new (gone_findings is the other side)
    based -= {b.phase for b in baseline or [] if b.status == "error" or b.errors}
    outcome = GateOutcome()
    checked: list[PhaseResult] = []
    for r in current:
        r, checks = budget_checks(r)
        outcome.checks.extend(checks)
        compared = r.phase in based
        unscanned = unscanned_paths(baseline or [], r.phase, r)
        check, known_count = finding_check(r, known, cfg.budgets.security_fail_on, compared, unscanned)
        outcome.known_findings += known_count
        if compared:
            outcome.compared_phases |= {r.phase}
            # a finding where the base's scan did not finish is not marked new in the reports either
            outcome.known |= {f.fingerprint for f in r.findings if f.fingerprint in known
                              or in_files(f, unscanned)}
            gone = gone_findings(r, baseline or [], cfg.budgets.security_fail_on)
            outcome.gone_findings += gone
            if gone:  # the terminal's gate lines said what a pull request adds, never what it fixes
                said = f"{len(gone)} of the base's gone: {first_named(gone)}"
                check = (dataclasses.replace(check, detail=f"{check.detail}; {said}") if check is not None
                         else Check(r.phase, "findings", "pass", f"no finding; {said}"))
        if check is not None:
            outcome.checks.append(check)
        checked.append(r)
    if baseline is not None:
        outcome.base_targets = tuple(b.target for b in baseline if b.target)
        outcome.comparisons, regressions = regression_checks(checked, baseline, cfg.gate)
        same = same_run_checks(results, baseline)
        # A phase whose base is its own run compared nothing: "p95_ms: no significant change against the
        # base" passed beside the warning that nothing was compared, and counted as a gate checked
        alone = {c.phase for c in same}
        outcome.checks.extend(c for c in regressions if not (c.status == "pass" and c.phase in alone))
        outcome.checks.extend(unbased_checks(checked, baseline))
        outcome.checks.extend(misnamed_rule_checks(checked, baseline, cfg))
        outcome.checks.extend(same)
        outcome.checks.extend(removed_operation_checks(checked, baseline))
        checked, outcome.checks, outcome.breaches = ratchet(checked, baseline, outcome.checks,
                                                            outcome.comparisons, cfg)
    outcome.results = [gated(r, outcome.checks) for r in checked]
    return outcome


def _describe_budget(m: Metric) -> str:
    scope = f" [{m.scope}]" if m.labels else ""
    return f"{m.name}{scope} = {fmt_metric(m)} (budget {fmt_budget(m)})"
