"""Lighthouse's scoring figures, read from the versioned data file shipped beside this module.

The file (``lighthouse-<version>.json``) holds the tables the frontend phase
needs to score like Lighthouse, each naming the file of the ``lighthouse``
npm package it was taken from:

- performance: the metric -> audit id map, the category weights
  (``core/config/default-config.js``), the log-normal control points per form
  factor (``core/audits/metrics/<audit>.js`` ``defaultOptions``) and the
  constants of ``shared/statistics.js``;
- accessibility: the category weights (``core/config/default-config.js``, less
  informative audits), the axe-core ``runOnly`` tags, rule switches and
  ``resultTypes`` (``core/gather/gatherers/accessibility.js``) and the
  axe-core version that Lighthouse install ran;
- deviations: axe rule switches where EchoTune differs from that table (none
  in a file the script writes).

There is exactly one such file; ``scripts/check_lighthouse_data.py`` compares
it with an installed Lighthouse and prints the differences, and with
``--write`` replaces it by the figures of another Lighthouse release.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any


def _data_file() -> str:
    """The name of the one ``lighthouse-<version>.json`` shipped in this package."""
    names = sorted(p.name for p in resources.files(__package__).iterdir()
                   if p.name.startswith("lighthouse-") and p.name.endswith(".json"))
    if len(names) != 1:
        raise DataError(f"echotune_ci/data: expected one lighthouse-<version>.json, found {names or 'none'}")
    return names[0]


FORM_FACTORS = ("desktop", "mobile")
STATISTICS = ("INVERSE_ERFC_ONE_FIFTH", "MIN_PASSING_SCORE", "MAX_AVERAGE_SCORE", "MIN_AVERAGE_SCORE",
              "MAX_FAILING_SCORE")


class DataError(ValueError):
    """The data file is not shaped as this module expects (a packaging or editing mistake)."""


DATA_FILE = _data_file()


@dataclass(frozen=True)
class Source:
    """Where a table was taken from: a file of the lighthouse package and the place in it."""

    file: str
    where: str


@dataclass(frozen=True)
class LighthouseData:
    """The figures of one Lighthouse version, as plain read-only mappings.

    ``metric_audits``: our metric name -> Lighthouse audit id.
    ``performance_weights``: metric name -> weight in the performance
    category (only weights above 0, in Lighthouse's order).
    ``control_points``: form factor ("desktop", "mobile") -> metric name ->
    ``(p10, median)`` in the metric's unit (ms, or unitless for CLS).
    ``statistics``: constant name in ``shared/statistics.js`` -> value.
    ``accessibility_weights``: axe rule id -> weight (scored audits only).
    ``axe_tags`` and ``axe_rules``: Lighthouse's ``axe.run`` ``runOnly``
    tags and rule switches (rule id -> enabled); ``axe_result_types``: its
    ``resultTypes``; ``axe_core``: the axe-core version that Lighthouse
    release ran when the file was written. ``axe_deviations``: rule id
    -> the switch EchoTune applies instead (None: no switch at all).
    ``sources``: table name -> :class:`Source`.
    """

    version: str
    metric_audits: Mapping[str, str]
    performance_weights: Mapping[str, int]
    control_points: Mapping[str, Mapping[str, tuple[float, float]]]
    statistics: Mapping[str, float]
    accessibility_weights: Mapping[str, int]
    axe_tags: tuple[str, ...]
    axe_rules: Mapping[str, bool]
    axe_result_types: tuple[str, ...]
    axe_core: str
    axe_deviations: Mapping[str, bool | None]
    sources: Mapping[str, Source]

    @property
    def major(self) -> str:
        """The major version ("13"), as result files name the scoring they follow."""
        return self.version.split(".", 1)[0]

    def applied_axe_rules(self) -> dict[str, bool]:
        """The rule switches EchoTune passes to ``axe.run``: Lighthouse's, with the deviations applied."""
        dropped = {rule for rule, switch in self.axe_deviations.items() if switch is None}
        rules = {rule: on for rule, on in self.axe_rules.items() if rule not in dropped}
        for rule, switch in self.axe_deviations.items():
            if switch is not None:
                rules[rule] = switch
        return rules


@functools.cache
def lighthouse() -> LighthouseData:
    """The shipped data file, parsed once. Raises DataError when it is malformed."""
    text = resources.files(__package__).joinpath(DATA_FILE).read_text(encoding="utf-8")
    return parse(json.loads(text), DATA_FILE)


def parse(raw: Any, where: str = "data") -> LighthouseData:
    """Validate a decoded data file; DataError names the missing or mistyped table."""
    perf, a11y = _table(raw, "performance", where), _table(raw, "accessibility", where)
    tables = {
        "performance.metrics": _table(perf, "metrics", where),
        "performance.weights": _table(perf, "weights", where),
        "performance.curves": _table(perf, "curves", where),
        "performance.statistics": _table(perf, "statistics", where),
        "accessibility.weights": _table(a11y, "weights", where),
        "accessibility.axe": _table(a11y, "axe", where),
    }
    curves = _table(tables["performance.curves"], "table", where)
    deviations = _table(_table(_table(raw, "deviations", where), "axe_rules", where), "rules", where)
    axe = tables["accessibility.axe"]
    try:
        return LighthouseData(
            version=str(raw["lighthouse"]),
            metric_audits={str(k): str(v)
                           for k, v in _table(tables["performance.metrics"], "table", where).items()},
            performance_weights=_numbers(tables["performance.weights"], int),
            control_points={ff: {str(name): (float(pt["p10"]), float(pt["median"]))
                                 for name, pt in _table(curves, ff, where).items()}
                            for ff in FORM_FACTORS},
            statistics={name: float(_table(tables["performance.statistics"], "table", where)[name])
                        for name in STATISTICS},
            accessibility_weights=_numbers(tables["accessibility.weights"], int),
            axe_tags=tuple(str(t) for t in axe["tags"]),
            axe_rules={str(k): bool(v) for k, v in _table(axe, "rules", where).items()},
            # Absent from files written before they were recorded (12.8.2): the checker reports that.
            axe_result_types=tuple(str(t) for t in axe.get("result_types", ())),
            axe_core=str(axe.get("axe_core", "")),
            axe_deviations={str(k): None if v is None else bool(v) for k, v in deviations.items()},
            sources={name: Source(str(t["source"]), str(t["where"])) for name, t in tables.items()},
        )
    except (KeyError, TypeError) as exc:
        raise DataError(f"{where}: missing or malformed entry {exc}") from None


def _table(parent: Any, key: str, where: str) -> Mapping[str, Any]:
    value = parent.get(key) if isinstance(parent, Mapping) else None
    if not isinstance(value, Mapping):
        raise DataError(f"{where}: '{key}' must be a table")
    return value


def _numbers(table: Mapping[str, Any], kind: type[int]) -> dict[str, int]:
    return {str(k): kind(v) for k, v in table["table"].items()}
