"""`run` keeps the api phase's "warn" when nothing was tested: never a pass on its own.

The case behind it: on miguelgrinberg/microblog-api (before /apispec.json was discovered), `run --phase
api` printed ``api: warn (0.1s)`` as the phase ended, then ``api: pass (http://...) in 0.1s`` and
``gate: pass``: the gate derived each phase's status from its checks only, and a phase with no metric,
no finding and no error has none, so the warn the phase gave itself (no document, no flow: nothing
tested, docs/api.md) became a pass.
"""

from __future__ import annotations

import json
import sys

from support.hostile import cli

# An app with no OpenAPI document anywhere: http.server lists the folder at / and answers 404 elsewhere.
CONFIG = (f'[serve]\ncommand = "{sys.executable} -m http.server {{port}} --bind 127.0.0.1"\n'
          'ready_url = "http://127.0.0.1:{port}/"\ntimeout = "20s"\n\n[run]\nphases = ["api"]\n')


def test_run_reports_the_phases_warn_when_no_document_was_found(tmp_path, monkeypatch, capsys):
    for name in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ACTIONS", "ECHOTUNE_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "echotune.toml").write_text(CONFIG)
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(capsys, "run", "--phase", "api", "-o", "results")
    output = out + err
    assert "api: pass" not in output and "gate: pass" not in output, output
    assert "api: warn (" in output and "gate: warn" in output, output
    assert "no OpenAPI document or GraphQL schema found" in output
    assert code == 0, output  # a warn is no failure (unless --fail-on-warn)
    result = json.loads((tmp_path / "results" / "api.json").read_text())
    assert result["status"] == "warn" and result["metrics"] == [] and result["findings"] == []
    report = json.loads((tmp_path / "results" / "report" / "report.json").read_text())
    assert report["status"] == "warn", report
