"""The api phase's inputs: the OpenAPI document (parse errors with their line, discovery that says where it
looked), [[api.flows]] validation, JSONPath-lite, excerpts and reproducing commands."""

from __future__ import annotations

import json
import shlex
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import requests
from conftest import run_cli
from support import local_server

from echotune_ci.config import load_config
from echotune_ci.errors import ConfigError, InputError
from echotune_ci.phases.api.contract import curl_command, target_url
from echotune_ci.phases.api.discover import parse
from echotune_ci.phases.api.flows import _MISSING, check_flows, excerpt, select
from echotune_ci.phases.api.phase import p95
from echotune_ci.phases.api.settings import DISCOVER_PATHS, GRAPHQL_PATHS, REPOSITORY_FILES

BROKEN_JSON = '{\n  "openapi": "3.0.3",\n  "info": {"title": "x", "version": "1"},\n  "paths": {,}\n}\n'


def test_a_json_document_that_does_not_parse_names_the_line():
    with pytest.raises(InputError, match=r"^api.json: line 4: Expecting property name"):
        parse(BROKEN_JSON, "api.json")


def test_a_yaml_document_that_does_not_parse_names_the_line():
    text = "openapi: 3.0.3\ninfo:\n  title: x\n  version: '1'\npaths:\n  /a: [unclosed\n"
    with pytest.raises(InputError, match=r"^api.yaml: line 7: .*\(YAML\)"):
        parse(text, "api.yaml", yaml_first=True)


def test_something_that_parses_but_is_no_openapi_document_is_refused():
    with pytest.raises(InputError, match="not an OpenAPI document"):
        parse('{"title": "x"}', "x.json")


def _write_config(folder: Path, text: str) -> Path:
    path = folder / "echotune.toml"
    path.write_text(text)
    return path


class _NoDocument(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        # A single-page app: every path is the page, never a document.
        body = b"<!doctype html><title>app</title>"
        self.send_response(404 if self.path.endswith(".json") else 200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_broken_document_file_exits_2_with_the_file_and_line(tmp_path, cli_env):
    (tmp_path / "openapi.json").write_text(BROKEN_JSON)
    config = _write_config(tmp_path, '[api]\nopenapi = "openapi.json"\n')
    server = local_server.start(_NoDocument)
    try:
        done = run_cli("api", "--config", str(config), "--url", local_server.url(server), env=cli_env,
                       timeout=60)
    finally:
        local_server.stop(server)
    assert done.returncode == 2, done.stderr
    assert f"{tmp_path / 'openapi.json'}: line 4: Expecting property name" in done.stderr
    assert "Traceback" not in done.stderr


def test_no_document_skips_the_contract_test_with_a_warning_naming_every_place(tmp_path, cli_env):
    config = _write_config(tmp_path, "[api]\n")
    out = tmp_path / "results" / "api.json"
    server = local_server.start(_NoDocument)
    try:
        base = local_server.url(server)
        done = run_cli("api", "--config", str(config), "--url", base, "--output", str(out), env=cli_env,
                       timeout=60)
    finally:
        local_server.stop(server)
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text())
    assert result["status"] == "warn" and result["metrics"] == [] and result["findings"] == []
    [warning] = result["warnings"]
    assert "no OpenAPI document or GraphQL schema found" in warning
    for path in (*DISCOVER_PATHS, *GRAPHQL_PATHS):
        assert base + path in warning
    for name in REPOSITORY_FILES:
        assert str(tmp_path / name) in warning


def test_flows_that_cannot_run_are_configuration_errors(tmp_path):
    cfg = load_config(_write_config(tmp_path, """
[[api.flows]]
name = "uses a value nobody captured"
[[api.flows.steps]]
path = "/api/me"
headers = { Authorization = "Bearer {token}" }
"""))
    with pytest.raises(ConfigError, match=r"steps\[0\] uses \{token\}, which no earlier step captures"):
        check_flows(cfg.api.flows, cfg.source)
    cfg = load_config(_write_config(tmp_path, """
[[api.flows]]
name = "refused without what?"
[[api.flows.steps]]
method = "POST"
path = "/login"
capture = { token = "token" }
"""))
    with pytest.raises(ConfigError, match=r"capture token = 'token' is not a path such as '\$.token'"):
        check_flows(cfg.api.flows, cfg.source)
    cfg = load_config(_write_config(tmp_path, """
[[api.flows]]
name = "x"
[[api.flows.steps]]
path = "/me"
refuse_without = "token"
"""))
    with pytest.raises(ConfigError, match=r"refuse_without = 'token' is no earlier capture"):
        check_flows(cfg.api.flows, cfg.source)


def test_a_flow_path_may_start_with_a_capture_to_follow_and_nothing_else_but_a_slash(tmp_path):
    """docs/api.md: "a capture that starts the path, such as a captured Location to follow, goes in as it
    is"; the path's check refused every path without a leading '/', so no configuration could say it."""
    steps = """
[[api.flows]]
name = "follow"
[[api.flows.steps]]
method = "POST"
path = "/api/users"
status = 201
capture = { href = "$.href" }
[[api.flows.steps]]
path = "%s"
"""
    cfg = load_config(_write_config(tmp_path, steps % "{href}?full=1"))
    check_flows(cfg.api.flows, cfg.source)
    assert cfg.api.flows[0].steps[1].path == "{href}?full=1"
    for path in ("api/users", "{cookie:next}", "x{href}", "{1href}"):
        with pytest.raises(ConfigError, match=r"'api.flows\[0\].steps\[1\].path' must start with '/' "
                                              r"\(it is joined to the app's URL\) or with a capture to "
                                              r"follow, such as '\{href\}'"):
            load_config(_write_config(tmp_path, steps % path))
    # a capture nobody made is refused as in any other place
    cfg = load_config(_write_config(tmp_path, steps % "{link}"))
    with pytest.raises(ConfigError, match=r"steps\[1\] uses \{link\}, which no earlier step captures"):
        check_flows(cfg.api.flows, cfg.source)


def test_unknown_keys_and_bad_operations_name_the_key(tmp_path):
    with pytest.raises(ConfigError, match="max_exampels"):
        load_config(_write_config(tmp_path, "[api]\nmax_exampels = 3\n"))
    with pytest.raises(ConfigError, match="'GET' is not an operation"):
        load_config(_write_config(tmp_path, '[api]\nexclude = ["GET"]\n'))


def test_api_reuses_the_load_login_unless_it_has_its_own(tmp_path):
    from echotune_ci.phases.api.phase import PHASE
    from echotune_ci.phases.registry import phase_settings

    cfg = load_config(_write_config(tmp_path, '[load.login]\npath = "/api/login"\njson = { u = "demo" }\n'))
    assert phase_settings(cfg, PHASE).login.path == "/api/login"
    assert phase_settings(cfg, PHASE).login.json == {"u": "demo"}
    cfg = load_config(_write_config(tmp_path, '[load.login]\npath = "/a"\n[api.login]\npath = "/b"\n'))
    assert phase_settings(cfg, PHASE).login.path == "/b"


def test_jsonpath_lite_selects_fields_and_items():
    data = {"token": "t", "items": [{"id": 7}, {"id": 8}], "empty": None}
    assert select(data, "$.token") == "t"
    assert select(data, "$.items[1].id") == 8
    assert select(data, "$") == data
    assert select(data, "$.items[2].id") is _MISSING
    assert select(data, "$.nope") is _MISSING
    assert select(["a"], "$[0]") == "a"


def test_an_excerpt_hides_tokens_and_escapes_control_characters():
    answer = json.dumps({"access_token": "secret-value-123", "user": "demo",
                         "note": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZW1vIn0.c2ln"})
    shown = excerpt(answer)
    assert "secret-value-123" not in shown and "eyJ" not in shown and '"user":"demo"' in shown
    assert excerpt("a\x1b[31mred\x00") == "a\\x1b[31mred\\x00"
    assert excerpt("x" * 500).endswith("x ...") and len(excerpt("x" * 500)) == 204


def test_the_reproducing_command_is_shell_safe_and_masks_the_login_header():
    request = requests.Request("POST", "http://127.0.0.1:8000/api/items?q=it's%20$(id)",
                               headers={"Authorization": "Bearer abc.def", "X-Note": "a'b"},
                               data=b'{"name": "$(rm -rf ~)"}').prepare()
    command = curl_command(request, {"Authorization": "Bearer abc.def"})
    assert "abc.def" not in command
    words = shlex.split(command)
    assert words[:4] == ["curl", "-X", "POST", "http://127.0.0.1:8000/api/items?q=it's%20$(id)"]
    assert words[4:6] == ["-H", "Authorization: ***"] and words[6:8] == ["-H", "X-Note: a'b"]
    assert words[-2:] == ["-d", '{"name": "$(rm -rf ~)"}']


def test_requests_go_to_the_app_with_the_servers_path_only():
    assert target_url({"servers": [{"url": "https://api.example.com/v1"}]}, "http://127.0.0.1:9/") \
        == "http://127.0.0.1:9/v1"
    assert target_url({"servers": [{"url": "/api"}]}, "http://127.0.0.1:9") == "http://127.0.0.1:9/api"
    assert target_url({}, "http://127.0.0.1:9") == "http://127.0.0.1:9"


def test_a_swagger_2_document_s_paths_are_under_its_base_path():
    # drf-yasg 1.21.8's document of juliomeza/django-react-logistics-portal (its head's own app, read by
    # Django's test client): basePath "/api", paths "/addresses/" ...; GET /api/addresses/ answered 200,
    # GET /addresses/ 404 (Swagger 2.0: "The base path on which the API is served, ... relative to the host")
    document = {"swagger": "2.0", "host": "testserver", "basePath": "/api", "schemes": ["http"],
                "paths": {"/addresses/": {}}}
    assert target_url(document, "http://127.0.0.1:9/") == "http://127.0.0.1:9/api"
    assert target_url({"swagger": "2.0", "basePath": "/", "paths": {}}, "http://127.0.0.1:9") \
        == "http://127.0.0.1:9"
    # an OpenAPI 3 document's basePath is no field of its version: servers decide
    assert target_url({"openapi": "3.0.2", "basePath": "/api", "paths": {}}, "http://127.0.0.1:9") \
        == "http://127.0.0.1:9"


def test_p95_is_the_nearest_rank():
    # 20 samples: the 19th smallest (ceil(0.95 * 20) = 19), as locust reports it.
    assert p95([float(i) for i in range(1, 21)]) == 19.0
    assert p95([5.0]) == 5.0
