"""Head against base: is a change real, or CI noise, and how large is it?

For metrics with samples (several page loads, several load-test rounds) the
decision needs both a statistically significant difference (one-sided
Mann-Whitney U test at ``alpha``: exact distribution for small samples, ties
or not, normal approximation with tie correction otherwise; the metrics of a phase
tested together are one family, corrected with Holm's step-down and
Tarone's rule for discrete tests, the metrics the gate fails on first) and an estimated shift at least
``min_effect_pct`` large; the metric's ``[gate] regression`` limit is the
shift the gate is built to catch (adaptive rounds continue while one that
large is still inside the interval).
The shift is the Hodges-Lehmann estimate (the median of every head − base
difference) with its distribution-free confidence interval (Moses / Bauer; R's
``wilcox.test(conf.int = TRUE)``; with ties, the inversion of the exact test with ties that the verdict
uses), both expressed in percent of the base's
median. Noise alone rarely passes the test, and a significant but tiny shift
never passes the effect rule. Metrics without samples fall back to the
relative change against a threshold. docs/verdicts.md explains the choices.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import itertools
import math
import sys
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist, median
from typing import TYPE_CHECKING, Any, Literal

from .results import Metric, PhaseResult
from .results.merge import unlike

if TYPE_CHECKING:  # pragma: no cover
    from .config.sections import GateSettings

Verdict = Literal["regressed", "improved", "no significant change", "insufficient data", "new", "removed"]


@dataclass
class Comparison:
    """The verdict on one metric: base and head values, the change in percent of the base
    (``effect_pct``), the p-value when samples were tested, and how it was decided (``method``).

    With samples on both sides, ``effect_pct`` is the Hodges-Lehmann shift in percent of the base's
    median and ``ci_low_pct`` .. ``ci_high_pct`` its ``confidence`` interval (``shift``, ``ci_low``,
    ``ci_high``: the same in the metric's unit; ``n_base``, ``n_head``: the samples used; ``ci_method``:
    "exact" or "normal"); ``limit_pct`` is the metric's regression limit (the shift the gate is built to
    catch; for a metric without samples, the largest change that passes); ``alpha`` is the
    one-sided level the samples were tested at, below ``[gate] alpha`` (and ``confidence`` above
    ``[gate] confidence``, *sequential* True) when the run that took them looked at them more than once
    (:func:`sequential_levels`); the family's correction widens the interval likewise to the level it
    tested the metric at (``confidence`` then names it: :func:`correct_families`). ``family_size`` is the
    number of metrics the multiple-testing correction
    counted beside this one (Tarone's K, :func:`holm_tarone`, among the phase's gated metrics when it is
    one, else among the others: :func:`gatekept`) and ``family_alpha`` the level this metric's p-value
    had to reach after it: 0 for a metric not named in ``[gate] regression`` when its phase's gated
    metrics did not all regress, so it was not tested (0 and None before the correction ran).
    """

    key: str
    name: str
    phase: str
    unit: str
    better: str
    base: float | None
    head: float | None
    verdict: Verdict
    effect_pct: float | None = None
    p_value: float | None = None
    method: str = ""
    labels: dict[str, str] | None = None
    shift: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    ci_low_pct: float | None = None
    ci_high_pct: float | None = None
    confidence: float | None = None
    ci_method: str = ""
    n_base: int = 0
    n_head: int = 0
    limit_pct: float | None = None
    alpha: float | None = None
    sequential: bool = False
    family_size: int = 0
    family_alpha: float | None = None
    # One-sided p-values for "worse" and "better", and the smallest p-value the samples' values could give
    # in either direction (Tarone's rule needs it); only for sampled comparisons, not part of the JSON.
    p_worse: float | None = dataclasses.field(default=None, repr=False)
    p_better: float | None = dataclasses.field(default=None, repr=False)
    p_floor: tuple[float, float] | None = dataclasses.field(default=None, repr=False)
    # Named in [gate] regression: tested first in its phase's family (gatekept, correct_families).
    gated: bool = dataclasses.field(default=False, repr=False)
    # The verdict its own test gave ("regressed", "improved") where the gatekeeping held it back, untested
    # because a gated metric of its phase did not regress (correct_families); "" otherwise.
    held: str = dataclasses.field(default="", repr=False)
    # The interval was widened to the level its family's correction tested it at (correct_families), so it
    # names that level as a sequential look's does.
    widened: bool = dataclasses.field(default=False, repr=False)

    @property
    def own_level(self) -> bool:
        """Whether the interval is at a level of its own, not the table's ``[gate] confidence``: a
        sequential look's, or one the family's correction widened it to."""
        return self.sequential or self.widened

    @property
    def has_interval(self) -> bool:
        """Whether a confidence interval in percent of the base comes with the verdict."""
        return self.ci_low_pct is not None and self.ci_high_pct is not None

    def interval_range(self) -> str:
        """The confidence interval in percent of the base: "+7 % … +18 %"; "" without one. A sequential
        comparison's interval is wider than a table's heading says, so it names its own level:
        "+7 % … +18 % (96.9 %)"."""
        if self.own_level and self.confidence is not None and self.has_interval:
            return f"{self._interval()} ({level_pct(self.confidence)} %)"
        return self._interval()

    def interval_text(self, level: bool = True) -> str:
        """"95 % CI +7 % … +18 %" (without *level*: "CI +7 % … +18 %"); "" without an interval."""
        if not self.has_interval:
            return ""
        head = f"{level_pct(self.confidence)} % CI" if level and self.confidence is not None else "CI"
        return f"{head} {self._interval()}"

    def _interval(self) -> str:
        if self.ci_low_pct is None or self.ci_high_pct is None:
            return ""
        return f"{signed_pct(self.ci_low_pct)} … {signed_pct(self.ci_high_pct)}"

    def effect_text(self) -> str:
        """The estimated change alone: "+12 %", "−3.2 %", "from 0" (a single value that was 0) or ""."""
        if self.effect_pct is None:
            return ""
        if self.base == 0 and self.head not in (0, None) and not self.has_interval:
            return "from 0"
        return signed_pct(self.effect_pct)

    @property
    def held_back(self) -> bool:
        """Whether this "no significant change" is one the gatekeeping held back: an ungated metric whose
        own test, effect rule included, gave a verdict, left untested because a gated metric of its phase
        did not regress (``held``)."""
        return self.verdict == "no significant change" and self.held != ""

    @property
    def below_floor(self) -> bool:
        """Whether this "no significant change" of one value a side (method "threshold") moved by more than
        its limit in percent: the smallest change the metric's unit counts (``[gate] min_effect_bytes``,
        ``min_effect_ms``, ``min_effect_cls``: :func:`effect_floor`) made it none. A 400-byte bundle's
        +80 bytes is +20 %, under the 100 bytes a size must move by."""
        return (self.method == "threshold" and self.verdict == "no significant change"
                and self.limit_pct is not None and self.effect_pct is not None
                and abs(self.effect_pct) > self.limit_pct)

    def withheld(self, alpha: float) -> str:
        """Why a sampled metric whose p-value looks small is "no significant change": "below the minimum
        effect", "significant alone, not among the phase's 5 metrics" (the family's correction withdrew
        it), "significant alone; tested only once the phase's gated metrics all regress"; "" otherwise.
        *alpha*: the level for a comparison that records none."""
        if self.verdict != "no significant change" or self.p_value is None:
            return ""
        level = self.alpha or alpha
        if self.held_back:
            return "significant alone; tested only once the phase's gated metrics all regress"
        if self.p_value <= (self.family_alpha or alpha):
            return "below the minimum effect"
        if self.family_alpha is not None and self.family_alpha < self.p_value <= level:
            kind = "gated metrics" if self.gated else "metrics"
            return f"significant alone, not among the phase's {self.family_size} {kind}"
        return ""

    def change_text(self) -> str:
        """The change for a table cell: "+12 % (95 % CI +7 % … +18 %)", "+3.2 %", "from 0" or ""."""
        interval = self.interval_text()
        return f"{self.effect_text()} ({interval})" if interval and self.effect_text() else self.effect_text()

    def verdict_text(self) -> str:
        """The verdict in one phrase: "+12 % (95 % CI +7 % … +18 %), regressed", "no significant change
        (CI −3 % … +4 %)", "+12 %, regressed", "new", "insufficient data"."""
        if self.verdict in ("regressed", "improved") and self.effect_pct is not None:
            return f"{self.change_text()}, {self.verdict}"
        if self.verdict == "no significant change" and self.has_interval:
            # a level of its own is named: "CI" alone reads as the table's 95 %
            interval = self.interval_text(level=self.own_level)
            return f"no significant change ({interval}{self._apart_from_zero()})"
        if self.verdict == "no significant change" and self.effect_pct is not None:
            return f"no significant change ({self.change_text()})"
        return self.verdict

    def _apart_from_zero(self) -> str:
        """Why "no significant change" stands beside an interval wholly on one side of 0: "; p = 0.0112 >
        0.01, its level among 5 gated metrics tested together", "; significant, but below the minimum
        effect", "; held back ..."; "" otherwise ("CI +2.9 % … +151 %" alone reads as a contradiction of its
        verdict). The first is rare since the interval is widened to the family's level
        (:func:`correct_families`)."""
        low, high = self.ci_low_pct, self.ci_high_pct
        if self.p_value is None or low is None or high is None or (low <= 0 <= high):
            return ""
        if self.held_back:
            return "; held back: tested only once the phase's gated metrics all regress"
        if self.family_alpha is None:
            return ""
        if self.p_value <= self.family_alpha:
            return "; significant, but below the minimum effect"
        kind = "gated metrics" if self.gated else "metrics"
        among = f"its level among {self.family_size} {kind} tested together" if self.family_size > 1 else \
            "its phase's level"
        return f"; p = {self.p_value:.3g} > {self.family_alpha:.3g}, {among}"

    def short_key(self, width: int = 60) -> str:
        """The name and label values in about *width* characters, for a text column: a long label
        (a bundle file's path) loses folders from its middle first, so the file name stays
        (``bundle_file_gzip_bytes[_next/…/index-0123456789abcdef.js]``)."""
        if not self.labels:
            return self.name
        room = max(width - len(self.name) - 2, 16) // len(self.labels)
        return f"{self.name}[{', '.join(short_path(str(v), room) for v in self.labels.values())}]"

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of a comparison (``compare --format json``, report.json)."""
        return {
            "key": self.key,
            "name": self.name,
            "phase": self.phase,
            "unit": self.unit,
            "better": self.better,
            "base": self.base if _finite(self.base) else None,
            "head": self.head if _finite(self.head) else None,
            "verdict": self.verdict,
            "effect_pct": None if self.effect_pct is None else round(self.effect_pct, 3),
            "p_value": None if self.p_value is None else round(self.p_value, 6),
            "method": self.method,
            "labels": self.labels or {},
            "shift": _rounded(self.shift),
            "ci_low": _rounded(self.ci_low),
            "ci_high": _rounded(self.ci_high),
            "ci_low_pct": _rounded(self.ci_low_pct, 3),
            "ci_high_pct": _rounded(self.ci_high_pct, 3),
            "confidence": self.confidence,
            "ci_method": self.ci_method,
            "n_base": self.n_base,
            "n_head": self.n_head,
            "limit_pct": self.limit_pct,
            "alpha": _rounded(self.alpha),
            "sequential": self.sequential,
            "family_size": self.family_size,
            "family_alpha": _rounded(self.family_alpha),
            "text": self.verdict_text(),
        }


def signed_pct(value: float) -> str:
    """A change in percent as people write it: "+12 %", "−3 %" (a real minus sign), "+0.4 %"; whole
    percent from 10 % on, one decimal below."""
    digits = 0 if abs(value) >= 9.95 else 1
    text = f"{abs(value):.{digits}f}".removesuffix(".0")
    if text in ("0", "0.0"):
        return "0 %"
    return f"{'−' if value < 0 else '+'}{text} %"


def interval_heading(comparisons: Sequence[Comparison], confidence: float) -> str:
    """The heading of a table's interval column: "95 % CI" at ``[gate] confidence``, or "CI" when a row
    names its own, wider level (a sequential run's looks; a heading of 95 % above cells at 99.3 % read as
    a contradiction)."""
    if any(c.own_level and c.has_interval for c in comparisons):
        return "CI"
    return f"{level_pct(confidence)} % CI"


def level_pct(confidence: float) -> str:
    """A confidence level in percent as people write it: 0.95 -> "95", 0.96915 -> "96.9", 0.9944 ->
    "99.4" (one decimal at most)."""
    return f"{round(confidence * 100, 1):g}"


def _rounded(value: float | None, digits: int = 6) -> float | None:
    return None if value is None or not math.isfinite(value) else round(value, digits)


def _ranks(values: list[float]) -> tuple[list[float], list[int]]:
    """Average ranks (1-based), and how many values share each distinct value in increasing order of the
    value (the tie pattern: all 1 without ties)."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    groups: list[int] = []
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        avg = (i + j) / 2.0 + 1.0
        for k in range(i, j + 1):
            ranks[order[k]] = avg
        groups.append(j - i + 1)
        i = j + 1
    return ranks, groups


# Up to this many head-base pairs (n1 * n2) a p-value without ties comes from the exact distribution of U;
# beyond it from the normal approximation.
EXACT_MAX_PAIRS = 400
# With ties the exact distribution takes (groups of equal values) x (the smaller side)^2 shifts and adds of
# integers that grow with (all values): up to this product it is exact, at most about 0.25 s (30 against
# 30: 15 ms; 3 against 842 in 351 groups: 13 ms; 8 against 960 in 589 groups: 0.27 s). The normal
# approximation is worst for unequal sides with many ties (2 values of 6 against 201 of 5: 6e-46 for an
# exact 5e-5; 3 against 842 in 4 groups: 0.0125 for an exact 0.0595, a false "regressed" at 0.05).
EXACT_MAX_TIED_COST = 40_000_000


def mann_whitney_greater(x: list[float], y: list[float]) -> float:
    """One-sided p-value for "x tends to be larger than y" (Mann-Whitney U).

    Exact without ties for n1*n2 <= 400 (:data:`EXACT_MAX_PAIRS`: the distribution of U,
    :func:`u_distribution`), and with ties for groups * min(n1, n2)**2 * (n1 + n2) <= 4e7
    (:data:`EXACT_MAX_TIED_COST`:
    the distribution of the mid-rank sum given the tie pattern, :func:`tied_rank_sums`). Else the normal
    approximation with tie correction and continuity correction. Ties are common in what the gate
    compares (LCP in steps of a few ms, byte counts, scores), and at small samples that approximation is
    far off both ways: 6 against 6 completely separated is
    1/924 = 0.0011 exactly but 0.0024 approximated, and one differing value among twelve (5 5 5 5 5 6
    against six 5s) is 0.5 exactly but 0.20 approximated.
    """
    n1, n2 = len(x), len(y)
    n = n1 + n2
    ranks, groups = _ranks(list(x) + list(y))
    r1 = sum(ranks[:n1])
    u1 = r1 - n1 * (n1 + 1) / 2.0
    tied = len(groups) < n
    if not tied and n1 * n2 <= EXACT_MAX_PAIRS:
        dist = u_distribution(n1, n2)
        return sum(dist[math.ceil(u1 - 1e-9):]) / sum(dist)
    if tied and n1 and n2 and _tied_cost_ok(len(groups), n1, n2):
        # Mid-ranks are whole or half numbers: twice the rank sum is a whole number. The distribution is
        # built for the smaller side (its cost grows with that side's size): y's doubled sum is the
        # total n(n+1) minus x's.
        doubled = round(2 * r1)
        if n1 <= n2:
            dist = tied_rank_sums(n1, tuple(groups))
            return sum(dist[doubled:]) / sum(dist)
        dist = tied_rank_sums(n2, tuple(groups))
        return sum(dist[: n * (n + 1) - doubled + 1]) / sum(dist)
    mu = n1 * n2 / 2.0
    sigma = _tie_corrected_sigma(n1, n2, groups)
    if sigma == 0:
        return 1.0
    z = (u1 - mu - 0.5) / sigma  # continuity correction
    return 0.5 * math.erfc(z / math.sqrt(2))


@functools.lru_cache(maxsize=256)
def tied_rank_sums(n1: int, groups: tuple[int, ...]) -> tuple[int, ...]:
    """Counts of each value 0..max of twice the mid-rank sum of *n1* values drawn from pooled values whose
    tie pattern is *groups* (sizes of the groups of equal values, in increasing order of the value), over
    the C(n, n1) equally likely ways to draw them: the exact null distribution of the Wilcoxon rank-sum
    statistic given the ties, on which the permutation test conditions (Hollander, Wolfe & Chicken,
    *Nonparametric Statistical Methods*, 3rd ed., 2014, section 4.1, "ties"; what R's
    ``coin::wilcox_test(distribution = "exact")`` and an exhaustive ``scipy.stats.permutation_test``
    compute). Index i holds the draws whose doubled mid-rank sum is i.

    A group of t values at ranks a+1..a+t has the mid-rank a + (t+1)/2; drawing j of its values adds j
    times that, in C(t, j) ways. The generating function over the groups is built with one Python integer
    per count of values drawn, each coefficient in its own field of bytes wide enough for C(n, n1), so every
    step is a shift and an add on integers (an intermediate count may spill into the next field; the
    integer stays exact, and the final counts fit): 2 ms for 20 against 20.
    """
    n = sum(groups)
    field = (math.comb(n, n1).bit_length() + 7) // 8  # bytes per coefficient: no final count overflows
    width = 8 * field
    drawn = [0] * (n1 + 1)  # drawn[k]: generating function, in doubled rank sums, of the ways to draw k
    drawn[0] = 1
    below = 0
    for t in groups:
        doubled = 2 * below + t + 1
        for k in range(min(n1, below + t), 0, -1):
            total = drawn[k]
            for j in range(1, min(t, k) + 1):
                total += math.comb(t, j) * (drawn[k - j] << (j * doubled * width))
            drawn[k] = total
        below += t
    size = n1 * (2 * n - n1 + 1) + 1
    packed = drawn[n1].to_bytes(size * field, "little")
    return tuple(int.from_bytes(packed[i * field:(i + 1) * field], "little") for i in range(size))


@dataclass(frozen=True)
class Shift:
    """The Hodges-Lehmann estimate of the shift head − base with its distribution-free confidence interval.

    ``estimate`` is the median of the ``n_head * n_base`` pairwise differences head_j − base_i, ``low`` and
    ``high`` the interval's ends (all in the metric's unit); ``confidence`` is the nominal two-sided level
    (the exact interval's achieved level is at least that); ``method`` says how the ranks were found:
    "exact" (the Mann-Whitney U distribution; with ties, the inversion of the exact test with ties) or
    "normal" (its normal approximation with tie and continuity corrections). ``reached`` is False when so
    few samples cannot give that level (3 against 3 at 99.99 %: no arrangement of ranks is that rare, R's
    "requested conf.level not achievable"): the interval is then the range of all differences, and
    ``confidence`` what that range achieves (exactly 1 − 2 / C(m + n, m) without ties, 1 minus the two
    smallest p-values with ties, else under the normal approximation).
    """

    estimate: float
    low: float
    high: float
    confidence: float
    method: str
    n_base: int
    n_head: int
    reached: bool = True


def _tied_cost_ok(groups: int, n1: int, n2: int) -> bool:
    """Whether the exact distribution of tied rank sums is cheap enough (:data:`EXACT_MAX_TIED_COST`)."""
    return groups * min(n1, n2) ** 2 * (n1 + n2) <= EXACT_MAX_TIED_COST


def _exact_with_ties(x: list[float], y: list[float]) -> bool:
    """Whether :func:`mann_whitney_greater` gives an exact p-value for *x* against *y*, which have ties."""
    return bool(x) and bool(y) and _tied_cost_ok(len(set(x) | set(y)), len(x), len(y))


@functools.lru_cache(maxsize=256)
def u_distribution(n1: int, n2: int) -> tuple[int, ...]:
    """Counts of each value 0..n1*n2 of the Mann-Whitney U statistic over the C(n1+n2, n1) equally likely
    arrangements of two samples without ties.

    The generating function of U is the Gaussian binomial coefficient
    ``prod_{i=1..n1} (1 - q^(n2+i)) / (1 - q^i)`` (Mann & Whitney 1947; Andrews, *The Theory of
    Partitions*, 3.4), computed here with integers in O(n1 * n1 * n2) steps.
    """
    size = n1 * n2 + 1
    coef = [0] * size
    coef[0] = 1
    for i in range(1, n1 + 1):
        # The partial product is the polynomial [n2+i choose i]_q at every step, so both loops are exact.
        step = n2 + i
        for u in range(size - 1, step - 1, -1):
            coef[u] -= coef[u - step]
        for u in range(i, size):
            coef[u] += coef[u - i]
    return tuple(coef)


def _wilcox_quantile(p: float, n1: int, n2: int) -> int:
    """R's ``qwilcox(p, n1, n2)``: the smallest u with P(U <= u) >= p, U without ties."""
    dist = u_distribution(n1, n2)
    total = sum(dist)
    # R lowers p by 10 machine epsilons so that p = P(U <= u) computed in floating point still hits u.
    target = (p - 10 * sys.float_info.epsilon) * total
    cumulative = 0
    for u, count in enumerate(dist):
        cumulative += count
        if cumulative >= target:
            return u
    return len(dist) - 1


def _rank_statistic(head: list[float], base: list[float], d: float) -> tuple[float, float]:
    """For the head shifted by −d: W − E[W] (W the head's rank sum minus its minimum) and the tie-corrected
    standard deviation of W, as R's ``wilcox.test`` computes them for its asymptotic interval."""
    n1, n2 = len(head), len(base)
    ranks, groups = _ranks([v - d for v in head] + base)
    dz = sum(ranks[:n1]) - n1 * (n1 + 1) / 2.0 - n1 * n2 / 2.0
    return dz, _tie_corrected_sigma(n1, n2, groups)


def _tie_corrected_sigma(n1: int, n2: int, groups: Iterable[int]) -> float:
    """The standard deviation of the Mann-Whitney statistic of n1 against n2 values whose ties come in
    *groups* (how many values share each value; a group of one adds nothing)."""
    n = n1 + n2
    tie_term = sum(t**3 - t for t in groups) / (n * (n - 1)) if n > 1 else 0.0
    return math.sqrt(max(n1 * n2 / 12.0 * ((n + 1) - tie_term), 0.0))


class _Differences:
    """The m·n differences head − base in increasing order, D(1) <= ... <= D(mn), without listing them:
    :meth:`kth` selects one in O((m log m + n) log mn) time and O(m + n) memory (the selection in
    X + Y of Johnson & Mizoguchi, SIAM J. Comput. 7 (1978) 147, with a weighted median of the rows'
    middle candidates as pivot). Listing all m·n differences let a results file of 67 KB (8,000 samples
    a side) ask for more than 2 GB."""

    def __init__(self, head: list[float], base: list[float]) -> None:
        self.head = sorted(head)
        self.base = sorted(base, reverse=True)  # each row h − base[j] increases with j
        self.size = len(head) * len(base)

    def _row_counts(self, value: float, strict: bool) -> list[int]:
        """Per head value h (increasing), how many differences h − b are below *value* (or at most it)."""
        base, n = self.base, len(self.base)
        counts, j = [], 0
        for i, h in enumerate(self.head):
            # A later row's differences are larger, so its count is at most the row before's.
            if i == 0:
                while j < n and (h - base[j] < value if strict else h - base[j] <= value):
                    j += 1
            else:
                while j > 0 and not (h - base[j - 1] < value if strict else h - base[j - 1] <= value):
                    j -= 1
            counts.append(j)
        return counts

    def count_at_most(self, value: float) -> int:
        """How many differences are at most *value*."""
        return sum(self._row_counts(value, strict=False))

    def kth(self, k: int) -> float:
        """D(k), 1 <= k <= m·n."""
        head, base = self.head, self.base
        low = [0] * len(head)  # the candidates of row i are base[low[i]:high[i]]; D(k) is among them
        high = [len(base)] * len(head)
        while True:
            left = sum(hi - lo for lo, hi in zip(low, high, strict=True))
            if left <= 4 * (len(head) + len(base)):
                rest = sorted(head[i] - base[j] for i in range(len(head)) for j in range(low[i], high[i]))
                return rest[k - sum(low) - 1]
            middles = sorted((head[i] - base[(low[i] + high[i]) // 2], high[i] - low[i])
                             for i in range(len(head)) if high[i] > low[i])
            weight, pivot = 0, middles[-1][0]
            for value, rows in middles:
                weight += rows
                if 2 * weight >= left:
                    pivot = value
                    break
            below = self._row_counts(pivot, strict=True)
            if k <= sum(below):
                high = [max(lo, min(hi, c)) for lo, hi, c in zip(low, high, below, strict=True)]
                continue
            at_most = self._row_counts(pivot, strict=False)
            if k > sum(at_most):
                low = [min(hi, max(lo, c)) for lo, hi, c in zip(low, high, at_most, strict=True)]
                continue
            return pivot

    def median(self) -> float:
        """The median of the differences (the mean of the middle two for an even count)."""
        half = self.size // 2
        if self.size % 2:
            return self.kth(half + 1)
        return (self.kth(half) + self.kth(half + 1)) / 2.0


def _within_sigma(head: list[float], base: list[float]) -> float:
    """The tie-corrected standard deviation of the rank statistic between two pairwise differences, where
    only the ties within each side remain."""
    return _tie_corrected_sigma(len(head), len(base), [*_ranks(head)[1], *_ranks(base)[1]])


def _normal_bound(head: list[float], base: list[float], diffs: _Differences, zq: float) -> tuple[float, bool]:
    """The d where the continuity-corrected, standardised rank statistic of head − d against base crosses
    *zq*: R's ``uniroot`` on ``wdiff(d, zq)``, found exactly, and whether it crosses at all. The statistic
    is a step function of d that only jumps at a pairwise difference and is constant between two, so the
    crossing is the difference at the jump. Between two differences no head value minus d ties a base
    value: the statistic there is (g − mn/2 ∓ 1/2) / σ with g the number of differences above d and σ
    from the ties within each side alone, so the first gap where it is below *zq* starts at the order
    statistic D(mn − G), G the largest such g. When even the gap beyond the extreme difference is on the
    wrong side of *zq* (too few samples for the level), the extreme is returned with False."""

    def f(d: float) -> float:
        dz, sigma = _rank_statistic(head, base, d)
        if sigma == 0:
            return -zq
        correction = math.copysign(0.5, dz) if dz else 0.0
        return (dz - correction) / sigma - zq

    size = diffs.size
    sigma = _within_sigma(head, base)

    def below(g: int) -> bool:  # the statistic in a gap with g differences above it is below zq
        dz = g - size / 2.0
        if sigma == 0:
            return -zq < 0
        return (dz - (math.copysign(0.5, dz) if dz else 0.0)) / sigma - zq < 0

    # Beyond the lowest difference every difference is above (g = mn), beyond the highest none (g = 0).
    reached = not below(size) if zq > 0 else below(0)
    low, high = diffs.kth(1), diffs.kth(size)
    if f(low) <= 0:
        return low, reached
    if f(high) >= 0:
        return high, reached
    # below(g) holds for g = 0 .. G: find G (−1 when it never holds); the statistic grows with g.
    lo, hi = -1, size
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if below(mid):
            lo = mid
        else:
            hi = mid - 1
    return diffs.kth(min(max(size - lo, 1), size)), reached


def _range_coverage(head: list[float], base: list[float]) -> float:
    """What the range of all pairwise differences covers under the normal approximation: 2 Φ(s) − 1, s
    the continuity-corrected statistic just beyond the extreme difference ((mn/2 − 1/2) / σ)."""
    sigma = _within_sigma(head, base)
    if sigma == 0:
        return 0.0
    return 2.0 * NormalDist().cdf((len(head) * len(base) / 2.0 - 0.5) / sigma) - 1.0


# Beyond this many pairwise differences the interval uses the normal approximation even without ties
# (R switches at 50 values per side, 2,401 differences at most).
EXACT_LIMIT = 50


def hodges_lehmann(base: list[float], head: list[float], confidence: float = 0.95) -> Shift | None:
    """The Hodges-Lehmann shift of *head* against *base* with its two-sided *confidence* interval
    (the Moses / Mann-Whitney interval); None when a side has fewer than 2 finite values.

    The interval's ends are order statistics of the sorted pairwise differences D(1) <= ... <= D(mn):
    [D(k), D(mn + 1 − k)] with k = qwilcox((1 − confidence) / 2, m, n) (at least 1) when both sides have
    fewer than 50 values and no value occurs twice (exact: the achieved level is
    1 − 2 P(U <= k − 1) >= *confidence*); with ties below 50 values a side, the shifts the exact test with
    ties does not reject (:func:`_inverted_interval`, method "exact" too); otherwise the d where the
    tie-corrected normal approximation of the rank-sum statistic, with continuity correction, crosses ±z.
    Without ties, and at 50 values or more, that is what R's
    ``wilcox.test(head, base, conf.int = TRUE, conf.level = confidence)`` returns (R documentation of
    wilcox.test; Hollander, Wolfe & Chicken, *Nonparametric Statistical Methods*, 3rd ed., 2014,
    section 4.3; Bauer 1972, JASA 67:687). The estimate is the median of the differences (in the
    approximate case R reports the root of the uncorrected statistic instead, which lies within one
    difference of it). Sizes: O((m log m + n) log mn) time and O(m + n) memory.
    """
    base = [float(v) for v in base if _finite(v)]
    head = [float(v) for v in head if _finite(v)]
    if len(base) < 2 or len(head) < 2:
        return None
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence!r}")
    m, n = len(head), len(base)
    diffs = _Differences(head, base)
    estimate = diffs.median()
    alpha = 1.0 - confidence
    tied = len(set(head + base)) < m + n
    if not tied and m < EXACT_LIMIT and n < EXACT_LIMIT:
        k = max(_wilcox_quantile(alpha / 2, m, n), 1)
        outside = 2.0 / math.comb(m + n, m)  # what even the range of all differences leaves out
        if k == 1 and outside > alpha * (1 + 1e-9):
            widest = (diffs.kth(1), diffs.kth(m * n))
            return Shift(estimate, *widest, 1.0 - outside, "exact", n, m, reached=False)
        return Shift(estimate, diffs.kth(k), diffs.kth(m * n + 1 - k), confidence, "exact", n, m)
    if len(set(head + base)) == 1:  # every value alike: a shift of exactly 0, nothing more to learn
        return Shift(estimate, estimate, estimate, confidence, "exact", n, m)
    if tied and m < EXACT_LIMIT and n < EXACT_LIMIT:
        inverted = _inverted_interval(head, base, alpha / 2)
        if inverted is not None:
            low, high, reached, coverage = inverted
            return Shift(estimate, low, high, min(confidence, coverage), "exact", n, m, reached=reached)
    z = -NormalDist().inv_cdf(alpha / 2)
    low, reached_low = _normal_bound(head, base, diffs, z)
    high, reached_high = _normal_bound(head, base, diffs, -z)
    if len(set(head + base)) == 1:  # every value alike: a shift of exactly 0, nothing more to learn
        return Shift(estimate, low, high, confidence, "normal", n, m)
    if not (reached_low and reached_high):  # the range of all differences, which covers less
        return Shift(estimate, low, high, min(confidence, _range_coverage(head, base)), "normal", n, m,
                     reached=False)
    return Shift(estimate, low, high, confidence, "normal", n, m)


def _inverted_interval(head: list[float], base: list[float],
                       tail: float) -> tuple[float, float, bool, float] | None:
    """The shifts d that :func:`mann_whitney_greater`'s one-sided tests of head − d against base reject
    at level *tail* in neither direction, as ``(low, high, reached, coverage)``; None where that test
    would not be exact (:func:`_exact_with_ties`), so its inversion is not worth the time.

    The test is exact with ties, which the normal interval is not: a load test's p95 of 9 rounds against 9
    read "significant, p = 0.0114 <= 0.0119" beside a 97.6 % interval of "−8.2 % … +71 %", since the two
    disagreed. The p-values change only at a pairwise difference (where a head value minus d ties a base
    value) and are constant between two, so the candidates are each difference and each gap between two,
    in order; each p-value grows as d moves towards its side, and each end is found by bisection over the
    candidates. The interval is the closure of the shifts not rejected: an end is the first candidate not
    rejected, or the difference that bounds that gap (as Moses' [D(k), D(mn + 1 − k)] is closed). Since
    the true shift is one of the candidates, the interval holds it whenever its own tests do not reject
    it: at least 1 − 2·*tail* of the time. ``reached`` is False when even the gap beyond every difference
    is not rejected (too few samples for the level): the end is then the extreme difference and
    ``coverage`` what the widest interval achieves, 1 minus the smallest p-value of each side. Cost:
    about 2·log2(2mn) exact p-values."""
    if not _exact_with_ties(head, base):
        return None
    points = sorted({h - b for h in head for b in base})
    # Candidate 2t is the gap below points[t] (the last one above every difference), 2t + 1 is points[t].
    gaps = [points[0] - 1.0, *((a + b) / 2.0 for a, b in itertools.pairwise(points)), points[-1] + 1.0]
    last = 2 * len(points)

    def shift(i: int) -> float:
        return gaps[i // 2] if i % 2 == 0 else points[i // 2]

    def greater(i: int) -> float:  # head − d larger than base: grows with i
        return mann_whitney_greater([h - shift(i) for h in head], base)

    def less(i: int) -> float:  # head − d smaller than base: shrinks with i
        return mann_whitney_greater(base, [h - shift(i) for h in head])

    lo, hi = 0, last  # the first candidate the "greater" test does not reject
    while lo < hi:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if greater(mid) > tail else (mid + 1, hi)
    first = lo
    lo, hi = 0, last  # the last candidate the "less" test does not reject
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if less(mid) > tail else (lo, mid - 1)
    final = lo
    reached = first > 0 and final < last
    # A gap's closure: the difference below it (for the low end) or above it (for the high end).
    low = points[0] if first == 0 else (points[first // 2 - 1] if first % 2 == 0 else points[first // 2])
    high = points[-1] if final == last else points[final // 2]
    coverage = 1.0 if reached else 1.0 - greater(0) - less(last)
    return low, high, reached, coverage


def median_interval(samples: Sequence[float], confidence: float = 0.95) -> tuple[float, float, float] | None:
    """The distribution-free confidence interval of the median of *samples*: ``(low, high, coverage)``
    in the samples' unit, or None with fewer than 2 finite values.

    The interval of the sign test: [X(k), X(n + 1 − k)] of the sorted values, k the largest with
    2 P(B <= k − 1) <= 1 − *confidence*, B ~ Binomial(n, 1/2); its coverage 1 − 2 P(B <= k − 1) is at
    least *confidence*. With too few values for that (n <= 5 at 95 %) it is the range of the values and
    covers 1 − 2^(1 − n), less than asked (Hollander, Wolfe & Chicken, *Nonparametric Statistical
    Methods*, 3rd ed., 2014, section 3.6; R's ``DescTools::MedianCI(method = "exact")`` gives the same
    order statistics). Raises ValueError for a *confidence* outside (0, 1).
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence!r}")
    values = sorted(float(v) for v in samples if _finite(v))
    n = len(values)
    if n < 2:
        return None
    from fractions import Fraction

    # In integers: 2^n is past a float's range from about 1,000 samples on.
    allowed, total = Fraction(1.0 - confidence), 2 ** n
    k, outside = 1, 1  # outside: 2^n P(B <= k - 1), the sign arrangements the interval of k leaves out
    while k < (n + 1) // 2 and 2 * (outside + math.comb(n, k)) <= allowed * total:
        outside += math.comb(n, k)
        k += 1
    coverage = float(1 - Fraction(2 * outside, total))
    return values[k - 1], values[n - k], coverage


# The smallest two-sided error (1 − confidence) an interval is computed at: 1 − 1e-15 is still below 1.0
# as a float, where 1 − 1e-17 is 1.0.
SMALLEST_ERROR = 1e-15


@dataclass(frozen=True)
class Rule:
    """What decides a metric: the direction that is *better* ("lower" or "higher"), the one-sided
    significance level *alpha*, the smallest change that counts (*min_effect_pct* in percent of the base,
    *min_effect_abs* in the metric's unit), the metric's own regression limit *threshold_pct* (the shift
    the gate must catch) and the level of the confidence interval shown (*confidence*)."""

    better: str = "lower"
    alpha: float = 0.05
    min_effect_pct: float = 5.0
    threshold_pct: float | None = None
    confidence: float = 0.95
    min_effect_abs: float = 0.0

    @property
    def limit_pct(self) -> float:
        """The regression the gate is built to catch, in percent (the metric's limit, at least
        ``min_effect_pct``): adaptive rounds continue while a shift this large is still inside the
        interval (:func:`needs_more_samples`)."""
        return max(self.min_effect_pct, self.threshold_pct or 0.0, 0.0)

    @property
    def floor_pct(self) -> float:
        """The smallest estimated shift, in percent, that a significant test may call a regression (or an
        improvement): ``min_effect_pct``. Not the regression limit: an estimate of a true shift of exactly
        the limit falls below the limit half of the time, so a gate that needed the estimate to reach the
        limit would miss half the regressions it exists to catch."""
        return max(self.min_effect_pct, 0.0)

    def at_level(self, level: float | None) -> Rule:
        """This rule judged at the one-sided significance *level* instead of ``alpha`` (a sequential
        look's share of it, :func:`sequential_levels`), its interval widened alike: the two-sided error
        ``1 − confidence`` shrinks by the same factor ``level / alpha``, so the interval shown and the test
        keep the relation they have at ``alpha`` (docs/verdicts.md). A *level* of None or at least
        ``alpha`` leaves the rule as it is."""
        if level is None or level >= self.alpha:
            return self
        if not level > 0:
            raise ValueError(f"a significance level must be above 0, got {level!r}")
        share = level / self.alpha
        # A level from a results file can be tiny (1e-17): 1 − error would round to a confidence of 1.0,
        # an interval no level has. The widest interval a float can tell apart from 1 does.
        error = max((1.0 - self.confidence) * share, SMALLEST_ERROR)
        return dataclasses.replace(self, alpha=level, confidence=1.0 - error)

    @classmethod
    def for_metric(cls, gate: GateSettings, name: str, better: str, unit: str = "") -> Rule:
        """The rule of metric *name* (in *unit*) under ``[gate]`` (alpha, min_effect_pct,
        regression.<name>, confidence, and the smallest change that counts: :func:`effect_floor`)."""
        return cls(better=better, alpha=gate.alpha, min_effect_pct=gate.min_effect_pct,
                   threshold_pct=gate.regression.get(name), confidence=gate.confidence,
                   min_effect_abs=effect_floor(name, unit, gate.min_effect_ms, gate.min_effect_cls,
                                                gate.min_effect_bytes))


@dataclass(frozen=True)
class SampleVerdict:
    """What :func:`test_samples` decided: verdict, p-value, the shift with its interval, and the base's
    median that percentages refer to."""

    verdict: Verdict
    p_value: float | None
    shift: Shift | None
    base_median: float | None
    p_worse: float | None = None
    p_better: float | None = None
    p_floor: tuple[float, float] | None = None

    def pct(self, value: float | None) -> float | None:
        """*value* (a shift in the metric's unit) in percent of the base's median."""
        if value is None or self.base_median is None:
            return None
        return _shift_pct(self.base_median, value)

    @property
    def effect_pct(self) -> float | None:
        """The estimated shift in percent of the base's median."""
        return self.pct(self.shift.estimate if self.shift else None)


def test_samples(base: Sequence[float], head: Sequence[float], rule: Rule) -> SampleVerdict:
    """Decide two sample lists under *rule*, as one test on its own.

    "regressed" when the one-sided Mann-Whitney U test finds the head worse at ``rule.alpha`` and the
    Hodges-Lehmann shift is at least ``rule.floor_pct`` percent of the base's median for the worse (and
    at least ``rule.min_effect_abs`` in the metric's unit); "improved" symmetrically; "insufficient
    data" with fewer than 2 finite values on a side. The verdict also carries both one-sided p-values
    and the smallest ones the pooled values allow (:func:`smallest_p`), which :func:`holm_tarone` needs
    when several metrics are tested together.
    """
    b = [float(v) for v in base if _finite(v)]
    h = [float(v) for v in head if _finite(v)]
    if len(b) < 2 or len(h) < 2:
        return SampleVerdict("insufficient data", None, None, None)
    shift = hodges_lehmann(b, h, rule.confidence)
    assert shift is not None
    worse_if_higher = rule.better == "lower"
    # p-value that head is worse, and that it is better
    p_worse = mann_whitney_greater(h, b) if worse_if_higher else mann_whitney_greater(b, h)
    p_better = mann_whitney_greater(b, h) if worse_if_higher else mann_whitney_greater(h, b)
    floors = (smallest_p(h, b), smallest_p(b, h))
    floor = floors if worse_if_higher else (floors[1], floors[0])
    base_median = median(b)
    out = SampleVerdict("no significant change", min(p_worse, p_better), shift, base_median, p_worse,
                        p_better, floor)
    effect = out.effect_pct or 0.0
    worse_effect = effect if worse_if_higher else -effect
    if abs(shift.estimate) < rule.min_effect_abs:  # below the measurement's resolution: never a verdict
        return out
    if p_worse <= rule.alpha and worse_effect >= rule.floor_pct:
        return dataclasses.replace(out, verdict="regressed", p_value=p_worse)
    if p_better <= rule.alpha and -worse_effect >= rule.floor_pct:
        return dataclasses.replace(out, verdict="improved", p_value=p_better)
    return out


def smallest_p(x: Sequence[float], y: Sequence[float]) -> float:
    """The smallest one-sided p-value :func:`mann_whitney_greater` can give for "x larger than y" with these
    pooled values: the arrangement that puts the ``len(x)`` largest values in *x*. Under the null
    hypothesis every arrangement of the pooled values is equally likely, so this bound depends on the
    values only, not on which side they came from (the condition of Tarone's rule, :func:`holm_tarone`).
    Values that are mostly ties (bytes of an unchanged page, a score of 100) cannot reach a small
    p-value at all: one 6 among eleven 5s, six a side, gives 0.5, and equal values give 1."""
    pooled = sorted([*x, *y])
    n = len(x)
    return mann_whitney_greater(pooled[len(pooled) - n:], pooled[: len(pooled) - n])


def tarone_k(floors: Sequence[float], level: float) -> int:
    """Tarone's K for tests whose smallest attainable p-values are *floors*: the smallest K >= 1 such
    that at most K of them are at or below ``level / K`` (Tarone, "A modified Bonferroni method for
    discrete data", Biometrics 46 (1990) 515-522). A test whose floor is above ``level / K`` can never
    reject at that level, so it costs the others nothing; at most len(*floors*)."""
    return _tarone_k_sorted(sorted(floors), level)


def _tarone_k_sorted(floors: Sequence[float], level: float) -> int:
    """:func:`tarone_k` of *floors* sorted ascending: O(K log n), not O(K n)."""
    for k in range(1, len(floors) + 1):
        if bisect.bisect_right(floors, level / k) <= k:
            return k
    return max(len(floors), 1)


def holm_tarone(p_values: Sequence[float], floors: Sequence[float],
                level: float) -> tuple[set[int], list[float]]:
    """Holm's step-down procedure with Tarone's K at every step: which of the tests (indices into
    *p_values*) reject, so that the chance of any false rejection among them stays at most *level*
    whatever their dependence, and the level each test's p-value was compared with (the step it was
    rejected at, else the step the procedure stopped at).

    At each step the remaining tests' K (:func:`tarone_k`) sets the threshold ``level / K`` for the
    smallest remaining p-value; the procedure stops at the first that does not reach it. This is the
    closed test of Tarone-Bonferroni intersection tests (Hommel & Krummenauer, "Improvements and
    modifications of Tarone's multiple test procedure for discrete data", Biometrics 54 (1998) 673-681;
    Holm, "A simple sequentially rejective multiple test procedure", Scand. J. Statist. 6 (1979) 65-70).
    With every floor at 0 it is Holm's procedure. *floors* pairs with *p_values*.
    """
    # A floor that is not a number could never be compared: such a test cannot reject (and kept sorted,
    # the floors must be numbers).
    floors = [f if f == f else 1.0 for f in floors]
    order = sorted(range(len(p_values)), key=lambda i: (p_values[i], i))
    thresholds = [level] * len(p_values)
    rejected: set[int] = set()
    left = sorted(floors[i] for i in order)  # the remaining tests' floors, kept sorted
    for step, i in enumerate(order):
        cut = level / _tarone_k_sorted(left, level)
        if p_values[i] > cut:
            for j in order[step:]:  # the step the procedure stopped at
                thresholds[j] = cut
            break
        thresholds[i] = cut
        rejected.add(i)
        del left[bisect.bisect_left(left, floors[i])]
    return rejected, thresholds


def gatekept(p_values: Sequence[float], floors: Sequence[float], gated: Collection[int],
             level: float) -> tuple[set[int], list[float], list[int]]:
    """Serial gatekeeping of two families: the *gated* tests (indices into *p_values*; a phase's metrics
    named in ``[gate] regression``, the ones that fail the gate) by :func:`holm_tarone` at *level*, and
    the others by :func:`holm_tarone` at *level* too, but only once every gated test that could reject at
    *level* (its floor at most *level*) has rejected; until then none of the others rejects. Returns the
    rejected tests, the level each p-value was compared with (0 for a test of the second family that was
    never tested) and each test's Tarone K within its own family.

    The chance of any false rejection among all the tests stays at most *level* whatever their dependence:
    this is the closed test whose intersection hypothesis H_I is tested by Tarone-Bonferroni over the
    gated tests in I that could reject, or over the others in I when I holds none of those (Westfall &
    Krishen, "Optimally weighted, fixed sequence and gatekeeper multiple testing procedures", J. Statist.
    Plann. Inference 99 (2001) 25-40; Dmitrienko & Tamhane, "Gatekeeping procedures with clinical trial
    applications", Pharmaceut. Statist. 6 (2007) 171-180). A gated test whose floor is above *level* can
    never reject, so it neither counts nor holds the others back (a load test's error rate of 0 on every
    round). With no gated tests it is :func:`holm_tarone` over all of them. *floors* pairs with
    *p_values*."""
    n = len(p_values)
    floors = [f if f == f else 1.0 for f in floors]
    first = [i for i in range(n) if i in gated]
    second = [i for i in range(n) if i not in gated]
    rejected: set[int] = set()
    cut = [0.0] * n
    size = [0] * n
    for family, opened in ((first, True), (second, None)):
        if not family:
            continue
        if opened is None:  # the gate: every gated test that could reject did
            opened = all(i in rejected for i in first if floors[i] <= level)
        fam_floors = [floors[i] for i in family]
        k = tarone_k(fam_floors, level)
        for i in family:
            size[i] = k
        if not opened:
            continue
        out, cuts = holm_tarone([p_values[i] for i in family], fam_floors, level)
        rejected.update(family[j] for j in out)
        for j, i in enumerate(family):
            cut[i] = cuts[j]
    return rejected, cut, size


test_samples.__test__ = False  # type: ignore[attr-defined]  # a function of the library, not a pytest test


def compare_samples(
    base: list[float],
    head: list[float],
    better: str,
    *,
    alpha: float = 0.05,
    min_effect_pct: float = 5.0,
) -> tuple[Verdict, float | None, float | None]:
    """(verdict, Hodges-Lehmann shift in percent of the base median, p-value) for two sample lists.

    *better* is "lower" or "higher"; fewer than 2 values on a side gives
    "insufficient data". See :func:`test_samples`.
    """
    out = test_samples(base, head, Rule(better=better, alpha=alpha, min_effect_pct=min_effect_pct))
    return out.verdict, out.effect_pct, out.p_value


def needs_more_samples(base: Sequence[float], head: Sequence[float], rule: Rule) -> bool:
    """Whether more samples could still change the verdict on a metric: it is not "regressed" yet and its
    ``rule.confidence`` interval for the shift, in percent of the base's median and turned so that positive
    is worse, still reaches the regression limit ``rule.limit_pct`` (a regression of the size the gate
    must catch is still plausible). Once the interval lies below the limit, more samples would only
    sharpen a change smaller than what the gate is built for.

    True also when a side has fewer than 2 finite samples (nothing can be decided yet), when so few
    samples cannot give an interval at ``rule.confidence`` (``Shift.reached``: 3 against 3 at a look's
    99.996 %, where the range of all differences covers 90 %), and when the
    interval lies wholly beyond the limit but the test at ``rule.alpha`` does not find a regression:
    with few samples and a small level no arrangement of the ranks reaches it (3 against 3 at alpha =
    0.003: the smallest one-sided p-value is 1/20). False when the base's median is 0 (no percentage
    exists), unless the metric has an effect floor (``rule.min_effect_abs``: CLS, which is 0 on most
    pages) and the estimated shift itself reaches it for the worse: a shift is seen, not merely not ruled
    out (a TBT of 0 on every base load against one 105-ms blip in ten head loads is no reason to go on).
    False too when the interval (one the samples reach) lies below that floor at its worse end: no shift
    so small is ever a verdict, and when each side's samples are all one value (:func:`constant_pair`:
    the change is exact). Pure: the caller (``run --base-ref``) adds rounds while this holds, up to
    ``[gate] max_runs``, with *rule* at the look's level shared among the phase's metrics
    (:func:`family_level`).
    """
    if constant_pair(base, head):
        return False
    out = test_samples(base, head, rule)
    if out.shift is None:
        return True
    worst = out.shift.high if rule.better == "lower" else -out.shift.low
    if out.shift.reached and worst < rule.min_effect_abs:
        return False
    low, high = out.pct(out.shift.low), out.pct(out.shift.high)
    if low is None or high is None:
        return False
    if out.base_median == 0:
        # No percentage of 0: a base page without a layout shift against a head with one would otherwise
        # stop at the first look, where 3 loads a build cannot be significant, and the shift go unseen.
        estimate = out.shift.estimate if rule.better == "lower" else -out.shift.estimate
        return 0 < rule.min_effect_abs <= estimate and out.verdict != "regressed"
    if not out.shift.reached:  # the range of the samples is no interval at the look's level yet
        return out.verdict != "regressed"
    if rule.better != "lower":
        low, high = -high, -low
    return out.verdict != "regressed" and high > rule.limit_pct


def conditional_power(base: Sequence[float], head: Sequence[float], rule: Rule, final_n: int,
                      final_alpha: float) -> float | None:
    """The chance, 0..1, that the last planned look (*final_n* samples per build, one-sided level
    *final_alpha*) calls the head "regressed" if, from now on, the head is worse by the regression limit
    ``rule.limit_pct`` (or by the shift estimated so far, when that is larger), given the samples so
    far: the conditional power of stochastic curtailment (Lan,
    Simon & Halperin, "Stochastically curtailed tests in long-term clinical trials", Communications in
    Statistics C 1 (1982) 207; Jennison & Turnbull, *Group Sequential Methods with Applications to
    Clinical Trials*, 2000, section 10.2).

    On the normal approximation of the shift in percent of the base's median (turned so that positive
    is worse): the estimate is the Hodges-Lehmann shift, its standard error ``100 σ sqrt(1/n_base +
    1/n_head) / |base median|`` with σ the pooled scale of both sides around their own medians
    (1.4826 × their median absolute deviation; their pooled standard deviation when that is 0, which
    ties make common). With information fraction t (now against the last look), the statistic B(t) =
    Z sqrt(t) and θ the larger of the limit and the estimate over the last look's standard error, the
    answer is
    ``1 − Φ((c − B(t) − θ (1 − t)) / sqrt(1 − t))``, where c is the last look's critical value, raised
    where the effect floor (``rule.floor_pct``, ``rule.min_effect_abs``) asks for more.

    None when it cannot be worked out: fewer than 2 finite samples on a side, a base median of 0, no
    spread at all, no look left (*final_n* not above the samples there are), or values so large that
    the arithmetic overflows.
    """
    b = [float(v) for v in base if _finite(v)]
    h = [float(v) for v in head if _finite(v)]
    if len(b) < 2 or len(h) < 2 or final_n < 2 or not 0 < final_alpha < 1:
        return None
    now = 1.0 / (1.0 / len(b) + 1.0 / len(h))  # information, in samples per build of a balanced design
    t = now / (final_n / 2.0)
    centre = median(b)
    if t >= 1.0 or centre == 0:
        return None
    residuals = [v - centre for v in b] + [v - median(h) for v in h]
    sigma = 1.4826 * median(abs(r) for r in residuals)
    if sigma == 0:
        sigma = math.sqrt(math.fsum(r * r for r in residuals) / (len(residuals) - 2))
    if sigma == 0:
        return None
    se_now = 100.0 * sigma * math.sqrt(1.0 / len(b) + 1.0 / len(h)) / abs(centre)
    se_final = se_now * math.sqrt(t)
    estimate = _shift_pct(centre, _Differences(h, b).median())
    if rule.better != "lower":
        estimate = -estimate
    floor = max(rule.floor_pct, _shift_pct(centre, rule.min_effect_abs))
    critical = max(-NormalDist().inv_cdf(final_alpha), floor / se_final)
    # The trend so far, when it is worse than the limit: a head that looks 23 % worse is not given up on
    # because a 10 % regression could not be shown.
    drift = max(rule.limit_pct, estimate) / se_final
    z = (critical - estimate / se_now * math.sqrt(t) - drift * (1.0 - t)) / math.sqrt(1.0 - t)
    return NormalDist().cdf(-z) if math.isfinite(z) else None


def family_level(pairs: Sequence[tuple[Sequence[float], Sequence[float]]], level: float) -> float:
    """The level one metric of a family gets when the family's *pairs* (base samples, head samples) are
    tested together at *level*: ``level / K`` with Tarone's K over the metrics (:func:`tarone_k`), the
    first threshold of :func:`holm_tarone` and a lower bound of every later one. Identical pairs are one
    test (the total and the only endpoint of a load test); a :func:`constant_pair` is none."""
    floors = []
    for b, h in dict.fromkeys((tuple(b), tuple(h)) for b, h in pairs):
        bs, hs = [float(v) for v in b if _finite(v)], [float(v) for v in h if _finite(v)]
        if len(bs) >= 2 and len(hs) >= 2 and not constant_pair(b, h):
            floors.append(min(smallest_p(hs, bs), smallest_p(bs, hs)))
    return level / tarone_k(floors, level) if floors else level


# -- sequential testing: more samples while a verdict is open ----------------------------------------

SPENDING_FUNCTIONS = ("obrien-fleming", "pocock", "bonferroni")
# The spending function run --base-ref uses (docs/verdicts.md, "Enough samples, adaptively").
SPENDING = "obrien-fleming"


def spent_alpha(t: float, alpha: float, spending: str = SPENDING) -> float:
    """The one-sided type-I error spent by information fraction *t* (0..1) of a sequential test whose
    whole error is *alpha*: a Lan-DeMets spending function (Lan & DeMets, "Discrete sequential boundaries
    for clinical trials", Biometrika 70 (1983) 659-663).

    "obrien-fleming": ``2 − 2 Φ(z(1 − alpha/2) / sqrt(t))``, which spends almost nothing early and close
    to *alpha* at the end (the form of R gsDesign's ``sfLDOF``); "pocock": ``alpha · ln(1 + (e − 1) t)``,
    which spends evenly. Both give 0 at t = 0 and *alpha* at t = 1. ValueError for another name.
    """
    if t <= 0:
        return 0.0
    t = min(t, 1.0)
    if spending == "obrien-fleming":
        normal = NormalDist()
        return 2.0 * (1.0 - normal.cdf(normal.inv_cdf(1.0 - alpha / 2.0) / math.sqrt(t)))
    if spending == "pocock":
        return alpha * math.log(1.0 + (math.e - 1.0) * t)
    raise ValueError(f"unknown spending function {spending!r} (one of {', '.join(SPENDING_FUNCTIONS)})")


def sequential_levels(looks: Sequence[int], alpha: float, spending: str = SPENDING) -> list[float]:
    """The one-sided significance level of each look of a test that may look at its samples at the sample
    counts *looks* (increasing, samples per side, the last one the cap), so that the chance of a false
    "regressed" over all looks together stays at most *alpha* whatever decides when to stop.

    Look k gets what the spending function (:func:`spent_alpha`, information fraction t = n_k / n_last:
    the Mann-Whitney statistic's information grows with the samples) spends between looks k − 1 and k;
    "bonferroni" gives each look ``alpha / len(looks)``. The levels add up to *alpha*, so by Bonferroni's
    inequality P(some look rejects) <= sum of the levels <= *alpha* under the null, with no assumption on
    how the looks' statistics depend on each other (a conservative form of the spending-function
    boundaries; Jennison & Turnbull, *Group Sequential Methods with Applications to Clinical Trials*,
    2000, sections 7.2 and 2.5). One look (or none): *alpha* itself. ValueError when *looks* do not
    increase.
    """
    looks = list(looks)
    if len(looks) <= 1:
        return [alpha] * len(looks)
    if any(b <= a for a, b in zip(looks, looks[1:], strict=False)) or looks[0] <= 0:
        raise ValueError(f"looks must be increasing positive sample counts, got {looks!r}")
    if spending == "bonferroni":
        return [alpha / len(looks)] * len(looks)
    spent = [spent_alpha(n / looks[-1], alpha, spending) for n in looks]
    return [now - before for before, now in zip([0.0, *spent[:-1]], spent, strict=True)]


def carried_levels(looks: Sequence[int], levels: Sequence[float]) -> list[float]:
    """*levels* (:func:`sequential_levels` of the looks at *looks* samples per build) with the level of a
    look that no two samples of its size could reach carried to the next look: with n against n samples
    and no ties the smallest one-sided Mann-Whitney p-value is 1 / C(2n, n) (1/252 at 5 against 5; ties
    only raise it), so a look whose level is below that can never find a regression, and what it would
    spend is given to the next look instead (Lan & DeMets, Biometrika 70 (1983) 659: a look that is not
    made spends nothing, the next spends up to its information fraction). Decided from the plan alone,
    before any sample, so the levels of the looks that can reject still add up to the same total. Such a
    look keeps its own level (for its interval and for deciding whether to add samples); the last look's
    level is never moved."""
    out = list(levels)
    carry = 0.0
    for i in range(len(out) - 1):
        if out[i] + carry < 1.0 / math.comb(2 * looks[i], looks[i]):
            carry += out[i]
        else:
            out[i] += carry
            carry = 0.0
    if out:
        out[-1] += carry
    return out


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(float(value))


def _effect_pct(base: float, head: float) -> float:
    if base == 0:
        return 0.0 if head == 0 else math.copysign(100.0, head)
    return (head - base) / abs(base) * 100.0


def _shift_pct(base: float, shift: float) -> float:
    """A shift in percent of *base* (±100 % for any shift from a base of 0, as :func:`_effect_pct`)."""
    if base == 0:
        return 0.0 if shift == 0 else math.copysign(100.0, shift)
    return shift / abs(base) * 100.0


def _sampled(base: Metric, head: Metric, rule: Rule, common: dict[str, Any]) -> Comparison:
    recorded = [m.alpha for m in (base, head) if m.alpha is not None and _finite(m.alpha) and m.alpha > 0]
    sequential = bool(recorded) and min(recorded) < rule.alpha
    rule = rule.at_level(min(recorded) if recorded else None)
    out = test_samples(base.samples, head.samples, rule)
    shift = out.shift
    return Comparison(
        base=base.value, head=head.value, verdict=out.verdict, effect_pct=out.effect_pct, p_value=out.p_value,
        method="mann-whitney-u", shift=shift.estimate if shift else None, ci_low=shift.low if shift else None,
        ci_high=shift.high if shift else None, ci_low_pct=out.pct(shift.low) if shift else None,
        ci_high_pct=out.pct(shift.high) if shift else None, confidence=shift.confidence if shift else None,
        ci_method=shift.method if shift else "", n_base=shift.n_base if shift else len(base.samples),
        n_head=shift.n_head if shift else len(head.samples), limit_pct=rule.limit_pct, alpha=rule.alpha,
        sequential=sequential, p_worse=out.p_worse, p_better=out.p_better, p_floor=out.p_floor,
        gated=rule.threshold_pct is not None, **common)


def _thresholded(base: float, head: float, better: str, limit: float, common: dict[str, Any],
                 min_abs: float = 0.0, gated: bool = False) -> Comparison:
    effect = _effect_pct(base, head)
    worse = effect if better == "lower" else -effect
    verdict: Verdict = "no significant change"
    if abs(head - base) < min_abs:
        pass
    elif worse > limit:
        verdict = "regressed"
    elif -worse > limit:
        verdict = "improved"
    return Comparison(base=base, head=head, verdict=verdict, effect_pct=effect, method="threshold",
                      limit_pct=limit, gated=gated, **common)


def compare_metric(
    phase: str,
    base: Metric | None,
    head: Metric | None,
    *,
    alpha: float = 0.05,
    min_effect_pct: float = 5.0,
    threshold_pct: float | None = None,
    confidence: float = 0.95,
    min_effect_ms: float = 0.0,
    min_effect_cls: float = 0.0,
    min_effect_bytes: float = 0.0,
) -> Comparison:
    """Compare one metric of *phase* between base and head (either may be missing).

    A time (unit "ms") that moved by less than *min_effect_ms*, CLS by less
    than *min_effect_cls* and a size (unit "bytes") by less than
    *min_effect_bytes*, is never regressed nor improved, whatever the
    test or the percentage says (:func:`effect_floor`).

    Both sides with at least 2 samples: Mann-Whitney U at *alpha* plus a
    Hodges-Lehmann shift of at least *min_effect_pct* (and at least
    *threshold_pct* when the metric has a regression limit) with its
    *confidence* interval (:func:`test_samples`); when a side's metric records
    a lower ``alpha`` (samples taken by a sequential procedure), the test runs
    at that level and the interval is widened alike (:meth:`Rule.at_level`).
    Otherwise the relative change of the values against *threshold_pct*, else
    *min_effect_pct*. A count of what a phase looked at or sent (files
    scanned, packages audited, requests: :func:`directed`, given whether
    *threshold_pct* is set) is "no significant change" whatever it did, with
    its change in ``effect_pct``.
    """
    ref = head or base
    if ref is None:
        raise ValueError("compare_metric needs a base or a head metric")
    common: dict[str, Any] = dict(key=ref.key, name=ref.name, phase=phase, unit=ref.unit, better=ref.better,
                                  labels=dict(ref.labels))
    if base is None:
        return Comparison(base=None, head=ref.value, verdict="new", **common)
    if head is None:
        return Comparison(base=base.value, head=None, verdict="removed", **common)
    if not directed(phase, ref, named=threshold_pct is not None):
        effect = None
        if base.value is not None and head.value is not None and _finite(base.value) and _finite(head.value):
            effect = _effect_pct(base.value, head.value)
        return Comparison(base=base.value, head=head.value, verdict="no significant change",
                          effect_pct=effect, method="count", n_base=len(base.samples),
                          n_head=len(head.samples), **common)
    if constant_pair(base.samples, head.samples):
        # Every load or round of each build gave one value (a page's transfer bytes, a score, a count of
        # requests): the change is exact, not an estimate, and a rank test of 5 against 5 can say no more
        # than p = 1/252, above what a family of metrics leaves one of them. A page's script bytes +9.6 %
        # read "no significant change" beside the bundle phase's "regressed" for the same files.
        limit = threshold_pct if threshold_pct is not None else min_effect_pct
        return _thresholded(float(base.samples[0]), float(head.samples[0]), ref.better, limit,
                            {**common, "n_base": len(base.samples), "n_head": len(head.samples)},
                            effect_floor(ref.name, ref.unit, min_effect_ms, min_effect_cls, min_effect_bytes),
                            gated=threshold_pct is not None)
    if len(base.samples) >= 2 and len(head.samples) >= 2:
        floor = effect_floor(ref.name, ref.unit, min_effect_ms, min_effect_cls, min_effect_bytes)
        rule = Rule(better=ref.better, alpha=alpha, min_effect_pct=max(min_effect_pct, 0.0),
                    threshold_pct=threshold_pct, confidence=confidence, min_effect_abs=floor)
        return _sampled(base, head, rule, common)
    if not (_finite(base.value) and _finite(head.value)):
        # None or NaN on a side: no percentage can be computed, and "no change" would let it pass.
        return Comparison(base=base.value, head=head.value, verdict="insufficient data", **common)
    assert base.value is not None and head.value is not None
    limit = threshold_pct if threshold_pct is not None else min_effect_pct
    return _thresholded(base.value, head.value, ref.better, limit, common,
                        effect_floor(ref.name, ref.unit, min_effect_ms, min_effect_cls, min_effect_bytes),
                        gated=threshold_pct is not None)


def constant_pair(base: Sequence[float], head: Sequence[float]) -> bool:
    """Whether each side has at least 2 samples, all finite and all equal on that side (the sides may
    differ): a figure that does not vary between a build's loads or rounds, compared as one value a side
    (:func:`compare_metric`), with no test to make and no samples to add."""
    return all(len(side) >= 2 and _finite(side[0]) and all(v == side[0] for v in side)
               for side in (base, head))


def effect_floor(name: str, unit: str, min_effect_ms: float, min_effect_cls: float,
                 min_effect_bytes: float = 0.0) -> float:
    """The smallest change of metric *name* (in *unit*) that can be a verdict, in its unit: *min_effect_ms*
    for a time (unit "ms"), *min_effect_cls* for CLS (unitless: against a base of 0 any shift is +100 %),
    *min_effect_bytes* for a size (unit "bytes": a small file's compressed size moves by tens of bytes when
    only its content's ids change), else 0 (the relative ``min_effect_pct`` decides)."""
    if unit == "ms":
        return min_effect_ms
    if unit == "bytes":
        return min_effect_bytes
    return min_effect_cls if name == "cls" else 0.0


def directed(phase: str, metric: Metric, *, named: bool = False) -> bool:
    """False for a count that measures what a phase looked at or sent rather than the app, so that more or
    less of it is neither worse nor better. The security phase's files scanned and packages audited
    (:data:`~echotune_ci.phases.security.phase.SIZE_COUNTS`: they change with the project's size) unless
    *named* (``[gate] regression`` names the metric); the load phase's requests and per-endpoint
    throughput (:func:`~echotune_ci.phases.load.metrics.mix_count`: set by the load model's random choice
    of tasks) whatever ``[gate] regression`` says, since its ``rps`` (a default) is meant for the total;
    and the app's CPU and memory under load unless *named* (a side-by-side run samples them per round;
    testing them is opt-in: each adds a test to the load phase's family, and in an A/A run of the example
    the CPU of identical builds came out "regressed"). Such a metric gets no verdict and no place in its
    phase's family of tests."""
    if phase == "security":
        from .phases.security.phase import SIZE_COUNTS

        return named or metric.name not in SIZE_COUNTS
    if phase == "load":
        from .phases.load.metrics import mix_count
        from .phases.load.resources import APP_RESOURCES

        return not mix_count(metric) and (named or metric.name not in APP_RESOURCES)
    return True


def check_rules(thresholds: Mapping[str, float], alpha: float, min_effect_pct: float,
                confidence: float = 0.95) -> None:
    """ConfigError naming the rule that is not a usable number (see :func:`compare_results`)."""
    from .errors import ConfigError

    if not (_finite(confidence) and 0 < confidence < 1):
        raise ConfigError(f"[gate] confidence must be a number between 0 and 1, got {confidence!r}")
    if not (_finite(alpha) and 0 < alpha < 1):
        raise ConfigError(f"[gate] alpha must be a number between 0 and 1, got {alpha!r}")
    if not (_finite(min_effect_pct) and min_effect_pct >= 0):
        raise ConfigError(f"[gate] min_effect_pct must be a finite number of at least 0, "
                          f"got {min_effect_pct!r}")
    for name, limit in thresholds.items():
        if not (_finite(limit) and limit >= 0):
            raise ConfigError(f"[gate] regression.{name} must be a finite number of at least 0, "
                              f"got {limit!r}")


# Samples a side of one compared metric: one a page load or load round, and [gate] max_runs is at most 100,
# so this leaves room for 20 merged runs at the cap. The interval's cost grows faster than the count
# (0.1 s at 1,000 a side, 2.5 s at 10,000, 16 s at 30,000), and result files can come from a fork.
MAX_COMPARED_SAMPLES = 2_000


def compare_results(
    base: Iterable[PhaseResult],
    head: Iterable[PhaseResult],
    *,
    thresholds: Mapping[str, float] | None = None,
    alpha: float = 0.05,
    min_effect_pct: float = 5.0,
    confidence: float = 0.95,
    min_effect_ms: float = 0.0,
    min_effect_cls: float = 0.0,
    min_effect_bytes: float = 0.0,
) -> list[Comparison]:
    """Compare every metric of every phase present on either side (:func:`compare_metric`), except
    those of a phase only one side has results of, those whose ``compared`` is False on a side (figures
    of one run alone, such as the api phase's response times) and the base's metrics of a phase or check
    that could not run in the head (status
    "error" and no metric at all; a ``<check>.could_not_run`` metric for the check's ``<check>.*``): its
    error is the finding, and nothing there was removed (nor is the head's figure of a check that could
    not run in the base new). A phase with a check that could not run on either side has no verdict on
    its counts over all checks (``findings.*``): they lack that check's.

    ConfigError when *alpha* or *confidence* is not in (0, 1) or *min_effect_pct* or a threshold is
    not a finite number of at least 0 (a NaN there would silently turn every regression into "no
    change"). InputError when a compared metric's units or directions differ between the sides, or it
    has more than :data:`MAX_COMPARED_SAMPLES` samples on a side.
    """
    thresholds = thresholds or {}
    check_rules(thresholds, alpha, min_effect_pct, confidence)
    base, head = list(base), list(head)
    renames = bundle_renames(base, head)
    base_by = {(r.phase, _base_key(r.phase, m, renames)): m for r in base for m in r.metrics}
    head_by = {(r.phase, m.key): m for r in head for m in r.metrics if not _listed_as_removed(r.phase, m)}
    # A base from an older version may lack the flag: either side saying so is enough.
    alone = {k for side in (base_by, head_by) for k, m in side.items() if not m.compared}
    broken = {r.phase for r in head if r.status == "error" and not r.metrics}
    # A check that could not run (security, deploy: "<check>.could_not_run") measured none of its figures.
    failed = {(r.phase, m.name.removesuffix("could_not_run")) for r in head for m in r.metrics
              if m.name.endswith(".could_not_run")}
    # ... and one that could not run in the base measured none of the base's: the head's are not new
    failed_base = {(r.phase, m.name.removesuffix("could_not_run")) for r in base for m in r.metrics
                   if m.name.endswith(".could_not_run")}
    alone |= {k for k, m in head_by.items() if k not in base_by and
              any(k[0] == ph and m.name.startswith(prefix) for ph, prefix in failed_base)}
    # the marker of a check that could not run is its error, not a figure that came or went
    alone |= {k for side in (base_by, head_by) for k, m in side.items() if m.name.endswith(".could_not_run")}
    alone |= {k for k, m in base_by.items() if k not in head_by and
              (k[0] in broken or any(k[0] == ph and m.name.startswith(prefix) for ph, prefix in failed))}
    # The counts over all checks (findings.low) lack what a check that could not run (on either side)
    # would have found: fewer findings there are no improvement, more are no regression.
    partial = {r.phase for side in (base, head) for r in side for m in r.metrics
               if m.name.endswith(".could_not_run")}
    alone |= {k for side in (base_by, head_by) for k, m in side.items()
              if k[0] in partial and m.name.startswith("findings.")}
    # A phase one side did not run at all (a base built but not served, a run of fewer phases than the
    # baseline's) has nothing to compare: its metrics are neither new nor removed.
    both = {r.phase for r in base if r.metrics} & {r.phase for r in head}
    alone |= {k for k in [*base_by, *head_by] if k[0] not in both}
    out = []
    samples: list[tuple[Sequence[float], Sequence[float]] | None] = []
    for key in [k for k in dict.fromkeys([*head_by, *base_by]) if k not in alone]:
        phase = key[0]
        b, h = base_by.get(key), head_by.get(key)
        mismatch = unlike(b, h).replace(" and ", " in the base, ") if b is not None and h is not None else ""
        if mismatch:
            from .errors import InputError

            from .results.merge import brief

            raise InputError(f"{phase}: {brief(key[1], 120)}: {mismatch} in the head: results of different "
                             f"versions or edited files cannot be compared; measure the base again")
        for side, m in (("base", b), ("head", h)):
            if m is not None and len(m.samples) > MAX_COMPARED_SAMPLES:
                from .errors import InputError

                raise InputError(f"{phase}: {key[1]}: {len(m.samples):,} samples in the {side}, where at "
                                 f"most {MAX_COMPARED_SAMPLES:,} a side are compared (one a page load or "
                                 f"load round; [gate] max_runs is at most 100)")
        name = h.name if h is not None else b.name if b is not None else ""
        out.append(
            compare_metric(phase, b, h, alpha=alpha, min_effect_pct=min_effect_pct,
                           threshold_pct=thresholds.get(name), confidence=confidence,
                           min_effect_ms=min_effect_ms, min_effect_cls=min_effect_cls,
                           min_effect_bytes=min_effect_bytes)
        )
        samples.append((b.samples, h.samples) if b is not None and h is not None else None)
    return correct_families(out, samples)


def same_runs(base: Iterable[PhaseResult], head: Iterable[PhaseResult]) -> list[str]:
    """The phases whose head result is the base's own run: the same start (``started_at``, to the
    second), duration and metrics, times among them. Two runs do not time anything alike to the last
    digit, so this is the mistake of handing one folder (or a copy of it) as both sides, say a workflow
    that downloads the head's artifact twice, where every verdict is "no significant change" and nothing
    was compared at all. Without times (a bundle's bytes) two runs of one build can agree in everything:
    no phase is named then."""
    own = {(r.phase, r.started_at, r.duration_s): r.metrics for r in base if r.metrics}
    return [r.phase for r in head
            if any(m.unit in ("ms", "s") and m.value for m in r.metrics)
            and own.get((r.phase, r.started_at, r.duration_s)) == r.metrics]


def _or_one(p: float | None) -> float:
    """A p-value, 1 when there is none (the test was not made)."""
    return 1.0 if p is None else p


def correct_families(comparisons: list[Comparison],
                     samples: Sequence[tuple[Sequence[float], Sequence[float]] | None]) -> list[Comparison]:
    """*comparisons* with the sampled ones of each phase decided as one family: a "regressed" verdict
    stands only when :func:`gatekept` rejects its test among the phase's regression tests at the
    phase's level (the smallest ``alpha`` its comparisons were tested at): the metrics named in
    ``[gate] regression`` (``Comparison.gated``) first, the others only once those all regressed. Likewise
    "improved" among the improvement tests; others become "no significant change". So the chance that a phase
    with no real change shows any "regressed" verdict stays at most its level, however many metrics it
    compares (a load test compares p50, p95, p99, max, throughput ... of the total and of each endpoint).
    Comparisons of identical sample lists count as one test. *samples* pairs with *comparisons* ((base
    samples, head samples), or None); every sampled comparison gets ``family_size`` and
    ``family_alpha``. Returns a new list; the correction can only turn verdicts into "no significant
    change", never the other way round (its thresholds are at most the level)."""
    out = list(comparisons)
    phases: dict[str, list[int]] = {}
    for i, c in enumerate(out):
        if c.p_worse is not None and c.p_better is not None and c.p_floor is not None and samples[i]:
            phases.setdefault(c.phase, []).append(i)
    for members in phases.values():
        level = min(out[i].alpha or 0.05 for i in members)
        tests: dict[tuple[Any, ...], int] = {}
        test_of = {}
        reps: list[int] = []  # the first comparison of each distinct test
        for i in members:
            b, h = samples[i] or ((), ())
            key = (tuple(b), tuple(h), out[i].better)
            if key not in tests:
                tests[key] = len(reps)
                reps.append(i)
            test_of[i] = tests[key]
        gated = {test_of[i] for i in members if out[i].gated}
        # "is None", not "or": a p-value of 0.0 (the normal approximation underflows for thousands of
        # values wholly apart) is the strongest evidence, not none.
        none, floor = (1.0, 1.0), [out[i].p_floor for i in reps]
        worse, worse_cut, size = gatekept([_or_one(out[i].p_worse) for i in reps],
                                          [(f if f is not None else none)[0] for f in floor], gated, level)
        better, better_cut, _ = gatekept([_or_one(out[i].p_better) for i in reps],
                                [(f if f is not None else none)[1] for f in floor], gated, level)
        for i in members:
            c, t = out[i], test_of[i]
            verdict = c.verdict
            if (verdict == "regressed" and t not in worse) or (verdict == "improved" and t not in better):
                verdict = "no significant change"
            p_value = c.p_value if verdict == c.verdict else min(c.p_worse or 1.0, c.p_better or 1.0)
            # a cut of 0: the gatekeeping never tested it (a gated metric did not go the same way)
            cut = worse_cut if c.verdict == "regressed" else better_cut
            held = c.verdict if verdict != c.verdict and cut[t] == 0 else ""
            out[i] = _family_interval(
                dataclasses.replace(c, verdict=verdict, p_value=p_value, family_size=size[t],
                                    family_alpha=worse_cut[t], held=held),
                samples[i], (better_cut if verdict == "improved" else worse_cut)[t])
    return out


def _family_interval(c: Comparison, samples: tuple[Sequence[float], Sequence[float]] | None,
                     cut: float) -> Comparison:
    """*c* with its interval widened as :meth:`Rule.at_level` widens a sequential look's: the two-sided error
    shrunk by ``cut / alpha``, *cut* being the level its family's correction tested it at. Without it a
    verdict and its interval disagreed: "no significant change (CI +2.9 % … +151 %)" was a 95 % interval
    wholly above 0 beside a test its family held to 0.0059. *c* as it is for a metric the correction did not
    test (a *cut* of 0), nor lower its level for."""
    if not samples or not cut > 0 or c.alpha is None or c.confidence is None or cut >= c.alpha:
        return c
    b = [float(v) for v in samples[0] if _finite(v)]
    h = [float(v) for v in samples[1] if _finite(v)]
    error = max((1.0 - c.confidence) * cut / c.alpha, SMALLEST_ERROR)
    shift = hodges_lehmann(b, h, 1.0 - error) if len(b) >= 2 and len(h) >= 2 else None
    if shift is None:
        return c
    centre = median(b)
    return dataclasses.replace(c, ci_low=shift.low, ci_high=shift.high, ci_method=shift.method,
                               ci_low_pct=_shift_pct(centre, shift.low),
                               ci_high_pct=_shift_pct(centre, shift.high), confidence=shift.confidence,
                               widened=True)


# -- bundle files: paired the way the bundle phase pairs them ----------------------------------------


def bundle_renames(base: Iterable[PhaseResult], head: Iterable[PhaseResult]) -> dict[str, dict[str, str]]:
    """Base file name -> the labels of the head file it pairs with, for the bundle files whose labels
    differ (a content hash changed the name; a route label only one side has), paired by the bundle
    phase's own :func:`~echotune_ci.phases.bundle.baseline.pair_files` (routes included)."""
    from .phases.bundle.baseline import file_routes, file_sizes, renamed_files

    base_files: dict[str, dict[str, float]] = {}
    head_files: dict[str, dict[str, float]] = {}
    base_routes: dict[str, str] = {}
    head_routes: dict[str, str] = {}
    for results, files, routes in ((base, base_files, base_routes), (head, head_files, head_routes)):
        for r in results:
            if r.phase == "bundle":
                files.update(file_sizes(r))
                routes.update(file_routes(r))
    if not base_files or not head_files:
        return {}
    renamed = renamed_files(head_files, base_files, head_routes, base_routes)
    out: dict[str, dict[str, str]] = {}
    for base_name in base_files:
        head_name = renamed.get(base_name, base_name)
        if head_name not in head_files:
            continue
        labels = _file_labels(head_name, head_routes)
        if labels != _file_labels(base_name, base_routes):
            out[base_name] = labels
    return out


def _file_labels(name: str, routes: Mapping[str, str]) -> dict[str, str]:
    """A bundle file metric's labels: the file, and the route whose module it is if any."""
    return {"file": name, **({"route": routes[name]} if name in routes else {})}


def _base_key(phase: str, metric: Metric, renames: Mapping[str, Mapping[str, str]]) -> str:
    """The key a base metric is compared under: a bundle file's metric under its head file's labels."""
    name = metric.labels.get("file") if phase == "bundle" else None
    if name is None or name not in renames:
        return metric.key
    labels = {k: v for k, v in metric.labels.items() if k not in ("file", "route")}
    return Metric(name=metric.name, value=None, labels={**labels, **renames[name]}).key


def _listed_as_removed(phase: str, metric: Metric) -> bool:
    """A head bundle result lists the files its own base had and it lacks as zero-sized metrics: they are
    not measurements of the head."""
    from .phases.bundle.baseline import REMOVED

    return phase == "bundle" and "file" in metric.labels and metric.description == REMOVED


def short_path(path: str, width: int) -> str:
    """*path* in at most *width* characters (at least 5), keeping what tells files apart: the file name
    whole and the first folder, then as many folders next to the file as fit, ``…`` for the rest; a file
    name that alone is too long keeps its start and its end."""
    width = max(width, 5)
    if len(path) <= width:
        return path
    parts = path.split("/")
    if len(parts) > 1:
        tail = [parts[-1]]
        for part in reversed(parts[1:-1]):
            if len("/".join([parts[0], "…", part, *tail])) > width:
                break
            tail.insert(0, part)
        for short in ("/".join([parts[0], "…", *tail]), "…/" + parts[-1]):
            if len(short) <= width:
                return short
    keep = width - 1
    return path[: keep // 2] + "…" + path[len(path) - (keep - keep // 2):]
