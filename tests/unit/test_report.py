"""Rendering: golden files, the 65,536-character limit, untrusted text, annotations."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import run_cli
from echotune_ci.config import defaults
from echotune_ci.gate import evaluate
from echotune_ci.report.annotations import annotations
from echotune_ci.report.html import render_html
from echotune_ci.report.markdown import COMMENT_MARKER, render_comment, render_summary
from echotune_ci.results import Finding, Location, Metric, PhaseResult, assign_fingerprints
from support.samples import frontend_result, load_result, noisy, security_result

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def sample_sets():
    head = [frontend_result(), load_result(noisy(120, 8, 5, 1)), security_result(1)]
    base = [frontend_result(seed=3), load_result(noisy(100, 8, 5, 2)), security_result(0)]
    return head, base


def check_golden(name: str, text: str) -> None:
    """Compare with tests/golden/<name>; ECHOTUNE_UPDATE_GOLDEN=1 rewrites it (then review the diff)."""
    path = GOLDEN / name
    if os.environ.get("ECHOTUNE_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()


def test_comment_with_baseline_matches_golden():
    head, base = sample_sets()
    outcome = evaluate(head, defaults(), base)
    body = render_comment(outcome.results, outcome=outcome)
    assert body.startswith(COMMENT_MARKER)
    check_golden("comment_with_baseline.md", body)


def test_summary_matches_golden_and_has_no_marker():
    head, _ = sample_sets()
    outcome = evaluate(head, defaults())
    body = render_summary(outcome.results, outcome=outcome)
    assert COMMENT_MARKER not in body
    check_golden("summary.md", body)


def many_findings(n: int) -> PhaseResult:
    findings = [
        Finding(f"R{i % 50}", "medium", "x" * 250 + f" finding number {i}", "bandit",
                Location(f"pkg/mod{i}.py", i), context=f"line {i}")
        for i in range(n)
    ]
    return PhaseResult("security", findings=assign_fingerprints(findings)).finalize(fail_on="high")


def test_comment_never_exceeds_github_limit_and_says_so():
    results = [many_findings(5000)]
    body = render_comment(results, outcome=evaluate(results, defaults()), details_url="https://ci.example/run/1")
    assert len(body) <= 65_536
    assert body.startswith(COMMENT_MARKER)
    # Detail was reduced before anything was cut.
    assert "finding number 4999" not in body
    # Even the minimal level lists every phase that could not run; cut that at a line.
    failing = [PhaseResult(f"shard-{i}", status="error", errors=[f"worker {i} lost: " + "x" * 80])
               for i in range(400)]
    small = render_comment(failing, outcome=evaluate(failing, defaults()), max_chars=3000,
                           details_url="https://ci.example/run/1")
    assert len(small) <= 3000
    assert "cut to fit" in small and "https://ci.example/run/1" in small
    assert small.count("<details>") == small.count("</details>")


def test_untrusted_text_cannot_mention_or_inject():
    evil = Finding("X1", "high", "ping @octocat and see #12 <img src=x onerror=alert(1)> | col", "tool",
                   Location("a.py", 1), context="evil")
    r = PhaseResult("security", findings=assign_fingerprints([evil])).finalize(fail_on="high")
    body = render_comment([r], outcome=evaluate([r], defaults()))
    assert "@octocat" not in body and "@\u200boctocat" in body
    assert "#12" not in body
    assert "<img" not in body
    assert "\\| col" in body


def test_annotations_are_capped_escaped_and_most_severe_first():
    findings = [Finding("B1", "high", f"bad, thing: {i}%\nsecond line", "bandit", Location("a,b.py", i + 1),
                        context=str(i)) for i in range(15)]
    findings += [Finding("B2", "low", "minor", "bandit", Location("c.py", i + 1), context=f"m{i}")
                 for i in range(15)]
    r = PhaseResult("security", findings=assign_fingerprints(findings)).finalize(fail_on="high")
    lines = annotations([r], evaluate([r], defaults()))
    errors = [x for x in lines if x.startswith("::error")]
    warnings = [x for x in lines if x.startswith("::warning")]
    assert len(errors) == 10 and len(warnings) == 10
    assert lines[-1].startswith("::notice") and "11 more" in lines[-1]
    assert "file=a%2Cb.py" in errors[1]
    assert "%25%0Asecond line" in errors[1]


def test_a_page_finding_is_annotated_without_a_file():
    page = Finding("image-alt", "critical", "Images must have alternative text", "axe-core", Location("/"),
                   properties={"url": "/"})
    r = PhaseResult("frontend", findings=assign_fingerprints([page])).finalize()
    assert annotations([r]) == ["::error title=axe-core image-alt::Images must have alternative text"]


def test_report_command_formats(tmp_path, cli_env):
    head, base = sample_sets()
    for r in head:
        r.write(tmp_path / "head" / f"{r.phase}.json")
    for r in base:
        r.write(tmp_path / "base" / f"{r.phase}.json")
    md = run_cli("report", str(tmp_path / "head"), "--format", "markdown",
                 "--baseline", str(tmp_path / "base"), env=cli_env)
    assert md.returncode == 0, md.stderr
    assert md.stdout.startswith(COMMENT_MARKER) and "regressed" in md.stdout
    summary_file = tmp_path / "step-summary.md"
    summary_file.write_text("earlier step\n")
    env = dict(cli_env, GITHUB_STEP_SUMMARY=str(summary_file))
    summ = run_cli("report", str(tmp_path / "head"), "--format", "summary", env=env)
    assert summ.returncode == 0 and summ.stdout == ""
    assert summary_file.read_text().startswith("earlier step\n## ")
    js = run_cli("report", str(tmp_path / "head"), "--format", "json", "-o", str(tmp_path / "r.json"),
                 env=cli_env)
    assert js.returncode == 0
    import json

    doc = json.loads((tmp_path / "r.json").read_text())
    assert doc["status"] == "fail" and len(doc["results"]) == 3


@pytest.mark.parametrize("content, message",
                         [("nope", "not JSON"), ('{"phase": 1}', "not an EchoTune result file")])
def test_report_on_bad_file_is_one_line_exit_2(tmp_path, cli_env, content, message):
    (tmp_path / "x.json").write_text(content)
    proc = run_cli("report", str(tmp_path), env=cli_env)
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_html_report_escapes_text_and_links_screenshots():
    from echotune_ci.report.html import render_html

    evil = Finding("X1", "high", "<script>alert(1)</script>", "tool", Location("a.py", 1), context="evil")
    r = PhaseResult("frontend", findings=assign_fingerprints([evil]),
                    artifacts=["artifacts/frontend/home-desktop.png", "artifacts/frontend/trace.json"])
    page = render_html([r.finalize(fail_on="high")], evaluate([r], defaults()))
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert '<img src="../artifacts/frontend/home-desktop.png"' in page
    assert 'href="../artifacts/frontend/trace.json"' in page


def test_findings_about_the_running_app_say_which_endpoint():
    probe = Finding("auth.jwt-alg-none-accepted", "critical", "GET /api/me with alg=none answered HTTP 200",
                    "auth-probe", None, context="/api/me alg-none", properties={"endpoint": "GET /api/me"})
    r = PhaseResult("security", findings=assign_fingerprints([probe])).finalize(fail_on="high")
    body = render_comment([r], outcome=evaluate([r], defaults()))
    assert "| `GET /api/me` |" in body


def test_the_findings_a_pull_request_brings_are_marked_and_listed_first():
    """A base with six known highs and a head that adds one low finding: the low one is the pull
    request's, so it comes first and says so; where every finding is the base's or every one is new,
    the table says that once instead of on each row; with nothing compared it says nothing of it."""
    def security(*findings: Finding) -> PhaseResult:
        return PhaseResult("security", findings=assign_fingerprints(list(findings))).finalize(fail_on="high")

    known = [Finding(f"PYSEC-2024-{i}", "high", f"flask {i} is vulnerable", "pip-audit",
                     Location("requirements.txt", i + 1)) for i in range(6)]
    added = Finding("B105", "low", "Possible hardcoded password: 'x'", "bandit", Location("app/x.py", 3))
    head, base = [security(*known, added)], [security(*known)]
    outcome = evaluate(head, defaults(), base)
    body = render_comment(outcome.results, outcome=outcome)
    assert "security: 7 finding(s), 1 new since the base</summary>" in body
    table = body.split("| Severity | Rule | Where | Message |")[1].split("</details>")[0]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    assert rows[0].startswith("| low · **new** | B105 |")
    assert len(rows) == 7 and not any("new" in row for row in rows[1:])
    page = render_html(outcome.results, outcome)
    assert page.count("<strong>new</strong>") == 1
    assert "low <strong>new</strong></td><td>B105</td>" in page

    outcome = evaluate(base, defaults(), base + [])
    assert "security: 6 finding(s), all known from the base</summary>" in render_comment(
        outcome.results, outcome=outcome)
    # A base that ran clean (the security phase counts its findings by severity, none here); one with no
    # result at all compared nothing and calls nothing new (the gate warns "the base has no security results")
    clean = PhaseResult("security", metrics=[Metric("findings.high", 0, "findings")]).finalize(fail_on="high")
    outcome = evaluate(head, defaults(), [clean])
    body = render_comment(outcome.results, outcome=outcome)
    assert "security: 7 finding(s), new since the base</summary>" in body and "**new**" not in body
    outcome = evaluate(head, defaults(), [security()])
    assert "new" not in render_comment(outcome.results, outcome=outcome).split("### Findings")[1]
    outcome = evaluate(head, defaults())
    body = render_comment(outcome.results, outcome=outcome)
    assert "security: 7 finding(s)</summary>" in body and "new" not in body.split("### Findings")[1]


def test_a_rules_new_findings_are_a_row_apart_from_its_known_ones():
    """The planted head of j10ra/fastify-drizzle-postgres added a 500 at POST /api/v1/user/create beside the
    base's two at /auth/logout and /auth/refresh-token: one row "high · new | api/server-error | 3 pages:
    /api/v1/auth/logout, ..." quoted the known logout one's message, the new place last."""
    from test_api_not_compared import ROUTES, moved_result

    base_problems = [("POST /auth/logout", "not_a_server_error", 500),
                     ("POST /auth/refresh-token", "not_a_server_error", 500)]
    head_problems = [*base_problems, ("POST /user/create", "not_a_server_error", 500)]
    base = moved_result("/api/v1", ROUTES, base_problems)
    head = moved_result("/api/v1", ROUTES, head_problems)
    outcome = evaluate([head], defaults(), [base])
    body = render_comment(outcome.results, outcome=outcome)
    table = body.split("| Severity | Rule | Where | Message |")[1].split("</details>")[0]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 2, rows
    assert rows[0].startswith("| high · **new** | [api/server-error]")
    assert "| `/api/v1/user/create` | POST /api/v1/user/create \\(answered 500\\)" in rows[0]
    assert rows[1].startswith("| high | [api/server-error]")
    assert "| 2 pages: `/api/v1/auth/logout`, `/api/v1/auth/refresh-token` |" in rows[1]
