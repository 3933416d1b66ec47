"""How steady is this machine? Time a fixed CPU workload back to back and print how its speed wanders.

`python benchmarks/machine_noise.py [SECONDS]` (default 240): 20 products of 1024x1024 float32 matrices per
timing (numpy's threads), then the range of means over ~10-timing chunks and over 30 s windows. Run it with
nothing else running; every comparison in docs/benchmarks.md lives with this noise."""

import json
import statistics
import sys
import time

import numpy as np


def operands():
    rng = np.random.default_rng(0)
    return rng.random((1024, 1024), dtype=np.float32), rng.random((1024, 1024), dtype=np.float32)


def product_rate(seconds: float) -> float:
    """Products per second over `seconds` (the probe `common.machine_speed` runs around each benchmark run)."""
    a, b = operands()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        a @ b
        n += 1
    return n / (time.perf_counter() - t0)


def main(seconds: float) -> dict:
    a, b = operands()
    t_end = time.time() + seconds
    rows = []
    while time.time() < t_end:
        t = time.perf_counter()
        for _ in range(20):
            a @ b
        rows.append((time.time(), time.perf_counter() - t))
    times = [dt for _, dt in rows]
    chunks = [statistics.mean(times[i:i + 10]) for i in range(0, len(times) - 9, 10)]
    windows: dict[int, list[float]] = {}
    for t, dt in rows:
        windows.setdefault(int((t - rows[0][0]) // 30), []).append(dt)
    w = [statistics.mean(v) for v in windows.values()]
    mid = statistics.mean(times)
    return {"timings": len(times), "mean_s": round(mid, 4),
            "chunk_means_s": [round(min(chunks), 4), round(max(chunks), 4)],
            "chunk_spread_pct": round(100 * (max(chunks) - min(chunks)) / 2 / mid, 1),
            "window_30s_means_s": [round(v, 4) for v in w],
            "window_spread_pct": round(100 * (max(w) - min(w)) / 2 / mid, 1)}


if __name__ == "__main__":
    if sys.argv[1:2] == ["--rate"]:
        print(product_rate(float(sys.argv[2])))
    else:
        print(json.dumps(main(float(sys.argv[1]) if len(sys.argv) > 1 else 240.0)))
