"""What a failing app's or step's output is cut down to in the one-line error."""

from __future__ import annotations

from pathlib import Path

import pytest

from echotune_ci.report.layout import one_line
from echotune_ci.serve.output import important_lines, lacks_a_dependency, missing_tool, summarise

NPM_CI = [
    "npm error code EUSAGE",
    "npm error",
    "npm error The `npm ci` command can only install with an existing package-lock.json or",
    "npm error npm-shrinkwrap.json with lockfileVersion >= 1. Run an install with npm@5 or",
    *[f"npm error   option {i}" for i in range(20)],
    "npm error A complete log of this run can be found in: /root/.npm/_logs/debug-0.log",
]


def test_the_first_error_lines_are_kept_where_tools_say_the_cause():
    shown = important_lines(NPM_CI)
    assert len(shown) == 12 and shown[4] == "…"
    assert "can only install with an existing package-lock.json or" in " ".join(shown[:4])
    # where npm's log is says nothing of why, nor does the prefix alone
    assert shown[-1] == "npm error   option 19" and "npm error" not in shown


def test_a_traceback_is_shown_from_its_header_to_the_exception():
    lines = ["INFO booting", "Traceback (most recent call last):", '  File "app.py", line 3, in <module>',
             "    import flask", "ModuleNotFoundError: No module named 'flask'", "INFO worker exiting"]
    assert important_lines(lines) == lines[1:5]
    assert summarise(lines).startswith("; it printed: Traceback")


def test_a_header_left_alone_by_a_thread_does_not_hide_the_traceback_before_it():
    """A threaded server's handler printed its traceback and exited while another thread had printed only
    its header: the crash quoted "Traceback (most recent call last):" and nothing else (CI, 2026-12-03)."""
    crash = ["Traceback (most recent call last):", '  File "app.py", line 42, in lookup',
             "ConnectionError: the database went away"]
    assert important_lines(["listening", *crash, "Traceback (most recent call last):"]) == crash
    # the other thread's header between the first thread's lines belongs to the last traceback as before
    mixed = [crash[0], crash[0], *crash[1:]]
    assert important_lines(mixed) == crash
    # a header alone is still shown when it is all there is
    assert important_lines(["listening", crash[0]]) == [crash[0]]


def test_only_errors_or_nothing_and_hostile_text_is_cleaned():
    assert important_lines(["listening on 3000", "GET / 200"], errors_only=True) == []
    assert important_lines(["listening on 3000"]) == ["listening on 3000"]
    shown = important_lines(["\x1b[31mError: boom\u202e\x07" + "x" * 1000])
    assert shown[0].startswith("Error: boom") and "\x1b" not in shown[0] and "\u202e" not in shown[0]
    assert len(shown[0]) == 300
    assert summarise([]) == "; it printed nothing"


def test_the_tool_a_shell_could_not_find():
    assert missing_tool(["sh: 1: npm: not found"]) == "npm"
    assert missing_tool(["/bin/sh: 1: exec: gunicorn: not found"]) == "gunicorn"
    assert missing_tool(["bash: vite: command not found"]) == "vite"
    assert missing_tool(["Error: Cannot find module 'express'"]) is None


def test_a_refused_ready_url_is_quoted_from_the_body_with_its_entities_read():
    """Django with DEBUG on quoted "Invalid HTTP_HOST header: &#x27;127.0.0.1:44905&#x27;"; its 500 page
    read "Server Error (500) Server Error (500)" (title and heading); with DEBUG off its 400 page said
    nothing of ALLOWED_HOSTS, and neither did the message. (Page texts: Django 5.1's own templates.)"""
    import httpx

    from echotune_ci.serve.app import _hint, answer_summary

    def answer(status: int, body: str) -> httpx.Response:
        return httpx.Response(status, text=body, request=httpx.Request("GET", "http://127.0.0.1:1/"))

    debug = ("<!DOCTYPE html><html lang=\"en\"><head><title>DisallowedHost at /</title></head><body>"
             "<h1>DisallowedHost at /</h1><pre>Invalid HTTP_HOST header: &#x27;127.0.0.1:44905&#x27;.</pre>")
    assert answer_summary(answer(400, debug)) == ("HTTP 400 Bad Request: DisallowedHost at / Invalid "
                                                 "HTTP_HOST header: '127.0.0.1:44905'.")
    server_error = ("<!doctype html>\n<html lang=\"en\">\n<head>\n  <title>Server Error (500)</title>\n"
                    "</head>\n<body>\n  <h1>Server Error (500)</h1><p></p>\n</body>\n</html>\n")
    assert answer_summary(answer(500, server_error)) == "HTTP 500 Internal Server Error: Server Error (500)"
    bad_request = server_error.replace("Server Error (500)", "Bad Request (400)")
    assert answer_summary(answer(400, bad_request)) == "HTTP 400 Bad Request: Bad Request (400)"
    assert "add 127.0.0.1 and localhost to ALLOWED_HOSTS" in _hint(bad_request)
    assert _hint("<title>400 Bad Request</title><h1>Bad Request</h1>") == ""  # Werkzeug's: no Django hint
    # realworld-django-ninja splits ALLOWED_HOSTS on ";": with "127.0.0.1,localhost" in [serve] env its
    # ready URL answered this page steadily (DEBUG off), with "127.0.0.1;localhost" 200
    env = {"DEBUG": "False", "ALLOWED_HOSTS": "127.0.0.1,localhost",
           "DATABASE_URL": "postgresql://rw:rw@127.0.0.1:5432/rwninja_{build}"}
    said = _hint(bad_request, env)
    assert "add 127.0.0.1 and localhost" not in said
    assert ("[serve] env sets ALLOWED_HOSTS = '127.0.0.1,localhost', yet Django refused 127.0.0.1: join the "
            "hosts with the separator the settings split that variable on") in said
    # A page that is all head still says something.
    assert answer_summary(answer(404, "<head><title>Gone</title></head>")) == "HTTP 404 Not Found: Gone"


def test_a_script_error_is_one_line_whatever_its_name_holds():
    """The page names its own errors: a name with a newline put one in frontend.json's warnings."""
    from types import SimpleNamespace

    from echotune_ci.phases.frontend.page import _script_error

    thrown = SimpleNamespace(name="TypeError", message="x is undefined\n    at f (app.js:1)")
    assert _script_error(thrown) == "TypeError: x is undefined"
    assert _script_error(SimpleNamespace(name="X\n::warning::n", message="boom")) == "X: boom"
    assert _script_error(SimpleNamespace(name="", message="")) == "Error"
    assert _script_error(SimpleNamespace(name="Error", message="\nboom")) == "Error: boom"


def test_a_compiler_error_in_the_middle_is_kept_and_a_warning_is_no_reason():
    # WebDevSimplified/Nodejs-Passport-Login's `npm ci` on Node 20: bcrypt 3's native build fails. The
    # message quoted "npm warn old lockfile code: 'ETARGET'" (an error code in a warning) and hid g++'s
    # errors under "…" between npm's first lines and node-pre-gyp's last ones.
    lines = ["npm warn old lockfile code: 'ETARGET',", "npm error code 1",
             "npm error path /app/node_modules/bcrypt", "npm error command failed",
             *[f"npm error gyp info spawn args '{i}'" for i in range(30)],
             "npm error ../node_modules/nan/nan_callbacks.h:55:23: error: 'AccessorSignature' is not a "
             "member of 'v8'", "npm error   55 | typedef v8::Local<v8::AccessorSignature> Sig;",
             "npm error ../node_modules/nan/nan.h:2470:19: error: no matching function for call",
             "npm error ../src/bcrypt.cc:9:1: warning: unused variable 'x'",
             *[f"npm error node-pre-gyp ERR! line {i}" for i in range(12)],
             "npm error A complete log of this run can be found in: /root/.npm/_logs/debug-0.log"]
    shown = important_lines(lines)
    assert not any("warn" in line for line in shown)
    assert shown[:3] == ["npm error code 1", "npm error path /app/node_modules/bcrypt",
                         "npm error command failed"]
    assert ("npm error ../node_modules/nan/nan_callbacks.h:55:23: error: 'AccessorSignature' is not a member "
            "of 'v8'") in shown
    assert shown[-1] == "npm error node-pre-gyp ERR! line 11" and len([x for x in shown if x != "…"]) <= 12


OUTPUTS = Path(__file__).resolve().parents[1] / "fixtures" / "step-output"


def printed(name: str) -> list[str]:
    """What a real tool printed (see tests/fixtures/step-output/README.md), as the buffer hands it on."""
    return (OUTPUTS / name).read_text(encoding="utf-8").splitlines()


def test_a_python_the_installer_refuses_is_quoted():
    # The message quoted virtualenv's RuntimeError (pipenv went on with the venv module) and pipenv's
    # "Couldn't install", not why: pip said it without "ERROR".
    shown = important_lines(printed("pipenv-sync-python3.7.txt"))
    assert "This version of pip does not support python 3.7 (requires >=3.10)." in shown
    assert shown[-1] == "ERROR: Couldn't install package(s): alembic==1.0.0"
    assert important_lines(printed("pip-requires-python.txt")) == [
        "ERROR: Package 'legacyapp' requires a different Python: 3.11.7 not in '<3.8,>=3.6'"]


def test_a_traceback_behind_a_tools_gutter_is_quoted_to_its_exception_with_the_package_note():
    # Poetry 2 quotes the build's output behind "    | ", Poetry 1 behind two spaces: the message quoted
    # "| Traceback (most recent call last):" alone.
    shown = important_lines(printed("poetry-2.1.3-pyyaml-6.0.txt"))
    assert shown[:2] == ["Traceback (most recent call last):", "…"] and len(shown) - 1 <= 12
    assert shown[-2:] == [
        "AttributeError: 'build_ext' object has no attribute 'cython_sources'",
        "Note: This error originates from the build backend, and is likely not a problem with poetry but one "
        "of the following issues with pyyaml (6.0)"]
    shown = important_lines(printed("poetry-1.8.5-pyyaml-6.0.txt"))
    assert shown[0] == "Traceback (most recent call last):" and "at " not in " ".join(shown)
    assert shown[-2] == "AttributeError: 'build_ext' object has no attribute 'cython_sources'"
    assert "not a problem with poetry but with pyyaml (6.0) not supporting PEP 517 builds" in shown[-1]
    # pip indents a build's output by six spaces and ends it with "[end of output]"
    shown = important_lines(printed("pip-setup-py-traceback.txt"))
    assert shown[0] == "Traceback (most recent call last):"
    assert shown[-1] == "FileNotFoundError: [Errno 2] No such file or directory: 'no_such_pg_config'"
    assert summarise(printed("pip-setup-py-traceback.txt")).startswith("; it printed: Traceback (most recent")


def test_a_traceback_wrapped_at_80_columns_ends_at_its_exception():
    # pipenv's rich console wraps lines: "line 416, in <module>" starts a line of its own
    shown = important_lines(printed("pipenv-install-python3.7.txt"))
    assert shown[0] == "Error: Traceback (most recent call last):" and shown[1] == "…"
    assert shown[-3:] == ["    if media_dir := _get_user_dirs_folder(env_var):", "                  ^",
                          "SyntaxError: invalid syntax"]


def test_an_exception_message_over_several_lines_is_kept_bounded():
    # pydantic 1 under gunicorn: the field's name and its error follow the exception line; gunicorn then
    # repeats the message and logs. The message stopped at "1 validation error for ProdAppSettings".
    shown = important_lines(printed("gunicorn-pydantic-1.txt"))
    assert shown[-3:] == ["pydantic.error_wrappers.ValidationError: 1 validation error for ProdAppSettings",
                          "secret_key", "  field required (type=value_error.missing)"]
    assert shown[:2] == ["Traceback (most recent call last):", "…"] and len(shown) - 1 <= 12
    # pydantic 2, two fields of three lines each: four lines at most, never a name without its error
    shown = important_lines(printed("pydantic-2.txt"))
    assert shown[-4:] == [
        "pydantic_core._pydantic_core.ValidationError: 2 validation errors for ProdAppSettings", "secret_key",
        "  Field required [type=missing, input_value={}, input_type=dict]",
        "    For further information visit https://errors.pydantic.dev/2.14/v/missing"]


def test_npms_reason_is_quoted_without_its_usage_text_and_log_paths():
    """npm ci with a lockfile out of step printed its whole usage text under "npm error", and an
    ERESOLVE conflict its blank "npm error" lines: the quote showed the usage and "A complete log of this
    run ..." and left out "Missing: left-pad@1.3.0 from lock file" and the peer that conflicts."""
    out_of_sync = printed("npm-11.19-ci-out-of-sync.txt")
    assert important_lines(out_of_sync) == [
        "npm error code EUSAGE",
        "npm error `npm ci` can only install packages when your package.json and package-lock.json or "
        "npm-shrinkwrap.json are in sync. Please update your lock file with `npm install` before continuing.",
        "npm error Missing: left-pad@1.3.0 from lock file"]
    eresolve = printed("npm-11.19-install-eresolve.txt")
    shown = important_lines(eresolve)
    assert shown[:2] == ["npm error code ERESOLVE", "npm error ERESOLVE unable to resolve dependency tree"]
    assert 'npm error Found: react@17.0.2' in shown and "npm error Could not resolve dependency:" in shown
    assert 'npm error peer react@"^18.2.0" from react-dom@18.2.0' in shown
    assert not [line for line in shown if line.strip() in ("npm error", "…") or ".npm/_logs" in line]
    # A cause in the middle of a long output is kept: the same conflict after 40 lines of progress
    longer = [f"npm error step {i}: fetch failed" for i in range(40)] + eresolve
    assert 'npm error peer react@"^18.2.0" from react-dom@18.2.0' in important_lines(longer)


def test_npms_advice_under_a_404_is_left_out_so_the_comment_keeps_the_tarball():
    """npm ci of a lockfile whose tarball the registry no longer has (an unpublished version: remult
    0.26.11 of a real project's base) ends with two lines of advice under "npm error 404"; the comment's
    warning keeps a message's start and end, and its end was that advice, with the URL of the tarball cut
    from the middle: "npm error 404 Not Found … to access it. | npm error 404 Note that ..."."""
    lines = printed("npm-11.19-ci-tarball-404.txt")
    assert important_lines(lines) == [
        "npm error code E404",
        "npm error 404 Not Found - GET https://registry.npmjs.org/left-pad/-/left-pad-1.3.9.tgz",
        "npm error 404  The requested resource "
        "'left-pad@https://registry.npmjs.org/left-pad/-/left-pad-1.3.9.tgz' could not be found or you do "
        "not have permission to access it."]
    warning = one_line("no comparison with the base: the base (--base-ref main) could not be measured: "
                       "serve.setup failed with exit code 1 (npm ci)" + summarise(lines))
    assert "left-pad-1.3.9.tgz' could not be found" in warning and "Note that" not in warning
    # npm 6 says the same under "npm ERR!"
    old = [line.replace("npm error", "npm ERR!") for line in lines]
    assert important_lines(old) == [line.replace("npm error", "npm ERR!") for line in important_lines(lines)]


def test_pnpms_error_code_is_its_reason_and_its_warnings_are_not():
    """pnpm 9.15 refusing a pnpm 7 lockfile: its error line was not read as one (ERR_PNPM_... is not an
    errno's shape), so the quote was the last lines, its engine warning and "Run with the --force
    parameter to recreate the lockfile." (no advice for CI) among them."""
    assert important_lines(printed("pnpm-9.15-lockfile-5.4.txt")) == [
        "\u2009ERR_PNPM_LOCKFILE_BREAKING_CHANGE\u2009 Lockfile /srv/app/pnpm-lock.yaml not compatible with "
        "current pnpm"]


@pytest.mark.parametrize(("lines", "lacks"), [
    # the project's own file (CommonJS, then ESM; SQLite-Template's `node server.js` with no server.js): no
    # setup makes it, so the error got a "setup was skipped ... `run --force-setup`" hint that could not help
    (["node:internal/modules/cjs/loader:1228", "Error: Cannot find module '/work/app/backend/server.js'",
      "    at Module._resolveFilename (node:internal/modules/cjs/loader:1225:15)",
      "  code: 'MODULE_NOT_FOUND',"], False),
    (["Error [ERR_MODULE_NOT_FOUND]: Cannot find module '/srv/app/dist/db.js' imported from "
      "/srv/app/dist/index.js", "  code: 'ERR_MODULE_NOT_FOUND',"], False),
    (["Error: Cannot find module './routes/users'"], False),
    # as Node 20 prints it: the line of its own source it quotes names the error code, not a module (a
    # TypeScript build whose "#config/*" import map points at src/, which holds no .js)
    (["node:internal/modules/esm/resolve:283", "    throw new ERR_MODULE_NOT_FOUND(", "          ^", "",
      "Error [ERR_MODULE_NOT_FOUND]: Cannot find module '/srv/api/src/config/db.js' imported from "
      "/srv/api/dist/src/index.js", "    at finalizeResolution (node:internal/modules/esm/resolve:283:11)",
      "  code: 'ERR_MODULE_NOT_FOUND',", "  url: 'file:///srv/api/src/config/db.js'", "}"], False),
    (["    throw new ERR_MODULE_NOT_FOUND(",
      "Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'pg' imported from /srv/api/dist/db.js",
      "Error: Cannot find module '/srv/api/dist/x.js'"], True),
    # packages, and a file inside node_modules (an install that did not finish)
    (["Error: Cannot find module 'express'", "  code: 'MODULE_NOT_FOUND',"], True),
    (["Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'express' imported from /srv/app/index.js"], True),
    (["Error: Cannot find module '/srv/app/node_modules/express/index.js'"], True),
    (["ModuleNotFoundError: No module named 'flask'"], True),
])
def test_a_missing_file_of_the_projects_own_is_not_a_missing_dependency(lines, lacks):
    assert lacks_a_dependency(lines) is lacks


def test_the_indented_lines_under_an_error_that_ends_in_a_colon_are_kept():
    # drizzle-kit migrate with its URL unset (docs/real-projects.md, fourteenth round): the line under the
    # error says which parameter; before, the quote ended at the colon
    lines = ["No config path provided, using default 'drizzle.config.ts'",
             "Reading config file '/app/drizzle.config.ts'",
             "\x1b[31mError\x1b[0m  Please provide required params:",
             "    [x] url: undefined",
             "npm run build exited"]
    assert important_lines(lines) == ["Error  Please provide required params:", "[x] url: undefined"]
    # an error without a colon keeps no indented line below it; an indented error is quoted once
    assert important_lines(["Error: boom", "    at main (x.js:1:1)"]) == ["Error: boom"]
    assert important_lines(["Error: 2 problems:", "  TypeError: x is undefined", "  b", "done"]) == [
        "Error: 2 problems:", "TypeError: x is undefined", "b"]


def test_a_database_refusal_printed_as_lowercase_error_is_quoted_not_the_statement_under_it():
    # drizzle-kit migrate through node-postgres: the server's refusal is "error: ...", and the SQL quoted
    # under it says ENUM, which is no errno
    lines = ["Reading config file 'drizzle.config.ts'", "Using 'pg' driver for database querying",
             "[+] applying migrations...error: unterminated /* comment at or near \"/*",
             "CREATE TYPE \"public\".\"kind\" AS ENUM('a', 'b');\"", "  length: 159,", "  code: '42601',",
             "  routine: 'scanner_yyerror'", "}"]
    shown = important_lines(lines, errors_only=True)
    assert shown == ["[+] applying migrations...error: unterminated /* comment at or near \"/*"]


def test_an_env_validators_reason_is_quoted_under_its_exception():
    # AdonisJS's EnvValidationException as a non-terminal gets it (ace migration:run in build, sixteenth
    # round): its message one word a line, then the variable; only "EnvValidationException:" was quoted
    lines = ["", "   EnvValidationException:", "Validation", "failed", "for", "one", " ",
             '   - Missing environment variable "PORT"', " ", "   at anonymous start/env.js:2"]
    shown = important_lines(lines)
    assert 'Missing environment variable "PORT"' in " ".join(shown)


def test_a_django_system_check_error_is_quoted_with_its_hint():
    # MostafaRM7/DjangoNinjaCookieCutter's build (`manage.py makemigrations`, its packages.txt without
    # Pillow): the run's error quoted "SystemCheckError: System check identified some issues: | ERRORS:"
    # and not the error itself. Its output, as the command printed it:
    printed = ["SystemCheckError: System check identified some issues:", "", "ERRORS:",
               "user.User.avatar: (fields.E210) Cannot use ImageField because Pillow is not installed.",
               '\tHINT: Get Pillow at https://pypi.org/project/Pillow/ or run command "python -m pip install '
               'Pillow".']
    assert important_lines(printed, errors_only=True)[2:] == [
        "user.User.avatar: (fields.E210) Cannot use ImageField because Pillow is not installed.",
        'HINT: Get Pillow at https://pypi.org/project/Pillow/ or run command "python -m pip install Pillow".']
    # a warning of the checks (W) is no reason a command stopped
    assert important_lines(["WARNINGS:", "app.M: (models.W042) Auto-created primary key used"],
                           errors_only=True) == []


def test_a_chained_exception_names_the_cause_it_was_raised_from():
    # MostafaRM7/DjangoNinjaCookieCutter under runserver (a middleware packages.txt does not install): the
    # run quoted the last traceback, "ImproperlyConfigured: WSGI application 'DjangoNinja.wsgi.application'
    # could not be loaded; Error importing module.", and not the ModuleNotFoundError it was raised from.
    # The app's output, its frames cut to one each:
    printed = [
        "Traceback (most recent call last):",
        '  File "/app/.venv/lib/python3.12/site-packages/django/utils/module_loading.py", line 30, in '
        "import_string",
        "    return cached_import(module_path, class_name)",
        "ModuleNotFoundError: No module named 'ninja_put_patch_file_upload_middleware'",
        "",
        "The above exception was the direct cause of the following exception:",
        "",
        "Traceback (most recent call last):",
        '  File "/app/.venv/lib/python3.12/site-packages/django/core/servers/basehttp.py", line 50, in '
        "get_internal_wsgi_application",
        "    raise ImproperlyConfigured(",
        "django.core.exceptions.ImproperlyConfigured: WSGI application 'DjangoNinja.wsgi.application' could "
        "not be loaded; Error importing module.",
    ]
    shown = important_lines(printed)
    assert shown[-2:] == [
        "django.core.exceptions.ImproperlyConfigured: WSGI application 'DjangoNinja.wsgi.application' could "
        "not be loaded; Error importing module.",
        "caused by: ModuleNotFoundError: No module named 'ninja_put_patch_file_upload_middleware'"]
    # raised while handling another: named the same way; a traceback alone gets no such line
    handling = [*printed[:5], "During handling of the above exception, another exception occurred:",
                *printed[6:]]
    assert important_lines(handling)[-1].startswith("caused by: ModuleNotFoundError")
    assert not [x for x in important_lines(printed[7:]) if x.startswith("caused by")]


# What j10ra/fastify-drizzle-postgres printed through `pino-pretty --colorize` under the api phase: a 500 of
# POST /api/v1/auth/refresh-token ("Invalid refresh token"), then 400s it logs as errors too, last
_FASTIFY_LOG = """\
[11:33:43.511] \x1b[31mERROR\x1b[39m (31846): \x1b[36mInvalid refresh token\x1b[39m
    reqId: "req-4"
    err: {
      "type": "HttpInternalServerError",
      "message": "Invalid refresh token",
      "stack":
          HttpInternalServerError: Invalid refresh token
              at findRefreshToken (/tmp/fdp/build/modules/auth/auth.service.js:29:15)
      "name": "HttpInternalServerError",
      "statusCode": 500,
      "isOperational": true
    }
[11:33:43.517] \x1b[32mINFO\x1b[39m (31846): \x1b[36mrequest completed\x1b[39m
    res: {
      "statusCode": 500
    }
[11:33:37.666] \x1b[31mERROR\x1b[39m (31846): \x1b[36mUsername is already taken\x1b[39m
    reqId: "req-3"
    err: {
      "type": "HttpBadRequestError",
      "message": "Username is already taken",
      "stack":
          HttpBadRequestError: Username is already taken
              at /tmp/fdp/build/modules/user/user.controller.js:24:15
      "name": "HttpBadRequestError",
      "statusCode": 400,
      "isOperational": true
    }
[11:33:37.666] \x1b[32mINFO\x1b[39m (31846): \x1b[36mResponse details\x1b[39m
    response: "{\\"error\\":true,\\"statusCode\\":400,\\"message\\":\\"Username is already taken\\"}"
{"level":50,"msg":"body must be object","err":{"type":"FastifyError","statusCode":400}}
"""


def test_a_server_error_is_explained_by_its_own_record_not_the_client_errors_logged_after_it():
    from echotune_ci.results.model import Finding, PhaseResult
    from echotune_ci.runner import server_errors_said

    class Logged:
        """The app as server_errors_said reads it: its output."""

        def output_tail(self) -> str:
            return _FASTIFY_LOG

    api = PhaseResult(phase="api", status="fail", findings=[Finding(
        rule_id="api/server-error", severity="high", message="POST /api/v1/auth/refresh-token (answered 500)",
        source_tool="schemathesis")])
    [said] = server_errors_said([api], Logged()).pop().warnings  # type: ignore[arg-type]
    # the run had quoted "HttpBadRequestError: Username is already taken" and the 400's response line
    assert "Username is already taken" not in said and "body must be object" not in said
    assert said.startswith("the app answered with server errors (5xx); its output named: ")
    assert "HttpInternalServerError: Invalid refresh token" in said


_TAKEN = """\
[11:55:20.100] \x1b[31mERROR\x1b[39m (4242): \x1b[36mUsername is already taken\x1b[39m
    err: {
      "type": "HttpBadRequestError",
      "stack":
          HttpBadRequestError: Username is already taken
              at /tmp/fdp/build/modules/user/user.controller.js:25:15
      "statusCode": 400
    }
[11:55:20.101] \x1b[32mINFO\x1b[39m (4242): \x1b[36mResponse details\x1b[39m
    response: "{\\"error\\":true,\\"statusCode\\":400,\\"message\\":\\"Username is already taken\\"}"
"""
_TRIM = """\
[11:55:28.300] \x1b[31mERROR\x1b[39m (4242): \x1b[36mCannot read properties of undefined \
(reading 'trim')\x1b[39m
    err: {
      "type": "TypeError",
      "stack":
          TypeError: Cannot read properties of undefined (reading 'trim')
              at /tmp/fdp/build/modules/user/user.controller.js:18:37
    }
[11:55:28.301] \x1b[32mINFO\x1b[39m (4242): \x1b[36mrequest completed\x1b[39m
    res: {
      "statusCode": 500
    }
"""


def test_the_early_error_lines_kept_apart_from_their_records_are_no_cause():
    # the planted head's app under `run --phase api`: the sign-up flow of an account that existed (400) at
    # the start, whose first lines OutputBuffer keeps apart from their records, then the contract test's
    # 500s and more 400s; the quote had named "HttpBadRequestError: Username is already taken" first
    from echotune_ci.results.model import Finding, PhaseResult
    from echotune_ci.runner import server_errors_said
    from echotune_ci.serve.output import OutputBuffer

    buffer = OutputBuffer(max_lines=30)
    filler = "".join(f"[11:55:2{i % 10}.000] INFO (4242): incoming request\n    reqId: \"req-{i}\"\n"
                     for i in range(20))
    buffer.feed((_TAKEN + filler + _TRIM + _TAKEN).encode())
    buffer.close()
    kept = buffer.lines()
    assert "…" in kept and any("Username is already taken" in x for x in kept[:kept.index("…")])

    class Logged:
        """The app as server_errors_said reads it."""

        def output_tail(self) -> str:
            return "\n".join(kept)

    api = PhaseResult(phase="api", status="fail", findings=[Finding(
        rule_id="api/server-error", severity="high", message="POST /api/v1/user/create (answered 500)",
        source_tool="schemathesis")])
    [said] = server_errors_said([api], Logged()).pop().warnings  # type: ignore[arg-type]
    assert "Username is already taken" not in said
    assert "TypeError: Cannot read properties of undefined (reading 'trim')" in said
    # the A/A run of the trial base: the 500s' own records scrolled out of the tail, the early 400 lines
    # alone were quoted ("its output named: HttpBadRequestError: Username is already taken (2 times)")
    buffer = OutputBuffer(max_lines=30)
    buffer.feed((_TAKEN + filler + filler).encode())
    buffer.close()
    kept = buffer.lines()
    assert "…" in kept
    assert server_errors_said([api], Logged()) == [api]  # type: ignore[arg-type]
