"""`run --base-ref` judges the bundle's gzip total by the growth budget the configuration sets.

`[budgets] bundle_growth_pct` (which init writes out, to be tightened or loosened) was read only by the
bundle phase's own `--baseline`: a side-by-side run held the gzip total to [gate] regression's 5 %
whatever it said (a real project at 20 % failed a +8.9 % change with "limit 5 %"). On a real git
repository holding the example app: the head's build (ECHOTUNE_REGRESS=1) pulls in a planted module.
"""

from __future__ import annotations

import pytest

from conftest import run_cli
from support.base_ref_repo import comparisons, config, make_repo


def growth_run(tmp_path, cli_env, name: str, budgets: str = "", bundle: str = ""):
    """A side-by-side bundle run of the grown head, with *budgets* appended and *bundle* put under
    [bundle]: (the finished CLI, the gate's comparison of the gzip total)."""
    repo, app = make_repo(tmp_path / name, config())
    head = config(env='env = { ECHOTUNE_REGRESS = "1" }').replace("[bundle]\n", f"[bundle]\n{bundle}")
    (app / "echotune.toml").write_text(head + budgets)
    out = tmp_path / name / "out"
    done = run_cli("run", "--config", str(app / "echotune.toml"), "--base-ref", "HEAD", "--phase", "bundle",
                   "--output-dir", str(out), env=cli_env, cwd=repo, timeout=180)
    return done, comparisons(out)["bundle:bundle_total_gzip_bytes"]


def gzip_row(folder) -> str:
    """The comment's table row of the bundle's gzip total."""
    comment = (folder / "out" / "report" / "comment.md").read_text()
    return next(line for line in comment.splitlines() if "`bundle_total_gzip_bytes`" in line)


def test_the_bundle_growth_budget_is_the_side_by_side_limit(tmp_path, cli_env):
    done, found = growth_run(tmp_path, cli_env, "default")
    grew = found["effect_pct"]
    assert found["verdict"] == "regressed" and grew > 5 and done.returncode == 1, (found, done.stderr)
    assert "(limit 5 %" in done.stdout + done.stderr
    # the comment's row says the limit it broke, in its Budget column (it was empty)
    assert gzip_row(tmp_path / "default").split(" | ")[5] == "Δ ≤ +5 %"
    # a budget above the growth: it holds
    loose = f"\n[budgets]\nbundle_growth_pct = {grew + 5:.0f}\n"
    done, found = growth_run(tmp_path, cli_env, "loose", loose)
    assert (found["verdict"], found["limit_pct"]) == ("no significant change", pytest.approx(round(grew + 5)))
    assert done.returncode == 0, done.stderr
    assert f"Δ ≤ +{grew + 5:.0f} %" in gzip_row(tmp_path / "loose")
    # [bundle] max_growth_pct, the phase's own limit, wins over it
    done, found = growth_run(tmp_path, cli_env, "bundle", loose, "max_growth_pct = 2\n")
    assert (found["verdict"], found["limit_pct"], done.returncode) == ("regressed", 2, 1), found
