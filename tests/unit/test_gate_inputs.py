"""Result folders and files that would gate the wrong thing without a word: a side-by-side run's results
without their base, a baseline that lacks a phase, a copy of a result file, figures in other units or
directions, a budget with nothing measured against it. Each case was found by a reviewer's hostile-input
run against the commands as a user calls them."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest
from conftest import run_cli

from echotune_ci.baseref import paired_baseline
from echotune_ci.compare import compare_results
from echotune_ci.config import defaults
from echotune_ci.errors import InputError
from echotune_ci.gate import evaluate
from echotune_ci.results import Finding, Location, Metric, PhaseResult, load_results

BASE = [20.0, 22.0, 21.0, 23.0, 20.5, 21.5]


def load(samples: list[float], unit: str = "ms", better: str = "lower", **extra: object) -> PhaseResult:
    metric = Metric("p95_ms", sorted(samples)[len(samples) // 2], unit, better=better, samples=list(samples),
                    budget=200.0)
    return PhaseResult("load", metrics=[metric.evaluate()], **extra).finalize()


def side_by_side_folder(root: Path) -> Path:
    """What `run --base-ref` leaves: head results (the first naming the order file), base/ and the order
    file saying the base was compared."""
    out = root / "results"
    (out / "base").mkdir(parents=True)
    (out / "artifacts").mkdir()
    load([x * 3 for x in BASE], artifacts=["artifacts/side-by-side.json"]).write(out / "load.json")
    load(BASE).write(out / "base" / "load.json")
    (out / "artifacts" / "side-by-side.json").write_text(json.dumps({"compared": True, "order": {}}))
    return out


def test_a_side_by_side_folder_without_its_base_is_an_input_error(tmp_path, cli_env):
    out = side_by_side_folder(tmp_path)
    done = run_cli("gate", str(out), env=cli_env)
    assert done.returncode == 1, done.stdout  # p95 three times the base's: regressed
    shutil.rmtree(out / "base")  # a workflow that uploaded results/*.json alone
    done = run_cli("gate", str(out), env=cli_env)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"echotune-ci: error: {out}: its results were measured side by side with a base "
        f"({out}/artifacts/side-by-side.json), but {out}/base holds no base results: keep base/ beside the "
        f"results (upload it too), or pass --baseline")
    assert "Traceback" not in done.stderr
    # A workflow that kept only load.json: its notes say it was measured with the base.
    (out / "load.json").unlink()
    paired = load([x * 3 for x in BASE])
    paired.notes.append("measured side by side with the base HEAD (0123456789): load rounds interleaved ...")
    paired.write(out / "load.json")
    assert run_cli("gate", str(out), env=cli_env).returncode == 2


def test_a_later_run_into_the_folder_or_a_base_that_could_not_be_measured_needs_none(tmp_path):
    out = side_by_side_folder(tmp_path)
    shutil.rmtree(out / "base")
    load(BASE).write(out / "load.json")  # a plain `run` replaced the head's results: they name no order file
    assert paired_baseline([out]) is None
    (out / "artifacts" / "side-by-side.json").write_text(json.dumps({"compared": False}))
    load(BASE, artifacts=["artifacts/side-by-side.json"]).write(out / "load.json")
    assert paired_baseline([out]) is None


def test_named_pipes_in_a_side_by_side_folder_are_not_read(tmp_path):
    """`gate` on a folder whose base/ was gone read artifacts/side-by-side.json and every *.json with
    read_text: a named pipe among them, which nobody writes to, blocked it for ever."""
    import os
    import threading

    out = side_by_side_folder(tmp_path)
    shutil.rmtree(out / "base")
    order = out / "artifacts" / "side-by-side.json"
    order.unlink()
    os.mkfifo(order)
    os.mkfifo(out / "a.json")  # globbed before load.json, which names the order file
    found: list[object] = []

    def look() -> None:
        try:
            found.append(paired_baseline([out]))
        except InputError as exc:
            found.append(exc)

    for expected in (None, InputError):
        worker = threading.Thread(target=look, daemon=True)
        worker.start()
        worker.join(10)
        assert not worker.is_alive(), "blocked on a named pipe"
        said = found.pop()
        assert said is None if expected is None else isinstance(said, InputError), said
        order.unlink()
        order.write_text(json.dumps({"compared": True}))  # then the pipe a.json alone is passed over


def test_folders_with_a_base_lend_it_when_others_have_none(tmp_path):
    # `gate results/ extra/`: results/ holds a side-by-side run with its base, extra/ plain results. The
    # base used to be dropped unless every folder had one.
    out = side_by_side_folder(tmp_path)
    extra = tmp_path / "extra"
    extra.mkdir()
    bundle = PhaseResult("bundle", metrics=[Metric("bundle_total_gzip_bytes", 1000.0, "bytes")])
    bundle.write(extra / "b.json")
    assert paired_baseline([out, extra]) == [out / "base"]


def test_a_phase_the_baseline_lacks_is_a_warning_not_silence():
    bundle = PhaseResult("bundle", metrics=[Metric("bundle_total_gzip_bytes", 1000.0, "bytes")]).finalize()
    outcome = evaluate([bundle, load([x * 3 for x in BASE])], defaults(), [bundle])
    (warned,) = [c for c in outcome.checks if c.rule == "compared with the base"]
    assert (warned.phase, warned.status) == ("load", "warn")
    assert warned.detail == ("the base has no load results, so nothing of this phase was compared with the "
                             "base")
    assert outcome.status == "warn"
    # Every report says why the phase is "warn": the results' warnings are what they show, the check runs too.
    (shown,) = [r for r in outcome.results if r.phase == "load"]
    assert (shown.status, shown.warnings) == ("warn", [warned.detail])
    from echotune_ci.github.checks import phase_checks

    (check,) = [c for c in phase_checks(outcome.results, outcome) if c.phase == "load"]
    assert check.status == "warn"
    assert "- ⚠️ **load**: the base has no load results, so nothing" in check.summary
    # A result that already says why it has no comparison (run --base-ref, a fixed port) is not told again.
    said = load(BASE)
    said.warnings.append("no comparison with the base: [serve] port = 3000 is fixed ...")
    assert not [c for c in evaluate([bundle, said], defaults(), [bundle]).checks
                if c.rule == "compared with the base"]


def test_a_copy_of_a_result_file_counts_once(tmp_path):
    load([x * 1.12 for x in BASE]).write(tmp_path / "load.json")
    shutil.copy(tmp_path / "load.json", tmp_path / "load (1).json")
    (merged,) = load_results([tmp_path])
    (alone,) = load_results([tmp_path / "load.json"])
    assert merged.metrics[0].samples == alone.metrics[0].samples and len(alone.metrics[0].samples) == 6
    # Two runs of one phase (a matrix of jobs) still pool.
    load([x * 1.2 for x in BASE]).write(tmp_path / "load-second-job.json")
    (pooled,) = load_results([tmp_path])
    assert len(pooled.metrics[0].samples) == 2 * len(BASE)


@pytest.mark.parametrize(("base", "head", "said"), [
    # 410 ms in the base, 0.81 s in the head (twice as slow) was "improved"
    (load(BASE, unit="s"), load(BASE), "load: p95_ms: unit s in the base, ms in the head"),
    (load(BASE, better="higher"), load(BASE), "load: p95_ms: better higher in the base, lower in the head"),
])
def test_figures_in_other_units_or_directions_are_not_compared(base, head, said):
    with pytest.raises(InputError) as caught:
        compare_results([base], [head])
    assert str(caught.value) == (f"{said}: results of different versions or edited files cannot be compared; "
                                 "measure the base again")


def test_figures_in_other_units_are_not_pooled(tmp_path):
    load(BASE).write(tmp_path / "a.json")
    load(BASE, unit="s").write(tmp_path / "b.json")
    with pytest.raises(InputError, match=r"^p95_ms: unit ms and s in two results of one phase: their samples "
                                         r"cannot be pooled$"):
        load_results([tmp_path])


def test_a_forged_unit_or_label_is_quoted_briefly_in_the_error(tmp_path):
    """A result's unit and labels are free text: a 5,000-character unit made the one-line error 5,000
    characters long, a label in the metric's key likewise."""
    unit, label = "u" * 5000, "L" * 3000
    head = PhaseResult("load", metrics=[Metric("p95_ms", 20.0, unit, labels={"endpoint": label})])
    base = PhaseResult("load", metrics=[Metric("p95_ms", 20.0, "ms", labels={"endpoint": label})])
    with pytest.raises(InputError) as caught:
        compare_results([base], [head])
    key = f"p95_ms[endpoint={label}]"
    assert str(caught.value) == (f"load: {key[:119]}… ({len(key)} characters): unit ms in the base, "
                                 f"{'u' * 29}… (5000 characters) in the head: results of different versions "
                                 f"or edited files cannot be compared; measure the base again")
    head.write(tmp_path / "a.json")
    dataclasses.replace(head, metrics=[Metric("p95_ms", 20.0, "s", labels={"endpoint": label})]).write(
        tmp_path / "b.json")
    with pytest.raises(InputError) as caught:
        load_results([tmp_path])
    assert len(str(caught.value)) < 300 and str(caught.value).endswith("cannot be pooled")


def test_a_budget_nothing_was_measured_against_cannot_pass():
    result = PhaseResult("load", metrics=[Metric("p95_ms", None, "ms", budget=200.0, status="pass")])
    outcome = evaluate([result], defaults())
    (check,) = outcome.checks
    assert check.status == "error"
    assert check.detail == "p95_ms has no value to hold against its budget ≤ 200 ms"
    assert outcome.status == "error"
    # One the phase marked as not measured keeps its own status and says why.
    skipped = PhaseResult("load", metrics=[Metric("evicted_keys", None, "", budget=0.0, status="warn",
                                                  description="not measured: Redis restarted")])
    (check,) = evaluate([skipped], defaults()).checks
    assert check.status == "warn"
    assert check.detail == "evicted_keys reported warn: not measured: Redis restarted"


def test_a_key_named_twice_is_an_input_error(tmp_path):
    # "phase": "frontend", "phase": "load": Python kept the last, and the frontend's metrics showed as new
    # load metrics.
    text = json.dumps(load(BASE).to_dict())
    twice = text.replace('"phase": "load"', '"phase": "frontend", "phase": "load"')
    (tmp_path / "load.json").write_text(twice)
    with pytest.raises(InputError) as caught:
        load_results([tmp_path])
    said = "result file names the key 'phase' twice in one object"
    assert str(caught.value) == f"{tmp_path / 'load.json'}: {said}"


def audit_finding(rule: str, severity: str, line: int, package: str) -> Finding:
    return Finding(rule, severity, f"{package}: {rule}", "osv", Location("requirements.txt", line),
                   context=f"{package} {rule}")


def test_a_finding_of_the_base_the_head_no_longer_has_is_named():
    """DjangoGirls' dependabot bump of idna 3.4 -> 3.7 under `run --base-ref`: the base's audit had
    PYSEC-2024-60 (idna), PYSEC-2024-48 (black) and PYSEC-2022-42969 (py), the head's the last two; the
    comment said "audit.vulnerable_packages 3 -> 2, improved" and never which advisory went, while a new
    one is named. A gone finding below the failing severity is not listed."""
    from echotune_ci.report.markdown import render_comment
    from echotune_ci.results.fingerprint import assign_fingerprints

    kept = [audit_finding("PYSEC-2024-48", "high", 15, "black"),
            audit_finding("PYSEC-2022-42969", "high", 192, "py")]
    bandit = Finding("B308", "medium", "mark_safe", "bandit", Location("a.py", 3))
    base_findings = assign_fingerprints([*kept, audit_finding("PYSEC-2024-60", "high", 136, "idna"), bandit])
    head_findings = assign_fingerprints([dataclasses.replace(f) for f in kept])
    base = PhaseResult("security", findings=base_findings).finalize(fail_on="high")  # as the phase writes it
    head = PhaseResult("security", findings=head_findings).finalize(fail_on="high")
    outcome = evaluate([head], defaults(), [base])
    assert outcome.gone_findings == ["PYSEC-2024-60 at requirements.txt:136"]
    comment = render_comment(outcome.results, outcome=outcome)
    assert ("(2 known from the base) · 1 of the base's gone: PYSEC-2024-60 at requirements.txt:136"
            in comment)
    # without a base nothing is gone
    assert evaluate([head], defaults()).gone_findings == []
    # a head with no finding left still says which went (the section was left out with nothing to count)
    clean = PhaseResult("security").finalize(fail_on="high")
    outcome = evaluate([clean], defaults(), [base])
    comment = render_comment(outcome.results, outcome=outcome)
    assert ("### Findings\n\nNone in the head · 3 of the base's gone: PYSEC-2024-48 at requirements.txt:15, "
            "PYSEC-2022-42969 at requirements.txt:192, PYSEC-2024-60 at requirements.txt:136" in comment)


def contract_finding(operation: str) -> Finding:
    method, path = operation.split(" ", 1)
    return Finding("api/undocumented-status", "medium",
                   f"{operation} (answered 404): Undocumented status code: Received: 404.", "schemathesis",
                   Location(path), context=f"{operation} status_code_conformance")


def test_an_operation_the_time_cap_left_untested_holds_no_gone_and_no_new_finding():
    """juliomeza/django-react-logistics-portal under `run --base-ref` (other programs at 89 % of the CPU):
    the base's contract test reached /carrier-services/ and /carriers/ before its 25 s cap, the head's
    stopped at POST /auth/refresh/; the comment said "22 of the base's gone: api/undocumented-status at
    /carrier-services/ ..." of operations the head never sent a request to (its own warning listed them)."""
    from echotune_ci.results.fingerprint import assign_fingerprints

    def cap(operations: list[str]) -> str:
        return f"api: the time cap (25s) stopped the contract test before {', '.join(operations)}"

    both = ["GET /addresses/", "POST /auth/login/"]
    base = PhaseResult("api", findings=assign_fingerprints(
        [contract_finding(o) for o in [*both, "GET /carrier-services/", "GET /carriers/{id}/"]]),
        warnings=[cap(["GET /contacts/", "GET /warehouses/"])]).finalize(fail_on="medium")
    head = PhaseResult("api", findings=assign_fingerprints(
        [contract_finding(o) for o in [*both, "GET /warehouses/"]]),
        warnings=[cap(["POST /auth/refresh/", "GET /carrier-services/", "GET /carriers/{id}/",
                       "GET /contacts/"])]).finalize(fail_on="medium")
    outcome = evaluate([head], defaults(), [base])
    assert outcome.gone_findings == []
    (check,) = [c for c in outcome.checks if c.rule == "findings"]
    # /warehouses/ was the base's untested: neither new nor known
    assert check.status == "pass"
    assert check.detail == ("no new finding, 2 known from the base, 1 in /warehouses/, which the base's "
                            "contract test did not reach, or sent fewer requests than the head's, before its "
                            "time cap (not called new)")
    # where the head did test it, the base's finding is gone
    tested = dataclasses.replace(head, warnings=[cap(["GET /contacts/"])])
    assert evaluate([tested], defaults(), [base]).gone_findings == [
        "api/undocumented-status at /carrier-services/", "api/undocumented-status at /carriers/{id}/"]
