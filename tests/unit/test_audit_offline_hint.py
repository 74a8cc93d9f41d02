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


def test_a_package_pypi_does_know_gets_no_such_hint(tmp_path, monkeypatch, capsys):
    class KnowsFlask(NothingOnPyPI):
        def query_all(self, specs):
            from pip_audit._service.interface import ResolvedDependency

            for spec in specs:
                yield ResolvedDependency(name=spec.name, version=spec.version), []

    code, said = _audit(tmp_path, monkeypatch, capsys, KnowsFlask, "flask==3.0.0\n")
    assert code == 0, said
    assert "PyPI: 1 packages checked, 0 vulnerable" in said and "out of reach" not in said
