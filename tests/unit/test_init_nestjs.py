"""What init got wrong on the eleventh round of real projects (2026-12-03), each as a fixture of our own."""

from __future__ import annotations

import json

import pytest

from echotune_ci.project.init import app_setup
from echotune_ci.project.nodenotes import production_only
from echotune_ci.project.prodbranch import production_spans
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

# (source, what runs only in production, or None when the test decides nothing)
SHAPES = {
    # tommywalkie/mecanojob-test: the test is a value, and the client is served whatever NODE_ENV is
    "typeorm-synchronize": ("ServeStaticModule.forRoot({ rootPath: 'public' }),\nTypeOrmModule.forRoot({\n"
                            "  synchronize: process.env.NODE_ENV !== 'production',\n}),\n", None),
    "if-block": ("if (process.env.NODE_ENV === 'production') {\n  app.use(express.static('dist'))\n}\n"
                 "app.listen(1)\n", "app.use(express.static('dist'))"),
    "if-statement": ("if (process.env.NODE_ENV == \"production\") app.use(express.static('dist'));\n"
                     "app.get('/x', h)\n", "app.use(express.static('dist'))"),
    "reversed-operands": ("if ('production' === process.env.NODE_ENV) app.use(serveStatic('dist'))\n",
                          "app.use(serveStatic('dist'))"),
    # Vite's SSR template: the dev server unless production, else the built client
    "else-of-not-production": ("if (process.env.NODE_ENV !== 'production') {\n  app.use(vite.middlewares)\n"
                               "} else {\n  app.use(sirv('dist/client'))\n}\n",
                               "app.use(sirv('dist/client'))"),
    "then-of-not-production": ("if (process.env.NODE_ENV !== 'production') app.use(morgan('dev'));\n"
                               "app.use(express.static('dist'));\n", ""),
    "alias": ("const isProd = process.env.NODE_ENV === 'production';\nconst app = express();\n"
              "if (isProd) {\n  app.use(express.static('public'));\n}\n",
              "app.use(express.static('public'));"),
    "negated-alias": ("const isProd = process.env.NODE_ENV === 'production';\n"
                      "if (!isProd) {\n  app.enableCors();\n} else {\n  app.useStaticAssets('public');\n}\n",
                      "app.useStaticAssets('public');"),
    "ternary-in-imports": ("imports: [\n  ...(process.env.NODE_ENV === 'production'\n"
                           "    ? [ServeStaticModule.forRoot({ rootPath: 'client' })] : []),\n"
                           "  UsersModule,\n]\n",
                           "[ServeStaticModule.forRoot({ rootPath: 'client' })]"),
    "and-and": ("process.env['NODE_ENV'] === 'production' && app.useStaticAssets('public');\n",
                "app.useStaticAssets('public')"),
    "string-with-brace": ("if (process.env.NODE_ENV === 'production') {\n  log('}');\n"
                          "  app.use(express.static('dist'));\n}\n",
                          "log('}');\n  app.use(express.static('dist'));"),
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_the_code_a_production_test_decides(name):
    text, expected = SHAPES[name]
    spans = [text[start:end].strip() for _, start, end in production_spans(text)]
    assert spans == ([] if expected is None else [expected])


# the line production_only names (the test's; the alias's definition): "" when the client is served always
SERVED_FROM = {"typeorm-synchronize": "", "then-of-not-production": "", "ternary-in-imports": "server.ts:2"}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_production_only_when_the_production_branch_serves_the_client(tmp_path, name):
    (tmp_path / "server.ts").write_text(SHAPES[name][0])
    assert production_only([tmp_path / "server.ts"], tmp_path) == SERVED_FROM.get(name, "server.ts:1")


def test_node_env_production_that_switches_typeorm_synchronize_off_is_a_check(tmp_path):
    # the other half of mecanojob-test's shape: a Nest server that does need NODE_ENV=production (it serves
    # the client only then) and makes its tables with synchronize only outside production
    module = ("import { Module } from '@nestjs/common'\n"
              "import { ServeStaticModule } from '@nestjs/serve-static'\n"
              "import { TypeOrmModule } from '@nestjs/typeorm'\n\n@Module({\n  imports: [\n"
              "    ...(process.env.NODE_ENV === 'production'\n"
              "      ? [ServeStaticModule.forRoot({ rootPath: 'client' })] : []),\n"
              "    TypeOrmModule.forRoot({\n      type: 'sqlite',\n      database: 'shop.db',\n"
              "      synchronize: process.env.NODE_ENV === 'development',\n    }),\n  ],\n})\n"
              "export class ShopModule {}\n")
    write(tmp_path, {
        "package.json": json.dumps({
            "name": "shop", "scripts": {"build": "nest build", "start:prod": "node dist/main"},
            "dependencies": {"@nestjs/core": "^11.0.0", "@nestjs/typeorm": "^11.0.0"}}),
        "package-lock.json": '{"lockfileVersion": 3, "packages": {}}',
        "src/main.ts": ("import { NestFactory } from '@nestjs/core'\n"
                        "import { ShopModule } from './shop.module'\n"
                        "NestFactory.create(ShopModule).then((a) => a.listen(process.env.PORT ?? 3000))\n"),
        "src/shop.module.ts": module})
    app = app_setup(tmp_path)
    assert app.env["NODE_ENV"] == "production"
    assert app.notes("env") == [
        "NODE_ENV=production switches TypeORM's synchronize off (src/shop.module.ts:12): the database gets "
        "its tables only from migrations; run them in [serve] build (typeorm migration:run -d <data "
        "source>), or every route that reads a table answers 500"], app.checks


# Where @nestjs/swagger (11.1, dist/swagger-module.js) serves the JSON: `${path}-json`, or jsonDocumentUrl;
# the global prefix only with useGlobalPrefix; none with raw: false or a raw list without "json".
NEST_DOCUMENTS = {
    "SwaggerModule.setup('docs', app, document)\n": "/docs-json",
    "app.setGlobalPrefix('api')\nSwaggerModule.setup('docs', app, document)\n": "/docs-json",
    ("app.setGlobalPrefix('api/v1')\n"
     "SwaggerModule.setup('docs', app, document, { useGlobalPrefix: true })\n"): "/api/v1/docs-json",
    "SwaggerModule.setup('/docs', app, document, {\n  jsonDocumentUrl: 'swagger/json',\n})\n":
        "/swagger/json",
    ("const PREFIX = 'api'\napp.setGlobalPrefix(PREFIX)\nSwaggerModule.setup('docs', app, document, "
     "{ useGlobalPrefix: true, jsonDocumentUrl: '/openapi.json' })\n"): "/api/openapi.json",
    ("const SWAGGER_PATH = 'api/docs'\n"
     "SwaggerModule.setup(SWAGGER_PATH, app, SwaggerModule.createDocument(app, config))\n"): "/api/docs-json",
    ("SwaggerModule.setup('api', app, () => SwaggerModule.createDocument(app, "
     "new DocumentBuilder().setTitle('a, b').build()))\n"): "/api-json",
    # not guessed: a path the code computes, a prefix it computes; no JSON served at all
    "SwaggerModule.setup(config.get('SWAGGER_PATH'), app, document)\n": None,
    ("app.setGlobalPrefix(config.prefix)\n"
     "SwaggerModule.setup('docs', app, document, { useGlobalPrefix: true })\n"): None,
    "SwaggerModule.setup('docs', app, document, { raw: ['yaml'] })\n": None,
    "SwaggerModule.setup('docs', app, document, { raw: false })\n": None,
}


@pytest.mark.parametrize("source", list(NEST_DOCUMENTS))
def test_where_nest_serves_its_openapi_document(tmp_path, source):
    from echotune_ci.project.openapi import served_document

    (tmp_path / "main.ts").write_text(source)
    served = served_document([tmp_path / "main.ts"], tmp_path)
    assert (served.path if served else None) == NEST_DOCUMENTS[source]


# A NestJS API as its CLI starts one (recreated): main.ts, a root controller, a health controller, a
# controller whose routes ask for a login
NEST_PACKAGE = json.dumps({"name": "api", "scripts": {"build": "nest build", "start:prod": "node dist/main"},
                           "dependencies": {"@nestjs/core": "^11.0.0", "@nestjs/common": "^11.0.0"}})
NEST_MAIN = ("import { NestFactory } from '@nestjs/core'\nimport { AppModule } from './app.module'\n\n"
             "async function bootstrap() {\n  const app = await NestFactory.create(AppModule)\n{prefix}"
             "  await app.listen(process.env.PORT ?? 3000)\n}\nbootstrap()\n")
ROOT = ("@Controller()\nexport class AppController {\n"
        "  constructor(private readonly hello: AppService) {}\n\n"
        "  @Get()\n  getHello(): string {\n    return this.hello.getHello()\n  }\n}\n")
HEALTH = ("@Controller('health')\nexport class HealthController {\n  @Public()\n  @Get()\n"
          "  check() {\n    return { status: 'ok' }\n  }\n}\n")
ITEMS = ("@Controller({ path: 'items' })\n@UseGuards(JwtAuthGuard)\nexport class ItemsController {\n"
         "  @Get()\n  list() {\n    return []\n  }\n\n  @Get(':id')\n  one(@Param('id') id: string) {\n"
         "    return { id }\n  }\n}\n")


def nest_api(root, prefix: str, **controllers: str):
    files = {"package.json": NEST_PACKAGE, "package-lock.json": '{"lockfileVersion": 3, "packages": {}}',
             "src/main.ts": NEST_MAIN.replace("{prefix}", prefix)}
    files.update({f"src/{name}.controller.ts": text for name, text in controllers.items()})
    return app_setup(write(root, files))


@pytest.mark.parametrize(("prefix", "ready"), [
    ("  app.setGlobalPrefix('api')\n", "/api/health"),
    ("  app.setGlobalPrefix('api/v1', { exclude: ['health'] })\n", "/health"),
    ("", "/health"),
])
def test_a_nest_health_route_under_the_global_prefix_is_the_ready_url(tmp_path, prefix, ready):
    app = nest_api(tmp_path, prefix, health=HEALTH, items=ITEMS)
    assert app.ready_path == ready and app.ready_status == []


def test_a_global_prefix_the_code_computes_is_said_not_guessed(tmp_path):
    app = nest_api(tmp_path, "  app.setGlobalPrefix(config.get('API_PREFIX'))\n", health=HEALTH)
    assert app.ready_path == "/"
    assert any("declares its prefix as config.get('API_PREFIX'), which static reading cannot resolve" in n
               for n in app.notes("ready_url")), app.checks


def test_a_nest_api_whose_every_get_asks_for_a_login_is_ready_on_a_401(tmp_path):
    # "/" answers Nest's 404 under the prefix; the guarded list answers 401 once the app is up
    app = nest_api(tmp_path, "  app.setGlobalPrefix('api')\n", items=ITEMS)
    assert (app.ready_path, app.ready_status) == ("/api/items", [401, 403])
    assert "frontend" not in app.phases


def test_an_app_guard_guards_every_route_but_the_public_ones(tmp_path):
    from echotune_ci.project.files import JS_SUFFIXES, source_files
    from echotune_ci.project.health import read_graph

    write(tmp_path, {"src/app.module.ts": "providers: [{ provide: APP_GUARD, useClass: JwtAuthGuard }]\n",
                     "src/health.controller.ts": HEALTH,
                     "src/items.controller.ts": ITEMS.replace("@UseGuards(JwtAuthGuard)\n", ""),
                     "src/main.ts": NEST_MAIN.replace("{prefix}", "  app.setGlobalPrefix('api')\n")})
    graph = read_graph(list(source_files(tmp_path, JS_SUFFIXES)), tmp_path)
    assert sorted((r.path, r.guarded) for r in graph.routes) == [
        ("/api/health", False), ("/api/items", True), ("/api/items/:id", True)]


def test_the_nest_starters_root_is_no_page(tmp_path):
    # "Hello World!" as text/html: the frontend phase audited a page of one sentence
    app = nest_api(tmp_path, "", app=ROOT)
    assert app.ready_path == "/" and "frontend" not in app.phases
    assert any('src/app.controller.ts:5: "/" answers a NestJS handler\'s return value' in d.source
               for d in app.decisions if d.key == "phases"), app.decisions
    page = ROOT.replace("  @Get()\n", "  @Get()\n  @Render('index')\n")
    rendered = nest_api(tmp_path / "mvc", "", app=page)
    assert "frontend" in rendered.phases


# brocoders/nestjs-boilerplate's src/files/infrastructure/uploader/local/files.controller.ts (9620f15), cut
# short: the uploads a request names, sent back; and its HomeController, whose "/" answered
# {"name": ...} as application/json (the frontend phase's own warning in its run)
FILES = ("@Controller({ path: 'files', version: '1' })\nexport class FilesLocalController {\n"
         "  @Get(':path')\n"
         "  download(@Param('path') path: string, @Response() response: ExpressResponse) {\n"
         "    return response.sendFile(path, { root: './files' });\n  }\n}\n")
HOME = ("@Controller()\nexport class HomeController {\n"
        "  constructor(private readonly service: HomeService) {}\n\n"
        "  @Get()\n  appInfo() {\n    return this.service.appInfo();\n  }\n}\n")


def test_sending_back_a_file_the_request_names_serves_no_pages(tmp_path):
    prefix = "  app.setGlobalPrefix('api', { exclude: ['/'] })\n"
    app = nest_api(tmp_path, prefix, home=HOME, files=FILES)
    assert app.ready_path == "/" and "frontend" not in app.phases
    # Express's req.params, named or destructured
    from echotune_ci.project.files import serves_pages

    assert not serves_pages("app.get('/f/:n', (req, res) => res.sendFile(req.params.n, { root: 'up' }))")
    assert not serves_pages("const { name } = req.params;\nres.sendFile(name, { root: dir });")
    # a page's file is a page: the single-page app's index.html, whatever names it
    index = FILES.replace("response.sendFile(path, { root: './files' })",
                          "response.sendFile(join(__dirname, '..', 'client', 'index.html'))")
    assert "frontend" in nest_api(tmp_path / "spa", prefix, home=HOME, files=index).phases
    assert serves_pages("const file = resolve('dist/index.html');\nres.sendFile(file);")


@pytest.mark.parametrize(("listen", "command"), [
    # NestJS's ConfigService reads the environment (and .env): the variable is the port's
    ("  const config = app.get(ConfigService)\n  await app.listen(config.get<number>('PORT') ?? 3000)\n",
     "npm run start:prod"),
    ("  const configService = app.get(ConfigService)\n  const port = configService.get('APP_PORT', 4000)\n"
     "  await app.listen(port)\n", "APP_PORT={port} npm run start:prod"),
    ("  await app.listen(app.get(ConfigService).getOrThrow('HTTP_PORT'))\n",
     "HTTP_PORT={port} npm run start:prod"),
])
def test_a_port_read_through_nests_config_service_is_the_variable(tmp_path, listen, command):
    main = NEST_MAIN.replace("  await app.listen(process.env.PORT ?? 3000)\n", listen).replace("{prefix}", "")
    app = app_setup(write(tmp_path, {"package.json": NEST_PACKAGE, "src/main.ts": main,
                                     "package-lock.json": '{"lockfileVersion": 3, "packages": {}}'}))
    assert app.command == command and app.port is None
    assert not app.notes("port"), app.checks


# brocoders/nestjs-boilerplate's src/config/app.config.ts (9620f15), cut short: its built app, started with
# APP_PORT=47998 and PORT=47997, listened on 47998 (with PORT alone, on PORT)
APP_CONFIG = """import { registerAs } from '@nestjs/config';
import { AppConfig } from './app-config.type';

export default registerAs<AppConfig>('app', () => {
  return {
    nodeEnv: process.env.NODE_ENV || 'development',
    workingDirectory: process.env.PWD || process.cwd(),
    port: process.env.APP_PORT
      ? parseInt(process.env.APP_PORT, 10)
      : process.env.PORT
        ? parseInt(process.env.PORT, 10)
        : 3000,
    apiPrefix: process.env.API_PREFIX || 'api',
  };
});
"""


@pytest.mark.parametrize("listen", [
    "  const configService = app.get(ConfigService<AllConfigType>)\n"
    "  await app.listen(configService.getOrThrow('app.port', { infer: true }))\n",
    "  const port = app.get(ConfigService).get<number>('app.port')\n  await app.listen(port)\n",
])
def test_a_port_of_a_config_namespace_is_the_variable_its_factory_reads(tmp_path, listen):
    # init said "could not tell how the server picks its port": `run` set PORT, which the app reads only
    # when APP_PORT is unset, and the project's env-example sets APP_PORT=3001
    main = NEST_MAIN.replace("  await app.listen(process.env.PORT ?? 3000)\n", listen).replace("{prefix}", "")
    app = app_setup(write(tmp_path, {"package.json": NEST_PACKAGE, "src/main.ts": main,
                                     "src/config/app.config.ts": APP_CONFIG,
                                     "package-lock.json": '{"lockfileVersion": 3, "packages": {}}'}))
    assert app.command == "APP_PORT={port} npm run start:prod" and app.port is None
    assert not app.notes("port"), app.checks
    assert any(d.source == "src/config/app.config.ts gives app.port from APP_PORT" for d in app.decisions)
