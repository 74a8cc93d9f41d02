"""Configuration of the [frontend] section (owned by the frontend phase)."""

from ..spec import Field, Table

SPEC = Table(
    {
        "enabled": Field(bool, True),
    }
)
