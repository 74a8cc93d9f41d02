"""An Express app whose "/" (or a catch-all route, which answers "/") sends a line of text and which serves
no pages gets no frontend phase, as one answering JSON does.

A real starter (an Express API beside a React client that Vite builds and nobody serves) answered every
path with ``res.send(`api Server - path: ...`)``; init kept the frontend phase, which audited that line:
accessibility 50 (no title, no lang) and timings of no page of the app's.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from echotune_ci.project.init import app_setup
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

PACKAGE = ('{"name": "demo", "scripts": {"start": "node server.js"}, '
           '"dependencies": {"express": "^4.19.2"}}\n')
START = "const express = require('express')\nconst app = express()\n"
LISTEN = "app.listen(process.env.PORT || 3000)\n"


def setup_of(root: Path, routes: str, **more: str):
    write(root, {"package.json": PACKAGE, "server.js": START + routes + LISTEN, **more})
    return app_setup(root)


def decided(app) -> list[tuple[str, str, str]]:
    return [(d.key, d.value, d.source) for d in app.decisions]


@pytest.mark.parametrize(("route", "line"), [
    ("app.get('*', (req, res) => res.send(`server of the API: ${req.path}`))\n", 3),
    ("app.get(\"*\", (req, res) => {\n  res.send('API')\n})\n", 3),
    ("app.get('/', (req, res) => res.status(200).send(\"ok\"))\n", 3),
])
def test_a_root_that_answers_a_line_of_text_gets_no_frontend(tmp_path: Path, route: str, line: int) -> None:
    app = setup_of(tmp_path, route)
    assert "frontend" not in app.phases
    assert ("phases", "security, load", f'server.js:{line}: "/" answers a line of text (no page of the '
            "app's): no frontend") in decided(app)


@pytest.mark.parametrize(("routes", "more"), [
    # markup in the answer: a page
    ("app.get('/', (req, res) => res.send('<h1>Demo</h1>'))\n", {}),
    ("app.get('/', (req, res) => res.send(`<!doctype html>${'x'.repeat(900)}`))\n", {}),
    # the app serves its client's build: the text is a fallback, the pages are the client's
    ("app.use(express.static('dist'))\napp.get('*', (req, res) => res.send('API'))\n", {}),
    # a catch-all that answers 404 is no answer of "/": the page of routes/index.js is
    ("app.use(require('./routes'))\napp.get('*', (req, res) => res.status(404).send('Not found'))\n",
     {"routes/index.js": "const router = require('express').Router()\n"
                         "router.get('/', (req, res) => res.send(`<main>${new Date()}</main>`))\n"
                         "module.exports = router\n"}),
])
def test_a_page_or_a_catch_all_beside_pages_keeps_the_frontend(tmp_path: Path, routes: str,
                                                               more: dict[str, str]) -> None:
    app = setup_of(tmp_path, routes, **more)
    assert "frontend" in app.phases, decided(app)
    assert not [d for d in decided(app) if "a line of text" in d[2]]
