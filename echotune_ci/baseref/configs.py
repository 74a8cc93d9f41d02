"""Which configuration measures the base.

Both builds are measured by the head's configuration (the same pages,
endpoints, budgets and rules: a paired comparison needs one plan), with
paths resolved inside the base's checkout. The base is set up, built and
started by its own ``[serve]`` section when it has a configuration file
that this version reads; otherwise (the PR that adopts EchoTune, or a
base whose file this version no longer accepts) by the head's, and a note
says so.
"""

from __future__ import annotations

import contextlib
import dataclasses
import glob
import itertools
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from ..config import Config, load_config
from ..errors import ConfigError

if TYPE_CHECKING:
    from ..serve import App


def _within(path: Path, repo: Path) -> Path:
    try:
        return path.resolve().relative_to(repo)
    except ValueError:
        raise ConfigError(f"--base-ref: the configuration folder {path} is outside the git checkout {repo}") \
            from None


def _kept_inside(cfg: Config, repo: Path, base_root: Path, shown: str) -> Config:
    """*cfg* when the folders its ``[serve]`` works in (``cwd``, ``[project] root``) lie in the base's
    checkout *base_root*; ConfigError naming the setting otherwise. An absolute ``cwd`` (or one that climbs
    out with ``..``) names one folder for both builds: the base's setup and build ran in the head's checkout
    *repo*, overwrote the head's build (the head then served the base's bundle) and the base's app served
    the head's code, so the run compared the head with itself. *shown* says whose ``[serve]`` it is."""
    top = base_root.resolve()
    for key, value in (("[serve] cwd", cfg.serve.cwd), ("[project] root", cfg.project.root)):
        folder = cfg.resolve(value).resolve()
        if folder.is_relative_to(top):
            continue
        where = ("in the head's checkout, whose build the base's would overwrite"
                 if folder.is_relative_to(repo.resolve()) else "outside the base's checkout")
        raise ConfigError(f"{key} = {value!r} ({shown}) is {folder}, {where}: the base's setup, build and "
                          f"app must run in its own checkout ({base_root}); give it relative to the "
                          f"configuration file's folder")
    return cfg


def _split_glob(pattern: str) -> tuple[str, str]:
    """Glob *pattern* as (the folders before its first wildcard, the rest): "/srv/app/dist/**/*.js" is
    ("/srv/app/dist", "**/*.js"), "dist/app.js" ("dist", "app.js")."""
    parts = Path(pattern).parts
    n = len(list(itertools.takewhile(lambda p: not glob.has_magic(p), parts[:-1])))
    return (os.path.join(*parts[:n]) if n else ""), os.path.join(*parts[n:])


def _reach(folder: str, rest: str) -> str:
    """The highest folder glob *rest* can name files under when matched in *folder*: each ``..`` after a
    wildcard climbs from where the wildcard matched, at least one folder down for ``*``, none for ``**``
    ("dist", "*/../../../etc/*.js" reaches "dist/../.."): a glob whose literal folders stay inside a
    checkout may still name files outside it."""
    depth = lowest = 0
    for part in Path(rest).parts:
        depth += -1 if part == ".." else 0 if part in (".", "**") else 1
        lowest = min(lowest, depth)
    return os.path.join(folder or ".", *[os.pardir] * -lowest)


def bundle_in_base(cfg: Config, repo: Path, base_root: Path) -> Config:
    """*cfg* (measuring the base checked out at *base_root*, relative paths resolved there) with each
    absolute ``[bundle] globs`` entry that names files in the head's checkout *repo* moved to the same
    place in the base's: as written, both builds' bundles were the head's files, and every growth 0 %.
    ConfigError for a glob whose files lie outside the checkout (absolute, ``~``, or climbing out with
    ``..``, before a wildcard or after one): no build of the base makes them, so both would be measured
    on the same files."""
    top, base_top, moved = repo.resolve(), base_root.resolve(), []
    for pattern in cfg.bundle.globs:
        expanded = os.path.expanduser(pattern)
        folder, rest = _split_glob(expanded)
        if os.path.isabs(expanded):
            place = Path(folder or "/").resolve()
            inside = Path(_reach(str(place), rest)).resolve().is_relative_to(top)
            moved.append(str(base_top / place.relative_to(top) / rest) if inside else pattern)
        else:
            inside = (cfg.base_dir / _reach(folder, rest)).resolve().is_relative_to(base_top)
            moved.append(pattern)
        if not inside:
            raise ConfigError(f"[bundle] globs: {pattern!r} names files outside the git checkout {repo}, "
                              f"which no build of the base makes, so both builds would be measured on the "
                              f"same files; give it relative to the configuration file's folder")
    if tuple(moved) == cfg.bundle.globs:
        return cfg
    return cfg.with_section("bundle", dataclasses.replace(cfg.bundle, globs=tuple(moved)))


def base_config(head: Config, repo: Path, base_root: Path) -> tuple[Config, list[str]]:
    """The configuration that measures the base checked out at *base_root*, and notes for people.

    *head* is the head's configuration in the checkout *repo*. ConfigError
    when the head's configuration folder lies outside *repo*, or when the
    ``[serve] cwd`` or ``[project] root`` that builds the base lies outside
    *base_root* (:func:`_kept_inside`).
    """
    folder = base_root / _within(head.base_dir, repo)
    path = folder / head.path.name if head.path is not None else None
    measured = dataclasses.replace(head, base_dir=folder, path=path)
    heads = "the head's, which builds the base"
    if path is None:
        return _kept_inside(measured, repo, base_root, heads), []
    shown = path.relative_to(base_root)
    if not path.is_file():
        return (_kept_inside(measured, repo, base_root, heads),
                [f"the base has no {shown}: it is built and started with the head's [serve]"])
    try:
        own = load_config(path)
    except ConfigError as exc:
        return (_kept_inside(measured, repo, base_root, heads),
                [f"the base's {shown} could not be read ({exc}): it is built and started with the "
                 f"head's [serve]"])
    from ..masking import register_config

    register_config(own)  # the base's own [serve] env gives its app secrets too
    notes = []
    if own.serve != head.serve:
        notes.append(f"the base is built and started with its own [serve] from {shown}")
    if dataclasses.replace(own, serve=head.serve, path=None, base_dir=head.base_dir) != \
            dataclasses.replace(head, path=None):
        changed = gating_changes(own, head)
        # A pull request that loosens its own rules passes by them: say which, not only that the files differ
        notes.append(f"the base's {shown} differs from the head's: both builds are measured with the head's "
                     f"pages, budgets and rules" + (f", which gate otherwise than the base's: {changed}"
                                                    if changed else ""))
    measured = measured.with_section("serve", own.serve)
    return _kept_inside(measured, repo, base_root, "the head's and the base's" if own.serve == head.serve
                        else f"the base's own, from its {shown}"), notes


MOST_CHANGES = 8


def gating_changes(base: Config, head: Config) -> str:
    """The [budgets] and [gate] values *head* sets otherwise than *base* ("[gate] min_effect_pct 5 → 30,
    [gate] regression p95_ms 10 → 40", "none → 20" for a metric the base's table does not name, "[gate]
    regression no longer names rps, cls" for those the head's leaves out), at most :data:`MOST_CHANGES`
    and how many more; "" when they gate alike."""
    values: list[str] = []
    keyed: list[str] = []
    dropped: list[str] = []
    for section in ("budgets", "gate"):
        old, new = getattr(base, section), getattr(head, section)
        for f in dataclasses.fields(old):
            a, b = getattr(old, f.name), getattr(new, f.name)
            if a == b:
                continue
            if isinstance(a, Mapping) and isinstance(b, Mapping):
                keyed += [f"[{section}] {f.name} {key} {_said(a.get(key))} → {_said(b[key])}"
                          for key in sorted(b, key=str) if a.get(key) != b[key]]
                # A table written replaces the default one: `regression = { p95_ms = 40 }` gates rps, fcp_ms
                # and the rest no more, which one line says rather than eight
                gone = sorted((key for key in a if key not in b), key=str)
                if gone:
                    dropped.append(f"[{section}] {f.name} no longer names {', '.join(map(str, gone))}")
            else:
                values.append(f"[{section}] {f.name} {_said(a)} → {_said(b)}")
    # the single values first: a comment cuts a long note, and the list of metrics no longer named is long
    changes = [*values, *keyed, *dropped]
    more = f" and {len(changes) - MOST_CHANGES} more" if len(changes) > MOST_CHANGES else ""
    return ", ".join(changes[:MOST_CHANGES]) + more


def _said(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    return f"{value:g}" if isinstance(value, float) else str(value)


def where_moved(cfg: Config, app: App | None, whose: str) -> tuple[Config, list[str]]:
    """The configuration that measures *app*: where its listen on its fixed port was moved (the base of
    `run --base-ref`, whose port the head holds, or an app whose port another program holds), a URL on
    that port in the phases' settings (``[api] url = "http://127.0.0.1:5000"``), which reached whatever
    listens there, on its new port; and the note that says which (*whose*: "the base's"), if any."""
    if app is None or app.fixed_port is None:
        return cfg, []
    measured, urls = on_moved_port(cfg, app.fixed_port, app.port)
    if not urls:
        return cfg, []
    return measured, [f"{whose} URLs on port {app.fixed_port} ({', '.join(urls)}) were measured on port "
                      f"{app.port}, where its listen was moved"]


def on_moved_port(cfg: Config, fixed: int, port: int) -> tuple[Config, list[str]]:
    """*cfg* for an app whose listen on *fixed* (``[serve] port``) was moved to *port*
    (:func:`~echotune_ci.serve.app.moved_listen`): each http(s) URL of this machine on *fixed* in the
    phases' settings (``[api] url``, a ``[[frontend.pages]] url``) on *port* instead, since it reached
    what holds *fixed*, and the keys so changed (``api.url``). ``[serve]`` is the app's own (it moves its
    ready URL)."""
    from ..net.loopback import is_loopback_host

    changed: list[str] = []

    def moved(value: object, key: str) -> object:
        # The scheme in any case (urlsplit lowers it: HTTP://...), the port as written (:08000 is 8000)
        parts = urlsplit(value.strip()) if isinstance(value, str) else None
        if parts is not None and parts.scheme in ("http", "https") and is_loopback_host(parts.hostname):
            with contextlib.suppress(ValueError):  # a port that is no number
                if parts.port == fixed:
                    changed.append(key)
                    netloc = parts.netloc.rsplit(":", 1)[0] + f":{port}"
                    return urlunsplit(parts._replace(netloc=netloc))
        elif isinstance(value, (list, tuple)):
            items = [moved(item, f"{key}[{i}]") for i, item in enumerate(value)]
            return value if all(a is b for a, b in zip(items, value, strict=True)) else type(value)(items)
        elif isinstance(value, dict):
            entries = {k: moved(v, f"{key}.{k}") for k, v in value.items()}
            return value if all(entries[k] is v for k, v in value.items()) else entries
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            fields = {f.name: moved(getattr(value, f.name), f"{key}.{f.name}".lstrip("."))
                      for f in dataclasses.fields(value) if f.init and f.name != "serve"}
            differ = {name: new for name, new in fields.items() if new is not getattr(value, name)}
            return dataclasses.replace(value, **differ) if differ else value
        return value

    return moved(cfg, ""), changed  # type: ignore[return-value]


def one_server_pages(head: Config, base: Config) -> frozenset[str]:
    """The ``[[frontend.pages]]`` URLs the head's and the base's configurations name alike
    (:func:`one_server`): each such page's metrics are labelled with that URL (its ``label``)."""
    return frozenset(mine.url for mine, theirs in zip(head.frontend.pages, base.frontend.pages, strict=False)
                     if mine.url and mine.url == theirs.url)


# The phases that measure nothing else when their setting names a server: the whole phase would measure
# that one server for both builds (load's rounds would even pair that server with the base's app).
WHOLLY_ON_ONE_SERVER = frozenset({"api", "load"})


def one_server(phase: str, head: Config, base: Config) -> str:
    """Which settings of *phase* name the same server in the head's and the base's configuration
    (``[api] url``, ``[load] host``, ``[security.http] url``, a ``[[frontend.pages]] url``, an absolute
    ``[frontend.login] path``), as one phrase: ``"[api] url = http://host:port/path: one server for both
    builds, ..."`` (without credentials, query or fragment, also a URL without a scheme:
    :func:`~echotune_ci.net.urls.said_url`); "" when none does. Such a setting wins over the app each build
    starts, so both builds measure that server and every verdict on it compares
    the server with itself. A URL on the head's fixed port is no such setting: the base's is moved to the
    base's port (:func:`on_moved_port`), so the two differ."""
    from ..net.urls import said_url

    def named(cfg: Config) -> list[tuple[str, str]]:
        if phase == "api":
            return [("[api] url", cfg.api.url)]
        if phase == "load":
            return [("[load] host", cfg.load.host)]
        if phase == "security":
            checked = cfg.security.enabled and "http" in cfg.security.checks
            return [("[security.http] url", cfg.security.http.url)] if checked else []
        if phase == "frontend":
            section = cfg.frontend
            pages = [(f"[[frontend.pages]] url (page {i + 1})", p.url) for i, p in enumerate(section.pages)]
            login = section.login.path
            return [*pages, ("[frontend.login] path", login if "://" in login else "")]
        return []

    out = []
    for (key, mine), (_, theirs) in zip(named(head), named(base), strict=False):
        if mine and mine == theirs:
            out.append(f"{key} = {said_url(mine)}")
    if not out:
        return ""
    return (f"{'; '.join(out)}: one server for both builds, not each build's app (leave it empty to measure "
            "the app each build starts)")
