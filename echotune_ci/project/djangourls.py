"""Django's URLconf read for ``init``: the full path of every view route, :func:`read_urlconf`.

Django resolves a request from ROOT_URLCONF down: a ``path("api/", include(...))`` strips ``api/`` and
hands the rest to the included patterns, so a ``path("", UserListApi.as_view())`` in
``users/urls.py`` included under ``api/`` then ``users/`` answers ``/api/users/``, never ``/``. The
reading follows, with :mod:`ast` and nothing imported:

- ROOT_URLCONF from the settings (:func:`.django.read_django`);
- a module's ``urlpatterns`` (``=``, ``+=``, ``+``, ``.append``/``.extend``, ``*other``; the patterns
  added under ``if settings.DEBUG:`` are left out, since ``init`` turns DEBUG off);
- ``path()``, ``re_path()`` and Django 1's ``url()``;
- ``include("dotted.module")``, ``include(("dotted.module", "ns"))``, ``include(module_object)``,
  ``include(list_variable)``, ``include([...])``, a ``(patterns, app_name)`` tuple, ``admin.site.urls``
  (its index at the prefix, behind a login) and DRF routers (``DefaultRouter`` serves its API root at
  its prefix, ``SimpleRouter`` does not; a registered viewset's list and detail routes, and the routes of
  its ``@action`` methods);
- per view, whether it answers GET and asks for a login, as far as its class or function says.

Includes are followed 10 deep at most and never twice along one chain; an include that cannot be
read (a name static reading cannot resolve, a third-party module, Django Ninja's ``api.urls``) is
listed in :attr:`UrlConf.unread`, and when it may route "/" (its prefix matches the empty path),
:attr:`UrlConf.root` says it cannot tell; not for a NinjaAPI, whose routes :mod:`.health` reads.
Never raises for a file's content.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from .django import DjangoFacts
from .files import python_module, read_text
from .health import _names_login, loadable
from .openapi import Served
from .pyimports import import_table

_DEPTH = 10  # include()s nested deeper are not followed
_FILES = 200
_ROUTES = 2000
# The URLconfs of others whose "login/" is a form login by session, and the form's field for the account
_LOGIN_URLS = {"django.contrib.auth.urls": "username", "allauth.urls": "login",
               "allauth.account.urls": "login"}
# Third-party URLconfs known to route nothing at their own root: included at "", "/" stays unrouted.
_NO_ROOT = frozenset({"django.contrib.auth.urls", "rest_framework.urls", "allauth.urls",
                      "allauth.account.urls", "debug_toolbar.urls"})
# Django's own converters (django/urls/converters.py); a project's own one is taken as [^/]+.
_CONVERTERS = {"int": "[0-9]+", "str": "[^/]+", "slug": "[-a-zA-Z0-9_]+", "path": ".+",
               "uuid": "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"}
_CONVERTER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<parameter>[^>]+)>")
# Views whose class serves GET (Django's generic views, DRF's generic ones that read).
_GET_BASE = re.compile(r"^(?:Template|Redirect|List|Detail|Form|Create|Update|Delete|\w*Archive|Date\w*)"
                       r"View$|^(?:List|Retrieve|ListCreate|RetrieveUpdate|RetrieveDestroy|RetrieveUpdateDestroy)"
                       r"APIView$")
# Django's generic views that render a template (django/views/generic/): an HTML page, not an API answer.
_PAGE_BASE = re.compile(r"^(?:Template|List|Detail|Form|Create|Update|Delete|\w*Archive|Date\w*)View$")
# What a function view renders a template with (django.shortcuts, django.template.response and .loader)
_RENDERS = frozenset({"render", "render_to_response", "TemplateResponse", "SimpleTemplateResponse",
                      "render_to_string", "get_template", "select_template"})
_NO_GET_BASE = frozenset({"View", "APIView", "GenericAPIView", "CreateAPIView", "UpdateAPIView",
                          "DestroyAPIView", "ViewSet", "GenericViewSet", "ViewSetMixin", "object"})
# Viewsets' actions behind a router's list route and detail route, and the DRF bases that bring them.
_ACTION_BASES = {"list": frozenset({"ModelViewSet", "ReadOnlyModelViewSet", "ListModelMixin"}),
                 "retrieve": frozenset({"ModelViewSet", "ReadOnlyModelViewSet", "RetrieveModelMixin"})}
_DRF = re.compile(r"APIView$|ViewSet$")
_DEFS = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
# The views that serve an OpenAPI document, as each package's documented URLconf routes them:
# drf-spectacular's SpectacularAPIView (YAML; SpectacularJSONAPIView's JSON); drf-yasg's
# get_schema_view(...) class, whose without_ui() (or as_cached_view()) serves the document in the format
# the route captures (`swagger<format>/`, `^swagger(?P<format>\.json|\.yaml)$`) and whose with_ui("swagger")
# page answers ?format=openapi with it (its _SpecRenderer's format "openapi", what the page itself
# fetches); DRF's own get_schema_view() (rest_framework.schemas), a view answering YAML.
_SPECTACULAR_VIEWS = frozenset({"SpectacularAPIView", "SpectacularJSONAPIView", "SpectacularYAMLAPIView"})
_YASG_DOCUMENT = frozenset({"without_ui", "as_cached_view"})
# A route's captured format (path()'s <format>, re_path's (?P<format>...)): the JSON one is asked for
_FORMAT_PARAMETER = re.compile(r"<(?:\w+:)?format>|\(\?P<format>[^()]*\)")
# DRF's token logins, by the view a route names (a project's subclass of one too), as each documents them:
# simplejwt's TokenObtainPairView answers {"refresh", "access"} and its TokenObtainSlidingView {"token"},
# both reading the user model's USERNAME_FIELD and "password", the token sent back after its
# AUTH_HEADER_TYPES ("Bearer" by default); DRF's obtain_auth_token (ObtainAuthToken) reads "username" and
# "password", answers {"token"} and reads it back after "Token".
_TOKEN_VIEWS = {"TokenObtainPairView": "$.access", "TokenObtainSlidingView": "$.token",
                "ObtainAuthToken": "$.token", "obtain_auth_token": "$.token"}
# What a DRF view reads of the request's body: request.data.get("email"), request.data["password"]
_DATA_FIELD = re.compile(r"""\brequest\.data(?:\.get\(\s*|\[\s*)['"](\w+)['"]""")
_LOGIN_DECORATORS = frozenset({"staff_member_required", "user_passes_test", "superuser_required"})


# A pattern of a list, with the module whose names it uses (a list imported from another module)
_Item = tuple[str, ast.expr]


@dataclass(frozen=True)
class DjangoRoute:
    """A view route with its full path: ``/api/users/``, ``/`` for the root; parameters as written
    (``/users/<int:pk>/``, a regex group). ``where`` is ``file:line`` of its ``path()``; ``steps`` the
    include prefixes above it as ``'api/' (config/urls.py:22)``."""

    path: str
    where: str
    parameters: bool = False
    get: bool = True  # answers GET as far as reading its view tells
    login: bool = False  # asks for a login as far as reading tells
    at_root: bool = False  # every pattern on its chain matches the empty path: it answers "/"
    steps: tuple[str, ...] = ()
    redirects: bool = False  # a RedirectView: its GET answers 302, no page of its own
    page: bool = False  # renders a template, as far as reading tells: an HTML page


@dataclass
class UrlConf:
    """The routes of ROOT_URLCONF ``module`` (file ``file``), in Django's order of resolution."""

    module: str
    file: str
    routes: list[DjangoRoute] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)  # "file:line: include(x)" not followed
    root_unknown: bool = False  # an unread include may route "/"
    whitenoise_root: bool = False
    # Form logins by session behind Django's CSRF check: Django's own LoginView (django.contrib.auth.urls'
    # "login/", LoginView.as_view()) and django-allauth's (allauth.urls' "login/"): (full path, where, the
    # form's field for the account: "username" for Django's, "login" for allauth's)
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    # The routes of views that serve the OpenAPI document (full path, include prefixes applied)
    schemas: list[Served] = field(default_factory=list)
    # DRF's token logins (_TOKEN_VIEWS): (full path, where, the token's JSONPath, the scheme, the account's
    # field of the body)
    token_logins: list[tuple[str, str, str, str, str]] = field(default_factory=list)

    @property
    def root(self) -> bool | None:
        """True when a view answers "/" (a redirect counts), False when none does, None when an
        include that could not be read (or WhiteNoise's index files) may."""
        if any(r.at_root and r.get for r in self.routes):
            return True
        return None if self.root_unknown or self.whitenoise_root else False

    def page(self) -> tuple[str, str]:
        """(full path, ``file:line``) of the first route that renders a template and answers GET without
        a parameter or a login (the Django tutorial's ``/polls/``, where "/" has no view); ("", "") when
        there is none."""
        best = next((r for r in self.routes if r.page and r.get and not r.login and not r.parameters
                     and not r.redirects), None)
        return (best.path, best.where) if best else ("", "")

    def poll(self) -> tuple[str, str]:
        """(full path, file) of the first GET route without parameters, one without a login before one
        with, one :func:`~.health.loadable` before one that is not; ("", "") when there is none."""
        candidates = [r for r in self.routes if r.get and not r.parameters and not r.at_root]
        # a logout or a docs page answers too, but is no route of the app's own to watch
        best = min(candidates, key=lambda r: (r.login, not loadable(r.path)), default=None)
        return (best.path, best.where.rsplit(":", 1)[0]) if best else ("", "")

    def how(self, path: str) -> str:
        """The include() prefixes above the route at full *path*, as `` under 'api/' (config/urls.py:22) +
        ...``; "" when it has none."""
        route = next((r for r in self.routes if r.path == path and r.steps), None)
        return f" under {' + '.join(route.steps)}" if route else ""


def read_urlconf(folder: Path, facts: DjangoFacts | None) -> UrlConf | None:
    """The URLconf of the Django project in *folder*, or None when ROOT_URLCONF is not read from the
    settings or its module has no ``urlpatterns`` static reading finds."""
    if facts is None or not facts.root_urlconf:
        return None
    reader = _Reader(folder, facts)
    try:
        return reader.read(facts.root_urlconf)
    except (RecursionError, MemoryError):
        return None


@dataclass(frozen=True)
class _Piece:
    """One pattern on a route's chain: ``path()``'s route or ``re_path()``'s regex, as written."""

    text: str
    regex: bool
    where: str

    def shown(self) -> tuple[str, bool]:
        """(the piece as part of a URL, whether it holds a parameter)."""
        if not self.regex:
            return self.text, "<" in self.text
        body = self.text.removeprefix("^")
        body = re.sub(r"(?:\$|\\Z)$", "", body)
        body = re.sub(r"/\?$", "/", body)
        body = re.sub(r"\\([./_-])", r"\1", body)
        return body, bool(re.search(r"[()\[\]{}*+?|\\^$]", body))

    def matches_empty(self, endpoint: bool) -> bool:
        """Whether the piece matches the empty path (Django's own pattern: a path() endpoint is
        anchored at the end, a regex as written)."""
        pattern = self.text
        if not self.regex:
            # Django's _route_to_regex: the literal parts escaped, each <converter:name> its regex
            pattern, at = "^", 0
            for m in _CONVERTER.finditer(self.text):
                pattern += re.escape(self.text[at:m.start()]) + _CONVERTERS.get(m.group("converter") or "str",
                                                                                "[^/]+")
                at = m.end()
            pattern += re.escape(self.text[at:]) + (r"\Z" if endpoint else "")
        try:
            return re.match(pattern, "") is not None
        except (re.error, RecursionError, OverflowError):
            return False


@dataclass
class _Class:
    """What a view class and its bases in the project say: methods, permission_classes as written
    (None when unset), whether a mixin or decorator asks for a login, its bases outside the project."""

    methods: set[str] = field(default_factory=set)
    permissions: str | None = None
    login: bool = False
    outside: list[str] = field(default_factory=list)
    http_methods: str | None = None
    actions: list[_Action] = field(default_factory=list)  # a viewset's @action methods, in order
    template: bool = False  # sets template_name


@dataclass(frozen=True)
class _Action:
    """A viewset's ``@action(detail=..., methods=[...], url_path=...)``: the route a router gives it
    under the registered prefix (``url_path`` or the method's name), whether it answers GET (DRF's
    default methods are ``["get"]``) and its own ``permission_classes`` as written (None when unset)."""

    path: str
    detail: bool
    get: bool
    permissions: str | None
    where: str


class _Reader:
    def __init__(self, folder: Path, facts: DjangoFacts) -> None:
        self.folder = folder
        self.default_login = _permission_login(facts.drf_permissions) if facts.drf_permissions else False
        self.whitenoise = facts.whitenoise_root
        self.trees: dict[str, tuple[ast.Module, str, bool] | None] = {}
        self.imports: dict[str, dict[str, tuple[str, str]]] = {}
        self.routes: list[DjangoRoute] = []
        self.unread: list[str] = []
        self.root_unknown = False
        self.logins: list[tuple[str, str, str]] = []
        self.schemas: list[Served] = []
        self.token_logins: list[tuple[str, str, str, str, str]] = []
        self.facts = facts

    # ------------------------------------------------------------------ modules and names

    def read(self, module: str) -> UrlConf | None:
        loaded = self.module(module)
        if loaded is None or not self._assigns(loaded[0], "urlpatterns"):
            return None
        self._walk(module, self._patterns(module, "urlpatterns", frozenset()), (), 0, frozenset({module}))
        # a route of the document itself before a docs page that answers it on request
        schemas = sorted(self.schemas, key=lambda s: "?" in s.path)
        return UrlConf(module, loaded[1], self.routes, self.unread, self.root_unknown, self.whitenoise,
                       self.logins, schemas, self.token_logins)

    def module(self, name: str) -> tuple[ast.Module, str, bool] | None:
        """(tree, file relative to the folder, whether a package) of the project's module *name*."""
        if name in self.trees:
            return self.trees[name]
        found: tuple[ast.Module, str, bool] | None = None
        if len(self.trees) < _FILES and re.fullmatch(r"\w+(?:\.\w+)*", name):
            base = name.replace(".", "/")
            for path, package in ((self.folder / f"{base}.py", False),
                                  (self.folder / base / "__init__.py", True)):
                if path.is_file():
                    tree = python_module(read_text(path))
                    if tree is None:
                        break
                    found = (tree, path.relative_to(self.folder).as_posix(), package)
                    break
        self.trees[name] = found
        return found

    def _imports(self, module: str) -> dict[str, tuple[str, str]]:
        """{local name: (module, attribute or "" for the module itself)} of *module*'s imports."""
        if module in self.imports:
            return self.imports[module]
        loaded = self.module(module)
        found = import_table(loaded[0], module, loaded[2]) if loaded is not None else {}
        self.imports[module] = found
        return found

    def resolve(self, module: str, name: str, depth: int = 0) -> tuple[str, str, str]:
        """What *name* is in *module*: ("module", dotted, ""), ("def", module, name) for a name a module
        of the project binds, ("outside", dotted, name) for one from elsewhere, ("", "", "") if unknown."""
        loaded = self.module(module)
        if loaded is None or depth > 8:
            return "", "", ""
        if _binds(loaded[0], name):
            return "def", module, name
        target, attr = self._imports(module).get(name, ("", ""))
        if not target:
            return "", "", ""
        if not attr:
            return ("module", target, "") if self.module(target) else ("outside", target, "")
        if self.module(f"{target}.{attr}") is not None:
            return "module", f"{target}.{attr}", ""
        if self.module(target) is not None:
            return self.resolve(target, attr, depth + 1)
        return "outside", target, attr

    def resolve_expr(self, module: str, expr: ast.expr) -> tuple[str, str, str]:
        """:meth:`resolve` for a name or a dotted attribute (``views.home``, ``apps.users.urls``)."""
        if isinstance(expr, ast.Name):
            return self.resolve(module, expr.id)
        if isinstance(expr, ast.Attribute):
            kind, owner, name = self.resolve_expr(module, expr.value)
            if kind == "module":
                if self.module(f"{owner}.{expr.attr}") is not None:
                    return "module", f"{owner}.{expr.attr}", ""
                return self.resolve(owner, expr.attr)
            if kind == "outside":
                return "outside", f"{owner}.{name}" if name else owner, expr.attr
        return "", "", ""

    def defined(self, module: str, expr: ast.expr) -> tuple[str, ast.stmt | None]:
        """(the module it is defined in, its :meth:`definition`) of the project's own name or dotted
        attribute *expr*; ("", None) for one of a package or one reading cannot follow."""
        kind, owner, name = self.resolve_expr(module, expr)
        return (owner, self.definition(owner, name)) if kind == "def" else ("", None)

    def definition(self, module: str, name: str) -> ast.stmt | None:
        """The last top-level class, function or assignment binding *name* in *module*."""
        loaded = self.module(module)
        found: ast.stmt | None = None
        for node in _statements(loaded[0].body) if loaded else []:
            named = node.name if isinstance(node, _DEFS) else ""
            if name in (named, _assigned_name(node)):
                found = node
        return found

    def string(self, module: str, expr: ast.expr | None, depth: int = 0) -> str | None:
        """The string *expr* holds (a literal, a module constant, ``+`` or an f-string of those)."""
        if expr is None or depth > 6:
            return None
        if isinstance(expr, ast.Constant):
            return expr.value if isinstance(expr.value, str) else None
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            left = self.string(module, expr.left, depth + 1)
            right = self.string(module, expr.right, depth + 1)
            return left + right if left is not None and right is not None else None
        if isinstance(expr, ast.JoinedStr):
            parts = [self.string(module, v.value if isinstance(v, ast.FormattedValue) else v, depth + 1)
                     for v in expr.values]
            return None if None in parts else "".join(p or "" for p in parts)
        if isinstance(expr, ast.Name):
            kind, owner, name = self.resolve(module, expr.id)
            # the last binding that reads as a string: healthchecks' `prefix = ""`, then under `if _path :=
            # urlparse(settings.SITE_ROOT).path...:` `prefix = f"{_path}/"`, which reading cannot know
            loaded = self.module(owner) if kind == "def" else None
            for node in reversed(_statements(loaded[0].body) if loaded else []):
                if _assigned_name(node) == name and isinstance(node, ast.Assign | ast.AnnAssign):
                    text = self.string(owner, node.value, depth + 1)
                    if text is not None:
                        return text
        return None

    # ------------------------------------------------------------------ pattern lists

    def _assigns(self, tree: ast.Module, name: str) -> bool:
        return any(_assigned_name(node) == name for node in _statements(tree.body))

    def _patterns(self, module: str, name: str, seen: frozenset[tuple[str, str]]) -> list[_Item]:
        """The items of list *name* of *module* as its statements build it, each with the module whose
        names it uses."""
        loaded = self.module(module)
        if loaded is None or (module, name) in seen or len(seen) > _DEPTH:
            return []
        seen = seen | {(module, name)}
        items: list[_Item] = []
        for node in _statements(loaded[0].body):
            if isinstance(node, ast.Assign | ast.AnnAssign) and _assigned_name(node) == name and node.value:
                if not _passes(node.value, name):  # urlpatterns = DebugToolbarSetup.do_urls(urlpatterns)
                    items = self._items(module, node.value, seen)
            elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) \
                    and node.target.id == name:
                items += self._items(module, node.value, seen)
            elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
                items += self._changed(module, node.value, name, seen)
        return items

    def _changed(self, module: str, call: ast.Call, name: str,
                 seen: frozenset[tuple[str, str]]) -> list[_Item]:
        """The items ``name.append(x)``, ``.insert(i, x)`` or ``.extend(xs)`` adds."""
        func = call.func
        if not isinstance(func, ast.Attribute) or _text(func.value) != name:
            return []
        if func.attr in ("append", "insert") and call.args:
            return [(module, call.args[-1])]
        if func.attr == "extend" and call.args:
            return self._items(module, call.args[0], seen)
        return []

    def _items(self, module: str, expr: ast.expr, seen: frozenset[tuple[str, str]]) -> list[_Item]:
        """The patterns a list expression holds: a literal, ``a + b``, ``*other``, a list variable of
        this or another module, ``i18n_patterns(...)``; a router's ``.urls`` stays one item."""
        if isinstance(expr, ast.List | ast.Tuple):
            out: list[_Item] = []
            for element in expr.elts:
                if isinstance(element, ast.Starred):
                    out += self._items(module, element.value, seen)
                else:
                    out.append((module, element))
            return out
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            return self._items(module, expr.left, seen) + self._items(module, expr.right, seen)
        if isinstance(expr, ast.Call):
            called = _called(expr)
            if called in ("static", "staticfiles_urlpatterns", "debug_toolbar_urls"):
                return []  # DEBUG only: empty once init turns DEBUG off
            if called in ("i18n_patterns", "format_suffix_patterns"):
                return [item for arg in expr.args for item in self._items(module, arg, seen)]
            return [(module, expr)]
        if isinstance(expr, ast.Name | ast.Attribute):
            if isinstance(expr, ast.Attribute) and expr.attr == "urls":
                return [(module, expr)]
            kind, owner, name = self.resolve_expr(module, expr)
            if kind == "module":
                return self._patterns(owner, "urlpatterns", seen)
            if kind == "def":
                return self._patterns(owner, name, seen)
        return [(module, expr)]

    # ------------------------------------------------------------------ the walk

    def _walk(self, module: str, items: list[_Item], chain: tuple[_Piece, ...], depth: int,
              stack: frozenset[str]) -> None:
        for owner, item in items:
            if len(self.routes) >= _ROUTES:
                return
            if isinstance(item, ast.Call) and _called(item) in ("path", "re_path", "url"):
                self._route(owner, item, chain, depth, stack)
            elif isinstance(item, ast.Attribute) and item.attr == "urls":
                self._urls(owner, item, chain, self._where(owner, item))
            else:
                self._unread(owner, item, chain)

    def _route(self, module: str, call: ast.Call, chain: tuple[_Piece, ...], depth: int,
               stack: frozenset[str]) -> None:
        given = call.args[0] if call.args else _keyword(call, "route")
        view = call.args[1] if len(call.args) > 1 else _keyword(call, "view")
        where = self._where(module, call)
        text = self.string(module, given)
        if text is None or view is None:
            # path(settings.ADMIN_URL, admin.site.urls): a route computed where reading cannot follow,
            # practically never the empty one
            self.unread.append(f"{where}: {_text(call)[:80]}")
            return
        piece = _Piece(text, _called(call) != "path", where)
        included = _included(view)
        if included is None:
            get, login = self.view(module, view)
            self._add(chain + (piece,), get, login, self.redirect_view(module, view),
                      self.renders(module, view))
            if self._auth_login_view(module, view):
                self.logins.append((self.routes[-1].path, where, "username"))
            self._schema(module, view, chain, piece)
            self._token_login(module, view, where)
            return
        if depth >= _DEPTH:
            self.unread.append(f"{where}: included {_DEPTH} deep")
            return
        self._include(module, included, chain + (piece,), depth, stack)

    def _include(self, module: str, target: ast.expr, chain: tuple[_Piece, ...], depth: int,
                 stack: frozenset[str]) -> None:
        """Walk what ``include(target)`` (or a ``(patterns, app_name)`` tuple) includes under *chain*."""
        where = chain[-1].where
        if isinstance(target, ast.Attribute) and target.attr == "urls":
            self._urls(module, target, chain, where)
            return
        dotted = self.string(module, target)  # include("app.urls"), include(URLS_MODULE)
        kind, owner, name = ("module", dotted, "") if dotted else self.resolve_expr(module, target)
        if kind == "module" and owner in stack:
            self.unread.append(f"{where}: {owner} includes itself")
            return
        if kind == "module" and self.module(owner) is not None:
            items = self._patterns(owner, "urlpatterns", frozenset())
            self._walk(owner, items, chain, depth + 1, stack | {owner})
        elif kind in ("module", "outside") and (f"{owner}.{name}" if name else owner) in _NO_ROOT:
            field = _LOGIN_URLS.get(f"{owner}.{name}" if name else owner)
            if field:
                # its "login/" is Django's LoginView (django/contrib/auth/urls.py), or allauth's LoginView
                # (allauth/account/urls.py), whose form names the account "login" (a username or an email)
                self.logins.append((_full_path(chain + (_Piece("login/", False, where),)), where, field))
            return
        elif kind == "def":
            self._walk(owner, self._patterns(owner, name, frozenset()), chain, depth + 1, stack)
        elif isinstance(target, ast.List | ast.Tuple | ast.BinOp):
            self._walk(module, self._items(module, target, frozenset()), chain, depth + 1, stack)
        else:
            self._unread(module, target, chain)

    def _urls(self, module: str, expr: ast.Attribute, chain: tuple[_Piece, ...], where: str) -> None:
        """``admin.site.urls``, a DRF router's ``router.urls``, or an ``x.urls`` reading cannot follow."""
        if _text(expr).endswith("site.urls"):
            # The admin's index answers at its prefix: a redirect to its login
            self._add(chain, True, True)
            return
        kind, owner, name = self.resolve_expr(module, expr.value)
        node = self.definition(owner, name) if kind == "def" else None
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        router = _called(value) if isinstance(value, ast.Call) else ""
        if isinstance(value, ast.Call) and router.endswith(("NinjaAPI", "NinjaExtraAPI")):
            # Django Ninja's routes are read with the other frameworks' (:mod:`.health`, its add_router()
            # prefixes): whether one answers "/" is the route graph's to say, not unknown
            self.unread.append(f"{self._where(module, expr)}: {_text(expr)[:80]}")
            return
        if not isinstance(value, ast.Call) or not router.endswith(("DefaultRouter", "SimpleRouter")):
            self._unread(module, expr, chain)  # a nested router, an x.urls reading cannot follow
            return
        slash = _keyword(value, "trailing_slash")
        trailing = "/"
        if isinstance(slash, ast.Constant):
            # trailing_slash="/?" (an optional one): the URL with it answers
            trailing = {False: "", True: "/", "/?": "/"}.get(slash.value, str(slash.value))
        if router.endswith("DefaultRouter"):
            self._add(chain + (_Piece("", False, where),), True, self.default_login)  # its API root view
        tree = self.module(owner)
        for call in (n for n in ast.walk(tree[0]) if isinstance(n, ast.Call)) if tree else ():
            func = call.func
            if not (isinstance(func, ast.Attribute) and func.attr == "register"
                    and isinstance(func.value, ast.Name) and func.value.id == name and len(call.args) > 1):
                continue
            prefix = self.string(owner, call.args[0])
            if prefix is None:
                continue
            at = self._where(owner, call)
            klass = self.klass(owner, call.args[1])
            for action, route in (("list", prefix + trailing if prefix else ""),
                                  ("retrieve", f"{prefix}/<pk>{trailing}" if prefix else f"<pk>{trailing}")):
                get = self._serves(klass, action)
                self._add(chain + (_Piece(route, False, at),), get, self._login(klass, True))
            # Its @action methods: {prefix}/{url_path}/ (detail=False), {prefix}/<pk>/{url_path}/
            base = f"{prefix}/" if prefix else ""
            for extra in klass.actions:
                route = f"{base}{'<pk>/' if extra.detail else ''}{extra.path}{trailing}"
                login = (_permission_login(extra.permissions) if extra.permissions is not None
                         else self._login(klass, True))
                self._add(chain + (_Piece(route, False, extra.where),), extra.get, login)

    def _unread(self, module: str, expr: ast.expr, chain: tuple[_Piece, ...]) -> None:
        self.unread.append(f"{self._where(module, expr)}: {_text(expr)[:80]}")
        if all(piece.matches_empty(False) for piece in chain):
            self.root_unknown = True

    def _auth_login_view(self, module: str, view: ast.expr) -> bool:
        """Whether *view* is ``LoginView.as_view(...)`` of ``django.contrib.auth.views``."""
        if not (isinstance(view, ast.Call) and isinstance(view.func, ast.Attribute)
                and view.func.attr == "as_view"):
            return False
        kind, owner, name = self.resolve_expr(module, view.func.value)
        return kind == "outside" and name == "LoginView" and owner.startswith("django.contrib.auth")

    def _token_login(self, module: str, view: ast.expr, where: str) -> None:
        """Record the route just added when its view is one of DRF's token logins (:data:`_TOKEN_VIEWS`)."""
        func = view.func if isinstance(view, ast.Call) else None
        if isinstance(func, ast.Attribute) and func.attr == "as_view":
            names = self.klass(module, func.value).outside
        elif isinstance(view, ast.Name | ast.Attribute):
            kind, _, name = self.resolve_expr(module, view)
            names = [name] if kind == "outside" else []
        else:
            return
        found = next((n for n in names if n in _TOKEN_VIEWS), "")
        if self.routes[-1].parameters:
            return
        if not found:
            own = self._own_login(module, func.value) if isinstance(func, ast.Attribute) else None
            if own is not None:
                self.token_logins.append((self.routes[-1].path, where, *own))
            return
        simplejwt = found.startswith("Token")
        scheme = (self.facts.jwt_header_type or "Bearer") if simplejwt else "Token"
        field = self.username_field() if simplejwt else "username"
        self.token_logins.append((self.routes[-1].path, where, _TOKEN_VIEWS[found], scheme, field))

    def _own_login(self, module: str, expr: ast.expr) -> tuple[str, str, str] | None:
        """(token, scheme, the account's field) of a project's own DRF login view: a class whose ``post``
        calls Django's ``authenticate()`` with what it reads of ``request.data`` (the logistics portal's
        ``LoginView``: ``email`` and ``password``), and answers the token in a JSON field (``access``,
        ``token``, ``access_token``) or sets it as a cookie (token "": a session flow, whose cookie the
        requests after it carry); None for any other view."""
        owner, node = self.defined(module, expr)
        post = next((item for item in node.body if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                     and item.name == "post"), None) if isinstance(node, ast.ClassDef) else None
        text = _text(post) if post is not None else ""
        if "authenticate(" not in text:
            return None
        fields = [f for f in _DATA_FIELD.findall(text) if f != "password"]
        field = next((f for f in ("email", "username") if f in fields), fields[0] if fields else "username")
        if "set_cookie(" in text:
            return "", "Bearer", field
        key = next((k for k in ("access", "access_token", "token")
                    if re.search(rf"['\"]{k}['\"]\s*:", text)), "")
        return (f"$.{key}", self.facts.jwt_header_type or "Bearer", field) if key else None

    def username_field(self) -> str:
        """The USERNAME_FIELD of the project's AUTH_USER_MODEL as its class (or a base in the project) sets
        it; "username" for Django's User or one that does not say."""
        app, _, name = self.facts.auth_user_model.partition(".")
        todo = [(f"{app}.models", name)] if app and name else []
        for _ in range(6):
            if not todo:
                break
            module, name = todo.pop()
            node = self.definition(module, name)
            if not isinstance(node, ast.ClassDef):
                break
            for item in node.body:
                value = getattr(item, "value", None)
                if _assigned_name(item) == "USERNAME_FIELD" and isinstance(value, ast.Constant) \
                        and isinstance(value.value, str):
                    return value.value
            for base in node.bases:
                kind, owner, base_name = self.resolve_expr(module, base)
                if kind == "def":
                    todo.append((owner, base_name))
        return "username"

    def _schema(self, module: str, view: ast.expr, chain: tuple[_Piece, ...], piece: _Piece) -> None:
        """Record the route of *view* when it serves the OpenAPI document (:data:`_SPECTACULAR_VIEWS` ...),
        with the JSON format asked for where the route captures one."""
        found = self._schema_view(module, view)
        if found is None:
            return
        framework, how, query = found
        fixed = _Piece(_FORMAT_PARAMETER.sub(".json", piece.text), piece.regex, piece.where)
        full = _full_path(chain + (fixed,))
        if any(param for _, param in (p.shown() for p in chain + (fixed,))):
            return  # a parameter other than the format: no one path to ask
        self.schemas.append(Served(full + query, piece.where, framework, how))

    def _schema_view(self, module: str, view: ast.expr, depth: int = 0) -> tuple[str, str, str] | None:
        """(package, how the route names it, query to add) when *view* serves an OpenAPI document."""
        if depth > 4:
            return None
        if isinstance(view, ast.Name | ast.Attribute):  # schema = get_schema_view(...); path("x", schema)
            owner, node = self.defined(module, view)
            value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
            return self._schema_view(owner, value, depth + 1) if value is not None else None
        if not isinstance(view, ast.Call):
            return None
        func = view.func
        if isinstance(func, ast.Attribute) and func.attr == "as_view":
            kind, owner, name = self.resolve_expr(module, func.value)
            if kind == "outside" and owner.startswith("drf_spectacular") and name in _SPECTACULAR_VIEWS:
                return "drf-spectacular", f"{name}'s route", ""
            return None
        if isinstance(func, ast.Attribute) and func.attr in (*_YASG_DOCUMENT, "with_ui"):
            if not self._made_by(module, func.value, "drf_yasg"):
                return None
            if func.attr in _YASG_DOCUMENT:
                return "drf-yasg", f"get_schema_view().{func.attr}()'s route", ""
            ui = view.args[0] if view.args else _keyword(view, "renderer")
            page = ui.value if isinstance(ui, ast.Constant) and isinstance(ui.value, str) else "swagger"
            return "drf-yasg", f"the {page} page's document (?format=openapi)", "?format=openapi"
        kind, owner, name = self.resolve_expr(module, func)
        if kind == "outside" and name == "get_schema_view" and owner.startswith("rest_framework.schemas"):
            return "Django REST framework", "get_schema_view()'s route", ""
        return None

    def _made_by(self, module: str, expr: ast.expr, package: str) -> bool:
        """Whether *expr* (a name) is bound to ``get_schema_view(...)`` of *package*."""
        owner, node = self.defined(module, expr)
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        if not isinstance(value, ast.Call):
            return False
        kind, source, called = self.resolve_expr(owner, value.func)
        return kind == "outside" and called == "get_schema_view" and source.startswith(package)

    def _add(self, chain: tuple[_Piece, ...], get: bool, login: bool, redirects: bool = False,
             page: bool = False) -> None:
        shown = [piece.shown() for piece in chain]
        at_root = all(piece.matches_empty(i == len(chain) - 1) for i, piece in enumerate(chain))
        steps = tuple(f"{p.text!r} ({p.where})" for p in chain[:-1])
        self.routes.append(DjangoRoute(_full_path(chain), chain[-1].where,
                                       any(param for _, param in shown), get, login, at_root, steps,
                                       redirects, page))

    def redirect_view(self, module: str, expr: ast.expr, depth: int = 0) -> bool:
        """Whether the view ``path()`` names is a RedirectView (its class or a base of it, through
        ``login_required(...)`` and a module-level ``x = View.as_view()``): its GET answers 302.
        cookiecutter-django's users/~redirect/ is the first route behind its login."""
        if depth > 6:
            return False
        func = expr.func if isinstance(expr, ast.Call) else None
        if isinstance(func, ast.Attribute) and func.attr == "as_view":
            return "RedirectView" in self.klass(module, func.value).outside
        if isinstance(expr, ast.Call) and expr.args:
            return self.redirect_view(module, expr.args[0], depth + 1)
        if isinstance(expr, ast.Name | ast.Attribute):
            owner, node = self.defined(module, expr)
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                return self.redirect_view(owner, node.value, depth + 1)
        return False

    def renders(self, module: str, expr: ast.expr, depth: int = 0) -> bool:
        """Whether the view ``path()`` names renders a template: a class with a ``template_name`` (its
        own, a base's or ``as_view(template_name=...)``) or one of Django's generic views that render one,
        a function that calls ``render()``, ``TemplateResponse()`` or ``render_to_string()``; through
        ``login_required(...)`` and a module-level ``x = View.as_view()``."""
        if depth > 6:
            return False
        func = expr.func if isinstance(expr, ast.Call) else None
        if isinstance(expr, ast.Call) and isinstance(func, ast.Attribute) and func.attr == "as_view":
            klass = self.klass(module, func.value)
            return (klass.template or _keyword(expr, "template_name") is not None
                    or any(_PAGE_BASE.match(base) for base in klass.outside))
        if isinstance(expr, ast.Call) and expr.args:
            return self.renders(module, expr.args[0], depth + 1)
        if isinstance(expr, ast.Name | ast.Attribute):
            owner, node = self.defined(module, expr)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                return _answers_template(node)
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                return self.renders(owner, node.value, depth + 1)
        return False

    def _where(self, module: str, node: ast.AST) -> str:
        loaded = self.module(module)
        return f"{loaded[1] if loaded else module}:{getattr(node, 'lineno', 0)}"

    # ------------------------------------------------------------------ views

    def view(self, module: str, expr: ast.expr, depth: int = 0) -> tuple[bool, bool]:
        """(answers GET, asks for a login) of a view as ``path()`` names it: ``X.as_view()``, a function,
        ``login_required(view)``; an unknown view answers GET without a login."""
        if depth > 6:
            return True, False
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) \
                and expr.func.attr == "as_view":
            klass = self.klass(module, expr.func.value)
            mapping = expr.args[0] if expr.args and isinstance(expr.args[0], ast.Dict) else None
            if mapping is not None:  # a viewset's as_view({"get": "list"})
                keys = [k.value for k in mapping.keys if isinstance(k, ast.Constant)]
                return "get" in keys, self._login(klass, True)
            return self._serves(klass, "get"), self._login(klass, False)
        if isinstance(expr, ast.Call) and expr.args:  # login_required(view), cache_page(60)(view)
            get, login = self.view(module, expr.args[0], depth + 1)
            return get, login or _decorator_login(expr.func)
        if isinstance(expr, ast.Name | ast.Attribute):
            owner, node = self.defined(module, expr)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                return self._function(node)
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                return self.view(owner, node.value, depth + 1)  # home = TemplateView.as_view(...)
        return True, False

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[bool, bool]:
        get, login, drf, permissions = True, False, False, None
        for decorator in node.decorator_list:
            name = _called(decorator)
            args = _text(decorator)
            if name in ("require_POST", "require_http_methods", "api_view"):
                drf = drf or name == "api_view"
                given = isinstance(decorator, ast.Call) and decorator.args
                get = name != "require_POST" and (not given or "GET" in args.upper())
            elif name == "permission_classes" and isinstance(decorator, ast.Call) and decorator.args:
                permissions = _text(decorator.args[0])
            else:
                login = login or _decorator_login(decorator)
        if permissions is not None:
            login = login or _permission_login(permissions)
        elif drf:
            login = login or self.default_login
        return get, login

    def klass(self, module: str, expr: ast.expr, depth: int = 0,
              seen: frozenset[str] = frozenset()) -> _Class:
        """What class *expr* of *module* and its bases in the project say (:class:`_Class`)."""
        kind, owner, name = self.resolve_expr(module, expr)
        node = self.definition(owner, name) if kind == "def" else None
        if not isinstance(node, ast.ClassDef) or depth > 6 or f"{owner}.{name}" in seen:
            return _Class(outside=[_text(expr).rsplit(".", 1)[-1]])
        found = _Class(login=any(_decorator_login(d) for d in node.decorator_list))
        for item in node.body:
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                found.methods.add(item.name)
                found.actions += _actions(item, self._where(owner, item))
                if item.name in ("get", "dispatch", "list"):
                    found.login = found.login or any(_decorator_login(d) for d in item.decorator_list)
            target = _assigned_name(item)
            value = getattr(item, "value", None)
            if target == "permission_classes" and value is not None:
                found.permissions = _text(value)
            elif target == "http_method_names" and value is not None:
                found.http_methods = _text(value)
            elif target == "template_name" and value is not None:
                found.template = True
        for base in node.bases:
            inherited = self.klass(owner, base, depth + 1, seen | {f"{owner}.{name}"})
            found.methods |= inherited.methods
            found.outside += inherited.outside
            found.actions += [a for a in inherited.actions if a.path not in {b.path for b in found.actions}]
            found.login = found.login or inherited.login
            found.template = found.template or inherited.template
            if found.permissions is None:
                found.permissions = inherited.permissions
            if found.http_methods is None:
                found.http_methods = inherited.http_methods
        return found

    def _serves(self, klass: _Class, action: str) -> bool:
        """Whether a class with *klass*'s facts has *action* ("get" for a view, a viewset's "list" or
        "retrieve"); a base from outside the project that reading does not know may bring it."""
        if klass.http_methods is not None and "get" not in klass.http_methods.lower():
            return False
        if action in klass.methods:
            return True
        bases = _ACTION_BASES.get(action, frozenset())
        for base in klass.outside:
            if base in bases or action == "get" and _GET_BASE.match(base):
                return True
            if action in _ACTION_BASES and base.endswith("ViewSet") and not base.endswith("ModelViewSet"):
                # DRF's naming: a ModelViewSet brings list and retrieve, a package's own ViewSet (a
                # GenericViewSet's subclass, django-utils-kit's ImprovedViewSet) only what it defines
                continue
            if base not in _NO_GET_BASE and not base.endswith("Mixin") and base not in _ALL_ACTION_BASES:
                return True  # a class of a package: it may
        return False

    def _login(self, klass: _Class, drf: bool) -> bool:
        if klass.login or any(base.endswith("Mixin") and _names_login(base) for base in klass.outside):
            return True
        if klass.permissions is not None:
            return _permission_login(klass.permissions)
        return (drf or any(_DRF.search(base) for base in klass.outside)) and self.default_login


_ALL_ACTION_BASES = frozenset().union(*_ACTION_BASES.values())


def _actions(node: ast.FunctionDef | ast.AsyncFunctionDef, where: str) -> list[_Action]:
    """The route DRF's ``@action`` (``@list_route``/``@detail_route`` before DRF 3.10) on *node* adds,
    none when it has no such decorator or its ``detail`` or ``url_path`` is no literal."""
    for decorator in node.decorator_list:
        name = _called(decorator)
        if name not in ("action", "list_route", "detail_route"):
            continue
        call = decorator if isinstance(decorator, ast.Call) else None
        detail = _keyword(call, "detail") if call is not None else None
        if name == "action" and not (isinstance(detail, ast.Constant) and isinstance(detail.value, bool)):
            return []  # @action needs detail=True or False
        url_path = _keyword(call, "url_path") if call is not None else None
        if url_path is not None and not (isinstance(url_path, ast.Constant)
                                         and isinstance(url_path.value, str)):
            return []
        methods = _keyword(call, "methods") if call is not None else None
        written = [m.value.lower() for m in getattr(methods, "elts", []) if isinstance(m, ast.Constant)
                   and isinstance(m.value, str)]
        permissions = _keyword(call, "permission_classes") if call is not None else None
        path = (str(url_path.value) if isinstance(url_path, ast.Constant) else node.name).strip("/")
        is_detail = detail.value if isinstance(detail, ast.Constant) else name == "detail_route"
        return [_Action(path, bool(is_detail), methods is None or "get" in written,
                        _text(permissions) if permissions is not None else None, where)]
    return []


def _permission_login(written: str) -> bool:
    """Whether DRF permission classes as written ask a GET for a login: not ``()``, ``AllowAny`` or a
    ``...OrReadOnly`` one; a project's own class is taken to ask."""
    inner = written.strip().strip("()[]").strip().rstrip(",")
    return bool(inner) and "AllowAny" not in inner and "ReadOnly" not in inner


def _decorator_login(decorator: ast.expr) -> bool:
    """Whether a view's decorator (or a wrapper around it) asks for a login: ``login_required``,
    ``permission_required(...)``, ``staff_member_required``, ``method_decorator(login_required)``; its
    callee's name is read, not its arguments (``extend_schema(responses=TokenSerializer)``)."""
    if isinstance(decorator, ast.Call) and _called(decorator) == "method_decorator" and decorator.args:
        return _decorator_login(decorator.args[0])
    called = decorator.func if isinstance(decorator, ast.Call) else decorator
    name = _text(called).rsplit(".", 1)[-1]
    if name.startswith("csrf") or name in ("permission_classes", "api_view"):
        return False
    return name in _LOGIN_DECORATORS or _names_login(name)


def _full_path(chain: tuple[_Piece, ...]) -> str:
    """The URL path of a route's *chain* of patterns, as :class:`DjangoRoute` has it."""
    return "/" + "".join(piece.shown()[0] for piece in chain)


def _statements(body: list[ast.stmt]) -> list[ast.stmt]:
    """*body*'s statements with those of its ``if`` (not the DEBUG branch: init turns DEBUG off),
    ``try`` and ``with`` blocks, in order."""
    out: list[ast.stmt] = []
    for node in body:
        if isinstance(node, ast.If):
            debug = "DEBUG" in _text(node.test)
            negated = isinstance(node.test, ast.UnaryOp) and isinstance(node.test.op, ast.Not)
            if not debug or negated:
                out += _statements(node.body)
            if not debug or not negated:
                out += _statements(node.orelse)
        elif isinstance(node, ast.Try):
            out += _statements(node.body) + _statements(node.orelse)
        elif isinstance(node, ast.With):
            out += _statements(node.body)
        else:
            out.append(node)
    return out


def _binds(tree: ast.Module, name: str) -> bool:
    return any(isinstance(n, _DEFS) and n.name == name or _assigned_name(n) == name
               for n in _statements(tree.body))


def _assigned_name(node: ast.AST) -> str:
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id
    return ""


def _passes(value: ast.expr, name: str) -> bool:
    """Whether *value* is a call handed list *name* itself: it returns that list, maybe with more."""
    return isinstance(value, ast.Call) and any(isinstance(a, ast.Name) and a.id == name for a in value.args)


def _included(view: ast.expr) -> ast.expr | None:
    """What a ``path()``'s view includes (``include(x)``'s module or list; a ``(patterns, app_name)``
    tuple's patterns; an ``x.urls``), or None for a view."""
    if isinstance(view, ast.Call) and _called(view) == "include":
        target = view.args[0] if view.args else _keyword(view, "arg")
        if isinstance(target, ast.Tuple) and target.elts:
            return target.elts[0]  # include(("dotted.module", "namespace"))
        return target
    if isinstance(view, ast.Tuple | ast.List) and view.elts:
        return view.elts[0]
    if isinstance(view, ast.Attribute) and view.attr == "urls":
        return view
    return None


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _answers_template(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether the view function *node* answers with a template it renders (:data:`_RENDERS`): a call in
    what it returns, or a name it returns that holds one. A template rendered for an e-mail
    (``send_mail(..., render_to_string("emails/welcome.txt", ...))`` before ``return JsonResponse(...)`` or
    a redirect) is no page: such a view was taken for the home page; nor is one that needs a query
    parameter."""
    def rendering(tree: ast.AST) -> bool:
        return any(isinstance(call, ast.Call) and _called(call) in _RENDERS for call in ast.walk(tree))

    if any(isinstance(read, ast.Subscript) and isinstance(read.value, ast.Attribute)
           and read.value.attr in ("GET", "query_params") for read in ast.walk(node)):
        return False  # request.GET["q"]: without the query, MultiValueDictKeyError (500), no page to audit
    held = {target.id for bound in ast.walk(node) if isinstance(bound, ast.Assign) and rendering(bound.value)
            for target in bound.targets if isinstance(target, ast.Name)}
    for answer in ast.walk(node):
        if isinstance(answer, ast.Return) and answer.value is not None and (
                rendering(answer.value) or any(isinstance(name, ast.Name) and name.id in held
                                               for name in ast.walk(answer.value))):
            return True
    return False


def _called(call: ast.AST) -> str:
    func = call.func if isinstance(call, ast.Call) else call
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def _text(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except (RecursionError, ValueError):
        return ""
