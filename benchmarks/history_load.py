"""1,000 saved reports (real-sized: telemetry and step times included) load in under 1 second."""

import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from dlbench_gui.core.history import load_history  # noqa: E402
from dlbench_gui.core.report import RunReport  # noqa: E402

template_path = sys.argv[1] if len(sys.argv) > 1 else None
if template_path:
    template = json.load(open(template_path))
else:  # a report the size of a quick run's: 600 telemetry samples, 200 step times
    template = {"schema_version": 1, "run_id": "x", "status": "completed",
                "config": {"model": "model_a", "dataset": "mnist", "profile": "quick"},
                "timing": {"execution_time_s": 30.0, "steady_step_s": 0.33},
                "telemetry": {"samples": [{"t": i / 2, "cpu_percent": 90.0, "ram_used_bytes": 2e9, "child_rss_bytes": 1.5e9,
                                           "phase": "training", "epoch": 1} for i in range(600)]},
                "step_times_s": [0.33] * 200}
folder = tempfile.mkdtemp(prefix="dlbench-history-")
for i in range(1000):
    template["run_id"] = f"run-{i:04d}"
    with open(os.path.join(folder, f"run-{i:04d}.json"), "w") as fh:
        json.dump(template, fh)
size = os.path.getsize(os.path.join(folder, "run-0000.json"))
t = time.perf_counter()
reports, problems = load_history(folder)
elapsed = time.perf_counter() - t
assert len(reports) == 1000 and not problems and isinstance(reports[0], RunReport)
print(json.dumps({"reports": 1000, "bytes_each": size, "load_s": round(elapsed, 3)}))
