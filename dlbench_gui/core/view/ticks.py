"""Axis ticks at round values in the unit a person reads: 0, 2, 4, 6 h rather than 0, 7200, 14400 s, and never
at 10.75 / 20.5 / 30.25. Shared by the window's charts and the PDF's."""

from __future__ import annotations

import math

TIME_UNITS = (("s", 1.0), ("min", 60.0), ("h", 3600.0), ("d", 86400.0))


def nice_step(span: float, target: int = 5) -> float:
    """A step of 1, 2 or 5 x 10^k giving about `target` intervals over `span`."""
    if not span > 0 or not math.isfinite(span):
        return 1.0
    raw = span / max(1, target)
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * power >= raw:
            return m * power
    return 10 * power


def nice_ticks(lo: float, hi: float, target: int = 5, integer: bool = False) -> list[float]:
    """Round values from at or below `lo` to at or above `hi`; with `integer`, whole numbers only (steps, epochs)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0, 1.0]
    if hi <= lo:
        hi = lo + 1
    step = nice_step(hi - lo, target)
    if integer:
        step = max(1.0, round(step))
    start = math.floor(lo / step) * step
    ticks = []
    v = start
    while v < hi + step * 0.999 and len(ticks) < 50:
        ticks.append(round(v, 10))
        v += step
    return ticks


def time_unit(max_seconds: float) -> tuple[str, float]:
    """The unit a time axis reaching `max_seconds` is best read in: seconds up to 2 min, minutes up to 2 h, hours
    up to 3 days, then days."""
    if max_seconds <= 120:
        return TIME_UNITS[0]
    if max_seconds <= 7200:
        return TIME_UNITS[1]
    if max_seconds <= 3 * 86400:
        return TIME_UNITS[2]
    return TIME_UNITS[3]


def time_ticks(max_seconds: float, target: int = 5) -> tuple[str, float, list[float]]:
    """(unit name, seconds per unit, tick values in that unit from 0) for a linear time axis."""
    name, size = time_unit(max_seconds)
    return name, size, nice_ticks(0.0, max_seconds / size, target)


def tick_label(value: float) -> str:
    """A tick value without float noise: 0.5, 2, 1.5, 10."""
    return f"{value:g}" if abs(value) < 1e6 else f"{value:.3g}"
