"""The generated parts of tests/fixtures/node-vulnerable: a dependency in node_modules/ and a built
bundle in dist/, both full of what the node check finds in server code and must never scan.

They are written at test time, not tracked: node_modules/ and dist/ are build and install output that
git ignores everywhere.
"""

from __future__ import annotations

from pathlib import Path

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "node-vulnerable"

GENERATED = {
    'node_modules/left-pad-evil/index.js': """\
// A dependency (test fixture): the node check never scans node_modules.
const express = require('express');
const childProcess = require('child_process');
const jwt = require('jsonwebtoken');

const app = express();
app.get('/ping', function (req, res) {
  childProcess.exec('ping -c 1 ' + req.query.host);
  res.send('<h1>Hello ' + req.query.name + '</h1>');
});
module.exports = jwt.sign({ sub: 'x' }, 'left-pad-evil-signing-key');
""",
    'node_modules/left-pad-evil/package.json': """\
{ "name": "left-pad-evil", "version": "1.0.0", "main": "index.js" }
""",
    'dist/server.bundle.js': """\
// A built server bundle (test fixture): generated output, never scanned.
"use strict";
const express = require('express');
const childProcess = require('child_process');
const jwt = require('jsonwebtoken');
const app = express();
app.get('/ping', function (req, res) {
  childProcess.exec('ping -c 1 ' + req.query.host);
  res.send('<h1>Hello ' + req.query.name + '</h1>');
});
app.get('/calc', function (req, res) { res.json(eval(req.query.expr)); });
module.exports = jwt.sign({ sub: 'x' }, 'bundle-signing-key-2024');
//# sourceMappingURL=server.bundle.js.map
""",
}


def ensure_generated() -> Path:
    """Write the generated files into the fixture (idempotent); the fixture folder."""
    for rel, text in GENERATED.items():
        path = FIXTURE / rel
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    return FIXTURE
