"""init on Django Channels apps (the thirteenth round's newcomer trial, docs/real-projects.md): the WebSocket
route of Channels' routing, the message its consumer reads, an ASGI module that imports models before
Django is set up, and a DEBUG read as a variable's text."""

from __future__ import annotations

from pathlib import Path

import pytest

from echotune_ci.project.appsetup import AppSetup
from echotune_ci.project.django import read_django
from echotune_ci.project.init import init_project
from echotune_ci.project.realtime import _route_path, channels_route

REF = "0123456789abcdef0123456789abcdef01234567"

MANAGE = ("import os\nimport sys\n\nif __name__ == '__main__':\n"
          "    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site_cfg.settings')\n"
          "    from django.core.management import execute_from_command_line\n"
          "    execute_from_command_line(sys.argv)\n")
SETTINGS = ("import os\n\nSECRET_KEY = 'x'\nDEBUG = os.environ.get('APP_DEBUG')\n"
            "ALLOWED_HOSTS = ['127.0.0.1', 'localhost']\n"
            "INSTALLED_APPS = [\n    {apps}\n    'django.contrib.staticfiles',\n    'rooms',\n]\n"
            "ROOT_URLCONF = 'site_cfg.urls'\nASGI_APPLICATION = 'site_cfg.asgi.application'\n")
# rooms.routing (line 3) is imported before get_asgi_application() (line 7)
EARLY_ASGI = ("import os\nfrom channels.routing import ProtocolTypeRouter, URLRouter\n"
              "from rooms.routing import websocket_urlpatterns\n"
              "from django.core.asgi import get_asgi_application\n\n"
              "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site_cfg.settings')\n"
              "django_app = get_asgi_application()\n"
              "application = ProtocolTypeRouter({'http': django_app, "
              "'websocket': URLRouter(websocket_urlpatterns)})\n")
LATE_ASGI = ("import os\nfrom channels.routing import ProtocolTypeRouter, URLRouter\n"
             "from django.core.asgi import get_asgi_application\n\n"
             "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site_cfg.settings')\n"
             "django_app = get_asgi_application()\n\n"
             "from rooms.routing import websocket_urlpatterns  # noqa\n\n"
             "application = ProtocolTypeRouter({'http': django_app, "
             "'websocket': URLRouter(websocket_urlpatterns)})\n")
ROUTING = ("from django.urls import path, re_path\n\nfrom . import consumers\n\nwebsocket_urlpatterns = [\n"
           "    re_path(r'ws/room/(?P<name>\\w+)/$', consumers.RoomConsumer.as_asgi()),\n"
           "    path('ws/lobby/', consumers.LobbyConsumer.as_asgi()),\n]\n")
CONSUMERS = ("import json\n\nfrom channels.generic.websocket import AsyncWebsocketConsumer\n\n"
             "from .models import Room\n\n\n"
             "class RoomConsumer(AsyncWebsocketConsumer):\n"
             "    async def receive(self, text_data=None, bytes_data=None):\n"
             "        data = json.loads(text_data)\n"
             "        text = data['text']\n"
             "        await self.channel_layer.group_send('room', {'type': 'room.say', 'text': text})\n\n"
             "    async def room_say(self, event):\n"
             "        await self.send(text_data=json.dumps({'text': event['text']}))\n\n\n"
             "class LobbyConsumer(AsyncWebsocketConsumer):\n"
             "    async def receive(self, text_data=None, bytes_data=None):\n"
             "        wanted = json.loads(text_data).get('query')\n"
             "        found = [r.name for r in Room.objects.filter(name__contains=wanted)]\n"
             "        await self.send(text_data=json.dumps({'rooms': found}))\n")
MODELS = ("from django.db import models\n\n\n"
          "class Room(models.Model):\n    name = models.CharField(max_length=50)\n")
REQUIREMENTS = "Django==4.2.7\nchannels==4.0.0\nchannels-redis==4.1.0\ndaphne==4.0.0\n"


def _project(root: Path, *, asgi: str = EARLY_ASGI, apps: str = "'daphne',", routing: str = ROUTING,
             requirements: str = REQUIREMENTS, settings: str = SETTINGS) -> Path:
    files = {"manage.py": MANAGE, "site_cfg/__init__.py": "",
             "site_cfg/settings.py": settings.format(apps=apps),
             "site_cfg/asgi.py": asgi, "site_cfg/wsgi.py": "application = None\n",
             "site_cfg/urls.py": "urlpatterns = []\n", "rooms/__init__.py": "", "rooms/routing.py": routing,
             "rooms/consumers.py": CONSUMERS, "rooms/models.py": MODELS, "requirements.txt": requirements}
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_channels_route_message_and_reply_come_from_the_routing_and_the_consumer(tmp_path):
    app = init_project(_project(tmp_path), ref=REF).app
    # the route without a parameter, with the key its consumer reads; its consumer answers {"rooms": ...}
    assert app.realtime == {"protocol": "ws", "path": "/ws/lobby/", "message": '{"query": "{id}"}',
                            "reply": '"rooms"'}
    assert "realtime" not in app.checks
    text = (tmp_path / "echotune.toml").read_text()
    assert ('path = "/ws/lobby/"\nprotocol = "ws"\nmessage = "{\\"query\\": \\"{id}\\"}"\n'
            'reply = "\\"rooms\\""\n') in text
    # a decision's "file:line" source names the file read
    assert "rooms/consumers.py" in app.evidence and not any(":" in e for e in app.evidence)


def test_a_route_with_a_parameter_gets_a_sample_and_an_echo_reply(tmp_path):
    routing = ("from django.urls import re_path\nfrom . import consumers\n\nwebsocket_urlpatterns = [\n"
               "    re_path(r'ws/room/(?P<name>\\w+)/$', consumers.RoomConsumer.as_asgi()),\n]\n")
    app = init_project(_project(tmp_path, routing=routing), ref=REF).app
    # the tutorial's room: the text goes through the group and comes back
    assert app.realtime == {"protocol": "ws", "path": "/ws/room/echotune/", "message": '{"text": "{id}"}',
                            "reply": "{id}"}
    notes = app.checks["realtime"]
    assert any("(?P<name>\\w+)" in n and "/ws/room/echotune/" in n for n in notes)
    assert any("the reply is the first message holding the id" in n for n in notes)


@pytest.mark.parametrize(("kind", "pattern", "expected"), [
    ("path", "ws/chats/", ("/ws/chats/", "")),
    ("path", "ws/chat/<int:pk>/<slug:room>/", ("/ws/chat/1/echotune/", "<int:pk>, <slug:room>")),
    ("re_path", r"ws/chat/(?P<room_name>\w+)/$", ("/ws/chat/echotune/", r"(?P<room_name>\w+)")),
    ("re_path", r"^ws/game/(?P<id>\d+)/?$", ("/ws/game/1", r"(?P<id>\d+)")),
    ("url", r"^ws$", ("/ws", "")),
    ("re_path", r"^ws/notify\.json$", ("/ws/notify.json", "")),
    # alternatives or classes outside a group cannot be written out as one path
    ("re_path", r"^ws/(a|b)/$", None),
    ("re_path", r"^ws/[a-z]+/$", None),
])
def test_channels_route_paths(kind, pattern, expected):
    assert _route_path(kind, pattern) == expected


def test_routes_outside_a_websocket_routing_module_are_not_channels_routes(tmp_path):
    (tmp_path / "urls.py").write_text("from django.urls import path\nurlpatterns = [path('ws/x/', view)]\n")
    assert channels_route(tmp_path) is None


def test_an_asgi_module_importing_models_early_is_served_by_daphnes_runserver(tmp_path):
    app = init_project(_project(tmp_path), ref=REF).app
    assert app.command == "python manage.py runserver 127.0.0.1:{port} --noreload"
    assert any("site_cfg/settings.py lists daphne in INSTALLED_APPS" in d.source for d in app.decisions
               if d.key == "command")
    assert any("site_cfg/asgi.py imports rooms.routing (line 3), which loads models (rooms/consumers.py:5), "
               "before Django is set up (line 7): daphne stops on AppRegistryNotReady" in n
               for n in app.checks["command"])
    # no STATIC_ROOT, no collectstatic: nothing to say of /static/
    assert not any("/static/" in n for n in app.checks["command"])


@pytest.mark.parametrize(("debug", "said"), [
    ("os.environ.get('APP_DEBUG')", True),  # turned off through its variable
    ("False", True),
    ("True", False),  # runserver serves /static/ with DEBUG on
])
def test_runserver_with_debug_off_serves_no_static_files(tmp_path, debug, said):
    settings = SETTINGS.replace("os.environ.get('APP_DEBUG')", debug) + "STATIC_ROOT = 'staticfiles'\n"
    app = init_project(_project(tmp_path, settings=settings), ref=REF).app
    assert app.command.startswith("python manage.py runserver")
    assert any("runserver serves /static/ only with DEBUG on" in n
               for n in app.checks["command"]) is said


def test_the_same_module_importing_after_setup_is_served_by_daphne(tmp_path):
    app = init_project(_project(tmp_path, asgi=LATE_ASGI), ref=REF).app
    assert app.command == "daphne -b 127.0.0.1 -p {port} site_cfg.asgi:application"
    assert not any("AppRegistryNotReady" in n for n in app.checks.get("command", []))


def test_without_daphne_in_installed_apps_the_server_stays_and_the_check_says_what_to_move(tmp_path):
    app = init_project(_project(tmp_path, apps=""), ref=REF).app
    assert app.command == "daphne -b 127.0.0.1 -p {port} site_cfg.asgi:application"
    assert any("move the import below that call (Channels' docs) to serve the app" in n
               for n in app.checks["command"])


def test_a_channels_app_with_gunicorn_is_served_by_its_asgi_server(tmp_path):
    # gunicorn's WSGI workers never answer the WebSocket routes: the ASGI application must be served
    root = _project(tmp_path, asgi=LATE_ASGI, requirements=REQUIREMENTS + "gunicorn==21.2.0\n")
    app = init_project(root, ref=REF).app
    assert app.command == "daphne -b 127.0.0.1 -p {port} site_cfg.asgi:application"


def test_a_django_app_without_channels_keeps_gunicorn(tmp_path):
    root = _project(tmp_path, asgi=LATE_ASGI, requirements="Django==4.2.7\ngunicorn==21.2.0\nuvicorn==0.30\n")
    assert init_project(root, ref=REF).app.command == "gunicorn --bind 127.0.0.1:{port} site_cfg.wsgi"


@pytest.mark.parametrize(("read", "off"), [
    # the variable's text itself: any text but "" is true, "False" too
    ("os.environ.get('APP_DEBUG')", ""),
    ("os.getenv('APP_DEBUG', False)", ""),
    ("bool(os.environ.get('APP_DEBUG'))", ""),
    ("os.environ['APP_DEBUG']", ""),
    # compared or converted: "False" and "0" turn it off
    ("os.environ.get('APP_DEBUG', 'False') == 'True'", "False"),
    ("os.environ.get('APP_DEBUG', 'false').lower() in ('1', 'true')", "False"),
    ("bool(int(os.environ.get('APP_DEBUG', '0')))", "0"),
])
def test_debug_is_turned_off_in_the_way_its_read_allows(tmp_path, read, off):
    settings = SETTINGS.replace("os.environ.get('APP_DEBUG')", read)
    facts = read_django(_project(tmp_path, settings=settings))
    assert facts is not None and (facts.debug_var, facts.debug_off) == ("APP_DEBUG", off)
    app = init_project(tmp_path, ref=REF).app
    assert app.env["APP_DEBUG"] == off


def test_evidence_of_a_file_and_line_is_the_file():
    app = AppSetup(kind="python", framework="django")
    app.decide("x", "y", "pkg/mod.py:12: reads it")
    app.decide("x", "z", "Dockerfile")
    assert app.evidence == ["pkg/mod.py", "Dockerfile"]


COMPOSE = """services:
  web:
    build: .
    env_file: {env_file}
  db:
    image: postgres
    container_name: db_box
  cache:
    image: redis
  broker:
    image: redis
"""


@pytest.mark.parametrize(("env_file", "files"), [
    # the repository leaves .env out: its template beside it says the same
    (".env", {".env.sample": "# sample\nPG_HOST=db_box\nPG_PORT=5432\nKV_URL=redis://cache:6379/0\n"}),
    ("[config/app.env]", {"config/app.env": "export PG_HOST='db_box'\nKV_URL=\"redis://cache:6379/1\"\n"}),
    ("[{path: config/app.env}]", {"config/app.env.example": "PG_HOST=db_box\nKV_URL=redis://cache/\n"}),
])
def test_the_variables_of_an_env_file_name_the_services_they_point_at(tmp_path, env_file, files):
    from echotune_ci.project.instructions import read_instructions

    for name, text in {"docker-compose.yml": COMPOSE.format(env_file=env_file), **files}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    found = {s.name: s.variables for s in read_instructions(tmp_path).services}
    # db by its container_name; no variable names the broker, which gets Redis' usual ones (none set)
    assert found == {"db": ("PG_HOST",), "cache": ("KV_URL",), "broker": ()}


def test_an_env_file_outside_the_checkout_is_not_read(tmp_path):
    from echotune_ci.project.instructions import read_instructions

    (tmp_path / "app").mkdir()
    (tmp_path / "outside.env").write_text("PG_HOST=db_box\n")
    (tmp_path / "app" / "docker-compose.yml").write_text(COMPOSE.format(env_file="../outside.env"))
    assert {s.name: s.variables for s in read_instructions(tmp_path / "app").services}["db"] == ()
