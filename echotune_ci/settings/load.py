"""Configuration of the [load] section (owned by the load phase).

Budgets default to the project-wide [budgets] (api_p95_ms, error_rate_pct,
redis_hit_ratio_pct, app_memory_mb, app_cpu_pct); an endpoint can override
its own with p95_ms / p99_ms / error_rate_pct, or through [load.thresholds]
keyed "METHOD name" (which also works for a user's own locustfile).
"""

from ..spec import Field, Table

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


def _status_list(value):
    codes = value if isinstance(value, list) else [value]
    if not codes or not all(isinstance(c, int) and not isinstance(c, bool) and 100 <= c <= 599 for c in codes):
        return "must be an HTTP status code or a list of them (100-599)"
    return None


def _not_empty(value):
    return "names no endpoint: add at least one [[load.endpoints]] (or remove the key to load GET /)" if not value else None


def _path(value):
    return None if value.startswith("/") else "must start with '/' (it is joined to the host)"


_BUDGETS = {
    "p95_ms": Field(float, None, min=0, doc="Overrides budgets.api_p95_ms for this endpoint."),
    "p99_ms": Field(float, None, min=0),
    "error_rate_pct": Field(float, None, min=0, max=100, doc="Overrides budgets.error_rate_pct."),
}

ENDPOINT = Table(
    {
        "name": Field(str, "", doc="Name in the statistics (default: the path)."),
        "method": Field(str, "GET", choices=METHODS),
        "path": Field(str, required=True, check=_path,
                      doc="Joined to the host; {int:LOW-HIGH} is replaced by a random integer per request."),
        "weight": Field(int, 1, min=1),
        "headers": Field(dict, {}, values=Field(str)),
        "json": Field((dict, list), None, doc="JSON request body."),
        "status": Field((int, list), 200, check=_status_list, doc="Expected status code(s); others count as failures."),
        **_BUDGETS,
    }
)

LOGIN = Table(
    {
        "path": Field(str, "", doc="Empty: no login step."),
        "method": Field(str, "POST", choices=METHODS),
        "json": Field((dict, list), None),
        "headers": Field(dict, {}, values=Field(str)),
        "status": Field((int, list), 200, check=_status_list),
        "token_field": Field(str, "access_token", doc="Field of the JSON answer that holds the token."),
        "header": Field(str, "Authorization", doc="Request header the users send the token in."),
        "scheme": Field(str, "Bearer", doc="Prefix before the token ('' for none)."),
    },
    doc="Each user logs in once when it starts and reuses the token for every request.",
)

COMPARE = Table(
    {
        "base_host": Field(str, "", doc="Base build's URL: run interleaved rounds against it and the host."),
        "rounds": Field(int, 5, min=2, max=50, doc="Rounds per build (5 lets the exact test reach p < 0.01)."),
        "round_duration": Field("duration", 5.0, min=0.5, max=600),
        "min_effect_ms": Field(float, 2.0, min=0, doc="p95 shifts smaller than this are noise (locust rounds to 1 ms)."),
    }
)

SPEC = Table(
    {
        "enabled": Field(bool, True),
        "host": Field(str, "", doc="Target URL (default: the app `run` started)."),
        "locustfile": Field(str, "", doc="A locustfile of your own instead of the endpoints below."),
        "user_class": Field(str, "fast", choices=("fast", "http"), doc="FastHttpUser or HttpUser."),
        "users": Field(int, 20, min=1, max=20000),
        "spawn_rate": Field(float, 20.0, min=0.1, max=10000),
        "duration": Field("duration", 10.0, min=0.5),
        "wait_min": Field("duration", 0.1, doc="Each user waits between wait_min and wait_max after a request."),
        "wait_max": Field("duration", 0.5),
        "request_timeout": Field("duration", 10.0, min=0.1, max=300),
        "processes": Field(int, 1, min=1, max=256, doc="Local worker processes (1: one locust process)."),
        "max_duration": Field("duration", 1800.0, min=1, doc="Longest test this config may ask for."),
        "max_requests": Field(int, 5_000_000, min=1, doc="The test stops once this many requests were made."),
        "allow_hosts": Field(list, ["127.0.0.1", "localhost", "::1"], items=Field(str),
                             doc="Hosts that may be targeted; the app `run` started is always allowed."),
        "redis_url": Field(str, "", doc="Read Redis INFO before and after the test (cache hit ratio)."),
        "sample_interval": Field("duration", 0.5, min=0.05, max=10, doc="How often the app's CPU and RSS are sampled."),
        "endpoints": Field(list, None, items=ENDPOINT, check=_not_empty,
                           doc="The scenario; without it every user loads GET /."),
        "login": LOGIN,
        "thresholds": Field(dict, {}, values=Table(dict(_BUDGETS)),
                            doc='Per-endpoint budgets keyed "METHOD name", e.g. "GET /api/tracks".'),
        "compare": COMPARE,
    }
)
