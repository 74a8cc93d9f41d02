"""A list setting whose elements have choices takes lists from a config file: `[api] checks` and `[deploy]
checks` declared their choices on the list itself, so every list, even one of their own names, was refused
("'api.checks' must be one of ..."), exit 2. Such a declaration is now refused where it is written."""

from __future__ import annotations

import dataclasses

import pytest

from echotune_ci.config import load_config
from echotune_ci.config.schema import item, setting
from echotune_ci.errors import ConfigError


def test_checks_lists_from_a_config_file(tmp_path):
    path = tmp_path / "echotune.toml"
    path.write_text('[api]\nchecks = ["not_a_server_error", "status_code_conformance"]\n'
                    '[deploy]\nchecks = ["compose"]\n')
    cfg = load_config(path)
    assert cfg.api.checks == ("not_a_server_error", "status_code_conformance")
    assert cfg.deploy.checks == ("compose",)
    path.write_text('[api]\nchecks = ["status_code_conformance", "nope"]\n')
    with pytest.raises(ConfigError, match=r"'api.checks\[1\]' must be one of .* got 'nope'"):
        load_config(path)


def test_choices_on_a_list_are_refused_where_declared():
    with pytest.raises(TypeError, match=r"item=item\(choices=\.\.\.\)"):
        setting(("a", "b"), choices=("a", "b"))
    field = setting(("a",), item=item(choices=("a", "b")))
    assert isinstance(field, dataclasses.Field) and field.default == ("a",)
    assert isinstance(setting("a", choices=("a", "b")), dataclasses.Field)
