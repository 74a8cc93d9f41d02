"""Requirements files read as pip reads them (issue 14, kind 1).

Expected values come from pip's "Requirements File Format" documentation
(https://pip.pypa.io/en/stable/reference/requirements-file-format/): -r/-c are
relative to the file that names them, ``\\`` joins lines, `` #`` starts a comment,
only ``${NAME}`` (upper case, digits, ``_``) expands from the environment,
``--hash``/``--config-settings`` are per-requirement options, the global options
(-i, --extra-index-url, -f, --pre, ...) name no package, markers decide whether a
line applies. tests/integration/test_security_audit_py_requirements.py checks the
same fixtures against a real ``pip install --dry-run --report`` run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from echotune_ci.errors import InputError
from echotune_ci.phases.security.pymanifests import ManifestError, marker_environment, read_manifest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pymanifests"
LINUX = marker_environment("3.11", "linux")


def read(path: Path, env=LINUX, environ=None):
    return read_manifest(path, env=env, environ=environ or {},
                         label=lambda p: p.relative_to(path.parent).as_posix())


def pins(manifest) -> dict[str, str]:
    return {p.key: p.version for p in manifest.auditable}


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_included_files_are_audited_where_they_pin():
    # the example: requirements.txt says "-r base.txt", jinja2==2.10 sits in base.txt
    m = read(FIXTURES / "requirements" / "requirements.txt", environ={"PYYAML_VERSION": "5.3"})
    assert pins(m) == {"jinja2": "2.10", "markupsafe": "1.0", "requests": "2.19.0", "flask": "0.12",
                       "django": "2.0.1", "pyyaml": "5.3"}
    jinja2 = next(p for p in m.packages if p.key == "jinja2")
    assert (jinja2.path.name, jinja2.line) == ("base.txt", 1)
    # -r common.txt inside requirements/base.txt is requirements/common.txt
    assert next(p for p in m.packages if p.key == "markupsafe").path.parent.name == "requirements"
    assert {f.name for f in m.files} == {"base.txt", "common.txt", "constraints.txt"}


def test_constraints_pin_only_what_is_required(tmp_path):
    m = read(FIXTURES / "requirements" / "requirements.txt", environ={"PYYAML_VERSION": "5.3"})
    django = next(p for p in m.packages if p.key == "django")
    assert django.version == "2.0.1" and django.note == "pinned by constraints.txt:2"
    assert "urllib3" not in pins(m)  # pinned by constraints.txt but required by nothing
    req = write(tmp_path, "requirements.txt", "-c c.txt\ndjango>=2.0\n")
    write(tmp_path, "c.txt", "django<3\n")  # a constraint that is a range pins nothing
    (django,) = read(req).packages
    assert django.not_auditable.startswith("not pinned (django>=2.0)")


def test_markers_decide_for_the_target_environment():
    path = FIXTURES / "requirements" / "requirements.txt"
    linux = read(path, environ={"PYYAML_VERSION": "5.3"})
    assert "winonly" not in pins(linux)
    assert linux.not_applicable == ['requirements.txt:10: winonly (marker sys_platform == "win32" does '
                                    'not hold for python 3.11, linux)']
    windows = read(path, env=marker_environment("3.11", "win32"), environ={"PYYAML_VERSION": "5.3"})
    assert pins(windows)["winonly"] == "1.0" and windows.not_applicable == []
    old = read(path, env=marker_environment("2.7", "linux"), environ={"PYYAML_VERSION": "5.3"})
    assert "requests" not in pins(old)  # python_version >= "3" does not hold


def test_env_vars_expand_only_in_pips_form(tmp_path):
    req = write(tmp_path, "requirements.txt", "pyyaml==${PYYAML_VERSION}\nsix==$SIX\nsimplejson==${lower}\n")
    m = read(req, environ={"PYYAML_VERSION": "5.3", "SIX": "1.0", "lower": "3.0"})
    assert pins(m) == {"pyyaml": "5.3"}
    assert [p.line for p in m.unauditable] == [2, 3]
    assert all(p.not_auditable.startswith("pip would reject this line") for p in m.unauditable)
    unset = read(req, environ={})  # an unset variable stays as written: pip rejects the line
    assert unset.unauditable[0].name == "pyyaml==${PYYAML_VERSION}"


def test_continuations_comments_and_option_lines(tmp_path):
    req = write(tmp_path, "requirements.txt", "\n".join([
        "# comment", "-i https://pypi.example.invalid/simple", "--index-url=https://pypi.example.invalid/simple",
        "--extra-index-url https://mirror.example.invalid/simple", "-f ./wheels", "--find-links=./more",
        "--no-index", "--pre", "--trusted-host example.invalid", "--only-binary :all:", "--no-binary pyyaml",
        "--prefer-binary", "--require-hashes", "--use-feature truststore",
        "flask\\", "==0.12 # the name continues on the next line",
        "jinja2==2.10 \\", "  # a comment line ends the continuation",
        "click==7.0#not-a-comment-without-space",
    ]) + "\n")
    m = read(req)
    assert pins(m) == {"flask": "0.12", "jinja2": "2.10"}
    (bad,) = m.unauditable  # "click==7.0#..." is not a comment: pip rejects the version
    assert bad.line == 19 and bad.not_auditable.startswith("pip would reject this line")


def test_hashes_next_to_editable_url_and_path_lines():
    m = read(FIXTURES / "hashes" / "mixed.txt", environ={"FOO_SHA256": "a" * 64, "BAR_SHA256": "b" * 64})
    assert pins(m) == {"foo": "1.0", "bar": "2.0"}
    reasons = {p.name: p.not_auditable for p in m.unauditable}
    assert reasons["-e ./localpkg"].startswith("editable (-e ./localpkg)")
    assert reasons["tool"].startswith("editable (-e git+https://git.example.invalid/team/tool.git@v1.0")
    assert reasons["urllib3"].startswith("installed from a URL (https://files.example.invalid/pkgs/")
    assert reasons["six"].startswith("installed from a local path (./vendor/six-1.16.0-py2.py3-none-any.whl)")
    assert len(m.packages) == 6


def test_extras_and_per_requirement_options(tmp_path):
    req = write(tmp_path, "requirements.txt", 'requests[security,socks]==2.19.0\n'
                'foo==1.0 --config-settings="--build-option=--x"\nbaz==1.0 -C key=val\n'
                'bar==2.0 --global-option="--x"\nqux===1.0.local\nwild==1.*\n')
    m = read(req)
    assert pins(m) == {"requests": "2.19.0", "foo": "1.0", "baz": "1.0", "qux": "1.0.local"}
    reasons = {p.line: p.not_auditable for p in m.unauditable}
    assert reasons[4] == "pip would reject this line: option --global-option was removed from pip"
    assert reasons[6].startswith("not pinned (wild==1.*)")


def test_an_include_cycle_is_an_error_naming_the_chain():
    with pytest.raises(ManifestError) as caught:
        read(FIXTURES / "cycle" / "a.txt")
    assert isinstance(caught.value, InputError)  # exit 2
    assert str(caught.value) == ("sub/c.txt:1: -r ../a.txt: the includes form a cycle "
                                 "(a.txt -> b.txt -> sub/c.txt -> a.txt)")


def test_a_file_included_twice_is_not_a_cycle(tmp_path):
    req = write(tmp_path, "requirements.txt", "-r a.txt\n-r b.txt\n")
    write(tmp_path, "a.txt", "-r common.txt\nsix==1.16.0\n")
    write(tmp_path, "b.txt", "-r common.txt\n")
    write(tmp_path, "common.txt", "jinja2==2.10\n")
    assert pins(read(req)) == {"jinja2": "2.10", "six": "1.16.0"}


def test_a_missing_include_names_the_line(tmp_path):
    req = write(tmp_path, "requirements.txt", "six==1.16.0\n-r nope.txt\n")
    with pytest.raises(ManifestError, match=r"^requirements.txt:2: -r nope.txt: requirements file nope.txt "
                                            r"not found$"):
        read(req)


def test_remote_includes_are_listed_not_fetched(tmp_path):
    req = write(tmp_path, "requirements.txt", "-r https://example.invalid/base.txt\n")
    (remote,) = read(req).unauditable
    assert remote.name == "-r https://example.invalid/base.txt" and "not fetched" in remote.not_auditable


def test_encodings_as_pip_decodes(tmp_path):
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbfjinja2==2.10\n")
    assert pins(read(tmp_path / "bom.txt")) == {"jinja2": "2.10"}
    (tmp_path / "utf16.txt").write_bytes("jinja2==2.10\n".encode("utf-16"))
    assert pins(read(tmp_path / "utf16.txt")) == {"jinja2": "2.10"}
    (tmp_path / "latin.txt").write_bytes(b"# -*- coding: latin-1 -*-\n# caf\xe9\njinja2==2.10\n")
    assert pins(read(tmp_path / "latin.txt")) == {"jinja2": "2.10"}
    (tmp_path / "bad.txt").write_bytes(b"# caf\xe9\njinja2==2.10\n")
    with pytest.raises(ManifestError, match="cannot decode"):
        read(tmp_path / "bad.txt")


def test_expanded_tokens_and_url_credentials_never_reach_the_notes(tmp_path):
    req = write(tmp_path, "requirements.txt",
                "https://${DEPLOY_TOKEN}@pkgs.example.invalid/private-1.0.tar.gz\n"
                "https://user:hunter2@pkgs.example.invalid/other-1.0.tar.gz\n"
                "broken==${BROKEN}!\n")
    m = read(req, environ={"DEPLOY_TOKEN": "tok-5f3a9c", "BROKEN": "s3cr3t-value"})
    shown = " ".join(f"{p.name} {p.not_auditable}" for p in m.packages)
    assert "tok-5f3a9c" not in shown and "hunter2" not in shown and "s3cr3t-value" not in shown
    assert shown.count("****@pkgs.example.invalid") == 4 and "broken==${BROKEN}!" in shown


def test_a_file_read_as_constraints_and_then_as_requirements(tmp_path):
    req = write(tmp_path, "requirements.txt", "-c pins.txt\n-r pins.txt\n")
    write(tmp_path, "pins.txt", "jinja2==2.10\n")
    assert pins(read(req)) == {"jinja2": "2.10"}
