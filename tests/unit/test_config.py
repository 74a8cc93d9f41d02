"""Configuration: defaults are the project targets; every mistake names key and file."""

from __future__ import annotations

import json
import textwrap
import tomllib
from pathlib import Path

import pytest

from conftest import run_cli
from echotune_ci.config import defaults, find_config, load_config
from echotune_ci.errors import ConfigError
from echotune_ci.config import parse_duration


def write(tmp_path: Path, text: str, name: str = "echotune.toml") -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


def test_defaults_are_the_project_targets(tmp_path):
    cfg = load_config(write(tmp_path, ""))
    b = cfg.budgets
    assert (b.api_p95_ms, b.error_rate_pct, b.fcp_ms, b.tti_ms, b.cls) == (200, 1, 1500, 2000, 0.1)
    assert (b.accessibility_score, b.bundle_growth_pct, b.security_fail_on) == (95, 5, "high")


def test_values_override_defaults_and_durations_parse(tmp_path):
    cfg = load_config(write(tmp_path, """
        [budgets]
        api_p95_ms = 150
        [serve]
        command = "python app.py"
        timeout = "2m"
    """))
    assert cfg.budgets.api_p95_ms == 150.0
    assert cfg.budgets.fcp_ms == 1500.0
    assert cfg.serve.timeout == 120.0


@pytest.mark.parametrize(
    "text, expected",
    [
        ("[budgets]\napi_p95 = 100\n", "unknown key 'budgets.api_p95' (did you mean 'api_p95_ms'?)"),
        ("[nonsense]\nx = 1\n", "unknown key 'nonsense'"),
        ("[budgets]\napi_p95_ms = 'fast'\n", "'budgets.api_p95_ms' must be a number, got a string ('fast')"),
        ("[budgets]\ncls = -1\n", "'budgets.cls' must be at least 0"),
        ("[budgets]\nsecurity_fail_on = 'severe'\n", "'budgets.security_fail_on' must be one of"),
        ("[serve]\ntimeout = 'soon'\n", "serve.timeout: expected a duration"),
        ("[run]\nphases = ['lint']\n", "'run.phases[0]' must be one of"),
        ("[serve]\nport = 70000\n", "'serve.port' must be 'auto' or a port number"),
        ("budgets = 3\n", "'budgets' must be a table"),
    ],
)
def test_each_kind_of_mistake_names_key_and_file(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(path) in str(err.value)
    assert expected in str(err.value)


def test_malformed_toml_and_missing_file(tmp_path):
    bad = write(tmp_path, "[budgets\n")
    with pytest.raises(ConfigError, match=r"not valid TOML"):
        load_config(bad)
    with pytest.raises(ConfigError, match=r"configuration file not found"):
        load_config(tmp_path / "nope.toml")


def test_pyproject_tool_table_is_found_and_validated(tmp_path, monkeypatch):
    write(tmp_path, """
        [project]
        name = "x"
        [tool.echotune.budgets]
        fcp_ms = 1200
    """, "pyproject.toml")
    (tmp_path / ".git").mkdir()
    sub = tmp_path / "src"
    sub.mkdir()
    monkeypatch.chdir(sub)
    found = find_config()
    assert found == tmp_path / "pyproject.toml"
    assert load_config(None).budgets.fcp_ms == 1200
    write(tmp_path, "[tool.echotune.budgets]\nfcp = 1\n", "pyproject.toml")
    with pytest.raises(ConfigError, match=r"unknown key 'tool.echotune.budgets.fcp'"):
        load_config(None)


def test_duration_parser():
    assert parse_duration("10s") == 10
    assert parse_duration("500ms") == 0.5
    assert parse_duration("1.5m") == 90
    assert parse_duration(3) == 3
    with pytest.raises(ConfigError):
        parse_duration("ten seconds")


def test_cli_gate_with_unknown_key_exits_2_naming_the_key(tmp_path, cli_env):
    cfg = write(tmp_path, "[gate]\nmax_regresion = 3\n")
    proc = run_cli("gate", str(tmp_path), "--config", str(cfg), env=cli_env)
    assert proc.returncode == 2
    assert "unknown key 'gate.max_regresion'" in proc.stderr
    assert str(cfg) in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "text, expected",
    [
        ("[budgets]\nfcp_ms = " + "9" * 400 + "\n", "'budgets.fcp_ms' must be a number of a sensible size"),
        ("[budgets]\nfcp_ms = " + "9" * 5000 + "\n", "not valid TOML (Exceeds the limit"),
        ("[budgets]\nx = " + "[" * 1200 + "]" * 1200 + "\n", "not valid TOML (nested too deeply)"),
        ("[gate]\nalpha = nan\n", "'gate.alpha' must be a finite number, got nan"),
        ("[security.http]\nmin_score = inf\n", "'security.http.min_score' must be a finite number, got inf"),
        ("[load]\nduration = " + "9" * 400 + "\n",
         "load.duration: expected a duration like '10s', got <an integer"),
        ("[bundle]\nmax_total_gzip = '" + "9" * 400 + "KB'\n", "expected a size of at most 1 TiB"),
        ("[bundle]\nmax_total_gzip = 4096.7\n", "'bundle.max_total_gzip' must be an integer or a string"),
        ('[[load.endpoints]]\npath = "/"\nstatus = "200"\n',
         "'load.endpoints[0].status' must be an integer or a list"),
        # the first mistake in the file is the one reported
        ("[load]\nusers = 0\nzzz = 1\n", "'load.users' must be at least 1, got 0"),
    ],
)
def test_hostile_values_are_one_line_errors(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(path) in str(err.value) and expected in str(err.value)
    assert len(str(err.value)) < 300 and "\n" not in str(err.value)


def test_a_pyproject_whose_tool_is_not_a_table_has_no_config(tmp_path, monkeypatch):
    write(tmp_path, "tool = 5\n", "pyproject.toml")
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    assert find_config() is None
    with pytest.raises(ConfigError, match=r"has no \[tool.echotune\] table"):
        load_config(tmp_path / "pyproject.toml")


def test_tables_in_settings_are_read_only_and_not_shared_by_accident(tmp_path):
    cfg = load_config(write(tmp_path, '[serve]\nenv = { A = "1" }\n'))
    for table in (cfg.gate.regression, cfg.serve.env, defaults().serve.env):
        with pytest.raises(TypeError, match="read-only"):
            table["SECRET"] = "leak"  # type: ignore[index]
        with pytest.raises(TypeError):
            table.clear()  # type: ignore[attr-defined]
    assert dict(cfg.serve.env) == {"A": "1"} and dict(defaults().serve.env) == {}
    assert json.loads(json.dumps(cfg.gate.regression))["p95_ms"] == 10.0


def test_the_bundle_growth_budget_is_the_gates_limit_of_the_gzip_total():
    """[gate] regression's bundle_total_gzip_bytes follows [bundle] max_growth_pct, else [budgets]
    bundle_growth_pct, unless [gate] regression names it (a table that names other metrics keeps it)."""
    from echotune_ci.config.model import parse_config

    def limit(text: str) -> float:
        cfg = parse_config(tomllib.loads(text), "", "echotune.toml")
        return cfg.gate.regression["bundle_total_gzip_bytes"]

    assert limit("") == 5.0
    assert limit("[budgets]\nbundle_growth_pct = 20\n") == 20.0
    assert limit("[budgets]\nbundle_growth_pct = 20\n[bundle]\nmax_growth_pct = 2\n") == 2.0
    assert limit("[budgets]\nbundle_growth_pct = 20\n[gate]\nregression = {p95_ms = 15}\n") == 20.0
    assert limit("[budgets]\nbundle_growth_pct = 20\n[gate.regression]\nbundle_total_gzip_bytes = 8\n") == 8.0


@pytest.mark.parametrize("text, expected", [
    # What a newcomer writes after reading "localhost:8000" in a server's log: before, the configuration
    # loaded and the load phase stopped with "localhost:1: not an http(s) URL with a host".
    ('[serve]\nready_url = "localhost:{port}/health"\n',
     "'serve.ready_url' must be an http(s) URL with a host, such as http://127.0.0.1:{port}/health"),
    ('[serve]\nready_url = "http://127.0.0.1:{prot}/health"\n',
     "'serve.ready_url' has a port that is no number (write {port} where `run` puts the port it picks)"),
    ('[load]\nhost = "127.0.0.1:8000"\n',
     "'load.host' must be an http(s) URL with a host, such as http://127.0.0.1:8000"),
    ('[api]\nurl = "ws://127.0.0.1:8000"\n',
     "'api.url' must be an http(s) URL with a host, such as http://127.0.0.1:8000"),
    ('[security.http]\nurl = "http://"\n',
     "'security.http.url' must be an http(s) URL with a host, such as http://127.0.0.1:8000"),
    ('[[frontend.pages]]\nurl = "example.com/shop"\n',
     "'frontend.pages[0].url' must be an http(s) URL with a host, such as http://127.0.0.1:8000"),
    # A blank pasted with the URL: the check stripped it and passed, the run did not (a real `run` here:
    # " http://127.0.0.1:{port}/" waited 30 s for the ready URL, "last: UnsupportedProtocol")
    ('[serve]\nready_url = " http://127.0.0.1:{port}/health"\n',
     "'serve.ready_url' has blanks around the URL: write it alone, such as http://127.0.0.1:{port}/health"),
    ('[load]\nhost = "http://127.0.0.1:8000 "\n',
     "'load.host' has blanks around the URL: write it alone, such as http://127.0.0.1:8000"),
])
def test_a_url_setting_that_is_no_http_url_is_refused_as_the_file_is_read(tmp_path, text, expected):
    path = tmp_path / "echotune.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}: {expected}"


def test_url_settings_that_work_still_load(tmp_path):
    path = tmp_path / "echotune.toml"
    path.write_text('[serve]\nready_url = "http://127.0.0.1:{port}/health"\n'
                    '[load]\nhost = "https://user:pw@[::1]:8443/base"\n'  # pragma: allowlist secret
                    '[api]\nurl = ""\n[[frontend.pages]]\nurl = "http://localhost/"\n')
    cfg = load_config(path)
    assert (cfg.serve.ready_url, cfg.load.host, cfg.api.url, cfg.frontend.pages[0].url) == (
        "http://127.0.0.1:{port}/health", "https://user:pw@[::1]:8443/base", "", "http://localhost/")


@pytest.mark.parametrize("ready", ["http://127.0.0.1:300{build_index}/health", "http://127.0.0.1:{port}/{build}/",
                                   "http://{build}.localhost:{port}/"])
def test_a_ready_url_with_the_builds_placeholders_loads(tmp_path, ready):
    # `run` fills {build} and {build_index} in ready_url as in every [serve] value (serve.app.App.filled):
    # a fixed port of each build's own (movez-chat's Redis port pattern, 639{build_index}, for an app's
    # own port) was refused as "a port that is no number" by the check made at load.
    path = tmp_path / "echotune.toml"
    path.write_text(f'[serve]\nready_url = "{ready}"\n')
    assert load_config(path).serve.ready_url == ready
