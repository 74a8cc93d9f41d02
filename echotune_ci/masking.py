"""One masking layer: every secret value this process holds is replaced by ``***`` on its way out.

Secrets are *values*, registered once by whoever learns them:

* at start-up (:func:`install`, called by the CLI's ``main``), the values of
  the toolkit's own credentials in the environment (:data:`SECRET_VARIABLES`)
  and of every variable whose name says it holds one (``*_TOKEN``,
  ``*_API_KEY``, ``*SECRET*``, ``*PASSWORD*`` ...: :func:`is_secret_name`);
* once the configuration is read (:func:`register_config`), the variables it
  names ([research] api_key_env, [security.http.auth] password_env and
  jwt_secret_env, [frontend.login] password_env) and the password-like fields
  of [load.login] json and secret-looking headers of [load];
* while running, values derived from them (a GitHub token by the GitHub
  client, a research key by the provider, the JWT an auth probe's login
  returned).

:func:`mask` replaces each value, and the forms it takes on the wire: URL
encoding (``%40`` ...), JSON, HTML and markdown escaping (a backslash or a
zero-width character before any character), and base64 at any byte
alignment (so ``Authorization: Basic base64(user:secret)`` and the
``http.extraheader`` that actions/checkout writes are caught without knowing
the user name). It is applied where strings leave the process: the console
(:mod:`echotune_ci.console`, and stdout/stderr themselves through
:func:`install_streams`), error messages (``cli.main``), files
(:mod:`echotune_ci.fsutil`), the job summary, and the bodies sent to GitHub.
Values shorter than :data:`MIN_LENGTH` characters are not registered: masking
``abc`` everywhere would mangle output without protecting anything.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
import re
import sys
import threading
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # pragma: no cover
    from .config import Config

MASK = "***"
MIN_LENGTH = 6
# Default credentials of the database and broker images CI jobs start as services (the official postgres,
# mysql and rabbitmq images' documented examples, and the words put in examples), public by design: with
# POSTGRES_PASSWORD = "postgres" registered, "postgresql://" read "***ql://" and "postgres:5432" "***:5432"
# in every message, the database hints included. None of them is a secret to keep.
PUBLIC_DEFAULTS = frozenset({"postgres", "password", "passw0rd", "secret", "changeme", "change-me", "example",
                             "admin", "guest", "mysql", "redis", "testing", "development", "localhost"})
# Variables that hold the toolkit's own credentials, whatever their value looks like.
SECRET_VARIABLES = (
    "GITHUB_TOKEN", "GH_TOKEN", "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN",
    "ACTIONS_RUNTIME_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "PERPLEXITY_API_KEY", "OPENAI_API_KEY", "ECHOTUNE_RESEARCH_API_KEY",
    "ECHOTUNE_AUTH_PASSWORD", "ECHOTUNE_LOGIN_PASSWORD",
)
# The one definition of a secret's name (see is_secret_name): masking, init's placeholders and the
# deployment files (.env.production, never the image) all ask it, so they cannot disagree about
# FLASKSECRET. Words that always mean a credential count wherever they stand, also glued to another word
# (FLASKSECRET, DBPASSWORD); TOKEN and SALT only at the end (TOKENIZER_MODE and SALT_ROUNDS are
# settings); KEY and PAT as the last word. "-" separates too: the runner names an action's input
# `github-token` INPUT_GITHUB-TOKEN.
_SECRET_NAME = re.compile(
    r"SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIAL|PRIVATE[_-]?KEY|API[_-]?KEY"
    r"|(?:TOKEN|SALT)S?$|(?:^|[_-])(?:KEY|PAT)$", re.I)
# Keys that name a place in data, or a key meant to be published, not a credential.
_NOT_SECRET_KEY = re.compile(r"(?:^|[_-])(?:SORT|PRIMARY|PARTITION|FOREIGN|PUBLIC|PUBLISHABLE|CACHE|ROUTING"
                             r"|LOOKUP|GROUP|INDEX|IDEMPOTENCY)[_-]KEY$", re.I)
# Fields of a login body or headers whose value is a credential.
_SECRET_FIELD = re.compile(r"pass|secret|token|api[-_]?key|authorization|cookie|credential", re.I)

# What an escaping layer may put before a character: a backslash (markdown, JSON) or a zero-width
# character (a defused @mention).
_GLUE = "[\\\\\u200b\u200c\u2060]?"

# Where a multi-line secret's lines end (the runner splits on CR and LF): see register.
_LINE_SPLIT = re.compile(r"[\r\n]+")

_lock = threading.Lock()
_values: set[str] = set()  # the secret values themselves
_literals: set[str] = set()  # their base64 forms
_pattern: re.Pattern[str] | None = None
_config_names: set[str] = set()  # variables a configuration names as ours (see register_config)


def is_secret_name(name: str) -> bool:
    """Whether environment variable *name* holds a credential: one of :data:`SECRET_VARIABLES`, or a
    name (any case) with SECRET, PASSWORD, PASSWD, PASSPHRASE, CREDENTIAL, PRIVATE_KEY or API_KEY in
    it (FLASKSECRET, DBPASSWORD), ending in TOKEN or SALT (AUTHTOKEN, PASSWORD_SALT), or with KEY or
    PAT as its last word (STRIPE_KEY, GH_PAT), except keys into data or published keys (SORT_KEY,
    PUBLIC_KEY)."""
    if name in SECRET_VARIABLES:
        return True
    return bool(_SECRET_NAME.search(name)) and not _NOT_SECRET_KEY.search(name)


def _base64_forms(raw: bytes) -> set[str]:
    """The parts of base64(prefix + raw + suffix) that depend on *raw* alone, for the three byte
    alignments a prefix can give (the way GitHub's runner masks base64 secrets)."""
    forms = set()
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + raw).decode("ascii").rstrip("=")
        start = 4 if shift else 0  # the first group mixes prefix bytes in
        full = (shift + len(raw)) // 3 * 4  # characters of complete groups only
        part = encoded[start:full]
        if len(part) >= 8:
            forms.add(part)
            forms.add(part.replace("+", "-").replace("/", "_"))  # base64url (JWT, URL-safe encoders)
    return forms


def _char(c: str) -> str:
    """A pattern for character *c* as any output layer may have written it: itself, after an escaping
    backslash or a zero-width character (markdown, JSON), %-encoded, or as an HTML entity."""
    alts = [re.escape(c)]
    if not c.isalnum():
        alts.append("(?i:" + "".join(f"%{b:02x}" for b in c.encode("utf-8")) + ")")
        alts += [f"&#0*{ord(c)};", f"(?i:&#x0*{ord(c):x};)"]
        if html.escape(c) != c:
            alts.append(re.escape(html.escape(c)))
    if c == " ":
        alts.append(r"\+")
    escaped = json.dumps(c)[1:-1]  # \u00e9 for non-ASCII, \n for control characters
    if escaped != c:
        alts.append(f"(?i:{re.escape(escaped)})")
    return _GLUE + (f"(?:{'|'.join(alts)})" if len(alts) > 1 else alts[0])


def value_pattern(value: str) -> str:
    """The regular expression matching *value* in every escaped or encoded form (see :func:`_char`)."""
    return "".join(_char(c) for c in value)


def forms_of(value: str) -> set[str]:
    """The literal forms of *value* that :func:`value_pattern` does not cover: base64 at each byte
    alignment, standard and URL-safe. Empty for values shorter than :data:`MIN_LENGTH`."""
    value = value.strip()
    if len(value) < MIN_LENGTH:
        return set()
    return _base64_forms(value.encode("utf-8"))


def register(*values: str | None) -> None:
    """Mask *values* (and their encoded forms) in everything written from now on, a multi-line value also
    line by line; None, short values (or lines) and public default credentials (:data:`PUBLIC_DEFAULTS`)
    are ignored."""
    global _pattern
    new: set[str] = set()
    for value in values:
        if not isinstance(value, str):
            continue
        # Each line of a multi-line value too (a PEM key, a service account's JSON), as GitHub's runner
        # registers them: an app prints such a value line by line, and every output that quotes lines
        # (one at a time, or folded into "a | b") showed all of it unmasked.
        for part in (value, *_LINE_SPLIT.split(value)):
            part = part.strip()
            if len(part) >= MIN_LENGTH and part.lower() not in PUBLIC_DEFAULTS:
                new.add(part)
    with _lock:
        if new - _values:
            _values.update(new)
            for value in new:
                _literals.update(forms_of(value))
            _pattern = None


def register_environment(env: Mapping[str, str] | None = None, names: Iterable[str] = ()) -> None:
    """Register the values of *names* and of every variable :func:`is_secret_name` picks in *env*
    (default os.environ)."""
    env = os.environ if env is None else env
    wanted = set(names)
    register(*(value for name, value in env.items() if name in wanted or is_secret_name(name)))


def secret_env_names(cfg: Config) -> tuple[str, ...]:
    """Variables the configuration names as holding our own secrets: [research] api_key_env,
    [security.http.auth] password_env, [frontend.login] password_env (the app under test never gets
    them; their values are masked). The HS* key of jwt_secret_env is the app's own: masked, but kept."""
    names = (cfg.research.api_key_env, cfg.security.http.auth.password_env, cfg.frontend.login.password_env)
    return tuple(n for n in names if n)


def register_config(cfg: Config, env: Mapping[str, str] | None = None) -> None:
    """Register the secrets *cfg* points at: the variables it names (:func:`secret_env_names` and
    jwt_secret_env), the secret-named values of [serve] env, password-like fields of
    [load.login] and [api.login] (json, form, headers) and secret-looking [load] headers."""
    auth = cfg.security.http.auth
    with _lock:
        _config_names.update(secret_env_names(cfg))
    register_environment(env, (*secret_env_names(cfg), auth.jwt_secret_env))
    # What [serve] env gives the app under secret names (the one definition, is_secret_name): an app that
    # printed them before it exited had them quoted as they were. Not a URL's password on its own: the
    # user information is masked as a whole, and CI's postgres://postgres:postgres@ made every "postgres"
    # of the output "***".
    register(*(value for name, value in cfg.serve.env.items() if is_secret_name(name)))
    for login in (cfg.load.login, cfg.api.login):
        # an app's error lines are quoted in reports, and one may log the login's body
        register(*_login_secrets(login.json, dict(login.form), dict(login.headers), login.basic))
    for endpoint in cfg.load.endpoints or ():
        register(*_secret_fields(dict(getattr(endpoint, "headers", None) or {})))


def register_login(login: Mapping[str, Any]) -> None:
    """Mask the password-, token- and key-like fields of a login as a load plan carries it (``json``,
    ``form``, ``headers``) and the password of its HTTP Basic ``basic`` (``user:password``): the load
    test's worker processes quote the app's answers too."""
    register(*_login_secrets(login.get("json") or {}, dict(login.get("form") or {}),
                             dict(login.get("headers") or {}), str(login.get("basic") or "")))


def _login_secrets(body: Any, form: Mapping[str, Any], headers: Mapping[str, Any], basic: str) -> list[str]:
    """The secrets of a login: the password-like fields of its JSON *body*, *form* and *headers*, and
    the password of *basic* (``user:password``). The Basic credentials on the wire are its base64, which
    :func:`mask` finds from the password at any alignment; an app that echoes the password in a 401 page
    was quoted as it wrote it."""
    password = basic.split(":", 1)[1] if ":" in basic else ""
    return [*_secret_fields(body), *_secret_fields(form), *_secret_fields(headers), password]


def configured_secret_names() -> frozenset[str]:
    """The variables a configuration read by this process names as the toolkit's own secrets
    (:func:`secret_env_names`): no child process gets them (:func:`echotune_ci.serve.environment.denied`),
    whichever code starts it (app, locust workers, browser, npm, propose's test command)."""
    with _lock:
        return frozenset(_config_names)


def _secret_fields(data: Any) -> list[str]:
    """String values under password-, token-, key- or authorization-like keys, at any depth."""
    found: list[str] = []
    if isinstance(data, Mapping):
        for key, value in data.items():
            if isinstance(value, str) and _SECRET_FIELD.search(str(key)):
                found.append(value.split(" ", 1)[-1] if str(key).lower() == "authorization" else value)
            else:
                found.extend(_secret_fields(value))
    elif isinstance(data, (list, tuple)):
        for item in data:
            found.extend(_secret_fields(item))
    return found


def _compiled() -> re.Pattern[str] | None:
    global _pattern
    with _lock:
        if _pattern is None and _values:
            # Longest first: a value that contains another is masked whole.
            values = [value_pattern(v) for v in sorted(_values, key=lambda v: (-len(v), v))]
            literals = [re.escape(v) for v in sorted(_literals, key=lambda v: (-len(v), v))]
            _pattern = re.compile("|".join(values + literals))
        return _pattern


# The user information of a URL (``https://user:password@host``, ``https://TOKEN@host``), also after an
# escaping layer broke the "://" (a defused autolink) or escaped a character: nobody registered it, but
# it is a credential wherever it appears (an --api-url of a GitHub Enterprise behind basic auth, a
# database URL an app printed). A password may hold a "/" that nobody encoded (openssl rand -base64:
# "redis://:12345/abc@host"), so after the user's ":" the user information runs to the "@"; but not a port
# and a "/" straight before it: that "@" starts a path segment (Vite's http://127.0.0.1:5173/@vite/client
# and /@fs/, npm's https://registry.npmjs.org:443/@types/node), which read "http://***@vite/client".
_URL_USERINFO = re.compile("(:[\\\\\u200b]?//)([^/\\s@:]*:(?!\\d*/@)[^\\s@]+|[^/\\s@]+)@")


def mask(text: str) -> str:
    """*text* with every registered secret (in any registered form) replaced by ``***``, and the user
    information of every URL (``https://user:pw@host`` -> ``https://***@host``)."""
    if not text:
        return text
    pattern = _compiled()
    if pattern is not None:
        text = pattern.sub(MASK, text)
    if "@" in text:
        text = _URL_USERINFO.sub(lambda m: f"{m.group(1)}{MASK}@", text)
    return text


def mask_data(data: Any) -> Any:
    """A copy of JSON-like *data* (dicts, lists, strings) with :func:`mask` applied to every string."""
    if isinstance(data, str):
        return mask(data)
    if isinstance(data, Mapping):
        return {mask_data(k): mask_data(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [mask_data(v) for v in data]
    return data


def registered_count() -> int:
    """How many values are registered (for tests and ``-v`` diagnostics; never the values)."""
    with _lock:
        return len(_values)


def clear() -> None:
    """Forget every registered value (tests only)."""
    global _pattern
    with _lock:
        _values.clear()
        _literals.clear()
        _config_names.clear()
        _pattern = None


class MaskingStream(io.TextIOBase):
    """A text stream that masks what is written to it before passing it to *inner*.

    Each ``write`` is masked as a whole: a secret split across two writes is
    not seen (print, click.echo and the console write a message at once).
    """

    def __init__(self, inner: TextIO):
        super().__init__()
        self.inner = inner

    def write(self, text: str) -> int:
        """Write *text* masked; returns len(text) as callers expect."""
        self.inner.write(mask(text))
        return len(text)

    def flush(self) -> None:
        """Flush the wrapped stream."""
        self.inner.flush()

    def isatty(self) -> bool:
        """Whether the wrapped stream is a terminal."""
        return bool(getattr(self.inner, "isatty", lambda: False)())

    def fileno(self) -> int:
        """The wrapped stream's descriptor (children that inherit it write unmasked: they hold no
        secrets, see :mod:`echotune_ci.serve.environment`)."""
        return self.inner.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        """The wrapped stream's encoding."""
        return str(getattr(self.inner, "encoding", "utf-8") or "utf-8")

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        """The wrapped stream's error handler."""
        return getattr(self.inner, "errors", None)

    @property
    def buffer(self) -> Any:
        """Binary writes are masked too (click writes bytes to ``stream.buffer`` at times)."""
        return _MaskingBuffer(self.inner)


class _MaskingBuffer:
    """``stream.buffer`` of a :class:`MaskingStream`: bytes decoded, masked and passed on."""

    def __init__(self, inner: TextIO):
        self.inner = inner

    def write(self, data: bytes) -> int:
        encoding = str(getattr(self.inner, "encoding", "utf-8") or "utf-8")
        self.inner.write(mask(bytes(data).decode(encoding, "replace")))
        return len(data)

    def flush(self) -> None:
        self.inner.flush()


def install_streams() -> None:
    """Wrap sys.stdout and sys.stderr in :class:`MaskingStream` (once)."""
    if not isinstance(sys.stdout, MaskingStream):
        sys.stdout = MaskingStream(sys.stdout)
    if not isinstance(sys.stderr, MaskingStream):
        sys.stderr = MaskingStream(sys.stderr)


def install(env: Mapping[str, str] | None = None) -> None:
    """What the CLI does first: register the environment's secrets and mask stdout and stderr."""
    register_environment(env)
    install_streams()


# What an app's answer may carry that no one registered: a JWT, and the values of JSON fields named like
# secrets (a token a flow did not capture, a session id echoed in an error).
_JWT = re.compile(r"eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*")
_SECRET_KEY = re.compile(r"token|secret|passw|api[-_]?key|authorization|cookie|session", re.I)
# A JSON string under such a key ("access_token": "..."), also one cut off at the end of what was read
_SECRET_PAIR = re.compile(rf'("[^"\\]{{0,80}}(?:{_SECRET_KEY.pattern})[^"\\]{{0,80}}"\s*:\s*)'
                          r'"(?:[^"\\]|\\.)*(?:"|\\?\Z)', re.I)
EXCERPT_CHARS = 200


def answer_excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The start of an app's answer *text* for a message: JWTs and the values of JSON fields named like
    secrets replaced by ``***``, registered secrets masked, control characters escaped, at most *limit*
    characters (then " ..."). A JSON body is shown compact, an HTML page by its words (Django's 403 page
    as "Forbidden (403) CSRF verification failed. Request aborted. ...", not its head's markup)."""
    from .serve.output import is_page, page_text

    # Masked whole before it is cut: a secret the cut split (a token at character 190) was not found in
    # what was left, and its first characters were shown
    text = mask(_JWT.sub(MASK, page_text(text)) if is_page(text) else _hide_answer_secrets(text))
    short = text[:limit]
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in short)
    return shown + (" ..." if len(text) > limit else "")


def _hide_answer_secrets(text: str) -> str:
    # By the fields' text first: a JSON body cut where it was read (a long one), or inside other text
    # ('error: {"token": "..."}'), does not parse, and its secrets were shown
    text = _SECRET_PAIR.sub(lambda m: f'{m.group(1)}"{MASK}"', _JWT.sub(MASK, text))
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return text
    if not isinstance(data, (dict, list)):
        return text

    def hide(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: MASK if _SECRET_KEY.search(str(k)) and isinstance(v, str) else hide(v)
                    for k, v in value.items()}
        if isinstance(value, list):
            return [hide(v) for v in value]
        return value

    try:
        return json.dumps(hide(data), separators=(",", ":"))
    except RecursionError:
        return text
