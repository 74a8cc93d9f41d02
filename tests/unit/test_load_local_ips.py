"""[load] local_ips: k6's --local-ips syntax, the users' turns, and the bind each user's sockets get."""

from __future__ import annotations

import socket

import pytest

from echotune_ci.errors import ConfigError
from echotune_ci.phases.load.localips import Addresses, bind_for, prefer_family, spawned_by
from echotune_ci.phases.load.plan import _check_local_ips
from echotune_ci.phases.load.settings import LoadSettings, parse_local_ips


def _parse(value):
    return parse_local_ips(value, "echotune.toml", "load.local_ips")


@pytest.mark.parametrize(("value", "expected"), [
    # k6's documented forms: single addresses, an inclusive range, a CIDR block, comma-separated
    ("127.0.1.5", ("127.0.1.5",)),
    ("127.0.1.1-127.0.1.3", ("127.0.1.1", "127.0.1.2", "127.0.1.3")),
    ("127.0.0.254-127.0.1.1", ("127.0.0.254", "127.0.0.255", "127.0.1.0", "127.0.1.1")),
    # a /30 has 4 addresses: network .0 and broadcast .3 are left out (ipaddress' hosts())
    ("127.0.2.0/30", ("127.0.2.1", "127.0.2.2")),
    ("127.0.2.9/32", ("127.0.2.9",)),
    (" 127.0.1.2 , 127.0.1.1,127.0.1.2 ", ("127.0.1.2", "127.0.1.1")),
    (["127.0.1.1", "127.0.1.7-127.0.1.8"], ("127.0.1.1", "127.0.1.7", "127.0.1.8")),
    ("::1-::3", ("::1", "::2", "::3")),
    ("", ()),
])
def test_the_k6_forms_expand_in_order(value, expected) -> None:
    assert _parse(value) == expected


def test_a_slash_16_is_the_most_it_takes() -> None:
    assert len(_parse("127.1.0.0/16")) == 65_534
    with pytest.raises(ConfigError, match="more than 65,536 addresses"):
        _parse("127.0.0.0/8")
    with pytest.raises(ConfigError, match="more than 65,536 addresses"):
        _parse("127.0.0.1-127.2.0.0")


@pytest.mark.parametrize(("value", "said"), [
    ("127.0.1", "'127.0.1' is no IP address"),
    ("127.0.1.9-127.0.1.1", "must run from a lower to a higher address"),
    ("127.0.0.1-::1", "must run from a lower to a higher address of one family"),
    ("localhost", "'localhost' is no IP address"),
    (7, "must be a string"),
    # k6's net.ParseIP refuses a zone; ipaddress kept it on an address and dropped it from a range's ends
    ("fe80::1%lo", "'fe80::1%lo' has a scope"),
    ("fe80::1%eth0-fe80::3%eth0", "has a scope .* use loopback addresses"),
])
def test_what_is_no_address_is_named(value, said) -> None:
    with pytest.raises(ConfigError, match=said) as caught:
        _parse(value)
    assert str(caught.value).startswith("echotune.toml: 'load.local_ips'")


def test_users_take_the_addresses_in_turn_and_workers_interleave() -> None:
    one = Addresses(["a", "b", "c"])
    assert [one.take() for _ in range(5)] == ["a", "b", "c", "a", "b"]
    # 2 workers of 4 users over 4 addresses: no address twice
    first, second = Addresses(["a", "b", "c", "d"], 0, 2), Addresses(["a", "b", "c", "d"], 1, 2)
    assert [first.take(), first.take(), second.take(), second.take()] == ["a", "c", "b", "d"]


def _peer_of_a_connection(family: int, host: str, source: str | None, *,
                          bind_first: str | None = None) -> str:
    with socket.socket(family, socket.SOCK_STREAM) as server:
        server.bind((host, 0))
        server.listen(1)
        with socket.socket(family, socket.SOCK_STREAM) as client:
            if bind_first:
                client.bind((bind_first, 0))
            bind_for(client, source)
            client.connect(server.getsockname()[:2])
            conn, peer = server.accept()
            conn.close()
            return str(peer[0])


def test_a_users_socket_connects_from_its_address() -> None:
    assert _peer_of_a_connection(socket.AF_INET, "127.0.0.1", "127.0.1.7") == "127.0.1.7"
    assert _peer_of_a_connection(socket.AF_INET, "127.0.0.1", None) == "127.0.0.1"
    # bound by its caller (a source_address of its own): left so
    bound = _peer_of_a_connection(socket.AF_INET, "127.0.0.1", "127.0.1.7", bind_first="127.0.1.9")
    assert bound == "127.0.1.9"
    # an IPv6 target is left to the system: an IPv4 address cannot be its source
    assert _peer_of_a_connection(socket.AF_INET6, "::1", "127.0.1.7") == "::1"


def test_an_address_this_machine_lacks_is_a_config_error() -> None:
    # 192.0.2.0/24 is TEST-NET-1 (RFC 5737): on no machine's interface
    settings = LoadSettings(users=3, local_ips=("127.0.1.1", "192.0.2.10"))
    with pytest.raises(ConfigError, match=r"cannot connect from 192\.0\.2\.10, which is not an address"):
        _check_local_ips(settings, "echotune.toml")
    # only the addresses the users take are checked: 1 user takes 127.0.1.1
    _check_local_ips(LoadSettings(users=1, local_ips=("127.0.1.1", "192.0.2.10")), "echotune.toml")
    # a link-local address cannot be bound without its interface (EINVAL), even where the machine has it:
    # "not an address of this machine" would send the user looking for the wrong fault
    with pytest.raises(ConfigError, match=r"fe80::1 is a link-local address, .* use loopback addresses"):
        _check_local_ips(LoadSettings(users=1, local_ips=("fe80::1",)), "echotune.toml")


def test_a_lookup_lists_the_family_of_the_users_address_first() -> None:
    v6 = (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::1", 80, 0, 0))
    v4 = (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 80))
    other_v4 = (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.2", 80))
    assert prefer_family([v6, v4, other_v4], "127.0.1.7") == [v4, other_v4, v6]
    assert prefer_family([v4, v6], "::1") == [v6, v4]
    assert prefer_family([v6, v4], None) == [v6, v4]


def test_the_address_of_a_greenlet_is_that_of_the_nearest_that_spawned_it() -> None:
    class Greenlet:
        def __init__(self, parent=None) -> None:
            self.spawning_greenlet = (lambda: parent) if parent is not None else None

    runner = Greenlet()
    user = Greenlet(runner)
    grandchild = Greenlet(Greenlet(user))
    owners = {user: "127.0.1.4"}
    assert spawned_by(grandchild, owners) == "127.0.1.4"
    assert spawned_by(user, owners) == "127.0.1.4"
    assert spawned_by(runner, owners) is None


# In a process of its own: locust's monkey-patching, which the worker has, must not leak into the tests.
# A server on :: takes IPv4 and IPv6 alike (as Node's default listen does); "dual" resolves to ::1 first,
# then 127.0.0.1, as localhost does where /etc/hosts names it for both.
_SPREAD_SCRIPT = r"""
from gevent import monkey; monkey.patch_all()
import socket, gevent, gevent.socket as gsocket
from echotune_ci.phases.load.localips import Addresses, spread

own = gsocket.getaddrinfo
def lookup(host, port, *args, **kwargs):
    if host != "dual":
        return own(host, port, *args, **kwargs)
    return own("::1", port, *args, **kwargs) + own("127.0.0.1", port, *args, **kwargs)
gsocket.getaddrinfo = socket.getaddrinfo = lookup

server = socket.socket(socket.AF_INET6)
server.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
server.bind(("::", 0)); server.listen(8)
port = server.getsockname()[1]
seen = []

class User:
    def on_start(self):
        seen.append(("spawned", self.peer(gevent.spawn(self.connect, "127.0.0.1").get())))
        seen.append(("dual", self.peer(self.connect("dual"))))
    def connect(self, host):
        return socket.create_connection((host, port))
    def peer(self, client):
        conn, peer = server.accept(); conn.close(); client.close()
        return peer[0].removeprefix("::ffff:")

spread([User], Addresses(["127.0.1.7"]))
gevent.spawn(User().on_start).join()
print(seen)
"""


def test_spawned_greenlets_and_a_name_of_both_families_connect_from_the_users_address() -> None:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", _SPREAD_SCRIPT], capture_output=True, text=True, timeout=60,
                         check=True).stdout
    assert out.strip() == "[('spawned', '127.0.1.7'), ('dual', '127.0.1.7')]"
