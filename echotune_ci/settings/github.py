"""Configuration of the [github] section: how comment, checks and propose talk to GitHub."""

from ..spec import Field, Table

SPEC = Table(
    {
        "enabled": Field(bool, True, doc="false: `comment` and `checks` publish nothing (and say so)."),
        "api_url": Field(str, "", doc="REST API root; empty: $GITHUB_API_URL, else https://api.github.com."),
        "comment_author": Field(str, "", doc="Login whose marked comment is ours; empty: the token's own user."),
        "checks": Field(str, "auto", choices=("auto", "check-run", "status"),
                        doc="auto: check runs, falling back to commit statuses for tokens that are not a GitHub App's."),
        "check_name": Field(str, "EchoTune CI / {phase}",
                            check=lambda v: None if "{phase}" in v else "must contain {phase}",
                            doc="Name of each phase's check run or status context."),
        "max_attempts": Field(int, 4, min=1, max=10, doc="Tries per request on rate limits, 429 and 5xx."),
        "backoff": Field("duration", 1.0, min=0, doc="First wait when GitHub gives no Retry-After; doubles."),
        "max_wait": Field("duration", 60.0, min=0, doc="Longest single wait; a longer Retry-After fails at once."),
        "timeout": Field("duration", 30.0, min=1, doc="Timeout of one request."),
    }
)
