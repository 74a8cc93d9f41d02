"""Shell command lines as projects write them (Procfile, scripts, Dockerfile), taken apart for ``init``.

A line such as ``flask db upgrade; gunicorn -b :5000 app:app`` is split into
segments (:func:`segments`, shell comments dropped), each classified
(:func:`kind`: install, build, serve or other), and the server's segment is
rewritten to listen on the loopback port ``run`` chooses (:func:`bind`). A
``cd X`` segment is not a step of its own: :func:`with_cd` folds it into the
commands after it (``cd src && gunicorn app:app``), and :func:`program`,
:func:`kind` and :func:`bind` look past that prefix.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

PORT = "{port}"
_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_SAFE = re.compile(r"^[\w@%+=:,./{}$-]+$")
_PORT_VAR = re.compile(r"\$\{?PORT(?::-?\d+)?\}?")
_WRAPPERS = (
    ("exec",),
    ("poetry", "run"),
    ("uv", "run"),
    ("pipenv", "run"),
    ("pdm", "run"),
    ("rye", "run"),
    ("npx",),
    ("env",),
    ("cross-env",),
    ("dotenv", "--"),
)
_INSTALLS = re.compile(
    # a folder given before the subcommand: `npm --prefix client ci`, `pnpm -C web install`; not npm's and
    # pnpm's install-test or install-ci-test, which run the package's test script after the install
    r"^(?:npm (?:(?:--prefix|-C) \S+ )?(?:ci|install|i)(?![\w-])|"
    r"yarn(?: (?:--cwd \S+ )?install)?(?:\s+--\S+)*$|"
    r"pnpm (?:(?:--dir|-C) \S+ )?(?:install|i)(?![\w-])|bun install\b|"
    r"(?:\S*python3?(?:\.\d+)? -m |\S*/)?pip3? install\b|poetry (?:install|sync)\b|uv sync\b|"
    r"uv pip install\b|pdm install\b|pipenv install\b|pipenv sync\b|bundle install\b|"
    r"\S*python3?(?:\.\d+)? -m venv\b)"
)
_BUILDS = re.compile(
    r"^(?:(?:npm|pnpm|bun) run (?:build|compile|migrate|db:\S+)|yarn (?:run )?(?:build|compile|migrate)|"
    r"vite build|tsc\b|esbuild\b|webpack\b|next build|nuxt build|nuxi build|ng build|"
    r"flask db upgrade|flask [\w-]+ compile|alembic upgrade|prisma (?:migrate deploy|generate|db push)|"
    r"aerich upgrade|knex migrate|sequelize db:migrate|"
    r"(?:\S*python3?(?:\.\d+)? )?\S*manage\.py (?:migrate|collectstatic|compilemessages|compress)|"
    r"django-admin (?:migrate|collectstatic|compilemessages))"
)
_PY_SERVERS = ("gunicorn", "uvicorn", "hypercorn", "daphne", "waitress-serve", "granian", "uwsgi")
# uWSGI's options that bind an address (uwsgi --help, 2.0): HTTP, its own uwsgi protocol for a proxy in
# front, FastCGI; and --daemonize, which detaches from the process that started it
_UWSGI_ADDRESSES = ("--http", "--http-socket", "--http11-socket", "--https", "--socket", "-s",
                    "--uwsgi-socket", "--fastcgi-socket", "--shared-socket", "--daemonize")
_NODE_RUNNERS = ("node", "nodemon", "tsx", "ts-node", "bun", "deno", "pm2-runtime")


@dataclass
class Bound:
    """A server command rewritten for ``run``: the command, its fixed environment, how the port reaches it.

    ``port`` is "flag" when ``{port}`` is in the command, "env" when only
    the PORT variable can tell the app (``node server.js``), "" when the
    command is not one ``init`` knows.
    """

    command: str
    env: dict[str, str] = field(default_factory=dict)
    port: str = ""
    program: str = ""


_SEPARATORS = ("&&", "||", ";", "\n")


def _pieces(line: str) -> Iterator[tuple[bool, str]]:
    """A shell line as runs of ``(is_separator, text)`` in order, shell comments left out.

    Separators are ``&&``, ``||``, ``;`` and newlines outside quotes; a
    comment runs from a ``#`` that starts a word (outside quotes) to the end
    of its line. The one scanner of quotes and comments behind
    :func:`uncomment` and :func:`segments` (``shlex`` cannot give back the
    text between separators as written).
    """
    quote = ""
    start = i = 0
    while i < len(line):
        ch = line[i]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t;&|()"):
            yield False, line[start:i]
            end = line.find("\n", i)
            i = start = len(line) if end < 0 else end
            continue
        elif sep := next((s for s in _SEPARATORS if line.startswith(s, i)), ""):
            yield False, line[start:i]
            yield True, sep
            i = start = i + len(sep)
            continue
        i += 1
    yield False, line[start:]


def uncomment(line: str) -> str:
    """*line* without its shell comments: from a ``#`` that starts a word (outside quotes) to the end of
    its line (``gunicorn app:app # two workers`` -> ``gunicorn app:app``)."""
    return "".join(text for _, text in _pieces(line))


def segments(line: str) -> list[str]:
    """The commands of a shell line, split at ``&&``, ``;`` and ``||`` outside quotes, stripped, without
    shell comments."""
    out: list[str] = [""]
    for separator, text in _pieces(line):
        if separator:
            out.append("")
        else:
            out[-1] += text
    return [s.strip() for s in out if s.strip()]


def background(segment: str) -> list[str]:
    """The commands of *segment* (one of :func:`segments`) around a shell's ``&``, the operator that
    starts the command before it in the background: outside quotes, spaced or not (``node a.js&vite``),
    never a redirection's (``&>log``, ``2>&1``, ``|&``) nor an escaped ``\\&``; stripped, empty ones
    left out. A ``&`` inside a quoted string (``echo "a & b"``) is no operator."""
    out, quote, start, i = [], "", 0, 0
    while i < len(segment):
        ch = segment[i]
        if quote:
            quote = "" if ch == quote else quote
        elif ch == "\\":
            i += 1
        elif ch in "'\"":
            quote = ch
        elif ch == "&" and segment[i + 1:i + 2] not in (">", "&") and segment[i - 1:i] not in (">", "<", "|"):
            out.append(segment[start:i])
            start = i + 1
        i += 1
    out.append(segment[start:])
    return [part.strip() for part in out if part.strip()]


def tokens(command: str) -> list[str]:
    """Shell words of *command* without its comments (whitespace split when the quoting is broken)."""
    command = uncomment(command)
    try:
        return shlex.split(command, comments=False)
    except ValueError:
        return command.split()


def cd_folder(segment: str) -> str | None:
    """The folder a ``cd X`` segment enters (relative, without variables), else None."""
    words = tokens(segment)
    if len(words) == 2 and words[0] == "cd" and not words[1].startswith(("/", "$", "~", "-")):
        return words[1].rstrip("/") or None
    return None


def with_cd(parts: list[str]) -> list[str]:
    """*parts* with each ``cd X`` folded into the commands after it, so that no step loses its folder:
    ``["cd src", "gunicorn app:app"]`` -> ``["cd src && gunicorn app:app"]``."""
    out: list[str] = []
    folder = ""
    for part in parts:
        target = cd_folder(part)
        if target is not None:
            folder = posixpath.normpath(posixpath.join(folder, target))
            folder = "" if folder == "." else folder
            continue
        out.append(f"cd {join([folder])} && {part}" if folder else part)
    return out


_CD_PREFIX = re.compile(r"^\s*cd\s+(\S+)\s*&&\s*(.+)$", re.S)


def strip_cd(command: str) -> tuple[str, str]:
    """(folder, the rest) of ``cd X && rest``; ("", *command*) for a command without that prefix."""
    m = _CD_PREFIX.match(command)
    if m:
        folder = cd_folder(f"cd {m.group(1)}")
        if folder is not None:
            return folder, m.group(2).strip()
    return "", command


# A package manager's option naming the folder its command works in: npm's --prefix, Yarn's --cwd, pnpm's
# -C / --dir
_FOLDER_OPTIONS = {"npm": ("--prefix",), "yarn": ("--cwd",), "pnpm": ("-C", "--dir")}


def working_folders(line: str) -> list[str]:
    """The folders (relative, as the line names them) that the steps of a shell *line* work in besides the
    one it starts in: ``cd X && ...`` and a package manager's folder option (``npm start --prefix
    Backend``, ``yarn --cwd client build``, ``pnpm -C web build``), in order, each once; absolute paths
    and paths from variables are left out."""
    out: list[str] = []
    folder = "."
    kept: list[str] = []  # the folders to go back to when a subshell ends: `(cd api && npm ci) && ...`
    for part in segments(line):
        opened = part[:len(part) - len(part.lstrip("( \t"))].count("(")
        closed = part[len(part.rstrip(") \t")):].count(")")
        kept += [folder] * opened
        step = part.strip("() \t")
        target = cd_folder(step)
        found: list[str] = []
        if target is not None:
            folder = posixpath.normpath(posixpath.join(folder, target))
            found.append(folder)
        words = tokens(step)
        options = _FOLDER_OPTIONS.get(words[0] if words else "", ())
        for i, word in enumerate(words):
            name, eq, value = word.partition("=")
            if name in options:
                value = value if eq else (words[i + 1] if i + 1 < len(words) else "")
                if value and not value.startswith(("/", "$", "~", "-")):
                    found.append(posixpath.normpath(posixpath.join(folder, value)))
        out += [f for f in found if f not in out and f != "."]
        for _ in range(closed):
            folder = kept.pop() if kept else folder
    return out


def chain(steps: Iterable[str]) -> str:
    """*steps* (blank ones left out) joined with ``&&`` for one shell. A step that enters a folder and is
    followed by others (``cd backend && tsc``, or a chain with such a step inside) runs in a subshell,
    ``(cd backend && tsc)``: the steps after it would otherwise run in that folder too."""
    items = [s for s in steps if s.strip()]
    last = len(items) - 1
    return " && ".join(f"({s})" if i < last and _enters_folder(s) else s for i, s in enumerate(items))


def _enters_folder(step: str) -> bool:
    """Whether *step* changes the folder of the steps joined after it: a ``cd`` outside parentheses."""
    depth = 0
    for i, char in enumerate(step):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and step.startswith("cd ", i) and (i == 0 or step[:i].rstrip().endswith(("&&", ";"))):
            return True
    return False


def join(words: list[str]) -> str:
    """Shell words joined, quoting only what needs it ({port} and $VARS stay bare)."""
    return " ".join(w if w and _SAFE.match(w) else shlex.quote(w) for w in words)


def split_env(words: list[str]) -> tuple[dict[str, str], list[str]]:
    """Leading ``NAME=value`` words (also after env / cross-env) and the rest."""
    env: dict[str, str] = {}
    i = 0
    while i < len(words):
        word = words[i]
        if _ASSIGN.match(word):
            name, _, value = word.partition("=")
            env[name] = value
        elif word not in ("env", "cross-env", "exec"):
            break
        i += 1
    return env, words[i:]


def unwrap(words: list[str]) -> list[str]:
    """*words* without runners in front (exec, poetry run, uv run, npx, ``python -m``)."""
    changed = True
    while changed and words:
        changed = False
        for wrapper in _WRAPPERS:
            if tuple(words[: len(wrapper)]) == wrapper and len(words) > len(wrapper):
                words = words[len(wrapper) :]
                changed = True
        if words and words[0] == "--yes":
            words = words[1:]
            changed = True
        if len(words) > 2 and _is_python(words[0]) and words[1] == "-m":
            words = words[2:]
            changed = True
    return words


def _is_python(word: str) -> bool:
    return re.fullmatch(r"(?:\S*/)?python(?:3(?:\.\d+)?)?", word) is not None


def program(command: str) -> str:
    """The program a command runs, after ``cd X &&``, env assignments and runners: gunicorn, node, npm,
    manage.py..."""
    _, words = split_env(tokens(strip_cd(command)[1]))
    words = unwrap(words)
    if not words:
        return ""
    if _is_python(words[0]) and len(words) > 1:
        return "manage.py" if words[1].endswith("manage.py") else "python"
    return words[0].rsplit("/", 1)[-1]


def kind(command: str) -> str:
    """install, build, serve or other."""
    command = strip_cd(command)[1]
    _, words = split_env(tokens(command))
    text = " ".join(unwrap(words) if words and words[0] != "npx" else _npx_package(words[1:]))
    plain = " ".join(words)
    if _INSTALLS.match(plain) or _INSTALLS.match(text):
        return "install"
    if _BUILDS.match(text) or _BUILDS.match(plain):
        return "build"
    return "serve" if is_server(command) else "other"


def _subcommand(words: list[str]) -> str:
    """The first word after the program in *words* that is no option (``fastapi --verbose run``: "run");
    "" when there is none."""
    return next((w for w in words[1:] if not w.startswith("-")), "")


def _npx_package(words: list[str]) -> list[str]:
    """The command npx runs, without npx's own flags and the version of its package: ``npx --yes pnpm@9
    install`` runs ``pnpm install`` (a package manager of the lockfile's version)."""
    while words and words[0].startswith("-"):
        words = words[1:]
    return [re.sub(r"(?<=.)@[^/@]*$", "", words[0]), *words[1:]] if words else words


def is_server(command: str) -> bool:
    """Whether *command* starts a long-running app server ``init`` knows how to start."""
    command = strip_cd(command)[1]
    prog = program(command)
    _, words = split_env(tokens(command))
    words = unwrap(words)
    text = " ".join(words)
    if prog in _PY_SERVERS or prog in _NODE_RUNNERS:
        return True
    if prog in ("flask", "quart"):
        return " run" in f" {text}"
    if prog == "fastapi":
        return _subcommand(words) in ("run", "dev")
    if prog == "sanic":
        # `sanic server:app`, `sanic path/to/dir --simple`; not its `inspect` subcommand nor `--version`
        first = _subcommand(words)
        return bool(first) and first != "inspect"
    if prog == "manage.py":
        return "runserver" in words
    if prog == "python":
        return len(words) > 1 and words[1].endswith(".py") and "manage.py" not in words[1]
    if prog in ("npm", "yarn", "pnpm"):
        return bool(re.search(r"\b(?:start|serve|preview|dev)\b", text)) and "build" not in text
    if prog in ("next", "nuxt", "nuxi", "remix-serve", "vite", "serve", "http-server"):
        return prog not in ("next", "nuxt", "nuxi", "vite") or "build" not in text
    return False


def bind(command: str) -> Bound:
    """*command* rewritten to listen on 127.0.0.1 and ``{port}``; see :class:`Bound`. A ``cd X &&``
    in front stays in front."""
    folder, command = strip_cd(command)
    if folder:
        inner = bind(command)
        return Bound(f"cd {join([folder])} && {inner.command}", inner.env, inner.port, inner.program)
    env, words = split_env(tokens(_PORT_VAR.sub(PORT, command)))
    env = {k: v for k, v in env.items() if k != "PORT"}
    front: list[str] = []
    while words and words[0] in ("exec", "env", "cross-env"):
        words = words[1:]
    for wrapper in _WRAPPERS[1:6]:
        if tuple(words[: len(wrapper)]) == wrapper:
            front, words = list(wrapper), words[len(wrapper) :]
    prog = program(join(words))
    rewritten = _bind_known(prog, words)
    out = rewritten if rewritten is not None else _bind_generic(words)
    text = join(front + out)
    port = (
        "flag"
        if PORT in text
        else ("env" if prog in (*_NODE_RUNNERS, "npm", "yarn", "pnpm", "python") else "")
    )
    return Bound(text, {k: v for k, v in env.items() if PORT not in v}, port, prog)


def _drop(words: list[str], options: tuple[str, ...], flags: tuple[str, ...] = ()) -> list[str]:
    """*words* without *options* (and their values) and without *flags*."""
    out: list[str] = []
    skip = False
    for word in words:
        if skip:
            skip = False
            continue
        if word in options:
            skip = True
            continue
        if word in flags or any(word.startswith(o + "=") for o in options if o.startswith("--")):
            continue
        out.append(word)
    return out


# A JavaScript runtime's options for development, given before the script: a debugger
# (``--inspect=0.0.0.0:9229`` opens one to the network, on a fixed port that a second build started beside
# the first cannot take) and a restart when a file changes (``--watch``, bun's ``--hot``), in the middle of
# a measurement. Node takes an option's value after "=" or as the next word; --inspect's only after "=".
_RUNTIME_DEV_FLAGS = ("--inspect", "--inspect-brk", "--inspect-wait", "--watch", "--watch-preserve-output",
                      "--hot")
_RUNTIME_DEV_OPTIONS = ("--watch-path", "--inspect-port", "--inspect-publish-uid")
_JS_RUNTIMES = ("node", "bun", "deno")


def dev_options(command: str) -> list[str]:
    """The development options (a debugger, a watcher) that *command*, a JavaScript runtime starting a
    script (``node --inspect=0.0.0.0:9229 --watch src/server.js``, after ``cd X &&``, env assignments and
    runners), gives before its script, as written (``["--inspect=0.0.0.0:9229", "--watch"]``); [] for any
    other command. :func:`bind` drops them."""
    _, words = split_env(tokens(strip_cd(command)[1]))
    words = unwrap(words)
    if not words or words[0].rsplit("/", 1)[-1] not in _JS_RUNTIMES:
        return []
    return _runtime_split(words)[1]


def _runtime_split(words: list[str]) -> tuple[list[str], list[str]]:
    """(*words*, a runtime and its arguments, without the development options before the script; those
    options). Deno's come after its subcommand (``deno run --watch main.ts``)."""
    deno = words[0].rsplit("/", 1)[-1] == "deno"
    sub = 2 if deno and len(words) > 1 and not words[1].startswith("-") else 1
    kept, dropped, i = words[:sub], [], sub
    while i < len(words) and words[i].startswith("-"):
        word = words[i]
        name = word.split("=", 1)[0]
        if name in _RUNTIME_DEV_OPTIONS and "=" not in word:
            dropped += words[i:i + 2]
            i += 2
            continue
        (dropped if name in _RUNTIME_DEV_FLAGS + _RUNTIME_DEV_OPTIONS else kept).append(word)
        i += 1
    return kept + words[i:], dropped


def _bind_python_cli(prog: str, head: list[str], rest: list[str]) -> list[str] | None:
    """The rewritten words of a Python framework's own serving subcommand (*head* up to the program, its
    *rest*): ``flask run``, ``quart run``, ``fastapi run``/``dev``; None for others."""
    if prog == "flask" and "run" in rest:
        kept = _drop(rest, ("--host", "-h", "--port", "-p"), ("--debug", "--reload", "--debugger"))
        return [*head, *kept, "--host", "127.0.0.1", "--port", PORT]
    if prog == "quart" and "run" in rest:
        # quart run (Quart 0.19): -h/--host, -p/--port, --reload/--no-reload
        kept = _drop(rest, ("--host", "-h", "--port", "-p"), ("--reload", "--no-reload"))
        return [*head, *kept, "--host", "127.0.0.1", "--port", PORT, "--no-reload"]
    sub = _subcommand([prog, *rest])
    if prog == "fastapi" and sub in ("run", "dev"):
        # FastAPI CLI (fastapi-cli 0.0.34, `fastapi run --help`): --host/--port, --reload/--no-reload;
        # `dev` is `run` with the reloader on: its production form serves the measurement, without dev's
        # --reload-dir (run has none: "No such option: --reload-dir")
        at = rest.index(sub)
        kept = _drop(rest[at + 1:], ("--host", "--port", "--reload-dir"), ("--reload", "--no-reload"))
        return [*head, *rest[:at], "run", *kept, "--host", "127.0.0.1", "--port", PORT]
    return None


def _bind_known(prog: str, words: list[str]) -> list[str] | None:
    """The rewritten words for servers with a known way to pass host and port; None for others."""
    at = next((i for i, w in enumerate(words) if w.rsplit("/", 1)[-1] == prog or w.endswith(prog)), 0)
    head, rest = words[: at + 1], words[at + 1 :]
    if prog in _JS_RUNTIMES:
        return _bind_generic([*head[:-1], *_runtime_split(words[at:])[0]])
    if prog == "gunicorn":
        return [*head, "--bind", f"127.0.0.1:{PORT}", *_drop(rest, ("-b", "--bind"), ("--reload",))]
    if prog in ("uvicorn", "granian"):
        return [
            *head,
            *_drop(rest, ("--host", "--port", "--uds", "--fd"), ("--reload",)),
            "--host",
            "127.0.0.1",
            "--port",
            PORT,
        ]
    if prog == "hypercorn":
        return [*head, "--bind", f"127.0.0.1:{PORT}", *_drop(rest, ("-b", "--bind"), ("--reload",))]
    if prog == "uwsgi":
        # its workers answer HTTP themselves (no proxy in front, nor uWSGI's HTTP router process), and
        # SIGTERM stops it (uWSGI 2.0 reloads on SIGTERM without --die-on-term)
        kept = _drop(rest, _UWSGI_ADDRESSES)
        return [*head, *kept, "--http-socket", f"127.0.0.1:{PORT}",
                *([] if "--die-on-term" in kept else ["--die-on-term"])]
    if prog == "daphne":
        return [*head, "-b", "127.0.0.1", "-p", PORT, *_drop(rest, ("-b", "--bind", "-p", "--port"))]
    if prog == "waitress-serve":
        return [*head, f"--listen=127.0.0.1:{PORT}", *_drop(rest, ("--listen", "--host", "--port"))]
    cli = _bind_python_cli(prog, head, rest)
    if cli is not None:
        return cli
    if prog == "sanic":
        # the sanic command (Sanic 23): -H/--host, -p/--port, -u/--unix; its reloader and dev mode off
        kept = _drop(rest, ("--host", "-H", "--port", "-p", "--unix", "-u"),
                     ("--reload", "-r", "--auto-reload", "--dev", "-d"))
        return [*head, *kept, "--host", "127.0.0.1", "--port", PORT]
    if prog == "manage.py" and "runserver" in words:
        i = words.index("runserver")
        tail = [w for w in words[i + 1 :] if w.startswith("-") and w != "--noreload"]
        return [*words[: i + 1], f"127.0.0.1:{PORT}", *tail, "--noreload"]
    if prog in ("vite", "astro") and "preview" in rest:
        # astro preview (Astro 4-7's CLI): --host [address], --port <number>, no --strictPort; it serves a
        # static build's dist/ and reads no PORT
        return [
            *head,
            *_drop(rest, ("--port", "--host"), ("--strictPort", "--open")),
            "--host",
            "127.0.0.1",
            "--port",
            PORT,
            *(["--strictPort"] if prog == "vite" else []),
        ]
    if prog in ("serve", "http-server"):
        listen = ["-l", f"tcp://127.0.0.1:{PORT}"] if prog == "serve" else ["-a", "127.0.0.1", "-p", PORT]
        return [*head, *_drop(rest, ("-l", "--listen", "-p", "--port", "-a")), *listen]
    if prog in ("next", "nuxt", "nuxi") and "start" in rest:
        return [
            *head,
            *_drop(rest, ("-p", "--port", "-H", "--hostname", "--host")),
            "--hostname",
            "127.0.0.1",
            "--port",
            PORT,
        ]
    return None


def _bind_generic(words: list[str]) -> list[str]:
    """``--port N``, ``-p N``, ``--bind H:N``, ``--host 0.0.0.0`` in any command, pointed at {port}."""
    out = list(words)
    for i, word in enumerate(out[:-1]):
        nxt = out[i + 1]
        if word in ("--port", "-p", "--listen-port") and nxt.isdigit():
            out[i + 1] = PORT
        elif word in ("--bind", "-b", "--listen") and re.fullmatch(r"[\w.\[\]:]*:\d+", nxt):
            out[i + 1] = f"127.0.0.1:{PORT}"
        elif word in ("--host", "-H", "--hostname") and nxt in ("0.0.0.0", "::", "localhost"):
            out[i + 1] = "127.0.0.1"
    for i, word in enumerate(out):
        m = re.fullmatch(r"(--port=|--bind=|--listen=)([\w.:]*?)(\d+)", word)
        if m:
            out[i] = m.group(1) + ("127.0.0.1:" if m.group(2) else "") + PORT
    return out
