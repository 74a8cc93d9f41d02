"""`echotune-ci init` writes a first [[api.flows]] when the app's sources declare a login and a protected
route, and none when they do not."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli

from echotune_ci.config import load_config
from echotune_ci.phases.api.flows import check_flows

REF = "0123456789abcdef0123456789abcdef01234567"

FLASK_APP = '''from flask import Flask, jsonify
app = Flask(__name__)

@app.get("/health")
def health():
    return "ok"

@app.route("/auth/login", methods=["POST"])
def login():
    return jsonify(access_token="t")

@app.get("/auth/me")
def me():
    return jsonify(user="x")
'''

EXPRESS_APP = """import express from 'express';
const app = express();
app.get('/health', (req, res) => res.send('ok'));
app.post('/api/sessions', (req, res) => res.json({ token: 't' }));
app.get('/api/profile', (req, res) => res.json({}));
app.listen(process.env.PORT);
"""


def _init(root: Path, cli_env: dict[str, str]) -> str:
    done = run_cli("init", "--dir", str(root), "--ref", REF, env=cli_env)
    assert done.returncode == 0, done.stderr
    return (root / "echotune.toml").read_text()


def test_init_writes_a_login_flow_for_a_flask_app(tmp_path, cli_env):
    root = tmp_path / "py"
    root.mkdir()
    (root / "requirements.txt").write_text("flask==3.0.3\ngunicorn==22.0.0\n")
    (root / "app.py").write_text(FLASK_APP)
    _init(root, cli_env)
    cfg = load_config(root / "echotune.toml")
    (flow,) = cfg.api.flows
    login, me = flow.steps
    assert (login.method, login.path) == ("POST", "/auth/login")
    assert dict(login.capture) == {"token": "$.access_token"}
    assert (me.method, me.path, me.refuse_without) == ("GET", "/auth/me", "token")
    assert dict(me.headers) == {"Authorization": "Bearer {token}"}
    # generated requests would trip a login rate limit (flask-limiter, express-rate-limit)
    assert cfg.api.exclude == ("POST /auth/login",)
    check_flows(cfg.api.flows, cfg.source)  # the flow can run as written


def test_init_writes_a_login_flow_for_an_express_app(tmp_path, cli_env):
    root = tmp_path / "node"
    root.mkdir()
    (root / "package.json").write_text(json.dumps({"name": "svc", "scripts": {"start": "node server.js"},
                                                   "dependencies": {"express": "^5.0.0"}}))
    (root / "package-lock.json").write_text("{}")
    (root / "server.js").write_text(EXPRESS_APP)
    _init(root, cli_env)
    cfg = load_config(root / "echotune.toml")
    (flow,) = cfg.api.flows
    assert [(s.method, s.path) for s in flow.steps] == [("POST", "/api/sessions"), ("GET", "/api/profile")]
    assert cfg.api.exclude == ("POST /api/sessions",)
    assert dict(flow.steps[0].capture) == {"token": "$.token"}


def test_no_flow_without_a_login_route(tmp_path, cli_env):
    root = tmp_path / "plain"
    root.mkdir()
    (root / "requirements.txt").write_text("flask==3.0.3\ngunicorn==22.0.0\n")
    (root / "app.py").write_text(FLASK_APP.split("@app.route")[0])
    text = _init(root, cli_env)
    assert "[[api.flows]]" not in text
    assert load_config(root / "echotune.toml").api.flows == ()


def test_the_flow_carries_the_routers_prefix_and_the_body_field_the_login_reads(tmp_path, cli_env):
    # proshop: router.post('/login') and router\n  .route('/profile')\n  .get(protect, ...) in a router
    # mounted at /api/users, a login that reads { email, password } from the body. The flow said /login,
    # /profile and a username.
    root = tmp_path / "shop"
    (root / "backend" / "routes").mkdir(parents=True)
    (root / "package.json").write_text(json.dumps({"name": "shop",
                                                   "scripts": {"start": "node backend/server.js"},
                                                   "dependencies": {"express": "^4.17.1"}}))
    (root / "package-lock.json").write_text("{}")
    (root / "backend" / "server.js").write_text(
        "const express = require('express');\nconst userRoutes = require('./routes/userRoutes');\n"
        "const app = express();\napp.use('/api/users', userRoutes);\napp.listen(process.env.PORT);\n")
    (root / "backend" / "routes" / "userRoutes.js").write_text(
        "const express = require('express');\nconst router = express.Router();\n"
        "const authUser = (req, res) => {\n  const { email, password } = req.body;\n"
        "  res.json({ token: 't' });\n};\n"
        "router.post('/login', authUser);\nrouter\n  .route('/profile')\n  .get(protect, getUserProfile)\n"
        "  .put(protect, updateUserProfile);\nmodule.exports = router;\n")
    _init(root, cli_env)
    cfg = load_config(root / "echotune.toml")
    (flow,) = cfg.api.flows
    assert [(s.method, s.path) for s in flow.steps] == [("POST", "/api/users/login"),
                                                        ("GET", "/api/users/profile")]
    assert dict(flow.steps[0].json) == {"email": "demo@example.com", "password": "change-me"}
    assert cfg.api.exclude == ("POST /api/users/login",)
    check_flows(cfg.api.flows, cfg.source)
