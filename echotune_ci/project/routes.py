"""A login route and a protected route in the app's own sources: what ``init`` writes as a first
``[[api.flows]]``.

Routes are read from the declarations Flask, FastAPI, Express and
Fastify/Koa routers share (``@app.post("/api/login")``,
``@app.route("/login", methods=["POST"])``, ``router.post('/login', ...)``):
a POST whose path ends in login, signin, token or sessions logs in; a GET
whose path ends in me, profile, account, user or whoami needs the token. The
token's field is ``access_token`` when the sources name such a field
(``{"access_token": ...}``; not flask-jwt-extended's ``create_access_token``),
``access`` with djangorestframework-simplejwt, else ``token``. A login that
reads its account from a ``user`` object of the body (``req.body.user``,
``request.data.get('user')``, a marshmallow ``@pre_load`` unwrapping
``data['user']``: the RealWorld API, ``{"user": {"email", "password"}}``,
answered with ``{"user": {"token"}}``) gets that shape, and an app that reads
its tokens after the word ``Token`` (``split(' ')[0] === 'Token'``, DRF's
TokenAuthentication, flask-jwt-extended's ``JWT_HEADER_TYPE = 'Token'``) that
scheme. A FastAPI login that reads OAuth2's password form (``OAuth2PasswordRequestForm``) is sent as
that form, and one whose ``response_model`` holds the token one object down (``token: Token``) is
captured there. A JSON token login beside a sign-up (a POST ending in register, signup or users: the
RealWorld API's ``POST /api/users``) gets a flow that signs the test account up first. Nothing found: no
flow (init writes none).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from .calltext import call_text
from .files import is_test_file, read_text

if TYPE_CHECKING:
    from .health import Graph

_SOURCES = (".py", ".js", ".mjs", ".cjs", ".ts")
_SKIP = {"node_modules", ".venv", "venv", "dist", "build", ".git", "static", "public", "tests", "test",
         "__pycache__"}
MAX_FILES = 300
# router.post('/login', ...), and across lines: router\n  .route('/profile')\n  .get(protect, ...)
# aiohttp's app.router.add_get / add_post too
# A path without its leading slash counts only on a Django Ninja router (@auth_router.post("signup/")): a
# dict's .get("email") is no route
_ROUTE = re.compile(r"""(?:\b(\w+)\s*)?\.(?:add_)?(get|post|route)\(\s*['"](/?[\w/.{}:-]*)['"]([^)\n]*)""",
                    re.I)
# The account's name read from a login's body as "email": { email, password } = req.body, req.body.email,
# request.json["email"], data.get("email")
_EMAIL_FIELD = re.compile(r"""\{\s*email\s*,[^}]*\}\s*=\s*req\.body|req\.body\.email\b|"""
                          r"""(?:json|data|body|form)(?:\.get\(|\[)\s*['"]email['"]""")
# The account read from a "user" object of the request's body: req.body.user, ctx.request.body.user,
# body.user.email (koa: const { body } = ctx.request), const { user } = req.body,
# request.data.get('user', {}), request.json["user"].
# Only reads of the request: data["user"] = user.username in a serializer, or a client's body.user, is none.
# A marshmallow schema's @pre_load that unwraps it (data = data['user']: flask-realworld-example-app) too.
_USER_OBJECT = re.compile(r"""\b(?:req|request|ctx\.request)\.body\.user\b|"""
                          # const { user } = req.body (then user.email)
                          r"""\{\s*(?:[\w\s,:]*,\s*)?user\s*(?:,[^}]*)?\}\s*=\s*(?:req|ctx\.request)\.body\b|"""
                          r"""\bbody\.user\.(?:email|username|password)\b|"""
                          r"""\brequest\.(?:data|json|get_json\(\))\s*(?:\.get\(|\[)\s*['"]user['"]|"""
                          r"""@pre_load\b[^@]{0,400}?\bdata\s*(?:\[\s*|\.get\(\s*)['"]user['"]""")
_EMAIL_PROPERTY = re.compile(r"""\.email\b|['"]email['"]""")
# Tokens read after the word "Token" (the RealWorld API's "Authorization: Token jwt"), not only "Bearer"
# flask-jwt-extended's JWT_HEADER_TYPE = 'Token', djangorestframework-jwt's JWT_AUTH_HEADER_PREFIX, and a
# header split on "Token " say so too.
_TOKEN_SCHEME = re.compile(r"""[=!]==?\s*['"]Token['"]|['"]Token['"]\s*[=!]==?|"""
                           r"""header_prefix\s*=\s*['"]Token['"]|\bTokenAuthentication\b|"""
                           r"""\b(?:JWT_HEADER_TYPE|JWT_AUTH_HEADER_PREFIX)['"]?\s*[=:]\s*['"]Token['"]|"""
                           r"""(?:split|startswith|startsWith)\(\s*['"]Token ['"]""")
# A response field called access_token ({"access_token": ...}, JavaScript's { access_token: ... },
# jsonify(access_token=...)); not flask-jwt-extended's create_access_token(), which names the function
_ACCESS_TOKEN = re.compile(r"""['"]access_token['"]|(?<![\w.])access_token\s*(?:=(?!=)|:)""")
_BEARER_SCHEME = re.compile(r"""['"]Bearer['"]|\bJWTAuthentication\b""")
# A login that keeps the account in a server-side session (its cookie carries it), and code that issues or
# reads tokens: an app with the first and none of the second logs in by cookie, not by token
_SESSION_LOGIN = re.compile(r"""\breq\.session\.\w+\s*=[^=]|\bctx\.session\.\w+\s*=[^=]|"""
                            r"""\bsession\[\s*['"]\w+['"]\s*\]\s*=[^=]|\blogin_user\(|\bauth_login\(|"""
                            # aiohttp_security's remember(request, response, identity)
                            r"""\blogin\(\s*request\s*,|\bremember\(\s*request\s*,""")
# Django: its CsrfViewMiddleware (in the default settings) refuses a POST without the csrftoken cookie's
# token, the login's included, unless the view is exempt (DRF's APIView is, until the session is made)
_DJANGO = re.compile(r"^\s*(?:from|import)\s+django\b", re.M)
# Flask-WTF: its forms (FlaskForm) and CSRFProtect refuse a POST without the csrf_token the page's form
# carries, the login's included (flask-wtf.readthedocs.io, CSRF Protection)
_FLASK_WTF = re.compile(r"^\s*(?:from|import)\s+flask_wtf\b", re.M)
# A Flask-WTF login form's class and its first text field, the account's name (microblog's LoginForm:
# username, where its RegistrationForm also reads an email)
_WTF_LOGIN_FORM = re.compile(r"^class\s+\w*Log(?:in|In)\w*\s*\(\s*FlaskForm\s*\)\s*:(.*?)(?=^\S|\Z)",
                             re.S | re.M)
_WTF_TEXT_FIELD = re.compile(r"^\s+(\w+)\s*=\s*(?:wtforms\.)?(?:String|Email)Field\b", re.M)
_ISSUES_TOKENS = re.compile(r"""jsonwebtoken|\bjwt\b|access_token|simplejwt|\bauthtoken\b|"""
                            r"""TokenAuthentication|\bBearer\b|passport-jwt|\btoken\s*[:=]""", re.I)
# A token the server keeps in a cookie (proshop-v2: `res.cookie('jwt', token, { httpOnly: true })`, read back
# from `req.cookies.jwt`; flask-jwt-extended with JWT_TOKEN_LOCATION = ["cookies"]) and code that reads an
# Authorization header: an app with the first and none of the second logs in by cookie, not by header
_COOKIE_TOKEN = re.compile(r"""\breq\.(?:signedCookies|cookies)\b|\brequest\.(?:cookies|COOKIES)\b|"""
                           r"""\bset_access_cookies\(|JWT_TOKEN_LOCATION['"]?\s*[=:]\s*\[?\s*['"]cookies['"]""")
_HEADER_TOKEN = re.compile(r"""\bheaders\.authorization\b|['"]authorization['"]|\bHTTP_AUTHORIZATION\b|"""
                           r"""\bBearer\b|\bfromAuthHeader|\bJWTAuthentication\b|\bTokenAuthentication\b""",
                           re.I)
# OAuth2's password form (FastAPI's OAuth2PasswordRequestForm): the login reads username and password from
# an application/x-www-form-urlencoded body, and answers JSON with 422
_OAUTH2_FORM = re.compile(r"\bOAuth2PasswordRequestForm(?:Strict)?\b")
# ... whose username is looked up as an email: get_user_by_email(db, form_data.username), or handed on as
# one: authenticate(session=session, email=form_data.username) (full-stack-fastapi-template)
_FORM_USERNAME_IS_EMAIL = re.compile(r"email\w*\([^)\n]*\.username\b|\bemail\s*=\s*\w+\.username\b", re.I)
# FastAPI's OAuth2PasswordBearer(tokenUrl=...): "the URL to obtain the OAuth2 token", the path operation that
# reads OAuth2PasswordRequestForm, whatever it is called (/login/access-token)
_TOKEN_URL = re.compile(r"\bOAuth2PasswordBearer\(")
_TOKEN_URL_ARG = re.compile(r"\btokenUrl\s*=\s*([^,)\n]+)")
# FastAPI's response model of a route (response_model=LoginResponse) and pydantic classes' fields
# ... and Django Ninja's (response=TokenPairSchema, response={200: TokenPairSchema, 422: dict})
_RESPONSE_MODEL = re.compile(r"\bresponse_model\s*=\s*(\w+)|\bresponse\s*=\s*(?:\{\s*200\s*:\s*)?([A-Z]\w*)")
# a pydantic model or a dataclass (`@dataclass class LoginData:`, no base)
_MODEL_CLASS = re.compile(r"^class\s+(\w+)\s*(?:\([^)]*\))?\s*:\s*\n((?:[ \t]+.*\n|[ \t]*\n)*)", re.M)
# The class a login's body is validated against, in its decorators or signature up to its `def ...:` line:
# quart-schema's @validate_request(LoginData), sanic-ext's @validate(json=LoginData), a FastAPI or
# Litestar parameter annotated with it (`data: LoginData`)
_BODY_MODEL = re.compile(r"\bvalidate(?:_request|_body)?\(\s*(?:json\s*=\s*)?(\w+)|\b\w+\s*:\s*([A-Z]\w*)\b")
_ACCOUNT_FIELDS = ("email", "username", "login", "name")
_MODEL_FIELD = re.compile(r"^[ \t]+(\w+)\s*:\s*([\w.]+)", re.M)
# A ModelSchema's fields named in its Meta (Django Ninja's `class Meta: model = User; fields = ["email",
# "password"]`, DRF serializers' alike): fields without an annotation of their own
_META_FIELDS = re.compile(r"^[ \t]+fields\s*=\s*[\[(]([^\])]*)[\])]", re.M)
_LOGIN = re.compile(r"/(?:login|signin|sign-in|token|sessions?)/?$", re.I)
# Passport's form login: a POST route that passport.authenticate('local', ...) handles logs in whatever its
# path (passport/todos-express-password's POST /login/password), and keeps the account in express-session
# unless its options say `session: false`; so does a strategy the sources register under another name
# (passport.use('local-login', new LocalStrategy(...)))
_PASSPORT_AUTHENTICATE = re.compile(r"""\bpassport\.authenticate\(\s*['"]([\w-]+)['"]""")
_PASSPORT_LOCAL_NAMED = re.compile(r"""\bpassport\.use\(\s*['"]([\w-]+)['"]\s*,\s*"""
                                   r"""new\s+(?:\w+\.)?\w*Strategy\b""")
_NO_SESSION = re.compile(r"\bsession\s*:\s*false\b")
# passport-local's own names for the account's and the password's fields (`new LocalStrategy({
# usernameField: 'email', passwordField: 'passwd' }, ...)`); it reads req.body.username and
# req.body.password otherwise, and answers a body without them "Missing credentials"
_USERNAME_FIELD = re.compile(r"""\busernameField\s*:\s*['"]([\w.-]+)['"]""")
_PASSWORD_FIELD = re.compile(r"""\bpasswordField\s*:\s*['"]([\w.-]+)['"]""")
# Express's form parser: a session login of an app with one reads the browser's urlencoded form
_URLENCODED = re.compile(r"\b(?:express|bodyParser|body_parser)\s*\.\s*urlencoded\(")
# csurf and lusca's csrf(): they refuse a POST without the session's token, which the login's page renders
# into its form's _csrf field (both read req.body._csrf, or the X-CSRF-Token header: expressjs/csurf's
# README, "value"; krakenjs/lusca's README, "csrf")
_EXPRESS_CSRF = re.compile(r"""(?:require\(\s*|\bfrom\s+)['"]csurf['"]|\blusca\.csrf\(""")
# A view an Express handler renders: res.render('login'), res.render("auth/login", {...})
_NEXT_ROUTE = re.compile(r"\.\s*(?:get|post|put|patch|delete|all|use|listen|route)\(")
_RENDERS_VIEW = re.compile(r"""\bres\s*\.\s*render\(\s*['"`]([\w./-]+)['"`]""")
_VIEW_SUFFIXES = (".ejs", ".pug", ".jade", ".hbs", ".handlebars", ".html", ".njk", ".mustache", ".twig",
                  ".eta")
_PROTECTED = re.compile(r"/(?:me|profile|account|user|whoami)/?$", re.I)
# The sign-up: POST /register, /signup, /sign-up, or the RealWorld API's POST /api/users (a collection of
# accounts that the login sits under: /api/users/login)
_SIGNUP = re.compile(r"/(?:register|sign-?up|users)/?$", re.I)


def _sources(folder: Path) -> list[Path]:
    found: list[Path] = []
    for path in sorted(folder.rglob("*")):
        if len(found) >= MAX_FILES:
            break
        folders = path.relative_to(folder).parts[:-1]
        # a hidden folder holds tools' files, not the app's routes: yarn's own release in .yarn/releases
        # (sveltekit-auth-example: npm's "/-/v1/login" written as the app's login), .svelte-kit's output
        skipped = _SKIP & set(folders) or any(part.startswith(".") for part in folders)
        if path.suffix in _SOURCES and not skipped and not is_test_file(path.name) and path.is_file():
            found.append(path)
    return found


def detect_login_flow(folder: Path) -> dict[str, str]:
    """{"login": path, "protected": path, "token": JSONPath-lite of the token, "user_field": the body field
    of the account's name, "user_object": "user" when the body holds the account in such an object, else
    "", "scheme": the Authorization scheme ("Bearer" or "Token"), "source": file names} for the app in
    *folder* ("token" is "" for a login that keeps the account in a session, whose cookie carries it:
    ``req.session.user = user``, Flask-Login's ``login_user(user)``, Django's ``login(request, user)``,
    with no code that issues or reads tokens, and for one whose token is kept in a cookie the server
    reads back, with no code that reads an Authorization header; "form" is "yes" when such a login
    reads an HTML form (``request.form``, Django's ``request.POST``); "csrf" the cookie of the CSRF
    token such a login sends back (``csrftoken`` in a Django app), else ""; "csrf_field" the form field
    that carries it in the login's page (``csrf_token`` of a Flask-WTF form), else ""; "oauth2_form" is
    "yes" for a token login that reads OAuth2's password form, FastAPI's ``OAuth2PasswordRequestForm``, always
    ``username`` and ``password``, "user_value" then ``demo@example.com`` when the code looks the
    username up as an email; "signup" the path of such a token login's sign-up, else ""), or {} when its
    sources do not declare both routes. Paths carry their
    routers' prefixes as far as :mod:`.health` reads them (proshop: ``router.post('/login')`` under
    ``app.use('/api/users', userRoutes)`` is ``/api/users/login``); the field is ``email`` when the
    code reads one from the body (``const { email, password } = req.body``), else ``username``."""
    from .health import JS_SUFFIXES, full_path, full_route, guarded_route, module_name, read_graph

    files = _sources(folder)
    graph = read_graph(files, folder)
    token_urls = _token_urls(files, folder)
    login = protected = signup = ""
    sources: list[str] = []
    mentions_access_token = reads_email = user_object = mentions_email = simplejwt = False
    token_scheme = bearer_scheme = session = tokens = form = cookie_token = header_token = False
    oauth2_form = username_is_email = django = wtf = False
    passport_login = urlencoded = express_csrf = False
    login_model = wtf_user = ""
    local_strategies, passport_user, passport_password = _passport_strategies(files)
    login_source = ""
    models: dict[str, dict[str, str]] = {}
    body_models: list[str] = []
    for path in files:
        text = read_text(path, 1_000_000)
        if not text:
            continue
        mentions_access_token = mentions_access_token or bool(_ACCESS_TOKEN.search(text))
        reads_email = reads_email or bool(_EMAIL_FIELD.search(text))
        user_object = user_object or bool(_USER_OBJECT.search(text))
        mentions_email = mentions_email or bool(_EMAIL_PROPERTY.search(text))
        simplejwt = simplejwt or "rest_framework_simplejwt" in text
        token_scheme = token_scheme or bool(_TOKEN_SCHEME.search(text))
        bearer_scheme = bearer_scheme or bool(_BEARER_SCHEME.search(text))
        session = session or bool(_SESSION_LOGIN.search(text))
        tokens = tokens or bool(_ISSUES_TOKENS.search(text))
        cookie_token = cookie_token or bool(_COOKIE_TOKEN.search(text))
        header_token = header_token or bool(_HEADER_TOKEN.search(text))
        form = form or "request.form" in text or "request.POST" in text
        django = django or bool(_DJANGO.search(text))
        wtf = wtf or bool(_FLASK_WTF.search(text))
        urlencoded = urlencoded or bool(_URLENCODED.search(text))
        express_csrf = express_csrf or bool(_EXPRESS_CSRF.search(text))
        login_form = _WTF_LOGIN_FORM.search(text) if wtf and not wtf_user else None
        first = _WTF_TEXT_FIELD.search(login_form.group(1)) if login_form else None
        wtf_user = wtf_user or (first.group(1) if first else "")
        if path.suffix == ".py":
            _read_models(text, models)
        oauth2_form = oauth2_form or bool(_OAUTH2_FORM.search(text))
        username_is_email = username_is_email or bool(_FORM_USERNAME_IS_EMAIL.search(text))
        key = str(path.resolve()) if path.suffix in JS_SUFFIXES else module_name(path, folder)
        for match in _ROUTE.finditer(text):
            receiver, verb, written, rest = match.groups()
            route = _declared_path(written, (key, receiver), graph)
            if route is None:
                continue
            verb = verb.lower()
            is_post = verb == "post" or (verb == "route" and "POST" in rest.upper())
            prefix, _, _ = graph.base((key, receiver))
            if prefix is None and key in graph.unimported and (key, receiver) in graph.routers:
                continue  # a router of a module nothing imports: the app never serves its routes
            # a blueprint imported from the package that makes it (microblog's `from app.auth import bp`):
            # the route as the graph read it, with its register_blueprint prefix
            full = full_path(prefix, route) if prefix else (full_route(graph, route) or route)
            if path.suffix in JS_SUFFIXES and route == "/" and full != "/":
                # Express and Koa routers answer their mount point without the slash (not Flask's "/")
                full = full.rstrip("/")
            # the path as Express mounts it: router.get('/', verifyToken, ...) under app.use('/api/user', ...)
            # is GET /api/user (the RealWorld API's current user), router.post('/') under '/api/login' a login
            # the tokenUrl of OAuth2PasswordBearer is the login, before any route named like one
            named = full.rstrip("/") in token_urls and login.rstrip("/") not in token_urls
            local = _passport_local(text, match, local_strategies) if is_post and not passport_login else None
            if local is not None:
                named, passport_login, session = True, True, session or local
            if is_post and (named or not login and _LOGIN.search(full)):
                if login:  # a route named like a login came first: the tokenUrl's (Passport's) replaces it
                    sources.remove(login_source)
                model = _RESPONSE_MODEL.search(rest)
                login_model = (model.group(1) or model.group(2)) if model else ""
                body_models = _body_models(text, match.end())
                login, login_source = full, str(path.relative_to(folder))
                sources.append(login_source)
            elif not protected and verb in ("get", "route") and not is_post and _PROTECTED.search(full):
                protected = full
                sources.append(str(path.relative_to(folder)))
            elif not signup and is_post and _SIGNUP.search(full):
                signup = full
    guarded = guarded_route(graph, pages_first=True) if login and not protected and session else None
    form = form or wtf  # a Flask-WTF form reads the request's form (form.username.data)
    # an Express session login reads req.body, which its urlencoded parser fills from the browser's form
    form = form or urlencoded and session
    if guarded is not None:
        # no route named like an account's (/me, /profile): the first page behind a login in a session login's
        # app (microblog's /explore, under Flask-Login's @login_required), which a session carries
        protected = guarded.path
        sources.append(guarded.where.rsplit(":", 1)[0])
    if not (login and protected):
        return {}
    # A body class whose one field is the account's object (Django Ninja's RealWorld login, `data:
    # UserLoginSchema` with `user: UserInLoginSchema`): the RealWorld shape, {"user": {"email", "password"}},
    # its fields those of the inner class
    wrapped = [models.get(inner.rsplit(".", 1)[-1], {}) for m in body_models
               if list(fields := models.get(m, {})) == ["user"] and (inner := fields["user"])]
    user_object = user_object or bool(wrapped)
    # The RealWorld API answers a login with the account and its token: {"user": {"token": ...}}
    token = ("$.access_token" if mentions_access_token else "$.access" if simplejwt
             else "$.user.token" if user_object else "$.token")
    token = _own_token(models, login_model) or _nested_token(models, login_model) or token
    # Its account is read from the object by a service the login hands it to (login(req.body.user)),
    # where userPayload.email is no "req.body.email": the email is what it logs in with.
    email = reads_email or user_object and mentions_email
    # the account field of the class the login validates its body against (tozo's LoginData: email)
    body_field = next((f for fields in [*wrapped, *(models.get(m, {}) for m in body_models)]
                       for f in _ACCOUNT_FIELDS if f in fields), "")
    by_cookie = (session and not tokens) or (cookie_token and not header_token) or guarded is not None
    return {"login": login, "protected": protected, "token": "" if by_cookie else token,
            "user_field": wtf_user or body_field or (passport_user if passport_login else "")
            or ("email" if email and not oauth2_form else "username"),
            "password_field": (passport_password if passport_login else "") or "password",
            "user_object": "user" if user_object and not oauth2_form else "",
            "scheme": "Token" if token_scheme and not bearer_scheme else "Bearer",
            # a Flask login reads an HTML form (request.form), not JSON
            "form": "yes" if form and session and (not tokens or guarded is not None) else "",
            # the cookie of the CSRF token a session login and the requests after it must send back
            "csrf": "csrftoken" if by_cookie and django else "",
            # the form field of the CSRF token a Flask-WTF login form carries, sent back in the login's form
            "csrf_field": "csrf_token" if by_cookie and wtf and form and session else "",
            # csurf's (its header, and the login's page where it is another path)
            **_session_form(folder, login, graph, bool(by_cookie and form and session),
                            express_csrf and not wtf),
            # a Flask-WTF form redirects once logged in and answers a form it refused (no token, a missing
            # field) with the form again, 200: no 200 counts as a login
            **({"status": "302, 303"} if by_cookie and wtf and form and session else {}),
            # OAuth2's password form: username and password, urlencoded (the name may be an email)
            "oauth2_form": "yes" if oauth2_form and not by_cookie else "",
            "user_value": "demo@example.com" if oauth2_form and username_is_email else "",
            # a JSON token login's sign-up, which makes the account on a fresh database (a CI job's)
            "signup": signup if signup and not by_cookie and not oauth2_form else "",
            "source": ", ".join(dict.fromkeys(sources))}


def _read_models(text: str, models: dict[str, dict[str, str]]) -> None:
    """Add the classes of the Python *text* to *models*: {class: {field: annotation}}, the fields a Meta
    names without an annotation of their own ("")."""
    for name, body in _MODEL_CLASS.findall(text):
        meta = _META_FIELDS.search(body)
        listed = re.findall(r"""['"](\w+)['"]""", meta.group(1)) if meta else []
        models.setdefault(name, {**dict.fromkeys(listed, ""), **dict(_MODEL_FIELD.findall(body))})


def _declared_path(written: str, router: tuple[str, str], graph: Graph) -> str | None:
    """The path a route call declares, *written* as its first argument on *router*: as written when it
    starts with "/"; with one for a Django Ninja router of *graph* (``@auth_router.post("signup/")``, which
    ninja joins to its prefix with "/"); None for anything else (a dict's ``.get("email")``)."""
    if written.startswith("/"):
        return written
    return "/" + written if written and router in graph.ninja else None


def _passport_local(text: str, route: re.Match[str], strategies: set[str]) -> bool | None:
    """Whether the POST *route* of *text* (a :data:`_ROUTE` match) that passport's local strategy (or one
    of *strategies*, the names the sources register strategies under) handles keeps the account in the
    session (False for ``session: false`` in its options); None when no such strategy handles it. A
    handler of its own that calls ``passport.authenticate('local', ...)(req, res, next)`` counts too."""
    opening = text.find("(", route.start(2))
    call = call_text(text, opening)
    for m in _PASSPORT_AUTHENTICATE.finditer(call):
        if m.group(1) in strategies:
            return not _NO_SESSION.search(call_text(call, call.index("(", m.start())))
    return None


def _passport_strategies(files: list[Path]) -> tuple[set[str], str, str]:
    """(the names Passport's local strategy goes by in the JavaScript *files*: ``local`` and those
    ``passport.use('name', new LocalStrategy(...))`` gives, the account's field its ``usernameField``
    names or "", the password's field its ``passwordField`` names or "")."""
    names, fields = {"local"}, ["", ""]
    for path in files:
        text = read_text(path, 1_000_000) if path.suffix in (".js", ".mjs", ".cjs", ".ts") else ""
        names.update(_PASSPORT_LOCAL_NAMED.findall(text))
        for i, pattern in enumerate((_USERNAME_FIELD, _PASSWORD_FIELD)):
            named = pattern.search(text)
            fields[i] = fields[i] or (named.group(1) if named else "")
    return names, fields[0], fields[1]


def _session_form(folder: Path, login: str, graph: Graph, form: bool, express_csrf: bool) -> dict[str, str]:
    """{"csrf_field": "_csrf" and "csrf_header": "X-CSRF-Token" for a session login by *form* under csurf
    or lusca (*express_csrf*), "csrf_path": the login's page where it is another path (:func:`_form_page`)}
    , each "" where it does not apply; without csurf, "csrf_field" is left to the caller."""
    out = {"csrf_header": "X-CSRF-Token" if form and express_csrf else "",
           "csrf_path": _form_page(folder, login, graph) if form else ""}
    return {**out, "csrf_field": "_csrf"} if form and express_csrf else out


def _form_page(folder: Path, login: str, graph: Graph) -> str:
    """The GET page whose form posts to the *login* path when that page is another path (Passport's
    examples: ``GET /login`` renders the form, ``POST /login/password`` logs in): the Express handler of a
    GET route of *graph* renders a view whose template holds a form with that ``action``. "" when a GET
    route answers the login's own path, or none is found."""
    from .health import full_path

    gets: list[tuple[str, str]] = []
    for route in graph.routes:
        prefix, _, _ = graph.base(route.router)
        if prefix is not None:
            full = full_path(prefix, route.path)
            gets.append((full.rstrip("/") if route.path == "/" and full != "/" else full, route.where))
    if any(path.rstrip("/") == login.rstrip("/") for path, _ in gets):
        return ""
    action = re.compile(r"""\baction\s*=\s*(['"]?)""" + re.escape(login) + r"""/?\1(?=[\s>)'",])""")
    views = {_view_name(folder, t) for t in _templates(folder) if action.search(read_text(t))}
    for path, where in gets if views else []:
        file, _, line = where.rpartition(":")
        text = read_text(folder / file) if line.isdigit() else ""
        start = sum(len(row) + 1 for row in text.split("\n")[:int(line or 0) - 1])
        # the route's handler: up to the next route or mount (another route's res.render is not its)
        following = _NEXT_ROUTE.search(text, text.find("(", start) + 1, start + 800)
        for m in _RENDERS_VIEW.finditer(text, start, following.start() if following else start + 800):
            if m.group(1).removeprefix("./").rsplit(".", 1)[0] in views:
                return path
    return ""


def _view_name(folder: Path, template: Path) -> str:
    """The name ``res.render`` gives *template* by: its path under the views folder without its suffix
    (``views/auth/login.ejs``: ``auth/login``), the folder being the first ``views`` folder of its path
    (else the template's own folder)."""
    parts = template.relative_to(folder).with_suffix("").parts
    cut = parts.index("views") + 1 if "views" in parts[:-1] else len(parts) - 1
    return "/".join(parts[cut:])


def _templates(folder: Path, limit: int = 400) -> list[Path]:
    """The view templates under *folder* (:data:`_VIEW_SUFFIXES`), outside node_modules, builds and
    hidden folders; at most *limit*."""
    import os

    found: list[Path] = []
    for here, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP - {"static", "public"} and not d.startswith("."))
        found += [Path(here) / n for n in sorted(names) if n.endswith(_VIEW_SUFFIXES)]
        if len(found) >= limit:
            return found[:limit]
    return found


def _token_urls(files: list[Path], folder: Path) -> set[str]:
    """The paths FastAPI's ``OAuth2PasswordBearer(tokenUrl=...)`` of the Python *files* name (a literal,
    or a value :func:`.health.python_value` resolves: ``f"{settings.API_V1_STR}/login/access-token"``),
    without a trailing slash; a relative one (``"token"``, as FastAPI's tutorial writes it) from "/"."""
    from .health import python_value

    found: set[str] = set()
    for path in files:
        text = read_text(path, 1_000_000) if path.suffix == ".py" else ""
        for call in _TOKEN_URL.finditer(text):
            arg = _TOKEN_URL_ARG.search(call_text(text, call.end() - 1))
            value = python_value(files, folder, str(path.relative_to(folder)), arg.group(1)) if arg else None
            if value:
                found.add("/" + value.strip("/"))
    return found


def _body_models(text: str, start: int) -> list[str]:
    """The classes named in the rest of a route's decorators and in its handler's signature, from *start*
    (the end of its route decorator's call) to the ``def``'s closing ``:``: the models its body may be
    validated against (see :data:`_BODY_MODEL`)."""
    header = re.compile(r"(?:async\s+)?def\s+\w+\s*\((?:[^()]|\([^()]*\))*\)[^:\n]*:").search(text, start)
    if header is None or text.count("\n", start, header.start()) > 12:
        return []
    return [a or b for a, b in _BODY_MODEL.findall(text, start, header.end())]


def _own_token(models: dict[str, dict[str, str]], name: str) -> str:
    """The token's field of a login's response model *name* that holds it at the top: ``access_token``,
    ``access`` (a pair with ``refresh``: simplejwt's and django-ninja-jwt's TokenPairSchema) or ``token``;
    "" when it has none of them (or is no model read)."""
    fields = models.get(name, {})
    if "access" in fields and "refresh" not in fields:
        return ""  # an "access" that is no token pair's (a level of access)
    # a field typed with another model holds the token one object down (_nested_token)
    return next((f"$.{key}" for key in ("access_token", "access", "token")
                 if key in fields and fields[key].rsplit(".", 1)[-1] not in models), "")


def _nested_token(models: dict[str, dict[str, str]], name: str) -> str:
    """The token's path in a FastAPI login's response model *name* (``{field: annotation}`` of the
    pydantic classes in *models*) when it sits one object down (``LoginResponse`` with ``token: Token``,
    a ``Token`` with ``access_token``: ``$.token.access_token``), else ""."""
    fields = models.get(name, {})
    if "access_token" in fields:
        return ""
    for field, annotation in fields.items():
        inner = models.get(annotation.rsplit(".", 1)[-1], {})
        for key in ("access_token", "token"):
            if key in inner:
                return f"$.{field}.{key}"
    return ""
