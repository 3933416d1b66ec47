import pytest

import math

from dlbench_gui.core import stats
from dlbench_gui.core.estimate import ASSUMED_BETWEEN_RUN_SD, between_run_spread, estimate, harmonic
from dlbench_gui.core.report import RunReport

PROTOCOL = {"epochs": 2, "batch_size": 64, "train_samples": 6400, "val_samples": 640, "inference_batch_size": 32}
TIMING = {
    "first_step_s": 2.0,
    "steady_step": {"mean": 0.1, "ci95_halfwidth": 0.002, "n": 40},
    "first_val_batch_s": 0.5,
    "val_batch": {"mean": 0.03, "ci95_halfwidth": 0.001},
    "checkpoint_s": 0.4,
    "step_drift": 0.0,
}


def test_execution_estimate_follows_the_stated_formula():
    e = estimate(PROTOCOL, TIMING, None)
    train = 2.0 + (2 * 100 - 1) * 0.1
    val = (0.5 - 0.03) + 2 * 10 * 0.03
    ckpt = harmonic(2) * 0.4
    assert e["execution_time_s"] == pytest.approx(train + val + ckpt)
    lo, hi = e["execution_time_ci95_s"]
    assert lo < e["execution_time_s"] < hi
    assert e["inputs"]["steady_steps_measured"] == 40 and "harmonic" in e["method"]


def test_a_partial_last_batch_adds_one_retrace():
    with_partial = estimate({**PROTOCOL, "train_samples": 6400 + 32}, TIMING, None)
    without = estimate(PROTOCOL, TIMING, None)
    # one more (partial) step per epoch, plus one retrace of the first-step overhead
    assert with_partial["train_time_s"] - without["train_time_s"] == pytest.approx(2 * 0.1 + (2.0 - 0.1))


def test_inference_estimate_extrapolates_the_steady_rate():
    inf = {"load_s": 1.0, "first_batch_s": 0.3, "steady_s_per_image": 0.001, "steady_s_per_image_samples": [0.001] * 4}
    e = estimate(PROTOCOL, TIMING, inf)
    assert e["inference_time_s"] == pytest.approx(1.0 + 0.3 + (640 - 32) * 0.001)


def test_harmonic_numbers():
    assert harmonic(1) == 1.0 and harmonic(100) == pytest.approx(5.1874, abs=1e-3)


def test_each_later_epoch_pays_the_measured_boundary_cost():
    steady_machine = {"runs": 5, "relative_sd": 0.0}  # no between-run term, to see the boundary's own
    base = estimate({**PROTOCOL, "epochs": 5}, TIMING, None, between_runs=steady_machine)
    slow_start = estimate({**PROTOCOL, "epochs": 5}, {**TIMING, "epoch_boundary_steps_s": [0.6, 0.1, 0.1]}, None,
                          between_runs=steady_machine)
    assert slow_start["epoch_boundary_time_s"] == pytest.approx(4 * (0.6 - 0.1))
    assert slow_start["execution_time_s"] - base["execution_time_s"] == pytest.approx(2.0)
    lo, hi = slow_start["execution_time_ci95_s"]
    assert hi - lo == pytest.approx(base["execution_time_ci95_s"][1] - base["execution_time_ci95_s"][0] + 4.0)
    # a boundary step no slower than a steady one costs nothing extra
    assert estimate(PROTOCOL, {**TIMING, "epoch_boundary_steps_s": [0.09]}, None)["epoch_boundary_time_s"] == 0


def test_measured_warmup_steps_are_paid_once_not_extrapolated():
    base = estimate(PROTOCOL, TIMING, None)
    warm = estimate(PROTOCOL, {**TIMING, "warmup_steps_s": [0.5, 0.2, 0.1]}, None)
    # three steps move from the steady mean (0.1 each) to their measured cost (0.8 in all)
    assert warm["train_time_s"] - base["train_time_s"] == pytest.approx(0.8 - 0.3)
    assert warm["inputs"]["warmup_steps_s"] == [0.5, 0.2, 0.1]


HW = {"cpu": {"brand": "Intel(R) Xeon(R) Processor", "logical_cores": 2}, "gpu": {"nvidia": []}}


def _past(step_mean, model="model_b", batch=64, hardware=HW, status="completed", gpus=None):
    return RunReport(run_id="r", status=status, config={"model": model, "batch_size": batch}, hardware=hardware,
                     software={"tf_gpus": gpus or []}, timing={"steady_step": {"mean": step_mean}})


def test_between_run_spread_counts_only_comparable_completed_runs():
    other_cpu = {"cpu": {"brand": "AMD EPYC", "logical_cores": 2}, "gpu": {"nvidia": []}}
    reports = [_past(2.0), _past(2.2), _past(1.9), _past(9.0, model="model_a"), _past(9.0, batch=32),
               _past(9.0, hardware=other_cpu), _past(9.0, status="failed"), _past(9.0, gpus=["/GPU:0"]),
               RunReport(run_id="x", status="completed", config={"model": "model_b", "batch_size": 64},
                         hardware=HW, timing={})]
    spread = between_run_spread(reports, "model_b", 64, HW, on_gpu=False)
    assert spread["runs"] == 3 and spread["steady_step_means_s"] == [2.0, 2.2, 1.9]
    assert spread["relative_sd"] == pytest.approx(stats.stdev([2.0, 2.2, 1.9]) / stats.mean([2.0, 2.2, 1.9]))
    # fewer than three earlier runs: the spread is not known
    assert between_run_spread(reports[:2], "model_b", 64, HW, on_gpu=False)["relative_sd"] is None


def test_the_machines_between_run_spread_widens_the_interval_and_is_stated():
    within = math.hypot(199 * 0.002, 20 * 0.001)  # the step and validation means' half-widths, scaled
    # no history yet: an assumed spread, said to be assumed
    first = estimate(PROTOCOL, TIMING, None)
    assumed = stats.Z975 * ASSUMED_BETWEEN_RUN_SD * math.sqrt(2) * first["execution_time_s"]
    assert first["inputs"]["between_run_term_s"] == pytest.approx(assumed)
    assert first["inputs"]["assumed_between_run_sd"] == ASSUMED_BETWEEN_RUN_SD and "assumed" in first["interval_covers"]
    # with the machine's own spread from five earlier runs
    spread = {"runs": 5, "relative_sd": 0.05, "steady_step_means_s": [1.0] * 5}
    e = estimate(PROTOCOL, TIMING, None, between_runs=spread)
    assert e["execution_time_s"] == pytest.approx(first["execution_time_s"])  # the point estimate does not move
    term = stats.t975(4) * 0.05 * math.sqrt(2) * e["execution_time_s"]
    assert e["inputs"]["between_run_term_s"] == pytest.approx(term) and e["inputs"]["assumed_between_run_sd"] is None
    widen = math.hypot(within, term) - math.hypot(within, assumed)
    assert e["execution_time_ci95_s"][1] - first["execution_time_ci95_s"][1] == pytest.approx(widen)
    assert "5 earlier runs" in e["interval_covers"]
    # too little history: the assumption stands, and the report says so
    few = estimate(PROTOCOL, TIMING, None, between_runs={"runs": 2, "relative_sd": None, "steady_step_means_s": [1, 1]})
    assert few["execution_time_ci95_s"] == first["execution_time_ci95_s"] and "assumed" in few["interval_covers"]
