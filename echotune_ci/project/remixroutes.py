"""The routes of a Remix or React Router (framework mode) app, read from its route modules.

Such an app declares no ``app.get("/x")``: each route is a module under
``app/``. Remix 2 and ``@react-router/fs-routes`` name them by file
(``flatRoutes``): in ``app/routes/``, ``notes.new.tsx`` (or the folder
``notes.new/`` with its ``route.tsx``) is ``/notes/new``; ``_index`` is its
parent's index, a segment starting with ``_`` is a layout without a path, a
trailing ``_`` only leaves its parent's layout, ``$id`` is a parameter and
``$`` the rest of the path, ``(x)`` an optional segment, ``[.]`` escapes. React
Router 7 lists them in ``app/routes.ts`` instead: ``index("file")``,
``route("path", "file", [children])``, ``layout("file", [children])``,
``...prefix("path", [children])``, or ``flatRoutes()`` for the files.

A module with a default export is a page; one without is a resource route
(``healthcheck.tsx`` answering "OK" from its ``loader``). A module is *guarded*
when its loader, or that of a route it is nested in, sends a visitor to a
login: ``redirect("/login")`` (or to a constant named as one, ``redirect(`${pages.login}?url=…`)``) or a
``require...User``/``Auth``/``Session`` helper (the stacks' ``requireUserId(request)``, which throws that
redirect), or a helper of its own modules (``~/``, ``./``) whose body redirects so
(``getLoginSession(request)``, returned by the loader when there is no session).
Its *login* is a route whose ``action`` reads a ``password`` from the posted
form and whose path names a login (``/login``, ``/signin``): a form POST that
answers 302 with the session's cookie.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .files import read_text, rel

FRAMEWORKS = ("@remix-run/dev", "@react-router/dev")
MAX_ROUTES = 300
_SUFFIXES = (".tsx", ".ts", ".jsx", ".js", ".mdx", ".md")
_PAGE = re.compile(r"^\s*export\s+default\b", re.M)
_LOADER = re.compile(r"^\s*export\s+(?:const|let|async\s+function|function)\s+loader\b", re.M)
_ACTION = re.compile(r"^\s*export\s+(?:const|let|async\s+function|function)\s+action\b", re.M)
# redirect("/login?..."), throw redirect(`/sign-in`), redirect(`${pages.login}?url=...`), redirect(LOGIN_URL),
# and the helpers that throw it
_GUARD = re.compile(r"""\bredirect\(\s*[`'"][^`'"]*(?:log-?in|sign-?in|auth)\b|"""
                    r"""\bredirect\(\s*(?:`\$\{\s*)?(?:[\w$]+\.)*[\w$]*?(?:log-?in|sign-?in)\w*\s*[}),?]|"""
                    r"""\brequire\w*(?:User|Auth|Login|Session|Account)\w*\s*\(""", re.I)
# import { a, b as c } from "~/helpers/x.server" (or "./x", "../x"): the helpers of the app's own modules
_IMPORT = re.compile(r"""\bimport\s*(?:type\s+)?\{([^}]*)\}\s*from\s*['"]((?:~|\.{1,2})/[^'"]+)['"]""")
_PASSWORD = re.compile(r"""\.get\(\s*['"]password['"]\s*\)""")
_ACCOUNT = re.compile(r"""\.get\(\s*['"](email|username|user|login|name)['"]\s*\)""")
_LOGIN_PATH = re.compile(r"/(?:log-?in|sign-?in|sessions?)/?$", re.I)
# a string ("x", 'x', `x` without ${}), a name (route, flatRoutes, a.b), a spread (...), any other character
_TOKEN = re.compile(r"""\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|`([^`$]*)`|"""
                    r"""([\w$]+(?:\.[\w$]+)*)|(\.\.\.)|(.))""", re.S)


@dataclass(frozen=True)
class RouteModule:
    """One route module: its URL ``path`` ("/notes/new"; with ``$id``/``:id`` left in when it has a
    parameter), its ``file`` relative to the root, whether it is a ``page`` (a default export), has a
    ``loader`` or an ``action``, is ``guarded`` (sends a visitor to a login) and has ``params``."""

    path: str
    file: str
    page: bool
    loader: bool
    action: bool
    guarded: bool
    params: bool
    text: str = ""


def route_modules(folder: Path, deps: dict[str, str], root: Path) -> list[RouteModule]:
    """The route modules of the Remix or React Router app in *folder* (dependencies *deps*), files named
    relative to *root*, in the order declared; [] for another framework or an app without them."""
    if not any(name in deps for name in FRAMEWORKS):
        return []
    app = folder / "app"
    configs = [app / f"routes{s}" for s in (".ts", ".js", ".mts", ".mjs")]
    config = next((c for c in configs if c.is_file()), None)
    declared = _config_routes(read_text(config), app) if config is not None else _flat_routes(app / "routes")
    out: list[RouteModule] = []
    for path, file, parents in declared[:MAX_ROUTES]:
        text = read_text(file)
        guarded = any(_guards(read_text(p), p, app) for p in (*parents, file) if p.is_file())
        out.append(RouteModule(path, rel(file, root), bool(_PAGE.search(text)), bool(_LOADER.search(text)),
                               bool(_ACTION.search(text)), guarded, bool(re.search(r"[:$*]", path)), text))
    return out


def _guards(text: str, file: Path, app: Path) -> bool:
    """Whether the loader of the module *text* (at *file*) sends a visitor to a login: itself, or through a
    helper it calls that one of the app's own modules defines (one level: abrahamgr's playground returns
    ``getLoginSession(request)`` from ``~/helpers/jwt.server``, whose body redirects to
    ``${pages.login}``)."""
    loader = _loader_text(text)
    if _GUARD.search(loader):
        return True
    for names, source in _IMPORT.findall(text):
        module = _resolve_import(source, file, app)
        if module is None:
            continue
        for spec in names.split(","):
            exported, _, alias = spec.partition(" as ")
            name = (alias or exported).strip()
            if name and re.search(rf"\b{re.escape(name)}\s*\(", loader) and _GUARD.search(
                    _function_text(read_text(module), exported.strip())):
                return True
    return False


def _resolve_import(source: str, file: Path, app: Path) -> Path | None:
    """The file an import of the app's own code names (``~/x`` is ``app/x``, the templates' alias; ``./x``
    and ``../x`` beside *file*), tried with each source suffix and as a folder's index."""
    base = app / source[2:] if source.startswith("~/") else file.parent / source
    for candidate in (base, *(base.with_name(base.name + s) for s in _SUFFIXES),
                      *(base / f"index{s}" for s in _SUFFIXES)):
        if candidate.is_file():
            return candidate
    return None


def _function_text(text: str, name: str) -> str:
    """The text of the function *name* in a module: from its declaration (``function name``, ``const name
    =``) to the next top-level declaration; "" when the module has none."""
    start = re.search(rf"^(?:export\s+)?(?:async\s+)?(?:function\s+{re.escape(name)}\b|"
                      rf"(?:const|let)\s+{re.escape(name)}\s*[=:])", text, re.M)
    if not start:
        return ""
    end = re.search(r"^(?:export\s|function\s|async\s+function\s|const\s|let\s)", text[start.end():], re.M)
    return text[start.start():start.end() + end.start() if end else len(text)]


def _loader_text(text: str) -> str:
    """The part of a module from its loader on (the whole module when none is found): a guard in its
    action alone (``requireUserId`` before saving a note) leaves its page open to a visitor."""
    m = _LOADER.search(text)
    if not m:
        return ""
    action = _ACTION.search(text, m.end())
    return text[m.start():action.start() if action else len(text)]


# ---------------------------------------------------------------------------- file names (flatRoutes)


def _flat_routes(routes: Path) -> list[tuple[str, Path, list[Path]]]:
    """(path, module, modules it is nested in) of each route module in *routes* (Remix's flat routes)."""
    if not routes.is_dir():
        return []
    modules: dict[str, Path] = {}
    for entry in sorted(routes.iterdir()):
        if entry.name.startswith(".") or ".test." in entry.name or ".spec." in entry.name:
            continue
        if entry.is_file() and entry.suffix in _SUFFIXES:
            modules[entry.name[: -len(entry.suffix)]] = entry
        elif entry.is_dir():
            inner = next((entry / f"route{s}" for s in _SUFFIXES if (entry / f"route{s}").is_file()), None)
            if inner is not None:
                modules[entry.name] = inner
    out = []
    for name, file in modules.items():
        segments = _segments(name)
        parents = [modules[p] for p in _prefixes(segments) if p in modules]
        out.append((_url(segments), file, parents))
    return sorted(out, key=lambda item: (item[0] != "/", item[0]))


def _segments(name: str) -> list[str]:
    """*name* split on the dots outside ``[...]``: ``notes.[.]json`` is ``["notes", "[.]json"]``."""
    parts, current, depth = [], "", 0
    for char in name:
        depth += char == "["
        depth -= char == "]" and depth > 0
        if char == "." and not depth:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def _prefixes(segments: list[str]) -> list[str]:
    """The names of the modules *segments* may be nested in: ``notes.new`` in ``notes``; not past a
    segment ending in ``_`` (it leaves its parents' layouts)."""
    out = []
    for end in range(len(segments) - 1, 0, -1):
        if segments[end - 1].endswith("_") and not segments[end - 1].startswith("_"):
            break
        out.append(".".join(segments[:end]))
    return out


def _url(segments: list[str]) -> str:
    kept = []
    for segment in segments:
        if segment.startswith("_") or segment.startswith("(") and segment.endswith(")"):
            continue  # an index (_index), a layout without a path, an optional segment (left out)
        segment = segment.removesuffix("_") if not segment.endswith("[_]") else segment
        kept.append(re.sub(r"\[([^\]]*)\]", r"\1", segment))
    return "/" + "/".join(kept)


# ---------------------------------------------------------------------------- app/routes.ts


def _config_routes(text: str, app: Path) -> list[tuple[str, Path, list[Path]]]:
    """The routes ``app/routes.ts`` declares: (path, module, modules it is nested in). ``flatRoutes()``
    in it adds those of ``app/routes/``."""
    tokens = [t for t in _tokens(re.sub(r"//[^\n]*|/\*.*?\*/", "", text, flags=re.S)) if t[0] != "space"]
    out: list[tuple[str, Path, list[Path]]] = []
    at = 0
    while at < len(tokens):  # a list before the config's own (a helper's) ends one walk, not the reading
        at = _walk(tokens, at, "", [], app, out)
    return out


def _tokens(text: str) -> list[tuple[str, str]]:
    out = []
    for m in _TOKEN.finditer(text):
        string = next((g for g in m.groups()[:3] if g is not None), None)
        if string is not None:
            out.append(("str", string))
        elif m.group(4):
            out.append(("name", m.group(4)))
        elif m.group(5):
            out.append(("punct", "..."))
        elif m.group(6):
            out.append(("punct", m.group(6)))
    return out


def _walk(tokens: list[tuple[str, str]], at: int, base: str, parents: list[Path], app: Path,
          out: list[tuple[str, Path, list[Path]]]) -> int:
    """Read the calls from *at* to the ``]`` that closes their list (or the end), adding each route
    under *base* to *out*; the index past that ``]``."""
    while at < len(tokens):
        kind, value = tokens[at]
        if (kind, value) == ("punct", "]"):
            return at + 1
        call = kind == "name" and at + 1 < len(tokens) and tokens[at + 1] == ("punct", "(")
        if not call or value not in ("index", "route", "layout", "prefix", "flatRoutes"):
            at += 1
            continue
        args = [v for k, v in tokens[at + 2: at + 5] if k == "str"]
        at += 2
        if value == "flatRoutes":
            out += [(_join(base, p), f, parents + ps) for p, f, ps in _flat_routes(app / "routes")]
            continue
        path = args[0] if value in ("route", "prefix") and args else ""
        file = app / (args[-1] if value != "prefix" and args else "")
        if value in ("index", "route") and file.suffix:
            out.append((_join(base, path), file, parents))
        nested = _children_start(tokens, at)
        if nested is not None:
            inner = parents + ([file] if value != "prefix" and file.suffix else [])
            at = _walk(tokens, nested, _join(base, path), inner, app, out)
    return at


def _children_start(tokens: list[tuple[str, str]], at: int) -> int | None:
    """The index after the ``[`` of the call's children, when the call that starts at *at* has them."""
    depth = 1
    while at < len(tokens):
        if tokens[at] == ("punct", "(") or tokens[at] == ("punct", "{"):
            depth += 1
        elif tokens[at] in (("punct", ")"), ("punct", "}")):
            depth -= 1
            if depth == 0:
                return None
        elif tokens[at] == ("punct", "[") and depth == 1:
            return at + 1
        at += 1
    return None


def _join(base: str, path: str) -> str:
    return "/" + "/".join(p for p in (*base.split("/"), *path.split("/")) if p)


# ---------------------------------------------------------------------------- what init takes from them


def pages(modules: list[RouteModule]) -> list[tuple[str, str, bool]]:
    """(path, file, guarded) of the pages without a parameter, "/" first."""
    seen: dict[str, tuple[str, str, bool]] = {}
    for m in modules:
        if m.page and not m.params:
            seen.setdefault(m.path, (m.path, m.file, m.guarded))
    return sorted(seen.values(), key=lambda p: (p[0] != "/", p[0]))


def visitor_forms(modules: list[RouteModule]) -> list[str]:
    """The paths of the pages that are a visitor's form: not behind a login, an action that reads a
    ``password`` (the login, a sign-up such as indie-stack's /join, a password reset). Logged in, such
    a page sends the browser away (the playground's signup loader redirects a session to "/")."""
    return [m.path for m in modules if m.page and m.action and not m.guarded and not m.params
            and _PASSWORD.search(m.text)]


def health_module(modules: list[RouteModule]) -> RouteModule | None:
    """The resource route (a loader, no page) whose path names a health check: ``healthcheck.tsx``."""
    from .health import health_rank

    ranked = [(rank, m) for m in modules
              if m.loader and not m.page and not m.params and (rank := health_rank(m.path)) is not None]
    return min(ranked, key=lambda item: item[0])[1] if ranked else None


def form_login(modules: list[RouteModule]) -> dict[str, str]:
    """{"login", "protected", "user_field", "source"} of the app's form login (a route named as one whose
    action reads a password from the form), the protected page the first guarded one without a
    parameter ("" when none); {} when there is no such route."""
    login = next((m for m in modules if m.action and _LOGIN_PATH.search(m.path) and _PASSWORD.search(m.text)),
                 None)
    if login is None:
        return {}
    account = _ACCOUNT.search(login.text)
    protected = next((m.path for m in modules if m.page and m.guarded and not m.params and m.path != "/"), "")
    return {"login": login.path, "protected": protected,
            "user_field": account.group(1) if account else "email", "source": login.file}
