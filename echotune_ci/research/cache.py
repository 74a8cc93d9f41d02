"""Answers kept on disk by (provider, model, prompt) for a while.

A scheduled workflow restores this folder with ``actions/cache`` and asks only
what is new or expired. Entries are plain JSON, one file per question, written
atomically so that a killed run never leaves a half entry behind.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..fsutil import read_input_bytes, write_json_atomic
from .providers import Answer, clean_citations

CACHE_FORMAT = 1


def cache_key(identity: str, system: str, prompt: str) -> str:
    """The hex SHA-256 of the cache format, ``provider|model`` identity, system message and prompt."""
    raw = "\x1f".join((str(CACHE_FORMAT), identity, system, prompt))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class AnswerCache:
    """Answers under *folder*, one JSON file per key, reused for *ttl_s* seconds.

    *clock* gives the time in epoch seconds.
    """

    def __init__(self, folder: Path, ttl_s: float, *, clock: Callable[[], float] = time.time):
        self.folder = folder
        self.ttl_s = ttl_s
        self._clock = clock

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> tuple[Answer, float] | None:
        """The answer and its age in seconds, or None when missing, expired or unreadable."""
        try:
            # A regular file only (a FIFO planted in a restored cache would block for ever).
            data: dict[str, Any] = json.loads(read_input_bytes(self._path(key)).decode("utf-8"))
            stored_at = float(data["stored_at"])
            # A restored cache is no more trusted than the provider: its citations are checked again.
            answer = clean_citations(Answer.from_dict(data["answer"]))
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            return None
        age = self._clock() - stored_at
        if not 0 <= age <= self.ttl_s:  # also refuses a NaN "stored_at" (every comparison false)
            return None
        return answer, age

    def put(self, key: str, answer: Answer, *, identity: str) -> None:
        """Store *answer* under *key* atomically (OSError when the folder cannot be written)."""
        write_json_atomic(self._path(key), {"format": CACHE_FORMAT, "stored_at": self._clock(),
                                            "identity": identity, "answer": answer.to_dict()})
