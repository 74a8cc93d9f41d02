"""The node check without semgrep: which files are server code, njsscan's results as findings, errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from echotune_ci.config.schema import override
from echotune_ci.errors import RunError
from echotune_ci.phases.base import PhaseContext
from echotune_ci.phases.security.checks import node
from echotune_ci.phases.security.checks.base import CheckError
from echotune_ci.phases.security.settings import NodeSettings, SecuritySettings

from conftest import ROOT
from support.node_fixture import ensure_generated

FIXTURE = ensure_generated()  # node_modules/ and dist/ are written at test time, never tracked
DIRS = NodeSettings().server_dirs


@pytest.mark.parametrize("rel, text, kind", [
    ("index.js", "const express = require('express');\n", "server"),
    ("src/server.ts", "import Fastify from 'fastify';\n", "server"),
    ("app.mjs", "import { readFile } from 'node:fs/promises';\n", "server"),
    ("jobs/run.js", "const { exec } = require(\"child_process\");\n", "server"),
    ("web/src/ssr.jsx", "import { renderToString } from 'react-dom/server';\n", "server"),
    ("server/util.js", "export const add = (a, b) => a + b;\n", "server"),
    ("src/lib/format.ts", "export const money = (n: number) => n.toFixed(2);\n", "server"),
    ("src/lib/Button.tsx", "export const B = () => null;\n", "client"),
    ("server/views/Page.js", "import React from 'react';\n", "client"),
    # a browser framework's store or router, imported alone (Vue 3's vuex, Redux Toolkit)
    ("src/store/index.js", "import { createStore } from 'vuex';\nexport default createStore({});\n",
     "client"),
    ("src/store.ts", "import { configureStore } from '@reduxjs/toolkit';\n", "client"),
    ("src/router.js", "import { createRouter } from 'vue-router';\n", "client"),
    ("web/src/main.js", "document.body.innerHTML = location.hash;\n", "other"),
    ("web/src/api.js", "export const get = (u) => fetch(u);\n", "other"),
    ("server/app.js", "var a=1;\n//# sourceMappingURL=app.js.map\n", "generated"),
    ("lib/chunk.js", "x" * 6000, "generated"),
    ("api/w.js", "(()=>{var __webpack_require__={};})();\n", "generated"),
])
def test_what_is_server_code(rel, text, kind):
    assert node.classify(rel, text, DIRS) == kind


def test_imports_are_read_in_every_form():
    text = ("import a from 'express';\nimport 'dotenv/config';\nconst b = require( \"pg\" );\n"
            "export { c } from '@hapi/hapi/lib';\nconst d = await import('node:http');\n"
            "import './local.js';\n")
    assert node.imports(text) == {"express", "dotenv", "pg", "@hapi/hapi", "node:http"}


def test_the_fixture_selection_leaves_out_bundles_dependencies_and_browser_code():
    sel = node.select_files(ROOT, [FIXTURE], NodeSettings())
    rel = sorted(p.relative_to(FIXTURE).as_posix() for p in sel.server)
    assert rel == ["server/app.js", "server/auth.js", "server/clean.js", "server/db.js"]
    assert [p.relative_to(FIXTURE).as_posix() for p in sel.skipped["other"]] == ["web/src/main.js"]
    # a file named on its own is matched by its repo-relative path: under tests/, excluded
    assert node.select_files(ROOT, [FIXTURE / "server" / "db.js"], NodeSettings()).server == []
    # the same file under a folder that is not excluded is scanned
    sel = node.select_files(FIXTURE, [FIXTURE / "server" / "db.js"], NodeSettings())
    assert sel.server == [FIXTURE / "server" / "db.js"]


def _match(path: Path, start: int, end: int, col: int = 3) -> dict:
    return {"file_path": str(path), "match_lines": [start, end], "match_position": [col, 40],
            "match_string": "requires login"}


def test_njsscan_results_become_findings(tmp_path):
    src = tmp_path / "server" / "auth.js"
    src.parent.mkdir()
    src.write_text("const jwt = require('jsonwebtoken');\nconst KEY = 'abcdefghijklmnopqrstuvwx';\n"
                   "jwt.sign({}, KEY);\n")
    results = {
        "hardcoded_jwt_secret": {"files": [_match(src, 1, 3, 1)], "metadata": {
            "cwe": "CWE-798: Use of Hard-coded Credentials", "owasp-web": "A3: Sensitive Data Exposure",
            "description": "Hardcoded JWT secret was found.", "severity": "ERROR"}},
        "node_secret": {"files": [_match(src, 2, 2, 1)], "metadata": {
            "cwe": "CWE-798: Use of Hard-coded Credentials", "severity": "INFO",
            "description": "A hardcoded secret. More info: https://example.org/secrets."}},
        "regex_dos": {"files": [_match(src, 3, 3)], "metadata": {"severity": "WARNING",
                                                                  "description": "x " * 200}},
    }
    found = {f.rule_id: f for f in node.to_findings(results, tmp_path)[0]}
    jwt = found["hardcoded_jwt_secret"]
    assert (jwt.severity, jwt.source_tool, jwt.location.path, jwt.location.line) == (
        "high", "njsscan", "server/auth.js", 1)
    assert jwt.message == "Hardcoded JWT secret was found. (CWE-798; lines 1-3)"
    assert jwt.help_url == "https://cwe.mitre.org/data/definitions/798.html"
    assert jwt.context == "const jwt = require('jsonwebtoken');"  # a module name is not masked
    assert jwt.properties["cwe"] == 798 and jwt.properties["owasp_web"] == "A3: Sensitive Data Exposure"
    assert jwt.properties["end_line"] == 3 and jwt.properties["njsscan_severity"] == "ERROR"
    secret = found["node_secret"]
    assert secret.severity == "low" and secret.help_url == "https://example.org/secrets"
    assert "abcdefghijklmnop" not in secret.context and "(24 chars)" in secret.context
    long = found["regex_dos"]
    assert long.severity == "medium" and len(long.message) <= 241 and long.help_url is None


def test_semgrep_errors_are_skipped_files_or_a_failure(tmp_path):
    skipped, failures = node.scan_errors([
        {"code": 3, "level": "warn", "type": "Syntax error", "path": str(tmp_path / "a.js"),
         "message": "Syntax error at line a.js:1:\n `((` was unexpected"},
        {"code": 2, "level": "error", "type": "SemgrepError", "message": "Invalid scanning root: x.js"},
        "semgrep not found. Install with: pip install semgrep",
    ], tmp_path)
    assert skipped == [("a.js", "Syntax error: Syntax error at line a.js:1: `((` was unexpected")]
    assert failures == ["Invalid scanning root: x.js", "semgrep not found. Install with: pip install semgrep"]


def _ctx(root: Path) -> PhaseContext:
    return PhaseContext(artifacts_dir=root / "artifacts", base_dir=root, root=root)


def test_no_server_code_passes_with_a_note_without_njsscan(tmp_path, monkeypatch):
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "main.jsx").write_text("import React from 'react';\n")
    monkeypatch.setattr(node.importlib.util, "find_spec", lambda name: None)
    out = node.CHECK.run(SecuritySettings(), _ctx(tmp_path))
    assert out.findings == [] and out.tool_versions == {}
    assert out.notes == ["node: no server-side JavaScript/TypeScript found; njsscan not run"]
    assert {(m.name, m.labels.get("kind"), m.value) for m in out.metrics} == {
        ("node.skipped", "client", 1), ("node.files", None, 0)}


def test_missing_njsscan_is_a_run_error_with_the_install_hint(tmp_path, monkeypatch):
    (tmp_path / "server.js").write_text("require('express')\n")
    monkeypatch.setattr(node.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(RunError, match=r"^njsscan is not installed: pip install 'echotune-ci\[security\]'$"):
        node.CHECK.run(SecuritySettings(), _ctx(tmp_path))


def test_command_line_paths_target_the_node_check_too():
    from echotune_ci.phases.security.phase import settings_for_command

    settings = settings_for_command(SecuritySettings(), paths=["src"])
    assert settings.checks == ("bandit", "secrets", "node")
    assert settings.node.paths == (str(Path("src").absolute()),)
    assert override(SecuritySettings(), **{"node.timeout": 0.01}).node.timeout == 0.01


FAKE_SEMGREP = """\
import json, os, signal, sys
args = sys.argv[1:]
if "die" in args or ("die-split" in args and "--scan-unknown-extensions" in args):
    os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer would: no output at all
if "report" in args:  # a report holding a byte that is not UTF-8, as osemgrep writes a Latin-1 file's
    sys.stdout.buffer.write(b'{"results": [{"extra": {"lines": "caf\\xe9"}}]}')
    sys.exit(1)
targets = args[args.index("--") + 1:] if "--" in args else []
print(json.dumps({"results": [{"argv": args}], "errors": [], "paths": {"scanned": targets}}))
"""


def _program(path: Path, body: str) -> Path:
    """*path* made a Python program running *body*."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!{sys.executable}\n{body}", encoding="utf-8")
    path.chmod(0o755)
    return path


def _fake_semgrep(folder: Path) -> Path:
    """A stand-in for the semgrep program: reports the arguments it got as its one result."""
    return _program(folder / "sem grep's", FAKE_SEMGREP)


def _semgrep_of_the_check(monkeypatch, program: Path) -> None:
    """The node check (its real njsscan child) finds *program* as semgrep."""
    monkeypatch.setattr(node.shutil, "which", lambda name, path=None: str(program))
    monkeypatch.setattr(node, "tool_versions", lambda: {"njsscan": "1.0.2", "semgrep": program.name})


def _wrapped(tmp_path: Path, *args: str, **env_vars: str) -> subprocess.CompletedProcess[bytes]:
    folder = node.native_semgrep(tmp_path / "bin", _fake_semgrep(tmp_path / "real dir"))
    env = dict(os.environ, PYTHONPATH=str(ROOT), **env_vars)
    return subprocess.run([str(folder / "semgrep"), *args], capture_output=True, env=env, check=False)


def _runs(done: subprocess.CompletedProcess[bytes]) -> list[list[str]]:
    assert done.returncode == 0, done.stderr
    return [r["argv"] for r in json.loads(done.stdout)["results"]]


def test_the_wrapper_runs_scans_in_semgreps_native_cli_and_passes_the_rest_through(tmp_path):
    scan = ["scan", "--json", "--config", "/rules", "--", "--output=x.js", "a b.js"]
    assert _runs(_wrapped(tmp_path, *scan)) == [
        ["scan", "--experimental", "--json", "--config", "/rules", "--", "--output=x.js", "a b.js"]]
    assert _runs(_wrapped(tmp_path, "--version")) == [["--version"]]


@pytest.mark.parametrize("name", ["types/express.d.ts", "server/app.min.js"])
def test_a_file_osemgrep_would_leave_out_is_scanned_apart_with_the_flag_that_keeps_it(tmp_path, name):
    done = _wrapped(tmp_path, "scan", "--json", "--", "server/app.js", name)
    assert _runs(done) == [["scan", "--experimental", "--json", "--", "server/app.js"],
                           ["scan", "--experimental", "--scan-unknown-extensions", "--json", "--", name]]
    assert json.loads(done.stdout)["paths"]["scanned"] == ["server/app.js", name]
    alone = _wrapped(tmp_path, "scan", "--json", "--", name)
    assert _runs(alone) == [["scan", "--experimental", "--scan-unknown-extensions", "--json", "--", name]]


def test_a_report_with_bytes_that_are_not_utf8_is_written_again_in_ascii(tmp_path):
    done = _wrapped(tmp_path, "scan", "report", "--json")
    assert done.returncode == 1  # semgrep's own status
    assert done.stdout.decode("ascii") == '{"results": [{"extra": {"lines": "caf\\udce9"}}]}'
    assert node.ascii_report(b"not json \xff") == b"not json \xff"
    assert node.shown("caf\udce9.js") == "caf\ufffd.js"


def test_the_childs_path_finds_the_wrapper_before_the_real_semgrep(tmp_path, monkeypatch):
    monkeypatch.setenv("SEMGREP_TIMEOUT", "60")
    monkeypatch.setenv("SEMGREP_APP_TOKEN", "not-for-the-child")
    env = node._tool_env(tmp_path)
    assert "SEMGREP_TIMEOUT" not in env and "SEMGREP_APP_TOKEN" not in env
    assert env["SEMGREP_SEND_METRICS"] == "off"
    first = Path(env["PATH"].split(os.pathsep)[0])
    assert first == tmp_path / "bin"
    text = (first / "semgrep").read_text(encoding="utf-8")
    real = shutil.which("semgrep", path=os.pathsep.join(env["PATH"].split(os.pathsep)[1:]))
    assert real is not None and real in text and "semgrep_main" in text


def test_a_named_file_the_report_neither_scanned_nor_erred_on_becomes_an_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with open("big.js", "wb") as f:  # sparse: one byte over semgrep's default --max-target-bytes
        f.truncate(1_000_001)
    Path("quiet.js").write_text("x\n")
    Path("broken.js").write_text("(\n")
    report = {"results": [], "errors": [{"type": "Syntax error", "path": "broken.js", "level": "warn"}],
              "paths": {"scanned": [str(tmp_path / "ok.js")]}}
    targets = ["./ok.js", "big.js", "quiet.js", "broken.js", "big.js"]
    merged = json.loads(node.ascii_report(json.dumps(report).encode(), targets=targets))
    assert merged["errors"][1:] == [
        {"type": "Too large", "level": "warn", "path": "big.js",
         "message": "1,000,001 bytes, over semgrep's limit of 1,000,000"},
        {"type": "Left out", "level": "warn", "path": "quiet.js", "message": "semgrep did not scan it"}]
    # A report that does not list what it scanned (semgrep failed) is left as it is.
    failed = json.dumps({"results": [], "errors": [{"level": "error", "message": "bad rules"}]}).encode()
    assert json.loads(node.ascii_report(failed, targets=targets)) == json.loads(failed)


def test_a_semgrep_run_killed_without_a_report_is_a_failure_not_a_clean_scan(tmp_path):
    done = _wrapped(tmp_path, "scan", "--json", "die", "--", "a.js")
    assert done.returncode == 128 + 9
    report = json.loads(done.stdout)
    assert report["results"] == []
    assert report["errors"] == [
        {"level": "error", "type": "SemgrepFailed",
         "message": "semgrep was killed by signal 9 without a report"},
        {"type": "Left out", "level": "warn", "path": "a.js", "message": "semgrep did not scan it"}]
    # The run for .d.ts files dies; the other run's report still counts.
    split = _wrapped(tmp_path, "scan", "--json", "die-split", "--", "a.js", "t.d.ts")
    report = json.loads(split.stdout)
    assert [r["argv"] for r in report["results"]] == [["scan", "--experimental", "--json", "die-split", "--",
                                                       "a.js"]]
    assert [(e["type"], e.get("path")) for e in report["errors"]] == [("SemgrepFailed", None),
                                                                     ("Left out", "t.d.ts")]
    assert split.returncode == 137


def test_the_wrapper_records_the_files_each_scan_named(tmp_path):
    record = tmp_path / "targets.jsonl"
    _wrapped(tmp_path, "scan", "--json", "--", "a.js", "t.d.ts", **{node.TARGETS_VAR: str(record)})
    _wrapped(tmp_path, "--version", **{node.TARGETS_VAR: str(record)})  # not a scan: nothing recorded
    assert [json.loads(line) for line in record.read_text().splitlines()] == [["a.js", "t.d.ts"]]


def test_njsscan_with_a_semgrep_that_is_killed_is_an_error_of_the_check(tmp_path, monkeypatch):
    # The real njsscan and libsast, with a semgrep that the kernel kills (no output, as the OOM killer
    # leaves it): libsast reads that as a scan that found nothing; the check must not.
    (tmp_path / "server").mkdir()
    (tmp_path / "server" / "app.js").write_text('const express = require("express");\n'
                                                'eval(process.argv[2]);\n')
    _semgrep_of_the_check(monkeypatch, _program(tmp_path / "bin" / "semgrep-killed",
                                                "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n"))
    with pytest.raises(CheckError, match="^njsscan/semgrep failed: semgrep was killed by signal 9 without "
                                         "a report$") as raised:
        node.CHECK.run(SecuritySettings(), _ctx(tmp_path))
    metrics = {(m.name, m.labels.get("kind")): m.value for m in raised.value.output.metrics}
    assert metrics[("node.files", None)] == 0 and metrics[("node.skipped_files", None)] == 1
    assert raised.value.output.notes == [
        "node: not scanned: server/app.js: Left out: semgrep did not scan it"]


def test_only_what_the_projects_njsscan_ignores_is_left_out_without_a_gap(tmp_path, monkeypatch):
    # The real njsscan and libsast, with a semgrep that scans whatever it is given and finds nothing.
    # libsast filters files by suffix, and a file named just ".js" has none (Path(".js").suffix == ""):
    # it never reaches semgrep and no .njsscan rule says why, so it is a gap; other.js is the user's choice.
    (tmp_path / "server").mkdir()
    for name in ("app.js", ".js", "other.js"):
        (tmp_path / "server" / name).write_text('const express = require("express");\n')
    (tmp_path / ".njsscan").write_text("---\nignore-filenames:\n  - other.js\n")
    _semgrep_of_the_check(monkeypatch, _program(
        tmp_path / "bin" / "semgrep-clean",
        "import json, sys\nargs = sys.argv[1:]\nscanned = args[args.index('--') + 1:]\n"
        "print(json.dumps({'results': [], 'errors': [], 'paths': {'scanned': scanned}}))\n"))
    out = node.CHECK.run(SecuritySettings(node=NodeSettings(skipped="warn")), _ctx(tmp_path))
    metrics = {(m.name, m.labels.get("kind")): m.value for m in out.metrics}
    assert metrics[("node.files", None)] == 1 and metrics[("node.skipped_files", None)] == 1
    assert metrics[("node.skipped", "njsscan-config")] == 1
    assert out.notes == ["node: not scanned: server/.js: Left out: njsscan did not pass it to semgrep",
                         "node: left out by .njsscan (ignore-paths, ignore-filenames or ignore-extensions): "
                         "server/other.js"]


def test_a_virtual_environment_setup_made_is_no_project_code(tmp_path):
    """SmartDjangoRest: [serve] setup made .venv, which the project's .gitignore (env/ only) does not
    list; the node check took Django's admin templates' .js in site-packages for server code it could not
    scan, an error (exit 3), and the other scans read them too. A folder holding pyvenv.cfg (PEP 405) is
    left out, in a git work tree and outside one, under any name."""
    import subprocess

    from echotune_ci.phases.security.files import collect_files

    (tmp_path / ".gitignore").write_text("env/\n")
    (tmp_path / "server.js").write_text("require('express');\n")
    for venv in (".venv", "pyenv-3.11"):
        site = tmp_path / venv / "lib" / "python3.11" / "site-packages" / "django" / "gis"
        site.mkdir(parents=True)
        (tmp_path / venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
        (site / "openlayers.js").write_text("var map = new OpenLayers.Map();\n")
    (tmp_path / "settings.cfg").write_text("a = 1\n")  # a file next to them is the project's
    outside = collect_files(tmp_path, [], ())
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    inside = collect_files(tmp_path, [], ())
    for found in (outside, inside):
        names = {p.relative_to(tmp_path).as_posix() for p in found}
        assert {"server.js", "settings.cfg"} <= names
        assert not [n for n in names if n.startswith((".venv", "pyenv-3.11"))], names


# What semgrep 1.172.0 reported for njsscan's regex_dos on ddev/test-sveltekit's words.server.ts (the demo of
# `sv create`: 12,974 quoted words) on an idle core: rule timeouts end at 5 s, and the rule alone took 15.7 s
# with --timeout 120. The rule id is shortened as libsast's --no-rewrite-rule-ids leaves it.
TIMEOUT_SEMGREP = """import json, sys
args = sys.argv[1:]
scanned = args[args.index('--') + 1:]
errors = [{'code': 2, 'level': 'warn', 'type': 'Timeout', 'rule_id': 'rules.semantic_grep.dos.regex_dos',
           'message': 'Timeout when running regex_dos on ' + p + ':\\n ', 'path': p} for p in scanned]
print(json.dumps({'results': [], 'errors': errors, 'paths': {'scanned': scanned}}))
"""
WORDS = ("/** The list of possible words */\nexport const words = [\n\t'aback',\n\t'abase'\n];\n\n"
         "/** The list of valid guesses, of which the list of possible words is a subset */\n"
         "export const allowed = new Set([\n\t...words,\n\t'aahed'\n]);\n")


@pytest.mark.parametrize(("text", "data"), [
    (WORDS, True),  # the demo's shape, the spread of the words into the Set included
    ("export const p: Record<string, number> = { a: 1, 'b-c': -2.5e3 } as const; // c\n", True),
    ("export const f = Object.freeze({ a: [1, 2] });\n", True),
    ("export const a = x => x;\n", False),
    ("export const q = sql`drop table ${t}`;\n", False),
    ("export const s = new Set(words.map(w => w.trim()));\n", False),
    ("export default { run() { return 1; } };\n", False),
    ("import { w } from './w';\nexport const x = [w];\n", False),
    ("", False),
    # Code with no '(' of its own, each of which node 20 ran as `node hide.mjs` (execSync wrote the file):
    # a member access rebinding what Object.freeze( calls, by '.' and by '[...]'.
    ("const t = { Object: { freeze: process.getBuiltinModule } };\n"
     "export const r = t.Object.freeze('child_process');\n"
     "const u = { Object: { freeze: r.execSync } };\nu.Object.freeze('echo PWNED > /tmp/pwned');\n", False),
    ("globalThis['Object']['freeze'] = globalThis['process']['getBuiltinModule'];\n"
     "export const r = Object.freeze('child_process');\nglobalThis['Object']['freeze'] = r['execSync'];\n"
     "Object.freeze('echo PWNED > /tmp/pwned');\n", False),
    ("{ const Object = { freeze: fetch }; Object.freeze('http://127.0.0.1:9/x'); }\n", False),
    ("export const o = { toString: fetch }; export const s = o + '';\n", False),  # '+' calls toString()
    ("export * from './server-code.js';\n", False),  # a re-export runs the other module
    # What data still is: a type's '[]', a computed key and a spread, numbers with '.', 'x', '_' and 'e'.
    ("export const m: Record<string, number>[] = [{ a: 1.5, ['k']: 0x1F + 1_000 - 2.5e3 }, ...more];\n",
     True),
])
def test_literal_data_only(text, data):
    assert node.is_literal_data(text) is data


def test_a_rule_timeout_on_a_module_of_literal_data_is_no_gap(tmp_path, monkeypatch):
    # The real njsscan and libsast, with a semgrep that times out regex_dos on every file as 1.172.0 did on
    # the demo's words.server.ts: that file holds data only and counts as scanned, with a note; a file of code
    # that timed out stays a gap, an error.
    routes = tmp_path / "src" / "routes" / "sverdle"
    routes.mkdir(parents=True)
    (routes / "words.server.ts").write_text(WORDS)
    (routes / "+page.server.ts").write_text(
        "import { fail } from '@sveltejs/kit';\n"
        "export const load = (({ cookies }) => ({ g: cookies.get('s') }));\n")
    _semgrep_of_the_check(monkeypatch, _program(tmp_path / "bin" / "semgrep-timeout", TIMEOUT_SEMGREP))
    out = node.CHECK.run(SecuritySettings(), _ctx(tmp_path))
    metrics = {(m.name, m.labels.get("kind")): m.value for m in out.metrics}
    assert metrics[("node.files", None)] == 1 and metrics[("node.skipped_files", None)] == 1
    assert out.errors == ["1 server-side JS/TS files not scanned (njsscan/semgrep could not scan them): "
                          "src/routes/sverdle/+page.server.ts; fix or exclude them, or set [security.node] "
                          'skipped = "warn"']
    assert ("node: src/routes/sverdle/words.server.ts holds literal data only (no function, call or import), "
            "in which semgrep did not finish rule(s) regex_dos within its 5 s; they look for calls and find "
            "none in data, and its other rules ran") in out.notes
