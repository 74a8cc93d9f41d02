"""Code a generator writes into node_modules from the project's own files (Prisma's client from its
schema) belongs to those files: a change to them re-runs the head's setup, and `run --base-ref` gives the
base a setup of its own instead of the head's node_modules, whose client is the head's schema's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from echotune_ci.baseref.environment import generated_differences, reuse_environment, setup_differences
from echotune_ci.config.sections import ServeSettings
from echotune_ci.serve.generated import _patched, generated_inputs, patch_inputs
from echotune_ci.serve.steps import record_setup, setup_fingerprint, setup_inputs, setup_is_current
from support.base_ref_repo import hardlinked

# lucanovello/starter-express-prisma-jwt at 6bcd86b, cut down: Prisma 7 with prisma-client-js, whose
# client `npx prisma generate` (the postinstall) writes into node_modules/.prisma/client.
PACKAGE = {"name": "starter", "scripts": {"postinstall": "npx prisma generate", "build": "tsc"},
           "dependencies": {"@prisma/client": "^7.2.0", "@prisma/adapter-pg": "^7.2.0"},
           "devDependencies": {"prisma": "^7.2.0"}}
LOCK = {"name": "starter", "lockfileVersion": 3, "requires": True,
        "packages": {"": {"name": "starter"}, "node_modules/@prisma/client": {"version": "7.2.0"}}}
SCHEMA = """datasource db {
  provider = "postgresql"
}

generator client {
  provider = "prisma-client-js"
}

model User {
  id        String    @id @default(uuid())
  email     String    @unique
%s}
"""
SERVE = ServeSettings(setup="npm ci", build="npx prisma migrate deploy && npm run build",
                      command="node dist/index.js", setup_inputs=("package.json", "package-lock.json"))


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def project(root: Path, schema: str, package: dict[str, object] | None = None) -> Path:
    write(root / "package.json", json.dumps(package or PACKAGE))
    write(root / "package-lock.json", json.dumps(LOCK))
    write(root / "prisma" / "schema.prisma", schema)
    return root


def test_a_schema_change_gives_the_base_its_own_setup(tmp_path: Path) -> None:
    # The trial's pull request: `displayName String?` and its migration, the lockfile untouched. Linked,
    # the base ran the head's client (the poll: node_modules/.prisma/client/schema.prisma of the base had
    # displayName) against its own database without the column, and answered POST /auth/login with 500.
    head = project(tmp_path / "head", SCHEMA % "  displayName String?\n")
    base = project(tmp_path / "base", SCHEMA % "")
    write(head / "node_modules" / ".prisma" / "client" / "schema.prisma", SCHEMA % "  displayName String?\n")
    assert reuse_environment(SERVE, head, SERVE, base) is None
    assert not (base / "node_modules").exists()
    # the real run's note, after the fix: "the base's setup inputs differ from the head's (...)"
    assert setup_differences(SERVE, head, SERVE, base) == (
        "prisma/schema.prisma, which node_modules/.prisma/client is generated from")


def test_the_same_schema_still_links(tmp_path: Path) -> None:
    # the trial's docs-only pairs: same lockfile, same schema; the base's build regenerating the client
    # writes what the head's setup wrote
    head, base = project(tmp_path / "head", SCHEMA % ""), project(tmp_path / "base", SCHEMA % "")
    write(head / "node_modules" / ".prisma" / "client" / "index.js", "// client\n")
    note = reuse_environment(SERVE, head, SERVE, base)
    assert note is not None and note.startswith("the base's dependencies are the head's")
    assert hardlinked(base / "node_modules", head / "node_modules")


def test_the_heads_setup_runs_again_when_its_schema_changes(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # A checkout switched to the pull request's branch kept the client of the schema before: its setup was
    # "skipped, its inputs did not change", since the lockfile had not.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    cwd = project(tmp_path / "app", SCHEMA % "")
    (cwd / "node_modules").mkdir()
    inputs = setup_inputs(cwd, SERVE.setup_inputs)
    record_setup(cwd, setup_fingerprint(SERVE.setup, cwd, inputs))

    def current() -> bool:
        now = setup_inputs(cwd, SERVE.setup_inputs)
        return setup_is_current(cwd, setup_fingerprint(SERVE.setup, cwd, now))

    assert current()
    write(cwd / "prisma" / "schema.prisma", SCHEMA % "  displayName String?\n")
    assert not current()


@pytest.mark.parametrize(("generator", "expected"), [
    # Prisma 7's own generator must be given an output; in the checkout, each build generates its own
    ('provider = "prisma-client"\n  output   = "../src/generated/prisma"', {}),
    ('provider = "prisma-client-js"\n  output   = "../generated/client"', {}),
    ('provider = "prisma-client-js"', {"prisma/schema.prisma": "node_modules/.prisma/client"}),
    ('provider = "prisma-client-js"\n  output = "../node_modules/.prisma/custom"',
     {"prisma/schema.prisma": "node_modules/.prisma/custom"}),
])
def test_only_a_generator_that_writes_into_node_modules_counts(tmp_path: Path, generator: str,
                                                               expected: dict[str, str]) -> None:
    schema = f'datasource db {{\n  provider = "postgresql"\n}}\n\ngenerator client {{\n  {generator}\n}}\n'
    root = project(tmp_path, schema)
    assert {p.relative_to(root).as_posix(): what for p, what in generated_inputs(root).items()} == expected


def test_a_package_without_prisma_has_none(tmp_path: Path) -> None:
    root = project(tmp_path, SCHEMA % "", {"name": "other", "dependencies": {"express": "^5.0.0"}})
    assert generated_inputs(root) == {}


def test_a_multi_file_schema_counts_every_file_and_a_folders_client_is_named_from_cwd(tmp_path: Path) -> None:
    # package.json "prisma": {"schema": "prisma/schema"} in a server/ folder the setup installs into
    package = {**PACKAGE, "prisma": {"schema": "prisma/schema"}}
    files = {"server/prisma/schema/main.prisma": SCHEMA.replace("model User", "model Account") % "",
             "server/prisma/schema/post.prisma": "model Post {\n  id Int @id\n}\n"}
    serve = ServeSettings(setup="npm ci --prefix server", command="node server/dist/index.js",
                          setup_inputs=("server/package.json", "server/package-lock.json"))
    head, base = tmp_path / "head", tmp_path / "base"
    for root in (head, base):
        for name, text in files.items():
            write(root / name, text)
        write(root / "server" / "package.json", json.dumps(package))
        write(root / "server" / "package-lock.json", json.dumps(LOCK))
    write(head / "server" / "prisma" / "schema" / "post.prisma",
          "model Post {\n  id Int @id\n  title String\n}\n")
    assert [p.relative_to(head).as_posix() for p in setup_inputs(head, serve.setup_inputs)] == [
        "server/package.json", "server/package-lock.json", "server/prisma/schema/main.prisma",
        "server/prisma/schema/post.prisma"]
    assert setup_differences(serve, head, serve, base) == (
        "server/prisma/schema/post.prisma, which server/node_modules/.prisma/client is generated from")


def test_a_base_linked_without_setup_is_warned_of_the_shared_client(tmp_path: Path) -> None:
    # --no-setup on the displayName pair with `npx prisma generate` in both builds: the poll saw the head's
    # node_modules/.prisma/client/schema.prisma lose displayName when the base's build ran, 3 s after the
    # run started, and the head's app then loaded the base's client
    head = project(tmp_path / "head", SCHEMA % "  displayName String?\n")
    base = project(tmp_path / "base", SCHEMA % "")
    write(head / "node_modules" / ".prisma" / "client" / "index.js", "// client\n")
    note = reuse_environment(SERVE, head, SERVE, base, installs=False)
    assert note is not None and note.startswith("the base has no setup to run")
    assert generated_differences(SERVE, head, SERVE, base) == (
        "the base did not run its setup and uses the head's node_modules, but its prisma/schema.prisma "
        "differs from the head's, which node_modules/.prisma/client is generated from: the base runs the "
        "head's generated code, and a generator in its build writes the base's into the node_modules the "
        "head's app then loads; run without --no-setup to give the base its own")
    write(base / "prisma" / "schema.prisma", SCHEMA % "  displayName String?\n")
    assert generated_differences(SERVE, head, SERVE, base) == ""


def test_a_schema_named_by_an_absolute_path_is_no_input_and_one_beside_the_package_is(tmp_path: Path) -> None:
    shared = write(tmp_path / "shared" / "schema.prisma", SCHEMA % "")
    root = project(tmp_path / "app", SCHEMA % "", {**PACKAGE, "prisma": {"schema": str(shared)}})
    assert generated_inputs(root) == {}
    assert setup_differences(SERVE, root, SERVE, root) == ""
    # a monorepo's package naming the schema of a sibling folder: the checkout's own file, compared
    sibling = {**PACKAGE, "prisma": {"schema": "../shared/schema.prisma"}}
    root = project(tmp_path / "app2", SCHEMA % "", sibling)
    assert [p.resolve() for p in generated_inputs(root)] == [shared.resolve()]


# patch-package 8: `npx patch-package ms @tootallnate/once` after an edit of each, in a scratch project,
# wrote patches/ms+2.1.3.patch and patches/@tootallnate+once+2.0.0.patch; its postinstall applies them.
MS_PATCH = """diff --git a/node_modules/ms/index.js b/node_modules/ms/index.js
index ea734fb..%s 100644
--- a/node_modules/ms/index.js
+++ b/node_modules/ms/index.js
@@ -160,3 +160,4 @@ function plural(ms, msAbs, n, name) {
   var isPlural = msAbs >= n * 1.5;
   return Math.round(ms / n) + ' ' + name + (isPlural ? 's' : '');
 }
+// %s
"""
PATCHED = {"name": "app", "scripts": {"postinstall": "patch-package", "start": "node server.js"},
           "dependencies": {"ms": "2.1.3", "@tootallnate/once": "2.0.0"},
           "devDependencies": {"patch-package": "^8.0.0"}}


def patched(root: Path, note: str, package: dict[str, object] | None = None, folder: str = "patches") -> Path:
    write(root / "package.json", json.dumps(package or PATCHED))
    write(root / "package-lock.json", json.dumps({"name": "app", "lockfileVersion": 3, "packages": {}}))
    write(root / folder / "ms+2.1.3.patch", MS_PATCH % ("6452ba2", note))
    write(root / folder / "@tootallnate+once+2.0.0.patch", "diff --git a/node_modules/@tootallnate/once\n")
    return root


def test_patch_package_patches_are_setup_inputs(tmp_path: Path) -> None:
    root = patched(tmp_path, "patched")
    patches = root / "patches"
    assert patch_inputs(root) == {patches / "@tootallnate+once+2.0.0.patch": "node_modules/@tootallnate/once",
                                  patches / "ms+2.1.3.patch": "node_modules/ms"}
    assert setup_inputs(root, ())[-2:] == sorted((root / "patches").glob("*.patch"))
    # run through another script, from a --patch-dir, in subfolders (patch-package reads them recursively)
    scripts = {"prepare": "husky && npm run patch",
               "patch": "patch-package --patch-dir fixes/npm --error-on-fail"}
    calls = {**PATCHED, "scripts": scripts}
    other = patched(tmp_path / "other", "patched", calls, "fixes/npm/web")
    assert sorted(p.relative_to(other).as_posix() for p in patch_inputs(other)) == [
        "fixes/npm/web/@tootallnate+once+2.0.0.patch", "fixes/npm/web/ms+2.1.3.patch"]
    # a script no install runs does not patch node_modules on install
    manual = patched(tmp_path / "manual", "patched", {**PATCHED, "scripts": {"fix": "patch-package"}})
    assert patch_inputs(manual) == {}


def test_a_changed_patch_gives_the_base_its_own_setup(tmp_path: Path) -> None:
    # the lockfile is the same on both sides; the pull request changed what the patch adds to ms
    serve = ServeSettings(setup="npm ci", command="node server.js")
    head, base = patched(tmp_path / "head", "the head's"), patched(tmp_path / "base", "the base's")
    (head / "node_modules" / "ms").mkdir(parents=True)
    assert reuse_environment(serve, head, serve, base) is None
    assert setup_differences(serve, head, serve, base) == "patches/ms+2.1.3.patch"
    same = patched(tmp_path / "same", "the head's")
    assert reuse_environment(serve, head, serve, same) is not None


@pytest.mark.parametrize(("filename", "folder"), [
    ("ms+2.1.3.patch", "ms"), ("@tootallnate+once+2.0.0.patch", "@tootallnate/once"),
    ("left-pad+1.3.0+001+initial.patch", "left-pad"),  # patch-package 8's sequence of patches
    ("react-native+0.72.4.dev.patch", "react-native"),  # applied only with the devDependencies
    ("a++@b+c+1.0.0.patch", "a/node_modules/@b/c"),  # a package nested under another's node_modules
])
def test_the_package_a_patch_file_names(filename: str, folder: str) -> None:
    assert _patched(filename) == folder


def test_an_absolute_patch_dir_is_under_the_app(tmp_path: Path) -> None:
    # patch-package 8 (dist/applyPatches.js) reads join(appPath, patchDir) with Node's path.join, which
    # keeps "/fixes" under the app: <app>/fixes, not the machine's /fixes ("--patch-dir /" read them all)
    calls = {**PATCHED, "scripts": {"postinstall": "patch-package --patch-dir /fixes"}}
    root = patched(tmp_path, "patched", calls, "fixes")
    assert sorted(p.relative_to(root).as_posix() for p in patch_inputs(root)) == [
        "fixes/@tootallnate+once+2.0.0.patch", "fixes/ms+2.1.3.patch"]


def test_patches_above_the_served_folder_compare_by_their_way_there(tmp_path: Path) -> None:
    # a monorepo whose app (serve cwd apps/web) applies the top folder's patches: run --base-ref stopped on
    # "ValueError: ... is not in the subpath of ..." when it compared the two sides' inputs
    calls = {**PATCHED, "scripts": {"postinstall": "patch-package --patch-dir ../../patches"}}
    serve = ServeSettings(setup="npm ci", command="node server.js")
    sides = {}
    for side, note in (("head", "the head's"), ("base", "the base's"), ("same", "the head's")):
        top = tmp_path / side
        write(top / "patches" / "ms+2.1.3.patch", MS_PATCH % ("6452ba2", note))
        write(top / "apps" / "web" / "package.json", json.dumps(calls))
        write(top / "apps" / "web" / "package-lock.json", json.dumps({"name": "app", "lockfileVersion": 3}))
        sides[side] = top / "apps" / "web"
    (sides["head"] / "node_modules" / "ms").mkdir(parents=True)
    assert setup_differences(serve, sides["head"], serve, sides["base"]) == "../../patches/ms+2.1.3.patch"
    assert reuse_environment(serve, sides["head"], serve, sides["base"]) is None
    assert reuse_environment(serve, sides["head"], serve, sides["same"]) is not None
    # the stamp names it the same way, so a setup of the head is current for an unchanged patch
    inputs = setup_inputs(sides["head"], ())
    assert "../../patches/ms+2.1.3.patch" in setup_fingerprint("npm ci", sides["head"], inputs)["inputs"]
