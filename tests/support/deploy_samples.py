"""Small projects of every stack `init` knows, with or without Redis, PostgreSQL and MongoDB, for the
`init --deploy` tests."""

from __future__ import annotations

import json
from pathlib import Path

STACKS = ("express-vite", "flask", "django", "fastapi")
SERVICE_SETS: tuple[tuple[str, ...], ...] = ((), ("redis",), ("postgres",), ("mongodb",),
                                             ("redis", "postgres", "mongodb"))
PY_DEPS = {"redis": "redis==5.0.8", "postgres": "psycopg[binary]==3.2.3", "mongodb": "pymongo==4.10.1"}
NPM_DEPS = {"redis": "^4.7.0", "pg": "^8.13.0", "mongoose": "^8.8.0"}
NPM_NAMES = {"redis": "redis", "postgres": "pg", "mongodb": "mongoose"}


def make_project(root: Path, stack: str, services: tuple[str, ...] = ()) -> Path:
    """A project of *stack* (one of :data:`STACKS`) under *root* that uses *services*."""
    root.mkdir(parents=True)
    if stack == "express-vite":
        deps = {"express": "^4.21.0", **{NPM_NAMES[s]: NPM_DEPS[NPM_NAMES[s]] for s in services}}
        (root / "package.json").write_text(json.dumps({
            "name": "shop", "type": "module", "engines": {"node": ">=20"},
            "scripts": {"build": "vite build", "start": "node server/index.js"},
            "dependencies": deps, "devDependencies": {"vite": "^5.4.0"}}))
        (root / "package-lock.json").write_text("{}")
        (root / "vite.config.js").write_text("export default { build: { outDir: 'dist' } };\n")
        (root / "server").mkdir()
        (root / "server" / "index.js").write_text(
            "import express from 'express';\nconst app = express();\n"
            "app.get('/health', (req, res) => res.json({ ok: true }));\n"
            "app.listen(Number(process.env.PORT || 3000), process.env.HOST || '127.0.0.1');\n")
        return root
    requirements = {"flask": ["flask==3.0.3", "gunicorn==22.0.0"],
                    "django": ["Django==5.0.6", "gunicorn==22.0.0"],
                    "fastapi": ["fastapi==0.115.0", "uvicorn==0.30.6"]}[stack]
    requirements += [PY_DEPS[s] for s in services]
    (root / "requirements.txt").write_text("\n".join(requirements) + "\n")
    if stack == "flask":
        (root / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n\n@app.get('/health')\n"
                                     "def health():\n    return 'ok'\n")
    elif stack == "fastapi":
        (root / "main.py").write_text("from fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/healthz')\n"
                                      "def health():\n    return {'ok': True}\n")
    else:
        (root / "manage.py").write_text("import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', "
                                        "'mysite.settings')\n")
        (root / "mysite").mkdir()
        (root / "mysite" / "__init__.py").write_text("")
        (root / "mysite" / "settings.py").write_text("SECRET_KEY = 'x'\nROOT_URLCONF = 'mysite.urls'\n")
        (root / "mysite" / "wsgi.py").write_text("from django.core.wsgi import get_wsgi_application\n"
                                                 "application = get_wsgi_application()\n")
    return root
