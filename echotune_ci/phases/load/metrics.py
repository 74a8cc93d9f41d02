"""Locust statistics (one or more rounds) to metrics and findings.

Metric names are the same per endpoint (labels {"endpoint": "GET /x"}) and
for the total (no label). With several rounds ``samples`` keeps each round's
value, so ``compare`` can test them; the value is the median of the rounds
(percentiles, throughput) or taken over all of them (max, error rate,
requests). Times are milliseconds, throughput requests per second, error
rates percent.

A round's p50/p95/p99 are exact (:func:`percentile` of every response time,
as k6 computes them) when one local locust process measured it; rounds of
distributed (master/worker) tests, and local rounds past the worker's cap
on kept response times, carry locust's rounded histogram figures instead
(``"percentiles": "histogram"`` in the round, and a note, :func:`percentile_notes`).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Collection, Mapping, Sequence
from fractions import Fraction
from statistics import median
from typing import TYPE_CHECKING, Any, Literal

from ...results import Finding, Metric, assign_fingerprints

if TYPE_CHECKING:  # pragma: no cover
    from ...config.sections import Budgets
    from .settings import EndpointBudgets

MAX_FAILURE_FINDINGS = 20
# Every metric of interleaved rounds keeps its per-round values, so a side-by-side comparison tests each
# one (a single max or p99 against another is noise at any threshold).
SAMPLED = ("p50_ms", "p95_ms", "p99_ms", "max_ms", "rps", "error_rate_pct", "requests")
# Longest error text quoted in a finding; Jinja's truncate(300, True) with its default leeway of 5.
_ERROR_CHARS, _ERROR_LEEWAY = 300, 5


HISTOGRAM_NOTE = ("p50/p95/p99 are locust's histogram figures for the {what} (response times rounded to "
                  "whole ms below 100 ms, 10 ms steps below 1 s and 100 ms steps above), not exact")


def percentile(ordered: Sequence[float], q: float) -> float:
    """The *q*-th percentile (0 <= q <= 1) of *ordered* (ascending, at least one value), in its unit.

    k6's Trend method (grafana/k6 v2.2.0, ``metrics/sink.go``, ``TrendSink.P``): the rank
    ``i = q * (n - 1)`` of the sorted values, linearly interpolated between the values at
    ``floor(i)`` and ``ceil(i)``; one value is its own percentile. E.g. p95 of 1..100 is 95.05.
    Raises ValueError for an empty sequence or q outside [0, 1].
    """
    if not ordered:
        raise ValueError("percentile of no values")
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"percentile rank {q} is outside [0, 1]")
    rank = q * (len(ordered) - 1)
    low = math.floor(rank)
    below, above = ordered[low], ordered[math.ceil(rank)]
    return below + (above - below) * (rank - low)


def percentile_notes(rounds: list[dict[str, Any]]) -> list[str]:
    """Notes for the rounds whose p50/p95/p99 are not exact: each round's own note (a local round past
    the cap on kept response times) and one for distributed rounds; [] when every round is exact.

    Rounds without a ``"percentiles"`` field (output of an older worker) count as histogram rounds.
    """
    notes = [r["percentiles_note"] for r in rounds if r.get("percentiles_note")]
    plain = [r for r in rounds if r.get("percentiles") != "exact" and not r.get("percentiles_note")]
    if plain:
        distributed = all(r.get("workers") for r in plain)
        notes.append(HISTOGRAM_NOTE.format(what="master/worker rounds" if distributed else "rounds"))
    return list(dict.fromkeys(notes))


# Gated tail figures and the count each one is taken from: (quantile, count metric, what is counted).
_TAILS = {"p95_ms": (Fraction(95, 100), "requests", "requests"),
          "p99_ms": (Fraction(99, 100), "requests", "requests"),
          "realtime_rtt_p95_ms": (Fraction(95, 100), "realtime_messages", "round trips")}
# A gated percentile that as few as this many slow values can move is noted: one stall of the app or
# the runner slows the answers in flight together, so more than one slow value is the usual fault.
THIN_TAIL = 2
THIN_NOTE = re.compile(r"(?P<where>.+?) rests on (?P<n>\d+) (?:requests|round trips)(?: per round)?: .*")


def deciding_values(n: int, q: Fraction) -> int:
    """How many of the slowest of *n* values (n >= 1) can move their *q*-th :func:`percentile` on their
    own: ``n − ceil(q × (n − 1))``. E.g. 1 for a p95 of 20 values (rank 18.05: the slowest has a weight of
    0.05), 2 for 21 (rank 19, the second slowest itself) up to 40, 3 from 41."""
    return n - math.ceil(q * (n - 1))


def most_thin_values(q: Fraction) -> int:
    """The largest count of values whose :data:`THIN_TAIL` slowest or fewer decide their *q*-th percentile
    (:func:`deciding_values`): n − ceil(q(n − 1)) <= T holds while n < (T + 1 − q) / (1 − q). 40 for a p95,
    200 for a p99."""
    return math.ceil((THIN_TAIL + 1 - q) / (1 - q)) - 1


def thin_tail_notes(metrics: Sequence[Metric], rounds: int = 1, per_user: Collection[str] = ()) -> list[str]:
    """A note for each gated percentile (p95_ms, p99_ms, realtime_rtt_p95_ms with a budget) taken from
    so few values per round that its :data:`THIN_TAIL` slowest or fewer decide it
    (:func:`deciding_values`): a p95 of 40 values or fewer, a p99 of 200 or fewer (:func:`most_thin_values`).

    The count per round is the smallest of the count metric's per-round ``samples`` (its sibling with
    the same labels: ``requests``, ``realtime_messages``) among the rounds that had any (a round without
    a request adds no figure to the percentile), else its value shared over *rounds*. *per_user* names
    the endpoints ("METHOD path") each user sends once (the [load.login]), which only more users make
    more of. Each note starts "<metric> [<labels>] rests on <n> requests" (:data:`THIN_NOTE`).
    """
    counts = {(m.name, _scope(m)): m for m in metrics}
    notes = []
    for m in metrics:
        if m.name not in _TAILS or m.budget is None or m.value is None:
            continue
        q, count_name, counted = _TAILS[m.name]
        count = counts.get((count_name, _scope(m)))
        if count is None or count.value is None:
            continue
        had = [v for v in count.samples if v > 0]
        n = int(min(had)) if had else int(count.value) // max(rounds, 1)
        slowest = deciding_values(n, q) if n >= 1 else THIN_TAIL + 1
        if slowest > THIN_TAIL:
            continue
        longer = "longer [load.compare] rounds" if rounds > 1 else "a longer duration"
        if counted == "round trips":
            more = f"a shorter [load.realtime] interval or {longer}"
        elif m.labels.get("endpoint") in per_user:
            more = "more users (each sends it once)"
        else:
            more = f"{longer} or more users"
        where = f"{m.name} [{m.scope}]" if m.labels else m.name
        decide = "its slowest decides it" if slowest == 1 else f"its {slowest} slowest decide it"
        notes.append(f"{where} rests on {n} {counted}{' per round' if rounds > 1 else ''}: {decide} (a "
                     f"p{round(q * 100)} of {most_thin_values(q)} values or fewer rests on its {THIN_TAIL} "
                     f"slowest), so one stall of the app or the runner can fail the gate; more come from "
                     f"{more}")
    return notes


def merge_thin_tail_notes(into: Sequence[str], extra: Sequence[str]) -> list[str]:
    """*into*'s notes with the :func:`thin_tail_notes` of a later pass (*extra*) merged in: for each metric
    the note with the fewest values per round; a metric only *extra* notes is added after *into*'s last
    thin-tail note (or at the start). Other notes of *extra* are not added."""
    later = {m["where"]: (int(m["n"]), note) for note in extra if (m := THIN_NOTE.fullmatch(note))}
    out: list[str] = []
    seen: set[str] = set()
    for note in into:
        mine = THIN_NOTE.fullmatch(note)
        if mine is None:
            out.append(note)
            continue
        seen.add(mine["where"])
        theirs = later.get(mine["where"])
        out.append(theirs[1] if theirs and theirs[0] < int(mine["n"]) else note)
    last = max((i for i, note in enumerate(out) if THIN_NOTE.fullmatch(note)), default=-1)
    added = [note for where, (_, note) in later.items() if where not in seen]
    return out[:last + 1] + added + out[last + 1:]


# The end of the name of the page a session login redirects to, which each user GETs once for its new CSRF
# token (worker.token_after_login): "GET /dashboard (after login)". Reported, but no budget judges it.
AFTER_LOGIN = " (after login)"


def endpoint_key(entry: dict[str, Any]) -> str:
    """``"METHOD name"`` of a statistics entry or error (the endpoint label of its metrics)."""
    return f"{entry['method']} {entry['name']}".strip()


def _combine(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """One entry from the same endpoint's entries in several rounds."""
    requests = sum(e["requests"] for e in entries)
    failures = sum(e["failures"] for e in entries)
    measured = [e for e in entries if e["requests"]]
    out: dict[str, Any] = {
        "requests": requests,
        "failures": failures,
        "error_rate": failures / requests * 100.0 if requests else None,
        "max": max((e["max"] for e in measured), default=None),
        "rounds": {k: [float(e[k]) for e in measured] for k in ("p50", "p95", "p99")},
    }
    out["rounds"]["rps"] = [float(e["rps"]) for e in entries]
    for k, values in out["rounds"].items():
        out[k] = median(values) if values else None
    # Per-round values of the metrics whose value is not a median of rounds (added after the medians).
    out["rounds"]["max"] = [float(e["max"]) for e in measured if e["max"] is not None]
    out["rounds"]["error_rate"] = [e["failures"] / e["requests"] * 100.0 for e in measured]
    out["rounds"]["requests"] = [float(e["requests"]) for e in entries]
    return out


def _metrics_for(stats: dict[str, Any], labels: dict[str, str], budgets: Mapping[str, float | None],
                 sampled: bool) -> list[Metric]:
    def m(name: str, value: float | None, unit: str, better: Literal["lower", "higher"] = "lower",
          budget: float | None = None, rounds_key: str | None = None) -> Metric:
        samples = stats["rounds"][rounds_key] if (sampled and rounds_key and name in SAMPLED) else []
        metric = Metric(name, value, unit, better, budget=budget, samples=list(samples), labels=dict(labels))
        return metric.evaluate()

    return [
        m("p50_ms", stats["p50"], "ms", rounds_key="p50"),
        m("p95_ms", stats["p95"], "ms", budget=budgets.get("p95_ms"), rounds_key="p95"),
        m("p99_ms", stats["p99"], "ms", budget=budgets.get("p99_ms"), rounds_key="p99"),
        m("max_ms", stats["max"], "ms", rounds_key="max"),
        m("rps", stats["rps"], "req/s", "higher", rounds_key="rps"),
        m("error_rate_pct", stats["error_rate"], "%", budget=budgets.get("error_rate_pct"),
          rounds_key="error_rate"),
        m("requests", float(stats["requests"]), "", "higher", rounds_key="requests"),
    ]


# Counts of what the load model sent: its real-time clients' connects and messages (as many as the
# clients and their send interval make), and every requests count.
MIX_COUNTS = frozenset({"requests", "realtime_connects", "realtime_messages"})


def mix_count(metric: Metric) -> bool:
    """Whether *metric* counts what the load model sent rather than how the app answered:
    :data:`MIX_COUNTS` (the total's ``requests`` is its throughput times the round's length) and an
    endpoint's ``rps`` (its share of the throughput is the users' random choice of tasks by weight: about
    ±7 % from round to round for a task of weight 4 in 11 at 350 requests, binomial). Against a base they
    get no verdict (:func:`echotune_ci.compare.compare_metric`), whatever ``[gate] regression`` says;
    the total ``rps`` and every latency and error rate keep theirs."""
    return metric.name in MIX_COUNTS or (metric.name == "rps" and "endpoint" in metric.labels)


# The metrics whose value is the median of their rounds (the others are taken over all rounds); the
# [load.realtime] percentiles too (realtime._combine takes the rounds' median)
ROUND_MEDIANS = ("p50_ms", "p95_ms", "p99_ms", "rps", "realtime_connect_p50_ms", "realtime_connect_p95_ms",
                 "realtime_rtt_p50_ms", "realtime_rtt_p95_ms")
# The largest of the rounds'
ROUND_MAXIMA = ("max_ms", "app_rss_mb", "realtime_rtt_max_ms")
# Counts, which add up over passes; the real-time ones keep no samples per round
SUMMED = ("requests", "realtime_connects", "realtime_messages")
# An error rate's denominator: what it was failures of
_RATE_OF = {"error_rate_pct": ("requests",),
            "realtime_error_rate_pct": ("realtime_connects", "realtime_messages")}


def merged_value(metric: Metric, extra: Metric, weights: tuple[float | None, float | None]) -> float | None:
    """The value of *metric* once the rounds of *extra* (a later pass of the same test, same key) join
    its own, as one test of all the rounds would give it: the median of every round for
    :data:`ROUND_MEDIANS`, the larger max (and peak memory), the mean of the rounds' CPU, the sum of
    :data:`SUMMED` counts, and an error rate weighted by what each pass's failures were failures of
    (*weights*: the two passes' requests, or connects and messages for the real-time rate, of the same
    labels; None when missing: the value then stays *metric*'s). Values are None when a side has none."""
    if metric.name in ROUND_MEDIANS:
        rounds = [*metric.samples, *extra.samples]
        return float(median(rounds)) if rounds else metric.value
    if metric.value is None or extra.value is None:
        return metric.value
    if metric.name in ROUND_MAXIMA:
        return max(metric.value, extra.value)
    if metric.name in ("app_cpu_pct", "redis_hit_ratio_pct"):  # the mean over the rounds, which last alike
        rounds = [*metric.samples, *extra.samples]
        return sum(rounds) / len(rounds)
    if metric.name in SUMMED:
        return metric.value + extra.value
    mine, theirs = weights
    if metric.name in _RATE_OF and mine and theirs:
        return (metric.value * mine + extra.value * theirs) / (mine + theirs)
    return metric.value


def merge_passes(into: list[Metric], extra: list[Metric]) -> list[Metric]:
    """*into* with the rounds of *extra* (a later pass of the same side-by-side test: more rounds) joined
    to its metrics of the same key, each value what one test of all the rounds would report
    (:func:`merged_value`). Metrics with fewer than 2 samples on either side are left as they are, but for
    the counts (:data:`SUMMED`): run --base-ref's 4 added rounds of 9 left [load.realtime]'s connects
    and messages (which keep no samples) at the first 5 rounds' 25 and 125, and its error rate at theirs."""
    more = {m.key: m for m in extra if len(m.samples) >= 2 or m.name in SUMMED}
    weights_in, weights_extra = _rate_weights(into), _rate_weights(extra)
    merged: list[Metric] = []
    for m in into:
        other = more.get(m.key)
        if other is None or (len(m.samples) < 2 and m.name not in SUMMED):
            merged.append(m)
            continue
        scope = (m.name, _scope(m))
        value = merged_value(m, other, (weights_in.get(scope), weights_extra.get(scope)))
        merged.append(dataclasses.replace(m, samples=[*m.samples, *other.samples], value=value))
    return merged


def _rate_weights(metrics: list[Metric]) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """(error rate's name, labels) -> what its failures were failures of, in one pass's *metrics*
    (:data:`_RATE_OF`)."""
    counts = {(m.name, _scope(m)): m.value for m in metrics if m.value is not None}
    out: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for m in metrics:
        of = [counts.get((name, _scope(m))) for name in _RATE_OF.get(m.name, ())]
        if of and all(c is not None for c in of):
            out[(m.name, _scope(m))] = float(sum(c for c in of if c is not None))
    return out


def _scope(m: Metric) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(m.labels.items()))


def rounds_metrics(rounds: list[dict[str, Any]], thresholds: Mapping[str, EndpointBudgets],
                   budgets: Budgets, labels: dict[str, str] | None = None,
                   own_only: Collection[str] = ()) -> list[Metric]:
    """Metrics of the rounds (the worker's ``rounds`` output): the total first, then each endpoint.

    The total comes first so that ``result.metric("p95_ms")`` finds it. The
    total's budgets are ``budgets.api_p95_ms`` and ``budgets.error_rate_pct``;
    an endpoint's own (*thresholds*, keyed "METHOD name") replace them. The page a login lands on
    (its name ends in :data:`AFTER_LOGIN`) has none, and the endpoints in *own_only* (what each user
    sends once as it starts: the [load.login]) no default p95 budget: only the error rate's and their
    own *thresholds*.
    Returns [] when no request completed.
    """
    defaults: dict[str, float | None] = {"p95_ms": budgets.api_p95_ms,
                                         "error_rate_pct": budgets.error_rate_pct}
    sampled = len(rounds) > 1
    total = _combine([r["total"] for r in rounds])
    if not total["requests"]:
        return []
    out = _metrics_for(total, dict(labels or {}), defaults, sampled)
    by_endpoint: dict[str, list[dict[str, Any]]] = {}
    for r in rounds:
        for e in r["entries"]:
            by_endpoint.setdefault(endpoint_key(e), []).append(e)
    for key, entries in by_endpoint.items():
        if key in ramp_only(rounds):
            continue
        own = thresholds[key].given() if key in thresholds else {}
        scope = {**(labels or {}), "endpoint": key}
        if key.endswith(AFTER_LOGIN):
            given: dict[str, float | None] = {}
        elif key in own_only:  # its failures still count: every later request of its user fails too
            given = {"error_rate_pct": defaults["error_rate_pct"], **own}
        else:
            given = {**defaults, **own}
        out.extend(_metrics_for(_combine(entries), scope, given, sampled))
    return out


def ramp_only(rounds: list[dict[str, Any]]) -> list[str]:
    """Endpoints ("METHOD name") with statistics entries but no request in any of *rounds*: in comparison
    rounds, which measure once every user is past its ``on_start``, the requests users send only as they
    start (a login). They have no figures to report."""
    seen: dict[str, int] = {}
    for r in rounds:
        for e in r["entries"]:
            seen[endpoint_key(e)] = seen.get(endpoint_key(e), 0) + e["requests"]
    return [key for key, requests in seen.items() if not requests]


def failure_note(endpoint: str, error: str, count: int) -> str:
    """"GET /x: 3 requests failed with HTTP 404 (expected 200)"; errors over 305 characters are cut to 300."""
    if len(error) > _ERROR_CHARS + _ERROR_LEEWAY:
        error = error[:_ERROR_CHARS - 3] + "..."
    return f"{endpoint}: {count} {'request' if count == 1 else 'requests'} failed with {error}".strip()


# A refusal by a rate limiter: the worker's "HTTP 429 (expected 200)", requests' "429 Client Error: Too Many
# Requests for url: ..." (a locustfile's raise_for_status())
_THROTTLED = re.compile(r"\bHTTP 429\b|\b429 Client Error\b|\bToo Many Requests\b")
# The share of a side's requests refused with 429 from which its figures are the limiter's, not the app's
THROTTLED_ERROR_PCT = 50.0


def throttled(rounds: list[dict[str, Any]]) -> tuple[int, int]:
    """(requests the app refused with 429 Too Many Requests, requests in all) over *rounds*."""
    refused = sum(err["occurrences"] for r in rounds for err in r["errors"]
                  if _THROTTLED.search(err["error"]))
    return refused, sum(r["total"]["requests"] for r in rounds)


def throttled_message(rounds: list[dict[str, Any]], min_pct: float = 1.0,
                      addresses: int = 0) -> tuple[str, bool]:
    """What to say when the app's rate limiter refused the load test's requests (429 Too Many Requests):
    every locust user comes from 127.0.0.1, one client to a limiter, whose refusals take a millisecond
    before any handler runs, so the timings are the limiter's and a slower handler never shows
    (fastify/demo's 100 a minute per address). ("", False) when under *min_pct* % of each side's requests
    were refused; the flag says that most of them were (at least :data:`THROTTLED_ERROR_PCT` %): the
    test then measured no work of the app's.

    *addresses*: how many loopback addresses ``[load] local_ips`` gave the users. With more than one the
    limiter did not count them apart, and advising local_ips again sent the user in a circle:
    express-rate-limit 8 keys an IPv4 client of a server that listens on ``::`` by the /56 of its mapped
    address (``::ffff:127.0.1.5`` is ``::/56``, as is every other), and a store such as Redis keeps what
    earlier runs sent for the limiter's whole window."""
    said, most = [], False
    both = any(r["label"] == "base" for r in rounds)
    for label in ("head", "base"):
        refused, requests = throttled([r for r in rounds if r["label"] == label])
        if not requests or 100.0 * refused / requests < min_pct:
            continue
        most = most or 100.0 * refused / requests >= THROTTLED_ERROR_PCT
        said.append(f"{refused:,} of {requests:,} requests ({100.0 * refused / requests:.1f} %)"
                    + (f" on the {label}" if both else ""))
    if not said:
        return "", False
    if addresses > 1:
        return (f"the app's rate limiter refused {' and '.join(said)} with HTTP 429 Too Many Requests, "
                f"though the users came from {addresses} loopback addresses ([load] local_ips): it did not "
                "count them apart (express-rate-limit 8 counts every IPv4 client of a server listening on "
                "`::` as one, `::ffff:127.0.1.5` and the others all in the IPv6 subnet `::/56`) or it kept "
                "the counts of earlier runs (a store such as Redis, for the limiter's whole window); a "
                "refusal is answered before any handler runs, so the timings are the limiter's, not the "
                "app's work: raise the limit for the run in [serve] env (the app's own setting, such as a "
                "RATE_LIMIT_MAX variable), give the run an empty store, or exempt 127.0.0.1 from it", most)
    return (f"the app's rate limiter refused {' and '.join(said)} with HTTP 429 Too Many Requests: every "
            "user of the load test comes from 127.0.0.1, one client to a limiter, and a refusal is answered "
            "before any handler runs, so the timings are the limiter's, not the app's work (a slower route "
            "would not show); spread the users over loopback addresses ([load] local_ips = "
            "\"127.0.1.1-127.0.1.254\": one client each, as real visitors are), raise the limit for the run "
            "in [serve] env (the app's own setting, such as a RATE_LIMIT_MAX variable) or exempt 127.0.0.1 "
            "from it", most)


def failure_findings(rounds: list[dict[str, Any]]) -> tuple[list[Finding], int]:
    """One medium finding per endpoint and kind of failure, most frequent first (at most
    :data:`MAX_FAILURE_FINDINGS`); and how many kinds were left out."""
    kinds: dict[tuple[str, str], int] = {}
    answers: dict[tuple[str, str], str] = {}
    for r in rounds:
        for err in r["errors"]:
            key = (endpoint_key(err), err["error"])
            kinds[key] = kinds.get(key, 0) + err["occurrences"]
            answers[key] = answers.get(key) or err.get("answer", "")
        for exc in r["exceptions"]:
            key = ("(user code)", exc["msg"])
            kinds[key] = kinds.get(key, 0) + exc["count"]
    ordered = sorted(kinds.items(), key=lambda kv: -kv[1])
    findings = [
        Finding(
            rule_id="load.user-exception" if endpoint == "(user code)" else "load.request-failed",
            severity="medium",
            message=failure_note(endpoint, error, count) + _answered(answers.get((endpoint, error), "")),
            source_tool="locust",
            # the answer stays out of the context (and so of the fingerprint): it is one sample of many
            context=f"{endpoint} {error}",
            properties={"endpoint": endpoint, "error": error, "occurrences": count,
                        **({"answer": answers[endpoint, error]} if answers.get((endpoint, error)) else {})},
        )
        for (endpoint, error), count in ordered[:MAX_FAILURE_FINDINGS]
    ]
    return assign_fingerprints(findings), max(0, len(ordered) - MAX_FAILURE_FINDINGS)


def _answered(answer: str) -> str:
    """"; the first answered: ..." after a failure's note, "" without an answer."""
    return f"; the first answered: {answer}" if answer else ""


def base_failure_findings(rounds: list[dict[str, Any]]) -> list[Finding]:
    """The failure findings of the base's rounds among *rounds* (:func:`failure_findings`), each with the
    property ``build = "base"``: carried in a side-by-side result until `run --base-ref` splits it, so
    that the head's failure the base has too is known to the gate, not new. Fingerprints as the head's."""
    findings, _ = failure_findings([r for r in rounds if r["label"] == "base"])
    for finding in findings:
        finding.properties = {**finding.properties, "build": "base"}
    return findings


def unmatched_thresholds(metrics: list[Metric], thresholds: Mapping[str, EndpointBudgets]) -> list[Metric]:
    """A failed metric per budget of each threshold that matched no measured endpoint (value None).

    For a locustfile, whose request names are known only once it ran: a threshold keyed
    ``"GET /catalogue"`` when the file names its requests ``GET /catalog`` would otherwise never be
    checked. Each metric's description says so and names the closest measured endpoint.
    """
    from .settings import closest_endpoint

    measured = [m.labels["endpoint"] for m in metrics if "endpoint" in m.labels]
    units = {"p95_ms": "ms", "p99_ms": "ms", "error_rate_pct": "%"}
    out = []
    for key, budgets in thresholds.items():
        if key in measured:
            continue
        why = (f"[load.thresholds] \"{key}\" matched no endpoint the locustfile requested, so its budgets "
               f"were not checked{closest_endpoint(key, measured)}")
        out += [Metric(name=name, value=None, unit=units[name], budget=budget, labels={"endpoint": key},
                       status="fail", description=why) for name, budget in budgets.given().items()]
    return out
