"""The ``bandit`` check: static analysis of Python sources with bandit, driven as a library."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ....errors import RunError
from ....results import Finding, Location, Metric
from ..files import collect_files, relative_to_root
from .base import CheckOutput, SecurityCheck

if TYPE_CHECKING:  # pragma: no cover
    from ...base import PhaseContext
    from ..settings import SecuritySettings

# bandit's levels are three; ours are five. A bandit HIGH is worth failing a
# build for (the default gate), so it maps to high, not critical.
SEVERITY = {"LOW": "low", "MEDIUM": "medium", "HIGH": "high", "UNDEFINED": "info"}


@dataclass
class BanditReport:
    """What bandit found: findings, files analysed, (file, reason) pairs it skipped,
    the ``# nosec`` count and bandit's version."""

    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    nosec: int = 0
    version: str = ""


def scan(root: Path, paths: Sequence[str], *, exclude: Sequence[str], severity: str = "low",
         confidence: str = "low", skip: Sequence[str] = (), tests: Sequence[str] = ()) -> BanditReport:
    """Run bandit's tests on the Python files under *paths* (default: *root*).

    *severity* / *confidence* ("low", "medium", "high") are the lowest
    reported; *skip* and *tests* are bandit test ids. Raises RunError when
    bandit cannot start (e.g. an unknown test id), InputError for a path
    that does not exist.
    """
    import bandit
    from bandit.core import config as b_config
    from bandit.core import docs_utils
    from bandit.core import manager as b_manager

    files = collect_files(root, paths, exclude, suffixes=(".py", ".pyw"))
    report = BanditReport(files=len(files), version=bandit.__version__)
    if not files:
        return report
    profile = {"include": set(tests), "exclude": set(skip)}
    # bandit logs every skipped file and its own progress at WARNING/INFO on
    # the root logger; our report carries the same facts.
    logging.getLogger("bandit").setLevel(logging.ERROR)
    try:
        mgr = b_manager.BanditManager(b_config.BanditConfig(), "file", profile=profile, quiet=True)
    except Exception as exc:  # bandit raises its own errors for unknown test ids
        raise RunError(f"bandit could not start: {exc}") from None
    mgr.files_list = [str(f) for f in files]
    mgr.run_tests()
    report.skipped = [(relative_to_root(Path(name), root), reason) for name, reason in mgr.get_skipped()]
    totals = mgr.metrics.data.get("_totals", {})
    # bare "# nosec" and "# nosec B602" are counted apart by bandit
    report.nosec = int(totals.get("nosec", 0)) + int(totals.get("skipped_tests", 0))
    for issue in mgr.get_issue_list(sev_level=severity.upper(), conf_level=confidence.upper()):
        rel = relative_to_root(Path(issue.fname), root)
        code_line = _line(issue.fname, issue.lineno)
        text = issue.text
        if issue.test_id in _PASSWORD_TESTS:
            text, code_line = _mask_password(text, code_line)
        report.findings.append(
            Finding(
                rule_id=issue.test_id,
                severity=SEVERITY.get(issue.severity, "medium"),
                message=f"{text} ({issue.test}, confidence {issue.confidence.lower()})",
                source_tool="bandit",
                location=Location(rel, issue.lineno, (issue.col_offset or 0) + 1),
                help_url=docs_utils.get_url(issue.test_id),
                context=code_line or text,
                properties={"confidence": issue.confidence.lower(), "bandit_severity": issue.severity.lower(),
                            "cwe": issue.cwe.id if issue.cwe else None, "test_name": issue.test},
            )
        )
    return report


_PASSWORD_TESTS = {"B105", "B106", "B107"}
_QUOTED_VALUE = re.compile(r": '(.*)'$")


def _mask_password(text: str, code_line: str) -> tuple[str, str]:
    """B105-B107 quote the password they found; it must not reach a report."""
    from .secrets import mask_quoted

    m = _QUOTED_VALUE.search(text)
    if not m:
        return text, code_line
    return mask_quoted(text, m.group(1)), mask_quoted(code_line, m.group(1))


def _line(fname: str, lineno: int) -> str:
    try:
        with open(fname, encoding="utf-8", errors="replace") as fh:
            for i, line in enumerate(fh, 1):
                if i == lineno:
                    return line.strip()
    except OSError:
        return ""
    return ""


class BanditCheck:
    """[security.bandit]: bandit on the configured (or command-line) paths.

    Metrics: ``bandit.files`` (files) and ``bandit.nosec`` (lines); a note
    per file bandit skipped.
    """

    name = "bandit"

    def run(self, settings: SecuritySettings, ctx: PhaseContext) -> CheckOutput:
        """Scan; RunError when bandit cannot start, InputError for a missing path."""
        opts = settings.bandit
        paths = [str(ctx.resolve(p)) for p in opts.paths]
        report = scan(ctx.root, paths, exclude=opts.exclude, severity=opts.severity,
                      confidence=opts.confidence, skip=opts.skip, tests=opts.tests)
        out = CheckOutput(findings=report.findings, tool_versions={"bandit": report.version})
        out.metrics += [
            Metric("bandit.files", report.files, "files", description="Python files bandit analysed"),
            Metric("bandit.nosec", report.nosec, "lines", description="Results suppressed with # nosec"),
        ]
        out.notes += [f"bandit skipped {name}: {reason}" for name, reason in report.skipped]
        return out


CHECK: SecurityCheck = BanditCheck()
