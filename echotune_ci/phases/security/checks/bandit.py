"""The ``bandit`` check: static analysis of Python sources with bandit, driven as a library.

A file bandit cannot parse (bytes that are not UTF-8 without a PEP 263
coding line, syntax newer than the Python running bandit, broken code) is
not analysed at all: it is counted in ``bandit.skipped_files``, never in
``bandit.files``, with why, and the check errors (exit 3) unless
``[security.bandit] skipped = "warn"``.
"""

from __future__ import annotations

import ast
import logging
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ....errors import ConfigError, RunError
from ....results import Finding, Location, Metric
from ..files import collect_files, relative_to_root
from .base import CheckOutput, SecurityCheck, require_paths, skipped_files

if TYPE_CHECKING:  # pragma: no cover
    from ...base import PhaseContext
    from ..settings import SecuritySettings

# bandit's levels are three; ours are five. A bandit HIGH is worth failing a
# build for (the default gate), so it maps to high, not critical.
SEVERITY = {"LOW": "low", "MEDIUM": "medium", "HIGH": "high", "UNDEFINED": "info"}


@dataclass
class BanditReport:
    """What bandit found: findings, files analysed (not counting skipped ones), (file, why) pairs it
    could not analyse, the ``# nosec`` count and bandit's version."""

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
    report.skipped = [(relative_to_root(Path(name), root), why_skipped(Path(name), reason))
                      for name, reason in mgr.get_skipped()]
    report.files = len(files) - len(report.skipped)
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


def why_skipped(path: Path, reason: str) -> str:
    """Why bandit could not analyse *path*, more precisely than its *reason*.

    bandit says "syntax error while parsing AST from file" for every file
    Python's parser refuses; parsing it again here names the cause: bytes
    that are not in the file's encoding (UTF-8 unless a PEP 263 coding line
    says otherwise), or a syntax error with its line, which on a correct
    file means syntax newer than the Python running bandit (``type X = int``
    needs 3.12). bandit's "exception while scanning file" gets the same
    diagnosis (a decoding error in its tokenizer); when Python parses the
    file, and for an OS error, bandit's *reason* is returned.
    """
    if not reason.startswith(("syntax error", "exception while scanning")):
        return reason  # an OS error, said as bandit said it
    try:
        data = path.read_bytes()
    except OSError as exc:
        return exc.strerror or reason
    encoding = _source_encoding(data)
    try:
        data.decode(encoding)
    except LookupError:
        return f"its coding line names an encoding Python does not know ({encoding!r})"
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        return (f"line {line}: byte 0x{data[exc.start]:02x} is not {encoding.upper()} (Python reads source "
                "as UTF-8 unless a PEP 263 coding line names another encoding)")
    try:
        ast.parse(data, filename=str(path))
    except SyntaxError as exc:
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        return (f"line {exc.lineno}: {exc.msg} (Python {version}, which runs bandit, cannot parse it: "
                "broken code, or syntax of a newer Python)")
    except (ValueError, RecursionError, MemoryError) as exc:
        return f"{reason} ({type(exc).__name__})"
    return reason


# PEP 263: a comment on line 1 or 2 naming the source's encoding.
_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


def _source_encoding(data: bytes) -> str:
    """The encoding Python reads *data* in: a BOM's UTF-8, else the PEP 263 coding line, else UTF-8."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    for line in data.splitlines()[:2]:
        m = _CODING.match(line)
        if m:
            return m.group(1).decode("ascii", "replace")
        if line.strip() and not line.lstrip().startswith(b"#"):
            break  # the coding line may only follow a comment or blank line
    return "utf-8"


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

    Metrics: ``bandit.files`` (files analysed), ``bandit.skipped_files``
    (files bandit could not parse: error, or warn with ``skipped = "warn"``;
    each named with why in a note) and ``bandit.nosec`` (lines).
    """

    name = "bandit"

    def preflight(self, settings: SecuritySettings, ctx: PhaseContext) -> None:
        """InputError for a path that does not exist, ConfigError for a test id bandit does not have."""
        opts = settings.bandit
        require_paths(ctx, opts.paths)
        if opts.skip or opts.tests:
            from bandit.core import extension_loader

            unknown = [t for t in (*opts.tests, *opts.skip) if not extension_loader.MANAGER.check_id(t)]
            if unknown:
                raise ConfigError(f"[security.bandit]: unknown bandit test id {unknown[0]!r} "
                                  "(ids such as B101; `bandit --help` lists them)")

    def run(self, settings: SecuritySettings, ctx: PhaseContext) -> CheckOutput:
        """Scan; RunError when bandit cannot start, InputError for a missing path."""
        opts = settings.bandit
        paths = [str(ctx.resolve(p)) for p in opts.paths]
        report = scan(ctx.root, paths, exclude=opts.exclude, severity=opts.severity,
                      confidence=opts.confidence, skip=opts.skip, tests=opts.tests)
        out = CheckOutput(findings=report.findings, tool_versions={"bandit": report.version})
        skipped, notes, warnings, errors = skipped_files("bandit", report.skipped, opts.skipped,
                                                         scanner="bandit", what="Python files")
        out.metrics += [
            Metric("bandit.files", report.files, "files", description="Python files bandit analysed"),
            skipped,
            Metric("bandit.nosec", report.nosec, "lines", description="Results suppressed with # nosec"),
        ]
        out.notes += notes
        out.warnings += warnings
        out.errors += errors
        return out


CHECK: SecurityCheck = BanditCheck()
