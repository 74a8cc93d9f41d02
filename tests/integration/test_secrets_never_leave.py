"""Secrets never leave the process: a set of recognisable secret values is held in the environment
(and the config) of a full `run` of the example app, of `research` against a provider that echoes the
Authorization header in its 401/500 answers, of `propose` on a checkout whose .git/config holds the
push credential as actions/checkout writes it, and of `comment`; every output is grepped for them:
stdout, stderr, result JSON, reports, artifacts, the job summary, brief.md/brief.json, the research
cache, the bodies sent to GitHub, and whatever a proxy set in HTTP_PROXY saw."""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from conftest import MUSICAPP, musicapp_environment, run_cli
from support.fake_github import FakeGitHub
from support.fake_github_pulls import attach_git
from support.fake_research import FakeResearchAPI
from test_propose import make_project, security_results, sh

from echotune_ci.results import Finding, PhaseResult, assign_fingerprints

# Recognisable values: every one contains "LeakCanary", and some characters that URL encoding,
# JSON and markdown escaping change.
SECRETS = {
    "GITHUB_TOKEN": "ghp_LeakCanaryGitHubToken0000000000000001",
    "GH_TOKEN": "gho_LeakCanaryGhToken00000000000000000002",
    "PERPLEXITY_API_KEY": "pplx-LeakCanaryResearchKey000000000003",
    "ECHOTUNE_RESEARCH_API_KEY": "LeakCanary_research_key_0004",
    "ECHOTUNE_AUTH_PASSWORD": "LeakCanary-Pass/word+7731!",
    "ECHOTUNE_LOGIN_PASSWORD": "LeakCanary-Login_Pass@0005",
    "ACTIONS_RUNTIME_TOKEN": "LeakCanaryActionsRuntimeToken000006",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "LeakCanaryOidcRequestToken0000007",
    "MUSICAPP_JWT_SECRET": "LeakCanaryJwtSigningKey000000000008",
}
PASSWORD = SECRETS["ECHOTUNE_AUTH_PASSWORD"]
TOKEN = SECRETS["GITHUB_TOKEN"]
KEY = SECRETS["PERPLEXITY_API_KEY"]


def needles(values: Iterable[str] | None = None) -> list[bytes]:
    """What must appear nowhere: the marker in any case (unless *values* are given), and each value
    URL-encoded, JSON-escaped and base64-encoded at each byte alignment (Basic auth, extraheader)."""
    found = [b"leakcanary"] if values is None else [v.lower().encode() for v in values]
    for value in SECRETS.values() if values is None else values:
        for form in (quote(value, safe=""), quote_plus(value), json.dumps(value)[1:-1]):
            found.append(form.lower().encode())
        for prefix in (b"", b"a", b"ab", b"x-access-token:", b"demo:"):
            encoded = base64.b64encode(prefix + value.encode()).decode()
            start = (len(prefix) + 2) // 3 * 4  # first group that holds only value bytes
            found.append(encoded[start:start + 12].lower().encode())
            found.append(encoded[start:start + 12].replace("+", "-").replace("/", "_").lower().encode())
    return found


def leaks(where: str, data: bytes | str, values: Iterable[str] | None = None) -> list[str]:
    raw = (data.encode("utf-8", "replace") if isinstance(data, str) else data).lower()
    return [f"{where}: {n.decode()!r}" for n in needles(values) if n in raw]


def leaks_in_tree(*folders: Path) -> list[str]:
    out = []
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            out += leaks(str(path), path.read_bytes())
    return out


def secret_env(cli_env: dict[str, str], tmp: Path) -> dict[str, str]:
    env = dict(cli_env, **SECRETS, ECHOTUNE_AUTH_USERNAME="demo", ECHOTUNE_LOGIN_USERNAME="demo",
               MUSICAPP_DEMO_PASSWORD=PASSWORD,
               GITHUB_STEP_SUMMARY=str(tmp / "step-summary.md"), GITHUB_OUTPUT=str(tmp / "github-output"))
    for name in ("NO_PROXY", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy",
                 "https_proxy", "all_proxy"):
        env.pop(name, None)
    return env


class RecordingProxy:
    """A forward proxy that records every request (line and headers) it is sent and answers 502."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _record(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
                proxy.seen.append(f"{self.command} {self.path}\n{self.headers}\n{body}")
                self.send_response(502)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_CONNECT = _record

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> RecordingProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def with_proxy(env: dict[str, str], proxy: RecordingProxy) -> dict[str, str]:
    return dict(env, HTTP_PROXY=proxy.url, HTTPS_PROXY=proxy.url, ALL_PROXY=proxy.url, http_proxy=proxy.url,
                https_proxy=proxy.url)


def example_config(tmp: Path) -> Path:
    """The example app's config, run from *tmp*: its own build folder, the secret password in the load
    test's login, and shorter frontend and load runs."""
    text = (MUSICAPP / "echotune.toml").read_text()
    dist = tmp / "dist"
    replacements = [
        (re.compile(r'^setup = .*$', re.M), ""),
        (re.compile(r'^\[serve\]$', re.M),
         f'[serve]\ncwd = "{MUSICAPP}"\nenv = {{ MUSICAPP_DIST = "{dist}" }}'),
        ('"static/dist/', f'"{dist}/'),
        ('password = "demo-password"', f'password = "{PASSWORD}"'),
        ("runs = 3", "runs = 1"),
        ('duration = "10s"', 'duration = "3s"'),
        ('paths = ["."]', f'paths = ["{MUSICAPP}"]'),
        ('requirements = ["requirements.txt"]', f'requirements = ["{MUSICAPP}/requirements.txt"]'),
    ]
    for old, new in replacements:
        text = old.sub(new, text) if isinstance(old, re.Pattern) else text.replace(old, new)
    assert PASSWORD in text and str(dist) in text
    path = tmp / "echotune.toml"
    path.write_text(text)
    return path


def test_full_run_of_the_example_app_leaks_no_secret_and_sends_nothing_to_the_proxy(tmp_path, cli_env):
    musicapp_environment()
    cfg = example_config(tmp_path)
    out = tmp_path / "results"
    with RecordingProxy() as proxy:
        env = with_proxy(secret_env(cli_env, tmp_path), proxy)
        proc = run_cli("run", "--config", str(cfg), "--output-dir", str(out), env=env, cwd=tmp_path,
                       timeout=600)
    assert proc.returncode in (0, 1), proc.stderr
    security = json.loads((out / "security.json").read_text())
    probes = next(m for m in security["metrics"] if m["name"] == "auth.probes_failed")
    assert "alg-none" in probes["description"]  # the real login (with the secret password) happened
    load = json.loads((out / "load.json").read_text())
    assert load["status"] != "error", load["errors"]  # the load test's login, with the password, worked
    assert json.loads((out / "frontend.json").read_text())["status"] != "error"
    # Loopback traffic (readiness, header checks, auth probes, load, browser) never went to the proxy;
    # what did (Chromium asking for component updates) carried no secret.
    targets = [seen.split(" ", 2)[1] for seen in proxy.seen]
    assert not [t for t in targets if re.search(r"(^|//|\[)(127\.|localhost|::1)", t)], targets
    assert [x for seen in proxy.seen for x in leaks("proxy", seen)] == []
    found = leaks("stdout", proc.stdout) + leaks("stderr", proc.stderr) + leaks_in_tree(out)
    for extra in ("step-summary.md", "github-output"):
        if (tmp_path / extra).exists():
            found += leaks(extra, (tmp_path / extra).read_bytes())
    assert found == []


def test_the_app_never_inherits_toolkit_credentials_and_its_start_error_masks_the_password(tmp_path,
                                                                                              cli_env):
    """The app prints its environment (what it inherited) and then the test password, and exits:
    the error quoting its output masks the password; the app saw none of the toolkit's secrets."""
    app = tmp_path / "app.py"
    app.write_text("import json, os, sys\n"
                   "json.dump(dict(os.environ), open(sys.argv[1], 'w'))\n"
                   "print('Traceback (most recent call last):')\n"
                   "print('  File app.py, line 3')\n"
                   "from urllib.parse import quote\n"
                   "word = os.environ['MUSICAPP_DEMO_PASSWORD']\n"
                   "print('LoginError: demo account password ' + word + ' (' + quote(word) + ')')\n"
                   "sys.exit(1)\n")
    seen = tmp_path / "seen.json"
    cfg = tmp_path / "echotune.toml"
    cfg.write_text(f'[serve]\ncommand = "python3 {app} {seen}"\nready_url = "http://127.0.0.1:{{port}}/"\n'
                   'timeout = "20s"\n[run]\nphases = ["load"]\n'
                   '[security.http.auth]\npassword_env = "ACME_PROBE_PASS"\n')
    env = dict(secret_env(cli_env, tmp_path), ACME_PROBE_PASS="LeakCanaryConfiguredProbePass09",
               ACTIONS_CACHE_URL="https://cache.example/", INPUT_GITHUB_TOKEN="LeakCanaryInputToken10")
    proc = run_cli("run", "--config", str(cfg), "--output-dir", str(tmp_path / "out"), env=env, cwd=tmp_path)
    assert proc.returncode == 3, proc.stderr
    assert "LoginError: demo account password *** (***)" in proc.stderr
    assert leaks("stderr", proc.stderr) + leaks("stdout", proc.stdout) == []
    inherited = json.loads(seen.read_text())
    for name in (*SECRETS.keys() - {"MUSICAPP_JWT_SECRET"}, "ACME_PROBE_PASS", "ACTIONS_CACHE_URL",
                 "INPUT_GITHUB_TOKEN"):
        assert name not in inherited, name
    # The app's own secrets stay: its signing key and its demo account's password.
    assert inherited["MUSICAPP_JWT_SECRET"] == SECRETS["MUSICAPP_JWT_SECRET"]
    assert inherited["MUSICAPP_DEMO_PASSWORD"] == PASSWORD


@pytest.mark.parametrize("status", [401, 500])
def test_research_against_an_echoing_provider_leaks_no_key(tmp_path, cli_env, status):
    (tmp_path / "requirements.txt").write_text("flask==3.0.0\n")
    cfg = tmp_path / "echotune.toml"
    cfg.write_text('[project]\nname = "app"\n[research]\ncache_dir = "cache"\nretries = 1\n'
                   'max_retry_wait = "1s"\nareas = ["backend", "security"]\n')
    env = secret_env(cli_env, tmp_path)
    with FakeResearchAPI(key=KEY, echo_status=status) as api:
        proc = run_cli("research", "--config", str(cfg), "--base-url", api.base_url, "--output",
                       str(tmp_path / "research"), "--result", str(tmp_path / "research.json"), env=env,
                       cwd=tmp_path)
        seen = [h.get("Authorization") for h in api.headers_seen]
    assert seen and all(h == f"Bearer {KEY}" for h in seen)  # the key was sent, and echoed back
    assert proc.returncode == 3, proc.stderr
    result = json.loads((tmp_path / "research.json").read_text())
    assert any(f"HTTP {status}" in e for e in result["errors"])
    brief = tmp_path / "research"
    assert (brief / "brief.md").exists() and (brief / "brief.json").exists()
    found = leaks("stdout", proc.stdout) + leaks("stderr", proc.stderr) + leaks_in_tree(tmp_path)
    assert found == []


def extraheader(token: str) -> str:
    """The header actions/checkout persists (persist-credentials: true)."""
    return "AUTHORIZATION: basic " + base64.b64encode(f"x-access-token:{token}".encode()).decode()


# The project's test command: records everything it can reach through git and the environment.
SNOOP = """import os, subprocess, sys
out = open(sys.argv[1], "a")
for args in (["git", "config", "--list", "--show-origin"], ["git", "config", "--get-regexp", "extraheader"],
             ["git", "credential", "fill"]):
    proc = subprocess.run(args, capture_output=True, text=True, timeout=20,
                          input="protocol=https\\nhost=github.com\\n\\n")
    out.write(" ".join(args) + "\\n" + proc.stdout + proc.stderr + "\\n")
common = subprocess.run(["git", "rev-parse", "--git-common-dir"], capture_output=True, text=True)
out.write(f"common dir: {common.stdout} {common.stderr}\\n")
if common.stdout.strip():
    out.write(open(os.path.join(common.stdout.strip(), "config")).read())
out.write(repr(dict(os.environ)))
"""


def test_propose_test_command_cannot_reach_the_push_credential_and_nothing_leaks(tmp_path, cli_env):
    repo, bare = make_project(tmp_path, gates="[]")
    (repo / "snoop.py").write_text(SNOOP)
    reached = tmp_path / "reached.txt"
    toml = (repo / "echotune.toml").read_text().replace('test_command = "python check.py"',
                                                         f'test_command = "python snoop.py {reached}"')
    (repo / "echotune.toml").write_text(toml)
    sh("git", "add", "-A", cwd=repo)
    sh("git", "-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "--quiet", "-m", "snoop",
       cwd=repo)
    sh("git", "push", "--quiet", "origin", "main", cwd=repo)
    header = extraheader(TOKEN)
    sh("git", "config", "--local", "http.https://github.com/.extraheader", header, cwd=repo)
    # (Without the example app's own copy of the test password: the project's tests may see those.)
    env = {k: v for k, v in secret_env(cli_env, tmp_path).items()
           if k not in ("GITHUB_REPOSITORY", "MUSICAPP_DEMO_PASSWORD")}
    results = security_results(repo, env)
    with FakeGitHub() as github:
        github.add_token(TOKEN, login="echotune-bot")
        github.add_repo("octo/app")
        attach_git(github, "octo/app", bare)
        proc = run_cli("propose", "--results", str(results), "--repo", "octo/app", "--api-url", github.url,
                       "--output", str(tmp_path / "propose.json"), env=env, cwd=repo)
        sent = [json.dumps(c.body) for c in github.calls if c.method in ("POST", "PATCH", "PUT")]
    assert proc.returncode == 0, proc.stderr
    notes = json.loads((tmp_path / "propose.json").read_text())["notes"]
    assert list(github.repo("octo/app").pulls) == [1], notes  # the change was tested, pushed, proposed
    view = reached.read_text()
    # The test command ran and looked, and read the repository's own .git/config.
    assert "git config --list" in view and "repositoryformatversion" in view
    assert "github.com/.extraheader" not in view and "AUTHORIZATION" not in view
    # The app's own secrets (MUSICAPP_*) may reach the project's tests; the toolkit's never do.
    toolkit = [v for k, v in SECRETS.items() if not k.startswith("MUSICAPP_")]
    assert header.split()[-1] not in view and leaks("test command", view, toolkit) == []
    # ... and the credential is back where actions/checkout put it, for the job's later steps.
    assert sh("git", "config", "--local", "--get", "http.https://github.com/.extraheader", cwd=repo) == header
    found = (leaks("stdout", proc.stdout) + leaks("stderr", proc.stderr)
             + leaks("propose.json", (tmp_path / "propose.json").read_bytes())
             + [x for body in sent for x in leaks("GitHub request body", body)])
    assert found == []


def untrusted_result(tmp: Path) -> Path:
    """A result whose findings quote secret values the way an app or a tool might echo them."""
    findings = [Finding(rule_id="echo", severity="high", source_tool="tool",
                        message=f"app printed Authorization: Bearer {KEY} and password {PASSWORD}"),
                Finding(rule_id="url", severity="medium", source_tool="tool",
                        message=f"login at https://demo:{quote(PASSWORD, safe='')}@127.0.0.1/ with {TOKEN}")]
    result = PhaseResult(phase="security", status="fail", findings=assign_fingerprints(findings))
    path = tmp / "security.json"
    path.write_text(result.to_json())
    return path


def test_comment_masks_every_secret_in_the_body_it_posts(tmp_path, cli_env):
    results = untrusted_result(tmp_path)
    env = secret_env(cli_env, tmp_path)
    with FakeGitHub() as github:
        github.add_token(TOKEN, login="echotune-bot")
        github.add_repo("octo/app")
        github.add_pull("octo/app", 7, head_sha="a" * 40)
        proc = run_cli("comment", str(results), "--repo", "octo/app", "--pr", "7", "--api-url", github.url,
                       env=env, cwd=tmp_path)
        bodies = [c["body"] for c in github.comments("octo/app", 7)]
        sent = [json.dumps(c.body) for c in github.calls if c.method in ("POST", "PATCH")]
    assert proc.returncode == 0, proc.stderr
    assert len(bodies) == 1 and "***" in bodies[0]
    found = leaks("stdout", proc.stdout) + leaks("stderr", proc.stderr)
    found += [x for body in (*bodies, *sent) for x in leaks("comment body", body)]
    assert found == []
    dry = run_cli("comment", str(results), "--dry-run", env=env, cwd=tmp_path)
    assert dry.returncode == 0 and leaks("dry-run stdout", dry.stdout) == []


def test_loopback_clients_bypass_the_proxy_that_other_hosts_use(monkeypatch):
    """The header checks' and auth probes' client (and the research client for a local model) go to a
    loopback app directly even with HTTP_PROXY set; a plain httpx client would have used the proxy."""
    import httpx

    from echotune_ci.net import loopback

    with RecordingProxy() as app, RecordingProxy() as proxy:  # the "app" answers 502 to everything
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
            monkeypatch.setenv(name, proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        target = app.url.replace("127.0.0.1", "localhost")
        with httpx.Client() as plain:
            plain.get(f"{target}/control", headers={"Authorization": f"Bearer {TOKEN}"})
        assert len(proxy.seen) == 1  # httpx on its own sends loopback requests to the proxy
        for base in (app.url, target):
            with loopback.client(base) as direct:
                direct.post("/api/login", json={"password": PASSWORD})
            with loopback.client(base, transport=httpx.HTTPTransport(local_address="127.0.0.1")) as direct:
                direct.get("/api/me", headers={"Authorization": f"Bearer {TOKEN}"})
        assert len(proxy.seen) == 1 and len(app.seen) == 4
        # Other hosts keep their proxy.
        with loopback.client("https://api.example.invalid") as remote, pytest.raises(httpx.HTTPError):
            remote.get("/")
        assert proxy.seen[-1].startswith("CONNECT api.example.invalid:443")


def test_lifted_credentials_still_reach_the_remote_and_nothing_else(tmp_path):
    """Inside propose, the extraheader is gone from .git/config but git's remote commands still send it
    (from the environment, not the command line); other git commands and children do not see it; it is
    back in .git/config afterwards, in its place."""
    from echotune_ci.propose.git import git, lifted_credentials, run_command

    with RecordingProxy() as remote:  # plays an HTTPS git host: records the headers git sends
        repo = tmp_path / "repo"
        repo.mkdir()
        sh("git", "init", "--quiet", "-b", "main", cwd=repo)
        header = extraheader(TOKEN)
        sh("git", "config", "--local", f"http.{remote.url}/.extraheader", header, cwd=repo)
        sh("git", "config", "--local", "credential.helper", "store", cwd=repo)
        sh("git", "config", "--local", "core.autocrlf", "false", cwd=repo)
        before = (repo / ".git" / "config").read_text()
        with lifted_credentials(repo) as lifted:
            assert {k for k, _ in lifted} == {f"http.{remote.url}/.extraheader", "credential.helper"}
            assert "extraheader" not in (repo / ".git" / "config").read_text()
            local = git("config", "--local", "--get-regexp", "extraheader|credential", cwd=repo, check=False)
            assert local.stdout == ""
            git("ls-remote", f"{remote.url}/octo/app.git", cwd=repo, check=False, timeout=30)
            code, seen_by_child = run_command("git config --list; echo ---; env", repo, 30)
        assert (repo / ".git" / "config").read_text() == before
    assert remote.seen and f"Authorization: {header.split(': ', 1)[1]}" in remote.seen[0].replace(
        "AUTHORIZATION", "Authorization")
    child_config = seen_by_child.split("---")[0]
    assert code == 0 and "extraheader" not in seen_by_child and header.split()[-1] not in seen_by_child
    assert "credential" not in child_config  # not the repository's helper, nor a global or system one
