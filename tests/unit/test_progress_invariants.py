"""What the progress promises (docs/architecture.md, "What the progress promises"), asserted on recorded sessions of
real runs on this machine (tests/unit/data/sessions/: every input a session got, with its time, written by
DLBENCH_RECORD_EVENTS; how each was made is in its README). Each is replayed into a RunSession on a clock that
stands where the recording says, read every half second as the window's timer reads it, and the shown progress
must keep every promise. The estimate underneath breaks some of them in these same sessions (the window showed
that: 47% falling back to 23%, ETA 0 ms at 0%): the test shows the shown progress is what holds them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dlbench_gui.core.config import BenchmarkConfig
from dlbench_gui.core.measure.predict import predict_all
from dlbench_gui.core.progress import ETA_FLOOR_S, Progress, RunSession
from dlbench_gui.core.wire import events as ev

SESSIONS = sorted((Path(__file__).parent / "data" / "sessions").glob("*.jsonl"))


class Clock:
    t = 0.0

    def __call__(self) -> float:
        return self.t


def replay(path: Path, read=RunSession.progress) -> list[tuple[float, Progress, bool]]:
    """(time, what was read, finished) every half second and after every input."""
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    head = lines[0]["session"]
    clock = Clock()
    configs = [BenchmarkConfig.from_dict(c) for c in head["configs"]]
    seconds, phases = head["predictions_s"], head.get("phases")
    if phases is None:  # recorded before predictions had phases: today's predictor, for the same first launch
        plan = predict_all(configs, [], [c.backend if c.backend != "auto" else None for c in configs])
        seconds, phases = [p.seconds for p in plan], [(p.first_step_at_s, p.clock_bound_s) for p in plan]
    s = RunSession(configs, seconds, clock=clock, phases=[tuple(x) for x in phases])
    out, t = [], 0.0
    for rec in lines[1:]:
        while t + 0.5 < rec["t"]:
            t += 0.5
            clock.t = t
            out.append((t, read(s), s.finished))
        clock.t = t = rec["t"]
        if "event" in rec:
            s.handle(ev.from_dict(rec["event"]))
        elif "report" in rec:  # what the session's repredictor said then, as recorded
            s.predictions_s[s.index + 1:] = rec["predictions_s"][s.index + 1:]
            s.phases[s.index + 1:] = [tuple(x) for x in rec.get("phases", s.phases)][s.index + 1:]
        elif rec.get("finished"):
            s.finish()
        out.append((t, read(s), s.finished))
    return out


def broken_promises(seen: list[tuple[float, Progress, bool]]) -> list[str]:
    broken = []
    rises: dict[int, int] = {}
    for (t0, a, _), (t1, b, done) in zip(seen, seen[1:]):
        if b.overall < a.overall - 1e-9:
            broken.append(f"{t1:.1f} s: the fraction went back, {100 * a.overall:.0f}% to {100 * b.overall:.0f}%")
        if not done and b.overall >= 1.0:
            broken.append(f"{t1:.1f} s: 100% while work remained")
        if not done and b.eta_s < ETA_FLOOR_S:
            broken.append(f"{t1:.1f} s: ETA {b.eta_s:.2f} s while work remained")
        if not done and b.run_index == a.run_index and b.eta_s > max(a.eta_s - (t1 - t0), ETA_FLOOR_S) + 1e-6:
            if not b.over_prediction:
                broken.append(f"{t1:.1f} s: the ETA rose {a.eta_s:.1f} → {b.eta_s:.1f} s without saying why")
            rises[b.run_index] = rises.get(b.run_index, 0) + 1  # each rise a jump the estimate made, said
    # a run whose phases overturn its estimate as each is first measured may jump a few times (the tiny JAX run:
    # its first step, its pace, its first validation, its second epoch), never creep up step by step (tens of rises)
    broken += [f"run {i + 1}: the ETA rose {n} times" for i, n in rises.items() if n > 5]
    if seen and not (seen[-1][2] and seen[-1][1].overall == 1.0):
        broken.append("the session ended below 100%")
    return broken


@pytest.mark.parametrize("path", SESSIONS, ids=[p.stem for p in SESSIONS])
def test_the_shown_progress_keeps_every_promise_in_a_recorded_session(path):
    seen = replay(path)
    assert len(seen) > 50 and seen[-1][2]
    assert broken_promises(seen) == []


def test_the_estimate_underneath_breaks_them_in_the_same_sessions():
    """Without the shown progress's guard the recordings break the promises: they exercise what the guard is for."""
    broken = [f"{p.stem}: {b}" for p in SESSIONS for b in broken_promises(replay(p, read=RunSession.estimate))]
    assert len(SESSIONS) >= 4 and broken


def test_a_start_slower_than_predicted_is_said_and_does_not_run_the_fraction_ahead():
    """#33 A1: the custom JAX run was predicted at TensorFlow's costs and took four times as long; its fraction ran
    to 95% before its first step and waited there for a minute. A run's start (process, import, data, build, first
    step) is now a phase with its predicted cost: once it outruns that, the run is "longer than predicted" and the
    rest of it is assumed as much slower. Measured on the recordings: the shown fraction at most 36 points ahead of
    the time's true share (t / the session's length; the JAX run, before its start could be seen to be late), where
    it was 72 ahead before (95% at the first step, whose true share is 24%; now 49%)."""
    for path in SESSIONS:
        seen = replay(path)
        end = seen[-1][0]
        lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        first = next(rec["t"] for rec in lines[1:] if (rec.get("event") or {}).get("type") == "step")
        ahead = max(p.overall - t / end for t, p, _ in seen)
        assert ahead < 0.4, f"{path.stem}: {100 * ahead:.0f} points ahead"
        if path.stem == "jax_custom":
            at_first = next(p for t, p, _ in seen if t >= first)
            assert at_first.over_prediction and at_first.overall < 0.5
