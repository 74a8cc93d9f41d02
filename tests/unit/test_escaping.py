"""The escaping layer (echotune_ci/report/escape.py): each example of issue 13, kind 2, and the rules.

Markdown is checked the way GitHub would show it: rendered by cmark-gfm (cmarkgfm), raw HTML
let through, then the elements counted.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import run_cli
from echotune_ci.config import defaults
from echotune_ci.gate import evaluate
from echotune_ci.report.annotations import annotations
from echotune_ci.report.html import render_html
from echotune_ci.report.markdown import render_comment
from echotune_ci.results import Finding, Location, Metric, PhaseResult, assign_fingerprints
from support.inert import COMMAND, assert_inert_html, assert_inert_markdown, gfm_html, parse_html

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def comment_of(*results: PhaseResult, details_url: str = "") -> str:
    rs = list(results)
    return render_comment(rs, outcome=evaluate(rs, defaults()), details_url=details_url)


def finding(**kw) -> Finding:
    base = dict(rule_id="B1", severity="high", message="m", source_tool="bandit",
                location=Location("a.py", 1), context="c")
    base.update(kw)
    return assign_fingerprints([Finding(**base)])[0]


def security(*findings: Finding, **kw) -> PhaseResult:
    return PhaseResult("security", findings=list(findings), **kw).finalize(fail_on="high")


def elements(html: str, tag: str) -> list[dict[str, str]]:
    return [attrs for t, attrs, _ in parse_html(html).elements if t == tag]


# --------------------------------------------------------------------------- the examples


def escape():  # imported late: the examples run (and fail) on code without the escaping module too
    from echotune_ci.report import escape as module

    return module


def test_a_unit_with_newlines_a_heading_a_mention_and_an_image_stays_in_its_cell():
    unit = "ms\n# Owned\n@octocat <img src=https://evil.example/x.png>\n| x | y |"
    r = PhaseResult("load", metrics=[Metric("p95_ms", 250.0, unit, budget=200.0)]).finalize()
    body = comment_of(r)
    html = gfm_html(body)
    assert not elements(html, "img") and not elements(html, "h1")
    assert "Owned" not in "".join(re.findall(r"<h\d>(.*?)</h\d>", html))
    assert "@\u200boctocat" in body and "@octocat" not in body
    assert_inert_markdown(body)  # every table row keeps its header's cell count


def test_a_help_url_with_a_parenthesis_does_not_close_the_link():
    f = finding(help_url="https://docs.example/rule_(x))[click me](https://evil.example)")
    html = gfm_html(comment_of(security(f)))
    links = elements(html, "a")
    assert [a["href"] for a in links] == ["https://docs.example/rule_%28x%29%29%5Bclick%20me%5D%28https://evil.example%29"]
    assert "click me" not in re.sub(r"<a [^>]*>.*?</a>", "", html).split("B1")[0]


def test_tool_versions_in_the_footer_are_escaped():
    versions = {"locust @octo-org/admins": "2.0 [docs](https://evil.example) <img src=x>", "a`b": "``"}
    r = PhaseResult("load", tool_versions=versions).finalize()
    body = comment_of(r, details_url="https://ci.example/runs/1")
    footer = body.strip().splitlines()[-1]
    html = gfm_html(footer)
    assert [a["href"] for a in elements(html, "a")] == ["https://ci.example/runs/1"]
    assert not elements(html, "img") and not elements(html, "code")
    assert "@\u200bocto-org/admins" in footer
    assert_inert_markdown(body, allowed_links=("https://ci.example/",))


def test_a_path_with_a_double_backtick_stays_in_its_code_span():
    f = finding(location=Location("src/a``b`c.py", 3))
    html = gfm_html(comment_of(security(f)))
    assert "<code>src/a``b`c.py:3</code>" in html
    assert escape().md_code("a``b") == "```a``b```"
    assert escape().md_code("`x`") == "`` `x` ``"
    assert escape().md_code("a|b") == "`a\\|b`"
    assert escape().md_code("") == ""


@pytest.mark.parametrize("bad", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " java\tscript:alert(1)",
                                 "java\nscript:alert(1)", "data:text/html,<script>alert(1)</script>",
                                 "vbscript:msgbox", "file:///etc/passwd", "//evil.example/x"])
def test_html_links_refuse_other_schemes(bad):
    r = security(finding(help_url=bad))
    r.artifacts = [bad, bad + ".png"]
    page = render_html([r], evaluate([r], defaults()))
    assert_inert_html(page)
    links = [a for t, a, _ in parse_html(page).elements if t in ("a", "img")]
    assert links == []


def test_html_links_keep_web_and_relative_targets():
    r = security(finding(help_url="https://bandit.readthedocs.io/b1.html?x=1&y=<2>"))
    r.artifacts = ["artifacts/frontend/home.png", "artifacts/trace #1.json", "https://ci.example/a.zip"]
    page = render_html([r], evaluate([r], defaults()))
    tree = parse_html(page)
    hrefs = [a["href"] for t, a, _ in tree.elements if t == "a"]
    assert hrefs == ["https://bandit.readthedocs.io/b1.html?x=1&y=%3C2%3E", "../artifacts/frontend/home.png",
                     "../artifacts/trace%20%231.json", "https://ci.example/a.zip"]
    assert [a["src"] for t, a, _ in tree.elements if t == "img"] == ["../artifacts/frontend/home.png"]


def test_gate_never_prints_a_workflow_command(tmp_path, cli_env):
    r = PhaseResult("load", status="error", errors=["worker lost\n::add-mask::hunter2\n::error::forged"],
                    metrics=[Metric("p95_ms", 250.0, "ms", budget=200.0,
                                    labels={"endpoint": "GET /\n::stop-commands::x"})])
    r.write(tmp_path / "load.json")
    proc = run_cli("gate", str(tmp_path), env=cli_env)
    assert proc.returncode in (1, 3), proc.stderr
    assert "add-mask" in proc.stdout and "Traceback" not in proc.stderr
    assert not COMMAND.search(proc.stdout), proc.stdout
    assert not COMMAND.search(proc.stderr), proc.stderr


def test_a_line_that_starts_with_a_workflow_command_is_neutralised():
    text = "ok\n::add-mask::x\n  ::error file=a::b\n##[error]c\nkeep :: this\n"
    out = escape().neutralise_commands(text)
    assert out == "ok\n: :add-mask::x\n  : :error file=a::b\n# #[error]c\nkeep :: this\n"
    assert not COMMAND.search(out)
    from echotune_ci.report.render import render

    f = finding(location=Location("::add-mask::x.py", 1))
    lines = render("security_lines.txt.j2", result=security(f))
    assert lines.startswith(": :add-mask::x.py:1: [high]")


def test_bidi_overrides_and_terminal_escapes_reach_no_output():
    evil = ("\u202eexe.txt\u202c \u2066x\u2069 \x1b[31mred\x1b[0m \x1b]8;;https://evil.example\x07link\x1b]8;;\x07"
            " \x1b]0;title\x1b\\ \x9b2J \x07bell \x00nul \x7fdel")
    r = security(finding(message=evil, location=Location("\u202edoc.txt", 1), rule_id="R\u202e1"))
    r.tool_versions = {"bandit\u202e": "1\x1b[2J"}
    outcome = evaluate([r], defaults())
    outputs = {
        "comment": render_comment([r], outcome=outcome),
        "html": render_html([r], outcome),
        "annotations": "\n".join(annotations([r], outcome)),
    }
    for name, text in outputs.items():
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", text), name
        assert "red" in text and "link" in text and "bell" in text, name


def test_console_messages_are_terminal_safe(capsys):
    from echotune_ci import console

    console.info("app said: \x1b[2J\x1b]0;pwn\x07hello\n::add-mask::hunter2\n\u202edone")
    console.warn("x\n::error::y")
    err = capsys.readouterr().err
    assert "hello" in err and "\x1b" not in err and "\u202e" not in err
    assert not COMMAND.search(err), err


# --------------------------------------------------------------------------- the rules


@pytest.mark.parametrize("text, gone", [
    ("@octocat", "@octocat"), ("@octo-org/admins", "@octo-org"), ("see #12", "#12"), ("GH-7", "GH-7"),
    ("mail me@example.com", "me@example"), ("https://evil.example", "https://"), ("www.evil.example", "www."),
    ("<img src=x>", "<img"), ("[a](b)", "[a](b)"), ("![a](b)", "!["), ("`code`", "`code`"), ("a|b", "a|b"),
    ("$x^2$", "$x^2$"), ("**b**", "**b"), ("~~s~~", "~~s"), ("&lt;", "&lt;"),
])
def test_md_text_defuses(text, gone):
    assert gone not in escape().md_text(text)


@pytest.mark.parametrize("text", ["# heading", "- item", "+ item", "1. item", "2) item", "> quote", "---",
                                  "=== x", "    indented", "<!-- x -->", "***"])
def test_md_text_starts_no_block(text):
    html = gfm_html("- " + escape().md_text(text))
    assert html.count("<li>") == 1
    assert not re.search(r"<(h\d|blockquote|ol|hr|ul>\s*<li>\s*<ul)", html.replace("<ul>\n<li>", "", 1)), html


def test_md_text_keeps_plain_text_readable():
    assert escape().md_text("p95 of GET /api/tracks: 120 ms (budget 200 ms) +19.3 %") == (
        "p95 of GET /api/tracks: 120 ms \\(budget 200 ms\\) +19.3 %")


@pytest.mark.parametrize("url, expected", [
    ("https://example.com/a b?q=1#f", "https://example.com/a%20b?q=1#f"),
    ("http://x.example/(y)", "http://x.example/%28y%29"),
    ("javascript:alert(1)", ""), ("https:alert(1)", ""), ("mailto:a@b", ""), ("", ""), (None, ""),
    ("relative/path.png", ""),
])
def test_safe_url(url, expected):
    assert escape().safe_url(url) == expected


def test_safe_url_relative_only_when_asked():
    assert escape().safe_url("shot.png", allow_relative=True) == "shot.png"
    assert escape().safe_url("//evil.example/x", allow_relative=True) == ""
    assert escape().safe_url("\\\\evil.example\\x", allow_relative=True) == ""
    assert escape().artifact_href("/etc/passwd") == ""
    assert escape().artifact_href("./a/b c.png") == "../a/b%20c.png"
    assert escape().artifact_href("javascript:alert(1)") == ""


def test_clean_text():
    assert escape().clean_text("a\r\nb\rc\u2028d\te") == "a b c d e"
    assert escape().clean_text("a\r\nb", keep_newlines=True) == "a\nb"
    assert escape().clean_text("\x1b]8;;https://x\x07link\x1b]8;;\x07 \x1b[1;31mred\x1b[0m") == "link red"


# --------------------------------------------------------------------------- escaped by default


def _templates(suffix: str) -> list[Path]:
    skip = ("init", "propose", "research")
    return [p for p in TEMPLATES.rglob(f"*{suffix}") if p.relative_to(TEMPLATES).parts[0] not in skip]


def test_report_templates_leave_escaping_to_the_environment():
    """A new field is escaped without anyone remembering to: no template marks text safe, builds a link or
    code span around a raw value, or writes a raw value into href/src."""
    md = _templates(".md.j2")
    html = _templates(".html.j2")
    assert md and html
    for path in md + html + _templates(".txt.j2"):
        text = path.read_text()
        assert "| safe" not in text and "|safe" not in text and "autoescape false" not in text, path
    for path in md:
        text = path.read_text()
        assert not re.search(r"\]\(\{\{", text), f"{path}: a link around a raw value (use md_link)"
        assert not re.search(r"`\{\{|\}\}`", text), f"{path}: a code span around a raw value (use code)"
    for path in html:
        for attr in re.findall(r'(?:href|src)="([^"]*)"', path.read_text()):
            assert re.fullmatch(r"\{\{ [^}]*\| (url|artifact_href) \}\}", attr), f"{path}: {attr}"


def test_every_report_template_renders_in_its_kind():
    from echotune_ci.report.render import template_kind

    assert template_kind("comment.md.j2") == "markdown"
    assert template_kind("report.html.j2") == "html"
    assert template_kind("gate.txt.j2") == "text"
