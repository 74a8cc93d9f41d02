"""Hashed bundle file names of every common bundler pair with their base (issue 14, kind 6).

Name shapes are the bundlers' documented defaults: webpack ``[name].[contenthash].js`` (hex, 20 by
default, ``[contenthash:8]`` common), Rollup 4 / Vite 5+ ``assets/[name]-[hash].js`` (8 characters of
base64url, ``-`` and ``_`` included), esbuild ``chunk-[hash].js`` and ``[name]-[hash]`` (8 characters of
upper-case base32), Parcel ``[name].[hash].js`` (8 hex), Next.js ``static/chunks/[name]-[hash16].js``,
``static/css/[hash16].css`` and ``static/<buildId>/_buildManifest.js`` (a 21-character nanoid).
"""

from __future__ import annotations

import pytest

from echotune_ci.compare import Comparison, compare_results, short_path
from echotune_ci.phases.bundle.baseline import REMOVED, pair_files
from echotune_ci.phases.bundle.files import looks_like_hash, rest_of_name, stable_name
from echotune_ci.phases.bundle.sizes import FileSize
from echotune_ci.results import Metric, PhaseResult


def size(name: str, raw: int, gzip: int | None = None) -> FileSize:
    gzip = gzip if gzip is not None else raw // 3
    return FileSize(name, raw, gzip, gzip - 1)


def test_the_issue_example_is_one_changed_file():
    head = [size("assets/index-B-s3Xq1l.js", 3000, 1010)]
    base = {"assets/index-Dx7kQ2pa.js": {"raw": 2990, "gzip": 1000, "brotli": 900}}
    (change,) = pair_files(head, base)
    assert (change.kind, change.renamed_from, change.delta) == ("grown", "assets/index-Dx7kQ2pa.js", 10)


@pytest.mark.parametrize("name, stable", [
    ("dist/main.0123456789abcdef0123.js", "dist/main.js"),  # webpack [contenthash] (20 hex)
    ("dist/vendors.3f2a1c8e.js", "dist/vendors.js"),  # webpack [contenthash:8]
    ("assets/index-Dx7kQ2pa.js", "assets/index.js"),  # Rollup 4 / Vite 5+
    ("assets/index-B-s3Xq1l.js", "assets/index.js"),  # base64url with '-'
    ("assets/index-a_Bc9dEf.css", "assets/index.css"),  # base64url with '_'
    ("assets/react-vendor-Dx7kQ2pa.js", "assets/react-vendor.js"),  # a name holding '-'
    ("assets/index--bc12Xq1.js", "assets/index.js"),  # a hash starting with '-'
    ("chunk-ABCD1234.js", "chunk.js"),  # esbuild chunk
    ("chunk-FEPOTQNH.js", "chunk.js"),  # esbuild base32 without a digit (seen in a real build)
    ("out/app-5XQ7ZJ2K.js", "out/app.js"),  # esbuild entry with [name]-[hash]
    ("index.1a2b3c4d.js", "index.js"),  # Parcel
    ("_next/static/chunks/pages/index-0123456789abcdef.js", "_next/static/chunks/pages/index.js"),
    ("_next/static/chunks/app/layout-89abcdef01234567.js", "_next/static/chunks/app/layout.js"),
    ("_next/static/Ab3_dE-fGh1JkLmNoPq9r/_buildManifest.js", "_next/static/[hash]/_buildManifest.js"),
    # Vite names a chunk after its module; a component's name of 8 letters in camel case has a Rollup
    # hash's shape, but before a -HASH it is the name (Shopify's app template: TitleBar-BIDLFNJI.js);
    # alone, such a name is still none (a hash, or a word: nothing to tell)
    ("build/client/assets/TitleBar-BIDLFNJI.js", "build/client/assets/TitleBar.js"),
    ("assets/DataGrid-B-s3Xq1l.js", "assets/DataGrid.js"),
    ("assets/DataGrid.js", "assets/DataGrid.js"),
    # not hashes: words, versions, all-lower-case names
    ("assets/app-settings.js", "assets/app-settings.js"),
    ("dist/foo-bar-baz1.js", "dist/foo-bar-baz1.js"),
    ("dist/polyfills-es2015.js", "dist/polyfills-es2015.js"),
    ("dist/decade.js", "dist/decade.js"),
])
def test_every_common_hash_pattern_is_stripped(name, stable):
    assert stable_name(name) == stable


def test_words_are_not_hashes():
    assert not any(looks_like_hash(w) for w in ("settings", "vendors", "es2015", "facade", "Settings", "v8"))
    assert all(looks_like_hash(h) for h in ("Dx7kQ2pa", "B-s3Xq1l", "DiwrgTda", "ABCD1234", "0123abcd"))


def test_names_that_are_only_a_hash_pair_by_the_rest_of_the_name_and_the_size():
    assert rest_of_name("_next/static/css/0123456789abcdef.css") == "_next/static/css/*.css"
    assert rest_of_name("_next/static/chunks/123-0123456789abcdef.js") == "_next/static/chunks/*.js"
    css = "_next/static/css/"
    head = [size(f"{css}fedcba9876543210.css", 5100), size(f"{css}aaaa1111bbbb2222.css", 900),
            size("_next/static/chunks/456-0123456789abcdef.js", 40000)]
    base = {"_next/static/css/0123456789abcdef.css": {"raw": 5000, "gzip": 1600},
            "_next/static/css/cccc3333dddd4444.css": {"raw": 880, "gzip": 300},
            "_next/static/chunks/123-0123456789abcdef.js": {"raw": 39000, "gzip": 13000}}
    by_name = {c.name: c for c in pair_files(head, base)}
    assert by_name[f"{css}fedcba9876543210.css"].renamed_from == f"{css}0123456789abcdef.css"
    assert by_name[f"{css}aaaa1111bbbb2222.css"].renamed_from == f"{css}cccc3333dddd4444.css"
    assert by_name["_next/static/chunks/456-0123456789abcdef.js"].renamed_from == (
        "_next/static/chunks/123-0123456789abcdef.js")


def test_the_size_fallback_never_guesses():
    # sizes too far apart (more than 25 % of the larger one): a new file and a removed one
    changes = pair_files([size("css/0123456789abcdef.css", 5000)],
                         {"css/fedcba9876543210.css": {"raw": 2000}})
    assert sorted(c.kind for c in changes) == ["added", "removed"]
    # two head chunks equally close to one base chunk: no pair
    head = [size("chunk-ABCD1234.js", 1000), size("chunk-EFGH5678.js", 1000)]
    changes = pair_files(head, {"chunk-QRST2345.js": {"raw": 1000}})
    assert sorted(c.kind for c in changes) == ["added", "added", "removed"]
    # a third chunk that is new does not take another's place
    head = [size("chunk-ABCD1234.js", 1010), size("chunk-EFGH5678.js", 20100),
            size("chunk-JKLM2345.js", 9000)]
    base = {"chunk-QRST2345.js": {"raw": 1000}, "chunk-UVWX6723.js": {"raw": 20000}}
    pairs = {c.name: c.renamed_from for c in pair_files(head, base)}
    assert pairs == {"chunk-ABCD1234.js": "chunk-QRST2345.js", "chunk-EFGH5678.js": "chunk-UVWX6723.js",
                     "chunk-JKLM2345.js": None}


def bundle_result(files: dict[str, int], removed: tuple[str, ...] = ()) -> PhaseResult:
    result = PhaseResult(phase="bundle")
    for name, raw in files.items():
        for kind, value in (("raw", raw), ("gzip", raw // 3), ("brotli", raw // 4)):
            result.metrics.append(Metric(name=f"bundle_file_{kind}_bytes", value=value, unit="bytes",
                                         labels={"file": name}))
    for name in removed:
        result.metrics.append(Metric(name="bundle_file_gzip_bytes", value=0, unit="bytes",
                                     labels={"file": name}, description=REMOVED))
    return result


def test_compare_pairs_bundle_files_the_way_bundle_does():
    base = bundle_result({"assets/index-Dx7kQ2pa.js": 30000, "assets/index-sfWr9c4l.css": 1400,
                          "assets/old-Qw3rTy12.js": 500})
    head = bundle_result({"assets/index-B-s3Xq1l.js": 36000, "assets/index-sfWr9c4l.css": 1400},
                         removed=("assets/old-Qw3rTy12.js",))
    comps = {(c.name, c.labels["file"]): c for c in compare_results([base], [head])}
    js = comps[("bundle_file_gzip_bytes", "assets/index-B-s3Xq1l.js")]
    assert (js.verdict, js.base, js.head) == ("regressed", 10000, 12000)
    assert ("bundle_file_gzip_bytes", "assets/index-Dx7kQ2pa.js") not in comps
    # a file the head result lists as removed is no head measurement: the base's file was removed
    assert comps[("bundle_file_gzip_bytes", "assets/old-Qw3rTy12.js")].verdict == "removed"
    assert {c.verdict for c in comps.values()} == {"regressed", "no significant change", "removed"}


@pytest.mark.parametrize("path, width, short", [
    ("assets/index.js", 40, "assets/index.js"),
    ("_next/static/chunks/pages/blog/index-0123456789abcdef.js", 48,
     "_next/…/pages/blog/index-0123456789abcdef.js"),
    ("_next/static/chunks/pages/blog/index-0123456789abcdef.js", 36, "_next/…/index-0123456789abcdef.js"),
    ("_next/static/chunks/pages/blog/index-0123456789abcdef.js", 30, "…/index-0123456789abcdef.js"),
    ("a-very-long-file-name-0123456789abcdef.js", 21, "a-very-lon…9abcdef.js"),
])
def test_long_paths_keep_their_distinguishing_part(path, width, short):
    assert short_path(path, width) == short and len(short) <= width


def test_compare_text_keys_keep_the_file_name():
    c = Comparison(key="", name="bundle_file_gzip_bytes", phase="bundle", unit="bytes", better="lower",
                   base=1.0, head=1.0, verdict="no significant change",
                   labels={"file": "_next/static/chunks/pages/blog/index-0123456789abcdef.js"})
    assert c.short_key(60) == "bundle_file_gzip_bytes[_next/…/index-0123456789abcdef.js]"



def test_a_component_chunk_named_like_a_hash_pairs_with_its_base():
    # Shopify/shopify-app-template-react-router 0dbed2e -> 1780dd6: @shopify/app-bridge-react's TitleBar
    # became a web component's tag name, 2,672 -> 39 bytes; main said one file removed and one added
    head = [FileSize("build/client/assets/TitleBar-DFMSJ8Yc.js", 39, 59, 43)]
    base = {"build/client/assets/TitleBar-BIDLFNJI.js": {"raw": 2672, "gzip": 968, "brotli": 857}}
    (change,) = pair_files(head, base)
    assert (change.kind, change.renamed_from, change.delta) == (
        "shrunk", "build/client/assets/TitleBar-BIDLFNJI.js", 59 - 968)
    assert rest_of_name("build/client/assets/TitleBar-DFMSJ8Yc.js") == "build/client/assets/TitleBar.js"
