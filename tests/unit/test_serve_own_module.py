"""A Python module of the project's own that the app could not import is no dependency a skipped setup left
out, and the error says how to run the app so that it imports (aiohttp-demos' blog, docs/real-projects.md,
"Twelfth round": `python aiohttpdemo_blog/main.py` stopped on ``No module named 'aiohttpdemo_blog'``)."""

from __future__ import annotations

import sys

import pytest

from test_init_workspaces import write
from echotune_ci.serve.output import lacks_a_dependency, own_module, own_module_hint
from support.hostile import cli


def test_the_projects_own_package_is_no_missing_dependency(tmp_path):
    (tmp_path / "blog").mkdir()
    lines = ["Traceback (most recent call last):", '  File "blog/main.py", line 3, in <module>',
             "ModuleNotFoundError: No module named 'blog.views'"]
    assert lacks_a_dependency(lines)  # by its words alone
    assert own_module(lines, tmp_path) == "blog.views"
    assert own_module(["ModuleNotFoundError: No module named 'aiohttp'"], tmp_path) == ""
    assert own_module_hint("blog.views", "python blog/main.py -c config/x.toml") == (
        "; blog is the project's own package: `python blog/main.py` puts blog/ on Python's import path, not "
        "the folder that holds blog/; run it as `python -m blog.main` (or install the project into its "
        "environment, pip install -e .)")
    assert "set PYTHONPATH in [serve] env" in own_module_hint("blog.views", "gunicorn app:app")


def test_a_start_that_cannot_import_its_own_package_says_how_to_run_it(tmp_path, monkeypatch, capsys):
    """The blog demo's README command, `python aiohttpdemo_blog/main.py`: with setup skipped the run said
    only "setup was skipped ...: `run --force-setup` runs it again", which cannot help."""
    for name in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ACTIONS", "ECHOTUNE_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    write(tmp_path, {"shop/__init__.py": "", "shop/views.py": "", "shop/main.py": "import shop.views\n"})
    (tmp_path / "echotune.toml").write_text(
        f'[serve]\nsetup = "true"\ncommand = "{sys.executable} shop/main.py"\n'
        'ready_url = "http://127.0.0.1:{port}/"\ntimeout = "20s"\n\n[run]\nphases = ["load"]\n')
    monkeypatch.chdir(tmp_path)
    cli(capsys, "run", "-o", "first")
    code, _, err = cli(capsys, "run", "-o", "second")  # setup skipped this time
    error = err.strip().splitlines()[-1]  # the app's own traceback is quoted in it, joined on one line
    assert code == 3 and error.startswith("echotune-ci: error: serve command exited with code 1"), err
    assert "No module named 'shop'; shop is the project's own package" in error
    assert "run it as `python -m shop.main`" in error
    assert "force-setup" not in error


def test_a_build_step_that_cannot_import_its_own_package_says_so_too(tmp_path):
    from echotune_ci.serve.steps import StepFailed, run_step

    write(tmp_path, {"tools/__init__.py": "", "tools/seed.py": "import tools.data\n"})
    with pytest.raises(StepFailed) as raised:
        run_step("build", f"{sys.executable} tools/seed.py", tmp_path, {"PATH": "/usr/bin:/bin"}, 30)
    assert "run it as `python -m tools.seed`" in str(raised.value)
    assert not raised.value.missing_dependency
