"""One escaping layer per output kind: markdown, HTML, annotations/terminal, SARIF.

Everything a result file carries (metric units and labels, finding rule ids,
messages, paths and help URLs, tool names and versions, artifact paths,
notes, errors, the target) is untrusted: a fork can forge a result file and a
scanned project, an app's output or a provider's answer can hold any text.
The report environments (:func:`echotune_ci.report.render.report_environment`)
run every ``{{ value }}`` of a template through the escaper of the template's
kind, so a new field is escaped without anyone remembering to; the filters
here that return :class:`markupsafe.Markup` (``code``, ``md_link`` ...) are
the only way to emit markup, and they escape what they wrap.

What each kind guarantees (docs/security-model.md says why):

- all kinds: control characters (C0 except newline where kept, DEL, C1),
  terminal escape sequences (CSI, OSC, DCS ...) and bidirectional overrides
  and isolates (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C) are
  removed; line and paragraph separators become spaces;
- markdown: one line per field; ``&``, ``<``, ``>`` as entities (no HTML
  tag, comment or autolink); markdown punctuation backslash-escaped (no
  link, image, emphasis, code, table cell or math); a leading list or
  heading marker escaped; ``@user``, ``@org/team``, ``#123``, ``GH-123``,
  ``://`` and ``www.`` broken with a zero-width space (a backslash does not
  stop a mention on GitHub);
- HTML: ``markupsafe`` escaping, and ``href``/``src`` only http(s) or
  relative (``javascript:``, ``data:``, ``file:``, ``//host`` refused);
- annotations and terminal: one line per field and no line that starts with
  ``::`` or ``##[`` (the runner would execute it as a workflow command).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

# Terminal escape sequences: CSI (ESC [) with its parameters, OSC (ESC ]: titles, hyperlinks,
# clipboard) and DCS/SOS/PM/APC (ESC P, X, ^, _) up to BEL or ST, then any other two-character ESC
# sequence. 8-bit C1 controls are dropped one by one with the other control characters (a UTF-8
# terminal does not read them as sequences, and a stray one must not swallow the rest of a field).
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
    r"|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[\x20-\x7e]?"
)
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_LINE_BREAKS = "\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029"
_DROP = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f" + BIDI_CONTROLS + "]")
_BREAKS = re.compile("\r\n|[" + _LINE_BREAKS + "]")

ZWSP = "\u200b"
_MD_PUNCT = re.compile(r"([\\`*_{}\[\]()#|~$!])")
# A list marker, thematic break or setext underline at the start of a field (after our "- ").
_MD_LEADING = re.compile(r"^(\s*)(?:([-+=])(?=[\s\-+=]|$)|(\d{1,9})([.)])(?=\s|$))")
_MENTION = re.compile(r"@(?=[A-Za-z0-9])")
_ISSUE_REF = re.compile(r"#(?=\d)")
_GH_REF = re.compile(r"\b(GH)-(?=\d)", re.IGNORECASE)
_AUTOLINK = re.compile(r"(:)(//)|\b(www)(\.)", re.IGNORECASE)
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
# What a browser's URL parser drops: tabs and newlines anywhere (then leading/trailing blanks);
# control characters and bidi overrides go too, so what is checked is what would be followed.
_URL_DROP = re.compile("[\x00-\x1f\x7f-\x9f" + BIDI_CONTROLS + "]")
# Characters left as they are in a URL; everything else is percent-encoded, so a
# ")", "<", quote, backtick or space cannot end a markdown link or an attribute.
_URL_SAFE = "/:?#@!$&*+,;=%-._~"
WEB_SCHEMES = ("http", "https")
_COMMAND_LINE = re.compile(r"^([^\S\n]*)(:)(?=:)|^([^\S\n]*)(#)(?=#\[)", re.MULTILINE)


def clean_text(value: Any, *, keep_newlines: bool = False) -> str:
    """*value* as text without control characters, terminal escape sequences or bidi overrides.

    Line breaks (CR, LF, CRLF, VT, FF, NEL, U+2028, U+2029) become ``\\n`` when
    *keep_newlines*, else a space; tabs become a space. The result is safe to
    print to a terminal and to put into any of our output kinds before that
    kind's own escaping.
    """
    text = _ESCAPE_SEQUENCE.sub("", str(value))
    text = _BREAKS.sub("\n" if keep_newlines else " ", text).replace("\t", " ")
    return _DROP.sub("", text)


def defuse_mentions(text: str) -> str:
    """*text* with ``@user``/``@org/team`` mentions, ``#123``/``GH-123`` references and bare-URL autolinks
    broken by a zero-width space (GitHub still links them after a backslash)."""
    text = _MENTION.sub("@" + ZWSP, text)
    text = _ISSUE_REF.sub("#" + ZWSP, text)
    text = _GH_REF.sub(lambda m: m.group(1) + ZWSP + "-", text)
    return _AUTOLINK.sub(lambda m: (m.group(1) or m.group(3)) + ZWSP + (m.group(2) or m.group(4)), text)


def _escape_leading(m: re.Match[str]) -> str:
    if m.group(2):
        return m.group(1) + "\\" + m.group(2)
    return m.group(1) + m.group(3) + "\\" + m.group(4)


def md_text(value: Any) -> str:
    """Untrusted *value* as inert inline GitHub markdown, on one line (table cells, list items, headings).

    No HTML tag, link, image, autolink, emphasis, code span, table cell break,
    math, heading, list item, mention or issue reference can come out of it.
    """
    text = clean_text(value)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_PUNCT.sub(r"\\\1", text)
    text = _MD_LEADING.sub(_escape_leading, text)
    return defuse_mentions(text)


def md_in_html(value: Any) -> Markup:
    """Untrusted *value* inside an HTML block of a markdown document (``<summary>…</summary>``), where
    markdown is not parsed: HTML-escaped, on one line, mentions and references defused."""
    import html

    return Markup(defuse_mentions(html.escape(clean_text(value).strip())))


def md_code(value: Any) -> Markup:
    """Untrusted *value* as one inline code span that no backtick inside can end.

    The fence is one backtick longer than the longest run inside (CommonMark);
    ``|`` is escaped so the span cannot split a table cell; mentions are
    defused even though GitHub ignores them in code. "" for empty text.
    """
    text = clean_text(value).replace("|", "\\|")
    text = _MENTION.sub("@" + ZWSP, text)
    if not text.strip():
        return Markup("")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text[0] in "` " or text[-1] in "` " else ""
    return Markup(f"{fence}{pad}{text}{pad}{fence}")


def safe_url(value: Any, *, allow_relative: bool = False) -> str:
    """*value* as a URL a reader may follow, percent-encoded; "" when it is not allowed.

    Allowed: ``http:`` and ``https:`` URLs, and with *allow_relative* a path
    without a scheme (not ``//host``, not starting with a backslash).
    Whitespace and control characters are removed first, as browsers do, so
    ``java\\tscript:`` is seen as ``javascript:`` and refused.
    """
    if value is None:
        return ""
    url = _url_text(value)
    if not url:
        return ""
    scheme = _SCHEME.match(url)
    if scheme is not None:
        if scheme.group(1).lower() not in WEB_SCHEMES or not url[scheme.end():].startswith("//"):
            return ""
    elif not allow_relative or url.startswith(("//", "\\", "/\\")):
        return ""
    return quote(url, safe=_URL_SAFE)


def _url_text(value: Any) -> str:
    return _URL_DROP.sub("", _ESCAPE_SEQUENCE.sub("", str(value))).strip()


def md_link(text: Any, url: Any, *, allow_relative: bool = False) -> Markup:
    """``[text](url)`` with *text* escaped and *url* checked (:func:`safe_url`); the escaped text alone when
    the URL is not allowed."""
    label = md_text(text) if str(text or "").strip() else md_text(url)
    href = safe_url(url, allow_relative=allow_relative)
    return Markup(f"[{label}]({href})" if href else label)


def md_image(alt: Any, url: Any) -> Markup:
    """``![alt](url)`` for a relative image next to the document; the escaped alt text when not allowed."""
    href = safe_url(url, allow_relative=True)
    return Markup(f"![{md_text(alt)}]({href})" if href else md_text(alt))


def html_url(value: Any) -> str:
    """An ``href``/``src`` value: http(s) or relative, else "" (the template then writes no link)."""
    return safe_url(value, allow_relative=True)


def artifact_href(path: Any) -> str:
    """The link from ``<results>/report/index.html`` to an artifact listed in a result.

    Relative paths are relative to the results folder, hence ``../``; an
    http(s) URL is kept; anything else (an absolute path, another scheme) gets
    no link: "".
    """
    cleaned = _url_text(path)
    if _SCHEME.match(cleaned):
        return html_url(cleaned)
    if not cleaned or cleaned.startswith(("/", "\\")):
        return ""
    return "../" + quote(cleaned.removeprefix("./"), safe="/-._~")


def term_text(value: Any) -> str:
    """Untrusted *value* for a terminal, a CI log or an annotation field: one line, nothing that moves the
    cursor, recolours, sets a title, hyperlinks or reorders text."""
    return clean_text(value)


def neutralise_commands(text: str) -> str:
    """*text* where no line starts (after blanks) with ``::`` or ``##[``: a space goes between the two
    characters, so the Actions runner prints the line instead of running it as a workflow command
    (``::add-mask::``, ``::error``, ``::stop-commands::``)."""
    return _COMMAND_LINE.sub(lambda m: (m.group(1) or m.group(3) or "") + (m.group(2) or m.group(4)) + " ",
                             text)


def terminal(text: str) -> str:
    """Text about to be printed (stdout, stderr, a CI log): controls removed, newlines kept, workflow
    commands neutralised."""
    return neutralise_commands(clean_text(text, keep_newlines=True))


def clean_tree(data: Any) -> Any:
    """A JSON-ready structure with every string (keys too) passed through :func:`clean_text` (newlines
    kept): what goes into SARIF for GitHub code scanning."""
    if isinstance(data, str):
        return clean_text(data, keep_newlines=True)
    if isinstance(data, dict):
        return {clean_tree(k): clean_tree(v) for k, v in data.items()}
    if isinstance(data, list):
        return [clean_tree(v) for v in data]
    return data
