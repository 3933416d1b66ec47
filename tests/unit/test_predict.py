"""The prediction a session starts with and the one it makes again after each run (#26, item 1: a first launch
predicted 53 s for two quick runs that took about 90 s, the second of them predicted at a few seconds)."""

import dataclasses
import datetime as _dt

import pytest

from dlbench_gui.core.config import BenchmarkConfig
from dlbench_gui.core.measure import quick_policy as q
from dlbench_gui.core.measure.predict import HANDOVER_S, TIMING_SPREAD, predict, predict_all, repredictor, wall_s
from dlbench_gui.core.progress import RunSession
from dlbench_gui.core.store.report import RunReport

QUICK = BenchmarkConfig(model="model_a", dataset="mnist", data="synthetic")
BOTH = [QUICK, dataclasses.replace(QUICK, dataset="fashion_mnist")]


def quick_report(dataset="mnist", *, step=0.42, val=0.40, per_image=0.0064, wall=43.0, shared=False, **config):
    """A completed quick run of Model A, with the figures a real one on this 2-core machine measured
    (docs/benchmarks.md, "The first launch's prediction")."""
    timing = {"steady_step_s": step, "first_step_s": 3.25, "checkpoint_s": 0.61, "val_batch": {"mean": val},
              "inference": {"steady_s_per_image": per_image, "load_s": 1.19}}
    if shared:
        timing["shared"] = {"with": "mnist"}
    cfg = {**dataclasses.asdict(dataclasses.replace(QUICK, dataset=dataset)), **config}
    start = _dt.datetime(2026, 12, 1, 0, 46, tzinfo=_dt.timezone.utc)
    return RunReport(run_id=f"r-{dataset}-{wall}", status="completed", config=cfg, timing=timing,
                     software={"backend": "tensorflow"}, created_at=start.isoformat(),
                     finished_at=(start + _dt.timedelta(seconds=wall)).isoformat())


def test_a_first_launch_predicts_the_quick_stop_rule_not_a_few_steps():
    first, second = predict_all(BOTH)
    assert first.basis == second.basis == "rough: no run on this machine yet"
    budget = QUICK.quick_budget_s
    # the first run's steady phase lasts at least a quarter of the budget (the stop rule), on top of its start-up,
    # and at most the whole budget: the range says so
    assert first.seconds - q.QUICK_MIN_STEADY_SHARE * budget > 20  # two process starts, a validation, a prediction
    # (widened by the timing spread between two processes)
    spread = (1 - TIMING_SPREAD, 1 + TIMING_SPREAD)
    assert first.low == pytest.approx(first.seconds * spread[0] - 1)  # (and a second: reports say whole seconds)
    assert (first.high - 1) / spread[1] - first.seconds == pytest.approx((1 - q.QUICK_MIN_STEADY_SHARE) * budget)
    # of it: the start until the first step has ended (the training child's start-up, the first step), and the
    # steady phase, which the clock bounds
    assert first.first_step_at_s == pytest.approx(7.5 + 3.5)
    assert first.clock_bound_s == pytest.approx(q.QUICK_MIN_STEADY_SHARE * budget)
    # the second dataset, in the warm process: ten steps to a third of the budget, a validation and a prediction
    assert second.low < second.seconds < second.high and second.high >= q.QUICK_WARM_BUDGET_SHARE * budget
    assert first.seconds > second.seconds


def test_a_longer_budget_predicts_longer_and_never_past_the_budget_for_the_steady_phase():
    short, long = (predict(dataclasses.replace(QUICK, quick_budget_s=b)) for b in (40.0, 200.0))
    assert long.seconds - short.seconds == pytest.approx(q.QUICK_MIN_STEADY_SHARE * (200 - 40))
    assert (long.high - 1) / (1 + TIMING_SPREAD) - long.seconds == pytest.approx((1 - q.QUICK_MIN_STEADY_SHARE) * 200)


def test_a_run_like_an_earlier_one_is_predicted_at_what_that_one_took():
    earlier = quick_report(wall=43.0)
    assert wall_s(earlier) == 43.0
    p = predict(QUICK, [earlier], backend="tensorflow")
    assert (p.seconds, p.basis) == (43.0, "from this machine's last run like it")
    # a quick run ends anywhere between its floor and its budget: the mean of the last three like it
    walls = [76.0, 40.0, 58.0, 10.0]
    p = predict(QUICK, [quick_report(wall=w) for w in walls], backend="tensorflow")
    assert (p.seconds, p.basis) == (pytest.approx(58.0), "from this machine's last 3 runs like it")
    assert p.low <= 40.0 and p.high >= 76.0  # the range holds every run it stands on
    # another budget or another framework is not "like it": the costs are used, or the rough figures
    other = predict(dataclasses.replace(QUICK, quick_budget_s=90.0), [earlier], backend="tensorflow")
    assert other.basis == "from this machine's last run" and other.seconds != 43.0
    assert predict(QUICK, [earlier], backend="jax").basis.startswith("rough")
    # the warm second dataset is predicted from a warm one, not from a first run's wall time
    assert predict(BOTH[1], [earlier], shared=True, backend="tensorflow").seconds < 43.0


def test_the_measured_costs_replace_the_rough_ones():
    rough = predict(BOTH[1], [], shared=True).seconds
    measured = predict(BOTH[1], [quick_report()], shared=True).seconds
    # the warm run: its own first and warm-up steps, between ten steady steps and a third of the budget, 12
    # validation batches, 17 batches of prediction
    rest = HANDOVER_S + 4 * 0.42 + q.QUICK_VAL_BATCHES * 0.40 + 17 * 32 * 0.0064
    assert measured == pytest.approx(rest + (10 * 0.42 + 45 / 3) / 2)
    assert measured > rough  # this run's steps were slower than the rough figure's 0.40 s


def test_a_session_predicts_its_later_runs_again_from_its_own_first_run():
    session = RunSession(BOTH, [p.seconds for p in predict_all(BOTH)], repredict=repredictor(BOTH, []))
    rough_second = session.predictions_s[1]
    session.index = 0
    session.add_report(quick_report())
    assert session.predictions_s[0] != session.predictions_s[1] != rough_second
    assert session.predictions_s[1] == pytest.approx(predict(BOTH[1], [quick_report()], shared=True).seconds)
    # a failed run measured nothing to predict from: the later run keeps the rough prediction
    failing = RunSession(BOTH, [p.seconds for p in predict_all(BOTH)], repredict=repredictor(BOTH, []))
    failing.index = 0
    failing.add_report(dataclasses.replace(quick_report(), status="failed"))
    assert failing.predictions_s[1] == pytest.approx(predict_all(BOTH)[1].seconds)


def test_a_backend_without_a_run_here_is_predicted_roughly_and_says_whose_costs_those_are():
    from dlbench_gui.core.config import BenchmarkConfig
    from dlbench_gui.core.measure.predict import predict

    c = BenchmarkConfig(model="model_a", dataset="mnist")
    assert predict(c, [], backend="torch").basis == "rough: no PyTorch run on this machine yet (TensorFlow's costs on a small CPU)"
    assert predict(c, [], backend="tensorflow").basis == "rough: no run on this machine yet"
