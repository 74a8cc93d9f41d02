"""The output folder's lock in-process: refused while held (naming the holder), free once released or
when its holder is gone, and the lock file's text never repeated raw."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from echotune_ci.errors import ConfigError
from echotune_ci.output_lock import LOCK_NAME, output_lock


def test_held_refused_released_free(tmp_path):
    with output_lock(tmp_path):
        assert (tmp_path / LOCK_NAME).read_text().split()[0] == str(os.getpid())
        with pytest.raises(ConfigError) as err, output_lock(tmp_path):
            pass
        assert err.value.exit_code == 2
        said = str(err.value)
        assert said.startswith(f"{tmp_path}: another `echotune-ci run` (pid {os.getpid()}) is writing")
    assert not (tmp_path / LOCK_NAME).exists()
    with output_lock(tmp_path):
        pass


def test_a_lock_file_of_a_dead_holder_does_not_block(tmp_path):
    # a holder that took the lock and died without removing its file
    code = ("import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT); "
            "fcntl.flock(fd, fcntl.LOCK_EX); os.write(fd, f'{os.getpid()}\\n'.encode()); os._exit(9)")
    subprocess.run([sys.executable, "-c", code, str(tmp_path / LOCK_NAME)], check=False)
    assert (tmp_path / LOCK_NAME).exists()
    with output_lock(tmp_path):
        assert (tmp_path / LOCK_NAME).read_text().split()[0] == str(os.getpid())


def test_the_holder_named_in_the_refusal_is_sanitised(tmp_path):
    code = ("import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT); "
            "fcntl.flock(fd, fcntl.LOCK_EX); os.write(fd, b'123 ::error::x\\x1b[31m\\n'); "
            "print(1, flush=True); time.sleep(30)")
    holder = subprocess.Popen([sys.executable, "-c", code, str(tmp_path / LOCK_NAME)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "1"
        with pytest.raises(ConfigError) as err, output_lock(tmp_path):
            pass
    finally:
        holder.kill()
        holder.wait()
    assert "(pid 123)" in str(err.value) and "::" not in str(err.value) and "\x1b" not in str(err.value)
