"""`run --base-ref`: an operation of both builds' OpenAPI documents that the head changed so that a client of
the base's breaks is a warning on the head's api result (docs/real-projects.md, twenty-second round)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from echotune_ci.baseref import sidebyside
from echotune_ci.baseref.measure import Pair, Side
from echotune_ci.phases.api.changes import breaking_changes, contract_warning
from echotune_ci.phases.api.phase import DOCUMENT_FILE, keep_document
from echotune_ci.report.layout import MAX_WARNING_CHARS
from echotune_ci.results import PhaseResult

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "openapi-changes"


def documents() -> tuple[dict, dict]:
    """brocoders/nestjs-boilerplate's /docs-json as its built apps served it (five operations and the
    schemas they use, cut from the whole): the base at 9620f15, the head with `phone` added to the user
    (entity, migration, `@IsNotEmpty() phone` in AuthRegisterLoginDto and CreateUserDto, `@ApiProperty()
    phone` in User). The head's app answered POST /api/v1/auth/email/register without a phone with 422
    `{"errors": {"phone": "phone should not be empty"}}`; the base's took the same body and made the user
    (its answer was then a 500 from sending the confirmation e-mail, with no mail server running)."""
    return tuple(json.loads((FIXTURES / f"nestjs-boilerplate-{side}.json").read_text())  # type: ignore[return-value]
                 for side in ("base", "head"))


def test_a_field_a_dto_makes_required_is_a_change_a_client_of_the_base_meets():
    base, head = documents()
    assert breaking_changes(base, head) == [
        "POST /api/v1/users: body now requires phone",
        "POST /api/v1/auth/email/register: body now requires phone",
    ]
    # the other way round, a pull request that drops the column: the answers lose it
    assert breaking_changes(head, base) == [
        "POST /api/v1/users: 201 answer lacks phone",
        "GET /api/v1/auth/me: 200 answer lacks phone",
        "GET /api/v1/users/{id}: 200 answer lacks phone",
        "PATCH /api/v1/users/{id}: 200 answer lacks phone",
    ]
    assert breaking_changes(base, base) == []
    said = contract_warning(base, head)
    assert said == (
        "api: the head's OpenAPI document breaks clients of the base's in 2 operation(s): "
        "POST /api/v1/users: body now requires phone; POST /api/v1/auth/email/register: body now requires "
        "phone (a 4xx or a missing field for them; version the API or tell its clients, if the pull request "
        "means it)")
    assert len(said) <= MAX_WARNING_CHARS  # the comment shows it whole


def test_what_a_client_of_the_base_still_gets_is_no_change():
    # an optional property added to a request, a property added to an answer, a field no longer required,
    # an operation only one side has (the gate names dropped ones itself)
    base, head = documents()
    widened = json.loads(json.dumps(base))
    schemas = widened["components"]["schemas"]
    schemas["AuthRegisterLoginDto"]["properties"]["nickname"] = {"type": "string"}
    schemas["AuthRegisterLoginDto"]["required"].remove("lastName")
    schemas["User"]["properties"]["nickname"] = {"type": "string"}
    widened["paths"]["/api/v1/extra"] = {"get": {"responses": {"200": {"description": ""}}}}
    assert breaking_changes(base, widened) == []
    assert contract_warning(base, widened) == ""


def test_parameters_bodies_and_swagger_2():
    # OpenAPI 3.0: a query parameter made required, a path-level parameter added as required, a body that
    # became required, and allOf parts merged
    def doc(limit_required: bool, body_required: bool, extra: list) -> dict:
        return {"openapi": "3.0.0", "paths": {"/items": {
            "parameters": extra,
            "post": {"parameters": [{"name": "limit", "in": "query", "required": limit_required,
                                     "schema": {"type": "integer"}}],
                     "requestBody": {"required": body_required, "content": {"application/json": {"schema": {
                         "allOf": [{"$ref": "#/components/schemas/Base"},
                                   {"type": "object", "required": ["size"] if body_required else [],
                                    "properties": {"size": {"type": "integer"}}}]}}}},
                     "responses": {"201": {"description": ""}}}}},
            "components": {"schemas": {"Base": {"type": "object", "required": ["name"],
                                                "properties": {"name": {"type": "string"}}}}}}

    tenant = [{"name": "X-Tenant", "in": "header", "required": True, "schema": {"type": "string"}}]
    assert breaking_changes(doc(False, False, []), doc(True, True, tenant)) == [
        "POST /items: now requires header parameter X-Tenant; now requires query parameter limit; "
        "now requires a body; body now requires size"]
    # Swagger 2: the body is a parameter, its schema under definitions
    swagger = {"swagger": "2.0", "paths": {"/login": {"post": {
        "parameters": [{"name": "body", "in": "body", "required": True,
                        "schema": {"$ref": "#/definitions/Login"}}],
        "responses": {"200": {"description": "", "schema": {"$ref": "#/definitions/Token"}}}}}},
        "definitions": {"Login": {"type": "object", "required": ["email"], "properties": {"email": {}}},
                        "Token": {"type": "object", "properties": {"token": {}, "refresh": {}}}}}
    changed = json.loads(json.dumps(swagger))
    changed["definitions"]["Login"]["required"].append("otp")
    del changed["definitions"]["Token"]["properties"]["refresh"]
    assert breaking_changes(swagger, changed) == [
        "POST /login: body now requires otp; 200 answer lacks refresh"]


def api_result(artifacts: list[str]) -> PhaseResult:
    return PhaseResult(phase="api", artifacts=artifacts)


def test_the_side_by_side_run_warns_on_the_heads_api_result(tmp_path, capsys):
    base, head = documents()
    sides = {}
    listed = {}
    for name, data in (("base", base), ("head", head)):
        folder = tmp_path / name / "api"
        listed[name] = keep_document(data, folder)
        sides[name] = Side(None, {"api": SimpleNamespace(artifacts_dir=folder)})  # type: ignore[arg-type]
    assert (tmp_path / "head" / "api" / DOCUMENT_FILE).is_file()
    pair = Pair(api_result([listed["head"]]), api_result([listed["base"]]))
    other = Pair(PhaseResult(phase="load"), PhaseResult(phase="load"))
    sidebyside._contract_changes([other, pair], sides["head"], sides["base"])
    said = "POST /api/v1/auth/email/register: body now requires phone"
    assert [w for w in pair.head.warnings if said in w] and not other.head.warnings
    assert "api: the head's OpenAPI document breaks clients of the base's in 2 operation(s)" \
        in capsys.readouterr().err
    # a side whose contract test read no document this run (a GraphQL schema, no document found): nothing
    stale = Pair(api_result([]), api_result([listed["base"]]))
    sidebyside._contract_changes([stale], sides["head"], sides["base"])
    assert stale.head.warnings == []


def envelope(listed: str) -> dict:
    """GET /api/v1/user/all of j10ra/fastify-drizzle-postgres's /docs/json (Swagger 2 from @fastify/swagger)
    with the response schema the trial gave it: every answer is {error, statusCode, payload}, the users under
    payload.*listed*."""
    user = {"type": "object", "properties": {"id": {"type": "string"}, "username": {"type": "string"}}}
    payload = {"type": "object", "required": [listed, "generatedAt"],
               "properties": {listed: {"type": "array", "items": user},
                              "generatedAt": {"type": "string", "format": "date-time"}}}
    answer = {"type": "object", "required": ["error", "statusCode", "payload"],
              "properties": {"error": {"type": "boolean"}, "statusCode": {"type": "integer"},
                             "payload": payload}}
    return {"swagger": "2.0", "security": [{"BearerAuth": []}], "paths": {"/api/v1/user/all": {"get": {
        "tags": ["User"], "responses": {"200": {"description": "Default Response", "schema": answer}}}}}}


def test_a_property_renamed_inside_an_answers_envelope_is_a_change():
    # the head renamed payload.users to payload.items: its run said nothing of it, as only the answer's
    # top-level properties (error, statusCode, payload) were compared
    assert breaking_changes(envelope("users"), envelope("items")) == [
        "GET /api/v1/user/all: 200 answer lacks payload.users"]  # not its items' id and username again
    dropped = envelope("users")
    del dropped["paths"]["/api/v1/user/all"]["get"]["responses"]["200"]["schema"]["properties"]["payload"][
        "properties"]["users"]["items"]["properties"]["username"]
    assert breaking_changes(envelope("users"), dropped) == [
        "GET /api/v1/user/all: 200 answer lacks payload.users[].username"]
    # an answer that is an array of objects, its items' properties under []
    users = {"type": "array", "items": {"$ref": "#/components/schemas/User"}}
    listing = {"openapi": "3.0.0", "paths": {"/users": {"get": {"responses": {"200": {
        "description": "", "content": {"application/json": {"schema": users}}}}}}},
        "components": {"schemas": {"User": {"type": "object", "properties": {"id": {}, "email": {}}}}}}
    slim = json.loads(json.dumps(listing))
    del slim["components"]["schemas"]["User"]["properties"]["email"]
    assert breaking_changes(listing, slim) == ["GET /users: 200 answer lacks [].email"]
    assert breaking_changes(slim, listing) == []  # a property added says nothing
