"""The "setup was skipped" hint goes with a start that may lack what setup installs, not with every one."""

from __future__ import annotations

import sys

import pytest

from support.hostile import assert_one_line_error, cli

HINT = "setup was skipped because its inputs did not change: `run --force-setup` runs it again"
# A steady 404 on the ready URL: the app runs, so nothing setup installs is missing.
SERVES_404 = f"{sys.executable} -m http.server {{port}} --bind 127.0.0.1"
EXITS = f"{sys.executable} -c 'raise SystemExit(4)'"


def _config(command: str) -> str:
    return (f'[serve]\nsetup = "true"\ncommand = "{command}"\nready_url = "http://127.0.0.1:{{port}}/no-such-page"\n'
            f'timeout = "20s"\n\n[run]\nphases = ["load"]\n')


@pytest.mark.parametrize(("command", "said", "hinted"), [
    (EXITS, "serve command exited with code 4 before", True),
    (SERVES_404, "answers HTTP 404", False),
])
def test_the_hint_only_when_the_app_exited(tmp_path, monkeypatch, capsys, command, said, hinted):
    for name in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ACTIONS", "ECHOTUNE_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "echotune.toml").write_text(_config(command))
    monkeypatch.chdir(tmp_path)
    code, _, err = cli(capsys, "run", "-o", "first")  # setup runs (and is stamped), the start fails
    assert_one_line_error(code, err, 3, said)
    assert HINT not in err
    code, _, err = cli(capsys, "run", "-o", "second")  # setup is skipped this time
    assert_one_line_error(code, err, 3, said)
    assert (HINT in err) is hinted
