"""A load worker whose run was killed outright (SIGKILL: the runner's last word on a cancelled job, the
out-of-memory killer) stops, rather than loading both apps through every round left: the real worker
process (``python -m echotune_ci.phases.load.worker JOB.json``) on a locustfile whose users fire their
request events themselves, so no server is needed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

QUICK = '''
from locust import User, constant, task


class Quick(User):
    wait_time = constant(0.01)

    @task
    def hit(self):
        self.environment.events.request.fire(request_type="GET", name="/x", response_time=1,
                                             response_length=0, exception=None, context={})
'''


def test_a_worker_whose_run_was_killed_stops_instead_of_running_its_rounds_left(tmp_path: Path) -> None:
    """microblog's `run --base-ref`, SIGKILLed during its load rounds: its worker went on for every round
    left (still loading both apps 54 s later, and competing with the next run's timings), since each new
    round took the init process that had adopted it for its parent. Six rounds of 3 s here: the worker
    must be gone within a few seconds of its parent, with rounds left."""
    (tmp_path / "locustfile.py").write_text(QUICK, encoding="utf-8")
    (tmp_path / "art").mkdir()
    rounds = [{"label": label, "host": "http://127.0.0.1:9", "duration": 3.0, "prefix": f"{label}-r{i}",
               "artifacts": False, "warmup": False} for i in range(3) for label in ("base", "head")]
    job = {"role": "local", "artifacts_dir": str(tmp_path / "art"), "events": "",
           "out": str(tmp_path / "out.json"),
           "plan": {"locustfile": str(tmp_path / "locustfile.py"), "users": 2, "spawn_rate": 100.0,
                    "max_requests": None, "allow_hosts": ["127.0.0.1"], "request_timeout": 5.0,
                    "realtime": None},
           "rounds": rounds}
    (tmp_path / "job.json").write_text(json.dumps(job), encoding="utf-8")
    # The run: a process that starts the worker and is then killed outright.
    run = subprocess.Popen([sys.executable, "-c", "import subprocess, sys, time; "
                            "subprocess.Popen([sys.executable, '-m', 'echotune_ci.phases.load.worker', "
                            f"{str(tmp_path / 'job.json')!r}], stdout=open({str(tmp_path / 'log')!r}, 'w'), "
                            "stderr=subprocess.STDOUT); time.sleep(60)"], start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        workers: list[psutil.Process] = []
        while not workers and time.monotonic() < deadline:
            workers = psutil.Process(run.pid).children()
            time.sleep(0.05)
        [worker] = workers
        time.sleep(4)  # into its second round: the first round's own look at its parent is not enough
        os.kill(run.pid, signal.SIGKILL)
        run.wait(5)
        killed = time.monotonic()
        worker.wait(timeout=8)  # psutil.TimeoutExpired when it runs on: 14 s of rounds were left
        assert time.monotonic() - killed < 3
        stopped = [r["stopped_by"] for r in json.loads((tmp_path / "out.json").read_text())["rounds"]]
        assert stopped == ["duration", "parent-gone"]
    finally:
        for proc in psutil.Process(run.pid).children(recursive=True) if run.poll() is None else []:
            proc.kill()
        for proc in psutil.process_iter(["cmdline"]):
            if str(tmp_path / "job.json") in (proc.info["cmdline"] or []):
                proc.kill()
