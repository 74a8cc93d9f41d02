"""Database query time during the load test: a real PostgreSQL (Debian's), pg_stat_statements preloaded.

The Flask example runs with DATABASE_URL (store.py): normal mode has the index on plays.track_id, regress
mode drops it, so the statement that counts a page's plays scans the whole table (1,000,000 rows) and its
mean goes over budgets.db_query_mean_ms (50 ms). Bad input: a database that cannot be reached and a server
without the extension preloaded are "not measured" (exit 3), the load figures are kept, and the password
never appears.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from conftest import MUSICAPP, musicapp_environment, start_musicapp
from echotune_ci.serve import free_port
from support.load_support import load, total, write_config
from support.postgres import PASSWORD, PostgresServer
from support.stalls import stalled

CONFIG = """
[load]
users = 10
spawn_rate = 10
duration = "5s"
wait_min = "0.05s"
wait_max = "0.1s"

[[load.endpoints]]
name = "/api/tracks"
path = "/api/tracks?q=jazz&limit=20"

[load.database]
url_env = "DATABASE_URL"
"""
# Where the database is not measured only the load result around it matters: a shorter test, whose
# exit 3 (could not measure) a p95 over the 200 ms default must not turn into 1: on a runner shared with
# another suite (load average 8) the example's p95 was 205 ms once.
SHORT = CONFIG.replace('duration = "5s"', 'duration = "2s"') + "\n[budgets]\napi_p95_ms = 5000\n"
PLAYS_STATEMENT = "SELECT track_id, count(*) FROM plays WHERE track_id = ANY($1) GROUP BY track_id"


@pytest.fixture(scope="module")
def postgres():
    server = PostgresServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def postgres_backend():
    """The example's environment with its optional PostgreSQL requirements."""
    venv = musicapp_environment()
    proc = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
                           "--disable-pip-version-check", "-r", "requirements-postgres.txt"],
                          cwd=MUSICAPP, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _app(postgres, tmp_path_factory, name: str, regress: bool):
    url = postgres.create_database(name)
    app = start_musicapp(tmp_path_factory.mktemp(f"dist-{name}"), regress=regress,
                         env={"DATABASE_URL": url, "MUSICAPP_DB_PLAYS": "1000000"})
    return app, url


@pytest.fixture(scope="module")
def pg_app(postgres, postgres_backend, tmp_path_factory):
    app, url = _app(postgres, tmp_path_factory, "musicapp_normal", regress=False)
    yield app, url
    app.stop()


@pytest.fixture(scope="module")
def pg_app_regress(postgres, postgres_backend, tmp_path_factory):
    app, url = _app(postgres, tmp_path_factory, "musicapp_regress", regress=True)
    yield app, url
    app.stop()


def _statements(result) -> dict[str, float]:
    return {m.labels["statement"]: m.value for m in result.metrics
            if m.name == "db_query_mean_ms" and "statement" in m.labels}


def test_query_time_is_measured_and_within_budget_in_normal_mode(pg_app, tmp_path, load_env):
    app, url = pg_app
    write_config(tmp_path, CONFIG)
    proc, result = load(dict(load_env, DATABASE_URL=url), tmp_path, "--host", app.base_url)
    if stalled(proc, tmp_path / "results" / "load.json"):
        proc, result = load(dict(load_env, DATABASE_URL=url), tmp_path, "--host", app.base_url,
                            output="again/load.json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    worst = total(result, "db_query_mean_ms")
    assert worst.status == "pass" and worst.budget == 50 and 0 < worst.value < 50
    statements = _statements(result)
    assert PLAYS_STATEMENT in statements and statements[PLAYS_STATEMENT] < 50
    # every search is two statements: the page of tracks and its plays
    assert total(result, "db_calls").value >= 2 * total(result, "requests").value
    assert result.tool_versions["postgresql"].startswith("15")
    assert any(n.startswith("database: ") and "pg_stat_statements" in n for n in result.notes)


def test_the_missing_index_is_named_as_the_slow_query_in_regress_mode(pg_app_regress, tmp_path, load_env):
    app, url = pg_app_regress
    write_config(tmp_path, CONFIG)
    proc, result = load(dict(load_env, DATABASE_URL=url), tmp_path, "--host", app.base_url)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    worst = total(result, "db_query_mean_ms")
    assert worst.status == "fail" and worst.value > 50
    assert PLAYS_STATEMENT in worst.description
    slowest = [n for n in result.notes if n.startswith("database: ") and " ms mean " in n]
    assert slowest and slowest[0].endswith(PLAYS_STATEMENT)
    assert "FAIL db_query_mean_ms" in proc.stdout


def test_an_unreachable_database_is_not_measured_and_exits_3(musicapp, tmp_path, load_env):
    write_config(tmp_path, SHORT)
    url = f"postgresql://echotune:{PASSWORD}@127.0.0.1:{free_port()}/musicapp"
    proc, result = load(dict(load_env, DATABASE_URL=url), tmp_path, "--host", musicapp.base_url)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    metric = total(result, "db_query_mean_ms")
    assert metric.value is None and metric.status == "error"
    assert "not measured" in metric.description and "cannot connect" in metric.description
    assert total(result, "p95_ms").value is not None  # the load measurement stands
    text = proc.stdout + proc.stderr + (tmp_path / "results" / "load.json").read_text()
    assert PASSWORD not in text and url not in text
    assert "$DATABASE_URL (127.0.0.1:" in text


def test_without_the_preloaded_extension_the_line_to_add_is_named(musicapp, tmp_path, load_env):
    bare = PostgresServer(preload=False)
    try:
        url = bare.create_database("plain")
        write_config(tmp_path, SHORT)
        proc, result = load(dict(load_env, DATABASE_URL=url), tmp_path, "--host", musicapp.base_url)
    finally:
        bare.stop()
    assert proc.returncode == 3, proc.stdout + proc.stderr
    metric = total(result, "db_query_mean_ms")
    assert metric.value is None and metric.status == "error"
    assert "add the line shared_preload_libraries = 'pg_stat_statements' to postgresql.conf" in (
        metric.description)
    assert any("pg_stat_statements is not loaded" in w for w in result.warnings)
    assert PASSWORD not in json.dumps(result.to_dict())


def test_each_build_of_a_side_by_side_run_gets_its_own_database(postgres, postgres_backend, tmp_path,
                                                                cli_env):
    """`{build}` in [serve] env is "base" for the base's app and "head" for the head's: with one
    DATABASE_URL for both, the head's schema and data reached the base's measurement (a warning said so,
    and told people to do what no setting could)."""
    from conftest import run_cli
    from support.base_ref_repo import config, make_repo

    for build in ("base", "head"):
        postgres.create_database(f"music_{build}")
    env = f'env = {{ DATABASE_URL = "{postgres.url("music_{build}")}", MUSICAPP_DB_PLAYS = "2000" }}'
    repo, app = make_repo(tmp_path, config(env=env))
    out = tmp_path / "out"
    done = run_cli("run", "--config", str(app / "echotune.toml"), "--base-ref", "HEAD", "--phase", "api",
                   "--output-dir", str(out), env=cli_env, cwd=repo, timeout=300)
    assert (out / "report" / "report.json").is_file(), done.stderr
    assert "same database" not in done.stdout + done.stderr
    # each build's app made and filled its own tables (store.py), and no database has the placeholder's name
    for build in ("base", "head"):
        assert int(postgres.psql(f"music_{build}", "SELECT count(*) FROM plays")) == 2000
    names = postgres.psql("postgres", "SELECT datname FROM pg_database").split()
    assert not [n for n in names if "{" in n or "music_{" in n], names
    assert PASSWORD not in done.stdout + done.stderr
