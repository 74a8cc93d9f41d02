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
_ROUTE = re.compile(r"""\.(get|post|route)\(\s*['"](/[\w/.{}:-]*)['"]([^)\n]*)""", re.I)
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
    """{"login": path, "protected": path, "token": JSONPath-lite of the token, "source": file names} for
    the app in *folder*, or {} when its sources do not declare both routes."""
    login = protected = ""
    sources: list[str] = []
    mentions_access_token = False
    for path in _sources(folder):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        mentions_access_token = mentions_access_token or "access_token" in text
        for verb, route, rest in _ROUTE.findall(text):
            verb = verb.lower()
            is_post = verb == "post" or (verb == "route" and "POST" in rest.upper())
            if not login and is_post and _LOGIN.search(route):
                login = route
                sources.append(str(path.relative_to(folder)))
            elif not protected and verb in ("get", "route") and not is_post and _PROTECTED.search(route):
                protected = route
                sources.append(str(path.relative_to(folder)))
    if not (login and protected):
        return {}
    token = "$.access_token" if mentions_access_token else "$.token"
    return {"login": login, "protected": protected, "token": token,
            "source": ", ".join(dict.fromkeys(sources))}
