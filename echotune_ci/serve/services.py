"""Why an app that exited could not serve: a database server it could not reach.

A MERN app connects to MongoDB when it starts and exits when it cannot
(``mongoose.connect(process.env.MONGO_URI)``, then ``process.exit(1)``): its
last words were quoted ("Error connecting to MONGODB connect ECONNREFUSED
127.0.0.1:27017", or mongoose's "The `uri` parameter to `openUri()` must be a
string, got "undefined"") but nothing said which variable the app reads, whether
the run set it, and what to do. :func:`database_hint` says so in one clause.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..net.urls import location

# kind (a key of project.app.DATABASE_CLIENTS): (its name, its port, a URL to set, its client's own words)
_KINDS = {
    "mongo": ("MongoDB", 27017, "mongodb://127.0.0.1:27017/<database>",
              r"Mongo(?:ose)?ServerSelectionError|MongoNetworkError|MongoParseError|ServerSelectionTimeoutError|"
              r"`openUri\(\)` must be a string|(?i:error connecting to mongo)"),
    "postgres": ("PostgreSQL", 5432, "postgresql://<user>:<password>@127.0.0.1:5432/<database>",
                 r"could not connect to server|connection to server at .* failed"),
    "mysql": ("MySQL", 3306, "mysql://<user>:<password>@127.0.0.1:3306/<database>",
              r"Can't connect to (?:local )?MySQL server"),
    # redis-py's own words at any port and at a socket ("Error 111 connecting to 127.0.0.1:6393.", "Error 2
    # connecting to /run/redis.sock.": redis-py 8.2.0, also under kombu's "Cannot connect to redis+socket://")
    "redis": ("Redis", 6379, "redis://127.0.0.1:6379", r"Error \d+ connecting to \S"),
}
_BY_PORT = {port: kind for kind, (_, port, _, _) in _KINDS.items()}
# A refused, failed or timed-out connection to a database's usual port: Node's "connect ECONNREFUSED
# 127.0.0.1:27017" (also ::1), pymongo's "localhost:27017: [Errno 111] Connection refused", psycopg's
# 'connection to server at "127.0.0.1", port 5432 failed'
_PORT = re.compile(r"(?:[\w.\]-]:|port )(27017|5432|3306|6379)\b")
_FAILED = re.compile(r"ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|[Rr]efused|failed|timed out|[Ee]rror")
_OWN_WORDS = [(kind, re.compile(words)) for kind, (_, _, _, words) in _KINDS.items()]
# The server answered: it refused the login or has no such database (psycopg's 'connection to server at
# "127.0.0.1", port 5432 failed: FATAL:  password authentication failed'): starting one is no answer
_ANSWERED = re.compile(r"authentication failed|password|does not exist|[Aa]ccess denied|not authorized", re.I)


def unreachable(lines: Sequence[str]) -> str | None:
    """The kind of database the last line that tells of a failed connection names (the app's last words
    are why it exited: a client that retried Redis before MongoDB failed is not the reason), or None."""
    for line in reversed(lines):
        if _ANSWERED.search(line):
            return None
        port = _PORT.search(line)
        if port and _FAILED.search(line):
            return _BY_PORT[int(port.group(1))]
        for kind, words in _OWN_WORDS:
            if words.search(line):
                return kind
    return None


def _where(value: str) -> str:
    """The host and port of a database URL (of the first of a list), without its user and password
    (:func:`location`); a socket's path where it has no host (kombu's redis+socket:///run/redis.sock)."""
    place = location(value)
    return (place.host or place.path) if place and (place.host or place.path) else "a value that is no URL"


def database_hint(lines: Sequence[str], environment: Mapping[str, str], folder: Path) -> str:
    """"; it could not reach MongoDB: ..." for an app whose output (*lines*) says it could not connect to a
    database: the variable the code under *folder* reads to find it (project.app.database_reads), whether
    *environment* (the app's) sets it, and what to do; "" when the output says nothing of a database."""
    from ..project.app import database_reads

    kind = unreachable(lines)
    if kind is None:
        return ""
    name, _, url, _ = _KINDS[kind]
    try:
        reads = database_reads(folder, kind)
    except OSError:
        reads = {}
    given = [v for v in reads if environment.get(v, "").strip()]
    if given:
        variable = given[0]
        return (f"; it could not reach {name} at {variable} ({_where(environment[variable])}): start {name} "
                f"there, or point {variable} in [serve] env at one that runs")
    if reads:
        variable, file = next(iter(reads.items()))
        return (f"; it could not reach {name}: nothing sets {variable} (read in {file}): start {name} and "
                f"set {variable} in [serve] env to its URL ({url})")
    return f"; it could not reach {name}: start {name} and point the app at it in [serve] env ({url})"
