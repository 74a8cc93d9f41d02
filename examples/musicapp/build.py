"""Build static/dist/app.js and app.css from src/ (a tiny stand-in for a bundler).

With ECHOTUNE_REGRESS=1 the build pulls in src/regress.js and a large
generated "vendor" module, so the bundle-size gate has something to catch.
"""

from __future__ import annotations

import os
import random
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
DIST = Path(os.environ.get("MUSICAPP_DIST") or HERE / "static" / "dist")
REGRESS = os.environ.get("ECHOTUNE_REGRESS", "") not in ("", "0", "false")

_LINE_COMMENT = re.compile(r"^\s*//[^\n]*$", re.M)
_BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.S)


def minify(text: str) -> str:
    text = _BLOCK_COMMENT.sub("", _LINE_COMMENT.sub("", text))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip()) + "\n"


def as_iife(modules: list[str]) -> str:
    """Concatenate ES modules into one script: drop import/export keywords."""
    body = "\n".join(re.sub(r"^\s*export\s+", "", m, flags=re.M) for m in modules)
    body = re.sub(r"^\s*import .*?;\s*$", "", body, flags=re.M)
    return "(() => {\n'use strict';\n" + body + "\n})();\n"


def vendor_module(size_kb: int = 120) -> str:
    """A deterministic, poorly compressible blob standing in for a heavy dependency."""
    rng = random.Random(1234)  # nosec B311: filler bytes, not security
    words = [f"v{rng.getrandbits(40):x}" for _ in range(size_kb * 1024 // 24)]
    return "const __vendorTable = [" + ",".join(f'"{w}"' for w in words) + "];\nvoid __vendorTable.length;\n"


def build() -> list[Path]:
    DIST.mkdir(parents=True, exist_ok=True)
    modules = [(SRC / "api.js").read_text(), (SRC / "main.js").read_text()]
    if REGRESS:
        modules += [vendor_module(), (SRC / "regress.js").read_text()]
    js = DIST / "app.js"
    css = DIST / "app.css"
    js.write_text(minify(as_iife(modules)))
    css.write_text(minify((SRC / "app.css").read_text()))
    return [js, css]


if __name__ == "__main__":
    for path in build():
        print(f"built {path} ({path.stat().st_size} bytes){' [regress]' if REGRESS else ''}", file=sys.stderr)
