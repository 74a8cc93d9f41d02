"""Files of the project that a code generator run by setup turns into code inside ``node_modules``.

Prisma's ``prisma-client-js`` generator writes the client into ``node_modules/.prisma/client`` from
``prisma/schema.prisma`` (run by a ``postinstall``, or by ``@prisma/client``'s own install hook before
Prisma 7). The lockfile says nothing of the schema, so a pull request that adds a column and its
migration kept the same setup inputs: the head's setup was skipped with the client of the schema
before, and ``run --base-ref`` linked the head's ``node_modules`` into the base, whose app then ran the
head's client against its own database (starter-express-prisma-jwt's base answered ``POST /auth/login``
with 500, column ``displayName`` missing, and the comment called the head's pull request the fix).

patch-package is the other such writer: an install script (``"postinstall": "patch-package"``) applies
each ``patches/<package>+<version>.patch`` to ``node_modules/<package>``, and a pull request that edits a
patch changes no lockfile either.

Such a file is a setup input wherever the package.json beside it is one (see
:func:`~echotune_ci.serve.steps.setup_inputs`): a change to it re-runs the head's setup and gives the
base a setup of its own instead of the head's ``node_modules``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..fsutil import json_or_none
from ..project.nodeapp import Package
from ..project.orms import prisma_schema

# A schema's generator blocks, and in one its provider and output.
_GENERATOR = re.compile(r"(?ms)^\s*generator\s+\w+\s*\{(.*?)^\s*\}")
_PROVIDER = re.compile(r"""^\s*provider\s*=\s*["']([^"']+)["']""", re.M)
_OUTPUT = re.compile(r"""^\s*output\s*=\s*["']([^"']+)["']""", re.M)
# The generators whose default output (no ``output =``) lies in node_modules: Prisma's own client before
# the ``prisma-client`` generator, which must be given an output (Prisma's generators reference).
_INTO_NODE_MODULES = {"prisma-client-js": "node_modules/.prisma/client"}
_PRISMA_PACKAGES = ("prisma", "@prisma/client")


def _package(folder: Path) -> Package | None:
    """The package.json of *folder* as a :class:`Package`, None without a readable one."""
    data = json_or_none(folder / "package.json")
    return Package(".", folder, data) if isinstance(data, dict) else None


def _depends(pkg: Package, names: tuple[str, ...]) -> bool:
    sections = [pkg.data.get(s) for s in ("dependencies", "devDependencies", "optionalDependencies")]
    return any(isinstance(deps, dict) and name in deps for deps in sections for name in names)


def _prisma_outputs(schema_text: str, schema_folder: Path, folder: Path) -> list[str]:
    """Where the schema's generators write inside *folder*'s node_modules (relative to *folder*): a
    generator's ``output`` that resolves (from the schema's folder, as Prisma reads it) into
    ``node_modules``, or a generator whose default output is there."""
    outputs = []
    for block in _GENERATOR.finditer(schema_text):
        provider, output = _PROVIDER.search(block.group(1)), _OUTPUT.search(block.group(1))
        if output is not None:
            where = Path(os.path.normpath(schema_folder / output.group(1)))
            try:
                inside = where.relative_to(folder)
            except ValueError:
                continue
            if inside.parts[:1] == ("node_modules",):
                outputs.append(inside.as_posix())
        elif provider is not None and provider.group(1) in _INTO_NODE_MODULES:
            outputs.append(_INTO_NODE_MODULES[provider.group(1)])
    return list(dict.fromkeys(outputs))


def generated_inputs(folder: Path) -> dict[Path, str]:
    """The files of the package in *folder* that a generator writes code into its node_modules from,
    each with what it writes (``"node_modules/.prisma/client"``): Prisma's schema (every ``.prisma``
    file of a multi-file schema's folder) where the package depends on Prisma and a generator of the
    schema writes into node_modules. {} when none does."""
    pkg = _package(folder)
    if pkg is None or not _depends(pkg, _PRISMA_PACKAGES):
        return {}
    schema = prisma_schema(pkg)
    # An absolute schema path (package.json "prisma": {"schema": "/srv/schema.prisma"}) is the same file for
    # the head and the base, and no path relative to the folder names it: nothing to compare. A relative one
    # that climbs out (a monorepo's ../db/schema.prisma) is the checkout's own and stays.
    if schema is None or (schema.is_absolute() and not str(schema).startswith(str(folder) + os.sep)):
        return {}
    files = sorted(p for p in schema.parent.glob("*.prisma") if p.is_file()) or [schema]
    try:
        text = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in files)
    except OSError:
        return {}
    outputs = _prisma_outputs(text, Path(os.path.normpath(schema.parent)), Path(os.path.normpath(folder)))
    return {path: ", ".join(outputs) for path in files} if outputs else {}


_PATCH_PACKAGE = re.compile(r"(?:^|[\s;&|(])(?:npx\s+(?:--yes\s+)?)?patch-package(?![\w-])([^;&|]*)")
_PATCH_DIR = re.compile(r"--patch-dir(?:\s+|=)(['\"]?)([^\s'\"]+)\1")


def patch_inputs(folder: Path) -> dict[Path, str]:
    """The patch files patch-package applies to *folder*'s node_modules when a script its install runs
    (:func:`~echotune_ci.serve.steps.run_by_install`: the lifecycle scripts and what they call) runs it:
    its README's ``"postinstall": "patch-package"``, or ``prepare``. Every ``*.patch`` under its
    ``--patch-dir`` (default ``patches``, as patch-package 8 reads it, subfolders included), each with
    the package it patches (``node_modules/@scope/name`` for ``@scope+name+1.0.0.patch``,
    ``node_modules/a/node_modules/b`` for ``a++b+1.0.0.patch``). {} when no install script runs it."""
    from .steps import run_by_install  # steps imports this module

    pkg = _package(folder)
    scripts = pkg.data.get("scripts") if pkg is not None else None
    if not isinstance(scripts, dict):
        return {}
    texts = [scripts[name] for name in sorted(run_by_install(scripts)) if isinstance(scripts.get(name), str)]
    found: dict[Path, str] = {}
    for text in texts:
        for run in _PATCH_PACKAGE.finditer(text):
            where = _PATCH_DIR.search(run.group(1))
            # patch-package reads the folder as Node's path.join(appPath, patchDir), which keeps an absolute
            # patchDir under the app ("--patch-dir /patches" is <app>/patches); Path's "/" would make it
            # the root itself, and "--patch-dir /" read every .patch on the machine as a setup input (27 s)
            patches = Path(os.path.normpath(f"{folder}/{where.group(2) if where else 'patches'}"))
            if patches.is_dir():
                for path in sorted(patches.rglob("*.patch")):
                    found.setdefault(path, f"node_modules/{_patched(path.name)}")
    return found


_VERSION = re.compile(r"^\d+\.\d+\.\d+")


def _patched(filename: str) -> str:
    """The folder under node_modules that patch-package's *filename* patches, read as its
    ``getPackageDetailsFromPatchFilename`` (patch-package 8.0, dist/PackageDetails.js) reads it: ``++``
    between nested packages, ``+`` between scope, name, version and a sequence (``name+1.0.0+001+fix``)."""
    names = []
    for part in filename.removesuffix(".patch").removesuffix(".dev").split("++"):
        pieces = [piece.strip() for piece in part.split("+") if piece.strip()]
        at = next((i for i, piece in enumerate(pieces) if _VERSION.match(piece)), len(pieces))
        names.append("/".join(pieces[:at][:2]))
    return "/node_modules/".join(name for name in names if name)
