"""Result files: the versioned JSON Schema, reading and validating, finding files in folders."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..fsutil import read_json
from .merge import merge_results
from .model import SCHEMA_VERSION, PhaseResult, metric_key, number_problem

# Longest line or column a finding may name (a source file of a billion lines is no source file).
MAX_LINE = 10**9


def schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of result files, version ``SCHEMA_VERSION``."""
    text = resources.files("echotune_ci").joinpath(f"schema/result-{SCHEMA_VERSION}.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@lru_cache(maxsize=1)
def _validator() -> Any:
    # jsonschema-rs rather than jsonschema: every command that reads results (compare, gate, report,
    # comment) imported jsonschema first, 0.13 s of CPU against 0.03 s (`farm-bench -n 15`, `python -c
    # "import ..."` less a bare start), a fifth of a `compare`; it also checks 200,000 samples 4 times faster.
    import jsonschema_rs

    return jsonschema_rs.Draft202012Validator(schema())


def validate(data: Any, where: str) -> None:
    """Raise InputError naming *where* and the first problem of *data*: a schema violation, a number no
    measurement can have (see :func:`number_problems`), or a metric named twice (same name and labels)."""
    try:
        errors = _schema_errors(data)
    except (RecursionError, ValueError) as exc:  # jsonschema-rs: ValueError("Recursion limit reached")
        deep = isinstance(exc, RecursionError) or "ecursion" in str(exc)
        why = "nested too deeply" if deep else _short(str(exc))
        raise InputError(f"{where}: not an EchoTune result file ({why})") from None
    if errors:
        err = errors[0]
        at = "/".join(str(p) for p in err.instance_path) or "(top level)"
        raise InputError(f"{where}: not an EchoTune result file (at {at}: {_short(err.message)})")
    for at, problem in number_problems(data):
        raise InputError(f"{where}: impossible number at {at}: {problem}")
    seen: dict[str, int] = {}
    for i, m in enumerate(data.get("metrics", [])):
        key = metric_key(m["name"], m.get("labels") or {})
        if key in seen:
            # compare, the gate and the report would each pick a different one of the two
            raise InputError(f"{where}: metric {_short(key, 80)} is at metrics/{seen[key]} and again at "
                             f"metrics/{i} (a result names each metric once)")
        seen[key] = i


def _schema_errors(data: Any) -> list[Any]:
    """jsonschema-rs's errors of *data*, by the path of what they are about. A string with a lone surrogate
    (a file name that is no UTF-8, read by Python as ``\\udce9``, written as JSON's escape) is none
    jsonschema-rs can take: its ValueError made a result of our own "not an EchoTune result file"; such
    strings are checked with the surrogate written as its escape. ValueError or RecursionError for data
    nested too deeply."""
    try:
        errors = list(_validator().iter_errors(data))
    except ValueError as exc:
        if "surrogates not allowed" not in str(exc):
            raise
        errors = list(_validator().iter_errors(_escaped_surrogates(data)))
    return sorted(errors, key=lambda e: [str(p) for p in e.instance_path])


def _escaped_surrogates(data: Any) -> Any:
    """*data* with each string's (and key's) lone surrogates written as escapes (``\\udce9``)."""
    if isinstance(data, str):
        return data.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(data, dict):
        return {_escaped_surrogates(k): _escaped_surrogates(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_escaped_surrogates(v) for v in data]
    return data


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def number_problems(data: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(JSON path, problem) for each number of a schema-valid result that cannot be what it claims:
    not finite, beyond ±1e15, or out of its metric's range (a negative p95, an error rate of -50 %
    or 150 %); also a duration or a line number that is too large. The first one is the error."""
    duration = data.get("duration_s", 0)
    if number_problem(duration, "duration_s", "s"):
        yield "duration_s", f"{_shown(duration)} {number_problem(duration, 'duration_s', 's')}"
    for i, m in enumerate(data.get("metrics", [])):
        fields = [(k, m.get(k)) for k in ("value", "budget", "baseline")]
        fields += [(f"samples/{j}", v) for j, v in enumerate(m.get("samples", []))]
        for key, value in fields:
            problem = None if value is None else number_problem(value, m["name"], m.get("unit", ""))
            if problem:
                yield f"metrics/{i}/{key}", f"{m['name']} = {_shown(value)} {problem}"
    for i, f in enumerate(data.get("findings", [])):
        for key in ("line", "column"):
            value = (f.get("location") or {}).get(key)
            if isinstance(value, int) and value > MAX_LINE:
                yield f"findings/{i}/location/{key}", f"{_shown(value)} is too large"


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 24 else f"{text[:20]}… ({len(text)} characters)"


def load_result(path: str | Path) -> PhaseResult:
    """One result file; InputError (exit 2) when missing, not JSON, of another major version or off-schema."""
    p = Path(path)
    data = read_json(p, "result file")
    if isinstance(data, dict) and "schema_version" in data:
        major = str(data["schema_version"]).split(".")[0]
        if major != SCHEMA_VERSION.split(".")[0]:
            raise InputError(
                f"{p}: result schema version {data['schema_version']} is not supported "
                f"(this echotune-ci reads {SCHEMA_VERSION})"
            )
    validate(data, str(p))
    return PhaseResult.from_dict(data)


def result_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand folders into the ``*.json`` result files they hold (hidden files left out)."""
    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files.extend(sorted(q for q in p.glob("*.json") if not q.name.startswith(".")))
        elif p.exists():
            files.append(p)
        else:
            raise InputError(f"{p}: no such file or folder")
    return files


def load_results(paths: Iterable[str | Path]) -> list[PhaseResult]:
    """Load result files and folders; results of the same phase are merged. InputError when none."""
    paths = list(paths)
    files = result_files(paths)
    if not files:
        where = ", ".join(str(p) for p in paths) or "(nothing given)"
        raise InputError(f"{where}: no result files (*.json) found")
    return merge_results([load_result(f) for f in files])
