"""What init and the phases got wrong on the eleventh round (a SvelteKit app served by adapter-node,
2026-12-03), each as a fixture of our own: tests/fixtures/layouts/sveltekit-node and nuxt-node recreate
the shapes (svelte.config.js with adapter-node, +page.svelte routes in groups, $env modules, yarn's own
release committed under .yarn/releases; Nuxt 3's pages/ and nuxt.config.ts)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from echotune_ci.config.schema import override
from echotune_ci.phases.base import PhaseContext
from echotune_ci.phases.security.phase import SECURITY
from echotune_ci.phases.security.settings import SecuritySettings
from echotune_ci.project.envdefaults import as_process_env, js_env_reads, kit_static_env
from echotune_ci.project.init import app_setup, init_project
from echotune_ci.project.pages import Page, page_routes
from echotune_ci.project.routes import detect_login_flow
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

LAYOUTS = Path(__file__).resolve().parents[1] / "fixtures" / "layouts"


def _copy(name: str, tmp_path: Path) -> Path:
    return Path(shutil.copytree(LAYOUTS / name, tmp_path / name))


def _kit(tmp_path: Path, config: str, scripts: dict[str, str]) -> Path:
    return write(tmp_path, {
        "package.json": json.dumps({"name": "kit", "type": "module", "scripts": scripts,
                                    "devDependencies": {"@sveltejs/kit": "^2.0.0", "vite": "^6.0.0",
                                                        "@sveltejs/adapter-node": "^5.0.0"}}),
        "package-lock.json": "{}", "svelte.config.js": config, "src/routes/+page.svelte": "<h1>hi</h1>\n"})


NODE_CONFIG = ("import adapter from '@sveltejs/adapter-node';\n"
               "export default { kit: { adapter: adapter() } };\n")
SCRIPTS = {"build": "vite build", "preview": "vite preview"}


def test_adapter_node_is_served_by_its_build_not_by_vite_preview(tmp_path):
    app = app_setup(_kit(tmp_path, NODE_CONFIG, SCRIPTS))
    assert (app.command, app.framework, app.fallback) == ("node build", "sveltekit", "")
    assert app.env == {"HOST": "127.0.0.1"}
    assert not [n for n in app.all_checks() if "no server" in n or "port" in n], app.checks


def test_a_start_script_of_the_project_still_wins(tmp_path):
    app = app_setup(_kit(tmp_path, NODE_CONFIG, {**SCRIPTS, "start": "node -r dotenv/config build"}))
    assert app.command == "npm start"


def test_another_adapter_writes_no_server_and_the_preview_stays(tmp_path):
    auto = NODE_CONFIG.replace("adapter-node", "adapter-auto")
    app = app_setup(_kit(tmp_path, auto, SCRIPTS))
    assert "node build" not in app.command and "vite preview" in app.command and app.fallback == "static"


@pytest.mark.parametrize(("deps", "config", "command"), [
    ({"nuxt": "^3.12.0"}, "export default defineNuxtConfig({})\n", "node .output/server/index.mjs"),
    # a Nitro preset for a host: its handler, no server that listens
    ({"nuxt": "^3.12.0"}, "export default defineNuxtConfig({ nitro: { preset: 'vercel' } })\n",
     "npm run preview"),
    # Nuxt 2 builds into .nuxt and starts with `nuxt start`
    ({"nuxt": "^2.17.0"}, "export default {}\n", "npm run preview"),
])
def test_nuxt_is_served_by_its_nitro_server(tmp_path, deps, config, command):
    write(tmp_path, {"package.json": json.dumps({"name": "n", "scripts": {"build": "nuxt build",
                                                                        "preview": "nuxt preview"},
                                                 "dependencies": deps}),
                     "package-lock.json": "{}", "nuxt.config.ts": config})
    assert app_setup(tmp_path).command == command


def test_astro_standalone_is_served_by_its_entry(tmp_path):
    deps = {"astro": "^4.0.0", "@astrojs/node": "^8.0.0"}
    config = ("import node from '@astrojs/node';\nexport default {\n  output: 'server',\n"
              "  adapter: node({ mode: 'standalone' }),\n};\n")
    scripts = {"build": "astro build", "preview": "astro preview"}
    write(tmp_path, {"package.json": json.dumps({"name": "a", "dependencies": deps, "scripts": scripts}),
                     "package-lock.json": "{}", "astro.config.mjs": config})
    app = app_setup(tmp_path)
    assert (app.command, app.env) == ("node dist/server/entry.mjs", {"HOST": "127.0.0.1"})


def test_a_package_managers_own_release_is_not_the_apps_login(tmp_path):
    # sveltekit-auth-example: yarn's 3 MB .yarn/releases/yarn-4.13.0.cjs holds npm's registry routes, and
    # init wrote "/-/v1/login" and "/-/whoami" as the app's login flow, commented and in [api.flows]
    root = _copy("sveltekit-node", tmp_path)
    assert detect_login_flow(root) == {}
    init_project(root)
    text = (root / "echotune.toml").read_text()
    assert "/-/v1/login" not in text and "[api" not in text


def test_the_secret_scan_leaves_yarns_own_files_out(tmp_path):
    root = _copy("sveltekit-node", tmp_path)
    release = root / ".yarn" / "releases" / "yarn-4.5.0.cjs"
    release.write_text(release.read_text() + "x" * 1_200_000)  # over max_file_bytes, as yarn's is
    settings = override(SecuritySettings(), checks=("secrets",))
    result = SECURITY.run(settings, PhaseContext(artifacts_dir=tmp_path / "a", base_dir=root, root=root))
    metrics = {m.name: m.value for m in result.metrics}
    assert metrics["secrets.skipped_files"] == 0 and result.errors == [], result.notes
    assert metrics["secrets.files"] == 13  # the fixture's 15 files less the release and yarn.lock (*.lock)


def test_sveltekit_env_modules_read_as_the_environment():
    text = ("import { env } from '$env/dynamic/private';\nimport {\n  PUBLIC_A,\n  SECRET_B as b\n} from "
            "'$env/static/private';\nconst url = env.DB_URL;\nconst key = env['API_KEY'] || 'dev';\n")
    rewritten = as_process_env(text)
    assert rewritten.count("\n") == text.count("\n")  # lines keep their numbers
    assert [name for name, _ in js_env_reads(text)] == ["PUBLIC_A", "SECRET_B", "DB_URL", "API_KEY"]
    assert kit_static_env(text) == [("PUBLIC_A", "$env/static/private", 2),
                                    ("SECRET_B", "$env/static/private", 2)]
    # an aliased import, and a local variable of another file named env is left alone
    aliased = "import { env as priv } from '$env/dynamic/private';\nconst k = priv.TOKEN_KEY;\n"
    assert [name for name, _ in js_env_reads(aliased)] == ["TOKEN_KEY"]
    assert js_env_reads("const env = load();\nconst k = env.NOT_THE_ENVIRONMENT;\n") == []


def test_pages_come_from_the_routes_less_groups_parameters_and_logins(tmp_path):
    kit = _copy("sveltekit-node", tmp_path)
    assert page_routes(kit, {"@sveltejs/kit": "2"}, kit) == [
        Page("/", "src/routes/+page.svelte"),
        Page("/cart", "src/routes/(shop)/cart/+page.svelte"),
        Page("/orders", "src/routes/orders/+page.svelte", guarded=True),  # redirect(303, '/signin?...')
        Page("/signin", "src/routes/(auth)/signin/+page.svelte"),  # redirects the signed-in, to "/"
    ]
    nuxt = _copy("nuxt-node", tmp_path)
    assert page_routes(nuxt, {"nuxt": "3"}, nuxt) == [
        Page("/", "pages/index.vue"), Page("/about", "pages/about.vue"),
        Page("/account", "pages/account/index.vue", guarded=True),  # definePageMeta({ middleware: 'auth' })
    ]


def test_init_lists_the_pages_and_comments_out_those_behind_a_login(tmp_path):
    root = _copy("sveltekit-node", tmp_path)
    init_project(root)
    text = (root / "echotune.toml").read_text()
    listed = [line.split('"')[1] for line in text.splitlines() if line.startswith("path = ")]
    assert listed[:3] == ["/", "/cart", "/signin"]  # [[frontend.pages]], then the load test's "/"
    assert ('# [[frontend.pages]]  # src/routes/orders/+page.svelte, behind a login\n'
            '# path = "/orders"') in text
    assert '# [[load.endpoints]]  # src/routes/(shop)/cart/+page.svelte\n# path = "/cart"' in text


def test_more_pages_than_the_frontend_lists_are_written_commented_out(tmp_path):
    files = {f"src/routes/p{i}/+page.svelte": "<p>x</p>\n" for i in range(6)}
    root = write(_kit(tmp_path, NODE_CONFIG, SCRIPTS), files)
    init_project(root)
    text = (root / "echotune.toml").read_text()
    assert [f'path = "/p{i}"' in text.splitlines() for i in range(6)] == [True] * 4 + [False] * 2
    assert '# path = "/p4"' in text and '# path = "/p5"' in text


def test_a_variable_sveltekit_checks_is_named_as_the_code_reads_it(tmp_path):
    root = _kit(tmp_path, NODE_CONFIG, SCRIPTS)
    write(root, {"src/lib/server/mail.ts": "import { env } from '$env/dynamic/private';\n"
                                           "if (!env.MAIL_API_KEY) throw new Error('no key');\n"})
    notes = [n for n in app_setup(root).notes("env") if "MAIL_API_KEY" in n]
    assert notes == ["src/lib/server/mail.ts:2 requires MAIL_API_KEY ($env's MAIL_API_KEY checked, no "
                     "default): a placeholder is set here; in CI pass a real one from a secret"]
