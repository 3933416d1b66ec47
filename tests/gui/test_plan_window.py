"""The window starts a session from the plan it shows (core/plan.py via runner/session.open_session, as the CLI does):
Start chooses no framework again, the session's thread chooses none, and a two-model, repeat-2 Start runs four planned
runs whose repeats are combined at the end. Real worker children on the NumPy reference runtime (no ML framework
importable in them: injected, tests/fixtures/no_frameworks; the Backend box is given its item by the test, since the
window never offers a test runtime)."""

from tests.gui.conftest import choose
from tests.plan_helpers import NO_FRAMEWORKS, REFERENCE, count_choices


def test_start_runs_the_plan_it_showed_and_the_session_chooses_nothing_again(make_window, qtbot, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", NO_FRAMEWORKS)
    w = make_window()
    choose(w, models=("model_a", "model_b"), datasets=("mnist",))
    w.setup.backend_combo.addItem("NumPy reference", REFERENCE)
    w.setup.backend_combo.setCurrentIndex(w.setup.backend_combo.findData(REFERENCE))
    w.setup.repeat.setValue(2)
    assert "for 4 runs" in w.setup.prediction.text()
    calls = count_choices(monkeypatch)
    w.act_start.trigger()
    assert calls == []  # the plan shown is the plan run: nothing chosen again at Start
    qtbot.waitUntil(lambda: not w.running and w.thread is None, timeout=120_000)
    assert [thread for _, thread in calls if thread != "MainThread"] == []  # the session's thread chose nothing
    reports = sorted(w.adapter.session.reports, key=lambda r: r.extra["plan_index"])
    assert [(r.extra["plan_index"], r.model, r.extra["repeat"]["index"]) for r in reports] == [
        (0, "model_a", 1), (1, "model_a", 2), (2, "model_b", 1), (3, "model_b", 2)]
    assert all(r.status == "completed" and r.software["backend"] == REFERENCE for r in reports)
    assert w.results.repeats.text().count("Model") >= 2 and not w.results.repeats.isHidden()  # both setups combined
