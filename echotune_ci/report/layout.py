"""What the PR comment, the job summary and the HTML report put first, and how they name places.

- **Places** relative to the app and the repository (:class:`Places`): a URL
  on the app under test loses its scheme, host and port (``/cart``, not
  ``http://127.0.0.1:53463/cart``); a file path under the repository
  (``GITHUB_WORKSPACE``, the working folder, a result's filesystem target)
  becomes relative; any other absolute file path keeps only its last two
  parts after ``…/``, so no runner's folder layout reaches a comment.
- **Grouped findings** (:func:`finding_rows`): one rule's findings about
  pages or endpoints become one row ("color-contrast: 3 pages, 14
  elements") instead of one row per page.
- **Warnings** (:func:`collect_warnings`): what a reviewer must not miss
  although no gate failed, one line each, most important first: checks that
  could not run, the phases' own ``warnings``, an audit of 0 packages, and
  metrics with status warn that were not measured or not checked.

Everything here returns plain strings; the report environments escape them
for their kind (:func:`echotune_ci.report.render.report_environment`).
"""

from __future__ import annotations

import functools
import os
import posixpath
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from ..results import Finding, Metric, PhaseResult, severity_rank
from ..results.units import fmt_metric
from .render import sort_findings
from .untrusted import withheld

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]", "0.0.0.0")  # nosec B104 - a host name, not a bind
MAX_WARNING_CHARS = 320
# Pages listed in a grouped finding row before "+N more".
PAGES_SHOWN = 4
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
# A trailing "(...)" that says where or how many ("(3 elements: h1, p)", "(/, -25 points)").
_TRAILING_PARENS = re.compile(r"\s*\([^()]*\)\s*$")
_ZERO_PACKAGES = re.compile(r"(?<![\d.,])0 packages")


def _origin(url: str) -> str:
    """``scheme://host:port`` of an http(s) URL, lower-cased; "" for anything else."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def _is_loopback(origin: str) -> bool:
    host = urlsplit(origin).hostname or ""
    return host in LOOPBACK_HOSTS or host.startswith("127.")


def app_origins(results: Iterable[PhaseResult]) -> tuple[str, ...]:
    """The origins of the app under test named by the results' ``target`` (comma-separated URLs).

    A target naming one origin names the app (load's host, the http check's
    URL); a target naming several (frontend pages on other sites) adds only
    its loopback ones, so an external page keeps its host.
    """
    found: dict[str, None] = {}
    for r in results:
        origins = [o for o in (_origin(t) for t in r.target.split(",")) if o]
        distinct = list(dict.fromkeys(origins))
        for o in distinct:
            if len(distinct) == 1 or _is_loopback(o):
                found[o] = None
    return tuple(found)


def local_roots(results: Iterable[PhaseResult] = ()) -> tuple[str, ...]:
    """Folders whose absolute paths are shown relative: ``GITHUB_WORKSPACE``, the working folder and any
    result target that is an absolute path (the security phase's root without an app); longest first."""
    candidates = [os.environ.get("GITHUB_WORKSPACE", ""), str(Path.cwd())]
    candidates += [t.strip() for r in results for t in r.target.split(",") if t.strip().startswith("/")]
    roots = {posixpath.normpath(c) for c in candidates if c and c.startswith("/")}
    roots.discard("/")
    return tuple(sorted(roots, key=len, reverse=True))


def _origin_said(bare: str, match: re.Match[str]) -> str:
    """An origin of an app in free text as said: ``/`` before its path, else *bare* ("the app")."""
    return "/" if match.group(1) else bare


@dataclass(frozen=True)
class Places:
    """How a report names places: URLs of the app without scheme/host/port, file paths relative.

    *origins* are the app's (``scheme://host:port``, :func:`app_origins`);
    *roots* absolute folders whose files are shown relative (:func:`local_roots`); *base_origins* the
    base's app on this machine (``run --base-ref``'s), named "the base's app".
    """

    origins: tuple[str, ...] = ()
    roots: tuple[str, ...] = ()
    base_origins: tuple[str, ...] = ()

    @classmethod
    def of(cls, results: Sequence[PhaseResult], roots: Sequence[str] | None = None,
           base_targets: Sequence[str] = ()) -> Places:
        """The places of *results*; *roots* default to :func:`local_roots`; *base_targets*, the baseline
        results' targets, give the base's loopback origins (a base elsewhere keeps its host)."""
        origins = app_origins(results)
        base = [o for t in base_targets for o in map(_origin, t.split(",")) if o and _is_loopback(o)]
        return cls(origins, tuple(roots) if roots is not None else local_roots(results),
                   tuple(o for o in dict.fromkeys(base) if o not in origins))

    def url(self, text: str) -> str:
        """*text* without the app's origin when it is a URL on the app (``/`` at least); else as given."""
        origin = _origin(text) if _URL.match(text.strip()) else ""
        if origin and origin in self.origins:
            rest = text.strip()[len(origin):]
            return rest if rest.startswith("/") else "/" + rest
        return text

    def _under_root(self, path: str) -> str | None:
        norm = posixpath.normpath(path)
        for root in self.roots:
            if norm == root:
                return "."
            if norm.startswith(root + "/"):
                return norm[len(root) + 1:]
        return None

    def path(self, path: str) -> str:
        """A file path for people: relative when under a root, ``…/parent/name`` when absolute elsewhere."""
        if not path.startswith("/"):
            return path
        inside = self._under_root(path)
        if inside is not None:
            return inside
        parts = [p for p in path.split("/") if p]
        return "…/" + "/".join(parts[-2:]) if len(parts) > 2 else path

    def is_page(self, f: Finding) -> bool:
        """Whether *f* is about a page or endpoint of the running app rather than a file.

        Findings that say so (``properties.url`` / ``endpoint``) or whose
        location is a URL are; so is an absolute location without a line
        outside every root (an axe finding's location is the page's path).
        """
        props = f.properties or {}
        if props.get("url") or props.get("endpoint"):
            return True
        if f.location is None or not f.location.path:
            return False
        path = f.location.path
        if _URL.match(path):
            return True
        return path.startswith("/") and f.location.line is None and self._under_root(path) is None

    def where(self, f: Finding) -> str:
        """The page, endpoint or ``file:line`` of *f*, relative to the app and the repository."""
        props = f.properties or {}
        if f.location is not None and f.location.path:
            if self.is_page(f):
                return self.url(f.location.path)
            path = self.path(f.location.path)
            return f"{path}:{f.location.line}" if f.location.line else path
        if props.get("endpoint"):
            return str(props["endpoint"])
        if props.get("url"):
            return self.url(str(props["url"]))
        return str(props.get("package") or "")

    def scope(self, m: Metric) -> str:
        """The metric's label values, comma-separated, URLs of the app as paths."""
        return ", ".join(self.url(str(v)) for _, v in sorted(m.labels.items()))

    def labels(self, labels: dict[str, str]) -> str:
        """Label values as :meth:`scope` shows them."""
        return ", ".join(self.url(str(v)) for v in labels.values())

    def text(self, text: str) -> str:
        """Free text (notes, errors, warnings) with the app's origin and the roots taken out:
        ``http://127.0.0.1:53463/cart`` becomes ``/cart``, the bare origin "the app", and
        ``<root>/app.py`` ``app.py``."""
        out = str(text)
        for origins, bare in ((self.origins, "the app"), (self.base_origins, "the base's app")):
            for origin in origins:
                # Not followed by more of a host or port: :8000 must not match inside :80001.
                pattern = re.compile(re.escape(origin) + r"(?![\w.:-])(/?)", re.IGNORECASE)
                out = pattern.sub(functools.partial(_origin_said, bare), out)
        for root in self.roots:
            out = out.replace(root + "/", "")
        return out


@dataclass
class FindingRow:
    """One row of a findings table: a finding, or one rule's findings on several pages or endpoints.

    ``places`` lists where (one entry for a single finding); ``noun`` is
    "pages" or "endpoints"; ``elements`` sums axe's element counts (0: none
    given); ``new``: whether the finding (for a group, one of them) is new since
    the baseline, None when nothing was compared.
    """

    severity: str
    rule_id: str
    help_url: str | None
    message: str
    places: list[str] = field(default_factory=list)
    noun: str = "pages"
    elements: int = 0
    count: int = 1
    new: bool | None = None

    @property
    def where(self) -> str:
        """The one place of a single finding ("" when it has none)."""
        return self.places[0] if self.places else ""

    @property
    def grouped(self) -> bool:
        """Whether the row stands for findings on more than one page or endpoint."""
        return len(self.places) > 1

    @property
    def shown(self) -> list[str]:
        """The places listed in the row (the first PAGES_SHOWN)."""
        return self.places[:PAGES_SHOWN]

    @property
    def more(self) -> int:
        """Places left out of the row."""
        return max(0, len(self.places) - PAGES_SHOWN)

    @property
    def summary(self) -> str:
        """"3 pages, 14 elements" (elements only when axe counted them)."""
        noun = self.noun if len(self.places) != 1 else self.noun.rstrip("s")
        text = f"{len(self.places)} {noun}"
        if self.elements:
            text += f", {self.elements} element{'s' if self.elements != 1 else ''}"
        return text


def _common_message(messages: list[str]) -> str:
    """The message shared by a group: the same text, or the same once the trailing "(...)" that names
    the page or the elements is removed, else the first one."""
    if len(set(messages)) == 1:
        return messages[0]
    stripped = {_TRAILING_PARENS.sub("", m) for m in messages}
    if len(stripped) == 1:
        return stripped.pop()
    return messages[0]


def finding_rows(findings: Iterable[Finding], places: Places,
                 is_new: Callable[[Finding], bool | None] | None = None) -> list[FindingRow]:
    """*findings* as table rows, most severe first; findings about pages or endpoints with the same
    rule and tool share one row whose severity is the worst of them. With *is_new* (whether a finding
    is new since the baseline, None when unknown) the new and the known ones of a rule are rows of their
    own, each row says which it is, and the rows of new findings come before the known ones: those are
    what the pull request brings, and a table cut at its first rows kept the base's."""
    novelty = is_new or (lambda f: None)
    rows: list[FindingRow] = []
    groups: dict[tuple[str, str, bool | None], tuple[FindingRow, list[str]]] = {}
    for f in sort_findings(findings):
        where = places.where(f)
        elements = f.properties.get("elements") if f.properties else None
        count = elements if isinstance(elements, int) and not isinstance(elements, bool) else 0
        if not places.is_page(f):
            rows.append(FindingRow(f.severity, f.rule_id, f.help_url, f.message, [where] if where else [],
                                   new=novelty(f)))
            continue
        # new and known findings of a rule apart: one row of both was marked new and quoted a known one's
        # message (a run's "high · new | api/server-error | 3 pages: /auth/logout, ..." whose one new
        # place, /user/create, came last)
        key = (f.source_tool, f.rule_id, novelty(f))
        if key not in groups:
            noun = "endpoints" if (f.properties or {}).get("endpoint") else "pages"
            row = FindingRow(f.severity, f.rule_id, f.help_url, f.message, [], noun, new=novelty(f))
            groups[key] = (row, [])
            rows.append(row)
        row, messages = groups[key]
        if where and where not in row.places:
            row.places.append(where)
        messages.append(f.message)
        row.elements += count
        row.count = len(messages)
        if severity_rank(f.severity) > severity_rank(row.severity):
            row.severity = f.severity
    for row, messages in groups.values():
        row.message = _common_message(messages)
    return sorted(rows, key=lambda r: (r.new is False, -severity_rank(r.severity)))


@dataclass(frozen=True)
class ReportWarning:
    """One line of the Warnings section: the phases that give it, the text and whether it is a check that
    could not run (``error``) or something to look at (``warn``)."""

    phases: tuple[str, ...]
    text: str
    level: str = "warn"

    @property
    def phase(self) -> str:
        """The phases as the line names them ("frontend, load")."""
        return ", ".join(self.phases)


def one_line(text: str, limit: int = MAX_WARNING_CHARS) -> str:
    """*text* on one line (runs of white space as one space), at most *limit* characters: a longer one
    loses its middle to " … ", at spaces where there are some. The end stays because it is often what
    to do ("...: commit it to the base branch, or prepare a base with --base-dir", "set port = "auto"
    to measure both") or an app's last words, where its error is."""
    flat = " ".join(str(text).split())
    if len(flat) <= limit:
        return flat
    room = limit - len(" … ")
    tail_room = room * 2 // 5
    head = flat[:room - tail_room]
    space = head.rfind(" ")
    head = head[:space] if space > len(head) * 3 // 4 else head
    tail = flat[len(flat) - tail_room:]
    space = tail.find(" ")
    tail = tail[space + 1:] if 0 <= space < len(tail) // 4 else tail
    return f"{head} … {tail}"


def _not_checked(r: PhaseResult, places: Places, explicit: str) -> list[str]:
    """The phase's metrics with status warn that were not measured (no value) or not checked."""
    lines: list[str] = []
    missing = [m for m in r.metrics if m.status == "warn" and m.value is None and m.name not in explicit]
    if missing:
        names = ", ".join(dict.fromkeys(m.name for m in missing))
        # The phase's own note says why (redis: "... not measured: <why>"); use it when there is one.
        why = next((n for n in r.notes if missing[0].name in n and "not measured" in n), "")
        lines.append(places.text(why) if why else f"not measured: {names}")
    for m in r.metrics:
        # A count of 0 with status warn says nothing itself: the warn comes from elsewhere (an audit that
        # checked nothing marks its skipped packages), and that has a line of its own.
        if m.status != "warn" or not m.value or m.budget is not None or m.name in explicit:
            continue
        scope = places.scope(m)
        what = m.description or m.name
        lines.append(f"{what}{f' ({scope})' if scope else ''}: {fmt_metric(m)}")
    return lines


def _empty_audits(r: PhaseResult, places: Places) -> list[str]:
    """An audit that checked 0 packages (``audit.packages`` = 0), unless the phase's own warnings say
    "0 packages" already."""
    if any(_ZERO_PACKAGES.search(w) for w in r.warnings):
        return []
    lines = []
    for m in r.metrics:
        if m.name == "audit.packages" and m.value == 0:
            scope = places.scope(m)
            lines.append(f"the dependency audit checked 0 packages{f' ({scope})' if scope else ''}: "
                         "nothing was audited")
    return lines


def collect_warnings(results: Sequence[PhaseResult], places: Places | None = None) -> list[ReportWarning]:
    """What a reviewer must not miss, most important first, one line each (at most MAX_WARNING_CHARS):

    1. checks that could not run (the results' ``errors``; a phase whose
       status is error without one);
    2. the phases' own ``warnings`` (a saturated load generator ...);
    3. a dependency audit that checked 0 packages (metric ``audit.packages``
       = 0), unless the phase's own warnings already say "0 packages";
    4. metrics with status warn that were not measured (no value) or not
       checked (a warn without a budget, e.g. packages that could not be
       audited).

    URLs of the app and repository paths are shown relative (*places*).
    The same line from several phases is one warning naming them all
    ("frontend, load"), at its first place: a run-level warning (the base
    could not be measured, the base's local data differ) reaches every
    phase it concerns and is read once. A phase's warning that is also its
    error is said once, as the error; an untrusted run's placeholders
    ("2 warning(s) withheld") count one phase's lines each and stay apart.
    """
    places = places or Places.of(results)
    out: list[tuple[str, str, str]] = []  # (phase, text, level)
    for r in results:
        out.extend((r.phase, places.text(e), "error") for e in r.errors)
        if r.status == "error" and not r.errors:
            out.append((r.phase, "could not run (the phase reported an error)", "error"))
    for r in results:
        out.extend((r.phase, places.text(w), "warn") for w in r.warnings)
    for r in results:
        out.extend((r.phase, line, "warn") for line in _empty_audits(r, places))
    for r in results:
        out.extend((r.phase, line, "warn") for line in _not_checked(r, places, " ".join(r.warnings)))
    lines: dict[tuple[str, str, str], list[str]] = {}
    errors: set[tuple[str, str]] = set()
    for phase, text, level in out:
        text = one_line(text)
        # A phase that names itself ("api: no OpenAPI document found", for when it runs alone) is named
        # once: the report puts the phase's name before every line ("**api**: api: ..." otherwise).
        text = text.removeprefix(f"{phase}: ") or text
        if level == "error":
            errors.add((phase, text))
        elif (phase, text) in errors:
            continue
        named = lines.setdefault((text, level, phase if withheld(text) else ""), [])
        if phase not in named:
            named.append(phase)
    return [ReportWarning(tuple(named), text, level) for (text, level, _), named in lines.items()]
