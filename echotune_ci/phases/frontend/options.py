"""The plan of one audit: [frontend] settings resolved against what is known at run time.

Settings say *what* to audit; the plan adds what only the run knows: each
page's URL (configured paths resolved against the app's URL), the screen
preset and throttling, the Chromium to launch, the storage state and login
URL, and the artifacts folder. Nothing here re-declares a setting: the plan
keeps the settings it was built from in ``FrontendOptions.settings``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from ...config.schema import override
from ...errors import ConfigError
from .auth import LoginStep
from .axe import IMPACT_SEVERITY
from .presets import PRESETS, Preset, Throttle, throttle_for
from .settings import FrontendSettings, InteractionSettings, PageSettings, check_page_budgets

if TYPE_CHECKING:  # pragma: no cover
    from ...config.sections import Budgets
    from ..base import PhaseContext

NAME = "frontend"


@dataclass
class PageSpec:
    """A page as audited: its URL, file-safe ``name`` (screenshot file), and ``label``.

    ``label`` scopes the metrics: the configured path for pages on the app
    `run` started (its port changes every run; base and head must match),
    else the URL. ``budgets`` are the page's overrides (metric name ->
    budget); ``interactions`` have their names resolved. ``visitor``: loaded
    without the login's cookies and storage (see :func:`plan`).
    """

    url: str
    name: str
    label: str = ""
    budgets: Mapping[str, float] = field(default_factory=dict)
    interactions: tuple[InteractionSettings, ...] = ()
    visitor: bool = False


@dataclass(frozen=True)
class FrontendOptions:
    """Everything one audit needs: the settings it was planned from and the values resolved from them.

    ``budgets`` are the project's [budgets]; ``chromium`` the configured
    browser with a path resolved against the config folder ("" = search);
    ``storage_state`` the storageState file to start from; ``login`` the
    login to perform; ``fail_on`` the finding severity that fails the phase.
    """

    settings: FrontendSettings
    pages: list[PageSpec]
    artifacts_dir: Path
    budgets: Budgets
    preset: Preset = PRESETS["desktop"]
    throttle: Throttle = Throttle()
    chromium: str = ""
    storage_state: Path | None = None
    login: LoginStep | None = None
    fail_on: str | None = None


def plan(settings: FrontendSettings, ctx: PhaseContext, *,
         storage_state: Path | None = None) -> FrontendOptions:
    """The audit of *settings* in *ctx*: configured page paths resolve against ``ctx.base_url``.

    *storage_state*, a file named on the command line (relative to the working
    folder), replaces ``[frontend] storage_state`` (relative to the config
    file). Raises ConfigError for pages that cannot be resolved.
    """
    preset = PRESETS[settings.preset]
    pages = resolve_pages(settings, ctx.source, ctx.base_url)
    state_file = storage_state or (ctx.resolve(settings.storage_state) if settings.storage_state else None)
    login = settings.login
    fail_on = settings.accessibility.fail_on
    step = LoginStep(_login_url(login.path, ctx.base_url or (pages[0].url if pages else "")), login) \
        if login.path else None
    if step is not None:
        # The login's own page, logged in, sends the browser on (React Router's login loader redirects a
        # session to "/"): the home page was measured under /login's name. It is the form a visitor meets.
        pages = [dataclasses.replace(p, visitor=True) if _same_page(p.url, step.url) else p for p in pages]
    return FrontendOptions(
        settings=settings,
        pages=pages,
        artifacts_dir=ctx.artifacts_dir,
        budgets=ctx.budgets,
        preset=preset,
        throttle=throttle_for(preset, settings),
        chromium=str(ctx.resolve(settings.chromium)) if "/" in settings.chromium else settings.chromium,
        storage_state=state_file,
        login=step,
        fail_on=None if fail_on == "none" else IMPACT_SEVERITY[fail_on],
    )


def with_urls(settings: FrontendSettings, urls: Sequence[str], source: str) -> FrontendSettings:
    """*settings* auditing the command-line *urls* instead of the configured pages.

    A configured page with the same URL, or the same path, lends a URL its
    name, budgets and interactions. The configured pages are checked first
    (*source* names the config file); ConfigError for a URL that is not http(s).
    No *urls*: *settings* unchanged.
    """
    if not urls:
        return settings
    _check_configured(settings.pages, source)
    for url in urls:
        _check_url(url, "URL")
    pages = []
    for url in urls:
        page = _matching(settings.pages, url)
        if page is None:
            pages.append(PageSettings(url=url))
        else:
            pages.append(PageSettings(url=url, name=page.name, budgets=page.budgets,
                                      interactions=page.interactions))
    return override(settings, pages=tuple(pages))


def resolve_pages(settings: FrontendSettings, source: str, base_url: str | None) -> list[PageSpec]:
    """The configured pages with URLs: paths resolved against *base_url*, URLs as they are.

    Raises ConfigError (naming *source* and the key) for a page with both or
    neither of path and url, a URL that is not http(s), a path without
    *base_url*, or no pages at all.
    """
    configured = settings.pages
    _check_configured(configured, source)
    if not configured:
        raise ConfigError(f"{source}: no pages to audit: give URLs or list [[frontend.pages]] in the config")
    urls = []
    for i, page in enumerate(configured):
        if page.url:
            _check_url(page.url, f"{source}: 'frontend.pages[{i}].url'")
            urls.append(page.url)
        elif base_url:
            urls.append(urljoin(base_url.rstrip("/") + "/", page.path.lstrip("/")))
        else:
            raise ConfigError(
                f"{source}: 'frontend.pages[{i}].path' = {page.path!r} needs the app's URL: run it with "
                f"`echotune-ci run`, or pass --base-url or full URLs to `echotune-ci frontend`"
            )
    return named_pages(configured, urls)


def named_pages(pages: Sequence[PageSettings], urls: Sequence[str]) -> list[PageSpec]:
    """Page *i* of *pages* audited at ``urls[i]``: labels, unique file-safe names, resolved interactions."""
    return _name_pages([_spec_for(url, page) for page, url in zip(pages, urls, strict=True)])


def _check_configured(pages: Sequence[PageSettings], source: str) -> None:
    for i, page in enumerate(pages):
        if bool(page.path) == bool(page.url):
            raise ConfigError(f"{source}: 'frontend.pages[{i}]' needs exactly one of 'path' or 'url'")
    check_page_budgets(pages, source)


def _check_url(url: str, where: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{where} {url!r}: expected an http:// or https:// URL")


def _label(page: PageSettings) -> str:
    if page.url:
        return page.url
    return page.path if page.path.startswith("/") else "/" + page.path


def _matching(configured: Sequence[PageSettings], url: str) -> PageSettings | None:
    """The configured page a command-line URL stands for (same URL, or same path)."""
    path = urlsplit(url).path or "/"
    for page in configured:
        if page.url and page.url == url:
            return page
    for page in configured:
        if page.path and _label(page) == path:
            return page
    return None


def _spec_for(url: str, page: PageSettings) -> PageSpec:
    interactions = tuple(dataclasses.replace(ix, name=ix.name or f"{ix.action} {ix.selector}")
                         for ix in page.interactions)
    return PageSpec(url=url, name=page.name, label=_label(page), budgets=dict(page.budgets),
                    interactions=interactions, visitor=not page.login)


def _same_page(url: str, other: str) -> bool:
    """Whether two absolute URLs name one page: scheme, host, port and path (a trailing slash aside), the
    query and fragment left out (the login page at ``/login?next=/x`` is ``/login``)."""
    a, b = urlsplit(url), urlsplit(other)
    return (a.scheme, a.netloc, a.path.rstrip("/") or "/") == (b.scheme, b.netloc, b.path.rstrip("/") or "/")


def _name_pages(specs: list[PageSpec]) -> list[PageSpec]:
    """File-safe, unique names for screenshots."""
    seen: set[str] = set()
    for spec in specs:
        base = spec.name or (re.sub(r"[^A-Za-z0-9]+", "-", urlsplit(spec.url).path).strip("-") or "home")
        base = re.sub(r"[^A-Za-z0-9_.-]+", "-", base)[:60]
        name, n = base, 2
        while name in seen:
            name, n = f"{base}-{n}", n + 1
        seen.add(name)
        spec.name = name
    return specs


def _login_url(path: str, base: str) -> str:
    return path if urlsplit(path).scheme else urljoin(base, path)
