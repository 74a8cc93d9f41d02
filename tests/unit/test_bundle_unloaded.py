"""Copies of a server build's files that the client's Vite manifest does not name are no page's:
SvelteKit's copies of its server stylesheets (2026-12-05, ddev/test-sveltekit, SvelteKit 2.16.1 and Vite
6.0.11: the client output's _app/immutable/assets held _page.yeGN9jlM.css beside the 4.yeGN9jlM.css its
/sverdle page loads, the same component styles, and the bundle counted both)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from echotune_ci.phases.bundle.phase import BundleOptions, measure_bundle
from echotune_ci.phases.bundle.settings import BundleSettings

CLIENT = ".svelte-kit/output/client"
# The manifest of that build, cut to two nodes and the shared chunk (the file names are the build's).
MANIFEST = {
    ".svelte-kit/generated/client-optimized/app.js": {
        "file": "_app/immutable/entry/app.CS7QU2z0.js", "imports": ["_CIFl4tC3.js"]},
    "_CIFl4tC3.js": {"file": "_app/immutable/chunks/CIFl4tC3.js"},
    ".svelte-kit/generated/client-optimized/nodes/0.js": {
        "file": "_app/immutable/nodes/0.DUFwpXin.js", "css": ["_app/immutable/assets/0.DSX17XxN.css"],
        "assets": ["_app/immutable/assets/fira-mono-latin-400-normal.DKjLVgQi.woff2"]},
    ".svelte-kit/generated/client-optimized/nodes/4.js": {
        "file": "_app/immutable/nodes/4.CHhwlE12.js", "css": ["_app/immutable/assets/4.yeGN9jlM.css"]},
}
# The sizes that build wrote (ls -l), the server's copies among them.
SIZES = {
    "_app/immutable/entry/app.CS7QU2z0.js": 6587, "_app/immutable/chunks/CIFl4tC3.js": 13389,
    "_app/immutable/nodes/0.DUFwpXin.js": 6291, "_app/immutable/nodes/4.CHhwlE12.js": 15619,
    "_app/immutable/assets/0.DSX17XxN.css": 5174, "_app/immutable/assets/4.yeGN9jlM.css": 3692,
    "_app/immutable/assets/_layout.BrsrMd7_.css": 5426, "_app/immutable/assets/_page.yeGN9jlM.css": 3692,
    # static/ copied to the top, and a web worker Vite bundles into assets/ (in no manifest either): no
    # server twin, so they stay
    "service-worker.js": 700, "_app/immutable/assets/worker-Dq7SlH2J.js": 900,
}
# What the server build wrote (SvelteKit copies its assets into the client's): the two stylesheets, and a
# font the client's manifest names too.
SERVER = ["_app/immutable/assets/_layout.BrsrMd7_.css", "_app/immutable/assets/_page.yeGN9jlM.css",
          "_app/immutable/assets/fira-mono-latin-400-normal.DKjLVgQi.woff2"]
# The server build's own manifest names them: SvelteKit 2.16.1 writes <out>/server/.vite/manifest.json and
# reads each component's stylesheet from its entry's css (build_server.js, component_stylesheet_map).
SERVER_MANIFEST = {
    "src/routes/+layout.svelte": {
        "file": "entries/pages/_layout.svelte.js", "css": ["_app/immutable/assets/_layout.BrsrMd7_.css"],
        "assets": ["_app/immutable/assets/fira-mono-latin-400-normal.DKjLVgQi.woff2"]},
    "src/routes/sverdle/+page.svelte": {"file": "entries/pages/sverdle/_page.svelte.js",
                                        "css": ["_app/immutable/assets/_page.yeGN9jlM.css"]},
}


def _build(root: Path, manifest: object, server_manifest: object = SERVER_MANIFEST) -> None:
    client = root / CLIENT
    for name, size in SIZES.items():
        (client / name).parent.mkdir(parents=True, exist_ok=True)
        (client / name).write_bytes(b"a" * size)
    (client / ".vite").mkdir()
    (client / ".vite" / "manifest.json").write_text(json.dumps(manifest))
    for name in SERVER:
        (root / CLIENT / ".." / "server" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / CLIENT / ".." / "server" / name).write_bytes(b"s")
    (root / CLIENT / ".." / "server" / ".vite").mkdir()
    (root / CLIENT / ".." / "server" / ".vite" / "manifest.json").write_text(json.dumps(server_manifest))


def _measure(root: Path):
    opts = BundleOptions(settings=BundleSettings(), globs=[f"{CLIENT}/**/*.js", f"{CLIENT}/**/*.css"],
                         base_dir=root, limits_dir=root, baseline=None, max_growth_pct=5.0,
                         strict_limits=True, source="echotune.toml")
    return measure_bundle(opts)


def test_the_server_stylesheets_copied_beside_the_client_are_left_out(tmp_path):
    _build(tmp_path, MANIFEST)
    result = _measure(tmp_path)
    files = {m.labels["file"] for m in result.metrics if m.name == "bundle_file_raw_bytes"}
    assert files == {f"{CLIENT}/{n}" for n in SIZES if "/_page." not in n and "/_layout." not in n}
    # 6587 + 13389 + 6291 + 15619 + 5174 + 3692 + 700 + 900, without 5426 + 3692
    assert result.metric("bundle_total_raw_bytes").value == 52352
    assert (f"left out 2 copies of the server build's files, which the build's manifest "
            f"(.vite/manifest.json) does not name and no page loads: "
            f"{CLIENT}/_app/immutable/assets/_layout.BrsrMd7_.css, "
            f"{CLIENT}/_app/immutable/assets/_page.yeGN9jlM.css (SvelteKit copies its server build's "
            f"stylesheets beside the client's: counted, the page styles would count twice)") in result.notes


@pytest.mark.parametrize("manifest", [{"name": "app", "icons": [{"src": "icon.png"}]}, None])
def test_without_a_vite_manifest_every_file_is_kept(tmp_path, manifest):
    # a PWA's manifest.json is no Vite manifest (its entries name no file); adapter-node's build/client has
    # none (writeClient leaves .vite out)
    _build(tmp_path, manifest)
    if manifest is None:
        (tmp_path / CLIENT / ".vite" / "manifest.json").unlink()
    result = _measure(tmp_path)
    assert result.metric("bundle_total_raw_bytes").value == sum(SIZES.values())
    assert not any("left out" in n for n in result.notes)


@pytest.mark.parametrize("server_manifest", [True, False])
def test_public_files_vite_copies_into_an_ssr_build_are_kept(tmp_path, server_manifest):
    """Vite 6.4.6 copies public/ into an SSR build's folder too: `vite build --outDir dist/client
    --manifest && vite build --ssr src/entry-server.js --outDir dist/server` (with and without --manifest)
    wrote public/vite.svg (the page's icon) and public/hero.txt into both, and neither manifest names them.
    A server twin alone had both left out of the client's bundle; these are that build's files."""
    client, server = tmp_path / "dist" / "client", tmp_path / "dist" / "server"
    sizes = {"index.html": 202, "assets/index-Scwkh5Gm.js": 808, "vite.svg": 42, "hero.txt": 54056}
    for name, size in sizes.items():
        (client / name).parent.mkdir(parents=True, exist_ok=True)
        (client / name).write_bytes(b"a" * size)
    for name in ("entry-server.js", "vite.svg", "hero.txt"):
        (server / name).parent.mkdir(parents=True, exist_ok=True)
        (server / name).write_bytes(b"s")
    (client / ".vite").mkdir()
    (client / ".vite" / "manifest.json").write_text(json.dumps(
        {"index.html": {"file": "assets/index-Scwkh5Gm.js", "src": "index.html", "isEntry": True}}))
    if server_manifest:
        (server / ".vite").mkdir()
        (server / ".vite" / "manifest.json").write_text(json.dumps({"src/entry-server.js": {
            "file": "entry-server.js", "src": "src/entry-server.js", "isEntry": True}}))
    opts = BundleOptions(settings=BundleSettings(), globs=["dist/client/**"], base_dir=tmp_path,
                         limits_dir=tmp_path, baseline=None, max_growth_pct=5.0, strict_limits=True,
                         source="echotune.toml")
    result = measure_bundle(opts)
    assert result.metric("bundle_total_raw_bytes").value == 202 + 808 + 42 + 54056
    assert not any("left out" in n for n in result.notes)
