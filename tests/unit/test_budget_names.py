"""A budget or threshold that names nothing is an error, never silently dropped (issue 14, kind 7).

k6 fails a run whose thresholds name a metric that does not exist; here, with the endpoints or pages in
the config, such a key is a configuration error (exit 2) naming the key and the closest match (difflib,
as the config engine suggests unknown keys); with a locustfile the threshold's check fails.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from conftest import run_cli
from echotune_ci.config.model import Config, load_config
from echotune_ci.errors import ConfigError
from echotune_ci.gate import budget_checks
from echotune_ci.phases.base import PhaseContext
from echotune_ci.phases.frontend.phase import PHASE as FRONTEND
from echotune_ci.phases.load.metrics import unmatched_thresholds
from echotune_ci.phases.load.phase import PHASE as LOAD
from echotune_ci.phases.load.settings import EndpointBudgets
from echotune_ci.results import Metric, PhaseResult

CATALOGUE = """\
[[load.endpoints]]
path = "/catalog"

[[load.endpoints]]
method = "POST"
path = "/api/login"

[load.thresholds."GET /catalogue"]
p95_ms = 150
"""


def test_the_issue_example_a_threshold_typo_is_a_config_error(tmp_path, cli_env):
    (tmp_path / "echotune.toml").write_text(CATALOGUE)
    # a port nothing listens on: the configuration is refused before any request
    proc = run_cli("load", "--host", "http://127.0.0.1:9", cwd=tmp_path, env=cli_env)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert ("""'load.thresholds."GET /catalogue"' names no endpoint of the load test """
            "(did you mean 'GET /catalog'?)") in proc.stderr
    assert "echotune.toml" in proc.stderr and "Traceback" not in proc.stderr


def context(folder: Path) -> tuple[Config, PhaseContext]:
    cfg = load_config(folder / "echotune.toml")
    return cfg, PhaseContext.for_config(cfg, folder / "artifacts")


def test_run_refuses_it_in_the_check_hook_before_starting_the_app(tmp_path):
    (tmp_path / "echotune.toml").write_text(CATALOGUE)
    cfg, ctx = context(tmp_path)
    with pytest.raises(ConfigError, match=r"did you mean 'GET /catalog'\?"):
        LOAD.check(cfg.load, ctx)
    # the right name passes; so does any name when a locustfile decides the endpoints
    (tmp_path / "echotune.toml").write_text(CATALOGUE.replace("GET /catalogue", "GET /catalog"))
    cfg, ctx = context(tmp_path)
    LOAD.check(cfg.load, ctx)
    (tmp_path / "locustfile.py").write_text("from locust import HttpUser\n")
    (tmp_path / "echotune.toml").write_text('[load]\nlocustfile = "locustfile.py"\n\n'
                                            '[load.thresholds."GET /catalogue"]\np95_ms = 150\n')
    cfg, ctx = context(tmp_path)
    LOAD.check(cfg.load, ctx)


def test_without_endpoints_only_get_slash_is_loaded(tmp_path):
    (tmp_path / "echotune.toml").write_text('[load.thresholds."GET /api/tracks"]\np95_ms = 150\n')
    cfg, ctx = context(tmp_path)
    with pytest.raises(ConfigError, match=r"""'load.thresholds."GET /api/tracks"' names no endpoint"""):
        LOAD.check(cfg.load, ctx)
    # a name close to nothing lists the endpoints instead of guessing
    far = CATALOGUE.replace("GET /catalogue", "DELETE /users/{id}/sessions")
    (tmp_path / "echotune.toml").write_text(far)
    cfg, ctx = context(tmp_path)
    with pytest.raises(ConfigError, match=r"\(endpoints: GET /catalog, POST /api/login\)"):
        LOAD.check(cfg.load, ctx)


def test_a_locustfile_threshold_that_matched_nothing_fails_its_check():
    measured = [Metric(name="p95_ms", value=40.0, unit="ms", budget=200.0),
                Metric(name="p95_ms", value=41.0, unit="ms", budget=200.0,
                       labels={"endpoint": "GET /catalog"})]
    thresholds = {"GET /catalog": EndpointBudgets(p95_ms=100),
                  "GET /catalogue": EndpointBudgets(p95_ms=150, error_rate_pct=0.5)}
    unmatched = unmatched_thresholds(measured, thresholds)
    assert [(m.name, m.labels, m.budget, m.value, m.status) for m in unmatched] == [
        ("p95_ms", {"endpoint": "GET /catalogue"}, 150, None, "fail"),
        ("error_rate_pct", {"endpoint": "GET /catalogue"}, 0.5, None, "fail")]
    message = unmatched[0].description
    assert message == ('[load.thresholds] "GET /catalogue" matched no endpoint the locustfile requested, '
                       "so its budgets were not checked (did you mean 'GET /catalog'?)")
    result = PhaseResult(phase="load", metrics=[*measured, *unmatched]).finalize()
    assert result.status == "fail"
    _, checks = budget_checks(result)
    failed = [c for c in checks if c.status == "fail"]
    assert [c.rule for c in failed] == ["p95_ms[endpoint=GET /catalogue]",
                                        "error_rate_pct[endpoint=GET /catalogue]"]
    assert failed[0].detail == f"p95_ms reported fail: {message}"
    assert unmatched_thresholds(measured, {"GET /catalog": EndpointBudgets(p95_ms=100)}) == []


PAGES = """\
[[frontend.pages]]
path = "/"
budgets = {{ {budgets} }}
"""


@pytest.mark.parametrize("budgets, message", [
    ("lcp = 2500", "'frontend.pages[0].budgets' has unknown budget 'lcp' (did you mean 'lcp_ms'?)"),
    ("interaction_ms = 80", "'frontend.pages[0].budgets.interaction_ms' applies to nothing: the page has no "
                            "[[frontend.pages.interactions]]"),
])
def test_a_page_budget_that_names_nothing_is_a_config_error(tmp_path, budgets, message):
    (tmp_path / "echotune.toml").write_text(PAGES.format(budgets=budgets))
    with pytest.raises(ConfigError) as caught:
        cfg, ctx = context(tmp_path)
        FRONTEND.check(cfg.frontend, dataclasses.replace(ctx, base_url="http://127.0.0.1:9"))
    assert message in str(caught.value)


def test_a_page_budget_on_a_page_with_interactions_is_fine(tmp_path):
    (tmp_path / "echotune.toml").write_text(PAGES.format(budgets="interaction_ms = 80, lcp_ms = 1800") + """
[[frontend.pages.interactions]]
selector = "#search"
""")
    cfg, ctx = context(tmp_path)
    FRONTEND.check(cfg.frontend, ctx)


def test_the_login_each_user_sends_and_its_csrf_page_may_have_a_threshold(tmp_path):
    """They are no endpoint of the scenario but are measured (once per user), and a budget of their own
    is how they are gated (the API's p95 budget is not theirs)."""
    login = """\
[[load.endpoints]]
path = "/catalog"

[load.login]
path = "/accounts/login/"
session = true
csrf_cookie = "csrftoken"
csrf_path = "/accounts/login/?next=/"

[load.thresholds."POST /accounts/login/"]
p95_ms = 1500

[load.thresholds."GET /accounts/login/?next=/"]
p95_ms = 300
"""
    (tmp_path / "echotune.toml").write_text(login)
    cfg, ctx = context(tmp_path)
    LOAD.check(cfg.load, ctx)
    typo = login.replace('"POST /accounts/login/"', '"PUT /accounts/login/"')
    (tmp_path / "echotune.toml").write_text(typo)
    cfg, ctx = context(tmp_path)
    with pytest.raises(ConfigError, match=r"did you mean 'POST /accounts/login/'\?"):
        LOAD.check(cfg.load, ctx)
