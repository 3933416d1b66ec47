"""The parent's supervision of real child processes, with stand-in workers (tests/fake_worker.py) whose
behaviour is injected: a child that goes silent, a phase kept alive only by heartbeats, a full disk, a failure
that leaves a checkpoint, and stopping without process groups (as on Windows)."""

import io
import json
import time
from pathlib import Path

import psutil

from dlbench_gui.core.wire import events as ev
from dlbench_gui.core.store import storage
from dlbench_gui.runner import child as child_module
from dlbench_gui.runner.child import ChildProcess, live_children
from dlbench_gui.runner.recovery import recover_interrupted
from dlbench_gui.runner.runner import BenchmarkRunner
from tests.conftest import PY, ROOT, children_alive, tiny_config

FAKE = str(ROOT / "tests" / "fake_worker.py")


def fake(mode):
    return [PY, FAKE, mode]


def test_watchdog_kills_a_child_that_stops_talking_injected_silent_worker():
    pids = []
    runner = BenchmarkRunner(tiny_config(watchdog_s=10), worker_command=fake("silent"), telemetry=False,
                             on_event=lambda e: pids.append(e.pid) if isinstance(e, ev.Hello) else None)
    t0 = time.monotonic()
    report = runner.run()
    assert report.status == "failed" and report.error["kind"] == "hang", report.error
    assert "no event for 10 s" in report.error["message"]
    assert 9 < time.monotonic() - t0 < 40
    assert pids and not children_alive(pids) and not live_children()


def test_heartbeats_keep_a_long_silent_phase_alive_past_the_watchdog_injected_slow_phase(monkeypatch):
    monkeypatch.setenv("FAKE_PHASE_S", "14")  # longer than the 10 s watchdog; heartbeats every 2.5 s
    runner = BenchmarkRunner(tiny_config(watchdog_s=10), worker_command=fake("slow-phase"), telemetry=False)
    runner.run_dir.mkdir(parents=True)
    journal = storage.Journal(runner.run_dir / "events.jsonl")
    try:
        out = runner.run_child("probe", None, journal, lambda e: None)
    finally:
        journal.close()
    assert out.status == "completed", out.error
    # heartbeats are not kept: the journal holds the phase and the result, not the beats
    kinds = [e["type"] for e in storage.read_journal(runner.run_dir / "events.jsonl")]
    assert ev.Heartbeat.TYPE not in kinds and ev.Result.TYPE in kinds


def test_emitter_beats_only_between_a_phase_and_the_next_step():
    stream = io.StringIO()
    now = [100.0]  # the emitter's clock, stepped by hand: no wait on the machine's timing
    em = __import__("dlbench_gui.bench.worker.wire", fromlist=["Emitter"]).Emitter(stream, heartbeat_s=10,
                                                                                  clock=lambda: now[0])
    em.emit(ev.Phase(phase="training", epoch=1, epochs=1))
    now[0] += 9.9
    assert not em.beat_if_due()  # not yet a heartbeat's silence
    now[0] += 0.2
    assert em.beat_if_due()  # graph tracing of the first step: silent, so it beats
    em.emit(ev.Step(steps=[[0, 0.1, 1.0, 0.1]], steps_per_epoch=1))
    now[0] += 30
    assert not em.beat_if_due()  # steps flow: their own events show progress
    em.emit(ev.Phase(phase="validating", epoch=1, epochs=1))
    now[0] += 10
    assert em.beat_if_due()
    now[0] += 4000
    assert not em.beat_if_due()  # a phase silent for over an hour is hung: the emitter stops vouching for it
    beats = [json.loads(line) for line in stream.getvalue().splitlines() if '"heartbeat"' in line]
    assert [b["phase"] for b in beats] == ["training", "validating"]


def test_a_full_disk_under_the_journal_gives_a_disk_full_report_injected_dev_full(tmp_path):
    runner = BenchmarkRunner(tiny_config(), worker_command=fake("chatty"), telemetry=False)
    runner.run_dir.mkdir(parents=True)
    (runner.run_dir / "events.jsonl").symlink_to("/dev/full")  # every write fails with ENOSPC, as on a full disk
    report = runner.run()
    assert report.status == "failed" and report.error["kind"] == "disk_full", report.error
    assert "disk full" in report.error["message"]
    assert not live_children()
    saved = json.loads(runner.report_path.read_text())
    assert saved["status"] == "failed" and saved["error"]["kind"] == "disk_full"


def test_a_failed_run_leaves_no_checkpoint_even_when_asked_to_keep_it_injected_crash():
    runner = BenchmarkRunner(tiny_config(), worker_command=fake("checkpoint-then-crash"), telemetry=False,
                             keep_checkpoint=True)
    report = runner.run()
    assert report.status == "failed" and report.error["kind"] == "crash"
    assert not list(runner.run_dir.glob("best_model.keras*"))


def _running_report(run_id, run_dir, pid, started_at):
    from tests.reports import valid_report

    return valid_report(run_id=run_id, status="running", error=None, runner_pid=pid, runner_started_at=started_at,
                        run_dir=str(run_dir))


def test_recovery_judges_liveness_by_pid_and_start_time_and_removes_only_its_own_checkpoints(tmp_path):
    runs, reports = storage.runs_dir(), storage.reports_dir()
    mine = psutil.Process()
    cases = {
        "alive": (mine.pid, mine.create_time()),  # this very process: still at work, left alone
        "reused-pid": (1, 12345.0),  # pid 1 exists, but started at another time: its dlbench is gone
        "gone": (2**22 + 7, time.time()),  # no such process
    }
    for name, (pid, started) in cases.items():
        (runs / name).mkdir()
        (runs / name / "best_model.keras").write_bytes(b"x")
        _running_report(name, runs / name, pid, started).save(reports / f"{name}.json")
    outside = tmp_path / "elsewhere"  # a report naming a folder outside dlbench's runs: never touched
    outside.mkdir()
    (outside / "best_model.keras").write_bytes(b"precious")
    _running_report("hostile", outside, 2**22 + 8, 1.0).save(reports / "hostile.json")

    fixed = {Path(p).stem for p in recover_interrupted()}
    assert fixed == {"reused-pid", "gone", "hostile"}
    for name in ("reused-pid", "gone"):
        r = json.loads((reports / f"{name}.json").read_text())
        assert r["status"] == "failed" and r["error"]["kind"] == "interrupted"
        assert not (runs / name / "best_model.keras").exists()
    assert (runs / "alive" / "best_model.keras").exists()
    assert (outside / "best_model.keras").read_bytes() == b"precious"


def test_stopping_works_without_process_groups_as_on_windows(monkeypatch, tmp_path):
    monkeypatch.setattr(child_module, "PROCESS_GROUPS", False)  # injected: the platform has no killpg/SIGKILL
    c = ChildProcess({"task": "train", "heartbeat_s": 10}, tmp_path / "w.log", command=fake("silent"))
    assert isinstance(c.next_event(timeout=30), ev.Hello)
    t0 = time.monotonic()
    c.stop(grace_s=0.5, term_s=2)
    assert c.poll() is not None and time.monotonic() - t0 < 10
    assert not children_alive([c.pid])


def test_a_host_memory_limit_says_plainly_that_it_needs_posix(monkeypatch):
    import importlib.util

    import pytest

    from dlbench_gui.core.config import ConfigError

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "resource" else real(name, *a))
    with pytest.raises(ConfigError, match="needs a POSIX system"):
        tiny_config(host_memory_limit_gb=4)
