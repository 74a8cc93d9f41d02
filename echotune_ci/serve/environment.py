"""The environment the app under test runs in: the project's, never the toolkit's.

EchoTune CI runs from its own virtualenv. The app's setup, build and start
commands must find the *project's* tools: its Python virtualenv and its
``node_modules/.bin``, so that ``pip install`` lands in the project's
environment and an app that needs another interpreter gets its own. The
toolkit's interpreter folder is taken off PATH (it is there when the
toolkit's venv is activated), and the toolkit's own secrets (the GitHub
token, research API keys, the probe accounts' passwords) are not passed on.

The policy (:func:`child_environment`, used for the app, its setup and build,
the locust workers, the browser and propose's test command) is a deny list
on top of the inherited environment, so the app keeps what it needs of its
own (``DATABASE_URL``, ``DJANGO_SECRET_KEY``, ``PATH``, ``HOME``):

* denied: the toolkit's credentials (:data:`TOOLKIT_SECRETS`: GITHUB_TOKEN,
  GH_TOKEN, the research API keys, ECHOTUNE_AUTH_PASSWORD,
  ECHOTUNE_LOGIN_PASSWORD ...); the Actions runtime (every name starting
  with one of :data:`DENIED_PREFIXES`: ACTIONS_RUNTIME_*, ACTIONS_ID_TOKEN_*,
  ACTIONS_CACHE_*, ACTIONS_RESULTS_*); credential-named variables of the
  toolkit and of CI (ECHOTUNE_*, GITHUB_*, GH_*, INPUT_*, PERPLEXITY_*,
  OPENAI_* whose name ends in TOKEN, KEY, SECRET, PASSWORD ...); and the
  variables the configuration names as ours (``drop``: [research]
  api_key_env, [security.http.auth] password_env, [frontend.login]
  password_env);
* allowed: everything else, and always what [serve] env sets explicitly
  (it is applied last, so a project can hand its app a value on purpose).
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..masking import SECRET_VARIABLES, configured_secret_names, is_secret_name

# Variables only the toolkit needs; the app under test never sees them.
TOOLKIT_SECRETS = (*SECRET_VARIABLES, "ACTIONS_ID_TOKEN_REQUEST_URL")
# The Actions runtime's services (cache, artifacts, OIDC): their URLs and tokens are the job's.
DENIED_PREFIXES = ("ACTIONS_RUNTIME_", "ACTIONS_ID_TOKEN_", "ACTIONS_CACHE_", "ACTIONS_RESULTS_")
# Credential-named variables with these prefixes belong to the toolkit or to CI, not to the app.
_TOOLKIT_PREFIXES = ("ECHOTUNE_", "GITHUB_", "GH_", "INPUT_", "PERPLEXITY_", "OPENAI_")
VENV_NAMES = (".venv", "venv")


@dataclass(frozen=True)
class ProjectEnvironment:
    """Where the project's tools are: its Python virtualenv (or None) and its ``node_modules/.bin``
    folders (nearest first), and the PATH entries put before the user's own."""

    python_env: Path | None
    node_bins: tuple[Path, ...]
    # Where a setup step would create the venv: on PATH even before it exists, so that in
    # "python3 -m venv .venv && python -m pip install ..." the second python is the new venv's.
    future_venv: Path | None = None

    @property
    def path_entries(self) -> list[str]:
        """Folders searched before the user's PATH: the venv's bin, then node_modules/.bin."""
        venv = self.python_env or self.future_venv
        entries = [str(venv / "bin")] if venv is not None else []
        return entries + [str(p) for p in self.node_bins]

    def describe(self) -> str:
        """One line for people: which environment the app runs in."""
        python = f"Python from {self.python_env}" if self.python_env else "Python from PATH"
        node = f"node_modules/.bin from {self.node_bins[0].parent.parent}" if self.node_bins else ""
        return ", ".join(p for p in (python, node) if p)


def is_venv(folder: Path) -> bool:
    """Whether *folder* is a Python virtual environment (it has pyvenv.cfg and bin/python)."""
    return (folder / "pyvenv.cfg").is_file() and (folder / "bin" / "python").exists()


def toolkit_prefix() -> Path:
    """The toolkit's own environment (the venv it runs from)."""
    return Path(sys.prefix).resolve()


def not_installed(tool: str, path: str | None = None, said: Sequence[str] = ()) -> str:
    """How to say that the shell of an app's step could not find *tool*: ", which is not installed (not
    on PATH)", or, when only the toolkit's own environment has it (a user who activated EchoTune CI's
    venv and installed the app's tools there), where it is and why the app does not get it; or, when a
    per-user install put it in a folder PATH lacks (``pip install --user uv``: ``~/.local/bin``), how to
    add that folder; or, when the step's PATH (*path*) has it after all, that it did not start, with the
    lines it *said*: a version manager's shim (pyenv's ``python3.8`` for a version not selected) answers
    "command not found" itself."""
    on_path = shutil.which(tool, path=path) if path is not None else None
    if on_path:
        from .output import clean_line

        # A shim says little, and all of it counts: pyenv names the versions that have the command
        shown = [clean_line(line) for line in said if line.strip()][-5:]
        return (f", which is on PATH ({on_path}) but did not start (a version manager's shim for a version "
                f"not selected here?); it printed: " + " | ".join(shown or ["nothing"]))
    own = toolkit_prefix() / "bin" / tool
    if own.is_file() and os.access(own, os.X_OK):
        return f", which only EchoTune CI's own environment has ({own}), where the app never runs"
    for folder in _USER_BINS:
        found = Path(os.path.expanduser(folder)) / tool
        if found.is_file() and os.access(found, os.X_OK):
            # `pip install --user uv`, uv's and bun's own installers: a folder a login shell may add, CI's not
            return (f", which is installed in {folder} ({found}), a folder not on PATH: add it "
                    f"(export PATH=\"{folder.replace('~', '$HOME', 1)}:$PATH\"; on GitHub Actions, "
                    f"echo it to $GITHUB_PATH)")
    return ", which is not installed (not on PATH)"


# Where per-user installs put their programs: pip --user and pipx, cargo, bun's and Deno's installers.
_USER_BINS = ("~/.local/bin", "~/.cargo/bin", "~/.bun/bin", "~/.deno/bin")


def _ancestors(cwd: Path, root: Path) -> list[Path]:
    """*cwd* and its parents up to *root* (only *cwd* when it is not inside *root*)."""
    cwd, root = cwd.resolve(), root.resolve()
    if cwd != root and root not in cwd.parents:
        return [cwd]
    out = [cwd]
    while out[-1] != root:
        out.append(out[-1].parent)
    return out


def find_python_env(cwd: Path, root: Path, env: Mapping[str, str]) -> Path | None:
    """The project's virtualenv: ``.venv`` or ``venv`` in *cwd* or a folder above it up to the
    project *root*, else $VIRTUAL_ENV; None when there is none.

    The toolkit's own venv counts only when it lies inside the project (the
    user installed echotune-ci into the project's environment on purpose).
    """
    for folder in _ancestors(cwd, root):
        for name in VENV_NAMES:
            if is_venv(folder / name):
                return folder / name
    active = env.get("VIRTUAL_ENV", "")
    if active and is_venv(Path(active)) and Path(active).resolve() != toolkit_prefix():
        return Path(active)
    return None


def find_project_environment(cwd: Path, root: Path,
                             env: Mapping[str, str] | None = None) -> ProjectEnvironment:
    """The project's tools as found now (a setup step may create them: look again after it)."""
    env = os.environ if env is None else env
    bins = tuple(folder / "node_modules" / ".bin" for folder in _ancestors(cwd, root)
                 if (folder / "node_modules" / ".bin").is_dir())
    return ProjectEnvironment(find_python_env(cwd, root, env), bins, future_venv=cwd / VENV_NAMES[0])


def _without_toolkit(path: str, project: ProjectEnvironment) -> list[str]:
    toolkit_bin = toolkit_prefix() / "bin"
    if project.python_env is not None and project.python_env.resolve() == toolkit_prefix():
        return path.split(os.pathsep)
    kept = []
    for entry in path.split(os.pathsep):
        try:
            if entry and Path(entry).resolve() == toolkit_bin:
                continue
        except OSError:
            pass
        kept.append(entry)
    return kept


def app_environment(project: ProjectEnvironment, *, base: Mapping[str, str] | None = None,
                    extra: Mapping[str, str] | None = None, drop: Iterable[str] = ()) -> dict[str, str]:
    """The environment of the app's setup, build and command.

    *base* (default os.environ) without the toolkit's secrets and *drop*,
    without the toolkit's venv on PATH or in VIRTUAL_ENV, with the
    project's tool folders first on PATH, and *extra* ([serve] env, PORT)
    on top.
    """
    env = child_environment(base, drop)
    if env.get("VIRTUAL_ENV") and Path(env["VIRTUAL_ENV"]).resolve() == toolkit_prefix():
        del env["VIRTUAL_ENV"]
    env.pop("PYTHONHOME", None)
    env["PATH"] = os.pathsep.join([*project.path_entries, *_without_toolkit(env.get("PATH", ""), project)])
    if project.python_env is not None:
        env["VIRTUAL_ENV"] = str(project.python_env)
    env.update(extra or {})
    return env


def denied(name: str, drop: Iterable[str] = ()) -> bool:
    """Whether variable *name* is kept from children by the policy in the module docstring."""
    if name in TOOLKIT_SECRETS or name in set(drop) or name.startswith(DENIED_PREFIXES):
        return True
    if name in configured_secret_names():  # [research] api_key_env ... of the config this process read
        return True
    return name.upper().startswith(_TOOLKIT_PREFIXES) and is_secret_name(name)


def without_checkout(env: Mapping[str, str], checkout: Path, own: Path) -> dict[str, str]:
    """*env* without what it names in another build's *checkout* (the head's, for the base of ``run
    --base-ref``; *own* is the base's, which may lie inside it): a ``VIRTUAL_ENV`` there and the PATH
    entries there (``.venv/bin``, ``node_modules/.bin``).

    A job run from the head's activated ``.venv`` (``. .venv/bin/activate``, ``poetry shell``) passed
    both on, and the base's ``poetry install`` installed the base's dependencies into the head's
    ``.venv``: the head then ran with the base's packages, and the base in the head's environment.
    A relative entry (``PATH=./node_modules/.bin:$PATH``) names a folder of wherever a step runs, the
    base's own for the base's steps, and stays: it resolved into the head's checkout, from where the run
    started, and the base's build found no tool there.
    """
    head, base = checkout.resolve(), own.resolve()

    def theirs(entry: str) -> bool:
        if not os.path.isabs(entry):
            return False
        try:
            path = Path(entry).resolve()
        except (OSError, RuntimeError):
            return False
        inside = path == head or head in path.parents
        return inside and not (path == base or base in path.parents)

    out = dict(env)
    if out.get("VIRTUAL_ENV") and theirs(out["VIRTUAL_ENV"]):
        del out["VIRTUAL_ENV"]
    if "PATH" in out:
        out["PATH"] = os.pathsep.join(e for e in out["PATH"].split(os.pathsep) if not (e and theirs(e)))
    return out


def child_environment(base: Mapping[str, str] | None = None, drop: Iterable[str] = ()) -> dict[str, str]:
    """*base* (default os.environ) without what :func:`denied` keeps from children (the toolkit's
    credentials, the Actions runtime's tokens, the configured secret variables *drop*)."""
    dropped = set(drop)
    return {k: v for k, v in (os.environ if base is None else base).items() if not denied(k, dropped)}
