"""An app that does not start stops every phase that measures it, each with the same reason (the app's
last words, the database it could not reach, the variable to set: several hundred characters). The
terminal printed it once per phase block and once per gate line, nine times in a five-phase run; the PR
comment already said it once for "frontend, load, api". The terminal now says it once per place too."""

from __future__ import annotations

from echotune_ci.config import defaults
from echotune_ci.gate import evaluate
from echotune_ci.report.render import render, render_text
from echotune_ci.results import Metric, PhaseResult

WHY = ("not run: the app did not start: serve command exited with code 1 before http://127.0.0.1:4100/ "
       "answered; it printed: connect ECONNREFUSED 127.0.0.1:27017; set MONGO_URI in [serve] env")


def not_run(phase: str, why: str = WHY) -> PhaseResult:
    return PhaseResult(phase=phase, status="error", errors=[why])


def results() -> list[PhaseResult]:
    bundle = PhaseResult(phase="bundle", metrics=[Metric("bundle_total_gzip_bytes", 35, "B", "lower")])
    bundle.finalize(fail_on="high")
    return [bundle, not_run("frontend"), not_run("load"), not_run("api", "not run: no OpenAPI document")]


def test_an_error_an_earlier_phase_gave_is_printed_once() -> None:
    text = render_text(results())
    assert text.count(WHY) == 1
    blocks = text.split("\n")
    assert blocks[blocks.index("load: ERROR in 0.0s") + 1] == "  error: the same as frontend's, above"
    # another reason is printed in full, whichever phase gave it
    assert "api: ERROR in 0.0s\n  error: not run: no OpenAPI document\n" in text


def test_gate_lines_with_the_same_status_and_detail_name_all_their_phases() -> None:
    outcome = evaluate(results(), defaults())
    lines = render("gate.txt.j2", outcome=outcome).splitlines()
    assert f"ERROR frontend, load: {WHY}" in lines
    assert "ERROR api: not run: no OpenAPI document" in lines
    # one line per reason, and the count still counts every phase's gate
    assert sum(WHY in line for line in lines) == 1
    assert lines[-1] == "gate: ERROR (0 failed, 3 could not run, 3 checked)"


def test_a_single_result_prints_its_own_errors() -> None:
    # a phase command prints its one result: nothing earlier to refer to
    assert f"  error: {WHY}\n" in render_text([not_run("load")])
