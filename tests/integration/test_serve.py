"""Starting and stopping the app under test, and the ways that goes wrong."""

from __future__ import annotations

import socket
import sys
import textwrap

import httpx
import psutil
import pytest

from conftest import MUSICAPP, musicapp_environment, run_cli
from echotune_ci.errors import RunError
from echotune_ci.config.sections import ServeSettings
from echotune_ci.serve import App


def test_example_app_starts_answers_and_stops_with_all_its_workers(tmp_path):
    musicapp_environment()
    spec = ServeSettings(
        command="python build.py && gunicorn --worker-class gevent --workers 2 --bind 127.0.0.1:{port} "
                "app:app",
        ready_url="http://127.0.0.1:{port}/health",
        env={"MUSICAPP_DIST": str(tmp_path)},
    )
    app = App(spec, MUSICAPP).start()
    try:
        assert httpx.get(app.base_url + "/health").json()["status"] == "ok"
        tree = [app.pid] + [c.pid for c in psutil.Process(app.pid).children(recursive=True)]
        assert len(tree) >= 3  # shell or master + two workers
    finally:
        app.stop()
    gone, alive = psutil.wait_procs([psutil.Process(p) for p in tree if psutil.pid_exists(p)], timeout=5)
    assert not alive
    with pytest.raises(httpx.ConnectError):
        httpx.get(app.base_url + "/health", timeout=1)


def test_command_that_exits_at_once_shows_its_output(tmp_path):
    spec = ServeSettings(command=f"{sys.executable} -c "
                                 f"\"import sys; print('boom: no DATABASE_URL'); sys.exit(4)\"",
                         ready_url="http://127.0.0.1:{port}/", timeout=10)
    with pytest.raises(RunError) as err:
        App(spec, tmp_path).start()
    assert "exited with code 4" in str(err.value)
    assert "boom: no DATABASE_URL" in str(err.value)


def test_app_that_never_gets_ready_times_out(tmp_path):
    spec = ServeSettings(command=f"{sys.executable} -c "
                                 f"\"import time; print('warming up', flush=True); time.sleep(60)\"",
                         ready_url="http://127.0.0.1:{port}/", timeout=1.0)
    app = App(spec, tmp_path)
    with pytest.raises(RunError) as err:
        app.start()
    assert "did not answer within 1s" in str(err.value)
    assert "warming up" in str(err.value)
    assert app.proc is None  # stopped


def test_run_moves_a_taken_fixed_port_and_reports_a_dying_command(tmp_path, cli_env):
    # The project's own development server left running on the port the app always listens on stopped the
    # run ("already in use"): the app is served on a free port instead, its listen moved there, and the
    # results say so. A server the move cannot reach (python -S reads no sitecustomize) says what to do.
    import json

    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    port = holder.getsockname()[1]
    cfg = tmp_path / "echotune.toml"
    cfg.write_text(textwrap.dedent(f"""
        [serve]
        command = "{sys.executable} -m http.server {port} --bind 127.0.0.1"
        ready_url = "http://127.0.0.1:{port}/"
        port = {port}
        [run]
        phases = ["load"]
        [load]
        duration = "1s"
        users = 1
        [budgets]
        api_p95_ms = 5000
    """))
    out = tmp_path / "out"
    try:
        proc = run_cli("run", "--config", str(cfg), "--output-dir", str(out), env=cli_env, cwd=tmp_path)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        load = json.loads((out / "load.json").read_text())
        said = (f"the app always listens on port {port} ([serve] port), which another program holds on "
                f"127.0.0.1: it was served on port ")
        moved = [n for n in load["notes"] if n.startswith(said)]
        assert len(moved) == 1 and moved[0] in proc.stderr, load["notes"]
        served = moved[0].split("served on port ")[1].split(",")[0]
        assert load["target"] == f"http://127.0.0.1:{served}" and int(served) != port
        cfg.write_text(cfg.read_text().replace(f"{sys.executable} -m", f"{sys.executable} -S -m"))
        proc = run_cli("run", "--config", str(cfg), "--output-dir", str(tmp_path / "out2"), env=cli_env,
                       cwd=tmp_path)
    finally:
        holder.close()
    assert proc.returncode == 3
    said = f"its listen on port {port} ([serve] port, which another program holds on 127.0.0.1) was not"
    assert said in proc.stderr
    todo = f'stop what holds port {port}, or make the app take its port from PORT and set port = "auto"'
    assert todo in proc.stderr
    assert not (tmp_path / "out2").exists() or not any((tmp_path / "out2").glob("*.json"))
    cfg.write_text(cfg.read_text().replace(f"{sys.executable} -S -m http.server {port} --bind 127.0.0.1",
                                           "python -c 'raise SystemExit(1)'")
                   .replace(f"port = {port}", 'port = "auto"').replace(f":{port}/", ":{port}/"))
    proc = run_cli("run", "--config", str(cfg), "--output-dir", str(tmp_path / "out3"), env=cli_env)
    assert proc.returncode == 3
    assert "serve command exited with code 1" in proc.stderr
    assert "Traceback" not in proc.stderr


SEEDS_AND_SERVES = """\
import http.server, os, pathlib
pathlib.Path("data/app.db").write_text("seeded at start")  # the app rewrites a file the repository holds
http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])),
                                http.server.SimpleHTTPRequestHandler).serve_forever()
"""


def _repository(tmp_path):
    import subprocess

    repo = tmp_path / "repo"
    (repo / "data").mkdir(parents=True)
    (repo / "data" / "app.db").write_text("as committed")
    (repo / "edited.txt").write_text("one")
    (repo / "serve.py").write_text(SEEDS_AND_SERVES)
    for args in (["init", "--quiet"], ["add", "-A"],
                 ["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "one"]):
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)
    (repo / "edited.txt").write_text("two")  # the user's own change, before the run: not the app's
    return repo


def test_the_files_git_tracks_that_the_running_app_changed_are_named(tmp_path, cli_env):
    # A template app seeded the SQLite database its repository holds at every start: after each `run` the
    # working tree had a change nobody made, which the next `run --base-ref` listed among the head's
    # uncommitted changes, and nothing said where it came from.
    repo = _repository(tmp_path)
    app = App(ServeSettings(command=f"{sys.executable} serve.py", ready_url="http://127.0.0.1:{port}/",
                            timeout=20), repo)
    with app:
        assert httpx.get(app.base_url + "/edited.txt").text == "two"
    assert app.changed.startswith("the app changed 1 file(s) git tracks while it ran: data/app.db (")
    assert "`git checkout -- data/app.db` restores them" in app.changed
    # `run` says it, in its output and in the first result's notes
    (repo / "data" / "app.db").write_text("as committed")
    (repo / "echotune.toml").write_text(textwrap.dedent(f"""\
        [serve]
        command = "{sys.executable} serve.py"
        ready_url = "http://127.0.0.1:{{port}}/"

        [load]
        duration = "1s"
        users = 1

        [[load.endpoints]]
        path = "/edited.txt"

        # what is checked is the warning, not the speed of a one-thread server on a busy runner
        [budgets]
        api_p95_ms = 5000
        """))
    out = tmp_path / "out"
    done = run_cli("run", "--config", str(repo / "echotune.toml"), "--phase", "load",
                   "--output-dir", str(out), env=cli_env, cwd=repo, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "the app changed 1 file(s) git tracks while it ran: data/app.db" in done.stderr
    import json

    notes = json.loads((out / "load.json").read_text())["notes"]
    assert any(n.startswith("the app changed 1 file(s) git tracks while it ran: data/app.db") for n in notes)


def test_an_app_that_changes_no_tracked_file_says_nothing(tmp_path):
    repo = _repository(tmp_path)
    # it writes a file git does not track
    (repo / "serve.py").write_text(SEEDS_AND_SERVES.replace('Path("data/app.db")', 'Path("new.db")'))
    app = App(ServeSettings(command=f"{sys.executable} serve.py", ready_url="http://127.0.0.1:{port}/",
                            timeout=20), repo)
    with app:
        pass
    assert app.changed == ""
