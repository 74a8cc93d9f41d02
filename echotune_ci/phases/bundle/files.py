"""Which files a bundle measurement covers, and how they are named.

Names are what pairs a head file with its base counterpart, so they must not
depend on where the checkout lives (paths are relative) nor on content hashes
that bundlers put into file names (``app.3f2a1c.js`` pairs with ``app.js``
and with ``app.9b8d7e.js``; ``assets/index-Dx7kQ2pa.js`` with
``assets/index-B-s3Xq1l.js``). See :func:`looks_like_hash` for the patterns.
"""

from __future__ import annotations

import glob as _glob
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ...fsutil import json_or_none

_WILDCARD = re.compile(r"[*?\[]")
_HEX = re.compile(r"^[0-9a-f]+$")
_TOKEN = re.compile(r"^[A-Za-z0-9_]+$")
_BASE32 = re.compile(r"^[A-Z2-7]{8}$")
_B64URL = re.compile(r"^[A-Za-z0-9_-]{8}$")
_B64URL_ANY = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class BundleFile:
    """A measured file: its absolute path and the name results show."""

    path: Path  # absolute
    name: str  # relative, with forward slashes, as shown in results


def expand_globs(globs: list[str], base_dir: Path) -> tuple[list[BundleFile], list[str]]:
    """Files matched by *globs* (relative ones against *base_dir*), each once.

    Returns the files sorted by name and the globs that matched nothing.
    """
    found: dict[Path, BundleFile] = {}
    empty: list[str] = []
    for pattern in globs:
        matches = _match(pattern, base_dir)
        if not matches:
            empty.append(pattern)
        for path in matches:
            if path not in found:
                found[path] = BundleFile(path, _display_name(path, pattern, base_dir))
    return sorted(found.values(), key=lambda f: f.name), empty


def _match(pattern: str, base_dir: Path) -> list[Path]:
    expanded = os.path.expanduser(pattern)
    if os.path.isabs(expanded):
        hits = _glob.glob(expanded, recursive=True)
    else:
        hits = [os.path.join(base_dir, h) for h in _glob.glob(expanded, root_dir=base_dir, recursive=True)]
    return [Path(os.path.abspath(h)) for h in hits if os.path.isfile(h)]


def _display_name(path: Path, pattern: str, base_dir: Path) -> str:
    """Relative to the base folder, or to the glob's literal prefix outside it,
    so that a base checkout elsewhere yields the same names."""
    for root in (base_dir.resolve(), base_dir, literal_root(pattern, base_dir)):
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            continue
    return path.as_posix()  # pragma: no cover - the literal root always contains the match


def literal_root(pattern: str, base_dir: Path) -> Path:
    """The folder *pattern* names before its first wildcard (``dist/client`` of ``dist/client/**/*.js``),
    absolute, against *base_dir* when the pattern is relative; *base_dir* itself for ``**/*.js``."""
    literal = [base_dir]
    for part in Path(os.path.expanduser(pattern)).parts[:-1]:
        if _WILDCARD.search(part):
            break
        literal.append(Path(part))
    return Path(os.path.abspath(os.path.join(*literal)))


def looks_like_hash(token: str) -> bool:
    """Whether *token* (a part of a file name between ``.``, ``-`` or ``/``) is a bundler's content hash.

    - webpack ``[contenthash]``/``[chunkhash]``, Parcel, Next.js chunks: hex, 6 to 64 characters, at
      least one digit (``facade`` or ``decade`` are words);
    - esbuild: 8 characters of upper-case base32 (``ABCD1234``, ``QWERTYUI``);
    - Rollup 4 / Vite 5+: 8 characters of base64url (``Dx7kQ2pa``, ``B-s3Xq1l``, ``DiwrgTda``) with a
      digit and a letter, or upper case after the first character; one holding ``-`` or ``_`` needs an
      upper-case letter (so that ``bar-baz1`` stays a name);
    - other tools (``[hash:10]``, build ids): 8 to 64 of ``A-Za-z0-9_`` with a digit and a letter.

    Words such as ``vendor``, ``es2015``, ``settings`` or ``LICENSE`` are not hashes.
    """
    if _HEX.match(token):
        return 6 <= len(token) <= 64 and any(c.isdigit() for c in token)
    if len(token) == 8:
        if _BASE32.match(token):
            return True
        if _B64URL.match(token):
            return _hashy(token) if ("-" in token or "_" in token) else _mixed(token)
    return 8 <= len(token) <= 64 and bool(_TOKEN.match(token)) and _has_digit_and_letter(token)


def _has_digit_and_letter(token: str) -> bool:
    return any(c.isdigit() for c in token) and any(c.isalpha() for c in token)


def _mixed(token: str) -> bool:
    """A digit and a letter, or an upper-case letter after the first character next to a lower-case one."""
    return _has_digit_and_letter(token) or (any(c.isupper() for c in token[1:])
                                            and any(c.islower() for c in token))


def _hashy(token: str) -> bool:
    return any(c.isupper() for c in token) and any(c.isdigit() or c.islower() for c in token)


def _folder_is_hash(folder: str) -> bool:
    """A folder named by a build: a hash, or a Next.js build id (nanoid: 21 of ``A-Za-z0-9_-``)."""
    if len(folder) >= 8 and looks_like_hash(folder):
        return True
    return len(folder) == 21 and bool(_B64URL_ANY.match(folder)) and _mixed(folder)


def _strip_stem(stem: str) -> str:
    """*stem* without a trailing ``-HASH``: the token after the last ``-``, else the last 8 characters when
    the hash itself holds a ``-`` (Rollup's base64url: ``index-B-s3Xq1l``)."""
    head, sep, tail = stem.rpartition("-")
    if sep and head and looks_like_hash(tail):
        return head
    if len(stem) > 9 and stem[-9] == "-" and looks_like_hash(stem[-8:]):
        return stem[:-9]
    return stem


def stable_name(name: str) -> str:
    """*name* without content hashes: ``js/app.3f2a1c.js`` -> ``js/app.js``,
    ``assets/index-B-s3Xq1l.js`` -> ``assets/index.js``, ``chunk-ABCD1234.js`` -> ``chunk.js``,
    ``_next/static/<build id>/_buildManifest.js`` -> ``_next/static/[hash]/_buildManifest.js``.
    A name that is nothing but a hash (``css/0123456789abcdef.css``) is returned as it is."""
    *folders, filename = name.split("/")
    folders = ["[hash]" if _folder_is_hash(f) else f for f in folders]
    stem, *rest = filename.split(".")
    if not rest:
        return "/".join([*folders, filename])
    *middle, ext = rest
    named = _strip_stem(stem)
    middle = [m for m in middle if not looks_like_hash(m)]
    # What is left before a stripped -HASH is the chunk's name, whatever it looks like: Vite's
    # TitleBar-<hash>.js (a component's name, 8 letters in camel case as a Rollup hash can be) is TitleBar.js
    if named == "" or (named == stem and looks_like_hash(stem) and not middle):
        return name  # the hash is the whole name: nothing stable to pair by
    return "/".join([*folders, ".".join([named, *middle, ext])])


def _hash_shaped(token: str) -> bool:
    """Whether *token* has the shape of a content hash, word or not: 8 characters of base64url (Rollup 4,
    Vite 5+) or 6 to 64 of hex."""
    return bool(_B64URL.match(token)) or (bool(_HEX.match(token)) and 6 <= len(token) <= 64)


def hash_shaped_name(name: str) -> str:
    """*name* with every token of a hash's shape as ``*`` (:func:`_hash_shaped`), words included:
    ``nodes/6.gudljcof.js`` and ``nodes/6.Bc6dVZUP.js`` -> ``nodes/6.*.js``. Rollup's hash is 8 characters of
    base64url, so about one in 1,350 is lower-case letters only and reads as a word to
    :func:`looks_like_hash`; the key under which such a name still pairs with its base's (see
    :func:`~.baseline.pair_files`)."""
    *folders, filename = name.split("/")
    folders = ["[hash]" if _folder_is_hash(f) else f for f in folders]
    stem, *rest = filename.split(".")
    if not rest:
        return "/".join([*folders, filename])
    *middle, ext = rest
    if len(stem) > 9 and stem[-9] == "-" and _hash_shaped(stem[-8:]):
        stem = stem[:-8] + "*"
    else:
        head, sep, tail = stem.rpartition("-")
        stem = f"{head}-*" if sep and head and _hash_shaped(tail) else stem
    middle = ["*" if _hash_shaped(m) else m for m in middle]
    return "/".join([*folders, ".".join([stem, *middle, ext])])


def rest_of_name(name: str) -> str:
    """What is left of *name* once hashes and numeric chunk ids are wildcards: the key under which
    files that :func:`stable_name` cannot tell apart are paired by size (``css/0123abcd.css`` ->
    ``css/*.css``, ``chunks/123-0a1b2c3d.js`` -> ``chunks/*.js``)."""
    stable = stable_name(name)
    *folders, filename = stable.split("/")
    folders = ["*" if f == "[hash]" else f for f in folders]
    stem, dot, rest = filename.partition(".")
    parts = [_strip_stem(p) for p in [stem, *rest.split(".")]] if dot else [_strip_stem(stem)]
    # a stem stable_name took a -HASH from is a name (TitleBar): only a number there is an id
    named = stable != name and stem != name.rsplit("/", 1)[-1].partition(".")[0]
    parts = [p if (i == 0 and named and not p.isdigit()) else "*" if (p.isdigit() or looks_like_hash(p))
             else p for i, p in enumerate(parts)]
    return "/".join([*folders, ".".join(parts)])


def unloaded_files(files: list[BundleFile], globs: list[str], base_dir: Path) -> list[BundleFile]:
    """The *files* that are copies of a server build's files, which the client's Vite manifest beside
    them does not name: no page loads them.

    SvelteKit copies its server build's assets (``.svelte-kit/output/server/_app/immutable/assets``:
    ``_page.yeGN9jlM.css``, ``_layout.BrsrMd7_.css``) into the client's, beside the ``4.yeGN9jlM.css``
    its /sverdle page loads: the same component styles a second time, counted twice in a total and in
    a change. The manifest (``.vite/manifest.json`` of Vite 5+, ``manifest.json`` of Vite 4, in a
    glob's literal root ``<out>/client``) names every chunk, stylesheet and asset the pages load; a
    file it does not name that the server build's own manifest (``<out>/server/.vite/manifest.json``,
    which SvelteKit reads for its component stylesheets) names is such a copy. Both are needed: a
    web worker Vite bundles into ``assets/`` is not in the manifest either, and the server's names no
    such file; a file both builds wrote alike is named. A file at the same path under ``<out>/server``
    alone is no copy of the server's: Vite 6 copies ``public/`` into an SSR build's folder too (``vite
    build --ssr --outDir dist/server`` wrote ``vite.svg``, the page's icon, into both), and neither
    manifest names it. A root without a manifest (adapter-node's ``build/client``, which leaves
    ``.vite`` out), or whose server has none, keeps everything.
    """
    left_out: list[BundleFile] = []
    for root in dict.fromkeys(literal_root(g, base_dir) for g in globs):
        server = _manifest_files(root.parent / "server")
        named = _manifest_files(root) if server else set()
        if not named:
            continue
        for f in files:
            try:
                rel = f.path.relative_to(root).as_posix()
            except ValueError:
                continue
            if rel not in named and rel in server and f not in left_out:
                left_out.append(f)
    return left_out


def _manifest_files(root: Path) -> set[str]:
    """The files (relative to *root*) that the Vite manifest in *root* names; empty without one."""
    for candidate in (root / ".vite" / "manifest.json", root / "manifest.json"):
        data = json_or_none(candidate)
        if data is None:
            continue
        # A web app manifest (manifest.json of a PWA) is no Vite manifest: each entry names its file.
        if not isinstance(data, dict) or not data or not all(
                isinstance(e, dict) and isinstance(e.get("file"), str) for e in data.values()):
            continue
        named: set[str] = set()
        for entry in data.values():
            named.add(entry["file"])
            for key in ("css", "assets"):
                named.update(x for x in entry.get(key) or [] if isinstance(x, str))
        return named
    return set()


# React Router 7's and Remix's route manifest for the browser (build/client/assets/manifest-<hash>.js, Remix's
# compiler public/build/manifest-<HASH>.js): which module each route loads
_ROUTE_MANIFEST = re.compile(r"\s*window\.(?:__reactRouterManifest|__remixManifest)\s*=\s*")
# The keys of a route's entry that name its other modules: React Router's split route modules
# (future.v8_splitRouteModules) put a route's clientLoader, clientAction ... in files of their own
_SPLIT_MODULES = {"clientActionModule": "clientAction", "clientLoaderModule": "clientLoader",
                  "clientMiddlewareModule": "clientMiddleware", "hydrateFallbackModule": "HydrateFallback"}
_MANIFEST_MAX_BYTES = 4 << 20


def route_modules(files: list[BundleFile]) -> dict[str, str]:
    """Measured file name -> the route whose module it is, as the build's own route manifest says.

    React Router 7 (framework mode) and Remix name a route's chunk after its file, so an app has many of
    one name: ``route-<hash>.js`` for every ``routes/<name>/route.tsx``, ``_index-<hash>.js`` for each
    ``_index.tsx`` of remix-flat-routes, ``favorites-<hash>.js`` for both ``routes/favorites.tsx`` and
    ``routes/api/favorites.ts``; by name and size a route whose chunk grew by a dependency pairs with
    none of them, or with another route's. The manifest they write for the browser
    (``window.__reactRouterManifest=`` or ``window.__remixManifest=`` and JSON) names each route's
    ``module`` (and its split ones, its ``css``) by URL, and its ``url`` is its own: the value is the
    route's id (``routes/favorites``), with `` (clientLoader)``, `` (css)`` for those, ``(entry)`` for
    the entry module; ids joined by ``, `` where routes share a file. A file no manifest names is left
    out; a build without such a manifest gives {}.
    """
    by_path = {f.path: f for f in files}
    labels: dict[str, list[str]] = {}
    for f in files:
        if not (f.path.name.startswith("manifest") and f.path.suffix == ".js"):
            continue
        manifest = _read_route_manifest(f.path)
        if manifest is None:
            continue
        for url, label in _manifest_modules(manifest):
            target = _resolve_module(url, f.path, manifest.get("url"))
            if target in by_path:
                labels.setdefault(by_path[target].name, []).append(label)
    return {name: ", ".join(dict.fromkeys(ids)) for name, ids in labels.items()}


def _read_route_manifest(path: Path) -> dict[str, object] | None:
    """The route manifest in *path* (a dict with ``routes``), or None for any other script."""
    try:
        if path.stat().st_size > _MANIFEST_MAX_BYTES:
            return None
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    start = _ROUTE_MANIFEST.match(text)
    if not start:
        return None
    try:
        data, _end = json.JSONDecoder().raw_decode(text, start.end())
    except (ValueError, RecursionError):  # a build's script nested too deeply is no manifest either
        return None
    return data if isinstance(data, dict) and isinstance(data.get("routes"), dict) else None


def _manifest_modules(manifest: dict[str, object]) -> list[tuple[str, str]]:
    """(module URL, label) for the entry and every route's module, split modules and stylesheets; a
    stylesheet only where one route lists it (a shared one belongs to no route)."""
    out: list[tuple[str, str]] = []
    entry = manifest.get("entry")
    if isinstance(entry, dict) and isinstance(entry.get("module"), str):
        out.append((entry["module"], "(entry)"))
    table = manifest["routes"]
    routes = [r for r in table.values() if isinstance(r, dict)] if isinstance(table, dict) else []
    css_count: dict[str, int] = {}
    for route in routes:
        for css in _urls(route.get("css")):
            css_count[css] = css_count.get(css, 0) + 1
    for route in routes:
        rid = route.get("id")
        if not isinstance(rid, str):
            continue
        if isinstance(route.get("module"), str):
            out.append((route["module"], rid))
        out += [(route[key], f"{rid} ({what})") for key, what in _SPLIT_MODULES.items()
                if isinstance(route.get(key), str)]
        out += [(css, f"{rid} (css)") for css in _urls(route.get("css")) if css_count.get(css) == 1]
    return out


def _urls(value: object) -> list[str]:
    """The strings of the list *value* (a route's ``css``); [] for anything else: the manifest is any
    script named manifest*.js that starts like one, and iterating a number was a TypeError out of the
    bundle phase."""
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _resolve_module(url: str, manifest_path: Path, manifest_url: object) -> Path | None:
    """The file a module *url* of the manifest at *manifest_path* names: relative to the manifest's own
    URL (``/assets/manifest-1a2b.js``, ``/build/manifest-ABCD.js``, under a ``basename`` too), else by
    its file name in the manifest's folder. None for another origin's URL.

    The manifest's folder is checked first: with Vite's ``base`` a CDN's URL, every URL of the manifest,
    its own too, is absolute, and the files are the build's all the same."""
    if isinstance(manifest_url, str) and "/" in manifest_url:
        prefix = manifest_url.rsplit("/", 1)[0] + "/"
        if url.startswith(prefix) and "//" not in url[len(prefix):]:
            return Path(os.path.normpath(manifest_path.parent / url[len(prefix):]))
    if "//" in url:
        return None
    return manifest_path.parent / url.rsplit("/", 1)[-1]
