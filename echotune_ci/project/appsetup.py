"""What ``init`` writes into ``[serve]`` and beside it, and why: :class:`AppSetup`.

Every value comes with a :class:`Decision` (what was decided and the file
that said so), which ``init`` prints one per line; every guess that no file
confirmed carries a ``# check:`` note (:attr:`AppSetup.checks`) written above
its key in echotune.toml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .graphqllogin import GraphQLLogin

# Keys a `# check:` note can stand above, in the order echotune.toml lists them.
CHECK_KEYS = ("project", "setup", "build", "command", "port", "cwd", "ready_url", "env", "audit", "bundle",
              "realtime")
DEFAULT_PHASES = ("security", "frontend", "load")
# How many pages besides "/" init lists in [[frontend.pages]]: each costs the frontend phase a page load
# and an axe run (about 2 s here), twice in `run --base-ref`
FRONTEND_PAGES = 4


@dataclass(frozen=True)
class Decision:
    """One thing ``init`` decided: the setting (``key``), its value and the file (or reason) behind it."""

    key: str
    value: str
    source: str

    def line(self) -> str:
        """``command: gunicorn ... (Procfile web)``."""
        return f"{self.key}: {self.value or '(none)'}  <- {self.source}"


@dataclass
class AppSetup:
    """How the app of a repository is installed, built, started and polled: what ``init`` writes.

    ``kind`` is python, node, docker, custom or none; ``framework`` a word
    for people (flask, django, express, vite...). ``setup`` installs
    (``npm ci``, a project venv), ``build`` compiles and migrates,
    ``command`` only starts the app (``{port}`` replaced; empty when nothing
    runnable was found, and then written commented out). ``port`` is None
    for "auto" or the port the app always listens on; ``cwd`` is relative to
    the repository. ``requirements``/``pyproject`` are what the dependency
    audit reads; ``audit`` False turns the audit check off (nothing
    auditable). ``has_root`` is False for an API without a "/" route (no
    page to audit, no "/" to load). ``looked_for`` lists the files searched when nothing ran.
    ``fallback`` is "static" or "dev" when the command is a stand-in (a
    static preview of the build, a dev server) because no real server was
    found. ``generated`` lists folders (relative to the repository) that
    ``build`` writes (collectstatic's STATIC_ROOT, a client's build output):
    the security checks leave them out.
    """

    kind: str
    framework: str
    command: str = ""
    setup: str = ""
    build: str = ""
    setup_inputs: list[str] = field(default_factory=list)
    port: int | None = None
    cwd: str = "."
    env: dict[str, str] = field(default_factory=dict)
    ready_path: str = "/"
    # Statuses besides 2xx/3xx that mean ready ([serve] ready_status): 401/403 for a route behind a login
    ready_status: list[int] = field(default_factory=list)
    # GET routes of the app's code worth a load test besides "/" and the ready path: (path, file:line)
    load_routes: list[tuple[str, str]] = field(default_factory=list)
    # Pages a framework routes by file besides "/" (project/pages.py): (path, file, behind a login), and
    # how many of those not behind one [[frontend.pages]] lists (the rest are written commented out)
    pages: list[tuple[str, str, bool]] = field(default_factory=list)
    # Those of them that are a visitor's form (a sign-up whose action reads a password): written with
    # `login = false`, since a logged-in browser is sent away from them ([frontend.login])
    visitor_pages: list[str] = field(default_factory=list)
    has_root: bool = True
    # The app's home page, "/" unless the framework mounts the whole app under a prefix (Next.js's
    # basePath): the first [[frontend.pages]], the first [[load.endpoints]] and the headers' page
    home_path: str = "/"
    # Where the running app serves its OpenAPI document ([api] openapi), "" when the code does not say
    openapi: str = ""
    # Where the running app answers GraphQL ([api] graphql), "" when the code does not say
    graphql: str = ""
    # The login mutation of its schema, as the code writes it in SDL ([api.login]), None when none is read
    graphql_login: GraphQLLogin | None = None
    phases: list[str] = field(default_factory=lambda: list(DEFAULT_PHASES))
    bundle_globs: list[str] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)
    pyproject: str = ""
    # Lockfiles [security.audit] lists: the Python ones, and the JavaScript ones when the audit would not
    # find them itself (see app.audit_entries).
    lockfiles: list[str] = field(default_factory=list)
    # JavaScript lockfiles that setup installs from (their own folder's or a workspace root's).
    js_lockfiles: list[str] = field(default_factory=list)
    audit: bool = True
    evidence: list[str] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    checks: dict[str, list[str]] = field(default_factory=dict)
    looked_for: list[str] = field(default_factory=list)
    fallback: str = ""
    generated: list[str] = field(default_factory=list)
    # Variables the app reads that its production environment must set, each with why (where init saw it):
    # those it cannot start without, Django's ALLOWED_HOSTS variable. `init --deploy` lists them in
    # .env.production.example (never in the image): their values here, if any, are this machine's.
    needed_env: dict[str, str] = field(default_factory=dict)
    # [load.realtime] when the app has a WebSocket/Socket.IO dependency (project/realtime.py): protocol, path.
    realtime: dict[str, str] = field(default_factory=dict)
    # The Redis client the app depends on and where (``redis in server/package.json``): [load] gets a
    # commented redis_url, which measures the cache's hit ratio once someone points it at that Redis.
    redis: str = ""
    # Django's or django-allauth's LoginView in the URLconf, which logs in by session behind a CSRF check:
    # {"login": its path, "protected": a GET route behind login_required ("" when none is read), "source":
    # the urls file, "user_field": the form's field for the account ("username"; allauth's "login")}
    django_login: dict[str, str] = field(default_factory=dict)

    @property
    def serve_command(self) -> str:
        """The start command (the name ``init`` used before setup and build were separate)."""
        return self.command

    @property
    def runnable(self) -> bool:
        """Whether a start command was found."""
        return bool(self.command)

    def decide(self, key: str, value: str, source: str) -> None:
        """Record a decision (printed by ``init``), and *source* as evidence when it names a file."""
        self.decisions.append(Decision(key, value, source))
        # "chat/consumers.py:24:" names the file chat/consumers.py
        name = re.sub(r":\d+$", "", source.split(" ", 1)[0].rstrip(":,"))
        if ("." in name.strip(".") or name in ("Procfile", "Dockerfile")) and name not in self.evidence:
            self.evidence.append(name)

    def redecide(self, key: str, value: str, source: str) -> None:
        """Record a decision of *key* in place of the earlier ones and their checks (a guess a later
        reading made moot: the ready URL "/" that may answer 404, once a health route is found)."""
        self.decisions = [d for d in self.decisions if d.key != key]
        self.checks.pop(key, None)
        self.decide(key, value, source)

    def settle_phases(self) -> None:
        """Say [run] phases as they end up, when a step after the last "phases" decision added to them
        (bundle for the build's output, api for an OpenAPI document, deploy): the last "phases" line init
        prints is what it writes."""
        said = [d for d in self.decisions if d.key == "phases"]
        final = ", ".join(self.phases)
        if said and said[-1].value != final:
            before = said[-1].value.split(", ")
            added = [p for p in self.phases if p not in before]
            self.decide("phases", final, f"with {' and '.join(added)}, from the lines above" if added else
                        "as the lines above leave them")

    def check(self, key: str, message: str) -> None:
        """A guess no file confirmed: a ``# check:`` note above *key* (one of :data:`CHECK_KEYS`)."""
        notes = self.checks.setdefault(key if key in CHECK_KEYS else "project", [])
        if message not in notes:
            notes.append(message)

    def notes(self, key: str) -> list[str]:
        """The ``# check:`` notes of *key*."""
        return self.checks.get(key, [])

    def all_checks(self) -> list[str]:
        """Every note, in the order of :data:`CHECK_KEYS`."""
        return [note for key in CHECK_KEYS for note in self.checks.get(key, [])]
