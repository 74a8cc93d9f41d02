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
