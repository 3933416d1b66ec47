"""The quick profile for both models on both datasets, wall time of the whole `dlbench run` (target < 8 min)."""

import json

from common import cli_run_many

reports, wall = cli_run_many("--profile", "quick", "--model", "all", "--dataset", "all", "--data", "synthetic")
print(json.dumps({"wall_s": round(wall, 1), "runs": [
    {"run": f"{r['config']['model']}/{r['config']['dataset']}", "status": r["status"],
     "estimate_s": round(r["estimate"]["execution_time_s"]), "ci95_s": [round(v) for v in r["estimate"]["execution_time_ci95_s"]],
     "inference_estimate_s": round(r["estimate"].get("inference_time_s") or 0, 1),
     "steady_step_s": round(r["timing"]["steady_step_s"], 4), "steps_measured": r["timing"]["steady_steps_measured"],
     "first_step_s": round(r["timing"]["first_step_s"], 2)} for r in reports]}))
