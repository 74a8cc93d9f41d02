"""init sets NODE_ENV=production where the webpack config makes the production bundle only under it and the
build script leaves it unset: `webpack --mode production` gives NODE_ENV to the bundled code, not to the
config file (ali28729/react-webpack-full-stack, built by hand with webpack-cli 4.6: `npm run build` wrote
main.bundle.js and a 1.2 MiB vendors.bundle.js with inline source maps; NODE_ENV=production npm run build
wrote main.bf332744fd16ff406c7e.js and a 223 KiB vendors.0b4560e026f37c6edc18.js, and the .br files)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from echotune_ci.project.init import app_setup
from echotune_ci.project.nodeapp import Package, webpack_production_test

from test_init_workspaces import machine  # noqa: F401 (machine: an autouse fixture)

# the project's webpack.config.js, its first 9 lines and the output it chooses by them
CONFIG = """const path = require("path");
const Dotenv = require("dotenv-webpack");
const BrotliPlugin = require("brotli-webpack-plugin");
const AssetsPlugin = require("assets-webpack-plugin");
const HtmlWebpackPlugin = require("html-webpack-plugin");
const { CleanWebpackPlugin } = require("clean-webpack-plugin");

const isProd = process.env.NODE_ENV === "production";
const outputDirectory = "dist";

module.exports = {
  devtool: isProd ? false : "inline-source-map",
  entry: ["babel-polyfill", "./src/client/index.js"],
  output: {
    path: path.join(__dirname, outputDirectory),
    filename: isProd ? "[name].[chunkhash].js" : "[name].bundle.js",
  },
};
"""
SERVER = """const express = require('express');
const app = express();
app.use(express.static('dist'));
app.get('/api/getUsername', (req, res) => res.send({ username: 'x' }));
app.listen(process.env.PORT || 8080);
"""


def project(root: Path, build: str, config: str = CONFIG) -> Path:
    data = {"name": "react-webpack-full-stack", "main": "src/server/index.js",
            "scripts": {"build": build, "start": "npm run build && node src/server/index.js"},
            "dependencies": {"express": "^4.17.1", "react": "^17.0.2"},
            "devDependencies": {"webpack": "^5.98.0", "webpack-cli": "^4.6.0"}}
    files = {"package.json": json.dumps(data), "package-lock.json": json.dumps({"lockfileVersion": 3}),
             "webpack.config.js": config, "src/server/index.js": SERVER}
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.mark.parametrize(("build", "expected"), [
    ("webpack --mode production", "webpack.config.js:8"),
    ("npx webpack --mode production", "webpack.config.js:8"),
    ("NODE_ENV=production webpack --mode production", ""),
    ("cross-env NODE_ENV=production webpack", ""),
    ("webpack --node-env production", ""),
    ("vite build", ""),
])
def test_where_the_config_waits_for_node_env(tmp_path: Path, build: str, expected: str) -> None:
    root = project(tmp_path, build)
    pkg = Package(".", root, json.loads((root / "package.json").read_text()))
    assert webpack_production_test(pkg) == expected


def test_a_config_that_does_not_read_node_env_is_left_alone(tmp_path: Path) -> None:
    config = CONFIG.replace('process.env.NODE_ENV === "production"', "true")
    root = project(tmp_path, "webpack --mode production", config)
    pkg = Package(".", root, json.loads((root / "package.json").read_text()))
    assert webpack_production_test(pkg) == ""


def test_init_builds_the_production_bundle_and_keeps_the_dev_dependencies(tmp_path: Path) -> None:
    app = app_setup(project(tmp_path, "webpack --mode production"))
    assert app.env["NODE_ENV"] == "production"
    assert app.env["npm_config_include"] == "dev"  # npm ci would leave webpack out under NODE_ENV=production
    assert app.build == "npm run build"
