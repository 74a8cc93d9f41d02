"""`run --base-ref` reuses the head's installed dependencies for the base: every folder setup installs
into is linked (not only the serving folder), workspace packages stay the base's own, nothing is linked
outside the base's checkout, and a base on the head's fixed port is built to be served with its listen
moved (test_serve_moved_port.py starts such servers)."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from echotune_ci.baseref.environment import install_folders, reuse_environment
from echotune_ci.config.sections import ServeSettings
from support.base_ref_repo import hardlinked, overlaid

PACKAGES: dict[str, dict[str, object]] = {"": {"name": "todo"}, "node_modules/express": {"version": "4.21.2"}}
LOCK = {"name": "todo", "lockfileVersion": 3, "requires": True, "packages": PACKAGES}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def checkout(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        write(root / name, text)
    return root


def test_a_client_installed_with_prefix_gets_its_node_modules_linked_too(tmp_path: Path) -> None:
    # SecurityPal/demo-todo-app as `init` writes it: the server's packages at the top, the Vite client's
    # in client/ (`npm ci --prefix client`), whose build needs client/node_modules/.bin/vite.
    files = {"package.json": '{"name": "todo"}', "package-lock.json": json.dumps(LOCK),
             "client/package.json": '{"name": "todo-client"}',
             "client/package-lock.json": '{"name": "todo-client", "lockfileVersion": 3}'}
    head, base = checkout(tmp_path / "head", files), checkout(tmp_path / "base", files)
    write(head / "node_modules" / "express" / "index.js", "module.exports = 1\n")
    write(head / "client" / "node_modules" / "vite" / "bin" / "vite.js", "// vite\n")
    serve = ServeSettings(setup="npm ci && npm ci --prefix client", command="node server/index.js",
                          setup_inputs=("package.json", "package-lock.json", "client/package.json",
                                        "client/package-lock.json"))
    note = reuse_environment(serve, head, serve, base)
    assert (base / "client" / "node_modules" / "vite" / "bin" / "vite.js").read_text() == "// vite\n"
    assert hardlinked(base / "node_modules", head / "node_modules")
    assert hardlinked(base / "client" / "node_modules", head / "client" / "node_modules")
    assert note == ("the base's dependencies are the head's (same setup and inputs): linked node_modules, "
                    "client/node_modules instead of installing them again")


def test_a_bundler_resolves_the_bases_dependencies_inside_the_bases_checkout(tmp_path: Path) -> None:
    # ali28729/react-webpack-full-stack (webpack 5.30, splitChunks "vendors", deterministic module ids):
    # with node_modules one symbolic link to the head's, webpack resolved React at its real path, the
    # head's, and the ids hashed from ../../react-webpack-full-stack/node_modules/... made the base's
    # vendors.424710ab9842c1075879.js (228,616 B) where its own install, as the head's checkout, builds
    # vendors.0b4560e026f37c6edc18.js (228,579 B): a 37-byte change no dependency made. A copy of hard
    # links (cp -al, by hand) built the head's bytes and hash exactly.
    files = {"package.json": '{"name": "app"}', "package-lock.json": json.dumps(LOCK)}
    head, base = checkout(tmp_path / "head", files), checkout(tmp_path / "base", files)
    react = write(head / "node_modules" / "react" / "index.js", "module.exports = require('./cjs')\n")
    write(head / "node_modules" / "webpack-cli" / "bin" / "cli.js", "#!/usr/bin/env node\n")
    (head / "node_modules" / ".bin").mkdir()
    (head / "node_modules" / ".bin" / "webpack").symlink_to("../webpack-cli/bin/cli.js")
    pack = write(head / "node_modules" / ".cache" / "webpack" / "default-production" / "0.pack", "head\n")
    serve = ServeSettings(setup="npm ci", command="node src/server/index.js")

    note = reuse_environment(serve, head, serve, base)

    mine = base / "node_modules" / "react" / "index.js"
    assert os.path.realpath(mine) == str(base.resolve() / "node_modules" / "react" / "index.js")
    assert os.path.samefile(mine, react)  # the same bytes, nothing copied
    cli = os.path.realpath(base / "node_modules" / ".bin" / "webpack")
    assert cli == str(base.resolve() / "node_modules" / "webpack-cli" / "bin" / "cli.js")
    # each build keeps its own cache: the base's build starts without the head's and writes its own
    assert not (base / "node_modules" / ".cache").exists()
    write(base / "node_modules" / ".cache" / "webpack" / "default-production" / "0.pack", "base\n")
    assert pack.read_text() == "head\n"
    assert note == ("the base's dependencies are the head's (same setup and inputs): linked node_modules "
                    "instead of installing them again")


def installed(tmp_path: Path, *packages: str) -> tuple[Path, Path]:
    """A head and a base of the same dependencies, the head with *packages* in its node_modules."""
    files = {"package.json": '{"name": "app"}', "package-lock.json": json.dumps(LOCK)}
    head, base = checkout(tmp_path / "head", files), checkout(tmp_path / "base", files)
    for package in packages:
        write(head / "node_modules" / package / "index.js", f"// {package}\n")
    return head, base


def test_node_modules_on_another_file_system_is_linked_package_by_package(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # os.link across file systems fails with EXDEV: the base still runs on the head's dependencies
    head, base = installed(tmp_path, "react", "zod")

    def cross_device(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", cross_device)
    serve = ServeSettings(setup="npm ci", command="node server.js")
    assert reuse_environment(serve, head, serve, base) is not None
    assert overlaid(base / "node_modules", head / "node_modules")


def test_a_package_folder_that_cannot_be_listed_is_linked_not_left_out(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a folder of the head's node_modules this user may not list (chmod 700, another owner's): os.walk
    # skipped it without a word and the base's copy had no node_modules/secret at all
    head, base = installed(tmp_path, "react", "secret")
    listed = os.scandir

    def denied(path: object = ".") -> object:
        if Path(str(path)).name == "secret":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return listed(path)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "scandir", denied)
    serve = ServeSettings(setup="npm ci", command="node server.js")
    assert reuse_environment(serve, head, serve, base) is not None
    assert (base / "node_modules" / "secret").resolve() == (head / "node_modules" / "secret").resolve()
    assert overlaid(base / "node_modules", head / "node_modules")


def test_a_head_whose_node_modules_is_a_link_gives_the_base_links_to_the_same_install(tmp_path: Path) -> None:
    # the head's build resolves its dependencies in the install the link names (the example app's, in the
    # integration tests): the base's does the same through links of its own, with nothing copied
    files = {"package.json": '{"name": "app"}', "package-lock.json": json.dumps(LOCK)}
    head, base = checkout(tmp_path / "head", files), checkout(tmp_path / "base", files)
    write(tmp_path / "installed" / "node_modules" / "react" / "index.js", "// react\n")
    (head / "node_modules").symlink_to(tmp_path / "installed" / "node_modules", target_is_directory=True)
    serve = ServeSettings(setup="npm ci", command="node server.js")
    assert reuse_environment(serve, head, serve, base) is not None
    assert overlaid(base / "node_modules", head / "node_modules")
    assert (base / "node_modules" / "react").resolve() == tmp_path / "installed" / "node_modules" / "react"


def test_workspace_packages_in_node_modules_stay_the_bases_own(tmp_path: Path) -> None:
    # devaijaz/npm-monorepo after `npm ci`: node_modules/@monorepo/libs -> ../../packages/libs. A base
    # that linked the head's node_modules whole would require the head's libs.
    files = {"package.json": '{"workspaces": ["backend", "packages/*"]}',
             "package-lock.json": json.dumps(LOCK)}
    head, base = checkout(tmp_path / "head", files), checkout(tmp_path / "base", files)
    write(head / "packages" / "libs" / "index.js", "module.exports = 'head'\n")
    write(base / "packages" / "libs" / "index.js", "module.exports = 'base'\n")
    write(head / "node_modules" / "express" / "index.js", "module.exports = 1\n")
    write(head / "node_modules" / "typescript" / "bin" / "tsc", "#!/usr/bin/env node\n")
    (head / "node_modules" / "@monorepo").mkdir()
    (head / "node_modules" / "@monorepo" / "libs").symlink_to("../../packages/libs")
    (head / "node_modules" / ".bin").mkdir()
    (head / "node_modules" / ".bin" / "tsc").symlink_to("../typescript/bin/tsc")
    write(head / "node_modules" / ".package-lock.json", "{}")
    before = sorted(p.name for p in (head / "node_modules").rglob("*"))
    serve = ServeSettings(setup="npm ci", command="npm start --workspace=backend")

    note = reuse_environment(serve, head, serve, base, (head, base))

    modules = base / "node_modules"
    assert (modules / "@monorepo" / "libs" / "index.js").read_text() == "module.exports = 'base'\n"
    assert (modules / "@monorepo" / "libs").resolve() == (base / "packages" / "libs").resolve()
    assert os.path.samefile(modules / "express" / "index.js", head / "node_modules" / "express" / "index.js")
    assert (modules / ".bin" / "tsc").read_text() == "#!/usr/bin/env node\n"
    assert (modules / ".bin" / "tsc").resolve() == (modules / "typescript" / "bin" / "tsc").resolve()
    assert os.path.samefile(modules / ".package-lock.json", head / "node_modules" / ".package-lock.json")
    assert not modules.is_symlink()
    assert sorted(p.name for p in (head / "node_modules").rglob("*")) == before  # the head's is untouched
    assert note is not None and note.endswith("(node_modules: package by package, its links to the project's "
                                              "own packages pointing at the base's)")


def test_a_workspace_members_own_node_modules_named_by_the_lockfile_is_linked(tmp_path: Path) -> None:
    # npm installs a member's conflicting versions into <member>/node_modules; the lockfile names them.
    lock = {**LOCK, "packages": {**PACKAGES, "client": {"name": "client"},
                                 "client/node_modules/vite": {"version": "6.0.3"},
                                 "node_modules/client": {"link": True, "resolved": "client"}}}
    files = {"package.json": '{"workspaces": ["client"]}', "package-lock.json": json.dumps(lock),
             "client/package.json": '{"name": "client"}'}
    head, base = checkout(tmp_path / "head", files), checkout(tmp_path / "base", files)
    assert install_folders(head, ()) == [".", "client"]
    (head / "node_modules").mkdir()
    write(head / "client" / "node_modules" / "vite" / "package.json", '{"version": "6.0.3"}')
    serve = ServeSettings(setup="npm ci", command="node server.js")
    assert reuse_environment(serve, head, serve, base) is not None
    assert hardlinked(base / "client" / "node_modules", head / "client" / "node_modules")


def test_nothing_is_linked_outside_the_bases_checkout(tmp_path: Path) -> None:
    files = {"package.json": "{}", "package-lock.json": json.dumps(LOCK)}
    head = checkout(tmp_path / "h" / "repo", files)
    base = checkout(tmp_path / "b" / "repo", files)
    for side in ("h", "b"):
        write(tmp_path / side / "shared" / "package.json", '{"name": "shared"}')
    (tmp_path / "h" / "shared" / "node_modules").mkdir()
    (head / "node_modules").mkdir()
    serve = ServeSettings(setup="npm ci && npm ci --prefix ../shared", command="node server.js",
                          setup_inputs=("package.json", "package-lock.json", "../shared/package.json"))
    assert install_folders(head, serve.setup_inputs) == [".", "../shared"]
    note = reuse_environment(serve, head, serve, base, (head, base))
    assert note is not None and "../shared" not in note
    assert hardlinked(base / "node_modules", head / "node_modules")
    assert not (tmp_path / "b" / "shared" / "node_modules").exists()


# demo-todo-app as `init` wrote it: a server that always listens on 3001
FIXED_PORT = ('[serve]\nbuild = "touch built"\ncommand = "node server/index.js"\nport = 3001\n'
              'ready_url = "http://127.0.0.1:3001/api/todos"\n')


def fixed_port_configs(tmp_path: Path):
    """(head, base) configurations of :data:`FIXED_PORT`, in tmp_path/head and tmp_path/base."""
    from echotune_ci.config import load_config

    head = load_config(write(tmp_path / "head" / "echotune.toml", FIXED_PORT))
    return head, load_config(write(tmp_path / "base" / "echotune.toml", FIXED_PORT))


def test_a_fixed_port_base_is_built_to_be_served(tmp_path: Path) -> None:
    # The head holds port 3001: the base is built all the same, to start with its listen moved beside the
    # head (_start_base, test_serve_moved_port).
    from echotune_ci.baseref.sidebyside import SideBySide, _prepare_base

    head, base = fixed_port_configs(tmp_path)
    report = SideBySide()
    ready = _prepare_base(base, head, True, False, {}, report, temporary=False, repo=tmp_path / "head")
    assert ready is not None and ready.app.settings.port == 3001
    assert (tmp_path / "base" / "built").exists()
    assert report.down == "" and "not_served" not in report.to_dict()


def test_listening_ports_are_read_from_the_processes_sockets() -> None:
    import os
    import socket

    from echotune_ci.serve.process import listening_ports

    with socket.socket() as listening, socket.socket(socket.AF_INET6) as six, socket.socket() as bound:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        six.bind(("::1", 0))
        six.listen()
        bound.bind(("127.0.0.1", 0))  # bound but not listening: no server
        ports = listening_ports([os.getpid()])
        assert ports is not None
        assert {listening.getsockname()[1], six.getsockname()[1]} <= ports
        assert bound.getsockname()[1] not in ports


@pytest.mark.parametrize(("command", "installs"), [
    ("npm ci && npm ci --prefix backend && npm ci --prefix frontend", True),
    ("npm --prefix client ci", True),
    ("cd client && NODE_ENV=development npm install", True),
    ("yarn", True),
    ("yarn install --frozen-lockfile", True),
    ("pnpm install", True),
    ("python3 -m venv .venv && .venv/bin/python -m pip install -r requirements.txt", True),
    ("pip3 install -r requirements.txt", True),
    ("poetry install --no-root", True),
    ("POETRY_VIRTUALENVS_IN_PROJECT=true poetry install --no-root", True),
    # a package manager of the lockfile's version, through npx (pnpm 8 here, a lockfile of pnpm 9)
    ("npx --yes pnpm@9 --dir ../web install --frozen-lockfile", True),
    ("npx -y yarn@1.22.22 install --frozen-lockfile", True),
    ("uv sync && uv pip install -e .", True),
    ("test -x .venv/bin/python", True),
    # a step besides installing: the base, which links the head's environment, never ran it
    ("pip install -r requirements.txt && python manage.py migrate", False),
    ("npm ci && npm run seed", False),
    ("npm ci && npx prisma generate", False),
    ("npx --yes pnpm@9 run seed", False),
    ("yarn build", False),
    ("poetry install; poetry run alembic upgrade head", False),
    ("test -x .venv/bin/python && touch .migrated", False),
    ("./setup.sh", False),
])
def test_a_setup_that_only_installs_is_told_from_one_that_does_more(command, installs):
    # The base that links the head's environment skips its setup; "a step besides installing belongs in
    # build" was said of `npm ci && npm ci --prefix backend`, beside a syntax error in the base's code.
    from echotune_ci.baseref.sidebyside import more_than_installs

    assert more_than_installs(command) is not installs


def test_pnpm_workspace_members_get_their_node_modules_linked(tmp_path: Path) -> None:
    # tommywalkie/mecanojob-test: a pnpm workspace (pnpm-workspace.yaml: apps/*) whose setup inputs are the
    # top package.json and pnpm-lock.yaml. pnpm gives each member a node_modules of its own, of links into
    # the top one's .pnpm store: only the top one was linked, and the base's build said "vite: not found".
    files = {"package.json": '{"name": "mono"}', "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
             "pnpm-workspace.yaml": 'packages:\n  - "apps/*"\n',
             "apps/client/package.json": '{"name": "@mono/client"}',
             "apps/server/package.json": '{"name": "@mono/server"}', "apps/notes/README.md": "no package\n"}
    head, base = checkout(tmp_path / "head", files), checkout(tmp_path / "base", files)
    store = head / "node_modules" / ".pnpm" / "vite@6.2.3" / "node_modules" / "vite"
    write(store / "bin" / "vite.js", "// vite 6.2.3\n")
    client = head / "apps" / "client" / "node_modules"
    client.mkdir(parents=True)
    (client / "vite").symlink_to("../../../node_modules/.pnpm/vite@6.2.3/node_modules/vite")
    write(head / "apps" / "server" / "node_modules" / ".modules.yaml", "{}\n")
    serve = ServeSettings(setup="pnpm install --frozen-lockfile", command="node apps/server/dist/main.js")

    assert install_folders(head, ()) == [".", "apps/client", "apps/server"]
    note = reuse_environment(serve, head, serve, base, (head, base))

    vite = base / "apps" / "client" / "node_modules" / "vite" / "bin" / "vite.js"
    assert vite.read_text() == "// vite 6.2.3\n"
    assert (base / "apps" / "server" / "node_modules" / ".modules.yaml").is_file()
    assert note is not None and "node_modules, apps/client/node_modules, apps/server/node_modules" in note


def test_a_member_served_as_cwd_is_linked_once_with_the_bases_own_workspace_packages(tmp_path: Path) -> None:
    # imputnet/cobalt: a pnpm workspace (api, web, packages/*) whose API is served from its member folder
    # ([serve] cwd = "api", the Dockerfile's `pnpm deploy --filter=@imput/cobalt-api`), setup inputs
    # ../package.json and ../pnpm-lock.yaml. The member "api" of the top folder is cwd itself: it was
    # listed as "." and as "../api", and the base stopped on "[Errno 17] File exists: '<base
    # checkout>/api/node_modules'" before its build.
    files = {"package.json": '{"name": "cobalt"}', "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
             "pnpm-workspace.yaml": 'packages:\n    - "api"\n    - "web"\n    - "packages/*"\n',
             "api/package.json": '{"name": "@imput/cobalt-api"}',
             "web/package.json": '{"name": "@imput/cobalt-web"}',
             "packages/version-info/package.json": '{"name": "@imput/version-info"}'}
    head, base = checkout(tmp_path / "head", files), checkout(tmp_path / "base", files)
    write(head / "packages" / "version-info" / "index.js", "export const side = 'head'\n")
    write(base / "packages" / "version-info" / "index.js", "export const side = 'base'\n")
    store = head / "node_modules" / ".pnpm"
    write(store / "express@4.21.2" / "node_modules" / "express" / "index.js", "// 4\n")
    write(head / "node_modules" / ".modules.yaml", "{}\n")
    for member, package in (("api", "express@4.21.2/node_modules/express"), ("web", None)):
        scope = head / member / "node_modules" / "@imput"
        scope.mkdir(parents=True)
        (scope / "version-info").symlink_to("../../../packages/version-info")  # as pnpm links it
        if package:
            (head / member / "node_modules" / "express").symlink_to(f"../../node_modules/.pnpm/{package}")
    serve = ServeSettings(setup="pnpm install --frozen-lockfile", command="node src/cobalt", cwd="api",
                          setup_inputs=("../package.json", "../pnpm-lock.yaml"))

    folders = install_folders(head / "api", serve.setup_inputs)
    assert folders == [".", "..", "../packages/version-info", "../web"]
    note = reuse_environment(serve, head / "api", serve, base / "api", (head, base))

    for member in ("api", "web"):
        shared = base / member / "node_modules" / "@imput" / "version-info"
        assert shared.resolve() == (base / "packages" / "version-info").resolve()
        assert (shared / "index.js").read_text() == "export const side = 'base'\n"
    assert (base / "api" / "node_modules" / "express" / "index.js").read_text() == "// 4\n"
    assert (base / "api" / "node_modules" / "express").resolve().is_relative_to(base / "node_modules")
    assert hardlinked(base / "node_modules", head / "node_modules")
    assert note == ("the base's dependencies are the head's (same setup and inputs): linked node_modules, "
                    "../node_modules, ../web/node_modules instead of installing them again (node_modules, "
                    "../web/node_modules: package by package, its links to the project's own packages "
                    "pointing at the base's)")


def test_build_caches_in_node_modules_are_not_shared_with_the_base(tmp_path: Path) -> None:
    # Vite's optimizer (.vite), its bundled config (.vite-temp), find-cache-dir's .cache (babel-loader,
    # webpack 5), create-vite's tsBuildInfoFile (.tmp) and Astro's cacheDir (.astro), as the head's
    # setup, build and dev server left them: the base's tools write their own.
    files = {"package.json": '{"name": "app"}', "package-lock.json": json.dumps(LOCK)}
    head, base = checkout(tmp_path / "head", files), checkout(tmp_path / "base", files)
    write(head / "node_modules" / "vite" / "package.json", '{"version": "7.3.8"}')
    caches = {".vite/deps/_metadata.json", ".vite-temp/vite.config.js.timestamp-1.mjs",
              ".cache/babel-loader/1a2b.json", ".cache/webpack/default-development/0.pack",
              ".tmp/tsconfig.app.tsbuildinfo", ".astro/data-store.json"}
    for name in caches:
        write(head / "node_modules" / name, "the head's\n")
    serve = ServeSettings(setup="npm ci", command="node server.js")

    assert reuse_environment(serve, head, serve, base) is not None

    modules = base / "node_modules"
    assert sorted(p.name for p in modules.iterdir()) == ["vite"]
    write(modules / ".vite" / "deps" / "_metadata.json", "the base's\n")
    assert all((head / "node_modules" / name).read_text() == "the head's\n" for name in caches)
    vite = Path("vite", "package.json")
    assert os.path.samefile(modules / vite, head / "node_modules" / vite)
