"""[frontend] settings and command-line overrides turned into what one audit needs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from ..errors import ConfigError
from .frontend_auth import LoginStep
from .frontend_axe import IMPACT_SEVERITY, AxeSettings
from .frontend_page import Interaction, LoadSettings
from .frontend_presets import PRESETS, Preset, Throttle, throttle_for

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config

PHASE = "frontend"


@dataclass
class PageSpec:
    """``label`` scopes the metrics: the configured path for pages on the app
    `run` started (its port changes every run; base and head must match),
    else the URL."""

    url: str
    name: str
    label: str = ""
    budgets: dict[str, float] = field(default_factory=dict)
    interactions: list[Interaction] = field(default_factory=list)


@dataclass
class FrontendOptions:
    pages: list[PageSpec]
    artifacts_dir: Path
    budgets: dict[str, Any]
    runs: int = 3
    preset: Preset = PRESETS["desktop"]
    throttle: Throttle = Throttle()
    load: LoadSettings = field(default_factory=lambda: LoadSettings(Throttle(), 30.0, 1.0, 10.0))
    chromium: str = ""
    storage_state: Path | None = None
    login: LoginStep | None = None
    axe: AxeSettings = field(default_factory=AxeSettings)
    fail_on: str | None = None
    screenshots: bool = True


def options_from_config(
    cfg: "Config",
    *,
    artifacts_dir: Path,
    urls: tuple[str, ...] = (),
    base_url: str | None = None,
    runs: int | None = None,
    preset: str | None = None,
    storage_state: Path | None = None,
) -> FrontendOptions:
    section = cfg.section(PHASE)
    chosen = PRESETS[preset or section["preset"]]
    throttle = throttle_for(chosen, section)
    pages = _pages(cfg, section, urls, base_url)
    state_file = storage_state or (cfg.resolve(section["storage_state"]) if section["storage_state"] else None)
    login = section["login"]
    return FrontendOptions(
        pages=pages,
        artifacts_dir=artifacts_dir,
        budgets=dict(cfg.budgets),
        runs=runs or section["runs"],
        preset=chosen,
        throttle=throttle,
        load=LoadSettings(throttle, section["navigation_timeout"], section["quiet_window"], section["settle_timeout"]),
        chromium=str(cfg.resolve(section["chromium"])) if "/" in section["chromium"] else section["chromium"],
        storage_state=state_file,
        login=_login_step(login, base_url or (pages[0].url if pages else "")) if login["path"] else None,
        axe=AxeSettings.from_section(section["accessibility"]),
        fail_on=None if section["accessibility"]["fail_on"] == "none"
        else IMPACT_SEVERITY[section["accessibility"]["fail_on"]],
        screenshots=section["screenshots"],
    )


def _pages(cfg: "Config", section: dict[str, Any], urls: tuple[str, ...], base_url: str | None) -> list[PageSpec]:
    configured = section["pages"]
    for i, page in enumerate(configured):
        if bool(page["path"]) == bool(page["url"]):
            raise ConfigError(f"{cfg.source}: 'frontend.pages[{i}]' needs exactly one of 'path' or 'url'")
    if urls:
        for u in urls:
            _check_url(u, "URL")
        return _name_pages([_spec_for(u, _matching(configured, u, base_url)) for u in urls])
    if not configured:
        raise ConfigError(f"{cfg.source}: no pages to audit: give URLs or list [[frontend.pages]] in the config")
    specs = []
    for i, page in enumerate(configured):
        if page["url"]:
            url = label = page["url"]
            _check_url(url, f"{cfg.source}: 'frontend.pages[{i}].url'")
        elif base_url:
            url = urljoin(base_url.rstrip("/") + "/", page["path"].lstrip("/"))
            label = page["path"] if page["path"].startswith("/") else "/" + page["path"]
        else:
            raise ConfigError(
                f"{cfg.source}: 'frontend.pages[{i}].path' = {page['path']!r} needs the app's URL: run it with "
                f"`echotune-ci run`, or pass --base-url or full URLs to `echotune-ci frontend`"
            )
        specs.append(_spec_for(url, page, label))
    return _name_pages(specs)


def _check_url(url: str, where: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{where} {url!r}: expected an http:// or https:// URL")


def _matching(configured: list[dict[str, Any]], url: str, base_url: str | None) -> dict[str, Any] | None:
    """The configured page a command-line URL stands for (same URL, or same path)."""
    path = urlsplit(url).path or "/"
    for page in configured:
        if page["url"] and page["url"] == url:
            return page
    for page in configured:
        if page["path"] and (page["path"] if page["path"].startswith("/") else "/" + page["path"]) == path:
            return page
    return None


def _spec_for(url: str, page: dict[str, Any] | None, label: str = "") -> PageSpec:
    label = label or url
    if page is None:
        return PageSpec(url=url, name="", label=label)
    interactions = [
        Interaction(name=ix["name"] or f"{ix['action']} {ix['selector']}", timeout_s=ix["timeout"],
                    **{k: ix[k] for k in ("action", "selector", "text", "wait_for", "budget_ms")})
        for ix in page["interactions"]
    ]
    return PageSpec(url=url, name=page["name"], label=label, budgets=dict(page["budgets"]), interactions=interactions)


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


def _login_step(login: dict[str, Any], base: str) -> LoginStep:
    url = login["path"] if urlsplit(login["path"]).scheme else urljoin(base, login["path"])
    fields = ("username_selector", "password_selector", "submit_selector", "username_env", "password_env", "wait_for")
    return LoginStep(url=url, timeout_s=login["timeout"], **{k: login[k] for k in fields})
