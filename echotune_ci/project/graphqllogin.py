"""A GraphQL login read from the schema the app's code writes in SDL, for ``init``'s ``[api.login]``.

A GraphQL login is a mutation whose answer carries a token that later requests send in a header
(Apollo's fullstack tutorial: ``login(email: String): User`` with ``User.token``, sent back as the raw
``Authorization`` header). What is read:

- the schema's SDL where the code writes it: a JavaScript template literal holding ``type Mutation``
  (``gql`...```, ``typeDefs = `...```, ``buildSchema(`...`)``; its ``${...}`` left out), a Python
  triple-quoted string that does (Ariadne's ``gql(...)``), or a ``.graphql``/``.gql`` file; parsed by
  graphql-core. Code-first schemas (Graphene, Strawberry, Nexus, TypeGraphQL) are not read;
- the login: a field of ``Mutation`` named as logins are (``login``, ``signIn``, ``authenticate``,
  ``tokenAuth``, ``obtainToken`` ...), whose arguments are all ones an account gives (an email, a user
  name, a password, or an input object of those), returning a string or an object with a token field
  (``token``, ``accessToken``, ``jwt`` ...);
- the header's scheme: ``Bearer`` (or ``JWT``) when the server's code names it, none (the raw token, as
  the tutorial reads ``req.headers.authorization``) when the code reads the Authorization header and
  names no scheme; ``Bearer`` otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # graphql-core takes 0.2 s to import: only when init reads a GraphQL app
    from graphql.language import FieldDefinitionNode, InputValueDefinitionNode, TypeDefinitionNode, TypeNode

from .files import read_text, rel, source_files

# Mutation names of a login, lower-cased without "_": graphql-jwt's tokenAuth, DRF-style obtainToken
_LOGIN_NAMES = frozenset({
    "login", "signin", "authenticate", "tokenauth", "obtaintoken", "obtainjsonwebtoken", "createtoken",
    "tokencreate", "gettoken", "generatetoken", "loginuser", "signinuser", "userlogin", "authenticateuser",
    "loginwithpassword", "loginwithemail", "signinwithemail", "signinwithpassword",
})
# A token's field in a login's answer (the first found, in this order)
_TOKEN_FIELDS = ("token", "accessToken", "access_token", "jwt", "authToken", "auth_token", "idToken")
# A backtick literal (JavaScript) or a triple-quoted string (Python) holds the Mutation type when this is
# in it; the literals are the parts between the quotes, split (a pattern spanning them backtracked once per
# 'type Mutation' in an unclosed literal: 20,000 of them took 41 s)
_MUTATION = re.compile(r"\btype\s+Mutation\b")
_INTERPOLATION = re.compile(r"\$\{[^}]*\}")
# The server reads the Authorization header itself: req.headers.authorization, headers['authorization'],
# req.get('Authorization'), request.META['HTTP_AUTHORIZATION']
_READS_AUTHORIZATION = re.compile(r"""(?:\.authorization\b|\[\s*['"]authorization['"]\s*\]|"""
                                  r"""\(\s*['"]authorization['"]|HTTP_AUTHORIZATION)""", re.I)
# A scheme the code names: a string that is or starts with 'Bearer ' (or 'bearer') or 'JWT ', not 'jwt' of
# passport's strategy nor the 'jwt-decode' module (both read as a JWT scheme before)
_NAMES_SCHEME = re.compile(r"""['"`]([Bb]earer|BEARER|JWT)(?=[\s'"`])""")
# What an account gives, by the argument's name
_EMAIL = "demo@example.com"
_PASSWORD = "change-me"
_USER = "demo"


@dataclass(frozen=True)
class GraphQLLogin:
    """The login mutation ``init`` writes into ``[api.login]``: its query (``mutation { login(email:
    "demo@example.com") { token } }``), the answer's path to the token (``data.login.token``), the
    header's scheme ("" for the raw token), the operation (``Mutation.login``), the file the schema is in
    and why the scheme is what it is."""

    query: str
    token_field: str
    scheme: str
    operation: str
    where: str
    scheme_why: str


def graphql_login(sources: list[Path], folder: Path) -> GraphQLLogin | None:
    """The login mutation of the schema the code in *sources* (and the ``.graphql``/``.gql`` files under
    *folder*) writes in SDL, else None. Never raises for a file's content."""
    from graphql import GraphQLError, parse
    from graphql.language import ObjectTypeDefinitionNode, ObjectTypeExtensionNode, TypeDefinitionNode

    schema_files = [*sources, *source_files(folder, (".graphql", ".gql"), limit=200)]
    for path in schema_files:
        for sdl in _sdl_texts(path):
            try:
                document = parse(sdl, no_location=True)
            except (GraphQLError, RecursionError):
                continue
            types = {d.name.value: d for d in document.definitions if isinstance(d, TypeDefinitionNode)}
            mutations = [d for d in document.definitions
                         if isinstance(d, ObjectTypeDefinitionNode | ObjectTypeExtensionNode)
                         and d.name.value == "Mutation"]
            for mutation in mutations:
                for field in mutation.fields or ():
                    found = _login(field, types)
                    if found is not None:
                        scheme, why = _scheme(sources)
                        query, token = found
                        return GraphQLLogin(query, token, scheme, f"Mutation.{field.name.value}",
                                            rel(path, folder), why)
    return None


def _sdl_texts(path: Path) -> list[str]:
    """The SDL texts of *path*: the whole file for ``.graphql``/``.gql``, else its literals that hold
    ``type Mutation``."""
    text = read_text(path)
    if path.suffix in (".graphql", ".gql"):
        return [text]
    if "Mutation" not in text:
        return []
    parts = text.split('"""' if path.suffix == ".py" else "`")
    # the odd parts are inside a pair of quotes; the last one of an unclosed literal is not
    found = [part for part in parts[1:len(parts) - 1:2] if _MUTATION.search(part)]
    return [_INTERPOLATION.sub("", sdl) for sdl in found]


def _named(type_node: TypeNode) -> str:
    """The named type under NonNull and List wrappers."""
    from graphql.language import NamedTypeNode

    while not isinstance(type_node, NamedTypeNode):
        type_node = type_node.type  # type: ignore[attr-defined]  # ListTypeNode, NonNullTypeNode
    return type_node.name.value


def _login(field: FieldDefinitionNode, types: dict[str, TypeDefinitionNode]) -> tuple[str, str] | None:
    """(the mutation's query, the token's path in the answer) when *field* of Mutation is a login."""
    name = field.name.value
    if name.lower().replace("_", "") not in _LOGIN_NAMES:
        return None
    arguments = _arguments(field.arguments or (), types, 0)
    if arguments is None:
        return None
    returned = types.get(_named(field.type))
    if returned is None:
        # a scalar (String, a custom Token scalar): the token itself
        return f"mutation {{ {name}{arguments} }}", f"data.{name}"
    fields = {f.name.value for f in getattr(returned, "fields", None) or ()}
    token = next((t for t in _TOKEN_FIELDS if t in fields), "")
    if not token:
        return None
    return f"mutation {{ {name}{arguments} {{ {token} }} }}", f"data.{name}.{token}"


def _arguments(arguments: Iterable[InputValueDefinitionNode], types: dict[str, TypeDefinitionNode],
               depth: int) -> str | None:
    """``(email: "demo@example.com", password: "change-me")`` for *arguments* an account gives (an
    input object's fields within), "" without any; None when a required one is something else."""
    from graphql.language import NonNullTypeNode

    given = []
    for argument in arguments:
        name = argument.name.value
        value = _value(name, _named(argument.type), types, depth)
        if value is None:
            if isinstance(argument.type, NonNullTypeNode):
                return None
            continue
        given.append(f"{name}: {value}")
    if not given:
        return ""
    return f"({', '.join(given)})"


def _value(name: str, named: str, types: dict[str, TypeDefinitionNode], depth: int) -> str | None:
    """The literal an account gives for the argument (or input field) *name* of type *named*."""
    import json

    from graphql.language import InputObjectTypeDefinitionNode

    inner = types.get(named)
    if isinstance(inner, InputObjectTypeDefinitionNode):
        fields = _arguments(inner.fields or (), types, depth + 1) if depth < 2 else None
        return "{" + fields[1:-1] + "}" if fields else None
    if inner is not None or named not in ("String", "ID", "Email", "EmailAddress"):
        return None
    lowered = name.lower()
    if "email" in lowered or named in ("Email", "EmailAddress"):
        return json.dumps(_EMAIL)
    if "password" in lowered or lowered in ("pass", "passwd", "secret"):
        return json.dumps(_PASSWORD)
    if lowered in ("username", "user", "login", "name", "identifier", "handle", "usernameoremail"):
        return json.dumps(_USER)
    return None


def _scheme(sources: list[Path]) -> tuple[str, str]:
    """(the header's scheme, why): the one the server's code names, else none when it reads the
    Authorization header itself, else Bearer."""
    reads = ""
    for path in sources:
        text = read_text(path)
        named = _NAMES_SCHEME.search(text)
        if named is not None:
            scheme = "JWT" if named.group(1).upper() == "JWT" else "Bearer"
            return scheme, f"{path.name} names {scheme}"
        if not reads and _READS_AUTHORIZATION.search(text):
            reads = path.name
    if reads:
        return "", f"{reads} reads the Authorization header and names no scheme: the raw token"
    return "Bearer", "no scheme named in the code: Bearer"
