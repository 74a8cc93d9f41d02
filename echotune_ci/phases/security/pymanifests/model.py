"""What every Python manifest reader returns: the packages to audit, the ones that cannot be, and why.

A :class:`PyManifest` is one input of the Python audit (a requirements file with
everything it includes, a lockfile, a pyproject.toml's pins) holding one
:class:`PyPackage` per package it names. A package with an exact version is
audited; one without (a range, a git/URL/path/editable source, a line pip
would reject) carries the reason in ``not_auditable`` and is listed, never
dropped. Lines whose environment marker does not hold for the target
environment are kept apart in ``not_applicable``: pip would not install them.
"""

from __future__ import annotations

import platform
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from ....errors import InputError


class ManifestError(InputError):
    """A manifest that cannot be read (exit 2): the message names the file and, when known, the line."""

    def __init__(self, path: Path | str, message: str, line: int | None = None):
        where = f"{path}:{line}" if line else f"{path}"
        super().__init__(f"{where}: {message}")


@dataclass
class PyPackage:
    """One package a manifest names.

    ``name`` as written; ``version`` the exact version ("" when there is
    none); ``path`` the file that pins it (absolute) and ``line`` its 1-based
    line; ``dev`` true when only development groups need it;
    ``not_auditable`` why it cannot be looked up ("" when it can);
    ``note`` what a person should know about the pin (``pinned by
    constraints.txt:3``).
    """

    name: str
    version: str = ""
    path: Path | None = None
    line: int | None = None
    dev: bool = False
    not_auditable: str = ""
    note: str = ""

    @property
    def key(self) -> str:
        """The PEP 503 form of the name (``Flask_Migrate`` -> ``flask-migrate``)."""
        return canonical(self.name)


@dataclass
class PyManifest:
    """A parsed manifest: its path, format (``requirements.txt``, ``poetry.lock 2.1``, ``uv.lock 1``,
    ``pyproject.toml [project]`` ...), packages, the lines that do not apply to the target environment
    ("file:line: text (marker ...)"), the other files read (included requirements, the pyproject.toml
    next to a lockfile) and notes."""

    path: Path
    format: str
    packages: list[PyPackage] = field(default_factory=list)
    not_applicable: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def auditable(self) -> list[PyPackage]:
        """The packages with an exact version, each (name, version) once, in file order."""
        seen: set[tuple[str, str]] = set()
        out = []
        for pkg in self.packages:
            if not pkg.not_auditable and (pkg.key, pkg.version) not in seen:
                seen.add((pkg.key, pkg.version))
                out.append(pkg)
        return out

    @property
    def unauditable(self) -> list[PyPackage]:
        """The packages that cannot be looked up, in file order."""
        return [p for p in self.packages if p.not_auditable]


def string_items(value: Any) -> list[str]:
    """The strings of the list *value* (an ``extras`` field); [] for anything else. A hand-edited
    ``extras = 5`` asks for no extra, as a table that is not one reads as empty; iterating it was a
    TypeError (exit 3), and a string's characters were taken for extras' names."""
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def canonical(name: str) -> str:
    """PEP 503 normalised distribution name (packaging's ``canonicalize_name``)."""
    return canonicalize_name(name)


def exact_version(specifier: Any) -> str:
    """The version a packaging SpecifierSet pins exactly (``==1.2.3``, ``===1.2.3``), "" when it does not
    (a range, a wildcard ``==1.*``, no specifier)."""
    for spec in specifier or []:
        if spec.operator == "===" or (spec.operator == "==" and "*" not in spec.version):
            return str(spec.version)
    return ""


def marker_environment(python_version: str = "", sys_platform: str = "") -> dict[str, str]:
    """The PEP 508 marker environment of the target: the running interpreter's
    (``packaging.markers.default_environment``), with ``python_version`` ("3.12" or "3.12.4") and
    ``sys_platform`` ("linux", "win32", "darwin") replaced when given, and the variables that follow
    from them (``python_full_version``, ``platform_system``, ``os_name``)."""
    from packaging.markers import default_environment

    env: dict[str, str] = {k: str(v) for k, v in default_environment().items()}
    if python_version:
        parts = python_version.split(".")
        env["python_version"] = ".".join(parts[:2])
        env["python_full_version"] = python_version if len(parts) > 2 else f"{python_version}.0"
    if sys_platform:
        system = {"linux": "Linux", "win32": "Windows", "cygwin": "CYGWIN_NT", "darwin": "Darwin"}
        env["sys_platform"] = sys_platform
        env["platform_system"] = system.get(sys_platform, sys_platform.capitalize())
        env["os_name"] = "nt" if sys_platform == "win32" else "posix"
    return env


def environment_label(env: Mapping[str, str]) -> str:
    """``python 3.11, linux`` for notes about markers."""
    version = env.get("python_version", sys.version[:4])
    return f"python {version}, {env.get('sys_platform', platform.system())}"


def mark_dev(edges: Mapping[str, Iterable[str]], prod: Iterable[str], dev: Iterable[str]) -> set[str]:
    """The keys only development roots reach: breadth-first walks of *edges* (key -> keys it needs) from
    the *prod* roots and from the *dev* roots; what the first does not reach but the second does."""
    def reach(roots: Iterable[str]) -> set[str]:
        seen: set[str] = set()
        todo = [r for r in roots]
        while todo:
            key = todo.pop()
            if key in seen:
                continue
            seen.add(key)
            todo.extend(k for k in edges.get(key, ()) if k not in seen)
        return seen

    return reach(dev) - reach(prod)


def entry_lines(text: str, header: str) -> list[int]:
    """The 1-based line of each ``[[header]]`` table of a TOML text, in order (lockfiles list one
    package per table; the n-th table of the text is the n-th entry of the parsed array)."""
    pattern = re.compile(r"^\s*\[\[\s*" + re.escape(header) + r"\s*\]\]\s*(?:#.*)?$")
    return [n for n, line in enumerate(text.splitlines(), 1) if pattern.match(line)]


def read_toml(path: Path) -> tuple[str, dict[str, Any]]:
    """(text, data) of the TOML file *path*; ManifestError when it cannot be read or parsed."""
    import tomllib

    try:
        text = path.read_text(encoding="utf-8-sig")
        return text, tomllib.loads(text)
    except FileNotFoundError:
        raise ManifestError(path, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(path, f"unreadable ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(path, f"not valid TOML ({exc})") from None
