"""How bundle files are found, named and paired; sizes in config."""

from __future__ import annotations

from pathlib import Path

import pytest

from echotune_ci.config.schema import parse_size
from echotune_ci.errors import ConfigError
from echotune_ci.phases.bundle.baseline import pair_files
from echotune_ci.phases.bundle.files import expand_globs, stable_name
from echotune_ci.phases.bundle.sizes import FileSize


@pytest.mark.parametrize("name, stable", [
    ("dist/app.3f2a1c.js", "dist/app.js"),  # webpack [contenthash:6]
    ("dist/main.3f2a1c8e.chunk.js", "dist/main.chunk.js"),  # create-react-app
    ("assets/index-BwJ3kL9a.js", "assets/index.js"),  # Vite, digits and case
    ("assets/index-DiwrgTda.css", "assets/index.css"),  # Vite hash without a digit
    ("_next/static/6x8bNd0Yc1PBbpXDpNKXp/_buildManifest.js", "_next/static/[hash]/_buildManifest.js"),
    ("dist/vendor.js", "dist/vendor.js"),
    ("dist/polyfills-es2015.js", "dist/polyfills-es2015.js"),
    ("dist/chunk-vendors.js", "dist/chunk-vendors.js"),
    ("dist/facade.min.js", "dist/facade.min.js"),  # a hex-looking word is not a hash
    ("dist/3f2a1c8e.js", "dist/3f2a1c8e.js"),  # nothing but a hash: keep it
    ("README", "README"),
])
def test_stable_name_strips_content_hashes_only(name, stable):
    assert stable_name(name) == stable


def sizes(name: str, gzip: int) -> FileSize:
    return FileSize(name, gzip * 2, gzip, gzip - 1)


def test_pairing_prefers_exact_names_and_refuses_ambiguous_hashes():
    head = [sizes("app.aaaa1111.js", 120), sizes("chunk.bbbb2222.js", 10), sizes("chunk.cccc3333.js", 10),
            sizes("main.js", 50)]
    base = {"app.dddd4444.js": {"gzip": 100}, "chunk.eeee5555.js": {"gzip": 10}, "main.js": {"gzip": 50},
            "main.ffff6666.js": {"gzip": 40}}
    by_name = {c.name: c for c in pair_files(head, base)}
    assert by_name["app.aaaa1111.js"].renamed_from == "app.dddd4444.js"
    assert by_name["app.aaaa1111.js"].kind == "grown" and by_name["app.aaaa1111.js"].delta == 20
    assert by_name["main.js"].kind == "unchanged" and by_name["main.js"].renamed_from is None
    # Two head chunks share one stable name: no guessing, they are new and the old one is gone.
    assert by_name["chunk.bbbb2222.js"].kind == "added" and by_name["chunk.cccc3333.js"].kind == "added"
    assert by_name["chunk.eeee5555.js"].kind == "removed"
    assert by_name["main.ffff6666.js"].kind == "removed" and by_name["main.ffff6666.js"].delta == -40


def test_a_rollup_hash_of_lower_case_letters_still_pairs_with_its_base():
    # imputnet/cobalt's SvelteKit client under run --base-ref, a pull request to web/src/lib/api: the base's
    # page chunk nodes/6.Bc6dVZUP.js was the head's nodes/6.gudljcof.js (3,282 bytes raw on both sides,
    # gzip 1,366 -> 1,367), shown as one file removed and another added.
    folder = "web/.svelte-kit/output/client/_app/immutable/nodes/"
    head = [FileSize(folder + "6.gudljcof.js", 3282, 1367, 1223),
            FileSize(folder + "7.tw7-yVNh.js", 900, 500, 450), sizes("about.settings.js", 10)]
    base = {folder + "6.Bc6dVZUP.js": {"raw": 3282, "gzip": 1366, "brotli": 1242},
            folder + "7.Cq0s-AbZ.js": {"raw": 900, "gzip": 500, "brotli": 450},
            "about.readings.js": {"gzip": 10}}
    by_name = {c.name: c for c in pair_files(head, base)}
    assert by_name[folder + "6.gudljcof.js"].renamed_from == folder + "6.Bc6dVZUP.js"
    assert by_name[folder + "6.gudljcof.js"].delta == 1
    assert by_name[folder + "7.tw7-yVNh.js"].renamed_from == folder + "7.Cq0s-AbZ.js"
    # two words of a hash's length are two files, not one renamed
    assert by_name["about.settings.js"].kind == "added" and by_name["about.readings.js"].kind == "removed"


def test_pairing_follows_a_file_into_another_folder_when_unambiguous():
    head = [sizes("static/dist/app.js", 60), sizes("static/dist/a/util.js", 5),
            sizes("static/dist/b/util.js", 6)]
    base = {"dist/app.1234abcd.js": {"gzip": 50}, "dist/util.js": {"gzip": 5}}
    by_name = {c.name: c for c in pair_files(head, base)}
    assert by_name["static/dist/app.js"].renamed_from == "dist/app.1234abcd.js"
    assert by_name["static/dist/app.js"].delta == 10
    assert by_name["static/dist/a/util.js"].kind == "added" and by_name["dist/util.js"].kind == "removed"


def test_globs_recurse_dedupe_and_report_empty_ones(tmp_path):
    (tmp_path / "dist" / "a" / "b").mkdir(parents=True)
    for rel in ("dist/top.js", "dist/a/mid.js", "dist/a/b/deep.js", "dist/a/b/style.css"):
        (tmp_path / rel).write_text("x")
    files, empty = expand_globs(["dist/**/*.js", "dist/a/**/*.js", "dist/**/*.map"], tmp_path)
    assert [f.name for f in files] == ["dist/a/b/deep.js", "dist/a/mid.js", "dist/top.js"]
    assert empty == ["dist/**/*.map"]
    # Absolute globs outside the base folder are named from their literal prefix.
    files, _ = expand_globs([str(tmp_path / "dist" / "**" / "*.css")], Path("/nonexistent-base"))
    assert [f.name for f in files] == ["a/b/style.css"]


@pytest.mark.parametrize("text, size", [
    ("250KB", 250 * 1024), ("250 kB", 250 * 1024), ("1.5MiB", int(1.5 * 1024 * 1024)), ("900B", 900),
    ("900", 900), (4096, 4096), ("2M", 2 * 1024 * 1024),
])
def test_parse_size(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("bad", ["", "ten", "-1KB", "1 GB", True, -5])
def test_parse_size_refuses_nonsense(bad):
    with pytest.raises(ConfigError):
        parse_size(bad, "--max-total")
