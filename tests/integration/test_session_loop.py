"""The one session loop that the CLI and the window both run (runner/session.py), with stand-in workers
(tests/fake_worker.py, injected: each run fails at once after leaving a checkpoint), real child processes and real
report files."""

from dlbench_gui.hardware import detect
from dlbench_gui.core.plan import plan_session
from dlbench_gui.runner.session import Session, plan_runs
from tests.conftest import PY, ROOT, tiny_config

FAKE = [PY, str(ROOT / "tests" / "fake_worker.py"), "checkpoint-then-crash"]


def test_one_loop_runs_repeats_in_turn_and_says_each_report_and_the_repeated_setup():
    plan = plan_session([tiny_config()], 2, detect.detect())
    seen, groups = [], []
    session = Session(plan, hardware=detect.detect(), history=[], worker_command=FAKE,
                      on_report=lambda r, rest: seen.append((r.status, len(rest))), on_repeats=groups.append)
    reports = session.run()
    assert seen == [("failed", 1), ("failed", 0)]
    assert len(groups) == 1 and [r.run_id for r in groups[0]] == [r.run_id for r in reports]
    assert session.history[-2:] == reports  # each run is judged against the session's earlier ones too
    assert all(r.error["kind"] == "crash" for r in reports)


def test_a_stopped_session_starts_nothing_more():
    session = Session(plan_session([tiny_config()], 3, {}), hardware=detect.detect(), history=[], worker_command=FAKE)
    session.stop()
    assert session.run() == [] and session.stopping


def test_the_configuration_a_run_follows_is_decided_once_before_the_session():
    weak = tiny_config(devices=2, cpu_devices=2, scaling="weak")
    (planned,) = plan_runs([weak], 1, {"gpu": {"nvidia": []}})
    assert planned.batch_size == 128 and planned.scaling == "weak"  # 64 on each of 2 replicas
    assert plan_runs([tiny_config()], 2, {}) == [tiny_config(), tiny_config()]  # anything else as it was asked
