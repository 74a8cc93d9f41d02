"""How long `echotune-ci bundle` takes to size a tree of 2,000 files.

Builds a synthetic dist/ tree (JS and CSS made of the example app's sources
with varied identifiers, so it compresses like real code; sizes from 1 KiB to
~200 KiB with a long tail, hashed names), then times the phase with and
without a base result, and the sizing alone with one thread.

    .venv/bin/python bench/bundle_speed.py [--files 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from echotune_ci.phases.base import PhaseContext
from echotune_ci.phases.bundle.files import expand_globs
from echotune_ci.phases.bundle.phase import measure_bundle, plan
from echotune_ci.phases.bundle.settings import BundleSettings
from echotune_ci.phases.bundle.sizes import measure

SRC = Path(__file__).resolve().parents[1] / "examples" / "musicapp" / "src"


def make_tree(root: Path, count: int, seed: int) -> int:
    rng = random.Random(seed)
    js = (SRC / "api.js").read_text() + (SRC / "main.js").read_text()
    css = (SRC / "app.css").read_text()
    total = 0
    for i in range(count):
        is_css = i % 5 == 0
        base = css if is_css else js
        # Long tail: most chunks are small, a few are vendor-sized.
        target = int(min(200_000, 1024 * rng.paretovariate(1.2)))
        parts = []
        size = 0
        while size < target:
            chunk = (base.replace("track", f"t{rng.getrandbits(24):x}")
                     .replace("api", f"m{rng.randrange(10**6)}"))
            parts.append(chunk)
            size += len(chunk)
        text = "".join(parts)[:target]
        folder = root / "dist" / f"pkg{i % 40}"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"chunk{i}.{rng.getrandbits(32):08x}.{'css' if is_css else 'js'}"
        (folder / name).write_text(text)
        total += len(text)
    return total


def timed(fn: Callable[[], Any], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bundle-bench-") as tmp:
        root = Path(tmp)
        raw = make_tree(root, args.files, seed=1)
        globs = ["dist/**/*.js", "dist/**/*.css"]
        # The [bundle] section of a config file in *root*: globs relative to it.
        ctx = PhaseContext(artifacts_dir=root / "artifacts", base_dir=root)
        opts = plan(BundleSettings(globs=tuple(globs)), ctx)
        base = root / "base.json"
        measure_bundle(opts).write(base)
        files, _ = expand_globs(globs, root)
        t_glob = timed(lambda: expand_globs(globs, root), args.repeat)
        t_plain = timed(lambda: measure_bundle(opts), args.repeat)
        with_base = plan(BundleSettings(globs=tuple(globs), baseline=str(base)), ctx)
        t_base = timed(lambda: measure_bundle(with_base), args.repeat)
        t_one = timed(lambda: measure(files, workers=1), 1)
        mib = raw / 1024 / 1024
        print(f"tree: {len(files)} files, {mib:.1f} MiB raw (median of {args.repeat} runs)")
        print(f"glob expansion:             {t_glob * 1000:8.1f} ms")
        print(f"bundle phase:               {t_plain:8.2f} s  ({mib / t_plain:.1f} MiB/s, "
              f"{t_plain / len(files) * 1000:.2f} ms/file)")
        print(f"bundle phase with baseline: {t_base:8.2f} s  (result {base.stat().st_size / 1024:.0f} KiB)")
        print(f"sizing on one thread:       {t_one:8.2f} s  (thread pool speed-up {t_one / t_plain:.2f}x)")


if __name__ == "__main__":
    main()
