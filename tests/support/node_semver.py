"""node-semver itself (the copy inside the machine's npm), for the test stand-ins.

The fake OSV API and the fake npm registry decide which advisories match a
version with the very function npm audit uses,
``semver.satisfies(version, range, {includePrerelease: true})``, not with
the Python code under test. One ``node`` process answers a whole list.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
from pathlib import Path

_SCRIPT = """
const semver = require(process.argv[1]);
let data = '';
process.stdin.on('data', c => data += c);
process.stdin.on('end', () => {
  const pairs = JSON.parse(data);
  process.stdout.write(JSON.stringify(pairs.map(([v, r]) => {
    try { return semver.satisfies(v, r, {includePrerelease: true}); } catch (e) { return false; }
  })));
});
"""


@functools.cache
def semver_module() -> str:
    """The folder of node-semver inside the installed npm."""
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed: the fake servers need its node-semver")
    folder = Path(os.path.realpath(npm)).parents[1] / "node_modules" / "semver"
    if not (folder / "package.json").is_file():
        raise RuntimeError(f"node-semver not found at {folder}")
    return str(folder)


def satisfies(pairs: list[tuple[str, str]]) -> list[bool]:
    """``semver.satisfies(version, range, {includePrerelease: true})`` for each (version, range)."""
    if not pairs:
        return []
    proc = subprocess.run(["node", "-e", _SCRIPT, semver_module()], input=json.dumps(pairs),
                          capture_output=True, text=True, timeout=60, check=True)
    return list(json.loads(proc.stdout))


def range_of_events(affected: dict) -> str:
    """A node-semver range equivalent to the SEMVER ranges of an OSV ``affected`` entry (used for records
    that lack the source's ``vulnerable_versions``)."""
    alternatives = []
    for rng in affected.get("ranges", []):
        lower = None
        for event in rng.get("events", []):  # written in ascending order by the converter
            if "introduced" in event:
                lower = ">=0.0.0-0" if event["introduced"] == "0" else f">={event['introduced']}"
            elif "fixed" in event and lower is not None:
                alternatives.append(f"{lower} <{event['fixed']}")
                lower = None
            elif "last_affected" in event and lower is not None:
                alternatives.append(f"{lower} <={event['last_affected']}")
                lower = None
        if lower is not None:
            alternatives.append(lower)
    for version in affected.get("versions", []):
        alternatives.append(str(version))
    return " || ".join(alternatives) or "<0.0.0-0"
