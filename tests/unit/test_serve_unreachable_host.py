"""A setup or build step that failed on a host this machine cannot resolve says which, and for Next.js's
Google Fonts and prerendered pages what to do (nextjs/saas-starter, docs/real-projects.md, the fourteenth
round: `next build` stopped with "getaddrinfo ENOTFOUND fonts.googleapis.com" three times and nothing
naming app/layout.tsx's font, then on /pricing, which asks api.stripe.com for its prices)."""

from __future__ import annotations

import os
import shlex

import pytest

from echotune_ci.serve.output import unreachable_host_hint
from echotune_ci.serve.steps import StepFailed, run_step

# What Next 15's build printed here, in its order (the error's fields left out)
NEXT_FONT_OUTPUT = [
    "   Creating an optimized production build ...",
    "getaddrinfo ENOTFOUND fonts.googleapis.com",
    "",
    "Retrying 1/3...",
    "[Error: getaddrinfo ENOTFOUND fonts.googleapis.com] {",
    "  code: 'ENOTFOUND',",
    "}",
    "Failed to compile.",
    "",
    "app/layout.tsx",
    "`next/font` error:",
    "Failed to fetch `Manrope` from Google Fonts.",
    "",
    "> Build failed because of webpack errors",
]
PRERENDER_OUTPUT = [
    'Error occurred prerendering page "/pricing". Read more: https://nextjs.org/docs/messages/prerender-error',
    "Error: An error occurred with our connection to Stripe. Request was retried 2 times.",
    "  detail: [Error: getaddrinfo ENOTFOUND api.stripe.com] {",
    "Export encountered an error on /(dashboard)/pricing/page: /pricing, exiting the build.",
]


def test_next_fonts_name_the_font_its_file_and_the_way_to_build_offline():
    assert unreachable_host_hint(NEXT_FONT_OUTPUT) == (
        "; `next build` downloads the font Manrope from Google Fonts (next/font/google in app/layout.tsx) "
        "and this machine cannot reach fonts.googleapis.com: where CI has no internet, point "
        "NEXT_FONT_GOOGLE_MOCKED_RESPONSES in [serve] env at a module of local answers (docs/serve.md, "
        '"Builds that download"), or load the font with next/font/local')
    # the host alone (an older next, whose words differ) still says it
    assert "downloads its fonts from Google Fonts (next/font/google) and" in unreachable_host_hint(
        ["getaddrinfo EAI_AGAIN fonts.gstatic.com"])


def test_a_prerendered_page_that_calls_an_api_is_named():
    assert unreachable_host_hint(PRERENDER_OUTPUT) == (
        "; `next build` prerenders /pricing, which connects to api.stripe.com, a name this machine cannot "
        "resolve: give the build that network (and the credentials the page needs), or render the page on "
        'request (`export const dynamic = "force-dynamic"` in it)')


@pytest.mark.parametrize("line, host", [
    ("curl: (6) Could not resolve host: github.com", "github.com"),
    ("HTTPSConnectionPool(host='pypi.org', port=443): Max retries exceeded (Caused by NewConnectionError("
     "'...: Failed to establish a new connection: [Errno -3] Temporary failure in name resolution'))",
     "pypi.org"),
    ("go: downloading x: dial tcp: lookup proxy.golang.org on 127.0.0.53:53: no such host",
     "proxy.golang.org"),
    ("Error: getaddrinfo ENOTFOUND db", "db"),  # a compose file's service name
])
def test_any_host_that_did_not_resolve_is_named(line, host):
    assert unreachable_host_hint(["something", line]) == (
        f"; it connects to {host}, a name this machine cannot resolve: give the step that network")


def test_output_that_names_no_host_adds_nothing():
    assert unreachable_host_hint(["npm error Missing: left-pad@1.3.0 from lock file",
                                  "connect ECONNREFUSED 127.0.0.1:5432"]) == ""


def test_the_build_steps_error_carries_the_hint(tmp_path):
    script = "; ".join(f"echo {shlex.quote(line)}" for line in NEXT_FONT_OUTPUT if line) + "; exit 1"
    with pytest.raises(StepFailed) as failed:
        run_step("build", script, tmp_path, {"PATH": os.environ["PATH"]}, timeout=30)
    message = str(failed.value)
    assert message.startswith("serve.build failed with exit code 1")
    assert message.endswith(
        "(next/font/google in app/layout.tsx) and this machine cannot reach fonts.googleapis.com: where CI "
        "has no internet, point NEXT_FONT_GOOGLE_MOCKED_RESPONSES in [serve] env at a module of local "
        'answers (docs/serve.md, "Builds that download"), or load the font with next/font/local')
