"""Finding a Chromium and launching it through Playwright (never downloading one)."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ...errors import RunError
from .page import error_line

# Quiet, reproducible runs: no GPU in CI, no background traffic skewing network figures.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Chromium bypasses loopback by default; say so explicitly (and for the 127/8 block the probes use).
PROXY_BYPASS = "--proxy-bypass-list=127.0.0.1;localhost;[::1];127.0.0.0/8"
PATH_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
INSTALL_HINT = (
    "install one with `python -m playwright install chromium` (add --with-deps on a fresh runner) or your "
    "system's package (e.g. `apt-get install chromium`), or point [frontend] chromium / ECHOTUNE_CHROMIUM "
    "at it"
)


def browser_environment() -> dict[str, str]:
    """The browser's environment: ours without toolkit credentials, NO_PROXY listing loopback."""
    from ...net.loopback import without_proxy_for_loopback
    from ...serve.environment import child_environment

    return without_proxy_for_loopback(child_environment())


def find_chromium(configured: str, playwright: Any) -> str:
    """The executable to launch: configured path, ECHOTUNE_CHROMIUM, Playwright's own, then PATH.

    RunError when an explicit choice is not an executable or nothing is found.
    """
    tried: list[str] = []
    explicit = [("[frontend] chromium", configured),
                ("ECHOTUNE_CHROMIUM", os.environ.get("ECHOTUNE_CHROMIUM", ""))]
    for where, value in explicit:
        if not value:
            continue
        path = shutil.which(value) or value
        if _is_executable(path):
            return path
        # An explicit choice that does not work is an error, not a reason to pick another browser.
        raise RunError(f"{where} = {value}: no such executable; {INSTALL_HINT}")
    tried.append("[frontend] chromium and ECHOTUNE_CHROMIUM (unset)")
    own = _playwright_chromium(playwright)
    if own and _is_executable(own):
        return own
    tried.append(f"Playwright's browser ({own or 'not installed'})")
    for name in PATH_NAMES:
        found = shutil.which(name)
        if found:
            return found
    tried.append(f"PATH ({', '.join(PATH_NAMES)})")
    raise RunError(f"no Chromium or Chrome found; tried {'; '.join(tried)}; {INSTALL_HINT}")


def _playwright_chromium(playwright: Any) -> str:
    try:
        return playwright.chromium.executable_path or ""
    except Exception:  # Playwright raises when its browser registry has no entry
        return ""


def _is_executable(path: str) -> bool:
    p = Path(path)
    return p.is_file() and os.access(p, os.X_OK)


def launch(playwright: Any, executable: str) -> Any:
    """Start headless Chromium at *executable*; RunError when it does not start."""
    try:
        # Loopback pages never through a proxy, and the browser holds no toolkit credential.
        return playwright.chromium.launch(executable_path=executable, args=[*LAUNCH_ARGS, PROXY_BYPASS],
                                          headless=True, env=browser_environment())
    except Exception as exc:
        raise RunError(f"{executable}: Chromium did not start ({error_line(exc)})") from None


@contextlib.contextmanager
def chromium(configured: str) -> Iterator[Any]:
    """Playwright started and a headless Chromium launched (:func:`find_chromium` with *configured*,
    :func:`launch`) for the block, both closed after it. RunError when Playwright is not installed or
    does not start, or no Chromium can be launched."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise RunError("the frontend phase needs Playwright: pip install 'echotune-ci[frontend]'") from None
    try:
        manager = sync_playwright().start()
    except Exception as exc:
        raise RunError(f"Playwright did not start: {exc}") from None
    try:
        browser = launch(manager, find_chromium(configured, manager))
        try:
            yield browser
        finally:
            browser.close()
    finally:
        manager.stop()
