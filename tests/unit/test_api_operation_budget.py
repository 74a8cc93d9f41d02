"""`[api] operation_p95_ms`: an operation's own p95 budget. A sign-up hashes the new account's password, and
Django's PBKDF2 (1,000,000 iterations of SHA-256 in Django 5.2) takes about 260 ms here by design
(`hashlib.pbkdf2_hmac("sha256", ..., 1_000_000)`: 261 ms on this machine), above the 200-ms default of
every other operation: realworld-django-ninja's sign-up failed its budget in every run, A/A included."""

from __future__ import annotations

import pytest
from conftest import run_cli

from echotune_ci.config import load_config
from echotune_ci.errors import ConfigError
from echotune_ci.phases.api.contract import ContractOutcome
from echotune_ci.phases.api.phase import timing_metrics


def test_an_operation_named_gets_its_own_budget_the_others_the_default() -> None:
    outcome = ContractOutcome(timings={"POST /api/users": [255.0, 262.0, 258.0, 270.0, 251.0],
                                       "GET /api/articles": [12.0, 15.0, 11.0, 13.0, 240.0]})
    metrics = {m.labels["operation"]: m for m in timing_metrics(outcome, 200.0, {"POST /api/users": 1000.0})}
    signup, articles = metrics["POST /api/users"], metrics["GET /api/articles"]
    assert (signup.budget, signup.value, signup.status) == (1000.0, 270.0, "pass")
    assert (articles.budget, articles.value, articles.status) == (200.0, 240.0, "fail")
    # without the table, the sign-up fails the default as it did
    assert timing_metrics(outcome, 200.0)[0].status == "fail"


def test_the_table_is_read_from_echotune_toml_and_refuses_what_is_no_operation(tmp_path) -> None:
    config = tmp_path / "echotune.toml"
    config.write_text('[api]\noperation_p95_ms = { "POST /api/users" = 1000, "Mutation.signUp" = 800 }\n')
    api = load_config(config).api
    assert dict(api.operation_p95_ms) == {"POST /api/users": 1000.0, "Mutation.signUp": 800.0}
    config.write_text('[api]\noperation_p95_ms = { "/api/users" = 1000 }\n')
    with pytest.raises(ConfigError, match="'/api/users' is not an operation such as 'POST /api/login'"):
        load_config(config)
    config.write_text('[api]\noperation_p95_ms = { "POST /api/users" = -5 }\n')
    with pytest.raises(ConfigError):
        load_config(config)
    done = run_cli("gate", "--config", str(config), str(tmp_path), cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr and "operation_p95_ms" in done.stderr


def test_a_name_no_operation_has_is_said_to_gate_nothing() -> None:
    from echotune_ci.phases.api.phase import unknown_budgets

    outcome = ContractOutcome(timings={"POST /api/users": [250.0], "GET /api/tags": [3.0]})
    own = {"POST /api/users/": 1000.0, "POST /api/users": 1000.0, "Mutation.signUp": 800.0}
    said = unknown_budgets(own, outcome, "/openapi.json", graphql=False)
    assert said == ("api: [api] operation_p95_ms names POST /api/users/, which /openapi.json has no timed "
                    "operation of (its operations are named as POST /api/users, GET /api/tags): its budget "
                    "gated nothing")
    # the GraphQL name is the schema's business, judged with it
    assert "Mutation.signUp" in unknown_budgets(own, ContractOutcome(), "/graphql", graphql=True)
    assert unknown_budgets({"POST /api/users": 1.0}, outcome, "/openapi.json", graphql=False) == ""


def test_a_graphql_root_wildcard_budgets_every_operation_of_that_root_as_exclude_reads_it() -> None:
    """The settings' check accepts `Mutation.*` (its error offers it as an example), and `[api] exclude` reads
    it as every mutation; before, `operation_p95_ms = { "Mutation.*" = 1000 }` loaded, budgeted nothing
    (every mutation kept the 200-ms default) and was said to name no operation."""
    from echotune_ci.phases.api.phase import unknown_budgets

    outcome = ContractOutcome(timings={"Mutation.signUp": [250.0, 260.0, 255.0, 262.0, 258.0],
                                       "Mutation.login": [240.0, 245.0, 250.0, 242.0, 244.0],
                                       "Query.me": [12.0, 11.0, 13.0, 14.0, 12.0]})
    own = {"Mutation.*": 1000.0, "Mutation.login": 230.0}
    metrics = {m.labels["operation"]: m for m in timing_metrics(outcome, 200.0, own)}
    # the name itself first (login's 230), then its root's wildcard (signUp's 1000), else the default
    ops = ("Mutation.signUp", "Mutation.login", "Query.me")
    assert [(metrics[op].budget, metrics[op].status) for op in ops] \
        == [(1000.0, "pass"), (230.0, "fail"), (200.0, "pass")]
    assert unknown_budgets(own, outcome, "/graphql", graphql=True) == ""
    said = unknown_budgets({"Subscription.*": 50.0}, outcome, "/graphql", graphql=True)
    assert said.startswith("api: [api] operation_p95_ms names Subscription.*, which /graphql has no timed")
    # an OpenAPI operation is never a root's: "POST /a.b" is not under "POST /a.*" (no such name loads anyway)
    assert timing_metrics(ContractOutcome(timings={"POST /a.b": [300.0] * 5}), 200.0,
                          {"POST /a.*": 1000.0})[0].budget == 200.0
