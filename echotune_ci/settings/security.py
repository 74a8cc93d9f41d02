"""Configuration of the [security] section (owned by the security phase)."""

from ..spec import Field, Table

SPEC = Table(
    {
        "enabled": Field(bool, True),
    }
)
