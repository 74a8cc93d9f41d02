"""The base branch's bundle result, and which head file matches which base file."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import InputError
from ...results import Metric, PhaseResult, load_result
from .files import hash_shaped_name, rest_of_name, stable_name
from .sizes import KINDS, FileSize

# Description of the zero-sized metric kept for a file that the head build no
# longer has; such metrics are not sizes, so a later run must not read them.
REMOVED = "removed since the base"
# Description of a file the base build did not have.
ADDED = "added since the base"


def total_metric(kind: str) -> str:
    """The metric name of the total of compression *kind*."""
    return f"bundle_total_{kind}_bytes"


def file_metric(kind: str) -> str:
    """The metric name of one file's size of compression *kind*."""
    return f"bundle_file_{kind}_bytes"


@dataclass
class Baseline:
    """A base result: its path as given (``source``), totals, per-file sizes (kind -> bytes) and the routes
    whose modules its files are (:func:`file_routes`)."""

    source: str
    totals: dict[str, float]
    files: dict[str, dict[str, float]]
    routes: dict[str, str] = field(default_factory=dict)


def load_baseline(path: Path) -> Baseline:
    """Read a bundle result written earlier; InputError names the file (not a bundle result, no gzip
    total)."""
    result = load_result(path)
    if result.phase != "bundle":
        raise InputError(f"{path}: is a '{result.phase}' result, expected a bundle result")
    totals: dict[str, float] = {}
    for kind in KINDS:
        m = result.metric(total_metric(kind))
        if m is not None and m.value is not None:
            totals[kind] = float(m.value)
    # 0 is a base that shipped no file (an empty client folder): growth from it is +100 % (phase.py)
    if totals.get("gzip", -1) < 0:
        raise InputError(f"{path}: has no {total_metric('gzip')} to compare with")
    return Baseline(str(path), totals, file_sizes(result), file_routes(result))


def file_sizes(result: PhaseResult) -> dict[str, dict[str, float]]:
    """A bundle result's per-file sizes: name -> {kind: bytes}; files it lists as removed are left out."""
    files: dict[str, dict[str, float]] = {}
    kind_of = {file_metric(kind): kind for kind in KINDS}
    for m in _measured_files(result):
        files.setdefault(m.labels["file"], {})[kind_of[m.name]] = float(m.value or 0.0)
    return files


def file_routes(result: PhaseResult) -> dict[str, str]:
    """A bundle result's files that are a route's module: name -> the route (the ``route`` label,
    :func:`~.files.route_modules`); files it lists as removed are left out."""
    return {m.labels["file"]: m.labels["route"] for m in _measured_files(result) if "route" in m.labels}


def _measured_files(result: PhaseResult) -> list[Metric]:
    """The per-file metrics of a bundle result, without the files it lists as removed."""
    names = {file_metric(kind) for kind in KINDS}
    return [m for m in result.metrics
            if m.name in names and "file" in m.labels and m.value is not None and m.description != REMOVED]


@dataclass
class Change:
    """One file in head, base or both; ``delta`` is in gzip bytes; ``route`` the route whose module it
    is, where the build's route manifest says so."""

    head: FileSize | None
    base_name: str | None
    base: dict[str, float] | None
    route: str | None = None

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


# Two files whose names differ only by hashes (and numeric chunk ids) are paired by size only when their
# sizes are within this fraction of the larger one: a changed file rarely grows or shrinks by more.
SIZE_TOLERANCE = 0.25


def pair_files(head: list[FileSize], base: dict[str, dict[str, float]],
               head_routes: dict[str, str] | None = None,
               base_routes: dict[str, str] | None = None) -> list[Change]:
    """Match head files to base files; every file appears in exactly one change.

    In order, each step only among the files still unpaired: the same name; the same route
    (*head_routes* and *base_routes*, file name -> route, from the builds' route manifests: see
    :func:`~.files.route_modules`), one to one; where both sides name routes, a route's file left
    unpaired is a route added or removed and pairs no further; then the same name without
    content hashes (:func:`~.files.stable_name`, every common bundler's pattern); the same file name
    without hashes in another folder (measured from another root, or moved) -- these two only when
    unambiguous on both sides; the same name with every token of a hash's shape as a wildcard
    (:func:`~.files.hash_shaped_name`: a Rollup hash of lower-case letters only), one to one, where
    either name has a hash; then, among files with the same :func:`~.files.rest_of_name` (hashes and
    numeric ids as wildcards: ``chunk-ABCD1234.js``, ``css/0a1b2c3d.css``), the pairs whose raw sizes
    (gzip when the base has no raw size) are each other's closest, without a tie, and within
    :data:`SIZE_TOLERANCE`. What is left is added (head) or removed (base).
    """
    changes: list[Change] = []
    head_left = {f.name: f for f in head}
    base_left = dict(base)
    head_routes, base_routes = head_routes or {}, base_routes or {}
    for name in [n for n in head_left if n in base_left]:
        changes.append(Change(head_left.pop(name), name, base_left.pop(name)))
    base_by_route = _group((n for n in base_left if n in base_routes), base_routes.__getitem__)
    for route, names in _group((n for n in head_left if n in head_routes), head_routes.__getitem__).items():
        base_names = base_by_route.get(route, [])
        if len(names) == 1 and len(base_names) == 1:
            changes.append(Change(head_left.pop(names[0]), base_names[0], base_left.pop(base_names[0])))
    # Both builds said which file is which route's: one left is a route only one of them has (or one
    # they share ambiguously), never another route's file under a similar name (route-<hash>.js)
    held_out: list[Change] = []
    if head_routes and base_routes:
        held_out += [Change(head_left.pop(n), None, None) for n in list(head_left) if n in head_routes]
        held_out += [Change(None, n, base_left.pop(n)) for n in list(base_left) if n in base_routes]
    for key in (stable_name, lambda n: stable_name(n).rsplit("/", 1)[-1]):
        base_by_key = _group(base_left, key)
        for k, names in _group(head_left, key).items():
            base_names = base_by_key.get(k, [])
            if len(names) == 1 and len(base_names) == 1:
                changes.append(Change(head_left.pop(names[0]), base_names[0], base_left.pop(base_names[0])))
    # A name whose hash reads as a word (Vite's nodes/6.gudljcof.js beside the base's nodes/6.Bc6dVZUP.js:
    # lower case only) pairs by the shape of its tokens, one to one, where either side's name has a hash
    base_by_shape = _group(base_left, hash_shaped_name)
    for shape, names in _group(head_left, hash_shaped_name).items():
        base_names = base_by_shape.get(shape, [])
        if len(names) == 1 and len(base_names) == 1 and (stable_name(names[0]) != names[0]
                                                         or stable_name(base_names[0]) != base_names[0]):
            changes.append(Change(head_left.pop(names[0]), base_names[0], base_left.pop(base_names[0])))
    base_by_rest = _group(base_left, rest_of_name)
    for rest, names in _group(head_left, rest_of_name).items():
        for head_name, base_name in _pair_by_size(names, base_by_rest.get(rest, []), head_left, base_left):
            changes.append(Change(head_left.pop(head_name), base_name, base_left.pop(base_name)))
    changes += [Change(f, None, None) for f in head_left.values()]
    changes += [Change(None, name, sizes) for name, sizes in base_left.items()]
    changes += held_out
    for c in changes:
        c.route = head_routes.get(c.head.name) if c.head else base_routes.get(str(c.base_name))
    return changes


def _pair_by_size(head_names: list[str], base_names: list[str], head: dict[str, FileSize],
                  base: dict[str, dict[str, float]]) -> list[tuple[str, str]]:
    """(head, base) pairs that are each other's unique closest size, within :data:`SIZE_TOLERANCE`,
    repeated until no such pair is left."""
    def size_pair(h: str, b: str) -> tuple[float, float]:
        kind = "raw" if "raw" in base[b] else "gzip"
        return float(head[h].get(kind)), base[b].get(kind, 0.0)

    def distance(h: str, b: str) -> float:
        hs, bs = size_pair(h, b)
        return abs(hs - bs) / max(hs, bs, 1.0)

    pairs: list[tuple[str, str]] = []
    heads, bases = list(head_names), list(base_names)
    while heads and bases:
        found = [(h, b) for h in heads for b in bases
                 if distance(h, b) <= SIZE_TOLERANCE and _unique_closest(h, b, bases, distance)
                 and _unique_closest(b, h, heads, lambda x, y: distance(y, x))]
        if not found:
            break
        for h, b in found:
            pairs.append((h, b))
            heads.remove(h)
            bases.remove(b)
    return pairs


def _unique_closest(one: str, other: str, candidates: list[str],
                    distance: Callable[[str, str], float]) -> bool:
    """Whether *other* is strictly closer to *one* than every other candidate."""
    mine = distance(one, other)
    return all(distance(one, c) > mine for c in candidates if c != other)


def _group(names: Iterable[str], key: Callable[[str], str]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(key(name), []).append(name)
    return groups


def renamed_files(head: dict[str, dict[str, float]], base: dict[str, dict[str, float]],
                  head_routes: dict[str, str] | None = None,
                  base_routes: dict[str, str] | None = None) -> dict[str, str]:
    """Base file name -> head file name for the files :func:`pair_files` pairs under another name.

    *head* and *base* map file names to sizes ({kind: bytes}, see :func:`file_sizes`), the routes
    their routes (:func:`file_routes`); ``compare`` uses this so that it pairs files exactly as the
    bundle phase does.
    """
    sizes = [FileSize(name, *(int(s.get(kind, 0.0)) for kind in KINDS)) for name, s in head.items()]
    return {c.base_name: c.name for c in pair_files(sizes, base, head_routes, base_routes)
            if c.renamed_from and c.base_name}


def most_changed(changes: list[Change], top: int) -> list[Change]:
    """The *top* changed files, largest gzip change first (ties by name)."""
    moved = [c for c in changes if c.kind != "unchanged"]
    return sorted(moved, key=lambda c: (-abs(c.delta), c.name))[:top]
