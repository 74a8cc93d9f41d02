"""A server URL in a message never shows its password, also where the password holds a "/", "?" or
"#" nobody encoded (a base64 secret): urlsplit ends the authority there and read the rest of the
password as a port and a path, which the Redis and database warnings, the load phase's database and
Redis lines and the app-output masking then printed."""

from __future__ import annotations

import pytest

from echotune_ci import masking
from echotune_ci.baseref.data import shared_caches, shared_databases
from echotune_ci.net.urls import location
from echotune_ci.phases.load.database import describe_url
from echotune_ci.phases.load.redis_info import redact
from echotune_ci.serve.services import _where

SECRET = "12345/Zq+8?x#Y"  # pragma: allowlist secret - a test value with a base64 "/" and a "?" and "#"


@pytest.mark.parametrize("url, host, path", [
    (f"redis://:{SECRET}@cache.internal:6380/2", "cache.internal:6380", "/2"),
    (f"rediss://worker:{SECRET}@[::1]:6379/0?ssl_cert_reqs=none", "[::1]:6379", "/0"),
    (f"postgresql://app:{SECRET}@db:5432/shop?password={SECRET}", "db:5432", "/shop"),
])
def test_no_message_of_a_url_shows_its_password(url, host, path):
    assert location(url) == (url.split("://")[0], host, path)
    scheme = url.split("://")[0]
    # the masking of output lines reads the user information only (a query's password= is no URL's own)
    printed = url.split("?password=")[0]
    shown = [redact(url), describe_url(url, "URL"), _where(url), masking.mask(f"connect to {printed}"),
             *shared_caches({"REDIS_URL": url}, {"REDIS_URL": url}),
             *shared_databases({"DATABASE_URL": url}, {"DATABASE_URL": url})]
    assert redact(url) == f"{scheme}://{host}{path}" and describe_url(url, "URL") == f"$URL ({host}{path})"
    assert _where(url) == host
    assert not [text for text in shown if "12345" in text or "Zq" in text], shown


def test_the_redis_database_named_is_the_one_the_client_uses(redis_server):
    """redis-py takes the database from ?db= before the path: redis://h:6379/2?db=3 writes database 3
    (checked on a real server), and the warning said /2; "redis://h/?db=3" read as "redis://h//0"."""
    import redis

    port = redis_server.port
    url = f"redis://127.0.0.1:{port}/2?db=3"
    redis.Redis.from_url(url).set("echotune:adv", "x")
    assert redis.Redis(port=port, db=3).get("echotune:adv") == b"x"
    [said] = shared_caches({"REDIS_URL": url}, {"REDIS_URL": url})
    assert f"REDIS_URL (redis://127.0.0.1:{port}/3)" in said
    [said] = shared_caches({"REDIS_URL": f"redis://127.0.0.1:{port}/?db=3"},
                           {"REDIS_URL": f"redis://127.0.0.1:{port}/?db=3"})
    assert f"REDIS_URL (redis://127.0.0.1:{port}/3)" in said
    # the advice puts {build_index} where the client reads the number: in ?db=, which wins over the path
    assert said.endswith(f'as in REDIS_URL = "redis://127.0.0.1:{port}/?db={{build_index}}")'), said
    redis.Redis.from_url(f"redis://127.0.0.1:{port}/?db=1").set("echotune:adv1", "x")
    assert redis.Redis(port=port, db=1).get("echotune:adv1") == b"x"


def test_a_path_that_starts_with_an_at_sign_after_a_port_is_no_password():
    """Vite serves its client at /@vite/client and files at /@fs/, npm scoped packages at /@scope/name:
    "http://127.0.0.1:5173/@vite/client" read "http://***@vite/client" once a password could hold a "/".
    A password after an empty user is masked whatever it holds."""
    for text in ("GET http://127.0.0.1:5173/@vite/client 404", "http://localhost:5173/@fs/app/src/main.ts",
                 "https://registry.npmjs.org:443/@types/node"):
        assert masking.mask(text) == text
    assert masking.mask("redis://:abc/@db:6379/0") == f"redis://{masking.MASK}@db:6379/0"
    assert masking.mask("redis://:12345/abc@db:6379/0") == f"redis://{masking.MASK}@db:6379/0"
