"""research without a provider: stack detection, gate concerns, API key variables, the answer cache."""

from __future__ import annotations


import pytest
from conftest import MUSICAPP

from echotune_ci.errors import ConfigError
from support.research_samples import sample_repo, write

from echotune_ci.project.detect import detect_stack
from echotune_ci.research.cache import AnswerCache, cache_key
from echotune_ci.research.concerns import concerns_from_results
from echotune_ci.research.providers import Answer, find_api_key, scrub_url_credentials
from echotune_ci.research.settings import ResearchSettings
from echotune_ci.results import Finding, Location, Metric, PhaseResult




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

    write(tmp_path / "pyproject.toml",
          '[project]\nname="x"\ndependencies=["fastapi>=0.110", "uvicorn[standard]==0.29.0"]\n')
    backend = detect_stack(tmp_path)
    assert [(c.name, c.version) for c in backend.frameworks] == [("fastapi", ">=0.110"),
                                                                 ("uvicorn", "==0.29.0")]
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


def test_key_variables(monkeypatch):
    pplx = ResearchSettings(provider="perplexity", base_url="https://api.perplexity.ai", model="sonar")
    with pytest.raises(ConfigError, match="set PERPLEXITY_API_KEY or ECHOTUNE_RESEARCH_API_KEY"):
        find_api_key(pplx, {})
    assert find_api_key(pplx, {"ECHOTUNE_RESEARCH_API_KEY": "k2"}) == "k2"
    local = ResearchSettings(provider="openai", base_url="http://127.0.0.1:8080/v1", model="llama")
    assert find_api_key(local, {}) is None  # llama.cpp / Ollama on loopback need no key
    remote = ResearchSettings(provider="openai", base_url="https://api.openai.com/v1", model="gpt-4o-mini",
                              api_key_env="MY_KEY")
    with pytest.raises(ConfigError, match="set MY_KEY"):
        find_api_key(remote, {})
    assert (scrub_url_credentials("fatal: https://x-access-token:s3cr3t@github.com/o/r")
            == "fatal: https://***@github.com/o/r")


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
