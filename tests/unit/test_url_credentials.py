"""A server URL in a message never shows its password, also where the password holds a "/", "?" or
"#" nobody encoded (a base64 secret): urlsplit ends the authority there and read the rest of the
password as a port and a path, which the Redis and database warnings, the load phase's database and
Redis lines and the app-output masking then printed."""

from __future__ import annotations

import pytest

from echotune_ci import masking
from echotune_ci.baseref.data import shared_caches, shared_databases
from echotune_ci.net.urls import location, url_list
from echotune_ci.phases.load.database import describe_url
from echotune_ci.phases.load.redis_info import redact
from echotune_ci.serve.services import _where, unreachable

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


def test_a_list_of_urls_is_read_by_its_first_and_masked_whole():
    """kombu's failover list ``redis://:a@h1:6379/6;redis://:b@h2:6379/7`` queued into h1's database 6
    (kombu 5.7.0 on a real redis-server), and Django's RedisCache writes to the first server of its
    LOCATION split at "," or ";" (Django 5.2: the set landed in the first URL's database). Read as one URL,
    its last "@" was the last URL's: every message named h2:6379/7."""
    listed = "redis://:pw1@h1:6379/6;redis://:pw2@h2:6379/7"
    assert url_list(listed) == ["redis://:pw1@h1:6379/6", "redis://:pw2@h2:6379/7"]
    assert url_list("redis://h1:6379/0, redis://h2:6379/0") == ["redis://h1:6379/0", "redis://h2:6379/0"]
    # a "," or ";" of a password, or libpq's host list, starts no URL
    assert url_list("redis://:a,b;c@h/0") == ["redis://:a,b;c@h/0"]
    assert url_list("postgresql://h1:5432,h2:5432/db") == ["postgresql://h1:5432,h2:5432/db"]
    assert redact(listed) == "redis://h1:6379/6"
    assert describe_url(listed, "REDIS_URL") == "$REDIS_URL (h1:6379/6)"
    assert _where(listed) == "h1:6379"
    assert masking.mask(f"connect to {listed}") == f"connect to redis://{masking.MASK}@h1:6379/6;" \
                                                    f"redis://{masking.MASK}@h2:6379/7"
    # kombu's socket URL has no host: its path is where it connects
    assert _where("redis+socket://:pw@/run/redis.sock?virtual_host=1") == "/run/redis.sock"


def test_redis_py_refusing_any_port_or_a_socket_is_a_redis_it_could_not_reach():
    """redis-py 8.2.0's own words ("Error 111 connecting to 127.0.0.1:6399. Connection refused.", "Error 2
    connecting to /tmp/nope.sock. No such file or directory.", printed by redis.Redis.from_url(...).ping()
    here) were read as Redis's only at port 6379."""
    assert unreachable(["redis.exceptions.ConnectionError: Error 111 connecting to 127.0.0.1:6399. "
                        "Connection refused."]) == "redis"
    assert unreachable(["kombu.exceptions.OperationalError: Error 2 connecting to /tmp/nope.sock. No such "
                        "file or directory."]) == "redis"
