"""What a pull request changed in an operation both builds' OpenAPI documents have, that a client written
for the base's document meets as an error or a missing field.

The contract test checks each build against its own document, and the gate compares the operations each
tested (one the head dropped is a warning): a change inside an operation went unseen. A DTO that made a
field required (brocoders/nestjs-boilerplate with ``@IsNotEmpty() phone`` added to the registration's
body: the head answered the base's request with 422, "phone should not be empty") read "no new finding"
on both sides, each build keeping its own promise. Read here, for each operation of both documents
(OpenAPI 3, and Swagger 2's ``in: body`` parameter), the changes that break a client of the base's:

- a request body property, or a parameter, the head requires and the base did not;
- a request body the head requires and the base did not ask for;
- a property of a success (2xx) JSON answer the base's listed and the head's does not.

Local ``$ref`` pointers (``#/components/schemas/...``, ``#/definitions/...``) are followed and ``allOf``
merged; a request body's top-level properties are compared, an answer's nested ones too (an envelope such
as ``{error, statusCode, payload}`` holds all an answer says: j10ra/fastify-drizzle-postgres's head renamed
``payload.users`` to ``payload.items`` and nothing was said), named by path (``payload.users``,
``[].email`` in an array's items), the outermost of those gone.
"""

from __future__ import annotations

from typing import Any

from ...results.units import first_named

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_JSON = ("application/json", "application/*+json", "*/*")


def _resolved(document: dict[str, Any], node: Any, depth: int = 0) -> Any:
    """*node* with a local ``$ref`` followed (a chain of at most 20); anything else as it is."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and depth < 20:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            return {}
        target: Any = document
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            target = target.get(part) if isinstance(target, dict) else None
        node, depth = target if target is not None else {}, depth + 1
    return node


def _object(document: dict[str, Any], schema: Any) -> tuple[dict[str, Any], set[str]]:
    """(properties, required names) of an object *schema*, ``allOf`` parts merged."""
    schema = _resolved(document, schema)
    if not isinstance(schema, dict):
        return {}, set()
    properties = dict(schema.get("properties") or {}) if isinstance(schema.get("properties"), dict) else {}
    required = {r for r in schema.get("required") or [] if isinstance(r, str)}
    for part in schema.get("allOf") or []:
        more, needed = _object(document, part)
        properties.update(more)
        required |= needed
    return properties, required


def _json_schema(document: dict[str, Any], holder: Any) -> Any:
    """The JSON schema of a request body or a response (*holder*): OpenAPI 3's ``content`` (a JSON media
    type, else the only one), Swagger 2's ``schema``; None when it has none."""
    holder = _resolved(document, holder)
    if not isinstance(holder, dict):
        return None
    if "schema" in holder:
        return holder["schema"]
    content = holder.get("content")
    if not isinstance(content, dict) or not content:
        return None
    media = next((content[t] for t in _JSON if t in content), None)
    if media is None and len(content) == 1:
        media = next(iter(content.values()))
    return media.get("schema") if isinstance(media, dict) else None


def _list(value: Any) -> list[Any]:
    """*value* when it is a list, else []."""
    return value if isinstance(value, list) else []


def _operations(document: dict[str, Any]) -> dict[str, tuple[dict[str, Any], list[Any]]]:
    """{"POST /path": (operation, the path's and the operation's parameters)} of *document*."""
    out: dict[str, tuple[dict[str, Any], list[Any]]] = {}
    paths = document.get("paths")
    for path, item in (paths.items() if isinstance(paths, dict) else ()):
        item = _resolved(document, item)
        if not isinstance(item, dict):
            continue
        shared = _list(item.get("parameters"))
        for method in _METHODS:
            operation = item.get(method)
            if isinstance(operation, dict):
                out[f"{method.upper()} {path}"] = (operation, [*shared, *_list(operation.get("parameters"))])
    return out


def _parameters(document: dict[str, Any], parameters: list[Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """{(in, name): parameter} of *parameters*, references followed."""
    out = {}
    for p in parameters:
        p = _resolved(document, p)
        if isinstance(p, dict) and isinstance(p.get("name"), str) and isinstance(p.get("in"), str):
            out[(p["in"], p["name"])] = p
    return out


def _body(document: dict[str, Any], operation: dict[str, Any],
          parameters: dict[tuple[str, str], dict[str, Any]]) -> tuple[Any, bool]:
    """(the request body's schema, whether the body is required): OpenAPI 3's ``requestBody``, Swagger 2's
    ``in: body`` parameter."""
    body = _resolved(document, operation.get("requestBody"))
    if isinstance(body, dict) and body:
        return _json_schema(document, body), bool(body.get("required"))
    swagger = next((p for (where, _), p in parameters.items() if where == "body"), None)
    if swagger is not None:
        return swagger.get("schema"), bool(swagger.get("required"))
    return None, False


# How deep an answer's properties are followed: a schema that refers to itself (a tree's children) ends here
_DEPTH = 8


def _property_paths(document: dict[str, Any], schema: Any, prefix: str = "", depth: int = 0) -> set[str]:
    """The paths of the properties an answer of *schema* has, nested ones too: ``payload``,
    ``payload.users``, ``payload.users[].id``; an array's items under ``[]``."""
    schema = _resolved(document, schema)
    if depth > _DEPTH or not isinstance(schema, dict):
        return set()
    if "items" in schema and not schema.get("properties"):
        return _property_paths(document, schema["items"], f"{prefix}[].", depth + 1)
    properties, _ = _object(document, schema)
    out = set()
    for name, sub in properties.items():
        out.add(f"{prefix}{name}")
        out |= _property_paths(document, sub, f"{prefix}{name}.", depth + 1)
    return {path.replace(".[]", "[]") for path in out}


def _success_properties(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, set[str]]:
    """{status: the paths of its JSON answer's properties (:func:`_property_paths`)} of each 2xx response
    of *operation*."""
    responses = operation.get("responses")
    out = {}
    for status, response in (responses.items() if isinstance(responses, dict) else ()):
        if str(status).startswith("2"):
            paths = _property_paths(document, _json_schema(document, response))
            if paths:
                out[str(status)] = paths
    return out


def _outermost(paths: list[str]) -> list[str]:
    """*paths* without those under another of them (``payload.users[].id`` under ``payload.users``)."""
    return [p for p in paths if not any(p.startswith((f"{q}.", f"{q}[]")) for q in paths if q != p)]


def _operation_changes(base: dict[str, Any], head: dict[str, Any], base_op: tuple[dict[str, Any], list[Any]],
                       head_op: tuple[dict[str, Any], list[Any]]) -> list[str]:
    """What of one operation's contract the head changed against a client of the base's."""
    said = []
    base_params, head_params = _parameters(base, base_op[1]), _parameters(head, head_op[1])
    for (where, name), p in head_params.items():
        if where != "body" and p.get("required") and not base_params.get((where, name), {}).get("required"):
            said.append(f"now requires {where} parameter {name}")
    base_schema, base_needed = _body(base, base_op[0], base_params)
    head_schema, head_needed = _body(head, head_op[0], head_params)
    if head_needed and not base_needed:
        said.append("now requires a body")
    _, base_required = _object(base, base_schema)
    _, head_required = _object(head, head_schema)
    added = sorted(head_required - base_required)
    if added:
        said.append(f"body now requires {first_named(added, 5)}")
    head_answers = _success_properties(head, head_op[0])
    for status, properties in _success_properties(base, base_op[0]).items():
        gone = _outermost(sorted(properties - head_answers.get(status, properties)))
        if gone:
            said.append(f"{status} answer lacks {first_named(gone, 5)}")
    return said


def breaking_changes(base: dict[str, Any], head: dict[str, Any]) -> list[str]:
    """``"POST /register: body now requires phone"`` for each operation of both OpenAPI
    documents whose contract the head changed in a way a client of the base's meets (module docstring);
    [] when none did."""
    head_ops = _operations(head)
    out = []
    for key, base_op in _operations(base).items():
        if key in head_ops:
            said = _operation_changes(base, head, base_op, head_ops[key])
            if said:
                out.append(f"{key}: {'; '.join(said)}")
    return out


def contract_warning(base: dict[str, Any], head: dict[str, Any]) -> str:
    """The head's api warning for :func:`breaking_changes` of *base* and *head*, "" when there are none."""
    changes = breaking_changes(base, head)
    if not changes:
        return ""
    more = f"; and {len(changes) - 5} more" if len(changes) > 5 else ""
    # short: the comment keeps a warning's first 320 characters or so, and the operations are its point
    return (f"api: the head's OpenAPI document breaks clients of the base's in {len(changes)} operation(s): "
            f"{'; '.join(changes[:5])}{more} (a 4xx or a missing field for them; version the API or tell "
            "its clients, if the pull request means it)")
