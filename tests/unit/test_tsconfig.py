"""tsconfig.json read as TypeScript reads it: comments, trailing commas and `extends` (project/files.py).

The expected folders are what TypeScript 5.9.3 itself printed for the same files (npm's `typescript`,
`tsc --showConfig` and `tsc --traceResolution --noEmit`, run on 2026-12-04)."""

from __future__ import annotations

import json
import time

from test_init_workspaces import write

from echotune_ci.project.files import path_aliases, rel, resolve_import, tsconfig_options
from echotune_ci.project.nodeapp import Package, _server_out

# A monorepo's shape (Nx, Turborepo): the aliases in a base at the root, a shared config package in
# node_modules that extends it and sets outDir, a package that extends that
MONOREPO = {
    "tsconfig.base.json": '{\n  // shared by every package\n  "compilerOptions": {\n    "baseUrl": ".",\n'
                          '    "paths": { "@org/lib/*": ["libs/lib/src/*"], },\n'
                          '    "strict": true,\n  },\n}\n',
    "node_modules/@repo/typescript-config/node.json":
        '{ "extends": "../../../tsconfig.base.json", "compilerOptions": { "outDir": "dist" } }',
    "node_modules/@repo/typescript-config/package.json": '{"name": "@repo/typescript-config"}',
    "packages/api/tsconfig.json":
        '{ "extends": "@repo/typescript-config/node.json", "compilerOptions": { "rootDir": "src" } }',
    "packages/api/src/index.ts": 'import { x } from "@org/lib/thing";\n',
    "libs/lib/src/thing.ts": "export const x = 1;\n",
}


def test_options_follow_extends_and_resolve_against_the_file_that_sets_them(tmp_path):
    write(tmp_path, MONOREPO)
    options = tsconfig_options(tmp_path / "packages/api/tsconfig.json", tmp_path)
    # tsc --showConfig in packages/api: "baseUrl": "../..", "outDir":
    # "../../node_modules/@repo/typescript-config/dist", "rootDir": "./src"
    assert options["baseUrl"] == tmp_path.resolve()
    assert options["outDir"] == (tmp_path / "node_modules/@repo/typescript-config/dist").resolve()
    assert options["rootDir"] == (tmp_path / "packages/api/src").resolve()
    assert options["strict"] is True and options["pathsBase"] == tmp_path.resolve()


def test_an_alias_from_the_base_config_resolves_the_import(tmp_path):
    write(tmp_path, MONOREPO)
    importer = tmp_path / "packages/api/src/index.ts"
    # tsc --traceResolution: '@org/lib/thing' matched pattern '@org/lib/*', 'libs/lib/src/thing' under baseUrl
    assert path_aliases(importer, tmp_path) == [("@org/lib/", (tmp_path / "libs/lib/src").resolve())]
    thing = (tmp_path / "libs/lib/src/thing.ts").resolve()
    assert resolve_import(importer, "@org/lib/thing", tmp_path) == thing


def test_paths_without_baseurl_are_relative_to_the_config_that_sets_them(tmp_path):
    write(tmp_path, {"config/base.json": '{"compilerOptions": {"paths": {"~shared/*": ["./shared/*"]}}}',
                     "config/shared/y.ts": "export const y = 2;\n",
                     "app/tsconfig.json": '{"extends": "../config/base", "include": ["src"]}',
                     "app/src/i.ts": 'import { y } from "~shared/y";\n'})
    # tsc --traceResolution in app/: '~shared/y' was successfully resolved to '<root>/config/shared/y.ts'
    assert resolve_import(tmp_path / "app/src/i.ts", "~shared/y", tmp_path) == \
        (tmp_path / "config/shared/y.ts").resolve()


def test_a_cycle_a_config_outside_the_project_and_a_broken_file_add_nothing(tmp_path):
    project = tmp_path / "project"
    write(tmp_path, {"outside.json": '{"compilerOptions": {"outDir": "leaked"}}',
                     "project/a.json": '{"extends": "./b.json", "compilerOptions": {"module": "esnext"}}',
                     "project/b.json": '{"extends": "./a.json", "compilerOptions": {"target": "es2022"}}',
                     "project/tsconfig.json": '{"extends": ["../outside.json", "./a.json", "./broken.json"]}',
                     "project/broken.json": '{"compilerOptions": {"outDir": '})
    assert tsconfig_options(project / "tsconfig.json", project) == {"module": "esnext", "target": "es2022"}


def test_the_api_build_output_is_the_outdir_tsc_writes(tmp_path):
    write(tmp_path, {**MONOREPO, "packages/api/package.json": json.dumps(
        {"scripts": {"build": "tsc -p .", "start": "node dist/index.js"}, "dependencies": {"express": "4"}})})
    pkg = Package("packages/api", tmp_path / "packages/api", json.loads(
        (tmp_path / "packages/api/package.json").read_text()))
    assert pkg.root == tmp_path
    # tsc would write to the shared config package's dist (TypeScript resolves outDir against the file
    # that sets it), which is what a start script must then run
    assert _server_out("tsc -p .", pkg) == {"../../node_modules/@repo/typescript-config/dist"}
    own = ('{"extends": "@repo/typescript-config/node.json",\n  // its own\n'
           '  "compilerOptions": {"outDir": "./build",}}')
    write(tmp_path, {"packages/api/tsconfig.json": own})
    assert _server_out("tsc", pkg) == {"build"}


def test_a_file_extended_many_times_at_every_level_is_read_once(tmp_path):
    # each of 12 files extends the next six times over: followed path by path, 6**9 reads (init hung)
    files = {f"l{i}.json": json.dumps({"extends": [f"./l{i + 1}.json"] * 6 if i < 11 else [],
                                       "compilerOptions": {"outDir": f"out{i}", f"level{i}": True}})
             for i in range(12)}
    write(tmp_path, {**files, "tsconfig.json": json.dumps({"extends": ["./l0.json"] * 6})})
    started = time.monotonic()
    options = tsconfig_options(tmp_path / "tsconfig.json", tmp_path)
    assert time.monotonic() - started < 5
    # the nearest file's outDir wins; a chain of 8 extends is followed (l0 ... l7 from tsconfig.json's l0)
    assert options["outDir"] == (tmp_path / "out0").resolve()
    assert {k for k in options if k.startswith("level")} == {f"level{i}" for i in range(8)}


def test_the_config_is_parsed_once_for_all_the_imports_an_alias_resolves(tmp_path, monkeypatch):
    import json5

    parsed: list[str] = []
    real_loads = json5.loads
    monkeypatch.setattr(json5, "loads", lambda text: parsed.append(text) or real_loads(text))
    write(tmp_path, {"tsconfig.json": '{"compilerOptions": {"baseUrl": ".", "paths": {"@/*": ["src/*"]}}}\n'
                                      "// parsed once per import, a tsc --init one made init 20 s slower\n",
                     "src/index.ts": "", **{f"src/r{i}.ts": "" for i in range(50)}})
    for i in range(50):
        assert resolve_import(tmp_path / "src/index.ts", f"@/r{i}", tmp_path) == (tmp_path / f"src/r{i}.ts")
    assert len(parsed) == 1


def test_a_config_nested_too_deep_or_an_outdir_through_a_link_loop_does_not_raise(tmp_path):
    write(tmp_path, {"tsconfig.json": '{"compilerOptions": {"x": ' + "[" * 5000 + "]" * 5000 + "}}"})
    assert tsconfig_options(tmp_path / "tsconfig.json", tmp_path) == {}  # json5 recursed past Python's limit
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    write(tmp_path, {"tsconfig.json": '{"compilerOptions": {"outDir": "./a/build"}}'})
    out = tsconfig_options(tmp_path / "tsconfig.json", tmp_path)["outDir"]  # RuntimeError: Symlink loop
    assert rel(out, tmp_path).endswith("/build")
