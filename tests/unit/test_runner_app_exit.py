"""`run` when the app exits during a phase that measures it (runner.app_exited): the figures measured
while it was down are left out, except a finding whose subject is the exit itself (the api phase's
request the app stopped serving on)."""

from __future__ import annotations

from types import SimpleNamespace

from echotune_ci.results.model import Finding, Location, Metric, PhaseResult
from echotune_ci.runner import app_exited


class _Exited:
    pid = 4242

    def exit_code(self) -> int:
        return 1

    def exit_message(self, code: int, when: str) -> str:
        return f"the app (pid {self.pid}) exited with code {code} {when}"


def _result() -> PhaseResult:
    crash = Finding(rule_id="api/app-crash", severity="high", message="Mutation.cancelTrip: no answer",
                    source_tool="schemathesis", location=Location(path="/"),
                    properties={"operation": "Mutation.cancelTrip", "app_exit": True})
    other = Finding(rule_id="api/server-error", severity="high", message="Query.me: a 500",
                    source_tool="schemathesis", location=Location(path="/"))
    metric = Metric(name="p95_ms", value=12.0, unit="ms", better="lower")
    return PhaseResult(phase="api", target="http://127.0.0.1:4000", metrics=[metric], findings=[crash, other])


def test_the_finding_of_the_exit_is_kept_and_the_rest_left_out():
    phase = SimpleNamespace(name="api", needs_app=True)
    result = app_exited(_result(), phase, _Exited())  # type: ignore[arg-type]
    assert [f.rule_id for f in result.findings] == ["api/app-crash"]
    assert result.metrics == [] and result.status == "error"
    assert result.errors[0] == "the app (pid 4242) exited with code 1 during the api phase"
    assert "1 metric(s) and 1 finding(s) measured while the app was down are left out" in result.notes


def test_a_phase_that_does_not_measure_the_app_is_left_alone():
    phase = SimpleNamespace(name="bundle", needs_app=False)
    result = app_exited(_result(), phase, _Exited())  # type: ignore[arg-type]
    assert len(result.findings) == 2 and result.errors == []
