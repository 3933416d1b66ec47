"""A predicted duration before anything starts: from this machine's own earlier runs when there are any,
otherwise from the step costs the protocol page gives for a small 2-core CPU (labelled as rough)."""

from __future__ import annotations

from dataclasses import dataclass

from ..backend_choice import backend_of
from ..config import BenchmarkConfig, share_groups
from ..store.report import RunReport

# seed-protocol.md, "what one step costs on a small machine" (batch 64): per-image steady cost and first step.
CONV_STEP_S = 0.26  # convolve2d's steady step in float32, batch 64; under mixed_float16 about 160x that on a CPU
CONV_FLOAT16_ON_CPU = 160.0
_FALLBACK = {"model_a": {"step_per_image_s": 0.16 / 64, "first_step_s": 1.5, "startup_s": 15.0, "save_s": 1.0, "load_s": 3.0},
             "model_b": {"step_per_image_s": 1.35 / 64, "first_step_s": 50.0, "startup_s": 25.0, "save_s": 6.0, "load_s": 15.0},
             # the simple kernels, measured on that machine (docs/benchmarks.md): the matrix parts, then convolve2d
             # under mixed_float16 (no save, no inference)
             "convolve2d": {"step_per_image_s": CONV_STEP_S / 64, "first_step_s": 2.0, "startup_s": 8.0, "save_s": 0.0,
                            "load_s": 0.0, "matrix_s": 18.0}}
VAL_COST_FRACTION = 0.35  # a validation batch costs about a third of a training step (forward only)


@dataclass(frozen=True)
class Prediction:
    seconds: float
    basis: str  # words: where the figure comes from


def _from_history(config: BenchmarkConfig, history: list[RunReport], backend: str | None) -> dict[str, float] | None:
    for r in history:  # newest first
        t = r.timing
        if backend is not None and backend_of(r.software) != backend:
            continue  # another framework's steps say nothing of this one's (JAX on this CPU: about 5x slower)
        if config.is_kernels and r.config.get("precision") != config.precision:
            continue  # convolve2d's float16 steps cost some 160x its float32 ones on a CPU
        if r.model == config.model and r.status == "completed" and t.get("steady_step_s") and r.config.get("batch_size"):
            per_image = t["steady_step_s"] / r.config["batch_size"]
            matrix = ((r.kernels or {}).get("times_s") or {}) if config.is_kernels else {}
            return {**_FALLBACK[config.model], "step_per_image_s": per_image,
                    "first_step_s": t.get("first_step_s") or _FALLBACK[config.model]["first_step_s"],
                    **({"matrix_s": matrix["dense_matmul"] + matrix["sparse_matmul"]}
                       if matrix.get("dense_matmul") and matrix.get("sparse_matmul") else {})}
    return None


def predict_all(configs: list[BenchmarkConfig], history: list[RunReport] | None = None,
                backends: list[str] | None = None) -> list[Prediction]:
    """One prediction per run of a session; a quick run that shares another dataset's processes (runner/share.py)
    pays no start-up, tracing, save or load of its own. `backends`: the framework each run will use (its history
    only)."""
    chosen = backends or [None] * len(configs)
    return [predict(c, history, shared=position > 0, backend=b)
            for c, (_g, _d, position), b in zip(configs, share_groups(configs), chosen)]


def predict(config: BenchmarkConfig, history: list[RunReport] | None = None, shared: bool = False,
            backend: str | None = None) -> Prediction:
    own = _from_history(config, history or [], backend)
    p = own or _FALLBACK[config.model]
    if own is None and config.is_kernels and config.precision == "mixed_float16":  # no history: assume a CPU
        p = {**p, "step_per_image_s": p["step_per_image_s"] * CONV_FLOAT16_ON_CPU, "first_step_s": 40.0,
             "val_per_image_s": p["step_per_image_s"] * VAL_COST_FRACTION}  # its validation stays fast (measured)
    basis = "from this machine's last run" if own else "rough: no run on this machine yet"
    step = p["step_per_image_s"] * config.batch_size
    val_step = p.get("val_per_image_s", p["step_per_image_s"] * VAL_COST_FRACTION) * config.batch_size
    fixed = 2 * p["startup_s"] + p["first_step_s"] + p["load_s"] + p.get("matrix_s", 0.0)
    infer_share = 0.0 if config.is_kernels else 1.0  # the simple kernels time no inference
    if config.profile == "quick" and shared:  # warm: ten-odd steps, a validation and a prediction sample
        return Prediction(14 * step + 12 * val_step + 160 * p["step_per_image_s"] * VAL_COST_FRACTION * 10, basis)
    if config.profile == "quick":
        # the budget, but never fewer than the 5 steady steps the stop rule waits for (a step slower than a fifth of it)
        measured = max(min(config.quick_budget_s, 60 * step), 5 * step)
        val = 25 * val_step + p["first_step_s"] * 0.3
        infer = 160 * p["step_per_image_s"] * VAL_COST_FRACTION * 10 * infer_share
        return Prediction(fixed + 3 * step + measured + val + p["save_s"] + infer, basis)
    train = (config.epochs * config.steps_per_epoch - 1) * step
    val = config.epochs * config.val_steps * val_step
    saves = min(config.epochs, 5) * p["save_s"]
    infer = config.val_samples * p["step_per_image_s"] * VAL_COST_FRACTION * infer_share
    return Prediction(fixed + train + val + saves + infer, basis)
