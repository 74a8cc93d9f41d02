"""The gate command's exit codes and relative rules, as a user runs it."""

from __future__ import annotations

from conftest import run_cli
from echotune_ci.results import PhaseResult
from support.samples import frontend_result, load_result, noisy, security_result


def write_all(folder, results):
    for r in results:
        r.write(folder / f"{r.phase}.json")
    return folder


def test_all_budgets_hold_exit_0(tmp_path, cli_env):
    d = write_all(tmp_path / "r", [frontend_result(), load_result(noisy(100, 5, 3, 1)), security_result(0)])
    proc = run_cli("gate", str(d), env=cli_env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "gate: warn" in proc.stdout  # low and medium findings warn, they do not fail


def test_broken_budget_exit_1_and_names_it(tmp_path, cli_env):
    d = write_all(tmp_path / "r", [frontend_result(a11y=80), load_result(noisy(100, 5, 3, 1))])
    out = tmp_path / "gh-output"
    proc = run_cli("gate", str(d), env=dict(cli_env, GITHUB_OUTPUT=str(out)))
    assert proc.returncode == 1
    assert "FAIL  frontend: accessibility_score" in proc.stdout and "= 80 (budget ≥ 95)" in proc.stdout
    assert out.read_text() == "status=fail\n"


def test_high_finding_fails_unless_known_in_baseline(tmp_path, cli_env):
    head = write_all(tmp_path / "head", [security_result(1)])
    base = write_all(tmp_path / "base", [security_result(1)])
    assert run_cli("gate", str(head), env=cli_env).returncode == 1
    proc = run_cli("gate", str(head), "--baseline", str(base), env=cli_env)
    assert proc.returncode == 0, proc.stdout
    assert "3 known from the base" in proc.stdout
    # A second copy of the known high finding is new.
    head2 = write_all(tmp_path / "head2", [security_result(2)])
    proc = run_cli("gate", str(head2), "--baseline", str(base), env=cli_env)
    assert proc.returncode == 1


def test_p95_regression_against_baseline_fails(tmp_path, cli_env):
    head = write_all(tmp_path / "head", [load_result(noisy(126, 8, 4, 1))])
    base = write_all(tmp_path / "base", [load_result(noisy(110, 8, 4, 2))])
    same = write_all(tmp_path / "same", [load_result(noisy(110, 8, 4, 3))])
    proc = run_cli("gate", str(head), "--baseline", str(base), env=cli_env)
    assert proc.returncode == 1
    assert "p95_ms got worse by" in proc.stdout
    # With samples the regression limit is the size the sampling is built to catch, not a floor: a newcomer
    # read "by 9.9 % (limit 10 %)" as a failure below its own threshold; the floor is min_effect_pct.
    assert ("against the base, a significant change beyond [gate] min_effect_pct = 5 % (the sampling is "
            "built to catch 10 %; ") in proc.stdout
    assert "(limit 10 %" not in proc.stdout
    assert run_cli("gate", str(same), "--baseline", str(base), env=cli_env).returncode == 0


def test_phase_that_could_not_run_exits_3(tmp_path, cli_env):
    broken = PhaseResult("load", status="error", errors=["http://127.0.0.1:9/ refused the connection"])
    d = write_all(tmp_path / "r", [broken, frontend_result()])
    proc = run_cli("gate", str(d), env=cli_env)
    assert proc.returncode == 3
    assert "refused the connection" in proc.stdout


def test_missing_results_folder_is_exit_2(tmp_path, cli_env):
    proc = run_cli("gate", str(tmp_path / "nowhere"), env=cli_env)
    assert proc.returncode == 2
    assert "nowhere: no such file or folder" in proc.stderr


def test_phase_decides_whether_its_findings_fail(tmp_path, cli_env):
    from echotune_ci.results import Finding, Location, assign_fingerprints

    axe = Finding("image-alt", "critical", "Images must have alternate text", "axe-core", Location("/"),
                  context="img")
    informs = PhaseResult("frontend", findings=assign_fingerprints([axe])).finalize(fail_on=None)
    assert informs.fail_on == "none"
    d = write_all(tmp_path / "r", [informs])
    proc = run_cli("gate", str(d), env=cli_env)
    assert proc.returncode == 0 and "inform and do not fail" in proc.stdout
    strict = PhaseResult("frontend", findings=assign_fingerprints([axe])).finalize(fail_on="high")
    write_all(tmp_path / "r", [strict])
    assert run_cli("gate", str(d), env=cli_env).returncode == 1


def _node_scan(findings: list[tuple[str, str, int]], notes: list[str]) -> PhaseResult:
    from echotune_ci.results import Finding, Location, assign_fingerprints

    found = [Finding(rule, "high", f"{rule} in the code", "njsscan", Location(path, line),
                     context=f"{rule}:{line}") for rule, path, line in findings]
    r = PhaseResult(phase="security", tool_versions={"njsscan": "0.4.3"}, duration_s=40.0,
                    findings=assign_fingerprints(found), notes=notes)
    return r.finalize(fail_on="high")


def test_a_finding_in_a_file_the_bases_scan_did_not_finish_is_not_new(tmp_path, cli_env):
    # imputnet/cobalt, a pull request to web/ only under run --base-ref: semgrep timed out on rules in the
    # untouched api/src/core/api.js in both builds (under load, "node: not scanned: ... Timeout"), and the
    # head's regex_dos findings there, which the base's scan did not reach, were "2 new finding(s)".
    timeout = ("node: not scanned: api/src/core/api.js: Timeout (rule express_xss): Timeout when running "
               "express_xss on api/src/core/api.js:")
    secret = ("node_secret", "api/src/misc/crypto.js", 7)
    base = write_all(tmp_path / "base", [_node_scan([secret], [timeout])])
    head = write_all(tmp_path / "head", [_node_scan([("node_secret", "api/src/misc/crypto.js", 7),
                                                     ("regex_dos", "api/src/core/api.js", 122),
                                                     ("regex_dos", "api/src/core/api.js", 125)], [timeout])])
    proc = run_cli("gate", str(head), "--baseline", str(base), env=cli_env)
    assert proc.returncode == 0, proc.stdout
    assert "security: no new finding, 1 known from the base" in proc.stdout
    assert ", 2 in api/src/core/api.js, which the base's scan did not finish (not called new)" in proc.stdout
    # a file the base did scan: the same finding there is new
    elsewhere = write_all(tmp_path / "elsewhere", [_node_scan([("node_secret", "api/src/misc/crypto.js", 7),
                                                              ("regex_dos", "api/src/core/env.js", 122)],
                                                             [timeout])])
    proc = run_cli("gate", str(elsewhere), "--baseline", str(base), env=cli_env)
    assert proc.returncode == 1, proc.stdout
    assert "1 new finding(s) at or above 'high' (regex_dos at api/src/core/env.js:122)" in proc.stdout
    # the other way round: a base finding where the head's scan did not finish is not "gone"
    proc = run_cli("gate", str(base), "--baseline", str(head), env=cli_env)
    assert proc.returncode == 0, proc.stdout
    assert "gone" not in proc.stdout and "regex_dos" not in proc.stdout, proc.stdout
