"""A load endpoint's path with a space or a non-ASCII letter is sent percent-encoded, as a browser sends it.

init takes paths from route files and folders (Next's app/, Nuxt's server/api/, SvelteKit's routes/):
a folder "we ird" is the URL /we%20ird. FastHttpUser's client refused the raw form ("invalid request URI
'/we ird'") and every request failed; HttpUser's requests encoded it.
"""

from __future__ import annotations

import pytest
from support import local_server
from support.load_support import load, write_config

from echotune_ci.phases.load.worker import url_path


@pytest.mark.parametrize(("path", "sent"), [
    ("/api/we ird/hé", "/api/we%20ird/h%C3%A9"),
    ("/search?q=a b&tag=c+d", "/search?q=a%20b&tag=c+d"),
    ("/already%20encoded/x", "/already%20encoded/x"),
    ("/items/5;v=1/@me/(x)", "/items/5;v=1/@me/(x)"),
    ('/a"b<c>', "/a%22b%3Cc%3E"),
])
def test_a_path_is_sent_as_a_url_carries_it(path, sent) -> None:
    assert url_path(path) == sent


class _Paths(local_server.KeepAliveOk):
    seen: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.seen.append(self.path)
        self.answer_ok()


@pytest.mark.parametrize("user_class", ["fast", "http"])
def test_a_route_folder_with_a_space_is_loaded_without_errors(tmp_path, load_env, user_class) -> None:
    handler = type("Paths", (_Paths,), {"seen": []})
    server = local_server.start(handler)
    try:
        write_config(tmp_path, f'[load]\nusers = 1\nspawn_rate = 10\nduration = "1s"\nwait_min = "0.05s"\n'
                               f'wait_max = "0.1s"\nuser_class = "{user_class}"\n'
                               '[[load.endpoints]]\npath = "/we ird/hé"\n')
        proc, result = load(load_env, tmp_path, "--host", local_server.url(server))
    finally:
        local_server.stop(server)
    assert result is not None, proc.stdout + proc.stderr
    assert [f.message for f in result.findings if f.rule_id == "load.request-failed"] == []
    # "/" is the phase's own check that the target answers, before the users start
    assert handler.seen.count("/we%20ird/h%C3%A9") >= 2 and set(handler.seen) == {"/", "/we%20ird/h%C3%A9"}
