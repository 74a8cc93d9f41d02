"""The Python dependency manifests the audit reads, one reader per format.

:func:`read_manifest` reads requirements files (:mod:`.requirements`, as pip
does, includes followed), lockfiles (:mod:`.locks`: poetry.lock, pdm.lock,
uv.lock, Pipfile.lock, pylock.toml) and pyproject.toml pins
(:mod:`.pyproject`) into one :class:`~.model.PyManifest` shape;
:func:`find_manifests` picks what a folder should be audited by: its
lockfiles and requirements.txt when present, else its pyproject.toml.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from .locks import LOCKFILE_NAMES, is_lockfile, read_lock
from .model import ManifestError, PyManifest, PyPackage, marker_environment

__all__ = ["LOCKFILE_NAMES", "ManifestError", "PyManifest", "PyPackage", "find_manifests", "is_lockfile",
           "marker_environment", "read_manifest"]


def read_manifest(path: Path, *, env: Mapping[str, str], environ: Mapping[str, str] | None = None,
                  label: Callable[[Path], str] = str) -> PyManifest:
    """The packages of one manifest, by its name: a lockfile, a pyproject.toml, else a requirements file.

    *env* is the marker environment of the target, *environ* what ``${NAME}`` in requirements files
    expands from, *label* how notes name a file. ManifestError (exit 2) when it cannot be read.
    """
    if is_lockfile(path):
        return read_lock(path)
    if path.name == "pyproject.toml":
        from .pyproject import read_pyproject

        return read_pyproject(path, env=env)
    if not path.is_file():
        raise ManifestError(label(path), "requirements file not found")
    from .requirements import read_requirements

    return read_requirements(path, env=env, environ=environ, label=label)


def find_manifests(folder: Path) -> list[Path]:
    """What *folder*'s Python dependencies are audited by: its lockfiles (in :data:`LOCKFILE_NAMES` order,
    then ``pylock.*.toml``) and its requirements.txt; when it has neither, its pyproject.toml; else []."""
    found = [folder / n for n in LOCKFILE_NAMES if (folder / n).is_file()]
    found += sorted(p for p in folder.glob("pylock.*.toml") if p.is_file() and is_lockfile(p))
    if (folder / "requirements.txt").is_file():
        found.append(folder / "requirements.txt")
    if not found and (folder / "pyproject.toml").is_file():
        found.append(folder / "pyproject.toml")
    return found
