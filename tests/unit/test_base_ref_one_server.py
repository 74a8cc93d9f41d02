"""A phase setting that names a server of its own (``[api] url``, ``[load] host``, ``[security.http] url``,
a ``[[frontend.pages]] url``) wins over the app each build starts, so under `run --base-ref` both builds
measured that one server and every verdict on it compared the server with itself, unsaid."""

from __future__ import annotations

import functools
import http.server
import json
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from echotune_ci.baseref.configs import one_server
from echotune_ci.baseref.sidebyside import BaseOptions, run_side_by_side
from echotune_ci.config import load_config

OPENAPI = {"openapi": "3.0.3", "info": {"title": "one", "version": "1"},
           "paths": {"/index.html": {"get": {"responses": {"200": {"description": "the page"}}}}}}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


@pytest.fixture()
def one(tmp_path: Path) -> Iterator[str]:
    """A static server of its own (not an app `run` starts), answering /openapi.json and /index.html."""
    folder = tmp_path / "one"
    folder.mkdir()
    (folder / "openapi.json").write_text(json.dumps(OPENAPI))
    (folder / "index.html").write_text("<!doctype html><title>one</title>")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_one_server_names_the_settings_both_builds_share(tmp_path: Path) -> None:
    (tmp_path / "echotune.toml").write_text(
        '[api]\nurl = "http://app:secret@10.0.0.5:8000/v1?token=abc"\n[load]\nhost = ""\n'
        '[security.http]\nurl = "http://10.0.0.5:8000"\n'
        '[[frontend.pages]]\npath = "/"\n[[frontend.pages]]\nurl = "https://staging.example.com/about"\n'
        '[frontend.login]\npath = "/login"\n')
    cfg = load_config(tmp_path / "echotune.toml")
    said = one_server("api", cfg, cfg)
    # Without its password or query: the warning reaches the comment.
    assert said.startswith("[api] url = http://10.0.0.5:8000/v1: one server for both builds")
    assert "secret" not in said and "token" not in said
    assert one_server("load", cfg, cfg) == ""  # empty: each build's own app
    assert one_server("security", cfg, cfg).startswith("[security.http] url = http://10.0.0.5:8000: ")
    # The page given by its path is each build's own; the absolute one is not; a login path is each build's.
    assert one_server("frontend", cfg, cfg).startswith(
        "[[frontend.pages]] url (page 2) = https://staging.example.com/about: one server")
    # A URL the base's configuration has otherwise (its fixed port moved) is no shared server.
    (tmp_path / "base.toml").write_text('[api]\nurl = "http://app:secret@10.0.0.5:41234/v1"\n')
    assert one_server("api", cfg, load_config(tmp_path / "base.toml")) == ""


def test_a_phase_on_one_server_is_not_compared_and_a_check_on_it_says_so(tmp_path: Path, one: str) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "index.html").write_text("<!doctype html><title>app</title>")
    (root / "echotune.toml").write_text(
        '[serve]\ncommand = "python3 -m http.server {port} --bind 127.0.0.1"\n'
        'ready_url = "http://127.0.0.1:{port}/"\n[run]\nphases = ["security", "api"]\n'
        f'[security]\nchecks = ["http"]\n[security.http]\nurl = "{one}"\n'
        f'[api]\nurl = "{one}"\nopenapi = "/openapi.json"\nmax_examples = 2\n')
    (root / ".gitignore").write_text("out/\n")
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "one")
    run = run_side_by_side(load_config(root / "echotune.toml"), root / "out", BaseOptions(ref="HEAD"))
    head = {r.phase: r for r in run.outcome.results}
    where = one.removeprefix("http://")
    # The api phase measured the one server for the head only: no base result to compare with.
    assert f"no comparison with the base: [api] url = http://{where}: one server for both builds, not each " \
           "build's app (leave it empty to measure the app each build starts)" in head["api"].warnings
    assert not (root / "out" / "base" / "api.json").exists()
    # Security ran for both builds (its other checks compare them), and says what its http check measured.
    assert f"[security.http] url = http://{where}: one server for both builds, not each build's app (leave " \
           "it empty to measure the app each build starts): what was measured there compares no builds" \
           in head["security"].warnings
    assert (root / "out" / "base" / "security.json").is_file()


def test_a_value_without_a_scheme_is_said_without_its_secrets(tmp_path: Path) -> None:
    # location() reads scheme:// URLs only, and the value it could not read was printed whole: password,
    # token and all, into the comment. The same rule as a URL's: what follows the last "@", up to ? or #.
    from echotune_ci.errors import ConfigError

    # A value without a scheme, which no phase can reach, is refused as the file is read, still unprinted;
    # so is one with a blank before its scheme (the load phase: "Request URL is missing an 'http://' or
    # 'https://' protocol"), which this test once gave location()
    for table, key, value, problem in (
            ("api", "url", "app:s3cret@10.0.0.5:8000/v1?token=abc", "must be an http(s) URL with a host"),
            ("security.http", "url", "10.0.0.5:8000/#key=abc", "must be an http(s) URL with a host"),
            ("load", "host", " http://u:pw@10.0.0.5:8000/", "has blanks around the URL: write it alone")):
        (tmp_path / "echotune.toml").write_text(f'[{table}]\n{key} = "{value}"\n')
        with pytest.raises(ConfigError) as caught:
            load_config(tmp_path / "echotune.toml")
        assert str(caught.value) == (f"{tmp_path / 'echotune.toml'}: '{table}.{key}' {problem}, "
                                     "such as http://127.0.0.1:8000")


def test_a_port_placeholder_in_a_phase_url_is_refused_when_the_file_is_read(tmp_path: Path) -> None:
    # `[api] url = "http://127.0.0.1:{port}"` (as [serve] ready_url takes it) stopped the api phase with
    # "internal error: InvalidURL: Invalid port: '{port}'", and run --base-ref called it one server for
    # both builds. The message does not repeat the URL, which may hold a password.
    from echotune_ci.errors import ConfigError

    for table, key in (("api", "url"), ("load", "host"), ("security.http", "url")):
        (tmp_path / "echotune.toml").write_text(f'[{table}]\n{key} = "http://app:s3cret@127.0.0.1:{{port}}/"\n')
        with pytest.raises(ConfigError) as caught:
            load_config(tmp_path / "echotune.toml")
        assert str(caught.value) == (
            f"{tmp_path / 'echotune.toml'}: '{table}.{key}' has a port that is no number ({{port}} is "
            "replaced in [serve] only): leave it empty to measure the app `run` starts, each build's under "
            "--base-ref")
    (tmp_path / "echotune.toml").write_text('[[frontend.pages]]\nurl = "http://localhost:80a/about"\n')
    with pytest.raises(ConfigError, match=r"'frontend\.pages\[0\]\.url' has a port that is no number"):
        load_config(tmp_path / "echotune.toml")
    (tmp_path / "echotune.toml").write_text('[api]\nurl = "http://127.0.0.1:8000"\n[load]\nhost = ""\n')
    assert load_config(tmp_path / "echotune.toml").api.url == "http://127.0.0.1:8000"


def test_a_page_on_one_server_is_not_compared_nor_gated() -> None:
    # Both builds load https://staging.example.com/about: whatever its paints did between the two loads
    # was the server's own noise, and the gate failed the pull request on it ("regression of fcp_ms").
    from echotune_ci.baseref.measure import Pair
    from echotune_ci.baseref.sidebyside import pages_apart
    from echotune_ci.config import defaults
    from echotune_ci.gate import evaluate
    from echotune_ci.report.render import fmt_delta
    from echotune_ci.results import Metric, PhaseResult

    shared = "https://staging.example.com/about"

    def frontend(own: list[float], staging: list[float]) -> PhaseResult:
        return PhaseResult("frontend", metrics=[
            Metric("fcp_ms", sorted(own)[3], "ms", samples=own, labels={"url": "/"}).evaluate(),
            Metric("fcp_ms", sorted(staging)[3], "ms", samples=staging, labels={"url": shared}).evaluate(),
        ]).finalize()

    own = [100.0, 101, 102, 103, 104, 105, 106]
    slow = [300.0, 301, 302, 303, 304, 305, 306]
    pair = Pair(frontend(own, slow), frontend(own, own))
    gated = evaluate([pair.head], defaults(), [pair.base])
    assert [(c.rule, c.status) for c in gated.checks if c.rule.startswith("regression of")] == [
        ("regression of fcp_ms[url=/]", "pass"), (f"regression of fcp_ms[url={shared}]", "fail")]
    pair = pages_apart(pair, frozenset({shared}))
    gated = evaluate([pair.head], defaults(), [pair.base])
    assert [(c.rule, c.status) for c in gated.checks if c.rule.startswith("regression of")] == [
        ("regression of fcp_ms[url=/]", "pass")]
    assert gated.status == "pass"
    assert fmt_delta(gated.results[0].metrics[1]) == "not compared"
    assert pages_apart(pair, frozenset()) is pair
