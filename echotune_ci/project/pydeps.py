"""A Python project's dependencies as ``init`` needs them: names, the install command, audit inputs.

:func:`read_python` reads requirements files (following ``-r``), pyproject.toml
([project] and Poetry), Pipfile and setup.py of one folder; :func:`setup_command`
turns the lockfile or manifest present into the command that installs them
into the project's own virtualenv (never the toolkit's).
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..phases.security.pymanifests import find_manifests, is_lockfile
from .detect import normalise_name
from .files import git_ignored, join, read_text
from .workspaces import uv_workspace

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_INSTALL_PREFERENCE = (
    "requirements.txt",
    "requirements/production.txt",
    "requirements/prod.txt",
    "requirements/base.txt",
    "requirements/common.txt",
    "requirements-prod.txt",
)
_DEV = re.compile(r"dev|test|lint|doc|ci|local", re.I)


@dataclass
class PythonDeps:
    """The Python manifests of one folder.

    ``names`` are the normalised distribution names of the runtime
    dependencies; ``files`` the requirements files (relative to the folder)
    with the names of their unpinned lines in ``unpinned``; ``install`` the
    requirements file to install from; ``lock`` the lockfile present.
    """

    names: set[str] = field(default_factory=set)
    files: list[str] = field(default_factory=list)
    unpinned: dict[str, list[str]] = field(default_factory=dict)
    includes: dict[str, list[str]] = field(default_factory=dict)
    install: str = ""
    pyproject: dict[str, Any] = field(default_factory=dict)
    project_deps: bool = False
    poetry: bool = False
    lock: str = ""
    locks: list[str] = field(default_factory=list)  # every Python lockfile, what the audit reads first
    ignored_locks: list[str] = field(default_factory=list)  # those here git ignores: a checkout lacks them
    setup_py: bool = False
    # A uv workspace member whose uv.lock is at the workspace root: that root (relative to the folder, as
    # ".."), the member's [project] name (what `uv sync --package` takes).
    workspace: str = ""
    package: str = ""

    def has(self, *names: str) -> bool:
        """Whether any of *names* is a dependency."""
        return any(normalise_name(n) in self.names for n in names)

    @property
    def found(self) -> bool:
        """Whether the folder has any Python manifest."""
        return bool(self.files or self.pyproject or self.setup_py or self.lock)


def read_python(folder: Path) -> PythonDeps:
    """The Python manifests of *folder*; InputError for a pyproject.toml that is not valid TOML."""
    deps = PythonDeps()
    files = sorted(
        p.relative_to(folder).as_posix()
        for p in [*folder.glob("requirements*.txt"), *folder.glob("requirements/*.txt")]
        if p.is_file()
    )
    for name in files:
        _requirements(folder, name, deps)
    deps.files = files
    deps.install = next((f for f in _INSTALL_PREFERENCE if f in files), "") or next(
        (f for f in files if not _DEV.search(f)), ""
    )
    if deps.install:
        for name in _included(deps, deps.install):
            deps.names |= _names(read_text(folder / name))
    _pyproject(folder, deps)
    _pipfile(folder, deps)
    if (folder / "setup.py").is_file():
        deps.setup_py = True
        deps.names |= {
            normalise_name(n)
            for n in re.findall(
                r"""["']([A-Za-z][\w.-]*)\s*(?:[<>=!~][^"']*)?["']""",
                _install_requires(read_text(folder / "setup.py")),
            )
        }
    locks = ["uv.lock", "poetry.lock", "pdm.lock", "Pipfile.lock"]
    hidden = git_ignored(folder, locks)  # a fresh checkout has none: `uv sync --frozen` would stop
    deps.lock = next((n for n in locks if (folder / n).is_file() and n not in hidden), "")
    # ... nor one to audit: [security.audit] lockfiles naming it stopped the security phase of every CI run
    # ("uv.lock: lockfile not found", exit 2); the audit still finds it where it is (a developer's checkout)
    found = [p.name for p in find_manifests(folder) if is_lockfile(p)]
    hidden |= git_ignored(folder, [n for n in found if n not in locks])
    deps.locks = [n for n in found if n not in hidden]
    deps.ignored_locks = sorted(hidden)  # git_ignored names only files that are there
    if not deps.lock:
        _uv_member(folder, deps)
    return deps


def requirements_above(folder: Path, levels: int = 3) -> PythonDeps:
    """The requirements files of the nearest folder above *folder* that has them, up to the top of its git
    repository and at most *levels* up, read as *folder*'s own, their names relative to it
    (``../requirements.txt``): a repository of several apps (tutorial1/ ... tutorial5/) with one
    requirements.txt at its top. Empty :class:`PythonDeps` when there is none. Only requirements files:
    a pyproject.toml or a lockfile above belongs to a project of its own, whose tool installs into its
    own folder."""
    here = folder.resolve()
    if (here / ".git").exists():
        return PythonDeps()
    for above in list(here.parents)[:levels]:
        try:
            found = read_python(above)
        except InputError:  # another project's broken pyproject.toml is not this folder's to report
            return PythonDeps()
        if found.install and not found.lock and not found.pyproject:
            return _read_from(found, Path(os.path.relpath(above, here)).as_posix())
        if (above / ".git").exists():
            break
    return PythonDeps()


def requirements_of_package(folder: Path, package: str) -> PythonDeps:
    """The requirements files of *package*, a folder of *folder* holding the app's code that runs from
    *folder* (``FLASK_APP=backend.app:app`` in the top's .flaskenv, ``backend/requirements.txt``), read as
    *folder*'s own, their names relative to it (``backend/requirements.txt``). Empty :class:`PythonDeps`
    when it has none, or has a pyproject.toml or a lockfile: a project of its own, whose tool installs into
    its own folder."""
    inner = folder / package
    if not package or package.startswith(".") or not inner.is_dir():
        return PythonDeps()
    try:
        found = read_python(inner)
    except InputError:
        return PythonDeps()
    if not found.install or found.lock or found.pyproject:
        return PythonDeps()
    return _read_from(found, package)


def _read_from(found: PythonDeps, where: str) -> PythonDeps:
    """*found*, the requirements of the folder *where* (relative to the folder that reads them), with every
    file named relative to that folder; lockfiles left out (they belong to the other folder's tool)."""
    found.files = [join(where, f) for f in found.files]
    found.install = join(where, found.install)
    found.unpinned = {join(where, f): names for f, names in found.unpinned.items()}
    found.includes = {join(where, f): [join(where, i) for i in inc] for f, inc in found.includes.items()}
    found.locks = []
    return found


def _uv_member(folder: Path, deps: PythonDeps) -> None:
    """The uv.lock of the workspace root that names *folder* a member, as *folder*'s lockfile."""
    space = uv_workspace(folder)
    if space is None or not space.lockfile:
        return
    deps.workspace = Path(os.path.relpath(space.root, folder.resolve())).as_posix()
    deps.lock = "uv.lock"
    deps.locks = [join(deps.workspace, "uv.lock")]
    project = deps.pyproject.get("project")
    deps.package = str(project.get("name") or "") if isinstance(project, dict) else ""


def _install_requires(text: str) -> str:
    m = re.search(r"install_requires\s*=\s*\[(.*?)\]", text, re.S)
    return m.group(1) if m else ""


def _names(text: str) -> set[str]:
    out = set()
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith(("-", "git+", "http:", "https:", "file:", ".")):
            m = _NAME.match(line)
            if m:
                out.add(normalise_name(m.group(1)))
            if re.match(r"fastapi\s*\[[^\]]*standard", line, re.I):
                out.add("uvicorn")  # fastapi[standard] brings uvicorn
    return out


def _requirements(folder: Path, name: str, deps: PythonDeps) -> None:
    text = read_text(folder / name)
    unpinned = []
    includes = []
    for line in text.splitlines():
        line = line.split(" #", 1)[0].strip()
        if line.startswith(("-r ", "--requirement ", "-c ")):
            target = (Path(name).parent / line.split(None, 1)[1].strip()).as_posix()
            includes.append(target[2:] if target.startswith("./") else target)
            continue
        if not line or line.startswith(("#", "-", "git+", "http", "file:", ".")):
            continue
        m = _NAME.match(line)
        if m and not re.search(r"===?\s*[\w.+!-]+\s*(?:;|$|\\)", line):
            unpinned.append(m.group(1))
    deps.unpinned[name] = unpinned
    deps.includes[name] = includes


def _included(deps: PythonDeps, name: str, seen: frozenset[str] = frozenset()) -> list[str]:
    """*name* and the requirements files it includes with -r, recursively."""
    out = [name]
    for inc in deps.includes.get(name, []):
        if inc not in seen and inc != name:
            out += _included(deps, inc, seen | {name})
    return list(dict.fromkeys(out))


def audit_files(deps: PythonDeps) -> tuple[list[str], list[str]]:
    """(requirements file to audit, the names of its unpinned lines and of the files it includes).

    The install file: the audit follows its -r/-c includes itself, as pip does, and lists the
    unpinned lines as not auditable (they no longer keep the pinned ones out).
    """
    if not deps.install:
        return [], []
    chain = [f for f in _included(deps, deps.install) if f in deps.unpinned]
    return [deps.install], [n for f in chain for n in deps.unpinned[f]]


def _pyproject(folder: Path, deps: PythonDeps) -> None:
    path = folder / "pyproject.toml"
    if not path.is_file():
        return
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid TOML ({exc})") from None
    deps.pyproject = data
    project: dict[str, Any] = data["project"] if isinstance(data.get("project"), dict) else {}
    listed = [d for d in project.get("dependencies") or [] if isinstance(d, str)]
    deps.project_deps = bool(listed)
    deps.names |= _names("\n".join(listed))
    tool: dict[str, Any] = data["tool"] if isinstance(data.get("tool"), dict) else {}
    poetry: dict[str, Any] = tool["poetry"] if isinstance(tool.get("poetry"), dict) else {}
    poetry_deps = poetry.get("dependencies") if isinstance(poetry, dict) else None
    if isinstance(poetry_deps, dict):
        deps.poetry = True
        deps.names |= {normalise_name(n) for n in poetry_deps if n.lower() != "python"}


def _pipfile(folder: Path, deps: PythonDeps) -> None:
    text = read_text(folder / "Pipfile")
    if not text:
        return
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return
    packages = data.get("packages")
    if isinstance(packages, dict):
        deps.names |= {normalise_name(n) for n in packages}


def console_scripts(deps: PythonDeps) -> tuple[str, ...]:
    """The commands installing the project makes ([project.scripts], Poetry's [tool.poetry.scripts]):
    litestar-fullstack's README runs ``app database upgrade`` through its ``app`` script."""
    def sub(data: Any, key: str) -> dict[str, Any]:
        value = data.get(key) if isinstance(data, dict) else None
        return value if isinstance(value, dict) else {}

    names: list[str] = []
    for scripts in (sub(sub(deps.pyproject, "project"), "scripts"),
                    sub(sub(sub(deps.pyproject, "tool"), "poetry"), "scripts")):
        names += [n for n in scripts if isinstance(n, str) and re.fullmatch(r"[\w.-]+", n)]
    return tuple(dict.fromkeys(names))


def setup_command(deps: PythonDeps) -> tuple[str, list[str], str]:
    """(command that installs the dependencies into the project's venv, the files that decide it, why)."""
    venv = "python3 -m venv .venv && .venv/bin/python -m pip install"
    if deps.lock == "uv.lock" and deps.workspace:
        root = deps.workspace
        package = f" --package {deps.package}" if deps.package else ""
        return (
            f"uv sync --frozen{package}",
            ["pyproject.toml", join(root, "pyproject.toml"), join(root, "uv.lock")],
            f"{join(root, 'uv.lock')} (the workspace root: {join(root, 'pyproject.toml')} "
            "[tool.uv.workspace] members names this folder)",
        )
    if deps.lock == "uv.lock":
        return "uv sync --frozen", ["pyproject.toml", "uv.lock"], "uv.lock"
    if deps.lock == "poetry.lock" or (deps.poetry and not deps.install):
        inputs = ["pyproject.toml"] + (["poetry.lock"] if deps.lock else [])
        return (
            "POETRY_VIRTUALENVS_IN_PROJECT=true poetry install --no-root",
            inputs,
            deps.lock or "pyproject.toml [tool.poetry]",
        )
    if deps.lock == "pdm.lock":
        return "pdm install --prod", ["pyproject.toml", "pdm.lock"], "pdm.lock"
    if deps.lock == "Pipfile.lock":
        return "PIPENV_VENV_IN_PROJECT=1 pipenv sync", ["Pipfile", "Pipfile.lock"], "Pipfile.lock"
    if deps.install:
        chain = _included(deps, deps.install)
        return f"{venv} -r {deps.install}", chain, deps.install
    if deps.project_deps or deps.setup_py:
        inputs = ["pyproject.toml"] if deps.pyproject else ["setup.py"]
        return f"{venv} -e .", inputs, inputs[0]
    return "", [], ""


def pip_adds(setup: str, packages: list[str]) -> str:
    """*setup* that also installs *packages* into the venv it made (pip-based setups only)."""
    if not packages or ".venv/bin/python -m pip install" not in setup:
        return setup
    return f"{setup} && .venv/bin/python -m pip install {' '.join(packages)}"
