"""Statistics for timings: summaries, Student-t confidence intervals, warm-up versus steady state."""

from __future__ import annotations

import math
from typing import Sequence

# Two-sided 95% Student-t quantiles (t_{0.975, df}) for small samples; beyond 30 the
# normal-approximation series below is accurate to better than 1e-3.
_T975 = {
    1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262,
    10: 2.228, 11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120, 17: 2.110,
    18: 2.101, 19: 2.093, 20: 2.086, 21: 2.080, 22: 2.074, 23: 2.069, 24: 2.064, 25: 2.060,
    26: 2.056, 27: 2.052, 28: 2.048, 29: 2.045, 30: 2.042,
}
Z975 = 1.959964  # the normal quantile (also for a spread that is assumed rather than estimated)


def t975(df: int) -> float:
    if df < 1:
        return math.inf
    if df in _T975:
        return _T975[df]
    # Cornish-Fisher expansion of the t quantile around the normal one.
    z = Z975
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    return z + g1 / df + g2 / df**2


def mean(values: Sequence[float]) -> float:
    if not values:
        raise ValueError("mean of no values")
    return math.fsum(values) / len(values)


def stdev(values: Sequence[float]) -> float:
    n = len(values)
    if n < 2:
        return 0.0
    m = mean(values)
    return math.sqrt(math.fsum((v - m) ** 2 for v in values) / (n - 1))


def median(values: Sequence[float]) -> float:
    if not values:
        raise ValueError("median of no values")
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def ci95_halfwidth(values: Sequence[float]) -> float:
    """Half-width of the 95% confidence interval of the mean (Student t)."""
    n = len(values)
    if n < 2:
        return math.inf
    return t975(n - 1) * stdev(values) / math.sqrt(n)


def summary(values: Sequence[float]) -> dict[str, float]:
    """mean, median, coefficient of variation, min, max, n — what a report keeps of a series."""
    if not values:
        return {"n": 0}
    m = mean(values)
    return {
        "n": len(values),
        "mean": m,
        "median": median(values),
        "cv": stdev(values) / m if m else 0.0,
        "min": min(values),
        "max": max(values),
        "ci95_halfwidth": ci95_halfwidth(values) if len(values) > 1 else None,
    }


def throughput(images: int, seconds: float) -> float:
    """Images per second as total images over total time, never a mean of per-step rates."""
    return images / seconds if seconds > 0 else 0.0


def warmup_split(epoch_times: Sequence[float]) -> dict[str, float | None]:
    """First epoch against the mean of later ones: how much the warm-up costs."""
    if not epoch_times:
        return {"first_epoch_s": None, "later_epochs_mean_s": None, "warmup_overhead_s": None}
    first = epoch_times[0]
    later = list(epoch_times[1:])
    later_mean = mean(later) if later else None
    return {
        "first_epoch_s": first,
        "later_epochs_mean_s": later_mean,
        "warmup_overhead_s": (first - later_mean) if later_mean is not None else None,
    }


def drift(values: Sequence[float]) -> float:
    """Relative change of the mean from the first tenth to the last tenth (positive = slower)."""
    n = len(values)
    if n < 20:
        return 0.0
    k = max(2, n // 10)
    head, tail = mean(values[:k]), mean(values[-k:])
    return (tail - head) / head if head else 0.0


def mser_truncation(values: Sequence[float], batch: int = 5, keep_at_least: int = 10) -> int:
    """How many leading values to drop as initial transient: the MSER-5 rule (White 1997) — batch means of 5,
    then the cut d minimising the squared standard error of the remaining mean, var(rest) / len(rest)^2 —
    searched over the first half only, and never leaving fewer than `keep_at_least` values."""
    k = len(values) // batch
    if k < 4:
        return 0
    means = [mean(values[i * batch:(i + 1) * batch]) for i in range(k)]
    best_d, best = 0, math.inf
    for d in range(0, k // 2 + 1):
        rest = means[d:]
        if (k - d) * batch < keep_at_least:
            break
        m = mean(rest)
        mse = math.fsum((b - m) ** 2 for b in rest) / len(rest) ** 2
        if mse < best:
            best_d, best = d, mse
    return best_d * batch


def ci95_halfwidth_batched(values: Sequence[float], batch: int = 5) -> float:
    """Half-width of the 95% confidence interval of the mean from non-overlapping batch means of `batch` values
    (Student t on the batch means; a leading remainder is left out of the spread, not of the mean's scale). Steps come
    in runs: a busy spell of the machine slows several in a row, and an interval that takes them as independent is too
    narrow exactly when a run stops in a quiet spell. With fewer than 4 batches: the plain interval."""
    k = len(values) // batch
    if k < 4:
        return ci95_halfwidth(values)
    tail = values[len(values) - k * batch:]
    means = [mean(tail[i * batch:(i + 1) * batch]) for i in range(k)]
    return t975(k - 1) * stdev(means) / math.sqrt(k)


def halves(values: Sequence[float]) -> tuple[float, float]:
    """The means of the earlier and the later half (the middle value, if any, in neither)."""
    h = len(values) // 2
    if h < 1:
        raise ValueError("halves of fewer than 2 values")
    return mean(values[:h]), mean(values[len(values) - h:])


def block_spread(values: Sequence[float], batch: int = 10) -> float | None:
    """The relative SD of the means of non-overlapping blocks of `batch` values (how much the speed wandered over a
    run, beyond one step's noise); None with fewer than 3 blocks."""
    k = len(values) // batch
    if k < 3:
        return None
    means = [mean(values[i * batch:(i + 1) * batch]) for i in range(k)]
    m = mean(means)
    return stdev(means) / m if m else None
