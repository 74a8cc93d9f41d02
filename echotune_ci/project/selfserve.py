"""Python modules that start their own server when run as a script, for ``init``.

aiohttp's ``web.run_app(app)`` and Tornado's ``app.listen(port)`` with an IOLoop
are how those frameworks serve: there is no WSGI or ASGI object for gunicorn or
uvicorn to load, so the module itself is the command (aiohttp-demos' blog:
``python aiohttpdemo_blog/main.py -c config/user_config.toml`` in its README,
where init said "nothing runnable detected"). :func:`self_serving` finds the
module and how to run it; :func:`readme_arguments` the arguments the project's
README runs it with (a ``--config`` file it cannot start without).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from . import commands
from .files import read_text, source_files
from .instructions import readme_commands

# What a module that serves itself calls, by framework: aiohttp's run_app (web.run_app, aiohttp.web.run_app
# or the bare name imported), Tornado's listen on an Application or HTTPServer, with its loop started
_SERVES = (
    ("aiohttp", re.compile(r"^\s*(?:from\s+aiohttp\b|import\s+aiohttp\b)", re.M), re.compile(r"\brun_app\(")),
    ("tornado", re.compile(r"^\s*(?:from\s+tornado\b|import\s+tornado\b)", re.M),
     re.compile(r"\.listen\([\s\S]*?(?:IOLoop\.(?:current|instance)\(\)\.start\(\)|asyncio\.run\(|"
                r"\.wait\(\))")),
)
_PYTHON = re.compile(r"(?:\S*/)?python(?:3(?:\.\d+)?)?")
_MAIN_GUARD = re.compile(r"""^if\s+__name__\s*==\s*['"]__main__['"]\s*:""", re.M)
_PREFERRED = ("main.py", "app.py", "server.py", "run.py", "__main__.py", "application.py", "web.py")
# argparse or click options read when run: without the README's arguments the module may print its
# usage and exit (the blog demo's main.py prints its help when no --config is given)
_OPTIONS = re.compile(r"\bArgumentParser\(|@click\.(?:command|option)|\bsys\.argv\[1")


@dataclass(frozen=True)
class SelfServing:
    """A module of the app's folder that starts its own server when run.

    *source* is its path under the folder (``aiohttpdemo_blog/main.py``), *framework* ``aiohttp`` or
    ``tornado``, *run* the command that runs it from the folder: ``python -m pkg.main`` for a module of a
    package (``-m`` puts the folder on the import path, so the package's own absolute imports work, which
    ``python pkg/main.py`` does not: ModuleNotFoundError on the package), ``python main.py`` for a file at
    the top or in a folder that is no package. *options*: it reads command-line options.
    """

    source: str
    framework: str
    run: str
    options: bool = False

    @property
    def module(self) -> str:
        """The dotted module of *source* (``aiohttpdemo_blog.main``)."""
        return ".".join(PurePosixPath(self.source).with_suffix("").parts)


def self_serving_text(text: str) -> str:
    """The framework whose server *text* starts when run as a script ("" when none): a serving call under
    ``if __name__ == "__main__":`` or in the module's top-level code."""
    for framework, imports, serves in _SERVES:
        if not imports.search(text):
            continue
        m = serves.search(text)
        at_top = m is not None and not text[text.rfind("\n", 0, m.start()) + 1:m.start()][:1].isspace()
        if m and (_MAIN_GUARD.search(text) or at_top):
            return framework
    return ""


def _run_command(source: PurePosixPath, folder: Path) -> str:
    """How to run *source* (relative to *folder*) from *folder*, see :class:`SelfServing`."""
    parents = source.parts[:-1]
    in_package = bool(parents) and all((folder.joinpath(*parents[: i + 1]) / "__init__.py").is_file()
                                       for i in range(len(parents)))
    if in_package:
        return f"python -m {'.'.join(source.with_suffix('').parts)}"
    return f"python {source.as_posix()}"


def self_serving(folder: Path) -> SelfServing | None:
    """The module of *folder* (at most three folders deep, tests left out) that starts its own aiohttp or
    Tornado server when run, the shallowest first and then by name (main.py, app.py, server.py ...); None
    when there is none."""
    found: list[tuple[int, SelfServing]] = []
    for path in source_files(folder, (".py",), limit=400):
        source = PurePosixPath(path.relative_to(folder).as_posix())
        if len(source.parts) > 3 or path.name.startswith("test_") or "tests" in source.parts[:-1] \
                or path.name == "conftest.py":
            continue
        text = read_text(path)
        framework = self_serving_text(text)
        if not framework:
            continue
        rank = _PREFERRED.index(path.name) if path.name in _PREFERRED else len(_PREFERRED)
        served = SelfServing(source.as_posix(), framework, _run_command(source, folder),
                             bool(_OPTIONS.search(text)))
        found.append((len(source.parts) * 20 + rank, served))
    return min(found, key=lambda t: t[0])[1] if found else None


def readme_arguments(folder: Path, served: SelfServing) -> tuple[list[str], str]:
    """(arguments, README file) of the first command in *folder*'s README that runs *served*'s module with
    Python (``python aiohttpdemo_blog/main.py -c config/user_config.toml``, ``python3 -m pkg.main ...``):
    the words after the file or module; ([], "") when no README line runs it."""
    for step in readme_commands(folder):
        words = commands.split_env(commands.tokens(commands.strip_cd(step.command)[1]))[1]
        if not words or not _PYTHON.fullmatch(words[0]):
            continue
        if len(words) > 2 and words[1] == "-m" and words[2] == served.module:
            return words[3:], step.source
        if len(words) > 1 and words[1].removeprefix("./") == served.source:
            return words[2:], step.source
    return [], ""


def command_line(served: SelfServing, arguments: list[str]) -> str:
    """*served*'s run command with *arguments*, each quoted for a shell where it needs to be."""
    return " ".join([served.run, *(shlex.quote(a) for a in arguments)])
