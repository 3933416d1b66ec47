"""From a quick run's measured parts to an estimate of a whole protocol, with a 95% interval and its inputs."""

from __future__ import annotations

import math
from typing import Any

from .. import accelerators
from ..backend_choice import gpus_used
from . import interference, stats
from ..frameworks import PUBLISHED_BACKEND, variant_of

METHOD = (
    "train = first_step + the warm-up steps as measured + the steps measured before the later half of the steady steps "
    "(the transient an MSER-5 cut set aside included), as measured + the protocol's remaining steps x the later half's "
    "mean step [+ one retrace of the partial last batch]; "
    "val = (first_val_batch - val_batch_mean) [x2 with a partial last batch] + epochs*val_steps*val_batch_mean; "
    "checkpoint = expected best-so-far saves (harmonic number H_epochs, bounded 1..epochs) x one measured save; "
    "boundary = (epochs-1) x (first step after validation + save - steady_step_mean), measured once; "
    "execution = train + val + checkpoint + boundary. Interval: 95% Student-t half-widths of the later steps' mean (on "
    "batch means of 5 steps) and of the validation mean "
    "scaled to the protocol and added in quadrature, plus the drift seen during measurement, plus the "
    "checkpoint-count bounds, plus the boundary term (a single measurement) as its own uncertainty. "
    "Where at least 3 usable earlier runs of the same model, batch size, precision and device on this machine are in "
    "the history (not disturbed by other programs, at least 10 steady steps, outliers beyond 3.5 scaled median "
    "absolute deviations set aside), the spread of their steady-step means (relative SD s over n runs) is added in quadrature as a "
    "between-run term, "
    "t(n-1) x s x sqrt(2) x execution: the machine's speed differs between runs, and this run's speed is one such "
    "draw; without that history an assumed spread is used instead, with 1.96 for t, and the report says so: s = 2.5% or, "
    "if larger, the relative SD of this run's own 10-step block means (how much its speed wandered). "
    "inference = load + first predict batch + remaining images x steady s/image."
)

MIN_HISTORY_RUNS = 3  # earlier runs needed before their spread counts as the machine's between-run variation
# Until then, an assumption: the relative SD of the mean steady step between back-to-back processes measured on
# the development machine (a shared 2-core VM): an RMS difference of 3.1% over eleven quick/real pairs is
# sqrt(2) x 2.2%, rounded up (docs/benchmarks.md, "Estimate accuracy"). A machine's own history replaces it.
ASSUMED_BETWEEN_RUN_SD = 0.025
MIN_STEADY_STEPS = 10  # a run's steady mean over fewer steps says little about the machine (1 step: nothing)
MAD_TO_SD = 1.4826  # the median absolute deviation of normal data x this = its standard deviation
OUTLIER_MADS = 3.5  # a run further than this many (scaled) MADs from the median is named an outlier (Iglewicz-Hoaglin)
ESTIMATOR = ("relative SD of the usable runs' steady-step means after setting aside runs other programs disturbed, "
             "runs with fewer than 10 steady steps, and outliers further than 3.5 x 1.4826 x the median absolute "
             "deviation from the median")


def machine_key(hardware: dict[str, Any]) -> tuple:
    """What makes two reports 'the same machine' for timing purposes: CPU model and threads, the discrete GPUs' names
    (any vendor's; an integrated GPU beside them changes nothing, as before the vendor-neutral list)."""
    cpu = hardware.get("cpu") or {}
    gpus = [a for a in accelerators.of(hardware.get("gpu")) if a.get("discrete")]
    return cpu.get("brand"), cpu.get("logical_cores"), tuple(sorted(str(g.get("name")) for g in gpus))


def between_run_spread(reports, model: str, batch_size: int, hardware: dict[str, Any], on_gpu: bool,
                       precision: str = "float32", replicas: int = 1, backend: str = PUBLISHED_BACKEND) -> dict[str, Any]:
    """The relative spread of steady-step means over earlier completed runs of this model, batch size, precision
    and device kind on this machine (`reports`: RunReport-like). Only runs that can speak for the machine's spread
    count: a run disturbed by other programs, or with fewer than MIN_STEADY_STEPS steady steps, is set aside, and
    so is any run further from the median than OUTLIER_MADS median absolute deviations (x 1.4826, an SD for normal
    data), so that one outlier cannot blow the spread up; the spread is the relative SD of the rest.
    Returns {runs, relative_sd, steady_step_means_s, set_aside, estimator}; relative_sd is None with fewer than
    MIN_HISTORY_RUNS usable runs."""
    key = machine_key(hardware)
    means: list[float] = []
    aside = {"interfered": 0, "few_steady_steps": 0, "outliers": 0, "shared_process": 0}
    for r in reports:
        step = (r.timing or {}).get("steady_step") or {}
        if (r.status != "completed" or r.config.get("model") != model or r.config.get("batch_size") != batch_size
                or machine_key(r.hardware or {}) != key or bool(gpus_used(r.software)) != on_gpu
                or variant_of(r.software, r.config) != backend
                or (r.config.get("precision") or "float32") != precision or not step.get("mean")
                or ((getattr(r, "distribution", None) or {}).get("replicas") or 1) != replicas):
            continue  # not this setup: not counted at all
        if (r.timing or {}).get("shared"):  # its process also measured another dataset: not another process
            aside["shared_process"] += 1
        elif interference.interfered(r):
            aside["interfered"] += 1
        elif (step.get("n") or 0) < MIN_STEADY_STEPS:
            aside["few_steady_steps"] += 1
        else:
            means.append(float(step["mean"]))
    sd = None
    kept = means
    if means:
        med = stats.median(means)
        mad = MAD_TO_SD * stats.median([abs(m - med) for m in means])
        if mad > 0:
            kept = [m for m in means if abs(m - med) <= OUTLIER_MADS * mad]
            aside["outliers"] = len(means) - len(kept)
        if len(kept) >= MIN_HISTORY_RUNS:
            sd = stats.stdev(kept) / stats.mean(kept)
    return {"runs": len(kept), "relative_sd": sd, "steady_step_means_s": kept, "set_aside": aside,
            "estimator": ESTIMATOR}


def allow_for_interference(e: dict[str, Any], finding: Any) -> dict[str, Any]:
    """An estimate from a run that other programs disturbed: its lower end moves down to what the run would have
    taken without them, lower end / (1 + SLOWDOWN_PER_SHARE x share), the measured cost of a share taken by others
    (core/interference.py). The point estimate stays: it is what was measured."""
    if not isinstance(finding, dict) or finding.get("verdict") != "interfered":
        return e
    s = interference.share(finding)
    factor = 1 + interference.SLOWDOWN_PER_SHARE * s
    out = dict(e)
    for key in ("execution_time_ci95_s", "inference_time_ci95_s"):
        if out.get(key):
            lo, hi = out[key]
            out[key] = [lo / factor, hi]
    out["interval_covers"] = (f"{e.get('interval_covers', '')}; its lower end is divided by {factor:.2f}: other programs "
                              f"took {100 * s:.0f}% of the machine during the run, and each share taken by others "
                              f"costs about {interference.SLOWDOWN_PER_SHARE:g}x that share in speed (measured)")
    out["inputs"] = {**e.get("inputs", {}), "interference_share": s, "interference_factor": factor}
    return out


def harmonic(n: int) -> float:
    return math.fsum(1.0 / k for k in range(1, n + 1))


def validation_batches(timing: dict[str, Any]) -> tuple[float, float, float]:
    """(the first validation batch, the steady batch's mean and its 95% half-width) of a quick run."""
    vb = timing.get("val_batch") or {}
    first_val = timing.get("first_val_batch_s")
    if vb.get("mean") is None:  # a single validation batch was measured: it is both first and steady
        return first_val, first_val, 0.0
    return first_val, vb["mean"], vb.get("ci95_halfwidth") or 0.0


def assumed_spread(wander: float | None) -> float:
    """The between-run spread assumed without history: ASSUMED_BETWEEN_RUN_SD, or the run's own wander if larger."""
    return max(ASSUMED_BETWEEN_RUN_SD, wander or 0.0)


def training_steps(timing: dict[str, Any], steps: int, partial_last_batch: bool) -> dict[str, Any]:
    """A protocol's `steps` training steps from a quick run's: the first step and the warm-up as measured, the steps
    measured after them as measured, the rest at the later half's level (a report from before the two were kept:
    every step at the steady mean) [+ one retrace of a partial last batch]."""
    step_mean = timing["steady_step"]["mean"]
    first_step = timing["first_step_s"]
    warmup = list(timing.get("warmup_steps_s") or [])[: max(0, steps - 1)]  # paid once, as measured
    early = list(timing.get("early_steps_s") or [])[: max(0, steps - 1 - len(warmup))]
    level = timing.get("late_steady_step") or timing["steady_step"]
    late_mean, late_hw = level["mean"], level.get("ci95_halfwidth") or 0.0
    rest = steps - 1 - len(warmup) - len(early)
    trace = max(0.0, first_step - step_mean)
    seconds = (first_step + math.fsum(warmup) + math.fsum(early) + rest * late_mean
               + (trace if partial_last_batch else 0.0))
    return {"seconds": seconds, "trace_s": trace, "first_step_s": first_step, "warmup_steps_s": warmup,
            "early": early, "late_count": rest, "late_mean_s": late_mean, "late_hw_s": late_hw,
            "steady_mean_s": step_mean}


def between_run_term(between_runs: dict[str, Any] | None, execution: float,
                     wander: float | None = None) -> tuple[float, str]:
    """(how much the machine's speed differs between runs, in seconds of `execution` at 95%; what the interval
    covers, in words): the history's spread where it has enough runs, an assumed one otherwise: the larger of
    ASSUMED_BETWEEN_RUN_SD and `wander`, how much the run's own speed wandered between its 10-step blocks (a machine
    whose speed wanders that much within a minute does at least as much between runs: measured on a shared VM, 4-7%
    between blocks and about 9% between back-to-back processes; docs/benchmarks.md, "The quick estimate's bias")."""
    sd = (between_runs or {}).get("relative_sd")
    if sd is None:
        assumed = assumed_spread(wander)
        why = ("how much this run's own speed wandered between its 10-step blocks" if assumed > ASSUMED_BETWEEN_RUN_SD
               else "the least assumed")
        return (stats.Z975 * assumed * math.sqrt(2) * execution,
                f"this run and an assumed {100 * assumed:.3g}% spread between runs ({why}; this machine's own once "
                f"{MIN_HISTORY_RUNS} earlier runs of this model are in the history)")
    covers = f"this run and the spread of {between_runs['runs']} earlier runs of this model here"
    aside = {k: v for k, v in (between_runs.get("set_aside") or {}).items() if v}
    if aside:
        covers += " (set aside: " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in aside.items()) + ")"
    return stats.t975(between_runs["runs"] - 1) * sd * math.sqrt(2) * execution, covers


def estimate(protocol: dict[str, int], timing: dict[str, Any], inference: dict[str, Any] | None,
             between_runs: dict[str, Any] | None = None) -> dict[str, Any]:
    """`protocol`: epochs, batch_size, train_samples, val_samples, inference_batch_size; `timing`: a quick run's;
    `between_runs`: what `between_run_spread` found in the history (None: not looked at)."""
    E, B = protocol["epochs"], protocol["batch_size"]
    S, V = -(-protocol["train_samples"] // B), -(-protocol["val_samples"] // B)
    partial_train, partial_val = protocol["train_samples"] % B != 0, protocol["val_samples"] % B != 0
    t = training_steps(timing, E * S, partial_train)
    train, late_mean, rest = t["seconds"], t["late_mean_s"], t["late_count"]

    first_val, val_mean, val_hw = validation_batches(timing)
    val = max(0.0, first_val - val_mean) * (2 if partial_val else 1) + E * V * val_mean  # tracing, then the batches
    save_s = timing.get("checkpoint_s") or 0.0
    saves = min(float(E), harmonic(E))
    ckpt = saves * save_s
    after = timing.get("epoch_boundary_steps_s") or []
    boundary_step = max(0.0, after[0] - late_mean) if after else 0.0
    boundary = (E - 1) * boundary_step
    execution = train + val + ckpt + boundary

    statistical = math.hypot(rest * t["late_hw_s"], E * V * val_hw)
    sd = (between_runs or {}).get("relative_sd")
    between, covers = between_run_term(between_runs, execution, timing.get("speed_wander"))
    statistical = math.hypot(statistical, between)
    drift = abs(timing.get("step_drift") or 0.0) * train
    retrace_unc = 0.5 * t["trace_s"] if partial_train else 0.0
    low = execution - statistical - drift - retrace_unc - (saves - 1) * save_s - boundary
    high = execution + statistical + drift + retrace_unc + (E - saves) * save_s + boundary

    out: dict[str, Any] = {
        "execution_time_s": execution,
        "execution_time_ci95_s": [max(low, 0.0), high],
        "train_time_s": train,
        "val_time_s": val,
        "checkpoint_time_s": ckpt,
        "epoch_boundary_time_s": boundary,
        "method": METHOD,
        "interval_covers": covers,
        "protocol": dict(protocol),
        "inputs": {
            "epochs": E, "batch_size": B, "steps_per_epoch": S, "val_steps": V,
            "partial_last_train_batch": partial_train, "partial_last_val_batch": partial_val,
            "first_step_s": t["first_step_s"], "warmup_steps_s": t["warmup_steps_s"],
            "steady_step_mean_s": t["steady_mean_s"], "early_steps_counted": len(t["early"]),
            "early_steps_s_sum": math.fsum(t["early"]), "late_steps_counted": rest, "late_step_mean_s": late_mean,
            "late_step_ci95_halfwidth_s": t["late_hw_s"], "steady_steps_measured": timing["steady_step"].get("n"),
            "first_val_batch_s": first_val,
            "val_batch_mean_s": val_mean, "val_batch_ci95_halfwidth_s": val_hw,
            "checkpoint_save_s": save_s, "expected_checkpoint_saves": saves,
            "epoch_boundary_step_s": after[0] if after else None, "epoch_boundary_extra_s": boundary_step, "step_drift": timing.get("step_drift"),
            "between_runs": between_runs, "speed_wander": timing.get("speed_wander"),
            "assumed_between_run_sd": None if sd is not None else assumed_spread(timing.get("speed_wander")),
            "between_run_term_s": between,
        },
    }
    if inference:
        out.update(estimate_inference(protocol, inference))
    return out


def estimate_inference(protocol: dict[str, int], inf: dict[str, Any]) -> dict[str, Any]:
    n = protocol["val_samples"]
    b = protocol.get("inference_batch_size", 32)
    per_image = inf.get("steady_s_per_image")
    first = inf.get("first_batch_s")
    if per_image is None or first is None:
        return {}
    rest = max(0, n - b)
    trace = max(0.0, first - per_image * b)
    predict = first + rest * per_image + (trace if n % b else 0.0)
    samples = inf.get("steady_s_per_image_samples") or []
    hw = stats.ci95_halfwidth(samples) if len(samples) > 1 else 0.0
    unc = rest * hw
    total = inf["load_s"] + predict
    return {
        "inference_time_s": total,
        "inference_time_ci95_s": [max(0.0, total - unc), total + unc],
        "inference_inputs": {"load_s": inf["load_s"], "first_batch_s": first, "steady_s_per_image": per_image,
                             "images": n, "batch_size": b, "partial_last_batch": n % b != 0},
    }
