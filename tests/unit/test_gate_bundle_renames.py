"""The gate gives a bundle file whose content hash changed its name its base's size, as `compare` pairs it.

Numbers from a side-by-side run of SecurityPal/demo-todo-app (`run --base-ref HEAD --phase bundle`, the head
importing every lucide-react icon): Vite renamed client/dist/assets/index-BLm-kJVp.js (151,849 bytes) to
index-DhFcx6AN.js (928,505 bytes); the CSS kept its name. Before, the head's JS rows had no base value, so the
comment's tables left them out while "Against the base branch" listed them as regressed.
"""

from __future__ import annotations

from echotune_ci.gate import with_baseline
from echotune_ci.results import Metric, PhaseResult

ASSETS = "client/dist/assets/"


def bundle(js: str, js_raw: float, css_raw: float) -> PhaseResult:
    return PhaseResult(phase="bundle", metrics=[
        Metric("bundle_total_raw_bytes", js_raw + css_raw, "bytes"),
        Metric("bundle_file_raw_bytes", js_raw, "bytes", labels={"file": ASSETS + js}),
        Metric("bundle_file_raw_bytes", css_raw, "bytes", labels={"file": ASSETS + "index-Dcl4bIDP.css"}),
    ])


def test_a_renamed_bundle_file_carries_the_size_of_the_file_it_replaced() -> None:
    base = bundle("index-BLm-kJVp.js", 151849, 10841)
    head = bundle("index-DhFcx6AN.js", 928505, 10841)
    [out] = with_baseline([head], [base])
    by_file = {m.labels.get("file", "total"): m.baseline for m in out.metrics}
    assert by_file == {"total": 151849 + 10841, ASSETS + "index-DhFcx6AN.js": 151849,
                       ASSETS + "index-Dcl4bIDP.css": 10841}


def test_files_of_other_names_are_not_paired() -> None:
    base = bundle("vendor-BLm-kJVp.js", 151849, 10841)
    head = bundle("index-DhFcx6AN.js", 928505, 10841)
    [out] = with_baseline([head], [base])
    # not the vendor file's size: a file of its own, added (base 0), as `bundle --baseline` lists it,
    # and the vendor file removed (size 0, its base's size as baseline)
    files = {m.labels["file"]: (m.value, m.baseline, m.description)
             for m in out.metrics if "file" in m.labels}
    assert files[ASSETS + "index-DhFcx6AN.js"] == (928505, 0.0, "added since the base")
    assert files[ASSETS + "vendor-BLm-kJVp.js"] == (0.0, 151849, "removed since the base")
