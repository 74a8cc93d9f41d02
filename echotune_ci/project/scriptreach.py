"""Which workspace members a root package.json script builds, read from the script's words.

A workspace's root ``build`` often builds some members only: orcta-stack's
``pnpm build:packages && pnpm build:apps`` runs ``pnpm -r --filter "@repo/*"
build`` and ``pnpm -r --filter ./apps/frontend build``, never the API's own
``build`` that its ``start`` (``node ./dist/src/index.js``) needs.
:func:`reaches` follows a root script through the root scripts it runs and
tells whether one of its commands runs a member's script, as the tools
document their selection:

- pnpm: ``-r``/``--recursive`` runs the script in every member that has it;
  ``--filter``/``-F`` selects by package name (globs: ``@repo/*``), by folder
  when the selector starts with ``.`` or is in braces (``./apps/*``,
  ``{apps/api}``), with ``...`` before or after (dependents, dependencies:
  the member itself is selected too) and ``!`` to exclude;
- npm: ``--workspaces``/``-ws`` every member, ``--workspace``/``-w`` one by
  name or folder;
- Yarn: ``yarn workspaces foreach`` (without ``--include``/``--from``) and
  Yarn 1's ``yarn workspaces run`` every member, ``yarn workspace <name>``
  one;
- bun: ``bun run --filter <pattern>`` as pnpm's name and folder selectors;
- Turborepo (``turbo run build``, ``turbo build``), Lerna (``lerna run``) and
  ``nx run-many``: every member, unless a ``--filter``/``--scope``/
  ``--projects`` narrows it (then by name, as pnpm's);
- ``cd <folder> && ...``, ``--prefix <folder>``, ``-C``/``--dir <folder>``:
  the member in that folder;
- concurrently's ``npm:build-*`` (and ``pnpm:``, ``yarn:``, ``bun:``) and
  npm-run-all's (``run-p``, ``run-s``) script names and globs run root scripts,
  and concurrently's quoted commands are commands of their own.
"""

from __future__ import annotations

import fnmatch
import re

from . import commands
from .nodeapp import Package
from .workspaces import glob_match

# How deep root scripts running root scripts are followed (a script that runs itself stops here).
_DEPTH = 6
# Options that select members, and those that run every member
_SELECTORS = ("--filter", "-F", "--workspace", "-w", "--scope", "--projects", "-p", "--include", "--from")
_EVERY = ("-r", "--recursive", "--workspaces", "-ws", "-A", "--all")
_FOLDER_OPTIONS = ("--prefix", "-C", "--dir", "--cwd")
_MANAGERS = ("npm", "pnpm", "yarn", "bun")
# Tools that run several root scripts (or commands) at once
_RUNNERS = ("concurrently", "npm-run-all", "npm-run-all2", "run-p", "run-s")
_SHORTCUT = re.compile(r"(?:npm|pnpm|yarn|bun):(.+)")


def reaches(top: Package, member: Package, script: str = "build") -> bool:
    """Whether running *top*'s *script* (a root package.json's) runs *member*'s script of the same name
    (``build``), following the root scripts it runs (``pnpm build:apps``); False when *top* has no such
    script or *member* none."""
    if script not in member.scripts:
        return False
    return _reaches(top, member, top.scripts.get(script, ""), script, _DEPTH, {})


def _reaches(top: Package, member: Package, line: str, script: str, depth: int, seen: dict[str, int]) -> bool:
    """Whether *line* runs *member*'s *script*, root scripts followed *depth* deep. *seen* holds the lines
    already followed (with the depth left then): a line is followed again only with more depth left, so
    scripts that run many scripts that run them back (``"s1": "run-p s*"`` ...) are read once each,
    not once per path (12 such scripts took 14 s)."""
    if depth <= 0 or not line or seen.get(line, 0) >= depth:
        return False
    seen[line] = depth
    for part in commands.with_cd(commands.segments(line)):
        folder, rest = commands.strip_cd(part)
        words = commands.unwrap(commands.split_env(commands.tokens(rest))[1])
        if not words:
            continue
        if folder and _same_folder(folder, member.dir) and _runs_script(words, script):
            return True
        if words[0] in _RUNNERS and not folder and any(
                _reaches(top, member, line, script, depth - 1, seen) for line in _runner_lines(top, words)):
            return True
        if words[0] in _MANAGERS and not folder:
            named = _root_script(top, words)
            if named and named != script and _reaches(top, member, top.scripts[named], script, depth - 1,
                                                      seen):
                return True
        if _selects(words, member, script):
            return True
    return False


def _runner_lines(top: Package, words: list[str]) -> list[str]:
    """The root scripts' bodies (and, for concurrently, the commands) that concurrently or npm-run-all
    *words* run: ``npm:build-*`` the root scripts that glob matches, ``"npm run build --prefix api"`` that
    command; npm-run-all's arguments are script names or globs."""
    lines: list[str] = []
    for word in words[1:]:
        if word.startswith("-"):
            continue
        shortcut = _SHORTCUT.fullmatch(word)
        if words[0] == "concurrently" and shortcut is None:
            lines.append(word)  # a command of its own
            continue
        pattern = shortcut.group(1) if shortcut else word
        lines += [body for name, body in top.scripts.items() if fnmatch.fnmatchcase(name, pattern)]
    return lines


def _runs_script(words: list[str], script: str) -> bool:
    """Whether the command *words* runs the package script *script* (``npm run build``, ``pnpm build``,
    ``yarn build``)."""
    plain = [w for w in words if not w.startswith("-")]
    return bool(plain) and plain[0] in _MANAGERS and script in plain[1:3]


def _root_script(top: Package, words: list[str]) -> str:
    """The root script a package manager's command runs in the root package itself (``pnpm build:apps``,
    ``npm run build:packages``); "" when it selects members or runs no script of the root."""
    if any(w.split("=", 1)[0] in _SELECTORS + _EVERY + _FOLDER_OPTIONS for w in words):
        return ""
    plain = [w for w in words[1:] if not w.startswith("-")]
    if plain[:1] == ["run"]:
        plain = plain[1:]
    return plain[0] if plain and plain[0] in top.scripts else ""


def _selects(words: list[str], member: Package, script: str) -> bool:
    """Whether the command *words* runs *script* in *member* through a workspace selection (pnpm's
    ``-r``/``--filter``, npm's ``-ws``/``-w``, Yarn's ``workspaces foreach``, bun's ``--filter``, turbo,
    lerna, ``nx run-many``, a ``--prefix`` folder)."""
    tool = words[0]
    if tool in ("npx", "pnpx", "bunx") or tool == "pnpm" and words[1:2] == ["exec"]:
        words = words[2:] if tool == "pnpm" else words[1:]
        tool = words[0] if words else ""
    selectors, folders, every = _options(words)
    if any(_same_folder(f, member.dir) for f in folders) and script in words:
        return True
    name = str(member.data.get("name", ""))
    if tool in ("turbo", "lerna", "nx"):
        if script not in words and script not in _targets(words) or tool == "nx" and "run-many" not in words:
            return False
        return not selectors or _selected(selectors, name, member.dir)
    if tool == "yarn" and words[1:2] == ["workspace"]:
        return len(words) > 3 and words[2] == name and script in words[3:5]
    if tool == "yarn" and words[1:2] == ["workspaces"]:
        return script in words and (not selectors or _selected(selectors, name, member.dir))
    if tool not in _MANAGERS or script not in words:
        return False
    if selectors:
        return _selected(selectors, name, member.dir) or tool == "npm" and _npm_folder(selectors, member.dir)
    return every


def _npm_folder(selectors: list[str], folder: str) -> bool:
    """Whether npm's ``-w``/``--workspace`` *selectors* name the member in *folder* by its path: npm takes a
    workspace's name, the path to its folder or the path to a folder above it (all the workspaces there).
    linciss/node-react-express-ts-template's ``npm run build -w server`` builds ``@template/server`` in
    ``server/``; read as a name alone, init added a second ``npm run build --workspace=server`` to build."""
    for selector in selectors:
        path = selector.strip().removeprefix("./").rstrip("/")
        if path and (folder == path or folder.startswith(path + "/")):
            return True
    return False


def _targets(words: list[str]) -> list[str]:
    """nx's ``-t build`` / ``--targets=build,test`` target names."""
    out: list[str] = []
    for i, word in enumerate(words):
        if word in ("-t", "--target", "--targets") and i + 1 < len(words):
            out += words[i + 1].split(",")
        elif word.startswith(("--target=", "--targets=")):
            out += word.split("=", 1)[1].split(",")
    return out


def _options(words: list[str]) -> tuple[list[str], list[str], bool]:
    """(member selectors, folders the command runs in, whether it runs every member) of *words*."""
    selectors: list[str] = []
    folders: list[str] = []
    every = False
    for i, word in enumerate(words):
        option, _, value = word.partition("=")
        if not value and option in _SELECTORS + _FOLDER_OPTIONS and i + 1 < len(words):
            value = words[i + 1]
        if option in _SELECTORS and value:
            selectors.append(value)
        elif option in _FOLDER_OPTIONS and value:
            folders.append(value)
        elif word in _EVERY:
            every = True
    return selectors, folders, every


def _selected(selectors: list[str], name: str, folder: str) -> bool:
    """Whether the package *name* in *folder* is selected by pnpm-style *selectors* (a name glob, a folder
    when it starts with ``.`` or is in braces, ``...`` around either, ``!`` excluding)."""
    chosen = excluded = False
    for raw in selectors:
        exclude = raw.startswith("!")
        selector = raw.removeprefix("!").removeprefix("...").removesuffix("...").removeprefix("^")
        selector = selector.removesuffix("^")
        if selector.startswith("{") and selector.endswith("}") or selector.startswith("."):
            hit = glob_match(folder, selector.strip("{}"))
        else:
            hit = bool(name) and fnmatch.fnmatchcase(name, selector)
        if hit and exclude:
            excluded = True
        elif hit:
            chosen = True
    return chosen and not excluded


def _same_folder(folder: str, member_dir: str) -> bool:
    """Whether the relative *folder* a command enters is the member's folder *member_dir*."""
    return glob_match(member_dir, folder) and "*" not in folder
