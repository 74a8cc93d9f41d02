"""What `comment` and `checks` both start from: evaluated results, the Actions context, the report link."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Config, load_config
from ..reporting import Evaluated, evaluate_paths
from .context import ActionsContext, load_context


@dataclass
class PublishInputs:
    cfg: Config
    evaluated: Evaluated
    context: ActionsContext
    details_url: str

    @property
    def github(self) -> dict[str, Any]:
        return self.cfg.section("github")

    @property
    def report(self) -> dict[str, Any]:
        return self.cfg.section("report")


def gather(results: tuple[Path, ...], baseline: tuple[Path, ...], config_path: Path | None,
           details_url: str | None) -> PublishInputs:
    """Load and gate the results; the report link defaults to [report] details_url, then this run's page."""
    cfg = load_config(config_path)
    evaluated = evaluate_paths(results, cfg, baseline or None)
    ctx = load_context()
    url = details_url if details_url is not None else (cfg.section("report")["details_url"] or ctx.run_url)
    return PublishInputs(cfg, evaluated, ctx, url)
