"""init sets NODE_OPTIONS=--openssl-legacy-provider for a build whose webpack hashes with OpenSSL's md4,
which Node 17+ (OpenSSL 3) no longer has: webpack 4 (react-scripts 4 and earlier) and webpack 5 before
5.61.0, the first to bring its own md4 (lib/util/hash/md4.js; 5.60.0's createHash still asks crypto)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from echotune_ci.project import runtimes
from echotune_ci.project.nodeapp import Package
from echotune_ci.project.nodenotes import legacy_openssl


def package(root: Path, deps: dict[str, str], locked: dict[str, str]) -> Package:
    data = {"name": "app", "devDependencies": deps}
    root.mkdir(parents=True)
    (root / "package.json").write_text(json.dumps(data))
    lock = {"name": "app", "lockfileVersion": 2, "packages": {
        "": data, **{f"node_modules/{name}": {"version": v} for name, v in locked.items()}}}
    (root / "package-lock.json").write_text(json.dumps(lock))
    return Package(".", root, data)


@pytest.mark.parametrize(("node", "deps", "locked", "expected"), [
    # ali28729/react-webpack-full-stack: "webpack": "^5.30.0", locked at 5.30.0; `npm run build` on Node
    # 20 stopped on "error:0308010C:digital envelope routines::unsupported" (webpack/lib/util/createHash.js)
    ("20", {"webpack": "^5.30.0"}, {"webpack": "5.30.0"},
     "webpack 5.30.0 (package.json) hashes with OpenSSL's md4, as webpack did before 5.61"),
    # the same range locked at 5.61.0 hashes with its own wasm md4
    ("20", {"webpack": "^5.30.0"}, {"webpack": "5.61.0"}, ""),
    ("20", {"webpack": "^5.98.0"}, {}, ""),
    ("20", {"react-scripts": "4.0.3"}, {"react-scripts": "4.0.3"},
     "react-scripts 4.0.3 (package.json) builds with webpack 4"),
    ("20", {"react-scripts": "5.0.1"}, {"react-scripts": "5.0.1"}, ""),
    # Node 16 still has md4
    ("16", {"webpack": "^5.30.0"}, {"webpack": "5.30.0"}, ""),
])
def test_which_webpack_needs_the_legacy_provider(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, node: str,
                                                 deps: dict[str, str], locked: dict[str, str],
                                                 expected: str) -> None:
    monkeypatch.setattr(runtimes, "machine", lambda: {"python": "3.11", "node": node})
    assert legacy_openssl([package(tmp_path / "app", deps, locked)]) == expected
