"""The telemetry sampler at 2 Hz: CPU time it costs, as a share of one core (target <= 1%).
Measured as the process CPU time with the sampler running minus the same process idling, side by side."""

import json
import os
import subprocess
import sys
import time

import psutil

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from dlbench_gui.hardware.telemetry import Sampler  # noqa: E402

SECONDS = float(os.environ.get("SECONDS_EACH", 30))


def cpu_of(fn) -> float:
    p = psutil.Process()
    c0 = sum(p.cpu_times()[:2])
    fn()
    return sum(p.cpu_times()[:2]) - c0


def idle():
    time.sleep(SECONDS)


# The watched child is started before either arm, so the two arms differ by the sampler alone.
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
sampler = Sampler(interval_s=0.5)
sampler.watch(child.pid)


def sampling():
    sampler.start()
    time.sleep(SECONDS)
    sampler.stop()
    sampling.n = len(sampler.samples)


base = cpu_of(idle)
with_sampler = cpu_of(sampling)
child.kill()
share = (with_sampler - base) / SECONDS
print(json.dumps({"seconds": SECONDS, "samples": sampling.n, "cpu_idle_s": round(base, 4),
                  "cpu_with_sampler_s": round(with_sampler, 4), "share_of_one_core_pct": round(100 * share, 3)}))
