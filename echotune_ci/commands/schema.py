"""``echotune-ci schema``: print the JSON Schema of result files."""

from __future__ import annotations

import json

import click


@click.command(name="schema")
def command() -> int:
    """Print the JSON Schema (draft 2020-12) that every result file follows."""
    from ..results import schema

    click.echo(json.dumps(schema(), indent=2))
    return 0
