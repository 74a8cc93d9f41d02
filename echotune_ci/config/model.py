"""Loading ``echotune.toml`` (or ``[tool.echotune]`` in pyproject.toml) into typed settings."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..phases.api.settings import ApiSettings
from ..phases.bundle.settings import BundleSettings
from ..phases.deploy.settings import DeploySettings
from ..phases.frontend.settings import FrontendSettings
from ..phases.load.settings import LoadSettings
from ..phases.security.settings import SecuritySettings
from ..propose.settings import ProposeSettings
from ..research.settings import ResearchSettings
from .schema import FrozenDict, build, setting
from .sections import (Budgets, GateSettings, GitHubSettings, ProjectSettings, ReportSettings, RunSettings,
                       ServeSettings)

CONFIG_NAMES = ("echotune.toml", ".echotune.toml")


@dataclass(frozen=True)
class Config:
    """The validated configuration: one typed, frozen settings object per section.

    ``path`` is the file it came from (None when the defaults apply);
    relative paths in the config resolve against ``base_dir``. Change a
    section with :meth:`with_section` (the object itself is never mutated).
    """

    project: ProjectSettings = setting(ProjectSettings())
    serve: ServeSettings = setting(ServeSettings())
    run: RunSettings = setting(RunSettings())
    budgets: Budgets = setting(Budgets())
    gate: GateSettings = setting(GateSettings())
    report: ReportSettings = setting(ReportSettings())
    security: SecuritySettings = setting(SecuritySettings())
    load: LoadSettings = setting(LoadSettings())
    frontend: FrontendSettings = setting(FrontendSettings())
    bundle: BundleSettings = setting(BundleSettings())
    api: ApiSettings = setting(ApiSettings())
    deploy: DeploySettings = setting(DeploySettings())
    github: GitHubSettings = setting(GitHubSettings())
    research: ResearchSettings = setting(ResearchSettings())
    propose: ProposeSettings = setting(ProposeSettings())
    path: Path | None = None
    base_dir: Path = field(default_factory=Path.cwd)

    @property
    def source(self) -> str:
        """The file name used in messages; without one, that none was found and how to make one (a
        newcomer's first run outside the project, or before `init`)."""
        if self.path:
            return str(self.path)
        return f"no echotune.toml in {self.base_dir} or above (`echotune-ci init` writes one)"

    def resolve(self, relative: str | os.PathLike[str]) -> Path:
        """*relative* against the config file's folder (absolute paths stay as they are)."""
        p = Path(relative).expanduser()
        return p if p.is_absolute() else (self.base_dir / p)

    @property
    def root(self) -> Path:
        """The repository root ([project] root, resolved)."""
        return self.resolve(self.project.root)

    def section(self, name: str) -> Any:
        """The settings object of section *name* (for code that picks a section by name)."""
        if name not in _SECTION_NAMES:
            raise KeyError(name)
        return getattr(self, name)

    def with_section(self, name: str, settings: Any) -> Config:
        """A copy with section *name* replaced by *settings*."""
        if name not in _SECTION_NAMES:
            raise KeyError(name)
        return replace(self, **{name: settings})


_SECTION_NAMES = frozenset(
    f for f in Config.__dataclass_fields__ if f not in ("path", "base_dir")
)


def defaults(base_dir: Path | None = None) -> Config:
    """The configuration when no file is given: the project targets."""
    return Config(base_dir=base_dir or Path.cwd())


def find_config(start: Path | None = None) -> Path | None:
    """The nearest echotune.toml, or a pyproject.toml with [tool.echotune], up to the repository root."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        for name in CONFIG_NAMES:
            if (folder / name).is_file():
                return folder / name
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and _has_tool_table(pyproject):
            return pyproject
        if (folder / ".git").exists():
            break
    return None


def _has_tool_table(pyproject: Path) -> bool:
    try:
        return _tool_table(read_toml(pyproject)) is not None
    except ConfigError:
        return False


def _tool_table(document: dict[str, Any]) -> Any:
    """``[tool.echotune]`` of a pyproject document, None when absent (or when ``tool`` is no table)."""
    tool = document.get("tool")
    return tool.get("echotune") if isinstance(tool, dict) else None


def read_toml(path: Path) -> dict[str, Any]:
    """The TOML document at *path*; ConfigError (exit 2) naming the file when it cannot be read."""
    from ..fsutil import read_input_bytes

    try:
        return tomllib.loads(read_input_bytes(path, limit=16 * 1024 * 1024).decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, expected a TOML file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except RecursionError:
        raise ConfigError(f"{path}: not valid TOML (nested too deeply)") from None
    except ValueError as exc:  # tomllib's own limits, e.g. an integer of thousands of digits
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(f"{path}: cannot read ({reason})") from None


def parse_config(raw: Any, where: str, source: str, *, path: Path | None = None,
                 base_dir: Path | None = None) -> Config:
    """Validate a parsed TOML document (*where*: its key path, e.g. "tool.echotune")."""
    cfg = _bundle_growth(build(Config, raw, where, source), raw)
    return replace(cfg, path=path, base_dir=base_dir or Path.cwd())


BUNDLE_GATED = "bundle_total_gzip_bytes"


def _bundle_growth(cfg: Config, raw: Any) -> Config:
    """*cfg* whose ``[gate] regression`` limit of the bundle's gzip total is the bundle's growth budget
    (``[bundle] max_growth_pct``, else ``[budgets] bundle_growth_pct``), unless ``[gate] regression``
    names that metric itself. `run --base-ref` and `gate --baseline` judge the bundle by that limit: they
    held it to 5 % whatever the budget said (``bundle_growth_pct = 20``, which init writes out to be
    tightened or loosened, failed a +8.9 % change with "limit 5 %")."""
    gate = raw.get("gate") if isinstance(raw, dict) else None
    named = gate.get("regression") if isinstance(gate, dict) else None
    if isinstance(named, dict) and BUNDLE_GATED in named:
        return cfg
    growth = cfg.bundle.max_growth_pct
    if growth is None:
        growth = cfg.budgets.bundle_growth_pct
    limits = FrozenDict({**cfg.gate.regression, BUNDLE_GATED: float(growth)})
    return replace(cfg, gate=replace(cfg.gate, regression=limits))


def load_config(path: str | os.PathLike[str] | None = None, *, discover: bool = True) -> Config:
    """Load *path*, or discover a config from the working directory.

    With neither, the defaults (the project targets) apply. Raises
    ConfigError naming the file and key for every mistake.
    """
    if path is None:
        found = find_config() if discover else None
        if found is None:
            return defaults()
        cfg_path = found
    else:
        cfg_path = Path(path)
    raw: Any = read_toml(cfg_path)
    where = ""
    if cfg_path.name == "pyproject.toml":
        raw = _tool_table(raw)
        if raw is None:
            raise ConfigError(f"{cfg_path}: has no [tool.echotune] table")
        where = "tool.echotune"
    return parse_config(raw, where, str(cfg_path), path=cfg_path, base_dir=cfg_path.resolve().parent)
