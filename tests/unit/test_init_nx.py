"""`init` on an Nx integrated workspace: one package.json at the top, a project.json per app (an Express
API in apps/api, a React web app in apps/web) and libraries under libs/ reached through exact
tsconfig.base.json ``paths`` entries. Fixtures of our own, in the shape of Clippi/nx-fullstack and Nx's
generators (docs/real-projects.md, sixteenth round). The expected output files are what the executors'
own code names (Nx 15.6's @nrwl/esbuild build-esbuild-options.js: ``.cjs`` for the cjs format unless
``outExtension`` maps ``.js`` to ``.js``; measured: ``nx build`` wrote ``dist/apps/trpc-server/main.cjs``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from echotune_ci.project.files import resolve_import
from echotune_ci.project.init import app_setup
from echotune_ci.project.nx import nx_projects, nx_server
from echotune_ci.project.trpcroutes import trpc_routes
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

MAIN = ("import express from 'express';\n"
        "import { itemsRouter } from '@acme/shared/api';\n"
        "const port = process.env.PORT ? Number(process.env.PORT) : 3333;\n"
        "const app = express();\n"
        "app.use('/api', itemsRouter);\n"
        "app.listen(port, () => console.log(port));\n")
ITEMS = ("import { Router } from 'express';\n"
         "export const itemsRouter = Router();\n"
         "itemsRouter.get('/items', (req, res) => res.json([]));\n")


def build_target(executor: str = "@nx/esbuild:esbuild", **options: Any) -> dict[str, Any]:
    return {"executor": executor, "outputs": ["{options.outputPath}"], "defaultConfiguration": "production",
            "options": {"outputPath": "dist/apps/api", "main": "apps/api/src/main.ts",
                        "tsConfig": "apps/api/tsconfig.app.json", **options},
            "configurations": {"development": {}, "production": {}}}


def workspace(root: Path, build: dict[str, Any] | None = None, *, serve: bool = True) -> Path:
    targets: dict[str, Any] = {"build": build or build_target(format=["cjs"])}
    if serve:
        targets["serve"] = {"executor": "@nx/js:node", "defaultConfiguration": "development",
                            "options": {"buildTarget": "api:build"}}
    return write(root, {
        "nx.json": json.dumps({"namedInputs": {"default": ["{projectRoot}/**/*"]}}),
        "package.json": json.dumps({"name": "@acme/source", "private": True, "scripts": {},
                                    "dependencies": {"express": "^4.21.0", "react": "18.3.1"},
                                    "devDependencies": {"nx": "20.1.0", "@nx/esbuild": "20.1.0",
                                                        "@nx/vite": "20.1.0", "vite": "^5.0.0"}}),
        "package-lock.json": "{}",
        "tsconfig.base.json": json.dumps({"compilerOptions": {"baseUrl": ".", "paths": {
            "@acme/shared/api": ["libs/shared/api/src/index.ts"]}}}),
        "apps/api/project.json": json.dumps({"name": "api", "projectType": "application",
                                             "sourceRoot": "apps/api/src", "targets": targets}),
        "apps/api/tsconfig.json": json.dumps({"extends": "../../tsconfig.base.json", "files": []}),
        "apps/api/src/main.ts": MAIN,
        "libs/shared/api/project.json": json.dumps({"name": "shared-api", "projectType": "library"}),
        "libs/shared/api/src/index.ts": "export * from './lib/items';\n",
        "libs/shared/api/src/lib/items.ts": ITEMS,
        "apps/web/project.json": json.dumps({"name": "web", "projectType": "application", "targets": {
            "build": {"executor": "@nx/vite:build", "options": {"outputPath": "dist/apps/web"}}}}),
        "apps/web/index.html": "<!doctype html><div id=root></div>\n",
        "apps/web/vite.config.ts": "export default { server: { port: 4200 } };\n",
        "apps/web/src/main.tsx": "import { render } from 'react-dom';\nrender(null, null);\n",
    })


def test_the_server_is_the_file_its_build_target_writes_started_by_node(tmp_path):
    app = app_setup(workspace(tmp_path))
    assert app.command == "node dist/apps/api/main.cjs"
    assert app.build == "npx nx build api && npx nx build web"
    assert app.env["NX_DAEMON"] == "false"
    assert app.bundle_globs == ["dist/apps/web/**/*.js", "dist/apps/web/**/*.css"]
    source = next(d.source for d in app.decisions if d.key == "command")
    assert source.startswith("apps/api/project.json (build: @nx/esbuild:esbuild")


@pytest.mark.parametrize(("build", "output"), [
    (build_target(format=["cjs"]), "dist/apps/api/main.cjs"),
    (build_target(format=["cjs"], esbuildOptions={"outExtension": {".js": ".js"}}), "dist/apps/api/main.js"),
    (build_target(), "dist/apps/api/main.js"),                       # esm, the executor's default format
    (build_target(format="esm", outputFileName="server.js"), "dist/apps/api/server.js"),
    (build_target("@nx/webpack:webpack", target="node", compiler="tsc"), "dist/apps/api/main.js"),
    (build_target("@nx/webpack:webpack", target="node", outputFileName="index.js"), "dist/apps/api/index.js"),
    (build_target("@nx/js:tsc"), "dist/apps/api/src/main.js"),     # tsc keeps the project's folders
])
def test_the_output_file_as_each_executor_names_it(tmp_path, build, output):
    workspace(tmp_path, build)
    server = nx_server(tmp_path, nx_projects(tmp_path))
    assert server is not None and server.output == output and server.entry == "apps/api/src/main.ts"


def test_a_build_target_nx_infers_from_the_webpack_config_beside_the_project(tmp_path):
    # Nx 18+'s @nx/express generator: project.json has a serve target only; @nx/webpack/plugin infers
    # build from webpack.config.js, whose NxAppWebpackPlugin writes main.js (its outputFileName default)
    workspace(tmp_path)
    project = json.loads((tmp_path / "apps/api/project.json").read_text())
    del project["targets"]["build"]
    write(tmp_path, {"apps/api/project.json": json.dumps(project), "apps/api/webpack.config.js": (
        "const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');\n"
        "const { join } = require('path');\n"
        "module.exports = {\n  output: { path: join(__dirname, '../../dist/apps/api') },\n"
        "  plugins: [new NxAppWebpackPlugin({\n"
        "    target: 'node', compiler: 'tsc', main: './src/main.ts' })],\n};\n")})
    server = nx_server(tmp_path, nx_projects(tmp_path))
    assert server is not None and server.output == "dist/apps/api/main.js"
    assert server.entry == "apps/api/src/main.ts"


def test_the_default_configuration_s_options_count(tmp_path):
    build = build_target(format=["cjs"])
    build["configurations"]["production"] = {"esbuildOptions": {"outExtension": {".js": ".js"}}}
    workspace(tmp_path, build)
    server = nx_server(tmp_path, nx_projects(tmp_path))
    assert server is not None and server.output == "dist/apps/api/main.js"


def test_without_a_serve_target_an_app_whose_folder_listens_is_the_server(tmp_path):
    workspace(tmp_path, serve=False)
    server = nx_server(tmp_path, nx_projects(tmp_path))
    assert server is not None and server.project.name == "api"


def test_a_start_script_of_the_top_package_wins(tmp_path):
    workspace(tmp_path)
    data = json.loads((tmp_path / "package.json").read_text())
    data["scripts"] = {"start": "node server.js"}
    write(tmp_path, {"package.json": json.dumps(data), "server.js": MAIN.replace("@acme/shared/api", "./x")})
    app = app_setup(tmp_path)
    assert app.command == "npm start" and "NX_DAEMON" not in app.env


def test_no_nx_json_no_nx_projects(tmp_path):
    workspace(tmp_path)
    (tmp_path / "nx.json").unlink()
    assert nx_projects(tmp_path) == []


def test_an_exact_paths_entry_resolves_to_its_file(tmp_path):
    workspace(tmp_path)
    main = tmp_path / "apps/api/src/main.ts"
    assert resolve_import(main, "@acme/shared/api", tmp_path) == tmp_path / "libs/shared/api/src/index.ts"
    assert resolve_import(main, "@acme/shared/api/x", tmp_path) is None  # an exact key matches itself only


def test_the_routes_of_a_router_in_a_library_reached_through_the_alias(tmp_path):
    app = app_setup(workspace(tmp_path))
    assert app.ready_path == "/api/items"
    assert "frontend" not in app.phases  # an API: no "/" route, and the web app is not served
    said = "apps/web (Nx project web) is built but api does not serve it"
    assert any(said in n for n in app.notes("command"))


# ---------------------------------------------------------------------------- tRPC

TRPC_SERVER = ("import express from 'express';\n"
               "import * as trpcExpress from '@trpc/server/adapters/express';\n"
               "import { appRouter } from '@acme/trpc';\n"
               "const app = express();\n"
               "app.use('/trpc', trpcExpress.createExpressMiddleware({\n"
               "  router: appRouter, createContext }));\n"
               "app.listen(process.env.PORT || 3001);\n")
TRPC_ROOT = ("import { router } from './trpc';\n"
             "import postRouter from './routers/post';\n"
             "export const appRouter = router({\n"
             "  post: postRouter,\n"
             "  health: publicProcedure.query(() => 'ok'),\n"
             "  admin: router({ stats: protectedProcedure.query(() => 1) }),\n"
             "});\n"
             "export type AppRouter = typeof appRouter;\n")
TRPC_POST = ("import { z } from 'zod';\n"
             "import { publicProcedure, router } from '../trpc';\n"
             "const postRouter = router({\n"
             "  byId: publicProcedure.input(z.object({ id: z.string() })).query(({ input }) => input),\n"
             "  list: publicProcedure.query(() => []),\n"
             "  add: publicProcedure.input(z.object({ title: z.string() })).mutation(({ input }) => input),\n"
             "});\n"
             "export default postRouter;\n")


def trpc_workspace(root: Path) -> Path:
    return write(root, {
        "tsconfig.json": json.dumps({"compilerOptions": {"paths": {
            "@acme/trpc": ["./libs/trpc/src/index.ts"]}}}),
        "apps/server/main.ts": TRPC_SERVER,
        "libs/trpc/src/index.ts": "export * from './lib/root';\n",
        "libs/trpc/src/lib/root.ts": TRPC_ROOT,
        "libs/trpc/src/lib/trpc.ts": "export const router = t.router;\n",
        "libs/trpc/src/lib/routers/post.ts": TRPC_POST,
    })


def test_trpc_queries_answer_get_under_the_mount_with_their_dotted_paths(tmp_path):
    trpc_workspace(tmp_path)
    found = {r.path: r for r in trpc_routes([tmp_path / "apps/server/main.ts"], tmp_path)}
    # tRPC's HTTP RPC specification: a query is GET <endpoint>/<dotted path>, a mutation POST (not listed)
    assert list(found) == ["/trpc/post.byId", "/trpc/post.list", "/trpc/health", "/trpc/admin.stats"]
    assert found["/trpc/post.byId"].needs_input and not found["/trpc/post.list"].needs_input
    assert found["/trpc/admin.stats"].guarded and not found["/trpc/health"].guarded
    assert found["/trpc/post.list"].where == "libs/trpc/src/lib/routers/post.ts:5"


def test_no_trpc_routes_without_the_express_adapter(tmp_path):
    trpc_workspace(tmp_path)
    write(tmp_path, {"apps/server/main.ts": "import express from 'express';\nexpress().listen(3000);\n"})
    assert trpc_routes([tmp_path / "apps/server/main.ts"], tmp_path) == []


def test_an_api_of_trpc_queries_is_polled_on_its_health_query_and_loaded_on_one_without_input(tmp_path):
    workspace(tmp_path)
    trpc_workspace(tmp_path)
    write(tmp_path, {"apps/api/src/main.ts": TRPC_SERVER,
                     "tsconfig.base.json": json.dumps({"compilerOptions": {"baseUrl": ".", "paths": {
                         "@acme/trpc": ["libs/trpc/src/index.ts"]}}})})
    (tmp_path / "tsconfig.json").unlink()
    app = app_setup(tmp_path)
    assert app.ready_path == "/trpc/health"  # a query named like a health route
    assert "frontend" not in app.phases and not app.has_root  # tRPC answers no "/"
    assert [r[0] for r in app.load_routes] == ["/trpc/post.list"]  # no input, no login, no health
