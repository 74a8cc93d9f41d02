"""Issue 14, kind 4, with the real njsscan/semgrep: server files semgrep cannot parse are skipped files
of the node check (exit 3, or a warning with ``skipped = "warn"``), never counted as scanned."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli


def _server(root: Path) -> Path:
    (root / "server").mkdir()
    (root / "server" / "ok.js").write_text(
        'const express = require("express");\nconst app = express();\n'
        'app.get("/", (req, res) => { res.send(req.query.x) });\n')
    (root / "server" / "broken.js").write_text(
        'const express = require("express");\nconst app = express(;\nfunction (( {\n')
    (root / "server" / "partial.js").write_text(
        'const fs = require("fs");\nconst x = <<<>>> ;\nfs.readFileSync(req.query.p);\n')
    return root


def test_semgrep_parse_errors_are_node_skipped_files(tmp_path, cli_env):
    project = _server(tmp_path)
    out = tmp_path / "r.json"
    proc = run_cli("security", "server", "--only", "node", "-o", str(out), cwd=project, env=cli_env)
    # the skipped files are an error, and ok.js's high finding blocks: a failure wins (exit 1)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    data = json.loads(out.read_text())
    metrics = {m["name"]: m for m in data["metrics"] if not m.get("labels")}
    assert metrics["node.files"]["value"] == 1  # ok.js, the only file semgrep analysed in full
    assert metrics["node.skipped_files"]["value"] == 2 and metrics["node.skipped_files"]["status"] == "error"
    assert {f["rule_id"] for f in data["findings"]} == {"express_xss"}  # ok.js still reports
    notes = {n for n in data["notes"] if n.startswith("node: not scanned: ")}
    assert {n.split(": ")[2] for n in notes} == {"server/broken.js", "server/partial.js"}
    assert any(n.startswith("node: not scanned: server/partial.js: partly parsed: the code at line(s) 2 ")
               for n in notes)
    assert data["errors"][0].startswith("node: 2 server-side JS/TS files not scanned")

    (project / "echotune.toml").write_text('[security.node]\nskipped = "warn"\n')
    proc = run_cli("security", "server", "--only", "node", "-o", str(out), cwd=project, env=cli_env)
    data = json.loads(out.read_text())
    assert proc.returncode == 1, proc.stdout + proc.stderr  # express_xss is ERROR in njsscan: high
    assert data["errors"] == [] and len(data["warnings"]) == 1
    skipped = next(m for m in data["metrics"] if m["name"] == "node.skipped_files")
    assert skipped["status"] == "warn" and skipped["value"] == 2
