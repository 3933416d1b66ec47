"""Run every benchmark in sequence (nothing else should be running) and print one JSON line each."""

import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SCRIPTS = [
    ("machine_noise", ["machine_noise.py", "120"]),
    ("harness_overhead", ["harness_overhead.py"]),
    ("data_prep", ["data_prep.py"]),
    ("sampler_overhead", ["sampler_overhead.py"]),
    ("history_load", ["history_load.py"]),
    ("estimate_accuracy_model_a", ["estimate_accuracy.py", "--bracket", "model_a"]),
    ("quick_all_four", ["quick_all_four.py"]),
    ("first_launch", ["first_launch.py", "--rounds", "2"]),
    ("gui_perf", ["gui_perf.py"]),
    ("estimate_accuracy_model_b", ["estimate_accuracy.py", "--bracket", "model_b", "model_b_2x20"]),
    ("epoch_effect", ["epoch_effect.py", "100", "3", "val+save", "val+save+noat"]),
]

only = sys.argv[1:]
for name, cmd in SCRIPTS:
    if only and name not in only:
        continue
    t = time.perf_counter()
    p = subprocess.run([sys.executable, *cmd], cwd=HERE, capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": ROOT, "QT_QPA_PLATFORM": "offscreen"})
    print(f"{name} ({time.perf_counter() - t:.0f} s, rc {p.returncode}): {p.stdout.strip()}", flush=True)
    if p.returncode != 0:
        print(p.stderr[-2000:], flush=True)
