"""The [research] section: which research API is asked what, and how answers are kept."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..config.schema import item, seconds, setting
from ..errors import ConfigError

AREAS = ("backend", "frontend", "security", "performance", "accessibility")
PROVIDERS = ("perplexity", "openai")
# What an empty base_url or model means, per provider.
PROVIDER_DEFAULTS = {
    "perplexity": {"base_url": "https://api.perplexity.ai", "model": "sonar"},
    "openai": {"base_url": "https://api.openai.com/v1", "model": "gpt-4o-mini"},
}


@dataclass(frozen=True)
class QuestionSettings:
    """An extra question asked as it is ([[research.questions]])."""

    area: str = setting("", required=True, choices=AREAS, doc="The area the answer belongs to.")
    text: str = setting("", required=True, doc="The question.")


@dataclass(frozen=True)
class ResearchSettings:
    """[research]: the research provider and the questions."""

    enabled: bool = setting(True, doc="false: research asks nothing.")
    provider: str = setting("perplexity", choices=PROVIDERS,
                            doc="perplexity, or openai for any OpenAI-compatible chat-completions endpoint.")
    base_url: str = setting("", doc="Chat-completions base URL (default: https://api.perplexity.ai or "
                                    "https://api.openai.com/v1).")
    model: str = setting("", doc="Model name (default: sonar for perplexity, gpt-4o-mini for openai).")
    api_key_env: str = setting("", doc="Environment variable holding the key (default: PERPLEXITY_API_KEY, "
                                       "then ECHOTUNE_RESEARCH_API_KEY).")
    areas: tuple[str, ...] = setting(AREAS, item=item(choices=AREAS), doc="Areas asked about.")
    questions: tuple[QuestionSettings, ...] = setting(
        (), doc="Extra questions asked as they are, besides the templated ones.")
    timeout: float = setting(60.0, parse=seconds, min=0.1, doc="Timeout of one request.")
    concurrency: int = setting(3, min=1, max=16, doc="Questions asked at the same time.")
    retries: int = setting(3, min=0, max=10, doc="Retries on 429, 5xx, timeouts and malformed answers.")
    max_retry_wait: float = setting(30.0, parse=seconds, min=0,
                                    doc="Longest Retry-After honoured before giving up.")
    max_tokens: int = setting(1200, min=16, max=32000, doc="Longest answer asked for, in tokens.")
    cache_dir: str = setting(".echotune/research-cache", doc="Answer cache, relative to the config file.")
    cache_ttl: float = setting(7 * 24 * 3600.0, parse=seconds, min=0, doc="How long an answer is reused "
                                                                           "('168h').")
    output_dir: str = setting("research", doc="Folder for brief.md and brief.json.")

    def resolved(self) -> ResearchSettings:
        """A copy with the provider's default base URL and model filled in (no trailing slash).

        Raises ConfigError when the base URL is not an http(s) URL.
        """
        defaults = PROVIDER_DEFAULTS[self.provider]
        url = (self.base_url or defaults["base_url"]).rstrip("/")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"research base URL {url!r} must be an http(s) URL")
        return dataclasses.replace(self, base_url=url, model=self.model or defaults["model"])

    @property
    def cache_identity(self) -> str:
        """``provider|model``: what cached answers are keyed by besides the prompt."""
        # Provider and model, not the URL: --offline and a proxy in front of the
        # same provider reuse the answers.
        return f"{self.provider}|{self.model}"
