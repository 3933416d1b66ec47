import pytest

import math

from dlbench_gui.core.measure import stats
from dlbench_gui.core.measure.estimate import ASSUMED_BETWEEN_RUN_SD, between_run_spread, estimate, harmonic
from dlbench_gui.core.store.report import RunReport

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
                     software={"tf_gpus": gpus or []}, timing={"steady_step": {"mean": step_mean, "n": 40}})


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


def _run(step_mean, n=40, interfered=False):
    findings = {"interference": {"verdict": "interfered" if interfered else "quiet"}}
    return RunReport(run_id="r", status="completed", config={"model": "model_a", "batch_size": 64}, hardware=HW,
                     software={"tf_gpus": []}, timing={"steady_step": {"mean": step_mean, "n": n}}, findings=findings)


def test_one_disturbed_run_in_the_history_no_longer_blows_the_interval_up():
    """The history from the issue, replayed: 21 quiet runs of Model A at batch 64 with steady steps of 0.289–0.324 s,
    and one made while another process kept a core busy (0.543 s; an older report, so not marked as interfered)."""
    quiet = [0.289 + (0.324 - 0.289) * ((7 * i) % 21) / 20 for i in range(21)]  # the range, in a shuffled order
    history = [_run(v) for v in quiet[:10]] + [_run(0.543)] + [_run(v) for v in quiet[10:]]
    protocol = {"epochs": 2, "batch_size": 64, "train_samples": 6400, "val_samples": 640, "inference_batch_size": 32}
    timing = {**TIMING, "steady_step": {"mean": 0.30, "ci95_halfwidth": 0.003, "n": 40}}

    def half_width(spread):
        e = estimate(protocol, timing, None, between_runs=spread)
        lo, hi = e["execution_time_ci95_s"]
        return (hi - lo) / 2 / e["execution_time_s"]

    spread = between_run_spread(history, "model_a", 64, HW, on_gpu=False)
    assert spread["runs"] == 21 and spread["set_aside"] == {"interfered": 0, "few_steady_steps": 0, "outliers": 1,
                                                          "shared_process": 0}
    assert 0.543 not in spread["steady_step_means_s"]
    assert spread["relative_sd"] == pytest.approx(stats.stdev(quiet) / stats.mean(quiet))
    # what the pooled SD of all 22 gave before: about ±50%; now about ±11%, as for the quiet runs alone
    pooled = {"runs": 22, "relative_sd": stats.stdev(quiet + [0.543]) / stats.mean(quiet + [0.543])}
    assert half_width(pooled) > 0.45 and half_width(spread) < 0.12
    assert half_width(spread) == pytest.approx(half_width({"runs": 21, "relative_sd": spread["relative_sd"]}))
    e = estimate(protocol, timing, None, between_runs=spread)
    assert "21 earlier runs" in e["interval_covers"] and "set aside: 1 outliers" in e["interval_covers"]


def test_runs_that_cannot_speak_for_the_machine_are_set_aside_and_counted():
    history = [_run(0.30), _run(0.31), _run(0.30), _run(0.60, interfered=True), _run(0.29, n=1), _run(0.30, n=9)]
    spread = between_run_spread(history, "model_a", 64, HW, on_gpu=False)
    assert spread["runs"] == 3 and spread["set_aside"] == {"interfered": 1, "few_steady_steps": 2, "outliers": 0,
                                                          "shared_process": 0}
    # a dataset measured in another dataset's process (runner/share.py) is not another process: set aside
    shared = RunReport(run_id="s", status="completed", hardware=HW, software={"tf_gpus": []},
                       config={"model": "model_a", "batch_size": 64},
                       timing={"steady_step": {"mean": 0.3, "n": 40}, "shared": {"with": "mnist"}})
    assert between_run_spread(history + [shared], "model_a", 64, HW, on_gpu=False)["set_aside"]["shared_process"] == 1
    other_precision = RunReport(run_id="p", status="completed", hardware=HW, software={"tf_gpus": []},
                                config={"model": "model_a", "batch_size": 64, "precision": "mixed_bfloat16"},
                                timing={"steady_step": {"mean": 0.2, "n": 40}})
    assert between_run_spread(history + [other_precision], "model_a", 64, HW, on_gpu=False)["runs"] == 3
    assert between_run_spread([other_precision] * 3, "model_a", 64, HW, False, precision="mixed_bfloat16")["runs"] == 3


def test_an_interfered_run_widens_the_lower_end_by_the_measured_cost_of_the_share_others_took():
    from dlbench_gui.core.measure.estimate import allow_for_interference

    e = estimate(PROTOCOL, TIMING, None)
    quiet = allow_for_interference(e, {"verdict": "quiet", "other_cpu_share": 0.02})
    assert quiet == e
    busy = allow_for_interference(e, {"verdict": "interfered", "other_cpu_share": 0.48, "other_gpu_share": None})
    (lo, hi), (lo0, hi0) = busy["execution_time_ci95_s"], e["execution_time_ci95_s"]
    # one busy core measured here: 48% taken, 1.85x slower; the lower end comes down by 1 + 2.5 x 0.48 = 2.2
    assert lo == pytest.approx(lo0 / 2.2) and hi == hi0 and busy["execution_time_s"] == e["execution_time_s"]
    assert busy["inputs"]["interference_share"] == 0.48 and "divided by 2.20" in busy["interval_covers"]
    assert lo < e["execution_time_s"] / 1.85  # the quiet speed of the measured pair lies inside
