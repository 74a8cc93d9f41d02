"""Files: reading JSON with one-line errors, writing without leaving half-written output."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .errors import InputError, RunError


def read_json(path: str | os.PathLike[str], what: str) -> Any:
    """The JSON document at *path*.

    *what* names the file's role in messages ("result file", "baseline").
    Raises InputError (exit 2): "<path>: <what> not found", "<path>: cannot
    read <what> (<reason>)" or "<path>:<line>: <what> is not JSON (<reason>)".
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{p}: {what} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputError(f"{p}: cannot read {what} ({reason})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{p}:{exc.lineno}: {what} is not JSON ({exc.msg})") from None
    except RecursionError:
        raise InputError(f"{p}: {what} is nested too deeply to read") from None


def relative_path(path: str | os.PathLike[str], folder: Path) -> str:
    """*path* relative to *folder* (POSIX) when it lies inside it, else *path* as given.

    Result files list their artifacts this way, so that a results folder can
    be uploaded and downloaded elsewhere with its links intact.
    """
    try:
        return Path(path).resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        return str(path)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write *text* to *path* via a temporary file and a rename; RunError (exit 3) when it cannot."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as exc:
        raise RunError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target


def write_json_atomic(path: str | os.PathLike[str], data: Any) -> Path:
    """:func:`write_text_atomic` of *data* as indented JSON."""
    return write_text_atomic(path, json.dumps(data, indent=2, sort_keys=False) + "\n")
