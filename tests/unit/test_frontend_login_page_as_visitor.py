"""With [frontend.login], the login page itself and pages marked `login = false` load without its session.

abrahamgr/react-router-framework-playground under `run --base-ref` with [frontend.login] (the seeded
account): the login's and the sign-up's loaders send a session to "/", so both ended at "/" ("redirected; the
page measured is the one it ended at") and the comment showed the home page's timings, with its planted
150-ms loader, under /login and /signup. A visitor meets them without a session.
"""

from __future__ import annotations

import contextlib

from echotune_ci.config.model import load_config
from echotune_ci.phases.base import PhaseContext
from echotune_ci.phases.frontend.options import plan
from echotune_ci.phases.frontend.phase import PageRuns, load_once
from echotune_ci.results import PhaseResult

CONFIG = """
[[frontend.pages]]
path = "/"

[[frontend.pages]]
path = "/favorites"

[[frontend.pages]]
path = "/login/"

[[frontend.pages]]
path = "/signup"
login = false

[frontend.login]
path = "/login?url=/favorites"
username_selector = "input[name=email]"
"""


def planned(tmp_path, text: str):
    (tmp_path / "echotune.toml").write_text(text)
    settings = load_config(tmp_path / "echotune.toml").frontend
    ctx = PhaseContext(artifacts_dir=tmp_path, base_url="http://127.0.0.1:5173", source="echotune.toml")
    return plan(settings, ctx)


def test_the_login_page_and_pages_without_login_are_loaded_as_a_visitor(tmp_path):
    opts = planned(tmp_path, CONFIG)
    assert [(p.label, p.visitor) for p in opts.pages] == [
        ("/", False), ("/favorites", False), ("/login/", True), ("/signup", True)]


def test_without_a_login_no_page_is_a_visitors(tmp_path):
    # `login = false` alone changes nothing where there is no session to leave out
    opts = planned(tmp_path, CONFIG.split("[frontend.login]")[0])
    assert [p.visitor for p in opts.pages] == [False, False, False, True]
    assert opts.login is None


class Stop(Exception):
    """Raised by the stand-in browser once it has recorded the context it was asked for."""


class Browser:
    """Records the storage state each context is opened with, then stops the load."""

    def __init__(self) -> None:
        self.states: list[object] = []

    def new_context(self, storage_state=None, **_options):
        self.states.append(storage_state)
        raise Stop


def test_a_visitors_page_opens_its_context_without_the_sessions_state(tmp_path):
    opts = planned(tmp_path, CONFIG)
    browser, session = Browser(), {"cookies": [{"name": "jwt", "value": "x"}], "origins": []}
    for spec in opts.pages:
        with contextlib.suppress(Stop):
            load_once(browser, spec, opts, {}, session, PhaseResult(phase="frontend"), PageRuns(), last=False)
    assert browser.states == [session, session, None, None]
