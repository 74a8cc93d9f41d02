"""init and the gunicorn.conf.py that gunicorn loads from the folder it starts in (gunicorn's docs: the
default ``--config`` is ``./gunicorn.conf.py``; the command line wins over it).

hackersandslackers/flask-blueprint-tutorial's (below, as committed at 468023f) raises without ENVIRONMENT:
the first `run --base-ref` stopped in the head's gunicorn on "ValueError: Unknown environment provided:
`None`. Must be `development` or `production`." (/tmp/fbt/gunicorn.conf.py, line 30), and init had said
nothing of the file. Served on the port it was given with ENVIRONMENT=development, whose bind is 8008: the
command line's --bind won.
"""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli

from echotune_ci.project.gunicornconf import config_note

BLUEPRINTS_CONF = '''"""Gunicorn configuration file."""

from os import environ, path

from dotenv import load_dotenv

basedir = path.abspath(path.dirname(__file__))
load_dotenv(path.join(basedir, ".env"))

ENVIRONMENT = environ.get("ENVIRONMENT")

proc_name = "flaskblueprint"
wsgi_app = "wsgi:app"
bind = "unix:flask.sock"
threads = 2
workers = 2

if ENVIRONMENT == "development":
    reload = True
    workers = 1
    threads = 1
    bind = ["127.0.0.1:8008"]
elif ENVIRONMENT == "production":
    daemon = True
    accesslog = "/var/log/flaskblueprint/info.log"
    errorlog = "/var/log/flaskblueprint/error.log"
    loglevel = "trace"
    dogstatsd_tags = "env:prod,service:flaskblueprint,language:python,type:tutorial"
else:
    raise ValueError(f"Unknown environment provided: `{ENVIRONMENT}`. Must be `development` or `production`.")
'''
EXPECTED = ("gunicorn loads gunicorn.conf.py from the folder it starts in (the command line wins over it: "
            "--bind); its threads, workers, reload, daemon, accesslog, errorlog apply to the measured server "
            "(daemon = True detaches gunicorn, and the run sees it exit); it reads ENVIRONMENT "
            "(gunicorn.conf.py:10) and raises at line 30 when it is not what it expects: give it in "
            "[serve] env")


def test_the_config_gunicorn_loads_is_named_with_what_it_reads_and_raises(tmp_path: Path) -> None:
    (tmp_path / "gunicorn.conf.py").write_text(BLUEPRINTS_CONF)
    assert config_note(tmp_path, "gunicorn --bind 127.0.0.1:{port} wsgi:app") == EXPECTED
    assert config_note(tmp_path, "poetry run gunicorn --bind 127.0.0.1:{port} wsgi:app") == EXPECTED
    # a command that names its own config file, another server, or a file that sets nothing of note
    assert config_note(tmp_path, "gunicorn -c ci/gunicorn.py --bind 127.0.0.1:{port} wsgi:app") == ""
    assert config_note(tmp_path, "gunicorn --config=ci.py wsgi:app") == ""
    assert config_note(tmp_path, "uvicorn main:app --port {port}") == ""
    (tmp_path / "gunicorn.conf.py").write_text('bind = "0.0.0.0:8000"\nproc_name = "app"\n')
    assert config_note(tmp_path, "gunicorn --bind 127.0.0.1:{port} wsgi:app") == ""
    (tmp_path / "gunicorn.conf.py").write_text("from os import getenv\n"
                                               "workers = int(getenv('WEB_CONCURRENCY', 4))\n")
    assert config_note(tmp_path, "gunicorn wsgi:app") == said("workers",
                                                              "WEB_CONCURRENCY (gunicorn.conf.py:2)")


def said(applied: str, read: str) -> str:
    """The note of a file whose settings *applied* apply and that reads the variables *read*."""
    return ("gunicorn loads gunicorn.conf.py from the folder it starts in (the command line wins over it: "
            f"--bind); its {applied} apply to the measured server; it reads {read}: give it in [serve] env")


def test_init_writes_the_check_beside_the_command(tmp_path: Path, cli_env: dict[str, str]) -> None:
    root = tmp_path / "blueprints"
    root.mkdir()
    (root / "requirements.txt").write_text("flask==3.1.2\ngunicorn==23.0.0\npython-dotenv==1.1.1\n")
    (root / "wsgi.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    (root / "gunicorn.conf.py").write_text(BLUEPRINTS_CONF)
    proc = run_cli("init", "--dir", str(root), "--ref", "0" * 40, env=cli_env)
    assert proc.returncode == 0, proc.stderr
    assert f"check: {EXPECTED}" in proc.stderr
    toml = (root / "echotune.toml").read_text()
    assert "# check: gunicorn loads gunicorn.conf.py from the folder it starts in" in toml


def test_settings_any_assignment_makes_are_named(tmp_path: Path) -> None:
    # gunicorn runs the file and takes every global it knows: `gunicorn --print-config app:app` (23.0.0)
    # with this file printed workers = 3, threads = 4, reload = True and timeout = 30 (its default: an
    # annotation alone sets nothing). Only plain `name = value` was read, and the note said none of them.
    (tmp_path / "gunicorn.conf.py").write_text('import os\nworkers: int = 3\nthreads, reload = 4, True\n'
                                               'timeout: int\nENV = os.environ.get("ENVIRONMENT")\n')
    assert config_note(tmp_path, "gunicorn app:app") == said("workers, threads, reload",
                                                             "ENVIRONMENT (gunicorn.conf.py:5)")


def test_a_file_nested_too_deeply_stops_nothing(tmp_path: Path, cli_env: dict[str, str]) -> None:
    # Python loads an attribute chain 600 deep (ast.parse takes it), but ast.unparse of it raised
    # RecursionError, and one a few thousand deep or "------...1" raise out of ast.parse itself
    # (RecursionError, MemoryError): init stopped on "input nested too deeply to process (RecursionError)".
    conf = tmp_path / "gunicorn.conf.py"
    conf.write_text("import os\nworkers = 2\nx = " + "a." * 600 + "environ['X']\n")
    assert config_note(tmp_path, "gunicorn app:app") == said("workers", "X (gunicorn.conf.py:3)")
    for text in ("x = " + "a." * 20000 + "environ['X']\n", "x = " + "-" * 50000 + "1\n"):
        conf.write_text(text)
        assert config_note(tmp_path, "gunicorn app:app") == ""  # gunicorn cannot load it either
    (tmp_path / "requirements.txt").write_text("flask==3.1.2\ngunicorn==23.0.0\n")
    (tmp_path / "wsgi.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    proc = run_cli("init", "--dir", str(tmp_path), "--ref", "0" * 40, env=cli_env)
    assert proc.returncode == 0, proc.stderr
    assert "gunicorn" in (tmp_path / "echotune.toml").read_text()


def test_the_file_its_c_names_is_the_one_read(tmp_path: Path) -> None:
    # `gunicorn -c conf/g.py --print-config app:app` (23.0.0) printed config = conf/g.py and its workers = 5
    # (-cconf/g.py the same; a -w 2 beside it won): a Procfile's `gunicorn -c gunicorn.conf.py wsgi:app`
    # loads what the bare command does, and init said nothing of it.
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "g.py").write_text("import os\nworkers = 5\nENV = os.environ['ENVIRONMENT']\n")
    (tmp_path / "gunicorn.conf.py").write_text(BLUEPRINTS_CONF)
    named = ("gunicorn loads conf/g.py, which its -c names (the command line wins over it: --bind); its "
             "workers apply to the measured server; it reads ENVIRONMENT (conf/g.py:3): give it in [serve] "
             "env")
    for command in ("gunicorn -c conf/g.py app:app", "gunicorn -cconf/g.py app:app",
                    "poetry run gunicorn --config=conf/g.py app:app",
                    "python -m gunicorn --config conf/g.py a:b"):
        assert config_note(tmp_path, command) == named, command
    assert config_note(tmp_path, "gunicorn -c gunicorn.conf.py wsgi:app") == EXPECTED.replace(
        "gunicorn.conf.py from the folder it starts in", "gunicorn.conf.py, which its -c names")
    # after `cd conf &&` gunicorn starts there, where no gunicorn.conf.py is; a module, or a file out of the
    # project, is not read
    assert config_note(tmp_path, "cd conf && gunicorn app:app") == ""
    assert config_note(tmp_path, "cd conf && gunicorn -c g.py app:app") == named.replace("conf/g.py", "g.py")
    assert config_note(tmp_path, "gunicorn -c python:conf.g app:app") == ""
    assert config_note(tmp_path / "conf", "gunicorn -c ../gunicorn.conf.py app:app") == ""


def test_a_gunicorn_that_serves_one_request_at_a_time_is_said_so(tmp_path):
    """gunicorn's documented defaults: ``workers`` = WEB_CONCURRENCY else 1, ``threads`` = 1, the ``sync``
    worker class; GUNICORN_CMD_ARGS is read as arguments. djangonaut-space's Procfile runs a bare
    ``gunicorn indymeet.wsgi`` (Dokku sets WEB_CONCURRENCY): under `run` it served one request at a time,
    and a 200-ms sleep planted in the home page regressed /events/ by 211 %."""
    from echotune_ci.project.gunicornconf import one_worker_note

    bare = "gunicorn --bind 127.0.0.1:{port} indymeet.wsgi"
    note = one_worker_note(tmp_path, bare, {})
    assert note.startswith("gunicorn serves one request at a time here (no --workers, --threads or "
                           "--worker-class, and no WEB_CONCURRENCY, whose default is 1 sync worker)")
    concurrent = ("gunicorn -w 3 app:app", "gunicorn -w3 app:app", "gunicorn --workers=3 app:app",
                  "gunicorn --threads 4 app:app", "gunicorn -k uvicorn.workers.UvicornWorker app:app",
                  "gunicorn -kgevent app:app", "gunicorn --worker-class=gthread app:app")
    assert [c for c in concurrent if one_worker_note(tmp_path, c, {})] == []
    assert one_worker_note(tmp_path, bare, {"WEB_CONCURRENCY": "3"}) == ""
    assert one_worker_note(tmp_path, bare, {"GUNICORN_CMD_ARGS": "--workers 3"}) == ""
    assert one_worker_note(tmp_path, "uvicorn app:app", {}) == ""
    # the file gunicorn loads from the folder it starts in, or the one its -c names
    conf = "import multiprocessing\nworkers = multiprocessing.cpu_count()\n"
    (tmp_path / "gunicorn.conf.py").write_text(conf)
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "conf.py").write_text("threads = 4\n")
    assert one_worker_note(tmp_path, bare, {}) == ""
    assert one_worker_note(tmp_path, "cd api && gunicorn -c conf.py app:app", {}) == ""
    assert one_worker_note(tmp_path, "cd api && gunicorn app:app", {}) == note
