"""Issue 13, "Done means": malformed TOML, JSON and result files thrown at `gate`, `report`, `compare`
and `history` always end in exit 0, 1, 2 or 3, with no traceback and, for 2 and 3, one error line.

A seeded generator (reproducible: the failing case's seed and description are in the assertion) spoils
valid documents the way forged artifacts, cut-off downloads and hand edits do: numbers that are NaN,
infinite, huge, negative or of the wrong type; keys removed, added or nested absurdly deep; text cut off,
invalid UTF-8. The CLI runs in-process, so an exception it does not map fails the test as itself.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from support.hostile import cli, load_doc

SEED = 1313
CASES = 60  # per command: about a second each

_HUGE = "__HUGE_INTEGER__"
_HOSTILE_VALUES: list[Any] = [
    float("nan"), float("inf"), float("-inf"), -50.0, -1, 0, 1e300, 1e-320, None, True, "", "12",
    "x" * 5000, [], {}, [None], {"a": None}, "\u202e\x1b[31m::error::", _HUGE, 2**63, -(2**63), 0.1 + 0.2,
]
_HOSTILE_NUMBERS: list[Any] = [float("nan"), float("inf"), float("-inf"), -50.0, -1e-9, 1e300, _HUGE, _HUGE,
                               None, 10**20]
_TOML_VALUES = ["nan", "-nan", "inf", "-inf", "1e400", "-1", "0", "-0.0", "9" * 400, '"12"', '""', "true",
                "[1, 2]", "{ a = 1 }", "[[1], [[2]]]", "1979-05-27T07:32:00Z", '"nan"', "0x7fffffffffffffff"]
_TOML_KEYS = ["[gate] alpha", "[gate] min_effect_pct", "[gate] regression.p95_ms", "[gate] regression",
              "[gate] fail_on_warn", "[budgets] api_p95_ms", "[budgets] error_rate_pct", "[report] title",
              "[report] max_annotations", "[gate] unknown_key", "[budgets] security_fail_on"]


def _paths(node: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into *node* (dict keys and list indexes)."""
    out = [here]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*here, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*here, i))
    return out


def _at(doc: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        doc = doc[step]
    return doc


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _spoil_tree(rng: random.Random, doc: Any) -> tuple[Any, str]:
    """*doc* with one node replaced, removed, added to or nested deep; and what was done."""
    paths = [p for p in _paths(doc) if p]
    if not paths:
        return rng.choice(_HOSTILE_VALUES), "replaced the whole document"
    numbers = [p for p in paths if _is_number(_at(doc, p))]
    # Half the time a number: forged numbers are what reaches the gate's arithmetic.
    path = rng.choice(numbers if numbers and rng.random() < 0.5 else paths)
    parent = _at(doc, path[:-1])
    last = path[-1]
    action = rng.choice(["replace", "replace", "replace", "remove", "add", "deep"])
    if action == "remove":
        del parent[last]
    elif action == "add" and isinstance(parent, dict):
        parent[f"extra_{rng.randint(0, 9)}"] = rng.choice(_HOSTILE_VALUES)
    elif action == "deep":
        depth = rng.choice([50, 900, 5000, 100_000])
        value: Any = 1
        for _ in range(min(depth, 900)):  # deeper ones are spliced in as text below
            value = [value]
        parent[last] = value if depth <= 900 else f"__DEEP_{depth}__"
    elif _is_number(parent[last]) and rng.random() < 0.7:
        parent[last] = rng.choice(_HOSTILE_NUMBERS)  # numbers are where forged files hurt most
        action = f"replace number ({parent[last]!r})"
    else:
        parent[last] = rng.choice(_HOSTILE_VALUES)
    return doc, f"{action} at {'/'.join(map(str, path))}"


def _spoil_text(rng: random.Random, text: str) -> tuple[bytes, str]:
    """*text* (JSON) with the placeholders expanded and maybe cut off or made invalid UTF-8."""
    text = text.replace(f'"{_HUGE}"', "9" * rng.choice([30, 31, 400, 5000]))
    for depth in (5000, 100_000):
        text = text.replace(f'"__DEEP_{depth}__"', "[" * depth + "]" * depth)
    data = text.encode("utf-8")
    how = rng.choice(["as is", "as is", "cut", "bad utf-8", "bom", "empty"])
    if how == "cut":
        data = data[: rng.randrange(len(data) + 1)]
    elif how == "bad utf-8":
        at = rng.randrange(len(data) + 1)
        data = data[:at] + b"\xff\xfe\xc0" + data[at:]
    elif how == "bom":
        data = b"\xef\xbb\xbf" + data
    elif how == "empty":
        data = b""
    return data, how


def _result_file(rng: random.Random, path: Path, spoil: bool) -> str:
    samples = [rng.uniform(50, 300) for _ in range(rng.choice([0, 3]))]
    doc = load_doc(p95=rng.uniform(50, 300), samples=samples)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not spoil:
        path.write_text(json.dumps(doc))
        return f"{path.name}: valid"
    spoiled, what = _spoil_tree(rng, doc) if rng.random() < 0.85 else (doc, "valid")
    data, how = _spoil_text(rng, json.dumps(spoiled))
    path.write_bytes(data)
    return f"{path.name}: {what}, {how}"


def _config_file(rng: random.Random, path: Path, spoil: bool) -> str:
    if not spoil:
        path.write_text("[gate]\nregression = { p95_ms = 10.0 }\n")
        return "config: valid"
    tables: dict[str, list[str]] = {}
    described = []
    for _ in range(rng.randint(1, 3)):
        table, key = rng.choice(_TOML_KEYS).split(" ")
        value = rng.choice(_TOML_VALUES)
        if "." in key:
            inner, leaf = key.split(".")
            tables.setdefault(table, []).append(f"{inner} = {{ {leaf} = {value} }}")
        else:
            tables.setdefault(table, []).append(f"{key} = {value}")
        described.append(f"{table} {key}={value}")
    text = "".join(f"{t}\n" + "\n".join(lines) + "\n" for t, lines in tables.items())
    how = rng.choice(["as is", "as is", "as is", "cut", "deep", "bad utf-8", "duplicate"])
    if how == "cut" and text:
        text = text[: rng.randrange(len(text))]
    elif how == "deep":
        text += "[report]\nx = " + "[" * 100_000 + "]" * 100_000 + "\n"
    elif how == "duplicate":
        text += "[gate]\nalpha = 0.1\n[gate]\nalpha = 0.2\n"
    data = text.encode("utf-8")
    if how == "bad utf-8":
        data = b"[gate]\nalpha = \xff\n" + data
    path.write_bytes(data)
    return f"config: {'; '.join(described) or 'empty'}, {how}"


def _history_file(rng: random.Random, path: Path, spoil: bool) -> str:
    metric = {"phase": "load", "key": "p95_ms", "name": "p95_ms", "unit": "ms", "better": "lower"}
    entries = [{"at": f"2026-01-0{i}T00:00:00+00:00", "ref": f"sha{i}", "status": {"load": "pass"},
                "metrics": [{**metric, "value": rng.uniform(50, 300)}]} for i in range(1, 6)]
    doc: Any = {"version": 1, "entries": entries}
    if not spoil:
        path.write_text(json.dumps(doc))
        return "history: valid"
    spoiled, what = _spoil_tree(rng, doc) if rng.random() < 0.85 else (doc, "valid")
    data, how = _spoil_text(rng, json.dumps(spoiled))
    path.write_bytes(data)
    return f"history: {what}, {how}"


def _check(code: int, err: str, case: str) -> None:
    assert code in (0, 1, 2, 3), case
    assert "Traceback" not in err, case
    lines = [line for line in err.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("echotune-ci:")]
    # Exit 2 is always an error line; exit 3 is one too, or the gate's own verdict that a phase
    # could not run (then printed as the gate's report, with no error line).
    if code == 2 or errors:
        assert len(errors) == 1 and lines[-1] == errors[0], (case, err)
        assert errors[0].startswith("echotune-ci: error: "), (case, err)


def _args(rng: random.Random, command: str, tmp: Path) -> tuple[list[str], list[str]]:
    """Arguments for one case of *command* over freshly spoiled files; (args, what was spoiled)."""
    # One spoiled file per case (the others valid), so that each case tests one fault.
    victims = ["config", "head", "shard", "base"] + (["history"] * 2 if command == "history" else [])
    victim = rng.choice(victims)
    what = [_config_file(rng, tmp / "echotune.toml", victim == "config")]
    what.append(_result_file(rng, tmp / "head" / "load.json", victim == "head"))
    if victim == "shard" or rng.random() < 0.3:
        what.append(_result_file(rng, tmp / "head" / "load-shard2.json", victim == "shard"))
    what.append(_result_file(rng, tmp / "base" / "load.json", victim == "base"))
    config = ["--config", str(tmp / "echotune.toml")]
    if command == "gate":
        return ["gate", "head", "--baseline", "base", *config], what
    if command == "report":
        fmt = rng.choice(["markdown", "summary", "annotations", "sarif", "json", "html"])
        out = ["--output", str(tmp / "out" / "report.txt")] if rng.random() < 0.5 else []
        return ["report", "head", "--format", fmt, "--baseline", "base", *out, *config], what
    if command == "compare":
        return ["compare", "base", "head", "--format", rng.choice(["text", "json"]), *config], what
    what.append(_history_file(rng, tmp / "history.json", victim == "history"))
    if rng.random() < 0.5:
        return ["history", "add", "head", "--file", str(tmp / "history.json")], what
    return ["history", "show", "--file", str(tmp / "history.json"), "--all-metrics",
            "--format", rng.choice(["markdown", "html"]), *config], what


@pytest.mark.parametrize("command", ["gate", "report", "compare", "history"])
def test_malformed_files_always_end_in_a_documented_exit_code(command, tmp_path, capsys, monkeypatch):
    for name in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ACTIONS", "ECHOTUNE_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    rng = random.Random(f"{SEED}-{command}")
    seen: dict[int, int] = {}
    for case in range(CASES):
        folder = tmp_path / f"case{case}"
        folder.mkdir()
        monkeypatch.chdir(folder)
        args, what = _args(rng, command, folder)
        description = f"seed {SEED}-{command} case {case}: {' | '.join(what)}"
        try:
            code, _, err = cli(capsys, *args)
        except BaseException as exc:  # an unmapped exception: report the case that raised it
            raise AssertionError(f"{description}: {type(exc).__name__}: {str(exc)[:200]}") from exc
        _check(code, err, description)
        seen[code] = seen.get(code, 0) + 1
    # The generator reaches both sides of the contract: files that load, and files that are refused.
    assert seen.get(2, 0) > 0 and sum(seen.get(c, 0) for c in (0, 1, 3)) > 0, seen
