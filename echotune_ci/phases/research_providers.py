"""Chat-completions clients: Perplexity and any OpenAI-compatible endpoint.

Both speak ``POST {base_url}/chat/completions``. Perplexity adds ``citations``
(URLs) and ``search_results`` (title, url, date) to the answer; an
OpenAI-compatible server (OpenAI, llama.cpp, Ollama, vLLM) answers without
them. Retries cover 429, 5xx, timeouts and answers that are not the JSON we
expect, with exponential backoff that honours ``Retry-After``. The key is sent
only in the Authorization header and never appears in an error message.
"""

from __future__ import annotations

import email.utils
import os
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import quote, urlsplit

from ..errors import ConfigError

DEFAULTS = {
    "perplexity": {"base_url": "https://api.perplexity.ai", "model": "sonar"},
    "openai": {"base_url": "https://api.openai.com/v1", "model": "gpt-4o-mini"},
}
KEY_VARIABLES = ("PERPLEXITY_API_KEY", "ECHOTUNE_RESEARCH_API_KEY")
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class ProviderError(Exception):
    """A question could not be answered; ``retryable`` tells whether trying again may help."""

    def __init__(self, message: str, *, retryable: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


@dataclass
class Citation:
    url: str
    title: str = ""
    date: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"url": self.url, "title": self.title, "date": self.date}


@dataclass
class Answer:
    content: str
    citations: list[Citation] = field(default_factory=list)
    model: str = ""
    usage: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"content": self.content, "citations": [c.to_dict() for c in self.citations],
                "model": self.model, "usage": self.usage}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Answer":
        return cls(content=str(data["content"]),
                   citations=[Citation(**c) for c in data.get("citations", [])],
                   model=str(data.get("model", "")), usage=dict(data.get("usage", {})))


@dataclass
class ProviderSettings:
    provider: str
    base_url: str
    model: str
    timeout: float = 60.0
    retries: int = 3
    max_retry_wait: float = 30.0
    max_tokens: int = 1200
    key_variable: str = ""

    @property
    def cache_identity(self) -> str:
        # Provider and model, not the URL: --offline and a proxy in front of the
        # same provider reuse the answers.
        return f"{self.provider}|{self.model}"


def scrub_url_credentials(text: str) -> str:
    """``https://user:SECRET@host`` -> ``https://***@host`` in anything shown to people."""
    return re.sub(r"(?<=://)[^/\s@]+@", "***@", text)


def provider_settings(section: dict[str, Any], *, provider: str | None = None, base_url: str | None = None,
                      model: str | None = None) -> ProviderSettings:
    name = provider or section["provider"]
    defaults = DEFAULTS[name]
    url = (base_url or section["base_url"] or defaults["base_url"]).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"research base URL {url!r} must be an http(s) URL")
    return ProviderSettings(
        provider=name,
        base_url=url,
        model=model or section["model"] or defaults["model"],
        timeout=section["timeout"],
        retries=section["retries"],
        max_retry_wait=section["max_retry_wait"],
        max_tokens=section["max_tokens"],
        key_variable=section["api_key_env"],
    )


def find_api_key(settings: ProviderSettings, environ: dict[str, str] | None = None) -> str | None:
    """The key from the configured variable, else PERPLEXITY_API_KEY / ECHOTUNE_RESEARCH_API_KEY.

    Raises ConfigError naming the variables when a key is needed and missing;
    a server on the loopback interface (llama.cpp, Ollama) may run without one.
    """
    env = os.environ if environ is None else environ
    names = (settings.key_variable,) if settings.key_variable else KEY_VARIABLES
    if settings.provider == "openai" and not settings.key_variable:
        names = ("ECHOTUNE_RESEARCH_API_KEY", "OPENAI_API_KEY")
    for name in names:
        if env.get(name):
            return env[name]
    if settings.provider == "openai" and urlsplit(settings.base_url).hostname in _LOOPBACK:
        return None
    raise ConfigError(f"no research API key: set {' or '.join(names)} (or run with --offline to use the cache)")


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def safe_url(url: str) -> str | None:
    """URLs from answers go into markdown links: http(s) only, nothing that ends a link."""
    if not re.match(r"^https?://[^\s]+$", url):
        return None
    return quote(url, safe=":/?#[]@!$&'*+,;=%-._~")


def clean_citations(answer: Answer) -> Answer:
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
    """A chat-completions body → Answer; ProviderError when the shape is wrong."""
    try:
        choice = data["choices"][0]
        content = choice["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise ProviderError("answer has no choices[0].message.content", retryable=True) from None
    if not isinstance(content, str) or not content.strip():
        raise ProviderError("answer content is empty", retryable=True)
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
    usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
    return Answer(content=content.strip(), citations=citations, model=str(data.get("model", "")), usage=usage)


class ChatClient:
    """One httpx client shared by the worker threads of a research run."""

    def __init__(self, settings: ProviderSettings, api_key: str | None, *,
                 sleep: Callable[[float], None] = time.sleep):
        import httpx

        self.settings = settings
        self._sleep = sleep
        headers = {"Accept": "application/json", "User-Agent": "echotune-ci"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._client = httpx.Client(
            base_url=settings.base_url,
            headers=headers,
            timeout=httpx.Timeout(settings.timeout, connect=min(10.0, settings.timeout)),
            follow_redirects=False,
        )
        self._httpx = httpx

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> "ChatClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def body(self, system: str, prompt: str) -> dict[str, Any]:
        messages = [{"role": "system", "content": system}] if system else []
        messages.append({"role": "user", "content": prompt})
        return {"model": self.settings.model, "messages": messages, "max_tokens": self.settings.max_tokens,
                "temperature": 0.2}

    def ask(self, system: str, prompt: str) -> Answer:
        """Ask once, retrying what may succeed on a second try."""
        attempt = 0
        while True:
            try:
                return self._ask_once(system, prompt)
            except ProviderError as exc:
                if not exc.retryable or attempt >= self.settings.retries:
                    tries = f" after {attempt + 1} attempts" if attempt else ""
                    raise ProviderError(f"{exc}{tries}") from None
                wait = exc.retry_after if exc.retry_after is not None else min(8.0, 0.5 * 2 ** attempt)
                if wait > self.settings.max_retry_wait:
                    raise ProviderError(f"{exc}; Retry-After {wait:.0f}s is longer than max_retry_wait") from None
                # Jitter keeps concurrent workers from retrying in lock-step.
                self._sleep(wait + random.uniform(0, 0.1))
                attempt += 1

    def _ask_once(self, system: str, prompt: str) -> Answer:
        httpx = self._httpx
        where = f"{self.settings.provider} at {scrub_url_credentials(self.settings.base_url)}"
        try:
            response = self._client.post("/chat/completions", json=self.body(system, prompt))
        except httpx.TimeoutException:
            raise ProviderError(f"{where}: no answer within {self.settings.timeout:g}s", retryable=True) from None
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


def _error_text(response: Any) -> str:
    """The provider's own error message, short; never echoes request headers."""
    try:
        data = response.json()
        message = data.get("error", {}).get("message") if isinstance(data.get("error"), dict) else data.get("error")
    except (ValueError, AttributeError):
        message = None
    return f" ({str(message)[:200]})" if message else ""
