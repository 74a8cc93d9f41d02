"""A load endpoint that POSTs a GraphQL query fails on an answer whose body carries errors.

A GraphQL server answers 200 whatever its resolvers did: the Graphene-Django todo app's queries all
failed with "no such column: todos_todo.owner_id", each a 200, which the load test counted as successes.
The endpoint here is tests/support/graphql_fake.py with its planted resolver: ``track(id: 5)`` raises
(KeyError 5, answered 200 with ``errors``), ``tracks`` answers.
"""

from __future__ import annotations

import pytest
from support import local_server
from support.graphql_fake import GraphQLApi
from support.load_support import load, write_config


class _Planted(GraphQLApi):
    raise_unknown = True
    fields = {}


@pytest.fixture
def graphql_url():
    server = local_server.start(_Planted)
    yield local_server.url(server)
    local_server.stop(server)


@pytest.mark.parametrize("user_class", ["fast", "http"])
def test_graphql_errors_in_a_200_are_failures(tmp_path, load_env, graphql_url, user_class):
    write_config(tmp_path, f'[load]\nusers = 2\nspawn_rate = 10\nduration = "1s"\nwait_min = "0.02s"\n'
                           f'wait_max = "0.05s"\nuser_class = "{user_class}"\n'
                           '[[load.endpoints]]\nname = "track"\nmethod = "POST"\npath = "/graphql"\n'
                           'json = { query = "{ track(id: 5) { title } }" }\n'
                           '[[load.endpoints]]\nname = "tracks"\nmethod = "POST"\npath = "/graphql"\n'
                           'json = { query = "{ tracks { id } }" }\n')
    proc, result = load(load_env, tmp_path, "--host", graphql_url)
    assert result is not None, proc.stdout + proc.stderr
    failed = {f.properties["endpoint"]: f for f in result.findings if f.rule_id == "load.request-failed"}
    assert set(failed) == {"POST track"}, [f.message for f in result.findings]
    track = failed["POST track"]
    assert track.properties["error"] == "CatchResponseError('HTTP 200 with GraphQL errors: 5')"
    assert track.properties["answer"].startswith('{"data":{"track":null},"errors":[{"message":"5"')
    rates = {m.labels.get("endpoint"): m.value for m in result.metrics if m.name == "error_rate_pct"}
    assert rates["POST track"] == 100 and rates["POST tracks"] == 0


class _Answer:
    def __init__(self, body: bytes, status: int = 200) -> None:
        self.content, self.status_code = body, status


def test_errors_after_a_long_data_and_in_a_batch_are_found() -> None:
    from echotune_ci.phases.load.worker import graphql_errors, is_graphql

    # graphql-core writes data before errors: 300 kB of tracks, then the error (past the old 200 kB read)
    tracks = ",".join('{"id":' + str(i) + ',"title":"' + "x" * 90 + '"}' for i in range(3000))
    long = ('{"data":{"tracks":[' + tracks + ']},"errors":[{"message":"no such  column"}]}').encode()
    assert len(long) > 300_000
    assert graphql_errors(_Answer(long)) == "HTTP 200 with GraphQL errors: no such column"
    batch = b'[{"data":{"a":1}},{"data":null,"errors":[{"message":"denied"}]}]'
    assert graphql_errors(_Answer(batch)) == "HTTP 200 with GraphQL errors: denied"
    assert graphql_errors(_Answer(b'{"data":{"a":1},"errors":[]}')) == ""
    assert graphql_errors(_Answer(b'[{"data":{"a":1}}]')) == ""
    assert graphql_errors(_Answer(b"<html>errors</html>")) == ""
    assert is_graphql([{"query": "{ a }"}, {"query": "{ b }"}]) and is_graphql({"query": "{ a }"})
    assert not is_graphql([]) and not is_graphql([{"query": "{ a }"}, {"name": "x"}])
    assert not is_graphql({"query": 5})
