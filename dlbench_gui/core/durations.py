"""The one place that turns seconds into words a person reads."""

from __future__ import annotations

import math


MAX_WORDS_S = 1e12  # about 31,700 years: beyond it a duration is said as "over 31,000 years", never overflowing


def finite(value) -> float | None:
    """A number as a float a person can be shown, or None (NaN, infinite, too large for a float, not a number)."""
    try:
        x = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return x if math.isfinite(x) else None


def format_duration(seconds: float | None) -> str:
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "—"
    seconds = finite(seconds)
    if seconds is None:
        return "—"
    if abs(seconds) > MAX_WORDS_S:
        return ("-" if seconds < 0 else "") + "over 31,000 years"
    if seconds < 0:
        return "-" + format_duration(-seconds)
    # each unit up to what still rounds below the next ("60 s" beside "1 min 03 s" was one unit too late)
    if seconds < 0.9995:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 59.5:
        return f"{seconds:.1f} s" if seconds < 9.95 else f"{seconds:.0f} s"
    minutes, s = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes} min {s:02d} s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def format_bytes(n: float | None) -> str:
    n = finite(n)
    if n is None:
        return "—"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"
