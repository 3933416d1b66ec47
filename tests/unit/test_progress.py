"""RunSession: one account of a run session for the CLI and the GUI, driven here by a recorded event stream."""

import json
from pathlib import Path

import pytest

from dlbench_gui.core.wire import events as ev
from dlbench_gui.core.config import BenchmarkConfig
from dlbench_gui.core.progress import RunSession
from tests.reports import valid_report

RECORDED = Path(__file__).resolve().parents[1] / "gui" / "data" / "model_a_train_events.jsonl"


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def recorded_events():
    return [ev.from_json(line).with_task("train") for line in RECORDED.read_text().splitlines()]


def config(profile="custom", **kw):
    values = dict(model="model_a", dataset="mnist", profile=profile, epochs=3, train_samples=640, val_samples=128,
                  data="synthetic")
    values.update(kw)
    if profile == "quick":
        values.update(epochs=100, train_samples=60000, val_samples=10000)
    return BenchmarkConfig(**values)


def test_a_recorded_stream_gives_runs_phases_steps_epochs_and_the_eta():
    clock = Clock()
    session = RunSession([config(), config(dataset="fashion_mnist")], [60.0, 90.0], clock=clock)
    changes = []
    session.subscribe(lambda change, payload: changes.append(change))
    session.handle(ev.RunStarted(run_id="r1", config={}))
    events = recorded_events()
    half = [e for e in events if isinstance(e, ev.Step)][:1]
    session.handle(ev.Phase(phase="training", epoch=1, epochs=3, task="train"))
    for e in half:
        session.handle(e)
    clock.now += 10
    p = session.estimate()  # the estimate's arithmetic (what is shown keeps it to its promises: test_progress_invariants)
    assert session.steps_done == len(half[0].steps) == 1
    assert p.fraction == pytest.approx(1 / 30)
    # protocol runs: the ETA is this run's phases left (its steps at the recent pace, a validation and checkpoint per
    # epoch, the inference child as long as this run took to its first step), then the next run's prediction
    pace, val = session.step_s[-1], 0.5 * session.step_s[-1] * config().val_steps
    assert p.eta_s == pytest.approx(29 * pace + 3 * val + session.first_step_after + val + 90.0)
    assert p.overall == pytest.approx((0 + 1 / 30) / 2)
    assert session.status_text() == "Run 1/2 · Model A on MNIST (custom) · training epoch 1/3 · 10 s"
    for e in events:
        session.handle(e)
    assert changes.count("epoch") == 3 and changes.count("hello") == 1 and changes[0] == "run_started"
    session.handle(ev.RunStarted(run_id="r2", config={}, index=1))
    assert session.index == 1 and session.steps_done == 0 and session.phase == "starting"


def test_a_quick_run_is_timed_by_its_prediction():
    clock = Clock()
    session = RunSession([config("quick")], [200.0], clock=clock)
    session.handle(ev.RunStarted(run_id="q", config={}))
    session.handle(ev.Phase(phase="training", epoch=2, epochs=10_000, task="train"))
    clock.now += 50
    p = session.progress()
    assert p.fraction == pytest.approx(0.25) and p.eta_s == pytest.approx(150.0)
    assert session.phase == "training"  # a quick run's passes are not the protocol's epochs: not named


def test_a_quick_run_past_its_prediction_never_says_eta_0_and_re_estimates_from_its_steps():
    """#26, 1: "100%" and "ETA 0 ms" for 16 s while training went on."""
    clock = Clock()
    session = RunSession([config("quick", quick_budget_s=45.0), config("quick", dataset="fashion_mnist")],
                         [30.0, 20.0], clock=clock)
    session.handle(ev.RunStarted(run_id="q", config={}))
    clock.now += 40  # past the 30 s predicted, still tracing: no step yet
    p = session.progress()
    assert p.over_prediction and p.eta_s >= 10.0 + 20.0 and p.fraction < 0.99
    assert p.eta_words.startswith("ETA about ") and p.eta_words.endswith("(longer than predicted)")
    steps = [[1, i, 0.5, 2.0, 0.1] for i in range(1, 25)]  # 24 steps of 0.5 s: 20 steady, 10 s of the 45 s budget
    session.handle(ev.Step(steps=steps, task="train"))
    clock.now += 12
    p = session.estimate()
    # the rest of the budget (45 - 10 s), about twenty steps more (validation, boundary), the inference child as long
    # as the run took to its first step, then the next run's 20 s
    assert session.first_step_after == 40.0
    assert p.eta_s == pytest.approx(35.0 + 20 * 0.5 + 40.0 + 20.0) and p.over_prediction
    assert 0 < p.fraction < 0.99 and p.overall < 0.5
    session.handle(ev.Step(steps=[[1, i, 0.5, 2.0, 0.1] for i in range(25, 200)], task="train"))  # the budget spent
    clock.now += 90
    p = session.estimate()
    assert p.eta_s == pytest.approx(20 * 0.5 + 40.0 + 20.0) and p.eta_s > 20.0  # never 0 in a run
    session.handle(ev.Phase(phase="validating", task="train"))  # its tail has begun: what is left of it
    clock.now += 30
    assert session.estimate().eta_s == pytest.approx(50.0 - 30.0 + 20.0)
    in_time = RunSession([config("quick")], [200.0], clock=clock)
    in_time.handle(ev.RunStarted(run_id="q2", config={}))
    assert not in_time.progress().over_prediction and in_time.progress().eta_words.startswith("ETA ")


def test_reports_warnings_and_the_end_are_kept_and_told():
    session = RunSession([config()], [60.0])
    told = []
    session.subscribe(lambda change, payload: told.append((change, payload)))
    session.handle(ev.Phase(phase="training"))  # before any run started: ignored
    assert told == []
    session.handle(ev.RunStarted(run_id="r", config={}))
    session.handle(ev.Log(message="GPU unused", level="warning", kind="no_gpu_visible", task="train"))
    session.handle(ev.Step(steps=[[1, 1, 0.3, 2.0, 0.1]], task="infer"))  # inference steps are not training
    assert session.steps_done == 0 and session.warnings == ["GPU unused"]
    r = valid_report()
    session.add_report(r)
    session.finish()
    assert [c for c, _ in told] == ["run_started", "warning", "report", "finished"]
    assert session.all_completed and session.summary_text() == "Finished: 1 completed."
    busy = valid_report(findings={"interference": {"verdict": "interfered", "other_cpu_share": 0.4}})
    session.add_report(busy)  # the end does not hide that a run was disturbed (#33)
    assert session.summary_text() == ("Finished: 2 completed (1 of them unreliable: other programs took the machine "
                                      "while it was timed).")


@pytest.mark.parametrize("line", [
    "not json", "[1, 2]", '{"type": "explode"}', '{"type": "phase"}', '{"type": "step", "steps": 3}',
    '{"type": "epoch", "epoch": "one", "train_s": 1, "val_s": 1}', "[" * 10_000,
])
def test_a_malformed_line_from_a_child_is_a_wire_error_not_a_crash(line):
    with pytest.raises(ev.WireError):
        ev.from_json(line)


def test_fields_this_version_does_not_name_travel_in_extra_and_back():
    line = json.dumps({"type": "epoch", "epoch": 2, "epochs": 3, "train_s": 1.5, "val_s": 0.5, "val_loss": 0.7,
                       "from_a_later_version": [1]})
    e = ev.from_json(line)
    assert isinstance(e, ev.EpochEnd) and e.metric("val_loss") == 0.7 and e.extra["from_a_later_version"] == [1]
    assert json.loads(e.to_json()) | {"t": 0} == json.loads(line) | {"t": 0, "task": None}


def test_the_cli_prints_its_progress_lines_from_the_session(capsys):
    from dlbench_gui.cli.text import ProgressPrinter

    session = RunSession([config()], [60.0])
    ProgressPrinter(session, quiet=False, repeat=1)
    session.handle(ev.RunStarted(run_id="r", config={}))
    for e in recorded_events():
        session.handle(e)
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "▶ model_a/mnist/custom" and "  [train] building the model" in err
    assert "    epoch 3/3: train" in "\n".join(err)
    assert any(line.startswith("    step ") and "/30  ETA" in line for line in err)


def test_repeated_setups_are_tagged_in_the_plan_so_their_reports_can_be_combined():
    from dlbench_gui.core.plan import plan_session

    a, b = config(), config(dataset="fashion_mnist")
    plan = plan_session([a, b], 3, {})
    tags = [r.repeat for r in plan.runs]
    assert [(t["index"], t["of"]) for t in tags] == [(1, 3), (2, 3), (3, 3)] * 2
    assert tags[0]["group"] == tags[1]["group"] == tags[2]["group"] != tags[3]["group"] == tags[5]["group"]
    assert [r.index for r in plan.runs] == list(range(6)) and [r.asked for r in plan.runs] == [a, a, a, b, b, b]
    assert [plan.repeat_ends(i) for i in range(6)] == [False, False, True] * 2
    assert [r.repeat for r in plan_session([a, b], 1, {}).runs] == [None, None]


def test_the_inference_childs_data_is_said_to_be_the_test_images_of_this_run():
    """#26: "Run 1/2 … preparing data" was read as the next run's data; it was the inference child's test images."""
    session = RunSession([config(profile="quick"), config(profile="quick", dataset="fashion_mnist")], [50.0, 20.0])
    session.handle(ev.RunStarted(run_id="r1", config={}))
    session.handle(ev.Phase(phase="preparing_data", task="train"))
    assert session.status_text().startswith("Run 1/2 · Model A on MNIST (quick) · preparing data · ")
    session.handle(ev.Phase(phase="preparing_data", task="infer"))
    assert "Run 1/2 · Model A on MNIST (quick) · preparing the test images for inference" in session.status_text()
