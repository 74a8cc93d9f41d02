"""propose's npm fixer: a vulnerable direct dependency raised in package.json and package-lock.json updated by
the real npm (``npm install --package-lock-only``) in the temporary worktree, against a fake registry."""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path

from conftest import NPM_DB, run_cli
from support.fake_npm_registry import FIXTURE_PACKAGES, FakeNpmRegistry

from echotune_ci.phases.security.js_audit import FolderAdvisories, audit_lockfiles
from echotune_ci.phases.security.lockfiles import read_lockfile
from echotune_ci.propose.fixers import Checkout, npm_fixes, raised_range

MANIFEST = {"name": "shop", "version": "1.0.0", "private": True,
            "dependencies": {"body-parser": "1.0.0", "jsonwebtoken": "^4.2.1",
                             "my-lodash": "npm:lodash@4.17.15"},
            "devDependencies": {"marked": "~0.3.5"}}
# Node's own check that the change's worktree holds the raised lockfile (propose runs it there).
CHECK = ("node -e \"const l = require('./package-lock.json').packages; "
         "if (l['node_modules/jsonwebtoken'].version !== '4.2.2') process.exit(1)\"")



def sh(*args: str, cwd: Path) -> str:
    return subprocess.run(args, cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def npm_lock(folder: Path, registry: str) -> None:
    subprocess.run(["npm", "install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund",
                    f"--registry={registry}"], cwd=folder, check=True, capture_output=True, timeout=300)


def published(*extra: tuple[str, str]) -> dict:
    packages = copy.deepcopy(FIXTURE_PACKAGES)
    for name, version in extra:
        packages[name][version] = {"dependencies": {"jws": "^3.0.0"}} if name == "jsonwebtoken" else {}
    return packages


def test_raised_ranges_keep_their_style():
    assert [raised_range(s, "1.4.0") for s in ("^1.2.3", "~1.2", "1.2.3", ">=1.0.0", "v1.2.3", "npm:x@^1.0.0",
                                                "@scope/x@1", "1.x", "^1.0.0 || ^2.0.0", "latest")] == \
        ["^1.4.0", "~1.4.0", "1.4.0", ">=1.4.0", "1.4.0", "npm:x@^1.4.0", None, None, None, None]


def test_direct_dependencies_are_raised_and_the_lockfile_regenerated(tmp_path):
    project = tmp_path / "shop"
    project.mkdir()
    (project / "package.json").write_text(json.dumps(MANIFEST, indent=2) + "\n")
    with FakeNpmRegistry(published()) as registry:
        npm_lock(project, registry.url)  # only the vulnerable versions exist yet
        before = {p: (project / p).read_text() for p in ("package.json", "package-lock.json")}
        lock = read_lockfile(project / "package-lock.json")
        report = audit_lockfiles([lock], project, FolderAdvisories(NPM_DB), production_only=False,
                                 default_severity="high", ignore=())
        # the fixes appear (marked's advisory ends at last_affected 0.3.5; npm's patched_versions ">=0.3.6")
        registry.packages = published(("jsonwebtoken", "4.2.2"), ("lodash", "4.17.19"), ("marked", "0.3.6"))
        change, rejected = npm_fixes(report.findings, Checkout(project, project), "pins-npm",
                                     registry=registry.url)
    assert change is not None and change.title == ("Raise vulnerable npm dependencies: jsonwebtoken ^4.2.2, "
                                                   "my-lodash npm:lodash@4.17.19, marked ~0.3.6")
    assert '-    "jsonwebtoken": "^4.2.1",' in change.diff and '+    "jsonwebtoken": "^4.2.2",' in change.diff
    assert '+    "my-lodash": "npm:lodash@4.17.19"' in change.diff
    assert '-      "version": "4.2.1",' in change.diff and '+      "version": "4.2.2",' in change.diff
    assert "--- a/package-lock.json" in change.diff and "--- a/package.json" in change.diff
    assert {p: (project / p).read_text() for p in before} == before  # the reading worktree is put back
    reasons = {c.title: c.reason for c in rejected}
    assert reasons["qs 0.6.6 (NSWG-ECO-29)"].startswith("not a direct dependency (dependency path: "
                                                        "body-parser > qs)")
    assert '+    "marked": "~0.3.6"' in change.diff and "marked 0.3.5 (NSWG-ECO-101)" not in reasons
    # the diff applies, and the raised lockfile audits clean for what was raised
    sh("git", "init", "--quiet", cwd=project)
    subprocess.run(["git", "apply", "-"], cwd=project, input=change.diff, text=True, check=True)
    again = audit_lockfiles([read_lockfile(project / "package-lock.json")], project, FolderAdvisories(NPM_DB),
                            production_only=False, default_severity="high", ignore=())
    assert {f.properties["package"] for f in again.findings} == {"qs"}


def test_npm_failures_and_other_lockfiles_are_rejected_with_the_reason(tmp_path):
    project = tmp_path / "shop"
    project.mkdir()
    (project / "package.json").write_text(json.dumps(MANIFEST, indent=2) + "\n")
    with FakeNpmRegistry(published()) as registry:
        npm_lock(project, registry.url)
        lock = read_lockfile(project / "package-lock.json")
        report = audit_lockfiles([lock], project, FolderAdvisories(NPM_DB), production_only=False,
                                 default_severity="high", ignore=())
        # 4.2.2 is not published: npm cannot resolve ^4.2.2
        change, rejected = npm_fixes(report.findings, Checkout(project, project), "pins-npm",
                                     registry=registry.url)
    assert change is None
    jwt = next(c for c in rejected if c.title.startswith("jsonwebtoken"))
    assert jwt.reason.startswith("npm install --package-lock-only failed (exit 1): ")
    assert "4.2.2" in jwt.reason
    for finding in report.findings:
        finding.properties["lockfile"] = "yarn.lock"
    _, rejected = npm_fixes(report.findings, Checkout(project, project), "pins-npm")
    assert any("yarn.lock is not an npm lockfile: raise jsonwebtoken to 4.2.2" in c.reason for c in rejected)


def test_propose_dry_run_plans_the_npm_change_and_its_tests_see_the_new_lockfile(tmp_path, cli_env):
    bare, repo = tmp_path / "remote.git", tmp_path / "shop"
    sh("git", "init", "--quiet", "--bare", "-b", "main", str(bare), cwd=tmp_path)
    repo.mkdir()
    sh("git", "init", "--quiet", "-b", "main", cwd=repo)
    (repo / "package.json").write_text(json.dumps(MANIFEST, indent=2) + "\n")
    with FakeNpmRegistry(published()) as registry:
        npm_lock(repo, registry.url)
        (repo / ".gitignore").write_text("results/\n")
        (repo / "echotune.toml").write_text(
            f'[security]\nchecks = ["audit"]\n[security.audit]\nadvisory_db = "{NPM_DB}"\n'
            f'registry = "{registry.url}"\n[propose]\ntest_command = {json.dumps(CHECK)}\n')
        sh("git", "add", "-A", cwd=repo)
        sh("git", "-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "--quiet", "-m", "init",
           cwd=repo)
        sh("git", "remote", "add", "origin", str(bare), cwd=repo)
        sh("git", "push", "--quiet", "origin", "main", cwd=repo)
        env = {k: v for k, v in cli_env.items() if k not in ("GITHUB_TOKEN", "GH_TOKEN", "GITHUB_REPOSITORY")}
        proc = run_cli("-q", "run", "--phase", "security", "--output-dir", str(repo / "results"), env=env,
                       cwd=repo)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        registry.packages = published(("jsonwebtoken", "4.2.2"), ("lodash", "4.17.19"), ("marked", "0.3.6"))
        proc = run_cli("propose", "--results", str(repo / "results"), "--dry-run", env=env, cwd=repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "security-pins-npm: planned" in proc.stdout, proc.stdout
    from echotune_ci.report.render import md_escape

    row = (f"| `package.json` | jsonwebtoken | {md_escape('^4.2.1 (installed 4.2.1)')} | "
           f"**{md_escape('^4.2.2')}** | {md_escape('NSWG-ECO-17')} |")
    assert row in proc.stdout, proc.stdout
    assert sh("git", "status", "--porcelain", cwd=repo) == ""  # nothing left behind in the checkout
