"""Lockfile readers (npm v1-v3, shrinkwrap, Yarn 1 and Berry, pnpm 5/6/9, Bun) and the offline lockfile audit.

The fixtures in tests/fixtures/lockfiles were written by the real tools (make_fixtures.py) for one
project: body-parser 1.0.0 (> qs 0.6.6, raw-body > bytes), jsonwebtoken 4.2.1 (> jws > base64url),
lodash 4.17.21, my-lodash = npm:lodash@4.17.15, ws 1.1.5, a file: folder and a git dependency;
devDependencies marked 0.3.5, debug 2.0.0 (> ms 0.6.2) and ms 2.0.0.
"""

from __future__ import annotations

import json
import pytest

from conftest import NPM_DB, ROOT
from echotune_ci.errors import InputError
from echotune_ci.phases.security.js_audit import FolderAdvisories, audit_lockfiles, dependency_path
from echotune_ci.phases.security.lockfiles import (LockfileError, find_lockfiles, find_lockfiles_in,
                                                   read_lockfile, unlocked_reason)
from echotune_ci.phases.security.lockfiles.model import safe_url

FIXTURES = ROOT / "tests" / "fixtures" / "lockfiles"
FORMATS = {
    "npm-v1": "package-lock.json", "npm-v2": "package-lock.json", "npm-v3": "package-lock.json",
    "npm-shrinkwrap": "npm-shrinkwrap.json", "yarn-v1": "yarn.lock", "yarn-berry": "yarn.lock",
    "pnpm-v5": "pnpm-lock.yaml", "pnpm-v6": "pnpm-lock.yaml", "pnpm-v9": "pnpm-lock.yaml", "bun": "bun.lock",
}
AUDITED = {("base64url", "3.0.0", False), ("body-parser", "1.0.0", False), ("bytes", "0.2.1", False),
           ("debug", "2.0.0", True), ("jsonwebtoken", "4.2.1", False), ("jws", "3.0.0", False),
           ("lodash", "4.17.21", False), ("lodash", "4.17.15", False), ("marked", "0.3.5", True),
           ("ms", "0.6.2", True), ("ms", "2.0.0", True), ("qs", "0.6.6", False), ("raw-body", "1.1.2", False),
           ("ws", "1.1.5", False)}
VULNERABLE = {("jsonwebtoken", "4.2.1", "NSWG-ECO-17"), ("qs", "0.6.6", "NSWG-ECO-28"),
              ("qs", "0.6.6", "NSWG-ECO-29"), ("lodash", "4.17.15", "NSWG-ECO-516"),
              ("marked", "0.3.5", "NSWG-ECO-101"), ("ms", "0.6.2", "NSWG-ECO-46")}


def lock_of(fixture: str):
    return read_lockfile(FIXTURES / fixture / FORMATS[fixture])


@pytest.mark.parametrize("fixture", FORMATS)
def test_every_format_gives_the_same_packages_dev_flags_and_paths(fixture):
    lock = lock_of(fixture)
    audited = {(p.name, p.version, p.dev) for p in lock.packages.values()
               if not p.own and not p.not_auditable}
    assert audited == AUDITED
    by_name = {(p.name, p.version): k for k, p in lock.packages.items() if not p.not_auditable}
    assert lock.path_of(by_name[("qs", "0.6.6")]) == ["body-parser", "qs"]
    assert lock.path_of(by_name[("base64url", "3.0.0")]) == ["jsonwebtoken", "jws", "base64url"]
    assert lock.path_of(by_name[("ms", "0.6.2")]) == ["debug", "ms"]
    alias = lock.packages[by_name[("lodash", "4.17.15")]]
    assert alias.alias == "my-lodash" and lock.path_of(alias.key) == ["my-lodash"]
    # git and file: dependencies are listed with why, never dropped
    reasons = {p.name: p.not_auditable for p in lock.packages.values() if p.not_auditable}
    assert reasons["left-pad"].startswith("git dependency (") and "example/left-pad" in reasons["left-pad"]
    assert "local" in reasons["local-lib"] and "local-lib" in reasons["local-lib"]
    # each line points at the package's own entry
    text = lock.path.read_text().splitlines()
    for key, pkg in lock.packages.items():
        if pkg.line is not None and not pkg.own:
            line = text[pkg.line - 1]
            assert pkg.name in line or (pkg.alias and pkg.alias in line), (key, pkg)
    assert lock.packages[by_name[("qs", "0.6.6")]].line is not None


def test_nested_node_modules_paths_resolve_like_node():
    lock = lock_of("npm-v3")
    assert lock.packages["node_modules/debug/node_modules/ms"].version == "0.6.2"
    assert lock.packages["node_modules/ms"].version == "2.0.0"
    assert lock.packages["node_modules/debug"].deps == ["node_modules/debug/node_modules/ms"]
    assert lock.format == "package-lock.json v3" and lock_of("npm-v1").format == "package-lock.json v1"


def test_a_yarn_workspace_glob_from_the_root_names_no_member(tmp_path):
    """Yarn 1.22.22's `yarn workspaces info` gives {} for "workspaces": ["/*"] beside api/package.json (npm
    reads the same glob as "*"); the reader stopped on Path.glob's NotImplementedError."""
    (tmp_path / "api").mkdir()
    (tmp_path / "package.json").write_text(json.dumps({"name": "root", "workspaces": ["/*"],
                                                       "dependencies": {"ms": "^2.0.0"}}))
    (tmp_path / "api" / "package.json").write_text(json.dumps({"name": "@x/api", "version": "1.0.0"}))
    (tmp_path / "yarn.lock").write_text('# yarn lockfile v1\n\n\nms@^2.0.0:\n  version "2.1.3"\n'
                                        '  resolved "https://registry.yarnpkg.com/ms/-/ms-2.1.3.tgz"\n')
    lock = read_lockfile(tmp_path / "yarn.lock")
    assert set(lock.importers) == {""}
    assert [p.version for p in lock.packages.values()] == ["2.1.3"]


def test_workspaces_are_importers_with_their_own_dev_dependencies():
    lock = read_lockfile(FIXTURES / "npm-workspaces" / "package-lock.json")
    assert set(lock.importers) == {"", "packages/api", "packages/web"}
    assert lock.packages["node_modules/api"].own and lock.packages["node_modules/web"].own
    assert dependency_path(lock, "node_modules/qs") == "packages/api: body-parser > qs"
    assert lock.packages["node_modules/debug"].dev and not lock.packages["node_modules/lodash"].dev
    web = lock.importers["packages/web"]
    assert web.manifest == FIXTURES / "npm-workspaces" / "packages/web/package.json"


@pytest.mark.parametrize("fixture", FORMATS)
def test_offline_audit_finds_the_vulnerable_versions_and_not_the_fixed_ones(fixture):
    lock = lock_of(fixture)
    report = audit_lockfiles([lock], lock.path.parent, FolderAdvisories(NPM_DB), production_only=False,
                             default_severity="high", ignore=())
    found = {(f.properties["package"], f.properties["version"], f.rule_id) for f in report.findings}
    assert found == VULNERABLE
    summary = report.lockfiles[0]
    assert (summary.packages, summary.vulnerable, len(summary.unauditable)) == (14, 5, 2)
    qs = next(f for f in report.findings if f.rule_id == "NSWG-ECO-29")
    assert qs.severity == "high" and qs.properties["cvss_score"] == 7.5  # CVSS:3.0 vector scored
    assert qs.properties["dependency_path"] == ["body-parser", "qs"] and not qs.properties["direct"]
    assert qs.properties["first_fixed"] == "1.0.0" and "via body-parser > qs" in qs.message
    assert qs.location.path == FORMATS[fixture] and qs.location.line == lock.packages[
        next(k for k, p in lock.packages.items() if p.name == "qs")].line
    jwt = next(f for f in report.findings if f.rule_id == "NSWG-ECO-17")
    assert jwt.properties["direct"] and jwt.properties["first_fixed"] == "4.2.2"
    assert jwt.properties["manifest"] == "package.json"
    lodash = next(f for f in report.findings if f.rule_id == "NSWG-ECO-516")
    assert lodash.properties["installed_as"] == "my-lodash" and "(installed as my-lodash)" in lodash.message
    assert {"body-parser", "bytes", "raw-body"} <= set(report.not_in_db)
    # production only: the dev-only marked and ms are left out and counted
    prod = audit_lockfiles([lock], lock.path.parent, FolderAdvisories(NPM_DB), production_only=True,
                           default_severity="high", ignore=("CVE-2014-7191",))
    assert {f.rule_id for f in prod.findings} == {"NSWG-ECO-17", "NSWG-ECO-28", "NSWG-ECO-516"}
    assert prod.lockfiles[0].dev_skipped == 4


def test_fingerprint_context_has_no_line_and_the_same_package_is_one_finding_per_advisory():
    lock = lock_of("npm-v2")
    report = audit_lockfiles([lock], lock.path.parent, FolderAdvisories(NPM_DB), production_only=False,
                             default_severity="high", ignore=())
    contexts = [f.context for f in report.findings]
    assert "npm qs NSWG-ECO-29" in contexts and len(contexts) == len(set(contexts))


@pytest.mark.parametrize("name, text, expected", [
    ("package-lock.json", '{\n  "lockfileVersion": 3,\n  "packages": {\n    "": {,}\n',
     "package-lock.json:4: not valid JSON"),
    ("package-lock.json", '{\n  "name": "x",\n  "lockfileVersion": 4,\n  "packages": {}\n}\n',
     "package-lock.json:3: lockfileVersion 4 is not supported (supported: 1, 2, 3"),
    ("package-lock.json", '[1, 2]', "not a package-lock.json"),
    ("yarn.lock", '# yarn lockfile v1\n\nlodash@^4:\n   version "4.17.21"\n', "yarn.lock:4: bad indentation"),
    ("yarn.lock", '# yarn lockfile v1\n\nlodash@^4:\n  resolved "x"\n',
     "yarn.lock:3: entry 'lodash@^4' has no version"),
    ("yarn.lock", '# yarn lockfile v1\n\nlodash@^4:\n  version "4.17.21\n', "yarn.lock:4: bad string value"),
    ("yarn.lock", '__metadata:\n  version: 3\n\n"a@npm:1.0.0":\n  resolution: "a@npm:1.0.0"\n',
     "yarn.lock:1: __metadata version 3 is not supported (supported: Yarn 1 and Yarn 2+ lockfiles of "
     "version 4 to 10)"),
    ("yarn.lock", '__metadata:\n  version: 11\n\n"a@npm:1.0.0":\n  resolution: "a@npm:1.0.0"\n',
     "yarn.lock:1: __metadata version 11 is not supported (supported: Yarn 1 and Yarn 2+ lockfiles of "
     "version 4 to 10)"),
    ("yarn.lock", '__metadata:\n  version: 8\n\n"a@npm:1.0.0":\n  resolution: [\n',
     "yarn.lock:6: not valid YAML"),
    ("pnpm-lock.yaml", "lockfileVersion: '4.0'\n", "pnpm-lock.yaml:1: lockfileVersion '4.0' is not supported "
                                                   "(supported: 5.x, 6.x and 9.x"),
    ("pnpm-lock.yaml", "lockfileVersion: '9.0'\nimporters:\n  .: {\n", "pnpm-lock.yaml:4: not valid YAML"),
])
def test_bad_lockfiles_name_the_file_and_line(tmp_path, name, text, expected):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(LockfileError) as err:
        read_lockfile(path)
    assert str(err.value).startswith(f"{path}") and expected in str(err.value), str(err.value)
    assert err.value.exit_code == 2


def test_finding_lockfiles_and_package_json_without_one(tmp_path):
    (tmp_path / "package.json").write_text("{}")
    assert find_lockfiles(tmp_path).unlocked == [tmp_path / "package.json"]
    (tmp_path / "package-lock.json").write_text("{}")
    for folder in ("web", "node_modules", ".git"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "yarn.lock").write_text("")
    (tmp_path / "package.json").write_text('{"workspaces": ["packages"]}')
    (tmp_path / "packages").mkdir()
    (tmp_path / "packages" / "package.json").write_text('{"dependencies": {"qs": "1"}}')  # a workspace
    (tmp_path / "npm-shrinkwrap.json").write_text("{}")  # npm ignores package-lock.json beside it
    found = find_lockfiles(tmp_path)
    assert found.lockfiles == [tmp_path / "npm-shrinkwrap.json", tmp_path / "web" / "yarn.lock"]
    assert found.unlocked == []
    with pytest.raises(InputError, match="lockfile not found"):
        read_lockfile(tmp_path / "nope" / "yarn.lock")


def test_credentials_never_appear_in_reasons(tmp_path):
    assert safe_url("git+https://user:s3cret@github.com/a/b.git#1") == "git+https://github.com/a/b.git#1"
    lock = {"lockfileVersion": 3, "packages": {"": {"dependencies": {"x": "1"}}, "node_modules/x": {
        "version": "1.0.0", "resolved": "https://deploy:tok3n@files.example.com/x.tgz"}}}
    (tmp_path / "package-lock.json").write_text(json.dumps(lock, indent=2))
    pkg = read_lockfile(tmp_path / "package-lock.json").packages["node_modules/x"]
    assert pkg.not_auditable == "tarball URL (https://files.example.com/x.tgz)"


def test_a_lockfile_without_package_json_still_has_paths(tmp_path):
    for fixture in ("yarn-v1", "npm-v1"):
        folder = tmp_path / fixture
        folder.mkdir()
        name = FORMATS[fixture]
        (folder / name).write_text((FIXTURES / fixture / name).read_text())
        lock = read_lockfile(folder / name)
        qs = next(k for k, p in lock.packages.items() if p.name == "qs")
        assert lock.path_of(qs) == ["body-parser", "qs"] and any("no package.json" in n for n in lock.notes)



def test_any_osv_folder_scoped_packages_yaml_and_other_ecosystems(tmp_path):
    db = tmp_path / "db" / "vulns"
    (db / "@acme" / "widget").mkdir(parents=True)
    (db / "left-pad").mkdir(parents=True)
    (db / "@acme" / "widget" / "GHSA-aaaa-bbbb-cccc.yaml").write_text(
        "id: GHSA-aaaa-bbbb-cccc\naliases: [CVE-2024-1]\nsummary: bad widget\n"
        "database_specific: {cvss_score: 9.1}\n"
        "affected:\n- package: {ecosystem: npm, name: '@acme/widget'}\n"
        "  ranges:\n  - type: SEMVER\n    events: [{introduced: '0'}, {fixed: 2.0.0}]\n")
    (db / "left-pad" / "PYSEC-1.json").write_text(json.dumps({  # same name, another ecosystem
        "id": "PYSEC-1", "affected": [{"package": {"ecosystem": "PyPI", "name": "left-pad"},
                                       "versions": ["1.3.0"]}]}))
    lock = {"lockfileVersion": 3, "packages": {
        "": {"dependencies": {"@acme/widget": "^1.0.0", "left-pad": "1.3.0"}},
        "node_modules/@acme/widget": {"version": "1.9.0"}, "node_modules/left-pad": {"version": "1.3.0"}}}
    (tmp_path / "package-lock.json").write_text(json.dumps(lock, indent=2))
    report = audit_lockfiles([read_lockfile(tmp_path / "package-lock.json")], tmp_path,
                             FolderAdvisories(tmp_path / "db"), production_only=False, default_severity="low",
                             ignore=())
    (finding,) = report.findings
    assert (finding.rule_id, finding.severity, finding.properties["cvss_score"]) == ("GHSA-aaaa-bbbb-cccc",
                                                                                     "critical", 9.1)
    assert finding.properties["severity_basis"] == "database_specific.cvss_score"
    assert finding.location.line == 10 and finding.properties["first_fixed"] == "2.0.0"
    assert report.not_in_db == ["left-pad"]  # a PyPI record is no npm advisory
    ignored = audit_lockfiles([read_lockfile(tmp_path / "package-lock.json")], tmp_path,
                              FolderAdvisories(tmp_path / "db"), production_only=False,
                              default_severity="low", ignore=("CVE-2024-1",))
    assert ignored.findings == []
    with pytest.raises(InputError, match="not an advisory database"):
        FolderAdvisories(tmp_path)


def test_yarn_4_14_and_later_lockfiles_are_read(tmp_path):
    # Yarn 4.17.1 writes "__metadata: version: 10" (prettier/prettier's yarn.lock) with the entries of
    # version 8 unchanged: resolution, dependencies, checksum, languageName, linkType.
    folder = tmp_path / "app"
    folder.mkdir()
    (folder / "package.json").write_text((FIXTURES / "yarn-berry" / "package.json").read_text())
    text = (FIXTURES / "yarn-berry" / "yarn.lock").read_text()
    assert "__metadata:\n  version: 8\n" in text
    (folder / "yarn.lock").write_text(text.replace("__metadata:\n  version: 8\n",
                                                   "__metadata:\n  version: 10\n"))
    lock = read_lockfile(folder / "yarn.lock")
    assert lock.format == "yarn.lock (Berry, __metadata 10)"
    assert {(p.name, p.version, p.dev) for p in lock.packages.values()
            if not p.own and not p.not_auditable} == AUDITED


def _manifest(folder, data):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "package.json").write_text(json.dumps(data))


def test_a_subfolder_package_json_is_covered_by_the_root_lockfile_only_when_it_is_a_workspace(tmp_path):
    # proshop_mern's layout: a root package-lock.json (the server) and frontend/ with its own package.json
    _manifest(tmp_path, {"dependencies": {"express": "^4.17.1"}})
    (tmp_path / "package-lock.json").write_text("{}")
    _manifest(tmp_path / "frontend", {"dependencies": {"react": "^16.13.1"}})
    _manifest(tmp_path / "docs", {"private": True})  # declares no dependency: nothing to lock
    assert find_lockfiles(tmp_path).unlocked == [tmp_path / "frontend" / "package.json"]
    _manifest(tmp_path, {"workspaces": {"packages": ["front*"]}})  # Yarn 1's object form
    assert find_lockfiles(tmp_path).unlocked == []
    _manifest(tmp_path, {"dependencies": {"front": "file:./frontend/"}})  # a file: dependency's folder
    assert find_lockfiles(tmp_path).unlocked == []
    _manifest(tmp_path, {})
    (tmp_path / "pnpm-workspace.yaml").write_text("packages:\n  - 'frontend'\n  - '!**/test/**'\n")
    assert find_lockfiles(tmp_path).unlocked == []
    for fixture in FORMATS:  # each fixture's local-lib/ is its file: dependency
        assert find_lockfiles(FIXTURES / fixture).unlocked == [], fixture


def test_command_line_paths_choose_the_lockfiles(tmp_path):
    # echotune-ci security app1 run from the folder that holds app1 and app2
    for app in ("app1", "app2"):
        _manifest(tmp_path / app, {"dependencies": {"qs": "1"}})
        (tmp_path / app / "package-lock.json").write_text("{}")
        (tmp_path / app / "server").mkdir()
        (tmp_path / app / "server" / "index.js").write_text("require('qs')\n")
    tmp_path = tmp_path.resolve()
    app1, app2 = tmp_path / "app1" / "package-lock.json", tmp_path / "app2" / "package-lock.json"
    assert find_lockfiles_in([tmp_path / "app1"], tmp_path).lockfiles == [app1]
    # a folder or file of a project (no package.json of its own): the project's lockfile above it
    assert find_lockfiles_in([tmp_path / "app2" / "server"], tmp_path).lockfiles == [app2]
    index = tmp_path / "app2" / "server" / "index.js"
    assert find_lockfiles_in([index, app1], tmp_path).lockfiles == [app2, app1]
    # never above the project root
    assert find_lockfiles_in([tmp_path / "app2" / "server"], tmp_path / "app2" / "server").lockfiles == []
    # a workspace named on its own is audited with the lockfile of its project; a package.json that is
    # no workspace of the project above it is warned about
    _manifest(tmp_path / "app1", {"workspaces": ["packages/*"]})
    _manifest(tmp_path / "app1" / "packages" / "api", {"dependencies": {"qs": "1"}})
    _manifest(tmp_path / "app1" / "tools", {"dependencies": {"qs": "1"}})
    found = find_lockfiles_in([tmp_path / "app1" / "packages" / "api"], tmp_path)
    assert (found.lockfiles, found.unlocked) == ([app1], [])
    found = find_lockfiles_in([tmp_path / "app1" / "tools"], tmp_path)
    assert (found.lockfiles, found.unlocked) == ([], [tmp_path / "app1" / "tools" / "package.json"])
    with pytest.raises(InputError, match="no such file or folder"):
        find_lockfiles_in([tmp_path / "app3"], tmp_path)


def test_advisory_data_without_npm_records_checks_no_npm_package(tmp_path):
    # ECHOTUNE_ADVISORY_DB pointing at the PyPA database (Python only) must not read as "npm: 0 vulnerable"
    db = tmp_path / "db" / "vulns" / "jinja2"
    db.mkdir(parents=True)
    (db / "PYSEC-2019-217.yaml").write_text("id: PYSEC-2019-217\naffected:\n- package: {ecosystem: PyPI, "
                                            "name: jinja2}\n  versions: ['2.10']\n")
    lock = lock_of("npm-v3")
    report = audit_lockfiles([lock], FIXTURES, FolderAdvisories(tmp_path / "db"), production_only=False,
                             default_severity="high", ignore=())
    (summary,) = report.lockfiles
    assert (summary.packages, summary.unchecked, report.findings) == (0, 14, [])
    assert report.unchecked == f"offline advisory data {tmp_path / 'db'} holds no npm advisories"
    # one npm record anywhere in the folder, even for another package: the lookups stand
    (tmp_path / "db" / "vulns" / "left-pad").mkdir()
    (tmp_path / "db" / "vulns" / "left-pad" / "X-1.json").write_text(json.dumps(
        {"id": "X-1", "affected": [{"package": {"ecosystem": "npm", "name": "left-pad"},
                                    "versions": ["0.0.1"]}]}))
    report = audit_lockfiles([lock], FIXTURES, FolderAdvisories(tmp_path / "db"), production_only=False,
                             default_severity="high", ignore=())
    assert (report.lockfiles[0].packages, report.lockfiles[0].unchecked, report.unchecked) == (14, 0, "")


PNPM7_UNDERSCORE_NAMES = """lockfileVersion: 5.4

specifiers:
  '@types/sinonjs__fake-timers': 8.1.1
  readable-stream: 3.6.0
  string_decoder: 1.1.1

dependencies:
  readable-stream: 3.6.0
  string_decoder: 1.1.1

devDependencies:
  '@types/sinonjs__fake-timers': 8.1.1

packages:

  /@types/sinonjs__fake-timers/8.1.1:
    dev: true

  /inherits/2.0.4:
    dev: false

  /readable-stream/3.6.0:
    engines: {node: '>= 6'}
    dependencies:
      inherits: 2.0.4
      string_decoder: 1.1.1
      util-deprecate: 1.0.2
    dev: false

  /safe-buffer/5.1.2:
    dev: false

  /string_decoder/1.1.1:
    dependencies:
      safe-buffer: 5.1.2
    dev: false

  /util-deprecate/1.0.2:
    dev: false
"""


def test_pnpm_5_keys_whose_names_hold_underscores_are_audited(tmp_path):
    """pnpm 7.33.7 wrote this lockfile (``pnpm install`` of readable-stream 3.6.0, string_decoder 1.1.1 and,
    as a devDependency, @types/sinonjs__fake-timers 8.1.1; resolution lines left out), and ``pnpm list
    --depth Infinity --json`` (``--prod``) over its install lists the six packages below (the same five
    without the types). The "_" of a 5.x key starts the peer suffix only inside the version: the names
    themselves were cut at it, read as "not a name@version entry" and never audited."""
    (tmp_path / "pnpm-lock.yaml").write_text(PNPM7_UNDERSCORE_NAMES)
    lock = read_lockfile(tmp_path / "pnpm-lock.yaml")
    assert {(p.name, p.version, p.dev, p.not_auditable) for p in lock.packages.values()} == {
        ("@types/sinonjs__fake-timers", "8.1.1", True, ""), ("inherits", "2.0.4", False, ""),
        ("readable-stream", "3.6.0", False, ""), ("safe-buffer", "5.1.2", False, ""),
        ("string_decoder", "1.1.1", False, ""), ("util-deprecate", "1.0.2", False, "")}
    assert lock.path_of("/safe-buffer/5.1.2") == ["string_decoder", "safe-buffer"]
    assert lock.packages["/string_decoder/1.1.1"].line == PNPM7_UNDERSCORE_NAMES.splitlines().index(
        "  /string_decoder/1.1.1:") + 1


BUN_OPTIONAL_PEER = """{
  "lockfileVersion": 2,
  "configVersion": 1,
  "workspaces": {
    "": {
      "name": "lib",
      "devDependencies": {
        "qs": "6.0.0",
      },
      "peerDependencies": {
        "ms": "2.0.0",
        "qs": "6.0.0",
      },
      "optionalPeers": [
        "qs",
      ],
    },
  },
  "packages": {
    "ms": ["ms@2.0.0", "", {}],

    "qs": ["qs@6.0.0", "", {}],
  }
}
"""


def test_bun_optional_peers_are_dev_when_only_devdependencies_name_them_too(tmp_path):
    """bun 1.4.5 wrote this for a package.json with peerDependencies ms and qs (qs optional in
    peerDependenciesMeta) and qs also a devDependency (elysia's typescript and @types/bun are so; the
    integrity hashes are left out);
    ``bun pm ls --all`` lists ms@2.0.0 and qs@6.0.0, ``bun pm ls --all --prod`` only ms@2.0.0."""
    (tmp_path / "bun.lock").write_text(BUN_OPTIONAL_PEER)
    lock = read_lockfile(tmp_path / "bun.lock")
    assert lock.format == "bun.lock v2"
    assert {(p.name, p.version, p.dev) for p in lock.packages.values()} == {("ms", "2.0.0", False),
                                                                            ("qs", "6.0.0", True)}
    lines = BUN_OPTIONAL_PEER.splitlines()
    for key in ("ms", "qs"):
        assert lines[lock.packages[key].line - 1].startswith(f'    "{key}": [')


def test_bun_lock_trailing_commas_versions_and_the_binary_lockfile(tmp_path):
    # a ",}" inside a string is text, not a trailing comma
    (tmp_path / "bun.lock").write_text('{"lockfileVersion": 1, "workspaces": {"": {"name": "a,}"},},\n'
                                       ' "packages": {},}\n')
    assert read_lockfile(tmp_path / "bun.lock").importers[""].folder == ""
    (tmp_path / "bun.lock").write_text('{\n  "lockfileVersion": 3,\n  "packages": {},\n}\n')
    with pytest.raises(LockfileError, match=r"bun.lock:2: lockfileVersion 3 is not supported \(supported: 0"):
        read_lockfile(tmp_path / "bun.lock")
    (tmp_path / "bun.lock").write_text('{\n  "lockfileVersion": 1,\n  "packages": {\n    "ms": "2.0.0",\n'
                                       '  },\n}\n')
    with pytest.raises(LockfileError, match="entry 'ms' is not an array starting with its resolution"):
        read_lockfile(tmp_path / "bun.lock")
    # bun 1.1.38 wrote only the binary bun.lockb: the project is not "without a lockfile"
    _manifest(tmp_path, {"dependencies": {"ms": "2.0.0"}})
    assert unlocked_reason(tmp_path / "package.json") == ("cannot audit without a lockfile; run npm install "
                                                          "--package-lock-only")
    (tmp_path / "bun.lock").unlink()
    (tmp_path / "bun.lockb").write_bytes(b"#!/usr/bin/env bun\nbun-lockfile-format-v0\n\x02\x00")
    assert find_lockfiles(tmp_path).unlocked == [tmp_path / "package.json"]
    assert unlocked_reason(tmp_path / "package.json").startswith(
        "bun.lockb is Bun's binary lockfile, which cannot be audited; bun 1.2 and later write the text "
        "bun.lock: run bun install --save-text-lockfile --frozen-lockfile --lockfile-only")


@pytest.mark.parametrize("entry, workspace, message", [
    ('"dependencies": 5', '"dependencies": {"a": "1.0.0"}',
     r"bun.lock:5: entry 'a': dependencies is not an object"),
    ("", '"dependencies": 7', r"bun.lock: workspace '': dependencies is not an object"),
    ("", '"optionalPeers": 3', r"bun.lock: workspace '': optionalPeers is not an array of names"),
])
def test_bun_lock_fields_of_the_wrong_shape_are_the_files_error(tmp_path, entry, workspace, message):
    """A bun.lock whose dependency maps are not objects (hand-edited, or a merge gone wrong) is the user's
    input: a LockfileError naming the entry and its line (exit 2), as an entry that is not an array is;
    it was 'internal error: TypeError: 'int' object is not iterable' (exit 3)."""
    (tmp_path / "bun.lock").write_text('{\n  "lockfileVersion": 1,\n  "workspaces": {"": {' + workspace
                                       + '}},\n  "packages": {\n    "a": ["a@1.0.0", "", {' + entry
                                       + '}, "sha512-x"],\n  },\n}\n')
    with pytest.raises(LockfileError, match=message):
        read_lockfile(tmp_path / "bun.lock")
