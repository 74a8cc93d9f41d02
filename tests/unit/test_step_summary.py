"""$GITHUB_STEP_SUMMARY and $GITHUB_OUTPUT: appended to whole or not at all, within GitHub's 1 MiB per
step, and a file that cannot be written is one line naming it (exit 3).

GitHub's runner drops a step's whole summary when the file is over 1024 KiB ("$GITHUB_STEP_SUMMARY upload
aborted, supports content up to a size of 1024k, got 1962k", docs: workflow commands, "Adding a job
summary"), so what does not fit is cut, with a note."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from echotune_ci.errors import RunError
from echotune_ci.reporting import STEP_SUMMARY_LIMIT, append_step_summary, set_github_output


def _markdown(lines: int) -> str:
    return "".join(f"| row {i:07d} | {'x' * 60} |\n" for i in range(lines))


def test_the_limit_is_githubs_1_mib():
    assert STEP_SUMMARY_LIMIT == 1_048_576


def test_a_summary_over_the_limit_is_cut_at_a_line_end_with_a_note(tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    text = _markdown(40_000)  # 3.0 MiB
    assert append_step_summary(text, full="results/report/summary.md") == summary
    data = summary.read_bytes()
    assert len(data) <= STEP_SUMMARY_LIMIT
    head, note = data.decode().rsplit("\n> **Summary truncated:**", 1)
    assert text.startswith(head) and head.endswith(" |\n")  # whole lines only
    assert f"of {len(text.encode()):,} bytes shown; the whole summary is in results/report/summary.md" in note
    assert f"{len(head.encode()):,} of" in note


def test_what_an_earlier_step_command_wrote_counts_towards_the_limit(tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    earlier = "e" * (STEP_SUMMARY_LIMIT - 5000) + "\n"
    summary.write_text(earlier)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    append_step_summary(_markdown(200))  # about 15 KB
    data = summary.read_bytes()
    assert data.startswith(earlier.encode()) and len(data) <= STEP_SUMMARY_LIMIT
    assert b"Summary truncated" in data
    # A summary that fits goes in whole, appended.
    small = tmp_path / "small.md"
    small.write_text("before\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(small))
    append_step_summary("## gate: pass")
    assert small.read_text() == "before\n## gate: pass\n"


@pytest.mark.parametrize("where", ["missing/summary.md", "folder"])
def test_a_summary_path_that_cannot_be_written_is_one_error_naming_it(tmp_path, monkeypatch, where):
    (tmp_path / "folder").mkdir()
    target = tmp_path / where
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(target))
    with pytest.raises(RunError, match=f"^cannot write {target}: ") as caught:
        append_step_summary("## gate: pass\n")
    assert caught.value.exit_code == 3 and "\n" not in str(caught.value)
    monkeypatch.setenv("GITHUB_OUTPUT", str(target))
    with pytest.raises(RunError, match=f"^cannot write {target}: "):
        set_github_output(status="pass")


def test_a_full_device_is_named(monkeypatch):
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", "/dev/full")
    with pytest.raises(RunError, match="^cannot write /dev/full: No space left on device$"):
        append_step_summary("## gate: pass\n")


_FILL = """
import os, resource, sys
from echotune_ci.reporting import append_step_summary
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]), resource.RLIM_INFINITY))
try:
    append_step_summary("".join(f"| row {i:07d} | {'x' * 60} |\\n" for i in range(2000)))
except Exception as exc:
    print(type(exc).__name__, exc)
"""


def test_a_write_that_fails_half_way_leaves_the_file_as_it_was(tmp_path):
    """No space left after part of the text (here: a file size limit, which fails the same way): the
    summary keeps what earlier steps wrote and no half table."""
    summary = tmp_path / "summary.md"
    summary.write_text("## earlier step\n")
    env = dict(os.environ, GITHUB_STEP_SUMMARY=str(summary))
    proc = subprocess.run([sys.executable, "-c", _FILL, "50000"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert proc.stdout.startswith(f"RunError cannot write {summary}: "), proc.stdout + proc.stderr
    assert summary.read_text() == "## earlier step\n"
