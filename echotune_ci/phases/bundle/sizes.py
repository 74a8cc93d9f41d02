"""Raw, gzip and brotli sizes of files, as a browser would download them.

gzip uses level 9 and brotli quality 11, the settings static-asset pipelines
(and size-limit / bundlesize) use. Brotli at quality 11 is the slow part; both
compressors release the GIL, so a thread pool uses every core.
"""

from __future__ import annotations

import os
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import ModuleType

from ...errors import InputError, RunError
from .files import BundleFile

KINDS = ("raw", "gzip", "brotli")
GZIP_LEVEL = 9
BROTLI_QUALITY = 11


@dataclass(frozen=True)
class FileSize:
    """One file's name (as shown in results) and its sizes in bytes."""

    name: str
    raw: int
    gzip: int
    brotli: int

    def get(self, kind: str) -> int:
        """The size of compression *kind* ("raw", "gzip" or "brotli") in bytes."""
        return getattr(self, kind)


def gzip_size(data: bytes) -> int:
    """Bytes of *data* gzipped at level 9, container included."""
    # wbits 31 = the gzip container with its 18-byte header and trailer,
    # which is what `gzip -9n` writes and what a server sends.
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
    return len(compressor.compress(data)) + len(compressor.flush())


def _brotli() -> ModuleType:
    try:
        import brotli
    except ImportError:
        raise RunError("the brotli package is missing: pip install 'echotune-ci[frontend]'") from None
    return brotli


def brotli_size(data: bytes) -> int:
    """Bytes of *data* compressed with brotli at quality 11; RunError without the brotli package."""
    return len(_brotli().compress(data, quality=BROTLI_QUALITY))


def size_of(file: BundleFile) -> FileSize:
    """Raw, gzip and brotli sizes of *file*; InputError when it cannot be read."""
    try:
        data = file.path.read_bytes()
    except OSError as exc:
        raise InputError(f"{file.path}: cannot read ({exc.strerror or exc})") from None
    return FileSize(file.name, len(data), gzip_size(data), brotli_size(data))


def measure(files: list[BundleFile], workers: int | None = None) -> list[FileSize]:
    """Sizes in the order of *files*, sized on up to *workers* threads (default: one per core)."""
    if len(files) <= 1:
        return [size_of(f) for f in files]
    workers = workers or min(len(files), os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bundle-size") as pool:
        return list(pool.map(size_of, files))


def tool_versions() -> dict[str, str]:
    """The brotli and zlib versions the sizes come from, for the result's ``tool_versions``."""
    brotli = _brotli()
    return {"brotli": getattr(brotli, "__version__", getattr(brotli, "version", "")),
            "zlib": zlib.ZLIB_RUNTIME_VERSION}
