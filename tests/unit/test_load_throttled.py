"""The load phase tells a rate limiter's 429s from the app's work: each side's share of refusals, named."""

from __future__ import annotations

from echotune_ci.phases.load.metrics import throttled, throttled_message


def _round(label: str, requests: int, errors: dict[str, int]) -> dict:
    return {"label": label, "total": {"requests": requests},
            "errors": [{"method": "GET", "name": "/", "error": e, "occurrences": n}
                       for e, n in errors.items()]}


REFUSED = "CatchResponseError('HTTP 429 (expected 200)')"
RAISED = "HTTPError('429 Client Error: Too Many Requests for url: /')"


def test_refusals_are_counted_from_the_worker_and_from_a_locustfile():
    rounds = [_round("head", 100, {REFUSED: 30, "CatchResponseError('HTTP 500 (expected 200)')": 5}),
              _round("head", 100, {RAISED: 10})]
    assert throttled(rounds) == (40, 200)


def test_most_requests_refused_is_flagged_and_each_side_is_named():
    rounds = [_round("base", 200, {REFUSED: 190}), _round("head", 200, {REFUSED: 20}),
              _round("warm-up", 50, {REFUSED: 50})]
    said, most = throttled_message(rounds)
    assert most
    assert "20 of 200 requests (10.0 %) on the head and 190 of 200 requests (95.0 %) on the base" in said
    assert "RATE_LIMIT_MAX" in said


def test_a_few_refusals_warn_and_none_or_other_errors_say_nothing():
    said, most = throttled_message([_round("head", 1000, {REFUSED: 20})])
    assert not most
    assert said.startswith("the app's rate limiter refused 20 of 1,000 requests (2.0 %) with HTTP 429")
    assert " on the head" not in said
    assert throttled_message([_round("head", 1000, {REFUSED: 5})]) == ("", False)
    assert throttled_message([_round("head", 10, {"CatchResponseError('HTTP 503 (expected 200)')": 10})]) == (
        "", False)
    assert throttled_message([]) == ("", False)


def test_refusals_despite_local_ips_do_not_advise_local_ips_again():
    # starter-express-prisma-jwt (express-rate-limit 8.2.1, 9,000 requests per client in 15 minutes) with
    # local_ips over 20 addresses: 1,343 of 1,707 head requests refused on the third run in a window, and
    # Redis held one key, rate-limit:global::/56, for all 20 (ipKeyGenerator('::ffff:127.0.1.5') is '::/56')
    said, most = throttled_message([_round("head", 1707, {REFUSED: 1343})], addresses=20)
    assert most
    assert said.startswith("the app's rate limiter refused 1,343 of 1,707 requests (78.7 %) with HTTP 429 "
                           "Too Many Requests, though the users came from 20 loopback addresses ([load] "
                           "local_ips)")
    assert "local_ips = " not in said and "`::/56`" in said and "RATE_LIMIT_MAX" in said
    # one address is no spreading: the advice stays
    assert "local_ips = " in throttled_message([_round("head", 1707, {REFUSED: 1343})], addresses=1)[0]
