"""The quick profile's measurement policy, as pure functions: when the steady steps have said enough, and what a
measured pass becomes in the report's `timing`. The worker's Keras callbacks call these; tests call them with
tables of step times."""

from __future__ import annotations

import time
from typing import Callable

from . import stats

QUICK_WARMUP_STEPS = 3
QUICK_MIN_STEPS = 20
QUICK_MIN_STEADY_SHARE = 0.25  # and at least this share of the time budget: a slow transient is not noise
QUICK_TARGET_REL_HALFWIDTH = 0.02
QUICK_VAL_BATCHES = 12
QUICK_PREDICT_CHUNKS = 4
QUICK_PREDICT_CHUNK_BATCHES = 4
QUICK_BOUNDARY_STEPS = 3  # steps timed after validation + a checkpoint save: what each later epoch starts with
QUICK_TRAIN_BATCHES = 200  # the quick profile prepares at most this many training batches (it cycles over them)
# A later dataset in a process that is already warm (runner/share.py) has no start-up transient left to find: its
# steady mean needs fewer steps before the ±2% rule may stop it.
QUICK_MIN_STEPS_WARM = 10
# ... and, its mean pooling its steps with the first dataset's, a third of the budget: on a noisy machine Model B's
# ±2% is never reached and both datasets would otherwise spend the whole budget (measured: 23 + 23 steps and 319 s
# for all four with the whole budget for each; docs/benchmarks.md, "A faster answer").
QUICK_WARM_BUDGET_SHARE = 1 / 3

SHARED_WHY = ("MNIST and Fashion-MNIST have identical shapes, so the model, its graphs and its checkpoint are the same: "
              "what a process pays once was measured once, with the first dataset, in this process")


def data_limits(batch_size: int, inference_batch_size: int) -> dict[str, int]:
    """How many images a quick run prepares: it measures a sample, so it prepares only what it can use."""
    return {"max_train": QUICK_TRAIN_BATCHES * batch_size,
            "max_val": max(QUICK_VAL_BATCHES * batch_size,
                           (1 + QUICK_PREDICT_CHUNKS * QUICK_PREDICT_CHUNK_BATCHES) * inference_batch_size)}


def steady_stop_rule(budget: float, min_steps: int = QUICK_MIN_STEPS, min_share: float = QUICK_MIN_STEADY_SHARE,
                     prior: list[float] | None = None, clock: Callable[[], float] = time.perf_counter
                     ) -> tuple[list[float], Callable[[int, float], bool]]:
    """(the step times, seen so far; the callback's `on_step`): stop once the steady mean is known to ±2%, after at
    least `min_steps` steady steps and `min_share` of the budget. `prior`: steady steps of the same process and graph
    (an earlier dataset), pooled with these for the mean."""
    prior = list(prior or [])
    steps: list[float] = []
    started: list[float] = []  # when the steady phase began (by `clock`)

    def on_step(n: int, dt: float) -> bool:
        steps.append(dt)
        if n == 1 + QUICK_WARMUP_STEPS:
            started.append(clock() - dt)
        steady = steps[1 + QUICK_WARMUP_STEPS:]
        if len(steady) < 2:
            return False
        elapsed = clock() - started[0]
        if elapsed >= budget and len(steady) >= (min_steps if prior else 5):  # a pooled mean: its own floor too
            return True
        if len(steady) < min_steps or elapsed < min_share * budget or n % max(1, n // 50):
            return False  # (the cut is searched on every step only while runs are short)
        return settled(prior + steady[stats.mser_truncation(steady, keep_at_least=min_steps):])

    return steps, on_step


def settled(kept: list[float]) -> bool:
    """The steady mean is known and has stopped moving: its 95% interval from batch means of 5 steps is within ±2%
    (a busy spell slows several steps in a row: an interval that takes them as independent stops a run in a quiet
    spell, low), and its later half's mean is within 2% of its earlier half's (the steps were still getting slower:
    measured here, the first 10-25 steady steps of a process run 3-10% faster than its later ones, and a run that
    stopped on precision alone was 6-10% low; docs/benchmarks.md, "The quick estimate's bias")."""
    m = stats.mean(kept)
    early, late = stats.halves(kept)
    return (stats.ci95_halfwidth_batched(kept) <= QUICK_TARGET_REL_HALFWIDTH * m
            and abs(late - early) <= QUICK_TARGET_REL_HALFWIDTH * m)


def late_level(kept: list[float]) -> dict:
    """What the rest of a protocol pays a step: the later half of the kept steady steps (its summary, its interval
    from batch means)."""
    late = kept[len(kept) - max(2, len(kept) // 2):]
    return {**stats.summary(late), "ci95_halfwidth": stats.ci95_halfwidth_batched(late),
            "interval": "95% Student-t on batch means of 5 steps (plain when fewer than 20 steps)"}


def stop_rule_for(budget_s: float, warm_prior: list[float] | None
                  ) -> tuple[list[float], Callable[[int, float], bool]]:
    """The first dataset's rule, or (a warm process, `warm_prior` its first dataset's steady steps) a later one's:
    a third of the budget, a lower floor, no minimum share, its steps pooled with the first dataset's."""
    if warm_prior is None:
        return steady_stop_rule(budget_s)
    return steady_stop_rule(QUICK_WARM_BUDGET_SHARE * budget_s, QUICK_MIN_STEPS_WARM, 0.0, warm_prior)


def quick_timing(batch_size: int, steps: list[float], train_wall_s: float, val_wall_s: float, val_times: list[float],
                 save_s: float, boundary_steps: list[float], prior: list[float] | None = None) -> dict:
    """The measured pass as the report's `timing`: first step, warm-up, the MSER-5 cut, the steady mean."""
    after_warmup = steps[1 + QUICK_WARMUP_STEPS:]
    floor = QUICK_MIN_STEPS if prior is None else QUICK_MIN_STEPS_WARM
    transient = stats.mser_truncation(after_warmup, keep_at_least=min(floor, len(after_warmup)))
    own = after_warmup[transient:]
    steady = (prior or []) + own  # a later dataset's mean: its steps pooled with the first dataset's
    late = late_level(steady)
    return {
        "execution_time_s": train_wall_s + val_wall_s,
        "train_time_s": train_wall_s,
        "val_time_s": val_wall_s,
        "first_step_s": steps[0],
        "warmup_steps_s": steps[1:1 + QUICK_WARMUP_STEPS],
        "transient_steps_dropped": transient,
        "transient_rule": "MSER-5 on the steps after the warm-up",
        "steady_step_s": stats.median(steady),
        "steady_step": stats.summary(steady),
        "steady_steps_measured": len(own),
        # the estimate: the protocol's first steps cost what this process's first steps did (the transient the MSER
        # rule cut included), the rest what the later half of the steady steps did
        "early_steps_s": after_warmup[:max(0, len(after_warmup) - late["n"])] if prior is None else [],
        "late_steady_step": late,
        **({"own_steady_step": stats.summary(own), "own_steady_step_s": stats.median(own),
            "steady_steps_pooled": len(steady)} if prior is not None else {}),
        "first_val_batch_s": val_times[0],
        "val_batch": stats.summary(val_times[1:]),
        "val_batches_measured": len(val_times),
        "checkpoint_s": save_s,
        "checkpoint_saves": 1,
        "epoch_boundary_steps_s": boundary_steps,
        "steady_images_per_s": stats.throughput(batch_size * len(steady), sum(steady)),
        "step_drift": stats.drift(own),
        "speed_wander": stats.block_spread(own),
        "steady_steps_kept_s": own,
        "note": "quick profile: these are the measured parts (one pass: the steps measured, then a validation "
                "sample); the estimated protocol's times are in 'estimate'",
    }


def shared_timing(own: dict, first: dict) -> dict:
    """A later dataset's timing in a shared process: its own steady steps and validation sample, and the one-off
    costs measured with the first dataset (kept beside its own first step and first validation batch)."""
    once = ("first_step_s", "warmup_steps_s", "early_steps_s", "first_val_batch_s", "checkpoint_s",
            "epoch_boundary_steps_s")
    return {**{k: first[k] for k in once},
            "own_first_step_s": own["first_step_s"], "own_warmup_steps_s": own["warmup_steps_s"],
            "own_first_val_batch_s": own["first_val_batch_s"],
            "shared": {"with": first["dataset"], "measured_once": list(once), "why": SHARED_WHY,
                       "pooled": "steady_step: this dataset's steady steps pooled with the first dataset's "
                                 f"({first['steady_step']['n']}); this dataset's alone: own_steady_step"}}


def shared_inference(own: dict, first: dict) -> dict:
    """A later dataset's prediction sample in a shared inference process: loaded once, the prediction graph traced
    once, with the first dataset."""
    return {**own, "own_first_batch_s": own["first_batch_s"], "first_batch_s": first["first_batch_s"],
            "shared": {"with": first["dataset"], "measured_once": ["load_s", "first_batch_s"], "why": SHARED_WHY}}
