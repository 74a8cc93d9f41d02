"""The [bundle] section, owned by the bundle phase.

Sizes are bytes as an integer or a string such as ``"250KB"``; K, KB and KiB
all mean 1024 bytes, as in bundlesize and Lighthouse budgets, so that a limit
reads the same as the KiB figures in our reports. They are stored as bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...config.schema import byte_size, item, setting

KINDS = ("raw", "gzip", "brotli")


def _not_blank(value: str) -> str | None:
    return None if value.strip() else "must not be empty"


@dataclass(frozen=True)
class LimitSettings:
    """An absolute limit on the files matching one glob, like a size-limit entry."""

    glob: str = setting("", required=True,
                        doc="Which measured files the limit covers (their sizes are summed).")
    max_raw: int | None = setting(None, parse=byte_size, doc="Largest allowed uncompressed size.")
    max_gzip: int | None = setting(None, parse=byte_size, doc="Largest allowed gzip (level 9) size.")
    max_brotli: int | None = setting(None, parse=byte_size, doc="Largest allowed brotli (quality 11) size.")

    def max_bytes(self) -> dict[str, int]:
        """Compression kind -> limit in bytes, for the limits that are set."""
        return {k: v for k, v in (("raw", self.max_raw), ("gzip", self.max_gzip), ("brotli", self.max_brotli))
                if v is not None}


@dataclass(frozen=True)
class BundleSettings:
    """[bundle]: build output sizes."""

    enabled: bool = setting(True, doc="false: the phase reports nothing.")
    globs: tuple[str, ...] = setting((), item=item(check=_not_blank),
                                     doc="Build output to measure, relative to the config file; ** matches "
                                         "folders.")
    baseline: str = setting("", doc="The base branch's bundle result (JSON) to compare with.")
    max_growth_pct: float | None = setting(None, min=0, doc="Largest allowed growth of the gzip total in "
                                                            "percent; default budgets.bundle_growth_pct.")
    max_total_raw: int | None = setting(None, parse=byte_size, doc="Limit on the uncompressed total.")
    max_total_gzip: int | None = setting(None, parse=byte_size, doc="Limit on the gzip total, e.g. 250KB.")
    max_total_brotli: int | None = setting(None, parse=byte_size, doc="Limit on the brotli total.")
    limits: tuple[LimitSettings, ...] = setting((), doc="Limits on the files matching a glob.")
    top_changes: int = setting(10, min=0, doc="How many most-changed files the result lists.")

    def max_total(self) -> dict[str, int]:
        """Compression kind -> limit on the total in bytes, for the limits that are set."""
        pairs = (("raw", self.max_total_raw), ("gzip", self.max_total_gzip),
                 ("brotli", self.max_total_brotli))
        return {k: v for k, v in pairs if v is not None}
