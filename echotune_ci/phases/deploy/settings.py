"""The [deploy] section, owned by the deploy phase.

The files are looked for in ``dir`` (relative to the config file) under the
names ``echotune-ci init --deploy`` writes. ``health-check.sh`` is run
against the app `run` started (or ``--url``), at ``health_path`` (default:
the path of ``[serve] ready_url``), loopback only, within ``health_timeout``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ...config.schema import item, seconds, setting
from ...results.model import SEVERITIES

if TYPE_CHECKING:  # pragma: no cover
    from ...config import Config

CHECKS = ("hadolint", "compose", "shellcheck", "policy", "health")


def _path(value: str) -> str | None:
    if not value or value.startswith("/"):
        return None
    return "must start with '/' (it is joined to the app's URL)"


def _rule(value: tuple[str, ...]) -> str | None:
    bad = [v for v in value if not v.strip() or " " in v]
    return f"'{bad[0]}' is not a rule id such as DL3008, SC2086 or deploy.base-not-pinned" if bad else None


@dataclass(frozen=True)
class DeploySettings:
    """[deploy]: which deployment files, which checks, and the health check's bounds."""

    enabled: bool = setting(True, doc="false: the phase reports nothing.")
    dir: str = setting(".", doc="Folder holding the deployment files, relative to the config file.")
    dockerfile: str = setting("Dockerfile.production", doc="The Dockerfile (relative to dir).")
    compose: str = setting("compose.production.yaml", doc="The Compose file (relative to dir).")
    scripts: tuple[str, ...] = setting(("deploy-production.sh", "health-check.sh"),
                                       doc="Shell scripts shellcheck reads (relative to dir).")
    health_script: str = setting("health-check.sh", doc="The script run against the app (relative to dir).")
    checks: tuple[str, ...] = setting(CHECKS, item=item(choices=CHECKS), doc="Checks to run.")
    ignore: tuple[str, ...] = setting((), check=_rule,
                                      doc='Rule ids left out, e.g. ["DL3008", "SC2086"].')
    fail_on: str = setting("medium", choices=(*SEVERITIES, "none"),
                           doc="Lowest finding severity that fails the phase (hadolint/shellcheck: error "
                               "high, warning medium, info low, style info); none: findings only inform.")
    timeout: float = setting(60.0, parse=seconds, min=1, max=3600, doc="How long each linter may take.")
    health_path: str = setting("", check=_path,
                               doc="Path of the health URL (default: the path of [serve] ready_url).")
    health_retries: int = setting(3, min=1, max=20, doc="HEALTH_RETRIES of the dry run.")
    health_timeout: float = setting(30.0, parse=seconds, min=1, max=600,
                                    doc="How long the dry run of health-check.sh may take in all.")

    def from_config(self, cfg: Config) -> DeploySettings:
        """These settings with ``health_path`` taken from ``[serve] ready_url`` when not set."""
        if self.health_path:
            return self
        path = urlsplit(cfg.serve.ready_url.replace("{port}", "1")).path if cfg.serve.ready_url else ""
        return replace(self, health_path=path or "/")
