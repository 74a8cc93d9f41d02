"""What an app's output says when it fails: the lines that matter, not only the last ones.

An app or a setup step may print without end (or without a newline: a
progress bar, a minified bundle dumped to stdout), so its output is kept in
an :class:`OutputBuffer` of bounded size, not read line by line into memory.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import os
import re
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
# A Python the project's packages or the installer itself do not support: pip says so without "ERROR"
# when pipenv runs it under the venv's old Python ("This version of pip does not support python 3.7
# (requires >=3.10)."), and its resolver names the package ("Package 'x' requires a different Python:
# 3.11.7 not in '<3.8,>=3.6'"; "versions that require a different python version").
_PYTHON = r"requires? a different [Pp]ython|does not support [Pp]ython \d"
# Poetry's note under a failed PEP 517 build names the package that would not build ("... not a problem
# with poetry but with pyyaml (6.0) not supporting PEP 517 builds"; Poetry 2: "but one of the following
# issues with pyyaml (6.0)"), where the build's own traceback only says "AttributeError: ... cython_sources".
_BUILD_NOTE = r"not a problem with \w+ but (?:with|one of the following issues with) "
# Yarn 2+'s message codes (its MessageName) that report progress, notices and warnings, never a failure:
# 0 unnamed (the steps' frames, "Completed", "Failed with errors"), 2 and 60 peer dependencies, 4-8 builds
# disabled or due, 13 fetches, 19 unused cache entries, 31 node_modules warnings, 32 node-gyp injected, 50
# deprecated settings, 61 deprecated packages, 62/63/76 skipped platforms, 68/69 package extensions, 85
# resolution records, 86 the peer-dependency advice, 87-90 notices. actual-server's 404 of a tarball was
# quoted after them, in the middle a comment cuts.
_YARN_NOTICES = "00(?:0[0245678]|13|19|3[12]|50|6[01238]|69|76|8[5-9]|90)"
# Lines that say why a program stopped, across the stacks we serve. No word boundary before "Error:": an
# exception's name ends in it ("AttributeError:", "pydantic.error_wrappers.ValidationError:").
# node-postgres prints the server's refusal as "error: <message>" (drizzle-kit's "applying
# migrations...error: unterminated /* comment"); an errno is ECONNREFUSED's shape, but SQL's ENUM and EXISTS
# in the statement quoted under it are none (they were quoted in its place).
# Django's system check errors, under "SystemCheckError: ... ERRORS:": "user.User.avatar: (fields.E210)
# Cannot use ImageField because Pillow is not installed." with its indented "HINT:" (E: error, C: critical;
# W and I do not stop a command). A build that stopped on it quoted the two header lines alone.
_DJANGO_CHECK = r"\((?:\w+\.)+[EC]\d{3}\)"
_IMPORTANT = re.compile(
    r"Traceback \(most recent call last\)|^\w*(Error|Exception)\b|(Error|Exception):|\bERROR\b|\bFATAL\b"
    r"|(?:^|[\s.])error: |\bfatal:|\bpanic:|npm ERR!|npm error"
    # pnpm's codes ("ERR_PNPM_LOCKFILE_BREAKING_CHANGE  Lockfile ... not compatible with current pnpm"): the
    # errno shape below wants three capitals after the E, and the quote was pnpm's last lines instead
    r"|\bERR_PNPM_[A-Z_]+"
    r"|\bE(?!NUM\b|XISTS\b|XCEPT\b|XECUTE\b|XPLAIN\b|SCAPE\b|XTENSION\b|XCLUDE\b)[A-Z]{3,}\b"
    r"|Cannot find module|ModuleNotFoundError"
    # Yarn 2+ prints every message as "➤ YN0035: │ ..." with no level outside a terminal: its codes are the
    # only mark, and those of progress, notices and peer warnings (_YARN_NOTICES) never say why it stopped.
    # Yarn 1's errors start "error " (its closing "error Command failed with exit code 2." is a run's echo).
    r"|\bYN(?!" + _YARN_NOTICES + r")\d{4}:|^error (?!Command failed with exit code)"
    # an env validator's reason (AdonisJS's EnvValidationException, whose message a non-terminal gets one
    # word a line, then '- Missing environment variable "PORT"'; envalid's "Missing environment variables:")
    r"|Missing environment variables?\b"
    r"|command not found|: not found|Address already in use|EADDRINUSE|\bDisallowedHost\b|Permission denied|"
    + _DJANGO_CHECK + "|" + _PYTHON + "|" + _BUILD_NOTE,
)
# Warnings name error codes too ("npm warn old lockfile code: 'ETARGET'"): never the reason a step stopped.
# pnpm's between thin spaces: " WARN  Unsupported engine: ..."
# node-gyp's, node-pre-gyp's and prebuild-install's: "prebuild-install warn install getaddrinfo ENOTFOUND ..."
_WARNING = re.compile(r"^(?:npm warn|npm WARN|yarn warn|warning\b|\s*WARN\s"
                      r"|(?:gyp|node-pre-gyp|prebuild-install) (?:warn|WARN)\s)"
                      r"|(?:^|\s)\S+:\d+(?::\d+)?: warning:")
# npm's reasons under "npm error": a lockfile out of step with package.json (npm ci), a dependency
# conflict (ERESOLVE: what was found, what could not be resolved and which peer asks for it)
_NPM_CAUSE = (r"npm (?:error|ERR!) (?:Missing: |Invalid: |Found: |Could not resolve dependency|"
              r"Conflicting peer dependency|peer \S+@)")
# Where a compiler or installer says what it could not do (node-gyp's g++ under "npm error", tsc, a Python
# the packages do not support): the cause, even in the middle of a long failure whose first and last lines
# are the tool's own boilerplate. ("TemplateSyntaxError:" is one too: no word boundary.)
_CAUSE = re.compile(r"\S:\d+(?::\d+)?: (?:fatal )?error:|\berror TS\d{4}\b|SyntaxError:|" + _PYTHON + "|"
                    + _BUILD_NOTE + "|" + _NPM_CAUSE)
# What npm prints around its reason, under the same prefix: the prefix alone, where its logs are, and the
# command's usage text after an EUSAGE error (from the command's one-line description before "Usage:" to
# "Run \"npm help ci\" for more info")
# (a 404 repeats its code on lines of its own: "npm error 404")
_NPM_BARE = re.compile(r"^(?:npm error|npm ERR!)(?: 404)?\s*$")
# npm's advice under every 404, over two lines: in a comment's warning, which keeps a message's start and
# end, it took the end and the package that was not found fell in the middle that is cut
_NPM_404_NOTE = re.compile(r"^npm (?:error|ERR!) 404 (?:Note that you can also install from a|"
                           r"tarball, folder, http url, or git url\.)$")
_NPM_LOGS = re.compile(r"^npm (?:error|ERR!) (?:A complete log of this run|For a full report see|"
                       r"/\S+\.(?:log|txt)$)")
_NPM_USAGE = re.compile(r"^npm (?:error|ERR!) Usage:$")
_NPM_HELP = re.compile(r"^npm (?:error|ERR!) Run \"npm help ")
# Yarn 1's pointer to its documentation under every failure ("info Visit https://yarnpkg.com/en/docs/cli/run
# for documentation about this command.")
_YARN_VISIT = re.compile(r"^info Visit https://yarnpkg\.com/\S+ for documentation about this command\.$")
# Yarn 2+'s frame of a message ("➤ YN0035: │   Request URL: ..."): the arrow and the step's box lines, which
# say nothing and take a quote's room
_YARN_FRAME = re.compile(r"^➤ (YN\d{4}): (?:[│┌└·] +)?")
_HEADER = "Traceback (most recent call last)"
# The line that ends a traceback: the exception's (dotted) class name, then its message if any
# ("socket.gaierror: ...", "KeyboardInterrupt").
_EXCEPTION = re.compile(r"(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*(?::\s|:$|$)")
# Output that follows a traceback rather than continues it: a log record ("[2024-05-01 ...] [INFO] ...",
# "INFO: Shutting down"), whose level word would pass for an exception's name.
_RECORD = re.compile(r"\[|\d{4}-\d\d-\d\d|(?:DEBUG|INFO|WARN|WARNING|ERROR|CRITICAL)\b")
# A field's name (or path: "db -> url" in pydantic 1, "db.url" in 2) on a line of its own.
_FIELD = re.compile(r"[\w.\[\]-]+(?: -> [\w.\[\]-]+)*$")
# How many lines of an exception's message after its first one are kept (pydantic's field and error lines).
DETAIL_LINES = 4
# How many cause lines after the last traceback are kept (Poetry's note naming the package).
CAUSES_AFTER = 2
_NOT_FOUND = re.compile(r"(?:^|:\s)([\w.+-]+): (?:command )?not found\s*$")


_TAG = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S | re.I)
_HEAD = re.compile(r"<head\b.*?</head\s*>", re.S | re.I)
_OPENER = re.compile(r"<(script|style)\b|<!--", re.I)
_DANGLING = re.compile(r"<[^>]*\Z")
# Characters of a page read for its words: the error pages of Django and Express fit
PAGE_CHARS = 20000
_PAGE = re.compile(r"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.S | re.I)


def is_page(text: str) -> bool:
    """Whether *text* is an HTML page (it starts with a doctype, ``<html>``, ``<head>`` or ``<body>``)."""
    return _PAGE.match(text[:2000]) is not None


def page_text(markup: str) -> str:
    """The words of an HTML page, from its body when it has one (a head's title repeats its heading:
    "Server Error (500) Server Error (500)"): markup, scripts and styles removed, entities as the characters
    they stand for ("&#x27;" as "'"), whitespace runs as one space."""
    import html

    page = _cut_open(markup[:PAGE_CHARS])
    text = " ".join(_TAG.sub(" ", _HEAD.sub(" ", page)).split()) or " ".join(_TAG.sub(" ", page).split())
    return html.unescape(text)


def _cut_open(page: str) -> str:
    """*page* without what follows a script, style or comment it does not close, or a tag cut off at its
    end: a page read only in part (a head of 30 KB of inline CSS) gave that CSS as its words."""
    at, lower = 0, page.lower()
    while (opened := _OPENER.search(page, at)) is not None:
        closer = "-->" if opened.group(0) == "<!--" else f"</{opened.group(1).lower()}"
        end = lower.find(closer, opened.end())
        if end < 0:
            page = page[:opened.start()]
            break
        at = end + len(closer)
    return _DANGLING.sub("", page)


def clean_line(line: str, limit: int = 300) -> str:
    """*line* without colour codes or control characters, secrets masked (an app may print its test
    password), cut to *limit* characters."""
    from ..masking import mask

    text = mask(_CONTROL.sub("", _ANSI.sub("", line)).rstrip())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def important_lines(lines: Sequence[str], *, most: int = 12, errors_only: bool = False) -> list[str]:
    """The lines that explain a failure: the last traceback (see :func:`_traceback`) and the first lines
    after it that name a cause (Poetry's note naming the package), else lines naming an error, warnings
    left out (the first few, where tools say the cause, the causes a compiler or installer gave in between,
    and the last ones), else the last non-blank lines (none with *errors_only*). At most *most* lines
    besides the "…" that mark what is left out, cleaned."""
    cleaned = _without_npm_noise([clean_line(x) for x in lines if x.strip()])
    headers = [i for i, x in enumerate(cleaned) if _HEADER in x]
    if headers:
        # The last traceback that says more than its header: threads of a server that print as the process
        # exits leave a header with nothing after it ("Traceback (most recent call last):" was all a crash
        # quoted, with its ConnectionError the lines before)
        found = ((i, *_traceback(cleaned, i)) for i in reversed(headers))
        start, block, end = next((t for t in found if len(t[1]) > 1), None) or (
            headers[-1], *_traceback(cleaned, headers[-1]))
        notes = [x for x in cleaned[end:] if _CAUSE.search(x) and not _WARNING.search(x)][:CAUSES_AFTER]
        notes = [*_chained_cause(cleaned, start, headers), *notes]
        room = max(most - len(notes), 3)
        return [*(block if len(block) <= room else [block[0], "…", *block[-(room - 2):]]), *notes]
    flagged = _collapsed(_with_details(cleaned))
    if len(flagged) <= most:
        return flagged or ([] if errors_only else cleaned[-most:])
    # the last lines shown beside causes are the last 2, so a cause just before them counts too
    causes = [i for i, x in enumerate(flagged) if _CAUSE.search(x) and 3 <= i < len(flagged) - 2]
    if not causes:
        return [*flagged[:4], "…", *flagged[-(most - 5):]]
    # the first lines, the first causes a compiler gave, the last lines: "…" wherever lines are left out
    keep = sorted({*range(3), *causes[: max(1, most - 9)], *range(len(flagged) - 2, len(flagged))})
    shown: list[str] = []
    for before, i in zip([-1, *keep], keep, strict=False):
        if i != before + 1:
            shown.append("…")
        shown.append(flagged[i])
    return shown


# A log record that states the answer it is about was a client error (4xx): pino's `"statusCode": 400` of an
# error it logged (raw JSON, pino-pretty's block, the escaped body a logger printed: `\"statusCode\":400`),
# `"status": 404`, or Python's `" 400 ` after a request line is not read: only a key names a status here
_CLIENT_ERROR = re.compile(r"""\bstatus(?:_?[cC]ode)?\\?["']?\s*[:=]\s*["']?4\d\d\b""")
_SERVER_STATUS = re.compile(r"""\bstatus(?:_?[cC]ode)?\\?["']?\s*[:=]\s*["']?5\d\d\b""")


def without_client_errors(lines: Sequence[str]) -> list[str]:
    """*lines* without the log records that say they are about a client error (a 4xx answer): a record is
    a line that starts at its margin with the indented lines under it (pino-pretty's `err: {...}` block, a
    stack) or one JSON line. A 5xx is explained by its own record: j10ra/fastify-drizzle-postgres logs each
    error it answers with, 400s too ("HttpBadRequestError: Username is already taken ... "statusCode":
    400"), and those, the last in the output, were quoted as the cause of a 500 whose own record
    ("HttpInternalServerError: Invalid refresh token") they pushed out. A record that names a 5xx too
    stays."""
    out: list[str] = []
    record: list[str] = []
    for line in [*lines, ""]:
        if record and (not line[:1].isspace() or not line.strip()):
            if not _about_a_client_error(record):
                out += record
            record = []
        if line.strip():
            record.append(line)
    return out


def tail_of(lines: list[str]) -> list[str]:
    """The lines :meth:`OutputBuffer.lines` gives after its "…", without the early error lines kept apart
    from their records (all of *lines* when there is none)."""
    return lines[lines.index("…") + 1:] if "…" in lines else lines


def _about_a_client_error(record: list[str]) -> bool:
    """Whether a log *record* states a 4xx answer and no 5xx."""
    text = _ANSI.sub("", "\n".join(record))
    return bool(_CLIENT_ERROR.search(text)) and not _SERVER_STATUS.search(text)


def _with_details(lines: list[str]) -> list[str]:
    """The lines of *lines* that name an error (warnings left out), each that ends in ":" with the indented
    lines under it (at most DETAIL_LINES, stripped, in order): drizzle-kit's "Error  Please provide required
    params:" was all a failed build quoted, without the "[x] url: undefined" under it that said which."""
    out: list[str] = []
    taken = 0  # lines before this one are quoted already (under an error)
    for i, line in enumerate(lines):
        if i < taken or not _IMPORTANT.search(line) or _WARNING.search(line):
            continue
        out.append(line)
        if line.endswith(":") or re.search(_DJANGO_CHECK, line):
            under = list(itertools.takewhile(lambda x: x[:1].isspace(), lines[i + 1:i + 1 + DETAIL_LINES]))
            out += [x.strip() for x in under]
            taken = i + 1 + len(under)
    return out


def _collapsed(lines: list[str]) -> list[str]:
    """*lines* with each line that comes again kept once, where it first came, with how often it came
    ("... (12 times)"): a client that retries its connection (ioredis' "Unhandled error event: Error: connect
    ECONNREFUSED 127.0.0.1:6379" ten times) filled the lines quoted and hid the one line that said why the
    app exited (mongoose's "connect ECONNREFUSED 127.0.0.1:27017")."""
    counts = collections.Counter(lines)
    return [line if counts[line] == 1 else f"{line} ({counts[line]} times)" for line in dict.fromkeys(lines)]


def _without_npm_noise(lines: list[str]) -> list[str]:
    """*lines* without what npm prints around its reason under "npm error" (see _NPM_BARE, _NPM_LOGS,
    _NPM_404_NOTE, _NPM_USAGE): npm ci's usage text took every line a message shows, and hid "Missing: ...
    from lock file"; without Yarn 1's pointer to its documentation, and Yarn 2+'s lines without their
    frame (_YARN_VISIT, _YARN_FRAME)."""
    out: list[str] = []
    usage = False
    for line in lines:
        if _NPM_USAGE.match(line):
            usage = True
            if out and out[-1].startswith(("npm error ", "npm ERR! ")):
                out.pop()  # the command's description ("npm error Clean install a project")
            continue
        if usage:
            usage = not _NPM_HELP.match(line)
            continue
        if not (_NPM_BARE.match(line) or _NPM_LOGS.match(line) or _NPM_404_NOTE.match(line)
                or _YARN_VISIT.match(line)):
            out.append(_YARN_FRAME.sub(r"\1: ", line))
    return out


# Python's words between the tracebacks of chained exceptions (PEP 3134)
_CHAINED = ("The above exception was the direct cause of the following exception:",
            "During handling of the above exception, another exception occurred:")


def _chained_cause(lines: list[str], start: int, headers: list[int]) -> list[str]:
    """The exception line of the traceback that the one starting at ``lines[start]`` was chained to (its
    "direct cause", or the one it was raised while handling), as "caused by: ..."; [] for a traceback that
    stands alone. Django's runserver wraps a failed import of the WSGI module in ImproperlyConfigured
    ("could not be loaded; Error importing module."): the first traceback's ModuleNotFoundError named the
    module, and a run quoted the second alone."""
    if start == 0 or lines[start - 1].strip() not in _CHAINED:
        return []
    earlier = [i for i in headers if i < start - 1]
    if not earlier:
        return []
    block, _ = _traceback(lines, earlier[-1])
    exception = next((x for x in reversed(block) if _EXCEPTION.match(x)), "")
    return [f"caused by: {exception}"] if exception else []


def _traceback(lines: list[str], start: int) -> tuple[list[str], int]:
    """The traceback whose header is ``lines[start]``, through its exception line and at most DETAIL_LINES
    lines of the exception's message after it, and the index in *lines* where what follows it starts.

    A tool that quotes a build's output puts a gutter before each line (Poetry 2: ``"    | "``, Poetry 1:
    two spaces): the text before the header counts as one when the next line starts with it too, and is
    left out of the lines returned; the traceback ends where it stops. The exception line is the first one
    not indented that starts with a class name, not the first one not indented: pipenv prints tracebacks
    wrapped at 80 columns, which puts a file's path or "line 416, in <module>" at the start of a line."""
    header = lines[start]
    gutter = header[: header.index(_HEADER)]
    if not gutter or not (start + 1 < len(lines) and lines[start + 1].startswith(gutter)):
        gutter = ""
    body: list[str] = []
    where: list[int] = []  # the index in *lines* of each line of body
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if gutter and line == gutter.rstrip():  # a gutter with nothing after it: a blank line
            continue
        if not line.startswith(gutter):
            break
        body.append(line[len(gutter):])
        where.append(i)
    if not body:
        return [header[len(gutter):]], start + 1
    unindented = [i for i, line in enumerate(body) if not line[:1].isspace()]
    last = next((i for i in unindented if _EXCEPTION.match(body[i]) and not _RECORD.match(body[i])), None)
    if last is None or any(_RECORD.match(body[i]) for i in unindented if i < last):
        # No exception line (the process was killed while printing it; an exception group's are all
        # indented): the traceback ends at the first line not indented, unless that is a log record.
        cut = unindented[0] if unindented else len(body)
        last = cut if cut < len(body) and not _RECORD.match(body[cut]) else cut - 1
        if last < 0:
            return [header[len(gutter):]], where[0]
    # An exception's message may go on over lines, each indented or a field's name with the error indented
    # under it (pydantic's ValidationError); anything else is what the program printed next (gunicorn's
    # log, Poetry 1's "at .../chef.py:164 in _prepare" over its code).
    detail = last
    while detail + 1 < len(body) and detail - last < DETAIL_LINES:
        line = body[detail + 1]
        then = body[detail + 2] if detail + 2 < len(body) else ""
        if not (line[:1].isspace() or (_FIELD.match(line) and then[:1].isspace())):
            break
        detail += 1
    if not body[detail][:1].isspace() and detail > last:  # a field cut off from its error says nothing
        detail -= 1
    return [header[len(gutter):], *body[: detail + 1]], where[detail] + 1


_MISSING_DEPENDENCY = re.compile(r"ModuleNotFoundError|No module named|ImportError|Cannot find module"
                                 r"|ERR_MODULE_NOT_FOUND|Cannot find package|cannot load such file|LoadError"
                                 r"|command not found")
# Node's error code, which names no module: the code: line under its error ("code: 'ERR_MODULE_NOT_FOUND'")
# and the line of its own source it quotes above an ES module's ("throw new ERR_MODULE_NOT_FOUND(")
_NODE_CODE = re.compile(r"\b(?:ERR_)?MODULE_NOT_FOUND\b")


# Node's "Cannot find module '/app/backend/server.js'" (CommonJS, and ESM's "... imported from ..."): the name
_NODE_MODULE = re.compile(r"""Cannot find module ['"]([^'"]+)['"]""")


def _own_file(module: str) -> bool:
    """Whether a module Node could not find is a file of the project's (``./db``, ``../config.js``, an
    absolute path outside node_modules), which no install makes, not a package."""
    return module.startswith(("./", "../", ".\\", "..\\")) or (
        module.startswith("/") or re.match(r"[A-Za-z]:[\\/]", module) is not None
    ) and "node_modules" not in re.split(r"[\\/]", module)


def lacks_a_dependency(lines: Sequence[str]) -> bool:
    """Whether a process's output says a module or package it imports is missing (what a setup that was
    skipped may have left out: ``ModuleNotFoundError``, Node's ``Cannot find module``). A file of the
    project's own that Node could not find (``Cannot find module '/app/server.js'``, ``'./db'``) is no
    dependency: a setup does not make it, and Node's error code on the lines around it (``code:
    'ERR_MODULE_NOT_FOUND'``, ``throw new ERR_MODULE_NOT_FOUND(``) is not counted either."""
    named = [m.group(1) for line in lines if (m := _NODE_MODULE.search(line))]
    if any(not _own_file(module) for module in named):
        return True
    return any(_MISSING_DEPENDENCY.search(_NODE_CODE.sub("", line) if named else line)
               for line in lines if not _NODE_MODULE.search(line))


_NO_MODULE = re.compile(r"ModuleNotFoundError: No module named ['\"]([\w.]+)['\"]")
_PY_SCRIPT = re.compile(r"(?:^|\s)(?:\S*/)?python(?:3(?:\.\d+)?)?\s+(?:-\S+\s+)*((?:[\w.-]+/)+[\w.-]+\.py)\b")


def missing_module(lines: Sequence[str]) -> str:
    """The module Python could not import (``ModuleNotFoundError: No module named 'psycopg2'``), "" when
    none."""
    return next((m.group(1) for line in lines if (m := _NO_MODULE.search(line))), "")


def own_module(lines: Sequence[str], cwd: Path) -> str:
    """The module Python could not import (``ModuleNotFoundError: No module named 'x'``) when its top
    package is the project's own: a package folder or a ``.py`` file in *cwd*, which no install makes, so no
    setup that was skipped left it out; "" otherwise."""
    module = missing_module(lines)
    top = module.split(".")[0]
    return module if module and ((cwd / top).is_dir() or (cwd / f"{top}.py").is_file()) else ""


def own_module_hint(module: str, command: str) -> str:
    """Why Python did not find the project's own *module* (see :func:`own_module`) and what to change: a
    ``python pkg/main.py`` in *command* puts pkg/ on the import path, not the folder that holds pkg
    (aiohttp-demos' blog: ``python aiohttpdemo_blog/main.py`` stopped on ``No module named
    'aiohttpdemo_blog'``), which ``python -m pkg.main`` does."""
    top = module.split(".")[0]
    m = _PY_SCRIPT.search(command)
    if m and m.group(1).removeprefix("./").split("/")[0] == top:
        script = m.group(1).removeprefix("./")
        dotted = script[:-3].replace("/", ".")
        folder = script.rsplit("/", 1)[0]
        return (f"; {top} is the project's own package: `python {script}` puts {folder}/ on "
                f"Python's import path, not the folder that holds {top}/; run it as `python -m {dotted}` "
                "(or install the project into its environment, pip install -e .)")
    return (f"; {top} is the project's own ({top}/ in the folder the command runs in), not an installed "
            "package: Python did not find it on its import path; run the command from that folder with "
            "`python -m`, or set PYTHONPATH in [serve] env")


# A name that did not resolve: Node's "getaddrinfo ENOTFOUND fonts.googleapis.com" (EAI_AGAIN when no DNS
# answers), curl's "Could not resolve host: x", Python's "HTTPSConnectionPool(host='pypi.org', ...) ...
# Temporary failure in name resolution", Go's "dial tcp: lookup proxy.golang.org ... no such host"
_UNRESOLVED = re.compile(
    r"getaddrinfo (?:ENOTFOUND|EAI_AGAIN) ([\w.-]+)|Could not resolve host:? '?([\w.-]+)|"
    r"host='([\w.-]+)'.*(?:name resolution|Name or service not known|nodename nor servname)|"
    r"\blookup ([\w.-]+)(?: on \S+)?: no such host|"
    # node-gyp's download of Node's headers ("gyp http fetch GET https://nodejs.org/download/release/v20.20.2/
    # node-v20.20.2-headers.tar.gz attempt 1 failed with ENOTFOUND"), which names no host after the code
    r"\bGET https?://([\w.-]+)\S* attempt \d+ failed with (?:ENOTFOUND|EAI_AGAIN)"
)
# node-gyp's download of the headers a native module is compiled against
_NODE_HEADERS = re.compile(r"\bGET https?://\S+-headers\.tar\.gz attempt \d+ failed with "
                           r"(?:ENOTFOUND|EAI_AGAIN)")
# Yarn 2+'s report of a package whose build (install script) failed, whose output went to a log file
_YARN_BUILD = re.compile(r"\bYN0009: .*?(\S+) couldn't be built successfully \(exit code \d+, logs can be "
                         r"found here: (\S+)\)")
# How much of a build log is read, and how many of its lines are quoted
BUILD_LOG_BYTES = 256 * 1024
BUILD_LOG_LINES = 4
# next/font's own words when it cannot download a Google font ("Failed to fetch `Manrope` from Google
# Fonts."), below the file that loads it and "`next/font` error:"
_NEXT_FONT = re.compile(r"Failed to fetch (?:font )?`([^`]+)`(?: from Google Fonts|:\s*https://fonts\.)")
_GOOGLE_FONTS = ("fonts.googleapis.com", "fonts.gstatic.com")
# The Angular CLI's words when its build cannot download a font it inlines (Google Fonts, Adobe Fonts)
_NG_INLINE_FONTS = "Inlining of fonts failed"
_SOURCE_FILE = re.compile(r"[\w./()@\[\]-]+\.[cm]?[jt]sx?")
# Next's words when a page it renders during the build fails: 'Error occurred prerendering page "/pricing".'
_PRERENDER = re.compile(r'Error occurred prerendering page "([^"]+)"')


# `flask db upgrade`, `flask --app x db upgrade -d path`: Flask-Migrate's commands
_FLASK_DB = re.compile(r"(?:^|[\s;&|(/])flask\s(?:[^;&|]*\s)?db\s+(\w+)")
_MIGRATIONS_DIR = re.compile(r"\s(?:-d|--directory)[\s=]+['\"]?([^\s'\";&|]+)")
_SAYS_ERROR = re.compile(r"error|traceback|exception|fail", re.IGNORECASE)


def silent_migration_hint(lines: Sequence[str], command: str, cwd: Path) -> str:
    """Why a Flask-Migrate command (``flask db upgrade``) that failed printed no error, when it did not
    (*lines*, its output, hold Alembic's INFO lines at most) and its ``alembic.ini`` leaves
    ``flask_migrate`` out of ``[loggers]``: Alembic's logging setup then disables Flask-Migrate's logger,
    which is where its error goes ("Can't locate revision identified by ...": a database migrated by
    another branch, in microblog's chapters); "" otherwise."""
    import configparser

    m = _FLASK_DB.search(command)
    if m is None or any(_SAYS_ERROR.search(line) for line in lines):
        return ""
    given = _MIGRATIONS_DIR.search(command[m.end():])
    ini = cwd / (given.group(1) if given else "migrations") / "alembic.ini"
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(ini.read_text(encoding="utf-8"))
        keys = [k.strip() for k in parser.get("loggers", "keys", fallback="").split(",")]
    except (OSError, UnicodeDecodeError, configparser.Error):
        return ""
    if not keys or "flask_migrate" in keys:
        return ""
    shown = os.path.relpath(ini, cwd)
    return (f"; Flask-Migrate printed no error: the [loggers] keys of {shown} ({', '.join(keys)}) leave "
            f"out flask_migrate, so the logging it sets up silences Flask-Migrate's message (add it, with a "
            f"[logger_flask_migrate] section, to see why); a database at a revision these migrations lack "
            f"(another branch's) fails so")


def unreachable_host_hint(lines: Sequence[str]) -> str:
    """What a step that failed on a host it could not resolve needs: for next/font's Google Fonts, which
    ``next build`` downloads, and the fonts ``ng build`` inlines, how to build without them (the file that
    loads them, when next names it); for
    a page ``next build`` prerenders, that page; else the host; "" when the output (*lines*) names none.

    A Next.js build printed only "getaddrinfo ENOTFOUND fonts.googleapis.com" (3 times) and the error's
    fields: nothing said that a font of app/layout.tsx was the download, nor what to do where CI has no
    internet."""
    host = ""
    for line in lines:
        m = _UNRESOLVED.search(line)
        if m:
            host = next(g for g in m.groups() if g)
    if any(_NG_INLINE_FONTS in line for line in lines):
        # the Angular CLI's optimized build inlines the stylesheets of the fonts the index page links
        return (f"; `ng build` inlines the fonts its index page links and downloads them from "
                f"{host or 'their host'}, which this machine cannot reach: where CI has no internet, set "
                '"optimization": { "scripts": true, "styles": true, "fonts": false } in the configuration '
                "it builds with (angular.json)")
    font = next((m.group(1) for line in lines if (m := _NEXT_FONT.search(line))), "")
    if font or host in _GOOGLE_FONTS:
        at = next((i for i, line in enumerate(lines) if "`next/font` error" in line), -1)
        above = lines[at - 1].strip() if at > 0 else ""
        where = f" in {above}" if _SOURCE_FILE.fullmatch(above) else ""
        what = f"the font {font}" if font else "its fonts"
        return (f"; `next build` downloads {what} from Google Fonts (next/font/google{where}) and this "
                "machine cannot reach fonts.googleapis.com: where CI has no internet, point "
                "NEXT_FONT_GOOGLE_MOCKED_RESPONSES in [serve] env at a module of local answers "
                '(docs/serve.md, "Builds that download"), or load the font with next/font/local')
    if not host:
        return ""
    page = next((m.group(1) for line in lines if (m := _PRERENDER.search(line))), "")
    if page:
        # the saas-starter's /pricing asks Stripe for its prices: with a placeholder key it fails online too
        return (f"; `next build` prerenders {page}, which connects to {host}, a name this machine cannot "
                "resolve: give the build that network (and the credentials the page needs), or render the "
                'page on request (`export const dynamic = "force-dynamic"` in it)')
    return f"; it connects to {host}, a name this machine cannot resolve: give the step that network"


def yarn_build_hint(lines: Sequence[str]) -> str:
    """What the log of the first package whose build Yarn 2+ reports failed (YN0009, *lines*) says: Yarn
    prints only where the log is, a file of the machine's temporary folder that a CI job's artifacts do not
    hold, so actual-server's install stopped on "bcrypt@npm:5.1.1 couldn't be built successfully (exit code
    1, logs can be found here: /tmp/xfs-57a39d4b/build.log)" and nothing of why (node-gyp could not download
    Node's headers). The next build's log when one cannot be read; "" when none can, or no build failed."""
    for package, path in (m.groups() for line in lines if (m := _YARN_BUILD.search(line))):
        try:
            with open(path, "rb") as log:
                text = log.read(BUILD_LOG_BYTES).decode("utf-8", "replace")
        except OSError:  # removed since (another job's clean-up): the next build's, if any
            continue
        logged = [line for line in text.splitlines() if not line.startswith("#")]
        return _build_log_hint(package, path, logged)
    return ""


def _build_log_hint(package: str, path: str, logged: list[str]) -> str:
    """What the build log *path* of *package* (its lines *logged*, Yarn's comments left out) says, for
    :func:`yarn_build_hint`."""
    shown = important_lines(logged, most=BUILD_LOG_LINES, errors_only=True)
    if not shown:
        return ""
    said = f"; the build log of {package} ({path}) says: {' | '.join(shown)}"
    if any(_NODE_HEADERS.search(line) for line in logged):
        return (said + "; node-gyp downloads the headers of this Node from nodejs.org, which this machine "
                "cannot reach: where CI has no internet, set npm_config_nodedir in [serve] env to the prefix "
                "of a Node install that has include/node (/usr for Debian's nodejs and libnode-dev)")
    return said + unreachable_host_hint(logged)


# Yarn 2+'s refusal of a YARN_ variable of the environment that names no setting of its own ("Usage Error:
# Unrecognized or legacy configuration settings found: production - run "yarn config -v" to see the list of
# settings supported in Yarn (in <environment>)"): Yarn 1's YARN_PRODUCTION, which init once wrote
_YARN_UNKNOWN = re.compile(r"Unrecognized or legacy configuration settings found: ([\w, ]+?) - run .*"
                           r"\(in <environment>\)")


def yarn_setting_hint(lines: Sequence[str]) -> str:
    """Which variable of the environment a Yarn 2+ that refused its settings read (see _YARN_UNKNOWN): Yarn
    names the setting ("production"), the user set YARN_PRODUCTION ([serve] env, the CI job's environment);
    "" when Yarn refused none."""
    found = next((m.group(1) for line in lines if (m := _YARN_UNKNOWN.search(line))), "")
    if not found:
        return ""
    names = [re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip()).upper() for name in found.split(",")]
    shown = ", ".join(f"YARN_{name}" for name in names if name)
    why = (" (Yarn 1's; Yarn 2+ installs the devDependencies whatever NODE_ENV says)" if "PRODUCTION" in names
           else "")
    return (f"; Yarn 2+ reads every YARN_ variable of the environment as one of its settings and has no "
            f"{shown}{why}: remove it from [serve] env and the job's environment")


def missing_tool(lines: Sequence[str]) -> str | None:
    """The program a shell could not find ("sh: 1: npm: not found"), or None."""
    for line in reversed(lines):
        m = _NOT_FOUND.search(line.strip())
        if m:
            return m.group(1)
    return None


def summarise(lines: Sequence[str]) -> str:
    """The important lines joined for a one-line error: "; last output: a | b", or that it printed nothing."""
    shown = important_lines(lines)
    return ("; it printed: " + " | ".join(shown)) if shown else "; it printed nothing"


# Bounds of what is kept of a process's output (bytes): a line longer than LINE_BYTES is split
# into pieces of that size, the tail holds at most TAIL_LINES lines and TAIL_BYTES bytes.
LINE_BYTES = 4096
TAIL_LINES = 400
TAIL_BYTES = 512 * 1024
READ_BYTES = 65536
# Every pattern of _IMPORTANT contains one of these: a quick test first (output can be huge).
_HINTS = ("E", "YN", "error ", "FATAL", "fatal", "panic", "npm", "not found", "Cannot", "Traceback",
          "Address", "Disallowed", "denied", "ython", "not a problem with", "Missing environment")


class OutputBuffer:
    """A process's output, bounded: its last lines, and the first lines that name an error.

    :meth:`feed` takes raw bytes as they come (from one reader thread);
    lines end at LF, CR or CRLF and one longer than *line_bytes* is kept in
    pieces of that size, which :meth:`lines` joins back into the line.
    The tail keeps at most *max_lines* pieces and *max_bytes* bytes; the first
    *first* lines that name an error (where tools say the cause, see
    :func:`important_lines`) are kept even when the tail has moved past
    them. Memory stays under about ``max_bytes + (first + 1) * line_bytes``
    whatever the process prints. Safe to read from another thread.
    """

    def __init__(self, *, max_lines: int = TAIL_LINES, max_bytes: int = TAIL_BYTES,
                 line_bytes: int = LINE_BYTES, first: int = 4):
        self.max_lines, self.max_bytes, self.line_bytes, self.first = max_lines, max_bytes, line_bytes, first
        self.received = 0
        self.count = 0
        # (index, bytes, whether the piece continues the line of the piece before it)
        self._tail: collections.deque[tuple[int, bytes, bool]] = collections.deque()
        self._tail_bytes = 0
        self._early: list[tuple[int, str]] = []
        self._partial = b""
        self._partial_continues = False  # pieces of the unfinished line are in the tail already
        self._lock = threading.Lock()

    def feed(self, data: bytes) -> None:
        """Take the next *data* the process wrote."""
        with self._lock:
            self.received += len(data)
            text = self._partial + data
            if b"\r" in text:
                text = text.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
            pieces = text.split(b"\n")
            self._partial = pieces.pop()
            for piece in pieces:
                self._add_split(piece, continues=self._partial_continues)
                self._partial_continues = False
            if len(self._partial) > self.line_bytes:
                # Whole pieces go now; the rest (at most line_bytes) may still be continued.
                cut = (len(self._partial) - 1) // self.line_bytes * self.line_bytes
                self._add_split(self._partial[:cut], continues=self._partial_continues, more=True)
                self._partial = self._partial[cut:]
                self._partial_continues = True

    def close(self) -> None:
        """The process closed its output: an unfinished last line counts as a line."""
        with self._lock:
            if self._partial or self._partial_continues:
                self._add_split(self._partial, continues=self._partial_continues)
                self._partial = b""
                self._partial_continues = False

    def lines(self) -> list[str]:
        """The lines kept, oldest first: the early error lines the tail no longer holds, "…", then the
        tail (with the unfinished last line, if any). Blank lines are left out.

        A long line's pieces are joined back: shown as lines of their own, a piece began in the middle of
        the app's line, and a secret the cut split was masked in neither piece (its end opened the next
        one). A line whose start the tail has dropped is left out, for the same reason."""
        with self._lock:
            entries = list(self._tail)
            partial, partial_continues = self._partial, self._partial_continues
            oldest = entries[0][0] if entries else self.count + 1
            early = [text for index, text in self._early if index < oldest]
        joined: list[bytearray] = []
        whole = False  # whether the last piece taken belongs to a line whose start is kept
        for _, raw, continues in entries:
            if not continues:
                joined.append(bytearray(raw))
                whole = True
            elif whole:
                joined[-1] += raw
        if partial_continues and whole:
            joined[-1] += partial
        elif not partial_continues:
            joined.append(bytearray(partial))
        tail = [text for text in (_decode(bytes(raw)) for raw in joined) if text.strip()]
        return [*early, "…", *tail] if early else tail

    def _add_split(self, raw: bytes, *, continues: bool = False, more: bool = False) -> None:
        """Add *raw* (a line, or part of one: *continues* when it goes on from the piece before, *more*
        when more of it is to come) in pieces of at most line_bytes."""
        single = not continues and not more and len(raw) <= self.line_bytes
        if single and not _decode(raw).strip():
            return  # a blank line (a long one's pieces are kept: they join the pieces after them)
        for start in range(0, max(len(raw), 1), self.line_bytes):
            self._add(raw[start: start + self.line_bytes], continues or start > 0)

    def _add(self, raw: bytes, continues: bool) -> None:
        self.count += 1
        # A traceback's header without its body says nothing (nor does one behind a gutter: "    | Traceback
        # ..."): the tail keeps whole tracebacks.
        if not continues and len(self._early) < self.first:
            text = _decode(raw)
            if _names_error(text[:300]) and _HEADER not in text:
                self._early.append((self.count, text))
        self._tail.append((self.count, raw, continues))
        self._tail_bytes += len(raw)
        while self._tail and (len(self._tail) > self.max_lines or self._tail_bytes > self.max_bytes):
            self._tail_bytes -= len(self._tail.popleft()[1])


def _names_error(start: str) -> bool:
    """Whether the start of a line (what :func:`important_lines` shows of it) names an error."""
    return (any(hint in start for hint in _HINTS) and _IMPORTANT.search(start) is not None
            and not _WARNING.search(start))


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "replace").rstrip()


def read_into(stream: IO[bytes], buffer: OutputBuffer, lock: threading.Lock | None = None) -> None:
    """Feed *buffer* from *stream* until end of file, in chunks (never a whole line at once), then close
    both. Run in a thread of its own; a read error ends it like end of file.

    With *lock*, each chunk is read and fed while holding it, so whoever holds *lock* knows no chunk is
    half taken in, and :func:`drain` can read what is left itself."""
    try:
        if lock is None:
            while True:
                chunk = stream.read1(READ_BYTES) if hasattr(stream, "read1") else stream.read(READ_BYTES)
                if not chunk:
                    break
                buffer.feed(chunk)
            return
        import select

        fd = stream.fileno()
        while True:
            select.select([fd], [], [], 0.2)
            with lock:
                if not select.select([fd], [], [], 0)[0]:
                    continue  # drain took what was there
                chunk = os.read(fd, READ_BYTES)
                if not chunk:
                    break
                buffer.feed(chunk)
    except (OSError, ValueError):  # closed under us while stopping
        pass
    finally:
        buffer.close()
        # Here, not in the app's stop(), and under *lock*, which drain reads with: closed while another
        # thread may still read its descriptor, a file opened meanwhile could take that number and be read
        # as the app's output.
        with lock or contextlib.nullcontext(), contextlib.suppress(OSError):
            stream.close()


def drain(stream: IO[bytes], buffer: OutputBuffer, lock: threading.Lock, limit: float = 3.0) -> None:
    """Take into *buffer* all that is waiting in the pipe *stream* (which :func:`read_into` reads with
    *lock*), for at most *limit* s (a child of the process may still be writing).

    Once a process has exited, all it wrote is in the pipe or in *buffer*: after this, its last words are
    in *buffer* however far behind the reader thread is (on a busy machine it lagged for over a second,
    and a message quoted a traceback's header without its error line). End of file may never come: a
    child of the process that still runs holds the pipe open."""
    import select

    deadline = time.monotonic() + limit
    with lock:
        try:
            fd = stream.fileno()
            while time.monotonic() < deadline and select.select([fd], [], [], 0)[0]:
                chunk = os.read(fd, READ_BYTES)
                if not chunk:
                    break
                buffer.feed(chunk)
        except (OSError, ValueError):
            pass
