"""yarn.lock: Yarn 1 (its own format) and Yarn 2+ "Berry" (YAML with ``__metadata``).

Yarn 1's format is not YAML: entries ``"a@^1.0.0", a@^1.2.0:`` with
indented ``key value`` lines (values JSON-quoted or bare), nested blocks by
two spaces, ``#`` comments. :func:`parse_v1` reads it the way Yarn's own
parser (``src/lockfile/parse.js``) does, keeping each entry's line. No
maintained PyPI library fits: pyarn is GPL-3.0 and keeps no lines, yarnlock
(a Rust extension) keeps no lines and errors without a line number.

Neither format marks dev dependencies: the package.json of the project (and
of each workspace) beside the lockfile says which direct dependencies are
devDependencies, and :meth:`Lockfile.finish` marks what only they reach.
Berry resolutions say where a package came from: ``name@npm:1.2.3`` is
audited (also under a ``patch:``), ``workspace:`` is the project's own code,
git, ``file:``/``portal:``/``link:`` and tarball URLs are not auditable.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from ..semver_ranges import is_semver
from .model import DEP_KINDS, DEV, PROD, Importer, LockedPackage, Lockfile, LockfileError, safe_url
from .npm import load_json, source_problem

BERRY_SUPPORTED = (4, 5, 6, 7, 8, 9, 10)  # __metadata.version of Yarn 2.0 to 4.17 (4.14+ writes 10)
_KEY_TOKEN = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"|([^,"\s][^,]*?))\s*(,|$)')
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')


def split_spec(spec: str) -> tuple[str, str]:
    """("name", "range") of ``name@range`` (scoped names keep their leading ``@``)."""
    at = spec.find("@", 1)
    return (spec, "") if at < 0 else (spec[:at], spec[at + 1:])


def _keys(path: Path, text: str, line: int) -> list[str]:
    """The comma-separated, maybe quoted keys of an entry header."""
    keys, pos = [], 0
    while pos < len(text):
        m = _KEY_TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise LockfileError(path, f"cannot read the entry key {text!r}", line)
        keys.append(json.loads(f'"{m.group(1)}"') if m.group(1) is not None else m.group(2))
        pos = m.end()
    return keys


def _value(path: Path, text: str, line: int) -> tuple[str, Any]:
    """(key, value) of a ``key value`` line: quoted or bare, true/false as booleans."""
    if text.startswith('"'):
        m = _QUOTED.match(text)
        if not m:
            raise LockfileError(path, "unterminated string", line)
        key, rest = json.loads(m.group(0)), text[m.end():]
    else:
        key, _, rest = text.partition(" ")
    rest = rest.strip()
    if not rest:
        raise LockfileError(path, f"{key!r} has no value", line)
    if rest.startswith('"'):
        try:
            return key, json.loads(rest)
        except json.JSONDecodeError:
            raise LockfileError(path, f"bad string value {rest!r}", line) from None
    if rest in ("true", "false"):
        return key, rest == "true"
    return key, rest


def parse_v1(path: Path, text: str) -> list[tuple[list[str], int, dict[str, Any]]]:
    """The entries of a Yarn 1 lockfile: (keys, line, fields). LockfileError naming the line."""
    entries: list[tuple[list[str], int, dict[str, Any]]] = []
    stack: list[dict[str, Any]] = [{}]
    for n, raw in enumerate(text.splitlines(), 1):
        body = raw.rstrip()
        stripped = body.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(body) - len(stripped)
        if stripped.startswith("\t") or indent % 2:
            raise LockfileError(path, "bad indentation (yarn.lock indents by two spaces)", n)
        level = indent // 2
        if level >= len(stack):
            raise LockfileError(path, "indented more than the line above allows", n)
        del stack[level + 1:]
        if stripped.endswith(":"):
            keys = _keys(path, stripped[:-1], n)
            block: dict[str, Any] = {}
            for key in keys:
                stack[level][key] = block
            if level == 0:
                entries.append((keys, n, block))
            stack.append(block)
        else:
            if level == 0:
                raise LockfileError(path, f"expected an entry such as \"name@range:\", found {stripped!r}", n)
            key, value = _value(path, stripped, n)
            stack[level][key] = value
    return entries


def read(path: Path, text: str) -> Lockfile:
    """A yarn.lock of Yarn 1 or Berry (``__metadata`` version 4 to 10). LockfileError for a file
    that does not parse (with its line) or an unsupported Berry version."""
    if re.search(r"^__metadata:", text, re.MULTILINE):
        return _read_berry(path, text)
    lock = Lockfile(path, "yarn.lock v1")
    index: dict[str, str] = {}
    fields: dict[str, dict[str, Any]] = {}
    for keys, line, entry in parse_v1(path, text):
        first = keys[0]
        name, rng = split_spec(first)
        version = entry.get("version")
        if not isinstance(version, str) or not version:
            raise LockfileError(path, f"entry {first!r} has no version", line)
        pkg = LockedPackage(first, name, version, line)
        if rng.startswith("npm:"):
            pkg.alias, pkg.name = name, split_spec(rng[4:])[0]
        else:
            pkg.not_auditable = source_problem(rng) or _git_resolved(str(entry.get("resolved") or ""))
        if not pkg.not_auditable and not is_semver(version):
            pkg.not_auditable = f"version {version!r} is not SemVer"
        lock.packages[first] = pkg
        fields[first] = entry
        for key in keys:
            index[key] = first
    for key, pkg in lock.packages.items():
        for kind in ("dependencies", "optionalDependencies"):
            deps = fields[key].get(kind)
            if isinstance(deps, dict):
                pkg.deps += [index[s] for s in (f"{n}@{r}" for n, r in deps.items()) if s in index]
    _v1_importers(lock, index)
    return lock.finish(mark_dev=True)


def _git_resolved(resolved: str) -> str:
    """A git source that only ``resolved`` shows (a range such as ``user/repo#tag`` is caught before)."""
    if resolved.startswith(("git+", "git:")) or "codeload.github.com" in resolved:
        return f"git dependency ({safe_url(resolved)})"
    return ""


def _workspaces(folder: Path, manifest: dict[str, Any]) -> list[Path]:
    spaces = manifest.get("workspaces")
    if isinstance(spaces, dict):
        spaces = spaces.get("packages")
    found: list[Path] = []
    for pattern in spaces or []:
        # Yarn globs a pattern from "/" from the file system's root: 1.22's `yarn workspaces info` gives {}
        # for "/*" beside api/package.json (npm reads it as "*"), and Path.glob stops on it
        # (NotImplementedError: the audit ended in an internal error)
        if isinstance(pattern, str) and not pattern.startswith("/"):
            found += sorted(p for p in folder.glob(pattern.rstrip("/")) if (p / "package.json").is_file())
    return found


def _v1_importers(lock: Lockfile, index: dict[str, str]) -> None:
    """The root package.json and its workspaces' as importers; without one, every entry nothing
    depends on is a direct dependency."""
    folder = lock.path.parent
    root = folder / "package.json"
    if not root.is_file():
        depended = {d for p in lock.packages.values() for d in p.deps}
        lock.importers[""] = Importer("", {k: PROD for k in lock.packages if k not in depended})
        lock.notes.append(f"{lock.path.name}: no package.json beside it; devDependencies cannot be told "
                          "apart and dependency paths start at packages nothing depends on")
        return
    manifests = [(root, load_json(root, root.read_text(encoding="utf-8-sig"), "package.json"))]
    for ws in _workspaces(folder, manifests[0][1]):
        target = ws / "package.json"
        manifests.append((target, load_json(target, target.read_text(encoding="utf-8-sig"), "package.json")))
    own = {str(m.get("name")) for _, m in manifests}
    missing: list[str] = []
    for manifest_path, manifest in manifests:
        rel = manifest_path.parent.relative_to(folder).as_posix()
        importer = Importer("" if rel == "." else rel, manifest=manifest_path)
        for kind in DEP_KINDS:
            deps = manifest.get(kind)
            for name, rng in (deps.items() if isinstance(deps, dict) else ()):
                key = index.get(f"{name}@{rng}")
                if key is not None:
                    importer.direct.setdefault(key, kind)
                elif name not in own and kind != "peerDependencies":
                    missing.append(f"{name}@{rng}")
        lock.importers[importer.folder] = importer
    if missing:
        lock.notes.append(f"{lock.path.name} has no entry for {', '.join(missing[:5])}"
                          f"{' ...' if len(missing) > 5 else ''} from package.json: is it up to date?")


# ---------------------------------------------------------------------------- Berry


def _yaml(path: Path, text: str) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)  # nosec B506 - a safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise LockfileError(path, f"not valid YAML: {exc.problem or exc.context}",
                            mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise LockfileError(path, f"not valid YAML: {exc}") from None


def top_level_lines(text: str) -> dict[str, int]:
    """The line of each top-level key of a YAML file (quoted keys unquoted)."""
    out: dict[str, int] = {}
    for n, line in enumerate(text.splitlines(), 1):
        if line[:1] not in ("", " ", "#", "-") and line.rstrip().endswith(":"):
            key = line.rstrip()[:-1]
            if key.startswith(("'", '"')):
                key = key[1:-1].replace("''", "'") if key[0] == "'" else json.loads(key)
            out.setdefault(key, n)
    return out


def _berry_source(ref: str) -> tuple[str, str]:
    """(protocol, why not auditable) of a Berry resolution's reference (what follows ``name@``)."""
    protocol = ref.split(":", 1)[0] if re.match(r"^[a-z+]+:", ref) else ""
    if protocol == "npm":
        return protocol, ""
    if protocol in ("workspace", "patch"):
        return protocol, ""
    if protocol in ("file", "portal", "link"):
        return protocol, f"local file or folder ({ref.split('::', 1)[0].split('#', 1)[0]})"
    if protocol.startswith("git") or "#commit=" in ref or ".git#" in ref:
        return "git", f"git dependency ({safe_url(ref)})"
    if protocol in ("http", "https"):
        return protocol, f"tarball URL ({safe_url(ref)})"
    return protocol, f"{protocol or 'unknown'} protocol ({safe_url(ref)})"


def _read_berry(path: Path, text: str) -> Lockfile:
    data = _yaml(path, text)
    if not isinstance(data, dict):
        raise LockfileError(path, "not a yarn.lock (the top level is not a mapping)")
    lines = top_level_lines(text)
    meta = data.get("__metadata") or {}
    version = meta.get("version") if isinstance(meta, dict) else None
    try:
        number = int(str(version))
    except ValueError:
        number = -1
    if number not in BERRY_SUPPORTED:
        supported = f"{BERRY_SUPPORTED[0]} to {BERRY_SUPPORTED[-1]}"
        raise LockfileError(path, f"__metadata version {version!r} is not supported (supported: Yarn 1 and "
                                  f"Yarn 2+ lockfiles of version {supported})", lines.get("__metadata"))
    lock = Lockfile(path, f"yarn.lock (Berry, __metadata {number})")
    index: dict[str, str] = {}
    entries: dict[str, dict[str, Any]] = {}
    for raw_key, entry in data.items():
        if raw_key == "__metadata":
            continue
        key, line = str(raw_key), lines.get(str(raw_key))
        if not isinstance(entry, dict) or not isinstance(entry.get("resolution"), str):
            raise LockfileError(path, f"entry {key!r} has no resolution", line)
        pkg = _berry_package(key, entry, line)
        lock.packages[key] = pkg
        entries[key] = entry
        for descriptor in key.split(","):
            index[descriptor.strip()] = key
            index.setdefault(descriptor.strip().split("::", 1)[0], key)  # file:./x::locator=...
    for key, pkg in lock.packages.items():
        deps = entries[key].get("dependencies")
        for name, rng in (deps.items() if isinstance(deps, dict) else ()):
            target = index.get(f"{name}@{rng}") or index.get(f"{name}@npm:{rng}")
            if target is not None:
                pkg.deps.append(target)
    for key, pkg in lock.packages.items():
        if pkg.own:
            _berry_importer(lock, key, entries[key], index)
    return lock.finish(mark_dev=True)


def _berry_package(key: str, entry: dict[str, Any], line: int | None) -> LockedPackage:
    name, ref = split_spec(entry["resolution"])
    version = str(entry.get("version") or "")
    protocol, problem = _berry_source(ref)
    if protocol == "patch":  # resolve@patch:resolve@npm%3A1.22.1#~builtin<compat/resolve>::...
        inner_name, inner_ref = split_spec(unquote(ref[len("patch:"):].split("#", 1)[0]))
        protocol, problem = _berry_source(inner_ref)
        if protocol == "npm":
            name, version = inner_name, inner_ref[len("npm:"):]
    descriptor_name = split_spec(key.split(",")[0].strip())[0]
    pkg = LockedPackage(key, name, version, line, not_auditable=problem,
                        alias=descriptor_name if descriptor_name != name else "", own=protocol == "workspace")
    if protocol == "npm" and not is_semver(version):
        pkg.not_auditable = f"version {version!r} is not SemVer"
    return pkg


def _berry_importer(lock: Lockfile, key: str, entry: dict[str, Any], index: dict[str, str]) -> None:
    """A workspace entry as an importer; its package.json says which of its dependencies are dev ones."""
    folder = entry["resolution"].split("@workspace:", 1)[-1]
    folder = "" if folder in (".", "") else folder
    manifest_path = lock.path.parent / folder / "package.json"
    dev: set[str] = set()
    if manifest_path.is_file():
        manifest = load_json(manifest_path, manifest_path.read_text(encoding="utf-8-sig"), "package.json")
        dev = set(manifest.get(DEV) or {}) - set(manifest.get(PROD) or {})
    importer = Importer(folder, manifest=manifest_path if manifest_path.is_file() else None)
    deps = entry.get("dependencies")
    for name, rng in (deps.items() if isinstance(deps, dict) else ()):
        target = index.get(f"{name}@{rng}") or index.get(f"{name}@npm:{rng}")
        if target is not None:
            importer.direct.setdefault(target, DEV if name in dev else PROD)
    lock.importers[folder] = importer
