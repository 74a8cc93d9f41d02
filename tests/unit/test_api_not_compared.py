"""The api phase's response times are one contract run's figures: budgeted, never compared with a base.

The case behind it: `run --base-ref HEAD` of the example app (the same commit on both sides) failed
its gate with "p95_ms[operation=GET /api/me] got worse by 114.7 % against the base (p = 0.00153)".
The "samples" were the 20 requests of each side's contract run, taken one after another and minutes
apart from the other side's, so a test across them judged the moment, not the build. The times
below are the ones of that run.
"""

from __future__ import annotations

import json

from echotune_ci.compare import compare_metric, compare_results
from echotune_ci.config import defaults
from echotune_ci.gate import evaluate
from echotune_ci.phases.api.contract import ContractOutcome
from echotune_ci.phases.api.phase import timing_metrics
from echotune_ci.report.markdown import render_comment
from echotune_ci.results import Metric, PhaseResult
from echotune_ci.results.io import validate

HEAD_ME = [1.654, 1.671, 1.7, 1.702, 1.735, 1.84, 1.906, 1.96, 2.867, 3.342, 4.92, 5.083, 5.111, 5.802,
           5.966, 6.364, 6.946, 7.278, 9.002, 9.177]
BASE_ME = [1.466, 1.619, 1.632, 1.637, 1.642, 1.659, 1.659, 1.747, 1.872, 1.89, 1.894, 1.896, 1.905, 1.94,
           1.952, 1.959, 1.972, 2.169, 2.376, 2.455]


def api_result(times: list[float], budget: float = 200.0) -> PhaseResult:
    outcome = ContractOutcome(timings={"GET /api/me": list(times)})
    return PhaseResult("api", metrics=timing_metrics(outcome, budget)).finalize()


def test_the_same_times_as_repeated_measurements_would_be_a_regression():
    # Why the flag is needed: taken as samples, these two runs differ "significantly".
    head = Metric("p95_ms", 9.002, "ms", samples=HEAD_ME)
    base = Metric("p95_ms", 2.376, "ms", samples=BASE_ME)
    assert compare_metric("api", base, head, threshold_pct=10.0).verdict == "regressed"


def test_api_response_times_get_no_verdict_no_base_value_and_keep_their_budget():
    (metric,) = api_result(HEAD_ME).metrics
    assert metric.compared is False and metric.value == 9.002  # 19th of 20 (nearest rank)
    outcome = evaluate([api_result(HEAD_ME)], defaults(), [api_result(BASE_ME)])
    assert outcome.comparisons == []
    assert outcome.status == "pass", [c.detail for c in outcome.checks]
    (shown,) = outcome.results[0].metrics
    assert shown.baseline is None and shown.status == "pass"
    body = render_comment(outcome.results, outcome=outcome)
    assert "Against the base branch" not in body and "🔺" not in body
    # the budget still holds on the head alone
    failed = evaluate([api_result(HEAD_ME, budget=5.0)], defaults(), [api_result(BASE_ME, budget=5.0)])
    assert failed.status == "fail"
    assert any(c.status == "fail" and c.metric is not None and c.metric.name == "p95_ms"
               for c in failed.checks)


def test_a_base_written_before_the_flag_is_not_compared_either():
    old_base = PhaseResult("api", metrics=[Metric("p95_ms", 2.376, "ms", budget=200.0, samples=BASE_ME,
                                                  labels={"operation": "GET /api/me"}).evaluate()]).finalize()
    assert compare_results([old_base], [api_result(HEAD_ME)], thresholds={"p95_ms": 10.0}) == []
    assert compare_results([api_result(BASE_ME)], [old_base], thresholds={"p95_ms": 10.0}) == []


def test_the_flag_survives_the_result_file():
    data = json.loads(json.dumps(api_result(HEAD_ME).to_dict()))
    validate(data, "api.json")
    assert data["metrics"][0]["compared"] is False
    assert PhaseResult.from_dict(data).metrics[0].compared is False
    # other metrics say nothing and stay compared
    plain = Metric("p95_ms", 1.0, "ms")
    assert "compared" not in plain.to_dict() and Metric.from_dict(plain.to_dict()).compared is True


def contract_result(operations: list[str], warnings: list[str] | None = None) -> PhaseResult:
    outcome = ContractOutcome(timings={op: [5.0, 6.0] for op in operations})
    return PhaseResult("api", metrics=timing_metrics(outcome, 200.0), warnings=warnings or []).finalize()


# The operations of full-stack-fastapi-template's contract runs under `run --base-ref HEAD`, the working
# tree dropping POST /api/v1/utils/test-email/ and adding GET /api/v1/utils/version/ (22 operations each)
SHARED = ["POST /api/v1/login/access-token", "GET /api/v1/users/me", "GET /api/v1/utils/health-check/"]


def test_an_operation_the_head_no_longer_serves_is_a_warning_naming_it():
    """The comment of that run listed the new operation's findings and said nothing of the one it dropped:
    a breaking change of the API that clients calling it meet as errors."""
    base = contract_result([*SHARED[:2], "POST /api/v1/utils/test-email/", SHARED[2]])
    head = contract_result([*SHARED, "GET /api/v1/utils/version/"])
    outcome = evaluate([head], defaults(), [base])
    (warned,) = [c for c in outcome.checks if c.rule == "compared with the base"]
    assert (warned.phase, warned.status) == ("api", "warn")
    assert warned.detail == ("the head's API lacks 1 operation(s) the base's had: POST "
                             "/api/v1/utils/test-email/ (a client that calls them gets an error from the "
                             "head); new in the head: GET /api/v1/utils/version/")
    (shown,) = outcome.results
    assert warned.detail in shown.warnings
    comment = render_comment(outcome.results, outcome=outcome)
    assert "- ⚠️ **api**: the head's API lacks 1 operation\\(s\\)" in comment
    # Only added operations, the same ones, or one the head's time cap did not reach: nothing to say
    for head_result in (contract_result([*SHARED, "POST /api/v1/utils/test-email/", "GET /x"]),
                        contract_result(SHARED + ["POST /api/v1/utils/test-email/"]),
                        contract_result(SHARED, ["api: the time cap (25s) stopped the contract test before "
                                                 "GET /y, POST /api/v1/utils/test-email/"])):
        assert not [c for c in evaluate([head_result], defaults(), [base]).checks
                    if c.rule == "compared with the base"]
