"""The interpreter a project asks for, and whether this machine's is that one: for ``init``'s notes.

A project names its Python in ``runtime.txt`` (``python-3.10.4``),
``.python-version`` or its Dockerfile (``FROM python:3.6-alpine``), and its
Node in ``.nvmrc`` / ``.node-version``, ``package.json`` ``engines.node``
(``10.x``, ``>=18``) or its Dockerfile (``FROM node:10``). :func:`machine`
asks this machine's ``python3 --version`` and ``node --version`` once (with
``pythonX.Y --version`` for a version a project asks for, the only programs
``init`` runs); a project asking for another version gets a
``# check:`` note, because setup makes the venv with ``python3`` and runs
``node`` from ``PATH``.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .files import read_text


@dataclass(frozen=True)
class Asked:
    """A version a project asks for (``3.10``, ``10.x``, ``>=18``) and the file that says so."""

    version: str
    source: str


@functools.lru_cache(maxsize=1)
def machine() -> dict[str, str]:
    """This machine's ``python3`` (major.minor) and ``node`` (major) versions; "" when not installed."""
    return {"python": _version("python3", r"Python (\d+\.\d+)"), "node": _version("node", r"v?(\d+)\.")}


@functools.lru_cache(maxsize=8)
def runs(program: str) -> bool:
    """Whether *program* answers ``--version`` here (a pyenv shim of a version not selected does not)."""
    return bool(_version(program, r"(\d+\.\d+)"))


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


def python_asked(folder: Path) -> Asked | None:
    """The Python version *folder* asks for: runtime.txt, .python-version, then the Dockerfile."""
    m = re.match(r"python-(\d+\.\d+)", read_text(folder / "runtime.txt").strip())
    if m:
        return Asked(m.group(1), "runtime.txt")
    m = re.match(r"(\d+\.\d+)", read_text(folder / ".python-version").strip())
    if m:
        return Asked(m.group(1), ".python-version")
    m = re.match(r"(\d+\.\d+)", _image_tag(docker_images(folder), "python"))
    return Asked(m.group(1), "Dockerfile (FROM python)") if m else None


def python_note(asked: Asked | None, installer: str = "") -> str:
    """A ``# check:`` note when *asked* is not this machine's python3 ("" when it is); *installer* is the
    program of the setup command (``uv`` picks or downloads a matching Python itself)."""
    if asked is None:
        return ""
    have = machine()["python"]
    if have == asked.version:
        return ""
    here = f"python3 here is {have}" if have else "python3 is not installed here"
    if installer == "uv":
        return (
            f"{asked.source} asks for Python {asked.version} and {here}: `uv sync` uses a matching Python "
            "and downloads one when none is installed, which needs the network on the first setup"
        )
    other = f"python{asked.version}"
    hint = (
        f"{other} runs here: `{other} -m venv .venv` in setup uses it"
        if runs(other)
        else f"install {other} and make the venv with it in setup"
    )
    return (
        f"{asked.source} asks for Python {asked.version} and {here}: setup makes the venv with "
        f"python3; if the app needs {asked.version}, {hint}"
    )


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
