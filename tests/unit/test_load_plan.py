"""The load phase without locust and without an app: the rounds of a comparison, path
slots, and the failures the CLI reports before any user spawns."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from support.load_support import load

from echotune_ci.phases.load.compare import interleaved_rounds
from echotune_ci.phases.load.worker import fill_path
from echotune_ci.serve import free_port


def test_rounds_alternate_so_drift_hits_both_builds():
    rounds = interleaved_rounds("http://b", "http://h", 3, 1.0)
    assert [(r["label"], r["host"]) for r in rounds[:2]] == [("warm-up", "http://b"), ("warm-up", "http://h")]
    order = [(r["label"], r["prefix"]) for r in rounds[2:]]
    assert order == [("base", "base-r1"), ("head", "head-r1"), ("head", "head-r2"), ("base", "base-r2"),
                     ("base", "base-r3"), ("head", "head-r3")]


def test_a_later_pass_numbers_its_rounds_after_the_first_ones():
    # run --base-ref adding 2 rounds per build after 5: its artifacts must not overwrite base-r1 ...
    rounds = interleaved_rounds("http://b", "http://h", 2, 1.0, first=6)
    assert [r["prefix"] for r in rounds if r["label"] != "warm-up"] == ["base-r6", "head-r6", "head-r7",
                                                                        "base-r7"]


def test_int_slots_fill_paths():
    paths = {fill_path("/api/tracks/{int:1-3}?page={int:7-7}") for _ in range(200)}
    assert paths == {"/api/tracks/1?page=7", "/api/tracks/2?page=7", "/api/tracks/3?page=7"}
    assert fill_path("/plain") == "/plain"


def test_unreachable_target_is_exit_3_before_any_user(tmp_path, load_env):
    url = f"http://127.0.0.1:{free_port()}"
    proc, result = load(load_env, tmp_path, "--host", url, "--duration", "5s")
    assert proc.returncode == 3 and result is None
    assert proc.stderr.startswith(f"echotune-ci: error: {url}: the load target cannot be reached (")
    assert "Connection refused" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "results" / "artifacts").exists()  # no locust process was started


def test_allow_host_opens_another_host(tmp_path, load_env):
    # 127.0.0.2 is loopback too, but not allowed by default; allowed, it fails only as unreachable.
    url = f"http://127.0.0.2:{free_port()}"
    proc, _ = load(load_env, tmp_path, "--host", url, "--allow-host", "127.0.0.*", "--duration", "1s")
    assert proc.returncode == 3 and "cannot be reached" in proc.stderr


def test_worker_without_a_master_gives_up_with_exit_3(tmp_path, load_env):
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "echotune-ci"), "load", "--worker", "--master-host", "127.0.0.1",
         "--master-port", str(free_port()), "--expect-timeout", "1s"],
        env=load_env, cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 3
    assert "cannot reach the locust master within 1s" in proc.stderr and "Traceback" not in proc.stderr
