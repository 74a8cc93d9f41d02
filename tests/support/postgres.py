"""A throw-away PostgreSQL cluster from Debian's packages, on a free loopback port.

``initdb`` in a fresh temporary folder, ``pg_stat_statements`` preloaded (or
not, to test that message), a superuser role with a password for TCP
connections (scram-sha-256; the unix socket inside the folder trusts the
``postgres`` role only). PostgreSQL refuses to run as root, so as root every
server program runs as the ``postgres`` system user through ``runuser`` and
the folder is handed to that user. ``stop`` stops the server (pg_ctl, fast)
and removes the folder.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from echotune_ci.serve import free_port

ROLE = "echotune"
PASSWORD = "pg-test-password-5d1c9e"  # pragma: allowlist secret


def bindir() -> Path:
    """The folder of initdb/pg_ctl: Debian keeps them in /usr/lib/postgresql/<major>/bin, not on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    exe = shutil.which("initdb")
    if exe is None:
        raise RuntimeError("PostgreSQL is not installed: run ./scripts/bootstrap.sh (Debian's postgresql)")
    return Path(exe).resolve().parent


class PostgresServer:
    """A running cluster; ``url(db)`` is a postgresql:// URL with the test role's password."""

    def __init__(self, preload: bool = True):
        self.bin = bindir()
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        # Not under pytest's tmp folder: that one is private to root and postgres must reach its data.
        self.root = Path(tempfile.mkdtemp(prefix="echotune-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        pwfile = self.root / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if self.as_root:
            shutil.chown(pwfile, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-E", "UTF8", "--no-sync",
                  "--auth-local=trust", "--auth-host=scram-sha-256", "--locale=C")
        conf = [f"port = {self.port}", "listen_addresses = '127.0.0.1'",
                f"unix_socket_directories = '{self.root}'", "fsync = off", "synchronous_commit = off",
                "full_page_writes = off", "max_connections = 60"]
        if preload:
            conf.append("shared_preload_libraries = 'pg_stat_statements'")
        with (self.data / "postgresql.conf").open("a") as fh:
            fh.write("\n".join(conf) + "\n")
        try:
            self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "30", "start")
            self.psql("postgres", f"CREATE ROLE {ROLE} LOGIN SUPERUSER PASSWORD '{PASSWORD}'")
        except Exception:
            self.stop()
            raise

    def _run(self, program: str, *args: str, stdin: str | None = None) -> str:
        cmd = [str(self.bin / program), *args]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, input=stdin, timeout=60, cwd=self.root)
        if proc.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{program} failed: {proc.stdout}{proc.stderr}{log}")
        return proc.stdout

    def psql(self, db: str, sql: str) -> str:
        """Run *sql* in database *db* as the postgres superuser over the cluster's socket; its output."""
        return self._run("psql", "-h", str(self.root), "-p", str(self.port), "-U", "postgres", "-d", db,
                         "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql)

    def create_database(self, name: str) -> str:
        """A new empty database; its URL."""
        self.psql("postgres", f"CREATE DATABASE {name} OWNER {ROLE}")
        return self.url(name)

    def url(self, db: str = "postgres") -> str:
        """postgresql://echotune:<password>@127.0.0.1:<port>/<db>"""
        return f"postgresql://{ROLE}:{PASSWORD}@127.0.0.1:{self.port}/{db}"

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove its folder."""
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError):  # already stopped: only the folder is left
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
