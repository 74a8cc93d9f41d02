"""The [propose] section: how findings become pull requests."""

from __future__ import annotations

from dataclasses import dataclass

from ..config.schema import item, seconds, setting
from ..phases.registry import PHASE_NAMES
from ..results.model import SEVERITIES

# Paths a proposed change may not touch unless listed in allow_paths, in .gitignore syntax (a
# pattern without a slash matches at any depth, "dir/" a folder and all below it). CI and hook
# definitions run with the repository's secrets or on every developer's machine; .gitattributes and
# .gitmodules change what git itself does (filters, submodule URLs); the rest usually holds secrets.
PROTECTED_PATHS = (
    ".git/", ".github/", "CODEOWNERS", ".gitattributes", ".gitmodules",
    ".gitlab-ci.yml", ".gitlab/", ".circleci/", ".buildkite/", ".travis.yml", "Jenkinsfile",
    "azure-pipelines.yml", ".azure-pipelines/", "bitbucket-pipelines.yml", ".drone.yml", ".woodpecker.yml",
    ".woodpecker/", "appveyor.yml", ".appveyor.yml", ".cirrus.yml", ".semaphore/", ".teamcity/", ".ci/",
    ".pre-commit-config.yaml", ".pre-commit-hooks.yaml", ".husky/", ".githooks/", ".hooks/", "lefthook.yml",
    ".lefthook.yml", "lefthook-local.yml",
    ".env", ".env.*", "*.pem", "*.key", "id_rsa*", "id_ed25519*", ".npmrc", ".yarnrc.yml", ".pypirc",
    ".netrc", "secrets.*", "credentials*",
)


def _patterns(value: tuple[str, ...]) -> str | None:
    """Every pattern is one .gitignore line that selects something (negation goes to allow_paths)."""
    for pattern in value:
        if not pattern.strip() or pattern.startswith(("!", "#")):
            return (f"must hold .gitignore-style patterns that select paths, got {pattern!r} "
                    "(list exceptions in [propose] allow_paths instead of '!')")
    return None


def _branch_prefix(value: str) -> str | None:
    if not value.endswith("/") or value.startswith("/") or ".." in value or " " in value:
        return "must end with '/' and be a valid branch name prefix (e.g. 'echotune/')"
    return None


def _author(value: str) -> str | None:
    return None if "<" in value and value.endswith(">") else "must look like 'Name <email>'"


@dataclass(frozen=True)
class ProposeSettings:
    """[propose]: proposal branches, pull requests and the checks a change must pass."""

    enabled: bool = setting(True, doc="false: propose opens nothing.")
    base: str = setting("", doc="Branch the pull requests target (default: the checked-out branch).")
    remote: str = setting("origin", doc="Git remote that receives the proposal branches.")
    branch_prefix: str = setting("echotune/", check=_branch_prefix, doc="Prefix of the proposal branches.")
    labels: tuple[str, ...] = setting(("echotune", "automated"), doc="Labels of the pull requests.")
    max_open_prs: int = setting(5, min=0, doc="Cap on open proposal pull requests; updates are always made.")
    draft: bool = setting(True, doc="Open pull requests as drafts.")
    fixers: bool = setting(True, doc="Raise vulnerable pins to the first fixed version.")
    fixer_topic: str = setting("security-pins", doc="Branch topic of the pin fixes.")
    research_patches: int = setting(0, min=0, max=20,
                                    doc="Ask the research provider for a patch for up to this many findings.")
    patch_severity: str = setting("high", choices=SEVERITIES, doc="Lowest severity a patch is asked for.")
    context_lines: int = setting(40, min=0, max=400, doc="Lines of file excerpt around a finding.")
    max_patch_bytes: int = setting(64 * 1024, min=1, doc="Largest diff accepted.")
    max_files: int = setting(20, min=1, doc="Most files one change may touch.")
    protected_paths: tuple[str, ...] = setting(PROTECTED_PATHS, check=_patterns,
                                               doc=".gitignore-style patterns of paths a change may "
                                                   "not touch (compared case-insensitively).")
    allow_paths: tuple[str, ...] = setting((), check=_patterns,
                                           doc="Patterns that may be changed despite protected_paths.")
    allow_executable: bool = setting(False, doc="Let a change set or clear a file's executable bit.")
    allow_symlinks: bool = setting(False, doc="Let a change add or retarget a symbolic link (it must still "
                                              "point inside the repository, at no protected path).")
    test_command: str = setting("", doc="Shell command run on the proposal branch; a change that fails it is "
                                        "rejected.")
    test_timeout: float = setting(600.0, parse=seconds, min=1, doc="Longest the test command may take.")
    gates: tuple[str, ...] = setting((), item=item(choices=PHASE_NAMES),
                                     doc="Phases re-run on the branch for the before/after table.")
    gate_timeout: float = setting(900.0, parse=seconds, min=1, doc="Longest the re-run may take.")
    author: str = setting("EchoTune CI <echotune-ci@users.noreply.github.com>", check=_author,
                          doc="Author of the proposal commits.")
