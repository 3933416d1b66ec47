"""One plan per session (core/plan.py), made once and carried: from the CLI, a two-model, repeat-2 session chooses its
framework once per setup, runs four planned runs whose events and reports say their index and repeat place, and each
report is the run planned at that index. Real worker children on the NumPy reference runtime (no ML framework
importable in them: injected, tests/fixtures/no_frameworks), so the whole session takes seconds."""

import json

import pytest

from dlbench_gui.core.plan import plan_session
from tests.conftest import tiny_config
from tests.plan_helpers import NO_FRAMEWORKS, REFERENCE, count_choices

ARGS = ["run", "--backend", REFERENCE, "--model", "all", "--dataset", "mnist", "--profile", "custom", "--epochs", "1",
        "--train-samples", "128", "--val-samples", "64", "--data", "synthetic", "--repeat", "2"]


def test_a_plan_chooses_once_per_setup_and_numbers_every_run(monkeypatch):
    calls = count_choices(monkeypatch)
    plan = plan_session([tiny_config(), tiny_config(model="model_b")], 2, {"gpu": {"nvidia": []}})
    assert [asked for asked, _ in calls] == ["auto", "auto"] and len(plan) == 4 and [r.index for r in plan.runs] == [0, 1, 2, 3]
    assert plan.runs[0].backend is plan.runs[1].backend and len(plan.choices()) == 1
    assert [r.prediction.seconds > 0 for r in plan.runs] == [True] * 4


def test_the_cli_starts_a_session_from_one_plan_and_chooses_the_framework_once_per_setup(monkeypatch, tmp_path):
    from dlbench_gui import cli
    from dlbench_gui.core.wire import events as ev
    from dlbench_gui.runner import session as session_module

    monkeypatch.setenv("PYTHONPATH", NO_FRAMEWORKS)
    monkeypatch.setattr("signal.signal", lambda *a: None)  # the CLI's Ctrl+C handler stays out of the test process
    calls = count_choices(monkeypatch)
    started = []
    real_open = session_module.open_session

    def watched(*args, **kwargs):  # the events the session says, beside the CLI's own progress
        progress, session = real_open(*args, **kwargs)
        inner = session.on_event
        session.on_event = lambda e: (started.append(e.index) if isinstance(e, ev.RunStarted) else None, inner(e))
        return progress, session

    monkeypatch.setattr(session_module, "open_session", watched)
    out = tmp_path / "reports"
    out.mkdir()
    assert cli.main([*ARGS, "--output", str(out)]) == 0
    assert calls == [(REFERENCE, "MainThread"), (REFERENCE, "MainThread")]  # once per setup, before any run
    assert started == [0, 1, 2, 3]  # every run's events say its planned index
    reports = sorted((json.loads(p.read_text()) for p in out.iterdir()), key=lambda r: r["plan_index"])
    assert [(r["plan_index"], r["config"]["model"], r["repeat"]["index"], r["repeat"]["of"]) for r in reports] == [
        (0, "model_a", 1, 2), (1, "model_a", 2, 2), (2, "model_b", 1, 2), (3, "model_b", 2, 2)]
    assert all(r["status"] == "completed" and r["software"]["backend"] == REFERENCE for r in reports)
    assert reports[0]["repeat"]["group"] == reports[1]["repeat"]["group"] != reports[2]["repeat"]["group"]


@pytest.mark.parametrize("repeat", [1, 3])
def test_repeats_are_expanded_and_grouped_in_the_plan_only(repeat):
    plan = plan_session([tiny_config(profile="quick"), tiny_config(profile="quick", dataset="fashion_mnist")],
                        repeat, {})
    assert len(plan) == 2 * repeat
    if repeat == 1:  # a quick run's datasets of one model share their processes
        assert [r.share_position for r in plan.runs] == [0, 1] and plan.runs[0].shared
    else:  # repeats stay independent: never shared
        assert not any(r.shared for r in plan.runs)


def test_the_quick_profile_on_several_torch_devices_is_one_line_before_any_work(tmp_path):
    """PyTorch trains on several devices as one process each: a quick run, which decides per process when it has
    measured enough, is refused by the plan before anything starts."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    out = subprocess.run([sys.executable, "-m", "dlbench_gui", "run", "--backend", "torch", "--profile", "quick",
                          "--model", "model_a", "--dataset", "mnist", "--devices", "2", "--cpu-devices", "2"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120,
                         env={**os.environ, "DLBENCH_HOME": str(tmp_path / "home")})
    lines = out.stderr.strip().splitlines()
    assert out.returncode == 2 and len(lines) == 1, out.stderr
    assert lines[0] == ("dlbench: error: the PyTorch backend runs one process per device, and the quick profile "
                        "decides per process when it has measured enough: use --profile custom or full on several "
                        "devices")
    assert not (tmp_path / "home" / "reports").exists() or not list((tmp_path / "home" / "reports").iterdir())
