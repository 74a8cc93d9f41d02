"""Compare echotune_ci/data/lighthouse-<version>.json with the Lighthouse it names.

Installs ``lighthouse@<version in the file>`` with npm into a temporary folder
(no browser is downloaded; only the npm registry is contacted), or uses the
package folder given with --lighthouse-dir, then reads the same figures from
Lighthouse's own files:

- ``core/config/default-config.js``: the weights of the performance and
  accessibility categories (``auditRefs``), read by importing the module with
  Node;
- ``core/audits/metrics/<audit>.js``: each metric's ``defaultOptions`` scoring
  control points (p10, median) per form factor;
- ``core/audits/accessibility/<audit>.js``: which weighted audits are
  ``informative`` (their weight never counts);
- ``shared/statistics.js``: the constants of ``getLogNormalScore``;
- ``core/gather/gatherers/accessibility.js``: the ``runOnly`` tags and rule
  switches Lighthouse passes to ``axe.run``.

Prints every difference and exits 1 when there is one, 0 when the file
matches; 2 when Lighthouse cannot be installed or read (no Node or npm, say).
The recorded deviations of EchoTune's axe switches are listed, not counted.

    .venv/bin/python scripts/check_lighthouse_data.py [--lighthouse-dir DIR] [--lighthouse-version V]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from echotune_ci.data.lighthouse import DATA_FILE, LighthouseData, lighthouse  # noqa: E402

NPM_TIMEOUT = 600
NODE_TIMEOUT = 120

# Run by Node with the package folder and the metric audit ids as arguments; prints one JSON object.
# Each audit is imported on its own so that a missing or broken file is reported, not fatal.
_NODE_PROBE = r"""
import {readFileSync} from 'node:fs';
const [root, ...metricAudits] = process.argv.slice(1);
const load = async (rel) => (await import(`${root}/${rel}`)).default;
const out = {version: JSON.parse(readFileSync(`${root}/package.json`, 'utf8')).version, errors: []};
const config = await load('core/config/default-config.js');
const refs = (name) => config.categories[name].auditRefs.map(r => ({id: r.id, weight: r.weight}));
out.performance = refs('performance');
out.accessibility = refs('accessibility');
out.informative = [];
for (const ref of out.accessibility.filter(r => r.weight > 0)) {
  try {
    const audit = await load(`core/audits/accessibility/${ref.id}.js`);
    if (audit.meta.scoreDisplayMode === 'informative') out.informative.push(ref.id);
  } catch (e) { out.errors.push(`core/audits/accessibility/${ref.id}.js: ${e.message}`); }
}
out.curves = {};
for (const id of metricAudits) {
  try { out.curves[id] = (await load(`core/audits/metrics/${id}.js`)).defaultOptions; }
  catch (e) { out.errors.push(`core/audits/metrics/${id}.js: ${e.message}`); }
}
console.log(JSON.stringify(out));
"""


class CannotCheck(Exception):
    """Lighthouse cannot be installed or read here; the message says why."""


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, compare, print; the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lighthouse-dir", type=Path,
                        help="An installed lighthouse package folder (node_modules/lighthouse) to compare "
                             "with.")
    parser.add_argument("--lighthouse-version",
                        help="Install this version instead of the one the data file names (to see what "
                             "changed).")
    args = parser.parse_args(argv)
    ours = lighthouse()
    try:
        if args.lighthouse_dir is not None:
            return report(ours, read_lighthouse(args.lighthouse_dir.resolve(), ours))
        with tempfile.TemporaryDirectory(prefix="echotune-lighthouse-") as tmp:
            package = install(args.lighthouse_version or ours.version, Path(tmp))
            return report(ours, read_lighthouse(package, ours))
    except CannotCheck as exc:
        print(f"check_lighthouse_data: {exc}", file=sys.stderr)
        return 2


def install(version: str, folder: Path) -> Path:
    """``npm install lighthouse@<version>`` into *folder*; the package folder. CannotCheck on failure."""
    npm = shutil.which("npm")
    if npm is None:
        raise CannotCheck("npm is not on PATH (install Node.js and npm)")
    print(f"installing lighthouse@{version} with npm into {folder} ...", file=sys.stderr)
    env = dict(os.environ, PUPPETEER_SKIP_DOWNLOAD="1", npm_config_update_notifier="false")
    cmd = [npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund", "--ignore-scripts",
           "--loglevel=error", f"lighthouse@{version}"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=NPM_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise CannotCheck(f"npm install lighthouse@{version} took more than {NPM_TIMEOUT} s") from None
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise CannotCheck(f"npm install lighthouse@{version} failed: {last}")
    return folder / "node_modules" / "lighthouse"


def read_lighthouse(package: Path, ours: LighthouseData) -> dict[str, Any]:
    """The figures of the Lighthouse installed in *package*, shaped like :func:`_node_figures` plus
    ``statistics`` (name -> value) and ``axe_tags`` / ``axe_rules``."""
    if not (package / "package.json").is_file():
        raise CannotCheck(f"{package}: not a lighthouse package folder (no package.json)")
    figures = _node_figures(package, sorted(set(ours.metric_audits.values())))
    figures["statistics"] = _statistics(package / "shared" / "statistics.js")
    figures["axe_tags"], figures["axe_rules"] = _axe_options(package / "core" / "gather" / "gatherers" /
                                                             "accessibility.js")
    return figures


def _node_figures(package: Path, metric_audits: list[str]) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        raise CannotCheck("node is not on PATH (install Node.js)")
    try:
        proc = subprocess.run([node, "--input-type=module", "-e", _NODE_PROBE, str(package), *metric_audits],
                              capture_output=True, text=True, timeout=NODE_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise CannotCheck(f"reading {package} with node took more than {NODE_TIMEOUT} s") from None
    if proc.returncode != 0:
        raise CannotCheck(f"node could not read {package}: {proc.stderr.strip()[-2000:]}")
    figures: dict[str, Any] = json.loads(proc.stdout)
    return figures


def _statistics(path: Path) -> dict[str, float]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CannotCheck(f"{path}: {exc.strerror or exc}") from None
    return {name: float(value) for name, value in re.findall(r"const ([A-Z_]+) = ([0-9.eE+-]+);", text)}


def _axe_options(path: Path) -> tuple[list[str], dict[str, bool]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CannotCheck(f"{path}: {exc.strerror or exc}") from None
    run = text[text.find("axe.run("):]
    tags = re.search(r"runOnly:\s*\{\s*type:\s*'tag',\s*values:\s*\[([^\]]*)\]", run)
    rules = dict(re.findall(r"'([\w-]+)':\s*\{\s*enabled:\s*(true|false)\s*\}", run))
    tag_list = re.findall(r"'([^']+)'", tags.group(1)) if tags else []
    return tag_list, {k: v == "true" for k, v in rules.items()}


def compare(ours: LighthouseData, theirs: Mapping[str, Any]) -> list[str]:
    """Every difference between the data file and Lighthouse's figures, one line each."""
    diffs = [f"lighthouse: {e}" for e in theirs.get("errors", [])]
    if theirs["version"] != ours.version:
        diffs.append(f"version: the data file names {ours.version}, "
                     f"the installed Lighthouse is {theirs['version']}")
    diffs += _performance_weights(ours, theirs["performance"])
    diffs += _curves(ours, theirs["curves"])
    diffs += _mapping_diffs("performance.statistics", dict(ours.statistics),
                            {k: v for k, v in theirs["statistics"].items() if k in ours.statistics})
    scored = {r["id"]: r["weight"] for r in theirs["accessibility"]
              if r["weight"] > 0 and r["id"] not in theirs["informative"]}
    diffs += _mapping_diffs("accessibility.weights", dict(ours.accessibility_weights), scored)
    if list(ours.axe_tags) != list(theirs["axe_tags"]):
        diffs.append(f"accessibility.axe.tags: ours {list(ours.axe_tags)}, lighthouse {theirs['axe_tags']}")
    diffs += _mapping_diffs("accessibility.axe.rules", dict(ours.axe_rules), theirs["axe_rules"])
    return diffs


def _performance_weights(ours: LighthouseData, refs: list[dict[str, Any]]) -> list[str]:
    audit_of = dict(ours.metric_audits)
    metric_of = {audit: metric for metric, audit in audit_of.items()}
    weighted = [(r["id"], r["weight"]) for r in refs if r["weight"] > 0]
    theirs = {metric_of.get(audit, f"(audit {audit})"): weight for audit, weight in weighted}
    diffs = _mapping_diffs("performance.weights", dict(ours.performance_weights), theirs)
    if not diffs and list(ours.performance_weights) != list(theirs):
        # The weighted mean is summed in this order; another order can change the last digit.
        diffs.append(f"performance.weights: order ours {list(ours.performance_weights)}, "
                     f"lighthouse {list(theirs)}")
    return diffs


def _curves(ours: LighthouseData, options: Mapping[str, Any]) -> list[str]:
    diffs = []
    for metric, audit in ours.metric_audits.items():
        if audit not in options:
            continue  # reported by the probe as an error
        for form_factor, curves in ours.control_points.items():
            points = curves.get(metric)
            if points is None:
                diffs.append(f"performance.curves.{form_factor}.{metric}: absent in ours")
                continue
            opts = options[audit] or {}
            scoring = (opts.get(form_factor) or {}).get("scoring") or (opts if "p10" in opts else None)
            if scoring is None:
                diffs.append(f"performance.curves.{form_factor}.{metric}: {audit} has no scoring options")
                continue
            theirs = (float(scoring["p10"]), float(scoring["median"]))
            if tuple(points) != theirs:
                where = f"performance.curves.{form_factor}.{metric} (p10, median)"
                diffs.append(f"{where}: ours {tuple(points)}, lighthouse {theirs} ({audit})")
    return diffs


def _mapping_diffs(table: str, ours: Mapping[str, Any], theirs: Mapping[str, Any]) -> list[str]:
    diffs = []
    for key in sorted(set(ours) | set(theirs)):
        if key not in theirs:
            diffs.append(f"{table}: {key} = {ours[key]!r} in ours, absent in lighthouse")
        elif key not in ours:
            diffs.append(f"{table}: {key} = {theirs[key]!r} in lighthouse, absent in ours")
        elif ours[key] != theirs[key]:
            diffs.append(f"{table}: {key}: ours {ours[key]!r}, lighthouse {theirs[key]!r}")
    return diffs


def report(ours: LighthouseData, theirs: Mapping[str, Any]) -> int:
    """Print the comparison of the data file with *theirs*; 1 with differences, else 0."""
    print(f"echotune_ci/data/{DATA_FILE} (Lighthouse {ours.version}) against the installed "
          f"Lighthouse {theirs['version']}:")
    deviations = ", ".join(f"{rule} {'off' if on is False else 'on' if on else 'unset'}"
                           for rule, on in ours.axe_deviations.items())
    if deviations:
        print(f"  note: EchoTune's own axe switches (deviations.axe_rules, not compared): {deviations}")
    diffs = compare(ours, theirs)
    for line in diffs:
        print(f"  {line}")
    if diffs:
        print(f"{len(diffs)} difference{'s' if len(diffs) != 1 else ''}")
        return 1
    print("no differences")
    return 0


if __name__ == "__main__":
    sys.exit(main())
