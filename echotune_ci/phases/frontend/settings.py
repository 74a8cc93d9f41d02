"""The [frontend] section, owned by the frontend phase.

Budgets default to [budgets]; a page's ``budgets`` table overrides them for
that page only, and an interaction's ``budget_ms`` overrides
``interaction_ms`` for that interaction only.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ...config.schema import item, seconds, server_url, setting
from ...errors import ConfigError

# Page budgets a page may override; the names are the metric names.
PAGE_BUDGETS = ("fcp_ms", "lcp_ms", "tti_ms", "tbt_ms", "cls", "ttfb_ms", "speed_index_ms", "interaction_ms",
                "accessibility_score", "performance_score")
IMPACTS = ("none", "minor", "moderate", "serious", "critical")


def _not_blank(value: str) -> str | None:
    return None if value.strip() else "must not be empty"


def _unknown_budget(budgets: Mapping[str, float]) -> str | None:
    unknown = [name for name in budgets if name not in PAGE_BUDGETS]
    if unknown:
        # like the config engine's unknown keys: the closest name, else every known one
        hint = difflib.get_close_matches(unknown[0], PAGE_BUDGETS, n=1)
        more = f"did you mean '{hint[0]}'?" if hint else f"known: {', '.join(PAGE_BUDGETS)}"
        return f"has unknown budget '{unknown[0]}' ({more})"
    return None


def check_page_budgets(pages: Sequence[PageSettings], source: str) -> None:
    """ConfigError for a page budget that no metric of its page would carry: ``interaction_ms`` on a
    page without interactions (the budget would be silently dropped). *pages* are the configured
    ``[[frontend.pages]]``; the message names the key."""
    for i, page in enumerate(pages):
        if "interaction_ms" in page.budgets and not page.interactions:
            raise ConfigError(f"{source}: 'frontend.pages[{i}].budgets.interaction_ms' applies to nothing: "
                              f"the page has no [[frontend.pages.interactions]] (add one, or remove the "
                              f"budget)")


@dataclass(frozen=True)
class InteractionSettings:
    """One input, measured from the input event to the next paint."""

    name: str = setting("", doc="Label of the interaction_ms metric (default: action and selector).")
    action: str = setting("click", choices=("click", "type"), doc="What to do with the target.")
    selector: str = setting("", required=True, check=_not_blank,
                            doc="CSS selector (Playwright syntax) of the target.")
    text: str = setting("", doc="What `type` types, key by key.")
    wait_for: str = setting("", doc="Selector to wait for after the action, before the next one.")
    timeout: float = setting(5.0, parse=seconds, min=0.1, doc="How long to wait for the selector to appear.")
    budget_ms: float | None = setting(None, min=0,
                                      doc="Overrides budgets.interaction_ms for this interaction.")


@dataclass(frozen=True)
class PageSettings:
    """A page to audit ([[frontend.pages]]): give `path` or `url`."""

    path: str = setting("", doc="Path resolved against the app's URL (used by `run`), e.g. '/'.")
    url: str = setting("", check=server_url, doc="Absolute URL, used as it is.")
    name: str = setting("", doc="Screenshot file name; default derived from the URL.")
    budgets: Mapping[str, float] = setting({}, item=item(min=0), check=_unknown_budget,
                                           doc="Per-page budget overrides.")
    interactions: tuple[InteractionSettings, ...] = setting((), doc="Inputs measured after the page loaded.")
    login: bool = setting(True, doc="false: load this page as a visitor, without [frontend.login]'s "
                                    "session (a sign-up form, which sends a logged-in browser away); the "
                                    "login page itself always is.")


@dataclass(frozen=True)
class LoginSettings:
    """[frontend.login]: a login performed once; its cookies and storage are reused for every page."""

    path: str = setting("", doc="Login page path (or absolute URL); empty = no login step.")
    username_selector: str = setting("input[name=username]", doc="Selector of the user name field.")
    password_selector: str = setting("input[name=password]", doc="Selector of the password field.")
    submit_selector: str = setting("[type=submit]", doc="Selector of the submit button.")
    username_env: str = setting("ECHOTUNE_LOGIN_USERNAME", doc="Environment variable holding the user name.")
    password_env: str = setting("ECHOTUNE_LOGIN_PASSWORD", doc="Environment variable holding the password.")
    wait_for: str = setting("", doc="Selector that shows the login worked (default: wait for the next page "
                                    "load).")
    timeout: float = setting(15.0, parse=seconds, min=0.1, doc="How long the login may take.")


@dataclass(frozen=True)
class AccessibilitySettings:
    """[frontend.accessibility]: the axe-core run."""

    rules_include: tuple[str, ...] = setting((), item=item(check=_not_blank),
                                             doc="Run only these axe rules (default: Lighthouse's rule set).")
    rules_exclude: tuple[str, ...] = setting((), item=item(check=_not_blank), doc="axe rules never run.")
    include: tuple[str, ...] = setting((), item=item(check=_not_blank),
                                       doc="Audit only these elements (selectors).")
    exclude: tuple[str, ...] = setting((), item=item(check=_not_blank), doc="Elements (selectors) axe skips.")
    fail_on: str = setting("none", choices=IMPACTS,
                           doc="Lowest axe impact that fails the phase by itself (the score budget gates "
                               "anyway).")


@dataclass(frozen=True)
class FrontendSettings:
    """[frontend]: pages audited in Chromium."""

    enabled: bool = setting(True, doc="false: the phase reports nothing.")
    pages: tuple[PageSettings, ...] = setting((), doc="Pages to audit.")
    runs: int = setting(3, min=1, max=20, doc="Loads per page; the median is reported, all kept as samples.")
    warmup: int = setting(1, min=0, max=5,
                          doc="Unmeasured loads of each page per build before a side-by-side run's measured "
                              "ones (`run --base-ref`): a fresh app's first answers are slower (lazy "
                              "imports, cold caches).")
    preset: str = setting("desktop", choices=("desktop", "mobile"), doc="Screen and throttling preset.")
    cpu_slowdown: float | None = setting(None, min=1, max=20, doc="CPU throttling factor (default from the "
                                                                  "preset).")
    latency_ms: float | None = setting(None, min=0, doc="Added request latency (default from the preset).")
    download_kbps: float | None = setting(None, min=0, doc="Download throughput; 0 = unthrottled.")
    upload_kbps: float | None = setting(None, min=0, doc="Upload throughput; 0 = unthrottled.")
    navigation_timeout: float = setting(30.0, parse=seconds, min=0.1,
                                        doc="How long a page may take to reach `load`.")
    quiet_window: float = setting(1.0, parse=seconds, min=0.1,
                                  doc="Quiet time (no long task, <= 2 requests in flight) that ends a load; "
                                      "TTI is the start of it. Lighthouse waits 5 s; shorter keeps runs "
                                      "quick.")
    settle_timeout: float = setting(10.0, parse=seconds, min=0.1,
                                    doc="Longest wait for that quiet window after `load`.")
    chromium: str = setting("", doc="Chromium/Chrome executable (else ECHOTUNE_CHROMIUM, Playwright's, "
                                    "PATH).")
    storage_state: str = setting("", doc="Playwright storageState JSON (cookies, localStorage) for logged-in "
                                         "pages.")
    login: LoginSettings = setting(LoginSettings())
    accessibility: AccessibilitySettings = setting(AccessibilitySettings())
    screenshots: bool = setting(True, doc="Save a screenshot of every page as an artifact.")
