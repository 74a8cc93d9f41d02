"""Chat-completions clients: Perplexity and any OpenAI-compatible endpoint.

Both speak ``POST {base_url}/chat/completions``. Perplexity adds ``citations``
(URLs) and ``search_results`` (title, url, date) to the answer; an
OpenAI-compatible server (OpenAI, llama.cpp, Ollama, vLLM) answers without
them. Retries (:mod:`echotune_ci.net.retry`) cover 429, 5xx, timeouts and
answers that are not the JSON we expect, with exponential backoff that
honours ``Retry-After``. The key is sent only in the Authorization header and
never appears in an error message: it is registered with
:mod:`echotune_ci.masking` as soon as it is read, and a provider's error text
is quoted only after header-like parts (``Authorization: ...``, ``Bearer ...``,
``x-api-key ...``) are cut out of it, since some servers echo the request.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from ..errors import ConfigError
from ..masking import mask, register
from ..net.retry import Retry, RetryPolicy, parse_retry_after, with_retries
from .settings import ResearchSettings

KEY_VARIABLES = ("PERPLEXITY_API_KEY", "ECHOTUNE_RESEARCH_API_KEY")
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# Waits without a Retry-After: 0.5 s, doubling, at most 8 s.
_BACKOFF_S = 0.5
_MAX_BACKOFF_S = 8.0


class ProviderError(Exception):
    """A question could not be answered; ``retryable`` tells whether trying again may help.

    ``retry_after`` is the server's ``Retry-After`` in seconds, when it sent one.
    """

    def __init__(self, message: str, *, retryable: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


@dataclass
class Citation:
    """A source of an answer: its URL, and title and date (as the provider wrote it) when known."""

    url: str
    title: str = ""
    date: str = ""

    def to_dict(self) -> dict[str, str]:
        """``{"url", "title", "date"}``."""
        return {"url": self.url, "title": self.title, "date": self.date}


@dataclass
class Answer:
    """An answer: the text (markdown), its citations, the model that wrote it and its token usage."""

    content: str
    citations: list[Citation] = field(default_factory=list)
    model: str = ""
    usage: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form kept in the cache."""
        return {"content": self.content, "citations": [c.to_dict() for c in self.citations],
                "model": self.model, "usage": self.usage}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answer:
        """The inverse of :meth:`to_dict`; KeyError/TypeError for a malformed entry."""
        return cls(content=str(data["content"]),
                   citations=[Citation(**c) for c in data.get("citations", [])],
                   model=str(data.get("model", "")), usage=dict(data.get("usage", {})))


def scrub_url_credentials(text: str) -> str:
    """``https://user:SECRET@host`` -> ``https://***@host`` in anything shown to people."""
    return re.sub(r"(?<=://)[^/\s@]+@", "***@", text)


def find_api_key(settings: ResearchSettings, environ: Mapping[str, str] | None = None) -> str | None:
    """The key from the configured variable, else PERPLEXITY_API_KEY / ECHOTUNE_RESEARCH_API_KEY.

    *settings* are resolved (:meth:`ResearchSettings.resolved`). Raises
    ConfigError naming the variables when a key is needed and missing; a
    server on the loopback interface (llama.cpp, Ollama) may run without one.
    """
    env = os.environ if environ is None else environ
    names = (settings.api_key_env,) if settings.api_key_env else KEY_VARIABLES
    if settings.provider == "openai" and not settings.api_key_env:
        names = ("ECHOTUNE_RESEARCH_API_KEY", "OPENAI_API_KEY")
    for name in names:
        if env.get(name):
            register(env[name])
            return env[name]
    if settings.provider == "openai" and urlsplit(settings.base_url).hostname in _LOOPBACK:
        return None
    raise ConfigError(f"no research API key: set {' or '.join(names)} "
                      "(or run with --offline to use the cache)")


def safe_url(url: str) -> str | None:
    """URLs from answers go into markdown links: http(s) only, nothing that ends a link; else None."""
    if not re.match(r"^https?://[^\s]+$", url):
        return None
    return quote(url, safe=":/?#[]@!$&'*+,;=%-._~")


def clean_citations(answer: Answer) -> Answer:
    """*answer* (changed in place) without citations whose URL is unsafe, titles on one line (200 chars)."""
    kept = []
    for c in answer.citations:
        url = safe_url(c.url)
        if url:
            c.url = url
            c.title = " ".join(c.title.split())[:200]
            kept.append(c)
    answer.citations = kept
    return answer


def parse_answer(data: Any) -> Answer:
    """A chat-completions body -> Answer; ProviderError (retryable) when the shape is wrong."""
    try:
        content = data["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise ProviderError("answer has no choices[0].message.content", retryable=True) from None
    if not isinstance(content, str) or not content.strip():
        raise ProviderError("answer content is empty", retryable=True)
    usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
    return Answer(content=content.strip(), citations=_citations(data), model=str(data.get("model", "")),
                  usage=usage)


def _citations(data: dict[str, Any]) -> list[Citation]:
    """Perplexity's ``citations`` (URLs) merged with its ``search_results`` (title, url, date), in order."""
    citations: list[Citation] = []
    by_url: dict[str, Citation] = {}
    for url in data.get("citations") or []:
        if isinstance(url, str) and url not in by_url:
            by_url[url] = Citation(url)
            citations.append(by_url[url])
    for item in data.get("search_results") or []:
        if not isinstance(item, dict) or not isinstance(item.get("url"), str):
            continue
        cite = by_url.get(item["url"])
        if cite is None:
            cite = by_url[item["url"]] = Citation(item["url"])
            citations.append(cite)
        cite.title = str(item.get("title") or cite.title)
        cite.date = str(item.get("date") or cite.date)
    return citations


class ChatClient:
    """One httpx client shared by the worker threads of a research run.

    *settings* are resolved (:meth:`ResearchSettings.resolved`): base URL,
    model, timeout (s), retries, max_retry_wait (s) and max_tokens are used.
    *sleep* waits between tries (tests pass a recorder).
    """

    def __init__(self, settings: ResearchSettings, api_key: str | None, *,
                 sleep: Callable[[float], None] = time.sleep):
        import httpx

        self.settings = settings
        self._policy = RetryPolicy(max_attempts=settings.retries + 1, backoff=_BACKOFF_S,
                                   max_backoff=_MAX_BACKOFF_S, max_wait=settings.max_retry_wait, sleep=sleep)
        headers = {"Accept": "application/json", "User-Agent": "echotune-ci"}
        register(api_key)
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        from ..net import loopback

        # A local server (llama.cpp, Ollama) gets the key directly, never through HTTP_PROXY.
        self._client = loopback.client(
            settings.base_url,
            headers=headers,
            timeout=httpx.Timeout(settings.timeout, connect=min(10.0, settings.timeout)),
            follow_redirects=False,
        )
        self._httpx = httpx

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def __enter__(self) -> ChatClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def body(self, system: str, prompt: str) -> dict[str, Any]:
        """The request body: the system message (when not empty) and the prompt, low temperature."""
        messages = [{"role": "system", "content": system}] if system else []
        messages.append({"role": "user", "content": prompt})
        return {"model": self.settings.model, "messages": messages, "max_tokens": self.settings.max_tokens,
                "temperature": 0.2}

    def ask(self, system: str, prompt: str) -> Answer:
        """Ask, retrying what may succeed on another try; ProviderError when it cannot be answered.

        The message ends with "after N attempts" once a retry was made, or
        says that a Retry-After is longer than max_retry_wait.
        """
        attempts = 0

        def once() -> Answer:
            nonlocal attempts
            attempts += 1
            return self._ask_once(system, prompt)

        def classify(exc: Exception) -> Retry | None:
            if not isinstance(exc, ProviderError):
                return None
            if not exc.retryable:
                raise ProviderError(f"{exc}{_tries(attempts)}") from None
            return Retry(str(exc), exc.retry_after)

        def give_up(retry: Retry, tries: int, wait: float | None) -> Exception:
            if wait is None:
                return ProviderError(f"{retry.reason}{_tries(tries)}")
            return ProviderError(f"{retry.reason}; Retry-After {wait:.0f}s is longer than max_retry_wait")

        return with_retries(once, self._policy, classify=classify, give_up=give_up)

    def _ask_once(self, system: str, prompt: str) -> Answer:
        httpx = self._httpx
        where = f"{self.settings.provider} at {scrub_url_credentials(self.settings.base_url)}"
        try:
            response = self._client.post("/chat/completions", json=self.body(system, prompt))
        except httpx.TimeoutException:
            raise ProviderError(f"{where}: no answer within {self.settings.timeout:g}s",
                                retryable=True) from None
        except httpx.HTTPError as exc:
            raise ProviderError(f"{where}: {type(exc).__name__}: {scrub_url_credentials(str(exc))}",
                                retryable=True) from None
        status = response.status_code
        if status == 429 or status >= 500:
            raise ProviderError(f"{where}: HTTP {status}{_error_text(response)}", retryable=True,
                                retry_after=parse_retry_after(response.headers.get("Retry-After")))
        if status in (401, 403):
            raise ProviderError(f"{where}: HTTP {status}, the API key was rejected")
        if status >= 400:
            raise ProviderError(f"{where}: HTTP {status}{_error_text(response)}")
        try:
            data = response.json()
        except ValueError:
            raise ProviderError(f"{where}: answer is not JSON", retryable=True) from None
        try:
            return parse_answer(data)
        except ProviderError as exc:
            raise ProviderError(f"{where}: {exc}", retryable=True) from None


def _tries(attempts: int) -> str:
    return f" after {attempts} attempts" if attempts > 1 else ""


# What a server echoing the request puts in its error text: a header line or a credential.
_ECHOED = re.compile(
    r"(?i)\b(authorization|proxy-authorization|x-api-key|api[-_]?key|cookie|bearer|basic)\b"
    r"(\W{0,4})(?:(?:bearer|basic|token)\s+)?[^\s,;\"'}\])]+")


def without_credentials(text: str) -> str:
    """*text* with header-like credentials (``Authorization: Bearer X``, ``x-api-key=X``) replaced by
    ``***`` and every registered secret masked: what a provider's error text may be quoted as."""
    return mask(_ECHOED.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text))


def _error_text(response: Any) -> str:
    """The provider's own error message, short, without credentials; never the request headers."""
    try:
        data = response.json()
        error = data.get("error")
        message = error.get("message") if isinstance(error, dict) else error
    except (ValueError, AttributeError):
        message = None
    if not message:
        return ""
    text = without_credentials(" ".join(str(message).split()))
    return f" ({text[:200]})"
