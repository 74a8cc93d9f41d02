"""Configuration of the [research] section (owned by the research phase)."""

from ..spec import Field, Table

SPEC = Table(
    {
        "enabled": Field(bool, True),
    }
)
