import math
import random

import pytest

from dlbench_gui.core.measure import stats


def test_t_quantiles_match_tables_and_approach_normal():
    assert stats.t975(1) == pytest.approx(12.706)
    assert stats.t975(30) == pytest.approx(2.042)
    assert stats.t975(40) == pytest.approx(2.021, abs=2e-3)
    assert stats.t975(120) == pytest.approx(1.980, abs=2e-3)
    assert stats.t975(10**6) == pytest.approx(1.96, abs=1e-3)


def test_confidence_interval_covers_the_true_mean_about_95_percent_of_the_time():
    rng = random.Random(1)
    hits = 0
    trials = 2000
    for _ in range(trials):
        xs = [rng.gauss(10.0, 2.0) for _ in range(8)]
        hw = stats.ci95_halfwidth(xs)
        hits += abs(stats.mean(xs) - 10.0) <= hw
    assert 0.93 <= hits / trials <= 0.97


def test_summary_and_throughput():
    s = stats.summary([1.0, 2.0, 3.0, 10.0])
    assert s["median"] == 2.5 and s["min"] == 1.0 and s["max"] == 10.0 and s["n"] == 4
    assert s["cv"] == pytest.approx(stats.stdev([1, 2, 3, 10]) / 4.0)
    # images over total time, not the mean of per-step rates (which would be 36.7 here)
    assert stats.throughput(64 * 2, 1.0 + 3.0) == pytest.approx(32.0)


def test_warmup_split_and_drift():
    w = stats.warmup_split([10.0, 4.0, 6.0])
    assert w["first_epoch_s"] == 10.0 and w["later_epochs_mean_s"] == 5.0 and w["warmup_overhead_s"] == 5.0
    assert stats.drift([1.0] * 50 + [1.2] * 50) == pytest.approx(0.2)
    assert stats.drift([1.0] * 5) == 0.0
    assert math.isinf(stats.ci95_halfwidth([1.0]))


def test_mser_drops_a_decaying_start_and_nothing_from_a_stationary_series():
    from dlbench_gui.core.measure.stats import mser_truncation

    rng = random.Random(1)
    flat = [0.30 + rng.gauss(0, 0.003) for _ in range(60)]
    assert mser_truncation(flat) <= 5
    decaying = [0.30 + 0.03 * math.exp(-i / 8) + rng.gauss(0, 0.003) for i in range(60)]
    cut = mser_truncation(decaying)
    assert 10 <= cut <= 30
    assert mser_truncation(decaying[:12]) == 0  # too short to judge
