"""The "setup was skipped" hint goes with a start that lacks what setup installs, not with every one; a tool
only the toolkit's own environment has is named there."""

from __future__ import annotations

import sys

import pytest

from echotune_ci.serve import app as serve_app
from support.hostile import assert_one_line_error, cli

HINT = "setup was skipped because its inputs did not change: `run --force-setup` runs it again"
# A steady 404 on the ready URL: the app runs, so nothing setup installs is missing.
SERVES_404 = f"{sys.executable} -m http.server {{port}} --bind 127.0.0.1"
EXITS = f"{sys.executable} -c 'raise SystemExit(4)'"
# What an app whose dependencies are gone prints (a skipped setup may be why).
LACKS = "sh -c 'echo Error: Cannot find module express; exit 1'"


def _config(command: str) -> str:
    return (f'[serve]\nsetup = "true"\ncommand = "{command}"\nready_url = "http://127.0.0.1:{{port}}/no-such-page"\n'
            f'timeout = "20s"\n\n[run]\nphases = ["load"]\n')



def isolated(tmp_path, monkeypatch) -> None:
    """A `run` of the test's own: no CI outputs or configuration from the job, and setup stamps in the
    test's folder. Stamps are keyed by the folder's path, and pytest reuses its numbered folders once /tmp
    is emptied: an earlier session's stamp of "true" (which leaves nothing to check for) skipped the
    first setup."""
    for name in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ACTIONS", "ECHOTUNE_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

@pytest.mark.parametrize(("command", "said", "hinted"), [
    (LACKS, "it printed: Error: Cannot find module express", True),
    # A program given by its path that setup would have made (the shell's 127; a reviewer's case).
    ("./.venv/bin/gunicorn app:app", "serve command exited with code 127 before", True),
    (EXITS, "serve command exited with code 4 before", False),  # e.g. a setting it lacks: no setup matter
    (SERVES_404, "answers HTTP 404", False),
])
def test_the_hint_only_when_the_app_exited(tmp_path, monkeypatch, capsys, command, said, hinted):
    isolated(tmp_path, monkeypatch)
    # A steady 404 is said after CLIENT_ERROR_GRACE_S (3 s) of it, in each of the two runs; what is tested
    # here is the hint beside it, not that grace.
    monkeypatch.setattr(serve_app, "CLIENT_ERROR_GRACE_S", 0.5)
    (tmp_path / "echotune.toml").write_text(_config(command))
    monkeypatch.chdir(tmp_path)
    code, _, err = cli(capsys, "run", "-o", "first")  # setup runs (and is stamped), the start fails
    assert_one_line_error(code, err, 3, said)
    assert HINT not in err
    code, _, err = cli(capsys, "run", "-o", "second")  # setup is skipped this time
    assert_one_line_error(code, err, 3, said)
    assert (HINT in err) is hinted


def test_a_tool_only_the_toolkits_environment_has_is_named_there(tmp_path, monkeypatch):
    """The README has users activate EchoTune CI's venv; a tool installed there (pipenv, uvicorn) was "not
    installed (not on PATH)" for the app's steps, though `which` found it: the app never gets that PATH."""
    from echotune_ci.errors import RunError
    from echotune_ci.serve import environment
    from echotune_ci.serve.steps import run_step

    toolkit = tmp_path / "toolkit"
    (toolkit / "bin").mkdir(parents=True)
    tool = toolkit / "bin" / "echotune-test-pipenv"
    tool.write_text("#!/bin/sh\nexit 0\n")
    tool.chmod(0o755)
    env = {"PATH": "/usr/bin:/bin"}
    with pytest.raises(RunError) as raised:
        run_step("setup", "echotune-test-pipenv install", tmp_path, env, 30)
    assert "`echotune-test-pipenv`, which is not installed (not on PATH); " in str(raised.value)
    monkeypatch.setattr(environment, "toolkit_prefix", lambda: toolkit)
    with pytest.raises(RunError) as raised:
        run_step("setup", "echotune-test-pipenv install", tmp_path, env, 30)
    assert str(raised.value) == (
        f"serve.setup needs `echotune-test-pipenv`, which only EchoTune CI's own environment has ({tool}), "
        f"where the app never runs; install it or fix the command (echotune-test-pipenv install)")


def test_a_tool_a_per_user_install_put_off_path_is_named_there(tmp_path, monkeypatch):
    """init suggests `python3 -m pip install --user uv`; pip puts it in ~/.local/bin, which a CI job's PATH
    lacks, and the next run said only "uv, which is not installed (not on PATH)"."""
    from echotune_ci.errors import RunError
    from echotune_ci.serve import environment
    from echotune_ci.serve.steps import run_step

    home = tmp_path / "home"
    (home / ".local" / "bin").mkdir(parents=True)
    tool = home / ".local" / "bin" / "echotune-test-uv"
    tool.write_text("#!/bin/sh\nexit 0\n")
    tool.chmod(0o755)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(environment, "toolkit_prefix", lambda: tmp_path / "toolkit")
    with pytest.raises(RunError) as raised:
        run_step("setup", "echotune-test-uv sync", tmp_path, {"PATH": "/usr/bin:/bin"}, 30)
    assert str(raised.value) == (
        f"serve.setup needs `echotune-test-uv`, which is installed in ~/.local/bin ({tool}), a folder not on "
        f"PATH: add it (export PATH=\"$HOME/.local/bin:$PATH\"; on GitHub Actions, echo it to $GITHUB_PATH); "
        f"install it or fix the command (echotune-test-uv sync)")


def test_a_shim_on_path_that_answers_not_found_is_said_with_what_it_said(tmp_path, monkeypatch):
    """pyenv's shim for python3.8 is on PATH; with 3.8 installed but not selected it prints "pyenv:
    python3.8: command not found" and exits 127, and the step said "`python3.8`, which is not installed
    (not on PATH)", the opposite of where the user had to look."""
    from echotune_ci.errors import RunError
    from echotune_ci.serve import environment
    from echotune_ci.serve.steps import run_step

    shims = tmp_path / "shims"
    shims.mkdir()
    shim = shims / "echotune-test-python3.8"
    shim.write_text("#!/bin/sh\necho 'pyenv: echotune-test-python3.8: command not found' >&2\n"
                    "echo 'The command exists in these Python versions: 3.8.18' >&2\nexit 127\n")
    shim.chmod(0o755)
    monkeypatch.setattr(environment, "toolkit_prefix", lambda: tmp_path / "toolkit")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    with pytest.raises(RunError) as raised:
        run_step("setup", "echotune-test-python3.8 -m venv .venv", tmp_path,
                 {"PATH": f"{shims}:/usr/bin:/bin"}, 30)
    message = str(raised.value)
    assert message.startswith(f"serve.setup needs `echotune-test-python3.8`, which is on PATH ({shim}) but "
                              f"did not start (a version manager's shim for a version not selected here?); "
                              f"it printed: ")
    assert "exists in these Python versions: 3.8.18" in message and "not installed" not in message


def test_a_run_of_phases_that_only_read_the_build_starts_no_app(tmp_path, monkeypatch, capsys):
    """`run --phase bundle` built the app and then started it, which the bundle phase never uses (a
    Prisma app that could not start turned a bundle-only run into a warning, and its time)."""
    isolated(tmp_path, monkeypatch)
    (tmp_path / "echotune.toml").write_text(
        '[serve]\nbuild = "echo \'console.log(1)\' > site.js"\ncommand = "touch started && sleep 30"\n'
        'ready_url = "http://127.0.0.1:{port}/"\ntimeout = "5s"\n\n[bundle]\nglobs = ["site.js"]\n')
    monkeypatch.chdir(tmp_path)
    code, _, err = cli(capsys, "run", "--phase", "bundle", "-o", "out")
    assert code == 0, err
    assert (tmp_path / "site.js").is_file() and not (tmp_path / "started").exists()


def test_a_security_phase_without_its_http_check_starts_no_app(tmp_path, monkeypatch, capsys):
    """`[security] checks = ["bandit"]` reads files only, yet `run` started the app (both under --base-ref)
    and, where it could not start, warned "the app did not start, so the phases run without it". With the
    http check (headers, auth probes) it still starts it."""
    isolated(tmp_path, monkeypatch)
    (tmp_path / "app.py").write_text("print(1)\n")
    config = ('[serve]\ncommand = "touch started && sleep 30"\nready_url = "http://127.0.0.1:{port}/"\n'
              'timeout = "2s"\n\n[run]\nphases = ["security"]\n\n[security]\nchecks = [%s]\n')
    (tmp_path / "echotune.toml").write_text(config % '"bandit"')
    monkeypatch.chdir(tmp_path)
    code, _, err = cli(capsys, "run", "-o", "out")
    assert code == 0, err
    assert not (tmp_path / "started").exists() and "did not start" not in err
    # the http check with a URL of its own fetches that one (http.py: opts.url or the app's), not the app
    (tmp_path / "echotune.toml").write_text(config % '"bandit", "http"' + '\n[security.http]\nurl = "http://127.0.0.1:9"\n')
    code, _, err = cli(capsys, "run", "-o", "out")
    assert not (tmp_path / "started").exists() and "did not start" not in err, err
    assert "127.0.0.1:9" in (tmp_path / "out" / "security.json").read_text()
    (tmp_path / "echotune.toml").write_text(config % '"bandit", "http"')
    code, _, err = cli(capsys, "run", "-o", "out")
    assert (tmp_path / "started").exists() and "did not start" in err


@pytest.mark.parametrize(("printed", "hinted"), [
    # a build tool's dependency gone (node_modules removed): a skipped setup may be why
    ("Error: Cannot find module vite", True),
    # a syntax error in the project's own config (vite.config.ts): no setup makes it go away
    ('vite.config.ts:53:2: ERROR: Expected ";" but found "export"', False),
])
def test_the_hint_after_a_failed_build_only_when_it_lacks_a_dependency(tmp_path, monkeypatch, capsys, printed,
                                                                        hinted):
    isolated(tmp_path, monkeypatch)
    (tmp_path / "build.sh").write_text(f"test -f marker && exit 0\necho '{printed}'\nexit 1\n")
    (tmp_path / "marker").write_text("")
    # the first run's build passes (so setup is stamped); the second's fails
    (tmp_path / "echotune.toml").write_text(
        f'[serve]\nsetup = "true"\nbuild = "sh build.sh"\ncommand = "{SERVES_404}"\n'
        f'ready_url = "http://127.0.0.1:{{port}}/"\ntimeout = "20s"\n\n[run]\nphases = ["bundle"]\n\n'
        f'[bundle]\nglobs = ["*.js"]\n')
    monkeypatch.chdir(tmp_path)
    cli(capsys, "run", "-o", "first")
    (tmp_path / "marker").unlink()
    code, _, err = cli(capsys, "run", "-o", "second")  # setup skipped, build fails
    assert_one_line_error(code, err, 3, f"serve.build failed with exit code 1 (sh build.sh); it printed: "
                                        f"{printed}")
    assert (HINT in err) is hinted


def _wheel(folder, name: str) -> None:
    """A wheel of an empty package *name* 0.1, as pip installs one: its module and its dist-info."""
    import zipfile

    folder.mkdir(parents=True, exist_ok=True)
    info = f"{name}-0.1.dist-info"
    files = {f"{name}/__init__.py": "",
             f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n",
             f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                              "Tag: py3-none-any\n"}
    record = "".join(f"{path},,\n" for path in files) + f"{info}/RECORD,,\n"
    with zipfile.ZipFile(folder / f"{name}-0.1-py3-none-any.whl", "w") as whl:
        for path, text in {**files, f"{info}/RECORD": record}.items():
            whl.writestr(path, text)


@pytest.mark.parametrize("step", ["build", "command"])
def test_a_module_no_requirement_provides_is_not_said_to_be_a_matter_of_setup(tmp_path, monkeypatch, capsys,
                                                                              step):
    """microblog's chapter 21 served on PostgreSQL: its requirements.txt has no psycopg2, every requirement
    was installed, and the skipped setup was blamed: "No module named 'psycopg2'; setup was skipped because
    its inputs did not change: `run --force-setup` runs it again", which installs the same."""
    isolated(tmp_path, monkeypatch)
    _wheel(tmp_path / "wheels", "tinydep")
    (tmp_path / "requirements.txt").write_text("# pinned\ntinydep==0.1\n")
    # the first run's step passes (so setup is stamped); the second's imports a module nothing installs
    (tmp_path / "step.py").write_text("import os\nimport tinydep\nif not os.path.exists('marker'):\n"
                                      "    import echotune_absent_driver\n")
    (tmp_path / "marker").write_text("")
    setup = (f"{sys.executable} -m venv .venv && .venv/bin/python -m pip install -q --no-index --find-links "
             f"wheels -r requirements.txt")
    build, command = ("python step.py", SERVES_404) if step == "build" else (
        "true", f"sh -c 'python step.py && exec {SERVES_404}'")
    (tmp_path / "echotune.toml").write_text(
        f'[serve]\nsetup = "{setup}"\nsetup_inputs = ["requirements.txt"]\nbuild = "{build}"\n'
        f'command = "{command}"\nready_url = "http://127.0.0.1:{{port}}/"\ntimeout = "20s"\n\n'
        f'[run]\nphases = ["load"]\n\n[load]\nduration = "1s"\nusers = 1\n')
    monkeypatch.chdir(tmp_path)
    cli(capsys, "run", "-o", "first")
    (tmp_path / "marker").unlink()
    code, _, err = cli(capsys, "run", "-o", "second")  # setup skipped, the step fails on the module
    # (Python's own traceback is quoted: no one-line check here)
    assert code == 3 and "ModuleNotFoundError: No module named 'echotune_absent_driver'" in err, err
    assert HINT not in err
    assert ("echotune_absent_driver is not installed, and setup would not install it: every requirement of "
            "requirements.txt is installed already; add the package that provides echotune_absent_driver "
            "there") in err
    # A requirement gone from the environment: setup would install it again, which may be what is missing.
    (tmp_path / "step.py").write_text("import tinydep\n")
    import subprocess

    done = subprocess.run([".venv/bin/python", "-m", "pip", "uninstall", "-q", "-y", "tinydep"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    code, _, err = cli(capsys, "run", "-o", "third")
    assert code == 3 and "No module named 'tinydep'" in err, err
    assert HINT in err
