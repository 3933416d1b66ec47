"""One run session (one or more benchmarks in turn), as the CLI and the GUI both follow it: which run of how many,
the phase in words, progress and the ETA (computed one way, here), the session's reports, the predictions for the
runs not yet started. It consumes typed events and tells its listeners what changed; it knows no Qt."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import Any, Callable

from .wire import events as ev
from .config import DATASET_NAMES, MODEL_NAMES, BenchmarkConfig
from .durations import format_duration
from .measure import interference
from .measure.predict import Prediction
from .store.report import RunReport

# What a listener is told: (change, payload). The changes, each once per occurrence:
#   run_started (RunStarted) · phase (Phase) · steps (Step, training only) · epoch (EpochEnd, training only)
#   hello (Hello) · data (Log carrying the data source chosen) · warning (Log) · error (Error) · report (RunReport)
#   finished (None)
Listener = Callable[[str, Any], None]


@dataclass(frozen=True)
class Progress:
    run_index: int  # 0-based
    run_total: int
    fraction: float  # of the current run, 0–0.99 while it runs
    overall: float  # of the whole session
    elapsed_s: float  # of the current run
    eta_s: float  # until the whole session ends
    phase: str
    over_prediction: bool = False  # the current run has outlasted its prediction: the ETA is re-estimated

    @property
    def eta_words(self) -> str:
        """'ETA 1 min 05 s', or past the prediction 'ETA about 40 s (longer than predicted)'."""
        if self.over_prediction:
            return f"ETA about {format_duration(self.eta_s)} (longer than predicted)"
        return f"ETA {format_duration(self.eta_s)}"


ETA_FLOOR_S = 1.0  # while work remains, the ETA shown is never under this: never "ETA 0 ms" at 0%
OVERTURN = 1.15  # an estimate this much above the countdown (and 2 s more) has overturned the prediction
LATE_GROWTH = 2.0  # a start that outruns its prediction is assumed this many times longer, again each time it does


@dataclass
class Shown:
    """The progress as shown, kept to the invariants the window and the CLI guarantee (docs/architecture.md, "What
    the progress promises"), whatever the estimate does underneath on a busy machine:
    - the session's fraction never goes back, and reaches 100% only when the session has finished;
    - while work remains the ETA is never under ETA_FLOOR_S;
    - the ETA never rises faster than time passes (it counts down while a new estimate is only a little higher),
      except when a measured cost overturns the prediction (the estimate is OVERTURN above the countdown): then it
      jumps once to the estimate and says "longer than predicted" for the rest of that run."""
    overall: float = 0.0
    eta_s: float | None = None
    at: float | None = None
    run: int = -1
    fraction: float = 0.0
    longer: bool = False

    def update(self, raw: Progress, now: float, finished: bool, started: float) -> Progress:
        """`raw`: the estimate now; `started`: when the session began. The fraction shown is the session's time so far
        over that time and the ETA shown, so that the two agree (never 99% with half a minute to go)."""
        if raw.run_index != self.run:  # a new run: its own fraction starts again, its "longer" is its own
            self.run, self.fraction, self.longer = raw.run_index, 0.0, False
        if finished:
            self.overall, self.fraction, self.eta_s, self.at = 1.0, 1.0, 0.0, now
            return replace(raw, fraction=1.0, overall=1.0, eta_s=0.0, over_prediction=False)
        self.fraction = max(self.fraction, min(raw.fraction, 0.99))
        eta = max(raw.eta_s, ETA_FLOOR_S)
        if self.eta_s is not None and self.at is not None:
            countdown = max(self.eta_s - (now - self.at), ETA_FLOOR_S)
            if eta > countdown * OVERTURN + 2.0:
                self.longer = True  # the estimate overturned: one jump, said once
            elif eta > countdown:
                eta = countdown  # a little higher: keep counting down rather than creep up
        self.eta_s, self.at = eta, now
        spent = max(now - started, 0.0)
        self.overall = max(self.overall, min(0.99, spent / (spent + eta)))
        return replace(raw, fraction=self.fraction, overall=self.overall, eta_s=eta,
                       over_prediction=raw.over_prediction or self.longer)


class RunSession:
    def __init__(self, configs: list[BenchmarkConfig], predictions_s: list[float],
                 clock: Callable[[], float] = time.monotonic,
                 repredict: Callable[[list[RunReport]], list[Prediction]] | None = None,
                 record: Callable[[dict[str, Any]], None] | None = None,
                 phases: list[tuple[float, float]] | None = None):
        """`repredict`: every run's prediction from the reports so far (core/measure/predict.repredictor); the runs
        still to come are predicted again after each report, from what this machine has just measured. `record`:
        told every input with its time since the session began (DLBENCH_RECORD_EVENTS: the progress invariants'
        recorded sessions, tests/unit/data/sessions/). `phases`: of each prediction, (the seconds until its first
        step has ended, the seconds the clock bounds): Prediction.first_step_at_s and clock_bound_s."""
        if len(configs) != len(predictions_s) or phases is not None and len(phases) != len(configs):
            raise ValueError("one prediction per configuration")
        self.configs = list(configs)
        self.predictions_s = list(predictions_s)
        self.phases = list(phases) if phases is not None else [(0.0, 0.0)] * len(configs)
        self.repredict = repredict
        self.clock = clock
        self.index = -1
        self.phase = "waiting"
        self.steps_done = 0
        self.step_s: list[float] = []  # the current run's step times, as the steps events say them
        self.epoch_costs: list[float] = []  # the current run's validation and checkpoint time per epoch so far
        self.first_step_after: float | None = None  # seconds from the run's start to its first step
        self.last_epoch_at = 0.0  # when the current run's latest epoch ended
        self.training_done_at: float | None = None  # when the current quick run's training ended
        self.run_t0 = clock()
        self.reports: list[RunReport] = []
        self.warnings: list[str] = []
        self.data: dict[str, Any] | None = None  # the current run's data source, as the worker chose it
        self.finished = False
        self._listeners: list[Listener] = []
        self._record = record
        self._t_start = clock()
        self.shown = Shown()
        if record is not None:
            record({"t": 0.0, "session": {"configs": [c.to_dict() for c in self.configs],
                                          "predictions_s": list(self.predictions_s), "phases": self.phases}})

    @classmethod
    def of(cls, plan, clock: Callable[[], float] = time.monotonic,
           record: Callable[[dict[str, Any]], None] | None = None) -> "RunSession":
        """The progress of a session plan (core/plan.py): its runs as they run here, their predictions, and their
        predictions again from the session's own reports."""
        return cls(plan.configs, plan.predictions_s, clock=clock, repredict=plan.repredictor(), record=record,
                   phases=[(r.prediction.first_step_at_s, r.prediction.clock_bound_s) for r in plan.runs])

    # ------------------------------------------------------------------ input
    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _tell(self, change: str, payload: Any) -> None:
        for listener in self._listeners:
            listener(change, payload)

    @property
    def config(self) -> BenchmarkConfig | None:
        return self.configs[self.index] if 0 <= self.index < len(self.configs) else None

    def _note(self, what: dict[str, Any]) -> None:
        if self._record is not None:
            self._record({"t": round(self.clock() - self._t_start, 4), **what})

    def handle(self, event: ev.Event) -> None:
        self._note({"event": event.to_dict()})
        if isinstance(event, ev.RunStarted):
            self.index = min(max(event.index, 0), len(self.configs) - 1)  # its planned run (core/plan.py)
            self.run_t0, self.steps_done, self.phase, self.data = self.clock(), 0, "starting", None
            self.step_s, self.epoch_costs, self.first_step_after, self.training_done_at = [], [], None, None
            self._tell("run_started", event)
        elif self.config is None:
            return  # nothing has started: an event from nowhere is ignored
        elif isinstance(event, ev.Phase):
            if self.step_s and event.phase != "training" and self.training_done_at is None:
                self.training_done_at = self.clock()  # a quick run's training is over: its tail has begun
            self.phase = event.words(self.config.profile)
            self._tell("phase", event)
        elif isinstance(event, ev.Step) and event.task == "train":
            if self.first_step_after is None:  # start, import, build and the first step: what the inference child
                self.first_step_after = self.clock() - self.run_t0  # pays again (start, import, load) at the end
            self.steps_done += len(event.steps)
            self.step_s += [float(x[2]) for x in event.steps if len(x) > 2 and isinstance(x[2], (int, float))]
            self._tell("steps", event)
        elif isinstance(event, ev.EpochEnd) and event.task == "train":
            checkpoint = event.extra.get("checkpoint_s")
            self.epoch_costs.append(event.val_s + (checkpoint if isinstance(checkpoint, (int, float)) else 0.0))
            self.last_epoch_at = self.clock()
            self._tell("epoch", event)
        elif isinstance(event, ev.Hello):
            self._tell("hello", event)
        elif isinstance(event, ev.Log) and event.data is not None and event.task in (None, "train"):
            self.data = event.data
            self._tell("data", event)
        elif isinstance(event, ev.Log) and event.level == "warning":
            self.warnings.append(event.message)
            self._tell("warning", event)
        elif isinstance(event, ev.Error):
            self._tell("error", event)

    def add_report(self, report: RunReport) -> None:
        self.reports.append(report)
        if self.repredict is not None:
            later = self.repredict(self.reports)[self.index + 1:]
            self.predictions_s[self.index + 1:] = [p.seconds for p in later]
            self.phases[self.index + 1:] = [(p.first_step_at_s, p.clock_bound_s) for p in later]
        self._note({"report": {"run_id": report.run_id, "status": report.status},
                    "predictions_s": list(self.predictions_s), "phases": list(self.phases)})
        self._tell("report", report)

    def finish(self) -> None:
        self._note({"finished": True})
        self.finished = True
        self._tell("finished", None)

    # ------------------------------------------------------------------ read-outs
    def progress(self) -> Progress:
        """What the window and the CLI show: the estimate (`estimate`) kept to the invariants (`Shown`)."""
        return self.shown.update(self.estimate(), self.clock(), self.finished, self._t_start)

    def estimate(self) -> Progress:
        """The current run's share done, and the session's ETA: a protocol run by its steps, a quick run (whose
        length is not known in steps) by its prediction; the runs not yet started by theirs."""
        c, i = self.config, max(self.index, 0)
        elapsed = self.clock() - self.run_t0 if c is not None else 0.0
        predicted = max(self.predictions_s[i], 1.0) if self.predictions_s else 1.0
        if c is None:
            fraction = 0.0
        elif c.profile == "quick":
            fraction = min(0.99, elapsed / predicted)
        else:
            total = c.epochs * c.steps_per_epoch
            fraction = min(0.99, self.steps_done / total) if total else 0.0
        over = False
        late = self._late_start(c, i, elapsed) if c is not None else None
        if late is not None:  # its start outran its prediction: the rest is likely as slow
            remaining, over = late, True
            fraction = min(0.99, elapsed / (elapsed + remaining))
        elif c is not None and c.profile != "quick" and self.step_s:
            remaining = self._protocol_remaining(c)
        elif c is not None and c.profile == "quick" and (elapsed > predicted or len(self.step_s) >= 3):
            # past its prediction (never "ETA 0" while work remains), or measuring: what its phases say is left,
            # where that is more than the prediction says (it is "longer than predicted" as soon as that shows)
            phased = self._quick_remaining(c, elapsed)
            over = elapsed > predicted or phased > (predicted - elapsed) + 2.0
            remaining = max(phased, predicted - elapsed)
            fraction = min(0.99, elapsed / (elapsed + remaining))
        else:
            remaining = max(0.0, predicted - elapsed) if c is not None else predicted
        remaining += sum(self.predictions_s[i + 1:])
        total_runs = max(len(self.configs), 1)
        return Progress(i, total_runs, fraction, (i + fraction) / total_runs, elapsed, remaining, self.phase, over)

    def _late_start(self, c: BenchmarkConfig, i: int, elapsed: float) -> float | None:
        """The time left of a run whose start (process, import, data, build, first step) has outrun its predicted
        share, until its steps say more (a protocol run's second step, a quick run's third); None otherwise. Each
        phase still to come is taken to be as much slower as the start was: while the first step has not come, the
        start is assumed LATE_GROWTH times its prediction, then LATE_GROWTH times that once it outruns that too (a
        jump each time, never a creep); once it has come, as much slower as it was measured to be. The part the
        clock bounds (a quick run's steady phase) is not scaled."""
        first_at, bound = self.phases[i]
        if first_at <= 0 or len(self.step_s) >= (3 if c.profile == "quick" else 2):  # (a pace, not the tracing)
            return None
        rest = max(self.predictions_s[i] - first_at - bound, 0.0)
        if self.first_step_after is not None:  # measured: how much slower the start was
            k = self.first_step_after / first_at
            left = rest * k + bound - (elapsed - self.first_step_after)
            return left if k > 1.0 and left > 0 else None
        if elapsed <= first_at:
            return None
        k = LATE_GROWTH ** (math.floor(math.log(elapsed / first_at, LATE_GROWTH)) + 1)
        return k * first_at - elapsed + rest * k + bound

    def _pace(self) -> float:
        """The median of the current run's last ten steps; the first step traces the graph: never the pace."""
        recent = sorted((self.step_s[1:] or self.step_s)[-10:])
        return recent[len(recent) // 2]

    def _protocol_remaining(self, c: BenchmarkConfig) -> float:
        """A protocol run's time left, from its phases as measured so far: the steps left at the recent steps' pace,
        a validation and a checkpoint for each epoch still to end (as the ended ones cost, or half a step per
        validation batch until one has), then the inference child, which starts, imports and loads as this run did
        before its first step, and predicts the validation images."""
        pace = self._pace()
        steps_left = max(0, c.epochs * c.steps_per_epoch - self.steps_done)
        epoch_cost = (sum(self.epoch_costs) / len(self.epoch_costs) if self.epoch_costs
                      else 0.5 * pace * c.val_steps)
        epochs_left = max(0, c.epochs - len(self.epoch_costs))
        inference = (self.first_step_after or 0.0) + 0.5 * pace * c.val_steps
        if epochs_left == 0 and steps_left == 0:  # the inference child's part has begun: what is left of it
            inference = max(0.1 * inference, inference - (self.clock() - self.last_epoch_at))
        return steps_left * pace + epochs_left * epoch_cost + inference

    def _quick_remaining(self, c: BenchmarkConfig, elapsed: float) -> float:
        """A quick run past its prediction, re-estimated from its measured steps: what is left of the steady phase
        (the budget, and at least five steady steps), then a validation sample, the epoch boundary and the
        inference sample (some twenty steps' worth); never under 5 s or a tenth of the time so far."""
        steps = self.step_s
        if not steps:  # still starting or tracing: as long again as the first step has taken so far, at least
            return max(5.0, 0.25 * elapsed)
        step = self._pace()
        steady = steps[4:]
        left = max(0.0, c.quick_budget_s - sum(steady), (5 - len(steady)) * step)
        # then its tail: a validation sample and the epoch boundary (some twenty steps' worth) and the inference
        # child, which starts, imports and loads as this run did before its first step; less what has passed of it
        tail = 20 * step + (self.first_step_after or 0.0)
        if self.training_done_at is not None:
            left, tail = 0.0, max(0.1 * tail, tail - (self.clock() - self.training_done_at))
        return max(5.0, left + tail) if self.training_done_at is None else left + tail

    def status_text(self) -> str:
        """'Run 1/4 · Model A on MNIST · training epoch 2/3 · 1 min 05 s'."""
        c = self.config
        if self.finished:
            return self.summary_text()
        if c is None:
            return "Starting…"
        p = self.progress()
        return f"Run {p.run_index + 1}/{p.run_total} · {self.title()} · {p.phase} · {format_duration(p.elapsed_s)}"

    def title(self) -> str:
        """'Model A on MNIST (quick)': the current run in words."""
        c = self.config
        if c is None:
            return ""
        return f"{MODEL_NAMES[c.model].split(' — ')[0]} on {DATASET_NAMES[c.dataset]} ({c.profile})"

    def summary_text(self) -> str:
        states = ", ".join(f"{sum(r.status == s for r in self.reports)} {s}" for s in ("completed", "failed", "cancelled")
                           if any(r.status == s for r in self.reports))
        disturbed = sum(r.status == "completed" and interference.interfered(r) for r in self.reports)
        unreliable = (f" ({disturbed} of them unreliable: other programs took the machine while it was timed)"
                      if disturbed else "")
        return f"Finished: {states or 'nothing ran'}{unreliable}."

    @property
    def all_completed(self) -> bool:
        return bool(self.reports) and all(r.status == "completed" for r in self.reports)
