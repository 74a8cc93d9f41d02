"""What a page load that was redirected is called: a login page only where the address says so."""

from __future__ import annotations

import pytest

from echotune_ci.phases.frontend.phase import redirect_note

APP = "http://127.0.0.1:47521"


@pytest.mark.parametrize(("final", "login"), [
    (f"{APP}/accounts/login/?next=/", True),        # Django's login_required
    (f"{APP}/users/sign_in", True),                 # Devise
    (f"{APP}/auth?redirect=%2F", True),
    (f"{APP}/login.html", True),
    (f"{APP}/surveys", False),                      # the surveys app's "/" goes on to its list page
    (f"{APP}/blog/author-login-tips", False),       # a word inside a segment is no login form
    (f"{APP}/en/", False),
])
def test_a_redirect_is_called_a_login_only_where_the_address_names_one(final, login):
    note = redirect_note(f"{APP}/", final)
    assert note.startswith(f"{APP}/: ended at {final} (redirected; ")
    assert ("a login page" in note) is login
    assert note.endswith("not the one asked for)" if login else "the page measured is the one it ended at)")


def test_no_note_for_the_page_asked_for():
    assert redirect_note(f"{APP}/", f"{APP}") == "" and redirect_note(f"{APP}/a", f"{APP}/a/") == ""


def test_a_hash_router_starting_at_its_root_is_no_redirect():
    # The Vue RealWorld client (createWebHashHistory): every load of "/" ended at "/#/", noted as
    # "redirected; the page measured is the one it ended at" for the very page asked for.
    assert redirect_note(f"{APP}/", f"{APP}/#/") == ""
    assert redirect_note(f"{APP}/", f"{APP}/#!/") == "" and redirect_note(f"{APP}/#/", f"{APP}/") == ""
    assert redirect_note(f"{APP}/#/login", f"{APP}/#/login") == ""
    # A route the router moved to is a redirect, and a login where the route names one (a guarded page)
    note = redirect_note(f"{APP}/#/settings", f"{APP}/#/login?redirect=/settings")
    assert "a login page" in note
    note = redirect_note(f"{APP}/#/", f"{APP}/#/feed")
    assert note.endswith("the page measured is the one it ended at)")
    # A fragment that is an anchor, not a route, names no login
    assert "a login page" not in redirect_note(f"{APP}/", f"{APP}/help#login")
