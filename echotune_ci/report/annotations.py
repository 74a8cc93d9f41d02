"""GitHub workflow-command annotations (``::error file=…,line=…::message``).

Every field (message, title, path) is untrusted: control characters,
terminal escape sequences and bidi overrides are removed
(:func:`~echotune_ci.report.escape.clean_text`), then the runner's own
escaping is applied (``%``, CR, LF in data; also ``:`` and ``,`` in
properties), so a field can neither end the command nor start another line.

GitHub shows at most 10 error and 10 warning annotations per step and 50 per
job; the rest are dropped silently. We keep the most severe within the caps
and end with a notice saying how many more the report holds.
"""

from ..gate import GateOutcome
from ..results import PhaseResult, severity_rank
from .base import repository_path
from .escape import clean_text
from .render import render

MAX_PER_LEVEL = 10


def _escape_data(text: str) -> str:
    text = clean_text(text, keep_newlines=True)
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(clean_text(text)).replace(":", "%3A").replace(",", "%2C")


def _command(level: str, message: str, *, title: str, path: str | None = None,
             line: int | None = None) -> str:
    props = []
    if path:
        props.append(f"file={_escape_property(path)}")
        if line:
            props.append(f"line={line}")
    props.append(f"title={_escape_property(title)}")
    return f"::{level} {','.join(props)}::{_escape_data(message)}"


def annotations(results: list[PhaseResult], outcome: GateOutcome | None = None, *,
                per_level: int = MAX_PER_LEVEL, source_root: str = "") -> list[str]:
    """Workflow commands for failed checks and findings, most severe first, at most *per_level* per level
    (GitHub shows 10), with a notice saying how many more the report holds. File paths are named from the
    repository's root (*source_root*: where the findings' paths start, :func:`.base.repository_path`)."""
    entries: list[tuple[int, str, str]] = []  # (rank, level, command)
    if outcome is not None:
        for c in outcome.checks:
            if c.status in ("fail", "error"):
                entries.append((100, "error",
                                _command("error", c.detail, title=f"EchoTune {c.phase}: {c.rule}")))
    for r in results:
        for f in r.findings:
            level = "error" if severity_rank(f.severity) >= severity_rank("high") else (
                "warning" if severity_rank(f.severity) >= severity_rank("low") else "notice")
            loc = f.location
            if loc is not None and loc.path == f.properties.get("url"):
                loc = None  # a page (frontend), not a file GitHub could annotate
            entries.append((
                severity_rank(f.severity),
                level,
                _command(level, f.message, title=f"{f.source_tool} {f.rule_id}",
                         path=repository_path(loc.path, source_root) if loc else None,
                         line=loc.line if loc else None),
            ))
    entries.sort(key=lambda e: -e[0])
    shown: dict[str, int] = {}
    lines, dropped = [], 0
    for _, level, cmd in entries:
        if shown.get(level, 0) >= per_level:
            dropped += 1
            continue
        shown[level] = shown.get(level, 0) + 1
        lines.append(cmd)
    if dropped:
        lines.append("::notice title=EchoTune CI::"
                     + _escape_data(render("annotations_more.txt.j2", dropped=dropped).strip()))
    return lines
