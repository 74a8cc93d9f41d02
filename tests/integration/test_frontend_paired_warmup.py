"""Side-by-side page loads begin with `[frontend] warmup` unmeasured loads of each page on each build: a
fresh app's first page is slower (a Django app's first byte after 346-435 ms, later ones after 20 ms),
and as a sample it widened both builds' spread in every `run --base-ref`."""

from __future__ import annotations

from collections import Counter

import pytest
from support import local_server

from echotune_ci.config import load_config
from echotune_ci.config.schema import override
from echotune_ci.phases.base import PhaseContext
from echotune_ci.phases.frontend.options import plan, with_urls
from echotune_ci.phases.frontend.paired import audit_pair

PAGE = b"<!doctype html><html lang='en'><title>t</title><main><h1>Tracks</h1><p>one</p></main></html>"


def _site(name: str, seen: Counter[str]) -> type[local_server.KeepAliveOk]:
    class Site(local_server.KeepAliveOk):
        def do_GET(self) -> None:  # noqa: N802 - the http.server hook
            if self.path == "/":
                seen[name] += 1
                self.answer(PAGE, "text/html")
            else:
                self.send_error(404)

    return Site


@pytest.mark.parametrize(("first_pair", "loads"), [(0, 3), (2, 2)])
def test_each_build_is_loaded_unmeasured_first(tmp_path, first_pair, loads):
    seen: Counter[str] = Counter()
    servers = {side: local_server.start(_site(side, seen)) for side in ("base", "head")}
    try:
        (tmp_path / "echotune.toml").write_text("")
        cfg = load_config(tmp_path / "echotune.toml")
        settings = override(cfg.frontend, runs=2, warmup=1, screenshots=False, quiet_window=0.2)
        opts = {side: plan(with_urls(settings, [f"{local_server.url(server)}/"], cfg.source),
                           PhaseContext.for_config(cfg, tmp_path / side))
                for side, server in servers.items()}
        paired = audit_pair(opts["base"], opts["head"], first_pair=first_pair)
    finally:
        for server in servers.values():
            local_server.stop(server)
    # an added round (first_pair > 0) finds both apps warm already
    assert seen == {"base": loads, "head": loads}
    for result in (paired.base, paired.head):
        (fcp,) = [m for m in result.metrics if m.name == "fcp_ms"]
        assert len(fcp.samples) == 2, result.errors
    assert [len(order) for order in paired.order.values()] == [4]
