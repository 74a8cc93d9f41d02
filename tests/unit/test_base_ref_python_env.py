"""`run --base-ref` and the project's Python environment: the base never runs the head's code through a
linked environment that installs the project itself (``pip install -e .``), and a project whose
environment no setup makes (no ``[serve] setup``, or ``--no-setup``) still gets its base measured.

The environments are laid out as pip 24 / setuptools 75 wrote them for a src-layout project installed
with ``pip install -e .`` (``/tmp/pytrial/srcapp``, a Flask app served by gunicorn): an
``__editable__.tinyapp-0.1.0.pth`` whose one line is ``<checkout>/src``, and a ``direct_url.json`` of
``{"dir_info": {"editable": true}, "url": "file://<checkout>"}``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from echotune_ci.baseref.environment import head_code, installed_checkout_code
from echotune_ci.baseref.sidebyside import SideBySide, _prepare_base
from echotune_ci.config import Config, load_config
from echotune_ci.errors import EchoTuneError

SITE = "lib/python3.11/site-packages"
DISTUTILS_PTH = ("import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == "
                 "'local'; enabled and __import__('_distutils_hack').add_shim(); \n")


def two_checkouts(tmp_path: Path, toml: str) -> tuple[Path, Path, Config, Config]:
    """The head's and the base's folders under *tmp_path*, each with *toml* as its echotune.toml, and
    their configurations."""
    head, base = tmp_path / "head", tmp_path / "base"
    return head, base, load_config(write(head / "echotune.toml", toml)), load_config(
        write(base / "echotune.toml", toml))


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def make_venv(venv: Path) -> Path:
    """A virtualenv's shape (what is_venv looks at) with pip's and setuptools' own .pth file."""
    write(venv / "pyvenv.cfg", "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.7\n")
    write(venv / "bin" / "python", "")
    write(venv / SITE / "distutils-precedence.pth", DISTUTILS_PTH)
    write(venv / SITE / "flask-3.1.0.dist-info" / "METADATA", "Name: Flask\n")
    return venv


def install_editable(venv: Path, checkout: Path) -> None:
    write(venv / SITE / "__editable__.tinyapp-0.1.0.pth", f"{checkout / 'src'}\n")
    write(venv / SITE / "tinyapp-0.1.0.dist-info" / "direct_url.json",
          json.dumps({"dir_info": {"editable": True}, "url": f"file://{checkout}"}))


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # setup stamps stay in the test's folder


def test_an_editable_install_of_the_project_is_the_heads_code(tmp_path: Path) -> None:
    head = tmp_path / "head"
    venv = make_venv(head / ".venv")
    assert installed_checkout_code(venv, head) is None  # third-party packages only
    install_editable(venv, head)
    assert installed_checkout_code(venv, head) == f"{SITE}/tinyapp-0.1.0.dist-info/direct_url.json"
    (venv / SITE / "tinyapp-0.1.0.dist-info" / "direct_url.json").unlink()
    assert installed_checkout_code(venv, head) == f"{SITE}/__editable__.tinyapp-0.1.0.pth"


def test_paths_outside_the_checkout_or_inside_the_venv_are_not_the_heads_code(tmp_path: Path) -> None:
    head = tmp_path / "head"
    venv = make_venv(head / ".venv")
    # A wheel installed from pip's cache, a .pth naming a shared folder and one naming the venv itself.
    write(venv / SITE / "gunicorn-23.0.0.dist-info" / "direct_url.json",
          json.dumps({"archive_info": {}, "url": f"file://{tmp_path / 'wheels' / 'gunicorn.whl'}"}))
    write(venv / SITE / "shared.pth", f"{tmp_path / 'shared'}\n# a comment\n")
    write(venv / SITE / "inside.pth", "./extra\n")
    write(venv / SITE / "odd.pth", "/tmp/not\x00a path\n")  # a NUL byte: Path.resolve raises ValueError
    assert installed_checkout_code(venv, head) is None
    assert head_code(load_config(write(head / "echotune.toml", "")).serve, head, head) is None


def serve_toml(setup: str, build: str) -> str:
    return (f'[serve]\nsetup = "{setup}"\nbuild = "{build}"\ncommand = "gunicorn tinyapp.app:app"\n'
            'ready_url = "http://127.0.0.1:{port}/"\n')


def test_a_base_whose_environment_would_hold_the_heads_code_runs_its_own_setup(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The setup and its inputs are the same on both sides, which alone would link the head's .venv.
    toml = serve_toml("touch own-setup", "true")
    head = tmp_path / "head"
    base = tmp_path / "base"
    head_cfg = load_config(write(head / "echotune.toml", toml))
    base_cfg = load_config(write(base / "echotune.toml", toml))
    for side in (head, base):
        write(side / "pyproject.toml", '[project]\nname = "tinyapp"\n')
    install_editable(make_venv(head / ".venv"), head)
    report = SideBySide()

    assert _prepare_base(base_cfg, head_cfg, False, False, {}, report, temporary=False, repo=head) is None

    assert (base / "own-setup").exists()
    assert not (base / ".venv").exists()
    # The base's steps say they are the base's (before, two bare "build: done" lines, one per build).
    err = capsys.readouterr().err
    assert "base setup: done in" in err and "base build: done in" in err
    assert report.notes == [f"the head's .venv/{SITE}/tinyapp-0.1.0.dist-info/direct_url.json installs the "
                            "head's own code, so the base ran its own setup (with that environment linked it "
                            "would have run the head's code)"]


def test_a_base_whose_lockfile_differs_is_said_to_differ_not_to_hold_the_heads_code(tmp_path: Path) -> None:
    """full-stack-fastapi-template's uv workspace, whose `uv sync --package app` installs the member `app`
    (a direct_url.json naming the head's backend/): its pull request that bumped uv.lock (pwdlib and argon2
    added) had a note that the base ran its own setup because the head's environment holds the head's own
    code, and no word that the base's dependencies differ, which is why its setup had to run anyway."""
    toml = serve_toml("touch own-setup", "true")
    head, base, head_cfg, base_cfg = two_checkouts(tmp_path, toml)
    for side, lock in ((head, 'name = "pwdlib"\nversion = "0.3.0"\n'), (base, 'name = "bcrypt"\n')):
        write(side / "pyproject.toml", '[project]\nname = "tinyapp"\n')
        write(side / "uv.lock", f"version = 1\n\n[[package]]\n{lock}")
    install_editable(make_venv(head / ".venv"), head)
    report = SideBySide()
    assert _prepare_base(base_cfg, head_cfg, False, False, {}, report, temporary=False, repo=head) is None
    assert (base / "own-setup").exists() and not (base / ".venv").exists()
    assert report.notes == ["the base's setup inputs differ from the head's (uv.lock): the base ran its own "
                            "setup"]


def test_a_prepared_base_with_its_own_environment_is_not_said_to_have_other_dependencies(
        tmp_path: Path) -> None:
    """`--base-dir` a checkout with its own .venv and the head's requirements: nothing is linked over it.
    The note said "the base's dependencies differ from the head's: the base ran its own setup", also when
    the setup stamp had skipped it."""
    toml = serve_toml("touch own-setup", "true")
    head, base, head_cfg, base_cfg = two_checkouts(tmp_path, toml)
    for side in (head, base):
        write(side / "requirements.txt", "Flask==3.1.0\n")
        make_venv(side / ".venv")
    notes = []
    for _ in range(2):
        report = SideBySide()
        assert _prepare_base(base_cfg, head_cfg, False, False, {}, report, temporary=False, repo=head) is None
        notes.append(report.notes)
    said = "the base's dependencies are the head's, but its folder has its own .venv: "
    skipped = "the base's own setup was skipped (its inputs did not change since it last ran there)"
    assert notes == [[said + "the base ran its own setup"], [said + skipped]]
    assert not (base / ".venv").is_symlink()
    # Other requirements: said, naming the file.
    write(base / "requirements.txt", "Flask==3.0.0\n")
    report = SideBySide()
    _prepare_base(base_cfg, head_cfg, False, False, {}, report, temporary=False, repo=head)
    assert report.notes == ["the base's setup inputs differ from the head's (requirements.txt): the base ran "
                            "its own setup"]


def django_checkouts(tmp_path: Path, toml: str) -> tuple[Path, Path, Any, Any]:
    """Head and base checkouts with *toml*, different requirements, and a hand-made .venv in the head
    only: (head, base, head config, base config)."""
    head, base, head_cfg, base_cfg = two_checkouts(tmp_path, toml)
    write(head / "requirements.txt", "Django==5.1.2\n")
    write(base / "requirements.txt", "Django==5.1.1\n")
    make_venv(head / ".venv").joinpath("bin", "python").chmod(0o755)
    return head, base, head_cfg, base_cfg


def test_without_a_setup_the_base_runs_in_the_heads_environment(tmp_path: Path) -> None:
    # wsvincent/djangox with `setup` left out: the user made .venv by hand. Before, the base's build
    # stopped with "ImportError: Couldn't import Django" and the head was measured alone.
    toml = ('[serve]\nbuild = "test -x .venv/bin/python"\ncommand = "gunicorn django_project.wsgi"\n'
            'ready_url = "http://127.0.0.1:{port}/"\n')
    head, base, head_cfg, base_cfg = django_checkouts(tmp_path, toml)
    report = SideBySide()

    _prepare_base(base_cfg, head_cfg, False, False, {}, report, temporary=False, repo=head)

    assert (base / ".venv").resolve() == (head / ".venv").resolve()
    assert report.notes == ["the base has no setup to run (no [serve] setup, or --no-setup): linked the "
                            "head's .venv, the only environment it could run in"]


def test_no_setup_links_the_heads_environment_whatever_the_inputs(tmp_path: Path) -> None:
    toml = serve_toml("exit 9", "test -x .venv/bin/python")
    head, base, head_cfg, base_cfg = django_checkouts(tmp_path, toml)
    report = SideBySide()

    _prepare_base(base_cfg, head_cfg, False, True, {}, report, temporary=False, repo=head)

    assert (base / ".venv").resolve() == (head / ".venv").resolve()
    assert report.notes[0].startswith("the base has no setup to run (no [serve] setup, or --no-setup)")


def test_a_base_without_a_configured_input_runs_its_setup_which_says_what_failed(tmp_path: Path) -> None:
    # djangox at HEAD~99 has no requirements.txt. The base stopped on "serve.setup_inputs: ... not found"
    # before its setup started (and no note could say it ran); a commit from before the file is no error in
    # the configuration (flask-vue-crud's e521ba8, whose pip then said "Could not open requirements file"),
    # so its setup runs, fails on the file itself, and the failure says the base ran its own setup.
    toml = serve_toml("cat requirements.txt && touch own-setup", "true").replace(
        "[serve]\n", '[serve]\nsetup_inputs = ["requirements.txt"]\n')
    head, base, head_cfg, base_cfg = two_checkouts(tmp_path, toml)
    write(head / "requirements.txt", "Django==5.1.2\n")
    make_venv(head / ".venv")
    report = SideBySide()

    with pytest.raises(EchoTuneError) as raised:
        _prepare_base(base_cfg, head_cfg, False, False, {}, report, temporary=False, repo=head)

    assert str(raised.value) == (
        "serve.setup failed with exit code 1 (cat requirements.txt && touch own-setup); the base's setup "
        "inputs differ from the head's (requirements.txt only in the head): the base ran its own setup; it "
        "printed: cat: requirements.txt: No such file or directory")
    assert not (base / "own-setup").exists() and not (base / ".venv").exists()
    assert report.notes == []


def test_the_base_failure_leads_with_the_exception_line_the_comment_would_cut(tmp_path: Path) -> None:
    from echotune_ci.baseref.sidebyside import failure_text
    from echotune_ci.report.layout import one_line

    # As `run --base-ref HEAD` printed it on wsvincent/djangox whose base's wsgi.py raised.
    frames = " | ".join(f'  File "<frozen importlib._bootstrap>", line {n}, in _find_and_load'
                        for n in range(6))
    why = ("serve command exited with code 3 before http://127.0.0.1:41553/ answered; it printed: Traceback "
           f"(most recent call last): | … | {frames} | "
           '  File "/tmp/echotune-base-ne76qno6/base/django_project/wsgi.py", line 8, in <module> | '
           '    raise RuntimeError("broken on purpose") | RuntimeError: broken on purpose')
    text = failure_text("--base-ref HEAD", why)
    assert text == ("the base (--base-ref HEAD) could not be measured (RuntimeError: broken on purpose): "
                    f"{why}")
    assert "RuntimeError: broken on purpose" in one_line(f"no comparison with the base: {text}")
    # No traceback, or one cut before its exception line: the error's own line as it is.
    plain = "serve.build failed with exit code 7 (npm run build); it printed: npm ERR! missing script: build"
    assert failure_text("--base-ref HEAD~1", plain) == ("the base (--base-ref HEAD~1) could not be measured: "
                                                        f"{plain}")
    cut = ("serve.build failed with exit code 1; it printed: Traceback (most recent call last): | "
           '  File "x.py"')
    assert failure_text("--base-dir b", cut) == f"the base (--base-dir b) could not be measured: {cut}"
    # An exception whose own text holds " | " (the separator of the quoted lines) is led with whole.
    piped = ('serve.build failed with exit code 1 (python build.py); it printed: Traceback (most recent call '
             'last): |   File "build.py", line 1, in <module> |     raise RuntimeError("disk full | retry '
             'later") | RuntimeError: disk full | retry later')
    assert failure_text("--base-ref x", piped).startswith(
        "the base (--base-ref x) could not be measured (RuntimeError: disk full | retry later): serve.build")
    # A base built from its own, older [serve] (fastapi-basic-example: the head fixed its setup): up front
    # it says so, at the end what to do; the exception line still leads the cut comment.
    assert failure_text("--base-ref HEAD~1", why, ["setup"]) == (
        "the base (--base-ref HEAD~1, built with its own [serve] setup, not the head's) could not be "
        f"measured (RuntimeError: broken on purpose): {why}; a fix in the head's configuration does not "
        "reach the base: commit it to the base branch, or prepare a base with --base-dir")


def test_a_phase_measured_with_the_base_is_not_called_failed_before_the_gate(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # djangox: "security: fail (2.1s)" while measuring, then "gate: warn": the base already broke the budget.
    from echotune_ci.baseref import sidebyside
    from echotune_ci.baseref.measure import Pair, Side
    from echotune_ci.config import defaults
    from echotune_ci.results import PhaseResult

    class Stub:
        name, needs_app, uses_app = "security", False, True

        def with_progress(self, _update: object) -> Stub:
            return self

    def measured(phase: object, head: Side, base: Side) -> Pair:
        return Pair(PhaseResult(phase="security", status="fail", duration_s=2.1),
                    PhaseResult(phase="security", status="fail"))

    monkeypatch.setattr(sidebyside, "measure_pair", measured)
    side = Side(defaults(), {"security": Stub()})  # type: ignore[dict-item]
    sidebyside._measure([Stub()], side, side, (None, None), SideBySide())  # type: ignore[list-item]
    assert "security: head and base measured (2.1s)" in capsys.readouterr().err
    errored = Pair(PhaseResult(phase="security", status="error"))
    monkeypatch.setattr(sidebyside, "measure_pair", lambda *a: errored)
    sidebyside._measure([Stub()], side, side, (None, None), SideBySide())  # type: ignore[list-item]
    assert "security: error (0.0s)" in capsys.readouterr().err


def test_a_setup_that_ran_is_said_before_a_build_that_fails(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """django-locallibrary at 6118f08: the base's setup ran (24 s), its build failed, and no "base setup:
    done" line was printed: the steps' notes were printed only once both had succeeded."""
    toml = serve_toml("touch own-setup", "exit 7")
    head, base, head_cfg, base_cfg = two_checkouts(tmp_path, toml)
    write(head / "requirements.txt", "Flask==3.1.0\n")
    write(base / "requirements.txt", "Flask==3.0.0\n")
    with pytest.raises(EchoTuneError, match="serve.build failed with exit code 7"):
        _prepare_base(base_cfg, head_cfg, False, False, {}, SideBySide(), temporary=False, repo=head)
    assert "base setup: done in" in capsys.readouterr().err


def linked_base_failing(tmp_path: Path, setup: str) -> str:
    """The message of a linked base (same requirements, the head's .venv) whose build fails with a
    traceback, as a base's own broken migration does."""
    from echotune_ci.baseref.sidebyside import failure_text

    toml = serve_toml(setup, "python3 -c 'raise RuntimeError(0x27)'")
    head, base, head_cfg, base_cfg = two_checkouts(tmp_path, toml)
    for side in (head, base):
        write(side / "requirements.txt", "Django==5.1.2\n")
    make_venv(head / ".venv")
    report = SideBySide()
    with pytest.raises(EchoTuneError) as failed:
        _prepare_base(base_cfg, head_cfg, False, False, {}, report, temporary=False, repo=head)
    assert (base / ".venv").resolve() == (head / ".venv").resolve()
    return failure_text("--base-ref HEAD~1", str(failed.value))


def test_a_linked_base_whose_setup_only_installs_is_not_told_its_setup_was_skipped(tmp_path: Path) -> None:
    # wagtail/bakerydemo with a base whose migration raised: the warning blamed the skipped setup
    # ("...: it uses the head's installed dependencies; a step besides installing (migrations, data)
    # belongs in [serve] build"), twice, for a setup that only installs and a failure in build itself.
    text = linked_base_failing(
        tmp_path, "python3 -m venv .venv && .venv/bin/python -m pip install -r requirements.txt")
    assert text.startswith("the base (--base-ref HEAD~1) could not be measured (RuntimeError: 39): "
                           "serve.build failed with exit code 1")
    assert "setup" not in text


def test_the_skipped_setup_is_named_before_the_output_and_once(tmp_path: Path) -> None:
    text = linked_base_failing(tmp_path, "pip install -r requirements.txt && python manage.py migrate")
    hint = ("the base did not run its setup (pip install -r requirements.txt && python manage.py "
            "migrate): it uses the head's installed dependencies; a step besides installing (migrations, "
            "data) belongs in [serve] build, which runs for both")
    assert text.startswith("the base (--base-ref HEAD~1) could not be measured (RuntimeError: 39): "
                           "serve.build failed with exit code 1 (python3 -c 'raise RuntimeError(0x27)'); "
                           + hint + "; it printed: Traceback")
    assert text.count(hint) == 1 and text.endswith("RuntimeError: 39")


@pytest.mark.parametrize(("setup", "more"), [
    ("python3 -m venv .venv && .venv/bin/python -m pip install -r requirements.txt", False),
    ("test -x .venv/bin/python", False),
    ("cd client && npm ci", False),
    # what init writes for two folders, and two kinds of install
    ("(cd backend && npm ci) && (cd client && npm ci)", False),
    ("python3 -m venv .venv && .venv/bin/python -m pip install -r requirements.txt && npm ci --prefix ../web",
     False),
    ("cd api && poetry install && cd ../web && pnpm install", False),
    ("(cd backend && npm ci) && (cd backend && npx prisma migrate deploy)", True),
    ("uv sync --frozen", False),
    ("pip install -r requirements.txt && python manage.py migrate", True),
    ("npm ci && npm run db:seed", True),
    ("./scripts/bootstrap.sh", True),
])
def test_a_setup_does_more_than_install_when_a_step_is_not_an_install_or_a_check(setup: str,
                                                                                 more: bool) -> None:
    from echotune_ci.baseref.sidebyside import more_than_installs

    assert more_than_installs(setup) is more


def test_a_base_run_from_the_heads_activated_venv_does_not_install_into_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A job run from the head's activated .venv (``. .venv/bin/activate``): the base's setup and build got
    VIRTUAL_ENV and PATH of the head's .venv, and a real pull request's base (mikhailfed68/django-blog,
    ``poetry install`` with other locked dependencies) installed whitenoise into the head's .venv."""
    record = "printf '%s|%s' \\\"$VIRTUAL_ENV\\\" \\\"$PATH\\\" > seen-{0}"
    head, base, head_cfg, base_cfg = django_checkouts(tmp_path, serve_toml(record.format("setup"),
                                                                          record.format("build")))
    shared = tmp_path / "tools" / "bin"
    shared.mkdir(parents=True)
    monkeypatch.setenv("VIRTUAL_ENV", str(head / ".venv"))
    activated = [head / ".venv" / "bin", head / "node_modules" / ".bin", shared]
    monkeypatch.setenv("PATH", os.pathsep.join([*map(str, activated), os.environ["PATH"]]))
    report = SideBySide()

    _prepare_base(base_cfg, head_cfg, False, False, {}, report, temporary=False, repo=head)

    assert report.notes == ["the base's setup inputs differ from the head's (requirements.txt): the base ran "
                            "its own setup"]
    for step in ("setup", "build"):
        venv, path = (base / f"seen-{step}").read_text().split("|", 1)
        assert venv == ""  # no .venv in the base's folder yet: its setup makes its own
        assert str(head) not in path
        assert path.split(os.pathsep)[:2] == [str(base / ".venv" / "bin"), str(shared)]
    # The head's own steps keep the environment the job activated for them.
    assert _head_environment(head, head_cfg)["VIRTUAL_ENV"] == str(head / ".venv")


def _head_environment(head: Path, head_cfg: Config) -> dict[str, str]:
    from echotune_ci.serve.app import App
    return App(head_cfg.serve, head, root=head).environment()


def test_a_base_without_its_setup_whose_dependencies_differ_says_so_when_it_cannot_start(
        tmp_path: Path) -> None:
    """--no-setup on a pull request that removes a package (mikhailfed68/django-blog drops whitenoise): the
    base ran in the head's environment and stopped on "No module named 'whitenoise'", and nothing said that
    the packages were the head's."""
    from echotune_ci.errors import RunError

    toml = ('[serve]\nsetup = "python3 -m venv .venv && .venv/bin/python -m pip install -r '
            'requirements.txt"\nbuild = "true"\n'
            'command = "python3 -c \\"import whitenoise_is_not_installed_here\\""\n'
            'ready_url = "http://127.0.0.1:{port}/"\ntimeout = "10s"\n')
    head, base, head_cfg, base_cfg = django_checkouts(tmp_path, toml)

    prepared = _prepare_base(base_cfg, head_cfg, True, True, {}, SideBySide(), temporary=False, repo=head)
    assert prepared is not None
    with pytest.raises(RunError) as failed:
        prepared.start()

    said = str(failed.value)
    assert ("; the base did not run its setup (--no-setup), and its setup inputs differ from the head's "
            "(requirements.txt): it uses the head's installed dependencies, not its own; run without "
            "--no-setup to install them" in said), said
    # before the output it quotes, as a failed build's: the comment keeps a long warning's start and end,
    # and the end is the exception ("No module named ..."), which the hint had pushed out
    assert said.index("--no-setup") < said.index("; it printed: ")
    assert said.endswith("No module named 'whitenoise_is_not_installed_here'"), said
    # The same inputs on both sides: the head's environment is the base's own, and nothing is added.
    write(base / "requirements.txt", "Django==5.1.2\n")
    prepared = _prepare_base(base_cfg, head_cfg, True, True, {}, SideBySide(), temporary=False, repo=head)
    assert prepared is not None and prepared.hint == ""


def test_a_relative_path_entry_is_each_builds_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PATH=./node_modules/.bin:$PATH (a job's or a Makefile's idiom), run from the head's checkout: the entry
    names the folder each step runs in, the base's own there, but it resolved against this process's folder
    into the head's checkout and was left out of the base's steps, whose build then found no tool the head's
    found."""
    record = "printf '%s' \\\"$PATH\\\" > seen-{0}"
    head, base, head_cfg, base_cfg = django_checkouts(tmp_path, serve_toml(record.format("setup"),
                                                                          record.format("build")))
    monkeypatch.chdir(head)
    monkeypatch.setenv("PATH", os.pathsep.join(["./node_modules/.bin", "node_modules/.bin",
                                                str(head / ".venv" / "bin"), os.environ["PATH"]]))

    _prepare_base(base_cfg, head_cfg, False, False, {}, report=SideBySide(), temporary=False, repo=head)

    for step in ("setup", "build"):
        path = (base / f"seen-{step}").read_text().split(os.pathsep)
        assert "./node_modules/.bin" in path and "node_modules/.bin" in path, path
        assert str(head / ".venv" / "bin") not in path


def test_poetrys_and_pipenvs_own_environment_of_a_temporary_base_stays_beside_its_checkout(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """hackersandslackers/flask-blueprint-tutorial with ``setup = "poetry install --no-root"``: Poetry (2.5.1)
    made the base's environment in ~/.cache/pypoetry/virtualenvs, named after the temporary checkout's path
    (flask-blueprint-tutorial-SiZtZQas-py3.11, 73 MB), and left it there once the checkout was removed: one
    more on every run. The base's steps and app now get virtualenvs.path (and Pipenv's WORKON_HOME) in the
    checkout's temporary folder; the real rerun made flask-blueprint-tutorial-rb29R6Kw-py3.11 there and
    nothing in the cache."""
    record = "printf '%s|%s' \\\"$POETRY_VIRTUALENVS_PATH\\\" \\\"$WORKON_HOME\\\" > seen-{0}"
    toml = (serve_toml(record.format("setup"), record.format("build"))
            + 'env = { WORKON_HOME = "/srv/pipenv-envs" }\n')
    head = tmp_path / "head"
    base = tmp_path / "echotune-base-x1" / "base"
    head_cfg = load_config(write(head / "echotune.toml", toml))
    base_cfg = load_config(write(base / "echotune.toml", toml))
    write(head / "poetry.lock", "# black 23.12.1\n")
    write(base / "poetry.lock", "# black 23.12.0\n")
    monkeypatch.setenv("POETRY_VIRTUALENVS_PATH", str(tmp_path / "job-cache"))  # a job's own setting
    from echotune_ci.baseref.checkout import BaseSource
    report = SideBySide(source=BaseSource(base, "HEAD~1", "0" * 40))

    prepared = _prepare_base(base_cfg, head_cfg, False, False, {}, report, temporary=True, repo=head)

    assert prepared is None  # not started
    for step in ("setup", "build"):
        # [serve] env's own WORKON_HOME is kept: the user chose where
        assert (base / f"seen-{step}").read_text() == (
            f"{tmp_path / 'echotune-base-x1' / 'poetry_virtualenvs_path'}|/srv/pipenv-envs")
    assert _head_environment(head, head_cfg)["POETRY_VIRTUALENVS_PATH"] == str(tmp_path / "job-cache")
    # A base someone prepared (--base-dir) keeps its path from run to run, and its environment with it.
    for step in ("setup", "build"):
        (base / f"seen-{step}").unlink()
    _prepare_base(base_cfg, head_cfg, False, False, {}, SideBySide(source=BaseSource(base, "", "")),
                  temporary=False, repo=head)
    assert (base / "seen-setup").read_text() == f"{tmp_path / 'job-cache'}|/srv/pipenv-envs"


# pyvenv.cfg as Python 3.13's venv wrote it (the head's .venv of flask-blueprint-tutorial, made for an
# earlier commit) and as Poetry 2.5.1's virtualenv 21 wrote it for the base's own `poetry install`
VENV_313 = ("home = /root/.pyenv/versions/3.13.0/bin\ninclude-system-site-packages = false\n"
            "version = 3.13.0\nexecutable = /root/.pyenv/versions/3.13.0/bin/python3.13\n")
POETRY_311 = ("home = /root/.pyenv/versions/3.11.7/bin\nimplementation = CPython\n"
              "version_info = 3.11.7.final.0\nversion = 3.11.7\nvirtualenv = 21.15.14\n"
              "prompt = \"flask-blueprint-tutorial-py3.11\"\n")


def test_a_base_and_head_made_by_different_pythons_are_said_to_differ(tmp_path: Path) -> None:
    """flask-blueprint-tutorial's lockfile pair run after its ^3.12 commit, whose .venv Poetry had made with
    Python 3.13 and kept (3.13 fits the pair's ^3.10 too): the base's own setup made one with 3.11, and
    load compared them with no word of the interpreters. The real rerun warned with these words."""
    from echotune_ci.baseref.environment import python_difference

    head, base = tmp_path / "fbt", tmp_path / "echotune-base-x" / "base"
    write(head / ".venv" / "pyvenv.cfg", VENV_313)
    write(base / ".venv" / "pyvenv.cfg", POETRY_311)
    envs = {"VIRTUAL_ENV": str(head / ".venv")}, {"VIRTUAL_ENV": str(base / ".venv")}

    assert python_difference(*envs, (head, base)) == (
        "the base runs Python 3.11.7 (its .venv) and the head Python 3.13.0 (.venv): the timings compare the "
        "interpreters too; an environment made earlier by another Python stays until it is removed (then "
        "setup makes it anew)")
    # uv writes version_info alone; one outside the checkout is named by its path
    write(base / ".venv" / "pyvenv.cfg", "home = /usr/bin\nimplementation = CPython\nuv = 0.9.2\n"
                                         "version_info = 3.13.0\ninclude-system-site-packages = false\n")
    assert python_difference(*envs, (head, base)) == ""
    shell = tmp_path / "cache" / "app-py3.11"
    write(shell / "pyvenv.cfg", POETRY_311)
    assert python_difference({"VIRTUAL_ENV": str(shell)}, envs[1], (head, base)).startswith(
        f"the base runs Python 3.13.0 (its .venv) and the head Python 3.11.7 ({shell}): ")
    # a linked base runs in the head's environment itself; a side with no venv known says nothing
    assert python_difference(envs[0], envs[0], (head, head)) == ""
    assert python_difference(envs[0], {}, (head, base)) == ""
