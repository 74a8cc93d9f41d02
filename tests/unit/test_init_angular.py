"""An Angular client beside an Express API on SQL (the RealWorld "Conduit" pair, docs/real-projects.md, the
fifteenth round): where `ng build` writes (the application builder's `browser/` under an `outputPath` that
may be an object), the fonts an optimized `ng build` downloads to inline them (it stopped on "Inlining of
fonts failed" where only the package registry is reachable), and the login flow of an Express API whose
routers answer on "/" under the prefix they are mounted at (`GET /api/user`), with the sign-up that makes
its account on a fresh database."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from echotune_ci.project.init import init_project
from echotune_ci.project.nodeapp import bundle_globs, node_packages
from echotune_ci.project.nodenotes import angular_font_note
from echotune_ci.project.routes import detect_login_flow
from echotune_ci.serve.output import unreachable_host_hint
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

REF = "0123456789abcdef0123456789abcdef01234567"
FONTS = '<link rel="stylesheet" href="//fonts.googleapis.com/css?family=Titillium+Web:700">'


def angular(root: Path, build: dict[str, object], index: str = "<html></html>", name: str = "shop") -> Path:
    workspace = {"version": 1, "projects": {
        "ui-kit": {"projectType": "library", "root": "projects/ui-kit",
                   "architect": {"build": {"builder": "@angular/build:ng-packagr"}}},
        name: {"projectType": "application", "root": "", "architect": {"build": build}}}}
    return write(root, {
        "package.json": json.dumps({"name": name, "scripts": {"build": "ng build", "start": "ng serve"},
                                    "devDependencies": {"@angular/cli": "20.3.9",
                                                        "@angular/build": "20.3.9"}}),
        "angular.json": json.dumps(workspace),
        "src/index.html": index,
    })


def globs(root: Path) -> list[str]:
    (pkg,) = node_packages(root)
    found = bundle_globs(pkg, set())
    assert found is not None
    return found.globs


APPLICATION = "@angular/build:application"


@pytest.mark.parametrize("build, folder", [
    # Angular 17+: the browser's files go to <outputPath>/browser (the server's, with SSR, to .../server)
    ({"builder": APPLICATION, "options": {"outputPath": {"base": "dist/shop"}}}, "dist/shop/browser"),
    ({"builder": APPLICATION, "options": {"outputPath": "dist/shop"}}, "dist/shop/browser"),
    ({"builder": "@angular-devkit/build-angular:application",
      "options": {"outputPath": {"base": "out", "browser": ""}}}, "out"),
    ({"builder": APPLICATION, "options": {"outputPath": {"base": "out", "browser": "web"}}}, "out/web"),
    # no outputPath: dist/<project>
    ({"builder": APPLICATION, "options": {}}, "dist/shop/browser"),
    # the browser builder (Angular before 17) writes straight into outputPath
    ({"builder": "@angular-devkit/build-angular:browser", "options": {"outputPath": "dist/shop"}},
     "dist/shop"),
])
def test_the_bundle_is_where_ng_build_writes_the_browsers_files(tmp_path, build, folder):
    root = angular(tmp_path, build)
    assert globs(root) == [f"{folder}/**/*.js", f"{folder}/**/*.css"]


PRODUCTION = {"production": {"outputHashing": "all"}, "development": {"optimization": False}}


def test_an_optimized_build_that_inlines_linked_fonts_gets_a_note(tmp_path):
    build = {"builder": APPLICATION, "options": {"index": "src/index.html"}, "configurations": PRODUCTION,
             "defaultConfiguration": "production"}
    root = angular(tmp_path, build, index=f"<head>{FONTS}</head>")
    (pkg,) = node_packages(root)
    note = angular_font_note(pkg, root)
    assert note.startswith("src/index.html links fonts from fonts.googleapis.com, which `ng build` downloads "
                           "to inline them (the production configuration of shop optimizes)")
    assert '"fonts": false' in note
    # init writes it as a check of the build
    init_project(root, ref=REF)
    assert "src/index.html links fonts from fonts.googleapis.com" in (root / "echotune.toml").read_text()


@pytest.mark.parametrize("configurations, default, index", [
    # fonts not inlined: said in the configuration it builds with, or in the options
    ({"production": {"optimization": {"scripts": True, "styles": True, "fonts": False}}}, "production",
     FONTS),
    ({"production": {"optimization": {"fonts": {"inline": False}}}}, "production", FONTS),
    ({"production": {}, "development": {"optimization": False}}, "development", FONTS),
    # no font service linked (a font of the app's own assets)
    (PRODUCTION, "production", '<link rel="stylesheet" href="assets/fonts.css">'),
])
def test_no_note_when_the_build_inlines_no_downloaded_font(tmp_path, configurations, default, index):
    build = {"builder": APPLICATION, "options": {}, "configurations": configurations,
             "defaultConfiguration": default}
    root = angular(tmp_path, build, index=f"<head>{index}</head>")
    (pkg,) = node_packages(root)
    assert angular_font_note(pkg, root) == ""


def test_the_failed_builds_error_says_how_to_build_without_the_fonts():
    # what `ng build` (Angular 20) printed here, the stack left out
    printed = [
        "✖ Building... [FAILED: Inlining of fonts failed. An error has occurred while retrieving "
        "https://fonts.googleapis.com/css?family=Titillium+Web:700 over the internet.",
        "getaddrinfo ENOTFOUND fonts.googleapis.com]",
        "An unhandled exception occurred: Inlining of fonts failed. An error has occurred while retrieving "
        "https://fonts.googleapis.com/css?family=Titillium+Web:700 over the internet.",
        "getaddrinfo ENOTFOUND fonts.googleapis.com",
    ]
    hint = unreachable_host_hint(printed)
    assert hint.startswith("; `ng build` inlines the fonts its index page links and downloads them from "
                           "fonts.googleapis.com, which this machine cannot reach")
    assert '"fonts": false' in hint and "next" not in hint


# An Express API of the RealWorld spec whose routers each answer on "/" under their mount point, and whose
# login destructures the user object of the body
API = {
    "index.js": "const express = require('express');\nconst app = express();\n"
                "app.use('/api/users', require('./routes/users'));\n"
                "const userRoutes = require('./routes/user');\napp.use('/api/user', userRoutes);\n"
                "app.listen(process.env.PORT);\n",
    "routes/users.js": "const router = require('express').Router();\n"
                       "const { signIn } = require('../login');\n"
                       "router.post('/', signUp);\nrouter.post('/login', signIn);\n"
                       "module.exports = router;\n",
    "routes/user.js": "const router = require('express').Router();\n"
                      "router.get('/', verifyToken, currentUser);\n"
                      "router.put('/', verifyToken, updateUser);\n"
                      "module.exports = router;\n",
    "login.js": "const signIn = async (req, res) => {\n  const { user } = req.body;\n"
                "  const found = await User.findOne({ where: { email: user.email } });\n"
                "  res.json({ user: found });\n};\nmodule.exports = { signIn };\n",
}


def test_a_router_answering_on_its_mount_point_is_the_protected_route(tmp_path):
    root = write(tmp_path, API)
    flow = detect_login_flow(root)
    assert (flow["login"], flow["protected"]) == ("/api/users/login", "/api/user")
    # {"user": {"email", "password"}}, answered with {"user": {"token"}}
    assert (flow["user_object"], flow["user_field"], flow["token"]) == ("user", "email", "$.user.token")


def test_init_writes_the_realworld_login_of_such_an_api(tmp_path):
    root = write(tmp_path, {**API, "package.json": json.dumps(
        {"name": "conduit", "scripts": {"start": "node index.js"}, "dependencies": {"express": "^4.18.2"}})})
    init_project(root, ref=REF)
    config = tomllib.loads((root / "echotune.toml").read_text())
    signup, flow = config["api"]["flows"]
    # a CI job's database is new: the account is signed up first (the RealWorld API's POST /api/users),
    # and an answer that it exists already is as good
    (step,) = signup["steps"]
    assert (step["method"], step["path"]) == ("POST", "/api/users")
    account = {"username": "demo", "email": "demo@example.com", "password": "change-me"}
    assert step["json"] == {"user": account}
    assert step["status"] == [200, 201, 400, 409, 422]
    login, me = flow["steps"]
    assert login["json"] == {"user": {"email": "demo@example.com", "password": "change-me"}}
    assert login["capture"] == {"token": "$.user.token"}
    assert me["path"] == "/api/user"
    assert config["api"]["login"]["token_field"] == "user.token"


def test_no_sign_up_for_a_login_without_one_or_by_session(tmp_path):
    root = write(tmp_path / "plain", API)
    assert detect_login_flow(root)["signup"] == "/api/users"
    login_only = "const router = require('express').Router();\nrouter.post('/login', signIn);\n" \
                 "module.exports = router;\n"
    root = write(tmp_path / "no-signup", {**API, "routes/users.js": login_only})
    assert detect_login_flow(root)["signup"] == ""
    # a session login (the cookie carries the account): the account is the test environment's own
    session = "app.post('/register', (req, res) => res.send('ok'));\n" \
              "app.post('/login', (req, res) => {\n  req.session.user = req.body.username;\n" \
              "  res.send('ok');\n});\n" \
              "app.get('/profile', (req, res) => res.send(req.session.user));\n"
    root = write(tmp_path / "session", {"app.js": session})
    found = detect_login_flow(root)
    assert (found["token"], found["signup"]) == ("", "")


def test_packages_the_top_postinstall_installs_are_inputs_of_setup(tmp_path):
    # The pair side by side: the top's postinstall installs backend/ and frontend/, each with its lockfile.
    # setup ran only when the top's package.json or lockfile changed: a bump in frontend/package-lock.json
    # left the old packages in place ("setup: skipped, its inputs did not change").
    root = write(tmp_path, {
        **{f"backend/{name}": text for name, text in API.items()},
        "package.json": json.dumps({"name": "conduit", "private": True, "scripts": {
            "postinstall": "npm --prefix backend install && npm --prefix frontend install",
            "build": "npm --prefix frontend run build", "start": "npm --prefix backend start"}}),
        "package-lock.json": '{"name": "conduit", "lockfileVersion": 3, "packages": {}}',
        "backend/package.json": json.dumps({"name": "backend", "scripts": {"start": "node index.js"},
                                            "dependencies": {"express": "^4.18.2"}}),
        "backend/package-lock.json": '{"name": "backend", "lockfileVersion": 3, "packages": {}}',
        "frontend/package.json": json.dumps({"name": "shop", "scripts": {"build": "ng build"},
                                             "devDependencies": {"@angular/cli": "20.3.9"}}),
        "frontend/package-lock.json": '{"name": "shop", "lockfileVersion": 3, "packages": {}}',
        "frontend/angular.json": json.dumps({"projects": {"shop": {"architect": {"build": {
            "builder": APPLICATION, "options": {"outputPath": {"base": "dist/shop"}}}}}}}),
    })
    init_project(root, ref=REF)
    serve = tomllib.loads((root / "echotune.toml").read_text())["serve"]
    assert serve["setup"] == "npm ci"
    assert serve["setup_inputs"] == ["package.json", "package-lock.json", "backend/package.json",
                                     "backend/package-lock.json", "frontend/package.json",
                                     "frontend/package-lock.json"]


def test_a_readme_commands_trailing_comment_is_not_part_of_the_step(tmp_path):
    from echotune_ci.project.instructions import readme_commands

    root = write(tmp_path, {"README.md": "Set up:\n\n    npm install\n"
                                         "    npm run db:migrate                # optional: npm run db:seed\n"
                                         "    echo '# not a comment' # but this is\n"})
    assert [s.command for s in readme_commands(root)] == [
        "npm install", "npm run db:migrate", "echo '# not a comment'"]


# A standalone Angular app: app.config.ts hands the routes of app.routes.ts to provideRouter; a lazy
# routes file (export default), children, a parameter, a redirect, the wildcard and two kinds of guard
ROUTES = {
    "src/app/app.config.ts": "import { provideRouter } from '@angular/router';\n"
                             "import { routes } from './app.routes';\n"
                             "export const appConfig = { providers: [provideRouter(routes)] };\n",
    "src/app/app.routes.ts": """\
import { Routes } from '@angular/router';
export const routes: Routes = [
  { path: '', loadComponent: () => import('./home/home.component') },
  { path: 'login', loadComponent: () => import('./auth/auth.component'),
    canActivate: [() => inject(UserService).isAuthenticated.pipe(map((isAuth) => !isAuth))] },
  { path: 'settings', component: SettingsComponent, canActivate: [AuthGuard] },
  { path: 'shop', loadChildren: () => import('./shop/shop.routes') },
  { path: 'admin', canActivate: [authGuard], children: [
      { path: 'users', component: UsersComponent },
  ] },
  { path: 'help', children: [
      { path: '', component: HelpComponent, data: { title: 'path: nowhere' } },
      { path: 'faq', component: FaqComponent },
  ] },
  { path: 'article/:slug', loadComponent: () => import('./article/article.component') },
  { path: 'old', redirectTo: 'help' },
  { path: '**', component: NotFoundComponent },
];
""",
    "src/app/shop/shop.routes.ts": "const routes: Routes = [\n"
                                   "  { path: '', component: ShopComponent },\n"
                                   "  { path: 'cart', component: CartComponent, canMatch: [guestGuard] },\n"
                                   "  { path: ':id', component: ItemComponent },\n];\n"
                                   "export default routes;\n",
}


def test_the_angular_routers_pages_without_a_parameter(tmp_path):
    from echotune_ci.project.angularroutes import angular_pages

    root = write(tmp_path, ROUTES)
    pages = {p.path: (p.where, p.guarded) for p in angular_pages(root, root)}
    assert pages == {
        "/login": ("src/app/app.routes.ts", False),  # its guard lets only visitors in
        "/settings": ("src/app/app.routes.ts", True),
        "/shop": ("src/app/shop/shop.routes.ts", False),
        "/shop/cart": ("src/app/shop/shop.routes.ts", False),
        "/admin/users": ("src/app/app.routes.ts", True),  # a parent's guard
        "/help": ("src/app/app.routes.ts", False),
        "/help/faq": ("src/app/app.routes.ts", False),
    }


def test_an_ngmodule_apps_routes_written_in_place(tmp_path):
    from echotune_ci.project.angularroutes import angular_pages

    root = write(tmp_path, {"src/app/app-routing.module.ts": (
        "@NgModule({ imports: [RouterModule.forRoot([\n  { path: 'about', component: AboutComponent },\n"
        "  { path: 'lazy', loadChildren: () => import('./lazy/lazy.module').then(m => m.LazyModule) },\n"
        "])] })\nexport class AppRoutingModule {}\n"),
        "src/app/lazy/lazy.module.ts": "const routes: Routes = [{ path: 'list', component: List }];\n"
                                       "@NgModule({ imports: [RouterModule.forChild(routes)] })\n"
                                       "export class LazyModule {}\n"})
    assert [p.path for p in angular_pages(root, root)] == ["/about", "/lazy/list"]


def test_init_audits_the_pages_of_the_angular_client_the_api_serves(tmp_path):
    root = write(tmp_path, {
        **{f"backend/{name}": text for name, text in API.items()},
        "backend/index.js": API["index.js"].replace(
            "app.listen", "app.use(express.static(path.join(__dirname, '../frontend/dist/shop/browser')));\n"
                          "app.listen"),
        **{f"frontend/{name}": text for name, text in ROUTES.items()},
        "package.json": json.dumps({"name": "conduit", "private": True, "scripts": {
            "build": "npm --prefix frontend run build", "start": "npm --prefix backend start"}}),
        "backend/package.json": json.dumps({"name": "backend", "scripts": {"start": "node index.js"},
                                            "dependencies": {"express": "^4.18.2"}}),
        "frontend/package.json": json.dumps({"name": "shop", "scripts": {"build": "ng build"},
                                             "dependencies": {"@angular/router": "20.3.9"},
                                             "devDependencies": {"@angular/cli": "20.3.9"}}),
        "frontend/angular.json": json.dumps({"projects": {"shop": {"architect": {"build": {
            "builder": APPLICATION, "options": {"outputPath": {"base": "dist/shop"}}}}}}}),
    })
    init_project(root, ref=REF)
    text = (root / "echotune.toml").read_text()
    pages = [p["path"] for p in tomllib.loads(text)["frontend"]["pages"]]
    assert pages[0] == "/" and "/login" in pages and "/settings" not in pages
    assert '# path = "/settings"' in text


SEQUELIZE_CONFIG = "module.exports = {\n" + "".join(
    f"  {env}: {{\n    username: process.env.{tag}_DB_USERNAME,\n"
    f"    password: process.env.{tag}_DB_PASSWORD,\n"
    f"    database: process.env.{tag}_DB_NAME,\n    port: process.env.{tag}_DB_PORT,\n  }},\n"
    for env, tag in (("development", "DEV"), ("test", "TEST"), ("production", "PROD"))) + "};\n"


def test_the_database_check_names_the_variables_node_env_picks(tmp_path):
    from echotune_ci.project.app import _of_node_env

    found = ["DEV_DB_NAME", "TEST_DB_NAME", "PROD_DB_NAME", "DATABASE_URL"]
    assert _of_node_env(found, "production") == ["PROD_DB_NAME", "DATABASE_URL"]
    assert _of_node_env(found, "staging") == found  # no variable names it
    assert _of_node_env(["PROD_DB_NAME", "DB_PORT"], "development") == ["PROD_DB_NAME", "DB_PORT"]
    # sequelize-cli's config/config.js, read without NODE_ENV: the development ones
    root = write(tmp_path, {**API, "config/config.js": SEQUELIZE_CONFIG, "package.json": json.dumps(
        {"name": "api", "scripts": {"start": "node index.js"},
         "dependencies": {"express": "^4.18.2", "pg": "^8.10.0", "sequelize": "^6.29.3"}})})
    init_project(root, ref=REF)
    text = " ".join((root / "echotune.toml").read_text().split())
    assert ("found through DEV_DB_PASSWORD, DEV_DB_NAME, DEV_DB_PORT (those NODE_ENV=development picks)"
            in text.replace("# ", ""))


@pytest.mark.parametrize("version, downloads", [("^1.56.1", False), ("1.38.0", False), ("1.37.1", True),
                                                ("^1.30.0", True)])
def test_playwright_downloads_its_browsers_while_installing_only_before_1_38(tmp_path, version, downloads):
    # the angular client's devDependencies name playwright ^1.56.1, whose package has no install script:
    # the check said it downloads browsers while installing
    from echotune_ci.project.nodenotes import downloader_notes

    root = write(tmp_path, {"package.json": json.dumps({"name": "shop", "devDependencies": {
        "playwright": version}})})
    notes = downloader_notes(node_packages(root))
    assert any(n.startswith("playwright downloads browsers") for n in notes) is downloads
