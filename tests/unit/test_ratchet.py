"""The ratchet (issue 15): with a baseline, a budget the base already breaks is a known breach.

It warns ("already over budget on the base: 86 vs ≥ 95"), fails only when the head is significantly worse
than the base or past an explicit hard limit ([budgets.hard]), and a head that fixes it shows as an
improvement. Without a baseline, or with the ratchet off, every breach fails as before.
"""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from conftest import run_cli
from echotune_ci.config import defaults
from echotune_ci.config.model import load_config
from echotune_ci.config.schema import override
from echotune_ci.gate import evaluate, hard_limit
from echotune_ci.results.model import Metric, PhaseResult
from echotune_ci.report.markdown import render_comment
from support.samples import frontend_result, load_result, noisy, security_result

URL = "http://127.0.0.1:8000/"


def a11y(outcome):
    return next(c for c in outcome.checks if c.rule.startswith("accessibility_score"))


def config(tmp_path, text: str = ""):
    path = tmp_path / "echotune.toml"
    path.write_text(text)
    return load_config(path)


def test_a_known_breach_warns_and_does_not_fail():
    outcome = evaluate([frontend_result(a11y=87)], defaults(), [frontend_result(a11y=86)])
    check = a11y(outcome)
    assert check.status == "warn"
    assert check.detail == (f"accessibility_score [{URL}] = 87: already over budget on the base: 86 vs ≥ 95")
    assert outcome.status == "warn" and outcome.exit_code() == 0
    [breach] = outcome.breaches
    assert (breach.state, breach.base, breach.head, breach.budget) == ("known", 86, 87, 95)
    # The gated copy warns where the reviewer looks: the metric's status and the phase's warnings.
    gated = outcome.results[0]
    assert gated.metric("accessibility_score").status == "warn"
    assert gated.warnings == [check.detail]
    # ... and without a baseline the same head fails, as before.
    assert a11y(evaluate([frontend_result(a11y=87)], defaults())).status == "fail"


def test_a_head_slightly_worse_than_a_known_breach_still_only_warns():
    # 86 -> 85 is -1.2 %: below [gate] min_effect_pct (5 %), so not significantly worse.
    outcome = evaluate([frontend_result(a11y=85)], defaults(), [frontend_result(a11y=86)])
    assert a11y(outcome).status == "warn" and outcome.breaches[0].state == "known"


def test_a_head_significantly_worse_than_a_known_breach_fails():
    # 86 -> 80 is -7 %: beyond the 5 % minimum effect of a single value.
    outcome = evaluate([frontend_result(a11y=80)], defaults(), [frontend_result(a11y=86)])
    check = a11y(outcome)
    assert check.status == "fail" and outcome.exit_code() == 1
    assert check.detail.startswith(f"accessibility_score [{URL}] = 80 is significantly worse than the base, "
                                   "which was already over budget: 86 vs ≥ 95; −7 %")
    assert outcome.breaches[0].state == "worse"
    assert outcome.results[0].metric("accessibility_score").status == "fail"


def test_sampled_metrics_use_compares_test():
    # p95 budget 200 ms; the base is at ~250 ms with 8 rounds.
    base = [load_result(noisy(250, 8, 5, 1))]
    same = evaluate([load_result(noisy(252, 8, 5, 2))], defaults(), base)
    p95 = next(c for c in same.checks if c.rule == "p95_ms")
    assert p95.status == "warn" and "already over budget on the base: 25" in p95.detail
    worse = evaluate([load_result(noisy(300, 8, 5, 3))], defaults(), base)
    p95 = next(c for c in worse.checks if c.rule == "p95_ms")
    assert p95.status == "fail" and "significantly worse than the base" in p95.detail
    assert "95 % CI +" in p95.detail and ", regressed" in p95.detail
    assert worse.breaches[0].state == "worse"


def test_a_hard_limit_fails_a_known_breach_that_is_not_significantly_worse(tmp_path):
    cfg = config(tmp_path, "[budgets.hard]\naccessibility_score = 86\n")
    outcome = evaluate([frontend_result(a11y=85)], cfg, [frontend_result(a11y=86)])
    check = a11y(outcome)
    assert check.status == "fail"
    assert check.detail == (f"accessibility_score [{URL}] = 85 is past the hard limit ≥ 86 "
                            "(already over budget on the base: 86 vs ≥ 95)")
    assert outcome.breaches[0].state == "past hard limit" and outcome.breaches[0].hard == 86
    assert a11y(evaluate([frontend_result(a11y=86)], cfg, [frontend_result(a11y=86)])).status == "warn"


def test_budget_names_stand_for_their_metrics_in_hard_limits(tmp_path):
    cfg = config(tmp_path, "[budgets.hard]\napi_p95_ms = 300\napp_rss_mb = 900\n")
    assert hard_limit(cfg.budgets, "p95_ms") == 300 and hard_limit(cfg.budgets, "app_rss_mb") == 900
    assert hard_limit(cfg.budgets, "fcp_ms") is None
    outcome = evaluate([load_result(noisy(310, 8, 5, 2))], cfg, [load_result(noisy(305, 8, 5, 1))])
    p95 = next(c for c in outcome.checks if c.rule == "p95_ms")
    assert p95.status == "fail" and "past the hard limit ≤ 300 ms" in p95.detail


def test_a_fixed_breach_shows_as_an_improvement():
    outcome = evaluate([frontend_result(a11y=97)], defaults(), [frontend_result(a11y=86)])
    check = a11y(outcome)
    assert check.status == "pass" and outcome.status == "pass"
    assert check.detail == (f"accessibility_score [{URL}] = 97 (budget ≥ 95): fixed, the base was over "
                            "budget: 86 vs ≥ 95")
    [breach] = outcome.breaches
    assert breach.state == "fixed" and breach.status == "pass"
    comment = render_comment(outcome.results, outcome=outcome)
    assert "### Budgets the base already broke\n\n| |" in comment  # the table apart from its heading
    assert "🔽 fixed" in comment and "86 on the base" in comment


def test_the_ratchet_can_be_turned_off_and_on_per_metric(tmp_path):
    head, base = [frontend_result(a11y=87)], [frontend_result(a11y=86)]
    off = config(tmp_path, "[gate]\nratchet = false\n")
    assert a11y(evaluate(head, off, base)).status == "fail"
    assert evaluate(head, off, base).breaches == []
    one_off = config(tmp_path, "[gate.ratchet_metrics]\naccessibility_score = false\n")
    assert a11y(evaluate(head, one_off, base)).status == "fail"
    only_on = config(tmp_path, "[gate]\nratchet = false\n\n"
                               "[gate.ratchet_metrics]\naccessibility_score = true\n")
    assert a11y(evaluate(head, only_on, base)).status == "warn"
    # A fix is reported whatever the setting: it is news, not a judgement.
    assert evaluate([frontend_result(a11y=97)], off, base).breaches[0].state == "fixed"


def api_result(times: dict[str, float]) -> PhaseResult:
    """An api phase's result: one p95 per operation, a figure of its own contract run (not compared)."""
    return PhaseResult(phase="api", metrics=[
        Metric("p95_ms", value, "ms", budget=200.0, labels={"operation": op}, compared=False).evaluate()
        for op, value in times.items()]).finalize()


def test_a_figure_of_its_own_run_gets_no_ratchet():
    """The api phase's times are one contract run each: a base over budget neither excuses the head's
    breach as known nor makes a head within budget "fixed" (a run that changed nothing read
    "fixed, the base was over budget: 418 ms" on one operation and "known" on another)."""
    base = [api_result({"POST /login": 276.0, "POST /forgot": 418.0, "POST /verify": 150.0})]
    head = [api_result({"POST /login": 2900.0, "POST /forgot": 166.0, "POST /verify": 257.0})]
    outcome = evaluate(head, defaults(), base)
    status = {c.metric.labels["operation"]: (c.status, c.detail) for c in outcome.checks
              if c.metric is not None and c.metric.name == "p95_ms"}
    assert outcome.breaches == []
    assert status["POST /login"][0] == "fail" and "base" not in status["POST /login"][1]
    assert status["POST /forgot"][0] == "pass" and "fixed" not in status["POST /forgot"][1]
    assert status["POST /verify"][0] == "fail"
    assert outcome.exit_code() == 1
    assert "Budgets the base already broke" not in render_comment(outcome.results, outcome=outcome)


def test_a_budget_the_base_held_fails_as_before():
    outcome = evaluate([frontend_result(a11y=87)], defaults(), [frontend_result(a11y=96)])
    assert a11y(outcome).status == "fail" and outcome.breaches == []


def test_the_ratchet_modifies_nothing_it_is_given():
    head, base = [frontend_result(a11y=87)], [frontend_result(a11y=86)]
    before = [r.to_dict() for r in head], [r.to_dict() for r in base]
    outcome = evaluate(head, defaults(), base)
    assert ([r.to_dict() for r in head], [r.to_dict() for r in base]) == before
    assert head[0].warnings == [] and outcome.results[0].warnings


@pytest.mark.parametrize(("text", "message"), [
    ("[budgets.hard]\naccessibility_score = -1\n", "budgets.hard.accessibility_score"),
    ('[budgets.hard]\naccessibility_score = "80"\n', "budgets.hard.accessibility_score"),
    ('[gate]\nratchet = "yes"\n', "gate.ratchet"),
    ("[gate.ratchet_metrics]\naccessibility_score = 1\n", "gate.ratchet_metrics.accessibility_score"),
    ("[gate]\nconfidence = 1.5\n", "gate.confidence"),
    ("[gate]\nmax_runs = 1\n", "gate.max_runs"),
])
def test_bad_settings_are_configuration_errors(tmp_path, text, message):
    from echotune_ci.errors import ConfigError

    with pytest.raises(ConfigError, match=re.escape(message)):
        config(tmp_path, text)


def test_a_bad_hard_limit_is_exit_2_with_one_line(tmp_path, cli_env):
    (tmp_path / "echotune.toml").write_text("[budgets.hard]\naccessibility_score = -1\n")
    write(tmp_path / "r", [frontend_result()])
    proc = run_cli("gate", str(tmp_path / "r"), "--config", str(tmp_path / "echotune.toml"), env=cli_env)
    assert proc.returncode == 2 and "budgets.hard.accessibility_score" in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def write(folder, results):
    for r in results:
        r.write(folder / f"{r.phase}.json")
    return folder


def test_gate_with_baseline_end_to_end(tmp_path, cli_env):
    base = write(tmp_path / "base", [frontend_result(a11y=86), security_result(1)])
    known = write(tmp_path / "known", [frontend_result(a11y=87), security_result(1)])
    worse = write(tmp_path / "worse", [frontend_result(a11y=80), security_result(1)])
    fixed = write(tmp_path / "fixed", [frontend_result(a11y=97), security_result(1)])

    proc = run_cli("gate", str(known), "--baseline", str(base), env=cli_env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "already over budget on the base: 86 vs ≥ 95" in proc.stdout
    assert "3 known from the base" in proc.stdout  # findings already in the base stay known
    # none new: said as such (it read "0 new finding(s) below 'high'", a count of the findings below high)
    assert "security: no new finding, 3 known from the base" in proc.stdout
    assert "gate: warn" in proc.stdout
    assert run_cli("gate", str(known), env=cli_env).returncode == 1  # no baseline: a breach is a breach

    proc = run_cli("gate", str(worse), "--baseline", str(base), env=cli_env)
    assert proc.returncode == 1 and "significantly worse than the base" in proc.stdout

    proc = run_cli("gate", str(fixed), "--baseline", str(base), env=cli_env)
    assert proc.returncode == 0 and "fixed, the base was over budget: 86 vs ≥ 95" in proc.stdout

    (tmp_path / "echotune.toml").write_text("[budgets.hard]\naccessibility_score = 87\n")
    slightly = write(tmp_path / "slightly", [frontend_result(a11y=85), security_result(1)])
    proc = run_cli("gate", str(slightly), "--baseline", str(base),
                   "--config", str(tmp_path / "echotune.toml"), env=cli_env)
    assert proc.returncode == 1 and "past the hard limit ≥ 87" in proc.stdout

    report = run_cli("report", str(known), "--baseline", str(base), "--format", "json", env=cli_env)
    assert report.returncode == 0, report.stderr
    [breach] = json.loads(report.stdout)["gate"]["breaches"]
    assert (breach["state"], breach["status"], breach["base"], breach["head"]) == ("known", "warn", 86, 87)


def test_the_comment_warns_about_a_known_breach():
    outcome = evaluate([frontend_result(a11y=87)], override_gate(), [frontend_result(a11y=86)])
    comment = render_comment(outcome.results, outcome=outcome)
    assert "already over budget on the base: 86 vs ≥ 95" in comment
    assert "⚠️ known" in comment
    # Its row sits under a heading that says what it is: a warning, not a failure.
    assert "\n### Metrics with a warning\n\n| | Phase | Metric |" in comment
    assert "Metrics that failed" not in comment


def test_the_comment_heads_failed_and_warned_rows_together():
    worse = [frontend_result(a11y=87), load_result(noisy(400.0, 7, 5.0, 1))]
    base = [frontend_result(a11y=86), load_result(noisy(100.0, 7, 5.0, 2))]
    outcome = evaluate(worse, override_gate(), base)
    comment = render_comment(outcome.results, outcome=outcome)
    assert "\n### Metrics that failed or warn\n\n| | Phase | Metric |" in comment


def test_a_metric_that_could_not_be_measured_is_not_headed_as_a_warning():
    from echotune_ci.results import Metric, PhaseResult

    broken = PhaseResult(phase="load", metrics=[Metric("p95_ms", None, "ms", budget=200.0, status="error")])
    outcome = evaluate([broken], defaults())
    comment = render_comment(outcome.results, outcome=outcome)
    assert "\n### Metrics that failed\n\n| | Phase | Metric |" in comment
    assert "Metrics with a warning" not in comment


def override_gate():
    cfg = defaults()
    return cfg.with_section("gate", override(cfg.gate, ratchet=True))


def test_findings_are_called_new_only_against_a_base_result_of_their_phase():
    """A base that did not build left the head's security phase with nothing to compare: its 8 findings
    read "8 new finding(s)" (helper trial on a Django + Vite starter, 2026-12-03)."""
    from echotune_ci.config import defaults
    from echotune_ci.gate import evaluate
    from echotune_ci.results import Finding, PhaseResult

    def security(*rules: str) -> PhaseResult:
        return PhaseResult("security", findings=[Finding(r, "high", f"{r} found", "bandit", context=r,
                                                         fingerprint=f"{r}:1")
                                                 for r in rules]).finalize(fail_on="high")

    def detail(outcome) -> str:
        (check,) = [c for c in outcome.checks if c.phase == "security" and c.rule == "findings"]
        return f"{check.status}: {check.detail}"

    head = security("B602", "B105")
    assert detail(evaluate([head], defaults())) == "fail: 2 finding(s) at or above 'high'"
    # a baseline without a security result (the base's build failed before it was scanned)
    other = PhaseResult("bundle").finalize()
    assert detail(evaluate([head], defaults(), [other])) == "fail: 2 finding(s) at or above 'high'"
    assert detail(evaluate([head], defaults(), [security("B105")])) == \
        "fail: 1 new finding(s) at or above 'high' (B602), 1 known from the base"


def test_the_new_findings_that_fail_the_gate_are_named_beside_the_known_ones():
    """microblog's chapter 23 added httpie 3.2.2 to requirements.txt: "1 new finding(s) at or above 'high',
    16 known from the base", and the comment's table listed it among six highs, new and known alike."""
    from echotune_ci.results import Finding, Location

    def advisory(package: str, rule: str, line: int) -> Finding:
        return Finding(rule, "high", f"{package}: {rule}", "osv", location=Location("requirements.txt", line),
                       context=package, fingerprint=f"{rule}:{package}")

    known = [advisory("idna", "PYSEC-2024-60", 27),
             Finding("http.cookies-session-without-secure-flag", "high", "Session cookie without Secure",
                     "http", location=Location("http://127.0.0.1:39101/"), fingerprint="cookie")]
    base = PhaseResult("security", findings=known).finalize(fail_on="high")
    added = [advisory("httpie", "PYSEC-2023-242", 26)]
    head = PhaseResult("security", findings=[*added, *known]).finalize(fail_on="high")
    outcome = evaluate([head], defaults(), [base])
    (check,) = [c for c in outcome.checks if c.rule == "findings"]
    assert check.detail == ("1 new finding(s) at or above 'high' (PYSEC-2023-242 at requirements.txt:26), "
                            "2 known from the base")
    assert "\\(PYSEC-2023-242 at requirements.txt:26\\)" in render_comment([head], outcome=outcome)
    # A new finding on a page is named by the page, the app's origin taken out in the comment; past three,
    # how many more.
    more = [advisory(f"pkg{n}", f"PYSEC-2025-{n}", n) for n in range(1, 4)]
    page = Finding("http.csp-not-implemented", "high", "no CSP", "http",
                   location=Location("http://127.0.0.1:39101/login"), fingerprint="csp")
    head = PhaseResult("security", findings=[page, *more, *known]).finalize(fail_on="high")
    outcome = evaluate([head], defaults(), [base])
    (check,) = [c for c in outcome.checks if c.rule == "findings"]
    assert check.detail.startswith("4 new finding(s) at or above 'high' (http.csp-not-implemented at "
                                   "http://127.0.0.1:39101/login, PYSEC-2025-1 at requirements.txt:1, "
                                   "PYSEC-2025-2 at requirements.txt:2 and 1 more), 2 known")
    head = dataclasses.replace(head, target="http://127.0.0.1:39101")
    assert "\\(http.csp-not-implemented at /login, PYSEC-2025-1" in render_comment([head], outcome=outcome)
    # Without anything known, every finding the table lists is new: no list. (A base that ran clean: the
    # security phase writes its counts by severity; one with no result at all calls nothing new, 61475bd.)
    clean = PhaseResult("security", metrics=[Metric("findings.high", 0, "findings")]).finalize()
    outcome = evaluate([PhaseResult("security", findings=added).finalize(fail_on="high")], defaults(),
                       [clean])
    (check,) = [c for c in outcome.checks if c.rule == "findings"]
    assert check.detail == "1 new finding(s) at or above 'high'"


# Round p95s of a base whose median, 198 ms, holds the 200 ms budget while its samples do not tell it
# within: the sign test's 95 % interval of a median of 10 values is [X(2), X(9)] = [190, 203] ms.
EDGE_BASE = [185.0, 190.0, 192.0, 195.0, 196.0, 198.0, 199.0, 201.0, 203.0, 204.0]
# The same build measured again: 202 ms, over the budget, +2 % (below [gate] min_effect_pct).
EDGE_HEAD = [195.0, 198.0, 199.0, 200.0, 201.0, 202.0, 203.0, 204.0, 205.0, 207.0]


def p95_check(outcome):
    return next(c for c in outcome.checks if c.rule == "p95_ms")


def test_a_budget_the_base_held_only_within_its_noise_warns_when_the_head_is_not_worse():
    """A head that changes nothing, measured over a 200 ms budget its base held by a hair (198 ms), failed
    although the two were indistinguishable: the base's own samples reach past the budget."""
    base = [load_result(EDGE_BASE)]
    outcome = evaluate([load_result(EDGE_HEAD)], defaults(), base)
    check = p95_check(outcome)
    assert check.status == "warn" and outcome.exit_code() == 0, check.detail
    assert check.detail == ("p95_ms = 202 ms: at the budget's edge on the base: 198 ms, whose median's "
                            "97.9 % confidence interval 190 ms … 203 ms reaches past ≤ 200 ms")
    [breach] = outcome.breaches
    assert (breach.state, breach.base_interval) == ("known", (190.0, 203.0))
    assert (breach.base, breach.head) == (198, 202)
    assert breach.to_dict()["base_interval"] == [190.0, 203.0]
    comment = render_comment(outcome.results, outcome=outcome)
    assert "### Budgets the base already broke, or held only within its noise\n\n| |" in comment
    assert "| ⚠️ at the edge | `p95_ms` |" in comment and "198 ms on the base (CI 190 ms … 203 ms)" in comment
    # Without a baseline the head fails its budget, as before; with the ratchet off too.
    assert p95_check(evaluate([load_result(EDGE_HEAD)], defaults())).status == "fail"


def test_at_the_budgets_edge_a_significantly_worse_head_fails_and_one_within_budget_is_no_breach():
    base = [load_result(EDGE_BASE)]
    worse = evaluate([load_result([v * 1.2 for v in EDGE_HEAD])], defaults(), base)
    check = p95_check(worse)
    assert check.status == "fail" and worse.breaches[0].state == "worse"
    assert "significantly worse than the base, which was at the budget's edge: 198 ms" in check.detail
    # A head within budget fixed nothing the base broke: no breach, no "fixed" row.
    within = evaluate([load_result([v - 10 for v in EDGE_HEAD])], defaults(), base)
    assert p95_check(within).status == "pass" and within.breaches == []


def test_a_base_whose_samples_hold_the_budget_gives_no_excuse():
    # 150-170 ms rounds: the interval of the median [152, 168] stays within 200 ms, so a head at 202 ms
    # broke the budget itself.
    base = [load_result([150.0, 152.0, 155.0, 158.0, 160.0, 161.0, 163.0, 165.0, 168.0, 170.0])]
    outcome = evaluate([load_result(EDGE_HEAD)], defaults(), base)
    assert p95_check(outcome).status == "fail" and outcome.breaches == []
    # One value per side (a plain run's base): compared as single values, as before.
    single = evaluate([load_result([202.0])], defaults(), [load_result([198.0])])
    assert p95_check(single).status == "fail" and single.breaches == []


@pytest.mark.parametrize(("n", "ranks", "coverage"), [
    # The sign test's interval of the median at 95 %: [X(k), X(n + 1 - k)] and its coverage, as the tables
    # print them (Hollander, Wolfe & Chicken 2014, section 3.6; Conover, Practical Nonparametric
    # Statistics, 3rd ed., table A3): below 6 values only the range, which covers less.
    (5, (1, 5), 0.9375), (6, (1, 6), 0.96875), (9, (2, 8), 0.9609), (10, (2, 9), 0.9785),
    (12, (3, 10), 0.9614), (17, (5, 13), 0.9510), (20, (6, 15), 0.9586)])
def test_the_interval_of_the_median_is_the_sign_tests(n, ranks, coverage):
    from echotune_ci.compare import median_interval

    values = [float(10 * i) for i in range(n, 0, -1)]  # given unsorted
    low, high, covers = median_interval(values)
    assert (low, high) == (10.0 * ranks[0], 10.0 * ranks[1])
    assert covers == pytest.approx(coverage, abs=5e-5)
    # What it covers, counted from its definition: the sign arrangements (each of 2^n equally likely
    # under the median) with at least k values on either side of it.
    k = ranks[0]
    inside = sum(1 for signs in range(2 ** n) if k <= bin(signs).count("1") <= n - k)
    assert covers == pytest.approx(inside / 2 ** n)
    assert median_interval([1.0]) is None and median_interval([3.0, float("nan")]) is None


# A Nuxt page's total blocking time, the same commit measured twice side by side (its five samples each):
# the base's median 391 ms broke the 300 ms budget, the head's 260 ms held it, and the check said "fixed,
# the base was over budget: 391 ms" beside compare's "no significant change (99.2 % CI −102 % … +133 %)".
NUXT_TBT_BASE = [303.0, 334.0, 391.0, 457.0, 512.0]
NUXT_TBT_HEAD = [114.4, 173.0, 260.0, 286.0, 822.0]


def test_a_head_within_budget_only_within_its_noise_fixed_nothing():
    """The head's median interval (5 samples: the range, 114 … 822 ms) has one end on each side of
    300 ms: its samples cannot tell it within budget, so nothing was fixed; it passes its budget by its
    value as any metric does, without a "fixed" row."""
    outcome = evaluate([load_result(NUXT_TBT_HEAD, budget=300)], defaults(),
                       [load_result(NUXT_TBT_BASE, budget=300)])
    check = p95_check(outcome)
    assert check.status == "pass" and outcome.breaches == [], check.detail
    assert check.detail == "p95_ms = 260 ms (budget ≤ 300 ms)"
    assert "🔽 fixed" not in render_comment(outcome.results, outcome=outcome)
    # The mirror on the base's side: its median 202 ms over 200 ms, its interval [198, 205] ms reaching
    # back within; the head 198 ms, −2 %: no breach either.
    mirror = evaluate([load_result(EDGE_BASE)], defaults(), [load_result(EDGE_HEAD)])
    assert p95_check(mirror).status == "pass" and mirror.breaches == []
    # A base over budget in every sample (220-240 ms) and a head significantly better: fixed, as before,
    # although the head's own interval [190, 203] ms reaches past 200 ms.
    over = [220.0, 222.0, 224.0, 226.0, 228.0, 230.0, 232.0, 234.0, 236.0, 240.0]
    fixed = evaluate([load_result(EDGE_BASE)], defaults(), [load_result(over)])
    assert [b.state for b in fixed.breaches] == ["fixed"]
    assert "fixed, the base was over budget: 230 ms" in p95_check(fixed).detail
