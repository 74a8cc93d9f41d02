"""Synthetic results for tests of report, gate and compare (no measuring here)."""

from __future__ import annotations

import random

from echotune_ci.results import Finding, Location, Metric, PhaseResult, assign_fingerprints


def load_result(p95_samples: list[float], *, budget: float = 200.0, rps: float = 850.0) -> PhaseResult:
    p95 = sorted(p95_samples)[len(p95_samples) // 2]
    r = PhaseResult(
        phase="load",
        target="http://127.0.0.1:8000",
        tool_versions={"locust": "2.47.0"},
        duration_s=12.5,
        metrics=[
            Metric("p95_ms", p95, "ms", budget=budget, samples=list(p95_samples)).evaluate(),
            Metric("p95_ms", 40.0, "ms", budget=budget, labels={"endpoint": "GET /api/tracks"}).evaluate(),
            Metric("error_rate_pct", 0.2, "%", budget=1.0).evaluate(),
            Metric("rps", rps, "req/s", better="higher"),
        ],
    )
    return r.finalize()


def security_result(extra_high: int = 0) -> PhaseResult:
    findings = [
        Finding("B105", "low", "Possible hardcoded password: 'secret'", "bandit",
                Location("app/settings.py", 12),
                help_url="https://bandit.readthedocs.io/en/latest/plugins/b105_hardcoded_password_string.html",
                context='PASSWORD = "secret"'),
        Finding("PYSEC-2019-217", "medium", "jinja2 2.10 is vulnerable: sandbox escape via str.format_map",
                "pip-audit", Location("requirements.txt"), context="jinja2==2.10 PYSEC-2019-217"),
    ]
    for i in range(extra_high):
        findings.append(Finding("B602", "high", "subprocess call with shell=True", "bandit",
                                Location("app/run.py", 30 + i), context="subprocess.call(cmd, shell=True)"))
    r = PhaseResult(phase="security", tool_versions={"bandit": "1.9.4", "pip-audit": "2.10.1"},
                    duration_s=3.2, findings=assign_fingerprints(findings))
    return r.finalize(fail_on="high")


def frontend_result(fcp: float = 800.0, a11y: float = 100.0, seed: int = 1) -> PhaseResult:
    rng = random.Random(seed)
    url = "http://127.0.0.1:8000/"
    samples = [fcp * (1 + rng.gauss(0, 0.03)) for _ in range(5)]
    r = PhaseResult(
        phase="frontend",
        duration_s=6.0,
        metrics=[
            Metric("fcp_ms", sorted(samples)[2], "ms", budget=1500, samples=samples,
                   labels={"url": url}).evaluate(),
            Metric("cls", 0.01, "", budget=0.1, labels={"url": url}).evaluate(),
            Metric("accessibility_score", a11y, "", better="higher", budget=95,
                   labels={"url": url}).evaluate(),
        ],
    )
    return r.finalize()


def noisy(center: float, n: int, sd: float, seed: int) -> list[float]:
    rng = random.Random(seed)
    return [center + rng.gauss(0, sd) for _ in range(n)]
