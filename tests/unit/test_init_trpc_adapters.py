"""tRPC routers served by adapters other than Express's, merged routers, and CommonJS modules.

Expected paths follow tRPC 11's adapter docs (trpc.io/docs/server/adapters): Fastify's plugin serves
under its ``prefix``; the standalone server under its ``basePath`` ("/" by default); the fetch adapter
under its ``endpoint``; ``@hono/trpc-server``'s ``trpcServer`` under its ``endpoint``, "/trpc" by default
(its README: ``app.use('/trpc/*', trpcServer({ router }))`` and a client at ``.../trpc``). A procedure
answers at ``<mount>/<dotted path>``; ``mergeRouters(a, b)`` keeps both routers' keys at one level.
"""

from __future__ import annotations

import pytest

from echotune_ci.project.trpcroutes import trpc_routes
from test_init_workspaces import write

ROUTER = ("import { initTRPC } from '@trpc/server';\nimport { z } from 'zod';\n"
          "const t = initTRPC.create();\n"
          "const postRouter = t.router({ list: t.procedure.query(() => []) });\n"
          "export const appRouter = t.router({\n"
          "  greeting: t.procedure.input(z.string()).query(({ input }) => `hi ${input}`),\n"
          "  post: postRouter,\n"
          "  add: t.procedure.mutation(() => 1),\n"
          "});\n")


@pytest.mark.parametrize(("server", "mount"), [
    ("import fastify from 'fastify';\nimport { fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';\n"
     "import { appRouter } from './router';\nconst server = fastify();\n"
     "server.register(fastifyTRPCPlugin, {\n  prefix: '/trpc',\n"
     "  trpcOptions: { router: appRouter, createContext },\n});\n", "/trpc"),
    ("import { createHTTPServer } from '@trpc/server/adapters/standalone';\n"
     "import { appRouter } from './router';\n"
     "createHTTPServer({ router: appRouter, createContext() { return {}; } }).listen(3000);\n", ""),
    ("import { createHTTPServer } from '@trpc/server/adapters/standalone';\n"
     "import { appRouter } from './router';\n"
     "createHTTPServer({ basePath: '/trpc/', router: appRouter }).listen(3000);\n", "/trpc"),
    ("import { fetchRequestHandler } from '@trpc/server/adapters/fetch';\n"
     "import { appRouter } from './router';\nBun.serve({ port: 3000, fetch(req) {\n"
     "  return fetchRequestHandler({ endpoint: '/api/trpc', req, router: appRouter });\n} });\n",
     "/api/trpc"),
    ("import { Hono } from 'hono';\nimport { trpcServer } from '@hono/trpc-server';\n"
     "import { appRouter } from './router';\nconst app = new Hono();\n"
     "app.use('/trpc/*', trpcServer({ router: appRouter }));\nexport default app;\n", "/trpc"),
    ("import { Hono } from 'hono';\nimport { trpcServer } from '@hono/trpc-server';\n"
     "import { appRouter } from './router';\nconst app = new Hono();\n"
     "app.use('/api/trpc/*', trpcServer({ endpoint: '/api/trpc', router: appRouter }));\n", "/api/trpc"),
])
def test_each_adapter_serves_the_queries_under_its_own_path(tmp_path, server, mount):
    write(tmp_path, {"src/server.ts": server, "src/router.ts": ROUTER})
    found = {r.path: r for r in trpc_routes([tmp_path / "src/server.ts"], tmp_path)}
    assert list(found) == [f"{mount}/greeting", f"{mount}/post.list"]
    assert found[f"{mount}/greeting"].needs_input and not found[f"{mount}/post.list"].needs_input


def test_merged_routers_keep_their_procedures_at_one_level(tmp_path):
    router = ("import { router, mergeRouters, publicProcedure } from './trpc';\n"
              "const userRouter = router({ me: publicProcedure.query(() => null) });\n"
              "const postRouter = router({ list: publicProcedure.query(() => []) });\n"
              "export const appRouter = mergeRouters(userRouter, postRouter);\n")
    server = ("import * as trpcExpress from '@trpc/server/adapters/express';\n"
              "import { appRouter } from './router';\n"
              "app.use('/trpc', trpcExpress.createExpressMiddleware({ router: appRouter }));\n")
    write(tmp_path, {"src/server.ts": server, "src/router.ts": router})
    assert [r.path for r in trpc_routes([tmp_path / "src/server.ts"], tmp_path)] == ["/trpc/me", "/trpc/list"]


@pytest.mark.parametrize(("required", "exported"), [
    # a named export of module.exports, taken apart by the require
    ("const { appRouter } = require('./router');", "module.exports = { appRouter };\n"),
    # an alias of it
    ("const { appRouter: root } = require('./router');", "module.exports = { appRouter };\n"),
    # the module is the router
    ("const appRouter = require('./router');", "module.exports = appRouter;\n"),
])
def test_commonjs_routers_are_followed_through_require(tmp_path, required, exported):
    name = "root" if "root" in required else "appRouter"
    server = ("const express = require('express');\n"
              "const { createExpressMiddleware } = require('@trpc/server/adapters/express');\n"
              f"{required}\nconst app = express();\n"
              f"app.use('/trpc', createExpressMiddleware({{ router: {name} }}));\napp.listen(4000);\n")
    router = ("const { initTRPC } = require('@trpc/server');\nconst t = initTRPC.create();\n"
              "const appRouter = t.router({ hello: t.procedure.query(() => 'hi') });\n" + exported)
    write(tmp_path, {"server.js": server, "router.js": router})
    assert [r.path for r in trpc_routes([tmp_path / "server.js"], tmp_path)] == ["/trpc/hello"]


STANDALONE = "import { createHTTPServer } from '@trpc/server/adapters/standalone';\n"
QUERY = "t.procedure.query(() => 1)"


@pytest.mark.parametrize(("server", "paths"), [
    # a router naming itself (a const used in its own initializer: JavaScript throws there), eight times:
    # only its own procedure, once
    ("const appRouter = t.router({ " + ", ".join(f"k{i}: appRouter" for i in range(8))
     + f", q: {QUERY} }});\ncreateHTTPServer({{ router: appRouter }});\n", ["/q"]),
    # merging itself thirty times beside a real router: that router's procedure
    (f"const userRouter = t.router({{ me: {QUERY} }});\n"
     "const appRouter = t.mergeRouters(" + "appRouter, " * 30 + "userRouter);\n"
     "createHTTPServer({ router: appRouter });\n", ["/me"]),
    # a line of 30 "//" comments before no key: the key after it is still read
    ("createHTTPServer({ router: appRouter });\nconst appRouter = t.router({\n" + "// " * 30
     + f"!\n, a: {QUERY} }});\n", ["/a"]),
    # 20,000 servers of the same router: its procedures once
    (f"const appRouter = t.router({{ a: {QUERY} }});\n"
     + "createHTTPServer({ router: appRouter });\n" * 20_000, ["/a"]),
    # 13,000 unclosed servers' options (each read up to 20,000 characters): none names a router found
    ("createHTTPServer({ router: r, " * 13_000, []),
    # 30,000 "appRouter:" with no "=" before the router is made at the end
    ("createHTTPServer({ router: appRouter });\n" + "appRouter: x " * 30_000
     + f"\nconst appRouter = t.router({{ a: {QUERY} }});\n", ["/a"]),
])
def test_routers_that_name_themselves_and_hostile_files_are_read_in_bounded_time(tmp_path, server, paths):
    write(tmp_path, {"server.ts": STANDALONE + server})
    assert [r.path for r in trpc_routes([tmp_path / "server.ts"], tmp_path)] == paths


def test_a_require_after_thousands_of_unclosed_braces_is_followed(tmp_path):
    server = (STANDALONE + "const {" * 50_000 + "\nconst { appRouter } = require('./router');\n"
              "createHTTPServer({ router: appRouter });\n")
    router = f"const appRouter = t.router({{ a: {QUERY} }});\nmodule.exports = {{ appRouter }};\n"
    write(tmp_path, {"server.js": server, "router.js": router})
    assert [r.path for r in trpc_routes([tmp_path / "server.js"], tmp_path)] == ["/a"]


def test_a_fan_of_routers_expands_at_most_two_thousand_of_them(tmp_path):
    # r1 .. r7 each name the next eight times and have a query: 8**6 paths to the deepest one tRPC would
    # serve; the reading stops after 2,000 routers (one query each), the first the deepest r7 reaches
    # (r8 is past the six levels followed)
    routers = "".join(f"const r{i} = t.router({{ " + ", ".join(f"k{j}: r{i + 1}" for j in range(8))
                      + f", q: {QUERY} }});\n" for i in range(7, 0, -1))
    write(tmp_path, {"server.ts": STANDALONE + f"const r8 = t.router({{ q: {QUERY} }});\n" + routers
                     + "createHTTPServer({ router: r1 });\n"})
    paths = [r.path for r in trpc_routes([tmp_path / "server.ts"], tmp_path)]
    assert len(paths) == 2_000 and paths[0] == "/k0.k0.k0.k0.k0.k0.q"


def test_a_plain_object_of_procedures_is_an_inline_sub_router(tmp_path):
    # tRPC 11 (trpc.io/docs/server/merging-routers, "Defining an inline sub-router"): a plain object in a
    # router is a router of its own, whose procedures answer at <key>.<procedure> (trpc/examples-minimal's
    # `user: { list, byId, create }` beside `examples: { iterable }`)
    server = ("import { createHTTPServer } from '@trpc/server/adapters/standalone';\n"
              "import { publicProcedure, router } from './trpc.js';\n"
              "const appRouter = router({\n"
              "  user: {\n    list: publicProcedure.query(async () => []),\n"
              "    byId: publicProcedure.input(z.string()).query(async () => null),\n"
              "    create: publicProcedure.input(z.object({ name: z.string() })).mutation(async () => 1),\n"
              "  },\n  examples: { iterable: publicProcedure.query(async function* () { yield 1; }) },\n"
              "});\nconst server = createHTTPServer({ router: appRouter });\nserver.listen(3000);\n")
    write(tmp_path, {"src/server/index.ts": server})
    found = {r.path: r for r in trpc_routes([tmp_path / "src/server/index.ts"], tmp_path)}
    assert list(found) == ["/user.list", "/user.byId", "/examples.iterable"]
    assert found["/user.byId"].needs_input and not found["/user.list"].needs_input
