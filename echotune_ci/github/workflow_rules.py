"""Our own rules for workflow and action files, beyond GitHub's JSON schemas.

- every remote ``uses:`` is pinned to a full 40-character commit SHA (a tag
  can be moved to other code; local ``./`` actions and ``docker://`` images
  with a digest are fine);
- every job declares its ``permissions:`` and none asks for ``write-all``;
- no ``${{ ... }}`` expression inside a ``run:`` script: values reach scripts
  through ``env:``, so text from an event (a branch name, a PR title) can never
  become shell code;
- nothing checks out the head of a ``workflow_run`` (that is the untrusted code
  the two-stage pattern keeps away from the write token).

``python -m echotune_ci.github.workflow_rules FILE...`` prints the problems and
exits 1 when there are any.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any
from collections.abc import Iterator

_PINNED = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(/[^@]+)?@[0-9a-f]{40}$")
_DOCKER_DIGEST = re.compile(r"^docker://[^@]+@sha256:[0-9a-f]{64}$")
_EXPRESSION = re.compile(r"\$\{\{")
_UNTRUSTED_REF = re.compile(r"workflow_run\.head_(sha|branch)|pull_request\.head\.(sha|ref)")


def _load(path: Path) -> Any:
    import yaml

    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"{path}: cannot read YAML ({exc})") from None


def _uses_problem(uses: str) -> str | None:
    if uses.startswith("./"):
        return None
    if uses.startswith("docker://"):
        return None if _DOCKER_DIGEST.match(uses) else f"'{uses}' is not pinned to an image digest"
    if not _PINNED.match(uses):
        return f"'{uses}' is not pinned to a full commit SHA"
    return None


def _step_problems(step: dict[str, Any], where: str, *, untrusted_trigger: bool) -> Iterator[str]:
    uses = step.get("uses")
    if isinstance(uses, str):
        problem = _uses_problem(uses)
        if problem:
            yield f"{where}: {problem}"
        ref = str((step.get("with") or {}).get("ref", ""))
        if uses.startswith("actions/checkout@") and untrusted_trigger and _UNTRUSTED_REF.search(ref):
            yield f"{where}: checks out untrusted pull request code ({ref}) in a privileged workflow"
    run = step.get("run")
    if isinstance(run, str) and _EXPRESSION.search(run):
        yield f"{where}: '${{{{ }}}}' expression inside run: (pass it through env:)"


def _step_name(step: Any, index: int) -> str:
    if isinstance(step, dict):
        return str(step.get("id") or step.get("name") or f"step {index + 1}")
    return f"step {index + 1}"


def _triggers(doc: dict[Any, Any]) -> set[Any]:
    # YAML 1.1 reads the key `on` as True.
    triggers = doc.get("on", doc.get(True))
    if isinstance(triggers, dict):
        return set(triggers)
    return set(triggers or []) if isinstance(triggers, list) else {triggers}


def _job_problems(job: Any, where: str, *, untrusted_trigger: bool) -> list[str]:
    if not isinstance(job, dict):
        return [f"{where}: not a mapping"]
    problems: list[str] = []
    if "permissions" not in job:
        problems.append(f"{where}: declares no permissions:")
    elif job["permissions"] == "write-all":
        problems.append(f"{where}: permissions: write-all")
    problem = _uses_problem(job["uses"]) if isinstance(job.get("uses"), str) else None
    if problem:
        problems.append(f"{where}: {problem}")
    for i, step in enumerate(job.get("steps") or []):
        if isinstance(step, dict):
            problems.extend(_step_problems(step, f"{where}, {_step_name(step, i)}",
                                           untrusted_trigger=untrusted_trigger))
    return problems


def workflow_problems(path: Path) -> list[str]:
    """Our rules for a workflow file: actions pinned by full SHA, least permissions, no ${{ github.event.* }}
    text inside run: scripts ...; one line per problem."""
    doc = _load(path)
    if not isinstance(doc, dict):
        return [f"{path}: not a workflow (expected a mapping)"]
    untrusted_trigger = bool(_triggers(doc) & {"workflow_run", "pull_request_target"})
    problems: list[str] = []
    if doc.get("permissions") == "write-all":
        problems.append(f"{path}: permissions: write-all")
    for job_id, job in (doc.get("jobs") or {}).items():
        problems.extend(_job_problems(job, f"{path}: job {job_id}", untrusted_trigger=untrusted_trigger))
    return problems


def action_problems(path: Path) -> list[str]:
    """The same rules for a composite action.yml."""
    doc = _load(path)
    runs = doc.get("runs") if isinstance(doc, dict) else None
    if not isinstance(runs, dict):
        return [f"{path}: not an action (no runs:)"]
    problems: list[str] = []
    for i, step in enumerate(runs.get("steps") or []):
        if isinstance(step, dict):
            problems.extend(_step_problems(step, f"{path}: {_step_name(step, i)}", untrusted_trigger=False))
    return problems


def problems(paths: list[Path]) -> list[str]:
    """Problems of each file in *paths* (workflows or action.yml)."""
    out: list[str] = []
    for path in paths:
        if path.name in ("action.yml", "action.yaml"):
            out.extend(action_problems(path))
        else:
            out.extend(workflow_problems(path))
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line: print each problem, exit 1 when there is one."""
    args = [Path(a) for a in (sys.argv[1:] if argv is None else argv)]
    try:
        found = problems(args)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    for p in found:
        print(p)
    if not found:
        print(f"ok: {len(args)} file(s) follow the workflow rules")
    return 1 if found else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
