"""Configuration: ``echotune.toml`` loaded once into frozen, typed settings.

``schema`` is the engine (a settings class is its own schema), ``sections``
the sections every phase shares, ``model`` the whole file and its loading.
Each phase declares its own section in ``phases/<name>/settings.py``.

The names below load lazily: a phase's settings module imports
``config.schema`` while ``config.model`` imports every phase's settings, so
importing this package must not import ``model`` straight away.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .model import Config, defaults, find_config, load_config, parse_config, read_toml
    from .schema import build, click_option, override, parse_duration, parse_size, setting

_WHERE = {
    "Config": "model", "defaults": "model", "find_config": "model", "load_config": "model",
    "parse_config": "model", "read_toml": "model",
    "build": "schema", "click_option": "schema", "override": "schema", "parse_duration": "schema",
    "parse_size": "schema", "setting": "schema",
}

__all__ = ["Config", "build", "click_option", "defaults", "find_config", "load_config", "override",
           "parse_config", "parse_duration", "parse_size", "read_toml", "setting"]


def __getattr__(name: str) -> Any:
    """Import the module that defines *name* on first use."""
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value
    return value
