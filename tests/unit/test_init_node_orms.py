"""Node apps whose database an ORM names (Prisma, Drizzle), and start scripts whose file is not there: what
init got wrong on SQLite-Template (Express 5 + Prisma on PostgreSQL in backend/, a Vite frontend/) and
CollabHub (TypeScript Express + Drizzle), each as a fixture of our own.

Expected values follow the tools' documentation: Prisma reads ``prisma/schema.prisma`` by default, its
``datasource`` names the database in ``provider`` and its URL with ``env("...")``, and keeps migrations
beside the schema (``prisma/migrations/<name>/migration.sql``), applied by ``prisma migrate deploy``; the
client must be made by ``prisma generate`` before the app imports it; npm runs a package's ``postinstall``
during ``npm ci``. drizzle-kit reads ``drizzle.config.ts`` (``dialect``, ``out`` default ``drizzle``) and
applies its ``.sql`` migrations with ``drizzle-kit migrate``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from echotune_ci.project.deploy import _steps, build_runs
from echotune_ci.project.init import app_setup
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

SCHEMA = ('generator client {\n  provider = "prisma-client-js"\n}\n\n'
          'datasource db {\n  provider = "{provider}"\n  url      = env("{variable}")\n}\n\n'
          "model Task {\n  id    Int    @id @default(autoincrement())\n  title String\n}\n")
SERVER = ('import express from "express";\nimport { PrismaClient } from "@prisma/client";\n\n'
          "const db = new PrismaClient();\nconst app = express();\n"
          'app.get("/api/health", (_req, res) => { res.json({ up: true }); });\n'
          'app.get("/api/tasks", async (_req, res) => { res.json(await db.task.findMany()); });\n'
          "app.listen(process.env.PORT || 5000);\n")


def backend(root: Path, scripts: dict[str, str], *, provider: str = "postgresql",
            variable: str = "DATABASE_URL", migrations: bool = True) -> Path:
    """SQLite-Template's shape: backend/ (Express + Prisma, TypeScript run by tsx) beside a Vite frontend/,
    no package.json at the top."""
    package = {"name": "tasks-api", "type": "module", "scripts": scripts,
               "dependencies": {"express": "^5.1.0", "@prisma/client": "^6.5.0"},
               "devDependencies": {"prisma": "^6.5.0", "tsx": "^4.19.2", "typescript": "^5.7.2"}}
    files = {"backend/package.json": json.dumps(package), "backend/package-lock.json": "{}\n",
             "backend/src/index.ts": SERVER,
             "backend/prisma/schema.prisma": SCHEMA.replace("{provider}", provider)
                                                   .replace("{variable}", variable),
             "frontend/package.json": json.dumps({"name": "tasks-web",
                                                  "scripts": {"dev": "vite", "build": "vite build"},
                                                  "devDependencies": {"vite": "^6.0.0"}})}
    if migrations:
        files["backend/prisma/migrations/20250110093000_init/migration.sql"] = 'CREATE TABLE "Task" ();\n'
    return write(root, files)


TS_SCRIPTS = {"start": "node server.js", "dev": "tsx watch src/index.ts", "build": "tsc"}


def test_prisma_names_the_database_generates_the_client_and_applies_the_migrations(tmp_path):
    app = app_setup(backend(tmp_path, TS_SCRIPTS))
    checks = app.all_checks()
    # the database from schema.prisma, as a raw driver's would be said
    assert ('@prisma/client in package.json (backend/prisma/schema.prisma: provider "postgresql"): the app '
            "connects to PostgreSQL, found through DATABASE_URL, which nothing here starts"
            ) in " ".join(checks)
    # generate before the app's own build (tsc type-checks against the generated client), migrations after
    # frontend/ is built too: the bundle phase measures frontend/dist, and backend's build is tsc alone
    assert app.build == ("(cd backend && npx prisma generate) && npm run build --prefix backend && "
                         "npm run build --prefix frontend && (cd backend && npx prisma migrate deploy)")
    assert app.setup == "npm ci --prefix backend && npm install --prefix frontend"
    assert any(n.startswith("build applies backend/prisma/migrations/ with `npx prisma migrate deploy` to "
                            "the database DATABASE_URL points at") for n in checks)
    assert any("binaries.prisma.sh" in n and "PRISMA_ENGINES_MIRROR" in n for n in checks)
    # a Dockerfile made from this build keeps each subshell as one step, run in its folder
    assert build_runs(_steps(app.build)) == [("backend", ["npx prisma generate"]),
                                             ("", ["npm run build --prefix backend",
                                                   "npm run build --prefix frontend"]),
                                             ("backend", ["npx prisma migrate deploy"])]


@pytest.mark.parametrize("scripts", [
    {**TS_SCRIPTS, "postinstall": "prisma generate"},  # npm ci runs it during setup
    {**TS_SCRIPTS, "build": "npm run db:generate && tsc", "db:generate": "prisma generate"},
])
def test_no_generate_step_when_setup_or_the_build_script_generates(tmp_path, scripts):
    app = app_setup(backend(tmp_path, scripts))
    assert "prisma generate" not in app.build
    assert app.build.startswith("npm run build --prefix backend")


def test_a_sqlite_schema_gets_its_migrations_and_no_server_a_schema_without_them_a_note(tmp_path):
    app = app_setup(backend(tmp_path / "file", TS_SCRIPTS, provider="sqlite", variable="DB_FILE"))
    assert app.build.endswith("(cd backend && npx prisma migrate deploy)")
    assert not any("the app connects to" in n for n in app.all_checks())
    bare = app_setup(backend(tmp_path / "bare", TS_SCRIPTS, migrations=False))
    assert "migrate" not in bare.build
    assert any(n.startswith("backend/prisma/schema.prisma comes with no migrations folder")
               for n in bare.all_checks())


def test_a_schema_without_migrations_is_pushed_by_the_packages_own_script(tmp_path):
    # diplom-fullstack-app: server/package.json's "db:push": "prisma db push", and init said "nothing here
    # makes the tables"
    app = app_setup(backend(tmp_path, {**TS_SCRIPTS, "db:push": "prisma db push"}, migrations=False))
    assert app.build == ("(cd backend && npx prisma generate) && npm run build --prefix backend && "
                         "npm run build --prefix frontend && npm run db:push --prefix backend")
    checks = app.all_checks()
    assert not any("comes with no migrations folder" in n for n in checks)
    assert ("build runs `npm run db:push --prefix backend`, which makes the tables in the database "
            "DATABASE_URL points at, on every run: point it at a test database in [serve] env, never one "
            "whose data matters") in checks


def test_a_prisma_cli_missing_from_the_package_is_said(tmp_path):
    root = backend(tmp_path, TS_SCRIPTS)
    data = json.loads((root / "backend/package.json").read_text())
    del data["devDependencies"]["prisma"]
    (root / "backend/package.json").write_text(json.dumps(data))
    app = app_setup(root)
    assert any(n.startswith("prisma (the CLI) is not in backend/package.json: `npx prisma generate` fetches "
                            "its latest version, which may not match @prisma/client ^6.5.0")
               for n in app.all_checks())


DRIZZLE_CONFIG = ('import { defineConfig } from "drizzle-kit";\n\nexport default defineConfig({\n'
                  '  schema: "./src/db/schema.ts",\n  out: "./migrations",\n  dialect: "postgresql",\n'
                  "  dbCredentials: { url: process.env.NEON_URL! },\n});\n")
DRIZZLE_SERVER = ('import express from "express";\nimport { drizzle } from "drizzle-orm/neon-http";\n'
                  'import { neon } from "@neondatabase/serverless";\n\n'
                  "const db = drizzle(neon(process.env.NEON_URL!));\nconst app = express();\n"
                  'app.get("/health", (_req, res) => { res.send("ok"); });\n'
                  "app.listen(process.env.PORT || 4000);\n")


def drizzle_app(root: Path, server: str = DRIZZLE_SERVER) -> Path:
    """CollabHub's shape: a TypeScript Express server with Drizzle over Neon's driver (no pg in
    package.json), migrations in the folder drizzle.config.ts names."""
    package = {"name": "collab", "scripts": {"start": "tsx src/index.ts"},
               "dependencies": {"express": "^4.21.0", "drizzle-orm": "^0.36.0",
                                "@neondatabase/serverless": "^0.10.0"},
               "devDependencies": {"drizzle-kit": "^0.28.0", "tsx": "^4.19.0"}}
    return write(root, {"package.json": json.dumps(package), "package-lock.json": "{}\n",
                        "src/index.ts": server, "drizzle.config.ts": DRIZZLE_CONFIG,
                        "migrations/0000_first.sql": "CREATE TABLE t ();\n"})


def test_drizzle_names_the_database_and_its_migrations_are_applied(tmp_path):
    app = app_setup(drizzle_app(tmp_path))
    assert app.build == "npx drizzle-kit migrate"
    said = " ".join(app.all_checks())
    assert ('drizzle-orm in package.json (drizzle.config.ts: dialect "postgresql"): the app connects to '
            "PostgreSQL, found through NEON_URL, which nothing here starts") in said
    assert "build applies migrations/ with `npx drizzle-kit migrate`" in said


def test_drizzle_migrations_the_app_applies_itself_are_not_a_build_step(tmp_path):
    server = DRIZZLE_SERVER.replace("const app",
                                    'await migrate(db, { migrationsFolder: "migrations" });\nconst app')
    server = 'import { migrate } from "drizzle-orm/neon-http/migrator";\n' + server
    app = app_setup(drizzle_app(tmp_path, server))
    assert "drizzle-kit" not in app.build


def test_drizzle_migrations_a_script_of_the_package_applies_are_that_scripts_build_step(tmp_path):
    # j10ra/fastify-drizzle-postgres: scripts/migrate.ts calls drizzle-orm's migrate(), run by its
    # "drizzle:migrate" script, never by the app; its drizzle-kit 0.20 says "error: unknown command
    # 'migrate'" to `npx drizzle-kit migrate`. `npm run drizzle:migrate` made the tables here.
    drizzle_app(tmp_path)
    write(tmp_path, {"scripts/migrate.ts": 'import { migrate } from "drizzle-orm/postgres-js/migrator";\n'
                                           'await migrate(db, { migrationsFolder: "./migrations" });\n'})
    package = json.loads((tmp_path / "package.json").read_text())
    package["scripts"]["drizzle:migrate"] = "ts-node ./scripts/migrate.ts"
    (tmp_path / "package.json").write_text(json.dumps(package))
    app = app_setup(tmp_path)
    assert app.build == "npm run drizzle:migrate"
    assert "build applies migrations/ with `npm run drizzle:migrate`" in " ".join(app.all_checks())


# ---------------------------------------------------------------------------- a start script's missing file


def test_a_start_script_whose_file_does_not_exist_is_passed_over_for_the_one_that_runs_it(tmp_path):
    app = app_setup(backend(tmp_path, TS_SCRIPTS))
    # dev's tsx without its watcher, as for a start under nodemon
    assert app.command == "cd backend && npx tsx src/index.ts"
    command = next(d for d in app.decisions if d.key == "command")
    assert command.source.endswith("; not scripts.start, whose file does not exist")
    assert ("backend/package.json scripts.start runs backend/server.js, which does not exist and no build "
            "makes: not used (fix the script, which deployments run)") in app.all_checks()


@pytest.mark.parametrize(("scripts", "command"), [
    ({"start": "node dist/index.js", "build": "tsc", "dev": "tsx watch src/index.ts"},
     "npm start --prefix backend"),
    ({"start": "node server.js", "prestart": "tsc --outDir .", "dev": "tsx watch src/index.ts"},
     "npm start --prefix backend"),
    ({"start": "tsc && node out/server.js", "dev": "tsx watch src/index.ts"},
     "cd backend && node out/server.js"),
])
def test_a_start_script_whose_file_a_build_makes_is_kept(tmp_path, scripts, command):
    app = app_setup(backend(tmp_path, scripts))
    assert app.command == command
    assert not any("does not exist" in n for n in app.all_checks())


def test_a_broken_start_script_with_nothing_else_is_kept_and_said(tmp_path):
    write(tmp_path, {"package.json": json.dumps({"name": "x", "scripts": {"start": "node app.js"},
                                                 "dependencies": {"express": "^4.21.0"}}),
                     "package-lock.json": "{}\n", "routes/users.js": "module.exports = {};\n"})
    app = app_setup(tmp_path)
    assert app.command == "npm start"
    assert ("package.json scripts.start runs app.js, which does not exist and no build makes: the app cannot "
            "start this way; fix the script or set [serve] command") in app.all_checks()


def test_a_missing_lockfile_is_named_with_its_folder(tmp_path):
    # A root package and a client with their package-lock.json, and an api/ package without one: "check: no
    # lockfile: `npm install` resolves versions anew ..." read as if the project had none at all.
    server = 'import express from "express";\nconst app = express();\napp.listen(process.env.PORT || 3000);\n'
    root = write(tmp_path, {
        "package.json": json.dumps({"name": "blog", "type": "module",
                                    "scripts": {"start": "node api/index.js", "build": "vite build client"},
                                    "dependencies": {"express": "^4.18.2"}}),
        "package-lock.json": json.dumps({"name": "blog", "lockfileVersion": 3, "packages": {}}),
        "api/package.json": json.dumps({"name": "blog-api", "type": "module",
                                        "dependencies": {"express": "^4.18.2", "cors": "^2.8.5"}}),
        "api/index.js": server,
    })
    app = app_setup(root)
    assert "npm install --prefix api" in app.setup
    checks = app.all_checks()
    assert [c for c in checks if "lockfile" in c][:1] == [
        "no lockfile in api/: `npm install` resolves versions anew on every setup and the JavaScript audit "
        "has no locked versions to check; commit one"]


EXPORTED = ('import express from "express";\nimport cors from "cors";\n\n'
            'const app = express();\napp.use(cors());\n'
            'app.get("/api/test", (req, res) => { res.json({ up: true }); });\n\n'
            "// Export for Vercel\nexport default app;\n")


def _serverless(root: Path, files: dict[str, str]) -> Path:
    """A MERN blog's shape: the root package starts api/index.js, which exports the app for Vercel."""
    return write(root, {
        "package.json": json.dumps({"name": "blog", "type": "module",
                                    "scripts": {"start": "node api/index.js"},
                                    "dependencies": {"express": "^4.18.2"}}),
        "package-lock.json": json.dumps({"name": "blog", "lockfileVersion": 3, "packages": {}}),
        "api/package.json": json.dumps({"name": "blog-api", "type": "module",
                                        "dependencies": {"express": "^4.18.2", "cors": "^2.8.5"}}),
        "api/index.js": EXPORTED, **files})


def test_a_server_that_only_exports_its_app_is_said_to_never_listen(tmp_path):
    # "could not tell how the server picks its port" was all init said; `npm start` exits at once (code 0).
    checks = app_setup(_serverless(tmp_path, {})).all_checks()
    assert ("api/index.js never listens: it exports the app (for a serverless host such as Vercel) and no "
            "file of its folder calls listen(), so `npm start` exits at once and `run` stops on \"serve "
            "command exited with code 0\"; serve it with a command that listens on PORT, e.g. node -e "
            "\"import('./api/index.js').then((m) => m.default.listen(process.env.PORT))\"") in checks
    assert not any("could not tell how the server picks its port" in c for c in checks)


def test_an_exported_app_that_a_file_beside_it_starts_is_no_serverless_one(tmp_path):
    listening = {"api/listen.js": 'import app from "./index.js";\napp.listen(process.env.PORT || 3000);\n'}
    checks = app_setup(_serverless(tmp_path, listening)).all_checks()
    assert not any("never listens" in c for c in checks)
