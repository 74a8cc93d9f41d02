"""``run --base-ref REF`` / ``--base-dir DIR``: base and head served at once and measured side by side.

1. The head is the working tree as it is (a note says so when it has
   uncommitted changes); the base is a worktree of REF in a temporary folder
   (or DIR, prepared by someone else).
2. The head is set up and built as `run` does; the base is built with its
   own [serve] (or the head's, see :mod:`.configs`), reusing the head's
   installed dependencies when they would be the same (:mod:`.environment`).
   Then the head starts, and the base on a second port.
3. The phases measure both (:mod:`.measure`): frontend loads and load rounds
   interleaved, the other phases once per build. When a gated metric is
   still undecided, more interleaved rounds are added, up to ``[gate]
   max_runs`` (:func:`extend`).
4. The gate decides with the base's results as the baseline. When the base
   cannot be checked out, built or started, the head is measured alone and
   every result's warnings say the comparison could not be made and why.

Head results go to ``<output>/<phase>.json`` as in a normal run, the base's
to ``<output>/base/<phase>.json`` (where `report`, `gate` and `comment` find it:
:func:`~echotune_ci.baseref.paired_baseline`), and what ran in which order to
``<output>/artifacts/side-by-side.json``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import console
from ..config import Config, override
from ..errors import EchoTuneError, RunError
from ..fsutil import (cannot_write, ignore_output_folder, own_artifact_folders, previous_kept, staged,
                      write_text_atomic)
from ..output_lock import output_lock
from ..phases.base import Phase, PhaseContext
from ..results import Metric, PhaseResult
from ..results.units import first_named
from ..serve import App
from . import BASE_FOLDER
from .checkout import (BaseSource, checkout_top, clear_abandoned, dirty_paths, earlier_build_outputs,
                       prepared_folder, record_head_app, repository_root, resolve_ref, worktree)
from .configs import (WHOLLY_ON_ONE_SERVER, base_config, bundle_in_base, one_server, one_server_pages,
                      where_moved)
from .data import (brought_databases, copy_dotenv, copy_ignored_settings, data_warnings,
                   dotenv_settings, local_databases, named_settings, remember_databases,
                   own_database_example, server_databases, share_earlier_databases, shared_caches,
                   shared_database_names, shared_databases, shared_settings_caches, socketio_queue,
                   shared_static_root)
from .environment import (copy_setup_writes, generated_differences, head_code, python_difference,
                          remove_links, reuse_environment, setup_differences, temporary_venv_homes)
from .machine import OVER_BUDGET, Busy, OtherPrograms
from .measure import Pair, Side, measure_frontend, measure_load, measure_pair, merge_samples
from .settingsdb import shared_settings_databases

if TYPE_CHECKING:  # pragma: no cover
    from ..runner import PreparedApp, RunOutcome

ORDER_FILE = "side-by-side.json"
PAIRED_PHASES = ("frontend", "load")


@dataclass(frozen=True)
class BaseOptions:
    """Which base to measure: a git *ref* or a prepared *folder* (exactly one), and extra environment
    for each side's app (*base_env*, *head_env*: the benchmark plants a slowdown in one side)."""

    ref: str | None = None
    folder: Path | None = None
    # --fetch-base: a ref the clone lacks is fetched from origin (one commit deep in a shallow clone)
    fetch: bool = False
    base_env: Mapping[str, str] = field(default_factory=dict)
    head_env: Mapping[str, str] = field(default_factory=dict)

    @property
    def asked(self) -> str:
        """How the base was named on the command line."""
        return f"--base-ref {self.ref}" if self.ref else f"--base-dir {self.folder}"


@dataclass
class SideBySide:
    """What happened to the base: its source, why it could not be compared (*failure*), notes for
    people, the measuring order per phase, the samples used per phase and, per phase that could add
    rounds, its sequential plan (*levels*: looks, where it stopped, the level its verdicts use)."""

    source: BaseSource | None = None
    failure: str = ""
    # Why the base was built but did not start: the phases that need the running app measure the head
    # alone, the others (bundle, security's static checks) compare both.
    down: str = ""
    # which of the base's own [serve] steps differ from the head's: named when the base fails
    own_serve: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # What made the two builds differ beyond the change (an earlier build's output in the head's checkout):
    # on every phase, the bundle's first, where the apps' data warnings go only on the served phases
    build_warnings: list[str] = field(default_factory=list)
    # What the run put into the base's checkout itself (the head's untracked dotenv and settings files),
    # relative to the repository: no build's output
    placed: list[str] = field(default_factory=list)
    order: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    samples: dict[str, int] = field(default_factory=dict)
    levels: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The warning that other programs took enough of the machine to matter to the timings compared ("")
    busy: str = ""
    # ... and to the timings a phase holds against a budget only, over it (the api phase's p95 per operation)
    busy_budget: str = ""
    # How busy the machine was while both builds' apps were measured (machine.Busy.to_dict), {} otherwise
    machine: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``side-by-side.json``."""
        src = self.source
        return {"base_ref": src.ref if src else "", "base_sha": src.sha if src else "",
                "base_dir": str(src.root) if src else "", "compared": not self.failure,
                "failure": self.failure,
                "not_started": self.down, "notes": self.notes,
                "warnings": [*self.build_warnings, *self.warnings, *([self.busy] if self.busy else []),
                             *([self.busy_budget] if self.busy_budget else [])],
                "order": self.order,
                "samples_per_build": self.samples, "sequential": self.levels, "machine": self.machine}


def _checked_source(base: BaseOptions, repo: Path, head_dir: Path) -> None:
    """Fail with exit 2 before anything starts when the base cannot exist, or would be the head's own
    checkout (*repo*, holding the head's configuration folder *head_dir*): its setup and build would then
    overwrite what the head serves, and every metric would be compared with itself. With a ref, what runs
    killed before they could clean up left is removed then too (:func:`~.checkout.clear_abandoned`)."""
    from ..errors import InputError

    if base.ref is not None:
        resolve_ref(repo, base.ref, fetch=base.fetch)
        clear_abandoned(repo)  # before the head's setup and build, which its app would be serving
    elif base.folder is not None and not base.folder.is_dir():
        raise InputError(f"--base-dir {base.folder}: no such folder")
    elif base.folder is not None:
        folder, top = base.folder.resolve(), repo.resolve()
        if top != folder and top.is_relative_to(folder):
            raise InputError(f"--base-dir {base.folder}: holds the head's checkout ({repo}), so it is no "
                             f"checkout of the base; give the folder of one (git worktree add ../base REF), "
                             f"or --base-ref")
        if head_dir.resolve().is_relative_to(folder):
            raise InputError(f"--base-dir {base.folder}: that is the head's own checkout ({repo}); give "
                             f"a separate checkout of the base (git worktree add ../base REF), or --base-ref")
        # A folder inside the base's checkout (../base/web for a configuration in web/) put the
        # configuration's folder at ../base/web/web: "serve.cwd: folder ... does not exist".
        inside = head_dir.resolve().relative_to(top)
        above = checkout_top(folder)
        if not (folder / inside).is_dir() and above is not None and above != folder \
                and (above / inside).is_dir():
            raise InputError(f"--base-dir {base.folder}: is the folder {folder.relative_to(above)} of the "
                             f"checkout {above}; give the whole checkout, whose {inside} holds the "
                             f"configuration as in the head's: --base-dir {above}")


def _source(base: BaseOptions, repo: Path) -> contextlib.AbstractContextManager[BaseSource]:
    if base.ref is not None:
        return worktree(repo, base.ref, base.fetch)
    assert base.folder is not None
    return prepared_folder(base.folder)


def _setup_writes(head_cfg: Config, head_cwd: Path, cfg: Config, base_cwd: Path, report: SideBySide,
                  base_root: Path, installs: bool) -> str:
    """Give the linked base the inputs the head's setup wrote (:func:`~.environment.copy_setup_writes`),
    recorded as placed by the run (no build's output, see :func:`_earlier_outputs_said`); the words the
    linking note ends with ("" when none, and for a base that would run no setup or in a checkout not the
    run's own, a ``--base-dir``: *installs* False)."""
    written = copy_setup_writes(head_cfg.serve, head_cwd, cfg.serve, base_cwd, base_root) if installs else []
    report.placed += [os.path.relpath(base_cwd / name, base_root) for name in written]
    if not written:
        return ""
    return (f"; {', '.join(written)} as the head's setup wrote {'them' if len(written) > 1 else 'it'}, which "
            f"the base's would write alike")


def _prepare_base(cfg: Config, head_cfg: Config, start: bool, skip_setup: bool, env: Mapping[str, str],
                  report: SideBySide, temporary: bool, repo: Path,
                  head: App | None = None, made: list[Path] | None = None) -> PreparedApp | None:
    """Build the base, ready to start (None when it is not to be started): its setup only when its
    dependencies differ from the head's (and not with *skip_setup*), its build always (a fresh checkout
    has built nothing). A *temporary* checkout's
    setup stamp is removed afterwards: nothing would ever read it again. *repo*: the head's checkout.
    RunError when its build fails, which names the database the head's app *head* (built first) shares
    with it, if any. *made* gets the head's environment's links made in the base's folders."""
    from ..errors import RunError
    from ..runner import ServeOptions, _prepare
    from ..serve.steps import stamp_path

    head_cwd, base_cwd = head_cfg.resolve(head_cfg.serve.cwd), cfg.resolve(cfg.serve.cwd)
    roots = (repo, report.source.root) if report.source is not None else None
    if temporary and report.source is not None:
        # Poetry's and Pipenv's own virtualenv of the base beside its checkout, removed with it: named
        # after the checkout's new path, it was a new one in the user's cache on every run
        env = {**temporary_venv_homes(report.source.root.parent, cfg.serve.env), **env}
    installs = bool(cfg.serve.setup) and not skip_setup
    # An environment that installs the head's own code (pip install -e .) would run it as the base.
    own_code = head_code(head_cfg.serve, head_cwd, repo)
    linked = None
    if not (own_code and installs):
        linked = reuse_environment(head_cfg.serve, head_cwd, cfg.serve, base_cwd, roots, installs=installs,
                                   made=made)
    own_setup = ""  # why the base runs its own setup; said once it has run (or its stamp skipped it)
    if linked:
        # only into a checkout of the run's own: a --base-dir checkout is left as it was prepared
        linked += _setup_writes(head_cfg, head_cwd, cfg, base_cwd, report, roots[1] if roots else base_cwd,
                                installs and temporary)
        report.notes.append(linked)
        # linked without a setup of its own (--no-setup): a Prisma client is the head's schema's
        shared = "" if installs else generated_differences(head_cfg.serve, head_cwd, cfg.serve, base_cwd)
        if shared:
            report.warnings.append(shared)
        if own_code:
            report.notes.append(f"the head's {own_code} installs the head's own code: where the base's "
                                f"server does not import its code from its own folder first, the base runs "
                                f"the head's")
    elif installs:
        own_setup = _own_setup_reason(head_cfg, head_cwd, cfg, base_cwd, own_code)
    # only a setup that does more than install leaves the linked base without something it needs
    skipped_setup = cfg.serve.setup if linked and more_than_installs(cfg.serve.setup) else ""
    has_setup = bool(cfg.serve.setup)
    if linked or skip_setup:
        cfg = cfg.with_section("serve", override(cfg.serve, setup=""))
    prepared: list[str] = []
    # A setup that also migrates or seeds a database did not run for the base, whose environment is the
    # head's: its build or start fails with nothing that says why (a Django base answering 500 on a new
    # model).
    hint = (f"the base did not run its setup ({skipped_setup}): it uses the head's installed dependencies; "
            f"a step besides installing (migrations, data) belongs in [serve] build, which runs for both"
            if skipped_setup else "")
    if linked and skip_setup and has_setup and not hint:
        # --no-setup on a pull request that changes the dependencies: the base ran in the head's
        # environment and stopped on "ModuleNotFoundError: No module named 'whitenoise'" (a package the
        # head removes), with nothing that said the head's packages were not its own.
        differ = setup_differences(head_cfg.serve, head_cwd, cfg.serve, base_cwd)
        if differ:
            hint = (f"the base did not run its setup (--no-setup), and its setup inputs differ from the "
                    f"head's ({differ}): it uses the head's installed dependencies, not its own; run without "
                    f"--no-setup to install them")
    try:
        app = _prepare(cfg, start, ServeOptions(), env, label="base", prepared_notes=prepared,
                       other=repo)
    except RunError as exc:
        shared, example = _migrated_first(head_cfg, cfg, head, env)
        hints = [hint] if hint else []
        # A base that installed its own dependencies and then failed on a missing package
        # (ddev/test-sveltekit's 8ed4db9 imports @sveltejs/adapter-node, which its package.json adds a commit
        # later) is the base's own lockfile, not a link to the head's node_modules: the warning says which.
        hints += [_skipped_own(own_setup, prepared)] if own_setup else []
        hints += [shared] if shared else []
        if not hints:
            raise
        # before the output it quotes, whose last line is the exception the warning puts first; what to do
        # about a shared database last, where the comment's cut keeps it
        failed, quoting, printed = str(exc).partition("; it printed: ")
        raise BaseBuildFailed(f"{failed}; {'; '.join(hints)}{quoting}{printed}",
                              advice=own_database_advice(example) if shared else "") from None
    finally:
        if temporary:
            stamp_path(base_cwd).unlink(missing_ok=True)
    if own_setup:
        report.notes.append(_skipped_own(own_setup, prepared))
    if app is None:
        return None
    return dataclasses.replace(app, hint=hint)


def _skipped_own(own_setup: str, prepared: Sequence[str]) -> str:
    """*own_setup* (why the base runs its own setup), said of a setup its stamp skipped where *prepared*
    (the base's preparation notes) says so."""
    if any(note.startswith("setup: skipped") for note in prepared):
        return own_setup.replace("the base ran its own setup", "the base's own setup was skipped (its "
                                 "inputs did not change since it last ran there)")
    return own_setup


def _migrated_first(head_cfg: Config, cfg: Config, head: App | None,
                    env: Mapping[str, str]) -> tuple[str, str]:
    """Why a base (of configuration *cfg*, extra environment *env*) whose setup or build failed may have
    failed: the database it shares with the head (whose app is *head*), which the head's setup and build,
    run first, migrated to a schema the base may not know (Alembic's "Can't locate revision", a Django
    migration the base lacks); and the ``[serve] env`` entry that gives each build its own
    (:func:`~.data.own_database_example`). ("", "") when they share none."""
    from ..runner import _secret_names

    head = head or App(head_cfg.serve, head_cfg.resolve(head_cfg.serve.cwd), root=head_cfg.root,
                       drop=_secret_names(head_cfg))
    base = App(cfg.serve, cfg.resolve(cfg.serve.cwd), env, root=cfg.root, drop=_secret_names(cfg),
               build="base")
    head_env, base_env, origin = _database_settings(head_cfg, cfg, head, base)
    named = shared_database_names(head_env, base_env, origin)
    if not named:
        return "", ""
    return (f"the head, built first, shares its database with the base, {', '.join(named)}, and may have "
            f"migrated it to a schema the base does not know"), own_database_example(head_env, base_env)


def own_database_advice(example: str) -> str:
    """What to do about one database both builds use, said last in a failure (where the comment's cut
    keeps it), with the app's own variable in *example* (``POSTGRES_DB = "app_{build}"``)."""
    return f'give each build its own database: {{build}} in [serve] env is "base" or "head" ({example})'


class BaseBuildFailed(RunError):
    """The base's setup or build failed; *advice*, what to do, is said last in the warning
    (:func:`failure_text`), where the comment's cut of a long warning keeps it."""

    def __init__(self, message: str, advice: str = "") -> None:
        super().__init__(message)
        self.advice = advice


# Steps of a setup that only look (``test -x .venv/bin/python``), besides installing
_CHECKS = ("test", "[", "true", ":", "echo", "command", "which")


def more_than_installs(setup: str) -> bool:
    """Whether *setup* does something besides installing dependencies (``pip install -r requirements.txt &&
    python manage.py migrate``, a script init cannot read), which a base that links the head's environment
    goes without: ``python3 -m venv .venv && .venv/bin/python -m pip install -r requirements.txt`` does
    not, and a base whose own migration fails in build is not told that its setup was skipped."""
    from ..project.commands import kind, program, segments, with_cd

    # init runs a step that enters a folder in a subshell: `(cd backend && npm ci) && (cd client && npm ci)`
    steps = with_cd([part.strip("() \t") for part in segments(setup)])
    return any(kind(step) != "install" and program(step) not in _CHECKS for step in steps)


def _own_setup_reason(head_cfg: Config, head_cwd: Path, cfg: Config, base_cwd: Path,
                      own_code: str | None = None) -> str:
    """Why the base runs its own setup: its setup command or its setup inputs differ (named), else the
    head's environment installs the head's own code (*own_code*, the file that says so), or the base's
    folder already has an environment (a prepared ``--base-dir``), or the head has none to link."""
    from ..serve.steps import PNP_MAPS, SETUP_OUTPUTS
    from .environment import same_dependencies

    if not same_dependencies(head_cfg.serve, head_cwd, cfg.serve, base_cwd):
        if head_cfg.serve.setup and head_cfg.serve.setup != cfg.serve.setup:
            return (f"the base's [serve] setup (`{cfg.serve.setup}`) is not the head's "
                    f"(`{head_cfg.serve.setup}`): the base ran its own setup")
        which = setup_differences(head_cfg.serve, head_cwd, cfg.serve, base_cwd)
        return f"the base's setup inputs differ from the head's{f' ({which})' if which else ''}: the base " \
               "ran its own setup"
    # Only where the dependencies are the same is the installed project the reason: a uv workspace's `uv
    # sync` always installs its member, and a pull request that bumps uv.lock was said to have its base set
    # up apart only because of that, never that its dependencies differ.
    if own_code:
        return (f"the head's {own_code} installs the head's own code, so the base ran its own setup (with "
                f"that environment linked it would have run the head's code)")
    own = [name for name in SETUP_OUTPUTS if (base_cwd / name).exists() or (base_cwd / name).is_symlink()]
    if own:
        return (f"the base's dependencies are the head's, but its folder has its own {', '.join(own)}: "
                f"the base ran its own setup")
    pnp = next((name for name in PNP_MAPS if (head_cwd / name).is_file()), "")
    if pnp:
        # the map names each package, the project's own among them, by its path from the map's folder: the
        # head's map would resolve the base's imports against the head's checkout, so it is not linked
        return (f"the base's dependencies are the head's, which Yarn's Plug'n'Play installed without a "
                f"node_modules ({pnp}, a map of paths from the head's folder, which is not linked): the base "
                f"ran its own setup")
    return ("the base's dependencies are the head's, but the head's setup left no "
            f"{', '.join(SETUP_OUTPUTS)} to link: the base ran its own setup")


def _in_checkout(text: str, source: BaseSource | None) -> str:
    """*text* with the path of the base's temporary checkout, gone once the run ends, written as
    ``<base checkout>``: "serve.cwd: folder <base checkout>/src does not exist" says where to look."""
    if source is None or not source.sha:  # --base-dir: the user's own folder, which stays
        return text
    return text.replace(str(source.root), "<base checkout>")


def _contexts(cfg: Config, phases: list[Phase[Any]], artifacts: Path, output_dir: Path,
              app: App | None, unavailable: str = "") -> dict[str, PhaseContext]:
    from ..runner import _context

    base_url = app.base_url if app else None
    return {p.name: _context(cfg, artifacts / p.name, base_url, app, output_dir, unavailable) for p in phases}


def _data_warnings(cfg: Config, base_cfg: Config, had: list[str], head: PreparedApp | None,
                   base: PreparedApp | None) -> list[str]:
    """What differs or is shared in the data the two builds serve: local SQLite files (not for a head whose
    settings name a database server: those files are what an earlier run on SQLite left, see
    :func:`~.data.share_earlier_databases`), one database server both environments point at, and one
    static-files folder outside both checkouts that both builds write."""
    if head is None or base is None:
        return data_warnings(cfg.base_dir, base_cfg.base_dir, had)
    settings = _database_settings(cfg, base_cfg, head.app, base.app)
    # django-blog on PostgreSQL: its db.sqlite3 from before was said to hold other rows than the base's
    said = [] if server_databases(settings[0]) else \
        data_warnings(cfg.base_dir, base_cfg.base_dir, had)
    # a folder outside both checkouts that both builds write (Django's STATIC_ROOT)
    steps = " ".join(app.filled(c.serve.setup or "") + " " + app.filled(c.serve.build or "")
                     for app, c in ((head.app, cfg), (base.app, base_cfg)))
    static = shared_static_root(steps, head.app.root, base.app.root, settings[0], settings[1])
    # a Redis the settings files or Node sources default to (os.getenv("REDIS_URL", "redis://localhost:6379/0"),
    # process.env.REDIS_HOST || "127.0.0.1") where neither environment sets it, or hold as a literal
    head_more, base_more, origin, literal, reads = shared_settings_caches(head.app.root, base.app.root,
                                                                          settings[0], settings[1])
    caches = shared_caches({**head_more, **settings[0]}, {**base_more, **settings[1]},
                           {**settings[2], **origin}, reads)
    queue = socketio_queue(head.app.root) if caches else ""
    caches = [warning + queue for warning in caches]
    python = python_difference(head.app.environment(), base.app.environment(), (cfg.root, base_cfg.root))
    # a DATABASES entry whose server and name the settings' code holds (a literal, or a default no variable
    # of either build sets): no environment names it, the logistics portal's base ran on the head's schema
    databases = shared_databases(*settings) or \
        shared_settings_databases(head.app.root, base.app.root, settings[0], settings[1])
    return said + databases + caches + literal + static + ([python] if python else [])


def _database_settings(cfg: Config, base_cfg: Config, head: App,
                       base: App) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """What the head's and the base's apps read for their database, and which file the head's came from
    (the arguments of :func:`~.data.shared_databases`): each one's environment, and where that sets
    nothing, its dotenv files (the head's untracked ones copied into the base's checkout: the same
    settings, the same database) and the settings files the command names (``-c
    config/user_config.toml``)."""
    head_files = {**named_settings(head.filled(cfg.serve.command), head.cwd),
                  **dotenv_settings([head.root, *_dotenv_folders(cfg, head.cwd)])}
    base_files = {**named_settings(base.filled(base_cfg.serve.command), base.cwd),
                  **dotenv_settings([base.root, *_dotenv_folders(base_cfg, base.cwd)])}
    head_env, base_env = head.environment(), base.environment()
    origin = {name: os.path.relpath(file, head.root) for name, (_, file) in head_files.items()
              if name not in head_env}
    return ({**{k: v for k, (v, _) in head_files.items()}, **head_env},
            {**{k: v for k, (v, _) in base_files.items()}, **base_env}, origin)


def _start(ready: PreparedApp | None, phases: list[Phase[Any]],
           required: bool = True) -> tuple[App | None, str]:
    """Start a prepared build: (the app, "") or, when a phase needs no running app (bundle, security's
    static checks) or it is not *required* (the base), (None, why it did not start) instead of the
    RunError, as a plain `run` does: those phases still run, the others are errors that say why."""
    from ..errors import RunError

    if ready is None:
        return None, ""
    try:
        return ready.start(), ""
    except RunError as exc:
        if required and all(p.needs_app for p in phases):
            raise
        if required:  # the head: which phases cannot run (the base's _start_base says its own)
            from ..runner import without_app

            console.warn(f"the head (the working tree): {without_app(phases, str(exc))}")
        return None, str(exc)


def _earlier_outputs_said(repo: Path, untracked: Sequence[str], head: Path, base: Path,
                          data: Sequence[str], placed: Sequence[str]) -> list[str]:
    """A warning naming what an earlier build left in the head's checkout that the base's build writes
    too (:func:`~.checkout.earlier_build_outputs`): the head's build ran with it in place, the base's
    without, so a step that reads the project's folder saw it on one side only. Said on the console too."""
    found = earlier_build_outputs(repo, untracked, head, base, data, placed)
    if not found:
        return []
    said = [f"{first_named(found)}: an earlier build's output in the head's checkout (the base's build "
            "writes it too) that git does not ignore: the head's build ran with it in place and the base's "
            "fresh checkout without, so a step that reads the project's folder (Tailwind's source scan, the "
            "bundle's globs) saw it on the head's side only and the two builds differ by more than the "
            "change; add it to .gitignore"]
    console.warn(said[0])
    return said


def _moved_head(app: App | None) -> list[str]:
    """The note on a head served away from its fixed port, which another program holds: [] otherwise."""
    return [f"the head {app.moved}"] if app is not None and app.moved else []


def _start_base(ready: PreparedApp | None, phases: list[Phase[Any]], report: SideBySide,
                asked: str, head_down: bool = False, head: App | None = None) -> tuple[App | None, str]:
    """Start the base's build: (the app or None, why it did not start). A base that built but does not
    start still gives its build (bundle) and its files (security): the phases that need the running app
    measure the head alone (``report.down`` says why), the others compare both. *head_down*: the head did
    not start, so the base is not started either (a note says so). A base whose fixed ``port`` is the one
    the running *head* listens on is started with its listen moved to a free port
    (:func:`~echotune_ci.serve.app.moved_listen`)."""
    if head_down:
        # Nothing of the base's running app could be compared with a head that is not running (each phase
        # that measures it is an error saying why): the base is built, not served.
        report.notes.append(f"the base ({asked}) was built but not started: the head did not start, so no "
                            "phase that measures a running app could compare")
        return None, ""
    if ready is not None:
        ready.app.follow_port = True  # a base from before the app read PORT: no fix of the head's reaches it
        # Decided from where the head listens, not from the two configurations: a head moved off its fixed
        # port leaves it to the other program it was moved from, which the base's start finds and names
        # (the note said "where the head is served").
        port = ready.app.settings.port
        ready.app.move_port = head is not None and port != "auto" and int(port) == head.port
    app, unavailable = _start(ready, phases, required=False)
    if app is not None and app.moved:
        report.notes.append(f"the base ({asked}) {app.moved}")
    if unavailable:
        down = (f"the base ({asked}) did not start, so only what needs no running app (its build, its "
                "files) was compared: " + _in_checkout(unavailable, report.source))
        if any(p.needs_app for p in phases):
            report.down = down  # on each of those phases
            console.warn(down)
        else:
            report.warnings.append(down)
    return app, unavailable


def _measure(phases: list[Phase[Any]], head: Side, base: Side | None, apps: tuple[App | None, App | None],
             report: SideBySide, head_down: str = "") -> list[Pair]:
    """Each phase on head and base, interleaved where both run; *head_down*: why the head did not start
    (the phases that measure it are then errors saying so, the others run)."""
    from ..runner import app_exited, not_run, not_started

    head_app, base_app = apps
    pairs: list[Pair] = []
    for phase in phases:
        with console.progress(phase.name) as p:
            head = dataclasses.replace(head, contexts={**head.contexts, phase.name:
                                                       head.contexts[phase.name].with_progress(p.update)})
            skipped = not_started(phase, head_down) or not_run(phase, head_app)
            if skipped is not None:
                pairs.append(Pair(skipped))
                continue
            base_down = not_run(phase, base_app) if base is not None else None
            down = report.down if phase.needs_app else ""
            one = one_server(phase.name, head.cfg, base.cfg) if base is not None else ""
            apart = one if phase.name in WHOLLY_ON_ONE_SERVER else ""
            if base is None or base_down is not None or down or apart:
                from ..runner import run_phase

                pair = Pair(run_phase(phase, head.cfg, head.contexts[phase.name]))
                if base_down is not None or down or apart:  # the base crashed or never started, or one server
                    why = base_down.errors[0] if base_down is not None else down or apart
                    pair.head.warnings.append(f"no comparison with the base: {why}")
            else:
                pair = measure_pair(phase, head, base)
                if one:  # its other checks or pages compare the builds; what that setting names does not
                    pair.head.warnings.append(f"{one}: what was measured there compares no builds")
                    pair = pages_apart(pair, one_server_pages(head.cfg, base.cfg))
            pair.head = app_exited(pair.head, phase, head_app)
            if pair.base is not None:
                pair.base = app_exited(pair.base, phase, base_app)
                if pair.base.errors and not pair.base.metrics:
                    pair.head.warnings.append(f"no comparison with the base: its {phase.name} phase "
                                              f"could not run: {pair.base.errors[0]}")
            if pair.order:
                report.order[phase.name] = pair.order
                report.samples[phase.name] = pair.samples
            pairs.append(pair)
        status: str = pair.head.status
        if pair.base is not None and status != "error":
            # The phase's status holds its budgets alone; against the base the gate may ratchet a fail into a
            # warning or fail a pass on a regression, so only the gate's lines at the end say which.
            status = "head and base measured"
        console.info(f"{phase.name}: {status} ({pair.head.duration_s:.1f}s)")
    return pairs


def pages_apart(pair: Pair, urls: frozenset[str]) -> Pair:
    """*pair* with the metrics of the pages at *urls* (one server for both builds, :func:`one_server_pages`)
    not compared: both builds loaded that server, and its paints and sizes were gated against themselves,
    a false "regressed" failing the pull request at the rate of the test's alpha (and its undecided
    metrics asked for more rounds)."""
    if not urls:
        return pair

    def apart(result: PhaseResult) -> PhaseResult:
        return dataclasses.replace(result, metrics=[dataclasses.replace(m, compared=False)
                                                    if m.labels.get("url") in urls else m
                                                    for m in result.metrics])

    return dataclasses.replace(pair, head=apart(pair.head), base=apart(pair.base) if pair.base else None)


@dataclass
class Look:
    """What one look of :func:`extend` found: the keys of *undecided* metrics (more samples could change
    their verdict) and, per key, the conditional power of each metric left undecided that more samples
    would most likely not decide (*futile*: below ``[gate] futility``)."""

    undecided: list[str] = field(default_factory=list)
    futile: dict[str, float] = field(default_factory=dict)


def undecided(cfg: Config, pair: Pair, level: float | None = None,
              final: tuple[int, float] | None = None) -> Look:
    """The gated metrics (named in ``[gate] regression``, with samples on both sides) that are not
    "regressed" while their confidence interval still reaches the regression limit
    (:func:`echotune_ci.compare.needs_more_samples`): more samples could change their verdict. *level*:
    the one-sided significance level of this look (:func:`echotune_ci.compare.sequential_levels`), shared
    among the phase's gated metrics (:func:`echotune_ci.compare.family_level`), which its family tests
    before the others (:func:`echotune_ci.compare.gatekept`); the interval is the one
    the verdict at that level would show (:meth:`~echotune_ci.compare.Rule.at_level`).

    *final*: (samples per build, level) of the last planned look. A metric whose conditional power
    there (:func:`echotune_ci.compare.conditional_power`: the chance of a "regressed" verdict at the
    last look if the head is worse by the limit from now on) is below ``[gate] futility`` goes to
    ``futile`` instead: the samples left could most likely not show a regression of the limit's size,
    so a phase with no other undecided metric stops. The false-alarm bound still holds: the levels of
    the planned looks add up to the phase's alpha, which bounds a false "regressed" at whichever look
    any stopping rule, this one included, stops at."""
    from ..compare import Rule, conditional_power, family_level, needs_more_samples

    # The verdicts will be decided as one family per phase, its gated metrics first
    # (compare.correct_families): a gated metric's test gets at least level / K, Tarone's K over the
    # phase's gated metrics, so the look asks that of it.
    gated = _gated(cfg, pair)
    pairs = [(b.samples, m.samples) for b, m in gated]
    each = family_level(pairs, level if level is not None else cfg.gate.alpha)
    last = family_level(pairs, final[1]) if final is not None and cfg.gate.futility > 0 else None
    out = Look()
    for b, m in gated:
        rule = Rule.for_metric(cfg.gate, m.name, m.better, m.unit)
        if not needs_more_samples(b.samples, m.samples, rule.at_level(each)):
            continue
        power = None
        if final is not None and last is not None:
            power = conditional_power(b.samples, m.samples, rule, final[0], last)
        if power is not None and power < cfg.gate.futility:
            out.futile[m.key] = power
        else:
            out.undecided.append(m.key)
    return out


def _tested(cfg: Config, pair: Pair) -> list[tuple[Metric, Metric]]:
    """(base, head) of every metric with samples on both sides that gets a verdict: the family the gate
    will decide them in (:func:`echotune_ci.compare.directed`: not an endpoint's throughput, which the
    default ``rps`` limit does not mean)."""
    from ..compare import directed

    base_by = {m.key: m for m in pair.base.metrics} if pair.base is not None else {}
    return [(base_by[m.key], m) for m in pair.head.metrics
            if m.key in base_by and m.compared and base_by[m.key].compared and len(m.samples) >= 2
            and len(base_by[m.key].samples) >= 2
            and directed(pair.head.phase, m, named=m.name in cfg.gate.regression)]


def _sampled_pairs(cfg: Config, pair: Pair) -> list[tuple[list[float], list[float]]]:
    """(base samples, head samples) of each of :func:`_tested`."""
    return [(b.samples, m.samples) for b, m in _tested(cfg, pair)]


def _gated(cfg: Config, pair: Pair) -> list[tuple[Metric, Metric]]:
    """(base, head) of each of :func:`_tested` named in ``[gate] regression``."""
    return [(b, m) for b, m in _tested(cfg, pair) if m.name in cfg.gate.regression]


def planned_looks(start: int, cap: int, *, even: bool = False) -> list[int]:
    """The sample counts per build at which :func:`extend` may look at a paired phase's samples: the
    configured *start*, then about half as many again each time (at least 2) up to *cap* (``[gate]
    max_runs``); *even*: only even additions (load rounds, which must stay ABBA-balanced), stopping
    below the cap when fewer than 2 would be left. ``[start]`` when *start* already reaches *cap*.
    Fixed before any sample is seen, as a sequential test's looks must be."""
    looks = [start]
    used = start
    while used < cap:
        more = min(max(2, used // 2), cap - used)
        if even:
            more -= more % 2
            if more < 2:
                break
        used += more
        looks.append(used)
    return looks


def with_level(result: PhaseResult, level: float) -> PhaseResult:
    """*result* whose sampled metrics record the significance *level* their samples must be judged at
    (``Metric.alpha``), so the gate, ``compare`` and ``report`` on the files decide as this run did."""
    metrics = [dataclasses.replace(m, alpha=level) if len(m.samples) >= 2 else m for m in result.metrics]
    return dataclasses.replace(result, metrics=metrics)


def comparable(pair: Pair, phase: Phase[Any]) -> bool:
    """Whether *pair* is a paired phase whose base and head were both measured without errors."""
    return (phase.name in PAIRED_PHASES and pair.base is not None and not pair.base.errors
            and not pair.head.errors)


def unserved_endpoints(pair: Pair, *, final: bool = True) -> Pair:
    """*pair* (the load test's) without the base's figures of each endpoint the base failed every request
    of while the head served some: an endpoint the pull request adds answers 404 on the base, and those
    errors' response times are no baseline for the head's answers (its metrics are new in the head). The
    test's totals hold those errors on the base's side only, so they get ``compared`` False on both sides,
    and the base's total error rate is recomputed without them (else the gate would call the head's error
    rate a fixed breach). The head's result says so in a warning. Other pairs are returned as they are.

    Not *final* (before rounds are added): the same metrics only get ``compared`` False (the totals on
    both sides, the endpoint's on the base's), so they neither ask for rounds nor count in the family,
    and the rounds still add up for the final pass."""
    if pair.base is None or pair.head.phase != "load":
        return pair

    def failed(r: PhaseResult) -> dict[str, float]:
        return {m.labels["endpoint"]: m.value for m in r.metrics
                if m.name == "error_rate_pct" and "endpoint" in m.labels and m.value is not None}

    head_rates = failed(pair.head)
    gone = sorted(e for e, rate in failed(pair.base).items() if rate >= 100 and head_rates.get(e, 100) < 100)
    if not gone:  # the base served it in the rounds added since: compared again
        if not pair.set_aside:
            return pair
        back = set(pair.set_aside)

        def restored(r: PhaseResult) -> PhaseResult:
            return dataclasses.replace(r, metrics=[dataclasses.replace(m, compared=True) if m.key in back
                                                   else m for m in r.metrics])

        return dataclasses.replace(pair, head=restored(pair.head), base=restored(pair.base), set_aside=())
    rate = _served_error_rate(pair.base.metrics, gone)
    # The totals are the figures every endpoint also has; the app's CPU and memory are no sum of them.
    totals = {m.name for m in pair.head.metrics if "endpoint" in m.labels}

    def apart(m: Metric, served_rate: float | None = None) -> Metric:
        if "endpoint" in m.labels or m.name not in totals:
            return m
        if m.name == "error_rate_pct" and served_rate is not None:
            return dataclasses.replace(m, compared=False, value=served_rate, samples=[])
        return dataclasses.replace(m, compared=False)

    if not final:
        head = [apart(m) for m in pair.head.metrics]
        base = [dataclasses.replace(m, compared=False) if m.labels.get("endpoint") in gone else apart(m)
                for m in pair.base.metrics]
        aside = tuple(m.key for m in (*head, *base) if not m.compared)
        return dataclasses.replace(pair, head=dataclasses.replace(pair.head, metrics=head),
                                   base=dataclasses.replace(pair.base, metrics=base), set_aside=aside)
    said = (f"{', '.join(gone)}: every request to the base failed (an endpoint the base does not have?), so "
            f"{'it is' if len(gone) == 1 else 'they are'} new in the head and the load test's totals are not "
            f"compared with the base's")
    warnings = pair.head.warnings if said in pair.head.warnings else [*pair.head.warnings, said]
    head = [apart(m) for m in pair.head.metrics]
    base = [apart(m, rate) for m in pair.base.metrics if m.labels.get("endpoint") not in gone]
    return dataclasses.replace(pair, head=dataclasses.replace(pair.head, metrics=head, warnings=warnings),
                               base=dataclasses.replace(pair.base, metrics=base))


def _served_error_rate(metrics: list[Metric], gone: list[str]) -> float | None:
    """The load test's total error rate (%) without the requests to the endpoints *gone*, from the
    totals' and their ``requests`` and ``error_rate_pct``; None when a figure is missing."""
    by = {(m.name, m.labels.get("endpoint")): m.value for m in metrics if set(m.labels) <= {"endpoint"}}
    total_rate, total_requests = by.get(("error_rate_pct", None)), by.get(("requests", None))
    if total_rate is None or total_requests is None:
        return None
    failures, requests = total_rate * total_requests / 100.0, total_requests
    for endpoint in gone:
        rate, count = by.get(("error_rate_pct", endpoint)), by.get(("requests", endpoint))
        if rate is None or count is None:
            return None
        failures -= rate * count / 100.0
        requests -= count
    return max(failures, 0.0) / requests * 100.0 if requests > 0 else None


def undecided_text(keys: list[str]) -> str:
    """"2 metric(s) undecided (p95_ms, lcp_ms)" for the keys of the metrics still undecided: the first
    three named, "..." after them for more."""
    shown = ", ".join(keys[:3]) + (", ..." if len(keys) > 3 else "")
    return f"{len(keys)} metric(s) undecided ({shown})"


def extend(phase: Phase[Any], pair: Pair, head: Side, base: Side, report: SideBySide,
           alpha: float | None = None) -> Pair:
    """More interleaved rounds for *phase* while :func:`undecided` names a metric, up to ``[gate]
    max_runs`` samples per build; the samples used are noted on the head's result.

    A sequential test (docs/verdicts.md): the looks are :func:`planned_looks`, each with its share of
    *alpha* (default ``[gate] alpha``; the run gives each paired phase an equal part of it, so the chance
    of a false "regressed" anywhere in the run stays at most ``[gate] alpha``) by
    :func:`echotune_ci.compare.sequential_levels` (O'Brien-Fleming-type alpha spending), and both builds'
    sampled metrics record the level of the look the phase stopped at, which decides their verdict and
    widens their interval. Repeated looks at ``[gate] alpha`` itself would raise the chance of a false
    "regressed" above it (optional stopping)."""
    from ..compare import SPENDING, carried_levels, sequential_levels

    cap = head.cfg.gate.max_runs
    alpha = head.cfg.gate.alpha if alpha is None else alpha
    if not comparable(pair, phase) or pair.base is None:
        return pair
    if pair.samples < 1 or not _gated(head.cfg, pair):
        looks = [pair.samples]  # nothing could ever add rounds: one look, at the phase's whole share
    else:
        looks = planned_looks(pair.samples, cap, even=phase.name == "load")
    levels = carried_levels(looks, sequential_levels(looks, alpha))
    look = 0
    futile: dict[str, float] = {}  # set only when the look that ends the sampling found futile metrics
    while look + 1 < len(looks):
        seen = undecided(head.cfg, pair, levels[look], final=(looks[-1], levels[-1]))
        keys = seen.undecided
        if not keys:
            futile = seen.futile
            break
        used, more = looks[look], looks[look + 1] - looks[look]
        # the look's sample count: two looks that add as many said the same line twice, as if repeated
        console.info(f"{phase.name}: at {used} samples per build, {undecided_text(keys)}: "
                     f"{more} more per build")
        with console.progress(f"{phase.name}: {more} more per build") as p:
            ctx = head.contexts.get(phase.name)
            shown = head if ctx is None else dataclasses.replace(
                head, contexts={**head.contexts, phase.name: ctx.with_progress(p.update)})
            if phase.name == "frontend":
                extra = measure_frontend(phase, shown, base, first_pair=used, runs=more)
            else:
                # Each extra load pass starts with the base: an even number of rounds keeps it ABBA-balanced.
                extra = measure_load(phase, shown, base, rounds=more, first_round=used + 1)
        if extra.base is None:
            break
        medians = phase.name == "frontend"
        pair.head = merge_samples(pair.head, extra.head, medians=medians)
        pair.base = merge_samples(pair.base, extra.base, medians=medians)
        for unit, order in extra.order.items():
            pair.order.setdefault(unit, []).extend(order)
        look += 1
    used = looks[look]
    if used != pair.samples:
        console.info(f"{phase.name}: {used} samples per build ({pair.head.duration_s:.1f}s in all)")
        pair.head.notes.append(f"{used} samples per build ({pair.samples} configured, "
                               f"{used - pair.samples} added while a gated metric was undecided; "
                               f"[gate] max_runs = {cap})")
    if futile:
        pair.head.notes.append(futility_note(futile, used, looks[-1], head.cfg.gate.futility))
    level = levels[look]
    if len(looks) > 1 or level < head.cfg.gate.alpha:
        pair.head, pair.base = with_level(pair.head, level), with_level(pair.base, level)
        pair.head.notes.append(sequential_note(looks, look, level, head.cfg.gate.alpha, alpha))
        report.levels[phase.name] = {"looks": looks, "stopped_at": used, "alpha": level, "spending": SPENDING,
                                     "phase_alpha": alpha}
        if futile:  # the conditional power of each metric that stopped the sampling, 0..1
            report.levels[phase.name]["futile"] = {key: round(power, 6)
                                                   for key, power in sorted(futile.items())}
    report.samples[phase.name] = pair.samples = used
    if pair.order:
        report.order[phase.name] = pair.order
    return pair


def futility_note(futile: Mapping[str, float], used: int, cap: int, threshold: float) -> str:
    """"stopped at 5 of at most 10 samples per build: the samples left would find a regression of the
    limit's size with a chance below [gate] futility = 0.1 (lcp_ms[url=/] 2 %, ...); ...": why a phase
    stopped before its last look while gated metrics' intervals still reached their limits (*futile*:
    key → conditional power, 0..1; the lowest first, three named)."""
    shown = sorted(futile.items(), key=lambda kv: (kv[1], kv[0]))
    named = ", ".join(f"{key} {power * 100:.0f} %" for key, power in shown[:3])
    more = f", {len(shown) - 3} more" if len(shown) > 3 else ""
    return (f"stopped at {used} of at most {cap} samples per build: the samples left would find a regression "
            f"of the limit's size with a chance below [gate] futility = {threshold:g} ({named}{more}); the "
            f"noise, not the sample count, decides what this run can see")


def sequential_note(looks: list[int], look: int, level: float, alpha: float,
                    share: float | None = None) -> str:
    """"sequential test: looked at 5, 7 of the planned 5, 7, 10 samples per build, so the verdicts use
    alpha = 0.00679 (of this phase's 0.025, half of [gate] alpha = 0.05 shared by the run's 2 paired
    phases; O'Brien-Fleming-type alpha spending) and wider intervals". *share*: the phase's part of
    *alpha* (default all of it)."""
    share = alpha if share is None else share
    shown = ", ".join(map(str, looks[: look + 1]))
    part = f"[gate] alpha = {alpha:g}"
    if share < alpha:
        part = (f"this phase's {share:.4g}, its part of {part} shared by the run's {round(alpha / share)} "
                "paired phases")
    if len(looks) == 1:  # no adaptive rounds: only the share between the phases
        return (f"one look at {looks[0]} samples per build: the verdicts use alpha = {level:.4g} ({part}) "
                "and wider intervals")
    return (f"sequential test: looked at {shown} of the planned {', '.join(map(str, looks))} samples per "
            f"build, so the verdicts use alpha = {level:.4g} (of {part}; O'Brien-Fleming-"
            f"type alpha spending) and wider intervals")


# "RuntimeError: boom", "django.core.exceptions.ImproperlyConfigured: ...", "KeyboardInterrupt"
_EXCEPTION_LINE = re.compile(r"(?:[A-Za-z_]\w*\.)*[A-Z]\w*(?::|$)")


def failure_text(asked: str, why: str, own: Sequence[str] = (), advice: str = "") -> str:
    """"the base (--base-ref REF) could not be measured (RuntimeError: boom): <why>": *why* is the error's
    one line; the exception line of a Python traceback it quotes ("; it printed: Traceback ... | RuntimeError:
    boom") comes first too, since the comment keeps a warning's start and end (320 characters in all),
    and the traceback's frames would otherwise fill the start; so does an installer's error code (npm's
    E404, pnpm's ERR_PNPM_...). *own*: the base's own [serve] keys that
    differ from the head's, said up front ("the base (...), built with its own [serve] setup, could not
    ...") and with what to do at the end: a fix of the head's configuration does not reach such a base.
    *advice* (:class:`BaseBuildFailed`'s) is said last."""
    after_all = f"; {advice}" if advice else ""
    if own:
        keys = ", ".join(f"[serve] {key}" for key in own)
        asked = f"{asked}, built with its own {keys}, not the head's"
        after_all = ("; a fix in the head's configuration does not reach the base: commit it to the base "
                     "branch, or prepare a base with --base-dir") + after_all
    _, quoted, printed = why.partition("; it printed: ")
    lines = printed.split(" | ") if quoted else []
    # The exception line is the first after the last frame that starts with a class name; the code line
    # and the message may hold " | " too, which splits them.
    frames = [i for i, line in enumerate(lines) if line.startswith("  File ")]
    after = lines[frames[-1] + 1:] if frames else []
    start = next((i for i, line in enumerate(after) if _EXCEPTION_LINE.match(line)), None)
    last = " | ".join(after[start:]) if start is not None else (lines[-1] if lines else "")
    traceback = bool(lines) and lines[0].startswith("Traceback (most recent call last)")
    if traceback and last[:1] not in ("", " ", "…"):
        return f"the base ({asked}) could not be measured ({last}): {why}{after_all}"
    # An installer's error code, up front for the same reason: a base with its own [serve] setup that pnpm
    # 9 refused said "serve.setup failed with exit code 1 (pnpm … a fix in the head's configuration ..." in
    # the comment, ERR_PNPM_LOCKFILE_BREAKING_CHANGE cut from the middle
    code = next((m.group(1) or m.group(2) for line in lines if (m := _INSTALL_CODE.search(line.strip()))), "")
    if code:
        return f"the base ({asked}) could not be measured ({code}): {why}{after_all}"
    return f"the base ({asked}) could not be measured: {why}{after_all}"


# npm's "npm error code E404" (npm 6: "npm ERR! code ..."), pnpm's "ERR_PNPM_LOCKFILE_BREAKING_CHANGE"
_INSTALL_CODE = re.compile(r"^npm (?:error|ERR!) code (E[A-Z0-9]+)$|\b(ERR_PNPM_[A-Z_]+)\b")


def _order_notes(report: SideBySide, label: str) -> dict[str, str]:
    """One note per paired phase saying how its measurements were interleaved."""
    notes = {}
    for phase, orders in report.order.items():
        parts = [f"{unit}: {' '.join('B' if s == 'base' else 'H' for s in seq)}"
                 for unit, seq in orders.items()]
        what = "page loads" if phase == "frontend" else "load rounds"
        notes[phase] = (f"measured side by side with the base {label}: {what} interleaved in ABBA order "
                        f"(B base, H head; {'; '.join(parts)})")
    return notes


@contextlib.contextmanager
def _said_of_the_head() -> Iterator[None]:
    """A RunError of the head's setup, build or start names the head: beside the base's steps, "serve
    command exited with code 1" did not say which build failed."""
    from ..errors import RunError

    try:
        yield
    except RunError as exc:
        raise RunError(f"the head (the working tree): {exc}") from None


def _dotenv_folders(cfg: Config, cwd: Path) -> list[Path]:
    """Where an app of *cfg* served from *cwd* may read dotenv files, besides its checkout's top: the
    configuration's folder, *cwd*, and the folders its setup, build and command work in (``npm start
    --prefix Backend`` runs a script that reads ``Backend/.env``; ``cd web && vite build`` reads
    ``web/.env``)."""
    from ..project.commands import working_folders

    serve = cfg.serve
    steps = [f for line in (serve.setup, serve.build, serve.command) for f in working_folders(line)]
    return [cfg.base_dir, cwd, *(cwd / f for f in dict.fromkeys(steps))]


def _build_base(cfg: Config, base: BaseOptions, repo: Path, report: SideBySide, stack: contextlib.ExitStack,
                phases: list[Phase[Any]], start: bool, skip_setup: bool,
                env: Mapping[str, str], head: App | None = None) -> tuple[Config, PreparedApp | None]:
    """Check the base out (removed when *stack* closes), read its configuration and build it: the base's
    configuration and its app ready to start (None when it is not started), the app stopped when *stack*
    closes. EchoTuneError or OSError when the base cannot be checked out, configured or built (*head*: the
    head's app, built already, whose database the error names when they share one)."""
    report.source = stack.enter_context(_source(base, repo))
    base_cfg, notes = base_config(cfg, repo, report.source.root)
    if any(p.name == "bundle" for p in phases):
        base_cfg = bundle_in_base(base_cfg, repo, report.source.root)
    report.notes.extend(_in_checkout(n, report.source) for n in notes)
    if base.ref is not None and not base_cfg.base_dir.exists():
        # The pull request that adds the configuration in a folder of its own (ci/echotune.toml with
        # cwd = ".."): "<base>/ci/.." cannot be entered while <base>/ci does not exist, and the base "could
        # not be measured".
        base_cfg.base_dir.mkdir(parents=True)
        shown = base_cfg.base_dir.relative_to(report.source.root).as_posix()
        report.notes.append(f"the base has no {shown}/, the configuration's folder: made empty in its "
                            f"temporary checkout, so that [serve] and the paths relative to it resolve as in "
                            f"the head")
    report.own_serve = [key for key in ("setup", "build", "command", "cwd", "env")
                        if getattr(base_cfg.serve, key) != getattr(cfg.serve, key)]
    if base.ref is not None:  # a fresh checkout has only what its commit tracks
        folders = [repo, *_dotenv_folders(cfg, cfg.resolve(cfg.serve.cwd))]
        copied = copy_dotenv(repo, report.source.root, folders)
        copied += copy_ignored_settings(repo, report.source.root, folders)
        report.placed = copied
        if copied:
            report.notes.append(f"copied the head's untracked {', '.join(copied)} into the base's "
                                f"checkout: both builds read the same settings")
    made: list[Path] = []
    if base.ref is None:
        # A --base-dir checkout stays: the head's environment linked into it is taken out again once its
        # app has stopped (callbacks run last first), or it was the base's own setup on the next run.
        stack.callback(remove_links, made)
    ready = _prepare_base(base_cfg, cfg, start, skip_setup, env, report, temporary=base.ref is not None,
                          repo=repo, head=head, made=made)
    if ready is not None:
        stack.callback(ready.app.stop)  # stopped before its worktree is removed
    return base_cfg, ready


def run_side_by_side(cfg: Config, output_dir: Path, base: BaseOptions, *, only: tuple[str, ...] = (),
                     extra_env: Mapping[str, str] | None = None, skip_setup: bool = False,
                     force_setup: bool = False) -> RunOutcome:
    """Measure the head (the working tree of *cfg*) and the base named by *base* side by side; write
    ``<output_dir>/<phase>.json``, ``<output_dir>/base/<phase>.json`` and the report; the
    :class:`~echotune_ci.runner.RunOutcome`, gated against the base's results (against nothing when
    the base could not be measured: then each result's warnings say why).

    Raises InputError (exit 2) for a REF that names no commit, a DIR that is
    not a folder or a configuration outside a git checkout; ConfigError for
    configuration mistakes (before anything starts); RunError when the head
    cannot be set up, built or started. A base that cannot be checked out,
    built or started is not an error: the head is measured alone.
    """
    from ..gate import evaluate
    from ..masking import register_config
    from ..reporting import write_report_files
    from ..runner import RunOutcome as Outcome
    from ..runner import ServeOptions, _finish, _must_start, _prepare, _sigterm_as_interrupt
    from ..runner import phase_list, preflight, say_earlier_results

    register_config(cfg)
    phases = phase_list(cfg, only)
    preflight(cfg, phases, output_dir, None)
    repo = repository_root(cfg.base_dir, "--base-ref" if base.ref is not None else "--base-dir")
    _checked_source(base, repo, cfg.base_dir)
    report = SideBySide()
    changed, untracked = dirty_paths(repo, (output_dir,))
    if changed or untracked:
        kinds = ((changed, "uncommitted change(s)"), (untracked, "untracked file(s)"))
        parts = [f"{len(found)} {what} (e.g. {found[0]})" for found, what in kinds if found]
        report.notes.append(f"the head is the working tree as it is, with {' and '.join(parts)}")
    options = ServeOptions(skip_setup=skip_setup, force_setup=force_setup)
    start = _must_start(cfg, phases, options)
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise cannot_write(output_dir, exc) from None
    ignore_output_folder(output_dir)  # no build reads what this run writes
    artifacts = output_dir / "artifacts"
    started = time.monotonic()
    kept = own_artifact_folders(output_dir, cfg.base_dir, [*(p.name for p in phases), "base"])
    with output_lock(output_dir), _sigterm_as_interrupt(), previous_kept(*kept), \
            contextlib.ExitStack() as stack:
        apps: list[App] = []
        # The head's untracked databases before its setup and build: those the run makes are not data,
        # nor those an earlier run made or used and nobody used since.
        found = local_databases(cfg.base_dir)
        had = brought_databases(cfg.base_dir, found)
        earlier = [rel for rel in found if rel not in had]
        # Recorded once the apps have stopped (callbacks run last first), also when the run fails: the next
        # run's warning would otherwise blame the data for what a failed run's setup or app made.
        stack.callback(remember_databases, cfg.base_dir, had)
        # Both builds are made before either app starts: an app left idle through the other's build (a
        # few minutes of npm ci) can lose its database connection, and would share the CPU with it.
        with _said_of_the_head():
            head_ready = _prepare(cfg, start, options, {**(extra_env or {}), **base.head_env}, label="head")
        if head_ready is not None:
            stack.callback(head_ready.app.stop)
        base_cfg, base_ready = None, None
        try:
            base_cfg, base_ready = _build_base(cfg, base, repo, report, stack, phases, start, skip_setup,
                                               {**(extra_env or {}), **base.base_env},
                                               head_ready.app if head_ready is not None else None)
        except (EchoTuneError, OSError) as exc:
            base_cfg = None
            report.failure = failure_text(base.asked, _in_checkout(str(exc), report.source), report.own_serve,
                                          getattr(exc, "advice", ""))
        if base_cfg is not None:
            read = (_database_settings(cfg, base_cfg, head_ready.app, base_ready.app)[0]
                    if head_ready is not None and base_ready is not None else None)
            report.notes.extend(share_earlier_databases(cfg.base_dir, base_cfg.base_dir, earlier, read))
            # The databases are data, with warnings and copies of their own: a database an earlier run left
            # and copied to the base was called an earlier build's output too
            report.build_warnings = _earlier_outputs_said(repo, untracked, cfg.base_dir, base_cfg.base_dir,
                                                          found, report.placed)
        with _said_of_the_head():
            head_app, head_unavailable = _start(head_ready, phases)
        if head_app is not None:
            apps.append(head_app)
            record_head_app(report.source, head_app.pid)
        report.notes.extend(_moved_head(head_app))
        head_cfg, said = where_moved(cfg, head_app, "the head's")
        report.notes.extend(said)
        head = Side(head_cfg, _contexts(head_cfg, phases, artifacts, output_dir, head_app, head_unavailable))
        base_side, base_app = None, None
        if base_cfg is not None:
            try:
                base_app, base_unavailable = _start_base(
                    base_ready, phases, report, base.asked, head_down=bool(head_unavailable), head=head_app)
                if base_app is not None:
                    apps.append(base_app)
                report.warnings.extend(_data_warnings(cfg, base_cfg, had, head_ready, base_ready))
                for warning in report.warnings:
                    console.warn(warning)
                measured, said = where_moved(base_cfg, base_app, "the base's")
                report.notes.extend(said)
                base_side = Side(measured, _contexts(measured, phases, artifacts / "base", output_dir,
                                                     base_app, base_unavailable))
            except (EchoTuneError, OSError) as exc:
                report.failure = failure_text(base.asked, _in_checkout(str(exc), report.source),
                                              report.own_serve)
        if report.failure:
            console.warn(report.failure)
        timed = [False] * len(phases)  # per phase: samples of both builds' timings tested against each other
        with OtherPrograms() as others:
            pairs = _measure(phases, head, base_side, (head_app, base_app), report, head_unavailable)
            if base_side is not None:
                # Each paired phase tests its metrics as one family at its part of [gate] alpha, so the
                # run's chance of any false "regressed" stays at most alpha (compare.correct_families).
                timed = [comparable(pair, phase) and bool(_sampled_pairs(cfg, pair))
                         for phase, pair in zip(phases, pairs, strict=True)]
                pairs = [unserved_endpoints(pair, final=False) for pair in pairs]
                pairs = [unserved_endpoints(extend(phase, pair, head, base_side, report,
                                                   cfg.gate.alpha / max(1, sum(timed))))
                         for phase, pair in zip(phases, pairs, strict=True)]
        over = [over_budget_alone(pair.head) for pair in pairs]
        _busy_machine(report, others.busy, measured=base_app is not None, timed=any(timed), over=any(over))
        _exited_after(pairs, phases, head_app)
        _contract_changes(pairs, head, base_side)
        for app in apps:  # before the files are written: a report never waits on a running app
            app.stop()
        if head_app is not None and head_app.changed:  # the base's checkout is a temporary one
            console.warn(head_app.changed)
            report.notes.append(head_app.changed)
        with staged(output_dir):
            # the data warnings concern what measures the running builds: the api phase's contract run
            # meets the rows of a shared database as the load test does; a bundle never does
            results = _annotate(pairs, report, base, [phase.needs_app for phase in phases], timed, over)
            results = [_finish(r, cfg, head.contexts[r.phase], output_dir) for r in results]
            baseline = _base_results(pairs, base_side, output_dir)
            report.notes.append(f"side-by-side run took {time.monotonic() - started:.0f}s")
            outcome = evaluate(results, cfg, baseline)
            reports = write_report_files(outcome, cfg, output_dir)
            write_text_atomic(artifacts / ORDER_FILE, json.dumps(report.to_dict(), indent=2) + "\n")
            files = [r.write(output_dir / f"{r.phase}.json") for r in results]
        _prune_base(output_dir, baseline or [])
        written_base = {(output_dir / BASE_FOLDER / f"{r.phase}.json").resolve() for r in baseline or []}
        say_earlier_results(output_dir, [r.phase for r in results], written_base)
    return Outcome(outcome, files, reports)


def over_budget_alone(result: PhaseResult) -> bool:
    """Whether *result* has a timing over its budget that no base is compared with (``compared`` False:
    the api phase's p95 per operation)."""
    return any(not m.compared and m.budget is not None and m.status == "fail" for m in result.metrics)


def _busy_machine(report: SideBySide, busy: Busy | None, measured: bool, timed: bool,
                  over: bool = False) -> None:
    """Record in *report* how busy the machine was while base and head were measured (*busy*, see
    :mod:`.machine`), and, when other programs took enough of it to matter and some phase tested both
    builds' timings against each other (*timed*), the warning for those phases (``report.busy``); when some
    phase has a timing over a budget that is compared with nothing (*over*, :func:`over_budget_alone`), the
    warning for it (``report.busy_budget``); nothing when the base's app did not run (not *measured*). A
    security-only run, whose header scores and findings no load on the machine moves, was told its
    "regressed" timings were worth a rerun."""
    if busy is None or not measured:
        return
    report.machine = busy.to_dict()
    said = busy.warning() if timed else ""
    if said:
        console.warn(said)
        report.busy = said
    if over:
        report.busy_budget = busy.warning(OVER_BUDGET)
        if report.busy_budget and not said:
            console.warn(report.busy_budget)


def _exited_after(pairs: list[Pair], phases: list[Phase[Any]], head_app: App | None) -> None:
    """Warn on the head's results when the head's app exited on its own after it was measured
    (:func:`~echotune_ci.runner.exited_after`), and quote its error lines when it answered with server
    errors (:func:`~echotune_ci.runner.server_errors_said`)."""
    from ..runner import exited_after, server_errors_said

    heads = server_errors_said(exited_after([pair.head for pair in pairs], phases, head_app), head_app)
    for pair, said in zip(pairs, heads, strict=True):
        pair.head = said


def _contract_changes(pairs: list[Pair], head: Side, base_side: Side | None) -> None:
    """Warn on the head's api result when its OpenAPI document changes an operation the base's has so that
    a client of the base's breaks (:mod:`~echotune_ci.phases.api.changes`): each build passed against its
    own document, and a DTO that made a field required read "no new finding". Only documents this run's
    contract tests read (each result lists its own)."""
    from ..phases.api.changes import contract_warning
    from ..phases.api.phase import DOCUMENT_FILE

    for pair in pairs:
        if pair.head.phase != "api" or pair.base is None or base_side is None:
            continue
        read = [pair.head.artifacts, pair.base.artifacts]
        files = [side.contexts["api"].artifacts_dir / DOCUMENT_FILE for side in (base_side, head)]
        if not all(any(a.endswith(DOCUMENT_FILE) for a in listed) for listed in read):
            continue
        try:
            base_doc, head_doc = (json.loads(f.read_text(encoding="utf-8")) for f in files)
        except (OSError, ValueError):
            continue  # written by this run's own phase: nothing to say when it cannot be read back
        said = contract_warning(base_doc, head_doc)
        if said:
            console.warn(said)
            pair.head = dataclasses.replace(pair.head, warnings=[*pair.head.warnings, said])


def _prune_base(output_dir: Path, written: list[PhaseResult]) -> None:
    """Remove base results an earlier run left in ``<output>/base/`` that this run did not write: `report`
    on the folder would otherwise compare against a stale base (or one this run could not measure)."""
    from ..fsutil import remove_untracked
    from ..phases.registry import PHASE_NAMES

    keep = {f"{r.phase}.json" for r in written}
    folder = output_dir / BASE_FOLDER
    # Only a phase's result file, and never one git tracks or may track: with `-o .` the base/ folder may be
    # the project's own, holding its own JSON.
    remove_untracked(folder, [f"{name}.json" for name in PHASE_NAMES
                              if f"{name}.json" not in keep and (folder / f"{name}.json").is_file()])


def _annotate(pairs: list[Pair], report: SideBySide, base: BaseOptions,
              served: list[bool], timed: list[bool], over: list[bool] | None = None) -> list[PhaseResult]:
    """The head results with the side-by-side notes (the order of each paired phase, the run's own notes
    on the first result), when the base was not measured a warning on each saying why, and the run's own
    warnings (the apps' local data differ, or one database serves both) on each phase that measures the
    running builds (*served*, one flag per pair: frontend, load, api; on every phase when none does),
    those on what the builds were made from on every phase, and the busy machine's on each phase whose
    timings were tested (*timed*), or whose timings over a budget are compared with nothing (*over*). The
    report shows a warning shared by phases once."""
    label = report.source.label if report.source else base.asked
    order = _order_notes(report, label)
    # Without interleaved phases (security, bundle) the order notes, which name the base, are not there:
    # the comment of a security-only run did not say what it was compared with
    own = ", built and measured in a checkout of its own" if base.ref is not None else ""
    named = [] if order or report.failure else [f"compared with the base {label}{own}"]
    concerned = served if any(served) else [True] * len(pairs)
    results = []
    for i, (pair, measured_app) in enumerate(zip(pairs, concerned, strict=True)):
        r = pair.head
        notes = [*(named + report.notes if i == 0 else []), *([order[r.phase]] if r.phase in order else [])]
        warnings = [f"no comparison with the base: {report.failure}"] if report.failure else []
        warnings += [*report.build_warnings, *(report.warnings if measured_app else []),
                     *([report.busy] if report.busy and timed[i] else []),
                     *([report.busy_budget] if report.busy_budget and over and over[i] and not timed[i]
                       else [])]
        if i == 0:
            r = dataclasses.replace(r, artifacts=[*r.artifacts, f"artifacts/{ORDER_FILE}"])
        results.append(dataclasses.replace(r, notes=[*notes, *r.notes], warnings=[*warnings, *r.warnings]))
    return results


def _base_results(pairs: list[Pair], base_side: Side | None, output_dir: Path) -> list[PhaseResult] | None:
    """The base's results (written to ``<output>/base/``), the gate's baseline; None without a base."""
    if base_side is None:
        return None
    from ..runner import _finish

    out = []
    for pair in pairs:
        if pair.base is None:
            continue
        r = _finish(pair.base, base_side.cfg, base_side.contexts[pair.base.phase], output_dir / BASE_FOLDER)
        r.write(output_dir / BASE_FOLDER / f"{r.phase}.json")
        out.append(r)
    return out
