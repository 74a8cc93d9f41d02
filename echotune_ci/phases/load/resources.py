"""CPU and memory of the app under test, sampled over its whole process tree.

A gunicorn master with gevent workers is several processes, and workers can
be replaced during a test, so every sample walks the tree again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...errors import RunError
from ...results import Metric

if TYPE_CHECKING:  # pragma: no cover
    from ...config.sections import Budgets


# The app's own figures under load: tested against the base only where [gate] regression names them.
APP_RESOURCES = frozenset({"app_rss_mb", "app_cpu_pct"})


@dataclass
class Usage:
    """The samples so far: resident memory of the tree (MiB), its CPU (% of all cores) and when each was
    taken (epoch seconds)."""

    rss_mb: list[float] = field(default_factory=list)
    cpu_pct: list[float] = field(default_factory=list)
    times: list[float] = field(default_factory=list)

    def covering(self, start: float, end: float, first: float) -> Usage:
        """The samples whose CPU was measured within *start* .. *end* (epoch seconds): a sample's CPU
        covers the time since the sample before it (psutil's ``cpu_percent``), or *first* seconds before
        it for the first sample. The gap between samples is what the sampler managed, not its nominal
        interval: on a busy machine it grows."""
        keep = [i for i, t in enumerate(self.times)
                if start <= (self.times[i - 1] if i else t - first) and t <= end]
        return Usage([self.rss_mb[i] for i in keep], [self.cpu_pct[i] for i in keep],
                     [self.times[i] for i in keep])

    def metrics(self, budgets: Budgets) -> list[Metric]:
        """``app_rss_mb`` (peak, budget ``budgets.app_memory_mb``) and ``app_cpu_pct`` (mean, budget
        ``budgets.app_cpu_pct``); [] without samples."""
        if not self.rss_mb:
            return []
        return [
            Metric("app_rss_mb", max(self.rss_mb), "MB", "lower", budget=budgets.app_memory_mb,
                   description="Peak resident memory of the app's process tree during the test.").evaluate(),
            Metric("app_cpu_pct", sum(self.cpu_pct) / len(self.cpu_pct) if self.cpu_pct else 0.0, "%",
                   "lower",
                   budget=budgets.app_cpu_pct,
                   description="Mean CPU of the app's process tree during the test, in percent of all cores.",
                   ).evaluate(),
        ]


def rounds_usage(usage: Usage, rounds: list[dict[str, Any]], label: str, budgets: Budgets,
                 labels: dict[str, str] | None = None, interval: float = 0.0) -> list[Metric]:
    """``app_rss_mb`` and ``app_cpu_pct`` of one build in a side-by-side load test: only the samples
    taken while its own rounds (``label``: "head" or "base") were measured (each round's
    ``measured_from`` .. ``measured_to``), so the other build's rounds neither dilute its CPU nor hide its
    memory. Each round's peak memory and mean CPU are the metric's samples (one per round, so the builds
    can be compared); the value is the peak of all and the mean of all. [] when no round of *label* has
    a sample (rounds shorter than the sampling interval). *labels*: the metrics' labels (the base's
    ``build``). A sample's CPU covers the time since the sample before it, so only samples taken after
    another in the same round count (the first of a round would hold the other build's round);
    *interval*: the sampler's interval (s), the span of the very first sample."""
    peaks, means = [], []
    for r in rounds:
        if r.get("label") != label or "measured_from" not in r:
            continue
        mine = usage.covering(r["measured_from"], r["measured_to"], first=interval)
        if mine.rss_mb:
            peaks.append(max(mine.rss_mb))
            means.append(sum(mine.cpu_pct) / len(mine.cpu_pct))
    if not peaks:
        return []
    whole = Usage(rss_mb=peaks, cpu_pct=means).metrics(budgets)
    rounded = {"app_rss_mb": [round(v, 3) for v in peaks], "app_cpu_pct": [round(v, 3) for v in means]}
    return [dataclasses.replace(m, samples=rounded[m.name], labels={**m.labels, **(labels or {})},
                                description=m.description.replace("during the test", f"during the {label}'s "
                                                                  "rounds"))
            for m in whole]


class TreeSampler:
    """Samples RSS and CPU of *pid* and its descendants every *interval* seconds, in a thread.

    Use it as a context manager around the test; the samples are in
    ``usage``. Raises RunError when *pid* cannot be sampled at all.
    """

    def __init__(self, pid: int, interval: float):
        import psutil

        self._psutil = psutil
        try:
            self.root = psutil.Process(pid)
        except psutil.Error as exc:
            raise RunError(f"app process {pid}: cannot sample it ({type(exc).__name__})") from None
        self.interval = interval
        self.usage = Usage()
        self._cores = psutil.cpu_count() or 1
        self._known: dict[int, Any] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="app-sampler", daemon=True)

    def _tree(self) -> list[Any]:
        try:
            procs = [self.root, *self.root.children(recursive=True)]
        except self._psutil.Error:
            return []
        current = {}
        for p in procs:
            # cpu_percent() measures since the previous call on the same object.
            current[p.pid] = self._known.get(p.pid, p)
        fresh = [pid for pid in current if pid not in self._known]
        self._known = current
        for pid in fresh:
            with contextlib.suppress(self._psutil.Error):
                current[pid].cpu_percent(None)
        return [p for pid, p in current.items() if pid not in fresh]

    def _sample(self) -> None:
        rss = cpu = 0.0
        seen = False
        for p in self._tree():
            try:
                with p.oneshot():
                    rss += p.memory_info().rss
                    cpu += p.cpu_percent(None)
                seen = True
            except self._psutil.Error:
                continue
        if seen:
            self.usage.rss_mb.append(rss / (1024 * 1024))
            self.usage.cpu_pct.append(cpu / self._cores)
            self.usage.times.append(time.time())

    def _loop(self) -> None:
        self._tree()
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
