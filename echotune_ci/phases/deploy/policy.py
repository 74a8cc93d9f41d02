"""What the deployment files promise and the linters do not check (rule ids ``deploy.*``).

- ``deploy.base-not-pinned`` (low): a ``FROM`` image without a real
  ``@sha256:`` digest (the ``<digest>`` placeholder ``init --deploy`` writes
  counts as not pinned: the build fails until it is replaced);
- ``deploy.secret-in-image`` (high): an ``ENV``/``ARG`` that gives a
  credential-named variable a value, or a ``COPY``/``ADD`` of a ``.env`` file:
  both end up in a layer anyone who pulls the image can read;
- ``deploy.root-user`` (medium): the final stage never switches to another
  user (hadolint's DL3002 only sees an explicit ``USER root``);
- ``deploy.no-healthcheck`` (low): the final stage has no ``HEALTHCHECK``;
- ``deploy.dockerignore`` (medium): no ``.dockerignore`` beside the
  Dockerfile that keeps ``.env`` out of the build context;
- ``deploy.not-executable`` (low): a script without its execute bit
  (deploy-production.sh runs ``./health-check.sh``).
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path

from ...results import Finding, Location
from .linters import shown_path

HELP = "https://docs.docker.com/build/building/best-practices/"
_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
_INSTRUCTION = re.compile(r"^\s*([A-Za-z]+)\s+(.*)$")


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction: its keyword (upper case), arguments (continuations joined) and line."""

    keyword: str
    args: str
    line: int


def instructions(text: str) -> list[Instruction]:
    """The instructions of a Dockerfile with the line each starts on (comments and blank lines skipped)."""
    out: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        if not pending and (not raw.strip() or raw.lstrip().startswith("#")):
            continue
        if not pending:
            start = number
        if raw.lstrip().startswith("#"):
            continue  # a comment inside a continued instruction
        if raw.rstrip().endswith("\\"):
            pending.append(raw.rstrip()[:-1])
            continue
        pending.append(raw)
        m = _INSTRUCTION.match(" ".join(p.strip() for p in pending))
        pending = []
        if m:
            out.append(Instruction(m.group(1).upper(), m.group(2).strip(), start))
    return out


def _finding(rule: str, severity: str, message: str, rel: str, line: int | None, context: str,
             url: str = HELP) -> Finding:
    return Finding(rule_id=rule, severity=severity, message=message, source_tool="echotune-ci",
                   location=Location(rel, line), context=context, help_url=url)


def dockerfile_findings(dockerfile: Path, *, root: Path) -> list[Finding]:
    """The ``deploy.*`` rules of the module docstring on *dockerfile* (and its ``.dockerignore``)."""
    from ...masking import is_secret_name

    rel = shown_path(dockerfile, root)
    steps = instructions(dockerfile.read_text(encoding="utf-8", errors="replace"))
    out: list[Finding] = []
    stages: set[str] = set()
    final: list[Instruction] = []
    for step in steps:
        if step.keyword == "FROM":
            words = [w for w in step.args.split() if not w.startswith("--")]
            image = words[0] if words else ""
            if len(words) >= 3 and words[1].lower() == "as":
                stages.add(words[2].lower())
            final = []
            if image.lower() not in stages and image.lower() != "scratch" and "$" not in image \
                    and not _DIGEST.search(image):
                what = "has the <digest> placeholder" if "<digest>" in image else "has no digest"
                out.append(_finding("deploy.base-not-pinned", "low",
                                    f"{rel}:{step.line}: the base image {image} {what}: pin it with "
                                    f"`docker buildx imagetools inspect {image.split('@')[0]}` "
                                    "(the Digest line)",
                                    rel, step.line, f"FROM {image}"))
        final.append(step)
        if step.keyword in ("ENV", "ARG"):
            for name, value in _assignments(step):
                if is_secret_name(name) and value:
                    out.append(_finding("deploy.secret-in-image", "high",
                                        f"{rel}:{step.line}: {step.keyword} {name} puts a credential into "
                                        "the image; pass it at run time (env_file) or as a build secret "
                                        "(RUN --mount=type=secret)", rel, step.line,
                                        f"{step.keyword} {name}"))
        if step.keyword in ("COPY", "ADD"):
            sources = [w for w in step.args.split() if not w.startswith("--")][:-1]
            for source in sources:
                base = source.rstrip("/").rsplit("/", 1)[-1]
                if fnmatch.fnmatch(base, ".env*") and not base.endswith(".example"):
                    out.append(_finding("deploy.secret-in-image", "high",
                                        f"{rel}:{step.line}: {step.keyword} {source} copies an environment "
                                        "file into the image; read it at run time (env_file)",
                                        rel, step.line, f"{step.keyword} {source}"))
    out += _final_stage(final, rel)
    out += dockerignore_findings(dockerfile.parent, root=root)
    return out


def _assignments(step: Instruction) -> list[tuple[str, str]]:
    """(name, value) of ``ENV A=1 B=2`` / ``ENV A 1`` / ``ARG A=1`` (value "" when none)."""
    if step.keyword == "ENV" and "=" not in step.args.split(" ", 1)[0]:
        name, _, value = step.args.partition(" ")
        return [(name, value.strip())]
    out = []
    for word in re.findall(r"""[^\s"']+(?:=(?:"[^"]*"|'[^']*'|\S*))?""", step.args):
        name, _, value = word.partition("=")
        out.append((name, value.strip("\"'")))
    return out


def _final_stage(final: list[Instruction], rel: str) -> list[Finding]:
    if not final:
        return []
    start = final[0].line
    out = []
    users = [s for s in final if s.keyword == "USER"]
    if not users:
        out.append(_finding("deploy.root-user", "medium",
                            f"{rel}:{start}: the final stage runs as root (no USER): switch to an "
                            "unprivileged user", rel, start, "final stage USER"))
    if not any(s.keyword == "HEALTHCHECK" and not s.args.upper().startswith("NONE") for s in final):
        out.append(_finding("deploy.no-healthcheck", "low",
                            f"{rel}:{start}: the final stage has no HEALTHCHECK: the orchestrator cannot "
                            "tell a hung app from a healthy one", rel, start, "final stage HEALTHCHECK"))
    return out


def dockerignore_findings(folder: Path, *, root: Path) -> list[Finding]:
    """``deploy.dockerignore`` when *folder* has no ``.dockerignore`` or it lets ``.env`` into the context
    (Docker's rule: the last pattern that matches decides, ``!`` re-includes)."""
    path = folder / ".dockerignore"
    rel = shown_path(path, root)
    if not path.is_file():
        return [_finding("deploy.dockerignore", "medium",
                         f"{rel}: missing: the whole folder, .env files included, is sent to the build",
                         rel, None, ".dockerignore missing")]
    excluded = False
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        pattern = raw.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negated = pattern.startswith("!")
        pattern = pattern.lstrip("!").lstrip("/")
        if fnmatch.fnmatch(".env", pattern) or fnmatch.fnmatch(".env", pattern.removeprefix("**/")):
            excluded = not negated
    if excluded:
        return []
    return [_finding("deploy.dockerignore", "medium",
                     f"{rel}: does not exclude .env: add the line .env (and .env.*) so secrets never reach "
                     "the build context", rel, None, ".dockerignore .env")]


def script_findings(scripts: list[Path], *, root: Path) -> list[Finding]:
    """``deploy.not-executable`` for each of *scripts* without an execute bit."""
    out = []
    for script in scripts:
        if not script.stat().st_mode & 0o111:
            rel = shown_path(script, root)
            out.append(_finding("deploy.not-executable", "low",
                                f"{rel}: not executable: chmod +x {script.name} (and commit the mode)",
                                rel, None, "mode", url="https://git-scm.com/docs/git-update-index#_options"))
    return out
