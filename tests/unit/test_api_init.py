"""`echotune-ci init` writes a first [[api.flows]] when the app's sources declare a login and a protected
route, and none when they do not."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli

from echotune_ci.config import load_config
from echotune_ci.phases.api.flows import check_flows

REF = "0123456789abcdef0123456789abcdef01234567"

FLASK_APP = '''from flask import Flask, jsonify
app = Flask(__name__)

@app.get("/health")
def health():
    return "ok"

@app.route("/auth/login", methods=["POST"])
def login():
    return jsonify(access_token="t")

@app.get("/auth/me")
def me():
    return jsonify(user="x")
'''

EXPRESS_APP = """import express from 'express';
const app = express();
app.get('/health', (req, res) => res.send('ok'));
app.post('/api/sessions', (req, res) => res.json({ token: 't' }));
app.get('/api/profile', (req, res) => res.json({}));
app.listen(process.env.PORT);
"""


def _init(root: Path, cli_env: dict[str, str]) -> str:
    done = run_cli("init", "--dir", str(root), "--ref", REF, env=cli_env)
    assert done.returncode == 0, done.stderr
    return (root / "echotune.toml").read_text()


def load_login_uncommented(root: Path) -> Path:
    """The config init wrote in *root*, with its commented [load.login] block (and the protected route
    under it) uncommented as a user would: the block and the blank-comment line in it lose their "# "."""
    lines = (root / "echotune.toml").read_text().splitlines()
    start = lines.index("# [load.login]")
    end = next(i for i in range(start, len(lines)) if not lines[i].startswith("#"))
    lines[start:end] = [line.removeprefix("#").removeprefix(" ") for line in lines[start:end]]
    path = root / "uncommented.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_init_writes_a_login_flow_for_a_flask_app(tmp_path, cli_env):
    root = tmp_path / "py"
    root.mkdir()
    (root / "requirements.txt").write_text("flask==3.0.3\ngunicorn==22.0.0\n")
    (root / "app.py").write_text(FLASK_APP)
    _init(root, cli_env)
    cfg = load_config(root / "echotune.toml")
    (flow,) = cfg.api.flows
    login, me = flow.steps
    assert (login.method, login.path) == ("POST", "/auth/login")
    assert dict(login.capture) == {"token": "$.access_token"}
    assert (me.method, me.path, me.refuse_without) == ("GET", "/auth/me", "token")
    assert dict(me.headers) == {"Authorization": "Bearer {token}"}
    # generated requests would trip a login rate limit (flask-limiter, express-rate-limit)
    assert cfg.api.exclude == ("POST /auth/login",)
    check_flows(cfg.api.flows, cfg.source)  # the flow can run as written
    assert not cfg.load.login.configured
    # The load test can log in as the api phase does: a commented [load.login] and the protected route.
    load = load_config(load_login_uncommented(root)).load
    assert (load.login.path, load.login.json, load.login.token_field, load.login.scheme) == (
        "/auth/login", {"username": "demo", "password": "change-me"}, "access_token", "Bearer")
    assert load.endpoints[-1].path == "/auth/me"


def test_init_writes_a_login_flow_for_an_express_app(tmp_path, cli_env):
    root = tmp_path / "node"
    root.mkdir()
    (root / "package.json").write_text(json.dumps({"name": "svc", "scripts": {"start": "node server.js"},
                                                   "dependencies": {"express": "^5.0.0"}}))
    (root / "package-lock.json").write_text("{}")
    (root / "server.js").write_text(EXPRESS_APP)
    _init(root, cli_env)
    cfg = load_config(root / "echotune.toml")
    (flow,) = cfg.api.flows
    assert [(s.method, s.path) for s in flow.steps] == [("POST", "/api/sessions"), ("GET", "/api/profile")]
    assert cfg.api.exclude == ("POST /api/sessions",)
    assert dict(flow.steps[0].capture) == {"token": "$.token"}


def test_no_flow_without_a_login_route(tmp_path, cli_env):
    root = tmp_path / "plain"
    root.mkdir()
    (root / "requirements.txt").write_text("flask==3.0.3\ngunicorn==22.0.0\n")
    (root / "app.py").write_text(FLASK_APP.split("@app.route")[0])
    text = _init(root, cli_env)
    assert "[[api.flows]]" not in text
    assert load_config(root / "echotune.toml").api.flows == ()


def test_the_flow_carries_the_routers_prefix_and_the_body_field_the_login_reads(tmp_path, cli_env):
    # proshop: router.post('/login') and router\n  .route('/profile')\n  .get(protect, ...) in a router
    # mounted at /api/users, a login that reads { email, password } from the body. The flow said /login,
    # /profile and a username.
    root = tmp_path / "shop"
    (root / "backend" / "routes").mkdir(parents=True)
    (root / "package.json").write_text(json.dumps({"name": "shop",
                                                   "scripts": {"start": "node backend/server.js"},
                                                   "dependencies": {"express": "^4.17.1"}}))
    (root / "package-lock.json").write_text("{}")
    (root / "backend" / "server.js").write_text(
        "const express = require('express');\nconst userRoutes = require('./routes/userRoutes');\n"
        "const app = express();\napp.use('/api/users', userRoutes);\napp.listen(process.env.PORT);\n")
    (root / "backend" / "routes" / "userRoutes.js").write_text(
        "const express = require('express');\nconst router = express.Router();\n"
        "const authUser = (req, res) => {\n  const { email, password } = req.body;\n"
        "  res.json({ token: 't' });\n};\n"
        "router.post('/login', authUser);\nrouter\n  .route('/profile')\n  .get(protect, getUserProfile)\n"
        "  .put(protect, updateUserProfile);\nmodule.exports = router;\n")
    _init(root, cli_env)
    cfg = load_config(root / "echotune.toml")
    (flow,) = cfg.api.flows
    assert [(s.method, s.path) for s in flow.steps] == [("POST", "/api/users/login"),
                                                        ("GET", "/api/users/profile")]
    assert dict(flow.steps[0].json) == {"email": "demo@example.com", "password": "change-me"}
    assert cfg.api.exclude == ("POST /api/users/login",)
    # the generated requests log in the same way: without a token their answers (401) would time nothing
    login = cfg.api.login
    assert (login.path, login.json, login.token_field, login.scheme) == (
        "/api/users/login", {"email": "demo@example.com", "password": "change-me"}, "token", "Bearer")
    check_flows(cfg.api.flows, cfg.source)


def _express(root: Path, files: dict[str, str]) -> None:
    root.mkdir()
    (root / "package.json").write_text(json.dumps({"name": "conduit", "scripts": {"start": "node app.js"},
                                                   "dependencies": {"express": "^4.21.0"}}))
    (root / "package-lock.json").write_text("{}")
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


CONDUIT = {
    "app.js": "const express = require('express');\nconst app = express();\n"
              "app.use('/api', require('./routes/users'));\napp.listen(process.env.PORT);\n",
    # the RealWorld API: POST /users/login takes {"user": {"email", "password"}} and answers
    # {"user": {..., "token"}}; GET /user wants "Authorization: Token jwt"
    "routes/users.js": "const router = require('express').Router();\n"
                       "router.post('/users/login', (req, res) => {\n"
                       "  const user = login(req.body.user);\n  res.json({ user: user.toAuthJSON() });\n});\n"
                       "router.get('/user', auth.required, (req, res) => res.json({ user: req.auth }));\n"
                       "module.exports = router;\n",
    "routes/auth.js": "function getToken(req) {\n"
                      "  const [scheme, token] = req.headers.authorization.split(' ');\n"
                      "  if (scheme === 'Token') return token;\n  return null;\n}\n",
    "models/user.js": "function login(payload) { return find({ email: payload.email }); }\n",
}


def test_a_login_of_the_realworld_api_sends_the_user_object_and_the_token_scheme(tmp_path, cli_env):
    # gothinkster's Express and Koa RealWorld apps: the flow sent { username, password }, captured $.token
    # and sent "Bearer", where the API wants {"user": {"email", "password"}}, answers {"user": {"token"}}
    # and, in the older apps, reads tokens after "Token" only.
    root = tmp_path / "conduit"
    _express(root, CONDUIT)
    _init(root, cli_env)
    cfg = load_config(root / "echotune.toml")
    (flow,) = cfg.api.flows
    login, me = flow.steps
    assert (login.path, me.path) == ("/api/users/login", "/api/user")
    assert login.json == {"user": {"email": "demo@example.com", "password": "change-me"}}
    assert dict(login.capture) == {"token": "$.user.token"}
    assert dict(me.headers) == {"Authorization": "Token {token}"}
    check_flows(cfg.api.flows, cfg.source)
    assert (cfg.api.login.path, cfg.api.login.json, cfg.api.login.token_field, cfg.api.login.scheme) == (
        "/api/users/login", {"user": {"email": "demo@example.com", "password": "change-me"}}, "user.token",
        "Token")
    load = load_config(load_login_uncommented(root)).load.login
    assert (load.path, load.json, load.token_field, load.scheme) == (
        "/api/users/login", {"user": {"email": "demo@example.com", "password": "change-me"}}, "user.token",
        "Token")
    # An app that takes both words (the TypeScript RealWorld app) keeps the usual one.
    both = dict(CONDUIT, **{"routes/auth.js": CONDUIT["routes/auth.js"].replace(
        "if (scheme === 'Token')", "if (scheme === 'Token' || scheme === 'Bearer')")})
    _express(tmp_path / "both", both)
    _init(tmp_path / "both", cli_env)
    (flow,) = load_config(tmp_path / "both" / "echotune.toml").api.flows
    assert dict(flow.steps[1].headers) == {"Authorization": "Bearer {token}"}


def test_django_rest_framework_logins_capture_what_they_answer(tmp_path, cli_env):
    from echotune_ci.project.routes import detect_login_flow

    root = tmp_path / "drf"
    root.mkdir()
    views = ("@api_view(['POST'])\ndef login(request):\n    return Response({})\n"
             "@app.post('/api/login')\ndef login2():\n    pass\n@app.get('/api/me')\ndef me():\n    pass\n")
    (root / "views.py").write_text(views)
    # djangorestframework-simplejwt answers {"access": ..., "refresh": ...}
    (root / "settings.py").write_text("REST_FRAMEWORK = {'DEFAULT_AUTHENTICATION_CLASSES': "
                                      "('rest_framework_simplejwt.authentication.JWTAuthentication',)}\n")
    flow = detect_login_flow(root)
    assert (flow["token"], flow["scheme"]) == ("$.access", "Bearer")
    # DRF's TokenAuthentication reads "Authorization: Token <key>" and obtain_auth_token answers {"token"}
    (root / "settings.py").write_text("REST_FRAMEWORK = {'DEFAULT_AUTHENTICATION_CLASSES': "
                                      "['rest_framework.authentication.TokenAuthentication']}\n")
    flow = detect_login_flow(root)
    assert (flow["token"], flow["scheme"], flow["user_object"]) == ("$.token", "Token", "")


def test_a_user_object_elsewhere_than_a_request_body_is_no_login_shape(tmp_path, cli_env):
    # a serializer's data["user"] = ..., or a client's request body, said nothing of what the login reads
    root = tmp_path / "py"
    root.mkdir()
    (root / "requirements.txt").write_text("flask==3.0.3\ngunicorn==22.0.0\n")
    (root / "app.py").write_text(FLASK_APP.replace('access_token="t"', 'token="t"'))
    (root / "serializers.py").write_text("def dump(user):\n    data = {}\n    data['user'] = user.name\n"
                                         "    return data\n")
    (root / "client").mkdir()
    (root / "client" / "api.js").write_text("export const go = (b) => post('/auth/login', b.body.user);\n")
    _init(root, cli_env)
    (flow,) = load_config(root / "echotune.toml").api.flows
    assert flow.steps[0].json == {"username": "demo", "password": "change-me"}
    assert dict(flow.steps[0].capture) == {"token": "$.token"}


def test_a_dotted_token_field_reaches_into_the_login_answer():
    # the RealWorld API answers {"user": {"token": ...}}: [api.login] / [load.login] token_field "user.token"
    from echotune_ci.phases.load.settings import token_at

    answer = {"user": {"email": "demo@example.com", "token": "jwt"}, "token.v2": "flat"}
    assert token_at(answer, "user.token") == "jwt"
    assert token_at(answer, "user") == {"email": "demo@example.com", "token": "jwt"}
    assert token_at(answer, "user.missing") is None and token_at(answer, "token") is None
    assert token_at(["not", "an", "object"], "token") is None


FASTAPI_FORM_LOGIN = '''from fastapi import APIRouter, Depends, FastAPI
from fastapi.security import OAuth2PasswordRequestForm

app = FastAPI()
router = APIRouter(prefix="/auth")


@router.post("/token")
def token(form: OAuth2PasswordRequestForm = Depends()):
    account = accounts.find_by_email(form.username)
    return {"access_token": account.token, "token_type": "bearer"}


@router.get("/me")
def me():
    return {}


app.include_router(router)
'''


def test_an_oauth2_password_form_login_is_sent_as_a_form(tmp_path, cli_env):
    # FastAPI's OAuth2PasswordRequestForm reads username and password urlencoded and answers JSON with
    # 422: init wrote json = {...}, and [api.login] could send nothing else
    root = tmp_path / "api"
    root.mkdir()
    (root / "requirements.txt").write_text("fastapi==0.115.0\nuvicorn==0.30.0\npython-multipart==0.0.9\n")
    (root / "main.py").write_text(FASTAPI_FORM_LOGIN)
    _init(root, cli_env)
    cfg = load_config(root / "echotune.toml")
    (flow,) = cfg.api.flows
    login, me = flow.steps
    assert (login.path, me.path) == ("/auth/token", "/auth/me")
    # always "username", here an email since the login looks it up as one
    account = {"username": "demo@example.com", "password": "change-me"}
    assert (login.json, dict(login.form)) == (None, account)
    assert (cfg.api.login.json, dict(cfg.api.login.form), cfg.api.login.token_field) == (
        None, account, "access_token")
    load = load_config(load_login_uncommented(root)).load.login
    assert (load.json, dict(load.form), load.token_field) == (None, account, "access_token")
    check_flows(cfg.api.flows, cfg.source)
    # a name the login does not look up as an email stays "demo"
    other = tmp_path / "by-name"
    other.mkdir()
    (other / "requirements.txt").write_text((root / "requirements.txt").read_text())
    (other / "main.py").write_text(FASTAPI_FORM_LOGIN.replace("find_by_email", "find_by_name"))
    _init(other, cli_env)
    login = load_config(other / "echotune.toml").api.login
    assert dict(login.form) == {"username": "demo", "password": "change-me"}


def test_a_token_inside_the_login_response_model_is_captured_there(tmp_path):
    # LoginResponse(token=Token(access_token=...), user=...): the token is one object down
    from echotune_ci.project.routes import detect_login_flow

    root = tmp_path / "api"
    root.mkdir()
    (root / "schemas.py").write_text(
        "from pydantic import BaseModel\n\n\nclass Token(BaseModel):\n    access_token: str\n"
        "    token_type: str = 'bearer'\n\n\nclass Account(BaseModel):\n    id: int\n\n\n"
        "class LoginResponse(BaseModel):\n    user: Account\n    token: Token\n")
    main = FASTAPI_FORM_LOGIN.replace('@router.post("/token")',
                                      '@router.post("/token", response_model=LoginResponse)')
    (root / "main.py").write_text(main)
    assert detect_login_flow(root)["token"] == "$.token.access_token"
    # a response model that holds the token itself, or none, keeps $.access_token
    (root / "schemas.py").write_text("from pydantic import BaseModel\n\n\nclass LoginResponse(BaseModel):\n"
                                     "    access_token: str\n")
    assert detect_login_flow(root)["token"] == "$.access_token"
    (root / "main.py").write_text(FASTAPI_FORM_LOGIN)
    assert detect_login_flow(root)["token"] == "$.access_token"


def test_the_token_url_of_oauth2_password_bearer_is_the_login(tmp_path):
    # FastAPI's OAuth2PasswordBearer(tokenUrl=...) names "the URL to obtain the OAuth2 token", the path
    # operation that reads OAuth2PasswordRequestForm: full-stack-fastapi-template's /login/access-token
    # (under settings.API_V1_STR), which no login word ends; init wrote no flow and no [api.login]
    from echotune_ci.project.routes import detect_login_flow

    root = tmp_path / "api"
    files = {
        "app/__init__.py": "",
        "app/config.py": "from pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n"
                         "    API_V1_STR: str = '/api/v1'\n\n\nsettings = Settings()\n",
        "app/deps.py": "from fastapi.security import OAuth2PasswordBearer\n"
                       "from app.config import settings\n\nreusable = OAuth2PasswordBearer(\n"
                       "    tokenUrl=f\"{settings.API_V1_STR}/login/access-token\"\n)\n",
        # a route named like a login that is no token URL, read first
        "app/accounts.py": "from fastapi import APIRouter\nrouter = APIRouter(prefix='/accounts')\n\n\n"
                           "@router.post('/sessions')\ndef sessions():\n    return {}\n\n\n"
                           "@router.get('/me')\ndef me():\n    return {}\n",
        "app/login.py": "from typing import Annotated\nfrom fastapi import APIRouter, Depends\n"
                        "from fastapi.security import OAuth2PasswordRequestForm\nrouter = APIRouter()\n\n\n"
                        "@router.post('/login/access-token')\n"
                        "def login(form: Annotated[OAuth2PasswordRequestForm, Depends()]):\n"
                        "    user = crud.authenticate(session=s, email=form.username, "
                        "password=form.password)\n    return {'access_token': 't'}\n",
        "app/main.py": "from fastapi import FastAPI\nfrom app import accounts, login\n"
                       "from app.config import settings\napp = FastAPI()\n"
                       "app.include_router(login.router, prefix=settings.API_V1_STR)\n"
                       "app.include_router(accounts.router, prefix=settings.API_V1_STR)\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    found = detect_login_flow(root)
    assert (found["login"], found["protected"], found["token"]) == (
        "/api/v1/login/access-token", "/api/v1/accounts/me", "$.access_token")
    # the form's username handed on as the email (authenticate(email=form.username)): an email it is
    assert (found["oauth2_form"], found["user_value"]) == ("yes", "demo@example.com")
    assert found["source"] == "app/accounts.py, app/login.py"
    # without the bearer's tokenUrl, the route named like a login is taken, as before
    (root / "app/deps.py").write_text("")
    assert detect_login_flow(root)["login"] == "/api/v1/accounts/sessions"
