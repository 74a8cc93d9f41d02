"""Requirements files against the real pip (issue 14, kind 1).

The expected packages are what ``pip install --dry-run --report`` (pip of this
venv, ``--no-index`` with wheels built here) says it would install from the
same files; the audit must check exactly those, and name the file that pins
each finding.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from support.security_audit import security
from conftest import ADVISORY_DB

from echotune_ci.phases.security.pymanifests import marker_environment, read_manifest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pymanifests"


def wheel(folder: Path, name: str, version: str) -> Path:
    """A minimal wheel pip's resolver accepts (METADATA, WHEEL, RECORD), with fixed timestamps."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{version}-py3-none-any.whl"
    info = f"{name}-{version}.dist-info"
    with zipfile.ZipFile(path, "w") as z:
        metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        for member, text in ((f"{info}/METADATA", metadata),
                             (f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                                               "Tag: py3-none-any\n"),
                             (f"{info}/RECORD", "")):
            z.writestr(zipfile.ZipInfo(member, (2020, 1, 1, 0, 0, 0)), text)
    return path


def pip_would_install(requirements: Path, wheels: Path, env: dict[str, str]) -> set[tuple[str, str]]:
    report = requirements.parent / "pip-report.json"
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed",
                           "--no-deps", "--no-index", "--find-links", str(wheels), "--report", str(report),
                           "--quiet", "--disable-pip-version-check", "-r", requirements.name],
                          cwd=requirements.parent, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    items = json.loads(report.read_text())["install"]
    report.unlink()
    return {(i["metadata"]["name"].lower(), i["metadata"]["version"]) for i in items}


def ours(requirements: Path, environ: dict[str, str]) -> set[tuple[str, str]]:
    manifest = read_manifest(requirements, env=marker_environment(), environ=environ)
    return {(p.key, p.version) for p in manifest.auditable}


def test_includes_constraints_markers_and_options_as_pip_reads_them(tmp_path):
    wheels = tmp_path / "wheels"
    for spec in ("jinja2==2.10", "jinja2==2.11", "markupsafe==1.0", "requests==2.19.0", "flask==0.12",
                 "django==2.0.1", "django==2.1", "pyyaml==5.3", "pyyaml==5.4", "urllib3==1.24.1",
                 "winonly==1.0"):
        wheel(wheels, *spec.split("=="))
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "requirements", project)
    env = {**os.environ, "PYYAML_VERSION": "5.3"}
    expected = pip_would_install(project / "requirements.txt", wheels, env)
    assert expected == {("jinja2", "2.10"), ("markupsafe", "1.0"), ("requests", "2.19.0"), ("flask", "0.12"),
                        ("django", "2.0.1"), ("pyyaml", "5.3")}  # pip's answer, for the reader of this test
    assert ours(project / "requirements.txt", {"PYYAML_VERSION": "5.3"}) == expected


def test_hashed_requirements_as_pip_reads_them(tmp_path):
    wheels = tmp_path / "wheels"
    digests = {name: hashlib.sha256(wheel(wheels, name, version).read_bytes()).hexdigest()
               for name, version in (("foo", "1.0"), ("bar", "2.0"))}
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "hashes", project)
    environ = {"FOO_SHA256": digests["foo"], "BAR_SHA256": digests["bar"]}
    expected = pip_would_install(project / "requirements.txt", wheels, {**os.environ, **environ})
    assert expected == {("foo", "1.0"), ("bar", "2.0")}
    assert ours(project / "requirements.txt", environ) == expected
    # next to editable, URL and path lines the hashed pins are still audited (pip-audit refused the file)
    assert ours(project / "mixed.txt", environ) == expected


def test_an_include_cycle_fails_in_pip_and_here(tmp_path, cli_env):
    project = tmp_path / "cycle"
    shutil.copytree(FIXTURES / "cycle", project)
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--no-index", "--quiet",
                          "--disable-pip-version-check", "-r", "a.txt"], cwd=project, capture_output=True,
                         text=True, timeout=120)
    assert pip.returncode != 0 and "recursively references itself" in pip.stderr
    proc = security(project, cli_env, "-r", "a.txt", "--advisory-db", str(ADVISORY_DB))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "-r ../a.txt: the includes form a cycle (a.txt -> b.txt -> sub/c.txt -> a.txt)" in proc.stderr


def test_the_issue_example_finds_jinja2_in_the_included_file(tmp_path, cli_env):
    (tmp_path / "requirements.txt").write_text("-r base.txt\nflask==3.1.3\n")
    (tmp_path / "base.txt").write_text("# shared pins\njinja2==2.10\n")
    out = tmp_path / "security.json"
    proc = security(tmp_path, cli_env, "-r", "requirements.txt", "--advisory-db", str(ADVISORY_DB),
                    "-o", str(out))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    data = json.loads(out.read_text())
    sandbox = next(f for f in data["findings"] if f["rule_id"] == "PYSEC-2019-217")
    assert sandbox["location"] == {"path": "base.txt", "line": 2}
    assert sandbox["properties"]["manifest"] == "requirements.txt"
    packages = next(m for m in data["metrics"] if m["name"] == "audit.packages")
    assert packages["value"] == 2 and data["warnings"] == []


def test_unpinned_and_editable_lines_are_listed_not_fatal(tmp_path, cli_env):
    (tmp_path / "requirements.txt").write_text("jinja2>=2.10\n-e ./localpkg\n")
    out = tmp_path / "security.json"
    proc = security(tmp_path, cli_env, "-r", "requirements.txt", "--advisory-db", str(ADVISORY_DB),
                    "-o", str(out))
    data = json.loads(out.read_text())
    assert proc.returncode == 0 and data["status"] == "warn", proc.stderr
    notes = "\n".join(data["notes"])
    assert "requirements.txt:1: jinja2 (not pinned (jinja2>=2.10): no exact version to audit)" in notes
    assert "requirements.txt:2: -e ./localpkg (editable (-e ./localpkg)" in notes
    assert any(w.startswith("audit: 0 packages checked") for w in data["warnings"])
