"""Issue 13, kinds 1 and 8: every failure that is not a gate verdict is exit 2 (input) or 3 (could not
run) with one line, and impossible numbers never pass a gate.

Each test is one example of the issue. Expected values are worked out from the contract in README.md
(exit 2 for a bad file or setting, 3 for a run that could not happen, one "echotune-ci: error:" line).
"""

from __future__ import annotations

import json
import math
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from echotune_ci.compare import compare_metric, compare_results, compare_samples
from echotune_ci.config import defaults, override
from echotune_ci.errors import ConfigError, InputError, RunError
from echotune_ci.gate import evaluate
from echotune_ci.results import Metric, PhaseResult, load_result
from support.hostile import assert_one_line_error, cli, load_doc, write_doc


@pytest.fixture(autouse=True)
def _quiet_ci(monkeypatch, tmp_path):
    for name in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ACTIONS", "ECHOTUNE_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


# --------------------------------------------------------------------------- kind 1: decoding


def test_config_nested_100000_deep_is_exit_2(tmp_path, capsys):
    config = tmp_path / "echotune.toml"
    config.write_text("[gate]\nregression = " + "{a = " * 100_000 + "1" + "}" * 100_000 + "\n")
    write_doc(tmp_path / "r" / "load.json", load_doc())
    code, _, err = cli(capsys, "gate", "--config", str(config), "r")
    assert_one_line_error(code, err, 2, "echotune.toml", "nested too deeply")


def test_result_with_a_5000_digit_integer_is_exit_2(tmp_path, capsys):
    text = json.dumps(load_doc()).replace('"duration_s": 1.5', '"duration_s": ' + "9" * 5000)
    (tmp_path / "load.json").write_text(text)
    code, _, err = cli(capsys, "gate", "load.json")
    assert_one_line_error(code, err, 2, "load.json", "impossible number", "5000 digits")


@pytest.mark.parametrize("command", ["gate", "report", "compare"])
def test_a_metric_named_twice_in_one_result_is_exit_2(tmp_path, capsys, command):
    """With two copies of p95_ms (the first 900 ms), compare used the last, the gate failed the first on
    its budget, and the report showed the first's value beside the last's change."""
    doc = load_doc(samples=[118.0, 120.0, 122.0])
    copy = {**doc["metrics"][0], "value": 900.0, "samples": [900.0] * 3}
    doc["metrics"].insert(0, copy)
    write_doc(tmp_path / "head" / "load.json", doc)
    write_doc(tmp_path / "base" / "load.json", load_doc(samples=[119.0, 121.0, 123.0]))
    args = ("compare", "base", "head") if command == "compare" else (command, "head", "--baseline", "base")
    code, _, err = cli(capsys, *args)
    assert_one_line_error(code, err, 2, "load.json", "metric p95_ms is at metrics/0 and again at metrics/1")
    # The same name with other labels is another metric.
    doc["metrics"][0]["labels"] = {"endpoint": "GET /api"}
    write_doc(tmp_path / "head" / "load.json", doc)
    assert cli(capsys, "compare", "base", "head")[0] == 0


@pytest.mark.parametrize("number", ["9" * 400, "1" + "0" * 399 + ".5", "1e400"])
def test_result_with_a_400_digit_number_is_exit_2(tmp_path, capsys, number):
    text = json.dumps(load_doc()).replace('"value": 120.0', f'"value": {number}')
    assert number in text
    (tmp_path / "load.json").write_text(text)
    code, _, err = cli(capsys, "report", "load.json")
    assert_one_line_error(code, err, 2, "load.json", "impossible number")


def test_null_sample_in_merged_shards_is_exit_2(tmp_path, capsys):
    write_doc(tmp_path / "shards" / "a.json", load_doc(samples=[1.0, 2.0, 3.0]))
    bad = load_doc(samples=[1.0, 2.0, 3.0])
    bad["metrics"][0]["samples"] = [1, None, 3]
    write_doc(tmp_path / "shards" / "b.json", bad)
    code, _, err = cli(capsys, "gate", "shards")
    assert_one_line_error(code, err, 2, "b.json", "samples/1")


def test_an_unexpected_exception_is_exit_3_in_one_line(capsys, monkeypatch):
    import echotune_ci.reporting as reporting

    def broken(*_args, **_kwargs):
        raise TypeError("'<' not supported between instances of 'NoneType' and 'int'")

    monkeypatch.setattr(reporting, "evaluate_paths", broken)
    code, _, err = cli(capsys, "gate", "anything")
    assert_one_line_error(code, err, 3, "internal error: TypeError")


def test_an_os_error_is_exit_3_naming_the_path(capsys, monkeypatch):
    import echotune_ci.reporting as reporting

    def full(*_args, **_kwargs):
        raise OSError(28, "No space left on device", "/results/report/comment.md")

    monkeypatch.setattr(reporting, "evaluate_paths", full)
    code, _, err = cli(capsys, "gate", "anything")
    assert_one_line_error(code, err, 3, "/results/report/comment.md", "No space left on device")


class _TruncatingGitHub(BaseHTTPRequestHandler):
    """Answers every request 200 with the first 20 bytes of a JSON body: as a proxy that cut the answer
    off (Content-Length of the part sent), or as a connection that broke mid-body (Content-Length of
    the whole)."""

    whole = json.dumps({"login": "octocat", "id": 1, "type": "User"}).encode()
    announce_whole = False

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(self.whole) if self.announce_whole else 20))
        self.end_headers()
        self.wfile.write(self.whole[:20])
        self.close_connection = True

    def log_message(self, *_args: object) -> None:
        pass


@pytest.mark.parametrize(("announce_whole", "says"), [(False, "not valid JSON"), (True, "after 2 attempts")])
def test_github_answering_200_with_a_truncated_body_is_exit_3(announce_whole, says):
    from echotune_ci.github.client import GitHubClient
    from echotune_ci.net.retry import RetryPolicy

    handler = type("Handler", (_TruncatingGitHub,), {"announce_whole": announce_whole})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = GitHubClient("ghs_truncatedbodytoken", api_url=f"http://127.0.0.1:{server.server_port}",
                              retry=RetryPolicy(max_attempts=2, backoff=0.0, max_wait=1.0))
        with pytest.raises(RunError) as err:
            client.call(lambda: client.gh.get_user("octocat").login, what="read the user")
    finally:
        server.shutdown()
        server.server_close()
    assert err.value.exit_code == 3
    message = str(err.value)
    assert "\n" not in message and says in message and "ghs_truncatedbodytoken" not in message


# --------------------------------------------------------------------------- kind 8: impossible numbers


@pytest.mark.parametrize(("line", "key"), [
    ("alpha = nan", "gate.alpha"),
    ("min_effect_pct = nan", "gate.min_effect_pct"),
    ("regression = { p95_ms = nan }", "gate.regression.p95_ms"),
    ("regression = { p95_ms = -inf }", "gate.regression.p95_ms"),
    ("min_effect_pct = inf", "gate.min_effect_pct"),
    ("regression = { p95_ms = -5.0 }", "gate.regression.p95_ms"),
])
def test_nan_and_out_of_range_gate_settings_are_exit_2_naming_the_key(tmp_path, capsys, line, key):
    (tmp_path / "echotune.toml").write_text(f"[gate]\n{line}\n")
    write_doc(tmp_path / "load.json", load_doc())
    code, _, err = cli(capsys, "gate", "--config", "echotune.toml", "load.json", "--baseline", "load.json")
    assert_one_line_error(code, err, 2, f"'{key}'")


@pytest.mark.parametrize("line", ['timeout = "99999h"', "max_requests = 99999999999999999999999"])
def test_absurd_sizes_in_settings_are_exit_2(tmp_path, capsys, line):
    section = "serve" if "timeout" in line else "load"
    (tmp_path / "echotune.toml").write_text(f"[{section}]\n{line}\n")
    write_doc(tmp_path / "load.json", load_doc())
    code, _, err = cli(capsys, "gate", "--config", "echotune.toml", "load.json")
    assert_one_line_error(code, err, 2, f"{section}.{line.split()[0]}")


def test_p95_of_minus_infinity_is_an_invalid_result(tmp_path, capsys):
    doc = load_doc()
    doc["metrics"][0]["value"] = -math.inf  # a forged file: json.dumps writes -Infinity
    write_doc(tmp_path / "load.json", doc)
    assert "-Infinity" in (tmp_path / "load.json").read_text()
    code, _, err = cli(capsys, "gate", "load.json")
    assert_one_line_error(code, err, 2, "load.json", "-Infinity")


def test_error_rate_of_minus_50_percent_is_an_invalid_result(tmp_path, capsys):
    write_doc(tmp_path / "load.json", load_doc(error_rate=-50.0))
    code, _, err = cli(capsys, "gate", "load.json")
    assert_one_line_error(code, err, 2, "load.json", "error_rate_pct = -50.0", "out of range")


@pytest.mark.parametrize(("index", "field", "value"), [
    (0, "value", -1.0),            # a negative p95
    (0, "budget", -200.0),         # a negative time budget
    (1, "value", 150.0),           # 150 % of the requests failed
    (2, "value", 1e300),           # beyond any measurement
])
def test_out_of_range_metric_numbers_are_invalid(tmp_path, index, field, value):
    doc = load_doc()
    doc["metrics"][index][field] = value
    write_doc(tmp_path / "load.json", doc)
    with pytest.raises(InputError, match=f"metrics/{index}/{field}"):
        load_result(tmp_path / "load.json")


def test_a_growth_percentage_may_be_negative(tmp_path):
    doc = load_doc()
    doc["metrics"].append(Metric("bundle_growth_pct", -12.5, "%", budget=5.0).evaluate().to_dict())
    write_doc(tmp_path / "load.json", doc)
    assert load_result(tmp_path / "load.json").metric("bundle_growth_pct").value == -12.5


def _load(value: float, samples: list[float] | None = None) -> PhaseResult:
    return PhaseResult(phase="load", metrics=[Metric("p95_ms", value, "ms", samples=list(samples or []))])


def test_a_nan_regression_comparison_never_passes_the_gate():
    # Results built in-process (a phase's own NaN) never went through a file's validation.
    outcome = evaluate([_load(math.nan)], defaults(), baseline=[_load(100.0)])
    comparison = next(c for c in outcome.comparisons if c.name == "p95_ms")
    assert comparison.verdict == "insufficient data"
    check = next(c for c in outcome.checks if c.rule == "regression of p95_ms")
    assert check.status == "error" and outcome.exit_code() == 3


def test_a_nan_value_against_a_budget_never_passes():
    result = PhaseResult(phase="load", metrics=[Metric("p95_ms", math.nan, "ms", budget=200.0)])
    outcome = evaluate([result], defaults())
    assert outcome.status != "pass" and outcome.exit_code() == 3
    assert Metric("rps", math.nan, "req/s", "higher", budget=10.0).evaluate().status == "fail"


def test_nan_samples_are_no_samples():
    verdict, effect, _ = compare_samples([100.0, 101.0, 99.0, math.nan], [math.nan] * 4, "lower")
    assert verdict == "insufficient data" and effect is None
    c = compare_metric("load", Metric("p95_ms", 100.0, "ms"), Metric("p95_ms", math.inf, "ms"),
                       threshold_pct=10.0)
    assert c.verdict == "insufficient data" and c.to_dict()["head"] is None


@pytest.mark.parametrize(("alpha", "min_effect", "regression"), [
    (math.nan, 5.0, {}), (0.05, math.nan, {}), (0.05, 5.0, {"p95_ms": math.nan}), (2.0, 5.0, {}),
])
def test_compare_refuses_nan_rules_given_in_code(alpha, min_effect, regression):
    with pytest.raises(ConfigError):
        compare_results([_load(100.0)], [_load(300.0)], thresholds=regression, alpha=alpha,
                        min_effect_pct=min_effect)


def test_gate_settings_with_nan_in_code_are_refused_not_passed():
    cfg = defaults()
    cfg = cfg.with_section("gate", override(cfg.gate, alpha=math.nan))
    with pytest.raises(ConfigError, match="alpha"):
        evaluate([_load(300.0)], cfg, baseline=[_load(100.0)])


def test_results_written_with_nan_read_back_valid(tmp_path):
    # What the toolkit writes itself must pass its own validation: NaN becomes null (value) or is dropped
    # (sample), never "NaN" in the file.
    metric = Metric("p95_ms", math.nan, "ms", samples=[1.0, math.nan, 3.0])
    result = PhaseResult(phase="load", metrics=[metric])
    path = result.write(tmp_path / "load.json")
    assert "NaN" not in path.read_text()
    back = load_result(path).metrics[0]
    assert back.value is None and back.samples == [1.0, 3.0]


def test_history_with_impossible_values_is_exit_2(tmp_path, capsys):
    history = {"version": 1, "entries": [
        {"at": "2026-01-01T00:00:00+00:00", "ref": "a", "status": {},
         "metrics": [{"phase": "load", "key": "p95_ms", "name": "p95_ms", "unit": "ms", "better": "lower",
                      "value": None}]},
    ]}
    path = write_doc(tmp_path / "history.json", history)
    code, _, err = cli(capsys, "history", "show", "--file", str(path))
    assert_one_line_error(code, err, 2, "history.json", "entries[0]", "finite number")


def test_compare_with_a_negative_time_is_exit_2(tmp_path, capsys):
    write_doc(tmp_path / "base" / "load.json", load_doc())
    write_doc(tmp_path / "head" / "load.json", load_doc(p95=-120.0))
    code, _, err = cli(capsys, "compare", "base", "head")
    assert_one_line_error(code, err, 2, "head", "p95_ms = -120.0")


def test_large_but_possible_integers_still_load(tmp_path):
    doc = load_doc()
    doc["metrics"].append({"name": "transfer_bytes", "value": 123456789012, "unit": "bytes",
                           "better": "lower", "status": "pass"})
    write_doc(tmp_path / "load.json", doc)
    assert load_result(Path(tmp_path / "load.json")).metric("transfer_bytes").value == 123456789012


def test_an_unknown_phase_is_named_where_it_was_given(tmp_path, capsys):
    """`run --phase bogus` said "<config>: unknown phase(s) bogus", which sent the user to a file that
    names no such phase."""
    cfg = tmp_path / "echotune.toml"
    cfg.write_text('[run]\nphases = ["bundle"]\n')
    code, _, err = cli(capsys, "run", "--config", str(cfg), "--phase", "bogus", "-o", str(tmp_path / "out"))
    assert_one_line_error(code, err, 2, "Invalid value for '--phase': 'bogus' is not one of 'security', ")
    assert str(cfg) not in err
    cfg.write_text('[run]\nphases = ["bundle", "speed"]\n')  # the file's own: named by the file and key
    code, _, err = cli(capsys, "run", "--config", str(cfg), "-o", str(tmp_path / "out"))
    assert_one_line_error(code, err, 2, f"{cfg}: 'run.phases[1]' must be one of ")
