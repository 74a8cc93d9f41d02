"""What init got wrong on the seventh round of real projects (2026-12-02), each as a fixture of our own."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from echotune_ci.project.app import PLACEHOLDER_SECRET
from echotune_ci.project.files import JS_SUFFIXES, source_files
from echotune_ci.project.health import find_load_routes
from echotune_ci.project.init import app_setup, init_project
from echotune_ci.project import workspaces
from echotune_ci.project.openapi import served_document
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)


def test_flask_development_server_is_named_in_flask_app_not_by_the_option_flask_2_2_added(tmp_path):
    # Flask 2.0.3's CLI (run here): `flask --app app run` -> "Error: No such option '--app'."; with
    # FLASK_APP=app in the environment `flask run` serves the factory. The option came in Flask 2.2.
    write(tmp_path, {"requirements.txt": "Flask==2.0.3\nWerkzeug==2.0.3\n",
                     "app.py": "from flask import Flask\n\n\ndef create_app():\n"
                               "    return Flask(__name__)\n"})
    app = app_setup(tmp_path)
    assert app.command == "flask run --host 127.0.0.1 --port {port}"
    assert app.env["FLASK_APP"] == "app"


PACKAGE = json.dumps({"name": "passport-login", "main": "server.js", "scripts": {"start": "node server.js"},
                      "dependencies": {"express": "^4.18.2", "express-session": "^1.17.3"}})


def node_app(root: Path, server: str) -> Path:
    return write(root, {"package.json": PACKAGE, "server.js": server})


def test_a_session_secret_the_server_takes_with_no_default_gets_a_placeholder(tmp_path):
    # express-session 1.18 without `secret` (run here): every request 500, "Error: secret option required
    # for sessions"; with SESSION_SECRET=x, 200. The author's value sat in a .env the repository ignores.
    node_app(tmp_path, "const express = require('express')\nconst session = require('express-session')\n"
                       "const app = express()\n"
                       "app.use(session({ secret: process.env.SESSION_SECRET, resave: false }))\n"
                       "app.listen(process.env.PORT || 3000)\n")
    app = app_setup(tmp_path)
    assert app.env["SESSION_SECRET"] == PLACEHOLDER_SECRET
    said = "server.js:4 requires SESSION_SECRET (read as a value, no default): a placeholder is set here"
    assert any(n.startswith(said) for n in app.all_checks())


def test_a_secret_only_tested_or_read_with_a_default_or_a_password_gets_none(tmp_path):
    node_app(tmp_path, "const app = require('express')()\n"
                       "if (process.env.STRIPE_SECRET_KEY) {\n"
                       "  app.set('stripe', process.env.STRIPE_SECRET_KEY)\n}\n"
                       "const jwtSecret = process.env.JWT_SECRET || 'dev-secret'\n"
                       "const db = connect({ password: process.env.DB_PASSWORD })\n"
                       "app.listen(process.env.PORT || 3000)\n")
    app = app_setup(tmp_path)
    assert not {"STRIPE_SECRET_KEY", "JWT_SECRET", "DB_PASSWORD"} & set(app.env)


def test_flask_secret_key_taken_from_the_environment_with_no_default_gets_a_placeholder(tmp_path):
    # Flask 3 with SECRET_KEY None: session[...] = ... raises "The session is unavailable because no secret
    # key was set" (a 500 on every page that logs in or flashes).
    write(tmp_path, {"requirements.txt": "Flask==3.0.3\ngunicorn==22.0.0\n",
                     "app.py": "import os\nfrom flask import Flask\n\napp = Flask(__name__)\n"
                               "app.config['SECRET_KEY'] = os.environ.get('SECRET_KEY')\n"
                               "DATABASE_PASSWORD = os.environ.get('DATABASE_PASSWORD')\n"})
    app = app_setup(tmp_path)
    assert app.env["SECRET_KEY"] == PLACEHOLDER_SECRET
    assert "DATABASE_PASSWORD" not in app.env


# Where each framework serves its OpenAPI document, from its documentation: flask-smorest ("OPENAPI_JSON_PATH:
# path to the JSON file, relative to the base path; default 'openapi.json'", served only with
# OPENAPI_URL_PREFIX), Django Ninja (openapi_url "/openapi.json" relative to where api.urls is mounted),
# Litestar 2 (OpenAPIConfig path "/schema"), NestJS ("http://localhost:3000/api-json" for
# SwaggerModule.setup('api', ...)), APIFlask (spec_path "/openapi.json"), APIFairy (APIFAIRY_APISPEC_PATH
# "/apispec.json", APIFAIRY_UI_PATH "/docs"; the settings in the Flask config, apart from APIFairy()).
@pytest.mark.parametrize(("files", "expected"), [
    ({"team/settings.py": "class Config:\n    OPENAPI_VERSION = '3.0.2'\n    OPENAPI_URL_PREFIX = '/'\n"
                          "    OPENAPI_REDOC_PATH = '/'\n"},
     ("/openapi.json", "team/settings.py", "flask-smorest", True)),
    ({"app.py": "app.config['OPENAPI_URL_PREFIX'] = '/api'\napp.config['OPENAPI_JSON_PATH'] = 'spec.json'\n"},
     ("/api/spec.json", "app.py", "flask-smorest", False)),
    ({"app.py": "from apiflask import APIFlask\napp = APIFlask(__name__, title='Pets')\n"},
     ("/openapi.json", "app.py", "APIFlask", False)),
    ({"blog/app.py": "from apifairy import APIFairy\napifairy = APIFairy()\n",
      "config.py": "class Config:\n    APIFAIRY_TITLE = 'Blog API'\n"},
     ("/apispec.json", "blog/app.py", "APIFairy", False)),
    ({"blog/app.py": "from apifairy import APIFairy\napifairy = APIFairy()\n",
      "config.py": "class Config:\n    APIFAIRY_APISPEC_PATH = '/api/spec.json'  # moved\n"
                   "    APIFAIRY_UI_PATH = '/'\n"},
     ("/api/spec.json", "blog/app.py", "APIFairy", True)),
    ({"shop/api.py": "from ninja import NinjaAPI\napi = NinjaAPI(title='shop')\n",
      "shop/urls.py": "from .api import api\nurlpatterns = [path('admin/', admin.site.urls), "
                      "path('api/v1/', api.urls)]\n"},
     ("/api/v1/openapi.json", "shop/api.py", "Django Ninja", False)),
    ({"app.py": "from litestar import Litestar\napp = Litestar(route_handlers=[index])\n"},
     ("/schema/openapi.json", "app.py", "Litestar", False)),
    ({"app.py": "app = Litestar([index],\n"
                "    openapi_config=OpenAPIConfig(title='x', version='1', path='/docs'))\n"},
     ("/docs/openapi.json", "app.py", "Litestar", False)),
    ({"project/urls.py": "urlpatterns = [\n"
                         "    path('api/schema/', SpectacularAPIView.as_view(), name='schema'),\n]\n"},
     ("/api/schema/", "project/urls.py", "drf-spectacular", False)),
    ({"src/main.ts": "const document = SwaggerModule.createDocument(app, config);\n"
                     "SwaggerModule.setup('docs', app, document);\n"},
     ("/docs-json", "src/main.ts", "NestJS", False)),
    ({"server.js": "app.get('/api-docs/swagger.json', (req, res) => res.json(spec));\n"},
     ("/api-docs/swagger.json", "server.js", "the app", False)),
    # Fastify: @fastify/swagger-ui serves the document at {routePrefix}/json (tenth round)
    ({"src/plugins/docs.ts": "import swagger from '@fastify/swagger'\nimport ui from '@fastify/swagger-ui'\n"
                             "export default fp(async (app) => {\n  await app.register(swagger, {\n"
                             "    openapi: { info: { title: 't', version: '1' } }\n  })\n"
                             "  await app.register(ui, {\n    routePrefix: '/api/docs'\n  })\n})\n"},
     ("/api/docs/json", "src/plugins/docs.ts", "Fastify", False)),
    ({"app.js": "const fastify = require('fastify')()\n"
                "fastify.register(require('@fastify/swagger'), {})\n"
                "fastify.register(require('@fastify/swagger-ui'))\n"},
     ("/documentation/json", "app.js", "Fastify", False)),
    ({"app.js": "const swaggerUi = require('@fastify/swagger-ui')\n"
                "app.register(swaggerUi, { routePrefix: '/', uiConfig: {} })\n"},
     ("/json", "app.js", "Fastify", True)),
    # options given as a variable of the file (j10ra/fastify-drizzle-postgres: /docs/json answered, the
    # default /documentation/json was 404)
    ({"src/config/swagger.config.ts": "const swaggerUiOptions = {\n  routePrefix: '/docs',\n"
                                      "  exposeRoute: true,\n};\n"
                                      "export default function registerSwagger(server) {\n"
                                      "  server.register(require('@fastify/swagger'), swaggerOptions);\n"
                                      "  server.register(require('@fastify/swagger-ui'),\n"
                                      "                  swaggerUiOptions);\n}\n"},
     ("/docs/json", "src/config/swagger.config.ts", "Fastify", False)),
    # before @fastify/swagger 8, the plugin served it itself, with exposeRoute
    ({"server.js": "const swagger = require('fastify-swagger')\n"
                   "app.register(swagger, { routePrefix: '/docs', exposeRoute: true, swagger: {} })\n"},
     ("/docs/json", "server.js", "Fastify", False)),
])
def test_where_the_app_serves_its_openapi_document(tmp_path, files, expected):
    write(tmp_path, files)
    served = served_document(source_files(tmp_path, (".py", ".js", ".ts")), tmp_path)
    assert served is not None
    assert (served.path, served.where, served.framework, served.docs_at_root) == expected


@pytest.mark.parametrize("files", [
    {"app.py": "app = FastAPI(openapi_url=None)\n"},
    {"app.py": "app = FastAPI(title=s.NAME, openapi_url=f\"{s.API_V1_STR}/openapi.json\")\n"},
    {"app.py": "from flask_smorest import Api\napi = Api(app)\n"},  # no OPENAPI_URL_PREFIX: not served
    {"api.py": "api = NinjaAPI(openapi_url=None)\n", "urls.py": "urlpatterns = [path('api/', api.urls)]\n"},
    {"app.py": "app = Litestar([index], openapi_config=None)\n"},
    {"app.py": "api = APIFairy(app)\n", "config.py": "APIFAIRY_APISPEC_PATH = os.environ.get('SPEC')\n"},
    {"server.js": "app.use('/docs', swaggerUi.serve, swaggerUi.setup(spec));\n"},  # a page, no document
    # @fastify/swagger 8+ alone builds the document (app.swagger()) but serves no route
    {"app.js": "import swagger from '@fastify/swagger'\napp.register(swagger, { openapi: {} })\n"},
    {"app.js": "const swagger = require('fastify-swagger')\n"
               "app.register(swagger, { routePrefix: '/docs' })\n"},
    {"app.js": "import ui from '@fastify/swagger-ui'\napp.register(ui, { routePrefix: `${base}/docs` })\n"},
    {"app.js": "import ui from '@fastify/swagger-ui'\napp.register(ui, { routePrefix: config.docsPath })\n"},
])
def test_no_document_or_one_at_a_computed_path_is_not_offered(tmp_path, files):
    write(tmp_path, files)
    assert served_document(source_files(tmp_path, (".py", ".js")), tmp_path) is None


def test_flask_smorest_gets_the_api_phase_and_no_frontend_for_its_redoc_page(tmp_path):
    # lafrech/flask-smorest-sqlalchemy-example: OPENAPI_URL_PREFIX = '/', OPENAPI_REDOC_PATH = '/'
    write(tmp_path, {"requirements.txt": "flask==3.0.3\nflask-smorest==0.44.0\ngunicorn==22.0.0\n",
                     "team/__init__.py": "from flask import Flask\nfrom flask_smorest import Api\n\n\n"
                                         "def create_app():\n    app = Flask(__name__)\n"
                                         "    app.config.from_object('team.settings.Config')\n"
                                         "    Api(app)\n    return app\n",
                     "team/settings.py": "class Config:\n    OPENAPI_VERSION = '3.0.2'\n"
                                         "    OPENAPI_URL_PREFIX = '/'\n    OPENAPI_REDOC_PATH = '/'\n",
                     "wsgi.py": "from team import create_app\napp = create_app()\n"})
    done = init_project(tmp_path, ref="0123456789abcdef0123456789abcdef01234567")
    written = tomllib.loads((tmp_path / "echotune.toml").read_text())
    assert written["run"]["phases"] == ["security", "load", "api"]
    assert written["api"]["openapi"] == "/openapi.json"
    assert written["serve"]["ready_url"] == "http://127.0.0.1:{port}/openapi.json"
    assert ("phases", "security, load", 'team/settings.py: "/" is flask-smorest\'s API docs page, no page of '
            "the app's: no frontend") in [(d.key, d.value, d.source) for d in done.app.decisions]


def test_a_prefix_from_a_settings_function_and_a_base_class_is_read(tmp_path):
    # nsidnev/fastapi-realworld-example-app: get_application() { settings = get_app_settings();
    # include_router(api_router, prefix=settings.api_prefix) }, get_app_settings() -> AppSettings, whose
    # api_prefix: str = "/api" ... and AppSettings(BaseAppSettings). Read as "/", run stopped on a 404.
    write(tmp_path, {
        "requirements.txt": "fastapi==0.110.0\nuvicorn==0.29.0\npydantic-settings==2.2.1\n",
        "app/__init__.py": "", "app/core/__init__.py": "",
        "app/core/base.py": "from pydantic_settings import BaseSettings\n\n\n"
                            "class BaseAppSettings(BaseSettings):\n    api_prefix: str = '/api'\n",
        "app/core/config.py": "from app.core.base import BaseAppSettings\n\n\n"
                              "class AppSettings(BaseAppSettings):\n    title: str = 'realworld'\n\n\n"
                              "def get_app_settings() -> AppSettings:\n    return AppSettings()\n",
        "app/routes.py": "from fastapi import APIRouter\nrouter = APIRouter()\n\n\n@router.get('')\n"
                         "def tags():\n    return {'tags': []}\n",
        "app/main.py": "from fastapi import FastAPI\nfrom app.core.config import get_app_settings\n"
                       "from app.routes import router\n\n\ndef get_application():\n"
                       "    settings = get_app_settings()\n    application = FastAPI()\n"
                       "    application.include_router(router, prefix=settings.api_prefix)\n"
                       "    return application\n\n\napp = get_application()\n"})
    app = app_setup(tmp_path)
    assert app.ready_path == "/api" and "frontend" not in app.phases


def routes(root: Path) -> list[tuple[str, str]]:
    found = find_load_routes(list(source_files(root, JS_SUFFIXES)), root, 10)
    return [(r.path, r.where) for r in found]


def test_routes_registered_on_the_app_a_module_is_handed(tmp_path):
    # bezkoder/node-express-sequelize-postgresql: routes/x.routes.js exports `app => {... app.use("/api/x",
    # router)}`, server.js calls require("./app/routes/x.routes")(app). Unread, x's router.get("/") was
    # taken as the site's root and nothing under /api/tutorials was load-tested.
    write(tmp_path, {
        "package.json": PACKAGE,
        "server.js": "const express = require('express')\nconst app = express()\n"
                     "require('./app/routes/tutorial.routes')(app)\nimport notes from './app/routes/notes'\n"
                     "notes(app)\napp.listen(process.env.PORT || 8080)\n",
        "app/routes/tutorial.routes.js": "module.exports = app => {\n"
                                         "  var router = require('express').Router()\n"
                                         "  router.get('/', list)\n  router.get('/published', published)\n"
                                         "  router.get('/:id', one)\n"
                                         "  app.use('/api/tutorials', router)\n};\n",
        "app/routes/notes.js": "export default function (app) {\n  const r = express.Router()\n"
                               "  r.get('/', all)\n  app.use('/api/notes', r)\n}\n"})
    assert routes(tmp_path) == [("/api/notes", "app/routes/notes.js:3"),
                                ("/api/tutorials", "app/routes/tutorial.routes.js:3"),
                                ("/api/tutorials/published", "app/routes/tutorial.routes.js:4")]
    app = app_setup(tmp_path)
    assert "frontend" not in app.phases  # no "/" of the app's own


def test_routers_mounted_in_a_loop_over_a_list(tmp_path):
    # hagopj13/node-express-boilerplate: [{ path: '/auth', route: authRoute }, ...].forEach((route) => {
    # router.use(route.path, route.route) }) under app.use('/v1', routes)
    write(tmp_path, {
        "package.json": PACKAGE,
        "src/app.js": "const express = require('express')\nconst routes = require('./routes/v1')\n"
                      "const app = express()\napp.use('/v1', routes)\napp.listen(process.env.PORT || 3000)\n",
        "src/routes/v1/index.js": "const express = require('express')\n"
                                  "const catalogRoute = require('./catalog.route')\n"
                                  "const tagRoute = require('./tag.route')\nconst router = express.Router()\n"
                                  "const defaultRoutes = [\n  {\n    path: '/catalog',\n"
                                  "    route: catalogRoute,\n  },\n  { path: '/tags', route: tagRoute },\n"
                                  "];\n"
                                  "defaultRoutes.forEach((route) => {\n"
                                  "  router.use(route.path, route.route);\n});\nmodule.exports = router;\n",
        "src/routes/v1/catalog.route.js": "const router = require('express').Router()\n"
                                          "router.get('/featured', featured)\nmodule.exports = router\n",
        "src/routes/v1/tag.route.js": "const router = require('express').Router()\n"
                                      "router.get('/', tags)\nmodule.exports = router\n"})
    assert routes(tmp_path) == [("/v1/catalog/featured", "src/routes/v1/catalog.route.js:2"),
                                ("/v1/tags", "src/routes/v1/tag.route.js:2")]
    assert "frontend" not in app_setup(tmp_path).phases


def test_pm2_is_left_out_and_a_joi_schema_names_what_the_app_stops_without(tmp_path):
    # hagopj13/node-express-boilerplate: "start": "pm2 start ecosystem.config.json --no-daemon" restarted
    # the app that could not start, and `run` waited its whole timeout; its Joi schema requires JWT_SECRET
    # ('"JWT_SECRET" is required', 12 times in the app's output) and MONGODB_URL, which init did not name.
    write(tmp_path, {
        "package.json": json.dumps({"name": "boilerplate", "scripts": {
            "start": "pm2 start ecosystem.config.json --no-daemon", "dev": "nodemon src/index.js"},
            "dependencies": {"express": "^4.17.1", "joi": "^17.3.0", "pm2": "^5.1.0"}}),
        "ecosystem.config.json": json.dumps({"apps": [
            {"name": "app", "script": "src/index.js", "autorestart": True,
             "env": {"NODE_ENV": "production"}}]}),
        "src/index.js": "const app = require('./app')\nconst config = require('./config/config')\n"
                        "app.listen(config.port)\n",
        "src/app.js": "const express = require('express')\nconst app = express()\nmodule.exports = app\n",
        "src/config/config.js": "const Joi = require('joi')\nconst envVarsSchema = Joi.object().keys({\n"
                                "    PORT: Joi.number().default(3000),\n"
                                "    MONGODB_URL: Joi.string().required().description('Mongo DB url'),\n"
                                "    JWT_SECRET: Joi.string().required().description('JWT secret key'),\n"
                                "  }).unknown();\n"
                                "const { value: envVars } = envVarsSchema.validate(process.env)\n"
                                "module.exports = { port: envVars.PORT }\n"})
    app = app_setup(tmp_path)
    assert app.command == "node src/index.js" and app.env["NODE_ENV"] == "production"
    assert app.env["JWT_SECRET"] == PLACEHOLDER_SECRET
    assert ("src/config/config.js:4 requires MONGODB_URL (a Joi schema's .required(), no default): the app "
            "stops without it; add it to [serve] env with a value for this machine") in app.all_checks()


def test_a_stale_pnpm_lockfile_beside_package_lock_and_an_old_pnpm_lockfile(tmp_path, monkeypatch):
    # bradtraversy/proshop-v2: pnpm-lock.yaml (lockfileVersion '6.0') beside package-lock.json, README
    # says npm install: init chose pnpm. pnpm 9 reads the 6.0 file, pnpm 10 refuses it
    # (ERR_PNPM_LOCKFILE_BREAKING_CHANGE).
    write(tmp_path, {"package.json": PACKAGE, "package-lock.json": '{"lockfileVersion": 3, "packages": {}}',
                     "pnpm-lock.yaml": "lockfileVersion: '6.0'\n\ndependencies: {}\n",
                     "server.js": "const app = require('express')()\napp.listen(process.env.PORT)\n"})
    app = app_setup(tmp_path)
    assert app.setup == "npm ci"
    assert ("pnpm-lock.yaml beside package-lock.json: setup installs from package-lock.json (npm); delete "
            "the stale one, or set [serve] setup to the other manager's install") in app.all_checks()
    # pnpm's lockfile alone, pnpm missing: the version that reads it
    (tmp_path / "package-lock.json").unlink()
    said = [n for n in app_setup(tmp_path).all_checks() if "pnpm" in n]
    assert said == ["pnpm-lock.yaml asks for pnpm, which is not installed here: setup fails until it is; "
                    "install it (pnpm 8 or 9 reads this lockfile: `npm install -g pnpm@9`)"]
    # installed: it may be too new
    monkeypatch.setattr(workspaces, "installed", lambda program: True)
    said = [n for n in app_setup(tmp_path).all_checks() if "pnpm" in n]
    assert said == ["pnpm-lock.yaml is a pnpm 8 lockfile, which pnpm 10 and later refuse "
                    "(ERR_PNPM_LOCKFILE_BREAKING_CHANGE): setup needs pnpm 8 or 9 (`npm install -g "
                    'pnpm@9`, or "packageManager": "pnpm@9.x.y" in package.json with corepack)']


def test_a_realworld_flask_login_is_read_from_its_schema_and_jwt_settings(tmp_path):
    # gothinkster/flask-realworld-example-app: the login's body is {"user": {...}} (a marshmallow @pre_load
    # unwraps data['user']), the answer {"user": {..., "token": ...}} (user.token = create_access_token(...)),
    # and JWT_HEADER_TYPE = 'Token'. init wrote {email, password}, $.access_token (from create_access_token)
    # and Bearer: three guesses, each wrong.
    from echotune_ci.project.routes import detect_login_flow

    write(tmp_path, {
        "conduit/settings.py": "class Config:\n    JWT_HEADER_TYPE = 'Token'\n",
        "conduit/user/serializers.py": "from marshmallow import Schema, fields, pre_load\n\n\n"
                                       "class UserSchema(Schema):\n    email = fields.Email()\n\n"
                                       "    @pre_load\n    def make_user(self, data, **kwargs):\n"
                                       "        data = data['user']\n        return data\n",
        "conduit/user/views.py": "from flask import Blueprint\n"
                                 "from flask_jwt_extended import create_access_token, jwt_required\n"
                                 "blueprint = Blueprint('user', __name__)\n\n\n"
                                 "@blueprint.route('/api/users/login', methods=('POST',))\n"
                                 "def login_user(email, password, **kwargs):\n"
                                 "    user.token = create_access_token(identity=user)\n    return user\n\n\n"
                                 "@blueprint.route('/api/user', methods=('GET',))\n@jwt_required\n"
                                 "def get_user():\n    return current_user\n"})
    flow = detect_login_flow(tmp_path)
    assert (flow["login"], flow["protected"], flow["token"], flow["user_object"], flow["scheme"]) == (
        "/api/users/login", "/api/user", "$.user.token", "user", "Token")


def test_flask_migrate_without_a_migrations_folder_makes_it_on_the_first_run(tmp_path):
    # flask-realworld-example-app: README "flask db init / flask db migrate / flask db upgrade", no
    # migrations/ in the repository. init kept `flask db upgrade`, which says (Flask-Migrate 4, run here)
    # "Error: Path doesn't exist: migrations. Please use the 'init' command"; the build written ran twice
    # in a row here (rc 0 both, one revision, the table made).
    write(tmp_path, {"requirements.txt": "Flask==3.0.3\nFlask-SQLAlchemy==3.1.1\nFlask-Migrate==4.0.7\n",
                     "autoapp.py": "from flask import Flask\napp = Flask(__name__)\n",
                     "README.rst": "Run::\n\n    export FLASK_APP=autoapp.py\n    flask db init\n"
                                   "    flask db migrate\n    flask db upgrade\n    flask run\n"})
    app = app_setup(tmp_path)
    assert app.build == "(test -d migrations || (flask db init && flask db migrate)) && flask db upgrade"
    (tmp_path / "migrations").mkdir()
    assert app_setup(tmp_path).build == "flask db upgrade"


def test_a_config_class_value_is_no_variable_the_database_is_found_through(tmp_path):
    # flask-realworld-example-app: "found through DATABASE_URL, DB_NAME, DB_PATH", where DB_NAME and
    # DB_PATH are DevConfig's own values (DB_NAME = 'dev.db'), which no environment variable sets
    write(tmp_path, {"requirements.txt": "Flask==3.0.3\npsycopg2-binary==2.9.9\ngunicorn==22.0.0\n",
                     "app.py": "from flask import Flask\napp = Flask(__name__)\n",
                     "settings.py": "import os\n\n\nclass Config:\n"
                                    "    SQLALCHEMY_DATABASE_URI = os.environ.get('DATABASE_URL', 'pg')\n\n\n"
                                    "class DevConfig(Config):\n    DB_NAME = 'dev.db'\n"
                                    "    DB_PATH = DB_NAME\n",
                     "pgsettings.py": "from pydantic_settings import BaseSettings\n\n\n"
                                      "class S(BaseSettings):\n    POSTGRES_SERVER: str = 'localhost'\n"})
    [said] = [n for n in app_setup(tmp_path).all_checks() if "PostgreSQL" in n]
    assert "found through POSTGRES_SERVER, DATABASE_URL, which" in said


@pytest.mark.parametrize(("files", "frontend"), [
    ({"server.js": "const app = require('express')()\napp.get('/', (req, res) => {\n"
                   "  res.json({ message: 'Welcome to bezkoder application.' });\n});\n"
                   "app.listen(process.env.PORT || 8080)\n"}, False),
    ({"server.js": "const app = require('express')()\n"
                   "app.get('/', (req, res) => res.status(200).send({ ok: 1 }))\n"
                   "app.listen(process.env.PORT || 8080)\n"}, False),
    # a page: text a browser renders, a template, static files
    ({"server.js": "const app = require('express')()\napp.get('/', (req, res) => res.send('<h1>Shop</h1>'))\n"
                   "app.listen(process.env.PORT || 8080)\n"}, True),
    ({"server.js": "const app = require('express')()\napp.use(express.static('public'))\n"
                   "app.get('/', (req, res) => res.json({ ok: 1 }))\n"
                   "app.listen(process.env.PORT || 8080)\n"}, True),
])
def test_an_api_whose_root_answers_json_gets_no_frontend(tmp_path, files, frontend):
    # bezkoder/node-express-sequelize-postgresql: accessibility_score 50 on Chromium's JSON viewer
    write(tmp_path, {"package.json": PACKAGE, **files})
    assert ("frontend" in app_setup(tmp_path).phases) is frontend


def test_node_env_production_keeps_the_dev_dependencies_of_installs_a_script_runs(tmp_path):
    # burakorkmez/mern-ecommerce: "build": "npm install && npm install --prefix frontend && npm run build
    # --prefix frontend", and the server serves frontend/dist only when NODE_ENV is production. init set
    # NODE_ENV=production and `npm ci --include=dev`; the script's own `npm install --prefix frontend` left
    # vite out ("serve.build needs `vite`"). Run here: npm 10 with NODE_ENV=production installs a
    # devDependency only with npm_config_include=dev (yarn 1.22: YARN_PRODUCTION=false; pnpm 8:
    # npm_config_production=false).
    write(tmp_path, {"package.json": json.dumps({
        "name": "mern-ecommerce", "main": "backend/server.js",
        "scripts": {"start": "node backend/server.js",
                    "build": "npm install && npm install --prefix frontend && "
                             "npm run build --prefix frontend"},
        "dependencies": {"express": "^4.21.0"}}),
        "package-lock.json": '{"lockfileVersion": 3, "packages": {}}',
        "backend/server.js": "const express = require('express')\nconst app = express()\n"
                             "if (process.env.NODE_ENV === 'production') {\n"
                             "  app.use(express.static('frontend/dist'))\n}\napp.listen(process.env.PORT)\n",
        "frontend/package.json": json.dumps({"name": "frontend", "scripts": {"build": "vite build"},
                                             "devDependencies": {"vite": "^5.4.0"}})})
    app = app_setup(tmp_path)
    assert app.env["NODE_ENV"] == "production" and app.env["npm_config_include"] == "dev"
    assert "YARN_PRODUCTION" not in app.env and "npm_config_production" not in app.env


def test_a_redis_variable_with_a_provider_prefix_is_named(tmp_path):
    # burakorkmez/mern-ecommerce: new Redis(process.env.UPSTASH_REDIS_URL); the check named no variable
    manifest = {"name": "shop", "scripts": {"start": "node backend/server.js"},
                "dependencies": {"express": "^4.21.0", "ioredis": "^5.4.1"}}
    write(tmp_path, {"package.json": json.dumps(manifest),
                     "backend/server.js": "const app = require('express')()\napp.listen(process.env.PORT)\n",
                     "backend/lib/redis.js": "import Redis from 'ioredis'\nexport const redis = "
                                             "new Redis(process.env.UPSTASH_REDIS_URL)\n"})
    [said] = [n for n in app_setup(tmp_path).all_checks() if "Redis" in n]
    assert said.startswith("ioredis in package.json: the app connects to Redis, found through "
                           "UPSTASH_REDIS_URL,")


def test_a_third_partys_credential_read_with_no_default_gets_no_placeholder(tmp_path):
    # miguelgrinberg/microblog-api: 'client_secret': os.environ.get('GITHUB_CLIENT_SECRET') in an OAuth
    # table the app starts without; init said "config.py:51 requires GITHUB_CLIENT_SECRET", a placeholder
    write(tmp_path, {"requirements.txt": "Flask==3.0.3\ngunicorn==22.0.0\n",
                     "app.py": "import os\nfrom flask import Flask\napp = Flask(__name__)\n"
                               "app.config['SECRET_KEY'] = os.environ.get('SECRET_KEY')\n"
                               "OAUTH = {'github': {\n"
                               "    'client_secret': os.environ.get('GITHUB_CLIENT_SECRET')},\n"
                               "    'stripe': os.environ.get('STRIPE_SECRET_KEY')}\n"})
    app = app_setup(tmp_path)
    assert app.env.get("SECRET_KEY") == PLACEHOLDER_SECRET
    assert not {"GITHUB_CLIENT_SECRET", "STRIPE_SECRET_KEY"} & set(app.env)
    assert not [n for n in app.all_checks() if "GITHUB_CLIENT_SECRET" in n or "STRIPE" in n]


def test_an_app_whose_manifest_is_in_src_is_measured_there(tmp_path):
    # testdrivenio/fastapi-crud-async: src/app/main.py, src/requirements.txt, docker-compose.yml at the
    # top starting postgres. init at the top installed unpinned fastapi and uvicorn with no cwd, and `run`
    # stopped on "No module named 'app'"
    (tmp_path / ".git").mkdir()
    write(tmp_path, {"docker-compose.yml": "services:\n  web:\n    build: ./src\n  db:\n"
                                          "    image: postgres:15.1\n",
                     "src/requirements.txt": "fastapi==0.87.0\nuvicorn==0.20.0\nasyncpg==0.27.0\n",
                     "src/app/__init__.py": "",
                     "src/app/db.py": "import os\nDATABASE_URL = os.getenv('DATABASE_URL')\n",
                     "src/app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n\n\n"
                                        "@app.get('/ping')\ndef pong():\n    return {'ping': 'pong!'}\n"})
    app = app_setup(tmp_path)
    assert (app.cwd, app.command) == ("src", "uvicorn app.main:app --host 127.0.0.1 --port {port}")
    assert app.setup == "python3 -m venv .venv && .venv/bin/python -m pip install -r requirements.txt"
    assert ("../docker-compose.yml starts PostgreSQL for the app, found through DATABASE_URL: start one and "
            "point the app at 127.0.0.1 in [serve] env") in app.all_checks()


def test_a_root_that_redirects_to_the_api_docs_gets_no_frontend(tmp_path):
    # miguelgrinberg/microblog-api: @app.route('/') returns redirect(url_for('apifairy.docs')), a docs
    # page whose script comes from unpkg: "painted no content", and accessibility 93 failed the gate. Its
    # e-mails' render_template does not make "/" a page.
    write(tmp_path, {"requirements.txt": "Flask==3.0.3\ngunicorn==22.0.0\n",
                     "api/__init__.py": "", "api/email.py": "from flask import render_template\n",
                     "api/app.py": "from flask import Flask, redirect, url_for\n\n\ndef create_app():\n"
                                   "    app = Flask(__name__)\n\n    @app.route('/')\n    def index():\n"
                                   "        return redirect(url_for('apifairy.docs'))\n    return app\n",
                     "wsgi.py": "from api.app import create_app\napp = create_app()\n"})
    app = app_setup(tmp_path)
    assert "frontend" not in app.phases
    assert ("phases", "security, load", "api/app.py:7: \"/\" answers a redirect to its API docs page (no "
            "page of the app's): no frontend") in [(d.key, d.value, d.source) for d in app.decisions]


def test_an_access_token_field_of_a_javascript_answer_is_read():
    # examples/musicapp-node answers res.json({ access_token: issueToken(...), token_type: 'Bearer' }): the
    # stricter reading of the seventh round missed the object key and the flow captured $.token
    from echotune_ci.project.routes import detect_login_flow

    assert detect_login_flow(Path(__file__).parents[2] / "examples" / "musicapp-node")["token"] == \
        "$.access_token"
