"""Configuration of the [frontend] section (owned by the frontend phase).

Budgets default to [budgets]; a page's ``budgets`` table overrides them for
that page only, and an interaction's ``budget_ms`` overrides
``interaction_ms`` for that interaction only.
"""

from __future__ import annotations

from ..spec import Field, Table

# Page budgets a page may override; the names are the metric names.
PAGE_BUDGETS = ("fcp_ms", "lcp_ms", "tti_ms", "tbt_ms", "cls", "ttfb_ms", "speed_index_ms", "interaction_ms",
                "accessibility_score", "performance_score")


def _not_blank(value: str) -> str | None:
    return None if value.strip() else "must not be empty"


INTERACTION = Table(
    {
        "name": Field(str, "", doc="Label of the interaction_ms metric (default: action and selector)."),
        "action": Field(str, "click", choices=("click", "type")),
        "selector": Field(str, required=True, check=_not_blank, doc="CSS selector (Playwright syntax) of the target."),
        "text": Field(str, "", doc="What `type` types, key by key."),
        "wait_for": Field(str, "", doc="Selector to wait for after the action, before the next one."),
        "timeout": Field("duration", 5.0, min=0.1, doc="How long to wait for the selector to appear."),
        "budget_ms": Field(float, None, min=0, doc="Overrides budgets.interaction_ms for this interaction."),
    },
    doc="One input, measured from the input event to the next paint.",
)

PAGE = Table(
    {
        "path": Field(str, "", doc="Path resolved against the app's URL (used by `run`), e.g. '/'."),
        "url": Field(str, "", doc="Absolute URL, used as it is."),
        "name": Field(str, "", doc="Screenshot file name; default derived from the URL."),
        "budgets": Field(dict, {}, values=Field(float, min=0),
                         check=lambda v: _unknown_budget(v), doc="Per-page budget overrides."),
        "interactions": Field(list, [], items=INTERACTION),
    },
    doc="A page to audit: give `path` or `url`.",
)

LOGIN = Table(
    {
        "path": Field(str, "", doc="Login page path (or absolute URL); empty = no login step."),
        "username_selector": Field(str, "input[name=username]"),
        "password_selector": Field(str, "input[name=password]"),
        "submit_selector": Field(str, "[type=submit]"),
        "username_env": Field(str, "ECHOTUNE_LOGIN_USERNAME", doc="Environment variable holding the user name."),
        "password_env": Field(str, "ECHOTUNE_LOGIN_PASSWORD", doc="Environment variable holding the password."),
        "wait_for": Field(str, "", doc="Selector that shows the login worked (default: wait for the next page load)."),
        "timeout": Field("duration", 15.0, min=0.1),
    },
    doc="A login performed once; its cookies and storage are reused for every page.",
)

ACCESSIBILITY = Table(
    {
        "rules_include": Field(list, [], items=Field(str, check=_not_blank),
                               doc="Run only these axe rules (default: Lighthouse's rule set)."),
        "rules_exclude": Field(list, [], items=Field(str, check=_not_blank), doc="axe rules never run."),
        "include": Field(list, [], items=Field(str, check=_not_blank), doc="Audit only these elements (selectors)."),
        "exclude": Field(list, [], items=Field(str, check=_not_blank), doc="Elements (selectors) axe skips."),
        "fail_on": Field(str, "none", choices=("none", "minor", "moderate", "serious", "critical"),
                         doc="Lowest axe impact that fails the phase by itself (the score budget gates anyway)."),
    }
)


def _unknown_budget(budgets: dict) -> str | None:
    unknown = sorted(set(budgets) - set(PAGE_BUDGETS))
    if unknown:
        return f"has unknown budget '{unknown[0]}' (known: {', '.join(PAGE_BUDGETS)})"
    return None


SPEC = Table(
    {
        "enabled": Field(bool, True),
        "pages": Field(list, [], items=PAGE),
        "runs": Field(int, 3, min=1, max=20, doc="Loads per page; the median is reported, all kept as samples."),
        "preset": Field(str, "desktop", choices=("desktop", "mobile")),
        "cpu_slowdown": Field(float, None, min=1, max=20, doc="CPU throttling factor (default from the preset)."),
        "latency_ms": Field(float, None, min=0, doc="Added request latency (default from the preset)."),
        "download_kbps": Field(float, None, min=0, doc="Download throughput; 0 = unthrottled."),
        "upload_kbps": Field(float, None, min=0, doc="Upload throughput; 0 = unthrottled."),
        "navigation_timeout": Field("duration", 30.0, min=0.1, doc="How long a page may take to reach `load`."),
        "quiet_window": Field("duration", 1.0, min=0.1,
                              doc="Quiet time (no long task, <= 2 requests in flight) that ends a load; TTI is "
                                  "the start of it. Lighthouse waits 5 s; shorter keeps runs quick."),
        "settle_timeout": Field("duration", 10.0, min=0.1, doc="Longest wait for that quiet window after `load`."),
        "chromium": Field(str, "", doc="Chromium/Chrome executable (else ECHOTUNE_CHROMIUM, Playwright's, PATH)."),
        "storage_state": Field(str, "", doc="Playwright storageState JSON (cookies, localStorage) for logged-in pages."),
        "login": LOGIN,
        "accessibility": ACCESSIBILITY,
        "screenshots": Field(bool, True, doc="Save a screenshot of every page as an artifact."),
    }
)
