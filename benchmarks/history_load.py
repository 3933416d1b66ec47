"""1,000 saved reports (real-sized: telemetry and step times included) load, each checked against the report
contract, in under 1 second. Side by side in each round: the bare JSON parse of the same files, so the cost of the
contract shows as a ratio on this noisy machine."""

import json
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from dlbench_gui.core.store.history import load_history  # noqa: E402
from dlbench_gui.core.store.report import RunReport  # noqa: E402
from dlbench_gui.runner.recovery import recover_interrupted  # noqa: E402

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
# A recorded real report, grown to a quick run's size: 600 telemetry samples, 200 step times.
template = json.load(open(os.path.join(ROOT, "tests", "gui", "data", "report_model_a_custom.json")))
sample = template["telemetry"]["samples"][-1]
template["telemetry"]["samples"] = [{**sample, "t": i / 2} for i in range(600)]
template["step_times_s"] = [0.33] * 200
folder = os.path.join(tempfile.mkdtemp(prefix="dlbench-history-"), "reports")
os.makedirs(folder)
for i in range(1000):
    template["run_id"] = f"run-{i:04d}"
    with open(os.path.join(folder, f"run-{i:04d}.json"), "w") as fh:
        json.dump(template, fh)
size = os.path.getsize(os.path.join(folder, "run-0000.json"))
rounds = []
for _ in range(ROUNDS):
    t = time.perf_counter()
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), encoding="utf-8") as fh:
            json.load(fh)
    parse_s = time.perf_counter() - t
    t = time.perf_counter()
    reports, problems = load_history(folder)
    load_s = time.perf_counter() - t
    assert len(reports) == 1000 and not problems and isinstance(reports[0], RunReport), problems[:3]
    os.environ["DLBENCH_HOME"] = os.path.dirname(folder)  # the recovery pass looks in <home>/reports
    t = time.perf_counter()
    assert recover_interrupted() == []
    recover_s = time.perf_counter() - t
    rounds.append({"json_parse_s": round(parse_s, 3), "load_history_s": round(load_s, 3),
                   "ratio": round(load_s / parse_s, 2), "recover_interrupted_s": round(recover_s, 3)})
print(json.dumps({"reports": 1000, "bytes_each": size, "rounds": rounds}))
