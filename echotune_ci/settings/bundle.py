"""Configuration of the [bundle] section (owned by the bundle phase).

Sizes are bytes as an integer or a string such as ``"250KB"``; K, KB and KiB
all mean 1024 bytes, as in bundlesize and Lighthouse budgets, so that a limit
reads the same as the KiB figures in our reports.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import ConfigError
from ..spec import Field, Table

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib)?\s*$", re.I)
_SIZE_SCALE = {"b": 1, "k": 1024, "kb": 1024, "kib": 1024, "m": 1024**2, "mb": 1024**2, "mib": 1024**2}


def parse_size(value: Any, where: str = "size") -> int:
    """``250KB``, ``"1.5 MiB"``, ``"900B"`` or a number of bytes -> bytes."""
    m = None if isinstance(value, bool) else _SIZE.match(str(value))
    if m is None:
        raise ConfigError(f"{where}: expected a size like '250KB', '1.5MB' or '900B', got {value!r}")
    return int(round(float(m.group(1)) * _SIZE_SCALE[(m.group(2) or "b").lower()]))


def _size_problem(value: Any) -> str | None:
    if value is None:
        return None
    try:
        parse_size(value)
    except ConfigError as exc:
        return str(exc).split(": ", 1)[-1]
    return None


def _size_field(doc: str) -> Field:
    return Field((int, str), None, check=_size_problem, doc=doc)


LIMIT = Table(
    {
        "glob": Field(str, required=True, doc="Which measured files the limit covers (their sizes are summed)."),
        "max_raw": _size_field("Largest allowed uncompressed size."),
        "max_gzip": _size_field("Largest allowed gzip (level 9) size."),
        "max_brotli": _size_field("Largest allowed brotli (quality 11) size."),
    },
    doc="An absolute limit on the files matching one glob, like a size-limit entry.",
)

SPEC = Table(
    {
        "enabled": Field(bool, True),
        "globs": Field(list, [], items=Field(str, check=lambda v: None if v.strip() else "must not be empty"),
                       doc="Build output to measure, relative to the config file; ** matches folders."),
        "baseline": Field(str, "", doc="The base branch's bundle result (JSON) to compare with."),
        "max_growth_pct": Field(float, None, min=0,
                                doc="Largest allowed growth of the gzip total; default budgets.bundle_growth_pct."),
        "max_total_raw": _size_field("Limit on the uncompressed total."),
        "max_total_gzip": _size_field("Limit on the gzip total."),
        "max_total_brotli": _size_field("Limit on the brotli total."),
        "limits": Field(list, [], items=LIMIT),
        "top_changes": Field(int, 10, min=0, doc="How many most-changed files the result lists."),
    }
)
