"""Whether `run` starts the app: only for a phase that measures it, or security's checks of the running
app. `run --phase bundle` measures the build: it builds and does not start (a server that takes seconds to
be ready, or a port another process holds, cost a bundle-only run its time or its result)."""

from __future__ import annotations

from pathlib import Path

import pytest

from echotune_ci.config import load_config
from echotune_ci.runner import ServeOptions, _must_start, phase_list

SERVE = '[serve]\nbuild = "python build.py"\ncommand = "python app.py --port {port}"\n' \
        'ready_url = "http://127.0.0.1:{port}/health"\n'


@pytest.mark.parametrize(("phases", "serve", "url", "starts"), [
    (("bundle",), SERVE, None, False),
    (("bundle", "security"), SERVE, None, True),  # header checks and auth probes of the running app
    (("security",), "", None, False),  # nothing to start
    (("bundle", "load"), SERVE, None, True),
    (("frontend",), SERVE, "http://127.0.0.1:9", False),  # --url: an app already running
])
def test_run_starts_the_app_only_for_a_phase_that_uses_it(tmp_path: Path, phases, serve, url, starts):
    (tmp_path / "echotune.toml").write_text(serve + '\n[run]\nphases = ["bundle"]\n')
    cfg = load_config(tmp_path / "echotune.toml")
    assert _must_start(cfg, phase_list(cfg, phases), ServeOptions(url=url)) is starts
