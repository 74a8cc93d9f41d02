"""research: stack detection, the provider client against a strict fake API, cache, CLI."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from conftest import MUSICAPP, run_cli
from support.fake_research import FakeResearchAPI

from echotune_ci.config import load_config
from echotune_ci.errors import ConfigError
from echotune_ci.phases.research import ResearchOptions, research
from echotune_ci.phases.research_cache import AnswerCache, cache_key
from echotune_ci.phases.research_providers import (
    Answer, ChatClient, ProviderError, ProviderSettings, find_api_key, parse_retry_after, scrub_url_credentials,
)
from echotune_ci.phases.research_stack import concerns_from_results, detect_stack
from echotune_ci.results import Finding, Location, Metric, PhaseResult, assign_fingerprints

KEY = "test-key-123"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def sample_repo(root: Path) -> Path:
    write(root / "requirements.txt", "Flask==2.2.5\ngunicorn>=21  # server\n-r other.txt\nPyJWT==2.3.0\n")
    write(root / "web" / "package.json", json.dumps({
        "dependencies": {"react": "^18.2.0", "react-dom": "^18.2.0"},
        "devDependencies": {"vite": "5.0.0", "left-pad": "1.0.0"},
    }))
    write(root / "web" / "node_modules" / "vue" / "package.json", json.dumps({"dependencies": {"vue": "3"}}))
    write(root / "Dockerfile", "FROM node:20-alpine AS build\nRUN true\nFROM python:3.11-slim\nCOPY --from=build /a /b\n")
    write(root / "app.py", "import flask\n")
    return root


def config_for(tmp: Path, extra: str = "") -> Path:
    return write(tmp / "echotune.toml", f'[project]\nname = "sample"\n[research]\ncache_dir = "cache"\n{extra}')


def test_stack_of_a_mixed_repo(tmp_path):
    stack = detect_stack(sample_repo(tmp_path))
    names = {(c.ecosystem, c.name): c for c in stack.frameworks}
    assert names[("pypi", "Flask")].version == "==2.2.5"
    assert names[("pypi", "Flask")].source == "requirements.txt"
    assert names[("pypi", "gunicorn")].version == ">=21"
    assert names[("npm", "react")].version == "^18.2.0" and names[("npm", "vite")].area == "frontend"
    # node_modules is someone else's code; left-pad is a dependency but no framework
    assert ("npm", "vue") not in names and ("npm", "left-pad") not in names
    assert any(c.name == "left-pad" for c in stack.dependencies)
    assert [(c.name, c.version) for c in stack.images] == [("node", "20-alpine"), ("python", "3.11-slim")]
    assert stack.languages == ["python", "javascript"] and stack.has_web_ui


def test_stack_of_the_example_app_and_of_a_backend_only_repo(tmp_path):
    stack = detect_stack(MUSICAPP)
    assert {"flask", "pyjwt", "redis"} <= {c.name for c in stack.frameworks}
    assert stack.has_web_ui  # templates and src/*.js

    write(tmp_path / "pyproject.toml", '[project]\nname="x"\ndependencies=["fastapi>=0.110", "uvicorn[standard]==0.29.0"]\n')
    backend = detect_stack(tmp_path)
    assert [(c.name, c.version) for c in backend.frameworks] == [("fastapi", ">=0.110"), ("uvicorn", "==0.29.0")]
    assert not backend.has_web_ui


def test_failing_and_regressed_gates_become_concerns():
    load = PhaseResult(phase="load", metrics=[
        Metric("api_p95_ms", 420.0, "ms", budget=200.0, baseline=180.0, status="fail"),
        Metric("rps", 300.0, "", better="higher", status="pass"),
    ])
    frontend = PhaseResult(phase="frontend", metrics=[
        Metric("accessibility_score", 81.0, "", better="higher", budget=95.0, status="fail")])
    security = PhaseResult(phase="security", findings=[
        Finding("PYSEC-1", "high", "pyjwt 2.3.0 is vulnerable", "pip-audit", Location("requirements.txt")),
        Finding("B101", "low", "assert used", "bandit"),
    ])
    concerns = concerns_from_results([load, frontend, security])
    assert [(c.area, c.subject) for c in concerns] == [
        ("performance", "api_p95_ms"), ("accessibility", "accessibility_score"), ("security", "PYSEC-1")]
    assert concerns[0].detail == "420 ms (budget <= 200 ms), was 180 ms on the base branch"


def settings_for(api: FakeResearchAPI, **kw) -> ProviderSettings:
    base = dict(provider=api.flavour, base_url=api.base_url, model="sonar" if api.flavour == "perplexity" else "local",
                timeout=5.0, retries=3, max_retry_wait=5.0)
    base.update(kw)
    return ProviderSettings(**base)


def test_perplexity_answer_carries_citations_and_search_results():
    with FakeResearchAPI() as api:
        with ChatClient(settings_for(api), KEY) as client:
            answer = client.ask("be brief", "How to pin Flask?")
        body = api.requests[0]
    assert body["messages"] == [{"role": "system", "content": "be brief"}, {"role": "user", "content": "How to pin Flask?"}]
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
        with ChatClient(settings_for(api, retries=2), KEY, sleep=lambda _s: None) as client:
            with pytest.raises(ProviderError, match=r"HTTP 500 \(Internal server error\) after 3 attempts"):
                client.ask("", "q")
        api.script(("429", 3600))
        with ChatClient(settings_for(api), KEY, sleep=lambda _s: None) as client:
            with pytest.raises(ProviderError, match="Retry-After 3600s is longer than max_retry_wait"):
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
        with ChatClient(settings_for(api), "wrong-secret-key", sleep=lambda _s: None) as client:
            with pytest.raises(ProviderError) as err:
                client.ask("", "q")
        assert "HTTP 401" in str(err.value) and "wrong-secret-key" not in str(err.value)
        with ChatClient(settings_for(api, model="gpt-9"), KEY) as client:
            with pytest.raises(ProviderError, match="HTTP 400 .Invalid model 'gpt-9'"):
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
        assert httpx.post(url, content=b"{", headers={**auth, "Content-Type": "application/json"}).status_code == 400
        assert httpx.post(url, json={**ok, "foo": 1}, headers=auth).status_code == 400
        two_users = {"model": "sonar", "messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]}
        assert httpx.post(url, json=two_users, headers=auth).status_code == 400
        assert httpx.post(api.base_url + "/v1/chat/completions", json=ok, headers=auth).status_code == 404


def test_key_variables(monkeypatch):
    pplx = ProviderSettings("perplexity", "https://api.perplexity.ai", "sonar")
    with pytest.raises(ConfigError, match="set PERPLEXITY_API_KEY or ECHOTUNE_RESEARCH_API_KEY"):
        find_api_key(pplx, {})
    assert find_api_key(pplx, {"ECHOTUNE_RESEARCH_API_KEY": "k2"}) == "k2"
    local = ProviderSettings("openai", "http://127.0.0.1:8080/v1", "llama")
    assert find_api_key(local, {}) is None  # llama.cpp / Ollama on loopback need no key
    remote = ProviderSettings("openai", "https://api.openai.com/v1", "gpt-4o-mini", key_variable="MY_KEY")
    with pytest.raises(ConfigError, match="set MY_KEY"):
        find_api_key(remote, {})
    assert scrub_url_credentials("fatal: https://x-access-token:s3cr3t@github.com/o/r") == "fatal: https://***@github.com/o/r"


def test_cache_expires_after_its_ttl(tmp_path):
    now = [1000.0]
    cache = AnswerCache(tmp_path, ttl_s=60, clock=lambda: now[0])
    key = cache_key("perplexity|u|sonar", "sys", "prompt")
    assert key != cache_key("perplexity|u|sonar-pro", "sys", "prompt")
    cache.put(key, Answer("text"), identity="x")
    now[0] += 59
    assert cache.get(key)[0].content == "text"
    now[0] += 2
    assert cache.get(key) is None


def test_bounded_concurrency_and_second_run_from_cache(tmp_path, monkeypatch):
    sample_repo(tmp_path / "repo")
    extra = 'concurrency = 2\nquestions = [{area = "backend", text = "Q1"}, {area = "security", text = "Q2"}]\n'
    cfg = load_config(config_for(tmp_path, extra))

    def slow_responder(prompt, _messages):
        time.sleep(0.15)
        return "answer to " + prompt[:20], [{"title": "T", "url": "https://example.org/a_(c)"}]

    monkeypatch.setenv("PERPLEXITY_API_KEY", KEY)
    with FakeResearchAPI(responder=slow_responder) as api:
        opts = ResearchOptions(base_url=api.base_url, output_dir=tmp_path / "out", root=tmp_path / "repo")
        first = research(cfg, opts)
        assert api.max_in_flight == 2 and len(api.requests) == 7
        second = research(cfg, opts)
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
        Finding("PYSEC-2022-1", "high", "pyjwt 2.3.0: algorithm confusion", "pip-audit", Location("requirements.txt"))
    ])).write(results / "security.json")
    with FakeResearchAPI() as api:
        api.script(("429", 1))  # the first request is told to come back in a second
        started = time.monotonic()
        proc = run_cli("research", "--config", str(cfg), "--results", str(results), "--base-url", api.base_url,
                       "--output", str(tmp_path / "research"), "--result", str(tmp_path / "research.json"),
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
    with FakeResearchAPI(status_for=lambda prompt: 500 if "security best practices" in prompt else None) as api:
        proc = run_cli(*common, "--base-url", api.base_url, env=env, cwd=tmp_path / "repo")
    assert proc.returncode == 3, proc.stderr
    assert "security: perplexity at" in proc.stderr and "HTTP 500" in proc.stderr and "Traceback" not in proc.stderr
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
        opts = ResearchOptions(base_url=api.base_url, output_dir=tmp_path / "out", root=tmp_path / "repo")
        research(cfg, opts)
        assert research(cfg, opts).metric("research.cache_hits").value == 1
        time.sleep(0.6)
        again = research(cfg, opts)
        assert len(api.requests) == 2
    assert again.metric("research.cache_hits").value == 0 and again.metric("research.answered").value == 1
