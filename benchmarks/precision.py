"""mixed_bfloat16 against float32 on Model A, side by side: quick runs alternating precision for ROUNDS rounds
(this CPU has AVX512_BF16, so bfloat16 runs for real). `python benchmarks/precision.py [ROUNDS]` (default 2).
Prints one JSON line per run, then the per-round ratios of steady step time (bfloat16 / float32)."""

import json
import sys
import time

from common import cli_run


def one(precision: str) -> dict:
    r, wall = cli_run("--model", "model_a", "--dataset", "mnist", "--data", "synthetic", "--profile", "quick",
                      "--precision", precision)
    step = r["timing"]["steady_step"]
    return {"precision": r["config"]["precision"], "steady_step_s": round(step["mean"], 4), "steps": step["n"],
            "images_per_s": round(64 / step["mean"], 1), "first_step_s": round(r["timing"]["first_step_s"], 2),
            "estimate_s": round(r["estimate"]["execution_time_s"]),
            "other_cpu_share": round(r["findings"]["interference"]["other_cpu_share"] or 0, 4),
            "jit_compile": r["software"].get("jit_compile"), "wall_s": round(wall, 1)}


def main(rounds: int) -> None:
    ratios = []
    for i in range(rounds):
        order = ("float32", "mixed_bfloat16") if i % 2 == 0 else ("mixed_bfloat16", "float32")
        got = {p: one(p) for p in order}
        for p in order:
            print(json.dumps(got[p]), flush=True)
        ratios.append(round(got["mixed_bfloat16"]["steady_step_s"] / got["float32"]["steady_step_s"], 3))
    print(json.dumps({"bf16_over_fp32_steady_step": ratios}), flush=True)


if __name__ == "__main__":
    t0 = time.time()
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
    print(f"# {time.time() - t0:.0f} s", file=sys.stderr)
