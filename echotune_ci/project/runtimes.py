"""The interpreter a project asks for, and whether this machine's is that one: for ``init``'s notes.

A project names its Python in ``runtime.txt`` (``python-3.10.4``),
``.python-version``, its Pipfile (``[requires] python_version = "3.7"`` or
``python_full_version``) or its Dockerfile (``FROM python:3.6-alpine``), or
bounds it in pyproject.toml (``[project] requires-python = ">=3.12"``,
Poetry's ``[tool.poetry.dependencies] python = "^3.9"``); its Node in
``.nvmrc`` / ``.node-version``, ``package.json`` ``engines.node`` (``10.x``,
``>=18``) or its Dockerfile (``FROM node:10``). :func:`machine` asks this
machine's ``python3 --version`` and ``node --version`` once (with
``pythonX.Y --version`` for a version a project asks for, the only programs
``init`` runs); a project asking for another version, or bounding out this
one, gets a ``# check:`` note, because setup makes the venv with ``python3``
(pipenv with the Pipfile's version, when it finds one) and runs ``node`` from
``PATH``.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .files import read_text


@dataclass(frozen=True)
class Asked:
    """A version a project asks for (``3.10``, ``3.7.2``, ``10.x``, ``>=18``) and the file that says so;
    for a Python range, ``allows`` is what it means as PEP 440 specifier sets, any of which will do
    (Poetry's ``^3.9`` -> ``(">=3.9,<4",)``), and ``version`` the range as written."""

    version: str
    source: str
    allows: tuple[str, ...] = ()

    @property
    def minor(self) -> str:
        """major.minor of an exact version (``3.7.2`` -> ``3.7``)."""
        return ".".join(self.version.split(".")[:2])


@functools.lru_cache(maxsize=1)
def machine() -> dict[str, str]:
    """This machine's ``python3`` (major.minor, and in ``python_full`` major.minor.patch) and ``node``
    (major) versions; "" when not installed."""
    full = _version("python3", r"Python (\d+\.\d+(?:\.\d+)?)")
    return {"python": ".".join(full.split(".")[:2]), "python_full": full,
            "node": _version("node", r"v?(\d+)\.")}


@functools.lru_cache(maxsize=16)
def installed(program: str) -> str:
    """The version *program* answers ``--version`` with here (``3.7.17``), "" when it does not answer (a
    pyenv shim of a version not selected does not)."""
    return _version(program, r"(\d+\.\d+(?:\.\d+)?)")


def runs(program: str) -> bool:
    """Whether *program* answers ``--version`` here."""
    return bool(installed(program))


def _version(program: str, pattern: str) -> str:
    path = shutil.which(program)
    if path is None:
        return ""
    try:
        proc = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    m = re.search(pattern, proc.stdout + proc.stderr) if proc.returncode == 0 else None
    return m.group(1) if m else ""


def docker_images(folder: Path) -> list[str]:
    """The images of the Dockerfile's FROM lines in *folder*, in order."""
    from .instructions import dockerfile_lines

    out = []
    for op, args in dockerfile_lines(read_text(folder / "Dockerfile")):
        if op == "FROM":
            out.append(next((w for w in args.split() if not w.startswith("--")), ""))
    return out


def _image_tag(images: list[str], name: str) -> str:
    """The tag of the last FROM image called *name* (``python:3.6-alpine`` -> ``3.6-alpine``)."""
    for image in reversed(images):
        base, _, tag = image.rpartition(":") if ":" in image.split("/")[-1] else (image, "", "")
        if base.split("/")[-1].lower() == name and tag:
            return tag
    return ""


def python_asked(folder: Path, installer: str = "") -> Asked | None:
    """The Python version *folder* asks for: runtime.txt, .python-version, the Pipfile's ``[requires]``,
    then the Dockerfile; the Pipfile first when *installer* is pipenv, which makes the venv with it."""
    pipfile = _pipfile_python(folder)
    if installer == "pipenv" and pipfile is not None:
        return pipfile
    m = re.match(r"python-(\d+\.\d+)", read_text(folder / "runtime.txt").strip())
    if m:
        return Asked(m.group(1), "runtime.txt")
    m = re.match(r"(\d+\.\d+)", read_text(folder / ".python-version").strip())
    if m:
        return Asked(m.group(1), ".python-version")
    if pipfile is not None:
        return pipfile
    m = re.match(r"(\d+\.\d+)", _image_tag(docker_images(folder), "python"))
    return Asked(m.group(1), "Dockerfile (FROM python)") if m else None


def _pipfile_python(folder: Path) -> Asked | None:
    """``[requires] python_full_version``, else ``python_version``, as pipenv reads them ("*" asks for
    none; a range there is no version pipenv can find, and none here either)."""
    try:
        data = tomllib.loads(read_text(folder / "Pipfile"))
    except tomllib.TOMLDecodeError:
        return None
    requires = data.get("requires")
    if not isinstance(requires, dict):
        return None
    for key in ("python_full_version", "python_version"):
        value = requires.get(key)
        if isinstance(value, str) and re.fullmatch(r"\d+(?:\.\d+){0,2}", value.strip()):
            return Asked(value.strip(), f"Pipfile [requires] {key}")
    return None


def python_range(folder: Path) -> Asked | None:
    """The Python versions *folder*'s pyproject.toml allows: ``[project] requires-python``, else Poetry's
    ``[tool.poetry.dependencies] python``; None when it names none, or none this reading understands."""
    try:
        data = tomllib.loads(read_text(folder / "pyproject.toml"))
    except tomllib.TOMLDecodeError:
        return None
    project = data.get("project")
    written = project.get("requires-python") if isinstance(project, dict) else None
    if isinstance(written, str) and written.strip():
        allows = _pep440(written)
        return Asked(written.strip(), "pyproject.toml [project] requires-python", allows) if allows else None
    tool = data.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    deps = poetry.get("dependencies") if isinstance(poetry, dict) else None
    written = deps.get("python") if isinstance(deps, dict) else None
    if isinstance(written, str) and written.strip():
        allows = poetry_specifiers(written)
        if allows:
            return Asked(written.strip(), "pyproject.toml [tool.poetry.dependencies] python", allows)
    return None


def _pep440(written: str) -> tuple[str, ...]:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        SpecifierSet(written)
    except InvalidSpecifier:
        return ()
    return (written.strip(),)


def poetry_specifiers(constraint: str) -> tuple[str, ...]:
    """Poetry's version *constraint* as PEP 440 specifier sets, one per ``||`` alternative (``^3.9`` ->
    ``(">=3.9,<4",)``, ``~3.9`` -> ``(">=3.9,<3.10",)``, ``3.9.*`` -> ``("==3.9.*",)``, a bare ``3.9`` ->
    ``("==3.9",)``, ``*`` -> ``("",)``); () when a part is none of Poetry's forms."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    out = []
    for alternative in re.split(r"\s*\|\|?\s*", constraint.strip()):
        # Poetry separates the parts of one alternative by commas or spaces, and allows a space after an
        # operator (">= 3.9, < 4")
        joined = re.sub(r"(\^|~=|~|==|!=|<=|>=|<|>|=)\s+", r"\1", alternative.strip().rstrip(","))
        parts: list[str] = []
        for part in (p for p in re.split(r"[\s,]+", joined) if p):
            converted = _poetry_part(part)
            if converted is None:
                return ()
            # each once: flask-blueprint-tutorial's "^3.12,<4" was said as ">=3.12,<4,<4"
            parts.extend(c for c in converted if c not in parts)
        try:
            SpecifierSet(",".join(parts))
        except InvalidSpecifier:
            return ()
        out.append(",".join(parts))
    return tuple(out)


def _poetry_part(part: str) -> list[str] | None:
    """One part of a Poetry constraint as PEP 440 specifiers: caret and tilde by Poetry's documented rules
    (``^`` bumps the leftmost non-zero of the components given, the last one when all are zero; ``~`` the
    minor, the major when only that is given)."""
    if re.fullmatch(r"v?[xX*](?:\.[xX*])*", part):
        return []
    m = re.fullmatch(r"(\^|~(?!=))v?(\d+(?:\.\d+)*)", part)
    if m:
        numbers = [int(n) for n in m.group(2).split(".")]
        if m.group(1) == "^":
            at = next((i for i, n in enumerate(numbers) if n), len(numbers) - 1)
        else:
            at = 0 if len(numbers) == 1 else 1
        upper = [*numbers[:at], numbers[at] + 1]
        return [f">={m.group(2)}", "<" + ".".join(str(n) for n in upper)]
    m = re.fullmatch(r"(==|!=)?v?(\d+(?:\.\d+)*)(?:\.[xX*])+", part)
    if m:
        return [f"{m.group(1) or '=='}{m.group(2)}.*"]
    m = re.fullmatch(r"(~=|==|!=|<=|>=|<|>|=)?v?(\d+(?:\.\d+)*(?:[a-z]+\d*)?)", part)
    if m:
        op = m.group(1) or "=="
        return [("==" if op == "=" else op) + m.group(2)]
    return None


def _allowed(asked: Asked, version: str) -> bool:
    """Whether *asked*'s range allows Python *version*; a major.minor is allowed when one of its patch
    releases is (a range that names patches, ``>=3.11.4``, says nothing against this machine's 3.11)."""
    from packaging.specifiers import SpecifierSet

    sets = [SpecifierSet(a) for a in asked.allows]
    candidates = [version] if version.count(".") >= 2 else [f"{version}.{p}" for p in range(0, 40)]
    return any(s.contains(v, prereleases=True) for s in sets for v in candidates)


def _allowed_minors(asked: Asked, near: str) -> list[str]:
    """The Python 3 minors (3.6 to 3.15) *asked* allows, the nearest to *near* (this machine's) first: the
    one least likely to need other code."""
    here = int(near.split(".")[1]) if re.match(r"3\.\d+", near) else 12
    minors = [n for n in range(6, 16) if _allowed(asked, f"3.{n}")]
    return [f"3.{n}" for n in sorted(minors, key=lambda n: (abs(n - here), -n))]


# pip install -e . / pip install .: pip checks the project's requires-python (requirements files it does not)
_INSTALLS_PROJECT = re.compile(r"\bpip3? install\b.*\s(?:-e\s+|--editable\s+)?\.(?:\[[\w,-]*\])?(?:\s|$)")


def python_note(asked: Asked | None, installer: str = "", setup: str = "") -> str:
    """A ``# check:`` note when *asked* is not this machine's python3, or a range that leaves it out ("" when
    it is, or is in it); *installer* is the program of the setup command (``uv`` picks or downloads a
    matching Python itself, pipenv makes the venv with the Pipfile's version when it finds it), *setup*
    the command (pip checks a range when it installs the project itself)."""
    if asked is None:
        return ""
    if asked.allows:
        return _range_note(asked, installer, setup)
    info = machine()
    have = info["python"]
    pipenv = installer == "pipenv" and asked.source.startswith("Pipfile")
    if pipenv and asked.version.count(".") == 2 and info.get("python_full"):
        if info["python_full"] == asked.version:
            return ""
    elif have == asked.minor or have.split(".")[0] == asked.version:  # python_version = "3": any 3
        return ""
    here = f"python3 here is {info.get('python_full') or have}" if pipenv and have else (
        f"python3 here is {have}" if have else "python3 is not installed here")
    if installer == "uv":
        return (
            f"{asked.source} asks for Python {asked.version} and {here}: `uv sync` uses a matching Python "
            "and downloads one when none is installed, which needs the network on the first setup"
        )
    other = f"python{asked.minor}"
    if pipenv:
        return f"{asked.source} asks for Python {asked.version} and {here}: " + _pipenv_note(asked, other,
                                                                                              have)
    hint = (
        f"{other} runs here: `{other} -m venv .venv` in setup uses it"
        if runs(other)
        else f"install {other} and make the venv with it in setup"
    )
    return (
        f"{asked.source} asks for Python {asked.version} and {here}: setup makes the venv with "
        f"python3; if the app needs {asked.version}, {hint}"
    )


def _pipenv_note(asked: Asked, other: str, have: str) -> str:
    """What pipenv does with a Pipfile's version: it looks for that interpreter, makes the venv with it when
    found, and stops when not (pyenv or asdf may install it, in CI only with PIPENV_YES=1);
    ``PIPENV_PYTHON`` names the interpreter instead, and a Pipfile asking for another then only warns. It
    names python3's minor (``python3.11``): pipenv 2026.10 took ``PIPENV_PYTHON=python3`` for the newest
    Python 3 its finder sees, pyenv's versions included (3.13.0 here, where python3 on PATH is 3.11.7)."""
    found = installed(other)
    instead = (f"put PIPENV_PYTHON=python{have} in front of setup to make the venv with {have} (pipenv then "
               "only warns)")
    if found and (asked.version.count(".") < 2 or found == asked.version):
        made = f"pipenv makes the venv with {other} ({found}), installed here, not with python3"
        if not have:
            return made
        older = [int(n) for n in asked.minor.split(".")] < [int(n) for n in have.split(".")]
        why = " (current pip and new releases of packages drop old Pythons)" if older else ""
        return f"{made}; if setup or the app fails on it{why}, {instead}"
    missing = f"{other} here is {found}" if found else f"{other} is not installed here"
    return (f"pipenv makes the venv with Python {asked.version} only, and stops when it finds none (\"Python "
            f"{asked.version} was not found on your system\"; pyenv or asdf install it only with "
            f"PIPENV_YES=1 in CI); {missing}: install it" + (f", or {instead}" if have else ""))


def _range_note(asked: Asked, installer: str, setup: str) -> str:
    """The note for a pyproject.toml range that leaves this machine's python3 out (or "")."""
    info = machine()
    have = info.get("python_full") or info["python"]
    if have and _allowed(asked, have):
        return ""
    meant = "" if asked.allows == (asked.version,) else f" ({' or '.join(a or 'any' for a in asked.allows)})"
    here = f"python3 here is {have}" if have else "python3 is not installed here"
    head = f"{asked.source} asks for Python {asked.version}{meant} and {here}"
    minors = _allowed_minors(asked, info["python"])
    present = next((f"python{m}" for m in minors if runs(f"python{m}")), "")
    wanted = present or (f"python{minors[0]}" if minors else "a Python it allows")
    if installer == "uv":
        return (f"{head}: `uv sync` uses a matching Python and downloads one when none is installed, which "
                "needs the network on the first setup")
    if installer == "poetry":
        if present:
            return f"{head}: `poetry install` finds {present}, installed here, and makes the venv with it"
        return (f"{head}: `poetry install` looks for an installed Python the range allows and stops "
                f"(\"Poetry was unable to find a compatible version\") when there is none: install {wanted}")
    how = f"{present} runs here: `{present} -m venv .venv` in setup uses it" if present else \
        f"install {wanted} and make the venv with it in setup"
    if installer not in ("venv", "virtualenv", "python", "python3", "pip", "pip3", ""):
        return f"{head}: `{installer}` picks the Python, or stops without one the range allows; else {how}"
    if _INSTALLS_PROJECT.search(setup):
        return f"{head}: setup makes the venv with python3, and pip refuses to install the project on " \
               f"it; {how}"
    return f"{head}: setup makes the venv with python3; if the app fails on it, {how}"


def node_asked(folder: Path, package: dict[str, Any]) -> Asked | None:
    """The Node version *folder* asks for: .nvmrc, .node-version, package.json engines.node, Dockerfile."""
    for name in (".nvmrc", ".node-version"):
        text = read_text(folder / name).strip()
        if text:
            return Asked(text.splitlines()[0].strip(), name)
    engines = package.get("engines")
    if isinstance(engines, dict) and isinstance(engines.get("node"), str) and engines["node"].strip():
        return Asked(engines["node"].strip(), "package.json engines.node")
    m = re.match(r"v?(\d+(?:\.\d+)*)", _image_tag(docker_images(folder), "node"))
    return Asked(m.group(1), "Dockerfile (FROM node)") if m else None


def node_satisfied(spec: str, major: int) -> bool | None:
    """Whether Node *major* meets *spec* (``10.x``, ``^18.2``, ``>=18 <21``, ``18 || 20``, ``v10``);
    None when the spec is not one of those forms (``lts/*``, ``node``)."""
    results = []
    for alternative in spec.split("||"):
        comparators = re.findall(r"(>=|<=|>|<|\^|~|=)?\s*v?(\d+)(?:\.[\dxX*]+)*", alternative)
        if not comparators or re.sub(r"[\s\d.xX*v<>=^~]", "", alternative):
            return None
        ok = True
        for op, number in comparators:
            n = int(number)
            ok &= {">=": major >= n, ">": major > n, "<=": major <= n, "<": major < n}.get(op, major == n)
        results.append(ok)
    return any(results)


def node_note(asked: Asked | None) -> str:
    """A ``# check:`` note when *asked* is not met by this machine's node ("" when it is, or unknown)."""
    if asked is None:
        return ""
    have = machine()["node"]
    if not have:
        return f"{asked.source} asks for Node {asked.version} and node is not installed here"
    if node_satisfied(asked.version, int(have)) is not False:
        return ""
    return (
        f"{asked.source} asks for Node {asked.version} and node here is {have}: setup, build and the "
        f"app run with node {have}; install the version the project asks for if they fail"
    )


def node_major() -> int | None:
    """This machine's Node major version, or None."""
    have = machine()["node"]
    return int(have) if have else None
