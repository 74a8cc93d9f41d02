"""Configuration of the [research] section (owned by the research phase)."""

from ..spec import Field, Table

AREAS = ("backend", "frontend", "security", "performance", "accessibility")
PROVIDERS = ("perplexity", "openai")

SPEC = Table(
    {
        "enabled": Field(bool, True),
        "provider": Field(str, "perplexity", choices=PROVIDERS,
                          doc="perplexity, or openai for any OpenAI-compatible chat-completions endpoint."),
        "base_url": Field(str, "", doc="Default: https://api.perplexity.ai or https://api.openai.com/v1."),
        "model": Field(str, "", doc="Default: sonar (perplexity) or gpt-4o-mini (openai)."),
        "api_key_env": Field(str, "", doc="Environment variable holding the key (default: PERPLEXITY_API_KEY, "
                                          "then ECHOTUNE_RESEARCH_API_KEY)."),
        "areas": Field(list, list(AREAS), items=Field(str, choices=AREAS)),
        "questions": Field(list, [], items=Table({"area": Field(str, required=True, choices=AREAS),
                                                  "text": Field(str, required=True)}),
                           doc="Extra questions asked as they are, besides the templated ones."),
        "timeout": Field("duration", 60.0, min=0.1, doc="Per request."),
        "concurrency": Field(int, 3, min=1, max=16),
        "retries": Field(int, 3, min=0, max=10, doc="Retries on 429, 5xx, timeouts and malformed answers."),
        "max_retry_wait": Field("duration", 30.0, min=0, doc="Longest Retry-After honoured before giving up."),
        "max_tokens": Field(int, 1200, min=16, max=32000),
        "cache_dir": Field(str, ".echotune/research-cache", doc="Relative to the config file."),
        "cache_ttl": Field("duration", 7 * 24 * 3600.0, min=0, doc="How long an answer is reused ('168h')."),
        "output_dir": Field(str, "research"),
    }
)
