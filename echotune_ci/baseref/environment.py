"""A base costs a build, not an install: reuse the head's installed dependencies when they would be
the same.

When the base's setup command and its setup inputs (``[serve] setup_inputs``,
else the lockfiles and manifests :data:`~echotune_ci.serve.steps.SETUP_INPUTS`
lists) are byte for byte the head's, what the head's setup left behind
(``.venv``, ``venv``, ``node_modules``) is linked into the base's folders and
the base runs only its build. Links, not copies: the base only reads them,
and a link costs next to nothing however large node_modules is.

A ``node_modules`` is linked file by file (hard links, in folders of the
base's own), not as links to the head's folders: bundlers resolve a
symbolic link to its target (webpack's ``resolve.symlinks``), so the base's
build found React at ``../../<head>/node_modules/react`` and webpack's
deterministic module ids, hashed from those paths, changed every vendor
chunk's bytes and content hash though no dependency had (a 37-byte
"change" to vendors.js beside the pull request's own). Where hard links
cannot be made (another file system), and where the head's ``node_modules``
is itself a link (its build resolves there too), the overlay of links below.

Where setup installs is not only the serving folder: ``npm ci --prefix
client`` fills ``client/node_modules``, an npm workspace's lockfile may
install into a member's ``node_modules``, and pnpm gives every workspace
member one of its own (``apps/client/node_modules/.bin/vite``, its links
pointing into the top folder's ``node_modules/.pnpm``). So every folder that
holds a setup input, every folder an npm lockfile installs into and every
workspace member (package.json ``workspaces``, pnpm-workspace.yaml) of a
folder whose package.json is a setup input gets its outputs linked. A
``node_modules`` that links to the project's own packages (npm, Yarn and pnpm
workspaces: ``node_modules/@app/shared -> ../../packages/shared``) is not
linked whole, or the base would run the head's version of those
packages: it becomes a folder of links to the head's entries, with each link
into the checkout pointing at the base's copy of its target instead (in the
copy of hard links, its links are re-aimed the same way). No
``node_modules`` is linked whole, in fact: the caches build tools keep in it
(:data:`BUILD_CACHES`) are left out, so the base makes its own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from ..config.sections import ServeSettings
from ..errors import ConfigError
from ..fsutil import json_or_none
from ..project.workspaces import JS_LOCKFILES, NPM_LOCKFILES, js_workspace_members
from ..serve.generated import generated_inputs
from ..serve.steps import SETUP_OUTPUTS, input_digests, read_stamp, relative_input, setup_inputs


# Where Poetry (``virtualenvs.path``, unless ``virtualenvs.in-project``) and Pipenv (``WORKON_HOME``,
# unless ``PIPENV_VENV_IN_PROJECT``) make a project's virtualenv: a folder of the user's, the environment
# named after a hash of the project's path. A base in a temporary checkout has a new path on every run,
# so its own ``poetry install`` made a new 73 MB environment in ~/.cache/pypoetry/virtualenvs each time,
# left there after the checkout was removed.
VENV_HOMES = ("POETRY_VIRTUALENVS_PATH", "WORKON_HOME")


# The lockfiles installs write where there is none (npm, Yarn, pnpm, Bun; Poetry, uv, Pipenv, PDM), which the
# audit reads
LOCKFILES = (*(name for name, _tool in JS_LOCKFILES), "poetry.lock", "uv.lock", "Pipfile.lock", "pdm.lock")


# Where build tools keep their caches inside node_modules, by default: Vite's dependency optimizer
# (`cacheDir`, node_modules/.vite) and its bundled config (.vite-temp), find-cache-dir's .cache (babel-loader,
# webpack 5's filesystem cache, terser and eslint plugins, Storybook), create-vite's `tsBuildInfoFile` (.tmp)
# and Astro's `cacheDir` (.astro). Linked with the rest, the base's dev server re-optimized the
# dependencies into the folder the head's, running at the same time, served them from.
BUILD_CACHES = frozenset({".cache", ".vite", ".vite-temp", ".tmp", ".astro"})


def temporary_venv_homes(folder: Path, configured: Mapping[str, str]) -> dict[str, str]:
    """The variables that make Poetry and Pipenv keep the base's virtualenvs in *folder* (the temporary
    folder of its checkout, removed with it), each but one ``[serve] env`` sets itself (*configured*)."""
    return {name: str(folder / name.lower()) for name in VENV_HOMES if name not in configured}


def _hashes(serve: ServeSettings, cwd: Path) -> dict[str, str] | None:
    # A configured input one side lacks (a pull request that adds server/requirements.txt) is an input
    # "only in the head", a difference to name, not a side whose inputs cannot be known
    files = setup_inputs(cwd, serve.setup_inputs, missing_ok=True)
    # Each input by its path from cwd as the stamp names it, ".." included: the patches of a monorepo's
    # top folder ("patch-package --patch-dir ../../patches" in [serve] cwd = "apps/web") lie outside cwd,
    # where Path.relative_to raised ValueError and run --base-ref stopped on a traceback
    return {relative_input(p, cwd): digest for p, digest in input_digests(files, serve.setup).items()}


def same_dependencies(head: ServeSettings, head_cwd: Path, base: ServeSettings, base_cwd: Path) -> bool:
    """Whether the base's setup would install what the head's did: the same setup command and the same
    setup inputs with the same contents, or the head's inputs are what its last setup (its stamp, see
    :func:`~echotune_ci.serve.steps.record_setup`) made of inputs the same as the base's: ``npm
    install`` rewrote the head's out-of-date package-lock.json, which the base's checkout still has as
    committed."""
    if not head.setup or head.setup != base.setup:
        return False
    mine, theirs = _hashes(head, head_cwd), _hashes(base, base_cwd)
    if mine is None or theirs is None:
        return False
    if mine == theirs:
        return True
    stamp = read_stamp(head_cwd) or {}
    return (stamp.get("cwd") == str(head_cwd.resolve()) and stamp.get("command") == head.setup
            and stamp.get("inputs") == theirs and stamp.get("left") == mine)


def written_by_setup(head_cwd: Path, base: ServeSettings, base_cwd: Path) -> list[str]:
    """The setup inputs (by their paths from the serving folder) that the head's last setup wrote and the
    base's checkout still has as that setup found them, or lacks as it did: what the base's own setup
    would write alike, for a base :func:`reuse_environment` linked because :func:`same_dependencies`
    holds (it is asked nothing else)."""
    stamp = read_stamp(head_cwd) or {}
    before, left = stamp.get("inputs"), stamp.get("left")
    theirs = _hashes(base, base_cwd)
    if (not isinstance(before, dict) or not isinstance(left, dict) or theirs is None
            or stamp.get("cwd") != str(head_cwd.resolve())):
        return []
    return [name for name, digest in left.items()
            if digest != before.get(name) and theirs.get(name) == before.get(name)]


def _untracked_lockfiles(head: ServeSettings, head_cwd: Path, base_cwd: Path) -> list[str]:
    """The lockfiles (:data:`LOCKFILES`) in the folders setup installs into (:func:`install_folders`) that
    the head has, git does not track there, and the base's checkout lacks, by their paths from the serving
    folder: what the head's install wrote, with ``setup_inputs`` that leave them out (init's
    ``["package.json"]`` for a project without one)."""
    from ..fsutil import tracked_files

    found = []
    for folder in install_folders(head_cwd, head.setup_inputs):
        for name in LOCKFILES:
            rel = os.path.normpath(os.path.join(folder, name))
            if (head_cwd / rel).is_file() and not os.path.lexists(base_cwd / rel):
                try:
                    if tracked_files(head_cwd, [rel]) == []:
                        found.append(Path(rel).as_posix())
                except (OSError, subprocess.TimeoutExpired):
                    continue
    return found


def copy_setup_writes(head: ServeSettings, head_cwd: Path, base: ServeSettings, base_cwd: Path,
                      base_root: Path) -> list[str]:
    """Copy into the base's checkout what :func:`written_by_setup` names and the lockfiles the head's
    install wrote that the base lacks (:func:`_untracked_lockfiles`), inside *base_root* only, for a base
    :func:`reuse_environment` linked to the head's environment because its setup would install the same
    (not one linked for want of a setup: ``installs`` False); the paths copied, from *base_cwd*. A
    project that commits no lockfile (trbKnl/movez-chat: ``npm install`` writes package-lock.json) had
    the base linked to the head's node_modules with no lockfile beside them: its audit read none, and the
    comment called the head's audited packages an improvement."""
    copied = []
    names = written_by_setup(head_cwd, base, base_cwd)
    names += [n for n in _untracked_lockfiles(head, head_cwd, base_cwd) if n not in names]
    for name in names:
        source, target = head_cwd / name, base_cwd / name
        # only into a folder the base has: a workspace member the head adds (packages/web, with a lockfile
        # an install of its own left there) is none of the base's, and copying into it stopped the base
        # with "[Errno 2] No such file or directory"
        if source.is_file() and target.parent.is_dir() \
                and _inside(target.resolve(), base_root.resolve()) is not None:
            shutil.copyfile(source, target)
            copied.append(name)
    return copied


def _generated(serve: ServeSettings, cwd: Path) -> dict[str, str]:
    """Each setup input of *cwd* that a generator writes code into a node_modules from (see
    :func:`~echotune_ci.serve.generated.generated_inputs`), by its path relative to *cwd*, with what it
    writes, also relative to *cwd* (``client/node_modules/.prisma/client``)."""
    made = {}
    for path in setup_inputs(cwd, serve.setup_inputs, missing_ok=True):
        if path.name == "package.json":
            for source, outputs in generated_inputs(path.parent).items():
                shown = [os.path.normpath(PurePosixPath(os.path.relpath(path.parent, cwd), out).as_posix())
                         for out in outputs.split(", ")]
                made[os.path.relpath(source, cwd).replace(os.sep, "/")] = ", ".join(shown)
    return made


def generated_differences(head: ServeSettings, head_cwd: Path, base: ServeSettings, base_cwd: Path) -> str:
    """A warning for a base linked to the head's node_modules without a setup of its own (``--no-setup``)
    whose generator inputs (see :func:`~echotune_ci.serve.generated.generated_inputs`) differ from the
    head's: it runs the head's generated code, and a generator in its build (``npx prisma generate``)
    writes its own into the node_modules the head's app, started after the base's build, then loads. ""
    when they are the same."""
    mine, theirs = _hashes(head, head_cwd), _hashes(base, base_cwd)
    made = {**_generated(base, base_cwd), **_generated(head, head_cwd)}
    if mine is None or theirs is None:
        return ""
    differ = [name for name in made if mine.get(name) != theirs.get(name)]
    if not differ:
        return ""
    outputs = ", ".join(dict.fromkeys(made[name] for name in differ))
    return (f"the base did not run its setup and uses the head's node_modules, but its {', '.join(differ)} "
            f"differs from the head's, which {outputs} is generated from: the base runs the head's generated "
            f"code, and a generator in its build writes the base's into the node_modules the head's app then "
            f"loads; run without --no-setup to give the base its own")


def setup_differences(head: ServeSettings, head_cwd: Path, base: ServeSettings, base_cwd: Path) -> str:
    """What makes the base's setup another install than the head's, named for the note that says it ran
    its own (see :func:`same_dependencies`): "package.json" (a pull request that changed its spec alone,
    where both lockfiles install one version), "package.json, package-lock.json", "client/package-lock.json
    only in the base"; "" when nothing can be named. The note said "the base's dependencies differ" of a
    commit whose lockfile, and so what was installed, was the head's."""
    mine, theirs = _hashes(head, head_cwd), _hashes(base, base_cwd)
    if mine is None or theirs is None:
        return ""
    # A schema among the inputs is there for the code generated from it, which a newcomer would not guess
    made = {**_generated(base, base_cwd), **_generated(head, head_cwd)}
    changed = [f"{name}{f', which {made[name]} is generated from' if name in made else ''}"
               for name in mine if name in theirs and mine[name] != theirs[name]]
    parts = [", ".join(changed)] if changed else []
    for names, side in (([n for n in theirs if n not in mine], "base"), ([n for n in mine if n not in theirs],
                                                                        "head")):
        if names:
            parts.append(f"{', '.join(names)} only in the {side}")
    return "; ".join(parts)


def _lockfile_folders(lockfile: Path) -> set[str]:
    """The folders (relative to the lockfile's) that an npm lockfile (v2/v3 ``packages``) installs a
    ``node_modules`` into besides its own: workspace members with packages of their own versions."""
    data = json_or_none(lockfile)
    packages = data.get("packages", {}) if isinstance(data, dict) else {}
    folders = set()
    for key in packages if isinstance(packages, dict) else ():
        prefix, sep, _ = str(key).partition("node_modules/")
        prefix = prefix.rstrip("/")
        if sep and prefix and "node_modules" not in prefix:
            folders.add(prefix)
    return folders


def install_folders(cwd: Path, configured: tuple[str, ...]) -> list[str]:
    """The folders, relative to *cwd* (``"."`` first, ``".."`` allowed), where setup may have installed
    dependencies: *cwd*, each folder holding a setup input (*configured*, else the default ones), the
    members an npm lockfile among them installs into, and the workspace members of each folder whose
    package.json is among them (pnpm installs into every member). [] when a configured input is
    missing."""
    try:
        files = setup_inputs(cwd, configured)
    except ConfigError:
        return []
    here = os.path.abspath(cwd)
    folders = ["."]
    for path in files:
        members = _lockfile_folders(path) if path.name in NPM_LOCKFILES else set()
        if path.name == "package.json":
            members |= set(js_workspace_members(path.parent))
        # Each folder by its place, relative to cwd: with [serve] cwd = "api" and the top package.json
        # an input, the workspace member "api" is cwd itself, whose "../api" was listed beside "." and
        # its node_modules linked twice (the base: "[Errno 17] File exists", imputnet/cobalt)
        found = [os.path.relpath(os.path.normpath(os.path.join(os.path.abspath(path.parent), member)), here)
                 for member in [".", *sorted(members)]]
        folders += [f for f in found if f not in folders]
    return folders


def _inside(path: Path, root: Path) -> Path | None:
    """*path* relative to *root* when it lies inside it, else None."""
    try:
        return path.relative_to(root)
    except ValueError:
        return None


def _mirror_link(link: Path, head_root: Path, base_root: Path) -> str:
    """Where the base's copy of the symlink *link* (inside the head's node_modules) must point: the base's
    copy of its target when that lies in the head's checkout, else the target itself."""
    target = link.resolve()
    inside = _inside(target, head_root)
    return str(base_root / inside) if inside is not None else str(target)


def _overlay(head_dir: Path, base_dir: Path, head_root: Path, base_root: Path,
             skipped: frozenset[str] = frozenset()) -> None:
    """*base_dir* as a folder of links to *head_dir*'s entries but those *skipped*, links into the head's
    checkout re-aimed at the base's (see :func:`_mirror_link`); scope folders (``@org``) and ``.bin`` are
    overlaid in turn, since that is where workspace packages and their commands are linked."""
    base_dir.mkdir()
    for entry in sorted(head_dir.iterdir()):
        if entry.name in skipped:
            continue
        mine = base_dir / entry.name
        if entry.is_symlink():
            mine.symlink_to(_mirror_link(entry, head_root, base_root))
        elif entry.is_dir() and (entry.name.startswith("@") or entry.name == ".bin"):
            _overlay(entry, mine, head_root, base_root)
        else:
            mine.symlink_to(entry.resolve(), target_is_directory=entry.is_dir())


def _hardlink_tree(head_dir: Path, base_dir: Path, head_root: Path, base_root: Path,
                   skipped: frozenset[str] = frozenset()) -> None:
    """*base_dir* as a copy of *head_dir* made of hard links: folders of its own, each file a hard link
    to the head's, each symbolic link re-aimed as :func:`_mirror_link` says (so ``.bin`` commands and
    pnpm's links resolve inside the base's copy, and workspace links to the base's packages); the top
    folder's *skipped* left out. Raises OSError where a hard link cannot be made or a folder cannot be
    listed."""
    # A folder os.walk cannot list (permission denied to this user) would be left out silently, and the
    # base's build would miss a package the head has; raised, it makes the caller fall back to links
    def unlisted(error: OSError) -> None:
        raise error

    for folder, dirs, files in os.walk(head_dir, onerror=unlisted):
        here = Path(folder)
        mine = base_dir / here.relative_to(head_dir)
        mine.mkdir()
        if here == head_dir:
            dirs[:] = [d for d in dirs if d not in skipped]
            files = [f for f in files if f not in skipped]
        for name in (*dirs, *files):
            entry = here / name
            if entry.is_symlink():
                try:
                    target = _mirror_link(entry, head_root, base_root)
                except (OSError, RuntimeError):  # a loop of links: kept as it reads
                    target = os.readlink(entry)
                (mine / name).symlink_to(target)
            elif name in files:
                os.link(entry, mine / name, follow_symlinks=False)
        # os.walk lists a link to a folder among the folders; it was copied as a link above
        dirs[:] = [d for d in dirs if not (here / d).is_symlink()]


def _link_node_modules(source: Path, target: Path, head_root: Path, base_root: Path) -> None:
    """Link the head's *source* node_modules at *target* without :data:`BUILD_CACHES`: file by file
    (see the module), else, where hard links cannot be made, as an overlay of links. A head's
    node_modules that is itself a link (to an install elsewhere) gets the overlay too: the head's build
    resolves its dependencies there, and the base's then does the same."""
    if not source.is_symlink():
        try:
            _hardlink_tree(source, target, head_root, base_root, BUILD_CACHES)
            return
        except OSError:  # another file system (EXDEV), a file system without hard links, a full disk
            shutil.rmtree(target, ignore_errors=True)
    _overlay(source, target, head_root, base_root, BUILD_CACHES)


def _links_into(node_modules: Path, head_root: Path) -> bool:
    """Whether *node_modules* (top level or a scope folder) links to a package in the head's checkout
    outside itself: a workspace member the base has its own version of."""
    own = node_modules.resolve()
    scopes = [top for top in node_modules.iterdir()
              if top.name.startswith("@") and top.is_dir() and not top.is_symlink()]
    entries = [*node_modules.iterdir(), *(e for scope in scopes for e in scope.iterdir())]
    for entry in entries:
        if entry.is_symlink():
            target = entry.resolve()
            if _inside(target, head_root) is not None and _inside(target, own) is None:
                return True
    return False


def reuse_environment(head: ServeSettings, head_cwd: Path, base: ServeSettings, base_cwd: Path,
                      roots: tuple[Path, Path] | None = None, *, installs: bool = True,
                      made: list[Path] | None = None) -> str | None:
    """Link the head's installed dependencies into the base's folders when :func:`same_dependencies`; a
    note saying what was linked, or None when the base needs its own setup (nothing is linked then).
    *installs* False (the base has no setup it would run: no ``[serve] setup``, or ``--no-setup``):
    linked whatever the inputs, since the head's environment is the only one the base could run in.

    *roots*: the head's and the base's checkouts (default: *head_cwd* and *base_cwd*); nothing is linked
    outside the base's, and workspace links are re-aimed from the one to the other. The folders are
    :func:`install_folders`; in each, every ``.venv``, ``venv``, ``node_modules`` the head has is linked
    (a ``node_modules`` file by file without :data:`BUILD_CACHES`, see the module). *made* gets each link
    made, for :func:`remove_links`.
    """
    if not base_cwd.is_dir():
        return None
    same = same_dependencies(head, head_cwd, base, base_cwd)
    if not same and installs:
        return None
    head_root, base_root = (p.resolve() for p in (roots or (head_cwd, base_cwd)))
    plan: list[tuple[Path, Path, str]] = []
    for folder in install_folders(head_cwd, head.setup_inputs):
        mine, theirs = (head_cwd / folder).resolve(), (base_cwd / folder).resolve()
        if _inside(theirs, base_root) is None or not theirs.is_dir() or mine == theirs:
            continue
        for name in SETUP_OUTPUTS:
            if (mine / name).is_dir():
                shown = PurePosixPath(folder, name).as_posix()
                plan.append((mine / name, theirs / name, shown))
    if not plan or any(os.path.lexists(target) for _, target, _ in plan):
        return None
    overlaid = []
    for source, target, shown in plan:
        if made is not None:
            made.append(target)  # before it is made: a link half made is removed too
        if source.name == "node_modules":
            if _links_into(source, head_root):
                overlaid.append(shown)
            _link_node_modules(source, target, head_root, base_root)
        else:
            target.symlink_to(source, target_is_directory=True)
    note = (f"the base's dependencies are the head's (same setup and inputs): linked "
            f"{', '.join(shown for _, _, shown in plan)} instead of installing them again")
    if not same:
        note = (f"the base has no setup to run (no [serve] setup, or --no-setup): linked the head's "
                f"{', '.join(shown for _, _, shown in plan)}, the only environment it could run in")
    if overlaid:
        note += (f" ({', '.join(overlaid)}: package by package, its links to the project's own packages "
                 f"pointing at the base's)")
    return note


def remove_links(made: list[Path]) -> None:
    """Remove what :func:`reuse_environment` made in a base's folders (*made*): a link to the head's
    ``.venv``, a ``node_modules`` of hard links to the head's files (removing them leaves the head's). For a
    ``--base-dir`` checkout, which stays: the ``.venv`` link the first run left made the next run say "its
    folder has its own .venv", run the base's own setup, and fail ("Unable to create directory .../.venv")."""
    for target in made:
        try:
            if target.is_symlink() or target.is_file():
                target.unlink()
            elif target.is_dir():
                shutil.rmtree(target)
        except OSError:
            continue  # a folder someone changed meanwhile is left; the next run names it as the base's own


def _installed_paths(site: Path) -> list[tuple[Path, str]]:
    """(file, path it names) for what *site* (a site-packages folder) imports from elsewhere: the
    ``file:`` URL of pip's ``direct_url.json`` (an editable or local install), each path line of a
    ``.pth`` file (relative ones against *site*, ``import`` lines skipped) and of an ``.egg-link``."""
    from urllib.parse import urlsplit
    from urllib.request import url2pathname

    out: list[tuple[Path, str]] = []
    for meta in sorted(site.glob("*.dist-info/direct_url.json")):
        data = json_or_none(meta)
        if not isinstance(data, dict):
            continue
        url = data.get("url", "")
        if isinstance(url, str) and url.startswith("file:"):
            out.append((meta, url2pathname(urlsplit(url).path)))
    for listing in sorted([*site.glob("*.pth"), *site.glob("*.egg-link")]):
        try:
            lines = listing.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        out += [(listing, line.strip()) for line in lines
                if line.strip() and not line.startswith(("#", "import ", "import\t"))]
    return out


def installed_checkout_code(venv: Path, head_root: Path) -> str | None:
    """The file of the Python environment *venv* (relative to it) that installs code from the checkout
    *head_root* — the project installed into its own environment (``pip install -e .``, ``pip install
    .``, ``poetry install``, ``uv sync``: a ``direct_url.json``, ``.pth`` or ``.egg-link`` naming a path
    in the checkout, outside *venv*) — or None. A base given this environment would import the head's
    code wherever its server does not put the base's own folder first on ``sys.path`` (a ``src/``
    layout, an app started by a console script)."""
    root, own = head_root.resolve(), venv.resolve()
    for site in sorted(p for p in venv.glob("lib*/python*/site-packages") if p.is_dir()):
        for listing, text in _installed_paths(site):
            try:
                named = (site / text).resolve()  # an absolute text replaces site
            except (OSError, ValueError):  # not a path (a NUL byte, a symlink loop): imports nothing
                continue
            if _inside(named, root) is not None and _inside(named, own) is None:
                return listing.relative_to(venv).as_posix()
    return None


def head_code(head: ServeSettings, head_cwd: Path, head_root: Path) -> str | None:
    """Where the head's own Python environment (a ``.venv``/``venv`` its setup made, in the folders of
    :func:`install_folders`) installs the head's code (:func:`installed_checkout_code`), relative to
    *head_cwd* ("" folders as "."); None when no such environment does."""
    from ..serve.environment import VENV_NAMES, is_venv

    for folder in install_folders(head_cwd, head.setup_inputs) or ["."]:
        for name in VENV_NAMES:
            venv = head_cwd / folder / name
            if is_venv(venv):
                found = installed_checkout_code(venv, head_root)
                if found is not None:
                    return PurePosixPath(folder, name, found).as_posix()
    return None


def _venv_python(venv: str) -> str:
    """The Python version a virtualenv was made with, from its ``pyvenv.cfg`` (``version = 3.11.7`` of venv
    and virtualenv, ``version_info = 3.12.1`` of uv); "" when it says none."""
    try:
        text = (Path(venv) / "pyvenv.cfg").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    found = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            found[key.strip()] = value.strip()
    version = found.get("version") or found.get("version_info", "")
    return ".".join(version.split(".")[:3])


def python_difference(head_env: Mapping[str, str], base_env: Mapping[str, str],
                      roots: tuple[Path, Path]) -> str:
    """A warning when the head's and the base's apps run in Python environments (``VIRTUAL_ENV`` of each
    app's environment) made by different Pythons; "" otherwise. *roots*: the head's and the base's
    checkouts, to name each environment by its place in its own.

    A head's .venv that Poetry made with Python 3.13 for an earlier commit (one asking for ^3.12) stays,
    since it fits the pair's ^3.10 too, and the base's own setup made one with 3.11: both were measured
    against each other with nothing that said the interpreters differed. A pull request that changes the
    Python the project asks for gets the same words: its timings compare the interpreters too."""
    sides = []
    for env, root in zip((head_env, base_env), roots, strict=True):
        venv = env.get("VIRTUAL_ENV", "")
        version = _venv_python(venv) if venv else ""
        if not version:
            return ""
        inside = _inside(Path(venv).absolute(), root.absolute())
        sides.append((version, inside.as_posix() if inside is not None else venv))
    (head, head_venv), (base, base_venv) = sides
    if head == base:
        return ""
    return (f"the base runs Python {base} (its {base_venv}) and the head Python {head} ({head_venv}): the "
            f"timings compare the interpreters too; an environment made earlier by another Python stays "
            f"until it is removed (then setup makes it anew)")
