"""What a Node ORM's own files say about the app's database, read for ``init``.

A raw driver in package.json (``pg``, ``mysql2``) names the database; an ORM
does not: Prisma's ``schema.prisma`` says it in its datasource
(``provider = "postgresql"``, ``url = env("DATABASE_URL")``; Prisma 7 reads
the URL in ``prisma.config.ts``), Drizzle's ``drizzle.config.*`` in its
``dialect`` and ``dbCredentials``. :func:`orm_databases` reads them, with
where the migrations are kept and the command that applies them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from . import commands
from .envdefaults import destructured_env
from .files import JS_SUFFIXES, read_text, rel, source_files
from .nodeapp import Package, tools

# Prisma's datasource providers and Drizzle's dialects (old drivers too) -> a key of DATABASE_CLIENTS; ""
# for a database no service starts (a SQLite file) or none init knows how to name.
_KINDS = {
    "postgresql": "postgres", "postgres": "postgres", "pg": "postgres", "mysql": "mysql", "mysql2": "mysql",
    "mongodb": "mongo", "sqlite": "", "better-sqlite": "", "libsql": "", "turso": "", "sqlserver": "",
    "better-sqlite3": "", "sqlite3": "", "mssql": "",
    "cockroachdb": "", "singlestore": "",
}
_DATASOURCE = re.compile(r"(?ms)^\s*datasource\s+\w+\s*\{(.*?)^\s*\}")
_PROVIDER = re.compile(r"""\bprovider\s*=\s*["'](\w+)["']""")
# env("DATABASE_URL") in a schema or prisma.config.ts, process.env.DATABASE_URL in a config file
# AdonisJS's env.get('DB_HOST') (its validated env service)
_ENV = re.compile(r"""\benv\(\s*["'](\w+)["']\s*\)|process\.env\.(\w+)|process\.env\[\s*["'](\w+)["']\s*\]|"""
                  r"""\benv\.get\(\s*["'](\w+)["']""")
_DIALECT = re.compile(r"""\b(?:dialect|driver)\s*:\s*["'`]([\w-]+)["'`]""")
_OUT = re.compile(r"""\bout\s*:\s*["'`](?:\./)?([^"'`]+?)/?["'`]""")
_CONFIG_SUFFIXES = (".ts", ".mts", ".cts", ".js", ".mjs", ".cjs")


@dataclass(frozen=True)
class OrmDatabase:
    """The database an ORM of a package connects to.

    ``kind`` is a key of ``app.DATABASE_CLIENTS`` ("postgres") or "" for a
    file database (SQLite) or one init names no service for; ``provider`` is
    as the file says it ("postgresql"); ``where`` is the file that says so
    (relative to the root given to :func:`orm_databases`); ``variables`` are
    the environment variables the URL is read from; ``migrations`` is the
    folder of migrations (relative to the root) when the repository has
    one, else ""; ``migrate`` is the command that applies them, run in the
    package's folder (``package``, the package's ``dir``).
    """

    client: str
    kind: str
    provider: str
    where: str
    variables: tuple[str, ...]
    migrations: str = ""
    migrate: str = ""
    package: str = "."

    @property
    def said(self) -> str:
        """How the file names the database: ``provider "postgresql"``, ``dialect "mysql"``, ``client
        "pg"``."""
        word = {"@prisma/client": "provider", "@adonisjs/lucid": "client"}.get(self.client, "dialect")
        return f'{word} "{self.provider}"'


def _variables(*texts: str) -> tuple[str, ...]:
    """The variables *texts* read from the environment, in order: env("X"), process.env.X, and the names of
    ``const { X } = process.env``."""
    found: list[str] = []
    for text in texts:
        reads = [(next(g for g in m.groups() if g), m.start()) for m in _ENV.finditer(text)]
        reads += [(d.name, d.at) for d in destructured_env(text)]
        found += [name for name, _ in sorted(reads, key=lambda read: read[1])]
    return tuple(dict.fromkeys(found))


def _config(folder: Path, stem: str) -> Path | None:
    return next((folder / f"{stem}{s}" for s in _CONFIG_SUFFIXES if (folder / f"{stem}{s}").is_file()), None)


def prisma_schema(pkg: Package) -> Path | None:
    """The schema file Prisma reads for *pkg*: package.json ``prisma.schema``, ``schema`` in
    prisma.config.*, else ``prisma/schema.prisma``, ``schema.prisma``, or the first ``.prisma`` file of
    a ``prisma/schema/`` folder that declares the datasource (a multi-file schema); None when none
    exists."""
    named = pkg.data.get("prisma")
    configured = str(named.get("schema", "")) if isinstance(named, dict) else ""
    config = _config(pkg.path, "prisma.config")
    if not configured and config is not None:
        m = re.search(r"""\bschema\s*:\s*["'`]([^"'`]+)["'`]""", read_text(config))
        configured = m.group(1) if m else ""
    candidates = [pkg.path / configured] if configured else []
    candidates += [pkg.path / "prisma" / "schema.prisma", pkg.path / "schema.prisma"]
    for path in candidates:
        if path.is_file():
            return path
        if path.is_dir():
            candidates += sorted(path.glob("*.prisma"))
    folder = pkg.path / "prisma" / "schema"
    return next((p for p in sorted(folder.glob("*.prisma")) if _DATASOURCE.search(read_text(p))), None)


def _prisma(pkg: Package, root: Path) -> OrmDatabase | None:
    schema = prisma_schema(pkg)
    if schema is None:
        return None
    block = _DATASOURCE.search(read_text(schema))
    provider = _PROVIDER.search(block.group(1)) if block else None
    if block is None or provider is None:
        return None
    config = _config(pkg.path, "prisma.config")
    variables = _variables(block.group(1), read_text(config) if config else "")
    # the migrations folder sits beside the schema file (prisma/migrations/<timestamp>_<name>/migration.sql)
    migrations = schema.parent / "migrations"
    kept = migrations.is_dir() and any(migrations.glob("*/migration.sql"))
    return OrmDatabase("@prisma/client", _KINDS.get(provider.group(1), ""), provider.group(1),
                       rel(schema, root), variables, rel(migrations, root) if kept else "",
                       "npx prisma migrate deploy" if kept else "", pkg.dir)


def _drizzle(pkg: Package, root: Path) -> OrmDatabase | None:
    config = _config(pkg.path, "drizzle.config")
    if config is None:
        return None
    text = read_text(config)
    dialect = _DIALECT.search(text)
    if dialect is None:
        return None
    out = _OUT.search(text)
    migrations = pkg.path / (out.group(1) if out else "drizzle")
    kept = migrations.is_dir() and any(migrations.glob("*.sql"))
    # migrate(db, { migrationsFolder }) from drizzle-orm's migrator: the app applies them when it starts,
    # unless a script of the package runs that file itself (j10ra/fastify-drizzle-postgres's
    # `"drizzle:migrate": "ts-node ./scripts/migrate.ts"`): then that script applies them, where init had
    # taken the app to and wrote no step (nor would `npx drizzle-kit migrate`: drizzle-kit 0.20 has none)
    migrators = [rel(f, pkg.path).rsplit(".", 1)[0] for f in source_files(pkg.path, JS_SUFFIXES, limit=300)
                 if "/migrator" in (code := read_text(f)) and "migrationsFolder" in code] if kept else []
    runs = [re.compile(rf"(?:^|[\s'\"=])(?:\./)?{re.escape(m)}\.[cm]?[jt]s\b") for m in migrators]
    script = next((name for name, body in pkg.scripts.items() if any(r.search(body) for r in runs)), "")
    migrate = tools(pkg.path, pkg.data).run(script) if script else \
        "npx drizzle-kit migrate" if kept and not migrators else ""
    return OrmDatabase("drizzle-orm", _KINDS.get(dialect.group(1), ""), dialect.group(1), rel(config, root),
                       _variables(text), rel(migrations, root) if kept else "", migrate, pkg.dir)


# Lucid's config/database.ts: connection: 'postgres' (the default), then each connection's client: 'pg'
_LUCID_DEFAULT = re.compile(r"""\bconnection\s*:\s*["'`](\w+)["'`]""")
_LUCID_CLIENT = re.compile(r"""\bclient\s*:\s*["'`]([\w-]+)["'`]""")
_LUCID_PATHS = re.compile(r"""\bpaths\s*:\s*\[\s*["'`](?:\./)?([^"'`]+?)/?["'`]""")


def _lucid(pkg: Package, root: Path) -> OrmDatabase | None:
    """AdonisJS's Lucid: config/database.ts names the default connection and each connection's knex
    client (``pg``, ``mysql2``, ``better-sqlite3``); its migrations (``database/migrations``, or the
    connection's ``migrations.paths``) are applied by ``node ace migration:run --force`` in the build
    folder (``--force``: the command refuses to run under NODE_ENV=production without it; ``PORT=0``
    where start/env.ts requires PORT: :func:`.adonis.ace`)."""
    from .adonis import ace, build_folder

    config = _config(pkg.path / "config", "database")
    text = read_text(config) if config else ""
    default = _LUCID_DEFAULT.search(text)
    block = text[text.find(f"{default.group(1)}:", default.end()):] if default else text
    client = _LUCID_CLIENT.search(block) or _LUCID_CLIENT.search(text)
    if config is None or client is None:
        return None
    paths = _LUCID_PATHS.search(block)
    migrations = pkg.path / (paths.group(1) if paths else "database/migrations")
    kept = migrations.is_dir() and any(p.suffix in JS_SUFFIXES for p in migrations.iterdir())
    # migration:run reads the compiled files of the build, run in its folder
    migrate = f"cd {build_folder(pkg.path)} && {ace('node ace migration:run --force', pkg.path)}"
    return OrmDatabase("@adonisjs/lucid", _KINDS.get(client.group(1), ""), client.group(1), rel(config, root),
                       _variables(text), rel(migrations, root) if kept else "",
                       f"({migrate})" if kept else "", pkg.dir)


def orm_databases(packages: list[Package], root: Path) -> list[OrmDatabase]:
    """The databases the ORMs of *packages* name in their own files: Prisma's schema where a package
    depends on ``@prisma/client`` (or ``prisma``), Drizzle's config where it depends on ``drizzle-orm``,
    Lucid's config/database.ts where it depends on ``@adonisjs/lucid``; files are named relative to
    *root*."""
    out: list[OrmDatabase] = []
    for pkg in packages:
        found = [
            _prisma(pkg, root) if pkg.has("@prisma/client", "prisma") else None,
            _drizzle(pkg, root) if pkg.has("drizzle-orm") else None,
            _lucid(pkg, root) if pkg.has("@adonisjs/lucid") else None,
        ]
        out += [f for f in found if f is not None]
    return out


def generates(pkg: Package, script: str, depth: int = 0) -> bool:
    """Whether *pkg*'s *script* runs ``prisma generate``, itself or through the scripts it runs
    (``npm run db:generate``, ``yarn db:generate``; a few levels deep)."""
    line = pkg.scripts.get(script, "")
    if re.search(r"\bprisma\s+generate\b", line):
        return True
    called = re.findall(r"\b(?:npm run|yarn(?: run)?|pnpm(?: run)?|bun run)\s+([\w:.-]+)", line)
    return depth < 4 and any(name != script and generates(pkg, name, depth + 1) for name in called)


def in_folder(folder: str, command: str) -> str:
    """*command* run in a package's *folder* (relative) from the root, in a subshell so that the build
    steps joined after it keep theirs: ``(cd backend && npx prisma generate)``."""
    return command if folder in ("", ".") else f"(cd {commands.join([folder])} && {command})"
