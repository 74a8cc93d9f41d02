"""A strict local research API: Perplexity's and OpenAI's ``POST /chat/completions``.

It rejects what the real services reject (missing or wrong bearer key, a body
that is not JSON, unknown parameters, a bad ``messages`` list, an unknown
Perplexity model) and answers in their documented shape. Perplexity answers
carry ``citations`` and ``search_results``; OpenAI-compatible ones do not.
``script()`` queues misbehaviour for the next requests: ``("429", seconds)``
with Retry-After, ``("500",)``, ``("slow", seconds)``, ``("malformed",)``,
``("answer", text)``, ``("echo", status)``.

Echoing servers exist (debug proxies, misconfigured gateways): with
``echo_status=401`` or ``500`` (or the ``("echo", status)`` step) every error
body repeats the request's headers, ``Authorization`` included, in its
message, in a ``headers`` object and base64-encoded, the way such servers
leak a key into whatever quotes their error.
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from support import local_server

PERPLEXITY_MODELS = {"sonar", "sonar-pro", "sonar-reasoning", "sonar-reasoning-pro", "sonar-deep-research"}
# Request parameters the chat-completions APIs document; anything else is a 400.
KNOWN_PARAMS = {
    "model", "messages", "max_tokens", "temperature", "top_p", "top_k", "stream", "presence_penalty",
    "frequency_penalty", "response_format", "stop", "n", "seed", "user",
    # Perplexity only
    "search_domain_filter", "search_recency_filter", "return_images", "return_related_questions",
    "search_mode", "web_search_options", "reasoning_effort", "search_after_date_filter",
    "search_before_date_filter",
}
ROLES = {"system", "user", "assistant"}


def default_answer(prompt: str) -> tuple[str, list[dict[str, str]]]:
    """A deterministic answer that depends on the prompt, with two sources."""
    topic = prompt.strip().split("\n")[0][:60]
    text = (f"Recommendations for: {topic}\n\n1. Pin and patch dependencies promptly [1].\n"
            f"2. Measure before and after each change [2].")
    slug = str(zlib.crc32(topic.encode()) % 10_000)
    sources = [
        {"title": f"Official guide {slug}", "url": f"https://docs.example.org/guide/{slug}",
         "date": "2025-03-01"},
        {"title": "Release notes", "url": "https://example.org/releases", "date": "2025-06-12"},
    ]
    return text, sources


Responder = Callable[[str, list[dict[str, str]]], tuple[str, list[dict[str, str]]]]


class FakeResearchAPI:
    def __init__(self, *, flavour: str = "perplexity", key: str = "test-key-123",
                 responder: Responder | None = None, status_for: Callable[[str], int | None] | None = None,
                 echo_status: int | None = None):
        assert flavour in ("perplexity", "openai")
        assert echo_status in (None, 401, 403, 429, 500, 502, 503)
        # Answer every request with this status, echoing the request's headers (see the module doc).
        self.echo_status = echo_status
        self.flavour = flavour
        self.key = key
        self.responder = responder or (lambda prompt, _messages: default_answer(prompt))
        # status_for(prompt) -> an HTTP error status to answer with, for failures tied to one question
        self.status_for = status_for or (lambda _prompt: None)
        self.requests: list[dict[str, Any]] = []
        self.headers_seen: list[dict[str, str]] = []
        self.rejected: list[tuple[int, str]] = []
        self._script: deque[tuple[Any, ...]] = deque()
        self._lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), local_server.quick(self._handler()))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}" + ("/v1" if self.flavour == "openai" else "")

    @property
    def path(self) -> str:
        return "/v1/chat/completions" if self.flavour == "openai" else "/chat/completions"

    def script(self, *steps: tuple[Any, ...]) -> None:
        with self._lock:
            self._script.extend(steps)

    def _next_step(self) -> tuple[Any, ...] | None:
        with self._lock:
            return self._script.popleft() if self._script else None

    def start(self) -> FakeResearchAPI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeResearchAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ validation

    def validate(self, headers: Any, raw: bytes) -> tuple[int, str, dict[str, Any] | None]:
        auth = headers.get("Authorization", "")
        if self.key is not None and auth != f"Bearer {self.key}":
            return 401, "Invalid API key provided", None
        ctype = headers.get("Content-Type", "")
        if not ctype.startswith("application/json"):
            return 400, "Content-Type must be application/json", None
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return 400, "We could not parse the JSON body of your request", None
        if not isinstance(body, dict):
            return 400, "body must be a JSON object", None
        problem = self._body_problem(body)
        return (400, problem, None) if problem else (200, "", body)

    def _body_problem(self, body: dict[str, Any]) -> str:
        """What the service would reject in a JSON body, or ""."""
        unknown = set(body) - KNOWN_PARAMS
        if unknown:
            return f"Unrecognized request argument supplied: {sorted(unknown)[0]}"
        model = body.get("model")
        if not isinstance(model, str) or not model:
            return "you must provide a model parameter"
        if self.flavour == "perplexity" and model not in PERPLEXITY_MODELS:
            return f"Invalid model '{model}'"
        if body.get("stream"):
            return "this fake does not stream"
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return "messages must be a non-empty list"
        for m in messages:
            if not isinstance(m, dict) or m.get("role") not in ROLES or not isinstance(m.get("content"), str):
                return "each message needs a role (system, user, assistant) and string content"
        if self.flavour == "perplexity":
            problem = _perplexity_order_problem(messages)
            if problem:
                return problem
        for name, low, high in (("temperature", 0, 2), ("top_p", 0, 1), ("max_tokens", 1, 128000)):
            if name in body and (isinstance(body[name], bool) or not isinstance(body[name], (int, float))
                                 or not low <= body[name] <= high):
                return f"{name} out of range"
        return ""

    def answer_body(self, body: dict[str, Any], text: str, sources: list[dict[str, str]]) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": f"chatcmpl-{len(self.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body["model"],
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150},
        }
        if self.flavour == "perplexity":
            out["citations"] = [s["url"] for s in sources]
            out["search_results"] = sources
            out["usage"]["search_context_size"] = "low"
        return out

    def reply(self, body: dict[str, Any], kind: str, step: tuple[Any, ...] | None
              ) -> tuple[str, list[dict[str, str]]]:
        """The scripted answer (``("answer", text[, sources])``) or the responder's."""
        if kind == "answer" and step and len(step) > 1:
            return step[1], list(step[2]) if len(step) > 2 else []
        return self.responder(body["messages"][-1]["content"], body["messages"])

    def _handler(self):
        api = self_api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            api = self_api

            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, payload: bytes, ctype: str = "application/json",
                      extra: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(payload)))
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(payload)

            def _error(self, status: int, message: str, extra: dict[str, str] | None = None) -> None:
                api.rejected.append((status, message))
                body = {"error": {"message": message, "type": "invalid_request_error", "code": status}}
                self._send(status, json.dumps(body).encode(), extra=extra)

            def do_GET(self) -> None:
                self._error(404 if self.path != api.path else 405, "Not found")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if self.path != api.path:
                    self._error(404, f"no route {self.path}")
                    return
                with api._lock:
                    api.in_flight += 1
                    api.max_in_flight = max(api.max_in_flight, api.in_flight)
                try:
                    self._answer(raw)
                finally:
                    with api._lock:
                        api.in_flight -= 1

            def _answer(self, raw: bytes) -> None:
                api.headers_seen.append(dict(self.headers.items()))
                if api.echo_status is not None:
                    _echo(self, api, api.echo_status)
                    return
                status, message, body = api.validate(self.headers, raw)
                if body is None:
                    self._error(status, message)
                    return
                api.requests.append(body)
                forced = api.status_for(body["messages"][-1]["content"])
                if forced:
                    self._error(forced, "Internal server error" if forced >= 500 else "Request failed")
                    return
                step = api._next_step()
                kind = step[0] if step else "answer"
                if kind in _MISBEHAVIOUR:
                    _MISBEHAVIOUR[kind](self, step)
                    return
                if kind == "slow":
                    time.sleep(step[1])
                self._send(200, json.dumps(api.answer_body(body, *api.reply(body, kind, step))).encode())

        return Handler


def _perplexity_order_problem(messages: list[dict[str, Any]]) -> str:
    """Perplexity: system messages first, then user/assistant alternating, ending with user."""
    rest = [m["role"] for m in messages if m["role"] != "system"]
    first_other = next((i for i, m in enumerate(messages) if m["role"] != "system"), len(messages))
    if any(m["role"] == "system" for m in messages[first_other:]):
        return "system messages must come first"
    if not rest or any(r != ("user" if i % 2 == 0 else "assistant") for i, r in enumerate(rest)) \
            or rest[-1] != "user":
        return ("After the (optional) system message(s), user and assistant roles should be "
                "alternating, ending with user")
    return ""


def _echo(handler: Any, api: FakeResearchAPI, status: int) -> None:
    """An error answer that repeats the request's headers (Authorization first, as such servers do)."""
    seen = dict(handler.headers.items())
    auth = seen.get("Authorization", "")
    ordered = {"Authorization": auth, **{k: v for k, v in seen.items() if k != "Authorization"}}
    lines = "; ".join(f"{k}: {v}" for k, v in ordered.items())
    body = {"error": {"message": f"request rejected ({lines})", "type": "echo", "code": status,
                      "authorization": auth, "headers": seen,
                      "raw": base64.b64encode(lines.encode()).decode()}}
    api.rejected.append((status, "echo"))
    handler._send(status, json.dumps(body).encode(), extra={"Retry-After": "0"} if status == 429 else None)


# Scripted failures: what the handler sends instead of an answer.
_MISBEHAVIOUR: dict[str, Callable[[Any, tuple[Any, ...]], None]] = {
    "429": lambda h, step: h._error(429, "Rate limit exceeded", {"Retry-After": str(step[1])}),
    "500": lambda h, _step: h._error(500, "Internal server error"),
    "echo": lambda h, step: _echo(h, h.api, int(step[1])),
    "malformed": lambda h, _step: h._send(200, b'{"id": "x", "choices": [{"message": ', "application/json"),
}
