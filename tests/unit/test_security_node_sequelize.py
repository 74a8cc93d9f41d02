"""njsscan's node_nosqli_injection on a Sequelize app laid out as sequelize-cli makes it
(docs/real-projects.md, the fifteenth round: TonyMckes/conduit-realworld-example-app had 12 high findings,
one per findOne() of a controller). The rule itself leaves out a findOne() in a file that requires
sequelize; its controllers take their models from models/index.js, which does. A MongoDB driver,
Sequelize's string operators (operatorsAliases) or a Sequelize before 5 keep the findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from echotune_ci.phases.security.checks import node

MODELS = ('const Sequelize = require("sequelize");\nconst config = require("../config/config.js");\n'
          "const sequelize = new Sequelize(config.database, config.username, config.password, config);\n"
          "module.exports = { sequelize, Article: sequelize.define('Article', {}) };\n")
CONTROLLER = ('const { Article } = require("../models");\n'
              "const getArticle = async (req, res) => {\n"
              "  const article = await Article.findOne({ where: { slug: req.params.slug } });\n"
              "  res.json({ article });\n};\nmodule.exports = { getArticle };\n")
META = {"description": "Untrusted user input in findOne() function can result in NoSQL Injection.",
        "cwe": "cwe-943", "severity": "ERROR"}


def project(root: Path, sequelize: str = "^6.29.3", models: str = MODELS,
            controller: str = CONTROLLER) -> Path:
    (root / "models").mkdir(parents=True)
    (root / "controllers").mkdir()
    (root / "package.json").write_text(json.dumps({"name": "api", "dependencies": {"sequelize": sequelize}}))
    (root / "models" / "index.js").write_text(models)
    (root / "controllers" / "articles.js").write_text(controller)
    return root / "controllers" / "articles.js"


def results(path: Path) -> dict:
    match = {"file_path": str(path), "match_lines": [3, 3], "match_position": [25, 80],
             "match_string": "Article.findOne({ where: { slug: req.params.slug } })"}
    return {"node_nosqli_injection": {"files": [match], "metadata": META}}


def test_a_sequelize_models_findone_is_left_out(tmp_path):
    path = project(tmp_path)
    findings, left_out = node.to_findings(results(path), tmp_path)
    assert (findings, left_out) == ([], {"node_nosqli_injection": 1})


@pytest.mark.parametrize("change", [
    {"sequelize": "^4.44.4"},  # string operators ($gt) by default before 5
    {"models": MODELS.replace("config);", "{ ...config, operatorsAliases: { $gt: Op.gt } });")},
    {"models": 'const mongoose = require("mongoose");\n' + MODELS},
    {"models": "module.exports = { Article: db.collection('articles') };\n"},  # no Sequelize at all
    {"controller": CONTROLLER.replace('require("../models")', 'require("../db")')},  # a module not there
])
def test_other_findones_stay_findings(tmp_path, change):
    path = project(tmp_path, **change)
    findings, left_out = node.to_findings(results(path), tmp_path)
    assert [f.rule_id for f in findings] == ["node_nosqli_injection"] and left_out == {}
    assert findings[0].severity == "high"


@pytest.mark.parametrize("code, left_out", [
    ("if (token === null) {\n\t\treturn null;\n\t}", True),
    ("if (hash !== undefined) {", True),
    ("if (null == secret) {", True),
    ("if (context.locals.session === null) {", True),
    ("return password !== null;", True),
    ("if (hash === hashPrefix + hashSuffix) {", False),  # two values: the rule's own target
    ("if (token === req.query.token) {", False),
    ("if (token === null || token === given) {", False),
])
def test_a_timing_attack_match_on_a_test_for_null_is_left_out(code, left_out):
    assert node.against_null({"match_string": code}) is left_out
