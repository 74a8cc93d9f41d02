"""Each operation of the contract test has an even share of the time left, so a slow operation early in the
document no longer takes the whole cap.

c4ffein/realworld-django-ninja under `run --base-ref` (a pull request that replaced django-taggit in
/api/articles and /api/tags): its sign-up, current-user and profile operations come first in the document and
took 300-900 ms a request (password hashing), so the 25 s cap ended the test after 6 of its 24 operations on
both sides ("the time cap (25s) stopped the contract test before ... GET /api/articles, ... GET /api/tags"):
"no new finding" said nothing of what the pull request changed.
"""

from __future__ import annotations

import dataclasses
import time

from support.api_fake import JsonApi, run_api

from echotune_ci.config import defaults
from echotune_ci.gate import cut_short, evaluate
from echotune_ci.results import Finding, Location, Metric, PhaseResult

_ANSWER = {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}
DOCUMENT = {
    "openapi": "3.0.3", "info": {"title": "slow first", "version": "1"},
    "paths": {
        # first in the document, as the sign-up was: 0.4 s a request, 20 requests would take 8 s
        "/api/slow": {"get": {"parameters": [{"name": "n", "in": "query", "schema": {"type": "integer"}}],
                              "responses": _ANSWER}},
        # after it, the operation with the fault
        "/api/broken": {"get": {"responses": _ANSWER}},
    },
}


class _SlowThenBroken(JsonApi):
    slow = 0

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path == "/openapi.json":
            return self._send(200, DOCUMENT)
        if path == "/api/slow":
            type(self).slow += 1
            time.sleep(0.4)
            return self._send(200, {})
        if path == "/api/broken":
            return self._send(500, {"detail": "boom"})
        return self._send(404, {"detail": "no such page"})


# 20 requests an operation, 4 s in all
CONFIG = '[api]\nopenapi = "/openapi.json"\nmax_examples = 20\nmax_time = "4s"\n'


def test_a_slow_first_operation_leaves_the_next_its_share(tmp_path, cli_env) -> None:
    _SlowThenBroken.slow = 0
    _code, result, output = run_api(tmp_path, cli_env, CONFIG, _SlowThenBroken)
    assert result is not None, output
    # the whole cap for the first operation sent GET /api/slow 10 requests (4 s / 0.4 s) and never reached
    # GET /api/broken; its share (half of 4 s) ends it after about 5, and the broken one is tested
    assert not [w for w in result["warnings"] if "stopped the contract test before" in w], result["warnings"]
    assert [f["location"]["path"] for f in result["findings"] if f["rule_id"] == "api/server-error"] == [
        "/api/broken"]
    (note,) = [n for n in result["notes"] if n.startswith("api: each operation had an even share")]
    assert note.startswith("api: each operation had an even share of the time cap (4s), which ended these "
                           "before 20 generated requests: GET /api/slow (")
    sent = cut_short([PhaseResult("api", notes=[note])])["GET /api/slow"]
    assert 2 <= sent <= 6 and _SlowThenBroken.slow <= 8, (sent, _SlowThenBroken.slow)


def _finding(operation: str) -> Finding:
    from echotune_ci.results.fingerprint import assign_fingerprints

    method, path = operation.split(" ", 1)
    (found,) = assign_fingerprints([Finding("api/server-error", "high", f"{operation} (answered 500)",
                                            "schemathesis", Location(path),
                                            context=f"{operation} not_a_server_error")])
    return found


def _share(sent: dict[str, int]) -> str:
    listed = ", ".join(f"{label} ({n})" for label, n in sent.items())
    return (f"api: each operation had an even share of the time cap (25s), which ended these before 20 "
            f"generated requests: {listed}; a larger [api] max_time tests them further")


def test_a_base_that_sent_fewer_requests_makes_the_heads_finding_neither_new_nor_known():
    # The requests are derandomised: the head's first 3 are the base's 3. A head that sent 12 may have found
    # its 500 in a request the base never sent; one that sent 3 or fewer sent only requests the base sent.
    timed = [Metric("p95_ms", 40.0, "ms", "lower", labels={"operation": "GET /api/articles"})]
    base = PhaseResult("api", metrics=timed,
                       notes=[_share({"GET /api/articles": 3})]).finalize(fail_on="high")
    head = PhaseResult("api", findings=[_finding("GET /api/articles")],
                       notes=[_share({"GET /api/articles": 12})]).finalize(fail_on="high")
    (check,) = [c for c in evaluate([head], defaults(), [base]).checks if c.rule == "findings"]
    assert (check.status, check.detail) == ("pass", (
        "no new finding, 1 in /api/articles, which the base's contract test did not reach, or sent fewer "
        "requests than the head's, before its time cap (not called new)"))
    for notes in ([_share({"GET /api/articles": 3})], [_share({"GET /api/articles": 2})]):
        fewer = dataclasses.replace(head, notes=notes)
        (check,) = [c for c in evaluate([fewer], defaults(), [base]).checks if c.rule == "findings"]
        assert (check.status, check.detail) == ("fail", "1 new finding(s) at or above 'high'")
    # the head not cut short sent all 20: more than the base's 3
    whole = dataclasses.replace(head, notes=[])
    (check,) = [c for c in evaluate([whole], defaults(), [base]).checks if c.rule == "findings"]
    assert check.status == "pass"


def test_a_head_that_sent_fewer_requests_names_no_finding_of_the_base_gone():
    base = PhaseResult("api", findings=[_finding("GET /api/articles")]).finalize(fail_on="high")
    head = PhaseResult("api", notes=[_share({"GET /api/articles": 4})]).finalize(fail_on="high")
    assert evaluate([head], defaults(), [base]).gone_findings == []
    tested = dataclasses.replace(head, notes=[])
    assert evaluate([tested], defaults(), [base]).gone_findings == ["api/server-error at /api/articles"]


LAST = {**DOCUMENT, "paths": {"/api/broken": DOCUMENT["paths"]["/api/broken"],
                              "/api/slow": DOCUMENT["paths"]["/api/slow"]}}


class _BrokenThenSlow(_SlowThenBroken):
    def do_GET(self) -> None:
        if self.path.split("?")[0] == "/openapi.json":
            return self._send(200, LAST)
        return super().do_GET()


def test_the_last_operation_cut_by_the_cap_is_cut_short_not_unreached(tmp_path, cli_env) -> None:
    """The last operation's share ends at the cap itself. A slow sign-up last in the document (1 s a request,
    max_time 6s) was timed over its requests ("p95_ms [POST /api/users] 1,005 ms") beside "the time cap (6s)
    stopped the contract test before POST /api/users", a warning the gate reads as "never tested"."""
    _BrokenThenSlow.slow = 0
    _code, result, output = run_api(tmp_path, cli_env, CONFIG, _BrokenThenSlow)
    assert result is not None, output
    assert not [w for w in result["warnings"] if "stopped the contract test before" in w], result["warnings"]
    (note,) = [n for n in result["notes"] if n.startswith("api: each operation had an even share")]
    sent = cut_short([PhaseResult("api", notes=[note])])["GET /api/slow"]
    # GET /api/broken took a moment of its share; the rest of 4 s at 0.4 s a request is 9 or 10
    assert 5 <= sent <= 11 and sent <= _BrokenThenSlow.slow, (sent, _BrokenThenSlow.slow)
    timed = [m for m in result["metrics"]
             if m["name"] == "p95_ms" and m["labels"]["operation"] == "GET /api/slow"]
    assert timed and timed[0]["value"] >= 400, timed
