"""Git operations for proposals: a private worktree per topic, commit, push.

Work happens in a ``git worktree`` beside the user's checkout, never in it:
the checkout stays as it was.

Credentials. ``actions/checkout`` (with ``persist-credentials``, its default)
leaves the push token in the repository's config as
``http.https://github.com/.extraheader = AUTHORIZATION: basic <base64>``, and
a linked worktree reads that config. The project's test command runs code
from the change under test, so for the duration of propose
(:func:`lifted_credentials`) such entries (``http.*.extraheader``,
``credential.*``, ``url.*.insteadOf`` with credentials in the URL, includes of
files that hold them) are taken out of ``.git/config``, handed only to the git
commands that talk to the remote (``ls-remote``, ``fetch``, ``push``, through
``GIT_CONFIG_COUNT`` variables, never the command line), and written back at
the end. The test command itself (:func:`run_command`) gets no credential
variable and no global or system git config (``GIT_CONFIG_GLOBAL`` names an
absent file in a private folder, ``GIT_CONFIG_NOSYSTEM=1``), so no credential
helper is reachable either.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import re
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, RunError
from ..masking import mask, register
from ..research.providers import scrub_url_credentials
from ..serve.environment import TOOLKIT_SECRETS, child_environment
from ..serve.process import process_group, stop_group

# Variables a test command started on an untrusted change must not see (see serve.environment).
SECRET_VARIABLES = TOOLKIT_SECRETS
# Keys of the repository's config that carry or lead to credentials.
_CREDENTIAL_KEYS = (r"^(http\..*extraheader|credential\..*|url\..*@.*\.insteadof"
                    r"|include\.path|includeif\..*\.path)$")
_INCLUDE = re.compile(r"^include(if\..*)?\.path$", re.I)
# git commands that talk to a remote: the only ones that get the lifted credentials.
_REMOTE_COMMANDS = ("ls-remote", "fetch", "push", "pull", "clone")
# Variables through which git takes configuration from the environment.
_GIT_CONFIG_VARIABLES = re.compile(r"^GIT_CONFIG_(COUNT|KEY_\d+|VALUE_\d+|PARAMETERS)$")


@dataclass
class _Lifted:
    """Credential entries taken out of the repository's config: (key, value) in their order; *root*
    the repository and *state* its whole configuration once they were taken out (see :meth:`verify`)."""

    entries: list[tuple[str, str]] = field(default_factory=list)
    root: Path | None = None
    state: str = ""

    def verify(self) -> None:
        """RunError unless the configuration git reads in *root* (every scope, includes followed) is what
        it was when the credentials were lifted: a test command that set ``http.proxy`` with
        ``http.sslVerify=false``, a credential helper or ``core.sshCommand`` would otherwise receive
        the credentials with the next push."""
        if self.root is not None and config_state(self.root) != self.state:
            raise RunError(f"{self.root}: the git configuration changed while propose ran (a change's test "
                           "command?); the push credentials were not used. Inspect .git/config and "
                           "~/.gitconfig before running git again")

    def environment(self, base: dict[str, str]) -> dict[str, str]:
        """*base* with the entries added as GIT_CONFIG_COUNT/KEY_n/VALUE_n variables, after any that
        *base* holds already (includes are re-read as such)."""
        env = dict(base)
        start = int(env["GIT_CONFIG_COUNT"]) if env.get("GIT_CONFIG_COUNT", "").isdigit() else 0
        for i, (key, value) in enumerate(self.entries, start):
            env[f"GIT_CONFIG_KEY_{i}"], env[f"GIT_CONFIG_VALUE_{i}"] = key, value
        env["GIT_CONFIG_COUNT"] = str(start + len(self.entries))
        return env


_lifted: list[_Lifted] = []


def git(*args: str, cwd: Path, check: bool = True, input: str | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``git *args`` in *cwd* (no prompts, C locale; *timeout* in seconds).

    Raises RunError when git is missing, times out, or (with *check*) fails;
    the message is git's last line with URL credentials removed.
    """
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    if _lifted and _command(args) in _REMOTE_COMMANDS:
        # Credentials go only to a configuration that nothing changed while propose ran (see _Lifted.verify).
        _lifted[-1].verify()
        env = _lifted[-1].environment(env)
    try:
        # Never a hook: one planted in the shared .git (by a change's test command, say) would run with the
        # credentials of a push or fetch in its environment.
        proc = subprocess.run(["git", "-c", "core.hooksPath=/dev/null", *args], cwd=cwd, capture_output=True,
                              text=True, input=input, env=env,
                              timeout=timeout)
    except FileNotFoundError:
        raise RunError("git is not installed") from None
    except subprocess.TimeoutExpired:
        raise RunError(f"git {args[0]} did not finish within {timeout:.0f}s") from None
    if check and proc.returncode != 0:
        detail = mask(scrub_url_credentials((proc.stderr.strip().splitlines() or ["failed"])[-1]))
        raise RunError(f"git {_command(args)} failed in {cwd}: {detail}")
    return proc


def _command(args: tuple[str, ...]) -> str:
    """The git sub-command of *args* (after ``-c key=value`` options)."""
    rest = list(args)
    while rest and rest[0] == "-c":
        rest = rest[2:]
    return rest[0] if rest else ""


def _read_credentials(root: Path) -> list[tuple[str, str]]:
    """The credential entries of *root*'s own config (.git/config), in order."""
    proc = git("config", "--local", "--null", "--get-regexp", _CREDENTIAL_KEYS, cwd=root, check=False)
    entries = []
    for item in proc.stdout.split("\0"):
        key, _, value = item.partition("\n")
        if not key:
            continue
        if _INCLUDE.match(key) and not _holds_credentials(root, value):
            continue  # an include of ordinary settings stays
        entries.append((key, value))
    return entries


def _holds_credentials(root: Path, included: str) -> bool:
    """Whether the config file *included* (relative to the repository's .git folder) sets credentials."""
    common = git("rev-parse", "--git-common-dir", cwd=root, check=False).stdout.strip() or ".git"
    path = (root / common / os.path.expanduser(included)).resolve()
    if not path.is_file():
        return False
    proc = git("config", "--file", str(path), "--get-regexp", _CREDENTIAL_KEYS, cwd=root, check=False)
    return proc.returncode == 0 and bool(proc.stdout.strip())


def config_state(root: Path) -> str:
    """Every configuration entry git reads in *root*, with its scope and origin (``git config --list
    --show-scope --show-origin``, includes followed): what decides where and how a push goes."""
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    proc = subprocess.run(["git", "config", "--list", "--show-scope", "--show-origin", "-z"], cwd=root,
                          capture_output=True, text=True, env=env, timeout=60, check=False)
    return f"{proc.returncode}\0{proc.stdout}"


def _config_file(root: Path) -> Path:
    """The repository's own config file (``<common git dir>/config``), absolute."""
    common = git("rev-parse", "--git-common-dir", cwd=root).stdout.strip() or ".git"
    return (root / common / "config").resolve()


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _restore(root: Path, config: Path, original: bytes | None, lifted: bytes | None,
             entries: list[tuple[str, str]]) -> None:
    """Put the lifted *entries* back: the file as it was, byte for byte (same place, order and
    includes), when nobody changed it since the lift; else each entry appended, so that nothing
    written in between is lost."""
    if not entries:
        return
    if original is not None and lifted is not None and _read_bytes(config) == lifted:
        tmp = config.with_name(f".{config.name}.echotune-restore")
        try:
            tmp.write_bytes(original)
            os.chmod(tmp, stat.S_IMODE(os.stat(config).st_mode))
            os.replace(tmp, config)
            return
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()
    for key, value in entries:
        git("config", "--local", "--add", key, value, cwd=root, check=False)


def _register(entries: list[tuple[str, str]]) -> None:
    """Mask the lifted values, and the user:token inside a basic Authorization header."""
    for key, value in entries:
        register(value)
        m = re.search(r"(?i)\b(?:basic|bearer)\s+(\S+)", value)
        if m:
            register(m.group(1))
            with contextlib.suppress(binascii.Error, UnicodeDecodeError, ValueError):
                register(base64.b64decode(m.group(1), validate=True).decode("utf-8").partition(":")[2])
        creds = re.search(r"://[^/@\s]*:([^/@\s]+)@", key)
        if creds:
            register(creds.group(1))


@contextlib.contextmanager
def lifted_credentials(root: Path) -> Iterator[list[tuple[str, str]]]:
    """Take persisted credentials out of *root*'s config for the block (see the module docstring);
    yields the entries taken (they are masked in every output). They are written back in their
    order when the block ends, whatever happens; RunError when the config cannot be changed."""
    from ..serve.process import deferred_signals

    entries = _read_credentials(root)
    _register(entries)
    config = _config_file(root)
    original = _read_bytes(config)
    # Ctrl-C or SIGTERM between here and the end of the restore is held back until the config is whole.
    with deferred_signals():
        try:
            for key in dict.fromkeys(k for k, _ in entries):
                git("config", "--local", "--unset-all", key, cwd=root)
        except BaseException:
            _restore(root, config, original, _read_bytes(config), entries)
            raise
        lifted = _read_bytes(config)
        _lifted.append(_Lifted(entries, root, config_state(root)))
    try:
        yield entries
    finally:
        _lifted.pop()
        with deferred_signals():
            _restore(root, config, original, lifted, entries)


def repo_root(path: Path) -> Path:
    """The top folder of the git checkout holding *path*; InputError when it is none."""
    proc = git("rev-parse", "--show-toplevel", cwd=path, check=False)
    if proc.returncode != 0:
        raise InputError(f"{path}: not a git repository")
    return Path(proc.stdout.strip())


def ensure_clean(root: Path) -> None:
    """Refuse a checkout with uncommitted changes to tracked files: they would not be in the proposal."""
    proc = git("status", "--porcelain", "--untracked-files=no", cwd=root)
    changed = [line[3:] for line in proc.stdout.splitlines() if line.strip()]
    if changed:
        sample = ", ".join(changed[:3]) + (" ..." if len(changed) > 3 else "")
        raise InputError(f"{root}: the repository has uncommitted changes ({sample}); "
                         "commit or stash them first")


def current_branch(root: Path) -> str:
    """The checked-out branch; InputError when HEAD is detached."""
    proc = git("symbolic-ref", "--quiet", "--short", "HEAD", cwd=root, check=False)
    if proc.returncode != 0:
        raise InputError(f"{root}: HEAD is detached; pass --base BRANCH (or set [propose] base)")
    return proc.stdout.strip()


def resolve_commit(root: Path, ref: str) -> str:
    """The commit SHA *ref* names; InputError when it names none."""
    proc = git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", cwd=root, check=False)
    if proc.returncode != 0:
        raise InputError(f"{root}: no such branch or commit {ref!r}")
    return proc.stdout.strip()


def base_commit(root: Path, base: str, remote: str) -> str:
    """The commit proposals start from: the checked-out HEAD for its own branch, else the remote's branch."""
    if base == current_branch_or_none(root):
        return resolve_commit(root, "HEAD")
    for ref in (f"refs/remotes/{remote}/{base}", f"refs/heads/{base}"):
        proc = git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", cwd=root, check=False)
        if proc.returncode == 0:
            return proc.stdout.strip()
    raise InputError(f"{root}: base branch {base!r} not found locally or on {remote}")


def current_branch_or_none(root: Path) -> str | None:
    """The checked-out branch, or None when HEAD is detached."""
    proc = git("symbolic-ref", "--quiet", "--short", "HEAD", cwd=root, check=False)
    return proc.stdout.strip() if proc.returncode == 0 else None


def remote_branch_sha(root: Path, remote: str, branch: str) -> str | None:
    """The commit *branch* points at on *remote*, None when it has no such branch.

    Raises RunError when the remote cannot be read.
    """
    proc = git("ls-remote", "--heads", remote, f"refs/heads/{branch}", cwd=root, check=False, timeout=60)
    if proc.returncode != 0:
        detail = scrub_url_credentials((proc.stderr.strip().splitlines() or ["failed"])[-1])
        raise RunError(f"cannot read remote {remote!r}: {detail}")
    for line in proc.stdout.splitlines():
        sha, _, ref = line.partition("\t")
        if ref == f"refs/heads/{branch}":
            return sha
    return None


def fetch_commit(root: Path, remote: str, branch: str) -> None:
    """Fetch *branch* of *remote* into ``refs/echotune/remote/<branch>`` (so its tree can be compared)."""
    git("fetch", "--quiet", "--no-tags", remote, f"+refs/heads/{branch}:refs/echotune/remote/{branch}",
        cwd=root, timeout=120)


def tree_of(root: Path, commit: str) -> str:
    """The tree SHA of *commit*: equal trees mean equal content."""
    return git("rev-parse", f"{commit}^{{tree}}", cwd=root).stdout.strip()


@dataclass
class Worktree:
    """A detached worktree at *commit*, removed on exit."""

    root: Path
    commit: str
    path: Path | None = None

    def __enter__(self) -> Worktree:
        self._tmp = Path(tempfile.mkdtemp(prefix="echotune-propose-"))
        self.path = self._tmp / "wt"
        try:
            # No hooks: a post-checkout hook has no business in a throw-away worktree.
            git("-c", "core.hooksPath=/dev/null", "worktree", "add", "--quiet", "--detach", str(self.path),
                self.commit, cwd=self.root)
        except BaseException:
            shutil.rmtree(self._tmp, ignore_errors=True)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        git("worktree", "remove", "--force", str(self.folder), cwd=self.root, check=False)
        git("worktree", "prune", cwd=self.root, check=False)
        shutil.rmtree(self._tmp, ignore_errors=True)

    @property
    def folder(self) -> Path:
        """The worktree's folder; RuntimeError outside the ``with`` block."""
        if self.path is None:
            raise RuntimeError("the worktree is used outside its with block")
        return self.path

    def apply(self, diff: str) -> None:
        """Apply *diff* to the worktree and the index (RunError when it does not apply)."""
        git("apply", "--index", "--recount", "--whitespace=nowarn", "-", cwd=self.folder, input=diff)

    def commit_all(self, message: str, author: str) -> str:
        """Commit the index as *author* ("Name <email>") without hooks or signing; returns the commit SHA."""
        name, _, email = author.partition("<")
        email = email.rstrip(">").strip()
        git("-c", f"user.name={name.strip()}", "-c", f"user.email={email}", "-c", "core.hooksPath=/dev/null",
            "-c", "commit.gpgsign=false", "commit", "--quiet", "--no-verify", "-F", "-", cwd=self.folder,
            input=message)
        return git("rev-parse", "HEAD", cwd=self.folder).stdout.strip()

    def push(self, remote: str, branch: str) -> None:
        """Force-push HEAD to *branch* of *remote*."""
        # The proposal branches belong to EchoTune: a re-run replaces them.
        git("push", "--quiet", "--force", "--no-verify", remote, f"HEAD:refs/heads/{branch}", cwd=self.folder,
            timeout=300)


@dataclass
class TestClone:
    """A throw-away clone of *root* checked out at *commit*, for running a change's tests; removed on exit.

    Not a worktree: a worktree shares the repository's ``.git`` (config, hooks), so the code under
    test could write a hook or a config entry there that the next push would run or obey with the
    credentials. The clone has its own ``.git``, no remote and no credentials; it borrows the
    repository's objects (``--shared``) instead of copying them.
    """

    __test__ = False  # not a pytest class, whatever its name says

    root: Path
    commit: str
    path: Path | None = None

    def __enter__(self) -> TestClone:
        self._tmp = Path(tempfile.mkdtemp(prefix="echotune-test-clone-"))
        path = self._tmp / "src"
        try:
            git("clone", "--quiet", "--shared", "--no-checkout", str(self.root), str(path), cwd=self._tmp)
            # Checked out before the remote goes: a smudge filter (git-lfs) may fetch from it.
            git("checkout", "--quiet", "--detach", self.commit, cwd=path)
            git("remote", "remove", "origin", cwd=path)
        except BaseException:
            shutil.rmtree(self._tmp, ignore_errors=True)
            raise
        self.path = path
        return self

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)

    @property
    def folder(self) -> Path:
        """The clone's folder; RuntimeError outside the ``with`` block."""
        if self.path is None:
            raise RuntimeError("the clone is used outside its with block")
        return self.path


def run_command(command: str, cwd: Path, timeout: float) -> tuple[int, str]:
    """Run the project's own test command (from the config, never from a change) without secrets.

    Its environment is :func:`test_environment`; it runs in its own process
    group so that a timeout ends the whole tree.
    """
    with tempfile.TemporaryDirectory(prefix="echotune-test-") as private:
        # A config file that does not exist (in a folder only we can write) reads as empty.
        env = test_environment(empty_config=os.path.join(private, "no-config"))
        # A shell command by design: the user writes it in the config, like `serve.command`.
        # Its own session: a timeout or a Ctrl-C stops the whole tree, not the shell alone.
        with process_group(command, what="the test command", grace=0.0, shell=True,  # nosec B604
                           cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True) as proc:
            try:
                out, _ = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                stop_group(proc, 0.0)
                out, _ = proc.communicate()
                return 124, (out or "") + f"\n(timed out after {timeout:.0f}s)"
        return proc.returncode, out or ""


def test_environment(base: dict[str, str] | None = None, *, empty_config: str = os.devnull) -> dict[str, str]:
    """The environment of propose's test command: *base* (default os.environ) without the
    toolkit's credentials (:func:`echotune_ci.serve.environment.child_environment`), without git
    configuration from the environment, and with no global or system git config (the global one
    is *empty_config*, a file that is empty or absent), so that neither a token nor a credential
    helper can be reached through git."""
    env = {k: v for k, v in child_environment(base).items() if not _GIT_CONFIG_VARIABLES.match(k)}
    for name in ("GIT_ASKPASS", "SSH_ASKPASS", "GIT_SSH_COMMAND", "SSH_AUTH_SOCK"):
        env.pop(name, None)
    env.update(GIT_CONFIG_GLOBAL=empty_config, GIT_CONFIG_NOSYSTEM="1", GIT_TERMINAL_PROMPT="0")
    return env
