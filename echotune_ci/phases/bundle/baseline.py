"""The base branch's bundle result, and which head file matches which base file."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ...errors import InputError
from ...results import load_result
from .files import stable_name
from .sizes import KINDS, FileSize

# Description of the zero-sized metric kept for a file that the head build no
# longer has; such metrics are not sizes, so a later run must not read them.
REMOVED = "removed since the base"


def total_metric(kind: str) -> str:
    """The metric name of the total of compression *kind*."""
    return f"bundle_total_{kind}_bytes"


def file_metric(kind: str) -> str:
    """The metric name of one file's size of compression *kind*."""
    return f"bundle_file_{kind}_bytes"


@dataclass
class Baseline:
    """A base result: its path as given (``source``), totals and per-file sizes (kind -> bytes)."""

    source: str
    totals: dict[str, float]
    files: dict[str, dict[str, float]]


def load_baseline(path: Path) -> Baseline:
    """Read a bundle result written earlier; InputError names the file."""
    result = load_result(path)
    if result.phase != "bundle":
        raise InputError(f"{path}: is a '{result.phase}' result, expected a bundle result")
    totals: dict[str, float] = {}
    for kind in KINDS:
        m = result.metric(total_metric(kind))
        if m is not None and m.value is not None:
            totals[kind] = float(m.value)
    if totals.get("gzip", 0) <= 0:
        raise InputError(f"{path}: has no {total_metric('gzip')} above 0 to compare with")
    files: dict[str, dict[str, float]] = {}
    wanted = {file_metric(kind): kind for kind in KINDS}
    for m in result.metrics:
        found = wanted.get(m.name)
        if found is None or "file" not in m.labels or m.value is None or m.description == REMOVED:
            continue
        files.setdefault(m.labels["file"], {})[found] = float(m.value)
    return Baseline(str(path), totals, files)


@dataclass
class Change:
    """One file in head, base or both; ``delta`` is in gzip bytes."""

    head: FileSize | None
    base_name: str | None
    base: dict[str, float] | None

    @property
    def name(self) -> str:
        """The head name, else the base name."""
        return self.head.name if self.head else str(self.base_name)

    @property
    def renamed_from(self) -> str | None:
        """The base name when the file was paired under another name."""
        if self.head and self.base_name and self.base_name != self.head.name:
            return self.base_name
        return None

    def head_size(self, kind: str = "gzip") -> float:
        """Bytes of *kind* in head (0 for a removed file)."""
        return float(self.head.get(kind)) if self.head else 0.0

    def base_size(self, kind: str = "gzip") -> float:
        """Bytes of *kind* in the base (0 for an added file)."""
        return float(self.base.get(kind, 0.0)) if self.base else 0.0

    @property
    def delta(self) -> float:
        """Gzip bytes head minus base."""
        return self.head_size() - self.base_size()

    @property
    def pct(self) -> float | None:
        """Gzip growth in percent of the base; None without a base size."""
        base = self.base_size()
        return None if base <= 0 else self.delta / base * 100.0

    @property
    def kind(self) -> str:
        """"added", "removed", "grown", "shrunk" or "unchanged"."""
        if self.base is None:
            return "added"
        if self.head is None:
            return "removed"
        if self.delta > 0:
            return "grown"
        return "shrunk" if self.delta < 0 else "unchanged"


def pair_files(head: list[FileSize], base: dict[str, dict[str, float]]) -> list[Change]:
    """Match head files to base files: same name first, then the same name
    without content hashes, then the same file name without hashes in another
    folder (measured from another root, or moved), each only when that is
    unambiguous on both sides."""
    changes: list[Change] = []
    head_left = {f.name: f for f in head}
    base_left = dict(base)
    for name in [n for n in head_left if n in base_left]:
        changes.append(Change(head_left.pop(name), name, base_left.pop(name)))
    for key in (stable_name, lambda n: stable_name(n).rsplit("/", 1)[-1]):
        base_by_key = _group(base_left, key)
        for k, names in _group(head_left, key).items():
            base_names = base_by_key.get(k, [])
            if len(names) == 1 and len(base_names) == 1:
                changes.append(Change(head_left.pop(names[0]), base_names[0], base_left.pop(base_names[0])))
    changes += [Change(f, None, None) for f in head_left.values()]
    changes += [Change(None, name, sizes) for name, sizes in base_left.items()]
    return changes


def _group(names: Iterable[str], key: Callable[[str], str]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(key(name), []).append(name)
    return groups


def most_changed(changes: list[Change], top: int) -> list[Change]:
    """The *top* changed files, largest gzip change first (ties by name)."""
    moved = [c for c in changes if c.kind != "unchanged"]
    return sorted(moved, key=lambda c: (-abs(c.delta), c.name))[:top]
