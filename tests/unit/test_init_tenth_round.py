"""What init got wrong on the tenth round of real projects (2026-12-03), each as a fixture of our own."""

from __future__ import annotations

import json
import tomllib

import pytest

from echotune_ci.project.init import app_setup, init_project
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

SERVER = ("import Fastify from 'fastify'\nimport limit from '@fastify/rate-limit'\n"
          "const app = Fastify()\nawait app.register(limit, { max: Number(process.env.LIMIT ?? 100) })\n"
          "app.get('/', async () => ({ ok: true }))\nawait app.listen({ port: Number(process.env.PORT) })\n")


@pytest.mark.parametrize("limiter", ["@fastify/rate-limit", "express-rate-limit", "@nestjs/throttler"])
def test_a_rate_limiter_the_load_test_runs_into_is_a_check_note_by_env(tmp_path, limiter):
    # fastify/demo: 100 requests a minute per address (4 in its .env.example), and every user of the load
    # test comes from 127.0.0.1: all but a few answers were 429s, timed in a millisecond
    write(tmp_path, {"package.json": json.dumps({"name": "api", "type": "module",
                                                 "scripts": {"start": "node server.js"},
                                                 "dependencies": {"fastify": "^5.0.0", limiter: "^1.0.0"}}),
                     "server.js": SERVER})
    app = app_setup(tmp_path)
    said = [n for n in app.notes("env") if "rate limiter" in n]
    assert len(said) == 1 and said[0].startswith(f"package.json depends on {limiter}:"), app.checks
    assert "429" in said[0] and "127.0.0.1" in said[0]
    init_project(tmp_path)
    text = (tmp_path / "echotune.toml").read_text()
    tomllib.loads(text)
    assert f"# check: package.json depends on {limiter}: a rate limiter" in text


def test_no_rate_limiter_no_note(tmp_path):
    write(tmp_path, {"package.json": json.dumps({"name": "api", "scripts": {"start": "node server.js"},
                                                 "dependencies": {"fastify": "^5.0.0"}}),
                     "server.js": SERVER.replace("@fastify/rate-limit", "./limit.js")})
    assert not [n for n in app_setup(tmp_path).all_checks() if "rate limiter" in n]


@pytest.mark.parametrize(("spec", "spread"), [("^8.2.1", False), ("^7.5.0", True)])
def test_express_rate_limit_8_is_not_told_to_spread_the_users(tmp_path, spec, spread):
    # starter-express-prisma-jwt (express-rate-limit 8.2.1, app.listen(port) on ::): with local_ips over 20
    # addresses, 1,200 of 1,348 requests were refused and Redis held the one key rate-limit:global::/56;
    # 8.x's ipKeyGenerator('::ffff:127.0.1.5') is '::/56', 7.x keyed by the address (req.ip) itself
    write(tmp_path, {"package.json": json.dumps({"name": "api", "scripts": {"start": "node server.js"},
                                                 "dependencies": {"express": "^5.0.0",
                                                                  "express-rate-limit": spec}}),
                     "server.js": "const app = require('express')()\napp.listen(process.env.PORT)\n"})
    said = [n for n in app_setup(tmp_path).notes("env") if "rate limiter" in n]
    assert len(said) == 1
    assert ('local_ips = "127.0.1.1-127.0.1.254"' in said[0]) is spread
    assert ("`::/56`" in said[0]) is not spread
