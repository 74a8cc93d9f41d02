"""The app under test runs in its own environment: its venv, its interpreter, its tools; never
EchoTune CI's. Setup runs again only when its inputs change; readiness failures say why."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import run_cli
from echotune_ci.config.sections import ServeSettings
from echotune_ci.errors import RunError
from echotune_ci.serve import App
from echotune_ci.serve import app as serve_app

TOOLKIT_PIP = [sys.executable, "-m", "pip", "freeze", "--all"]
# Answers GET with the interpreter that runs it and the variables it was given.
WHOAMI = textwrap.dedent("""\
    import http.server, json, os, sys
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            names = ("GITHUB_TOKEN", "VIRTUAL_ENV", "PORT")
            body = json.dumps({"prefix": sys.prefix, "version": sys.version,
                               "env": {k: os.environ.get(k) for k in names}})
            self.send_response(200); self.end_headers(); self.wfile.write(body.encode())
        def log_message(self, *a): pass
    http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()
    """)


def config(folder: Path, **serve: str) -> Path:
    lines = ["[serve]"] + [f"{k} = {json.dumps(v)}" for k, v in serve.items()]
    lines += ['ready_url = "http://127.0.0.1:{port}/"', "[run]", 'phases = ["security"]',
              "[security]", 'checks = ["secrets"]']
    path = folder / "echotune.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_setup_installs_into_the_project_venv_and_the_toolkit_is_untouched(tmp_path, cli_env):
    # idna is in the toolkit's venv at another version: under the old serve PATH the app's pin
    # replaced the toolkit's copy.
    (tmp_path / "requirements.txt").write_text("idna==3.4\n")
    (tmp_path / "app.py").write_text(WHOAMI)
    config(tmp_path, setup="python3 -m venv .venv && python -m pip install -q --disable-pip-version-check "
                           "-r requirements.txt", command="python app.py")
    before = subprocess.run(TOOLKIT_PIP, capture_output=True, text=True, check=True).stdout
    proc = run_cli("run", "-o", "out", cwd=tmp_path, env=cli_env, timeout=600)
    after = subprocess.run(TOOLKIT_PIP, capture_output=True, text=True, check=True).stdout
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert after == before
    project = subprocess.run([str(tmp_path / ".venv" / "bin" / "python"), "-m", "pip", "freeze"],
                             capture_output=True, text=True, check=True).stdout
    assert "idna==3.4" in project.splitlines()
    assert "setup: done" in proc.stderr


def test_an_app_runs_with_its_own_interpreter_and_without_the_toolkits_secrets(tmp_path, monkeypatch):
    other = Path("/usr/bin/python3")  # Debian's interpreter, not the one EchoTune CI runs on
    subprocess.run([str(other), "-m", "venv", "--without-pip", str(tmp_path / ".venv")], check=True)
    (tmp_path / "app.py").write_text(WHOAMI)
    settings = ServeSettings(command="python app.py", ready_url="http://127.0.0.1:{port}/")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_must_not_reach_the_app")
    app = App(settings, tmp_path)
    with app:
        import httpx

        seen = httpx.get(app.base_url + "/").json()
    assert Path(seen["prefix"]).resolve() == (tmp_path / ".venv").resolve()
    assert seen["version"].split()[0] == subprocess.run(
        [str(other), "-c", "import platform; print(platform.python_version())"],
        capture_output=True, text=True, check=True).stdout.strip()
    assert seen["env"]["GITHUB_TOKEN"] is None
    assert seen["env"]["VIRTUAL_ENV"] == str(tmp_path / ".venv") and seen["env"]["PORT"] == str(app.port)


def test_setup_runs_again_only_when_its_inputs_change(tmp_path, cli_env):
    (tmp_path / "package.json").write_text('{"name": "x"}\n')
    (tmp_path / "app.py").write_text(WHOAMI)
    config(tmp_path, setup="echo once >> setup.log", build="echo b >> build.log", command="python3 app.py")
    for _ in range(2):
        assert run_cli("run", "-o", "out", cwd=tmp_path, env=cli_env).returncode == 0
    assert (tmp_path / "setup.log").read_text().count("once") == 1
    assert (tmp_path / "build.log").read_text().count("b") == 2
    (tmp_path / "package.json").write_text('{"name": "x", "version": "2.0.0"}\n')
    proc = run_cli("run", "-o", "out", cwd=tmp_path, env=cli_env)
    assert proc.returncode == 0 and (tmp_path / "setup.log").read_text().count("once") == 2
    assert run_cli("run", "-o", "out", "--force-setup", cwd=tmp_path, env=cli_env).returncode == 0
    assert run_cli("run", "-o", "out", "--no-setup", cwd=tmp_path, env=cli_env).returncode == 0
    assert (tmp_path / "setup.log").read_text().count("once") == 3
    assert (tmp_path / "build.log").read_text().count("b") == 4


@pytest.mark.parametrize("step", ["setup", "build", "command"])
def test_a_missing_tool_is_named_with_exit_3(tmp_path, cli_env, step):
    # Without a build step, `run` starts the app for any phase (an older config's command also builds).
    serve = {"setup": "true", "command": "python3 -c 'import time; time.sleep(30)'"}
    serve[step] = "npmx-not-installed ci"
    config(tmp_path, **serve)
    if step == "command":
        # No phase of this run measures the app: the security phase runs without it, its header checks say
        # why they could not (exit 3), and the run says it too
        toml = tmp_path / "echotune.toml"
        toml.write_text(toml.read_text().replace('checks = ["secrets"]', 'checks = ["secrets", "http"]'))
    proc = run_cli("run", "-o", "out", cwd=tmp_path, env=cli_env)
    assert proc.returncode == 3, proc.stderr
    assert "needs `npmx-not-installed`, which is not installed" in proc.stderr
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("echotune-ci: error")]
    if step == "command":
        assert "http: could not run: the app did not start: serve command needs `npmx-not-installed`" in \
            proc.stdout and not errors
    else:
        assert len(errors) == 1


def test_a_ready_url_answering_400_fails_fast_with_the_reason(tmp_path):
    (tmp_path / "app.py").write_text(textwrap.dedent("""\
        import http.server, os
        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = (b"<html><title>DisallowedHost</title>"
                        b"<h1>Invalid HTTP_HOST header: '127.0.0.1'</h1>\\x1b[31m")
                self.send_response(400); self.end_headers(); self.wfile.write(body)
            def log_message(self, *a): pass
        http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()
        """))
    settings = ServeSettings(command="python3 app.py", ready_url="http://127.0.0.1:{port}/", timeout=120)
    started = time.monotonic()
    with pytest.raises(RunError) as err:
        App(settings, tmp_path).start()
    assert time.monotonic() - started < 10
    message = str(err.value)
    assert "HTTP 400 Bad Request: DisallowedHost Invalid HTTP_HOST header: '127.0.0.1'" in message
    assert "add 127.0.0.1 and localhost to ALLOWED_HOSTS" in message and "\x1b" not in message


def _start_error(settings: ServeSettings, folder: Path) -> str:
    """The one line of the RunError with which the app of *settings* in *folder* fails to start."""
    with pytest.raises(RunError) as err:
        App(settings, folder).start()
    return str(err.value)


def test_an_app_that_dies_shows_its_traceback_not_only_its_last_lines(tmp_path):
    (tmp_path / "app.py").write_text("import sys\nprint('starting', flush=True)\nimport no_such_module\n")
    (tmp_path / "run.sh").write_text("python3 app.py; code=$?; echo 'INFO: worker exiting'; "
                                     "echo 'INFO: shutting down'; exit $code\n")
    settings = ServeSettings(command="sh run.sh", ready_url="http://127.0.0.1:{port}/", timeout=30)
    message = _start_error(settings, tmp_path)
    assert "exited with code 1" in message
    assert "Traceback (most recent call last)" in message
    assert "ModuleNotFoundError: No module named 'no_such_module'" in message


def test_a_command_with_variables_in_front_and_configured_secrets(tmp_path, cli_env):
    (tmp_path / "app.py").write_text(WHOAMI.replace('("GITHUB_TOKEN", "VIRTUAL_ENV", "PORT")',
                                                    '("GREETING", "ACME_PPLX_KEY", "ACME_PROBE_PASS")'))
    cfg = config(tmp_path, command="GREETING=hello python3 app.py")
    cfg.write_text(cfg.read_text() + '[research]\napi_key_env = "ACME_PPLX_KEY"\n'
                   '[security.http.auth]\npassword_env = "ACME_PROBE_PASS"\n')
    env = dict(cli_env, ACME_PPLX_KEY="pplx-secret", ACME_PROBE_PASS="hunter2")
    out = tmp_path / "seen.json"
    proc = run_cli("run", "-o", "out", cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr  # started with the variable in front
    from echotune_ci.config import load_config
    from echotune_ci.runner import _secret_names

    settings = ServeSettings(command="GREETING=hello python3 app.py", ready_url="http://127.0.0.1:{port}/")
    with App(settings, tmp_path, drop=_secret_names(load_config(cfg))) as app:
        import httpx

        out.write_text(httpx.get(app.base_url + "/").text)
    seen = json.loads(out.read_text())["env"]
    assert seen == {"GREETING": "hello", "ACME_PPLX_KEY": None, "ACME_PROBE_PASS": None}


def test_sigterm_and_a_timeout_stop_what_setup_started(tmp_path, cli_env):
    (tmp_path / "app.py").write_text(WHOAMI)
    marker = f"echotune-setup-{time.monotonic_ns()}"
    sleeper = f"python3 -c 'import time; time.sleep(300)' {marker}"
    config(tmp_path, setup=sleeper, command="python3 app.py")
    exe = str(Path(sys.executable).parent / "echotune-ci")
    proc = subprocess.Popen([exe, "run", "-o", "out"], cwd=tmp_path, env=cli_env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while not _running(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _running(marker)
    proc.terminate()
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 143 and "terminated" in err and "Traceback" not in err
    assert not _running(marker)
    config(tmp_path, setup=sleeper, command="python3 app.py", setup_timeout="1s")
    proc2 = run_cli("run", "-o", "out", cwd=tmp_path, env=cli_env)
    assert proc2.returncode == 3 and "serve.setup did not finish within 1s" in proc2.stderr
    assert not _running(marker)


def _running(marker: str) -> bool:
    out = subprocess.run(["ps", "-eww", "-o", "args"], capture_output=True, text=True).stdout
    return any(marker in line and not line.startswith(("ps ", "/bin/sh")) for line in out.splitlines())


def test_a_login_redirect_that_fails_and_a_redirect_loop_are_explained(tmp_path, monkeypatch):
    (tmp_path / "app.py").write_text(textwrap.dedent("""\
        import http.server, os, sys
        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path in ("/", "/loop"):
                    self.send_response(302)
                    self.send_header("Location", "/loop" if self.path == "/loop" else "/login")
                    self.end_headers(); return
                print("Traceback (most recent call last):", file=sys.stderr)
                print('  File "app.py", line 9, in login', file=sys.stderr)
                print("sqlite3.OperationalError: no such table: user", file=sys.stderr, flush=True)
                self.send_response(500); self.end_headers(); self.wfile.write(b"Internal Server Error")
            def log_message(self, *a): pass
        http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()
        """))
    # The same 500 for 1 s instead of the 10 s given to an app that may still be warming up: the message
    # is what is tested here.
    monkeypatch.setattr(serve_app, "SERVER_ERROR_GRACE_S", 1.0)
    settings = ServeSettings(command="python3 app.py", ready_url="http://127.0.0.1:{port}/", timeout=60)
    message = _start_error(settings, tmp_path)
    assert "HTTP 500 Internal Server Error: Internal Server Error (redirected to /login)" in message
    assert "sqlite3.OperationalError: no such table: user" in message
    loop = ServeSettings(command="python3 app.py", ready_url="http://127.0.0.1:{port}/loop", timeout=60)
    with pytest.raises(RunError, match="redirects in a loop"):
        App(loop, tmp_path).start()


def test_a_redirect_to_https_is_explained_at_once(tmp_path):
    # Django with SECURE_SSL_REDIRECT (ENVIRONMENT=production from app.json in a DRF tutorial app) answers
    # every request with "301 Location: https://127.0.0.1:PORT/": the wait followed it into a TLS handshake
    # with the plain-HTTP server and said "did not answer within 120s (last: ConnectTimeout)".
    (tmp_path / "app.py").write_text(textwrap.dedent("""\
        import http.server, os
        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(301)
                self.send_header("Location", f"https://127.0.0.1:{os.environ['PORT']}{self.path}")
                self.end_headers()
            def log_message(self, *a): pass
        http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()
        """))
    settings = ServeSettings(command="python3 app.py", ready_url="http://127.0.0.1:{port}/health", timeout=60)
    message = _start_error(settings, tmp_path)
    assert "/health redirects to https://127.0.0.1:" in message
    assert "/health, which does not answer" in message
    assert "SECURE_SSL_REDIRECT = False" in message and "did not answer within" not in message
    # A Location httpx cannot read is the app's fault, said as the wait's last error, not a usage error
    (tmp_path / "app.py").write_text((tmp_path / "app.py").read_text().replace(
        'f"https://127.0.0.1:{os.environ[\'PORT\']}{self.path}"', '"https://[::1"'))
    broken = ServeSettings(command="python3 app.py", ready_url="http://127.0.0.1:{port}/health", timeout=2)
    assert "/health did not answer within 2s (last: RemoteProtocolError)" in _start_error(broken, tmp_path)


def test_an_app_that_serves_https_on_its_port_is_said_at_once(tmp_path):
    # imputnet/cobalt's web app under `vite preview`: @vitejs/plugin-basic-ssl serves HTTPS with a
    # self-signed certificate and Vite printed "➜  Local:   https://127.0.0.1:34825/"; the run waited its
    # 120 s and said "did not answer within 120s (last: RemoteProtocolError)". A TLS server of Python's
    # own, with a certificate openssl makes, drops the plain-HTTP request the same way.
    pems = ["-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")]
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=127.0.0.1", *pems], check=True, capture_output=True)
    (tmp_path / "app.py").write_text(textwrap.dedent("""\
        import http.server, os, ssl
        port = int(os.environ["PORT"])
        server = http.server.HTTPServer(("127.0.0.1", port), http.server.SimpleHTTPRequestHandler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain("cert.pem", "key.pem")
        server.socket = context.wrap_socket(server.socket, server_side=True)
        local = f"\\x1b[36mhttps://127.0.0.1:{port}/\\x1b[39m"
        print(f"  \\x1b[32m➜\\x1b[39m  \\x1b[1mLocal\\x1b[22m:   {local}", flush=True)
        server.serve_forever()
        """))
    settings = ServeSettings(command="python3 app.py", ready_url="http://127.0.0.1:{port}/", timeout=60)
    started = time.monotonic()
    message = _start_error(settings, tmp_path)
    assert time.monotonic() - started < 20, message
    assert "/ is served over HTTPS: the app printed https://127.0.0.1:" in message
    assert "drops plain-HTTP requests (ReadError); serve it over HTTP for this run" in message
    assert "did not answer within" not in message


def test_setup_runs_again_when_what_it_made_is_gone(tmp_path, cli_env):
    (tmp_path / "package.json").write_text('{"name": "x"}\n')
    (tmp_path / "app.py").write_text(WHOAMI)
    config(tmp_path, setup="mkdir -p node_modules/.bin && echo once >> setup.log", command="python3 app.py")
    assert run_cli("run", "-o", "out", cwd=tmp_path, env=cli_env).returncode == 0
    assert run_cli("run", "-o", "out", cwd=tmp_path, env=cli_env).returncode == 0
    assert (tmp_path / "setup.log").read_text().count("once") == 1
    import shutil

    shutil.rmtree(tmp_path / "node_modules")
    assert run_cli("run", "-o", "out", cwd=tmp_path, env=cli_env).returncode == 0
    assert (tmp_path / "setup.log").read_text().count("once") == 2
    assert not (tmp_path / ".echotune").exists()  # the stamp lives in the user's cache
    both = run_cli("run", "--no-setup", "--force-setup", cwd=tmp_path, env=cli_env)
    assert both.returncode == 2 and "--no-setup and --force-setup exclude each other" in both.stderr
