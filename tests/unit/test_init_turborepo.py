"""`init` on a Turborepo monorepo (an Express API in apps/api, a Next.js web app in apps/web, shared
packages): turbo's strict environment mode, a port read through an environment schema behind a
tsconfig path alias, and routers whose mount is commented out. Fixtures of our own, in the shape of
minhtungo/nextjs-express-turborepo-starter (docs/real-projects.md, fifteenth round)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from echotune_ci.project.init import app_setup
from echotune_ci.project.nodeapp import node_port
from echotune_ci.project.routes import detect_login_flow
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

ENVALID = ("import { cleanEnv, port, str } from 'envalid';\n"
           "export const env = cleanEnv(process.env, {\n"
           "  SMTP_PORT: port(),\n"
           "  PORT: port({ devDefault: 3000 }),\n"
           "  SESSION_SECRET: str(),\n"
           "});\n")
INDEX = ("import { env } from '@api/common/env';\n"
         "import { app } from '@api/server';\n"
         "app.listen(env.PORT, () => console.log(env.PORT));\n")
SERVER = ("import express from 'express';\n"
          "export const app = express();\n"
          "app.get('/', (req, res) => res.json({}));\n")
TSCONFIG = ('{\n  // comments are allowed here\n  "extends": "@repo/tsconfig/base.json",\n'
            '  "compilerOptions": {\n    "baseUrl": ".",\n    "paths": {\n      "@api/*": ["./src/*"]\n'
            '    }\n  }\n}\n')


def monorepo(root: Path, *, build: str = "turbo build", turbo: bool = True) -> Path:
    files = {
        "package.json": json.dumps({"name": "mono", "private": True, "workspaces": ["apps/*", "packages/*"],
                                    "scripts": {"build": build, "dev": "turbo dev"},
                                    "devDependencies": {"turbo": "^2.3.0"}}),
        "package-lock.json": "{}",
        "apps/api/package.json": json.dumps({"name": "api",
                                             "scripts": {"build": "tsc", "start": "node dist/index.js"},
                                             "dependencies": {"express": "^4.21.0", "envalid": "^8.0.0"}}),
        "apps/api/tsconfig.json": TSCONFIG,
        "apps/api/src/index.ts": INDEX,
        "apps/api/src/server.ts": SERVER,
        "apps/api/src/common/env.ts": ENVALID,
        "apps/web/package.json": json.dumps({"name": "web",
                                             "scripts": {"build": "next build", "start": "next start"},
                                             "dependencies": {"next": "15.1.0", "react": "19.0.0"}}),
        "apps/web/app/page.tsx": "export default function Page() { return <main>hi</main>; }\n",
    }
    if turbo:
        files["turbo.json"] = json.dumps({"tasks": {"build": {"dependsOn": ["^build"]}}})
    return write(root, files)


def test_a_build_that_runs_turbo_hands_its_tasks_the_whole_environment(tmp_path):
    app = app_setup(monorepo(tmp_path))
    assert "turbo build" in app.build or app.build.startswith("npm run build")
    assert app.env["TURBO_ENV_MODE"] == "loose"
    decision = next(d for d in app.decisions if d.value == "TURBO_ENV_MODE=loose")
    assert decision.source.startswith("package.json (scripts.build) runs turbo")


@pytest.mark.parametrize(("build", "turbo"), [
    ("turbo build", False),           # turbo.json missing: no Turborepo here
    ("tsc -b && next build", True),   # the build never runs turbo
])
def test_no_env_mode_where_turbo_runs_no_step(tmp_path, build, turbo):
    app = app_setup(monorepo(tmp_path, build=build, turbo=turbo))
    assert "TURBO_ENV_MODE" not in app.env


def test_the_port_of_an_environment_schema_behind_a_path_alias(tmp_path):
    monorepo(tmp_path)
    assert node_port(tmp_path / "apps/api", entry="src/index.ts") == (
        None, "PORT", "src/common/env.ts reads PORT (a schema it validates process.env with)")


@pytest.mark.parametrize("schema", [
    "export const env = schema.parse(process.env);\nconst schema = z.object({ PORT: z.coerce.number() });\n",
    "export const env = createEnv({ server: { PORT: z.string() }, runtimeEnv: process.env });\n",
])
def test_the_port_of_a_zod_or_t3_schema_imported_by_a_relative_path(tmp_path, schema):
    write(tmp_path, {"src/env.ts": schema,
                     "src/index.ts": "import { env } from './env';\nimport express from 'express';\n"
                                     "express().listen(env.PORT);\n"})
    assert node_port(tmp_path, entry="src/index.ts")[:2] == (None, "PORT")


def test_a_port_key_of_an_object_that_is_no_environment_schema_is_not_a_variable(tmp_path):
    write(tmp_path, {"src/settings.ts": "export const settings = { PORT: 4000 };\n",
                     "src/index.ts": "import { settings } from './settings';\n"
                                     "import express from 'express';\nexpress().listen(settings.PORT);\n"})
    assert node_port(tmp_path, entry="src/index.ts")[:2] != (None, "PORT")


AUTH_ROUTER = ("import express from 'express';\n"
               "export const authRouter = express.Router();\n"
               "authRouter.post('/sign-in', (req, res) => res.json({ token: 't' }));\n")
USER_ROUTER = ("import express from 'express';\n"
               "export const userRouter = express.Router();\n"
               "userRouter.get('/me', (req, res) => res.json({}));\n")


def api(root: Path, server: str, **more: str) -> Path:
    return write(root, {"src/modules/auth/authRouter.ts": AUTH_ROUTER,
                        "src/modules/user/userRouter.ts": USER_ROUTER + "export default userRouter;\n",
                        "tsconfig.json": TSCONFIG, "src/server.ts": server, **more})


def test_routers_whose_mounts_are_commented_out_give_no_login(tmp_path):
    api(tmp_path, "import express from 'express';\nexport const app = express();\n"
                  "// app.use('/auth', authRouter);\n// app.use('/user', userRouter);\n")
    assert detect_login_flow(tmp_path) == {}


def test_routers_mounted_through_path_aliases_give_the_login_under_their_prefixes(tmp_path):
    api(tmp_path, "import express from 'express';\n"
                  "import { authRouter } from '@api/modules/auth/authRouter';\n"
                  "import userRouter from '@api/modules/user/userRouter';\n"
                  "export const app = express();\n"
                  "app.use('/auth', authRouter);\napp.use('/user', userRouter);\n")
    flow = detect_login_flow(tmp_path)
    assert (flow["login"], flow["protected"]) == ("/auth/sign-in", "/user/me")


def test_routers_loaded_by_a_computed_name_are_still_taken_as_served(tmp_path):
    # fs.readdirSync over the modules' folder: any of them may be required, so none is dropped
    api(tmp_path, "import express from 'express';\nimport fs from 'fs';\nexport const app = express();\n"
                  "for (const f of fs.readdirSync(__dirname + '/modules'))\n"
                  "  app.use(require(`./modules/${f}`));\n")
    flow = detect_login_flow(tmp_path)
    assert (flow["login"], flow["protected"]) == ("/sign-in", "/me")


def test_envalid_defaults_that_hold_under_tests_only_leave_the_variable_required(tmp_path):
    from echotune_ci.project.nodenotes import required_env

    write(tmp_path, {"env.ts": "export const env = cleanEnv(process.env, {\n"
                               "  NODE_ENV: str({\n    devDefault: testOnly('test'),\n"
                               "    choices: ['development', 'production', 'test'],\n  }),\n"
                               "  HOST: host({ devDefault: testOnly('localhost') }),\n"
                               "  PORT: port({ devDefault: testOnly(3000) }),\n"
                               "  LOG_LEVEL: str({ devDefault: 'info' }),\n"
                               "  RATE_LIMIT: num({ default: 100 }),\n});\n"})
    assert [r.name for r in required_env([tmp_path / "env.ts"], tmp_path)] == ["NODE_ENV", "HOST"]


def jit_member(root: Path, *, api_extra: dict | None = None, logger: dict | None = None,
               tsup: str = "") -> Path:
    """The monorepo above, its API built by tsup and started by node, depending on an internal package
    that exports its TypeScript source (Turborepo's "just-in-time" package)."""
    monorepo(root)
    api = {"name": "api", "scripts": {"build": "tsup", "start": "node dist/index.js",
                                      "dev": "tsx watch --clear-screen=false src/index.ts | pino-pretty"},
           "dependencies": {"express": "^4.21.0", "@repo/logger": "workspace:*"},
           "devDependencies": {"tsx": "^4.19.0", "tsup": "^8.3.0"}, **(api_extra or {})}
    files = {"apps/api/package.json": json.dumps(api),
             "packages/logger/package.json": json.dumps(logger or {"name": "@repo/logger",
                                                                  "exports": {".": "./index.ts"}}),
             "packages/logger/index.ts": "export const logger: Console = console;\n"}
    if tsup:
        files["apps/api/tsup.config.ts"] = tsup
    return write(root, files)


def test_a_built_server_that_imports_typescript_members_is_served_with_tsx(tmp_path):
    app = app_setup(jit_member(tmp_path))
    assert app.command == "cd apps/api && npx tsx src/index.ts"
    note = " ".join(app.notes("command"))
    assert "depends on @repo/logger, whose package.json exports TypeScript source" in note
    assert "served with tsx on src/index.ts" in note


def test_the_file_served_with_tsx_is_the_dev_scripts_not_the_build_or_seed_script(tmp_path):
    # johchai/react-fastify-starter's server: `tsx build.ts` is an esbuild script, `tsx prisma/seed.ts` fills
    # the database; its dev script, `tsx watch ./src/index.ts`, is what serves (init had written `npx tsx
    # build.ts`, which built and exited)
    scripts = {"build": "tsx build.ts", "dev": "NODE_ENV=development tsx watch ./src/index.ts",
               "start": "node dist/index.js", "seed": "tsx prisma/seed.ts"}
    app = app_setup(jit_member(tmp_path, api_extra={"scripts": scripts}))
    assert app.command == "cd apps/api && npx tsx ./src/index.ts"
    assert any("served with tsx on ./src/index.ts" in n for n in app.notes("command"))


def test_a_port_variable_is_set_on_the_command_that_serves_not_on_its_cd(tmp_path):
    # `SERVER_PORT={port} cd server && npx tsx ./src/index.ts` set SERVER_PORT for `cd` alone (bash and dash:
    # an assignment before a builtin lasts for it), and the app listened on its .env's 4000
    jit_member(tmp_path)
    write(tmp_path, {"apps/api/src/index.ts": "import express from 'express';\nconst app = express();\n"
                                              "const port = Number(process.env.API_PORT) || 3000;\n"
                                              "app.listen(port);\n"})
    app = app_setup(tmp_path)
    assert app.command == "cd apps/api && API_PORT={port} npx tsx src/index.ts"


@pytest.mark.parametrize(("listen", "port"), [
    # Fastify 4+ takes an options object; the shorthand names the variable defined above it
    ("server.listen({ port, host: '0.0.0.0' });\n", (None, "API_PORT")),
    ("server.listen({ host: '0.0.0.0', port });\n", (None, "API_PORT")),
    ("server.listen({ port: 8000, host: '0.0.0.0' });\n", (8000, "")),
])
def test_a_fastify_listen_with_the_port_shorthand(tmp_path, listen, port):
    # j10ra/fastify-drizzle-postgres's src/index.ts; the app listened on API_PORT (8123 given, 8000 without)
    write(tmp_path, {"src/index.ts": "import server from './server';\n"
                                     "const port = parseInt(process.env.API_PORT, 10) || 8000;\n"
                                     "const start = async () => {\n  await server.ready();\n  await " + listen
                                     + "};\n"})
    assert node_port(tmp_path, entry="src/index.ts")[:2] == port


def test_the_variables_a_fastify_env_schema_requires(tmp_path):
    # johchai/react-fastify-starter's server: @fastify/env 5 run here stopped the app with "env must have
    # required property 'ACCESS_TOKEN_SECRET', env must have required property 'REFRESH_TOKEN_SECRET'"
    # (SERVER_PORT given, NODE_ENV from its default); init had said nothing of them
    package = {"name": "server", "scripts": {"start": "node dist/index.js", "dev": "tsx watch src/index.ts"},
               "dependencies": {"fastify": "^5.4.0", "@fastify/env": "^5.0.2"}}
    write(tmp_path, {
        "package.json": json.dumps(package), "package-lock.json": "{}",
        "src/lib/env.ts": "export const envSchema = {\n  type: 'object',\n"
                          "  required: ['ACCESS_TOKEN_SECRET', 'REFRESH_TOKEN_SECRET', 'SERVER_PORT'],\n"
                          "  properties: {\n    NODE_ENV: { type: 'string', default: 'development' },\n"
                          "    ACCESS_TOKEN_SECRET: { type: 'string' },\n"
                          "    REFRESH_TOKEN_SECRET: { type: 'string' },\n"
                          "    SERVER_PORT: { type: 'string' }\n  }\n} as const;\n",
        "src/routes/login.ts": "export const body = { type: 'object', required: ['email', 'password'] };\n",
        "src/index.ts": "import Fastify from 'fastify';\nimport fEnv from '@fastify/env';\n"
                        "import { envSchema } from './lib/env';\nconst app = Fastify();\n"
                        "await app.register(fEnv, { confKey: 'config', schema: envSchema });\n"
                        "await app.listen({ port: Number(app.config.SERVER_PORT) });\n"})
    app = app_setup(tmp_path)
    assert app.command.startswith("SERVER_PORT={port} ")
    assert {k: v for k, v in app.env.items() if k.endswith("_SECRET")} == {
        "ACCESS_TOKEN_SECRET": "echotune-ci-local-only-not-a-secret",
        "REFRESH_TOKEN_SECRET": "echotune-ci-local-only-not-a-secret"}
    assert "SERVER_PORT" not in app.env and "email" not in app.env
    assert any(n.startswith("src/lib/env.ts:3 requires ACCESS_TOKEN_SECRET (@fastify/env's schema lists it "
                            "in required, no default)") for n in app.notes("env"))


def test_a_port_from_fastify_env_is_its_variable(tmp_path):
    # @fastify/env decorates the app with the validated environment under confKey: the server listened on
    # SERVER_PORT (4000 from its .env); a confKey of another name is read as the options give it
    write(tmp_path, {"src/lib/env.ts": "export const envSchema = { type: 'object',\n"
                                       "  required: ['SERVER_PORT'],\n"
                                       "  properties: { SERVER_PORT: { type: 'string' } } };\n",
                     "src/index.ts": "import Fastify from 'fastify';\nimport fEnv from '@fastify/env';\n"
                                     "import { envSchema } from './lib/env';\nconst app = Fastify();\n"
                                     "await app.register(fEnv, { confKey: 'config', schema: envSchema });\n"
                                     "await app.listen({ port: Number(app.config.SERVER_PORT),\n"
                                     "                   host: '0.0.0.0' });\n"})
    assert node_port(tmp_path, entry="src/index.ts")[:2] == (None, "SERVER_PORT")
    other = (tmp_path / "src/index.ts").read_text().replace("confKey: 'config'", "confKey: 'settings'")
    (tmp_path / "src/index.ts").write_text(other)
    assert node_port(tmp_path, entry="src/index.ts")[:2] == (None, "")
    (tmp_path / "src/index.ts").write_text(other.replace("app.config.", "app.settings."))
    assert node_port(tmp_path, entry="src/index.ts")[:2] == (None, "SERVER_PORT")


@pytest.mark.parametrize(("api_extra", "logger", "tsup"), [
    ({}, {"name": "@repo/logger", "main": "dist/index.js", "scripts": {"build": "tsc"}}, ""),  # built itself
    ({}, None, "export default { entry: ['src/index.ts'], noExternal: [/^@repo\\//] };\n"),  # bundled in
    ({"dependencies": {"express": "^4.21.0"}, "devDependencies": {"@repo/logger": "workspace:*"}},
     None, ""),  # a devDependency, which tsup bundles
    ({"scripts": {"build": "tsup", "start": "tsx src/index.ts"}}, None, ""),  # started with tsx already
])
def test_the_start_is_kept_where_node_can_load_what_it_imports(tmp_path, api_extra, logger, tsup):
    app = app_setup(jit_member(tmp_path, api_extra=api_extra, logger=logger, tsup=tsup))
    assert "npx tsx src/index.ts" not in app.command
    assert not any("exports TypeScript source" in n for n in app.notes("command"))


def test_without_a_tsx_script_the_start_is_kept_and_the_note_says_why_it_stops(tmp_path):
    scripts = {"build": "tsc", "start": "node dist/index.js"}
    app = app_setup(jit_member(tmp_path, api_extra={"scripts": scripts, "devDependencies": {}}))
    assert "tsx" not in app.command
    assert any("bundle them into the build (tsup's noExternal) or start the server with tsx" in n
               for n in app.notes("command"))


def test_a_web_app_that_serves_its_own_pages_beside_the_api_is_named(tmp_path):
    app = app_setup(monorepo(tmp_path))
    assert app.command == "npm start --workspace=apps/api"
    assert any(n.startswith("apps/web (next) is a server of its own, which `run` does not start")
               and "`echotune-ci init --dir apps/web`" in n for n in app.notes("command"))


def test_a_client_the_build_only_builds_is_no_second_server(tmp_path):
    monorepo(tmp_path)
    write(tmp_path, {"apps/web/package.json": json.dumps({"name": "web", "scripts": {"build": "vite build"},
                                                         "devDependencies": {"vite": "^6.0.0"}})})
    app = app_setup(tmp_path)
    assert not any("server of its own" in n for n in app.notes("command"))


@pytest.mark.parametrize(("serve", "port"), [
    ("const port = Number(process.env.PORT) || 3000\nserve({ fetch: app.fetch, port })\n", (None, "PORT")),
    ("serve({ fetch: app.fetch, port: Number(process.env.API_PORT ?? 8787) })\n", (None, "API_PORT")),
    ("serve({ fetch: app.fetch, port: 8787 }, (info) => console.log(info.port))\n", (8787, "")),
])
def test_the_port_of_a_hono_node_server(tmp_path, serve, port):
    head = ("import { serve } from '@hono/node-server'\nimport { Hono } from 'hono'\n"
            "const app = new Hono()\napp.get('/health', (c) => c.text('ok'))\n")
    write(tmp_path, {"src/index.ts": head + serve})
    assert node_port(tmp_path, entry="src/index.ts")[:2] == port


def test_a_required_variable_gets_the_value_of_the_template_beside_the_server(tmp_path):
    monorepo(tmp_path)
    write(tmp_path, {"apps/api/src/common/env.ts": "import { cleanEnv, email, port, str } from 'envalid';\n"
                                                   "export const env = cleanEnv(process.env, {\n"
                                                   "  PORT: port({ devDefault: 3000 }),\n"
                                                   "  MAIL_FROM: str(),\n  MAIL_PORT: port(),\n"
                                                   "  SESSION_SECRET: str(),\n  DATABASE_URL: str(),\n"
                                                   "  MAPS_KEY_ID: str(),\n});\n",
                     "apps/api/.env.template": "# mail\nMAIL_FROM=No Reply <no-reply@example.test>\n"
                                               "MAIL_PORT=\"1025\"   # a local catcher\n"
                                               "SESSION_SECRET=secret\n"
                                               "DATABASE_URL=postgresql://u:p@localhost:5435/app\n"
                                               "MAPS_KEY_ID=<your-key-id>\n"})
    app = app_setup(tmp_path)
    assert app.env["MAIL_FROM"] == "No Reply <no-reply@example.test>"
    assert app.env["MAIL_PORT"] == "1025"
    assert ("env", "MAIL_PORT=1025", "apps/api/.env.template (its template's value)") in [
        (d.key, d.value, d.source) for d in app.decisions]
    # a secret keeps its placeholder, a database its own note, a placeholder value is none
    assert app.env["SESSION_SECRET"] != "secret"
    assert "DATABASE_URL" not in app.env and "MAPS_KEY_ID" not in app.env


@pytest.mark.parametrize(("serve", "port"), [
    # no port: Bun's default reads PORT (Bun 1.4.5: `PORT=4567 bun a.ts` listened on 4567, without it 3000)
    ("Bun.serve({ fetch(req) { return new Response('ok') } })\n", (None, "PORT")),
    ("Bun.serve({ port: Number(process.env.PORT || 3000), fetch(req) { return new Response('ok') } })\n",
     (None, "PORT")),
    ("Bun.serve({\n  port: Number(process.env.API_PORT ?? 8787),\n  fetch: app.fetch,\n})\n",
     (None, "API_PORT")),
    # a number: Bun listens on it whatever PORT says (`PORT=4567 bun b.ts` listened on 3999)
    ("Bun.serve({ port: 3999, fetch(req) { return new Response('ok') } })\n", (3999, "")),
])
def test_the_port_of_a_bun_server(tmp_path, serve, port):
    """Bun.serve() was no listen init knew: `init` said "could not tell how the server picks its port" of a
    server that reads PORT, and of one fixed on 3999, where `run` then waited on its own port in vain."""
    write(tmp_path, {"server.ts": "const app = { fetch: (req: Request) => new Response('ok') }\n" + serve})
    assert node_port(tmp_path, entry="server.ts")[:2] == port
