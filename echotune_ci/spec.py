"""A small declarative schema for configuration tables.

Each section of ``echotune.toml`` is described by a :class:`Table` of
:class:`Field` s (see ``echotune_ci/settings/``). Validation fills in defaults
and turns every problem into a :class:`ConfigError` that names the key and the
file, so that a typo never silently falls back to a default.
"""

from __future__ import annotations

import copy
import difflib
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from .errors import ConfigError

_MISSING = object()
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_DURATION_SCALE = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


def parse_duration(value: Any, where: str = "duration") -> float:
    """``"10s"``, ``"2m"``, ``"500ms"`` or a number of seconds → seconds."""
    if isinstance(value, bool):
        raise ConfigError(f"{where}: expected a duration like '10s', got {value!r}")
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        m = _DURATION.match(str(value))
        if not m:
            raise ConfigError(f"{where}: expected a duration like '10s', '2m' or '500ms', got {value!r}")
        seconds = float(m.group(1)) * _DURATION_SCALE[m.group(2)]
    if seconds < 0:
        raise ConfigError(f"{where}: a duration cannot be negative")
    return seconds


_TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false", list: "a list", dict: "a table"}


@dataclass
class Field:
    """One key: its type, default and constraints.

    ``type`` is one of str, int, float, bool, list, dict, or "duration"
    (a number of seconds or a string like "10s"; stored as float seconds).
    ``items`` validates list elements (a Field or a Table); ``values``
    validates the values of a free-form dict (a Field or a Table).
    """

    type: Any
    default: Any = None
    required: bool = False
    choices: tuple[Any, ...] | None = None
    min: float | None = None
    max: float | None = None
    items: "Field | Table | None" = None
    values: "Field | Table | None" = None
    check: Callable[[Any], str | None] | None = None
    doc: str = ""


@dataclass
class Table:
    fields: dict[str, "Field | Table"] = field(default_factory=dict)
    doc: str = ""
    # Keys beyond ``fields`` that are allowed as they are (e.g. tool options).
    open: bool = False

    def defaults(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, f in self.fields.items():
            if isinstance(f, Table):
                out[name] = f.defaults()
            else:
                out[name] = copy.deepcopy(f.default)
        return out


def validate_table(table: Table, data: Any, where: str, source: str) -> dict[str, Any]:
    """Validate *data* against *table*; return it with defaults filled in.

    *where* is the dotted key path (``load.endpoints[1]``), *source* the file.
    """
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: '{where}' must be a table, got {_describe(data)}" if where else f"{source}: the configuration must be a table")
    out: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{where}.{key}" if where else key
        spec = table.fields.get(key)
        if spec is None:
            if table.open:
                out[key] = value
                continue
            hint = difflib.get_close_matches(key, list(table.fields), n=1)
            more = f" (did you mean '{hint[0]}'?)" if hint else ""
            raise ConfigError(f"{source}: unknown key '{path}'{more}")
        if isinstance(spec, Table):
            out[key] = validate_table(spec, value, path, source)
        else:
            out[key] = _validate_value(spec, value, path, source)
    for key, spec in table.fields.items():
        if key in out:
            continue
        path = f"{where}.{key}" if where else key
        if isinstance(spec, Table):
            out[key] = spec.defaults()
        elif spec.required:
            raise ConfigError(f"{source}: missing required key '{path}'")
        else:
            out[key] = copy.deepcopy(spec.default)
    return out


def _validate_value(spec: Field, value: Any, path: str, source: str) -> Any:
    if spec.type == "duration":
        value = parse_duration(value, f"{source}: {path}")
    elif spec.type is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{source}: '{path}' must be a number, got {_describe(value)}")
        value = float(value)
    elif isinstance(spec.type, tuple):
        if not any(_is_type(value, t) for t in spec.type):
            names = " or ".join(_TYPE_NAMES.get(t, str(t)) for t in spec.type)
            raise ConfigError(f"{source}: '{path}' must be {names}, got {_describe(value)}")
    elif not _is_type(value, spec.type):
        raise ConfigError(f"{source}: '{path}' must be {_TYPE_NAMES.get(spec.type, spec.type)}, got {_describe(value)}")
    if spec.choices is not None and value not in spec.choices:
        allowed = ", ".join(repr(c) for c in spec.choices)
        raise ConfigError(f"{source}: '{path}' must be one of {allowed}, got {value!r}")
    if spec.min is not None and isinstance(value, (int, float)) and value < spec.min:
        raise ConfigError(f"{source}: '{path}' must be at least {spec.min}, got {value!r}")
    if spec.max is not None and isinstance(value, (int, float)) and value > spec.max:
        raise ConfigError(f"{source}: '{path}' must be at most {spec.max}, got {value!r}")
    if isinstance(value, list) and spec.items is not None:
        value = [_validate_item(spec.items, v, f"{path}[{i}]", source) for i, v in enumerate(value)]
    if isinstance(value, dict) and spec.values is not None:
        value = {k: _validate_item(spec.values, v, f"{path}.{k}", source) for k, v in value.items()}
    if spec.check is not None:
        problem = spec.check(value)
        if problem:
            raise ConfigError(f"{source}: '{path}' {problem}")
    return value


def _validate_item(spec: "Field | Table", value: Any, path: str, source: str) -> Any:
    if isinstance(spec, Table):
        return validate_table(spec, value, path, source)
    return _validate_value(spec, value, path, source)


def _is_type(value: Any, t: Any) -> bool:
    if t is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if t is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, t)


def _describe(value: Any) -> str:
    for t, name in ((bool, "a boolean"), (int, "an integer"), (float, "a number"), (str, "a string"),
                    (list, "a list"), (dict, "a table")):
        if isinstance(value, t):
            return f"{name} ({value!r})" if not isinstance(value, (list, dict)) else name
    return type(value).__name__
