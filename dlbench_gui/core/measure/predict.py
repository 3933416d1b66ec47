"""A predicted duration before anything starts: from this machine's own earlier runs when there are any,
otherwise from the costs measured on a small 2-core CPU (labelled as rough). A quick run is
predicted from the rules that end it (core/measure/quick_policy.py), and a session predicts its later runs again
from its own finished ones (`repredictor`)."""

from __future__ import annotations

import datetime as _dt
import itertools
from dataclasses import dataclass
from typing import Callable

from .. import frameworks
from ..frameworks import variant, variant_of
from ..config import BenchmarkConfig, share_groups
from ..store.report import RunReport
from . import quick_policy as q

# A small 2-core x86-64 CPU (TensorFlow 2.21), batch 64: this project's own machine, where a first launch is most
# likely to be this slow. Model A, measured in session 9 (docs/benchmarks.md, "The first launch's prediction"): steady
# step 0.39-0.43 s, first step 3.3-4.6 s, two process starts with data, build and report about 6 s each, save 0.6 s,
# cold load 1.1-1.7 s. Model B, measured in session 2 ("A faster answer"): steady step about 2.0 s, first step 73-93 s,
# save 11-12 s, cold load 14 s. (The protocol page's older figures, 0.16 s and 1.35 s a step, predicted a first
# launch at 53 s that took about 90 s.)
# forward_share: what an image costs in validation and in prediction (forward only), as a share of a training
# step's: Model A's VGG19 base is frozen, so its training step is mostly the same forward pass (measured: a
# prediction 6.4 ms an image against 6.6 ms in training, a warm validation batch 0.75-0.9 of a step).
CONV_STEP_S = 0.26  # convolve2d's steady step in float32, batch 64; under mixed_float16 about 160x that on a CPU
CONV_FLOAT16_ON_CPU = 160.0
# startup_s: from the training child's start to its training (start, import, data, build, compile);
# infer_startup_s: from the inference child's start to its loading (the two were one figure, 6 s, used twice).
# Model A, TensorFlow 2.21 on that machine (2026-12-03, `benchmarks/first_launch.py`, random weights): steady step
# 0.31-0.33 s, start-ups 7.4-8.8 s and 5.0-5.2 s, first step 2.8-2.9 s; with `--weights auto` offline (the recorded
# sessions of tests/unit/data/sessions/) 7.2-12.0 s and 6.5-7.7 s.
_FALLBACK = {"model_a": {"step_per_image_s": 0.32 / 64, "forward_share": 0.9, "first_step_s": 3.5,
                         "startup_s": 7.5, "infer_startup_s": 5.0, "save_s": 0.6, "load_s": 1.5},
             "model_b": {"step_per_image_s": 2.0 / 64, "forward_share": 0.35, "first_step_s": 80.0,
                         "startup_s": 10.0, "save_s": 11.0, "load_s": 14.0},
             # the simple kernels, measured on that machine (docs/benchmarks.md): the matrix parts, then convolve2d
             # under mixed_float16 (no save, no inference)
             "convolve2d": {"step_per_image_s": CONV_STEP_S / 64, "forward_share": 0.35, "first_step_s": 2.0,
                            "startup_s": 8.0, "save_s": 0.0, "load_s": 0.0, "matrix_s": 18.0}}
HANDOVER_S = 3.5  # a later dataset in warm processes: both children prepare its data, the runner writes its report
# (measured: 3.4-4.1 s of a shared Model A run that no timed part covers)
# the range's margin: two processes of the same run differ by up to about 8% here (docs/benchmarks.md, "How noisy
# this machine is"), and a report's start and end are whole seconds (one more second either way)
TIMING_SPREAD = 0.10
LIKE_RUNS = 3  # a quick run is predicted from the mean of this machine's last runs like it, at most these
QUICK_INFER_BATCHES = 1 + q.QUICK_PREDICT_CHUNKS * q.QUICK_PREDICT_CHUNK_BATCHES  # a quick run predicts these batches


@dataclass(frozen=True)
class Prediction:
    seconds: float
    basis: str  # words: where the figure comes from
    low: float  # the least and the most it may take (a quick run stops once its figures are steady)
    high: float
    first_step_at_s: float = 0.0  # of `seconds`: from the run's start to its first training step's end
    clock_bound_s: float = 0.0  # of `seconds`: what the clock bounds (a quick run's steady phase), however slow
    borrowed: str | None = None  # the framework, when no run of it here gave the figure: another's costs stand in


def wall_s(r: RunReport) -> float | None:
    """How long a finished run took, start to end, from its report (None when not said)."""
    try:
        return (_dt.datetime.fromisoformat(r.finished_at) - _dt.datetime.fromisoformat(r.created_at)).total_seconds()
    except (TypeError, ValueError):
        return None


def _comparable(config: BenchmarkConfig, r: RunReport, backend: str | None) -> bool:
    if backend is not None and variant_of(r.software, r.config) != variant(backend, config.compile):
        return False  # another framework's steps say nothing of this one's (JAX on this CPU: about 5x slower)
    if config.is_kernels and r.precision != config.precision:
        return False  # convolve2d's float16 steps cost some 160x its float32 ones on a CPU
    return r.model == config.model and r.status == "completed"


def _costs(config: BenchmarkConfig, r: RunReport) -> dict[str, float] | None:
    """A finished run's costs, in the fallback's terms: what it measured replaces the rough figures."""
    t, bs = r.timing, r.config.get("batch_size")
    if not t.get("steady_step_s") or not bs:
        return None
    fb, step = _FALLBACK[config.model], t["steady_step_s"] / bs
    out = {**fb, "step_per_image_s": step, "first_step_s": t.get("first_step_s") or fb["first_step_s"]}
    val = (t.get("val_batch") or {}).get("mean")
    if val:
        out["val_per_image_s"] = val / bs
    inference = t.get("inference") or {}
    whole = inference.get("predict_s") and inference.get("images")  # a full run predicted the whole test set
    per_image = inference.get("steady_s_per_image") or (inference["predict_s"] / inference["images"] if whole else None)
    if per_image:
        out["infer_per_image_s"] = per_image
    if inference.get("load_s"):
        out["load_s"] = inference["load_s"]
    if t.get("startup_s"):  # each child's start as the runner saw it (reports from 2026-12 on)
        out["startup_s"] = t["startup_s"]
    if inference.get("startup_s"):
        out["infer_startup_s"] = inference["startup_s"]
    if t.get("checkpoint_s"):
        out["save_s"] = t["checkpoint_s"]
    matrix = ((r.kernels or {}).get("times_s") or {}) if config.is_kernels else {}
    if matrix.get("dense_matmul") and matrix.get("sparse_matmul"):
        out["matrix_s"] = matrix["dense_matmul"] + matrix["sparse_matmul"]
    return out


def _same_quick_run(config: BenchmarkConfig, r: RunReport, shared: bool) -> bool:
    """An earlier quick run that did what this one will: its wall time is the best prediction there is."""
    c = r.config
    return (r.profile == "quick" and config.profile == "quick" and bool(r.timing.get("shared")) == shared
            and c.get("quick_budget_s") == config.quick_budget_s and c.get("batch_size") == config.batch_size
            and r.precision == config.precision and c.get("devices", 1) == config.devices)


def predict_all(configs: list[BenchmarkConfig], history: list[RunReport] | None = None,
                backends: list[str] | None = None) -> list[Prediction]:
    """One prediction per run of a session; a quick run that shares another dataset's processes (runner/share.py)
    pays no start-up, tracing, save or load of its own. `backends`: the framework each run will use (its history
    only)."""
    chosen = backends or [None] * len(configs)
    return [predict(c, history, shared=position > 0, backend=b)
            for c, (_g, _d, position), b in zip(configs, share_groups(configs), chosen)]


def repredictor(configs: list[BenchmarkConfig], history: list[RunReport] | None,
                backends: list[str] | None = None) -> Callable[[list[RunReport]], list[Prediction]]:
    """What a session calls after each finished run: every run's prediction again, its own reports first (newest
    first, like the history), so the runs still to come are predicted from what this machine just measured."""
    earlier = list(history or [])
    return lambda done: predict_all(configs, list(reversed(done)) + earlier, backends)


def predict(config: BenchmarkConfig, history: list[RunReport] | None = None, shared: bool = False,
            backend: str | None = None) -> Prediction:
    runs = [r for r in history or [] if _comparable(config, r, backend)]  # newest first
    own = next((c for c in map(lambda r: _costs(config, r), runs) if c), None)
    p = own or _FALLBACK[config.model]
    if own is None and config.is_kernels and config.precision == "mixed_float16":  # no history: assume a CPU
        p = {**p, "step_per_image_s": p["step_per_image_s"] * CONV_FLOAT16_ON_CPU, "first_step_s": 40.0,
             "val_per_image_s": p["step_per_image_s"] * p["forward_share"]}  # its validation stays fast (measured)
    seconds, low, high, first_step_at, bound = _seconds(config, p, shared)
    basis = "from this machine's last run" if own else "rough: no run on this machine yet"
    borrowed = None
    if own is None and backend is not None and backend != frameworks.PUBLISHED_BACKEND:
        borrowed = frameworks.label(backend)
        # the costs above are TensorFlow's on a small CPU: say so, rather than pass them off as this framework's
        basis = (f"rough: no {frameworks.label(backend)} run on this machine yet "
                 f"({frameworks.PUBLISHED.label}'s costs on a small CPU)")
    walls = (wall_s(r) for r in runs if _same_quick_run(config, r, shared))  # newest first, read only as needed
    like = list(itertools.islice((s for s in walls if s and s > 0), LIKE_RUNS))
    if like:  # a quick run ends anywhere between its floor and its budget (measured: 39 to 76 s): their mean
        seconds, low, high = sum(like) / len(like), min(low, *like), max(high, *like)
        basis = f"from this machine's {f'last {len(like)} runs' if len(like) > 1 else 'last run'} like it"
        borrowed = None
    return Prediction(seconds, basis, low * (1 - TIMING_SPREAD) - 1.0, high * (1 + TIMING_SPREAD) + 1.0,
                      min(first_step_at, seconds), min(bound, seconds - min(first_step_at, seconds)), borrowed)


def _seconds(config: BenchmarkConfig, p: dict[str, float], shared: bool) -> tuple[float, float, float, float, float]:
    """(the predicted seconds, the least, the most, the seconds until the first step has ended, the seconds the clock
    bounds): a quick run's steady phase ends once its mean is known to ±2%, somewhere between the stop rule's floor
    (where it mostly ends: predicted there) and its budget; a protocol run's length is its steps."""
    step = p["step_per_image_s"] * config.batch_size
    val_step = p.get("val_per_image_s", p["step_per_image_s"] * p["forward_share"]) * config.batch_size
    infer_image = p.get("infer_per_image_s", p["step_per_image_s"] * p["forward_share"])
    infer_share = 0.0 if config.is_kernels else 1.0  # the simple kernels time no inference
    first_step_at = p["startup_s"] + p.get("matrix_s", 0.0) + p["first_step_s"]  # the matrix parts come first
    fixed = first_step_at + (p.get("infer_startup_s", p["startup_s"]) + p["load_s"]) * infer_share
    if config.profile != "quick":
        train = (config.epochs * config.steps_per_epoch - 1) * step
        val = config.epochs * config.val_steps * val_step
        saves = min(config.epochs, 5) * p["save_s"]
        total = fixed + train + val + saves + config.val_samples * infer_image * infer_share
        return total, total, total, first_step_at, 0.0
    val = q.QUICK_VAL_BATCHES * val_step
    infer = QUICK_INFER_BATCHES * config.inference_batch_size * infer_image * infer_share
    if shared:  # a warm process: its own first and warm-up steps, at least ten steady steps, a third of the budget
        least = q.QUICK_MIN_STEPS_WARM * step
        most = max(least, q.QUICK_WARM_BUDGET_SHARE * config.quick_budget_s)
        rest = HANDOVER_S + (1 + q.QUICK_WARMUP_STEPS) * step + val + infer
        return rest + (least + most) / 2, rest + least, rest + most, HANDOVER_S + step, (least + most) / 2
    # the stop rule waits for a quarter of the budget and twenty steady steps, and stops at the budget at most
    most = max(config.quick_budget_s, 5 * step)
    least = min(most, max(q.QUICK_MIN_STEADY_SHARE * config.quick_budget_s, q.QUICK_MIN_STEPS * step))
    once = 0.3 * p["first_step_s"] + p["save_s"] + q.QUICK_BOUNDARY_STEPS * step  # validation's tracing too
    rest = fixed + q.QUICK_WARMUP_STEPS * step + val + once + infer
    return rest + least, rest + least, rest + most, first_step_at, least
