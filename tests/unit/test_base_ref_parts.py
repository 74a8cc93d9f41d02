"""The pure parts of `run --base-ref`: ABBA order, splitting a paired load result, adding samples,
which configuration measures the base, reusing the head's environment, refs that name nothing."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import signal
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from echotune_ci.baseref import checkout
from echotune_ci.baseref.checkout import dirty_paths, resolve_ref, worktree
from echotune_ci.baseref.configs import base_config
from echotune_ci.baseref.environment import reuse_environment, same_dependencies, setup_differences
from echotune_ci.baseref.measure import merge_samples, split_load
from echotune_ci.baseref.sidebyside import BaseOptions, _checked_source
from echotune_ci.config import load_config
from echotune_ci.config.sections import ServeSettings
from echotune_ci.errors import InputError
from echotune_ci.phases.frontend.paired import pair_order
from echotune_ci.results import Finding, Metric, PhaseResult
from support.base_ref_repo import hardlinked


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "app").mkdir(parents=True)
    (root / "app" / "requirements.txt").write_text("flask==3.0.0\n")
    (root / "app" / "echotune.toml").write_text('[serve]\nsetup = "pip install -r requirements.txt"\n'
                                                 'command = "serve {port}"\nready_url = "http://127.0.0.1:{port}/"\n')
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "one")
    return root


def test_pairs_alternate_which_build_goes_first():
    order = [side for i in range(4) for side in pair_order(i)]
    assert order == ["base", "head", "head", "base", "base", "head", "head", "base"]
    # An extra round continues the pattern where the first pass stopped.
    assert pair_order(3) == ("head", "base")


def test_the_head_of_a_paired_load_result_loses_the_status_its_regression_findings_gave() -> None:
    """The load phase's own verdict (a high "load.regression.*" finding) made the result "fail"; split_load
    drops that finding, since the gate decides regressions, and the status must go with it: the gate listed
    a bare "the phase reported fail" as what failed (a real app's +1300 % p95 behind a budget it met)."""
    from echotune_ci.gate import own_status_check

    regressed = Finding("load.regression.p95_ms", "high", "p95 regressed", "echotune-compare")
    metrics = [Metric("p95_ms", 160.0, "ms", budget=200.0, samples=[150.0, 170.0]),
               Metric("p95_ms", 12.0, "ms", samples=[11.0, 13.0], labels={"build": "base"})]
    head, _ = split_load(PhaseResult(phase="load", metrics=metrics, findings=[regressed]).finalize(
        fail_on="high"))
    assert head.status == "pass" and head.fail_on == "high"
    assert own_status_check(head) is None
    # A finding of its own (500s) still fails it.
    failing = Finding("load.http.500", "high", "500s", "locust")
    head, _ = split_load(PhaseResult(phase="load", metrics=metrics, findings=[regressed, failing]).finalize(
        fail_on="high"))
    assert head.status == "fail"


def _failing_round(label: str, errors: list[tuple[str, int]]) -> dict[str, Any]:
    """A load worker's round as far as failure findings read it: its failures per endpoint and error."""
    return {"label": label, "exceptions": [],
            "errors": [{"method": "GET", "name": "/api/cart", "error": error, "occurrences": n}
                       for error, n in errors]}


def test_a_failure_the_base_has_too_is_known_in_a_side_by_side_run_not_new():
    """fastify/demo: every round of both builds had the same refused requests, yet the comment called the
    head's "1 new finding(s)": only the head's rounds became findings, and the base's result had none."""
    from echotune_ci.config import defaults
    from echotune_ci.gate import evaluate
    from echotune_ci.phases.load.metrics import base_failure_findings, failure_findings

    rounds = [_failing_round("base", [("HTTP 500 (expected 200)", 3)]),
              _failing_round("head", [("HTTP 500 (expected 200)", 4), ("HTTP 404 (expected 200)", 2)]),
              _failing_round("head", [("HTTP 500 (expected 200)", 1)]), _failing_round("base", [])]
    head_findings, _ = failure_findings([r for r in rounds if r["label"] == "head"])
    metrics = [Metric("error_rate_pct", 2.0, "%", budget=5.0, samples=[2.0, 2.0]),
               Metric("error_rate_pct", 1.0, "%", samples=[1.0, 1.0], labels={"build": "base"})]
    paired = PhaseResult(phase="load", metrics=metrics,
                         findings=[*head_findings, *base_failure_findings(rounds)]).finalize(fail_on="high")
    head, base = split_load(paired)
    assert base is not None
    assert [(f.message, f.properties.get("build")) for f in base.findings] == [
        ("GET /api/cart: 3 requests failed with HTTP 500 (expected 200)", None)]
    assert [f.message for f in head.findings] == [
        "GET /api/cart: 5 requests failed with HTTP 500 (expected 200)",
        "GET /api/cart: 2 requests failed with HTTP 404 (expected 200)"]
    new = evaluate([head], defaults(), [base]).checks
    [findings] = [c for c in new if c.phase == "load" and "finding" in c.detail]
    assert "1 new finding(s)" in findings.detail and "1 known" in findings.detail, findings.detail


def test_a_paired_load_result_splits_into_head_and_base():
    result = PhaseResult(phase="load", metrics=[
        Metric("p95_ms", 20.0, "ms", budget=200.0, baseline=10.0, samples=[19.0, 21.0]),
        Metric("p95_ms", 10.0, "ms", samples=[9.0, 11.0], labels={"build": "base"}),
        Metric("rps", 50.0, "req/s", "higher", samples=[49.0, 51.0], labels={"build": "base"}),
    ], findings=[Finding("load.regression.p95_ms", "high", "p95 regressed", "echotune-compare"),
                 Finding("load.http.500", "high", "500s", "locust")],
        notes=["p95 latency regressed against base: 10 ms -> 20 ms (+100.0 %, p = 0.014), "
               "4 interleaved rounds per build",
               "head: 10 users, 400 requests in 8.0s against http://127.0.0.1:1 (stopped by duration)"])
    head, base = split_load(result)
    assert [(m.name, m.labels, m.baseline) for m in head.metrics] == [("p95_ms", {}, None)]
    assert base is not None
    assert [(m.name, m.value, m.labels, m.budget) for m in base.metrics] == [
        ("p95_ms", 10.0, {}, None), ("rps", 50.0, {}, None)]
    # The gate decides regressions; the phase's own verdict finding is not counted twice.
    assert [f.rule_id for f in head.findings] == ["load.http.500"]
    assert [n[:5] for n in head.notes] == ["head:"]


def _round(label: str, scale: float, failures: int = 0) -> dict[str, Any]:
    """One interleaved load round as the locust worker reports it (total and two endpoints)."""
    def entry(method: str, name: str, requests: int, p50: float, p95: float, p99: float,
              top: float) -> dict[str, Any]:
        return {"method": method, "name": name, "requests": requests, "failures": failures,
                "p50": p50 * scale, "p95": p95 * scale, "p99": p99 * scale, "max": top * scale,
                "rps": requests / 2.0}
    tracks = entry("GET", "/api/tracks", 120, 8.0, 20.0, 31.0, 44.0)
    track = entry("GET", "/api/tracks/{id}", 80, 5.0, 12.0, 19.0, 25.0)
    total = entry("", "Aggregated", 200, 7.0, 18.0, 29.0, 44.0)
    return {"label": label, "total": total, "entries": [tracks, track]}


def test_the_base_of_a_paired_load_test_carries_every_metric_the_head_carries() -> None:
    from echotune_ci.compare import compare_results
    from echotune_ci.config import defaults
    from echotune_ci.phases.load.compare import decide
    from echotune_ci.phases.load.metrics import rounds_metrics

    budgets = defaults().budgets
    base_rounds = [_round("base", 1.0 + i / 100) for i in range(4)]
    head_rounds = [_round("head", 1.02 + i / 100, failures=i % 2) for i in range(4)]
    head = rounds_metrics(head_rounds, {}, budgets)
    kept, _, notes = decide(rounds_metrics(base_rounds, {}, budgets), head, defaults().gate, 0.0, 4)
    assert len(notes) == 2  # the verdicts stay on the decided totals, p95 and rps
    head_part, base_part = split_load(PhaseResult(phase="load", metrics=[*head, *kept]))
    assert base_part is not None
    names = {"p50_ms", "p95_ms", "p99_ms", "max_ms", "rps", "error_rate_pct", "requests"}
    assert {m.key for m in base_part.metrics} == {m.key for m in head_part.metrics}
    scopes = {m.labels.get("endpoint", "") for m in base_part.metrics}
    assert scopes == {"", "GET /api/tracks", "GET /api/tracks/{id}"}
    assert {m.name for m in base_part.metrics if m.labels == {"endpoint": "GET /api/tracks"}} == names
    # Every one of them has its 4 rounds on both sides, so compare tests each with its interval.
    assert all(len(m.samples) == 4 for m in [*base_part.metrics, *head_part.metrics])
    p99 = next(m for m in base_part.metrics if m.key == "p99_ms[endpoint=GET /api/tracks]")
    assert p99.samples == [31.0, 31.31, 31.62, 31.93] and p99.value == pytest.approx(31.465)
    errors = next(m for m in head_part.metrics if m.key == "error_rate_pct")
    assert errors.samples == [0.0, 0.5, 0.0, 0.5] and errors.value == pytest.approx(0.25)
    found = {c.key: c for c in compare_results([base_part], [head_part])}
    assert set(found) == {m.key for m in head_part.metrics}
    # ... except the counts the load model sets (requests, an endpoint's throughput): no verdict.
    mix = {k for k in found if k.startswith("requests") or k.startswith("rps[")}
    assert mix == {"requests", *(f"{name}[endpoint=GET /api/tracks{tail}]"
                                 for name in ("requests", "rps") for tail in ("", "/{id}"))}
    # rps is 100 in every round of both builds here: an exact change, compared as one value a side
    assert found["rps"].method == "threshold" and found["rps"].verdict == "no significant change"
    assert all(c.n_base == c.n_head == 4 and c.method == ("threshold" if k == "rps" else "mann-whitney-u")
               for k, c in found.items() if k not in mix)
    assert all(c.method == "count" and c.verdict == "no significant change"
               for k, c in found.items() if k in mix)
    assert found["max_ms[endpoint=GET /api/tracks/{id}]"].has_interval
    assert found["max_ms"].base == 44.0 * 1.03  # the largest of the rounds, not their median


def test_a_load_result_without_base_metrics_has_no_base():
    head, base = split_load(PhaseResult(phase="load", metrics=[Metric("p95_ms", 1.0, "ms")]))
    assert base is None and len(head.metrics) == 1


def test_extra_samples_are_appended_and_medians_recomputed():
    into = PhaseResult(phase="frontend", metrics=[
        Metric("lcp_ms", 20.0, "ms", samples=[10.0, 20.0, 30.0], labels={"page": "/"}),
        Metric("accessibility_score", 90.0, "", "higher", samples=[90.0]),
    ])
    extra = PhaseResult(phase="frontend", metrics=[
        Metric("lcp_ms", 45.0, "ms", samples=[40.0, 50.0], labels={"page": "/"}),
        Metric("accessibility_score", 80.0, "", "higher", samples=[80.0]),
    ])
    merged = {m.name: m for m in merge_samples(into, extra, medians=True).metrics}
    assert merged["lcp_ms"].samples == [10.0, 20.0, 30.0, 40.0, 50.0]
    assert merged["lcp_ms"].value == 30.0
    assert merged["accessibility_score"].samples == [90.0]


def test_extra_load_rounds_give_the_values_one_test_of_all_rounds_would():
    # A first pass of 2 rounds and a second of 2, as run --base-ref adds them (values worked out by hand).
    def load(p95: list[float], max_ms: float, requests: list[float], error_pct: float) -> PhaseResult:
        return PhaseResult(phase="load", metrics=[
            Metric("p95_ms", sorted(p95)[len(p95) // 2], "ms", samples=p95),
            Metric("max_ms", max_ms, "ms", samples=[max_ms, max_ms / 2]),
            Metric("requests", sum(requests), "", "higher", samples=requests),
            Metric("error_rate_pct", error_pct, "%", samples=[error_pct, error_pct]),
            Metric("p95_ms", 5.0, "ms", samples=[5.0, 6.0], labels={"endpoint": "GET /a"}),
        ])
    merged = merge_samples(load([10.0, 20.0], 80.0, [100.0, 100.0], 1.0),
                           load([1.0, 30.0], 40.0, [50.0, 50.0], 4.0), medians=False)
    total = {m.name: m for m in merged.metrics if not m.labels}
    assert total["p95_ms"].samples == [10.0, 20.0, 1.0, 30.0]
    assert total["p95_ms"].value == 15.0  # median of 1, 10, 20, 30
    assert total["max_ms"].value == 80.0
    assert total["requests"].value == 300.0
    assert total["error_rate_pct"].value == 2.0  # (1 % of 200 + 4 % of 100) / 300 requests
    (endpoint,) = [m for m in merged.metrics if m.labels]
    assert endpoint.value == 5.5 and endpoint.samples == [5.0, 6.0, 5.0, 6.0]


def test_extra_load_rounds_are_counted_in_each_builds_summary_note():
    # The run of 2026-12-01: the notes said "base: 20 users, 1819 requests in 25.0s" (the first pass of 5
    # rounds of 5 s) while load.json's base requests were 3285 over 9 rounds; two later passes of 2 rounds.
    def note(label: str, requests: int, seconds: float, port: int, stopped: str = "duration") -> str:
        return f"{label}: 20 users, {requests} requests in {seconds:.1f}s against http://127.0.0.1:{port} " \
               f"(stopped by {stopped})"

    def notes(base: int, head: int, seconds: float, stopped: str = "duration") -> PhaseResult:
        return PhaseResult(phase="load", notes=["measured side by side with the base HEAD",
                                                note("base", base, seconds, 35551, stopped),
                                                note("head", head, seconds, 42023, stopped)])
    merged = merge_samples(notes(1819, 1796, 25.0), notes(733, 716, 10.0), medians=False)
    merged = merge_samples(merged, notes(733, 722, 10.0, "request cap"), medians=False)
    assert merged.notes == ["measured side by side with the base HEAD",
                            note("base", 3285, 45.0, 35551, "request cap"),
                            note("head", 3234, 45.0, 42023, "request cap")]


def test_bad_ref_names_itself(repo):
    with pytest.raises(InputError, match="no-such-ref"):
        resolve_ref(repo, "no-such-ref")
    with pytest.raises(InputError, match="not a git ref"):
        resolve_ref(repo, "--output=/tmp/x")
    assert len(resolve_ref(repo, "HEAD")) == 40


def test_worktree_is_removed_afterwards_and_head_stays_as_it_is(repo):
    (repo / "app" / "requirements.txt").write_text("flask==3.1.0\n")
    assert dirty_paths(repo) == (["app/requirements.txt"], [])
    # Files git does not track are the head's too (an extra.py the app imports); not the run's output,
    # an environment or a cache a project forgot to ignore.
    (repo / "app" / "extra.py").write_text("X = 1\n")
    for folder in ("results", "app/node_modules", "app/__pycache__"):
        (repo / folder).mkdir()
        (repo / folder / "f").write_text("")
    assert dirty_paths(repo, (repo / "results",)) == (["app/requirements.txt"], ["app/extra.py"])
    assert dirty_paths(repo) == (["app/requirements.txt"], ["app/extra.py", "results/"])
    # -o . : what a run writes at the top, not the project's own files; an untracked folder holding the output
    for name in ("load.json", "base/x.json", "report/comment.md", "my notes.txt"):
        (repo / name).parent.mkdir(exist_ok=True)
        (repo / name).write_text("")
    assert dirty_paths(repo, (repo,)) == (["app/requirements.txt"], ["app/extra.py", "my notes.txt",
                                                                      "results/"])
    (repo / "results" / "run1").mkdir()
    assert "results/" not in dirty_paths(repo, (repo / "results" / "run1",))[1]
    # A folder an earlier run wrote into (results/ before, out/ now) is no change either; a folder with
    # a JSON file of the same name that is not ours still is.
    for folder, text in (("old-results", '{\n  "schema_version": "1.0",\n  "phase": "load"\n}'),
                         ("data", '{"phase": "load", "rows": []}')):
        (repo / folder).mkdir()
        (repo / folder / "load.json").write_text(text)
    untracked = dirty_paths(repo, (repo / "out",))[1]
    assert "data/" in untracked and "old-results/" not in untracked
    # What is looked at is the project's: a FIFO named like a result is not opened (it would block).
    import os
    import threading

    (repo / "pipe").mkdir()
    (repo / "pipe" / "notes.txt").write_text("the folder git lists\n")
    os.mkfifo(repo / "pipe" / "load.json")
    looked: list[list[str]] = []
    out = (repo / "out",)
    worker = threading.Thread(target=lambda: looked.append(dirty_paths(repo, out)[1]), daemon=True)
    worker.start()
    worker.join(10)
    assert looked and "pipe/" in looked[0]
    with worktree(repo, "HEAD") as source:
        assert (source.root / "app" / "requirements.txt").read_text() == "flask==3.0.0\n"
        where = source.root
    assert not where.exists()
    assert git(repo, "worktree", "list").count("\n") == 1
    assert (repo / "app" / "requirements.txt").read_text() == "flask==3.1.0\n"


def test_the_bases_dot_git_is_a_folder_as_in_a_clone_and_git_still_reads_it(repo):
    # imputnet/cobalt's version-info reads .git/HEAD, .git/logs/HEAD and .git/config itself; in the base's
    # worktree .git was a file ("gitdir: ...") and the base's web build stopped on "ENOTDIR: not a
    # directory, open '<base checkout>/.git/logs/HEAD'".
    git(repo, "remote", "add", "origin", "https://github.com/imputnet/cobalt.git")
    (repo / "app" / "requirements.txt").write_text("flask==3.1.0\n")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-am", "two")
    base = git(repo, "rev-parse", "HEAD~1").strip()
    with worktree(repo, "HEAD~1") as source:
        dot = source.root / ".git"
        assert dot.is_dir()
        assert (dot / "HEAD").read_text().strip() == base
        # what version-info's getCommit() returns: the second field of the reflog's last line
        assert (dot / "logs" / "HEAD").read_text().splitlines()[-1].split(" ")[1] == base
        assert "url = https://github.com/imputnet/cobalt.git" in (dot / "config").read_text()
        assert (dot / "refs" / "heads" / "main").read_text().strip() == git(repo, "rev-parse", "main").strip()
        assert git(source.root, "rev-parse", "HEAD").strip() == base
        assert git(source.root, "rev-parse", "--show-toplevel").strip() == str(source.root.resolve())
        assert git(source.root, "status", "--porcelain") == ""
        assert git(source.root, "ls-files") == "app/echotune.toml\napp/requirements.txt\n"
        where = source.root
    assert not where.exists()
    assert _only_the_main_worktree(repo), git(repo, "worktree", "list")
    assert not (repo / ".git" / "worktrees").exists() or not any((repo / ".git" / "worktrees").iterdir())
    assert git(repo, "config", "remote.origin.url").strip() == "https://github.com/imputnet/cobalt.git"


def test_a_checkout_git_will_not_read_is_named_with_gits_reason(tmp_path, monkeypatch):
    """A job in a container, where actions/checkout ran as another user: git refuses the checkout, and
    `run --base-ref` said it "is not in a git checkout"."""
    from echotune_ci.baseref.checkout import repository_root

    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(InputError, match=r"^--base-ref: .*/plain is not in a git checkout$"):
        repository_root(plain)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / ".git").write_text("hello\n")  # a .git file that is no "gitdir: ..." line
    with pytest.raises(InputError, match=r"^--base-dir: git cannot read the checkout holding .*/broken: "
                                         r"invalid gitfile format: .*/broken/\.git$"):
        repository_root(broken, "--base-dir")
    # what git 2.39 prints for a checkout another user owns (made here without changing owners)
    said = ("fatal: detected dubious ownership in repository at '/__w/my app/my app'\n"
            "To add an exception for this directory, call:\n\n"
            "\tgit config --global --add safe.directory '/__w/my app/my app'\n")
    monkeypatch.setattr(checkout, "_git", lambda *a, **k: subprocess.CompletedProcess(a, 128, "", said))
    with pytest.raises(InputError) as raised:
        repository_root(Path("/__w/my app/my app/web"))
    assert str(raised.value) == (
        "--base-ref: git refuses to read the checkout /__w/my app/my app, which another user owns "
        "(\"detected dubious ownership\"); if you trust it, allow it first: git config --global --add "
        "safe.directory '/__w/my app/my app'")


def test_the_heads_own_checkout_is_no_base_dir(repo, tmp_path, monkeypatch):
    """Given as --base-dir, the head's checkout was set up and built again in place while the head was
    served from it, and every metric was "vs base 0 %"."""
    app = repo / "app"
    monkeypatch.chdir(app)
    for folder in (repo, app, Path("."), Path("..")):
        with pytest.raises(InputError, match="that is the head's own checkout"):
            _checked_source(BaseOptions(folder=folder), repo, app)
    above = r"--base-dir .*: holds the head's checkout \(.*\), so it is no checkout"
    with pytest.raises(InputError, match=above):
        _checked_source(BaseOptions(folder=tmp_path), repo, app)  # a folder above it (/tmp)
    other = tmp_path / "base-checkout"
    git(repo, "worktree", "add", "--quiet", "--detach", str(other), "HEAD")
    _checked_source(BaseOptions(folder=other), repo, app)
    _checked_source(BaseOptions(folder=Path("../../base-checkout")), repo, app)
    with pytest.raises(InputError, match="no such folder"):
        _checked_source(BaseOptions(folder=tmp_path / "nowhere"), repo, app)


def test_a_base_dir_inside_the_bases_checkout_names_the_checkout(repo, tmp_path):
    """--base-dir ../base/app for a configuration in app/ looked for it in ../base/app/app, and the base
    "could not be measured: serve.cwd: folder .../app/app does not exist"."""
    other = tmp_path / "base-checkout"
    git(repo, "worktree", "add", "--quiet", "--detach", str(other), "HEAD")
    with pytest.raises(InputError) as raised:
        _checked_source(BaseOptions(folder=other / "app"), repo, repo / "app")
    top = other.resolve()
    assert str(raised.value) == (f"--base-dir {other / 'app'}: is the folder app of the checkout {top}; give "
                                 f"the whole checkout, whose app holds the configuration as in the head's: "
                                 f"--base-dir {top}")
    _checked_source(BaseOptions(folder=other), repo, repo / "app")
    # a prepared folder that is no git checkout, or whose checkout has no app/ either, is taken as given
    plain = tmp_path / "unpacked"
    (plain / "app").mkdir(parents=True)
    _checked_source(BaseOptions(folder=plain), repo, repo / "app")
    (other / "app").rename(other / "web")
    (other / "web" / "app").mkdir()
    _checked_source(BaseOptions(folder=other / "web"), repo, repo / "app")


def test_an_empty_base_dir_is_a_usage_error(capsys, tmp_path, monkeypatch):
    """`--base-dir=` (an unset variable in a workflow) was read as the current folder."""
    from support.hostile import assert_one_line_error, cli

    monkeypatch.chdir(tmp_path)
    code, _, err = cli(capsys, "run", "--base-dir=", "--phase", "bundle")
    assert_one_line_error(code, err, 2, "--base-dir", "is empty")


def test_a_ref_that_names_no_single_commit_says_what_it_names(repo, tmp_path):
    head = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "--allow-empty",
        "-m", "two")
    # The commit whose message says "one"; it was looked up as the message "one^{commit}".
    assert resolve_ref(repo, ":/one") == head
    cases = {
        " HEAD": "--base-ref ' HEAD': no such commit",  # a stray space shows
        "HEAD^{tree}": r"--base-ref HEAD\^\{tree\}: names a tree in .*, not a commit",
        "HEAD:app/requirements.txt": "names a blob in .*, not a commit",
        "main..HEAD": "a range of commits; give the base's one commit",
        "HEAD~7": r"no such commit, branch or tag in \S+$",
        "release/1.2": r"\(in CI, fetch it first: git fetch origin release/1.2:release/1.2, or run with "
                       r"--fetch-base\)",
        "origin/big": r"\(in CI, fetch it first: git fetch origin big:refs/remotes/origin/big, or run with "
                      r"--fetch-base\)",
        # A server gives a commit by its whole sha only (`git fetch origin 0123abcd`: "couldn't find
        # remote ref")
        "0123abcd": r"\(an abbreviated sha cannot be fetched: give the whole sha, or fetch the history "
                    r"holding it, git fetch origin\)$",
    }
    for ref, says in cases.items():
        with pytest.raises(InputError, match=says):
            resolve_ref(repo, ref)
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "--quiet", "--depth", "1", f"file://{repo}", str(shallow)], check=True)
    with pytest.raises(InputError, match="this clone is shallow: .* fetch-depth: 0"):
        resolve_ref(shallow, "HEAD~1")


def test_a_whole_sha_a_shallow_clone_lacks_is_no_such_commit_with_the_fetch_that_brings_it(repo, tmp_path):
    """pr-gate.yml's base: the pull request event's base.sha, in actions/checkout's depth-1 clone of the merge
    commit. rev-parse --verify takes any whole sha, present or not, so it was "names a object ..., not a
    commit"; the fetch the error gives is run here and must be enough, one commit deep."""
    base = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "--allow-empty",
        "-m", "two")
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "--quiet", "--depth", "1", f"file://{repo}", str(shallow)], check=True)
    with pytest.raises(InputError) as raised:
        resolve_ref(shallow, base)
    said = str(raised.value)
    assert said == (f"--base-ref {base}: no such commit, branch or tag in {shallow} (in CI, fetch it first: "
                    f"git fetch --depth=1 origin {base}, or run with --fetch-base; in GitHub Actions, "
                    f"actions/checkout with fetch-depth: 0)")
    with pytest.raises(InputError, match=r"give the whole sha, or fetch the history holding it, git fetch "
                                         r"--unshallow origin; in GitHub Actions"):
        resolve_ref(shallow, base[:10])
    fetch = said.split("fetch it first: ")[1].split(",")[0].split()
    subprocess.run(fetch[:1] + ["-C", str(shallow)] + fetch[1:], check=True, capture_output=True)
    assert resolve_ref(shallow, base) == base
    assert git(shallow, "rev-list", "--count", base).strip() == "1"  # the base's history was not brought
    # actions/checkout fetches the merge commit alone: no origin/main
    git(shallow, "update-ref", "-d", "refs/remotes/origin/main")
    with pytest.raises(InputError) as raised:
        resolve_ref(shallow, "origin/main")
    fetch = str(raised.value).split("fetch it first: ")[1].split(",")[0].split()
    assert fetch == ["git", "fetch", "--depth=1", "origin", "main:refs/remotes/origin/main"]
    subprocess.run(fetch[:1] + ["-C", str(shallow)] + fetch[1:], check=True, capture_output=True)
    assert resolve_ref(shallow, "origin/main") == git(repo, "rev-parse", "HEAD").strip()


def test_fetch_base_fetches_what_the_shallow_clone_lacks_one_commit_deep(repo, tmp_path):
    """--fetch-base (the action's fetch-base: 'true'): the pull request event's base.sha and origin/main, in a
    depth-1 clone, are fetched from origin and resolve to the commits the origin has; one commit deep, so
    the clone stays shallow. A name origin does not have is exit 2 with git's reason; HEAD~1 is not
    fetched (no name to fetch it by) and keeps its hint."""
    base = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "--allow-empty",
        "-m", "two")
    git(repo, "branch", "feature", base)
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "--quiet", "--depth", "1", f"file://{repo}", str(shallow)], check=True)
    with pytest.raises(InputError, match="no such commit"):
        resolve_ref(shallow, base)
    assert resolve_ref(shallow, base, fetch=True) == base
    assert git(shallow, "rev-list", "--count", base).strip() == "1"
    assert resolve_ref(shallow, "origin/feature", fetch=True) == base
    with pytest.raises(InputError) as raised:
        resolve_ref(shallow, "origin/nope", fetch=True)
    assert str(raised.value) == (f"--base-ref origin/nope: not in {shallow}, and git fetch --depth=1 origin "
                                 f"nope:refs/remotes/origin/nope could not fetch it: couldn't find remote "
                                 f"ref nope")
    with pytest.raises(InputError, match="this clone is shallow"):
        resolve_ref(shallow, "HEAD~1", fetch=True)


def test_a_base_named_by_its_sha_is_labelled_once():
    """pr-gate.yml passes the event's base.sha: the comment's notes read "measured side by side with the base
    a0510addb9e308cc1194eb8415d8e0693c763537 (a0510addb9)"."""
    from echotune_ci.baseref.checkout import BaseSource

    sha = "a0510addb9e308cc1194eb8415d8e0693c763537"
    assert BaseSource(Path("/b"), sha, sha).label == "a0510addb9"
    assert BaseSource(Path("/b"), "a0510ad", sha).label == "a0510addb9"
    assert BaseSource(Path("/b"), "origin/main", sha).label == "origin/main (a0510addb9)"
    assert BaseSource(Path("/b"), "", "").label == "/b"


def test_a_partial_clone_that_cannot_reach_origin_says_why_the_base_cannot_be_checked_out(repo, tmp_path):
    """actions/checkout with filter: blob:none makes a clone without the files of other commits: `git worktree
    add` of the base fetches them from origin, and without origin (or the credentials pr-gate's checkout
    does not keep) git said only "could not fetch <sha> from promisor remote"."""
    from echotune_ci.errors import RunError

    git(repo, "config", "uploadpack.allowFilter", "true")
    (repo / "app" / "requirements.txt").write_text("flask==3.1.0\n")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-am", "two")
    partial = tmp_path / "partial"
    subprocess.run(["git", "clone", "--quiet", "--filter=blob:none", f"file://{repo}", str(partial)],
                   check=True, capture_output=True)
    git(partial, "remote", "set-url", "origin", f"file://{tmp_path / 'gone'}")
    with pytest.raises(RunError) as raised, worktree(partial, "HEAD~1"):
        pass
    said = str(raised.value)
    assert said.startswith("--base-ref HEAD~1: cannot check it out: a partial clone (actions/checkout's "
                           "filter) fetches the base's files from origin: keep the checkout's credentials "
                           "(persist-credentials) or check out without a filter; fatal: could not fetch ")
    assert said.endswith(" from promisor remote")
    assert _only_the_main_worktree(partial)


def test_a_branch_named_like_an_option_is_reached_by_its_whole_name_and_a_tag_by_its_commit(repo):
    """git lets a branch be named ``-x`` (``update-ref refs/heads/-x``; a push makes one), and any git command
    reads ``-x`` as an option, so it stays refused, with the name that reaches it; an annotated tag names
    its tag object, and the base is the commit it tags."""
    head = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "update-ref", "refs/heads/-x", head)
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "tag", "-a", "v1", "-m", "one")
    git(repo, "tag", "v1-light")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "--allow-empty",
        "-m", "two")
    with pytest.raises(InputError) as raised:
        resolve_ref(repo, "-x")
    assert str(raised.value) == ("--base-ref -x: not a git ref (it reads as an option); the branch or tag of "
                                 "that name is reached by its whole name: refs/heads/-x")
    with pytest.raises(InputError, match=r"^--base-ref -y: not a git ref \(it reads as an option\)$"):
        resolve_ref(repo, "-y")
    assert resolve_ref(repo, "refs/heads/-x") == head
    assert git(repo, "cat-file", "-t", "v1").strip() == "tag"
    assert resolve_ref(repo, "v1") == resolve_ref(repo, "v1-light") == head


POINTER = ("version https://git-lfs.github.com/spec/v1\n"
           "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 204800\n")


@pytest.mark.parametrize("head_has_pointers", [True, False])
def test_the_base_holds_git_lfs_files_as_the_heads_checkout_does(repo, tmp_path, head_has_pointers):
    """actions/checkout leaves Git LFS files as their pointers unless told lfs: true (GIT_LFS_SKIP_SMUDGE for
    its own git only), and the runner's git-lfs then made `git worktree add` fetch the base's objects: a
    134-byte pointer in the head against the 200 KiB image in the base. Here git-lfs is a smudge filter
    that does what git-lfs does (the pointer as it is under GIT_LFS_SKIP_SMUDGE, else the object)."""
    smudge = tmp_path / "git-lfs-smudge"
    smudge.write_text('#!/bin/sh\nif [ -n "$GIT_LFS_SKIP_SMUDGE" ]; then cat; else cat >/dev/null; '
                      "head -c 204800 /dev/zero; fi\n")
    smudge.chmod(0o755)
    for key, value in (("smudge", f"{smudge} %f"), ("clean", "cat"), ("required", "true")):
        git(repo, "config", f"filter.lfs.{key}", value)
    (repo / ".gitattributes").write_text("*.png filter=lfs diff=lfs merge=lfs -text\n")
    (repo / "app" / "logo.png").write_text(POINTER)
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "logo")
    (repo / "app" / "logo.png").unlink()
    env = {**os.environ, "GIT_LFS_SKIP_SMUDGE": "1"} if head_has_pointers else None
    subprocess.run(["git", "-C", str(repo), "checkout", "--", "app/logo.png"], env=env, check=True)
    assert (repo / "app" / "logo.png").stat().st_size == (len(POINTER) if head_has_pointers else 204800)
    assert checkout.lfs_pointers_in(repo) == ("app/logo.png" if head_has_pointers else "")
    with worktree(repo, "HEAD") as base:
        held = (base.root / "app" / "logo.png").read_bytes()
    assert held == (POINTER.encode() if head_has_pointers else bytes(204800))


def _only_the_main_worktree(repo: Path) -> bool:
    return git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1


def test_a_checkout_interrupted_while_git_creates_it_is_removed_too(repo, monkeypatch):
    """Ctrl-C during `git worktree add` kills git, which leaves the worktree registered and locked
    ("initializing"); `git worktree prune` keeps a locked one. Made here as git leaves it."""
    real = checkout._git
    made: list[Path] = []

    def interrupted_add(where: Path, *args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
        if args[:2] == ("worktree", "add"):
            made.append(Path(args[-2]))
            real(where, "worktree", "add", "--detach", "--lock", "--reason", "initializing", *args[-2:])
            raise KeyboardInterrupt
        return real(where, *args, **kw)

    monkeypatch.setattr(checkout, "_git", interrupted_add)
    with pytest.raises(KeyboardInterrupt), worktree(repo, "HEAD"):
        pass
    assert made and not made[0].parent.exists()
    assert _only_the_main_worktree(repo), git(repo, "worktree", "list")


def test_a_second_signal_while_the_checkout_is_removed_waits_for_the_removal(repo, monkeypatch):
    real = checkout._git
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)

    def signalled_remove(where: Path, *args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
        if args[:2] == ("worktree", "remove"):
            os.kill(os.getpid(), signal.SIGINT)  # the cancel's second signal, as the removal starts
        return real(where, *args, **kw)

    monkeypatch.setattr(checkout, "_git", signalled_remove)
    try:
        with pytest.raises(KeyboardInterrupt), worktree(repo, "HEAD") as source:
            where = source.root
            raise KeyboardInterrupt  # the first one
    finally:
        signal.signal(signal.SIGINT, previous)
    assert not where.parent.exists()
    assert _only_the_main_worktree(repo), git(repo, "worktree", "list")


def test_base_config_is_the_heads_plan_with_the_bases_serve(repo, tmp_path):
    head = load_config(repo / "app" / "echotune.toml")
    with worktree(repo, "HEAD") as source:
        cfg, notes = base_config(head, repo.resolve(), source.root)
        assert cfg.base_dir == source.root / "app"
        assert cfg.serve == head.serve and notes == []
        (source.root / "app" / "echotune.toml").unlink()
        cfg, notes = base_config(head, repo.resolve(), source.root)
        assert notes == ["the base has no app/echotune.toml: it is built and started with the head's [serve]"]
        (source.root / "app" / "echotune.toml").write_text("[nonsense]\n")
        cfg, notes = base_config(head, repo.resolve(), source.root)
        assert "could not be read" in notes[0] and cfg.serve == head.serve


def test_a_serve_folder_outside_the_bases_checkout_is_refused(repo, tmp_path):
    """An absolute [serve] cwd named the head's folder for both builds: the base's build ran there, over the
    head's (whose app then served the base's bundle), and the base's app served the head's code."""
    from echotune_ci.errors import ConfigError

    config = repo / "app" / "echotune.toml"
    plain = config.read_text()
    head = load_config(config)
    overwrite = "in the head's checkout, whose build the base's would overwrite"
    cases = {  # the folder the setting names, and what the error says of it
        f'cwd = "{repo / "app"}"': ("[serve] cwd", overwrite),
        'cwd = "../.."': ("[serve] cwd", "outside the base's checkout"),
    }
    with worktree(repo, "HEAD") as source:
        own = source.root / "app" / "echotune.toml"
        for line, (key, where) in cases.items():
            # the base's own [serve], then the head's (a base without a file of its own)
            own.write_text(plain.replace("[serve]\n", f"[serve]\n{line}\n"))
            with pytest.raises(ConfigError, match=rf"^{re.escape(key)} = .* \(the base's own, from its "
                                                  rf"app/echotune.toml\) is .*, {where}: the base's setup"):
                base_config(head, repo.resolve(), source.root)
            config.write_text(plain.replace("[serve]\n", f"[serve]\n{line}\n"))
            own.unlink()
            with pytest.raises(ConfigError, match=rf"\(the head's, which builds the base\) is .*, {where}"):
                base_config(load_config(config), repo.resolve(), source.root)
            config.write_text(plain)
        # [project] root above the checkout; a cwd of ".." from app/ is the checkout's top: inside
        own.write_text(plain + '[project]\nroot = "../.."\n')
        above = head.with_section("project", load_config(own).project)
        with pytest.raises(ConfigError, match=r"^\[project\] root = '\.\./\.\.' \(the head's and the base's"):
            base_config(above, repo.resolve(), source.root)
        own.write_text(plain.replace("[serve]\n", '[serve]\ncwd = ".."\n'))
        cfg, _ = base_config(head, repo.resolve(), source.root)
        assert cfg.resolve(cfg.serve.cwd).resolve() == source.root.resolve()


def test_the_heads_environment_is_linked_only_when_dependencies_are_the_same(tmp_path):
    head_cwd, base_cwd = tmp_path / "head", tmp_path / "base"
    for cwd in (head_cwd, base_cwd):
        cwd.mkdir()
        (cwd / "package-lock.json").write_text('{"lockfileVersion": 3}')
    (head_cwd / "node_modules").mkdir()
    serve = ServeSettings(setup="npm ci", command="node server.js")
    assert same_dependencies(serve, head_cwd, serve, base_cwd)
    assert not same_dependencies(serve, head_cwd, ServeSettings(setup="npm install"), base_cwd)
    (base_cwd / "package-lock.json").write_text('{"lockfileVersion": 2}')
    assert reuse_environment(serve, head_cwd, serve, base_cwd) is None
    assert not (base_cwd / "node_modules").exists()
    (base_cwd / "package-lock.json").write_text('{"lockfileVersion": 3}')
    note = reuse_environment(serve, head_cwd, serve, base_cwd)
    assert note is not None and "node_modules" in note
    assert hardlinked(base_cwd / "node_modules", head_cwd / "node_modules")


def test_links_made_in_a_prepared_base_are_taken_out_and_leave_the_heads_environment(tmp_path):
    """`run --base-dir ../base-checkout` linked the head's .venv into that checkout and left it there: the
    next run said "its folder has its own .venv", ran the base's own setup and could not measure the base
    ("Unable to create directory .../.venv"). What was made is listed and removed, the head's untouched."""
    from echotune_ci.baseref.environment import remove_links

    head_cwd, base_cwd = tmp_path / "head", tmp_path / "base"
    for cwd in (head_cwd, base_cwd):
        cwd.mkdir()
        (cwd / "package-lock.json").write_text('{"lockfileVersion": 3}')
        (cwd / "requirements.txt").write_text("flask==3.1.0\n")
    (head_cwd / ".venv" / "bin").mkdir(parents=True)
    (head_cwd / ".venv" / "bin" / "python").write_text("#!/bin/sh\n")
    (head_cwd / "node_modules" / "left-pad").mkdir(parents=True)
    (head_cwd / "node_modules" / "left-pad" / "index.js").write_text("module.exports = 1\n")
    serve = ServeSettings(setup="npm ci && python3 -m venv .venv", command="node server.js",
                          setup_inputs=("package-lock.json", "requirements.txt"))
    made: list[Path] = []
    assert reuse_environment(serve, head_cwd, serve, base_cwd, made=made) is not None
    assert sorted(p.name for p in made) == [".venv", "node_modules"]
    assert (base_cwd / ".venv").is_symlink()
    assert (base_cwd / "node_modules" / "left-pad" / "index.js").is_file()
    remove_links(made)
    assert sorted(p.name for p in base_cwd.iterdir()) == ["package-lock.json", "requirements.txt"]
    assert (head_cwd / ".venv" / "bin" / "python").read_text() == "#!/bin/sh\n"
    assert (head_cwd / "node_modules" / "left-pad" / "index.js").read_text() == "module.exports = 1\n"
    # So a second run links again instead of finding "its own .venv".
    again: list[Path] = []
    assert reuse_environment(serve, head_cwd, serve, base_cwd, made=again) is not None and len(again) == 2


def test_rounds_are_added_while_a_gated_metric_is_undecided(monkeypatch, capsys):
    from echotune_ci.baseref import sidebyside
    from echotune_ci.baseref.measure import Pair, Side
    from echotune_ci.compare import Rule, needs_more_samples
    from echotune_ci.config import defaults, override
    from echotune_ci.phases.registry import get_phase

    cfg = defaults()
    cfg = cfg.with_section("gate", override(cfg.gate, max_runs=7))

    def result(samples: list[float]) -> PhaseResult:
        return PhaseResult(phase="frontend", metrics=[Metric("lcp_ms", 0.0, "ms", samples=samples,
                                                            labels={"url": "/"})])

    base, head = [400.0, 404.0, 396.0], [420.0, 450.0, 400.0]
    # The interval of +5 % straddles the 10 % limit: undecided.
    assert needs_more_samples(base, head, Rule.for_metric(cfg.gate, "lcp_ms", "lower"))
    calls = []
    noisy = True

    def more(phase, head_side, base_side, first_pair=0, runs=None):
        calls.append((first_pair, runs))
        order = [s for i in range(runs) for s in (("base", "head") if (first_pair + i) % 2 == 0
                                                  else ("head", "base"))]
        # The first pass adds a fast load too: 5 against 5 is still open at the look's level (0.0204, the
        # first look's 0.00275 carried over: 3 against 3 can never reach it).
        head = [480.0, 380.0] if first_pair == 3 and noisy else [480.0] * runs
        return Pair(result(head), result([400.0] * runs), {"home": order}, runs)

    monkeypatch.setattr(sidebyside, "measure_frontend", more)
    side = Side(cfg, {})
    pair = Pair(result(head), result(base), {"home": ["base", "head", "head", "base", "base", "head"]}, 3)
    report = sidebyside.SideBySide()
    out = sidebyside.extend(get_phase("frontend"), pair, side, side, report)
    # 3 configured, 2 more, still undecided, 2 more: the cap of 7 per build is reached.
    assert calls == [(3, 2), (5, 2)]
    assert report.samples["frontend"] == 7 and out.samples == 7
    assert len(out.head.metrics[0].samples) == 7 and out.head.metrics[0].value == 450.0
    assert report.order["frontend"]["home"] == ["base", "head", "head", "base", "base", "head", "head",
                                                "base", "base", "head", "head", "base", "base", "head"]
    assert "7 samples per build (3 configured, 4 added while a gated metric was undecided; " \
           "[gate] max_runs = 7)" in out.head.notes
    # The phase's line ("frontend: head and base measured (12.0s)") came before the added rounds: the
    # run says what it ended with, in all.
    said = capsys.readouterr().err
    assert "frontend: 7 samples per build (0.0s in all)" in said
    # one metric is named without an ellipsis after it, as if more were left out
    assert "frontend: at 3 samples per build, 1 metric(s) undecided (lcp_ms[url=/]): 2 more per build" in said
    # each look says which it is: two that add 2 loads each read as one line printed twice (a Next.js run)
    assert "frontend: at 5 samples per build, 1 metric(s) undecided (lcp_ms[url=/]): 2 more per build" in said
    assert sidebyside.undecided_text(["a", "b", "c", "d"]) == "4 metric(s) undecided (a, b, c, ...)"

    # A clear case stays fast: no rounds are added (5 against 5 at its look's level, 0.0204).
    calls.clear()
    five = [400.0, 404.0, 396.0, 402.0, 398.0]
    clear = Pair(result([600.0, 610.0, 620.0, 615.0, 605.0]), result(five), {"home": []}, 5)
    report = sidebyside.SideBySide()
    out = sidebyside.extend(get_phase("frontend"), clear, side, side, report)
    assert calls == [] and out.samples == 5
    # R: 2 * (1 - pnorm(qnorm(0.975) / sqrt(5/7))) = 0.02039174741 (the Lan-DeMets O'Brien-Fleming form)
    assert out.head.metrics[0].alpha == out.base.metrics[0].alpha == pytest.approx(0.0203917474, abs=1e-9)
    assert report.levels["frontend"]["looks"] == [5, 7] and report.levels["frontend"]["stopped_at"] == 5
    assert out.head.notes == ["sequential test: looked at 5 of the planned 5, 7 samples per build, so the "
                              "verdicts use alpha = 0.02039 (of [gate] alpha = 0.05; O'Brien-Fleming-type "
                              "alpha spending) and wider intervals"]

    # 3 against 3 at its look's level (0.00275) cannot be significant (the smallest p is 1/20), so even
    # an interval wholly above the limit asks for more samples.
    calls.clear()
    noisy = False
    three = Pair(result([600.0, 610.0, 620.0]), result(base), {"home": []}, 3)
    out = sidebyside.extend(get_phase("frontend"), three, side, side, sidebyside.SideBySide())
    assert calls == [(3, 2)] and out.samples == 5


def test_a_phase_stops_for_futility_when_no_planned_sample_could_show_the_limit(monkeypatch) -> None:
    from echotune_ci.baseref import sidebyside
    from echotune_ci.baseref.measure import Pair, Side
    from echotune_ci.compare import Rule, conditional_power, needs_more_samples
    from echotune_ci.config import defaults, override
    from echotune_ci.phases.registry import get_phase

    def result(samples: list[float]) -> PhaseResult:
        return PhaseResult(phase="frontend", metrics=[Metric("lcp_ms", 0.0, "ms", samples=samples,
                                                            labels={"url": "/"})])

    def more(phase, head_side, base_side, first_pair=0, runs=None):
        calls.append((first_pair, runs))
        return Pair(result([250.0] * runs),
                    result([250.0] * runs), {"home": []}, runs)

    calls: list[tuple[int, int]] = []
    monkeypatch.setattr(sidebyside, "measure_frontend", more)
    # A/A on a noisy runner: LCP spread about 25 % and no shift, 5 loads per build (looks 5, 7, 10).
    base, head = [250.0, 180.0, 330.0, 210.0, 290.0], [200.0, 310.0, 240.0, 170.0, 280.0]
    cfg = defaults()
    rule = Rule.for_metric(cfg.gate, "lcp_ms", "lower", "ms")
    assert needs_more_samples(base, head, rule)  # the interval still reaches the 10 % limit
    # Even a 10 % regression from now on would hardly be found by the 10th load (the last look's level,
    # 0.0309 with the default alpha): worked out by compare.conditional_power.
    power = conditional_power(base, head, rule, 10, 0.030850356614)
    assert power is not None and power < 0.1
    pair = Pair(result(head), result(base), {"home": []}, 5)
    report = sidebyside.SideBySide()
    out = sidebyside.extend(get_phase("frontend"), pair, Side(cfg, {}), Side(cfg, {}), report)
    assert calls == [] and out.samples == 5 and report.levels["frontend"]["stopped_at"] == 5
    assert report.levels["frontend"]["futile"] == {"lcp_ms[url=/]": pytest.approx(power, abs=1e-6)}
    assert out.head.notes[0] == (
        f"stopped at 5 of at most 10 samples per build: the samples left would find a regression of the "
        f"limit's size with a chance below [gate] futility = 0.1 (lcp_ms[url=/] {power * 100:.0f} %); the "
        f"noise, not the sample count, decides what this run can see")
    # A base that stops answering ends the sampling too; that is not futility, whatever a look found.
    calls.clear()
    gone = Pair(result(head), result(base), {"home": []}, 5)
    report = sidebyside.SideBySide()
    monkeypatch.setattr(sidebyside, "measure_frontend",
                        lambda *a, **k: calls.append(k) or Pair(result([250.0] * 2), None, {}, 2))
    monkeypatch.setattr(sidebyside, "undecided", lambda *a, **k: sidebyside.Look(["fcp_ms[url=/]"],
                                                                                 {"lcp_ms[url=/]": 0.004}))
    out = sidebyside.extend(get_phase("frontend"), gone, Side(cfg, {}), Side(cfg, {}), report)
    assert len(calls) == 1 and out.samples == 5 and "futile" not in report.levels["frontend"]
    assert not any("futility" in n for n in out.head.notes)
    monkeypatch.undo()  # the real undecided again
    monkeypatch.setattr(sidebyside, "measure_frontend", more)
    calls.clear()
    # With futility = 0 the same samples are taken to the cap, as before.
    plain = cfg.with_section("gate", override(cfg.gate, futility=0.0))
    pair = Pair(result(head), result(base), {"home": []}, 5)
    out = sidebyside.extend(get_phase("frontend"), pair, Side(plain, {}), Side(plain, {}),
                            sidebyside.SideBySide())
    assert calls == [(5, 2), (7, 3)] and out.samples == 10


def test_a_phase_without_gated_samples_has_one_look_at_the_whole_alpha(monkeypatch) -> None:
    from echotune_ci.baseref import sidebyside
    from echotune_ci.baseref.measure import Pair, Side
    from echotune_ci.config import defaults
    from echotune_ci.phases.registry import get_phase

    def result(samples: list[float]) -> PhaseResult:
        # Not named in [gate] regression: its interval could never ask for more rounds.
        return PhaseResult(phase="frontend", metrics=[Metric("speed_index_ms", 0.0, "ms", samples=samples)])

    monkeypatch.setattr(sidebyside, "measure_frontend", lambda *a, **k: pytest.fail("no rounds to add"))
    report = sidebyside.SideBySide()
    pair = Pair(result([500.0, 700.0, 300.0]), result([400.0, 410.0, 390.0]), {}, 3)
    out = sidebyside.extend(get_phase("frontend"), pair, Side(defaults(), {}), Side(defaults(), {}), report)
    assert out.samples == 3 and out.head.metrics[0].alpha is None and report.levels == {}
    assert not out.head.notes


def test_paired_phases_share_the_gate_alpha_even_with_one_look(monkeypatch) -> None:
    from echotune_ci.baseref import sidebyside
    from echotune_ci.baseref.measure import Pair, Side
    from echotune_ci.config import defaults
    from echotune_ci.phases.registry import get_phase

    def result(samples: list[float]) -> PhaseResult:
        return PhaseResult(phase="frontend", metrics=[Metric("speed_index_ms", 0.0, "ms", samples=samples)])

    monkeypatch.setattr(sidebyside, "measure_frontend", lambda *a, **k: pytest.fail("no rounds to add"))
    report = sidebyside.SideBySide()
    pair = Pair(result([500.0, 700.0, 300.0]), result([400.0, 410.0, 390.0]), {}, 3)
    side = Side(defaults(), {})
    # The run's two paired phases (frontend and load) each get half of [gate] alpha = 0.05.
    out = sidebyside.extend(get_phase("frontend"), pair, side, side, report, 0.025)
    assert out.samples == 3 and out.head.metrics[0].alpha == out.base.metrics[0].alpha == 0.025
    assert report.levels["frontend"] == {"looks": [3], "stopped_at": 3, "alpha": 0.025,
                                         "spending": "obrien-fleming", "phase_alpha": 0.025}
    assert out.head.notes == ["one look at 3 samples per build: the verdicts use alpha = 0.025 (this "
                              "phase's 0.025, its part of [gate] alpha = 0.05 shared by the run's 2 paired "
                              "phases) and wider intervals"]


def test_a_look_asks_each_metric_for_its_share_of_the_family_level() -> None:
    from echotune_ci.baseref import sidebyside
    from echotune_ci.baseref.measure import Pair
    from echotune_ci.config import defaults

    def result(lcp: list[float], others: list[float], names=("fcp_ms", "tti_ms", "tbt_ms")) -> PhaseResult:
        metrics = [Metric("lcp_ms", 0.0, "ms", samples=lcp, labels={"url": "/"})]
        metrics += [Metric(name, 0.0, "ms", samples=[v + i for v in others]) for i, name in enumerate(names)]
        return PhaseResult(phase="frontend", metrics=metrics)

    base = [100.0, 104, 96, 102, 98, 101, 99, 103]
    head = [110.0, 118, 101.5, 114, 106, 97, 104, 109]  # +7 %, p = 0.0112: a regression at 0.05 on its own
    cfg = defaults()
    flat = [5.0] * 8
    alone = Pair(result(head, flat), result(base, flat), {}, 8)
    assert sidebyside.undecided(cfg, alone, 0.05).undecided == []  # the others cannot reject: lcp keeps 0.05
    moving = [1.0, 9, 3, 7, 5, 2, 8, 4]
    family = Pair(result(head, moving), result(base, moving[::-1]), {}, 8)
    # Four gated metrics that move: lcp's look is at 0.05 / 4 = 0.0125 > 0.0112, still a regression there
    # (the other three, noise with intervals wider than 10 %, are undecided)...
    assert sidebyside.undecided(cfg, family, 0.05).undecided == ["fcp_ms", "tti_ms", "tbt_ms"]
    # ...but at a look's level of 0.04 it gets 0.01 < 0.0112: not yet, and its interval reaches 10 %.
    assert sidebyside.undecided(cfg, family, 0.04).undecided == ["lcp_ms[url=/]", "fcp_ms", "tti_ms",
                                                                 "tbt_ms"]
    # Metrics that move but fail no gate (named in no [gate] regression) are tested after the gated ones,
    # so they take nothing from lcp's level: 0.04 it is, and 0.0112 is a regression there.
    names = ("speed_index_ms", "ttfb_ms", "dom_content_loaded_ms")
    secondary = Pair(result(head, moving, names), result(base, moving[::-1], names), {}, 8)
    assert sidebyside.undecided(cfg, secondary, 0.04).undecided == []


def test_an_endpoints_throughput_neither_asks_for_rounds_nor_counts_in_the_family() -> None:
    # The default [gate] regression names rps (10 %), which matched every endpoint's rps too: the djangox
    # run of a helper added rounds for its three rps[endpoint=...] and tested them in the family of 20.
    from echotune_ci.baseref import sidebyside
    from echotune_ci.baseref.measure import Pair
    from echotune_ci.config import defaults

    wide = [20.0, 30, 22, 28, 25]  # an interval far wider than 10 %: undecided, if it were asked
    def result(rps: list[float]) -> PhaseResult:
        return PhaseResult(phase="load", metrics=[
            Metric("rps", 70.0, "req/s", "higher", samples=[70.0, 70.5, 71.0, 69.5, 70.2]),
            Metric("rps", 25.0, "req/s", "higher", samples=rps, labels={"endpoint": "GET /a"}),
            Metric("requests", 350.0, "", "higher", samples=[350.0, 340, 360, 355, 345]),
        ])

    pair = Pair(result(wide), result(wide[::-1]), {}, 5)
    cfg = defaults()
    assert [m.key for _b, m in sidebyside._gated(cfg, pair)] == ["rps"]
    assert len(sidebyside._sampled_pairs(cfg, pair)) == 1


def test_the_runs_own_warnings_go_to_the_phases_that_measured_the_apps() -> None:
    from echotune_ci.baseref import sidebyside
    from echotune_ci.baseref.measure import Pair
    from echotune_ci.report.layout import Places, collect_warnings

    said = "the head has an untracked SQLite database, db.sqlite3, that the base lacks"
    report = sidebyside.SideBySide(warnings=[said])
    pairs = [Pair(PhaseResult(phase=name)) for name in ("security", "bundle", "frontend", "load")]
    results = sidebyside._annotate(pairs, report, sidebyside.BaseOptions(ref="HEAD"),
                                   [False, False, True, True], [False] * 4)
    assert [said in r.warnings for r in results] == [False, False, True, True]
    # One line in the report, naming both phases, not one per phase and not under "security".
    shown = collect_warnings(results, Places.of(results))
    assert [(w.phase, w.text) for w in shown] == [("frontend, load", said)]
    # No phase measured the apps (`--phase bundle`): the warning is still said, on every result.
    results = sidebyside._annotate(pairs[1:2], report, sidebyside.BaseOptions(ref="HEAD"), [False], [False])
    assert results[0].warnings == [said]


def test_a_run_without_interleaved_phases_still_names_its_base() -> None:
    # `run --base-ref HEAD~1 --phase security`: the notes that name the base are the interleaving orders of
    # the frontend and load phases, so the comment never said what the findings were compared with.
    from echotune_ci.baseref import sidebyside
    from echotune_ci.baseref.measure import Pair

    from echotune_ci.baseref.checkout import BaseSource

    pairs = [Pair(PhaseResult(phase=name)) for name in ("security", "bundle")]
    checkout = BaseSource(Path("/tmp/echotune-base-x/base"), "HEAD~1", "0844dcc04f" + "0" * 30)
    report = sidebyside.SideBySide(source=checkout, notes=["linked node_modules"])
    results = sidebyside._annotate(pairs, report, sidebyside.BaseOptions(ref="HEAD~1"), [True, False],
                                   [False, False])
    assert results[0].notes == ["compared with the base HEAD~1 (0844dcc04f), built and measured in a "
                                "checkout of its own", "linked node_modules"]
    assert results[1].notes == []
    prepared = sidebyside.SideBySide(source=BaseSource(Path("/ci/base"), "", ""))
    folder = sidebyside._annotate(pairs[:1], prepared, sidebyside.BaseOptions(folder=Path("/ci/base")),
                                  [True], [False])
    assert folder[0].notes == ["compared with the base /ci/base"]
    # with an interleaved phase its order note names the base; a base that failed has its warning
    report = sidebyside.SideBySide(order={"load": {"rounds": ["base", "head", "head", "base"]}})
    interleaved = sidebyside._annotate([Pair(PhaseResult(phase="load"))], report,
                                       sidebyside.BaseOptions(ref="HEAD~1"), [True], [True])
    assert interleaved[0].notes == ["measured side by side with the base --base-ref HEAD~1: load rounds "
                                    "interleaved in ABBA order (B base, H head; rounds: B H H B)"]
    failed = sidebyside._annotate(pairs[:1], sidebyside.SideBySide(failure="the base's build failed"),
                                  sidebyside.BaseOptions(ref="HEAD~1"), [True], [False])
    assert failed[0].notes == []
    assert failed[0].warnings == ["no comparison with the base: the base's build failed"]


def _load(rates: dict[str, float], p95: float) -> PhaseResult:
    """A load result: the totals and each endpoint's p95, error rate and requests (100 each)."""
    failures = sum(rates.values())  # 100 requests per endpoint: the rate is the count
    metrics = [Metric("p95_ms", p95, "ms", samples=[p95] * 3),
               Metric("error_rate_pct", failures / len(rates), "%", samples=[failures / len(rates)] * 3),
               Metric("requests", 100.0 * len(rates), ""),
               Metric("app_rss_mb", 100.0 + p95, "MB", samples=[100.0 + p95] * 3)]
    for endpoint, rate in rates.items():
        metrics += [Metric("p95_ms", p95, "ms", samples=[p95] * 3, labels={"endpoint": endpoint}),
                    Metric("error_rate_pct", rate, "%", labels={"endpoint": endpoint}),
                    Metric("requests", 100.0, "", labels={"endpoint": endpoint})]
    return PhaseResult(phase="load", metrics=metrics)


def test_an_endpoint_the_base_does_not_serve_is_new_and_the_totals_are_not_compared() -> None:
    """A pull request that adds GET /api/new: the base answered it 404 every time. Its 404s' response
    times were compared with the head's answers (p95 +6.3 %, n.s.) and the base's total error rate
    (16.7 %) made the gate call the error-rate budget "fixed"."""
    from echotune_ci.baseref.measure import Pair
    from echotune_ci.baseref.sidebyside import unserved_endpoints
    from echotune_ci.compare import compare_results

    head = _load({"GET /api/tracks": 0.0, "GET /api/new": 0.0, "GET /api/other": 0.0}, 8.0)
    base = _load({"GET /api/tracks": 3.0, "GET /api/new": 100.0, "GET /api/other": 100.0}, 2.0)
    pair = unserved_endpoints(Pair(head, base))
    assert pair.head.warnings == [
        "GET /api/new, GET /api/other: every request to the base failed (an endpoint the base does not "
        "have?), so they are new in the head and the load test's totals are not compared with the base's"]
    verdicts = {c.key: c.verdict for c in compare_results([pair.base], [pair.head])}
    new = {f"{name}[endpoint={e}]" for name in ("p95_ms", "error_rate_pct", "requests")
           for e in ("GET /api/new", "GET /api/other")}
    assert {k for k, v in verdicts.items() if v == "new"} == new
    assert set(verdicts) - new == {*(f"{name}[endpoint=GET /api/tracks]"
                                     for name in ("p95_ms", "error_rate_pct", "requests")),
                                   "app_rss_mb"}  # no totals; the app's memory is no total
    # The base's total error rate without the endpoints it lacks: 3 failures in 100 requests.
    total = next(m for m in pair.base.metrics if m.key == "error_rate_pct")
    assert (total.value, total.compared) == (3.0, False)
    assert unserved_endpoints(pair).head.warnings == pair.head.warnings  # said once, however often asked
    # Failing on both builds, or on the head only (a regression the error rate shows), stays compared.
    for head_rate, base_rate in ((100.0, 100.0), (100.0, 0.0)):
        same = Pair(_load({"GET /api/new": head_rate}, 8.0), _load({"GET /api/new": base_rate}, 2.0))
        assert unserved_endpoints(same) == same
    frontend = Pair(PhaseResult(phase="frontend"), PhaseResult(phase="frontend"))
    assert unserved_endpoints(frontend) is frontend


def test_before_rounds_are_added_an_unserved_endpoint_and_the_totals_ask_for_none() -> None:
    """Its total rps asked for 4 more rounds a build ("1 metric(s) undecided (rps ...)") and the totals
    counted in the family ("not among the phase's 18 metrics"), all dropped from the comparison after."""
    from echotune_ci.baseref.measure import Pair
    from echotune_ci.baseref.sidebyside import _tested, unserved_endpoints
    from echotune_ci.config import defaults

    head = _load({"GET /api/tracks": 0.0, "GET /api/new": 0.0}, 8.0)
    base = _load({"GET /api/tracks": 0.0, "GET /api/new": 100.0}, 2.0)
    marked = unserved_endpoints(Pair(head, base), final=False)
    assert marked.head.warnings == [] and len(marked.base.metrics) == len(base.metrics)  # rounds still add up
    # (the app's memory is tested only where [gate] regression names it)
    assert {m.key for _, m in _tested(defaults(), marked)} == {"p95_ms[endpoint=GET /api/tracks]"}
    unmarked = {m.key for _, m in _tested(defaults(), Pair(head, base))}
    assert unmarked >= {"p95_ms", "p95_ms[endpoint=GET /api/new]"}
    final = unserved_endpoints(marked)
    assert (final.head, final.base) == (unserved_endpoints(Pair(head, base)).head,
                                        unserved_endpoints(Pair(head, base)).base)
    # The rounds added since show the base serving it after all (60 % failed): all compared again.
    recovered = dataclasses.replace(marked, base=dataclasses.replace(marked.base, metrics=[
        dataclasses.replace(m, value=60.0) if m.key == "error_rate_pct[endpoint=GET /api/new]" else m
        for m in marked.base.metrics]))
    back = unserved_endpoints(recovered)
    assert back.head.warnings == [] and back.set_aside == ()
    assert all(m.compared for m in (*back.head.metrics, *back.base.metrics))


def test_the_bases_temporary_checkout_is_named_as_such_in_what_the_run_says() -> None:
    """"serve.cwd: folder /tmp/echotune-base-k2x/base/src does not exist" named a folder gone once the
    run ended (fastapi-container's 9e53a5e has no src/)."""
    from echotune_ci.baseref.checkout import BaseSource
    from echotune_ci.baseref.sidebyside import _in_checkout

    temporary = BaseSource(Path("/tmp/echotune-base-k2x/base"), "9e53a5e", "9e53a5e" + "0" * 33)
    said = "serve.cwd: folder /tmp/echotune-base-k2x/base/src does not exist"
    assert _in_checkout(said, temporary) == "serve.cwd: folder <base checkout>/src does not exist"
    prepared = BaseSource(Path("/srv/base"), "", "")  # --base-dir: the user's folder, which stays
    assert _in_checkout("serve.cwd: folder /srv/base/src does not exist", prepared).endswith("/srv/base/src "
                                                                                             "does not exist")
    assert _in_checkout(said, None) == said


def test_an_earlier_runs_base_results_are_removed_and_nothing_else(tmp_path):
    # `report` on the folder would compare against a base this run did not measure; but the base/ folder
    # of `run --base-ref ... -o .` is the project's own, where its JSON files and what git tracks stay.
    import subprocess

    from echotune_ci.baseref.sidebyside import _prune_base

    base = tmp_path / "base"
    base.mkdir()
    for name in ("bundle.json", "load.json", "api.json", "settings.json"):
        (base / name).write_text("{}")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "add", "base/api.json"], check=True)
    _prune_base(tmp_path, [PhaseResult("bundle")])
    assert sorted(p.name for p in base.iterdir()) == ["api.json", "bundle.json", "settings.json"]

    # Not in a git work tree: nothing is tracked, the stale result goes.
    plain = tmp_path.parent / f"{tmp_path.name}-plain"
    (plain / "base").mkdir(parents=True)
    (plain / "base" / "load.json").write_text("{}")
    _prune_base(plain, [])
    assert not (plain / "base" / "load.json").exists()


def committed_repo(tmp_path: Path, toml: str, ignore: str) -> Path:
    """A git repository under *tmp_path* with *toml* as its echotune.toml and *ignore* as its .gitignore,
    committed once."""
    root = tmp_path / "repo"
    root.mkdir()
    (root / "echotune.toml").write_text(toml)
    (root / ".gitignore").write_text(ignore)
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "one")
    return root


def test_a_head_that_cannot_start_is_named_as_the_head(tmp_path):
    # Beside the base's own steps, "serve command exited with code 1 before ... answered" did not say which
    # build failed (it was the head). The base was built first, then the head's start failed.
    from echotune_ci.baseref.sidebyside import run_side_by_side
    from echotune_ci.errors import RunError

    root = committed_repo(tmp_path, '[serve]\nbuild = "touch built"\ncommand = "false"\nready_url = '
                                    '"http://127.0.0.1:{port}/"\n[run]\nphases = ["load"]\n', "built\nout/\n")
    with pytest.raises(RunError) as caught:
        run_side_by_side(load_config(root / "echotune.toml"), root / "out", BaseOptions(ref="HEAD"))
    said = "the head (the working tree): serve command exited with code 1 before http://127.0.0.1:"
    assert str(caught.value).startswith(said)
    assert git(root, "worktree", "list").count("\n") == 1  # the base's checkout is gone


def test_a_package_json_change_no_install_reads_links_the_heads_node_modules(tmp_path):
    """Checked with npm 11 before this was written: a package.json whose version, description and
    lint/test scripts differ from the one its package-lock.json was made for passes `npm ci`, and the
    node_modules it installs (every file, `.package-lock.json` too) is byte for byte the other's. Such a
    pull request had the base run its own `npm ci`. The install's own lifecycle scripts, the dependencies
    and a setup that runs a script (`npm run ...`) still make it another install."""
    head_cwd, base_cwd = tmp_path / "head", tmp_path / "base"
    package = {"name": "shop", "version": "1.0.0", "private": True, "dependencies": {"is-number": "7.0.0"},
               "scripts": {"lint": "eslint .", "prepare": "husky", "db:generate": "prisma generate"}}
    for cwd in (head_cwd, base_cwd):
        cwd.mkdir()
        (cwd / "package-lock.json").write_text('{"lockfileVersion": 3}')
    (head_cwd / "package.json").write_text(json.dumps(package, indent=2))
    serve = ServeSettings(setup="npm ci", command="node server.js")

    def base(**changed: Any) -> bool:
        (base_cwd / "package.json").write_text(json.dumps({**package, **changed}))
        return same_dependencies(serve, head_cwd, serve, base_cwd)

    assert base()  # other whitespace, same fields
    assert base(version="0.9.0", description="a shop", keywords=["shop"], license="MIT")
    assert base(scripts={**package["scripts"], "lint": "eslint --fix .", "test": "vitest"})
    assert setup_differences(serve, head_cwd, serve, base_cwd) == ""
    assert not base(scripts={**package["scripts"], "prepare": "husky install"})
    assert not base(scripts={**package["scripts"], "postinstall": "prisma generate"})
    assert not base(dependencies={"is-number": "7.0.1"})
    assert not base(overrides={"is-number": "7.0.1"})
    assert setup_differences(serve, head_cwd, serve, base_cwd) == "package.json"
    # a setup that runs a script reads it: the script's line is part of what is installed
    runs = ServeSettings(setup="npm ci && npm run db:generate", command="node server.js")
    (base_cwd / "package.json").write_text(json.dumps({**package, "version": "0.9.0"}))
    assert same_dependencies(serve, head_cwd, serve, base_cwd)
    assert not same_dependencies(runs, head_cwd, runs, base_cwd)
    # a package.json the install cannot read compares as its bytes
    (base_cwd / "package.json").write_text(json.dumps(package, indent=2)[:-1])
    assert not same_dependencies(serve, head_cwd, serve, base_cwd)


def test_a_lockfile_the_heads_setup_rewrote_is_still_the_bases(tmp_path, monkeypatch):
    """`npm install` rewrites an out-of-date package-lock.json (npm 11 puts package.json's name and
    version into it). The head's then differed from the base's committed copy: every side-by-side run
    said "the base's dependencies differ from the head's" and ran a second install for the base, and the
    head's own setup ran again on the next run (its stamp held the lockfile as it was before)."""
    from echotune_ci.serve.steps import prepare

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    head_cwd, base_cwd = tmp_path / "head", tmp_path / "base"
    committed = ('{"name": "old-name", "version": "0.9.0", "lockfileVersion": 3, "requires": true, '
                 '"packages": {"": {"name": "old-name", "version": "0.9.0"}}}')
    for cwd in (head_cwd, base_cwd):
        cwd.mkdir()
        (cwd / "package.json").write_text('{"name": "demo", "version": "1.0.0"}')
        (cwd / "package-lock.json").write_text(committed)
    serve = ServeSettings(setup="npm install --no-audit --no-fund", command="node server.js")
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME")}

    def setup() -> bool:
        return prepare(serve.setup, "", cwd=head_cwd, environment=lambda: env).setup_skipped

    assert setup() is False
    assert (head_cwd / "package-lock.json").read_text() != committed  # npm rewrote it
    assert same_dependencies(serve, head_cwd, serve, base_cwd)
    assert setup() is True  # what setup left is what it was stamped for
    assert same_dependencies(serve, head_cwd, serve, base_cwd)
    # a base whose manifest differs still differs, and so does a lockfile edited after setup
    (base_cwd / "package.json").write_text('{"name": "demo", "version": "1.0.0", "dependencies": {"a": "2"}}')
    assert not same_dependencies(serve, head_cwd, serve, base_cwd)
    (base_cwd / "package.json").write_text('{"name": "demo", "version": "1.0.0"}')
    # (the root's version alone is no edit: npm's own `npm version` rewrites it, and installs the same)
    (head_cwd / "package-lock.json").write_text(committed.replace("0.9.0", "0.9.1"))
    assert same_dependencies(serve, head_cwd, serve, base_cwd)
    (head_cwd / "package-lock.json").write_text(
        committed.replace('"version": "0.9.0"}}', '"version": "0.9.0", "dependencies": {"a": "2"}}}'))
    assert not same_dependencies(serve, head_cwd, serve, base_cwd)
    assert setup() is False


def _file_dependency_pair(tmp_path: Path) -> tuple[Path, Path]:
    """A head's and a base's folder of one npm project without a lockfile, whose one dependency is a
    folder of its own (file:./dep: npm installs it without asking a registry)."""
    head_cwd, base_cwd = tmp_path / "head", tmp_path / "base"
    for cwd in (head_cwd, base_cwd):
        (cwd / "dep").mkdir(parents=True)
        (cwd / "dep" / "package.json").write_text('{"name": "dep", "version": "1.2.3"}')
        (cwd / "package.json").write_text('{"name": "demo", "version": "1.0.0", '
                                          '"dependencies": {"dep": "file:./dep"}}')
    return head_cwd, base_cwd


def test_a_lockfile_the_heads_setup_created_is_given_to_the_linked_base(tmp_path, monkeypatch):
    """trbKnl/movez-chat commits no lockfile: its setup, `npm install`, writes package-lock.json. The base,
    linked to the head's node_modules, had none beside them, so its audit read no lockfile and the comment
    called the head's audited packages an improvement. Run here with npm itself (a file: dependency, so
    no registry is asked)."""
    from echotune_ci.baseref.environment import copy_setup_writes, reuse_environment
    from echotune_ci.serve.steps import prepare

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    head_cwd, base_cwd = _file_dependency_pair(tmp_path)
    serve = ServeSettings(setup="npm install --no-audit --no-fund", command="node server.js")
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME")}
    assert prepare(serve.setup, "", cwd=head_cwd, environment=lambda: env).setup_skipped is False
    written = (head_cwd / "package-lock.json").read_text()
    assert '"node_modules/dep"' in written and not (base_cwd / "package-lock.json").exists()
    assert reuse_environment(serve, head_cwd, serve, base_cwd) is not None
    assert copy_setup_writes(serve, head_cwd, serve, base_cwd, base_cwd) == ["package-lock.json"]
    assert (base_cwd / "package-lock.json").read_text() == written
    # once there, nothing is left to write
    assert copy_setup_writes(serve, head_cwd, serve, base_cwd, base_cwd) == []
    # a base that commits a lockfile of its own keeps it: its setup installs from it, so nothing is linked
    # or copied
    other = tmp_path / "other"
    shutil.copytree(base_cwd, other, ignore=shutil.ignore_patterns("node_modules", "package-lock.json"))
    (other / "package-lock.json").write_text('{"name": "demo", "lockfileVersion": 3, "packages": {}}')
    assert reuse_environment(serve, head_cwd, serve, other) is None
    assert copy_setup_writes(serve, head_cwd, serve, other, other) == []
    assert (other / "package-lock.json").read_text().endswith('"packages": {}}')
    # nor outside the base's checkout
    third = tmp_path / "third"
    shutil.copytree(base_cwd, third, ignore=shutil.ignore_patterns("node_modules", "package-lock.json"))
    assert copy_setup_writes(serve, head_cwd, serve, third, tmp_path / "elsewhere") == []


def test_a_lockfile_an_install_wrote_outside_the_setup_inputs_is_given_to_the_linked_base(tmp_path,
                                                                                         monkeypatch):
    """init writes `setup_inputs = ["package.json"]` for a project without a lockfile (movez-chat), so the
    one `npm install` writes is no input the stamp knows of: the head's lockfile that git does not track
    and the base lacks is the install's too. A tracked one (the pull request that adds it) is not."""
    from echotune_ci.baseref.environment import copy_setup_writes, reuse_environment
    from echotune_ci.serve.steps import prepare

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    head_cwd, base_cwd = _file_dependency_pair(tmp_path)
    subprocess.run(["git", "init", "-q", str(head_cwd)], check=True)
    subprocess.run(["git", "-C", str(head_cwd), "add", "package.json", "dep"], check=True)
    serve = ServeSettings(setup="npm install --no-audit --no-fund", setup_inputs=("package.json",),
                          command="node server.js")
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME")}
    assert prepare(serve.setup, "", cwd=head_cwd, environment=lambda: env,
                   inputs=serve.setup_inputs).setup_skipped is False
    assert reuse_environment(serve, head_cwd, serve, base_cwd) is not None
    assert copy_setup_writes(serve, head_cwd, serve, base_cwd, base_cwd) == ["package-lock.json"]
    assert (base_cwd / "package-lock.json").read_bytes() == (head_cwd / "package-lock.json").read_bytes()
    (base_cwd / "package-lock.json").unlink()
    subprocess.run(["git", "-C", str(head_cwd), "add", "package-lock.json"], check=True)  # the head's own
    assert copy_setup_writes(serve, head_cwd, serve, base_cwd, base_cwd) == []


def test_a_lockfile_in_a_member_the_base_lacks_is_not_copied(tmp_path):
    """A workspace member the head adds (packages/web) with a lockfile an install of its own left there,
    untracked, beside `setup_inputs = ["package.json"]` (init's for a project without a lockfile): the
    base, linked, has no such folder, and its own install would write nothing there. main copied into
    it: "[Errno 2] No such file or directory", and the base was not measured."""
    from echotune_ci.baseref.environment import copy_setup_writes

    head_cwd, base_cwd = tmp_path / "head", tmp_path / "base"
    for cwd in (head_cwd, base_cwd):
        (cwd / "packages" / "api").mkdir(parents=True)
        (cwd / "package.json").write_text('{"name": "m", "workspaces": ["packages/*"]}')
        (cwd / "packages" / "api" / "package.json").write_text('{"name": "api"}')
    (head_cwd / "packages" / "web").mkdir()
    (head_cwd / "packages" / "web" / "package.json").write_text('{"name": "web"}')
    (head_cwd / "packages" / "web" / "package-lock.json").write_text('{"lockfileVersion": 3}')
    (head_cwd / "package-lock.json").write_text('{"lockfileVersion": 3, "packages": {}}')
    subprocess.run(["git", "init", "-q", str(head_cwd)], check=True)
    serve = ServeSettings(setup="npm install", setup_inputs=("package.json",), command="node server.js")
    assert copy_setup_writes(serve, head_cwd, serve, base_cwd, base_cwd) == ["package-lock.json"]
    assert not (base_cwd / "packages" / "web").exists()


def test_bundle_globs_are_moved_into_the_bases_checkout_or_refused(repo, tmp_path, monkeypatch):
    """Absolute globs into the checkout name the same place in the base's; relative ones stay relative to
    the base's configuration folder; one whose files no build of the base makes is refused naming it."""
    from echotune_ci.baseref.configs import bundle_in_base
    from echotune_ci.errors import ConfigError

    config = repo / "app" / "echotune.toml"
    plain = config.read_text()
    top = repo.resolve()
    monkeypatch.setenv("HOME", str(tmp_path))
    with worktree(repo, "HEAD") as source:
        base = source.root.resolve()
        config.write_text(plain + f'[bundle]\nglobs = ["{top}/app/dist/**/*.js", "dist/*.css", '
                                  f'"../app/static/[ab]*.js", "{top}/app/main.js"]\n')
        cfg, _ = base_config(load_config(config), top, source.root)
        assert bundle_in_base(cfg, top, source.root).bundle.globs == (
            f"{base}/app/dist/**/*.js", "dist/*.css", "../app/static/[ab]*.js", f"{base}/app/main.js")
        # climbing after a wildcard but staying in the checkout: dist/a/../../.. is the checkout's top
        config.write_text(plain + f'[bundle]\nglobs = ["dist/*/../../../lib/*.js", '
                                  f'"{top}/app/dist/*/x/../../../*.js"]\n')
        cfg, _ = base_config(load_config(config), top, source.root)
        assert bundle_in_base(cfg, top, source.root).bundle.globs == (
            "dist/*/../../../lib/*.js", f"{base}/app/dist/*/x/../../../*.js")
        for outside in ("../../shared/*.js", "~/dist/*.js", f"{tmp_path}/*.js",
                        # ".." after a wildcard climbs from the folder it matched: dist/a/../../../x is
                        # above app/, the configuration's folder, and above the checkout one more up
                        "dist/*/../../../../shared/*.js", "dist/**/../../../shared/*.js",
                        f"{top}/app/dist/*/../../../../*.js"):
            config.write_text(plain + f'[bundle]\nglobs = ["dist/*.js", "{outside}"]\n')
            cfg, _ = base_config(load_config(config), top, source.root)
            with pytest.raises(ConfigError, match=rf"^\[bundle\] globs: '{re.escape(outside)}' names files "
                                                  r"outside the git checkout"):
                bundle_in_base(cfg, top, source.root)


def test_the_urls_on_a_moved_fixed_port_measure_the_base_where_it_listens(tmp_path):
    # [serve] port = 5000 and an [api] url, a frontend page and [security.http] url written on it: the base,
    # whose listen run --base-ref moved to a free port, was measured at those URLs, which the head answers.
    # Another port and another host stay as written.
    from echotune_ci.baseref.configs import on_moved_port

    (tmp_path / "echotune.toml").write_text(
        '[serve]\ncommand = "python app.py"\nport = 5000\nready_url = "http://127.0.0.1:5000/health"\n\n'
        '[api]\nurl = "http://127.0.0.1:5000"\n\n[security.http]\nurl = "http://localhost:5000/"\n\n'
        '[[frontend.pages]]\npath = "/"\n\n[[frontend.pages]]\nurl = "http://[::1]:5000/about?x=1"\n\n'
        '[[frontend.pages]]\nurl = "http://127.0.0.1:5001/docs"\n\n'
        '[[frontend.pages]]\nurl = "http://example.com:5000/"\n')
    cfg = load_config(tmp_path / "echotune.toml")
    moved, keys = on_moved_port(cfg, 5000, 41234)
    assert sorted(keys) == ["api.url", "frontend.pages[1].url", "security.http.url"]
    assert moved.api.url == "http://127.0.0.1:41234"
    assert moved.security.http.url == "http://localhost:41234/"
    assert [p.url for p in moved.frontend.pages] == ["", "http://[::1]:41234/about?x=1",
                                                     "http://127.0.0.1:5001/docs", "http://example.com:5000/"]
    assert moved.serve == cfg.serve and moved.load is cfg.load  # the app moves its own ready URL
    assert on_moved_port(cfg, 5002, 41234) == (cfg, [])
    # The same app in other spellings: the address its own log prints ("Running on http://0.0.0.0:5000",
    # which a connection reaches: socket.create_connection(("0.0.0.0", port)) reached a listener on
    # 127.0.0.1), an upper-case scheme, a port with a leading zero. Each was left on the head's port, so
    # the base measured the head's app ("http://localhost:05000" became "http://localhost:05000:41234").
    (tmp_path / "echotune.toml").write_text(
        '[api]\nurl = "http://0.0.0.0:5000/v1"\n[security.http]\nurl = "HTTP://127.0.0.1:5000/"\n'
        '[[frontend.pages]]\nurl = "http://localhost:05000/about"\n[[frontend.pages]]\nurl = "http://[::]:5000/"\n')
    cfg = load_config(tmp_path / "echotune.toml")
    moved, keys = on_moved_port(cfg, 5000, 41234)
    assert (moved.api.url, moved.security.http.url, [p.url for p in moved.frontend.pages]) == (
        "http://0.0.0.0:41234/v1", "http://127.0.0.1:41234/", ["http://localhost:41234/about",
                                                               "http://[::]:41234/"])


def test_a_side_by_side_run_of_some_phases_names_the_results_an_earlier_run_left(tmp_path, capsys):
    """`run --base-ref ... --phase api` into the folder of an earlier full side-by-side run (the
    full-stack-fastapi-template trial): the new api.json and base/api.json stood beside the earlier run's
    load.json and security.json, whose base files were pruned, and nothing said so; `gate` on the folder then
    warned that "the base has no load results". A plain `run` names such files (the same note)."""
    from echotune_ci.baseref.sidebyside import run_side_by_side

    root = committed_repo(tmp_path, '[serve]\nbuild = "mkdir -p dist && echo x > dist/a.js"\n[run]\n'
                                    'phases = ["bundle"]\n[bundle]\nglobs = ["dist/*.js"]\n', "dist/\nout/\n")
    out = root / "out"
    (out / "base").mkdir(parents=True)
    earlier = PhaseResult("load", metrics=[Metric(name="p95_ms", value=10.0, unit="ms", better="lower")])
    earlier.write(out / "load.json")
    earlier.write(out / "base" / "load.json")
    run_side_by_side(load_config(root / "echotune.toml"), out, BaseOptions(ref="HEAD"))
    assert (out / "bundle.json").is_file() and (out / "base" / "bundle.json").is_file()
    assert not (out / "base" / "load.json").exists()  # pruned: its head is no longer this run's pair
    assert (f"note: {out} also holds load.json of an earlier run, which `gate`, `report` and `comment` on "
            "the folder read too") in capsys.readouterr().err


def test_a_head_that_gates_otherwise_than_the_base_says_what_it_changed(repo, tmp_path):
    """Both builds are gated by the head's configuration, so a pull request that loosens its own rules
    passes by them; the note said only that the files differ. It names each [gate] and [budgets] value the
    head changes (the base's defaults here: min_effect_pct 5, p95_ms's limit 10 %, api_p95_ms 200 ms), and
    the metrics its regression table no longer gates (a table written replaces the default one; the bundle's
    total stays, from bundle_growth_pct)."""
    config = repo / "app" / "echotune.toml"
    config.write_text(config.read_text() + "[gate]\nmin_effect_pct = 30\nregression = { p95_ms = 40 }\n"
                      "[budgets]\napi_p95_ms = 900\n")
    head = load_config(config)
    with worktree(repo, "HEAD") as source:
        _, notes = base_config(head, repo.resolve(), source.root)
    assert notes == ["the base's app/echotune.toml differs from the head's: both builds are measured with "
                     "the head's pages, budgets and rules, which gate otherwise than the base's: [budgets] "
                     "api_p95_ms 200 → 900, [gate] min_effect_pct 5 → 30, [gate] regression p95_ms 10 → 40, "
                     "[gate] regression no longer names api_p95_ms, cls, fcp_ms, lcp_ms, "
                     "realtime_rtt_p95_ms, rps, tbt_ms, tti_ms"]


def test_the_secrets_of_the_bases_own_serve_env_are_masked(repo, tmp_path):
    """The base's app runs with its own [serve] env; what it printed was quoted unmasked (only the head's
    configuration was registered)."""
    from echotune_ci import masking

    head = load_config(repo / "app" / "echotune.toml")
    with worktree(repo, "HEAD") as source:
        own = source.root / "app" / "echotune.toml"
        secret = '[serve]\nenv = { SIGNING_SECRET = "base-only-s3cret" }\n'
        own.write_text(own.read_text().replace("[serve]\n", secret))
        masking.clear()
        try:
            base_config(head, repo.resolve(), source.root)
            assert masking.mask("it printed: base-only-s3cret") == "it printed: ***"
        finally:
            masking.clear()
