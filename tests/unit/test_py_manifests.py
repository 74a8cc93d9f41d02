"""Python lockfiles and pyproject.toml pins (issue 14, kind 2): what each format locks, dev marking,
what cannot be audited.

The fixtures under tests/fixtures/pymanifests/ are small hand-written files in
each tool's documented format (Poetry lock 1.1 ``category``, 2.0 without
groups, 2.1 ``groups``; PDM 4.5 ``groups``; uv.lock 1 ``source``/
``dev-dependencies``; Pipfile.lock spec 6 ``default``/``develop``; PEP 751
pylock.toml ``packages``/``dependency_groups`` markers). Expected values are
what each file says, read by eye; Poetry's bare ``"2.10"`` is exact (Poetry's
docs, "Version constraints": ``1.2.3`` is the same as ``==1.2.3``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from echotune_ci.phases.security.pymanifests import (
    ManifestError,
    find_manifests,
    marker_environment,
    read_manifest,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pymanifests"
LINUX = marker_environment("3.11", "linux")


def read(path: Path):
    return read_manifest(path, env=LINUX, environ={})


def summary(manifest) -> dict[str, tuple[str, bool]]:
    """name -> (version, dev) of the auditable packages."""
    return {p.key: (p.version, p.dev) for p in manifest.packages if not p.not_auditable}


def reasons(manifest) -> dict[str, str]:
    return {p.key: p.not_auditable for p in manifest.unauditable}


def test_poetry_lock_2_1_groups():
    m = read(FIXTURES / "poetry" / "poetry.lock")
    assert m.format == "poetry.lock 2.1"
    assert summary(m) == {"iniconfig": ("2.0.0", True), "jinja2": ("2.10", False),
                          "markupsafe": ("1.0", False), "pytest": ("7.0.0", True)}
    assert reasons(m)["mylib"].startswith("installed from a git checkout (https://git.example.invalid/")
    jinja2 = next(p for p in m.packages if p.key == "jinja2")
    assert jinja2.line == 14  # its [[package]] line (grep -n)


def test_poetry_lock_1_1_category_and_2_0_from_the_pyproject():
    old = read(FIXTURES / "poetry-1.1" / "poetry.lock")
    assert summary(old) == {"jinja2": ("2.10", False), "markupsafe": ("1.0", False), "pyyaml": ("5.3", True)}
    # lock 2.0 records neither groups nor category: the edges from [tool.poetry] groups decide;
    # markupsafe is needed by jinja2 (main) and pytest (test): production wins
    two = read(FIXTURES / "poetry-2.0" / "poetry.lock")
    assert summary(two) == {"iniconfig": ("2.0.0", True), "jinja2": ("2.10", False),
                            "markupsafe": ("1.0", False), "pytest": ("7.0.0", True)}
    assert [f.name for f in two.files] == ["pyproject.toml"]


def test_pdm_lock_groups_extras_are_production():
    m = read(FIXTURES / "pdm" / "pdm.lock")
    assert m.format == "pdm.lock 4.5.0"
    assert summary(m) == {"jinja2": ("2.10", False), "markupsafe": ("1.0", False),
                          "pytest": ("7.0.0", True), "pyyaml": ("5.3", False)}
    assert reasons(m)["linter"].startswith("installed from an editable checkout")


def test_uv_lock_the_project_is_not_a_package_and_dev_groups_are_dev():
    m = read(FIXTURES / "uv" / "uv.lock")
    assert summary(m) == {"iniconfig": ("2.0.0", True), "jinja2": ("2.10", False),
                          "markupsafe": ("1.0", False), "pytest": ("7.0.0", True)}
    assert "web" not in {p.key for p in m.packages}  # source = { editable = "." }: the project's own code


UV_EXTRA_IN_DEV = """version = 1
revision = 5
requires-python = ">=3.11"

[[package]]
name = "app"
version = "0.1.0"
source = { virtual = "." }
dependencies = [{ name = "requests" }]
dev-dependencies = { dev = [{ name = "requests", extra = ["socks"] }] }

[[package]]
name = "certifi"
version = "2026.10.19.post1"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "pysocks"
version = "1.7.1"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "requests"
version = "2.32.3"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "certifi" },
]

[package.optional-dependencies]
socks = [
    { name = "pysocks" },
]
"""


def test_uv_lock_an_extra_only_the_dev_group_asks_for_is_dev(tmp_path):
    """uv 0.13.9 locked requests==2.32.3 as the dependency and requests[socks] in the dev group (``uv
    lock``; sdist/wheels, metadata and requests' other dependencies left out, the project's arrays
    inline): ``uv export --frozen --no-default-groups`` lists certifi and requests but not pysocks,
    ``--all-groups`` pysocks too; with requests[socks] as the dependency, both list pysocks. An
    extra is installed only where a dependent asks for it: starlette's zstandard, reached through
    httpx2[zstd] of its dev group alone, counted as production."""
    (tmp_path / "uv.lock").write_text(UV_EXTRA_IN_DEV)
    assert summary(read(tmp_path / "uv.lock")) == {"certifi": ("2026.10.19.post1", False),
                                                   "pysocks": ("1.7.1", True), "requests": ("2.32.3", False)}
    # asked for by the project itself, the extra is production
    (tmp_path / "uv.lock").write_text(UV_EXTRA_IN_DEV.replace('dependencies = [{ name = "requests" }]',
                                                              'dependencies = [{ name = "requests", '
                                                              'extra = ["socks"] }]', 1))
    assert summary(read(tmp_path / "uv.lock"))["pysocks"] == ("1.7.1", False)


POETRY_2_0_EXTRA = """[[package]]
name = "pysocks"
version = "1.7.1"
optional = false
python-versions = ">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*, !=3.4.*"

[[package]]
name = "requests"
version = "2.32.3"
optional = false
python-versions = ">=3.8"

[package.dependencies]
idna = ">=2.5,<4"
PySocks = {version = ">=1.5.6,<1.5.7 || >1.5.7", optional = true, markers = "extra == \\"socks\\""}

[package.extras]
socks = ["PySocks (>=1.5.6,!=1.5.7)"]
use-chardet-on-py3 = ["chardet (>=3.0.2,<6)"]

[[package]]
name = "idna"
version = "3.21"
optional = false
python-versions = ">=3.9"

[metadata]
lock-version = "2.0"
python-versions = "^3.11"
"""
POETRY_PYPROJECT = """[tool.poetry]
name = "app"
version = "0.1.0"
package-mode = false

[tool.poetry.dependencies]
python = "^3.11"
requests = {MAIN}

[tool.poetry.group.dev.dependencies]
requests = {version = "2.32.3", extras = ["socks"]}
"""


@pytest.mark.parametrize(("main", "pysocks_dev"), [('"2.32.3"', True),
                                                   ('{version = "2.32.3", extras = ["socks"]}', False)])
def test_poetry_lock_2_0_an_optional_dependency_counts_only_where_its_extra_is_asked_for(tmp_path, main,
                                                                                          pysocks_dev):
    """Poetry 1.8.5 locked requests 2.32.3 (lock-version 2.0, no groups; ``poetry lock``; files,
    descriptions, certifi, charset-normalizer and urllib3 left out) with requests[socks] in the dev group:
    ``poetry show --only main`` lists requests without pysocks, ``poetry show`` with it; with
    requests[socks] as the main dependency too, ``--only main`` lists pysocks. PySocks is an optional
    dependency of requests, installed only for its socks extra, and was counted as production."""
    (tmp_path / "poetry.lock").write_text(POETRY_2_0_EXTRA)
    (tmp_path / "pyproject.toml").write_text(POETRY_PYPROJECT.replace("{MAIN}", main))
    assert summary(read(tmp_path / "poetry.lock")) == {"idna": ("3.21", False), "requests": ("2.32.3", False),
                                                       "pysocks": ("1.7.1", pysocks_dev)}


def test_pipfile_lock_default_and_develop():
    m = read(FIXTURES / "pipenv" / "Pipfile.lock")
    # jinja2 is in both sections: it is production, and listed once
    assert summary(m) == {"jinja2": ("2.10", False), "markupsafe": ("1.0", False),
                          "iniconfig": ("2.0.0", True), "pytest": ("7.0.0", True)}
    assert reasons(m)["tool"].startswith("installed from a git checkout")
    assert [p.line for p in m.packages if p.key == "jinja2"] == [19]  # in "default" (grep -n)


def test_pylock_toml_every_locked_package_and_dependency_group_markers():
    m = read(FIXTURES / "pylock" / "pylock.toml")
    assert m.format == "pylock.toml 1.0"
    # colorama's marker is for Windows: a lockfile serves every environment it lists, so it is audited
    assert summary(m) == {"jinja2": ("2.10", False), "colorama": ("0.4.6", False), "pytest": ("7.0.0", True)}
    assert reasons(m)["tool"].startswith("installed from a git checkout")


def test_pyproject_exact_pins_and_ranges_listed():
    m = read(FIXTURES / "pep621" / "pyproject.toml")
    assert summary(m) == {"jinja2": ("2.10", False), "pyyaml": ("5.3", False), "pytest": ("7.0.0", True)}
    assert reasons(m) == {"click": "not pinned (click>=8): no exact version to audit",
                          "ruff": "not pinned (ruff~=0.5): no exact version to audit"}
    assert m.not_applicable == ["pyproject.toml:7: winonly (marker sys_platform == \"win32\" does not hold "
                                "for python 3.11, linux)"]


def test_poetry_pyproject_without_a_lockfile():
    m = read(FIXTURES / "poetry-nolock" / "pyproject.toml")
    assert summary(m) == {"jinja2": ("2.10", False), "pyyaml": ("5.3", False),
                          "requests": ("2.19.0", False), "pytest": ("7.0.0", True)}
    why = reasons(m)
    assert why["flask"] == 'not pinned (flask = "^2.0"): no exact version to audit'
    assert why["localpkg"].startswith("installed from path ../localpkg")
    assert next(p.line for p in m.packages if p.key == "jinja2") == 9


@pytest.mark.parametrize("folder, expected", [
    ("poetry", ["poetry.lock"]),
    ("poetry-nolock", ["pyproject.toml"]),
    ("pipenv", ["Pipfile.lock"]),
    ("requirements", ["requirements.txt"]),
    ("cycle", []),
])
def test_what_a_folder_is_audited_by(folder, expected):
    assert [p.name for p in find_manifests(FIXTURES / folder)] == expected


def test_broken_lockfiles_name_the_file(tmp_path):
    (tmp_path / "poetry.lock").write_text("[[package]]\nname = \n")
    with pytest.raises(ManifestError, match=r"poetry.lock: not valid TOML"):
        read(tmp_path / "poetry.lock")
    (tmp_path / "Pipfile.lock").write_text("{")
    with pytest.raises(ManifestError, match=r"Pipfile.lock: not valid JSON"):
        read(tmp_path / "Pipfile.lock")
    (tmp_path / "uv.lock").write_text('version = 1\n[[package]]\nversion = "1.0"\n')
    with pytest.raises(ManifestError, match=r"uv.lock:2: a package entry without a name"):
        read(tmp_path / "uv.lock")


@pytest.mark.parametrize(("name", "text", "pyproject"), [
    ("uv.lock", UV_EXTRA_IN_DEV.replace('extra = ["socks"]', "extra = 5"), None),
    ("poetry.lock", POETRY_2_0_EXTRA.replace('socks = ["PySocks (>=1.5.6,!=1.5.7)"]', "socks = 5"),
     POETRY_PYPROJECT.replace("{MAIN}", '"2.32.3"')),
    ("poetry.lock", POETRY_2_0_EXTRA.replace('idna = ">=2.5,<4"',
                                             'idna = {version = ">=2.5,<4", extras = 5}'),
     POETRY_PYPROJECT.replace("{MAIN}", '"2.32.3"')),
    ("poetry.lock", POETRY_2_0_EXTRA,
     POETRY_PYPROJECT.replace("{MAIN}", '"2.32.3"').replace('extras = ["socks"]', "extras = 5")),
])
def test_extras_that_are_not_lists_are_none(tmp_path, name, text, pyproject):
    """An extras field that is not a list of names (a hand edit: ``extra = 5``) asks for no extra, as a
    table that is not one is read as empty: it was 'internal error: TypeError: 'int' object is not
    iterable' (exit 3) from the security phase. Nothing then asks for requests[socks], so requests and
    what it needs stay production as in the files unedited."""
    (tmp_path / name).write_text(text)
    if pyproject:
        (tmp_path / "pyproject.toml").write_text(pyproject)
    packages = summary(read(tmp_path / name))
    assert packages["requests"] == ("2.32.3", False)
    assert packages.get("certifi", packages.get("idna"))[1] is False
