"""Passwords and secrets assigned to a name, read the way each file format writes a value.

``NAME = value`` is everywhere: ``.env`` files, shell scripts, ini/``.pypirc``,
YAML, JSON, TOML, Python, JS/TS object literals, XML. What a generic regex
gets wrong is the value: a password carries its own punctuation (``#``, ``%``,
``!``, ``@``, quotes), ``#`` inside quotes is not a comment, a quoted string
ends at its own (unescaped) quote. So this module finds a secret-like *name*
followed by an assignment operator, then reads the value as the format does:

- quoted (``"…"``, ``'…'``, `````…`````, with backslash escapes), in any file;
- unquoted, only in files where a bare value is data (``.env``, shell, ini,
  properties, YAML, Dockerfile): up to the end of the line, less a comment
  that starts after whitespace (``KEY=p@ss#w0rd`` keeps its ``#``).

Which names count: the name's last word is a password word (``password``,
``passwd``, ``pwd``, ``pass``, ``passphrase``) or a secret word (``secret``,
``token``, ``credentials``, ``apikey``…, or ``key`` after ``api``,
``access``, ``secret``, ``private``…); ``password_env``, ``tokenUrl`` or
``secret_name`` say where a secret is, not what it is. The caller decides
whether a value is a secret (entropy, placeholders); :func:`looks_like_password`
and :func:`is_reference` are its tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

PASSWORD_WORDS = ("password", "passwd", "passphrase", "passcode")
PASSWORD_EXACT = ("pwd", "pass")
SECRET_SUFFIXES = ("secret", "token", "credential", "credentials", "apikey", "accesskey", "secretkey",
                   "privatekey", "authkey", "apisecret", "clientsecret")
KEY_QUALIFIERS = ("api", "access", "secret", "private", "auth", "signing", "encryption", "master", "client",
                  "app", "service", "account", "storage", "subscription", "webhook", "license", "admin",
                  "sign", "crypt", "hmac", "jwt", "session")
NON_SECRET_QUALIFIERS = ("csrf", "xsrf", "public", "next", "page", "prev", "previous", "continuation",
                         "pagination", "sync", "cancel", "cancellation", "refresh_url")

# Where a name word can start: the offsets of these (lower-case) words are where _ASSIGN is tried.
ANCHOR_WORDS = ("pass", "pwd", "secret", "token", "key", "credential")
# A name word, then up to 40 name characters, an optional closing quote and an operator.
_ASSIGN = re.compile(
    r"(?i)(?:passw(?:or)?d|pwd|pass(?:phrase|code)?|secret|token|key|credentials?)"
    r"[\w.-]{0,40}?(?P<close>[\"']?)[ \t]*"
    r"(?P<op>:=|=>|\?=|=|:(?:[ \t]*[A-Za-z_][\w.\[\], |]{0,40}?[ \t]*=)?)[ \t]*"
)
# In code only a quoted value is a literal: the same, with the opening quote required.
_ASSIGN_QUOTED = re.compile(_ASSIGN.pattern + r"(?=[rRbBuUfF]{0,2}[\"'`])")
_XML = re.compile(r"(?i)<(?P<name>[\w.:-]*(?:passw(?:or)?d|secret|token|api[_-]?key))>"
                  r"(?P<value>[^<>\s]{4,500})</(?P=name)>")
_NAME_CHARS = re.compile(r"[\w.$-]")
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_QUOTE_PREFIX = re.compile(r"[rRbBuUfF]{1,2}(?=[\"'])")
_ENV_VAR_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
_DOTTED_NAME = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+(?:\(\))?")
_REFERENCE = re.compile(
    r"(?i)^(?:\$\{|\$\(|\$[a-z_]\w*$|\$\d+$|%\(|%\{|%[A-Z_]+%|#\{|\{\{|\{%|<%|@[\w.]+@$|\{[\w.]*\}"
    r"|(?:process\.env|os\.environ|os\.getenv|import\.meta\.env|env\(|getenv\(|ENV\[|config\.|settings\.)"
    r"|(?:env|vault|secret|secrets|ssm|arn|op|awssm|gcpsm|azkv|sm|keyvault|file)[:/])"
)
_PASSWORD_HASH = re.compile(r"(?i)^(?:\$(?:2[abxy]?|argon2(?:id|i|d)?|scrypt|[156]|pbkdf2[\w-]*)\$"
                            r"|(?:pbkdf2_sha\d+|bcrypt(?:_sha256)?|argon2|scrypt|sha\d+)\$"
                            r"|\{(?:S?SHA\d*|SSHA|MD5|CRYPT)\})")
_FILE_LIKE = re.compile(r"(?i)^(?:~?/|\.\.?/|[a-z]:\\)|^[\w.-]+\.(?:pem|key|crt|cer|p12|pfx|der|jks"
                        r"|keystore|json|ya?ml|txt|env|pub|asc|gpg|toml|ini|cfg|conf)$"
                        r"|^(?:[\w.-]+/)+[\w-]+(?:\.[\w-]+)*\.[a-z][a-z0-9]{0,5}$")
_UUID = re.compile(r"(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")
_LETTER_RUNS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
_REGEX_LIKE = re.compile(r"\[[^\]]+\][+*?{]|\\[dwsbDWSB]|\(\?[:=!<P]|^\^.*\$$|^\^\[")
_WORDS_IN_VALUE = ("password", "passwd", "secret")
_LITERALS = {"true", "false", "null", "none", "nil", "undefined", "yes", "no", "on", "off", "required",
             "optional", "string", "str", "bytes", "int", "bool", "any", "object", "text"}

ENV_NAMES = (".env", ".envrc", ".flaskenv")
_ENV_SUFFIXES = (".env", ".envrc", ".sh", ".bash", ".zsh", ".ksh")
_INI_SUFFIXES = (".ini", ".cfg", ".conf", ".properties", ".pypirc", ".npmrc", ".s3cfg", ".editorconfig")
_YAML_SUFFIXES = (".yml", ".yaml")


@dataclass(frozen=True)
class Assignment:
    """A value assigned to a secret-like name: where the value starts and ends, and the kind of name."""

    name: str
    value: str
    start: int
    end: int
    kind: str  # "password" or "secret"
    quoted: bool
    raw_string: bool = False  # a Python r"..." string (a regex, as a rule)


def file_style(rel: str) -> str:
    """How bare (unquoted) values are written in the file *rel*: "env", "ini", "yaml" or "" (code)."""
    name = PurePosixPath(rel).name.lower()
    if name.startswith(ENV_NAMES) or name.endswith(_ENV_SUFFIXES) or name in ("dockerfile", "procfile") \
            or name.startswith("dockerfile.") or name.endswith(".dockerfile"):
        return "env"
    if name.endswith(_INI_SUFFIXES) or name in (".pypirc", ".npmrc", ".s3cfg", "pip.conf"):
        return "ini"
    if name.endswith(_YAML_SUFFIXES):
        return "yaml"
    return ""


def name_kind(name: str) -> str:
    """"password", "secret" or "" for a name by its last words (``DB_PASSWORD``: "password", ``apiKey``:
    "secret", ``token_env``: "")."""
    words = [w.lower() for part in re.split(r"[^A-Za-z0-9]+", name) for w in _WORDS.findall(part)]
    if not words:
        return ""
    last = words[-1]
    previous = words[-2] if len(words) > 1 else ""
    if previous in NON_SECRET_QUALIFIERS:
        return ""
    if last.endswith(PASSWORD_WORDS) or last in PASSWORD_EXACT:
        return "password"
    if last.endswith(SECRET_SUFFIXES):
        return "secret"
    if last == "key" and previous in KEY_QUALIFIERS:
        return "secret"
    return ""


def is_reference(value: str) -> bool:
    """Whether *value* names or points at a secret rather than being one: ``${VAR}``, ``$VAR``,
    ``%(name)s``, ``{{ var }}``, ``process.env.X``, ``vault:…``, a file path, an env var's name, a
    dotted identifier, a password *hash* (bcrypt, argon2, pbkdf2...), a URL, an elided value
    (``ghp_…``), or a literal such as ``true``."""
    return bool(_REFERENCE.search(value) or _PASSWORD_HASH.search(value) or _FILE_LIKE.search(value)
                or _ENV_VAR_NAME.fullmatch(value) or _DOTTED_NAME.fullmatch(value) or "://" in value
                or "…" in value or "..." in value or value.lower() in _LITERALS)


def looks_like_identifier(value: str) -> bool:
    """Whether *value* reads as a name from code (``Ed25519PrivateKey``, ``applyDecs2305``,
    ``sha256WithRSAEncryption``): one identifier made of words of 4 letters on average, where a
    random token of letters and digits breaks into runs of one or two."""
    if not _IDENTIFIER.fullmatch(value):
        return False
    runs = _LETTER_RUNS.findall(value)
    return bool(runs) and sum(map(len, runs)) / len(runs) >= 4


def looks_like_regex(value: str) -> bool:
    """Whether *value* is a regular expression (a character class with a quantifier, ``\\d``,
    ``(?:``, anchors), as code keeps in constants named ``TOKEN`` or ``SECRET_RE``."""
    return bool(_REGEX_LIKE.search(value))


def is_uuid(value: str) -> bool:
    """Whether *value* is (or wraps) a UUID, which a generic detector must not take for a secret."""
    return bool(_UUID.fullmatch(value.strip("{}")))


def looks_like_password(value: str) -> bool:
    """A value a person chose as a password: 8+ characters without spaces, letters and a digit or
    punctuation inside it, and not the word "password" or "secret" itself (``demo-password``)."""
    if len(value) < 8 or any(c.isspace() for c in value):
        return False
    lowered = value.lower()
    if any(w in lowered for w in _WORDS_IN_VALUE):
        return False
    if not any(c.isalpha() for c in value):
        return False
    inner = value[1:-1]
    return any(c.isdigit() for c in value) or any(not c.isalnum() for c in inner)


def has_secret_word(value: str) -> bool:
    """Whether *value* contains "password", "passwd" or "secret" (a dummy such as ``my-secret-token``)."""
    lowered = value.lower()
    return any(w in lowered for w in _WORDS_IN_VALUE)


def _name_matches(text: str, offsets: Iterable[int] | None,
                  pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
    if offsets is None:
        yield from pattern.finditer(text)
        return
    last_end = 0
    match = pattern.match
    for offset in sorted(set(offsets)):
        if offset >= last_end and (m := match(text, offset)) is not None:
            last_end = m.end()
            yield m


def find_assignments(text: str, rel: str, offsets: Iterable[int] | None = None) -> Iterator[Assignment]:
    """The values assigned to secret-like names in *text* (the file *rel*, whose name gives the style).

    *offsets*: where the :data:`ANCHOR_WORDS` occur in the text, when the caller knows (the name
    pattern is then tried there only, instead of at every position).
    """
    style = file_style(rel)
    for m in _name_matches(text, offsets, _ASSIGN if style else _ASSIGN_QUOTED):
        found = _assignment(text, m, style)
        if found is not None:
            yield found
    if "<" in text:
        for m in _XML.finditer(text):
            kind = name_kind(m.group("name").rpartition(":")[2])
            if kind:
                yield Assignment(m.group("name"), m.group("value"), m.start("value"), m.end("value"), kind,
                                 quoted=True)


def _assignment(text: str, m: re.Match[str], style: str) -> Assignment | None:
    """The assignment whose name word *m* matched, or None (not a secret's name, no literal value)."""
    op, after = m.group("op"), m.end()
    if len(op) > 2 and op.startswith(":") and style:
        # "name: Type = value" is an annotation in code; in a data file the value holds the "="
        op, after = ":", m.start("op") + 1
        while text[after:after + 1] in (" ", "\t"):
            after += 1
    if op == "=" and text[after:after + 1] in ("=", "~", ">"):  # ==, ===, =~, =>
        return None
    name_start = m.start()
    while name_start > 0 and _NAME_CHARS.match(text, name_start - 1):
        name_start -= 1
    name = text[name_start:m.start("close")].strip(".-$")
    kind = name_kind(name)
    value = _value(text, after, name_start, style, op) if kind else None
    if value is None or value[1] <= value[0]:
        return None
    start, end, quoted = value
    prefix = _QUOTE_PREFIX.match(text, after)
    return Assignment(name, text[start:end], start, end, kind, quoted,
                      raw_string=bool(prefix and "r" in prefix.group().lower()))


def _value(text: str, pos: int, name_start: int, style: str, op: str) -> tuple[int, int, bool] | None:
    """(start, end, quoted) of the value at *pos*, or None when the format does not make it a literal."""
    prefix = _QUOTE_PREFIX.match(text, pos)
    if prefix:
        pos = prefix.end()
    quote = text[pos:pos + 1]
    if quote in ("'", '"', "`"):
        end = _closing_quote(text, pos + 1, quote, doubled=style == "yaml" and quote == "'")
        if end is None or (quote == "`" and "${" in text[pos + 1:end]):
            return None
        return pos + 1, end, True
    if not style or not _bare_allowed(text, name_start, style, op):
        return None
    line_end = text.find("\n", pos)
    line_end = len(text) if line_end < 0 else line_end
    raw = text[pos:line_end].rstrip("\r")
    comment = re.search(r"[ \t][#;]" if style == "ini" else r"[ \t]#", raw)
    if comment:
        raw = raw[:comment.start()]
    raw = raw.rstrip()
    if style == "env":
        raw = raw.split()[0] if raw.split() else ""
    if not raw or (style == "yaml" and raw[0] in "|>&*!{[%@`"):
        return None
    return pos, pos + len(raw), False


def _closing_quote(text: str, pos: int, quote: str, *, doubled: bool = False) -> int | None:
    """Where the string opened before *pos* with *quote* closes, on the same line: backslash escapes
    honoured, or (*doubled*, YAML's single quotes) a doubled quote standing for one."""
    i = pos
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\" and not doubled:
            i += 2
            continue
        if c == quote:
            if doubled and text[i + 1:i + 2] == quote:
                i += 2
                continue
            return i
        if c == "\n":
            return None
        i += 1
    return None


def _bare_allowed(text: str, name_start: int, style: str, op: str) -> bool:
    """Whether an unquoted value after the name at *name_start* is data: the name starts its line
    (after indentation, ``export``, ``ENV``, ``- `` or a quote) and the operator suits the format."""
    line_start = text.rfind("\n", 0, name_start) + 1
    head = text[line_start:name_start].strip()
    if head not in ("", "export", "ENV", "ARG", "-", "- ", '"', "'", "set", "setx") and not (
            head.startswith("-") and head[1:].strip() in ("", '"', "'")):
        return False
    if style == "yaml":
        return op == ":" or (op == "=" and head.startswith("-"))
    return op in ("=", ":") if style == "ini" else op == "="
