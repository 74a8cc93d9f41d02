"""The api phase checks the flows before the contract test: generated requests (wrong logins that trip
a rate limit, data they create or delete) must never fail a flow for what the test itself did."""

from __future__ import annotations

from echotune_ci.phases.api import phase as api_phase
from echotune_ci.phases.api.flows import FlowOutcome
from echotune_ci.phases.api.settings import ApiSettings, Flow, FlowStep
from echotune_ci.phases.base import PhaseContext


def test_flows_run_before_the_contract_test(tmp_path, monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(api_phase, "_reachable", lambda client, url: None)
    monkeypatch.setattr(api_phase, "log_in", lambda settings, client: {})
    monkeypatch.setattr(api_phase, "_contract", lambda *args: calls.append("contract"))

    def flow(flow, client, progress):
        calls.append(f"flow {flow.name}")
        return FlowOutcome(passed=len(flow.steps), note=f"flow '{flow.name}': passed")

    monkeypatch.setattr(api_phase, "run_flow", flow)
    flows = tuple(Flow(name=n, steps=(FlowStep(path="/health"),)) for n in ("one", "two"))
    ctx = PhaseContext(artifacts_dir=tmp_path, base_url="http://127.0.0.1:9", source="echotune.toml")
    result = api_phase.run_api(ApiSettings(flows=flows), ctx)
    assert calls == ["flow one", "flow two", "contract"]
    assert result.notes == ["flow 'one': passed", "flow 'two': passed"]
