"""What every lockfile reader returns: the installed packages, their edges, the direct dependencies.

A :class:`Lockfile` holds one :class:`LockedPackage` per entry of the
lockfile (keyed by the lockfile's own id: ``node_modules/a/node_modules/b``,
``/name@1.2.3``, ``name@npm:^1``), the *importers* (the root project and its
workspaces) with their direct dependencies, and notes. :meth:`Lockfile.finish`
computes, from the edges, the dependency path of each package (the shortest
chain from a direct dependency: ``express > body-parser > qs``) and, for
formats that do not mark them, which packages only devDependencies need.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from ....errors import InputError

# Kinds of direct dependencies: what package.json calls them.
PROD, DEV, OPTIONAL, PEER = "dependencies", "devDependencies", "optionalDependencies", "peerDependencies"
DEP_KINDS = (PROD, OPTIONAL, PEER, DEV)  # production first: the paths prefer them


class LockfileError(InputError):
    """A lockfile that cannot be read (exit 2): the message names the file and, when known, the line."""

    def __init__(self, path: Path | str, message: str, line: int | None = None):
        where = f"{path}:{line}" if line else f"{path}"
        super().__init__(f"{where}: {message}")
        self.path, self.line = str(path), line


@dataclass
class LockedPackage:
    """One installed package of a lockfile.

    ``name`` is the registry name (an alias ``my-lodash@npm:lodash@4`` is
    ``lodash``, installed as ``alias`` "my-lodash"); ``version`` the exact
    version; ``not_auditable`` why it cannot be looked up ("" when it can:
    git, local folder, tarball URL ...); ``deps`` the keys of the packages
    it depends on; ``dev`` true when only devDependencies need it;
    ``line`` the 1-based line of its entry in the lockfile; ``own`` true for
    the project's own code (a workspace linked into node_modules): neither
    audited nor listed as unauditable.
    """

    key: str
    name: str
    version: str
    line: int | None = None
    dev: bool = False
    optional: bool = False
    alias: str = ""
    not_auditable: str = ""
    deps: list[str] = field(default_factory=list)
    own: bool = False

    @property
    def label(self) -> str:
        """How the package appears in a dependency path: its installed name."""
        return self.alias or self.name


@dataclass
class Importer:
    """The root project ("") or a workspace (its folder, relative to the lockfile's folder), with the
    keys of its direct dependencies and their kind (dependencies, devDependencies, ...)."""

    folder: str
    direct: dict[str, str] = field(default_factory=dict)
    manifest: Path | None = None  # its package.json, when there is one


@dataclass
class Lockfile:
    """A parsed lockfile: its path, format (``package-lock.json v3``, ``yarn.lock v1``, ``yarn.lock
    (Berry, __metadata 8)``, ``pnpm-lock.yaml 9.0``), packages by key, importers, notes."""

    path: Path
    format: str
    packages: dict[str, LockedPackage] = field(default_factory=dict)
    importers: dict[str, Importer] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    paths: dict[str, list[str]] = field(default_factory=dict)  # key -> labels, direct dependency first
    roots: dict[str, str] = field(default_factory=dict)  # key -> importer folder of its path

    def finish(self, *, mark_dev: bool) -> Lockfile:
        """Compute dependency paths (breadth first from the direct dependencies, production ones first)
        and, with *mark_dev*, the ``dev`` flags: a package is dev-only when no production dependency of
        an importer reaches it but a devDependency does. Returns self."""
        queue: deque[str] = deque()
        prod: set[str] = set()
        for n, kinds in enumerate((tuple(k for k in DEP_KINDS if k != DEV), (DEV,))):
            for folder, importer in self.importers.items():
                for key, kind in importer.direct.items():
                    if kind in kinds and key in self.packages and key not in self.paths:
                        self.paths[key] = [self.packages[key].label]
                        self.roots[key] = folder
                        queue.append(key)
            while queue:
                key = queue.popleft()
                for dep in self.packages[key].deps:
                    if dep in self.packages and dep not in self.paths:
                        self.paths[dep] = [*self.paths[key], self.packages[dep].label]
                        self.roots[dep] = self.roots[key]
                        queue.append(dep)
            if n == 0:  # after the production pass: everything reached so far
                prod = set(self.paths)
        if mark_dev:
            for key, pkg in self.packages.items():
                pkg.dev = key in self.paths and key not in prod
        return self

    def path_of(self, key: str) -> list[str]:
        """The dependency path of package *key* (just its own name when no importer reaches it)."""
        return self.paths.get(key) or [self.packages[key].label]


_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")


def safe_url(text: str) -> str:
    """*text* with any ``user:password@`` of a URL removed: reasons and notes never carry credentials."""
    return _USERINFO.sub("", text)
