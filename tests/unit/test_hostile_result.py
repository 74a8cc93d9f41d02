"""One hostile result file through every output format: nothing live comes out.

The result (support/inert.py) puts newlines, headings, list markers, mentions, issue references,
HTML, markdown links and images, `javascript:`/`data:` URLs, backtick runs, table pipes,
workflow commands (`::add-mask::`, `##[error]`), terminal escape sequences and bidi overrides
into every free-text field. Each format is produced the way users get it (the CLI for
`report` and `gate`, the renderers `comment`, `checks` and `run` use for the rest).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_cli
from echotune_ci.config import defaults
from echotune_ci.gate import evaluate
from echotune_ci.results import Metric, PhaseResult, load_results
from support.inert import (MARK, assert_clean_json, assert_inert_html, assert_inert_markdown,
                           assert_inert_terminal, hostile_result, write_hostile)

SARIF_SCHEMA = Path(__file__).resolve().parents[1] / "support" / "sarif-schema-2.1.0.json"
# The one link a hostile result may yield: its help_url, kept because it is https, percent-encoded so
# that its ")" cannot close the link early.
HELP_LINK = "https://example.com/a%29PWN%5Bx%5D%28javascript:alert%281%29%29"


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile") / "results"
    write_hostile(folder)
    return folder


def report(results_dir: Path, cli_env: dict[str, str], fmt: str, *extra: str):
    proc = run_cli("report", str(results_dir), "--format", fmt, *extra, env=cli_env)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return proc


def test_the_hostile_file_is_a_valid_result_whose_text_is_intact(results_dir):
    [r] = load_results([results_dir])
    assert r.findings[0].message.startswith("::add-mask::")  # the data itself is kept as it was


@pytest.mark.parametrize("fmt", ["markdown", "summary"])
def test_comment_and_job_summary(results_dir, cli_env, fmt):
    env = {k: v for k, v in cli_env.items() if k != "GITHUB_STEP_SUMMARY"}
    text = report(results_dir, env, fmt, "--details-url", "https://ci.example/runs/1").stdout
    assert_inert_markdown(text, allowed_links=(HELP_LINK, "https://ci.example/runs/1"))
    assert_inert_terminal(text)  # printed to a CI log too
    assert f'href="{HELP_LINK}"'.replace("&", "&amp;") in _gfm(text)
    assert "##[error]" not in text.replace("\\#\\#\\[", "")


def test_html_index(results_dir, cli_env, tmp_path):
    out = tmp_path / "index.html"
    report(results_dir, cli_env, "html", "-o", str(out))
    page = out.read_text()
    assert_inert_html(page)
    # Refused artifact links are shown as text, never as a link.
    assert 'href="javascript' not in page and 'href="data' not in page and 'src="data' not in page
    assert "Artifacts: javascript:alert(1), data:text/html,&lt;script&gt;" in page
    assert 'href="../artifacts/ok.png"' in page and 'href="../../%60%60PWN%60%60.png"' in page
    assert "&lt;script&gt;" in page and "<script>" not in page
    printed = report(results_dir, cli_env, "html").stdout  # without -o: into the CI log
    assert_inert_terminal(printed)


def test_annotations(results_dir, cli_env):
    text = report(results_dir, cli_env, "annotations").stdout
    lines = text.splitlines()
    # One command per failed gate check and per finding; hostile newlines added none.
    [r] = load_results([results_dir])
    outcome = evaluate([r], defaults())
    failing = [c for c in outcome.checks if c.status in ("fail", "error")]
    assert len(lines) == len(failing) + len(r.findings)
    assert_inert_terminal(text, commands=len(lines))


def test_sarif(results_dir, cli_env):
    import jsonschema

    doc = json.loads(report(results_dir, cli_env, "sarif").stdout)
    jsonschema.validate(doc, json.loads(SARIF_SCHEMA.read_text()))
    assert_clean_json(doc)
    rules = doc["runs"][0]["tool"]["driver"]["rules"]
    assert [r.get("helpUri") for r in rules] == [HELP_LINK, None, None]


def test_gate_and_report_terminal_output(results_dir, cli_env):
    gate = run_cli("gate", str(results_dir), env=cli_env)
    assert gate.returncode == 1, gate.stderr
    assert_inert_terminal(gate.stdout)
    assert_inert_terminal(gate.stderr)
    assert "add-mask" in gate.stdout  # shown, as text
    text = run_cli("report", str(results_dir), "--format", "json", env=cli_env)
    assert text.returncode == 0
    assert_inert_terminal(text.stdout)


def test_check_run_text(results_dir):
    from echotune_ci.github.checks import phase_checks

    results = load_results([results_dir])
    outcome = evaluate(results, defaults())
    [check] = phase_checks(outcome.results, outcome, details_url="https://ci.example/runs/1",
                           workspace=results_dir)
    assert_inert_terminal(check.title)
    assert_inert_terminal(check.description)
    assert_inert_markdown(check.summary, allowed_links=("https://ci.example/runs/1",))
    assert_clean_json(check.annotations)
    assert {a["path"] for a in check.annotations} >= {f"src/``{MARK}``.py ::warning::{MARK} | x"}


def test_frontend_page(tmp_path):
    from echotune_ci.phases.frontend.settings import FrontendSettings
    from echotune_ci.report.frontend_pages import _audited_pages, write_frontend_pages

    r = hostile_result("frontend")
    spec = _audited_pages(r.target, FrontendSettings())[0]
    r.metrics.append(Metric("lcp_ms", 900.0, f"ms <img src=x> @{MARK}", budget=2000.0,
                            labels={"url": spec.label, "interaction": f"click @{MARK} <b>"}))
    for f in r.findings:
        f.location.path = spec.label
    (tmp_path / f"{spec.name}.png").write_bytes(b"\x89PNG")
    page = write_frontend_pages(r, FrontendSettings(), tmp_path)
    text = page.read_text()
    assert_inert_markdown(text, allowed_links=(HELP_LINK,), headings=("h1", "h2"),
                          images=(f"{spec.name}.png",))
    assert "`lcp_ms`" in text and "Screenshot of http:\u200b//127.0.0.1:8000/ @\u200bPWNuser &lt;img" in text


def test_run_report_files(results_dir, tmp_path):
    from echotune_ci.reporting import write_report_files

    results = load_results([results_dir])
    written = write_report_files(evaluate(results, defaults()), defaults(), tmp_path)
    by_name = {p.name: p.read_text() for p in written}
    assert_inert_markdown(by_name["comment.md"], allowed_links=(HELP_LINK,))
    assert_inert_markdown(by_name["summary.md"], allowed_links=(HELP_LINK,))
    assert_inert_html(by_name["index.html"])


def test_a_benign_result_still_links_and_formats():
    r = PhaseResult("load", metrics=[Metric("p95_ms", 120.0, "ms", budget=200.0)]).finalize()
    from echotune_ci.report.markdown import render_comment

    body = render_comment([r], outcome=evaluate([r], defaults()), details_url="https://ci.example/r/1")
    assert "| ✅ | load | `p95_ms` |  | 120 ms | ≤ 200 ms |" in body
    assert "[full report](https://ci.example/r/1)" in body


def _gfm(text: str) -> str:
    from support.inert import gfm_html

    return gfm_html(text)


def test_an_untrusted_runs_results_keep_numbers_and_fixed_words_only(results_dir):
    from echotune_ci.github.context import load_context
    from echotune_ci.report.markdown import render_comment
    from echotune_ci.report.untrusted import restrict_untrusted

    [original] = load_results([results_dir])
    [r] = restrict_untrusted([original])
    assert original.findings[0].message.startswith("::add-mask::")  # the original is not modified
    assert [m.value for m in r.metrics] == [250.0, 10.0] and [m.unit for m in r.metrics] == ["", ""]
    assert [f.rule_id for f in r.findings] == ["rule", "B602", "B603"]
    assert {f.message for f in r.findings} == {"message withheld (untrusted run)"}
    assert [f.help_url for f in r.findings] == [None, None, None]
    assert r.tool_versions == {} and r.target == "" and r.artifacts == []
    assert r.notes == ["2 note(s) withheld (untrusted run)"]
    outcome = evaluate([r], defaults())
    assert outcome.status == evaluate([original], defaults()).status
    body = render_comment(outcome.results, outcome=outcome, untrusted=True)
    assert "@" not in body and "<img" not in body and "add-mask" not in body
    assert_inert_markdown(body)
    # The Actions context decides: a fork's workflow_run, or an event that does not say, is untrusted.
    env = {"GITHUB_EVENT_NAME": "workflow_run", "GITHUB_REPOSITORY": "octo/app"}
    assert load_context(env).untrusted_results
    assert load_context({**env, "GITHUB_EVENT_NAME": "pull_request"}).untrusted_results is False
    assert load_context({"ECHOTUNE_UNTRUSTED_RESULTS": "true"}).untrusted_results



def test_a_pull_request_events_fork_head_is_untrusted(tmp_path):
    import json

    from echotune_ci.github.context import load_context

    def context(head_repo: str | None):
        head = {"sha": "1" * 40, **({"repo": {"full_name": head_repo}} if head_repo else {})}
        (tmp_path / "event.json").write_text(json.dumps({"pull_request": {"number": 7, "head": head}}))
        return load_context({"GITHUB_EVENT_NAME": "pull_request_target", "GITHUB_REPOSITORY": "octo/app",
                             "GITHUB_EVENT_PATH": str(tmp_path / "event.json")})

    assert context("mallory/app").untrusted_results
    assert not context("octo/app").untrusted_results
    assert not context(None).untrusted_results  # a read-only token: nothing to publish with


def test_an_untrusted_check_is_never_a_success(results_dir):
    from echotune_ci.github.checks import phase_checks

    r = PhaseResult("load", metrics=[Metric("p95_ms", 120.0, "ms", budget=200.0)]).finalize()
    outcome = evaluate([r], defaults())
    [trusted] = phase_checks(outcome.results, outcome, workspace=results_dir)
    [untrusted] = phase_checks(outcome.results, outcome, workspace=results_dir, untrusted=True)
    assert (trusted.conclusion, trusted.state) == ("success", "success")
    assert (untrusted.conclusion, untrusted.state) == ("neutral", None)
    assert untrusted.title == "load: all gates pass (untrusted run)"
    assert "untrusted run" in untrusted.summary and "required check" in untrusted.summary


def test_a_pull_request_number_below_one_is_no_number(tmp_path):
    # A crafted event file's "number": -3 was used as the PR to comment on (GitHub numbers from 1).
    import json

    from echotune_ci.github.context import load_context

    event = tmp_path / "event.json"
    for number, expected in ((-3, None), (0, None), ("0", None), (True, None), ("12", 12), (12, 12)):
        event.write_text(json.dumps({"pull_request": {"number": number}}))
        env = {"GITHUB_EVENT_PATH": str(event), "GITHUB_EVENT_NAME": "pull_request"}
        assert load_context(env).pr_number == expected, number
