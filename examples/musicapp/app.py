"""EchoTune Music: a small music-discovery app to run every EchoTune CI phase against.

Set ECHOTUNE_REGRESS=1 to make it regress on purpose: a slow search endpoint,
accessibility defects, a larger bundle (see build.py), no security headers,
a login that accepts unsigned tokens, and two breaks of its API contract
(openapi.json): an unknown track id answers 500, and recommendations name
their track_id as a string.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import OrderedDict, deque
from functools import wraps

import jwt
from flask import Flask, g, jsonify, render_template, request, send_from_directory

import catalog
from store import open_store

REGRESS = os.environ.get("ECHOTUNE_REGRESS", "") not in ("", "0", "false")
SECRET = os.environ.get("MUSICAPP_JWT_SECRET", "dev-only-secret-change-me-0123456789abcdef")
TOKEN_TTL_S = 900
LOGIN_LIMIT = int(os.environ.get("MUSICAPP_LOGIN_LIMIT", "5"))
LOGIN_WINDOW_S = 60.0
USERS = {"demo": os.environ.get("MUSICAPP_DEMO_PASSWORD", "demo-password")}
# A planted slowdown for measuring the gate (bench/verdicts.py): this many ms are added to every API
# answer and to the page itself (so to its first render).
SLOWDOWN_S = max(float(os.environ.get("MUSICAPP_SLOWDOWN_MS", "0") or 0), 0.0) / 1000.0

# Built assets (build.py); a separate folder per instance lets a base and a
# head build run side by side.
STATIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")
DIST = os.environ.get("MUSICAPP_DIST") or os.path.join(STATIC, "dist")

# Flask's own static route would always serve static/dist; this one serves
# the build this instance was started with.
app = Flask(__name__, static_folder=None)
app.json.sort_keys = False


@app.get("/static/<path:filename>", endpoint="static")
def static_files(filename: str):
    if filename.startswith("dist/"):
        return send_from_directory(DIST, filename[len("dist/"):], max_age=3600)
    return send_from_directory(STATIC, filename, max_age=3600)


class Cache:
    """Redis when REDIS_URL is set (hits and misses show in INFO), else an in-process LRU."""

    def __init__(self, url: str | None, size: int = 512):
        self.redis = None
        if url:
            import redis

            self.redis = redis.Redis.from_url(url, socket_timeout=2)
        self.lru: OrderedDict[str, str] = OrderedDict()
        self.size = size
        self.lock = threading.Lock()

    def get(self, key: str) -> str | None:
        if self.redis is not None:
            value = self.redis.get(key)
            return value.decode() if value is not None else None
        with self.lock:
            value = self.lru.get(key)
            if value is not None:
                self.lru.move_to_end(key)
            return value

    def set(self, key: str, value: str, ttl: int = 300) -> None:
        if self.redis is not None:
            self.redis.set(key, value, ex=ttl)
            return
        with self.lock:
            self.lru[key] = value
            while len(self.lru) > self.size:
                self.lru.popitem(last=False)


cache = Cache(os.environ.get("REDIS_URL"))
# DATABASE_URL (optional): searches are answered from PostgreSQL (store.py), else from memory.
store = open_store(REGRESS)
failed_logins: dict[str, deque[float]] = {}
failed_lock = threading.Lock()


@app.after_request
def security_headers(response):
    if REGRESS:
        return response
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    if request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@app.before_request
def planted_slowdown():
    if SLOWDOWN_S and (request.path == "/" or request.path.startswith("/api/")):
        time.sleep(SLOWDOWN_S)


@app.get("/")
def index():
    return render_template("index.html", regress=REGRESS)


@app.get("/health")
def health():
    return jsonify(status="ok", regress=REGRESS, cache="redis" if cache.redis is not None else "memory")


@app.get("/api/tracks")
def tracks():
    if REGRESS and store is None:
        time.sleep(0.25)  # the deliberate regression: an N+1 query, say (with DATABASE_URL: a missing index)
    q = request.args.get("q", "")
    try:
        limit = max(1, min(int(request.args.get("limit", "20")), 100))
    except ValueError:
        return jsonify(error="limit must be an integer"), 400
    if store is not None:
        return jsonify(query=q, results=store.search(q, limit))
    return jsonify(query=q, results=[t.to_dict() for t in catalog.search(q, limit)])


@app.get("/openapi.json")
def openapi():
    # The hand-written contract of the JSON API (echotune-ci api tests the app against it).
    return send_from_directory(os.path.dirname(os.path.abspath(__file__)), "openapi.json",
                               mimetype="application/json")


@app.get("/api/tracks/<int:track_id>")
def track(track_id: int):
    if REGRESS:
        # The deliberate regression: a missing None check, so an unknown id is a KeyError (500).
        return jsonify(catalog.BY_ID[track_id].to_dict())
    found = catalog.BY_ID.get(track_id)
    if found is None:
        return jsonify(error="no such track"), 404
    return jsonify(found.to_dict())


@app.get("/api/recommendations")
def recommendations():
    try:
        track_id = int(request.args.get("track_id", ""))
    except ValueError:
        return jsonify(error="track_id must be an integer"), 400
    if track_id not in catalog.BY_ID:
        return jsonify(error="no such track"), 404
    # A regress build's answers (track_id as a string) never reach a normal build sharing the cache.
    key = f"musicapp:recs{':regress' if REGRESS else ''}:{track_id}"
    cached = cache.get(key)
    if cached is not None:
        return app.response_class(cached, mimetype="application/json", headers={"X-Cache": "hit"})
    # The deliberate regression: the id as a string, against the documented integer.
    shown = str(track_id) if REGRESS else track_id
    body = json.dumps({"track_id": shown, "results": [t.to_dict() for t in catalog.recommend(track_id)]})
    cache.set(key, body)
    return app.response_class(body, mimetype="application/json", headers={"X-Cache": "miss"})


def _too_many_failures(ip: str) -> bool:
    now = time.monotonic()
    with failed_lock:
        window = failed_logins.setdefault(ip, deque())
        while window and now - window[0] > LOGIN_WINDOW_S:
            window.popleft()
        return len(window) >= LOGIN_LIMIT


def _record_failure(ip: str) -> None:
    with failed_lock:
        failed_logins.setdefault(ip, deque()).append(time.monotonic())


@app.post("/api/login")
def login():
    ip = request.remote_addr or "?"
    if not REGRESS and _too_many_failures(ip):
        return (jsonify(error="too many failed logins, try again later"), 429,
                {"Retry-After": str(int(LOGIN_WINDOW_S))})
    data = request.get_json(silent=True) or {}
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or USERS.get(username) != password:
        _record_failure(ip)
        return jsonify(error="invalid credentials"), 401
    now = int(time.time())
    token = jwt.encode({"sub": username, "iat": now, "exp": now + TOKEN_TTL_S}, SECRET, algorithm="HS256")
    return jsonify(access_token=token, token_type="Bearer", expires_in=TOKEN_TTL_S)  # nosec B106: a token type, not a password


def require_token(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return jsonify(error="missing bearer token"), 401
        token = header[len("Bearer "):]
        try:
            if REGRESS:
                # The deliberate regression: signature not checked, so alg=none
                # and stripped signatures get in.
                claims = jwt.decode(token, options={"verify_signature": False})
            else:
                claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"require": ["exp", "sub"]})
        except jwt.PyJWTError:
            return jsonify(error="invalid token"), 401
        g.user = claims.get("sub")
        return view(*args, **kwargs)

    return wrapper


@app.get("/api/me")
@require_token
def me():
    return jsonify(user=g.user, favourites=[t.to_dict() for t in catalog.CATALOG[:5]])


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8765")))
