"""A login route and a protected route in the app's own sources: what ``init`` writes as a first
``[[api.flows]]``.

Routes are read from the declarations Flask, FastAPI, Express and
Fastify/Koa routers share (``@app.post("/api/login")``,
``@app.route("/login", methods=["POST"])``, ``router.post('/login', ...)``):
a POST whose path ends in login, signin, token or sessions logs in; a GET
whose path ends in me, profile, account, user or whoami needs the token. The
token's field is ``access_token`` when the sources mention it, else
``token``. Nothing found: no flow (init writes none).
"""

from __future__ import annotations

import re
from pathlib import Path

_SOURCES = (".py", ".js", ".mjs", ".cjs", ".ts")
_SKIP = {"node_modules", ".venv", "venv", "dist", "build", ".git", "static", "public", "tests", "test",
         "__pycache__"}
MAX_FILES = 300
# router.post('/login', ...), and across lines: router\n  .route('/profile')\n  .get(protect, ...)
_ROUTE = re.compile(r"""(?:\b(\w+)\s*)?\.(get|post|route)\(\s*['"](/[\w/.{}:-]*)['"]([^)\n]*)""", re.I)
# The account's name read from a login's body as "email": { email, password } = req.body, req.body.email,
# request.json["email"], data.get("email")
_EMAIL_FIELD = re.compile(r"""\{\s*email\s*,[^}]*\}\s*=\s*req\.body|req\.body\.email\b|"""
                          r"""(?:json|data|body|form)(?:\.get\(|\[)\s*['"]email['"]""")
_LOGIN = re.compile(r"/(?:login|signin|sign-in|token|sessions?)/?$", re.I)
_PROTECTED = re.compile(r"/(?:me|profile|account|user|whoami)/?$", re.I)


def _sources(folder: Path) -> list[Path]:
    found: list[Path] = []
    for path in sorted(folder.rglob("*")):
        if len(found) >= MAX_FILES:
            break
        skipped = _SKIP & set(path.relative_to(folder).parts[:-1])
        if path.suffix in _SOURCES and not skipped and path.is_file():
            found.append(path)
    return found


def detect_login_flow(folder: Path) -> dict[str, str]:
    """{"login": path, "protected": path, "token": JSONPath-lite of the token, "user_field": the body field
    of the account's name, "source": file names} for the app in *folder*, or {} when its sources do not
    declare both routes. Paths carry their routers' prefixes as far as :mod:`.health` reads them
    (proshop: ``router.post('/login')`` under ``app.use('/api/users', userRoutes)`` is
    ``/api/users/login``); the field is ``email`` when the code reads one from the body
    (``const { email, password } = req.body``), else ``username``."""
    from .health import JS_SUFFIXES, full_path, module_name, read_graph

    files = _sources(folder)
    graph = read_graph(files, folder)
    login = protected = ""
    sources: list[str] = []
    mentions_access_token = reads_email = False
    for path in files:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        mentions_access_token = mentions_access_token or "access_token" in text
        reads_email = reads_email or bool(_EMAIL_FIELD.search(text))
        key = str(path.resolve()) if path.suffix in JS_SUFFIXES else module_name(path, folder)
        for receiver, verb, route, rest in _ROUTE.findall(text):
            verb = verb.lower()
            is_post = verb == "post" or (verb == "route" and "POST" in rest.upper())
            prefix, _, _ = graph.base((key, receiver))
            full = full_path(prefix or "", route)
            if not login and is_post and _LOGIN.search(route):
                login = full
                sources.append(str(path.relative_to(folder)))
            elif not protected and verb in ("get", "route") and not is_post and _PROTECTED.search(route):
                protected = full
                sources.append(str(path.relative_to(folder)))
    if not (login and protected):
        return {}
    token = "$.access_token" if mentions_access_token else "$.token"
    return {"login": login, "protected": protected, "token": token,
            "user_field": "email" if reads_email else "username", "source": ", ".join(dict.fromkeys(sources))}
