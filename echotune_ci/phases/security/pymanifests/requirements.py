"""Requirements files read as pip reads them.

Each line is parsed by ``pip-requirements-parser`` (pip-audit's own parser: pip's
option parser and requirement classes, kept as a library). Two things pip
does that the library does not (checked on 32.0.1), done here the way pip's
``req_file.py`` does them:

* ``-r``/``--requirement`` and ``-c``/``--constraint`` are followed relative
  to the including file, and a file that includes itself along a chain is an
  error naming the chain (pip: "recursively references itself"); a file
  included twice through different branches is read once.
* ``${NAME}`` (upper-case letters, digits, ``_``) is replaced by the
  environment variable after lines are joined and comments removed; unset or
  empty variables stay as written.

What a file names becomes :class:`~.model.PyPackage` entries: exact pins
(``==``/``===``, extras and hashes allowed) are audited; a requirement with
a range takes the exact pin of a constraints file when there is one;
editable, URL and path requirements, ranges and lines pip would reject are
listed as not auditable with the reason; a requirement whose environment
marker does not hold for the target environment is listed in
``not_applicable``. Constraints only pin packages that are required.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .model import ManifestError, PyManifest, PyPackage, canonical, environment_label, exact_version

_ENV_VAR = re.compile(r"(?P<var>\$\{(?P<name>[A-Z0-9_]+)\})")  # pip's ENV_VAR_RE
_PEP263 = re.compile(rb"coding[:=]\s*([-\w.]+)")
_REMOTE = re.compile(r"^(https?|ftp)://", re.I)
_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")
# pip 23.1+ takes build settings per requirement; the parser (32.0.1) does not know them, and they do not
# change which version is installed: left out before parsing.
_CONFIG_SETTINGS = re.compile(r"""(?:(?<=\s)|^)(?:--config-settings|-C)(?:=|\s+)(?:"[^"]*"|'[^']*'|\S+)""")
# pip 23.3 removed these per-requirement options; the parser still accepts them.
_REMOVED = {"global_options": "--global-option", "install_options": "--install-option"}


@dataclass
class _Constraint:
    version: str
    path: Path
    line: int
    text: str


@dataclass
class _Walk:
    """What reading one requirements file and its includes collects."""

    env: Mapping[str, str]
    environ: Mapping[str, str]
    manifest: PyManifest
    constraints: dict[str, list[_Constraint]] = field(default_factory=dict)
    ranges: list[tuple[PyPackage, str]] = field(default_factory=list)  # (package, its specifier)
    read: set[tuple[Path, bool]] = field(default_factory=set)  # (file, read as constraints)
    label: Any = str
    expanded: dict[str, str] = field(default_factory=dict)  # ${NAME} -> value, of the current line

    def show(self, text: str) -> str:
        """*text* fit for notes: expanded variables written back as ``${NAME}`` (CI passes tokens this
        way) and URL credentials masked, as pip masks them in its logs."""
        for var, value in self.expanded.items():
            text = text.replace(value, var)
        return _USERINFO.sub("****@", text)


def read_requirements(path: Path, *, env: Mapping[str, str], environ: Mapping[str, str] | None = None,
                      label: Any = str) -> PyManifest:
    """The packages of the requirements file *path* and of every file it includes.

    *env* is the PEP 508 marker environment of the target (see
    :func:`.model.marker_environment`); *environ* the variables ``${NAME}``
    expands from (default: this process's environment); *label* turns a path
    into the text notes show. ManifestError (exit 2) when a file is missing or
    cannot be decoded, or an include chain comes back to a file already on it.
    """
    manifest = PyManifest(path=path, format="requirements file")
    walk = _Walk(env=env, environ=os.environ if environ is None else environ, manifest=manifest,
                 label=label)
    top = Path(os.path.abspath(path))
    _read(walk, top, constraint=False, chain=[top], label=label)
    _apply_constraints(walk, label)
    manifest.files = sorted({p for p, _ in walk.read if p != top})
    return manifest


def _read(walk: _Walk, path: Path, *, constraint: bool, chain: list[Path], label: Any) -> None:
    import pip_requirements_parser as prp  # type: ignore[import-untyped]

    walk.read.add((path, constraint))
    parse = prp.get_line_parser()
    for number, text, expanded in _lines(path, walk.environ, label):
        walk.expanded = expanded
        where = f"{label(path)}:{number}"
        line = prp.RequirementLine(line=text, line_number=number, filename=str(path))
        try:
            args, opts, arguments = parse(_CONFIG_SETTINGS.sub("", text).strip())
        except (Exception, SystemExit) as exc:  # optparse exits on an unknown option
            _invalid(walk, path, number, text, _reason(exc) or "not an option pip knows")
            continue
        parsed = prp.ParsedLine(requirement_line=line, requirement_string=args, options=opts,
                                is_constraint=constraint, arguments=arguments)
        if not parsed.is_requirement and (opts.requirements or opts.constraints):
            nested = bool(opts.constraints and not opts.requirements)
            target = (opts.requirements or opts.constraints)[0]
            _include(walk, path, number, target, nested, chain, label, where)
            continue
        try:
            items = list(prp.handle_line(parsed_line=parsed))
        except Exception as exc:  # e.g. an option given twice on one line
            _invalid(walk, path, number, text, _reason(exc))
            continue
        for item in items:
            _item(walk, path, number, text, item, constraint)


def _include(walk: _Walk, path: Path, number: int, target: str, constraint: bool, chain: list[Path],
             label: Any, where: str) -> None:
    flag = "-c" if constraint else "-r"
    if _REMOTE.match(target):
        walk.manifest.packages.append(PyPackage(
            name=f"{flag} {target}", path=path, line=number,
            not_auditable="a remote requirements file: not fetched (download it and audit the copy)"))
        return
    if target.lower().startswith("file:"):
        from pip_requirements_parser import url_to_path

        target = url_to_path(target)
    nested = Path(os.path.abspath(os.path.join(os.path.dirname(path), target)))
    if nested in chain:
        names = " -> ".join(label(p) for p in [*chain, nested])
        raise ManifestError(where, f"{flag} {target}: the includes form a cycle ({names})")
    if not nested.is_file():
        kind = "constraints" if constraint else "requirements"
        raise ManifestError(where, f"{flag} {target}: {kind} file {label(nested)} not found")
    if (nested, constraint) in walk.read:
        return  # pip reads it again; its lines are the same packages
    _read(walk, nested, constraint=constraint, chain=[*chain, nested], label=label)


def _item(walk: _Walk, path: Path, number: int, text: str, item: Any, constraint: bool) -> None:
    import pip_requirements_parser as prp

    if isinstance(item, prp.InvalidRequirementLine):
        _invalid(walk, path, number, text, item.error_message)
    elif isinstance(item, prp.OptionLine):
        legacy = [prp.OPT_BY_OPTIONS_DEST.get(o, o) for o in item.options if o in prp.LEGACY_OPTIONS_DEST]
        if legacy:
            _invalid(walk, path, number, text, f"option {', '.join(legacy)} was removed from pip")
    else:
        try:
            req = prp.build_req_from_parsedreq(item)
        except Exception as exc:  # the library raises bare exceptions for what pip rejects
            _invalid(walk, path, number, text, _reason(exc))
            return
        removed = [flag for dest, flag in _REMOVED.items() if (item.options or {}).get(dest)]
        if removed:
            _invalid(walk, path, number, text, f"option {', '.join(removed)} was removed from pip")
        elif req.invalid_options:
            _invalid(walk, path, number, text, "options pip does not accept on a requirement line: "
                     + prp.dumps_global_options(req.invalid_options).strip())
        else:
            _requirement(walk, path, number, text, req, constraint)


def _requirement(walk: _Walk, path: Path, number: int, text: str, req: Any, constraint: bool) -> None:
    manifest = walk.manifest
    if req.marker is not None and not req.marker.evaluate(dict(walk.env)):
        if not constraint:
            shown = req.name or walk.show(text)
            manifest.not_applicable.append(f"{walk.label(path)}:{number}: {shown} (marker {req.marker} does "
                                           f"not hold for {environment_label(walk.env)})")
        return
    if constraint:
        version = exact_version(req.specifier) if req.name and not req.link and not req.is_editable else ""
        if version:
            pin = _Constraint(version, path, number, text)
            walk.constraints.setdefault(canonical(req.name), []).append(pin)
        return
    name = req.name or ""
    pkg = PyPackage(name=name or walk.show(text), path=path, line=number)
    manifest.packages.append(pkg)
    if req.is_editable:
        shown = walk.show(str(req.link or text))
        pkg.not_auditable = f"editable (-e {shown}): built from source, no released version"
    elif req.link is not None:
        kind = "a local path" if req.link.scheme in ("", "file") else "a URL"
        shown = _short(walk.show(str(req.link)))
        pkg.not_auditable = f"installed from {kind} ({shown}), not from a released version"
    elif not name:
        pkg.not_auditable = "no package name"
    else:
        pkg.version = exact_version(req.specifier)
        if not pkg.version:
            walk.ranges.append((pkg, str(req.specifier or "")))


def _apply_constraints(walk: _Walk, label: Any) -> None:
    """Ranges that a constraints file pins exactly take its version; the others are not auditable."""
    from packaging.specifiers import SpecifierSet

    for pkg, spec in walk.ranges:
        pins = [c for c in walk.constraints.get(pkg.key, [])
                if SpecifierSet(spec).contains(c.version, prereleases=True)]
        if pins:
            pin = pins[0]
            pkg.version, pkg.note = pin.version, f"pinned by {label(pin.path)}:{pin.line}"
            pkg.path, pkg.line = pin.path, pin.line
        else:
            shown = f"{pkg.name}{spec}" if spec else pkg.name
            pkg.not_auditable = f"not pinned ({shown}): no exact version to audit"


def _invalid(walk: _Walk, path: Path, number: int, text: str, reason: str) -> None:
    walk.manifest.packages.append(PyPackage(
        name=_short(walk.show(text)), path=path, line=number,
        not_auditable=f"pip would reject this line: {walk.show(' '.join(reason.split()))[:200]}"))


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return text if text and not text.isdigit() else type(exc).__name__


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _lines(path: Path, environ: Mapping[str, str], label: Any) -> Iterator[tuple[int, str, dict[str, str]]]:
    """pip's preprocessing: join ``\\`` continuations, drop comments and blank lines, expand ``${NAME}``;
    (line number, line, the variables expanded in it)."""
    from pip_requirements_parser import COMMENT_RE, join_lines

    for number, line in join_lines(enumerate(_decode(path, label).splitlines(), start=1)):
        line = COMMENT_RE.sub("", line).strip()
        if not line:
            continue
        expanded = {}
        for var, name in _ENV_VAR.findall(line):
            value = environ.get(name)
            if value:
                line = line.replace(var, value)
                expanded[var] = value
        yield number, line, expanded


def _decode(path: Path, label: Any) -> str:
    """The text of a requirements file as pip decodes it: a BOM, else a PEP 263 coding comment in the
    first two lines, else UTF-8."""
    import codecs

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ManifestError(label(path), f"cannot read the file ({exc.strerror or exc})") from None
    # UTF-32 before UTF-16: the UTF-32-LE mark starts with the UTF-16-LE one
    boms = [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_BE, "utf-32-be"),
            (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
            (codecs.BOM_UTF16_LE, "utf-16-le")]
    try:
        for bom, encoding in boms:
            if data.startswith(bom):
                return data[len(bom):].decode(encoding)
        for first in data.split(b"\n")[:2]:
            found = _PEP263.search(first) if first[:1] == b"#" else None
            if found:
                return data.decode(found.group(1).decode("ascii"))
        return data.decode("utf-8")
    except (UnicodeDecodeError, LookupError) as exc:
        raise ManifestError(label(path), f"cannot decode the requirements file ({exc}); say its encoding "
                                         "with a '# -*- coding: ... -*-' first line") from None
