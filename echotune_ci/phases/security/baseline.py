"""A baseline of known findings, keyed by fingerprint.

Fingerprints ignore line numbers and count identical findings
(``<hash>:<n>``), so a baseline survives moved code while a second copy of a
known problem still shows up as new. Any phase may use it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import InputError
from ...fsutil import read_json, write_json_atomic
from ...results import Finding, now_iso

BASELINE_VERSION = 1


@dataclass
class Baseline:
    """Known findings by fingerprint; ``finding in baseline`` asks whether it is known.

    ``path`` is the file it was read from (None for an empty, in-memory
    baseline); ``entries`` maps a fingerprint to the entry written for it.
    """

    path: Path | None = None
    entries: dict[str, dict[str, str]] = field(default_factory=dict)

    def __contains__(self, finding: Finding) -> bool:
        return finding.fingerprint in self.entries

    def __len__(self) -> int:
        return len(self.entries)


def load_baseline(path: str | Path) -> Baseline:
    """Read a baseline file; a missing file is an empty baseline.

    Raises InputError (exit 2) when the file cannot be read, is not JSON
    ("<path>:<line>: baseline is not JSON") or is not a baseline.
    """
    p = Path(path)
    if not p.exists():
        return Baseline(path=p)
    data = read_json(p, "baseline")
    entries = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(isinstance(e, dict) and isinstance(e.get("fingerprint"), str)
                                                for e in entries):
        raise InputError(f"{p}: not an EchoTune baseline "
                         '(expected {"findings": [{"fingerprint": ...}]})')
    return Baseline(path=p, entries={e["fingerprint"]: e for e in entries})


def write_baseline(path: str | Path, findings: Iterable[Finding]) -> Path:
    """Write every finding as known (atomically); returns *path* as a Path.

    Entries keep rule, path and message so a reviewer can read what was
    accepted; secrets are already masked upstream. RunError when it cannot
    be written.
    """
    entries = [
        {
            "fingerprint": f.fingerprint,
            "source_tool": f.source_tool,
            "rule_id": f.rule_id,
            "severity": f.severity,
            "path": f.location.path if f.location else "",
            "message": f.message,
        }
        for f in sorted(findings, key=lambda f: f.fingerprint)
    ]
    document = {"version": BASELINE_VERSION, "generated_at": now_iso(), "findings": entries}
    return write_json_atomic(path, document)


def split_known(findings: list[Finding], baseline: Baseline) -> tuple[list[Finding], list[Finding]]:
    """(new, known), each in the order of *findings*; fingerprints must already be assigned."""
    new = [f for f in findings if f not in baseline]
    known = [f for f in findings if f in baseline]
    return new, known
