"""Values with their units, as people read them (reports, notes, messages)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .model import Metric


def fmt_number(value: float | None, unit: str = "") -> str:
    """A value for people: bytes as KiB/MiB, ms, %, s, or a plain number with a sensible number
    of digits and the unit; "n/a" for None."""
    if value is None:
        return "n/a"
    if unit == "bytes":
        return fmt_bytes(value)
    if unit in ("%", "pct"):
        return f"{value:.2f} %" if abs(value) < 10 else f"{value:.1f} %"
    if unit == "ms":
        return f"{value:,.0f} ms" if abs(value) >= 10 else f"{value:.1f} ms"
    if unit == "s":
        return f"{value:.2f} s"
    if float(value).is_integer():
        text = f"{int(value):,}"
    elif abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 1:
        text = f"{value:.2f}"
    else:
        text = f"{value:.3f}"
    return f"{text} {unit}".strip()


def fmt_bytes(value: float) -> str:
    """Bytes as B, KiB, MiB or GiB (1024-based, as our size budgets)."""
    size = float(value)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(size) < 1024 or unit == "GiB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"  # pragma: no cover


def fmt_metric(m: Metric) -> str:
    """The metric's value with its unit."""
    return fmt_number(m.value, m.unit)


def fmt_budget(m: Metric) -> str:
    """"≤ budget" or "≥ budget" with the unit; "" without a budget."""
    if m.budget is None:
        return ""
    op = "≤" if m.better == "lower" else "≥"
    return f"{op} {fmt_number(m.budget, m.unit)}"


def first_named(names: Sequence[str], shown: int = 3) -> str:
    """The first *shown* of *names*, comma-separated, then "and N more" for the rest: "a, b, c and 2 more"."""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more
