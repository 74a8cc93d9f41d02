"""The ``node`` check: njsscan (semgrep rules for Node.js) on the repository's server-side JS/TS.

Which files: the JS/TS files under ``[security.node] paths`` (default: the
repository) minus ``exclude``, and of those only server code (see
:func:`classify`): built bundles, dependencies and browser code are never
handed to njsscan. njsscan runs in a child process of the toolkit's own
Python, bounded by ``timeout``, with the ``semgrep`` program installed beside
that Python first on PATH (run by its native CLI: :func:`native_semgrep`) and
semgrep's metrics and version check off.
njsscan's ``// njsscan-ignore: rule_id`` comments and a ``.njsscan`` file at
the repository root are honoured; njsscan's own substring path filters
(which drop any path containing ``example`` or ``fixtures``) are not: this
module chooses the files.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from ....errors import RunError
from ....serve.process import process_group
from ....results import Finding, Location, Metric
from ..files import collect_files, relative_to_root
from .base import CheckError, CheckOutput, SecurityCheck, first_named, require_paths, skipped_files

if TYPE_CHECKING:  # pragma: no cover
    from ...base import PhaseContext
    from ..settings import NodeSettings, SecuritySettings

INSTALL_HINT = "njsscan is not installed: pip install 'echotune-ci[security]'"

# The suffixes semgrep's javascript rules (all of njsscan's) take from a file
# named on its command line; .mts/.cts are not among them.
SUFFIXES = (".js", ".cjs", ".mjs", ".jsx", ".ts", ".tsx")

# njsscan's three levels. ERROR is what njsscan itself fails a build on, so
# it meets the default gate (high), as bandit's HIGH does.
SEVERITY = {"ERROR": "high", "WARNING": "medium", "INFO": "low"}

# Importing one of these makes a file server code, wherever it lives.
SERVER_MODULES = frozenset({
    # web frameworks and their middleware
    "express", "fastify", "koa", "@koa/router", "koa-router", "hapi", "@hapi/hapi", "restify",
    "@nestjs/core", "@nestjs/common", "body-parser", "cookie-parser", "express-session", "helmet",
    "passport", "multer", "socket.io", "ws", "react-dom/server",
    # Node built-ins that do not exist in a browser
    "http", "https", "http2", "net", "tls", "dgram", "dns", "child_process", "cluster", "fs",
    "fs/promises", "os", "vm", "worker_threads", "crypto", "zlib", "readline", "v8",
    # databases, caches and tokens
    "pg", "mysql", "mysql2", "mssql", "oracledb", "sqlite3", "better-sqlite3", "mongodb", "mongoose",
    "sequelize", "knex", "typeorm", "@prisma/client", "redis", "ioredis", "jsonwebtoken", "jose", "bcrypt",
})
# Importing one of these (and no server module) makes a file browser code. A browser framework's store or
# router counts too: Vue 3's `import { createStore } from 'vuex'` is a store file's only import.
CLIENT_MODULES = frozenset({
    "react", "react-dom", "react-dom/client", "vue", "svelte", "preact", "solid-js", "lit", "@angular/core",
    "jquery", "vuex", "pinia", "vue-router", "react-router-dom", "react-redux", "@reduxjs/toolkit",
})
_IMPORT = re.compile(
    r"""(?:\brequire\s*\(\s*|\bimport\s*\(\s*|\bfrom\s+|^\s*import\s+)(["'])([^"'\n]+)\1""", re.M)
_SOURCE_MAP = "sourceMappingURL="
_MAX_BYTES = 2_000_000

# Rules whose matched line holds a literal credential: the literal is masked
# in the finding's context, which is written to the result file.
_SECRET_RULES = frozenset({"hardcoded_jwt_secret", "jwt_express_hardcoded", "hardcoded_passport_secret",
                           "node_password", "node_api_key", "node_secret", "node_username"})
_QUOTED = re.compile(r"""(["'`])([^"'`\n]{4,})\1""")
_URL = re.compile(r"https?://[^\s)>\]]+")
_CWE = re.compile(r"cwe-(\d+)", re.I)
# express_xss matches res.send() of anything that holds request data, an object too; Express sends an
# object or array as JSON (application/json, res.json()), which a browser does not render: semgrep-rules
# issue #3381 ("should not trigger on non-rendered response types, like JSON"). Unless the code sets an
# HTML type itself, which res.send() then keeps.
_SEND_ARGUMENT = re.compile(r"\.send\(\s*(.)", re.S)
_HTML_TYPE = re.compile(r"""text/html|\.type\(\s*['"]html['"]""")


def module_name(spec: str) -> str:
    """The package an import specifier names (``@scope/pkg``, ``pkg``, ``fs/promises``); "" if relative."""
    if spec.startswith((".", "/")):
        return ""
    if spec.startswith("node:"):
        return spec
    parts = spec.split("/")
    if spec.startswith("@"):
        return "/".join(parts[:2])
    return spec if spec in SERVER_MODULES or spec in CLIENT_MODULES else parts[0]


def imports(text: str) -> set[str]:
    """The modules *text* requires or imports (statically, dynamically, re-exported)."""
    return {name for m in _IMPORT.finditer(text) if (name := module_name(m.group(2)))}


def is_generated(text: str) -> bool:
    """Build output wherever it lives: a source-map comment, webpack's runtime, or minified lines."""
    if _SOURCE_MAP in text[-1000:] or "__webpack_require__" in text:
        return True
    lines = text.count("\n") + 1
    return len(text) > 5000 and len(text) / lines > 300


# One token of a module that declares literal data only (see :func:`is_literal_data`): blanks, comments,
# quoted strings, words, numbers and the punctuation of declarations, arrays, objects and type annotations;
# the one parenthesis allowed opens a Set, a Map or Object.freeze of such data (the demo's `allowed`).
# No '.' but a spread's '...': a member access reaches a function ('{ Object: { freeze:
# process.getBuiltinModule } }', then 't.Object.freeze(...)' ran child_process's execSync), and so does
# a '[' after a value (see is_literal_data).
_DATA_TOKEN = re.compile(r"""\s+|//[^\n]*|/\*.*?\*/|(?P<str>'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*")
                             |(?:new\s+(?:Set|Map)|Object\.freeze)\s*\(|(?P<close>\))|\.\.\.|\[\s*\]
                             |(?P<word>[A-Za-z_$][\w$]*)|(?P<num>\d\w*(?:\.\d\w*)?)|[\[\]{},:;=<>|?+-]""",
                         re.S | re.X)
# Words that run code or bring it in: none of them is in a module of literal data. Object, Set, Map and freeze
# alone would rebind the calls the tokens allow ('const Object = { freeze: fetch }'); toString, valueOf and
# toJSON are called by '+' and JSON.stringify; 'export * from' runs another module.
_CODE_WORDS = frozenset({"function", "class", "new", "import", "require", "await", "yield", "async", "get",
                         "set", "eval", "this", "typeof", "delete", "void", "in", "instanceof", "static",
                         "Object", "Set", "Map", "freeze", "toString", "valueOf", "toJSON", "from"})


def is_literal_data(text: str) -> bool:
    """Whether *text* only declares literal data (SvelteKit's demo ``words.server.ts``: ``export const
    words = ['aback', ...]`` and ``allowed = new Set([...])``, 12,974 strings): declarations of strings,
    numbers, arrays and objects (in a Set, a Map or Object.freeze), type annotations; no other call, no
    function, template literal, arrow, member access or import."""
    pos, words, after_value = 0, 0, False
    while pos < len(text):
        m = _DATA_TOKEN.match(text, pos)
        if m is None:
            return False
        token, word = m.group(), m.group("word")
        if word is not None:
            if word in _CODE_WORDS:
                return False
            words += 1
        elif token == ">" and text[pos - 1:pos] == "=":
            return False  # =>: an arrow function
        elif token == "[" and after_value:
            # x['y'] reads a member as x.y does (globalThis['Object']['freeze'] = ... rebinds the call):
            # '[' opens an array or a computed key only after punctuation; 'string[]' is its own token.
            return False
        if not token.isspace() and not token.startswith(("//", "/*")):
            after_value = bool(word or m.group("str") or m.group("num") or m.group("close") or token == "]")
        pos = m.end()
    return words > 0


def classify(rel: str, text: str, server_dirs: Iterable[str]) -> str:
    """What a JS/TS file is: "server", "client", "generated" or "other" (only "server" is scanned).

    In order: generated code is never scanned; a file that imports a server
    module (express, fastify, koa, http, child_process, fs, a database
    driver, jsonwebtoken, react-dom/server, any ``node:`` built-in, ...) is
    server code; one that imports a browser framework (react, vue, svelte,
    ...) or is .jsx / .tsx is client code; one in a *server_dirs* folder
    (server/, api/, routes/, backend/, lib/, ...) is server code; anything
    else is not.
    """
    if is_generated(text):
        return "generated"
    modules = imports(text)
    if any(m in SERVER_MODULES or m.startswith("node:") for m in modules):
        return "server"
    if modules & CLIENT_MODULES or rel.endswith((".jsx", ".tsx")):
        return "client"
    folders = set(PurePosixPath(rel).parts[:-1])
    return "server" if folders & set(server_dirs) else "other"


@dataclass
class Selection:
    """The JS/TS files found, by what :func:`classify` made of them (absolute paths)."""

    server: list[Path] = field(default_factory=list)
    skipped: dict[str, list[Path]] = field(default_factory=dict)


def select_files(root: Path, targets: Sequence[Path], opts: NodeSettings) -> Selection:
    """The server-side JS/TS under *targets* (default: *root*), minus ``opts.exclude``.

    Inside a folder target the exclusions match the path below that folder
    (naming ``tests/fixtures/app`` asks for it, its ``node_modules`` stay
    out); a file target is matched by its repo-relative path. Raises
    InputError for a target that does not exist.
    """
    found: dict[Path, str] = {}
    for target in targets or [root]:
        base = target if target.is_dir() else root
        for path in collect_files(base, [target], opts.exclude, suffixes=SUFFIXES):
            found.setdefault(path, _classified_path(path, root, base))
    selection = Selection()
    for path, rel in sorted(found.items()):
        try:
            if path.stat().st_size > _MAX_BYTES:
                selection.skipped.setdefault("generated", []).append(path)
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        kind = classify(rel, text, opts.server_dirs)
        if kind == "server":
            selection.server.append(path)
        else:
            selection.skipped.setdefault(kind, []).append(path)
    return selection


def _classified_path(path: Path, root: Path, base: Path) -> str:
    """The path :func:`classify` reads: repo-relative, else relative to the named folder's parent."""
    for start in (root, base.parent):
        try:
            return path.resolve().relative_to(start.resolve()).as_posix()
        except ValueError:
            continue
    return path.name


def _tool_env(work: Path) -> dict[str, str]:
    """The child's environment: :func:`native_semgrep`'s wrapper, then semgrep beside this Python,
    first on PATH; none of the user's ``SEMGREP_*`` variables; no metrics, no home writes."""
    # The user's SEMGREP_* settings (SEMGREP_TIMEOUT, SEMGREP_BASELINE_COMMIT, a SEMGREP_APP_TOKEN)
    # would change or break the scan, and the two semgrep CLIs read different sets of them.
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEMGREP_")}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    real = shutil.which("semgrep", path=env["PATH"])
    if real:
        env["PATH"] = os.pathsep.join([str(native_semgrep(work / "bin", Path(real))), env["PATH"]])
    # the child imports this module from where this process found it
    package_parent = str(Path(__file__).resolve().parents[4])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH", "")) if p)
    env[TARGETS_VAR] = str(work / "targets.jsonl")
    env.update(SEMGREP_SEND_METRICS="off", SEMGREP_ENABLE_VERSION_CHECK="0",
               SEMGREP_SETTINGS_FILE=str(work / "semgrep-settings.yml"),
               SEMGREP_LOG_FILE=str(work / "semgrep.log"),
               SEMGREP_VERSION_CACHE_PATH=str(work / "semgrep-version"))
    return env


# What makes semgrep 1.172.0's `scan` run in its native CLI (osemgrep).
NATIVE_SCAN = ("--experimental",)
# The file the wrapper appends each scan's named files to (a JSON list a line): what reached semgrep.
TARGETS_VAR = "ECHOTUNE_SEMGREP_TARGETS"

# osemgrep leaves out files named like these even when they are named on its command line (its Python
# CLI scans them); --scan-unknown-extensions brings them back, at three times the time of a scan
# (75 Juice Shop files: 7.2 -> 24.8 s), so only a scan that names one gets it.
_LEFT_OUT = (".d.ts", ".min.js")


def native_semgrep(folder: Path, real: Path) -> Path:
    """Write *folder*/semgrep, which runs :func:`semgrep_main` with *real*; returns *folder*.

    libsast (njsscan's engine) runs ``semgrep scan ... --config <njsscan's rules> -- <files>``
    from PATH. semgrep 1.172.0 (the version njsscan 1.0.2 pins) hands ``scan`` back to its Python
    CLI, which spends about 8 s loading and validating njsscan's 70 rule files before every scan;
    its native CLI (osemgrep, the same semgrep-core engine) loads them in well under a second.
    ``echotune-ci security --only node`` on 2 cores: OWASP NodeGoat 14.2 → 2.7 s, OWASP Juice
    Shop 42 → 23–35 s, one file (:func:`run_njsscan`) 10.3 → 1.5–3 s, with the same findings, skipped
    files and errors there and on the tests' fixtures.
    """
    folder.mkdir(parents=True, exist_ok=True)
    wrapper = folder / "semgrep"
    code = "from echotune_ci.phases.security.checks.node import semgrep_main; semgrep_main()"
    command = " ".join(shlex.quote(word) for word in (sys.executable, "-c", code, str(real)))
    wrapper.write_text(f'#!/bin/sh\nexec {command} "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    return folder


def semgrep_main() -> None:
    """The wrapper's process: ``sys.argv[1]`` is the real semgrep, the rest its arguments.

    ``scan`` gets :data:`NATIVE_SCAN`; the ``.d.ts`` and ``.min.js`` files it names, which osemgrep
    would leave out, are scanned in a second run with ``--scan-unknown-extensions`` (on the others
    that flag also changes how a .js file with JSX parses), and the two reports are merged. The
    report is written again in ASCII (:func:`ascii_report`). A run that gives no JSON report (semgrep
    killed, or crashed) is a failed run (:func:`failed_report`), and the other run's report still counts.
    Any other command runs unchanged. semgrep's exit status (the larger of two; 128 + N when killed by
    signal N) is the wrapper's.
    """
    real, args = sys.argv[1], sys.argv[2:]
    if args[:1] != ["scan"]:
        os.execv(real, [real, *args])
    cut = args.index("--") + 1 if "--" in args else len(args)
    options, targets = args[1:cut], args[cut:]
    record = os.environ.get(TARGETS_VAR)
    if record:
        with open(record, "a", encoding="ascii") as f:
            f.write(json.dumps(targets) + "\n")
    named = [t for t in targets if not t.endswith(_LEFT_OUT)]
    left_out = [t for t in targets if t.endswith(_LEFT_OUT)]
    runs: list[tuple[tuple[str, ...], list[str]]] = [(NATIVE_SCAN, named)] if named or not left_out else []
    if left_out:
        runs.append(((*NATIVE_SCAN, "--scan-unknown-extensions"), left_out))
    outputs: list[bytes] = []
    status = 0
    for flags, files in runs:
        done = subprocess.run([real, "scan", *flags, *options, *files], stdout=subprocess.PIPE, check=False)
        report = done.stdout if _is_report(done.stdout) else failed_report(done.returncode, done.stdout)
        outputs.append(report)
        status = max(status, done.returncode if done.returncode >= 0 else 128 - done.returncode)
    sys.stdout.buffer.write(ascii_report(*outputs, targets=targets))
    sys.stdout.flush()
    raise SystemExit(status)


def _is_report(raw: bytes) -> bool:
    try:
        return isinstance(json.loads(raw.decode("utf-8", "surrogateescape")), dict)
    except ValueError:
        return False


def failed_report(returncode: int, raw: bytes) -> bytes:
    """A semgrep JSON report (bytes) for a run that gave none: one error at level "error" saying how semgrep
    ended (killed by a signal, as the kernel's out-of-memory killer does, or its exit code) and the first
    line it printed, and nothing scanned. libsast reads an empty output as a scan that found nothing, and
    njsscan then counted every file as scanned."""
    how = f"was killed by signal {-returncode}" if returncode < 0 else f"exited with code {returncode}"
    first = raw.decode("utf-8", "replace").strip().splitlines()[:1]
    message = f"semgrep {how} without a report" + (f": {first[0][:200]}" if first else "")
    error = {"level": "error", "type": "SemgrepFailed", "message": message}
    return json.dumps({"results": [], "errors": [error], "paths": {"scanned": []}}).encode("ascii")


# semgrep's default --max-target-bytes (DEFAULT_MAX_TARGET_SIZE in semgrep/constants.py, 1.172.0, shared with
# osemgrep's Find_targets.ml): larger files are left out of a scan without an error, even when named on the
# command line.
SEMGREP_MAX_TARGET_BYTES = 1_000_000


def ascii_report(*raw: bytes, targets: Sequence[str] = ()) -> bytes:
    """semgrep's JSON report(s) as one ASCII JSON report; anything that is not JSON comes back as it is.

    osemgrep writes a file's bytes that are not UTF-8 (a UTF-16 or Latin-1 file, a file name) into
    its report as they are, where the Python CLI escaped them, and libsast reads the report as
    strict text: one such file lost every finding of the scan. Here they are kept as Python keeps
    such bytes of a file name (``surrogateescape``, written ``\\udcXX``), so libsast still finds the
    file (its ``njsscan-ignore`` comments count). Several reports merge their ``results``,
    ``errors`` and ``paths`` lists.

    Each of *targets* (the files the scan named) that a report listing its scanned paths neither
    scanned nor gave an error for gets an error saying why (:func:`left_out`):
    semgrep leaves out a file over its size limit without a word, both CLIs alike, and njsscan
    passed that on as a file scanned with nothing found.
    """
    reports = []
    for one in raw:
        try:
            reports.append(json.loads(one.decode("utf-8", "surrogateescape")))
        except ValueError:
            return one
    if not reports:
        return b""
    merged = reports[0]
    for other in reports[1:]:
        for key in ("results", "errors"):
            merged[key] = [*(merged.get(key) or []), *(other.get(key) or [])]
        paths = merged.setdefault("paths", {})
        for key, value in (other.get("paths") or {}).items():
            if isinstance(value, list):
                paths[key] = [*(paths.get(key) or []), *value]
    if isinstance(merged, dict) and isinstance((merged.get("paths") or {}).get("scanned"), list):
        merged["errors"] = [*(merged.get("errors") or []), *left_out(targets, merged)]
    return json.dumps(merged).encode("ascii")


def left_out(targets: Sequence[str], report: dict[str, Any]) -> list[dict[str, str]]:
    """semgrep errors (``{"type": "Too large" or "Left out", "level": "warn", "path", "message"}``) for
    each of *targets* that *report* neither lists in ``paths.scanned`` nor names in an error; paths compare as
    absolute paths from the current folder, where semgrep ran."""
    seen = {_path_key(p) for p in report["paths"]["scanned"]}
    seen |= {_path_key(e["path"]) for e in report.get("errors") or []
             if isinstance(e, dict) and e.get("path")}
    out = []
    for target in dict.fromkeys(targets):
        if _path_key(target) in seen:
            continue
        try:
            size = os.path.getsize(target)
        except OSError:
            size = 0
        if size > SEMGREP_MAX_TARGET_BYTES:
            kind, why = "Too large", f"{size:,} bytes, over semgrep's limit of {SEMGREP_MAX_TARGET_BYTES:,}"
        else:
            kind, why = "Left out", "semgrep did not scan it"
        out.append({"type": kind, "level": "warn", "path": target, "message": why})
    return out


def shown(text: str) -> str:
    """*text* (a path) with the bytes a file name had that are not UTF-8 shown as U+FFFD."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def tool_versions() -> dict[str, str]:
    """njsscan's and semgrep's versions; RunError (the install hint) when either is missing."""
    from importlib.metadata import PackageNotFoundError, version

    if importlib.util.find_spec("njsscan") is None:
        raise RunError(INSTALL_HINT)
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    if shutil.which("semgrep", path=path) is None:
        raise RunError(INSTALL_HINT)
    try:
        return {"njsscan": version("njsscan"), "semgrep": version("semgrep")}
    except PackageNotFoundError:
        raise RunError(INSTALL_HINT) from None


@dataclass
class NjsscanRun:
    """What the child process reported: njsscan's ``nodejs`` results and errors, and ignored matches."""

    results: dict[str, Any] = field(default_factory=dict)
    errors: list[Any] = field(default_factory=list)
    ignored: int = 0
    # The files njsscan passed on to semgrep (normalised absolute paths; empty when semgrep never ran) and
    # those the project's .njsscan left out; None: not known (every file counts as passed on).
    reached: set[str] | None = None
    config_ignored: set[str] = field(default_factory=set)


def run_njsscan(files: Sequence[Path], *, timeout: float, config: Path | None) -> NjsscanRun:
    """njsscan on *files* in a child process (killed with its semgrep after *timeout* seconds).

    Raises RunError when it times out or fails without a report.
    """
    with tempfile.TemporaryDirectory(prefix="echotune-njsscan-") as tmp:
        work = Path(tmp)
        request = {"files": [str(f) for f in files], "config": str(config) if config else "",
                   "output": str(work / "result.json")}
        code = "from echotune_ci.phases.security.checks.node import child_main; child_main()"
        # A session of its own (semgrep, semgrep-core): a timeout or Ctrl-C stops the whole group.
        with process_group([sys.executable, "-c", code], what="njsscan", grace=0.0, env=_tool_env(work),
                           cwd=tmp, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE) as proc:
            try:
                _, stderr = proc.communicate(json.dumps(request).encode(), timeout=timeout)
            except subprocess.TimeoutExpired:
                raise RunError(f"njsscan did not finish within {timeout:g}s on {len(files)} files "
                               "(raise [security.node] timeout)") from None
        output = work / "result.json"
        if proc.returncode != 0 or not output.is_file():
            last = stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
            raise RunError(f"njsscan failed: {last[0]}")
        data = json.loads(output.read_text(encoding="utf-8"))
        record = work / "targets.jsonl"
        named = record.read_text(encoding="ascii").splitlines() if record.is_file() else []
        reached = {_path_key(t) for line in named for t in json.loads(line)}
    return NjsscanRun(results=data["nodejs"], errors=list(data["errors"] or []), ignored=data["ignored"],
                      reached=reached, config_ignored={_path_key(f) for f in data["config_ignored"]})


def _path_key(path: object) -> str:
    """A path as the child saw it, comparable however it was spelled: absolute and normalised."""
    return os.path.normpath(os.path.abspath(str(path)))


def child_main() -> None:
    """The child process: read the request on stdin, run njsscan, write its results as JSON.

    njsscan's built-in path and file-name filters are emptied (the parent chose the files)
    and its extensions widened to :data:`SUFFIXES` (its template scanner
    finds no template among them). Suppressed ``njsscan-ignore`` matches are
    counted.
    """
    request = json.loads(sys.stdin.read())
    from njsscan import settings as njs_settings  # type: ignore[import-untyped]
    from njsscan.njsscan import NJSScan  # type: ignore[import-untyped]

    njs_settings.IGNORE_PATHS = set()
    # Library names (axios.js, react.js, bootstrap.js, ...): a server's own bootstrap.js is server code.
    njs_settings.IGNORE_FILENAMES = set()

    class CountingScan(NJSScan):
        ignored = 0

        def post_ignore_files(self) -> None:
            before = _matches(self.result["nodejs"])
            super().post_ignore_files()
            self.ignored = before - _matches(self.result["nodejs"])

    scan = CountingScan(request["files"], True, False, request["config"] or False)
    scan.options["sgrep_extensions"] = set(SUFFIXES)
    # With its own filters emptied, what libsast's file filter still drops is the project's .njsscan.
    from libsast import Scanner  # type: ignore[import-untyped]

    keeps = Scanner(scan.options, request["files"]).validate_file
    config_ignored = [f for f in request["files"] if not keeps(Path(f))]
    result = scan.scan()
    payload = {"nodejs": result.get("nodejs") or {}, "errors": result.get("errors") or [],
               "ignored": scan.ignored, "config_ignored": config_ignored}
    Path(request["output"]).write_text(json.dumps(payload, default=str), encoding="utf-8")


def _matches(results: dict[str, Any]) -> int:
    return sum(len(detail.get("files") or []) for detail in results.values())


def to_findings(results: dict[str, Any], root: Path) -> tuple[list[Finding], dict[str, int]]:
    """njsscan's ``nodejs`` results as findings, in file and line order, and how many matches of each rule
    were left out: ``express_xss`` as a JSON answer (see :func:`sends_json`), ``node_nosqli_injection`` as
    a Sequelize model's query (see :func:`sequelize_models`), ``node_timing_attack`` on a test for null
    (see :func:`against_null`)."""
    findings: list[Finding] = []
    left_out: dict[str, int] = {}
    known: dict[str, bool] = {}
    for rule_id, detail in results.items():
        meta = detail.get("metadata") or {}
        for match in detail.get("files") or []:
            if rule_id == "express_xss" and sends_json(match):
                left_out[rule_id] = left_out.get(rule_id, 0) + 1
                continue
            if rule_id == "node_timing_attack" and against_null(match):
                left_out[rule_id] = left_out.get(rule_id, 0) + 1
                continue
            if rule_id == "node_nosqli_injection":
                where = str(match.get("file_path", ""))
                if where not in known:
                    known[where] = sequelize_models(Path(where))
                if known[where]:
                    left_out[rule_id] = left_out.get(rule_id, 0) + 1
                    continue
            findings.append(_finding(rule_id, meta, match, root))
    findings.sort(key=lambda f: (f.location.path, f.location.line or 0, f.rule_id) if f.location
                  else ("", 0, f.rule_id))
    return findings, left_out


# A module that requires Sequelize (a models/index.js: const Sequelize = require("sequelize"), new
# Sequelize(...)), and the MongoDB drivers whose findOne() does read operators from a JSON value
_SEQUELIZE = re.compile(r"""(?:\brequire\s*\(\s*|\bfrom\s+)(["'])sequelize\1""")
_MONGO = frozenset({"mongoose", "mongodb", "monk", "mongojs", "mongoist"})
_LOCAL_IMPORT = re.compile(
    r"""(?:\brequire\s*\(\s*|\bfrom\s+|^\s*import\s+)(["'])(\.{1,2}/[^"'\n]*)\1""", re.M)
_SEQUELIZE_RANGE = re.compile(r'"sequelize"\s*:\s*"[^"\d]*(\d+)')


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[:_MAX_BYTES]
    except OSError:
        return ""


def sequelize_models(path: Path) -> bool:
    """Whether the ``findOne()`` calls of the file at *path* are Sequelize models': the file, or a local
    module it imports (``require("../models")``: models/index.js, the layout sequelize-cli makes), requires
    sequelize, neither imports a MongoDB driver or turns Sequelize's string operators on
    (``operatorsAliases``), and the nearest package.json above asks for Sequelize 5 or later.

    njsscan's ``node_nosqli_injection`` leaves out a ``findOne()`` in a file that requires sequelize itself
    (Sequelize builds SQL, and since version 5 takes its operators only as ``Op`` symbols, which a JSON
    value cannot hold), but a controller that takes its models from models/index.js was a high finding
    at every query (TonyMckes/conduit-realworld-example-app: 12 of them)."""
    text = _read(path)
    modules = [text]
    for m in _LOCAL_IMPORT.finditer(text):
        target = path.parent / m.group(2)
        found = next((c for c in (target, *(target.with_name(target.name + s) for s in SUFFIXES),
                                  *(target / f"index{s}" for s in SUFFIXES)) if c.is_file()), None)
        if found is not None:
            modules.append(_read(found))
    if not any(_SEQUELIZE.search(t) for t in modules):
        return False
    if any(imports(t) & _MONGO or "operatorsAliases" in t for t in modules):
        return False
    for folder in path.parents:
        manifest = folder / "package.json"
        if manifest.is_file():
            asked = _SEQUELIZE_RANGE.search(_read(manifest))
            if asked:
                return int(asked.group(1)) >= 5
    return False


# if (token === null), if (undefined == hash), return secret !== null: the condition njsscan matched
_AGAINST_NULL = re.compile(
    r"""^\s*(?:if\s*\(|return\b)\s*(?:(?:null|undefined)\s*[!=]==?\s*[\w$.?]+|"""
    r"""[\w$.?]+\s*[!=]==?\s*(?:null|undefined))\s*(?:\)|;|$)""")


def against_null(match: dict[str, Any]) -> bool:
    """Whether a ``node_timing_attack`` match (njsscan's ``match_string``) only tests a value for ``null`` or
    ``undefined`` (``if (token === null) {``), which tells nothing of a secret's content: the rule's own
    ``pattern-not`` entries leave these out, yet TypeScript handlers matched them (the lucia Astro example:
    four ``token === null`` and ``hash === null`` tests, each a medium finding)."""
    first = str(match.get("match_string") or "").split("\n", 1)[0]
    return bool(_AGAINST_NULL.match(first))


def sends_json(match: dict[str, Any]) -> bool:
    """Whether an ``express_xss`` match (njsscan's ``match_string``, from where request data is read to
    the ``res.send()`` it reaches) sends an object or array: a literal (``res.send({ greeting: name })``)
    or a name the match assigns one to (``const user = {...}; res.send(user)``). Not when the file sets an
    HTML content type (``text/html``, ``res.type('html')``), which Express then keeps for the JSON."""
    code = str(match.get("match_string") or "")
    sends = list(_SEND_ARGUMENT.finditer(code))
    if not sends:
        return False
    start = sends[-1].start(1)
    argument = code[start:]
    if argument[:1] not in "{[":
        name = re.match(r"([A-Za-z_$][\w$]*)\s*\)", argument)
        if not name:
            return False
        assigned = re.findall(rf"(?<![\w$.]){re.escape(name.group(1))}\s*(=(?!=)|\+=)\s*(.)", code[:start])
        if not assigned or any(op != "=" or first not in "{[" for op, first in assigned):
            return False
    try:
        text = Path(match["file_path"]).read_text(encoding="utf-8", errors="replace")
    except (OSError, KeyError, TypeError):
        return False
    return not _HTML_TYPE.search(text)


def _finding(rule_id: str, meta: dict[str, Any], match: dict[str, Any], root: Path) -> Finding:
    """One match as a finding, at the line njsscan reports (the first of the match)."""
    path = Path(match["file_path"])
    start, end = (int(n) for n in match["match_lines"])
    code = _line(path, start).strip()
    if rule_id in _SECRET_RULES:
        code = _mask_literals(code)
    description = " ".join(str(meta.get("description", "")).split())
    cwe_text = str(meta.get("cwe", ""))
    cwe = _CWE.search(cwe_text)
    # Some rules match from a require() to the call they are about (the
    # JWT rules): the span says where to look.
    where = [f"CWE-{cwe.group(1)}"] if cwe else []
    where += [f"lines {start}-{end}"] if end > start else []
    return Finding(
        rule_id=rule_id,
        severity=SEVERITY.get(str(meta.get("severity", "")).upper(), "medium"),
        message=_short(description) + (f" ({'; '.join(where)})" if where else ""),
        source_tool="njsscan",
        location=Location(shown(relative_to_root(path, root)), start,
                          int(match["match_position"][0]) or None),
        help_url=_help_url(description, cwe.group(1) if cwe else ""),
        context=code or f"{rule_id} {description}",
        properties={"cwe": int(cwe.group(1)) if cwe else None, "cwe_name": cwe_text or None,
                    "owasp_web": meta.get("owasp-web"), "njsscan_severity": meta.get("severity"),
                    "end_line": end, "description": description},
    )


def _line(path: Path, line: int) -> str:
    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            for i, text in enumerate(fh, 1):
                if i == line:
                    return text
    except OSError:
        return ""
    return ""


def _mask_literals(code: str) -> str:
    """*code* with its string literals masked, module names (``require('x')``, ``from 'x'``) kept."""
    def repl(m: re.Match[str]) -> str:
        before = code[:m.start()].rstrip()
        if before.endswith(("require(", "import(", "from", "import")):
            return m.group(0)
        return f"{m.group(1)}{_mask(m.group(2))}{m.group(1)}"

    return _QUOTED.sub(repl, code)


def _mask(value: str) -> str:
    """At most 4 characters, never more than a quarter, then the length."""
    keep = min(4, len(value) // 4)
    return f"{value[:keep]}…({len(value)} chars)"


def _short(description: str, limit: int = 240) -> str:
    """The description, cut at a sentence end before *limit* characters when it is longer."""
    if len(description) <= limit:
        return description
    cut = description.rfind(". ", 0, limit)
    return description[:cut + 1] if cut > 0 else description[:limit].rstrip() + "…"


def _help_url(description: str, cwe: str) -> str | None:
    """A link the description gives, else the CWE entry njsscan names."""
    m = _URL.search(description)
    if m:
        return m.group(0).rstrip(".,;")
    return f"https://cwe.mitre.org/data/definitions/{cwe}.html" if cwe else None


def scan_errors(errors: Sequence[Any], root: Path) -> tuple[list[tuple[str, str]], list[str]]:
    """(files semgrep could not fully scan, each (repo-relative path, why), messages of failures of
    the whole scan).

    An error naming a file (semgrep's "Syntax error" and "Lexical error": the file was not analysed;
    "PartialParsing": the spans it could not parse were not; "Timeout" and "OutOfMemory" of a rule
    on a file) makes that file skipped; reasons of one file are joined with "; ". An error without
    a path at level "error", or a bare message, is a failure; a warning without a path is dropped.
    """
    skipped: dict[str, list[str]] = {}
    failures: list[str] = []
    for err in errors:
        if isinstance(err, dict) and err.get("path"):
            path = Path(str(err["path"]))
            rel = relative_to_root(path, root)
            skipped.setdefault(rel, []).append(_why_not_scanned(err, str(path), rel))
        elif isinstance(err, dict):
            if err.get("level", "error") == "error":
                failures.append(" ".join(str(err.get("message", err)).split())[:300])
        elif str(err).strip():
            failures.append(" ".join(str(err).split())[:300])
    return [(shown(rel), shown("; ".join(dict.fromkeys(whys)))) for rel, whys in skipped.items()], failures


def _data_timeouts(errors: Sequence[Any], root: Path) -> tuple[list[Any], list[str]]:
    """(*errors* without semgrep's rule timeouts on modules of literal data only, a note for each such file).

    semgrep stops a rule after 5 s on a file; njsscan's regex_dos took 15.7 s on SvelteKit's demo
    ``words.server.ts`` (an array of 12,974 words) on an idle core, and the file made every run of a
    fresh ``sv create`` project an error. A rule that looks for calls, functions or requests finds
    nothing in such a file (:func:`is_literal_data`); its other rules, the hardcoded-secret ones
    among them, ran, so the file counts as scanned and a note names the rules that did not finish.
    """
    kept: list[Any] = []
    rules: dict[str, list[str]] = {}
    data: dict[str, bool] = {}
    for err in errors:
        path = err.get("path") if isinstance(err, dict) else None
        if path and err.get("type") == "Timeout":
            if path not in data:
                try:
                    data[path] = is_literal_data(Path(path).read_text(encoding="utf-8", errors="replace"))
                except OSError:
                    data[path] = False
            if data[path]:
                rule = str(err.get("rule_id") or err.get("rule") or "?").rsplit(".", 1)[-1]
                rules.setdefault(str(path), []).append(rule)
                continue
        kept.append(err)
    notes = [f"node: {shown(relative_to_root(Path(path), root))} holds literal data only (no function, call "
             f"or import), in which semgrep did not finish rule(s) {', '.join(dict.fromkeys(names))} "
             "within its 5 s; they look for calls and find none in data, and its other rules ran"
             for path, names in rules.items()]
    return kept, notes


def _why_not_scanned(err: dict[str, Any], path: str, rel: str) -> str:
    """One semgrep error about a file, in a line: its kind, where, and the rule for a timeout."""
    kind = err.get("type")
    if isinstance(kind, list):  # ["PartialParsing", [spans]]
        kind = kind[0] if kind else ""
    kind = str(kind or "error")
    spans = err.get("spans") or []
    lines = sorted({int(s["start"]["line"]) for s in spans if isinstance(s, dict) and "start" in s})
    message = " ".join(str(err.get("message", "")).replace(path, rel).split())
    if kind == "PartialParsing":
        where = ", ".join(str(n) for n in lines[:5]) or "?"
        return f"partly parsed: the code at line(s) {where} was not analysed ({message[:160]})"
    rule = err.get("rule_id") or err.get("rule")
    return f"{kind}{f' (rule {rule})' if rule else ''}: {message[:200]}" if message else kind


class NodeCheck:
    """[security.node]: njsscan on the repository's server-side JavaScript and TypeScript.

    Metrics: ``node.files`` (files analysed in full), ``node.skipped`` (JS/TS
    files left out as browser code, generated code or not server code,
    labelled by ``kind``: not server code, so not a gap), and once njsscan
    ran ``node.skipped_files`` (server files semgrep could not parse in
    full, timed out on or left out, such as a file over its 1,000,000-byte limit: error, or warn with
    ``skipped = "warn"``; each
    named with why in a note) and ``node.ignored`` (matches silenced with
    ``njsscan-ignore``). No server-side file: a note, and the check passes
    without needing njsscan.
    """

    name = "node"

    def preflight(self, settings: SecuritySettings, ctx: PhaseContext) -> None:
        """InputError for a path that does not exist."""
        require_paths(ctx, settings.node.paths)

    def run(self, settings: SecuritySettings, ctx: PhaseContext) -> CheckOutput:
        """Select, scan, report; RunError when njsscan is missing, times out or fails."""
        opts = settings.node
        selection = select_files(ctx.root, [ctx.resolve(p) for p in opts.paths], opts)
        out = CheckOutput()
        for kind, paths in sorted(selection.skipped.items()):
            out.metrics.append(Metric("node.skipped", len(paths), "files", labels={"kind": kind},
                                      description=f"JS/TS files not scanned: {kind} code"))
        out.metrics.append(Metric("node.files", len(selection.server), "files",
                                  description="Server-side JS/TS files njsscan analysed"))
        if not selection.server:
            out.notes.append("node: no server-side JavaScript/TypeScript found; njsscan not run")
            return out
        out.tool_versions.update(tool_versions())
        config = ctx.root / ".njsscan"
        run = run_njsscan(selection.server, timeout=opts.timeout, config=config if config.is_file() else None)
        out.findings, left_out = to_findings(run.results, ctx.root)
        out.metrics.append(Metric("node.ignored", run.ignored, "matches",
                                  description="Matches silenced with // njsscan-ignore"))
        errors, data_timeouts = _data_timeouts(run.errors, ctx.root)
        skipped_pairs, failures = scan_errors(errors, ctx.root)
        reached = run.reached
        held_back = [p for p in selection.server if reached is not None and _path_key(p) not in reached]
        # Only what the project's .njsscan names is the user's choice; anything else njsscan did not pass
        # on (a file named just ".js" has no suffix for libsast's extension filter) is a gap.
        why = "Left out: njsscan did not pass it to semgrep"
        skipped_pairs += [(shown(relative_to_root(p, ctx.root)), why)
                          for p in held_back if _path_key(p) not in run.config_ignored]
        held_back = [p for p in held_back if _path_key(p) in run.config_ignored]
        skipped, out.notes, out.warnings, out.errors = skipped_files(
            "node", skipped_pairs, opts.skipped, scanner="njsscan/semgrep", what="server-side JS/TS files")
        out.notes += data_timeouts
        as_json, as_sql = left_out.get("express_xss", 0), left_out.get("node_nosqli_injection", 0)
        if as_json:
            out.notes.append(f"node: {as_json} express_xss match(es) left out: res.send() of an object or "
                             f"array, which Express sends as JSON (application/json), not as HTML")
        if as_sql:
            out.notes.append(f"node: {as_sql} node_nosqli_injection match(es) left out: findOne() of "
                             "Sequelize 5+ models (their module requires sequelize), which build SQL and "
                             "read no operator from a JSON value")
        if left_out.get("node_timing_attack"):
            out.notes.append(f"node: {left_out['node_timing_attack']} node_timing_attack match(es) left out: "
                             "a test for null or undefined (`if (token === null)`), which the rule itself "
                             "exempts and which compares no secret")
        files = next(m for m in out.metrics if m.name == "node.files")
        if held_back:
            out.metrics.insert(out.metrics.index(files), Metric(
                "node.skipped", len(held_back), "files", labels={"kind": "njsscan-config"},
                description="Server-side JS/TS files the project's .njsscan left out"))
            out.notes.append(held_back_note(held_back, ctx.root))
        files.value = len(selection.server) - len(skipped_pairs) - len(held_back)
        out.metrics.insert(out.metrics.index(files) + 1, skipped)
        if failures:
            raise CheckError(f"njsscan/semgrep failed: {failures[0]}", out)
        return out


def held_back_note(paths: Sequence[Path], root: Path) -> str:
    """The note for server files njsscan never passed to semgrep: with its own filters emptied
    (:func:`child_main`), what is left is the project's ``.njsscan`` (``ignore-paths``,
    ``ignore-filenames``, ``ignore-extensions``), the user's choice: not a gap, and not scanned."""
    names = [shown(relative_to_root(p, root)) for p in paths]
    return f"node: left out by .njsscan (ignore-paths, ignore-filenames or ignore-extensions): " \
           f"{first_named(names)}"


CHECK: SecurityCheck = NodeCheck()
