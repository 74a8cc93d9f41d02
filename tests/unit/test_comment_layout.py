"""The PR comment puts what matters first (issue 14, kind 10): places relative to the app and the
repository, one row per rule across pages, and a short Warnings section above the details that
survives every detail level, shared with the job summary and the HTML report."""

from __future__ import annotations

import html
import re

import pytest
from conftest import ADVISORY_DB

from echotune_ci.config import defaults
from echotune_ci.gate import evaluate
from echotune_ci.report.html import render_html
from echotune_ci.report.layout import Places, collect_warnings
from echotune_ci.report.markdown import COMMENT_MARKER, WARNINGS_SHOWN, render_comment, render_summary
from echotune_ci.report.untrusted import restrict_untrusted
from echotune_ci.results import Finding, Location, Metric, PhaseResult, assign_fingerprints

APP = "http://127.0.0.1:53463"
WORKSPACE = "/home/runner/work/shop/shop"
ROOTS = (WORKSPACE,)
CPU = ("the load generator's CPU went above 90 %: its numbers may understate what the app can do; "
       "use --processes N or more machines")


def axe(rule: str, page: str, elements: int, severity: str = "high") -> Finding:
    """An axe finding as phases/frontend/axe.py writes it: the page as location, elements counted."""
    return Finding(rule, severity, f"Elements must meet minimum color contrast ratio thresholds "
                                   f"({elements} elements: h1, p)", "axe-core", Location(page),
                   help_url=f"https://dequeuniversity.com/rules/axe/4.12/{rule}",
                   context=f"{rule} {page}", properties={"elements": elements, "selectors": ["h1"]})


def frontend(pages: tuple[str, ...] = ("/", "/cart", "/about")) -> PhaseResult:
    counts = {"/": 5, "/cart": 6, "/about": 3, "/faq": 1, "/login": 2, "/search": 1}
    findings = [axe("color-contrast", f"{APP}{p}", counts[p]) for p in pages]
    findings.append(axe("image-alt", f"{APP}/", 1, "critical"))
    metrics = [Metric("accessibility_score", 80, "", "higher", budget=95, labels={"url": f"{APP}/cart"})
               .evaluate()]
    r = PhaseResult("frontend", target=", ".join(f"{APP}{p}" for p in pages), metrics=metrics,
                    findings=assign_fingerprints(findings))
    return r.finalize()


def security(*, packages: int = 0, errors: tuple[str, ...] = ()) -> PhaseResult:
    bandit = Finding("B602", "high", "subprocess call with shell=True", "bandit",
                     Location(f"{WORKSPACE}/src/shop/run.py", 30), context="subprocess.call(cmd, shell=True)")
    elsewhere = Finding("B105", "low", "Possible hardcoded password", "bandit",
                        Location("/opt/hostedtoolcache/Python/3.12.4/x64/lib/site.py", 7), context="pw")
    headers = Finding("http.csp-not-implemented", "medium", "CSP not implemented (/, -25 points)",
                      "http-headers", properties={"url": f"{APP}/"}, context="/ csp")
    headers2 = Finding("http.csp-not-implemented", "medium", "CSP not implemented (/api, -25 points)",
                       "http-headers", properties={"url": f"{APP}/api"}, context="/api csp")
    r = PhaseResult(
        "security", target=APP,
        metrics=[Metric("audit.packages", packages, "packages", labels={"ecosystem": "PyPI"}),
                 Metric("audit.skipped_packages", 3, "packages", status="warn", labels={"ecosystem": "PyPI"},
                        description="Packages that could not be audited")],
        findings=assign_fingerprints([bandit, elsewhere, headers, headers2]),
        errors=list(errors),
        notes=[f"http: 14 requests sent to {APP}", "audit: 190 npm packages have no entry in the advisory "
               "data: " + ", ".join(f"package-{i}" for i in range(190))],
    )
    return r.finalize(fail_on="high")


def load(*, cpu: bool = True) -> PhaseResult:
    why = "redis://127.0.0.1:6399/0: Redis restarted during the test, so its counters do not cover it"
    r = PhaseResult(
        "load", target=APP,
        metrics=[Metric("p95_ms", 120, "ms", budget=200).evaluate(),
                 Metric("redis_hit_ratio_pct", None, "%", "higher", budget=85, status="warn",
                        description="Keyspace hits / lookups during the test: not measured."),
                 Metric("redis_evicted_keys", None, "", status="warn",
                        description="Keys evicted during the test: not measured.")],
        notes=[f"20 users, 675 requests in 10.0s against {APP} (stopped by duration)",
               f"redis: redis_hit_ratio_pct, redis_evicted_keys not measured: {why}"],
        warnings=[CPU] if cpu else [],
    )
    return r


def all_results(**kw) -> list[PhaseResult]:
    return [security(**kw), frontend(), load()]


def comment(results: list[PhaseResult], **kw) -> str:
    return render_comment(results, outcome=evaluate(results, defaults()), roots=ROOTS, **kw)


def warnings_block(body: str) -> list[str]:
    """The lines of the Warnings section (its list items)."""
    start = body.index("### ⚠️ Warnings")
    block = body[start:].split("\n\n", 2)[1]
    return block.splitlines()


# --------------------------------------------------------------------------- places


def test_app_urls_lose_their_random_port_everywhere():
    body = comment(all_results(packages=15))
    assert "53463" not in body and "127.0.0.1" not in body.replace("redis:​//127.0.0.1:6399", "")
    assert "| `/cart` |" in body                                      # the metric's scope
    assert "20 users, 675 requests in 10.0s against the app" in body  # notes read as text
    assert "http: 14 requests sent to the app" in body


def test_file_paths_are_relative_to_the_repository_never_the_runners():
    body = comment(all_results(packages=15))
    assert "| `src/shop/run.py:30` |" in body
    # A file outside the repository keeps only enough to recognise it.
    assert "| `…/lib/site.py:7` |" in body
    assert "/home/runner" not in body and "/opt/hostedtoolcache" not in body


def test_places_keep_external_urls_and_other_apps():
    places = Places.of([PhaseResult("frontend", target=f"{APP}/, https://cdn.example.com/x")], roots=ROOTS)
    assert places.url(f"{APP}/a?b=1") == "/a?b=1"
    assert places.url(f"{APP}") == "/"
    assert places.url("https://cdn.example.com/x") == "https://cdn.example.com/x"
    assert places.url("http://127.0.0.1:5346/") == "http://127.0.0.1:5346/"  # another port, another app
    assert places.text(f"to {APP}0/x and {APP}/y") == f"to {APP}0/x and /y"
    assert places.path(f"{WORKSPACE}/a.py") == "a.py" and places.path("rel/a.py") == "rel/a.py"
    # The app's own target, when it names one site, is the app wherever it is deployed.
    staging = Places.of([PhaseResult("load", target="https://staging.shop.example")], roots=())
    assert staging.url("https://staging.shop.example/cart") == "/cart"


def test_the_bases_app_on_this_machine_is_named_not_its_port():
    """`run --base-ref` on microblog: the comment's load notes read "head: 20 users, 1661 requests in
    25.0s against the app" and "base: 20 users, 1621 requests in 25.0s against http://127.0.0.1:60219", a
    port of that run's only."""
    base_app = "http://127.0.0.1:60219"
    notes = [f"base: 20 users, 1621 requests in 25.0s against {base_app} (stopped by duration)",
             f"head: 20 users, 1661 requests in 25.0s against {APP} (stopped by duration)"]
    head = PhaseResult("load", target=APP, notes=notes).finalize()
    base = PhaseResult("load", target=base_app).finalize()
    body = render_comment([head], outcome=evaluate([head], defaults(), [base]))
    assert "base: 20 users, 1621 requests in 25.0s against the base's app" in body
    assert "head: 20 users, 1661 requests in 25.0s against the app" in body
    assert "60219" not in body
    page = render_html([head], evaluate([head], defaults(), [base]))
    assert "against the base&#39;s app" in page and "60219" not in page
    # A base elsewhere (load --base-host https://staging...) keeps its host: it says where that was.
    remote = "https://staging.shop.example"
    head = PhaseResult("load", target=APP, notes=[f"base: 5 users against {remote}"]).finalize()
    body = render_comment([head], outcome=evaluate([head], defaults(),
                                                    [PhaseResult("load", target=remote).finalize()]))
    assert "against https:" in body and "staging.shop.example" in body


def test_github_workspace_is_a_root(monkeypatch, tmp_path):
    monkeypatch.setenv("GITHUB_WORKSPACE", WORKSPACE)
    monkeypatch.chdir(tmp_path)
    places = Places.of([security()])
    assert places.path(f"{WORKSPACE}/src/a.py") == "src/a.py"
    assert places.path(f"{tmp_path}/b.py") == "b.py"


# --------------------------------------------------------------------------- one row per rule


def test_one_rule_on_three_pages_is_one_row():
    body = comment([frontend()])
    rows = [line for line in body.splitlines() if "color-contrast" in line]
    assert len(rows) == 1
    row = rows[0]
    assert "3 pages, 14 elements: `/`, `/about`, `/cart`" in row
    # The message without the per-page "(5 elements: h1, p)" part.
    assert row.endswith("| Elements must meet minimum color contrast ratio thresholds |")
    assert "frontend: 4 finding(s) in 2 row(s)" in body
    # Most severe first: the critical rule's row comes before the grouped one.
    assert body.index("image-alt") < body.index("color-contrast")


def test_many_pages_are_listed_compactly():
    body = comment([frontend(("/", "/cart", "/about", "/faq", "/login", "/search"))])
    row = next(line for line in body.splitlines() if "color-contrast" in line)
    assert "6 pages, 18 elements: `/`, `/about`, `/cart`, `/faq` +2 more |" in row


def test_header_findings_on_two_pages_share_a_row_and_files_do_not():
    body = comment([security(packages=15)])
    csp = [line for line in body.splitlines() if "http.csp-not-implemented" in line]
    assert len(csp) == 1 and "2 pages: `/`, `/api`" in csp[0] and csp[0].endswith("| CSP not implemented |")
    assert len([line for line in body.splitlines() if "| B" in line and "bandit" not in line]) == 2


# --------------------------------------------------------------------------- warnings


def test_warnings_come_above_the_details_most_important_first():
    results = all_results(errors=("audit: the OSV API at https://api.osv.dev answered HTTP 503",))
    body = comment(results)
    lines = warnings_block(body)
    assert lines == [
        "- 💥 **security**: audit: the OSV API at https:\u200b//api.osv.dev answered HTTP 503",
        "- ⚠️ **load**: the load generator's CPU went above 90 %: its numbers may understate what the app "
        "can do; use --processes N or more machines",
        "- ⚠️ **security**: the dependency audit checked 0 packages \\(PyPI\\): nothing was audited",
        "- ⚠️ **security**: Packages that could not be audited \\(PyPI\\): 3 packages",
        "- ⚠️ **load**: redis: redis\\_hit\\_ratio\\_pct, redis\\_evicted\\_keys not measured: redis:\u200b//"
        "127.0.0.1:6399/0: Redis restarted during the test, so its counters do not cover it",
    ]
    assert body.index("### ⚠️ Warnings") < body.index("<details")
    # A check that could not run says why once, in the Warnings, not again under "What failed".
    assert body.count("answered HTTP 503") == 1
    # The note that became a warning is not repeated under the details.
    assert body.count("Redis restarted during the test") == 1


def test_a_passing_run_with_warnings_says_so_in_its_heading():
    r = load()
    body = render_comment([r], outcome=evaluate([r], defaults()), roots=ROOTS)
    heading = body.splitlines()[1]
    assert heading.startswith("## ") and heading.endswith("· 2 warnings")


def test_no_warnings_no_section():
    r = PhaseResult("load", target=APP, metrics=[Metric("p95_ms", 10, "ms", budget=200).evaluate()])
    body = comment([r])
    assert "Warnings" not in body and "warning" not in body.splitlines()[1]


def test_an_audit_warning_of_the_phase_is_not_repeated():
    r = security(packages=0)
    r.warnings.append("audit: 0 packages audited: requirements.txt holds no pinned package")
    texts = [w.text for w in collect_warnings([r], Places.of([r], roots=ROOTS))]
    assert texts.count("audit: 0 packages audited: requirements.txt holds no pinned package") == 1
    assert not any("checked 0 packages" in t for t in texts)
    # "190 packages" is not "0 packages".
    other = security(packages=0)
    other.warnings.append("audit: 190 packages could not be audited")
    found = collect_warnings([other], Places.of([other], roots=ROOTS))
    assert any("checked 0 packages" in w.text for w in found)


def test_an_audit_that_checked_nothing_is_one_warning(tmp_path):
    """A real run: `security --only audit` of a requirements file that pins nothing (the phase's own
    warning, written by the audit check) gives one line, not one more for its 0 skipped packages."""
    (tmp_path / "requirements.txt").write_text("# nothing pinned\n")
    from echotune_ci.phases.base import PhaseContext
    from echotune_ci.phases.security.phase import SECURITY, settings_for_command
    from echotune_ci.phases.security.settings import SecuritySettings

    settings = settings_for_command(SecuritySettings(), requirements=[tmp_path / "requirements.txt"],
                                    only=["audit"], advisory_db=ADVISORY_DB)
    r = SECURITY.run(settings, PhaseContext(artifacts_dir=tmp_path, base_dir=tmp_path, root=tmp_path))
    lines = warnings_block(comment([r]))
    assert len(lines) == 1 and "0 packages" in lines[0] and lines[0].startswith("- ⚠️ **security**: ")


def test_at_most_eight_one_line_warnings():
    results = [PhaseResult(f"shard-{i}", status="error", errors=[f"worker {i} lost:\n" + "x" * 400])
               for i in range(20)]
    body = comment(results)
    lines = warnings_block(body)
    assert len(lines) == WARNINGS_SHOWN
    assert lines[-1] == "- …and 13 more in the full report"
    assert all(len(line) < 380 for line in lines)
    # The middle gives way, not the end: an error's last words are where it says what went wrong.
    assert lines[0].startswith("- 💥 **shard-0**: worker 0 lost: xxx") and " … xxx" in lines[0]
    assert lines[0].endswith("x")
    summary = render_summary(results, outcome=evaluate(results, defaults()), roots=ROOTS)
    assert len(warnings_block(summary)) == 20  # the job summary lists every one


@pytest.mark.parametrize("max_chars", [65_536, 20_000, 6_000, 3_000])
def test_warnings_survive_every_detail_level_and_the_cut(max_chars):
    many = [Finding(f"R{i % 50}", "medium", "x" * 250 + f" finding number {i}", "bandit",
                    Location(f"pkg/mod{i}.py", i), context=f"line {i}") for i in range(3000)]
    big = PhaseResult("security", target=APP, findings=assign_fingerprints(many),
                      metrics=[Metric("audit.packages", 0, "packages", labels={"ecosystem": "npm"})],
                      notes=[f"note {i} " + "y" * 200 for i in range(200)]).finalize(fail_on="high")
    shards = [PhaseResult(f"shard-{i}", status="error", errors=[f"worker {i} lost"]) for i in range(150)]
    results = [big, load(), *shards]
    body = comment(results, max_chars=max_chars, details_url="https://ci.example/run/1")
    assert len(body) <= max_chars and body.startswith(COMMENT_MARKER)
    lines = warnings_block(body)
    assert lines[0] == "- 💥 **shard-0**: worker 0 lost" and len(lines) == WARNINGS_SHOWN
    assert body.count("<details>") == body.count("</details>")
    details = body.find("<details")
    assert details == -1 or body.index("### ⚠️ Warnings") < details


def test_a_long_warning_keeps_what_to_do_at_its_end():
    from echotune_ci.baseref.sidebyside import failure_text

    printed = " | ".join(["Traceback (most recent call last):",
                          *[f'  File "/srv/app/mod{i}.py", line {i}, in f{i}' for i in range(12)],
                          "ModuleNotFoundError: No module named 'flask_limiter'"])
    why = failure_text("--base-ref HEAD~1", f"serve command exited with code 1; it printed: {printed}",
                       ["setup"])
    port = ('no comparison with the base: its listen on port 3000 ([serve] port, where the head is served) '
            'was not moved to port 41234: the NODE_OPTIONS and PYTHONPATH preloads miss Bun, Deno, Go, '
            '`python -I` or `-S` and a script that sets those itself; make the app take its port from PORT '
            'and set port = "auto" to measure both')
    said = [f"no comparison with the base: {why}", port]
    lines = warnings_block(comment([PhaseResult("frontend", warnings=said)]))
    assert len(why) > 600 and len(lines) == 2
    base, fixed = (line.removeprefix("- ⚠️ **frontend**: ") for line in lines)
    assert base.startswith("no comparison with the base: the base \\(--base-ref HEAD\\~1, built with its own "
                           "\\[serve\\] setup, not the head's\\) could not be measured "
                           "\\(ModuleNotFoundError: No module named 'flask\\_limiter'\\)")
    assert base.endswith("commit it to the base branch, or prepare a base with --base-dir") and " … " in base
    assert fixed.endswith('set port = "auto" to measure both') and "…" not in fixed


def test_an_installers_error_code_comes_first_in_the_bases_warning():
    """A base built with its own [serve] setup, which the pnpm here refused: the comment read "serve.setup
    failed with exit code 1 (pnpm … a fix in the head's configuration ...", the reason cut from the middle
    (what pnpm 9.15 printed: tests/fixtures/step-output/pnpm-9.15-lockfile-5.4.txt)."""
    from pathlib import Path

    from echotune_ci.baseref.sidebyside import failure_text
    from echotune_ci.serve.output import summarise

    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "step-output"
    for name, code in (("pnpm-9.15-lockfile-5.4.txt", "ERR_PNPM_LOCKFILE_BREAKING_CHANGE"),
                       ("npm-11.19-ci-tarball-404.txt", "E404")):
        printed = summarise((fixtures / name).read_text(encoding="utf-8").splitlines())
        why = failure_text("--base-ref HEAD~2", f"serve.setup failed with exit code 1 (pnpm install "
                           f"--frozen-lockfile){printed}", ["setup", "build"])
        assert why.startswith("the base (--base-ref HEAD~2, built with its own [serve] setup, [serve] "
                              f"build, not the head's) could not be measured ({code}): serve.setup failed")
        said = [f"no comparison with the base: {why}"]
        line, = warnings_block(comment([PhaseResult("bundle", warnings=said)]))
        assert code.replace("_", "\\_") in line.split(" … ")[0], line
    # output that names no installer's code is quoted as before
    plain = failure_text("--base-ref HEAD", "serve.build failed with exit code 2; it printed: make: Error 2")
    assert plain == ("the base (--base-ref HEAD) could not be measured: serve.build failed with exit code 2; "
                     "it printed: make: Error 2")


def test_the_job_summary_and_the_html_report_show_the_same_warnings():
    results = all_results()
    outcome = evaluate(results, defaults())
    expected = [w.text for w in collect_warnings(outcome.results, Places.of(outcome.results, roots=ROOTS))]
    summary = render_summary(outcome.results, outcome=outcome, roots=ROOTS)
    assert len(warnings_block(summary)) == len(expected) == 4
    page = render_html(outcome.results, outcome, roots=ROOTS)
    items = re.findall(r'<li class="(?:warn|error)"><strong>([^<]*)</strong>: ([^<]*)</li>', page)
    assert [html.unescape(text) for _, text in items] == expected
    assert page.index("<h2>Warnings</h2>") < page.index("<h2>security</h2>")
    assert "53463" not in page.split("<h2>Phases</h2>")[1].split("</table>", 1)[1]  # target column aside
    assert "<code>src/shop/run.py:30</code>" in page


def test_a_forks_warnings_are_withheld_but_its_numbers_still_warn():
    r = security(packages=0)
    r.warnings.append("see @octocat's [link](https://evil.example)")
    body = comment(restrict_untrusted([r]), untrusted=True)
    lines = warnings_block(body)
    assert "octocat" not in body and "evil.example" not in body
    assert any("1 warning\\(s\\) withheld" in line for line in lines)
    assert any("checked 0 packages" in line for line in lines)


def test_long_notes_are_cut_in_the_comment():
    body = comment([security(packages=15)])
    note = next(line for line in body.splitlines() if "have no entry in the advisory" in line)
    assert len(note) < 340 and note.endswith("...")
    assert "package-189" not in body


def test_the_load_phase_reports_a_saturated_generator_as_a_warning(tmp_path):
    from echotune_ci.phases.base import PhaseContext
    from echotune_ci.phases.load.phase import CPU_WARNING, _fill
    from echotune_ci.phases.load.plan import build_plan
    from echotune_ci.phases.load.settings import LoadSettings

    ctx = PhaseContext(artifacts_dir=tmp_path, base_url=APP, allow_hosts=("127.0.0.1",))
    plan = build_plan(LoadSettings(), ctx)
    entry = {"name": "/api", "method": "GET", "requests": 100, "failures": 0, "p50": 5, "p95": 9, "p99": 12,
             "max": 15, "rps": 10.0}
    round_ = {"label": "head", "total": entry, "entries": [entry], "errors": [], "exceptions": [],
              "cpu_warning": True, "users": 20, "workers": 1, "wall_s": 10.0, "host": APP,
              "stopped_by": "duration"}
    result = PhaseResult("load", target=APP)
    _fill(result, plan, ctx, [round_])
    assert result.warnings == [CPU_WARNING] and CPU_WARNING not in result.notes


def test_warnings_are_escaped_like_every_other_field():
    r = load(cpu=False)
    r.warnings.append("ping @octocat <img src=x onerror=alert(1)> | col\n## not a heading [x](https://evil.example)")
    body = comment([r])
    line = next(line for line in warnings_block(body) if "octocat" in line)
    assert "@\u200boctocat" in line and "<img" not in line and "\\| col" in line
    assert "\n## not" not in body and "](https" not in body
    page = render_html([r], evaluate([r], defaults()), roots=ROOTS)
    assert "<img src=x" not in page and "&lt;img src=x" in page


def test_a_warning_several_phases_give_is_one_line_naming_them():
    failure = "no comparison with the base: --base-ref main: its build failed (exit 1)"
    results = [PhaseResult(name, target=APP, warnings=[failure]) for name in ("security", "frontend", "load")]
    results[2].warnings.append(CPU)
    results[1].errors.append(failure)  # frontend says it as an error: its warning is not said again
    shown = [(w.phase, w.level, w.text) for w in collect_warnings(results, Places.of(results, roots=ROOTS))]
    assert shown == [("frontend", "error", failure), ("security, load", "warn", failure),
                     ("load", "warn", CPU)]
    body = comment(results)
    assert body.count("no comparison with the base") == 2
    assert "- ⚠️ **security, load**: no comparison with the base: " in body


def test_a_note_two_phases_turn_into_one_warning_is_not_repeated_under_either():
    why = "redis_hit_ratio_pct not measured: the Redis server restarted during the run"
    results = [PhaseResult(name, target=APP, notes=[why],
                           metrics=[Metric("redis_hit_ratio_pct", None, "%", "higher", status="warn")])
               for name in ("frontend", "load")]
    body = comment(results).replace("\\_", "_")
    assert body.count(why) == 1  # twice more, once under each phase's notes, when phases were compared
    assert f"- ⚠️ **frontend, load**: {why}" in body


def test_an_untrusted_runs_withheld_counts_stay_one_line_per_phase():
    results = [PhaseResult(name, target=APP, warnings=[f"{name} saw something"])
               for name in ("security", "frontend", "load")]
    body = comment(restrict_untrusted(results))
    assert body.splitlines()[1].endswith("· 3 warnings")
    assert warnings_block(body) == [f"- ⚠️ **{name}**: 1 warning\\(s\\) withheld \\(untrusted run\\): see the "
                                    "gate's workflow run" for name in ("security", "frontend", "load")]


def test_a_phase_that_names_itself_is_named_once():
    """`echotune-ci api` alone says "api: no OpenAPI document found ..." (which phase spoke); in a report,
    which names the phase before each line, that read "**api**: api: no OpenAPI document found"."""
    api = PhaseResult("api", status="error", errors=["api: cannot reach the app at http://127.0.0.1:5000"],
                      warnings=["api: no OpenAPI document found, the contract test was skipped",
                                "api: cannot reach the app at http://127.0.0.1:5000"])
    security = PhaseResult("security", warnings=["api: a check of the security phase named api"])
    shown = [(w.phases, w.text) for w in collect_warnings([api, security])]
    assert shown == [(("api",), "cannot reach the app at http://127.0.0.1:5000"),
                     (("api",), "no OpenAPI document found, the contract test was skipped"),
                     (("security",), "api: a check of the security phase named api")]
    body = render_comment([api], outcome=evaluate([api], defaults()), roots=ROOTS)
    assert "**api**: no OpenAPI document found" in body and "api: api:" not in body
