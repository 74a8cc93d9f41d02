"""Results from an untrusted run, reduced to validated numbers and a fixed vocabulary.

In the two-stage ``pull_request`` → ``workflow_run`` report, the results
artifact was produced by a fork's code: every string in it is the fork's to
choose. The report stage (which holds a write token and speaks as the bot)
renders only what cannot mention, link or embed:

- numbers (values, budgets, base values, samples, durations) and the
  enumerations the result schema fixes (status, severity, better, fail_on);
- names that match a narrow pattern (phase and metric names, units, rule ids,
  tool names and versions); anything else is replaced by a fixed word;
- metric scopes and finding locations (URLs, endpoints, paths), with every
  character outside URL and path characters replaced by ``_`` (no ``@``,
  ``<``, brackets, backticks), cut to 200 characters and shown in code spans;
- nothing else: finding messages, help URLs, notes, warnings, errors, the target,
  artifacts and descriptions are withheld and the reader is told so.

The escaping of :mod:`.escape` still applies on top: this is the second line.
"""

from __future__ import annotations

import dataclasses
import re

from ..results import Finding, Location, Metric, PhaseResult
from .escape import clean_text

UNTRUSTED_NOTE = ("These numbers come from an untrusted run (a pull request from a fork): its messages, "
                  "notes and links are not shown, and its checks are never reported as a success.")
WITHHELD_MESSAGE = "message withheld (untrusted run)"
WITHHELD_ERRORS = "{n} error message(s) withheld (untrusted run): see the gate's workflow run"
WITHHELD_NOTES = "{n} note(s) withheld (untrusted run)"
WITHHELD_WARNINGS = "{n} warning(s) withheld (untrusted run): see the gate's workflow run"
_WITHHELD_COUNT = re.compile(r"\d+ (?:warning|error message)\(s\) withheld \(untrusted run\)")


def withheld(text: str) -> bool:
    """Whether *text* is the placeholder of one phase's withheld warnings or errors (a count of its own,
    which a line naming several phases would misstate)."""
    return _WITHHELD_COUNT.match(text) is not None

_PHASE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
_METRIC = re.compile(r"^[a-z][a-z0-9_.]{0,79}$")
_UNIT = re.compile(r"^[A-Za-z%/]{1,12}$")
_RULE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$")
_TOOL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")
_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9 ._~:/?#&=%+,;*-]")
_WHERE_KEYS = ("url", "endpoint", "package")
MAX_TEXT = 200


def _word(value: str, pattern: re.Pattern[str], fallback: str) -> str:
    return value if pattern.match(value) else fallback


def _short(value: object) -> str:
    # URL, path and endpoint characters only: no "@", "<", brackets, backticks or "!".
    text = _UNSAFE_CHARS.sub("_", clean_text(value))
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _metric(m: Metric) -> Metric:
    return dataclasses.replace(
        m,
        name=_word(m.name, _METRIC, "metric"),
        unit=m.unit if _UNIT.match(m.unit) else "",
        samples=list(m.samples),
        labels={_word(k, _METRIC, "label"): _short(v) for k, v in m.labels.items()},
        description="",
    )


def _finding(f: Finding) -> Finding:
    where = {k: _short(f.properties[k]) for k in _WHERE_KEYS if isinstance(f.properties.get(k), str)}
    location = (Location(_short(f.location.path), f.location.line, f.location.column)
                if f.location is not None else None)
    return dataclasses.replace(
        f,
        rule_id=_word(f.rule_id, _RULE, "rule"),
        message=WITHHELD_MESSAGE,
        source_tool=_word(f.source_tool, _TOOL, "tool"),
        location=location,
        help_url=None,
        context=f.context,  # never shown; the baseline fingerprint is computed from it
        properties=where,
    )


def restrict_untrusted(results: list[PhaseResult]) -> list[PhaseResult]:
    """Copies of *results* holding only validated numbers and fixed words (see the module's docstring).

    Status, severities and the gate's inputs (values, budgets, fail_on) are
    kept, so the gate evaluates the copies as it would the originals; the
    originals are not modified.
    """
    out = []
    for r in results:
        notes = [WITHHELD_NOTES.format(n=len(r.notes))] if r.notes else []
        out.append(dataclasses.replace(
            r,
            phase=_word(r.phase, _PHASE, "phase"),
            tool_versions={k: v for k, v in r.tool_versions.items() if _TOOL.match(k) and _TOOL.match(v)},
            metrics=[_metric(m) for m in r.metrics],
            findings=[_finding(f) for f in r.findings],
            artifacts=[],
            errors=[WITHHELD_ERRORS.format(n=len(r.errors))] if r.errors else [],
            notes=notes,
            warnings=[WITHHELD_WARNINGS.format(n=len(r.warnings))] if r.warnings else [],
            target="",
        ))
    return out


def restrict_settings(record: dict[str, object]) -> dict[str, object]:
    """A fork's recorded [gate] and [budgets] (``report/gate-settings.json``) with only what the rest of its
    artifact keeps: the values (numbers, switches and the schema's words, which the configuration's own
    checks then hold to their ranges), and in the tables keyed by metric (``regression``,
    ``ratchet_metrics``, ``hard``) only keys that are metric names of the narrow pattern: a key is text
    that a gate message quotes."""
    out: dict[str, object] = {}
    for name, section in record.items():
        if not isinstance(section, dict):
            out[name] = section  # the configuration's check names what is wrong with it
            continue
        out[name] = {key: ({k: v for k, v in value.items() if isinstance(k, str) and _METRIC.match(k)}
                           if isinstance(value, dict) else value)
                     for key, value in section.items()}
    return out
