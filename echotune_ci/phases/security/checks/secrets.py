"""The ``secrets`` check: credentials committed to the tree.

Detectors, in the order a stretch of text is claimed (the first detector to claim
it reports it, the later ones skip it, see ``_PRIORITY``):

1. gitleaks' published rule set (vendored data, MIT: ``echotune_ci/data/gitleaks-8.30.1.toml``)
   and our rules in the same format (``echotune_ci/data/secrets-rules.toml``): provider
   token formats, private keys, JWTs, cloud keys (:mod:`..secret_rules`);
2. the rules for what surrounds a secret: passwords in URLs, ``.netrc``/``.pgpass``,
   ``curl -u``/``-H``, Docker's ``auths``;
3. passwords and secrets assigned to a name, read as the file format writes values
   (:mod:`..secret_assignments`): ``secrets.generic-high-entropy`` when the value is long and
   random enough, ``secrets.password`` for a person's password;
4. gitleaks' ``generic-api-key`` (also ``secrets.generic-high-entropy``).

Placeholders (``changeme``, ``${VAR}``, ``<your-key>``, the configured list),
references (``process.env.X``, env var names, paths, password hashes), test
fixtures (configured globs) and allow-listed values are not reported.

A secret's value never leaves this module: findings carry a masked prefix,
its length and a short SHA-256 (what the allow-list matches), nothing more;
worker processes return findings already masked. Inline ``pragma: allowlist
secret`` (detect-secrets' spelling) and ``gitleaks:allow`` are honoured.
Text files in UTF-8 (with or without a byte-order mark), UTF-16 and UTF-32
with a byte-order mark are read; other files with a NUL byte are binary.

What is not scanned, and how it counts (gitleaks' and detect-secrets' rules,
see docs/security.md "Files not scanned"): binary files are not text
(``secrets.not_text``, as gitleaks skips binary types and detect-secrets files
it cannot decode), not a gap; bytes that are not UTF-8 in a text file do not
make it binary (it is read with replacement characters, so the ASCII secrets
around them are still found, where detect-secrets drops the whole file);
test fixtures, allow-listed paths and gitleaks' global allow-list
(lockfiles, vendored code) are left out on purpose. Files over
``max_file_bytes``, files that cannot be read, and files a rule gave up on
are skipped: ``secrets.skipped_files``, an error of the check (exit 3)
unless ``[security.secrets] skipped = "warn"``.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import codecs
import concurrent.futures
import fnmatch
import functools
import hashlib
import multiprocessing
import os
import re
import sys
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from ....errors import ConfigError
from ....results import Finding, Location, Metric
from .. import secret_assignments as assign
from ..files import collect_files, earlier_outputs, is_excluded, relative_to_root
from ..secret_rules import (
    DATA_FILES,
    GITLEAKS_VERSION,
    RULE_BUDGET,
    RawMatch,
    RuleSet,
    default_rules,
    shannon_entropy,
)
from .base import CheckOutput, SecurityCheck, require_paths, skipped_files

if TYPE_CHECKING:  # pragma: no cover
    from ...base import PhaseContext
    from ..settings import SecuritySettings

__all__ = ["CHECK", "GENERIC_RULE", "PASSWORD_RULE", "RULE_NAMES", "Allowlist", "ScanOptions",
           "SecretsReport", "decode_text", "load_allowlist", "mask_quoted", "mask_secret", "scan",
           "scan_text", "secret_hash", "shannon_entropy"]

HELP = "https://github.com/echotune/echotune-ci/blob/main/docs/security.md#secrets"
GENERIC_RULE = "secrets.generic-high-entropy"
PASSWORD_RULE = "secrets.password"
_PRAGMA = "pragma: allowlist secret"
_PRAGMA_NEXT = "pragma: allowlist nextline secret"
_GITLEAKS_ALLOW = "gitleaks:allow"
# Below this many files one process scans them all; above it, a pool of up to _MAX_WORKERS.
PARALLEL_FROM = 400
_MAX_WORKERS = 8

#: The default placeholder words (SecretsSettings.placeholders), for callers without settings.
PLACEHOLDERS: tuple[str, ...] = (
    "changeme", "change-me", "change_me", "xxx", "your-", "your_", "<", "${", "{{", "%(", "example", "dummy",
    "placeholder", "fixme", "todo", "redacted", "secret123", "password123", "*****")

# Rule id, name and severity of a finding, by the id of the gitleaks rule (or of ours) that matched.
# Rules not listed are "secrets.<id>", named after their id, severity high.
_CRITICAL, _HIGH, _MEDIUM = "critical", "high", "medium"
RULE_NAMES: dict[str, tuple[str, str, str]] = {
    **{i: ("secrets.github-token", "GitHub token", _CRITICAL) for i in (
        "github-pat", "github-oauth", "github-app-token", "github-refresh-token", "github-fine-grained-pat")},
    "aws-access-token": ("secrets.aws-access-key-id", "AWS access key id", _HIGH),
    "aws-secret-access-key": ("secrets.aws-secret-access-key", "AWS secret access key", _CRITICAL),
    "aws-amazon-bedrock-api-key-long-lived": ("secrets.aws-bedrock-api-key", "Amazon Bedrock API key",
                                              _CRITICAL),
    "gcp-service-account-key": ("secrets.gcp-service-account-key", "GCP service-account private key",
                                _CRITICAL),
    "gcp-api-key": ("secrets.gcp-api-key", "Google Cloud API key", _HIGH),
    "azure-storage-account-key": ("secrets.azure-storage-key", "Azure storage account key", _CRITICAL),
    "azure-sas-token": ("secrets.azure-sas-token", "Azure shared access signature", _HIGH),
    "azure-ad-client-secret": ("secrets.azure-ad-client-secret", "Azure AD client secret", _CRITICAL),
    **{i: ("secrets.gitlab-token", "GitLab token", _CRITICAL) for i in (
        "gitlab-pat", "gitlab-pat-routable", "gitlab-ptt", "gitlab-rrt", "gitlab-deploy-token",
        "gitlab-runner-authentication-token", "gitlab-runner-authentication-token-routable",
        "gitlab-oauth-app-secret", "gitlab-scim-token", "gitlab-cicd-job-token", "gitlab-feed-token",
        "gitlab-incoming-mail-token", "gitlab-kubernetes-agent-token", "gitlab-feature-flag-client-token")},
    "npm-access-token": ("secrets.npm-token", "npm access token", _CRITICAL),
    "npm-auth-token": ("secrets.npm-token", "npm registry credential", _CRITICAL),
    "pypi-upload-token": ("secrets.pypi-token", "PyPI upload token", _CRITICAL),
    "stripe-access-token": ("secrets.stripe-key", "Stripe secret or restricted key", _CRITICAL),
    **{i: ("secrets.slack-token", "Slack token", _HIGH) for i in (
        "slack-app-token", "slack-bot-token", "slack-config-access-token", "slack-config-refresh-token",
        "slack-legacy-bot-token", "slack-legacy-token", "slack-legacy-workspace-token", "slack-user-token")},
    "slack-webhook-url": ("secrets.slack-webhook", "Slack webhook URL", _HIGH),
    "twilio-api-key": ("secrets.twilio-api-key", "Twilio API key", _HIGH),
    "sendgrid-api-token": ("secrets.sendgrid-api-key", "SendGrid API key", _HIGH),
    **{i: ("secrets.mailgun-key", "Mailgun key", _HIGH) for i in (
        "mailgun-private-api-token", "mailgun-signing-key")},
    "openai-api-key": ("secrets.openai-api-key", "OpenAI API key", _CRITICAL),
    "openai-style-api-key": ("secrets.openai-api-key", "OpenAI-style API key", _CRITICAL),
    "anthropic-api-key": ("secrets.anthropic-api-key", "Anthropic API key", _CRITICAL),
    "anthropic-admin-api-key": ("secrets.anthropic-api-key", "Anthropic admin key", _CRITICAL),
    "anthropic-style-api-key": ("secrets.anthropic-api-key", "Anthropic API key", _CRITICAL),
    "perplexity-api-key": ("secrets.perplexity-api-key", "Perplexity API key", _CRITICAL),
    "perplexity-style-api-key": ("secrets.perplexity-api-key", "Perplexity API key", _CRITICAL),
    "private-key": ("secrets.private-key", "private key", _CRITICAL),
    "private-key-short": ("secrets.private-key", "private key", _CRITICAL),
    "jwt": ("secrets.jwt", "JSON Web Token", _MEDIUM),
    "jwt-base64": ("secrets.jwt", "base64-encoded JSON Web Token", _MEDIUM),
    "url-credentials": ("secrets.url-credentials", "password in a URL", _HIGH),
    "netrc-password": ("secrets.credentials-file", "password in .netrc", _HIGH),
    "pgpass-password": ("secrets.credentials-file", "password in .pgpass", _HIGH),
    "docker-registry-auth": ("secrets.docker-registry-auth", "Docker registry credential", _HIGH),
    "generic-api-key": (GENERIC_RULE, "high-entropy value", _HIGH),
}
# Which detector claims a stretch of text first (lower first): a service-account key is reported as
# such, not as the private key inside it; a token's own format before the command or URL around it
# (curl -H "Authorization: Bearer npm_…", https://user:ghp_…@host); generic detectors last, so that
# a known format keeps its own name.
_PRIORITY = {"gcp-service-account-key": 0, "curl-auth-header": 2, "curl-auth-user": 2, "url-credentials": 2,
             "netrc-password": 2, "pgpass-password": 2, "docker-registry-auth": 2, "assignment": 3,
             "generic-api-key": 4}
_PRIORITY_DEFAULT = 1
# Private-key rules: a match is a key only with key material in it (a base64 run of 32+ characters).
_KEY_RULES = {"private-key", "private-key-short"}
_KEY_MATERIAL = re.compile(r"[A-Za-z0-9+/=]{32,}")
# Rules whose value a person writes (a password), checked against placeholders like an assignment.
_CREDENTIAL_RULES = {"url-credentials", "npm-auth-token", "netrc-password", "pgpass-password"}
_NAME_BEFORE = re.compile(r"([\w.$-]{1,80})[\"']?[ \t]*(?::=|=>|\?=|=|:|,|\|\|)[\s\"'`=]{0,5}$")
_DOCKER_AUTH = re.compile(r'"(auth|identitytoken|registrytoken)"\s*:\s*"([A-Za-z0-9+/=_.-]{8,})"')


def mask_secret(value: str) -> str:
    """A prefix short enough to say nothing: at most 4 characters and a quarter."""
    shown = min(4, len(value) // 4)
    return f"{value[:shown]}…({len(value)} chars)"


def secret_hash(value: str) -> str:
    """``sha256:`` and the first 16 hex digits of the SHA-256 of *value* (what the allow-list matches)."""
    return "sha256:" + hashlib.sha256(value.encode("utf-8")).hexdigest()[:16]


def mask_quoted(text: str, value: str) -> str:
    """Mask *value* where it stands quoted in *text* (a message or a source line)."""
    if not value:
        return text
    masked = mask_secret(value)
    for quote in ("'", '"'):
        text = text.replace(f"{quote}{value}{quote}", f"{quote}{masked}{quote}")
    return text


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


@dataclass(frozen=True)
class ScanOptions:
    """What decides whether a match is reported: the generic detector's bounds and the placeholders."""

    entropy: float = 3.5
    min_length: int = 12
    placeholders: tuple[str, ...] = PLACEHOLDERS
    max_file_bytes: int = 1_000_000

    def is_placeholder(self, value: str) -> bool:
        """Whether *value* contains a placeholder word (case-insensitive) or is one character repeated."""
        lowered = value.lower()
        return any(p.lower() in lowered for p in self.placeholders if p) or len(set(value)) <= 1

    def in_token(self, value: str) -> bool:
        """Whether a token of a known format (random characters after a fixed prefix) is a placeholder:
        a placeholder word that starts a word of it (``sk_live_xxxx…``, ``ghp_your_token…``, ``<key>``),
        not one that random characters happen to spell (``…aBxXx9…``)."""
        return bool(_placeholder_pattern(self.placeholders).search(value)) or len(set(value)) <= 1


@functools.lru_cache(maxsize=8)
def _placeholder_pattern(placeholders: tuple[str, ...]) -> re.Pattern[str]:
    words = sorted((re.escape(p) for p in placeholders if p), key=len, reverse=True)
    if not words:
        return re.compile(r"(?!)")
    return re.compile(r"(?i)(?<![A-Za-z0-9])(?:" + "|".join(words) + ")|(?i:x{6,})")


@dataclass
class SecretsReport:
    """What the scan found: findings, text files scanned (fully), binary files (not text), files skipped,
    left out or allowed.

    ``skipped`` holds (file, why) of the files not (fully) scanned: over
    ``max_file_bytes``, unreadable, or a rule that gave up on it (also in
    ``stopped`` as (file, rule)); ``skipped_large`` names the large ones.
    """

    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    skipped_binary: list[str] = field(default_factory=list)
    skipped_large: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    skipped_fixtures: list[str] = field(default_factory=list)
    skipped_paths: list[str] = field(default_factory=list)  # gitleaks' global allow-list (lockfiles...)
    allowed: int = 0
    stopped: list[tuple[str, str]] = field(default_factory=list)  # (file, rule) that ran out of time
    earlier_outputs: dict[str, int] = field(default_factory=dict)  # folder -> files left out


def decode_text(data: bytes) -> str | None:
    """The text of a file's bytes, or None for a binary file.

    A byte-order mark says UTF-8, UTF-16 or UTF-32 (files written by Windows
    editors and PowerShell); without one, a NUL byte in the first 8 KiB means
    binary and anything else is read as UTF-8 (invalid bytes replaced).
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", "replace")
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return data.decode("utf-32", "replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace")
    if b"\0" in data[:8192]:
        return None
    return data.decode("utf-8", "replace")


@dataclass(frozen=True)
class _Candidate:
    source_id: str  # the rule's id in its rule file, or the assignment detector's kind
    rule_id: str
    name: str
    severity: str
    start: int
    end: int
    secret: str
    detector: str


def _naming(source_id: str) -> tuple[str, str, str]:
    if source_id in RULE_NAMES:
        return RULE_NAMES[source_id]
    return f"secrets.{source_id}", source_id.replace("-", " "), _HIGH


def _from_rule(match: RawMatch) -> _Candidate:
    rule_id, name, severity = _naming(match.rule.id)
    if match.rule.id == "stripe-access-token" and "_test_" in match.secret:
        name, severity = "Stripe test-mode key", _MEDIUM
    return _Candidate(match.rule.id, rule_id, name, severity, match.start, match.end, match.secret,
                      f"{match.rule.source}:{match.rule.id}")


def _assigned_name(text: str, start: int) -> str:
    """The name a value at *start* is assigned to (for the message of a generic match)."""
    m = _NAME_BEFORE.search(text[max(0, start - 120):start])
    return m.group(1) if m else "a secret-like name"


class _Scanner:
    """Everything one process needs to scan text: the rules and the options."""

    def __init__(self, rules: RuleSet, options: ScanOptions):
        self.rules = rules
        self.options = options

    def candidates(self, text: str, rel: str,
                   stopped: list[str] | None = None) -> list[tuple[int, _Candidate]]:
        """(priority, candidate) for every detector's matches that survive the filters; the rules that
        ran out of time on the text are appended to *stopped*."""
        opts = self.options
        out: list[tuple[int, _Candidate]] = []
        lower = text.lower()
        positions = self.rules.index.positions(lower)
        for match in self.rules.scan(text, rel, lower, positions, stopped):
            rid = match.rule.id
            if rid == "generic-api-key":
                if opts.is_placeholder(match.secret) or not self._generic_ok(match.secret):
                    continue
                name = _assigned_name(text, match.start)
                cand = _Candidate(rid, GENERIC_RULE, f"high-entropy value assigned to {name}", _HIGH,
                                  match.start, match.end, match.secret, "gitleaks:generic-api-key")
                out.append((_PRIORITY["generic-api-key"], cand))
                continue
            if opts.is_placeholder(match.secret) if rid in _CREDENTIAL_RULES else opts.in_token(match.secret):
                continue
            if rid in _CREDENTIAL_RULES and assign.is_reference(match.secret.strip("'\"")):
                continue
            if rid in _KEY_RULES and not _KEY_MATERIAL.search(match.secret):
                continue  # a header and footer in code that handles keys, or "MIIE...", not a key
            out.append((_PRIORITY.get(rid, _PRIORITY_DEFAULT), _from_rule(match)))
        aligned = len(lower) == len(text)
        anchors = [p for w in assign.ANCHOR_WORDS for p in positions.get(w, ())] if aligned else None
        out.extend((_PRIORITY["assignment"], c) for c in self._assignments(text, rel, anchors))
        if '"auths"' in text:
            out.extend((_PRIORITY["docker-registry-auth"], c) for c in _docker_auths(text))
        return out

    def _generic_ok(self, value: str) -> bool:
        opts = self.options
        return not (len(value) < opts.min_length or shannon_entropy(value) < opts.entropy
                    or assign.is_reference(value) or assign.is_uuid(value) or assign.has_secret_word(value)
                    or re.fullmatch(r"[A-Za-z_.-]+", value) or assign.looks_like_identifier(value)
                    or assign.looks_like_regex(value))

    @staticmethod
    def _quoted_passphrase(a: assign.Assignment, rel: str) -> bool:
        """A quoted password with spaces in a configuration file (``.env``, ini, TOML, YAML):
        ``DB_PASSWORD="Qu0ted #pw!"`` is one value there, where code would hold prose."""
        words = a.value.split()
        config = assign.file_style(rel) in ("env", "ini", "yaml") or rel.lower().endswith(".toml")
        # at most three words: a sentence of four or more is a message ("Must be 8+ chars")
        return (a.kind == "password" and a.quoted and config and "\n" not in a.value and len(words) <= 3
                and assign.looks_like_password("".join(words)))

    def _assignments(self, text: str, rel: str, anchors: list[int] | None) -> Iterable[_Candidate]:
        for a in assign.find_assignments(text, rel, anchors):
            value = a.value
            if a.raw_string or self.options.is_placeholder(value) or assign.is_reference(value):
                continue
            if any(c.isspace() for c in value):
                if self._quoted_passphrase(a, rel):
                    yield _Candidate("assignment", PASSWORD_RULE, f"password assigned to {a.name}", _HIGH,
                                     a.start, a.end, value, "echotune:assignment")
                continue
            if self._generic_ok(value):
                name = f"high-entropy value assigned to {a.name}"
                yield _Candidate("assignment", GENERIC_RULE, name, _HIGH, a.start, a.end, value,
                                 "echotune:assignment")
            elif a.kind == "password" and assign.looks_like_password(value):
                yield _Candidate("assignment", PASSWORD_RULE, f"password assigned to {a.name}", _HIGH,
                                 a.start, a.end, value, "echotune:assignment")

    def scan_text(self, text: str, rel: str, stopped: list[str] | None = None) -> list[Finding]:
        """The secrets in *text* of the file *rel*, masked, one per stretch of text, in file order
        (*stopped*: see :meth:`candidates`)."""
        ranked = sorted(self.candidates(text, rel, stopped), key=lambda pc: (pc[0], pc[1].start))
        lines = _LineIndex(text)
        skipped = lines.allowed_lines()
        taken: list[tuple[int, int]] = []
        findings: list[tuple[int, Finding]] = []
        for _, cand in ranked:
            if any(cand.start < end and start < cand.end for start, end in taken):
                continue
            taken.append((cand.start, cand.end))
            line, column = lines.position(cand.start)
            if line in skipped:
                continue
            findings.append((cand.start, _finding(cand, rel, line, column)))
        return [f for _, f in sorted(findings, key=lambda sf: sf[0])]


class _LineIndex:
    """Line and column of an offset in a text, and the lines a pragma allows."""

    def __init__(self, text: str):
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of *offset*."""
        index = bisect.bisect_right(self.starts, offset) - 1
        return index + 1, offset - self.starts[index] + 1

    def allowed_lines(self) -> set[int]:
        """Lines with ``pragma: allowlist secret`` or ``gitleaks:allow``, and the lines after
        ``pragma: allowlist nextline secret``."""
        text = self.text
        if _PRAGMA not in text and _PRAGMA_NEXT not in text and _GITLEAKS_ALLOW not in text:
            return set()
        allowed: set[int] = set()
        for n, line in enumerate(text.split("\n"), 1):
            if _PRAGMA in line or _GITLEAKS_ALLOW in line:
                allowed.add(n)
            if _PRAGMA_NEXT in line:
                allowed.add(n + 1)
        return allowed


def _docker_auths(text: str) -> Iterable[_Candidate]:
    """``auths.<registry>.auth`` (base64 of ``user:password``) and identity tokens in a Docker config."""
    for m in _DOCKER_AUTH.finditer(text):
        value = m.group(2)
        if m.group(1) == "auth":
            try:
                decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                continue
            user, sep, password = decoded.partition(":")
            if not sep or not password or password == user:
                continue
        name, rule_id, severity = "Docker registry credential", "secrets.docker-registry-auth", _HIGH
        yield _Candidate("docker-registry-auth", rule_id, name, severity, m.start(2), m.end(2), value,
                         "echotune:docker-registry-auth")


# What each rule finds, for rule metadata (SARIF): a finding's own name may hold the variable it is
# assigned to.
_RULE_TITLES = {
    **{rule_id: name for rule_id, name, _ in reversed(list(RULE_NAMES.values()))},
    PASSWORD_RULE: "password assigned to a password-like name",
    GENERIC_RULE: "high-entropy value assigned to a secret-like name",
}


def _finding(cand: _Candidate, rel: str, line: int, column: int) -> Finding:
    digest = secret_hash(cand.secret)
    masked = mask_secret(cand.secret)
    return Finding(
        rule_id=cand.rule_id,
        severity=cand.severity,
        message=f"{cand.name} {masked}; allow-list it with 'sha256:{digest[7:]}' if it is not a secret",
        source_tool="secrets",
        location=Location(rel, line, column),
        help_url=HELP,
        context=f"{cand.rule_id} {digest}",
        properties={"masked": masked, "hash": digest, "length": len(cand.secret), "detector": cand.detector,
                    "rule_description": f"Committed secret: {_RULE_TITLES.get(cand.rule_id, cand.name)}"},
    )


def scan_text(text: str, rel: str, *, entropy: float = 3.5, min_length: int = 12,
              placeholders: Sequence[str] = PLACEHOLDERS) -> list[Finding]:
    """The secrets in *text* of the file *rel* (its name picks the value syntax), masked."""
    options = ScanOptions(entropy=entropy, min_length=min_length, placeholders=tuple(placeholders))
    return _Scanner(default_rules(assign.ANCHOR_WORDS), options).scan_text(text, rel)


@dataclass
class _FileResult:
    rel: str
    status: str  # "text", "binary", "large", "unreadable", "skipped"
    findings: list[Finding]
    stopped: list[str] = field(default_factory=list)  # rules that ran out of time on the file
    detail: str = ""  # why a large or unreadable file was not scanned


def _relative(path: Path, root: Path) -> str:
    """*path*'s repo-relative name, without a system call when it was made by joining onto *root*."""
    try:
        rel = path.relative_to(root)
    except ValueError:
        return relative_to_root(path, root)
    return rel.as_posix() if ".." not in rel.parts else relative_to_root(path, root)


def _own_data_files() -> set[str]:
    """The rule files shipped with this package (never scanned: they are patterns, not secrets)."""
    folder = resources.files("echotune_ci.data")
    return {str(Path(str(folder.joinpath(name))).resolve()) for name in DATA_FILES}


_WORKER: _Scanner | None = None


def _scan_files(jobs: Sequence[tuple[str, str]], options: ScanOptions) -> list[_FileResult]:
    """Scan the (path, rel) files; in a worker process the scanner is built once per process."""
    global _WORKER
    if _WORKER is None or _WORKER.options != options:
        _WORKER = _Scanner(default_rules(assign.ANCHOR_WORDS), options)
    out: list[_FileResult] = []
    for path, rel in jobs:
        try:
            size = os.stat(path).st_size
            if size > options.max_file_bytes:
                # a 1.7 MB JPEG of a shop's public/ is binary, as small ones are, not a file left unscanned
                # (mern-ecommerce's security phase said "could not run" for frontend/public/shoes.jpg)
                with open(path, "rb") as fh:
                    head = fh.read(8192)
                if decode_text(head) is None:
                    out.append(_FileResult(rel, "binary", []))
                    continue
                why = f"{size:,} bytes, over [security.secrets] max_file_bytes ({options.max_file_bytes:,})"
                out.append(_FileResult(rel, "large", [], detail=why))
                continue
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as exc:  # gitleaks: "skipping file: permission denied" (a warning, not binary)
            out.append(_FileResult(rel, "unreadable", [], detail=f"cannot be read ({exc.strerror or exc})"))
            continue
        text = decode_text(data)
        if text is None:
            out.append(_FileResult(rel, "binary", []))
            continue
        if _WORKER.rules.skips_file(rel):  # gitleaks' global allow-list: lockfiles, vendored code...
            out.append(_FileResult(rel, "skipped", []))
            continue
        stopped: list[str] = []
        out.append(_FileResult(rel, "text", _WORKER.scan_text(text, rel, stopped), stopped))
    return out


def _pool_context() -> multiprocessing.context.BaseContext:
    """fork where it is safe and cheap (Linux, no other thread that could hold a lock), else spawn."""
    if sys.platform == "linux" and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _run_jobs(jobs: list[tuple[str, str]], options: ScanOptions, workers: int) -> list[_FileResult]:
    if workers <= 1 or len(jobs) < PARALLEL_FROM:
        return _scan_files(jobs, options)
    for rule in default_rules(assign.ANCHOR_WORDS).rules:
        rule.prepare()  # compiled once here, inherited by forked workers
    # Interleaved chunks: files of one folder (a folder of minified bundles) cost alike, and
    # contiguous chunks would leave one worker with the expensive folder at the end.
    count = max(1, min(workers * 16, len(jobs) // 16))
    chunks = [jobs[i::count] for i in range(count)]
    parts: list[list[_FileResult]] = []
    try:
        with concurrent.futures.ProcessPoolExecutor(workers, mp_context=_pool_context()) as pool:
            parts = list(pool.map(_scan_files, chunks, [options] * len(chunks)))
    except (concurrent.futures.process.BrokenProcessPool, OSError):
        # a worker could not start (a spawned worker re-imports the program's main module, which an
        # embedding program may not allow) or died: one process scans the files instead
        return _scan_files(jobs, options)
    results: list[_FileResult] = [None] * len(jobs)  # type: ignore[list-item]
    for i, part in enumerate(parts):
        results[i::count] = part
    return results


def default_workers() -> int:
    """Processes the scan uses: the CPUs this process may run on, at most 8."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(_MAX_WORKERS, cpus))


def _own_output(ctx: PhaseContext) -> list[Path]:
    """What the run writes, left out of the scan: its output folder when that lies inside the project,
    else (``-o .``: the project itself, or a folder above it) only the run's own subfolders and result
    files."""
    out = ctx.output_dir
    if out is None:
        return []
    root, folder = ctx.root.resolve(), out.resolve()
    if folder != root and folder.is_relative_to(root):
        return [out]
    from ...registry import PHASE_NAMES

    return [out / "artifacts", out / "report", out / "base", *(out / f"{name}.json" for name in PHASE_NAMES)]


def scan(root: Path, paths: Sequence[str], *, exclude: Sequence[str], allowlist: Allowlist,
         max_file_bytes: int, entropy: float, min_length: int, placeholders: Sequence[str] = PLACEHOLDERS,
         test_fixtures: Sequence[str] = (), workers: int | None = None,
         leave_out: Sequence[Path] = ()) -> SecretsReport:
    """Scan the text files under *paths* (default: *root*) for secrets.

    Files over *max_file_bytes* bytes, unreadable files and files a rule
    gave up on are skipped (``skipped``, with why); binary files are not text
    (``skipped_binary``); test fixtures (files matching *test_fixtures*,
    globs or folder names) are left out and listed; *entropy* (bits/char) and *min_length* (chars) bound the
    generic detector; a value containing one of *placeholders* is not a
    secret. *workers* processes share the files (default: the CPUs, at most 8;
    one below :data:`PARALLEL_FROM` files). Files under a folder of *leave_out* (the run's output folder:
    its results and screenshots are no project files) are not scanned, nor those of an earlier run's
    untracked output folder (:func:`earlier_outputs`; counted per folder in ``earlier_outputs``).
    InputError for a path that does not exist.
    """
    report = SecretsReport()
    own = _own_data_files()
    outputs = [p.resolve() for p in leave_out]
    files = collect_files(root, paths, exclude)
    targets = [Path(p) if Path(p).is_absolute() else root / p for p in paths] or [root]
    earlier = {p.resolve(): _relative(p, root) for p in earlier_outputs(files, targets)}
    jobs: list[tuple[str, str]] = []
    for path in files:
        rel = _relative(path, root)
        if allowlist.allows_path(rel) or (path.name in DATA_FILES and str(path.resolve()) in own):
            continue
        resolved = path.resolve() if outputs or earlier else path
        if outputs and any(resolved.is_relative_to(out) for out in outputs):
            continue
        folder = next((f for f in earlier if resolved.is_relative_to(f)), None)
        if folder is not None:
            report.earlier_outputs[earlier[folder]] = report.earlier_outputs.get(earlier[folder], 0) + 1
            continue
        if test_fixtures and is_excluded(rel, test_fixtures):
            report.skipped_fixtures.append(rel)
            continue
        jobs.append((str(path), rel))
    options = ScanOptions(entropy=entropy, min_length=min_length, placeholders=tuple(placeholders),
                          max_file_bytes=max_file_bytes)
    for result in _run_jobs(jobs, options, default_workers() if workers is None else workers):
        if result.status in ("large", "unreadable"):
            report.skipped.append((result.rel, result.detail))
            if result.status == "large":
                report.skipped_large.append(result.rel)
        elif result.status == "binary":
            report.skipped_binary.append(result.rel)
        elif result.status == "skipped":
            report.skipped_paths.append(result.rel)
        elif result.stopped:  # partly scanned: not counted as scanned
            report.stopped += [(result.rel, rule) for rule in result.stopped]
            report.skipped.append((result.rel, f"rule(s) {', '.join(result.stopped)} gave up after "
                                               f"{RULE_BUDGET:g} CPU s (Python's regex engine backtracks on "
                                               "this text); the rest of the file was not searched by them"))
            _keep(report, result.findings, allowlist)
        else:
            report.files += 1
            _keep(report, result.findings, allowlist)
    return report


def _keep(report: SecretsReport, findings: list[Finding], allowlist: Allowlist) -> None:
    """Add *findings* to *report*, counting the allow-listed ones instead."""
    for finding in findings:
        if allowlist.allows(finding.rule_id, finding.properties["hash"]):
            report.allowed += 1
        else:
            report.findings.append(finding)


class SecretsCheck:
    """[security.secrets]: the secret scan of the configured (or command-line) paths.

    Metrics: ``secrets.files`` (text files scanned), ``secrets.skipped_files``
    (too large, unreadable, or given up on: error, or warn with ``skipped =
    "warn"``; each named with why in a note), ``secrets.not_text`` (binary
    files), ``secrets.skipped_fixtures`` (files) and ``secrets.allowed``
    (secrets).
    """

    name = "secrets"

    def preflight(self, settings: SecuritySettings, ctx: PhaseContext) -> None:
        """InputError for a path that does not exist, ConfigError for an allow-list line it cannot read."""
        opts = settings.secrets
        require_paths(ctx, opts.paths)
        load_allowlist(ctx.resolve(opts.allowlist) if opts.allowlist else None)

    def run(self, settings: SecuritySettings, ctx: PhaseContext) -> CheckOutput:
        """Scan; ConfigError for a bad allow-list line, InputError for a missing path."""
        opts = settings.secrets
        allow_path = ctx.resolve(opts.allowlist) if opts.allowlist else None
        report = scan(ctx.root, [str(ctx.resolve(p)) for p in opts.paths], exclude=opts.exclude,
                      allowlist=load_allowlist(allow_path), max_file_bytes=opts.max_file_bytes,
                      entropy=opts.entropy, min_length=opts.min_length, placeholders=opts.placeholders,
                      test_fixtures=opts.test_fixtures, leave_out=_own_output(ctx))
        out = CheckOutput(findings=report.findings)
        skipped, out.notes, out.warnings, out.errors = skipped_files(
            "secrets", report.skipped, opts.skipped, scanner="the secret scan")
        out.notes += [f"secrets: left out {folder}/ ({count} files): an earlier run's output, not tracked "
                      "by git"
                      for folder, count in report.earlier_outputs.items()]
        out.metrics += [
            Metric("secrets.files", report.files, "files", description="Text files scanned for secrets"),
            skipped,
            Metric("secrets.not_text", len(report.skipped_binary), "files",
                   description="Binary files (a NUL byte, no text byte-order mark): not text, not scanned"),
            Metric("secrets.skipped_fixtures", len(report.skipped_fixtures), "files",
                   description="Test files not scanned ([security.secrets] test_fixtures)"),
            Metric("secrets.allowed", report.allowed, "secrets", description="Matches on the allow-list"),
        ]
        out.tool_versions["gitleaks-rules"] = GITLEAKS_VERSION
        return out


CHECK: SecurityCheck = SecretsCheck()
