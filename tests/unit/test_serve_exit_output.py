"""When the app exits, its message quotes what it printed, also when a child of the app keeps the output
pipe open (no end of file) and the machine is so busy that the reader thread lags: the lifecycle test's
crashing app was quoted as "it printed: Traceback (most recent call last):" without the error line."""

from __future__ import annotations

import time

import pytest

from echotune_ci.config.sections import ServeSettings
from echotune_ci.errors import RunError
from echotune_ci.serve import app as app_module
from echotune_ci.serve.app import App


def test_the_exit_message_waits_for_a_lagging_reader(tmp_path, monkeypatch):
    real = app_module.read_into

    def lagging(stream, buffer, lock=None):
        time.sleep(1.5)  # longer than the second the message used to wait
        real(stream, buffer, lock)

    monkeypatch.setattr(app_module, "read_into", lagging)
    script = ("import subprocess, sys\n"
              "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(20)'])\n"  # holds the pipe
              "print('Traceback (most recent call last):', flush=True)\n"
              "print('ConnectionError: the database went away', flush=True)\n"
              "sys.exit(3)\n")
    (tmp_path / "app.py").write_text(script)
    import sys

    settings = ServeSettings(command=f"{sys.executable} app.py", ready_url="http://127.0.0.1:{port}/",
                             timeout=20.0)
    served = App(settings, tmp_path)
    started = time.monotonic()
    with pytest.raises(RunError) as caught:
        served.start()
    served.stop()
    assert "ConnectionError: the database went away" in str(caught.value), str(caught.value)
    assert time.monotonic() - started < 10


def test_a_stopped_app_leaves_its_output_pipe_closed(tmp_path):
    # stop() dropped the process with its stdout pipe open: one ResourceWarning per app started, and a
    # descriptor kept until the garbage collector came by
    import sys

    (tmp_path / "app.py").write_text("import http.server, os\n"
                                     "http.server.HTTPServer(('127.0.0.1', int(os.environ['PORT'])),"
                                     " http.server.SimpleHTTPRequestHandler).serve_forever()\n")
    settings = ServeSettings(command=f"{sys.executable} app.py", ready_url="http://127.0.0.1:{port}/",
                             timeout=20.0)
    served = App(settings, tmp_path).start()
    proc, reader = served.proc, served._reader
    assert proc is not None and proc.stdout is not None and reader is not None
    assert not proc.stdout.closed
    served.stop()
    reader.join(10)
    assert not reader.is_alive()
    assert proc.stdout.closed
