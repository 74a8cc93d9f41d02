"""Loading and validating ``echotune.toml`` or ``[tool.echotune]`` in pyproject.toml."""

from __future__ import annotations

import importlib
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .settings import SECTIONS
from .spec import Table, validate_table

CONFIG_NAMES = ("echotune.toml", ".echotune.toml")


def section_spec(name: str) -> Table:
    module = importlib.import_module(SECTIONS[name])
    spec = getattr(module, name.upper(), None)
    return spec if isinstance(spec, Table) else module.SPEC


def root_spec() -> Table:
    return Table({name: section_spec(name) for name in SECTIONS})


@dataclass
class Config:
    """Validated configuration with every default filled in.

    ``path`` is the file it came from (None when defaults are used); relative
    paths in the config are resolved against ``base_dir``.
    """

    data: dict[str, Any]
    path: Path | None = None
    base_dir: Path = field(default_factory=Path.cwd)

    def section(self, name: str) -> dict[str, Any]:
        return self.data[name]

    @property
    def budgets(self) -> dict[str, Any]:
        return self.data["budgets"]

    @property
    def source(self) -> str:
        return str(self.path) if self.path else "(defaults)"

    def resolve(self, relative: str | os.PathLike[str]) -> Path:
        p = Path(relative).expanduser()
        return p if p.is_absolute() else (self.base_dir / p)

    @property
    def root(self) -> Path:
        return self.resolve(self.data["project"]["root"])


def defaults(base_dir: Path | None = None) -> Config:
    return Config(data=validate_table(root_spec(), {}, "", "(defaults)"), base_dir=base_dir or Path.cwd())


def find_config(start: Path | None = None) -> Path | None:
    """The nearest echotune.toml, or a pyproject.toml with [tool.echotune]."""
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
        return "echotune" in _read_toml(pyproject).get("tool", {})
    except ConfigError:
        return False


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, expected a TOML file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read ({exc})") from None


def load_config(path: str | os.PathLike[str] | None = None, *, discover: bool = True) -> Config:
    """Load *path*, or discover a config from the working directory.

    With neither, the defaults (the project targets) apply.
    """
    if path is None:
        found = find_config() if discover else None
        if found is None:
            return defaults()
        cfg_path = found
    else:
        cfg_path = Path(path)
    raw = _read_toml(cfg_path)
    if cfg_path.name == "pyproject.toml":
        raw = raw.get("tool", {}).get("echotune")
        if raw is None:
            raise ConfigError(f"{cfg_path}: has no [tool.echotune] table")
        where = "tool.echotune"
    else:
        where = ""
    data = _validate_root(raw, where, str(cfg_path))
    return Config(data=data, path=cfg_path, base_dir=cfg_path.resolve().parent)


def _validate_root(raw: dict[str, Any], where: str, source: str) -> dict[str, Any]:
    data = validate_table(root_spec(), raw, where, source)
    return data
