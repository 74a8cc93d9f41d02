"""The base build's source: a git worktree of a ref in a temporary folder, or a prepared folder.

The head is always the working tree as it is (uncommitted edits included);
the base never touches it: ``git worktree add --detach`` checks the ref out
beside it and ``git worktree remove`` takes it away again, whatever happens.
While it is there its ``.git`` is a folder, as a clone's is (see :func:`_git_folder`).
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, RunError

GIT_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class BaseSource:
    """Where the base's code is: *root* (the repository root of the base), the *ref* asked for and the
    commit it named (*sha*, "" for ``--base-dir``); *label* says it for people."""

    root: Path
    ref: str
    sha: str

    @property
    def label(self) -> str:
        """``HEAD~1 (abc1234)``, ``abc1234`` for a ref that is the commit's sha (pr-gate.yml passes the
        event's base.sha: every note said the 40 characters and their first ten again), or the folder for
        ``--base-dir``."""
        if not self.sha:
            return str(self.root)
        return self.sha[:10] if self.sha.startswith(self.ref) else f"{self.ref} ({self.sha[:10]})"


def _git(repo: Path, *args: str, timeout: float = GIT_TIMEOUT_S, detached: bool = False,
         index: Path | None = None, lfs_pointers: bool = False) -> subprocess.CompletedProcess[str]:
    """Run git in *repo*; *detached*: in a session of its own, so that the Ctrl-C which is ending the
    run does not also kill the git that is cleaning up after it; *index*: the index file git uses instead
    of the repository's own (``GIT_INDEX_FILE``); *lfs_pointers*: Git LFS files are checked out as their
    pointers (``GIT_LFS_SKIP_SMUDGE``, see :func:`lfs_pointers_in`)."""
    extra = {**({"GIT_INDEX_FILE": str(index)} if index is not None else {}),
             **({"GIT_LFS_SKIP_SMUDGE": "1"} if lfs_pointers else {})}
    env = {**os.environ, **extra} if extra else None
    try:
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL, check=False,
                              start_new_session=detached, env=env)
    except FileNotFoundError:
        raise RunError("--base-ref needs git, which is not installed (not on PATH)") from None
    except subprocess.TimeoutExpired:
        raise RunError(f"git {' '.join(args)} did not finish within {timeout:g}s") from None


# git's refusal of a checkout another user owns (a job in a container, a checkout made by another account)
_DUBIOUS = re.compile(r"detected dubious ownership in repository at '(.*)'")


def repository_root(folder: Path, option: str = "--base-ref") -> Path:
    """The top of the git checkout holding *folder*; InputError naming *option* when it is not in one, or
    when git will not read it, with git's reason: a checkout owned by another user (a job in a container,
    where actions/checkout ran as another user) said "is not in a git checkout", which it was."""
    done = _git(folder, "rev-parse", "--show-toplevel")
    if done.returncode == 0:
        return Path(done.stdout.strip()).resolve()
    owned = _DUBIOUS.search(done.stderr)
    if owned:
        top = owned.group(1)
        raise InputError(f"{option}: git refuses to read the checkout {top}, which another user owns "
                         f"(\"detected dubious ownership\"); if you trust it, allow it first: git config "
                         f"--global --add safe.directory {shlex.quote(top)}")
    said = [line.removeprefix("fatal: ") for line in done.stderr.splitlines() if line.startswith("fatal: ")]
    if not said or "not a git repository" in said[0]:
        raise InputError(f"{option}: {folder} is not in a git checkout")
    raise InputError(f"{option}: git cannot read the checkout holding {folder}: {said[0]}")


def _shown(ref: str) -> str:
    """*ref* as typed when that reads unambiguously, else quoted (" HEAD" must not read as "HEAD")."""
    return ref if ref.isprintable() and not any(c.isspace() for c in ref) else repr(ref)


def resolve_ref(repo: Path, ref: str, fetch: bool = False) -> str:
    """The commit *ref* names in *repo*; InputError (exit 2) naming *ref* when it names none: nothing,
    an object that is no commit (a tree, a blob), or a commit a shallow clone does not have. *fetch*
    (``--fetch-base``): a commit, branch or tag the clone lacks is fetched from origin first, one commit
    deep in a shallow clone (:func:`_fetch_args`)."""
    if not ref:
        raise InputError(f"--base-ref {_shown(ref)}: not a git ref")
    if ref.startswith("-"):
        # git reads it as an option, whatever the repository holds; a branch or tag of that name
        # (refs/heads/-x, which git allows) is reached by its whole name
        whole = [f"refs/{kind}/{ref}" for kind in ("heads", "tags", "remotes")
                 if _git(repo, "show-ref", "--verify", "--quiet", f"refs/{kind}/{ref}").returncode == 0]
        hint = f"; the branch or tag of that name is reached by its whole name: {whole[0]}" if whole else ""
        raise InputError(f"--base-ref {_shown(ref)}: not a git ref (it reads as an option){hint}")
    if ".." in ref and not ref.startswith(":/"):  # git ref names never hold "..": a range
        raise InputError(f"--base-ref {_shown(ref)}: a range of commits; give the base's one commit "
                         f"(e.g. main)")
    named = _named(repo, ref)
    if not named and fetch and (args := _fetch_args(repo, ref)):
        done = _git(repo, *args)
        if done.returncode != 0:
            why = (done.stderr.strip().splitlines() or ["git fetch failed"])[-1].removeprefix("fatal: ")
            raise InputError(f"--base-ref {_shown(ref)}: not in {repo}, and git {' '.join(args)} could not "
                             f"fetch it: {why}")
        from .. import console

        console.info(f"--base-ref {_shown(ref)} was not in the clone: fetched it (git {' '.join(args)})")
        named = _named(repo, ref)
    if named:
        done = _git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{named}^{{commit}}")
        if done.returncode == 0 and done.stdout.strip():
            return done.stdout.strip()
        kind = _git(repo, "cat-file", "-t", named).stdout.strip() or "object"
        raise InputError(f"--base-ref {_shown(ref)}: names a {kind} in {repo}, not a commit")
    raise InputError(f"--base-ref {_shown(ref)}: no such commit, branch or tag in {repo}"
                     f"{_fetch_hint(repo, ref)}")


def _named(repo: Path, ref: str) -> str:
    """The object *ref* names in *repo*, "" when none there does."""
    # Resolved first as written: `^{commit}` appended to `:/message` would become part of the message.
    done = _git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", ref)
    named = done.stdout.strip() if done.returncode == 0 and len(done.stdout.split()) == 1 else ""
    # rev-parse takes any whole sha for an object name, present or not: the base's sha a pull request's
    # event gives (pr-gate.yml's base.sha) in a depth-1 clone was "names a object ..., not a commit".
    if named and _git(repo, "cat-file", "-e", named).returncode != 0:
        return ""
    return named


def _shallow(repo: Path) -> bool:
    """Whether *repo* is a shallow clone (actions/checkout's default, depth 1)."""
    return _git(repo, "rev-parse", "--is-shallow-repository").stdout.strip() == "true"


def _whole_sha(ref: str) -> bool:
    """Whether *ref* is a commit's whole sha (SHA-1 or SHA-256), the only way a server gives one by name."""
    return len(ref) in (40, 64) and all(c in "0123456789abcdef" for c in ref)


def _fetch_args(repo: Path, ref: str) -> list[str]:
    """The git arguments that fetch the commit *ref* names from origin, [] where no fetch by that name can
    (an abbreviated sha: a server gives a commit by its whole sha only; ``HEAD~1``). A shallow clone
    fetches the one commit (``--depth=1``): without it git brought the base's whole history, which the
    base's build does not need."""
    depth = ["--depth=1"] if _shallow(repo) else []
    if _whole_sha(ref):
        return ["fetch", *depth, "origin", ref]
    if all(c.isalnum() or c in "/._-" for c in ref) and not all(c in "0123456789abcdef" for c in ref):
        # A plain `git fetch origin main` only fills FETCH_HEAD, and origin/main is no branch on origin.
        name = ref.removeprefix("origin/")
        into = f"refs/remotes/{ref}" if name != ref else ref
        return ["fetch", *depth, "origin", f"{name}:{into}"]
    return []


def _fetch_hint(repo: Path, ref: str) -> str:
    """What to fetch so that *repo* has the commit *ref* names, as the end of an error, "" when nothing
    fetched can help (:func:`_fetch_args`)."""
    shallow = _shallow(repo)
    actions = "; in GitHub Actions, actions/checkout with fetch-depth: 0" if shallow else ""
    args = _fetch_args(repo, ref)
    if args:
        return f" (in CI, fetch it first: git {' '.join(args)}, or run with --fetch-base{actions})"
    if len(ref) >= 7 and all(c in "0123456789abcdef" for c in ref):
        # `git fetch origin 0123abcd` is "couldn't find remote ref 0123abcd"
        return (f" (an abbreviated sha cannot be fetched: give the whole sha, or fetch the history holding"
                f" it, git fetch {'--unshallow ' if shallow else ''}origin{actions})")
    if shallow:  # HEAD~1 and the like
        return (" (this clone is shallow: fetch the history it needs, git fetch --deepen=100 or --unshallow; "
                "in GitHub Actions, actions/checkout with fetch-depth: 0)")
    return ""


def dirty_paths(repo: Path, leave_out: tuple[Path, ...] = ()) -> tuple[list[str], list[str]]:
    """What the head's working tree has that HEAD has not: (tracked files whose content differs from HEAD,
    staged or not; files and folders git does not track nor ignore, as ``git status`` names them). Not
    the run's output folders *leave_out* (with ``-o .``, what a run writes there: result files, base/,
    artifacts/, report/; an untracked folder that holds one, ``out/`` for ``out/results``), nor an untracked
    folder an earlier run wrote into (a result file of ours at its top: ``results/`` when this run writes
    ``out/``), nor installed environments (node_modules, .venv, venv) or bytecode caches a project forgot to
    ignore: they are no change to the code."""
    from ..phases.registry import PHASE_NAMES
    from ..serve.steps import SETUP_OUTPUTS

    done = _git(repo, "status", "--porcelain", "-z", "--untracked-files=normal")
    if done.returncode != 0:
        return [], []
    top = repo.resolve()
    outputs = [p.resolve().relative_to(top).as_posix() for p in leave_out if p.resolve().is_relative_to(top)]
    written = {f"{name}.json" for name in PHASE_NAMES} | {"base/", "artifacts/", "report/"}

    def output(path: str) -> bool:
        for out in outputs:
            if out == ".":
                if path in written:
                    return True
            elif path.endswith("/") and f"{out}/".startswith(path) or path.startswith(f"{out}/"):
                return True
        return False

    changed, untracked = [], []
    entries = iter(done.stdout.split("\0"))
    for entry in entries:
        if len(entry) < 4:
            continue
        status, path = entry[:2], entry[3:]
        if status[0] in "RC":
            next(entries, None)  # -z gives a rename's source as an entry of its own
        if status != "??":
            changed.append(path)
        elif not (output(path) or Path(path.rstrip("/")).name in (*SETUP_OUTPUTS, "__pycache__")
                  or path.endswith("/") and _earlier_output(top / path, PHASE_NAMES)):
            untracked.append(path)
    return changed, untracked


def _earlier_output(folder: Path, phases: Iterable[str]) -> bool:
    """Whether *folder* holds a result file an echotune-ci run wrote (``<phase>.json`` with our
    ``schema_version`` and that phase): only its first 64 KiB is read, since the key comes first."""
    for name in phases:
        path = folder / f"{name}.json"
        try:
            if not path.is_file():  # the project's own files: a FIFO or a link to a device would block
                continue
            with path.open("rb") as fh:
                head = fh.read(65536)
        except OSError:
            continue
        if b'"schema_version"' in head and re.search(rb'"phase"\s*:\s*"' + name.encode() + rb'"', head):
            return True
    return False


TEMP_PREFIX = "echotune-base-"
# Beside the base's checkout in its temporary folder: "<pid> <start time> <host>" of the run that made it.
OWNER_FILE = "owner"
# Beside it too: "<pid> <start time>" of the head's app that run started (a session of its own)
HEAD_APP_FILE = "head-app"


def record_head_app(source: BaseSource | None, pid: int | None) -> None:
    """Write down, beside the base's temporary checkout (*source*), the head's app *pid* the run started:
    a run killed outright left it running (its own session, its folder the head's checkout), and only
    the base's checkout told the next run that a run had been killed (:func:`remove_abandoned`). Nothing
    for a ``--base-dir`` checkout, which is no temporary folder of ours, or no app; never raises."""
    if source is None or pid is None:
        return
    root = source.root
    if root.name == "base" and root.parent.name.startswith(TEMP_PREFIX):
        with contextlib.suppress(OSError):
            (root.parent / HEAD_APP_FILE).write_text(f"{pid} {_start_time(pid) or '-'}\n", encoding="utf-8")


def _recorded_head_app(record: Path) -> int | None:
    """The head's app *record* names (:func:`record_head_app`) when that very process still runs in a
    session of its own, with no terminal, and is not this run nor one it runs under; None otherwise (a pid
    the system gave to another process since has another start time)."""
    try:
        pid_text, started = record.read_text(encoding="utf-8").split()
        pid = int(pid_text)
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if started == "-" or _start_time(pid) != started or not _left_by_a_run(pid):
        return None
    try:
        return pid if os.getpgid(pid) == pid else None
    except OSError:
        return None


def _start_time(pid: int) -> str:
    """When process *pid* started, in clock ticks since boot (``/proc/<pid>/stat``), so that a pid the
    system gave again to another process is not taken for the run; "" where there is no /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return ""
    fields = stat.rpartition(")")[2].split()  # the command name, in parentheses, may hold spaces
    return fields[19] if len(fields) > 19 else ""


def _owner_line() -> str:
    """What :data:`OWNER_FILE` says of this process."""
    return f"{os.getpid()} {_start_time(os.getpid()) or '-'} {socket.gethostname()}\n"


def _running(owner: Path) -> bool:
    """Whether the run named in *owner* ("<pid> <start time> <host>") still runs; True when the file cannot
    be read, says nothing we wrote, or names another host (a container with pids of its own sharing the
    temporary folder): a folder we cannot vouch for is left alone."""
    try:
        pid_text, started, host = owner.read_text(encoding="utf-8").split()
        pid = int(pid_text)
    except (OSError, ValueError, UnicodeDecodeError):
        return True
    if host != socket.gethostname():
        return True
    started = "" if started == "-" else started
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process with that pid
    return not started or not _start_time(pid) or _start_time(pid) == started


def _working_in(folder: Path) -> list[int]:
    """The processes of this user whose current directory is in *folder* (this one too); none where there
    is no /proc."""
    inside = str(folder.resolve()) + os.sep
    found = []
    for entry in Path("/proc").glob("[0-9]*") if Path("/proc/self").exists() else ():
        try:
            cwd = os.readlink(entry / "cwd")
        except OSError:  # gone, or another user's
            continue
        if (cwd + os.sep).startswith(inside):
            found.append(int(entry.name))
    return found


def _left_by_a_run(pid: int) -> bool:
    """Whether *pid* can be what a killed run left working (its base's build or app): not this process nor
    one it runs under (the shell that started it), and without a controlling terminal, since a run starts
    them in sessions of their own, where a shell or an editor someone opened in the checkout has one."""
    ancestor = os.getpid()
    while ancestor > 1:
        if ancestor == pid:
            return False
        ancestor = _stat_field(ancestor, 1) or 0  # its parent
    return _stat_field(pid, 4) in (0, None)  # tty_nr; None: it has exited since, nothing to spare


def _stat_field(pid: int, index: int) -> int | None:
    """Field *index* after the command name of ``/proc/<pid>/stat`` (1: the parent's pid, 4: the
    controlling terminal, 0 for none) as a number; None when the process is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        return int(stat.rpartition(")")[2].split()[index])
    except (OSError, ValueError, IndexError):
        return None


def _stop_processes(found: list[int], grace: float = 2.0) -> None:
    """Stop the processes *found*: what the killed run's base left running in its checkout, its build
    (``npm run build`` went on for minutes after the run was SIGKILLed, with its checkout removed under
    it) or its app. SIGTERM, up to *grace* seconds, then SIGKILL."""
    import signal
    import time

    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 0.0)):
        for pid in found:
            with contextlib.suppress(OSError):
                os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while wait and time.monotonic() < deadline and any(_alive(pid) for pid in found):
            time.sleep(0.05)


def _stop_group(pgid: int, grace: float = 2.0) -> None:
    """Stop the process group *pgid* (the killed run's head's app and what it started): SIGTERM, up to
    *grace* seconds for its leader, then SIGKILL to the group."""
    import signal
    import time

    with contextlib.suppress(OSError):
        os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and _alive(pgid):
        time.sleep(0.05)
    with contextlib.suppress(OSError):
        os.killpg(pgid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    """Whether *pid* runs (a zombie, exited but not reaped by its parent, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    return state.rpartition(")")[2].split()[:1] != ["Z"]


# What a clone's .git holds that a worktree's own git folder lacks (git keeps them in the repository's)
_SHARED_GIT_PARTS = ("config", "objects", "refs", "packed-refs")


def _git_folder(where: Path) -> None:
    """Make the worktree *where*'s ``.git`` a folder, as in a clone: a link to the worktree's own git folder
    (``HEAD``, ``logs/HEAD``, ``index``), which gets links to the repository's ``config``, ``objects``,
    ``refs`` and ``packed-refs``. ``git worktree add`` writes ``.git`` as a file naming that folder
    ("gitdir: ..."), and a build that reads ``.git/HEAD`` or ``.git/logs/HEAD`` itself failed only in the
    base: imputnet/cobalt's version-info, "ENOTDIR: not a directory, open '<base checkout>/.git/logs/HEAD'"
    in its web build. git reads the folder as it read the file (a linked worktree: the folder's
    ``commondir`` names the repository) and ignores the links; :func:`_git_file` puts the file back."""
    marker = where / ".git"
    try:
        text = marker.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return
    if not text.startswith("gitdir:") or marker.is_symlink():
        return
    own = (where / text.removeprefix("gitdir:").strip()).resolve()
    try:
        common = (own / (own / "commondir").read_text(encoding="utf-8").strip()).resolve()
    except OSError:
        return
    for name in _SHARED_GIT_PARTS:
        if (common / name).exists() and not os.path.lexists(own / name):
            (own / name).symlink_to(common / name, target_is_directory=(common / name).is_dir())
    marker.unlink()
    marker.symlink_to(own, target_is_directory=True)


def _git_file(where: Path) -> None:
    """Put back the ``.git`` file :func:`_git_folder` replaced, which ``git worktree remove`` checks ("is
    not a .git file" otherwise); the links in the worktree's git folder go with it."""
    marker = where / ".git"
    if marker.is_symlink():
        own = Path(os.readlink(marker))
        marker.unlink()
        marker.write_text(f"gitdir: {own}\n", encoding="utf-8")


def remove_abandoned(repo: Path) -> list[str]:
    """Remove the base checkouts of runs that were killed before they could remove them (SIGKILL: the
    runner's last word on a cancelled job, the kernel's out-of-memory killer): a worktree of *repo* in a
    ``echotune-base-*`` temporary folder whose owner file names a process that no longer runs. Each left
    a whole checkout, with what its build made, in the temporary folder and in ``git worktree list`` of
    a self-hosted runner's repository, one more per killed run; what still works in it (its build, its
    app) is stopped first (:func:`_stop_processes`). One that holds *repo*, this process's or an
    ancestor's current directory, or a process with a terminal (:func:`_left_by_a_run`) is left as it
    is. Returns the folders removed."""
    from ..serve.process import deferred_signals

    listed = _git(repo, "worktree", "list", "--porcelain").stdout
    removed = []
    for line in listed.splitlines():
        where = Path(line.removeprefix("worktree "))
        parent = where.parent
        ours = line.startswith("worktree ") and where.name == "base" and parent.name.startswith(TEMP_PREFIX)
        if not ours or _running(parent / OWNER_FILE):
            continue
        working = _working_in(parent)
        # Someone works in it (a shell opened there, this run started from it or measuring it as the head):
        # stopping them, or removing the folder under them, is not ours to do; a later run removes it
        if repo.resolve().is_relative_to(parent.resolve()) or not all(map(_left_by_a_run, working)):
            continue
        head_app = _recorded_head_app(parent / HEAD_APP_FILE)
        with deferred_signals():
            _stop_processes(working)
            if head_app is not None:  # its whole group: gunicorn's workers, npm's node
                from .. import console

                console.info(f"stopped the head's app (pid {head_app}) that the killed run beside "
                             f"{parent} had left running")
                _stop_group(head_app)
            _git_file(where)
            _git(repo, "worktree", "remove", "--force", "--force", str(where), detached=True)
            shutil.rmtree(parent, ignore_errors=True)
        removed.append(str(parent))
    if removed:
        _git(repo, "worktree", "prune", detached=True)
    return removed


def clear_abandoned(repo: Path) -> None:
    """:func:`remove_abandoned`, each folder removed said on the console. `run --base-ref` does it before
    the head's setup and build: the head's app a killed run left went on serving from the head's folder
    while the next run's setup and build rewrote it (a SQLite database it held open, the build output it
    served), until the base's checkout was made."""
    from .. import console

    for folder in remove_abandoned(repo):
        console.info(f"removed {folder}, the base's checkout of an earlier run that was killed before it "
                     f"could remove it")


@contextmanager
def worktree(repo: Path, ref: str, fetch: bool = False) -> Iterator[BaseSource]:
    """A detached worktree of *ref* in a temporary folder, removed afterwards; first the base checkouts
    earlier runs were killed before removing (:func:`remove_abandoned`, said on the console). *fetch*
    (``--fetch-base``): submodule commits the head's checkouts lack are fetched (:func:`fill_submodules`).

    InputError when *ref* names no commit; RunError when git cannot create
    the worktree.
    """
    from .. import console
    from ..serve.process import deferred_signals

    sha = resolve_ref(repo, ref)
    clear_abandoned(repo)
    parent = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX))
    where = parent / "base"
    try:
        (parent / OWNER_FILE).write_text(_owner_line(), encoding="utf-8")
        pointers = lfs_pointers_in(repo)
        if pointers:
            console.info(f"the head's checkout holds Git LFS files as their pointers ({pointers}), as "
                         f"actions/checkout leaves them without lfs: true: the base's is checked out so too")
        done = _git(repo, "worktree", "add", "--detach", "--quiet", str(where), sha,
                    lfs_pointers=bool(pointers))
        if done.returncode != 0:
            why = (done.stderr.strip().splitlines() or ["git worktree add failed"])[-1]
            if "promisor remote" in done.stderr:
                # A blobless clone fetches the base's files from origin as they are checked out: git said
                # only "could not fetch <blob> from promisor remote" where pr-gate's checkout keeps no token
                # (said first: a comment cuts a long warning's middle, and git's line is the longest part)
                why = ("a partial clone (actions/checkout's filter) fetches the base's files from origin: "
                       "keep the checkout's credentials (persist-credentials) or check out without a filter; "
                       f"{why}")
            raise RunError(f"--base-ref {ref}: cannot check it out: {why}")
        fill_submodules(repo, where, sha, f"--base-ref {_shown(ref)}", lfs_pointers=bool(pointers),
                        fetch=fetch)
        _git_folder(where)
        yield BaseSource(where, ref, sha)
    finally:
        # A second Ctrl-C (or a cancel's SIGTERM after its SIGINT) must not leave a half-removed
        # checkout registered in the repository. A `worktree add` that was interrupted leaves its
        # worktree locked ("initializing"): --force twice removes a locked one.
        with deferred_signals(), contextlib.suppress(RunError):
            try:
                _git_file(where)
                _git(repo, "worktree", "remove", "--force", "--force", str(where), detached=True)
            finally:
                shutil.rmtree(parent, ignore_errors=True)
                _git(repo, "worktree", "prune", detached=True)


def _gitlinks(repo: Path, commit: str) -> list[tuple[str, str]]:
    """(path, commit) of each submodule *commit* of *repo* records, in tree order; none without a
    ``.gitmodules`` (the whole tree of a large repository is then not listed for nothing)."""
    if _git(repo, "cat-file", "-e", f"{commit}:.gitmodules").returncode != 0:
        return []
    done = _git(repo, "ls-tree", "-r", "-z", "--full-tree", commit)
    links = []
    for entry in done.stdout.split("\0"):
        meta, _, path = entry.partition("\t")
        fields = meta.split()
        if len(fields) == 3 and fields[0] == "160000":
            links.append((path, fields[2]))
    return links


# What a Git LFS pointer file starts with (https://github.com/git-lfs/git-lfs/blob/main/docs/spec.md)
LFS_POINTER = b"version https://git-lfs.github.com/spec/v1\n"
# How many of the head's Git LFS files are looked at: a checkout holds them all as pointers or none
LFS_LOOKED_AT = 20


def lfs_pointers_in(repo: Path) -> str:
    """The first of the files Git LFS stores (``filter=lfs`` in ``.gitattributes``) that the head's checkout
    *repo* holds as its pointer, "" when none does. actions/checkout leaves them so unless told ``lfs:
    true`` (it sets ``GIT_LFS_SKIP_SMUDGE`` for its own git only), while the git-lfs the runner has set up
    makes ``git worktree add`` fetch the base's from the LFS server: the base's bundle counted 200 KiB
    images where the head's counted 134-byte pointers, or, with a token the checkout did not keep, the
    base could not be checked out. The base is then checked out with pointers as well."""
    done = _git(repo, "ls-files", "-z", "--", ":(attr:filter=lfs)")
    for path in [p for p in done.stdout.split("\0") if p][:LFS_LOOKED_AT]:
        try:
            with (repo / path).open("rb") as fh:
                if fh.read(len(LFS_POINTER)) == LFS_POINTER:
                    return path
        except OSError:  # not in a sparse checkout, or a folder
            continue
    return ""


def fill_submodules(head: Path, base: Path, commit: str, asked: str, prefix: str = "",
                    lfs_pointers: bool = False, fetch: bool = False) -> None:
    """Put into the base's checkout *base* (of *commit*) the files of each submodule it records, from the
    head's checkout of that submodule (its objects; nothing is fetched, nothing of the head's changes), and
    so on down nested submodules. ``git worktree add`` leaves a submodule's folder empty: a build that reads
    it failed, or built a base without it, which is then no base to compare with.

    A submodule the head has not checked out either (no ``.git`` in its folder, as in a checkout without
    ``submodules:``) stays empty in both. RunError naming the submodule, *asked* (``--base-ref main``) and
    what to fetch when the head's checkout of it lacks the base's commit (a pull request that moves or
    removes it, a clone of depth 1). *prefix* is the folder of *head* in the top checkout, for messages;
    *lfs_pointers*: Git LFS files as their pointers, as in the head's checkout (:func:`lfs_pointers_in`);
    *fetch* (``--fetch-base``): a commit the head's checkout of a submodule lacks is fetched into it from
    its origin first, one commit deep where that checkout is shallow (actions/checkout's submodules at
    depth 1), as the base's own commit is.
    """
    for path, sha in _gitlinks(head, commit):
        source, target, shown = head / path, base / path, prefix + path
        if not (source / ".git").exists():
            if _git(head, "ls-files", "--stage", "--", path).stdout.startswith("160000 "):
                continue  # not checked out in the head either: both are built without it
            raise RunError(f"{asked}: the base's submodule {shown} ({sha[:10]}) is not checked out in the "
                           f"head ({head}), so the base cannot be built as committed; prepare the base with "
                           f"--base-dir (a checkout with git submodule update --init --recursive)")
        missing = _git(source, "cat-file", "-e", f"{sha}^{{commit}}").returncode != 0
        fetch_args = ["fetch", *(["--depth=1"] if _shallow(source) else []), "origin", sha]
        if missing and fetch:
            done = _git(source, *fetch_args)
            missing = done.returncode != 0 or _git(source, "cat-file", "-e", sha).returncode != 0
            if missing:
                why = (done.stderr.strip().splitlines() or ["git fetch failed"])[-1].removeprefix("fatal: ")
                raise RunError(f"{asked}: the base's submodule {shown} is at commit {sha[:10]}, which git "
                               f"{' '.join(fetch_args)} in {shown} could not fetch: {why}")
            from .. import console

            console.info(f"the base's submodule {shown} is at {sha[:10]}, which its checkout lacked: fetched "
                         f"it (git -C {shown} {' '.join(fetch_args)})")
        if missing:
            raise RunError(f"{asked}: the base's submodule {shown} is at commit {sha[:10]}, which the head's "
                           f"checkout of it ({source}) does not have; fetch it first (git -C {shown} "
                           f"{' '.join(fetch_args)}, or run with --fetch-base; in GitHub Actions, "
                           f"actions/checkout with submodules: recursive and fetch-depth: 0)")
        with tempfile.TemporaryDirectory(prefix="echotune-index-") as scratch:
            # A throwaway index: the head's submodule (its index, its working tree) is not touched.
            index = Path(scratch) / "index"
            target.mkdir(parents=True, exist_ok=True)
            for args in (("read-tree", sha), ("checkout-index", "--all", "--force", f"--prefix={target}/")):
                done = _git(source, *args, index=index, lfs_pointers=lfs_pointers)
                if done.returncode != 0:
                    why = (done.stderr.strip().splitlines() or [f"git {args[0]} failed"])[-1]
                    raise RunError(f"{asked}: cannot check out the base's submodule {shown} "
                                   f"({sha[:10]}): {why}")
        fill_submodules(source, target, sha, asked, f"{shown}/", lfs_pointers, fetch)


def checkout_top(folder: Path) -> Path | None:
    """The top of the git checkout holding *folder* (resolved), None when git knows of none there."""
    done = _git(folder, "rev-parse", "--show-toplevel")
    return Path(done.stdout.strip()).resolve() if done.returncode == 0 and done.stdout.strip() else None


@contextmanager
def prepared_folder(folder: Path) -> Iterator[BaseSource]:
    """``--base-dir``: a checkout someone prepared; InputError when it is not a folder."""
    if not folder.is_dir():
        raise InputError(f"--base-dir {folder}: no such folder")
    yield BaseSource(folder.resolve(), "", "")


def earlier_build_outputs(repo: Path, untracked: Sequence[str], head: Path, base: Path,
                          data: Collection[str] = (), placed: Collection[str] = ()) -> list[str]:
    """Of *untracked* (:func:`dirty_paths`' files and folders git neither tracks nor ignores in the head's
    checkout before its build, relative to *repo*), those the base's build wrote too: they lie in the base's
    checkout *base* (made from git, so only a step of its own made them) and git tracks nothing there.
    They are an earlier build's output in the head's checkout (Django's ``static_root/`` of an earlier
    run's collectstatic, with the bundles and the admin's files), which the head's build found in place and
    the base's did not: Tailwind's source scan read the project's whole folder but what git ignores, and
    the head's stylesheet came out at 9,773 bytes against 5,097 from the same sources. *data*: paths
    relative to *head* that are the apps' data, not build output (the untracked SQLite databases, which
    :mod:`.data` copies to the base or warns of itself). *placed*: paths relative to *repo* that the run
    itself put into the base's checkout (the head's untracked ``.env`` and settings files, copied there
    so that both builds read the same settings): the head's ``.env`` was called an earlier build's output
    that the base's build wrote too, in the same run whose note said it was copied. (A file is copied
    only into a folder the base has before its build, so an untracked folder never holds one.)"""
    from ..fsutil import tracked_files

    found = []
    for path in untracked:
        try:
            rel = (repo / path.rstrip("/")).resolve().relative_to(head.resolve()).as_posix()
        except ValueError:
            continue  # outside the project's folder
        if rel != "." and rel not in data and path not in placed and (base / rel).exists() \
                and tracked_files(base, [rel]) == []:
            found.append(path)
    return found
