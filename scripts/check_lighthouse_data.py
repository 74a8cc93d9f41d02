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
  switches Lighthouse passes to ``axe.run``;
- ``core/gather/gatherers/accessibility.js``: also ``resultTypes``, and the
  version of the ``axe-core`` package that Lighthouse resolves (the engine it
  injects, ``core/lib/axe.js``).

Prints every difference and exits 1 when there is one, 0 when the file
matches; 2 when Lighthouse cannot be installed or read (no Node or npm, say).
The recorded deviations of EchoTune's axe switches are listed, not counted.

With ``--write`` it writes ``echotune_ci/data/lighthouse-<installed version>.json``
from those figures instead (no deviations: EchoTune then applies exactly
Lighthouse's switches), deletes the file it replaces, prints what changed and
exits 0. Moving to the next Lighthouse release is that one command, followed by
the tests (whose recorded Lighthouse scores must be re-recorded with the new
release, see docs/frontend.md):

    .venv/bin/python scripts/check_lighthouse_data.py [--lighthouse-dir DIR] [--lighthouse-version V]
    .venv/bin/python scripts/check_lighthouse_data.py --lighthouse-version 13.6.0 --write
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

from echotune_ci.data.lighthouse import (  # noqa: E402
    DATA_FILE,
    FORM_FACTORS,
    STATISTICS,
    LighthouseData,
    lighthouse,
)

DATA_DIR = ROOT / "echotune_ci" / "data"
NPM_TIMEOUT = 600
NO_DEVIATIONS = ("Axe rule switches where EchoTune departs from Lighthouse's table above (false: "
                 "switched off; null: no switch, left to the tag selection). None: the phase runs exactly "
                 "Lighthouse's switches. scripts/check_lighthouse_data.py --write leaves this empty; add an "
                 "entry by hand only with the reason here.")
NODE_TIMEOUT = 120

# Run by Node with the package folder and the metric audit ids as arguments; prints one JSON object.
# Each audit is imported on its own so that a missing or broken file is reported, not fatal.
_NODE_PROBE = r"""
import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
const [root, ...metricAudits] = process.argv.slice(1);
const load = async (rel) => (await import(`${root}/${rel}`)).default;
const out = {version: JSON.parse(readFileSync(`${root}/package.json`, 'utf8')).version, errors: []};
try {
  // The axe-core core/lib/axe.js injects: resolved from Lighthouse's own folder, as it does.
  const axePackage = createRequire(`${root}/package.json`).resolve('axe-core/package.json');
  out.axe_core = JSON.parse(readFileSync(axePackage, 'utf8')).version;
} catch (e) { out.errors.push(`axe-core: ${e.message}`); }
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
    """Parse the command line, compare (or write), print; the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lighthouse-dir", type=Path,
                        help="An installed lighthouse package folder (node_modules/lighthouse) to compare "
                             "with.")
    parser.add_argument("--lighthouse-version",
                        help="Install this version instead of the one the data file names (to see what "
                             "changed, or with --write to move to it).")
    parser.add_argument("--write", action="store_true",
                        help="Write echotune_ci/data/lighthouse-<version>.json from that Lighthouse and "
                             "delete the file it replaces, instead of comparing.")
    args = parser.parse_args(argv)
    ours = lighthouse()
    try:
        if args.lighthouse_dir is not None:
            return act(ours, read_lighthouse(args.lighthouse_dir.resolve(), ours), args.write)
        with tempfile.TemporaryDirectory(prefix="echotune-lighthouse-") as tmp:
            package = install(args.lighthouse_version or ours.version, Path(tmp))
            return act(ours, read_lighthouse(package, ours), args.write)
    except CannotCheck as exc:
        print(f"check_lighthouse_data: {exc}", file=sys.stderr)
        return 2


def act(ours: LighthouseData, theirs: Mapping[str, Any], write: bool) -> int:
    """Write the data file from *theirs* (and list what changed) or compare with it: the exit code."""
    if not write:
        return report(ours, theirs)
    if theirs.get("errors"):
        raise CannotCheck("not writing a data file from an incompletely read Lighthouse: "
                          + "; ".join(theirs["errors"]))
    path = write_data(build_data(ours, theirs))
    changes = compare(ours, theirs)
    changes += [f"deviations.axe_rules: {rule} = {on!r} dropped (Lighthouse's switch applies)"
                for rule, on in ours.axe_deviations.items()]
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    print(f"wrote {shown}; changes against {DATA_FILE}:")
    for line in changes:
        print(f"  {line}")
    print(f"{len(changes)} change{'s' if len(changes) != 1 else ''}")
    return 0


def build_data(ours: LighthouseData, theirs: Mapping[str, Any]) -> dict[str, Any]:
    """The content of ``lighthouse-<version>.json`` for the Lighthouse *theirs* describes.

    Table layout, ``about`` text, ``where`` texts and our metric -> audit map come
    from the current file (*ours*' file); every figure comes from *theirs*.
    CannotCheck when a figure the phase needs is missing there.
    """
    current = json.loads((DATA_DIR / DATA_FILE).read_text(encoding="utf-8"))
    audit_of = dict(ours.metric_audits)
    metric_of = {audit: metric for metric, audit in audit_of.items()}
    weights = {metric_of[r["id"]]: r["weight"] for r in theirs["performance"]
               if r["weight"] > 0 and r["id"] in metric_of}
    unknown = [r["id"] for r in theirs["performance"] if r["weight"] > 0 and r["id"] not in metric_of]
    if unknown:
        raise CannotCheck(f"performance audits with a weight EchoTune does not measure: {', '.join(unknown)}")
    curves: dict[str, dict[str, dict[str, float]]] = {ff: {} for ff in FORM_FACTORS}
    for metric, audit in audit_of.items():
        options = theirs["curves"].get(audit) or {}
        for ff in FORM_FACTORS:
            scoring = (options.get(ff) or {}).get("scoring") or (options if "p10" in options else None)
            if scoring is None:
                raise CannotCheck(f"{audit}: no scoring options for {ff}")
            curves[ff][metric] = {"p10": scoring["p10"], "median": scoring["median"]}
    missing = [name for name in STATISTICS if name not in theirs["statistics"]]
    if missing:
        raise CannotCheck(f"shared/statistics.js: no {', '.join(missing)}")
    perf, a11y = current["performance"], current["accessibility"]
    perf["weights"]["table"] = weights
    perf["curves"]["table"] = curves
    perf["statistics"]["table"] = {name: theirs["statistics"][name] for name in STATISTICS}
    a11y["weights"]["table"] = dict(sorted((r["id"], r["weight"]) for r in theirs["accessibility"]
                                           if r["weight"] > 0 and r["id"] not in theirs["informative"]))
    a11y["axe"].update(tags=list(theirs["axe_tags"]), rules=dict(theirs["axe_rules"]),
                       result_types=list(theirs["axe_result_types"]), axe_core=theirs["axe_core"])
    current["lighthouse"] = theirs["version"]
    current["deviations"] = {"axe_rules": {"why": NO_DEVIATIONS, "rules": {}}}
    return dict(current)


def write_data(data: Mapping[str, Any]) -> Path:
    """Write *data* as ``lighthouse-<version>.json`` beside the loader and delete any other version's file."""
    path = DATA_DIR / f"lighthouse-{data['lighthouse']}.json"
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    for old in DATA_DIR.glob("lighthouse-*.json"):
        if old != path:
            old.unlink()
    return path


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
        raise CannotCheck(f"npm install lighthouse@{version} failed: {npm_reason(proc.stderr)}")
    return folder / "node_modules" / "lighthouse"


# npm's error lines that say where or which code, not why: its last line is always the log's path, so
# `--lighthouse-version 13.6.0` (no such release) said only "A complete log of this run can be found in".
_NPM_NOT_A_REASON = re.compile(r"npm (?:error|ERR!) (?:code |syscall |errno |A complete log |Log files)")


def npm_reason(stderr: str) -> str:
    """The line of npm's *stderr* that says why it failed ("npm error notarget No matching version found
    for lighthouse@13.6.0."), else its last line."""
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    reasons = [line for line in lines if line.startswith("npm ") and not _NPM_NOT_A_REASON.match(line)]
    return (reasons or lines or ["(no output)"])[0 if reasons else -1]


def read_lighthouse(package: Path, ours: LighthouseData) -> dict[str, Any]:
    """The figures of the Lighthouse installed in *package*, shaped like :func:`_node_figures` plus
    ``statistics`` (name -> value) and ``axe_tags`` / ``axe_rules``."""
    if not (package / "package.json").is_file():
        raise CannotCheck(f"{package}: not a lighthouse package folder (no package.json)")
    figures = _node_figures(package, sorted(set(ours.metric_audits.values())))
    figures["statistics"] = _statistics(package / "shared" / "statistics.js")
    gatherer = package / "core" / "gather" / "gatherers" / "accessibility.js"
    figures["axe_tags"], figures["axe_rules"], figures["axe_result_types"] = _axe_options(gatherer)
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


def _axe_options(path: Path) -> tuple[list[str], dict[str, bool], list[str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CannotCheck(f"{path}: {exc.strerror or exc}") from None
    start = text.find("axe.run(")
    if start < 0:
        raise CannotCheck(f"{path}: no axe.run( call (the gatherer changed shape; read it by hand)")
    run = text[start:]
    tags = re.search(r"runOnly:\s*\{\s*type:\s*'tag',\s*values:\s*\[([^\]]*)\]", run)
    kinds = re.search(r"resultTypes:\s*\[([^\]]*)\]", run)
    rules = dict(re.findall(r"'([\w-]+)':\s*\{\s*enabled:\s*(true|false)\s*\}", run))
    tag_list = re.findall(r"'([^']+)'", tags.group(1)) if tags else []
    kind_list = re.findall(r"'([^']+)'", kinds.group(1)) if kinds else []
    return tag_list, {k: v == "true" for k, v in rules.items()}, kind_list


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
    if list(ours.axe_result_types) != list(theirs["axe_result_types"]):
        diffs.append(f"accessibility.axe.result_types: ours {list(ours.axe_result_types)}, "
                     f"lighthouse {theirs['axe_result_types']}")
    if ours.axe_core != theirs.get("axe_core"):
        diffs.append(f"accessibility.axe.axe_core: ours {ours.axe_core}, lighthouse {theirs.get('axe_core')}")
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
