"""The api phase's response times are one contract run's figures: budgeted, never compared with a base.

The case behind it: `run --base-ref HEAD` of the example app (the same commit on both sides) failed
its gate with "p95_ms[operation=GET /api/me] got worse by 114.7 % against the base (p = 0.00153)".
The "samples" were the 20 requests of each side's contract run, taken one after another and minutes
apart from the other side's, so a test across them judged the moment, not the build. The times
below are the ones of that run.
"""

from __future__ import annotations

import json

import pytest

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
    # beside metrics that have a base, its Δ cell says why it has none
    other = PhaseResult("load", metrics=[Metric("p95_ms", 7.0, "ms", baseline=6.0)]).finalize()
    body = render_comment([*outcome.results, other], outcome=outcome)
    assert "| `GET /api/me` | 9.0 ms | ≤ 200 ms |  | not compared |" in body, body
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


def moved_result(prefix: str, operations: list[str], problems: list[tuple[str, str, int]]) -> PhaseResult:
    """A contract result as the phase writes it, its operations under *prefix*: (operation, check, status)
    per problem."""
    from echotune_ci.phases.api.contract import Problem
    from echotune_ci.phases.api.phase import contract_findings
    from echotune_ci.results.fingerprint import assign_fingerprints

    def op(name: str) -> str:
        method, path = name.split(" ")
        return f"{method} {prefix}{path}"

    outcome = ContractOutcome(timings={op(o): [5.0, 6.0] for o in operations})
    outcome.problems = {(op(o), check): Problem(op(o), op(o).split(" ")[1], check, "said", "curl ...", status)
                        for o, check, status in problems}
    findings = assign_fingerprints(contract_findings(outcome))
    return PhaseResult("api", metrics=timing_metrics(outcome, 200.0), findings=findings).finalize()


# j10ra/fastify-drizzle-postgres, 368cc9d -> 31cfc89: routes registered under `api/${version}${prefix}` where
# they were under `/${version}/api/user`..., the business module dropped; the 4 findings of the base's run,
# the same handlers' answers, came back at the new paths
ROUTES = ["POST /user/create", "GET /user/all", "POST /auth/login-local", "POST /auth/refresh-token",
          "GET /auth/verify-token", "POST /auth/logout"]
PROBLEMS = [("POST /auth/refresh-token", "not_a_server_error", 500),
            ("POST /auth/refresh-token", "status_code_conformance", 400),
            ("POST /auth/logout", "status_code_conformance", 400),
            ("POST /user/create", "status_code_conformance", 400)]


def test_operations_moved_under_another_root_keep_their_findings_known():
    base = moved_result("/v1/api", [*ROUTES, "GET /business/{businessId}"], PROBLEMS)
    head = moved_result("/api/v1", ROUTES, PROBLEMS)
    outcome = evaluate([head], defaults(), [base])
    # the run had said "4 new finding(s) at or above 'medium'; 4 of the base's gone" and failed its gate
    assert [outcome.is_new("api", f) for f in outcome.results[0].findings] == [False] * 4
    assert not outcome.gone_findings and not outcome.failed
    (warned,) = [c for c in outcome.checks if c.rule == "compared with the base"]
    assert warned.detail == (
        "the head's API lacks 1 operation(s) the base's had: GET /v1/api/business/{businessId} and moved 6 "
        "operation(s) to another path: POST /v1/api/user/create → /api/v1/user/create, GET /v1/api/user/all "
        "→ /api/v1/user/all, POST /v1/api/auth/login-local → /api/v1/auth/login-local, POST "
        "/v1/api/auth/refresh-token → /api/v1/auth/refresh-token, GET /v1/api/auth/verify-token → "
        "/api/v1/auth/verify-token and 1 more (a client that calls them at the base's paths gets an error "
        "from the head; the findings of each moved one are compared at its new path)")


def test_a_new_finding_at_a_moved_operation_is_still_new():
    base = moved_result("/v1/api", ROUTES, PROBLEMS[1:])
    head = moved_result("/api/v1", ROUTES, PROBLEMS)
    outcome = evaluate([head], defaults(), [base])
    assert [(f.context, outcome.is_new("api", f)) for f in outcome.results[0].findings
            if outcome.is_new("api", f)] == [("POST /api/v1/auth/refresh-token not_a_server_error", True)]


@pytest.mark.parametrize(("gone", "new", "moved"), [
    # another resource under the same last segment, or only a parameter shared: no move
    (["GET /users/all"], ["GET /posts/all"], {}),
    (["GET /users/{id}"], ["GET /posts/{id}"], {}),
    (["GET /api/users"], ["POST /api/v2/users"], {}),  # another method
    # a root added, a version bumped
    (["GET /users"], ["GET /api/users"], {"GET /users": "GET /api/users"}),
    (["GET /v1/users/{id}"], ["GET /v2/users/{id}"], {"GET /v1/users/{id}": "GET /v2/users/{id}"}),
    # two equally good targets: none is taken
    (["GET /users"], ["GET /api/users", "GET /v2/users"], {}),
])
def test_which_operations_count_as_moved(gone, new, moved):
    from echotune_ci.gate import moved_operations

    assert moved_operations(gone, new) == moved
