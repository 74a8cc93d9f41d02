"""Logged-in pages: a Playwright storageState file, or a login performed once.

Either way the result is a storage state (cookies and localStorage) given to
every measured context, so each run starts logged in but with a cold cache.
Credentials come from environment variables and never appear in messages.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...errors import ConfigError, InputError, RunError
from ...fsutil import read_json
from .page import error_line
from .settings import LoginSettings


@dataclass(frozen=True)
class LoginStep:
    """[frontend.login] with its page resolved to an absolute URL."""

    url: str
    settings: LoginSettings


def read_storage_state(path: Path) -> dict[str, Any]:
    """The Playwright storageState JSON at *path*.

    Raises ConfigError when the file does not exist, InputError when it cannot
    be read or is not a storageState object.
    """
    if not path.exists():
        raise ConfigError(f"{path}: storage_state file not found")
    data = read_json(path, "storage_state")
    if not isinstance(data, dict) or not isinstance(data.get("cookies", []), list) \
            or not isinstance(data.get("origins", []), list):
        raise InputError(f"{path}: not a Playwright storageState file "
                         f"(expected {{\"cookies\": [...], \"origins\": [...]}})")
    return data


def check_credentials(login: LoginSettings) -> None:
    """ConfigError naming the first of *login*'s credential variables that is unset or empty. `run` asks
    before it starts anything: found only when the frontend phase logged in, it came after both builds'
    setup and the security phase (4 minutes of a Passport app's native build, twice)."""
    for var in (login.username_env, login.password_env):
        if not os.environ.get(var):
            raise ConfigError(f"[frontend.login]: environment variable {var} is not set "
                              f"(it holds the login credentials)")


def log_in(browser: Any, step: LoginStep, context_options: dict[str, Any],
           state: dict[str, Any] | None) -> dict[str, Any]:
    """Fill and submit the login form once; return the resulting storage state.

    Credentials come from the environment variables the settings name:
    ConfigError when one is unset, RunError when the login fails.
    """
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    login = step.settings
    check_credentials(login)
    credentials = [os.environ[login.username_env], os.environ[login.password_env]]
    timeout_ms = login.timeout * 1000
    try:
        context = browser.new_context(storage_state=state, **context_options)
    except PlaywrightError as exc:
        raise RunError(f"login: cannot open a browser context: {error_line(exc)}") from None
    try:
        page = context.new_page()
        action = f"opening {step.url}"
        try:
            response = page.goto(step.url, wait_until="load", timeout=timeout_ms)
            if response is not None and response.status >= 400:
                raise RunError(f"login: {step.url} answered {response.status}")
            for what, selector, value in (("user name field", login.username_selector, credentials[0]),
                                          ("password field", login.password_selector, credentials[1])):
                action = f"filling the {what} {selector!r}"
                page.locator(selector).first.fill(value, timeout=timeout_ms)
            action = f"clicking {login.submit_selector!r}"
            navigation = (contextlib.nullcontext() if login.wait_for
                          else page.expect_navigation(wait_until="load", timeout=timeout_ms))
            with navigation:
                page.locator(login.submit_selector).first.click(timeout=timeout_ms)
            if login.wait_for:
                action = f"waiting for {login.wait_for!r} after submitting"
                page.wait_for_selector(login.wait_for, timeout=timeout_ms)
        except PlaywrightTimeout:
            raise RunError(f"login at {step.url} failed: timed out {action} ({login.timeout:g}s)") from None
        except PlaywrightError as exc:
            raise RunError(f"login at {step.url} failed while {action}: {error_line(exc)}") from None
        return context.storage_state()
    finally:
        context.close()

