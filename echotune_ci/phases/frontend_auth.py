"""Logged-in pages: a Playwright storageState file, or a login performed once.

Either way the result is a storage state (cookies and localStorage) given to
every measured context, so each run starts logged in but with a cold cache.
Credentials come from environment variables and never appear in messages.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError, InputError, RunError
from .frontend_page import error_line


@dataclass
class LoginStep:
    url: str
    username_selector: str
    password_selector: str
    submit_selector: str
    username_env: str
    password_env: str
    wait_for: str = ""
    timeout_s: float = 15.0


def read_storage_state(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: storage_state file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read storage_state ({exc})") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}: storage_state is not JSON ({exc.msg})") from None
    if not isinstance(data, dict) or not isinstance(data.get("cookies", []), list) \
            or not isinstance(data.get("origins", []), list):
        raise InputError(f"{path}: not a Playwright storageState file (expected {{\"cookies\": [...], \"origins\": [...]}})")
    return data


def log_in(browser: Any, step: LoginStep, context_options: dict[str, Any],
           state: dict[str, Any] | None) -> dict[str, Any]:
    """Fill and submit the login form once; return the resulting storage state."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    credentials = []
    for var in (step.username_env, step.password_env):
        value = os.environ.get(var)
        if not value:
            raise ConfigError(f"[frontend.login]: environment variable {var} is not set (it holds the login credentials)")
        credentials.append(value)
    timeout_ms = step.timeout_s * 1000
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
            for what, selector, value in (("user name field", step.username_selector, credentials[0]),
                                          ("password field", step.password_selector, credentials[1])):
                action = f"filling the {what} {selector!r}"
                page.locator(selector).first.fill(value, timeout=timeout_ms)
            action = f"clicking {step.submit_selector!r}"
            with page.expect_navigation(wait_until="load", timeout=timeout_ms) if not step.wait_for else contextlib.nullcontext():
                page.locator(step.submit_selector).first.click(timeout=timeout_ms)
            if step.wait_for:
                action = f"waiting for {step.wait_for!r} after submitting"
                page.wait_for_selector(step.wait_for, timeout=timeout_ms)
        except PlaywrightTimeout:
            raise RunError(f"login at {step.url} failed: timed out {action} ({step.timeout_s:g}s)") from None
        except PlaywrightError as exc:
            raise RunError(f"login at {step.url} failed while {action}: {error_line(exc)}") from None
        return context.storage_state()
    finally:
        context.close()

