"""pip-audit's PyPI service calls every package "not found on PyPI" when PyPI's JSON API is out of reach (a
proxy answering 404, as on this project's build machines): the audit must say how to go on offline."""

from __future__ import annotations

from support.hostile import cli


CLEARED = ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ACTIONS", "ECHOTUNE_CONFIG",
           "ECHOTUNE_ADVISORY_DB")


class NothingOnPyPI:
    """pip-audit's PyPIService as a proxy that answers 404 for every package makes it answer."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout

    def query_all(self, specs):
        from pip_audit._service.interface import SkippedDependency

        for spec in specs:
            yield SkippedDependency(name=spec.name, skip_reason=(
                f"Dependency not found on PyPI and could not be audited: {spec.name} ({spec.version})")), []


def _audit(tmp_path, monkeypatch, capsys, service: type, requirements: str) -> tuple[int, str]:
    """`echotune-ci security` auditing *requirements* with pip-audit's PyPI service replaced by *service*;
    the exit code and everything printed."""
    import pip_audit._service.pypi as pypi

    for name in CLEARED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(pypi, "PyPIService", service)
    (tmp_path / "requirements.txt").write_text(requirements)
    (tmp_path / "echotune.toml").write_text('[security]\nchecks = ["audit"]\n\n[security.audit]\n'
                                            'requirements = ["requirements.txt"]\nnpm = "off"\n')
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(capsys, "security", "-o", "r.json")
    return code, out + err


def test_every_package_not_found_on_pypi_says_how_to_audit_offline(tmp_path, monkeypatch, capsys):
    code, said = _audit(tmp_path, monkeypatch, capsys, NothingOnPyPI, "flask==3.0.0\nrequests==2.31.0\n")
    assert code in (0, 1), said
    assert ("PyPI: 0 packages checked, 0 vulnerable, 2 not auditable (\"not found on PyPI\" for every one: "
            "PyPI's JSON API is out of reach here?; without network, set [security.audit] advisory_db (or "
            "ECHOTUNE_ADVISORY_DB) to a local advisory database folder (docs/security.md))") in said


def test_many_packages_with_one_reason_are_one_short_note(tmp_path, monkeypatch, capsys):
    # 25 packages "not found on PyPI" made one note of every package and its reason (89: 9,000 characters).
    # pip-audit names each again in its reason in canonical form (typing_extensions: typing-extensions).
    import json

    class Canonical(NothingOnPyPI):
        def query_all(self, specs):
            from pip_audit._service.interface import SkippedDependency

            for spec in specs:
                canonical = spec.name.lower().replace("_", "-").replace(".", "-")
                said = f"Dependency not found on PyPI and could not be audited: {canonical} ({spec.version})"
                yield SkippedDependency(name=spec.name, skip_reason=said), []

    names = [f"pkg{i:02d}" for i in range(23)] + ["typing_extensions", "zope.interface"]
    _audit(tmp_path, monkeypatch, capsys, Canonical, "".join(f"{n}==1.0\n" for n in names))
    notes = json.loads((tmp_path / "r.json").read_text())["notes"]
    (note,) = [n for n in notes if n.startswith("audit could not check (PyPI)")]
    # every package is still named (docs/security.md), the reason once
    assert note == ("audit could not check (PyPI): requirements.txt: " + ", ".join(names) +
                    " (Dependency not found on PyPI and could not be audited)")


def test_a_package_pypi_does_know_gets_no_such_hint(tmp_path, monkeypatch, capsys):
    class KnowsFlask(NothingOnPyPI):
        def query_all(self, specs):
            from pip_audit._service.interface import ResolvedDependency

            for spec in specs:
                yield ResolvedDependency(name=spec.name, version=spec.version), []

    code, said = _audit(tmp_path, monkeypatch, capsys, KnowsFlask, "flask==3.0.0\n")
    assert code == 0, said
    assert "PyPI: 1 packages checked, 0 vulnerable" in said and "out of reach" not in said


def test_npm_audit_says_what_the_registry_answered():
    """npm 10 against a registry without the advisory endpoint (a mirror, or a proxy that allows GET only)
    prints its JSON with an empty summary and detail: the reason is in the top-level message."""
    import subprocess

    from echotune_ci.phases.security.npm_audit import _npm_error

    url = "https://registry.npmjs.org/-/npm/v1/security/advisories/bulk"
    data = {"message": f"405 Method Not Allowed - POST {url}", "method": "POST", "uri": url,
            "statusCode": 405, "body": "", "error": {"summary": "", "detail": ""}}
    proc = subprocess.CompletedProcess(["npm", "audit", "--json"], 1, "",
                                       "npm error audit endpoint returned an error")
    said = _npm_error(data, proc)
    assert said.startswith(f"405 Method Not Allowed - POST {url}; the registry (a mirror or proxy) does "
                           "not offer npm's advisory endpoint: set [security.audit] npm = \"osv\" with "
                           "advisory_db")
    # an error npm did describe keeps its own words, with no hint
    described = {"error": {"code": "ENOLOCK", "summary": "This command requires an existing lockfile."}}
    assert _npm_error(described, proc) == "This command requires an existing lockfile."
