"""The ``secrets`` check: secrets in the tree, known token formats plus high-entropy assignments.

A secret's value never leaves this module: findings carry a masked prefix,
its length and a short SHA-256 (what the allow-list matches), nothing more.
Inline ``pragma: allowlist secret`` (detect-secrets' spelling) is honoured.
"""

from __future__ import annotations

import fnmatch
import hashlib
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from ....errors import ConfigError
from ....results import Finding, Location, Metric
from ..files import collect_files, relative_to_root
from .base import CheckOutput, SecurityCheck

if TYPE_CHECKING:  # pragma: no cover
    from ...base import PhaseContext
    from ..settings import SecuritySettings

HELP = "https://github.com/echotune/echotune-ci/blob/main/docs/security.md#secrets"


@dataclass(frozen=True)
class Detector:
    """A known secret format: rule id, name, severity, and the regex group that holds the secret."""

    rule_id: str
    name: str
    severity: str
    pattern: re.Pattern[str]
    group: int = 0  # which group holds the secret


DETECTORS: tuple[Detector, ...] = (
    Detector("secrets.github-token", "GitHub token", "critical",
             re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{50,255})\b"), 1),
    Detector("secrets.aws-access-key-id", "AWS access key id", "high",
             re.compile(r"\b((?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})\b"), 1),
    Detector("secrets.aws-secret-access-key", "AWS secret access key", "critical",
             re.compile(r"(?i)aws_?secret_?access_?key\s*[:=]\s*[\"']?"
                        r"([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])"), 1),
    Detector("secrets.perplexity-api-key", "Perplexity API key", "critical",
             re.compile(r"\b(pplx-[A-Za-z0-9]{32,})\b"), 1),
    Detector("secrets.openai-api-key", "OpenAI-style API key", "critical",
             re.compile(r"(?<![A-Za-z0-9_-])"
                        r"(sk-(?:proj-|svcacct-|admin-|ant-[a-z0-9]+-)?[A-Za-z0-9_-]{32,})"), 1),
    Detector("secrets.private-key", "private key", "critical",
             re.compile(r"(-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?"
                        r"PRIVATE KEY(?: BLOCK)?-----)"), 1),
    Detector("secrets.jwt", "JSON Web Token", "medium",
             re.compile(r"\b(eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})"), 1),
)

_NAME = (r"[A-Za-z0-9_.-]*(?:secret|passw(?:or)?d|passwd|pwd|token|api[_-]?key|apikey|access[_-]?key"
         r"|auth[_-]?key|credential)[A-Za-z0-9_.-]*")
# name = "value" / name: 'value' / "name": "value" in code and config files.
_QUOTED = re.compile(r"(?i)[\"']?\b(" + _NAME + r")[\"']?\s*(?::=|=|:|=>)\s*([\"'])([^\"'\s]+)\2")
# NAME=value in .env files and shell scripts (unquoted values).
_ENV = re.compile(r"(?i)^\s*(?:export\s+)?(" + _NAME + r")\s*=\s*([^\s\"'#]+)\s*$")
# name: value in YAML (unquoted values; quoted ones are _QUOTED's).
_YAML = re.compile(r"(?i)^\s*(" + _NAME + r")\s*:\s*([^\s\"'#{}\[\]&*!|>]+)\s*$")
_PLACEHOLDER = re.compile(r"(?i)\$\{|\{\{|%\(|<[a-z_-]+>|example|changeme|placeholder|your[_-]|x{6,}|\*{4,}"
                          r"|dummy|redacted")
# Names that hold where a secret lives, not the secret: token_env = "GITHUB_TOKEN".
_REFERENCE_NAME = re.compile(r"(?i)[_.-](env|var|name|file|path|url|field|header|type|id|selector|label)$")
_ENV_VAR_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_ENV_SUFFIXES = (".env", ".envrc", ".sh", ".bash", ".zsh", ".ini", ".cfg", ".conf", ".properties")
GENERIC_RULE = "secrets.generic-high-entropy"
_PRAGMA = "pragma: allowlist secret"
_PRAGMA_NEXT = "pragma: allowlist nextline secret"


def mask_secret(value: str) -> str:
    """A prefix short enough to say nothing: at most 4 characters and a quarter."""
    shown = min(4, len(value) // 4)
    return f"{value[:shown]}…({len(value)} chars)"


def secret_hash(value: str) -> str:
    """``sha256:`` and the first 16 hex digits of the SHA-256 of *value* (what the allow-list matches)."""
    return "sha256:" + hashlib.sha256(value.encode("utf-8")).hexdigest()[:16]


def shannon_entropy(value: str) -> float:
    """Shannon entropy of the characters of *value*, in bits per character (0 for "")."""
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values()) if n else 0.0


@dataclass
class Allowlist:
    """Reviewed non-secrets: path globs, rule ids and value hashes (``sha256:<hex prefix>``)."""

    paths: list[str] = field(default_factory=list)
    rules: set[str] = field(default_factory=set)
    hashes: set[str] = field(default_factory=set)

    def allows_path(self, rel: str) -> bool:
        """Whether repo-relative path *rel* matches an allowed glob."""
        return any(fnmatch.fnmatchcase(rel, g) for g in self.paths)

    def allows(self, rule_id: str, value_hash: str) -> bool:
        """Whether a match of *rule_id* with hash *value_hash* is allowed (by rule or hash prefix)."""
        return rule_id in self.rules or any(value_hash.startswith(h) for h in self.hashes)


def load_allowlist(path: Path | None) -> Allowlist:
    """The allow-list at *path*: ``path:GLOB``, ``rule:RULE_ID`` or ``sha256:HEX`` (the hash a finding
    shows), one a line, ``#`` comments. None or a missing file: an empty list.

    Raises ConfigError ("<path>:<line>: expected ...") for any other line.
    """
    allow = Allowlist()
    if path is None or not path.is_file():
        return allow
    for n, raw in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        kind, _, value = line.partition(":")
        if kind == "path" and value:
            allow.paths.append(value.strip())
        elif kind == "rule" and value:
            allow.rules.add(value.strip())
        elif kind == "sha256" and re.fullmatch(r"[0-9a-f]{12,64}", value.strip()):
            allow.hashes.add("sha256:" + value.strip())
        else:
            raise ConfigError(f"{path}:{n}: expected 'path:GLOB', 'rule:RULE_ID' or 'sha256:HEX', "
                              f"got {raw.strip()!r}")
    return allow


@dataclass
class SecretsReport:
    """What the scan found: findings, text files scanned, binary/large files skipped, allowed matches."""

    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    skipped_binary: list[str] = field(default_factory=list)
    skipped_large: list[str] = field(default_factory=list)
    allowed: int = 0


def scan(root: Path, paths: Sequence[str], *, exclude: Sequence[str], allowlist: Allowlist,
         max_file_bytes: int, entropy: float, min_length: int) -> SecretsReport:
    """Scan the text files under *paths* (default: *root*) for secrets.

    Files over *max_file_bytes* bytes and binary files are skipped and
    listed; *entropy* (bits/char) and *min_length* (chars) bound the generic
    detector. InputError for a path that does not exist.
    """
    report = SecretsReport()
    for path in collect_files(root, paths, exclude):
        rel = relative_to_root(path, root)
        if allowlist.allows_path(rel):
            continue
        try:
            size = path.stat().st_size
            if size > max_file_bytes:
                report.skipped_large.append(rel)
                continue
            data = path.read_bytes()
        except OSError:
            report.skipped_binary.append(rel)
            continue
        if b"\0" in data[:8192]:
            report.skipped_binary.append(rel)
            continue
        report.files += 1
        text = data.decode("utf-8", errors="replace")
        for finding in scan_text(text, rel, entropy=entropy, min_length=min_length):
            if allowlist.allows(finding.rule_id, finding.properties["hash"]):
                report.allowed += 1
            else:
                report.findings.append(finding)
    return report


def _env_style(rel: str) -> bool:
    """Files where NAME=value (unquoted) assigns a value rather than calling code."""
    name = PurePosixPath(rel).name.lower()
    return name.startswith(".env") or name.endswith(_ENV_SUFFIXES) or name in ("dockerfile", "procfile")


def scan_text(text: str, rel: str, *, entropy: float, min_length: int) -> list[Finding]:
    """The secrets in *text* of the file *rel* (its name picks the generic patterns), masked."""
    found: list[Finding] = []
    generic = _generic_patterns(rel)
    allow_next = False
    for lineno, line in enumerate(text.splitlines(), 1):
        skip, allow_next = allow_next or _PRAGMA in line, _PRAGMA_NEXT in line
        if skip:
            continue
        taken: list[tuple[int, int]] = []
        for det in DETECTORS:
            for m in det.pattern.finditer(line):
                taken.append(m.span(det.group))
                found.append(_finding(det.rule_id, det.name, det.severity, m.group(det.group), rel, lineno,
                                      m.start(det.group) + 1))
        for pattern, name_group, value_group in generic:
            for m in pattern.finditer(line):
                value = m.group(value_group)
                start = m.start(value_group)
                if any(a <= start < b for a, b in taken):
                    continue
                if _not_a_secret(value, m.group(name_group), entropy=entropy, min_length=min_length):
                    continue
                taken.append(m.span(value_group))
                found.append(_finding(GENERIC_RULE, f"high-entropy value assigned to {m.group(name_group)}",
                                      "high", value, rel, lineno, start + 1))
    return found


def _generic_patterns(rel: str) -> tuple[tuple[re.Pattern[str], int, int], ...]:
    """The (pattern, name group, value group) assignments to look for in the file *rel*: quoted ones
    everywhere, plus NAME=value in env-style files or key: value in YAML files."""
    generic: tuple[tuple[re.Pattern[str], int, int], ...] = ((_QUOTED, 1, 3),)
    if _env_style(rel):
        generic += ((_ENV, 1, 2),)
    elif rel.endswith((".yml", ".yaml")):
        generic += ((_YAML, 1, 2),)
    return generic


def _not_a_secret(value: str, name: str, *, entropy: float, min_length: int) -> bool:
    """Whether a generic match's *value* (assigned to *name*) is short, a placeholder, too regular,
    a reference by name or an environment variable's name rather than a secret."""
    return bool(len(value) < min_length or _PLACEHOLDER.search(value) or shannon_entropy(value) < entropy
                or _REFERENCE_NAME.search(name) or _ENV_VAR_NAME.match(value))


def _finding(rule_id: str, name: str, severity: str, value: str, rel: str, line: int, column: int) -> Finding:
    digest = secret_hash(value)
    masked = mask_secret(value)
    return Finding(
        rule_id=rule_id,
        severity=severity,
        message=f"{name} {masked}; allow-list it with 'sha256:{digest[7:]}' if it is not a secret",
        source_tool="secrets",
        location=Location(rel, line, column),
        help_url=HELP,
        context=f"{rule_id} {digest}",
        properties={"masked": masked, "hash": digest, "length": len(value)},
    )


def mask_quoted(text: str, value: str) -> str:
    """Mask *value* where it stands quoted in *text* (a message or a source line)."""
    if not value:
        return text
    masked = mask_secret(value)
    for quote in ("'", '"'):
        text = text.replace(f"{quote}{value}{quote}", f"{quote}{masked}{quote}")
    return text


class SecretsCheck:
    """[security.secrets]: the secret scan of the configured (or command-line) paths.

    Metrics: ``secrets.files``, ``secrets.skipped_binary``,
    ``secrets.skipped_large`` (files) and ``secrets.allowed`` (secrets).
    """

    name = "secrets"

    def run(self, settings: SecuritySettings, ctx: PhaseContext) -> CheckOutput:
        """Scan; ConfigError for a bad allow-list line, InputError for a missing path."""
        opts = settings.secrets
        allow_path = ctx.resolve(opts.allowlist) if opts.allowlist else None
        report = scan(ctx.root, [str(ctx.resolve(p)) for p in opts.paths], exclude=opts.exclude,
                      allowlist=load_allowlist(allow_path), max_file_bytes=opts.max_file_bytes,
                      entropy=opts.entropy, min_length=opts.min_length)
        out = CheckOutput(findings=report.findings)
        out.metrics += [
            Metric("secrets.files", report.files, "files", description="Text files scanned for secrets"),
            Metric("secrets.skipped_binary", len(report.skipped_binary), "files"),
            Metric("secrets.skipped_large", len(report.skipped_large), "files",
                   description=f"Files over {opts.max_file_bytes} bytes"),
            Metric("secrets.allowed", report.allowed, "secrets", description="Matches on the allow-list"),
        ]
        if report.skipped_large:
            out.notes.append(f"secrets: skipped {len(report.skipped_large)} files over {opts.max_file_bytes} "
                             f"bytes: {', '.join(report.skipped_large[:10])}")
        return out


CHECK: SecurityCheck = SecretsCheck()
