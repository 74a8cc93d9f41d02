"""How long the secret scan takes on a 10,000-file repository (target: under 10 s on 2 cores).

Generates (seeded, in a temporary folder) a repository-like tree: Python, JS/TS and Go
sources, JSON/YAML/TOML/ini/.env configuration, Markdown, HTML and CSS with base64 images,
minified JS bundles, a lockfile, and a few planted secrets of different kinds. Then times
the scan as a function (one process and the process pool) and as the command a CI job runs
(``echotune-ci security DIR --only secrets``), and checks that every planted secret is found
and nothing else is (a false positive on the generated code would show as an extra finding).

    .venv/bin/python bench/secrets_scan.py [--files 10000] [--runs 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import resource
import statistics
import string
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from echotune_ci.phases.security.checks.secrets import (  # noqa: E402
    Allowlist,
    default_workers,
    scan,
    secret_hash,
)

ALNUM = string.ascii_letters + string.digits
WORDS = ("track", "album", "artist", "playlist", "user", "session", "cache", "queue", "request", "response",
         "config", "client", "handler", "render", "search", "index", "token", "auth", "key", "value", "item",
         "stream", "buffer", "player", "volume", "genre", "rating", "history", "limit", "offset", "page")


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the scan's worker processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class Tree:
    """Writes the generated files and remembers the planted secrets."""

    def __init__(self, root: Path, seed: int):
        self.root = root
        self.rng = random.Random(seed)
        self.planted: list[tuple[str, str, str]] = []  # (path, kind, secret)
        self.count = 0
        self.bytes = 0

    def rand(self, alphabet: str, n: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def name(self, parts: int = 2) -> str:
        words = [self.rng.choice(WORDS) for _ in range(parts)]
        return words[0] + "".join(w.title() for w in words[1:])

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        self.count += 1
        self.bytes += len(text.encode())

    def plant(self, rel: str, kind: str, secret: str, text: str) -> None:
        self.planted.append((rel, kind, secret))
        self.write(rel, text)

    # --- the kinds of files ----------------------------------------------------------------------
    def python(self) -> str:
        out = ['"""Service module."""', "import os", "import json", "from dataclasses import dataclass", ""]
        for _ in range(self.rng.randint(4, 18)):
            fn = self.name(2)
            out += [f"def {fn}(request, limit={self.rng.randint(1, 100)}):",
                    f'    """Return the {self.rng.choice(WORDS)}s of the request (at most limit)."""',
                    "    token = request.headers.get('Authorization', '').removeprefix('Bearer ')",
                    f"    api_key = os.environ.get('{fn.upper()}_API_KEY')",
                    f"    password_env = '{fn.upper()}_PASSWORD'",
                    "    data = json.loads(request.body or '{}')",
                    f"    cache_key = f'{fn}:{{request.user_id}}:{{limit}}'",
                    "    items = data.get('items', [])",
                    "    return [item for item in items if item.get('token') != token][:limit]",
                    ""]
        return "\n".join(out) + "\n"

    def javascript(self) -> str:
        out = ["'use strict';", "const express = require('express');", "const router = express.Router();", ""]
        for _ in range(self.rng.randint(4, 18)):
            fn = self.name(2)
            out += [f"router.get('/api/{fn}', async (req, res) => {{",
                    "  const token = req.get('authorization')?.split(' ')[1];",
                    f"  const apiKey = process.env.{fn.upper()}_KEY;",
                    f"  const cacheKey = `{fn}:${{req.query.q}}`;",
                    "  const session = { token, user: req.user && req.user.id, secretRef: 'vault:app/s' };",
                    f"  const items = await db.{fn}(req.query.q, {self.rng.randint(1, 50)});",
                    "  res.json({ items, session });",
                    "});", ""]
        out.append("module.exports = router;")
        return "\n".join(out) + "\n"

    def typescript(self) -> str:
        out = ["import { Injectable } from '@angular/core';", ""]
        for _ in range(self.rng.randint(5, 20)):
            cls = self.name(2).title()
            out += [f"export interface {cls}Options {{ apiKey?: string; token: string; password?: string; }}",
                    f"export class {cls}Service {{",
                    "  constructor(private readonly http: HttpClient, private keyStore: KeyStore) {}",
                    "  load(options: Options): Observable<Item[]> {",
                    "    const headers = { Authorization: `Bearer ${options.token}` };",
                    f"    return this.http.get<Item[]>('/api/{cls.lower()}', {{ headers }});",
                    "  }", "}", ""]
        return "\n".join(out) + "\n"

    def go(self) -> str:
        out = ["package main", "", 'import ("os"; "net/http")', ""]
        for _ in range(self.rng.randint(5, 20)):
            fn = self.name(2).title()
            out += [f"func {fn}(w http.ResponseWriter, r *http.Request) {{",
                    f'\ttoken := r.Header.Get("X-{fn}-Token")',
                    f'\tsecret := os.Getenv("{fn.upper()}_SECRET")',
                    "\tif token == \"\" || secret == \"\" { http.Error(w, \"unauthorized\", 401); return }",
                    "}", ""]
        return "\n".join(out) + "\n"

    def package_json(self) -> str:
        deps = {f"{self.rng.choice(WORDS)}-{self.rng.choice(WORDS)}": f"^{self.rng.randint(0, 9)}."
                f"{self.rng.randint(0, 20)}.{self.rng.randint(0, 9)}" for _ in range(self.rng.randint(3, 25))}
        return json.dumps({"name": self.name(2), "version": "1.4.2", "private": True,
                           "scripts": {"build": "vite build", "test": "vitest"}, "dependencies": deps},
                          indent=2) + "\n"

    def yaml(self) -> str:
        return ("name: ci\non: [push, pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n"
                f"      - uses: actions/checkout@{self.rand('0123456789abcdef', 40)}\n"
                "      - uses: actions/cache@v4\n        with:\n"
                "          key: ${{ runner.os }}-node-${{ hashFiles('**/package-lock.json') }}\n"
                "      - run: npm ci && npm test\n        env:\n"
                "          NPM_TOKEN: ${{ secrets.NPM_TOKEN }}\n"
                "          DB_PASSWORD: ${{ secrets.DB_PASSWORD }}\n")

    def env_example(self) -> str:
        return ("DATABASE_URL=postgres://app:${DB_PASSWORD}@localhost:5432/app\nDB_PASSWORD=changeme\n"
                "STRIPE_SECRET_KEY=sk_test_xxxxxxxxxxxxxxxxxxxxxxxx\nJWT_SECRET=<your-secret>\n"
                f"SESSION_TTL={self.rng.randint(60, 86400)}\nREDIS_URL=redis://localhost:6379/0\n")

    def toml_ini(self) -> str:
        return (f"[tool.{self.name(1)}]\nversion = \"{self.rng.randint(1, 9)}.{self.rng.randint(0, 9)}\"\n"
                f"token_env = \"{self.name(1).upper()}_TOKEN\"\ntimeout = \"{self.rng.randint(1, 60)}s\"\n"
                f"request_id = \"{self.rand('0123456789abcdef', 8)}-{self.rand('0123456789abcdef', 4)}-4"
                f"{self.rand('0123456789abcdef', 3)}-a{self.rand('0123456789abcdef', 3)}-"
                f"{self.rand('0123456789abcdef', 12)}\"\n")

    def markdown(self) -> str:
        paragraphs = []
        for _ in range(self.rng.randint(5, 25)):
            paragraphs.append(" ".join(self.rng.choice(WORDS) for _ in range(self.rng.randint(30, 80))) + ".")
        paragraphs.append("```sh\nexport GITHUB_TOKEN=<your-token>\ncurl -H \"Authorization: Bearer $TOKEN\" "
                          "https://api.github.com/user\n```")
        return "# " + self.name(2) + "\n\n" + "\n\n".join(paragraphs) + "\n"

    def css(self) -> str:
        image = base64.b64encode(self.rng.randbytes(self.rng.randint(300, 3000))).decode()
        rules = [f".{self.name(1)}-{i} {{ color: #{self.rand('0123456789abcdef', 6)}; margin: {i}px; }}"
                 for i in range(self.rng.randint(20, 120))]
        return "\n".join(rules) + f"\n.key-icon {{ background: url(data:image/png;base64,{image}); }}\n"

    def html(self) -> str:
        image = base64.b64encode(self.rng.randbytes(self.rng.randint(300, 2000))).decode()
        return (f'<!doctype html><html><head><script src="/app.js" integrity="sha384-'
                f'{self.rand(ALNUM + "+/", 64)}" crossorigin="anonymous"></script></head><body>'
                f'<img alt="logo" src="data:image/png;base64,{image}"><form><input type="password" '
                'name="password" autocomplete="current-password"></form></body></html>\n')

    def minified(self) -> str:
        parts = []
        for _ in range(self.rng.randint(200, 2400)):
            a, b = self.rand(string.ascii_letters, 1), self.rand(string.ascii_letters, 1)
            parts.append(self.rng.choice([
                f"function {a}({b}){{return {b}.apiKey||{b}.token}}",
                f"var {a}={{key:\"{self.name(2)}\",token:{b}.accessToken,secretKey:{b}.secretKey}}",
                f"{a}.exports={{version:\"{self.rng.randint(1, 9)}.{self.rng.randint(0, 30)}.0\"}}",
                f"const {a}=\"{self.rand(ALNUM, self.rng.randint(4, 20))}\"",
                f"if({a}.authorization){{{b}.headers.Authorization=\"Bearer \"+{a}.authorization}}",
                f"{a}.prototype.{self.name(2)}=function(){{return this._{self.name(1)}}}",
                f"var {a}=[{','.join(str(self.rng.randint(0, 999)) for _ in range(12))}]",
            ]))
        return ";".join(parts) + "\n"

    def lockfile(self) -> str:
        packages = {f"node_modules/{self.rng.choice(WORDS)}-{i}": {
            "version": f"{self.rng.randint(0, 9)}.{self.rng.randint(0, 20)}.{self.rng.randint(0, 9)}",
            "integrity": "sha512-" + base64.b64encode(self.rng.randbytes(64)).decode()} for i in range(1500)}
        return json.dumps({"lockfileVersion": 3, "packages": packages}, indent=2) + "\n"

    # --- planted secrets -----------------------------------------------------------------------
    def plant_secrets(self) -> None:
        r = self.rand
        aws_id, aws_secret = "AKIA" + r("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16), r(ALNUM + "/+", 40)
        self.plant("deploy/.env.production", "aws", aws_id,
                   f"AWS_ACCESS_KEY_ID={aws_id}\nREGION=eu-west-1\n")
        self.plant("deploy/aws.env", "aws", aws_secret, f"AWS_SECRET_ACCESS_KEY={aws_secret}\n")
        token = "ghp_" + r(ALNUM, 36)
        self.plant("scripts/release.sh", "github", token, f'#!/bin/sh\nexport GITHUB_TOKEN="{token}"\n')
        stripe = "sk_live_" + r(ALNUM, 24)
        self.plant("server/billing.js", "stripe", stripe, f'const stripe = require("stripe")("{stripe}");\n')
        hook = f"https://hooks.slack.com/services/T{r('ABCDEFGHJK', 8)}/B{r('ABCDEFGHJK', 10)}/{r(ALNUM, 24)}"
        self.plant("server/notify.ts", "slack", hook, f"export const HOOK = '{hook}';\n")
        dashes = "-" * 5  # the header and footer are built, so this file holds no key-shaped text
        pem = "\n".join([f"{dashes}BEGIN RSA PRIVATE KEY{dashes}", *(r(ALNUM + "+/", 64) for _ in range(20)),
                         f"{dashes}END RSA PRIVATE KEY{dashes}"])
        self.plant("deploy/keys/server.key", "private key", pem, pem + "\n")
        pg = r(ALNUM, 16)
        self.plant("config/database.yml", "url", pg,
                   f"production:\n  url: postgres://musicapp:{pg}@db.internal:5432/musicapp\n")
        password = "Pr0d#" + r(ALNUM, 3) + "!%x"
        self.plant("config/app.ini", "password", password, f"[db]\nhost = db\npassword = {password}\n")
        docker = base64.b64encode(f"ci:{r(ALNUM, 20)}".encode()).decode()
        self.plant(".docker/config.json", "docker", docker,
                   json.dumps({"auths": {"r.internal": {"auth": docker}}}))
        npm = "npm_" + r(string.ascii_lowercase + string.digits, 36)
        self.plant(".npmrc", "npm", npm, f"//registry.npmjs.org/:_authToken={npm}\n")
        sendgrid = f"SG.{r(ALNUM, 22)}.{r(ALNUM, 43)}"
        self.plant("server/mail.py", "sendgrid", sendgrid, f'SENDGRID = "{sendgrid}"\n')
        openai = "sk-proj-" + r(ALNUM, 74) + "T3BlbkFJ" + r(ALNUM, 74)
        self.plant("server/ai.py", "openai", openai, f'client = OpenAI(api_key="{openai}")\n')

    def build(self, files: int) -> None:
        self.plant_secrets()
        self.write("package-lock.json", self.lockfile())
        mix = [("src/py/{}.py", self.python, 22), ("src/js/{}.js", self.javascript, 18),
               ("src/ts/{}.ts", self.typescript, 12), ("src/go/{}.go", self.go, 5),
               ("packages/{}/package.json", self.package_json, 6), (".github/workflows/{}.yml", self.yaml, 3),
               ("config/{}/.env.example", self.env_example, 2), ("config/{}.toml", self.toml_ini, 4),
               ("docs/{}.md", self.markdown, 14), ("web/styles/{}.css", self.css, 6),
               ("web/pages/{}.html", self.html, 5), ("web/vendor/{}.min.js", self.minified, 3)]
        weights = [w for _, _, w in mix]
        n = 0
        while self.count < files:
            pattern, make, _ = self.rng.choices(mix, weights)[0]
            self.write(pattern.format(f"{self.name(1)}_{n}"), make())
            n += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp) / "repo"
        start = time.perf_counter()
        tree = Tree(root, seed=12)
        tree.build(args.files)
        kinds = Counter(q.suffix or q.name for q in root.rglob("*") if q.is_file())
        print(f"generated {tree.count} files, {tree.bytes / 1e6:.1f} MB in "
              f"{time.perf_counter() - start:.1f} s ({len(tree.planted)} planted secrets)")
        print("  by kind: " + ", ".join(f"{k} {v}" for k, v in kinds.most_common()))
        print(f"cores available: {len(os.sched_getaffinity(0))}; pool workers: {default_workers()}")
        kwargs = dict(exclude=[".git"], allowlist=Allowlist(), max_file_bytes=1_000_000, entropy=3.5,
                      min_length=12)
        print(f"load average before the runs: {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
              "(other work on the machine slows the wall-clock figures; CPU seconds show the scan's own "
              "cost)")
        report = None
        for workers in (1, default_workers()):
            samples, cpu = [], []
            for _ in range(args.runs):
                t0, c0 = time.perf_counter(), cpu_seconds()
                report = scan(root, [], workers=workers, **kwargs)
                samples.append(time.perf_counter() - t0)
                cpu.append(cpu_seconds() - c0)
            print(f"scan(), {workers} process{'es' if workers > 1 else ''}: "
                  f"median {statistics.median(samples):.2f} s, "
                  f"fastest {min(samples):.2f} s ({tree.bytes / 1e6 / min(samples):.1f} MB/s), "
                  f"{min(cpu):.2f} CPU s; {report.files} files read, {len(report.skipped_paths)} left out by "
                  "gitleaks' path list")
        cli, cli_cpu = [], []
        for _ in range(args.runs):
            t0, c0 = time.perf_counter(), cpu_seconds()
            proc = subprocess.run([str(Path(sys.executable).parent / "echotune-ci"), "security", str(root),
                                   "--only", "secrets", "-o", str(Path(tmp) / "security.json")],
                                  capture_output=True, text=True, cwd=root)  # CI runs in the repository
            cli.append(time.perf_counter() - t0)
            cli_cpu.append(cpu_seconds() - c0)
        print(f"echotune-ci security DIR --only secrets: median {statistics.median(cli):.2f} s, "
              f"fastest {min(cli):.2f} s, {min(cli_cpu):.2f} CPU s (exit {proc.returncode})")
        assert report is not None
        found = {(f.location.path, f.properties["hash"]) for f in report.findings if f.location}
        missed = [(p, k) for p, k, s in tree.planted if (p, secret_hash(s)) not in found]
        planted = {(p, secret_hash(s)) for p, _, s in tree.planted}
        extra = [(f.location.path, f.location.line, f.rule_id) for f in report.findings
                 if f.location and (f.location.path, f.properties["hash"]) not in planted]
        print(f"findings: {len(report.findings)}; planted found: {len(tree.planted) - len(missed)}/"
              f"{len(tree.planted)}; missed: {missed or 'none'}; other findings (false positives): "
              f"{extra or 'none'}")
        return 1 if missed or extra else 0


if __name__ == "__main__":
    sys.exit(main())
