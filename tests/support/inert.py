"""Checks that rendered output holds nothing live, and one hostile result to feed every format.

Markdown is rendered by cmark-gfm (GitHub's own engine, through cmarkgfm) with raw HTML let
through, so an HTML tag, a link, an image, a heading or a table cell that the escaping let
slip shows up as an element; mentions and references are GitHub post-processing on text
nodes outside code, checked with GitHub's patterns.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from echotune_ci.results import Finding, Location, Metric, PhaseResult, assign_fingerprints

MARK = "PWN"  # every hostile string carries it
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f" + BIDI + "]")
# GitHub links @user and @org/team, #123, GH-123 and owner/repo#123 in text (not in code).
MENTION = re.compile(r"(?<![\w`])@[A-Za-z0-9]")
REFERENCE = re.compile(r"(?<![\w&])#\d|\bGH-\d", re.IGNORECASE)
# A line the Actions runner reads as a workflow command (it trims leading blanks first).
COMMAND = re.compile(r"^\s*(::|##\[)", re.MULTILINE)
EVIL_SCHEMES = re.compile(r"^\s*(javascript|data|vbscript|file):", re.IGNORECASE)


def hostile_result(phase: str = "security") -> PhaseResult:
    """A result whose every free-text field tries to get something live into a report."""
    unit = f"ms\n# {MARK} heading @{MARK}user <img src=x onerror=alert(1)>\n- item"
    findings = [
        Finding(
            rule_id=f"{MARK}[x](https://evil.example/r)",
            severity="high",
            message=(f"::add-mask::{MARK}\n::error::{MARK}\n##[error]{MARK}\n# {MARK}\n- {MARK} list\n"
                     f"<script>{MARK}</script> @{MARK}user @{MARK}org/team #12 GH-7 \u202eevil\u202c "
                     f"\x1b[31mred\x1b[0m \x1b]8;;https://evil.example\x07{MARK}link\x1b]8;;\x07 "
                     f"![img](https://evil.example/{MARK}.png) [{MARK}](https://evil.example) "
                     f"https://evil.example/{MARK} www.evil.example | cell | $x^2$ ~~s~~ **b**"),
            source_tool=f"bandit\x1b[2J @{MARK}",
            location=Location(f"src/``{MARK}``.py\n::warning::{MARK} | x", 3),
            help_url=f"https://example.com/a){MARK}[x](javascript:alert(1))",
            context="c1",
        ),
        Finding(
            rule_id="B602",
            severity="medium",
            message=f"second @{MARK}user",
            source_tool="bandit",
            location=Location(f"\u202eexe.{MARK}.txt", 1),
            help_url="javascript:alert(1)",
            context="c2",
        ),
        Finding(
            rule_id="B603",
            severity="low",
            message="third",
            source_tool="bandit",
            location=Location("app/x.py", 2),
            help_url=f"java\tscript:alert('{MARK}')",
            context="c3",
        ),
    ]
    return PhaseResult(
        phase=phase,
        status="fail",
        target=f"http://127.0.0.1:8000/ @{MARK}user <img src=x>",
        tool_versions={
            f"bandit\n::add-mask::{MARK}": f"1.0 @{MARK}-org/admins [x](javascript:alert(1)) \u202e",
            f"<img src=x onerror={MARK}>": f"`` @{MARK} ``",
        },
        duration_s=1.5,
        metrics=[
            Metric("p95_ms", 250.0, unit, budget=200.0,
                   labels={"endpoint": f"GET /``{MARK}`` | @{MARK}team/core \x1b[31m\n## {MARK}"},
                   description=f"@{MARK}"),
            Metric("rps", 10.0, f"req/s\u202e @{MARK}", better="higher"),
        ],
        findings=assign_fingerprints(findings),
        artifacts=["javascript:alert(1)", f"data:text/html,<script>{MARK}</script>", f"../``{MARK}``.png",
                   "/etc/passwd.png", f"java\nscript:alert('{MARK}').png", "artifacts/ok.png"],
        errors=[f"\x1b[2J\x1b]0;{MARK}\x07 could not run\n::add-mask::{MARK}"],
        notes=[f"::add-mask::{MARK}", f"@{MARK}user see <img src=x> [{MARK}](https://evil.example)"],
    )


def write_hostile(folder: Path, phase: str = "security") -> Path:
    """The hostile result as a result file in *folder*."""
    return hostile_result(phase).write(folder / f"{phase}.json")


# --------------------------------------------------------------------------- HTML trees


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.elements: list[tuple[str, dict[str, str], tuple[str, ...]]] = []
        self.texts: list[tuple[str, tuple[str, ...]]] = []

    _VOID = {"img", "br", "hr", "meta", "input", "link", "source"}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}, tuple(self.stack)))
        if tag not in self._VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.texts.append((data, tuple(self.stack)))


def parse_html(html: str) -> _Tree:
    tree = _Tree()
    tree.feed(html)
    tree.close()
    return tree


def gfm_html(markdown: str) -> str:
    """*markdown* rendered as GitHub renders comments (cmark-gfm with its extensions), raw HTML kept."""
    import cmarkgfm
    from cmarkgfm.cmark import Options

    return cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)


# --------------------------------------------------------------------------- assertions

_MD_ALLOWED = {"p", "h2", "h3", "table", "thead", "tbody", "tr", "th", "td", "ul", "li", "code", "strong",
               "details", "summary", "sub", "blockquote", "a", "hr", "h1", "img"}
_LIVE_AROUND_TEXT = {"img", "h1", "h4", "h5", "h6", "em", "del", "script", "style", "iframe", "pre",
                     "ol", "math"}


def assert_inert_markdown(markdown: str, *, allowed_links: tuple[str, ...] = (),
                          headings: tuple[str, ...] = ("h2", "h3"), images: tuple[str, ...] = ()) -> None:
    """Nothing from a hostile field is live once GitHub renders *markdown*.

    Only *allowed_links* may be link targets (prefixes) and *images* image sources; hostile text
    sits in text nodes outside links, headings we did not write, emphasis, lists it opened and
    math; no mention or reference outside code; every table row has its header's cell count.
    """
    assert not CONTROL.search(markdown), repr(CONTROL.search(markdown))
    html = gfm_html(markdown)
    tree = parse_html(html)
    for tag, attrs, _ in tree.elements:
        assert tag in _MD_ALLOWED | set(headings), f"<{tag}> in the rendered markdown:\n{html}"
        if tag == "a":
            assert allowed_links and attrs.get("href", "").startswith(allowed_links), f"link {attrs}"
        if tag == "img":
            assert attrs.get("src") in images, f"image {attrs}"
        assert not any(k.startswith("on") for k in attrs), attrs
    for text, stack in tree.texts:
        if MARK in text:
            live = _LIVE_AROUND_TEXT & set(stack)
            assert not live, f"{text!r} inside {stack}"
            assert stack.count("li") <= 1, f"{text!r} opened a list: {stack}"
            if "code" not in stack:
                assert not MENTION.search(text), f"mention in {text!r}"
                assert not REFERENCE.search(text), f"reference in {text!r}"
    _assert_tables(html)


def _assert_tables(html: str) -> None:
    for table in re.findall(r"<table>.*?</table>", html, re.S):
        header = len(re.findall(r"<th[ >]", table))
        for row in re.findall(r"<tbody>.*?</tbody>", table, re.S):
            for tr in re.findall(r"<tr>(.*?)</tr>", row, re.S):
                assert len(re.findall(r"<td[ >]", tr)) == header, f"a cell escaped its row: {tr}"


def assert_inert_html(html: str, *, styles: int = 1) -> None:
    """No script, frame, style or event handler from a hostile field; every href/src http(s) or relative;
    no control characters or bidi overrides."""
    assert not CONTROL.search(html.replace("\n", " ")), repr(CONTROL.search(html))
    tree = parse_html(html)
    for tag, attrs, _ in tree.elements:
        assert tag not in ("script", "iframe", "object", "embed", "base", "form"), tag
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        for key in ("href", "src", "action", "formaction", "srcset"):
            if key in attrs:
                value = attrs[key]
                assert not EVIL_SCHEMES.match(value), (tag, attrs)
                scheme = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", value)
                assert scheme is None or scheme.group(1).lower() in ("http", "https"), (tag, attrs)
                assert not value.startswith("//"), (tag, attrs)
    assert sum(1 for tag, _, _ in tree.elements if tag == "style") == styles


def assert_inert_terminal(text: str, *, commands: int = 0) -> None:
    """No control characters, escape sequences or bidi overrides; no workflow command line but the
    first *commands* lines (annotations), each of them one of ours."""
    assert not CONTROL.search(text.replace("\n", " ")), repr(CONTROL.search(text.replace("\n", " ")))
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if i < commands:
            assert re.match(r"^::(error|warning|notice) [^:\n]*::", line), line
        else:
            assert not COMMAND.match(line), f"workflow command: {line!r}"


def assert_clean_json(data: Any) -> None:
    """No control character (newlines aside) or bidi override in any string of *data*."""
    text = json.dumps(data, ensure_ascii=False)
    assert not CONTROL.search(text), repr(CONTROL.search(text))
