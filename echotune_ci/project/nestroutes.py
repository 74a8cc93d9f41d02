"""NestJS's GET routes, read from its decorators, for the route graph of :mod:`.health`.

A route's path is the global prefix (``app.setGlobalPrefix('api')``, unless
its ``exclude`` list names the route), the controller's (``@Controller('users')``,
``@Controller({ path: 'users' })``) and the method's (``@Get(':id')``). Without
those routes a Nest API's health route was never found, and "/" (which a
global prefix leaves without a route: Nest answers 404 there) was the ready URL.
A route asks for a login when its own or its controller's ``@UseGuards(...)``
names one (``JwtAuthGuard``, ``AuthGuard('jwt')``), or when an ``APP_GUARD``
provider does and the route is not marked public (``@Public()``,
``@SkipAuth()``, ``@AllowAnonymous()``). Not read: ``RouterModule`` prefixes
and URI versioning.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from .calltext import call_arguments, call_text, url_join
from .files import rel

if TYPE_CHECKING:
    from .health import Graph

_CONTROLLER = re.compile(r"@Controller\(([^)]*)\)")
_CLASS = re.compile(r"\bclass\s+[A-Za-z_$][\w$]*")
_GET = re.compile(r"@(?:Get|All)\(([^)]*)\)")
# the method a run of decorators stands above: a line that starts with its name (or async/static/public)
_METHOD = re.compile(r"\n\s*(?:(?:public|private|protected|static|async)\s+)*[A-Za-z_$][\w$]*\s*\(")
_GUARDS = re.compile(r"@UseGuards\(([^)]*\)?)\)")
_PUBLIC = re.compile(r"@(?:Public|SkipAuth|AllowAnonymous|IsPublic|NoAuth|Anonymous)\(")
_APP_GUARD = re.compile(r"provide\s*:\s*APP_GUARD\s*,\s*use(?:Class|Existing)\s*:\s*([\w$.]+)")
_PREFIX = re.compile(r"\.setGlobalPrefix\(")
_STRING = re.compile(r"""^\s*(['"`])([^'"`\n$]*)\1\s*$""")


def _value(text: str, expr: str) -> str | None:
    """The string *expr* is: a literal, or a name ``const NAME = '...'`` in *text* sets; None otherwise."""
    m = _STRING.match(expr)
    if m is not None:
        return m.group(2)
    name = re.fullmatch(r"\s*([A-Za-z_$][\w$]*)\s*", expr)
    found = re.search(rf"""\b(?:const|let|var)\s+{re.escape(name.group(1))}\s*(?::\s*string\s*)?=\s*"""
                      r"""(['"`])([^'"`\n$]*)\1""", text) if name else None
    return found.group(2) if found else None


def _controller_path(argument: str) -> str | None:
    """The path of ``@Controller(<argument>)``: "" for none, the first of a list, an object's ``path``;
    None when it is computed."""
    argument = argument.strip()
    if not argument:
        return ""
    if argument.startswith("{"):
        path = re.search(r"\bpath\s*:\s*([^,}]+)", argument)
        return _value("", path.group(1)) if path else ""
    if argument.startswith("["):
        argument = argument[1:].split(",")[0].rstrip("]")
    return _value("", argument)


def _global_prefix(texts: dict[Path, str], root: Path) -> tuple[str | None, str, list[str], str]:
    """(the global prefix, "" for none and None when computed; how it is written; the paths its
    ``exclude`` names; where)."""
    for path, text in texts.items():
        m = _PREFIX.search(text) if "setGlobalPrefix" in text else None
        if m is not None:
            args = call_arguments(call_text(text, m.end() - 1))
            options = args[1] if len(args) > 1 else ""
            excluded = re.findall(r"""(?:path\s*:\s*)?['"`]([^'"`\n]+)['"`]""", options)
            where = f"{rel(path, root)}:{text.count(chr(10), 0, m.start()) + 1}"
            return _value(text, args[0]), args[0].strip(), [url_join(e) for e in excluded], where
    return "", "", [], ""


def _decorators(body: str, at: int) -> str:
    """The run of decorators around the one at *at* in a class *body*: back to the end of the previous
    member, on to the method's name."""
    start = max(body.rfind("}", 0, at), body.rfind(";", 0, at), 0)
    method = _METHOD.search(body, at)
    return body[start:method.start() if method else len(body)]


def read_nest_routes(texts: dict[Path, str], root: Path, graph: Graph) -> None:
    """Add the GET routes of the Nest controllers in *texts* (their files' contents) to *graph*, full
    paths resolved; under a global prefix the code computes, as routes of a router whose prefix static
    reading cannot resolve (so that no health or ready URL is guessed without it)."""
    from .health import _names_login, _Route, _Router

    controllers = {p: t for p, t in texts.items() if "@Controller(" in t}
    if not controllers:
        return
    prefix, written, excluded, where = _global_prefix(texts, root)
    app_guard = next((m.group(1) for t in texts.values() for m in _APP_GUARD.finditer(t)
                      if _names_login(m.group(1))), "")
    resolved, unresolved = ("nest", "app"), ("nest", "prefixed")
    graph.routers[resolved] = _Router("app", "", "", where)
    if prefix is None:
        graph.routers[unresolved] = _Router("nest", None, written, where)
    for path, text in controllers.items():
        marks = list(_CONTROLLER.finditer(text))
        for n, mark in enumerate(marks):
            own = _controller_path(mark.group(1))
            opens = _CLASS.search(text, mark.end())
            if own is None or opens is None:
                continue
            body = text[opens.end():marks[n + 1].start() if n + 1 < len(marks) else len(text)]
            above = text[max(text.rfind("}", 0, mark.start()), 0):opens.start()]
            class_guard = any(_names_login(g) for g in _GUARDS.findall(above))
            for get in _GET.finditer(body):
                route = _controller_path(get.group(1))
                if route is None:
                    continue
                runs = _decorators(body, get.start())
                guarded = class_guard or any(_names_login(g) for g in _GUARDS.findall(runs)) or bool(
                    app_guard and not _PUBLIC.search(runs) and not _PUBLIC.search(above))
                at = f"{rel(path, root)}:{text.count(chr(10), 0, opens.end() + get.start()) + 1}"
                full = url_join(own, route)
                if full in excluded or prefix == "":
                    key = resolved
                elif prefix is None:
                    key = unresolved
                else:
                    key, full = resolved, url_join(prefix, full)
                graph.routes.append(_Route(key, full, at, guarded=guarded))


# A handler that answers a page: a template (@Render), a redirect, or the response object written to itself
_PAGE_HANDLER = re.compile(r"@(?:Render|Redirect)\(|@Res\(|sendFile\(")


def nest_root(texts: dict[Path, str], root: Path) -> tuple[str, bool]:
    """("file:line" of the NestJS handler that answers "/": a ``@Get()`` of a ``@Controller()`` without a
    path, under no global prefix; whether it answers a page (``@Render``, ``@Redirect``, ``@Res()``)), or
    ("", False) when no handler does. Its return value is otherwise the answer: an object as JSON, a
    string as text (the starter's "Hello World!")."""
    prefix, _, excluded, _ = _global_prefix(texts, root)
    for path, text in texts.items():
        for mark in _CONTROLLER.finditer(text) if "@Controller(" in text else ():
            opens = _CLASS.search(text, mark.end())
            if _controller_path(mark.group(1)) != "" or opens is None:
                continue
            following = _CONTROLLER.search(text, opens.end())
            body = text[opens.end():following.start() if following else len(text)]
            for get in _GET.finditer(body):
                if _controller_path(get.group(1)) in ("", "/") and (prefix == "" or "/" in excluded):
                    method = _METHOD.search(body, get.end())
                    end = body.find("\n  }", method.end()) if method else -1
                    handler = body[get.start():end if end > 0 else len(body)]
                    at = f"{rel(path, root)}:{text.count(chr(10), 0, opens.end() + get.start()) + 1}"
                    return at, bool(_PAGE_HANDLER.search(_decorators(body, get.start()) + handler))
    return "", False
