"""How busy the machine was while base and head were measured (baseref.machine): real processes, one of
this run's and one outside it, each spinning for a CPU time it reports itself."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from echotune_ci.baseref.machine import BUSY_PCT, Busy, OtherPrograms

# Spins until it has had 1.5 s of CPU (at most 60 s of wall time): a 2.5-s wall-clock spin got 0.3 s of CPU
# while five other jobs shared the 2 cores, below what the measurements need to be told apart.
SPIN = ("import sys, time\nt = time.monotonic()\n"
        "while time.process_time() < 1.5 and time.monotonic() - t < 60: pass\n"
        "open(sys.argv[1], 'w').write(str(time.process_time()))\n")


# Each scenario is measured in a process of its own (the test's own process may have children of earlier
# tests: a session's app, Chromium), without the database servers counted as the run's (the other lane's
# redis-server and PostgreSQL counted 0.9 s more than the child spun in a fresh clone's CI).
HARNESS = """import json, os, subprocess, sys, time
from pathlib import Path
from echotune_ci.baseref import machine
from echotune_ci.baseref.machine import OtherPrograms
machine.SERVICES = frozenset()  # the suite's own redis-server and PostgreSQL, busy with the other lane
tmp, SPIN = Path(sys.argv[2]), sys.argv[3]
def spun(path):
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if path.is_file() and path.read_text():
            return float(path.read_text())
        time.sleep(0.1)
    raise SystemExit(f"{path} was never written")
with OtherPrograms(interval=0.2) as o:
    exec(sys.argv[1])
b = o.busy
print(json.dumps({"ours": o.ours, "others_s": b.others_pct / 100 * b.seconds * b.cores,
                  "seconds": b.seconds, "cores": b.cores, "used": used}))
"""


def measured(tmp_path: Path, scenario: str) -> dict[str, float]:
    """What OtherPrograms found around *scenario* (Python that sets ``used``, the CPU seconds its spinning
    process reported), run in a fresh process: ours, others' CPU seconds, seconds, cores and used."""
    import json

    done = subprocess.run([sys.executable, "-c", HARNESS, scenario, str(tmp_path), SPIN], capture_output=True,
                          text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    found: dict[str, float] = json.loads(done.stdout)
    assert found["used"] > 0.5, found
    return found


def test_a_child_of_the_run_is_its_own_time_and_an_orphan_is_another_programs(tmp_path: Path) -> None:
    # A child the run waits for (as Chromium waits for its renderers): its time is the run's whole, counted
    # once though it is gone by the end
    own = measured(tmp_path, "subprocess.run([sys.executable, '-c', SPIN, str(tmp / 'own')], check=True)\n"
                             "used = spun(tmp / 'own')")
    assert own["used"] * 0.9 <= own["ours"] <= own["used"] * 1.1 + 0.3, own
    assert own["cores"] >= 1 and own["seconds"] >= 1.4

    # A process this run did not start (its parent, a shell that backgrounds it, exits at once): another
    # program's, whatever else the machine runs meanwhile
    other = measured(tmp_path, "subprocess.run(['sh', '-c', f'(\"{sys.executable}\" -c \"$0\" \"$1\" &)', "
                               "SPIN, str(tmp / 'other')], check=True)\nused = spun(tmp / 'other')")
    assert other["ours"] < other["used"] * 0.3, other
    assert other["others_s"] >= other["used"] * 0.8, other


def test_the_warning_says_how_busy_and_only_from_a_quarter_of_the_machine() -> None:
    assert Busy(80.0, 2, BUSY_PCT - 0.1, 0.0).warning() == ""
    said = Busy(80.0, 2, 38.4, 12.2).warning()
    assert said.startswith("other programs used 38 % of this machine's CPU (2 cores) while base and head "
                           "were measured, 12 % of it taken by the hypervisor for other machines: ")
    assert "worth a rerun" in said
    assert "hypervisor" not in Busy(80.0, 4, 30.0, 0.4).warning()
    assert Busy(80.04, 2, 38.44, 0.0).to_dict() == {"seconds": 80.0, "cores": 2, "others_cpu_pct": 38.4,
                                                    "steal_pct": 0.0}


# A browser (a child of the run) whose zygote reaps the renderer it forked, then outlives the browser: the
# zygote is reaped by init, and what the renderer used is in no children's time of the run's processes
ZYGOTE = ("import subprocess, sys, time\n"
          "subprocess.run([sys.executable, '-c', sys.argv[1], sys.argv[2]], check=True)\n"
          "time.sleep(2.0)\n"
          "open(sys.argv[3], 'w').write('gone')\n")
BROWSER = ("import os, subprocess, sys, time\n"
           "subprocess.Popen([sys.executable, '-c', sys.argv[1], *sys.argv[2:]])\n"
           "while not os.path.exists(sys.argv[3]): time.sleep(0.05)\n"
           "time.sleep(1.0)\n"
           "os._exit(0)\n")


def test_a_renderer_reaped_by_a_zygote_that_outlives_the_browser_is_the_runs_time(tmp_path: Path) -> None:
    scenario = (f"BROWSER, ZYGOTE = {BROWSER!r}, {ZYGOTE!r}\n"
                "renderer, zygote_gone = tmp / 'renderer', tmp / 'zygote'\n"
                "subprocess.run([sys.executable, '-c', BROWSER, ZYGOTE, SPIN, str(renderer),"
                " str(zygote_gone)], check=True)\n"
                "used = spun(renderer)\n"
                "deadline = time.monotonic() + 30\n"
                "while not zygote_gone.exists() and time.monotonic() < deadline:\n"
                "    time.sleep(0.1)\n"
                "time.sleep(0.5)\n")  # the zygote, an orphan now, has exited: init reaped it
    own = measured(tmp_path, scenario)
    # It was 0: the zygote, gone, gave back all its children's time, which its parent never got
    assert own["used"] * 0.9 <= own["ours"] <= own["used"] * 1.1 + 0.5, own


def test_a_database_server_outside_the_run_is_counted_as_its_own(tmp_path: Path) -> None:
    # A real redis-server that daemonizes (init its parent, as a system's or a service container's server
    # is), busy answering the run: its CPU is the measured builds' work, not another program's.
    import shutil
    import socket

    import psutil

    from echotune_ci.serve.app import free_port

    port = free_port()
    exe = shutil.which("redis-server")
    assert exe, "redis-server is not installed: run ./scripts/bootstrap.sh"
    subprocess.run([exe, "--port", str(port), "--bind", "127.0.0.1", "--daemonize", "yes", "--save", "",
                    "--appendonly", "no", "--dir", str(tmp_path), "--pidfile", str(tmp_path / "redis.pid")],
                   check=True, capture_output=True)
    # redis-server creates its pid file before it writes the pid: an empty file was read once (a fresh CI)
    pidfile, deadline = tmp_path / "redis.pid", time.monotonic() + 10
    while not (pidfile.is_file() and pidfile.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.05)
    server = psutil.Process(int(pidfile.read_text()))
    try:
        assert server.ppid() != os.getpid() and server.name() == "redis-server"
        script = "local i = 0 while i < 100000000 do i = i + 1 end return i"
        command = f"*3\r\n$4\r\nEVAL\r\n${len(script)}\r\n{script}\r\n$1\r\n0\r\n".encode()
        before = sum(server.cpu_times()[:2])
        with OtherPrograms(interval=0.2) as own, \
                socket.create_connection(("127.0.0.1", port), timeout=60) as s:
            s.sendall(command)
            assert s.recv(64).startswith(b":100000000")
        used = sum(server.cpu_times()[:2]) - before
        assert used > 0.3, used
        assert own.ours >= used * 0.8, (used, own.ours)
    finally:
        server.terminate()
        server.wait(10)


def test_the_busy_machine_is_said_only_on_phases_whose_timings_were_tested() -> None:
    # A security-only `run --base-ref` (header scores and findings of both running apps) on a busy machine
    # said "a 'regressed' timing is worth a rerun", though it compared no timing at all.
    from echotune_ci.baseref.measure import Pair
    from echotune_ci.baseref.sidebyside import BaseOptions, SideBySide, _annotate, _busy_machine
    from echotune_ci.results import PhaseResult

    busy = Busy(60.0, 2, 45.0, 0.0)
    quiet = SideBySide()
    _busy_machine(quiet, busy, measured=True, timed=False)
    assert quiet.busy == "" and quiet.machine["others_cpu_pct"] == 45.0  # still recorded
    report = SideBySide()
    _busy_machine(report, busy, measured=True, timed=True)
    assert report.busy == busy.warning() != ""
    assert report.to_dict()["warnings"] == [busy.warning()]
    pairs = [Pair(PhaseResult(phase=p), PhaseResult(phase=p)) for p in ("security", "load")]
    results = _annotate(pairs, report, BaseOptions(ref="HEAD~1"), served=[True, True], timed=[False, True])
    assert [r.warnings for r in results] == [[], [busy.warning()]]
    nothing = SideBySide()
    _busy_machine(nothing, busy, measured=False, timed=True)  # the base's app never ran
    assert nothing.busy == "" and nothing.machine == {}


def test_the_busy_machine_is_said_on_response_times_over_a_budget_that_no_base_is_compared_with() -> None:
    # realworld-django-ninja's A/A `run --base-ref` (04ef47c against itself, other programs at 65 % of the
    # 2 cores): the gate failed on the p95 budgets of PUT /api/user and POST /auth/login/, the api phase's
    # response times, which are compared with nothing; the busy machine's warning was on the load phase only.
    from echotune_ci.baseref.machine import OVER_BUDGET
    from echotune_ci.baseref.measure import Pair
    from echotune_ci.baseref.sidebyside import (BaseOptions, SideBySide, _annotate, _busy_machine,
                                                over_budget_alone)
    from echotune_ci.results import Metric, PhaseResult

    def p95(value: float) -> Metric:
        return Metric("p95_ms", value, "ms", "lower", budget=200.0, labels={"operation": "PUT /api/user"},
                      compared=False, status="fail" if value > 200 else "pass")

    api = PhaseResult(phase="api", metrics=[p95(534.0), p95(64.0)])
    assert over_budget_alone(api) and not over_budget_alone(PhaseResult(phase="api", metrics=[p95(64.0)]))
    busy = Busy(60.0, 2, 65.0, 0.0)
    pairs = [Pair(PhaseResult(phase="security"), PhaseResult(phase="security")),
             Pair(PhaseResult(phase="load"), PhaseResult(phase="load")), Pair(api, api)]
    report = SideBySide()
    _busy_machine(report, busy, measured=True, timed=True, over=True)
    results = _annotate(pairs, report, BaseOptions(ref="HEAD~1"), served=[True] * 3,
                        timed=[False, True, False], over=[False, False, True])
    said = busy.warning(OVER_BUDGET)
    assert [r.warnings for r in results] == [[], [busy.warning()], [said]]
    assert said.endswith("and a response time over its budget (not compared with the base's: one run's "
                         "requests) is worth a rerun where nothing else runs")
    # an api-only run: nothing compared, the budget's warning alone
    alone = SideBySide()
    _busy_machine(alone, busy, measured=True, timed=False, over=True)
    assert (alone.busy, alone.busy_budget) == ("", said)
    # a quiet machine says nothing
    quiet = SideBySide()
    _busy_machine(quiet, Busy(60.0, 2, 10.0, 0.0), measured=True, timed=True, over=True)
    assert (quiet.busy, quiet.busy_budget) == ("", "")
