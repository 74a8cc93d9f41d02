"""A failed Yarn install quoted by its reason: Yarn 2+'s message codes, Yarn 1's "error " lines, and the
build log a Yarn 2+ package build writes its output to (see tests/fixtures/step-output/README.md)."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from echotune_ci.serve.output import important_lines, summarise, yarn_build_hint, yarn_setting_hint
from echotune_ci.serve.steps import StepFailed, run_step

OUTPUTS = Path(__file__).resolve().parents[1] / "fixtures" / "step-output"
# the log folders Yarn named in yarn-4.3-install-build-failed.txt for better-sqlite3 and for bcrypt
LOGGED, BCRYPT_LOGGED = "/tmp/xfs-e337691e/build.log", "/tmp/xfs-c98cd5cb/build.log"


def printed(name: str) -> list[str]:
    return (OUTPUTS / name).read_text(encoding="utf-8").splitlines()


def with_log(tmp_path: Path) -> list[str]:
    """The failed install's output, its better-sqlite3 log at a path of the test's own, bcrypt's at one
    where there is none."""
    log = tmp_path / "xfs-e337691e" / "build.log"
    log.parent.mkdir()
    log.write_text((OUTPUTS / "yarn-4.3-better-sqlite3-build.log").read_text(encoding="utf-8"))
    gone = str(tmp_path / "gone" / "build.log")
    return [line.replace(LOGGED, str(log)).replace(BCRYPT_LOGGED, gone)
            for line in printed("yarn-4.3-install-build-failed.txt")]


def test_a_yarn_4_tarball_404_is_quoted_without_its_peer_warnings_and_frames():
    # The quote was the last twelve lines: the peer-dependency warnings (YN0002, YN0086) and the steps'
    # frames (YN0000) first, the 404 of @actual-app/web 24.7.0 in the middle a comment's cut drops.
    assert important_lines(printed("yarn-4.3-install-tarball-404.txt")) == [
        "YN0035: @actual-app/web@npm:24.7.0: Package not found",
        "YN0035: Response Code: 404 (Not Found)",
        "YN0035: Request Method: GET",
        "YN0035: Request URL: https://registry.yarnpkg.com/@actual-app/web/-/web-24.7.0.tgz",
    ]


def test_a_yarn_4_build_failure_quotes_the_build_and_what_its_log_says(tmp_path):
    lines = with_log(tmp_path)
    shown = important_lines(lines)
    assert [line.split(" couldn't")[0] for line in shown] == [
        "YN0009: better-sqlite3@npm:11.7.0", "YN0009: bcrypt@npm:5.1.1"]
    hint = yarn_build_hint(lines)
    log = tmp_path / "xfs-e337691e" / "build.log"
    assert hint.startswith(f"; the build log of better-sqlite3@npm:11.7.0 ({log}) "
                           "says: gyp http fetch GET https://nodejs.org/download/release/v20.20.2/node-v20.20.2"
                           "-headers.tar.gz attempt 1 failed with ENOTFOUND | ")
    # prebuild-install's warning is not the reason; what to do where nodejs.org cannot be reached is
    assert "prebuild-install warn" not in hint
    assert hint.endswith("set npm_config_nodedir in [serve] env to the prefix of a Node install that has "
                         "include/node (/usr for Debian's nodejs and libnode-dev)")


def test_a_yarn_build_log_that_cannot_be_read_gives_way_to_the_next(tmp_path):
    # bcrypt's log is not the test's: better-sqlite3's, named after it, is quoted
    lines = with_log(tmp_path)
    first, second = (i for i, line in enumerate(lines) if "YN0009" in line)
    lines[first], lines[second] = lines[second], lines[first]
    assert yarn_build_hint(lines).startswith("; the build log of better-sqlite3@npm:11.7.0 (")


def test_a_yarn_build_log_that_is_gone_adds_nothing(tmp_path):
    lines = [f"➤ YN0009: │ x@npm:1.0.0 couldn't be built successfully (exit code 1, logs can be found here: "
             f"{tmp_path}/gone/build.log)"]
    assert yarn_build_hint(lines) == ""
    assert summarise(lines) == ("; it printed: YN0009: x@npm:1.0.0 couldn't be built successfully (exit "
                                f"code 1, logs can be found here: {tmp_path}/gone/build.log)")


@pytest.mark.parametrize(("output", "shown"), [
    # yarn 1.22.22 `yarn install --frozen-lockfile` of excalidraw-room at a0d2a5b, whose package.json
    # moved its devDependencies without the lockfile
    (["yarn install v1.22.22", "[1/4] Resolving packages...",
      "error Your lockfile needs to be updated, but yarn was run with `--frozen-lockfile`.",
      "info Visit https://yarnpkg.com/en/docs/cli/install for documentation about this command."],
     ["error Your lockfile needs to be updated, but yarn was run with `--frozen-lockfile`."]),
    # its `yarn build` (tsc) at 408cac8: the compiler's lines, not yarn's pointer to its documentation
    (["yarn run v1.22.22", "$ tsc",
      "src/index.ts(23,42): error TS2339: Property 'header' does not exist on type 'Server'.",
      "error Command failed with exit code 2.",
      "info Visit https://yarnpkg.com/en/docs/cli/run for documentation about this command."],
     ["yarn run v1.22.22", "$ tsc",
      "src/index.ts(23,42): error TS2339: Property 'header' does not exist on type 'Server'.",
      "error Command failed with exit code 2."]),
])
def test_yarn_1_errors_are_quoted_without_its_documentation_pointer(output, shown):
    assert important_lines(output) == shown


def test_a_failed_yarn_setup_says_why_in_one_line(tmp_path):
    # the step as `run` runs it: a shell command that prints what Yarn printed and exits 1
    lines = with_log(tmp_path)
    (tmp_path / "out.txt").write_text("\n".join(lines) + "\n")
    with pytest.raises(StepFailed) as failed:
        run_step("setup", f"cat {shlex.quote(str(tmp_path / 'out.txt'))}; exit 1", tmp_path,
                 {"PATH": "/usr/bin:/bin"}, 30)
    message = str(failed.value)
    assert "\n" not in message
    assert "it printed: YN0009: better-sqlite3@npm:11.7.0 couldn't be built successfully" in message
    assert "YN0086" not in message and "➤" not in message
    assert "attempt 1 failed with ENOTFOUND" in message and "npm_config_nodedir" in message


@pytest.mark.parametrize(("found", "named"), [
    ("production", "YARN_PRODUCTION (Yarn 1's; Yarn 2+ installs the devDependencies whatever NODE_ENV says)"),
    ("production, ignoreOptional", "YARN_PRODUCTION, YARN_IGNORE_OPTIONAL (Yarn 1's; Yarn 2+ installs the "
                                   "devDependencies whatever NODE_ENV says)"),
    ("fooBar", "YARN_FOO_BAR"),
])
def test_a_yarn_variable_yarn_4_refuses_is_named(found, named):
    # Yarn 4.3.1 run here with YARN_PRODUCTION=false in the environment (actual-server, init's [serve] env):
    # every command, `yarn install --immutable` first, stopped on this line alone
    lines = [f"Usage Error: Unrecognized or legacy configuration settings found: {found} - run \"yarn config "
             "-v\" to see the list of settings supported in Yarn (in <environment>)", "",
             "$ yarn install [--json] [--immutable] [--immutable-cache] [--refresh-lockfile]"]
    assert yarn_setting_hint(lines) == (
        "; Yarn 2+ reads every YARN_ variable of the environment as one of its settings and has no "
        f"{named}: remove it from [serve] env and the job's environment")
    assert yarn_setting_hint(lines[1:]) == ""
