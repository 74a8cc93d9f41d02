"""``init``: write echotune.toml and the caller workflows for a repository's detected stack.

The stack comes from :func:`echotune_ci.project.detect.detect_stack` (files
are read, nothing is installed or run). Existing files are never overwritten
without ``force``, and either every file is written or none.

echotune.toml goes into the project folder (``--dir``); the workflows go
into the git repository that holds it (the nearest folder above with a
``.git``), because GitHub runs workflows only from the repository's own
``.github/workflows``, and they name the project folder as their
``working-directory``. Every line printed about the project passes through
:func:`~echotune_ci.project.files.printable`: a Procfile cannot send escape
sequences or bidirectional overrides to the terminal.
"""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .appsetup import FRONTEND_PAGES
from .detect import AppSetup, detect_stack
from .files import join, printable

if TYPE_CHECKING:  # pragma: no cover
    from .deploy import DeployPlan

DEFAULT_REPOSITORY = "echotune/echotune-ci"
_SHA = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class Initialised:
    """What ``init`` did: the app setup it wrote, the files (absolute), the project folder (where
    echotune.toml went) and the repository root (where the workflows went; the project folder itself
    when it is in no git repository)."""

    app: AppSetup
    written: list[Path]
    project: Path = Path(".")
    repository: Path = Path(".")
    # With --deploy: the deployment plan, and the files left as they were (they existed; no --force).
    deploy: DeployPlan | None = None
    skipped: list[Path] = field(default_factory=list)


def repository_root(folder: Path) -> Path | None:
    """The git repository holding *folder*: the nearest folder from *folder* up with a ``.git``."""
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def init_project(root: Path, *, ref: str | None = None, repository: str = DEFAULT_REPOSITORY,
                 serve_command: str | None = None, research: bool = False,
                 force: bool = False, deploy: bool = False) -> Initialised:
    """Detect the stack of *root* and write echotune.toml and the workflows pinned to *ref*.

    *ref* defaults to the running echotune-ci's commit (:func:`echotune_ref`);
    *serve_command* replaces the detected one. When nothing runnable is
    detected the config is written with its serve command commented out.
    echotune.toml goes into *root*, the workflows into the root of the git
    repository that holds it (*root* itself when there is none).
    With *deploy* the production deployment files are written too
    (:mod:`echotune_ci.project.deploy`: into the app's folder) and "deploy"
    joins ``[run] phases``; then files that exist are skipped and named in
    ``skipped`` instead of stopping everything (*force* overwrites them).
    Raises InputError (exit 2) for a ref that is not a full commit SHA, a
    malformed manifest or files that exist (without *force* and *deploy*);
    ConfigError if the written config would not load. Every file is
    written, or none.
    """
    pinned = check_ref(ref or echotune_ref() or "")
    project = root.resolve()
    repo = repository_root(project) or project
    app = app_setup(project, serve_command)
    plan = None
    if deploy:
        from .deploy import plan_deploy

        plan = plan_deploy(project, app, project.name)
        if "deploy" not in app.phases:
            app.phases.append("deploy")
            app.settle_phases()
    files = plan_files(project, app, ref=pinned, repository=repository, research=research, repo_root=repo,
                       deploy=plan)
    if plan is None:
        return Initialised(app, write_files(repo, files, force=force), project, repo)
    from .deploy import DOCKERIGNORE, EXECUTABLE, render_deploy_files

    folder = PurePosixPath(_subfolder(project, repo), app.cwd).as_posix()
    rendered = render_deploy_files(plan, project / app.cwd)
    deploy_files = {join(folder, rel): text for rel, text in rendered.items()}
    files.update(deploy_files)
    skipped = [] if force else [repo / rel for rel in files if (repo / rel).exists()]
    todo = {rel: text for rel, text in files.items() if repo / rel not in skipped}
    executable = {rel for rel in deploy_files if rel.rsplit("/", 1)[-1] in EXECUTABLE}
    written = write_files(repo, todo, force=True, executable=executable)
    own_ignore = project / app.cwd / DOCKERIGNORE
    if plan.stack != "docker" and DOCKERIGNORE not in rendered and own_ignore.exists():
        skipped.append(own_ignore.resolve())
    return Initialised(app, written, project, repo, deploy=plan, skipped=skipped)


def summary_lines(app: AppSetup) -> list[str]:
    """What ``init`` prints: the stack, one line per decision with the file behind it, then the notes;
    every line printable (see :func:`~echotune_ci.project.files.printable`)."""
    where = f" in {app.cwd}/" if app.cwd != "." else ""
    lines = [f"{app.framework} project{where} ({', '.join(app.evidence) or 'no manifest'})"]
    lines += [f"  {d.line()}" for d in app.decisions]
    if not app.runnable:
        lines.append("nothing runnable detected; looked for: " + ", ".join(app.looked_for))
        lines.append("echotune.toml has [serve] command commented out: say how to start the app, or run "
                     "init again with --serve-command 'CMD --port {port}'")
    lines += [f"check: {note}" for note in app.all_checks()]
    return [printable(line) for line in lines]


def deploy_lines(done: Initialised) -> list[str]:
    """What ``init --deploy`` decided for the deployment files, one line each; every line printable."""
    if done.deploy is None:
        return []
    lines = [f"deploy ({done.deploy.stack}):"] + [f"  {d}" for d in done.deploy.decisions]
    lines += [f"  check: {note}" for note in done.deploy.command_notes]
    return [printable(line) for line in lines]


def skipped_lines(done: Initialised) -> list[str]:
    """One line per file ``init --deploy`` left alone because it exists, with what to do about it."""
    lines = []
    for path in done.skipped:
        if path.name == ".dockerignore":
            lines.append(f"kept {path}: the project's own list (--force keeps it too; the deploy phase "
                         "checks that it keeps .env out of the image)")
            continue
        lines.append(f"skipped {path}: it exists (--force overwrites it)")
        missing = _missing_deploy_settings(path, done) if path.name == "echotune.toml" else []
        if missing:
            lines.append(f"  add {' and '.join(missing)} in {path} to validate the deployment files")
    return [printable(line) for line in lines]


def _missing_deploy_settings(config: Path, done: Initialised) -> list[str]:
    """What an existing echotune.toml lacks of the settings a fresh ``init --deploy`` would write there,
    each as it is to be added (``"deploy" to [run] phases``, ``dir = "src" to [deploy]``): following the
    hint must find the files where they were written, not only turn the phase on."""
    table = _read_toml(config)
    run, deploy = table.get("run"), table.get("deploy")
    run = run if isinstance(run, dict) else {}
    deploy = deploy if isinstance(deploy, dict) else {}
    phases = run.get("phases")
    missing = [] if isinstance(phases, list) and "deploy" in phases else ['"deploy" to [run] phases']
    if done.deploy is None:
        return missing
    wanted = {"dir": PurePosixPath(done.app.cwd).as_posix()}
    if done.deploy.stack == "docker":
        wanted["dockerfile"] = "Dockerfile"
    defaults = {"dir": ".", "dockerfile": "Dockerfile.production"}
    for key, value in wanted.items():
        have = deploy.get(key, defaults[key])
        if not isinstance(have, str) or PurePosixPath(have).as_posix() != value:
            missing.append(f"{key} = {json.dumps(value)} to [deploy]")
    return missing


def _read_toml(config: Path) -> dict[str, Any]:
    """An existing echotune.toml as a table ({} when it cannot be read)."""
    try:
        return tomllib.loads(config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}


def written_lines(done: Initialised) -> list[str]:
    """One line per file written, saying where it went and why there, and when git ignores it."""
    sub = _subfolder(done.project, done.repository)
    ignored = _ignored(done)
    out = []
    for path in done.written:
        if path.name == "echotune.toml" or path.parent.name != "workflows":
            line = f"wrote {path}"
        elif sub != ".":
            line = (f"wrote {path} (the root of the git repository {done.repository}: GitHub runs "
                    f"workflows only from there; it measures {sub}/)")
        else:
            line = f"wrote {path}"
        if path in ignored:
            # facutk/cra-express-sqlite-fly ignores .github ("# Personal"): `git add .` left the gate's
            # workflows out without a word, and GitHub never ran them
            line += f"; git ignores it: commit it with `git add -f {ignored[path]}`"
        out.append(line)
    return [printable(line) for line in out]


def _ignored(done: Initialised) -> dict[Path, str]:
    """The written files git ignores (and does not track), each with its path from the repository's top."""
    from ..fsutil import ignored_files

    names = {}
    for path in done.written:
        try:
            names[path.resolve().relative_to(done.repository.resolve()).as_posix()] = path
        except ValueError:
            continue
    try:
        found = ignored_files(done.repository, list(names))
    except (OSError, subprocess.TimeoutExpired):  # no git here: nothing to say
        return {}
    return {names[name]: name for name in found if name in names}


def _subfolder(project: Path, repo: Path) -> str:
    try:
        sub = project.resolve().relative_to(repo.resolve()).as_posix()
    except ValueError:
        return "."
    return sub or "."


def check_ref(ref: str) -> str:
    """*ref* in lower case when it is a full 40-character commit SHA; InputError otherwise."""
    ref = ref.lower()
    if not _SHA.match(ref):
        raise InputError("--ref must be the full 40-character commit SHA of echotune-ci to pin "
                         "(a tag can be moved to other code)" if ref else
                         "cannot tell which echotune-ci commit to pin: pass --ref <40-character commit SHA>")
    return ref


def app_setup(root: Path, serve_command: str | None = None) -> AppSetup:
    """The detected setup of *root*, with *serve_command* (if given) in place of the detected command.

    When nothing runnable is detected the setup has an empty command (init
    writes it commented out). A malformed top-level manifest is an InputError.
    """
    stack = detect_stack(root)
    if stack.app_error:
        raise InputError(stack.app_error)
    app = stack.app or AppSetup(kind="none", framework="unknown")
    if serve_command:
        if not app.runnable:
            app.kind = app.kind if app.kind != "none" else "custom"
            app.framework = app.framework if app.framework != "unknown" else "custom"
        app.command = serve_command
        app.port = None
        app.checks.pop("command", None)
        app.checks.pop("port", None)
        app.decide("command", serve_command, "--serve-command")
    _detect_realtime(root, app)
    app.settle_phases()
    return app


def _detect_realtime(root: Path, app: AppSetup) -> None:
    from .realtime import detect_realtime

    found = detect_realtime(root / app.cwd)
    if not found:
        return
    if found["protocol"] == "socketio":
        _socketio_only(root, app, found["source"])
    if found.get("legacy"):
        # excalidraw-room's socket.io 2.3.0 and 2.4.0: every round trip failed (no acknowledgement from 2.3.0,
        # connections refused by 2.4.0), and failed connects' times read as "improved"
        app.check("realtime", f"{found['legacy']} (Engine.IO 3), a protocol the load test's client, "
                              "python-socketio 5, does not speak (it speaks Socket.IO 3 and 4): "
                              "[load.realtime] is left out; Socket.IO 3 and later can be measured")
        return
    if found["protocol"] == "socketio" and not found["event"]:
        # The round trip is an emit and its acknowledgement: without a handler that acknowledges, every
        # message would time out (a chat app's `message` handler that broadcasts and never calls back)
        app.check("realtime", f"{found['source']}: no Socket.IO handler of the app acknowledges an event "
                              "(socket.on('ping', (data, ack) => ack(data)), or any python-socketio "
                              "handler), and the load test times a message by its "
                              "acknowledgement: [load.realtime] is left out; add it with an event that "
                              "does (docs/load.md)")
        return
    app.realtime = {"protocol": found["protocol"], "path": found["path"]}
    app.decide("load.realtime", f"{found['protocol']} {found['path']}", found["source"])
    if found.get("event"):
        app.realtime["event"] = found["event"]
        app.decide("load.realtime", f"event {found['event']}", f"{found['event_source']} acknowledges it")
    if found.get("message_key"):
        # the handler raised KeyError on the default message, and python-socketio sends no acknowledgement
        # then: every round trip timed out
        app.realtime["message"] = json.dumps({found["message_key"]: "{id}"})
        app.decide("load.realtime", f"message {app.realtime['message']}",
                   f"{found['event_source']}: its handler reads {found['message_key']!r} of the data")
    if found.get("event") and found.get("event_returns", "yes") != "yes":
        app.check("realtime", f"no handler returns a value, so the round trip times {found['event']!r}, "
                              "which python-socketio acknowledges once its handler "
                              f"({found['event_source']}) has run: every message the load test sends "
                              "runs it, with what it sends to others; to time a reply of its own, add a "
                              "handler that returns its data (@socketio.on('ping') def ping(data): return "
                              "data) and name it in event")
    if found.get("namespace", "/") != "/":
        app.realtime["namespace"] = found["namespace"]
        app.decide("load.realtime", f"namespace {found['namespace']}",
                   f"{found['event_source']}: its handler is in that namespace")
    if found["guess"]:
        app.check("realtime", f"the WebSocket path {found['path']} is a guess: set the path your server "
                              "upgrades")
    if found.get("filled"):
        app.check("realtime", f"the WebSocket route takes {found['filled']}, given a sample value in "
                              f"{found['path']}: set one the app accepts (a room or id that exists)")
    if found.get("message"):
        # a Channels consumer's reply has no fixed shape: the tutorial's sends the text back to the room,
        # others answer with data of their own
        app.realtime.update(message=found["message"], reply=found["reply"])
        app.decide("load.realtime", f"message {found['message']}",
                   f"{found['message_source']}: its consumer's receive reads that key")
        if found["reply"] == "{id}":
            app.check("realtime", f"the reply is the first message holding the id sent in "
                                  f"{found['message']}: a consumer that answers with data of its own and not "
                                  "the text sent times out; set reply to a text its answer holds "
                                  "(docs/load.md)")
        else:
            app.decide("load.realtime", f"reply {found['reply']}",
                       f"{found['message_source']}: its consumer answers with that key")


def _socketio_only(root: Path, app: AppSetup, source: str) -> None:
    """A Node server whose code answers no HTTP request besides Socket.IO's: "/", the fallback ready URL,
    answers 404 and `run` stopped after the builds. Socket.IO's handshake is then the ready URL (and the
    polled path of the load and header checks), and there is no page for the frontend phase."""
    from .realtime import SOCKETIO_HANDSHAKE, serves_http

    if app.kind != "node" or app.ready_path != "/" or not app.has_root or app.ready_status \
            or serves_http(root / app.cwd):
        return
    app.ready_path = SOCKETIO_HANDSHAKE
    app.has_root = False
    app.phases = [p for p in app.phases if p != "frontend"]
    app.redecide("ready_url", SOCKETIO_HANDSHAKE, f"{source}: the code declares no HTTP route and serves "
                 "no files (\"/\" answers 404), only Socket.IO, whose handshake answers once the server is "
                 "up")
    app.decide("phases", ", ".join(app.phases), "no page of the app's to load in a browser: no frontend")


# ---------------------------------------------------------------------------- the ref to pin


def echotune_ref() -> str | None:
    """The commit of the running echotune-ci: pip's record of a git install, or the source checkout."""
    from importlib import metadata

    try:
        direct = metadata.distribution("echotune-ci").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        direct = None
    if direct:
        try:
            commit = (json.loads(direct).get("vcs_info") or {}).get("commit_id", "")
        except json.JSONDecodeError:
            commit = ""
        if _SHA.match(commit or ""):
            return str(commit)
    source = Path(__file__).resolve().parents[2]
    if (source / ".git").exists() and (source / "action.yml").is_file():
        return _checkout_head(source)
    return None


def _checkout_head(source: Path) -> str | None:
    try:
        proc = subprocess.run(["git", "-C", str(source), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    sha = proc.stdout.strip()
    return sha if proc.returncode == 0 and _SHA.match(sha) else None


# ---------------------------------------------------------------------------- files


def plan_files(root: Path, app: AppSetup, *, ref: str, repository: str = DEFAULT_REPOSITORY,
               research: bool = False, repo_root: Path | None = None,
               deploy: DeployPlan | None = None) -> dict[str, str]:
    """Path relative to *repo_root* (default *root*) -> text of every file ``init`` writes (the research
    workflow only with *research*): echotune.toml in *root*, the workflows in the repository's
    ``.github/workflows``, pointed at *root*; *deploy* (``init --deploy``'s plan) shapes its [deploy] table.

    Raises ConfigError when the echotune.toml it would write does not validate.
    """
    sub = _subfolder(root, repo_root or root)
    config = join(sub, "echotune.toml")
    ctx: dict[str, Any] = {"app": app, "ref": ref, "repository": repository, "name": root.resolve().name,
                           "q": json.dumps, "checks": _security_checks(app), "notes": _notes(app),
                           "comment": _comment, "excludes": security_excludes(app), "printable": printable,
                           "working_directory": sub, "config_path": config,
                           "ready_url": ready_url(app), "login_flow": _login_flow(root, app),
                           "deploy": deploy, "pages": _frontend_pages(app), "tools": runner_tools(app)}
    files = {
        config: _render("init/echotune.toml.j2", **ctx),
        ".github/workflows/echotune.yml": _render("init/workflow-gate.yml.j2", **ctx),
        ".github/workflows/echotune-report.yml": _render("init/workflow-report.yml.j2", **ctx),
    }
    if research:
        files[".github/workflows/echotune-research.yml"] = _render("init/workflow-research.yml.j2", **ctx)
    _validate_config(files[config], root / "echotune.toml")
    return files


# The package managers a [serve] step may run that GitHub's Ubuntu runner images lack (they have npm, Yarn 1
# and pipx): the generated workflow has the action install them (its input ``tools``), or the gate's first
# step, `poetry install`, stopped on "poetry: command not found" where a developer's machine had it.
RUNNER_LACKS = ("poetry", "pipenv", "pdm", "uv")


def runner_tools(app: AppSetup) -> list[str]:
    """The package managers of :data:`RUNNER_LACKS` that *app*'s setup, build or command runs (the first
    word of a step after ``cd X &&`` and ``NAME=value``: ``POETRY_VIRTUALENVS_IN_PROJECT=true poetry
    install``, ``poetry run gunicorn``), in the order they first appear."""
    from .commands import segments, split_env, strip_cd, tokens

    found: list[str] = []
    for line in (app.setup, app.build, app.command):
        for step in segments(line or ""):
            _, words = split_env(tokens(strip_cd(step)[1]))
            name = words[0].rsplit("/", 1)[-1] if words else ""
            if name in RUNNER_LACKS and name not in found:
                found.append(name)
    return found


def _frontend_pages(app: AppSetup) -> dict[str, list[tuple[str, str, bool]]]:
    """{"listed": the pages besides "/" [[frontend.pages]] lists, "more": those written commented out (behind
    a login, or past FRONTEND_PAGES)}, each (path, file, behind a login)."""
    open_ = [p for p in app.pages if not p[2]]
    listed = open_[:FRONTEND_PAGES]
    return {"listed": listed, "more": [p for p in app.pages if p not in listed]}


def _login_flow(root: Path, app: AppSetup) -> dict[str, str]:
    """The login and protected routes of the app's sources (a first [[api.flows]]), or {}. Else Django's
    LoginView: a form login by session behind the CSRF check, which answers 302 when it logs in and the
    form again (200) when it does not."""
    from .routes import detect_login_flow

    found = detect_login_flow(root / app.cwd)
    if not found and not app.django_login:
        return _route_module_login(root, app) or _route_file_login(root, app)
    if found or not app.django_login:
        return found
    if app.django_login.get("token") or app.django_login.get("cookie"):
        # DRF's token login (simplejwt, authtoken, a view of the project's own): JSON in, a token out or
        # set as a cookie (a session flow: DRF's APIView is exempt from Django's CSRF check)
        return {**app.django_login, "user_object": "", "form": "", "csrf": "", "oauth2_form": "",
                "user_value": "", "form_page": "", "signup": ""}
    return {"user_field": "username", **app.django_login, "token": "", "user_object": "", "scheme": "Bearer",
            "form": "yes", "csrf": "csrftoken", "oauth2_form": "", "user_value": "", "status": "302",
            "form_page": "yes"}


def _package_deps(root: Path, app: AppSetup) -> dict[str, str]:
    """The dependencies and devDependencies of the package the app runs from ({} without one)."""
    import json

    from .files import read_text

    try:
        deps = json.loads(read_text(root / app.cwd / "package.json") or "{}")
    except ValueError:
        return {}
    if not isinstance(deps, dict):
        return {}
    names = {**(deps.get("dependencies") or {}), **(deps.get("devDependencies") or {})}
    return {str(k): str(v) for k, v in names.items()}


def _route_file_login(root: Path, app: AppSetup) -> dict[str, str]:
    """A login of a framework's route files (:func:`.fileroutes.file_routes`: Nuxt's and Nitro's
    ``server/api/auth/login.post.ts``, SvelteKit's ``+server.ts``, Astro's ``src/pages/api/login.ts``)
    that reads a JSON body with a password and keeps the account in a session (nuxt-auth-utils'
    ``setUserSession``, a cookie it sets), whose cookie the requests after it carry, or answers a
    token. {} without one."""
    from .fileroutes import file_routes, json_login

    files = file_routes(root / app.cwd, _package_deps(root, app), root)
    found = json_login(list(files.routes)) if files is not None else {}
    if not found:
        return {}
    return {**found, "user_object": "", "scheme": "Bearer", "form": "", "csrf": "", "oauth2_form": "",
            "user_value": "", "form_page": ""}


def _route_module_login(root: Path, app: AppSetup) -> dict[str, str]:
    """A Remix or React Router app's login: a route module whose action reads the form's password
    (indie-stack's ``app/routes/login.tsx``) and answers 302 with the session's cookie when it logs in,
    400 or the page again when it does not; no CSRF token (their forms carry none). {} without one."""
    from .remixroutes import form_login, route_modules

    found = form_login(route_modules(root / app.cwd, _package_deps(root, app), root))
    if not found:
        return {}
    return {**found, "token": "", "user_object": "", "scheme": "Bearer", "form": "yes", "csrf": "",
            "oauth2_form": "", "user_value": "", "status": "302", "form_page": ""}


def security_excludes(app: AppSetup) -> dict[str, list[str]]:
    """``[security.secrets]`` / ``[security.bandit]`` exclude lists for folders that build writes
    (collectstatic's STATIC_ROOT, a client's build output) and the defaults leave in: the defaults
    plus those folders, since a configured list replaces the default one. Empty when nothing to add."""
    from ..phases.security.files import is_excluded
    from ..phases.security.settings import BanditSettings, SecretsSettings

    out: dict[str, list[str]] = {}
    for table, defaults in (("secrets", SecretsSettings().exclude), ("bandit", BanditSettings().exclude)):
        extra = [g for g in dict.fromkeys(app.generated) if g and not is_excluded(g, defaults)]
        if extra:
            out[table] = [*defaults, *extra]
    return out


def ready_url(app: AppSetup) -> str:
    """The URL ``run`` polls: on {port}, or on the port the app always listens on."""
    return f"http://127.0.0.1:{app.port or '{port}'}{app.ready_path}"


def _comment(text: str, first: str = "# ", rest: str = "# ") -> str:
    """*text* as TOML comment lines of at most 113 characters, each ending in a newline."""
    import textwrap

    lines = textwrap.wrap(printable(" ".join(text.split())), 104, initial_indent=first,
                          subsequent_indent=rest, break_on_hyphens=False)
    return "".join(f"{line}\n" for line in lines)


def _notes(app: AppSetup) -> Any:
    """notes(key): the ``# check:`` lines of *key*, wrapped, each line ending in a newline ("" when none)."""

    def notes(key: str) -> str:
        return "".join(_comment(note, "# check: ", "#   ") for note in app.notes(key))

    return notes


def _security_checks(app: AppSetup) -> list[str]:
    """The security checks to list in echotune.toml: all but the audit when nothing can be audited."""
    if app.audit:
        return []
    from ..phases.security.checks import CHECK_NAMES

    return [c for c in CHECK_NAMES if c != "audit"]


def _render(template: str, **context: Any) -> str:
    # The environment the reports share (filters, strict undefined), imported only when init writes.
    from ..report.render import environment

    return environment().get_template(template).render(**context)


def _validate_config(text: str, where: Path) -> None:
    from ..config import parse_config

    parse_config(tomllib.loads(text), "", str(where))


def write_files(root: Path, files: dict[str, str], *, force: bool = False,
                executable: set[str] | frozenset[str] = frozenset()) -> list[Path]:
    """Write *files* (relative path -> text) under *root*, all or none (:func:`~echotune_ci.fsutil.staged`);
    returns the paths. The files named in *executable* get the execute bits their read bits have.

    Raises InputError, writing nothing, when one exists already and *force* is false.
    """
    from ..fsutil import staged, write_text_atomic

    targets = {rel: root / rel for rel in files}
    existing = [rel for rel, path in targets.items() if path.exists()]
    if existing and not force:
        verb = "exists" if len(existing) == 1 else "exist"
        raise InputError(f"{root}: {', '.join(existing)} already {verb}; nothing written "
                         "(use --force to overwrite)")
    with staged(root):
        written = [write_text_atomic(targets[rel], text) for rel, text in files.items()]
    for rel in executable:
        if rel in targets:
            _make_executable(targets[rel])
    return written


def _make_executable(path: Path) -> None:
    """Add the execute bit wherever the read bit is (0644 -> 0755), as ``chmod +x`` under the umask."""
    from ..fsutil import cannot_write

    try:
        mode = path.stat().st_mode & 0o7777
        path.chmod(mode | ((mode & 0o444) >> 2))
    except OSError as exc:
        raise cannot_write(path, exc) from None
