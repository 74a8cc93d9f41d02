"""The Δ column of report tables: the gate's estimate and verdict, not the first pass's difference.

The case behind it: on a real app a load p95 whose first round was slow showed "+81.8 % 🔺" in
the comment while the gate, looking at every round, found no significant change.
"""

from __future__ import annotations

import statistics

from echotune_ci.config import defaults
from echotune_ci.gate import evaluate
from echotune_ci.github.checks import phase_checks
from echotune_ci.report.html import render_html
from echotune_ci.report.markdown import render_comment
from echotune_ci.report.render import fmt_delta, render_text
from echotune_ci.results import Metric, PhaseResult

BASE = [10.0, 14.0, 9.0, 12.0, 16.0, 11.0, 13.0, 10.5]
# The same spread as the base; only the first pass (the value) is slow.
HEAD = [18.2, 9.5, 13.5, 10.0, 15.0, 11.5, 12.5, 9.8]


def load(samples: list[float], value: float) -> PhaseResult:
    return PhaseResult("load", metrics=[Metric("p95_ms", value, "ms", budget=200.0,
                                               samples=list(samples)).evaluate()]).finalize()


def hodges_lehmann_pct(base: list[float], head: list[float]) -> float:
    """Worked out here, not by the product: the median of all head-minus-base differences, in percent
    of the base's median."""
    return statistics.median(h - b for h in head for b in base) / statistics.median(base) * 100


def delta_cell(body: str) -> str:
    row = next(line for line in body.splitlines() if "`p95_ms`" in line and "ms |" in line)
    return row.rstrip(" |").rsplit("|", 1)[1].strip()


def test_a_slow_first_pass_without_a_significant_change_is_not_marked_worse():
    outcome = evaluate([load(HEAD, 18.2)], defaults(), [load(BASE, 10.0)])
    (cmp,) = [c for c in outcome.comparisons if c.name == "p95_ms"]
    assert cmp.verdict == "no significant change"
    expected = hodges_lehmann_pct(BASE, HEAD)
    assert abs(cmp.effect_pct - expected) < 1e-9
    cell = delta_cell(render_comment(outcome.results, outcome=outcome))
    # markdown escapes the parentheses; the first pass's +82 % is nowhere
    assert cell == rf"{cmp.effect_text()} \(n.s.\)"
    assert "🔺" not in cell and "82" not in cell
    text = render_text(outcome.results, outcome.comparisons)
    assert f"vs base {cmp.effect_text()} (n.s.)" in text
    assert f">{cmp.effect_text()} (n.s.)<" in render_html(outcome.results, outcome)
    (check,) = phase_checks(outcome.results, outcome)
    assert "🔺" not in check.summary and f"{cmp.effect_text()} \\(n.s.\\)" in check.summary


def test_a_significant_shift_carries_the_arrow_of_its_verdict():
    slower = [x * 1.5 for x in BASE]
    outcome = evaluate([load(slower, 15.0)], defaults(), [load(BASE, 10.0)])
    (cmp,) = outcome.comparisons
    assert cmp.verdict == "regressed"
    assert round(cmp.effect_pct) == round(hodges_lehmann_pct(BASE, slower))
    assert delta_cell(render_comment(outcome.results, outcome=outcome)) == f"{cmp.effect_text()} 🔺"

    faster = [x * 0.6 for x in BASE]
    outcome = evaluate([load(faster, 6.0)], defaults(), [load(BASE, 10.0)])
    assert outcome.comparisons[0].verdict == "improved"
    assert delta_cell(render_comment(outcome.results, outcome=outcome)).endswith(" 🔽")


def test_without_a_comparison_the_plain_difference_has_no_arrow():
    m = Metric("p95_ms", 18.2, "ms", baseline=10.0)
    assert fmt_delta(m) == "+82 %"
    assert fmt_delta(Metric("rps", 9.0, "req/s", better="higher", baseline=10.0)) == "−10 %"
    assert fmt_delta(Metric("p95_ms", 3.0, "ms", baseline=0.0)) == "+3.0 ms"
    assert fmt_delta(Metric("p95_ms", 3.0, "ms")) == ""
    # a phase command prints its own table without the gate's comparisons
    assert "vs base +82 %\n" in render_text([PhaseResult("load", metrics=[m]).finalize()])


def budget_cell(body: str) -> str:
    row = next(line for line in body.splitlines() if "`p95_ms`" in line and "ms |" in line)
    return [cell.strip() for cell in row.split("|")][-4]


def test_a_regression_within_its_budget_says_the_budget_was_met():
    # A p95 of 15 ms failing as "regressed" read "FAIL p95_ms 15 ms budget ≤ 200 ms" beside the gate's
    # "pass p95_ms = 15 ms (budget ≤ 200 ms)": as if the budget were broken.
    slower = [x * 1.5 for x in BASE]
    outcome = evaluate([load(slower, 15.0)], defaults(), [load(BASE, 10.0)])
    assert outcome.results[0].metrics[0].status == "fail"
    assert budget_cell(render_comment(outcome.results, outcome=outcome)) == "≤ 200 ms (met)"
    assert "budget ≤ 200 ms (met)  vs base" in render_text(outcome.results, outcome.comparisons)
    assert ">≤ 200 ms (met)<" in render_html(outcome.results, outcome)
    (check,) = phase_checks(outcome.results, outcome)
    assert "≤ 200 ms (met)" in check.summary
    # A broken budget is not "met", with or without a regression.
    over = evaluate([load([x * 30 for x in BASE], 300.0)], defaults(), [load(BASE, 10.0)])
    assert budget_cell(render_comment(over.results, outcome=over)) == "≤ 200 ms"
    assert "(met)" not in render_text(over.results, over.comparisons)


def test_a_cut_comment_closes_the_reports_own_details_and_no_others():
    # A reviewer's labels held "<details>" inside code spans: each counted as open, and the cut comment ended
    # with 33 stray </details>. The report's own "<details open>" (the job summary) was not counted at all.
    from echotune_ci.report.markdown import truncate

    labels = "".join(f"| `p95_ms` | `GET /a<details>{i}` | 1 ms |\n" for i in range(40))
    body = "## title\n\n<details open><summary>metrics</summary>\n\n" + labels + "\n</details>\n"
    cut = truncate(body, 900, "https://example.invalid/run")
    assert len(cut) <= 900
    assert cut.count("\n</details>") == 1  # the one it opened, closed before the note
    assert cut.index("\n</details>") < cut.index("https://example.invalid/run")
    # the limit it was cut to, not GitHub's, which it is far below
    assert "cut to fit a limit of 900 characters" in cut and "65,536" not in cut


# The Vue trial's promo page (docs/real-projects.md, the twentieth round): ten loads a build of the home
# page. FCP (gated) did not move significantly; Speed Index (not gated) was slower in every head load.
SI_BASE = [270.4, 215.8, 249.1, 185.6, 242.6, 222.7, 252.8, 358.2, 534.4, 203.9]
SI_HEAD = [636.4, 585.0, 898.9, 625.1, 855.2, 543.8, 608.4, 699.5, 616.6, 622.5]
FCP_BASE = [276.0, 220, 248, 184, 248, 224, 252, 364, 544, 204]
FCP_HEAD = [292.0, 256, 540, 332, 488, 192, 284, 348, 268, 264]


def page(fcp: list[float], si: list[float], transfer: float = 47_821.0) -> PhaseResult:
    labels = {"url": "/"}
    return PhaseResult("frontend", metrics=[
        Metric("fcp_ms", statistics.median(fcp), "ms", budget=1500.0, samples=fcp, labels=labels).evaluate(),
        Metric("speed_index_ms", statistics.median(si), "ms", samples=si, labels=labels).evaluate(),
        Metric("transfer_bytes", transfer, "bytes", samples=[transfer] * 10, labels=labels).evaluate(),
    ]).finalize()


def test_a_significant_metric_the_gatekeeping_held_back_is_not_called_no_change():
    # The promo's own code: 140 bytes more on every load, +0.3 %, below [gate] min_effect_pct even alone
    outcome = evaluate([page(FCP_HEAD, SI_HEAD, 47_961.0)], defaults(), [page(FCP_BASE, SI_BASE)])
    fcp, si, sent = (next(c for c in outcome.comparisons if c.name == n)
                     for n in ("fcp_ms", "speed_index_ms", "transfer_bytes"))
    assert fcp.verdict == si.verdict == "no significant change"
    # Every head value above every base value: the exact one-sided p-value is 1/C(20, 10) = 5.41e-06.
    assert si.p_value is not None and abs(si.p_value - 1 / 184756) < 1e-9 and si.held_back
    assert round(si.effect_pct) == round(hodges_lehmann_pct(SI_BASE, SI_HEAD))
    assert not fcp.held_back  # gated, and tested: its own "(n.s.)" stands
    # One value a build, compared as exact values: +0.3 % (140 of 47,821 bytes), below min_effect_pct (5 %):
    # within it, not "held back", and not "(n.s.)" either, which read as a test of noise beside exact bytes.
    assert sent.method == "threshold" and sent.verdict == "no significant change" and not sent.held_back
    assert fmt_delta(next(m for m in outcome.results[0].metrics if m.name == "transfer_bytes"), sent) == \
        "+0.3 % (within 5 %)"
    body = render_comment(outcome.results, outcome=outcome)
    row = next(line for line in body.splitlines() if "`speed_index_ms`" in line)
    assert row.rstrip(" |").rsplit("|", 1)[1].strip() == rf"{si.effect_text()} \(held back\)"
    assert "held back: significant alone, but outside `[gate] regression`" in body
    assert f"vs base {si.effect_text()} (held back)" in render_text(outcome.results, outcome.comparisons)
    # Without a held-back row the footnote does not explain one.
    plain = evaluate([page(FCP_HEAD, SI_BASE)], defaults(), [page(FCP_BASE, SI_BASE)])
    assert "held back" not in render_comment(plain.results, outcome=plain)


def bundle(total: float) -> PhaseResult:
    metric = Metric("bundle_total_gzip_bytes", total, "bytes").evaluate()
    return PhaseResult("bundle", metrics=[metric]).finalize()


def test_a_single_value_under_its_units_floor_is_not_within_its_limit() -> None:
    # A 400-byte bundle that grew by 80 bytes: +20 % (80 / 400), four times its 5 % limit ([gate]
    # regression's default for bundle_total_gzip_bytes), and no regression only because a size must move
    # by [gate] min_effect_bytes (100) to count. Its Δ read "+20 % (within 5 %)".
    outcome = evaluate([bundle(480.0)], defaults(), [bundle(400.0)])
    [c] = outcome.comparisons
    assert (c.verdict, c.effect_pct, c.limit_pct, c.below_floor) == ("no significant change", 20.0, 5.0, True)
    [m] = outcome.results[0].metrics
    assert fmt_delta(m, c) == "+20 % (below the minimum effect)"
    assert [ch.detail for ch in outcome.checks] == [
        "bundle_total_gzip_bytes: no significant change (+20 %) against the base (limit 5 %; below the "
        "minimum effect)"]
    # from nothing to 60 bytes: no percentage is within a limit either
    outcome = evaluate([bundle(60.0)], defaults(), [bundle(0.0)])
    assert fmt_delta(outcome.results[0].metrics[0], outcome.comparisons[0]) == \
        "from 0 (below the minimum effect)"
    # 100,000 to 103,000 bytes, +3 %: within the 5 % limit, as before
    outcome = evaluate([bundle(103_000.0)], defaults(), [bundle(100_000.0)])
    assert not outcome.comparisons[0].below_floor
    assert fmt_delta(outcome.results[0].metrics[0], outcome.comparisons[0]) == "+3 % (within 5 %)"


def test_an_unchanged_count_of_zero_reads_as_no_change():
    # findings.critical 0 against a base of 0 read "+0 findings" in the terminal, beside "0 %" for every
    # other unchanged row; a count that grew from 0 still says by how much.
    zero = Metric("findings.critical", 0.0, "findings", baseline=0.0)
    assert fmt_delta(zero) == "0 %"
    assert fmt_delta(Metric("findings.critical", 2.0, "findings", baseline=0.0)) == "+2 findings"
