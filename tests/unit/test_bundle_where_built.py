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
