"""What a failing app's or step's output is cut down to in the one-line error."""

from __future__ import annotations

from echotune_ci.serve.output import important_lines, missing_tool, summarise

NPM_CI = [
    "npm error code EUSAGE",
    "npm error",
    "npm error The `npm ci` command can only install with an existing package-lock.json or",
    "npm error npm-shrinkwrap.json with lockfileVersion >= 1. Run an install with npm@5 or",
    *[f"npm error   option {i}" for i in range(20)],
    "npm error A complete log of this run can be found in: /root/.npm/_logs/debug-0.log",
]


def test_the_first_error_lines_are_kept_where_tools_say_the_cause():
    shown = important_lines(NPM_CI)
    assert len(shown) == 12 and shown[4] == "…"
    assert "can only install with an existing package-lock.json or" in " ".join(shown[:4])
    assert shown[-1].startswith("npm error A complete log")


def test_a_traceback_is_shown_from_its_header_to_the_exception():
    lines = ["INFO booting", "Traceback (most recent call last):", '  File "app.py", line 3, in <module>',
             "    import flask", "ModuleNotFoundError: No module named 'flask'", "INFO worker exiting"]
    assert important_lines(lines) == lines[1:5]
    assert summarise(lines).startswith("; it printed: Traceback")


def test_only_errors_or_nothing_and_hostile_text_is_cleaned():
    assert important_lines(["listening on 3000", "GET / 200"], errors_only=True) == []
    assert important_lines(["listening on 3000"]) == ["listening on 3000"]
    shown = important_lines(["\x1b[31mError: boom\u202e\x07" + "x" * 1000])
    assert shown[0].startswith("Error: boom") and "\x1b" not in shown[0] and "\u202e" not in shown[0]
    assert len(shown[0]) == 300
    assert summarise([]) == "; it printed nothing"


def test_the_tool_a_shell_could_not_find():
    assert missing_tool(["sh: 1: npm: not found"]) == "npm"
    assert missing_tool(["/bin/sh: 1: exec: gunicorn: not found"]) == "gunicorn"
    assert missing_tool(["bash: vite: command not found"]) == "vite"
    assert missing_tool(["Error: Cannot find module 'express'"]) is None
