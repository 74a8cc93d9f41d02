"""The secret scanner's detectors: every kind of credential found and masked, the placeholders and
look-alikes that must not be, the file encodings, and every vendored gitleaks rule working in Python.

All values are fake: random characters of each provider's format, made here at run time from a
fixed seed (so no complete credential-looking literal sits in this file).
"""

from __future__ import annotations

import base64
import codecs
import importlib
import json
import random
import re
import shutil
import string
from pathlib import Path

import pytest

from conftest import run_cli
from echotune_ci.phases.security import secret_assignments as assign
from echotune_ci.phases.security.checks.secrets import (
    Allowlist,
    ScanOptions,
    decode_text,
    mask_secret,
    scan,
    scan_text,
    secret_hash,
)
from echotune_ci.phases.security.secret_rules import (
    GITLEAKS_FILE,
    RuleError,
    default_rules,
    parse_rules,
    translate_re2,
)

RNG = random.Random(20240612)
ALNUM = string.ascii_letters + string.digits
B64 = ALNUM + "+/"
HEX = "0123456789abcdef"
BASE32 = string.ascii_uppercase + "234567"


def rand(alphabet: str, n: int) -> str:
    return "".join(RNG.choice(alphabet) for _ in range(n))


def pem(kind: str = "RSA PRIVATE KEY", lines: int = 12) -> list[str]:
    body = [rand(B64, 64) for _ in range(lines)]
    return [f"-----BEGIN {kind}-----", *body, f"-----END {kind}-----"]


# --- one fake value per kind ------------------------------------------------------------------
AWS_ID = "AKIA" + rand(BASE32, 16)
AWS_SECRET = rand(B64, 40)
AZURE_KEY = rand(B64, 86) + "=="
GITHUB = "ghp_" + rand(ALNUM, 36)
GITLAB = "glpat-" + rand(ALNUM, 20)
NPM = "npm_" + rand(ALNUM.lower()[:36], 36)
NPMRC_UUID = "{}-{}-{}-{}-{}".format(*(rand(HEX, n) for n in (8, 4, 4, 4, 12)))
STRIPE_LIVE = "sk_live_" + rand(ALNUM, 24)
STRIPE_INLINE = "sk_live_" + rand(ALNUM, 24)
STRIPE_RESTRICTED = "rk_live_" + rand(ALNUM, 24)
SLACK_BOT = f"xoxb-{rand(string.digits, 12)}-{rand(string.digits, 13)}-{rand(ALNUM, 24)}"
SLACK_HOOK = f"https://hooks.slack.com/services/T{rand(BASE32, 8)}/B{rand(BASE32, 10)}/{rand(ALNUM, 24)}"
TWILIO = "SK" + rand(HEX, 32)
SENDGRID = f"SG.{rand(ALNUM, 22)}.{rand(ALNUM, 43)}"
MAILGUN = "key-" + rand(HEX, 32)
OPENAI = f"sk-proj-{rand(ALNUM, 74)}T3BlbkFJ{rand(ALNUM, 74)}"
OPENAI_COMPATIBLE = "sk-" + rand(HEX, 32)  # DeepSeek, Moonshot and others use OpenAI's sk- shape
ANTHROPIC = f"sk-ant-api03-{rand(ALNUM, 93)}AA"
PERPLEXITY = "pplx-" + rand(ALNUM, 48)
JWT = ".".join([
    base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("="),
    base64.urlsafe_b64encode(b'{"sub":"1042","name":"Ada","iat":1716000000}').decode().rstrip("="),
    rand(ALNUM, 43),
])
PEM_LINES = pem()
PEM_ONE_LINE = "\\n".join(pem("RSA PRIVATE KEY", 8))
PEM_IN_JSON = "\\n".join(pem("EC PRIVATE KEY", 4)) + "\\n"
GCP_KEY = "\\n".join(pem("PRIVATE KEY", 10)) + "\\n"
PG_PASS = rand(ALNUM, 8) + "%21" + rand(ALNUM, 4)
MYSQL_PASS = rand(ALNUM, 14)
MONGO_PASS = rand(ALNUM, 16)
REDIS_PASS = rand(ALNUM, 20)
AMQP_PASS = rand(ALNUM, 12)
HTTPS_PASS = rand(ALNUM, 18)
GIT_CRED_PASS = rand(ALNUM, 20)
# Passwords with their own punctuation, found whole.
ENV_PASSWORD = "p@ss#w0rd!%x"
ENV_BARE_PASSWORD = "Bare#p4ss!%@"
INI_PASSWORD = "In1#p@ss;w%!"
YAML_PASSWORD = "Ya#m'l!%p@"  # single-quoted in YAML: the quote doubled
JSON_PASSWORD = 'J5\\"n#q!%w@5'  # as written in the file: an escaped quote inside
TOML_PASSWORD = "T0m!#l%@q9r"
JS_PASSWORD = "M0ng0#Pw!%z"
TS_PASSWORD = "Ts#Pw0rd!%@s"
PY_PASSWORD = "Pyth0n#Pw!%q"
XML_PASSWORD = "Xm1#Pw!%rq8"
PYPIRC_PASSWORD = "Upl0ad#Pw!%"
NETRC_TOKEN = rand(ALNUM, 40)
PGPASS_PASSWORD = "Pg#pa55!w0rd%"
DOCKER_AUTH = base64.b64encode(f"ci-bot:{rand(ALNUM, 24)}".encode()).decode()
UTF16_TOKEN = "ghp_" + rand(ALNUM, 36)
UTF8_BOM_TOKEN = "glpat-" + rand(ALNUM, 20)

# (relative path, content, [(rule id, secret)]) - one line (or file) per kind.
FIXTURES: list[tuple[str, str, list[tuple[str, str]]]] = [
    (".env", f"AWS_ACCESS_KEY_ID={AWS_ID}\nAWS_SECRET_ACCESS_KEY={AWS_SECRET}\n"
             f'DB_PASSWORD="{ENV_PASSWORD}"\nSMTP_PASSWORD={ENV_BARE_PASSWORD}  # the relay\n'
             f"STRIPE_SECRET_KEY={STRIPE_LIVE}\nSTRIPE_RESTRICTED_KEY={STRIPE_RESTRICTED}\n"
             f'PRIVATE_KEY="{PEM_ONE_LINE}"\nOPENAI_API_KEY={OPENAI}\n',
     [("secrets.aws-access-key-id", AWS_ID), ("secrets.aws-secret-access-key", AWS_SECRET),
      ("secrets.password", ENV_PASSWORD), ("secrets.password", ENV_BARE_PASSWORD),
      ("secrets.stripe-key", STRIPE_LIVE), ("secrets.stripe-key", STRIPE_RESTRICTED),
      ("secrets.private-key", PEM_ONE_LINE), ("secrets.openai-api-key", OPENAI)]),
    ("config/gcp-service-account.json", json.dumps({
        "type": "service_account", "project_id": "musicapp-prod", "private_key_id": rand(HEX, 40),
        "private_key": "@@KEY@@", "client_email": "ci@musicapp-prod.iam.gserviceaccount.com"},
        indent=2).replace("@@KEY@@", GCP_KEY) + "\n",
     [("secrets.gcp-service-account-key", GCP_KEY)]),
    ("config/azure.json", json.dumps({"storage": "DefaultEndpointsProtocol=https;AccountName=musicstore;"
                                                f"AccountKey={AZURE_KEY};EndpointSuffix=core.windows.net"}),
     [("secrets.azure-storage-key", AZURE_KEY)]),
    ("scripts/release.sh", f'export GITHUB_TOKEN="{GITHUB}"\nexport GITLAB_TOKEN={GITLAB}\n'
                           f"curl -H 'Authorization: Bearer {NPM}' https://registry.npmjs.org/-/whoami\n",
     [("secrets.github-token", GITHUB), ("secrets.gitlab-token", GITLAB), ("secrets.npm-token", NPM)]),
    (".npmrc", f"//registry.npmjs.org/:_authToken={NPMRC_UUID}\nalways-auth=true\n",
     [("secrets.npm-token", NPMRC_UUID)]),
    ("server/payments.js", f'const stripe = require("stripe")("{STRIPE_INLINE}");\n'
                           f"const slack = new WebClient('{SLACK_BOT}');\n"
                           f"const hook = '{SLACK_HOOK}';\n"
                           f'const twilio = require("twilio")("{TWILIO}", process.env.TWILIO_SECRET);\n'
                           f'sgMail.setApiKey("{SENDGRID}");\n'
                           f"const mailgun = {{ mailgunKey: '{MAILGUN}' }};\n"
                           f"const db = {{ user: 'app', password: '{JS_PASSWORD}' }};\n",
     [("secrets.stripe-key", STRIPE_INLINE), ("secrets.slack-token", SLACK_BOT),
      ("secrets.slack-webhook", SLACK_HOOK), ("secrets.twilio-api-key", TWILIO),
      ("secrets.sendgrid-api-key", SENDGRID), ("secrets.mailgun-key", MAILGUN),
      ("secrets.password", JS_PASSWORD)]),
    ("server/ai.ts", f'export const anthropic = new Anthropic({{ apiKey: "{ANTHROPIC}" }});\n'
                     f'const perplexity = "{PERPLEXITY}";\n'
                     f'const deepseek = "{OPENAI_COMPATIBLE}";\n'
                     f'const session: Session = {{ token: "{JWT}" }};\n'
                     f'const admin = {{ password: "{TS_PASSWORD}" as string }};\n',
     [("secrets.anthropic-api-key", ANTHROPIC), ("secrets.perplexity-api-key", PERPLEXITY),
      ("secrets.openai-api-key", OPENAI_COMPATIBLE), ("secrets.jwt", JWT),
      ("secrets.password", TS_PASSWORD)]),
    ("deploy/id_rsa", "\n".join(PEM_LINES) + "\n", [("secrets.private-key", "\n".join(PEM_LINES))]),
    ("config/signing.json",
     json.dumps({"kid": "k1", "signingKey": "@@KEY@@"}).replace("@@KEY@@", PEM_IN_JSON),
     [("secrets.private-key", PEM_IN_JSON[:-2])]),
    ("config/database.yml", f"production:\n  url: postgres://musicapp:{PG_PASS}@db.internal:5432/musicapp\n"
                            f"  replica: mysql://reader:{MYSQL_PASS}@replica.internal/musicapp\n"
                            f"  password: '{YAML_PASSWORD.replace(chr(39), chr(39) * 2)}'\n",
     [("secrets.url-credentials", PG_PASS), ("secrets.url-credentials", MYSQL_PASS),
      ("secrets.password", YAML_PASSWORD.replace("'", "''"))]),
    ("server/connections.py", f'MONGO_URL = "mongodb+srv://app:{MONGO_PASS}@cluster0.ab1cd.mongodb.net/music"\n'
                              f'REDIS_URL = "redis://default:{REDIS_PASS}@cache.internal:6379/0"\n'
                              f'BROKER = "amqp://worker:{AMQP_PASS}@mq.internal:5672/%2f"\n'
                              f'MIRROR = "https://deploy:{HTTPS_PASS}@mirror.internal/simple/"\n'
                              f'connect(user="app", password="{PY_PASSWORD}")\n',
     [("secrets.url-credentials", MONGO_PASS), ("secrets.url-credentials", REDIS_PASS),
      ("secrets.url-credentials", AMQP_PASS), ("secrets.url-credentials", HTTPS_PASS),
      ("secrets.password", PY_PASSWORD)]),
    ("config/app.ini", f"[database]\nhost = db.internal\npassword = {INI_PASSWORD}\n",
     [("secrets.password", INI_PASSWORD)]),
    ("config/app.json", '{"database": {"host": "db", "password": "' + JSON_PASSWORD + '"}}\n',
     [("secrets.password", JSON_PASSWORD)]),
    ("pyproject.toml", f"[tool.musicapp.db]\npassword = '{TOML_PASSWORD}'  # literal string\n",
     [("secrets.password", TOML_PASSWORD)]),
    ("config/tomcat-users.xml", f'<user username="admin"/>\n<password>{XML_PASSWORD}</password>\n',
     [("secrets.password", XML_PASSWORD)]),
    (".pypirc", f"[distutils]\nindex-servers = internal\n\n[internal]\nrepository = https://pypi.internal/\n"
                f"username = release-bot\npassword = {PYPIRC_PASSWORD}\n",
     [("secrets.password", PYPIRC_PASSWORD)]),
    (".netrc", f"machine api.github.com\n  login octo-bot\n  password {NETRC_TOKEN}\n",
     [("secrets.credentials-file", NETRC_TOKEN)]),
    (".pgpass", f"db.internal:5432:musicapp:musicapp:{PGPASS_PASSWORD}\n",
     [("secrets.credentials-file", PGPASS_PASSWORD)]),
    (".git-credentials", f"https://octo-bot:{GIT_CRED_PASS}@git.internal.musicapp.dev\n",
     [("secrets.url-credentials", GIT_CRED_PASS)]),
    (".docker/config.json",
     json.dumps({"auths": {"registry.internal:5000": {"auth": DOCKER_AUTH}}}, indent=2),
     [("secrets.docker-registry-auth", DOCKER_AUTH)]),
]
ENCODED = [  # (path, bytes, rule, secret): text files that are not plain UTF-8
    ("win/settings.ps1", codecs.BOM_UTF16_LE + f'$env:GITHUB_TOKEN = "{UTF16_TOKEN}"\r\n'.encode("utf-16-le"),
     "secrets.github-token", UTF16_TOKEN),
    ("win/notes.txt", codecs.BOM_UTF8 + f"token: {UTF8_BOM_TOKEN}\n".encode(), "secrets.gitlab-token",
     UTF8_BOM_TOKEN),
]
EXPECTED = [(path, rule, secret) for path, _, found in FIXTURES for rule, secret in found] + [
    (path, rule, secret) for path, _, rule, secret in ENCODED]


def write_tree(root: Path) -> Path:
    for rel, content, _ in FIXTURES:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(content)
    for rel, data, _, _ in ENCODED:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return root


@pytest.fixture()
def leaky(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "repo")


def findings_by_hash(report) -> dict[tuple[str, str], str]:
    return {(f.location.path, f.properties["hash"]): f.rule_id for f in report.findings}


def test_every_kind_is_found_whole_with_its_rule(leaky):
    report = scan(leaky, [], exclude=[], allowlist=Allowlist(), max_file_bytes=1_000_000, entropy=3.5,
                  min_length=12, workers=1)
    found = findings_by_hash(report)
    missing = [(path, rule, mask_secret(secret)) for path, rule, secret in EXPECTED
               if found.get((path, secret_hash(secret))) != rule]
    assert not missing, (missing, sorted(found.items()))
    assert len(report.findings) == len(EXPECTED), sorted(found.items())  # nothing else, nothing twice
    by_hash = {f.properties["hash"]: f for f in report.findings}
    for _, _, secret in EXPECTED:  # the whole value: length and hash of exactly what was found
        finding = by_hash[secret_hash(secret)]
        assert finding.properties["length"] == len(secret)
        assert finding.properties["masked"] == mask_secret(secret)
    assert report.skipped_binary == []  # the UTF-16 file was read as text


def test_secrets_never_leave_the_module_json_sarif_comment(leaky, cli_env):
    results = leaky / "results"
    proc = run_cli("security", str(leaky), "--only", "secrets", "-o", str(results / "security.json"),
                   "--sarif", str(results / "security.sarif"), cwd=leaky, env=cli_env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    comment = run_cli("report", str(results / "security.json"), "-o", str(results / "comment.md"),
                      cwd=leaky, env=cli_env)
    assert comment.returncode in (0, 1), comment.stderr
    sarif_all = run_cli("report", str(results / "security.json"), "--format", "sarif", cwd=leaky, env=cli_env)
    data = json.loads((results / "security.json").read_text())
    assert {f["properties"]["hash"] for f in data["findings"]} >= {secret_hash(s) for _, _, s in EXPECTED}
    everything = "".join([(results / "security.json").read_text(), (results / "security.sarif").read_text(),
                          (results / "comment.md").read_text(), sarif_all.stdout, proc.stdout, proc.stderr,
                          comment.stdout, comment.stderr])
    assert "secrets.password" in everything and "secrets.url-credentials" in everything
    for _, _, secret in EXPECTED:
        for shown in {secret, secret.replace("\\n", "\n"), secret[: max(5, len(secret) // 2)]}:
            assert shown not in everything, mask_secret(secret)
        assert json.dumps(secret)[1:-1] not in everything


def test_parallel_scan_finds_the_same(leaky):
    kwargs = dict(exclude=[], allowlist=Allowlist(), max_file_bytes=1_000_000, entropy=3.5, min_length=12)
    for n in range(30):  # enough files for the process pool
        write_tree(leaky / f"copy{n}")
    serial = scan(leaky, [], workers=1, **kwargs)
    parallel = scan(leaky, [], workers=2, **kwargs)
    assert len(serial.findings) == (len(EXPECTED)) * 31
    assert [(f.location, f.rule_id, f.properties) for f in parallel.findings] == \
        [(f.location, f.rule_id, f.properties) for f in serial.findings]


# --- what must not be reported ----------------------------------------------------------------
SHA = rand(HEX, 40)
UUID = "{}-{}-{}-{}-{}".format(*(rand(HEX, n) for n in (8, 4, 4, 4, 12)))
INTEGRITY = "sha512-" + rand(B64, 86) + "=="
PNG = "iVBORw0KGgoAAAANSUhEUgAA" + rand(B64, 400)
BCRYPT = "$2b$12$" + rand(ALNUM + "./", 53)
NOT_SECRETS: dict[str, str] = {
    ".env.example": "DB_PASSWORD=changeme\nAPI_KEY=xxx\nSTRIPE_SECRET_KEY=<your-key>\n"
                    "GITHUB_TOKEN=${GITHUB_TOKEN}\nJWT_SECRET=fixme-generate-one\nSESSION_SECRET=\n"
                    "SMTP_PASSWORD=${SMTP_PASSWORD:-}\nREDIS_PASSWORD=$REDIS_PASSWORD\n"
                    "SENDGRID_API_KEY=your_sendgrid_key_here\nSTRIPE_TEST=sk_test_xxxxxxxxxxxxxxxxxxxxxxxx\n",
    "docs/aws.md": "Set `AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE` and\n"
                   "`AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`\n"
                   "(the keys of AWS's documentation).\n",
    ".github/workflows/ci.yml": f"steps:\n  - uses: actions/checkout@{SHA}\n  - run: npm ci\n    env:\n"
                               "      NPM_TOKEN: ${{ secrets.NPM_TOKEN }}\n"
                               "      DB_PASSWORD: ${{ secrets.DB_PASSWORD }}\n"
                               "  - uses: actions/cache@v4\n    with:\n"
                               "      key: ${{ runner.os }}-node-${{ hashFiles('**/package-lock.json') }}\n",
    "package-lock.json": json.dumps({"packages": {"node_modules/jsonwebtoken": {
        "version": "9.0.2", "resolved": "https://registry.npmjs.org/jsonwebtoken/-/jsonwebtoken-9.0.2.tgz",
        "integrity": INTEGRITY}}}, indent=2),
    "public/index.html": f'<script src="https://cdn.example.net/app.js" integrity="sha384-{rand(B64, 64)}" '
                         f'crossorigin="anonymous"></script>\n'
                         f'<img alt="key" src="data:image/png;base64,{PNG}">\n'
                         '<input type="password" name="password" placeholder="Password">\n',
    "web/styles.css": f":root {{ --primary-key-color: #1a2b3c; --token-bg: #{rand(HEX, 6)}; }}\n"
                      f".key-icon {{ background: url(data:image/png;base64,{PNG}) no-repeat; }}\n"
                      ".key-icon:hover { color: #ff00aa; }\n",
    "web/vendor.min.js": 'var e={apiKey:t.apiKey,authToken:n.authToken,secretKey:r.secretKey},'
                         'o="getAccessToken",'
                         'i=function(e){return e.accessTokenExpiresAt},a={key:"_toPropertyKey",token:'
                         '"applyDecs2305"},s=["secretKeyRef","passwordConfirmation"];function u(e,t)'
                         '{return e.refreshToken||t.idTokenHint}' + ";var k={key:\"data-v-7ba5bd90\"};\n",
    "package.json": json.dumps({"name": "musicapp", "version": "4.18.2", "dependencies": {
        "jsonwebtoken": "^9.0.2", "secret-handshake": "1.2.3", "passport-local": "~1.0.0"}}, indent=2),
    "server/models.py": f'REQUEST_ID = "{UUID}"\napi_key_id = "{UUID}"\nsession_token = "{UUID}"\n'
                        f'commit_sha = "{SHA}"\nrevision = "{SHA}"\n'
                        'password_env = "DB_PASSWORD"\ntoken_env = "GITHUB_TOKEN"\n'
                        'PASSWORD_MIN_LENGTH = 12\npassword = os.environ["DB_PASSWORD"]\n'
                        '_TOKEN = rb"[!#$%&\'*+\\-.^_`|~0-9A-Za-z]+"\n'
                        'SECRET_RE = r"^sk_(live|test)_[0-9a-zA-Z]{24}$"\n'
                        'def sign(key: Ed25519PrivateKey | Ed448PrivateKey): ...\n',
    "server/seed.json": json.dumps({"users": [{"name": "ada", "password": BCRYPT},
                                              {"name": "bob", "password_hash": BCRYPT}]}),
    "web/i18n/de.json": json.dumps({"password": "Passwort", "passwordLabel": "Passwort:",
                                    "login.password": "Mot de passe", "token": "auth.login.token"}),
    "docker-compose.yml": "services:\n  db:\n    image: postgres:16\n    environment:\n"
                          "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}\n"
                          "      - DATABASE_URL=postgres://user:password@localhost:5432/app\n"
                          "  mq:\n    image: rabbitmq:3\n    command: amqp://guest:guest@localhost:5672\n"
                          "  cache:\n    command: redis-server --requirepass ${REDIS_PASSWORD}\n"
                          "    url: redis://:${REDIS_PASSWORD}@redis:6379\n"
                          "  mongo:\n    url: mongodb+srv://<user>:<password>@cluster0.mongodb.net\n",
    ".npmrc": "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n",
    "musicapp.toml": '[load.login]\njson = { username = "demo", password = "demo-password" }\n',
    "tests/fixtures/keys.env": f"GITHUB_TOKEN={'ghp_' + rand(ALNUM, 36)}\n",  # a test fixture: not reported
    "server/strings.py": 'HELP = "Generate a token with `gh auth token` and keep it secret"\n'
                         'ERRORS = {"password": "The password must have 12 characters or more"}\n',
}


def test_placeholders_and_look_alikes_are_not_reported(tmp_path):
    for rel, content in NOT_SECRETS.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(content)
    report = scan(tmp_path, [], exclude=[], allowlist=Allowlist(), max_file_bytes=1_000_000, entropy=3.5,
                  min_length=12, test_fixtures=["tests"], workers=1)
    found = [(f.location.path, f.location.line, f.rule_id, f.properties["detector"]) for f in report.findings]
    assert found == []
    assert report.skipped_fixtures == ["tests/fixtures/keys.env"]
    assert "package-lock.json" in report.skipped_paths  # gitleaks' global allow-list: lockfiles
    # the same fixture is reported once test_fixtures is empty
    again = scan(tmp_path, ["tests"], exclude=[], allowlist=Allowlist(), max_file_bytes=1_000_000,
                 entropy=3.5, min_length=12, test_fixtures=[], workers=1)
    assert [f.rule_id for f in again.findings] == ["secrets.github-token"]


def test_configured_placeholders_replace_the_default_list():
    value = "Pr0d#" + rand(ALNUM, 12)
    line = f'DB_PASSWORD="{value}"\n'
    assert [f.rule_id for f in scan_text(line, ".env")] == ["secrets.generic-high-entropy"]
    assert scan_text(line, ".env", placeholders=["pr0d#"]) == []
    assert ScanOptions(placeholders=("todo",)).is_placeholder("TODO-rotate")


def test_hash_in_token_is_not_a_placeholder_by_accident():
    opts = ScanOptions()
    assert opts.in_token("sk_live_xxxxxxxxxxxxxxxxxxxxxxxx")
    assert opts.in_token("ghp_your_token_goes_here_0000000")
    assert not opts.in_token("ghp_aBxxX9" + rand(ALNUM, 30))  # "xxx" inside random characters


@pytest.mark.parametrize("data, text", [
    (codecs.BOM_UTF16_LE + "a=1".encode("utf-16-le"), "a=1"),
    (codecs.BOM_UTF16_BE + "a=1".encode("utf-16-be"), "a=1"),
    (codecs.BOM_UTF8 + b"a=1", "a=1"),
    (codecs.BOM_UTF32_LE + "a=1".encode("utf-32-le"), "a=1"),
    (b"a=1\xff", "a=1\ufffd"),
    (b"\x89PNG\r\n\x1a\n\0\0", None),
    ("a=1".encode("utf-16-le"), None),  # UTF-16 without a byte-order mark: binary
])
def test_decode_text(data, text):
    assert decode_text(data) == text


def test_pragmas_allow_a_line_or_the_next():
    token = "ghp_" + rand(ALNUM, 36)
    assert scan_text(f'T = "{token}"  # pragma: allowlist secret\n', "a.py") == []
    assert scan_text(f'T = "{token}"  # gitleaks:allow\n', "a.py") == []
    assert scan_text(f'# pragma: allowlist nextline secret\nT = "{token}"\nU = "{token}"\n', "a.py")[0] \
        .location.line == 3


def test_masking_and_location_of_a_multiline_key():
    text = "x = 1\n" + "\n".join(PEM_LINES) + "\n"
    (finding,) = scan_text(text, "keys/server.key")
    assert finding.location.line == 2 and finding.location.column == 1
    assert finding.properties["masked"] == "----…({} chars)".format(len("\n".join(PEM_LINES)))


@pytest.mark.parametrize("name, kind", [
    ("DB_PASSWORD", "password"), ("dbPassword", "password"), ("PGPASSWORD", "password"),
    ("db.pass", "password"),
    ("passphrase", "password"), ("SECRET_KEY", "secret"), ("apiKey", "secret"), ("client_secret", "secret"),
    ("GITHUB_TOKEN", "secret"), ("aws_secret_access_key", "secret"), ("credentials", "secret"),
    ("password_env", ""), ("passwordLabel", ""), ("tokenUrl", ""), ("secret_name", ""), ("csrf_token", ""),
    ("primaryKey", ""), ("cacheKey", ""), ("publicKey", ""), ("bypass", ""), ("keyboard", ""),
])
def test_which_names_hold_secrets(name, kind):
    assert assign.name_kind(name) == kind


@pytest.mark.parametrize("line, rel, value", [
    ('DB_PASSWORD="a#b c"', ".env", "a#b c"),
    ("DB_PASSWORD=a#b # comment", ".env", "a#b"),
    ("export PGPASSWORD='x\\'y'", "run.sh", "x\\'y"),
    ("password = rest of line ; comment", "app.ini", "rest of line"),
    ("password: a#b # comment", "c.yaml", "a#b"),
    ("password: 'it''s'", "c.yaml", "it''s"),
    ('"password": "q\\"uote"', "c.json", 'q\\"uote'),
    ("password = 'lit#eral'", "c.toml", "lit#eral"),
    ("password: `tmpl`", "a.js", "tmpl"),
    ("password: str = 'annotated'", "a.py", "annotated"),
    ("- DB_PASSWORD=listed", "compose.yaml", "listed"),
    ("<db_password>xml!</db_password>", "a.xml", "xml!"),
])
def test_values_are_read_as_the_format_writes_them(line, rel, value):
    assert [a.value for a in assign.find_assignments(line + "\n", rel)] == [value]


@pytest.mark.parametrize("line, rel", [
    ("password = compute()", "a.py"),  # code, not a literal
    ("if password == 'x': pass", "a.py"),
    ("password: `${a}b`", "a.js"),  # a template
    ("DB_PASSWORD=a", "a.py"),  # bare values only in data files
    ("password: |", "c.yml"),  # a block scalar
])
def test_no_value_where_the_format_has_none(line, rel):
    assert list(assign.find_assignments(line + "\n", rel)) == []


# --- the vendored gitleaks rules --------------------------------------------------------------
def test_re2_translation():
    assert translate_re2(r"\b(p8e-(?i)[a-z0-9]{32})(?:x|$)") == r"\b(p8e-(?i:[a-z0-9]{32}))(?:x|$)"
    assert translate_re2(r"(?i)abc") == r"(?i)abc"
    assert translate_re2(r"a(?i)b|c") == r"a(?i:b|c)"
    assert translate_re2(r"x(?:\s|\z)") == r"x(?:\s|\Z)"
    assert translate_re2(r"\b(pat[[:alnum:]]{14})") == r"\b(pat[0-9A-Za-z]{14})"
    assert translate_re2(r"[]a]") == r"[\]a]"
    with pytest.raises(RuleError):
        translate_re2("[[:nope:]]")


def test_rule_file_errors():
    with pytest.raises(RuleError, match="unknown keys"):
        parse_rules('[[rules]]\nid = "x"\nregex = "a"\nseverity = "high"\n', "t")
    with pytest.raises(RuleError, match="does not compile"):
        parse_rules('[[rules]]\nid = "x"\nregex = "(a"\n', "t")


def test_vendored_file_is_gitleaks_own_and_complete():
    text = (Path(importlib.import_module("echotune_ci.data").__file__).parent / GITLEAKS_FILE).read_text()
    assert text.startswith("# This file has been auto-generated.")
    assert text.count("[[rules]]") == 222
    rules = default_rules()
    # every rule with a pattern is kept (pkcs12-file matches file names only: binary files are skipped)
    assert len([r for r in rules.rules if r.source == "gitleaks"]) == 221
    assert (Path(importlib.import_module("echotune_ci.data").__file__).parent / "gitleaks-LICENSE") \
        .read_text().startswith("MIT License")


_FILE_NAMES = {"freemius-secret-key": "lib/freemius.php", "hashicorp-tf-password": "main.tf",
               "kubernetes-secret-yaml": "k8s/secret.yaml", "nuget-config-password": "nuget.config",
               "netrc-password": ".netrc", "pgpass-password": ".pgpass"}


class _Sampler:
    """Makes a string a compiled pattern matches: first alternatives, short repeats but for values."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.c = importlib.import_module("re._constants")
        self.groups: dict[int, str] = {}

    def __call__(self, pattern) -> str:
        return self.gen(importlib.import_module("re._parser").parse(pattern.pattern, pattern.flags))

    def chars(self, items) -> list[str]:
        c = self.c
        categories = {c.CATEGORY_DIGIT: string.digits, c.CATEGORY_SPACE: " ", c.CATEGORY_WORD: ALNUM + "_",
                      c.CATEGORY_NOT_SPACE: ALNUM, c.CATEGORY_NOT_DIGIT: string.ascii_letters,
                      c.CATEGORY_NOT_WORD: "-"}
        pool: set[str] = set()
        negate = False
        for op, arg in items:
            if op is c.NEGATE:
                negate = True
            elif op is c.LITERAL:
                pool.add(chr(arg))
            elif op is c.RANGE:
                pool.update(chr(i) for i in range(arg[0], arg[1] + 1))
            elif op is c.CATEGORY:
                pool.update(categories.get(arg, ""))
        if negate:
            return sorted(set(ALNUM + "!#%&()*,:;<>?@[]^{}|~") - pool)
        return sorted(p for p in pool if p.isprintable() and p != " ") or sorted(pool) or ["a"]

    def repeat(self, lo: int, hi: int) -> int:
        if lo >= 8 or (hi - lo > 8 and lo > 0):
            return min(hi, max(lo, 24))
        return lo if hi == lo else min(hi, max(lo, 1 if lo else 0))

    def gen(self, items, repeated: bool = False) -> str:
        c, out = self.c, []
        for op, arg in items:
            if op is c.LITERAL:
                out.append(chr(arg))
            elif op is c.NOT_LITERAL:
                out.append(self.rng.choice(sorted(set(ALNUM) - {chr(arg)})))
            elif op is c.ANY:  # alone: mostly an unescaped dot of a host name; repeated: any text
                out.append(self.rng.choice(ALNUM) if repeated else ".")
            elif op is c.AT and arg is c.AT_BOUNDARY and out and re.match(r"\w", out[-1][-1:] or " "):
                out.append(" ")  # a word ends here: \b needs what follows to be no word character
            elif op in (c.IN, c.CATEGORY):
                out.append(self.rng.choice(self.chars(arg if op is c.IN else [(op, arg)])))
            elif op is c.BRANCH:
                out.append(self.gen(arg[1][0], repeated))
            elif op is c.SUBPATTERN:
                out.append(self.gen(arg[3], repeated))
                self.groups[arg[0] or 0] = out[-1]
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT):
                out.append("".join(self.gen(arg[2], True) for _ in range(self.repeat(arg[0], arg[1]))))
            elif op is c.GROUPREF:
                out.append(self.groups.get(arg, ""))
        return "".join(out)


def test_every_kept_rule_matches_in_python_through_its_keywords():
    """Each rule, gitleaks' and ours: a string made from its own pattern is found by that rule through
    the keyword index, and the fast paths (keyword anchors, windows) find what the whole-text search
    finds."""
    rules = default_rules()
    failed = []
    for rule in rules.rules:
        rel = _FILE_NAMES.get(rule.id, "src/config.txt")
        for seed in range(40):
            sample = _Sampler(random.Random(seed))(rule.regex)
            text = f"first line: {' '.join(rule.keywords)}\n{sample}\n"  # some keywords are not in the match
            hits = [m for m in rules.scan(text, rel) if m.rule.id == rule.id]
            if hits:
                lower = text.lower()
                offsets = sorted({p for k in rule.keywords for p in rules.index.positions(lower).get(k, [])})
                fast = [(m.start, m.end) for m in rules._matches(rule, text, offsets or None, rel)]
                slow = [(m.start, m.end) for m in rules._matches(rule, text, None, rel)]
                assert fast == slow, rule.id
                break
        else:
            failed.append((rule.id, sample[:80]))
    assert failed == []


def _every_occurrence(text: str, keywords) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for keyword in keywords:
        i = text.find(keyword)
        while i >= 0:
            found.setdefault(keyword, []).append(i)
            i = text.find(keyword, i + 1)
    return found


def test_keyword_index_finds_overlapping_keywords():
    from echotune_ci.phases.security.secret_rules import KeywordIndex

    words = ["sk", "key", "ey", "sk_live", "xoxb", "xoxe.xoxb-", "ab", "abc", "bcd", "cd"]
    index = KeywordIndex(words, min_length=2)
    assert index.positions("a skey xoxe.xoxb- sk_live") == {
        "sk": [2, 18], "key": [3], "ey": [4], "xoxb": [12], "xoxe.xoxb-": [7], "sk_live": [18]}
    rng = random.Random(7)
    for _ in range(300):  # random texts made of keyword pieces: every occurrence, overlaps included
        text = "".join(rng.choice(words + ["x", " ", "s", "e", "k", "c", "d"]) for _ in range(40))
        positions = index.positions(text)
        assert positions == _every_occurrence(text, words), text
    short = KeywordIndex(words)  # keywords under 3 characters: present or not, no offsets
    assert short.positions("sk key")["sk"] == [] and short.positions("sk key")["key"] == [3]


def test_a_rule_that_backtracks_gives_up_and_says_so(tmp_path, monkeypatch):
    """Thousands of `curl` on one line make gitleaks' curl rules quadratic in Python's engine: they stop
    after their CPU budget, the other rules still run, and the report names what stopped."""
    rules = default_rules(assign.ANCHOR_WORDS)
    monkeypatch.setattr(rules, "budget", 0.05)
    token = "ghp_" + rand(ALNUM, 36)
    (tmp_path / "bundle.js").write_text("curl -H x " * 20000 + f'\nconst t = "{token}";\n')
    report = scan(tmp_path, [], exclude=[], allowlist=Allowlist(), max_file_bytes=1_000_000, entropy=3.5,
                  min_length=12, workers=1)
    assert ("bundle.js", "curl-auth-header") in report.stopped
    assert [f.rule_id for f in report.findings] == ["secrets.github-token"]


def test_names_and_defaults_agree_with_the_rules_and_settings():
    from echotune_ci.phases.security.checks.secrets import PLACEHOLDERS, RULE_NAMES
    from echotune_ci.phases.security.settings import SecretsSettings

    rules = default_rules()
    python_detectors = {"docker-registry-auth"}
    assert sorted(set(RULE_NAMES) - set(rules.by_id) - python_detectors) == []
    assert SecretsSettings().placeholders == PLACEHOLDERS
    assert all(rule_id.startswith("secrets.") and severity in ("critical", "high", "medium")
               for rule_id, _, severity in RULE_NAMES.values())


def test_redis_urls_without_a_user_name_are_found():
    # Redis before ACLs has no user name: its URLs are redis://:password@host (redis-py, ioredis, node-redis
    # document that form), rediss:// with TLS. Only the password part is the secret.
    password = rand(ALNUM, 18)
    lines = (f'const redis = new Redis("redis://:{password}@cache.internal:6379/0");\n'
             f"REDIS_URL=rediss://:{password}x@cache.internal:6380\n")
    found = scan_text(lines, "server/cache.js")
    assert [(f.rule_id, f.location.line) for f in found] == [("secrets.url-credentials", 1),
                                                           ("secrets.url-credentials", 2)]
    assert all(password not in json.dumps(f.to_dict()) for f in found)
    # the placeholders stay silent
    assert scan_text("url: redis://:${REDIS_PASSWORD}@redis:6379\nREDIS_URL=redis://:changeme@redis\n",
                     "docker-compose.yml") == []


def test_sarif_rule_metadata_names_the_rule_not_one_secret():
    from echotune_ci.report.sarif import to_sarif
    from echotune_ci.results import PhaseResult

    token = "ghp_" + rand(ALNUM, 36)
    found = scan_text(f"GITHUB_TOKEN={token}\nDB_PASSWORD=Tr0ub4dor&3x\n", ".env")
    rules = to_sarif([PhaseResult(phase="security", findings=found)])["runs"][0]["tool"]["driver"]["rules"]
    described = {r["id"]: r["shortDescription"]["text"] for r in rules}
    assert described == {"secrets.github-token": "Committed secret: GitHub token",
                         "secrets.password": "Committed secret: password assigned to a password-like name"}


def test_quoted_passwords_with_spaces_in_configuration_files_are_found():
    # dotenv, ini, TOML and YAML keep a quoted value whole, " #" and spaces included; code and sentences
    # (messages under a password-like name) stay out
    value = "Qu0ted #pw" + rand(ALNUM, 4) + "!"
    for rel, line in ((".env", f'ADMIN_PASSWORD="{value}"'), ("config/app.ini", f'password = "{value}"'),
                      ("app.toml", f'password = "{value}"'), ("values.yaml", f"  password: '{value}'")):
        found = scan_text(line + "\n", rel)
        assert [(f.rule_id, f.properties["length"]) for f in found] == [("secrets.password", len(value))], rel
        assert value not in json.dumps(found[0].to_dict())
    for rel, line in ((".env", 'ERROR_PASSWORD="Must be 8+ chars"'),
                      ("en.yml", 'password: "is too short (min 8)"'),
                      ("app.js", f'const cfg = {{ password: "{value}" }}'),
                      (".env", 'DB_PASSWORD="set me later"')):
        assert scan_text(line + "\n", rel) == [], rel


def test_the_runs_output_folder_is_not_scanned(tmp_path):
    """`run --output-dir results/` in a project that does not ignore results/: the next run scanned the
    last one's results and screenshots (secrets.files 95 against the base's 39; not_text +200 %)."""
    (tmp_path / "app.py").write_text(f"GITHUB_TOKEN = '{GITHUB}'\n")
    for name in ("results/load.json", "results/base/security.json", "results/report/comment.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(f'{{"token": "{GITHUB}"}}\n')  # as a finding's context would quote it
    (tmp_path / "results-of-my-app").mkdir()
    (tmp_path / "results-of-my-app" / "notes.txt").write_text("nothing\n")
    kwargs = dict(exclude=[], allowlist=Allowlist(), max_file_bytes=1_000_000, entropy=3.5, min_length=12)
    report = scan(tmp_path, [], leave_out=[tmp_path / "results"], **kwargs)
    assert report.files == 2 and [f.location.path for f in report.findings] == ["app.py"]
    assert scan(tmp_path, [], **kwargs).files == 5  # without it, as before


def test_an_output_folder_that_is_the_project_leaves_out_only_the_runs_own_files(tmp_path):
    """`run -o .` (or a folder above the project) made the scan leave out every file: 0 files, 0
    findings, silently."""
    from echotune_ci.phases.base import PhaseContext
    from echotune_ci.phases.security.checks.secrets import _own_output

    inside = PhaseContext(artifacts_dir=tmp_path / "results" / "artifacts", root=tmp_path,
                          output_dir=tmp_path / "results")
    assert _own_output(inside) == [tmp_path / "results"]
    for out in (tmp_path, tmp_path.parent):
        ctx = PhaseContext(artifacts_dir=out / "artifacts", root=tmp_path, output_dir=out)
        assert _own_output(ctx)[:3] == [out / "artifacts", out / "report", out / "base"]
        assert out / "security.json" in _own_output(ctx) and out / "package.json" not in _own_output(ctx)
    (tmp_path / "app.py").write_text(f"GITHUB_TOKEN = '{GITHUB}'\n")
    (tmp_path / "report").mkdir()
    (tmp_path / "report" / "comment.md").write_text(f"`{GITHUB}`\n")
    kwargs = dict(exclude=[], allowlist=Allowlist(), max_file_bytes=1_000_000, entropy=3.5, min_length=12)
    here = PhaseContext(artifacts_dir=tmp_path / "artifacts", root=tmp_path, output_dir=tmp_path)
    report = scan(tmp_path, [], leave_out=_own_output(here), **kwargs)
    assert [f.location.path for f in report.findings] == ["app.py"]
    assert PhaseContext(artifacts_dir=tmp_path, root=tmp_path).output_dir is None


def test_an_earlier_runs_untracked_output_folder_is_not_scanned_but_a_committed_one_is(tmp_path):
    """microblog: a run into /tmp scanned an earlier `--output-dir results/` left in the working tree
    (secrets.files 136 against the base's 76). A report only counts where git tracks none of its folder:
    a pull request must not hide a committed secret behind a report.json of its own."""
    import subprocess

    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    report_json = json.dumps({"generator": "echotune-ci 0.1.0", "schema_version": "1.0"})
    for folder in ("results", "committed", "not-ours"):
        (tmp_path / folder / "report").mkdir(parents=True)
        (tmp_path / folder / "report" / "report.json").write_text(
            report_json if folder != "not-ours" else json.dumps({"generator": "other 1.0"}))
        (tmp_path / folder / "load.json").write_text(f'{{"token": "{GITHUB}"}}\n')
    (tmp_path / "app.py").write_text("print('hello')\n")
    git("init", "-q")
    git("add", "app.py", "committed")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "c")
    kwargs = dict(exclude=[], allowlist=Allowlist(), max_file_bytes=1_000_000, entropy=3.5, min_length=12)
    report = scan(tmp_path, [], **kwargs)
    assert sorted(f.location.path for f in report.findings) == ["committed/load.json", "not-ours/load.json"]
    assert report.earlier_outputs == {"results": 2} and report.files == 5
    # Outside a git work tree nothing tells an earlier run's folder from the project's own files.
    shutil.rmtree(tmp_path / ".git")
    assert len(scan(tmp_path, [], **kwargs).findings) == 3


def test_an_earlier_run_into_the_project_itself_leaves_nothing_out(tmp_path):
    """`run -o .` in a repository with nothing committed yet (or a project untracked inside an outer
    repository) wrote report/report.json into the project: the next scan left the whole project out
    (secrets.files 0, gate pass) and a committed token went unreported."""
    import subprocess

    (tmp_path / "report").mkdir()
    (tmp_path / "report" / "report.json").write_text(json.dumps({"generator": "echotune-ci 0.1.0"}))
    (tmp_path / "app.py").write_text(f"GITHUB_TOKEN = '{GITHUB}'\n")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    kwargs = dict(exclude=[], allowlist=Allowlist(), max_file_bytes=1_000_000, entropy=3.5, min_length=12)
    report = scan(tmp_path, [], **kwargs)
    assert [f.location.path for f in report.findings] == ["app.py"] and report.earlier_outputs == {}
    # Nor a folder the scan was asked for by name.
    (tmp_path / "src" / "report").mkdir(parents=True)
    (tmp_path / "src" / "report" / "report.json").write_text(json.dumps({"generator": "echotune-ci 0.1.0"}))
    (tmp_path / "src" / "config.py").write_text(f"GITHUB_TOKEN = '{GITHUB}'\n")
    assert [f.location.path for f in scan(tmp_path, ["src"], **kwargs).findings] == ["src/config.py"]
    # Nor a subproject (untracked) where `cd web && run -o .` wrote a report beside its own files.
    (tmp_path / "web" / "report").mkdir(parents=True)
    (tmp_path / "web" / "report" / "report.json").write_text(json.dumps({"generator": "echotune-ci 0.1.0"}))
    (tmp_path / "web" / "security.json").write_text("{}")
    (tmp_path / "web" / "app.py").write_text(f"GITHUB_TOKEN = '{GITHUB}'\n")
    found = scan(tmp_path, [], **kwargs)
    assert "web/app.py" in [f.location.path for f in found.findings] and found.earlier_outputs == {}
