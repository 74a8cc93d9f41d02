"""The Python a project asks for in a Pipfile or bounds in pyproject.toml becomes a `# check:` note.

gothinkster/flask-realworld-example-app's Pipfile says ``[requires] python_version = "3.7"``; init said
nothing, and ``pipenv sync`` made the venv with an old interpreter on which current pip does not run.
Expected values follow the tools' documented behaviour: pipenv reads ``python_full_version``, else
``python_version``, looks for that interpreter, makes the venv with it when found and stops ("Python X
was not found on your system") when not, unless pyenv or asdf installs it (non-interactive: only with
PIPENV_YES); ``PIPENV_PYTHON`` names the interpreter instead, and a Pipfile asking for another version then
only warns. A bare ``PIPENV_PYTHON=python3`` is the newest Python 3 pipenv's finder sees: pipenv 2026.10.3
made hackersandslackers/flask-blueprint-tutorial's venv with pyenv's 3.13.0 where python3 on PATH was
3.11.7 ("Using /root/.pyenv/versions/3.13.0/bin/python3"), and with 3.11.7 for ``python3.11``.
Poetry's caret ``^1.2.3`` allows >=1.2.3,<2.0.0 (the leftmost non-zero component given is
bumped; ``^0.0`` >=0.0.0,<0.1.0), its tilde ``~1.2.3`` >=1.2.3,<1.3.0 (``~1``: <2.0.0), ``1.2.*``
>=1.2.0,<1.3.0, a bare ``1.2.3`` that version only, ``||`` either side; ``poetry install`` with a python
that the constraint leaves out looks for an installed one it allows, and stops without one ("Poetry was
unable to find a compatible version"). pip refuses to install a project whose requires-python leaves the
running Python out; it does not read requires-python for a requirements file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from echotune_ci.project import runtimes
from echotune_ci.project.init import app_setup, init_project
from echotune_ci.project.runtimes import Asked, poetry_specifiers, python_asked, python_note, python_range
from test_init_workspaces import write

PIPFILE = """[[source]]
url = "https://pypi.org/simple"
verify_ssl = true
name = "pypi"

[packages]
flask = "==1.1.2"
gunicorn = "==20.0.4"

[requires]
{requires}
"""
APP = "from flask import Flask\n\napp = Flask(__name__)\n\n\n@app.get('/')\ndef index():\n    return 'ok'\n"


@pytest.fixture(autouse=True)
def machine(monkeypatch):
    """Python 3.11.7 here, and the interpreters *found* names (version by program)."""
    found: dict[str, str] = {}
    here = {"python": "3.11", "python_full": "3.11.7", "node": "20"}
    monkeypatch.setattr(runtimes, "machine", lambda: dict(here))
    monkeypatch.setattr(runtimes, "installed", lambda program: found.get(program, ""))
    return found


def pipenv_app(root: Path, requires: str) -> Path:
    return write(root, {"Pipfile": PIPFILE.format(requires=requires),
                        "Pipfile.lock": '{"_meta": {"requires": {}}, "default": {}, "develop": {}}',
                        "autoapp.py": APP})


def python_checks(root: Path) -> list[str]:
    return [n for n in app_setup(root).all_checks() if "asks for Python" in n]


def test_a_pipfile_version_pipenv_cannot_find_says_it_stops(tmp_path):
    app = app_setup(pipenv_app(tmp_path, 'python_version = "3.7"'))
    assert app.setup.endswith("pipenv sync")
    assert [n for n in app.all_checks() if "asks for Python" in n] == [
        "Pipfile [requires] python_version asks for Python 3.7 and python3 here is 3.11.7: pipenv makes the "
        "venv with Python 3.7 only, and stops when it finds none (\"Python 3.7 was not found on your "
        "system\"; pyenv or asdf install it only with PIPENV_YES=1 in CI); python3.7 is not installed here: "
        "install it, or put PIPENV_PYTHON=python3.11 in front of setup to make the venv with 3.11 (pipenv "
        "then only warns)"]


def test_a_pipfile_version_installed_here_is_what_pipenv_uses(tmp_path, machine):
    machine["python3.7"] = "3.7.17"
    assert python_checks(pipenv_app(tmp_path, 'python_version = "3.7"')) == [
        "Pipfile [requires] python_version asks for Python 3.7 and python3 here is 3.11.7: pipenv makes the "
        "venv with python3.7 (3.7.17), installed here, not with python3; if setup or the app fails on it "
        "(current pip and new releases of packages drop old Pythons), put PIPENV_PYTHON=python3.11 in front "
        "of setup to make the venv with 3.11 (pipenv then only warns)"]


def test_the_full_version_comes_first_and_must_match_to_the_patch(tmp_path, machine):
    root = pipenv_app(tmp_path, 'python_version = "3.11"\npython_full_version = "3.11.4"')
    assert python_asked(root, "pipenv") == Asked("3.11.4", "Pipfile [requires] python_full_version")
    machine["python3.11"] = "3.11.7"
    # pipenv looks for 3.11.4 exactly: this machine's 3.11.7 is not it
    (note,) = python_checks(root)
    assert note.startswith("Pipfile [requires] python_full_version asks for Python 3.11.4 and python3 here "
                           "is 3.11.7: pipenv makes the venv with Python 3.11.4 only, and stops")
    assert "python3.11 here is 3.11.7: install it" in note
    write(root, {"Pipfile": PIPFILE.format(requires='python_full_version = "3.11.7"')})
    assert python_checks(root) == []


@pytest.mark.parametrize("requires", ['python_version = "3.11"', 'python_version = "3"',
                                      'python_version = "*"', ""])
def test_a_pipfile_this_machine_meets_says_nothing(tmp_path, requires):
    assert python_checks(pipenv_app(tmp_path, requires)) == []


def test_a_pipfile_beside_a_requirements_file_is_read_for_the_venv_setup_makes(tmp_path, machine):
    # no Pipfile.lock: setup installs requirements.txt into a venv made with python3, whatever pipenv would do
    root = write(tmp_path, {"Pipfile": PIPFILE.format(requires='python_version = "3.8"'),
                            "requirements.txt": "flask==3.0.3\ngunicorn==22.0.0\n", "autoapp.py": APP})
    machine["python3.8"] = "3.8.18"
    assert python_checks(root) == [
        "Pipfile [requires] python_version asks for Python 3.8 and python3 here is 3.11: setup makes the "
        "venv with python3; if the app needs 3.8, python3.8 runs here: `python3.8 -m venv .venv` in setup "
        "uses it"]
    # runtime.txt says more than a Pipfile pipenv does not run
    write(root, {"runtime.txt": "python-3.10.4\n"})
    assert python_asked(root) == Asked("3.10", "runtime.txt")


def test_pipenv_reads_the_pipfile_before_runtime_txt(tmp_path):
    root = pipenv_app(tmp_path, 'python_version = "3.7"')
    write(root, {"runtime.txt": "python-3.11.7\n"})
    assert python_asked(root, "pipenv") == Asked("3.7", "Pipfile [requires] python_version")
    assert python_asked(root) == Asked("3.11", "runtime.txt")


def test_a_pipfile_that_is_no_toml_asks_for_nothing(tmp_path):
    assert python_asked(write(tmp_path, {"Pipfile": "[requires\npython_version = '3.7'\n"})) is None


@pytest.mark.parametrize(("constraint", "expected"), [
    ("^1.2.3", [">=1.2.3,<2.0.0"]),
    ("^1.2", [">=1.2.0,<2.0.0"]),
    ("^1", [">=1.0.0,<2.0.0"]),
    ("^0.2.3", [">=0.2.3,<0.3.0"]),
    ("^0.0.3", [">=0.0.3,<0.0.4"]),
    ("^0.0", [">=0.0.0,<0.1.0"]),
    ("^0", [">=0.0.0,<1.0.0"]),
    ("~1.2.3", [">=1.2.3,<1.3.0"]),
    ("~1.2", [">=1.2.0,<1.3.0"]),
    ("~1", [">=1.0.0,<2.0.0"]),
    ("*", [""]),
    ("1.*", [">=1.0.0,<2.0.0"]),
    ("1.2.*", [">=1.2.0,<1.3.0"]),
    ("3.9", ["==3.9"]),
    (">= 3.8, < 3.12", [">=3.8,<3.12"]),
    (">=3.8 <3.12", [">=3.8,<3.12"]),
    ("~=3.9", [">=3.9,<4.0"]),
    (">=2.7,<2.8 || ^3.6", [">=2.7,<2.8", ">=3.6,<4.0"]),
    ("^3.9 | ~2.7", [">=3.9,<4.0", ">=2.7,<2.8"]),
])
def test_poetry_constraints_as_pep440(constraint, expected):
    got = poetry_specifiers(constraint)
    probes = [f"{a}.{b}.{c}" for a in range(5) for b in range(14) for c in range(5)]
    # the same versions allowed: == on SpecifierSets compares how they are written (1.* is not >=1,<2)
    for probe in probes:
        assert any(SpecifierSet(g).contains(probe) for g in got) == any(
            SpecifierSet(e).contains(probe) for e in expected), (constraint, probe)


@pytest.mark.parametrize("constraint", ["latest", "^", ">=3.8 and <4", "^3.x.1"])
def test_a_constraint_that_is_none_of_poetrys_forms_is_not_read(constraint):
    assert poetry_specifiers(constraint) == ()


PYPROJECT_POETRY = """[tool.poetry]
name = "notes"
version = "0.1.0"

[tool.poetry.dependencies]
python = "{python}"
flask = "^3.0"
gunicorn = "^22.0"
"""


def test_a_poetry_range_that_leaves_this_python_out(tmp_path, machine):
    root = write(tmp_path, {"pyproject.toml": PYPROJECT_POETRY.format(python="^3.12"), "autoapp.py": APP})
    assert python_range(root) == Asked("^3.12", "pyproject.toml [tool.poetry.dependencies] python",
                                       (">=3.12,<4",))
    assert python_checks(root) == [
        "pyproject.toml [tool.poetry.dependencies] python asks for Python ^3.12 (>=3.12,<4) and python3 here "
        "is 3.11.7: `poetry install` looks for an installed Python the range allows and stops (\"Poetry was "
        "unable to find a compatible version\") when there is none: install python3.12"]
    machine["python3.12"] = "3.12.3"
    assert python_checks(root) == [
        "pyproject.toml [tool.poetry.dependencies] python asks for Python ^3.12 (>=3.12,<4) and python3 here "
        "is 3.11.7: `poetry install` finds python3.12, installed here, and makes the venv with it"]


@pytest.mark.parametrize("python", ["^3.9", "~3.11", ">=3.8,<3.13", "3.11.*", "*", "^3.11.4"])
def test_a_poetry_range_with_this_python_in_it_says_nothing(tmp_path, python):
    root = write(tmp_path, {"pyproject.toml": PYPROJECT_POETRY.format(python=python), "autoapp.py": APP})
    assert python_checks(root) == []


def test_a_tilde_range_is_one_minor(tmp_path):
    root = write(tmp_path, {"pyproject.toml": PYPROJECT_POETRY.format(python="~3.10"), "autoapp.py": APP})
    (note,) = python_checks(root)
    assert note.startswith("pyproject.toml [tool.poetry.dependencies] python asks for Python ~3.10 "
                           "(>=3.10,<3.11) and python3 here is 3.11.7: ")
    assert note.endswith("install python3.10")


def test_requires_python_that_leaves_this_python_out(tmp_path, machine):
    project = ('[project]\nname = "notes"\nversion = "0.1.0"\nrequires-python = ">=3.12"\n'
               'dependencies = ["flask==3.0.3", "gunicorn==22.0.0"]\n')
    root = write(tmp_path, {"pyproject.toml": project, "autoapp.py": APP})
    # setup installs the project itself: pip checks requires-python and refuses
    assert python_checks(root) == [
        "pyproject.toml [project] requires-python asks for Python >=3.12 and python3 here is 3.11.7: setup "
        "makes the venv with python3, and pip refuses to install the project on it; install python3.12 and "
        "make the venv with it in setup"]
    # a requirements file is what setup installs: pip does not read requires-python then
    write(root, {"requirements.txt": "flask==3.0.3\ngunicorn==22.0.0\n"})
    machine["python3.13"] = "3.13.1"
    assert python_checks(root) == [
        "pyproject.toml [project] requires-python asks for Python >=3.12 and python3 here is 3.11.7: setup "
        "makes the venv with python3; if the app fails on it, python3.13 runs here: `python3.13 -m venv "
        ".venv` in setup uses it"]
    # uv picks a Python the range allows itself
    write(root, {"uv.lock": "version = 1\n"})
    assert python_checks(root) == [
        "pyproject.toml [project] requires-python asks for Python >=3.12 and python3 here is 3.11.7: "
        "`uv sync` uses a matching Python and downloads one when none is installed, which needs the network "
        "on the first setup"]


@pytest.mark.parametrize("requires", [">=3.8", ">=3.11.4", "<3.12,>=3.10", "~=3.11.0", "!=3.10.*"])
def test_requires_python_with_this_python_in_it_says_nothing(tmp_path, requires):
    project = (f'[project]\nname = "n"\nversion = "0"\nrequires-python = "{requires}"\n'
               'dependencies = ["flask"]\n')
    assert python_checks(write(tmp_path, {"pyproject.toml": project, "autoapp.py": APP})) == []


def test_a_range_is_checked_against_every_patch_when_only_the_minor_is_known(monkeypatch):
    monkeypatch.setattr(runtimes, "machine", lambda: {"python": "3.11", "node": "20"})
    assert python_note(Asked(">=3.11.4", "pyproject.toml [project] requires-python", (">=3.11.4",))) == ""
    assert python_note(Asked("<3.11", "pyproject.toml [project] requires-python", ("<3.11",))).startswith(
        "pyproject.toml [project] requires-python asks for Python <3.11 and python3 here is 3.11: ")


def test_an_invalid_requires_python_is_not_read(tmp_path):
    project = '[project]\nname = "n"\nversion = "0"\nrequires-python = "3.8 or newer"\n'
    assert python_range(write(tmp_path, {"pyproject.toml": project})) is None


def test_the_deploy_image_is_the_pipfiles_python(tmp_path):
    # the image's tags name a minor (python:3.9-slim-bookworm), not a patch release
    root = pipenv_app(tmp_path, 'python_full_version = "3.9.18"')
    init_project(root, ref="0123456789abcdef0123456789abcdef01234567", deploy=True)
    images = [line for line in (root / "Dockerfile.production").read_text().splitlines()
              if line.startswith("FROM ")]
    assert images and all(line.split()[1].split("@")[0] == "python:3.9-slim-bookworm" for line in images)


def test_a_bound_the_caret_already_gives_is_written_once():
    # flask-blueprint-tutorial's python = "^3.12,<4": init's check said "(>=3.12,<4,<4)"
    assert poetry_specifiers("^3.12,<4") == (">=3.12,<4",)
    assert poetry_specifiers("^3.10,<3.13") == (">=3.10,<4,<3.13",)  # a bound of its own stays
