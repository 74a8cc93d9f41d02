"""`echotune-ci bundle` on real builds of the example app (normal and regress); no app is started
(`run` with the app serving the build: tests/integration/test_bundle_run.py)."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import brotli
import pytest

from conftest import run_cli
from support.bundle_builds import project_with_build

from echotune_ci.config import load_config
from echotune_ci.phases.base import PhaseContext
from echotune_ci.phases.bundle.phase import PHASE
from echotune_ci.results import PhaseResult, load_result




@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bundle")
    return {
        "normal": project_with_build(tmp / "normal", regress=False),
        "regress": project_with_build(tmp / "regress", regress=True),
    }


def expected_sizes(path: Path) -> tuple[int, int, int]:
    data = path.read_bytes()
    gz = len(gzip.compress(data, compresslevel=9, mtime=0))
    return len(data), gz, len(brotli.compress(data, quality=11))


def metric(result, name, **labels):
    m = result.metric(name, **labels)
    assert m is not None, f"{name} {labels} missing"
    return m


def test_normal_build_passes_with_exact_sizes(builds, cli_env, tmp_path):
    project = builds["normal"]
    out = tmp_path / "results" / "bundle.json"
    proc = run_cli("bundle", "--config", str(project / "echotune.toml"), "--output", str(out), env=cli_env)
    assert proc.returncode == 0, proc.stderr
    result = load_result(out)  # schema-valid
    assert result.status == "pass"
    totals = [0, 0, 0]
    for name in ("app.js", "app.css"):
        raw, gz, br = expected_sizes(project / "static" / "dist" / name)
        label = f"static/dist/{name}"
        assert metric(result, "bundle_file_raw_bytes", file=label).value == raw
        assert metric(result, "bundle_file_gzip_bytes", file=label).value == gz
        assert metric(result, "bundle_file_brotli_bytes", file=label).value == br
        totals = [totals[0] + raw, totals[1] + gz, totals[2] + br]
    assert [metric(result, f"bundle_total_{k}_bytes").value for k in ("raw", "gzip", "brotli")] == totals
    assert all(metric(result, f"bundle_total_{k}_bytes").unit == "bytes" for k in ("raw", "gzip", "brotli"))
    assert 1000 < totals[0] < 5000 and totals[2] < totals[1] < totals[0]
    js_limit = metric(result, "bundle_limit_gzip_bytes", glob="static/dist/*.js")
    assert js_limit.budget == 10 * 1024 and js_limit.status == "pass"
    assert result.tool_versions["brotli"] and result.tool_versions["zlib"]
    assert "bundle_total_gzip_bytes" in proc.stdout


def test_regress_build_breaks_the_absolute_limit(builds, cli_env, tmp_path):
    out = tmp_path / "bundle.json"
    proc = run_cli("bundle", "--config", str(builds["regress"] / "echotune.toml"), "-o", str(out),
                   env=cli_env)
    assert proc.returncode == 1, proc.stderr
    result = load_result(out)
    assert result.status == "fail"
    js_limit = metric(result, "bundle_limit_gzip_bytes", glob="static/dist/*.js")
    assert js_limit.status == "fail" and js_limit.value > 30_000
    assert metric(result, "bundle_limit_gzip_bytes", glob="static/dist/*.css").status == "pass"
    assert metric(result, "bundle_total_raw_bytes").value > 70_000


def test_growth_against_base_result(builds, cli_env, tmp_path):
    base = tmp_path / "base-results" / "bundle.json"
    head = tmp_path / "results" / "bundle.json"
    # Globs on the command line are relative to the working folder.
    assert run_cli("bundle", "static/dist/*.js", "static/dist/*.css", "-o", str(base),
                   cwd=builds["normal"], env=cli_env).returncode == 0
    proc = run_cli("bundle", "static/**/*.js", "static/**/*.css", "--baseline", str(base), "-o", str(head),
                   cwd=builds["regress"], env=cli_env)
    assert proc.returncode == 1, proc.stderr
    result = load_result(head)
    base_result = load_result(base)
    growth = metric(result, "bundle_growth_pct")
    base_gzip = metric(base_result, "bundle_total_gzip_bytes").value
    head_gzip = metric(result, "bundle_total_gzip_bytes").value
    assert growth.value == pytest.approx((head_gzip - base_gzip) / base_gzip * 100, rel=1e-6)
    assert growth.budget == 5.0 and growth.status == "fail" and growth.unit == "%"
    assert metric(result, "bundle_total_gzip_bytes").baseline == base_gzip
    js = metric(result, "bundle_file_gzip_bytes", file="static/dist/app.js")
    assert js.baseline == metric(base_result, "bundle_file_gzip_bytes", file="static/dist/app.js").value
    assert metric(result, "bundle_file_gzip_bytes", file="static/dist/app.css").baseline is not None
    # The file that changed most is listed for the report; the unchanged CSS is not.
    changed = [n for n in result.notes if "app.js" in n]
    assert changed and changed[0].strip().startswith("grown static/dist/app.js")
    assert not any("app.css" in n for n in result.notes)
    assert "grown static/dist/app.js" in proc.stdout

    # A generous growth budget on the command line lets the growth pass; the
    # absolute limit of the config discovered in the working folder still fails.
    proc = run_cli("bundle", "static/dist/*", "--baseline", str(base), "--max-growth", "100000",
                   "-o", str(head),
                   cwd=builds["regress"], env=cli_env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    result = load_result(head)
    assert metric(result, "bundle_growth_pct").status == "pass"
    assert [m.name for m in result.metrics if m.status == "fail"] == ["bundle_limit_gzip_bytes"]
    # The same build against itself does not grow.
    proc = run_cli("bundle", "static/dist/*", "--baseline", str(base), "-o", str(head),
                   cwd=builds["normal"], env=cli_env)
    assert proc.returncode == 0
    result = load_result(head)
    assert metric(result, "bundle_growth_pct").value == 0
    assert any("no file changed" in n for n in result.notes)


def test_hashed_names_pair_with_their_base(builds, cli_env, tmp_path):
    base_tree = tmp_path / "base" / "dist" / "assets"
    head_tree = tmp_path / "head" / "dist" / "assets"
    base_tree.mkdir(parents=True)
    head_tree.mkdir(parents=True)
    normal, regress = builds["normal"] / "static" / "dist", builds["regress"] / "static" / "dist"
    shutil.copy(normal / "app.js", base_tree / "app.3f2a1c9e.js")
    shutil.copy(normal / "app.css", base_tree / "index-BwJ3kL9a.css")
    shutil.copy(normal / "app.js", base_tree / "legacy.js")
    shutil.copy(regress / "app.js", head_tree / "app.9b8d7e6f.js")
    shutil.copy(regress / "app.css", head_tree / "index-C41xYz0q.css")
    (head_tree / "chunk.0a1b2c3d.js").write_text("console.log('lazy chunk');\n" * 40)
    base_out, head_out = tmp_path / "base.json", tmp_path / "head.json"
    assert run_cli("bundle", "dist/**/*.js", "dist/**/*.css", "-o", str(base_out),
                   cwd=tmp_path / "base", env=cli_env).returncode == 0
    run_cli("bundle", "dist/**/*.js", "dist/**/*.css", "--baseline", str(base_out), "-o", str(head_out),
            cwd=tmp_path / "head", env=cli_env)
    result = load_result(head_out)
    js = metric(result, "bundle_file_gzip_bytes", file="dist/assets/app.9b8d7e6f.js")
    assert js.baseline == expected_sizes(normal / "app.js")[1]
    assert js.description == "was dist/assets/app.3f2a1c9e.js in the base"
    css = metric(result, "bundle_file_gzip_bytes", file="dist/assets/index-C41xYz0q.css")
    assert css.value == css.baseline
    added = metric(result, "bundle_file_gzip_bytes", file="dist/assets/chunk.0a1b2c3d.js")
    assert added.baseline == 0 and added.description == "added since the base"
    removed = metric(result, "bundle_file_gzip_bytes", file="dist/assets/legacy.js")
    assert removed.value == 0 and removed.baseline == expected_sizes(normal / "app.js")[1]
    kinds = {n.split()[0]: n for n in (n.strip() for n in result.notes)
             if n.split()[0] in ("grown", "added", "removed", "shrunk")}
    assert set(kinds) == {"grown", "added", "removed"}
    assert "(was dist/assets/app.3f2a1c9e.js)" in kinds["grown"]
    # Biggest change first.
    listed = [n.strip().split()[0] for n in result.notes if n.startswith("  ")]
    assert listed[0] == "grown"

    # A result that lists a removed file can itself serve as a base: the
    # zero-sized placeholder must not come back as a file.
    again = tmp_path / "again.json"
    run_cli("bundle", "dist/**/*.js", "dist/**/*.css", "--baseline", str(head_out), "-o", str(again),
            cwd=tmp_path / "head", env=cli_env)
    assert not any("legacy.js" in n for n in load_result(again).notes)
    assert load_result(again).metric("bundle_file_gzip_bytes", file="dist/assets/legacy.js") is None


def test_phase_run_reads_the_bundle_section(builds, cli_env, tmp_path):
    project = builds["regress"]
    base = tmp_path / "base.json"
    run_cli("bundle", "--config", str(builds["normal"] / "echotune.toml"), "-o", str(base), env=cli_env)
    cfg_path = tmp_path / "echotune.toml"
    text = (project / "echotune.toml").read_text().replace(
        "[bundle]\n", f'[bundle]\nbaseline = "{base}"\nmax_total_brotli = "20KB"\ntop_changes = 1\n'
    )
    cfg_path.write_text(text)
    (tmp_path / "static").symlink_to(project / "static")
    cfg = load_config(cfg_path)
    seen: list[str] = []
    ctx = PhaseContext.for_config(cfg, tmp_path / "artifacts", progress=seen.append)
    result = PHASE.run(cfg.bundle, ctx)
    assert result.status == "fail"
    assert seen == ["bundle: sizing 2 files"]
    brotli_total = metric(result, "bundle_total_brotli_bytes")
    assert brotli_total.budget == 20 * 1024 and brotli_total.status == "fail"
    assert metric(result, "bundle_growth_pct").status == "fail"
    assert metric(result, "bundle_limit_gzip_bytes", glob="static/dist/*.js").status == "fail"
    assert sum(1 for n in result.notes if n.startswith("  ")) == 1


def _one_line_error(proc, exit_code: int = 2) -> str:
    assert proc.returncode == exit_code, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("echotune-ci: error: "), proc.stderr
    return lines[0]


def test_no_matching_file_is_a_clear_error(cli_env, tmp_path):
    out = tmp_path / "out" / "bundle.json"
    line = _one_line_error(run_cli("bundle", "dist/**/*.js", "dist/**/*.css", "-o", str(out),
                                   cwd=tmp_path, env=cli_env))
    assert "'dist/**/*.js'" in line and "'dist/**/*.css'" in line
    assert not out.exists() and not out.parent.exists()


@pytest.mark.parametrize("content, expected", [
    (None, "result file not found"),
    ("{not json", "not JSON"),
    (json.dumps({"phase": "bundle"}), "not an EchoTune result file"),
])
def test_unreadable_baseline_names_the_file(builds, cli_env, tmp_path, content, expected):
    baseline = tmp_path / "base.json"
    if content is not None:
        baseline.write_text(content)
    out = tmp_path / "bundle.json"
    line = _one_line_error(run_cli("bundle", "static/dist/*.js", "--baseline", str(baseline), "-o", str(out),
                                   cwd=builds["normal"], env=cli_env))
    assert str(baseline) in line and expected in line
    assert not out.exists()


def test_baseline_of_another_phase_is_refused(builds, cli_env, tmp_path):
    baseline = tmp_path / "load.json"
    PhaseResult(phase="load").write(baseline)
    line = _one_line_error(run_cli("bundle", "static/dist/*.js", "--baseline", str(baseline),
                                   cwd=builds["normal"], env=cli_env))
    assert str(baseline) in line and "expected a bundle result" in line


@pytest.mark.parametrize("section, expected", [
    ('[bundle]\nglobs = ["static/dist/*.js"]\n[[bundle.limits]]\nglob = "static/dist/*.js"\n',
     "'bundle.limits[0]' needs max_gzip"),
    ('[bundle]\nglobs = ["static/dist/*.js"]\n[[bundle.limits]]\nglob = "static/dist/*.mjs"\nmax_gzip = 10\n',
     "'bundle.limits[0].glob' 'static/dist/*.mjs' matches none"),
    ('[bundle]\nglobs = ["static/dist/*.js"]\nmax_total_gzip = "ten kilobytes"\n', "bundle.max_total_gzip"),
    ('[bundle]\nglob = ["static/dist/*.js"]\n', "unknown key 'bundle.glob' (did you mean 'globs'?)"),
    ('[bundle]\nglobs = []\n', "no globs to measure"),
])
def test_config_mistakes_are_named(builds, cli_env, tmp_path, section, expected):
    cfg = tmp_path / "echotune.toml"
    cfg.write_text(section)
    (tmp_path / "static").symlink_to(builds["normal"] / "static")
    line = _one_line_error(run_cli("bundle", "--config", str(cfg), env=cli_env))
    assert expected in line and str(cfg) in line


def test_bad_max_total_is_a_usage_error(builds, cli_env):
    line = _one_line_error(run_cli("bundle", "static/dist/*", "--max-total", "lots", cwd=builds["normal"],
                                   env=cli_env))
    assert "--max-total" in line and "'lots'" in line


def test_max_total_on_the_command_line(builds, cli_env, tmp_path):
    out = tmp_path / "bundle.json"
    proc = run_cli("bundle", "static/dist/*", "--max-total", "1KB", "-o", str(out), cwd=builds["normal"],
                   env=cli_env)
    assert proc.returncode == 1
    total = metric(load_result(out), "bundle_total_gzip_bytes")
    assert total.budget == 1024 and total.value > 1024 and total.status == "fail"
