"""The bundle phase's "no file matches" says where the build did write (2026-12-03: `init` had written
dist/ for a React Router app, whose build is in build/client/assets; the error named only the glob)."""

from __future__ import annotations

from pathlib import Path

import pytest

from echotune_ci.errors import InputError
from echotune_ci.phases.bundle.phase import BundleOptions, built_folders, measure_bundle
from echotune_ci.phases.bundle.settings import BundleSettings


def _touch(root: Path, *names: str) -> None:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x")


def test_the_folders_with_hashed_build_files_most_first(tmp_path):
    _touch(tmp_path,
           "build/client/assets/entry.client-BXa1c2dE.js", "build/client/assets/root-9Fq2LmZ0.css",
           "build/client/assets/home-Q1w2E3r4.js",
           "public/build/_shared/chunk-5ZQ7LG3U.js",
           # no build's: unhashed, a dependency's, a hidden folder's, a virtual environment's
           "src/app.js", "static/jquery.min.js", "tailwind.config.js", "public/build/production.js",
           "node_modules/x/dist/index-abcd1234.js", ".cache/y/z-abcd1234.js", "venv/lib/a-abcd1234.js")
    (tmp_path / "venv" / "pyvenv.cfg").write_text("home = /usr\n")
    assert built_folders(tmp_path) == ["build/client/assets", "public/build/_shared"]


def test_no_file_matches_names_them(tmp_path):
    _touch(tmp_path, "build/client/assets/entry.client-BXa1c2dE.js")
    opts = BundleOptions(settings=BundleSettings(), globs=["dist/**/*.js"], base_dir=tmp_path,
                         limits_dir=tmp_path, baseline=None, max_growth_pct=5.0, strict_limits=True,
                         source="echotune.toml")
    with pytest.raises(InputError) as caught:
        measure_bundle(opts)
    assert str(caught.value) == (f"no file matches 'dist/**/*.js' (relative to {tmp_path}); built "
                                 ".js/.css files (hashed names) are in build/client/assets: point [bundle] "
                                 "globs there")


def _opts(root: Path, globs: list[str], baseline: Path | None = None) -> BundleOptions:
    return BundleOptions(settings=BundleSettings(), globs=globs, base_dir=root, limits_dir=root,
                         baseline=baseline, max_growth_pct=5.0, strict_limits=True, source="echotune.toml")


def test_an_output_folder_the_build_left_without_such_files_is_0_bytes(tmp_path):
    # the seventeenth round: an Astro 4 server build whose pages inline their scripts left dist/client empty
    # beside dist/server/*.mjs; the phase stopped on "no file matches" every run
    _touch(tmp_path, "dist/server/entry.mjs", "dist/server/chunks/db_BFNZvXZ5.mjs", "dist/client/types.d.ts")
    result = measure_bundle(_opts(tmp_path, ["dist/client/**/*.js", "dist/client/**/*.css"]))
    assert {m.name: m.value for m in result.metrics if m.name.startswith("bundle_total")} == {
        "bundle_total_raw_bytes": 0, "bundle_total_gzip_bytes": 0, "bundle_total_brotli_bytes": 0}
    assert result.status == "pass"
    assert result.notes[0] == ("the build wrote dist/client/ and no file there matches dist/client/**/*.js, "
                               "dist/client/**/*.css: 0 bytes (pages that load no script or stylesheet file "
                               "of their own, as an Astro site's with inlined ones)")


@pytest.mark.parametrize("files, globs", [
    ([], ["dist/client/**/*.js"]),                                      # no such folder: nothing was built
    (["dist/client/favicon.ico"], ["**/*.js"]),                          # a glob at the project's root
    (["dist/client/x.txt", "build/assets/index-BXa1c2dE.js"], ["dist/client/**/*.js"]),  # built elsewhere
    # a folder of sources is no build's (it was 0 bytes, "the build wrote src/")
    (["src/main.ts", "src/App.vue"], ["src/**/*.js"]),
    (["src/pages/index.astro"], ["src/**/*.js", "src/**/*.css"]),
])
def test_a_glob_that_names_no_output_folder_is_still_an_error(tmp_path, files, globs):
    _touch(tmp_path, *files)
    with pytest.raises(InputError):
        measure_bundle(_opts(tmp_path, globs))


def test_growth_from_a_base_that_shipped_nothing(tmp_path):
    (tmp_path / "dist" / "client").mkdir(parents=True)
    base = measure_bundle(_opts(tmp_path, ["dist/client/**/*.js"]))
    saved = base.write(tmp_path / "base.json")
    same = measure_bundle(_opts(tmp_path, ["dist/client/**/*.js"], baseline=saved))
    assert next(m.value for m in same.metrics if m.name == "bundle_growth_pct") == 0.0
    (tmp_path / "dist" / "client" / "app.js").write_text("console.log('now some script');\n")
    grown = measure_bundle(_opts(tmp_path, ["dist/client/**/*.js"], baseline=saved))
    growth = next(m for m in grown.metrics if m.name == "bundle_growth_pct")
    assert (growth.value, growth.status) == (100.0, "fail")
