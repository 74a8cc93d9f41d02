"""An app that exits because it cannot reach its database (a MERN app without MongoDB: mongoose.connect, then
process.exit(1)) is quoted with what to do: which database, the variable the code reads, whether the run
set it; and a client that retries another service ten times no longer hides the line that said why."""

from __future__ import annotations

import textwrap
import time

import pytest

from echotune_ci.config.sections import ServeSettings
from echotune_ci.errors import RunError
from echotune_ci.serve.app import App
from echotune_ci.serve.output import important_lines
from echotune_ci.serve.services import database_hint, unreachable

RETRY = "[cache] Unhandled error event: Error: connect ECONNREFUSED 127.0.0.1:6379"
EXIT = "Error connecting to the store connect ECONNREFUSED 127.0.0.1:27017"

# A tiny server in the shape of a mongoose app: it listens, then connects to the database its variable
# names (a real TCP connection) and exits when it cannot; without the variable it exits at once, with
# mongoose's own words. A cache client retries meanwhile, as ioredis does.
SERVER = textwrap.dedent("""\
    const http = require("http");
    const net = require("net");
    const db = require("./lib/db");
    for (let i = 0; i < 10; i++) console.log("RETRY");
    if (!process.env.STORE_MONGO_URI) {
      console.log("Error connecting to MONGODB The `uri` parameter to `openUri()` must be a string, " +
                  'got "undefined".');
      process.exit(1);
    }
    db.connect(process.env.STORE_MONGO_URI, () => process.exit(1));
    http.createServer((req, res) => res.end("ok")).listen(process.env.PORT);
    """).replace("RETRY", RETRY)
DB = textwrap.dedent("""\
    const net = require("net");
    exports.connect = (uri, fail) => {
      const url = new URL(uri);
      const socket = net.connect(Number(url.port), url.hostname);
      // mongoose gives up after its server selection timeout (30 s): GIVE_UP_MS here
      socket.on("error", (err) => setTimeout(() => {
        console.log("Error connecting to MONGODB", err.message);
        fail();
      }, Number(process.env.GIVE_UP_MS || 0)));
    };
    // read here too, as a connection module does: process.env.STORE_MONGO_URI
    """)


def _project(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "server.js").write_text(SERVER)
    (tmp_path / "lib" / "db.js").write_text(DB)
    (tmp_path / "package.json").write_text('{"name": "shop", "dependencies": {"mongoose": "^8.0.0"}}\n')
    return tmp_path


def _closed_port() -> int:
    from echotune_ci.serve.app import free_port

    return free_port()  # nothing listens there once the probe socket is closed


def test_repeated_lines_are_quoted_once_with_their_count():
    lines = [RETRY] * 10 + [EXIT]
    shown = important_lines(lines)
    assert shown == [f"{RETRY} (10 times)", EXIT]


def test_the_last_failed_connection_names_the_database():
    assert unreachable([RETRY] * 3 + [EXIT]) == "mongo"
    assert unreachable([EXIT, RETRY]) == "redis"
    assert unreachable(['connection to server at "127.0.0.1", port 5432 failed: Connection refused']) \
        == "postgres"
    assert unreachable(["The `uri` parameter to `openUri()` must be a string, got \"undefined\""]) == "mongo"
    assert unreachable(["listening on 5432 users"]) is None
    # the server answered: a wrong password is no database to start
    assert unreachable(['connection to server at "127.0.0.1", port 5432 failed: FATAL:  password '
                        'authentication failed for user "app"']) is None
    assert unreachable(["TypeError: x is not a function"]) is None


def test_the_hint_names_the_variable_the_code_reads(tmp_path):
    folder = _project(tmp_path)
    unset = database_hint([EXIT], {}, folder)
    assert unset == ("; it could not reach MongoDB: nothing sets STORE_MONGO_URI (read in server.js): start "
                     "MongoDB and set STORE_MONGO_URI in [serve] env to its URL "
                     "(mongodb://127.0.0.1:27017/<database>)")
    given = database_hint([EXIT], {"STORE_MONGO_URI": "mongodb://shop:s3cret@127.0.0.1:27017/shop"}, folder)
    assert given == ("; it could not reach MongoDB at STORE_MONGO_URI (127.0.0.1:27017): start MongoDB "
                     "there, or point STORE_MONGO_URI in [serve] env at one that runs")
    assert "s3cret" not in given
    assert database_hint(["TypeError: x is not a function"], {}, folder) == ""


def test_an_app_without_its_database_says_what_to_do(tmp_path):
    folder = _project(tmp_path)
    settings = ServeSettings(command="node server.js", ready_url="http://127.0.0.1:{port}/", timeout=20.0)
    served = App(settings, folder)
    with pytest.raises(RunError) as caught:
        served.start()
    served.stop()
    said = str(caught.value)
    assert said.startswith("serve command exited with code 1 before")
    assert f"{RETRY} (10 times)" in said and said.count(RETRY) == 1
    assert said.endswith("; it could not reach MongoDB: nothing sets STORE_MONGO_URI (read in server.js): "
                         "start MongoDB and set STORE_MONGO_URI in [serve] env to its URL "
                         "(mongodb://127.0.0.1:27017/<database>)"), said


def test_an_app_that_exits_later_for_its_database_says_so(tmp_path):
    folder = _project(tmp_path)
    port = _closed_port()
    settings = ServeSettings(command="node server.js", ready_url="http://127.0.0.1:{port}/", timeout=20.0,
                             env={"STORE_MONGO_URI": f"mongodb://127.0.0.1:{port}/shop"})
    served = App(settings, folder)
    try:
        served.start()
    except RunError as exc:  # it exited before it answered: the same hint
        said = str(exc)
    else:
        deadline = time.monotonic() + 10
        while served.exit_code() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        code = served.exit_code()
        assert code == 1
        said = served.exit_message(code, "during the load phase")
    finally:
        served.stop()
    assert f"connect ECONNREFUSED 127.0.0.1:{port}" in said
    assert f"; it could not reach MongoDB at STORE_MONGO_URI (127.0.0.1:{port})" in said, said


def test_an_app_that_exits_after_it_was_measured_is_said(tmp_path):
    """It answered "/" through the load test, then gave up on its database and exited during the bundle
    phase: the run said "pass" of an app that cannot serve. The phases that measured it get a warning."""
    from echotune_ci.phases.registry import get_phase
    from echotune_ci.results.model import PhaseResult
    from echotune_ci.runner import exited_after

    folder = _project(tmp_path)
    port = _closed_port()
    settings = ServeSettings(command="node server.js", ready_url="http://127.0.0.1:{port}/", timeout=20.0,
                             env={"STORE_MONGO_URI": f"mongodb://127.0.0.1:{port}/shop",
                                  "GIVE_UP_MS": "1500"})
    served = App(settings, folder)
    phases = [get_phase("load"), get_phase("bundle")]
    results = [PhaseResult(phase="load", status="pass"), PhaseResult(phase="bundle", status="pass")]
    try:
        served.start()
    except RunError:
        pytest.fail("the fixture exits before it answers: no port left to test the later exit")
    try:
        assert exited_after(results, phases, served) == results  # still running: nothing to say
        deadline = time.monotonic() + 10
        while served.exit_code() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        said = exited_after(results, phases, served)
        pid = served.pid
        # an exit a phase's result already tells of is not said again
        told = [PhaseResult(phase="load", status="error", errors=[f"the app (pid {pid}) exited ..."])]
        assert exited_after(told, phases[:1], served) == told
    finally:
        served.stop()
    [warning] = said[0].warnings
    assert warning.startswith(f"the app (pid {pid}) exited with code 1 after it was measured, before "
                              "the run stopped it; it printed: ")
    assert f"it could not reach MongoDB at STORE_MONGO_URI (127.0.0.1:{port})" in warning
    assert said[0].status == "warn"  # was "pass": the gate says so, with this warning
    assert said[1].warnings == [] and said[1].status == "pass"  # the bundle reads the build
