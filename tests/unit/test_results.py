"""The result contract: JSON round trip, schema, fingerprints, merging."""

from __future__ import annotations

import json

import jsonschema
import pytest

from conftest import run_cli
from echotune_ci.errors import InputError
from echotune_ci.results import (
    Finding, Location, Metric, PhaseResult, assign_fingerprints, load_result, load_results, merge_results,
    schema,
)
from support.samples import frontend_result, load_result as sample_load, noisy, security_result


def test_round_trip_is_lossless_and_valid(tmp_path):
    original = security_result(extra_high=2)
    original.metrics.append(Metric("p95_ms", 12.5, "ms", samples=[1.0, 2.0], labels={"endpoint": "GET /"}))
    original.artifacts.append("artifacts/security/bandit.json")
    path = original.write(tmp_path / "security.json")
    data = json.loads(path.read_text())
    jsonschema.Draft202012Validator(schema()).validate(data)
    again = load_result(path)
    assert again.to_dict() == original.to_dict()


def test_schema_command_prints_the_published_schema(cli_env):
    proc = run_cli("schema", env=cli_env)
    assert proc.returncode == 0
    printed = json.loads(proc.stdout)
    assert printed == schema()
    jsonschema.Draft202012Validator.check_schema(printed)


def test_fingerprints_ignore_line_numbers_but_count_occurrences():
    def bandit(line: int) -> Finding:
        return Finding("B602", "high", "shell=True", "bandit", Location("app.py", line),
                       context="call(cmd, shell=True)")

    before = assign_fingerprints([bandit(10)])
    moved = assign_fingerprints([bandit(42)])
    assert before[0].fingerprint == moved[0].fingerprint
    twice = assign_fingerprints([bandit(50), bandit(12)])
    prints = {f.fingerprint for f in twice}
    assert len(prints) == 2
    assert before[0].fingerprint in prints  # the first copy keeps its identity
    other_file = assign_fingerprints([Finding("B602", "high", "shell=True", "bandit", Location("b.py", 10),
                                              context="call(cmd, shell=True)")])
    assert other_file[0].fingerprint != before[0].fingerprint


def test_merge_pools_samples_and_dedupes_findings():
    a = sample_load(noisy(100, 4, 3, 1))
    b = sample_load(noisy(100, 4, 3, 2))
    s1, s2 = security_result(1), security_result(1)
    merged = {r.phase: r for r in merge_results([a, s1, b, s2])}
    p95 = merged["load"].metric("p95_ms")
    assert p95 is not None and len(p95.samples) == 8
    assert p95.value == pytest.approx(sorted(p95.samples)[3] / 2 + sorted(p95.samples)[4] / 2)
    assert len(merged["security"].findings) == len(s1.findings)
    assert merged["security"].status == "fail"


def test_loading_folders_merges_shards(tmp_path):
    sample_load(noisy(100, 3, 3, 1)).write(tmp_path / "load-shard1.json")
    sample_load(noisy(100, 3, 3, 2)).write(tmp_path / "load-shard2.json")
    frontend_result().write(tmp_path / "frontend.json")
    results = load_results([tmp_path])
    assert sorted(r.phase for r in results) == ["frontend", "load"]
    assert len(next(r for r in results if r.phase == "load").metric("p95_ms").samples) == 6


def test_bad_result_files_are_clear_errors(tmp_path):
    (tmp_path / "a.json").write_text("{not json")
    with pytest.raises(InputError, match=r"a.json:1: result file is not JSON"):
        load_result(tmp_path / "a.json")
    (tmp_path / "b.json").write_text(json.dumps({"phase": "x"}))
    with pytest.raises(InputError, match=r"b.json: not an EchoTune result file"):
        load_result(tmp_path / "b.json")
    good = PhaseResult("load").to_dict()
    good["schema_version"] = "2.0"
    (tmp_path / "c.json").write_text(json.dumps(good))
    with pytest.raises(InputError, match=r"schema version 2.0 is not supported"):
        load_result(tmp_path / "c.json")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match=r"no result files"):
        load_results([empty])


@pytest.mark.parametrize("depth", [900, 5_000])
def test_a_result_nested_too_deeply_for_the_schema_check_is_an_input_error(depth):
    """jsonschema-rs stops at its recursion limit with a ValueError (Python's jsonschema with a
    RecursionError); either way the file is named, with no traceback. 900 is below what json.loads takes."""
    from echotune_ci.results.io import validate

    nested: object = 1
    for _ in range(depth):
        nested = [nested]
    data = {"schema_version": "1.0", "phase": "load", "status": "pass",
            "metrics": [{"name": "p95_ms", "value": 1.0, "labels": {"deep": nested}}]}
    expected = r"^r/load\.json: not an EchoTune result file \(nested too deeply\)$"
    with pytest.raises(InputError, match=expected):
        validate(data, "r/load.json")


def test_a_string_with_a_lone_surrogate_is_checked_like_any_other():
    """A file name that is no UTF-8 reaches a result as a lone surrogate (Python reads b"caf\\xe9" as
    "caf\\udce9"; JSON writes its escape). jsonschema-rs cannot take such a string where it has something
    to say of it, and its ValueError made a result "not an EchoTune result file ('utf-8' codec can't
    encode ...)": a file of our own refused, an error that named no place."""
    from echotune_ci.results.io import validate

    data = {"schema_version": "1.0", "phase": "bundle", "status": "pass", "tool_versions": {"caf\udce9": "1"},
            "started_at": "2026-01-01T00:00:00Z", "duration_s": 1.0, "artifacts": [], "findings": [],
            "metrics": [{"name": "bundle_file_raw_bytes", "value": 750, "unit": "bytes", "better": "lower",
                         "status": "pass", "labels": {"file": "dist/caf\udce9.js"}}]}
    validate(data, "r/bundle.json")  # valid: nothing raised
    del data["metrics"][0]["status"]
    with pytest.raises(InputError, match=r"^r/bundle\.json: not an EchoTune result file \(at metrics/0: "
                                         r"\"status\" is a required property\)$"):
        validate(data, "r/bundle.json")
    data["metrics"][0]["status"], data["findings"] = "pass", [
        {"rule_id": "r", "severity": "caf\udce9", "message": "m", "source_tool": "t",
         "fingerprint": "abcdef12:1"}]
    with pytest.raises(InputError, match=r"at findings/0/severity: \"caf\\\\udce9\" is not one of"):
        validate(data, "r/bundle.json")
