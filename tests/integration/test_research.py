"""research against a strict fake API: the provider client, retries, the cache across runs, the CLI."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from conftest import run_cli
from support.fake_research import FakeResearchAPI

from echotune_ci.config import Config, load_config, override
from echotune_ci.net.retry import parse_retry_after
from support.research_samples import sample_repo, write

from echotune_ci.research.brief import ResearchOptions, research
from echotune_ci.research.providers import ChatClient, ProviderError
from echotune_ci.research.settings import ResearchSettings
from echotune_ci.results import Finding, Location, PhaseResult, assign_fingerprints

KEY = "test-key-123"


def config_for(tmp: Path, extra: str = "") -> Path:
    return write(tmp / "echotune.toml",
                 f'[project]\nname = "sample"\n[research]\ncache_dir = "cache"\n{extra}')


def settings_for(api: FakeResearchAPI, **kw) -> ResearchSettings:
    base = dict(provider=api.flavour, base_url=api.base_url,
                model="sonar" if api.flavour == "perplexity" else "local", timeout=5.0, retries=3,
                max_retry_wait=5.0)
    base.update(kw)
    return ResearchSettings(**base)


def pointed_at(cfg: Config, api: FakeResearchAPI, out: Path, root: Path) -> Config:
    """*cfg* asking *api*, writing the brief to *out*, about the project in *root*."""
    cfg = cfg.with_section("project", override(cfg.project, root=str(root)))
    return cfg.with_section("research", override(cfg.research, base_url=api.base_url, output_dir=str(out)))


def test_perplexity_answer_carries_citations_and_search_results():
    with FakeResearchAPI() as api:
        with ChatClient(settings_for(api), KEY) as client:
            answer = client.ask("be brief", "How to pin Flask?")
        body = api.requests[0]
    assert body["messages"] == [{"role": "system", "content": "be brief"},
                                {"role": "user", "content": "How to pin Flask?"}]
    assert answer.content.startswith("Recommendations for: How to pin Flask?")
    assert [c.url for c in answer.citations][1] == "https://example.org/releases"
    assert answer.citations[1].title == "Release notes" and answer.citations[1].date == "2025-06-12"


def test_retries_honour_retry_after_then_recover_from_500_and_malformed_json():
    waits: list[float] = []
    with FakeResearchAPI() as api:
        api.script(("429", 2), ("500",), ("malformed",))
        with ChatClient(settings_for(api), KEY, sleep=waits.append) as client:
            answer = client.ask("", "q")
        assert len(api.requests) == 4
    assert answer.content.startswith("Recommendations")
    assert 2.0 <= waits[0] < 2.2  # Retry-After, not the backoff
    assert len(waits) == 3 and waits[1] < waits[2]  # exponential backoff afterwards


def test_gives_up_after_retries_and_on_a_too_long_retry_after():
    with FakeResearchAPI() as api:
        api.script(("500",), ("500",), ("500",))
        with (ChatClient(settings_for(api, retries=2), KEY, sleep=lambda _s: None) as client,
              pytest.raises(ProviderError, match=r"HTTP 500 \(Internal server error\) after 3 attempts")):
            client.ask("", "q")
        api.script(("429", 3600))
        with (ChatClient(settings_for(api), KEY, sleep=lambda _s: None) as client,
              pytest.raises(ProviderError, match="Retry-After 3600s is longer than max_retry_wait")):
            client.ask("", "q")
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_retry_after("7") == 7.0 and parse_retry_after("soon") is None


def test_slow_answer_times_out_and_is_retried():
    with FakeResearchAPI() as api:
        api.script(("slow", 1.0))
        started = time.monotonic()
        with ChatClient(settings_for(api, timeout=0.3), KEY, sleep=lambda _s: None) as client:
            answer = client.ask("", "q")
        assert time.monotonic() - started < 1.5
        assert len(api.requests) == 2 and answer.content


def test_bad_key_and_bad_model_are_rejected_without_retry_and_without_echoing_the_key():
    with FakeResearchAPI() as api:
        with (ChatClient(settings_for(api), "wrong-secret-key", sleep=lambda _s: None) as client,
              pytest.raises(ProviderError) as err):
            client.ask("", "q")
        assert "HTTP 401" in str(err.value) and "wrong-secret-key" not in str(err.value)
        with (ChatClient(settings_for(api, model="gpt-9"), KEY) as client,
              pytest.raises(ProviderError, match="HTTP 400 .Invalid model 'gpt-9'")):
            client.ask("", "q")
        assert api.rejected == [(401, "Invalid API key provided"), (400, "Invalid model 'gpt-9'")]


def test_fake_api_is_strict_about_the_wire_format():
    import httpx

    with FakeResearchAPI() as api:
        url = api.base_url + "/chat/completions"
        auth = {"Authorization": f"Bearer {KEY}"}
        ok = {"model": "sonar", "messages": [{"role": "user", "content": "hi"}]}
        assert httpx.post(url, json=ok, headers=auth).status_code == 200
        assert httpx.post(url, json=ok).status_code == 401
        broken = httpx.post(url, content=b"{", headers={**auth, "Content-Type": "application/json"})
        assert broken.status_code == 400
        assert httpx.post(url, json={**ok, "foo": 1}, headers=auth).status_code == 400
        two_users = {"model": "sonar",
                     "messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]}
        assert httpx.post(url, json=two_users, headers=auth).status_code == 400
        assert httpx.post(api.base_url + "/v1/chat/completions", json=ok, headers=auth).status_code == 404


def test_bounded_concurrency_and_second_run_from_cache(tmp_path, monkeypatch):
    sample_repo(tmp_path / "repo")
    extra = ('concurrency = 2\n'
             'questions = [{area = "backend", text = "Q1"}, {area = "security", text = "Q2"}]\n')
    cfg = load_config(config_for(tmp_path, extra))

    def slow_responder(prompt, _messages):
        time.sleep(0.15)
        return "answer to " + prompt[:20], [{"title": "T", "url": "https://example.org/a_(c)"}]

    monkeypatch.setenv("PERPLEXITY_API_KEY", KEY)
    with FakeResearchAPI(responder=slow_responder) as api:
        cfg = pointed_at(cfg, api, tmp_path / "out", tmp_path / "repo")
        first = research(cfg, ResearchOptions())
        assert api.max_in_flight == 2 and len(api.requests) == 7
        second = research(cfg, ResearchOptions())
        assert len(api.requests) == 7  # nothing new asked
    assert first.metric("research.answered").value == 7 and first.metric("research.cache_hits").value == 0
    assert second.metric("research.cache_hits").value == 7 and second.status == "pass"
    brief = json.loads((tmp_path / "out" / "brief.json").read_text())
    assert brief["questions"][0]["citations"][0]["url"] == "https://example.org/a_%28c%29"
    assert {q["status"] for q in brief["questions"]} == {"cached"}


def test_cli_writes_cited_brief_and_never_the_key(tmp_path, cli_env):
    sample_repo(tmp_path / "repo")
    cfg = config_for(tmp_path, 'areas = ["backend", "security"]\n')
    env = {**cli_env, "PERPLEXITY_API_KEY": KEY}
    results = tmp_path / "results"
    PhaseResult(phase="security", findings=assign_fingerprints([
        Finding("PYSEC-2022-1", "high", "pyjwt 2.3.0: algorithm confusion", "pip-audit",
                Location("requirements.txt"))
    ])).write(results / "security.json")
    with FakeResearchAPI() as api:
        api.script(("429", 1))  # the first request is told to come back in a second
        started = time.monotonic()
        proc = run_cli("research", "--config", str(cfg), "--results", str(results),
                       "--base-url", api.base_url, "--output", str(tmp_path / "research"),
                       "--result", str(tmp_path / "research.json"),
                       env=env, cwd=tmp_path / "repo")
        elapsed = time.monotonic() - started
        prompts = [r["messages"][-1]["content"] for r in api.requests]
    assert proc.returncode == 0, proc.stderr
    assert len(prompts) == 3 and elapsed >= 1.0
    assert any("PYSEC-2022-1" in p and "Flask ==2.2.5" in p for p in prompts)
    md = (tmp_path / "research" / "brief.md").read_text()
    assert "## 2. Security" in md and "(https://example.org/releases) (2025-06-12)" in md
    brief = json.loads((tmp_path / "research" / "brief.json").read_text())
    assert [q["id"] for q in brief["questions"]] == ["backend", "security"]
    assert brief["concerns"][0]["subject"] == "PYSEC-2022-1"
    result = json.loads((tmp_path / "research.json").read_text())
    assert result["phase"] == "research" and result["status"] == "pass"
    everything = proc.stdout + proc.stderr + md + json.dumps(brief) + json.dumps(result)
    everything += "".join(p.read_text() for p in (tmp_path / "cache").rglob("*.json"))
    assert KEY not in everything


def test_cli_openai_compatible_endpoint_without_citations(tmp_path, cli_env):
    sample_repo(tmp_path / "repo")
    cfg = config_for(tmp_path, 'areas = ["frontend"]\n')
    env = {**cli_env, "ECHOTUNE_RESEARCH_API_KEY": "local-key"}
    with FakeResearchAPI(flavour="openai", key="local-key") as api:
        proc = run_cli("research", "--config", str(cfg), "--provider", "openai", "--base-url", api.base_url,
                       "--model", "llama-3.1-8b", "-o", str(tmp_path / "out"), env=env, cwd=tmp_path / "repo")
    assert proc.returncode == 0, proc.stderr
    brief = json.loads((tmp_path / "out" / "brief.json").read_text())
    assert brief["model"] == "llama-3.1-8b" and brief["questions"][0]["citations"] == []
    assert "react ^18.2.0" in brief["questions"][0]["prompt"]


def test_cli_errors_missing_key_provider_failure_and_offline(tmp_path, cli_env):
    sample_repo(tmp_path / "repo")
    cfg = config_for(tmp_path, 'areas = ["backend", "security"]\nretries = 1\n')
    env = {k: v for k, v in cli_env.items() if k not in ("PERPLEXITY_API_KEY", "ECHOTUNE_RESEARCH_API_KEY")}
    out = tmp_path / "out"
    common = ("research", "--config", str(cfg), "-o", str(out))

    proc = run_cli(*common, env=env, cwd=tmp_path / "repo")
    assert proc.returncode == 2 and "PERPLEXITY_API_KEY or ECHOTUNE_RESEARCH_API_KEY" in proc.stderr
    assert "Traceback" not in proc.stderr and not out.exists()

    proc = run_cli(*common, "--offline", env=env, cwd=tmp_path / "repo")
    assert proc.returncode == 3 and "nothing cached for: backend, security" in proc.stderr

    env["PERPLEXITY_API_KEY"] = KEY
    # The security question always meets a 500: one try and one retry, then it fails.
    def fail_security(prompt: str) -> int | None:
        return 500 if "security best practices" in prompt else None

    with FakeResearchAPI(status_for=fail_security) as api:
        proc = run_cli(*common, "--base-url", api.base_url, env=env, cwd=tmp_path / "repo")
    assert proc.returncode == 3, proc.stderr
    assert "security: perplexity at" in proc.stderr and "HTTP 500" in proc.stderr
    assert "Traceback" not in proc.stderr
    brief = json.loads((out / "brief.json").read_text())  # partial brief kept
    assert [q["status"] for q in brief["questions"]] == ["answered", "failed"]
    assert "_No answer:" in (out / "brief.md").read_text()

    proc = run_cli(*common, "--offline", env=env, cwd=tmp_path / "repo")
    assert proc.returncode == 0, proc.stderr
    assert "security: not in the cache (offline)" in proc.stdout


def test_expired_answers_are_asked_again(tmp_path, monkeypatch):
    sample_repo(tmp_path / "repo")
    cfg = load_config(config_for(tmp_path, 'areas = ["security"]\ncache_ttl = "0.5s"\n'))
    monkeypatch.setenv("PERPLEXITY_API_KEY", KEY)
    with FakeResearchAPI() as api:
        cfg = pointed_at(cfg, api, tmp_path / "out", tmp_path / "repo")
        research(cfg, ResearchOptions())
        assert research(cfg, ResearchOptions()).metric("research.cache_hits").value == 1
        time.sleep(0.6)
        again = research(cfg, ResearchOptions())
        assert len(api.requests) == 2
    assert again.metric("research.cache_hits").value == 0 and again.metric("research.answered").value == 1
