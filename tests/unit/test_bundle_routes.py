"""React Router 7 / Remix route chunks pair with their own route's chunk, as the build's route manifest says.

React Router's Vite plugin names a route's chunk after its file: every ``routes/<name>/route.tsx`` (the
Shopify app template's ``_index/route.tsx`` and ``auth.login/route.tsx``) is ``route-<hash>.js``, and
abrahamgr/react-router-framework-playground's ``routes/favorites.tsx`` and ``routes/api/favorites.ts`` are two
``favorites-<hash>.js``. Paired by name and size, a route whose chunk grew by a dependency paired with none
of them (reported as a file added) and its neighbour with the wrong route. The browser manifest the build
writes (``build/client/assets/manifest-<hash>.js``: ``window.__reactRouterManifest={...}``) names each
route's module; the shape below is that project's own build's (React Router 7.4, `react-router build`), ids
and URLs as it wrote them.
"""

from __future__ import annotations

import json
from pathlib import Path

from echotune_ci.compare import compare_results
from echotune_ci.phases.bundle.baseline import pair_files
from echotune_ci.phases.bundle.files import BundleFile, expand_globs, route_modules
from echotune_ci.phases.bundle.sizes import FileSize
from echotune_ci.results import Metric, PhaseResult

A = "build/client/assets/"


def manifest(modules: dict[str, str], css: dict[str, list[str]] | None = None, url: str = "/assets/") -> str:
    """A manifest in the shape React Router 7.4 wrote it: route id -> module file name."""
    routes = {rid: {"id": rid, "parentId": None if rid == "root" else "root", "hasLoader": True,
                    "module": url + name, "imports": [url + "chunk-GNGMS2XR-BMS-fpGj.js"],
                    "css": [url + c for c in (css or {}).get(rid, [])]}
              for rid, name in modules.items()}
    data = {"entry": {"module": url + "entry.client-B0L6Pd8U.js", "imports": [], "css": []}, "routes": routes,
            "url": url + "manifest-a43a8eaf.js", "version": "a43a8eaf"}
    return f"window.__reactRouterManifest={json.dumps(data, separators=(',', ':'))};"


def build(root: Path, modules: dict[str, str], css: dict[str, list[str]] | None = None) -> list[BundleFile]:
    out = root / "build/client/assets"
    out.mkdir(parents=True)
    (out / "manifest-a43a8eaf.js").write_text(manifest(modules, css))
    names = [*modules.values(), "entry.client-B0L6Pd8U.js", "chunk-GNGMS2XR-BMS-fpGj.js",
             *(c for cs in (css or {}).values() for c in cs)]
    for name in names:
        (out / name).write_text("export{};")
    files, _ = expand_globs(["build/client/**/*.js", "build/client/**/*.css", "public/build/**/*.js"], root)
    return files


def test_each_route_module_is_named_by_its_route(tmp_path):
    files = build(tmp_path, {"root": "root-Cav7DFpm.js", "routes/favorites": "favorites-nq-YB2jA.js",
                             "routes/api/favorites": "favorites-l0sNRNKZ.js"},
                  css={"root": ["root-BTW-Xp7O.css"]})
    assert route_modules(files) == {
        A + "root-Cav7DFpm.js": "root", A + "favorites-nq-YB2jA.js": "routes/favorites",
        A + "favorites-l0sNRNKZ.js": "routes/api/favorites", A + "entry.client-B0L6Pd8U.js": "(entry)",
        A + "root-BTW-Xp7O.css": "root (css)"}


def test_routes_sharing_a_module_are_named_together_and_a_shared_stylesheet_by_none(tmp_path):
    # the playground's three resource routes made one empty chunk; two routes listing one stylesheet
    files = build(tmp_path, {"fake-character": "api-l0sNRNKZ.js", "fake-episode": "api-l0sNRNKZ.js"},
                  css={"fake-character": ["app-Dx7kQ2pa.css"], "fake-episode": ["app-Dx7kQ2pa.css"]})
    routes = route_modules(files)
    assert routes[A + "api-l0sNRNKZ.js"] == "fake-character, fake-episode"
    assert A + "app-Dx7kQ2pa.css" not in routes


def test_remix_compilers_manifest_names_modules_in_subfolders(tmp_path):
    # Remix 2's own compiler: public/build/manifest-<HASH>.js, routes under public/build/routes/
    out = tmp_path / "public/build"
    (out / "routes").mkdir(parents=True)
    data = {"entry": {"module": "/build/entry.client-5ZQ7LG3U.js", "imports": []},
            "routes": {"routes/notes.$noteId": {"id": "routes/notes.$noteId",
                                                "module": "/build/routes/notes.$noteId-ABCD1234.js"}},
            "url": "/build/manifest-0A1B2C3D.js", "version": "0a1b2c3d"}
    (out / "manifest-0A1B2C3D.js").write_text(f"window.__remixManifest={json.dumps(data)};")
    (out / "routes/notes.$noteId-ABCD1234.js").write_text("export{};")
    (out / "entry.client-5ZQ7LG3U.js").write_text("export{};")
    files, _ = expand_globs(["public/build/**/*.js"], tmp_path)
    assert route_modules(files) == {"public/build/routes/notes.$noteId-ABCD1234.js": "routes/notes.$noteId",
                                    "public/build/entry.client-5ZQ7LG3U.js": "(entry)"}


def test_a_script_that_is_no_route_manifest_names_nothing(tmp_path):
    out = tmp_path / "build/client/assets"
    out.mkdir(parents=True)
    (out / "manifest-1a2b3c4d.js").write_text('window.__reactRouterManifest={"entry":')  # cut short
    (out / "manifest.js").write_text('self.__WB_MANIFEST=[{"url":"/index.html"}];')  # a service worker's
    files, _ = expand_globs(["build/client/**/*.js"], tmp_path)
    assert route_modules(files) == {}


# Two folder routes, each route-<hash>.js: the home route imports a charting library (raw 2,000 -> 60,000
# bytes), the login's grows by 50 bytes
HEAD = [FileSize(A + "route-Cc3dEe4f.js", 60000, 20000, 18000),
        FileSize(A + "route-Qw3rTy12.js", 1950, 800, 700)]
BASE = {A + "route-Dx7kQ2pa.js": {"raw": 2000, "gzip": 820, "brotli": 720},
        A + "route-B-s3Xq1l.js": {"raw": 1900, "gzip": 790, "brotli": 690}}
HEAD_ROUTES = {A + "route-Cc3dEe4f.js": "routes/_index", A + "route-Qw3rTy12.js": "routes/auth.login"}
BASE_ROUTES = {A + "route-Dx7kQ2pa.js": "routes/_index", A + "route-B-s3Xq1l.js": "routes/auth.login"}


def test_a_route_chunk_that_grew_pairs_with_its_own_route():
    by_name = {c.name: c for c in pair_files(HEAD, BASE)}
    # by name and size alone: the login's chunk is the home route's, shrunk; the home route's "added"
    assert by_name[A + "route-Qw3rTy12.js"].renamed_from == A + "route-Dx7kQ2pa.js"
    assert by_name[A + "route-Cc3dEe4f.js"].kind == "added"
    changes = {c.route: c for c in pair_files(HEAD, BASE, HEAD_ROUTES, BASE_ROUTES)}
    home, login = changes["routes/_index"], changes["routes/auth.login"]
    assert (home.kind, home.renamed_from, home.delta) == ("grown", A + "route-Dx7kQ2pa.js", 20000 - 820)
    assert (login.kind, login.renamed_from, login.delta) == ("grown", A + "route-B-s3Xq1l.js", 10)


def test_a_route_only_one_build_has_pairs_with_no_other_routes_chunk():
    # the head removes the login route and adds a signup route of about the same size
    head = [FileSize(A + "route-Zz9yXw8v.js", 1950, 800, 700)]
    base = {A + "route-B-s3Xq1l.js": {"raw": 1900, "gzip": 790, "brotli": 690}}
    # by name and size alone: the signup's chunk is the login's, grown
    assert [(c.kind, c.renamed_from) for c in pair_files(head, base)] == [("grown", A + "route-B-s3Xq1l.js")]
    changes = pair_files(head, base, {A + "route-Zz9yXw8v.js": "routes/auth.signup"},
                         {A + "route-B-s3Xq1l.js": "routes/auth.login"})
    assert sorted((c.kind, c.route) for c in changes) == [("added", "routes/auth.signup"),
                                                          ("removed", "routes/auth.login")]


def bundle_result(files: dict[str, int], routes: dict[str, str]) -> PhaseResult:
    result = PhaseResult(phase="bundle")
    for name, raw in files.items():
        labels = {"file": name, **({"route": routes[name]} if name in routes else {})}
        for kind, value in (("raw", raw), ("gzip", raw // 3), ("brotli", raw // 4)):
            result.metrics.append(Metric(name=f"bundle_file_{kind}_bytes", value=value, unit="bytes",
                                         labels=dict(labels)))
    return result


def test_compare_and_gate_pair_route_chunks_the_way_bundle_does():
    base = bundle_result({n: int(s["raw"]) for n, s in BASE.items()}, BASE_ROUTES)
    head = bundle_result({f.name: f.raw for f in HEAD}, HEAD_ROUTES)
    comps = {(c.name, c.labels["route"]): c for c in compare_results([base], [head])}
    home = comps[("bundle_file_raw_bytes", "routes/_index")]
    assert (home.verdict, home.base, home.head) == ("regressed", 2000, 60000)
    assert comps[("bundle_file_raw_bytes", "routes/auth.login")].base == 1900


def test_a_base_result_without_routes_still_pairs_with_a_head_that_has_them():
    # a base result written before files carried their route (history, an artifact of an older run)
    base = bundle_result({A + "login-DJ87EJ3t.js": 1050}, {})
    head = bundle_result({A + "login-Dq3mZ0aB.js": 1100}, {A + "login-Dq3mZ0aB.js": "routes/login"})
    comps = [c for c in compare_results([base], [head]) if c.name == "bundle_file_raw_bytes"]
    assert [(c.labels, c.base, c.head) for c in comps] == [
        ({"file": A + "login-Dq3mZ0aB.js", "route": "routes/login"}, 1050, 1100)]


def test_the_bundle_phase_says_which_routes_chunk_changed(tmp_path):
    # Shopify/shopify-app-template-react-router 0dbed2e -> 1780dd6 (Polaris React -> Polaris web components):
    # the login route's chunk route-BwvFtQm_.js became route-BRnOJQw5.js, beside the home route's
    # route-4LlfNsXg.js -> route-BJjBKYB9.js; main reported one "removed" and one "added" route-*.js
    from echotune_ci.phases.bundle.phase import BundleOptions, measure_bundle
    from echotune_ci.phases.bundle.settings import BundleSettings

    base_dir, head_dir = tmp_path / "base", tmp_path / "head"
    modules = {"base": {"routes/_index": "route-4LlfNsXg.js", "routes/auth.login": "route-BwvFtQm_.js"},
               "head": {"routes/_index": "route-BJjBKYB9.js", "routes/auth.login": "route-BRnOJQw5.js"}}
    sizes = {"route-4LlfNsXg.js": 1500, "route-BJjBKYB9.js": 1500, "route-BwvFtQm_.js": 1500,
             "route-BRnOJQw5.js": 581}
    for side, root in (("base", base_dir), ("head", head_dir)):
        build(root, modules[side])
        for name, n in sizes.items():
            if name in modules[side].values():
                # incompressible bytes of the given length: gzip grows them, so the ratio follows raw
                (root / "build/client/assets" / name).write_bytes(bytes((i * 7919) % 251 for i in range(n)))

    def opts(root: Path, baseline: Path | None = None) -> BundleOptions:
        return BundleOptions(settings=BundleSettings(), globs=("build/client/**/*.js",), base_dir=root,
                             limits_dir=root, baseline=baseline)

    base_file = tmp_path / "base.json"
    base_file.write_text(json.dumps(measure_bundle(opts(base_dir)).to_dict()))
    head = measure_bundle(opts(head_dir, base_file))
    changed = [n for n in head.notes if n.startswith("  ")]
    said = f"  shrunk {A}route-BRnOJQw5.js, route routes/auth.login (was {A}route-BwvFtQm_.js)"
    assert any(n.startswith(said) for n in changed), changed
    assert not any("added" in n or "removed" in n for n in changed)
    labels = {m.labels["file"]: m.labels.get("route") for m in head.metrics if "file" in m.labels}
    assert labels[A + "route-BJjBKYB9.js"] == "routes/_index"


def test_a_manifest_whose_css_is_no_list_names_the_modules_still(tmp_path):
    """A script that starts like a route manifest but whose ``css`` is a number (not what React Router
    writes: a bundle phase reads every manifest*.js of the output) was a TypeError out of the phase; a
    field of the wrong shape names nothing, as a route without an ``id`` does."""
    out = tmp_path / "build/client/assets"
    out.mkdir(parents=True)
    data = {"routes": {"root": {"id": "root", "module": "/assets/root-Cav7DFpm.js", "css": 5},
                       "routes/a": {"id": "routes/a", "module": "/assets/a-B0L6Pd8U.js",
                                    "css": "/assets/a.css"}},
            "url": "/assets/manifest-a43a8eaf.js"}
    (out / "manifest-a43a8eaf.js").write_text(f"window.__reactRouterManifest={json.dumps(data)};")
    for name in ("root-Cav7DFpm.js", "a-B0L6Pd8U.js", "a.css"):
        (out / name).write_text("export{};")
    files, _ = expand_globs(["build/client/**/*.js", "build/client/**/*.css"], tmp_path)
    assert route_modules(files) == {A + "root-Cav7DFpm.js": "root", A + "a-B0L6Pd8U.js": "routes/a"}


def test_a_build_for_a_cdn_base_names_its_modules(tmp_path):
    """Vite's ``base: "https://cdn.example.com/shop/"`` makes every URL of the manifest absolute (React
    Router's plugin prefixes them with Vite's base) while the files are still in build/client/assets:
    a module under the manifest's own URL's folder is the build's file, whatever its origin. Other origins'
    modules stay unnamed."""
    url = "https://cdn.example.com/shop/assets/"
    out = tmp_path / "build/client/assets"
    out.mkdir(parents=True)
    (out / "manifest-a43a8eaf.js").write_text(
        manifest({"root": "root-Cav7DFpm.js", "routes/favorites": "favorites-nq-YB2jA.js"}, url=url)
        .replace(f'"module":"{url}root-Cav7DFpm.js"', '"module":"https://other.example/root-Cav7DFpm.js"'))
    for name in ("root-Cav7DFpm.js", "favorites-nq-YB2jA.js", "entry.client-B0L6Pd8U.js"):
        (out / name).write_text("export{};")
    files, _ = expand_globs(["build/client/**/*.js"], tmp_path)
    assert route_modules(files) == {A + "favorites-nq-YB2jA.js": "routes/favorites",
                                    A + "entry.client-B0L6Pd8U.js": "(entry)"}
