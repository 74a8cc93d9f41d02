"""The api phase: the running app against its OpenAPI contract (schemathesis) and integration flows."""
