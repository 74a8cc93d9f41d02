"""Configuration of the [bundle] section (owned by the bundle phase)."""

from ..spec import Field, Table

SPEC = Table(
    {
        "enabled": Field(bool, True),
    }
)
