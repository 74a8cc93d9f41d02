"""The research documents people and models read: question prompts and the brief (templates/research/).

They render through the environment the reports share (its ``md`` and
``code`` filters make untrusted text inert), imported only when a document
is rendered.
"""

from __future__ import annotations

from typing import Any


def render(template: str, **context: Any) -> str:
    """Render *template* (a path under templates/, e.g. "research/brief.md.j2") with *context*."""
    from ..report.render import environment

    return environment().get_template(template).render(**context)


def system_prompt() -> str:
    """The system message of every research question (and of research-driven patches)."""
    return render("research/system.md.j2").strip()
