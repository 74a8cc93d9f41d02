"""Sections shared by every phase: project, serve, run, budgets, gate, report."""

from ..spec import Field, Table

PROJECT = Table(
    {
        "name": Field(str, "", doc="Shown in reports."),
        "root": Field(str, ".", doc="Repository root, relative to the config file."),
    }
)

SERVE = Table(
    {
        "command": Field(str, "", doc="Shell command that starts the app; {port} is replaced."),
        "ready_url": Field(str, "", doc="URL polled until it answers 2xx/3xx; {port} is replaced."),
        "port": Field((int, str), "auto", check=lambda v: None if v == "auto" or (isinstance(v, int) and 0 < v < 65536) else "must be 'auto' or a port number"),
        "cwd": Field(str, ".", doc="Working directory for the command, relative to the config file."),
        "env": Field(dict, {}, values=Field(str)),
        "timeout": Field("duration", 30.0, min=0.1, doc="How long to wait for ready_url."),
        "stop_timeout": Field("duration", 10.0, min=0.1),
    }
)

RUN = Table(
    {
        "phases": Field(list, [], items=Field(str, choices=("security", "load", "frontend", "bundle"))),
        "parallel": Field(bool, False, doc="Run phases concurrently (measurements disturb each other)."),
        "output_dir": Field(str, "results"),
    }
)

BUDGETS = Table(
    {
        "api_p95_ms": Field(float, 200.0, min=0),
        "error_rate_pct": Field(float, 1.0, min=0, max=100),
        "fcp_ms": Field(float, 1500.0, min=0),
        "lcp_ms": Field(float, 2000.0, min=0),
        "tti_ms": Field(float, 2000.0, min=0),
        "tbt_ms": Field(float, 300.0, min=0),
        "cls": Field(float, 0.1, min=0),
        "interaction_ms": Field(float, 100.0, min=0),
        "accessibility_score": Field(float, 95.0, min=0, max=100),
        "performance_score": Field(float, 0.0, min=0, max=100, doc="0 disables the gate."),
        "bundle_growth_pct": Field(float, 5.0, min=0),
        "redis_hit_ratio_pct": Field(float, 85.0, min=0, max=100),
        "app_memory_mb": Field(float, 512.0, min=0),
        "app_cpu_pct": Field(float, 80.0, min=0),
        "security_fail_on": Field(str, "high", choices=("info", "low", "medium", "high", "critical")),
    },
    doc="Project-wide budgets; phases allow per-URL / per-endpoint overrides.",
)

GATE = Table(
    {
        "regression": Field(
            dict,
            {"p95_ms": 10.0, "api_p95_ms": 10.0, "rps": 10.0, "fcp_ms": 10.0, "lcp_ms": 10.0, "tti_ms": 10.0,
             "tbt_ms": 25.0, "bundle_total_gzip_bytes": 5.0},
            values=Field(float, min=0),
            doc="Metric name -> largest allowed change for the worse against the baseline, in percent.",
        ),
        "alpha": Field(float, 0.05, min=0.0001, max=0.5, doc="Significance level for sampled metrics."),
        "min_effect_pct": Field(float, 5.0, min=0, doc="Smaller changes are never called regressions."),
        "fail_on_warn": Field(bool, False),
    }
)

REPORT = Table(
    {
        "title": Field(str, "EchoTune CI"),
        "details_url": Field(str, "", doc="Link to the full report, used when the comment is truncated."),
        "max_annotations": Field(int, 50, min=0, max=50),
    }
)
