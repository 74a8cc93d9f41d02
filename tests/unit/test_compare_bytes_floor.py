"""A size that moved by fewer than `[gate] min_effect_bytes` (100) is no regression, nor an improvement.

ts-nextjs-tailwind-starter under `run --base-ref`: Next renumbers its modules between two builds, and its
167-byte route chunks (`app/components/layout-….js`) changed nothing but those ids; their brotli sizes went
from 116 to 139 bytes, +20 %, and the comment's "Against the base branch" read "🔺 regressed" three times
for a pull request that changed one line of CSS. The layout's numbers are that run's; the other chunk's
are those of the dirty tree's grown 836-….js (5.8 → 6.6 KiB of brotli), rounded.
"""

from __future__ import annotations

from pathlib import Path

from echotune_ci.compare import compare_results
from echotune_ci.config import load_config
from echotune_ci.results import Metric, PhaseResult

LAYOUT = {"file": ".next/static/chunks/app/components/layout-e339dd056c5e208b.js"}
CHUNK = {"file": ".next/static/chunks/836-19eed98ac5d1fe4a.js"}


def bundle(layout: float, chunk: float) -> PhaseResult:
    return PhaseResult(phase="bundle", metrics=[
        Metric("bundle_file_brotli_bytes", layout, "bytes", labels=LAYOUT),
        Metric("bundle_file_brotli_bytes", chunk, "bytes", labels=CHUNK),
    ])


def verdicts(tmp_path: Path, gate: str = "") -> dict[str, tuple[str, float | None]]:
    (tmp_path / "echotune.toml").write_text(f"[gate]\n{gate}")
    g = load_config(tmp_path / "echotune.toml").gate
    found = compare_results([bundle(116, 5939)], [bundle(139, 6758)], thresholds=g.regression, alpha=g.alpha,
                            min_effect_pct=g.min_effect_pct, confidence=g.confidence,
                            min_effect_ms=g.min_effect_ms, min_effect_cls=g.min_effect_cls,
                            min_effect_bytes=g.min_effect_bytes)
    return {c.labels["file"].rsplit("/", 1)[-1]: (c.verdict, c.effect_pct) for c in found}


def test_a_few_bytes_of_a_small_chunk_are_no_regression(tmp_path: Path) -> None:
    said = verdicts(tmp_path)
    verdict, effect = said["layout-e339dd056c5e208b.js"]
    assert verdict == "no significant change" and round(effect or 0, 1) == 19.8  # the change is still shown
    assert said["836-19eed98ac5d1fe4a.js"][0] == "regressed"  # 819 bytes, +14 %: a real change


def test_the_floor_is_a_setting(tmp_path: Path) -> None:
    assert verdicts(tmp_path, "min_effect_bytes = 0\n")["layout-e339dd056c5e208b.js"][0] == "regressed"
    assert verdicts(tmp_path, "min_effect_bytes = 1000\n")["836-19eed98ac5d1fe4a.js"][0] == \
        "no significant change"
