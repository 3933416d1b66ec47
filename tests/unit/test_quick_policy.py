"""The quick profile's measurement policy, table-tested without Keras: when the steady steps have said enough,
and what a measured pass becomes in the report."""

import pytest

from dlbench_gui.core.measure import quick_policy as policy


class Clock:
    """An injected clock: each step advances it by the step's own time, as a real fit would."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def steps_until_stop(times, budget, **rule):
    clock = Clock()
    seen, on_step = policy.steady_stop_rule(budget, clock=clock, **rule)
    for n, dt in enumerate(times, start=1):
        clock.now += dt
        if on_step(n, dt):
            return n
    return None


# (case, step times, budget s, rule options, the step the rule stops at)
CASES = [
    # the steady phase is timed from the last warm-up step (0.15 s): 0.15 + 24 x 0.1 passes a quarter of 10 s
    ("steady at 0.1 s: stops once the mean is known to ±2% and a quarter of the budget has passed",
     [3.0, 0.3, 0.2, 0.15] + [0.1] * 200, 10.0, {}, 1 + 3 + 24),
    # a cv of 50% is never known to ±2% in 50 steps: 0.15 + 49 x 0.1 spends the 5 s
    ("noisy steps are never known to ±2%: the budget ends it",
     [3.0, 0.3, 0.2, 0.15] + [0.05, 0.15] * 100, 5.0, {}, 1 + 3 + 49),
    # 0.15 + 5 x 1.0 spends 5 s: a slow model stops there, with the 5 steady steps a mean needs at the least
    ("a slow model spends the budget: it stops with at least 5 steady steps",
     [3.0, 0.3, 0.2, 0.15] + [1.0] * 40, 5.0, {}, 1 + 3 + 5),
    ("a warm process (a later dataset): its own floor of 10 and no minimum share, pooled with the first's",
     [3.0, 0.3, 0.2, 0.15] + [0.1] * 100, 45.0 / 3,
     {"min_steps": policy.QUICK_MIN_STEPS_WARM, "min_share": 0.0, "prior": [0.1] * 30}, 1 + 3 + 10),
    # a pooled mean needs its own floor before the budget may end it: 10 steady steps, not 5
    ("a warm process that spends its budget still takes its floor of 10",
     [3.0, 0.3, 0.2, 0.15] + [0.05, 0.15] * 50, 0.5,
     {"min_steps": policy.QUICK_MIN_STEPS_WARM, "min_share": 0.0, "prior": [0.05, 0.15] * 10}, 1 + 3 + 10),
]


@pytest.mark.parametrize("case,times,budget,rule,expected", CASES, ids=[c[0][:40] for c in CASES])
def test_the_stop_rule_stops_where_the_table_says(case, times, budget, rule, expected):
    assert steps_until_stop(times, budget, **rule) == expected, case


def test_a_later_dataset_gets_a_third_of_the_budget_and_the_warm_floor():
    clock_rule = policy.stop_rule_for(45.0, warm_prior=[0.1] * 30)
    steps, on_step = clock_rule
    assert callable(on_step) and steps == []
    # the first dataset's rule is the full budget's (it does not stop before 20 steady steps)
    _, first = policy.stop_rule_for(45.0, warm_prior=None)
    assert not any(first(n, 0.1) for n in range(1, 1 + 3 + 19))


def test_quick_timing_cuts_the_transient_and_keeps_the_first_step_and_warm_up_apart():
    steps = [5.0, 0.5, 0.4, 0.3] + [0.2] * 5 + [0.1] * 40  # tracing, warm-up, a slow transient, then steady
    t = policy.quick_timing(64, steps, train_wall_s=12.0, val_wall_s=2.0, val_times=[1.0, 0.05, 0.05],
                            save_s=0.7, boundary_steps=[0.4, 0.1, 0.1])
    assert t["first_step_s"] == 5.0 and t["warmup_steps_s"] == [0.5, 0.4, 0.3]
    assert t["transient_steps_dropped"] == 5 and t["steady_step_s"] == pytest.approx(0.1)
    assert t["steady_step"]["n"] == 40 and t["steady_images_per_s"] == pytest.approx(640)
    assert t["execution_time_s"] == 14.0 and t["first_val_batch_s"] == 1.0 and t["val_batch"]["n"] == 2


def test_a_shared_dataset_reports_the_one_off_costs_of_the_first_and_keeps_its_own_beside_them():
    first = policy.quick_timing(64, [5.0, 0.5, 0.4, 0.3] + [0.1] * 30, 8.0, 2.0, [1.0, 0.05], 0.7, [0.4])
    first["dataset"] = "mnist"
    own = policy.quick_timing(64, [0.3, 0.1, 0.1, 0.1] + [0.1] * 12, 2.0, 1.0, [0.06, 0.05], 0.0, [0.4],
                              prior=first["steady_steps_kept_s"])
    shared = policy.shared_timing(own, first)
    assert shared["first_step_s"] == 5.0 and shared["own_first_step_s"] == 0.3
    assert shared["shared"]["with"] == "mnist" and "checkpoint_s" in shared["shared"]["measured_once"]
    assert own["steady_steps_pooled"] == len(first["steady_steps_kept_s"]) + own["steady_steps_measured"]


def test_the_data_a_quick_run_prepares_is_what_it_can_use():
    limits = policy.data_limits(64, 32)
    assert limits["max_train"] == policy.QUICK_TRAIN_BATCHES * 64
    assert limits["max_val"] == max(policy.QUICK_VAL_BATCHES * 64,
                                    (1 + policy.QUICK_PREDICT_CHUNKS * policy.QUICK_PREDICT_CHUNK_BATCHES) * 32)


# ---------------------------------------------------------------------------- the bias of stopping early (#35)

def recorded():
    import json
    import pathlib

    return json.loads((pathlib.Path(__file__).parent / "data" / "recorded_steps.json").read_text())


def test_a_recorded_run_that_stopped_in_a_quiet_spell_is_not_settled_by_the_rule_now():
    """The recorded quick run stopped after 35 steady steps: taken one by one, their mean was known to ±1.7%. Its
    steps come in spells (a busy spell slows several in a row), and from batch means of 5 it is known to ±2.9% only:
    the rule now goes on measuring instead of stopping on a spell that happened to be quiet."""
    from dlbench_gui.core.measure import stats

    steps = recorded()["quick_steps_s"]
    kept = steps[1 + policy.QUICK_WARMUP_STEPS:]
    m = stats.mean(kept)
    assert stats.ci95_halfwidth(kept) <= policy.QUICK_TARGET_REL_HALFWIDTH * m  # what the old rule stopped on
    assert stats.ci95_halfwidth_batched(kept) > policy.QUICK_TARGET_REL_HALFWIDTH * m
    assert not policy.settled(kept)
    assert steps_until_stop(steps, recorded()["quick_budget_s"]) is None  # not within the steps it took


def test_steps_still_getting_slower_are_not_settled_however_precise():
    early, late = [0.300 + 0.001 * (i % 2) for i in range(40)], [0.320 + 0.001 * (i % 2) for i in range(40)]
    assert not policy.settled(early + late)  # the halves differ by 6.5%: the steps were still getting slower
    assert policy.settled(late + late)


def test_the_estimate_counts_the_first_steps_as_measured_and_the_rest_at_the_later_level():
    """A protocol run of 200 steps whose first 40 steady steps ran 6% faster than the rest: the estimate from a quick
    run that measured 80 is the measured run's own time (the old formula put every step at the kept mean: 1.2% high)."""
    from dlbench_gui.core.measure.estimate import estimate

    head = [3.0, 0.35, 0.33, 0.32]
    steady = [0.300] * 40 + [0.320] * 156
    timing = policy.quick_timing(64, head + steady[:80], sum(head + steady[:80]), 1.0, [0.2, 0.1, 0.1], 0.0, [0.32] * 3)
    # the MSER rule cuts the 40 faster steps as a transient; the later half of the 40 kept is the level
    assert timing["transient_steps_dropped"] == 40 and timing["late_steady_step"]["n"] == 20
    assert timing["early_steps_s"] == steady[:60] and timing["late_steady_step"]["mean"] == pytest.approx(0.32)
    protocol = {"epochs": 1, "batch_size": 64, "train_samples": 200 * 64, "val_samples": 64}
    e = estimate(protocol, timing, None)
    assert e["train_time_s"] == pytest.approx(sum(head + steady))
    assert e["inputs"]["early_steps_counted"] == 60 and e["inputs"]["late_steps_counted"] == 136
    old = head[0] + sum(head[1:]) + 196 * timing["steady_step"]["mean"]  # the old formula: every step at the mean
    assert old / sum(head + steady) - 1 > 0.01  # of the steps kept after the cut: the 40 faster ones at the later level


def test_a_run_whose_speed_wandered_widens_its_own_interval_where_no_history_exists():
    from dlbench_gui.core.measure.estimate import ASSUMED_BETWEEN_RUN_SD, estimate

    quiet = [3.0, 0.3, 0.3, 0.3] + [0.300, 0.301] * 30
    wandering = [3.0, 0.3, 0.3, 0.3] + ([0.28] * 10 + [0.32] * 10) * 3
    protocol = {"epochs": 2, "batch_size": 64, "train_samples": 100 * 64, "val_samples": 640}
    widths = {}
    for name, steps in (("quiet", quiet), ("wandering", wandering)):
        timing = policy.quick_timing(64, steps, sum(steps), 1.0, [0.2, 0.1, 0.1], 0.5, [0.3] * 3)
        e = estimate(protocol, timing, None)
        low, high = e["execution_time_ci95_s"]
        widths[name] = (high - low) / e["execution_time_s"], e["inputs"]["assumed_between_run_sd"]
    assert widths["quiet"][1] == ASSUMED_BETWEEN_RUN_SD
    assert widths["wandering"][1] == pytest.approx(0.02 / 0.30 * (6 / 5) ** 0.5, rel=1e-6)  # block means' SD
    assert widths["wandering"][0] > 2 * widths["quiet"][0]
