"""OSV SEMVER ranges evaluated with SemVer 2.0 precedence, checked against node-semver on real records."""

from __future__ import annotations

import json
import random
import shutil

import pytest
from conftest import NPM_DB

from echotune_ci.phases.security import semver_ranges as sr
from echotune_ci.phases.security.osv import affected_entries


def affected(*ranges: list[dict[str, str]], versions: tuple[str, ...] = ()) -> dict:
    return {"package": {"ecosystem": "npm", "name": "x"}, "versions": list(versions),
            "ranges": [{"type": "SEMVER", "events": events} for events in ranges]}


def test_introduced_fixed_and_zero():
    a = affected([{"introduced": "0"}, {"fixed": "1.2.3"}])
    assert sr.affects(a, "0.0.0-0") and sr.affects(a, "1.2.3-rc.1") and sr.affects(a, "1.2.2")
    assert not sr.affects(a, "1.2.3") and not sr.affects(a, "1.2.3+build.7") and not sr.affects(a, "2.0.0")


def test_last_affected_is_inclusive_and_prereleases_follow_precedence():
    a = affected([{"introduced": "2.0.1-0"}, {"last_affected": "2.4.0"}])  # ">2.0.0 <=2.4.0", npm audit style
    assert not sr.affects(a, "2.0.0") and sr.affects(a, "2.0.1-alpha") and sr.affects(a, "2.4.0")
    assert not sr.affects(a, "2.4.1-0") and not sr.affects(a, "2.4.1")
    assert sr.affects(a, "2.4.0-beta.2")  # 2.0.1-0 < 2.4.0-beta.2 < 2.4.0 in SemVer 2.0 order


def test_several_ranges_and_intervals_in_one_range():
    a = affected([{"introduced": "1.0.0"}, {"fixed": "1.2.0"}, {"introduced": "2.0.0"}, {"fixed": "2.1.0"}],
                 [{"introduced": "3.0.0"}, {"last_affected": "3.0.0"}])
    hits = [v for v in ("0.9.0", "1.0.0", "1.1.9", "1.2.0", "1.9.9", "2.0.5", "2.1.0", "3.0.0", "3.0.1")
            if sr.affects(a, v)]
    assert hits == ["1.0.0", "1.1.9", "2.0.5", "3.0.0"]


def test_events_are_sorted_stably_and_unparseable_ones_ignored():
    # written out of order; at 1.0.0 "introduced" stays before "last_affected" (an exact version)
    a = affected([{"last_affected": "1.0.0"}, {"introduced": "1.0.0"}, {"fixed": "not-a-version"}])
    a["ranges"][0]["events"] = [{"introduced": "1.0.0"}, {"last_affected": "1.0.0"}]
    assert sr.affects(a, "1.0.0") and not sr.affects(a, "1.0.1") and not sr.affects(a, "0.9.9")
    out_of_order = affected([{"fixed": "2.0.0"}, {"introduced": "1.5.0"}])
    assert sr.affects(out_of_order, "1.7.0") and not sr.affects(out_of_order, "2.0.0")
    assert not sr.affects(affected([{"introduced": "1.0.0"}, {"fixed": "1.x"}]), "0.1.0")


def test_versions_lists_count_and_non_semver_versions_only_match_literally():
    a = affected([{"introduced": "5.0.0"}], versions=("1.0.0", "1.0.1-beta"))
    assert sr.affects(a, "1.0.0") and sr.affects(a, "1.0.1-beta") and sr.affects(a, "5.1.0")
    assert not sr.affects(a, "1.0.2") and not sr.affects(a, "latest")


def test_first_fixed_is_the_lowest_unaffected_fix_above_the_version():
    a = affected([{"introduced": "0"}, {"fixed": "1.2.0"}, {"introduced": "2.0.0"}, {"fixed": "2.3.1"}])
    assert sr.first_fixed([a], "1.0.0") == "1.2.0"
    assert sr.first_fixed([a], "2.1.0") == "2.3.1"
    assert sr.fixed_versions([a]) == ["1.2.0", "2.3.1"]
    # node-semver's "<= 1.0" became "fixed 1.1.0-0": the fix people install is 1.1.0
    assert sr.first_fixed([affected([{"introduced": "0"}, {"fixed": "1.1.0-0"}])], "1.0.0") == "1.1.0"
    assert sr.first_fixed([affected([{"introduced": "0"}, {"last_affected": "0.7.0"}])], "0.7.0") is None


def test_plain_comparator_ranges_of_npm_reports():
    assert sr.satisfies_comparators("4.17.15", "<4.17.21") is True
    assert sr.satisfies_comparators("1.0.1", ">=2.0.0 <2.3.1 || <=1.0.0") is False
    assert sr.satisfies_comparators("1.0.0", "^1.0.0") is None  # left to npm


@pytest.mark.skipif(shutil.which("node") is None or not NPM_DB.is_dir(),
                    reason="needs node and advisory-db-npm")
def test_every_npm_advisory_matches_exactly_what_npm_audit_matches():
    """The OSV evaluation against node-semver's satisfies(v, vulnerable_versions, {includePrerelease: true})
    on boundary, neighbouring, prerelease and random versions of all 467 records."""
    from support.node_semver import satisfies

    rnd = random.Random(12)
    cases = []
    for path in sorted((NPM_DB / "vulns").glob("*/*.json")):
        record = json.loads(path.read_text())
        entry = affected_entries(record, "npm", record["affected"][0]["package"]["name"])[0]
        vulnerable = entry["database_specific"]["vulnerable_versions"]
        bounds = {v for rng in entry["ranges"] for e in rng["events"] for v in e.values() if v != "0"}
        probes = set()
        for bound in bounds:
            v = sr.parse(bound)
            assert v is not None, (path, bound)
            probes |= {str(v), str(v.bump_patch()), str(v.finalize_version()), f"{v.finalize_version()}-0",
                       f"{v.finalize_version()}-alpha.1", str(v.bump_minor())}
            if v.patch:
                probes.add(f"{v.major}.{v.minor}.{v.patch - 1}")
        probes |= {f"{rnd.randint(0, 12)}.{rnd.randint(0, 20)}.{rnd.randint(0, 30)}" for _ in range(6)}
        cases += [(entry, v, vulnerable) for v in sorted(probes)]
    expected = satisfies([(v, rng) for _, v, rng in cases])
    wrong = [(e["package"]["name"], v, rng) for (e, v, rng), want in zip(cases, expected, strict=True)
             if sr.affects(e, v) != want]
    assert len(cases) > 5000 and wrong == []


def test_first_fixed_falls_back_to_npms_patched_versions():
    # advisory-db-npm closes "<=0.3.5" with last_affected: the release that fixes it is only in npm's
    # patched_versions (">=0.3.6"), which npm audit offers as the fix; ">0.7.0" names no release.
    marked = {"package": {"ecosystem": "npm", "name": "marked"},
              "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"last_affected": "0.3.5"}]}],
              "database_specific": {"vulnerable_versions": "<=0.3.5", "patched_versions": ">=0.3.6"}}
    ms = {"package": {"ecosystem": "npm", "name": "ms"},
          "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"last_affected": "0.7.0"}]}],
          "database_specific": {"vulnerable_versions": "<=0.7.0", "patched_versions": ">0.7.0"}}
    assert sr.first_fixed([marked], "0.3.5") is None and sr.first_patched([marked], "0.3.5") == "0.3.6"
    assert sr.first_patched([ms], "0.6.2") is None
    both = dict(marked, database_specific={"patched_versions": ">=2.0.0 <3.0.0 || >= 1.4.2 || ^0.2.9"})
    assert sr.first_patched([both], "0.3.5") == "1.4.2"  # ^0.2.9 is below, and 0.2.9 is affected anyway
    assert sr.first_patched([both], "not-semver") is None
