"""propose without a remote: the pin fixer, the checks every patch passes, paths, diffs in answers."""

from __future__ import annotations

import pytest

from echotune_ci.propose.fixers import Checkout, first_fixed, pin_fixes
from echotune_ci.propose.settings import PROTECTED_PATHS, ProposeSettings
from echotune_ci.propose.validate import Rejected, check_patch, extract_diff
from echotune_ci.results import Finding, Location, assign_fingerprints


def test_pin_fixer_picks_the_first_fixed_version_above_the_pin(tmp_path):
    (tmp_path / "req").mkdir()
    (tmp_path / "req" / "base.txt").write_text(
        "Flask[async] == 2.2.4 ; python_version > '3'\nDjango==3.2.1\n")

    def finding(pkg, version, fixed, rule, file="req/base.txt"):
        return Finding(rule, "high", f"{pkg} {version}", "pip-audit", Location(file),
                       properties={"package": pkg, "version": version, "fixed_versions": fixed, "aliases": [],
                                   "requirements_file": file})

    found = assign_fingerprints([
        finding("flask", "2.2.4", ["2.3.2", "2.2.5"], "A"),
        finding("django", "3.2.1", ["3.2.2"], "B"), finding("django", "3.2.1", ["4.0", "3.2.4"], "C"),
        finding("jinja2", "2.10", [], "D"), finding("pyyaml", "5.3", ["5.4"], "E"),
        finding("x", "1", ["2"], "F", file="../outside.txt"),
    ])
    change, skipped = pin_fixes(found, Checkout(tmp_path, tmp_path), "pins")
    assert change is not None
    assert "+Flask[async] == 2.2.5 ; python_version > '3'" in change.diff
    assert "+Django==3.2.4" in change.diff  # the highest first-fix closes both advisories
    reasons = {c.title.split()[0]: c.reason for c in skipped}
    assert reasons == {"jinja2": "no fixed version is known yet",
                       "pyyaml": "no pin 'pyyaml==5.3' in req/base.txt",
                       "x": "requirements file '../outside.txt' is outside the repository"}
    assert first_fixed("1.0", ["0.9", "1.0"]) is None


POLICY = ProposeSettings(protected_paths=PROTECTED_PATHS, allow_paths=(), max_patch_bytes=4096, max_files=3)


def patch(path: str, old: str = "a", new: str = "b", header: str = "") -> str:
    return f"{header}--- a/{path}\n+++ b/{path}\n@@ -1 +1 @@\n-{old}\n+{new}\n"


@pytest.mark.parametrize("diff, reason", [
    (patch("../../etc/passwd"), "leaves the repository"),
    ("--- /etc/passwd\n+++ /etc/passwd\n@@ -1 +1 @@\n-a\n+b\n", "leaves the repository"),
    (patch(".github/workflows/ci.yml"), "is protected (.github/)"),
    (patch(".GitHub/Workflows/ci.yml"), "is protected"),
    (patch("config/.env"), "is protected"),
    (patch(".git/hooks/pre-commit"), "inside .git"),
    ("diff --git a/l b/l\nnew file mode 120000\n--- /dev/null\n+++ b/l\n@@ -0,0 +1 @@\n+/etc/shadow\n",
     "file mode 120000"),
    (patch("big.txt", new="x" * 5000), "more than max_patch_bytes"),
    ("".join(patch(f"f{i}.txt") for i in range(4)), "more than max_files"),
    ("Just bump the version, trust me.", "not a unified diff"),
    ("diff --git a/x.bin b/x.bin\nGIT binary patch\nliteral 1\n@@ -1 +1 @@\n", "binary"),
])
def test_malicious_or_broken_patches_are_rejected(tmp_path, diff, reason):
    with pytest.raises(Rejected, match=reason.replace("(", r"\(").replace(")", r"\)").replace("*", r"\*")):
        check_patch(diff, tmp_path, POLICY)


def test_symlink_escape_and_allowed_paths(tmp_path):
    (tmp_path / "docs").symlink_to("/etc")
    with pytest.raises(Rejected, match="through a symlink"):
        check_patch(patch("docs/passwd"), tmp_path, POLICY)
    allowed = ProposeSettings(protected_paths=PROTECTED_PATHS, allow_paths=(".github/workflows/ci.yml",),
                              max_patch_bytes=4096, max_files=3)
    assert check_patch(patch(".github/workflows/ci.yml"), tmp_path, allowed) == [".github/workflows/ci.yml"]


def test_finding_paths_map_into_the_repository(tmp_path):
    checkout = Checkout(tmp_path / "wt", tmp_path / "repo", "examples/app")
    assert checkout.repo_path("requirements.txt") == "examples/app/requirements.txt"
    assert checkout.repo_path("../shared/req.txt") == "examples/shared/req.txt"
    assert checkout.repo_path("../../../etc/passwd") is None
    assert checkout.repo_path(str(tmp_path / "repo" / "a.txt")) == "a.txt"
    assert checkout.repo_path("/etc/passwd") is None


def test_extract_diff_from_an_answer():
    answer = "Here is the fix:\n```diff\n--- a/app.py\n+++ b/app.py\n@@ -1 +1 @@\n-x\n+y\n```\nBecause [1]."
    assert extract_diff(answer) == "--- a/app.py\n+++ b/app.py\n@@ -1 +1 @@\n-x\n+y\n"
    assert extract_diff("Run `rm -rf /` to fix it.") is None
