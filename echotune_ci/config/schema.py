"""Typed settings: a frozen dataclass per table of ``echotune.toml`` *is* its schema.

A section is declared once, as a frozen dataclass whose fields carry their
default, bounds and documentation through :func:`setting`::

    @dataclass(frozen=True)
    class LoadSettings:
        users: int = setting(20, min=1, max=20000, doc="Concurrent users.")
        duration: float = setting(10.0, parse=seconds, min=0.5)
        endpoints: tuple[Endpoint, ...] | None = setting(None, check=_not_empty)

:func:`build` validates raw TOML data against such a class (field types come
from the annotations: ``str``, ``int``, ``float``, ``bool``, ``X | None``,
unions, ``tuple[X, ...]`` for arrays, ``Mapping[str, X]`` for free tables,
``list[Any]`` / ``dict[str, Any]`` for raw JSON, and nested dataclasses for
tables) and returns an instance with every default filled in. Every problem
becomes a :class:`~echotune_ci.errors.ConfigError` naming the file and the
dotted key, so a typo never silently falls back to a default.
:func:`override` applies command-line values with ``dataclasses.replace``;
:func:`click_option` derives a click option (type, bounds, help) from a field.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, Union

from ..errors import ConfigError

T = TypeVar("T")

# Key of our metadata in ``dataclasses.Field.metadata``.
_META = "echotune"
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_DURATION_SCALE = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib)?\s*$", re.I)
_LARGEST_SIZE = 1024**4
_LONGEST_DURATION = 366 * 86400.0
# Largest integer a setting may hold: counts and bytes beyond 2**53 are typos (and lose precision as floats).
_LARGEST_INT = 2**53
_SIZE_SCALE = {"b": 1, "k": 1024, "kb": 1024, "kib": 1024, "m": 1024**2, "mb": 1024**2, "mib": 1024**2}
_TYPE_NAMES: dict[Any, str] = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
                               list: "a list", tuple: "a list", dict: "a table", Mapping: "a table"}

Parser = Callable[[Any, str, str], Any]
Check = Callable[[Any], "str | None"]


def server_url(value: str) -> str | None:
    """The check of a setting that names a server by its URL (``[api] url``, ``[load] host``,
    ``[security.http] url``, a page's ``url``): a port, where it has one, is a number. ``{port}`` is
    replaced in ``[serve]`` only; in ``[api] url`` it stopped the phase with "internal error: InvalidURL:
    Invalid port: '{port}'", and ``run --base-ref`` called it one server for both builds. The value is not
    repeated: a URL can hold a password."""
    from urllib.parse import urlsplit

    try:
        port = urlsplit(value.strip()).port
    except ValueError:
        port = -1
    if port == -1:
        return ("has a port that is no number ({port} is replaced in [serve] only): leave it empty to "
                "measure the app `run` starts, each build's under --base-ref")
    return _not_http(value, "http://127.0.0.1:8000")


def ready_url(value: str) -> str | None:
    """The check of ``[serve] ready_url``, whose ``{port}`` is the port `run` picks: after it, an http(s)
    URL with a host. ``ready_url = "localhost:{port}/health"`` passed the configuration and stopped the
    load phase with "localhost:1: not an http(s) URL with a host", a URL the user never wrote, under no
    key or file. ``{build}`` and ``{build_index}`` are filled as for the head (``serve.app.App.filled``
    fills them in ready_url too): a fixed port of each build's own, ``:300{build_index}``, is a number."""
    from urllib.parse import urlsplit

    filled = value.replace("{port}", "1").replace("{build_index}", "0").replace("{build}", "head")
    try:
        _ = urlsplit(filled.strip()).port  # reading it raises for a port that is no number
    except ValueError:
        return "has a port that is no number (write {port} where `run` puts the port it picks)"
    return _not_http(filled, "http://127.0.0.1:{port}/health")


def _not_http(value: str, example: str) -> str | None:
    """"must be an http(s) URL with a host ..." for a non-empty *value* that is none; the value itself is
    not repeated (a URL can hold a password). The phases refused it later, naming neither key nor file."""
    from urllib.parse import urlsplit

    if value != value.strip():
        # urlsplit passes over leading blanks, the phases' clients do not: ready_url = " http://..." waited
        # 30 s for "UnsupportedProtocol", a trailing one asked for the path "/%20"
        return f"has blanks around the URL: write it alone, such as {example}"
    parts = urlsplit(value)
    if not value or (parts.scheme in ("http", "https") and parts.hostname):
        return None
    return f"must be an http(s) URL with a host, such as {example}"


@dataclass(frozen=True)
class Constraint:
    """Bounds of one value: the key itself, or each item of a list or table.

    ``parse(value, source, path)`` replaces the type check (durations, sizes,
    status codes) and returns the stored value; ``check(value)`` returns a
    problem phrase ("must ...") or None.
    """

    choices: tuple[Any, ...] | None = None
    min: float | None = None
    max: float | None = None
    check: Check | None = None
    parse: Parser | None = None


@dataclass(frozen=True)
class Setting(Constraint):
    """A key's :class:`Constraint` plus its documentation and item bounds."""

    doc: str = ""
    required: bool = False
    item: Constraint | None = None


def setting(default: Any = dataclasses.MISSING, *, doc: str = "", required: bool = False,
            choices: tuple[Any, ...] | None = None, min: float | None = None,  # noqa: A002
            max: float | None = None, check: Check | None = None, parse: Parser | None = None,  # noqa: A002
            item: Constraint | None = None) -> Any:
    """A dataclass field that is a configuration key.

    *default* is what an absent key means (a dict becomes a read-only
    :class:`FrozenDict`, so one default can be shared). ``required=True``
    makes an absent key an error (the default is then only a placeholder of
    the right type). Returns ``dataclasses.field``. Raises TypeError for a
    list default outside *choices*: a list's allowed elements are ``item=item(choices=...)``, and *choices* on
    the list itself refused every list a config file gave (``[api] checks``).
    """
    if choices is not None and isinstance(default, tuple | list) and default not in choices:
        raise TypeError(f"setting default {default!r} is a list outside its choices: for a list's elements "
                        "use item=item(choices=...)")
    meta = {_META: Setting(choices=choices, min=min, max=max, check=check, parse=parse, doc=doc,
                           required=required, item=item)}
    if isinstance(default, dict):
        return dataclasses.field(default=FrozenDict(default), metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def item(*, choices: tuple[Any, ...] | None = None, min: float | None = None,  # noqa: A002
         max: float | None = None, check: Check | None = None, parse: Parser | None = None) -> Constraint:  # noqa: A002
    """Bounds for each element of a list or each value of a table."""
    return Constraint(choices=choices, min=min, max=max, check=check, parse=parse)


def settings_fields(cls: type) -> list[tuple[dataclasses.Field[Any], Setting]]:
    """The fields of a settings class that are configuration keys, in order."""
    return [(f, f.metadata[_META]) for f in dataclasses.fields(cls) if _META in f.metadata]


class FrozenDict(dict[Any, Any]):
    """A dict that refuses changes: settings' tables are shared, so nobody may edit them.

    It is a dict for everything that reads (``json.dumps``, ``dataclasses.asdict``,
    ``isinstance(x, dict)``); every method that writes raises TypeError.
    """

    def _refuse(self, *_args: Any, **_kwargs: Any) -> None:
        raise TypeError("configuration tables are read-only: build a new one with dict(...)")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]
    __ior__ = _refuse  # type: ignore[assignment]

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items()))

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (dict(self),))

    def __copy__(self) -> FrozenDict:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> FrozenDict:
        return self


def freeze(value: Any) -> Any:
    """*value* (TOML data) made read-only: tables become FrozenDicts and arrays tuples, recursively."""
    if isinstance(value, dict):
        return FrozenDict({k: freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    return value


# --------------------------------------------------------------------------- parsers


def parse_duration(value: Any, where: str = "duration") -> float:
    """``"10s"``, ``"2m"``, ``"500ms"``, ``"1h"`` or a number of seconds -> seconds.

    Raises ConfigError("<where>: expected a duration ...") otherwise.
    """
    if isinstance(value, bool):
        raise ConfigError(f"{where}: expected a duration like '10s', got {shown(value)}")
    if isinstance(value, (int, float)):
        try:
            seconds = float(value)
        except OverflowError:
            raise ConfigError(f"{where}: expected a duration like '10s', got {shown(value)}") from None
    else:
        m = _DURATION.match(str(value))
        if not m:
            raise ConfigError(f"{where}: expected a duration like '10s', '2m' or '500ms', got {shown(value)}")
        seconds = float(m.group(1)) * _DURATION_SCALE[m.group(2)]
    if not math.isfinite(seconds):
        raise ConfigError(f"{where}: expected a finite duration, got {shown(value)}")
    if seconds < 0:
        raise ConfigError(f"{where}: a duration cannot be negative")
    if seconds > _LONGEST_DURATION:
        # Beyond this, timers overflow (threading's TIMEOUT_MAX) or never end: no CI job waits a year.
        raise ConfigError(f"{where}: expected a duration of at most a year, got {shown(value)}")
    return seconds


def parse_size(value: Any, where: str = "size") -> int:
    """``250KB``, ``"1.5 MiB"``, ``"900B"`` or a number of bytes -> bytes.

    K, KB and KiB all mean 1024 bytes, as in bundlesize and Lighthouse
    budgets. Raises ConfigError("<where>: expected a size ...") otherwise.
    """
    m = None if isinstance(value, bool) else _SIZE.match(str(value))
    if m is None:
        raise ConfigError(f"{where}: expected a size like '250KB', '1.5MB' or '900B', got {shown(value)}")
    number = float(m.group(1)) * _SIZE_SCALE[(m.group(2) or "b").lower()]
    if not math.isfinite(number) or number > _LARGEST_SIZE:
        raise ConfigError(f"{where}: expected a size of at most 1 TiB, got {shown(value)}")
    return int(round(number))


def status_codes(value: Any, source: str, path: str) -> tuple[int, ...]:
    """Parser: an HTTP status code or a list of them (100-599) -> a tuple of codes."""
    if isinstance(value, bool) or not isinstance(value, (int, list)):
        raise ConfigError(f"{source}: '{path}' must be an integer or a list, got {describe(value)}")
    codes = value if isinstance(value, list) else [value]
    valid = all(isinstance(c, int) and not isinstance(c, bool) and 100 <= c <= 599 for c in codes)
    if not codes or not valid:
        raise ConfigError(f"{source}: '{path}' must be an HTTP status code or a list of them (100-599)")
    return tuple(codes)


def seconds(value: Any, source: str, path: str) -> float:
    """Parser for a duration key (stored as float seconds)."""
    return parse_duration(value, f"{source}: {path}")


def byte_size(value: Any, source: str, path: str) -> int:
    """Parser for a size key (an integer of bytes or a string such as "250KB"; stored as bytes)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ConfigError(f"{source}: '{path}' must be an integer or a string, got {describe(value)}")
    try:
        return parse_size(value)
    except ConfigError as exc:
        raise ConfigError(f"{source}: '{path}' {str(exc).split(': ', 1)[-1]}") from None


# --------------------------------------------------------------------------- validation


def build(cls: type[T], data: Any, where: str, source: str) -> T:
    """Validate *data* (a TOML table) against settings class *cls*.

    *where* is the dotted key path of the table ("" for the whole file,
    ``load.endpoints[1]`` for an item), *source* the file named in messages.
    Returns an instance with defaults filled in; raises ConfigError.
    """
    if not isinstance(data, dict):
        if where:
            raise ConfigError(f"{source}: '{where}' must be a table, got {describe(data)}")
        raise ConfigError(f"{source}: the configuration must be a table")
    known = {f.name: spec for f, spec in settings_fields(cls)}
    hints = _hints(cls)
    values: dict[str, Any] = {}
    # In the file's order, so that the first mistake reported is the first one in the file.
    for key, raw in data.items():
        spec = known.get(key)
        if spec is None:
            hint = difflib.get_close_matches(str(key), list(known), n=1)
            more = f" (did you mean '{hint[0]}'?)" if hint else ""
            raise ConfigError(f"{source}: unknown key '{_join(where, str(key))}'{more}")
        values[key] = _value(hints[key], spec, raw, _join(where, key), source)
    for name, spec in known.items():
        if spec.required and name not in values:
            raise ConfigError(f"{source}: missing required key '{_join(where, name)}'")
    return cls(**values)


def override(obj: T, **values: Any) -> T:
    """A copy of settings *obj* with *values* replaced; None values are ignored.

    Dotted names reach into nested tables (``"compare.rounds"``). Values must
    already be valid (click options made by :func:`click_option` are).
    """
    direct: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    for name, value in values.items():
        if value is None:
            continue
        head, _, rest = name.partition(".")
        if rest:
            nested.setdefault(head, {})[rest] = value
        else:
            direct[head] = value
    for head, inner in nested.items():
        direct[head] = override(getattr(obj, head), **inner)
    return dataclasses.replace(obj, **direct) if direct else obj  # type: ignore[type-var]


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _value(hint: Any, spec: Constraint, value: Any, path: str, source: str) -> Any:
    if spec.parse is not None:
        value = spec.parse(value, source, path)
    else:
        value = _typed(hint, value, path, source, getattr(spec, "item", None))
    _bounds(spec, value, path, source)
    return value


def _bounds(spec: Constraint, value: Any, path: str, source: str) -> None:
    if spec.choices is not None and value not in spec.choices:
        allowed = ", ".join(repr(c) for c in spec.choices)
        raise ConfigError(f"{source}: '{path}' must be one of {allowed}, got {shown(value)}")
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{source}: '{path}' must be a finite number, got {shown(value)}")
    if number and abs(value) > _LARGEST_INT:
        raise ConfigError(f"{source}: '{path}' must be a number of a sensible size, got {shown(value)}")
    if spec.min is not None and number and value < spec.min:
        raise ConfigError(f"{source}: '{path}' must be at least {spec.min}, got {shown(value)}")
    if spec.max is not None and number and value > spec.max:
        raise ConfigError(f"{source}: '{path}' must be at most {spec.max}, got {shown(value)}")
    if spec.check is not None:
        problem = spec.check(value)
        if problem:
            raise ConfigError(f"{source}: '{path}' {problem}")


def _typed(hint: Any, value: Any, path: str, source: str, each: Constraint | None) -> Any:
    """Check *value* against annotation *hint*; convert arrays to tuples and tables to settings."""
    if typing.get_origin(hint) in (Union, types.UnionType):
        return _union(hint, value, path, source, each)
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return build(hint, value, path, source)
    if hint is Any:
        return value
    if not _matches(hint, value):
        what = "a number" if hint is float else _TYPE_NAMES.get(typing.get_origin(hint) or hint, str(hint))
        raise ConfigError(f"{source}: '{path}' must be {what}, got {describe(value)}")
    return _converted(hint, value, path, source, each)


def _union(hint: Any, value: Any, path: str, source: str, each: Constraint | None) -> Any:
    options = [a for a in typing.get_args(hint) if a is not type(None)]
    if len(options) == 1:
        return _typed(options[0], value, path, source, each)
    for option in options:
        if _matches(option, value):
            return _typed(option, value, path, source, each)
    names = " or ".join(_TYPE_NAMES.get(typing.get_origin(o) or o, str(o)) for o in options)
    raise ConfigError(f"{source}: '{path}' must be {names}, got {describe(value)}")


def _converted(hint: Any, value: Any, path: str, source: str, each: Constraint | None) -> Any:
    """*value* (already of the right type) as stored: floats, tuples of items, dicts of values."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is float:
        return _float(value, path, source)
    if origin is tuple:
        return tuple(_item(args[0], each, v, f"{path}[{i}]", source) for i, v in enumerate(value))
    if origin in (Mapping, dict) and args and args[1] is not Any:
        return FrozenDict({k: _item(args[1], each, v, f"{path}.{k}", source) for k, v in value.items()})
    if origin in (Mapping, dict, list):
        return freeze(value)
    return value


def _float(value: int | float, path: str, source: str) -> float:
    try:
        return float(value)
    except OverflowError:
        raise ConfigError(f"{source}: '{path}' must be a number of a sensible size, got an integer of "
                          f"{len(str(abs(value)))} digits") from None


def _item(hint: Any, each: Constraint | None, value: Any, path: str, source: str) -> Any:
    return _value(hint, each or Constraint(), value, path, source)


def _matches(hint: Any, value: Any) -> bool:
    origin = typing.get_origin(hint) or hint
    if dataclasses.is_dataclass(hint):
        return isinstance(value, dict)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if origin in (tuple, list):
        return isinstance(value, list)
    if origin in (Mapping, dict):
        return isinstance(value, dict)
    if hint is Any:
        return True
    return isinstance(value, origin)


def shown(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to *limit* characters, for messages about values a user wrote."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**limit:
        return f"<an integer of {len(str(abs(value)))} digits>"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe(value: Any) -> str:
    """How a config value is named in messages: "a string ('fast')", "a list", ..."""
    for t, name in ((bool, "a boolean"), (int, "an integer"), (float, "a number"), (str, "a string"),
                    (list, "a list"), (dict, "a table")):
        if isinstance(value, t):
            return f"{name} ({shown(value)})" if not isinstance(value, (list, dict)) else name
    return type(value).__name__


# --------------------------------------------------------------------------- command-line options


def _resolve(cls: type, dotted: str) -> tuple[type, dataclasses.Field[Any], Setting]:
    owner = cls
    parts = dotted.split(".")
    for i, part in enumerate(parts):
        for f, spec in settings_fields(owner):
            if f.name == part:
                if i == len(parts) - 1:
                    return owner, f, spec
                owner = _hints(owner)[part]
                break
        else:
            raise KeyError(f"{cls.__name__} has no setting {dotted!r}")
    raise KeyError(dotted)  # pragma: no cover - an empty name


def click_option(cls: type, name: str, *decls: str, help: str | None = None, **extra: Any) -> Any:  # noqa: A002
    """A click option overriding setting *name* of *cls*, typed and bounded like the setting.

    The option defaults to None ("as configured"); its value reaches the
    command under the setting's name with dots as underscores unless *decls*
    names a parameter. Help defaults to the setting's documentation.
    """
    import click

    owner, f, spec = _resolve(cls, name)
    hint = _hints(owner)[f.name]
    base = _plain(hint)
    text = help if help is not None else spec.doc
    kwargs: dict[str, Any] = {"default": None, "help": _with_default(text, cls, name, f, spec)}
    if spec.parse is seconds:
        kwargs["callback"] = _option_callback(parse_duration, spec)
    elif spec.parse is byte_size:
        kwargs["callback"] = _option_callback(parse_size, spec)
    elif spec.choices is not None:
        kwargs["type"] = click.Choice([str(c) for c in spec.choices])
    elif base is int:
        kwargs["type"] = click.IntRange(_int(spec.min), _int(spec.max))
    elif base is float:
        kwargs["type"] = _finite_float_range(spec.min, spec.max)
    elif base is bool:
        kwargs["is_flag"] = True
        kwargs["default"] = None
    kwargs.update(extra)
    return click.option(*decls, **kwargs)


def _with_default(text: str, cls: type, name: str, f: dataclasses.Field[Any], spec: Setting) -> str:
    """*text* ending in the setting's default and where to set it ("Concurrent users (default: [load]
    users, 20)."): the option's own default is None ("as configured"), so click showed none, and `load
    --help` gave a newcomer no idea of how many users or how long. A help that names its default already,
    a default that is empty or a flag, and a class no section holds are left as they are."""
    value = f.default
    if "default" in text or isinstance(value, bool) or value in (None, "", ()) or \
            not isinstance(value, (int, float, str)):
        return text
    where = _section_key(cls, name)
    if where is None:
        return text
    if spec.parse is seconds:
        shown_value = f"{value:g}s"
    elif spec.parse is byte_size or spec.parse is not None:
        return text  # sizes and parsed values: their stored form is not what one would type
    else:
        shown_value = f"{value:g}" if isinstance(value, float) else str(value)
    return f"{text.rstrip().rstrip('.')} (default: {where}, {shown_value})."


def _section_key(cls: type, name: str) -> str | None:
    """Where setting *name* of *cls* sits in the configuration file: "[load.compare] rounds"."""
    from .model import Config  # here: model imports this module

    parts = name.split(".")
    for f, _ in settings_fields(Config):
        if _plain(_hints(Config)[f.name]) is cls:
            return f"[{'.'.join([f.name, *parts[:-1]])}] {parts[-1]}"
    return None


def _int(bound: float | None) -> int | None:
    return None if bound is None else int(bound)


def _plain(hint: Any) -> Any:
    if typing.get_origin(hint) in (Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return options[0] if len(options) == 1 else hint
    return hint


def _option_callback(parse: Callable[[Any, str], Any],
                     spec: Constraint | None = None) -> Callable[[Any, Any, Any], Any]:
    """A click callback parsing a duration or size option and applying the setting's bounds."""
    def callback(_ctx: Any, param: Any, value: Any) -> Any:
        import click

        if value is None:
            return None
        try:
            parsed = parse(value, f"--{(param.name or '').replace('_', '-')}")
        except ConfigError as exc:
            raise click.BadParameter(str(exc).split(": ", 1)[-1]) from None
        if spec is not None and spec.min is not None and parsed < spec.min:
            raise click.BadParameter(f"must be at least {spec.min:g}, got {shown(value)}")
        if spec is not None and spec.max is not None and parsed > spec.max:
            raise click.BadParameter(f"must be at most {spec.max:g}, got {shown(value)}")
        return parsed

    return callback


duration_callback = _option_callback(parse_duration)
duration_callback.__doc__ = "click callback: a duration ('10s', '2m') -> seconds; BadParameter otherwise."


def _finite_float_range(low: float | None, high: float | None) -> Any:
    """click.FloatRange that also refuses nan and inf."""
    import click

    class FiniteFloatRange(click.FloatRange):
        def convert(self, value: Any, param: Any, ctx: Any) -> Any:
            number = super().convert(value, param, ctx)
            if not math.isfinite(number):
                self.fail(f"{value!r} is not a finite number", param, ctx)
            return number

    return FiniteFloatRange(low, high)
