"""Secret-detection rules written in gitleaks' TOML format, compiled for Python's ``re``.

Two files ship in :mod:`echotune_ci.data`:

- ``gitleaks-<version>.toml``: gitleaks' own default rule set (MIT licence,
  ``gitleaks-LICENSE`` beside it), byte for byte as gitleaks publishes it in
  ``config/gitleaks.toml``;
- ``secrets-rules.toml``: our additions in the same format, for formats
  gitleaks has no rule for (AWS secret access keys, Azure storage keys,
  OpenAI-style ``sk-`` keys of any provider, short private keys).

gitleaks' patterns are RE2 syntax; :func:`translate_re2` turns the three RE2
forms that Python's ``re`` reads differently into their Python spelling
(flags set in the middle of a pattern, ``\\z``, POSIX classes ``[[:alnum:]]``)
and every pattern is compiled with ``re.ASCII`` (RE2's ``\\w``, ``\\s``, ``\\b``
are ASCII-only). A rule is matched the way gitleaks matches it: only when one
of its keywords is in the text (case-insensitively), the secret is the
``secretGroup`` or the first non-empty group, a rule's ``entropy`` is the
Shannon entropy the secret must exceed, and the global and per-rule
allow-lists (paths, regexes on the secret, the match or the line, stopwords)
apply.

This module only finds candidate matches; :mod:`.checks.secrets` names them,
filters placeholders and masks the values.
"""

from __future__ import annotations

import functools
import importlib
import math
import re
import time
import tomllib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

GITLEAKS_VERSION = "8.30.1"
GITLEAKS_FILE = f"gitleaks-{GITLEAKS_VERSION}.toml"
EXTRA_FILE = "secrets-rules.toml"
DATA_FILES = (GITLEAKS_FILE, "gitleaks-LICENSE", EXTRA_FILE)

_POSIX_CLASSES = {
    "alnum": "0-9A-Za-z", "alpha": "A-Za-z", "ascii": "\\x00-\\x7f", "blank": "\\t ",
    "cntrl": "\\x00-\\x1f\\x7f", "digit": "0-9", "graph": "!-~", "lower": "a-z", "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\v\\f\\r ", "upper": "A-Z", "word": "0-9A-Za-z_", "xdigit": "0-9A-Fa-f",
}
_FLAG_GROUP = re.compile(r"\(\?([imsU-]+)\)")
# Windows of text around a keyword are matched instead of the whole text when a rule's
# longest match is at most this long (see RuleSet._spans).
_WINDOW_MAX_WIDTH = 1024
#: CPU seconds one rule may spend on one file (see RuleSet.scan).
RULE_BUDGET = 2.0


class RuleError(ValueError):
    """A rule file that cannot be used: bad TOML, a pattern Python cannot compile, an unknown key."""


def translate_re2(pattern: str) -> str:
    """*pattern* (RE2 syntax) spelled for Python's ``re``.

    - a flag group in the middle of a pattern (``\\b(p8e-(?i)[a-z0-9]{32})``),
      which RE2 applies to the rest of the enclosing group, becomes a scoped
      group closing with it (``\\b(p8e-(?i:[a-z0-9]{32}))``); Python accepts
      global flags only at the very start;
    - ``\\z`` (end of text) becomes ``\\Z``, Python's spelling of it;
    - POSIX classes inside brackets (``[[:alnum:]]``) become ranges.

    Everything else in gitleaks' rules means the same in both engines.
    """
    out: list[str] = []
    closers: list[int] = [0]  # per open group: scoped flag groups to close with it (index 0: top level)
    i, n, in_class = 0, len(pattern), False
    while i < n:
        c = pattern[i]
        if c == "\\":
            out.append("\\Z" if pattern[i + 1:i + 2] == "z" else pattern[i:i + 2])
            i += 2
        elif in_class:
            if pattern.startswith("[:", i) and (end := pattern.find(":]", i + 2)) > 0:
                name = pattern[i + 2:end]
                if name not in _POSIX_CLASSES:
                    raise RuleError(f"unknown POSIX class [:{name}:] in {pattern!r}")
                out.append(_POSIX_CLASSES[name])
                i = end + 2
                continue
            in_class = c != "]"
            out.append(c)
            i += 1
        elif c == "[":
            in_class = True
            start = i + 1 + (pattern[i + 1:i + 2] == "^")
            out.append(pattern[i:start])
            i = start
            if pattern[i:i + 1] == "]":  # a literal ']' first in a class
                out.append("\\]")
                i += 1
        elif c == "(" and (flags := _FLAG_GROUP.match(pattern, i)):
            if i == 0 and "-" not in flags.group(1):
                out.append(flags.group(0))
            else:
                out.append(f"(?{flags.group(1)}:")
                closers[-1] += 1
            i = flags.end()
        elif c == "(":
            closers.append(0)
            out.append(c)
            i += 1
        elif c == ")":
            out.append(")" * closers.pop() + ")")
            if not closers:
                raise RuleError(f"unbalanced ')' in {pattern!r}")
            i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out) + ")" * closers[0]


def compile_re2(pattern: str) -> re.Pattern[str]:
    """*pattern* translated (:func:`translate_re2`) and compiled with ``re.ASCII``; RuleError if it fails."""
    try:
        return re.compile(translate_re2(pattern), re.ASCII)
    except re.error as exc:
        raise RuleError(f"pattern {pattern!r} does not compile: {exc}") from exc


def shannon_entropy(value: str) -> float:
    """Shannon entropy of the characters of *value*, in bits per character (0 for "")."""
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values()) if n else 0.0


def _max_width(pattern: re.Pattern[str]) -> int | None:
    """The longest text *pattern* can match, or None when unbounded (or unknown)."""
    try:
        parser = importlib.import_module("re._parser")
        width = parser.parse(pattern.pattern, pattern.flags).getwidth()[1]
    except Exception:  # noqa: BLE001 - a private module: without it every text is matched whole
        return None
    return int(width) if width < _WINDOW_MAX_WIDTH else None


_NAME_PREFIX = "[\\w.-]{0,50}?"
_ENUMERATION_LIMIT = 256


def _anchored(pattern: str, keywords: Sequence[str], groups: int) -> tuple[re.Pattern[str] | None, int]:
    """The pattern to match at the rule's keyword positions only, and how far back its match reaches.

    A rule whose every match starts with one of its keywords (``ghp_[0-9a-zA-Z]{36}``) finds the
    same matches when tried at the keyword positions only. gitleaks' keyword-context rules start
    with a lazy name prefix, ``(?i)[\\w.-]{0,50}?(?:adafruit)…``, at every position of a text Python's
    backtracking engine tries up to 50 prefix lengths; without the prefix the pattern starts with
    the name, and when every string the name can be starts with a keyword, matching it at the
    keyword positions finds the same secrets (the prefix only widens the match backwards).
    Returns (pattern, prefix width) or (None, 0) when neither holds.
    """
    if not keywords:
        return None, 0
    rest, flags, count = pattern, "", 0
    if rest.startswith("(?i)"):
        flags, rest = "(?i)", rest[4:]
    while rest.startswith(_NAME_PREFIX) or rest.startswith("(?i:" + _NAME_PREFIX):
        if rest.startswith("(?i:"):
            flags, rest = flags + "(?i:", rest[4:]
        rest = rest[len(_NAME_PREFIX):]
        count += 1
    try:
        anchored = compile_re2(flags + rest if count else pattern)
    except RuleError:
        return None, 0
    words = _leading_strings(anchored)
    if anchored.groups != groups or words is None or not all(w.lower().startswith(tuple(keywords))
                                                            for w in words):
        return None, 0
    return anchored, 50 * count


def _leading_strings(pattern: re.Pattern[str]) -> list[str] | None:
    """Strings one of which starts every match of *pattern*: its leading literals, small classes and
    alternatives, expanded (``(?:adafruit)…`` gives ``["adafruit"]``); None when it starts otherwise."""
    try:
        parser = importlib.import_module("re._parser")
        constants = importlib.import_module("re._constants")
        items = list(parser.parse(pattern.pattern, pattern.flags))
    except Exception:  # noqa: BLE001 - a private module: without it no rule is anchored
        return None
    out = _prefix_strings(items, constants)
    return out if out != [""] else None


def _prefix_strings(items: Sequence[Any], c: Any) -> list[str]:
    """Strings one of which starts every match of the parsed sequence *items* (at least [""])."""
    out = [""]
    for item in items:
        if item[0] is c.AT or (item[0] in (c.ASSERT, c.ASSERT_NOT) and item[1][0] < 0):
            continue  # \b, ^, a look-behind: zero-width, before the match's first character
        options = _strings([item], c)
        if options is None and item[0] in (c.SUBPATTERN, c.BRANCH):  # more than literals: their starts
            alternatives = [item[1][-1]] if item[0] is c.SUBPATTERN else item[1][1]
            options = [s for alt in alternatives for s in _prefix_strings(list(alt), c)]
            if len(out) * len(options) <= _ENUMERATION_LIMIT:
                out = [a + b for a in out for b in options]
            break
        if options is None or len(out) * len(options) > _ENUMERATION_LIMIT:
            break
        out = [a + b for a in out for b in options]
    return out


def _strings(items: Sequence[Any], c: Any) -> list[str] | None:
    """The strings a parsed sequence can match (literals, small classes, alternatives, small repeats)."""
    out = [""]
    for op, arg in items:
        options: list[str] | None
        if op is c.LITERAL:
            options = [chr(arg)]
        elif op is c.IN and all(o is c.LITERAL for o, _ in arg):
            options = [chr(a) for _, a in arg]
        elif op is c.SUBPATTERN:
            options = _strings(list(arg[-1]), c)
        elif op is c.BRANCH:
            parts = [_strings(list(alt), c) for alt in arg[1]]
            options = None if any(p is None for p in parts) else [s for p in parts for s in p or ()]
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT) and arg[1] <= 2:
            inner = _strings(list(arg[2]), c)
            options = None if inner is None else [s * n for s in inner for n in range(arg[0], arg[1] + 1)]
        else:
            return None
        if options is None or len(out) * len(options) > _ENUMERATION_LIMIT:
            return None
        out = [a + b for a in out for b in options]
    return out


@dataclass(frozen=True)
class RuleAllowlist:
    """One ``[[rules.allowlists]]`` (or the global ``[allowlist]``): what a match may be and not count.

    ``target`` says what ``regexes`` are matched against: the secret, the
    whole match or the line. With ``condition = "AND"`` every listed kind of
    check must hold; otherwise any one does.
    """

    paths: tuple[re.Pattern[str], ...] = ()
    regexes: tuple[re.Pattern[str], ...] = ()
    stopwords: tuple[str, ...] = ()
    target: str = "secret"
    all_of: bool = False

    def skips_file(self, rel: str) -> bool:
        """Whether the file *rel* is never matched (a path allow-list that needs nothing else)."""
        if not self.paths or not any(p.search(rel) for p in self.paths):
            return False
        return not self.all_of or not (self.regexes or self.stopwords)

    def allows(self, secret: str, match: str, line: str, rel: str) -> bool:
        """Whether a match whose secret, match text and line are given is allowed in the file *rel*."""
        target = {"match": match, "line": line}.get(self.target, secret)
        regex_ok = any(r.search(target) for r in self.regexes)
        lowered = secret.lower()
        stop_ok = any(w in lowered for w in self.stopwords)
        if not self.all_of:
            return regex_ok or stop_ok
        checks = [any(p.search(rel) for p in self.paths)] if self.paths else []
        checks += [regex_ok] if self.regexes else []
        checks += [stop_ok] if self.stopwords else []
        return bool(checks) and all(checks)


@dataclass(frozen=True, eq=False)
class Rule:
    """One rule: the pattern, what must be in the text before it is tried, and what filters its matches.

    The patterns are compiled on first use (:meth:`prepare`): a scan of a few files (a pre-commit
    hook) needs the rules whose keywords are in them, not all 233.
    """

    id: str
    source: str  # "gitleaks" or "echotune"
    description: str
    pattern: str  # as written in the rule file (RE2 syntax for gitleaks')
    keywords: tuple[str, ...] = ()
    entropy: float = 0.0
    secret_group: int = 0
    path_pattern: str = ""
    allowlist_tables: tuple[Mapping[str, Any], ...] = ()

    @functools.cached_property
    def regex(self) -> re.Pattern[str]:
        """The compiled pattern (RuleError when Python cannot compile it or secretGroup is too large)."""
        regex = compile_re2(self.pattern)
        if self.secret_group > regex.groups:
            raise RuleError(f"rule {self.id}: secretGroup {self.secret_group} but {regex.groups} groups")
        return regex

    @functools.cached_property
    def path(self) -> re.Pattern[str] | None:
        """The file-name pattern the rule is limited to, if any."""
        return compile_re2(self.path_pattern) if self.path_pattern else None

    @functools.cached_property
    def allowlists(self) -> tuple[RuleAllowlist, ...]:
        """The rule's own allow-lists."""
        return tuple(_allowlist(a, f"rule {self.id}") for a in self.allowlist_tables)

    @functools.cached_property
    def max_width(self) -> int | None:
        """The longest text the pattern can match, None when unbounded (or 1 KiB and more)."""
        return _max_width(self.regex)

    @functools.cached_property
    def _anchoring(self) -> tuple[re.Pattern[str] | None, int]:
        return _anchored(self.pattern, self.keywords, self.regex.groups)

    @property
    def anchored(self) -> re.Pattern[str] | None:
        """The pattern to match at keyword positions only (see :func:`_anchored`), or None."""
        return self._anchoring[0]

    @property
    def prefix_width(self) -> int:
        """How far back the name prefix dropped from :attr:`anchored` reached."""
        return self._anchoring[1]

    def prepare(self) -> Rule:
        """Compile everything now (RuleError for a pattern Python cannot use); returns the rule."""
        _ = (self.regex, self.path, self.allowlists, self.max_width, self._anchoring)
        return self


@dataclass(frozen=True)
class RawMatch:
    """A candidate secret: the rule, where the secret starts and ends in the text, and the secret itself."""

    rule: Rule
    start: int
    end: int
    secret: str


def _allowlist(raw: Mapping[str, Any], where: str) -> RuleAllowlist:
    condition = str(raw.get("condition", "OR")).upper()
    target = str(raw.get("regexTarget", "secret"))
    if condition not in ("OR", "AND") or target not in ("secret", "match", "line"):
        raise RuleError(f"{where}: condition must be OR/AND and regexTarget secret/match/line")
    if raw.get("commits"):
        raise RuleError(f"{where}: commit allow-lists are not supported")
    return RuleAllowlist(paths=tuple(compile_re2(p) for p in raw.get("paths", ())),
                         regexes=tuple(compile_re2(r) for r in raw.get("regexes", ())),
                         stopwords=tuple(str(w).lower() for w in raw.get("stopwords", ())),
                         target=target, all_of=condition == "AND")


# Keywords that say more than gitleaks' own, where its keyword is in nearly every file: every JWT has
# ".ey" (the payload's "{" encoded) where gitleaks asks for "ey" (in "key", "they", ...).
KEYWORD_OVERRIDES = {"jwt": (".ey",)}
_RULE_KEYS = {"id", "description", "regex", "keywords", "entropy", "secretGroup", "path", "allowlists",
              "tags"}


def _rule(raw: Mapping[str, Any], source: str) -> Rule | None:
    """The rule *raw* describes; None for a rule without a regex (gitleaks' file-name-only rules)."""
    rule_id = str(raw.get("id", ""))
    unknown = set(raw) - _RULE_KEYS
    if not rule_id or unknown:
        raise RuleError(f"rule {rule_id or '?'}: missing id or unknown keys {sorted(unknown)}")
    if "regex" not in raw:
        return None
    keywords = tuple(sorted({str(k).lower()
                             for k in KEYWORD_OVERRIDES.get(rule_id, raw.get("keywords", ()))}))
    return Rule(id=rule_id, source=source, description=str(raw.get("description", "")),
                pattern=str(raw["regex"]), keywords=keywords, entropy=float(raw.get("entropy", 0.0)),
                secret_group=int(raw.get("secretGroup", 0)), path_pattern=str(raw.get("path") or ""),
                allowlist_tables=tuple(raw.get("allowlists", ())))


# Keywords found in nearly every file of code (several thousand times in a megabyte): each gets its own
# literal search, whose hits cost far less than a hit of the trie below.
FREQUENT_KEYWORDS = ("key", "token", "auth", "api", "secret", "pass", "password", "_password", "access", "://",
                     "test_")


class KeywordIndex:
    """Where each of a set of keywords occurs in a lower-case text.

    Regexes shaped as tries of the keywords, one per first character
    (``a(?:3-|3t|bia|…)``), find the longest keyword at each position where one
    starts (the shorter keywords that are its prefixes start there too);
    searching again one character further finds overlapping ones. For the ~260
    keywords of gitleaks' rules this is several times faster than testing each
    keyword with ``in``. Frequent
    keywords (:data:`FREQUENT_KEYWORDS`) are searched for one by one; keywords
    shorter than *min_length* (``ey``, ``sk``, ``s.``) occur everywhere: they are
    only tested for presence, and the rules that have them search the whole text.
    """

    def __init__(self, keywords: Iterable[str], min_length: int = 3,
                 frequent: Iterable[str] = FREQUENT_KEYWORDS):
        self.keywords = tuple(sorted({k.lower() for k in keywords if k}))
        self.short = tuple(k for k in self.keywords if len(k) < min_length)
        common = set(frequent)
        self._frequent = tuple((k, re.compile(re.escape(k))) for k in self.keywords
                               if k in common and k not in self.short)
        indexed = tuple(k for k in self.keywords if len(k) >= min_length and k not in common)
        by_first: dict[str, list[str]] = {}
        for keyword in indexed:
            by_first.setdefault(keyword[0], []).append(keyword)
        # one trie per first character: the engine then looks for that character alone between hits,
        # instead of trying every branch of one big trie at every position
        self._patterns = tuple(re.compile(_trie(words)) for words in by_first.values())
        self._prefixes = {k: tuple(p for p in indexed if k.startswith(p)) for k in indexed}

    def positions(self, lower: str) -> dict[str, list[int]]:
        """keyword -> the offsets where it starts in *lower* (ascending), for the keywords found there;
        a short keyword that is there maps to ``[]`` (present, offsets not collected)."""
        found: dict[str, list[int]] = {k: [] for k in self.short if k in lower}
        for keyword, literal in self._frequent:
            if keyword in lower:
                found[keyword] = [m.start() for m in literal.finditer(lower)]
        for pattern in self._patterns:
            search = pattern.search
            m = search(lower)
            while m is not None:
                start = m.start()
                for keyword in self._prefixes[m.group()]:
                    found.setdefault(keyword, []).append(start)
                m = search(lower, start + 1)
        return found


def _trie(words: Sequence[str]) -> str:
    """A regex matching the longest of *words* at a position (a trie of alternatives)."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        alternatives = [re.escape(ch) + build(node[ch]) for ch in sorted(k for k in node if k)]
        if not alternatives:
            return ""
        body = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
        if "" in node:
            return "(?:" + body + ")?" if len(alternatives) == 1 else body + "?"
        return body

    return build(root)


class _Budget:
    """The CPU time one rule may spend on one text; the clock is read every 32 steps."""

    __slots__ = ("count", "spent", "until")

    def __init__(self, seconds: float):
        self.until = time.process_time() + seconds
        self.count = 0
        self.spent = False

    def over(self) -> bool:
        """Whether the time is spent (from then on always True)."""
        self.count += 1
        if not self.spent and not self.count & 31:
            self.spent = time.process_time() > self.until
        return self.spent


class RuleSet:
    """Rules and the global allow-list, with the keyword index that decides which rules a text needs."""

    def __init__(self, rules: Sequence[Rule], allowlists: Sequence[RuleAllowlist] = (),
                 extra_keywords: Iterable[str] = ()):
        ids = [r.id for r in rules]
        if len(set(ids)) != len(ids):
            raise RuleError(f"duplicate rule ids: {sorted({i for i in ids if ids.count(i) > 1})}")
        self.rules = tuple(rules)
        self.allowlists = tuple(allowlists)
        self.by_id = {r.id: r for r in self.rules}
        self._always = tuple(r for r in self.rules if not r.keywords)
        self.index = KeywordIndex([k for r in self.rules for k in r.keywords] + list(extra_keywords))
        self.budget = RULE_BUDGET

    def skips_file(self, rel: str) -> bool:
        """Whether the global allow-list leaves the file *rel* out (images, lockfiles, vendored code...)."""
        return any(a.skips_file(rel) for a in self.allowlists)

    def candidates(self, positions: Mapping[str, Sequence[int]],
                   rel: str = "") -> list[tuple[Rule, list[int] | None]]:
        """The rules to try on the file *rel* whose keywords occur at *positions*
        (:meth:`KeywordIndex.positions`), in rule order, each with the sorted offsets of its keywords, or
        None when the whole text must be searched (a rule without keywords, or one whose short keyword is
        there). Rules limited to other files (``path``, path allow-lists) are left out."""
        out: list[tuple[Rule, list[int] | None]] = []
        short = self.index.short
        for rule in self.rules:
            present = [k for k in rule.keywords if k in positions]
            if rule.keywords and not present:
                continue
            if (rule.path is not None and not rule.path.search(rel)) or any(a.skips_file(rel)
                                                                              for a in rule.allowlists):
                continue
            if not rule.keywords or any(k in short for k in present):
                out.append((rule, None))
            else:
                out.append((rule, sorted({p for k in present for p in positions[k]})))
        return out

    def scan(self, text: str, rel: str, lower: str | None = None,
             positions: Mapping[str, Sequence[int]] | None = None,
             stopped: list[str] | None = None) -> list[RawMatch]:
        """Every match of every rule in *text* (the file *rel*) that no allow-list allows, in rule order.

        *lower* (``text.lower()``) and *positions* (``self.index.positions(lower)``) are computed when
        not given. Keyword offsets serve as match positions only when lower-casing kept every
        character's length (always for ASCII); otherwise the rules needed search the whole text.
        A rule that spends more than ``self.budget`` CPU seconds on the text stops there and its id
        is appended to *stopped*: Python's engine backtracks where gitleaks' RE2 is linear, and a
        pathological text (thousands of ``curl`` on one line) would otherwise take hours.
        """
        lower = text.lower() if lower is None else lower
        if positions is None:
            positions = self.index.positions(lower)
        aligned = len(lower) == len(text)
        found: list[RawMatch] = []
        for rule, offsets in self.candidates(positions, rel):
            budget = _Budget(self.budget)
            found.extend(self._matches(rule, text, offsets if aligned else None, rel, budget))
            if budget.spent and stopped is not None:
                stopped.append(rule.id)
        return found

    def _spans(self, rule: Rule, text: str, offsets: list[int] | None,
               budget: _Budget) -> Iterator[tuple[re.Match[str], int]]:
        """The rule's matches in *text*, each with where the gitleaks match would start.

        With keyword offsets: a rule without its name prefix is matched at each offset
        (see :func:`_anchored`); a rule of bounded width in a window around each offset,
        each hit re-matched against the whole text. Otherwise the whole text is searched.
        """
        if offsets and rule.anchored is not None:
            last_end = 0
            for offset in offsets:
                if offset < last_end:
                    continue
                if budget.over():
                    return
                m = rule.anchored.match(text, offset)
                if m is not None:
                    start = _reach_back(text, offset, rule.prefix_width, last_end)
                    last_end = max(m.end(), offset + 1)
                    yield m, start
            return
        if offsets and rule.max_width is not None:
            width = rule.max_width
            windows: list[list[int]] = []
            for offset in offsets:
                lo, hi = max(0, offset - width), min(len(text), offset + width + 64)
                if windows and lo <= windows[-1][1]:
                    windows[-1][1] = max(windows[-1][1], hi)
                else:
                    windows.append([lo, hi])
            last_end = -1
            for lo, hi in windows:
                if budget.over():
                    return
                for m in rule.regex.finditer(text, lo, hi):
                    whole = rule.regex.match(text, m.start())  # the same match as a scan of the whole text
                    if whole is not None and whole.start() >= last_end:
                        last_end = whole.end()
                        yield whole, whole.start()
            return
        for m in rule.regex.finditer(text):
            yield m, m.start()
            if budget.over():
                return

    def _matches(self, rule: Rule, text: str, offsets: list[int] | None, rel: str,
                 budget: _Budget | None = None) -> list[RawMatch]:
        out: list[RawMatch] = []
        for m, match_start in self._spans(rule, text, offsets, budget or _Budget(self.budget)):
            match_text = text[match_start:m.end()]
            stripped = match_text.strip("\n")
            offset = match_start + (len(match_text) - len(match_text.lstrip("\n")))
            start, end, secret = offset, offset + len(stripped), stripped
            group = rule.secret_group or next((g for g in range(1, (rule.regex.groups or 0) + 1)
                                               if m.group(g)), 0)
            if group and m.group(group):
                start, end, secret = m.start(group), m.end(group), m.group(group)
            if rule.entropy and shannon_entropy(secret) <= rule.entropy:
                continue
            line = _line_at(text, start)
            if any(a.allows(secret, stripped, line, rel) for a in (*self.allowlists, *rule.allowlists)):
                continue
            out.append(RawMatch(rule, start, end, secret))
        return out


_NAME_CHAR = re.compile(r"[\w.-]", re.ASCII)


def _reach_back(text: str, offset: int, width: int, floor: int) -> int:
    """Where the name prefix ``[\\w.-]{0,width}?`` before *offset* starts (not before *floor*)."""
    start = offset
    limit = max(floor, offset - width)
    while start > limit and _NAME_CHAR.match(text, start - 1):
        start -= 1
    return start


def _line_at(text: str, offset: int) -> str:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return text[start:end if end >= 0 else len(text)]


def parse_rules(text: str, source: str, *, name: str = "",
                prepare: bool = True) -> tuple[list[Rule], list[RuleAllowlist]]:
    """The rules and global allow-lists of a rule file in gitleaks' format (*text*, from *source*);
    *prepare*: compile every pattern now (else on first use)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"{name or source}: {exc}") from exc
    allow = data.get("allowlists", [])
    if "allowlist" in data:
        allow = [data["allowlist"], *allow]
    rules = [r for r in (_rule(raw, source) for raw in data.get("rules", [])) if r is not None]
    if prepare:
        rules = [r.prepare() for r in rules]
    return rules, [_allowlist(a, f"{name or source}: [allowlist]") for a in allow]


@functools.cache
def default_rules(extra_keywords: tuple[str, ...] = ()) -> RuleSet:
    """gitleaks' rules, then ours (``secrets-rules.toml``), with gitleaks' global allow-list.

    *extra_keywords* join the keyword index (their offsets come out of the same pass).
    """
    data = resources.files("echotune_ci.data")
    gitleaks, allow = parse_rules(data.joinpath(GITLEAKS_FILE).read_text("utf-8"), "gitleaks",
                                  name=GITLEAKS_FILE, prepare=False)
    extra, extra_allow = parse_rules(data.joinpath(EXTRA_FILE).read_text("utf-8"), "echotune",
                                     name=EXTRA_FILE, prepare=False)
    return RuleSet([*gitleaks, *extra], [*allow, *extra_allow], extra_keywords=extra_keywords)
