"""Speed Index from screencast frames, as speedline (Lighthouse's library) computes it.

Chromium sends small PNG frames of the viewport whenever it paints; each
frame's visual progress is how far its colour histograms have moved from the
blank start towards the final frame (white pixels are background and do not
count); Speed Index sums the time the page spent not yet visually complete:
``SI = sum((1 - progress_before) * interval)`` from navigation start.
The frames are tiny (at most 160 px a side), so decoding them in pure Python
costs a few milliseconds each.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

FRAME_SIZE = 160
_WHITE = 249  # speedline's isWhitePixel: brighter than this in every channel

Histogram = list[list[int]]


def png_histogram(png: bytes) -> Histogram:
    """Per-channel (R, G, B) histograms of an 8-bit RGB(A) PNG, white pixels left out."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    header, idat = _png_chunks(png)
    width, height, depth, color, _, _, interlace = header
    if depth != 8 or color not in (2, 6) or interlace:
        raise ValueError(f"unsupported PNG (depth {depth}, colour type {color}, interlace {interlace})")
    bpp = 3 if color == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    hist = [[0] * 256 for _ in range(3)]
    prev = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        row = _unfilter(raw[start], bytearray(raw[start + 1:start + 1 + stride]), prev, bpp)
        for x in range(0, stride, bpp):
            r, g, b = row[x], row[x + 1], row[x + 2]
            if r > _WHITE and g > _WHITE and b > _WHITE:
                continue
            hist[0][r] += 1
            hist[1][g] += 1
            hist[2][b] += 1
        prev = row
    return hist


def _png_chunks(png: bytes) -> tuple[tuple[int, ...], list[bytes]]:
    """The IHDR fields and the IDAT bodies (in order) of *png*; ValueError when it has no IHDR."""
    pos, idat, header = 8, [], None
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        body = png[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + length
    if header is None:
        raise ValueError("PNG without a header")
    return header, idat


def _unfilter(kind: int, row: bytearray, prev: bytearray, bpp: int) -> bytearray:
    n = len(row)
    if kind == 1:  # Sub
        for i in range(bpp, n):
            row[i] = (row[i] + row[i - bpp]) & 0xFF
    elif kind == 2:  # Up
        for i in range(n):
            row[i] = (row[i] + prev[i]) & 0xFF
    elif kind == 3:  # Average
        for i in range(n):
            left = row[i - bpp] if i >= bpp else 0
            row[i] = (row[i] + ((left + prev[i]) >> 1)) & 0xFF
    elif kind == 4:  # Paeth
        for i in range(n):
            a = row[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
    return row


def frame_progress(current: Histogram, initial: Histogram, target: Histogram) -> float:
    """speedline's calculateFrameProgress, as a fraction (0-1, floored to whole percent)."""
    total = match = 0
    for channel in range(3):
        for value in range(256):
            start = initial[channel][value]
            target_diff = abs(target[channel][value] - start)
            match += min(abs(current[channel][value] - start), target_diff)
            total += target_diff
    if total == 0:
        return 1.0
    return (match * 100 // total) / 100


def speed_index(frames: Sequence[tuple[float, Histogram]]) -> float | None:
    """Speed Index in ms from (ms since navigation start, histogram) frames; the page starts blank."""
    if not frames:
        return None
    frames = sorted(frames, key=lambda f: f[0])
    blank: Histogram = [[0] * 256 for _ in range(3)]
    target = frames[-1][1]
    total, prev_time, prev_progress = 0.0, 0.0, 0.0
    for at, hist in frames:
        at = max(at, prev_time)
        total += (at - prev_time) * (1 - prev_progress)
        prev_time, prev_progress = at, frame_progress(hist, blank, target)
    return total
