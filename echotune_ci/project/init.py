"""``init``: write echotune.toml and the caller workflows for a repository's detected stack.

The stack comes from :func:`echotune_ci.project.detect.detect_stack` (files
are read, nothing is installed or run). Existing files are never overwritten
without ``force``, and either every file is written or none.
"""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from .detect import AppSetup, detect_stack

DEFAULT_REPOSITORY = "echotune/echotune-ci"
_SHA = re.compile(r"^[0-9a-f]{40}$")
_DEFAULT_PHASES = ("security", "frontend", "load")


@dataclass(frozen=True)
class Initialised:
    """What ``init`` did: the app setup it wrote and the files (absolute or under the root)."""

    app: AppSetup
    written: list[Path]


def init_project(root: Path, *, ref: str | None = None, repository: str = DEFAULT_REPOSITORY,
                 serve_command: str | None = None, research: bool = False,
                 force: bool = False) -> Initialised:
    """Detect the stack of *root* and write echotune.toml and the workflows pinned to *ref*.

    *ref* defaults to the running echotune-ci's commit (:func:`echotune_ref`);
    *serve_command* replaces the detected one, and is required when nothing
    is detected. Raises InputError (exit 2) for a ref that is not a full
    commit SHA, an undetectable stack, a malformed manifest or files that
    exist (without *force*); ConfigError if the written config would not load.
    """
    pinned = check_ref(ref or echotune_ref() or "")
    app = app_setup(root, serve_command)
    files = plan_files(root, app, ref=pinned, repository=repository, research=research)
    return Initialised(app, write_files(root, files, force=force))


def check_ref(ref: str) -> str:
    """*ref* in lower case when it is a full 40-character commit SHA; InputError otherwise."""
    ref = ref.lower()
    if not _SHA.match(ref):
        raise InputError("--ref must be the full 40-character commit SHA of echotune-ci to pin "
                         "(a tag can be moved to other code)" if ref else
                         "cannot tell which echotune-ci commit to pin: pass --ref <40-character commit SHA>")
    return ref


def app_setup(root: Path, serve_command: str | None = None) -> AppSetup:
    """The detected setup of *root* with *serve_command* (if given) in place of the detected command.

    Without a detected stack, *serve_command* makes a custom setup; without
    either, InputError. A malformed top-level manifest is an InputError too.
    """
    stack = detect_stack(root)
    if stack.app_error:
        raise InputError(stack.app_error)
    if stack.app is None:
        if not serve_command:
            raise InputError(f"{root}: no package.json, pyproject.toml, requirements.txt or Dockerfile: "
                             "pass --serve-command 'CMD' (with {port})")
        return AppSetup(kind="custom", framework="custom", serve_command=serve_command,
                        phases=list(_DEFAULT_PHASES), evidence=["--serve-command"])
    if serve_command:
        stack.app.serve_command = serve_command
    return stack.app


# ---------------------------------------------------------------------------- the ref to pin


def echotune_ref() -> str | None:
    """The commit of the running echotune-ci: pip's record of a git install, or the source checkout."""
    from importlib import metadata

    try:
        direct = metadata.distribution("echotune-ci").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        direct = None
    if direct:
        try:
            commit = (json.loads(direct).get("vcs_info") or {}).get("commit_id", "")
        except json.JSONDecodeError:
            commit = ""
        if _SHA.match(commit or ""):
            return str(commit)
    source = Path(__file__).resolve().parents[2]
    if (source / ".git").exists() and (source / "action.yml").is_file():
        return _checkout_head(source)
    return None


def _checkout_head(source: Path) -> str | None:
    try:
        proc = subprocess.run(["git", "-C", str(source), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    sha = proc.stdout.strip()
    return sha if proc.returncode == 0 and _SHA.match(sha) else None


# ---------------------------------------------------------------------------- files


def plan_files(root: Path, app: AppSetup, *, ref: str, repository: str = DEFAULT_REPOSITORY,
               research: bool = False) -> dict[str, str]:
    """Relative path -> text of every file ``init`` writes (the research workflow only with *research*).

    Raises ConfigError when the echotune.toml it would write does not validate.
    """
    ctx: dict[str, Any] = {"app": app, "ref": ref, "repository": repository, "name": root.resolve().name,
                           "q": json.dumps}
    files = {
        "echotune.toml": _render("init/echotune.toml.j2", **ctx),
        ".github/workflows/echotune.yml": _render("init/workflow-gate.yml.j2", **ctx),
        ".github/workflows/echotune-report.yml": _render("init/workflow-report.yml.j2", **ctx),
    }
    if research:
        files[".github/workflows/echotune-research.yml"] = _render("init/workflow-research.yml.j2", **ctx)
    _validate_config(files["echotune.toml"], root / "echotune.toml")
    return files


def _render(template: str, **context: Any) -> str:
    # The environment the reports share (filters, strict undefined), imported only when init writes.
    from ..report.render import environment

    return environment().get_template(template).render(**context)


def _validate_config(text: str, where: Path) -> None:
    from ..config import parse_config

    parse_config(tomllib.loads(text), "", str(where))


def write_files(root: Path, files: dict[str, str], *, force: bool = False) -> list[Path]:
    """Write *files* (relative path -> text) under *root*, atomically each; returns the paths.

    Raises InputError, writing nothing, when one exists already and *force* is false.
    """
    from ..fsutil import write_text_atomic

    targets = {rel: root / rel for rel in files}
    existing = [rel for rel, path in targets.items() if path.exists()]
    if existing and not force:
        verb = "exists" if len(existing) == 1 else "exist"
        raise InputError(f"{root}: {', '.join(existing)} already {verb}; nothing written "
                         "(use --force to overwrite)")
    return [write_text_atomic(targets[rel], text) for rel, text in files.items()]
