"""`echotune-ci init` reads a GraphQL login from the schema the code writes in SDL: the login mutation,
the token's path in its answer and the header's scheme, written as [api.login] (and a commented
[load.login]). Fixtures of our own; the first is the shape of apollographql/fullstack-tutorial's server,
whose ``login(email: String): User`` answers ``User.token`` (base64 of the email) and whose context reads
``req.headers.authorization`` raw, with no scheme (checked by running it: ``Authorization: <token>``
gave ``me``; ``Bearer <token>`` would not decode to an email).
"""

from __future__ import annotations

import time

import pytest

from test_init_graphql import _init
from test_init_workspaces import write
from echotune_ci.config import load_config
from echotune_ci.project.graphqllogin import graphql_login

TUTORIAL = {
    "package.json": ('{"name": "space", "scripts": {"start": "node src/index.js"}, '
                     '"dependencies": {"apollo-server": "^3.8.1", "graphql": "^15.5.1"}}'),
    "src/schema.js": """const { gql } = require('apollo-server');
module.exports = gql`
  type Query { launches(pageSize: Int): [Launch]!  me: User }
  type Mutation {
    bookTrips(launchIds: [ID]!): Boolean!
    login(email: String): User
  }
  type Launch { id: ID! }
  type User { id: ID!  email: String!  token: String }
`;
""",
    "src/index.js": """const { ApolloServer } = require('apollo-server');
const typeDefs = require('./schema');
const context = async ({ req }) => {
  const auth = (req.headers && req.headers.authorization) || '';
  return { email: Buffer.from(auth, 'base64').toString('ascii') };
};
const server = new ApolloServer({ typeDefs, resolvers, context });
server.listen({ port: process.env.PORT || 4000 });
""",
}


def test_the_tutorials_login_is_written_with_its_raw_header(tmp_path, cli_env):
    root = write(tmp_path / "space", TUTORIAL)
    said = _init(root, cli_env)
    assert "api.login: Mutation.login  <- src/schema.js" in said
    cfg = load_config(root / "echotune.toml")
    login = cfg.api.login
    assert login is not None and login.path == "/"
    assert login.json == {"query": 'mutation { login(email: "demo@example.com") { token } }'}
    assert (login.token_field, login.scheme) == ("data.login.token", "")
    text = (root / "echotune.toml").read_text()
    assert '# [load.login]\n# path = "/"\n' in text and '# scheme = ""\n' in text


def _login(tmp_path, files: dict[str, str]):
    write(tmp_path, files)
    sources = [tmp_path / name for name in files if not name.endswith((".graphql", ".gql"))]
    return graphql_login(sources, tmp_path)


def test_an_input_object_and_a_bearer_token(tmp_path):
    found = _login(tmp_path, {
        "schema.ts": "export const typeDefs = /* GraphQL */ `\n"
                     "  input SignInInput { email: String!  password: String!  remember: Boolean }\n"
                     "  type AuthPayload { user: User  accessToken: String! }\n"
                     "  type User { id: ID! }\n"
                     "  type Mutation { signIn(input: SignInInput!): AuthPayload! }\n`;\n",
        "context.ts": "const token = (req.headers.authorization || '').replace('Bearer ', '');\n",
    })
    assert found is not None
    assert found.query == ('mutation { signIn(input: {email: "demo@example.com", password: "change-me"}) '
                           '{ accessToken } }')
    assert (found.token_field, found.scheme, found.operation) == ("data.signIn.accessToken", "Bearer",
                                                                   "Mutation.signIn")


def test_a_schema_file_a_string_token_and_the_jwt_prefix(tmp_path):
    found = _login(tmp_path, {
        "schema.graphql": "type Query { me: String }\n"
                          "type Mutation { tokenAuth(username: String!, password: String!): String }\n",
        "server.js": "const [scheme, token] = req.get('Authorization').split(' '); // 'JWT <token>'\n"
                     "if (scheme !== 'JWT') throw new Error('no');\n",
    })
    assert found is not None and found.where == "schema.graphql"
    assert found.query == 'mutation { tokenAuth(username: "demo", password: "change-me") }'
    assert (found.token_field, found.scheme) == ("data.tokenAuth", "JWT")


@pytest.mark.parametrize("mutation", [
    "login(email: String!, code: Int!): Session",  # a one-time code: no account gives it
    "login(email: String!): Session",  # no token field in the answer
    "logout: Boolean",
])
def test_no_login_init_could_send(tmp_path, mutation):
    assert _login(tmp_path, {
        "schema.js": (f"const typeDefs = gql`\n  type Session {{ id: ID! }}\n"
                      f"  type Mutation {{ {mutation} }}\n`;\n"),
    }) is None


def test_interpolations_are_left_out(tmp_path):
    found = _login(tmp_path, {
        "schema.js": "const typeDefs = gql`\n  ${userTypes}\n  type Token { token: String! }\n"
                     "  extend type Mutation { login(email: String!, password: String!): Token }\n`;\n",
    })
    assert found is not None and found.token_field == "data.login.token" and found.scheme == "Bearer"


def test_an_unclosed_literal_of_many_mutation_types_is_read_at_once(tmp_path):
    # 20,000 'type Mutation' in an unclosed literal (JavaScript, Python): 41 s before (the pattern backtracked
    # once per occurrence), no SDL now; a closed literal after an unclosed Python one is still not SDL
    write(tmp_path, {"a.js": "const s = `" + "type Mutation " * 20000,
                     "b.py": 'S = """' + "type Mutation " * 20000})
    started = time.monotonic()
    assert graphql_login([tmp_path / "a.js", tmp_path / "b.py"], tmp_path) is None
    assert time.monotonic() - started < 1


@pytest.mark.parametrize("code, scheme", [
    # passport-jwt's strategy name and the jwt-decode module name no scheme: Bearer by default
    ("passport.authenticate('jwt', { session: false });\nimport { jwtDecode } from 'jwt-decode';\n",
     "Bearer"),
    ("const [kind, token] = header.split(' '); if (kind.toLowerCase() !== 'bearer') throw e;\n", "Bearer"),
    ("const token = header.replace(`JWT `, '');\n", "JWT"),
])
def test_the_scheme_is_a_string_that_is_one(tmp_path, code, scheme):
    found = _login(tmp_path, {
        "schema.graphql": "type Query { me: String }\ntype Mutation { login(email: String!): String }\n",
        "auth.js": code,
    })
    assert found is not None and found.scheme == scheme
