"""The masking layer: every form of every secret value is masked wherever a string leaves the process;
children get only the environment they need; loopback traffic never goes through a proxy."""

from __future__ import annotations

import base64
import html
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from echotune_ci import masking
from echotune_ci.fsutil import write_json_atomic, write_text_atomic
from echotune_ci.net.loopback import is_loopback_url, without_proxy_for_loopback
from echotune_ci.propose.git import test_environment as propose_test_environment
from echotune_ci.research.providers import without_credentials
from echotune_ci.serve.environment import app_environment, child_environment, ProjectEnvironment

SECRET = "Leak:Canary/42+pass w0rd"  # pragma: allowlist secret - a test value


@pytest.fixture(autouse=True)
def fresh_registry():
    masking.clear()
    yield
    masking.clear()


def test_every_wire_form_of_a_registered_value_is_masked():
    masking.register(SECRET)
    forms = {
        "raw": SECRET,
        "quote": quote(SECRET, safe=""),  # Leak%3ACanary%2F42%2Bpass%20w0rd
        "quote_plus": quote_plus(SECRET),  # ...pass+w0rd
        "json": json.dumps({"k": SECRET})[7:-2],
        "html": html.escape(SECRET),
    }
    for name, form in forms.items():
        out = masking.mask(f"before {form} after")
        assert out == "before *** after", name
    assert masking.mask("nothing secret here") == "nothing secret here"


def test_markdown_escaped_and_fully_percent_encoded_forms_are_masked():
    """Renderers escape before the text leaves: ``ghp\\_x``, ``@\u200bname``, ``%5F`` must not leak."""
    token = "ghp_Abc_def@ghi"  # pragma: allowlist secret - a test value
    masking.register(token)
    for form in ("ghp\\_Abc\\_def@\u200bghi", "ghp%5FAbc%5fdef%40ghi", "ghp&#95;Abc_def&#x40;ghi",
                 json.dumps(token, ensure_ascii=True)[1:-1]):
        assert masking.mask(f"<{form}>") == "<***>", form


@pytest.mark.parametrize("user", ["x-access-token", "a", "ab", "abc", "demo"])
def test_basic_auth_of_any_user_name_is_masked(user):
    """base64(user:secret) is caught at every alignment of the secret, without knowing the user."""
    masking.register(SECRET)
    header = "AUTHORIZATION: basic " + base64.b64encode(f"{user}:{SECRET}".encode()).decode()
    out = masking.mask(header)
    assert "***" in out
    # What is left of the encoded header cannot be decoded back into the secret.
    encoded = out.split("basic ", 1)[1]
    assert SECRET not in base64.b64decode(encoded.replace("***", "") + "==", validate=False).decode("latin-1")
    left = encoded.split("***")
    assert all(len(part) <= 8 for part in left[1:]), out  # at most the last, partial group stays


def test_base64url_form_of_a_token_is_masked():
    masking.register(SECRET)
    encoded = base64.urlsafe_b64encode(b"xy" + SECRET.encode()).decode()
    assert "***" in masking.mask(encoded)


def test_short_values_are_not_registered_and_longest_match_wins():
    masking.register("abc", None, "")
    assert masking.registered_count() == 0
    masking.register("token-123456", "token-123456-and-more")
    assert masking.mask("x token-123456-and-more y token-123456") == "x *** y ***"


def test_secret_names_and_environment_registration():
    assert masking.is_secret_name("GITHUB_TOKEN") and masking.is_secret_name("MY_APP_API_KEY")
    assert masking.is_secret_name("DB_PASSWORD") and masking.is_secret_name("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
    assert not masking.is_secret_name("PATH") and not masking.is_secret_name("TOKENIZER_MODE")
    masking.register_environment({"DB_PASSWORD": "hunter2-long", "HOME": "/home/runner",
                                  "ACME_KEY_VAR": "named-in-config"}, names=("ACME_KEY_VAR",))
    assert masking.mask("hunter2-long /home/runner named-in-config") == "*** /home/runner ***"


@pytest.mark.parametrize(("name", "secret"), [
    ("FLASKSECRET", True),  # glued: flask-surveys-container-app's signing key
    ("GITHUB_CLIENT_SECRET", True), ("SECRET_KEY", True), ("JWT_SECRET_KEY", True),
    ("DBPASSWORD", True), ("DB_PASSWD", True), ("GPG_PASSPHRASE", True), ("GOOGLE_CREDENTIALS", True),
    ("SECURITY_PASSWORD_SALT", True), ("AUTHTOKEN", True), ("INPUT_GITHUB-TOKEN", True),
    ("STRIPE_KEY", True), ("SIGNING_KEY", True), ("RSA_PRIVATE_KEY", True), ("MAPS_APIKEY", True),
    ("GH_PAT", True), ("github_token", True),
    ("SALT_ROUNDS", False),  # a bcrypt cost, a number
    ("TOKENIZER_MODE", False), ("TOKEN_URL", False), ("SORT_KEY", False), ("PUBLIC_KEY", False),
    ("STRIPE_PUBLISHABLE_KEY", False), ("KEYBOARD", False), ("MONKEY", False), ("PATH", False),
    ("DBUSER", False), ("DBHOST", False), ("WEBSITE_HOSTNAME", False), ("FLASK_DEBUG", False),
    ("PATTERN", False),
])
def test_one_definition_of_a_secret_name(name, secret):
    assert masking.is_secret_name(name) is secret


def test_config_secrets_are_registered(tmp_path):
    from echotune_ci.config import load_config

    cfg_file = tmp_path / "echotune.toml"
    cfg_file.write_text('[research]\napi_key_env = "ACME_RESEARCH"\n[load.login]\npath = "/login"\n'
                        'json = { user = "demo", password = "cfg-password-1" }\n'
                        '[[load.endpoints]]\npath = "/x"\nheaders = { "X-Api-Key" = "endpoint-key-77" }\n')
    cfg = load_config(cfg_file)
    assert masking.secret_env_names(cfg) == ("ACME_RESEARCH", "ECHOTUNE_AUTH_PASSWORD",
                                             "ECHOTUNE_LOGIN_PASSWORD")
    masking.register_config(cfg, env={"ACME_RESEARCH": "research-key-99", "UNRELATED": "visible-value"})
    text = "research-key-99 cfg-password-1 endpoint-key-77 demo visible-value"
    assert masking.mask(text) == "*** *** *** demo visible-value"


def test_files_and_streams_are_masked(tmp_path):
    masking.register(SECRET)
    path = write_text_atomic(tmp_path / "out.md", f"report {SECRET}\n")
    assert path.read_text() == "report ***\n"
    write_json_atomic(tmp_path / "r.json", {"errors": [f"key {SECRET}"]})
    assert json.loads((tmp_path / "r.json").read_text()) == {"errors": ["key ***"]}
    inner = io.StringIO()
    stream = masking.MaskingStream(inner)  # type: ignore[arg-type]
    print(f"a {SECRET} b", file=stream)
    stream.buffer.write(quote(SECRET, safe="").encode())
    assert inner.getvalue() == "a *** b\n***"
    assert masking.mask_data({"k": [SECRET, 1, {SECRET: None}]}) == {"k": ["***", 1, {"***": None}]}


def test_the_cli_masks_what_it_prints_and_writes(tmp_path):
    """A result whose finding quotes the token: `report` prints it masked."""
    from echotune_ci.results import Finding, PhaseResult, assign_fingerprints

    token = "ghp_" + "Q" * 36
    result = PhaseResult(phase="security", status="fail", findings=assign_fingerprints([Finding(
        rule_id="x", severity="high", message=f"header Authorization: token {token}", source_tool="t")]))
    (tmp_path / "security.json").write_text(result.to_json())
    env = dict(os.environ, GITHUB_TOKEN=token)
    env.pop("GITHUB_STEP_SUMMARY", None)
    exe = Path(sys.executable).parent / "echotune-ci"
    proc = subprocess.run([str(exe), "report", str(tmp_path / "security.json"), "--format", "markdown"],
                          env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr  # report renders; it does not gate
    # Masked after the markdown layer escaped it (ghp\\_...): no form of the token is printed.
    assert "header Authorization: token ***" in proc.stdout and "Q" * 36 not in proc.stdout


def test_provider_error_text_loses_echoed_credentials():
    masking.register("pplx-known-key-123")
    text = ('bad request (Authorization: Bearer pplx-known-key-123; x-api-key=other-key-456) '
            '{"authorization": "Bearer unknown-key-789"} basic dXNlcjpwYXNz')
    out = without_credentials(text)
    for leaked in ("pplx-known-key-123", "other-key-456", "unknown-key-789", "dXNlcjpwYXNz"):
        assert leaked not in out
    assert out.startswith("bad request (Authorization: ***")
    assert without_credentials("Internal server error") == "Internal server error"


BASE_ENV = {
    "PATH": "/usr/bin", "HOME": "/home/runner", "DATABASE_URL": "postgres://db/app",
    "DJANGO_SECRET_KEY": "the-apps-own-key", "DB_PASSWORD": "the-apps-db-password",
    "GITHUB_TOKEN": "t1", "GH_TOKEN": "t2", "GH_ENTERPRISE_TOKEN": "t3", "ACTIONS_RUNTIME_TOKEN": "t4",
    "ACTIONS_RUNTIME_URL": "https://pipelines", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "t5",
    "ACTIONS_ID_TOKEN_REQUEST_URL": "https://oidc", "ACTIONS_CACHE_URL": "https://cache",
    "ACTIONS_RESULTS_URL": "https://results", "PERPLEXITY_API_KEY": "k1", "OPENAI_API_KEY": "k2",
    "ECHOTUNE_RESEARCH_API_KEY": "k3", "ECHOTUNE_AUTH_PASSWORD": "p1", "ECHOTUNE_LOGIN_PASSWORD": "p2",
    "ECHOTUNE_SOMETHING_TOKEN": "t6", "INPUT_GITHUB_TOKEN": "t7", "ACME_PROBE_PASS": "p3",
    "GITHUB_REPOSITORY": "octo/app", "ECHOTUNE_ADVISORY_DB": "/db", "ACTIONS_STEP_DEBUG": "true",
}
KEPT = {"PATH", "HOME", "DATABASE_URL", "DJANGO_SECRET_KEY", "DB_PASSWORD", "GITHUB_REPOSITORY",
        "ECHOTUNE_ADVISORY_DB", "ACTIONS_STEP_DEBUG"}


def test_children_get_only_what_the_policy_allows():
    env = child_environment(BASE_ENV, drop=("ACME_PROBE_PASS",))
    assert set(env) == KEPT
    project = ProjectEnvironment(python_env=None, node_bins=())
    app = app_environment(project, base=BASE_ENV, drop=("ACME_PROBE_PASS",),
                          extra={"PORT": "5000", "GITHUB_TOKEN": "given-on-purpose"})
    assert set(app) == KEPT | {"PORT", "GITHUB_TOKEN"} and app["GITHUB_TOKEN"] == "given-on-purpose"


def test_propose_test_command_gets_no_credentials_and_no_git_config():
    base = dict(BASE_ENV, GIT_CONFIG_COUNT="1", GIT_CONFIG_KEY_0="http.extraheader",
                GIT_CONFIG_VALUE_0="AUTHORIZATION: basic eA==", GIT_CONFIG_PARAMETERS="'a.b'='c'",
                GIT_ASKPASS="/usr/bin/helper", SSH_AUTH_SOCK="/tmp/agent")
    env = propose_test_environment(base)
    assert not {k for k in env if k.startswith("GIT_CONFIG_") and k not in ("GIT_CONFIG_GLOBAL",
                                                                             "GIT_CONFIG_NOSYSTEM")}
    assert env["GIT_CONFIG_GLOBAL"] == os.devnull and env["GIT_CONFIG_NOSYSTEM"] == "1"
    assert "GIT_ASKPASS" not in env and "SSH_AUTH_SOCK" not in env and "GITHUB_TOKEN" not in env


def test_loopback_hosts_are_kept_off_proxies():
    for url in ("http://127.0.0.1:5000/", "http://localhost/", "http://[::1]:80/", "http://127.0.0.2/",
                "http://app.localhost/", "http://0.0.0.0:8000/", "http://[::]:8000/"):
        assert is_loopback_url(url), url
    for url in ("http://10.0.0.1/", "https://example.org/", "http://127.example.org/", ""):
        assert not is_loopback_url(url), url
    env = without_proxy_for_loopback({"HTTP_PROXY": "http://proxy:3128", "no_proxy": "corp.example"})
    assert env["HTTP_PROXY"] == "http://proxy:3128"
    assert env["NO_PROXY"] == env["no_proxy"]
    assert env["NO_PROXY"].split(",") == ["corp.example", "127.0.0.1", "localhost", "::1", "[::1]",
                                          "127.0.0.0/8"]


# A PEM key as a deploy job keeps it in a variable: four lines, the two inner ones 32 characters.
PEM = ("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n"  # pragma: allowlist secret
       "BKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n-----END PRIVATE KEY-----")  # pragma: allowlist secret


@pytest.mark.parametrize("shown", [
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",  # one line of it, as a quoted output line holds it
    PEM.replace("\n", "\r\n"),  # written with CRLF
    PEM.replace("\n", " "),  # folded onto one line, as a one-line field or "a | b" quote folds it
    PEM.replace("\n", " | "),
])
def test_each_line_of_a_multi_line_secret_is_masked(shown):
    """GitHub's runner masks a multi-line secret whole and line by line (Runner.Worker's Worker.cs: "Also add
    each individual line. Typically individual lines are processed from STDOUT of child processes."; split
    on CR and LF, empty lines dropped, each trimmed): an app that prints its key quoted it here, each
    line in one "a | b" part of the error, and only the whole value was registered."""
    masking.register_environment({"DEPLOY_PRIVATE_KEY": PEM})
    out = masking.mask(f"it printed: {shown}")
    assert "MIIEvQ" not in out and "BKcwgg" not in out, out
    assert "PRIVATE KEY-----" not in out, out  # the runner masks those lines too: they are lines of it


def test_a_line_shorter_than_the_minimum_is_not_registered_on_its_own():
    masking.register("first-line-long\nab\n  \nlast-line-long")
    assert masking.mask("ab cd first-line-long") == "ab cd ***"
    assert masking.registered_count() == 3  # the whole value and its two long lines


def test_serve_env_secrets_are_registered(tmp_path):
    """`[serve] env` gives the app values under names that say they are secrets (the one definition,
    is_secret_name); an app that printed one before it exited had it quoted as it was ("it printed:
    config: token tok-abcdef-123456", run by hand). A URL's password is not registered alone: its user
    information is masked as a whole, and a CI database's postgres://postgres:postgres@ would make every
    "postgres" of the output "***"."""
    from echotune_ci.config import load_config

    cfg_file = tmp_path / "echotune.toml"
    cfg_file.write_text('[serve]\ncommand = "python3 app.py"\n'
                        'env = { APP_SECRET_TOKEN = "tok-abcdef-123456", PAGE_SIZE = "page-size-50", '
                        'DATABASE_URL = "postgres://postgres:postgres@127.0.0.1/app_{build}" }\n')
    masking.register_config(load_config(cfg_file), env={})
    text = "tok-abcdef-123456 page-size-50 postgresql postgres://postgres:postgres@127.0.0.1/app_base"
    assert masking.mask(text) == "*** page-size-50 postgresql postgres://***@127.0.0.1/app_base"


def test_serve_env_secrets_are_masked_as_the_app_gets_them(tmp_path):
    """A [serve] env value with {build}, {build_index} or {port} reaches the app filled in
    (``SIGNING_SECRET = "sig-{build}-s3cret"`` is "sig-base-s3cret" for the base); only the unfilled text
    was registered, so what the app printed was quoted as it was. The values are registered as each
    build's app gets them."""
    from echotune_ci.config.model import ServeSettings
    from echotune_ci.serve.app import App

    settings = ServeSettings(command="true", env={"SIGNING_SECRET": "sig-{build}-s3cret-{port}",
                                                  "PAGE_SIZE": "size-{build}-50"})
    for build in ("base", "head"):
        App(settings, tmp_path, build=build).environment(8123)
    assert masking.mask("sig-base-s3cret-8123 sig-head-s3cret-8123 size-base-50") == "*** *** size-base-50"


def test_public_default_credentials_are_no_secret_to_mask(tmp_path):
    """`POSTGRES_PASSWORD = "postgres"` (the postgres image's documented example, what CI service containers
    use) in [serve] env or the job's environment made every "postgres" of the output "***": "***ql://",
    "***:5432", in the database hints too. A default credential is public: not registered; a real one is."""
    from echotune_ci.config import load_config

    cfg_file = tmp_path / "echotune.toml"
    cfg_file.write_text('[serve]\ncommand = "python3 app.py"\n'
                        'env = { POSTGRES_PASSWORD = "postgres", RABBITMQ_PASSWORD = "Guest", '
                        'APP_SECRET = "s3cr3t-value-x" }\n')
    masking.register_config(load_config(cfg_file), env={"MYSQL_ROOT_PASSWORD": "password",
                                                         "DB_PASSWORD": "db-pass-0987"})
    text = "postgresql://127.0.0.1:5432 guest mysql password s3cr3t-value-x db-pass-0987"
    assert masking.mask(text) == "postgresql://127.0.0.1:5432 guest mysql password *** ***"
