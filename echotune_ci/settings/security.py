"""Configuration of the [security] section (owned by the security phase)."""

from ..results import SEVERITIES as SEVERITY
from ..spec import Field, Table

CHECKS = ("bandit", "audit", "secrets", "http")
_LEVELS = ("low", "medium", "high")


def _http_path(value: str) -> str | None:
    return None if value.startswith("/") else "must be a path starting with '/'"


BANDIT = Table(
    {
        "paths": Field(list, [], items=Field(str), doc="Files or folders; empty: the repo's Python sources."),
        "exclude": Field(
            list,
            ["tests", "test", "**/test_*.py", "**/*_test.py", "examples", ".venv", "venv", ".tox", "build",
             "dist", "node_modules", ".git"],
            items=Field(str),
            doc="Globs or folder names left out (also of files passed on the command line).",
        ),
        "severity": Field(str, "low", choices=_LEVELS, doc="Lowest bandit severity reported."),
        "confidence": Field(str, "low", choices=_LEVELS, doc="Lowest bandit confidence reported."),
        "skip": Field(list, [], items=Field(str), doc="Bandit test ids never run, e.g. B101."),
        "tests": Field(list, [], items=Field(str), doc="Run only these bandit test ids."),
    }
)

AUDIT = Table(
    {
        "requirements": Field(list, [], items=Field(str), doc="Pinned requirements files."),
        "pyproject": Field(str, "", doc="A pyproject.toml whose [project] dependencies are audited."),
        "environment": Field(bool, False, doc="Audit the packages installed in the running Python."),
        "advisory_db": Field(str, "", doc="Offline: a PyPA advisory-database folder (vulns/<pkg>/*.yaml)."),
        "osv_url": Field(str, "", doc="An OSV API (mirror) base URL or its /v1/query URL."),
        "timeout": Field("duration", 15.0, min=0.1),
        "default_severity": Field(str, "high", choices=SEVERITY,
                                  doc="Severity of an advisory whose record has none."),
        "ignore": Field(list, [], items=Field(str), doc="Advisory ids or aliases to ignore."),
        "strict": Field(bool, False, doc="Packages that could not be audited make the check fail."),
        "npm": Field(bool, True, doc="Parse `npm audit --json` when a package-lock.json is present."),
    }
)

SECRETS = Table(
    {
        "paths": Field(list, [], items=Field(str), doc="Files or folders; empty: the whole repo."),
        "exclude": Field(list, [".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", "dist", "build",
                                "*.lock", "package-lock.json"], items=Field(str)),
        "allowlist": Field(str, ".echotune-secrets-allow", doc="Allow-list file, relative to the config."),
        "max_file_bytes": Field(int, 1_000_000, min=1, doc="Larger files are skipped and counted."),
        "entropy": Field(float, 3.5, min=0, max=8, doc="Shannon entropy (bits/char) of a generic secret."),
        "min_length": Field(int, 12, min=4, doc="Shortest value of a generic secret assignment."),
    }
)

AUTH = Table(
    {
        "login_path": Field(str, "", check=lambda v: None if v == "" else _http_path(v),
                            doc="POST endpoint taking JSON credentials; empty disables the auth probes."),
        "protected_path": Field(str, "", check=lambda v: None if v == "" else _http_path(v)),
        "username_env": Field(str, "ECHOTUNE_AUTH_USERNAME"),
        "password_env": Field(str, "ECHOTUNE_AUTH_PASSWORD"),
        "username_field": Field(str, "username"),
        "password_field": Field(str, "password"),
        "token_field": Field(str, "access_token"),
        "jwt_secret_env": Field(str, "", doc="Env var with the HS* signing key, to forge a validly signed expired token."),
        "rate_limit_attempts": Field(int, 10, min=0, max=50,
                                     doc="Failed logins sent to find a rate limit (0 skips the probe)."),
        "probe_source_address": Field(str, "", doc="Local address the rate-limit probe connects from, e.g. "
                                      "127.0.0.2, so the lockout it trips does not hit other phases' logins."),
    }
)

PAGE = Table(
    {
        "path": Field(str, required=True, check=_http_path),
        "min_score": Field(float, None, min=0, max=200),
    }
)

HTTP = Table(
    {
        "url": Field(str, "", doc="Base URL to check; empty: the app `run` started."),
        "pages": Field(list, [{"path": "/", "min_score": None}], items=PAGE,
                       doc="Pages whose headers are scored, each with an optional min_score override."),
        "min_score": Field(float, 90.0, min=0, max=200, doc="Observatory-style score each page must reach."),
        "timeout": Field("duration", 10.0, min=0.1),
        "auth": AUTH,
    }
)

SPEC = Table(
    {
        "enabled": Field(bool, True),
        "checks": Field(list, list(CHECKS), items=Field(str, choices=CHECKS)),
        "fail_on": Field(str, "", check=lambda v: None if v in ("",) + SEVERITY else f"must be one of {SEVERITY}",
                         doc="Lowest finding severity that fails; empty: budgets.security_fail_on."),
        "baseline": Field(str, "", doc="Known-findings file; only findings not in it are reported."),
        "sarif": Field(str, "", doc="Also write SARIF 2.1.0 here."),
        "bandit": BANDIT,
        "audit": AUDIT,
        "secrets": SECRETS,
        "http": HTTP,
    }
)
