"""A database the Django settings name in their own code, which both builds of ``run --base-ref`` use.

juliomeza/django-react-logistics-portal, 6f76076 -> 73297d6 (the pull request turns
``OrderLine.license_plate`` from a foreign key into a CharField, migrations 0017-0019): its settings hold
``'NAME': 'LogisticsPortal', 'HOST': 'localhost', 'PORT': '5433'``. During the real run the head's build
applied 0017-0019 to that database (django_migrations, read while the run went on), the base's checkout
had migrations up to 0016 only and its app then served from the head's schema; the run said nothing
(the shared-database warning reads environments). Django connects to the HOST, PORT and NAME of the entry
(docs.djangoproject.com, settings: DATABASES), so two apps whose settings give the same values share it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from echotune_ci.baseref.settingsdb import settings_databases, shared_settings_databases

PORTAL = ("from pathlib import Path\nBASE_DIR = Path(__file__).resolve().parent.parent\n"
          "DATABASES = {\n    'default': {\n        'ENGINE': 'django.db.backends.postgresql',\n"
          "        'NAME': 'LogisticsPortal',\n        'USER': 'postgres',\n"
          "        'PASSWORD': 'Pancho2025',\n"
          "        'HOST': 'localhost',  # Cambia si usas un servidor remoto\n        'PORT': '5433',\n"
          "    }\n}\n")


def checkouts(tmp_path: Path, head: str, base: str | None = None,
              name: str = "server/config/settings.py") -> tuple[Path, Path]:
    roots = []
    for side, text in (("head", head), ("base", head if base is None else base)):
        root = tmp_path / side
        (root / name).parent.mkdir(parents=True)
        (root / name).write_text(text)
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        subprocess.run(["git", "-C", str(root), "add", name], check=True)
        roots.append(root)
    return roots[0], roots[1]


def test_the_portal_s_literal_database_is_shared_and_said_without_its_password(tmp_path) -> None:
    head, base = checkouts(tmp_path, PORTAL)
    [said] = shared_settings_databases(head, base, {}, {})
    assert said == (
        "the base and the head use the same database: DATABASES['default'] (postgresql://localhost:5433/"
        "LogisticsPortal, server/config/settings.py:4), which the settings name in their code and no "
        "variable of either build sets; the head's migrations and both builds' requests reach it, so a pull "
        "request that changes the schema has its base measured on the head's (read NAME from a variable, in "
        "the base too ('NAME': os.getenv(\"DB_NAME\", \"LogisticsPortal\")), and set DB_NAME = "
        "\"LogisticsPortal_{build}\" in [serve] env, with both databases made in [serve] build)")
    assert "Pancho2025" not in said


def test_a_default_neither_environment_sets_is_shared_and_a_variable_either_sets_is_not_judged(tmp_path):
    settings = ("import os\nDATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql',\n"
                "    'NAME': os.getenv('DB_NAME', 'shop'), 'HOST': os.environ.get('DB_HOST', '127.0.0.1'),\n"
                "    'PORT': 5432}}\n")
    head, base = checkouts(tmp_path, settings, name="shop/settings/base.py")
    [said] = shared_settings_databases(head, base, {}, {})
    assert said.startswith("the base and the head use the same database: DATABASES['default'] "
                           "(postgresql://127.0.0.1:5432/shop, shop/settings/base.py:2)")
    assert said.endswith('(set DB_NAME = "shop_{build}" in [serve] env, with both databases made in [serve] '
                         'build)')
    # {build} in [serve] env, or any value an environment gives: shared_databases' to judge
    assert shared_settings_databases(head, base, {"DB_NAME": "shop_head"}, {"DB_NAME": "shop_base"}) == []
    assert shared_settings_databases(head, base, {"DB_HOST": "db"}, {"DB_HOST": "db"}) == []


def test_databases_of_each_checkout_or_apart_are_not_shared(tmp_path) -> None:
    # SQLite in each checkout (Django's startproject), the base on another database (a pull request that
    # renames it), and an alias only the head has
    sqlite = ("DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': BASE_DIR / "
              "'db.sqlite3'}}\n")
    head, base = checkouts(tmp_path / "a", sqlite)
    assert shared_settings_databases(head, base, {}, {}) == []
    head, base = checkouts(tmp_path / "b", PORTAL, PORTAL.replace("'LogisticsPortal'", "'SupplyGrid'"))
    assert shared_settings_databases(head, base, {}, {}) == []
    head, base = checkouts(tmp_path / "c", PORTAL, sqlite)
    assert shared_settings_databases(head, base, {}, {}) == []


def test_one_sqlite_file_outside_both_checkouts_is_shared(tmp_path) -> None:
    settings = ("DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3',\n"
                "                         'NAME': '/var/lib/app/db.sqlite3'}}\n")
    head, base = checkouts(tmp_path, settings, name="settings.py")
    [said] = shared_settings_databases(head, base, {}, {})
    assert said.startswith("the base and the head use the same SQLite database: DATABASES['default'] "
                           "(/var/lib/app/db.sqlite3, settings.py:1), one file outside both checkouts")


def test_what_the_settings_say_is_read_without_importing_them(tmp_path) -> None:
    settings = ("import os\nimport environ\nenv = environ.Env()\nraise SystemExit('never run')\n"
                "DATABASES = {'default': {'ENGINE': 'django.db.backends.mysql',\n"
                "    'NAME': env('DB', default='app'),\n"
                "    'HOST': os.environ['DB_HOST'], 'PORT': str(3306)}}\n")
    head, _ = checkouts(tmp_path, settings, name="settings.py")
    [entry] = settings_databases(head)
    assert entry.parts == (("ENGINE", ("", "django.db.backends.mysql")), ("NAME", ("DB", "app")),
                           ("HOST", ("DB_HOST", None)), ("PORT", ("", "3306")))
    assert entry.value("NAME", {"DB": "app_head"}) == "app_head"
