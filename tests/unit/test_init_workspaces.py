"""`init` in workspaces and with routers: lockfiles at the workspace root, health routes under prefixes,
normalised output paths.

Expected values follow the tools' documented behaviour: uv finds the workspace
root by walking up to the first ``[tool.uv.workspace]`` whose ``members``
globs (minus ``exclude``) name the member and shares one ``uv.lock`` there;
npm, Yarn and bun read ``workspaces`` of a package.json above, pnpm reads
``pnpm-workspace.yaml`` (``!`` globs exclude); FastAPI prefixes a route with
``include_router(prefix=...)`` and the router's own ``APIRouter(prefix=...)``;
Flask's ``register_blueprint(url_prefix=...)`` replaces the blueprint's own;
Express mounts a router under ``app.use(prefix, router)``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from echotune_ci.config import load_config
from echotune_ci.project import runtimes, workspaces
from echotune_ci.project.files import join
from echotune_ci.project.health import find_health, health_rank
from echotune_ci.project.init import init_project, summary_lines
from echotune_ci.project.nodeapp import tools
from echotune_ci.project.pydeps import read_python, setup_command
from echotune_ci.project.workspaces import glob_match, js_workspace, matches, uv_workspace

REF = "0123456789abcdef0123456789abcdef01234567"
LAYOUTS = Path(__file__).resolve().parents[1] / "fixtures" / "layouts"


@pytest.fixture(autouse=True)
def machine(monkeypatch):
    """This machine fixed: Python 3.11, Node 20, npm; no uv, bun, pnpm or yarn."""
    monkeypatch.setattr(runtimes, "machine", lambda: {"python": "3.11", "node": "20"})
    monkeypatch.setattr(workspaces, "installed", lambda program: program in ("npm", "node", "python3"))


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def repository(tmp_path: Path, layout: str) -> Path:
    """A copy of *layout* that is a git repository of its own (the walk up stops there)."""
    root = tmp_path / layout
    shutil.copytree(LAYOUTS / layout, root)
    (root / ".git").mkdir()
    return root


# ---------------------------------------------------------------------------- globs and workspace roots


@pytest.mark.parametrize(("path", "pattern", "expected"), [
    ("backend", "backend", True),
    ("packages/web", "packages/*", True),
    ("packages/web/inner", "packages/*", False),  # * stays within one segment
    ("packages/web/inner", "packages/**", True),
    ("apps/a/b/c", "apps/**/c", True),
    ("apps/c", "apps/**/c", True),  # ** also matches no segment
    ("frontend", "./frontend/", True),
    ("libs/ui-kit", "libs/ui-?it", True),
    ("libs/ui", "libs/[a-t]*", False),
])
def test_glob_match_follows_glob_semantics(path, pattern, expected):
    assert glob_match(path, pattern) is expected


def test_negated_globs_exclude():
    globs = ["apps/*", "!apps/legacy"]
    assert matches("apps/api", globs)
    assert not matches("apps/legacy", globs)
    assert not matches("packages/seeds", ["packages/*"], exclude=["packages/seeds"])


def test_uv_member_finds_the_root_lockfile(tmp_path):
    write(tmp_path, {".git/HEAD": "", "pyproject.toml": '[tool.uv.workspace]\nmembers = ["services/*"]\n'
                     'exclude = ["services/seeds"]\n', "uv.lock": "version = 1\n",
                     "services/api/pyproject.toml": '[project]\nname = "api"\n'
                                                    'dependencies = ["flask==3.0.3"]\n',
                     "services/seeds/pyproject.toml": '[project]\nname = "seeds"\n'})
    space = uv_workspace(tmp_path / "services" / "api")
    assert space is not None and space.root == tmp_path.resolve() and space.lockfile == "uv.lock"
    assert uv_workspace(tmp_path / "services" / "seeds") is None  # excluded: no workspace
    deps = read_python(tmp_path / "services" / "api")
    assert deps.locks == ["../../uv.lock"]
    command, inputs, why = setup_command(deps)
    assert command == "uv sync --frozen --package api"
    assert inputs == ["pyproject.toml", "../../pyproject.toml", "../../uv.lock"]
    assert why.startswith("../../uv.lock (the workspace root")


def test_the_nearest_uv_workspace_decides(tmp_path):
    """A workspace root nearer the member that does not name it means no workspace, as for uv."""
    write(tmp_path, {".git/HEAD": "", "pyproject.toml": '[tool.uv.workspace]\nmembers = ["a/b"]\n',
                     "uv.lock": "version = 1\n", "a/pyproject.toml": '[tool.uv.workspace]\nmembers = ["c"]\n',
                     "a/b/pyproject.toml": '[project]\nname = "b"\n'})
    assert uv_workspace(tmp_path / "a" / "b") is None


@pytest.mark.parametrize(("files", "manager", "lockfile"), [
    ({"package.json": json.dumps({"workspaces": ["apps/*"]}), "package-lock.json": "{}"}, "npm",
     "package-lock.json"),
    ({"package.json": json.dumps({"workspaces": {"packages": ["apps/*"]}}), "yarn.lock": ""}, "yarn",
     "yarn.lock"),
    ({"package.json": "{}", "pnpm-workspace.yaml": "packages:\n  - apps/*\n", "pnpm-lock.yaml": ""}, "pnpm",
     "pnpm-lock.yaml"),
    ({"package.json": json.dumps({"workspaces": ["apps/*"]}), "bun.lockb": "\x00binary"}, "bun", "bun.lockb"),
    ({"package.json": json.dumps({"workspaces": ["apps/*"]}), "bun.lock": "{}"}, "bun", "bun.lock"),
])
def test_js_member_uses_the_workspace_root_lockfile(tmp_path, files, manager, lockfile):
    write(tmp_path, {".git/HEAD": "", **files, "apps/web/package.json": '{"name": "web"}'})
    found = tools(tmp_path / "apps" / "web", {"name": "web"})
    assert (found.manager, found.lockfile, found.root) == (manager, lockfile, tmp_path.resolve())
    assert not any("no lockfile" in c for c in found.checks)
    if manager != "npm":
        assert any(f"asks for {manager}, which is not installed here" in c for c in found.checks)


def test_a_folder_the_workspace_does_not_name_is_no_member(tmp_path):
    write(tmp_path, {".git/HEAD": "", "package.json": json.dumps({"workspaces": ["apps/*", "!apps/old"]}),
                     "package-lock.json": "{}", "apps/old/package.json": "{}", "tools/package.json": "{}"})
    assert js_workspace(tmp_path / "apps" / "old") is None
    assert js_workspace(tmp_path / "tools") is None
    assert tools(tmp_path / "tools", {}).lockfile == ""


# ---------------------------------------------------------------------------- init on workspaces


def test_init_on_the_uv_and_bun_workspace_says_what_is_audited(tmp_path):
    root = repository(tmp_path, "uv-bun-workspace")
    done = init_project(root, ref=REF)
    printed = "\n".join(summary_lines(done.app))
    assert ("  audit: bun.lock  <- the locked versions of the JavaScript packages (listed because a Python "
            "lockfile is listed too)") in printed
    assert "the packages of every member are audited" in printed
    assert "commit a lockfile" not in printed and "commit one" not in printed
    assert "frontend/../" not in printed
    assert load_config(root / "echotune.toml").security.audit.lockfiles == ("uv.lock", "bun.lock")


def test_init_in_a_pnpm_workspace_member(tmp_path):
    """init --dir apps/api: the lockfile is two folders up, so the audit is told where it is."""
    root = repository(tmp_path, "pnpm-express-member")
    init_project(root / "apps" / "api", ref=REF)
    cfg = load_config(root / "apps" / "api" / "echotune.toml")
    assert cfg.serve.setup == "pnpm --dir ../.. install --frozen-lockfile"
    assert cfg.serve.setup_inputs == ("../../package.json", "../../pnpm-lock.yaml", "package.json")
    assert cfg.serve.command == "pnpm start"
    assert cfg.serve.ready_url == "http://127.0.0.1:{port}/api/v2/livez"
    assert cfg.security.audit.lockfiles == ("../../pnpm-lock.yaml",)


def test_python_lockfile_listed_keeps_the_js_lockfile_audited(tmp_path):
    """Listing uv.lock turns the audit's own search for JS lockfiles off: the JS lockfile is listed too."""
    root = repository(tmp_path, "uv-bun-workspace")
    (root / "bun.lock").unlink()
    (root / "package-lock.json").write_text('{"lockfileVersion": 3, "packages": {}}')
    init_project(root, ref=REF)
    cfg = load_config(root / "echotune.toml")
    assert cfg.security.audit.lockfiles == ("uv.lock", "package-lock.json")
    assert cfg.serve.setup == "uv sync --frozen --package app && npm ci --prefix .."


# ---------------------------------------------------------------------------- output paths


def test_join_normalises():
    assert join("frontend", "../backend/app/frontend/**/*.js") == "backend/app/frontend/**/*.js"
    assert join(".", "./dist") == "dist"
    assert join("web", "../../outside") == "../outside"


def test_build_output_outside_the_repository_is_a_check_not_a_glob(tmp_path):
    root = write(tmp_path / "repo", {".git/HEAD": "",
                                     "package.json": json.dumps({"scripts": {"build": "vite build"},
                                                                 "devDependencies": {"vite": "^5.4.0"}}),
                                     "package-lock.json": "{}",
                                     "vite.config.js": 'export default { build: { outDir: "../../www" } }\n'})
    init_project(root, ref=REF)
    cfg = load_config(root / "echotune.toml")
    assert cfg.bundle.globs == () and "bundle" not in cfg.run.phases
    text = " ".join((root / "echotune.toml").read_text().split())
    assert "the client build writes to ../../www, outside the repository" in text


def test_build_output_in_a_sibling_folder_of_the_repository_stays(tmp_path):
    root = write(tmp_path, {".git/HEAD": "", "web/package.json": json.dumps(
        {"scripts": {"build": "vite build", "preview": "vite preview"}, "devDependencies": {"vite": "^5"}}),
        "web/package-lock.json": "{}",
        "web/vite.config.js": 'export default { build: { outDir: "../server/public" } }\n'})
    done = init_project(root / "web", ref=REF)
    assert done.app.bundle_globs == ["../server/public/**/*.js", "../server/public/**/*.css"]


# ---------------------------------------------------------------------------- health routes


def sources(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix in (".py", ".js"))


@pytest.mark.parametrize(("path", "rank"), [
    ("/health", 0), ("/api/v1/utils/health-check/", 2), ("/healthcheck", 3), ("/livez", 6), ("/readyz", 7),
    ("/api/status", 14), ("/orders/status", None), ("/users/ping", None), ("/healthy", None),
    # one check under a health route (a DRF HealthViewSet's @action), after every health route itself
    ("/api/v1/health/database/", 15), ("/healthz/cache", 15), ("/health/<int:pk>/", None),
    ("/status/orders", None), ("/health/livez", 6),
])
def test_health_rank(path, rank):
    assert health_rank(path) == rank


def test_fastapi_prefix_from_an_imported_constant(tmp_path):
    write(tmp_path, {"pkg/__init__.py": "", "pkg/consts.py": 'PREFIX = "/internal"\n',
                     "pkg/ops.py": 'from fastapi import APIRouter\nops = APIRouter()\n'
                                   '@ops.get("/readyz")\ndef ready():\n    return {}\n',
                     "pkg/main.py": "from fastapi import FastAPI\nfrom .consts import PREFIX\n"
                                    "from .ops import ops\napp = FastAPI()\n"
                                    "app.include_router(ops, prefix=PREFIX)\n"})
    found = find_health(sources(tmp_path), tmp_path)
    assert (found.path, found.source) == ("/internal/readyz", "pkg/ops.py")


def test_unresolved_prefix_says_what_was_found_and_why(tmp_path):
    write(tmp_path, {"main.py": "import os\nfrom fastapi import FastAPI, APIRouter\napp = FastAPI()\n"
                                "router = APIRouter()\n@router.get('/healthz')\ndef h():\n    return {}\n"
                                "app.include_router(router, prefix=os.environ['PREFIX'])\n"})
    found = find_health(sources(tmp_path), tmp_path)
    assert found.path == ""
    assert found.unresolved == ("main.py:5 defines /healthz, but main.py:8 mounts it with prefix "
                                "os.environ['PREFIX'], which static reading cannot resolve")
    root = write(tmp_path, {"requirements.txt": "fastapi==0.110.0\nuvicorn==0.29.0\n"})
    done = init_project(root, ref=REF)
    notes = " ".join(done.app.notes("ready_url"))
    assert "os.environ['PREFIX'], which static reading cannot resolve" in notes
    assert done.app.ready_path == "/healthz" or done.app.ready_path == "/"  # never claims a full path
    assert not any(d.key == "ready_url" and "defines it" in d.source for d in done.app.decisions)


def test_flask_blueprint_keeps_its_own_prefix_without_an_override(tmp_path):
    write(tmp_path, {"app.py": "from flask import Flask, Blueprint\nbp = Blueprint('ops', __name__, "
                               "url_prefix='/ops')\n@bp.route('/health')\ndef h():\n    return 'ok'\n"
                               "app = Flask(__name__)\napp.register_blueprint(bp)\n"})
    assert find_health(sources(tmp_path), tmp_path).path == "/ops/health"


def test_flask_route_for_post_only_is_no_health_route(tmp_path):
    write(tmp_path, {"app.py": "from flask import Flask\napp = Flask(__name__)\n"
                               "@app.route('/status', methods=['POST'])\ndef s():\n    return 'ok'\n"})
    assert find_health(sources(tmp_path), tmp_path).path == ""


def test_express_router_variable_mounted_in_the_same_file(tmp_path):
    write(tmp_path, {"server.js": "const express = require('express');\nconst app = express();\n"
                                  "const api = express.Router();\n"
                                  "api.get('/health', (q, r) => r.send('ok'));\n"
                                  "app.use('/api', cors(), api);\napp.listen(process.env.PORT);\n"})
    found = find_health(sources(tmp_path), tmp_path)
    assert found.path == "/api/health"


def test_express_router_from_require(tmp_path):
    write(tmp_path, {"index.js": "const express = require('express');\nconst app = express();\n"
                                 "app.use('/v1', require('./routes/health'));\napp.listen(3000);\n",
                     "routes/health.js": "const router = require('express').Router();\n"
                                         "router.get('/healthz', (q, r) => r.json({}));\n"
                                         "module.exports = router;\n"})
    assert find_health(sources(tmp_path), tmp_path).path == "/v1/healthz"


def test_express_named_import_in_typescript(tmp_path):
    """devaijaz/npm-monorepo's shape: `import { taskRouter } from "./routes/task.router"` and
    `app.use("/api/task", taskRouter)`; here the router holds the health route."""
    write(tmp_path, {"src/app.ts": 'import express from "express";\nimport { healthRouter as health } from '
                                   '"./routes/health.router";\nconst app = express();\n'
                                   'app.use("/api/v1", health);\nexport default app;\n',
                     "src/routes/health.router.ts": 'import express from "express";\n'
                                                    "export const healthRouter = express.Router();\n"
                                                    'healthRouter.get("/health", (_, res) => res.end());\n'})
    found = find_health(sorted(tmp_path.rglob("*.ts")), tmp_path)
    assert (found.path, found.source) == ("/api/v1/health", "src/routes/health.router.ts")


def test_uv_member_as_the_project_keeps_its_venv_inside(tmp_path):
    """init --dir backend: uv would make the venv at the workspace root, above the project, where `run` does
    not look; UV_PROJECT_ENVIRONMENT (relative to the workspace root, as uv resolves it) keeps it in."""
    root = repository(tmp_path, "uv-bun-workspace")
    init_project(root / "backend", ref=REF)
    cfg = load_config(root / "backend" / "echotune.toml")
    assert cfg.serve.setup == "uv sync --frozen --package app"
    assert cfg.serve.setup_inputs == ("pyproject.toml", "../pyproject.toml", "../uv.lock")
    assert dict(cfg.serve.env) == {"UV_PROJECT_ENVIRONMENT": "backend/.venv"}
    assert cfg.security.audit.lockfiles == ("../uv.lock",)


def test_a_long_minified_line_is_read_in_linear_time(tmp_path):
    """A 320 kB line of `app.use('/a', x ` (no semicolon) once took minutes with an unbounded repeat."""
    import time

    write(tmp_path, {"server.js": "const app = express();\n" + "app.use('/a', x " * 20000})
    started = time.monotonic()
    assert find_health(sources(tmp_path), tmp_path).path == ""
    assert time.monotonic() - started < 10


def test_flask_factory_registers_a_blueprint_imported_inside_it(tmp_path):
    """miguelgrinberg/flasky's shape: create_app() imports its blueprints and registers them with a prefix."""
    write(tmp_path, {"app/__init__.py": "from flask import Flask\n\ndef create_app():\n"
                                        "    app = Flask(__name__)\n"
                                        "    from .api import api as api_blueprint\n"
                                        "    app.register_blueprint(api_blueprint, url_prefix='/api/v1')\n"
                                        "    return app\n",
                     "app/api/__init__.py": "from flask import Blueprint\napi = Blueprint('api', __name__)\n"
                                            "from . import status\n",
                     "app/api/status.py": "from . import api\n\n@api.route('/ping')\ndef ping():\n"
                                          "    return 'pong'\n"})
    assert find_health(sources(tmp_path), tmp_path).path == "/api/v1/ping"
