"""What a Node project needs beyond its scripts, read for ``init``'s ``# check:`` notes.

- :func:`downloader_notes`: packages whose install step downloads a binary
  from a host other than the npm registry (puppeteer's Chrome, sharp's
  libvips before 0.33, cypress, electron, @apollo/rover before 0.41...), direct or in the lockfile,
  with the variable that skips the download (or how to do without one), and prisma's engines
  (binaries.prisma.sh, also at ``prisma generate``);
- :func:`build_download_notes`: builds that fetch from the network
  (``next/font/google`` downloads fonts during ``next build``), and
  :func:`angular_font_note` for ``ng build``'s inlining of the fonts the index page links;
- :func:`legacy_openssl`: webpack 4 builds (react-scripts before 5) that fail
  on Node 17+ without ``--openssl-legacy-provider``;
- :func:`required_env`: variables the server stops without (``if
  (!process.env.X) throw``, TypeScript's ``process.env.X!``, an environment
  schema's keys without a default: Joi, envalid, zod, AdonisJS).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .adonis import env_rules
from .calltext import blank_comments, blank_strings, split_top_level
from .calltext import closing as closing_of
from .envdefaults import as_process_env
from .files import read_text, rel
from .nodeapp import Package, angular_build
from .prodbranch import production_spans
from .runtimes import node_major

# package -> (what it downloads, the variable that skips or redirects the download)
DOWNLOADERS: dict[str, tuple[str, str]] = {
    "puppeteer": ("Chrome", "PUPPETEER_SKIP_DOWNLOAD=true"),
    "playwright": ("browsers", "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1"),
    "cypress": ("the Cypress binary", "CYPRESS_INSTALL_BINARY=0"),
    "electron": ("the Electron binary", "ELECTRON_SKIP_BINARY_DOWNLOAD=1"),
    "chromedriver": ("chromedriver", "CHROMEDRIVER_SKIP_DOWNLOAD=true"),
    "@sentry/cli": ("the sentry-cli binary", "SENTRYCLI_SKIP_DOWNLOAD=1"),
    # its postinstall (binary-install) fetches from GitHub's releases, or rover.apollo.dev, and has no switch
    "@apollo/rover": ("the rover binary", ""),
}
# ... and the version from which its install no longer downloads: playwright 1.38 dropped its install script
# (`npx playwright install` fetches the browsers); npm's registry lists "install": "node install.js" up
# to 1.37 and no script from 1.38
DOWNLOADS_UNTIL: dict[str, tuple[int, int]] = {"playwright": (1, 38), "@apollo/rover": (0, 41)}
_LOCKFILES = ("package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml")


def _locks(pkg: Package) -> str:
    return "\n".join(read_text(pkg.path / name, 8_000_000) for name in _LOCKFILES)


def locked_version(pkg: Package, name: str) -> str:
    """The version of *name* a lockfile of *pkg* resolves ("" when none says)."""
    text = _locks(pkg)
    quoted = re.escape(name)
    for pattern in (
        rf'"node_modules/{quoted}"\s*:\s*\{{\s*"version"\s*:\s*"([^"]+)"',  # package-lock v2/v3
        rf'(?m)^"?{quoted}@[^\n]*:\n\s+version:?\s+"?([\w.+-]+)',  # yarn.lock
        rf"(?:^|[\s/'\"]){quoted}@(\d+\.\d+\.\d+)",  # pnpm-lock.yaml
        rf'"{quoted}"\s*:\s*\{{\s*"version"\s*:\s*"([^"]+)"',  # package-lock v1
    ):
        m = re.search(pattern, text)
        if m:
            return m.group(1)
    return ""


def _in_lockfile(pkg: Package, name: str) -> bool:
    text = _locks(pkg)
    quoted = re.escape(name)
    return bool(
        re.search(rf'"(?:[^"]*/)?node_modules/{quoted}"', text)
        or re.search(rf"(?m)^\s*['\"]?/?{quoted}@", text)
    )


def _version(pkg: Package, name: str) -> tuple[int, int] | None:
    """(major, minor) of *name* in *pkg*: the locked version, else the lowest its range allows."""
    found = locked_version(pkg, name) or pkg.deps.get(name, "")
    m = re.search(r"(\d+)\.(\d+)", found) or re.search(r"(\d+)", found)
    if not m:
        return None
    return int(m.group(1)), int(m.group(2)) if m.lastindex and m.lastindex > 1 else 0


def downloader_notes(packages: list[Package]) -> list[str]:
    """A note per package whose install downloads a binary from outside the npm registry."""
    notes: list[str] = []
    for name, (what, variable) in DOWNLOADERS.items():
        direct = [p for p in packages if name in p.deps]
        locked = [p for p in packages if p not in direct and _in_lockfile(p, name)]
        until = DOWNLOADS_UNTIL.get(name)
        if until is not None:
            # a version known to download (or unknown) keeps the note; a newer one installs from the registry
            direct = [p for p in direct if (v := _version(p, name)) is None or v < until]
            locked = [p for p in locked if (v := _version(p, name)) is None or v < until]
        if not direct and not locked:
            continue
        how = "" if direct else " (a dependency of a dependency, in the lockfile)"
        if not variable:
            dev = bool(direct) and all(name in (p.data.get("devDependencies") or {}) for p in direct)
            newer = f", or upgrade it to {until[0]}.{until[1]}+, which installs from the registry" if until \
                else ""
            skip = ("nothing skips it but leaving devDependencies out (npm ci --omit=dev) when the app does "
                    f"not need them to serve{newer}") if dev else f"no variable skips it{newer}"
            notes.append(f"{name}{how} downloads {what} while installing, from a host other than the package "
                         f"registry: where only the registry is reachable, setup fails; {skip}")
            continue
        notes.append(
            f"{name}{how} downloads {what} while installing, from a host other than the package registry: "
            f"where only the registry is reachable, set {variable} in env (when the app does not need it "
            "to serve)"
        )
    for pkg in packages:
        if "sharp" not in pkg.deps and not _in_lockfile(pkg, "sharp"):
            continue
        version = _version(pkg, "sharp")
        if version is not None and version >= (0, 33):
            continue  # 0.33+ installs its binaries as npm packages, from the registry
        shown = locked_version(pkg, "sharp") or pkg.deps.get("sharp", "")
        notes.append(
            f"sharp {shown or '(before 0.33)'} downloads libvips from GitHub while installing: where only "
            "the "
            "package registry is reachable, point npm_config_sharp_binary_host and "
            "npm_config_sharp_libvips_binary_host at a mirror in env (SHARP_IGNORE_GLOBAL_LIBVIPS=1 keeps "
            "a system libvips out of it), or upgrade to sharp 0.33+, whose binaries come from the registry"
        )
        break
    if any(p.has("prisma", "@prisma/client") for p in packages):
        notes.append(
            "prisma downloads its engines from binaries.prisma.sh, a host other than the package registry, "
            "while installing and at `prisma generate`: where only the registry is reachable, point "
            "PRISMA_ENGINES_MIRROR at a mirror in env"
        )
    return notes


_NEXT_FONT = re.compile(r"""from\s+["'](?:@next|next)/font/google["']""")


def build_download_notes(sources: list[Path], root: Path) -> list[str]:
    """Notes for builds that download from the network (next/font/google)."""
    for path in sources:
        if _NEXT_FONT.search(read_text(path)):
            return [
                f"{rel(path, root)} loads fonts through next/font/google: `next build` downloads them from "
                "fonts.googleapis.com, so where only the package registry is reachable the build fails "
                "(NEXT_FONT_GOOGLE_MOCKED_RESPONSES in [serve] env can point it at a module of local "
                'answers: docs/serve.md, "Builds that download")'
            ]
    return []


# The stylesheets of the font services `ng build` inlines: Google Fonts and Adobe Fonts
_FONT_LINK = re.compile(
    r"""<link\b[^>]*\bhref\s*=\s*["'](?:https?:)?//(fonts\.googleapis\.com|use\.typekit\.net)/""", re.I)


def _inlines_fonts(optimization: object) -> bool:
    # angular.json's optimization: true/false, or {"fonts": true/false or {"inline": ...}, ...}; fonts
    # are inlined unless said otherwise (angular.dev, "Workspace configuration", optimization)
    if isinstance(optimization, dict):
        fonts = optimization.get("fonts", True)
        return bool(fonts.get("inline", True)) if isinstance(fonts, dict) else bool(fonts)
    return bool(optimization)


def angular_font_note(pkg: Package, root: Path) -> str:
    """A note when ``ng build`` of the Angular app in *pkg* downloads the fonts its index page links
    (``<link href="//fonts.googleapis.com/css?...">``, Adobe's use.typekit.net) to inline them, which an
    optimized build does unless angular.json's ``optimization`` says ``"fonts": false``; else "".

    gothinkster's angular-realworld-example-app: ``ng build`` stopped on "Inlining of fonts failed ...
    getaddrinfo ENOTFOUND fonts.googleapis.com" where only the package registry is reachable."""
    build = angular_build(pkg)
    if build is None:
        return ""
    chosen = build.default_configuration()
    optimization = chosen.get("optimization", build.options.get("optimization", True))
    if not _inlines_fonts(optimization):
        return ""
    index = build.options.get("index", "src/index.html")
    if isinstance(index, dict):
        index = index.get("input", "src/index.html")
    page = pkg.path / str(index)
    m = _FONT_LINK.search(read_text(page))
    if not m:
        return ""
    named = f"{build.default} configuration" if build.default else "build"
    return (f"{rel(page, root)} links fonts from {m.group(1)}, which `ng build` downloads to inline them "
            f"(the {named} of {build.project} optimizes): where only the package registry is reachable "
            'the build fails ("Inlining of fonts failed"); set "optimization": { "scripts": true, '
            '"styles": true, "fonts": false } in that configuration of angular.json (the page then '
            "loads them when it opens)")


# The first version of each that builds on Node 17+ (OpenSSL 3 has no md4, which webpack hashed module
# sources with: "error:0308010C:digital envelope routines::unsupported"). webpack 5.61.0 brought its own
# md4 (lib/util/hash/md4.js, a wasm one; 5.60.0's createHash still asks crypto for "md4"), so a webpack 5
# locked before it fails too (ali28729/react-webpack-full-stack's 5.30.0); react-scripts 5 asks for
# webpack ^5.64.4, 4 and earlier for webpack 4.
MD4_FIXED = {"webpack": (5, 61), "react-scripts": (5, 0)}


def legacy_openssl(packages: list[Package]) -> str:
    """The package and why (``react-scripts ^2.1.8 (package.json) builds with webpack 4``, ``webpack 5.30.0
    (package.json) hashes with OpenSSL's md4, as webpack did before 5.61``) whose build needs
    --openssl-legacy-provider on this machine's Node 17+, or "" (see :data:`MD4_FIXED`)."""
    major = node_major()
    if major is None or major < 17:
        return ""
    for pkg in packages:
        for name, fixed in MD4_FIXED.items():
            version = _version(pkg, name) if name in pkg.deps else None
            if version is not None and version < fixed:
                manifest = "package.json" if pkg.dir in ("", ".") else f"{pkg.dir}/package.json"
                named = f"{name} {locked_version(pkg, name) or pkg.deps[name]} ({manifest})"
                if version[0] < 5:
                    return f"{named} builds with webpack 4"
                return f"{named} hashes with OpenSSL's md4, as webpack did before 5.61"
    return ""


@dataclass(frozen=True)
class Required:
    """A variable the server stops without, and where that is said."""

    name: str
    where: str
    how: str = ""  # how the code requires it: "process.env.X checked", "Joi's .required()"


_THROWS = re.compile(
    r"if\s*\(\s*!\s*process\.env\.(\w+)\s*\)\s*\{?\s*(?:throw\b|process\.exit\(|console\.error\([^;]*;\s*process\.exit\()"
)
_ASSERTED = re.compile(r"process\.env\.(\w+)!(?!=)")
# An environment schema validated at startup: Joi's `JWT_SECRET: Joi.string().required()` (the app stops
# with '"JWT_SECRET" is required'), envalid's `JWT_SECRET: str()` inside cleanEnv(...) with no default
_JOI_REQUIRED = re.compile(r"\b([A-Z][A-Z0-9_]{1,80})\s*:\s*Joi\.[^,\n]{0,300}?\.required\(\)")
# envalid's testOnly(x) is a default under NODE_ENV=test only (the Express TypeScript boilerplate's
# `devDefault: testOnly(3000)`): elsewhere the variable is required (envalid's "Missing environment
# variables" names it)
_ENVALID = re.compile(r"\b([A-Z][A-Z0-9_]{1,80})\s*:\s*(?:str|num|bool|port|url|email|host|json)\(\s*"
                      r"(?:\{(?![^{}]*\b(?:default|devDefault)\s*:(?!\s*testOnly\())[^{}]*\})?\s*\)")
_NOT_REQUIRED = frozenset({"PORT", "NODE_ENV", "HOST", "DEBUG"})
# ... which names NODE_ENV and HOST too when the schema lists them so (PORT is set by `run`)
_ENVALID_NOT_REQUIRED = frozenset({"PORT"})


# zod imported (from zod itself, or re-exported by @hono/zod-openapi), and its object schemas
_ZOD_IMPORT = re.compile(r"""\bfrom\s+['"](?:zod(?:/v\d)?|@hono/zod-openapi)['"]|require\(\s*['"]zod['"]""")
_ZOD_OBJECT = re.compile(r"\bz\s*\.\s*(?:strict|loose)?[oO]bject\s*\(\s*\{")
# KEY: z.string()... — a key of an environment schema (upper case), quoted or not, and its schema
_ZOD_KEY = re.compile(r"""\s*(['"]?)([A-Z][A-Z0-9_]{0,80})\1\s*:\s*(z\b[\s\S]*)""")
# what gives a zod schema a value when the variable is unset: .optional(), .default(x), .nullish(),
# .catch(x), zod 4's .prefault(x); z.optional(...) as a function
_ZOD_NOT_REQUIRED = re.compile(r"\.\s*(?:optional|default|nullish|catch|prefault)\s*\(|"
                               r"^z\s*\.\s*(?:optional|nullish)\(")


def _zod_required(text: str) -> list[tuple[str, int]]:
    """(variable, offset) of each key of the ``z.object({...})`` schemas of JavaScript *text* whose schema
    has no ``.optional()``, ``.default(...)``, ``.nullish()``, ``.catch(...)`` nor ``.prefault(...)``: with
    ``EnvSchema.parse(process.env)`` the app stops at start when it is unset (zod's "expected string,
    received undefined"). Only objects whose keys are all upper case count (an environment's, not a
    request body's), and only keys whose value is written with ``z.`` (a schema held in a name is not
    read)."""
    uncommented = blank_comments(text)
    code = blank_strings(uncommented)
    out: list[tuple[str, int]] = []
    closing: dict[int, int] | None = None
    read_to = -1
    for m in _ZOD_OBJECT.finditer(code):
        start = m.end() - 1
        if start < read_to:
            continue  # an object inside one read: its keys are no variables of the environment
        # one pass: each z.object looked for its own end to the end of the file, and 3,000 unclosed ones
        # nested in a 39 kB file took 10 s
        closing = closing_of(code, "{}") if closing is None else closing
        end = closing.get(start, -1)
        if end < 0:
            continue
        read_to = end
        keys: list[tuple[str, int]] = []
        offset = start + 1
        for entry in split_top_level(uncommented[start + 1:end]):
            at, offset = offset, offset + len(entry) + 1
            if not entry.strip():
                continue
            key = _ZOD_KEY.fullmatch(entry)
            if key is None:
                keys = []
                break  # a lower-case key, a spread: not an environment's schema
            if not _ZOD_NOT_REQUIRED.search(blank_strings(key.group(3)).strip()):
                keys.append((key.group(2), at + key.start(2)))
        out += keys
    return out


# class-validator imported, and a class of an environment's validators (NestJS's documented custom validate
# function: `class EnvironmentVariables { @IsEnum(Environment) NODE_ENV; @IsString() JWT_SECRET; }` checked
# by validateSync(plainToInstance(...)) at start)
_CLASS_VALIDATOR_IMPORT = re.compile(r"""\bfrom\s+['"]class-validator['"]|"""
                                     r"""require\(\s*['"]class-validator['"]""")
_CLASS = re.compile(r"\bclass\s+[A-Za-z_$][\w$]*(?:\s+(?:extends|implements)\s+[^{]*)?\s*\{")
_DECORATOR = re.compile(r"@\s*([A-Za-z_$][\w$.]*)\s*")
# a property: modifiers, its name, TypeScript's ? or !, its type, then `;`, `=` (an initializer) or the
# line's end
_PROPERTY = re.compile(r"(?:(?:public|private|protected|readonly|declare)\s+)*([A-Za-z_$][\w$]*)\s*[?!]?\s*"
                       r"(?::[^;=\n]*)?(=)?[^;\n]*;?")
# decorators after which a missing variable passes: IsOptional and ValidateIf (a condition on other
# variables: DATABASE_HOST only when DATABASE_URL is unset) let it pass; class-transformer's own and Allow
# check nothing, ValidateNested nothing of a value that is absent
_NOT_CHECKING = frozenset({"Type", "Transform", "Expose", "Exclude", "Allow", "ValidateNested"})
_LETS_MISSING_PASS = frozenset({"IsOptional", "ValidateIf"})
# validateSync(..., { skipMissingProperties: true }): nothing missing fails
_SKIP_MISSING = re.compile(r"\bskipMissingProperties\s*:\s*true\b")


def _class_validator_required(text: str) -> list[tuple[str, int]]:
    """(variable, offset) of each property of an environment's class-validator class in JavaScript *text*
    (every property upper case, as zod's rule above) with a validating decorator and neither
    ``@IsOptional()``, ``@ValidateIf(...)`` nor an initializer (``PORT: number = 3000``, which
    plainToInstance keeps for an unset variable): without ``skipMissingProperties`` class-validator fails
    such a property when the variable is unset, and the app stops at start (brocoders/nestjs-boilerplate's
    "property FILE_DRIVER has failed the following constraints: isEnum")."""
    code = blank_strings(blank_comments(text))
    braces: dict[int, int] | None = None
    out: list[tuple[str, int]] = []
    for m in _CLASS.finditer(code):
        braces = closing_of(code, "{}") if braces is None else braces
        end = braces.get(m.end() - 1, -1)
        if end < 0:
            continue
        parens = closing_of(code[:end], "()")
        keys: list[tuple[str, int]] = []
        decorators: list[str] = []
        at = m.end()
        while True:
            while at < end and code[at] in " \t\r\n;":
                at += 1
            if at >= end:
                break
            decorator = _DECORATOR.match(code, at)
            if decorator is not None:
                decorators.append(decorator.group(1).rsplit(".", 1)[-1])
                at = decorator.end()
                if at < end and code[at] == "(":
                    at = parens.get(at, end) + 1
                continue
            prop = _PROPERTY.match(code, at, end)
            name = prop.group(1) if prop is not None else ""
            if prop is None or not prop.group(0) or not re.fullmatch(r"[A-Z][A-Z0-9_]*", name) \
                    or not decorators:
                keys = []
                break  # a method, a lower-case field, an undecorated one: no environment's validators
            checking = [d for d in decorators if d not in _NOT_CHECKING]
            if checking and not _LETS_MISSING_PASS.intersection(decorators) and not prop.group(2):
                keys.append((name, at))
            decorators = []
            at = prop.end()
        out += keys
    return out


def _class_validator_env(texts: list[tuple[Path, str]], root: Path, found: dict[str, Required]) -> None:
    """Add to *found* the variables the class-validator classes of the files *texts* (path, text) require,
    in a file that imports class-validator and reads process.env or calls validateSync."""
    # the helper that validates may be in a file of its own (the boilerplate's utils/validate-config.ts)
    if any(_SKIP_MISSING.search(text) for _, text in texts if "skipMissingProperties" in text):
        return
    for path, text in texts:
        if _CLASS_VALIDATOR_IMPORT.search(text) and ("process.env" in text or "validateSync(" in text):
            for name, at in _class_validator_required(text):
                if name not in _ENVALID_NOT_REQUIRED and name not in found:
                    found[name] = Required(name, f"{rel(path, root)}:{text.count(chr(10), 0, at) + 1}",
                                           "a class-validator property without @IsOptional()")


# @fastify/env (or env-schema, which it wraps) validates process.env and .env against a JSON schema with
# ajv: a name of its `required` list without a `default` in `properties` stops the app at start
# ("env must have required property 'ACCESS_TOKEN_SECRET'", @fastify/env 5 run here)
_ENV_SCHEMA_PLUGIN = re.compile(r"""['"](?:@fastify/env|fastify-env|env-schema)['"]""")
_JSON_REQUIRED = re.compile(r"\brequired\s*:\s*\[([^\]]*)\]")
_ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]*")


def _json_schema_env(texts: list[tuple[Path, str]], root: Path, found: dict[str, Required]) -> None:
    """Add to *found* the variables a JSON schema of an app that registers @fastify/env requires
    (johchai/react-fastify-starter's envSchema: ACCESS_TOKEN_SECRET and REFRESH_TOKEN_SECRET went
    unsaid, and the app stopped without them): a `required` list of upper-case names only, so a route's
    body schema (`required: ['email', 'password']`) is not taken for one."""
    if not any(_ENV_SCHEMA_PLUGIN.search(text) for _, text in texts):
        return
    for path, text in texts:
        for m in _JSON_REQUIRED.finditer(text):
            names = re.findall(r"""['"`]([^'"`]+)['"`]""", m.group(1))
            if not names or not all(_ENV_NAME.fullmatch(n) for n in names):
                continue
            for name in names:
                # ajv's useDefaults (env-schema turns it on) fills a property's default
                prop = re.search(rf"""(?<![\w$]){name}['"]?\s*:\s*\{{([^{{}}]*)\}}""", text)
                if name in found or name in _ENVALID_NOT_REQUIRED or (
                        prop and re.search(r"\bdefault\s*:", prop.group(1))):
                    continue
                line = text.count("\n", 0, m.start()) + 1
                found[name] = Required(name, f"{rel(path, root)}:{line}",
                                       "@fastify/env's schema lists it in required")


def required_env(sources: list[Path], root: Path) -> list[Required]:
    """Variables the server code stops without: ``if (!process.env.X) throw ...`` (or exits),
    TypeScript's ``process.env.X!``, and an environment schema's required keys (Joi's ``.required()``,
    envalid's validators without a default, zod's keys without ``.optional()`` or ``.default()`` in a file
    that reads process.env, AdonisJS's ``Env.schema`` rules without ``.optional()``, class-validator
    properties without ``@IsOptional()`` in a class of upper-case names)."""
    found: dict[str, Required] = {}
    for rule in env_rules(sources, root):
        # AdonisJS's Env.create(...) schema: the app stops at start on a rule without .optional()
        if rule.required and rule.name not in _ENVALID_NOT_REQUIRED:
            found[rule.name] = Required(rule.name, rule.where,
                                        f"AdonisJS's Env.schema.{rule.kind}() without .optional()")
    texts = [(path, read_text(path)) for path in sources]
    _class_validator_env(texts, root, found)
    _json_schema_env(texts, root, found)
    for path, original in texts:
        text = as_process_env(original)
        if "process.env" not in text:
            continue
        if _ZOD_IMPORT.search(text):
            for name, at in _zod_required(text):
                if name not in _ENVALID_NOT_REQUIRED and name not in found:
                    found[name] = Required(name, f"{rel(path, root)}:{text.count(chr(10), 0, at) + 1}",
                                           "a zod schema's key without .optional() or .default()")
        patterns = [(_THROWS, ""), (_ASSERTED, "")]
        if "Joi." in text:
            patterns.append((_JOI_REQUIRED, "a Joi schema's .required()"))
        if "cleanEnv(" in text:
            patterns.append((_ENVALID, "an envalid validator without a default"))
        for pattern, how in patterns:
            skipped = _ENVALID_NOT_REQUIRED if pattern is _ENVALID else _NOT_REQUIRED
            for m in pattern.finditer(text):
                name = m.group(1)
                if name not in skipped and name not in found:
                    line = text.count("\n", 0, m.start()) + 1
                    # SvelteKit's env.X and Astro's import.meta.env.X (read as process.env.X here) are named
                    # as the code writes them
                    read = next((f"{how}{name}" for how in ("process.env.", "import.meta.env.")
                                 if f"{how}{name}" in original), f"$env's {name}")
                    found[name] = Required(name, f"{rel(path, root)}:{line}", how or f"{read} checked")
    return list(found.values())


# Serving the built client: express.static and its kin, Nest's ServeStaticModule and useStaticAssets, or the
# single-page app's index.html.
_SERVES_CLIENT = re.compile(r"express\.static|serveStatic|ServeStaticModule|useStaticAssets|serve-static|"
                            r"koa-static|@fastify/static|fastify-static|\bsirv\(|sendFile\(|index\.html")


def production_only(sources: list[Path], root: Path) -> str:
    """Where (``file:line``, the line of the test) a server file serves the built client only when
    ``process.env.NODE_ENV`` is "production" (``if (process.env.NODE_ENV === "production")
    app.use(express.static(...))``, the ``else`` of a ``!==`` test, a ternary, a name the test is assigned
    to: :mod:`.prodbranch`): the app must then be measured with NODE_ENV=production. A test that decides
    something else (TypeORM's ``synchronize: process.env.NODE_ENV !== "production"``) does not count,
    even in a file that serves the client. "" when no file of *sources* has such a test."""
    for path in sources:
        text = read_text(path)
        if "NODE_ENV" not in text:
            continue
        for at, start, end in production_spans(text):
            if _SERVES_CLIENT.search(text, start, end):
                return f"{rel(path, root)}:{text.count(chr(10), 0, at) + 1}"
    return ""


# TypeORM's synchronize (tables made from the entities at start) given by a NODE_ENV test: off in
# production when the test is "not production" or "is development/test/local".
_SYNCHRONIZE = re.compile(r"""\bsynchronize\s*:\s*([^,\n}]*NODE_ENV[^,\n}]*)""")
_OFF_IN_PRODUCTION = re.compile(r"""!==?\s*["'`]production["'`]|["'`]production["'`]\s*!==?|"""
                                r"""===?\s*["'`](?:development|dev|test|local)["'`]|"""
                                r"""["'`](?:development|dev|test|local)["'`]\s*===?""")


def synchronize_off_in_production(sources: list[Path], root: Path) -> str:
    """Where (``file:line``) TypeORM's ``synchronize`` is switched off when NODE_ENV is "production"
    (``synchronize: process.env.NODE_ENV !== "production"``, ``... === "development"``): with
    NODE_ENV=production the database gets its tables only from migrations. "" when no file of *sources*
    has one."""
    for path in sources:
        text = read_text(path)
        if "synchronize" not in text:
            continue
        for m in _SYNCHRONIZE.finditer(text):
            if _OFF_IN_PRODUCTION.search(m.group(1)):
                return f"{rel(path, root)}:{text.count(chr(10), 0, m.start()) + 1}"
    return ""
