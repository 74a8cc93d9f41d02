"""Which files a bundle measurement covers, and how they are named.

Names are what pairs a head file with its base counterpart, so they must not
depend on where the checkout lives (paths are relative) nor on content hashes
that bundlers put into file names (``app.3f2a1c.js`` pairs with ``app.js``
and with ``app.9b8d7e.js``).
"""

from __future__ import annotations

import glob as _glob
import os
import re
from dataclasses import dataclass
from pathlib import Path

_WILDCARD = re.compile(r"[*?\[]")
_HEX = re.compile(r"^[0-9a-f]+$")
_TOKEN = re.compile(r"^[A-Za-z0-9_]+$")


@dataclass(frozen=True)
class BundleFile:
    """A measured file: its absolute path and the name results show."""

    path: Path  # absolute
    name: str  # relative, with forward slashes, as shown in results


def expand_globs(globs: list[str], base_dir: Path) -> tuple[list[BundleFile], list[str]]:
    """Files matched by *globs* (relative ones against *base_dir*), each once.

    Returns the files sorted by name and the globs that matched nothing.
    """
    found: dict[Path, BundleFile] = {}
    empty: list[str] = []
    for pattern in globs:
        matches = _match(pattern, base_dir)
        if not matches:
            empty.append(pattern)
        for path in matches:
            if path not in found:
                found[path] = BundleFile(path, _display_name(path, pattern, base_dir))
    return sorted(found.values(), key=lambda f: f.name), empty


def _match(pattern: str, base_dir: Path) -> list[Path]:
    expanded = os.path.expanduser(pattern)
    if os.path.isabs(expanded):
        hits = _glob.glob(expanded, recursive=True)
    else:
        hits = [os.path.join(base_dir, h) for h in _glob.glob(expanded, root_dir=base_dir, recursive=True)]
    return [Path(os.path.abspath(h)) for h in hits if os.path.isfile(h)]


def _display_name(path: Path, pattern: str, base_dir: Path) -> str:
    """Relative to the base folder, or to the glob's literal prefix outside it,
    so that a base checkout elsewhere yields the same names."""
    for root in (base_dir.resolve(), base_dir, _literal_root(pattern, base_dir)):
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            continue
    return path.as_posix()  # pragma: no cover - the literal root always contains the match


def _literal_root(pattern: str, base_dir: Path) -> Path:
    literal = [base_dir]
    for part in Path(os.path.expanduser(pattern)).parts[:-1]:
        if _WILDCARD.search(part):
            break
        literal.append(Path(part))
    return Path(os.path.abspath(os.path.join(*literal)))


def looks_like_hash(token: str) -> bool:
    """Content hashes of webpack/parcel (hex), Rollup/Vite (base64url) and
    Next.js build ids; words such as ``vendor``, ``es2015`` or ``facade`` are
    not hashes."""
    if not 6 <= len(token) <= 64 or not _TOKEN.match(token):
        return False
    has_digit = any(c.isdigit() for c in token)
    if has_digit and _HEX.match(token):
        return True
    if len(token) >= 8 and has_digit and any(c.isalpha() for c in token):
        return True
    # Vite's 8-character base64url hashes may hold no digit: mixed case inside.
    return len(token) == 8 and any(c.isupper() for c in token[1:]) and any(c.islower() for c in token)


def stable_name(name: str) -> str:
    """*name* without content hashes: ``js/app.3f2a1c.js`` -> ``js/app.js``,
    ``assets/index-BwJ3kL9a.js`` -> ``assets/index.js``."""
    *folders, filename = name.split("/")
    folders = ["[hash]" if len(f) >= 8 and looks_like_hash(f) else f for f in folders]
    stem, *rest = filename.split(".")
    if not rest:
        return "/".join([*folders, filename])
    *middle, ext = rest
    head, sep, tail = stem.rpartition("-")
    if sep and head and looks_like_hash(tail):
        stem = head
    middle = [m for m in middle if not looks_like_hash(m)]
    if stem == "" or (looks_like_hash(stem) and not middle):
        return name  # the hash is the whole name: nothing stable to pair by
    return "/".join([*folders, ".".join([stem, *middle, ext])])
