"""A pydantic settings class the app makes when it starts, with fields that have no default, asks for its
variables: a secret-like one gets a placeholder, another a `# check:` naming the field's file:line.

nsidnev/fastapi-realworld-example-app: `BaseAppSettings(BaseSettings)` in one module, `AppSettings
(BaseAppSettings)` in another with `secret_key: SecretStr` and `database_url: PostgresDsn` (no defaults),
made by `get_app_settings() -> AppSettings` in the function that builds the app at import. init read only
classes naming BaseSettings directly, and the app stopped on pydantic's ValidationError.

Expected values follow pydantic's documented behaviour: a field's variable is its name after the class's
`env_prefix`, matched without regard to case (v1 `class Config: env_prefix`, v2 `model_config =
SettingsConfigDict(env_prefix=...)`, a subclass inheriting its base's); v1 reads `Field(..., env="X")`
(never `alias`), v2 `Field(validation_alias="X")` / `AliasChoices` / `alias` (neither takes the prefix); a
field with no default (or `Field(...)`) is required, one with a default (None too) is not; `Optional[X]`
with no value is None in v1, required in v2; keyword arguments of the call and the class's `env_file` give
values too.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from textwrap import dedent

import pytest

from echotune_ci.project.app import PLACEHOLDER_SECRET
from echotune_ci.project.envdefaults import defaulted_env
from echotune_ci.project.files import source_files
from echotune_ci.project.init import app_setup
from echotune_ci.project.pysettings import required_settings, settings_reads
from test_init_workspaces import machine, write  # noqa: F401 (machine: an autouse fixture)

V1_REQUIREMENTS = "fastapi==0.99.1\nuvicorn==0.22.0\npydantic==1.10.15\n"
V2_REQUIREMENTS = "fastapi==0.110.0\nuvicorn==0.29.0\npydantic-settings==2.2.1\n"

# The realworld layout in small, written afresh: the base in one module, the settings in another, a function
# annotated to return them, called by the function that builds the app when main.py is imported.
LAYERED_V1 = {
    "requirements.txt": V1_REQUIREMENTS,
    ".env.example": "SIGNING_KEY=change-me\nDB_CONNECTION=postgresql://localhost/shop\n",
    "shop/__init__.py": "",
    "shop/conf/__init__.py": "",
    "shop/conf/common.py": "from pydantic import BaseSettings\n\n\nclass CommonSettings(BaseSettings):\n"
                           "    mode: str = 'prod'\n\n    class Config:\n        env_file = '.env'\n",
    "shop/conf/full.py": dedent("""\
        from typing import Optional

        from pydantic import Field, PostgresDsn, SecretStr

        from shop.conf.common import CommonSettings


        class ShopSettings(CommonSettings):
            title: str = 'shop'
            signing_key: SecretStr
            database_url: PostgresDsn = Field(..., env='DB_CONNECTION')
            sentry_dsn: Optional[str] = None
            hint: Optional[str]
            pool_size: int = 5
        """),
    "shop/conf/load.py": "from functools import lru_cache\n\nfrom shop.conf.full import ShopSettings\n\n\n"
                         "@lru_cache\ndef load_settings() -> ShopSettings:\n    return pick()()\n\n\n"
                         "def pick():\n    return ShopSettings\n",
    "shop/main.py": "from fastapi import FastAPI\n\nfrom shop.conf.load import load_settings\n\n\n"
                    "def get_application() -> FastAPI:\n    settings = load_settings()\n"
                    "    application = FastAPI(title=settings.title)\n\n    @application.get('/health')\n"
                    "    def health():\n        return {'ok': True}\n\n    return application\n\n\n"
                    "app = get_application()\n",
}


def env_checks(app) -> list[str]:
    return [n for n in app.all_checks() if "a settings field" in n]


def test_the_realworld_layout_asks_for_the_secret_and_the_database(tmp_path):
    app = app_setup(write(tmp_path, LAYERED_V1))
    assert app.env["SIGNING_KEY"] == PLACEHOLDER_SECRET
    assert env_checks(app) == [
        "shop/conf/full.py:10 requires SIGNING_KEY (ShopSettings.signing_key, a settings field; ShopSettings "
        "is made at shop/main.py:7, no default): a placeholder is set here; in CI pass a real one from a "
        "secret",
        "shop/conf/full.py:11 requires DB_CONNECTION (ShopSettings.database_url, a settings field; "
        "ShopSettings is made at shop/main.py:7, no default): the app stops without it; add it to [serve] "
        "env with a value for this machine"]
    assert ("env", "SIGNING_KEY=(placeholder)", "shop/conf/full.py requires it") in [
        (d.key, d.value, d.source) for d in app.decisions]
    # defaults, a None default and v1's Optional without a value are no variables the app needs
    notes = " ".join(app.all_checks())
    for name in ("MODE", "TITLE", "SENTRY_DSN", "HINT", "POOL_SIZE", "DATABASE_URL"):
        assert name not in notes and name not in app.env


def test_a_committed_env_file_gives_the_values(tmp_path):
    root = write(tmp_path, {**LAYERED_V1, ".env": "SIGNING_KEY=dev-only\ndb_connection=postgresql://db/x\n"})
    sources = list(source_files(root, (".py",)))
    # outside a git work tree the file is what the app reads
    assert required_settings(root, sources, "shop.main") == []
    # in one, a .env git does not track is the author's own, not the CI job's
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    assert [name for name, _, _ in required_settings(root, sources, "shop.main")] == [
        "SIGNING_KEY", "DB_CONNECTION"]
    subprocess.run(["git", "-C", str(root), "add", ".env"], check=True)
    assert required_settings(root, sources, "shop.main") == []


def test_an_env_file_above_the_app_counts_when_the_checkout_tracks_it(tmp_path):
    # pydantic-settings opens env_file relative to the working folder: a backend started in backend/ with
    # env_file="../.env" reads the repository's top .env (full-stack-fastapi-template's layout)
    settings = ("from pydantic_settings import BaseSettings, SettingsConfigDict\n\n\n"
                "class Settings(BaseSettings):\n"
                "    model_config = SettingsConfigDict(env_file='../.env', extra='ignore')\n"
                "    SECRET_KEY: str\n    PROJECT_NAME: str\n\n\nsettings = Settings()\n")
    repo = write(tmp_path / "repo", {
        ".env": "SECRET_KEY=changethis\nPROJECT_NAME=\"Shop\"\n",
        "backend/requirements.txt": V2_REQUIREMENTS,
        "backend/app/__init__.py": "", "backend/app/core/__init__.py": "",
        "backend/app/core/config.py": settings,
        "backend/app/main.py": "from fastapi import FastAPI\nfrom app.core.config import settings\n"
                               "app = FastAPI(title=settings.PROJECT_NAME)\n"})
    backend = repo / "backend"
    sources = list(source_files(backend, (".py",)))
    # not a checkout: a file above the app's folder is nothing we can tell is in CI
    assert [name for name, _, _ in required_settings(backend, sources, "app.main")] == [
        "SECRET_KEY", "PROJECT_NAME"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    # untracked: the author's own file
    assert [name for name, _, _ in required_settings(backend, sources, "app.main")] == [
        "SECRET_KEY", "PROJECT_NAME"]
    subprocess.run(["git", "-C", str(repo), "add", ".env"], check=True)
    assert required_settings(backend, sources, "app.main") == []
    # a checkout of its own below a folder with a .env: ../.env is outside it, not in its CI
    subprocess.run(["git", "init", "-q", str(backend)], check=True)
    assert [name for name, _, _ in required_settings(backend, sources, "app.main")] == [
        "SECRET_KEY", "PROJECT_NAME"]


V2_BASE = ("from pydantic_settings import BaseSettings, SettingsConfigDict\n\n\n"
           "class Base(BaseSettings):\n    model_config = SettingsConfigDict(env_prefix='SHOP_')\n"
           "    debug: bool = False\n    api_token: str\n")
V2_SETTINGS = (
    "from typing import Annotated, Optional\n\nfrom pydantic import AliasChoices, Field\n\n"
    "from .base import Base\n\n\nclass Settings(Base):\n"
    "    database_url: str = Field(validation_alias='DATABASE_DSN')\n"
    "    cache_url: Optional[str]\n"
    "    queue_url: str | None = None\n"
    "    broker: str = Field(validation_alias=AliasChoices('BROKER_URL', 'AMQP_URL'))\n"
    "    region: Annotated[str, Field(alias='CLOUD_REGION')]\n"
    "    workers: int = Field(default=2)\n"
    "    names: list[str] = Field(default_factory=list)\n"
    "    admin: str = Field(...)\n"
    "    label: str = Field(alias=LABEL_NAME)\n")


def v2_app(root: Path, main: str) -> Path:
    return write(root, {"requirements.txt": V2_REQUIREMENTS, "app/__init__.py": "",
                        "app/settings/__init__.py": "from .app import Settings\n",
                        "app/settings/base.py": V2_BASE, "app/settings/app.py": V2_SETTINGS,
                        "app/main.py": main})


MODULE_LEVEL = ("from fastapi import FastAPI\n\nfrom app.settings import Settings\n\nsettings = Settings()\n"
                "app = FastAPI()\n\n\n@app.get('/health')\ndef health():\n    return {}\n")


def test_pydantic_v2_prefix_aliases_and_optional(tmp_path):
    root = v2_app(tmp_path, MODULE_LEVEL)
    found = required_settings(root, list(source_files(root, (".py",))), "app.main")
    assert [(name, where) for name, where, _ in found] == [
        # the subclass's own fields first, then those of its base, with the base's prefix
        ("DATABASE_DSN", "app/settings/app.py:9"),
        ("SHOP_CACHE_URL", "app/settings/app.py:10"),  # v2: Optional without a value is required
        ("BROKER_URL", "app/settings/app.py:12"),
        ("CLOUD_REGION", "app/settings/app.py:13"),
        ("SHOP_ADMIN", "app/settings/app.py:16"),
        ("SHOP_API_TOKEN", "app/settings/base.py:7"),
    ]
    assert found[0][2] == "Settings.database_url, a settings field; Settings is made at app/main.py:5"
    app = app_setup(root)
    assert app.env["SHOP_API_TOKEN"] == PLACEHOLDER_SECRET
    assert "SHOP_DEBUG" not in " ".join(app.all_checks())


def test_a_prefix_of_a_v1_base_config_is_inherited_and_a_subclass_may_change_it(tmp_path):
    files = {
        "requirements.txt": V1_REQUIREMENTS,
        "conf.py": dedent("""\
            import pydantic


            class Base(pydantic.BaseSettings):
                secret_key: str
                jwt_secret: str = pydantic.Field(..., env='JWT_SIGNING', alias='ignored_in_v1')

                class Config:
                    env_prefix = 'APP_'


            class Inherits(Base):
                class Config(Base.Config):
                    env_file = 'local.env'


            class Own(Base):
                class Config:
                    env_prefix = 'OWN_'
            """),
        "main.py": "from fastapi import FastAPI\nimport conf\n\nfirst = conf.Inherits()\n"
                   "second = conf.Own()\napp = FastAPI()\n",
    }
    root = write(tmp_path, files)
    found = required_settings(root, list(source_files(root, (".py",))), "main")
    assert [(name, how.split(";")[0]) for name, _, how in found] == [
        ("APP_SECRET_KEY", "Inherits.secret_key, a settings field"),
        ("JWT_SIGNING", "Inherits.jwt_secret, a settings field"),
        ("OWN_SECRET_KEY", "Own.secret_key, a settings field")]


@pytest.mark.parametrize("main", [
    # made per request, through a dependency: the app starts without the variables
    "from fastapi import Depends, FastAPI\nfrom app.settings import Settings\napp = FastAPI()\n\n\n"
    "def get_settings():\n    return Settings()\n\n\n@app.get('/')\ndef index(s=Depends(get_settings)):\n"
    "    return {}\n",
    # only when run as a script
    "from fastapi import FastAPI\nfrom app.settings import Settings\napp = FastAPI()\n"
    "if __name__ == '__main__':\n    Settings()\n",
    # given by the call
    "from fastapi import FastAPI\nfrom app.settings.app import Settings\n"
    "s = Settings(DATABASE_DSN='x', cache_url=None, BROKER_URL='b', CLOUD_REGION='r', admin='a', "
    "api_token='t')\n"
    "app = FastAPI()\n",
    # **values: what it gives is not for static reading
    "from fastapi import FastAPI\nfrom app.settings import Settings\nvalues = {}\ns = Settings(**values)\n"
    "app = FastAPI()\n",
])
def test_settings_the_app_does_not_need_to_start_ask_for_nothing(tmp_path, main):
    root = v2_app(tmp_path, main)
    assert required_settings(root, list(source_files(root, (".py",))), "app.main") == []


@pytest.mark.parametrize("main", [
    "from fastapi import FastAPI\nfrom app.settings import Settings\napp = FastAPI()\n\n\n"
    "@app.on_event('startup')\nasync def start():\n    app.state.settings = Settings()\n",
    "from contextlib import asynccontextmanager\nfrom fastapi import FastAPI\nfrom app import settings\n\n\n"
    "@asynccontextmanager\nasync def lifespan(app):\n    app.state.s = settings.Settings()\n    yield\n\n\n"
    "app = FastAPI(lifespan=lifespan)\n",
    "from fastapi import FastAPI\nfrom app.settings import Settings\n\n\ndef boot():\n    Settings()\n\n\n"
    "app = FastAPI()\napp.add_event_handler('startup', boot)\n",
])
def test_settings_made_at_startup_count(tmp_path, main):
    root = v2_app(tmp_path, main)
    found = required_settings(root, list(source_files(root, (".py",))), "app.main")
    assert "SHOP_API_TOKEN" in [name for name, _, _ in found]


def test_a_factory_the_server_calls_counts(tmp_path):
    root = write(tmp_path, {
        "requirements.txt": "flask==3.0.3\ngunicorn==22.0.0\npydantic-settings==2.2.1\n",
        "Procfile": "web: gunicorn 'web:create_app()'\n",
        "config.py": "from pydantic_settings import BaseSettings\n\n\nclass Config(BaseSettings):\n"
                     "    secret_key: str\n    mail_server: str\n",
        "web.py": "from flask import Flask\n\n\ndef create_app():\n    from config import Config\n"
                  "    app = Flask(__name__)\n    app.config.from_object(Config())\n    return app\n"})
    sources = list(source_files(root, (".py",)))
    assert required_settings(root, sources, "web") == []  # importing web.py makes nothing
    assert [n for n, _, _ in required_settings(root, sources, "web", "create_app")] == [
        "SECRET_KEY", "MAIL_SERVER"]
    app = app_setup(root)
    assert app.env["SECRET_KEY"] == PLACEHOLDER_SECRET
    assert any(n.startswith("config.py:6 requires MAIL_SERVER (Config.mail_server, a settings field; "
                            "Config is made at web.py:7, no default)") for n in app.all_checks())


def test_reading_is_bounded_and_never_raises(tmp_path):
    root = write(tmp_path, {
        "a.py": "from b import B\n\n\nclass A(B):\n    x: str\n",
        "b.py": "from a import A\n\n\nclass B(A):\n    y: str\n",
        "broken.py": "class C(BaseSettings:\n",
        "c.py": "from pydantic_settings import BaseSettings\nfrom a import A\n\n\nclass D(A, BaseSettings):\n"
                "    z: str\n",
        "main.py": "import a, b, c\nc.D()\na.A()\n",
    })
    sources = list(source_files(root, (".py",)))
    # A and B inherit each other and no BaseSettings: D's own field only
    assert [(n, w) for n, w, _ in required_settings(root, sources, "main")] == [("Z", "c.py:6")]
    assert settings_reads(sources, root) == [("Z", False, "c.py:6")]


def test_a_default_in_a_base_class_is_a_default(tmp_path):
    root = write(tmp_path, {
        "base.py": "from pydantic_settings import BaseSettings\n\n\nclass Base(BaseSettings):\n"
                   "    secret_key: str = 'dev-only'\n",
        "settings.py": "from base import Base\n\n\nclass Settings(Base):\n    title: str = 'x'\n\n\n"
                       "class Prefixed(Base):\n    model_config = {'env_prefix': 'APP_'}\n",
    })
    assert defaulted_env(root, ["SECRET_KEY", "APP_SECRET_KEY"]) == {"SECRET_KEY": "base.py:5",
                                                                    "APP_SECRET_KEY": "base.py:5"}
