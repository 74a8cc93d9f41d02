"""Children that a test interrupts the way a terminal or GitHub Actions does."""

from __future__ import annotations

import signal


def sigint_as_in_a_terminal() -> None:
    """Run in the child before it starts (``Popen(preexec_fn=...)``): SIGINT at its default, as a
    terminal's foreground job has it.

    A suite started in the background (``cmd &`` in a script, nohup, a CI agent that detaches its
    jobs) ignores SIGINT and SIGQUIT, and an ignored signal is inherited; Python then leaves SIGINT
    ignored, so the test's Ctrl-C never reached ``run``: its 60 s load test went on (communicate(timeout=30)
    expired), or the app was never asked to stop (``pids.json`` showed ``SigIgn: ...1007``).
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
