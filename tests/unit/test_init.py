"""`echotune-ci init` on sample repositories: detection, files that validate, no silent overwrite."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import run_cli

from echotune_ci.config import load_config
from echotune_ci.github.workflow_rules import problems
from echotune_ci.project.detect import detect_stack

REF = "0123456789abcdef0123456789abcdef01234567"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"


def python_repo(root: Path) -> Path:
    root.mkdir()
    (root / "requirements.txt").write_text("flask==3.0.3\ngunicorn==22.0.0\nrequests==2.31.0\n")
    (root / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n\n@app.get('/health')\n"
                                 "def health():\n    return 'ok'\n")
    return root


def node_repo(root: Path) -> Path:
    root.mkdir()
    (root / "package.json").write_text(json.dumps({
        "name": "shop", "scripts": {"build": "vite build", "dev": "vite"},
        "dependencies": {"react": "^18.3.1"}, "devDependencies": {"vite": "^5.4.0"},
    }))
    (root / "package-lock.json").write_text("{}")
    return root


def assert_valid(root: Path, workflows: int) -> None:
    files = sorted((root / ".github" / "workflows").glob("*.yml"))
    assert len(files) == workflows
    proc = subprocess.run([str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.github-workflows",
                           *map(str, files)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert problems(files) == []
    load_config(root / "echotune.toml")  # raises on any unknown key or bad value


def test_python_repo(tmp_path, cli_env):
    root = python_repo(tmp_path / "py")
    proc = run_cli("init", "--dir", str(root), "--ref", REF, "--research", env=cli_env)
    assert proc.returncode == 0, proc.stderr
    assert_valid(root, workflows=3)
    cfg = load_config(root / "echotune.toml")
    assert cfg.serve.setup == ("python3 -m venv .venv && .venv/bin/python -m pip install -r requirements.txt")
    assert cfg.serve.command == "gunicorn --bind 127.0.0.1:{port} app:app"
    assert cfg.serve.ready_url == "http://127.0.0.1:{port}/health"
    assert cfg.security.audit.requirements == ("requirements.txt",)
    assert cfg.run.phases == ("security", "load")  # no "/" route: nothing for the frontend phase to audit
    gate = (root / ".github/workflows/echotune.yml").read_text()
    assert f"uses: echotune/echotune-ci/.github/workflows/pr-gate.yml@{REF}" in gate
    research = (root / ".github/workflows/echotune-research.yml").read_text()
    assert "secrets.ECHOTUNE_RESEARCH_API_KEY" in research


def test_node_repo(tmp_path, cli_env):
    root = node_repo(tmp_path / "node")
    proc = run_cli("init", "--dir", str(root), "--ref", REF, env=cli_env)
    assert proc.returncode == 0, proc.stderr
    assert_valid(root, workflows=2)
    cfg = load_config(root / "echotune.toml")
    assert (cfg.serve.setup, cfg.serve.build) == ("npm ci", "npm run build")
    assert cfg.serve.command == "npx vite preview --host 127.0.0.1 --port {port} --strictPort"
    assert cfg.bundle.globs == ("dist/**/*.js", "dist/**/*.css")
    assert "bundle" in cfg.run.phases
    assert "vite project" in proc.stderr


def test_never_overwrites_without_force(tmp_path, cli_env):
    root = python_repo(tmp_path / "py")
    (root / "echotune.toml").write_text("# mine\n")
    proc = run_cli("init", "--dir", str(root), "--ref", REF, env=cli_env)
    assert proc.returncode == 2
    assert "echotune.toml already exists; nothing written (use --force to overwrite)" in proc.stderr
    assert (root / "echotune.toml").read_text() == "# mine\n"
    assert not (root / ".github").exists()
    forced = run_cli("init", "--dir", str(root), "--ref", REF, "--force", env=cli_env)
    assert forced.returncode == 0, forced.stderr
    assert (root / "echotune.toml").read_text().startswith("# EchoTune CI for py (flask")


def test_default_ref_is_this_checkout(tmp_path, cli_env):
    head = subprocess.run(["git", "-C", str(Path(__file__).resolve().parents[2]), "rev-parse", "HEAD"],
                          capture_output=True, text=True).stdout.strip()
    root = python_repo(tmp_path / "py")
    proc = run_cli("init", "--dir", str(root), env=cli_env)
    assert proc.returncode == 0, proc.stderr
    assert f"pr-gate.yml@{head}" in (root / ".github/workflows/echotune.yml").read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--ref", "v1.2.0"), "--ref must be the full 40-character commit SHA"),
        (("--ref", "0123abc"), "--ref must be the full 40-character commit SHA"),
    ],
)
def test_bad_input(tmp_path, cli_env, args, message):
    proc = run_cli("init", "--dir", str(tmp_path), *args, env=cli_env)
    assert proc.returncode == 2 and message in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_unknown_stack_with_a_serve_command(tmp_path, cli_env):
    proc = run_cli("init", "--dir", str(tmp_path), "--ref", REF, "--serve-command", "./serve --port {port}",
                   env=cli_env)
    assert proc.returncode == 0, proc.stderr
    assert load_config(tmp_path / "echotune.toml").serve.command == "./serve --port {port}"


def test_detects_other_stacks(tmp_path):
    fastapi = tmp_path / "fa"
    fastapi.mkdir()
    (fastapi / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndependencies = ["fastapi>=0.110", "uvicorn"]\n')
    (fastapi / "main.py").write_text("from fastapi import FastAPI\napp = FastAPI()\n")
    app = detect_stack(fastapi).app
    assert app.framework == "fastapi" and app.pyproject == "pyproject.toml"
    assert app.setup == "python3 -m venv .venv && .venv/bin/python -m pip install -e ."
    assert app.command == "uvicorn main:app --host 127.0.0.1 --port {port}"

    django = tmp_path / "dj"
    django.mkdir()
    (django / "manage.py").write_text("")
    (django / "requirements.txt").write_text("Django==5.0.6\n")
    app = detect_stack(django).app
    assert app.command == "python manage.py runserver 127.0.0.1:{port} --noreload"
    assert app.build == "python manage.py migrate --noinput"

    docker = tmp_path / "dock"
    docker.mkdir()
    (docker / "Dockerfile").write_text("FROM nginx:1.27\nEXPOSE 80\n")
    app = detect_stack(docker).app
    assert (app.build, app.command) == ("docker build -t echotune-app .",
                                        "docker run --rm -p 127.0.0.1:{port}:80 echotune-app")

    express = tmp_path / "ex"
    express.mkdir()
    (express / "package.json").write_text(json.dumps({"scripts": {"start": "node server.js"},
                                                      "dependencies": {"express": "^4.19.0"}}))
    (express / "yarn.lock").write_text("")
    app = detect_stack(express).app
    assert app.framework == "express" and "bundle" not in app.phases
    assert (app.setup, app.command) == ("yarn install --frozen-lockfile", "yarn start")


def test_project_in_a_subfolder_of_a_git_repository(tmp_path, cli_env):
    """Workflows go to the repository's root (GitHub runs no others), pointed at the project folder."""
    repo = tmp_path / "monorepo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True, timeout=30)
    (repo / "examples").mkdir()
    project = python_repo(repo / "examples" / "blog")
    proc = run_cli("init", "--dir", str(project), "--ref", REF, "--research", env=cli_env)
    assert proc.returncode == 0, proc.stderr
    assert not (project / ".github").exists()
    assert (project / "echotune.toml").is_file()
    files = sorted((repo / ".github" / "workflows").glob("*.yml"))
    assert [f.name for f in files] == ["echotune-report.yml", "echotune-research.yml", "echotune.yml"]
    check = subprocess.run([str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.github-workflows",
                            *map(str, files)], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    assert problems(files) == []
    gate = (repo / ".github/workflows/echotune.yml").read_text()
    assert 'working-directory: "examples/blog"' in gate and "config: echotune.toml" in gate
    research = (repo / ".github/workflows/echotune-research.yml").read_text()
    assert 'config: "examples/blog/echotune.toml"' in research  # research.yml has no working-directory
    out = proc.stdout.splitlines()
    assert f"wrote {project / 'echotune.toml'}" in out
    gate_line = f"wrote {repo / '.github/workflows/echotune.yml'} (the root of the git repository"
    assert any(line.startswith(gate_line) and "it measures examples/blog/" in line for line in out)
    load_config(project / "echotune.toml")


def test_repository_root_is_the_project_without_git(tmp_path):
    from echotune_ci.project.init import init_project, repository_root

    project = python_repo(tmp_path / "py")
    assert repository_root(project) is None
    done = init_project(project, ref=REF)
    assert done.repository == done.project == project.resolve()
    assert (project / ".github/workflows/echotune.yml").is_file()


def test_an_app_that_creates_its_tables_gets_no_check_for_them(tmp_path):
    # msgs08/fastapi-example's main.py calls Base.metadata.create_all(bind=engine) on start; init still said
    # "no file says how its tables are created" (on the terminal only: with no build step, the checks of
    # build were left out of echotune.toml)
    from echotune_ci.project.init import app_setup, plan_files

    (tmp_path / "requirements.txt").write_text("fastapi==0.79.0\nuvicorn==0.18.2\nSQLAlchemy==1.4.40\n")
    main = ("from fastapi import FastAPI\nfrom .database import Base, engine\n\n{}app = FastAPI()\n\n"
            "@app.get('/items/')\ndef items():\n    return []\n")
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "__init__.py").write_text("")
    (tmp_path / "api" / "main.py").write_text(main.format(""))
    text = plan_files(tmp_path, app_setup(tmp_path), ref="main")["echotune.toml"]
    assert "no file says how its tables are created" in text
    (tmp_path / "api" / "main.py").write_text(main.format("Base.metadata.create_all(bind=engine)\n"))
    app = app_setup(tmp_path)
    text = plan_files(tmp_path, app, ref="main")["echotune.toml"]
    assert "no file says how its tables are created" not in text
    assert ("build", "no step for the tables", "api/main.py creates them (create_all)") in [
        (d.key, d.value, d.source) for d in app.decisions]
    # Not a test's setup nor a CLI command (flask init-db): nothing runs those when the app starts
    (tmp_path / "api" / "main.py").write_text(main.format("@cli.command()\ndef init_db():\n"
                                                          "    Base.metadata.create_all(bind=engine)\n"))
    (tmp_path / "test_app.py").write_text("def setup_module():\n    db.create_all()\ndb.create_all()\n")
    text = plan_files(tmp_path, app_setup(tmp_path), ref="main")["echotune.toml"]
    assert "no file says how its tables are created" in text
    # a Flask factory or a FastAPI startup hook does run them
    for code in ("def create_app():\n    db.create_all()\n    return app\n",
                 "@app.on_event('startup')\nasync def start():\n    Base.metadata.create_all(bind=engine)\n"):
        (tmp_path / "api" / "main.py").write_text(main.format(code))
        assert "no file says" not in plan_files(tmp_path, app_setup(tmp_path), ref="main")["echotune.toml"]


def test_the_phases_reason_names_the_file_of_the_route_that_answers(tmp_path):
    # msgs08/fastapi-example: the only routes are a router's own "/" under prefix="/items"; the reason read
    # "phases: security, load  <- : no "/" route ..." with no file before the colon
    from echotune_ci.project.init import app_setup

    (tmp_path / "requirements.txt").write_text("fastapi==0.79.0\nuvicorn==0.18.2\n")
    (tmp_path / "api" / "routers").mkdir(parents=True)
    (tmp_path / "api" / "__init__.py").write_text("")
    (tmp_path / "api" / "routers" / "__init__.py").write_text("")
    (tmp_path / "api" / "main.py").write_text("from fastapi import FastAPI\nfrom api.routers import items\n"
                                              "app = FastAPI()\napp.include_router(items.router)\n")
    (tmp_path / "api" / "routers" / "items.py").write_text(
        "from fastapi import APIRouter\nrouter = APIRouter(prefix='/items')\n\n"
        "@router.get('/')\nasync def read_items():\n    return []\n")
    (phases, *_) = [d for d in app_setup(tmp_path).decisions if d.key == "phases"]
    assert phases.source == 'api/routers/items.py: no "/" route and no pages (an API): no frontend'


def test_django_settings_switched_by_a_condition_are_said_with_it(tmp_path):
    # encode/rest-framework-tutorial: DEBUG = True, then under `if ENVIRONMENT == 'production':` DEBUG =
    # False and SECURE_SSL_REDIRECT = True; app.json sets ENVIRONMENT=production, which init copies. It
    # said "sets DEBUG = True and reads no environment variable for it" and nothing of the redirect,
    # after which every request went to HTTPS and the run waited its whole timeout.
    from echotune_ci.project.init import app_setup

    (tmp_path / "manage.py").write_text("import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', "
                                        "'tutorial.settings')\n")
    (tmp_path / "requirements.txt").write_text("Django==5.0.6\n")
    (tmp_path / "app.json").write_text(json.dumps({"env": {"ENVIRONMENT": "production"}}))
    (tmp_path / "tutorial").mkdir()
    settings = ("import os\nENVIRONMENT = os.getenv('ENVIRONMENT', 'development')\nDEBUG = True\n"
                "ALLOWED_HOSTS = ['*']\n\nif ENVIRONMENT == 'production':\n    DEBUG = False\n"
                "    SECURE_SSL_REDIRECT = True\n")
    (tmp_path / "tutorial" / "settings.py").write_text(settings)
    app = app_setup(tmp_path)
    checks = app.checks["env"]
    condition = "under `if ENVIRONMENT == 'production'`"
    # Copied, the variable turned the redirect on and `run` stopped on "/ redirects to https://" (second
    # round of real projects): it is left out, and DEBUG is on as the settings say outside the block
    assert "ENVIRONMENT" not in app.env
    assert (f"tutorial/settings.py sets SECURE_SSL_REDIRECT = True {condition} (line 8): the app would send "
            "every request to HTTPS, which it is not served over here, so ENVIRONMENT=production is left out "
            "of [serve] env; the settings outside that block are measured") in checks
    assert (f"tutorial/settings.py sets DEBUG = True, and False {condition} (line 7): the app is measured "
            "with DEBUG on unless that holds in this run's environment") in checks
    assert not [c for c in checks if "reads no environment variable" in c]
    # Set for good at the top level: said without a condition
    (tmp_path / "tutorial" / "settings.py").write_text("DEBUG = False\nALLOWED_HOSTS = ['*']\n"
                                                       "SECURE_SSL_REDIRECT = True\n")
    checks = app_setup(tmp_path).checks["env"]
    assert ("tutorial/settings.py sets SECURE_SSL_REDIRECT = True: the app then sends every request to "
            "HTTPS, which it is not served over here; keep it off for the run") in checks


@pytest.mark.parametrize(("start", "command"), [
    ("npx nodemon index.js", "cd backend && node index.js"),
    ("node --watch index.js", "cd backend && node index.js"),
    ("node index.js", "npm start --prefix backend"),
])
def test_a_start_script_under_a_file_watcher_is_started_without_it(tmp_path, start, command):
    # Trip1eLift/template-viteReact-express-sqlite3: backend's "start": "npx nodemon index.js"; nodemon
    # restarts the server when a file changes (the app's own SQLite file, the run's results) mid-run
    from echotune_ci.project.init import app_setup

    (tmp_path / "package.json").write_text(json.dumps({"name": "t", "scripts": {
        "backend": "cd ./backend && npm start"}}))
    (tmp_path / "backend").mkdir()
    (tmp_path / "backend" / "package.json").write_text(json.dumps({
        "name": "backend", "type": "module", "scripts": {"start": start},
        "dependencies": {"express": "^4.18.1"}, "devDependencies": {"nodemon": "^2.0.16"}}))
    (tmp_path / "backend" / "package-lock.json").write_text("{}")
    (tmp_path / "backend" / "index.js").write_text(
        "import express from 'express';\nconst app = express();\n"
        "app.get('/health', (q, s) => s.send('ok'));\napp.listen(process.env.PORT || 8080);\n")
    app = app_setup(tmp_path)
    assert app.command == command


def test_the_gate_workflow_installs_the_package_manager_the_runner_lacks(tmp_path, cli_env):
    """hackersandslackers/flask-blueprint-tutorial (poetry.lock): init wrote `poetry install` and a workflow
    that never installed Poetry, which GitHub's Ubuntu images lack (their README lists npm, Yarn 1.22 and
    pipx among the package managers, no Poetry, Pipenv, PDM or uv); a developer with Poetry installed got no
    word of it. The workflow now names it for the action to install."""
    root = tmp_path / "blueprints"
    root.mkdir()
    (root / "pyproject.toml").write_text('[tool.poetry]\nname = "blueprints"\nversion = "0.1.1"\n\n'
                                         '[tool.poetry.dependencies]\npython = "^3.11"\nflask = "*"\n'
                                         'gunicorn = "*"\n')
    (root / "poetry.lock").write_text('[[package]]\nname = "flask"\nversion = "3.1.2"\n')
    (root / "wsgi.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    proc = run_cli("init", "--dir", str(root), "--ref", REF, env=cli_env)
    assert proc.returncode == 0, proc.stderr
    assert_valid(root, workflows=2)
    assert load_config(root / "echotune.toml").serve.setup.endswith("poetry install --no-root")
    gate = (root / ".github/workflows/echotune.yml").read_text()
    assert '      tools: "poetry"\n' in gate
    # pip needs nothing the runner lacks
    plain = python_repo(tmp_path / "py")
    assert run_cli("init", "--dir", str(plain), "--ref", REF, env=cli_env).returncode == 0
    assert "tools:" not in (plain / ".github/workflows/echotune.yml").read_text()


@pytest.mark.parametrize(("setup", "build", "command", "expected"), [
    ("PIPENV_VENV_IN_PROJECT=1 pipenv sync", "", "pipenv run gunicorn app:app", ["pipenv"]),
    ("cd api && uv sync --frozen", "uv run alembic upgrade head", ".venv/bin/uvicorn main:app", ["uv"]),
    ("pdm install --prod && npm ci", "npm run build", "pdm run flask run", ["pdm"]),
    ("python3 -m venv .venv && .venv/bin/python -m pip install poetry", "", ".venv/bin/gunicorn a:app", []),
])
def test_runner_tools_are_the_steps_own_programs(setup, build, command, expected):
    from echotune_ci.project.appsetup import AppSetup
    from echotune_ci.project.init import runner_tools

    app = AppSetup(kind="python", framework="flask", setup=setup, build=build, command=command)
    assert runner_tools(app) == expected


def test_a_written_file_git_ignores_is_said_with_how_to_commit_it(tmp_path):
    # facutk/cra-express-sqlite-fly's .gitignore holds `.github` (under "# Personal"): `git add .` leaves the
    # gate's workflows out without a word; `git check-ignore -v` names that line for both of them
    from echotune_ci.project.init import init_project, written_lines

    project = python_repo(tmp_path / "py")
    subprocess.run(["git", "init", "-q", str(project)], check=True, timeout=30)
    (project / ".gitignore").write_text("# Personal\n.vscode\n.github\n")
    done = init_project(project, ref=REF)
    lines = written_lines(done)
    assert lines[0] == f"wrote {project.resolve() / 'echotune.toml'}"
    gate = f"wrote {project.resolve() / '.github/workflows/echotune.yml'}"
    assert f"{gate}; git ignores it: commit it with `git add -f .github/workflows/echotune.yml`" in lines
    (project / ".gitignore").write_text("# Personal\n.vscode\n")
    assert all("git ignores it" not in line for line in written_lines(done))
