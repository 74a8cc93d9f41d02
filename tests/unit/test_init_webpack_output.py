"""webpack's output folder as a Django template's client build states it (cookiecutter-django's webpack
option: ``webpack --config webpack/prod.config.js``, a config that merges ``./common.config``, whose
``output.path`` is a ``path.resolve(__dirname, '../site1/static/webpack_bundles/')`` spread over lines).
init took webpack's default dist, which the build never writes (fixtures of our own, same shapes)."""

from __future__ import annotations

import json
from pathlib import Path

from echotune_ci.project.init import app_setup
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

COMMON = ("const path = require('path');\n\nmodule.exports = {\n"
          "  context: path.join(__dirname, '../'),\n"
          "  // the output of babel goes to the loader below\n"
          "  output: {\n    path: path.resolve(\n      __dirname,\n"
          "      '../site1/static/webpack_bundles/',\n    ),\n    publicPath: '/static/webpack_bundles/',\n"
          "  },\n};\n")
PROD = ("const { merge } = require('webpack-merge');\nconst commonConfig = require('./common.config');\n\n"
        "module.exports = merge(commonConfig, { mode: 'production' });\n")


def client(root: Path, build: str, files: dict[str, str]) -> Path:
    package = json.dumps({"name": "site1", "scripts": {"build": build},
                          "devDependencies": {"webpack": "^5.82.0", "webpack-cli": "^6.0.1"}})
    return write(root, {"package.json": package, "server.js": "require('http').createServer().listen(3000)\n",
                        **files})


def bundle(root: Path) -> tuple[list[str], str]:
    app = app_setup(root)
    return app.bundle_globs, next(d.source for d in app.decisions if d.key == "bundle")


def test_the_output_of_a_config_named_by_the_build_and_merged_from_another_module(tmp_path):
    root = client(tmp_path, "webpack --config webpack/prod.config.js",
                  {"webpack/prod.config.js": PROD, "webpack/common.config.js": COMMON})
    # webpack/ + ../site1/static/webpack_bundles/ = site1/static/webpack_bundles
    assert bundle(root) == (["site1/static/webpack_bundles/**/*.js", "site1/static/webpack_bundles/**/*.css"],
                            "webpack/common.config.js (output.path)")


def test_the_config_flag_with_an_equals_sign_and_a_config_of_its_own_at_the_root(tmp_path):
    own = ("const path = require('path');\n"
           "module.exports = {output: {path: path.join(__dirname, 'public/js')}};\n")
    root = client(tmp_path, "webpack --mode production --config=build.webpack.js", {"build.webpack.js": own,
                  "webpack.config.js": "module.exports = {output: {path: '/tmp/elsewhere'}};\n"})
    assert bundle(root) == (["public/js/**/*.js", "public/js/**/*.css"], "build.webpack.js (output.path)")


def test_a_config_that_names_no_output_leaves_webpacks_dist(tmp_path):
    root = client(tmp_path, "webpack -c webpack/prod.config.js",
                  {"webpack/prod.config.js": PROD, "webpack/common.config.js": "module.exports = {};\n"})
    assert bundle(root) == (["dist/**/*.js", "dist/**/*.css"], "webpack/prod.config.js (default dist)")
