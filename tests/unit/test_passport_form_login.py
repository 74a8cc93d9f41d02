"""A Passport form login: what init finds of it.

passport/todos-express-password (the example Passport's own documentation walks through) logs in with
``router.post('/login/password', passport.authenticate('local', {...}))``, the form on ``GET /login``
(views/login.ejs) carrying csurf's ``_csrf`` field, the todo pages behind connect-ensure-login's
``ensureLoggedIn()``, which sends a visitor to ``/login``. init found no login at all (the path does not
end in "login", and nothing said a Passport login keeps a session), and WebDevSimplified's
Nodejs-Passport-Login (``app.post('/login', checkNotAuthenticated, passport.authenticate('local', ...))``,
``usernameField: 'email'``) was no session login either. Its start script runs express-generator's
``bin/www``, which has no suffix: init said "could not tell how the server picks its port".
"""

from __future__ import annotations

from echotune_ci.config import load_config
from echotune_ci.project.init import app_setup
from echotune_ci.project.routes import detect_login_flow
from test_init_session_login import written
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

TODOS = {
    "package.json": '{"name": "todos", "scripts": {"start": "node ./bin/www"}, "dependencies": '
                    '{"express": "4", "express-session": "1", "csurf": "1", "passport": "0.6", '
                    '"passport-local": "1", "connect-ensure-login": "0.1", "ejs": "2"}}',
    "bin/www": "#!/usr/bin/env node\nvar app = require('../app');\nvar http = require('http');\n"
               "var port = normalizePort(process.env.PORT || '3000');\napp.set('port', port);\n"
               "var server = http.createServer(app);\nserver.listen(port);\n"
               "function normalizePort(val) { return parseInt(val, 10); }\n",
    "app.js": "var express = require('express');\nvar session = require('express-session');\n"
              "var csrf = require('csurf');\nvar passport = require('passport');\n"
              "var indexRouter = require('./routes/index');\nvar authRouter = require('./routes/auth');\n"
              "var app = express();\napp.set('view engine', 'ejs');\napp.use(express.json());\n"
              "app.use(express.urlencoded({ extended: false }));\n"
              "app.use(session({ secret: 'keyboard cat', resave: false, saveUninitialized: false }));\n"
              "app.use(csrf());\napp.use(passport.authenticate('session'));\n"
              "app.use('/', indexRouter);\napp.use('/', authRouter);\nmodule.exports = app;\n",
    "routes/auth.js": "var express = require('express');\nvar passport = require('passport');\n"
                      "var LocalStrategy = require('passport-local');\nvar router = express.Router();\n"
                      "router.get('/login', function(req, res, next) {\n  res.render('login');\n});\n\n"
                      "router.post('/login/password', passport.authenticate('local', {\n"
                      "  successReturnToOrRedirect: '/',\n  failureRedirect: '/login',\n"
                      "  failureMessage: true\n}));\n\n"
                      "router.get('/signup', function(req, res, next) {\n  res.render('signup');\n});\n"
                      "module.exports = router;\n",
    "routes/index.js": "var express = require('express');\n"
                       "var ensureLogIn = require('connect-ensure-login').ensureLoggedIn;\n"
                       "var ensureLoggedIn = ensureLogIn();\nvar router = express.Router();\n"
                       "router.get('/', function(req, res, next) {\n  res.render('home');\n});\n"
                       "router.get('/active', ensureLoggedIn, function(req, res, next) {\n"
                       "  res.render('index', { user: req.user });\n});\nmodule.exports = router;\n",
    "views/login.ejs": '<form action="/login/password" method="post">\n'
                       '<input type="hidden" name="_csrf" value="<%= csrfToken %>">\n</form>\n',
    "views/signup.ejs": '<form action="/signup" method="post"></form>\n',
}


def test_passports_local_login_is_a_form_login_with_csurfs_token_from_its_page(tmp_path):
    found = detect_login_flow(write(tmp_path, TODOS))
    assert {k: found[k] for k in ("login", "protected", "token", "form", "user_field", "csrf_field",
                                  "csrf_header", "csrf_path")} == {
        "login": "/login/password", "protected": "/active", "token": "", "form": "yes",
        "user_field": "username", "csrf_field": "_csrf", "csrf_header": "X-CSRF-Token", "csrf_path": "/login"}
    api = written(tmp_path)["api"]
    assert api["login"] == {"path": "/login/password", "form": {"username": "demo", "password": "change-me"},
                            "status": [200, 201, 204, 302, 303], "session": True, "csrf_field": "_csrf",
                            "csrf_path": "/login", "csrf_header": "X-CSRF-Token"}
    # the flow reads the token from the login's page, not from the POST-only login path
    assert api["flows"][0]["steps"][0] == {"path": "/login", "capture": {"csrf": "field:_csrf"}}


def test_a_strategy_named_otherwise_and_its_username_field(tmp_path):
    """WebDevSimplified's shape: POST /login after a guard of its own, the account's field named by
    usernameField, no CSRF token; and a strategy registered under another name (passport.use('local-login',
    ...)) logs in wherever it is mounted."""
    files = {**TODOS, "app.js": TODOS["app.js"].replace("var csrf = require('csurf');\n", "")
             .replace("app.use(csrf());\n", ""),
             "routes/auth.js": TODOS["routes/auth.js"].replace("'local', {", "'local-login', {")
             + "passport.use('local-login', new LocalStrategy({ usernameField: 'email' }, verify));\n"}
    found = detect_login_flow(write(tmp_path, files))
    assert (found["login"], found["user_field"], found["form"], found["csrf_field"], found["csrf_path"]) == (
        "/login/password", "email", "yes", "", "/login")
    # `session: false`: Passport hands the account to the route (a token is issued there), no session
    (tmp_path / "routes/auth.js").write_text(files["routes/auth.js"].replace("failureMessage: true",
                                                                               "session: false"))
    assert detect_login_flow(tmp_path) == {}


def test_the_login_form_posted_from_its_own_path_needs_no_page_of_its_own(tmp_path):
    files = {**TODOS, "routes/auth.js": TODOS["routes/auth.js"].replace("/login/password", "/login"),
             "views/login.ejs": TODOS["views/login.ejs"].replace("/login/password", "/login")}
    found = detect_login_flow(write(tmp_path, files))
    assert (found["login"], found["csrf_field"], found["csrf_path"]) == ("/login", "_csrf", "")


def test_express_generators_bin_www_gives_the_port_variable(tmp_path):
    app = app_setup(write(tmp_path, TODOS))
    port = next(d for d in app.decisions if d.key == "port")
    assert (port.value, port.source) == ("auto (PORT)", "bin/www reads PORT")
    assert "port" not in app.checks


def test_the_pages_a_server_renders_from_templates_are_audited(tmp_path):
    """/login and /signup render their forms (res.render), /active the todo list behind the login: the
    frontend had "/" alone, and the forms a visitor meets first went unaudited."""
    app = app_setup(write(tmp_path, TODOS))
    assert app.pages == [("/login", "routes/auth.js:5", False), ("/signup", "routes/auth.js:15", False),
                         ("/active", "routes/index.js:8", True)]
    text = written_text(tmp_path)
    assert '[[frontend.pages]]  # routes/auth.js:5\npath = "/login"\nname = "login"' in text
    assert '# [[frontend.pages]]  # routes/index.js:8, behind a login\n# path = "/active"' in text
    # a route that answers JSON, one with a parameter and the logout are no pages
    (tmp_path / "routes/extra.js").write_text(
        "var router = require('express').Router();\n"
        "router.get('/stats', function(req, res) { res.json({}); });\n"
        "router.get('/todo/:id', function(req, res) { res.render('todo'); });\n"
        "router.get('/logout', function(req, res) { res.render('bye'); });\nmodule.exports = router;\n")
    (tmp_path / "app.js").write_text(TODOS["app.js"].replace("app.use('/', authRouter);\n",
                                                             "app.use('/', authRouter);\n"
                                                             "app.use('/', require('./routes/extra'));\n"))
    assert [p for p, _, _ in app_setup(tmp_path).pages] == ["/login", "/signup", "/active"]


def written_text(root) -> str:
    from echotune_ci.project.init import plan_files

    return plan_files(root, app_setup(root), ref="main")["echotune.toml"]


def test_a_guard_for_visitors_only_is_no_login(tmp_path):
    """bradtraversy/node_passport_login (6545697): `router.get('/login', forwardAuthenticated, ...)`,
    whose guard sends a logged-in user on to /dashboard (config/auth.js) and lets visitors in. Its name says
    "auth", so the login and register pages were taken for pages behind a login: init listed "/" alone.
    WebDevSimplified's checkNotAuthenticated, connect-ensure-login's ensureLoggedOut alike."""
    for guard in ("forwardAuthenticated", "checkNotAuthenticated", "ensureLoggedOut"):
        files = {**TODOS, "routes/auth.js": TODOS["routes/auth.js"].replace(
            "router.get('/login', function", f"router.get('/login', {guard}, function").replace(
            "router.get('/signup', function", f"router.get('/signup', {guard}, function")}
        pages = app_setup(write(tmp_path / guard, files)).pages
        assert [(p, guarded) for p, _, guarded in pages] == [("/login", False), ("/signup", False),
                                                              ("/active", True)], guard


def test_the_pages_behind_the_login_come_with_a_frontend_login_through_its_form(tmp_path):
    """The commented [frontend.login] points at the form's page; uncommented with the pages behind the
    login, it is the block the trial wrote by hand (the todo list audited as alice, docs/real-projects.md)."""
    text = written_text(write(tmp_path, TODOS))
    assert "# [frontend.login]\n# path = \"/login\"\n\n" in text
    active = '# [[frontend.pages]]  # routes/index.js:8, behind a login\n# path = "/active"'
    uncommented = text.replace(active, '[[frontend.pages]]\npath = "/active"').replace(
        '# [frontend.login]\n# path = "/login"', '[frontend.login]\npath = "/login"')
    (tmp_path / "echotune.toml").write_text(uncommented)
    frontend = load_config(tmp_path / "echotune.toml").frontend
    assert [p.path for p in frontend.pages] == ["/", "/login", "/signup", "/active"]
    assert (frontend.login.path, frontend.login.username_selector, frontend.login.password_selector) == (
        "/login", "input[name=username]", "input[name=password]")
    # an account field of another name is the form's input of that name
    files = {**TODOS, "routes/auth.js": TODOS["routes/auth.js"]
             + "passport.use(new LocalStrategy({ usernameField: 'email' }, verify));\n"}
    assert '# username_selector = "input[name=email]"' in written_text(write(tmp_path / "email", files))


def test_the_password_field_passport_local_is_told_is_the_one_sent(tmp_path):
    """`new LocalStrategy({ usernameField: 'email', passwordField: 'passwd' }, ...)` reads req.body.passwd.
    Expected from a real run here (express 4.22, passport 0.6, passport-local 1.0 on 127.0.0.1): POST /login
    with `email=...&password=pw` was sent back to /login, with `email=...&passwd=pw` on to /dashboard. main
    wrote `password` in [load.login], [api.login], the flow's body, and no password_selector."""
    files = {**TODOS, "routes/auth.js": TODOS["routes/auth.js"] + "passport.use(new LocalStrategy({ "
             "usernameField: 'email', passwordField: 'passwd' }, verify));\n"}
    text = written_text(write(tmp_path, files))
    assert '# password_selector = "input[name=passwd]"' in text
    (tmp_path / "echotune.toml").write_text(text)
    api = load_config(tmp_path / "echotune.toml").api
    assert dict(api.login.form) == {"email": "demo@example.com", "passwd": "change-me"}
    assert [s.body for f in api.flows for s in f.steps if s.body] == [
        "email=demo%40example.com&passwd=change-me&_csrf={csrf}"]
    # without passwordField: passport-local's own `password`
    assert '"password": "change-me"' not in text and "password_selector" not in written_text(
        write(tmp_path / "plain", TODOS))
