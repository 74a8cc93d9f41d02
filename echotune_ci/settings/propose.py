"""Configuration of the [propose] section (owned by the propose phase)."""

from ..spec import Field, Table

SPEC = Table(
    {
        "enabled": Field(bool, True),
    }
)
