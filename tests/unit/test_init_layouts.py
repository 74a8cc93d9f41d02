"""`init` on captured project layouts: the serve, setup, build, port, ready, bundle and audit it writes.

Each folder under tests/fixtures/layouts/ recreates the shape of a kind of
real project (file names, scripts, entry points, config shapes; a few lines
each, no third-party code): see docs/real-projects.md for the public apps
they stand for. init reads files only, so nothing here installs or runs.
"""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from conftest import run_cli

from echotune_ci.config import load_config
from echotune_ci.phases.security.settings import BanditSettings, SecretsSettings
from echotune_ci.project import runtimes, workspaces
from echotune_ci.project.commands import bind, dev_options, kind, segments, with_cd
from echotune_ci.project.init import init_project

REF = "0123456789abcdef0123456789abcdef01234567"
LAYOUTS = Path(__file__).resolve().parents[1] / "fixtures" / "layouts"
VENV = "python3 -m venv .venv && .venv/bin/python -m pip install"
SECRETS_DEFAULT = SecretsSettings().exclude
BANDIT_DEFAULT = BanditSettings().exclude

# layout -> expected [serve] and neighbours; "checks" are substrings of `# check:` lines in echotune.toml.
EXPECTED: dict[str, dict[str, object]] = {
    "express-vite": {
        # render.yaml sets NODE_ENV=production, with which a plain `npm ci` leaves out vite (a devDependency);
        # npm's own setting keeps it, in every install (also one a package.json script runs)
        "setup": "npm ci",
        "setup_inputs": ("package.json", "package-lock.json"),
        "build": "npm run build",
        "command": "npm start",
        "port": "auto",
        "ready_url": "http://127.0.0.1:{port}/api/health",
        "env": {"NODE_ENV": "production", "npm_config_include": "dev"},
        "globs": ("dist/public/**/*.js", "dist/public/**/*.css"),
        "phases": ("security", "frontend", "load", "bundle"),
    },
    "django-procfile": {
        "setup": f"{VENV} -r requirements.txt",
        "build": "python manage.py migrate && python manage.py collectstatic --no-input",
        "command": "gunicorn --bind 127.0.0.1:{port} library.wsgi",
        "ready_url": "http://127.0.0.1:{port}/",
        "requirements": ("requirements.txt",),
        "phases": ("security", "frontend", "load"),
        "checks": ["library/settings.py sets DEBUG = True and reads no environment variable",
                   "runtime.txt asks for Python 3.10"],
        "secrets_exclude": (*SECRETS_DEFAULT, "staticfiles"),  # collectstatic writes STATIC_ROOT
        "bandit_exclude": (*BANDIT_DEFAULT, "staticfiles"),
    },
    "express-fixed-port": {
        "setup": "npm ci",
        "build": "",
        "command": "npm start",
        "port": 5000,
        "ready_url": "http://127.0.0.1:5000/healthz",
        "globs": (),
    },
    "sveltekit-node": {
        # sveltekit-auth-example: adapter-node's build is the server (`node build`, here its `out` folder),
        # not `vite preview` (the preview script, for development), and it listens where HOST says
        "setup": "yarn install --immutable",
        "build": "yarn build",
        "command": "node server-build",
        "port": "auto",
        "ready_url": "http://127.0.0.1:{port}/",
        "env": {"HOST": "127.0.0.1", "PUBLIC_MAPS_KEY": "echotune-ci-local-only-not-a-secret"},
        "globs": (".svelte-kit/output/client/**/*.js", ".svelte-kit/output/client/**/*.css"),
        "secrets_exclude": (*SECRETS_DEFAULT, ".svelte-kit/output/client"),
        "bandit_exclude": (*BANDIT_DEFAULT, ".svelte-kit/output/client"),
        "checks": ["src/lib/Map.svelte:2 imports PUBLIC_MAPS_KEY from $env/static/public: the build",
                   "the app connects to PostgreSQL, found through SHOP_DATABASE_URL",
                   # corepack would fetch yarn 4.5.0 from repo.yarnpkg.com; yarn 1 runs the committed one
                   "the repository carries its own yarn (.yarn/releases/yarn-4.5.0.cjs, .yarnrc.yml"],
    },
    "nuxt-node": {
        # Nuxt 3's build writes its Node server to .output/server; `nuxt preview` is not production's start
        "setup": "npm ci",
        "build": "npm run build",
        "command": "node .output/server/index.mjs",
        "port": "auto",
        "env": {"HOST": "127.0.0.1"},
        "globs": (".output/public/**/*.js", ".output/public/**/*.css"),
        "secrets_exclude": (*SECRETS_DEFAULT, ".output/public"),
        "bandit_exclude": (*BANDIT_DEFAULT, ".output/public"),
    },
    "vite-ssr": {
        "setup": "npm install",
        "build": "npm run build",
        "command": "npm run preview",
        "port": "auto",
        "ready_url": "http://127.0.0.1:{port}/",
        "globs": ("dist/client/**/*.js", "dist/client/**/*.css"),
        "checks": ["no lockfile", "the JavaScript audit has no locked versions to check"],
    },
    "workspaces": {
        "setup": "yarn install --frozen-lockfile",
        "build": "yarn workspace web build",
        "command": "yarn workspace api start",
        "ready_url": "http://127.0.0.1:{port}/api/health",
        "globs": ("apps/web/build/**/*.js", "apps/web/build/**/*.css"),
        "phases": ("security", "load", "bundle"),
        "checks": ["apps/web is built but the server does not serve it"],
    },
    "nextjs": {
        "setup": "pnpm install --frozen-lockfile",
        "setup_inputs": ("package.json", "pnpm-lock.yaml"),
        "build": "pnpm build",
        "command": "npx next start --hostname 127.0.0.1 --port {port}",
        "globs": (".next/static/**/*.js", ".next/static/**/*.css"),
        "secrets_exclude": (*SECRETS_DEFAULT, ".next"),
        "bandit_exclude": (*BANDIT_DEFAULT, ".next"),
    },
    "flask-migrate": {
        "setup": f"{VENV} -r requirements.txt",
        "setup_inputs": ("requirements.txt",),
        "build": "flask db upgrade && flask translate compile",
        "command": "gunicorn --bind 127.0.0.1:{port} blog:app",
        "port": "auto",
        "env": {"FLASK_APP": "blog.py", "FLASK_DEBUG": "0"},
        "requirements": ("requirements.txt",),
        "ready_url": "http://127.0.0.1:{port}/",
    },
    "flask-factory": {
        "setup": f"{VENV} -r requirements.txt",
        "build": "flask db upgrade",
        "command": "flask run --host 127.0.0.1 --port {port}",
        "env": {"FLASK_APP": "app", "FLASK_DEBUG": "0"},
        "ready_url": "http://127.0.0.1:{port}/ping",
        # issue 14: unpinned lines are listed as not auditable; they no longer turn the audit off
        "requirements": ("requirements.txt",),
        "checks": ["requirements.txt has unpinned lines (Flask, Flask-Migrate): they are listed as not "
                   "auditable"],
    },
    "procfile": {
        "build": "flask db upgrade && flask seed-data",
        "command": "gunicorn --bind 127.0.0.1:{port} -w 2 wsgi:app",
        "env": {"WEB_CONCURRENCY": "2", "FLASK_APP": "wsgi", "FLASK_DEBUG": "0"},
        "ready_url": "http://127.0.0.1:{port}/health",
        "checks": ["SECRET_KEY must be set"],
    },
    "django-env": {
        "setup": f"{VENV} -r requirements.txt",
        "build": "python manage.py migrate --noinput && python manage.py collectstatic --noinput",
        "command": "gunicorn --bind 127.0.0.1:{port} mysite.wsgi",
        "env": {
            "DJANGO_DEBUG": "False",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECRET_KEY": "echotune-ci-local-only-not-a-secret",
        },
        "ready_url": "http://127.0.0.1:{port}/healthz/",
        "requirements": ("requirements.txt",),
        "checks": ["requires DJANGO_SECRET_KEY"],
        "secrets_exclude": (*SECRETS_DEFAULT, "staticfiles"),
        "bandit_exclude": (*BANDIT_DEFAULT, "staticfiles"),
    },
    "django-environ": {
        "setup": "uv sync --frozen",
        "setup_inputs": ("pyproject.toml", "uv.lock"),
        "build": "python manage.py migrate --noinput",
        "command": "python manage.py runserver 127.0.0.1:{port} --noreload",
        "env": {"DEBUG": "False", "ALLOWED_HOSTS": "127.0.0.1,localhost"},
        "lockfiles": ("uv.lock",),  # issue 14: the locked versions, not the pyproject's ranges
        "checks": ["runserver is Django's development server", ".python-version asks for Python 3.12"],
    },
    "fastapi-src": {
        "setup": f"{VENV} -r requirements.txt",
        "command": "gunicorn --bind 127.0.0.1:{port} api.main:app",
        "cwd": "src",
        "ready_url": "http://127.0.0.1:{port}/generate_name",
        "requirements": ("src/requirements.txt",),
        "phases": ("security", "load", "api"),
    },
    "fastapi-uv": {
        "setup": "uv sync --frozen",
        "build": "alembic upgrade head",
        "command": "uvicorn app.main:app --host 127.0.0.1 --port {port}",
        "ready_url": "http://127.0.0.1:{port}/api/health",
        "lockfiles": ("uv.lock",),
    },
    "fastapi-fixed-port": {
        "command": "python main.py",
        "port": 8001,
        "ready_url": "http://127.0.0.1:8001/",
        "requirements": ("requirements.txt",),
    },
    "dockerfile-only": {
        "setup": "",
        "build": "docker build -t echotune-app .",
        "command": "docker run --rm -p 127.0.0.1:{port}:80 echotune-app",
        "checks": ["needs a docker daemon"],
    },
    "compose-services": {
        "command": "gunicorn --bind 127.0.0.1:{port} app:app",
        "requirements": ("requirements.txt",),
        "checks": [
            "starts PostgreSQL ('db', postgres:16) for the app, found through DATABASE_URL",
            "starts Redis ('cache', redis:7-alpine) for the app, found through REDIS_URL",
            "app.py:6 requires DATABASE_URL (os.environ['DATABASE_URL'], no default)",
        ],
    },
    "nothing": {"setup": "", "build": "", "command": "", "globs": ()},
    # aio-libs/aiohttp-demos' blog (docs/real-projects.md, "Twelfth round"): web.run_app in a package's
    # main.py that imports its own package, run with a config file the README names; the database and Redis
    # addresses in that file; the tables made by a helper script the README runs
    "aiohttp-config-file": {
        "setup": f"{VENV} -r requirements.txt",
        "build": "python db_helpers.py -a",
        "command": "python -m shop.main -c config/app.toml",
        "port": 8080,
        "ready_url": "http://127.0.0.1:8080/",
        "requirements": ("requirements.txt",),
        "phases": ("security", "frontend", "load"),
        "checks": [
            "README.rst runs `python db_helpers.py -a`, whose db_helpers.py makes the tables",
            "asyncpg in the dependencies: the app connects to PostgreSQL, which nothing here starts, at the "
            "address its settings file gives (config/app.toml (database.DB_HOST, database.DB_PORT)), not a "
            "variable",
            "the app connects to Redis, which nothing here starts, at the address its settings file gives "
            "(config/app.toml (redis.REDIS_HOST, redis.REDIS_PORT))",
        ],
        # run --base-ref moves the base's listen on 8080 (Python's socket): nothing to change
        "no_checks": ["the server always listens", "no module creating a web app",
                      "no file says how its tables are created",
                      "test_app.toml", "in [serve] env"],
    },
    # --- the reviewer's apps of issue 11 (docs/real-projects.md, "Second round")
    # testdrivenio/fastapi-react with backend/requirements.txt: the backend is the server, not `vite preview`
    "backend-frontend": {
        "setup": f"{VENV} -r requirements.txt && npm ci --prefix ../frontend",
        "setup_inputs": ("requirements.txt", "../frontend/package.json", "../frontend/package-lock.json"),
        "build": "npm run build --prefix ../frontend",
        "command": "uvicorn app.api:app --host 127.0.0.1 --port {port}",
        "cwd": "backend",
        "port": "auto",
        "ready_url": "http://127.0.0.1:{port}/",
        "requirements": ("backend/requirements.txt",),
        "globs": ("frontend/dist/**/*.js", "frontend/dist/**/*.css"),
        # "/" answers {"message": "todos"} and no page: no frontend (it audited Chromium's JSON viewer)
        "phases": ("security", "load", "api", "bundle"),
        "checks": ["frontend/ is built but the server (backend/) does not serve it",
                   "its pages are not audited, the bundle phase measures the build"],
        "no_checks": ["vite preview"],
    },
    # the same, at the app's HEAD: backend/ has no manifest at all
    "backend-no-manifest": {
        "setup": f"{VENV} fastapi uvicorn && npm ci --prefix ../frontend",
        "command": "uvicorn app.api:app --host 127.0.0.1 --port {port}",
        "cwd": "backend",
        "globs": ("frontend/dist/**/*.js", "frontend/dist/**/*.css"),
        "checks": ["no requirements file or pyproject.toml: setup installs fastapi, uvicorn"],
    },
    # microblog's early chapters: no requirements anywhere, .flaskenv names a top module that imports the
    # app/ package, which imports the top's config.py; app/ lists nothing more than the top, and served from
    # there (cwd = "app", FLASK_APP = "") it could not import config
    "flask-top-module-no-manifest": {
        "setup": f"{VENV} flask",
        "command": "flask run --host 127.0.0.1 --port {port}",
        "cwd": ".",
        "env": {"FLASK_APP": "journal.py", "FLASK_DEBUG": "0"},
        "checks": ["no requirements file or pyproject.toml: setup installs flask"],
    },
    # lkleinbrodt/flask-react-shadcn-template: the top's .flaskenv names the app in the backend/ package,
    # which runs from the top (it imports itself as `backend`) and holds the requirements and the migrations
    "flask-package-vite": {
        "setup": f"{VENV} -r backend/requirements.txt && npm ci --prefix frontend",
        "setup_inputs": ("backend/requirements.txt", "frontend/package.json", "frontend/package-lock.json"),
        "build": "npm run build --prefix frontend && flask db upgrade --directory backend/migrations",
        "command": "flask run --host 127.0.0.1 --port {port}",
        "cwd": ".",
        "ready_url": "http://127.0.0.1:{port}/api/status",
        "env": {"FLASK_APP": "backend.serve:app", "FLASK_DEBUG": "0"},
        "requirements": ("backend/requirements.txt",),
        "globs": ("frontend/dist/**/*.js", "frontend/dist/**/*.css"),
        "phases": ("security", "load", "bundle"),
        "checks": ["frontend/ is built but the server (the top folder) does not serve it",
                   "backend/settings.py:10 requires DATABASE_URL (if not SQLALCHEMY_DATABASE_URI: raise, no "
                   "default): the app stops without it"],
        "no_checks": ["vite preview", "no module creating a web app"],
    },
    # a backend that serves the built client (StaticFiles on ../frontend/dist): no note
    "backend-serves-frontend": {
        "setup": f"{VENV} -e . && npm ci --prefix ../frontend",
        "build": "npm run build --prefix ../frontend",
        "command": "uvicorn app.api:app --host 127.0.0.1 --port {port}",
        "cwd": "backend",
        "ready_url": "http://127.0.0.1:{port}/api/health",
        "pyproject": "backend/pyproject.toml",
        "phases": ("security", "frontend", "load", "api", "bundle"),
        "no_checks": ["does not serve it"],
    },
    # SecurityPal/demo-todo-app: the Express server runs from "dev:server", on a fixed port
    "express-server-script": {
        "setup": "npm ci && npm ci --prefix client",
        "build": "npm run build --prefix client",
        "command": "node server/index.js",
        "port": 3001,
        "ready_url": "http://127.0.0.1:3001/api/todos",
        "globs": ("client/dist/**/*.js", "client/dist/**/*.css"),
        "phases": ("security", "load", "bundle"),
        "no_checks": ["vite preview", "no server"],
    },
    # `web: cd src && gunicorn app:app # two workers`: the folder stays with the command, the comment goes
    "procfile-cd": {
        "build": "",
        "command": "cd src && gunicorn --bind 127.0.0.1:{port} app:app",
        "cwd": ".",
        "ready_url": "http://127.0.0.1:{port}/",
    },
    # "start": "cd server && node migrate.js && node index.js", and a server that stops without two variables
    "npm-start-cd": {
        "setup": "npm ci",
        "build": "cd server && node migrate.js",
        "command": "cd server && node index.js",
        "ready_url": "http://127.0.0.1:{port}/health",
        "env": {"JWT_SECRET": "echotune-ci-local-only-not-a-secret"},
        "checks": ["server/index.js:3 requires JWT_SECRET", "a placeholder is set here",
                   "server/index.js:4 requires NOTES_BUCKET", "the app stops without it"],
    },
    # escape sequences and U+202E in the Procfile: the written command keeps them, TOML-escaped
    "procfile-control-chars": {
        "command": "gunicorn --bind 127.0.0.1:{port} app:app --name 'x\u202e\x1b[31mred'",
    },
    # miguelgrinberg/flasky: boot.sh's `flask deploy` is the build; config.py needs SERVER_NAME; Python 3.6
    "flask-deploy": {
        "setup": f"{VENV} -r requirements.txt",
        "build": "flask deploy",
        "command": "gunicorn --bind 127.0.0.1:{port} social:app",
        "env": {"FLASK_APP": "social.py", "FLASK_DEBUG": "0"},
        "checks": ["config.py:13 requires SERVER_NAME (os.environ['SERVER_NAME'], no default)",
                   "Dockerfile (FROM python) asks for Python 3.6 and python3 here is 3.11"],
    },
    # wsvincent/djangox: collectstatic writes staticfiles/, which the secrets and bandit scans leave out
    "django-staticfiles": {
        "build": "python manage.py migrate --noinput && python manage.py collectstatic --noinput",
        "command": "gunicorn --bind 127.0.0.1:{port} --workers 2 django_project.wsgi",
        "secrets_exclude": (*SECRETS_DEFAULT, "staticfiles"),
        "bandit_exclude": (*BANDIT_DEFAULT, "staticfiles"),
        "checks": ["Dockerfile (FROM python) asks for Python 3.12"],
    },
    # mars/heroku-cra-node: the root build script enters react-ui/ (CRA) and installs there; Node 10 asked
    "cra-node": {
        "setup": "npm ci",
        "setup_inputs": ("package.json", "package-lock.json"),
        "build": "npm run build",
        "command": "npm start",
        "ready_url": "http://127.0.0.1:{port}/",
        "env": {"NODE_OPTIONS": "--openssl-legacy-provider"},
        "globs": ("react-ui/build/static/**/*.js", "react-ui/build/static/**/*.css"),
        "phases": ("security", "frontend", "load", "bundle"),
        "checks": ["package.json engines.node asks for Node 10.x and node here is 20",
                   "package.json scripts.build installs react-ui's dependencies itself",
                   "react-scripts 2.1.8 (react-ui/package.json) builds with webpack 4"],
    },
    # shadcn-ui/next-template: sharp 0.31 downloads libvips, next/font/google downloads fonts, .nvmrc asks 18
    "next-sharp": {
        "setup": "npm install",
        "build": "npm run build",
        "command": "npx next start --hostname 127.0.0.1 --port {port}",
        "globs": (".next/static/**/*.js", ".next/static/**/*.css"),
        "secrets_exclude": (*SECRETS_DEFAULT, ".next"),
        "bandit_exclude": (*BANDIT_DEFAULT, ".next"),
        "checks": ["sharp ^0.31.3 downloads libvips from GitHub", "npm_config_sharp_libvips_binary_host",
                   "lib/fonts.ts loads fonts through next/font/google", ".nvmrc asks for Node 18"],
    },
    # pallets/flask examples/tutorial: the README's `flask --app flaskr init-db` becomes the build
    "flask-tutorial": {
        "setup": f"{VENV} -e .",
        "build": "flask --app flaskr init-db",
        "command": "flask run --host 127.0.0.1 --port {port}",
        "env": {"FLASK_APP": "flaskr", "FLASK_DEBUG": "0"},
        "checks": ["README.rst says to run `flask --app flaskr init-db` once"],
    },
    # fastapi/full-stack-fastapi-template: a uv workspace (uv.lock at the root, backend/ its member) and a
    # bun workspace (bun.lock at the root, frontend/ a member); the health route under two router prefixes,
    # one a settings default; vite's outDir points from frontend/ into backend/
    "uv-bun-workspace": {
        "setup": "uv sync --frozen --package app && bun --cwd=.. install --frozen-lockfile",
        "setup_inputs": ("pyproject.toml", "../pyproject.toml", "../uv.lock", "../package.json",
                         "../bun.lock", "../frontend/package.json"),
        "build": "bun --cwd=../frontend run build && alembic upgrade head",
        "command": "uvicorn app.main:app --host 127.0.0.1 --port {port}",
        "cwd": "backend",
        "ready_url": "http://127.0.0.1:{port}/api/v1/utils/health-check/",
        "lockfiles": ("uv.lock", "bun.lock"),
        "globs": ("backend/app/frontend/**/*.js", "backend/app/frontend/**/*.css"),
        # openapi_url = f"{settings.API_V1_STR}/openapi.json": the settings default, read as for the routers
        "phases": ("security", "frontend", "load", "api", "bundle"),
        "secrets_exclude": (*SECRETS_DEFAULT, "backend/app/frontend"),
        "bandit_exclude": (*BANDIT_DEFAULT, "backend/app/frontend"),
        "checks": ["bun.lock asks for bun, which is not installed here", "npm install -g bun",
                   "../uv.lock asks for uv, which is not installed here"],
        "no_checks": ["commit a lockfile", "commit one", "frontend/../", "does not serve it",
                      "lockfile the JavaScript audit cannot read"],
    },
    # litestar-org/litestar-fullstack: a manage.py that runs Litestar's CLI (no Django), the package in src/py
    # (hatch's sources), an app factory served by granian (litestar-granian), the README's `app database
    # upgrade` through the project's console script, a Vite client in src/js/web built into the package
    "litestar-src-py": {
        "setup": "uv sync --frozen && bun --cwd=src/js/web install --frozen-lockfile",
        "setup_inputs": ("pyproject.toml", "uv.lock", "src/js/web/package.json", "src/js/web/bun.lock"),
        "build": "bun --cwd=src/js/web run build && app database upgrade --no-prompt",
        "command": ("granian --interface asgi --host 127.0.0.1 --port {port} "
                    "--factory app.server.asgi:create_app"),
        "ready_url": "http://127.0.0.1:{port}/health",
        "lockfiles": ("uv.lock", "src/js/web/bun.lock"),
        "globs": ("src/py/app/server/static/web/**/*.js", "src/py/app/server/static/web/**/*.css"),
        "phases": ("security", "frontend", "load", "api", "bundle"),
        "secrets_exclude": (*SECRETS_DEFAULT, "src/py/app/server/static/web"),
        "bandit_exclude": (*BANDIT_DEFAULT, "src/py/app/server/static/web"),
        "checks": ["README.md says to run `app database upgrade` once", "bun.lock asks for bun"],
        "no_checks": ["runserver", "ALLOWED_HOSTS", "does not serve it", "manage.py migrate"],
    },
    # a Flask backend beside an npm workspace whose package-lock.json is at the root; the health route on a
    # blueprint whose url_prefix register_blueprint replaces with a constant + literal
    "flask-npm-workspace": {
        "setup": f"{VENV} -r requirements.txt && npm ci --prefix ..",
        "setup_inputs": ("requirements.txt", "../package.json", "../package-lock.json",
                         "../frontend/package.json"),
        "build": "npm run build --prefix ../frontend",
        "command": "gunicorn --bind 127.0.0.1:{port} 'api:create_app()'",
        "cwd": "backend",
        "ready_url": "http://127.0.0.1:{port}/api/monitoring/healthcheck",
        "requirements": ("backend/requirements.txt",),
        "globs": ("frontend/dist/**/*.js", "frontend/dist/**/*.css"),
        "no_checks": ["commit one", "no lockfile", "not audited"],
    },
    # a pnpm workspace (pnpm-workspace.yaml with a negated glob) with an Express API whose health router
    # is mounted under a constant prefix; /tracks/status is the app's own endpoint, not its health
    "pnpm-express-member": {
        "setup": "pnpm install --frozen-lockfile",
        "build": "pnpm build",
        "command": "pnpm --filter radio-api start",
        "ready_url": "http://127.0.0.1:{port}/api/v2/livez",
        "globs": ("apps/web/dist/**/*.js", "apps/web/dist/**/*.css"),
        "phases": ("security", "load", "bundle"),
        "checks": ["pnpm-lock.yaml asks for pnpm, which is not installed here", "corepack enable pnpm"],
    },
    # devaijaz/npm-monorepo: an npm workspace whose Express backend serves the Vite client's build (written
    # into backend/dist/public) only `if (isProd)`, isProd = process.env.NODE_ENV === "production"; without
    # NODE_ENV "/" answers 404 and `run` stops at the ready URL
    "npm-workspace-prod-static": {
        "setup": "npm ci",
        "setup_inputs": ("package.json", "package-lock.json"),
        "build": "npm run build",
        "command": "npm start --workspace=backend",
        "ready_url": "http://127.0.0.1:{port}/",
        # NODE_ENV=production alone would leave out vite and typescript
        "env": {"NODE_ENV": "production", "npm_config_include": "dev"},
        "globs": ("backend/dist/public/**/*.js", "backend/dist/public/**/*.css"),
        "phases": ("security", "frontend", "load", "bundle"),
    },
    # tommywalkie/mecanojob-test: a pnpm workspace, a NestJS server that serves the Vite client's build
    # (written into apps/server/public) always, and turns TypeORM's synchronize off when NODE_ENV is
    # production. init read that test as "serves the client only in production" and set NODE_ENV=production:
    # the SQLite file got no tables and every database route answered 500
    "pnpm-nest-vite-sqlite": {
        "setup": "pnpm install --frozen-lockfile",
        "setup_inputs": ("package.json", "pnpm-lock.yaml"),
        "build": "pnpm build",
        "command": "node apps/server/dist/main.js",
        "port": 3000,
        "ready_url": "http://127.0.0.1:3000/",
        "env": {},
        "globs": ("apps/server/public/**/*.js", "apps/server/public/**/*.css"),
        "phases": ("security", "frontend", "load", "api", "bundle"),
        "secrets_exclude": (*SECRETS_DEFAULT, "apps/server/public"),
        "bandit_exclude": (*BANDIT_DEFAULT, "apps/server/public"),
        "checks": ["pnpm-lock.yaml asks for pnpm, which is not installed here"],
        # no NODE_ENV=production, so TypeORM's synchronize makes the tables; run --base-ref moves the base's
        # listen(3000) (Node's net)
        "no_checks": ["switches TypeORM's synchronize off", "the server always listens"],
    },
    # --- twelfth round (docs/real-projects.md): a Koa API beside a Vite client, compose for development
    "koa-compose-dev": {
        # koa-vue-pet-1: the compose file's command runs node with a debugger open on 0.0.0.0:9229 (one
        # port for both builds of `run --base-ref`) and a watcher; they are dropped, the script stays
        "command": "cd api && node src/server.js",
        "port": "auto",
        "ready_url": "http://127.0.0.1:{port}/api/health",
        "phases": ("security", "load", "bundle"),
        "checks": ["starts PostgreSQL ('pg', postgres:16-alpine) for the app, found through DATABASE_URL",
                   "starts Redis ('cache', redis:7-alpine) for the app, found through REDIS_URL"],
        # it also starts Memcached, which nothing of the app reaches: no variable, no client
        "no_checks": ["Memcached"],
    },
}
SERVE_KEYS = ("setup", "build", "command", "port", "cwd", "ready_url", "setup_inputs")
MACHINE = {"python": "3.11", "node": "20"}


@pytest.fixture(autouse=True)
def machine(monkeypatch):
    """This machine's interpreters and package managers, fixed: the `# check:` notes about versions and
    missing tools must not depend on it (npm comes with node; uv, bun, pnpm and yarn are not installed)."""
    monkeypatch.setattr(runtimes, "machine", lambda: dict(MACHINE))
    monkeypatch.setattr(workspaces, "installed", lambda program: program in ("npm", "node", "python3"))


def init_layout(name: str, tmp_path: Path) -> Path:
    root = tmp_path / name
    shutil.copytree(LAYOUTS / name, root)
    done = init_project(root, ref=REF)
    # what init prints last of [run] phases is what it writes (diplom-fullstack-app: "security, load"
    # printed, with bundle added after it)
    said = [d.value for d in done.app.decisions if d.key == "phases"]
    assert not said or said[-1] == ", ".join(done.app.phases), (said, done.app.phases)
    return root


def test_every_layout_has_expectations():
    assert sorted(p.name for p in LAYOUTS.iterdir() if p.is_dir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_layout(name, tmp_path):
    expected = EXPECTED[name]
    root = init_layout(name, tmp_path)
    text = (root / "echotune.toml").read_text()
    cfg = load_config(root / "echotune.toml")  # validates: unknown keys and bad values raise
    for key in SERVE_KEYS:
        if key in expected:
            assert getattr(cfg.serve, key) == expected[key], key
    if "env" in expected:
        assert dict(cfg.serve.env) == expected["env"]
    if "globs" in expected:
        assert cfg.bundle.globs == expected["globs"]
    if "phases" in expected:
        assert cfg.run.phases == expected["phases"]
    if "requirements" in expected:
        assert cfg.security.audit.requirements == expected["requirements"]
    if "pyproject" in expected:
        assert cfg.security.audit.pyproject == expected["pyproject"]
    if "lockfiles" in expected:
        assert cfg.security.audit.lockfiles == expected["lockfiles"]
    if "security_checks" in expected:
        assert cfg.security.checks == expected["security_checks"]
    assert cfg.security.secrets.exclude == expected.get("secrets_exclude", SECRETS_DEFAULT)
    assert cfg.security.bandit.exclude == expected.get("bandit_exclude", BANDIT_DEFAULT)
    checks = " ".join(" ".join(line[2:].split()) for line in text.splitlines() if line.startswith("#"))
    for note in expected.get("checks", []):
        assert note in checks, note
    for note in expected.get("no_checks", []):
        assert note not in checks, note
    # never an install or a build inside the command
    assert kind(cfg.serve.command) in ("serve", "other") if cfg.serve.command else True
    assert not any(kind(part) in ("install", "build") for part in segments(cfg.serve.command))


def test_nothing_runnable_writes_the_command_commented_out(tmp_path, cli_env):
    root = tmp_path / "nothing"
    shutil.copytree(LAYOUTS / "nothing", root)
    proc = run_cli("init", "--dir", str(root), "--ref", REF, env=cli_env)
    assert proc.returncode == 0, proc.stderr
    assert "nothing runnable detected; looked for: Procfile, app.json" in proc.stderr
    text = (root / "echotune.toml").read_text()
    assert '# command = "gunicorn --bind 127.0.0.1:{port} app:app"' in text
    assert "# Nothing runnable was found. Looked for: Procfile" in text
    assert load_config(root / "echotune.toml").serve.command == ""
    run = run_cli("run", "--config", str(root / "echotune.toml"), "-o", str(tmp_path / "out"), env=cli_env)
    assert run.returncode == 2 and "serve.command" in run.stderr  # never measures a wrong server


def test_init_prints_each_decision_with_its_file(tmp_path, cli_env):
    root = tmp_path / "flask-migrate"
    shutil.copytree(LAYOUTS / "flask-migrate", root)
    proc = run_cli("init", "--dir", str(root), "--ref", REF, env=cli_env)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert lines[0] == "flask project (Procfile, requirements.txt, Dockerfile)"
    assert "  command: gunicorn --bind 127.0.0.1:{port} blog:app  <- Procfile (web)" in lines
    assert "  build: flask db upgrade  <- Procfile (web)" in lines
    assert "  env: FLASK_APP=blog.py  <- Dockerfile (ENV)" in lines


def test_check_notes_stand_above_their_key(tmp_path):
    root = init_layout("django-env", tmp_path)
    lines = (root / "echotune.toml").read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("env = "))
    assert lines[at - 2].startswith("# check: mysite/settings.py requires DJANGO_SECRET_KEY")
    tomllib.loads("\n".join(lines))


def test_serve_command_option_replaces_the_detected_one(tmp_path):
    root = tmp_path / "nothing"
    shutil.copytree(LAYOUTS / "nothing", root)
    done = init_project(root, ref=REF, serve_command="./serve --port {port}")
    assert done.app.runnable and done.app.framework == "custom"
    assert load_config(root / "echotune.toml").serve.command == "./serve --port {port}"


@pytest.mark.parametrize(
    ("line", "command"),
    [
        (
            "gunicorn -b :5000 --access-logfile - app:app",
            "gunicorn --bind 127.0.0.1:{port} --access-logfile - app:app",
        ),
        ("exec gunicorn --bind=0.0.0.0:$PORT app:app", "gunicorn --bind 127.0.0.1:{port} app:app"),
        (
            "uvicorn main:app --host 0.0.0.0 --port 80 --reload",
            "uvicorn main:app --host 127.0.0.1 --port {port}",
        ),
        ("poetry run uvicorn main:app", "poetry run uvicorn main:app --host 127.0.0.1 --port {port}"),
        ("python manage.py runserver 0.0.0.0:8000", "python manage.py runserver 127.0.0.1:{port} --noreload"),
        ("flask run --debug -p 5001", "flask run --host 127.0.0.1 --port {port}"),
        ("next start -p 3000", "next start --hostname 127.0.0.1 --port {port}"),
        ("vite preview", "vite preview --host 127.0.0.1 --port {port} --strictPort"),
        # astro preview (Astro's CLI: --host, --port; it reads no PORT)
        ("astro preview --port 4000 --open", "astro preview --host 127.0.0.1 --port {port}"),
        (
            "daphne -b 0.0.0.0 -p 8000 site.asgi:application",
            "daphne -b 127.0.0.1 -p {port} site.asgi:application",
        ),
        ("python run.py --port 5000", "python run.py --port {port}"),
        ("waitress-serve --port=8080 app:app", "waitress-serve --listen=127.0.0.1:{port} app:app"),
        ("gunicorn 'app:create_app()'", "gunicorn --bind 127.0.0.1:{port} 'app:create_app()'"),
        # a folder to enter stays in front; a trailing comment is not an argument
        ("cd src && gunicorn app:app", "cd src && gunicorn --bind 127.0.0.1:{port} app:app"),
        ("gunicorn -w 2 app:app # two workers", "gunicorn --bind 127.0.0.1:{port} -w 2 app:app"),
        # uWSGI: its workers answer HTTP themselves, whatever address the line gave (HTTP, or the uwsgi
        # protocol for nginx in front); 2.0 reloads on SIGTERM unless told to stop; nothing detaches
        (
            "uwsgi --http :$PORT --module site.wsgi --master --processes 4",
            "uwsgi --module site.wsgi --master --processes 4 --http-socket 127.0.0.1:{port} --die-on-term",
        ),
        (
            "uwsgi --socket=0.0.0.0:8000 --wsgi-file app.py --die-on-term --daemonize /var/log/u.log",
            "uwsgi --wsgi-file app.py --die-on-term --http-socket 127.0.0.1:{port}",
        ),
    ],
)
def test_bind(line, command):
    assert bind(line).command == command


@pytest.mark.parametrize(
    "line, command, dropped",
    [
        ("cd api && node --inspect=0.0.0.0:9229 --watch src/server.js", "cd api && node src/server.js",
         ["--inspect=0.0.0.0:9229", "--watch"]),
        # a value after the option is the option's, an option after the script is the app's argument
        ("node --watch-path ./src --enable-source-maps server.js --watch",
         "node --enable-source-maps server.js --watch", ["--watch-path", "./src"]),
        ("NODE_ENV=production exec node --inspect-brk=9230 dist/main.js", "node dist/main.js",
         ["--inspect-brk=9230"]),
        ("deno run --watch --allow-net main.ts", "deno run --allow-net main.ts", ["--watch"]),
        ("bun --hot index.ts", "bun index.ts", ["--hot"]),
        ("node server.js --port 3000", "node server.js --port {port}", []),
        ("gunicorn --reload app:app", "gunicorn --bind 127.0.0.1:{port} app:app", []),
    ],
)
def test_a_javascript_runtime_starts_without_its_debugger_and_watcher(line, command, dropped):
    assert bind(line).command == command
    assert dev_options(line) == dropped


def test_the_dropped_options_are_said_beside_the_command(tmp_path):
    root = tmp_path / "app"
    shutil.copytree(LAYOUTS / "koa-compose-dev", root)
    decisions = [(d.key, d.value, d.source) for d in init_project(root, ref=REF).app.decisions]
    command = next(source for key, value, source in decisions if key == "command")
    assert command.startswith("docker-compose.yml (api: command), without --inspect=0.0.0.0:9229 --watch: ")
    services = [value for key, value, _ in decisions if key == "service"]
    assert services == ["PostgreSQL (pg)", "Redis (cache)", "Memcached (sessions) not started"]


def test_bind_moves_fixed_environment_out():
    bound = bind("NODE_ENV=production PORT=5000 node dist/index.js")
    assert bound.command == "node dist/index.js" and bound.env == {"NODE_ENV": "production"}
    assert bound.port == "env"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("npm ci", "install"),
        ("yarn", "install"),
        ("python -m pip install -r requirements.txt", "install"),
        ("npm run build", "build"),
        ("flask db upgrade", "build"),
        ("python manage.py collectstatic --no-input", "build"),
        ("npx prisma migrate deploy", "build"),
        ("node server.js", "serve"),
        ("npm start", "serve"),
        ("echo hello", "other"),
    ],
)
def test_kind(line, expected):
    assert kind(line) == expected


def test_segments_drop_comments_and_keep_folders():
    assert segments("gunicorn app:app # two workers; not a command") == ["gunicorn app:app"]
    assert segments("echo '# kept' && gunicorn app:app") == ["echo '# kept'", "gunicorn app:app"]
    assert with_cd(segments("cd src && flask db upgrade && gunicorn app:app")) == [
        "cd src && flask db upgrade",
        "cd src && gunicorn app:app",
    ]
    assert with_cd(["cd api", "cd ../web", "npm start"]) == ["cd web && npm start"]


def test_segments_respect_quotes():
    assert segments("flask db upgrade; echo 'a && b' && gunicorn app:app") == [
        "flask db upgrade",
        "echo 'a && b'",
        "gunicorn app:app",
    ]


@pytest.mark.parametrize(
    ("config", "globs"),
    [
        # root and outDir anchored at the config's folder through a variable, outDir behind an env fallback
        ("const HERE = path.dirname(fileURLToPath(import.meta.url));\n"
         "export default { root: path.join(HERE, 'web'),\n"
         "  build: { outDir: path.resolve(process.env.APP_DIST || path.join(HERE, 'dist')) } };\n", "dist"),
        # a relative outDir is relative to Vite's root
        ("export default { root: 'web', build: { outDir: 'out' } };\n", "web/out"),
        ("export default { root: 'web' };\n", "web/dist"),
    ],
)
def test_vite_output_folder(tmp_path, config, globs):
    (tmp_path / "package.json").write_text(
        '{"scripts": {"build": "vite build", "preview": "vite preview"}, "devDependencies": {"vite": "^5"}}'
    )
    (tmp_path / "vite.config.js").write_text(config)
    done = init_project(tmp_path, ref=REF)
    assert done.app.bundle_globs == [f"{globs}/**/*.js", f"{globs}/**/*.css"]
    # a static preview script is rewritten to listen on {port}, and said to be a static server
    assert done.app.command == "npx vite preview --host 127.0.0.1 --port {port} --strictPort"
    assert "built files are served by `vite preview`" in " ".join(done.app.notes("command"))


@pytest.mark.parametrize(
    ("deps", "build"),
    [
        # vite comes with @vitejs/plugin-vue and vitest, not listed itself; @vue/cli-service is a leftover
        ('{"@vitejs/plugin-vue": "^5", "vue": "^3"}, "devDependencies": {"@vue/cli-service": "~5", '
         '"vitest": "^2"}', "vite build"),
        ('{"@vitejs/plugin-react": "^4", "react": "^18"}', "tsc -b && npx vite build"),
    ],
)
def test_client_build_measured_by_the_tool_its_script_runs(tmp_path, deps, build):
    """A front end whose build script runs a tool another package installs is built and measured."""
    root = tmp_path / "app"
    shutil.copytree(LAYOUTS / "backend-frontend", root)
    (root / "frontend" / "package.json").write_text(
        f'{{"name": "frontend", "scripts": {{"build": "{build}"}}, "dependencies": {deps}}}\n')
    done = init_project(root, ref=REF)
    assert "npm run build --prefix ../frontend" in done.app.build
    assert done.app.bundle_globs == ["frontend/dist/**/*.js", "frontend/dist/**/*.css"]
    assert "bundle" in done.app.phases


def test_a_build_script_that_runs_no_client_tool_builds_no_client(tmp_path):
    """vitest, or a tool named like vite, is no client build."""
    root = tmp_path / "app"
    shutil.copytree(LAYOUTS / "backend-frontend", root)
    (root / "frontend" / "package.json").write_text(
        '{"name": "frontend", "scripts": {"build": "vitest run && vite-ssg-lint"}, '
        '"dependencies": {"vitest": "^2"}}\n')
    done = init_project(root, ref=REF)
    assert "../frontend" not in done.app.build
    assert done.app.bundle_globs == []


def test_printed_lines_are_cleaned(tmp_path, cli_env):
    """Escape sequences and U+202E in a Procfile reach neither the terminal nor a TOML comment raw."""
    root = tmp_path / "procfile-control-chars"
    shutil.copytree(LAYOUTS / "procfile-control-chars", root)
    proc = run_cli("init", "--dir", str(root), "--ref", REF, env=cli_env)
    assert proc.returncode == 0, proc.stderr
    for stream in (proc.stdout, proc.stderr):
        assert "\x1b" not in stream and "\u202e" not in stream
    printed = ("  command: gunicorn --bind 127.0.0.1:{port} app:app --name 'x\\u202e\\x1b[31mred'"
               "  <- Procfile (web)")
    assert printed in proc.stderr.splitlines()
    text = (root / "echotune.toml").read_text()
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert not any("\x1b" in line or "\u202e" in line for line in comments)


def test_database_may_need_initialising(tmp_path):
    """Without a README command that creates the tables, a database app gets a note instead."""
    root = tmp_path / "flask-tutorial"
    shutil.copytree(LAYOUTS / "flask-tutorial", root)
    (root / "README.rst").write_text("Flaskr\n======\n\nThe tutorial's blog.\n")
    done = init_project(root, ref=REF)
    assert done.app.build == ""
    assert "the database may need initialising" in " ".join(done.app.notes("build"))


def test_boot_script_steps_only_when_the_server_line_states_none(tmp_path):
    """flask-migrate's Procfile states its own steps: boot.sh's are not added on top of them."""
    migrate = load_config(init_layout("flask-migrate", tmp_path) / "echotune.toml")
    assert migrate.serve.build == "flask db upgrade && flask translate compile"
    deploy = load_config(init_layout("flask-deploy", tmp_path) / "echotune.toml")
    assert deploy.serve.build == "flask deploy"  # no guessed `flask db upgrade` beside the project's deploy


def test_production_only_needs_the_comparison_to_decide_the_serving(tmp_path):
    from echotune_ci.project.nodenotes import production_only

    served = tmp_path / "served.js"
    served.write_text("const app = express();\n"
                      "if ('production' === process.env.NODE_ENV) app.use(express.static('dist'));\n")
    logs = tmp_path / "logs.js"
    logs.write_text("if (process.env.NODE_ENV === 'production') console.log = () => {};\n")
    other = tmp_path / "other.js"
    other.write_text("app.use(express.static('dist'));\n"
                     "const mode = process.env.NODE_ENV || 'development';\n")
    # morgan is left out in production; the client is served whatever NODE_ENV is
    always = tmp_path / "always.js"
    always.write_text("if ('production' !== process.env.NODE_ENV) app.use(morgan());\n"
                      "app.use(express.static('dist'));\n")
    assert production_only([logs, other, always], tmp_path) == ""
    assert production_only([logs, served], tmp_path) == "served.js:2"


def test_required_env_only_at_import(tmp_path):
    from echotune_ci.project.pyapp import required_env

    (tmp_path / "settings.py").write_text(
        "import os\n"
        "A = os.environ['NEEDED']\n"
        "B = os.environ.get('OPTIONAL')\n"
        "if 'MAYBE' in os.environ:\n    C = os.environ['MAYBE']\n"
        "try:\n    D = os.environ['TRIED']\nexcept KeyError:\n    D = None\n"
        "def later():\n    return os.environ['RUNTIME']\n"
        "class Production:\n    HOST = os.environ['SERVER_NAME']\n"
    )
    found = required_env(tmp_path, [tmp_path / "settings.py"])
    assert [(r.name, r.where) for r in found] == [("NEEDED", "settings.py:2"),
                                                  ("SERVER_NAME", "settings.py:13")]


def test_a_package_that_imports_itself_is_served_from_the_folder_above(tmp_path):
    """Without FLASK_APP, a backend/ package whose code imports itself as `backend` still runs from the top:
    served from backend/ (`FLASK_APP=serve`) it stopped on "No module named 'backend'"."""
    root = tmp_path / "app"
    shutil.copytree(LAYOUTS / "flask-package-vite", root)
    (root / ".flaskenv").unlink()
    serve = root / "backend" / "serve.py"  # app = pick(), a function that returns create_app(...)
    done = init_project(root, ref=REF)
    assert (done.app.cwd, done.app.env.get("FLASK_APP")) == (".", "backend.serve")
    assert done.app.setup.startswith(f"{VENV} -r backend/requirements.txt && ")
    assert "flask db upgrade --directory backend/migrations" in done.app.build
    # imported as a folder of its own (`from views import bp`), the package is the app's folder
    for path in (root / "backend").glob("*.py"):
        path.write_text(path.read_text().replace("from backend.", "from ").replace("from backend ", "from "))
    (root / "backend" / "__init__.py").rename(root / "backend" / "factory.py")
    (root / "backend" / "__init__.py").write_text("")
    serve.write_text(serve.read_text().replace("from import create_app", "from factory import create_app"))
    done = init_project(root, ref=REF, force=True)
    assert (done.app.cwd, done.app.env.get("FLASK_APP")) == ("backend", "serve")


def test_required_env_a_check_that_raises_at_import(tmp_path):
    """A variable read with .get() and refused when unset, at import: the class body of a config the app
    does not even use stops the import of every config."""
    from echotune_ci.project.pyapp import required_env

    (tmp_path / "settings.py").write_text(
        "import os\n"
        "if not os.getenv('FIRST'):\n    raise SystemExit('FIRST')\n"
        "class Production:\n"
        "    URL = os.environ.get('SECOND')\n"
        "    if URL is None:\n        raise ValueError('SECOND')\n"
        "    GIVEN = os.environ.get('DEFAULTED', 'x')\n"
        "    if not GIVEN:\n        raise ValueError('never')\n"
        "    SOFT = os.environ.get('SOFT')\n"
        "    if not SOFT:\n        SOFT = 'fallback'\n"
        "    LATER = os.environ.get('LATER')\n"
        "    LATER = 'replaced'\n"
        "    if not LATER:\n        raise ValueError('never')\n"
        "def check():\n"
        "    token = os.getenv('AT_RUNTIME')\n"
        "    if not token:\n        raise ValueError('later')\n"
    )
    found = required_env(tmp_path, [tmp_path / "settings.py"])
    assert [(r.name, r.where, r.how) for r in found] == [
        ("FIRST", "settings.py:2", "if not os.getenv('FIRST'): raise"),
        ("SECOND", "settings.py:6", "if URL is None: raise"),
    ]


@pytest.mark.parametrize(
    ("spec", "major", "ok"),
    [("10.x", 20, False), ("10.x", 10, True), (">=18", 20, True), (">=18 <20", 20, False),
     ("^20.1.0", 20, True), ("16 || 18 || 20", 20, True), ("v18", 20, False), ("lts/*", 20, None),
     ("18.17.0", 18, True)],
)
def test_node_version_specs(spec, major, ok):
    assert runtimes.node_satisfied(spec, major) is ok


def test_downloader_notes_follow_the_lockfile(tmp_path):
    from echotune_ci.project.nodeapp import node_packages
    from echotune_ci.project.nodenotes import downloader_notes

    (tmp_path / "package.json").write_text(
        '{"dependencies": {"sharp": "^0.33.5"}, "devDependencies": {"@sentry/cli": "^2.0.0"}}'
    )
    (tmp_path / "package-lock.json").write_text(
        '{"lockfileVersion": 3, "packages": {"node_modules/sharp": {"version": "0.33.5"}, '
        '"node_modules/jest/node_modules/puppeteer": {"version": "22.0.0"}}}'
    )
    notes = " ".join(downloader_notes(node_packages(tmp_path)))
    assert "puppeteer (a dependency of a dependency, in the lockfile)" in notes
    assert "PUPPETEER_SKIP_DOWNLOAD=true" in notes and "SENTRYCLI_SKIP_DOWNLOAD=1" in notes
    assert "sharp" not in notes  # 0.33+ installs its binaries from the registry


@pytest.mark.parametrize(("dev", "locked", "said"), [
    # @apollo/rover 0.2.0's postinstall (`node ./install.js`, binary-install) fetched
    # github.com/apollographql/rover/releases/...: setup stopped on "getaddrinfo ENOTFOUND github.com"
    ({"devDependencies": {"@apollo/rover": "^0.2.0"}}, "0.2.0", "npm ci --omit=dev"),
    ({"dependencies": {"@apollo/rover": "^0.2.0"}}, "0.2.0", "no variable skips it"),
    # 0.41.0 has no install script: its binaries are optionalDependencies from the registry
    ({"devDependencies": {"@apollo/rover": "^0.41.0"}}, "0.41.0", ""),
])
def test_rovers_download_is_named(tmp_path, dev, locked, said):
    import json

    from echotune_ci.project.nodeapp import node_packages
    from echotune_ci.project.nodenotes import downloader_notes

    (tmp_path / "package.json").write_text(json.dumps({"name": "server", **dev}))
    (tmp_path / "package-lock.json").write_text(json.dumps(
        {"lockfileVersion": 2, "packages": {"node_modules/@apollo/rover": {"version": locked}}}))
    notes = [n for n in downloader_notes(node_packages(tmp_path)) if "rover" in n]
    if not said:
        assert notes == []
    else:
        [note] = notes
        assert "@apollo/rover downloads the rover binary while installing" in note and said in note
        assert "upgrade it to 0.41+" in note


def test_readme_once_command_for_node(tmp_path):
    (tmp_path / "package.json").write_text(
        '{"scripts": {"start": "node server.js", "db:migrate": "knex migrate:latest"},'
        ' "dependencies": {"express": "^4.21.0", "knex": "^3.1.0"}}'
    )
    (tmp_path / "server.js").write_text("const app = require('express')();\napp.listen(process.env.PORT);\n")
    (tmp_path / "README.md").write_text(
        "# shop\n\n```sh\nnpm install\nnpx knex migrate:make add_orders\nnpm run db:migrate\nnpm start\n```\n"
    )
    done = init_project(tmp_path, ref=REF)
    assert done.app.build == "npm run db:migrate"  # not the command that authors a migration
    assert "README.md says to run `npm run db:migrate` once" in " ".join(done.app.notes("build"))


# A Django backend beside a Vite client at the top, whose settings serve the build from a folder under
# BASE_DIR (the backend's), where a Dockerfile would copy it: vite writes frontend/dist, Django looks in
# backend/web/dist. Without the copy every page is a TemplateDoesNotExist (a 500) and collectstatic finds
# no assets.
DJANGO_SERVING = {
    "backend/manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site_cfg.settings')\n",
    "backend/requirements.txt": "Django==5.0.6\ngunicorn==22.0.0\nwhitenoise==6.7.0\n",
    "backend/site_cfg/__init__.py": "",
    "backend/site_cfg/urls.py": "from django.urls import re_path\nfrom django.views.generic import "
                                "TemplateView\n\nurlpatterns = [re_path(r'^.*$', "
                                "TemplateView.as_view(template_name='dist/index.html'))]\n",
    "backend/site_cfg/wsgi.py": "",
}


@pytest.mark.parametrize(("served", "copied"), [
    ('os.path.join(BASE_DIR, "web", "dist", "assets")', True),
    ('BASE_DIR / "web/dist" / "assets"', True),
    # where the build writes: nothing to copy
    ('os.path.join(BASE_DIR, "..", "frontend", "dist")', False),
    ('BASE_DIR.parent / "frontend" / "dist"', False),
])
def test_a_django_backend_gets_the_client_build_where_its_settings_serve_it(tmp_path, served, copied):
    root = tmp_path / "app"
    shutil.copytree(LAYOUTS / "backend-frontend", root)
    for name in ("backend/main.py", "backend/app/__init__.py", "backend/app/api.py"):
        (root / name).unlink()
    settings = ("import os\nfrom pathlib import Path\n\nBASE_DIR = Path(__file__).resolve().parent.parent\n"
                "SECRET_KEY = os.environ.get('SECRET_KEY', 'dev')\nDEBUG = False\nALLOWED_HOSTS = ['*']\n"
                "ROOT_URLCONF = 'site_cfg.urls'\nSTATIC_URL = 'static/'\n"
                "STATIC_ROOT = os.path.join(BASE_DIR, 'collected')\n"
                f"STATICFILES_DIRS = [\n    {served},\n]\n")
    for name, text in {**DJANGO_SERVING, "backend/site_cfg/settings.py": settings}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    done = init_project(root, ref=REF)
    build = done.app.build
    copy = "rm -rf web/dist && mkdir -p web && cp -R ../frontend/dist web/dist"
    assert (copy in build) is copied
    assert done.app.bundle_globs == ["frontend/dist/**/*.js", "frontend/dist/**/*.css"]
    if not copied:
        return
    # after the client's build, before collectstatic reads STATICFILES_DIRS
    client = build.index("npm run build --prefix ../frontend")
    assert client < build.index(copy) < build.index("collectstatic")
    assert "backend/web/dist" in done.app.generated
    # the copy itself, in a real shell in the server's folder, run twice as two runs would
    (root / "frontend" / "dist" / "assets").mkdir(parents=True)
    (root / "frontend" / "dist" / "index.html").write_text("<!doctype html>")
    (root / "frontend" / "dist" / "assets" / "main.js").write_text("1")
    for _ in range(2):
        subprocess.run(["sh", "-c", copy], cwd=root / "backend", check=True)
    assert (root / "backend" / "web" / "dist" / "index.html").read_text() == "<!doctype html>"
    assert (root / "backend" / "web" / "dist" / "assets" / "main.js").is_file()
    assert not (root / "backend" / "web" / "dist" / "dist").exists()


COMPOSE_ABOVE = """services:
  api:
    build: ./backend
  search:
    image: getmeili/meilisearch:v1.13
  broker:
    image: rabbitmq:4-management
  db:
    image: postgres:16
  adminer:
    image: adminer:4
"""


def test_a_service_the_top_compose_file_starts_that_the_backend_reaches_by_name(tmp_path):
    """backend/ reads SEARCH_URL with the compose service's name as its default: init says to start one."""
    root = tmp_path / "app"
    shutil.copytree(LAYOUTS / "backend-frontend", root)
    (root / ".git").mkdir()
    (root / "docker-compose.yml").write_text(COMPOSE_ABOVE)
    (root / "backend" / "app" / "search.py").write_text(
        "import os\n\nSEARCH_URL = os.environ.get('SEARCH_URL', 'http://search:7700')\n"
        "BROKER = os.getenv('BROKER_HOST', default='broker')\nDB = os.getenv('DB_HOST', 'db')\n"
        "OTHER = os.getenv('OTHER', 'adminer-like')\n")
    done = init_project(root, ref=REF)
    notes = [n for n in done.app.notes("env") if "docker-compose.yml" in n]
    assert notes == [
        "../docker-compose.yml starts meilisearch ('search', getmeili/meilisearch:v1.13) for the app, found "
        "through SEARCH_URL (default http://search:7700, app/search.py:3): start one and point the app at "
        "127.0.0.1 in [serve] env",
        "../docker-compose.yml starts RabbitMQ ('broker', rabbitmq:4-management) for the app, found through "
        "BROKER_HOST (default broker, app/search.py:4): start one and point the app at 127.0.0.1 in [serve] "
        "env",
    ]  # not the database (no client of it in the dependencies), nor adminer, which the code never names


def test_a_procfile_that_runs_uwsgi_is_served_with_it(tmp_path):
    """A Wagtail site's Procfile ran uWSGI; init picked Django's runserver (uwsgi was no server it knew),
    which saturated at about 4 requests/s under the load test."""
    root = tmp_path / "uw"
    (root / "site1").mkdir(parents=True)
    (root / "requirements.txt").write_text("django==5.2\nuwsgi==2.0.28\n")
    (root / "manage.py").write_text("import os\n"
                                    "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site1.settings')\n")
    (root / "site1" / "__init__.py").write_text("")
    (root / "site1" / "settings.py").write_text("SECRET_KEY = 'x'\nROOT_URLCONF = 'site1.urls'\n")
    (root / "site1" / "urls.py").write_text("urlpatterns = []\n")
    (root / "Procfile").write_text("web: uwsgi --http-socket :$PORT --module site1.wsgi --master "
                                   "--processes 4\n")
    init_project(root, ref=REF)
    assert load_config(root / "echotune.toml").serve.command == (
        "uwsgi --module site1.wsgi --master --processes 4 --http-socket 127.0.0.1:{port} --die-on-term")


@pytest.mark.parametrize(
    ("config", "build", "globs"),
    [
        (None, "vue-cli-service build", "frontend/dist"),
        # outputDir is relative to the project's root, the config's folder, or anchored there
        ("module.exports = { outputDir: 'public-build' }", "vue-cli-service build", "frontend/public-build"),
        ("const path = require('path');\nmodule.exports = {\n  outputDir: path.resolve(__dirname, "
         "'../backend/static'),\n};\n", "vue-cli-service build", "backend/static"),
        # --dest wins over the config (cli.vuejs.org: the command line flag)
        ("module.exports = { outputDir: 'x' }", "vue-cli-service build --dest built", "frontend/built"),
    ],
)
def test_a_vue_cli_client_is_measured_where_it_builds(tmp_path, config, build, globs):
    """Vue CLI's build (@vue/cli-service) got no bundle phase: its output was not read."""
    root = tmp_path / "app"
    shutil.copytree(LAYOUTS / "backend-frontend", root)
    (root / "frontend" / "package.json").write_text(
        f'{{"name": "frontend", "scripts": {{"build": "{build}"}}, "dependencies": {{"vue": "^3"}}, '
        '"devDependencies": {"@vue/cli-service": "~5"}}\n')
    if config:
        (root / "frontend" / "vue.config.js").write_text(config)
    done = init_project(root, ref=REF)
    assert done.app.bundle_globs == [f"{globs}/**/*.js", f"{globs}/**/*.css"]
    assert "bundle" in done.app.phases


def test_a_dockerfile_env_takes_the_arg_defaults_it_names(tmp_path):
    """nickjj/docker-django-example's Dockerfile (34c61de): `ARG NODE_ENV="production"` then `ENV
    NODE_ENV="${NODE_ENV}"`. init wrote NODE_ENV = "${NODE_ENV}", a literal: the project's esbuild config
    builds only when NODE_ENV is "production" and watched for changes forever instead. Docker puts the
    stage's ARG defaults, and its earlier ENV values, into an ENV's $NAME, ${NAME} and ${NAME:-default}
    (the Dockerfile reference's "Environment replacement"); a global ARG only in a stage that declares it
    again; an ARG without a default is what --build-arg gives, unknown here, so it is left out."""
    from echotune_ci.project.instructions import read_instructions

    def env_of(dockerfile: str) -> dict[str, str]:
        folder = tmp_path / str(len(list(tmp_path.iterdir())))
        folder.mkdir()
        (folder / "Dockerfile").write_text(dockerfile)
        return {name: step.command for name, step in read_instructions(folder).env.items()}

    assert env_of('FROM node:22 AS assets\nARG NODE_ENV="production"\nENV NODE_ENV="${NODE_ENV}" \\\n'
                  '    PATH="${PATH}:/node_modules/.bin"\n') == {"NODE_ENV": "production"}
    assert env_of("ARG MODULE=app.main\nFROM python:3.13\nARG MODULE\nENV APP_MODULE=$MODULE:app\n") == {
        "APP_MODULE": "app.main:app"}
    # a global ARG the stage does not declare again is not in its scope
    assert env_of("ARG MODULE=app.main\nFROM python:3.13\nENV APP_MODULE=$MODULE\n") == {}
    assert env_of("FROM python:3.13\nARG FLASK_ENV\nENV FLASK_ENV=${FLASK_ENV}\n") == {}
    assert env_of("FROM python:3.13\nENV FLASK_ENV=${FLASK_ENV:-production}\n") == {"FLASK_ENV": "production"}
    assert env_of("FROM python:3.13\nENV APP=blog\nENV FLASK_APP=${APP}.py\n") == {"FLASK_APP": "blog.py"}


def test_a_server_build_into_a_dot_folder_keeps_its_dot(tmp_path):
    """esbuild --outdir=.build (and vite build --ssr --outDir .server) name a dot-folder; init took the
    dot off with the "./" of --outdir=./dist ('.build' -> 'build'), so `node .build/server.js` read as a
    file no build makes, and the server build's folder was not the one written."""
    from echotune_ci.project.nodeapp import Package, missing_entry, server_outputs

    scripts = {"build": "esbuild src/server.ts --bundle --platform=node --outdir=.build && "
                        "vite build --ssr src/entry.ts --outDir ./.server",
               "start": "node .build/server.js"}
    pkg = Package(".", tmp_path / "package.json", {"scripts": scripts})
    assert missing_entry(pkg, scripts["start"]) == ""
    assert server_outputs([pkg]) == {".build", ".server"}
    plain = Package(".", tmp_path / "package.json",
                    {"scripts": {"build": "esbuild a.ts --platform=node --outdir=./dist-server/"}})
    assert server_outputs([plain]) == {"dist-server"}
