"""`run` refuses a [frontend.login] whose credential variables are unset before it sets up, builds or
starts anything. The trial of passport/todos-express-password under `run --base-ref` said "[frontend.login]:
environment variable ECHOTUNE_LOGIN_USERNAME is not set" only when the frontend phase logged in: after
both builds had started and the security phase had run (20 s there; four minutes more where the head's
and the base's `npm install` compile sqlite3)."""

from __future__ import annotations

from conftest import run_cli

CONFIG = """[serve]
build = "touch built"
command = "touch started && sleep 30"
ready_url = "http://127.0.0.1:{port}/"

[run]
phases = ["frontend"]

[[frontend.pages]]
path = "/"

[frontend.login]
path = "/login"
"""


def test_unset_login_variables_stop_the_run_before_anything_starts(tmp_path, cli_env):
    (tmp_path / "echotune.toml").write_text(CONFIG)
    env = {k: v for k, v in cli_env.items() if not k.startswith("ECHOTUNE_LOGIN_")}
    proc = run_cli("run", "--output-dir", "out", cwd=tmp_path, env=env, timeout=60)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.strip() == ("echotune-ci: error: [frontend.login]: environment variable "
                                   "ECHOTUNE_LOGIN_USERNAME is not set (it holds the login credentials)")
    assert not (tmp_path / "built").exists() and not (tmp_path / "started").exists()
    # an empty password is as unset: the phase would type nothing into the form
    env.update(ECHOTUNE_LOGIN_USERNAME="alice", ECHOTUNE_LOGIN_PASSWORD="")
    proc = run_cli("run", "--output-dir", "out", cwd=tmp_path, env=env, timeout=60)
    assert proc.returncode == 2 and "ECHOTUNE_LOGIN_PASSWORD is not set" in proc.stderr
    assert not (tmp_path / "built").exists() and not (tmp_path / "started").exists()
