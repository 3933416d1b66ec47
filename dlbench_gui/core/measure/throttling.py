"""Throttling: did the clocks stay up while dlbench was timing? GPU SM clocks against their maximum with NVML's
throttle reasons (samples where the GPU was idle are not judged: its clocks drop by design), and the CPU clock against its maximum where psutil reports one. `findings.throttling`."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .energy import TRAINING_PHASES

BELOW = 0.95  # a clock under 95% of its maximum is "below maximum"
SHARE = 0.10  # ... for at least a tenth of training
DEPTH = 0.05  # ... by at least 5% on average: then the run was throttled


def _judge(name: str, clocks: list[tuple[float, list[str]]], maximum: float) -> tuple[bool, str]:
    below = [(c, r) for c, r in clocks if c < BELOW * maximum]
    share = len(below) / len(clocks)
    if not below:
        return False, f"{name} clocks stayed within 5% of their maximum ({maximum:.0f} MHz) throughout training"
    depth = 1 - sum(c for c, _ in below) / len(below) / maximum
    reasons = Counter(r for _, rs in below for r in rs)
    why = ", ".join(r for r, _ in reasons.most_common(3)) or "no reason reported"
    words = (f"{name} clocks fell {100 * depth:.0f}% below maximum ({maximum:.0f} MHz) for {100 * share:.0f}% of "
             f"training: {why}")
    return share >= SHARE and depth >= DEPTH, words


def assess(samples: list[dict[str, Any]], hardware: dict[str, Any]) -> dict[str, Any]:
    timed = [s for s in samples if s.get("phase") in TRAINING_PHASES] or samples
    evidence, throttled, judged = [], False, False
    for i, g in enumerate(((hardware.get("gpu") or {}).get("nvidia")) or []):
        maximum = g.get("max_sm_clock_mhz")
        clocks, idle = [], 0
        for s in timed:
            gpus = s.get("gpus") or []
            x = gpus[i] if i < len(gpus) and isinstance(gpus[i], dict) else {}
            reasons = list(x.get("throttle_reasons") or [])
            if x.get("util_percent") == 0 or "idle" in reasons:
                idle += 1  # an idle GPU lowers its clocks by design (seen on an H200 while a program started)
            elif isinstance(x.get("sm_clock_mhz"), (int, float)):
                clocks.append((float(x["sm_clock_mhz"]), reasons))
        if maximum and clocks:
            hit, words = _judge(f"GPU {i}", clocks, float(maximum))
            throttled, judged = throttled or hit, True
            evidence.append(words + (f" ({idle} idle sample(s) not judged)" if idle else ""))
    cpu_max = (hardware.get("cpu") or {}).get("max_clock_mhz")
    cpu = [(float(s["cpu_freq_mhz"]), []) for s in timed if isinstance(s.get("cpu_freq_mhz"), (int, float))]
    if cpu_max and cpu:
        hit, words = _judge("CPU", cpu, float(cpu_max))
        throttled, judged = throttled or hit, True
        evidence.append(words)
    elif cpu:
        evidence.append("CPU clock: the system reports no maximum to compare with (common in a VM); not judged")
    verdict = ("throttled" if throttled else "not throttled") if judged else "unknown"
    return {"verdict": verdict, "evidence": evidence,
            "rule": f"throttled when a clock was under {100 * BELOW:.0f}% of its maximum for at least "
                    f"{100 * SHARE:.0f}% of training, by at least {100 * DEPTH:.0f}% on average"}
