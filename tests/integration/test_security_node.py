"""The node check with the real njsscan and semgrep on tests/fixtures/node-vulnerable (~30 s in all).

The expected rule ids and lines are what njsscan 1.0.2 reports on the
fixture; its README says which line is which vulnerability.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from support.node_fixture import ensure_generated

FIXTURE = ensure_generated()  # node_modules/ and dist/ are written at test time, never tracked
PREFIX = "tests/fixtures/node-vulnerable/"

EXPECTED = {
    ("server/app.js", 10, "generic_os_command_exec", "high"),   # exec('ping ' + req.query.host)
    ("server/app.js", 16, "express_xss", "high"),               # res.send('<h1>' + req.query.name)
    ("server/app.js", 20, "eval_nodejs", "high"),               # eval(req.query.expr)
    ("server/app.js", 25, "express_open_redirect", "high"),     # res.redirect(req.query.next)
    ("server/auth.js", 2, "hardcoded_jwt_secret", "high"),      # require ... jwt.sign(.., 'literal') on 16
    ("server/auth.js", 2, "node_jwt_none_algorithm", "high"),   # require ... algorithms: [.., 'none'] on 21
    ("server/auth.js", 8, "node_md5", "medium"),                # createHash('md5') of a password
    ("server/db.js", 7, "node_sqli_injection", "high"),         # 'SELECT ...' + req.query.genre
}


@pytest.fixture()
def env(cli_env):
    """No virtualenv on PATH: semgrep must be found beside the toolkit's Python."""
    env = dict(cli_env)
    venv_bin = str(Path(os.sys.executable).parent)
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p != venv_bin)
    assert shutil.which("semgrep", path=env["PATH"]) is None
    return env


def _metrics(data: dict) -> dict[str, float]:
    return {m["name"] + (f"[{m['labels']['kind']}]" if m.get("labels") else ""): m["value"]
            for m in data["metrics"]}


def test_vulnerable_fixture_from_the_command_line(tmp_path, env):
    out = tmp_path / "security.json"
    proc = run_cli("security", "tests/fixtures/node-vulnerable", "--only", "node", "-o", str(out),
                   cwd=ROOT, env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    data = json.loads(out.read_text())
    assert data["errors"] == [] and data["status"] == "fail"
    found = {(f["location"]["path"].removeprefix(PREFIX), f["location"]["line"], f["rule_id"], f["severity"])
             for f in data["findings"]}
    # exactly these: nothing from dist/, node_modules/, public/, web/src/, clean.js or the ignored line 29
    assert found == EXPECTED
    metrics = _metrics(data)
    assert metrics["node.files"] == 4 and metrics["node.ignored"] == 1
    assert metrics["node.skipped[other]"] == 1  # web/src/main.js
    assert metrics["findings.high"] == 7 and metrics["findings.medium"] == 1
    assert data["tool_versions"]["njsscan"] == "1.0.2" and data["tool_versions"]["semgrep"]
    by_rule = {f["rule_id"]: f for f in data["findings"]}
    exec_ = by_rule["generic_os_command_exec"]
    assert exec_["source_tool"] == "njsscan"
    assert exec_["message"].startswith("User controlled data in 'child_process.exec()'")
    assert exec_["help_url"] == "https://cwe.mitre.org/data/definitions/78.html"
    assert exec_["properties"]["cwe"] == 78 and exec_["properties"]["owasp_web"] == "A1: Injection"
    assert exec_["context"] == "childProcess.exec('ping -c 1 ' + req.query.host, function (err, out) {"
    assert all(f["fingerprint"].endswith(":1") for f in data["findings"])
    assert by_rule["hardcoded_jwt_secret"]["properties"]["end_line"] == 18
    assert "musicapp-signing-key-2024" not in out.read_text()


def test_the_clean_file_gives_nothing(tmp_path, env):
    out = tmp_path / "security.json"
    proc = run_cli("security", "server/clean.js", "--only", "node", "-o", str(out), cwd=FIXTURE, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(out.read_text())
    assert data["findings"] == [] and data["errors"] == []
    assert _metrics(data)["node.files"] == 1


def test_a_timeout_is_an_error_of_the_node_check_only(tmp_path, env):
    app = tmp_path / "app"
    shutil.copytree(FIXTURE / "server", app / "server")
    (app / "tool.py").write_text("import subprocess\n\n\ndef run(cmd):\n"
                                 "    return subprocess.call(cmd, shell=True)\n")
    token = "ghp_" + "Zq7Lm2Xw9Rt4Vb8Nc1Kd6Hf3Js5Pg0Ay2Ue7"  # pragma: allowlist secret
    (app / "deploy.sh").write_text(f"export GITHUB_TOKEN={token}\n")  # pragma: allowlist secret
    (app / "echotune.toml").write_text('[security]\nchecks = ["bandit", "secrets", "node"]\n\n'
                                       '[security.node]\ntimeout = "0.01s"\n')
    out = tmp_path / "security.json"
    proc = run_cli("security", "--config", str(app / "echotune.toml"), "-o", str(out), cwd=app, env=env)
    # node timed out (an error) and the token and shell=True block: a failure wins (exit 1)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    data = json.loads(out.read_text())
    assert data["status"] == "error"
    assert len(data["errors"]) == 1
    assert data["errors"][0].startswith("node: njsscan did not finish within 0.01s on 4 files")
    tools = {f["source_tool"] for f in data["findings"]}
    assert {"bandit", "secrets"} <= tools and "njsscan" not in tools
    assert token not in out.read_text()


def test_unusual_files_and_the_users_semgrep_settings_change_nothing(tmp_path, env):
    """What semgrep's Python CLI did, which its native CLI (the one the check runs) does differently unless
    told: a UTF-16 file is a skipped file and the other files' findings stand (osemgrep wrote its bytes into
    the report raw, which lost every finding); .d.ts files are scanned when named (osemgrep leaves them out,
    and the flag that keeps them made the JSX in a .js file a syntax error);
    SEMGREP_* variables of the user's environment do not reach semgrep (SEMGREP_BASELINE_COMMIT made both
    CLIs fail the scan; SEMGREP_TIMEOUT was read by one of them only)."""
    app = tmp_path / "app"
    (app / "server").mkdir(parents=True)
    (app / "types").mkdir()
    # JSX in a .js file parses unless the whole scan is told to scan unknown extensions
    (app / "server" / "app.js").write_text(
        'const express = require("express"); const app = express();\n'
        'const el = <div onClick={() => eval(req.query.a)}>{req.query.b}</div>;\n'
        'app.get("/a", (req, res) => { res.send(<b>{req.query.a}</b>); eval(req.query.a); });\n')
    (app / "server" / "legacy.js").write_bytes(
        "module.exports = function (a) { return a + 1; };\n".encode("utf-16"))
    (app / "types" / "express.d.ts").write_text('import express from "express";\n'
                                                'export declare const password = "hunter2hunter2";\n')
    (app / "echotune.toml").write_text('[security.node]\nskipped = "warn"\n')
    out = tmp_path / "security.json"
    users = dict(env, SEMGREP_BASELINE_COMMIT="HEAD", SEMGREP_TIMEOUT="1")
    proc = run_cli("security", "--only", "node", "--config", str(app / "echotune.toml"), "-o", str(out),
                   cwd=app, env=users)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    data = json.loads(out.read_text())
    found = {(f["location"]["path"], f["location"]["line"], f["rule_id"]) for f in data["findings"]}
    assert found == {("server/app.js", 3, "eval_nodejs"), ("server/app.js", 3, "express_xss"),
                     ("types/express.d.ts", 2, "node_password")}
    metrics = _metrics(data)
    assert metrics["node.files"] == 2 and metrics["node.skipped_files"] == 1
    assert any("server/legacy.js" in w for w in data["warnings"]), data["warnings"]


def test_a_server_file_over_semgreps_size_limit_is_a_skipped_file_not_a_clean_pass(tmp_path, env):
    """semgrep leaves out a file over 1,000,000 bytes (its DEFAULT_MAX_TARGET_SIZE, semgrep 1.172.0) without
    an error, even one named on its command line, and njsscan then reported it as scanned with nothing
    found: here an eval of the query string, written at the top of a 1,000,001-byte route file."""
    app = tmp_path / "app"
    (app / "server").mkdir(parents=True)
    route = 'const express = require("express");\nconst app = express();\n' \
            'app.get("/run", (req, res) => { eval(req.query.code); res.send("ok"); });\n'
    (app / "server" / "small.js").write_text(route)
    padding = "".join(f"function f{i}(a) {{ return a + {i}; }}\n" for i in range(40_000))
    big = (route + padding)[:1_000_001]
    (app / "server" / "big.js").write_text(big[: big.rindex("\n") + 1].ljust(1_000_001, "\n"))
    assert (app / "server" / "big.js").stat().st_size == 1_000_001
    out = tmp_path / "security.json"
    proc = run_cli("security", "--only", "node", "-o", str(out), str(app), cwd=app, env=env)
    # A gap is an error by default ([security.node] skipped); small.js's eval blocks: a failure wins (exit 1)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert json.loads(out.read_text())["status"] == "error"
    data = json.loads(out.read_text())
    found = {(f["location"]["path"], f["rule_id"]) for f in data["findings"]}
    assert found == {("server/small.js", "eval_nodejs")}
    metrics = _metrics(data)
    assert metrics["node.files"] == 1 and metrics["node.skipped_files"] == 1
    assert "node: not scanned: server/big.js: Too large: 1,000,001 bytes, over semgrep's limit of 1,000,000" \
        in data["notes"], data["notes"]
    assert data["errors"] == ['node: 1 server-side JS/TS files not scanned (njsscan/semgrep could not scan '
                              'them): server/big.js; fix or exclude them, or set [security.node] skipped = '
                              '"warn"']


def test_server_files_named_like_libraries_are_scanned_and_the_projects_njsscan_ignores_are_counted(tmp_path,
                                                                                                    env):
    """njsscan 1.0.2 drops files named like browser libraries (its settings.IGNORE_FILENAMES: axios.js,
    bootstrap.js, react.js, ...) before semgrep, and the check counted them as scanned; a server's own
    bootstrap.js is server code. What the project's .njsscan leaves out (its documented ignore-filenames)
    is the user's choice: not scanned, not a gap, and not counted as scanned."""
    app = tmp_path / "app"
    (app / "server").mkdir(parents=True)
    route = 'const express = require("express");\nconst app = express();\n' \
            'app.get("/run", (req, res) => { eval(req.query.code); res.send("ok"); });\n'
    for name in ("bootstrap.js", "axios.js", "legacy.js"):
        (app / "server" / name).write_text(route)
    (app / ".njsscan").write_text("---\nignore-filenames:\n  - legacy.js\n")
    out = tmp_path / "security.json"
    proc = run_cli("security", "--only", "node", "-o", str(out), str(app), cwd=app, env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr  # the two findings; nothing skipped
    data = json.loads(out.read_text())
    assert {f["location"]["path"] for f in data["findings"]} == {"server/bootstrap.js", "server/axios.js"}
    metrics = _metrics(data)
    assert metrics["node.files"] == 2 and metrics["node.skipped_files"] == 0
    assert metrics["node.skipped[njsscan-config]"] == 1
    assert data["notes"] == ["node: left out by .njsscan (ignore-paths, ignore-filenames or "
                             "ignore-extensions): server/legacy.js"]


JSON_ANSWERS = """const express = require('express');
const app = express();
app.get('/greet', (req, res) => {
  const name = req.query.name;
  res.send({ greeting: 'hi ' + name });
});
app.get('/page', (req, res) => {
  res.send('<p>' + req.query.name + '</p>');
});
app.get('/user', (req, res) => {
  const user = { name: req.query.name };
  res.send(user);
});
app.get('/list', (req, res) => {
  let items = [req.query.first];
  items += '<b>' + req.query.second;
  res.send(items);
});
module.exports = app;
"""


def test_an_object_sent_as_json_is_not_cross_site_scripting(tmp_path, env):
    """njsscan's express_xss matches res.send() of any value holding request data, where Express sends an
    object or array as JSON (semgrep-rules#3381): a JSON API's every handler was a high finding. An HTML
    string stays one, a value that became a string stays one, and so does an object the file sends as
    text/html."""
    (tmp_path / "server.js").write_text(JSON_ANSWERS)
    as_html = "const app = express();\napp.use((req, res, next) => { res.type('html'); next(); });\n"
    (tmp_path / "html.js").write_text(JSON_ANSWERS.replace("const app = express();\n", as_html))
    out = tmp_path / "security.json"
    proc = run_cli("security", ".", "--only", "node", "-o", str(out), cwd=tmp_path, env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    data = json.loads(out.read_text())
    found = sorted((f["location"]["path"], f["location"]["line"], f["rule_id"]) for f in data["findings"])
    # njsscan 1.0.2 reports the match's first line: where the request data is read
    # (/list's two lines are two matches); html.js has one line more
    assert found == [("html.js", 5, "express_xss"), ("html.js", 9, "express_xss"),
                     ("html.js", 12, "express_xss"), ("html.js", 16, "express_xss"),
                     ("html.js", 17, "express_xss"),
                     ("server.js", 8, "express_xss"), ("server.js", 15, "express_xss"),
                     ("server.js", 16, "express_xss")]
    notes = " ".join(data["notes"])
    assert "node: 2 express_xss match(es) left out: res.send() of an object or array" in notes


NULL_TESTS = """import type { APIContext } from "astro";

export function sessionOf(context: APIContext): string | null {
\tconst token = context.cookies.get("session")?.value ?? null;
\tif (token === null) {
\t\treturn null;
\t}
\treturn token;
}

export function same(hash: string, given: string): boolean {
\tif (hash === given) {
\t\treturn true;
\t}
\treturn false;
}
"""


def test_a_test_for_null_is_no_timing_attack(tmp_path, env):
    """njsscan's node_timing_attack exempts `if (x === null)` in its own pattern-not entries, yet matched
    it in TypeScript (the lucia Astro example: four `token === null` / `hash === null` tests, each a medium
    finding). The comparison of two values stays a finding."""
    (tmp_path / "src" / "lib").mkdir(parents=True)
    (tmp_path / "src" / "lib" / "session.ts").write_text(NULL_TESTS)
    out = tmp_path / "security.json"
    proc = run_cli("security", ".", "--only", "node", "-o", str(out), cwd=tmp_path, env=env)
    data = json.loads(out.read_text())
    found = sorted((f["location"]["path"], f["location"]["line"], f["rule_id"]) for f in data["findings"])
    # njsscan 1.0.2 matches both ifs; the one against null is left out
    assert found == [("src/lib/session.ts", 12, "node_timing_attack")], proc.stdout + proc.stderr
    assert "node: 1 node_timing_attack match(es) left out: a test for null" in " ".join(data["notes"])
