"""What other programs took of this machine's CPU while base and head were measured.

Base and head are measured at once and interleaved, so a load that lasts the whole run reaches both
alike; a burst does not. On a machine that other jobs share (two builds of other projects beside the
trials of docs/real-projects.md's nineteenth round, at a load average of 4 to 5 on 2 cores) two of six
compared runs had a "regressed" verdict that a rerun did not repeat, as hyperfine warns of outliers and
suggests "re-running this benchmark on a quiet system". The run says how busy the machine was, from
psutil's figures (``psutil.cpu_times``: the busy and stolen time of every core; each process's
``cpu_times``, its own and its waited-for children's), so a reader knows when to rerun.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Any

# Other programs' share of the machine's CPU from which a run says its timings competed with them: a
# quarter of the cores, about what one busy program takes from a 2-core runner's measurement for half of
# it. Below it, the interleaving and the intervals carry the noise.
BUSY_PCT = 25.0

# The database and cache servers an app under test queries, started by the system or a service container
# (outside this run's process tree): their CPU under the load test is the measured builds' work, not
# another program's (a PostgreSQL answering the load test's queries counted as one).
SERVICES = frozenset({"postgres", "postmaster", "mysqld", "mariadbd", "redis-server", "valkey-server",
                      "keydb-server", "mongod", "memcached"})

_Key = tuple[int, float]  # a process: its pid and start time (a pid can be reused)


@dataclass(frozen=True)
class Busy:
    """The machine while a measurement ran: *seconds* of wall time on *cores* cores; *others_pct*, the
    CPU time of every process outside this run (this process and its descendants: the apps, locust,
    Chromium; and the database and cache servers of :data:`SERVICES`) plus the time a hypervisor gave
    other machines (steal), as a percentage of all the cores' time; *steal_pct*, that stolen part
    alone."""

    seconds: float
    cores: int
    others_pct: float
    steal_pct: float

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape in ``side-by-side.json``."""
        return {"seconds": round(self.seconds, 1), "cores": self.cores,
                "others_cpu_pct": round(self.others_pct, 1), "steal_pct": round(self.steal_pct, 1)}

    def warning(self, worth: str = 'a "regressed" timing') -> str:
        """For people, when other programs took at least :data:`BUSY_PCT` of the machine; else "". *worth*:
        what of the phase's results is worth a rerun."""
        if self.others_pct < BUSY_PCT:
            return ""
        stolen = (f", {self.steal_pct:.0f} % of it taken by the hypervisor for other machines"
                  if self.steal_pct >= 1 else "")
        return (f"other programs used {self.others_pct:.0f} % of this machine's CPU ({self.cores} cores) "
                f"while base and head were measured{stolen}: they competed with both builds' timings, "
                f"which vary more than on a quiet machine, and {worth} is worth a rerun where nothing else "
                "runs")


# What the busy machine's warning says of the api phase's response times, which keep their budget and are
# compared with nothing: realworld-django-ninja's A/A pairs failed 2 to 10 operations' p95 budgets at
# 52-79 % of the CPU taken by other programs, and nothing said why
OVER_BUDGET = "a response time over its budget (not compared with the base's: one run's requests)"


class OtherPrograms:
    """Measures, in a thread, what processes outside this one's tree take of the machine's CPU; a context
    manager around the measurement, whose :attr:`busy` is then a :class:`Busy` (None where psutil is not
    installed or cannot read the figures).

    This run's own time is summed over this process and its descendants every *interval* seconds: a
    process seen before gives what it used since, a new one all it used, and one gone since gives back
    what it was seen to use, which its parent's children's time then holds whole, but only as much as
    the children's time of its nearest ancestor still here grew meanwhile. A process whose parent exited
    before it (Chromium's zygote when the browser closes, with every renderer it reaped) is reaped by
    init, outside this run: its time is counted in no parent of ours, and giving it back moved all it
    used, and all its children used, to the other programs."""

    def __init__(self, interval: float = 0.5) -> None:
        self.interval = interval
        self.busy: Busy | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # (pid, start time) -> (its own CPU seconds, its waited-for children's, its parent's key or None)
        self._seen: dict[_Key, tuple[float, float, _Key | None]] = {}
        self.ours = 0.0  # CPU seconds this process and its descendants used meanwhile
        self._started = 0.0
        self._machine: tuple[list[int], float, float] = ([], 0.0, 0.0)
        self._psutil: Any = None

    def __enter__(self) -> OtherPrograms:
        try:
            import psutil
        except ImportError:  # the load extra is not installed: nothing to say
            return self
        self._psutil = psutil
        try:
            self._machine = _machine(psutil)
        except (OSError, psutil.Error):
            return self
        self._started = time.monotonic()
        self._seen = self._tree()
        self._thread = threading.Thread(target=self._loop, name="other-programs", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        self._step()
        try:
            now = _machine(self._psutil)
        except (OSError, self._psutil.Error):
            return
        seconds = time.monotonic() - self._started
        cores = len(now[0])
        total = seconds * cores
        if total <= 0:
            return
        busy, steal = now[1] - self._machine[1], now[2] - self._machine[2]
        others = max(0.0, busy - self.ours) + max(0.0, steal)
        self.busy = Busy(seconds, cores, min(100.0, 100.0 * others / total),
                         min(100.0, 100.0 * max(0.0, steal) / total))

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._step()

    def _step(self) -> None:
        now = self._tree()
        ours = 0.0
        for key, (own, children, _) in now.items():
            before = self._seen.get(key, (0.0, 0.0, None))
            ours += own + children - before[0] - before[1]
        # Gone since the last look: what each was seen to use is in the children's time of the ancestor
        # that waited for it, here still, which grew by it; not where init reaped it (an orphan)
        gone: dict[_Key, float] = {}
        for key, (own, children, parent) in self._seen.items():
            if key in now:
                continue
            for _ in range(len(self._seen)):  # up the parents seen last time, to one here still
                if parent is None or parent in now:
                    break
                parent = self._seen[parent][2] if parent in self._seen else None
            if parent is not None and parent in self._seen:
                gone[parent] = gone.get(parent, 0.0) + own + children
        for parent, used in gone.items():
            ours -= min(used, max(0.0, now[parent][1] - self._seen[parent][1]))
        self.ours += ours
        self._seen = now

    def _tree(self) -> dict[_Key, tuple[float, float, _Key | None]]:
        psutil = self._psutil
        try:
            me = psutil.Process(os.getpid())
            processes = [me, *me.children(recursive=True)]
        except psutil.Error:
            return dict(self._seen)
        mine = {p.pid for p in processes}
        processes += [p for p in psutil.process_iter(["name"])
                      if p.pid not in mine and p.info.get("name") in SERVICES]
        out = {}
        parents: dict[int, int] = {}
        keys: dict[int, _Key] = {}
        for p in processes:
            try:
                t = p.cpu_times()
                key = keys[p.pid] = (p.pid, p.create_time())
                parents[p.pid] = p.ppid()
            except psutil.Error:
                continue
            out[key] = (t.user + t.system, t.children_user + t.children_system)
        return {key: (*used, keys.get(parents[key[0]])) for key, used in out.items()}


def _machine(psutil: Any) -> tuple[list[int], float, float]:
    """(the cores this process may run on, their CPU seconds spent running, their stolen seconds), of
    psutil's per-core ``cpu_times`` (guest time is inside user). Only those cores: on a machine whose
    other cores this process may not use, what runs there competes with nothing measured here."""
    per_core = psutil.cpu_times(percpu=True)
    try:
        allowed = sorted(c for c in os.sched_getaffinity(0) if c < len(per_core))
    except (AttributeError, OSError):
        allowed = []
    allowed = allowed or list(range(len(per_core)))
    busy = steal = 0.0
    for c in allowed:
        t = per_core[c]
        busy += (t.user + getattr(t, "nice", 0.0) + t.system + getattr(t, "irq", 0.0)
                 + getattr(t, "softirq", 0.0))
        steal += getattr(t, "steal", 0.0)
    return allowed, busy, steal
