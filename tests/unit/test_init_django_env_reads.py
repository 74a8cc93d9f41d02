"""Django settings that read their variables under a condition or through django-environ, and the
database variables init names (tried on an Azure-style Django quiz site and a Flask app on PostgreSQL,
each here as a fixture of our own)."""

from __future__ import annotations

import json
from pathlib import Path

from echotune_ci.project.init import app_setup
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

MANAGE = "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site1.settings')\n"


def django_site(root: Path, settings: str, requirements: str = "Django==5.0.6\ngunicorn==22.0.0\n") -> Path:
    return write(root, {"requirements.txt": requirements, "manage.py": MANAGE, "site1/__init__.py": "",
                        "site1/wsgi.py": "application = None\n", "site1/settings.py": settings})


def hosts_notes(app) -> list[str]:
    return [n for n in app.all_checks() if "ALLOWED_HOSTS" in n]


def test_allowed_hosts_read_under_a_condition_that_tests_its_own_variable_is_set_to_one_host(tmp_path):
    # Django 5.0.6 with DEBUG False (run here, CommonMiddleware, Host 127.0.0.1:8123): ALLOWED_HOSTS = []
    # answers 400; WEBSITE_HOSTNAME=127.0.0.1 makes the first branch hold and answers 200. The list has
    # one item: WEBSITE_HOSTNAME="127.0.0.1,localhost" is one host that matches nothing (400 there too).
    # "(line 6)": the line of the read, as the DEBUG notes give theirs.
    django_site(tmp_path, "import os\n\nSECRET_KEY = 'k'\n\n"
                          "if 'WEBSITE_HOSTNAME' in os.environ:\n"
                          "    ALLOWED_HOSTS = [os.environ['WEBSITE_HOSTNAME']]\n"
                          "    DEBUG = False\n"
                          "else:\n"
                          "    ALLOWED_HOSTS = []\n"
                          "    DEBUG = True\n")
    app = app_setup(tmp_path)
    assert app.env["WEBSITE_HOSTNAME"] == "127.0.0.1"
    decided = [(d.value, d.source) for d in app.decisions if d.key == "env"]
    assert ("WEBSITE_HOSTNAME=127.0.0.1", "site1/settings.py reads ALLOWED_HOSTS from WEBSITE_HOSTNAME under "
            "`if 'WEBSITE_HOSTNAME' in os.environ` (line 6)") in decided
    assert hosts_notes(app) == []


def test_a_condition_on_another_variable_is_named_with_what_the_hosts_are_otherwise(tmp_path):
    django_site(tmp_path, "import os\n\nSECRET_KEY = 'k'\n"
                          "if os.environ.get('RUNNING_IN_PRODUCTION'):\n"
                          "    ALLOWED_HOSTS = [os.getenv('WEBSITE_HOSTNAME')]\n"
                          "else:\n"
                          "    ALLOWED_HOSTS = []\n")
    app = app_setup(tmp_path)
    assert app.env["WEBSITE_HOSTNAME"] == "127.0.0.1"
    assert hosts_notes(app) == [
        "site1/settings.py reads ALLOWED_HOSTS from WEBSITE_HOSTNAME only under "
        "`if os.environ.get('RUNNING_IN_PRODUCTION')` (line 5): unless that holds in this run's environment, "
        "ALLOWED_HOSTS is [] under `else` (line 7), and the app answers 400 (DisallowedHost) with DEBUG off"]


def test_hosts_from_django_environ_under_a_condition_and_a_wildcard_otherwise_need_no_note(tmp_path):
    django_site(tmp_path, "import environ\n\nenv = environ.Env(DEBUG=(bool, False))\nSECRET_KEY = 'k'\n"
                          "DEBUG = env('DEBUG')\n"
                          "if DEBUG:\n"
                          "    ALLOWED_HOSTS = ['*']\n"
                          "else:\n"
                          "    ALLOWED_HOSTS = env.list('DJANGO_ALLOWED_HOSTS')\n")
    app = app_setup(tmp_path)
    assert (app.env["DEBUG"], app.env["DJANGO_ALLOWED_HOSTS"]) == ("False", "127.0.0.1,localhost")
    assert hosts_notes(app) == []


def test_a_module_level_list_of_one_variable_gets_one_host(tmp_path):
    django_site(tmp_path, "import os\nSECRET_KEY = 'k'\nDEBUG = False\n"
                          "ALLOWED_HOSTS = [os.environ.get('SITE_HOST', 'example.com')]\n")
    assert app_setup(tmp_path).env["SITE_HOST"] == "127.0.0.1"


def test_hosts_set_only_under_conditions_without_a_variable_are_listed_not_shown_as_a_question_mark(
        tmp_path):
    django_site(tmp_path, "SECRET_KEY = 'k'\nDEBUG = False\nSTAGE = 'prod'\n"
                          "if STAGE == 'prod':\n"
                          "    ALLOWED_HOSTS = ['example.com']\n"
                          "elif STAGE == 'test':\n"
                          "    ALLOWED_HOSTS = ['test.example.com']  # the staging site\n")
    assert hosts_notes(app_setup(tmp_path)) == [
        "site1/settings.py sets ALLOWED_HOSTS only under conditions (['example.com'] under `if STAGE == "
        "'prod'` (line 5); ['test.example.com'] under `elif STAGE == 'test'` (line 7)) and reads no "
        "environment variable for it: where none lets 127.0.0.1 in, add '127.0.0.1' and 'localhost', or the "
        "app answers 400 (DisallowedHost)"]


def test_settings_that_set_no_allowed_hosts_say_so(tmp_path):
    django_site(tmp_path, "SECRET_KEY = 'k'\nDEBUG = False\n\n\nclass Local:\n    ALLOWED_HOSTS = ['*']\n")
    assert hosts_notes(app_setup(tmp_path)) == [
        "site1/settings.py sets no ALLOWED_HOSTS init could read: with DEBUG off and no '127.0.0.1' in it, "
        "the app answers 400 (DisallowedHost)"]


# django-environ 0.11.2 (run here): env("D") with D unset raises ImproperlyConfigured ("Set the D environment
# variable"); env("A") with environ.Env(A=(str, "a")) gives "a"; env.str("D", "x") gives "x"; env("D", str,
# "y") gives "y"; env("D", default=None) gives None. Env() reads no .env file unless read_env is called.
ENVIRON_SETTINGS = (
    "import os\nimport environ\n\n"
    "env = environ.Env(DEBUG=(bool, False), DBENGINE=(str, 'django.db.backends.postgresql'), DBSSL=(str,))\n"
    "environ.Env.read_env(os.path.join(os.path.dirname(__file__), '..', '.env'))\n"
    "SECRET_KEY = 'k'\nDEBUG = env('DEBUG')\nALLOWED_HOSTS = ['*']\n"
    "DATABASES = {'default': {\n"
    "    'ENGINE': env('DBENGINE'),\n"
    "    'NAME': env('DBNAME'),\n"
    "    'HOST': env.str('DBHOST'),\n"
    "    'USER': env('DBUSER', str, 'app'),\n"
    "    'PASSWORD': env.str('DBPASS', 'secret'),\n"
    "    'PORT': env.int('DBPORT', default=5432),\n"
    "    'OPTIONS': {'sslmode': env('DBSSL')},\n"
    "}}\n"
    "if env.get_value('SENTRY_DSN', default=None):\n"
    "    SENTRY = [env('SENTRY_DSN')]\n"
    # django-quiz-app: a block that runs only where CODESPACE_NAME is set reads another variable too
    "if env.get_value('CODESPACE_NAME', default=None):\n"
    "    ORIGIN = f\"https://{env('CODESPACE_NAME')}.{env('GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN')}\"\n"
    "else:\n"
    "    ORIGIN = env('LOCAL_ORIGIN')\n"
    "\n\ndef mail():\n    return env('MAIL_HOST')\n"
)


def required_notes(app) -> list[str]:
    return [n for n in app.all_checks() if " requires " in n]


def test_django_environ_reads_with_no_default_are_named(tmp_path):
    django_site(tmp_path, ENVIRON_SETTINGS)
    assert required_notes(app_setup(tmp_path)) == [
        f"site1/settings.py:{line} requires {name} ({how}, no default): the app stops without it; add it to "
        "[serve] env with a value for this machine"
        for line, name, how in ((11, "DBNAME", "env('DBNAME')"), (12, "DBHOST", "env.str('DBHOST')"),
                                (16, "DBSSL", "env('DBSSL')"), (23, "LOCAL_ORIGIN", "env('LOCAL_ORIGIN')"))]


def test_a_dotenv_file_read_env_loads_gives_its_variables_a_default(tmp_path):
    django_site(tmp_path, ENVIRON_SETTINGS)
    write(tmp_path, {".env": "DBNAME=quiz\nexport DBSSL=disable\nLOCAL_ORIGIN=http://127.0.0.1\n"})
    assert [n.split(" ")[2] for n in required_notes(app_setup(tmp_path))] == ["DBHOST"]


def test_a_dotenv_file_nothing_loads_gives_no_default(tmp_path):
    django_site(tmp_path, ENVIRON_SETTINGS.replace("environ.Env.read_env(", "print("))
    write(tmp_path, {".env": "DBNAME=quiz\n"})
    assert [n.split(" ")[2] for n in required_notes(app_setup(tmp_path))] == [
        "DBNAME", "DBHOST", "DBSSL", "LOCAL_ORIGIN"]


POSTGRES_NOTE = ("psycopg2-binary in the dependencies: the app connects to PostgreSQL, found through {}, "
                 "which nothing here starts; where it needs one to serve, start one and point the app at "
                 "127.0.0.1 in [serve] env")


def postgres_note(app) -> list[str]:
    return [n for n in app.all_checks() if "connects to PostgreSQL" in n]


def test_the_postgres_note_names_a_host_name_user_and_password_split_over_variables(tmp_path):
    # A Flask app that builds its URL from four variables read with os.environ[...]
    write(tmp_path, {"requirements.txt": "Flask==3.0.3\ngunicorn==22.0.0\npsycopg2-binary==2.9.9\n",
                     "app.py": "import os\nfrom flask import Flask\n\napp = Flask(__name__)\n"
                               "USER = os.environ['DBUSER']\nPASSWORD = os.environ['DBPASS']\n"
                               "HOST = os.environ['DBHOST']\nNAME = os.environ['DBNAME']\n"
                               "PORT = os.environ.get('DBPORT', '5432')\n"
                               "URI = f'postgresql://{USER}:{PASSWORD}@{HOST}:{PORT}/{NAME}'\n"})
    assert postgres_note(app_setup(tmp_path)) == [POSTGRES_NOTE.format("DBUSER, DBPASS, DBHOST, DBNAME, ...")]


def test_the_postgres_note_names_variables_read_through_django_environ_getenv_and_decouple(tmp_path):
    django_site(tmp_path, "import os\nimport environ\nfrom decouple import config\n\nenv = environ.Env()\n"
                          "SECRET_KEY = 'k'\nDEBUG = False\nALLOWED_HOSTS = ['*']\n"
                          "DATABASES = {'default': {'HOST': env('DATABASE_HOST', default='localhost'),\n"
                          "    'NAME': os.getenv('PGDATABASE', 'app'), 'USER': config('POSTGRES_USER'),\n"
                          "    'ENGINE': env('DBENGINE', default='django.db.backends.postgresql')}}\n",
                requirements="Django==5.0.6\ngunicorn==22.0.0\npsycopg2-binary==2.9.9\n")
    assert postgres_note(app_setup(tmp_path)) == [
        POSTGRES_NOTE.format("DATABASE_HOST, PGDATABASE, POSTGRES_USER")]


def test_a_static_root_outside_the_checkout_is_not_collected_into(tmp_path):
    """SmartDjangoRest sets STATIC_ROOT = '/app/static/' (its container's path): build ran collectstatic,
    which made /app/static at the root of the runner's file system, and the scans excluded "app/static"."""
    settings = "SECRET_KEY = 'k'\nDEBUG = True\nALLOWED_HOSTS = ['*']\nSTATIC_URL = '/static/'\n"
    django_site(tmp_path / "abs", settings + "STATIC_ROOT = '/app/static/'\n")
    app = app_setup(tmp_path / "abs")
    assert "collectstatic" not in app.build and "app/static" not in app.generated
    assert [n for n in app.all_checks() if "STATIC_ROOT" in n] == [
        "site1/settings.py sets STATIC_ROOT = '/app/static', outside the checkout (a container's path): "
        "collectstatic is left out of build, as it would write there on this machine; put STATIC_ROOT under "
        "BASE_DIR (or read it from the environment) to measure the app with its collected static files"]
    # under BASE_DIR it is collected, as before
    django_site(tmp_path / "rel", "from pathlib import Path\nBASE_DIR = Path(__file__).parent.parent\n"
                + settings + "STATIC_ROOT = BASE_DIR / 'staticfiles'\n")
    app = app_setup(tmp_path / "rel")
    assert "collectstatic --noinput" in app.build and "staticfiles" in app.generated


SPLIT = {"requirements.txt": "Django==5.0.6\nwhitenoise==6.7.0\n",
         "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'shop.settings.dev')\n",
         "shop/__init__.py": "", "shop/wsgi.py": "application = None\n", "shop/settings/__init__.py": "",
         "shop/settings/base.py": "import os\nSECRET_KEY = 'k'\nDEBUG = True\nALLOWED_HOSTS = []\n"
                                  "STATIC_ROOT = os.path.join(os.path.dirname(__file__), 'collected')\n",
         "shop/settings/dev.py": "from .base import *\n\nDEBUG = True\nALLOWED_HOSTS = ['*']\n",
         "shop/settings/production.py":
             "import os\nfrom .base import *\n\nDEBUG = False\n"
             "ALLOWED_HOSTS = os.getenv('SHOP_HOSTS', '*').split(',')\n"
             "SECURE_SSL_REDIRECT = os.environ.get('SECURE_SSL_REDIRECT', 'True').lower() == 'true'\n"}


def test_allowed_hosts_get_the_separator_the_settings_split_them_on(tmp_path):
    # c4ffein/realworld-django-ninja (04ef47c) splits ALLOWED_HOSTS on ";": init wrote
    # "127.0.0.1,localhost", one host to Django, and run stopped on "answers HTTP 400 Bad Request ...
    # steadily"; with "127.0.0.1;localhost" the same run started the app (200 at /api/tags).
    read = ('ALLOWED_HOSTS = ["*"] if DEBUG else (lambda s: s.split(";") if s else [])'
            '(getenv("ALLOWED_HOSTS", ""))\n')
    cases = (("semicolon", 'split(";")', "127.0.0.1;localhost"), ("blank", "split()", "127.0.0.1 localhost"),
             ("sep", 'split(sep=", ")', "127.0.0.1, localhost"),
             ("comma", "split(',')", "127.0.0.1,localhost"))
    for folder, call, expected in cases:
        split = read.replace('split(";")', call)
        django_site(tmp_path / folder, "from os import getenv\nSECRET_KEY = 'k'\n"
                                       "DEBUG = str(getenv('DEBUG', False)).lower() == 'true'\n" + split)
        assert app_setup(tmp_path / folder).env["ALLOWED_HOSTS"] == expected, folder


def test_the_settings_module_a_dockerfile_sets_is_the_one_read_with_what_it_star_imports(tmp_path):
    # A split settings package (dev.py, production.py, both `from .base import *`): manage.py defaults to
    # dev, the Dockerfile's ENV runs production, which [serve] env takes over. init read dev.py: it said
    # "DEBUG on" of a run with DEBUG off, let production's default HTTPS redirect through (`run` stopped
    # on "/ redirects to https://") and missed base.py's STATIC_ROOT (no collectstatic: every page using
    # {% static %} answered 500 under whitenoise's manifest storage).
    write(tmp_path, {**SPLIT, "Dockerfile": "FROM python:3.12-slim\n"
                                            "ENV DJANGO_SETTINGS_MODULE=shop.settings.production\n"
                                            "CMD [\"gunicorn\", \"shop.wsgi\"]\n"})
    app = app_setup(tmp_path)
    assert app.env["DJANGO_SETTINGS_MODULE"] == "shop.settings.production"
    assert app.env["SECURE_SSL_REDIRECT"] == "False"
    assert app.env["SHOP_HOSTS"] == "127.0.0.1,localhost"
    assert "python manage.py collectstatic --noinput" in app.build
    decided = {(d.key, d.value): d.source for d in app.decisions}
    assert decided[("build", "python manage.py collectstatic --noinput")] == \
        "shop/settings/base.py sets STATIC_ROOT"
    assert decided[("env", "SECURE_SSL_REDIRECT=False")] == (
        "shop/settings/production.py reads SECURE_SSL_REDIRECT from SECURE_SSL_REDIRECT: the run serves "
        "plain HTTP")
    assert not [n for n in app.all_checks() if "DEBUG" in n]


def test_without_another_module_manage_py_s_settings_are_read_with_their_base(tmp_path):
    # dev.py leaves STATIC_ROOT to base.py; DEBUG is dev.py's own (True), not base.py's
    write(tmp_path, SPLIT)
    app = app_setup(tmp_path)
    assert "SECURE_SSL_REDIRECT" not in app.env
    assert "python manage.py collectstatic --noinput" in app.build
    assert [n for n in app.all_checks() if "DEBUG" in n] == [
        "shop/settings/dev.py sets DEBUG = True and reads no environment variable for it: the app is "
        "measured with DEBUG on (slower, error pages with details)"]


def test_a_redirect_read_through_int_is_turned_off_with_0(tmp_path):
    django_site(tmp_path, "import os\nSECRET_KEY = 'k'\nDEBUG = False\nALLOWED_HOSTS = ['127.0.0.1']\n"
                          "SECURE_SSL_REDIRECT = bool(int(os.getenv('FORCE_HTTPS', '1')))\n")
    assert app_setup(tmp_path).env["FORCE_HTTPS"] == "0"


README_DATA = ("# Shop\n\n```bash\npip install -r requirements.txt\n./manage.py migrate\n"
               "./manage.py load_shop_data\n./manage.py runserver\n```\n")


def data_notes(app) -> list[str]:
    return [n for n in app.all_checks() if "fill the database" in n]


def test_a_readme_that_fills_the_database_after_migrating_is_said(tmp_path):
    # wagtail/bakerydemo's README runs load_initial_data after migrate; without it `run` measured Wagtail's
    # placeholder page ("Welcome to your new Wagtail site!", 5 elements) and nothing said why
    django_site(tmp_path, "SECRET_KEY = 'k'\nDEBUG = False\nALLOWED_HOSTS = ['127.0.0.1']\n")
    write(tmp_path, {"README.md": README_DATA})
    app = app_setup(tmp_path)
    assert "load_shop_data" not in app.build  # not run before every run: loading twice may not be safe
    assert data_notes(app) == [
        "README.md runs `./manage.py load_shop_data` to fill the database, which build does not: the app is "
        "measured on an empty database (a placeholder home page, empty lists); add it to [serve] build if "
        "running it before every run is safe"]


def test_a_data_step_the_build_already_runs_or_other_commands_are_not_said(tmp_path):
    django_site(tmp_path, "SECRET_KEY = 'k'\nDEBUG = False\nALLOWED_HOSTS = ['127.0.0.1']\n")
    write(tmp_path, {"README.md": "```\npython manage.py migrate\npython manage.py createsuperuser\n"
                                  "python manage.py runserver\n```\n",
                     "Procfile": "release: python manage.py migrate && python manage.py loaddata demo.json\n"
                                 "web: gunicorn site1.wsgi\n"})
    assert data_notes(app_setup(tmp_path)) == []
    write(tmp_path, {"README.md": "```\npython manage.py loaddata demo.json\n```\n"})
    assert data_notes(app_setup(tmp_path)) == []  # the Procfile's release step already loads it


def test_settings_read_through_json_loads_are_turned_off_with_json_s_false(tmp_path):
    # mikhailfed68/django-blog's settings read DEBUG = json.loads(os.getenv("DEBUG", "false")): the
    # "False" init wrote is no JSON, and `manage.py migrate` stopped on "JSONDecodeError: Expecting value".
    django_site(tmp_path, "import json\nimport os\nSECRET_KEY = 'k'\n"
                          "DEBUG = json.loads(os.getenv('DEBUG', 'false'))\nALLOWED_HOSTS = ['127.0.0.1']\n"
                          "SECURE_SSL_REDIRECT = json.loads(os.getenv('FORCE_HTTPS', 'true'))\n")
    env = app_setup(tmp_path).env
    assert (env["DEBUG"], env["FORCE_HTTPS"]) == ("false", "false")
    assert json.loads(env["DEBUG"]) is False


def test_a_setting_on_unless_its_variable_is_one_text_is_turned_off_with_that_text(tmp_path):
    # DjangoGirls' settings: DEBUG = os.getenv("DJANGO_DEBUG") != "FALSE". init wrote DJANGO_DEBUG=False,
    # which is not "FALSE": DEBUG stayed on, and the build's collectstatic stopped on the development
    # build's folder (FileNotFoundError: .../static/local), which only DEBUG picks.
    django_site(tmp_path, "import os\nSECRET_KEY = 'k'\n"
                          "DEBUG = os.getenv('DJANGO_DEBUG') != 'FALSE'  # anything else is on\n"
                          "ALLOWED_HOSTS = ['127.0.0.1']\n"
                          "SECURE_SSL_REDIRECT = os.getenv('HTTPS') not in ('off', 'no')\n")
    env = app_setup(tmp_path).env
    assert (env["DJANGO_DEBUG"], env["HTTPS"]) == ("FALSE", "off")


def test_a_static_root_set_in_a_branch_is_collected_and_its_server_checked(tmp_path):
    # mikhailfed68/django-blog: STATIC_ROOT only under the `else` of `if ENABLED_YANDEX_STORAGE:` (a
    # bucket in production). init left collectstatic out and said nothing, and gunicorn answered every
    # /static/ file with 404 (the footer's icons of a real pull request).
    django_site(tmp_path, "import os\nfrom pathlib import Path\nBASE_DIR = Path(__file__).parent.parent\n"
                          "SECRET_KEY = 'k'\nDEBUG = False\nALLOWED_HOSTS = ['127.0.0.1']\n"
                          "if os.getenv('USE_BUCKET') == 'true':\n"
                          "    STATIC_URL = 'https://bucket.example.com/static/'\n"
                          "else:\n"
                          "    STATIC_ROOT = BASE_DIR / 'static'\n"
                          "    STATIC_URL = 'static/'\n")
    app = app_setup(tmp_path)
    assert "python manage.py collectstatic --noinput" in app.build
    assert any("nothing serves /static/ under this server (no whitenoise" in n for n in app.all_checks())


COMPOSE = """services:
  postgres:
    image: "postgres:17.4-bookworm"
  redis:
    image: "redis:7.4.2-bookworm"
  web:
    build: "."
    env_file: ".env"
"""


def test_a_compose_services_default_in_the_settings_is_set_at_127_0_0_1(tmp_path, redis_server):
    """nickjj/docker-django-example (34c61de): the compose file starts `postgres` and `redis`, its web
    service reads them through an untracked .env, and src/config/settings.py defaults to them:
    os.getenv("POSTGRES_HOST", "postgres"), os.getenv("REDIS_URL", "redis://redis:6379/0"). init said
    "start one and point the app at 127.0.0.1 in [serve] env", naming neither variable; the trial set
    POSTGRES_HOST = "127.0.0.1" and REDIS_URL by hand after reading the settings. The Redis URL keeps the
    default's port and gets {build_index}, which keeps the two builds of `run --base-ref` apart (the
    shared-Redis warning's own advice; filled in, they part the keys on a real server)."""
    import redis

    from echotune_ci.baseref.data import shared_caches

    django_site(tmp_path, 'import os\nSECRET_KEY = "k"\nDATABASES = {"default": {\n'
                          '    "NAME": os.getenv("POSTGRES_DB", "hello"),\n'
                          '    "HOST": os.getenv("POSTGRES_HOST", "postgres"),\n'
                          '    "PORT": os.getenv("POSTGRES_PORT", "5432")}}\n'
                          'REDIS_URL = os.getenv("REDIS_URL", "redis://redis:6379/0")\n',
                requirements="Django==5.1.6\ngunicorn==23.0.0\npsycopg==3.2.5\nredis==5.2.1\n")
    write(tmp_path, {"compose.yaml": COMPOSE})
    app = app_setup(tmp_path)
    assert app.env["POSTGRES_HOST"] == "127.0.0.1"
    assert app.env["REDIS_URL"] == "redis://127.0.0.1:6379/{build_index}"
    decided = [(d.value, d.source) for d in app.decisions if d.key == "env"]
    assert ("REDIS_URL=redis://127.0.0.1:6379/{build_index}", "site1/settings.py:7 (its default "
            "redis://redis:6379/0 reaches the compose service 'redis')") in decided
    assert "compose.yaml starts Redis ('redis', redis:7.4.2-bookworm) for the app, found through REDIS_URL " \
           "in the code: set here to 127.0.0.1, where you start one (its port as in the default)" \
           in app.all_checks()
    head, base = ({"REDIS_URL": app.env["REDIS_URL"].replace("{build_index}", n)} for n in "01")
    assert shared_caches(head, base) == []
    port = redis_server.port
    own = [redis.Redis.from_url(env["REDIS_URL"].replace(":6379/", f":{port}/")) for env in (head, base)]
    own[0].set("echotune:page", "head")
    assert own[1].get("echotune:page") is None


def test_allowed_hosts_split_by_a_regular_expression_or_shlex(tmp_path):
    """Settings in public repositories split ALLOWED_HOSTS with re.split and shlex.split too:
    ``re.split(r'\\s+', config('ALLOWED_HOSTS'))`` made "127.0.0.1,localhost" one host (Django's 400 on
    every request), as ``.split(";")`` did before 3b9f493. The separator is one the code's own split
    parts the two hosts on (checked with re.split and shlex.split themselves); "," where none does."""
    import re
    import shlex

    cases = (("spaces", "re.split(r'\\s+', getenv('ALLOWED_HOSTS', ''))", "127.0.0.1 localhost"),
             ("either", 're.split(r"\\s|,", getenv("ALLOWED_HOSTS", ""))', "127.0.0.1,localhost"),
             ("commas", 're.split(",\\\\s*", getenv("ALLOWED_HOSTS", ""))', "127.0.0.1,localhost"),
             ("semis", 're.split(pattern=r"\\s*;\\s*", string=getenv("ALLOWED_HOSTS", ""))',
              "127.0.0.1;localhost"),
             ("shlex", "shlex.split(getenv('ALLOWED_HOSTS', '127.0.0.1:8000'))", "127.0.0.1 localhost"))
    for folder, call, expected in cases:
        django_site(tmp_path / folder, "import re\nimport shlex\nfrom os import getenv\nSECRET_KEY = 'k'\n"
                                       f"ALLOWED_HOSTS = {call}\n")
        written = app_setup(tmp_path / folder).env["ALLOWED_HOSTS"]
        assert written == expected, folder
        # what the settings themselves make of it: the two hosts
        code = call.replace("getenv('ALLOWED_HOSTS', '127.0.0.1:8000')", "v").replace(
            "getenv('ALLOWED_HOSTS', '')", "v").replace('getenv("ALLOWED_HOSTS", "")', "v")
        assert eval(code, {"re": re, "shlex": shlex, "v": written}) == ["127.0.0.1", "localhost"], folder
