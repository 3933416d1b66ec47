"""Is the quick profile's estimate right? Estimate a protocol from a quick run, then run that protocol for real.
Passes when the estimate is within ±5% of the measured execution time and its 95% interval contains it.

`python benchmarks/estimate_accuracy.py [--bracket] [--keep DIR] [--seed N] [case ...]`

--bracket runs a second quick run after the real one, so each real run is judged against an estimate made
before it and one made after it (each judged on its own). Around every run a fixed CPU workload is timed
(`machine_speed`): its change says how much faster or slower the machine itself was during the real run than
during the quick one. --keep DIR keeps every report (quick and real) and the probe's speeds for later analysis.
--seed N gives the quick and the real run of a round the same seed (synthetic data, weights, order): rounds with one
seed are one draw of what the estimate takes as chance (how often validation accuracy beats its best: the checkpoint
saves), so rounds should differ in seed. --rejudge DIR ...
re-estimates kept quick reports with the current estimator and judges them again, running nothing (no history, or
with --with-history each one with the between-run spread of the kept reports made before it)."""

import argparse
import glob
import json
import os
import sys

from common import ROOT, cli_run, cli_run_many, machine_speed

CASES = {
    # Model A: 2 epochs x 100 steps of 64 images, validation 640 images (10 batches)
    "model_a": ["--model", "model_a", "--dataset", "mnist", "--epochs", "2", "--train-samples", "6400",
                "--val-samples", "640", "--data", "synthetic"],
    # Model B, smaller: 3 epochs x 40 steps, validation 320 images (5 batches)
    "model_b": ["--model", "model_b", "--dataset", "mnist", "--epochs", "3", "--train-samples", "2560",
                "--val-samples", "320", "--data", "synthetic"],
    # Model B, smallest (the first case tried): 2 epochs x 20 steps. Tracing (±5 s between processes) and
    # whether epoch 2 beats epoch 1 (one or two 10 s checkpoint saves) are a large share of its 166 s.
    "model_b_2x20": ["--model", "model_b", "--dataset", "mnist", "--epochs", "2", "--train-samples", "1280",
                     "--val-samples", "320", "--data", "synthetic"],
}
# Model A on Keras 3's JAX backend (about 5x slower than TensorFlow on this CPU): 2 epochs x 10 steps, validation 128
# images (2 batches); the quick run's default 45 s budget measures about a dozen of its steps
CASES["model_a_jax"] = ["--model", "model_a", "--dataset", "mnist", "--epochs", "2", "--train-samples", "640",
                        "--val-samples", "128", "--data", "synthetic", "--backend", "jax"]
# Model A on native PyTorch (eager, about 1.3x TensorFlow's step on this CPU): the same 2 epochs x 100 steps as model_a
CASES["model_a_torch"] = [*CASES["model_a"], "--backend", "torch"]
# The simple kernels' convolve2d (#25), in the float32 variant (under the published mixed_float16 a step takes ~42 s on
# this CPU): 1 epoch x 100 steps of 64 images, validation 640 images; quick `--profile kernels`, real `--convolve2d full`
KERNELS = {"convolve2d": ["--profile", "kernels", "--precision", "float32", "--epochs", "1", "--train-samples", "6400",
                          "--val-samples", "640", "--data", "synthetic"]}
CASES.update(KERNELS)
# The same protocols on Fashion-MNIST, estimated by a quick run of both datasets (`--dataset all`): the Fashion-MNIST
# report is the one that shared its processes with MNIST's (runner/share.py), the path a default quick run takes.
SHARED = {"model_a_shared": "model_a", "model_b_shared": "model_b"}
for _shared, _alone in SHARED.items():
    CASES[_shared] = [("fashion_mnist" if a == "mnist" else a) for a in CASES[_alone]]


def kept_history(folders: list[str]) -> list:
    """Every report kept in `folders` (quick and real), as the history a machine would have had if the rounds had
    shared one data folder."""
    sys.path.insert(0, ROOT)
    from dlbench_gui.core.store.report import RunReport

    return sorted((RunReport.from_dict(json.load(open(p))) for f in folders
                   for p in glob.glob(os.path.join(f, "*-*.json")) if not p.endswith("speeds.json")),
                  key=lambda r: r.created_at or "")


def rejudge(folder: str, history: list | None = None) -> list[dict]:
    """The kept quick reports of a folder, estimated again by the current estimator, against the kept real runs.
    `history`: every kept report (kept_history); each quick run is then estimated with the between-run spread of the
    reports made before it, as the product does with a machine's own history."""
    sys.path.insert(0, ROOT)
    from dlbench_gui.core.backend_choice import gpus_used
    from dlbench_gui.core.frameworks import variant_of
    from dlbench_gui.core.measure.estimate import allow_for_interference, between_run_spread, estimate
    from dlbench_gui.core.store.report import RunReport

    rows = []
    speeds_path = os.path.join(folder, "speeds.json")
    speeds = json.load(open(speeds_path)) if os.path.exists(speeds_path) else {}  # name-label: probe speed
    for real_path in sorted(glob.glob(os.path.join(folder, "*-real.json"))):
        name = os.path.basename(real_path)[:-len("-real.json")]
        real = json.load(open(real_path))
        for label in ("quick", "quick_after"):
            path = os.path.join(folder, f"{name}-{label}.json")
            if not os.path.exists(path):
                continue
            quick = json.load(open(path))
            r = RunReport.from_dict(quick)
            protocol = {"inference_batch_size": quick["config"].get("inference_batch_size", 32), **r.protocol}
            spread = None
            if history is not None:
                before = [h for h in history if (h.created_at or "") < (r.created_at or "")]
                spread = between_run_spread(before, r.model, r.config["batch_size"], r.hardware,
                                            bool(gpus_used(r.software)), r.precision,
                                            backend=variant_of(r.software, r.config))
            e = estimate(protocol, quick["timing"], quick["timing"].get("inference"), spread)
            quick["estimate"] = allow_for_interference(e, (quick.get("findings") or {}).get("interference"))
            rows.append({"folder": folder, **judge(name, label, quick, real, speeds.get(f"{name}-{label}"),
                                                   speeds.get(f"{name}-real")),
                         "steady_steps": quick["timing"]["steady_step"].get("n"),
                         "history_runs": (spread or {}).get("runs"), "between_run_sd": (spread or {}).get("relative_sd")})
    return rows


def judge(name: str, label: str, quick: dict, real: dict, speed_quick: float | None, speed_real: float | None) -> dict:
    e = quick["estimate"]
    measured = real["timing"]["execution_time_s"]
    lo, hi = e["execution_time_ci95_s"]
    err = e["execution_time_s"] / measured - 1
    inside = lo <= measured <= hi
    inf_est = e.get("inference_time_s")
    inf_real = (real["timing"].get("inference") or {}).get("total_s")  # the simple kernels time none
    return {"case": name, "estimate": label, "estimate_s": round(e["execution_time_s"], 2),
            "ci95_s": [round(lo, 2), round(hi, 2)], "measured_s": round(measured, 2), "error_pct": round(100 * err, 2),
            "interval_contains": inside,
            "inference_estimate_s": round(inf_est, 2) if inf_est else None, "inference_measured_s": round(inf_real, 2) if inf_real else None,
            "steady_step_quick_s": round(quick["timing"]["steady_step"]["mean"], 4),
            "steady_step_real_s": round(real["timing"]["steady_step"]["mean"], 4),
            "first_step_quick_s": round(quick["timing"]["first_step_s"], 2),
            "first_step_real_s": round(real["timing"]["first_step_s"], 2),
            "checkpoint_saves_expected": (e.get("inputs") or {}).get("expected_checkpoint_saves"),
            "checkpoint_saves_real": (real.get("timing") or {}).get("checkpoint_saves"),
            # > 0: the machine was slower during the real run than during the quick one, by this much
            "machine_slower_during_real_pct": round(100 * (speed_quick / speed_real - 1), 2) if speed_quick and speed_real else None,
            "passed": abs(err) <= 0.05 and inside}


SEED: list[str] = []  # ["--seed", N] for every run of this invocation, when given
FIRST_OF_SHARED: dict[str, dict] = {}  # (case-label) -> the MNIST report of a shared quick run, judged as well


def one_run(name: str, label: str) -> tuple[dict, float]:
    """A case's quick or real run; a shared case's quick run measures both datasets and is judged by its second (the
    shared one); its first (MNIST, which paid the one-off costs) is judged too, against the same real run: the
    timing does not depend on the images (identical shapes)."""
    if name in SHARED and label != "real":
        args = ["all" if a == "fashion_mnist" else a for a in CASES[name]]
        reports, wall = cli_run_many(*args, *SEED, "--profile", "quick")
        second = next(r for r in reports if r["config"]["dataset"] == "fashion_mnist")
        assert (second["timing"].get("shared") or {}).get("with") == "mnist", "the shared path did not run"
        FIRST_OF_SHARED[f"{name}-{label}"] = next(r for r in reports if r["config"]["dataset"] == "mnist")
        return second, wall
    if name in KERNELS:
        return cli_run(*CASES[name], *SEED, *(["--convolve2d", "full"] if label == "real" else []))
    return cli_run(*CASES[name], *SEED, "--profile", "custom" if label == "real" else "quick")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bracket", action="store_true", help="a second quick run after the real one")
    ap.add_argument("--keep", help="folder to keep every report in")
    ap.add_argument("--seed", type=int, help="the seed of every run (default: the product's, 0)")
    ap.add_argument("--rejudge", nargs="+", metavar="DIR", help="judge kept reports again with the current estimator")
    ap.add_argument("--with-history", action="store_true",
                    help="with --rejudge: estimate each quick run with the between-run spread of every kept report made "
                         "before it (the history the rounds would have had in one data folder)")
    ap.add_argument("cases", nargs="*", default=["model_a", "model_b"], help=", ".join(CASES))
    args = ap.parse_args(argv)
    if args.rejudge:
        history = kept_history(args.rejudge) if args.with_history else None
        rows = [row for folder in args.rejudge for row in rejudge(folder, history)]
        for row in rows:
            print(json.dumps(row))
        return 0 if all(r["passed"] for r in rows) else 1
    unknown = [c for c in args.cases if c not in CASES]
    if unknown:
        ap.error(f"unknown case(s) {unknown}; the cases are {list(CASES)}")
    if args.seed is not None:
        SEED[:] = ["--seed", str(args.seed)]
    ok = True
    for name in args.cases:
        runs = ["quick", "real"] + (["quick_after"] if args.bracket else [])
        reports, speeds = {}, {}
        before = machine_speed()
        for label in runs:
            report, wall = one_run(name, label)
            after = machine_speed()
            reports[label], speeds[label] = report, (before + after) / 2  # the machine around this run
            before = after
            if args.keep:
                os.makedirs(args.keep, exist_ok=True)
                with open(os.path.join(args.keep, f"{name}-{label}.json"), "w") as f:
                    json.dump(report, f)
                path = os.path.join(args.keep, "speeds.json")
                kept = json.load(open(path)) if os.path.exists(path) else {}
                with open(path, "w") as f:
                    json.dump({**kept, **{f"{name}-{k}": v for k, v in speeds.items()}}, f)
        for label in runs:
            if label == "real":
                continue
            row = judge(name, label, reports[label], reports["real"], speeds[label], speeds["real"])
            ok &= row["passed"]
            print(json.dumps(row), flush=True)
            first = FIRST_OF_SHARED.get(f"{name}-{label}")
            if first is not None:
                row = judge(name, f"{label} (its MNIST run, first in the process)", first, reports["real"],
                            speeds[label], speeds["real"])
                ok &= row["passed"]
                print(json.dumps(row), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
