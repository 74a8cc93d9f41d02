"""The [security] section, owned by the security phase."""

from __future__ import annotations

from dataclasses import dataclass

from ...config.schema import item, seconds, server_url, setting
from ...results.model import SEVERITIES
from .checks import CHECK_NAMES

_LEVELS = ("low", "medium", "high")


def _http_path(value: str) -> str | None:
    return None if value.startswith("/") else "must be a path starting with '/'"


def _optional_path(value: str) -> str | None:
    return None if value == "" else _http_path(value)


def _skipped() -> str:
    """The ``skipped`` key, one shape for every scanner (bandit, secrets, node): what files the scanner
    could not scan make of the check."""
    return setting("error", choices=("error", "warn"),
                   doc="Files the scanner could not scan (unparseable, unreadable, too large, timed out): "
                       "\"error\" makes the check an error (exit 3), \"warn\" a warning; listed either way.")


@dataclass(frozen=True)
class BanditSettings:
    """[security.bandit]: static analysis of Python sources."""

    paths: tuple[str, ...] = setting((), doc="Files or folders; empty: the repo's Python sources.")
    exclude: tuple[str, ...] = setting(
        ("tests", "test", "**/test_*.py", "**/*_test.py", "examples", ".venv", "venv", ".tox", "build",
         "dist", "node_modules", ".git"),
        doc="Globs or folder names left out (also of files passed on the command line).",
    )
    severity: str = setting("low", choices=_LEVELS, doc="Lowest bandit severity reported.")
    confidence: str = setting("low", choices=_LEVELS, doc="Lowest bandit confidence reported.")
    skip: tuple[str, ...] = setting((), doc="Bandit test ids never run, e.g. B101.")
    tests: tuple[str, ...] = setting((), doc="Run only these bandit test ids.")
    skipped: str = _skipped()


@dataclass(frozen=True)
class AuditSettings:
    """[security.audit]: known vulnerabilities of the dependencies.

    ``advisory_db_env`` is not a configuration key: it names the environment
    variable that supplies ``advisory_db`` when that is empty, so a runner
    with a local advisory mirror goes offline without editing the config;
    "" turns the fallback off (``--osv-url`` on the command line does).
    The offline folder wins over ``osv_url`` either way.
    """

    requirements: tuple[str, ...] = setting((), doc="Requirements files, read as pip reads them (-r/-c "
                                                    "followed); lines without an exact pin are listed as "
                                                    "not auditable.")
    pyproject: str = setting("", doc="A pyproject.toml whose exact pins are audited ([project], "
                                     "[dependency-groups], [tool.poetry]).")
    environment: bool = setting(False, doc="Audit the packages installed in the running Python.")
    advisory_db: str = setting("", doc="Offline: an OSV advisory folder (vulns/<package>/*.json or *.yaml), "
                                       "e.g. the PyPA advisory database or an npm one.")
    osv_url: str = setting("", doc="An OSV API (mirror) base URL or its /v1/query URL.")
    timeout: float = setting(15.0, parse=seconds, min=0.1,
                             doc="Timeout of one request to the advisory service.")
    default_severity: str = setting("high", choices=SEVERITIES,
                                    doc="Severity of an advisory whose record has none.")
    ignore: tuple[str, ...] = setting((), doc="Advisory ids or aliases to ignore.")
    strict: bool = setting(False, doc="Packages that could not be audited make the check fail.")
    lockfiles: tuple[str, ...] = setting((), doc="Lockfiles to audit: JavaScript (package-lock.json, "
                                                 "npm-shrinkwrap.json, yarn.lock, pnpm-lock.yaml, "
                                                 "bun.lock) and Python (poetry.lock, pdm.lock, uv.lock, "
                                                 "Pipfile.lock, pylock.toml); empty: the ones found in "
                                                 "the project.")
    paths: tuple[str, ...] = setting((), doc="Folders (or lockfiles) whose JavaScript lockfiles are audited, "
                                             "each with its direct subfolders; empty: the project root. "
                                             "PATH arguments of the security command set it.")
    npm: str = setting("osv", choices=("osv", "npm-audit", "off"),
                       doc="Where JavaScript packages are checked: osv (advisory_db or the OSV API, as for "
                           "Python), npm-audit (`npm audit --json` with the project's own npm and "
                           "registry), off.")
    registry: str = setting("", doc="npm registry `npm audit` asks (default: npm's own configuration).")
    production_only: bool = setting(False, doc="Audit production dependencies only, not devDependencies "
                                               "(npm) or development groups (Python lockfiles, "
                                               "[dependency-groups]).")
    python_version: str = setting("", doc="Python version whose environment markers decide which "
                                          "requirement lines apply (\"3.12\"); empty: the running Python's.")
    platform: str = setting("", choices=("", "linux", "win32", "darwin", "cygwin", "aix", "emscripten"),
                            doc="sys_platform for environment markers; empty: the running platform.")
    advisory_db_env: str = "ECHOTUNE_ADVISORY_DB"


@dataclass(frozen=True)
class SecretsSettings:
    """[security.secrets]: credentials committed to the repository."""

    paths: tuple[str, ...] = setting((), doc="Files or folders; empty: the whole repo.")
    exclude: tuple[str, ...] = setting((".git", ".venv", "venv", "node_modules", "__pycache__", ".tox",
                                        "dist", "build", "*.lock", "package-lock.json", ".yarn", ".pnp.cjs",
                                        ".pnp.loader.mjs"),
                                       doc="Globs or folder names left out.")
    allowlist: str = setting(".echotune-secrets-allow", doc="Allow-list file, relative to the config.")
    max_file_bytes: int = setting(1_000_000, min=1, doc="Larger files are skipped and counted.")
    entropy: float = setting(3.5, min=0, max=8, doc="Shannon entropy (bits/char) of a generic secret.")
    min_length: int = setting(12, min=4, doc="Shortest value of a generic secret assignment.")
    placeholders: tuple[str, ...] = setting(
        ("changeme", "change-me", "change_me", "xxx", "your-", "your_", "<", "${", "{{", "%(", "example",
         "dummy", "placeholder", "fixme", "todo", "redacted", "secret123", "password123", "*****"),
        doc="A value containing one of these (case-insensitive) is a placeholder, not a secret.")
    test_fixtures: tuple[str, ...] = setting(
        ("tests", "test", "__tests__", "spec", "fixtures", "__fixtures__", "testdata", "**/*.test.*",
         "**/*.spec.*", "**/test_*.py", "**/*_test.py", "**/*_test.go"),
        doc="Globs or folder names of test code: secrets found there are not reported (empty: report them).")
    skipped: str = _skipped()


@dataclass(frozen=True)
class NodeSettings:
    """[security.node]: static analysis of server-side JavaScript and TypeScript with njsscan."""

    paths: tuple[str, ...] = setting((), doc="Files or folders; empty: the repo. Only server-side JS/TS "
                                             "in them is scanned (see docs/security.md).")
    exclude: tuple[str, ...] = setting(
        ("node_modules", ".git", "dist", "build", "out", ".next", ".nuxt", ".output", ".svelte-kit",
         ".yarn", ".pnp.cjs", ".pnp.loader.mjs", "coverage", "public", "static", "vendor", "tests", "test",
         "__tests__", "*.min.js", "**/*.test.*", "**/*.spec.*"),
        doc="Globs or folder names left out (built bundles, dependencies, browser code, tests); inside a "
            "folder named in paths they match the path below that folder.")
    server_dirs: tuple[str, ...] = setting(
        ("server", "api", "routes", "backend", "lib", "controllers", "middleware", "middlewares"),
        doc="Folder names (any depth) whose JS/TS is server code even when it imports no server module "
            "(files that import a browser framework such as react stay out).")
    timeout: float = setting(300.0, parse=seconds, min=0.01, doc="Longest the scan may take; then the "
                                                                 "check errors and the others still report.")
    skipped: str = _skipped()


@dataclass(frozen=True)
class AuthSettings:
    """[security.http.auth]: probes of the login and a protected endpoint."""

    login_path: str = setting("", check=_optional_path,
                              doc="POST endpoint taking the credentials; empty disables the auth probes.")
    body: str = setting("json", choices=("json", "form"),
                        doc="How the credentials are sent: a JSON object, or a form "
                            "(application/x-www-form-urlencoded: OAuth2's password form, FastAPI's "
                            "OAuth2PasswordRequestForm).")
    protected_path: str = setting("", check=_optional_path, doc="An endpoint that needs the token.")
    username_env: str = setting("ECHOTUNE_AUTH_USERNAME", doc="Environment variable holding the user name.")
    password_env: str = setting("ECHOTUNE_AUTH_PASSWORD", doc="Environment variable holding the password.")
    username_field: str = setting("username", doc="Field of the user name in the login request.")
    password_field: str = setting("password", doc="Field of the password in the login request.")
    token_field: str = setting("access_token", doc="JSON field of the token in the login answer.")
    jwt_secret_env: str = setting("", doc="Env var with the HS* signing key, to forge a validly signed "
                                          "expired token.")
    rate_limit_attempts: int = setting(10, min=0, max=50,
                                       doc="Failed logins sent to find a rate limit (0 skips the probe).")
    probe_source_address: str = setting("", doc="Local address the rate-limit probe connects from, e.g. "
                                                "127.0.0.2, so the lockout it trips does not hit other "
                                                "phases' logins.")


@dataclass(frozen=True)
class HeaderPage:
    """One page whose security headers are scored."""

    path: str = setting("", required=True, check=_http_path, doc="Path of the page, e.g. '/'.")
    min_score: float | None = setting(None, min=0, max=200, doc="Overrides [security.http] min_score.")


@dataclass(frozen=True)
class HttpSettings:
    """[security.http]: security headers of the running app, and the auth probes."""

    url: str = setting("", check=server_url, doc="Base URL to check; empty: the app `run` started.")
    pages: tuple[HeaderPage, ...] = setting((HeaderPage(path="/"),),
                                            doc="Pages whose headers are scored, each with an optional "
                                                "min_score override.")
    min_score: float = setting(90.0, min=0, max=200, doc="Observatory-style score each page must reach.")
    timeout: float = setting(10.0, parse=seconds, min=0.1, doc="Timeout of one request.")
    auth: AuthSettings = setting(AuthSettings())


def _fail_on(value: str) -> str | None:
    return None if value in ("", *SEVERITIES) else f"must be one of {SEVERITIES}"


@dataclass(frozen=True)
class SecuritySettings:
    """[security]: which checks run and what fails the gate."""

    enabled: bool = setting(True, doc="false: the phase reports nothing.")
    checks: tuple[str, ...] = setting(CHECK_NAMES, item=item(choices=CHECK_NAMES), doc="Checks to run.")
    fail_on: str = setting("", check=_fail_on,
                           doc="Lowest finding severity that fails; empty: budgets.security_fail_on.")
    baseline: str = setting("", doc="Known-findings file; only findings not in it are reported.")
    sarif: str = setting("", doc="Also write SARIF 2.1.0 here.")
    bandit: BanditSettings = setting(BanditSettings())
    audit: AuditSettings = setting(AuditSettings())
    secrets: SecretsSettings = setting(SecretsSettings())
    node: NodeSettings = setting(NodeSettings())
    http: HttpSettings = setting(HttpSettings())

    @property
    def uses_app(self) -> bool:
        """Whether these checks use a running app: the http check (headers, auth probes) alone does.
        With bandit, the audit, secrets and njsscan `run` started the app (both, under --base-ref) for
        nothing, and warned that it did not start when nothing needed it. A [security.http] url of its own
        (a staging server) is what the check fetches instead, so it needs no app either."""
        return self.enabled and "http" in self.checks and not self.http.url
