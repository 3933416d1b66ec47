"""A session's plan, made once before anything runs and carried from there: for each run its index, the configuration
as asked, the configuration as it will run on this machine (weak scaling resolved), the framework chosen for it with
the reason (once per planned setup), its place in a repeated setup, its place in a shared process, and its
predicted duration. The CLI and the window both start a session from one (`runner/session.open_session`); the
session loop, the progress, the sharing of processes, the runner, the worker request and the report take a planned
run by its index, and the events say that index. Nothing finds a run again by comparing configurations or by
counting events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Callable

from . import backend_choice, frameworks
from .backend_choice import BackendChoice
from .config import BenchmarkConfig, ConfigError, share_groups
from .measure.predict import Prediction, predict_all, repredictor
from .store.report import RunReport


@dataclass(frozen=True)
class PlannedRun:
    index: int  # its place in the session, 0-based
    asked: BenchmarkConfig  # as the user asked for it
    config: BenchmarkConfig  # as it runs on this machine
    backend: BackendChoice  # which framework runs it, and why
    repeat: dict[str, Any] | None  # {group, index, of} in a repeated setup (1-based index), None: run once
    share_group: int  # the runs of one group share their processes (runner/share.py); alone: its own index
    share_datasets: tuple[str, ...]  # the group's datasets in run order
    share_position: int  # this run's place among them
    prediction: Prediction

    @property
    def shared(self) -> bool:
        return len(self.share_datasets) > 1


@dataclass(frozen=True)
class SessionPlan:
    runs: tuple[PlannedRun, ...]
    history: tuple[RunReport, ...] = ()  # what the predictions were made from (and the session judges against)

    def __len__(self) -> int:
        return len(self.runs)

    @property
    def configs(self) -> list[BenchmarkConfig]:
        return [r.config for r in self.runs]

    @property
    def backends(self) -> list[str]:
        return [r.backend.name for r in self.runs]

    @property
    def predictions_s(self) -> list[float]:
        return [r.prediction.seconds for r in self.runs]

    def choices(self) -> list[BackendChoice]:
        """Each framework choice of the session once, in run order (the CLI says each with its reason)."""
        return list(dict.fromkeys(r.backend for r in self.runs))

    def repredictor(self) -> Callable[[list[RunReport]], list[Prediction]]:
        """Every run's prediction again from the session's own reports so far (core/measure/predict.repredictor)."""
        return repredictor(self.configs, list(self.history), self.backends)

    def repeat_ends(self, index: int) -> bool:
        """Does the repeated setup of run `index` end with it (its last repeat)?"""
        tag = self.runs[index].repeat
        return tag is not None and tag["index"] == tag["of"]


def repeat_tags(count: int, repeat: int) -> list[dict[str, Any] | None]:
    """Each of `count` setups `repeat` times in a row: its place in the repeats ({group, index, of}), or None."""
    if repeat <= 1:
        return [None] * count
    groups = [f"repeat-{uuid.uuid4().hex[:10]}" for _ in range(count)]
    return [{"group": groups[i], "index": k + 1, "of": repeat} for i in range(count) for k in range(repeat)]


def check_strategy(config: BenchmarkConfig, choice: BackendChoice) -> None:
    """Several devices or machines on a framework that has no strategy for them, a compiled variant it does not
    offer, or the quick profile over one process per device: one clear line before any work."""
    f = frameworks.get(choice.name)
    for asked, kind, words in ((config.devices != 1, "devices", "several devices of one machine"),
                               (bool(config.cluster), "cluster", "several machines")):
        if asked and kind not in f.strategies:
            raise ConfigError(f"the {f.backend_label} does not train on {words} yet: choose one device, or another "
                              "backend (--backend tensorflow or jax)")
    if config.compile and not f.compiler:
        raise ConfigError(f"the {f.backend_label} has no compiled variant to ask for: it runs compiled graphs already "
                          "(leave out --compile)")
    if config.devices != 1 and config.profile == "quick" and f.process_per_device:
        raise ConfigError(f"the {f.backend_label} runs one process per device, and the quick profile decides per "
                          "process when it has measured enough: use --profile custom or full on several devices")


def plan_session(asked: list[BenchmarkConfig], repeat: int, hardware: dict[str, Any],
                 history: list[RunReport] | None = None) -> SessionPlan:
    """The plan of a session of `asked` setups, each run `repeat` times in a row, on this machine. The framework is
    chosen once per setup (a framework asked for but not installed: BackendUnavailable, before anything runs)."""
    gpus = len((hardware.get("gpu") or {}).get("nvidia") or [])
    choices = {c: backend_choice.choose_backend(c.backend, hardware) for c in dict.fromkeys(asked)}
    for c, choice in choices.items():
        check_strategy(c, choice)
    rows = [(c, c.for_machine(gpus)) for c in asked for _ in range(max(1, repeat))]
    configs = [config for _, config in rows]
    tags = repeat_tags(len(asked), max(1, repeat))
    # repeats stay independent: a repeated setup never shares its processes (share_groups sees them as equal configs)
    places = share_groups(configs)
    backends = [choices[a].name for a, _ in rows]
    predictions = predict_all(configs, list(history or []), backends)
    return SessionPlan(tuple(
        PlannedRun(index=i, asked=a, config=c, backend=choices[a], repeat=tags[i], share_group=places[i][0],
                   share_datasets=tuple(places[i][1]), share_position=places[i][2], prediction=predictions[i])
        for i, (a, c) in enumerate(rows)), tuple(history or ()))
