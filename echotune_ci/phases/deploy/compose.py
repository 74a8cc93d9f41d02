"""The compose file against the Compose Specification's JSON Schema, each error with its path and line.

The schema is the one ``check-jsonschema`` vendors
(``check_jsonschema/builtin_schemas/vendor/compose-spec.json``, from the
compose-spec repository); it is read with importlib.resources and validated
with ``jsonschema``. The file is read as YAML 1.2 (ruamel.yaml), as Docker
Compose reads it: ``restart: no`` is the string "no", not false as YAML 1.1
loaders make it. Lines come from the loader's positions.

The schema leaves some values free that Compose rejects or that break the
generated files' promises; :func:`policy_findings` checks those: the restart
policy (the schema types it as any string) and credentials written inline
under ``environment`` (they belong in an ``env_file``).
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import RunError
from ...results import Finding, Location
from .linters import Outcome, shown_path

SCHEMA_PACKAGE = "check_jsonschema.builtin_schemas.vendor"
SCHEMA_FILE = "compose-spec.json"
SPEC_URL = "https://github.com/compose-spec/compose-spec/blob/main/spec.md"
SCHEMA_HINT = "the Compose schema is not installed: pip install 'echotune-ci[deploy]' (check-jsonschema)"
RESTART = re.compile(r"^(no|always|unless-stopped|on-failure(:\d+)?)$")
_MESSAGE_LIMIT = 300
# A value that only names a variable of the deploying shell (${DB_PASSWORD}, ${DB_PASSWORD:?set it}).
_INTERPOLATED = re.compile(r"\$\{?[A-Za-z_][A-Za-z0-9_]*(?:[:?-][^}]*)?\}?")


@dataclass
class Document:
    """A YAML document as plain JSON data, with the line (1-based) of every path in it."""

    data: Any
    lines: dict[tuple[Any, ...], int] = field(default_factory=dict)

    def line(self, path: tuple[Any, ...]) -> int | None:
        """The line of *path*, else of its nearest parent that has one."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None


def load_schema() -> tuple[dict[str, Any], str]:
    """(the Compose schema, "check-jsonschema X.Y.Z"); RunError when check-jsonschema is not installed."""
    from importlib import resources
    from importlib.metadata import PackageNotFoundError, version

    try:
        text = resources.files(SCHEMA_PACKAGE).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
        return json.loads(text), f"check-jsonschema {version('check-jsonschema')}"
    except (ModuleNotFoundError, FileNotFoundError, PackageNotFoundError):
        raise RunError(SCHEMA_HINT) from None


def read_yaml(path: Path) -> Document:
    """*path* read as YAML 1.2 into plain data with lines; InputError-free: a file that does not parse
    raises ValueError with the parser's line."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        raw = YAML(typ="rt", pure=True).load(path.read_text(encoding="utf-8"))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = f" (line {mark.line + 1})" if mark is not None else ""
        raise ValueError(f"not valid YAML{line}: {exc.problem or exc.context}") from None
    except YAMLError as exc:
        raise ValueError(f"not valid YAML: {exc}") from None
    doc = Document(None)
    doc.data = _plain(raw, (), doc.lines)
    return doc


def _plain(node: Any, path: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> Any:
    """*node* (ruamel's round-trip types) as plain dicts, lists and scalars; *lines* gets each path's line."""
    lc = getattr(node, "lc", None)
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if lc is not None:
                with contextlib.suppress(KeyError, TypeError):
                    lines[(*path, str(key))] = lc.key(key)[0] + 1
            out[str(key)] = _plain(value, (*path, str(key)), lines)
        return out
    if isinstance(node, list):
        items = []
        for i, value in enumerate(node):
            if lc is not None:
                with contextlib.suppress(KeyError, TypeError, IndexError):
                    lines[(*path, i)] = lc.item(i)[0] + 1
            items.append(_plain(value, (*path, i), lines))
        return items
    if isinstance(node, bool) or node is None or isinstance(node, (int, float)):
        return node
    return str(node)


def json_path(path: tuple[Any, ...]) -> str:
    """``$.services.app.restart`` / ``$.services.app.ports[0]``."""
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def validate(compose: Path, *, root: Path) -> Outcome:
    """*compose* against the Compose schema: one finding per schema error (rule ``compose.<keyword>``,
    high: Compose refuses such a file), at its JSON path and line. A file that is not YAML is one finding
    too. RunError when the schema is not installed."""
    import jsonschema
    from jsonschema.exceptions import best_match

    schema, where = load_schema()
    out = Outcome(tool_versions={"compose-spec schema": where})
    rel = shown_path(compose, root)
    try:
        doc = read_yaml(compose)
    except ValueError as exc:
        line = re.search(r"line (\d+)", str(exc))
        out.findings.append(Finding(rule_id="compose.yaml", severity="high", source_tool="compose-spec",
                                    message=f"{rel}: {exc}", context=str(exc),
                                    location=Location(rel, int(line.group(1)) if line else None),
                                    help_url=SPEC_URL))
        return out
    validator = jsonschema.validators.validator_for(schema)(schema)
    for error in sorted(validator.iter_errors(doc.data), key=lambda e: [str(p) for p in e.absolute_path]):
        detail = best_match(error.context) if error.context else error
        path = tuple(detail.absolute_path)
        message = detail.message if len(detail.message) <= _MESSAGE_LIMIT else \
            detail.message[:_MESSAGE_LIMIT] + "..."
        out.findings.append(Finding(
            rule_id=f"compose.{detail.validator}", severity="high", source_tool="compose-spec",
            message=f"{json_path(path)}: {message}", location=Location(rel, doc.line(path)),
            context=f"{json_path(path)} {detail.validator}", help_url=SPEC_URL,
            properties={"json_path": json_path(path)}))
    out.notes.append(f"compose: {rel} against the Compose Specification schema ({where}): "
                     f"{len(out.findings)} errors")
    return out


def policy_findings(compose: Path, *, root: Path) -> list[Finding]:
    """What the schema leaves free: a ``restart`` that is not a Compose policy (``deploy.restart-policy``,
    medium) and a credential written inline under ``environment`` (``deploy.inline-secret``, high)."""
    from ...masking import is_secret_name

    rel = shown_path(compose, root)
    try:
        doc = read_yaml(compose)
    except ValueError:
        return []  # the schema check reports it
    services = doc.data.get("services") if isinstance(doc.data, dict) else None
    out: list[Finding] = []
    for name, service in (services.items() if isinstance(services, dict) else ()):
        if not isinstance(service, dict):
            continue
        restart = service.get("restart")
        if isinstance(restart, str) and not RESTART.match(restart):
            path = ("services", name, "restart")
            out.append(Finding(
                rule_id="deploy.restart-policy", severity="medium", source_tool="echotune-ci",
                message=f"{json_path(path)}: '{restart}' is not a restart policy (no, always, "
                        "on-failure[:N], unless-stopped); Compose refuses it",
                location=Location(rel, doc.line(path)),
                context=f"{json_path(path)} {restart}", help_url=f"{SPEC_URL}#restart"))
        for key, value, path in _environment(service, name):
            if is_secret_name(key) and value and not _INTERPOLATED.fullmatch(value):
                out.append(Finding(
                    rule_id="deploy.inline-secret", severity="high", source_tool="echotune-ci",
                    message=f"{json_path(path)}: the credential {key} is written in the compose file; put "
                            "it in the env_file (.env.production) instead",
                    location=Location(rel, doc.line(path)),
                    context=f"{json_path(path)}", help_url=f"{SPEC_URL}#env_file"))
    return out


def _environment(service: dict[str, Any], name: str) -> list[tuple[str, str, tuple[Any, ...]]]:
    """(name, value, path) of a service's ``environment`` (a table or a list of NAME=value)."""
    env = service.get("environment")
    base = ("services", name, "environment")
    if isinstance(env, dict):
        return [(str(k), "" if v is None else str(v), (*base, str(k))) for k, v in env.items()]
    if isinstance(env, list):
        out = []
        for i, item in enumerate(env):
            key, sep, value = str(item).partition("=")
            if sep:
                out.append((key, value, (*base, i)))
        return out
    return []
