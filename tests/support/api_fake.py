"""A JSON API served on 127.0.0.1 for the api phase's tests, and `echotune-ci api` run against it."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from conftest import run_cli
from support import local_server


class JsonApi(BaseHTTPRequestHandler):
    """A keep-alive handler whose answers are JSON (subclasses decide what each request gets)."""

    protocol_version = "HTTP/1.1"

    def _send(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args: object) -> None:
        pass


def run_api(tmp_path: Path, cli_env: dict[str, str], config: str,
            handler: type[BaseHTTPRequestHandler]) -> tuple[int, dict | None, str]:
    """`echotune-ci api` with *config* (written to tmp_path/echotune.toml) against *handler* served on
    127.0.0.1: (exit code, the result or None when none was written, stdout + stderr)."""
    (tmp_path / "echotune.toml").write_text(config)
    out = tmp_path / "api.json"
    server = local_server.start(handler)
    try:
        done = run_cli("api", "--config", str(tmp_path / "echotune.toml"), "--url", local_server.url(server),
                       "--output", str(out), env=cli_env, timeout=120, cwd=tmp_path)
    finally:
        local_server.stop(server)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(out.read_text()) if out.exists() else None, done.stdout + done.stderr
