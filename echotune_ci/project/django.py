"""What a Django project's settings say about running it outside development, read for ``init``.

:func:`read_django` finds the settings module (from manage.py), the WSGI and
ASGI modules, and the environment variables the settings read for DEBUG,
ALLOWED_HOSTS and SECRET_KEY, so ``init`` can turn DEBUG off and allow
127.0.0.1 through the project's own variables, or say with ``# check:`` that
the settings read none.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from .envdefaults import read_without_default
from .files import python_module, read_text

_SETTINGS = re.compile(r"""DJANGO_SETTINGS_MODULE["']\s*,\s*["']([\w.]+)["']""")
# os.environ.get("X"...), os.getenv("X"...), os.environ["X"], env("X"), env.bool("X"), env.list("X"),
# config("X") (python-decouple), values.Value(environ_name="X") is rare and not read.
_ENV_READ = re.compile(
    r"""(?:os\.environ\.get|os\.getenv|environ\.get|getenv|env(?:\.\w+)?|config|os\.environ\[)\s*\(?\s*["'](\w+)["']"""
)
_ASSIGN = r"^{name}\s*(?::[^=]+)?=\s*(.+)$"
# What a Django manage.py does: name its settings module, or import Django's management commands. Other
# frameworks keep the file name "for convenience" (litestar-fullstack's manage.py runs Litestar's CLI;
# Flask-Script's `from flask_script import Manager`), and that is no Django project.
_DJANGO_MANAGE = re.compile(
    r"DJANGO_SETTINGS_MODULE|^\s*(?:from|import)\s+django\b|execute_from_command_line", re.M)
# A variable's text taken as it is (``DEBUG = os.environ.get("DJANGO_DEBUG")``, or under ``bool()``): any
# text but the empty one is true, "False" too
_RAW_READ = re.compile(r"""(?:bool\(\s*)?(?:(?:os\.environ\.get|os\.getenv|environ\.get|getenv)"""
                       r"""\(\s*["']\w+["']\s*(?:,\s*[^()]*)?\)|os\.environ\[\s*["']\w+["']\s*\])(?:\s*\))?""")


@dataclass
class DjangoFacts:
    """The settings' facts: modules, and per setting the variable read (empty when none) and the value."""

    settings_module: str = ""
    settings_file: str = ""
    wsgi: str = ""
    asgi: str = ""
    debug_var: str = ""
    debug_literal: str = ""
    debug_off: str = "False"
    hosts_var: str = ""
    hosts_value: str = ""
    hosts_literal: str = ""
    # Where hosts_var is read only under a condition: (the condition as written, "line N", whether setting
    # hosts_var makes it hold: `if "WEBSITE_HOSTNAME" in os.environ:`), else ("", "", True)
    hosts_condition: tuple[str, str, bool] = ("", "", True)
    # Every other assignment of ALLOWED_HOSTS under a condition: [(value, "line N", condition)]
    hosts_branches: list[tuple[str, str, str]] = field(default_factory=list)
    secret_var: str = ""
    secret_required: bool = False
    # SECURE_SSL_REDIRECT read from a variable (``os.environ.get("SECURE_SSL_REDIRECT", "True").lower() ==
    # "true"``) and the value that turns it off
    ssl_var: str = ""
    ssl_off: str = "False"
    static_root: bool = False
    static_root_dir: str = ""
    # STATIC_ROOT as an absolute path of its own ('/app/static/', a container's): outside the checkout
    static_root_outside: str = ""
    # STATIC_URL as written where it is another host's (f"https://{aws_s3_domain}/static/": a bucket's),
    # "" where the app's own
    static_url_remote: str = ""
    # INTERNAL_IPS as written where it lets 127.0.0.1 in and the settings add django-debug-toolbar's
    # middleware: with DEBUG on, the toolbar is put into every page the run asks for
    debug_toolbar: str = ""
    # The variable whose `if` adds that middleware (``if os.environ.get("ENABLE_TOOLBAR"):``): the toolbar is
    # there only where the run sets it; "" where it is added whatever the environment says
    debug_toolbar_var: str = ""
    # django-vite's dev mode as written where it is on for the measured app ("True", or "DEBUG" with DEBUG
    # a literal True), with the dev server's origin: its pages then name the dev server's URLs for every
    # script and stylesheet, not the build's manifest
    vite_dev_mode: str = ""
    vite_dev_server: str = ""
    database_var: str = ""
    # django-compressor's COMPRESS_OFFLINE as written where it is on with DEBUG off ("True", "not DEBUG")
    compress_offline: str = ""
    # django-compressor's COMPRESS_ENABLED as written ("" where unset: its default is not DEBUG)
    compress_enabled: str = ""
    # django-tailwind's TAILWIND_APP_NAME as written ("theme"; "" when unset) and its
    # TAILWIND_USE_STANDALONE_BINARY ("True" for its standalone CLI, which needs no npm)
    tailwind_app: str = ""
    tailwind_standalone: str = ""
    # ROOT_URLCONF as written ("config.urls"; "" when no settings file names one as a literal) and the file
    root_urlconf: str = ""
    root_urlconf_file: str = ""
    # REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"] as written ("" when unset: DRF's AllowAny)
    drf_permissions: str = ""
    # AUTH_USER_MODEL as written ("users.CustomUser"), "" for Django's own User; SIMPLE_JWT's first
    # AUTH_HEADER_TYPES ("" for its default, "Bearer")
    auth_user_model: str = ""
    jwt_header_type: str = ""
    # WHITENOISE_ROOT set: WhiteNoise may answer "/" with an index.html the URLconf does not route
    whitenoise_root: bool = False
    # The settings file that sets django-allauth's ACCOUNT_EMAIL_VERIFICATION = "mandatory" ("" when none
    # does): allauth logs in no account whose email address is not verified
    allauth_mandatory: str = ""
    # Settings given a value only under a condition of the file (`if ENVIRONMENT == 'production':`):
    # {setting: (value, "line N", the condition as written)}
    conditional: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # Where the settings module was named, when not in manage.py ("[serve] env")
    settings_source: str = ""
    # The file each setting was read from ({"DEBUG": "site/settings/base.py"}) where the settings module
    # takes it from a module it star-imports; else the settings file
    files: dict[str, str] = field(default_factory=dict)

    def where(self, setting: str) -> str:
        """The settings file *setting* was read from."""
        return self.files.get(setting) or self.settings_file or "settings.py"


def is_django(folder: Path, django_dependency: bool) -> bool:
    """Whether *folder*'s manage.py is Django's: Django is in the dependencies (*django_dependency*), or
    the file names a settings module or imports Django (a project with no manifest). False without a
    manage.py."""
    if not (folder / "manage.py").is_file():
        return False
    return django_dependency or bool(_DJANGO_MANAGE.search(read_text(folder / "manage.py")))


def read_django(folder: Path, module: str = "", source: str = "") -> DjangoFacts | None:
    """The facts of the Django project whose manage.py is in *folder*; None without manage.py.

    *module* is the settings module the app runs with where something other than manage.py names it
    (``DJANGO_SETTINGS_MODULE`` from a Dockerfile's ENV, for [serve] env; *source* says where): its
    settings are the ones read, not manage.py's default (a ``settings.dev`` with DEBUG on and no HTTPS
    redirect, where the app runs ``settings.production``)."""
    manage = read_text(folder / "manage.py")
    if not manage and not (folder / "manage.py").is_file():
        return None
    facts = DjangoFacts()
    m = _SETTINGS.search(manage)
    if m:
        facts.settings_module = m.group(1)
    if module and _settings_file(folder, module) is not None:
        facts.settings_module, facts.settings_source = module, source
    settings = _settings_file(folder, facts.settings_module)
    if settings is not None:
        facts.settings_file = settings.relative_to(folder).as_posix()
        _read_settings_chain(folder, settings, facts)
        _read_urlconf_settings(folder, settings, facts)
    package = facts.settings_module.split(".")[0] if facts.settings_module else ""
    for kind in ("wsgi", "asgi"):
        if package and (folder / package / f"{kind}.py").is_file():
            setattr(facts, kind, f"{package}.{kind}")
    return facts


def server_settings(folder: Path, module: str) -> str:
    """The settings module the server module *module* (``config.wsgi``) gives itself with
    ``os.environ.setdefault("DJANGO_SETTINGS_MODULE", ...)`` when the variable is unset: "" when it names
    none, or there is no such file. cookiecutter-django's wsgi.py names ``config.settings.production``
    where its manage.py names ``config.settings.local``."""
    m = _SETTINGS.search(read_text(folder / (module.replace(".", "/") + ".py")))
    return m.group(1) if m else ""


def unused_settings(folder: Path, facts: DjangoFacts) -> set[Path]:
    """The modules of a settings package (a folder named settings: ``config/settings/{base,local,
    production,test}.py``) that the settings module of *facts* does not load, neither itself nor through
    its star imports: their reads of the environment are not the served app's. Empty for a single settings
    file."""
    if not facts.settings_file:
        return set()
    settings = folder / facts.settings_file
    if settings.parent.name != "settings" or not (settings.parent / "__init__.py").is_file():
        return set()
    loaded = {settings, *_star_imports(folder, settings), settings.parent / "__init__.py"}
    return {p for p in settings.parent.glob("*.py") if p not in loaded}


def loaded_settings(folder: Path, facts: DjangoFacts) -> set[Path]:
    """The settings module of *facts* and the modules it star-imports: what the served app loads."""
    if not facts.settings_file:
        return set()
    settings = folder / facts.settings_file
    return {settings, *_star_imports(folder, settings)}


def _settings_file(folder: Path, module: str) -> Path | None:
    if module:
        path = folder / (module.replace(".", "/") + ".py")
        if path.is_file():
            return path
        package = folder / module.replace(".", "/")
        for name in ("production.py", "prod.py", "base.py", "__init__.py"):
            if (package / name).is_file():
                return package / name
    found = sorted(folder.glob("*/settings.py"))
    return found[0] if found else None


def _statement(text: str, name: str) -> str:
    """The right-hand side of ``NAME = ...`` (with continuation lines of brackets), or ""."""
    m = re.search(_ASSIGN.format(name=name), text, re.M)
    return _value(text, m) if m else ""


def _value(text: str, m: re.Match[str]) -> str:
    """The right-hand side an assignment match's last group starts, with the continuation lines of its
    brackets."""
    value = m.group(m.lastindex or 1)
    depth = value.count("(") + value.count("[") - value.count(")") - value.count("]")
    rest = text[m.end() :].splitlines()
    i = 1
    while depth > 0 and i < len(rest):
        value += " " + rest[i].strip()
        depth += rest[i].count("(") + rest[i].count("[") - rest[i].count(")") - rest[i].count("]")
        i += 1
    return value


_OPENER = re.compile(r"^(?:if|elif|else)\b")


def _blocks(lines: list[str], number: int) -> list[str]:
    """The openers of the blocks line *number* (0-based) is in, innermost first, each the nearest line
    above with less indentation than the one inside it."""
    found: list[str] = []
    indent = len(lines[number]) - len(lines[number].lstrip())
    for line in reversed(lines[:number]):
        stripped = line.strip()
        if indent == 0:
            break
        if stripped and not stripped.startswith("#") and len(line) - len(line.lstrip()) < indent:
            found.append(stripped)
            indent = len(line) - len(line.lstrip())
    return found


def _condition(lines: list[str], number: int) -> str | None:
    """The condition line *number* (0-based) runs under, as written (``if DEBUG``, ``else``): "" at module
    level or in a block of another kind (``try:``, ``with``), None inside a function or class (not a
    setting of the module)."""
    openers = _blocks(lines, number)
    if any(o.startswith(("def ", "async def ", "class ")) for o in openers):
        return None
    opener = next((o for o in openers if _OPENER.match(o)), "")
    return opener.rstrip(":").strip()


def _walrus_bindings(text: str) -> list[tuple[int, int, str, str]]:
    """[(first line, last line, name, expression as written)] for each name an ``if``/``elif`` of the
    module binds with ``:=`` (``if v := os.getenv("ALLOWED_HOSTS"):``, as healthchecks writes it, or
    ``elif (v := os.getenv("X")) is not None:``), the lines (1-based) being those of the statement after
    its condition; innermost ``if`` first, and a name bound to another binding (``v := (w := ...)``) stands
    for the innermost value. Read from the module's syntax tree: a pattern had taken ``os.getenv("X"`` from
    the first form, and a condition read from its one line lost a trailing ``# comment`` or a condition
    over several lines. [] for a module that does not parse, which Django could not import either."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.If):
            continue
        for named in ast.walk(node.test):
            if isinstance(named, ast.NamedExpr) and isinstance(named.target, ast.Name):
                value = named.value
                while isinstance(value, ast.NamedExpr):
                    value = value.value
                found.append((node.test.end_lineno or node.lineno, node.end_lineno or node.lineno,
                              named.target.id, ast.get_source_segment(text, value) or ""))
    return sorted(found, key=lambda binding: -binding[0])


def _assignments(text: str, name: str) -> list[tuple[str, int, str]]:
    """Every ``NAME = ...`` of the module, at module level or under a condition (not in a function or a
    class): [(right-hand side, line number, the condition as :func:`_condition` gives it)]. A name the
    condition binds (``if v := os.getenv("X"):`` over ``NAME = v.split(",")``) stands for what it binds."""
    lines = text.splitlines()
    found = []
    bindings = _walrus_bindings(text) if ":=" in text else []
    for m in re.finditer(r"^([ \t]*)" + _ASSIGN.format(name=name)[1:], text, re.M):
        number = text.count("\n", 0, m.start())
        condition = _condition(lines, number) if m.group(1) else ""
        if condition is not None:
            value = _value(text, m)
            for name_, read in (b[2:] for b in bindings if b[0] < number + 1 <= b[1]):
                if _ENV_READ.search(read):
                    value = re.sub(rf"\b{re.escape(name_)}\b", read.replace("\\", "\\\\"), value)
            found.append((value, number + 1, condition))
    return found


# A function of the settings module that reads the variable its first parameter names: healthchecks'
# ``def envbool(s, default): v = os.getenv(s, default=default) ...``, used as ``DEBUG = envbool("DEBUG",
# "True")``
_HELPER = re.compile(r"^def\s+(\w+)\s*\(\s*(\w+)[^)]*\)[^:]*:\s*\n((?:[ \t]+.*\n|[ \t]*\n)*)", re.M)


def _with_env_helpers(text: str) -> str:
    """*text* with each call of a settings module's own environment helper (:data:`_HELPER`) written as a
    read the readers know: ``os.getenv("SECRET_KEY", "---")`` for one that returns what it read
    (healthchecks' ``envsecret``: its default is a default), else ``env.envbool("DEBUG", "True")``, a
    converted read whose off value is "False", or "0" as ``int(env.envint(...))`` where it converts with
    ``int()`` (see :func:`_off_value`)."""
    for m in _HELPER.finditer(text):
        helper, parameter, body = m.groups()
        reads = rf"(?:os\.environ\.get|os\.getenv|environ\.get|getenv)\(\s*{re.escape(parameter)}\b"
        if not re.search(reads + rf"|environ\[\s*{re.escape(parameter)}\s*\]", body):
            continue
        last = next((line.strip() for line in reversed(body.splitlines()) if line.strip()), "")
        raw = re.match(rf"return\s+{reads}", last) is not None
        form = f"env.{helper}({{}})"
        if raw:
            form = "os.getenv({})"
        elif "int(" in body:
            form = f"int(env.{helper}({{}}))"
        call = re.compile(rf"(?<![\w.]){re.escape(helper)}\((\s*[\"'][^)\n]*)\)")
        text = call.sub(form.format(r"\1"), text)
    return text


_CONDITIONAL = re.compile(r"^([ \t]+)(DEBUG|SECURE_SSL_REDIRECT)\s*=\s*(True|False)\b", re.M)


def _conditions(text: str) -> dict[str, tuple[str, str, str]]:
    """DEBUG and SECURE_SSL_REDIRECT set inside an ``if`` block: {setting: (value, "line N", condition)}."""
    found: dict[str, tuple[str, str, str]] = {}
    lines = text.splitlines()
    for m in _CONDITIONAL.finditer(text):
        number = text.count("\n", 0, m.start())
        # The nearest line above with less indentation opens the block the assignment is in.
        opener = next((line.strip() for line in reversed(lines[:number])
                       if line.strip() and len(line) - len(line.lstrip()) < len(m.group(1))), "")
        if opener.startswith(("if ", "elif ")) and opener.endswith(":"):
            found.setdefault(m.group(2), (m.group(3), f"line {number + 1}", opener.rstrip(":")))
    return found


# An `if` on a variable read without a default: ``if os.environ.get("ENABLE_TOOLBAR"):``,
# ``if os.getenv("X"):``, ``if "X" in os.environ:``
_SWITCH = re.compile(r"""(?:el)?if\s+(?:bool\(\s*)?(?:(?:os\.environ\.get|os\.getenv|environ\.get|getenv)"""
                     r"""\(\s*["'](\w+)["']\s*\)\)?|["'](\w+)["']\s+in\s+os\.environ)\s*:""")


def _toolbar_switch(text: str) -> str:
    """The variable an ``if`` around the settings' first line naming DebugToolbarMiddleware reads
    (djangonaut-space: ``if os.environ.get("ENABLE_TOOLBAR"): MIDDLEWARE += [...]``, off unless set), or ""
    where no such ``if`` encloses it (the middleware at the top, in the MIDDLEWARE list, or under ``if
    DEBUG:``)."""
    lines = text.splitlines()
    number = next((i for i, line in enumerate(lines)
                   if "DebugToolbarMiddleware" in line and not line.lstrip().startswith("#")), None)
    if number is None:
        return ""
    indent = len(lines[number]) - len(lines[number].lstrip())
    # each enclosing line (less indented, above), outwards: a list the line is in, then the blocks
    for line in reversed(lines[:number]):
        depth = len(line) - len(line.lstrip())
        if not line.strip() or depth >= indent:
            continue
        indent = depth
        m = _SWITCH.fullmatch(line.strip())
        if m:
            return m.group(1) or m.group(2)
        if depth == 0:
            break
    return ""


# What each setting the facts keep is read into: the fields one file's read fills together.
_FIELDS = {
    "DEBUG": ("debug_var", "debug_literal", "debug_off"),
    "ALLOWED_HOSTS": ("hosts_var", "hosts_value", "hosts_literal", "hosts_condition", "hosts_branches"),
    "SECRET_KEY": ("secret_var", "secret_required"),
    "SECURE_SSL_REDIRECT": ("ssl_var", "ssl_off"),
    "STATIC_ROOT": ("static_root", "static_root_dir", "static_root_outside"),
    "STATIC_URL": ("static_url_remote",),
    "INTERNAL_IPS": ("debug_toolbar", "debug_toolbar_var"),
    "DJANGO_VITE": ("vite_dev_mode", "vite_dev_server"),
    "DATABASES": ("database_var",),
    "COMPRESS_OFFLINE": ("compress_offline",),
    "COMPRESS_ENABLED": ("compress_enabled",),
    "TAILWIND_APP_NAME": ("tailwind_app",),
    "TAILWIND_USE_STANDALONE_BINARY": ("tailwind_standalone",),
}


def _star_imports(folder: Path, settings: Path) -> list[Path]:
    """The settings modules *settings* takes every name of (``from .base import *``), each before the
    ones it imports in turn: at most 10."""
    found: list[Path] = []
    todo = [settings]
    while todo and len(found) < 10:
        current = todo.pop(0)
        for m in _STAR_IMPORT.finditer(read_text(current)):
            dots, name = m.group(1), m.group(2)
            base = folder
            if dots:
                base = current.parent
                for _ in range(len(dots) - 1):
                    base = base.parent
            target = base / (name.replace(".", "/") + ".py") if name else base / "__init__.py"
            if not target.is_file() and (base / name.replace(".", "/") / "__init__.py").is_file():
                target = base / name.replace(".", "/") / "__init__.py"
            if target.is_file() and target != settings and target not in found:
                found.append(target)
                todo.append(target)
    return found


def _read_settings_chain(folder: Path, settings: Path, facts: DjangoFacts) -> None:
    """The settings of *settings* and of the modules it star-imports (``from .base import *``): each
    setting from the first of them that sets it (the module's own assignment wins over what it imports),
    with the file it came from in ``facts.files``."""
    _read_settings(read_text(settings), facts)
    done = _settings_set(facts)
    for path in _star_imports(folder, settings):
        other = DjangoFacts()
        _read_settings(read_text(path), other)
        for setting in _settings_set(other) - done:
            for name in _FIELDS[setting]:
                setattr(facts, name, getattr(other, name))
            if setting in other.conditional:
                facts.conditional[setting] = other.conditional[setting]
            facts.files[setting] = path.relative_to(folder).as_posix()
            done.add(setting)


def _settings_set(facts: DjangoFacts) -> set[str]:
    """The settings of :data:`_FIELDS` one file's read found (a value, a variable, a conditional one)."""
    blank = DjangoFacts()
    found = {s for s, names in _FIELDS.items() if any(getattr(facts, n) != getattr(blank, n) for n in names)}
    return found | (set(facts.conditional) & set(_FIELDS))


# A setting that is on unless its variable is one text: ``os.getenv("DJANGO_DEBUG") != "FALSE"``, ``... not in
# ("0", "false")``
_UNLESS = re.compile(r"""(?:!=|\bnot\s+in\s*[(\[{])\s*(?:r|u)?["']([^"']*)["']""")


def _off_value(statement: str) -> str:
    """The text that turns off a setting *statement* reads from a variable: the text it is compared
    against with ``!=`` or ``not in`` (DjangoGirls' ``DEBUG = os.getenv("DJANGO_DEBUG") != "FALSE"``, where
    the "False" init wrote left DEBUG on, and collectstatic looked for the development build's folder),
    "0" through ``int()``, "false" through ``json.loads()`` (``DEBUG = json.loads(os.getenv("DEBUG",
    "false"))``, where "False" is no JSON and the build stopped on "JSONDecodeError: Expecting value"),
    else "False"."""
    unless = _UNLESS.search(statement.split("#", 1)[0])
    if unless:
        return unless.group(1)
    if "int(" in statement:
        return "0"
    return "false" if re.search(r"\bloads\s*\(", statement) else "False"


def _read_settings(text: str, facts: DjangoFacts) -> None:
    text = _with_env_helpers(text)
    facts.conditional = _conditions(text)
    ssl = _statement(text, "SECURE_SSL_REDIRECT").split("#", 1)[0].strip()
    if ssl == "True":
        facts.conditional.setdefault("SECURE_SSL_REDIRECT", ("True", "", ""))
    m = _ENV_READ.search(ssl)
    if m:
        # on by default in many production settings (SECURE_SSL_REDIRECT = os.environ.get(
        # "SECURE_SSL_REDIRECT", "True").lower() == "true"): `run` serves plain HTTP
        facts.ssl_var = m.group(1)
        facts.ssl_off = _off_value(ssl)
    debug = _statement(text, "DEBUG")
    m = _ENV_READ.search(debug)
    if m:
        facts.debug_var = m.group(1)
        facts.debug_off = "" if _RAW_READ.fullmatch(debug.split("#", 1)[0].strip()) else _off_value(debug)
    else:
        facts.debug_literal = debug.split("#", 1)[0].strip()
    _read_hosts(text, facts)
    secret = _statement(text, "SECRET_KEY")
    m = _ENV_READ.search(secret)
    if m:
        facts.secret_var = m.group(1)
        facts.secret_required = read_without_default(f"SECRET_KEY = {secret}")
    # At the top, else in a branch (``if USE_S3: ... else: STATIC_ROOT = BASE_DIR / "static"``: a settings
    # file that serves a bucket's files in production and its own otherwise, where init said nothing about
    # /static/, which gunicorn does not serve, and left collectstatic out).
    root = (re.search(r"^STATIC_ROOT\s*(?::[^=]+)?=\s*((?!None)\S.*)$", text, re.M)
            or re.search(r"^[ \t]+STATIC_ROOT\s*(?::[^=]+)?=\s*((?!None)\S.*)$", text, re.M))
    facts.static_root = root is not None
    if root is not None:
        # BASE_DIR / "staticfiles", os.path.join(BASE_DIR, "static", "root"): the quoted parts, joined.
        statement = _value(text, root).split("#", 1)[0]
        parts = re.findall(r"""["']([^"']+)["']""", statement)
        folder = "/".join(p.strip("/") for p in parts if p.strip("/."))
        facts.static_root_dir = folder or "staticfiles"
        based = re.search(r"BASE_DIR|__file__|\benv\b|environ", statement)
        if parts and parts[0].startswith("/") and not based:
            # SmartDjangoRest's '/app/static/': collectstatic wrote /app/static on the runner itself
            facts.static_root_outside = "/" + folder
    static_url = _statement(text, "STATIC_URL").split("#", 1)[0].strip()
    if _ELSEWHERE.match(static_url):
        facts.static_url_remote = static_url
    ips = _statement(text, "INTERNAL_IPS").split("#", 1)[0].strip()
    if "127.0.0.1" in ips and "DebugToolbarMiddleware" in text:
        facts.debug_toolbar = ips
        facts.debug_toolbar_var = _toolbar_switch(text)
    _read_vite(text, facts)
    offline = _statement(text, "COMPRESS_OFFLINE").split("#", 1)[0].strip()
    if offline in ("True", "not DEBUG"):
        facts.compress_offline = offline
    facts.compress_enabled = _statement(text, "COMPRESS_ENABLED").split("#", 1)[0].strip()
    tailwind_app = _statement(text, "TAILWIND_APP_NAME").split("#", 1)[0].strip()
    tailwind = re.fullmatch(r"""["']([\w.]+)["']""", tailwind_app)
    facts.tailwind_app = tailwind.group(1) if tailwind else ""
    facts.tailwind_standalone = _statement(text, "TAILWIND_USE_STANDALONE_BINARY").split("#", 1)[0].strip()
    database = re.search(r"(?:dj_database_url\.(?:config|parse)|env\.db)\(([^)]*)\)", text)
    if database:
        named = re.search(r"""["'](\w+_URL)["']""", database.group(1))
        facts.database_var = named.group(1) if named else "DATABASE_URL"


# django-vite's settings: DJANGO_VITE = {"default": {"dev_mode": True, "dev_server_port": 5173}} (3.x), or
# the module-level DJANGO_VITE_DEV_MODE = True, DJANGO_VITE_DEV_SERVER_PORT of 2.x
_VITE_DEV = re.compile(r"""^DJANGO_VITE_DEV_MODE\s*=\s*([^#\n]+)|["']dev_mode["']\s*:\s*([^,}#\n]+)""", re.M)
_VITE_PORT = re.compile(
    r"""^DJANGO_VITE_DEV_SERVER_PORT\s*=\s*(\d+)|["']dev_server_port["']\s*:\s*(\d+)""", re.M)
_VITE_HOST = re.compile(
    r"""^DJANGO_VITE_DEV_SERVER_HOST\s*=\s*["']([^"']+)|["']dev_server_host["']\s*:\s*["']([^"']+)""", re.M)


def _read_vite(text: str, facts: DjangoFacts) -> None:
    """django-vite's dev mode where it is on whatever the run's environment says: a literal True, or
    DEBUG where DEBUG is a literal True (a variable read is left alone: nothing tells which value turns it
    off). Its pages then load every asset from the dev server, which nothing starts in a run."""
    m = _VITE_DEV.search(text)
    if m is None:
        return
    value = (m.group(1) or m.group(2)).strip()
    if value == "True" or (value == "DEBUG" and facts.debug_literal == "True"):
        facts.vite_dev_mode = value
        port = _VITE_PORT.search(text)
        host = _VITE_HOST.search(text)
        # django-vite's defaults: http://localhost:5173
        facts.vite_dev_server = (f"http://{host and (host.group(1) or host.group(2)) or 'localhost'}:"
                                 f"{port and (port.group(1) or port.group(2)) or '5173'}")


def _read_hosts(text: str, facts: DjangoFacts) -> None:
    """ALLOWED_HOSTS: the variable it is read from, at module level or else under a condition (Azure's
    ``if "WEBSITE_HOSTNAME" in os.environ: ALLOWED_HOSTS = [os.environ["WEBSITE_HOSTNAME"]]``; init
    printed "ALLOWED_HOSTS = ?" there), or the module-level literal."""
    hosts = _assignments(text, "ALLOWED_HOSTS")
    reads = sorted((h for h in hosts if _ENV_READ.search(h[0])), key=lambda h: h[2] != "")
    top = [h for h in hosts if not h[2]]
    if reads:
        value, line, condition = reads[0]
        facts.hosts_var = next(m.group(1) for m in [_ENV_READ.search(value)] if m)
        facts.hosts_value = _hosts_value(value)
        if condition:
            facts.hosts_condition = (condition, f"line {line}", _holds_when_set(condition, facts.hosts_var))
    elif top:
        facts.hosts_literal = top[0][0].split("#", 1)[0].strip()
    facts.hosts_branches = [(v.split("#", 1)[0].strip(), f"line {n}", c) for v, n, c in hosts
                            if c and not _ENV_READ.search(v)]


# str.split's separator as written: .split(";"), .split(sep=", "), .split() (a plain literal, no escapes)
_SPLIT = re.compile(r"""\.split\(\s*(?:\)|(?:sep\s*=\s*)?(["'])([^"'\\\n]+)\1)""")


def _hosts_value(statement: str) -> str:
    """What the variable ALLOWED_HOSTS is read from is set to: one host where the value is one item of a
    list (``[os.environ["WEBSITE_HOSTNAME"]]``: "127.0.0.1,localhost" there is one host, which Django
    refuses), else 127.0.0.1 and localhost joined by the separator the code splits on (``,`` where it
    names none)."""
    if statement.lstrip().startswith("[") and not re.search(r"split\(|\.list\(|cast\s*=|Csv\(", statement):
        return "127.0.0.1"
    return _separator(statement).join(("127.0.0.1", "localhost"))


# re.split's pattern as a string literal (r"\s+", ",\\s*"), its first argument or pattern=
_RE_SPLIT = re.compile(r"""\bre\.split\(\s*(?:pattern\s*=\s*)?([rR]?(["'])(?:[^"'\\\n]|\\.)*\2)""")


def _separator(statement: str) -> str:
    r"""The separator the code of *statement* splits ALLOWED_HOSTS on (realworld-django-ninja's ";":
    "127.0.0.1,localhost" was one host, every request 400). str.split's as written (.split() on blanks),
    shlex.split's blank, and for re.split the first of ",", " ", ";" its pattern parts two hosts on
    (``re.split(r'\s+', ...)`` in public settings); "," for the rest (django-environ's list(), decouple's
    Csv()) and a pattern that cannot be read."""
    pattern = _RE_SPLIT.search(statement)
    if pattern is not None:
        try:
            compiled = re.compile(ast.literal_eval(pattern.group(1)))
        except (ValueError, SyntaxError, TypeError, re.error):
            return ","
        hosts = ["127.0.0.1", "localhost"]
        return next((sep for sep in (",", " ", ";") if compiled.split(sep.join(hosts)) == hosts), ",")
    if re.search(r"\bshlex\.split\(", statement):
        return " "
    split = _SPLIT.search(statement)
    return "," if split is None else split.group(2) if split.group(1) else " "


def _holds_when_set(condition: str, variable: str) -> bool:
    """Whether *condition* holds once *variable* is set to a host: it tests that variable is there
    (``"X" in os.environ``, ``os.environ.get("X")``, ``env.get_value("X", default=None)``) and nothing
    else."""
    if not condition.startswith(("if ", "elif ")):
        return False
    test = condition.split(" ", 1)[1]
    if re.search(r"\bnot\b|==|!=|\band\b|\bor\b", test):
        return False
    present = re.fullmatch(rf"""\(?\s*["']{re.escape(variable)}["']\s+in\s+(?:os\.)?environ\s*\)?""", test)
    return bool(present) or _ENV_READ.findall(test) == [variable]


_STAR_IMPORT = re.compile(r"^from\s+(\.*)([\w.]*)\s+import\s+\*", re.M)
# A URL of another host, as a string or an f-string: "https://cdn.example.com/static/", f"//{domain}/static/"
_ELSEWHERE = re.compile(r"""^[fFrR]{0,2}["'](?:https?:)?//""")
_ROOT_URLCONF = re.compile(r"""^ROOT_URLCONF\s*(?::[^=]+)?=\s*["']([\w.]+)["']""", re.M)
_ALLAUTH_MANDATORY = re.compile(r"""^ACCOUNT_EMAIL_VERIFICATION\s*=\s*["']mandatory["']""", re.M)
_DRF_PERMISSIONS = re.compile(r"""["']DEFAULT_PERMISSION_CLASSES["']\s*:\s*([(\[][^)\]]*[)\]])""")


def _settings_files(folder: Path, settings: Path) -> list[Path]:
    """*settings*, the modules it star-imports (``from .base import *``; a split settings package keeps
    ROOT_URLCONF in its base), then the other modules beside it: at most 20 files."""
    found = [settings]
    for m in _STAR_IMPORT.finditer(read_text(settings)):
        dots, name = m.group(1), m.group(2)
        if dots:
            base = settings.parent
            for _ in range(len(dots) - 1):
                base = base.parent
        else:
            base = folder
        target = base / (name.replace(".", "/") + ".py") if name else base / "__init__.py"
        if target.is_file() and target not in found:
            found.append(target)
    found += [p for p in sorted(settings.parent.glob("*.py")) if p not in found]
    return found[:20]


def _read_urlconf_settings(folder: Path, settings: Path, facts: DjangoFacts) -> None:
    """ROOT_URLCONF, DRF's default permissions, WHITENOISE_ROOT and allauth's mandatory email
    verification, from the first of the settings files (:func:`_settings_files`) that sets each."""
    for path in _settings_files(folder, settings):
        text = read_text(path)
        m = _ROOT_URLCONF.search(text)
        if m and not facts.root_urlconf:
            facts.root_urlconf, facts.root_urlconf_file = m.group(1), path.relative_to(folder).as_posix()
        m = _DRF_PERMISSIONS.search(text)
        if m and not facts.drf_permissions:
            facts.drf_permissions = m.group(1)
        m = re.search(r"""^AUTH_USER_MODEL\s*=\s*['"](\w+\.\w+)['"]""", text, re.M)
        facts.auth_user_model = facts.auth_user_model or (m.group(1) if m else "")
        m = re.search(r"""['"]AUTH_HEADER_TYPES['"]\s*:\s*[(\[]?\s*['"](\w+)['"]""", text)
        facts.jwt_header_type = facts.jwt_header_type or (m.group(1) if m else "")
        facts.whitenoise_root = facts.whitenoise_root or bool(re.search(r"^WHITENOISE_ROOT\s*=", text, re.M))
        if not facts.allauth_mandatory and _ALLAUTH_MANDATORY.search(text):
            facts.allauth_mandatory = path.relative_to(folder).as_posix()


def allows_loopback(literal: str) -> bool:
    """Whether a literal ALLOWED_HOSTS lets 127.0.0.1 in."""
    return any(h in literal for h in ("'*'", '"*"', "127.0.0.1"))


# A module-level call that sets Django up: what must come before importing the project's models
_SETUP_CALLS = frozenset({"get_asgi_application", "setup", "get_default_application"})
# What loads models (AppRegistryNotReady before setup): a models module, the user model, auth's models
_LOADS_MODELS = re.compile(r"^[ \t]*(?:from\s+[\w.]*\bmodels\b|import\s+[\w.]*\bmodels\b|"
                           r"from\s+\.+\s+import\s+(?:.*\b)?models\b)|get_user_model\(", re.M)


@dataclass(frozen=True)
class EarlyImport:
    """An ASGI module's import of the project's code before Django is set up: the module imported as
    written (``chat.routing``), its "line N", the "file:line" that loads models through it, and the
    "line N" of the setup call (``get_asgi_application()``)."""

    module: str
    line: str
    loads: str
    setup: str


def asgi_early_import(folder: Path, asgi: str) -> EarlyImport | None:
    """The first import of the project's own code in the ASGI module *asgi* (``config.asgi``) that runs
    before Django is set up and loads models (directly or through the project's modules it imports, 20
    files at most), or None.

    ``daphne config.asgi:application`` (or uvicorn) imports that module first: a ``from chat.routing import
    websocket_urlpatterns`` above ``get_asgi_application()`` reaches the consumers' models and stops the
    server on "settings are not configured" / AppRegistryNotReady, while ``manage.py runserver`` (Daphne's,
    with "daphne" in INSTALLED_APPS) sets Django up before it loads the module and serves the app."""
    path = folder / (asgi.replace(".", "/") + ".py")
    tree = python_module(read_text(path))
    if tree is None:
        return None
    setup = next((s.lineno for s in tree.body for n in ast.walk(s) if isinstance(n, ast.Call)
                  and _call_name(n.func) in _SETUP_CALLS), 0)
    if not setup:
        return None
    for statement in tree.body:
        if statement.lineno >= setup:
            break
        for module in _imported(statement, asgi):
            loads = _loads_models(folder, module)
            if loads:
                return EarlyImport(module, f"line {statement.lineno}", loads, f"line {setup}")
    return None


def _call_name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _imported(statement: ast.stmt, importer: str) -> list[str]:
    """The absolute module names *statement* imports (relative ones resolved against *importer*)."""
    if isinstance(statement, ast.Import):
        return [a.name for a in statement.names]
    if isinstance(statement, ast.ImportFrom):
        base = statement.module or ""
        if statement.level:
            parent = importer.split(".")[: -statement.level]
            base = ".".join([*parent, base] if base else parent)
        # from chat import routing: the submodule, when there is one, is what runs
        return [base, *(f"{base}.{a.name}" for a in statement.names)] if base else []
    return []


def _module_file(folder: Path, module: str) -> Path | None:
    stem = folder / module.replace(".", "/")
    for path in (stem.with_suffix(".py"), stem / "__init__.py"):
        if path.is_file():
            return path
    return None


def _loads_models(folder: Path, module: str) -> str:
    """"file:line" where the project's *module*, or a project module it imports in turn, loads models; ""
    when none does or *module* is no file of the project (django, channels)."""
    todo: list[str] = [module]
    seen: set[Path] = set()
    while todo and len(seen) < 20:
        name = todo.pop(0)
        path = _module_file(folder, name)
        if path is None or path in seen:
            continue
        seen.add(path)
        text = read_text(path)
        m = _LOADS_MODELS.search(text)
        if m:
            return f"{path.relative_to(folder).as_posix()}:{text.count(chr(10), 0, m.start()) + 1}"
        tree = python_module(text)
        if tree is None:
            continue
        for statement in tree.body:
            todo += _imported(statement, name)
    return ""


def runserver_serves_asgi(folder: Path, facts: DjangoFacts, deps_daphne: bool) -> str:
    """Why ``manage.py runserver`` serves the ASGI application (Daphne's runserver), or "": "daphne" in
    INSTALLED_APPS (Channels 4), or "channels" there without daphne listed (Channels 2 and 3, which
    brought daphne along and replaced runserver themselves)."""
    text = read_text(folder / facts.settings_file) if facts.settings_file else ""
    apps = re.search(r"INSTALLED_APPS\s*(?::[^=]+)?=\s*[\[(](.*?)[\])]", text, re.S)
    listed = set(re.findall(r"""["']([\w.]+)["']""", apps.group(1))) if apps else set()
    if "daphne" in listed:
        return f"{facts.settings_file} lists daphne in INSTALLED_APPS"
    if "channels" in listed and not deps_daphne:
        return f"{facts.settings_file} lists channels in INSTALLED_APPS"
    return ""
