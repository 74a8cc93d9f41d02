"""Configuration of the [propose] section (owned by the propose phase)."""

from ..spec import Field, Table

SEVERITIES = ("info", "low", "medium", "high", "critical")

# Paths a proposed change may not touch unless listed in allow_paths: CI
# definitions (a change there runs with the repository's secrets) and files
# that usually hold secrets.
PROTECTED_PATHS = [
    ".github/workflows/**", ".github/actions/**", ".github/CODEOWNERS", ".gitlab-ci.yml", ".circleci/**",
    ".travis.yml", "Jenkinsfile", "azure-pipelines.yml", "bitbucket-pipelines.yml", ".ci/**",
    ".pre-commit-config.yaml", ".gitmodules", ".gitattributes",
    ".env", ".env.*", "**/.env", "**/.env.*", "*.pem", "**/*.pem", "*.key", "**/*.key", "**/id_rsa*",
    "**/id_ed25519*", "**/.npmrc", "**/.pypirc", "**/.netrc", "**/secrets.*", "**/credentials*",
]


def _branch_prefix(value: str) -> str | None:
    if not value.endswith("/") or value.startswith("/") or ".." in value or " " in value:
        return "must end with '/' and be a valid branch name prefix (e.g. 'echotune/')"
    return None


SPEC = Table(
    {
        "enabled": Field(bool, True),
        "base": Field(str, "", doc="Branch the pull requests target (default: the checked-out branch)."),
        "remote": Field(str, "origin", doc="Git remote that receives the proposal branches."),
        "branch_prefix": Field(str, "echotune/", check=_branch_prefix),
        "labels": Field(list, ["echotune", "automated"], items=Field(str)),
        "max_open_prs": Field(int, 5, min=0, doc="Cap on open proposal pull requests; updates are always made."),
        "draft": Field(bool, True),
        "fixers": Field(bool, True, doc="Raise vulnerable pins to the first fixed version."),
        "fixer_topic": Field(str, "security-pins"),
        "research_patches": Field(int, 0, min=0, max=20,
                                  doc="Ask the research provider for a patch for up to this many findings."),
        "patch_severity": Field(str, "high", choices=SEVERITIES, doc="Lowest severity a patch is asked for."),
        "context_lines": Field(int, 40, min=0, max=400, doc="Lines of file excerpt around a finding."),
        "max_patch_bytes": Field(int, 64 * 1024, min=1),
        "max_files": Field(int, 20, min=1),
        "protected_paths": Field(list, list(PROTECTED_PATHS), items=Field(str)),
        "allow_paths": Field(list, [], items=Field(str), doc="Globs that may be changed despite protected_paths."),
        "test_command": Field(str, "", doc="Shell command run on the proposal branch; a change that fails it "
                                           "is rejected."),
        "test_timeout": Field("duration", 600.0, min=1),
        "gates": Field(list, [], items=Field(str, choices=("security", "load", "frontend", "bundle")),
                       doc="Phases re-run on the branch for the before/after table."),
        "gate_timeout": Field("duration", 900.0, min=1),
        "author": Field(str, "EchoTune CI <echotune-ci@users.noreply.github.com>",
                        check=lambda v: None if "<" in v and v.endswith(">") else "must look like 'Name <email>'"),
    }
)
